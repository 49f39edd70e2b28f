//! Bad input, for the crate as a whole: files cut off, columns missing,
//! other encodings, binary garbage, empty files, the wrong format. Each
//! must give a clear error or diagnostics that name the file and the
//! place, never a panic.

// Helpers outside #[test] functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use vigia_model::{Location, Severity};
use vigia_sources::{Collect, Error, Format, Source, detect_file, parse_bytes, plan, read_all};

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(path)
}

/// Every format Vigia reads.
const FORMATS: [Format; 19] = [
    Format::OfacSdnCsv,
    Format::OfacConsCsv,
    Format::OfacAddressCsv,
    Format::OfacAltCsv,
    Format::OfacCommentsCsv,
    Format::OfacSdnXml,
    Format::OfacAdvancedXml,
    Format::UnXml,
    Format::EuFsfXml,
    Format::UkSanctionsXml,
    Format::UkConListCsv,
    Format::CanadaSemaXml,
    Format::TradeGovCsl,
    Format::BisDpl,
    Format::FtmJson,
    Format::FtmDeltaIndex,
    Format::FtmDelta,
    Format::SenzingJson,
    Format::GenericCsv,
];

/// The outcome of parsing bytes as a format: it names the file, either in
/// the error or in every diagnostic.
fn parse_named(
    format: Format,
    file: &str,
    bytes: &[u8],
) -> (Result<vigia_sources::Parsed, Error>, Collect) {
    let mut sink = Collect::default();
    let result = parse_bytes(format, file, bytes, &mut sink);
    match &result {
        Err(err) => assert!(err.to_string().contains(file), "{format}: {err} does not name {file}"),
        Ok(_) => assert!(
            sink.diagnostics.iter().all(|d| d.file == file),
            "{format}: {:#?}",
            sink.diagnostics
        ),
    }
    (result, sink)
}

#[test]
fn cut_off_xml_keeps_what_was_read() {
    for (format, path) in
        [(Format::UnXml, "bad/un_truncated.xml"), (Format::EuFsfXml, "bad/eu_truncated.xml")]
    {
        let bytes = std::fs::read(fixture(path)).unwrap();
        let (result, sink) = parse_named(format, path, &bytes);
        let parsed = result.unwrap_or_else(|e| panic!("{path}: {e}"));
        let parties = sink.entities.iter().filter(|e| e.schema.is_matchable()).count();
        assert_eq!(parties, 1, "{path}: the record before the cut is kept");
        let cut = sink.diagnostics.iter().find(|d| d.severity == Severity::Error);
        let cut = cut
            .unwrap_or_else(|| panic!("{path}: no error about the cut: {:#?}", sink.diagnostics));
        assert!(matches!(cut.location, Location::Line(line) if line > 1), "{cut}");
        assert_eq!(parsed.records, 2, "{path}: the cut record counts as dropped");
    }
}

#[test]
fn xml_cut_before_the_first_record_is_an_error() {
    let bytes = std::fs::read(fixture("bad/un_cut_early.xml")).unwrap();
    let (result, _) = parse_named(Format::UnXml, "un_cut_early.xml", &bytes);
    let err = result.unwrap_err();
    assert!(matches!(err, Error::Malformed { .. }), "{err}");
}

#[test]
fn missing_columns() {
    let csl = std::fs::read(fixture("bad/csl_missing_name.csv")).unwrap();
    let (result, _) = parse_named(Format::TradeGovCsl, "csl_missing_name.csv", &csl);
    let err = result.unwrap_err().to_string();
    assert!(err.contains("line 1") && err.contains("`name` is missing"), "{err}");
    let generic = std::fs::read(fixture("bad/no_names.csv")).unwrap();
    let (result, _) = parse_named(Format::GenericCsv, "no_names.csv", &generic);
    let err = result.unwrap_err().to_string();
    assert!(err.contains("no column holds names") && err.contains("customer_id"), "{err}");
    // A row shorter than the header is read with its missing cells empty.
    let (result, sink) =
        parse_named(Format::BisDpl, "dpl.txt", b"Name\tStreet_Address\tEffective_Date\nJOHN DOE\n");
    assert_eq!(result.unwrap().records, 1);
    assert!(sink.diagnostics.is_empty());
}

#[test]
fn latin1_files_are_read_with_a_warning() {
    let text = "id,name,nationality\n1,José Nuñez Peña,Mexico\n2,François Müller,France\n";
    let (latin1, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
    assert!(!unmappable);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.csv");
    std::fs::write(&path, &latin1).unwrap();
    assert_eq!(detect_file(&path).unwrap(), Format::GenericCsv);
    let (sink, summary) = read_all(&Source::new(Format::GenericCsv, &path, None)).unwrap();
    let names: Vec<&str> = sink.entities.iter().map(|e| e.caption()).collect();
    assert_eq!(names, ["José Nuñez Peña", "François Müller"]);
    assert_eq!(summary.diagnostics, 1);
    let warning = &sink.diagnostics[0];
    assert_eq!(warning.severity, Severity::Warning);
    assert_eq!(
        warning.location,
        Location::Byte(25),
        "the offset of the first byte that is not UTF-8"
    );
    assert!(
        warning.file.ends_with("latin1.csv") && warning.message.contains("windows-1252"),
        "{warning}"
    );
}

#[test]
fn declared_xml_encodings_are_decoded() {
    let un = std::fs::read_to_string(fixture("un/consolidated.xml")).unwrap();
    let declared = un.replacen("encoding=\"UTF-8\"", "encoding=\"ISO-8859-1\"", 1);
    // The UN fixture has Arabic script that Latin-1 cannot hold: keep the
    // Latin part of the file only, up to the end of its first record.
    let end = declared.find("</INDIVIDUAL>").unwrap() + "</INDIVIDUAL>".len();
    let mut latin = declared[..end].replace(|c: char| u32::from(c) > 0xFF, "?");
    latin.push_str("</INDIVIDUALS></CONSOLIDATED_LIST>");
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&latin);
    let utf8 = latin.replacen("encoding=\"ISO-8859-1\"", "encoding=\"UTF-8\"", 1);
    let (expected, _) = parse_named(Format::UnXml, "un.xml", utf8.as_bytes());
    let (got, sink) = parse_named(Format::UnXml, "un.xml", &bytes);
    assert_eq!(got.unwrap(), expected.unwrap());
    assert!(
        sink.diagnostics.iter().all(|d| !d.message.contains("UTF-8")),
        "{:#?}",
        sink.diagnostics
    );
}

/// UTF-16 with a byte-order mark, little- and big-endian, reads exactly as
/// UTF-8 does, through files and through memory.
#[test]
fn utf16_files_parse_like_utf8() {
    let dir = tempfile::tempdir().unwrap();
    for (format, path) in [
        (Format::GenericCsv, "generic/watchlist.csv"),
        (Format::TradeGovCsl, "csl/csl.csv"),
        (Format::BisDpl, "dpl/dpl.txt"),
        (Format::SenzingJson, "opensanctions/senzing.json"),
        (Format::UnXml, "un/consolidated.xml"),
    ] {
        let text = std::fs::read_to_string(fixture(path)).unwrap();
        let utf8 = dir.path().join("utf8");
        std::fs::write(&utf8, &text).unwrap();
        let (expected, expected_summary) = read_all(&Source::new(format, &utf8, None)).unwrap();
        let mut le = vec![0xFF, 0xFE];
        le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let mut be = vec![0xFE, 0xFF];
        be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        for (name, bytes) in [("le", le), ("be", be)] {
            let file = dir.path().join("utf8");
            std::fs::write(&file, &bytes).unwrap();
            assert_eq!(detect_file(&file).unwrap(), format, "{path} {name}");
            let (got, summary) = read_all(&Source::new(format, &file, None)).unwrap();
            assert_eq!(got.entities, expected.entities, "{path} {name}");
            assert_eq!(got.diagnostics, expected.diagnostics, "{path} {name}");
            assert_eq!(summary, expected_summary, "{path} {name}");
            let mut sink = Collect::default();
            let parsed = parse_bytes(format, "mem", &bytes, &mut sink).unwrap();
            assert_eq!(parsed.records, expected_summary.records, "{path} {name}");
            assert_eq!(sink.entities, expected.entities, "{path} {name}");
        }
    }
}

#[test]
fn a_gigabyte_of_garbage_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("garbage.xml");
    // Sparse: a gigabyte of zeros that costs no disk.
    std::fs::File::create(&path).unwrap().set_len(1 << 30).unwrap();
    let started = Instant::now();
    let err = detect_file(&path).unwrap_err();
    assert!(matches!(err, Error::Encoding { offset: 0, .. }), "{err}");
    assert!(err.to_string().contains("garbage.xml") && err.to_string().contains("NUL"), "{err}");
    let err = plan(std::slice::from_ref(&path), None).unwrap_err();
    assert!(matches!(err, Error::Encoding { .. }), "{err}");
    // Read as a format it claims, it is refused as fast.
    let err = read_all(&Source::new(Format::UnXml, &path, None)).unwrap_err();
    assert!(matches!(err, Error::Encoding { .. }), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());

    // Random bytes are refused too, by their control bytes.
    let noise: Vec<u8> =
        (0u32..200_000).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 | 1).collect();
    let noisy = dir.path().join("noise.bin");
    std::fs::write(&noisy, &noise).unwrap();
    let err = detect_file(&noisy).unwrap_err();
    assert!(matches!(err, Error::Encoding { .. }), "{err}");
}

#[test]
fn empty_files() {
    for format in FORMATS {
        let (result, sink) = parse_named(format, "empty", b"");
        if let Ok(parsed) = result {
            assert_eq!(parsed.records, 0, "{format}");
            assert!(sink.entities.is_empty(), "{format}");
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.csv");
    std::fs::write(&path, b"").unwrap();
    let err = detect_file(&path).unwrap_err().to_string();
    assert!(err.contains("empty.csv") && err.contains("empty"), "{err}");
}

#[test]
fn the_wrong_format() {
    let json = std::fs::read(fixture("opensanctions/entities.ftm.json")).unwrap();
    let (result, _) = parse_named(Format::UnXml, "entities.ftm.json", &json);
    let err = result.unwrap_err();
    assert!(matches!(err, Error::Malformed { .. } | Error::UnknownFormat { .. }), "{err}");
    let xml = std::fs::read(fixture("un/consolidated.xml")).unwrap();
    for format in FORMATS {
        if format != Format::UnXml {
            let _ = parse_named(format, "consolidated.xml", &xml);
        }
    }
    // JSON read as JSON lines of another kind: every line is dropped with
    // an error naming its line.
    let (result, sink) = parse_named(Format::SenzingJson, "entities.ftm.json", &json);
    assert!(result.is_ok());
    assert!(
        sink.entities.is_empty() || sink.entities.iter().all(|e| e.schema.name() == "LegalEntity")
    );
}

#[test]
fn invalid_utf8_after_the_head_is_replaced_and_reported() {
    let mut text = String::from("id,name\n");
    for i in 0..5000 {
        text.push_str(&format!("{i},Person Number {i}\n"));
    }
    let mut bytes = text.into_bytes();
    let at = bytes.len();
    bytes.extend_from_slice(b"9999,Bad \xFF Byte\n");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("late.csv");
    std::fs::write(&path, &bytes).unwrap();
    let (sink, _) = read_all(&Source::new(Format::GenericCsv, &path, None)).unwrap();
    assert_eq!(sink.entities.len(), 5001);
    assert_eq!(sink.entities[5000].caption(), "Bad \u{FFFD} Byte");
    let warning = sink.diagnostics.last().unwrap();
    assert_eq!(warning.location, Location::Byte(at as u64 + 9));
    assert_eq!(warning.severity, Severity::Warning);
}

#[test]
fn companions_alone_and_unknown_files() {
    let (result, _) =
        parse_named(Format::OfacAltCsv, "alt.csv", b"36,12,\"aka\",\"AERO-CARIBBEAN\",-0- \r\n");
    assert!(matches!(result.unwrap_err(), Error::FileSet(_)));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "meeting notes\n").unwrap();
    std::fs::write(dir.path().join("README.md"), "# lists\n").unwrap();
    let err = plan(&[dir.path().to_owned()], None).unwrap_err().to_string();
    assert!(err.contains("notes.txt") && err.contains("meeting notes"), "{err}");
    // Named explicitly, a README is not skipped: the user asked for it.
    let err = plan(&[dir.path().join("README.md")], None).unwrap_err().to_string();
    assert!(err.contains("README.md"), "{err}");
}

#[test]
fn no_panic_on_broken_bits_of_every_format() {
    let samples: Vec<Vec<u8>> = vec![
        b"{".to_vec(),
        b"{\"op\":\"ADD\",\"entity\":{\"id\":\"x\",\"schema\":\"Person\",\"properties\":{\"name\":[1]}}}\n".to_vec(),
        b"\"\n\"\"\"\n,,,\n".to_vec(),
        b"<?xml version=\"1.0\"?><".to_vec(),
        b"<?xml version=\"1.0\" encoding=\"bogus\"?><x/>".to_vec(),
        b"\xEF\xBB\xBF".to_vec(),
        b"\xFF\xFE".to_vec(),
        b"\xFF\xFEa".to_vec(),
        "Name\tStreet_Address\n\u{0}".as_bytes().to_vec(),
        b"source,name\nx,\"unterminated\n".to_vec(),
        b"id,name\n\xC3".to_vec(),
    ];
    for sample in &samples {
        for format in FORMATS {
            let mut sink = Collect::default();
            let _ = parse_bytes(format, "sample", sample, &mut sink);
        }
    }
}

/// Text shaped like each format (its real header or first keys, then
/// anything): parsing never panics, and what it gives names the file.
mod shaped {
    use proptest::prelude::*;
    use vigia_sources::Format;

    const STARTS: &[(Format, &str)] = &[
        (Format::TradeGovCsl, "source,entity_number,type,programs,name,addresses,ids,alt_names\n"),
        (
            Format::BisDpl,
            "\"Name\"\t\"Street_Address\"\t\"City\"\t\"Country\"\t\"Effective_Date\"\n",
        ),
        (Format::GenericCsv, "id,name,aliases,schema,birth_date,nationality\n"),
        (
            Format::FtmJson,
            "{\"id\":\"x\",\"schema\":\"Person\",\"properties\":{\"name\":[\"A\"]}}\n",
        ),
        (Format::FtmDelta, "{\"op\":\"ADD\",\"entity\":{\"id\":\"x\",\"schema\":\"Person\"}}\n"),
        (Format::FtmDeltaIndex, "{\"versions\": {\"1\": \"u\"}, \"updated_at\": \"2024\"}"),
        (
            Format::SenzingJson,
            "{\"RECORD_ID\":\"1\",\"RECORD_TYPE\":\"PERSON\",\"NAMES\":[{\"NAME_FULL\":\"A\"}]}\n",
        ),
    ];

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn parsing_never_panics(which in 0..STARTS.len(), rest in "[\\PC\t\n\",;{}\\[\\]:]{0,300}") {
            let (format, start) = STARTS[which];
            let (result, _) = super::parse_named(format, "shaped", format!("{start}{rest}").as_bytes());
            if let Ok(parsed) = result {
                prop_assert!(parsed.records <= 1 + rest.lines().count() as u64);
            }
        }
    }
}
