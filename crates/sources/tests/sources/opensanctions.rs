//! OpenSanctions formats: FollowTheMoney JSON lines, delta feeds (the index
//! and the delta lines), Senzing JSON.

// Helpers outside #[test] functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use vigia_model::{Diagnostic, Location, Severity};
use vigia_sources::{Collect, Format, Parsed, opensanctions, parse_bytes};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/opensanctions").join(name)
}

fn parse(format: Format, file: &str, text: &str) -> (Collect, Parsed) {
    let mut sink = Collect::default();
    let parsed = parse_bytes(format, file, text.as_bytes(), &mut sink).unwrap();
    (sink, parsed)
}

fn parse_fixture(format: Format, name: &str) -> (Collect, Parsed) {
    parse(format, name, &std::fs::read_to_string(fixture(name)).unwrap())
}

fn errors(sink: &Collect) -> u64 {
    sink.diagnostics.iter().filter(|d| d.severity == Severity::Error).count() as u64
}

fn listed(sink: &Collect) -> u64 {
    sink.entities.iter().filter(|e| e.schema.is_matchable()).count() as u64
}

/// Diagnostics with the fixture directory taken out of file names, so that
/// snapshots do not depend on where the repository is.
fn portable(diagnostics: &[Diagnostic]) -> Vec<Diagnostic> {
    let root = fixture("").display().to_string();
    diagnostics
        .iter()
        .map(|d| Diagnostic { file: d.file.replace(&root, ""), ..d.clone() })
        .collect()
}

#[test]
fn ftm_snapshot() {
    let (sink, parsed) = parse_fixture(Format::FtmJson, "entities.ftm.json");
    insta::assert_yaml_snapshot!("ftm_fixture_entities", sink.entities);
    insta::assert_yaml_snapshot!("ftm_fixture_diagnostics", sink.diagnostics);
    // Persons, the company and the vessel are listed; the address,
    // sanction, ownership and wallet are adjacent; three lines are broken.
    assert_eq!((listed(&sink), errors(&sink)), (4, 3));
    assert_eq!(parsed.records, 7);
    assert_eq!(sink.entities.len(), 8);
}

#[test]
fn ftm_entities_keep_their_datasets() {
    let (sink, _) = parse_fixture(Format::FtmJson, "entities.ftm.json");
    let person = &sink.entities[0];
    assert_eq!(person.datasets, ["eu_fsf", "gb_hmt_sanctions"]);
    assert_eq!(person.referents, ["gb-hmt-1", "eu-fsf-2"]);
    assert_eq!(person.last_change.as_deref(), Some("2023-07-26T20:01:14"));
    // An entity that names no dataset gets the import dataset; its empty
    // aliases are dropped.
    let internal = sink.entities.iter().find(|e| e.id == "internal-7").unwrap();
    assert_eq!(internal.datasets, ["opensanctions"]);
    assert!(!internal.has("alias"));
    // A schema Vigia does not model is kept as it is.
    let wallet = sink.entities.iter().find(|e| e.id == "wallet-1").unwrap();
    assert_eq!(wallet.schema.name(), "CryptoWallet");
    let lines: Vec<u64> = sink
        .diagnostics
        .iter()
        .map(|d| match d.location {
            Location::Line(line) => line,
            _ => 0,
        })
        .collect();
    assert_eq!(lines, [8, 9, 10]);
}

#[test]
fn delta_lines() {
    let text =
        std::fs::read_to_string(fixture("delta/20240102000000-bbb/entities.delta.json")).unwrap();
    let (sink, parsed) = parse(Format::FtmDelta, "entities.delta.json", &text);
    assert_eq!(sink.deleted, ["NK-o1"]);
    assert_eq!(sink.entities.len(), 1);
    assert_eq!(sink.entities[0].get("alias"), ["Vladimir Nikolajevitj PLOTNIKOV"]);
    let messages: Vec<String> = sink.diagnostics.iter().map(|d| d.to_string()).collect();
    insta::assert_yaml_snapshot!("delta_lines_diagnostics", messages);
    // One modified party and four dropped lines.
    assert_eq!(parsed.records, listed(&sink) + errors(&sink));
    assert_eq!(parsed.records, 5);
}

#[test]
fn delta_index_applies_versions_in_order() {
    let index = fixture("delta/delta.json");
    let sources = vigia_sources::plan(std::slice::from_ref(&index), None).unwrap();
    assert_eq!(sources.len(), 1);
    let source = &sources[0];
    assert_eq!(source.format, Format::FtmDeltaIndex);
    assert_eq!(source.dataset, "opensanctions");
    // The delta files found beside the index travel with it.
    assert_eq!(
        source.files,
        [
            index.clone(),
            fixture("delta/20240101000000-aaa/entities.delta.json"),
            fixture("delta/20240102000000-bbb/entities.delta.json"),
        ]
    );
    let (sink, summary) = vigia_sources::read_all(source).unwrap();
    let order: Vec<&str> = sink.entities.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(order, ["NK-p1", "NK-o1", "NK-s1", "NK-p1"]);
    assert_eq!(sink.deleted, ["NK-o1"]);
    assert_eq!(summary.header.published.as_deref(), Some("2024-01-03"));
    assert_eq!(summary.records, 2 + 5);
    assert_eq!(summary.entities, 4);
    insta::assert_yaml_snapshot!("delta_index_diagnostics", portable(&sink.diagnostics));
}

#[test]
fn a_directory_with_an_index_reads_each_delta_once() {
    let survey = vigia_sources::survey(&[fixture("delta")], None).unwrap();
    let formats: Vec<Format> = survey.sources.iter().map(|s| s.format).collect();
    assert_eq!(formats, [Format::FtmDeltaIndex]);
    assert!(survey.skipped.is_empty());
}

#[test]
fn delta_index_in_memory_finds_no_files() {
    let text = std::fs::read_to_string(fixture("delta/delta.json")).unwrap();
    let (sink, parsed) = parse(Format::FtmDeltaIndex, "delta.json", &text);
    assert_eq!(parsed.records, 0);
    assert_eq!(sink.diagnostics.len(), 3);
    assert!(
        sink.diagnostics
            .iter()
            .all(|d| d.severity == Severity::Warning && d.message.contains("not found"))
    );
    let mut sink = Collect::default();
    let err = parse_bytes(Format::FtmDeltaIndex, "delta.json", b"{\"versions\": 3}", &mut sink)
        .unwrap_err();
    assert!(
        err.to_string().contains("delta.json") && err.to_string().contains("delta index"),
        "{err}"
    );
}

#[test]
fn delta_index_read_directly() {
    let mut sink = Collect::default();
    let parsed =
        opensanctions::parse_delta_index(&fixture("delta/delta.json"), "os", &mut sink).unwrap();
    assert_eq!(parsed.records, 7);
    assert_eq!(sink.deleted, ["NK-o1"]);
    let missing: Vec<&Diagnostic> =
        sink.diagnostics.iter().filter(|d| d.message.contains("not found")).collect();
    assert_eq!(missing.len(), 1);
    assert!(missing[0].message.contains("20240103000000-ccc"));
}

#[test]
fn senzing_snapshot() {
    let (sink, parsed) = parse_fixture(Format::SenzingJson, "senzing.json");
    insta::assert_yaml_snapshot!("senzing_fixture_entities", sink.entities);
    insta::assert_yaml_snapshot!("senzing_fixture_diagnostics", sink.diagnostics);
    // Five parties; the anchor and the address are skipped; three lines
    // are dropped (no name, no id, broken JSON).
    assert_eq!((listed(&sink), errors(&sink)), (5, 3));
    assert_eq!(parsed.records, 8);
}

#[test]
fn senzing_features() {
    let (sink, _) = parse_fixture(Format::SenzingJson, "senzing.json");
    let person = &sink.entities[0];
    assert_eq!(person.get("name"), ["Vladimir Nikolaevich PLOTNIKOV"]);
    assert_eq!(person.get("alias"), ["Владимир Николаевич ПЛОТНИКОВ", "Vladimir Plotnikov"]);
    assert_eq!(person.get("birthDate"), ["1961-11-30"]);
    assert_eq!(person.get("nationality"), ["ru"]);
    assert_eq!(person.get("citizenship"), ["ru"]);
    assert_eq!(person.get("gender"), ["male"]);
    assert_eq!(person.get("wikidataId"), ["Q4365364"]);
    assert_eq!(person.referents, ["NK-old-p1"]);
    assert_eq!(person.get("topics"), ["sanction", "role.pep"]);
    // Flat attributes are read like grouped ones.
    let flat = sink.entities.iter().find(|e| e.id == "1001").unwrap();
    assert_eq!(flat.get("name"), ["Ana Pérez"]);
    assert_eq!(flat.get("birthDate"), ["1980-05-04"]);
    assert_eq!(flat.get("address"), ["Av. Reforma 1, Ciudad de México, MX"]);
    // Only aliases: the first is the name.
    let aliases = sink.entities.iter().find(|e| e.id == "NK-aliases").unwrap();
    assert_eq!(aliases.get("name"), ["El Mencho"]);
    assert_eq!(aliases.get("alias"), ["Nemesio Oseguera Cervantes"]);
    let untyped = sink.entities.iter().find(|e| e.id == "NK-untyped").unwrap();
    assert_eq!(untyped.schema.name(), "LegalEntity");
}

#[test]
fn detected() {
    let check = |file: &str, expected: Format| {
        let text = std::fs::read_to_string(fixture(file)).unwrap();
        assert_eq!(vigia_sources::detect(&text), Some(expected), "{file}");
        assert_eq!(vigia_sources::detect_file(&fixture(file)).unwrap(), expected, "{file}");
    };
    check("entities.ftm.json", Format::FtmJson);
    check("senzing.json", Format::SenzingJson);
    check("delta/delta.json", Format::FtmDeltaIndex);
    check("delta/20240101000000-aaa/entities.delta.json", Format::FtmDelta);
}

#[test]
fn delta_files_named_beside_their_index_are_read_once() {
    let index = fixture("delta/delta.json");
    let spelled = fixture("delta/./20240101000000-aaa/entities.delta.json");
    let sources = vigia_sources::plan(&[spelled, index.clone(), index], None).unwrap();
    let formats: Vec<Format> = sources.iter().map(|s| s.format).collect();
    assert_eq!(formats, [Format::FtmDeltaIndex]);
}
