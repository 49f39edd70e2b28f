//! `vigia monitor` end to end: the real binary on hand-made inputs in the
//! three formats, from a file and from stdin, with bad rows, scenario
//! directories, profiles and backtesting; and on the shared AMLSim run and
//! a simulated labelled set when available.

#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use tempfile::TempDir;

fn monitor(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vigia"))
        .arg("monitor")
        .args(args)
        .env("VIGIA_DATA_DIR", std::env::temp_dir().join("vigia-monitor-test-empty-store"))
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Written from a thread: an input larger than a pipe's buffer would
    // otherwise wait for the alerts that wait for it to be read.
    let writer = stdin.map(|text| {
        let mut pipe = child.stdin.take().unwrap();
        let text = text.to_string();
        std::thread::spawn(move || {
            // A run that stops early closes its input.
            let _ = pipe.write_all(text.as_bytes());
        })
    });
    let output = child.wait_with_output().unwrap();
    if let Some(writer) = writer {
        writer.join().unwrap();
    }
    output
}

fn alerts(output: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).to_string()
}

/// Four cash deposits at four branches in a day, as Vigia JSONL.
const STRUCTURING: &str = r#"{"id": "d1", "timestamp": "2025-07-01T09:00:00Z", "amount": 8000, "channel": "cash", "originator": {"account": "", "name": "P1"}, "beneficiary": {"account": "ACC7"}, "place": {"id": "BR1", "state": "TX"}}
{"id": "d2", "timestamp": "2025-07-01T11:00:00Z", "amount": 9900, "channel": "cash", "originator": {"account": "", "name": "P1"}, "beneficiary": {"account": "ACC7"}, "place": {"id": "BR2", "state": "TX"}}
{"id": "d3", "timestamp": "2025-07-01T13:00:00Z", "amount": 9500, "channel": "cash", "originator": {"account": "", "name": "P1"}, "beneficiary": {"account": "ACC7"}, "place": {"id": "BR3", "state": "TX"}}
{"id": "d4", "timestamp": "2025-07-01T14:00:00Z", "amount": 8800, "channel": "cash", "originator": {"account": "", "name": "P1"}, "beneficiary": {"account": "ACC7"}, "place": {"id": "BR4", "state": "TX"}}
"#;

#[test]
fn jsonl_from_stdin_gives_explained_alerts_and_a_summary() {
    let output = monitor(&["-", "--only", "A5,A1,A3"], Some(STRUCTURING));
    assert!(output.status.success(), "{}", stderr(&output));
    let alerts = alerts(&output);
    let a5: Vec<&Value> = alerts.iter().filter(|a| a["scenario"] == "A5").collect();
    assert_eq!(a5.len(), 1);
    assert_eq!(a5[0]["subjects"], serde_json::json!(["ACC7"]));
    assert_eq!(a5[0]["transactions"], serde_json::json!(["d1", "d2", "d3"]));
    assert_eq!(
        a5[0]["explanation"],
        "Account ACC7 received 3 cash deposits totalling $27,400 in 1d at 3 branches from 1 depositors, each between $8,000 and $9,900 (threshold $10,000)."
    );
    assert_eq!(a5[0]["key_terms"], serde_json::json!(["STRUCTURING"]));
    for key in [
        "id",
        "scenario",
        "typology",
        "score",
        "subjects",
        "transactions",
        "from",
        "to",
        "explanation",
        "key_terms",
        "kind",
        "severity",
        "amount",
    ] {
        assert!(a5[0].get(key).is_some(), "alert lacks {key}");
    }
    // The CTR candidate is a work item, not an alert.
    let a1: Vec<&Value> = alerts.iter().filter(|a| a["scenario"] == "A1").collect();
    assert_eq!(a1.len(), 1);
    assert_eq!(a1[0]["kind"], "ctr_work_item");
    let err = stderr(&output);
    assert!(err.contains("monitor: 4 transactions (jsonl format), 0 bad rows"), "{err}");
    assert!(err.contains("transactions/s"), "{err}");
    assert!(err.contains("A5=1"), "{err}");
    // Same input, same alert ids.
    let again = alerts_of(monitor(&["-", "--only", "A5,A1,A3"], Some(STRUCTURING)));
    assert_eq!(again, alerts);
}

fn alerts_of(output: Output) -> Vec<Value> {
    alerts(&output)
}

#[test]
fn bad_rows_are_skipped_and_counted_or_stop_the_run() {
    let input = format!(
        "{STRUCTURING}{{\"timestamp\": \"soon\", \"amount\": 1, \"originator\": {{\"account\": \"X\"}}, \"beneficiary\": {{\"account\": \"Y\"}}}}\nnot json\n"
    );
    let output = monitor(&["-", "--only", "A5"], Some(&input));
    assert!(output.status.success());
    let err = stderr(&output);
    assert!(err.contains("skipping -: row 5: bad timestamp \"soon\""), "{err}");
    assert!(err.contains("2 bad rows"), "{err}");
    let output = monitor(&["-", "--on-bad-row", "stop"], Some(&input));
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(err.contains("row 5: bad timestamp"), "{err}");
    assert_eq!(err.lines().count(), 1, "one-line reason: {err}");
}

#[test]
fn amlworld_csv_with_labels_is_backtested() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("trans.csv");
    let mut csv = String::from(
        "Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,Amount Paid,Payment Currency,Payment Format,Is Laundering\n",
    );
    // A cycle of three transfers (laundering) and noise.
    csv.push_str("2022/09/01 00:20,001,A,002,B,10000,US Dollar,10000,US Dollar,Wire,1\n");
    csv.push_str("2022/09/02 00:20,002,B,003,C,9500.00,US Dollar,9500.00,US Dollar,Wire,1\n");
    csv.push_str("2022/09/03 00:20,003,C,001,A,8500,Euro,8500,Euro,Wire,1\n");
    csv.push_str("2022/09/03 01:00,004,D,005,E,12.5,US Dollar,12.5,US Dollar,Credit Card,0\n");
    csv.push_str("2022/09/03 01:00,004,D,005,E,(null),US Dollar,(null),US Dollar,Credit Card,0\n");
    std::fs::write(&path, csv).unwrap();
    let report = dir.path().join("report.jsonl");
    let output = monitor(
        &[path.to_str().unwrap(), "--labels", "--only", "G3", "--report", report.to_str().unwrap()],
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let alerts = alerts(&output);
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0]["subjects"], serde_json::json!(["001:A", "002:B", "003:C"]));
    assert_eq!(alerts[0]["transactions"], serde_json::json!(["1", "2", "3"]));
    let err = stderr(&output);
    assert!(err.contains("(amlworld format), 1 bad rows"), "{err}");
    assert!(err.contains("scenario  G3"), "{err}");
    let rows: Vec<Value> = std::fs::read_to_string(&report)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let g3 = rows.iter().find(|r| r["name"] == "G3").unwrap();
    assert_eq!(g3["transaction"]["precision"], 1.0);
    assert_eq!(g3["transaction"]["recall"], 1.0);
    assert_eq!(g3["account"]["recall"], 1.0);
}

#[test]
fn a_scenario_directory_extends_the_pack_and_bad_scenarios_name_their_line() {
    let dir = TempDir::new().unwrap();
    std::fs::write(
        dir.path().join("big.toml"),
        r#"format_version = 1

[[scenario]]
id = "X1"
name = "Large wire"
description = "Any wire of at least $50,000 (an institution's own rule)."
source = "internal policy"
typology = "large_wire"
applies_to = { institutions = ["B"] }
severity = "low"
group_by = "originator.account"
window = "transaction"
filter = { channels = ["wire"], amount = "amount >= 50_000" }
condition = "true"
explanation = "Wire of {amount:usd} from {subject}."
"#,
    )
    .unwrap();
    let input = r#"{"id": "w1", "timestamp": "2025-07-01T09:00:00Z", "amount": 60000, "channel": "wire", "originator": {"account": "S"}, "beneficiary": {"account": "B"}}"#;
    let output =
        monitor(&["-", "--scenarios", dir.path().to_str().unwrap(), "--only", "X1"], Some(input));
    assert!(output.status.success(), "{}", stderr(&output));
    let alerts = alerts(&output);
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0]["explanation"], "Wire of $60,000 from S.");

    std::fs::write(dir.path().join("broken.toml"), "format_version = 1\n[[scenario]]\nid = \"X2\"\nname = \"x\"\ndescription = \"d\"\nsource = \"s\"\ntypology = \"t\"\napplies_to = { institutions = [\"B\"] }\nseverity = \"urgent\"\nexplanation = \"e\"\n").unwrap();
    let output = monitor(&["-", "--scenarios", dir.path().to_str().unwrap()], Some(input));
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(err.contains("broken.toml:9: severity `urgent`"), "{err}");
}

#[test]
fn amlsim_account_labels_from_the_shared_run() {
    let Some(transactions) = vigia_testdata::shared_data("aml/amlsim/transactions.csv") else {
        return;
    };
    let Some(nodes) = vigia_testdata::shared_data("aml/amlsim/nodes.csv") else { return };
    let output = monitor(
        &[
            transactions.to_str().unwrap(),
            "--labels",
            nodes.to_str().unwrap(),
            "--only",
            "G2,G3",
            "-o",
            "/dev/null",
        ],
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.contains("labels: 1804 of 20000 accounts positive"), "{err}");
    assert!(err.contains("monitor: 120558 transactions (amlsim format), 0 bad rows"), "{err}");
    // Which typologies fire with the pack's research defaults is not this
    // test's business (AMLSim amounts are tiny; the detectors' floors on
    // this run are in the monitor crate's AMLSim test, with AMLSim's own
    // configuration): the account-level report must be there.
    assert!(err.contains("backtest: 120558 transactions"), "{err}");
    assert!(err.contains("all       all"), "{err}");
}

#[test]
fn simulated_labelled_set_with_profiles_is_backtested_per_scenario() {
    let dir = TempDir::new().unwrap();
    let tx = dir.path().join("tx.jsonl");
    let profiles = dir.path().join("profiles.jsonl");
    let simulate = Command::new(env!("CARGO_BIN_EXE_vigia"))
        .args([
            "simulate",
            "--transactions",
            "60000",
            "--accounts",
            "400",
            "--seed",
            "3",
            "--patterns",
            "3",
            "-o",
        ])
        .arg(&tx)
        .arg("--customers")
        .arg(&profiles)
        .output()
        .unwrap();
    assert!(simulate.status.success(), "{}", String::from_utf8_lossy(&simulate.stderr));
    let report = dir.path().join("report.jsonl");
    let output = monitor(
        &[
            tx.to_str().unwrap(),
            "--customers",
            profiles.to_str().unwrap(),
            "--labels",
            "--report",
            report.to_str().unwrap(),
            "-o",
            "/dev/null",
            "--no-screening",
        ],
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let rows: Vec<Value> = std::fs::read_to_string(&report)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Scenarios whose patterns the generator injects find their own
    // patterns (the floor is loose: the generator's noise is random).
    for id in ["A5", "B1", "C2", "E1", "F3", "G2", "G3"] {
        let row = rows
            .iter()
            .find(|r| r["name"] == id)
            .unwrap_or_else(|| panic!("no row for {id}: {rows:?}"));
        let (found, own) = (
            row["pattern"]["own_found"].as_u64().unwrap(),
            row["pattern"]["own_patterns"].as_u64().unwrap(),
        );
        assert!(own > 0 && found * 3 >= own * 2, "{id}: found {found} of {own} injected patterns");
    }
}

/// An AMLworld file of `rows` wires of $12,000 from one account to
/// another, one a minute, with the given rows replaced by bad ones; each
/// good row is a CTR-sized wire, so the alerts follow the rows.
fn amlworld_rows(rows: usize, bad: &[usize]) -> String {
    let mut csv = String::from(
        "Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,Amount Paid,Payment Currency,Payment Format\n",
    );
    for i in 1..=rows {
        let (day, minute) = (1 + i / 1440, i % 1440);
        if bad.contains(&i) {
            csv.push_str(&format!(
                "2022/09/{day:02} {:02}:{:02},001,A{i},002\n",
                minute / 60,
                minute % 60
            ));
        } else {
            csv.push_str(&format!(
                "2022/09/{day:02} {:02}:{:02},001,A{i},002,B{i},12000,US Dollar,12000,US Dollar,Cash\n",
                minute / 60,
                minute % 60
            ));
        }
    }
    csv
}

#[test]
fn bad_rows_far_into_the_input_name_their_row_and_the_order_holds() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("trans.csv");
    // Rows cross the reading thread in batches of about a thousand: bad rows
    // in several batches and at batch edges.
    let bad = [1, 1023, 1024, 1025, 2048, 5000, 9999];
    std::fs::write(&path, amlworld_rows(10_000, &bad)).unwrap();
    let output = monitor(&[path.to_str().unwrap(), "--only", "A1"], None);
    assert!(output.status.success(), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.contains("monitor: 9993 transactions (amlworld format), 7 bad rows"), "{err}");
    let skipped: Vec<&str> = err.lines().filter(|l| l.starts_with("vigia: skipping")).collect();
    assert_eq!(skipped.len(), 5, "{err}");
    for (line, row) in skipped.iter().zip(bad) {
        assert!(line.contains(&format!(": row {row}: 4 columns, expected at least 10")), "{line}");
    }
    // The same input from standard input gives the same alerts in the
    // same order, and they follow the rows.
    let text = std::fs::read_to_string(&path).unwrap();
    let piped = monitor(&["-", "--only", "A1"], Some(&text));
    assert_eq!(piped.stdout, output.stdout);
    let alerts = alerts(&output);
    assert!(alerts.len() > 100);
    let first_rows: Vec<u64> =
        alerts.iter().map(|a| a["transactions"][0].as_str().unwrap().parse().unwrap()).collect();
    assert!(first_rows.windows(2).all(|w| w[0] <= w[1]), "alerts out of row order");
}

#[test]
fn stop_policy_stops_at_the_first_bad_row_far_into_the_input() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("trans.csv");
    std::fs::write(&path, amlworld_rows(20_000, &[3001, 15_000])).unwrap();
    let output = monitor(&[path.to_str().unwrap(), "--only", "A1", "--on-bad-row", "stop"], None);
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(err.contains("trans.csv: row 3001: 4 columns"), "{err}");
    assert_eq!(err.lines().count(), 1, "one-line reason: {err}");
    // Alerts of the rows before the bad one are written, none after it.
    let alerts = alerts(&output);
    assert!(!alerts.is_empty());
    let last = alerts
        .iter()
        .flat_map(|a| a["transactions"].as_array().unwrap())
        .map(|t| t.as_str().unwrap().parse::<u64>().unwrap())
        .max()
        .unwrap();
    assert!(last < 3001, "an alert holds row {last}");
}

#[test]
fn a_truncated_file_ends_with_a_bad_last_row() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("trans.csv");
    let text = amlworld_rows(3000, &[]);
    // Cut in the middle of the last row.
    std::fs::write(&path, &text[..text.len() - 30]).unwrap();
    let output = monitor(&[path.to_str().unwrap(), "--only", "A1", "-o", "/dev/null"], None);
    assert!(output.status.success(), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.contains("skipping"), "{err}");
    assert!(err.contains("row 3000: "), "{err}");
    assert!(err.contains("monitor: 2999 transactions (amlworld format), 1 bad rows"), "{err}");
}

#[test]
fn an_unreadable_input_ends_the_run_with_an_error_after_its_rows() {
    // Invalid UTF-8 on a JSONL line is an input error, not a bad row.
    let mut input = Vec::new();
    for i in 0..3000 {
        input.extend_from_slice(format!("{{\"id\": \"t{i}\", \"timestamp\": {}, \"amount\": 12000, \"channel\": \"cash\", \"originator\": {{\"account\": \"O{i}\"}}, \"beneficiary\": {{\"account\": \"B{i}\"}}}}\n", 1_751_364_000_000i64 + i * 60_000).as_bytes());
    }
    input.extend_from_slice(b"{\"id\": \"\xff\"}\n");
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("tx.jsonl");
    std::fs::write(&path, &input).unwrap();
    let output = monitor(&[path.to_str().unwrap(), "--only", "A1"], None);
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(err.contains("vigia: error:") && err.contains("UTF-8"), "{err}");
    // The rows before it went through the engine.
    assert!(alerts(&output).len() > 100, "{err}");
}

/// Transfers that raise graph alerts (one account paying many new ones,
/// those paying one account) between CTR-sized cash deposits, one a
/// minute, with the given rows bad.
fn graph_and_cash_rows(rows: usize, bad: &[usize]) -> String {
    let mut csv = String::from(
        "Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,Amount Paid,Payment Currency,Payment Format\n",
    );
    for i in 1..=rows {
        let time = format!("2022/09/{:02} {:02}:{:02}", 1 + i / 1440, (i % 1440) / 60, i % 60);
        let (from, to, amount, format) = match i % 3 {
            0 => ("A0".to_string(), format!("B{}", i / 30), 12_000, "Wire"),
            1 => (format!("B{}", i / 30), "C0".to_string(), 11_000, "Wire"),
            _ => (format!("D{i}"), format!("E{}", i % 50), 12_000, "Cash"),
        };
        if bad.contains(&i) {
            csv.push_str(&format!("{time},001,{from},002\n"));
        } else {
            csv.push_str(&format!(
                "{time},001,{from},002,{to},{amount},US Dollar,{amount},US Dollar,{format}\n"
            ));
        }
    }
    csv
}

/// The alerts one engine raises over `text`, skipping bad rows, as the
/// CLI writes them.
fn one_engine_alerts(text: &str) -> Vec<String> {
    use vigia_monitor::{Monitor, MonitorOptions, Pack, ReaderOptions, Step, TransactionReader};
    let mut monitor = Monitor::new(Pack::builtin().unwrap(), MonitorOptions::default());
    let mut reader = TransactionReader::new(text.as_bytes(), ReaderOptions::default()).unwrap();
    let mut record = vigia_monitor::Record::default();
    let (mut alerts, mut lines) = (Vec::new(), Vec::new());
    loop {
        match reader.read(&mut record).unwrap() {
            Step::Record => monitor.process(&record.transaction, &mut alerts).unwrap(),
            Step::Bad(_) => continue,
            Step::End => break,
        }
        lines.extend(alerts.drain(..).map(|a| serde_json::to_string(&a).unwrap()));
    }
    lines
}

#[test]
fn graph_thread_alerts_interleave_as_one_engine_raises_them() {
    // The full pack runs as two engines, the graph typologies on a thread
    // of their own (ADR 0144); the alerts must be one engine's, in its
    // order, with bad rows across batch edges, and stop at a bad row.
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("trans.csv");
    let bad = [2, 1023, 1024, 2500, 4001];
    let text = graph_and_cash_rows(6000, &bad);
    std::fs::write(&path, &text).unwrap();
    let expected = one_engine_alerts(&text);
    let graph = expected.iter().filter(|a| a.contains("\"scenario\":\"G")).count();
    assert!(graph > 3 && graph < expected.len(), "graph {graph} of {}", expected.len());
    let output = monitor(&[path.to_str().unwrap(), "--no-screening"], None);
    assert!(output.status.success(), "{}", stderr(&output));
    let got: Vec<&str> = std::str::from_utf8(&output.stdout).unwrap().lines().collect();
    assert_eq!(got, expected);
    let err = stderr(&output);
    assert!(err.contains("monitor: 5995 transactions (amlworld format), 5 bad rows"), "{err}");

    let output = monitor(&[path.to_str().unwrap(), "--no-screening", "--on-bad-row", "stop"], None);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("trans.csv: row 2: 4 columns"), "{}", stderr(&output));
    let text = graph_and_cash_rows(6000, &[2500]);
    std::fs::write(&path, &text).unwrap();
    let output = monitor(&[path.to_str().unwrap(), "--no-screening", "--on-bad-row", "stop"], None);
    assert!(!output.status.success());
    let got: Vec<&str> = std::str::from_utf8(&output.stdout).unwrap().lines().collect();
    let expected = one_engine_alerts(&text);
    assert!(got.iter().any(|a| a.contains("\"scenario\":\"G")));
    assert!(got.len() < expected.len() && got[..] == expected[..got.len()]);
    let last = got
        .iter()
        .flat_map(|a| {
            let v: Value = serde_json::from_str(a).unwrap();
            v["transactions"].as_array().unwrap().clone()
        })
        .map(|t| t.as_str().unwrap().parse::<u64>().unwrap())
        .max()
        .unwrap();
    assert!(last < 2500, "an alert holds row {last}");
}
