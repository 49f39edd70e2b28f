//! Every endpoint against a real server on a loopback port.

use serde_json::Value;

use crate::support::{self, results, start};

const GUZMAN: &str = r#"{"queries": {"q1": {"schema": "Person", "properties": {"name": ["Joaquin Guzman Loera"], "birthDate": ["1957-04-04"], "nationality": ["mx"]}}}}"#;

#[test]
fn health_and_readiness_need_no_key() {
    let server = start();
    let health = server.get("/healthz", None);
    assert_eq!((health.status, health.json()["status"].as_str()), (200, Some("ok")));
    let ready = server.get("/readyz", None);
    assert_eq!(ready.status, 200);
    assert_eq!(ready.json()["index"]["lists_version"], "test_sdn@1,test_un@1");
}

#[test]
fn match_finds_the_listed_person_with_yentes_response_shape() {
    let server = start();
    let reply = server.matching("/match/default", GUZMAN);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.content_type.starts_with("application/json"));
    let json = reply.json();
    assert_eq!(json["limit"], 5);
    let response = &json["responses"]["q1"];
    assert_eq!(response["status"], 200);
    assert_eq!(response["total"]["relation"], "eq");
    assert_eq!(response["query"]["schema"], "Person");
    assert_eq!(response["query"]["properties"]["name"][0], "Joaquin Guzman Loera");
    assert_eq!(response["lists_version"], "test_sdn@1,test_un@1");
    assert_eq!(response["algorithm"], "vigia");
    let best = &response["results"][0];
    for field in [
        "id",
        "caption",
        "schema",
        "properties",
        "datasets",
        "referents",
        "target",
        "first_seen",
        "last_seen",
        "last_change",
        "score",
        "match",
        "explanations",
    ] {
        assert!(best.get(field).is_some(), "result has no {field}: {best}");
    }
    assert_eq!(best["id"], "sdn-guzman");
    assert_eq!(best["match"], true);
    assert_eq!(best["properties"]["birthDate"][0], "1957-04-04");
    assert_eq!(best["datasets"][0], "test_sdn");
    let name = &best["explanations"]["name_match"];
    for field in ["score", "detail", "query", "candidate"] {
        assert!(name.get(field).is_some(), "explanation has no {field}: {name}");
    }
}

#[test]
fn match_parameters_filter_and_shape_the_results() {
    let server = start();
    let body =
        r#"{"queries": {"q": {"schema": "Person", "properties": {"name": ["Joaquin Guzman"]}}}}"#;
    let ids = |path: &str| -> Vec<String> {
        let reply = server.matching(path, body);
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        results(&reply.json(), "q").into_iter().map(|r| r.0).collect()
    };
    assert_eq!(ids("/match/default"), ["sdn-guzman"]);
    assert_eq!(ids("/match/sanctions"), ["sdn-guzman"]);
    assert_eq!(ids("/match/test_sdn"), ["sdn-guzman"]);
    assert!(ids("/match/test_un").is_empty());
    assert!(ids("/match/default?exclude_dataset=test_sdn").is_empty());
    assert!(ids("/match/default?include_dataset=test_un").is_empty());
    assert!(ids("/match/default?exclude_entity_ids=sdn-guzman").is_empty());
    assert!(ids("/match/default?exclude_schema=Person").is_empty());
    assert!(ids("/match/default?topics=crime.terror").is_empty());
    assert_eq!(ids("/match/default?topics=sanction"), ["sdn-guzman"]);
    assert_eq!(ids("/match/default?changed_since=2024-01-01"), ["sdn-guzman"]);
    assert!(ids("/match/default?changed_since=2024-06-01").is_empty());
    assert!(ids("/match/default?limit=0").is_empty());
    assert!(ids("/match/default?threshold=0.99&cutoff=0.99").is_empty());
    assert_eq!(
        ids("/match/default?threshold=0.6&cutoff=0.99"),
        ["sdn-guzman"],
        "the cut-off never exceeds the threshold"
    );
    for algorithm in ["best", "logic-v2", "name-based", "ofac", "vigia-name"] {
        let reply = server.matching(&format!("/match/default?algorithm={algorithm}"), body);
        assert_eq!(reply.status, 200, "{algorithm}: {}", reply.body);
    }
    let reply = server.matching("/match/default?algorithm=name-based", body).json();
    assert_eq!(reply["responses"]["q"]["algorithm"], "vigia-name");
    // Below the threshold but above the cut-off: returned, not a match.
    let reply = server.matching("/match/default?threshold=0.99", body).json();
    assert_eq!(results(&reply, "q")[0].2, false);
}

#[test]
fn many_excluded_ids_are_accepted() {
    let server = start();
    let mut query = String::from("/match/default?");
    for i in 0..500 {
        query.push_str(&format!("exclude_entity_ids=x{i}&"));
    }
    query.push_str("exclude_entity_ids=sdn-guzman");
    let reply = server.matching(&query, GUZMAN);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(results(&reply.json(), "q1").iter().all(|r| r.0 != "sdn-guzman"));
}

#[test]
fn batches_answer_every_query_by_id() {
    let server = start();
    let body = r#"{"queries": {
        "a": {"schema": "Person", "properties": {"name": ["Ismael Zambada Garcia"]}},
        "b": {"schema": "Company", "properties": {"name": ["CECOEX"]}},
        "c": {"schema": "Organization", "properties": {"name": "Tren de Aragua"}},
        "d": {"schema": "Vessel", "properties": {"name": ["Sea Breeze"], "imoNumber": ["IMO 9123456"]}},
        "e": {"schema": "Person", "properties": {"name": ["Nobody Atall Here"]}}
    }}"#;
    let reply = server.matching("/match/default", body);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let json = reply.json();
    let first = |q: &str| results(&json, q).first().map(|r| r.0.clone());
    assert_eq!(first("a").as_deref(), Some("sdn-zambada"));
    assert_eq!(first("b").as_deref(), Some("sdn-cecoex"));
    assert_eq!(first("c").as_deref(), Some("un-qde-2"));
    assert_eq!(first("d").as_deref(), Some("sdn-vessel"));
    assert_eq!(first("e"), None);
}

#[test]
fn weights_and_config_override_coefficients_and_unknown_ones_are_reported() {
    let server = start();
    let plain = r#"{"queries": {"q": {"schema": "Person", "properties": {"name": ["Joaquin Guzman Loera"], "nationality": ["us"]}}}}"#;
    let heavier = r#"{"weights": {"country_mismatch": -0.5, "name_literal": 0.8}, "config": {"nm_number_mismatch": 0.4}, "queries": {"q": {"schema": "Person", "properties": {"name": ["Joaquin Guzman Loera"], "nationality": ["us"]}}}}"#;
    let base = server.matching("/match/default?cutoff=0", plain).json();
    let changed = server.matching("/match/default?cutoff=0", heavier).json();
    let score = |json: &Value| results(json, "q")[0].1;
    assert!(score(&changed) < score(&base), "{changed}");
    assert_ne!(changed["responses"]["q"]["config"], base["responses"]["q"]["config"]);
    let warnings = changed["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(base.get("warnings").is_none());
}

#[test]
fn search_with_filters_paging_and_facets() {
    let server = start();
    let key = Some(server.screen.as_str());
    let reply = server.get("/search/default?q=guzman%20loera", key);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let json = reply.json();
    assert_eq!(json["results"][0]["id"], "sdn-guzman");
    assert_eq!(json["total"]["value"], 1);
    assert_eq!(json["facets"]["countries"]["values"][0]["name"], "mx");
    assert_eq!(json["facets"]["countries"]["values"][0]["label"], "Mexico");
    assert_eq!(json["facets"]["datasets"]["values"][0]["name"], "test_sdn");

    // No q: every entity passing the filters.
    let all = server.get("/search/default", key).json();
    assert_eq!(all["total"]["value"], 6);
    let persons = server.get("/search/default?schema=Person", key).json();
    assert_eq!(persons["total"]["value"], 3);
    let organisations = server.get("/search/default?schema=Organization", key).json();
    assert_eq!(organisations["total"]["value"], 2, "a Company is an Organization");
    let mexico = server.get("/search/default?countries=mx&topics=sanction", key).json();
    assert_eq!(mexico["total"]["value"], 3);
    let un = server.get("/search/test_un", key).json();
    assert_eq!(un["total"]["value"], 2);
    let datasets = server.get("/search/default?datasets=test_un", key).json();
    assert_eq!(datasets["total"]["value"], 2);
    let page = server.get("/search/default?limit=2&offset=5", key).json();
    assert_eq!(page["results"].as_array().unwrap().len(), 1);
    assert_eq!((page["limit"].as_u64(), page["offset"].as_u64()), (Some(2), Some(5)));
    let schema = server.get("/search/default?facets=schema", key).json();
    assert!(schema["facets"]["schema"]["values"].as_array().unwrap().len() >= 4);
    for bad in [
        "/search/default?limit=x",
        "/search/default?offset=10000",
        "/search/default?facets=colour",
        "/search/default?schema=Spaceship",
    ] {
        let reply = server.get(bad, key);
        assert_eq!(reply.status, 400, "{bad}: {}", reply.body);
    }
    assert_eq!(server.get("/search/nowhere?q=x", key).status, 404);
}

#[test]
fn entities_with_adjacent_entities_nested() {
    let server = start();
    let key = Some(server.screen.as_str());
    let plain = server.get("/entities/sdn-guzman", key);
    assert_eq!(plain.status, 200, "{}", plain.body);
    let json = plain.json();
    assert_eq!(json["caption"], "Joaquín Archivaldo GUZMÁN LOERA");
    assert_eq!(json["versions"][0], "test_sdn@1");
    assert!(json["properties"].get("sanctions").is_none());

    let nested = server.get("/entities/sdn-guzman?nested=true", key).json();
    assert_eq!(nested["properties"]["sanctions"][0]["id"], "sdn-sanction-guzman");
    assert_eq!(nested["properties"]["sanctions"][0]["properties"]["program"][0], "SDNTK");
    assert_eq!(nested["properties"]["ownershipOwner"][0]["id"], "sdn-own-1");

    // Entities that are not screened (links, sanctions) are found too.
    let link = server.get("/entities/sdn-own-1?nested=true", key).json();
    assert_eq!(link["properties"]["owner"][0]["id"], "sdn-guzman");
    assert_eq!(link["properties"]["asset"][0]["caption"], "CECOEX, S.A. de C.V.");

    // A merged id redirects to the entity.
    let moved = server.get("/entities/old-guzman?nested=true", key);
    assert_eq!(moved.status, 308);
    assert_eq!(moved.header("location"), Some("/entities/sdn-guzman?nested=true"));

    let missing = server.get("/entities/nobody", key);
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["error"], "not_found");
    assert_eq!(server.get("/entities/sdn-guzman?nested=maybe", key).status, 400);
}

#[test]
fn catalog_algorithms_openapi_and_metrics() {
    let server = start();
    let key = Some(server.screen.as_str());
    let catalog = server.get("/catalog", key).json();
    let datasets = catalog["datasets"].as_array().unwrap();
    let sdn = datasets.iter().find(|d| d["name"] == "test_sdn").unwrap();
    assert_eq!(sdn["version"], "1");
    assert_eq!(sdn["entity_count"], 6);
    assert_eq!(sdn["indexed_count"], 4);
    assert_eq!(sdn["updated_at"], "2026-01-01T00:00:00Z");
    let default = datasets.iter().find(|d| d["name"] == "default").unwrap();
    assert_eq!(default["type"], "collection");
    assert_eq!(default["children"], serde_json::json!(["test_sdn", "test_un"]));

    let algorithms = server.get("/algorithms", key).json();
    assert_eq!(algorithms["default"], "vigia");
    let vigia =
        algorithms["algorithms"].as_array().unwrap().iter().find(|a| a["name"] == "vigia").unwrap();
    assert!(vigia["features"]["country_mismatch"]["coefficient"].as_f64().unwrap() < 0.0);
    assert!(vigia["aliases"].as_array().unwrap().iter().any(|a| a == "best"));

    let openapi = server.get("/openapi.json", key);
    assert_eq!(openapi.status, 200);
    assert_eq!(openapi.json()["openapi"], "3.1.0");

    server.matching("/match/default", GUZMAN);
    let metrics = server.get("/metrics", key);
    assert_eq!(metrics.status, 200);
    assert!(metrics.content_type.starts_with("text/plain"));
    for needle in [
        "vigia_http_requests_total{route=\"/match/{dataset}\",method=\"POST\",status=\"200\"} 1",
        "vigia_http_request_duration_seconds_bucket{route=\"/match/{dataset}\",method=\"POST\",le=\"+Inf\"} 1",
        "vigia_list_version{dataset=\"test_sdn\"} 1",
        "vigia_list_entities{dataset=\"test_sdn\"} 6",
        "vigia_index_records 6",
        "vigia_screen_queries_total 1",
        "vigia_ready 1",
    ] {
        assert!(metrics.body.contains(needle), "no {needle} in\n{}", metrics.body);
    }
}

/// The OpenAPI document names every route the server answers, and only
/// those; the routes are probed on the running server.
#[test]
fn openapi_describes_every_endpoint() {
    let server = start();
    let document: Value = serde_json::from_str(vigia_server::openapi()).unwrap();
    let paths = document["paths"].as_object().unwrap();
    let mut documented: Vec<(String, String)> = Vec::new();
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            documented.push((method.to_uppercase(), path.clone()));
        }
    }
    documented.sort();
    let expected = [
        ("GET", "/admin/lists/update"),
        ("GET", "/algorithms"),
        ("GET", "/catalog"),
        ("GET", "/entities/{id}"),
        ("GET", "/healthz"),
        ("GET", "/metrics"),
        ("GET", "/openapi.json"),
        ("GET", "/readyz"),
        ("GET", "/search/{dataset}"),
        ("POST", "/admin/lists/reload"),
        ("POST", "/admin/lists/update"),
        ("POST", "/match/{dataset}"),
    ];
    let expected: Vec<(String, String)> =
        expected.iter().map(|(m, p)| ((*m).to_owned(), (*p).to_owned())).collect();
    assert_eq!(documented, expected);
    // Each documented route exists: without a key it is a 401 (or 200 for
    // the open ones), never the 404/405 of an unknown route.
    for (method, path) in &documented {
        let concrete = path.replace("{dataset}", "default").replace("{id}", "sdn-guzman");
        let reply = if method == "GET" {
            server.get(&concrete, None)
        } else {
            server.post(&concrete, None, b"{}")
        };
        let open = ["/healthz", "/readyz"].contains(&path.as_str());
        assert_eq!(reply.status, if open { 200 } else { 401 }, "{method} {path}");
    }
    // And an undocumented one is a JSON 404; a wrong method a JSON 405.
    let unknown = server.get("/nothing/here", Some(&server.admin));
    assert_eq!((unknown.status, unknown.json()["error"].as_str()), (404, Some("not_found")));
    let wrong = server.get("/match/default", Some(&server.admin));
    assert_eq!(wrong.status, 405, "{}", wrong.body);
    assert_eq!(wrong.json()["status"], 405);
}

#[test]
fn the_built_in_watchlist_is_served_when_nothing_is_imported() {
    let server = support::start_with(|_| {}, None, false);
    let reply = server.matching(
        "/match/default",
        r#"{"queries": {"q": {"schema": "Person", "properties": {"name": ["Joaquin Guzman Loera"]}}}}"#,
    );
    let json = reply.json();
    assert_eq!(json["responses"]["q"]["lists_version"], "vigia_builtin@embedded");
    assert_eq!(results(&json, "q")[0].0, "vigia-guzman-loera");
    let entity = server.get("/entities/vigia-guzman-loera", Some(&server.screen));
    assert_eq!(entity.status, 200, "{}", entity.body);
}
