//! API keys: schemes, roles, dataset scope, revocation, no-auth mode.

use vigia_store::{KeyStore, Store};

use crate::support::{self, key, results, start};

const QUERY: &str =
    r#"{"queries": {"q": {"schema": "Person", "properties": {"name": ["Joaquin Guzman Loera"]}}}}"#;

fn with_header(server: &support::TestServer, header: &str) -> u16 {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent()
        .get(&format!("{}/catalog", server.base))
        .header("Authorization", header)
        .call()
        .unwrap()
        .status()
        .as_u16()
}

#[test]
fn keys_travel_as_apikey_or_bearer() {
    let server = start();
    assert_eq!(with_header(&server, &format!("ApiKey {}", server.screen)), 200);
    assert_eq!(with_header(&server, &format!("Bearer {}", server.screen)), 200);
    assert_eq!(with_header(&server, &format!("bearer {}", server.admin)), 200);
    for bad in ["ApiKey nope", "Basic dXNlcjpwYXNz", "ApiKey", "Token x"] {
        assert_eq!(with_header(&server, bad), 401, "{bad}");
    }
    let missing = server.get("/catalog", None);
    assert_eq!(missing.status, 401);
    assert_eq!(missing.json()["error"], "unauthorized");
    assert!(missing.header("www-authenticate").is_some_and(|v| v.contains("ApiKey")));
}

#[test]
fn screen_keys_cannot_administer() {
    let server = start();
    let reply = server.post("/admin/lists/reload?wait=true", Some(&server.screen), b"");
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert_eq!(reply.json()["error"], "forbidden");
    assert_eq!(server.get("/admin/lists/update", Some(&server.screen)).status, 403);
    assert_eq!(server.get("/admin/lists/update", Some(&server.admin)).status, 200);
}

#[test]
fn a_dataset_scope_limits_what_a_key_sees() {
    let server = start();
    let un_only = key(&server.data(), "un-only", "screen", &["test_un"]);
    let guzman = server.post("/match/default", Some(&un_only), QUERY.as_bytes());
    assert_eq!(guzman.status, 200);
    assert!(results(&guzman.json(), "q").is_empty(), "the key does not see test_sdn");
    assert_eq!(server.post("/match/test_sdn", Some(&un_only), QUERY.as_bytes()).status, 403);
    assert_eq!(
        server
            .post("/match/default?include_dataset=test_sdn", Some(&un_only), QUERY.as_bytes())
            .status,
        403
    );
    assert_eq!(server.get("/entities/sdn-guzman", Some(&un_only)).status, 404);
    assert_eq!(server.get("/entities/un-qde-2", Some(&un_only)).status, 200);
    let catalog = server.get("/catalog", Some(&un_only)).json();
    assert_eq!(catalog["current"], serde_json::json!(["test_un"]));
    let search = server.get("/search/default", Some(&un_only)).json();
    assert_eq!(search["total"]["value"], 2);
}

#[test]
fn revocation_takes_effect_on_the_next_request() {
    let server = start();
    let temporary = key(&server.data(), "temporary", "screen", &[]);
    assert_eq!(server.post("/match/default", Some(&temporary), QUERY.as_bytes()).status, 200);
    let mut store = Store::open(&server.data()).unwrap();
    store.revoke_key("temporary", "2026-01-02T00:00:00Z", "test").unwrap();
    let refused = server.post("/match/default", Some(&temporary), QUERY.as_bytes());
    assert_eq!(refused.status, 401);
    assert!(refused.json()["detail"].as_str().unwrap().contains("revoked"));
    // The failures are counted by reason, and the key never reaches the
    // metrics.
    let metrics = server.get("/metrics", Some(&server.screen)).body;
    assert!(metrics.contains("vigia_auth_failures_total{reason=\"revoked\"} 1"), "{metrics}");
    assert!(!metrics.contains(&temporary));
}

#[test]
fn without_auth_every_request_is_an_anonymous_admin() {
    let server = support::start_with(|c| c.require_keys = false, None, true);
    assert_eq!(server.get("/catalog", None).status, 200);
    assert_eq!(server.post("/match/default", None, QUERY.as_bytes()).status, 200);
    assert_eq!(server.post("/admin/lists/reload?wait=true", None, b"").status, 200);
}
