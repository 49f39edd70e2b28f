//! API keys: generation, hashing, roles and the check on every request.
//!
//! A key is `vgk_` followed by 64 hex digits (256 random bits from the
//! operating system's generator, through `rand`'s thread-local CSPRNG). The
//! store keeps its SHA-256 and its first twelve characters as a public id
//! (ADR 0102). Clients send it as `Authorization: ApiKey <key>` (the scheme
//! OpenSanctions' hosted API uses) or `Authorization: Bearer <key>`.
//!
//! Every request looks its key up in the store (a point read by primary
//! key, microseconds), so `vigia keys revoke` in another process takes
//! effect on the next request. A failed check is logged with the path, the
//! client address and the reason, never with the key.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use vigia_store::KeyStore;

use crate::error::ApiError;
use crate::state::{AppState, StorePool};

/// What a route needs the caller to be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Screen, search, read entities, the catalog, algorithms, metrics.
    Screen,
    /// Update and reload lists.
    Admin,
    /// Register customers (and so screen them into hits and alerts).
    Register,
    /// Read customers, hits, decisions, the alert queue and cases.
    CaseRead,
    /// Decide hits and change cases; the case rules then check whether
    /// the caller is an analyst or a supervisor (ADR 0107).
    CaseWork,
}

impl Permission {
    /// The permission's name, as the OpenAPI document and logs show it.
    pub fn name(self) -> &'static str {
        match self {
            Permission::Screen => "screen",
            Permission::Admin => "admin",
            Permission::Register => "register",
            Permission::CaseRead => "case_read",
            Permission::CaseWork => "case_work",
        }
    }
}

/// A key's role: a named set of permissions. Roles are strings in the
/// store, so a new one is a variant here, a name in [`Role::name`] and a
/// line in [`Role::grants`], with no migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Screening clients: payment systems, onboarding.
    Screen,
    /// Operators: lists, screening, customer registration, reading cases;
    /// not casework decisions (ADR 0107).
    Admin,
    /// Compliance analysts: screening, customers, hits, alerts and cases.
    Analyst,
    /// Compliance supervisors: what analysts do, plus the case rules'
    /// supervisor actions (approving someone else's closing request).
    Supervisor,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 4] = [Role::Screen, Role::Admin, Role::Analyst, Role::Supervisor];

    /// The role's name as stored and typed.
    pub fn name(self) -> &'static str {
        match self {
            Role::Screen => "screen",
            Role::Admin => "admin",
            Role::Analyst => "analyst",
            Role::Supervisor => "supervisor",
        }
    }

    /// Parses a role name.
    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == name.trim().to_ascii_lowercase())
    }

    /// Whether the role may do what a route needs.
    pub fn grants(self, permission: Permission) -> bool {
        use Permission as P;
        match self {
            Role::Screen => permission == P::Screen,
            Role::Admin => permission != P::CaseWork,
            Role::Analyst | Role::Supervisor => permission != P::Admin,
        }
    }

    /// The casework roles the key acts with (none: it may only read).
    pub fn casework(self) -> Vec<vigia_workflow::cases::Role> {
        use vigia_workflow::cases::Role as Case;
        match self {
            Role::Analyst => vec![Case::Analyst],
            Role::Supervisor => vec![Case::Analyst, Case::Supervisor],
            Role::Screen | Role::Admin => Vec::new(),
        }
    }
}

/// Who is calling: the key's identity, role and dataset scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The key's public id (`None` when authentication is off).
    pub key_id: Option<String>,
    /// The key's name.
    pub name: String,
    /// The role.
    pub role: Role,
    /// The datasets the key may read (`None`: all).
    pub datasets: Option<Vec<String>>,
}

impl Principal {
    /// The caller when the server runs with `--insecure-no-auth`.
    pub fn anonymous() -> Principal {
        Principal { key_id: None, name: "anonymous".into(), role: Role::Admin, datasets: None }
    }

    /// Whether the key may read this dataset.
    pub fn may_read(&self, dataset: &str) -> bool {
        self.datasets.as_ref().is_none_or(|scope| scope.iter().any(|d| d == dataset))
    }

    /// The caller as the case rules see it: the key's name is the user
    /// (so that two keys of one person are one person for the four-eyes
    /// rule), with the role's casework roles.
    pub fn case_actor(&self) -> vigia_workflow::cases::Actor {
        vigia_workflow::cases::Actor { user: self.name.clone(), roles: self.role.casework() }
    }

    /// The name recorded as the actor in the audit trail.
    pub fn actor(&self) -> String {
        match &self.key_id {
            Some(id) => format!("key:{id}:{}", self.name),
            None => "server:anonymous".to_owned(),
        }
    }
}

/// The prefix of every key.
pub const KEY_PREFIX: &str = "vgk_";
/// The length of a key's public id (the prefix and 8 hex digits).
pub const ID_LENGTH: usize = 12;

/// A new key: the secret (shown once) and what the store keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedKey {
    /// The whole key, to show to the operator once.
    pub secret: String,
    /// Its public id.
    pub id: String,
    /// Its SHA-256, hex.
    pub hash: String,
}

/// Generates a key: 256 random bits.
pub fn generate_key() -> GeneratedKey {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes[..]);
    let secret = format!("{KEY_PREFIX}{}", hex::encode(bytes));
    GeneratedKey { id: secret[..ID_LENGTH].to_owned(), hash: hash_key(&secret), secret }
}

/// SHA-256 of a key, hex: what the store keeps and looks up.
pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// The key in an `Authorization` header value: `ApiKey <key>` or
/// `Bearer <key>` (scheme case-insensitive).
pub fn key_from_header(value: &str) -> Option<&str> {
    let (scheme, key) = value.trim().split_once(' ')?;
    let key = key.trim();
    let known = scheme.eq_ignore_ascii_case("apikey") || scheme.eq_ignore_ascii_case("bearer");
    (known && !key.is_empty()).then_some(key)
}

/// How the server checks keys.
#[derive(Debug)]
pub(crate) enum Auth {
    /// `--insecure-no-auth`: everyone is an anonymous admin.
    Disabled,
    /// Keys are looked up in the store.
    Keys(Arc<StorePool>),
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    Missing,
    Malformed,
    Unknown,
    Revoked,
    BadRole,
    Store,
}

impl Failure {
    pub(crate) const ALL: [Failure; 6] = [
        Failure::Missing,
        Failure::Malformed,
        Failure::Unknown,
        Failure::Revoked,
        Failure::BadRole,
        Failure::Store,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Failure::Missing => "missing",
            Failure::Malformed => "malformed",
            Failure::Unknown => "unknown_key",
            Failure::Revoked => "revoked",
            Failure::BadRole => "role",
            Failure::Store => "store_error",
        }
    }
}

impl Auth {
    /// The caller of a request with this `Authorization` header.
    pub(crate) fn principal(
        &self,
        header: Option<&str>,
        permission: Permission,
    ) -> Result<Principal, (Failure, ApiError)> {
        let lookup = match self {
            Auth::Disabled => return Ok(Principal::anonymous()),
            Auth::Keys(lookup) => lookup,
        };
        let unauthorized = |failure: Failure, detail: &str| {
            (failure, ApiError::new(StatusCode::UNAUTHORIZED, detail.to_owned()))
        };
        let Some(header) = header else {
            return Err(unauthorized(
                Failure::Missing,
                "an API key is required: send `Authorization: ApiKey <key>`",
            ));
        };
        let Some(key) = key_from_header(header) else {
            return Err(unauthorized(
                Failure::Malformed,
                "the Authorization header must be `ApiKey <key>` or `Bearer <key>`",
            ));
        };
        let hash = hash_key(key);
        let found = lookup.with(|store| store.key_by_hash(&hash)).map_err(|err| {
            (Failure::Store, ApiError::internal(format!("looking up an API key: {err}")))
        })?;
        let Some(found) = found else {
            return Err(unauthorized(Failure::Unknown, "unknown API key"));
        };
        if !found.is_active() {
            return Err(unauthorized(Failure::Revoked, "this API key was revoked"));
        }
        let Some(role) = Role::parse(&found.role) else {
            return Err((
                Failure::BadRole,
                ApiError::forbidden(format!(
                    "this key's role {:?} is not known to this server",
                    found.role
                )),
            ));
        };
        if !role.grants(permission) {
            return Err((
                Failure::BadRole,
                ApiError::forbidden(format!(
                    "this key's role ({}) does not allow this ({} needed)",
                    role.name(),
                    permission.name()
                )),
            ));
        }
        Ok(Principal {
            key_id: Some(found.id),
            name: found.name,
            role,
            datasets: (!found.datasets.is_empty()).then_some(found.datasets),
        })
    }
}

/// Middleware: checks the key against `permission` and puts the
/// [`Principal`] in the request's extensions.
pub(crate) async fn authorize(
    State(state): State<AppState>,
    permission: Permission,
    mut request: Request,
    next: Next,
) -> Response {
    let header = request.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    match state.auth.principal(header, permission) {
        Ok(principal) => {
            request.extensions_mut().insert(principal);
            next.run(request).await
        }
        Err((failure, error)) => {
            let client = request
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.to_string())
                .unwrap_or_default();
            // Never the key: only where, who (address) and why.
            tracing::warn!(
                path = %request.uri().path(),
                client = %client,
                reason = failure.name(),
                "authentication failed"
            );
            state.metrics.auth_failure(failure);
            error.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_long_random_and_hash_to_their_stored_form() {
        let a = generate_key();
        let b = generate_key();
        assert_ne!(a.secret, b.secret);
        assert_eq!(a.secret.len(), KEY_PREFIX.len() + 64);
        assert!(a.secret.starts_with(&a.id));
        assert_eq!(a.id.len(), ID_LENGTH);
        assert_eq!(a.hash, hash_key(&a.secret));
        assert_eq!(a.hash.len(), 64);
    }

    #[test]
    fn authorization_headers() {
        let cases = [
            ("ApiKey abc", Some("abc")),
            ("apikey  abc ", Some("abc")),
            ("Bearer abc", Some("abc")),
            ("BEARER abc", Some("abc")),
            ("Basic abc", None),
            ("ApiKey", None),
            ("ApiKey ", None),
            ("abc", None),
        ];
        for (header, expected) in cases {
            assert_eq!(key_from_header(header), expected, "{header:?}");
        }
    }

    #[test]
    fn roles_grant_their_permissions() {
        assert!(Role::Admin.grants(Permission::Admin));
        assert!(Role::Admin.grants(Permission::Screen));
        assert!(Role::Admin.grants(Permission::Register));
        assert!(Role::Screen.grants(Permission::Screen));
        assert!(!Role::Screen.grants(Permission::Admin));
        assert_eq!(Role::parse(" Admin "), Some(Role::Admin));
        assert_eq!(Role::parse("root"), None);
        // Casework: analysts and supervisors work cases; operators read
        // them; screening clients see none of it.
        for role in [Role::Analyst, Role::Supervisor] {
            assert!(role.grants(Permission::CaseWork) && role.grants(Permission::Register));
            assert!(role.grants(Permission::Screen) && !role.grants(Permission::Admin));
        }
        assert!(
            Role::Admin.grants(Permission::CaseRead) && !Role::Admin.grants(Permission::CaseWork)
        );
        assert!(!Role::Screen.grants(Permission::CaseRead));
        assert!(Role::Supervisor.casework().contains(&vigia_workflow::cases::Role::Supervisor));
        assert!(Role::Admin.casework().is_empty());
        for role in Role::ALL {
            assert_eq!(Role::parse(role.name()), Some(role));
        }
    }
}
