//! Format detection from content.
//!
//! Each format module exposes a sniffer over the first [`HEAD_LEN`] bytes
//! of decoded text; [`detect`] asks them in an order where the more
//! specific formats come first: the JSON formats by their keys, the XML
//! formats by their root elements, then the delimited formats by their
//! header rows, with the generic CSV watchlist (any header with a `name`
//! column) last. File names are never consulted: a renamed file is still
//! read right, and a mislabelled one is not misread.

use std::io::Read;
use std::path::Path;

use crate::input::decode::{DecodeReader, HEAD_LEN, sniff_charset};
use crate::input::read_head;
use crate::{Error, Format, Result};

/// Detects the format of a file from the start of its decoded text.
/// Returns `None` when no format matches.
pub fn detect(head: &str) -> Option<Format> {
    let head = head.strip_prefix('\u{feff}').unwrap_or(head);
    let start = head.trim_start();
    if start.starts_with('{') {
        return crate::opensanctions::sniff(start);
    }
    if start.starts_with('<') {
        return crate::ofac::sniff_xml(head)
            .or_else(|| crate::un::sniff(head).then_some(Format::UnXml))
            .or_else(|| crate::eu::sniff(head).then_some(Format::EuFsfXml))
            .or_else(|| crate::uk::sniff(head))
            .or_else(|| crate::canada::sniff(head).then_some(Format::CanadaSemaXml));
    }
    if crate::csl::sniff(head) {
        return Some(Format::TradeGovCsl);
    }
    if crate::dpl::sniff(head) {
        return Some(Format::BisDpl);
    }
    crate::uk::sniff(head)
        .or_else(|| crate::ofac::sniff_csv(head))
        .or_else(|| crate::generic::sniff(head).then_some(Format::GenericCsv))
}

/// Opens a file, decodes its start and detects its format.
///
/// # Errors
/// The file cannot be read ([`Error::Io`]), is not text
/// ([`Error::Encoding`]), or is no format Vigia reads
/// ([`Error::UnknownFormat`], saying what the start looked like).
pub fn detect_file(path: &Path) -> Result<Format> {
    let inspection = inspect(path)?;
    inspection.format.ok_or_else(|| Error::UnknownFormat {
        file: path.display().to_string(),
        reason: describe(&inspection.head),
    })
}

/// The decoded head of a file and the format it shows.
#[derive(Debug)]
pub(crate) struct Inspection {
    /// The detected format.
    pub(crate) format: Option<Format>,
    /// The decoded head (up to [`HEAD_LEN`] bytes of the file).
    pub(crate) head: String,
}

/// Reads and decodes the head of a file and detects its format.
pub(crate) fn inspect(path: &Path) -> Result<Inspection> {
    let name = path.display().to_string();
    let io_error = |source| Error::Io { file: name.clone(), source };
    let mut file = std::fs::File::open(path).map_err(io_error)?;
    if file.metadata().map_err(io_error)?.is_dir() {
        return Err(Error::UnknownFormat { file: name, reason: "a directory, not a file".into() });
    }
    let head = read_head(&mut file).map_err(io_error)?;
    let charset = sniff_charset(&name, &head, head.len() < HEAD_LEN)?;
    let mut text = String::with_capacity(head.len());
    // The head may end inside a character; the decoder then ends with a
    // replacement character, which no sniffer looks at.
    DecodeReader::new(&head[charset.skip()..], charset.encoding(), 0)
        .read_to_string(&mut text)
        .map_err(io_error)?;
    Ok(Inspection { format: detect(&text), head: text })
}

/// What the start of a file looks like, for an error message.
pub(crate) fn describe(head: &str) -> String {
    let start = head.strip_prefix('\u{feff}').unwrap_or(head).trim_start();
    if start.is_empty() {
        return "the file is empty".into();
    }
    if start.starts_with('<') {
        return match xml_root(start) {
            Some(root) => format!(
                "XML whose root element is <{root}>, which is not a list format Vigia reads"
            ),
            None => "starts like XML but no root element was found".into(),
        };
    }
    let first_line = start.lines().next().unwrap_or_default();
    if first_line.starts_with('{') {
        if let Ok(serde_json::Value::Object(map)) = serde_json::from_str(first_line) {
            let keys: Vec<&str> = map.keys().map(String::as_str).take(8).collect();
            return format!("a JSON record with keys {}", keys.join(", "));
        }
        return format!("JSON that is no known list format: `{}`", clip(first_line, 80));
    }
    let fields = first_line.split([',', '\t', ';']).count();
    format!(
        "a first line of {fields} field(s) that matches no known header: `{}`",
        clip(first_line, 100)
    )
}

/// The name of the root element of an XML head, skipping the declaration,
/// comments, processing instructions and the document type.
pub(crate) fn xml_root(head: &str) -> Option<&str> {
    let mut rest = head.trim_start();
    loop {
        if let Some(after) = rest.strip_prefix("<?") {
            rest = after.split_once("?>")?.1.trim_start();
        } else if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.split_once("-->")?.1.trim_start();
        } else if let Some(after) = rest.strip_prefix("<!") {
            rest = after.split_once('>')?.1.trim_start();
        } else if let Some(after) = rest.strip_prefix('<') {
            let end = after
                .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
                .unwrap_or(after.len());
            return (end > 0).then(|| &after[..end]);
        } else {
            return None;
        }
    }
}

/// At most `max` characters of a line, with an ellipsis when cut.
pub(crate) fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots() {
        assert_eq!(xml_root("<?xml version='1.0'?>\n<!-- x --><a b='1'>"), Some("a"));
        assert_eq!(xml_root("<!DOCTYPE x><xsd:schema xmlns:xsd='x'>"), Some("xsd:schema"));
        assert_eq!(xml_root("<"), None);
        assert_eq!(xml_root("text"), None);
    }

    #[test]
    fn descriptions() {
        assert_eq!(describe(""), "the file is empty");
        assert!(describe("<foo/>").contains("<foo>"));
        assert!(describe("{\"a\": 1}").contains("keys a"));
        assert!(describe("x,y,z\n1,2,3").contains("3 field(s)"));
    }
}
