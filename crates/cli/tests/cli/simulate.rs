//! `vigia simulate` end to end: the real binary writing transactions and
//! profiles, checked for size, determinism, shape and labels.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use tempfile::TempDir;
use vigia_model::Transaction;

fn simulate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigia"))
        .arg("simulate")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn writes_the_requested_number_of_labelled_transactions_and_profiles() {
    let dir = TempDir::new().unwrap();
    let tx = dir.path().join("tx.jsonl");
    let profiles = dir.path().join("profiles.jsonl");
    let output = simulate(&[
        "--transactions",
        "20000",
        "--accounts",
        "300",
        "--seed",
        "4",
        "-o",
        tx.to_str().unwrap(),
        "--customers",
        profiles.to_str().unwrap(),
        "--summary",
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let summary = String::from_utf8_lossy(&output.stderr);
    assert!(summary.contains("20000 transactions, 300 accounts"), "{summary}");
    let text = std::fs::read_to_string(&tx).unwrap();
    assert_eq!(text.lines().count(), 20_000);
    let mut scenarios = BTreeSet::new();
    for line in text.lines() {
        let _: Transaction = serde_json::from_str(line).unwrap();
        let value: Value = serde_json::from_str(line).unwrap();
        if let Some(s) = value["labels"]["scenario"].as_str() {
            scenarios.insert(s.to_owned());
        }
    }
    assert!(scenarios.len() >= 15, "{scenarios:?}");
    let profiles = std::fs::read_to_string(&profiles).unwrap();
    assert_eq!(profiles.lines().count(), 300);
    let first: Value = serde_json::from_str(profiles.lines().next().unwrap()).unwrap();
    assert!(first["account"].is_string() && first["kind"].is_string() && first["flags"].is_array());
}

#[test]
fn standard_output_is_deterministic_for_a_seed() {
    let a = simulate(&["-n", "3000", "--accounts", "100", "--seed", "9"]);
    let b = simulate(&["-n", "3000", "--accounts", "100", "--seed", "9"]);
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
    assert_eq!(String::from_utf8_lossy(&a.stdout).lines().count(), 3000);
}

#[test]
fn bad_settings_fail_with_a_reason() {
    let output = simulate(&["--transactions", "0"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("transaction count"));
    let output = simulate(&["--start", "2025-13-01"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--start"));
}

#[test]
fn a_dash_for_the_output_means_standard_output() {
    // `-o -` writes to standard output, as `-` reads standard input; it
    // must not create a file named "-".
    let dir = TempDir::new().unwrap();
    let args = ["--transactions", "500", "--accounts", "50", "--seed", "3"];
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_vigia"))
            .arg("simulate")
            .args(args)
            .args(extra)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let plain = run(&[]);
    let dashed = run(&["-o", "-"]);
    assert!(dashed.status.success(), "{}", String::from_utf8_lossy(&dashed.stderr));
    assert_eq!(plain.stdout, dashed.stdout);
    assert!(!dashed.stdout.is_empty());
    assert!(!dir.path().join("-").exists(), "a file named \"-\" was created");
}
