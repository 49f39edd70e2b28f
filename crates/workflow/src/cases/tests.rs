//! The case rules as tables: each row is a case, an actor, an action and
//! what must come of it.

#![allow(clippy::unwrap_used)]

use super::*;

/// A case written compactly: `state[/disposition][@assignee][+request]`,
/// where a request is `disposition:requester:version:status`, e.g.
/// `in_review@ana+true_match:ana:3:pending`. The case's version is 3.
fn case(spec: &str) -> CaseFacts {
    let (rest, request) = match spec.split_once('+') {
        Some((rest, r)) => {
            let parts: Vec<&str> = r.split(':').collect();
            let request = Request {
                disposition: parts[0].parse().unwrap(),
                requested_by: parts[1].to_owned(),
                version: parts[2].parse().unwrap(),
                status: parts[3].parse().unwrap(),
            };
            (rest, Some(request))
        }
        None => (spec, None),
    };
    let (rest, assignee) = match rest.split_once('@') {
        Some((rest, a)) => (rest, Some(a.to_owned())),
        None => (rest, None),
    };
    let (state, disposition) = match rest.split_once('/') {
        Some((s, d)) => (s.parse().unwrap(), Some(d.parse().unwrap())),
        None => (rest.parse().unwrap(), None),
    };
    CaseFacts { state, disposition, assignee, version: 3, request }
}

/// An actor written `user:role[,role]` (no role: `user:`).
fn actor(spec: &str) -> Actor {
    let (user, roles) = spec.split_once(':').unwrap();
    Actor {
        user: user.to_owned(),
        roles: roles.split(',').filter(|r| !r.is_empty()).map(|r| r.parse().unwrap()).collect(),
    }
}

fn action(spec: &str) -> Action {
    let (name, arg) = spec.split_once(' ').unwrap_or((spec, ""));
    match name {
        "add" => Action::AddAlerts,
        "assign" => Action::Assign { to: (!arg.is_empty()).then(|| arg.to_owned()) },
        "comment" => Action::Comment,
        "attach" => Action::Attach,
        "edit" => Action::EditFiling,
        "review" => Action::StartReview,
        "escalate" => Action::Escalate,
        "return" => Action::ReturnToReview,
        "close" => Action::RequestClose { disposition: arg.parse().unwrap() },
        "approve" => Action::Approve,
        "reject" => Action::Reject,
        "draft" => Action::File { draft: true },
        "file" => Action::File { draft: false },
        "merge" => Action::MergeAway,
        "reopen" => Action::Reopen,
        other => panic!("no action {other}"),
    }
}

/// The outcome, compactly: `state[/disposition][@assignee] v<version>
/// [request-change]`, or `refused: <variant>`.
fn outcome(result: &Result<Effect, Refusal>) -> String {
    match result {
        Err(refusal) => {
            let debug = format!("{refusal:?}");
            let variant = debug.split([' ', '{', '(']).next().unwrap_or("");
            format!("refused: {variant}")
        }
        Ok(e) => {
            let mut s = e.state.as_str().to_owned();
            if let Some(d) = e.disposition {
                s += &format!("/{d}");
            }
            if let Some(a) = &e.assignee {
                s += &format!("@{a}");
            }
            s += &format!(" v{}", e.version);
            match e.request {
                RequestChange::Keep => {}
                RequestChange::Open(d) => s += &format!(" request {d}"),
                RequestChange::Approve => s += " approve",
                RequestChange::Reject => s += " reject",
                RequestChange::Void => s += " void",
                RequestChange::Done => s += " done",
            }
            s
        }
    }
}

#[track_caller]
fn check(rows: &[(&str, &str, &str, &str)]) {
    let mut failures = Vec::new();
    for (case_spec, actor_spec, action_spec, expected) in rows {
        let got = outcome(&decide(&actor(actor_spec), &case(case_spec), &action(action_spec)));
        if got != *expected {
            failures.push(format!(
                "{case_spec} | {actor_spec} | {action_spec}: expected {expected:?}, got {got:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn the_state_machine() {
    check(&[
        // case, actor, action, outcome
        ("open", "ana:analyst", "review", "in_review@ana v4"),
        ("open@bo", "ana:analyst", "review", "refused: NotAssignee"),
        ("open@bo", "sue:supervisor", "review", "in_review@bo v4"),
        ("open", "ana:analyst", "escalate", "escalated v4"),
        ("in_review@ana", "ana:analyst", "escalate", "escalated@ana v4"),
        ("escalated@ana", "ana:analyst", "escalate", "refused: State"),
        ("escalated@ana", "ana:analyst", "return", "refused: Role"),
        ("escalated@ana", "sue:supervisor", "return", "in_review@ana v4"),
        ("in_review@ana", "sue:supervisor", "return", "refused: State"),
        ("in_review@ana", "ana:analyst", "review", "refused: State"),
        // Closing without approval.
        ("in_review@ana", "ana:analyst", "close no_action", "closed/no_action@ana v4"),
        ("in_review@ana", "ana:analyst", "close false_positive", "closed/false_positive@ana v4"),
        ("open@ana", "ana:analyst", "close false_positive", "refused: State"),
        ("escalated@ana", "ana:analyst", "close false_positive", "refused: Role"),
        ("escalated@ana", "sue:supervisor", "close no_action", "closed/no_action@ana v4"),
        ("in_review@bo", "ana:analyst", "close no_action", "refused: NotAssignee"),
        ("in_review@ana", "ana:analyst", "close merged", "refused: MergedByClose"),
        ("closed/no_action@ana", "ana:analyst", "close no_action", "refused: State"),
        // Reopening.
        ("closed/false_positive@ana", "ana:analyst", "reopen", "refused: Role"),
        ("closed/false_positive@ana", "sue:supervisor", "reopen", "in_review@ana v4"),
        ("closed/merged", "sue:supervisor", "reopen", "refused: MergedIsFinal"),
        ("in_review", "sue:supervisor", "reopen", "refused: State"),
        // Merging.
        ("in_review@ana", "ana:analyst", "merge", "closed/merged@ana v4"),
        ("closed/no_action", "sue:supervisor", "merge", "refused: State"),
        // A user without a casework role reads only.
        ("open", "ro:", "review", "refused: Role"),
        ("open", "ro:", "comment", "refused: Role"),
    ]);
}

#[test]
fn four_eyes() {
    check(&[
        // Asking: true_match and filed wait for approval.
        ("in_review@ana", "ana:analyst", "close true_match", "in_review@ana v3 request true_match"),
        ("in_review@ana", "ana:analyst", "close filed", "in_review@ana v3 request filed"),
        (
            "escalated@ana",
            "sue:supervisor",
            "close true_match",
            "escalated@ana v3 request true_match",
        ),
        (
            "in_review@ana+true_match:ana:3:pending",
            "ana:analyst",
            "close filed",
            "refused: RequestExists",
        ),
        // Approving: a supervisor other than the requester, on the same version.
        (
            "in_review@ana+true_match:ana:3:pending",
            "sue:supervisor",
            "approve",
            "closed/true_match@ana v4 approve",
        ),
        ("in_review@ana+true_match:ana:3:pending", "bo:analyst", "approve", "refused: Role"),
        ("in_review@ana+true_match:ana:3:pending", "ana:analyst", "approve", "refused: Role"),
        (
            "escalated@sue+true_match:sue:3:pending",
            "sue:supervisor",
            "approve",
            "refused: SameUser",
        ),
        (
            "escalated@sue+true_match:sue:3:pending",
            "max:supervisor",
            "approve",
            "closed/true_match@sue v4 approve",
        ),
        // A supervisor who holds the analyst role as well is still one person.
        (
            "in_review@sue+true_match:sue:3:pending",
            "sue:analyst,supervisor",
            "approve",
            "refused: SameUser",
        ),
        ("in_review@ana+true_match:ana:2:pending", "sue:supervisor", "approve", "refused: Stale"),
        ("in_review@ana", "sue:supervisor", "approve", "refused: NoRequest"),
        ("in_review@ana+filed:ana:3:approved", "max:supervisor", "approve", "refused: NoRequest"),
        // Filed: approval leaves the case open for its filing.
        (
            "in_review@ana+filed:ana:3:pending",
            "sue:supervisor",
            "approve",
            "in_review@ana v3 approve",
        ),
        ("in_review@ana+filed:ana:3:approved", "ana:analyst", "file", "closed/filed@ana v4 done"),
        ("in_review@ana+filed:ana:3:pending", "ana:analyst", "file", "refused: NotApproved"),
        ("in_review@ana+filed:ana:2:approved", "ana:analyst", "file", "refused: NotApproved"),
        ("in_review@ana+true_match:ana:3:approved", "ana:analyst", "file", "refused: NotApproved"),
        ("in_review@ana", "ana:analyst", "file", "refused: NotApproved"),
        ("in_review@ana", "ana:analyst", "draft", "in_review@ana v3"),
        ("open", "ro:", "draft", "refused: Role"),
        ("closed/filed@ana", "sue:supervisor", "file", "closed/filed@ana v3"),
        ("closed/filed@ana", "ana:analyst", "file", "refused: State"),
        ("closed/true_match@ana", "sue:supervisor", "file", "refused: State"),
        // Rejecting and withdrawing.
        (
            "in_review@ana+true_match:ana:3:pending",
            "sue:supervisor",
            "reject",
            "in_review@ana v3 reject",
        ),
        (
            "in_review@ana+true_match:ana:3:pending",
            "ana:analyst",
            "reject",
            "in_review@ana v3 reject",
        ),
        (
            "in_review@ana+true_match:ana:3:pending",
            "bo:analyst",
            "reject",
            "refused: RejectNotAllowed",
        ),
        ("in_review@ana", "sue:supervisor", "reject", "refused: NoRequest"),
        // A material change voids an open request; a comment does not.
        ("in_review@ana+filed:ana:3:approved", "ana:analyst", "edit", "in_review@ana v4 void"),
        ("in_review@ana+true_match:ana:3:pending", "ana:analyst", "add", "in_review@ana v4 void"),
        (
            "in_review@ana+true_match:ana:3:pending",
            "sue:supervisor",
            "escalate",
            "escalated@ana v4 void",
        ),
        ("in_review@ana+true_match:ana:3:pending", "bo:analyst", "comment", "in_review@ana v3"),
        ("in_review@ana+true_match:ana:3:pending", "ana:analyst", "attach", "in_review@ana v3"),
    ]);
}

#[test]
fn assignment_and_editing() {
    check(&[
        ("open", "ana:analyst", "assign ana", "open@ana v3"),
        ("open", "ana:analyst", "assign bo", "refused: AssignOthers"),
        ("open@bo", "ana:analyst", "assign ana", "refused: AssignOthers"),
        ("open@ana", "ana:analyst", "assign", "open v3"),
        ("open@bo", "ana:analyst", "assign", "refused: AssignOthers"),
        ("open@bo", "sue:supervisor", "assign ana", "open@ana v3"),
        ("in_review@bo", "sue:supervisor", "assign", "in_review v3"),
        ("closed/no_action@bo", "sue:supervisor", "assign ana", "refused: State"),
        ("open@bo", "ana:analyst", "comment", "open@bo v3"),
        ("closed/no_action@bo", "ana:analyst", "comment", "closed/no_action@bo v3"),
        ("open@bo", "ana:analyst", "attach", "refused: NotAssignee"),
        ("closed/no_action@bo", "bo:analyst", "attach", "refused: State"),
        ("open", "ana:analyst", "edit", "open v4"),
        ("open@bo", "ana:analyst", "edit", "refused: NotAssignee"),
        ("closed/filed@bo", "bo:analyst", "edit", "refused: State"),
        ("in_review@bo", "bo:analyst", "add", "in_review@bo v4"),
        ("closed/no_action@bo", "bo:analyst", "add", "refused: State"),
    ]);
}

/// Every (state, action) pair for a supervisor who may do anything: the
/// refusals that remain are the state machine itself.
#[test]
fn a_supervisor_is_limited_only_by_state() {
    let sue = actor("sue:supervisor");
    let allowed =
        |state: &str, act: &str| decide(&sue, &case(&format!("{state}@ana")), &action(act)).is_ok();
    for state in ["open", "in_review", "escalated", "closed/no_action"] {
        let closed = state.starts_with("closed");
        assert_eq!(allowed(state, "review"), state == "open", "{state} review");
        assert_eq!(allowed(state, "escalate"), matches!(state, "open" | "in_review"), "{state}");
        assert_eq!(allowed(state, "return"), state == "escalated", "{state} return");
        assert_eq!(
            allowed(state, "close no_action"),
            matches!(state, "in_review" | "escalated"),
            "{state} close"
        );
        assert_eq!(allowed(state, "reopen"), closed, "{state} reopen");
        assert_eq!(allowed(state, "edit"), !closed, "{state} edit");
        assert!(allowed(state, "comment"));
    }
}

#[test]
fn names_parse_back() {
    for s in CaseState::ALL {
        assert_eq!(s.as_str().parse::<CaseState>().unwrap(), s);
    }
    for d in Disposition::ALL {
        assert_eq!(d.as_str().parse::<Disposition>().unwrap(), d);
    }
    assert_eq!("false-positive".parse::<Disposition>().unwrap(), Disposition::FalsePositive);
    assert!("closed_ok".parse::<Disposition>().unwrap_err().contains("want no_action"));
    assert_eq!("Supervisor".parse::<Role>().unwrap(), Role::Supervisor);
    assert!("admin".parse::<Role>().is_err());
    assert!(Disposition::TrueMatch.needs_approval() && Disposition::Filed.needs_approval());
    assert!(!Disposition::FalsePositive.needs_approval());
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn alert(scenario: &str, kind: AlertKind, severity: AlertSeverity, to: &str) -> Alert {
    Alert {
        id: format!("{scenario}-1"),
        scenario: scenario.into(),
        typology: "t".into(),
        kind,
        severity,
        score: 0.5,
        subjects: vec!["s".into()],
        transactions: vec![],
        from: to.into(),
        to: to.into(),
        explanation: String::new(),
        key_terms: vec![],
        amount: None,
        metrics: Default::default(),
        provenance: None,
    }
}

#[test]
fn service_levels() {
    let sla = Sla::default();
    let raised = ts("2026-03-10T12:00:00Z");
    let cases: &[(&str, AlertKind, AlertSeverity, &str, &str)] = &[
        (
            "E2",
            AlertKind::Block,
            AlertSeverity::Critical,
            "2026-03-10T11:00:00Z",
            "2026-03-11T12:00:00Z",
        ),
        (
            "A3",
            AlertKind::Alert,
            AlertSeverity::High,
            "2026-03-01T11:00:00Z",
            "2026-03-13T12:00:00Z",
        ),
        (
            "G1",
            AlertKind::Alert,
            AlertSeverity::Medium,
            "2026-03-01T00:00:00Z",
            "2026-03-20T12:00:00Z",
        ),
        ("X", AlertKind::Alert, AlertSeverity::Low, "2026-03-01T00:00:00Z", "2026-04-09T12:00:00Z"),
        // CTR work items run from the transactions, not from the import.
        (
            "A1",
            AlertKind::CtrWorkItem,
            AlertSeverity::Medium,
            "2026-03-02T15:30:00.5Z",
            "2026-03-17T15:30:00Z",
        ),
        (
            "A2",
            AlertKind::CtrWorkItem,
            AlertSeverity::Medium,
            "2026-03-02T15:30:00Z",
            "2026-04-01T15:30:00Z",
        ),
        // An unreadable activity date falls back to the import time.
        ("A1", AlertKind::CtrWorkItem, AlertSeverity::Medium, "yesterday", "2026-03-25T12:00:00Z"),
    ];
    for (scenario, kind, severity, to, due) in cases {
        let got = sla.alert_due(&alert(scenario, *kind, *severity, to), raised);
        assert_eq!(timestamp_text(got), *due, "{scenario} {severity:?}");
    }
    let created = ts("2026-03-10T12:00:00Z");
    assert_eq!(timestamp_text(sla.case_due(created, [])), "2026-04-09T12:00:00Z");
    assert_eq!(
        timestamp_text(
            sla.case_due(created, [ts("2026-03-12T00:00:00Z"), ts("2026-03-11T00:00:00Z")])
        ),
        "2026-03-11T00:00:00Z"
    );
}

#[test]
fn service_levels_read_from_toml() {
    let sla: Sla = toml::from_str("critical = \"12h\"\nscenarios = { E1 = \"2h\" }\n").unwrap();
    assert_eq!(sla.critical, SignedDuration::from_hours(12));
    assert_eq!(sla.high, Sla::default().high);
    assert_eq!(sla.scenarios["E1"], SignedDuration::from_hours(2));
    // The default A2 override is replaced by the file's map.
    assert!(!sla.scenarios.contains_key("A2"));
    let err = toml::from_str::<Sla>("high = \"3 days\"").unwrap_err().to_string();
    assert!(err.contains("unit"), "{err}");
    assert!(toml::from_str::<Sla>("urgent = \"1d\"").is_err());
    let text = toml::to_string(&Sla::default()).unwrap();
    assert_eq!(toml::from_str::<Sla>(&text).unwrap(), Sla::default());
}

#[test]
fn durations() {
    for (text, secs) in [("90m", 5_400), ("12h", 43_200), ("3d", 259_200), ("2w", 1_209_600)] {
        assert_eq!(parse_duration(text).unwrap().as_secs(), secs, "{text}");
        assert_eq!(format_duration(parse_duration(text).unwrap()), text);
    }
    for bad in ["", "d", "3", "3y", "0d", "-1d", "1.5d"] {
        assert!(parse_duration(bad).is_err(), "{bad}");
    }
}

#[test]
fn queue_order_puts_severity_then_due_date_first() {
    let key = |id, severity, due: &str, score| QueueKey { severity, due: ts(due), score, id };
    let mut keys = [
        key("a", AlertSeverity::Medium, "2026-03-05T00:00:00Z", 0.9),
        key("b", AlertSeverity::Critical, "2026-03-09T00:00:00Z", 0.1),
        key("c", AlertSeverity::Medium, "2026-03-01T00:00:00Z", 0.2),
        key("d", AlertSeverity::Medium, "2026-03-05T00:00:00Z", 0.95),
        key("e", AlertSeverity::Low, "2026-01-01T00:00:00Z", 1.0),
        key("f", AlertSeverity::Medium, "2026-03-05T00:00:00Z", 0.9),
    ];
    keys.sort_by(queue_order);
    let order: Vec<&str> = keys.iter().map(|k| k.id).collect();
    assert_eq!(order, ["b", "c", "d", "a", "f", "e"]);
}
