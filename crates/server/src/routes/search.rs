//! `GET /search/{dataset}?q=`: find listed entities by name, with filters,
//! paging and facets (yente's search, answered from the matching index).
//!
//! A query is matched as a name with the `vigia-name` algorithm (the name
//! alignment alone) and entities scoring at least 0.5 are returned, best
//! first; without `q`, every entity passing the filters is returned in
//! index order. Lucene syntax is not interpreted: `q` is a name.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{Extension, Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use vigia_index::{Evidence, RecordId};
use vigia_model::{Entity, Schema, prop};
use vigia_screen::vigia_score::{self, Algorithm, ScoreConfig};

use super::matching::{ready, resolve_datasets};
use super::{guarded, query_pairs, timed};
use crate::auth::{Permission, Principal};
use crate::error::{ApiError, json_bytes};
use crate::state::AppState;
use crate::yente::{Total, date_param, schema_param};
use vigia_screen::with_thread_scratch;

/// Search results score at least this (name similarity).
const SEARCH_CUTOFF: f32 = 0.5;
/// yente's default and largest page, and largest offset.
const DEFAULT_LIMIT: usize = 10;
const MAX_LIMIT: usize = 500;
const MAX_OFFSET: usize = 9999;
const FACETS: [&str; 4] = ["countries", "topics", "datasets", "schema"];

pub(crate) fn routes(state: &AppState) -> Router<AppState> {
    let router = Router::new().route("/search/{dataset}", get(search));
    guarded(state, Permission::Screen, timed(state, router))
}

#[derive(Debug, Default)]
struct SearchParams {
    q: String,
    schema: Option<Schema>,
    countries: Vec<String>,
    topics: Vec<String>,
    datasets: Vec<String>,
    changed_since: Option<String>,
    limit: usize,
    offset: usize,
    facets: Vec<String>,
}

fn number(name: &str, value: &str, max: usize) -> Result<usize, ApiError> {
    match value.trim().parse::<usize>() {
        Ok(n) if n <= max => Ok(n),
        _ => Err(ApiError::bad_request(format!(
            "{name} must be a whole number from 0 to {max}, not {value:?}"
        ))),
    }
}

fn parse(pairs: &[(String, String)]) -> Result<SearchParams, ApiError> {
    let mut p = SearchParams { limit: DEFAULT_LIMIT, ..SearchParams::default() };
    let mut facets = Vec::new();
    for (key, value) in pairs {
        let value = value.trim();
        match key.as_str() {
            "q" => p.q = value.to_owned(),
            "schema" => p.schema = Some(schema_param("schema", value)?),
            "countries" => p.countries.push(value.to_ascii_lowercase()),
            "topics" => p.topics.push(value.to_owned()),
            "datasets" => p.datasets.push(value.to_owned()),
            "changed_since" => p.changed_since = Some(date_param("changed_since", value)?),
            "limit" => p.limit = number("limit", value, MAX_LIMIT)?,
            "offset" => p.offset = number("offset", value, MAX_OFFSET)?,
            "facets" => {
                if !FACETS.contains(&value) {
                    return Err(ApiError::bad_request(format!(
                        "facets: unknown facet {value:?} (one of {})",
                        FACETS.join(", ")
                    )));
                }
                facets.push(value.to_owned());
            }
            // yente's fuzzy, simple, sort, filter, target and the like are
            // accepted and have no effect here.
            _ => {}
        }
    }
    if p.q.len() > crate::yente::MAX_VALUE_BYTES {
        return Err(ApiError::bad_request("q is too long"));
    }
    p.facets = if facets.is_empty() {
        FACETS[..3].iter().map(|f| (*f).to_owned()).collect()
    } else {
        facets
    };
    Ok(p)
}

#[derive(Serialize)]
struct FacetValue {
    name: String,
    label: String,
    count: usize,
}

#[derive(Serialize)]
struct Facet {
    label: &'static str,
    values: Vec<FacetValue>,
}

#[derive(Serialize)]
struct Hit<'a> {
    id: &'a str,
    caption: &'a str,
    schema: &'a str,
    properties: &'a vigia_model::Properties,
    datasets: &'a [String],
    referents: &'a [String],
    target: bool,
    first_seen: Option<&'a str>,
    last_seen: Option<&'a str>,
    last_change: Option<&'a str>,
    score: f64,
}

#[derive(Serialize)]
struct SearchResponse<'a> {
    results: Vec<Hit<'a>>,
    facets: BTreeMap<&'a str, Facet>,
    total: Total,
    limit: usize,
    offset: usize,
    lists_version: &'a str,
}

fn countries(entity: &Entity) -> impl Iterator<Item = &String> {
    prop::COUNTRY_PROPERTIES.into_iter().flat_map(|p| entity.get(p))
}

async fn search(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    dataset: Result<Path<String>, PathRejection>,
    uri: Uri,
) -> Response {
    match run(&state, &principal, dataset, &uri).await {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

async fn run(
    state: &AppState,
    principal: &Principal,
    dataset: Result<Path<String>, PathRejection>,
    uri: &Uri,
) -> Result<Response, ApiError> {
    let Path(dataset) = dataset.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let served = ready(state)?;
    let params = parse(&query_pairs(uri)?)?;
    let include = resolve_datasets(&served, principal, &dataset, &params.datasets)?;
    let timeout = state.config.request_timeout;
    let job = move |_deadline: std::time::Instant| -> Result<Vec<u8>, String> {
        let index = &served.lists.index;
        let include: Vec<u16> = include.iter().filter_map(|d| index.dataset_id(d)).collect();
        let allow = |record: RecordId| -> bool {
            let r = index.record(record);
            let e = &r.entity;
            (include.is_empty() || r.datasets.iter().any(|d| include.contains(d)))
                && params.schema.as_ref().is_none_or(|s| e.schema.is_a(s))
                && (params.topics.is_empty()
                    || e.get(prop::TOPICS).iter().any(|t| params.topics.contains(t)))
                && (params.countries.is_empty()
                    || countries(e).any(|c| params.countries.contains(c)))
                && params
                    .changed_since
                    .as_deref()
                    .is_none_or(|since| e.last_change.as_deref().is_some_and(|c| c >= since))
        };
        let mut found: Vec<(RecordId, f32)> = Vec::new();
        let mut exact = true;
        if params.q.is_empty() {
            found = (0..index.records().len() as RecordId)
                .filter(|r| allow(*r))
                .map(|r| (r, 0.0))
                .collect();
        } else {
            let schema =
                params.schema.clone().filter(Schema::is_matchable).unwrap_or(Schema::LegalEntity);
            let mut query = Entity::new("search", schema);
            query.add(prop::NAME, &params.q);
            if params.q.chars().any(|c| c.is_ascii_digit()) {
                query.add(prop::ID_NUMBER, &params.q);
            }
            let evidence = Evidence::of(&query);
            let config = ScoreConfig::for_algorithm(Algorithm::VigiaName);
            with_thread_scratch(|scratch| {
                let prepared = index.prepare_with(&query, scratch);
                let candidates = index.candidates(&prepared, SEARCH_CUTOFF, &allow, scratch);
                exact = candidates.caps_hit == 0;
                for candidate in &candidates.candidates {
                    let s = vigia_score::score_candidate(
                        index, &prepared, &evidence, candidate, &config, false,
                    );
                    if s.score >= SEARCH_CUTOFF || candidate.names.is_empty() {
                        found.push((candidate.record, s.score));
                    }
                }
            });
            found.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        }
        let mut facets = BTreeMap::new();
        for facet in &params.facets {
            let mut counts: BTreeMap<String, usize> = BTreeMap::new();
            for (record, _) in &found {
                let entity = &index.record(*record).entity;
                let mut values: Vec<&String> = match facet.as_str() {
                    "countries" => countries(entity).collect(),
                    "topics" => entity.get(prop::TOPICS).iter().collect(),
                    "datasets" => entity.datasets.iter().collect(),
                    _ => Vec::new(),
                };
                values.sort();
                values.dedup();
                for value in values {
                    *counts.entry(value.clone()).or_default() += 1;
                }
                if facet == "schema" {
                    *counts.entry(entity.schema.name().to_owned()).or_default() += 1;
                }
            }
            let mut values: Vec<FacetValue> = counts
                .into_iter()
                .map(|(name, count)| FacetValue {
                    label: match facet.as_str() {
                        "countries" => {
                            vigia_model::country::name_of(&name).unwrap_or(&name).to_owned()
                        }
                        _ => name.clone(),
                    },
                    name,
                    count,
                })
                .collect();
            values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
            let label = match facet.as_str() {
                "countries" => "Countries",
                "topics" => "Topics",
                "datasets" => "Data sources",
                _ => "Entity types",
            };
            let name = FACETS.iter().find(|f| **f == facet.as_str()).copied().unwrap_or("schema");
            facets.insert(name, Facet { label, values });
        }
        let results = found
            .iter()
            .skip(params.offset)
            .take(params.limit)
            .map(|(record, score)| {
                let e = &index.record(*record).entity;
                Hit {
                    id: &e.id,
                    caption: e.caption(),
                    schema: e.schema.name(),
                    properties: &e.properties,
                    datasets: &e.datasets,
                    referents: &e.referents,
                    target: e.target.unwrap_or(true),
                    first_seen: e.first_seen.as_deref(),
                    last_seen: e.last_seen.as_deref(),
                    last_change: e.last_change.as_deref(),
                    score: (f64::from(*score) * 1000.0).round() / 1000.0,
                }
            })
            .collect();
        let response = SearchResponse {
            results,
            facets,
            total: Total { value: found.len(), relation: if exact { "eq" } else { "gte" } },
            limit: params.limit,
            offset: params.offset,
            lists_version: &served.lists.label,
        };
        serde_json::to_vec(&response).map_err(|e| e.to_string())
    };
    let bytes = state.pool.run(1, timeout, job).await.map_err(|e| e.into_api(timeout))?;
    let bytes = bytes.map_err(ApiError::internal)?;
    Ok(json_bytes(StatusCode::OK, bytes))
}
