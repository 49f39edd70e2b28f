//! Where a command writes its lines: a file named by `-o`, or standard
//! output when there is none or it is `-` (as `-` already means standard
//! input for the commands that read).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};

/// The file `-o` names: none when it is absent or `-` (standard output).
pub(crate) fn file(path: Option<&Path>) -> Option<&Path> {
    path.filter(|p| *p != Path::new("-"))
}

/// A buffered writer of `capacity` bytes to `path`, or to standard output.
pub(crate) fn create(path: Option<&Path>, capacity: usize) -> Result<Box<dyn Write>> {
    Ok(match file(path) {
        Some(path) => Box::new(BufWriter::with_capacity(
            capacity,
            File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => Box::new(BufWriter::with_capacity(capacity, io::stdout().lock())),
    })
}
