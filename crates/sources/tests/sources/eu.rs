//! EU Financial Sanctions Files (FSF) XML.

// The helpers of a test module are test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::time::Instant;

use vigia_model::{Entity, Location, Severity};
use vigia_sources::{Collect, Error, Parsed, eu};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/eu").join(name)
}

fn parse_file(path: &Path) -> (Collect, Parsed) {
    let mut sink = Collect::default();
    let input = BufReader::new(File::open(path).unwrap());
    let parsed = eu::parse(input, "fsf.xml", "eu_fsf", &mut sink).unwrap();
    (sink, parsed)
}

fn parse_text(text: &str) -> Result<(Collect, Parsed), Error> {
    let mut sink = Collect::default();
    let parsed = eu::parse(text.as_bytes(), "t.xml", "eu_fsf", &mut sink)?;
    Ok((sink, parsed))
}

fn kinds(sink: &Collect) -> BTreeMap<String, usize> {
    let mut kinds = BTreeMap::new();
    for d in &sink.diagnostics {
        let kind = d.message.split(':').next().unwrap_or_default();
        *kinds.entry(format!("{:?} {kind}", d.severity)).or_default() += 1;
    }
    kinds
}

fn schemas(entities: &[Entity]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for entity in entities {
        *counts.entry(entity.schema.name().to_owned()).or_default() += 1;
    }
    counts
}

fn counts(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
}

fn party<'a>(sink: &'a Collect, id: &str) -> &'a Entity {
    sink.entities.iter().find(|e| e.id == id).unwrap_or_else(|| panic!("no entity {id}"))
}

#[test]
fn fixture_snapshot() {
    let (sink, parsed) = parse_file(&fixture("fsf.xml"));
    assert_eq!(parsed.header.published.as_deref(), Some("2026-02-20"));
    assert_eq!(parsed.records, 6);
    assert_records_add_up(&sink, &parsed);
    insta::assert_yaml_snapshot!("eu_fixture_entities", sink.entities);
    insta::assert_yaml_snapshot!("eu_fixture_diagnostics", sink.diagnostics);
}

#[test]
fn fixture_mapping() {
    let (sink, _) = parse_file(&fixture("fsf.xml"));
    let aksyonov = party(&sink, "eu-fsf-13");
    assert_eq!(aksyonov.get("name"), ["Sergey Valeryevich Aksyonov"]);
    assert_eq!(aksyonov.get("alias"), ["Sergei Valerievich Aksenov", "Сергей Валерьевич Аксёнов"]);
    assert_eq!(aksyonov.get("weakAlias"), ["Goblin"]);
    assert_eq!(aksyonov.get("nationality"), ["ru", "ua"]);
    assert_eq!(aksyonov.get("birthDate"), ["1972-11-26"]);
    assert_eq!(aksyonov.get("birthCountry"), ["md"]);
    assert_eq!(aksyonov.get("passportNumber"), ["4514 123456"]);
    assert_eq!(aksyonov.get("taxNumber"), ["910200123456"]);
    assert_eq!(aksyonov.get("topics"), ["sanction"]);

    let group = party(&sink, "eu-fsf-4707");
    assert_eq!(group.schema.name(), "Organization");
    assert_eq!(group.get("topics"), ["crime.terror", "sanction"]);
    assert_eq!(group.get("address"), ["Rue de l'Inde 12, Tunis, 1002, TUNISIA"]);
    assert_eq!(group.get("phone"), ["+216 71 000 000"]);
    let sanction = party(&sink, "eu-fsf-4707-sanction");
    // No designation date: the first regulation's publication date.
    assert_eq!(sanction.get("listingDate"), ["2005-11-30"]);
    assert_eq!(sanction.get("unscId"), ["QDe.109"]);
    assert_eq!(sanction.get("reason"), ["Involved in the financing of terrorism."]);

    let kim = party(&sink, "eu-fsf-6190");
    assert_eq!(kim.get("name"), ["Song Chol Kim"]);
    assert_eq!(kim.get("birthDate"), ["1968", "1960", "1961", "1962"]);
    assert!(kim.get("nationality").is_empty());
    // The publisher reused logicalId 6190: both parties are kept.
    assert_eq!(party(&sink, "eu-fsf-6190-2").get("name"), ["Yong Nam Ri"]);
    // A record without any name is dropped with an error.
    assert!(!sink.entities.iter().any(|e| e.id == "eu-fsf-7001"));
    let dropped = sink.diagnostics.iter().find(|d| d.severity == Severity::Error).unwrap();
    assert_eq!(dropped.location, Location::Record { number: 5, id: Some("7001".into()) });
}

#[test]
fn bad_input() {
    let fixture = std::fs::read_to_string(fixture("fsf.xml")).unwrap();
    let at = fixture.find("<citizenship").unwrap();
    let err = parse_text(&fixture[..at]).unwrap_err();
    assert!(err.to_string().contains("before the first record"), "{err}");
    let at = fixture.find("Groupe Combattant").unwrap();
    let (sink, parsed) = parse_text(&fixture[..at]).unwrap();
    assert_eq!((sink.entities.len(), parsed.records), (2, 2));
    let cut = sink.diagnostics.last().unwrap();
    assert_eq!(cut.severity, Severity::Error);
    assert!(
        cut.message.contains("not well-formed") || cut.message.contains("ends inside"),
        "{}",
        cut.message
    );
    for (text, expected) in
        [("", "empty"), ("<CONSOLIDATED_LIST/>", "not the EU FSF"), ("{\"id\": \"x\"}", "not XML")]
    {
        let err = parse_text(text).unwrap_err();
        assert!(err.to_string().contains(expected), "{text:?}: {err}");
    }
    let (sink, parsed) =
        parse_text("<export xmlns=\"http://eu.europa.ec/fpi/fsd/export\"/>").unwrap();
    assert_eq!((parsed.records, sink.diagnostics[0].severity), (0, Severity::Warning));
}

#[test]
fn sniffs_its_own_files_only() {
    let head = |path: &Path| {
        let bytes = std::fs::read(path).unwrap();
        String::from_utf8_lossy(&bytes[..bytes.len().min(8192)]).into_owned()
    };
    assert!(eu::sniff(&head(&fixture("fsf.xml"))));
    let Some(path) = vigia_testdata::shared_data("lists/eu/excerpts/sample_eu.xml") else { return };
    assert!(eu::sniff(&head(&path)));
    for relative in [
        "lists/un/UN_consolidated.xml",
        "lists/uk/excerpts/sample_uk_sanctions.xml",
        "lists/uk/excerpts/sample_hmt.csv",
        "lists/canada/sema-lmes.xml",
        "lists/ofac/excerpts/sdn.xml",
        "lists/ofac/sdn.csv",
        "lists/us_csl/csl.csv",
        "lists/us_bis_dpl/dpl.txt",
        "lists/opensanctions/t1/entities.ftm.json",
    ] {
        let Some(path) = vigia_testdata::shared_data(relative) else { return };
        assert!(!eu::sniff(&head(&path)), "{relative}");
    }
}

#[test]
fn real_excerpt() {
    let Some(path) = vigia_testdata::shared_data("lists/eu/excerpts/sample_eu.xml") else { return };
    let started = Instant::now();
    let (sink, parsed) = parse_file(&path);
    eprintln!("{}: parsed in {:?}", path.display(), started.elapsed());
    assert_eq!(parsed.header.published.as_deref(), Some("2020-04-15"));
    assert_eq!(parsed.records, 7);
    assert_eq!(schemas(&sink.entities), counts(&[("Person", 7), ("Sanction", 7)]));
    let ids: HashSet<&str> = sink.entities.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), sink.entities.len());
    // The excerpt repeats logicalId 5468 (a test record "TestOneWord" was
    // added under it): both are kept, the second renamed, with a warning.
    assert_eq!(kinds(&sink), counts(&[("Warning duplicate id", 1)]));
    assert_eq!(party(&sink, "eu-fsf-5468-2").get("name"), ["TestOneWord"]);
    let hammadou = party(&sink, "eu-fsf-5295");
    assert_eq!(hammadou.get("name"), ["Abid Hammadou"]);
    assert_eq!(hammadou.get("alias").len(), 4);
    assert_eq!(hammadou.get("birthDate"), ["1965-12-12", "1958"]);
    assert_eq!(hammadou.get("topics"), ["crime.terror", "sanction"]);
    assert_eq!(party(&sink, "eu-fsf-927").get("idNumber"), ["04643632"]);
    assert_eq!(party(&sink, "eu-fsf-191").get("passportNumber"), ["488555"]);
}

/// Any prefix of the fixture, and any fixture with a few bytes changed, is
/// read without a panic: entities and diagnostics, or a clean error.
#[test]
fn never_panics_on_damaged_input() {
    let bytes = std::fs::read(fixture("fsf.xml")).unwrap();
    // Every byte of the first record, then every few bytes (a full sweep is
    // quadratic in the fixture's size).
    for end in (0..bytes.len()).filter(|end| *end < 1500 || end % 5 == 0) {
        let mut sink = Collect::default();
        let _ = eu::parse(&bytes[..end], "t", "d", &mut sink);
    }
    let mut runner = proptest::test_runner::TestRunner::new(proptest::test_runner::Config {
        cases: 200,
        ..Default::default()
    });
    let damage = proptest::collection::vec((0..bytes.len(), proptest::num::u8::ANY), 1..8);
    runner
        .run(&damage, |changes| {
            let mut damaged = bytes.clone();
            for (at, byte) in changes {
                damaged[at] = byte;
            }
            let mut sink = Collect::default();
            let _ = eu::parse(&damaged[..], "t", "d", &mut sink);
            Ok(())
        })
        .unwrap();
}

/// `records` counts every record read: listed parties plus dropped ones.
fn assert_records_add_up(sink: &Collect, parsed: &Parsed) {
    let listed = sink.entities.iter().filter(|e| e.target == Some(true)).count() as u64;
    let dropped = sink
        .diagnostics
        .iter()
        .filter(|d| {
            d.severity == Severity::Error
                && (d.message.contains("dropped") || d.message.contains("is lost"))
        })
        .count() as u64;
    assert_eq!(parsed.records, listed + dropped);
}
