//! List versions and parser diagnostics.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One imported version of a dataset (a designation list).
///
/// Every import creates a new version; exactly one version per dataset is
/// active. Old versions are kept for diffs and audits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListVersion {
    /// Dataset name, e.g. `us_ofac_sdn`, `un_sc_sanctions`.
    pub dataset: String,
    /// Version number within the dataset, starting at 1.
    pub version: u64,
    /// Who publishes the list (e.g. "US Treasury OFAC").
    pub publisher: String,
    /// The detected file format (e.g. `ofac_sdn_csv`).
    pub format: String,
    /// The publication date the file states, as an ISO date, if any.
    pub published: Option<String>,
    /// SHA-256 of the imported file bytes, hex.
    pub content_hash: String,
    /// When the version was imported (RFC 3339, UTC).
    pub imported_at: String,
    /// Number of entities in the version.
    pub entity_count: u64,
    /// Where the file came from: a path or a URL.
    pub source: String,
}

impl ListVersion {
    /// The version label `dataset@version` used in results and audit records.
    pub fn label(&self) -> String {
        format!("{}@{}", self.dataset, self.version)
    }
}

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Something was read with a caveat (an unparseable date kept as text, an
    /// unknown country name): nothing was lost.
    Info,
    /// Part of a record could not be read and was dropped.
    Warning,
    /// A whole record could not be read and was dropped.
    Error,
}

/// Where in a file a diagnostic points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Location {
    /// A 1-based line number.
    Line(u64),
    /// A 1-based record number, with the record's id when known.
    Record {
        /// The 1-based record number.
        number: u64,
        /// The record's id in the source, if it could be read.
        id: Option<String>,
    },
    /// A byte offset.
    Byte(u64),
    /// The file as a whole.
    File,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line(line) => write!(f, "line {line}"),
            Location::Record { number, id: Some(id) } => write!(f, "record {number} ({id})"),
            Location::Record { number, id: None } => write!(f, "record {number}"),
            Location::Byte(offset) => write!(f, "byte {offset}"),
            Location::File => f.write_str("file"),
        }
    }
}

/// Something a parser noticed: partial failure is data, not an error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// The file the diagnostic is about.
    pub file: String,
    /// Where in the file.
    pub location: Location,
    /// How serious it is.
    pub severity: Severity,
    /// What was wrong, in words an operator understands.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(f, "{}: {}: {}: {}", self.file, self.location, severity, self.message)
    }
}
