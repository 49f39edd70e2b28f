//! The re-open rules as a table: each row is a change to one side and the
//! reasons it must produce, `!` marking the material ones.

use vigia_model::{Entity, Schema};

use super::*;

fn entity(schema: Schema, pairs: &[(&str, &str)]) -> Entity {
    let mut entity = Entity::new("x", schema);
    for (property, value) in pairs {
        entity.add(property, value);
    }
    entity
}

/// Compares `old` with `new` on `side` and checks the reasons: material
/// ones start with `!`.
fn check(side: Side, old: &[(&str, &str)], new: &[(&str, &str)], expected: &[&str]) {
    check_schema(side, (Schema::Person, old), (Schema::Person, new), expected);
}

fn check_schema(
    side: Side,
    old: (Schema, &[(&str, &str)]),
    new: (Schema, &[(&str, &str)]),
    expected: &[&str],
) {
    let changes = compare(side, &entity(old.0, old.1), &entity(new.0, new.1));
    let got: Vec<String> = changes
        .iter()
        .map(|c| if c.material { format!("!{}", c.reason) } else { c.reason.clone() })
        .collect();
    assert_eq!(got, expected, "\nold: {:?}\nnew: {:?}", old.1, new.1);
}

const BASE: &[(&str, &str)] = &[
    ("name", "Nemesio OSEGUERA CERVANTES"),
    ("alias", "El Mencho"),
    ("birthDate", "1966-07-17"),
    ("nationality", "mx"),
    ("gender", "male"),
    ("passportNumber", "A123456"),
    ("address", "Jalisco"),
    ("notes", "Leader of CJNG"),
    ("topics", "sanction"),
];

fn with(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&str, &str)> = BASE.to_vec();
    out.extend_from_slice(extra);
    out
}

fn without(property: &str) -> Vec<(&'static str, &'static str)> {
    BASE.iter().filter(|(p, _)| *p != property).copied().collect()
}

fn replaced(property: &str, value: &'static str) -> Vec<(&'static str, &'static str)> {
    BASE.iter().map(|(p, v)| if *p == property { (*p, value) } else { (*p, *v) }).collect()
}

#[test]
fn nothing_changed() {
    check(Side::Listed, BASE, BASE, &[]);
}

#[test]
fn names() {
    let l = Side::Listed;
    check(l, BASE, &with(&[("alias", "Mencho")]), &["!new alias 'Mencho' on the listed entity"]);
    check(
        l,
        BASE,
        &with(&[("weakAlias", "Señor de los Gallos")]),
        &["!new weak alias 'Señor de los Gallos' on the listed entity"],
    );
    check(
        l,
        BASE,
        &with(&[("previousName", "Rubén Oseguera")]),
        &["!new former name 'Rubén Oseguera' on the listed entity"],
    );
    check(
        Side::Customer,
        BASE,
        &replaced("name", "Nemesio OSEGUERA"),
        &["!customer name changed: 'Nemesio OSEGUERA CERVANTES' → 'Nemesio OSEGUERA'"],
    );
    check(
        l,
        BASE,
        &with(&[("lastName", "Oseguera")]),
        &["!new last name 'Oseguera' on the listed entity"],
    );
    // A removed name can only weaken the match that was cleared.
    check(l, BASE, &without("alias"), &["alias 'El Mencho' removed from the listed entity"]);
    // Two names out, one in: the addition is material, the removals not.
    let old = with(&[("alias", "Mencho")]);
    check(
        l,
        &old,
        &replaced("alias", "CJNG boss"),
        &[
            "!new alias 'CJNG boss' on the listed entity",
            "alias 'El Mencho' removed from the listed entity",
            "alias 'Mencho' removed from the listed entity",
        ],
    );
}

#[test]
fn names_compare_folded() {
    // Case, accents, punctuation and spacing are not changes.
    for same in
        ["NEMESIO OSEGUERA CERVANTES", "Némesio  Oseguera-Cervantes", "nemesio oseguera, cervantes"]
    {
        check(Side::Listed, BASE, &replaced("name", same), &[]);
    }
    check(Side::Listed, BASE, &replaced("alias", "EL MENCHO"), &[]);
}

#[test]
fn evidence() {
    let l = Side::Listed;
    check(l, &without("birthDate"), BASE, &["!birth date '1966-07-17' added on the listed entity"]);
    check(
        l,
        BASE,
        &without("birthDate"),
        &["!birth date '1966-07-17' removed from the listed entity"],
    );
    check(
        l,
        BASE,
        &replaced("birthDate", "1966"),
        &["!listed entity birth date changed: '1966-07-17' → '1966'"],
    );
    // The same date written another way is not a change.
    check(l, BASE, &replaced("birthDate", "17 Jul 1966"), &[]);
    check(
        Side::Customer,
        BASE,
        &with(&[("nationality", "us")]),
        &["!nationality 'us' added on the customer"],
    );
    // A country name for the same code is not a change.
    check(l, BASE, &replaced("nationality", "Mexico"), &[]);
    check(
        l,
        BASE,
        &with(&[("citizenship", "gt")]),
        &["!citizenship 'gt' added on the listed entity"],
    );
    check(l, BASE, &replaced("gender", "m"), &[]);
    check(
        l,
        BASE,
        &replaced("gender", "female"),
        &["!listed entity gender changed: 'male' → 'female'"],
    );
    check(
        l,
        BASE,
        &with(&[("idNumber", "CURP OECN660717")]),
        &["!identifier 'CURP OECN660717' added on the listed entity"],
    );
    // Identifiers compare normalised.
    check(l, BASE, &replaced("passportNumber", "a-123 456"), &[]);
    check(
        Side::Customer,
        BASE,
        &without("passportNumber"),
        &["!passport number 'A123456' removed from the customer"],
    );
}

#[test]
fn what_screening_does_not_read_is_recorded_but_not_material() {
    let l = Side::Listed;
    check(
        l,
        BASE,
        &replaced("address", "Guadalajara"),
        &["address changed on the listed entity (not screened)"],
    );
    check(
        l,
        BASE,
        &replaced("notes", "Leader of CJNG since 2010"),
        &["notes changed on the listed entity (not screened)"],
    );
    check(
        l,
        BASE,
        &with(&[("topics", "crime.terror")]),
        &["topics changed on the listed entity (not screened)"],
    );
    check(
        l,
        BASE,
        &with(&[("program", "SDGT")]),
        &["program changed on the listed entity (not screened)"],
    );
    check(l, BASE, &without("address"), &["address changed on the listed entity (not screened)"]);
    // An original-script name is not screened either.
    check(
        l,
        BASE,
        &with(&[("originalName", "Немесио")]),
        &["originalName changed on the listed entity (not screened)"],
    );
}

#[test]
fn schema() {
    check_schema(
        Side::Listed,
        (Schema::Person, BASE),
        (Schema::Organization, BASE),
        &["!listed entity schema changed: Person → Organization"],
    );
}

#[test]
fn review_covers_both_sides() {
    let customer = entity(Schema::Person, &[("name", "Ana Ruiz"), ("birthDate", "1980")]);
    let listed = entity(Schema::Person, BASE);
    let same = review(&customer, &listed, &customer, &listed);
    assert!(!same.matters());
    assert!(same.changes.is_empty());

    let mut moved = customer.clone();
    moved.add("address", "Calle 2");
    let mut renamed = listed.clone();
    renamed.add("alias", "Ana R.");
    let r = review(&customer, &listed, &moved, &renamed);
    assert!(r.matters());
    assert_eq!(r.reasons(), ["new alias 'Ana R.' on the listed entity"]);
    assert_eq!(r.immaterial(), ["address changed on the customer (not screened)"]);
    assert_eq!(r.summary(), "new alias 'Ana R.' on the listed entity");

    let r = review(&customer, &listed, &moved, &listed);
    assert!(!r.matters());
}
