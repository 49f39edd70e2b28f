//! Generic CSV watchlists with a column mapping.

// Helpers outside #[test] functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use vigia_model::{Entity, Schema, Severity};
use vigia_sources::generic::{self, DateOrder, Mapping, Target};
use vigia_sources::{Collect, Error, Format, Parsed, ReadOptions, Source, parse_bytes};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/generic").join(name)
}

fn parse_with(text: &str, mapping: Option<&Mapping>) -> Result<(Collect, Parsed), Error> {
    let mut sink = Collect::default();
    let parsed = generic::parse(text.as_bytes(), "list.csv", "internal", mapping, &mut sink)?;
    Ok((sink, parsed))
}

/// An entity as compact text: schema and id, then one line per property.
fn render(entity: &Entity) -> String {
    let mut out = format!("{} {}", entity.schema, entity.id);
    for (property, values) in &entity.properties {
        out.push_str(&format!("\n{property}: {}", values.join(" | ")));
    }
    out
}

/// A CSV (header and one row) read with the default mapping → its party.
fn check(csv: &str, expected: &str) {
    let (sink, _) = parse_with(csv, None).unwrap();
    assert_eq!(sink.entities.len(), 1, "{csv}: {:#?}", sink.diagnostics);
    assert_eq!(render(&sink.entities[0]), expected.trim(), "{csv}");
}

#[test]
fn fixture_snapshot() {
    let bytes = std::fs::read(fixture("watchlist.csv")).unwrap();
    let mut sink = Collect::default();
    let parsed = parse_bytes(Format::GenericCsv, "watchlist.csv", &bytes, &mut sink).unwrap();
    insta::assert_yaml_snapshot!("generic_fixture_entities", sink.entities);
    insta::assert_yaml_snapshot!("generic_fixture_diagnostics", sink.diagnostics);
    // Nine rows with data (a blank line and a row of empty cells are not
    // rows); one has no name.
    assert_eq!(parsed.records, 8);
    let errors = sink.diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
    assert_eq!((sink.entities.len(), errors), (7, 1));
}

#[test]
fn default_mapping() {
    check(
        "id,name,aliases,schema,birth_date,nationality,passport\n7,Juan Pérez,El Gordo; Juanito,person,03/05/1970,Mexican,P1\n",
        "
Person 7
alias: El Gordo | Juanito
birthDate: 1970-05-03
name: Juan Pérez
nationality: mx
passportNumber: P1",
    );
    // Without a schema column, rows are legal entities (matched by person
    // and organisation queries alike); without an id, the id is a stable
    // key of the name.
    check(
        "Full Name;Country\nCártel del Golfo;México\n",
        "
LegalEntity internal-212aa2c195dcdbc9
country: mx
name: Cártel del Golfo",
    );
    // Name parts make a name when there is no name.
    check(
        "id\tfirst_name\tlast_name\tsex\n1\tAna\tLópez\tF\n",
        "
LegalEntity 1
firstName: Ana
gender: female
lastName: López
name: Ana López",
    );
    // Notes are free text, not split.
    check(
        "name,notes,topics\nX Corp,a; b,Sanction; crime.fraud\n",
        "
LegalEntity internal-2807ebd434001423
name: X Corp
notes: a; b
topics: sanction | crime.fraud",
    );
}

#[test]
fn custom_mapping() {
    let mapping = Mapping::read(&fixture("custom.toml")).unwrap();
    let source = Source::new(Format::GenericCsv, fixture("custom.csv"), Some("fiu_notices"));
    let mut sink = Collect::default();
    let options = ReadOptions { mapping: Some(mapping) };
    let summary = vigia_sources::read_with(&source, &options, &mut sink).unwrap();
    assert_eq!(summary.records, 2);
    assert_eq!(summary.dataset, "fiu_notices");
    let rendered: Vec<String> = sink.entities.iter().map(render).collect();
    assert_eq!(
        rendered,
        [
            "Person R1\nalias: A. Ben Salah | Ahmad Bensalah\nbirthDate: 1975-06-12\ncountry: tn\nname: Ahmed Ben Salah",
            "Person R2\nbirthDate: 1982\ncountry: lb\nname: Karim Haddad",
        ]
    );
    assert!(sink.diagnostics.is_empty(), "{:#?}", sink.diagnostics);
    assert_eq!(sink.entities[0].datasets, ["fiu_notices"]);
}

#[test]
fn mapping_built_in_code() {
    let mapping = Mapping::default()
        .with_column("Client", Target::Id)
        .with_column("Nombre", Target::Property("name".into()))
        .with_column("Segment", Target::Ignore);
    let (sink, _) =
        parse_with("Client,Nombre,Segment,Unknown\nK1,Rosa Díaz,retail,x\n", Some(&mapping))
            .unwrap();
    assert_eq!(render(&sink.entities[0]), "LegalEntity K1\nname: Rosa Díaz");
    assert_eq!(sink.diagnostics.len(), 1);
    assert!(sink.diagnostics[0].message.contains("columns not read: Unknown"));
    let person = Mapping::default().with_schema(Schema::Person);
    let (sink, _) = parse_with("name\nRosa Díaz\n", Some(&person)).unwrap();
    assert_eq!(sink.entities[0].schema, Schema::Person);
}

#[test]
fn date_orders() {
    let dates = |mapping: &Mapping| {
        let csv = "name,dob\nA,04/05/1980\nB,12/31/1980\nC,1980-04-05\nD,Apr 1980\n";
        let (sink, _) = parse_with(csv, Some(mapping)).unwrap();
        sink.entities.iter().map(|e| e.get("birthDate").join(" ")).collect::<Vec<_>>()
    };
    assert_eq!(dates(&Mapping::default()), ["1980-05-04", "1980-12-31", "1980-04-05", "1980-04"]);
    let us = Mapping::default().with_date_order(DateOrder::MonthFirst);
    assert_eq!(dates(&us), ["1980-04-05", "1980-12-31", "1980-04-05", "1980-04"]);
}

#[test]
fn semicolon_files_split_at_bars() {
    let (sink, _) = parse_with("name;aliases\nA;B|C\n", None).unwrap();
    assert_eq!(sink.entities[0].get("alias"), ["B", "C"]);
}

#[test]
fn duplicate_ids_keep_both_rows() {
    let (sink, _) = parse_with("id,name\n1,A\n1,B\n1,C\n", None).unwrap();
    let ids: Vec<&str> = sink.entities.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["1", "1-2", "1-3"]);
    assert_eq!(sink.diagnostics.iter().filter(|d| d.severity == Severity::Warning).count(), 2);
}

#[test]
fn derived_ids_are_stable() {
    let id = |csv: &str| parse_with(csv, None).unwrap().0.entities[0].id.clone();
    assert_eq!(id("name,notes\nMaría  Gómez,a\n"), id("notes,name\nb,MARÍA GÓMEZ\n"));
    assert_ne!(id("name,dob\nMaría Gómez,1965\n"), id("name,dob\nMaría Gómez,1966\n"));
}

#[test]
fn files_without_names_are_refused() {
    let err = parse_with("customer_id,segment\n1,retail\n", None).unwrap_err().to_string();
    assert!(err.contains("list.csv") && err.contains("no column holds names"), "{err}");
    let err = parse_with("", None).unwrap_err().to_string();
    assert!(err.contains("empty"), "{err}");
    let strict = Mapping::from_toml_str("well_known_headers = false").unwrap();
    assert!(parse_with("name\nA\n", Some(&strict)).is_err());
}

#[test]
fn mapping_files() {
    let json = r#"{"separator": "/", "schema": "Company", "columns": {"Razón social": "name", "RFC": "taxNumber"}}"#;
    let mapping = Mapping::from_json_str(json).unwrap();
    let (sink, _) =
        parse_with("Razón social,RFC\nAcme S.A.,AAA010101AAA\n", Some(&mapping)).unwrap();
    assert_eq!(render(&sink.entities[0]).lines().next(), Some("Company internal-1dbe3facd4410e98"));
    assert_eq!(sink.entities[0].get("taxNumber"), ["AAA010101AAA"]);
    let err = Mapping::read(&fixture("missing.toml")).unwrap_err().to_string();
    assert!(err.contains("missing.toml"), "{err}");
    let err = Mapping::from_toml_str("[columns]\n\"x\" = \"Not valid\"").unwrap_err().to_string();
    assert!(err.contains("column \"x\""), "{err}");
}

#[test]
fn detection_needs_a_name_column() {
    let check = |head: &str, expected: Option<Format>| {
        assert_eq!(vigia_sources::detect(head), expected, "{head}")
    };
    check("id,name,birth_date\n1,A,1970\n", Some(Format::GenericCsv));
    check("Full Name;Nationality\n", Some(Format::GenericCsv));
    check("id,name,birth_date,nationality,country,id_number,address\n", Some(Format::GenericCsv));
    check("id,surname\n", None);
    check("Timestamp,From Bank,Account,To Bank,Account,Amount Received\n", None);
    check("name,1970\n", None);
}
