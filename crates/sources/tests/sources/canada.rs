//! Canada SEMA consolidated autonomous sanctions XML.

// The helpers of a test module are test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::time::Instant;

use vigia_model::{Entity, Location, Severity};
use vigia_sources::{Collect, Error, Parsed, canada};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/canada").join(name)
}

fn parse_file(path: &Path) -> (Collect, Parsed) {
    let mut sink = Collect::default();
    let input = BufReader::new(File::open(path).unwrap());
    let parsed = canada::parse(input, "sema.xml", "ca_dfatd_sema_sanctions", &mut sink).unwrap();
    (sink, parsed)
}

fn parse_text(text: &str) -> Result<(Collect, Parsed), Error> {
    let mut sink = Collect::default();
    let parsed = canada::parse(text.as_bytes(), "t.xml", "ca", &mut sink)?;
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
    let (sink, parsed) = parse_file(&fixture("sema.xml"));
    assert_eq!(parsed.header.published, None);
    assert_eq!(parsed.records, 7);
    assert_records_add_up(&sink, &parsed);
    insta::assert_yaml_snapshot!("canada_fixture_entities", sink.entities);
    insta::assert_yaml_snapshot!("canada_fixture_diagnostics", sink.diagnostics);
}

#[test]
fn fixture_mapping() {
    let (sink, _) = parse_file(&fixture("sema.xml"));
    let bureau = party(&sink, "ca-sema-russia-1-part-2-12");
    assert_eq!(bureau.schema.name(), "Organization");
    assert_eq!(bureau.get("name"), ["Example Defence Bureau"]);
    assert_eq!(
        bureau.get("alias"),
        ["Bureau de défense exemple", "EDB", "Exampleburo", "Example Design Bureau JSC"]
    );
    let petrov = party(&sink, "ca-sema-russia-1-301");
    assert_eq!(petrov.get("name"), ["Andrey Igorevich PETROV"]);
    assert_eq!(
        petrov.get("alias"),
        ["Andrei Igorevich PETROV", "Andrey Igorevich PIOTROV", "Andrii PETROFF"]
    );
    assert_eq!(petrov.get("weakAlias"), ["Motorola"]);
    assert_eq!(petrov.get("birthDate"), ["1972-08-10", "1972-08-11"]);
    assert_eq!(petrov.get("title"), ["Major General", "major-général"]);
    // The regime is not the party's country: no country is guessed.
    assert!(petrov.get("country").is_empty());
    assert_eq!(party(&sink, "ca-sema-syria-2-74").get("alias"), ["Bushra Shawkat"]);
    // No schedule is "na", as "N/A" is.
    assert!(sink.entities.iter().any(|e| e.id == "ca-sema-venezuela-na-55"));
    let ship = party(&sink, "ca-sema-russia-1-part-7-4");
    assert_eq!(ship.schema.name(), "Vessel");
    assert_eq!(ship.get("imoNumber"), ["9412345"]);
    assert_eq!(ship.get("buildDate"), ["2008"]);
    assert_eq!(ship.get("type"), ["Crude oil tanker"]);
    assert_eq!(
        party(&sink, "ca-sema-russia-1-part-7-4-sanction").get("listingDate"),
        ["2025-02-24"]
    );
    let errors: Vec<&Location> = sink
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| &d.location)
        .collect();
    assert_eq!(
        errors,
        [
            &Location::Record { number: 6, id: Some("jvcfor-1-71".into()) },
            &Location::Record { number: 7, id: None }
        ]
    );
}

#[test]
fn bad_input() {
    let fixture = std::fs::read_to_string(fixture("sema.xml")).unwrap();
    let at = fixture.find("<Aliases>").unwrap();
    assert!(
        parse_text(&fixture[..at]).unwrap_err().to_string().contains("before the first record")
    );
    let at = fixture.find("Bushra").unwrap();
    let (sink, parsed) = parse_text(&fixture[..at]).unwrap();
    assert_eq!((sink.entities.len(), parsed.records), (4, 3));
    assert!(sink.diagnostics.last().unwrap().message.starts_with("file cut off"));
    for (text, expected) in [
        ("", "empty"),
        ("<data-set", "not well-formed"),
        ("<Designations/>", "not the SEMA"),
        ("garbage", "not XML"),
    ] {
        let err = parse_text(text).unwrap_err();
        assert!(err.to_string().contains(expected), "{text:?}: {err}");
    }
}

#[test]
fn sniffs_its_own_files_only() {
    let head = |path: &Path| {
        let bytes = std::fs::read(path).unwrap();
        String::from_utf8_lossy(&bytes[..bytes.len().min(8192)]).into_owned()
    };
    assert!(canada::sniff(&head(&fixture("sema.xml"))));
    let Some(path) = vigia_testdata::shared_data("lists/canada/sema-lmes.xml") else { return };
    assert!(canada::sniff(&head(&path)));
    for relative in [
        "lists/un/UN_consolidated.xml",
        "lists/eu/excerpts/sample_eu.xml",
        "lists/uk/excerpts/sample_uk_sanctions.xml",
        "lists/uk/excerpts/sample_hmt.csv",
        "lists/ofac/excerpts/sdn.xml",
        "lists/ofac/sdn.csv",
        "lists/us_csl/csl.csv",
        "lists/us_bis_dpl/dpl.txt",
        "lists/opensanctions/t1/entities.ftm.json",
    ] {
        let Some(path) = vigia_testdata::shared_data(relative) else { return };
        assert!(!canada::sniff(&head(&path)), "{relative}");
    }
}

#[test]
fn real_list() {
    let Some(path) = vigia_testdata::shared_data("lists/canada/sema-lmes.xml") else { return };
    let started = Instant::now();
    let (sink, parsed) = parse_file(&path);
    eprintln!("{}: parsed in {:?}", path.display(), started.elapsed());
    assert_eq!(parsed.records, 1369);
    assert_eq!(
        schemas(&sink.entities),
        counts(&[("Organization", 384), ("Person", 985), ("Sanction", 1369)])
    );
    // Ids are unique without any renaming: regime, schedule and item
    // identify a listing.
    let ids: HashSet<&str> = sink.entities.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), sink.entities.len());
    assert_eq!(kinds(&sink), BTreeMap::new());
    let regimes: BTreeMap<String, usize> = sink
        .entities
        .iter()
        .filter(|e| e.target == Some(true))
        .fold(BTreeMap::new(), |mut acc, e| {
            *acc.entry(e.id.split('-').nth(2).unwrap().to_owned()).or_default() += 1;
            acc
        });
    assert_eq!(
        regimes,
        counts(&[
            ("burma", 89),
            ("iran", 202),
            ("jvcfor", 70),
            ("nicaragua", 9),
            ("russia", 197),
            ("south", 2),
            ("syria", 281),
            ("ukraine", 242),
            ("venezuela", 96),
            ("zimbabwe", 181),
        ])
    );
    let irgc = party(&sink, "ca-sema-iran-1-1");
    eprintln!("{irgc:?}");
}

/// Any prefix of the fixture, and any fixture with a few bytes changed, is
/// read without a panic: entities and diagnostics, or a clean error.
#[test]
fn never_panics_on_damaged_input() {
    let bytes = std::fs::read(fixture("sema.xml")).unwrap();
    // Every byte of the first record, then every few bytes (a full sweep is
    // quadratic in the fixture's size).
    for end in (0..bytes.len()).filter(|end| *end < 1500 || end % 5 == 0) {
        let mut sink = Collect::default();
        let _ = canada::parse(&bytes[..end], "t", "d", &mut sink);
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
            let _ = canada::parse(&damaged[..], "t", "d", &mut sink);
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
