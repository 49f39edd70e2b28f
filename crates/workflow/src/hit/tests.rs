//! The hit rules as a table.

use super::*;
use crate::change::{Change, ChangeKind, Side};

fn binding(customer_version: u64, entity: &str) -> Binding {
    Binding {
        customer_version,
        customer_hash: format!("c{customer_version}"),
        entity_hash: entity.to_owned(),
    }
}

fn hit(status: HitStatus, matched: bool, decision: Option<(DecisionKind, Binding)>) -> HitState {
    HitState {
        status,
        matched,
        binding: binding(1, "e1"),
        decision: decision.map(|(kind, binding)| DecisionState { kind, binding }),
        reason: (status == HitStatus::Closed).then(|| "the customer was deactivated: left".into()),
    }
}

fn change(material: bool) -> Review {
    Review {
        changes: vec![Change {
            side: Side::Listed,
            property: if material { "alias" } else { "notes" }.into(),
            kind: ChangeKind::Added,
            before: None,
            after: None,
            material,
            reason: if material {
                "new alias 'X' on the listed entity".into()
            } else {
                "notes changed on the listed entity (not screened)".into()
            },
        }],
    }
}

/// The transition's short name, and its reasons if any.
fn name(t: &Transition) -> String {
    match t {
        Transition::Reopen { reasons, .. } => format!("reopen: {}", reasons.join("; ")),
        Transition::Close { reason } => format!("close: {reason}"),
        other => other.action().unwrap_or("nothing").trim_start_matches("hits.").to_owned(),
    }
}

/// Observes `observation` on `hit`; the review says whether the changes
/// since the decision matter (`None`: the review must not be asked for).
fn check(
    hit: Option<&HitState>,
    observation: Observation<'_>,
    matters: Option<bool>,
    expected: &str,
) {
    let mut asked = false;
    let got = observe(hit, &observation, &mut |_| {
        asked = true;
        change(matters.unwrap_or(false))
    });
    assert_eq!(name(&got), expected, "{hit:?} {observation:?}");
    assert_eq!(asked, matters.is_some(), "review asked? {hit:?} {observation:?}");
}

const FP: DecisionKind = DecisionKind::FalsePositive;
const TM: DecisionKind = DecisionKind::TrueMatch;

#[test]
fn new_pairs() {
    let b = binding(1, "e1");
    check(None, Observation::Matched(&b), None, "open");
    check(None, Observation::NotMatched, None, "nothing");
    check(None, Observation::EntityRemoved { lists: "un@2" }, None, "nothing");
}

#[test]
fn open_and_confirmed_hits_rebind() {
    let same = binding(1, "e1");
    let newer = binding(2, "e1");
    for status in [HitStatus::Open, HitStatus::Confirmed] {
        let decision = (status == HitStatus::Confirmed).then(|| (TM, binding(1, "e1")));
        let h = hit(status, true, decision.clone());
        check(Some(&h), Observation::Matched(&same), None, "nothing");
        check(Some(&h), Observation::Matched(&newer), None, "rebind");
        check(Some(&h), Observation::NotMatched, None, "unmatched");
        let unmatched = hit(status, false, decision);
        check(Some(&unmatched), Observation::Matched(&same), None, "rebind");
        check(Some(&unmatched), Observation::NotMatched, None, "nothing");
    }
}

#[test]
fn a_cleared_false_positive_stays_cleared_until_a_change_matters() {
    let decided = binding(1, "e1");
    let h = hit(HitStatus::Cleared, true, Some((FP, decided.clone())));
    check(Some(&h), Observation::Matched(&decided), None, "nothing");
    let entity_changed = binding(1, "e2");
    check(Some(&h), Observation::Matched(&entity_changed), Some(false), "keep_cleared");
    check(
        Some(&h),
        Observation::Matched(&entity_changed),
        Some(true),
        "reopen: new alias 'X' on the listed entity",
    );
    let customer_changed = binding(2, "e1");
    check(Some(&h), Observation::Matched(&customer_changed), Some(false), "keep_cleared");
    check(
        Some(&h),
        Observation::Matched(&customer_changed),
        Some(true),
        "reopen: new alias 'X' on the listed entity",
    );
    // Kept cleared once, bound to the newer versions: the next screening of
    // the same versions is judged against the decision again, and
    // changes nothing.
    let mut kept = h.clone();
    kept.binding = entity_changed.clone();
    check(Some(&kept), Observation::Matched(&entity_changed), Some(false), "nothing");
    // Unmatched, then matched again on the decided versions.
    check(Some(&h), Observation::NotMatched, None, "unmatched");
    let mut unmatched = h.clone();
    unmatched.matched = false;
    check(Some(&unmatched), Observation::Matched(&decided), None, "rebind");
}

#[test]
fn removals_and_deactivations_close() {
    for status in [HitStatus::Open, HitStatus::Cleared, HitStatus::Confirmed] {
        let h = hit(status, true, None);
        check(
            Some(&h),
            Observation::EntityRemoved { lists: "un_sc_sanctions@2" },
            None,
            "close: the listed entity is no longer on the active lists (un_sc_sanctions@2)",
        );
        check(
            Some(&h),
            Observation::CustomerDeactivated { reason: "account closed" },
            None,
            "close: the customer was deactivated: account closed",
        );
    }
    let closed = hit(HitStatus::Closed, false, None);
    check(Some(&closed), Observation::EntityRemoved { lists: "x@1" }, None, "nothing");
    check(Some(&closed), Observation::NotMatched, None, "nothing");
}

#[test]
fn a_closed_hit_that_matches_again() {
    let decided = binding(1, "e1");
    let b = binding(1, "e1");
    let other = binding(1, "e9");
    let none = hit(HitStatus::Closed, false, None);
    check(
        Some(&none),
        Observation::Matched(&b),
        None,
        "reopen: matches again after it was closed (the customer was deactivated: left)",
    );
    let confirmed = hit(HitStatus::Closed, false, Some((TM, decided.clone())));
    check(
        Some(&confirmed),
        Observation::Matched(&b),
        None,
        "reopen: matches again after it was closed (the customer was deactivated: left)",
    );
    let cleared = hit(HitStatus::Closed, false, Some((FP, decided)));
    check(Some(&cleared), Observation::Matched(&b), None, "restore");
    check(Some(&cleared), Observation::Matched(&other), Some(false), "restore");
    check(
        Some(&cleared),
        Observation::Matched(&other),
        Some(true),
        "reopen: new alias 'X' on the listed entity",
    );
}

#[test]
fn transitions_say_what_they_do() {
    let cases: &[(Transition, Option<HitStatus>, bool, bool)] = &[
        (Transition::Open, Some(HitStatus::Open), true, true),
        (Transition::Reopen { reasons: vec![], review: None }, Some(HitStatus::Open), true, true),
        (Transition::Rebind, Some(HitStatus::Confirmed), false, true),
        (
            Transition::KeepCleared { review: Review::default() },
            Some(HitStatus::Cleared),
            false,
            true,
        ),
        (Transition::Restore { review: Review::default() }, Some(HitStatus::Cleared), false, true),
        (Transition::Unmatched, Some(HitStatus::Confirmed), false, false),
        (Transition::Close { reason: "x".into() }, Some(HitStatus::Closed), false, false),
        (Transition::Nothing, Some(HitStatus::Confirmed), false, false),
    ];
    for (t, after, alert, binds) in cases {
        assert_eq!(t.status_after(Some(HitStatus::Confirmed)), *after, "{t:?}");
        assert_eq!(t.raises_alert(), *alert, "{t:?}");
        assert_eq!(t.binds(), *binds, "{t:?}");
    }
}

#[test]
fn decisions() {
    let open = hit(HitStatus::Open, true, None);
    assert_eq!(decide(&open, FP, "born 1980, listed 1957", "ana"), Ok(HitStatus::Cleared));
    assert_eq!(decide(&open, TM, "passport matches", "ana"), Ok(HitStatus::Confirmed));
    assert_eq!(decide(&open, FP, "  ", "ana"), Err(DecisionError::NoReason));
    assert_eq!(decide(&open, FP, "why", ""), Err(DecisionError::NoAuthor));
    assert_eq!(decide(&open, FP, &"x".repeat(4001), "ana"), Err(DecisionError::ReasonTooLong));
    let closed = hit(HitStatus::Closed, false, None);
    assert!(matches!(decide(&closed, FP, "why", "ana"), Err(DecisionError::Closed(_))));
    // Re-deciding is allowed: a cleared hit can be confirmed on new facts.
    let cleared = hit(HitStatus::Cleared, true, Some((FP, binding(1, "e1"))));
    assert_eq!(decide(&cleared, TM, "new facts", "bo"), Ok(HitStatus::Confirmed));
}

#[test]
fn names_parse_back() {
    for status in [HitStatus::Open, HitStatus::Cleared, HitStatus::Confirmed, HitStatus::Closed] {
        assert_eq!(status.as_str().parse::<HitStatus>(), Ok(status));
    }
    for kind in [FP, TM] {
        assert_eq!(kind.as_str().parse::<DecisionKind>(), Ok(kind));
    }
    assert_eq!("false-positive".parse::<DecisionKind>(), Ok(FP));
    assert_eq!("True Match".parse::<DecisionKind>(), Ok(TM));
    assert!("maybe".parse::<DecisionKind>().unwrap_err().contains("false_positive"));
    assert!("pending".parse::<HitStatus>().is_err());
}
