//! Reading versions and entities, and the [`ListStore`] implementation.

use rusqlite::{Connection, OptionalExtension, params};
use vigia_model::{Entity, ListVersion, Schema, prop};

use super::import::{Base, Import};
use super::{
    EntityDetail, EntityFilter, ImportRequest, ImportStart, ListStore, VersionDiff, merge,
};
use crate::audit::{self, NewAuditEvent};
use crate::{Error, Result, Store};

const VERSION_COLUMNS: &str = "lv.id, lv.dataset, lv.version, lv.publisher, lv.format, \
     lv.published, lv.content_hash, lv.imported_at, lv.entity_count, lv.source, lv.set_hash";

fn version_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, ListVersion, String)> {
    Ok((
        row.get(0)?,
        ListVersion {
            dataset: row.get(1)?,
            version: row.get(2)?,
            publisher: row.get(3)?,
            format: row.get(4)?,
            published: row.get(5)?,
            content_hash: row.get(6)?,
            imported_at: row.get(7)?,
            entity_count: row.get(8)?,
            source: row.get(9)?,
        },
        row.get(10)?,
    ))
}

/// The active version of a dataset, with its row id and set hash.
pub(super) fn active_version_row(conn: &Connection, dataset: &str) -> Result<Option<Base>> {
    let row = conn
        .prepare_cached(&format!(
            "SELECT {VERSION_COLUMNS} FROM active_versions a
             JOIN list_versions lv ON lv.id = a.version_id WHERE a.dataset = ?1"
        ))?
        .query_row([dataset], version_from_row)
        .optional()?;
    Ok(row.map(|(id, version, set_hash)| Base { id, version, set_hash }))
}

pub(super) fn version_by_id(conn: &Connection, id: i64) -> Result<ListVersion> {
    let (_, version, _) = conn
        .prepare_cached(&format!(
            "SELECT {VERSION_COLUMNS} FROM list_versions lv WHERE lv.id = ?1"
        ))?
        .query_row([id], version_from_row)?;
    Ok(version)
}

/// A version's row id by dataset and number.
pub(super) fn version_row(
    conn: &Connection,
    dataset: &str,
    version: u64,
) -> Result<(i64, ListVersion)> {
    conn.prepare_cached(&format!(
        "SELECT {VERSION_COLUMNS} FROM list_versions lv WHERE lv.dataset = ?1 AND lv.version = ?2"
    ))?
    .query_row(params![dataset, version], version_from_row)
    .optional()?
    .map(|(id, version, _)| (id, version))
    .ok_or_else(|| Error::NotFound(format!("{dataset} has no version {version}")))
}

/// Reads a stored body back into an entity with its per-version timestamps.
pub(super) fn decode(
    body: &str,
    first_seen: Option<String>,
    last_seen: Option<String>,
    last_change: Option<String>,
) -> Result<Entity> {
    let mut entity: Entity = serde_json::from_str(body).map_err(|err| {
        Error::DataCorruption(format!("a stored entity does not read back: {err}"))
    })?;
    entity.first_seen = first_seen;
    entity.last_seen = last_seen;
    entity.last_change = last_change;
    Ok(entity)
}

fn entity_from_row(row: &rusqlite::Row<'_>, offset: usize) -> Result<Entity> {
    // The body is read where SQLite holds it rather than copied into a
    // string first: loading the lists decodes every active body.
    let body = row
        .get_ref(offset)?
        .as_str()
        .map_err(|err| Error::DataCorruption(format!("a stored entity body is not text: {err}")))?;
    decode(body, row.get(offset + 1)?, row.get(offset + 2)?, row.get(offset + 3)?)
}

fn active_versions(conn: &Connection) -> Result<Vec<ListVersion>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {VERSION_COLUMNS} FROM active_versions a
         JOIN list_versions lv ON lv.id = a.version_id ORDER BY a.dataset"
    ))?;
    let rows = stmt.query_map([], version_from_row)?;
    Ok(rows.map(|r| r.map(|(_, v, _)| v)).collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The names of the schemata screening matches against.
fn matchable_schemata() -> Vec<&'static str> {
    Schema::KNOWN.iter().filter(|s| s.is_matchable()).map(|s| s.name()).collect()
}

fn placeholders(start: usize, count: usize) -> String {
    (start..start + count).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ")
}

impl ListStore for Store {
    type Import<'a> = Import<'a>;

    fn begin_import(&mut self, request: ImportRequest) -> Result<ImportStart<Import<'_>>> {
        self.begin(request)
    }

    fn activate(
        &mut self,
        dataset: &str,
        version: u64,
        at: &str,
        actor: &str,
    ) -> Result<ListVersion> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let (id, list_version) = version_row(&tx, dataset, version)?;
        let previous = active_version_row(&tx, dataset)?.map(|b| b.version.version);
        tx.execute(
            "INSERT INTO active_versions (dataset, version_id) VALUES (?1, ?2)
             ON CONFLICT (dataset) DO UPDATE SET version_id = excluded.version_id",
            params![dataset, id],
        )?;
        audit::append(
            &tx,
            &NewAuditEvent {
                at: at.to_owned(),
                actor: actor.to_owned(),
                action: "lists.activate".into(),
                subject: list_version.label(),
                details: serde_json::json!({
                    "dataset": dataset, "version": version, "previous": previous,
                }),
            },
        )?;
        tx.commit()?;
        Ok(list_version)
    }

    fn record_export(
        &mut self,
        dataset: Option<&str>,
        entities: u64,
        destination: &str,
        at: &str,
        actor: &str,
    ) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let versions: Vec<String> = active_versions(&tx)?
            .iter()
            .filter(|v| dataset.is_none_or(|d| d == v.dataset))
            .map(ListVersion::label)
            .collect();
        audit::append(
            &tx,
            &NewAuditEvent {
                at: at.to_owned(),
                actor: actor.to_owned(),
                action: "lists.export".into(),
                subject: dataset.unwrap_or("*").to_owned(),
                details: serde_json::json!({
                    "versions": versions, "entities": entities, "destination": destination,
                }),
            },
        )?;
        tx.commit()?;
        Ok(())
    }

    fn active_versions(&self) -> Result<Vec<ListVersion>> {
        active_versions(&self.conn)
    }

    fn active_version(&self, dataset: &str) -> Result<Option<ListVersion>> {
        Ok(active_version_row(&self.conn, dataset)?.map(|b| b.version))
    }

    fn versions(&self, dataset: &str) -> Result<Vec<ListVersion>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {VERSION_COLUMNS} FROM list_versions lv WHERE lv.dataset = ?1 ORDER BY lv.version"
        ))?;
        let rows = stmt.query_map([dataset], version_from_row)?;
        Ok(rows.map(|r| r.map(|(_, v, _)| v)).collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn for_each_active_entity(
        &self,
        filter: &EntityFilter,
        visit: &mut dyn FnMut(Entity) -> bool,
    ) -> Result<u64> {
        // One query per active version, in dataset order, each reading its
        // entities in the order of the primary key (version, entity id).
        // One query over every version ordered by dataset and entity id
        // gives the same rows in the same order, but SQLite sorts each
        // dataset's rows (bodies included) in a temporary b-tree to get
        // there: it cannot tell that a dataset has one active version.
        // The reads share one snapshot, so that an import committed between
        // two of them never shows half of a change of active versions.
        let _snapshot =
            if self.conn.is_autocommit() { Some(self.conn.unchecked_transaction()?) } else { None };
        let mut versions: Vec<(String, i64)> = {
            let mut stmt = self.conn.prepare_cached(
                "SELECT dataset, version_id FROM active_versions ORDER BY dataset",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        if !filter.datasets.is_empty() {
            versions.retain(|(dataset, _)| filter.datasets.contains(dataset));
        }
        let mut sql = String::from(
            "SELECT b.body, ve.first_seen, ve.last_seen, ve.last_change
             FROM version_entities ve
             JOIN entity_bodies b ON b.id = ve.body_id
             WHERE ve.version_id = ?1",
        );
        let schemata = matchable_schemata();
        if filter.matchable_only {
            sql += &format!(" AND b.schema IN ({})", placeholders(2, schemata.len()));
        }
        sql += " ORDER BY ve.entity_id";
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut visited = 0;
        for (_, version_id) in &versions {
            let mut values: Vec<&dyn rusqlite::ToSql> = vec![version_id];
            if filter.matchable_only {
                values.extend(schemata.iter().map(|s| s as &dyn rusqlite::ToSql));
            }
            let mut rows = stmt.query(values.as_slice())?;
            while let Some(row) = rows.next()? {
                visited += 1;
                if !visit(entity_from_row(row, 0)?) {
                    return Ok(visited);
                }
            }
        }
        Ok(visited)
    }

    fn entity(&self, id: &str) -> Result<Option<EntityDetail>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT a.dataset, lv.version, b.body, ve.first_seen, ve.last_seen, ve.last_change
             FROM active_versions a
             JOIN list_versions lv ON lv.id = a.version_id
             JOIN version_entities ve ON ve.version_id = a.version_id AND ve.entity_id = ?1
             JOIN entity_bodies b ON b.id = ve.body_id
             ORDER BY a.dataset",
        )?;
        let mut rows = stmt.query([id])?;
        let mut found: Option<Entity> = None;
        let mut versions = Vec::new();
        while let Some(row) = rows.next()? {
            let dataset: String = row.get(0)?;
            let version: u64 = row.get(1)?;
            versions.push(format!("{dataset}@{version}"));
            let entity = entity_from_row(row, 2)?;
            found = Some(match found {
                Some(previous) => merge(previous, entity),
                None => entity,
            });
        }
        let Some(entity) = found else { return Ok(None) };

        // Incoming references: entities of the active versions whose
        // reference properties name this id.
        let mut adjacent: Vec<Entity> = Vec::new();
        let mut incoming = self.conn.prepare_cached(
            "SELECT DISTINCT b.body, ve.first_seen, ve.last_seen, ve.last_change
             FROM entity_refs r
             JOIN active_versions a
             JOIN version_entities ve
                  ON ve.version_id = a.version_id AND ve.entity_id = r.source_id
                  AND ve.body_id = r.body_id
             JOIN entity_bodies b ON b.id = r.body_id
             WHERE r.target_id = ?1",
        )?;
        let mut rows = incoming.query([id])?;
        while let Some(row) = rows.next()? {
            adjacent.push(entity_from_row(row, 0)?);
        }
        // Outgoing references: the addresses, owners, ... it names.
        let mut outgoing = self.conn.prepare_cached(
            "SELECT b.body, ve.first_seen, ve.last_seen, ve.last_change
             FROM active_versions a
             JOIN version_entities ve ON ve.version_id = a.version_id AND ve.entity_id = ?1
             JOIN entity_bodies b ON b.id = ve.body_id",
        )?;
        for property in prop::ENTITY_PROPERTIES {
            for target in entity.get(property) {
                let mut rows = outgoing.query([target])?;
                while let Some(row) = rows.next()? {
                    adjacent.push(entity_from_row(row, 0)?);
                }
            }
        }
        adjacent.sort_by(|a, b| a.id.cmp(&b.id));
        adjacent.dedup_by(|a, b| a.id == b.id && a == b);
        Ok(Some(EntityDetail { entity, versions, adjacent }))
    }

    fn diff(&self, dataset: &str, from: Option<u64>, to: Option<u64>) -> Result<VersionDiff> {
        super::diff::diff(&self.conn, dataset, from, to)
    }
}
