//! Cases: alerts grouped about one subject, worked through the states of
//! [`vigia_workflow::cases`], with comments, attachments by reference,
//! four-eyes closing requests and the filings generated from them.
//!
//! Every change runs in one `BEGIN IMMEDIATE` transaction: read the case,
//! ask [`decide`] whether the actor may do it, apply the [`Effect`], write
//! the `case.<action>` audit event, commit. A crash at any point leaves the
//! change and its audit event both committed or both absent. The store
//! never reads the clock: callers pass `at`.

use std::collections::BTreeSet;

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};
use vigia_filing::{Classification, Subject};
use vigia_model::{Alert, AlertSeverity};
use vigia_workflow::cases::filing::{Dossier, DossierSubject, Format};
use vigia_workflow::cases::{
    Action, Actor, CaseFacts, CaseState, Disposition, Effect, Request, RequestChange,
    RequestStatus, Role, decide, severity_rank, timestamp_text,
};

use crate::alerts::{evidence_of, read_sla, severity_name, stored_alert_body};
use crate::audit::{AuditEvent, NewAuditEvent, append};
use crate::{Error, Result, Store};

/// A new case: from alerts, or from every queued alert about a subject.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewCase {
    /// The alerts to group (must be in the queue, in no case).
    pub alerts: Vec<String>,
    /// The case's main subject; with no alerts, every queued alert naming
    /// it is taken.
    pub subject: Option<String>,
    /// A title (default: the typologies and the subject).
    pub title: Option<String>,
}

/// A document attached by reference: no bytes are stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attachment {
    /// Where the document is (`file:///...`, `https://...`, `dms://...`).
    pub uri: String,
    /// Its SHA-256, 64 hex digits.
    pub sha256: String,
    /// What it is.
    pub description: String,
}

/// What an edit changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseEdit {
    /// A new title.
    pub title: Option<String>,
    /// Key terms to add.
    pub add_key_terms: Vec<String>,
    /// Key terms to remove.
    pub remove_key_terms: Vec<String>,
    /// SAR boxes (replacing the derived ones; an empty list goes back to
    /// deriving them).
    pub classifications: Option<Vec<Classification>>,
    /// The analyst's narrative.
    pub narrative: Option<String>,
    /// The action taken (goAML `action`).
    pub action: Option<String>,
    /// Details for one subject (adding it to the case if needed): the SAR
    /// subject shape. `None` details clear the subject's details.
    pub subject: Option<(String, Option<Subject>)>,
}

/// A change to a case.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Assign or unassign.
    Assign {
        /// The new assignee.
        to: Option<String>,
    },
    /// Start the review.
    Review,
    /// Escalate, saying why.
    Escalate {
        /// Why.
        reason: Option<String>,
    },
    /// Return an escalated case to review.
    Return {
        /// Why.
        reason: Option<String>,
    },
    /// Close, or ask to close (true_match, filed).
    Close {
        /// The disposition.
        disposition: Disposition,
        /// Why.
        reason: Option<String>,
    },
    /// Approve the pending closing request.
    Approve {
        /// A note.
        note: Option<String>,
    },
    /// Reject (or withdraw) the pending closing request.
    Reject {
        /// Why.
        note: Option<String>,
    },
    /// Reopen a closed case.
    Reopen {
        /// Why.
        reason: Option<String>,
    },
    /// Comment.
    Comment {
        /// The text.
        text: String,
    },
    /// Attach a document by reference.
    Attach(Attachment),
    /// Edit what the case's filings will say.
    Edit(Box<CaseEdit>),
    /// Add queued alerts.
    AddAlerts {
        /// Their ids.
        alerts: Vec<String>,
    },
}

impl Change {
    fn action(&self) -> Action {
        match self {
            Change::Assign { to } => Action::Assign { to: to.clone() },
            Change::Review => Action::StartReview,
            Change::Escalate { .. } => Action::Escalate,
            Change::Return { .. } => Action::ReturnToReview,
            Change::Close { disposition, .. } => Action::RequestClose { disposition: *disposition },
            Change::Approve { .. } => Action::Approve,
            Change::Reject { .. } => Action::Reject,
            Change::Reopen { .. } => Action::Reopen,
            Change::Comment { .. } => Action::Comment,
            Change::Attach(_) => Action::Attach,
            Change::Edit(_) => Action::EditFiling,
            Change::AddAlerts { .. } => Action::AddAlerts,
        }
    }
}

/// A comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comment {
    /// Its number in the case, from 1.
    pub n: u64,
    /// When.
    pub at: String,
    /// Who.
    pub author: String,
    /// What.
    pub text: String,
}

/// A stored attachment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredAttachment {
    /// Its number in the case, from 1.
    pub n: u64,
    /// When it was attached.
    pub at: String,
    /// Who attached it.
    pub added_by: String,
    /// The reference.
    #[serde(flatten)]
    pub attachment: Attachment,
}

/// A closing request, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CloseRequest {
    /// Its id.
    pub id: u64,
    /// The disposition asked for.
    pub disposition: Disposition,
    /// Who asked.
    pub requested_by: String,
    /// When.
    pub requested_at: String,
    /// The case version it was made on.
    pub version: u64,
    /// Why.
    pub reason: Option<String>,
    /// Where it stands.
    pub status: RequestStatus,
    /// Who approved, rejected or withdrew it.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<String>,
    /// The decider's note.
    pub note: Option<String>,
}

/// A filing generated from a case (its document is read separately).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FilingRecord {
    /// Its id.
    pub id: u64,
    /// The case.
    pub case_id: String,
    /// The format.
    pub format: Format,
    /// A draft, not the filing of record.
    pub draft: bool,
    /// When it was generated.
    pub at: String,
    /// By whom.
    pub actor: String,
    /// Reports in the document.
    pub reports: u64,
    /// The alerts it reports.
    pub alerts: Vec<String>,
    /// SHA-256 of the document.
    pub sha256: String,
}

/// A new filing to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFiling {
    /// The format.
    pub format: Format,
    /// A draft.
    pub draft: bool,
    /// The document.
    pub document: String,
    /// Reports in it.
    pub reports: u64,
    /// The alerts it reports.
    pub alerts: Vec<String>,
    /// Where the document is written (a file name, `-`), for the audit
    /// trail.
    pub destination: Option<String>,
}

/// A subject of a case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseSubject {
    /// The id alerts use.
    pub id: String,
    /// The analyst's details.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Subject>,
}

/// A case in lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseSummary {
    /// The id (`CASE-000001`).
    pub id: String,
    /// The title.
    pub title: String,
    /// The main subject.
    pub subject: String,
    /// The state.
    pub state: CaseState,
    /// The disposition, when closed.
    pub disposition: Option<Disposition>,
    /// The highest severity of its alerts.
    pub severity: AlertSeverity,
    /// The assignee.
    pub assignee: Option<String>,
    /// When it was created.
    pub created_at: String,
    /// When it is due.
    pub due_at: String,
    /// Whether it was past due (and not closed) when listed.
    pub overdue: bool,
    /// How many alerts it holds.
    pub alert_count: u64,
    /// The open closing request, as `disposition:status`.
    pub request: Option<String>,
}

/// A case with everything about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseRecord {
    /// The summary fields.
    #[serde(flatten)]
    pub summary: CaseSummary,
    /// Incremented by every material change; approvals bind to it.
    pub version: u64,
    /// Who created it.
    pub created_by: String,
    /// When it last changed.
    pub updated_at: String,
    /// When it closed.
    pub closed_at: Option<String>,
    /// The case it was merged into.
    pub merged_into: Option<String>,
    /// Advisory key terms.
    pub key_terms: Vec<String>,
    /// SAR boxes chosen by the analyst.
    pub classifications: Vec<Classification>,
    /// The analyst's narrative.
    pub narrative: Option<String>,
    /// The action taken.
    pub action: Option<String>,
    /// Its subjects, the main one first.
    pub subjects: Vec<CaseSubject>,
    /// Its alerts, in queue order.
    pub alerts: Vec<Alert>,
    /// Comments, oldest first.
    pub comments: Vec<Comment>,
    /// Attachments.
    pub attachments: Vec<StoredAttachment>,
    /// Closing requests, oldest first.
    pub requests: Vec<CloseRequest>,
    /// Filings generated.
    pub filings: Vec<FilingRecord>,
}

impl CaseRecord {
    /// The facts the rules read.
    pub fn facts(&self) -> CaseFacts {
        let request = self
            .requests
            .iter()
            .find(|r| matches!(r.status, RequestStatus::Pending | RequestStatus::Approved))
            .map(|r| Request {
                disposition: r.disposition,
                requested_by: r.requested_by.clone(),
                version: r.version,
                status: r.status,
            });
        CaseFacts {
            state: self.summary.state,
            disposition: self.summary.disposition,
            assignee: self.summary.assignee.clone(),
            version: self.version,
            request,
        }
    }
}

/// Which cases to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFilter {
    /// Only this state.
    pub state: Option<CaseState>,
    /// Only cases assigned to this user.
    pub assignee: Option<String>,
    /// Only cases past due and not closed.
    pub overdue: bool,
    /// Only cases of at least this severity.
    pub min_severity: Option<AlertSeverity>,
    /// Only cases with this subject among theirs.
    pub subject: Option<String>,
    /// Only cases with a pending closing request.
    pub awaiting_approval: bool,
    /// At most this many.
    pub limit: Option<usize>,
}

/// Cases, whatever stores them.
pub trait CaseStore {
    /// Creates a case from queued alerts, with a `case.create` audit event.
    ///
    /// # Errors
    /// [`Error::Refused`] without the analyst role; [`Error::Invalid`] for
    /// alerts that are unknown, already in a case, or none at all.
    fn create_case(&mut self, new: &NewCase, actor: &Actor, at: Timestamp) -> Result<CaseRecord>;

    /// Applies one change, with its `case.<action>` audit event.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Refused`] when the rules say no (the
    /// message says why); [`Error::Invalid`] for bad input.
    fn change_case(
        &mut self,
        id: &str,
        change: &Change,
        actor: &Actor,
        at: Timestamp,
    ) -> Result<CaseRecord>;

    /// Folds `sources` into `target`: their alerts and subjects move, each
    /// source closes as `merged`.
    ///
    /// # Errors
    /// As [`CaseStore::change_case`], for the target and every source.
    fn merge_cases(
        &mut self,
        target: &str,
        sources: &[String],
        actor: &Actor,
        at: Timestamp,
    ) -> Result<CaseRecord>;

    /// Checks whether the actor may do an action now, without doing it.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Refused`] with the reason.
    fn check_case(&self, id: &str, action: &Action, actor: &Actor) -> Result<()>;

    /// Records a generated filing: a draft changes nothing else; a final
    /// filing needs an approved `filed` request and closes the case as
    /// filed. One `case.file` audit event either way.
    ///
    /// # Errors
    /// As [`CaseStore::change_case`].
    fn record_filing(
        &mut self,
        id: &str,
        filing: &NewFiling,
        actor: &Actor,
        at: Timestamp,
    ) -> Result<FilingRecord>;

    /// A case with everything about it.
    ///
    /// # Errors
    /// [`Error::NotFound`].
    fn case(&self, id: &str, now: Timestamp) -> Result<CaseRecord>;

    /// Cases, most urgent first (severity, then due date).
    ///
    /// # Errors
    /// The store cannot be read.
    fn cases(&self, filter: &CaseFilter, now: Timestamp) -> Result<Vec<CaseSummary>>;

    /// The case's history: the audit events about it, oldest first.
    ///
    /// # Errors
    /// The store cannot be read.
    fn case_history(&self, id: &str) -> Result<Vec<AuditEvent>>;

    /// What the case holds for a filing.
    ///
    /// # Errors
    /// [`Error::NotFound`].
    fn dossier(&self, id: &str) -> Result<Dossier>;

    /// A filing's document, recording the export (`case.export` audit
    /// event) when `export` is set.
    ///
    /// # Errors
    /// [`Error::NotFound`].
    fn filing_document(
        &mut self,
        case_id: &str,
        filing_id: Option<u64>,
        export: Option<(&Actor, Timestamp, &str)>,
    ) -> Result<(FilingRecord, String)>;
}

fn refused(id: &str, refusal: impl std::fmt::Display) -> Error {
    Error::Refused(format!("case {id}: {refusal}"))
}

fn json_list<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<Vec<T>> {
    serde_json::from_str(text).map_err(|e| Error::DataCorruption(format!("{what}: {e}")))
}

fn to_json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Invalid(e.to_string()))
}

fn parse_state(s: &str) -> rusqlite::Result<CaseState> {
    s.parse().map_err(|e: String| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
    })
}

fn parse_disposition(s: Option<String>) -> rusqlite::Result<Option<Disposition>> {
    s.map(|s| {
        s.parse().map_err(|e: String| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
        })
    })
    .transpose()
}

fn parse_severity(s: &str) -> AlertSeverity {
    match s {
        "low" => AlertSeverity::Low,
        "high" => AlertSeverity::High,
        "critical" => AlertSeverity::Critical,
        _ => AlertSeverity::Medium,
    }
}

const SELECT_SUMMARY: &str = "SELECT c.id, c.title, c.subject, c.state, c.disposition, c.severity,
        c.assignee, c.created_at, c.due_at,
        (SELECT COUNT(*) FROM alerts a WHERE a.case_id = c.id),
        (SELECT r.disposition || ':' || r.status FROM case_requests r
          WHERE r.case_id = c.id AND r.status IN ('pending', 'approved'))
    FROM cases c";

fn summary_from_row(row: &rusqlite::Row<'_>, now: &str) -> rusqlite::Result<CaseSummary> {
    let state = parse_state(&row.get::<_, String>(3)?)?;
    let due_at: String = row.get(8)?;
    Ok(CaseSummary {
        id: row.get(0)?,
        title: row.get(1)?,
        subject: row.get(2)?,
        state,
        disposition: parse_disposition(row.get(4)?)?,
        severity: parse_severity(&row.get::<_, String>(5)?),
        assignee: row.get(6)?,
        created_at: row.get(7)?,
        overdue: state != CaseState::Closed && due_at.as_str() < now,
        due_at,
        alert_count: row.get(9)?,
        request: row.get(10)?,
    })
}

/// Reads a whole case on `conn`.
fn load(conn: &Connection, id: &str, now: &str) -> Result<CaseRecord> {
    let summary = conn
        .query_row(&format!("{SELECT_SUMMARY} WHERE c.id = ?1"), [id], |r| summary_from_row(r, now))
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("no case {id}")))?;
    #[allow(clippy::type_complexity)]
    let (
        version,
        created_by,
        updated_at,
        closed_at,
        merged_into,
        key_terms,
        classes,
        narrative,
        action,
    ): (
        u64,
        String,
        String,
        Option<String>,
        Option<String>,
        String,
        String,
        Option<String>,
        Option<String>,
    ) = conn.query_row(
        "SELECT version, created_by, updated_at, closed_at, merged_into, key_terms,
                classifications, narrative, action
         FROM cases WHERE id = ?1",
        [id],
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
            ))
        },
    )?;
    let mut subjects = Vec::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT subject, details FROM case_subjects WHERE case_id = ?1 ORDER BY position",
        )?;
        let rows =
            stmt.query_map([id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?)))?;
        for row in rows {
            let (subject, details) = row?;
            let details = details
                .map(|d| serde_json::from_str(&d))
                .transpose()
                .map_err(|e| Error::DataCorruption(format!("case {id} subject {subject}: {e}")))?;
            subjects.push(CaseSubject { id: subject, details });
        }
    }
    let mut alerts = Vec::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT body FROM alerts WHERE case_id = ?1
             ORDER BY severity_rank DESC, due_at, score DESC, id",
        )?;
        for body in stmt.query_map([id], |r| r.get::<_, String>(0))? {
            let body = body?;
            alerts.push(
                serde_json::from_str(&body)
                    .map_err(|e| Error::DataCorruption(format!("case {id} alert: {e}")))?,
            );
        }
    }
    let comments = {
        let mut stmt = conn.prepare_cached(
            "SELECT n, at, author, text FROM case_comments WHERE case_id = ?1 ORDER BY n",
        )?;
        let rows = stmt.query_map([id], |r| {
            Ok(Comment { n: r.get(0)?, at: r.get(1)?, author: r.get(2)?, text: r.get(3)? })
        })?;
        rows.collect::<rusqlite::Result<Vec<_>>>()?
    };
    let attachments = {
        let mut stmt = conn.prepare_cached(
            "SELECT n, at, added_by, uri, sha256, description FROM case_attachments
             WHERE case_id = ?1 ORDER BY n",
        )?;
        let rows = stmt.query_map([id], |r| {
            Ok(StoredAttachment {
                n: r.get(0)?,
                at: r.get(1)?,
                added_by: r.get(2)?,
                attachment: Attachment {
                    uri: r.get(3)?,
                    sha256: r.get(4)?,
                    description: r.get(5)?,
                },
            })
        })?;
        rows.collect::<rusqlite::Result<Vec<_>>>()?
    };
    let requests = {
        let mut stmt = conn.prepare_cached(
            "SELECT id, disposition, requested_by, requested_at, version, reason, status,
                    decided_by, decided_at, note
             FROM case_requests WHERE case_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([id], |r| {
            Ok(CloseRequest {
                id: r.get(0)?,
                disposition: parse_disposition(Some(r.get(1)?))?.unwrap_or(Disposition::TrueMatch),
                requested_by: r.get(2)?,
                requested_at: r.get(3)?,
                version: r.get(4)?,
                reason: r.get(5)?,
                status: r.get::<_, String>(6)?.parse().map_err(|e: String| {
                    rusqlite::Error::FromSqlConversionFailure(
                        6,
                        rusqlite::types::Type::Text,
                        e.into(),
                    )
                })?,
                decided_by: r.get(7)?,
                decided_at: r.get(8)?,
                note: r.get(9)?,
            })
        })?;
        rows.collect::<rusqlite::Result<Vec<_>>>()?
    };
    let filings = filings_of(conn, id)?;
    Ok(CaseRecord {
        summary,
        version,
        created_by,
        updated_at,
        closed_at,
        merged_into,
        key_terms: json_list(&key_terms, "key terms")?,
        classifications: json_list(&classes, "classifications")?,
        narrative,
        action,
        subjects,
        alerts,
        comments,
        attachments,
        requests,
        filings,
    })
}

const SELECT_FILING: &str =
    "SELECT id, case_id, format, draft, at, actor, reports, alerts, sha256 FROM case_filings";

fn filing_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<FilingRecord> {
    let format: String = r.get(2)?;
    let alerts: String = r.get(7)?;
    Ok(FilingRecord {
        id: r.get(0)?,
        case_id: r.get(1)?,
        format: format.parse().map_err(|e: String| {
            rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, e.into())
        })?,
        draft: r.get(3)?,
        at: r.get(4)?,
        actor: r.get(5)?,
        reports: r.get(6)?,
        alerts: serde_json::from_str(&alerts).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(7, rusqlite::types::Type::Text, Box::new(e))
        })?,
        sha256: r.get(8)?,
    })
}

fn filings_of(conn: &Connection, id: &str) -> Result<Vec<FilingRecord>> {
    let mut stmt =
        conn.prepare_cached(&format!("{SELECT_FILING} WHERE case_id = ?1 ORDER BY id"))?;
    let rows = stmt.query_map([id], filing_from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Loads the alerts to add: each must exist and be in no case.
fn queued_alerts(conn: &Connection, ids: &[String]) -> Result<Vec<(Alert, String)>> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for id in ids {
        if !seen.insert(id) {
            continue;
        }
        match stored_alert_body(conn, id)? {
            None => return Err(Error::NotFound(format!("no alert {id}"))),
            Some((_, Some(case), _)) => {
                return Err(Error::Invalid(format!("alert {id} is already in case {case}")));
            }
            Some((alert, None, due)) => out.push((alert, due)),
        }
    }
    Ok(out)
}

fn append_subject(conn: &Connection, case_id: &str, subject: &str) -> Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO case_subjects (case_id, position, subject, details)
         VALUES (?1, (SELECT COALESCE(MAX(position), -1) + 1 FROM case_subjects WHERE case_id = ?1), ?2, NULL)",
        params![case_id, subject],
    )?;
    Ok(())
}

/// Puts alerts into a case: their case id, subjects, key terms, and the
/// case's severity and due date.
fn attach_alerts(conn: &Connection, case_id: &str, alerts: &[(Alert, String)]) -> Result<()> {
    let (terms, severity, due): (String, String, String) = conn.query_row(
        "SELECT key_terms, severity, due_at FROM cases WHERE id = ?1",
        [case_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let mut terms: Vec<String> = json_list(&terms, "key terms")?;
    let mut severity = parse_severity(&severity);
    let mut due = due;
    for (alert, alert_due) in alerts {
        conn.execute("UPDATE alerts SET case_id = ?1 WHERE id = ?2", params![case_id, alert.id])?;
        for subject in &alert.subjects {
            append_subject(conn, case_id, subject)?;
        }
        for term in &alert.key_terms {
            if !term.trim().is_empty() && !terms.iter().any(|t| t.eq_ignore_ascii_case(term)) {
                terms.push(term.trim().to_owned());
            }
        }
        severity = severity.max(alert.severity);
        if alert_due < &due {
            due.clone_from(alert_due);
        }
    }
    conn.execute(
        "UPDATE cases SET key_terms = ?2, severity = ?3, severity_rank = ?4, due_at = ?5 WHERE id = ?1",
        params![
            case_id,
            to_json(&terms)?,
            severity_name(severity),
            severity_rank(severity),
            due
        ],
    )?;
    Ok(())
}

/// Applies an effect's state, assignee, version and request change.
#[allow(clippy::too_many_arguments)]
fn apply(
    conn: &Connection,
    id: &str,
    facts: &CaseFacts,
    effect: &Effect,
    actor: &Actor,
    at: &str,
    note: Option<&str>,
    merged_into: Option<&str>,
) -> Result<()> {
    let closing = effect.state == CaseState::Closed && facts.state != CaseState::Closed;
    let reopening = effect.state != CaseState::Closed && facts.state == CaseState::Closed;
    conn.execute(
        "UPDATE cases SET state = ?2, disposition = ?3, assignee = ?4, version = ?5, updated_at = ?6,
             closed_at = CASE WHEN ?7 THEN ?6 WHEN ?8 THEN NULL ELSE closed_at END,
             merged_into = COALESCE(?9, merged_into)
         WHERE id = ?1",
        params![
            id,
            effect.state.as_str(),
            effect.disposition.map(Disposition::as_str),
            effect.assignee,
            effect.version,
            at,
            closing,
            reopening,
            merged_into
        ],
    )?;
    let open = "case_id = ?1 AND status IN ('pending', 'approved')";
    match effect.request {
        RequestChange::Keep => {}
        RequestChange::Open(disposition) => {
            conn.execute(
                "INSERT INTO case_requests (case_id, disposition, requested_by, requested_at, version, reason, status)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending')",
                params![id, disposition.as_str(), actor.user, at, effect.version, note],
            )?;
        }
        RequestChange::Approve => {
            // true_match closes now; filed waits, approved, for its filing.
            let status = if effect.state == CaseState::Closed { "done" } else { "approved" };
            conn.execute(
                &format!(
                    "UPDATE case_requests SET status = ?2, decided_by = ?3, decided_at = ?4, note = ?5 WHERE {open}"
                ),
                params![id, status, actor.user, at, note],
            )?;
        }
        RequestChange::Reject => {
            conn.execute(
                &format!(
                    "UPDATE case_requests SET status = 'rejected', decided_by = ?2, decided_at = ?3, note = ?4 WHERE {open}"
                ),
                params![id, actor.user, at, note],
            )?;
        }
        RequestChange::Void => {
            conn.execute(
                &format!("UPDATE case_requests SET status = 'void', decided_at = ?2 WHERE {open}"),
                params![id, at],
            )?;
        }
        RequestChange::Done => {
            conn.execute(
                &format!("UPDATE case_requests SET status = 'done' WHERE {open}"),
                params![id],
            )?;
        }
    }
    Ok(())
}

fn request_name(change: RequestChange) -> Option<&'static str> {
    match change {
        RequestChange::Keep => None,
        RequestChange::Open(_) => Some("requested"),
        RequestChange::Approve => Some("approved"),
        RequestChange::Reject => Some("rejected"),
        RequestChange::Void => Some("void"),
        RequestChange::Done => Some("done"),
    }
}

fn audit(
    conn: &Connection,
    id: &str,
    action: &str,
    actor: &Actor,
    at: &str,
    effect: &Effect,
    mut details: serde_json::Value,
) -> Result<AuditEvent> {
    if let Some(map) = details.as_object_mut() {
        map.insert("state".into(), effect.state.as_str().into());
        if let Some(d) = effect.disposition {
            map.insert("disposition".into(), d.as_str().into());
        }
        map.insert("version".into(), effect.version.into());
        if let Some(r) = request_name(effect.request) {
            map.insert("request".into(), r.into());
        }
        let roles: Vec<&str> = actor.roles.iter().map(|r| r.as_str()).collect();
        map.insert("roles".into(), roles.into());
    }
    append(
        conn,
        &NewAuditEvent {
            at: at.to_owned(),
            actor: actor.user.clone(),
            action: format!("case.{action}"),
            subject: id.to_owned(),
            details,
        },
    )
}

fn nonempty(text: &Option<String>) -> Option<&str> {
    text.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

fn check_attachment(a: &Attachment) -> Result<()> {
    if a.uri.trim().is_empty() || !a.uri.contains(':') {
        return Err(Error::Invalid(format!(
            "attachment URI {:?}: want a URI with a scheme (file:///..., https://..., dms://...)",
            a.uri
        )));
    }
    if a.sha256.len() != 64 || !a.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::Invalid(format!(
            "attachment SHA-256 {:?}: want 64 hex digits",
            a.sha256
        )));
    }
    if a.description.trim().is_empty() {
        return Err(Error::Invalid("an attachment needs a description".into()));
    }
    Ok(())
}

fn check_key_term(term: &str) -> Result<()> {
    let t = term.trim();
    if t.is_empty() || t.contains(';') || t.chars().count() > 50 {
        return Err(Error::Invalid(format!(
            "key term {term:?}: a key term is 1 to 50 characters without ';' (SAR field 2)"
        )));
    }
    Ok(())
}

fn check_classification(c: &Classification) -> Result<()> {
    match vigia_filing::activity_box(&c.item) {
        None => Err(Error::Invalid(format!(
            "SAR box {:?} is not a box of the SAR form (e.g. 32(e), 36(b), 38(z))",
            c.item
        ))),
        Some(_)
            if c.item.ends_with("(z)")
                && c.other.as_deref().is_none_or(|o| o.trim().is_empty()) =>
        {
            Err(Error::Invalid(format!("SAR box {} (other) needs its description", c.item)))
        }
        Some(_) => Ok(()),
    }
}

/// Applies an edit's fields; returns what changed, for the audit event.
fn edit(conn: &Connection, id: &str, e: &CaseEdit) -> Result<serde_json::Value> {
    let mut changed = serde_json::Map::new();
    if let Some(title) = &e.title {
        if title.trim().is_empty() {
            return Err(Error::Invalid("a case title cannot be empty".into()));
        }
        conn.execute("UPDATE cases SET title = ?2 WHERE id = ?1", params![id, title.trim()])?;
        changed.insert("title".into(), title.trim().into());
    }
    if !e.add_key_terms.is_empty() || !e.remove_key_terms.is_empty() {
        let stored: String =
            conn.query_row("SELECT key_terms FROM cases WHERE id = ?1", [id], |r| r.get(0))?;
        let mut terms: Vec<String> = json_list(&stored, "key terms")?;
        for t in &e.add_key_terms {
            check_key_term(t)?;
            if !terms.iter().any(|x| x.eq_ignore_ascii_case(t.trim())) {
                terms.push(t.trim().to_owned());
            }
        }
        for t in &e.remove_key_terms {
            let before = terms.len();
            terms.retain(|x| !x.eq_ignore_ascii_case(t.trim()));
            if terms.len() == before {
                return Err(Error::Invalid(format!("the case has no key term {t:?}")));
            }
        }
        conn.execute(
            "UPDATE cases SET key_terms = ?2 WHERE id = ?1",
            params![id, to_json(&terms)?],
        )?;
        changed.insert("key_terms".into(), terms.into());
    }
    if let Some(classes) = &e.classifications {
        for c in classes {
            check_classification(c)?;
        }
        conn.execute(
            "UPDATE cases SET classifications = ?2 WHERE id = ?1",
            params![id, to_json(classes)?],
        )?;
        changed.insert("classifications".into(), serde_json::to_value(classes).unwrap_or_default());
    }
    if let Some(text) = &e.narrative {
        let text = text.trim();
        conn.execute(
            "UPDATE cases SET narrative = ?2 WHERE id = ?1",
            params![id, (!text.is_empty()).then_some(text)],
        )?;
        changed
            .insert("narrative_sha256".into(), hex::encode(Sha256::digest(text.as_bytes())).into());
    }
    if let Some(text) = &e.action {
        let text = text.trim();
        conn.execute(
            "UPDATE cases SET action = ?2 WHERE id = ?1",
            params![id, (!text.is_empty()).then_some(text)],
        )?;
        changed.insert("action".into(), text.into());
    }
    if let Some((subject, details)) = &e.subject {
        if subject.trim().is_empty() {
            return Err(Error::Invalid("a subject id cannot be empty".into()));
        }
        append_subject(conn, id, subject.trim())?;
        let json = details.as_ref().map(to_json).transpose()?;
        conn.execute(
            "UPDATE case_subjects SET details = ?3 WHERE case_id = ?1 AND subject = ?2",
            params![id, subject.trim(), json],
        )?;
        changed.insert("subject".into(), subject.trim().into());
        changed.insert(
            "details_sha256".into(),
            json.map(|j| hex::encode(Sha256::digest(j.as_bytes())).into())
                .unwrap_or(serde_json::Value::Null),
        );
    }
    if changed.is_empty() {
        return Err(Error::Invalid("the edit changes nothing".into()));
    }
    Ok(serde_json::Value::Object(changed))
}

fn facts(conn: &Connection, id: &str) -> Result<CaseFacts> {
    let row: Option<(String, Option<String>, Option<String>, u64)> = conn
        .query_row(
            "SELECT state, disposition, assignee, version FROM cases WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((state, disposition, assignee, version)) = row else {
        return Err(Error::NotFound(format!("no case {id}")));
    };
    let request = conn
        .query_row(
            "SELECT disposition, requested_by, version, status FROM case_requests
             WHERE case_id = ?1 AND status IN ('pending', 'approved')",
            [id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, u64>(2)?,
                    r.get::<_, String>(3)?,
                ))
            },
        )
        .optional()?;
    let corrupt = |e: String| Error::DataCorruption(format!("case {id}: {e}"));
    let request = match request {
        None => None,
        Some((d, by, v, s)) => Some(Request {
            disposition: d.parse().map_err(corrupt)?,
            requested_by: by,
            version: v,
            status: s.parse().map_err(corrupt)?,
        }),
    };
    Ok(CaseFacts {
        state: state.parse().map_err(corrupt)?,
        disposition: disposition.map(|d| d.parse()).transpose().map_err(corrupt)?,
        assignee,
        version,
        request,
    })
}

impl CaseStore for Store {
    fn create_case(&mut self, new: &NewCase, actor: &Actor, at: Timestamp) -> Result<CaseRecord> {
        if !actor.has(Role::Analyst) {
            return Err(Error::Refused("creating a case needs the analyst role".into()));
        }
        let now = timestamp_text(at);
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut ids = new.alerts.clone();
        if ids.is_empty() {
            let Some(subject) = new.subject.as_deref() else {
                return Err(Error::Invalid("a case needs alerts or a subject".into()));
            };
            let mut stmt = tx.prepare(
                "SELECT a.id FROM alerts a JOIN alert_subjects s ON s.alert_id = a.id
                 WHERE s.subject = ?1 AND a.case_id IS NULL
                 ORDER BY a.severity_rank DESC, a.due_at, a.score DESC, a.id",
            )?;
            ids = stmt.query_map([subject], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
            if ids.is_empty() {
                return Err(Error::Invalid(format!(
                    "no alert in the queue names subject {subject}"
                )));
            }
        }
        let alerts = queued_alerts(&tx, &ids)?;
        // The main subject: the one given, else the one most alerts name.
        let subject = match new.subject.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => s.to_owned(),
            None => {
                let mut counts: Vec<(String, usize)> = Vec::new();
                for (alert, _) in &alerts {
                    for s in &alert.subjects {
                        match counts.iter_mut().find(|(x, _)| x == s) {
                            Some((_, n)) => *n += 1,
                            None => counts.push((s.clone(), 1)),
                        }
                    }
                }
                let best = counts.iter().map(|(_, n)| *n).max().unwrap_or(0);
                counts.into_iter().find(|(_, n)| *n == best).map(|(s, _)| s).unwrap_or_default()
            }
        };
        let number: u64 =
            tx.query_row("SELECT COALESCE(MAX(number), 0) + 1 FROM cases", [], |r| r.get(0))?;
        let id = format!("CASE-{number:06}");
        let sla = read_sla(&tx)?;
        let due = timestamp_text(sla.case_due(at, []));
        let mut typologies: Vec<&str> = Vec::new();
        for (a, _) in &alerts {
            if !typologies.contains(&a.typology.as_str()) {
                typologies.push(&a.typology);
            }
        }
        let title = match nonempty(&new.title) {
            Some(t) => t.to_owned(),
            None => format!("{} — {subject}", typologies.join(", ").replace('_', " ")),
        };
        tx.execute(
            "INSERT INTO cases (id, number, title, subject, state, disposition, severity, severity_rank,
                 assignee, version, created_at, created_by, updated_at, due_at, closed_at, merged_into,
                 key_terms, classifications, narrative, action)
             VALUES (?1, ?2, ?3, ?4, 'open', NULL, 'low', 0, NULL, 1, ?5, ?6, ?5, ?7, NULL, NULL,
                 '[]', '[]', NULL, NULL)",
            params![id, number, title, subject, now, actor.user, due],
        )?;
        append_subject(&tx, &id, &subject)?;
        attach_alerts(&tx, &id, &alerts)?;
        let record = load(&tx, &id, &now)?;
        let facts = record.facts();
        let effect = Effect {
            state: facts.state,
            disposition: None,
            assignee: None,
            version: facts.version,
            request: RequestChange::Keep,
        };
        audit(
            &tx,
            &id,
            "create",
            actor,
            &now,
            &effect,
            serde_json::json!({
                "subject": subject,
                "alerts": alerts.iter().map(|(a, _)| a.id.as_str()).collect::<Vec<_>>(),
                "severity": severity_name(record.summary.severity),
                "due_at": record.summary.due_at,
            }),
        )?;
        tx.commit()?;
        Ok(record)
    }

    fn change_case(
        &mut self,
        id: &str,
        change: &Change,
        actor: &Actor,
        at: Timestamp,
    ) -> Result<CaseRecord> {
        let now = timestamp_text(at);
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let facts = facts(&tx, id)?;
        if let Change::Assign { to: Some(to) } = change
            && to.trim().is_empty()
        {
            return Err(Error::Invalid("an assignee cannot be empty".into()));
        }
        let action = change.action();
        let effect = decide(actor, &facts, &action).map_err(|r| refused(id, r))?;
        let note = match change {
            Change::Escalate { reason }
            | Change::Return { reason }
            | Change::Reopen { reason }
            | Change::Close { reason, .. } => nonempty(reason).map(str::to_owned),
            Change::Approve { note } | Change::Reject { note } => nonempty(note).map(str::to_owned),
            _ => None,
        };
        let mut details = serde_json::json!({});
        match change {
            Change::Comment { text } => {
                let text = text.trim();
                if text.is_empty() {
                    return Err(Error::Invalid("a comment cannot be empty".into()));
                }
                let n: u64 = tx.query_row(
                    "SELECT COALESCE(MAX(n), 0) + 1 FROM case_comments WHERE case_id = ?1",
                    [id],
                    |r| r.get(0),
                )?;
                tx.execute(
                    "INSERT INTO case_comments (case_id, n, at, author, text) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![id, n, now, actor.user, text],
                )?;
                details = serde_json::json!({"comment": n, "text": text});
            }
            Change::Attach(a) => {
                check_attachment(a)?;
                let n: u64 = tx.query_row(
                    "SELECT COALESCE(MAX(n), 0) + 1 FROM case_attachments WHERE case_id = ?1",
                    [id],
                    |r| r.get(0),
                )?;
                let sha = a.sha256.to_ascii_lowercase();
                tx.execute(
                    "INSERT INTO case_attachments (case_id, n, at, added_by, uri, sha256, description)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![id, n, now, actor.user, a.uri.trim(), sha, a.description.trim()],
                )?;
                details = serde_json::json!({"attachment": n, "uri": a.uri.trim(), "sha256": sha});
            }
            Change::Edit(e) => details = edit(&tx, id, e)?,
            Change::AddAlerts { alerts } => {
                if alerts.is_empty() {
                    return Err(Error::Invalid("no alert to add".into()));
                }
                let queued = queued_alerts(&tx, alerts)?;
                attach_alerts(&tx, id, &queued)?;
                details = serde_json::json!({"alerts": queued.iter().map(|(a, _)| a.id.as_str()).collect::<Vec<_>>()});
            }
            Change::Assign { to } => {
                details = serde_json::json!({"assignee": to, "previous": facts.assignee});
            }
            Change::Close { disposition, .. } => {
                details = serde_json::json!({"asked": disposition.as_str()});
            }
            Change::Review
            | Change::Escalate { .. }
            | Change::Return { .. }
            | Change::Approve { .. }
            | Change::Reject { .. }
            | Change::Reopen { .. } => {}
        }
        if let (Some(n), Some(map)) = (&note, details.as_object_mut()) {
            map.insert("note".into(), n.as_str().into());
        }
        if let Some(r) = &facts.request
            && let Some(map) = details.as_object_mut()
            && matches!(effect.request, RequestChange::Approve | RequestChange::Reject)
        {
            map.insert("requested_by".into(), r.requested_by.as_str().into());
            map.insert("requested".into(), r.disposition.as_str().into());
        }
        apply(&tx, id, &facts, &effect, actor, &now, note.as_deref(), None)?;
        audit(&tx, id, action.name(), actor, &now, &effect, details)?;
        let record = load(&tx, id, &now)?;
        tx.commit()?;
        Ok(record)
    }

    fn merge_cases(
        &mut self,
        target: &str,
        sources: &[String],
        actor: &Actor,
        at: Timestamp,
    ) -> Result<CaseRecord> {
        if sources.is_empty() {
            return Err(Error::Invalid("name at least one case to merge".into()));
        }
        let now = timestamp_text(at);
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        for source in sources {
            if source == target {
                return Err(Error::Invalid(format!("case {target} cannot be merged into itself")));
            }
            let target_facts = facts(&tx, target)?;
            let target_effect =
                decide(actor, &target_facts, &Action::AddAlerts).map_err(|r| refused(target, r))?;
            let source_facts = facts(&tx, source)?;
            let source_effect =
                decide(actor, &source_facts, &Action::MergeAway).map_err(|r| refused(source, r))?;
            // Alerts move with their severity and due dates.
            let moved: Vec<(Alert, String)> = {
                let mut stmt =
                    tx.prepare("SELECT id FROM alerts WHERE case_id = ?1 ORDER BY id")?;
                let ids: Vec<String> =
                    stmt.query_map([source], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
                tx.execute("UPDATE alerts SET case_id = NULL WHERE case_id = ?1", [source])?;
                queued_alerts(&tx, &ids)?
            };
            attach_alerts(&tx, target, &moved)?;
            // Subjects (and their details, where the target has none) and
            // key terms follow.
            let subjects: Vec<(String, Option<String>)> = {
                let mut stmt = tx.prepare(
                    "SELECT subject, details FROM case_subjects WHERE case_id = ?1 ORDER BY position",
                )?;
                stmt.query_map([source], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<_>>()?
            };
            for (subject, details) in subjects {
                append_subject(&tx, target, &subject)?;
                if let Some(d) = details {
                    tx.execute(
                        "UPDATE case_subjects SET details = ?3
                         WHERE case_id = ?1 AND subject = ?2 AND details IS NULL",
                        params![target, subject, d],
                    )?;
                }
            }
            let terms: String =
                tx.query_row("SELECT key_terms FROM cases WHERE id = ?1", [source], |r| r.get(0))?;
            let add: Vec<String> = json_list(&terms, "key terms")?;
            if !add.is_empty() {
                edit(&tx, target, &CaseEdit { add_key_terms: add, ..CaseEdit::default() })?;
            }
            apply(&tx, source, &source_facts, &source_effect, actor, &now, None, Some(target))?;
            apply(&tx, target, &target_facts, &target_effect, actor, &now, None, None)?;
            let alert_ids: Vec<&str> = moved.iter().map(|(a, _)| a.id.as_str()).collect();
            audit(
                &tx,
                source,
                "merge",
                actor,
                &now,
                &source_effect,
                serde_json::json!({"into": target, "alerts": alert_ids}),
            )?;
            audit(
                &tx,
                target,
                "add_alerts",
                actor,
                &now,
                &target_effect,
                serde_json::json!({"from": source, "alerts": alert_ids}),
            )?;
        }
        let record = load(&tx, target, &now)?;
        tx.commit()?;
        Ok(record)
    }

    fn check_case(&self, id: &str, action: &Action, actor: &Actor) -> Result<()> {
        let facts = facts(&self.conn, id)?;
        decide(actor, &facts, action).map(|_| ()).map_err(|r| refused(id, r))
    }

    fn record_filing(
        &mut self,
        id: &str,
        filing: &NewFiling,
        actor: &Actor,
        at: Timestamp,
    ) -> Result<FilingRecord> {
        let now = timestamp_text(at);
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let facts = facts(&tx, id)?;
        let effect = decide(actor, &facts, &Action::File { draft: filing.draft })
            .map_err(|r| refused(id, r))?;
        let sha = hex::encode(Sha256::digest(filing.document.as_bytes()));
        tx.execute(
            "INSERT INTO case_filings (case_id, format, draft, at, actor, reports, alerts, sha256, document)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                id,
                filing.format.as_str(),
                filing.draft,
                now,
                actor.user,
                filing.reports,
                to_json(&filing.alerts)?,
                sha,
                filing.document
            ],
        )?;
        let filing_id = tx.last_insert_rowid();
        apply(&tx, id, &facts, &effect, actor, &now, None, None)?;
        audit(
            &tx,
            id,
            "file",
            actor,
            &now,
            &effect,
            serde_json::json!({
                "filing": filing_id,
                "format": filing.format.as_str(),
                "draft": filing.draft,
                "reports": filing.reports,
                "alerts": filing.alerts,
                "sha256": sha,
                "destination": filing.destination,
            }),
        )?;
        let record =
            tx.query_row(&format!("{SELECT_FILING} WHERE id = ?1"), [filing_id], filing_from_row)?;
        tx.commit()?;
        Ok(record)
    }

    fn case(&self, id: &str, now: Timestamp) -> Result<CaseRecord> {
        load(&self.conn, id, &timestamp_text(now))
    }

    fn cases(&self, filter: &CaseFilter, now: Timestamp) -> Result<Vec<CaseSummary>> {
        let now = timestamp_text(now);
        let mut sql = format!("{SELECT_SUMMARY} WHERE 1 = 1");
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        if let Some(state) = filter.state {
            args.push(state.as_str().to_owned().into());
            sql.push_str(&format!(" AND c.state = ?{}", args.len()));
        }
        if let Some(user) = &filter.assignee {
            args.push(user.clone().into());
            sql.push_str(&format!(" AND c.assignee = ?{}", args.len()));
        }
        if filter.overdue {
            args.push(now.clone().into());
            sql.push_str(&format!(" AND c.state != 'closed' AND c.due_at < ?{}", args.len()));
        }
        if let Some(s) = filter.min_severity {
            args.push(i64::from(severity_rank(s)).into());
            sql.push_str(&format!(" AND c.severity_rank >= ?{}", args.len()));
        }
        if let Some(subject) = &filter.subject {
            args.push(subject.clone().into());
            sql.push_str(&format!(
                " AND c.id IN (SELECT case_id FROM case_subjects WHERE subject = ?{})",
                args.len()
            ));
        }
        if filter.awaiting_approval {
            sql.push_str(
                " AND EXISTS (SELECT 1 FROM case_requests r WHERE r.case_id = c.id AND r.status = 'pending')",
            );
        }
        sql.push_str(" ORDER BY c.state = 'closed', c.severity_rank DESC, c.due_at, c.number");
        if let Some(limit) = filter.limit {
            sql.push_str(&format!(" LIMIT {limit}"));
        }
        let mut stmt = self.conn.prepare(&sql)?;
        let rows =
            stmt.query_map(rusqlite::params_from_iter(args), |r| summary_from_row(r, &now))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn case_history(&self, id: &str) -> Result<Vec<AuditEvent>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, at, actor, action, subject, details, prev_hash, hash FROM audit_events
             WHERE subject = ?1 ORDER BY seq",
        )?;
        let rows = stmt.query_map([id], |row| {
            Ok(AuditEvent {
                seq: row.get(0)?,
                at: row.get(1)?,
                actor: row.get(2)?,
                action: row.get(3)?,
                subject: row.get(4)?,
                details: row.get(5)?,
                prev_hash: row.get(6)?,
                hash: row.get(7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn dossier(&self, id: &str) -> Result<Dossier> {
        let record = load(&self.conn, id, "")?;
        let mut transactions = Vec::new();
        let mut seen = BTreeSet::new();
        for alert in &record.alerts {
            for t in evidence_of(&self.conn, &alert.id)? {
                if seen.insert(t.id.clone()) {
                    transactions.push(t);
                }
            }
        }
        Ok(Dossier {
            case_id: record.summary.id,
            key_terms: record.key_terms,
            classifications: record.classifications,
            narrative: record.narrative,
            action: record.action,
            subjects: record
                .subjects
                .into_iter()
                .map(|s| DossierSubject { id: s.id, details: s.details })
                .collect(),
            alerts: record.alerts,
            transactions,
        })
    }

    fn filing_document(
        &mut self,
        case_id: &str,
        filing_id: Option<u64>,
        export: Option<(&Actor, Timestamp, &str)>,
    ) -> Result<(FilingRecord, String)> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let sql = match filing_id {
            Some(_) => format!("{SELECT_FILING} WHERE case_id = ?1 AND id = ?2"),
            None => format!(
                "{SELECT_FILING} WHERE case_id = ?1 AND (?2 IS NULL) ORDER BY id DESC LIMIT 1"
            ),
        };
        let record = tx
            .query_row(&sql, params![case_id, filing_id], filing_from_row)
            .optional()?
            .ok_or_else(|| match filing_id {
            Some(n) => Error::NotFound(format!("case {case_id} has no filing {n}")),
            None => Error::NotFound(format!("case {case_id} has no filing yet")),
        })?;
        let document: String =
            tx.query_row("SELECT document FROM case_filings WHERE id = ?1", [record.id], |r| {
                r.get(0)
            })?;
        if let Some((actor, at, destination)) = export {
            append(
                &tx,
                &NewAuditEvent {
                    at: timestamp_text(at),
                    actor: actor.user.clone(),
                    action: "case.export".into(),
                    subject: case_id.to_owned(),
                    details: serde_json::json!({
                        "filing": record.id,
                        "format": record.format.as_str(),
                        "sha256": record.sha256,
                        "destination": destination,
                    }),
                },
            )?;
        }
        tx.commit()?;
        Ok((record, document))
    }
}

#[cfg(test)]
mod tests;
