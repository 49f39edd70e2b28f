//! Health, readiness, the catalog of datasets, the algorithms, the OpenAPI
//! document and the metrics.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Extension, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use serde_json::json;
use vigia_screen::vigia_score;

use super::guarded;
use super::matching::ready;
use crate::auth::{Permission, Principal};
use crate::error::json;
use crate::state::AppState;

/// The OpenAPI document, kept in sync with the routes by a test.
pub(crate) const OPENAPI: &str = include_str!("../openapi.json");

pub(crate) fn routes(state: &AppState) -> Router<AppState> {
    let open = Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz));
    let keyed = Router::new()
        .route("/catalog", get(catalog))
        .route("/algorithms", get(algorithms))
        .route("/openapi.json", get(openapi))
        .route("/metrics", get(metrics));
    open.merge(guarded(state, Permission::Screen, keyed))
}

async fn healthz() -> Response {
    json(&json!({"status": "ok"}))
}

async fn readyz(State(state): State<AppState>) -> Response {
    match state.served() {
        Some(served) => json(&json!({"status": "ok", "index": served.summary()})),
        None => {
            let mut response = json(&json!({"status": "loading"}));
            *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
            response
        }
    }
}

#[derive(Serialize)]
struct DatasetOut {
    name: String,
    title: String,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    updated_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    published: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    entity_count: Option<u64>,
    indexed_count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    publisher: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    format: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_hash: Option<String>,
    load: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    children: Vec<String>,
}

async fn catalog(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> Response {
    let served = match ready(&state) {
        Ok(served) => served,
        Err(err) => return err.into_response(),
    };
    let names: Vec<String> =
        served.datasets().into_iter().filter(|d| principal.may_read(d)).collect();
    let mut datasets: Vec<DatasetOut> = names
        .iter()
        .map(|name| {
            let version = served.lists.versions.iter().find(|v| &v.dataset == name);
            let indexed_count = served.indexed.get(name).copied().unwrap_or(0);
            DatasetOut {
                name: name.clone(),
                title: match version {
                    Some(v) => format!("{} ({name})", v.publisher),
                    None => "Vigia's built-in watchlist".to_owned(),
                },
                kind: "source",
                version: Some(match version {
                    Some(v) => v.version.to_string(),
                    None => "embedded".to_owned(),
                }),
                updated_at: version.map(|v| v.imported_at.clone()),
                published: version.and_then(|v| v.published.clone()),
                entity_count: Some(version.map(|v| v.entity_count).unwrap_or(indexed_count as u64)),
                indexed_count,
                publisher: version.map(|v| v.publisher.clone()),
                format: version.map(|v| v.format.clone()),
                source: version.map(|v| v.source.clone()),
                content_hash: version.map(|v| v.content_hash.clone()),
                load: true,
                children: Vec::new(),
            }
        })
        .collect();
    datasets.push(DatasetOut {
        name: "default".into(),
        title: "Every list served (also answers to `sanctions` and `all`)".into(),
        kind: "collection",
        version: Some(served.lists.label.clone()),
        updated_at: Some(served.loaded_at.clone()),
        published: None,
        entity_count: None,
        indexed_count: names.iter().map(|n| served.indexed.get(n).copied().unwrap_or(0)).sum(),
        publisher: None,
        format: None,
        source: None,
        content_hash: None,
        load: true,
        children: names.clone(),
    });
    json(&json!({
        "datasets": datasets,
        "current": names,
        "outdated": [],
        "index_stale": false,
        "index": served.summary(),
    }))
}

async fn algorithms() -> Response {
    let algorithms: Vec<serde_json::Value> = vigia_score::algorithms()
        .into_iter()
        .map(|a| {
            let features: BTreeMap<String, serde_json::Value> = a
                .features
                .into_iter()
                .map(|f| {
                    (f.name, json!({"description": f.description, "coefficient": f.coefficient, "url": null}))
                })
                .collect();
            json!({
                "name": a.name,
                "aliases": a.aliases,
                "description": a.description,
                "features": features,
            })
        })
        .collect();
    json(&json!({"algorithms": algorithms, "default": "vigia", "best": "vigia"}))
}

async fn openapi() -> Response {
    let mut response = (StatusCode::OK, OPENAPI).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

async fn metrics(State(state): State<AppState>) -> Response {
    let text = state.metrics.render(state.served().as_deref(), state.pool.pending());
    let mut response = (StatusCode::OK, text).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}
