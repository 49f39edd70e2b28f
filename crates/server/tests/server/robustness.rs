//! Bad input is a 4xx with a JSON error body, never a panic or a 5xx;
//! limits hold; the request decoder is checked on arbitrary input.

use proptest::prelude::*;
use serde_json::Value;

use crate::support::{self, start};

/// Every bad request here must answer `status` with a JSON error whose
/// detail mentions `needle`.
#[test]
fn bad_requests_are_4xx_with_a_json_error() {
    let server = support::start_with(
        |c| {
            c.max_batch = 3;
            c.max_body_bytes = 16 * 1024;
        },
        None,
        true,
    );
    let person = |props: &str| {
        format!(r#"{{"queries": {{"q": {{"schema": "Person", "properties": {props}}}}}}}"#)
    };
    let big = format!(
        r#"{{"queries": {{"q": {{"properties": {{"name": ["{}"]}}}}}}}}"#,
        "x".repeat(20_000)
    );
    let cases: Vec<(String, String, u16, &str)> = vec![
        ("/match/default".into(), "{not json".into(), 400, "not a match request"),
        ("/match/default".into(), "".into(), 400, "not a match request"),
        ("/match/default".into(), "[1, 2]".into(), 400, "not a match request"),
        ("/match/default".into(), r#"{"queries": []}"#.into(), 400, "not a match request"),
        ("/match/default".into(), r#"{"queries": {"q": {"schema": "Spaceship", "properties": {"name": ["x"]}}}}"#.into(), 400, "unknown schema"),
        ("/match/default".into(), r#"{"queries": {"q": {"schema": "Sanction", "properties": {"name": ["x"]}}}}"#.into(), 400, "cannot be screened"),
        ("/match/default".into(), person(r#"{"name": ["x"], "birthDate": ["21/04/1975"]}"#), 400, "ISO date"),
        ("/match/default".into(), person(r#"{"name": ["x"], "birthDate": ["1975-13-01"]}"#), 400, "ISO date"),
        ("/match/default".into(), person(r#"{"nationality": ["mx"]}"#), 400, "no name"),
        ("/match/default".into(), person(r#"{"name": [["nested"]]}"#), 400, "strings"),
        ("/match/default".into(), person(r#""John""#), 400, "not a match request"),
        ("/match/default".into(), r#"{"queries": {"a": {"properties": {"name": "a"}}, "b": {"properties": {"name": "b"}}, "c": {"properties": {"name": "c"}}, "d": {"properties": {"name": "d"}}}}"#.into(), 413, "at most 3"),
        ("/match/default".into(), big, 413, "larger than"),
        ("/match/default?limit=many".into(), person(r#"{"name": ["x"]}"#), 400, "limit"),
        ("/match/default?limit=501".into(), person(r#"{"name": ["x"]}"#), 400, "limit"),
        ("/match/default?threshold=1.5".into(), person(r#"{"name": ["x"]}"#), 400, "threshold"),
        ("/match/default?algorithm=magic".into(), person(r#"{"name": ["x"]}"#), 400, "algorithm"),
        ("/match/default?changed_since=last%20week".into(), person(r#"{"name": ["x"]}"#), 400, "changed_since"),
        ("/match/default?exclude_schema=Spaceship".into(), person(r#"{"name": ["x"]}"#), 400, "schema"),
        ("/match/default?include_dataset=nowhere".into(), person(r#"{"name": ["x"]}"#), 400, "nowhere"),
        ("/match/nowhere".into(), person(r#"{"name": ["x"]}"#), 404, "no dataset"),
        ("/match/default".into(), r#"{"queries": {"q": {"properties": {"name": ["x"]}}}, "weights": {"country_mismatch": "lots"}}"#.into(), 400, "country_mismatch"),
    ];
    for (path, body, status, needle) in cases {
        let reply = server.post(&path, Some(&server.screen), body.as_bytes());
        assert_eq!(reply.status, status, "{path} {body:.80}: {}", reply.body);
        assert!(
            reply.content_type.starts_with("application/json"),
            "{path}: {}",
            reply.content_type
        );
        let json: Value = reply.json();
        assert_eq!(json["status"], status);
        let detail = json["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(needle), "{path} {body:.80}: {detail}");
    }
}

#[test]
fn an_empty_batch_is_an_empty_answer() {
    let server = start();
    let reply = server.matching("/match/default", r#"{"queries": {}}"#);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["responses"], serde_json::json!({}));
}

#[test]
fn a_request_past_the_timeout_is_a_503_and_the_server_goes_on() {
    let server = support::start_with(
        |c| c.request_timeout = std::time::Duration::from_millis(1),
        None,
        true,
    );
    let mut queries = String::from(r#"{"queries": {"#);
    for i in 0..100 {
        queries.push_str(&format!(
            r#""q{i}": {{"schema": "Person", "properties": {{"name": ["Joaquin Archivaldo Guzman Loera {i}", "Ismael Zambada Garcia", "Abdul Rahman Yasin"]}}}},"#
        ));
    }
    queries.pop();
    queries.push_str("}}");
    let reply = server.matching("/match/default", &queries);
    assert_eq!(reply.status, 503, "{}", &reply.body[..reply.body.len().min(200)]);
    assert!(reply.json()["detail"].as_str().unwrap().contains("longer than"));
    assert_eq!(server.get("/healthz", None).status, 200);
}

#[test]
fn a_full_queue_answers_503_at_once() {
    let server = support::start_with(|c| c.max_pending = 1, None, true);
    let one =
        r#"{"queries": {"q": {"schema": "Person", "properties": {"name": ["Joaquin Guzman"]}}}}"#;
    // Many clients at once over a queue of one: some are refused, none
    // fails otherwise, and the server keeps answering afterwards.
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..16)
            .map(|_| scope.spawn(|| server.matching("/match/default", one).status))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(statuses.iter().all(|s| *s == 200 || *s == 503), "{statuses:?}");
    assert_eq!(server.matching("/match/default", one).status, 200);
}

/// Arbitrary JSON-ish values in every position of a match request.
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|n| serde_json::Number::from_f64(n)
            .map(Value::Number)
            .unwrap_or(Value::Null)),
        "\\PC{0,24}".prop_map(Value::String),
        prop_oneof![
            Just("Person"),
            Just("Company"),
            Just("Address"),
            Just("Vessel"),
            Just("1957-04-04"),
            Just("name"),
            Just("birthDate")
        ]
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("queries".to_owned()),
                    Just("schema".to_owned()),
                    Just("properties".to_owned()),
                    Just("name".to_owned()),
                    Just("birthDate".to_owned()),
                    Just("weights".to_owned()),
                    Just("country_mismatch".to_owned()),
                    Just("customers".to_owned()),
                    Just("id".to_owned()),
                    "[a-z]{1,8}",
                ],
                inner,
                0..6,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Decoding never panics, and fails only with a 4xx.
    #[test]
    fn decoding_arbitrary_values_is_total(body in value()) {
        let bytes = serde_json::to_vec(&body).unwrap();
        if let Err(err) = vigia_server::yente::decode_match_body(&bytes, 100) {
            prop_assert!(err.status.is_client_error(), "{err:?}");
        }
    }

    /// The same for arbitrary bytes.
    #[test]
    fn decoding_arbitrary_bytes_is_total(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        if let Err(err) = vigia_server::yente::decode_match_body(&bytes, 100) {
            prop_assert!(err.status.is_client_error(), "{err:?}");
        }
        if let Err(err) = vigia_server::decode_customers(&bytes) {
            prop_assert!(err.status.is_client_error(), "{err:?}");
        }
    }

    /// Customer registrations decode totally too, and a decoded customer
    /// has an id and a name.
    #[test]
    fn decoding_arbitrary_registrations_is_total(body in value()) {
        let bytes = serde_json::to_vec(&body).unwrap();
        match vigia_server::decode_customers(&bytes) {
            Ok((customers, _)) => {
                for customer in customers {
                    prop_assert!(!customer.id.is_empty());
                    prop_assert!(customer.names().next().is_some()
                        || customer.has("firstName") || customer.has("lastName"));
                }
            }
            Err(err) => prop_assert!(err.status.is_client_error(), "{err:?}"),
        }
    }

    /// Query strings too.
    #[test]
    fn parameters_are_total(pairs in prop::collection::vec(
        (prop_oneof![Just("limit".to_owned()), Just("threshold".to_owned()), Just("cutoff".to_owned()), Just("algorithm".to_owned()), Just("changed_since".to_owned()), Just("exclude_schema".to_owned()), Just("topics".to_owned()), "[a-z_]{1,12}"], "\\PC{0,12}"),
        0..8,
    )) {
        if let Err(err) = vigia_server::yente::parse_match_params(&pairs) {
            prop_assert!(err.status.is_client_error(), "{err:?}");
        }
    }
}

/// Arbitrary well-formed requests screened by the real server: the answer
/// is a 2xx or a 4xx, never a 5xx.
#[test]
fn the_server_never_answers_5xx_to_generated_requests() {
    let server = start();
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(150));
    let strategy = (
        prop_oneof![
            Just("Person"),
            Just("Company"),
            Just("LegalEntity"),
            Just("Vessel"),
            Just("Thing"),
            Just("Address")
        ],
        prop::collection::vec("\\PC{0,30}", 0..4),
        prop::collection::vec(prop_oneof!["[0-9]{4}(-[0-9]{2}){0,2}", "\\PC{0,10}"], 0..3),
        prop::collection::vec("[a-z]{2}", 0..3),
    );
    runner
        .run(&strategy, |(schema, names, dates, countries)| {
            let body = serde_json::json!({"queries": {"q": {"schema": schema, "properties": {
                "name": names, "birthDate": dates, "nationality": countries,
            }}}});
            let reply = server.matching("/match/default", &body.to_string());
            prop_assert!(
                reply.status == 200 || (400..500).contains(&reply.status),
                "{} {}: {}",
                reply.status,
                body,
                reply.body
            );
            Ok(())
        })
        .unwrap();
}
