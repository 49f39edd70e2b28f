//! The workflow endpoints: customers, hits and decisions, the alert queue,
//! cases (ADRs 0107–0109).
//!
//! - `POST /customers`: register customers (one entity, or `{"customers":
//!   [...]}`) and screen those new or changed against the served lists;
//!   the answer holds the import report, the screening report and each
//!   customer's hits.
//! - `GET /customers`, `GET /customers/{id}` (with versions and hits).
//! - `GET /hits`, `GET /hits/{id}` (with its decisions), `POST
//!   /hits/{id}/decisions` (`false_positive` or `true_match`, a reason).
//! - `GET /alerts` (the queue in priority order), `GET /alerts/{id}`.
//! - `GET /cases`, `POST /cases`, `GET /cases/{id}`, `PATCH /cases/{id}`
//!   (what the filings say), `GET /cases/{id}/history`, `POST
//!   /cases/{id}/{action}` (`assign`, `review`, `escalate`, `return`,
//!   `close`, `approve`, `reject`, `reopen`, `comments`, `attachments`,
//!   `alerts`).
//!
//! Reading needs `case_read` (analyst, supervisor, admin); registering
//! needs `register` (the same roles); deciding and changing cases needs
//! `case_work` (analyst, supervisor). Who may do what to a case (the
//! assignee, a supervisor, four eyes on closing as a true match or filed)
//! is decided by the case rules in the store's transaction, with the key's
//! name as the user and its role's casework roles: the server cannot be
//! talked past them. A refusal by those rules is a 403 when it is about
//! who asks and a 409 when it is about the case's state.

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use jiff::Timestamp;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use vigia_model::{AlertSeverity, Entity};
use vigia_store::cases::{Attachment, CaseEdit, CaseFilter, CaseStore, Change, NewCase};
use vigia_store::customers::{CustomerFilter, CustomerImportRequest, CustomerStore};
use vigia_store::decisions::{DecisionRequest, HitFilter, HitStore};
use vigia_store::{AlertFilter, AlertStatus, AlertStore};
use vigia_workflow::cases::{CaseState, Disposition, timestamp_text};
use vigia_workflow::hit::{DecisionKind, HitStatus};

use super::{guarded, query_pairs};
use crate::auth::{Permission, Principal};
use crate::error::{ApiError, json};
use crate::state::AppState;

/// The most customers one registration may hold (the body limit bounds
/// them too).
const MAX_CUSTOMERS: usize = 10_000;
/// The most rows a list answers when no `limit` is given, and the most it
/// may ask for.
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 10_000;

pub(crate) fn routes(state: &AppState) -> Router<AppState> {
    let router = Router::new()
        .route("/customers", post(register).get(customers))
        .route("/customers/{id}", get(customer))
        .route("/hits", get(hits))
        .route("/hits/{id}", get(hit))
        .route("/hits/{id}/decisions", post(decide))
        .route("/alerts", get(alerts))
        .route("/alerts/{id}", get(alert))
        .route("/cases", get(cases).post(create_case))
        .route("/cases/{id}", get(case).patch(edit_case))
        .route("/cases/{id}/history", get(case_history))
        .route("/cases/{id}/{action}", post(change_case));
    guarded(state, Permission::CaseRead, router)
}

/// Refuses (403, logged and counted as an authentication failure) a key
/// whose role lacks `permission`.
fn require(
    state: &AppState,
    principal: &Principal,
    permission: Permission,
) -> Result<(), ApiError> {
    if principal.role.grants(permission) {
        return Ok(());
    }
    tracing::warn!(
        key = principal.key_id.as_deref().unwrap_or("none"),
        role = principal.role.name(),
        needed = permission.name(),
        "authentication failed: role"
    );
    state.metrics.auth_failure(crate::auth::Failure::BadRole);
    Err(ApiError::forbidden(format!(
        "this key's role ({}) does not allow this ({} needed: an analyst or supervisor key)",
        principal.role.name(),
        permission.name()
    )))
}

/// A store error as the client sees it.
fn store_error(err: vigia_store::Error) -> ApiError {
    use vigia_store::Error as E;
    match err {
        E::NotFound(detail) => ApiError::not_found(detail),
        E::Invalid(detail) => ApiError::bad_request(detail),
        E::Refused(detail) => {
            // Refusals about who asks (a role, the assignee, four eyes) are
            // 403; those about the case's or hit's state are 409.
            const WHO: [&str; 5] =
                ["needs the", "assigned to", "analyst may only", "four-eyes", "only a supervisor"];
            let status = if WHO.iter().any(|w| detail.contains(w)) {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::CONFLICT
            };
            ApiError::new(status, detail)
        }
        other => ApiError::internal(format!("store: {other}")),
    }
}

/// Runs store work off the async runtime.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|err| Err(ApiError::internal(format!("a store task failed: {err}"))))
}

/// Runs a read on a pooled store connection, off the async threads.
async fn read<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&vigia_store::Store) -> vigia_store::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    let pool = std::sync::Arc::clone(&state.store);
    blocking(move || pool.with(f).map_err(store_error)).await
}

fn reply<T: serde::Serialize>(result: Result<T, ApiError>) -> Response {
    match result {
        Ok(value) => json(&value),
        Err(err) => err.into_response(),
    }
}

/// Decodes a JSON body; unknown fields are refused, so a misspelt field is
/// a 400 rather than silently ignored.
fn body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let bytes = if bytes.iter().all(u8::is_ascii_whitespace) { b"{}".as_slice() } else { bytes };
    serde_json::from_slice(bytes).map_err(|e| ApiError::bad_request(format!("the body: {e}")))
}

/// The query string as named values; a name this endpoint does not know,
/// or given twice, is a 400.
struct Params(BTreeMap<String, String>);

impl Params {
    fn read(uri: &Uri, known: &[&str]) -> Result<Params, ApiError> {
        let mut map = BTreeMap::new();
        for (key, value) in query_pairs(uri)? {
            if !known.contains(&key.as_str()) {
                return Err(ApiError::bad_request(format!(
                    "unknown parameter {key:?} (known: {})",
                    known.join(", ")
                )));
            }
            if map.insert(key.clone(), value).is_some() {
                return Err(ApiError::bad_request(format!("parameter {key:?} is given twice")));
            }
        }
        Ok(Params(map))
    }

    fn text(&self, name: &str) -> Option<String> {
        self.0.get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
    }

    fn parsed<T>(
        &self,
        name: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<Option<T>, ApiError> {
        self.text(name)
            .map(|v| parse(&v).map_err(|e| ApiError::bad_request(format!("{name}: {e}"))))
            .transpose()
    }

    fn flag(&self, name: &str) -> Result<bool, ApiError> {
        Ok(self
            .parsed(name, |v| match v.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => Ok(true),
                "false" | "0" | "no" => Ok(false),
                _ => Err(format!("{v:?} is not true or false")),
            })?
            .unwrap_or(false))
    }

    fn limit(&self) -> Result<usize, ApiError> {
        let limit = self.parsed("limit", |v| {
            v.parse::<usize>().map_err(|_| format!("{v:?} is not a whole number"))
        })?;
        match limit {
            Some(0) => Err(ApiError::bad_request("limit: must be at least 1")),
            Some(n) if n > MAX_LIMIT => {
                Err(ApiError::bad_request(format!("limit: at most {MAX_LIMIT}")))
            }
            Some(n) => Ok(n),
            None => Ok(DEFAULT_LIMIT),
        }
    }
}

fn from_str<T: std::str::FromStr>(v: &str) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    v.parse::<T>().map_err(|e| e.to_string())
}

fn severity(v: &str) -> Result<AlertSeverity, String> {
    serde_json::from_value(Value::String(v.to_ascii_lowercase()))
        .map_err(|_| format!("{v:?} is not low, medium, high or critical"))
}

fn now() -> (Timestamp, String) {
    let now = Timestamp::now();
    (now, timestamp_text(now))
}

// ---------------------------------------------------------------- customers

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCustomer {
    id: String,
    #[serde(default)]
    schema: Option<String>,
    #[serde(default)]
    properties: BTreeMap<String, Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegistration {
    customers: Vec<RawCustomer>,
    #[serde(default)]
    deactivate_missing: bool,
}

/// Decodes a registration: one customer, or `{"customers": [...],
/// "deactivate_missing": false}`.
pub fn decode_customers(bytes: &[u8]) -> Result<(Vec<Entity>, bool), ApiError> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("the body is not JSON: {e}")))?;
    let batch = value.as_object().is_some_and(|o| o.contains_key("customers"));
    let (raw, deactivate_missing) = if batch {
        let raw: RawRegistration = serde_json::from_value(value)
            .map_err(|e| ApiError::bad_request(format!("the body: {e}")))?;
        (raw.customers, raw.deactivate_missing)
    } else {
        let raw: RawCustomer = serde_json::from_value(value).map_err(|e| {
            ApiError::bad_request(format!(
                "the body is neither a customer ({{\"id\", \"schema\", \"properties\"}}) nor \
                 {{\"customers\": [...]}}: {e}"
            ))
        })?;
        (vec![raw], false)
    };
    if raw.is_empty() {
        return Err(ApiError::bad_request("no customer to register"));
    }
    if raw.len() > MAX_CUSTOMERS {
        return Err(ApiError::too_large(format!(
            "{} customers in one request; at most {MAX_CUSTOMERS}",
            raw.len()
        )));
    }
    let mut entities = Vec::with_capacity(raw.len());
    for customer in raw {
        let id = customer.id.trim().to_owned();
        if id.is_empty() {
            return Err(ApiError::bad_request("a customer has an empty id"));
        }
        let entity =
            crate::yente::decode_entity(&id, customer.schema.as_deref(), customer.properties)
                .map_err(|e| ApiError::bad_request(format!("customer {id:?}: {e}")))?;
        entities.push(entity);
    }
    Ok((entities, deactivate_missing))
}

async fn register(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    bytes: Bytes,
) -> Response {
    let result = async {
        require(&state, &principal, Permission::Register)?;
        let (entities, deactivate_missing) = decode_customers(&bytes)?;
        let Some(served) = state.served() else {
            return Err(ApiError::unavailable(
                "the lists are not loaded yet: customers cannot be screened",
            ));
        };
        // One registration at a time: each screens every pending customer.
        let _one = state.registering.lock().await;
        let pool = std::sync::Arc::clone(&state.store);
        let actor = principal.actor();
        let content_hash = crate::auth::hash_key(&String::from_utf8_lossy(&bytes));
        blocking(move || {
            let (_, at) = now();
            let mut store = pool.open().map_err(store_error)?;
            let request = CustomerImportRequest {
                source: "api".into(),
                content_hash,
                at: at.clone(),
                actor: actor.clone(),
                deactivate_missing,
            };
            let import = store.import_customers(&request, &entities).map_err(store_error)?;
            // The same screening as `vigia customers import`.
            let versions = vigia_store::rescreen::watermark_of(&served.lists.versions);
            let lists =
                vigia_store::rescreen::Lists { screener: &served.screener, versions: &versions };
            let (screening, rescreen_due) =
                vigia_store::rescreen::screen_pending(&mut store, lists, &at, &actor)
                    .map_err(store_error)?;
            let mut customers = Vec::with_capacity(entities.len());
            for entity in &entities {
                let filter = HitFilter {
                    customer: Some(entity.id.clone()),
                    limit: DEFAULT_LIMIT,
                    ..HitFilter::default()
                };
                let version = store.customer(&entity.id).map_err(store_error)?.map(|c| c.version);
                customers.push(serde_json::json!({
                    "id": entity.id,
                    "version": version,
                    "hits": store.hits(&filter).map_err(store_error)?,
                }));
            }
            Ok(serde_json::json!({
                "import": import,
                "screening": screening,
                "lists_version": served.lists.label,
                "rescreen_due": rescreen_due,
                "customers": customers,
            }))
        })
        .await
    }
    .await;
    reply(result)
}

async fn customers(State(state): State<AppState>, uri: Uri) -> Response {
    let result = async {
        let params = Params::read(&uri, &["after", "limit", "inactive", "pending"])?;
        let filter = CustomerFilter {
            inactive: params.flag("inactive")?,
            pending_only: params.flag("pending")?,
            after: params.text("after"),
            limit: params.limit()?,
        };
        read(&state, move |store| {
            Ok(serde_json::json!({
                "counts": store.customer_counts()?,
                "customers": store.customers(&filter)?,
            }))
        })
        .await
    }
    .await;
    reply(result)
}

async fn customer(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    reply(
        read(&state, move |store| {
            let Some(customer) = store.customer(&id)? else {
                return Err(vigia_store::Error::NotFound(format!("no customer has the id {id:?}")));
            };
            let filter =
                HitFilter { customer: Some(id.clone()), limit: MAX_LIMIT, ..HitFilter::default() };
            Ok(serde_json::json!({
                "customer": customer,
                "versions": store.customer_versions(&id)?,
                "hits": store.hits(&filter)?,
            }))
        })
        .await,
    )
}

// --------------------------------------------------------------------- hits

async fn hits(State(state): State<AppState>, uri: Uri) -> Response {
    let result = async {
        let params = Params::read(&uri, &["status", "customer", "entity", "after", "limit"])?;
        let filter = HitFilter {
            status: params.parsed("status", from_str::<HitStatus>)?,
            customer: params.text("customer"),
            entity: params.text("entity"),
            after: params.text("after"),
            limit: params.limit()?,
        };
        read(&state, move |store| Ok(serde_json::json!({"hits": store.hits(&filter)?}))).await
    }
    .await;
    reply(result)
}

async fn hit(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    reply(
        read(&state, move |store| {
            let Some(hit) = store.hit(&id)? else {
                return Err(vigia_store::Error::NotFound(format!("no hit has the id {id:?}")));
            };
            Ok(serde_json::json!({
                "hit": hit,
                "decisions": store.decisions(Some(&id), 0, MAX_LIMIT)?,
            }))
        })
        .await,
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDecision {
    kind: String,
    reason: String,
    /// The hit's `openings` as the analyst saw it: a hit re-opened since
    /// is refused (409) rather than decided blind.
    #[serde(default)]
    seen_openings: Option<u64>,
}

async fn decide(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Response {
    let result = async {
        require(&state, &principal, Permission::CaseWork)?;
        let raw: RawDecision = body(&bytes)?;
        let kind: DecisionKind =
            from_str(&raw.kind).map_err(|e| ApiError::bad_request(format!("kind: {e}")))?;
        if raw.reason.trim().is_empty() {
            return Err(ApiError::bad_request("reason: a decision needs a reason"));
        }
        let pool = std::sync::Arc::clone(&state.store);
        let author = principal.name.clone();
        blocking(move || {
            let (_, at) = now();
            pool.with_mut(|store| {
                let request = DecisionRequest {
                    hit_id: id.clone(),
                    kind,
                    reason: raw.reason,
                    author,
                    at,
                    seen_openings: raw.seen_openings,
                };
                let decision = store.decide(&request)?;
                Ok(serde_json::json!({"decision": decision, "hit": store.hit(&id)?}))
            })
            .map_err(store_error)
        })
        .await
    }
    .await;
    reply(result)
}

// ------------------------------------------------------------------- alerts

async fn alerts(State(state): State<AppState>, uri: Uri) -> Response {
    let result = async {
        let params = Params::read(
            &uri,
            &["status", "min_severity", "scenario", "subject", "overdue", "limit"],
        )?;
        let filter = AlertFilter {
            // The queue by default: alerts in no case yet.
            status: Some(params.parsed("status", AlertStatus::parse)?.unwrap_or(AlertStatus::New)),
            min_severity: params.parsed("min_severity", severity)?,
            scenario: params.text("scenario"),
            subject: params.text("subject"),
            overdue: params.flag("overdue")?,
            limit: Some(params.limit()?),
        };
        read(&state, move |store| {
            let (now, _) = now();
            Ok(serde_json::json!({"alerts": store.alerts(&filter, now)?}))
        })
        .await
    }
    .await;
    reply(result)
}

async fn alert(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    reply(
        read(&state, move |store| {
            let (now, _) = now();
            Ok(serde_json::json!({
                "alert": store.alert(&id, now)?,
                "evidence": store.alert_evidence(&id)?,
            }))
        })
        .await,
    )
}

// -------------------------------------------------------------------- cases

async fn cases(State(state): State<AppState>, uri: Uri) -> Response {
    let result = async {
        let params = Params::read(
            &uri,
            &[
                "state",
                "assignee",
                "overdue",
                "min_severity",
                "subject",
                "awaiting_approval",
                "limit",
            ],
        )?;
        let filter = CaseFilter {
            state: params.parsed("state", from_str::<CaseState>)?,
            assignee: params.text("assignee"),
            overdue: params.flag("overdue")?,
            min_severity: params.parsed("min_severity", severity)?,
            subject: params.text("subject"),
            awaiting_approval: params.flag("awaiting_approval")?,
            limit: Some(params.limit()?),
        };
        read(&state, move |store| {
            let (now, _) = now();
            Ok(serde_json::json!({"cases": store.cases(&filter, now)?}))
        })
        .await
    }
    .await;
    reply(result)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNewCase {
    #[serde(default)]
    alerts: Vec<String>,
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    title: Option<String>,
}

async fn create_case(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    bytes: Bytes,
) -> Response {
    let result = async {
        require(&state, &principal, Permission::CaseWork)?;
        let raw: RawNewCase = body(&bytes)?;
        if raw.alerts.is_empty() && raw.subject.as_deref().is_none_or(|s| s.trim().is_empty()) {
            return Err(ApiError::bad_request("a case needs alerts or a subject"));
        }
        let new = NewCase { alerts: raw.alerts, subject: raw.subject, title: raw.title };
        let pool = std::sync::Arc::clone(&state.store);
        let actor = principal.case_actor();
        let record = blocking(move || {
            let (now, _) = now();
            // An alert named in the body that does not exist is a bad
            // body, not a missing endpoint: 400.
            pool.with_mut(|store| store.create_case(&new, &actor, now)).map_err(|e| match e {
                vigia_store::Error::NotFound(detail) => ApiError::bad_request(detail),
                other => store_error(other),
            })
        })
        .await?;
        Ok((StatusCode::CREATED, json(&record)).into_response())
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

async fn case(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    reply(
        read(&state, move |store| {
            let (now, _) = now();
            store.case(&id, now)
        })
        .await,
    )
}

async fn case_history(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    reply(
        read(&state, move |store| {
            let (now, _) = now();
            // A 404 for an unknown case, not an empty history.
            store.case(&id, now)?;
            Ok(serde_json::json!({"events": store.case_history(&id)?}))
        })
        .await,
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEdit {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    narrative: Option<String>,
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    add_key_terms: Vec<String>,
    #[serde(default)]
    remove_key_terms: Vec<String>,
}

async fn edit_case(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Response {
    let result = async {
        let raw: RawEdit = body(&bytes)?;
        let edit = CaseEdit {
            title: raw.title,
            narrative: raw.narrative,
            action: raw.action,
            add_key_terms: raw.add_key_terms,
            remove_key_terms: raw.remove_key_terms,
            ..CaseEdit::default()
        };
        if edit == CaseEdit::default() {
            return Err(ApiError::bad_request(
                "nothing to change: give title, narrative, action, add_key_terms or \
                 remove_key_terms",
            ));
        }
        apply(&state, &principal, id, Change::Edit(Box::new(edit))).await
    }
    .await;
    reply(result)
}

/// A `POST /cases/{id}/{action}` body: the fields each action reads.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawChange {
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    disposition: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    uri: Option<String>,
    #[serde(default)]
    sha256: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    alerts: Vec<String>,
}

/// The change an action names, from its body.
fn change_of(action: &str, raw: RawChange) -> Result<Change, ApiError> {
    let needed = |field: &str, value: Option<String>| -> Result<String, ApiError> {
        value
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| ApiError::bad_request(format!("{action}: {field} is required")))
    };
    Ok(match action {
        "assign" => Change::Assign { to: raw.to.filter(|t| !t.trim().is_empty()) },
        "review" => Change::Review,
        "escalate" => Change::Escalate { reason: raw.reason },
        "return" => Change::Return { reason: raw.reason },
        "close" => {
            let text = needed("disposition", raw.disposition)?;
            let disposition: Disposition =
                from_str(&text).map_err(|e| ApiError::bad_request(format!("disposition: {e}")))?;
            Change::Close { disposition, reason: raw.reason }
        }
        "approve" => Change::Approve { note: raw.note },
        "reject" => Change::Reject { note: raw.note.or(raw.reason) },
        "reopen" => Change::Reopen { reason: raw.reason },
        "comments" => Change::Comment { text: needed("text", raw.text)? },
        "attachments" => Change::Attach(Attachment {
            uri: needed("uri", raw.uri)?,
            sha256: needed("sha256", raw.sha256)?,
            description: raw.description.unwrap_or_default(),
        }),
        "alerts" => {
            if raw.alerts.is_empty() {
                return Err(ApiError::bad_request("alerts: alerts is required"));
            }
            Change::AddAlerts { alerts: raw.alerts }
        }
        other => {
            return Err(ApiError::not_found(format!(
                "no case action {other:?} (assign, review, escalate, return, close, approve, \
                 reject, reopen, comments, attachments, alerts)"
            )));
        }
    })
}

async fn change_case(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path((id, action)): Path<(String, String)>,
    bytes: Bytes,
) -> Response {
    let result = async {
        let raw: RawChange = body(&bytes)?;
        let change = change_of(&action, raw)?;
        apply(&state, &principal, id, change).await
    }
    .await;
    reply(result)
}

async fn apply(
    state: &AppState,
    principal: &Principal,
    id: String,
    change: Change,
) -> Result<vigia_store::cases::CaseRecord, ApiError> {
    require(state, principal, Permission::CaseWork)?;
    let pool = std::sync::Arc::clone(&state.store);
    let actor = principal.case_actor();
    blocking(move || {
        let (now, _) = now();
        pool.with_mut(|store| store.change_case(&id, &change, &actor, now)).map_err(store_error)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrations_decode_or_say_what_is_wrong() {
        let ok = |body: &str| decode_customers(body.as_bytes()).map(|(e, d)| (e.len(), d));
        let err = |body: &str| decode_customers(body.as_bytes()).unwrap_err().status.as_u16();
        assert_eq!(
            ok(r#"{"id": "c1", "schema": "Person", "properties": {"name": "Ana Lima"}}"#),
            Ok((1, false))
        );
        assert_eq!(
            ok(
                r#"{"customers": [{"id": "c1", "properties": {"name": ["A"]}}], "deactivate_missing": true}"#
            ),
            Ok((1, true))
        );
        for bad in [
            "",
            "[]",
            "null",
            r#"{"customers": []}"#,
            r#"{"id": "", "properties": {"name": "A"}}"#,
            r#"{"id": "c1", "schema": "Sanction", "properties": {"name": "A"}}"#,
            r#"{"id": "c1", "properties": {"birthDate": "A"}}"#,
            r#"{"id": "c1", "properties": {"name": "A", "birthDate": "1980-13-45"}}"#,
            r#"{"id": "c1", "properties": {"name": {"a": 1}}}"#,
            r#"{"id": "c1", "properties": {"name": "A"}, "extra": 1}"#,
            r#"{"customers": [{"id": 5}]}"#,
        ] {
            assert_eq!(err(bad), 400, "{bad}");
        }
    }

    #[test]
    fn actions_need_their_fields() {
        let change = |action: &str, body: &str| {
            change_of(action, serde_json::from_str(body).unwrap()).map_err(|e| e.status.as_u16())
        };
        assert!(matches!(change("review", "{}"), Ok(Change::Review)));
        assert!(matches!(
            change("close", r#"{"disposition": "true_match"}"#),
            Ok(Change::Close { disposition: Disposition::TrueMatch, .. })
        ));
        assert_eq!(change("close", "{}").unwrap_err(), 400);
        assert_eq!(change("close", r#"{"disposition": "maybe"}"#).unwrap_err(), 400);
        assert_eq!(change("comments", r#"{"text": " "}"#).unwrap_err(), 400);
        assert_eq!(change("attachments", r#"{"uri": "x"}"#).unwrap_err(), 400);
        assert_eq!(change("alerts", "{}").unwrap_err(), 400);
        assert_eq!(change("explode", "{}").unwrap_err(), 404);
    }

    #[test]
    fn refusals_about_who_are_403_and_about_state_409() {
        let status =
            |detail: &str| store_error(vigia_store::Error::Refused(detail.into())).status.as_u16();
        assert_eq!(
            status(
                "case c-1: four-eyes rule: ana asked for this closing and cannot approve it; another supervisor must"
            ),
            403
        );
        assert_eq!(status("case c-1: approve needs the supervisor role"), 403);
        assert_eq!(status("case c-1: cannot review a case that is closed"), 409);
        assert_eq!(status("the hit was re-opened since it was seen (x): look at it again"), 409);
        assert_eq!(store_error(vigia_store::Error::NotFound("x".into())).status.as_u16(), 404);
        assert_eq!(store_error(vigia_store::Error::Invalid("x".into())).status.as_u16(), 400);
    }
}
