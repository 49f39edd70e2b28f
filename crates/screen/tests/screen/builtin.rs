//! Golden screening cases against the built-in watchlist: what must be
//! found, and what must not.

use std::sync::{Arc, OnceLock};

use vigia_index::{IndexBuilder, IndexConfig, Scratch};
use vigia_model::{Entity, Schema, prop};
use vigia_screen::{Query, ScreenConfig, Screener};

fn screener() -> &'static Screener {
    static SCREENER: OnceLock<Screener> = OnceLock::new();
    SCREENER.get_or_init(|| {
        let mut builder = IndexBuilder::new(IndexConfig::default());
        builder.extend(vigia_sources::builtin::entities());
        Screener::new(Arc::new(builder.finish()), "vigia_builtin@test")
    })
}

/// Screens `name` as `schema` and checks the best match: `Some(id)` must be
/// the top result and a match; `None` means no match at all.
fn check(schema: Schema, name: &str, extra: &[(&str, &str)], expected: Option<&str>) {
    let mut entity = Entity::new("q", schema);
    entity.add(prop::NAME, name);
    for (property, value) in extra {
        entity.add(property, value);
    }
    let query = Query { id: "q".into(), entity };
    let result = screener().screen(&query, &ScreenConfig::default(), &mut Scratch::new());
    let top = result.results.first().filter(|r| r.is_match);
    match (expected, top) {
        (Some(id), Some(top)) => assert_eq!(top.id, id, "{name}: {top:#?}"),
        (Some(id), None) => panic!("{name}: expected {id}, got no match: {:#?}", result.results),
        (None, Some(top)) => panic!("{name}: expected no match, got {top:#?}"),
        (None, None) => {}
    }
}

#[test]
fn finds_the_designated_cartels() {
    let org = Schema::Organization;
    let cases: &[(&str, Option<&str>)] = &[
        ("Cártel del Golfo(CDG)", Some("vigia-cartel-del-golfo")),
        ("Cartel del Golfo", Some("vigia-cartel-del-golfo")),
        ("Gulf Cartel", Some("vigia-cartel-del-golfo")),
        ("CJNG", Some("vigia-cjng")),
        ("Cartel de Jalisco Nueva Generacion", Some("vigia-cjng")),
        ("MS-13", Some("vigia-ms-13")),
        ("MS13", Some("vigia-ms-13")),
        ("Mara Salvatrucha", Some("vigia-ms-13")),
        ("Tren de Aragua", Some("vigia-tren-de-aragua")),
        ("Carteles Unidos", Some("vigia-carteles-unidos")),
        ("Sinaloa Cartel", Some("vigia-cartel-de-sinaloa")),
        ("La Nueva Familia Michoacana", Some("vigia-lnfm")),
        ("Cartel del Noreste", Some("vigia-cartel-del-noreste")),
    ];
    for (name, expected) in cases {
        check(org.clone(), name, &[], *expected);
    }
}

#[test]
fn finds_persons_by_partial_and_reordered_names() {
    let person = Schema::Person;
    check(person.clone(), "Joaquín Guzmán", &[], Some("vigia-guzman-loera"));
    check(person.clone(), "Joaquin Guzman Loera", &[], Some("vigia-guzman-loera"));
    check(person.clone(), "GUZMAN LOERA, Joaquin", &[], Some("vigia-guzman-loera"));
    check(person.clone(), "Joaquin Guzmann", &[], Some("vigia-guzman-loera"));
    check(
        person.clone(),
        "Ismael Zambada",
        &[(prop::BIRTH_DATE, "1948-01-01")],
        Some("vigia-zambada-garcia"),
    );
    check(person.clone(), "Nemesio Oseguera", &[], Some("vigia-oseguera-cervantes"));
}

#[test]
fn does_not_drown_analysts() {
    check(Schema::Organization, "CORP", &[], None);
    check(Schema::Organization, "Cartel", &[], None);
    check(Schema::Person, "George Bush", &[], None);
    check(Schema::Person, "Joaquin Phoenix", &[], None);
    check(Schema::Organization, "Barrio 18", &[], None);
    // A person is not an organisation: the query's schema rules out the cartels.
    check(Schema::Person, "Tren de Aragua", &[], None);
}
