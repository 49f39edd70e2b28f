//! The stored blocking keys of customers (ADR 0118).
//!
//! Every customer version's keys ([`blocking_keys`]) are kept in
//! `customer_keys`, by key id, with the vocabulary of distinct keys in
//! `rescreen_keys`. A delta rescreen asks the [`DeltaFilter`] which keys of
//! the vocabulary reach the changed entities (a few hundred thousand short
//! words, expanded against a small index) and reads the customers holding
//! one, instead of analysing every customer. The filter then decides on
//! those as it did on everyone, so the customers chosen are the same.
//!
//! Keys are written with every new customer version ([`write`], from the
//! customer import). Customers stored before the keys existed, or keyed by
//! an older analysis, are keyed by the next rescreen ([`refresh`]).

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;
use rusqlite::{Connection, OptionalExtension, params};
use vigia_model::Entity;
use vigia_workflow::rescreen::{
    BlockingKeys, DeltaFilter, blocking_keys, blocking_keys_version, floors_apply, key_floor,
};

use crate::{Result, Store};

/// Customers keyed per transaction by [`refresh`].
const BATCH: usize = 50_000;

/// The id of a key, added to the vocabulary if new.
fn key_id(conn: &Connection, key: &str) -> Result<i64> {
    let found: Option<i64> = conn
        .prepare_cached("SELECT id FROM rescreen_keys WHERE key = ?1")?
        .query_row([key], |row| row.get(0))
        .optional()?;
    if let Some(id) = found {
        return Ok(id);
    }
    conn.prepare_cached("INSERT INTO rescreen_keys (key) VALUES (?1)")?.execute([key])?;
    Ok(conn.last_insert_rowid())
}

/// Replaces a customer's keys with those of `version`.
fn replace(conn: &Connection, id: &str, version: u64, keys: &BlockingKeys) -> Result<()> {
    let old: Option<String> = conn
        .prepare_cached("SELECT key_ids FROM customer_keyed WHERE customer_id = ?1")?
        .query_row([id], |row| row.get(0))
        .optional()?;
    if let Some(old) = old {
        let mut delete = conn
            .prepare_cached("DELETE FROM customer_keys WHERE key_id = ?1 AND customer_id = ?2")?;
        for key in old.split(' ').filter_map(|k| k.parse::<i64>().ok()) {
            delete.execute(params![key, id])?;
        }
    }
    let mut ids = Vec::with_capacity(keys.keys.len());
    for key in &keys.keys {
        ids.push(key_id(conn, key)?);
    }
    let mut insert = conn.prepare_cached(
        "INSERT OR IGNORE INTO customer_keys (key_id, customer_id, floor) VALUES (?1, ?2, ?3)",
    )?;
    for key in &ids {
        insert.execute(params![key, id, f64::from(keys.floor)])?;
    }
    let joined = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(" ");
    conn.prepare_cached(
        "INSERT INTO customer_keyed (customer_id, version, key_ids) VALUES (?1, ?2, ?3)
         ON CONFLICT (customer_id) DO UPDATE SET version = ?2, key_ids = ?3",
    )?
    .execute(params![id, version, joined])?;
    Ok(())
}

/// Writes the keys of a new customer version (inside the caller's
/// transaction).
pub(crate) fn write(conn: &Connection, id: &str, version: u64, entity: &Entity) -> Result<()> {
    replace(conn, id, version, &blocking_keys(entity))
}

/// Records the analysis keys are written with, if none is recorded (a
/// store whose customers predate the keys is not complete until
/// [`refresh`] keys them). Called by an import before it writes anything.
pub(crate) fn claim(conn: &Connection) -> Result<()> {
    // Complete from the start when no customer predates the keys.
    conn.execute(
        "INSERT OR IGNORE INTO rescreen_key_state (id, analysis, complete)
         VALUES (1, ?1, NOT EXISTS (SELECT 1 FROM customers))",
        [blocking_keys_version()],
    )?;
    Ok(())
}

/// Keys every active customer whose current version has no keys from the
/// current analysis (all of them, after the analysis changed), unless the
/// store records that none lacks them. Returns how many were keyed.
pub(crate) fn refresh(store: &mut Store) -> Result<u64> {
    let analysis = blocking_keys_version();
    let stored: Option<(String, bool)> = store
        .conn
        .query_row("SELECT analysis, complete FROM rescreen_key_state WHERE id = 1", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?;
    match &stored {
        Some((stored, true)) if *stored == analysis => return Ok(0),
        Some((stored, false)) if *stored == analysis => {}
        _ => {
            let tx =
                store.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            tx.execute_batch(
                "DELETE FROM customer_keys; DELETE FROM customer_keyed; DELETE FROM rescreen_keys;",
            )?;
            tx.execute(
                "INSERT INTO rescreen_key_state (id, analysis, complete) VALUES (1, ?1, 0)
                 ON CONFLICT (id) DO UPDATE SET analysis = ?1, complete = 0",
                [&analysis],
            )?;
            tx.commit()?;
        }
    }
    let mut stale: Vec<(String, u64, String)> = Vec::new();
    {
        let mut stmt = store.conn.prepare(
            "SELECT c.id, c.version, v.body FROM customers c
             JOIN customer_versions v ON v.customer_id = c.id AND v.version = c.version
             LEFT JOIN customer_keyed k ON k.customer_id = c.id
             WHERE c.active = 1 AND (k.version IS NULL OR k.version <> c.version)",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            stale.push((row.get(0)?, row.get(1)?, row.get(2)?));
        }
    }
    let keyed = stale.len() as u64;
    for batch in stale.chunks(BATCH) {
        let keys: Vec<Result<BlockingKeys>> = batch
            .par_iter()
            .map(|(_, _, body)| Ok(blocking_keys(&crate::customers::decode(body)?)))
            .collect();
        let tx = store.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        for ((id, version, _), keys) in batch.iter().zip(keys) {
            replace(&tx, id, *version, &keys?)?;
        }
        tx.commit()?;
    }
    store.conn.execute("UPDATE rescreen_key_state SET complete = 1 WHERE id = 1", [])?;
    Ok(keyed)
}

/// The customers whose keys reach the filter's entities enough
/// ([`DeltaFilter::key_reach`], [`DeltaFilter::enough`]): every customer
/// [`DeltaFilter::may_match`] can accept is among them. `whole` is the
/// index of the active lists (the part weights).
pub(crate) fn reached(
    store: &Store,
    filter: &DeltaFilter,
    whole: &vigia_index::Index,
) -> Result<HashSet<String>> {
    let mut out = HashSet::new();
    if filter.is_empty() {
        return Ok(out);
    }
    // The vocabulary without identifiers (those are looked up directly).
    let mut vocabulary: Vec<(i64, String)> = Vec::new();
    {
        let mut stmt = store.conn.prepare("SELECT id, key FROM rescreen_keys")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let key: String = row.get(1)?;
            if !key.starts_with("i:") {
                vocabulary.push((row.get(0)?, key));
            }
        }
    }
    let mut hot: Vec<(i64, f32, f32)> = vocabulary
        .par_iter()
        .filter_map(|(id, key)| {
            filter.key_reach(whole, key).map(|reach| (*id, reach, key_floor(key)))
        })
        .collect();
    let mut lookup = store.conn.prepare_cached("SELECT id FROM rescreen_keys WHERE key = ?1")?;
    for key in filter.identifier_keys() {
        if let Some(id) = lookup.query_row([&key], |row| row.get::<_, i64>(0)).optional()? {
            hot.push((id, f32::INFINITY, 0.0));
        }
    }
    let floors = floors_apply(whole);
    // The keys that decide alone first: their customers need no sum.
    hot.sort_by(|a, b| b.1.total_cmp(&a.1));
    // Per customer: the reach of its keys, their floor, its forms' floor.
    let mut sums: HashMap<String, (f32, f32, f32)> = HashMap::new();
    let mut customers = store
        .conn
        .prepare_cached("SELECT customer_id, floor FROM customer_keys WHERE key_id = ?1")?;
    for (key, reach, key_floor) in hot {
        let alone = reach.is_infinite();
        let mut rows = customers.query([key])?;
        while let Some(row) = rows.next()? {
            let id: String = row.get(0)?;
            if alone {
                out.insert(id);
            } else if !out.contains(&id) {
                let floor = if floors { row.get::<_, f64>(1)? as f32 } else { 0.0 };
                let sum = sums.entry(id).or_insert((0.0, 0.0, floor));
                sum.0 += reach;
                sum.1 += key_floor;
            }
        }
    }
    out.extend(
        sums.into_iter()
            .filter(|(_, (reach, hot_floor, floor))| filter.enough(*reach, *hot_floor, *floor))
            .map(|(id, _)| id),
    );
    Ok(out)
}
