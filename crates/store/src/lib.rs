//! Vigia's embedded store (SQLite): versioned lists, alerts, cases, decisions and a hash-chained audit trail.
