//! Test support: locating the shared data beside the repository.
//!
//! Tests that read the official list files and labelled sets find them in
//! `../shared/data` next to the repository (or in `$VIGIA_SHARED_DATA`).
//! On a fresh clone that folder is absent: such tests must skip with a
//! notice, not fail. [`shared_data`] does both.

use std::path::PathBuf;

/// The shared data folder, if present: `$VIGIA_SHARED_DATA`, else
/// `../shared/data` beside the repository.
pub fn shared_data_root() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("VIGIA_SHARED_DATA").filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        return dir.is_dir().then_some(dir);
    }
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = repo.join("../shared/data");
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

/// The repository root (for tests that read committed fixtures or data).
pub fn repo_root() -> PathBuf {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    repo.canonicalize().unwrap_or(repo)
}
