//! Writing screening results: hit transitions, their audit events and
//! alerts, closures, the watermark and the settings, on one transaction.

use std::collections::BTreeSet;

use rusqlite::{Connection, OptionalExtension, params};
use vigia_model::Entity;
use vigia_workflow::change::{Change, ChangeKind, Review, Side};
use vigia_workflow::hit::{Binding, DecisionState, Observation, Transition, observe};
use vigia_workflow::rescreen::Match;

use super::{
    RunReport, Screened, ScreeningRun, ScreeningSettings, StoredHit, customer_hits, hit_alert,
    hit_id, snapshot,
};
use crate::alerts::{AlertSource, Raised, raise_alert_in};
use crate::audit::{NewAuditEvent, append};
use crate::customers::{current_version, mark_screened, version_body};
use crate::{Error, Result};

/// A review that says the decided versions cannot be read: material, so
/// the hit goes back to an analyst rather than staying cleared on a
/// decision nobody can check.
fn unreadable(what: &str) -> Review {
    Review {
        changes: vec![Change {
            side: Side::Listed,
            property: "snapshot".into(),
            kind: ChangeKind::Changed,
            before: None,
            after: None,
            material: true,
            reason: format!("the {what} the decision was taken on cannot be read"),
        }],
    }
}

/// Compares the versions a decision was taken on with the current ones.
fn review_decision(
    conn: &Connection,
    customer_id: &str,
    decision: &DecisionState,
    customer: &Entity,
    listed: &Entity,
) -> Result<Review> {
    let Some(decided_customer) =
        version_body(conn, customer_id, decision.binding.customer_version)?
    else {
        return Ok(unreadable("customer version"));
    };
    let Some(decided_listed) = snapshot(conn, &decision.binding.entity_hash)? else {
        return Ok(unreadable("listed entity version"));
    };
    Ok(vigia_workflow::change::review(&decided_customer, &decided_listed, customer, listed))
}

fn store_snapshot(conn: &Connection, found: &Match) -> Result<()> {
    let body = found.entity.canonical_json();
    conn.prepare_cached(
        "INSERT INTO listed_snapshots (hash, entity_id, body) VALUES (?1, ?2, ?3)
         ON CONFLICT (hash) DO NOTHING",
    )?
    .execute(params![found.entity_hash, found.entity.id, body])?;
    Ok(())
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Invalid(format!("cannot serialise: {e}")))
}

/// Parses the run's time for the alert queue.
fn timestamp(at: &str) -> Result<jiff::Timestamp> {
    at.parse().map_err(|e| Error::Invalid(format!("{at:?} is not an RFC 3339 time: {e}")))
}

/// Writes one transition of one pair, with its audit event and alert.
struct Writer<'a> {
    conn: &'a Connection,
    run: &'a ScreeningRun,
    report: &'a mut RunReport,
}

impl Writer<'_> {
    /// Writes what `transition` does to the pair (`hit`: the stored hit,
    /// `found`: the match, for transitions that bind).
    fn write(
        &mut self,
        customer: &str,
        hit: Option<&StoredHit>,
        binding: Option<&Binding>,
        found: Option<&Match>,
        transition: &Transition,
    ) -> Result<()> {
        let Some(action) = transition.action() else { return Ok(()) };
        let conn = self.conn;
        let run = self.run;
        let entity_id = hit
            .map(|h| h.entity_id.clone())
            .or_else(|| found.map(|m| m.result.id.clone()))
            .unwrap_or_default();
        let id = hit.map_or_else(|| hit_id(customer, &entity_id), |h| h.id.clone());
        let status = transition.status_after(hit.map(|h| h.status)).map(|s| s.as_str());
        let openings = hit.map_or(1, |h| h.openings)
            + u64::from(matches!(transition, Transition::Reopen { .. }));
        let mut details = serde_json::json!({
            "customer": customer,
            "entity": entity_id,
            "status": {"from": hit.map(|h| h.status.as_str()), "to": status},
            "run": run.mode.as_str(),
            "lists_version": run.lists_version,
        });
        let mut reason: Option<String> = hit.and_then(|h| h.reason.clone());
        match transition {
            Transition::Reopen { reasons, review } => {
                reason = Some(reasons.join("; "));
                details["reasons"] = serde_json::json!(reasons);
                if let Some(review) = review {
                    details["changes"] = serde_json::json!(review.changes);
                }
            }
            Transition::KeepCleared { review } | Transition::Restore { review } => {
                details["changes"] = serde_json::json!(review.changes);
                if matches!(transition, Transition::Restore { .. }) {
                    reason = None;
                }
            }
            Transition::Close { reason: why } => {
                reason = Some(why.clone());
                details["reason"] = serde_json::json!(why);
            }
            _ => {}
        }
        if let (Some(binding), Some(found)) = (binding.filter(|_| transition.binds()), found) {
            store_snapshot(conn, found)?;
            details["customer_version"] = serde_json::json!(binding.customer_version);
            details["customer_hash"] = serde_json::json!(binding.customer_hash);
            details["entity_hash"] = serde_json::json!(binding.entity_hash);
            details["score"] = serde_json::json!(found.result.score);
            details["config"] = serde_json::json!(run.config);
            if let Some(hit) = hit
                && hit.binding != *binding
            {
                details["previous"] = serde_json::json!(hit.binding);
            }
            let result = &found.result;
            let values = params![
                id,
                customer,
                entity_id,
                status.unwrap_or("open"),
                binding.customer_version,
                binding.customer_hash,
                binding.entity_hash,
                result.caption,
                result.schema,
                to_json(&result.datasets)?,
                result.score,
                to_json(&result.explanations)?,
                run.lists_version,
                run.settings.algorithm,
                run.config,
                run.engine,
                openings,
                reason,
                run.at
            ];
            if hit.is_none() {
                conn.prepare_cached(
                    "INSERT INTO hits (id, customer_id, entity_id, status, matched,
                         customer_version, customer_hash, entity_hash, caption, schema, datasets,
                         score, explanations, lists_version, algorithm, config, engine, openings,
                         reason, first_seen_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,
                         ?16, ?17, ?18, ?19, ?19)",
                )?
                .execute(values)?;
            } else {
                conn.prepare_cached(
                    "UPDATE hits SET status = ?4, matched = 1, customer_version = ?5,
                         customer_hash = ?6, entity_hash = ?7, caption = ?8, schema = ?9,
                         datasets = ?10, score = ?11, explanations = ?12, lists_version = ?13,
                         algorithm = ?14, config = ?15, engine = ?16, openings = ?17,
                         reason = ?18, updated_at = ?19
                     WHERE id = ?1 AND customer_id = ?2 AND entity_id = ?3",
                )?
                .execute(values)?;
            }
        } else {
            // Unmatched, closed: status and reason only; the binding stays
            // that of the latest matching screening.
            conn.prepare_cached(
                "UPDATE hits SET status = ?2, matched = 0, reason = ?3, updated_at = ?4
                 WHERE id = ?1",
            )?
            .execute(params![id, status.unwrap_or("closed"), reason, run.at])?;
        }
        append(
            conn,
            &NewAuditEvent {
                at: run.at.clone(),
                actor: run.actor.clone(),
                action: action.to_owned(),
                subject: format!("hit:{id}"),
                details,
            },
        )?;
        match transition {
            Transition::Open => self.report.opened += 1,
            Transition::Reopen { .. } => self.report.reopened += 1,
            Transition::Rebind => self.report.rebound += 1,
            Transition::KeepCleared { .. } => self.report.kept_cleared += 1,
            Transition::Restore { .. } => self.report.restored += 1,
            Transition::Unmatched => self.report.unmatched += 1,
            Transition::Close { .. } => self.report.closed += 1,
            Transition::Nothing => {}
        }
        if transition.raises_alert()
            && let Some(found) = found
        {
            let reopened = match transition {
                Transition::Reopen { reasons, .. } => Some(reasons.join("; ")),
                _ => None,
            };
            let alert = hit_alert(&id, openings, customer, found, run, reopened.as_deref());
            let raised = Raised {
                at: timestamp(&run.at)?,
                actor: run.actor.clone(),
                source: AlertSource::Screening,
            };
            raise_alert_in(conn, &alert, &raised)?;
            self.report.alerts += 1;
            self.report.opened_hits.push(id);
        }
        Ok(())
    }
}

/// Applies a screening run on `conn` (inside the caller's transaction).
pub(super) fn apply(
    conn: &Connection,
    run: &ScreeningRun,
    screened: &[Screened],
) -> Result<RunReport> {
    timestamp(&run.at)?;
    let mut report = RunReport::default();
    for customer in screened {
        let Some((version, hash, active)) = current_version(conn, &customer.customer_id)? else {
            return Err(Error::NotFound(format!(
                "no customer has the id {:?}",
                customer.customer_id
            )));
        };
        if !active || version != customer.version {
            report.stale += 1;
            continue;
        }
        let Some(current) = version_body(conn, &customer.customer_id, version)? else {
            return Err(Error::DataCorruption(format!(
                "customer {} has no version {version}",
                customer.customer_id
            )));
        };
        let hits = customer_hits(conn, &customer.customer_id)?;
        let mut writer = Writer { conn, run, report: &mut report };
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        for found in &customer.matches {
            if !seen.insert(found.result.id.as_str()) {
                continue;
            }
            let binding = Binding {
                customer_version: version,
                customer_hash: hash.clone(),
                entity_hash: found.entity_hash.clone(),
            };
            let hit = hits.get(&found.result.id);
            let mut failure = None;
            let transition = observe(
                hit.map(StoredHit::state).as_ref(),
                &Observation::Matched(&binding),
                &mut |decision| {
                    review_decision(conn, &customer.customer_id, decision, &current, &found.entity)
                        .unwrap_or_else(|e| {
                            failure = Some(e);
                            Review::default()
                        })
                },
            );
            if let Some(e) = failure {
                return Err(e);
            }
            writer.write(&customer.customer_id, hit, Some(&binding), Some(found), &transition)?;
        }
        for (entity, hit) in &hits {
            if seen.contains(entity.as_str()) {
                continue;
            }
            let transition =
                observe(Some(&hit.state()), &Observation::NotMatched, &mut |_| Review::default());
            writer.write(&customer.customer_id, Some(hit), None, None, &transition)?;
        }
        mark_screened(conn, &customer.customer_id, version)?;
        report.screened += 1;
    }
    for entity in &run.removed {
        let mut stmt = conn.prepare_cached(&format!(
            "{} WHERE h.entity_id = ?1 AND h.status != 'closed'",
            super::SELECT_HIT
        ))?;
        let mut rows = stmt.query([entity])?;
        let mut hits = Vec::new();
        while let Some(row) = rows.next()? {
            hits.push(super::hit_from_row(row)?);
        }
        drop(rows);
        let mut writer = Writer { conn, run, report: &mut report };
        for hit in hits {
            let transition = observe(
                Some(&hit.state()),
                &Observation::EntityRemoved { lists: &run.lists_version },
                &mut |_| Review::default(),
            );
            writer.write(&hit.customer_id.clone(), Some(&hit), None, None, &transition)?;
        }
    }
    if run.watermark {
        conn.execute("DELETE FROM screened_lists", [])?;
        let mut stmt =
            conn.prepare_cached("INSERT INTO screened_lists (dataset, version) VALUES (?1, ?2)")?;
        for (dataset, version) in &run.lists {
            stmt.execute(params![dataset, version])?;
        }
    }
    let stored = read_settings(conn)?;
    if stored != run.settings {
        write_settings(conn, &run.settings)?;
        append(
            conn,
            &NewAuditEvent {
                at: run.at.clone(),
                actor: run.actor.clone(),
                action: "screening.settings".into(),
                subject: "screening".into(),
                details: serde_json::json!({"from": stored, "to": run.settings}),
            },
        )?;
    }
    let event = append(
        conn,
        &NewAuditEvent {
            at: run.at.clone(),
            actor: run.actor.clone(),
            action: "screening.run".into(),
            subject: format!("screening:{}", run.mode.as_str()),
            details: serde_json::json!({
                "mode": run.mode.as_str(),
                "lists_version": run.lists_version,
                "lists": run.lists,
                "watermark": run.watermark,
                "settings": run.settings,
                "config": run.config,
                "engine": run.engine,
                "removed_entities": run.removed.len(),
                "screened": report.screened,
                "stale": report.stale,
                "opened": report.opened,
                "reopened": report.reopened,
                "kept_cleared": report.kept_cleared,
                "restored": report.restored,
                "rebound": report.rebound,
                "unmatched": report.unmatched,
                "closed": report.closed,
                "alerts": report.alerts,
                "details": run.details,
            }),
        },
    )?;
    report.audit_seq = event.seq;
    Ok(report)
}

/// Closes every hit of a customer that is not closed (the customer was
/// deactivated), with an audit event per hit, on `conn` (inside the
/// caller's transaction). Returns how many were closed.
///
/// # Errors
/// A storage error.
pub fn close_customer_hits(
    conn: &Connection,
    customer: &str,
    reason: &str,
    at: &str,
    actor: &str,
) -> Result<u64> {
    let hits = customer_hits(conn, customer)?;
    let mut closed = 0;
    for hit in hits.values() {
        let transition =
            observe(Some(&hit.state()), &Observation::CustomerDeactivated { reason }, &mut |_| {
                Review::default()
            });
        let Transition::Close { reason: why } = &transition else { continue };
        conn.prepare_cached(
            "UPDATE hits SET status = 'closed', matched = 0, reason = ?2, updated_at = ?3
             WHERE id = ?1",
        )?
        .execute(params![hit.id, why, at])?;
        append(
            conn,
            &NewAuditEvent {
                at: at.to_owned(),
                actor: actor.to_owned(),
                action: "hits.close".into(),
                subject: format!("hit:{}", hit.id),
                details: serde_json::json!({
                    "customer": customer,
                    "entity": hit.entity_id,
                    "status": {"from": hit.status.as_str(), "to": "closed"},
                    "reason": why,
                }),
            },
        )?;
        closed += 1;
    }
    Ok(closed)
}

pub(super) fn read_settings(conn: &Connection) -> Result<ScreeningSettings> {
    let mut settings = ScreeningSettings::default();
    let threshold: Option<String> = conn
        .prepare_cached("SELECT value FROM screening_settings WHERE name = 'threshold'")?
        .query_row([], |row| row.get(0))
        .optional()?;
    if let Some(threshold) = threshold {
        settings.threshold = threshold.parse().map_err(|e| {
            Error::DataCorruption(format!("screening threshold {threshold:?}: {e}"))
        })?;
    }
    let algorithm: Option<String> = conn
        .prepare_cached("SELECT value FROM screening_settings WHERE name = 'algorithm'")?
        .query_row([], |row| row.get(0))
        .optional()?;
    if let Some(algorithm) = algorithm {
        settings.algorithm = algorithm;
    }
    Ok(settings)
}

fn write_settings(conn: &Connection, settings: &ScreeningSettings) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO screening_settings (name, value) VALUES (?1, ?2)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
    )?;
    stmt.execute(params!["threshold", settings.threshold.to_string()])?;
    stmt.execute(params!["algorithm", settings.algorithm])?;
    Ok(())
}
