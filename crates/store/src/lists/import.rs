//! The streaming import writer.

use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};
use vigia_model::{Diagnostic, Entity, ListVersion, Location, Severity, prop};
use vigia_sources::{Sink, Summary};

use super::query::{active_version_row, version_by_id};
use super::{
    DiagnosticCounts, ImportReport, ImportRequest, ImportStart, ListImport, Outcome, Refusal,
    merge, share,
};
use crate::audit::{self, NewAuditEvent};
use crate::{Result, Store};

/// At most this many diagnostics are stored per version; beyond it only
/// counts are kept (a garbage file must not fill the disk with messages).
const MAX_STORED_DIAGNOSTICS: u64 = 10_000;

/// A stored body and its per-version timestamps.
type StoredRow = (String, Option<String>, Option<String>, Option<String>);

/// The active version of a dataset as the import needs it.
#[derive(Debug, Clone)]
pub(super) struct Base {
    pub(super) id: i64,
    pub(super) version: ListVersion,
    pub(super) set_hash: String,
}

/// An open import: one write transaction that holds the new version until
/// [`ListImport::finish`] commits it or the import is refused. Dropping an
/// unfinished import rolls it back.
#[derive(Debug)]
pub struct Import<'a> {
    conn: &'a Connection,
    open: bool,
    request: ImportRequest,
    delta: bool,
    version_id: i64,
    version: u64,
    base: Option<Base>,
    received: u64,
    deleted: u64,
    merged: u64,
    cut_off: Option<String>,
    diagnostics: DiagnosticCounts,
    stored_diagnostics: u64,
    failure: Option<crate::Error>,
}

impl Store {
    pub(super) fn begin(&mut self, request: ImportRequest) -> Result<ImportStart<Import<'_>>> {
        let conn = &self.conn;
        // IMMEDIATE takes the write lock now, so the active version read
        // below cannot change before this import commits.
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let mut import = Import {
            conn,
            open: true,
            delta: request.format.is_delta(),
            request,
            version_id: 0,
            version: 0,
            base: None,
            received: 0,
            deleted: 0,
            merged: 0,
            cut_off: None,
            diagnostics: DiagnosticCounts::default(),
            stored_diagnostics: 0,
            failure: None,
        };
        import.base = active_version_row(conn, &import.request.dataset)?;
        if let Some(base) = &import.base
            && base.version.content_hash == import.request.content_hash
        {
            let report = import.report(Outcome::Unchanged, 0, Some(base.version.clone()));
            import.audit("lists.import.unchanged", &base.version.label(), &report)?;
            import.commit()?;
            return Ok(ImportStart::Unchanged(Box::new(report)));
        }
        import.version = conn.query_row(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM list_versions WHERE dataset = ?1",
            [&import.request.dataset],
            |row| row.get(0),
        )?;
        conn.execute(
            "INSERT INTO list_versions
                 (dataset, version, publisher, format, content_hash, imported_at, source, base_version)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                import.request.dataset,
                import.version,
                import.request.format.publisher(),
                import.request.format.name(),
                import.request.content_hash,
                import.request.imported_at,
                import.request.source,
                import.base.as_ref().filter(|_| import.delta).map(|b| b.version.version),
            ],
        )?;
        import.version_id = conn.last_insert_rowid();
        if import.delta
            && let Some(base) = &import.base
        {
            // A delta applies to a copy of the active version's set: rows
            // only, the bodies are shared.
            conn.execute(
                "INSERT INTO version_entities
                     (version_id, entity_id, body_id, first_seen, last_seen, last_change)
                 SELECT ?1, entity_id, body_id, first_seen, last_seen, last_change
                 FROM version_entities WHERE version_id = ?2",
                params![import.version_id, base.id],
            )?;
        }
        Ok(ImportStart::Ready(import))
    }
}

impl Import<'_> {
    /// The version number this import will have if accepted.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The request this import was started with.
    pub fn request(&self) -> &ImportRequest {
        &self.request
    }

    fn commit(&mut self) -> Result<()> {
        self.conn.execute_batch("COMMIT")?;
        self.open = false;
        Ok(())
    }

    fn rollback(&mut self) -> Result<()> {
        if self.open {
            self.open = false;
            self.conn.execute_batch("ROLLBACK")?;
        }
        Ok(())
    }

    fn report(&self, outcome: Outcome, entities: u64, active: Option<ListVersion>) -> ImportReport {
        ImportReport {
            outcome,
            dataset: self.request.dataset.clone(),
            format: self.request.format.name().to_owned(),
            active,
            entities,
            received: self.received,
            deleted: self.deleted,
            records: 0,
            diagnostics: self.diagnostics,
            shrink_allowed: false,
        }
    }

    fn audit(&self, action: &str, subject: &str, report: &ImportReport) -> Result<()> {
        let mut details = serde_json::json!({
            "dataset": self.request.dataset,
            "format": self.request.format.name(),
            "source": self.request.source,
            "content_hash": self.request.content_hash,
            "entities": report.entities,
            "received": report.received,
            "records": report.records,
            "diagnostics": report.diagnostics,
        });
        if let Outcome::Refused(refusal) = &report.outcome
            && let Some(map) = details.as_object_mut()
        {
            map.insert("reason".into(), serde_json::Value::String(refusal.to_string()));
            map.insert("rule".into(), serde_json::to_value(refusal).unwrap_or_default());
        }
        if let Some(map) = details.as_object_mut() {
            if self.delta {
                map.insert("deleted".into(), report.deleted.into());
                map.insert(
                    "base_version".into(),
                    self.base.as_ref().map(|b| b.version.version).into(),
                );
            }
            if report.shrink_allowed {
                map.insert("shrink_allowed".into(), true.into());
            }
        }
        audit::append(
            self.conn,
            &NewAuditEvent {
                at: self.request.imported_at.clone(),
                actor: self.request.actor.clone(),
                action: action.to_owned(),
                subject: subject.to_owned(),
                details,
            },
        )?;
        Ok(())
    }

    fn label(&self) -> String {
        format!("{}@{}", self.request.dataset, self.version)
    }

    /// Stores an entity's body if new (with its references) and returns
    /// its row id.
    fn store_body(&self, entity: &Entity) -> Result<i64> {
        let json = entity.canonical_json();
        let hash = Sha256::digest(json.as_bytes()).to_vec();
        let existing: Option<i64> = self
            .conn
            .prepare_cached("SELECT id FROM entity_bodies WHERE hash = ?1")?
            .query_row([&hash], |row| row.get(0))
            .optional()?;
        if let Some(id) = existing {
            return Ok(id);
        }
        self.conn
            .prepare_cached("INSERT INTO entity_bodies (hash, schema, body) VALUES (?1, ?2, ?3)")?
            .execute(params![hash, entity.schema.name(), json])?;
        let id = self.conn.last_insert_rowid();
        let mut refs = self.conn.prepare_cached(
            "INSERT INTO entity_refs (target_id, source_id, body_id, property)
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
        )?;
        for property in prop::ENTITY_PROPERTIES {
            for target in entity.get(property) {
                refs.execute(params![target, entity.id, id, property])?;
            }
        }
        Ok(id)
    }

    fn put(&mut self, mut entity: Entity) -> Result<()> {
        if entity.datasets.is_empty() {
            entity.add_dataset(&self.request.dataset);
        }
        let body = self.store_body(&entity)?;
        let inserted = self
            .conn
            .prepare_cached(
                "INSERT INTO version_entities
                     (version_id, entity_id, body_id, first_seen, last_seen, last_change)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
            )?
            .execute(params![
                self.version_id,
                entity.id,
                body,
                entity.first_seen,
                entity.last_seen,
                entity.last_change
            ])?;
        if inserted == 1 {
            return Ok(());
        }
        let (body, entity) = if self.delta {
            // ADD/MOD: the new record replaces the old one.
            (body, entity)
        } else {
            // The same id twice in one complete list: unite the records
            // rather than let either silently win.
            let existing = self.load(&entity.id)?;
            let merged = match existing {
                Some(existing) => merge(existing, entity),
                None => entity,
            };
            self.merged += 1;
            self.diagnostic(Diagnostic {
                file: self.request.source.clone(),
                location: Location::Record { number: self.received, id: Some(merged.id.clone()) },
                severity: Severity::Info,
                message: "the id appears more than once; the records were merged".into(),
            });
            (self.store_body(&merged)?, merged)
        };
        self.conn
            .prepare_cached(
                "UPDATE version_entities
                 SET body_id = ?3, first_seen = ?4, last_seen = ?5, last_change = ?6
                 WHERE version_id = ?1 AND entity_id = ?2",
            )?
            .execute(params![
                self.version_id,
                entity.id,
                body,
                entity.first_seen,
                entity.last_seen,
                entity.last_change
            ])?;
        Ok(())
    }

    fn load(&self, id: &str) -> Result<Option<Entity>> {
        let row: Option<StoredRow> = self
            .conn
            .prepare_cached(
                "SELECT b.body, ve.first_seen, ve.last_seen, ve.last_change
                 FROM version_entities ve JOIN entity_bodies b ON b.id = ve.body_id
                 WHERE ve.version_id = ?1 AND ve.entity_id = ?2",
            )?
            .query_row(params![self.version_id, id], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
            })
            .optional()?;
        row.map(|(body, first_seen, last_seen, last_change)| {
            super::query::decode(&body, first_seen, last_seen, last_change)
        })
        .transpose()
    }

    fn store_diagnostic(&mut self, diagnostic: &Diagnostic) -> Result<()> {
        if self.stored_diagnostics >= MAX_STORED_DIAGNOSTICS {
            return Ok(());
        }
        self.stored_diagnostics += 1;
        let severity = match diagnostic.severity {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        self.conn
            .prepare_cached(
                "INSERT INTO list_diagnostics (version_id, seq, file, location, severity, message)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                self.version_id,
                self.stored_diagnostics,
                diagnostic.file,
                diagnostic.location.to_string(),
                severity,
                diagnostic.message
            ])?;
        Ok(())
    }

    fn set_hash(&self) -> Result<(u64, String)> {
        let mut stmt = self.conn.prepare(
            "SELECT ve.entity_id, b.hash FROM version_entities ve
             JOIN entity_bodies b ON b.id = ve.body_id
             WHERE ve.version_id = ?1 ORDER BY ve.entity_id",
        )?;
        let mut rows = stmt.query([self.version_id])?;
        let mut hasher = Sha256::new();
        let mut count = 0u64;
        while let Some(row) = rows.next()? {
            let id: String = row.get(0)?;
            let hash: Vec<u8> = row.get(1)?;
            // Length-prefixed so that no two different sets serialise alike.
            hasher.update((id.len() as u64).to_le_bytes());
            hasher.update(id.as_bytes());
            hasher.update(&hash);
            count += 1;
        }
        Ok((count, hex::encode(hasher.finalize())))
    }

    /// Rolls back, then records the refusal in a transaction of its own.
    fn refused(mut self, refusal: Refusal, entities: u64, records: u64) -> Result<ImportReport> {
        self.rollback()?;
        let mut report = self.report(
            Outcome::Refused(refusal),
            entities,
            self.base.as_ref().map(|b| b.version.clone()),
        );
        report.records = records;
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        self.open = true;
        let subject = self.label();
        self.audit("lists.import.refused", &subject, &report)?;
        self.commit()?;
        Ok(report)
    }

    fn check(&self, entities: u64, records: u64) -> Option<Refusal> {
        if let Some(message) = &self.cut_off {
            return Some(Refusal::CutOff { message: message.clone() });
        }
        if entities == 0 {
            return Some(Refusal::Empty);
        }
        let dropped = self.diagnostics.error;
        let policy = self.request.policy;
        if dropped > 0 && share(dropped, records) > policy.max_error_share {
            return Some(Refusal::TooManyErrors {
                dropped,
                records,
                max_share: policy.max_error_share,
            });
        }
        if let Some(base) = &self.base
            && entities.saturating_mul(2) < base.version.entity_count
            && !policy.allow_shrink
        {
            return Some(Refusal::Shrink { active: base.version.entity_count, imported: entities });
        }
        None
    }
}

impl Sink for Import<'_> {
    fn entity(&mut self, entity: Entity) {
        if self.failure.is_some() {
            return;
        }
        self.received += 1;
        if let Err(err) = self.put(entity) {
            self.failure = Some(err);
        }
    }

    fn delete(&mut self, id: &str) {
        if self.failure.is_some() {
            return;
        }
        let deleted = self
            .conn
            .prepare_cached("DELETE FROM version_entities WHERE version_id = ?1 AND entity_id = ?2")
            .and_then(|mut stmt| stmt.execute(params![self.version_id, id]));
        match deleted {
            Ok(n) => self.deleted += n as u64,
            Err(err) => self.failure = Some(err.into()),
        }
    }

    fn diagnostic(&mut self, diagnostic: Diagnostic) {
        // Parsers keep the records before a cut and report the cut as an
        // error diagnostic saying "cut off" (the sources crate's wording; a
        // structured flag would be better, see ADR 0043).
        if diagnostic.severity == Severity::Error
            && self.cut_off.is_none()
            && diagnostic.message.contains("cut off")
        {
            self.cut_off = Some(format!("{}: {}", diagnostic.location, diagnostic.message));
        }
        match diagnostic.severity {
            Severity::Info => self.diagnostics.info += 1,
            Severity::Warning => self.diagnostics.warning += 1,
            Severity::Error => self.diagnostics.error += 1,
        }
        if self.failure.is_none()
            && let Err(err) = self.store_diagnostic(&diagnostic)
        {
            self.failure = Some(err);
        }
    }
}

impl ListImport for Import<'_> {
    fn finish(mut self, summary: &Summary) -> Result<ImportReport> {
        if let Some(err) = self.failure.take() {
            self.rollback()?;
            return Err(err);
        }
        let (entities, set_hash) = self.set_hash()?;
        // A record dropped with an error diagnostic still counts as read;
        // parsers that do not count records are judged on what they sent.
        let records = if summary.records > 0 {
            summary.records
        } else {
            self.received + self.diagnostics.error
        };
        if let Some(refusal) = self.check(entities, records) {
            return self.refused(refusal, entities, records);
        }
        if let Some(base) = &self.base
            && base.set_hash == set_hash
        {
            // Different bytes, same entities (a re-export, a re-ordered
            // file): no new version.
            let active = base.version.clone();
            self.rollback()?;
            let mut report = self.report(Outcome::Unchanged, entities, Some(active.clone()));
            report.records = records;
            self.conn.execute_batch("BEGIN IMMEDIATE")?;
            self.open = true;
            self.audit("lists.import.unchanged", &active.label(), &report)?;
            self.commit()?;
            return Ok(report);
        }
        let shrink_allowed = self
            .base
            .as_ref()
            .is_some_and(|base| entities.saturating_mul(2) < base.version.entity_count);
        self.conn.execute(
            "UPDATE list_versions
             SET entity_count = ?2, set_hash = ?3, published = ?4, records = ?5,
                 infos = ?6, warnings = ?7, errors = ?8, shrink_allowed = ?9
             WHERE id = ?1",
            params![
                self.version_id,
                entities,
                set_hash,
                summary.header.published,
                records,
                self.diagnostics.info,
                self.diagnostics.warning,
                self.diagnostics.error,
                shrink_allowed
            ],
        )?;
        self.conn.execute(
            "INSERT INTO active_versions (dataset, version_id) VALUES (?1, ?2)
             ON CONFLICT (dataset) DO UPDATE SET version_id = excluded.version_id",
            params![self.request.dataset, self.version_id],
        )?;
        let version = version_by_id(self.conn, self.version_id)?;
        let mut report = self.report(Outcome::Accepted, entities, Some(version.clone()));
        report.records = records;
        report.shrink_allowed = shrink_allowed;
        self.audit("lists.import", &version.label(), &report)?;
        audit::append(
            self.conn,
            &NewAuditEvent {
                at: self.request.imported_at.clone(),
                actor: self.request.actor.clone(),
                action: "lists.activate".into(),
                subject: version.label(),
                details: serde_json::json!({
                    "dataset": version.dataset,
                    "version": version.version,
                    "previous": self.base.as_ref().map(|b| b.version.version),
                }),
            },
        )?;
        self.commit()?;
        Ok(report)
    }

    fn refuse(self, message: &str) -> Result<ImportReport> {
        let entities = self.received;
        self.refused(Refusal::Unreadable { message: message.to_owned() }, entities, 0)
    }
}

impl Drop for Import<'_> {
    fn drop(&mut self) {
        // An import abandoned half-way (an error, a panic in the parser)
        // must leave the active version as it was.
        if self.open {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}
