//! Hits and decisions on hand-made screening results.

use std::collections::BTreeMap;

use vigia_model::{Entity, Schema, prop};
use vigia_sources::{Format, Header, Sink, Summary};
use vigia_workflow::customer::content_hash;
use vigia_workflow::hit::{DecisionKind, HitStatus};
use vigia_workflow::rescreen::{Match, MatchResult};

use super::*;
use crate::customers::{CustomerImportRequest, CustomerStore};
use crate::lists::{ImportPolicy, ImportRequest, ImportStart, ListImport, ListStore};
use crate::{AlertStore, AuditLog};

const T0: &str = "2026-03-01T12:00:00Z";
const T1: &str = "2026-03-02T12:00:00Z";
const T2: &str = "2026-03-03T12:00:00Z";

fn listed(id: &str, pairs: &[(&str, &str)]) -> Entity {
    let mut entity = Entity::new(id, Schema::Person);
    for (property, value) in pairs {
        entity.add(property, value);
    }
    entity.add_dataset("un_sc_sanctions");
    entity
}

fn found(entity: &Entity, score: f64) -> Match {
    Match {
        entity: entity.clone(),
        entity_hash: content_hash(entity),
        result: MatchResult {
            id: entity.id.clone(),
            caption: entity.caption().to_owned(),
            schema: entity.schema.name().to_owned(),
            datasets: entity.datasets.clone(),
            score,
            is_match: true,
            explanations: BTreeMap::new(),
            record: 0,
        },
    }
}

fn run(mode: RunMode, at: &str) -> ScreeningRun {
    ScreeningRun {
        mode,
        at: at.into(),
        actor: "test".into(),
        lists_version: "un_sc_sanctions@1".into(),
        lists: vec![("un_sc_sanctions".into(), 1)],
        watermark: mode != RunMode::Import,
        settings: ScreeningSettings::default(),
        config: "cfg".into(),
        engine: "vigia test".into(),
        removed: Vec::new(),
        details: serde_json::json!({}),
    }
}

fn screened(customer: &str, version: u64, matches: Vec<Match>) -> Vec<Screened> {
    vec![Screened { customer_id: customer.into(), version, matches }]
}

fn register(store: &mut Store, customers: &[(&str, &str)], at: &str) {
    let entities: Vec<Entity> = customers
        .iter()
        .map(|(id, name)| {
            let mut e = Entity::new(*id, Schema::Person);
            e.add(prop::NAME, name);
            e
        })
        .collect();
    store
        .import_customers(
            &CustomerImportRequest {
                source: "customers.csv".into(),
                content_hash: String::new(),
                at: at.into(),
                actor: "test".into(),
                deactivate_missing: false,
            },
            &entities,
        )
        .unwrap();
}

fn decide(store: &mut Store, hit: &str, kind: DecisionKind, at: &str) -> Result<Decision> {
    store.decide(&DecisionRequest {
        hit_id: hit.into(),
        kind,
        reason: "born 1980; the listed person in 1966".into(),
        author: "ana".into(),
        at: at.into(),
        seen_openings: None,
    })
}

fn status(store: &Store, hit: &str) -> (HitStatus, bool, Option<String>) {
    let hit = store.hit(hit).unwrap().unwrap();
    (hit.status, hit.matched, hit.reason)
}

#[test]
fn a_cleared_false_positive_reopens_on_a_material_change_only() {
    let mut store = Store::open_in_memory().unwrap();
    register(&mut store, &[("c1", "Nemesio Oseguera")], T0);
    let v1 = listed("un-1", &[("name", "Nemesio OSEGUERA CERVANTES"), ("birthDate", "1966")]);

    // Screening finds the hit: open, with an alert in the queue.
    let report = store
        .apply_screening(&run(RunMode::Import, T0), &screened("c1", 1, vec![found(&v1, 0.82)]))
        .unwrap();
    assert_eq!((report.opened, report.alerts), (1, 1));
    let id = hit_id("c1", "un-1");
    assert_eq!(report.opened_hits, std::slice::from_ref(&id));
    assert_eq!(status(&store, &id), (HitStatus::Open, true, None));
    let alert = store.alert(&alert_id(&id, 1), jiff::Timestamp::UNIX_EPOCH).unwrap();
    assert_eq!(alert.alert.subjects, ["c1"]);
    assert_eq!(alert.alert.typology, "watchlist");
    assert_eq!(hit_of_alert(&alert.alert.id), Some(id.as_str()));
    assert!(store.customer("c1").unwrap().unwrap().screened_version == 1);

    // The analyst clears it.
    let decision = decide(&mut store, &id, DecisionKind::FalsePositive, T0).unwrap();
    assert_eq!(decision.binding.customer_version, 1);
    assert_eq!(decision.binding.entity_hash, content_hash(&v1));
    assert_eq!(status(&store, &id).0, HitStatus::Cleared);

    // The same versions again: nothing happens.
    let report = store
        .apply_screening(&run(RunMode::Full, T1), &screened("c1", 1, vec![found(&v1, 0.82)]))
        .unwrap();
    assert_eq!(
        report,
        RunReport { screened: 1, audit_seq: report.audit_seq, ..RunReport::default() }
    );

    // A new note on the listed entity: stays cleared, rebound, recorded.
    let mut noted = v1.clone();
    noted.add(prop::NOTES, "extradited");
    let report = store
        .apply_screening(&run(RunMode::Delta, T1), &screened("c1", 1, vec![found(&noted, 0.82)]))
        .unwrap();
    assert_eq!((report.kept_cleared, report.alerts), (1, 0));
    let hit = store.hit(&id).unwrap().unwrap();
    assert_eq!(
        (hit.status, hit.binding.entity_hash.clone()),
        (HitStatus::Cleared, content_hash(&noted))
    );
    let kept = store
        .events(0, 1000)
        .unwrap()
        .into_iter()
        .rfind(|e| e.action == "hits.keep_cleared")
        .unwrap();
    assert!(
        kept.details.contains("notes changed on the listed entity (not screened)"),
        "{}",
        kept.details
    );

    // A new alias: re-opened with the reason, a second alert.
    let mut aliased = noted.clone();
    aliased.add(prop::ALIAS, "El Mencho");
    let report = store
        .apply_screening(&run(RunMode::Delta, T2), &screened("c1", 1, vec![found(&aliased, 0.9)]))
        .unwrap();
    assert_eq!((report.reopened, report.alerts), (1, 1));
    let hit = store.hit(&id).unwrap().unwrap();
    assert_eq!(hit.status, HitStatus::Open);
    assert_eq!(hit.reason.as_deref(), Some("new alias 'El Mencho' on the listed entity"));
    assert_eq!(hit.openings, 2);
    let alert = store.alert(&hit.alert_id(), jiff::Timestamp::UNIX_EPOCH).unwrap();
    assert!(
        alert.alert.explanation.contains("re-opened: new alias 'El Mencho'"),
        "{}",
        alert.alert.explanation
    );
    // The decision is still there, superseded by nothing yet.
    assert_eq!(hit.decision.as_ref().map(|d| d.id), Some(decision.id));
    assert!(store.verify().unwrap().is_intact());
}

#[test]
fn removals_deactivations_and_refusals() {
    let mut store = Store::open_in_memory().unwrap();
    register(&mut store, &[("c1", "Ana Ruiz"), ("c2", "Bo Li")], T0);
    let a = listed("un-1", &[("name", "Ana RUIZ")]);
    let b = listed("un-2", &[("name", "Bo LI")]);
    let mut batch = screened("c1", 1, vec![found(&a, 0.9)]);
    batch.extend(screened("c2", 1, vec![found(&b, 0.9)]));
    store.apply_screening(&run(RunMode::Import, T0), &batch).unwrap();
    let (h1, h2) = (hit_id("c1", "un-1"), hit_id("c2", "un-2"));
    decide(&mut store, &h1, DecisionKind::TrueMatch, T0).unwrap();

    // Unknown hit, empty reason, a hit re-opened since it was seen.
    let err = decide(&mut store, "hit-0000", DecisionKind::FalsePositive, T0).unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err}");
    let mut request = DecisionRequest {
        hit_id: h2.clone(),
        kind: DecisionKind::FalsePositive,
        reason: "  ".into(),
        author: "ana".into(),
        at: T0.into(),
        seen_openings: None,
    };
    assert!(store.decide(&request).unwrap_err().to_string().contains("needs a reason"));
    request.reason = "different person".into();
    request.seen_openings = Some(2);
    assert!(store.decide(&request).unwrap_err().to_string().contains("re-opened since"));

    // un-1 leaves the lists: its confirmed hit closes.
    let mut removal = run(RunMode::Delta, T1);
    removal.removed = vec!["un-1".into()];
    let report = store.apply_screening(&removal, &[]).unwrap();
    assert_eq!(report.closed, 1);
    let (status_1, matched, reason) = status(&store, &h1);
    assert_eq!((status_1, matched), (HitStatus::Closed, false));
    assert_eq!(
        reason.as_deref(),
        Some("the listed entity is no longer on the active lists (un_sc_sanctions@1)")
    );
    assert!(
        decide(&mut store, &h1, DecisionKind::FalsePositive, T1)
            .unwrap_err()
            .to_string()
            .contains("closed")
    );

    // c2 no longer matches: the open hit stays open, unmatched.
    let report =
        store.apply_screening(&run(RunMode::Full, T1), &screened("c2", 1, vec![])).unwrap();
    assert_eq!(report.unmatched, 1);
    assert_eq!(status(&store, &h2), (HitStatus::Open, false, None));

    // c2 deactivated: closed.
    assert_eq!(store.deactivate_customers(&["c2".into()], "left", T2, "test").unwrap(), 1);
    assert_eq!(status(&store, &h2).0, HitStatus::Closed);

    // Results for an old version of a customer are not applied.
    register(&mut store, &[("c1", "Ana Ruiz Gómez")], T2);
    let report = store
        .apply_screening(&run(RunMode::Delta, T2), &screened("c1", 1, vec![found(&a, 0.9)]))
        .unwrap();
    assert_eq!((report.stale, report.screened), (1, 0));
    assert!(store.customer("c1").unwrap().unwrap().pending());

    assert_eq!(store.screened_lists().unwrap(), [("un_sc_sanctions".to_owned(), 1)]);
    let decisions = store.decisions(None, 0, 0).unwrap();
    assert_eq!(decisions.len(), 1);
    assert_eq!(store.decisions(Some(&h1), 0, 10).unwrap(), decisions);
    let err = store.conn.execute("UPDATE decisions SET reason = 'x'", []).unwrap_err();
    assert!(err.to_string().contains("append-only"));
    assert!(store.verify().unwrap().is_intact());
}

#[test]
fn a_closed_false_positive_is_restored_when_the_entity_returns_unchanged() {
    let mut store = Store::open_in_memory().unwrap();
    register(&mut store, &[("c1", "Ana Ruiz")], T0);
    let a = listed("un-1", &[("name", "Ana RUIZ")]);
    store
        .apply_screening(&run(RunMode::Import, T0), &screened("c1", 1, vec![found(&a, 0.9)]))
        .unwrap();
    let id = hit_id("c1", "un-1");
    decide(&mut store, &id, DecisionKind::FalsePositive, T0).unwrap();
    let mut removal = run(RunMode::Delta, T1);
    removal.removed = vec!["un-1".into()];
    store.apply_screening(&removal, &[]).unwrap();
    assert_eq!(status(&store, &id).0, HitStatus::Closed);
    let report = store
        .apply_screening(&run(RunMode::Delta, T2), &screened("c1", 1, vec![found(&a, 0.9)]))
        .unwrap();
    assert_eq!((report.restored, report.alerts), (1, 0));
    assert_eq!(status(&store, &id), (HitStatus::Cleared, true, None));
}

#[test]
fn hits_filter_and_settings() {
    let mut store = Store::open_in_memory().unwrap();
    register(&mut store, &[("c1", "Ana Ruiz"), ("c2", "Bo Li")], T0);
    let a = listed("un-1", &[("name", "Ana RUIZ")]);
    let b = listed("un-2", &[("name", "Bo LI")]);
    let mut batch = screened("c1", 1, vec![found(&a, 0.9), found(&b, 0.75)]);
    batch.extend(screened("c2", 1, vec![found(&b, 0.9)]));
    let mut full = run(RunMode::Full, T0);
    full.settings = ScreeningSettings { threshold: 0.75, algorithm: "vigia".into() };
    store.apply_screening(&full, &batch).unwrap();
    assert_eq!(store.screening_settings().unwrap().threshold, 0.75);
    assert!(store.events(0, 1000).unwrap().iter().any(|e| e.action == "screening.settings"));
    decide(&mut store, &hit_id("c2", "un-2"), DecisionKind::FalsePositive, T0).unwrap();
    let all = store.hits(&HitFilter::default()).unwrap();
    assert_eq!(all.len(), 3);
    let open =
        store.hits(&HitFilter { status: Some(HitStatus::Open), ..HitFilter::default() }).unwrap();
    assert_eq!(open.len(), 2);
    let on_b =
        store.hits(&HitFilter { entity: Some("un-2".into()), ..HitFilter::default() }).unwrap();
    assert_eq!(on_b.len(), 2);
    let c1 = store
        .hits(&HitFilter { customer: Some("c1".into()), limit: 1, ..HitFilter::default() })
        .unwrap();
    assert_eq!(c1.len(), 1);
    assert_eq!(store.customers_with_hits_on(&["un-2".into()]).unwrap(), ["c1", "c2"]);
    assert_eq!(store.hit_entity_ids().unwrap(), ["un-1", "un-2"]);
    assert_eq!(store.listed_snapshot(&content_hash(&a)).unwrap(), Some(a.clone()));
}

/// Imports a version of the `un` dataset holding these entities.
fn import_list(store: &mut Store, content: &str, entities: &[Entity]) {
    let request = ImportRequest {
        dataset: "un".into(),
        format: Format::FtmJson,
        content_hash: content.into(),
        source: content.into(),
        imported_at: T0.into(),
        actor: "test".into(),
        policy: ImportPolicy { allow_shrink: true, ..ImportPolicy::default() },
    };
    let summary = Summary {
        format: Format::FtmJson,
        dataset: "un".into(),
        header: Header::default(),
        records: entities.len() as u64,
        entities: entities.len() as u64,
        diagnostics: 0,
    };
    let ImportStart::Ready(mut import) = store.begin_import(request).unwrap() else {
        panic!("unchanged");
    };
    for entity in entities {
        import.entity(entity.clone());
    }
    import.finish(&summary).unwrap();
}

#[test]
fn list_changes_since_the_watermark() {
    let mut store = Store::open_in_memory().unwrap();
    let a = listed("a", &[("name", "Ana")]);
    let b = listed("b", &[("name", "Bo")]);
    let c = listed("c", &[("name", "Cy")]);
    import_list(&mut store, "v1", &[a.clone(), b.clone()]);
    // Nothing screened yet: everything is added.
    let delta = store.list_change_since(&[]).unwrap();
    assert_eq!(delta.change.added.len(), 2);
    assert_eq!(delta.to, [("un".to_owned(), 1)]);
    let mut b2 = b.clone();
    b2.add(prop::ALIAS, "Bobo");
    import_list(&mut store, "v2", &[b2.clone(), c.clone()]);
    let delta = store.list_change_since(&[("un".into(), 1)]).unwrap();
    assert!(delta.is_complete());
    let ids = |v: &[Entity]| v.iter().map(|e| e.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&delta.change.added), ["c"]);
    assert_eq!(ids(&delta.change.removed), ["a"]);
    assert_eq!(delta.change.changed.len(), 1);
    assert_eq!(delta.change.changed[0].1.get(prop::ALIAS), ["Bobo"]);
    // The stored body hashes as the entity a screening saw: the hit's
    // entity version is the list store's content address.
    let hash: Vec<u8> = store
        .conn
        .query_row("SELECT hash FROM entity_bodies b JOIN version_entities v ON v.body_id = b.id WHERE v.entity_id = 'c'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(hex::encode(hash), content_hash(&delta.change.added[0]));
    assert!(store.list_change_since(&[("un".into(), 2)]).unwrap().change.is_empty());
    // A watermark on a list that cannot be read (the built-in watchlist).
    let delta = store.list_change_since(&[("vigia_builtin".into(), 0), ("un".into(), 2)]).unwrap();
    assert_eq!(delta.unreadable, ["vigia_builtin"]);
}
