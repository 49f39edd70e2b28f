//! The store's error type.

use std::path::PathBuf;

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The data directory could not be created or read.
    #[error("{path}: {source}")]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// SQLite reported an error.
    #[error("store: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The database was written by a newer Vigia, or a migration that was
    /// already applied has since been edited.
    #[error("store schema: {0}")]
    Schema(String),
    /// Stored data does not read back as it was written (an edited row, a
    /// damaged file).
    #[error("store data corruption: {0}")]
    DataCorruption(String),
    /// A dataset or version that does not exist was asked for.
    #[error("{0}")]
    NotFound(String),
    /// The workflow rules refuse the change (a role missing, a state that
    /// does not allow it, the four-eyes rule); the message says why.
    #[error("refused: {0}")]
    Refused(String),
    /// The input cannot be stored as given (an empty comment, an alert
    /// already in a case); the message says what to fix.
    #[error("{0}")]
    Invalid(String),
}

/// `Result` with the store's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
