//! The engine fingerprint of index snapshots (ADR 0119): a hash of every
//! source that decides what index a store's lists become — the model and
//! its parsing of stored bodies, name analysis, the index build, the store's
//! reading of active entities, the loader — and of `Cargo.lock`, since
//! dependencies (Unicode tables, transliteration, phonetic keys) decide
//! analyses too. A snapshot written by a binary of other rules is then
//! stale and rebuilt, without anyone having to remember to bump a number.
//! A change that decides nothing (a comment) also changes the fingerprint:
//! that costs one rebuild, never a wrong answer.

use std::path::{Path, PathBuf};

/// The sources, relative to this crate's directory.
const SOURCES: &[&str] = &[
    "../model/src",
    "../text/src",
    "../index/src",
    "../store/src",
    "src/lists.rs",
    "../../Cargo.lock",
];

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let mut files = Vec::new();
    for source in SOURCES {
        println!("cargo::rerun-if-changed={source}");
        collect(&root.join(source), &mut files);
    }
    files.sort();
    // FNV-1a, 64 bits, over each file's path (from this crate) and bytes.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for &b in bytes {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for file in &files {
        let relative = file.strip_prefix(&root).unwrap_or(file);
        feed(relative.to_string_lossy().as_bytes());
        feed(&[0]);
        feed(&std::fs::read(file).unwrap_or_default());
        feed(&[0]);
    }
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    println!("cargo::rustc-env=VIGIA_ENGINE_FINGERPRINT={version}+{hash:016x}");
}

fn collect(path: &Path, files: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let Ok(entries) = std::fs::read_dir(path) else { return };
        for entry in entries.flatten() {
            collect(&entry.path(), files);
        }
    } else if path.is_file() {
        files.push(path.to_path_buf());
    }
}
