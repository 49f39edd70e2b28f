//! `vigia lists ...` end to end: the real binary on temporary data
//! directories, with hand-written fixtures and (when present) the official
//! list files in ../shared/data.

// Test helpers outside `#[test]` functions unwrap too: a failure is a test
// failure, with the panic message pointing at it.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;
use vigia_store::{AuditLog, Store};

/// Runs `vigia --data-dir DIR ARGS...`.
fn vigia(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigia"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("VIGIA_DATA_DIR")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts success and returns stdout.
fn ok(data: &Path, args: &[&str]) -> String {
    let output = vigia(data, args);
    assert!(
        output.status.success(),
        "vigia {args:?} failed:\n{}\n{}",
        stdout(&output),
        stderr(&output)
    );
    stdout(&output)
}

/// `lists status --json`, as dataset → (version, entity count).
fn status(data: &Path) -> BTreeMap<String, (u64, u64)> {
    let json: Value = serde_json::from_str(&ok(data, &["lists", "status", "--json"])).unwrap();
    json.as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["dataset"].as_str().unwrap().to_owned(),
                (v["version"].as_u64().unwrap(), v["entity_count"].as_u64().unwrap()),
            )
        })
        .collect()
}

/// An FtM JSON-lines file of persons given as `id=name` pairs.
fn ftm(dir: &Path, name: &str, people: &[&str]) -> PathBuf {
    let mut text = String::new();
    for pair in people {
        let (id, name) = pair.split_once('=').unwrap();
        text += &serde_json::json!({
            "id": id, "schema": "Person", "properties": {"name": [name]},
        })
        .to_string();
        text.push('\n');
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn people(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| format!("p{i}=Person Number {i}")).collect()
}

fn refs(names: &[String]) -> Vec<&str> {
    names.iter().map(String::as_str).collect()
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn no_panic(output: &Output) {
    let err = stderr(output);
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn import_status_export_round_trip() {
    let tmp = TempDir::new().unwrap();
    let data = tmp.path().join("data");
    let file = ftm(tmp.path(), "list.json", &["a=Ann Smith", "b=Bob Jones", "c=Cy Young"]);
    let out = ok(&data, &["lists", "import", "--dataset", "mine", path_str(&file)]);
    assert!(out.contains("ftm_json, mine@1: 3 entities"), "{out}");
    assert!(out.contains("activated"), "{out}");
    assert_eq!(status(&data)["mine"], (1, 3));

    let human = ok(&data, &["lists", "status"]);
    assert!(human.starts_with("DATASET"), "{human}");
    assert!(human.contains("mine") && human.contains("list.json"), "{human}");

    // The same file again: unchanged, exit 0.
    let again = ok(&data, &["lists", "import", "--dataset", "mine", path_str(&file)]);
    assert!(again.contains("unchanged (active: mine@1)"), "{again}");

    // Export, then import the export: other bytes, same entities.
    let exported = ok(&data, &["lists", "export", "--dataset", "mine"]);
    let lines: Vec<Value> = exported.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["id"], "a");
    assert_eq!(lines[0]["datasets"], serde_json::json!(["mine"]));
    let export_file = tmp.path().join("export.json");
    ok(&data, &["lists", "export", "--dataset", "mine", "-o", path_str(&export_file)]);
    assert_eq!(std::fs::read_to_string(&export_file).unwrap(), exported);
    let reimport = ok(&data, &["lists", "import", "--dataset", "mine", path_str(&export_file)]);
    assert!(reimport.contains("unchanged (active: mine@1)"), "{reimport}");
    assert_eq!(status(&data)["mine"], (1, 3));

    // Every step is in the audit trail, which verifies.
    let store = Store::open(&data).unwrap();
    let actions: Vec<String> =
        store.events(0, 100).unwrap().into_iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [
            "lists.import",
            "lists.activate",
            "lists.import.unchanged",
            "lists.export",
            "lists.export",
            "lists.import.unchanged"
        ]
    );
    assert!(store.verify().unwrap().is_intact());
}

#[test]
fn status_of_an_empty_store_says_how_to_start() {
    let tmp = TempDir::new().unwrap();
    let out = ok(tmp.path(), &["lists", "status"]);
    assert!(out.contains("vigia lists import"), "{out}");
    assert_eq!(ok(tmp.path(), &["lists", "status", "--json"]).trim(), "[]");
}

#[test]
fn diff_between_versions_of_fixtures() {
    let tmp = TempDir::new().unwrap();
    let data = tmp.path().join("data");
    let v1 = ftm(tmp.path(), "v1.json", &["a=Ann", "b=Bob", "c=Cy"]);
    let v2 = ftm(tmp.path(), "v2.json", &["a=Ann", "b=Robert", "d=Dee"]);
    ok(&data, &["lists", "import", "--dataset", "ds", path_str(&v1)]);
    ok(&data, &["lists", "import", "--dataset", "ds", path_str(&v2)]);
    let human = ok(&data, &["lists", "diff", "ds"]);
    assert!(
        human.starts_with("ds: version 1 → version 2: 1 added, 1 removed, 1 changed"),
        "{human}"
    );
    assert!(human.contains("+ d Dee (Person)"), "{human}");
    assert!(human.contains("- c Cy (Person)"), "{human}");
    assert!(human.contains("~ b Robert (Person): name"), "{human}");
    let json: Value = serde_json::from_str(&ok(
        &data,
        &["lists", "diff", "ds", "--from", "2", "--to", "1", "--json"],
    ))
    .unwrap();
    assert_eq!(json["added"][0]["id"], "c");
    assert_eq!(json["removed"][0]["id"], "d");
    assert_eq!(json["changed"][0]["properties"], serde_json::json!(["name"]));

    let missing = vigia(&data, &["lists", "diff", "ds", "--from", "9"]);
    assert!(!missing.status.success());
    assert!(stderr(&missing).contains("no version 9"), "{}", stderr(&missing));
}

#[test]
fn shrinking_lists_are_refused_unless_allowed() {
    let tmp = TempDir::new().unwrap();
    let data = tmp.path().join("data");
    let full = ftm(tmp.path(), "full.json", &refs(&people(0..10)));
    let small = ftm(tmp.path(), "small.json", &refs(&people(0..3)));
    ok(&data, &["lists", "import", "--dataset", "ds", path_str(&full)]);
    let refused = vigia(&data, &["lists", "import", "--dataset", "ds", path_str(&small)]);
    assert_eq!(refused.status.code(), Some(1));
    let err = stderr(&refused);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("small.json: refused: 3 entities, fewer than half"), "{err}");
    assert_eq!(status(&data)["ds"], (1, 10));
    let allowed =
        ok(&data, &["lists", "import", "--dataset", "ds", "--allow-shrink", path_str(&small)]);
    assert!(allowed.contains("(shrink allowed)"), "{allowed}");
    assert_eq!(status(&data)["ds"], (2, 3));
}

/// A small UN-format list written for these tests.
fn un_xml(individuals: usize) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CONSOLIDATED_LIST dateGenerated=\"2026-01-02T00:00:00Z\">\n<INDIVIDUALS>\n",
    );
    for i in 0..individuals {
        xml += &format!(
            "<INDIVIDUAL><DATAID>{}</DATAID><VERSIONNUM>1</VERSIONNUM><FIRST_NAME>GIVEN{i}</FIRST_NAME>\
             <SECOND_NAME>FAMILY{i}</SECOND_NAME><UN_LIST_TYPE>Al-Qaida</UN_LIST_TYPE>\
             <REFERENCE_NUMBER>QDi.{i:03}</REFERENCE_NUMBER><LISTED_ON>2014-01-03</LISTED_ON>\
             <NATIONALITY><VALUE>Kuwait</VALUE></NATIONALITY></INDIVIDUAL>\n",
            1000 + i
        );
    }
    xml += "</INDIVIDUALS>\n<ENTITIES>\n</ENTITIES>\n</CONSOLIDATED_LIST>\n";
    xml
}

/// Bad input, data-driven: each file is imported over an active version;
/// it must be refused with a one-line reason naming the file (or, where
/// the bytes are decodable, imported correctly), never panic, and leave the
/// active version untouched when refused.
#[test]
fn bad_input_is_refused_naming_the_file() {
    let tmp = TempDir::new().unwrap();
    let data = tmp.path().join("data");
    let good = tmp.path().join("good.xml");
    std::fs::write(&good, un_xml(40)).unwrap();
    let out = ok(&data, &["lists", "import", "--dataset", "guard", path_str(&good)]);
    assert!(out.contains("un_xml, guard@1"), "{out}");
    let before = status(&data)["guard"];

    let full = un_xml(40);
    let cut = full.find("<INDIVIDUAL><DATAID>1030").unwrap() + 60;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("truncated.xml", full.as_bytes()[..cut].to_vec(), "cut off"),
        (
            "missing-column.csv",
            b"source,entity_number,type,programs,title,addresses\nX,1,Individual,P,Mr,Somewhere\n"
                .to_vec(),
            "not a list format",
        ),
        (
            "sdn-missing-column.csv",
            b"36,\"AEROCARIBBEAN AIRLINES\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n\
              173,\"ANGLO-CARIBBEAN CO., LTD.\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n"
                .to_vec(),
            "not a list format",
        ),
        ("empty.json", Vec::new(), "empty"),
        ("notes.txt", b"hello, this is just some text\nnot a list\n".to_vec(), "not a list format"),
        ("image.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(), "not text"),
        (
            "only-root.xml",
            b"<?xml version=\"1.0\"?><CONSOLIDATED_LIST></CONSOLIDATED_LIST>".to_vec(),
            "refused",
        ),
    ];
    for (name, bytes, expected) in cases {
        let path = tmp.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let output = vigia(&data, &["lists", "import", "--dataset", "guard", path_str(&path)]);
        no_panic(&output);
        assert_eq!(output.status.code(), Some(1), "{name}: {}", stderr(&output));
        let err = stderr(&output);
        assert_eq!(err.lines().count(), 1, "{name}: {err}");
        assert!(err.contains(name) && err.contains(expected), "{name}: {err}");
        assert_eq!(status(&data)["guard"], before, "{name}: active version untouched");
    }

    // A 1 GB sparse file of zeros: refused at once, not read through.
    let huge = tmp.path().join("huge.bin");
    std::fs::File::create(&huge).unwrap().set_len(1 << 30).unwrap();
    let started = Instant::now();
    let output = vigia(&data, &["lists", "import", "--dataset", "guard", path_str(&huge)]);
    no_panic(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("huge.bin"), "{}", stderr(&output));
    assert!(started.elapsed() < Duration::from_secs(30), "took {:?}", started.elapsed());
    assert_eq!(status(&data)["guard"], before);

    // A good file beside a bad one: the good one imports, the exit code
    // still says something was refused.
    let other = ftm(tmp.path(), "other.json", &["x=Xi"]);
    let empty = tmp.path().join("empty.json");
    let output = vigia(
        &data,
        &["lists", "import", "--dataset", "mixed", path_str(&other), path_str(&empty)],
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(status(&data)["mixed"], (1, 1));

    // The audit trail holds every refusal and still verifies.
    let store = Store::open(&data).unwrap();
    let refused = store
        .events(0, 1000)
        .unwrap()
        .iter()
        .filter(|e| e.action == "lists.import.refused")
        .count();
    assert_eq!(refused, 9);
    assert!(store.verify().unwrap().is_intact());
}

/// Text in another encoding is not bad input when it can be told: Latin-1
/// is read as such with a warning, UTF-16 is decoded.
#[test]
fn other_encodings_are_decoded_or_flagged() {
    let tmp = TempDir::new().unwrap();
    let data = tmp.path().join("data");
    let latin1 = tmp.path().join("latin1.json");
    std::fs::write(
        &latin1,
        b"{\"id\":\"a\",\"schema\":\"Person\",\"properties\":{\"name\":[\"Guzm\xe1n\"]}}\n",
    )
    .unwrap();
    let out = ok(&data, &["lists", "import", "-v", "--dataset", "l1", path_str(&latin1)]);
    assert!(out.contains("1 warnings") && out.contains("windows-1252"), "{out}");
    let exported = ok(&data, &["lists", "export", "--dataset", "l1"]);
    assert!(exported.contains("Guzmán"), "{exported}");

    let line = "{\"id\":\"b\",\"schema\":\"Person\",\"properties\":{\"name\":[\"Ñandú\"]}}\n";
    for (name, bom) in [("utf16-bom.json", true), ("utf16.json", false)] {
        let mut bytes = if bom { vec![0xff, 0xfe] } else { Vec::new() };
        bytes.extend(line.encode_utf16().flat_map(u16::to_le_bytes));
        let path = tmp.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let output = vigia(&data, &["lists", "import", "--dataset", name, path_str(&path)]);
        no_panic(&output);
        if output.status.success() {
            let exported = ok(&data, &["lists", "export", "--dataset", name]);
            assert!(exported.contains("Ñandú"), "{name}: {exported}");
        } else {
            assert!(stderr(&output).contains(name), "{name}: {}", stderr(&output));
        }
    }
}

#[test]
fn a_directory_imports_every_list_in_it() {
    let tmp = TempDir::new().unwrap();
    let data = tmp.path().join("data");
    let lists = tmp.path().join("lists");
    std::fs::create_dir_all(lists.join("un")).unwrap();
    std::fs::write(lists.join("un/consolidated.xml"), un_xml(5)).unwrap();
    ftm(&lists, "entities.ftm.json", &["a=Ann"]);
    std::fs::write(lists.join("README.md"), "# notes\n").unwrap();
    let output = vigia(&data, &["lists", "import", path_str(&lists)]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("skipped") && stderr(&output).contains("README.md"));
    let status = status(&data);
    assert_eq!(status.keys().collect::<Vec<_>>(), ["opensanctions", "un_sc_sanctions"]);
}

#[test]
fn real_list_folders_import() {
    let Some(root) = vigia_testdata::shared_data("lists") else { return };
    for folder in ["canada", "eu", "ofac", "opensanctions", "uk", "un", "us_bis_dpl", "us_csl"] {
        let tmp = TempDir::new().unwrap();
        // Several files of one folder go to the same dataset (excerpts
        // beside full lists): allow them to shrink it.
        let output =
            vigia(tmp.path(), &["lists", "import", "--allow-shrink", path_str(&root.join(folder))]);
        no_panic(&output);
        assert!(output.status.success(), "{folder}: {}\n{}", stdout(&output), stderr(&output));
        let status = status(tmp.path());
        assert!(!status.is_empty(), "{folder}");
        for (dataset, (_, entities)) in &status {
            assert!(*entities > 0, "{folder}: {dataset} is empty");
        }
        assert!(Store::open(tmp.path()).unwrap().verify().unwrap().is_intact());
    }
}

/// The ids and canonical contents of a list file, read by the parser
/// alone (no store), to check the store's diff against.
fn parsed(path: &Path, dataset: &str) -> BTreeMap<String, String> {
    let sources = vigia_sources::plan(&[path.to_owned()], Some(dataset)).unwrap();
    let mut contents = BTreeMap::new();
    for source in sources {
        let (collect, _) = vigia_sources::read_all(&source).unwrap();
        for mut entity in collect.entities {
            if entity.datasets.is_empty() {
                entity.add_dataset(dataset);
            }
            let previous = contents.insert(entity.id.clone(), entity.canonical_json());
            assert!(previous.is_none(), "{} appears twice in {}", entity.id, path.display());
        }
    }
    contents
}

#[test]
fn un_diff_2020_to_2026_matches_the_files() {
    let (Some(old), Some(new)) = (
        vigia_testdata::shared_data("lists/un/2020-03-20/consolidated.xml"),
        vigia_testdata::shared_data("lists/un/UN_consolidated.xml"),
    ) else {
        return;
    };
    let tmp = TempDir::new().unwrap();
    ok(tmp.path(), &["lists", "import", path_str(&old)]);
    ok(tmp.path(), &["lists", "import", path_str(&new)]);
    let diff: Value =
        serde_json::from_str(&ok(tmp.path(), &["lists", "diff", "un_sc_sanctions", "--json"]))
            .unwrap();
    assert_eq!((diff["from"].as_u64(), diff["to"].as_u64()), (Some(1), Some(2)));
    let ids = |key: &str| -> BTreeSet<String> {
        diff[key].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_owned()).collect()
    };

    let before = parsed(&old, "un_sc_sanctions");
    let after = parsed(&new, "un_sc_sanctions");
    let added: BTreeSet<String> =
        after.keys().filter(|id| !before.contains_key(*id)).cloned().collect();
    let removed: BTreeSet<String> =
        before.keys().filter(|id| !after.contains_key(*id)).cloned().collect();
    let changed: BTreeSet<String> = after
        .iter()
        .filter(|(id, body)| before.get(*id).is_some_and(|old| old != *body))
        .map(|(id, _)| id.clone())
        .collect();
    assert!(!added.is_empty() && !removed.is_empty() && !changed.is_empty());
    assert_eq!(ids("added"), added);
    assert_eq!(ids("removed"), removed);
    assert_eq!(ids("changed"), changed);
    for entry in diff["changed"].as_array().unwrap() {
        assert!(!entry["properties"].as_array().unwrap().is_empty(), "{entry}");
    }
    let human = ok(tmp.path(), &["lists", "diff", "un_sc_sanctions"]);
    let first = human.lines().next().unwrap();
    assert_eq!(
        first,
        format!(
            "un_sc_sanctions: version 1 → version 2: {} added, {} removed, {} changed",
            added.len(),
            removed.len(),
            changed.len()
        )
    );
}

/// A local HTTP server for `lists update`: `/ok/F` serves a body, `/flaky/F`
/// answers 500 once then the body, `/truncated/F` half the body, anything
/// else 404.
struct Server {
    port: u16,
    flaky_hits: Arc<AtomicUsize>,
    server: Arc<tiny_http::Server>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start(body: Vec<u8>) -> Server {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let port = server.server_addr().to_ip().unwrap().port();
        let flaky_hits = Arc::new(AtomicUsize::new(0));
        let (srv, hits) = (Arc::clone(&server), Arc::clone(&flaky_hits));
        let thread = std::thread::spawn(move || {
            for request in srv.incoming_requests() {
                let url = request.url().to_owned();
                let response = if url.starts_with("/ok/") {
                    tiny_http::Response::from_data(body.clone())
                } else if url.starts_with("/flaky/") {
                    if hits.fetch_add(1, Ordering::SeqCst) == 0 {
                        tiny_http::Response::from_data(b"busy".to_vec()).with_status_code(500)
                    } else {
                        tiny_http::Response::from_data(body.clone())
                    }
                } else if url.starts_with("/truncated/") {
                    tiny_http::Response::from_data(body[..body.len() / 2].to_vec())
                } else {
                    tiny_http::Response::from_data(b"not here".to_vec()).with_status_code(404)
                };
                let _ = request.respond(response);
            }
        });
        Server { port, flaky_hits, server, thread: Some(thread) }
    }

    fn config(&self, dir: &Path, route: &str) -> PathBuf {
        let path = dir.join(format!("sources-{}.toml", route.replace('/', "-")));
        std::fs::write(
            &path,
            format!(
                "[download]\nretries = 2\nbackoff_ms = 10\ntimeout_secs = 20\n\n\
                 [sources.un_sc_sanctions]\nurl = \"http://127.0.0.1:{}/{route}\"\n",
                self.port
            ),
        )
        .unwrap();
        path
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[test]
fn update_downloads_verifies_and_imports() {
    let Some(un) = vigia_testdata::shared_data("lists/un/UN_consolidated.xml") else { return };
    let server = Server::start(std::fs::read(&un).unwrap());
    let tmp = TempDir::new().unwrap();
    let data = tmp.path().join("data");
    let update = |route: &str| {
        let config = server.config(tmp.path(), route);
        vigia(
            &data,
            &["lists", "update", "--config", path_str(&config), "--only", "un_sc_sanctions"],
        )
    };

    // Success.
    let output = update("ok/consolidated.xml");
    assert!(output.status.success(), "{}\n{}", stdout(&output), stderr(&output));
    assert!(stdout(&output).contains("un_xml, un_sc_sanctions@1"), "{}", stdout(&output));
    let json: Value = serde_json::from_str(&ok(&data, &["lists", "status", "--json"])).unwrap();
    assert_eq!(json[0]["source"], format!("http://127.0.0.1:{}/ok/consolidated.xml", server.port));
    let entities = status(&data)["un_sc_sanctions"].1;
    assert!(entities > 1000);
    assert!(!data.join("downloads").read_dir().unwrap().any(|_| true), "downloads are cleaned up");

    // A 500, then success: retried; same content, so unchanged.
    let output = update("flaky/consolidated.xml");
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("HTTP 500") && stderr(&output).contains("retrying"),
        "{}",
        stderr(&output)
    );
    assert!(stdout(&output).contains("unchanged"), "{}", stdout(&output));
    assert_eq!(server.flaky_hits.load(Ordering::SeqCst), 2);

    // A truncated file: refused, active untouched.
    let output = update("truncated/consolidated.xml");
    no_panic(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("refused"), "{}", stderr(&output));
    assert_eq!(status(&data)["un_sc_sanctions"], (1, entities));

    // A 404: a clear error naming the URL, no retries.
    let output = update("missing/consolidated.xml");
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.contains("HTTP 404") && err.contains("/missing/consolidated.xml"), "{err}");
    assert!(!err.contains("retrying"), "{err}");
    assert_eq!(status(&data)["un_sc_sanctions"], (1, entities));

    // A wrong expected hash: refused before import.
    let config = server.config(tmp.path(), "ok/consolidated.xml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text += "sha256 = \"00\"\n";
    std::fs::write(&config, text).unwrap();
    let output = vigia(
        &data,
        &["lists", "update", "--config", path_str(&config), "--only", "un_sc_sanctions"],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("SHA-256"), "{}", stderr(&output));

    // Another format than the one expected, and a file over the size
    // limit: both refused, active untouched.
    let checks =
        [("format = \"ftm_json\"\n", "expected ftm_json"), ("max_bytes = 1000\n", "limit of 1000")];
    for (extra, expected) in checks {
        let mut text =
            std::fs::read_to_string(server.config(tmp.path(), "ok/consolidated.xml")).unwrap();
        text += extra;
        std::fs::write(&config, text).unwrap();
        let output = vigia(
            &data,
            &["lists", "update", "--config", path_str(&config), "--only", "un_sc_sanctions"],
        );
        assert_eq!(output.status.code(), Some(1), "{extra}");
        assert!(stderr(&output).contains(expected), "{extra}: {}", stderr(&output));
        assert!(!stderr(&output).contains("retrying"), "{extra}: {}", stderr(&output));
        assert_eq!(status(&data)["un_sc_sanctions"], (1, entities));
    }

    let store = Store::open(&data).unwrap();
    assert!(store.verify().unwrap().is_intact());
    let actions: Vec<String> =
        store.events(0, 100).unwrap().into_iter().map(|e| e.action).collect();
    assert_eq!(actions.iter().filter(|a| *a == "lists.download.failed").count(), 3, "{actions:?}");
}

#[test]
fn update_with_an_unknown_source_says_which_exist() {
    let tmp = TempDir::new().unwrap();
    let output = vigia(tmp.path(), &["lists", "update", "--only", "nowhere"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("un_sc_sanctions"), "{}", stderr(&output));
}

/// Crash safety: `kill -9` in the middle of a large import leaves the store
/// openable, the previous version active and the audit chain intact.
#[test]
fn an_import_killed_midway_leaves_the_active_version() {
    let tmp = TempDir::new().unwrap();
    let data = tmp.path().join("data");
    let small = ftm(tmp.path(), "small.json", &refs(&people(0..100)));
    ok(&data, &["lists", "import", "--dataset", "crash", path_str(&small)]);

    // About 40 MB: long enough to be caught half-way.
    let big = tmp.path().join("big.json");
    {
        use std::io::Write;
        let mut out = std::io::BufWriter::new(std::fs::File::create(&big).unwrap());
        for i in 0..300_000 {
            writeln!(
                out,
                "{{\"id\":\"big-{i}\",\"schema\":\"Person\",\"properties\":{{\"name\":[\"Person Number {i}\"],\
                 \"alias\":[\"Alias {i} One\",\"Alias {i} Two\"],\"birthDate\":[\"19{:02}\"],\"nationality\":[\"mx\"]}}}}",
                i % 100
            )
            .unwrap();
        }
    }
    let size = std::fs::metadata(&big).unwrap().len();
    let mut child = Command::new(env!("CARGO_BIN_EXE_vigia"))
        .arg("--data-dir")
        .arg(&data)
        .args(["lists", "import", "--dataset", "crash", path_str(&big)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The binary hashes the file, then parses it: kill once it has read
    // the file about one and a half times (half-way through parsing).
    let io = PathBuf::from(format!("/proc/{}/io", child.id()));
    let started = Instant::now();
    loop {
        let read = std::fs::read_to_string(&io).ok().and_then(|text| {
            text.lines().find_map(|l| {
                l.strip_prefix("rchar: ").map(|v| v.trim().parse::<u64>().unwrap_or(0))
            })
        });
        match read {
            Some(bytes) if bytes > size + size / 2 => break,
            Some(_) => {}
            // No /proc (not Linux): fall back to a short sleep.
            None if started.elapsed() > Duration::from_millis(300) => break,
            None => {}
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the import finished before it could be killed"
        );
        assert!(started.elapsed() < Duration::from_secs(120), "the import did not progress");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL on Unix
    let status_code = child.wait().unwrap();
    assert!(!status_code.success());
    let mut out = String::new();
    child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    assert!(!out.contains("activated"), "killed after it finished: {out}");

    let store = Store::open(&data).unwrap();
    assert!(store.verify().unwrap().is_intact());
    assert_eq!(status(&data)["crash"], (1, 100));
    // And the store takes the same import afterwards.
    let output = ok(&data, &["lists", "import", "--dataset", "crash", path_str(&big)]);
    assert!(output.contains("crash@2: 300000 entities"), "{output}");
}

#[test]
fn an_institutions_own_csv_imports_with_its_column_mapping() {
    let data = TempDir::new().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sources/tests/fixtures/generic");
    let csv = fixtures.join("custom.csv");
    let mapping = fixtures.join("custom.toml");
    ok(
        data.path(),
        &[
            "lists",
            "import",
            path_str(&csv),
            "--mapping",
            path_str(&mapping),
            "--dataset",
            "fiu_notices",
        ],
    );
    assert_eq!(status(data.path()).get("fiu_notices").map(|s| s.0), Some(1));
    let exported = ok(data.path(), &["lists", "export", "--dataset", "fiu_notices"]);
    let first: Value = serde_json::from_str(exported.lines().next().unwrap()).unwrap();
    assert_eq!(first["schema"], "Person", "{first}");
    assert_eq!(first["properties"]["birthDate"][0], "1975-06-12", "{first}");
    assert_eq!(first["properties"]["alias"].as_array().map(Vec::len), Some(2), "{first}");

    // A mapping that does not parse is an error naming the file; nothing
    // is imported.
    let broken = data.path().join("broken.toml");
    std::fs::write(&broken, "[columns]\n\"Ref\" = \"no_such_property\"\n").unwrap();
    let fresh = TempDir::new().unwrap();
    let output =
        vigia(fresh.path(), &["lists", "import", path_str(&csv), "--mapping", path_str(&broken)]);
    no_panic(&output);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("broken.toml"), "{}", stderr(&output));
    // A mapping with another format is refused.
    let output = vigia(
        fresh.path(),
        &["lists", "import", path_str(&csv), "--mapping", path_str(&mapping), "--format", "un_xml"],
    );
    no_panic(&output);
    assert!(stderr(&output).contains("--mapping is for generic_csv"), "{}", stderr(&output));
}
