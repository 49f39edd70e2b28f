-- Customers, screening hits and the decisions analysts take on them.
--
-- A customer (or counterparty) is the institution's stable id plus
-- versions: a new version is written only when what screening reads
-- changes (names, birth dates, countries, gender, identifiers, schema),
-- and a version is identified by the SHA-256 of that projection (`hash`).
-- A hit is one (customer, listed entity) pair, bound to the versions of
-- both sides that the latest screening saw. A decision is bound to the
-- versions it was taken on, never edited, and judged again whenever either
-- side changes (ADR 0111). Times are RFC 3339 UTC to the second. Every
-- change here commits with its audit event in the same transaction.

-- One row per customer import (a file, or an API request).
CREATE TABLE customer_imports (
    id           INTEGER PRIMARY KEY,
    at           TEXT    NOT NULL,
    actor        TEXT    NOT NULL,
    source       TEXT    NOT NULL,
    -- SHA-256 of the input bytes, hex ('' when there are no bytes: API).
    content_hash TEXT    NOT NULL,
    received     INTEGER NOT NULL,
    added        INTEGER NOT NULL,
    changed      INTEGER NOT NULL,
    unchanged    INTEGER NOT NULL,
    reactivated  INTEGER NOT NULL,
    deactivated  INTEGER NOT NULL,
    audit_seq    INTEGER NOT NULL
);

CREATE TABLE customers (
    id               TEXT    PRIMARY KEY,
    -- The current version, and its hash.
    version          INTEGER NOT NULL,
    hash             TEXT    NOT NULL,
    active           INTEGER NOT NULL DEFAULT 1,
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL,
    -- Why the customer was deactivated (NULL while active).
    inactive_reason  TEXT,
    -- The version the last screening of this customer saw (0: never
    -- screened); a customer whose current version is newer is pending.
    screened_version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX customers_pending ON customers (active, screened_version, version);

-- Versions are records: never edited or removed.
CREATE TABLE customer_versions (
    customer_id TEXT    NOT NULL REFERENCES customers (id),
    version     INTEGER NOT NULL,
    hash        TEXT    NOT NULL,
    schema      TEXT    NOT NULL,
    -- The screening projection as FollowTheMoney JSON.
    body        TEXT    NOT NULL,
    import_id   INTEGER NOT NULL REFERENCES customer_imports (id),
    created_at  TEXT    NOT NULL,
    PRIMARY KEY (customer_id, version)
) WITHOUT ROWID;

-- The listed entities hits were bound to, by the SHA-256 of their
-- canonical JSON (the list store's content address): what the analyst saw
-- stays readable whatever the lists do later.
CREATE TABLE listed_snapshots (
    hash      TEXT PRIMARY KEY,
    entity_id TEXT NOT NULL,
    body      TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE hits (
    -- `hit-` and 16 hex digits of SHA-256 over (customer id, entity id).
    id               TEXT    PRIMARY KEY,
    customer_id      TEXT    NOT NULL REFERENCES customers (id),
    entity_id        TEXT    NOT NULL,
    status           TEXT    NOT NULL
                     CHECK (status IN ('open', 'cleared', 'confirmed', 'closed')),
    -- Whether the latest screening of the pair reached the threshold.
    matched          INTEGER NOT NULL,
    -- The versions the latest matching screening saw.
    customer_version INTEGER NOT NULL,
    customer_hash    TEXT    NOT NULL,
    entity_hash      TEXT    NOT NULL REFERENCES listed_snapshots (hash),
    caption          TEXT    NOT NULL,
    schema           TEXT    NOT NULL,
    datasets         TEXT    NOT NULL,
    score            REAL    NOT NULL,
    explanations     TEXT    NOT NULL,
    lists_version    TEXT    NOT NULL,
    algorithm        TEXT    NOT NULL,
    config           TEXT    NOT NULL,
    engine           TEXT    NOT NULL,
    -- The latest decision, if any.
    decision_id      INTEGER REFERENCES decisions (id),
    -- How many times the hit was opened (1 when new, +1 per re-opening):
    -- each opening raises its own alert.
    openings         INTEGER NOT NULL DEFAULT 1,
    -- Why the hit was last re-opened or closed.
    reason           TEXT,
    first_seen_at    TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL,
    UNIQUE (customer_id, entity_id)
);
CREATE INDEX hits_by_entity ON hits (entity_id);
CREATE INDEX hits_by_status ON hits (status, updated_at);

-- Decisions are records: never edited or removed. A later decision on the
-- same hit supersedes an earlier one (the hit points at the latest).
CREATE TABLE decisions (
    id               INTEGER PRIMARY KEY,
    hit_id           TEXT    NOT NULL REFERENCES hits (id),
    kind             TEXT    NOT NULL CHECK (kind IN ('false_positive', 'true_match')),
    reason           TEXT    NOT NULL,
    author           TEXT    NOT NULL,
    decided_at       TEXT    NOT NULL,
    customer_id      TEXT    NOT NULL,
    customer_version INTEGER NOT NULL,
    customer_hash    TEXT    NOT NULL,
    entity_id        TEXT    NOT NULL,
    entity_hash      TEXT    NOT NULL,
    score            REAL    NOT NULL,
    audit_seq        INTEGER NOT NULL
);
CREATE INDEX decisions_by_hit ON decisions (hit_id, id);

CREATE TRIGGER customer_versions_no_update BEFORE UPDATE ON customer_versions
BEGIN SELECT RAISE(ABORT, 'customer_versions is append-only'); END;
CREATE TRIGGER customer_versions_no_delete BEFORE DELETE ON customer_versions
BEGIN SELECT RAISE(ABORT, 'customer_versions is append-only'); END;
CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions
BEGIN SELECT RAISE(ABORT, 'decisions is append-only'); END;
CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions
BEGIN SELECT RAISE(ABORT, 'decisions is append-only'); END;

-- The list versions the registered customers were last screened against,
-- per dataset: the next rescreen starts from these (the diff from each to
-- the active version). Written in the transaction that applies the
-- rescreen's results, so a crash before it leaves the old watermark and
-- the next run redoes the work.
CREATE TABLE screened_lists (
    dataset TEXT    PRIMARY KEY,
    version INTEGER NOT NULL
);

-- The screening configuration customers are screened with (threshold,
-- algorithm): changed only by a full rescreen, audited.
CREATE TABLE screening_settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
