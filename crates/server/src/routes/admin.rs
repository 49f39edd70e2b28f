//! Operators' endpoints (`admin` keys): list updates and reloads.
//!
//! - `POST /admin/lists/update`: fetch new list versions (the configured
//!   updater: `vigia lists update`), then reload; `?wait=true` answers when
//!   done with the report, else 202 at once.
//! - `POST /admin/lists/reload`: reload from the store only (after a
//!   `vigia lists import` in another process); `?force=true` rebuilds even
//!   when the active versions did not change.
//! - `GET /admin/lists/update`: the status of the last or running one.
//!
//! One update or reload runs at a time: another asked meanwhile is a 409.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Extension, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use super::{guarded, query_pairs};
use crate::auth::{Permission, Principal};
use crate::error::{ApiError, json, json_bytes};
use crate::state::AppState;
use crate::update;

pub(crate) fn routes(state: &AppState) -> Router<AppState> {
    let router = Router::new()
        .route("/admin/lists/update", post(start_update).get(update_status))
        .route("/admin/lists/reload", post(start_reload));
    guarded(state, Permission::Admin, router)
}

fn flag(uri: &Uri, name: &str) -> Result<bool, ApiError> {
    let mut on = false;
    for (key, value) in query_pairs(uri)? {
        if key == name {
            on = match value.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "" => true,
                "false" | "0" | "no" => false,
                _ => {
                    return Err(ApiError::bad_request(format!(
                        "{name} must be true or false, not {value:?}"
                    )));
                }
            };
        }
    }
    Ok(on)
}

async fn start_update(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    uri: Uri,
) -> Response {
    start(state, principal, uri, true).await.unwrap_or_else(IntoResponse::into_response)
}

async fn start_reload(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    uri: Uri,
) -> Response {
    start(state, principal, uri, false).await.unwrap_or_else(IntoResponse::into_response)
}

async fn start(
    state: AppState,
    principal: Principal,
    uri: Uri,
    fetch: bool,
) -> Result<Response, ApiError> {
    let wait = flag(&uri, "wait")?;
    let force = flag(&uri, "force")?;
    if fetch && state.updater.is_none() {
        return Err(ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            "this server has no list updater configured; use /admin/lists/reload",
        ));
    }
    let actor = principal.actor();
    if update::status(&state).state == "running" {
        return Err(conflict(&state));
    }
    if wait {
        return match update::run(Arc::clone(&state), fetch, force, actor).await {
            Ok(report) => Ok(json(&report)),
            Err(_) => Err(conflict(&state)),
        };
    }
    let task = Arc::clone(&state);
    tokio::spawn(async move {
        let _ = update::run(task, fetch, force, actor).await;
    });
    // Let the task mark itself running before the status is read.
    tokio::task::yield_now().await;
    let mut status = update::status(&state);
    if status.state != "running" && status.finished_at.is_none() {
        status.state = "running";
    }
    let bytes = serde_json::to_vec(&status).map_err(ApiError::internal)?;
    Ok(json_bytes(StatusCode::ACCEPTED, bytes))
}

fn conflict(state: &AppState) -> ApiError {
    let status = update::status(state);
    ApiError::new(
        StatusCode::CONFLICT,
        format!(
            "a list {} is already running since {}",
            status.kind.unwrap_or("update"),
            status.started_at.unwrap_or_default()
        ),
    )
}

async fn update_status(State(state): State<AppState>) -> Response {
    let mut status = update::status(&state);
    if status.state.is_empty() {
        status.state = "idle";
    }
    json(&status)
}
