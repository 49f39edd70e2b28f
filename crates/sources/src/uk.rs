//! UK formats: the UK Sanctions List XML (FCDO) and the legacy OFSI ConList CSV.

use std::io::BufRead;

use crate::{Format, Parsed, Result, Sink};

/// Whether the start of a decoded file looks like a UK format, and which.
pub(crate) fn sniff(head: &str) -> Option<Format> {
    let _ = head;
    None
}

/// Reads a UK Sanctions List XML file.
///
/// # Errors
/// The input as a whole is unreadable; see [`crate::Error`].
pub fn parse_sanctions_xml<R: BufRead>(input: R, file: &str, dataset: &str, sink: &mut dyn Sink) -> Result<Parsed> {
    let _ = (input, dataset, sink);
    Err(crate::Error::FileSet(format!("{file}: this parser is not written yet")))
}

/// Reads a UK OFSI ConList CSV file.
///
/// # Errors
/// The input as a whole is unreadable; see [`crate::Error`].
pub fn parse_conlist_csv<R: BufRead>(input: R, file: &str, dataset: &str, sink: &mut dyn Sink) -> Result<Parsed> {
    let _ = (input, dataset, sink);
    Err(crate::Error::FileSet(format!("{file}: this parser is not written yet")))
}
