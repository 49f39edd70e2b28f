//! yente clients: documented request bodies sent byte for byte, and the
//! fields a yente client reads from the answer.

use crate::support::{results, start};

fn fixture(name: &str) -> Vec<u8> {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/server/yente").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_documented_examples_are_answered() {
    let server = start();
    type Expected<'a> = &'a [(&'a str, Option<&'a str>)];
    let cases: [(&str, Expected<'_>); 3] = [
        ("weights-and-config.json", &[("q1", None)]),
        ("persons-and-companies.json", &[("q1", Some("sdn-guzman")), ("q2", Some("sdn-cecoex"))]),
        ("single-values.json", &[("entity1", Some("sdn-zambada"))]),
    ];
    for (file, expected) in cases {
        for key_scheme in ["ApiKey", "Bearer"] {
            let reply = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .build()
                .new_agent()
                .post(&format!("{}/match/default", server.base))
                .header("Authorization", &format!("{key_scheme} {}", server.screen))
                .header("Content-Type", "application/json")
                .send(&fixture(file)[..])
                .unwrap()
                .body_mut()
                .read_to_string()
                .unwrap();
            let json: serde_json::Value = serde_json::from_str(&reply).unwrap();
            assert_eq!(json["limit"], 5, "{file}: {json}");
            for (query, best) in expected {
                let response = &json["responses"][query];
                assert_eq!(response["status"], 200, "{file} {query}: {json}");
                assert!(response["total"]["value"].is_u64());
                assert!(response["query"]["properties"]["name"].is_array());
                let found = results(&json, query);
                assert_eq!(found.first().map(|r| r.0.as_str()), *best, "{file} {query}: {json}");
            }
        }
    }
    // The example's nomenklatura weights have no Vigia counterpart: said so.
    let reply =
        server.post("/match/default", Some(&server.screen), &fixture("weights-and-config.json"));
    let warnings = reply.json()["warnings"].clone();
    assert_eq!(warnings.as_array().map(Vec::len), Some(2), "{warnings}");
}
