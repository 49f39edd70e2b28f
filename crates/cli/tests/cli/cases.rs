//! `vigia cases ...` end to end: the life of a case through the real
//! binary, the four-eyes rule, bad input, and a crash test that kills the
//! binary in the middle of case changes and alert imports.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use vigia_store::{AlertFilter, AlertStore, AuditLog, CaseFilter, CaseStore, Store};

use crate::alerts::{NOW, fails_as, imported, json, ok, ok_as, stderr, write};

fn show(data: &Path, case: &str) -> Value {
    json(&ok(data, &["cases", "show", case, "--json", "--history"]))
}

#[test]
fn a_case_from_alerts_to_true_match() {
    let (dir, data) = imported();
    let id = ok(&data, &["cases", "create", "--subject", "5500218833"]).trim().to_owned();
    assert_eq!(id, "CASE-000001");
    let case = show(&data, &id);
    assert_eq!(case["state"], "open");
    assert_eq!(case["severity"], "critical");
    assert_eq!(case["alert_count"], 3);
    assert_eq!(case["key_terms"], serde_json::json!(["Intercam2313a FIN-2025"]));
    assert_eq!(case["due_at"], "2025-11-29T15:00:00Z");
    assert_eq!(case["subjects"][1]["id"], "136580000012345678");

    ok(&data, &["cases", "review", &id]);
    ok(&data, &["cases", "comment", &id, "Owner says the wires paid for diesel."]);
    let doc = write(dir.path(), "statement.pdf", "%PDF statement");
    ok(&data, &["cases", "attach", &id, doc.to_str().unwrap(), "-d", "October statement"]);
    ok(
        &data,
        &[
            "cases",
            "attach",
            &id,
            "dms://kyc/CU-TLRB/ubo.pdf",
            "--sha256",
            &"0f".repeat(32),
            "-d",
            "UBO form",
        ],
    );
    let out = ok(
        &data,
        &["cases", "close", &id, "--disposition", "true_match", "--reason", "order applies"],
    );
    assert!(out.contains("request true_match:pending"), "{out}");
    // Four eyes: not the requester, not an analyst.
    fails_as(&data, "ana", "supervisor", &["cases", "approve", &id], "four-eyes rule: ana asked");
    fails_as(&data, "bo", "analyst", &["cases", "approve", &id], "needs the supervisor role");
    let pending = json(&ok(&data, &["cases", "list", "--awaiting-approval", "--json"]));
    assert_eq!(pending.as_array().unwrap().len(), 1);
    let out = ok_as(&data, "sue", "supervisor", &["cases", "approve", &id, "--note", "agreed"]);
    assert!(out.contains("closed (true_match)"), "{out}");

    let case = show(&data, &id);
    assert_eq!(case["disposition"], "true_match");
    assert_eq!(case["assignee"], "ana");
    assert_eq!(case["comments"][0]["author"], "ana");
    let sha = case["attachments"][0]["sha256"].as_str().unwrap();
    assert!(sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit()), "{sha}");
    assert_eq!(case["attachments"][1]["sha256"].as_str(), Some("0f".repeat(32).as_str()));
    assert!(case["attachments"][0]["uri"].as_str().unwrap().starts_with("file:///"));
    let history: Vec<&str> =
        case["history"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        history,
        [
            "case.create",
            "case.review",
            "case.comment",
            "case.attach",
            "case.attach",
            "case.close",
            "case.approve"
        ]
    );
    assert!(case["history"][6]["details"].as_str().unwrap().contains("\"requested_by\":\"ana\""));
    // The alerts follow their case.
    let alert = json(&ok(&data, &["alerts", "show", "E1-5c0a8e7b11f2d3a4", "--json"]));
    assert_eq!(
        (alert["status"].as_str(), alert["case_id"].as_str()),
        (Some("closed"), Some("CASE-000001"))
    );
    // Reopening is a supervisor's.
    fails_as(&data, "ana", "analyst", &["cases", "reopen", &id], "needs the supervisor role");
    ok_as(&data, "sue", "supervisor", &["cases", "reopen", &id, "--reason", "new facts"]);
    assert_eq!(show(&data, &id)["state"], "in_review");
    let human = ok(&data, &["cases", "show", &id]);
    assert!(
        human.contains("closing requests:") && human.contains("#1 true_match by ana"),
        "{human}"
    );
}

#[test]
fn escalation_assignment_merge_and_lists() {
    let (_dir, data) = imported();
    let a = ok(
        &data,
        &["cases", "create", "--alert", "A3-feedbeef00112233", "--title", "Cash under the line"],
    )
    .trim()
    .to_owned();
    let b = ok_as(&data, "bo", "analyst", &["cases", "create", "--alert", "G2-00aa11bb22cc33dd"])
        .trim()
        .to_owned();
    // An analyst takes an unassigned case, not someone else's.
    ok(&data, &["cases", "assign", &a, "ana"]);
    fails_as(
        &data,
        "bo",
        "analyst",
        &["cases", "assign", &a, "bo"],
        "only take an unassigned case",
    );
    fails_as(&data, "bo", "analyst", &["cases", "review", &a], "assigned to ana");
    ok_as(&data, "sue", "supervisor", &["cases", "assign", &a, "bo"]);
    ok_as(&data, "bo", "analyst", &["cases", "review", &a]);
    ok_as(&data, "bo", "analyst", &["cases", "escalate", &a, "--reason", "cash business"]);
    fails_as(&data, "bo", "analyst", &["cases", "close", &a, "-d", "no_action"], "supervisor");
    ok_as(&data, "sue", "supervisor", &["cases", "return", &a]);
    ok_as(&data, "bo", "analyst", &["cases", "add-alerts", &a, "A1-3b1f0c2d4e5a6978"]);
    let listed = json(&ok(&data, &["cases", "list", "--json"]));
    assert_eq!(listed.as_array().unwrap().len(), 2);
    let mine = json(&ok_as(&data, "bo", "analyst", &["cases", "list", "--mine", "--json"]));
    assert_eq!(mine[0]["id"].as_str(), Some(a.as_str()));
    let overdue = json(&ok(&data, &["cases", "list", "--overdue", "--json"]));
    // The A1 work item was due on 22 November: its case is overdue.
    assert_eq!(overdue[0]["id"].as_str(), Some(a.as_str()));
    assert!(ok(&data, &["cases", "list"]).contains("Cash under the line"));
    // Merging b into a.
    let out = ok_as(&data, "bo", "analyst", &["cases", "merge", &a, &b]);
    assert!(out.starts_with(&a), "{out}");
    let merged = show(&data, &a);
    assert_eq!(merged["alert_count"], 3);
    let source = show(&data, &b);
    assert_eq!(
        (source["disposition"].as_str(), source["merged_into"].as_str()),
        (Some("merged"), Some(a.as_str()))
    );
    // Closing without four eyes.
    let out = ok_as(
        &data,
        "bo",
        "analyst",
        &["cases", "close", &a, "-d", "false_positive", "--reason", "explained"],
    );
    assert!(out.contains("closed (false_positive)"), "{out}");
    let closed = json(&ok(&data, &["cases", "list", "--state", "closed", "--json"]));
    assert_eq!(closed.as_array().unwrap().len(), 2);
}

#[test]
fn edits_subjects_and_service_levels() {
    let (dir, data) = imported();
    let id = ok(&data, &["cases", "create", "--alert", "A3-feedbeef00112233"]).trim().to_owned();
    ok(
        &data,
        &[
            "cases",
            "edit",
            &id,
            "--key-term",
            "FIN-2014-A005",
            "--classification",
            "32(e)",
            "--classification",
            "38(z)=Cash from third parties",
        ],
    );
    let narrative =
        write(dir.path(), "narrative.txt", "The owner deposited cash twice in a day.\n");
    ok(
        &data,
        &[
            "cases",
            "edit",
            &id,
            "--narrative",
            &format!("@{}", narrative.display()),
            "--action",
            "Account under review.",
        ],
    );
    let details = write(
        dir.path(),
        "subject.json",
        r#"{"name": {"type": "entity", "name": "Cocina Doña Alma LLC"}, "identifications": [{"kind": "ein", "number": "85-1122334"}]}"#,
    );
    ok(&data, &["cases", "subject", &id, "CU-ALMA", "--details", details.to_str().unwrap()]);
    let case = show(&data, &id);
    assert_eq!(case["key_terms"], serde_json::json!(["STRUCTURING", "FIN-2014-A005"]));
    assert_eq!(case["classifications"][1]["other"], "Cash from third parties");
    assert_eq!(case["narrative"], "The owner deposited cash twice in a day.");
    assert_eq!(case["subjects"][0]["details"]["identifications"][0]["number"], "85-1122334");
    assert_eq!(case["version"], 4);
    ok(
        &data,
        &["cases", "edit", &id, "--remove-key-term", "STRUCTURING", "--derive-classifications"],
    );
    let case = show(&data, &id);
    assert_eq!(case["classifications"], serde_json::json!([]));
    ok(&data, &["cases", "subject", &id, "CU-ALMA", "--clear"]);
    assert!(show(&data, &id)["subjects"][0].get("details").is_none());

    // Service levels: read by anyone, changed by a supervisor, audited.
    let sla = ok(&data, &["cases", "sla"]);
    assert!(sla.contains("critical = \"1d\""), "{sla}");
    fails_as(&data, "ana", "analyst", &["cases", "sla", "--set", "high=2d"], "supervisor role");
    let out = ok_as(
        &data,
        "sue",
        "supervisor",
        &["cases", "sla", "--set", "high=2d", "--set", "E1=4h", "--json"],
    );
    assert_eq!(json(&out)["high"], "2d");
    assert_eq!(json(&out)["scenarios"]["E1"], "4h");
    ok_as(&data, "sue", "supervisor", &["cases", "sla", "--set", "E1=default"]);
    assert!(json(&ok(&data, &["cases", "sla", "--json"]))["scenarios"].get("E1").is_none());
}

#[test]
fn bad_input_to_every_command_gets_a_clear_error() {
    let (dir, data) = imported();
    let id = ok(&data, &["cases", "create", "--alert", "A3-feedbeef00112233"]).trim().to_owned();
    let bad_json = write(dir.path(), "bad.json", "{\"name\": 3}");
    let cases: Vec<(&str, &str, Vec<&str>, &str)> = vec![
        ("ana", "analyst", vec!["cases", "create"], "name the alerts (--alert ID) or a subject"),
        ("ana", "analyst", vec!["cases", "create", "--alert", "nope"], "no alert nope"),
        (
            "ana",
            "analyst",
            vec!["cases", "create", "--alert", "A3-feedbeef00112233"],
            "already in case CASE-000001",
        ),
        (
            "ana",
            "analyst",
            vec!["cases", "create", "--subject", "nobody"],
            "no alert in the queue names subject nobody",
        ),
        ("ana", "auditor", vec!["cases", "list"], "unknown role \"auditor\""),
        ("ana", "analyst", vec!["cases", "list", "--state", "done"], "unknown case state"),
        ("ana", "analyst", vec!["cases", "list", "--priority", "p1"], "--priority p1"),
        ("ana", "analyst", vec!["cases", "show", "CASE-000099"], "no case CASE-000099"),
        ("ana", "analyst", vec!["cases", "review", "CASE-000099"], "no case CASE-000099"),
        ("ana", "analyst", vec!["cases", "close", &id, "-d", "closed"], "unknown disposition"),
        ("ana", "analyst", vec!["cases", "close", &id, "-d", "merged"], "only by merging"),
        (
            "ana",
            "analyst",
            vec!["cases", "close", &id, "-d", "no_action"],
            "cannot close a case that is open",
        ),
        ("ana", "analyst", vec!["cases", "approve", &id], "needs the supervisor role"),
        ("sue", "supervisor", vec!["cases", "approve", &id], "no pending closing request"),
        ("ana", "analyst", vec!["cases", "return", &id], "cannot return a case that is open"),
        ("ana", "analyst", vec!["cases", "comment", &id, " "], "comment cannot be empty"),
        ("ana", "analyst", vec!["cases", "attach", &id, "nowhere.pdf", "-d", "x"], "not a file"),
        (
            "ana",
            "analyst",
            vec!["cases", "attach", &id, "https://dms/x", "-d", "x"],
            "needs --sha256",
        ),
        (
            "ana",
            "analyst",
            vec!["cases", "attach", &id, "https://dms/x", "--sha256", "12", "-d", "x"],
            "64 hex digits",
        ),
        (
            "ana",
            "analyst",
            vec!["cases", "add-alerts", &id, "A3-feedbeef00112233"],
            "already in case",
        ),
        ("ana", "analyst", vec!["cases", "merge", &id, &id], "into itself"),
        ("ana", "analyst", vec!["cases", "edit", &id], "changes nothing"),
        ("ana", "analyst", vec!["cases", "edit", &id, "--key-term", "A;B"], "without ';'"),
        (
            "ana",
            "analyst",
            vec!["cases", "edit", &id, "--classification", "36(q)"],
            "not a box of the SAR form",
        ),
        (
            "ana",
            "analyst",
            vec!["cases", "edit", &id, "--narrative", "@missing.txt"],
            "reading missing.txt",
        ),
        (
            "ana",
            "analyst",
            vec!["cases", "subject", &id, "CU-ALMA", "--details", bad_json.to_str().unwrap()],
            "not a subject's details",
        ),
        ("sue", "supervisor", vec!["cases", "sla", "--set", "high"], "want KEY=DURATION"),
        ("sue", "supervisor", vec!["cases", "sla", "--set", "high=soon"], "want e.g. 12h"),
        (
            "sue",
            "supervisor",
            vec!["cases", "sla", "--set", "urgent level=1d"],
            "the key is critical",
        ),
        (
            "sue",
            "supervisor",
            vec!["cases", "sla", "--set", "A9=default"],
            "no level is set for scenario A9",
        ),
    ];
    let before = ok(&data, &["cases", "show", &id, "--json", "--history"]);
    for (user, role, args, expected) in &cases {
        fails_as(&data, user, role, args, expected);
    }
    // None of it changed the case.
    assert_eq!(ok(&data, &["cases", "show", &id, "--json", "--history"]), before);
    // VIGIA_NOW that is not a time.
    let output = Command::new(env!("CARGO_BIN_EXE_vigia"))
        .args(["--data-dir", data.to_str().unwrap(), "cases", "list"])
        .env("VIGIA_NOW", "tomorrow")
        .env("VIGIA_USER", "ana")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success() && err.contains("VIGIA_NOW=tomorrow"), "{err}");
}

/// A big alert file, for the crash test: `n` alerts about `n` subjects,
/// each citing one transaction of the file `transactions`.
fn big_import(dir: &Path, n: usize) -> (String, String) {
    let mut alerts = String::new();
    let mut txs = String::new();
    for i in 0..n {
        alerts.push_str(&format!(
            "{{\"id\":\"G1-crash{i:06}\",\"scenario\":\"G1\",\"typology\":\"fan_out\",\"kind\":\"alert\",\"severity\":\"medium\",\"score\":0.5,\"subjects\":[\"ACC{i}\"],\"transactions\":[\"T{i}\"],\"from\":\"2025-11-01T00:00:00Z\",\"to\":\"2025-11-02T00:00:00Z\",\"explanation\":\"fan-out {i} with a long explanation so that the import takes a moment to write its rows\",\"key_terms\":[]}}\n"
        ));
        txs.push_str(&format!(
            "{{\"id\":\"T{i}\",\"timestamp\":\"2025-11-01T10:00:00Z\",\"amount\":{}.5,\"currency\":\"USD\",\"channel\":\"wire\",\"originator\":{{\"account\":\"ACC{i}\",\"name\":\"Sender {i}\"}},\"beneficiary\":{{\"account\":\"B{i}\",\"name\":\"Receiver {i}\"}}}}\n",
            1000 + i
        ));
    }
    let a = write(dir, "big-alerts.jsonl", &alerts);
    let t = write(dir, "big-tx.jsonl", &txs);
    (a.to_str().unwrap().to_owned(), t.to_str().unwrap().to_owned())
}

/// Checks what must hold after any crash: the audit chain verifies; each
/// case's state and version are those its last audit event recorded; an
/// import's alerts are all there with their audit event, or none are.
fn check_consistent(data: &Path, big_alerts: usize) -> (usize, usize) {
    let store = Store::open(data).unwrap();
    assert!(store.verify().unwrap().is_intact(), "audit chain broken after a crash");
    let now = NOW.parse().unwrap();
    let cases = store.cases(&CaseFilter::default(), now).unwrap();
    for c in &cases {
        let record = store.case(&c.id, now).unwrap();
        let history = store.case_history(&c.id).unwrap();
        let last = history.last().expect("a case without its creation event");
        let details: Value = serde_json::from_str(&last.details).unwrap();
        assert_eq!(
            details["state"],
            c.state.as_str(),
            "{}: state differs from its last event",
            c.id
        );
        assert_eq!(
            details["version"], record.version,
            "{}: version differs from its last event",
            c.id
        );
        assert_eq!(record.alerts.len() as u64, c.alert_count);
    }
    let crash = store
        .alerts(&AlertFilter { scenario: Some("G1".into()), ..Default::default() }, now)
        .unwrap()
        .into_iter()
        .filter(|a| a.alert.id.starts_with("G1-crash"))
        .count();
    let imports = store
        .events(0, usize::MAX)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "alerts.import" && e.subject.ends_with("big-alerts.jsonl"))
        .count();
    assert!(crash == 0 || crash == big_alerts, "half an import: {crash} of {big_alerts} alerts");
    assert_eq!(crash > 0, imports > 0, "alerts without their import event, or the reverse");
    (cases.len(), crash)
}

/// Crash safety: `kill -9` at arbitrary moments while case changes and a
/// large alert import run loses nothing that was reported done and leaves
/// nothing half-applied.
#[test]
fn killed_at_any_moment_nothing_committed_is_lost() {
    let (dir, data) = imported();
    let n = 20_000;
    let (big_alerts, big_tx) = big_import(dir.path(), n);
    // Case changes that each report success on stdout after their commit.
    let mut script: Vec<(Vec<String>, &str, &str)> = Vec::new();
    let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
    script.push((s(&["cases", "create", "--subject", "5500218833"]), "ana", "analyst"));
    script.push((s(&["cases", "review", "CASE-000001"]), "ana", "analyst"));
    for i in 0..12 {
        script.push((
            s(&["cases", "comment", "CASE-000001", &format!("note {i}")]),
            "ana",
            "analyst",
        ));
        script.push((s(&["cases", "escalate", "CASE-000001"]), "ana", "analyst"));
        script.push((s(&["cases", "return", "CASE-000001"]), "sue", "supervisor"));
    }
    script.push((s(&["cases", "close", "CASE-000001", "-d", "true_match"]), "ana", "analyst"));
    script.push((s(&["cases", "approve", "CASE-000001"]), "sue", "supervisor"));
    script.push((
        s(&["alerts", "import", &big_alerts, "--transactions", &big_tx]),
        "ana",
        "analyst",
    ));

    let events = |data: &Path| Store::open(data).unwrap().events(0, usize::MAX).unwrap().len();
    let mut killed = 0;
    let mut committed_unreported = 0;
    // Each step runs until it finishes, or is killed after a delay that
    // grows with each attempt. Every step writes exactly one audit event:
    // after a kill, either that event is there (the step committed; its
    // report was lost) and the step is done, or nothing is and it runs
    // again.
    for (step, (args, user, role)) in script.iter().enumerate() {
        let before = events(&data);
        let mut delay_us: u64 = 300 + (step as u64 * 977) % 4_000;
        loop {
            let mut child = Command::new(env!("CARGO_BIN_EXE_vigia"))
                .arg("--data-dir")
                .arg(&data)
                .args(args)
                .env("VIGIA_USER", user)
                .env("VIGIA_ROLE", role)
                .env("VIGIA_NOW", NOW)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let started = Instant::now();
            let deadline = Duration::from_micros(delay_us);
            let mut finished = None;
            while started.elapsed() < deadline {
                if let Some(status) = child.try_wait().unwrap() {
                    finished = Some(status);
                    break;
                }
                std::thread::sleep(Duration::from_micros(100));
            }
            if finished.is_none() {
                child.kill().unwrap(); // SIGKILL on Unix
                killed += 1;
            }
            let output = child.wait_with_output().unwrap();
            let (_, crash_alerts) = check_consistent(&data, n);
            let after = events(&data);
            if output.status.success() {
                // Reported done: it is in the store.
                assert_eq!(after, before + 1, "{args:?} reported done without its event");
                if args[0] == "alerts" {
                    assert_eq!(crash_alerts, n, "an import reported done is missing");
                }
                break;
            }
            assert!(
                finished.is_none(),
                "{args:?} failed without being killed: {}",
                stderr(&output)
            );
            if after == before + 1 {
                committed_unreported += 1;
                break;
            }
            assert_eq!(after, before, "{args:?} killed: half applied");
            delay_us = delay_us * 2 + 500;
        }
    }
    assert!(killed > 5, "the test killed only {killed} runs: it tests little");
    // Everything reported done is there.
    let case = json(&ok(&data, &["cases", "show", "CASE-000001", "--json"]));
    assert_eq!(case["disposition"], "true_match");
    assert_eq!(case["comments"].as_array().unwrap().len(), 12);
    let store = Store::open(&data).unwrap();
    assert!(store.verify().unwrap().is_intact());
    let history = store.case_history("CASE-000001").unwrap();
    assert_eq!(history.len(), 2 + 12 * 3 + 2);
    assert_eq!(check_consistent(&data, n).1, n);
    eprintln!("crash test: {killed} runs killed, {committed_unreported} committed before the kill");
}
