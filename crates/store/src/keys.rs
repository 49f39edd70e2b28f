//! API keys for the HTTP server: who may call it, with which role, on
//! which datasets.
//!
//! The store keeps a SHA-256 of each key, never the key itself, plus a short
//! public id (the key's first characters) to tell keys apart. Creating and
//! revoking a key are recorded in the audit trail in the same transaction.
//! Roles are plain strings here: the server decides what each may do, so a
//! new role needs no migration.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::audit::{self, NewAuditEvent};
use crate::{Error, Result, Store};

/// A key to create: everything but the secret, which the store never sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiKey {
    /// The public id: the key's first characters.
    pub id: String,
    /// A name for people ("payments-gateway", "alice").
    pub name: String,
    /// SHA-256 of the whole key, hex.
    pub hash: String,
    /// The role (`screen`, `admin`, `analyst`, `supervisor`; the server
    /// decides what each may do, ADRs 0102 and 0107).
    pub role: String,
    /// The datasets the key may read; empty: all.
    pub datasets: Vec<String>,
    /// When (RFC 3339, UTC).
    pub created_at: String,
    /// Who created it (recorded in the audit trail).
    pub actor: String,
}

/// A stored key, without its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiKey {
    /// The public id: the key's first characters.
    pub id: String,
    /// The name.
    pub name: String,
    /// The role.
    pub role: String,
    /// The datasets the key may read; empty: all.
    pub datasets: Vec<String>,
    /// When it was created.
    pub created_at: String,
    /// Who created it.
    pub created_by: String,
    /// When it was revoked, if it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
    /// Who revoked it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_by: Option<String>,
}

impl ApiKey {
    /// Whether the key still opens the server.
    pub fn is_active(&self) -> bool {
        self.revoked_at.is_none()
    }
}

/// The key operations, whatever the backend.
pub trait KeyStore {
    /// Stores a new key and records its creation in the audit trail.
    ///
    /// # Errors
    /// The id or hash already exists, or a storage error.
    fn create_key(&mut self, key: &NewApiKey) -> Result<ApiKey>;

    /// Every key, active and revoked, oldest first.
    ///
    /// # Errors
    /// A storage error.
    fn keys(&self) -> Result<Vec<ApiKey>>;

    /// The key whose SHA-256 is `hash` (hex), revoked or not.
    ///
    /// # Errors
    /// A storage error.
    fn key_by_hash(&self, hash: &str) -> Result<Option<ApiKey>>;

    /// Revokes the active key with this id, or the one active key with this
    /// name, and records it in the audit trail. Takes effect at once: the
    /// server looks keys up on every request.
    ///
    /// # Errors
    /// No active key has this id or name, several active keys have this
    /// name, or a storage error.
    fn revoke_key(&mut self, id_or_name: &str, at: &str, actor: &str) -> Result<ApiKey>;
}

const KEY_COLUMNS: &str =
    "id, name, role, datasets, created_at, created_by, revoked_at, revoked_by";

fn key_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(ApiKey, String)> {
    Ok((
        ApiKey {
            id: row.get(0)?,
            name: row.get(1)?,
            role: row.get(2)?,
            datasets: Vec::new(),
            created_at: row.get(4)?,
            created_by: row.get(5)?,
            revoked_at: row.get(6)?,
            revoked_by: row.get(7)?,
        },
        row.get(3)?,
    ))
}

fn decode((mut key, datasets): (ApiKey, String)) -> Result<ApiKey> {
    key.datasets = serde_json::from_str(&datasets).map_err(|err| {
        Error::DataCorruption(format!("key {}: datasets do not read back: {err}", key.id))
    })?;
    Ok(key)
}

impl KeyStore for Store {
    fn create_key(&mut self, key: &NewApiKey) -> Result<ApiKey> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let datasets = serde_json::to_string(&key.datasets).unwrap_or_else(|_| "[]".to_owned());
        tx.execute(
            "INSERT INTO api_keys (id, name, hash, role, datasets, created_at, created_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![key.id, key.name, key.hash, key.role, datasets, key.created_at, key.actor],
        )?;
        audit::append(
            &tx,
            &NewAuditEvent {
                at: key.created_at.clone(),
                actor: key.actor.clone(),
                action: "keys.create".into(),
                subject: key.id.clone(),
                details: serde_json::json!({
                    "name": key.name, "role": key.role, "datasets": key.datasets,
                }),
            },
        )?;
        tx.commit()?;
        Ok(ApiKey {
            id: key.id.clone(),
            name: key.name.clone(),
            role: key.role.clone(),
            datasets: key.datasets.clone(),
            created_at: key.created_at.clone(),
            created_by: key.actor.clone(),
            revoked_at: None,
            revoked_by: None,
        })
    }

    fn keys(&self) -> Result<Vec<ApiKey>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {KEY_COLUMNS} FROM api_keys ORDER BY created_at, id"
        ))?;
        let rows = stmt.query_map([], key_from_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter().map(decode).collect()
    }

    fn key_by_hash(&self, hash: &str) -> Result<Option<ApiKey>> {
        let row = self
            .conn
            .prepare_cached(&format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE hash = ?1"))?
            .query_row([hash], key_from_row)
            .optional()?;
        row.map(decode).transpose()
    }

    fn revoke_key(&mut self, id_or_name: &str, at: &str, actor: &str) -> Result<ApiKey> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let matches = {
            let mut stmt = tx.prepare_cached(&format!(
                "SELECT {KEY_COLUMNS} FROM api_keys
                 WHERE revoked_at IS NULL AND (id = ?1 OR name = ?1) ORDER BY id"
            ))?;
            stmt.query_map([id_or_name], key_from_row)?.collect::<rusqlite::Result<Vec<_>>>()?
        };
        // An id names one key; a name may name several, and then the caller
        // must say which.
        let by_id: Vec<_> = matches.iter().filter(|(k, _)| k.id == id_or_name).cloned().collect();
        let chosen = match (by_id.len(), matches.len()) {
            (1, _) => by_id.into_iter().next(),
            (_, 1) => matches.into_iter().next(),
            (_, 0) => None,
            (_, n) => {
                return Err(Error::NotFound(format!(
                    "{n} active keys are named {id_or_name:?}: revoke one by its id"
                )));
            }
        };
        let Some(row) = chosen else {
            return Err(Error::NotFound(format!(
                "no active key has the id or name {id_or_name:?}"
            )));
        };
        let mut key = decode(row)?;
        tx.execute(
            "UPDATE api_keys SET revoked_at = ?2, revoked_by = ?3 WHERE id = ?1",
            params![key.id, at, actor],
        )?;
        audit::append(
            &tx,
            &NewAuditEvent {
                at: at.to_owned(),
                actor: actor.to_owned(),
                action: "keys.revoke".into(),
                subject: key.id.clone(),
                details: serde_json::json!({"name": key.name, "role": key.role}),
            },
        )?;
        tx.commit()?;
        key.revoked_at = Some(at.to_owned());
        key.revoked_by = Some(actor.to_owned());
        Ok(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AuditLog;

    fn new_key(id: &str, name: &str, hash: &str) -> NewApiKey {
        NewApiKey {
            id: id.into(),
            name: name.into(),
            hash: hash.into(),
            role: "screen".into(),
            datasets: vec!["un_sc_sanctions".into()],
            created_at: "2026-01-01T00:00:00Z".into(),
            actor: "cli:test".into(),
        }
    }

    #[test]
    fn keys_are_created_found_by_hash_and_revoked_with_audit_records() {
        let mut store = Store::open_in_memory().unwrap();
        let created = store.create_key(&new_key("vk_aaaa", "gateway", "h1")).unwrap();
        assert!(created.is_active());
        assert_eq!(store.key_by_hash("h1").unwrap(), Some(created.clone()));
        assert_eq!(store.key_by_hash("h2").unwrap(), None);
        assert_eq!(store.keys().unwrap(), vec![created]);

        let revoked = store.revoke_key("gateway", "2026-01-02T00:00:00Z", "cli:test").unwrap();
        assert!(!revoked.is_active());
        assert!(!store.key_by_hash("h1").unwrap().unwrap().is_active());
        // Revoked keys cannot be revoked again.
        let err = store.revoke_key("vk_aaaa", "t", "cli:test").unwrap_err();
        assert!(err.to_string().contains("no active key"), "{err}");

        let actions: Vec<String> =
            store.events(0, 10).unwrap().into_iter().map(|e| e.action).collect();
        assert_eq!(actions, ["keys.create", "keys.revoke"]);
        assert!(store.verify().unwrap().is_intact());
    }

    #[test]
    fn a_shared_name_must_be_revoked_by_id() {
        let mut store = Store::open_in_memory().unwrap();
        store.create_key(&new_key("vk_aaaa", "ops", "h1")).unwrap();
        store.create_key(&new_key("vk_bbbb", "ops", "h2")).unwrap();
        let err = store.revoke_key("ops", "t", "cli:test").unwrap_err();
        assert!(err.to_string().contains("by its id"), "{err}");
        assert_eq!(store.revoke_key("vk_bbbb", "t", "cli:test").unwrap().name, "ops");
        // Now the name is unambiguous.
        assert_eq!(store.revoke_key("ops", "t", "cli:test").unwrap().id, "vk_aaaa");
    }

    #[test]
    fn duplicate_ids_and_hashes_are_refused() {
        let mut store = Store::open_in_memory().unwrap();
        store.create_key(&new_key("vk_aaaa", "a", "h1")).unwrap();
        assert!(store.create_key(&new_key("vk_aaaa", "b", "h2")).is_err());
        assert!(store.create_key(&new_key("vk_cccc", "c", "h1")).is_err());
        assert_eq!(store.keys().unwrap().len(), 1);
    }
}
