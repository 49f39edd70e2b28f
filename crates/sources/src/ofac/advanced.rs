//! OFAC `sdn_advanced.xml`.

use std::io::BufRead;

use crate::{Parsed, Result, Sink};

pub(super) fn parse<R: BufRead>(input: R, file: &str, dataset: &str, sink: &mut dyn Sink) -> Result<Parsed> {
    let _ = (input, dataset, sink);
    Err(crate::Error::FileSet(format!("{file}: not yet")))
}
