//! Cases in the store: the rules applied transactionally, each change with
//! its audit event, refusals leaving no trace.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use vigia_model::{AlertSeverity, Transaction};
use vigia_workflow::cases::{Actor, CaseState, Disposition, Role};

use super::*;
use crate::alerts::tests::{alert, raised, transaction, ts};
use crate::{AlertBatch, AlertFilter, AlertStatus, AlertStore, AuditLog};

fn ana() -> Actor {
    Actor::new("ana", Role::Analyst)
}
fn bo() -> Actor {
    Actor::new("bo", Role::Analyst)
}
fn sue() -> Actor {
    Actor::new("sue", Role::Supervisor)
}
fn max() -> Actor {
    Actor::new("max", Role::Supervisor)
}

const T0: &str = "2026-03-10T12:00:00Z";

fn at(minutes: i64) -> Timestamp {
    ts(T0).checked_add(jiff::SignedDuration::from_mins(minutes)).unwrap()
}

/// A store with three queued alerts: two about CU1, one about AC9.
fn store() -> Store {
    let mut store = Store::open_in_memory().unwrap();
    let alerts = vec![
        alert("A3-1", AlertSeverity::High, 0.7, &["CU1"]),
        alert("C3-1", AlertSeverity::Medium, 0.5, &["CU1", "AC1"]),
        alert("E2-1", AlertSeverity::Critical, 0.95, &["AC9", "La Federación"]),
    ];
    let evidence: BTreeMap<String, Transaction> = alerts
        .iter()
        .flat_map(|a| a.transactions.iter())
        .map(|t| (t.clone(), transaction(t)))
        .collect();
    store
        .import_alerts(
            &AlertBatch { origin: "a", alerts: &alerts, evidence: &evidence },
            &raised(T0),
        )
        .unwrap();
    store
}

fn change(
    store: &mut Store,
    id: &str,
    c: Change,
    actor: &Actor,
    minute: i64,
) -> Result<CaseRecord> {
    store.change_case(id, &c, actor, at(minute))
}

fn close(disposition: Disposition) -> Change {
    Change::Close { disposition, reason: Some("reviewed".into()) }
}

#[test]
fn a_case_from_a_subject_takes_its_queued_alerts() {
    let mut store = store();
    let case = store
        .create_case(&NewCase { subject: Some("CU1".into()), ..NewCase::default() }, &ana(), at(1))
        .unwrap();
    assert_eq!(case.summary.id, "CASE-000001");
    assert_eq!(case.summary.state, CaseState::Open);
    assert_eq!(case.summary.severity, AlertSeverity::High);
    assert_eq!(case.summary.alert_count, 2);
    assert_eq!(case.subjects.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), ["CU1", "AC1"]);
    assert_eq!(case.key_terms, ["STRUCTURING"]);
    // Due with its most urgent alert (high: 3 days from import), not 30 days.
    assert_eq!(case.summary.due_at, "2026-03-13T12:00:00Z");
    assert_eq!(case.summary.title, "structuring — CU1");
    // Its alerts left the queue.
    let queue = store
        .alerts(&AlertFilter { status: Some(AlertStatus::New), ..Default::default() }, at(2))
        .unwrap();
    assert_eq!(queue.iter().map(|a| a.alert.id.as_str()).collect::<Vec<_>>(), ["E2-1"]);
    let in_case = store.alert("A3-1", at(2)).unwrap();
    assert_eq!(
        (in_case.case_id.as_deref(), in_case.status),
        (Some("CASE-000001"), AlertStatus::Open)
    );
    // An alert goes into one case only.
    let err = store
        .create_case(&NewCase { alerts: vec!["A3-1".into()], ..NewCase::default() }, &bo(), at(3))
        .unwrap_err();
    assert!(err.to_string().contains("already in case CASE-000001"), "{err}");
    let err = store
        .create_case(&NewCase { subject: Some("CU1".into()), ..NewCase::default() }, &bo(), at(3))
        .unwrap_err();
    assert!(err.to_string().contains("no alert in the queue"), "{err}");
    let err = store
        .create_case(&NewCase { alerts: vec!["nope".into()], ..NewCase::default() }, &bo(), at(3))
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err}");
    let reader = Actor { user: "ro".into(), roles: vec![] };
    let err = store
        .create_case(&NewCase { alerts: vec!["E2-1".into()], ..NewCase::default() }, &reader, at(3))
        .unwrap_err();
    assert!(matches!(err, Error::Refused(_)), "{err}");
}

#[test]
fn true_match_takes_two_people() {
    let mut store = store();
    let id = store
        .create_case(&NewCase { alerts: vec!["E2-1".into()], ..NewCase::default() }, &ana(), at(1))
        .unwrap()
        .summary
        .id;
    change(&mut store, &id, Change::Review, &ana(), 2).unwrap();
    let asked = change(&mut store, &id, close(Disposition::TrueMatch), &ana(), 3).unwrap();
    assert_eq!(asked.summary.state, CaseState::InReview);
    assert_eq!(asked.summary.request.as_deref(), Some("true_match:pending"));
    // The requester cannot approve, an analyst cannot approve.
    let err = change(&mut store, &id, Change::Approve { note: None }, &ana(), 4).unwrap_err();
    assert!(err.to_string().contains("supervisor"), "{err}");
    let pending = store.cases(&CaseFilter { awaiting_approval: true, ..Default::default() }, at(4));
    assert_eq!(pending.unwrap().len(), 1);
    let done = change(&mut store, &id, Change::Approve { note: Some("agreed".into()) }, &sue(), 5)
        .unwrap();
    assert_eq!(done.summary.state, CaseState::Closed);
    assert_eq!(done.summary.disposition, Some(Disposition::TrueMatch));
    assert_eq!(done.closed_at.as_deref(), Some("2026-03-10T12:05:00Z"));
    let request = &done.requests[0];
    assert_eq!(request.status, RequestStatus::Done);
    assert_eq!(
        (request.requested_by.as_str(), request.decided_by.as_deref()),
        ("ana", Some("sue"))
    );
    assert_eq!(store.alert("E2-1", at(6)).unwrap().status, AlertStatus::Closed);
    // The history is the audit trail, and it verifies.
    let history: Vec<String> =
        store.case_history(&id).unwrap().into_iter().map(|e| e.action).collect();
    assert_eq!(history, ["case.create", "case.review", "case.close", "case.approve"]);
    let approve = store.case_history(&id).unwrap().pop().unwrap();
    assert!(approve.details.contains("\"requested_by\":\"ana\""), "{}", approve.details);
    assert!(approve.details.contains("\"disposition\":\"true_match\""), "{}", approve.details);
    assert!(store.verify().unwrap().is_intact());
}

#[test]
fn a_supervisor_does_not_approve_their_own_request() {
    let mut store = store();
    let id = store
        .create_case(&NewCase { alerts: vec!["E2-1".into()], ..NewCase::default() }, &sue(), at(1))
        .unwrap()
        .summary
        .id;
    change(&mut store, &id, Change::Review, &sue(), 2).unwrap();
    change(&mut store, &id, close(Disposition::TrueMatch), &sue(), 3).unwrap();
    let before = store.events(0, 100).unwrap().len();
    let err = change(&mut store, &id, Change::Approve { note: None }, &sue(), 4).unwrap_err();
    assert!(err.to_string().contains("four-eyes"), "{err}");
    // A refusal changes nothing and records nothing.
    assert_eq!(store.events(0, 100).unwrap().len(), before);
    assert_eq!(store.case(&id, at(5)).unwrap().summary.state, CaseState::InReview);
    change(&mut store, &id, Change::Approve { note: None }, &max(), 5).unwrap();
}

#[test]
fn an_edit_after_the_request_voids_it() {
    let mut store = store();
    let id = store
        .create_case(&NewCase { alerts: vec!["A3-1".into()], ..NewCase::default() }, &ana(), at(1))
        .unwrap()
        .summary
        .id;
    change(&mut store, &id, Change::Review, &ana(), 2).unwrap();
    change(&mut store, &id, close(Disposition::Filed), &ana(), 3).unwrap();
    let edit = CaseEdit { narrative: Some("More found.".into()), ..CaseEdit::default() };
    let edited = change(&mut store, &id, Change::Edit(Box::new(edit)), &ana(), 4).unwrap();
    assert_eq!(edited.requests[0].status, RequestStatus::Void);
    assert_eq!(edited.summary.request, None);
    let err = change(&mut store, &id, Change::Approve { note: None }, &sue(), 5).unwrap_err();
    assert!(err.to_string().contains("no pending"), "{err}");
    // Adding alerts is a material change too; comments and attachments are not.
    change(&mut store, &id, close(Disposition::Filed), &ana(), 6).unwrap();
    change(&mut store, &id, Change::Comment { text: "see file".into() }, &bo(), 7).unwrap();
    let attach = Attachment {
        uri: "dms://kyc/CU1/statement-2026-02.pdf".into(),
        sha256: "ab".repeat(32),
        description: "February statement".into(),
    };
    change(&mut store, &id, Change::Attach(attach), &ana(), 8).unwrap();
    let approved = change(&mut store, &id, Change::Approve { note: None }, &sue(), 9).unwrap();
    // Filed waits, approved, for its filing.
    assert_eq!(approved.summary.state, CaseState::InReview);
    assert_eq!(approved.summary.request.as_deref(), Some("filed:approved"));
    assert_eq!(approved.comments.len(), 1);
    assert_eq!(approved.attachments[0].attachment.sha256, "ab".repeat(32));
}

#[test]
fn filing_closes_an_approved_case_and_drafts_change_nothing() {
    let mut store = store();
    let id = store
        .create_case(&NewCase { subject: Some("CU1".into()), ..NewCase::default() }, &ana(), at(1))
        .unwrap()
        .summary
        .id;
    let filing = |draft| NewFiling {
        format: Format::Sar,
        draft,
        document: "<EFilingBatchXML/>".into(),
        reports: 1,
        alerts: vec!["A3-1".into(), "C3-1".into()],
        destination: Some("sar.xml".into()),
    };
    let draft = store.record_filing(&id, &filing(true), &ana(), at(2)).unwrap();
    assert!(draft.draft);
    assert_eq!(store.case(&id, at(2)).unwrap().summary.state, CaseState::Open);
    let err = store.record_filing(&id, &filing(false), &ana(), at(3)).unwrap_err();
    assert!(err.to_string().contains("approved request"), "{err}");
    change(&mut store, &id, Change::Review, &ana(), 4).unwrap();
    change(&mut store, &id, close(Disposition::Filed), &ana(), 5).unwrap();
    change(&mut store, &id, Change::Approve { note: None }, &sue(), 6).unwrap();
    let filed = store.record_filing(&id, &filing(false), &ana(), at(7)).unwrap();
    assert!(!filed.draft);
    let case = store.case(&id, at(8)).unwrap();
    assert_eq!(
        (case.summary.state, case.summary.disposition),
        (CaseState::Closed, Some(Disposition::Filed))
    );
    assert_eq!(case.requests[0].status, RequestStatus::Done);
    assert_eq!(case.filings.len(), 2);
    let (record, document) =
        store.filing_document(&id, None, Some((&ana(), at(9), "out.xml"))).unwrap();
    assert_eq!((record.id, document.as_str()), (filed.id, "<EFilingBatchXML/>"));
    let history: Vec<String> =
        store.case_history(&id).unwrap().into_iter().map(|e| e.action).collect();
    assert_eq!(
        history,
        [
            "case.create",
            "case.file",
            "case.review",
            "case.close",
            "case.approve",
            "case.file",
            "case.export"
        ]
    );
    assert!(store.verify().unwrap().is_intact());
}

#[test]
fn merging_moves_alerts_and_subjects() {
    let mut store = store();
    let a = store
        .create_case(&NewCase { alerts: vec!["A3-1".into()], ..NewCase::default() }, &ana(), at(1))
        .unwrap()
        .summary
        .id;
    let b = store
        .create_case(&NewCase { alerts: vec!["E2-1".into()], ..NewCase::default() }, &ana(), at(2))
        .unwrap()
        .summary
        .id;
    let details: Subject = serde_json::from_value(serde_json::json!({
        "name": {"type": "entity", "name": "La Federación"}
    }))
    .unwrap();
    let edit = CaseEdit {
        subject: Some(("La Federación".into(), Some(details))),
        add_key_terms: vec!["FTO".into()],
        ..CaseEdit::default()
    };
    change(&mut store, &b, Change::Edit(Box::new(edit)), &ana(), 3).unwrap();
    let merged = store.merge_cases(&a, std::slice::from_ref(&b), &ana(), at(4)).unwrap();
    assert_eq!(merged.summary.alert_count, 2);
    assert_eq!(merged.summary.severity, AlertSeverity::Critical);
    assert_eq!(merged.key_terms, ["STRUCTURING", "FTO"]);
    let subjects: Vec<&str> = merged.subjects.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(subjects, ["CU1", "AC9", "La Federación"]);
    assert!(merged.subjects[2].details.is_some());
    let source = store.case(&b, at(5)).unwrap();
    assert_eq!(source.summary.disposition, Some(Disposition::Merged));
    assert_eq!(source.merged_into.as_deref(), Some(a.as_str()));
    assert_eq!(source.summary.alert_count, 0);
    let err = change(&mut store, &b, Change::Reopen { reason: None }, &sue(), 6).unwrap_err();
    assert!(err.to_string().contains("merged"), "{err}");
    let err = store.merge_cases(&a, std::slice::from_ref(&a), &ana(), at(7)).unwrap_err();
    assert!(err.to_string().contains("itself"), "{err}");
    assert!(store.verify().unwrap().is_intact());
}

#[test]
fn bad_input_is_refused_with_a_reason() {
    let mut store = store();
    let id = store
        .create_case(&NewCase { alerts: vec!["A3-1".into()], ..NewCase::default() }, &ana(), at(1))
        .unwrap()
        .summary
        .id;
    let attach = |uri: &str, sha: &str, description: &str| {
        Change::Attach(Attachment {
            uri: uri.into(),
            sha256: sha.into(),
            description: description.into(),
        })
    };
    let edit = |e: CaseEdit| Change::Edit(Box::new(e));
    let cases: Vec<(Change, &str)> = vec![
        (Change::Comment { text: "  ".into() }, "comment cannot be empty"),
        (attach("statement.pdf", &"a".repeat(64), "x"), "scheme"),
        (attach("file:///s.pdf", "abc", "x"), "64 hex digits"),
        (attach("file:///s.pdf", &"g".repeat(64), "x"), "64 hex digits"),
        (attach("file:///s.pdf", &"a".repeat(64), " "), "description"),
        (
            edit(CaseEdit { add_key_terms: vec!["A; B".into()], ..CaseEdit::default() }),
            "without ';'",
        ),
        (edit(CaseEdit { add_key_terms: vec!["x".repeat(51)], ..CaseEdit::default() }), "1 to 50"),
        (
            edit(CaseEdit { remove_key_terms: vec!["GTO".into()], ..CaseEdit::default() }),
            "no key term",
        ),
        (
            edit(CaseEdit {
                classifications: Some(vec![Classification::item("99(a)")]),
                ..CaseEdit::default()
            }),
            "not a box",
        ),
        (
            edit(CaseEdit {
                classifications: Some(vec![Classification::item("38(z)")]),
                ..CaseEdit::default()
            }),
            "needs its description",
        ),
        (edit(CaseEdit::default()), "changes nothing"),
        (Change::AddAlerts { alerts: vec![] }, "no alert"),
        (Change::AddAlerts { alerts: vec!["A3-1".into()] }, "already in case"),
        (Change::Assign { to: Some(" ".into()) }, "cannot be empty"),
        (close(Disposition::NoAction), "cannot close a case that is open"),
        (Change::Reopen { reason: None }, "cannot reopen a case that is open"),
    ];
    let before = store.events(0, 100).unwrap().len();
    for (c, message) in cases {
        let err = change(&mut store, &id, c.clone(), &ana(), 2).unwrap_err();
        assert!(err.to_string().contains(message), "{c:?}: {err}");
    }
    assert_eq!(store.events(0, 100).unwrap().len(), before);
    assert!(matches!(
        change(&mut store, "CASE-999999", Change::Review, &ana(), 3),
        Err(Error::NotFound(_))
    ));
}

#[test]
fn lists_and_overdue_cases() {
    let mut store = store();
    let a = store
        .create_case(&NewCase { alerts: vec!["A3-1".into()], ..NewCase::default() }, &ana(), at(1))
        .unwrap()
        .summary
        .id;
    let b = store
        .create_case(&NewCase { alerts: vec!["E2-1".into()], ..NewCase::default() }, &bo(), at(2))
        .unwrap()
        .summary
        .id;
    change(&mut store, &b, Change::Review, &bo(), 3).unwrap();
    fn list(store: &Store, filter: CaseFilter, now: Timestamp) -> Vec<String> {
        store.cases(&filter, now).unwrap().into_iter().map(|c| c.id).collect()
    }
    macro_rules! ids {
        ($filter:expr, $now:expr) => {
            list(&store, $filter, $now)
        };
    }
    assert_eq!(ids!(CaseFilter::default(), at(4)), [b.as_str(), a.as_str()]);
    assert_eq!(
        ids!(CaseFilter { assignee: Some("bo".into()), ..Default::default() }, at(4)),
        [b.as_str()]
    );
    assert_eq!(
        ids!(CaseFilter { state: Some(CaseState::Open), ..Default::default() }, at(4)),
        [a.as_str()]
    );
    assert_eq!(
        ids!(CaseFilter { subject: Some("La Federación".into()), ..Default::default() }, at(4)),
        [b.as_str()]
    );
    assert!(ids!(CaseFilter { overdue: true, ..Default::default() }, at(4)).is_empty());
    // The critical alert is due a day after import, the high one after three.
    let day_two = ts("2026-03-11T13:00:00Z");
    assert_eq!(ids!(CaseFilter { overdue: true, ..Default::default() }, day_two), [b.as_str()]);
    assert!(store.case(&b, day_two).unwrap().summary.overdue);
    let later = ts("2026-03-20T00:00:00Z");
    assert_eq!(
        ids!(CaseFilter { overdue: true, ..Default::default() }, later),
        [b.as_str(), a.as_str()]
    );
    change(&mut store, &b, close(Disposition::FalsePositive), &bo(), 5).unwrap();
    assert_eq!(ids!(CaseFilter { overdue: true, ..Default::default() }, later), [a.as_str()]);
    // Closed cases sort last.
    assert_eq!(ids!(CaseFilter::default(), later), [a, b]);
}
