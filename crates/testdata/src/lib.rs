//! Test support: locating the shared data beside the repository.
//!
//! Tests that read the official list files and labelled sets find them in
//! `../shared/data` next to the repository (or in `$VIGIA_SHARED_DATA`).
//! On a fresh clone that folder is absent: such tests must skip with a
//! notice, not fail. [`shared_data`] does both.
//!
//! The repository is found at run time, from the test's working directory
//! upwards (cargo and nextest run tests in the crate's directory), so a test
//! binary built from one checkout never looks into another.

use std::path::{Path, PathBuf};

/// The repository root: the nearest directory, from the working directory
/// upwards, that holds a `Cargo.lock`; else the directory this crate was
/// built from.
pub fn repo_root() -> PathBuf {
    if let Ok(start) = std::env::current_dir() {
        let mut dir: Option<&Path> = Some(&start);
        while let Some(current) = dir {
            if current.join("Cargo.lock").is_file() && current.join("crates").is_dir() {
                return current.to_path_buf();
            }
            dir = current.parent();
        }
    }
    let built = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    built.canonicalize().unwrap_or(built)
}

/// The shared data folder, if present: `$VIGIA_SHARED_DATA`, else
/// `../shared/data` beside the repository.
pub fn shared_data_root() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("VIGIA_SHARED_DATA").filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        return dir.is_dir().then_some(dir);
    }
    let dir = repo_root().join("../shared/data");
    dir.is_dir().then(|| dir.canonicalize().unwrap_or(dir))
}

/// A path inside the shared data folder, or `None` (after printing a
/// notice naming the test's needs) when the folder or the file is absent.
///
/// ```text
/// let Some(path) = vigia_testdata::shared_data("lists/un/UN_consolidated.xml") else { return };
/// ```
pub fn shared_data(relative: &str) -> Option<PathBuf> {
    let Some(root) = shared_data_root() else {
        eprintln!("skipping: ../shared/data not found (needed: {relative})");
        return None;
    };
    let path = root.join(relative);
    if path.exists() {
        Some(path)
    } else {
        eprintln!("skipping: {} not found", path.display());
        None
    }
}
