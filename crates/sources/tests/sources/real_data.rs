//! Every official list file in `../shared/data/lists` goes through `survey`
//! and `read`, end to end: no record is lost (for every source, the records
//! read are the listed entities plus the records dropped with an error),
//! every diagnostic is accounted for, and the totals are pinned.

// Helpers outside #[test] functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::Path;

use vigia_model::Severity;
use vigia_sources::{Format, Summary};

/// What one source gave.
struct Row {
    file: String,
    format: Format,
    summary: Summary,
    listed: u64,
    deleted: u64,
    by_severity: BTreeMap<Severity, u64>,
    /// Diagnostics by kind (see [`kind`]).
    kinds: BTreeMap<String, u64>,
}

/// What a diagnostic is about, without the particulars: the severity and
/// the message without a leading record id, digits as `#`, quoted values
/// as `"…"`, cut at 80 characters.
fn kind(diagnostic: &vigia_model::Diagnostic) -> String {
    let message = match diagnostic.message.split_once(": ") {
        Some((id, rest))
            if !id.contains(' ') && id.contains(|c: char| c == '-' || c.is_ascii_digit()) =>
        {
            rest
        }
        _ => diagnostic.message.as_str(),
    };
    let mut out = String::new();
    let mut quoted = false;
    for c in message.chars() {
        match c {
            '"' if !quoted => {
                quoted = true;
                out.push_str("\"…");
            }
            '"' => quoted = false,
            _ if quoted => {}
            '0'..='9' => {
                if !out.ends_with('#') {
                    out.push('#');
                }
            }
            c => out.push(c),
        }
    }
    let cut: String = out.chars().take(80).collect();
    format!("{:?} {cut}", diagnostic.severity)
}

fn read_everything(root: &Path) -> (Vec<Row>, Vec<String>) {
    let survey = vigia_sources::survey(&[root.to_owned()], None).unwrap();
    let skipped = survey
        .skipped
        .iter()
        .map(|s| format!("{}: {}", s.path.strip_prefix(root).unwrap().display(), s.reason))
        .collect();
    let mut rows = Vec::new();
    for source in &survey.sources {
        let (sink, summary) = vigia_sources::read_all(source).unwrap_or_else(|e| panic!("{e}"));
        let mut by_severity = BTreeMap::new();
        let mut kinds = BTreeMap::new();
        for diagnostic in &sink.diagnostics {
            *by_severity.entry(diagnostic.severity).or_default() += 1;
            *kinds.entry(kind(diagnostic)).or_default() += 1;
        }
        rows.push(Row {
            file: source.files[0].strip_prefix(root).unwrap().display().to_string(),
            format: source.format,
            listed: sink.entities.iter().filter(|e| e.schema.is_matchable()).count() as u64,
            deleted: sink.deleted.len() as u64,
            by_severity,
            kinds,
            summary,
        });
        assert_eq!(rows.last().map(|r| r.summary.diagnostics), Some(sink.diagnostics.len() as u64));
        assert_eq!(rows.last().map(|r| r.summary.entities), Some(sink.entities.len() as u64));
    }
    (rows, skipped)
}

fn print_table(rows: &[Row]) {
    println!(
        "{:<58} {:<18} {:>7} {:>8} {:>7} {:>5} {:>6} {:>6} {:>6}",
        "file", "format", "records", "entities", "listed", "del", "info", "warn", "error"
    );
    for row in rows {
        let count = |severity| row.by_severity.get(&severity).copied().unwrap_or_default();
        println!(
            "{:<58} {:<18} {:>7} {:>8} {:>7} {:>5} {:>6} {:>6} {:>6}",
            row.file,
            row.format.name(),
            row.summary.records,
            row.summary.entities,
            row.listed,
            row.deleted,
            count(Severity::Info),
            count(Severity::Warning),
            count(Severity::Error),
        );
        for (kind, count) in &row.kinds {
            println!("    {count:>5} × {kind}");
        }
    }
}

#[test]
fn every_list_is_read_without_loss() {
    let Some(root) = vigia_testdata::shared_data("lists") else { return };
    let (rows, skipped) = read_everything(&root);
    print_table(&rows);
    for line in &skipped {
        println!("skipped {line}");
    }

    // Only documentation and the XML schema are left out.
    assert_eq!(
        skipped,
        [
            "SOURCES.md: documentation, not a list",
            "ofac/schema/sdn_advanced_namespace.xml: an XML Schema: it describes a format and holds no records",
        ]
    );
    // No record lost, in any format.
    for row in &rows {
        let errors = row.by_severity.get(&Severity::Error).copied().unwrap_or_default();
        assert_eq!(
            row.summary.records,
            row.listed + errors,
            "{}: records = listed + dropped",
            row.file
        );
        assert!(row.summary.records > 0, "{}", row.file);
    }

    // The totals of the formats read here, pinned: (records, entities,
    // listed, deleted, info, warnings, errors).
    let pinned: &[(&str, Format, [u64; 7])] = &[
        // 110 parties from 115 rows (five rows merged into an earlier row of
        // the same party, an info each) and a sanction each; two cells with
        // windows-1252 punctuation as C1 controls, repaired (info).
        ("us_csl/csl.csv", Format::TradeGovCsl, [110, 220, 110, 0, 7, 0, 0]),
        // 415 parties from 546 rows (131 rows merged, each an info), a
        // sanction each; one row gives "NM" as its country (info).
        ("us_bis_dpl/dpl.txt", Format::BisDpl, [415, 830, 415, 0, 132, 0, 0]),
        // 1,317 persons; two position anchors skipped and the relationship
        // pointers not kept (three infos).
        (
            "opensanctions/senzing/us_congress_senzing.json",
            Format::SenzingJson,
            [1317, 1317, 1317, 0, 3, 0, 0],
        ),
        ("opensanctions/t1/entities.ftm.json", Format::FtmJson, [6, 7, 6, 0, 0, 0, 0]),
        // Four versions applied (two ADDs, an ADD and a MOD, a DEL, an ADD);
        // the fifth version's file is missing (warning).
        ("opensanctions/t2/delta.json", Format::FtmDeltaIndex, [5, 5, 5, 1, 0, 1, 0]),
        // 17 parties and 74 adjacent entities (addresses, sanctions,
        // ownerships, family links...).
        ("opensanctions/zala/entities.ftm.json", Format::FtmJson, [17, 91, 17, 0, 0, 0, 0]),
    ];
    for (file, format, expected) in pinned {
        let row =
            rows.iter().find(|r| r.file == *file).unwrap_or_else(|| panic!("{file} not read"));
        let count = |severity| row.by_severity.get(&severity).copied().unwrap_or_default();
        let got = [
            row.summary.records,
            row.summary.entities,
            row.listed,
            row.deleted,
            count(Severity::Info),
            count(Severity::Warning),
            count(Severity::Error),
        ];
        assert_eq!((row.format, got), (*format, *expected), "{file}");
    }

    // And every diagnostic of those files, by kind.
    let explained: &[(&str, &[(&str, u64)])] = &[
        (
            "us_csl/csl.csv",
            &[
                ("Info addresses: control characters read as windows-# punctuation (\"…)", 1),
                ("Info name: control characters read as windows-# punctuation (\"…)", 1),
                ("Info same party as line # (another listing row): merged", 5),
            ],
        ),
        (
            "us_bis_dpl/dpl.txt",
            &[
                ("Info country: \"… is not a country Vigia knows; left out", 1),
                ("Info same party as line # (another address): merged", 131),
            ],
        ),
        (
            "opensanctions/senzing/us_congress_senzing.json",
            &[
                ("Info attribute RELATIONSHIPS is not read (# record(s) have it)", 1),
                ("Info no RECORD_TYPE, a relationship anchor (\"…): not a party, skipped", 2),
            ],
        ),
        (
            "opensanctions/t2/delta.json",
            &[(
                "Warning version #-zbn: delta file not found beside the index (expected #-zbn/entities.de",
                1,
            )],
        ),
        ("opensanctions/t1/entities.ftm.json", &[]),
        ("opensanctions/zala/entities.ftm.json", &[]),
    ];
    for (file, expected) in explained {
        let row = rows.iter().find(|r| r.file == *file).unwrap();
        let expected: BTreeMap<String, u64> =
            expected.iter().map(|(k, n)| ((*k).to_owned(), *n)).collect();
        assert_eq!(row.kinds, expected, "{file}");
    }

    // Every file is in exactly one source: the delta files through their
    // index, the OFAC companions with their main tables.
    let formats: Vec<(&str, Format)> = rows.iter().map(|r| (r.file.as_str(), r.format)).collect();
    assert_eq!(
        formats,
        [
            ("canada/sema-lmes.xml", Format::CanadaSemaXml),
            ("eu/excerpts/sample_eu.xml", Format::EuFsfXml),
            ("ofac/cons_prim.csv", Format::OfacConsCsv),
            ("ofac/excerpts/sdn.xml", Format::OfacSdnXml),
            ("ofac/sdn.csv", Format::OfacSdnCsv),
            ("opensanctions/senzing/us_congress_senzing.json", Format::SenzingJson),
            ("opensanctions/t1/entities.ftm.json", Format::FtmJson),
            ("opensanctions/t2/delta.json", Format::FtmDeltaIndex),
            ("opensanctions/zala/entities.ftm.json", Format::FtmJson),
            ("uk/excerpts/sample_hmt.csv", Format::UkConListCsv),
            ("uk/excerpts/sample_uk_sanctions.xml", Format::UkSanctionsXml),
            ("un/2020-03-20/consolidated.xml", Format::UnXml),
            ("un/UN_consolidated.xml", Format::UnXml),
            ("un/excerpts/sample_unsc.xml", Format::UnXml),
            ("us_bis_dpl/dpl.txt", Format::BisDpl),
            ("us_csl/csl.csv", Format::TradeGovCsl),
        ]
    );
}

#[test]
fn ofac_sets_are_planned_with_their_companions() {
    let Some(dir) = vigia_testdata::shared_data("lists/ofac") else { return };
    let sources = vigia_sources::plan(std::slice::from_ref(&dir), None).unwrap();
    let sets: Vec<(Format, Vec<String>, &str)> = sources
        .iter()
        .map(|s| {
            let files = s
                .files
                .iter()
                .map(|f| f.strip_prefix(&dir).unwrap().display().to_string())
                .collect();
            (s.format, files, s.dataset.as_str())
        })
        .collect();
    let names = |files: &[&str]| files.iter().map(|f| f.to_string()).collect::<Vec<_>>();
    assert_eq!(
        sets,
        [
            (
                Format::OfacConsCsv,
                names(&["cons_prim.csv", "cons_add.csv", "cons_alt.csv", "cons_comments.csv"]),
                "us_ofac_cons"
            ),
            (Format::OfacSdnXml, names(&["excerpts/sdn.xml"]), "us_ofac_sdn"),
            (
                Format::OfacSdnCsv,
                names(&["sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv"]),
                "us_ofac_sdn"
            ),
        ]
    );
}

#[test]
fn a_dataset_given_names_every_source() {
    let Some(dir) = vigia_testdata::shared_data("lists/opensanctions") else { return };
    let sources = vigia_sources::plan(&[dir], Some("os_sample")).unwrap();
    assert_eq!(sources.len(), 4);
    assert!(sources.iter().all(|s| s.dataset == "os_sample"));
}

#[test]
fn ids_are_unique_within_each_source() {
    let Some(root) = vigia_testdata::shared_data("lists") else { return };
    for file in
        ["us_csl/csl.csv", "us_bis_dpl/dpl.txt", "opensanctions/senzing/us_congress_senzing.json"]
    {
        let sources = vigia_sources::plan(&[root.join(file)], None).unwrap();
        let (sink, _) = vigia_sources::read_all(&sources[0]).unwrap();
        let mut ids: Vec<&str> = sink.entities.iter().map(|e| e.id.as_str()).collect();
        let total = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), total, "{file}");
    }
}

/// The persons and organisations of the DPL, told apart by name (ADR 0033):
/// a change to the word lists shows here.
#[test]
fn dpl_parties_by_schema() {
    let Some(path) = vigia_testdata::shared_data("lists/us_bis_dpl/dpl.txt") else { return };
    let sources = vigia_sources::plan(&[path], None).unwrap();
    let (sink, _) = vigia_sources::read_all(&sources[0]).unwrap();
    let mut schemas: BTreeMap<String, usize> = BTreeMap::new();
    for entity in sink.entities.iter().filter(|e| e.schema.is_matchable()) {
        *schemas.entry(entity.schema.name().to_owned()).or_default() += 1;
    }
    let expected = [("Company", 71), ("LegalEntity", 3), ("Organization", 34), ("Person", 307)];
    assert_eq!(schemas, expected.map(|(s, n)| (s.to_owned(), n)).into_iter().collect());
}
