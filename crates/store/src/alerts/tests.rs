//! The alert queue: idempotent imports, evidence, order, filters, service
//! levels.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use jiff::Timestamp;
use vigia_model::{AlertKind, AlertSeverity, Channel, Party};
use vigia_workflow::cases::{QueueKey, Sla, queue_order};

use super::*;
use crate::AuditLog;

pub(crate) fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

pub(crate) fn alert(id: &str, severity: AlertSeverity, score: f64, subjects: &[&str]) -> Alert {
    Alert {
        id: id.into(),
        scenario: id.split('-').next().unwrap_or("X").into(),
        typology: "structuring".into(),
        kind: AlertKind::Alert,
        severity,
        score,
        subjects: subjects.iter().map(|s| (*s).to_owned()).collect(),
        transactions: vec![format!("T-{id}-1"), format!("T-{id}-2")],
        from: "2026-03-01T10:00:00Z".into(),
        to: "2026-03-02T10:00:00Z".into(),
        explanation: format!("explanation of {id}"),
        key_terms: vec!["STRUCTURING".into()],
        amount: Some(12_500.0),
        metrics: BTreeMap::new(),
        provenance: None,
    }
}

pub(crate) fn transaction(id: &str) -> Transaction {
    Transaction {
        id: id.into(),
        timestamp: 1_772_359_200_000,
        amount: 6_250.0,
        currency: "USD".into(),
        channel: Channel::Cash,
        originator: Party {
            account: String::new(),
            name: Some("Ana Ruiz".into()),
            ..Party::default()
        },
        beneficiary: Party {
            account: "AC1".into(),
            customer: Some("CU1".into()),
            name: Some("Ana Ruiz".into()),
            ..Party::default()
        },
        place: None,
        conductor: None,
        text: None,
        intermediaries: vec![],
    }
}

pub(crate) fn raised(at: &str) -> Raised {
    Raised { at: ts(at), actor: "cli:test".into(), source: AlertSource::Monitoring }
}

fn evidence_for(alerts: &[Alert]) -> BTreeMap<String, Transaction> {
    alerts.iter().flat_map(|a| a.transactions.iter()).map(|t| (t.clone(), transaction(t))).collect()
}

#[test]
fn importing_twice_adds_nothing() {
    let mut store = Store::open_in_memory().unwrap();
    let alerts = vec![
        alert("A3-1", AlertSeverity::High, 0.7, &["CU1"]),
        alert("E2-1", AlertSeverity::Critical, 0.9, &["AC2", "La Federación"]),
    ];
    let evidence = evidence_for(&alerts);
    let batch = AlertBatch { origin: "alerts.jsonl", alerts: &alerts, evidence: &evidence };
    let first = store.import_alerts(&batch, &raised("2026-03-10T12:00:00Z")).unwrap();
    assert_eq!((first.new, first.unchanged, first.evidence), (2, 0, 4));
    let second = store.import_alerts(&batch, &raised("2026-03-11T12:00:00Z")).unwrap();
    assert_eq!((second.new, second.unchanged, second.evidence), (0, 2, 0));
    assert!(second.conflicting.is_empty());
    // An alert with a stored id and other content keeps the stored one.
    let mut changed = alerts[0].clone();
    changed.explanation = "rewritten".into();
    let third = store
        .import_alerts(
            &AlertBatch { origin: "again.jsonl", alerts: &[changed], evidence: &BTreeMap::new() },
            &raised("2026-03-12T12:00:00Z"),
        )
        .unwrap();
    assert_eq!(third.conflicting, ["A3-1"]);
    let stored = store.alert("A3-1", ts("2026-03-12T00:00:00Z")).unwrap();
    assert_eq!(stored.alert.explanation, "explanation of A3-1");
    assert_eq!(stored.raised_at, "2026-03-10T12:00:00Z");
    assert_eq!(stored.evidence_stored, 2);
    // One audit event per import, and the chain holds.
    let events = store.events(0, 10).unwrap();
    assert_eq!(events.iter().filter(|e| e.action == "alerts.import").count(), 3);
    assert!(store.verify().unwrap().is_intact());
}

#[test]
fn evidence_can_follow_its_alerts() {
    let mut store = Store::open_in_memory().unwrap();
    let alerts = vec![alert("A3-1", AlertSeverity::High, 0.7, &["CU1"])];
    let none = BTreeMap::new();
    let first = store
        .import_alerts(
            &AlertBatch { origin: "a", alerts: &alerts, evidence: &none },
            &raised("2026-03-10T12:00:00Z"),
        )
        .unwrap();
    assert_eq!((first.evidence, first.evidence_missing), (0, 2));
    let evidence = evidence_for(&alerts);
    let second = store
        .import_alerts(
            &AlertBatch { origin: "a", alerts: &alerts, evidence: &evidence },
            &raised("2026-03-10T12:00:00Z"),
        )
        .unwrap();
    assert_eq!((second.unchanged, second.evidence, second.evidence_missing), (1, 2, 0));
    let stored = store.alert_evidence("A3-1").unwrap();
    assert_eq!(stored.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(), ["T-A3-1-1", "T-A3-1-2"]);
}

#[test]
fn a_bad_alert_leaves_the_batch_out() {
    let mut store = Store::open_in_memory().unwrap();
    let mut bad = alert("", AlertSeverity::High, 0.7, &["CU1"]);
    bad.id = " ".into();
    let alerts = vec![alert("A3-1", AlertSeverity::High, 0.7, &["CU1"]), bad];
    let err = store
        .import_alerts(
            &AlertBatch { origin: "a", alerts: &alerts, evidence: &BTreeMap::new() },
            &raised("2026-03-10T12:00:00Z"),
        )
        .unwrap_err();
    assert!(err.to_string().contains("without an id"), "{err}");
    assert!(store.alerts(&AlertFilter::default(), ts("2026-03-10T12:00:00Z")).unwrap().is_empty());
    assert!(store.events(0, 10).unwrap().is_empty());
    let no_subject = alert("A3-2", AlertSeverity::High, 0.7, &[]);
    assert!(store.raise_alert(&no_subject, &raised("2026-03-10T12:00:00Z")).is_err());
}

#[test]
fn the_queue_is_in_priority_order() {
    let mut store = Store::open_in_memory().unwrap();
    let mut alerts = Vec::new();
    let severities =
        [AlertSeverity::Low, AlertSeverity::Medium, AlertSeverity::High, AlertSeverity::Critical];
    for i in 0..40u32 {
        let severity = severities[(i * 7 % 4) as usize];
        let mut a = alert(&format!("G1-{i:02}"), severity, f64::from(i * 13 % 10) / 10.0, &["S"]);
        if i % 5 == 0 {
            // CTR work items run on their own clock.
            a.kind = AlertKind::CtrWorkItem;
            a.to = format!("2026-02-{:02}T10:00:00Z", 1 + i % 20);
        }
        alerts.push(a);
    }
    // Two import times, so due dates differ within a severity.
    store
        .import_alerts(
            &AlertBatch { origin: "a", alerts: &alerts[..20], evidence: &BTreeMap::new() },
            &raised("2026-03-10T12:00:00Z"),
        )
        .unwrap();
    store
        .import_alerts(
            &AlertBatch { origin: "b", alerts: &alerts[20..], evidence: &BTreeMap::new() },
            &raised("2026-03-01T08:00:00Z"),
        )
        .unwrap();
    let listed = store.alerts(&AlertFilter::default(), ts("2026-03-15T00:00:00Z")).unwrap();
    assert_eq!(listed.len(), 40);
    let mut expected: Vec<(AlertSeverity, Timestamp, f64, String)> = listed
        .iter()
        .map(|s| (s.alert.severity, ts(&s.due_at), s.alert.score, s.alert.id.clone()))
        .collect();
    expected.sort_by(|a, b| {
        queue_order(
            &QueueKey { severity: a.0, due: a.1, score: a.2, id: &a.3 },
            &QueueKey { severity: b.0, due: b.1, score: b.2, id: &b.3 },
        )
    });
    let got: Vec<&str> = listed.iter().map(|s| s.alert.id.as_str()).collect();
    let want: Vec<&str> = expected.iter().map(|e| e.3.as_str()).collect();
    assert_eq!(got, want);
}

#[test]
fn filters() {
    let mut store = Store::open_in_memory().unwrap();
    let alerts = vec![
        alert("A3-1", AlertSeverity::High, 0.7, &["CU1"]),
        alert("E2-1", AlertSeverity::Critical, 0.9, &["AC2", "La Federación"]),
        alert("G1-1", AlertSeverity::Low, 0.2, &["AC3"]),
    ];
    store
        .import_alerts(
            &AlertBatch { origin: "a", alerts: &alerts, evidence: &BTreeMap::new() },
            &raised("2026-03-10T12:00:00Z"),
        )
        .unwrap();
    let list = |filter: AlertFilter, now: &str| -> Vec<String> {
        store.alerts(&filter, ts(now)).unwrap().into_iter().map(|a| a.alert.id).collect()
    };
    let now = "2026-03-10T13:00:00Z";
    assert_eq!(list(AlertFilter::default(), now), ["E2-1", "A3-1", "G1-1"]);
    assert_eq!(
        list(AlertFilter { min_severity: Some(AlertSeverity::High), ..Default::default() }, now),
        ["E2-1", "A3-1"]
    );
    assert_eq!(
        list(AlertFilter { subject: Some("La Federación".into()), ..Default::default() }, now),
        ["E2-1"]
    );
    assert_eq!(
        list(AlertFilter { scenario: Some("G1".into()), ..Default::default() }, now),
        ["G1-1"]
    );
    assert_eq!(list(AlertFilter { limit: Some(1), ..Default::default() }, now), ["E2-1"]);
    // Critical is due in a day, high in three.
    assert_eq!(
        list(AlertFilter { overdue: true, ..Default::default() }, now),
        Vec::<String>::new()
    );
    assert_eq!(
        list(AlertFilter { overdue: true, ..Default::default() }, "2026-03-12T00:00:00Z"),
        ["E2-1"]
    );
    assert!(store.alert("E2-1", ts("2026-03-12T00:00:00Z")).unwrap().overdue);
    assert_eq!(
        list(AlertFilter { status: Some(AlertStatus::New), ..Default::default() }, now).len(),
        3
    );
    assert!(
        list(AlertFilter { status: Some(AlertStatus::Closed), ..Default::default() }, now)
            .is_empty()
    );
    assert!(matches!(store.alert("nope", ts(now)), Err(Error::NotFound(_))));
}

#[test]
fn service_levels_are_a_setting_with_an_audit_trail() {
    let mut store = Store::open_in_memory().unwrap();
    assert_eq!(store.sla().unwrap(), Sla::default());
    let sla = Sla { critical: jiff::SignedDuration::from_hours(4), ..Sla::default() };
    store.set_sla(&sla, ts("2026-03-10T12:00:00Z"), "cli:sue").unwrap();
    assert_eq!(store.sla().unwrap(), sla);
    let a = alert("E2-1", AlertSeverity::Critical, 0.9, &["AC2"]);
    store.raise_alert(&a, &raised("2026-03-10T12:00:00Z")).unwrap();
    assert_eq!(
        store.alert("E2-1", ts("2026-03-10T12:00:00Z")).unwrap().due_at,
        "2026-03-10T16:00:00Z"
    );
    let events = store.events(0, 10).unwrap();
    assert_eq!(events[0].action, "workflow.sla");
    assert!(events[0].details.contains("\"critical\":\"4h\""), "{}", events[0].details);
    assert_eq!(events[1].action, "alerts.raise");
}

#[test]
fn a_hit_raised_inside_a_callers_transaction_commits_with_it_or_not_at_all() {
    let mut store = Store::open_in_memory().unwrap();
    let hit = alert("screening-1", AlertSeverity::High, 0.93, &["CU9"]);
    let r = Raised { source: AlertSource::Screening, ..raised("2026-03-10T12:00:00Z") };
    {
        let tx = store.conn.transaction().unwrap();
        assert_eq!(raise_alert_in(&tx, &hit, &r).unwrap(), Inserted::New);
        // Dropped without commit: a decision that failed after raising.
    }
    assert!(matches!(store.alert("screening-1", r.at), Err(Error::NotFound(_))));
    assert!(store.events(0, 10).unwrap().is_empty());
    {
        let tx = store.conn.transaction().unwrap();
        assert_eq!(raise_alert_in(&tx, &hit, &r).unwrap(), Inserted::New);
        assert_eq!(raise_alert_in(&tx, &hit, &r).unwrap(), Inserted::Unchanged);
        tx.commit().unwrap();
    }
    let stored = store.alert("screening-1", r.at).unwrap();
    assert_eq!(stored.source, AlertSource::Screening);
    assert_eq!(store.events(0, 10).unwrap().len(), 1);
}
