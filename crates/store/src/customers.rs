//! Registered customers and counterparties: whom Vigia screens, and
//! rescreens when a list changes.
//!
//! A customer is the institution's stable id and a history of versions.
//! A version is the customer's screening projection
//! ([`vigia_workflow::customer::screening_projection`]) identified by its
//! SHA-256: importing a customer whose screening input did not change
//! writes nothing; importing a change writes a new version. Versions are
//! never edited or removed (the decisions on hits refer to them). A
//! customer can be deactivated (its hits are closed) and is reactivated by
//! importing it again.
//!
//! An import is one transaction with one `customers.import` audit event,
//! whose details carry a digest of the (id, version hash) pairs it wrote:
//! either the whole file is registered or none of it.

use std::collections::HashSet;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};
use vigia_model::Entity;
use vigia_workflow::customer::{screening_hash, screening_projection, validate};

use crate::audit::{NewAuditEvent, append};
use crate::decisions::close_customer_hits;
use crate::{Error, Result, Store};

/// What to record about an import besides its customers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerImportRequest {
    /// Where the customers come from: a file name, `api`.
    pub source: String,
    /// SHA-256 of the input bytes, hex (empty when there are none).
    pub content_hash: String,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Who.
    pub actor: String,
    /// Deactivate the active customers the import does not hold (the file
    /// is the whole customer base).
    pub deactivate_missing: bool,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CustomerImportReport {
    /// The import's number.
    pub import: u64,
    /// Customers in the input.
    pub received: u64,
    /// New customers.
    pub added: u64,
    /// Customers with a new version.
    pub changed: u64,
    /// Customers whose screening input did not change.
    pub unchanged: u64,
    /// Deactivated customers imported again (active again).
    pub reactivated: u64,
    /// Active customers missing from the input, deactivated
    /// (`deactivate_missing`).
    pub deactivated: u64,
    /// Hits closed because their customer was deactivated.
    pub hits_closed: u64,
    /// The audit record of the import.
    pub audit_seq: u64,
}

/// A registered customer, at its current version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Customer {
    /// The institution's id.
    pub id: String,
    /// The current version number (from 1).
    pub version: u64,
    /// The current version's screening hash.
    pub hash: String,
    /// Whether the customer is screened.
    pub active: bool,
    /// The current version's screening projection.
    pub entity: Entity,
    /// When the customer was first registered.
    pub created_at: String,
    /// When the customer last changed (a version, a deactivation).
    pub updated_at: String,
    /// Why the customer was deactivated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inactive_reason: Option<String>,
    /// The version the last screening saw (0: never screened).
    pub screened_version: u64,
}

impl Customer {
    /// Whether the current version still waits for a screening.
    pub fn pending(&self) -> bool {
        self.active && self.screened_version < self.version
    }
}

/// One version of a customer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerVersion {
    /// The version number.
    pub version: u64,
    /// Its screening hash.
    pub hash: String,
    /// Its screening projection.
    pub entity: Entity,
    /// When it was written.
    pub created_at: String,
    /// The import that wrote it.
    pub import: u64,
}

/// A customer as screening needs it: id, version and projection.
#[derive(Debug, Clone, PartialEq)]
pub struct ScreeningSubject {
    /// The customer's id.
    pub id: String,
    /// The version screened.
    pub version: u64,
    /// Its screening hash.
    pub hash: String,
    /// Its projection (the query).
    pub entity: Entity,
}

/// Which customers to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerFilter {
    /// Include deactivated customers.
    pub inactive: bool,
    /// Only customers whose current version waits for a screening.
    pub pending_only: bool,
    /// Only ids after this one (paging).
    pub after: Option<String>,
    /// At most this many (0: no limit).
    pub limit: usize,
}

/// Counts of registered customers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CustomerCounts {
    /// Screened customers.
    pub active: u64,
    /// Deactivated customers.
    pub inactive: u64,
    /// Active customers whose current version waits for a screening.
    pub pending: u64,
}

/// The customer operations, whatever the backend.
pub trait CustomerStore {
    /// Registers customers in one transaction: new customers, new
    /// versions of changed ones, reactivations, and (with
    /// `deactivate_missing`) deactivations, with one audit event.
    ///
    /// # Errors
    /// A customer that cannot be registered (no id, no name, a schema that
    /// cannot be screened) or an id given twice, named in the message
    /// ([`Error::Invalid`]); nothing is written then. A storage error.
    fn import_customers(
        &mut self,
        request: &CustomerImportRequest,
        customers: &[Entity],
    ) -> Result<CustomerImportReport>;

    /// Deactivates customers and closes their hits, in one transaction
    /// with an audit event per customer. Returns how many hits were closed.
    ///
    /// # Errors
    /// An id that is not registered ([`Error::NotFound`]; nothing is
    /// written), an empty reason, or a storage error.
    fn deactivate_customers(
        &mut self,
        ids: &[String],
        reason: &str,
        at: &str,
        actor: &str,
    ) -> Result<u64>;

    /// A customer by id.
    ///
    /// # Errors
    /// A storage error, or a stored version that does not read back.
    fn customer(&self, id: &str) -> Result<Option<Customer>>;

    /// Every version of a customer, oldest first.
    ///
    /// # Errors
    /// A storage error.
    fn customer_versions(&self, id: &str) -> Result<Vec<CustomerVersion>>;

    /// Customers by id.
    ///
    /// # Errors
    /// A storage error.
    fn customers(&self, filter: &CustomerFilter) -> Result<Vec<Customer>>;

    /// How many customers are registered.
    ///
    /// # Errors
    /// A storage error.
    fn customer_counts(&self) -> Result<CustomerCounts>;

    /// Calls `visit` with every active customer (or, with `pending_only`,
    /// every active customer whose current version was not screened), by
    /// id, until it returns false. Returns how many were visited.
    ///
    /// # Errors
    /// A storage error, or a stored version that does not read back.
    fn for_each_screening_subject(
        &self,
        pending_only: bool,
        visit: &mut dyn FnMut(ScreeningSubject) -> bool,
    ) -> Result<u64>;
}

pub(crate) fn decode(body: &str) -> Result<Entity> {
    serde_json::from_str(body)
        .map_err(|e| Error::DataCorruption(format!("a stored customer does not read back: {e}")))
}

const SELECT_CUSTOMER: &str = "SELECT c.id, c.version, c.hash, c.active, v.body, c.created_at, \
     c.updated_at, c.inactive_reason, c.screened_version \
     FROM customers c JOIN customer_versions v ON v.customer_id = c.id AND v.version = c.version";

fn customer_from_row(row: &rusqlite::Row<'_>) -> Result<Customer> {
    let body: String = row.get(4)?;
    Ok(Customer {
        id: row.get(0)?,
        version: row.get(1)?,
        hash: row.get(2)?,
        active: row.get(3)?,
        entity: decode(&body)?,
        created_at: row.get(5)?,
        updated_at: row.get(6)?,
        inactive_reason: row.get(7)?,
        screened_version: row.get(8)?,
    })
}

/// The body of one customer version.
pub(crate) fn version_body(conn: &Connection, id: &str, version: u64) -> Result<Option<Entity>> {
    let body: Option<String> = conn
        .prepare_cached(
            "SELECT body FROM customer_versions WHERE customer_id = ?1 AND version = ?2",
        )?
        .query_row(params![id, version], |row| row.get(0))
        .optional()?;
    body.map(|b| decode(&b)).transpose()
}

/// The current version and hash of an active customer.
pub(crate) fn current_version(conn: &Connection, id: &str) -> Result<Option<(u64, String, bool)>> {
    Ok(conn
        .prepare_cached("SELECT version, hash, active FROM customers WHERE id = ?1")?
        .query_row([id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .optional()?)
}

/// Marks a customer's version as screened.
pub(crate) fn mark_screened(conn: &Connection, id: &str, version: u64) -> Result<()> {
    conn.prepare_cached(
        "UPDATE customers SET screened_version = ?2 WHERE id = ?1 AND screened_version < ?2",
    )?
    .execute(params![id, version])?;
    Ok(())
}

fn deactivate(conn: &Connection, id: &str, reason: &str, at: &str) -> Result<()> {
    conn.prepare_cached(
        "UPDATE customers SET active = 0, inactive_reason = ?2, updated_at = ?3 WHERE id = ?1",
    )?
    .execute(params![id, reason, at])?;
    Ok(())
}

impl CustomerStore for Store {
    fn import_customers(
        &mut self,
        request: &CustomerImportRequest,
        customers: &[Entity],
    ) -> Result<CustomerImportReport> {
        let mut seen: HashSet<&str> = HashSet::with_capacity(customers.len());
        for (i, customer) in customers.iter().enumerate() {
            validate(customer).map_err(|e| {
                Error::Invalid(format!("customer {} ({}): {e}", i + 1, customer.id))
            })?;
            if !seen.insert(customer.id.as_str()) {
                return Err(Error::Invalid(format!(
                    "customer {} ({}): the id is given twice",
                    i + 1,
                    customer.id
                )));
            }
        }
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO customer_imports (at, actor, source, content_hash, received, added,
                 changed, unchanged, reactivated, deactivated, audit_seq)
             VALUES (?1, ?2, ?3, ?4, ?5, 0, 0, 0, 0, 0, 0)",
            params![
                request.at,
                request.actor,
                request.source,
                request.content_hash,
                customers.len() as u64
            ],
        )?;
        let import = tx.last_insert_rowid() as u64;
        crate::rescreen::keys::claim(&tx)?;
        let mut report =
            CustomerImportReport { import, received: customers.len() as u64, ..Default::default() };
        // The digest of what this import wrote: (id, hash) of every new
        // version, in input order, length-prefixed.
        let mut digest = Sha256::new();
        for customer in customers {
            let projection = screening_projection(customer);
            let hash = screening_hash(customer);
            let existing = current_version(&tx, &customer.id)?;
            let version = match &existing {
                None => {
                    tx.prepare_cached(
                        "INSERT INTO customers (id, version, hash, active, created_at, updated_at)
                         VALUES (?1, 1, ?2, 1, ?3, ?3)",
                    )?
                    .execute(params![customer.id, hash, request.at])?;
                    report.added += 1;
                    Some(1)
                }
                Some((version, stored, active)) if *stored == hash => {
                    if *active {
                        report.unchanged += 1;
                    } else {
                        // Back in the screened population: screened again.
                        tx.prepare_cached(
                            "UPDATE customers SET active = 1, inactive_reason = NULL,
                                 updated_at = ?2, screened_version = 0 WHERE id = ?1",
                        )?
                        .execute(params![customer.id, request.at])?;
                        report.reactivated += 1;
                    }
                    let _ = version;
                    None
                }
                Some((version, _, active)) => {
                    let next = version + 1;
                    tx.prepare_cached(
                        "UPDATE customers SET version = ?2, hash = ?3, active = 1,
                             inactive_reason = NULL, updated_at = ?4 WHERE id = ?1",
                    )?
                    .execute(params![customer.id, next, hash, request.at])?;
                    if *active {
                        report.changed += 1;
                    } else {
                        report.reactivated += 1;
                    }
                    Some(next)
                }
            };
            if let Some(version) = version {
                let body = serde_json::to_string(&projection)
                    .map_err(|e| Error::Invalid(format!("customer {}: {e}", customer.id)))?;
                tx.prepare_cached(
                    "INSERT INTO customer_versions
                         (customer_id, version, hash, schema, body, import_id, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?
                .execute(params![
                    customer.id,
                    version,
                    hash,
                    projection.schema.name(),
                    body,
                    import,
                    request.at
                ])?;
                // What a delta rescreen looks the customer up by (ADR 0118).
                crate::rescreen::keys::write(&tx, &customer.id, version, &projection)?;
                digest.update((customer.id.len() as u64).to_le_bytes());
                digest.update(customer.id.as_bytes());
                digest.update(hash.as_bytes());
            }
        }
        let mut deactivated_ids = Vec::new();
        if request.deactivate_missing {
            let mut stmt = tx.prepare("SELECT id FROM customers WHERE active = 1 ORDER BY id")?;
            let ids = stmt.query_map([], |row| row.get::<_, String>(0))?;
            for id in ids {
                let id = id?;
                if !seen.contains(id.as_str()) {
                    deactivated_ids.push(id);
                }
            }
            drop(stmt);
            let reason = format!("not in the import of {}", request.source);
            for id in &deactivated_ids {
                deactivate(&tx, id, &reason, &request.at)?;
                report.hits_closed +=
                    close_customer_hits(&tx, id, &reason, &request.at, &request.actor)?;
            }
            report.deactivated = deactivated_ids.len() as u64;
        }
        const SAMPLE: usize = 100;
        let event = append(
            &tx,
            &NewAuditEvent {
                at: request.at.clone(),
                actor: request.actor.clone(),
                action: "customers.import".into(),
                subject: format!("customer-import:{import}"),
                details: serde_json::json!({
                    "source": request.source,
                    "content_hash": request.content_hash,
                    "received": report.received,
                    "added": report.added,
                    "changed": report.changed,
                    "unchanged": report.unchanged,
                    "reactivated": report.reactivated,
                    "deactivated": report.deactivated,
                    "deactivated_ids": deactivated_ids.iter().take(SAMPLE).collect::<Vec<_>>(),
                    "hits_closed": report.hits_closed,
                    "versions_digest": hex::encode(digest.finalize()),
                }),
            },
        )?;
        report.audit_seq = event.seq;
        tx.execute(
            "UPDATE customer_imports SET added = ?2, changed = ?3, unchanged = ?4,
                 reactivated = ?5, deactivated = ?6, audit_seq = ?7 WHERE id = ?1",
            params![
                import,
                report.added,
                report.changed,
                report.unchanged,
                report.reactivated,
                report.deactivated,
                report.audit_seq
            ],
        )?;
        tx.commit()?;
        Ok(report)
    }

    fn deactivate_customers(
        &mut self,
        ids: &[String],
        reason: &str,
        at: &str,
        actor: &str,
    ) -> Result<u64> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(Error::Invalid("a deactivation needs a reason".into()));
        }
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut closed = 0;
        for id in ids {
            let Some((version, _, active)) = current_version(&tx, id)? else {
                return Err(Error::NotFound(format!("no customer has the id {id:?}")));
            };
            if !active {
                continue;
            }
            deactivate(&tx, id, reason, at)?;
            let hits = close_customer_hits(&tx, id, reason, at, actor)?;
            closed += hits;
            append(
                &tx,
                &NewAuditEvent {
                    at: at.to_owned(),
                    actor: actor.to_owned(),
                    action: "customers.deactivate".into(),
                    subject: format!("customer:{id}"),
                    details: serde_json::json!({
                        "version": version, "reason": reason, "hits_closed": hits,
                    }),
                },
            )?;
        }
        tx.commit()?;
        Ok(closed)
    }

    fn customer(&self, id: &str) -> Result<Option<Customer>> {
        let mut stmt = self.conn.prepare_cached(&format!("{SELECT_CUSTOMER} WHERE c.id = ?1"))?;
        let mut rows = stmt.query([id])?;
        match rows.next()? {
            Some(row) => Ok(Some(customer_from_row(row)?)),
            None => Ok(None),
        }
    }

    fn customer_versions(&self, id: &str) -> Result<Vec<CustomerVersion>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT version, hash, body, created_at, import_id FROM customer_versions
             WHERE customer_id = ?1 ORDER BY version",
        )?;
        let mut rows = stmt.query([id])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let body: String = row.get(2)?;
            out.push(CustomerVersion {
                version: row.get(0)?,
                hash: row.get(1)?,
                entity: decode(&body)?,
                created_at: row.get(3)?,
                import: row.get(4)?,
            });
        }
        Ok(out)
    }

    fn customers(&self, filter: &CustomerFilter) -> Result<Vec<Customer>> {
        let mut sql = format!("{SELECT_CUSTOMER} WHERE c.id > ?1");
        if !filter.inactive {
            sql += " AND c.active = 1";
        }
        if filter.pending_only {
            sql += " AND c.active = 1 AND c.screened_version < c.version";
        }
        sql += " ORDER BY c.id LIMIT ?2";
        let limit = if filter.limit == 0 { i64::MAX } else { filter.limit as i64 };
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(params![filter.after.as_deref().unwrap_or(""), limit])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(customer_from_row(row)?);
        }
        Ok(out)
    }

    fn customer_counts(&self) -> Result<CustomerCounts> {
        Ok(self.conn.query_row(
            "SELECT COALESCE(SUM(active), 0), COALESCE(SUM(1 - active), 0),
                    COALESCE(SUM(active AND screened_version < version), 0)
             FROM customers",
            [],
            |row| {
                Ok(CustomerCounts {
                    active: row.get(0)?,
                    inactive: row.get(1)?,
                    pending: row.get(2)?,
                })
            },
        )?)
    }

    fn for_each_screening_subject(
        &self,
        pending_only: bool,
        visit: &mut dyn FnMut(ScreeningSubject) -> bool,
    ) -> Result<u64> {
        let mut sql = String::from(
            "SELECT c.id, c.version, c.hash, v.body FROM customers c
             JOIN customer_versions v ON v.customer_id = c.id AND v.version = c.version
             WHERE c.active = 1",
        );
        if pending_only {
            sql += " AND c.screened_version < c.version";
        }
        sql += " ORDER BY c.id";
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query([])?;
        let mut visited = 0;
        while let Some(row) = rows.next()? {
            visited += 1;
            let body: String = row.get(3)?;
            let subject = ScreeningSubject {
                id: row.get(0)?,
                version: row.get(1)?,
                hash: row.get(2)?,
                entity: decode(&body)?,
            };
            if !visit(subject) {
                break;
            }
        }
        Ok(visited)
    }
}

#[cfg(test)]
mod tests;
