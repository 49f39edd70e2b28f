//! Screening hits, the decisions analysts take on them, and what the
//! store remembers between rescreens.
//!
//! A hit is one (customer, listed entity) pair, bound to the versions of
//! both sides that its latest matching screening saw
//! ([`vigia_workflow::hit`]). [`HitStore::apply_screening`] writes what a
//! screening of some customers found, in one transaction: every hit
//! transition with its audit event, an alert in the queue
//! ([`crate::alerts::raise_alert_in`]) for every hit opened or re-opened,
//! closures for listed entities that left the lists, the customers marked
//! screened, and (for a rescreen) the list versions screened against.
//! [`HitStore::decide`] records a decision bound to the hit's versions, in
//! one transaction with its audit event. Decisions are never edited.
//!
//! **Invariant.** A hit is `cleared` or `confirmed` only with a decision
//! row of that kind, and every hit change and decision has its audit
//! event in the same transaction: a crash leaves either both or neither.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use vigia_model::{Alert, AlertKind, AlertSeverity, Entity, prop};
use vigia_workflow::hit::{Binding, DecisionKind, DecisionState, HitState, HitStatus};
use vigia_workflow::rescreen::Match;

use crate::{Error, Result, Store};

mod apply;
mod delta;

pub use apply::close_customer_hits;
pub use delta::ListDelta;

/// A stored hit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredHit {
    /// `hit-` and 16 hex digits, derived from the pair.
    pub id: String,
    /// The customer's id.
    pub customer_id: String,
    /// The listed entity's id.
    pub entity_id: String,
    /// Where it stands.
    pub status: HitStatus,
    /// Whether the latest screening of the pair matched.
    pub matched: bool,
    /// The versions of both sides the latest matching screening saw.
    pub binding: Binding,
    /// The listed entity's display name.
    pub caption: String,
    /// The listed entity's schema.
    pub schema: String,
    /// The listed entity's datasets.
    pub datasets: Vec<String>,
    /// The score of the latest matching screening.
    pub score: f64,
    /// Its explanations, as screening writes them.
    pub explanations: serde_json::Value,
    /// The list versions screened against.
    pub lists_version: String,
    /// The algorithm.
    pub algorithm: String,
    /// The screening configuration's fingerprint.
    pub config: String,
    /// The engine version.
    pub engine: String,
    /// The latest decision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    /// How many times the hit was opened.
    pub openings: u64,
    /// Why it was last re-opened or closed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When it was first found.
    pub first_seen_at: String,
    /// When it last changed.
    pub updated_at: String,
}

impl StoredHit {
    /// The hit as the workflow rules see it.
    pub fn state(&self) -> HitState {
        HitState {
            status: self.status,
            matched: self.matched,
            binding: self.binding.clone(),
            decision: self
                .decision
                .as_ref()
                .map(|d| DecisionState { kind: d.kind, binding: d.binding.clone() }),
            reason: self.reason.clone(),
        }
    }

    /// The id of the alert the hit's latest opening raised.
    pub fn alert_id(&self) -> String {
        alert_id(&self.id, self.openings)
    }
}

/// A recorded decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// Its number, from 1.
    pub id: u64,
    /// The hit decided.
    pub hit_id: String,
    /// False positive or true match.
    pub kind: DecisionKind,
    /// Why, in the analyst's words.
    pub reason: String,
    /// Who.
    pub author: String,
    /// When (RFC 3339, UTC).
    pub decided_at: String,
    /// The customer's id.
    pub customer_id: String,
    /// The listed entity's id.
    pub entity_id: String,
    /// The versions of both sides it was taken on.
    pub binding: Binding,
    /// The score the analyst saw.
    pub score: f64,
    /// Its audit record.
    pub audit_seq: u64,
}

/// A decision to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionRequest {
    /// The hit.
    pub hit_id: String,
    /// False positive or true match.
    pub kind: DecisionKind,
    /// Why.
    pub reason: String,
    /// Who (an analyst; the API key's name).
    pub author: String,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// The hit's openings count the analyst saw, if known: the decision is
    /// refused if the hit was re-opened since (they decided on something
    /// else than what is there now).
    pub seen_openings: Option<u64>,
}

/// Which hits to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HitFilter {
    /// Only hits in this status.
    pub status: Option<HitStatus>,
    /// Only this customer's hits.
    pub customer: Option<String>,
    /// Only hits on this listed entity.
    pub entity: Option<String>,
    /// Only hits after this id (paging, by id).
    pub after: Option<String>,
    /// At most this many (0: no limit).
    pub limit: usize,
}

/// What a screening found for one customer version.
#[derive(Debug, Clone)]
pub struct Screened {
    /// The customer's id.
    pub customer_id: String,
    /// The version screened.
    pub version: u64,
    /// The hits found ([`vigia_workflow::rescreen::matches`]).
    pub matches: Vec<Match>,
}

/// Why customers were screened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunMode {
    /// New and changed customers of an import (or an API request).
    Import,
    /// The customers a list change can affect.
    Delta,
    /// Every active customer.
    Full,
    /// Customers whose current version was never screened.
    Pending,
}

impl RunMode {
    /// The mode's name.
    pub fn as_str(self) -> &'static str {
        match self {
            RunMode::Import => "import",
            RunMode::Delta => "delta",
            RunMode::Full => "full",
            RunMode::Pending => "pending",
        }
    }
}

/// The configuration customers are screened with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScreeningSettings {
    /// Results at or above it are hits.
    pub threshold: f32,
    /// The scoring algorithm's name (`vigia` or `vigia-name`).
    pub algorithm: String,
}

impl Default for ScreeningSettings {
    fn default() -> ScreeningSettings {
        ScreeningSettings {
            threshold: vigia_workflow::rescreen::DEFAULT_THRESHOLD,
            algorithm: "vigia".into(),
        }
    }
}

/// Everything about a screening run except its results.
#[derive(Debug, Clone)]
pub struct ScreeningRun {
    /// Why.
    pub mode: RunMode,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Who (`cli:ana`, `rescreen`, an API key's name).
    pub actor: String,
    /// The list versions screened against, as results record them
    /// (`un_sc_sanctions@2,us_ofac_sdn@5`).
    pub lists_version: String,
    /// The same, per dataset: written as the rescreen watermark when
    /// `watermark` is set.
    pub lists: Vec<(String, u64)>,
    /// Write `lists` as the versions every customer was screened against
    /// (a delta or full rescreen that covered every customer it must).
    pub watermark: bool,
    /// The settings used; stored (with an audit event) if they differ
    /// from the stored ones (a full rescreen with a new threshold).
    pub settings: ScreeningSettings,
    /// The screening configuration's fingerprint.
    pub config: String,
    /// The engine version.
    pub engine: String,
    /// Listed entity ids in no active list any more: their hits close.
    pub removed: Vec<String>,
    /// Facts about the run for its audit record (customers considered,
    /// selected, seconds...).
    pub details: serde_json::Value,
}

/// What a screening run changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RunReport {
    /// Customers whose results were applied.
    pub screened: u64,
    /// Customers skipped because their version changed (or they were
    /// deactivated) while they were screened: they are screened next time.
    pub stale: u64,
    /// New hits.
    pub opened: u64,
    /// Hits re-opened.
    pub reopened: u64,
    /// False positives that stay cleared despite a change (none material).
    pub kept_cleared: u64,
    /// Closed hits cleared again (their decision still holds).
    pub restored: u64,
    /// Hits bound to newer versions.
    pub rebound: u64,
    /// Hits the latest screening did not match.
    pub unmatched: u64,
    /// Hits closed.
    pub closed: u64,
    /// Alerts raised in the queue.
    pub alerts: u64,
    /// The hits opened or re-opened, by id.
    pub opened_hits: Vec<String>,
    /// The run's audit record.
    pub audit_seq: u64,
}

/// The hits and decisions, whatever stores them.
pub trait HitStore {
    /// Applies what a screening found, in one transaction (see the module
    /// documentation).
    ///
    /// # Errors
    /// A storage error; nothing is written then.
    fn apply_screening(&mut self, run: &ScreeningRun, screened: &[Screened]) -> Result<RunReport>;

    /// Records a decision on a hit.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown hit; [`Error::Refused`] when the
    /// rules refuse it (no reason, no author, a closed hit, a hit re-opened
    /// since the analyst saw it); a storage error.
    fn decide(&mut self, request: &DecisionRequest) -> Result<Decision>;

    /// A hit by id.
    ///
    /// # Errors
    /// A storage error.
    fn hit(&self, id: &str) -> Result<Option<StoredHit>>;

    /// Hits by id.
    ///
    /// # Errors
    /// A storage error.
    fn hits(&self, filter: &HitFilter) -> Result<Vec<StoredHit>>;

    /// Decisions, oldest first: of one hit, or all with `id > after`.
    ///
    /// # Errors
    /// A storage error.
    fn decisions(&self, hit: Option<&str>, after: u64, limit: usize) -> Result<Vec<Decision>>;

    /// The listed entity snapshot a hit or decision is bound to.
    ///
    /// # Errors
    /// A storage error.
    fn listed_snapshot(&self, hash: &str) -> Result<Option<Entity>>;

    /// The customers with a hit that is not closed on one of these listed
    /// entities.
    ///
    /// # Errors
    /// A storage error.
    fn customers_with_hits_on(&self, entity_ids: &[String]) -> Result<Vec<String>>;

    /// The listed entity ids of every hit that is not closed.
    ///
    /// # Errors
    /// A storage error.
    fn hit_entity_ids(&self) -> Result<Vec<String>>;

    /// The list versions customers were last screened against, by dataset
    /// (empty before the first screening).
    ///
    /// # Errors
    /// A storage error.
    fn screened_lists(&self) -> Result<Vec<(String, u64)>>;

    /// What changed in the lists between `from` (the watermark) and the
    /// active versions.
    ///
    /// # Errors
    /// A storage error, or a stored body that does not read back.
    fn list_change_since(&self, from: &[(String, u64)]) -> Result<ListDelta>;

    /// The stored screening settings (the defaults until a full rescreen
    /// sets others).
    ///
    /// # Errors
    /// A storage error, or a stored setting that does not parse.
    fn screening_settings(&self) -> Result<ScreeningSettings>;
}

/// The hit id of a pair: `hit-` and the first 16 hex digits of SHA-256
/// over the length-prefixed customer id and entity id.
pub fn hit_id(customer_id: &str, entity_id: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update((customer_id.len() as u64).to_le_bytes());
    hasher.update(customer_id.as_bytes());
    hasher.update(entity_id.as_bytes());
    let digest = hex::encode(hasher.finalize());
    format!("hit-{}", &digest[..16])
}

/// The id of the alert raised by a hit's `opening`-th opening.
pub fn alert_id(hit_id: &str, opening: u64) -> String {
    format!("screening:{hit_id}:{opening}")
}

/// The hit an alert id was raised for, if it is a screening alert.
pub fn hit_of_alert(alert_id: &str) -> Option<&str> {
    let rest = alert_id.strip_prefix("screening:")?;
    let (hit, opening) = rest.rsplit_once(':')?;
    (hit.starts_with("hit-") && opening.parse::<u64>().is_ok()).then_some(hit)
}

const SELECT_HIT: &str = "SELECT h.id, h.customer_id, h.entity_id, h.status, h.matched,
        h.customer_version, h.customer_hash, h.entity_hash, h.caption, h.schema, h.datasets,
        h.score, h.explanations, h.lists_version, h.algorithm, h.config, h.engine,
        h.openings, h.reason, h.first_seen_at, h.updated_at,
        d.id, d.kind, d.reason, d.author, d.decided_at, d.customer_version, d.customer_hash,
        d.entity_hash, d.score, d.audit_seq
    FROM hits h LEFT JOIN decisions d ON d.id = h.decision_id";

fn corrupt(what: &str, detail: impl std::fmt::Display) -> Error {
    Error::DataCorruption(format!("{what}: {detail}"))
}

fn hit_from_row(row: &rusqlite::Row<'_>) -> Result<StoredHit> {
    let status: String = row.get(3)?;
    let datasets: String = row.get(10)?;
    let explanations: String = row.get(12)?;
    let id: String = row.get(0)?;
    let decision = match row.get::<_, Option<u64>>(21)? {
        Some(decision_id) => {
            let kind: String = row.get(22)?;
            Some(Decision {
                id: decision_id,
                hit_id: id.clone(),
                kind: kind.parse().map_err(|e| corrupt("a stored decision", e))?,
                reason: row.get(23)?,
                author: row.get(24)?,
                decided_at: row.get(25)?,
                customer_id: row.get(1)?,
                entity_id: row.get(2)?,
                binding: Binding {
                    customer_version: row.get(26)?,
                    customer_hash: row.get(27)?,
                    entity_hash: row.get(28)?,
                },
                score: row.get(29)?,
                audit_seq: row.get(30)?,
            })
        }
        None => None,
    };
    Ok(StoredHit {
        id,
        customer_id: row.get(1)?,
        entity_id: row.get(2)?,
        status: status.parse().map_err(|e| corrupt("a stored hit", e))?,
        matched: row.get(4)?,
        binding: Binding {
            customer_version: row.get(5)?,
            customer_hash: row.get(6)?,
            entity_hash: row.get(7)?,
        },
        caption: row.get(8)?,
        schema: row.get(9)?,
        datasets: serde_json::from_str(&datasets).map_err(|e| corrupt("a stored hit", e))?,
        score: row.get(11)?,
        explanations: serde_json::from_str(&explanations)
            .map_err(|e| corrupt("a stored hit", e))?,
        lists_version: row.get(13)?,
        algorithm: row.get(14)?,
        config: row.get(15)?,
        engine: row.get(16)?,
        decision,
        openings: row.get(17)?,
        reason: row.get(18)?,
        first_seen_at: row.get(19)?,
        updated_at: row.get(20)?,
    })
}

pub(crate) fn load_hit(conn: &Connection, id: &str) -> Result<Option<StoredHit>> {
    let mut stmt = conn.prepare_cached(&format!("{SELECT_HIT} WHERE h.id = ?1"))?;
    let mut rows = stmt.query([id])?;
    match rows.next()? {
        Some(row) => Ok(Some(hit_from_row(row)?)),
        None => Ok(None),
    }
}

/// The hits of a customer, by entity id.
pub(crate) fn customer_hits(
    conn: &Connection,
    customer: &str,
) -> Result<BTreeMap<String, StoredHit>> {
    let mut stmt = conn.prepare_cached(&format!("{SELECT_HIT} WHERE h.customer_id = ?1"))?;
    let mut rows = stmt.query([customer])?;
    let mut out = BTreeMap::new();
    while let Some(row) = rows.next()? {
        let hit = hit_from_row(row)?;
        out.insert(hit.entity_id.clone(), hit);
    }
    Ok(out)
}

pub(crate) fn snapshot(conn: &Connection, hash: &str) -> Result<Option<Entity>> {
    let body: Option<String> = conn
        .prepare_cached("SELECT body FROM listed_snapshots WHERE hash = ?1")?
        .query_row([hash], |row| row.get(0))
        .optional()?;
    body.map(|b| {
        serde_json::from_str(&b).map_err(|e| corrupt("a stored listed entity snapshot", e))
    })
    .transpose()
}

fn decision_from_row(row: &rusqlite::Row<'_>) -> Result<Decision> {
    let kind: String = row.get(2)?;
    Ok(Decision {
        id: row.get(0)?,
        hit_id: row.get(1)?,
        kind: kind.parse().map_err(|e| corrupt("a stored decision", e))?,
        reason: row.get(3)?,
        author: row.get(4)?,
        decided_at: row.get(5)?,
        customer_id: row.get(6)?,
        entity_id: row.get(9)?,
        binding: Binding {
            customer_version: row.get(7)?,
            customer_hash: row.get(8)?,
            entity_hash: row.get(10)?,
        },
        score: row.get(11)?,
        audit_seq: row.get(12)?,
    })
}

const SELECT_DECISION: &str = "SELECT id, hit_id, kind, reason, author, decided_at, customer_id,
        customer_version, customer_hash, entity_id, entity_hash, score, audit_seq FROM decisions";

/// Records a decision on `conn`, which the caller holds inside a write
/// transaction: for a change that must commit together with the decision
/// (a case closed as a false positive records the decision on the hits of
/// its screening alerts, [`hit_of_alert`]).
///
/// # Errors
/// As [`HitStore::decide`].
pub fn decide_in(conn: &Connection, request: &DecisionRequest) -> Result<Decision> {
    let hit = load_hit(conn, &request.hit_id)?
        .ok_or_else(|| Error::NotFound(format!("no hit has the id {:?}", request.hit_id)))?;
    if let Some(seen) = request.seen_openings
        && seen != hit.openings
    {
        return Err(Error::Refused(format!(
            "the hit was re-opened since it was seen ({}): look at it again",
            hit.reason.as_deref().unwrap_or("no reason recorded")
        )));
    }
    let status =
        vigia_workflow::hit::decide(&hit.state(), request.kind, &request.reason, &request.author)
            .map_err(|e| Error::Refused(e.to_string()))?;
    let id: u64 =
        conn.query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM decisions", [], |row| row.get(0))?;
    let event = crate::audit::append(
        conn,
        &crate::NewAuditEvent {
            at: request.at.clone(),
            actor: request.author.clone(),
            action: "decisions.record".into(),
            subject: format!("hit:{}", hit.id),
            details: serde_json::json!({
                "decision": id,
                "kind": request.kind.as_str(),
                "reason": request.reason,
                "customer": hit.customer_id,
                "customer_version": hit.binding.customer_version,
                "customer_hash": hit.binding.customer_hash,
                "entity": hit.entity_id,
                "entity_hash": hit.binding.entity_hash,
                "score": hit.score,
                "status": {"from": hit.status.as_str(), "to": status.as_str()},
                "supersedes": hit.decision.as_ref().map(|d| d.id),
            }),
        },
    )?;
    conn.prepare_cached(
        "INSERT INTO decisions (id, hit_id, kind, reason, author, decided_at, customer_id,
             customer_version, customer_hash, entity_id, entity_hash, score, audit_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        id,
        hit.id,
        request.kind.as_str(),
        request.reason,
        request.author,
        request.at,
        hit.customer_id,
        hit.binding.customer_version,
        hit.binding.customer_hash,
        hit.entity_id,
        hit.binding.entity_hash,
        hit.score,
        event.seq
    ])?;
    conn.prepare_cached(
        "UPDATE hits SET status = ?2, decision_id = ?3, updated_at = ?4 WHERE id = ?1",
    )?
    .execute(params![hit.id, status.as_str(), id, request.at])?;
    Ok(Decision {
        id,
        hit_id: hit.id,
        kind: request.kind,
        reason: request.reason.clone(),
        author: request.author.clone(),
        decided_at: request.at.clone(),
        customer_id: hit.customer_id,
        entity_id: hit.entity_id,
        binding: hit.binding,
        score: hit.score,
        audit_seq: event.seq,
    })
}

/// The typology and severity of a screening alert, from the listed
/// entity's topics.
fn classify(entity: &Entity) -> (&'static str, AlertSeverity) {
    let topics = entity.get(prop::TOPICS);
    let has = |prefix: &str| topics.iter().any(|t| t.starts_with(prefix));
    if has("sanction") || has("crime.terror") {
        ("sanctions", AlertSeverity::High)
    } else if has("role.pep") {
        ("pep", AlertSeverity::Medium)
    } else if has("crime") || has("debarment") || has("export.control") {
        ("watchlist", AlertSeverity::Medium)
    } else {
        ("watchlist", AlertSeverity::High)
    }
}

/// The alert a hit's opening puts in the queue.
pub(crate) fn hit_alert(
    hit_id: &str,
    opening: u64,
    customer: &str,
    found: &Match,
    run: &ScreeningRun,
    reopened: Option<&str>,
) -> Alert {
    let (typology, severity) = classify(&found.entity);
    let result = &found.result;
    let mut explanation = format!(
        "customer {customer} matches {} ({}, {}) at {:.2}",
        result.caption,
        result.id,
        result.datasets.join(", "),
        result.score
    );
    if let Some(reasons) = reopened {
        explanation += &format!("; re-opened: {reasons}");
    }
    Alert {
        id: alert_id(hit_id, opening),
        scenario: "screening".into(),
        typology: typology.into(),
        kind: AlertKind::Alert,
        severity,
        score: result.score,
        subjects: vec![customer.to_owned()],
        transactions: Vec::new(),
        from: run.at.clone(),
        to: run.at.clone(),
        explanation,
        key_terms: Vec::new(),
        amount: None,
        metrics: BTreeMap::from([("score".to_owned(), result.score)]),
        provenance: Some(format!("{} {} {}", run.lists_version, run.config, run.engine)),
    }
}

impl HitStore for Store {
    fn apply_screening(&mut self, run: &ScreeningRun, screened: &[Screened]) -> Result<RunReport> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let report = apply::apply(&tx, run, screened)?;
        tx.commit()?;
        Ok(report)
    }

    fn decide(&mut self, request: &DecisionRequest) -> Result<Decision> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let decision = decide_in(&tx, request)?;
        tx.commit()?;
        Ok(decision)
    }

    fn hit(&self, id: &str) -> Result<Option<StoredHit>> {
        load_hit(&self.conn, id)
    }

    fn hits(&self, filter: &HitFilter) -> Result<Vec<StoredHit>> {
        let mut sql = format!("{SELECT_HIT} WHERE h.id > ?1");
        let mut values: Vec<String> = vec![filter.after.clone().unwrap_or_default()];
        if let Some(status) = filter.status {
            values.push(status.as_str().to_owned());
            sql += &format!(" AND h.status = ?{}", values.len());
        }
        if let Some(customer) = &filter.customer {
            values.push(customer.clone());
            sql += &format!(" AND h.customer_id = ?{}", values.len());
        }
        if let Some(entity) = &filter.entity {
            values.push(entity.clone());
            sql += &format!(" AND h.entity_id = ?{}", values.len());
        }
        sql += " ORDER BY h.id";
        if filter.limit > 0 {
            sql += &format!(" LIMIT {}", filter.limit);
        }
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(values))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(hit_from_row(row)?);
        }
        Ok(out)
    }

    fn decisions(&self, hit: Option<&str>, after: u64, limit: usize) -> Result<Vec<Decision>> {
        let limit = if limit == 0 { i64::MAX } else { limit as i64 };
        let mut out = Vec::new();
        let mut stmt;
        let mut rows = match hit {
            Some(hit) => {
                stmt = self.conn.prepare_cached(&format!(
                    "{SELECT_DECISION} WHERE hit_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3"
                ))?;
                stmt.query(params![hit, after, limit])?
            }
            None => {
                stmt = self.conn.prepare_cached(&format!(
                    "{SELECT_DECISION} WHERE id > ?1 ORDER BY id LIMIT ?2"
                ))?;
                stmt.query(params![after, limit])?
            }
        };
        while let Some(row) = rows.next()? {
            out.push(decision_from_row(row)?);
        }
        Ok(out)
    }

    fn listed_snapshot(&self, hash: &str) -> Result<Option<Entity>> {
        snapshot(&self.conn, hash)
    }

    fn customers_with_hits_on(&self, entity_ids: &[String]) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT customer_id FROM hits WHERE entity_id = ?1 AND status != 'closed'",
        )?;
        let mut out = Vec::new();
        for id in entity_ids {
            let rows = stmt.query_map([id], |row| row.get::<_, String>(0))?;
            for row in rows {
                out.push(row?);
            }
        }
        out.sort();
        out.dedup();
        Ok(out)
    }

    fn hit_entity_ids(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare(
            "SELECT DISTINCT entity_id FROM hits WHERE status != 'closed' ORDER BY entity_id",
        )?;
        let rows = stmt.query_map([], |row| row.get::<_, String>(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn screened_lists(&self) -> Result<Vec<(String, u64)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT dataset, version FROM screened_lists ORDER BY dataset")?;
        let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn list_change_since(&self, from: &[(String, u64)]) -> Result<ListDelta> {
        delta::list_change_since(&self.conn, from)
    }

    fn screening_settings(&self) -> Result<ScreeningSettings> {
        apply::read_settings(&self.conn)
    }
}

#[cfg(test)]
mod tests;
