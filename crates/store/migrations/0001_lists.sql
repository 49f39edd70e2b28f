-- Versioned designation lists, content-addressed.
--
-- An entity body is stored once per distinct canonical form
-- (`Entity::canonical_json`), keyed by its SHA-256. A list version is a set
-- of (entity id, body) rows, so an entity that did not change between
-- two versions costs one small row, not a second copy of its body.

CREATE TABLE list_versions (
    id            INTEGER PRIMARY KEY,
    dataset       TEXT    NOT NULL,
    version       INTEGER NOT NULL,
    publisher     TEXT    NOT NULL,
    format        TEXT    NOT NULL,
    published     TEXT,
    content_hash  TEXT    NOT NULL,
    imported_at   TEXT    NOT NULL,
    entity_count  INTEGER NOT NULL DEFAULT 0,
    source        TEXT    NOT NULL,
    -- SHA-256 over the sorted (entity id, body hash) pairs: equal sets mean
    -- an unchanged list whatever the file bytes were.
    set_hash      TEXT    NOT NULL DEFAULT '',
    -- For delta imports: the version the changes were applied to.
    base_version  INTEGER,
    -- Records read, and diagnostics by severity, as the parser reported them.
    records       INTEGER NOT NULL DEFAULT 0,
    infos         INTEGER NOT NULL DEFAULT 0,
    warnings      INTEGER NOT NULL DEFAULT 0,
    errors        INTEGER NOT NULL DEFAULT 0,
    -- Whether the operator overrode the shrink plausibility rule.
    shrink_allowed INTEGER NOT NULL DEFAULT 0,
    UNIQUE (dataset, version)
);

-- Exactly one active version per dataset: the primary key guarantees it.
CREATE TABLE active_versions (
    dataset    TEXT    PRIMARY KEY,
    version_id INTEGER NOT NULL REFERENCES list_versions (id)
);

-- Bodies get a rowid in insertion order: a version's bodies lie together,
-- and versions point at them by integer rather than by 32-byte hash.
CREATE TABLE entity_bodies (
    id     INTEGER PRIMARY KEY,
    hash   BLOB NOT NULL UNIQUE,
    schema TEXT NOT NULL,
    body   TEXT NOT NULL
);

CREATE TABLE version_entities (
    version_id  INTEGER NOT NULL REFERENCES list_versions (id),
    entity_id   TEXT    NOT NULL,
    body_id     INTEGER NOT NULL REFERENCES entity_bodies (id),
    -- The publisher's bookkeeping timestamps are kept per version, outside
    -- the content hash, so that a daily `last_seen` bump is not a change.
    first_seen  TEXT,
    last_seen   TEXT,
    last_change TEXT,
    PRIMARY KEY (version_id, entity_id)
) WITHOUT ROWID;

-- References between entities (a Sanction's `entity`, an Ownership's
-- `owner` and `asset`, ...), written once per body: "who points at X?"
CREATE TABLE entity_refs (
    target_id TEXT NOT NULL,
    source_id TEXT NOT NULL,
    body_id   INTEGER NOT NULL,
    property  TEXT NOT NULL,
    PRIMARY KEY (target_id, source_id, body_id, property)
) WITHOUT ROWID;

-- What the parser noticed while reading a version (kept for audits: it
-- says what was dropped).
CREATE TABLE list_diagnostics (
    version_id INTEGER NOT NULL REFERENCES list_versions (id),
    seq        INTEGER NOT NULL,
    file       TEXT    NOT NULL,
    location   TEXT    NOT NULL,
    severity   TEXT    NOT NULL,
    message    TEXT    NOT NULL,
    PRIMARY KEY (version_id, seq)
) WITHOUT ROWID;
