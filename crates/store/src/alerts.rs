//! The alert queue: monitoring alerts and screening hits, stored once per
//! deterministic id, with their evidence and their service-level due dates.
//!
//! Two ways in, one insert ([`raise_alert_in`]):
//!
//! - [`AlertStore::import_alerts`]: a batch of alerts as `vigia monitor`
//!   writes them, with the evidence transactions they cite, in one
//!   transaction and one `alerts.import` audit event. Importing the same
//!   alerts again adds nothing ("unchanged"); an alert whose id is stored
//!   with other content keeps the stored content ("conflicting") because
//!   that is what analysts have seen.
//! - [`AlertStore::raise_alert`] (or [`raise_alert_in`] inside a caller's
//!   own write transaction): one alert, for screening hits from customer
//!   screening and rescreening, with an `alerts.raise` audit event.
//!
//! The queue is the alerts not yet in a case, ordered by
//! [`vigia_workflow::cases::queue_order`]: severity, then due date (overdue
//! first), then score.

use std::collections::BTreeMap;

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};
use vigia_model::{Alert, AlertKind, AlertSeverity, Transaction};
use vigia_workflow::cases::{Sla, severity_rank, timestamp_text};

use crate::audit::{NewAuditEvent, append};
use crate::{Error, Result, Store};

/// Where an alert comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertSource {
    /// Transaction monitoring (`vigia monitor`).
    Monitoring,
    /// Customer screening and rescreening (a hit on a list entry).
    Screening,
}

impl AlertSource {
    /// The source's name.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertSource::Monitoring => "monitoring",
            AlertSource::Screening => "screening",
        }
    }

    fn parse(s: &str) -> AlertSource {
        if s == "screening" { AlertSource::Screening } else { AlertSource::Monitoring }
    }
}

/// Who raises alerts, when, from where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raised {
    /// When the alerts enter the queue (the service-level clock starts
    /// here, except for CTR work items, whose clock starts at their
    /// transactions).
    pub at: Timestamp,
    /// Who raises them (`cli:ana`, `key:...`, `rescreen`).
    pub actor: String,
    /// Monitoring or screening.
    pub source: AlertSource,
}

/// What inserting one alert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Inserted {
    /// A new alert, now in the queue.
    New,
    /// The same alert was already stored.
    Unchanged,
    /// An alert with this id and other content was already stored; it was
    /// kept.
    Conflicting,
}

/// A batch of alerts to import.
#[derive(Debug, Clone, Copy)]
pub struct AlertBatch<'a> {
    /// Where the alerts come from (a file name), for the audit trail.
    pub origin: &'a str,
    /// The alerts.
    pub alerts: &'a [Alert],
    /// Transactions by id: each alert's evidence is taken from here.
    pub evidence: &'a BTreeMap<String, Transaction>,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportedAlerts {
    /// New alerts.
    pub new: u64,
    /// Alerts already stored as they are.
    pub unchanged: u64,
    /// Ids stored with other content (the stored alert was kept).
    pub conflicting: Vec<String>,
    /// Evidence transactions stored.
    pub evidence: u64,
    /// Evidence transactions the alerts cite that the batch did not hold.
    pub evidence_missing: u64,
    /// The audit record of the import.
    pub audit_seq: u64,
}

/// Where an alert stands: in the queue, or in a case (with its state).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertStatus {
    /// In the queue, in no case.
    New,
    /// In an open case.
    Open,
    /// In a case under review.
    InReview,
    /// In an escalated case.
    Escalated,
    /// In a closed case.
    Closed,
}

impl AlertStatus {
    /// The status's name.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertStatus::New => "new",
            AlertStatus::Open => "open",
            AlertStatus::InReview => "in_review",
            AlertStatus::Escalated => "escalated",
            AlertStatus::Closed => "closed",
        }
    }

    /// Parses a status name.
    ///
    /// # Errors
    /// A message listing the names.
    pub fn parse(s: &str) -> std::result::Result<AlertStatus, String> {
        [
            AlertStatus::New,
            AlertStatus::Open,
            AlertStatus::InReview,
            AlertStatus::Escalated,
            AlertStatus::Closed,
        ]
        .into_iter()
        .find(|a| a.as_str() == s.trim())
        .ok_or_else(|| {
            format!("unknown alert status {s:?}: want new, open, in_review, escalated or closed")
        })
    }
}

/// An alert as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredAlert {
    /// The alert as raised.
    #[serde(flatten)]
    pub alert: Alert,
    /// Monitoring or screening.
    pub source: AlertSource,
    /// When it entered the queue.
    pub raised_at: String,
    /// Who raised it.
    pub raised_by: String,
    /// When it is due under the service levels.
    pub due_at: String,
    /// Whether it was past due at the time the list was made.
    pub overdue: bool,
    /// The case holding it.
    pub case_id: Option<String>,
    /// Queue or case state.
    pub status: AlertStatus,
    /// How many of its transactions are stored as evidence.
    pub evidence_stored: u64,
}

/// Which alerts to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertFilter {
    /// Only alerts with this status (none: every status).
    pub status: Option<AlertStatus>,
    /// Only alerts of at least this severity.
    pub min_severity: Option<AlertSeverity>,
    /// Only alerts of this scenario.
    pub scenario: Option<String>,
    /// Only alerts naming this subject.
    pub subject: Option<String>,
    /// Only alerts due before `now` (and not in a closed case).
    pub overdue: bool,
    /// At most this many (none: all).
    pub limit: Option<usize>,
}

/// The alert queue and its settings, whatever stores them.
pub trait AlertStore {
    /// Imports a batch of alerts and their evidence in one transaction,
    /// with one `alerts.import` audit event.
    ///
    /// # Errors
    /// The store cannot be written; an alert has an empty id.
    fn import_alerts(&mut self, batch: &AlertBatch<'_>, raised: &Raised) -> Result<ImportedAlerts>;

    /// Raises one alert (a screening hit) with an `alerts.raise` audit
    /// event, in its own transaction.
    ///
    /// # Errors
    /// The store cannot be written; the alert has an empty id.
    fn raise_alert(&mut self, alert: &Alert, raised: &Raised) -> Result<Inserted>;

    /// One alert.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown id.
    fn alert(&self, id: &str, now: Timestamp) -> Result<StoredAlert>;

    /// Alerts in queue order.
    ///
    /// # Errors
    /// The store cannot be read.
    fn alerts(&self, filter: &AlertFilter, now: Timestamp) -> Result<Vec<StoredAlert>>;

    /// The evidence transactions stored for an alert, in time order.
    ///
    /// # Errors
    /// The store cannot be read.
    fn alert_evidence(&self, id: &str) -> Result<Vec<Transaction>>;

    /// The service levels in force (the defaults until set).
    ///
    /// # Errors
    /// The store cannot be read, or the stored setting does not parse.
    fn sla(&self) -> Result<Sla>;

    /// Replaces the service levels, with a `workflow.sla` audit event.
    /// Alerts and cases already stored keep their due dates.
    ///
    /// # Errors
    /// The store cannot be written.
    fn set_sla(&mut self, sla: &Sla, at: Timestamp, actor: &str) -> Result<()>;
}

fn kind_name(kind: AlertKind) -> &'static str {
    match kind {
        AlertKind::Alert => "alert",
        AlertKind::CtrWorkItem => "ctr_work_item",
        AlertKind::Block => "block",
    }
}

pub(crate) fn severity_name(severity: AlertSeverity) -> &'static str {
    match severity {
        AlertSeverity::Low => "low",
        AlertSeverity::Medium => "medium",
        AlertSeverity::High => "high",
        AlertSeverity::Critical => "critical",
    }
}

/// The alert's canonical JSON and its SHA-256.
fn body(alert: &Alert) -> Result<(String, String)> {
    let json = serde_json::to_string(alert)
        .map_err(|e| Error::Invalid(format!("alert {}: {e}", alert.id)))?;
    let hash = hex::encode(Sha256::digest(json.as_bytes()));
    Ok((json, hash))
}

pub(crate) fn read_sla(conn: &Connection) -> Result<Sla> {
    let stored: Option<String> = conn
        .query_row("SELECT value FROM workflow_settings WHERE name = 'sla'", [], |r| r.get(0))
        .optional()?;
    match stored {
        None => Ok(Sla::default()),
        Some(text) => serde_json::from_str(&text)
            .map_err(|e| Error::DataCorruption(format!("stored service levels: {e}"))),
    }
}

fn check(alert: &Alert) -> Result<()> {
    if alert.id.trim().is_empty() {
        return Err(Error::Invalid("an alert without an id cannot be stored".into()));
    }
    if alert.subjects.iter().all(|s| s.trim().is_empty()) {
        return Err(Error::Invalid(format!("alert {}: names no subject", alert.id)));
    }
    if !alert.score.is_finite() {
        return Err(Error::Invalid(format!("alert {}: score is not a number", alert.id)));
    }
    Ok(())
}

/// Inserts one alert on `conn`, which the caller holds inside a write
/// transaction; writes no audit event (the caller does). The alert's due
/// date follows the stored service levels.
fn insert(conn: &Connection, alert: &Alert, raised: &Raised, sla: &Sla) -> Result<Inserted> {
    check(alert)?;
    let (json, hash) = body(alert)?;
    let stored: Option<String> = conn
        .query_row("SELECT body_hash FROM alerts WHERE id = ?1", [&alert.id], |r| r.get(0))
        .optional()?;
    if let Some(stored) = stored {
        return Ok(if stored == hash { Inserted::Unchanged } else { Inserted::Conflicting });
    }
    let due = sla.alert_due(alert, raised.at);
    conn.execute(
        "INSERT INTO alerts (id, source, scenario, typology, kind, severity, severity_rank, score,
             amount, activity_from, activity_to, raised_at, raised_by, due_at, case_id, body, body_hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, NULL, ?15, ?16)",
        params![
            alert.id,
            raised.source.as_str(),
            alert.scenario,
            alert.typology,
            kind_name(alert.kind),
            severity_name(alert.severity),
            severity_rank(alert.severity),
            alert.score,
            alert.amount,
            alert.from,
            alert.to,
            timestamp_text(raised.at),
            raised.actor,
            timestamp_text(due),
            json,
            hash
        ],
    )?;
    let mut stmt = conn.prepare_cached(
        "INSERT OR IGNORE INTO alert_subjects (alert_id, position, subject) VALUES (?1, ?2, ?3)",
    )?;
    for (i, subject) in alert.subjects.iter().enumerate() {
        stmt.execute(params![alert.id, i as i64, subject])?;
    }
    Ok(Inserted::New)
}

/// Raises one alert on `conn`, which the caller holds inside a write
/// transaction, and appends its `alerts.raise` audit event there: for a
/// change that must commit together with the alert (a rescreening
/// decision and the hit it raises).
///
/// # Errors
/// The store cannot be written; the alert has no id or no subject.
pub fn raise_alert_in(conn: &Connection, alert: &Alert, raised: &Raised) -> Result<Inserted> {
    let sla = read_sla(conn)?;
    let outcome = insert(conn, alert, raised, &sla)?;
    if outcome == Inserted::New {
        append(
            conn,
            &NewAuditEvent {
                at: timestamp_text(raised.at),
                actor: raised.actor.clone(),
                action: "alerts.raise".into(),
                subject: alert.id.clone(),
                details: serde_json::json!({
                    "source": raised.source.as_str(),
                    "scenario": alert.scenario,
                    "severity": severity_name(alert.severity),
                    "subjects": alert.subjects,
                }),
            },
        )?;
    }
    Ok(outcome)
}

fn store_evidence(conn: &Connection, alert: &Alert, tx: &Transaction) -> Result<bool> {
    let json = serde_json::to_string(tx)
        .map_err(|e| Error::Invalid(format!("transaction {}: {e}", tx.id)))?;
    let n = conn.execute(
        "INSERT OR IGNORE INTO alert_evidence (alert_id, transaction_id, body) VALUES (?1, ?2, ?3)",
        params![alert.id, tx.id, json],
    )?;
    Ok(n > 0)
}

const SELECT_ALERT: &str = "SELECT a.body, a.source, a.raised_at, a.raised_by, a.due_at, a.case_id,
        c.state, (SELECT COUNT(*) FROM alert_evidence e WHERE e.alert_id = a.id)
    FROM alerts a LEFT JOIN cases c ON c.id = a.case_id";

fn alert_from_row(row: &rusqlite::Row<'_>, now: &str) -> rusqlite::Result<StoredAlert> {
    let body: String = row.get(0)?;
    let alert: Alert = serde_json::from_str(&body).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })?;
    let state: Option<String> = row.get(6)?;
    let status = match state.as_deref() {
        None => AlertStatus::New,
        Some("open") => AlertStatus::Open,
        Some("in_review") => AlertStatus::InReview,
        Some("escalated") => AlertStatus::Escalated,
        Some(_) => AlertStatus::Closed,
    };
    let due_at: String = row.get(4)?;
    Ok(StoredAlert {
        alert,
        source: AlertSource::parse(&row.get::<_, String>(1)?),
        raised_at: row.get(2)?,
        raised_by: row.get(3)?,
        overdue: status != AlertStatus::Closed && due_at.as_str() < now,
        due_at,
        case_id: row.get(5)?,
        status,
        evidence_stored: row.get(7)?,
    })
}

/// The queue order in SQL: the same as `queue_order`.
const ORDER: &str = " ORDER BY a.severity_rank DESC, a.due_at, a.score DESC, a.id";

impl AlertStore for Store {
    fn import_alerts(&mut self, batch: &AlertBatch<'_>, raised: &Raised) -> Result<ImportedAlerts> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let sla = read_sla(&tx)?;
        let mut report = ImportedAlerts::default();
        let mut ids = Sha256::new();
        for alert in batch.alerts {
            match insert(&tx, alert, raised, &sla)? {
                Inserted::New => report.new += 1,
                Inserted::Unchanged => report.unchanged += 1,
                Inserted::Conflicting => report.conflicting.push(alert.id.clone()),
            }
            ids.update(alert.id.as_bytes());
            ids.update(b"\n");
            // Evidence is added to a stored alert too: alerts imported
            // first and their transactions later.
            for id in &alert.transactions {
                match batch.evidence.get(id) {
                    Some(t) => {
                        if store_evidence(&tx, alert, t)? {
                            report.evidence += 1;
                        }
                    }
                    None => {
                        let stored: bool = tx
                            .query_row(
                                "SELECT 1 FROM alert_evidence WHERE alert_id = ?1 AND transaction_id = ?2",
                                params![alert.id, id],
                                |_| Ok(true),
                            )
                            .optional()?
                            .is_some();
                        if !stored {
                            report.evidence_missing += 1;
                        }
                    }
                }
            }
        }
        let event = append(
            &tx,
            &NewAuditEvent {
                at: timestamp_text(raised.at),
                actor: raised.actor.clone(),
                action: "alerts.import".into(),
                subject: batch.origin.to_owned(),
                details: serde_json::json!({
                    "source": raised.source.as_str(),
                    "alerts": batch.alerts.len(),
                    "new": report.new,
                    "unchanged": report.unchanged,
                    "conflicting": report.conflicting,
                    "evidence": report.evidence,
                    "evidence_missing": report.evidence_missing,
                    "ids_sha256": hex::encode(ids.finalize()),
                }),
            },
        )?;
        report.audit_seq = event.seq;
        tx.commit()?;
        Ok(report)
    }

    fn raise_alert(&mut self, alert: &Alert, raised: &Raised) -> Result<Inserted> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let outcome = raise_alert_in(&tx, alert, raised)?;
        tx.commit()?;
        Ok(outcome)
    }

    fn alert(&self, id: &str, now: Timestamp) -> Result<StoredAlert> {
        let now = timestamp_text(now);
        self.conn
            .query_row(&format!("{SELECT_ALERT} WHERE a.id = ?1"), [id], |r| {
                alert_from_row(r, &now)
            })
            .optional()?
            .ok_or_else(|| Error::NotFound(format!("no alert {id}")))
    }

    fn alerts(&self, filter: &AlertFilter, now: Timestamp) -> Result<Vec<StoredAlert>> {
        let now = timestamp_text(now);
        let mut sql = format!("{SELECT_ALERT} WHERE 1 = 1");
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        match filter.status {
            None => {}
            Some(AlertStatus::New) => sql.push_str(" AND a.case_id IS NULL"),
            Some(status) => {
                args.push(status.as_str().to_owned().into());
                sql.push_str(&format!(" AND c.state = ?{}", args.len()));
            }
        }
        if let Some(severity) = filter.min_severity {
            args.push(i64::from(severity_rank(severity)).into());
            sql.push_str(&format!(" AND a.severity_rank >= ?{}", args.len()));
        }
        if let Some(scenario) = &filter.scenario {
            args.push(scenario.clone().into());
            sql.push_str(&format!(" AND a.scenario = ?{}", args.len()));
        }
        if let Some(subject) = &filter.subject {
            args.push(subject.clone().into());
            sql.push_str(&format!(
                " AND a.id IN (SELECT alert_id FROM alert_subjects WHERE subject = ?{})",
                args.len()
            ));
        }
        if filter.overdue {
            args.push(now.clone().into());
            sql.push_str(&format!(
                " AND a.due_at < ?{} AND (c.state IS NULL OR c.state != 'closed')",
                args.len()
            ));
        }
        sql.push_str(ORDER);
        if let Some(limit) = filter.limit {
            sql.push_str(&format!(" LIMIT {limit}"));
        }
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| alert_from_row(r, &now))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn alert_evidence(&self, id: &str) -> Result<Vec<Transaction>> {
        evidence_of(&self.conn, id)
    }

    fn sla(&self) -> Result<Sla> {
        read_sla(&self.conn)
    }

    fn set_sla(&mut self, sla: &Sla, at: Timestamp, actor: &str) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let before = read_sla(&tx)?;
        let value = serde_json::to_value(sla)
            .map_err(|e| Error::Invalid(format!("service levels: {e}")))?;
        tx.execute(
            "INSERT INTO workflow_settings (name, value) VALUES ('sla', ?1)
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            [value.to_string()],
        )?;
        append(
            &tx,
            &NewAuditEvent {
                at: timestamp_text(at),
                actor: actor.to_owned(),
                action: "workflow.sla".into(),
                subject: "sla".into(),
                details: serde_json::json!({
                    "before": serde_json::to_value(&before).unwrap_or_default(),
                    "after": value,
                }),
            },
        )?;
        tx.commit()?;
        Ok(())
    }
}

pub(crate) fn evidence_of(conn: &Connection, alert_id: &str) -> Result<Vec<Transaction>> {
    let mut stmt = conn.prepare_cached("SELECT body FROM alert_evidence WHERE alert_id = ?1")?;
    let mut out = Vec::new();
    for body in stmt.query_map([alert_id], |r| r.get::<_, String>(0))? {
        let body = body?;
        let tx: Transaction = serde_json::from_str(&body)
            .map_err(|e| Error::DataCorruption(format!("evidence of alert {alert_id}: {e}")))?;
        out.push(tx);
    }
    out.sort_by(|a, b| a.timestamp.cmp(&b.timestamp).then_with(|| a.id.cmp(&b.id)));
    Ok(out)
}

pub(crate) fn stored_alert_body(
    conn: &Connection,
    id: &str,
) -> Result<Option<(Alert, Option<String>, String)>> {
    let row: Option<(String, Option<String>, String)> = conn
        .query_row("SELECT body, case_id, due_at FROM alerts WHERE id = ?1", [id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    match row {
        None => Ok(None),
        Some((body, case_id, due)) => {
            let alert: Alert = serde_json::from_str(&body)
                .map_err(|e| Error::DataCorruption(format!("alert {id}: {e}")))?;
            Ok(Some((alert, case_id, due)))
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
