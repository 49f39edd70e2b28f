//! Reading files: decoding to UTF-8, grouping file sets, dispatching to the
//! right parser.

use std::borrow::Cow;
use std::path::PathBuf;

use crate::{Collect, Format, Parsed, Result, Sink, Summary};

/// One list to read: a format, its files (the main file first) and the
/// dataset its entities go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The detected format of the main file.
    pub format: Format,
    /// The main file first, then companion files (OFAC CSV sets).
    pub files: Vec<PathBuf>,
    /// The dataset name the entities are imported under.
    pub dataset: String,
}

/// Groups files into sources: detects every file's format and attaches
/// companion tables to their main table.
///
/// # Errors
/// A file cannot be read, has no known format, or a companion has no main
/// table.
pub fn plan(paths: &[PathBuf], dataset: Option<&str>) -> Result<Vec<Source>> {
    let _ = (paths, dataset);
    Err(crate::Error::FileSet("file planning is not written yet".into()))
}

/// Reads a source into a sink.
///
/// # Errors
/// The input as a whole is unreadable; see [`crate::Error`].
pub fn read(source: &Source, sink: &mut dyn Sink) -> Result<Summary> {
    let _ = (source, sink);
    Err(crate::Error::FileSet("reading is not written yet".into()))
}

/// Reads a source into memory.
///
/// # Errors
/// As [`read`].
pub fn read_all(source: &Source) -> Result<(Collect, Summary)> {
    let mut sink = Collect::default();
    let summary = read(source, &mut sink)?;
    Ok((sink, summary))
}

/// Decodes bytes to text: UTF-8 (with or without BOM), UTF-16 with a BOM,
/// or the encoding an XML declaration names.
///
/// # Errors
/// The bytes are not text in an encoding Vigia can tell.
pub fn decode_text<'a>(file: &str, bytes: &'a [u8]) -> Result<Cow<'a, str>> {
    std::str::from_utf8(bytes).map(Cow::Borrowed).map_err(|e| crate::Error::Encoding {
        file: file.to_owned(),
        offset: e.valid_up_to() as u64,
        reason: "invalid UTF-8".into(),
    })
}

/// Parses one in-memory file of a known format (for a set format, the main
/// table alone). This is what the fuzz targets call.
///
/// # Errors
/// The input as a whole is unreadable; see [`crate::Error`].
pub fn parse_bytes(format: Format, file: &str, bytes: &[u8], sink: &mut dyn Sink) -> Result<Parsed> {
    let _ = (format, bytes, sink);
    Err(crate::Error::FileSet(format!("{file}: parsing is not written yet")))
}
