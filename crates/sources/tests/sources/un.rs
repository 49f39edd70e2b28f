//! UN Security Council consolidated list XML.

// The helpers of a test module are test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::time::Instant;

use vigia_model::{Entity, Location, Severity};
use vigia_sources::{Collect, Error, Parsed, un};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/un").join(name)
}

fn parse_file(path: &Path) -> (Collect, Parsed) {
    let mut sink = Collect::default();
    let input = BufReader::new(File::open(path).unwrap());
    let parsed = un::parse(input, "consolidated.xml", "un_sc_sanctions", &mut sink).unwrap();
    (sink, parsed)
}

fn parse_text(text: &str) -> Result<(Collect, Parsed), Error> {
    let mut sink = Collect::default();
    let parsed = un::parse(text.as_bytes(), "t.xml", "un_sc_sanctions", &mut sink)?;
    Ok((sink, parsed))
}

/// Diagnostics counted by severity and kind (the message up to its colon).
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

fn party<'a>(sink: &'a Collect, id: &str) -> &'a Entity {
    sink.entities.iter().find(|e| e.id == id).unwrap_or_else(|| panic!("no entity {id}"))
}

#[test]
fn fixture_snapshot() {
    let (sink, parsed) = parse_file(&fixture("consolidated.xml"));
    assert_eq!(parsed.header.published.as_deref(), Some("2026-03-01"));
    assert_eq!(parsed.records, 6);
    assert_records_add_up(&sink, &parsed);
    insta::assert_yaml_snapshot!("un_fixture_entities", sink.entities);
    insta::assert_yaml_snapshot!("un_fixture_diagnostics", sink.diagnostics);
}

#[test]
fn fixture_mapping() {
    let (sink, _) = parse_file(&fixture("consolidated.xml"));
    let qadir = party(&sink, "un-TAi.901");
    assert_eq!(qadir.get("name"), ["ABDUL QADIR BASIR ABDUL BAQI"]);
    assert_eq!(qadir.get("firstName"), ["ABDUL"]);
    assert!(qadir.get("lastName").is_empty(), "UN name positions are not roles");
    assert_eq!(qadir.get("weakAlias"), ["Abdul Qadir"]);
    assert!(qadir.get("alias").contains(&"Hajji Qadir".to_owned()));
    assert!(qadir.get("alias").contains(&"حاجى قادر".to_owned()));
    assert_eq!(qadir.get("originalName"), ["عبدالقادر بصیر عبد الباقی"]);
    assert_eq!(qadir.get("birthDate"), ["1964-01-01", "1964", "1966", "1967", "1968"]);
    assert_eq!(qadir.get("passportNumber"), ["D 000974"]);
    assert_eq!(qadir.get("idNumber"), ["1412-0011-22"]);
    assert_eq!(qadir.get("nationality"), ["af"]);
    assert_eq!(qadir.get("country"), ["pk", "af"]);
    assert_eq!(qadir.get("topics"), ["crime.terror", "sanction"]);
    assert_eq!(qadir.last_change.as_deref(), Some("2010-07-21"));
    let sanction = party(&sink, "un-TAi.901-sanction");
    assert_eq!(sanction.get("entity"), ["un-TAi.901"]);
    assert_eq!(sanction.get("listingDate"), ["2001-02-23"]);
    assert_eq!(sanction.get("authority"), ["UN Security Council"]);

    let kim = party(&sink, "un-KPi.901");
    assert_eq!(kim.get("name"), ["KIM SONG & CHOL"]);
    assert_eq!(kim.get("previousName"), ["Kim Chol"]);
    assert_eq!(kim.get("birthDate"), ["1968-03-26", "1969-11", "1970-09"]);
    assert_eq!(party(&sink, "un-KPi.901-sanction").get("listingDate"), ["2017-09-11"]);

    // No reference number: the id falls back to DATAID.
    let kgtc = party(&sink, "un-9200002");
    assert_eq!(kgtc.get("weakAlias"), ["KGTC"]);
    assert_eq!(kgtc.get("country"), ["kp"]);
    assert_eq!(
        party(&sink, "un-QDe.901").get("notes"),
        ["Branch offices in <Sarajevo> and Zenica."]
    );
    // A record without name parts takes its alias as the name, with a
    // warning; one without any name is dropped with an error naming it.
    assert_eq!(party(&sink, "un-QDi.901").get("name"), ["Abu Nameless"]);
    assert!(!sink.entities.iter().any(|e| e.id == "un-QDi.902"));
    let dropped = sink.diagnostics.iter().find(|d| d.severity == Severity::Error).unwrap();
    assert_eq!(dropped.location, Location::Record { number: 4, id: Some("QDi.902".into()) });
}

/// Parses one `INDIVIDUAL` body (the elements inside the record) and
/// returns the values of one property.
fn check(body: &str, property: &str, expected: &[&str]) {
    let xml = format!(
        "<CONSOLIDATED_LIST dateGenerated=\"2026-01-01\"><INDIVIDUALS><INDIVIDUAL>\
         <DATAID>1</DATAID><FIRST_NAME>A</FIRST_NAME><SECOND_NAME>B</SECOND_NAME>\
         <REFERENCE_NUMBER>XXi.001</REFERENCE_NUMBER>{body}</INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>"
    );
    let (sink, _) = parse_text(&xml).unwrap();
    assert_eq!(sink.entities[0].get(property), expected, "{body}");
}

#[test]
fn fields() {
    let dob = |inner: &str| format!("<INDIVIDUAL_DATE_OF_BIRTH>{inner}</INDIVIDUAL_DATE_OF_BIRTH>");
    check(
        &dob("<TYPE_OF_DATE>EXACT</TYPE_OF_DATE><DATE>1957-04-04</DATE>"),
        "birthDate",
        &["1957-04-04"],
    );
    check(
        &dob("<TYPE_OF_DATE>APPROXIMATELY</TYPE_OF_DATE><YEAR>1957</YEAR>"),
        "birthDate",
        &["1957"],
    );
    check(
        &dob(
            "<TYPE_OF_DATE>BETWEEN</TYPE_OF_DATE><FROM_YEAR>1955</FROM_YEAR><TO_YEAR>1957</TO_YEAR>",
        ),
        "birthDate",
        &["1955", "1956", "1957"],
    );
    check(
        &dob("<TYPE_OF_DATE>BETWEEN</TYPE_OF_DATE><FROM_YEAR>1955</FROM_YEAR>"),
        "birthDate",
        &["1955"],
    );
    check(
        &dob("<TYPE_OF_DATE>EXACT</TYPE_OF_DATE><NOTE>August 1961</NOTE>"),
        "birthDate",
        &["1961-08"],
    );
    check(&dob("<TYPE_OF_DATE>EXACT</TYPE_OF_DATE><NOTE>30-35 years old</NOTE>"), "birthDate", &[]);
    check(
        &dob("<TYPE_OF_DATE>EXACT</TYPE_OF_DATE><NOTE>30-35 years old</NOTE>"),
        "notes",
        &["Date of birth: 30-35 years old"],
    );
    let alias = |q: &str, n: &str| {
        format!(
            "<INDIVIDUAL_ALIAS><QUALITY>{q}</QUALITY><ALIAS_NAME>{n}</ALIAS_NAME></INDIVIDUAL_ALIAS>"
        )
    };
    check(&alias("Good", "X Y; Z W"), "alias", &["X Y", "Z W"]);
    check(&alias("Low", "El Tigre"), "weakAlias", &["El Tigre"]);
    check(&alias("f.k.a.", "Old Name"), "previousName", &["Old Name"]);
    check(&alias("", "No Quality"), "alias", &["No Quality"]);
    let doc = |t: &str, n: &str| {
        format!(
            "<INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>{t}</TYPE_OF_DOCUMENT><NUMBER>{n}</NUMBER></INDIVIDUAL_DOCUMENT>"
        )
    };
    check(&doc("Passport", "P1"), "passportNumber", &["P1"]);
    check(&doc("Número de pasaporte", "P2"), "passportNumber", &["P2"]);
    check(&doc("National Identification Number", "N1"), "idNumber", &["N1"]);
    check(&doc("Birth certificate", "B1"), "idNumber", &["B1"]);
    let nat = |n: &str| format!("<NATIONALITY><VALUE>{n}</VALUE></NATIONALITY>");
    check(&nat("Iran (Islamic Republic of)"), "nationality", &["ir"]);
    check(&nat("United Kingdom of Great Britain and Northern Ireland"), "nationality", &["gb"]);
    check(&nat("na"), "nationality", &[]);
    check("<GENDER>MALE</GENDER>", "gender", &["male"]);
    check(
        "<INDIVIDUAL_PLACE_OF_BIRTH><CITY>Kandahar</CITY><COUNTRY>Afghanistan</COUNTRY></INDIVIDUAL_PLACE_OF_BIRTH>",
        "birthPlace",
        &["Kandahar, Afghanistan"],
    );
    check("<UN_LIST_TYPE>DPRK</UN_LIST_TYPE>", "topics", &["sanction"]);
    check("<UN_LIST_TYPE>Al-Qaida</UN_LIST_TYPE>", "topics", &["crime.terror", "sanction"]);
}

#[test]
fn bad_input() {
    let fixture = std::fs::read_to_string(fixture("consolidated.xml")).unwrap();
    // Cut inside the first record: nothing complete was read.
    let at = fixture.find("<INDIVIDUAL_ALIAS>").unwrap();
    let err = parse_text(&fixture[..at]).unwrap_err();
    assert!(matches!(err, Error::Malformed { .. }), "{err}");
    assert!(err.to_string().contains("before the first record"), "{err}");
    // Cut inside the third record: two kept, the cut is an error naming the line.
    let at = fixture.find("A record whose name").unwrap();
    let (sink, parsed) = parse_text(&fixture[..at]).unwrap();
    assert_eq!(sink.entities.len(), 4);
    assert_eq!(parsed.records, 3);
    assert_records_add_up(&sink, &parsed);
    let cut = sink.diagnostics.last().unwrap();
    assert_eq!(cut.severity, Severity::Error);
    let line = fixture[..at].lines().count() as u64;
    assert_eq!(cut.location, Location::Line(line));
    assert!(cut.message.starts_with("file cut off"), "{}", cut.message);
    // Cut between records, inside the tag of the next one.
    let at = fixture.find("<ENTITY>").unwrap() + 3;
    let (sink, parsed) = parse_text(&fixture[..at]).unwrap();
    assert_eq!((sink.entities.len(), parsed.records), (6, 4));
    assert!(sink.diagnostics.last().unwrap().message.contains("not well-formed"));

    for (text, expected) in [
        ("", "empty"),
        ("   \n", "no XML element"),
        ("<sdnList><sdnEntry/></sdnList>", "not the UN list"),
        ("hello, world", "not XML"),
        ("Name 6,Name 1\nX,Y\n", "not XML"),
        ("<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><DATAID>1</DATA", "before the first record"),
    ] {
        let err = parse_text(text).unwrap_err();
        assert!(err.to_string().contains(expected), "{text:?}: {err}");
    }
    // Not text at all.
    let mut sink = Collect::default();
    let garbage: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    assert!(un::parse(&garbage[..], "g.bin", "un", &mut sink).is_err());
    // An empty list is read, with a warning.
    let (sink, parsed) =
        parse_text("<CONSOLIDATED_LIST><INDIVIDUALS/><ENTITIES/></CONSOLIDATED_LIST>").unwrap();
    assert_eq!(parsed.records, 0);
    assert_eq!(sink.diagnostics[0].severity, Severity::Warning);
}

#[test]
fn oversized_and_deep_records_are_dropped() {
    let deep = "<X>".repeat(100) + &"</X>".repeat(100);
    let xml = format!(
        "<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><REFERENCE_NUMBER>A.1</REFERENCE_NUMBER>{deep}</INDIVIDUAL>\
         <INDIVIDUAL><REFERENCE_NUMBER>A.2</REFERENCE_NUMBER><FIRST_NAME>B</FIRST_NAME></INDIVIDUAL>\
         </INDIVIDUALS></CONSOLIDATED_LIST>"
    );
    let (sink, parsed) = parse_text(&xml).unwrap();
    assert_eq!(parsed.records, 2);
    assert_eq!(sink.entities.len(), 2);
    assert!(sink.diagnostics[0].message.contains("too large"));
}

#[test]
fn sniffs_its_own_files_only() {
    assert!(un::sniff(&std::fs::read_to_string(fixture("consolidated.xml")).unwrap()));
    for relative in [
        "lists/un/UN_consolidated.xml",
        "lists/un/2020-03-20/consolidated.xml",
        "lists/un/excerpts/sample_unsc.xml",
    ] {
        let Some(path) = vigia_testdata::shared_data(relative) else { return };
        assert!(un::sniff(&head(&path)), "{relative}");
    }
    for relative in OTHER_FORMATS {
        let Some(path) = vigia_testdata::shared_data(relative) else { return };
        assert!(!un::sniff(&head(&path)), "{relative}");
    }
}

/// Real files of formats other than the UN's.
const OTHER_FORMATS: [&str; 9] = [
    "lists/eu/excerpts/sample_eu.xml",
    "lists/uk/excerpts/sample_uk_sanctions.xml",
    "lists/uk/excerpts/sample_hmt.csv",
    "lists/canada/sema-lmes.xml",
    "lists/ofac/excerpts/sdn.xml",
    "lists/ofac/sdn.csv",
    "lists/us_csl/csl.csv",
    "lists/us_bis_dpl/dpl.txt",
    "lists/opensanctions/t1/entities.ftm.json",
];

fn head(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    String::from_utf8_lossy(&bytes[..bytes.len().min(8192)]).into_owned()
}

/// Reads a real file, printing the time it took.
fn parse_real(path: &Path) -> (Collect, Parsed) {
    let started = Instant::now();
    let result = parse_file(path);
    eprintln!("{}: parsed in {:?}", path.display(), started.elapsed());
    result
}

fn assert_ids_unique(sink: &Collect) {
    let mut seen = HashSet::new();
    for entity in &sink.entities {
        assert!(seen.insert(&entity.id), "duplicate id {}", entity.id);
    }
}

fn counts(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
}

#[test]
fn real_2026_list() {
    let Some(path) = vigia_testdata::shared_data("lists/un/UN_consolidated.xml") else { return };
    let (sink, parsed) = parse_real(&path);
    assert_eq!(parsed.header.published.as_deref(), Some("2026-02-27"));
    assert_eq!(parsed.records, 1003);
    assert_eq!(
        schemas(&sink.entities),
        counts(&[("Organization", 273), ("Person", 730), ("Sanction", 1003)])
    );
    assert_ids_unique(&sink);
    // Every diagnostic of the real file, explained:
    // - 3 birth dates only in words ("30-35 years old", "Between Aug. and
    //   Sep. 1977", a Hijri date), kept in notes;
    // - 14 documents whose number is only in their free-text note (kept in
    //   notes).
    assert_eq!(
        kinds(&sink),
        counts(&[("Info date not understood", 3), ("Info document without a number", 14)])
    );
    let terror = sink
        .entities
        .iter()
        .filter(|e| e.get("topics").contains(&"crime.terror".to_owned()))
        .count();
    assert_eq!(terror, 481);
}

#[test]
fn real_2020_list() {
    let Some(path) = vigia_testdata::shared_data("lists/un/2020-03-20/consolidated.xml") else {
        return;
    };
    let (sink, parsed) = parse_real(&path);
    assert_eq!(parsed.header.published.as_deref(), Some("2020-03-20"));
    assert_eq!(parsed.records, 1014);
    assert_eq!(
        schemas(&sink.entities),
        counts(&[("Organization", 305), ("Person", 709), ("Sanction", 1014)])
    );
    assert_ids_unique(&sink);
    // - 4 birth dates only in words ("29 years old", ...);
    // - 21 documents whose number is only in their note;
    // - 2 nationalities that are sentences ("Kuwaiti citizenship withdrawn
    //   in 2002", "Sudanese by birth").
    assert_eq!(
        kinds(&sink),
        counts(&[
            ("Info date not understood", 4),
            ("Info document without a number", 21),
            ("Info unknown country", 2),
        ])
    );
}

#[test]
fn real_excerpt() {
    let Some(path) = vigia_testdata::shared_data("lists/un/excerpts/sample_unsc.xml") else {
        return;
    };
    let (sink, parsed) = parse_real(&path);
    assert_eq!(parsed.header.published.as_deref(), Some("2024-10-17"));
    assert_eq!(parsed.records, 7);
    assert_eq!(schemas(&sink.entities), counts(&[("Person", 7), ("Sanction", 7)]));
    assert_eq!(kinds(&sink), BTreeMap::new());
}

/// Ids are the UN's reference numbers, so a party listed in both versions
/// has the same id in both, and `lists diff` sees real changes only.
#[test]
fn real_versions_share_ids() {
    let Some(old) = vigia_testdata::shared_data("lists/un/2020-03-20/consolidated.xml") else {
        return;
    };
    let Some(new) = vigia_testdata::shared_data("lists/un/UN_consolidated.xml") else { return };
    let (old, _) = parse_file(&old);
    let (new, _) = parse_file(&new);
    let listed = |sink: &Collect| -> BTreeMap<String, Entity> {
        sink.entities
            .iter()
            .filter(|e| e.target == Some(true))
            .map(|e| (e.id.clone(), e.clone()))
            .collect()
    };
    let (old, new) = (listed(&old), listed(&new));
    let both: Vec<&String> = old.keys().filter(|id| new.contains_key(*id)).collect();
    let removed = old.len() - both.len();
    let added = new.len() - both.len();
    eprintln!("in both: {}, removed: {removed}, added: {added}", both.len());
    // Checked against the REFERENCE_NUMBER sets of the two files.
    assert_eq!((both.len(), removed, added), (907, 107, 96));
    for id in ["un-CDi.001", "un-QDi.002", "un-TAi.002", "un-KPi.033", "un-QDe.004"] {
        let (a, b) = (&old[id], &new[id]);
        assert_eq!(a.schema, b.schema, "{id}");
        let words = |e: &Entity| -> HashSet<String> {
            e.names().flat_map(|(_, n)| n.split(' ').map(str::to_lowercase)).collect()
        };
        assert!(!words(a).is_disjoint(&words(b)), "{id}: {:?} vs {:?}", a.caption(), b.caption());
    }
    // The same party in both, by name.
    assert_eq!(old["un-KPi.033"].get("name"), ["RI WON HO"]);
    assert_eq!(new["un-KPi.033"].get("name"), ["RI WON HO"]);
    // Every shared id has a name in common between the versions.
    let differing: Vec<&&String> = both
        .iter()
        .filter(|id| {
            let names = |e: &Entity| -> HashSet<String> {
                e.names().map(|(_, n)| n.to_lowercase()).collect()
            };
            names(&old[**id]).is_disjoint(&names(&new[**id]))
        })
        .collect();
    assert!(differing.is_empty(), "{differing:?}");
}

/// Any prefix of the fixture, and any fixture with a few bytes changed, is
/// read without a panic: entities and diagnostics, or a clean error.
#[test]
fn never_panics_on_damaged_input() {
    let bytes = std::fs::read(fixture("consolidated.xml")).unwrap();
    // Every byte of the first record, then every few bytes (a full sweep is
    // quadratic in the fixture's size).
    for end in (0..bytes.len()).filter(|end| *end < 1500 || end % 5 == 0) {
        let mut sink = Collect::default();
        let _ = un::parse(&bytes[..end], "t", "d", &mut sink);
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
            let _ = un::parse(&damaged[..], "t", "d", &mut sink);
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
