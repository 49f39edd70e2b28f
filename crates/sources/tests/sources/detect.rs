//! Format detection from content: the real list files, a table of heads,
//! the errors that say what a file looked like, and a fuzz-like property
//! that decoding and detection never panic.

// Helpers outside #[test] functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use proptest::prelude::*;
use vigia_sources::{Error, Format, decode_text, detect, detect_file};

/// The format of every file in `../shared/data/lists`, by relative path;
/// `None` for files that are no list.
const REAL_FILES: &[(&str, Option<Format>)] = &[
    ("SOURCES.md", None),
    ("canada/sema-lmes.xml", Some(Format::CanadaSemaXml)),
    ("eu/excerpts/sample_eu.xml", Some(Format::EuFsfXml)),
    ("ofac/add.csv", Some(Format::OfacAddressCsv)),
    ("ofac/alt.csv", Some(Format::OfacAltCsv)),
    ("ofac/cons_add.csv", Some(Format::OfacAddressCsv)),
    ("ofac/cons_alt.csv", Some(Format::OfacAltCsv)),
    ("ofac/cons_comments.csv", Some(Format::OfacCommentsCsv)),
    ("ofac/cons_prim.csv", Some(Format::OfacConsCsv)),
    ("ofac/excerpts/sdn.xml", Some(Format::OfacSdnXml)),
    ("ofac/schema/sdn_advanced_namespace.xml", None),
    ("ofac/sdn.csv", Some(Format::OfacSdnCsv)),
    ("ofac/sdn_comments.csv", Some(Format::OfacCommentsCsv)),
    ("opensanctions/senzing/us_congress_senzing.json", Some(Format::SenzingJson)),
    ("opensanctions/t1/entities.ftm.json", Some(Format::FtmJson)),
    ("opensanctions/t2/20240527194702-wnk/entities.delta.json", Some(Format::FtmDelta)),
    ("opensanctions/t2/20240528014702-pfh/entities.delta.json", Some(Format::FtmDelta)),
    ("opensanctions/t2/20240528074703-npf/entities.delta.json", Some(Format::FtmDelta)),
    ("opensanctions/t2/20240528134729-3iv/entities.delta.json", Some(Format::FtmDelta)),
    ("opensanctions/t2/delta.json", Some(Format::FtmDeltaIndex)),
    ("opensanctions/zala/entities.ftm.json", Some(Format::FtmJson)),
    ("uk/excerpts/sample_hmt.csv", Some(Format::UkConListCsv)),
    ("uk/excerpts/sample_uk_sanctions.xml", Some(Format::UkSanctionsXml)),
    ("un/2020-03-20/consolidated.xml", Some(Format::UnXml)),
    ("un/UN_consolidated.xml", Some(Format::UnXml)),
    ("un/excerpts/sample_unsc.xml", Some(Format::UnXml)),
    ("us_bis_dpl/dpl.txt", Some(Format::BisDpl)),
    ("us_csl/csl.csv", Some(Format::TradeGovCsl)),
];

fn files_under(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() { files_under(&path, out) } else { out.push(path) }
    }
}

#[test]
fn every_real_file_is_detected() {
    let Some(root) = vigia_testdata::shared_data("lists") else { return };
    let mut files = Vec::new();
    files_under(&root, &mut files);
    files.sort();
    for path in &files {
        let relative = path.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
        let Some((_, expected)) = REAL_FILES.iter().find(|(name, _)| *name == relative) else {
            panic!("{relative}: a new file in the shared lists; add it to REAL_FILES");
        };
        match (detect_file(path), expected) {
            (Ok(format), Some(expected)) => assert_eq!(format, *expected, "{relative}"),
            (Err(Error::UnknownFormat { reason, .. }), None) => assert!(!reason.is_empty()),
            (got, expected) => panic!("{relative}: detected {got:?}, expected {expected:?}"),
        }
    }
    assert_eq!(files.len(), REAL_FILES.len());
}

#[test]
fn heads() {
    let check =
        |head: &str, expected: Option<Format>| assert_eq!(detect(head), expected, "{head:?}");
    // OpenSanctions, by keys.
    check(
        "{\"id\": \"NK-1\", \"schema\": \"Person\", \"properties\": {}}\n",
        Some(Format::FtmJson),
    );
    check("{\"op\": \"DEL\", \"entity\": {\"id\": \"NK-1\"}}\n", Some(Format::FtmDelta));
    check(
        "{\"versions\": {}, \"updated_at\": \"2024-05-28T14:47:29Z\"}",
        Some(Format::FtmDeltaIndex),
    );
    check(
        "{\"DATA_SOURCE\": \"X\", \"RECORD_ID\": \"1\", \"RECORD_TYPE\": \"PERSON\"}\n",
        Some(Format::SenzingJson),
    );
    check("  \n{\"id\":\"x\",\"schema\":\"Company\"", Some(Format::FtmJson));
    check("{\"query_id\": \"q1\", \"results\": []}", None);
    check("[{\"id\": \"x\"}]", None);
    // Delimited lists, by header.
    check("source,entity_number,type,programs,name,title,addresses\n", Some(Format::TradeGovCsl));
    check(
        "\"Name\"\t\"Street_Address\"\t\"City\"\t\"State\"\t\"Country\"\t\"Postal_Code\"\t\"Effective_Date\"\n",
        Some(Format::BisDpl),
    );
    check("id,name,aliases,birth_date\n", Some(Format::GenericCsv));
    check("sourceNodeId,targetNodeId,value,time\n1,2,3.0,4\n", None);
    // XML lists, by root element.
    check(
        "<?xml version=\"1.0\"?>\n<CONSOLIDATED_LIST dateGenerated=\"2026-02-27\">",
        Some(Format::UnXml),
    );
    check(
        "<export xmlns=\"http://eu.europa.ec/fpi/fsd/export\" generationDate=\"2020-04-15\">",
        Some(Format::EuFsfXml),
    );
    check(
        "<?xml version=\"1.0\" standalone=\"yes\"?>\n<sdnList xmlns=\"http://tempuri.org/sdnList.xsd\">",
        Some(Format::OfacSdnXml),
    );
    check(
        "<?xml version=\"1.0\"?><xsd:schema xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\">",
        None,
    );
    check("<html><body>Not found</body></html>", None);
    // Nothing.
    check("", None);
    check("   \n\n", None);
    check("hello world", None);
}

#[test]
fn errors_say_what_the_file_looked_like() {
    let dir = tempfile::tempdir().unwrap();
    let check = |name: &str, bytes: &[u8], expected: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let err = detect_file(&path).unwrap_err().to_string();
        assert!(err.contains(name), "{err}");
        assert!(err.contains(expected), "{name}: {err} should say {expected:?}");
    };
    check("empty.csv", b"", "the file is empty");
    check("page.html", b"<!DOCTYPE html><html><body/></html>", "root element is <html>");
    check("answer.json", b"{\"query_id\": \"q1\", \"results\": []}\n", "keys query_id, results");
    check("tx.csv", b"sourceNodeId,targetNodeId,value,time\n", "4 field(s)");
    check("image.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "NUL byte");
    check("utf32.txt", b"\xFF\xFE\0\0a\0\0\0", "UTF-32");
    let err = detect_file(&dir.path().join("missing.csv")).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err}");
    assert!(matches!(
        detect_file(dir.path()).unwrap_err(),
        Error::UnknownFormat { .. } | Error::Io { .. }
    ));
}

#[test]
fn detection_reads_the_encodings() {
    let text = "id,name\n1,José\n";
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let mut utf16be = vec![0xFE, 0xFF];
    utf16be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        ("le.csv", utf16),
        ("be.csv", utf16be),
        ("bom.csv", [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat()),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        assert_eq!(detect_file(&path).unwrap(), Format::GenericCsv, "{name}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn decoding_and_detection_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        if let Ok(text) = decode_text("fuzz", &bytes) {
            let _ = detect(&text);
        }
    }

    #[test]
    fn detection_of_any_text_never_panics(text in "\\PC{0,400}") {
        let _ = detect(&text);
    }

    #[test]
    fn detection_of_list_like_starts_never_panics(
        start in prop::sample::select(vec![
            "{\"op\":", "{\"id\":\"x\",\"schema\":", "{\"versions\":", "{\"RECORD_ID\":",
            "<?xml version=\"1.0\"?><", "<CONSOLIDATED_LIST>", "source,entity_number,name,",
            "\"Name\"\t\"Street_Address\"\t", "name,", "<!--",
        ]),
        rest in "\\PC{0,200}",
    ) {
        let _ = detect(&format!("{start}{rest}"));
    }

    #[test]
    fn every_byte_of_a_utf8_text_decodes_back(text in "\\PC{0,300}") {
        let decoded = decode_text("t", text.as_bytes()).unwrap();
        prop_assert_eq!(decoded.as_ref(), text.as_str());
    }
}
