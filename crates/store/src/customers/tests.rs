use vigia_model::Schema;

use super::*;
use crate::{AuditLog, Verification};

fn person(id: &str, pairs: &[(&str, &str)]) -> Entity {
    let mut entity = Entity::new(id, Schema::Person);
    for (property, value) in pairs {
        entity.add(property, value);
    }
    entity
}

fn request(source: &str, at: &str) -> CustomerImportRequest {
    CustomerImportRequest {
        source: source.into(),
        content_hash: String::new(),
        at: at.into(),
        actor: "test".into(),
        deactivate_missing: false,
    }
}

#[test]
fn import_versions_by_what_screening_reads() {
    let mut store = Store::open_in_memory().unwrap();
    let first = vec![
        person("c1", &[("name", "Ana Ruiz"), ("address", "Calle 1")]),
        person("c2", &[("name", "Bo Li")]),
    ];
    let report = store.import_customers(&request("a.csv", "2026-01-01T00:00:00Z"), &first).unwrap();
    assert_eq!((report.received, report.added, report.changed, report.unchanged), (2, 2, 0, 0));
    let c1 = store.customer("c1").unwrap().unwrap();
    assert_eq!(c1.version, 1);
    assert!(c1.pending());
    // The address is not kept: screening does not read it.
    assert!(!c1.entity.has("address"));

    // The same customers with another address: nothing changes.
    let moved = vec![
        person("c1", &[("name", "Ana Ruiz"), ("address", "Calle 2")]),
        person("c2", &[("name", "Bo Li")]),
    ];
    let report = store.import_customers(&request("b.csv", "2026-01-02T00:00:00Z"), &moved).unwrap();
    assert_eq!((report.added, report.changed, report.unchanged), (0, 0, 2));

    // A birth date: a new version.
    let dated = vec![person("c1", &[("name", "Ana Ruiz"), ("birthDate", "1980")])];
    let report = store.import_customers(&request("c.csv", "2026-01-03T00:00:00Z"), &dated).unwrap();
    assert_eq!((report.changed, report.unchanged), (1, 0));
    let versions = store.customer_versions("c1").unwrap();
    assert_eq!(versions.iter().map(|v| v.version).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(versions[1].entity.first("birthDate"), Some("1980"));
    assert_eq!(versions[1].import, report.import);
    assert_eq!(store.customer("c1").unwrap().unwrap().version, 2);
    assert_eq!(store.verify().unwrap(), store.verify().unwrap());
    assert!(store.verify().unwrap().is_intact());
    let events = store.events(0, 100).unwrap();
    assert_eq!(events.iter().filter(|e| e.action == "customers.import").count(), 3);
}

#[test]
fn bad_input_registers_nothing() {
    let mut store = Store::open_in_memory().unwrap();
    let cases: Vec<(Vec<Entity>, &str)> = vec![
        (vec![person("", &[("name", "A")])], "customer 1 (): the customer has no id"),
        (
            vec![person("c1", &[("name", "A")]), person("c1", &[("name", "B")])],
            "customer 2 (c1): the id is given twice",
        ),
        (
            vec![person("c1", &[("name", "A")]), person("c2", &[("notes", "x")])],
            "customer 2 (c2): the customer has no name",
        ),
        (vec![Entity::new("s1", Schema::Sanction)], "schema Sanction cannot be screened"),
    ];
    for (customers, message) in cases {
        let err =
            store.import_customers(&request("x", "2026-01-01T00:00:00Z"), &customers).unwrap_err();
        assert!(err.to_string().contains(message), "{err} / {message}");
        assert_eq!(store.customer_counts().unwrap(), CustomerCounts::default());
    }
    assert!(store.events(0, 10).unwrap().is_empty());
}

#[test]
fn deactivation_and_reactivation() {
    let mut store = Store::open_in_memory().unwrap();
    let all = vec![
        person("c1", &[("name", "Ana Ruiz")]),
        person("c2", &[("name", "Bo Li")]),
        person("c3", &[("name", "Cy Twombly")]),
    ];
    store.import_customers(&request("a", "2026-01-01T00:00:00Z"), &all).unwrap();
    let err = store
        .deactivate_customers(&["nobody".into()], "left", "2026-01-02T00:00:00Z", "test")
        .unwrap_err();
    assert!(err.to_string().contains("nobody"), "{err}");
    assert!(store.deactivate_customers(&["c1".into()], " ", "2026-01-02T00:00:00Z", "t").is_err());
    store
        .deactivate_customers(&["c1".into()], "account closed", "2026-01-02T00:00:00Z", "t")
        .unwrap();
    let c1 = store.customer("c1").unwrap().unwrap();
    assert!(!c1.active);
    assert_eq!(c1.inactive_reason.as_deref(), Some("account closed"));
    assert_eq!(store.customer_counts().unwrap().active, 2);

    // The whole base without c2: c2 is deactivated; c1 is back.
    let mut base = request("base.csv", "2026-01-03T00:00:00Z");
    base.deactivate_missing = true;
    let report = store.import_customers(&base, &[all[0].clone(), all[2].clone()]).unwrap();
    assert_eq!((report.reactivated, report.unchanged, report.deactivated), (1, 1, 1));
    assert!(store.customer("c1").unwrap().unwrap().active);
    assert!(store.customer("c1").unwrap().unwrap().pending());
    let c2 = store.customer("c2").unwrap().unwrap();
    assert_eq!(c2.inactive_reason.as_deref(), Some("not in the import of base.csv"));
    let listed = store.customers(&CustomerFilter::default()).unwrap();
    assert_eq!(listed.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["c1", "c3"]);
    let listed = store
        .customers(&CustomerFilter { inactive: true, limit: 2, ..Default::default() })
        .unwrap();
    assert_eq!(listed.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["c1", "c2"]);
    let listed = store
        .customers(&CustomerFilter {
            inactive: true,
            after: Some("c1".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(listed.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["c2", "c3"]);
    let mut subjects = Vec::new();
    store
        .for_each_screening_subject(false, &mut |s| {
            subjects.push(s.id);
            true
        })
        .unwrap();
    assert_eq!(subjects, ["c1", "c3"]);
    assert!(matches!(store.verify().unwrap(), Verification::Intact { .. }));
}

#[test]
fn versions_are_append_only() {
    let mut store = Store::open_in_memory().unwrap();
    store
        .import_customers(
            &request("a", "2026-01-01T00:00:00Z"),
            &[person("c1", &[("name", "A B")])],
        )
        .unwrap();
    let err = store.conn.execute("UPDATE customer_versions SET body = '{}'", []).unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    let err = store.conn.execute("DELETE FROM customer_versions", []).unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
}
