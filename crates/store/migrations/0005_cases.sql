-- The alert queue, the alerts' evidence, cases and filings.
--
-- Times are RFC 3339 UTC to the second (`2026-03-10T12:00:00Z`), so text
-- order is time order. JSON columns hold what the workflow crate
-- serialises (alerts as `vigia monitor` writes them, SAR subjects as the
-- filing crate reads them). Every change here commits with its audit event
-- (audit_events) in the same transaction.

-- One row per alert id: the id is deterministic (monitoring derives it from
-- the pattern), so importing the same alerts again finds them here.
CREATE TABLE alerts (
    id            TEXT PRIMARY KEY,
    source        TEXT NOT NULL CHECK (source IN ('monitoring', 'screening')),
    scenario      TEXT NOT NULL,
    typology      TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('alert', 'ctr_work_item', 'block')),
    severity      TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    severity_rank INTEGER NOT NULL,
    score         REAL NOT NULL,
    amount        REAL,
    activity_from TEXT NOT NULL,
    activity_to   TEXT NOT NULL,
    raised_at     TEXT NOT NULL,
    raised_by     TEXT NOT NULL,
    due_at        TEXT NOT NULL,
    case_id       TEXT REFERENCES cases(id),
    body          TEXT NOT NULL,
    body_hash     TEXT NOT NULL
);

-- The queue: alerts not in a case, by priority.
CREATE INDEX alerts_queue ON alerts (case_id, severity_rank DESC, due_at, score DESC, id);

CREATE TABLE alert_subjects (
    alert_id TEXT NOT NULL REFERENCES alerts(id),
    position INTEGER NOT NULL,
    subject  TEXT NOT NULL,
    PRIMARY KEY (alert_id, position)
);
CREATE INDEX alert_subjects_by_subject ON alert_subjects (subject);

-- Evidence transactions, per alert: transaction ids are unique only within
-- one input file (a file without ids numbers its rows), so a transaction
-- is kept under the alert that cites it.
CREATE TABLE alert_evidence (
    alert_id       TEXT NOT NULL REFERENCES alerts(id),
    transaction_id TEXT NOT NULL,
    body           TEXT NOT NULL,
    PRIMARY KEY (alert_id, transaction_id)
);

CREATE TABLE cases (
    id              TEXT PRIMARY KEY,
    number          INTEGER NOT NULL UNIQUE,
    title           TEXT NOT NULL,
    subject         TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('open', 'in_review', 'escalated', 'closed')),
    disposition     TEXT CHECK (disposition IN
                        ('no_action', 'false_positive', 'true_match', 'filed', 'merged')),
    severity        TEXT NOT NULL,
    severity_rank   INTEGER NOT NULL,
    assignee        TEXT,
    version         INTEGER NOT NULL,
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    due_at          TEXT NOT NULL,
    closed_at       TEXT,
    merged_into     TEXT REFERENCES cases(id),
    key_terms       TEXT NOT NULL,
    classifications TEXT NOT NULL,
    narrative       TEXT,
    action          TEXT,
    CHECK ((state = 'closed') = (disposition IS NOT NULL)),
    CHECK ((disposition IS 'merged') = (merged_into IS NOT NULL))
);
CREATE INDEX cases_by_state ON cases (state, severity_rank DESC, due_at);

-- The subjects a case is about, its main subject first; `details` is the
-- analyst's SAR subject (JSON), replacing what transactions say.
CREATE TABLE case_subjects (
    case_id  TEXT NOT NULL REFERENCES cases(id),
    position INTEGER NOT NULL,
    subject  TEXT NOT NULL,
    details  TEXT,
    PRIMARY KEY (case_id, position),
    UNIQUE (case_id, subject)
);

CREATE TABLE case_comments (
    case_id TEXT NOT NULL REFERENCES cases(id),
    n       INTEGER NOT NULL,
    at      TEXT NOT NULL,
    author  TEXT NOT NULL,
    text    TEXT NOT NULL,
    PRIMARY KEY (case_id, n)
);

-- Documents by reference: where they are, their SHA-256, what they are.
CREATE TABLE case_attachments (
    case_id     TEXT NOT NULL REFERENCES cases(id),
    n           INTEGER NOT NULL,
    at          TEXT NOT NULL,
    added_by    TEXT NOT NULL,
    uri         TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    description TEXT NOT NULL,
    PRIMARY KEY (case_id, n)
);

-- Closing requests that need a second person (true_match, filed).
CREATE TABLE case_requests (
    id           INTEGER PRIMARY KEY,
    case_id      TEXT NOT NULL REFERENCES cases(id),
    disposition  TEXT NOT NULL CHECK (disposition IN ('true_match', 'filed')),
    requested_by TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    version      INTEGER NOT NULL,
    reason       TEXT,
    status       TEXT NOT NULL
                 CHECK (status IN ('pending', 'approved', 'rejected', 'void', 'done')),
    decided_by   TEXT,
    decided_at   TEXT,
    note         TEXT
);
-- At most one open request per case.
CREATE UNIQUE INDEX case_requests_open ON case_requests (case_id)
    WHERE status IN ('pending', 'approved');

-- Filings generated from cases, with the document as generated.
CREATE TABLE case_filings (
    id       INTEGER PRIMARY KEY,
    case_id  TEXT NOT NULL REFERENCES cases(id),
    format   TEXT NOT NULL CHECK (format IN ('sar', 'ctr', 'goaml')),
    draft    INTEGER NOT NULL,
    at       TEXT NOT NULL,
    actor    TEXT NOT NULL,
    reports  INTEGER NOT NULL,
    alerts   TEXT NOT NULL,
    sha256   TEXT NOT NULL,
    document TEXT NOT NULL
);

-- Comments, attachments and filings are records: never edited or removed.
CREATE TRIGGER case_comments_no_update BEFORE UPDATE ON case_comments
BEGIN SELECT RAISE(ABORT, 'case_comments is append-only'); END;
CREATE TRIGGER case_comments_no_delete BEFORE DELETE ON case_comments
BEGIN SELECT RAISE(ABORT, 'case_comments is append-only'); END;
CREATE TRIGGER case_attachments_no_update BEFORE UPDATE ON case_attachments
BEGIN SELECT RAISE(ABORT, 'case_attachments is append-only'); END;
CREATE TRIGGER case_attachments_no_delete BEFORE DELETE ON case_attachments
BEGIN SELECT RAISE(ABORT, 'case_attachments is append-only'); END;
CREATE TRIGGER case_filings_no_update BEFORE UPDATE ON case_filings
BEGIN SELECT RAISE(ABORT, 'case_filings is append-only'); END;
CREATE TRIGGER case_filings_no_delete BEFORE DELETE ON case_filings
BEGIN SELECT RAISE(ABORT, 'case_filings is append-only'); END;

-- Workflow settings (the service levels), as JSON; changes are audited.
CREATE TABLE workflow_settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- A case's history is the audit trail's events about it.
CREATE INDEX audit_events_by_subject ON audit_events (subject, seq);
