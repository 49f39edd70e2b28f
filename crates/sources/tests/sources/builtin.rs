//! The built-in watchlist parses completely and holds what its README says.

use vigia_model::{Schema, prop};
use vigia_sources::builtin;

#[test]
fn every_line_parses() {
    let lines = builtin::FTM_JSON.lines().filter(|l| !l.trim().is_empty()).count();
    assert_eq!(builtin::entities().len(), lines);
}

#[test]
fn holds_the_february_2025_designations() {
    let entities = builtin::entities();
    let names: Vec<&str> =
        entities.iter().filter(|e| e.schema == Schema::Organization).map(|e| e.caption()).collect();
    for expected in [
        "Tren de Aragua",
        "Mara Salvatrucha",
        "Cártel de Sinaloa",
        "Cártel de Jalisco Nueva Generación",
        "Cárteles Unidos",
        "Cártel del Noreste",
        "Cártel del Golfo",
        "La Nueva Familia Michoacana",
    ] {
        assert!(names.contains(&expected), "missing {expected}");
    }
    let fto = entities
        .iter()
        .filter(|e| e.schema == Schema::Sanction && e.get(prop::PROGRAM).iter().any(|p| p == "FTO"))
        .count();
    assert_eq!(fto, 8);
}

#[test]
fn ids_are_unique_and_references_resolve() {
    let entities = builtin::entities();
    let mut ids: Vec<&str> = entities.iter().map(|e| e.id.as_str()).collect();
    ids.sort_unstable();
    let before = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), before, "duplicate ids");
    for entity in &entities {
        for property in prop::ENTITY_PROPERTIES {
            for target in entity.get(property) {
                assert!(ids.binary_search(&target.as_str()).is_ok(), "{} -> {target}", entity.id);
            }
        }
        assert!(entity.datasets.iter().any(|d| d == builtin::DATASET));
    }
}
