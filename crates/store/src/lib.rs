//! Vigia's embedded store (SQLite): versioned lists and the hash-chained
//! audit trail; alerts, cases and decisions will join them.
//!
//! One file, `vigia.db` in the data directory, in WAL mode so that readers
//! (screening, the HTTP server) never wait for an import. The schema is
//! created and upgraded by plain SQL migrations ([`migrate`]).
//!
//! Each subsystem is a module that answers one question and exposes a trait
//! the SQLite [`Store`] implements, so that a PostgreSQL backend can follow
//! without touching callers:
//!
//! - [`lists`] ([`ListStore`]): which list versions exist, which are active,
//!   what entities they hold, what changed between two versions; imports
//!   that stream entities in and activate atomically or not at all.
//! - [`audit`] ([`AuditLog`]): the append-only, hash-chained trail of every
//!   change.
//! - [`keys`] ([`KeyStore`]): the HTTP server's API keys, stored hashed.
//! - [`alerts`] ([`AlertStore`]): the alert queue (monitoring alerts and
//!   screening hits, once per id, with their evidence and due dates).
//! - [`cases`] ([`CaseStore`]): cases, their states, comments, attachments,
//!   four-eyes requests and filings, each change with its audit event.
//! - [`customers`] ([`CustomerStore`]): registered customers and
//!   counterparties, versioned by what screening reads of them.
//! - [`decisions`] ([`HitStore`]): screening hits bound to the versions of
//!   both sides, the decisions taken on them, and the rescreen watermark.
//!
//! **Invariants.** Exactly one version per dataset is active. An import
//! either commits as a whole (entities, version row, activation and audit
//! events in one transaction) or leaves nothing behind but the audit record
//! of its refusal. The store never reads the clock: callers pass `now`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;

pub mod alerts;
pub mod audit;
pub mod cases;
pub mod customers;
pub mod decisions;
mod error;
pub mod keys;
pub mod lists;
mod migrate;
pub mod rescreen;

pub use alerts::{
    AlertBatch, AlertFilter, AlertSource, AlertStatus, AlertStore, ImportedAlerts, Inserted,
    Raised, StoredAlert, raise_alert_in,
};
pub use audit::{AuditEvent, AuditLog, NewAuditEvent, Verification};
pub use cases::{
    Attachment, CaseEdit, CaseFilter, CaseRecord, CaseStore, CaseSubject, CaseSummary, Change,
    CloseRequest, Comment, FilingRecord, NewCase, NewFiling, StoredAttachment,
};
pub use customers::{
    Customer, CustomerCounts, CustomerFilter, CustomerImportReport, CustomerImportRequest,
    CustomerStore, CustomerVersion, ScreeningSubject,
};
pub use decisions::{
    Decision, DecisionRequest, HitFilter, HitStore, ListDelta, RunMode, RunReport, Screened,
    ScreeningRun, ScreeningSettings, StoredHit,
};
pub use error::{Error, Result};
pub use keys::{ApiKey, KeyStore, NewApiKey};
pub use lists::{
    DiagnosticCounts, DiffEntry, EntityDetail, EntityFilter, Import, ImportPolicy, ImportReport,
    ImportRequest, ImportStart, ListImport, ListStore, Outcome, Refusal, VersionDiff,
};

/// The database file's name inside the data directory.
pub const DB_FILE: &str = "vigia.db";

/// How long a writer waits for another writer (an import running in another
/// process) before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// The embedded SQLite store.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: Option<PathBuf>,
}

impl Store {
    /// Opens (creating if needed) the store in `data_dir/vigia.db` and
    /// brings its schema up to date.
    ///
    /// # Errors
    /// The directory cannot be created, the file is not a SQLite database,
    /// or its schema is newer than this build.
    pub fn open(data_dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(data_dir)
            .map_err(|source| Error::Io { path: data_dir.to_owned(), source })?;
        let path = data_dir.join(DB_FILE);
        let conn = Connection::open(&path)?;
        Store::setup(conn, Some(path))
    }

    /// A store in memory, for tests and one-off tools.
    ///
    /// # Errors
    /// SQLite cannot allocate the database.
    pub fn open_in_memory() -> Result<Store> {
        Store::setup(Connection::open_in_memory()?, None)
    }

    fn setup(mut conn: Connection, path: Option<PathBuf>) -> Result<Store> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // WAL: readers do not block the writer nor the reverse, and a
        // transaction killed half-way leaves only uncommitted frames that
        // the next open ignores. `synchronous = NORMAL` is durable against
        // process crashes (the hazard we test); a power cut may lose the
        // last committed import, never corrupt an older one (ADR 0041).
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // 16 MiB of page cache per connection: enough for the indexes of
        // the lists screened here, and a bound on memory however large the
        // imported file (dirty pages beyond it spill to the WAL).
        conn.pragma_update(None, "cache_size", -16_384)?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        migrate::migrate(&mut conn)?;
        Ok(Store { conn, path })
    }

    /// The database file (`None` for an in-memory store).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The schema version this build writes.
    pub fn schema_version() -> u32 {
        migrate::SCHEMA_VERSION
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_creates_the_database_in_wal_mode() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("nested/data")).unwrap();
        assert!(dir.path().join("nested/data/vigia.db").exists());
        let mode: String = store.conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = store.conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
        assert_eq!(fk, 1);
        drop(store);
        // Reopening migrates nothing and keeps working.
        Store::open(&dir.path().join("nested/data")).unwrap();
    }

    #[test]
    fn a_file_that_is_not_a_database_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(DB_FILE), b"this is not sqlite, just text").unwrap();
        let err = Store::open(dir.path()).unwrap_err();
        assert!(err.to_string().contains("not a database"), "{err}");
    }
}
