//! The crate's one error type.

use std::fmt;

use crate::violation::Violation;

/// What can go wrong when a filing is produced.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The filing breaks one or more rules; nothing was produced. Every
    /// violation is here, with its path, so an analyst can fix them all in
    /// one pass.
    #[error("the filing breaks {} rule(s): {}", .0.len(), Summary(.0))]
    Invalid(Vec<Violation>),
    /// A batch must hold at least one filing.
    #[error("a batch needs at least one filing")]
    EmptyBatch,
    /// The XML writer failed (writing to memory; not expected in practice).
    #[error("writing XML: {0}")]
    Write(#[from] std::io::Error),
}

/// A `Result` whose error is [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// The violations, when the error is [`Error::Invalid`].
    pub fn violations(&self) -> &[Violation] {
        match self {
            Error::Invalid(violations) => violations,
            _ => &[],
        }
    }
}

/// The first few violations, for a one-line message.
struct Summary<'a>(&'a [Violation]);

impl fmt::Display for Summary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 3;
        for (i, violation) in self.0.iter().take(SHOWN).enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{violation}")?;
        }
        if self.0.len() > SHOWN {
            write!(f, "; and {} more", self.0.len() - SHOWN)?;
        }
        Ok(())
    }
}
