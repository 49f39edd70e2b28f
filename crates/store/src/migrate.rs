//! Schema migrations: plain SQL files applied in order by a tiny runner.
//!
//! Each migration runs once, in its own transaction, and is recorded in
//! `schema_version` with the SHA-256 of its SQL. A database that records a
//! migration this build does not know (written by a newer Vigia), or whose
//! recorded SQL hash differs from ours (an edited migration), is refused
//! rather than guessed at.

use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::{Error, Result};

/// A migration: its number, a short name and its SQL.
struct Migration {
    version: u32,
    name: &'static str,
    sql: &'static str,
}

/// Every migration, in order. Append only: never edit one that shipped.
const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, name: "lists", sql: include_str!("../migrations/0001_lists.sql") },
    Migration { version: 2, name: "audit", sql: include_str!("../migrations/0002_audit.sql") },
    Migration {
        version: 3,
        name: "api_keys",
        sql: include_str!("../migrations/0003_api_keys.sql"),
    },
    Migration {
        version: 4,
        name: "customers_decisions",
        sql: include_str!("../migrations/0004_customers_decisions.sql"),
    },
    Migration { version: 5, name: "cases", sql: include_str!("../migrations/0005_cases.sql") },
    Migration {
        version: 6,
        name: "rescreen_keys",
        sql: include_str!("../migrations/0006_rescreen_keys.sql"),
    },
];

/// The schema version this build writes.
pub(crate) const SCHEMA_VERSION: u32 = 6;

/// Brings the database up to [`SCHEMA_VERSION`].
pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_version (
             version  INTEGER PRIMARY KEY,
             name     TEXT NOT NULL,
             sql_hash TEXT NOT NULL
         )",
    )?;
    let newest: Option<u32> =
        conn.query_row("SELECT MAX(version) FROM schema_version", [], |row| row.get(0))?;
    if let Some(newest) = newest
        && newest > SCHEMA_VERSION
    {
        return Err(Error::Schema(format!(
            "the store is at schema version {newest}, this Vigia knows only up to \
             {SCHEMA_VERSION}: upgrade Vigia"
        )));
    }
    for migration in MIGRATIONS {
        let hash = hex::encode(Sha256::digest(migration.sql.as_bytes()));
        let recorded: Option<String> = conn
            .query_row(
                "SELECT sql_hash FROM schema_version WHERE version = ?1",
                [migration.version],
                |row| row.get(0),
            )
            .optional()?;
        match recorded {
            Some(recorded) if recorded == hash => continue,
            Some(_) => {
                return Err(Error::Schema(format!(
                    "migration {} ({}) differs from the one applied to this store",
                    migration.version, migration.name
                )));
            }
            None => {}
        }
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(migration.sql)?;
        tx.execute(
            "INSERT INTO schema_version (version, name, sql_hash) VALUES (?1, ?2, ?3)",
            params![migration.version, migration.name, hash],
        )?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_in_order() {
        for (index, migration) in MIGRATIONS.iter().enumerate() {
            assert_eq!(migration.version as usize, index + 1, "{}", migration.name);
        }
        assert_eq!(MIGRATIONS.len() as u32, SCHEMA_VERSION);
    }

    #[test]
    fn migrating_twice_is_a_no_op() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        migrate(&mut conn).unwrap();
        let count: u32 =
            conn.query_row("SELECT COUNT(*) FROM schema_version", [], |r| r.get(0)).unwrap();
        assert_eq!(count, SCHEMA_VERSION);
    }

    #[test]
    fn a_newer_store_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        conn.execute("INSERT INTO schema_version VALUES (99, 'future', '')", []).unwrap();
        let err = migrate(&mut conn).unwrap_err();
        assert!(err.to_string().contains("upgrade Vigia"), "{err}");
    }

    #[test]
    fn an_edited_migration_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        conn.execute("UPDATE schema_version SET sql_hash = 'x' WHERE version = 1", []).unwrap();
        let err = migrate(&mut conn).unwrap_err();
        assert!(err.to_string().contains("differs"), "{err}");
    }
}
