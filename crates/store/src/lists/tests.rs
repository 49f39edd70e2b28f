//! Store unit tests on small hand-made entity sets.

use vigia_model::{Diagnostic, Entity, Location, Schema, Severity, prop};
use vigia_sources::{Format, Header, Sink, Summary};

use super::*;
use crate::{AuditLog, Store};

const NOW: &str = "2026-03-01T12:00:00Z";

fn person(id: &str, name: &str) -> Entity {
    let mut entity = Entity::new(id, Schema::Person);
    entity.add(prop::NAME, name);
    entity
}

/// A version given as `id=name` pairs (`id=name|alias` adds an alias).
fn entities(spec: &[&str]) -> Vec<Entity> {
    spec.iter()
        .map(|pair| {
            let (id, names) = pair.split_once('=').unwrap();
            let mut names = names.split('|');
            let mut entity = person(id, names.next().unwrap());
            for alias in names {
                entity.add(prop::ALIAS, alias);
            }
            entity
        })
        .collect()
}

fn request(dataset: &str, content: &str, format: Format, policy: ImportPolicy) -> ImportRequest {
    ImportRequest {
        dataset: dataset.into(),
        format,
        content_hash: format!("hash-of-{content}"),
        source: format!("/lists/{content}"),
        imported_at: NOW.into(),
        actor: "test".into(),
        policy,
    }
}

/// What a parser would push: entities, deletions and diagnostics.
#[derive(Default)]
struct Feed {
    entities: Vec<Entity>,
    deleted: Vec<&'static str>,
    errors: u64,
    records: u64,
}

impl Feed {
    fn of(spec: &[&str]) -> Feed {
        let entities = entities(spec);
        Feed { records: entities.len() as u64, entities, ..Feed::default() }
    }
}

fn run(store: &mut Store, request: ImportRequest, feed: Feed) -> ImportReport {
    let summary = Summary {
        format: request.format,
        dataset: request.dataset.clone(),
        header: Header { published: Some("2026-02-27".into()), stated_count: None },
        records: feed.records + feed.errors,
        entities: feed.entities.len() as u64,
        diagnostics: feed.errors,
    };
    let mut import = match store.begin_import(request).unwrap() {
        ImportStart::Unchanged(report) => return *report,
        ImportStart::Ready(import) => import,
    };
    for entity in feed.entities {
        import.entity(entity);
    }
    for id in feed.deleted {
        import.delete(id);
    }
    for n in 0..feed.errors {
        import.diagnostic(Diagnostic {
            file: "f".into(),
            location: Location::Record { number: n + 1, id: None },
            severity: Severity::Error,
            message: "unreadable record".into(),
        });
    }
    import.finish(&summary).unwrap()
}

fn import(store: &mut Store, dataset: &str, content: &str, spec: &[&str]) -> ImportReport {
    run(store, request(dataset, content, Format::FtmJson, ImportPolicy::default()), Feed::of(spec))
}

fn active(store: &Store, dataset: &str) -> Option<u64> {
    store.active_version(dataset).unwrap().map(|v| v.version)
}

fn ids(entries: &[DiffEntry]) -> Vec<&str> {
    entries.iter().map(|e| e.id.as_str()).collect()
}

fn count(store: &Store, table: &str) -> u64 {
    store.conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0)).unwrap()
}

#[test]
fn versions_are_numbered_and_one_is_active() {
    let mut store = Store::open_in_memory().unwrap();
    let report = import(&mut store, "un", "v1", &["a=Ann", "b=Bob"]);
    assert_eq!(report.outcome, Outcome::Accepted);
    let v1 = report.active.unwrap();
    assert_eq!((v1.version, v1.entity_count, v1.format.as_str()), (1, 2, "ftm_json"));
    assert_eq!(v1.published.as_deref(), Some("2026-02-27"));
    assert_eq!(v1.imported_at, NOW);
    assert_eq!(v1.publisher, "OpenSanctions");

    import(&mut store, "un", "v2", &["a=Ann", "b=Bob", "c=Cy"]);
    import(&mut store, "ofac", "o1", &["x=Xi"]);
    assert_eq!(active(&store, "un"), Some(2));
    assert_eq!(active(&store, "ofac"), Some(1));
    let versions: Vec<u64> = store.versions("un").unwrap().iter().map(|v| v.version).collect();
    assert_eq!(versions, [1, 2], "old versions are kept");
    let datasets: Vec<String> =
        store.active_versions().unwrap().into_iter().map(|v| v.label()).collect();
    assert_eq!(datasets, ["ofac@1", "un@2"]);
}

#[test]
fn the_same_file_twice_makes_no_new_version() {
    let mut store = Store::open_in_memory().unwrap();
    import(&mut store, "un", "v1", &["a=Ann"]);
    let again = import(&mut store, "un", "v1", &["a=Ann"]);
    assert_eq!(again.outcome, Outcome::Unchanged);
    assert_eq!(again.active.unwrap().version, 1);
    // Other bytes, same entities (a re-export): unchanged as well.
    let reexport = import(&mut store, "un", "v1-reexported", &["a=Ann"]);
    assert_eq!(reexport.outcome, Outcome::Unchanged);
    assert_eq!(store.versions("un").unwrap().len(), 1);
    let actions: Vec<String> =
        store.events(0, 100).unwrap().into_iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        ["lists.import", "lists.activate", "lists.import.unchanged", "lists.import.unchanged"]
    );
}

#[test]
fn unchanged_entities_are_stored_once() {
    let mut store = Store::open_in_memory().unwrap();
    import(&mut store, "un", "v1", &["a=Ann", "b=Bob", "c=Cy"]);
    import(&mut store, "un", "v2", &["a=Ann", "b=Bob", "c=Cy|Cyrus"]);
    // Another dataset listing the same person (same datasets field) shares it too.
    assert_eq!(count(&store, "entity_bodies"), 4);
    assert_eq!(count(&store, "version_entities"), 6);
}

#[test]
fn value_order_and_publisher_timestamps_are_not_changes() {
    let mut store = Store::open_in_memory().unwrap();
    let mut first = entities(&["a=Ann|X|Y"]);
    first[0].last_seen = Some("2026-01-01".into());
    let mut second = person("a", "Ann");
    second.add_all(prop::ALIAS, ["Y", "X"]);
    second.last_seen = Some("2026-02-01".into());
    let policy = ImportPolicy::default();
    run(
        &mut store,
        request("os", "1", Format::FtmJson, policy),
        Feed { entities: first, records: 1, ..Feed::default() },
    );
    let report = run(
        &mut store,
        request("os", "2", Format::FtmJson, policy),
        Feed { entities: vec![second], records: 1, ..Feed::default() },
    );
    // The set of (id, content) is the same: no new version, and the stored
    // timestamps are the first import's.
    assert_eq!(report.outcome, Outcome::Unchanged);
    let stored = store.entity("a").unwrap().unwrap().entity;
    assert_eq!(stored.last_seen.as_deref(), Some("2026-01-01"));
}

/// Refusal rules, data-driven: (what the active version holds, what the
/// new file brings, the policy, the expected rule or `None` for accepted).
#[test]
fn refusal_rules() {
    let ten: Vec<String> = (0..10).map(|i| format!("e{i}=Name {i}")).collect();
    let ten: Vec<&str> = ten.iter().map(String::as_str).collect();
    let hundred: Vec<String> = (0..100).map(|i| format!("e{i}=Name {i}")).collect();
    let hundred: Vec<&str> = hundred.iter().map(String::as_str).collect();
    let allow = ImportPolicy { allow_shrink: true, ..ImportPolicy::default() };
    let lenient = ImportPolicy { max_error_share: 0.5, ..ImportPolicy::default() };
    let default = ImportPolicy::default();
    type Case<'a> = (&'a str, &'a [&'a str], Feed, ImportPolicy, Option<&'a str>);
    let cases: Vec<Case<'_>> = vec![
        ("empty file", &ten, Feed::default(), default, Some("empty")),
        ("shrinks to 4 of 10", &ten, Feed::of(&ten[..4]), default, Some("shrink")),
        ("shrinks to 5 of 10 (half is fine)", &ten, Feed::of(&ten[..5]), default, None),
        ("shrink allowed", &ten, Feed::of(&ten[..4]), allow, None),
        ("no active version: any size", &[], Feed::of(&ten[..1]), default, None),
        (
            "1 dropped of 100 (1 %)",
            &[],
            Feed { errors: 1, ..Feed::of(&hundred[..99]) },
            default,
            None,
        ),
        (
            "2 dropped of 100",
            &[],
            Feed { errors: 2, ..Feed::of(&hundred[..98]) },
            default,
            Some("too_many_errors"),
        ),
        ("2 dropped of 10, lenient", &[], Feed { errors: 2, ..Feed::of(&ten[..8]) }, lenient, None),
    ];
    for (name, before, feed, policy, expected) in cases {
        let mut store = Store::open_in_memory().unwrap();
        if !before.is_empty() {
            import(&mut store, "ds", "before", before);
        }
        let previous = store.active_version("ds").unwrap();
        let report = run(&mut store, request("ds", "after", Format::FtmJson, policy), feed);
        match (&report.outcome, expected) {
            (Outcome::Accepted, None) => {
                assert_ne!(store.active_version("ds").unwrap(), previous, "{name}");
            }
            (Outcome::Refused(refusal), Some(rule)) => {
                let value = serde_json::to_value(refusal).unwrap();
                assert_eq!(value["rule"], rule, "{name}");
                assert_eq!(
                    store.active_version("ds").unwrap(),
                    previous,
                    "{name}: active untouched"
                );
                assert_eq!(
                    store.versions("ds").unwrap().len(),
                    usize::from(previous.is_some()),
                    "{name}"
                );
                let last = store.events(0, 100).unwrap().pop().unwrap();
                assert_eq!(last.action, "lists.import.refused", "{name}");
                assert!(last.details.contains(&refusal.to_string().replace('"', "\\\"")), "{name}");
            }
            (outcome, expected) => panic!("{name}: got {outcome:?}, expected {expected:?}"),
        }
        assert!(store.verify().unwrap().is_intact(), "{name}");
    }
}

#[test]
fn a_cut_off_file_is_refused_whatever_the_other_rules_say() {
    let mut store = Store::open_in_memory().unwrap();
    let ImportStart::Ready(mut import) = store
        .begin_import(request(
            "ds",
            "cut",
            Format::UnXml,
            ImportPolicy { allow_shrink: true, max_error_share: 1.0 },
        ))
        .unwrap()
    else {
        panic!("should start");
    };
    for entity in entities(&["a=A", "b=B"]) {
        import.entity(entity);
    }
    import.diagnostic(Diagnostic {
        file: "un.xml".into(),
        location: Location::Line(762),
        severity: Severity::Error,
        message: "file cut off: the file ends inside <INDIVIDUAL> at line 762".into(),
    });
    let summary = Summary {
        format: Format::UnXml,
        dataset: "ds".into(),
        header: Header::default(),
        records: 300,
        entities: 2,
        diagnostics: 1,
    };
    let report = import.finish(&summary).unwrap();
    let Outcome::Refused(Refusal::CutOff { message }) = report.outcome else {
        panic!("{report:?}")
    };
    assert!(message.starts_with("line 762: file cut off"), "{message}");
    assert_eq!(active(&store, "ds"), None);
}

#[test]
fn an_overridden_shrink_is_recorded() {
    let mut store = Store::open_in_memory().unwrap();
    import(&mut store, "ds", "v1", &["a=A", "b=B", "c=C"]);
    let policy = ImportPolicy { allow_shrink: true, ..ImportPolicy::default() };
    let report = run(&mut store, request("ds", "v2", Format::FtmJson, policy), Feed::of(&["a=A"]));
    assert_eq!(report.outcome, Outcome::Accepted);
    assert!(report.shrink_allowed);
    let event = store.events(0, 100).unwrap().into_iter().find(|e| e.subject == "ds@2").unwrap();
    assert!(event.details.contains("\"shrink_allowed\":true"), "{}", event.details);
}

#[test]
fn an_unreadable_file_is_refused_with_its_message() {
    let mut store = Store::open_in_memory().unwrap();
    import(&mut store, "ds", "v1", &["a=A"]);
    let ImportStart::Ready(mut import) =
        store.begin_import(request("ds", "bad", Format::UnXml, ImportPolicy::default())).unwrap()
    else {
        panic!("should start");
    };
    import.entity(person("b", "B"));
    let report = import.refuse("bad.xml: line 7: unexpected end of file").unwrap();
    let Outcome::Refused(refusal) = &report.outcome else { panic!("{report:?}") };
    assert!(refusal.to_string().contains("bad.xml: line 7"));
    assert_eq!(active(&store, "ds"), Some(1));
    assert!(store.entity("b").unwrap().is_none(), "nothing of the refused file is visible");
}

#[test]
fn an_abandoned_import_rolls_back() {
    let mut store = Store::open_in_memory().unwrap();
    import(&mut store, "ds", "v1", &["a=A"]);
    {
        let ImportStart::Ready(mut import) = store
            .begin_import(request("ds", "v2", Format::FtmJson, ImportPolicy::default()))
            .unwrap()
        else {
            panic!("should start");
        };
        import.entity(person("b", "B"));
        // Dropped without finish: an error path in the caller.
    }
    assert_eq!(active(&store, "ds"), Some(1));
    assert_eq!(store.versions("ds").unwrap().len(), 1);
    assert!(store.entity("b").unwrap().is_none());
    // The store is usable afterwards.
    assert_eq!(import(&mut store, "ds", "v2", &["a=A", "b=B"]).outcome, Outcome::Accepted);
    assert_eq!(active(&store, "ds"), Some(2));
}

#[test]
fn a_delta_changes_the_active_version() {
    let mut store = Store::open_in_memory().unwrap();
    import(&mut store, "os", "full", &["a=Ann", "b=Bob", "c=Cy"]);
    let delta = Feed {
        entities: entities(&["d=Dee", "b=Bob|Bobby"]),
        deleted: vec!["c", "zz-not-there"],
        records: 2,
        errors: 0,
    };
    let report =
        run(&mut store, request("os", "delta-1", Format::FtmDelta, ImportPolicy::default()), delta);
    assert_eq!(report.outcome, Outcome::Accepted, "{report:?}");
    assert_eq!((report.entities, report.deleted), (3, 1));
    let names: Vec<String> = store
        .active_entities(&EntityFilter::default())
        .unwrap()
        .iter()
        .map(|e| format!("{}={}", e.id, e.get(prop::ALIAS).join("|")))
        .collect();
    assert_eq!(names, ["a=", "b=Bobby", "d="]);
    let diff = store.diff("os", None, None).unwrap();
    assert_eq!((diff.from, diff.to), (Some(1), 2));
    assert_eq!(ids(&diff.added), ["d"]);
    assert_eq!(ids(&diff.removed), ["c"]);
    assert_eq!(ids(&diff.changed), ["b"]);
    assert_eq!(diff.changed[0].properties, ["alias"]);
    // The same delta file again changes nothing.
    let again = run(
        &mut store,
        request("os", "delta-1", Format::FtmDelta, ImportPolicy::default()),
        Feed::default(),
    );
    assert_eq!(again.outcome, Outcome::Unchanged);
}

#[test]
fn a_delta_without_a_base_starts_from_nothing() {
    let mut store = Store::open_in_memory().unwrap();
    let feed = Feed { entities: entities(&["a=Ann"]), deleted: vec!["b"], records: 1, errors: 0 };
    let report =
        run(&mut store, request("os", "d", Format::FtmDelta, ImportPolicy::default()), feed);
    assert_eq!((report.outcome, report.entities), (Outcome::Accepted, 1));
}

/// Diffs, data-driven: (older, newer, added, removed, changed with props).
#[test]
fn diff_reports_added_removed_and_changed_properties() {
    type Case<'a> =
        (&'a [&'a str], &'a [&'a str], &'a [&'a str], &'a [&'a str], &'a [(&'a str, &'a str)]);
    let cases: &[Case<'_>] = &[
        (&["a=A"], &["a=A", "b=B"], &["b"], &[], &[]),
        (&["a=A", "b=B"], &["b=B", "c=C"], &["c"], &["a"], &[]),
        (&["a=A", "b=B"], &["a=A2", "b=B|Bee"], &[], &[], &[("a", "name"), ("b", "alias")]),
        (&["a=A|X"], &["a=A2"], &[], &[], &[("a", "alias,name")]),
        (&["a=A", "b=B", "c=C"], &["a=A", "b=B", "c=C", "d=D"], &["d"], &[], &[]),
    ];
    for (older, newer, added, removed, changed) in cases {
        let mut store = Store::open_in_memory().unwrap();
        import(&mut store, "ds", "v1", older);
        import(&mut store, "ds", "v2", newer);
        let diff = store.diff("ds", Some(1), Some(2)).unwrap();
        assert_eq!(ids(&diff.added), *added, "{older:?} → {newer:?}");
        assert_eq!(ids(&diff.removed), *removed, "{older:?} → {newer:?}");
        let got: Vec<(String, String)> =
            diff.changed.iter().map(|c| (c.id.clone(), c.properties.join(","))).collect();
        let want: Vec<(String, String)> =
            changed.iter().map(|(id, p)| ((*id).to_owned(), (*p).to_owned())).collect();
        assert_eq!(got, want, "{older:?} → {newer:?}");
        // Defaults: previous vs active.
        assert_eq!(store.diff("ds", None, None).unwrap(), diff);
        // Reversed, additions and removals swap.
        let back = store.diff("ds", Some(2), Some(1)).unwrap();
        assert_eq!(ids(&back.added), *removed);
        assert_eq!(ids(&back.removed), *added);
    }
}

#[test]
fn diff_of_a_first_version_adds_everything_and_unknown_versions_are_errors() {
    let mut store = Store::open_in_memory().unwrap();
    import(&mut store, "ds", "v1", &["a=A", "b=B"]);
    let diff = store.diff("ds", None, None).unwrap();
    assert_eq!((diff.from, ids(&diff.added)), (None, vec!["a", "b"]));
    assert!(store.diff("ds", Some(7), None).unwrap_err().to_string().contains("no version 7"));
    assert!(store.diff("nope", None, None).unwrap_err().to_string().contains("nope"));
}

#[test]
fn the_same_id_twice_in_a_full_list_is_merged() {
    let mut store = Store::open_in_memory().unwrap();
    let report = import(&mut store, "ds", "v1", &["a=Ann", "a=Ann|Annie", "b=Bob"]);
    assert_eq!((report.entities, report.diagnostics.info), (2, 1));
    let a = store.entity("a").unwrap().unwrap().entity;
    assert_eq!(a.get(prop::ALIAS), ["Annie"]);
}

#[test]
fn entity_by_id_brings_its_adjacent_entities() {
    let mut store = Store::open_in_memory().unwrap();
    let mut sanction = Entity::new("s1", Schema::Sanction);
    sanction.add(prop::ENTITY, "p1");
    sanction.add(prop::PROGRAM, "SDGT");
    let mut ownership = Entity::new("o1", Schema::Ownership);
    ownership.add(prop::OWNER, "p1");
    ownership.add(prop::ASSET, "c1");
    let mut address = Entity::new("addr1", Schema::Address);
    address.add(prop::FULL, "Culiacán, Sinaloa");
    let mut p1 = person("p1", "Joaquín Guzmán Loera");
    p1.add(prop::ADDRESS_ENTITY, "addr1");
    let mut company = Entity::new("c1", Schema::Company);
    company.add(prop::NAME, "Front SA");
    let unrelated = person("p2", "Someone Else");
    let feed = Feed {
        records: 2,
        entities: vec![sanction, ownership, address, p1, company, unrelated],
        ..Feed::default()
    };
    run(&mut store, request("ds", "v1", Format::FtmJson, ImportPolicy::default()), feed);
    let detail = store.entity("p1").unwrap().unwrap();
    assert_eq!(detail.entity.caption(), "Joaquín Guzmán Loera");
    assert_eq!(detail.versions, ["ds@1"]);
    let adjacent: Vec<&str> = detail.adjacent.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(adjacent, ["addr1", "o1", "s1"]);
    let company = store.entity("c1").unwrap().unwrap();
    assert_eq!(company.adjacent.len(), 1);
    assert!(store.entity("missing").unwrap().is_none());

    // A newer version without the sanction: it is no longer adjacent.
    let feed = Feed {
        records: 1,
        entities: vec![person("p1", "Joaquín Guzmán Loera")],
        ..Feed::default()
    };
    let policy = ImportPolicy { allow_shrink: true, ..ImportPolicy::default() };
    run(&mut store, request("ds", "v2", Format::FtmJson, policy), feed);
    assert!(store.entity("p1").unwrap().unwrap().adjacent.is_empty());
}

#[test]
fn active_entities_filter_by_dataset_and_schema() {
    let mut store = Store::open_in_memory().unwrap();
    let mut sanction = Entity::new("s1", Schema::Sanction);
    sanction.add(prop::ENTITY, "a");
    let mut feed = Feed::of(&["a=Ann", "b=Bob"]);
    feed.entities.push(sanction);
    run(&mut store, request("one", "1", Format::FtmJson, ImportPolicy::default()), feed);
    import(&mut store, "two", "2", &["c=Cy"]);
    import(&mut store, "two", "3", &["c=Cy", "d=Dee"]);
    let check = |datasets: &[&str], matchable_only: bool, expected: &[&str]| {
        let filter = EntityFilter {
            datasets: datasets.iter().map(|d| (*d).to_owned()).collect(),
            matchable_only,
        };
        let got: Vec<String> =
            store.active_entities(&filter).unwrap().into_iter().map(|e| e.id).collect();
        assert_eq!(got, expected, "{datasets:?} {matchable_only}");
    };
    check(&[], false, &["a", "b", "s1", "c", "d"]);
    check(&[], true, &["a", "b", "c", "d"]);
    check(&["two"], false, &["c", "d"]);
    check(&["one", "two"], true, &["a", "b", "c", "d"]);
    check(&["three"], false, &[]);
    let entity = &store.active_entities(&EntityFilter::default()).unwrap()[0];
    assert_eq!(entity.datasets, ["one"], "the dataset is stamped when the parser gave none");
}

#[test]
fn activation_can_go_back_to_an_older_version() {
    let mut store = Store::open_in_memory().unwrap();
    import(&mut store, "ds", "v1", &["a=A"]);
    import(&mut store, "ds", "v2", &["a=A", "b=B"]);
    let v1 = store.activate("ds", 1, NOW, "test").unwrap();
    assert_eq!(v1.version, 1);
    assert_eq!(active(&store, "ds"), Some(1));
    assert!(store.entity("b").unwrap().is_none());
    assert!(store.activate("ds", 9, NOW, "test").is_err());
    let last = store.events(0, 100).unwrap().pop().unwrap();
    assert_eq!((last.action.as_str(), last.subject.as_str()), ("lists.activate", "ds@1"));
    // A new import after a rollback is numbered after the newest version.
    assert_eq!(import(&mut store, "ds", "v3", &["a=A", "c=C"]).active.unwrap().version, 3);
}

#[test]
fn every_change_is_audited_in_a_verifiable_chain() {
    let mut store = Store::open_in_memory().unwrap();
    import(&mut store, "ds", "v1", &["a=A", "b=B"]);
    import(&mut store, "ds", "v2", &[]);
    store.record_export(Some("ds"), 2, "stdout", NOW, "test").unwrap();
    let actions: Vec<(String, String)> =
        store.events(0, 100).unwrap().into_iter().map(|e| (e.action, e.subject)).collect();
    let expected = [
        ("lists.import", "ds@1"),
        ("lists.activate", "ds@1"),
        ("lists.import.refused", "ds@2"),
        ("lists.export", "ds"),
    ];
    let expected: Vec<(String, String)> =
        expected.iter().map(|(a, s)| ((*a).to_owned(), (*s).to_owned())).collect();
    assert_eq!(actions, expected);
    assert!(store.verify().unwrap().is_intact());
}

#[test]
fn merge_keeps_everything_both_records_said() {
    let mut a = person("x", "A");
    a.add(prop::ALIAS, "One");
    a.datasets = vec!["d1".into()];
    let mut b = person("x", "B");
    b.add(prop::ALIAS, "One");
    b.add(prop::BIRTH_DATE, "1960");
    b.datasets = vec!["d2".into()];
    b.target = Some(true);
    let merged = merge(a, b);
    assert_eq!(merged.get(prop::NAME), ["A", "B"]);
    assert_eq!(merged.get(prop::ALIAS), ["One"]);
    assert_eq!(merged.get(prop::BIRTH_DATE), ["1960"]);
    assert_eq!(merged.datasets, ["d1", "d2"]);
    assert_eq!(merged.target, Some(true));
}
