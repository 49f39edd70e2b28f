//! `GET /entities/{id}`: one listed entity, with `nested=true` for its
//! adjacent entities (sanctions, ownership and family links, addresses).
//!
//! The entity is read from the store's active versions (so links,
//! sanctions and addresses, which are not in the matching index, are
//! there); with the built-in watchlist it comes from the index. An id that
//! was merged into another entity (a referent) answers 308 with the
//! entity's own address, as yente does.

use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value, json};
use vigia_model::{Entity, Schema, prop};
use vigia_store::EntityDetail;
use vigia_store::lists::ListStore;

use super::matching::ready;
use super::{guarded, query_pairs, timed};
use crate::auth::{Permission, Principal};
use crate::error::{ApiError, json};
use crate::state::AppState;

pub(crate) fn routes(state: &AppState) -> Router<AppState> {
    let router = Router::new().route("/entities/{id}", get(entity));
    guarded(state, Permission::Screen, timed(state, router))
}

async fn entity(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    id: Result<Path<String>, PathRejection>,
    uri: Uri,
) -> Response {
    match run(&state, &principal, id, &uri).await {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

async fn run(
    state: &AppState,
    principal: &Principal,
    id: Result<Path<String>, PathRejection>,
    uri: &Uri,
) -> Result<Response, ApiError> {
    let Path(id) = id.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let mut nested = false;
    for (key, value) in query_pairs(uri)? {
        if key == "nested" {
            nested = match value.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => true,
                "false" | "0" | "no" | "" => false,
                _ => {
                    return Err(ApiError::bad_request(format!(
                        "nested must be true or false, not {value:?}"
                    )));
                }
            };
        }
    }
    let served = ready(state)?;
    let store = std::sync::Arc::clone(&state.store);
    let lookup = id.clone();
    let detail = if store.exists() {
        tokio::task::spawn_blocking(move || store.with(|s| s.entity(&lookup)))
            .await
            .map_err(ApiError::internal)?
            .map_err(ApiError::internal)?
    } else {
        None
    };
    let detail = match detail {
        Some(detail) => Some(detail),
        None => served.record(&id).map(|r| EntityDetail {
            entity: served.lists.index.record(r).entity.clone(),
            versions: vec![served.lists.label.clone()],
            adjacent: Vec::new(),
        }),
    };
    let not_found = || ApiError::not_found(format!("no entity {id:?} in the active lists"));
    let Some(detail) = detail else {
        if let Some(record) = served.referent(&id) {
            let canonical = &served.lists.index.record(record).entity;
            if canonical.datasets.iter().any(|d| principal.may_read(d)) {
                let mut location = format!("/entities/{}", percent_encode(&canonical.id));
                if let Some(query) = uri.query() {
                    location = format!("{location}?{query}");
                }
                let mut response = StatusCode::PERMANENT_REDIRECT.into_response();
                if let Ok(value) = HeaderValue::from_str(&location) {
                    response.headers_mut().insert(header::LOCATION, value);
                }
                return Ok(response);
            }
        }
        return Err(not_found());
    };
    if !detail.entity.datasets.iter().any(|d| principal.may_read(d)) {
        return Err(not_found());
    }
    let mut body = plain(&detail.entity);
    if nested {
        nest(&mut body, &detail);
    }
    if let Value::Object(map) = &mut body {
        map.insert("versions".into(), json!(detail.versions));
    }
    Ok(json(&body))
}

/// An entity as yente shows it: FollowTheMoney JSON with its caption.
fn plain(entity: &Entity) -> Value {
    json!({
        "id": entity.id,
        "caption": entity.caption(),
        "schema": entity.schema.name(),
        "properties": entity.properties,
        "datasets": entity.datasets,
        "referents": entity.referents,
        "target": entity.target.unwrap_or(false),
        "first_seen": entity.first_seen,
        "last_seen": entity.last_seen,
        "last_change": entity.last_change,
    })
}

/// FollowTheMoney's name of the reverse of `schema.property`: the property
/// under which the referenced entity lists its referrers.
pub(crate) fn reverse_property(schema: &Schema, property: &str) -> String {
    let known = match (schema, property) {
        (Schema::Sanction, prop::ENTITY) => Some("sanctions"),
        (Schema::Associate, prop::PERSON) => Some("associates"),
        (Schema::Associate, prop::ASSOCIATE) => Some("associations"),
        (Schema::Identification | Schema::Passport, prop::HOLDER) => Some("identification"),
        _ => None,
    };
    if let Some(name) = known {
        return name.to_owned();
    }
    // ownershipOwner, directorshipDirector, familyRelative, ...
    let schema = schema.name();
    let mut name = String::with_capacity(schema.len() + property.len());
    let mut chars = schema.chars();
    if let Some(first) = chars.next() {
        name.extend(first.to_lowercase());
        name.extend(chars);
    }
    let mut chars = property.chars();
    if let Some(first) = chars.next() {
        name.extend(first.to_uppercase());
        name.extend(chars);
    }
    name
}

/// Puts the adjacent entities inside the entity's properties: entities it
/// references replace their ids, entities that reference it are listed
/// under the reverse property (`sanctions`, `ownershipOwner`, ...).
fn nest(body: &mut Value, detail: &EntityDetail) {
    let Some(properties) = body.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    let id = &detail.entity.id;
    for property in prop::ENTITY_PROPERTIES {
        let Some(values) = properties.get_mut(property).and_then(Value::as_array_mut) else {
            continue;
        };
        for value in values.iter_mut() {
            let target = value.as_str().unwrap_or_default();
            if let Some(adjacent) = detail.adjacent.iter().find(|a| a.id == target) {
                *value = plain(adjacent);
            }
        }
    }
    let mut reverse: Map<String, Value> = Map::new();
    for adjacent in &detail.adjacent {
        for property in prop::ENTITY_PROPERTIES {
            if adjacent.get(property).iter().any(|v| v == id) {
                let name = reverse_property(&adjacent.schema, property);
                if let Value::Array(list) =
                    reverse.entry(name).or_insert_with(|| Value::Array(Vec::new()))
                {
                    list.push(plain(adjacent));
                }
            }
        }
    }
    for (name, list) in reverse {
        properties.insert(name, list);
    }
}

/// Percent-encodes a path segment.
fn percent_encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reverse_properties_follow_followthemoney() {
        let cases = [
            (Schema::Sanction, "entity", "sanctions"),
            (Schema::Ownership, "owner", "ownershipOwner"),
            (Schema::Ownership, "asset", "ownershipAsset"),
            (Schema::Directorship, "director", "directorshipDirector"),
            (Schema::Family, "relative", "familyRelative"),
            (Schema::UnknownLink, "subject", "unknownLinkSubject"),
            (Schema::Associate, "person", "associates"),
        ];
        for (schema, property, expected) in cases {
            assert_eq!(reverse_property(&schema, property), expected);
        }
    }

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(percent_encode("NK-abc_1.x"), "NK-abc_1.x");
        assert_eq!(percent_encode("a b/ü"), "a%20b%2F%C3%BC");
    }
}
