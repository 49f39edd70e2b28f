//! Integration tests of the filing crate, one binary with a module per
//! subject.

mod cases;
mod props;
mod rules;

use std::path::PathBuf;

use serde::de::DeserializeOwned;

/// Reads a hand-made input from `tests/filing/data/`.
pub(crate) fn load<T: DeserializeOwned>(name: &str) -> T {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/filing/data").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The document, or a panic listing every violation.
pub(crate) fn ok(result: vigia_filing::Result<String>) -> String {
    match result {
        Ok(xml) => xml,
        Err(error) => {
            let list: Vec<String> = error.violations().iter().map(ToString::to_string).collect();
            panic!("{error}\n{}", list.join("\n"))
        }
    }
}
