//! A real server on a loopback port over a temporary store, and a small
//! HTTP client.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;
use vigia_server::auth::generate_key;
use vigia_server::{Server, ServerConfig, Updater};
use vigia_sources::{Format, Source};
use vigia_store::lists::{ImportPolicy, ImportRequest, ImportStart, ListImport, ListStore};
use vigia_store::{KeyStore, NewApiKey, Store};

/// Two small lists: persons, a company, a vessel, a sanction, an ownership
/// link, an entity with a merged referent, change dates.
pub const TEST_SDN: &str = r#"{"id": "sdn-guzman", "schema": "Person", "properties": {"name": ["Joaquín Archivaldo GUZMÁN LOERA"], "alias": ["El Chapo Guzman"], "birthDate": ["1957-04-04"], "nationality": ["mx"], "topics": ["sanction"]}, "referents": ["old-guzman"], "last_change": "2024-05-01T00:00:00"}
{"id": "sdn-zambada", "schema": "Person", "properties": {"name": ["Ismael ZAMBADA GARCIA"], "birthDate": ["1948-01-01"], "nationality": ["mx"], "topics": ["sanction"]}, "last_change": "2019-01-01T00:00:00"}
{"id": "sdn-cecoex", "schema": "Company", "properties": {"name": ["CECOEX, S.A. de C.V."], "country": ["mx"], "topics": ["sanction"]}, "last_change": "2020-01-01T00:00:00"}
{"id": "sdn-vessel", "schema": "Vessel", "properties": {"name": ["SEA BREEZE"], "imoNumber": ["9123456"], "flag": ["pa"]}, "last_change": "2021-01-01T00:00:00"}
{"id": "sdn-sanction-guzman", "schema": "Sanction", "properties": {"entity": ["sdn-guzman"], "program": ["SDNTK"], "authority": ["OFAC"]}}
{"id": "sdn-own-1", "schema": "Ownership", "properties": {"owner": ["sdn-guzman"], "asset": ["sdn-cecoex"], "percentage": ["50"]}}
"#;

pub const TEST_UN: &str = r#"{"id": "un-qdi-1", "schema": "Person", "properties": {"name": ["Abdul Rahman YASIN"], "birthDate": ["1960"], "nationality": ["iq"], "topics": ["sanction", "crime.terror"]}, "last_change": "2023-01-01T00:00:00"}
{"id": "un-qde-2", "schema": "Organization", "properties": {"name": ["Tren de Aragua"], "country": ["ve"], "topics": ["sanction", "crime.terror"]}, "last_change": "2025-02-20T00:00:00"}
"#;

/// Imports FtM JSON lines as a new version of `dataset`.
pub fn import(data: &Path, dataset: &str, lines: &str) {
    let file = data.join(format!("{dataset}.ftm.json"));
    std::fs::write(&file, lines).unwrap();
    let mut store = Store::open(data).unwrap();
    let request = ImportRequest {
        dataset: dataset.to_owned(),
        format: Format::FtmJson,
        content_hash: vigia_server::auth::hash_key(lines),
        source: file.display().to_string(),
        imported_at: "2026-01-01T00:00:00Z".into(),
        actor: "test".into(),
        policy: ImportPolicy { allow_shrink: true, ..ImportPolicy::default() },
    };
    let ImportStart::Ready(mut import) = store.begin_import(request).unwrap() else {
        return;
    };
    let summary =
        vigia_sources::read(&Source::new(Format::FtmJson, &file, Some(dataset)), &mut import)
            .unwrap();
    let report = import.finish(&summary).unwrap();
    assert!(matches!(report.outcome, vigia_store::Outcome::Accepted), "{report:?}");
}

/// Creates a key and returns the secret.
pub fn key(data: &Path, name: &str, role: &str, datasets: &[&str]) -> String {
    let generated = generate_key();
    let mut store = Store::open(data).unwrap();
    store
        .create_key(&NewApiKey {
            id: generated.id.clone(),
            name: name.into(),
            hash: generated.hash,
            role: role.into(),
            datasets: datasets.iter().map(|d| (*d).to_owned()).collect(),
            created_at: "2026-01-01T00:00:00Z".into(),
            actor: "test".into(),
        })
        .unwrap();
    generated.secret
}

/// A running server; stopped (gracefully) when dropped.
pub struct TestServer {
    pub base: String,
    pub dir: TempDir,
    pub admin: String,
    pub screen: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestServer {
    pub fn data(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    /// Stops the server and waits for it to finish.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Starts a server over the two test lists with an admin and a screen key.
pub fn start() -> TestServer {
    start_with(|_| {}, None, true)
}

/// Starts a server, letting the test adjust the configuration.
pub fn start_with(
    adjust: impl FnOnce(&mut ServerConfig),
    updater: Option<Arc<dyn Updater>>,
    lists: bool,
) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    if lists {
        import(dir.path(), "test_sdn", TEST_SDN);
        import(dir.path(), "test_un", TEST_UN);
    }
    let admin = key(dir.path(), "ops", "admin", &[]);
    let screen = key(dir.path(), "gateway", "screen", &[]);
    let mut config = ServerConfig::new(dir.path().to_path_buf());
    config.screen_threads = 2;
    adjust(&mut config);
    let server = Server::new(config, updater).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            server
                .serve(listener, async move {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
    });
    let server = TestServer { base, dir, admin, screen, stop: Some(stop), thread: Some(thread) };
    server.wait_ready();
    server
}

/// A response: status, content type and body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

fn reply(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
    let mut response = response.unwrap();
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or_default().to_owned()))
        .collect::<Vec<_>>();
    let content_type = headers
        .iter()
        .find(|(n, _)| n == "content-type")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let body = response.body_mut().read_to_string().unwrap_or_default();
    Reply { status, content_type, headers, body }
}

impl TestServer {
    pub fn get(&self, path: &str, key: Option<&str>) -> Reply {
        let mut request = agent().get(&format!("{}{path}", self.base));
        if let Some(key) = key {
            request = request.header("Authorization", &format!("ApiKey {key}"));
        }
        reply(request.call())
    }

    pub fn post(&self, path: &str, key: Option<&str>, body: &[u8]) -> Reply {
        let mut request = agent()
            .post(&format!("{}{path}", self.base))
            .header("Content-Type", "application/json");
        if let Some(key) = key {
            request = request.header("Authorization", &format!("ApiKey {key}"));
        }
        reply(request.send(body))
    }

    /// Any method, with a JSON body.
    pub fn send(&self, method: &str, path: &str, key: Option<&str>, body: &str) -> Reply {
        let request = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header("Content-Type", "application/json");
        let request = match key {
            Some(key) => request.header("Authorization", format!("Bearer {key}")),
            None => request,
        };
        reply(agent().run(request.body(body.to_owned()).unwrap()))
    }

    /// `POST /match/{dataset}` with the screen key.
    pub fn matching(&self, path: &str, body: &str) -> Reply {
        self.post(path, Some(&self.screen), body.as_bytes())
    }

    pub fn wait_ready(&self) {
        let started = Instant::now();
        loop {
            if let Ok(response) = agent().get(&format!("{}/readyz", self.base)).call()
                && response.status() == 200
            {
                return;
            }
            assert!(started.elapsed() < Duration::from_secs(60), "the server never got ready");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// One query's results as (id, score, match).
pub fn results(reply: &Value, query: &str) -> Vec<(String, f64, bool)> {
    reply["responses"][query]["results"]
        .as_array()
        .unwrap_or_else(|| panic!("no results for {query}: {reply}"))
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_owned(),
                r["score"].as_f64().unwrap(),
                r["match"].as_bool().unwrap(),
            )
        })
        .collect()
}
