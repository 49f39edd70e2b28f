//! Live list updates: a new index is swapped in atomically while requests
//! run; a failed update leaves the old lists serving and is reported.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use vigia_server::{UpdateOutput, Updater};

use crate::support::{self, TEST_SDN, import, results, start};

const QUERY: &str =
    r#"{"queries": {"q": {"schema": "Person", "properties": {"name": ["Joaquin Guzman Loera"]}}}}"#;
const ZAMBADA: &str = r#"{"queries": {"q": {"schema": "Person", "properties": {"name": ["Ismael Zambada Garcia"]}}}}"#;

/// The SDN list without Zambada: version 2.
fn sdn_without_zambada() -> String {
    TEST_SDN.lines().filter(|l| !l.contains("sdn-zambada")).map(|l| format!("{l}\n")).collect()
}

#[test]
fn a_reload_swaps_the_index_while_requests_keep_being_answered() {
    let server = start();
    let stop = AtomicBool::new(false);
    let (seen_old, seen_new) = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..3)
            .map(|_| {
                scope.spawn(|| {
                    let (mut old, mut new) = (0, 0);
                    while !stop.load(Ordering::Relaxed) {
                        let reply = server.matching("/match/default", ZAMBADA);
                        assert_eq!(reply.status, 200, "{}", reply.body);
                        let json = reply.json();
                        let version =
                            json["responses"]["q"]["lists_version"].as_str().unwrap().to_owned();
                        let ids: Vec<String> =
                            results(&json, "q").into_iter().map(|r| r.0).collect();
                        // Each answer is wholly from one index: the old
                        // one finds Zambada, the new one does not.
                        match version.as_str() {
                            "test_sdn@1,test_un@1" => {
                                assert_eq!(ids, ["sdn-zambada"]);
                                old += 1;
                            }
                            "test_sdn@2,test_un@1" => {
                                assert!(ids.is_empty(), "{ids:?}");
                                new += 1;
                            }
                            other => panic!("unexpected lists {other}"),
                        }
                    }
                    (old, new)
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(200));
        import(&server.data(), "test_sdn", &sdn_without_zambada());
        let reply = server.post("/admin/lists/reload?wait=true", Some(&server.admin), b"");
        assert_eq!(reply.status, 200, "{}", reply.body);
        let report = reply.json();
        assert_eq!(report["state"], "succeeded", "{report}");
        assert_eq!(report["swapped"], true);
        assert_eq!(report["previous"], "test_sdn@1,test_un@1");
        assert_eq!(report["serving"], "test_sdn@2,test_un@1");
        std::thread::sleep(Duration::from_millis(200));
        stop.store(true, Ordering::Relaxed);
        workers.into_iter().map(|w| w.join().unwrap()).fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
    });
    assert!(seen_old > 0 && seen_new > 0, "old {seen_old}, new {seen_new}");
    // A second reload with nothing changed swaps nothing, unless forced.
    let again = server.post("/admin/lists/reload?wait=true", Some(&server.admin), b"").json();
    assert_eq!(again["swapped"], false);
    let forced =
        server.post("/admin/lists/reload?wait=true&force=true", Some(&server.admin), b"").json();
    assert_eq!(forced["swapped"], true);
    let metrics = server.get("/metrics", Some(&server.admin)).body;
    assert!(metrics.contains("vigia_list_version{dataset=\"test_sdn\"} 2"), "{metrics}");
    assert!(metrics.contains("vigia_list_updates_total{outcome=\"succeeded\"} 3"), "{metrics}");
}

/// An updater that imports a given list, or fails.
#[derive(Debug)]
struct FakeUpdate {
    data: PathBuf,
    fail: bool,
    delay: Duration,
}

impl Updater for FakeUpdate {
    fn update(&self) -> Result<UpdateOutput, String> {
        std::thread::sleep(self.delay);
        if self.fail {
            return Err(
                "https://lists.example/sdn.csv: HTTP 503 Service Unavailable (after 5 attempts)"
                    .into(),
            );
        }
        import(&self.data, "test_sdn", &sdn_without_zambada());
        Ok(UpdateOutput {
            succeeded: true,
            lists: vec!["test_sdn: activated".into()],
            errors: Vec::new(),
        })
    }
}

fn server_with(fail: bool, delay: Duration) -> support::TestServer {
    // The updater needs the data directory, which exists once the server
    // does: share it through a slot filled in after start.
    let slot: Arc<std::sync::Mutex<Option<PathBuf>>> = Arc::default();
    #[derive(Debug)]
    struct Deferred(Arc<std::sync::Mutex<Option<PathBuf>>>, bool, Duration);
    impl Updater for Deferred {
        fn update(&self) -> Result<UpdateOutput, String> {
            let data = self.0.lock().unwrap().clone().unwrap();
            FakeUpdate { data, fail: self.1, delay: self.2 }.update()
        }
    }
    let server =
        support::start_with(|_| {}, Some(Arc::new(Deferred(Arc::clone(&slot), fail, delay))), true);
    *slot.lock().unwrap() = Some(server.data());
    server
}

#[test]
fn an_update_fetches_then_swaps() {
    let server = server_with(false, Duration::ZERO);
    let reply = server.post("/admin/lists/update?wait=true", Some(&server.admin), b"").json();
    assert_eq!(reply["state"], "succeeded", "{reply}");
    assert_eq!(reply["kind"], "update");
    assert_eq!(reply["lists"][0], "test_sdn: activated");
    assert!(reply["actor"].as_str().unwrap().contains("ops"));
    let after = server.matching("/match/default", ZAMBADA).json();
    assert!(results(&after, "q").is_empty());
}

#[test]
fn a_failed_update_leaves_the_old_lists_serving_and_is_reported() {
    let server = server_with(true, Duration::ZERO);
    let reply = server.post("/admin/lists/update?wait=true", Some(&server.admin), b"");
    assert_eq!(reply.status, 200);
    let report = reply.json();
    assert_eq!(report["state"], "failed", "{report}");
    assert_eq!(report["swapped"], false);
    assert!(report["errors"][0].as_str().unwrap().contains("HTTP 503"));
    assert_eq!(report["serving"], "test_sdn@1,test_un@1");
    let status = server.get("/admin/lists/update", Some(&server.admin)).json();
    assert_eq!(status["state"], "failed");
    let still = server.matching("/match/default", QUERY).json();
    assert_eq!(results(&still, "q")[0].0, "sdn-guzman");
    let metrics = server.get("/metrics", Some(&server.admin)).body;
    assert!(metrics.contains("vigia_list_updates_total{outcome=\"failed\"} 1"), "{metrics}");
}

#[test]
fn one_update_at_a_time() {
    let server = server_with(false, Duration::from_millis(800));
    let started = server.post("/admin/lists/update", Some(&server.admin), b"");
    assert_eq!(started.status, 202, "{}", started.body);
    assert_eq!(started.json()["state"], "running");
    let second = server.post("/admin/lists/update", Some(&server.admin), b"");
    assert_eq!(second.status, 409, "{}", second.body);
    // Screening goes on meanwhile.
    assert_eq!(server.matching("/match/default", QUERY).status, 200);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let status = server.get("/admin/lists/update", Some(&server.admin)).json();
        if status["state"] == "succeeded" {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{status}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn without_an_updater_update_is_501_and_reload_works() {
    let server = start();
    let reply = server.post("/admin/lists/update?wait=true", Some(&server.admin), b"");
    assert_eq!(reply.status, 501, "{}", reply.body);
    let reload = server.post("/admin/lists/reload?wait=true", Some(&server.admin), b"");
    assert_eq!(reload.status, 200);
}

#[test]
fn stopping_lets_a_request_in_flight_finish() {
    let server = start();
    let base = server.base.clone();
    let key = server.screen.clone();
    let mut batch = String::from(r#"{"queries": {"#);
    for i in 0..100 {
        batch.push_str(&format!(r#""q{i}": {{"schema": "Person", "properties": {{"name": ["Joaquin Guzman Loera {i}"]}}}},"#));
    }
    batch.pop();
    batch.push_str("}}");
    let request = std::thread::spawn(move || {
        ureq::post(&format!("{base}/match/default"))
            .header("Authorization", &format!("ApiKey {key}"))
            .send(batch.as_bytes())
            .map(|r| r.status().as_u16())
    });
    std::thread::sleep(Duration::from_millis(20));
    server.stop();
    let status = request.join().unwrap();
    // Either it finished before the listener closed (200), or it was never
    // accepted (a connection error): never cut off half-way.
    if let Ok(status) = status {
        assert_eq!(status, 200);
    }
}
