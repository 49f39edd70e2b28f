//! `vigia alerts ...` end to end: importing monitoring output with its
//! evidence (idempotently), the queue in priority order, bad input. The
//! helpers and fixtures here serve the case and filing tests too.

#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use tempfile::TempDir;

/// The clock every workflow test runs at (the store takes time from the
/// binary; `VIGIA_NOW` pins it).
pub(crate) const NOW: &str = "2025-11-28T15:00:00Z";

/// Runs `vigia --data-dir DIR ARGS...` as `user` with `role`, at `NOW`.
pub(crate) fn run_as(
    data: &Path,
    user: &str,
    role: &str,
    args: &[&str],
    stdin: Option<&str>,
) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vigia"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("VIGIA_DATA_DIR")
        .env("VIGIA_USER", user)
        .env("VIGIA_ROLE", role)
        .env("VIGIA_NOW", NOW)
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    }
    child.wait_with_output().unwrap()
}

pub(crate) fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs as ana (analyst), asserts success, returns stdout.
pub(crate) fn ok(data: &Path, args: &[&str]) -> String {
    ok_as(data, "ana", "analyst", args)
}

/// Runs as a user, asserts success, returns stdout.
pub(crate) fn ok_as(data: &Path, user: &str, role: &str, args: &[&str]) -> String {
    let output = run_as(data, user, role, args, None);
    assert!(
        output.status.success(),
        "vigia {args:?} as {user} ({role}) failed:\n{}\n{}",
        stdout(&output),
        stderr(&output)
    );
    stdout(&output)
}

/// Runs as a user, asserts failure with a one-line reason containing
/// `expected`, returns that reason.
pub(crate) fn fails_as(
    data: &Path,
    user: &str,
    role: &str,
    args: &[&str],
    expected: &str,
) -> String {
    let output = run_as(data, user, role, args, None);
    let err = stderr(&output);
    assert!(!output.status.success(), "vigia {args:?} should fail:\n{}\n{err}", stdout(&output));
    assert!(err.contains(expected), "vigia {args:?}: expected {expected:?} in:\n{err}");
    assert!(err.lines().any(|l| l.starts_with("vigia: error: ")), "no one-line reason:\n{err}");
    err
}

pub(crate) fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// Writes a file in `dir`.
pub(crate) fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Transactions behind the fixture alerts, in Vigia JSONL: wires to
/// Intercam after the §2313a order, a business day of cash deposits over
/// $10,000 (A1), and a cash remittance in the GTO band at a San Diego MSB
/// agent (A2).
pub(crate) const TRANSACTIONS: &str = r#"{"id": "W-1021", "timestamp": "2025-10-21T15:12:00Z", "amount": 49500.00, "currency": "USD", "channel": "wire", "originator": {"account": "5500218833", "customer": "CU-TLRB", "name": "Transportes y Logistica Rio Bravo LLC", "institution": "Banco Fronterizo National Bank", "country": "us", "state": "TX", "zip": "78045", "address": "8801 Mines Rd, Suite 4"}, "beneficiary": {"account": "136580000012345678", "name": "Comercializadora Norteña de Insumos S.A. de C.V.", "institution": "Intercam Banco", "country": "mx"}, "text": "diesel invoice 4471"}
{"id": "W-1028", "timestamp": "2025-10-28T16:40:00Z", "amount": 51250.40, "currency": "USD", "channel": "wire", "originator": {"account": "5500218833", "customer": "CU-TLRB", "name": "Transportes y Logistica Rio Bravo LLC", "institution": "Banco Fronterizo National Bank", "country": "us", "state": "TX", "zip": "78045", "address": "8801 Mines Rd, Suite 4"}, "beneficiary": {"account": "136580000012345678", "name": "Comercializadora Norteña de Insumos S.A. de C.V.", "institution": "Intercam Banco", "country": "mx"}, "text": "diesel invoice 4490"}
{"id": "W-1104", "timestamp": "2025-11-04T14:05:00Z", "amount": 48000.00, "currency": "USD", "channel": "wire", "originator": {"account": "5500218833", "customer": "CU-TLRB", "name": "Transportes y Logistica Rio Bravo LLC", "institution": "Banco Fronterizo National Bank", "country": "us", "state": "TX", "zip": "78045", "address": "8801 Mines Rd, Suite 4"}, "beneficiary": {"account": "136580000012345678", "name": "Comercializadora Norteña de Insumos S.A. de C.V.", "institution": "Intercam Banco", "country": "mx"}, "text": "diesel invoice 4502"}
{"id": "C-1107-1", "timestamp": "2025-11-07T14:10:00Z", "amount": 6100.75, "currency": "USD", "channel": "cash", "originator": {"account": "", "name": "Alma Delia Garza Cantú", "id_number": "TX09876543"}, "beneficiary": {"account": "3300998877", "customer": "CU-ALMA", "name": "Cocina Doña Alma LLC", "institution": "Banco Fronterizo National Bank", "country": "us", "state": "TX", "zip": "78040", "address": "1419 Santa Maria Ave"}, "place": {"id": "BR-78041", "zip": "78041", "state": "TX", "country": "us"}, "conductor": "Alma Delia Garza Cantú"}
{"id": "C-1107-2", "timestamp": "2025-11-07T19:45:00Z", "amount": 5000.00, "currency": "USD", "channel": "cash", "originator": {"account": "", "name": "Alma Delia Garza Cantú", "id_number": "TX09876543"}, "beneficiary": {"account": "3300998877", "customer": "CU-ALMA", "name": "Cocina Doña Alma LLC", "institution": "Banco Fronterizo National Bank", "country": "us", "state": "TX", "zip": "78040", "address": "1419 Santa Maria Ave"}, "place": {"id": "BR-78041", "zip": "78041", "state": "TX", "country": "us"}, "conductor": "Alma Delia Garza Cantú"}
{"id": "R-1103", "timestamp": "2025-11-03T18:20:00Z", "amount": 2500.00, "currency": "USD", "channel": "cash", "originator": {"account": "", "customer": "CU-JLMQ", "name": "José Luis Moreno Quintero", "id_number": "G12345678", "country": "mx", "address": "Calle Segunda 1820, Zona Centro"}, "beneficiary": {"account": "", "name": "María Quintero Ruiz", "country": "mx"}, "place": {"id": "AG-92173", "zip": "92173", "county": "06073", "state": "CA", "country": "us"}, "text": "remittance to Tijuana"}
"#;

/// Alerts as `vigia monitor` writes them on the transactions above.
pub(crate) const ALERTS: &str = r#"{"id":"E1-5c0a8e7b11f2d3a4","scenario":"E1","typology":"section_2313a","kind":"block","severity":"critical","score":1.0,"subjects":["5500218833","136580000012345678"],"transactions":["W-1021"],"from":"2025-10-21T15:12:00Z","to":"2025-10-21T15:12:00Z","explanation":"Transfer of $49,500 on 2025-10-21 (wire) involves Intercam Banco, named in a section 2313a order: transmittals of funds from or to it are prohibited. Block it and open a case.","key_terms":["Intercam2313a FIN-2025"],"amount":49500.0}
{"id":"E1-77d4e0c9a1b2c3d4","scenario":"E1","typology":"section_2313a","kind":"block","severity":"critical","score":1.0,"subjects":["5500218833","136580000012345678"],"transactions":["W-1028"],"from":"2025-10-28T16:40:00Z","to":"2025-10-28T16:40:00Z","explanation":"Transfer of $51,250.40 on 2025-10-28 (wire) involves Intercam Banco, named in a section 2313a order: transmittals of funds from or to it are prohibited. Block it and open a case.","key_terms":["Intercam2313a FIN-2025"],"amount":51250.4}
{"id":"E1-9e8f7a6b5c4d3e2f","scenario":"E1","typology":"section_2313a","kind":"block","severity":"critical","score":1.0,"subjects":["5500218833","136580000012345678"],"transactions":["W-1104"],"from":"2025-11-04T14:05:00Z","to":"2025-11-04T14:05:00Z","explanation":"Transfer of $48,000 on 2025-11-04 (wire) involves Intercam Banco, named in a section 2313a order: transmittals of funds from or to it are prohibited. Block it and open a case.","key_terms":["Intercam2313a FIN-2025"],"amount":48000.0}
{"id":"A1-3b1f0c2d4e5a6978","scenario":"A1","typology":"ctr","kind":"ctr_work_item","severity":"medium","score":0.5,"subjects":["CU-ALMA"],"transactions":["C-1107-1","C-1107-2"],"from":"2025-11-07T14:10:00Z","to":"2025-11-07T19:45:00Z","explanation":"Customer CU-ALMA: cash in $11,100.75 and cash out $0 on the business day of 2025-11-07, over 2 cash transactions (CTR threshold $10,000 per direction).","key_terms":[],"amount":11100.75}
{"id":"A2-0a1b2c3d4e5f6071","scenario":"A2","typology":"ctr","kind":"ctr_work_item","severity":"medium","score":0.5,"subjects":["G12345678"],"transactions":["R-1103"],"from":"2025-11-03T18:20:00Z","to":"2025-11-03T18:20:00Z","explanation":"Cash transaction of $2,500 on 2025-11-03 at AG-92173, inside the south-west border GTO area, in the order's reporting band ($1,000 to $10,000): file a CTR within 30 days and verify the conductor's identification.","key_terms":[],"amount":2500.0}
{"id":"G2-00aa11bb22cc33dd","scenario":"G2","typology":"fan_in","kind":"alert","severity":"medium","score":0.62,"subjects":["AC-FANIN"],"transactions":["X-1","X-2","X-3","X-4","X-5"],"from":"2025-11-01T10:00:00Z","to":"2025-11-09T10:00:00Z","explanation":"Account AC-FANIN received from 5 new counterparties in 9 days.","key_terms":[],"amount":23000.0}
{"id":"A3-feedbeef00112233","scenario":"A3","typology":"structuring","kind":"alert","severity":"high","score":0.75,"subjects":["CU-ALMA"],"transactions":["C-1107-1","C-1107-2"],"from":"2025-11-07T14:10:00Z","to":"2025-11-07T19:45:00Z","explanation":"Customer CU-ALMA kept cash under the $10,000 threshold.","key_terms":["STRUCTURING"],"amount":11100.75}
"#;

/// A data directory with the fixture alerts and transactions imported.
pub(crate) fn imported() -> (TempDir, PathBuf) {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    let alerts = write(dir.path(), "alerts.jsonl", ALERTS);
    let tx = write(dir.path(), "tx.jsonl", TRANSACTIONS);
    ok(
        &data,
        &["alerts", "import", alerts.to_str().unwrap(), "--transactions", tx.to_str().unwrap()],
    );
    (dir, data)
}

fn queue_ids(data: &Path, args: &[&str]) -> Vec<String> {
    let mut all = vec!["alerts", "list", "--json"];
    all.extend_from_slice(args);
    ok(data, &all).lines().map(|l| json(l)["id"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn import_is_idempotent_and_keeps_evidence() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    let alerts = write(dir.path(), "alerts.jsonl", ALERTS);
    let tx = write(dir.path(), "tx.jsonl", TRANSACTIONS);
    let out = ok(
        &data,
        &["alerts", "import", alerts.to_str().unwrap(), "--transactions", tx.to_str().unwrap()],
    );
    assert!(
        out.contains("7 alerts: 7 new, 0 unchanged; evidence: 8 transactions stored, 5 not found"),
        "{out}"
    );
    // The same alerts again (a monitoring re-run): nothing new.
    let out = ok(&data, &["alerts", "import", alerts.to_str().unwrap()]);
    assert!(out.contains("7 alerts: 0 new, 7 unchanged"), "{out}");
    // Same id, other content: the stored alert stays, and it is said.
    let changed = ALERTS.lines().next().unwrap().replace("Block it", "Stop it");
    let other = write(dir.path(), "other.jsonl", &changed);
    let output =
        run_as(&data, "ana", "analyst", &["alerts", "import", other.to_str().unwrap()], None);
    assert!(output.status.success());
    assert!(stdout(&output).contains("1 stored with other content (kept)"), "{}", stdout(&output));
    assert!(stderr(&output).contains("E1-5c0a8e7b11f2d3a4 is stored with other content"));
    let shown = json(&ok(&data, &["alerts", "show", "E1-5c0a8e7b11f2d3a4", "--json"]));
    assert!(shown["explanation"].as_str().unwrap().contains("Block it"));
    assert_eq!(shown["evidence"][0]["id"], "W-1021");
    assert_eq!(shown["status"], "new");
    assert_eq!(shown["raised_by"], "ana");
    // Critical alerts are due a day after import.
    assert_eq!(shown["due_at"], "2025-11-29T15:00:00Z");
    // Alerts read from standard input.
    let output = run_as(&data, "ana", "analyst", &["alerts", "import", "-"], Some(ALERTS));
    assert!(stdout(&output).contains("-: 7 alerts: 0 new, 7 unchanged"), "{}", stdout(&output));
}

#[test]
fn the_queue_is_listed_by_priority() {
    let (_dir, data) = imported();
    let ids = queue_ids(&data, &[]);
    assert_eq!(
        ids,
        [
            // Critical, all due on the same day: by score, then id.
            "E1-5c0a8e7b11f2d3a4",
            "E1-77d4e0c9a1b2c3d4",
            "E1-9e8f7a6b5c4d3e2f",
            "A3-feedbeef00112233",
            // Medium: the CTR work items are due from their transactions
            // (A1: 15 days, overdue; A2: 30 days), before the fan-in due
            // ten days after import.
            "A1-3b1f0c2d4e5a6978",
            "A2-0a1b2c3d4e5f6071",
            "G2-00aa11bb22cc33dd",
        ]
    );
    assert_eq!(queue_ids(&data, &["--priority", "high"]).len(), 4);
    assert_eq!(queue_ids(&data, &["--scenario", "A2"]), ["A2-0a1b2c3d4e5f6071"]);
    assert_eq!(
        queue_ids(&data, &["--subject", "CU-ALMA"]),
        ["A3-feedbeef00112233", "A1-3b1f0c2d4e5a6978"]
    );
    assert_eq!(queue_ids(&data, &["--overdue"]), ["A1-3b1f0c2d4e5a6978"]);
    assert_eq!(queue_ids(&data, &["--limit", "2"]).len(), 2);
    assert_eq!(queue_ids(&data, &["--status", "closed"]).len(), 0);
    let table = ok(&data, &["alerts", "list"]);
    assert!(table.lines().next().unwrap().starts_with("alert"), "{table}");
    assert!(table.contains("2025-11-22T19:45:00Z !"), "overdue marker: {table}");
    let shown = ok(&data, &["alerts", "show", "A1-3b1f0c2d4e5a6978"]);
    assert!(shown.contains("evidence:     2 of 2 transactions stored"), "{shown}");
    assert!(shown.contains("(overdue)"), "{shown}");
}

#[test]
fn bad_input_gets_a_clear_error() {
    let (dir, data) = imported();
    let root = dir.path();
    let bad_json = write(root, "bad.jsonl", "{\"id\": \"x\"}\n");
    let no_id = write(
        root,
        "noid.jsonl",
        &ALERTS.lines().next().unwrap().replace("E1-5c0a8e7b11f2d3a4", " "),
    );
    let no_subject = write(
        root,
        "nosubject.jsonl",
        &ALERTS
            .lines()
            .next()
            .unwrap()
            .replace(r#""subjects":["5500218833","136580000012345678"]"#, r#""subjects":[]"#)
            .replace("E1-5c0a8e7b11f2d3a4", "E1-new"),
    );
    let path = |p: &PathBuf| p.to_str().unwrap().to_owned();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["alerts".into(), "import".into(), path(&bad_json)], "line 1: not an alert"),
        (vec!["alerts".into(), "import".into(), path(&no_id)], "line 1: the alert has no id"),
        (vec!["alerts".into(), "import".into(), path(&no_subject)], "names no subject"),
        (vec!["alerts".into(), "import".into(), "missing.jsonl".into()], "opening missing.jsonl"),
        (
            vec![
                "alerts".into(),
                "import".into(),
                path(&bad_json),
                "--source".into(),
                "rumour".into(),
            ],
            "--source rumour",
        ),
        (
            vec!["alerts".into(), "import".into(), "-".into(), "--transactions".into(), "-".into()],
            "standard input (-) can be read once",
        ),
        (
            vec!["alerts".into(), "list".into(), "--status".into(), "pending".into()],
            "unknown alert status",
        ),
        (
            vec!["alerts".into(), "list".into(), "--priority".into(), "urgent".into()],
            "--priority urgent",
        ),
        (vec!["alerts".into(), "show".into(), "nope".into()], "no alert nope"),
    ];
    for (args, expected) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        fails_as(&data, "ana", "analyst", &args, expected);
    }
    // Nothing of the refused files was stored.
    assert_eq!(queue_ids(&data, &[]).len(), 7);
}
