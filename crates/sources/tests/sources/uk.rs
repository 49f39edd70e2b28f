//! UK: the FCDO UK Sanctions List XML and the legacy OFSI ConList CSV.

// The helpers of a test module are test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::time::Instant;

use vigia_model::{Entity, Location, Severity};
use vigia_sources::{Collect, Format, Parsed, uk};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/uk").join(name)
}

fn parse_xml(path: &Path) -> (Collect, Parsed) {
    let mut sink = Collect::default();
    let input = BufReader::new(File::open(path).unwrap());
    let parsed =
        uk::parse_sanctions_xml(input, "sanctions.xml", "gb_fcdo_sanctions", &mut sink).unwrap();
    (sink, parsed)
}

fn parse_csv(path: &Path) -> (Collect, Parsed) {
    let mut sink = Collect::default();
    let input = BufReader::new(File::open(path).unwrap());
    let parsed =
        uk::parse_conlist_csv(input, "conlist.csv", "gb_hmt_sanctions", &mut sink).unwrap();
    (sink, parsed)
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

fn head(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    String::from_utf8_lossy(&bytes[..bytes.len().min(8192)]).into_owned()
}

#[test]
fn xml_fixture_snapshot() {
    let (sink, parsed) = parse_xml(&fixture("sanctions.xml"));
    assert_eq!(parsed.header.published.as_deref(), Some("2026-03-02"));
    assert_eq!(parsed.records, 5);
    assert_records_add_up(&sink, &parsed);
    insta::assert_yaml_snapshot!("uk_xml_fixture_entities", sink.entities);
    insta::assert_yaml_snapshot!("uk_xml_fixture_diagnostics", sink.diagnostics);
}

#[test]
fn xml_fixture_mapping() {
    let (sink, _) = parse_xml(&fixture("sanctions.xml"));
    let sidorov = party(&sink, "gb-fcdo-RUS1234");
    assert_eq!(sidorov.get("name"), ["Ivan Petrovich SIDOROV"]);
    assert_eq!(sidorov.get("lastName"), ["SIDOROV", "SYDOROV"]);
    assert_eq!(
        sidorov.get("alias"),
        ["Ivan SYDOROV", "Vanya SIDOROV", "Sidorov I.P.", "Иван Петрович СИДОРОВ"]
    );
    assert_eq!(sidorov.get("weakAlias"), ["The Accountant"]);
    assert_eq!(sidorov.get("birthDate"), ["1969-11-07", "1970", "1971-06"]);
    assert_eq!(sidorov.get("nationality"), ["ru"]);
    assert_eq!(sidorov.last_change.as_deref(), Some("2025-04-14"));
    let sanction = party(&sink, "gb-fcdo-RUS1234-sanction");
    assert_eq!(
        sanction.get("provisions"),
        ["Asset freeze", "Travel Ban", "Trust Services Sanctions"]
    );
    assert_eq!(sanction.get("listingDate"), ["2022-03-16"]);

    let ship = party(&sink, "gb-fcdo-RUS3001");
    assert_eq!(ship.schema.name(), "Vessel");
    assert_eq!(ship.get("imoNumber"), ["IMO9199999"]);
    assert_eq!(ship.get("flag"), ["ga"]);
    assert_eq!(ship.get("pastFlags"), ["lr", "pa"]);
    assert_eq!(ship.get("buildDate"), ["2001"]);

    // No UniqueID: the OFSI group id stands in; no primary name: the alias
    // is the name.
    let front = party(&sink, "gb-fcdo-ofsi-15501");
    assert_eq!(front.get("name"), ["Example Front Organisation"]);
    assert_eq!(front.get("topics"), ["crime.terror", "sanction"]);
    assert_eq!(party(&sink, "gb-fcdo-ofsi-15501-sanction").get("unscId"), ["QDe.999"]);
    let dropped = sink.diagnostics.iter().find(|d| d.severity == Severity::Error).unwrap();
    assert_eq!(dropped.location, Location::Record { number: 4, id: Some("CTI0001".into()) });
}

#[test]
fn csv_fixture_snapshot() {
    let (sink, parsed) = parse_csv(&fixture("conlist.csv"));
    assert_eq!(parsed.header.published.as_deref(), Some("2026-03-02"));
    // Five groups and one row without a group id.
    assert_eq!(parsed.records, 6);
    assert_records_add_up(&sink, &parsed);
    insta::assert_yaml_snapshot!("uk_csv_fixture_entities", sink.entities);
    insta::assert_yaml_snapshot!("uk_csv_fixture_diagnostics", sink.diagnostics);
}

#[test]
fn csv_fixture_mapping() {
    let (sink, _) = parse_csv(&fixture("conlist.csv"));
    // Rows of group 9215 are not adjacent; they make one party, in the
    // order of the group's first row.
    assert_eq!(sink.entities[0].id, "gb-hmt-9215");
    let sayeed = party(&sink, "gb-hmt-9215");
    assert_eq!(sayeed.get("name"), ["Khalid Mohammed AL-SAYEED"]);
    assert_eq!(sayeed.get("alias"), ["خالد محمد السعيد", "Khalid AL-SAYEED"]);
    assert_eq!(sayeed.get("weakAlias"), ["Khalid ABU ALI"]);
    assert_eq!(sayeed.get("birthDate"), ["1975", "1950-06-05", "1951-09"]);
    assert_eq!(sayeed.get("nationality"), ["pk", "af"]);
    assert_eq!(sayeed.get("passportNumber"), ["AB1234567", "CD7654321"]);
    assert_eq!(sayeed.get("idNumber"), ["3520025509842-7"]);
    assert_eq!(sayeed.get("title"), ["Sheikh", "Imam"]);
    assert_eq!(sayeed.get("topics"), ["crime.terror", "sanction"]);
    // Only a prime alias: it is the name.
    let hojati = party(&sink, "gb-hmt-9053");
    assert_eq!(hojati.get("name"), ["Mohsen HOJATI"]);
    assert_eq!(hojati.get("birthDate"), ["1955-09-28", "1956"]);
    assert_eq!(party(&sink, "gb-hmt-12501").get("alias"), ["EXAMPLE TRADING CO"]);
    assert_eq!(party(&sink, "gb-hmt-13800").schema.name(), "Vessel");
    assert!(!sink.entities.iter().any(|e| e.id == "gb-hmt-13900"));
    let errors: Vec<&Location> = sink
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| &d.location)
        .collect();
    assert_eq!(
        errors,
        [&Location::Line(11), &Location::Record { number: 6, id: Some("13900".into()) }]
    );
}

#[test]
fn csv_in_windows_1252() {
    let mut text = std::fs::read(fixture("conlist.csv")).unwrap();
    let at = text.windows(5).position(|w| w == b"HOJAT").unwrap();
    text.splice(at..at + 5, b"H\xd4JAT".iter().copied());
    let mut sink = Collect::default();
    uk::parse_conlist_csv(&text[..], "c.csv", "gb", &mut sink).unwrap();
    assert!(sink.entities.iter().any(|e| e.get("name").contains(&"Mohsen HÔJATI".to_owned())));
    assert!(sink.diagnostics.iter().any(|d| d.message.starts_with("not UTF-8")));
}

#[test]
fn bad_input() {
    let parse = |text: &str| {
        let mut sink = Collect::default();
        uk::parse_sanctions_xml(text.as_bytes(), "t.xml", "gb", &mut sink).map(|p| (sink, p))
    };
    let fixture_xml = std::fs::read_to_string(fixture("sanctions.xml")).unwrap();
    let at = fixture_xml.find("<Addresses>").unwrap();
    assert!(parse(&fixture_xml[..at]).unwrap_err().to_string().contains("before the first record"));
    let at = fixture_xml.find("OCEAN DAWN").unwrap();
    let (sink, parsed) = parse(&fixture_xml[..at]).unwrap();
    assert_eq!((sink.entities.len(), parsed.records), (4, 3));
    assert_eq!(sink.diagnostics.last().unwrap().severity, Severity::Error);
    for (text, expected) in
        [("", "empty"), ("<export/>", "not the UK"), ("Name 6,Group ID\n", "not XML")]
    {
        let err = parse(text).unwrap_err();
        assert!(err.to_string().contains(expected), "{text:?}: {err}");
    }

    let parse_csv = |text: &[u8]| {
        let mut sink = Collect::default();
        uk::parse_conlist_csv(text, "t.csv", "gb", &mut sink).map(|p| (sink, p))
    };
    for (text, expected) in [
        (&b""[..], "empty"),
        (b"Last Updated,01/01/2020\n", "no header row"),
        (b"<Designations/>", "not an OFSI ConList"),
        (b"a,b,c\n1,2,3\n", "not an OFSI ConList"),
        (b"\xff\xfe\x00\x01garbage\x00", "not an OFSI ConList"),
    ] {
        let err = parse_csv(text).unwrap_err();
        assert!(err.to_string().contains(expected), "{text:?}: {err}");
    }
    // A file cut in the middle of a row keeps every complete group.
    let fixture_csv = std::fs::read(fixture("conlist.csv")).unwrap();
    let at = fixture_csv.windows(11).position(|w| w == b"SEA EXAMPLE").unwrap() + 40;
    let (sink, parsed) = parse_csv(&fixture_csv[..at]).unwrap();
    assert_eq!((sink.entities.len(), parsed.records), (6, 4));
    let messages: Vec<(Severity, &str)> =
        sink.diagnostics.iter().map(|d| (d.severity, d.message.as_str())).collect();
    assert_eq!(
        messages,
        [
            (Severity::Warning, "short row: 28 fields where the header has 36"),
            (Severity::Error, "row without a Group ID: dropped"),
        ]
    );
    // A header alone is an empty list.
    let (sink, parsed) = parse_csv(b"Name 6,Name 1,Group ID\n").unwrap();
    assert_eq!((parsed.records, sink.diagnostics[0].severity), (0, Severity::Warning));
    // An unbalanced quote swallows the rows after it into one field: the
    // reader says so instead of losing them silently.
    let (sink, parsed) = parse_csv(
        b"Name 6,Group Type,Alias Type,Group ID\n\"A\"\"B,Individual,Primary name,1\nC,Entity,Primary name,2\n",
    )
    .unwrap();
    assert_eq!(parsed.records, 1);
    let messages: Vec<&str> = sink.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "short row: 1 fields where the header has 4; it spans 2 lines: an unbalanced quote may have swallowed the rows after it",
            "row without a Group ID: dropped",
        ]
    );
}

#[test]
fn sniffs_its_own_files_only() {
    assert_eq!(uk::sniff(&head(&fixture("sanctions.xml"))), Some(Format::UkSanctionsXml));
    assert_eq!(uk::sniff(&head(&fixture("conlist.csv"))), Some(Format::UkConListCsv));
    for (relative, expected) in [
        ("lists/uk/excerpts/sample_uk_sanctions.xml", Some(Format::UkSanctionsXml)),
        ("lists/uk/excerpts/sample_hmt.csv", Some(Format::UkConListCsv)),
        ("lists/un/UN_consolidated.xml", None),
        ("lists/eu/excerpts/sample_eu.xml", None),
        ("lists/canada/sema-lmes.xml", None),
        ("lists/ofac/excerpts/sdn.xml", None),
        ("lists/ofac/sdn.csv", None),
        ("lists/ofac/cons_prim.csv", None),
        ("lists/us_csl/csl.csv", None),
        ("lists/us_bis_dpl/dpl.txt", None),
        ("lists/opensanctions/t1/entities.ftm.json", None),
    ] {
        let Some(path) = vigia_testdata::shared_data(relative) else { return };
        assert_eq!(uk::sniff(&head(&path)), expected, "{relative}");
    }
}

#[test]
fn real_xml_excerpt() {
    let Some(path) = vigia_testdata::shared_data("lists/uk/excerpts/sample_uk_sanctions.xml")
    else {
        return;
    };
    let started = Instant::now();
    let (sink, parsed) = parse_xml(&path);
    eprintln!("{}: parsed in {:?}", path.display(), started.elapsed());
    assert_eq!(parsed.header.published.as_deref(), Some("2026-09-10"));
    assert_eq!(parsed.records, 5);
    assert_eq!(
        schemas(&sink.entities),
        counts(&[("Organization", 2), ("Person", 2), ("Sanction", 5), ("Vessel", 1)])
    );
    assert_eq!(kinds(&sink), BTreeMap::new());
    let ids: HashSet<&str> = sink.entities.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), 10);
    let akhund = party(&sink, "gb-fcdo-AFG0006");
    assert_eq!(akhund.get("name"), ["MOHAMMAD HASSAN AKHUND"]);
    assert_eq!(akhund.get("birthDate"), ["1958-05-12", "1945", "1946"]);
    assert_eq!(akhund.get("passportNumber"), ["P04581926"]);
    assert_eq!(akhund.get("topics"), ["crime.terror", "sanction"]);
    let bnk = party(&sink, "gb-fcdo-BEL0107");
    assert_eq!(bnk.get("weakAlias"), ["BNK"]);
    assert_eq!(bnk.get("alias"), ["BNK UK Limited"]);
    assert_eq!(party(&sink, "gb-fcdo-DPR0075").get("imoNumber"), ["IMO9562233"]);
}

#[test]
fn real_csv_excerpt() {
    let Some(path) = vigia_testdata::shared_data("lists/uk/excerpts/sample_hmt.csv") else {
        return;
    };
    let started = Instant::now();
    let (sink, parsed) = parse_csv(&path);
    eprintln!("{}: parsed in {:?}", path.display(), started.elapsed());
    assert_eq!(parsed.header.published.as_deref(), Some("2020-04-27"));
    // 23 rows, 6 parties.
    assert_eq!(parsed.records, 6);
    assert_eq!(schemas(&sink.entities), counts(&[("Person", 6), ("Sanction", 6)]));
    // The excerpt kept only the `AKA` rows of four parties: their first
    // alias is the name, with a warning.
    assert_eq!(kinds(&sink), counts(&[("Warning no name", 4)]));
    let so = party(&sink, "gb-hmt-11039");
    assert_eq!(so.get("name"), ["Sang-kuk SO"]);
    assert_eq!(so.get("alias"), ["Sang Kuk SO"]);
    assert_eq!(so.get("birthDate").len(), 7);
    let saeed = party(&sink, "gb-hmt-9215");
    assert_eq!(saeed.get("nationality"), ["pk"]);
    assert_eq!(saeed.get("originalName"), ["سعید حافظ محمد"]);
}

/// Any prefix of the fixture, and any fixture with a few bytes changed, is
/// read without a panic: entities and diagnostics, or a clean error.
#[test]
fn xml_never_panics_on_damaged_input() {
    let bytes = std::fs::read(fixture("sanctions.xml")).unwrap();
    // Every byte of the first record, then every few bytes (a full sweep is
    // quadratic in the fixture's size).
    for end in (0..bytes.len()).filter(|end| *end < 1500 || end % 5 == 0) {
        let mut sink = Collect::default();
        let _ = uk::parse_sanctions_xml(&bytes[..end], "t", "d", &mut sink);
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
            let _ = uk::parse_sanctions_xml(&damaged[..], "t", "d", &mut sink);
            Ok(())
        })
        .unwrap();
}

/// Any prefix of the fixture, and any fixture with a few bytes changed, is
/// read without a panic: entities and diagnostics, or a clean error.
#[test]
fn csv_never_panics_on_damaged_input() {
    let bytes = std::fs::read(fixture("conlist.csv")).unwrap();
    // Every byte of the first record, then every few bytes (a full sweep is
    // quadratic in the fixture's size).
    for end in (0..bytes.len()).filter(|end| *end < 1500 || end % 5 == 0) {
        let mut sink = Collect::default();
        let _ = uk::parse_conlist_csv(&bytes[..end], "t", "d", &mut sink);
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
            let _ = uk::parse_conlist_csv(&damaged[..], "t", "d", &mut sink);
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
