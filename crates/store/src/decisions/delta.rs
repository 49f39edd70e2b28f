//! What changed in the lists since customers were last screened.

use rusqlite::{Connection, OptionalExtension, params};
use vigia_model::Entity;
use vigia_workflow::rescreen::ListChange;

use crate::{Error, Result};

/// The change from the watermark to the active versions.
#[derive(Debug, Clone, Default)]
pub struct ListDelta {
    /// Added, changed and removed entities, over every dataset.
    pub change: ListChange,
    /// The active versions, by dataset (the next watermark).
    pub to: Vec<(String, u64)>,
    /// Datasets of the watermark whose entities cannot be read (the
    /// built-in watchlist, a version that no longer exists): only a full
    /// rescreen can account for them.
    pub unreadable: Vec<String>,
}

impl ListDelta {
    /// Whether the delta accounts for everything that changed.
    pub fn is_complete(&self) -> bool {
        self.unreadable.is_empty()
    }
}

/// (entity id, body row id) of a version, by id.
fn members(conn: &Connection, version_id: i64) -> Result<Vec<(String, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT entity_id, body_id FROM version_entities WHERE version_id = ?1 ORDER BY entity_id",
    )?;
    let rows = stmt.query_map([version_id], |row| Ok((row.get(0)?, row.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

fn body(conn: &Connection, id: i64) -> Result<Entity> {
    let body: String = conn
        .prepare_cached("SELECT body FROM entity_bodies WHERE id = ?1")?
        .query_row([id], |row| row.get(0))?;
    serde_json::from_str(&body)
        .map_err(|e| Error::DataCorruption(format!("a stored entity does not read back: {e}")))
}

fn version_id(conn: &Connection, dataset: &str, version: u64) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT id FROM list_versions WHERE dataset = ?1 AND version = ?2")?
        .query_row(params![dataset, version], |row| row.get(0))
        .optional()?)
}

/// Adds what changed from version row `old` (none: nothing) to `new`
/// (none: nothing) to `change`. Both member lists are sorted by id: one
/// merge pass; a body row stands for one content.
fn diff_into(
    conn: &Connection,
    old: Option<i64>,
    new: Option<i64>,
    change: &mut ListChange,
) -> Result<()> {
    let older = match old {
        Some(id) => members(conn, id)?,
        None => Vec::new(),
    };
    let newer = match new {
        Some(id) => members(conn, id)?,
        None => Vec::new(),
    };
    let (mut i, mut j) = (0, 0);
    while i < older.len() || j < newer.len() {
        let order = match (older.get(i), newer.get(j)) {
            (Some(a), Some(b)) => a.0.cmp(&b.0),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        match order {
            std::cmp::Ordering::Less => {
                change.removed.push(body(conn, older[i].1)?);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                change.added.push(body(conn, newer[j].1)?);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                if older[i].1 != newer[j].1 {
                    change.changed.push((body(conn, older[i].1)?, body(conn, newer[j].1)?));
                }
                i += 1;
                j += 1;
            }
        }
    }
    Ok(())
}

pub(super) fn list_change_since(conn: &Connection, from: &[(String, u64)]) -> Result<ListDelta> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.dataset, lv.version, lv.id FROM active_versions a
         JOIN list_versions lv ON lv.id = a.version_id ORDER BY a.dataset",
    )?;
    let active: Vec<(String, u64, i64)> = stmt
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut delta = ListDelta {
        to: active.iter().map(|(d, v, _)| (d.clone(), *v)).collect(),
        ..ListDelta::default()
    };
    for (dataset, version, id) in &active {
        match from.iter().find(|(d, _)| d == dataset) {
            Some((_, screened)) if screened == version => {}
            Some((_, screened)) => match version_id(conn, dataset, *screened)? {
                Some(old) => diff_into(conn, Some(old), Some(*id), &mut delta.change)?,
                None => delta.unreadable.push(dataset.clone()),
            },
            None => diff_into(conn, None, Some(*id), &mut delta.change)?,
        }
    }
    for (dataset, screened) in from {
        if active.iter().any(|(d, _, _)| d == dataset) {
            continue;
        }
        match version_id(conn, dataset, *screened)? {
            Some(old) => diff_into(conn, Some(old), None, &mut delta.change)?,
            None => delta.unreadable.push(dataset.clone()),
        }
    }
    Ok(delta)
}
