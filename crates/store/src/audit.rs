//! The append-only, hash-chained audit trail.
//!
//! Every change to what Vigia screens against (an import accepted or
//! refused, an activation, an export) is recorded here in the same SQLite
//! transaction as the change itself, so the trail and the data cannot
//! disagree. Each record's `hash` is SHA-256 over [`record_hash`]'s
//! canonical serialisation, which includes the previous record's hash:
//! editing, inserting or deleting any row breaks the chain at that row, and
//! [`AuditLog::verify`] names it.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{Result, Store};

/// The `prev_hash` of the first record.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An event to record: who did what to which subject, and when.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAuditEvent {
    /// When it happened (RFC 3339, UTC), given by the caller: the store does
    /// not read the clock.
    pub at: String,
    /// Who did it (a user, `cli:<user>`, an API key's name).
    pub actor: String,
    /// What was done, dotted: `lists.import`, `lists.import.refused`,
    /// `lists.activate`, `lists.export`, ...
    pub action: String,
    /// What it was done to: a version label `dataset@version`, a dataset.
    pub subject: String,
    /// Everything else worth keeping, as a JSON object.
    pub details: serde_json::Value,
}

/// A recorded audit event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// Position in the trail, from 1, without gaps.
    pub seq: u64,
    /// When it happened (RFC 3339, UTC).
    pub at: String,
    /// Who did it.
    pub actor: String,
    /// What was done.
    pub action: String,
    /// What it was done to.
    pub subject: String,
    /// The details as stored: JSON text, hashed byte for byte.
    pub details: String,
    /// The hash of the previous record ([`GENESIS_HASH`] for the first).
    pub prev_hash: String,
    /// SHA-256 over this record's canonical serialisation, hex.
    pub hash: String,
}

/// The result of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Verification {
    /// Every record hashes to what it says and links to its predecessor.
    Intact {
        /// Records checked.
        events: u64,
        /// The hash of the last record ([`GENESIS_HASH`] when empty).
        head: String,
    },
    /// The chain breaks at `seq`: that record (or a neighbour of it) was
    /// edited, inserted or deleted outside Vigia.
    Broken {
        /// The first record that does not verify.
        seq: u64,
        /// What does not hold there.
        reason: String,
    },
}

impl Verification {
    /// Whether the chain is intact.
    pub fn is_intact(&self) -> bool {
        matches!(self, Verification::Intact { .. })
    }
}

/// The audit trail, whatever stores it.
pub trait AuditLog {
    /// Appends one event in its own transaction. (Changes that are audited
    /// append their event inside their own transaction instead.)
    ///
    /// # Errors
    /// The store cannot be written.
    fn record(&mut self, event: &NewAuditEvent) -> Result<AuditEvent>;

    /// Events with `seq > after`, oldest first, at most `limit`.
    ///
    /// # Errors
    /// The store cannot be read.
    fn events(&self, after: u64, limit: usize) -> Result<Vec<AuditEvent>>;

    /// Recomputes the whole chain and names the first record that breaks it.
    ///
    /// # Errors
    /// The store cannot be read (a broken chain is not an error: it is
    /// [`Verification::Broken`]).
    fn verify(&self) -> Result<Verification>;
}

/// SHA-256, hex, over the canonical serialisation of a record: the JSON
/// array `[seq, at, actor, action, subject, details, prev_hash]`, where
/// `details` is the stored JSON text as a string. A JSON array of scalars
/// serialises one way only, so the hash does not depend on map ordering or
/// on the JSON library's options.
pub fn record_hash(
    seq: u64,
    at: &str,
    actor: &str,
    action: &str,
    subject: &str,
    details: &str,
    prev_hash: &str,
) -> String {
    let canonical = serde_json::json!([seq, at, actor, action, subject, details, prev_hash]);
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

/// Appends an event on `conn`, which the caller has inside a write
/// transaction (so that the event and the change it records commit
/// together, and no other writer can interleave in the chain).
pub(crate) fn append(conn: &Connection, event: &NewAuditEvent) -> Result<AuditEvent> {
    let last: Option<(u64, String)> = conn
        .query_row("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?;
    let (seq, prev_hash) = match last {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS_HASH.to_owned()),
    };
    let details = event.details.to_string();
    let hash = record_hash(
        seq,
        &event.at,
        &event.actor,
        &event.action,
        &event.subject,
        &details,
        &prev_hash,
    );
    conn.execute(
        "INSERT INTO audit_events (seq, at, actor, action, subject, details, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![seq, event.at, event.actor, event.action, event.subject, details, prev_hash, hash],
    )?;
    Ok(AuditEvent {
        seq,
        at: event.at.clone(),
        actor: event.actor.clone(),
        action: event.action.clone(),
        subject: event.subject.clone(),
        details,
        prev_hash,
        hash,
    })
}

fn event_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<AuditEvent> {
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
}

const SELECT_EVENTS: &str =
    "SELECT seq, at, actor, action, subject, details, prev_hash, hash FROM audit_events";

impl AuditLog for Store {
    fn record(&mut self, event: &NewAuditEvent) -> Result<AuditEvent> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let recorded = append(&tx, event)?;
        tx.commit()?;
        Ok(recorded)
    }

    fn events(&self, after: u64, limit: usize) -> Result<Vec<AuditEvent>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{SELECT_EVENTS} WHERE seq > ?1 ORDER BY seq LIMIT ?2"))?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt.query_map(params![after, limit], event_from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn verify(&self) -> Result<Verification> {
        let mut stmt = self.conn.prepare(&format!("{SELECT_EVENTS} ORDER BY seq"))?;
        let mut rows = stmt.query([])?;
        let mut expected_seq = 1u64;
        let mut prev_hash = GENESIS_HASH.to_owned();
        while let Some(row) = rows.next()? {
            let event = event_from_row(row)?;
            if event.seq != expected_seq {
                return Ok(Verification::Broken {
                    seq: event.seq,
                    reason: format!("expected record {expected_seq} here: records are missing"),
                });
            }
            if event.prev_hash != prev_hash {
                return Ok(Verification::Broken {
                    seq: event.seq,
                    reason: "prev_hash does not match the previous record's hash".into(),
                });
            }
            let hash = record_hash(
                event.seq,
                &event.at,
                &event.actor,
                &event.action,
                &event.subject,
                &event.details,
                &event.prev_hash,
            );
            if hash != event.hash {
                return Ok(Verification::Broken {
                    seq: event.seq,
                    reason: "the record's content does not match its hash".into(),
                });
            }
            prev_hash = event.hash;
            expected_seq += 1;
        }
        Ok(Verification::Intact { events: expected_seq - 1, head: prev_hash })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(action: &str, n: u64) -> NewAuditEvent {
        NewAuditEvent {
            at: format!("2026-01-01T00:00:{n:02}Z"),
            actor: "test".into(),
            action: action.into(),
            subject: format!("ds@{n}"),
            details: serde_json::json!({"n": n, "why": "because"}),
        }
    }

    fn store_with(n: u64) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        for i in 1..=n {
            store.record(&event("test.event", i)).unwrap();
        }
        (dir, store)
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let (_dir, store) = store_with(5);
        let Verification::Intact { events, head } = store.verify().unwrap() else {
            panic!("chain should verify");
        };
        assert_eq!(events, 5);
        assert_eq!(head, store.events(4, 10).unwrap()[0].hash);
        let all = store.events(0, 100).unwrap();
        assert_eq!(all[0].prev_hash, GENESIS_HASH);
        assert_eq!(all[1].prev_hash, all[0].hash);
    }

    #[test]
    fn an_empty_chain_verifies() {
        let (_dir, store) = store_with(0);
        assert_eq!(
            store.verify().unwrap(),
            Verification::Intact { events: 0, head: GENESIS_HASH.into() }
        );
    }

    #[test]
    fn the_trail_refuses_updates_and_deletes() {
        let (_dir, store) = store_with(2);
        let update = store.conn.execute("UPDATE audit_events SET actor = 'x' WHERE seq = 1", []);
        assert!(update.unwrap_err().to_string().contains("append-only"));
        let delete = store.conn.execute("DELETE FROM audit_events WHERE seq = 2", []);
        assert!(delete.unwrap_err().to_string().contains("append-only"));
    }

    /// Tampering by hand, data-driven: each case drops the guard triggers,
    /// changes the trail with raw SQL, and names the record where
    /// verification must fail.
    #[test]
    fn tampering_by_hand_is_found_at_the_right_record() {
        let cases: &[(&str, u64)] = &[
            ("UPDATE audit_events SET details = '{\"n\":3,\"why\":\"edited\"}' WHERE seq = 3", 3),
            ("UPDATE audit_events SET actor = 'mallory' WHERE seq = 1", 1),
            ("UPDATE audit_events SET at = '2020-01-01T00:00:00Z' WHERE seq = 5", 5),
            ("DELETE FROM audit_events WHERE seq = 2", 3),
            // Rewriting a record and its hash still breaks the link to the next.
            ("UPDATE audit_events SET subject = 'x', hash = 'ff' WHERE seq = 4", 4),
            ("UPDATE audit_events SET hash = prev_hash WHERE seq = 2", 2),
        ];
        for (sql, broken_at) in cases {
            let (_dir, store) = store_with(5);
            store
                .conn
                .execute_batch(
                    "DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;",
                )
                .unwrap();
            store.conn.execute(sql, []).unwrap();
            match store.verify().unwrap() {
                Verification::Broken { seq, .. } => assert_eq!(seq, *broken_at, "{sql}"),
                intact => panic!("{sql}: verified as {intact:?}"),
            }
        }
    }

    #[test]
    fn a_record_rewritten_with_a_fresh_hash_breaks_the_next_link() {
        let (_dir, store) = store_with(3);
        store.conn.execute_batch("DROP TRIGGER audit_events_no_update;").unwrap();
        let forged =
            record_hash(2, "t", "mallory", "a", "s", "{}", &store.events(0, 1).unwrap()[0].hash);
        store
            .conn
            .execute(
                "UPDATE audit_events SET at='t', actor='mallory', action='a', subject='s', details='{}', hash=?1 WHERE seq=2",
                [forged],
            )
            .unwrap();
        let Verification::Broken { seq, reason } = store.verify().unwrap() else {
            panic!("forgery should not verify");
        };
        assert_eq!(seq, 3);
        assert!(reason.contains("prev_hash"), "{reason}");
    }
}
