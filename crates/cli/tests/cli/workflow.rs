//! The compliance loop end to end: lists and customers imported, hits
//! decided, list changes that do and do not re-open a cleared hit, the
//! audit trail verified and exported (and tampered with), bad input to
//! every command, and kill -9 in the middle of imports and decisions.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;
use vigia_store::customers::CustomerStore;
use vigia_store::decisions::{HitFilter, HitStore};
use vigia_store::{AlertFilter, AlertStore, AuditLog, Store};

use crate::alerts::{NOW, fails_as, ok, run_as, stderr, stdout, write};

/// A small list: a person with a birth date, an unrelated person, an
/// organisation.
const V1: &str = r#"{"id": "ofac-1", "schema": "Person", "properties": {"name": ["Viktor Anatolyevich Bout"], "birthDate": ["1967-01-13"]}}
{"id": "ofac-2", "schema": "Person", "properties": {"name": ["Jose Maria Pereira"]}}
{"id": "ofac-3", "schema": "Organization", "properties": {"name": ["Air Cess Holdings"]}}
"#;

const CUSTOMERS: &str = "id,name,birth_date,country\n\
C-1,Viktor Bout,1967-01-13,ru\n\
C-2,Maria Gonzalez,,mx\n\
C-3,Air Cess Holdings Ltd,,\n";

/// `V1` with `alias` added to entity `id`.
fn with_alias(id: &str, alias: &str, base: &str) -> String {
    base.lines()
        .map(|line| {
            let mut v: Value = serde_json::from_str(line).unwrap();
            if v["id"] == id {
                v["properties"]["alias"] = serde_json::json!([alias]);
            }
            format!("{v}\n")
        })
        .collect()
}

fn hits(data: &Path) -> Vec<Value> {
    ok(data, &["hits", "list", "--json"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn hit_of(data: &Path, customer: &str) -> Value {
    hits(data).into_iter().find(|h| h["customer_id"] == customer).unwrap()
}

/// A data directory with list v1 and the customers registered.
fn registered() -> (TempDir, PathBuf) {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    let v1 = write(dir.path(), "v1.json", V1);
    ok(&data, &["lists", "import", v1.to_str().unwrap(), "--dataset", "mylist"]);
    let customers = write(dir.path(), "customers.csv", CUSTOMERS);
    let out = ok(&data, &["customers", "import", customers.to_str().unwrap()]);
    assert!(out.contains("3 customers: 3 added"), "{out}");
    assert!(out.contains("2 new hit(s)"), "{out}");
    (dir, data)
}

#[test]
fn a_cleared_false_positive_reopens_only_when_its_entity_changes_materially() {
    let (dir, data) = registered();
    let hit = hit_of(&data, "C-1");
    assert_eq!(hit["status"], "open");
    assert_eq!(hit["entity_id"], "ofac-1");
    let id = hit["id"].as_str().unwrap().to_owned();
    // The hit is in the alert queue.
    let queue = ok(&data, &["alerts", "list"]);
    assert!(queue.contains(&format!("screening:{id}:1")), "{queue}");

    let out = ok(
        &data,
        &[
            "hits",
            "decide",
            &id,
            "--as",
            "false-positive",
            "--reason",
            "different person: passport checked",
        ],
    );
    assert!(out.contains("false_positive"), "{out}");
    assert_eq!(hit_of(&data, "C-1")["status"], "cleared");

    // An unrelated entity gains an alias: the cleared hit stays cleared.
    let v2 = with_alias("ofac-2", "Ze Pereira", V1);
    let v2_path = write(dir.path(), "v2.json", &v2);
    let output = run_as(
        &data,
        "ana",
        "analyst",
        &["lists", "import", v2_path.to_str().unwrap(), "--dataset", "mylist"],
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("vigia: rescreen: delta against mylist@2"),
        "{}",
        stderr(&output)
    );
    let after_v2 = hit_of(&data, "C-1");
    assert_eq!(after_v2["status"], "cleared", "{after_v2}");
    assert_eq!(after_v2["openings"], 1);

    // The matched entity gains an alias: the hit re-opens, with the reason,
    // and a second alert enters the queue.
    let v3 = with_alias("ofac-1", "Viktor Butt", &v2);
    let v3_path = write(dir.path(), "v3.json", &v3);
    let output = run_as(
        &data,
        "ana",
        "analyst",
        &["lists", "import", v3_path.to_str().unwrap(), "--dataset", "mylist"],
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("1 re-opened"), "{}", stderr(&output));
    let reopened = hit_of(&data, "C-1");
    assert_eq!(reopened["status"], "open", "{reopened}");
    assert_eq!(reopened["openings"], 2);
    assert!(reopened["reason"].as_str().unwrap().contains("new alias 'Viktor Butt'"), "{reopened}");
    // The earlier decision is kept, not edited.
    assert_eq!(reopened["decision"]["kind"], "false_positive");
    let queue = ok(&data, &["alerts", "list"]);
    assert!(queue.contains(&format!("screening:{id}:2")), "{queue}");

    // The other hit (C-3) was never decided: it stays open, once.
    let other = hit_of(&data, "C-3");
    assert_eq!((other["status"].as_str(), other["openings"].as_u64()), (Some("open"), Some(1)));

    // A full rescreen finds nothing new.
    let out = ok(&data, &["rescreen", "--full", "--json"]);
    let outcome: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(outcome["mode"], "full");
    assert_eq!(outcome["report"]["opened"], 0);
    assert_eq!(outcome["report"]["reopened"], 0);

    // A true match is recorded with its author; the decisions list both.
    ok_sup(&data, &["hits", "decide", &id, "--as", "true-match", "--reason", "same DOB and alias"]);
    let decisions = ok(&data, &["hits", "decisions", "--hit", &id]);
    assert_eq!(decisions.lines().count(), 2, "{decisions}");
    assert!(decisions.lines().last().unwrap().contains("true_match\tsue\tsame DOB and alias"));

    // Every step is in the audit trail, and the chain holds.
    let verify = ok(&data, &["audit", "verify"]);
    assert!(verify.starts_with("intact: "), "{verify}");
    let export = dir.path().join("audit.jsonl");
    ok(&data, &["audit", "export", "-o", export.to_str().unwrap()]);
    let actions: BTreeSet<String> = std::fs::read_to_string(&export)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["action"].as_str().unwrap().to_owned())
        .collect();
    for action in [
        "lists.import",
        "customers.import",
        "hits.open",
        "decisions.record",
        "screening.run",
        "hits.reopen",
        "alerts.raise",
    ] {
        assert!(actions.contains(action), "no {action} in {actions:?}");
    }
}

fn ok_sup(data: &Path, args: &[&str]) -> String {
    crate::alerts::ok_as(data, "sue", "supervisor", args)
}

#[test]
fn a_changed_customer_reopens_and_an_unchanged_import_writes_nothing() {
    let (dir, data) = registered();
    let id = hit_of(&data, "C-1")["id"].as_str().unwrap().to_owned();
    ok(&data, &["hits", "decide", &id, "--as", "fp", "--reason", "checked"]);
    // The same file again: no new version, nothing screened.
    let customers = write(dir.path(), "again.csv", CUSTOMERS);
    let out = ok(&data, &["customers", "import", customers.to_str().unwrap()]);
    assert!(out.contains("0 added, 0 changed, 3 unchanged"), "{out}");
    assert_eq!(hit_of(&data, "C-1")["status"], "cleared");
    // An address is not screened: still no new version.
    let moved = CUSTOMERS
        .replace("id,name,birth_date,country", "id,name,birth_date,country,address")
        .replace("1967-01-13,ru", "1967-01-13,ru,Moscow");
    let moved = write(dir.path(), "moved.csv", &moved);
    let out = ok(&data, &["customers", "import", moved.to_str().unwrap()]);
    assert!(out.contains("0 changed"), "{out}");
    // A new birth date on the customer matters.
    let dob = CUSTOMERS.replace("1967-01-13,ru", "1967-01-14,ru");
    let dob = write(dir.path(), "dob.csv", &dob);
    let out = ok(&data, &["customers", "import", dob.to_str().unwrap()]);
    assert!(out.contains("1 changed"), "{out}");
    let hit = hit_of(&data, "C-1");
    assert_eq!(hit["status"], "open", "{hit}");
    assert!(hit["reason"].as_str().unwrap().contains("birth date"), "{hit}");
    let shown = ok(&data, &["customers", "show", "C-1", "--json"]);
    let shown: Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(shown["versions"].as_array().unwrap().len(), 2);
    // Deactivating closes the hits.
    ok(&data, &["customers", "deactivate", "C-1", "--reason", "account closed"]);
    assert_eq!(hit_of(&data, "C-1")["status"], "closed");
}

#[test]
fn an_edited_audit_row_fails_verification_at_that_record() {
    let (dir, data) = registered();
    let id = hit_of(&data, "C-1")["id"].as_str().unwrap().to_owned();
    ok(&data, &["hits", "decide", &id, "--as", "false-positive", "--reason", "checked"]);
    let decide_seq: u64 = {
        let store = Store::open(&data).unwrap();
        store
            .events(0, usize::MAX)
            .unwrap()
            .iter()
            .find(|e| e.action == "decisions.record")
            .unwrap()
            .seq
    };
    assert!(ok(&data, &["audit", "verify"]).starts_with("intact"));
    let keep = dir.path().join("keep.db");
    std::fs::copy(data.join(vigia_store::DB_FILE), &keep).unwrap();

    // The table refuses edits: triggers make it append-only.
    let db = rusqlite::Connection::open(data.join(vigia_store::DB_FILE)).unwrap();
    let refused = db.execute("UPDATE audit_events SET actor = 'eve' WHERE seq = 1", []);
    assert!(refused.unwrap_err().to_string().contains("append-only"));
    // Someone with the file drops the triggers and rewrites the reason of
    // the decision's audit record by hand.
    drop_triggers(&db);
    db.execute(
        "UPDATE audit_events SET details = replace(details, 'checked', 'approved by phone') WHERE seq = ?1",
        [decide_seq],
    )
    .unwrap();
    drop(db);
    let output = run_as(&data, "ana", "analyst", &["audit", "verify"], None);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains(&format!("broken at record {decide_seq}")),
        "{}",
        stderr(&output)
    );
    let json = run_as(&data, "ana", "analyst", &["audit", "verify", "--json"], None);
    let v: Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!((v["status"].as_str(), v["seq"].as_u64()), (Some("broken"), Some(decide_seq)));

    // Deleting a record is found too, at the record after the gap.
    std::fs::copy(&keep, data.join(vigia_store::DB_FILE)).unwrap();
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(data.join(format!("{}{suffix}", vigia_store::DB_FILE)));
    }
    assert!(ok(&data, &["audit", "verify"]).starts_with("intact"));
    let db = rusqlite::Connection::open(data.join(vigia_store::DB_FILE)).unwrap();
    drop_triggers(&db);
    db.execute("DELETE FROM audit_events WHERE seq = 3", []).unwrap();
    drop(db);
    let output = run_as(&data, "ana", "analyst", &["audit", "verify"], None);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("broken at record"), "{}", stderr(&output));
}

fn drop_triggers(db: &rusqlite::Connection) {
    db.execute_batch("DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;")
        .unwrap();
}

#[test]
fn audit_export_writes_the_range_and_records_itself() {
    let (dir, data) = registered();
    let out = dir.path().join("range.jsonl");
    ok(&data, &["audit", "export", "--from", "2", "--to", "4", "-o", out.to_str().unwrap()]);
    let lines: Vec<Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let seqs: Vec<u64> = lines.iter().map(|l| l["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, [2, 3, 4]);
    // Each record links to the one before.
    assert_eq!(lines[1]["prev_hash"], lines[0]["hash"]);
    let store = Store::open(&data).unwrap();
    let last = store.events(0, usize::MAX).unwrap().pop().unwrap();
    assert_eq!(last.action, "audit.export");
    assert!(last.details.contains("range.jsonl"), "{}", last.details);
}

#[test]
fn bad_input_to_every_workflow_command_gets_a_clear_error() {
    let (dir, data) = registered();
    let id = hit_of(&data, "C-1")["id"].as_str().unwrap().to_owned();
    let no_id = write(dir.path(), "noid.csv", "name\nViktor Bout\n");
    let no_id_json = write(
        dir.path(),
        "noid.jsonl",
        "{\"schema\": \"Person\", \"properties\": {\"name\": [\"A B\"]}}\n",
    );
    let not_json = write(dir.path(), "bad.jsonl", "{\"id\": \"x\", \"properties\": \n");
    let empty = write(dir.path(), "empty.csv", "");
    let twice = write(dir.path(), "twice.csv", "id,name\nX-1,Ann Lee\nX-1,Ann Lee\n");
    let vessel = write(dir.path(), "nameless.csv", "id,country\nX-2,ru\n");
    let p = |p: &PathBuf| p.to_str().unwrap().to_owned();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["customers".into(), "import".into(), "missing.csv".into()], "reading missing.csv"),
        (vec!["customers".into(), "import".into(), p(&no_id)], "no id column"),
        (vec!["customers".into(), "import".into(), p(&no_id_json)], "line 1: no id"),
        (vec!["customers".into(), "import".into(), p(&not_json)], "line 1: not a JSON object"),
        (vec!["customers".into(), "import".into(), p(&empty)], "the file is empty"),
        (vec!["customers".into(), "import".into(), p(&twice)], "nothing was registered"),
        (vec!["customers".into(), "import".into(), p(&vessel)], "no name column"),
        (vec!["customers".into(), "show".into(), "C-404".into()], "no customer C-404"),
        (
            vec![
                "customers".into(),
                "deactivate".into(),
                "C-404".into(),
                "--reason".into(),
                "x".into(),
            ],
            "C-404",
        ),
        (
            vec![
                "customers".into(),
                "deactivate".into(),
                "C-2".into(),
                "--reason".into(),
                " ".into(),
            ],
            "--reason must not be empty",
        ),
        (
            vec!["hits".into(), "list".into(), "--status".into(), "maybe".into()],
            "unknown hit status",
        ),
        (vec!["hits".into(), "show".into(), "hit-0000".into()], "no hit hit-0000"),
        (
            vec![
                "hits".into(),
                "decide".into(),
                id.clone(),
                "--as".into(),
                "maybe".into(),
                "--reason".into(),
                "x".into(),
            ],
            "want false-positive or true-match",
        ),
        (
            vec![
                "hits".into(),
                "decide".into(),
                id.clone(),
                "--as".into(),
                "fp".into(),
                "--reason".into(),
                "".into(),
            ],
            "--reason must not be empty",
        ),
        (
            vec![
                "hits".into(),
                "decide".into(),
                "hit-0000".into(),
                "--as".into(),
                "fp".into(),
                "--reason".into(),
                "x".into(),
            ],
            "hit-0000",
        ),
        (
            vec![
                "hits".into(),
                "decide".into(),
                id.clone(),
                "--as".into(),
                "fp".into(),
                "--reason".into(),
                "x".into(),
                "--openings".into(),
                "7".into(),
            ],
            "re-opened",
        ),
        (
            vec!["rescreen".into(), "--full".into(), "--threshold".into(), "3".into()],
            "between 0.05 and 1",
        ),
        (
            vec!["rescreen".into(), "--full".into(), "--algorithm".into(), "nope".into()],
            "unknown algorithm",
        ),
        (
            vec!["audit".into(), "export".into(), "--from".into(), "0".into()],
            "--from counts from 1",
        ),
        (
            vec![
                "audit".into(),
                "export".into(),
                "--from".into(),
                "5".into(),
                "--to".into(),
                "2".into(),
            ],
            "--to 2 is before --from 5",
        ),
        (
            vec!["audit".into(), "export".into(), "-o".into(), "/nonexistent/dir/x.jsonl".into()],
            "creating /nonexistent/dir/x.jsonl",
        ),
    ];
    for (args, expected) in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let err = fails_as(&data, "ana", "analyst", &args, expected);
        assert!(!err.contains("panicked"), "{err}");
    }
    // Nothing bad input did changed the store or broke the chain.
    let store = Store::open(&data).unwrap();
    assert_eq!(store.customer_counts().unwrap().active, 3);
    assert!(store.verify().unwrap().is_intact());
}

/// `n` synthetic customers, one of them named like a listed person.
fn many_customers(dir: &Path, name: &str, n: usize, twist: &str) -> String {
    let mut text = String::from("id,name,country\n");
    for i in 0..n {
        text.push_str(&format!("K-{i:06},Customer {twist} Number {i},us\n"));
    }
    text.push_str("K-BOUT,Viktor Bout,ru\n");
    write(dir, name, &text).to_str().unwrap().to_owned()
}

/// What must agree between a run that was killed and one that was not:
/// active customers, hits (id, status, openings), decisions, alert ids.
type State = (u64, Vec<(String, String, u64)>, usize, BTreeSet<String>);

fn state(data: &Path) -> State {
    let store = Store::open(data).unwrap();
    let counts = store.customer_counts().unwrap();
    let hits: Vec<(String, String, u64)> = store
        .hits(&HitFilter::default())
        .unwrap()
        .into_iter()
        .map(|h| (h.id, h.status.as_str().to_owned(), h.openings))
        .collect();
    let decisions = store.decisions(None, 0, 0).unwrap().len();
    let alerts: BTreeSet<String> = store
        .alerts(&AlertFilter::default(), NOW.parse::<jiff::Timestamp>().unwrap())
        .unwrap()
        .into_iter()
        .map(|a| a.alert.id)
        .collect();
    (counts.active, hits, decisions, alerts)
}

/// No half-applied state: the chain holds, every decided hit has its
/// decision, every open hit has the alert of its latest opening.
fn consistent(data: &Path) {
    let store = Store::open(data).unwrap();
    assert!(store.verify().unwrap().is_intact());
    let alerts: BTreeSet<String> = store
        .alerts(&AlertFilter::default(), NOW.parse::<jiff::Timestamp>().unwrap())
        .unwrap()
        .into_iter()
        .map(|a| a.alert.id)
        .collect();
    for hit in store.hits(&HitFilter::default()).unwrap() {
        match hit.status.as_str() {
            "cleared" | "confirmed" => assert!(hit.decision.is_some(), "{hit:?}"),
            "open" => assert!(alerts.contains(&hit.alert_id()), "no alert for {hit:?}"),
            _ => {}
        }
    }
}

/// The steps of the crash test: (arguments, whether the step is already
/// done in `data` — a step killed after its commit must not run again).
type Step = (Vec<String>, fn(&Path) -> bool);

fn steps(dir: &Path) -> Vec<Step> {
    let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
    let v1 = write(dir, "v1.json", V1).to_str().unwrap().to_owned();
    let v2 = write(dir, "v2.json", &with_alias("ofac-1", "Viktor Butt", V1))
        .to_str()
        .unwrap()
        .to_owned();
    let big = many_customers(dir, "big.csv", 20_000, "Alpha");
    let big2 = many_customers(dir, "big2.csv", 20_000, "Beta");
    fn never(_: &Path) -> bool {
        false
    }
    fn decided(data: &Path) -> bool {
        let store = Store::open(data).unwrap();
        let id = vigia_store::decisions::hit_id("K-BOUT", "ofac-1");
        store.hit(&id).unwrap().is_some_and(|h| h.status.as_str() == "cleared" || h.openings > 1)
    }
    let hit = vigia_store::decisions::hit_id("K-BOUT", "ofac-1");
    vec![
        (s(&["lists", "import", &v1, "--dataset", "mylist"]), never),
        (s(&["customers", "import", &big]), never),
        (s(&["hits", "decide", &hit, "--as", "false-positive", "--reason", "checked"]), decided),
        (s(&["customers", "import", &big2]), never),
        (s(&["lists", "import", &v2, "--dataset", "mylist"]), never),
    ]
}

fn spawn(data: &Path, args: &[String]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_vigia"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("VIGIA_DATA_DIR")
        .env("VIGIA_USER", "ana")
        .env("VIGIA_ROLE", "analyst")
        .env("VIGIA_NOW", NOW)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn killed_during_imports_and_decisions_nothing_committed_is_lost() {
    let dir = TempDir::new().unwrap();
    let script = steps(dir.path());
    // The reference: the same steps, never interrupted.
    let reference = dir.path().join("reference");
    for (args, _) in &script {
        let out = spawn(&reference, args).wait_with_output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    let expected = state(&reference);
    assert_eq!(expected.0, 20_001);

    let data = dir.path().join("killed");
    let mut kills = 0;
    for (step, (args, done)) in script.iter().enumerate() {
        // Kill after a delay that grows with each attempt, until the step
        // finishes on its own; check the store after every kill.
        let mut delay_ms: u64 = 5 + (step as u64 * 7) % 20;
        loop {
            if data.exists() && done(&data) {
                break;
            }
            let mut child = spawn(&data, args);
            let started = Instant::now();
            let mut finished = None;
            while started.elapsed() < Duration::from_millis(delay_ms) {
                if let Some(status) = child.try_wait().unwrap() {
                    finished = Some(status);
                    break;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            match finished {
                Some(status) => {
                    let out = child.wait_with_output().unwrap();
                    assert!(status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
                    break;
                }
                None => {
                    // SIGKILL: no destructor, no rollback by the process.
                    child.kill().unwrap();
                    child.wait().unwrap();
                    kills += 1;
                    if data.join(vigia_store::DB_FILE).exists() {
                        consistent(&data);
                    }
                    delay_ms = delay_ms * 3 / 2 + 3;
                }
            }
        }
    }
    assert!(kills >= 5, "only {kills} kills: the steps finish too fast to test");
    consistent(&data);
    // Pending customers left by a kill between an import's commit and its
    // screening are screened by the next rescreen.
    ok(&data, &["rescreen"]);
    assert_eq!(state(&data), expected, "after {kills} kills");
}
