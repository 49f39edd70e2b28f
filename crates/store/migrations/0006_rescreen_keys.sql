-- The blocking keys of customers (ADR 0118): what each customer's
-- screening query can reach a listed entity through (its folded name
-- parts with their equivalence symbol, adjacent parts joined, acronyms,
-- identifiers). A delta rescreen looks up the keys the changed entities
-- reach instead of analysing every customer. The keys are derived data:
-- written with every new customer version, computed by the next rescreen
-- for customers stored before this table existed, and all computed again
-- when the analysis that derives them changes (`rescreen_key_state`).

-- Every distinct key once: the vocabulary a delta expands against.
CREATE TABLE rescreen_keys (
    id   INTEGER PRIMARY KEY,
    key  TEXT    NOT NULL UNIQUE
);

-- Which customers have a key (their current version's keys), with the
-- least weight the customer's name forms can have (the same on every row
-- of a customer: the bound a delta needs comes from the postings alone).
CREATE TABLE customer_keys (
    key_id      INTEGER NOT NULL,
    customer_id TEXT    NOT NULL,
    floor       REAL    NOT NULL,
    PRIMARY KEY (key_id, customer_id)
) WITHOUT ROWID;

-- The customer version the keys were computed from, and their ids
-- (space-separated), to remove them when a new version arrives.
CREATE TABLE customer_keyed (
    customer_id TEXT    PRIMARY KEY,
    version     INTEGER NOT NULL,
    key_ids     TEXT    NOT NULL
) WITHOUT ROWID;

-- The analysis the stored keys come from (one row), and whether every
-- active customer's current version is keyed (set by the rescreen that
-- keyed the rest; imports key what they write and keep it so).
CREATE TABLE rescreen_key_state (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    analysis TEXT    NOT NULL,
    complete INTEGER NOT NULL DEFAULT 0
);
