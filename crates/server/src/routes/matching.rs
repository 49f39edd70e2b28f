//! `POST /match/{dataset}`: yente's screening call.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Extension, Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use rayon::prelude::*;
use vigia_screen::vigia_score::ScoreConfig;
use vigia_screen::{Query, ScreenConfig, ScreenResult};

use super::{guarded, is_collection, query_pairs, timed};
use crate::auth::{Permission, Principal};
use crate::error::{ApiError, json_bytes};
use crate::state::{AppState, Served};
use crate::yente::{self, MatchResponse, QueryResponse};
use vigia_screen::with_thread_scratch;

pub(crate) fn routes(state: &AppState) -> Router<AppState> {
    let router = Router::new().route("/match/{dataset}", post(match_entities));
    guarded(state, Permission::Screen, timed(state, router))
}

/// The datasets a request may screen against: the path's dataset (or all
/// for a collection), narrowed by `include_dataset` and by the key's scope.
/// Empty means every dataset.
pub(crate) fn resolve_datasets(
    served: &Served,
    principal: &Principal,
    path: &str,
    include: &[String],
) -> Result<Vec<String>, ApiError> {
    let base: Option<Vec<String>> = if is_collection(path) {
        None
    } else if served.has_dataset(path) {
        Some(vec![path.to_owned()])
    } else {
        return Err(ApiError::not_found(format!(
            "no dataset {path:?}: use default, or one of {} (see /catalog)",
            served.datasets().join(", ")
        )));
    };
    for name in include {
        if !served.has_dataset(name) {
            return Err(ApiError::bad_request(format!(
                "include_dataset: no dataset {name:?} (see /catalog)"
            )));
        }
    }
    let mut wanted: Vec<String> = match (base, include.is_empty()) {
        (None, _) => include.to_vec(),
        (Some(base), true) => base,
        (Some(base), false) => {
            let both: Vec<String> = include.iter().filter(|d| base.contains(d)).cloned().collect();
            if both.is_empty() {
                return Err(ApiError::bad_request(format!(
                    "include_dataset names no dataset of {path:?}"
                )));
            }
            both
        }
    };
    if let Some(scope) = &principal.datasets {
        if wanted.is_empty() {
            wanted = served.datasets().into_iter().filter(|d| scope.contains(d)).collect();
            if wanted.is_empty() {
                return Err(ApiError::forbidden("this key may read none of the datasets served"));
            }
        } else if let Some(outside) = wanted.iter().find(|d| !scope.contains(d)) {
            return Err(ApiError::forbidden(format!("this key may not read dataset {outside:?}")));
        }
    }
    Ok(wanted)
}

/// The lists being served, or a 503 while the first load runs.
pub(crate) fn ready(state: &AppState) -> Result<Arc<Served>, ApiError> {
    state
        .served()
        .ok_or_else(|| ApiError::unavailable("the lists are still loading; retry shortly"))
}

async fn match_entities(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    dataset: Result<Path<String>, PathRejection>,
    uri: Uri,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    match screen(&state, &principal, dataset, &uri, body).await {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

async fn screen(
    state: &AppState,
    principal: &Principal,
    dataset: Result<Path<String>, PathRejection>,
    uri: &Uri,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let Path(dataset) = dataset.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let body = body.map_err(|e| body_error(&e))?;
    let served = ready(state)?;
    let params = yente::parse_match_params(&query_pairs(uri)?)?;
    let include = resolve_datasets(&served, principal, &dataset, &params.include_datasets)?;
    let request = yente::decode_match_body(&body, state.config.max_batch)?;
    let mut score = ScoreConfig::for_algorithm(params.algorithm);
    let warnings = yente::apply_overrides(&mut score, &request.overrides)?;
    let config = ScreenConfig {
        threshold: params.threshold,
        cutoff: params.cutoff,
        limit: params.limit,
        score,
        include_datasets: include,
        exclude_datasets: params.exclude_datasets,
        exclude_schemata: params.exclude_schemata,
        topics: params.topics,
        changed_since: params.changed_since,
        exclude_entity_ids: params
            .exclude_entity_ids
            .into_iter()
            .chain(request.exclude_entity_ids)
            .collect(),
    };
    let queries = request.queries;
    let count = queries.len();
    let limit = params.limit;
    let timeout = state.config.request_timeout;
    // `None`: the deadline passed before every query was screened.
    let job = move |deadline: std::time::Instant| -> Option<Result<Vec<u8>, String>> {
        let screen_one = |query: &Query| -> Option<ScreenResult> {
            if std::time::Instant::now() > deadline {
                return None;
            }
            Some(with_thread_scratch(|scratch| served.screener.screen(query, &config, scratch)))
        };
        let results: Option<Vec<ScreenResult>> = if queries.len() > 1 {
            queries.par_iter().map(screen_one).collect()
        } else {
            queries.iter().map(screen_one).collect()
        };
        let results = results?;
        let index = &served.lists.index;
        let response = MatchResponse {
            responses: queries
                .iter()
                .zip(&results)
                .map(|(query, result)| {
                    let entity = |r: &vigia_screen::MatchResult| &*index.record(r.record).entity;
                    (query.id.as_str(), QueryResponse::new(query, result, entity))
                })
                .collect(),
            limit,
            warnings,
        };
        Some(serde_json::to_vec(&response).map_err(|e| e.to_string()))
    };
    let bytes = state.pool.run(count, timeout, job).await.map_err(|e| {
        match e {
            crate::pool::PoolError::Overloaded => state.metrics.overloaded(),
            crate::pool::PoolError::TimedOut => state.metrics.timed_out(),
            crate::pool::PoolError::Panicked => {}
        }
        e.into_api(timeout)
    })?;
    let Some(bytes) = bytes else {
        state.metrics.timed_out();
        return Err(crate::pool::PoolError::TimedOut.into_api(timeout));
    };
    let bytes = bytes.map_err(ApiError::internal)?;
    state.metrics.queries(count as u64);
    Ok(json_bytes(StatusCode::OK, bytes))
}

/// A body that could not be read: too large (413) or broken (400).
pub(crate) fn body_error(rejection: &BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::too_large("the request body is larger than the server accepts (--max-body-bytes)")
    } else {
        ApiError::bad_request(format!(
            "the request body could not be read: {}",
            rejection.body_text()
        ))
    }
}
