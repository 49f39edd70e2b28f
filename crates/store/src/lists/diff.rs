//! Differences between two versions of a dataset.

use rusqlite::Connection;
use vigia_model::Entity;

use super::query::{active_version_row, decode, version_row};
use super::{DiffEntry, VersionDiff};
use crate::{Error, Result};

/// (entity id, body row id) of a version, by id. A body row id stands for
/// one content: equal ids, equal entities.
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
    decode(&body, None, None, None)
}

fn entry(entity: &Entity, properties: Vec<String>) -> DiffEntry {
    DiffEntry {
        id: entity.id.clone(),
        schema: entity.schema.name().to_owned(),
        caption: entity.caption().to_owned(),
        properties,
    }
}

/// What differs between two records of the same id: the changed
/// properties, else whichever entity-level field differs.
fn changed_fields(old: &Entity, new: &Entity) -> Vec<String> {
    let mut changed = old.changed_properties(new);
    if changed.is_empty() {
        let (old, new) = (old.canonical(), new.canonical());
        if old.datasets != new.datasets {
            changed.push("datasets".into());
        }
        if old.referents != new.referents {
            changed.push("referents".into());
        }
        if old.target != new.target {
            changed.push("target".into());
        }
    }
    changed
}

pub(super) fn diff(
    conn: &Connection,
    dataset: &str,
    from: Option<u64>,
    to: Option<u64>,
) -> Result<VersionDiff> {
    let to = match to {
        Some(to) => to,
        None => {
            active_version_row(conn, dataset)?
                .ok_or_else(|| Error::NotFound(format!("no version of {dataset} is active")))?
                .version
                .version
        }
    };
    let from = from.or(to.checked_sub(1).filter(|v| *v > 0));
    let (to_id, _) = version_row(conn, dataset, to)?;
    let newer = members(conn, to_id)?;
    let older = match from {
        Some(from) => members(conn, version_row(conn, dataset, from)?.0)?,
        None => Vec::new(),
    };
    let mut result = VersionDiff {
        dataset: dataset.to_owned(),
        from,
        to,
        added: Vec::new(),
        removed: Vec::new(),
        changed: Vec::new(),
    };
    // Both lists are sorted by id: one merge pass.
    let (mut i, mut j) = (0, 0);
    while i < older.len() || j < newer.len() {
        let order = match (older.get(i), newer.get(j)) {
            (Some(old), Some(new)) => old.0.cmp(&new.0),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        match order {
            std::cmp::Ordering::Less => {
                result.removed.push(entry(&body(conn, older[i].1)?, Vec::new()));
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                result.added.push(entry(&body(conn, newer[j].1)?, Vec::new()));
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                if older[i].1 != newer[j].1 {
                    let old = body(conn, older[i].1)?;
                    let new = body(conn, newer[j].1)?;
                    result.changed.push(entry(&new, changed_fields(&old, &new)));
                }
                i += 1;
                j += 1;
            }
        }
    }
    Ok(result)
}
