//! Tests of the generator: determinism, shape, labels, plausibility.

use std::collections::{BTreeMap, BTreeSet};

use vigia_model::Transaction;

use super::*;

fn generate(config: &SimulationConfig) -> (String, String, Summary) {
    let mut simulation = Simulation::new(config).unwrap();
    let profiles = simulation.profiles_jsonl();
    let mut out = String::new();
    while simulation.next_day(&mut out) {}
    (out, profiles, simulation.summary().clone())
}

fn small(seed: u64) -> SimulationConfig {
    SimulationConfig {
        transactions: 60_000,
        accounts: Some(300),
        seed,
        ..SimulationConfig::default()
    }
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    let (a, pa, _) = generate(&small(7));
    let (b, pb, _) = generate(&small(7));
    assert!(a == b && pa == pb);
    let (c, _, _) = generate(&small(8));
    assert_ne!(a, c);
}

#[test]
fn output_is_vigia_jsonl_in_time_order_with_labels() {
    let config = small(3);
    let (out, profiles, summary) = generate(&config);
    assert_eq!(out.lines().count() as u64, config.transactions);
    assert_eq!(summary.transactions, config.transactions);
    let mut last = i64::MIN;
    let mut ids = BTreeSet::new();
    let known: BTreeSet<String> = profiles
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["account"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    for line in out.lines() {
        let tx: Transaction = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(tx.timestamp >= last, "out of order: {line}");
        last = tx.timestamp;
        assert!(ids.insert(tx.id.clone()));
        assert!(tx.amount > 0.0, "{line}");
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        let labels = &value["labels"];
        assert!(
            labels.is_null() || labels["typology"].is_string() && labels["pattern"].is_string(),
            "{line}"
        );
        for party in [&tx.originator, &tx.beneficiary] {
            if party.account.starts_with("AC") {
                assert!(known.contains(&party.account), "{} has no profile", party.account);
            }
        }
    }
}

#[test]
fn every_scenario_is_injected_and_labelled() {
    // A year from 2025-01-01, so the GTO and §2313a dates are inside.
    let config = SimulationConfig {
        transactions: 150_000,
        accounts: Some(400),
        seed: 11,
        patterns_per_scenario: Some(3),
        ..SimulationConfig::default()
    };
    let (out, _, summary) = generate(&config);
    let mut seen: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in out.lines() {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        if let Some(scenario) = value["labels"]["scenario"].as_str() {
            seen.entry(scenario.to_owned())
                .or_default()
                .insert(value["labels"]["pattern"].as_str().unwrap().to_owned());
        }
    }
    for (scenario, typology) in INJECTED {
        let patterns = seen.get(*scenario).map_or(0, BTreeSet::len);
        assert!(patterns >= 1, "{scenario} ({typology}) has no labelled transaction: {summary:?}");
    }
}

#[test]
fn benign_traffic_is_plausible() {
    let (out, profiles, _) = generate(&small(5));
    let mut channels: BTreeMap<String, usize> = BTreeMap::new();
    let mut labelled = 0;
    let mut payroll = Vec::new();
    let mut remittances = Vec::new();
    let mut card = Vec::new();
    for line in out.lines() {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        let channel = value["channel"].as_str().unwrap().to_owned();
        let amount = value["amount"].as_f64().unwrap();
        if !value["labels"].is_null() {
            labelled += 1;
            continue;
        }
        match (channel.as_str(), value["text"].as_str()) {
            ("ach", Some("payroll")) => payroll.push(amount),
            ("remittance", _) => remittances.push(amount),
            ("card", _) => card.push(amount),
            _ => {}
        }
        *channels.entry(channel).or_default() += 1;
    }
    let total = out.lines().count();
    let share = |c: &str| channels.get(c).copied().unwrap_or(0) as f64 / total as f64;
    assert!(labelled as f64 / (total as f64) < 0.08, "labelled share {labelled}/{total}");
    assert!((0.25..0.85).contains(&share("card")), "card share {channels:?}");
    assert!(
        share("ach") > 0.05 && share("cash") > 0.02 && share("remittance") > 0.003,
        "{channels:?}"
    );
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    assert!((800.0..4_500.0).contains(&median(&mut payroll)), "payroll median");
    assert!((100.0..800.0).contains(&median(&mut remittances)), "remittance median");
    assert!((5.0..80.0).contains(&median(&mut card)), "card median");
    // Profiles: individuals and businesses, flags the scenarios read.
    assert!(
        profiles.contains("\"kind\":\"business\"") && profiles.contains("\"kind\":\"individual\"")
    );
    assert!(profiles.contains("casa_de_cambio") && profiles.contains("armored_car"));
}

#[test]
fn settings_are_checked() {
    assert!(
        Simulation::new(&SimulationConfig { transactions: 0, ..SimulationConfig::default() })
            .is_err()
    );
    assert!(
        Simulation::new(&SimulationConfig { accounts: Some(10), ..SimulationConfig::default() })
            .is_err()
    );
}

#[test]
fn cash_intensive_businesses_are_documented_in_their_profiles() {
    let profiles = Simulation::new(&small(3)).unwrap().profiles_jsonl();
    let cash: Vec<&str> = profiles.lines().filter(|l| l.contains("\"cash_intensive\"")).collect();
    assert!(!cash.is_empty());
    for line in cash {
        assert!(line.contains("\"kind\":\"business\""), "{line}");
        let naics = tables::BUSINESSES.iter().find(|b| line.contains(&format!("\"{}\"", b.0)));
        assert!(naics.is_some_and(|b| b.2), "not a cash-intensive NAICS code: {line}");
    }
}
