//! `vigia screen` end to end: the real binary on the built-in watchlist.

#![allow(clippy::unwrap_used)]

use std::process::{Command, Output, Stdio};

use tempfile::TempDir;

fn screen(data: &std::path::Path, input: &std::path::Path, threads: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigia"))
        .arg("--data-dir")
        .arg(data)
        .arg("screen")
        .arg(input)
        .env("RAYON_NUM_THREADS", threads)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// On one thread each query is screened as it is read (no batch); on more
/// the queries go through parallel batches. Both must write the same
/// lines, in input order, and report a malformed row the same way.
#[test]
fn one_thread_and_batches_write_the_same_lines() {
    let dir = TempDir::new().unwrap();
    let input = dir.path().join("queries.csv");
    let mut csv = String::from("id,name,country\n");
    for i in 0..40 {
        let name = match i % 4 {
            0 => "Tren de Aragua",
            1 => "Mara Salvatrucha",
            2 => "Maria Lopez Hernandez",
            _ => "Cartel de Sinaloa",
        };
        csv.push_str(&format!("q{i},{name},ve\n"));
    }
    csv.push_str("nameless,,ve\n");
    std::fs::write(&input, csv).unwrap();

    let one = screen(dir.path(), &input, "1");
    let two = screen(dir.path(), &input, "2");
    for output in [&one, &two] {
        assert_eq!(output.status.code(), Some(2), "{}", String::from_utf8_lossy(&output.stderr));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("line 42: the row has no name"), "{stderr}");
        assert!(stderr.contains("screened 40 queries"), "{stderr}");
    }
    assert_eq!(String::from_utf8_lossy(&one.stdout), String::from_utf8_lossy(&two.stdout));
    let ids: Vec<String> = String::from_utf8_lossy(&one.stdout)
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            value["query_id"].as_str().unwrap().to_owned()
        })
        .collect();
    let expected: Vec<String> = (0..40).map(|i| format!("q{i}")).collect();
    assert_eq!(ids, expected);
    assert!(String::from_utf8_lossy(&one.stdout).contains("\"match\":true"));
}
