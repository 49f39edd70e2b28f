//! The monitor crate's error type.

use std::fmt;

/// A `Result` whose error is the monitor crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where in a text file something went wrong: the file name as given and
/// the 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// The file (or the name given to an embedded text).
    pub file: String,
    /// 1-based line number.
    pub line: usize,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// A data row a reader could not turn into a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    /// 1-based data row number (the header is not a data row).
    pub row: u64,
    /// What was wrong with it.
    pub reason: String,
}

impl fmt::Display for BadRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "row {}: {}", self.row, self.reason)
    }
}

/// Everything that can go wrong while loading scenarios, reference data or
/// profiles, or while reading transactions.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A scenario file does not validate.
    #[error("{at}: {reason}")]
    Scenario {
        /// File and line of the offending value.
        at: Position,
        /// What is wrong, in words.
        reason: String,
    },
    /// A reference-data file does not validate.
    #[error("{at}: {reason}")]
    Reference {
        /// File and line of the offending value.
        at: Position,
        /// What is wrong, in words.
        reason: String,
    },
    /// A customer/account profile file has a bad record.
    #[error("{at}: {reason}")]
    Profile {
        /// File and line of the record.
        at: Position,
        /// What is wrong, in words.
        reason: String,
    },
    /// A transaction row could not be read (and the policy is to stop).
    #[error("{0}")]
    Row(BadRow),
    /// The input's format could not be recognised.
    #[error("unrecognised transaction format: {0}")]
    Format(String),
    /// A transaction's currency has no rate in the reference table.
    #[error("no USD rate for currency `{0}` (data/reference/fx.toml)")]
    Currency(String),
    /// A transaction's amount is negative or not a number.
    #[error("amount `{0}` is not a non-negative number")]
    Amount(String),
    /// Reading the input failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// The 1-based line of a byte offset in `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() + 1
}
