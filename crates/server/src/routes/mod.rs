//! The HTTP routes, one module per area. Each module builds its own
//! [`Router`] and says which [`Permission`] its routes need; this module
//! merges them and adds what every route shares (metrics, panics caught,
//! body limit, JSON 404 and 405). A new area (the case workflow, say) is a
//! module here and one line in [`router`].

use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tower_http::catch_panic::CatchPanicLayer;

use crate::auth::{self, Permission};
use crate::error::ApiError;
use crate::metrics;
use crate::state::AppState;

pub(crate) mod admin;
pub(crate) mod casework;
pub(crate) mod entities;
pub(crate) mod matching;
pub(crate) mod search;
pub(crate) mod system;

/// Every route, with the shared layers.
pub(crate) fn router(state: AppState) -> Router {
    Router::new()
        .merge(system::routes(&state))
        .merge(matching::routes(&state))
        .merge(search::routes(&state))
        .merge(entities::routes(&state))
        .merge(admin::routes(&state))
        .merge(casework::routes(&state))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(CatchPanicLayer::custom(panicked))
        .layer(middleware::from_fn_with_state(state.clone(), metrics::track))
        .with_state(state)
}

/// Requires a key granting `permission` on every route of `router`.
pub(crate) fn guarded(
    state: &AppState,
    permission: Permission,
    router: Router<AppState>,
) -> Router<AppState> {
    router.route_layer(middleware::from_fn_with_state(
        state.clone(),
        move |state: State<AppState>, request: Request, next: Next| {
            auth::authorize(state, permission, request, next)
        },
    ))
}

/// Answers 503 when a route takes longer than the request timeout (plus a
/// little, so that the screening pool's own deadline answers first).
pub(crate) fn timed(state: &AppState, router: Router<AppState>) -> Router<AppState> {
    router.route_layer(middleware::from_fn_with_state(state.clone(), timeout))
}

async fn timeout(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let limit = state.config.request_timeout + Duration::from_millis(250);
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            state.metrics.timed_out();
            ApiError::unavailable(format!(
                "the request took longer than {} ms and was abandoned",
                state.config.request_timeout.as_millis()
            ))
            .into_response()
        }
    }
}

async fn not_found(request: Request) -> Response {
    ApiError::not_found(format!("no such endpoint: {} (see /openapi.json)", request.uri().path()))
        .into_response()
}

async fn method_not_allowed(request: Request) -> Response {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{} is not allowed on {}", request.method(), request.uri().path()),
    )
    .into_response()
}

fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::internal("a request handler panicked").into_response()
}

/// The query string's pairs (repeated keys kept, in order).
pub(crate) fn query_pairs(uri: &axum::http::Uri) -> Result<Vec<(String, String)>, ApiError> {
    axum::extract::Query::<Vec<(String, String)>>::try_from_uri(uri)
        .map(|q| q.0)
        .map_err(|e| ApiError::bad_request(format!("malformed query string: {e}")))
}

/// Whether a dataset path segment means every dataset: `default` (yente's
/// default collection), `sanctions` (yente's sanctions collection: every
/// Vigia list is one) and `all`.
pub(crate) fn is_collection(name: &str) -> bool {
    matches!(name, "default" | "sanctions" | "all")
}
