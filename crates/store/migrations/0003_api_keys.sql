-- API keys for the HTTP server.
--
-- Only a SHA-256 of each key is kept (keys are 256-bit random strings, so
-- a plain hash cannot be reversed or guessed; ADR 0102). `id` is the key's
-- first characters, shown by `vigia keys list` so an operator can tell keys
-- apart without the secret. A revoked key keeps its row (who revoked it,
-- when), so the audit trail's subjects stay resolvable.

CREATE TABLE api_keys (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    hash       TEXT NOT NULL UNIQUE,
    -- `screen`, `admin`, ...: checked by the server, not here, so that new
    -- roles need no migration.
    role       TEXT NOT NULL,
    -- JSON array of dataset names the key may read; empty: every dataset.
    datasets   TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    revoked_at TEXT,
    revoked_by TEXT
);
