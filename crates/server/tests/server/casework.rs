//! The workflow endpoints: customers registered and screened, hits
//! decided, the alert queue, cases worked to a four-eyes closing; roles
//! checked by the server, bad requests as JSON 4xx.

use serde_json::{Value, json};

use crate::support::{TestServer, key, start};

/// The casework keys: two analysts, two supervisors.
struct Team {
    ana: String,
    bob: String,
    sue: String,
    sam: String,
}

fn team(server: &TestServer) -> Team {
    let data = server.data();
    Team {
        ana: key(&data, "ana", "analyst", &[]),
        bob: key(&data, "bob", "analyst", &[]),
        sue: key(&data, "sue", "supervisor", &[]),
        sam: key(&data, "sam", "supervisor", &[]),
    }
}

/// Sends and asserts the status; returns the JSON body.
fn call(
    server: &TestServer,
    method: &str,
    path: &str,
    key: &str,
    body: Value,
    status: u16,
) -> Value {
    let body = if body.is_null() { String::new() } else { body.to_string() };
    let reply = server.send(method, path, Some(key), &body);
    assert_eq!(reply.status, status, "{method} {path}: {}", reply.body);
    assert!(reply.content_type.starts_with("application/json"), "{method} {path}");
    let value = reply.json();
    if status >= 400 {
        assert_eq!(value["status"], status, "{value}");
        assert!(value["detail"].as_str().is_some_and(|d| !d.is_empty()), "{value}");
    }
    value
}

fn guzman() -> Value {
    json!({"id": "c-guzman", "schema": "Person", "properties": {
        "name": "Joaquin Archivaldo Guzman Loera", "birthDate": "1957-04-04", "nationality": "mx"}})
}

#[test]
fn customers_are_registered_screened_and_their_hits_decided() {
    let server = start();
    let team = team(&server);
    // Screening clients register nothing and read no casework.
    call(&server, "POST", "/customers", &server.screen, guzman(), 403);
    call(&server, "GET", "/hits", &server.screen, Value::Null, 403);

    let batch = json!({"customers": [guzman(),
        {"id": "c-zambada", "schema": "Person", "properties": {"name": ["Ismael Zambada Garcia"], "birthDate": ["1948"]}},
        {"id": "c-lima", "schema": "Person", "properties": {"name": ["Ana Maria Lima"]}}]});
    let registered = call(&server, "POST", "/customers", &team.ana, batch.clone(), 200);
    assert_eq!(registered["import"]["added"], 3, "{registered}");
    let hits_of = |reply: &Value, id: &str| -> Vec<Value> {
        let customer =
            reply["customers"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap();
        customer["hits"].as_array().unwrap().clone()
    };
    let guzman_hits = hits_of(&registered, "c-guzman");
    assert_eq!(guzman_hits[0]["entity_id"], "sdn-guzman", "{registered}");
    assert_eq!(guzman_hits[0]["status"], "open");
    assert!(hits_of(&registered, "c-lima").is_empty(), "{registered}");
    assert!(registered["lists_version"].as_str().unwrap().contains("test_sdn@"));

    // Registering the same customers again changes nothing.
    let again = call(&server, "POST", "/customers", &server.admin, batch, 200);
    assert_eq!(again["import"]["unchanged"], 3, "{again}");
    assert_eq!(again["screening"]["opened"], 0, "{again}");

    let customer = call(&server, "GET", "/customers/c-guzman", &server.admin, Value::Null, 200);
    assert_eq!(customer["customer"]["version"], 1);
    assert_eq!(customer["hits"].as_array().unwrap().len(), guzman_hits.len());
    let listed = call(&server, "GET", "/customers?limit=2", &team.bob, Value::Null, 200);
    assert_eq!(listed["customers"].as_array().unwrap().len(), 2);
    assert_eq!(listed["counts"]["active"], 3);
    call(&server, "GET", "/customers/nobody", &team.bob, Value::Null, 404);

    let open = call(&server, "GET", "/hits?status=open", &team.bob, Value::Null, 200);
    let zambada = open["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["customer_id"] == "c-zambada")
        .unwrap_or_else(|| panic!("{open}"))
        .clone();
    let hit_path = format!("/hits/{}", zambada["id"].as_str().unwrap());
    let decisions = format!("{hit_path}/decisions");
    // Operators read but do not decide; decisions need a known kind and a reason.
    call(
        &server,
        "POST",
        &decisions,
        &server.admin,
        json!({"kind": "false_positive", "reason": "x"}),
        403,
    );
    call(&server, "POST", &decisions, &team.bob, json!({"kind": "maybe", "reason": "x"}), 400);
    call(
        &server,
        "POST",
        &decisions,
        &team.bob,
        json!({"kind": "false_positive", "reason": " "}),
        400,
    );
    call(&server, "POST", &decisions, &team.bob, json!({"kind": "false_positive"}), 400);
    call(
        &server,
        "POST",
        "/hits/hit-0000/decisions",
        &team.bob,
        json!({"kind": "true_match", "reason": "x"}),
        404,
    );
    let stale = json!({"kind": "false_positive", "reason": "x", "seen_openings": 7});
    call(&server, "POST", &decisions, &team.bob, stale, 409);
    let decided = call(
        &server,
        "POST",
        &decisions,
        &team.bob,
        json!({"kind": "false_positive", "reason": "born 1948-01-01, ours 1948-07-02", "seen_openings": zambada["openings"]}),
        200,
    );
    assert_eq!(decided["hit"]["status"], "cleared", "{decided}");
    assert_eq!(decided["decision"]["author"], "bob");
    let hit = call(&server, "GET", &hit_path, &server.admin, Value::Null, 200);
    assert_eq!(hit["decisions"].as_array().unwrap().len(), 1);

    // Bad registrations are 400s naming the customer.
    for bad in [
        json!({"id": "c-x", "schema": "Sanction", "properties": {"name": "X"}}),
        json!({"id": "c-x", "properties": {"birthDate": "1980"}}),
        json!({"id": "c-x", "properties": {"name": "X", "birthDate": "1980-02-31"}}),
        json!({"customers": []}),
        json!([1, 2]),
    ] {
        call(&server, "POST", "/customers", &team.ana, bad, 400);
    }
    let reply = server.send("POST", "/customers", Some(&team.ana), "{not json");
    assert_eq!(reply.status, 400);
    call(&server, "GET", "/hits?status=maybe", &team.ana, Value::Null, 400);
    call(&server, "GET", "/hits?colour=red", &team.ana, Value::Null, 400);
    call(&server, "GET", "/hits?limit=0", &team.ana, Value::Null, 400);
}

#[test]
fn cases_are_worked_and_closed_with_four_eyes() {
    let server = start();
    let team = team(&server);
    let registered = call(&server, "POST", "/customers", &team.ana, guzman(), 200);
    assert!(registered["screening"]["alerts"].as_u64().unwrap() >= 1, "{registered}");

    // The queue: the screening alert, in no case yet.
    let queue = call(&server, "GET", "/alerts", &team.ana, Value::Null, 200);
    let alerts = queue["alerts"].as_array().unwrap();
    let alert = alerts
        .iter()
        .find(|a| a["subjects"][0] == "c-guzman" && a["source"] == "screening")
        .unwrap_or_else(|| panic!("{queue}"));
    let alert_id = alert["id"].as_str().unwrap().to_owned();
    call(&server, "GET", &format!("/alerts/{alert_id}"), &server.admin, Value::Null, 200);
    call(&server, "GET", "/alerts/nope", &server.admin, Value::Null, 404);
    call(&server, "GET", "/alerts?min_severity=urgent", &server.admin, Value::Null, 400);

    call(&server, "POST", "/cases", &server.admin, json!({"alerts": [alert_id]}), 403);
    call(&server, "POST", "/cases", &team.ana, json!({}), 400);
    call(&server, "POST", "/cases", &team.ana, json!({"alerts": ["nope"]}), 400);
    let case = call(
        &server,
        "POST",
        "/cases",
        &team.ana,
        json!({"alerts": [alert_id], "title": "Guzman hit"}),
        201,
    );
    let id = case["id"].as_str().unwrap_or_else(|| panic!("{case}")).to_owned();
    let path = |action: &str| format!("/cases/{id}/{action}");
    assert_eq!(case["state"], "open", "{case}");
    // The alert left the queue.
    let queue = call(&server, "GET", "/alerts", &team.ana, Value::Null, 200);
    assert!(!queue.to_string().contains(&alert_id), "{queue}");

    // Ana takes it; Bob may not take it from her, nor work it.
    call(&server, "POST", &path("assign"), &team.ana, json!({"to": "ana"}), 200);
    call(&server, "POST", &path("assign"), &team.bob, json!({"to": "bob"}), 403);
    call(&server, "POST", &path("review"), &team.bob, Value::Null, 403);
    let reviewed = call(&server, "POST", &path("review"), &team.ana, Value::Null, 200);
    assert_eq!(reviewed["state"], "in_review");
    call(&server, "POST", &path("review"), &team.ana, Value::Null, 409);
    call(
        &server,
        "POST",
        &path("comments"),
        &team.ana,
        json!({"text": "DOB and nationality agree"}),
        200,
    );
    call(&server, "POST", &path("comments"), &team.ana, json!({"text": ""}), 400);
    call(&server, "POST", &path("comments"), &server.admin, json!({"text": "ops"}), 403);
    call(
        &server,
        "POST",
        &path("attachments"),
        &team.ana,
        json!({"uri": "dms://kyc/c-guzman/passport", "sha256": "a".repeat(64), "description": "passport"}),
        200,
    );
    let edited = call(
        &server,
        "PATCH",
        &format!("/cases/{id}"),
        &team.ana,
        json!({"narrative": "The customer is the listed person.", "add_key_terms": ["sanctions"]}),
        200,
    );
    assert_eq!(edited["narrative"], "The customer is the listed person.", "{edited}");
    call(&server, "PATCH", &format!("/cases/{id}"), &team.ana, json!({}), 400);
    call(&server, "PATCH", &format!("/cases/{id}"), &team.ana, json!({"colour": "red"}), 400);
    call(&server, "POST", &path("explode"), &team.ana, Value::Null, 404);
    call(&server, "POST", "/cases/nope/review", &team.ana, Value::Null, 404);
    call(&server, "POST", &path("close"), &team.ana, json!({"disposition": "perhaps"}), 400);

    // Closing as a true match needs a supervisor who did not ask.
    let asked = call(
        &server,
        "POST",
        &path("close"),
        &team.ana,
        json!({"disposition": "true_match", "reason": "confirmed"}),
        200,
    );
    assert_eq!(asked["state"], "in_review", "{asked}");
    call(&server, "POST", &path("close"), &team.ana, json!({"disposition": "true_match"}), 409);
    call(&server, "POST", &path("approve"), &team.ana, Value::Null, 403);
    call(&server, "POST", &path("approve"), &team.bob, Value::Null, 403);
    let awaiting =
        call(&server, "GET", "/cases?awaiting_approval=true", &team.sue, Value::Null, 200);
    assert_eq!(awaiting["cases"].as_array().unwrap().len(), 1, "{awaiting}");
    let closed = call(&server, "POST", &path("approve"), &team.sue, json!({"note": "agreed"}), 200);
    assert_eq!(closed["state"], "closed", "{closed}");
    assert_eq!(closed["disposition"], "true_match");
    call(&server, "POST", &path("comments"), &team.ana, json!({"text": "after closing"}), 200);

    // A supervisor cannot approve their own request either.
    call(&server, "POST", &path("reopen"), &team.ana, json!({"reason": "new facts"}), 403);
    call(&server, "POST", &path("reopen"), &team.sam, json!({"reason": "new facts"}), 200);
    call(&server, "POST", &path("assign"), &team.sam, json!({"to": "sam"}), 200);
    let state =
        call(&server, "GET", &format!("/cases/{id}"), &team.sam, Value::Null, 200)["state"].clone();
    if state == "open" {
        call(&server, "POST", &path("review"), &team.sam, Value::Null, 200);
    }
    call(&server, "POST", &path("close"), &team.sam, json!({"disposition": "true_match"}), 200);
    let own = call(&server, "POST", &path("approve"), &team.sam, Value::Null, 403);
    assert!(own["detail"].as_str().unwrap().contains("four-eyes"), "{own}");
    call(&server, "POST", &path("approve"), &team.sue, Value::Null, 200);

    let history = call(&server, "GET", &path("history"), &server.admin, Value::Null, 200);
    let actions: Vec<&str> =
        history["events"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(actions.iter().any(|a| a.contains("approve")), "{actions:?}");
    call(&server, "GET", "/cases/nope/history", &server.admin, Value::Null, 404);
    let listed = call(&server, "GET", "/cases?state=closed", &server.admin, Value::Null, 200);
    assert_eq!(listed["cases"].as_array().unwrap().len(), 1);
    call(&server, "GET", "/cases?state=shut", &server.admin, Value::Null, 400);
}
