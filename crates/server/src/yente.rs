//! yente's `/match` protocol: decoding requests and query parameters into
//! screening queries and a [`ScreenConfig`], and writing the response.
//!
//! Decoding never panics and never fails with anything but a 4xx
//! [`ApiError`] naming what is wrong (tested with arbitrary input in
//! `tests/server/decode.rs`). Queries are built exactly as `vigia screen`
//! builds a JSON-lines query (schema, then every property value added with
//! [`Entity::add`]), so the same query screens the same way through both.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use vigia_model::{Entity, PartialDate, Properties, Schema, prop};
use vigia_screen::vigia_score::{Algorithm, Explanation, ScoreConfig};
use vigia_screen::{MatchResult, Query, ScreenResult};

use crate::error::ApiError;

/// yente's default number of results per query.
pub const DEFAULT_LIMIT: usize = 5;
/// The most results a query may ask for (yente's `MAX_RESULTS`).
pub const MAX_LIMIT: usize = 500;
/// The most values one property of a query may carry.
pub const MAX_VALUES: usize = 64;
/// The longest property value accepted, in bytes.
pub const MAX_VALUE_BYTES: usize = 4096;

/// Properties whose values must be ISO dates (`YYYY`, `YYYY-MM`,
/// `YYYY-MM-DD`, or a timestamp starting with one).
const DATE_PROPERTIES: [&str; 6] =
    ["birthDate", "deathDate", "incorporationDate", "dissolutionDate", "startDate", "endDate"];

/// The `/match` query parameters, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchParams {
    /// `limit`: results per query.
    pub limit: usize,
    /// `threshold`: the score at which `match` is true.
    pub threshold: f32,
    /// `cutoff` (deprecated in yente): results below are not returned.
    pub cutoff: f32,
    /// `algorithm`.
    pub algorithm: Algorithm,
    /// `include_dataset` (repeatable).
    pub include_datasets: Vec<String>,
    /// `exclude_dataset` (repeatable).
    pub exclude_datasets: Vec<String>,
    /// `exclude_schema` (repeatable).
    pub exclude_schemata: Vec<Schema>,
    /// `topics` (repeatable).
    pub topics: Vec<String>,
    /// `changed_since`: an ISO date or timestamp.
    pub changed_since: Option<String>,
    /// `exclude_entity_ids` (repeatable, no limit).
    pub exclude_entity_ids: Vec<String>,
}

impl Default for MatchParams {
    fn default() -> MatchParams {
        MatchParams {
            limit: DEFAULT_LIMIT,
            threshold: 0.7,
            // The cut-off of `vigia screen`: results between it and the
            // threshold come back with `match: false`, as yente returns
            // results below its threshold (ADR 0103).
            cutoff: 0.5,
            algorithm: Algorithm::Vigia,
            include_datasets: Vec::new(),
            exclude_datasets: Vec::new(),
            exclude_schemata: Vec::new(),
            topics: Vec::new(),
            changed_since: None,
            exclude_entity_ids: Vec::new(),
        }
    }
}

fn unit(name: &str, value: &str) -> Result<f32, ApiError> {
    match value.trim().parse::<f32>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(ApiError::bad_request(format!(
            "{name} must be a number between 0 and 1, not {value:?}"
        ))),
    }
}

/// Parses an algorithm name (Vigia's or yente's) or says which exist.
pub fn algorithm(name: &str) -> Result<Algorithm, ApiError> {
    Algorithm::parse(name).ok_or_else(|| {
        ApiError::bad_request(format!(
            "unknown algorithm {name:?}: use vigia, vigia-name or ofac, or yente's best, \
             logic-v2, logic-v1, name-based, name-qualified, regression-v1"
        ))
    })
}

/// Checks an ISO date or timestamp parameter.
pub fn date_param(name: &str, value: &str) -> Result<String, ApiError> {
    let value = value.trim();
    PartialDate::parse_iso(value).map(|_| value.to_owned()).map_err(|_| {
        ApiError::bad_request(format!(
            "{name} must be an ISO date (YYYY-MM-DD) or timestamp, not {value:?}"
        ))
    })
}

/// A schema named in a parameter or query: known to FollowTheMoney (as
/// Vigia models it), else a 400.
pub fn schema_param(name: &str, value: &str) -> Result<Schema, ApiError> {
    let schema = Schema::parse(value.trim());
    if schema.is_known() {
        Ok(schema)
    } else {
        Err(ApiError::bad_request(format!("{name}: unknown schema {value:?}")))
    }
}

/// Parses `/match` query parameters (repeated keys for lists, as yente).
/// Unknown parameters are ignored, as yente ignores them.
///
/// # Errors
/// A 400 naming the parameter that is malformed.
pub fn parse_match_params(pairs: &[(String, String)]) -> Result<MatchParams, ApiError> {
    let mut params = MatchParams::default();
    for (key, value) in pairs {
        match key.as_str() {
            "limit" => {
                params.limit = match value.trim().parse::<usize>() {
                    Ok(n) if n <= MAX_LIMIT => n,
                    _ => {
                        return Err(ApiError::bad_request(format!(
                            "limit must be a whole number from 0 to {MAX_LIMIT}, not {value:?}"
                        )));
                    }
                }
            }
            "threshold" => params.threshold = unit("threshold", value)?,
            "cutoff" => params.cutoff = unit("cutoff", value)?,
            "algorithm" => params.algorithm = algorithm(value)?,
            "include_dataset" => push_nonempty(&mut params.include_datasets, value),
            "exclude_dataset" => push_nonempty(&mut params.exclude_datasets, value),
            "exclude_schema" => {
                params.exclude_schemata.push(schema_param("exclude_schema", value)?)
            }
            "topics" => push_nonempty(&mut params.topics, value),
            "changed_since" => params.changed_since = Some(date_param("changed_since", value)?),
            "exclude_entity_ids" => push_nonempty(&mut params.exclude_entity_ids, value),
            _ => {}
        }
    }
    Ok(params)
}

fn push_nonempty(list: &mut Vec<String>, value: &str) {
    let value = value.trim();
    if !value.is_empty() && !list.iter().any(|v| v == value) {
        list.push(value.to_owned());
    }
}

#[derive(Debug, Deserialize)]
struct RawBody {
    queries: BTreeMap<String, RawQuery>,
    #[serde(default)]
    weights: BTreeMap<String, Value>,
    #[serde(default)]
    config: BTreeMap<String, Value>,
    /// A Vigia extension: exclusions too many for a URL.
    #[serde(default)]
    exclude_entity_ids: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct RawQuery {
    #[serde(default)]
    schema: Option<String>,
    #[serde(default)]
    properties: BTreeMap<String, Value>,
}

/// A decoded `/match` body.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchBody {
    /// The queries, by id (sorted by id).
    pub queries: Vec<Query>,
    /// `weights` and `config` entries, merged (Vigia has one set of
    /// coefficients; see [`apply_overrides`]).
    pub overrides: Vec<(String, Value)>,
    /// Entity ids to exclude, from the body.
    pub exclude_entity_ids: Vec<String>,
}

/// Decodes a `/match` body.
///
/// # Errors
/// A 400 for malformed JSON, an unknown or unscreenable schema, a
/// malformed property value or date, a query without a name; a 413 for
/// more than `max_batch` queries.
pub fn decode_match_body(bytes: &[u8], max_batch: usize) -> Result<MatchBody, ApiError> {
    let raw: RawBody = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("the body is not a match request: {e}")))?;
    if raw.queries.len() > max_batch {
        return Err(ApiError::too_large(format!(
            "{} queries in one request; at most {max_batch} are accepted (send one query per \
             request for the lowest latency)",
            raw.queries.len()
        )));
    }
    let mut queries = Vec::with_capacity(raw.queries.len());
    for (id, query) in raw.queries {
        queries.push(decode_query(id, query)?);
    }
    let overrides = raw.weights.into_iter().chain(raw.config).collect();
    Ok(MatchBody { queries, overrides, exclude_entity_ids: raw.exclude_entity_ids })
}

fn decode_query(id: String, raw: RawQuery) -> Result<Query, ApiError> {
    let entity = decode_entity(&id, raw.schema.as_deref(), raw.properties)
        .map_err(|message| ApiError::bad_request(format!("query {id:?}: {message}")))?;
    Ok(Query { id, entity })
}

/// An entity from yente's shape (`schema`, default `LegalEntity`, and
/// `properties` whose values are strings, numbers or lists of them), as
/// `/match` queries and registered customers are read: a screenable
/// schema, ISO dates, at least one name. The error says what to fix.
///
/// # Errors
/// An unknown or unscreenable schema, a malformed value or date, no name.
pub fn decode_entity(
    id: &str,
    schema: Option<&str>,
    properties: BTreeMap<String, Value>,
) -> Result<Entity, String> {
    let schema_name = schema.unwrap_or("LegalEntity");
    let schema = Schema::parse(schema_name);
    if !schema.is_known() {
        return Err(format!("unknown schema {schema_name:?}"));
    }
    if !schema.is_matchable() {
        return Err(format!(
            "schema {schema} cannot be screened (use Person, Organization, Company, \
             LegalEntity, PublicBody, Vessel or Airplane)"
        ));
    }
    let mut entity = Entity::new(id.to_owned(), schema);
    for (property, value) in properties {
        let values = property_values(&property, value)?;
        if DATE_PROPERTIES.contains(&property.as_str()) {
            for value in &values {
                if PartialDate::parse_iso(value).is_err() {
                    return Err(format!(
                        "{property}: {value:?} is not an ISO date (YYYY, YYYY-MM or YYYY-MM-DD)"
                    ));
                }
            }
        }
        for value in values {
            entity.add(&property, &value);
        }
    }
    if entity.names().next().is_none()
        && !entity.has(prop::FIRST_NAME)
        && !entity.has(prop::LAST_NAME)
    {
        return Err("no name (name, alias, firstName or lastName)".into());
    }
    Ok(entity)
}

/// A property's values: a string, a number, or a list of them (yente
/// accepts both forms); `null` is no value.
fn property_values(property: &str, value: Value) -> Result<Vec<String>, String> {
    let one = |value: Value| -> Result<Option<String>, String> {
        let text = match value {
            Value::Null => return Ok(None),
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Array(_) | Value::Object(_) => {
                return Err(format!("{property}: values must be strings"));
            }
        };
        if text.len() > MAX_VALUE_BYTES {
            return Err(format!("{property}: a value is longer than {MAX_VALUE_BYTES} bytes"));
        }
        Ok(Some(text))
    };
    let values = match value {
        Value::Array(items) => {
            if items.len() > MAX_VALUES {
                return Err(format!("{property}: more than {MAX_VALUES} values"));
            }
            let mut values = Vec::with_capacity(items.len());
            for item in items {
                values.extend(one(item)?);
            }
            values
        }
        other => one(other)?.into_iter().collect(),
    };
    Ok(values)
}

/// A per-request coefficient: its names and where it lives.
struct Coefficient {
    names: &'static [&'static str],
    field: fn(&mut ScoreConfig) -> &mut f32,
}

/// The coefficients a request may override, by the feature names
/// `/algorithms` lists. Penalties are listed negative there and may be
/// given either way; the magnitude is used.
const COEFFICIENTS: &[Coefficient] = &[
    Coefficient { names: &["extra_listed_penalty"], field: |c| &mut c.extra_listed_penalty },
    Coefficient { names: &["extra_listed_cap"], field: |c| &mut c.extra_listed_cap },
    Coefficient { names: &["lone_name_cap"], field: |c| &mut c.lone_name_cap },
    Coefficient { names: &["lone_name_rarity"], field: |c| &mut c.lone_name_rarity },
    Coefficient { names: &["uninformative_cap"], field: |c| &mut c.uninformative_cap },
    Coefficient { names: &["number_mismatch"], field: |c| &mut c.number_mismatch },
    Coefficient { names: &["swap_penalty"], field: |c| &mut c.swap_penalty },
    Coefficient { names: &["order_penalty"], field: |c| &mut c.order_penalty },
    Coefficient { names: &["weak_alias_factor"], field: |c| &mut c.weak_alias_factor },
    Coefficient { names: &["previous_name_factor"], field: |c| &mut c.previous_name_factor },
    Coefficient { names: &["name_only_factor"], field: |c| &mut c.name_only_factor },
    Coefficient {
        names: &["identifier_match", "identifier_floor"],
        field: |c| &mut c.identifier_floor,
    },
    Coefficient { names: &["dob_swap"], field: |c| &mut c.dob_swap },
    Coefficient { names: &["dob_day_disjoint"], field: |c| &mut c.dob_same_year },
    Coefficient { names: &["dob_year_disjoint_1"], field: |c| &mut c.dob_one_year },
    Coefficient { names: &["dob_year_disjoint_3"], field: |c| &mut c.dob_few_years },
    Coefficient { names: &["dob_year_disjoint"], field: |c| &mut c.dob_far },
    Coefficient { names: &["country_mismatch"], field: |c| &mut c.country_mismatch },
    Coefficient { names: &["gender_mismatch"], field: |c| &mut c.gender_mismatch },
    Coefficient { names: &["identifier_mismatch"], field: |c| &mut c.identifier_mismatch },
];

/// Applies `weights`/`config` overrides to a scoring configuration.
/// Returns a warning per entry that was ignored (yente's names with no
/// Vigia counterpart, and index-time weights, which a request cannot
/// change).
///
/// # Errors
/// A 400 when a known coefficient is given something other than a number
/// from -1 to 1.
pub fn apply_overrides(
    config: &mut ScoreConfig,
    overrides: &[(String, Value)],
) -> Result<Vec<String>, ApiError> {
    let mut ignored = Vec::new();
    for (name, value) in overrides {
        let Some(coefficient) = COEFFICIENTS.iter().find(|c| c.names.contains(&name.as_str()))
        else {
            ignored.push(format!(
                "{name}: not a coefficient of Vigia's algorithms, ignored (see /algorithms)"
            ));
            continue;
        };
        let number = value.as_f64().filter(|v| v.is_finite() && (-1.0..=1.0).contains(v));
        let Some(number) = number else {
            return Err(ApiError::bad_request(format!(
                "{name} must be a number from -1 to 1, not {value}"
            )));
        };
        *(coefficient.field)(config) = number.abs() as f32;
    }
    Ok(ignored)
}

/// `total` as yente writes it.
#[derive(Debug, Serialize)]
pub struct Total {
    /// How many results reached the cut-off.
    pub value: usize,
    /// `eq` when exact, `gte` when a lower bound.
    pub relation: &'static str,
}

/// One result, as yente writes it: the entity with its score.
#[derive(Debug, Serialize)]
pub struct ResultOut<'a> {
    /// The listed entity's id.
    pub id: &'a str,
    /// Its display name.
    pub caption: &'a str,
    /// Its schema.
    pub schema: &'a str,
    /// Its properties.
    pub properties: &'a Properties,
    /// Its datasets.
    pub datasets: &'a [String],
    /// Merged source ids.
    pub referents: &'a [String],
    /// Whether it is itself listed.
    pub target: bool,
    /// Publisher's first sighting.
    pub first_seen: Option<&'a str>,
    /// Publisher's last sighting.
    pub last_seen: Option<&'a str>,
    /// Publisher's last change.
    pub last_change: Option<&'a str>,
    /// The score.
    pub score: f64,
    /// Whether the score reaches the threshold.
    #[serde(rename = "match")]
    pub is_match: bool,
    /// Explanations by feature.
    pub explanations: &'a BTreeMap<String, Explanation>,
}

impl<'a> ResultOut<'a> {
    /// The response form of a screening result.
    pub fn new(result: &'a MatchResult, entity: &'a Entity) -> ResultOut<'a> {
        ResultOut {
            id: &result.id,
            caption: &result.caption,
            schema: &result.schema,
            properties: &entity.properties,
            datasets: &result.datasets,
            referents: &entity.referents,
            target: entity.target.unwrap_or(true),
            first_seen: entity.first_seen.as_deref(),
            last_seen: entity.last_seen.as_deref(),
            last_change: entity.last_change.as_deref(),
            score: result.score,
            is_match: result.is_match,
            explanations: &result.explanations,
        }
    }
}

/// The query as parsed, echoed back.
#[derive(Debug, Serialize)]
pub struct QueryOut<'a> {
    /// The query id.
    pub id: &'a str,
    /// The schema.
    pub schema: &'a str,
    /// The properties as they were screened (trimmed, duplicates dropped).
    pub properties: &'a Properties,
}

/// One query's response.
#[derive(Debug, Serialize)]
pub struct QueryResponse<'a> {
    /// Always 200 (yente's per-query status).
    pub status: u16,
    /// Results, best first.
    pub results: Vec<ResultOut<'a>>,
    /// How many reached the cut-off.
    pub total: Total,
    /// The query as parsed.
    pub query: QueryOut<'a>,
    /// The list versions screened against.
    pub lists_version: &'a str,
    /// The algorithm.
    pub algorithm: &'a str,
    /// The configuration fingerprint.
    pub config: &'a str,
    /// The engine version.
    pub engine: &'a str,
    /// Caps hit in candidate generation (places a match could be missed).
    #[serde(skip_serializing_if = "is_zero")]
    pub caps_hit: u32,
    /// Whether the recall safety net ran.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub safety_net: bool,
}

fn is_zero(value: &u32) -> bool {
    *value == 0
}

impl<'a> QueryResponse<'a> {
    /// The response to one query; `entity` finds a result's listed entity.
    pub fn new(
        query: &'a Query,
        result: &'a ScreenResult,
        entity: impl Fn(&MatchResult) -> &'a Entity,
    ) -> QueryResponse<'a> {
        QueryResponse {
            status: 200,
            results: result.results.iter().map(|r| ResultOut::new(r, entity(r))).collect(),
            total: Total {
                value: result.total,
                relation: if result.total_exact { "eq" } else { "gte" },
            },
            query: QueryOut {
                id: &query.id,
                schema: query.entity.schema.name(),
                properties: &query.entity.properties,
            },
            lists_version: &result.lists_version,
            algorithm: &result.algorithm,
            config: &result.config,
            engine: result.engine,
            caps_hit: result.caps_hit,
            safety_net: result.safety_net,
        }
    }
}

/// The whole `/match` response.
#[derive(Debug, Serialize)]
pub struct MatchResponse<'a> {
    /// Responses by query id.
    pub responses: BTreeMap<&'a str, QueryResponse<'a>>,
    /// The limit applied.
    pub limit: usize,
    /// Overrides that were ignored.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(query: &str) -> Vec<(String, String)> {
        query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (k.to_owned(), v.to_owned())
            })
            .collect()
    }

    #[test]
    fn parameters() {
        let ok = parse_match_params(&pairs(
            "limit=10&threshold=0.8&algorithm=best&include_dataset=a&include_dataset=b&topics=sanction&changed_since=2024-01-01&exclude_entity_ids=x&exclude_schema=Vessel&unknown=1",
        ))
        .unwrap();
        assert_eq!(ok.limit, 10);
        assert_eq!(ok.threshold, 0.8);
        assert_eq!(ok.algorithm, Algorithm::Vigia);
        assert_eq!(ok.include_datasets, ["a", "b"]);
        assert_eq!(ok.exclude_schemata, [Schema::Vessel]);
        assert_eq!(ok.changed_since.as_deref(), Some("2024-01-01"));
        for (bad, needle) in [
            ("limit=-1", "limit"),
            ("limit=501", "limit"),
            ("threshold=2", "threshold"),
            ("threshold=x", "threshold"),
            ("cutoff=nan", "cutoff"),
            ("algorithm=magic", "algorithm"),
            ("changed_since=yesterday", "changed_since"),
            ("exclude_schema=Spaceship", "schema"),
        ] {
            let err = parse_match_params(&pairs(bad)).unwrap_err();
            assert_eq!(err.status, 400, "{bad}");
            assert!(err.detail.contains(needle), "{bad}: {}", err.detail);
        }
    }

    #[test]
    fn bodies() {
        let body = br#"{"queries": {"b": {"schema": "Person", "properties": {"name": "John Doe", "birthDate": ["1975", null, 1976]}}, "a": {"properties": {"name": ["ACME"]}}}}"#;
        let decoded = decode_match_body(body, 10).unwrap();
        assert_eq!(decoded.queries.len(), 2);
        assert_eq!(decoded.queries[0].id, "a");
        assert_eq!(decoded.queries[0].entity.schema, Schema::LegalEntity);
        assert_eq!(decoded.queries[1].entity.get("birthDate"), ["1975", "1976"]);
        let cases: [(&[u8], u16, &str); 9] = [
            (b"{", 400, "not a match request"),
            (b"[]", 400, "not a match request"),
            (b"{}", 400, "queries"),
            (br#"{"queries": {"q": {"schema": "Spaceship", "properties": {"name": ["x"]}}}}"#, 400, "unknown schema"),
            (br#"{"queries": {"q": {"schema": "Address", "properties": {"name": ["x"]}}}}"#, 400, "cannot be screened"),
            (br#"{"queries": {"q": {"schema": "Person", "properties": {"birthDate": ["x"], "name": ["x"]}}}}"#, 400, "ISO date"),
            (br#"{"queries": {"q": {"schema": "Person", "properties": {"country": ["mx"]}}}}"#, 400, "no name"),
            (br#"{"queries": {"q": {"properties": {"name": [{"a": 1}]}}}}"#, 400, "strings"),
            (br#"{"queries": {"a": {"properties": {"name": "x"}}, "b": {"properties": {"name": "y"}}, "c": {"properties": {"name": "z"}}}}"#, 413, "at most 2"),
        ];
        for (body, status, needle) in cases {
            let err = decode_match_body(body, 2).unwrap_err();
            assert_eq!(err.status.as_u16(), status, "{}", String::from_utf8_lossy(body));
            assert!(
                err.detail.contains(needle),
                "{}: {}",
                String::from_utf8_lossy(body),
                err.detail
            );
        }
    }

    #[test]
    fn overrides() {
        let mut config = ScoreConfig::default();
        let given = vec![
            ("country_mismatch".to_owned(), serde_json::json!(-0.3)),
            ("name_literal".to_owned(), serde_json::json!(0.8)),
            ("nm_number_mismatch".to_owned(), serde_json::json!(0.4)),
        ];
        let ignored = apply_overrides(&mut config, &given).unwrap();
        assert_eq!(config.country_mismatch, 0.3);
        assert_eq!(ignored.len(), 2);
        let bad = vec![("country_mismatch".to_owned(), serde_json::json!("high"))];
        assert_eq!(apply_overrides(&mut config, &bad).unwrap_err().status, 400);
        let bad = vec![("country_mismatch".to_owned(), serde_json::json!(3))];
        assert_eq!(apply_overrides(&mut config, &bad).unwrap_err().status, 400);
    }
}
