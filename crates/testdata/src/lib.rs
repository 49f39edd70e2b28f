//! Test support: locating the shared data beside the repository.
//!
//! Tests that read the official list files and labelled sets find them in
//! `../shared/data` next to the repository (or in `$VIGIA_SHARED_DATA`).
//! On a fresh clone that folder is absent: such tests must skip with a
//! notice, not fail. [`shared_data`] does both. [`synthetic_entities`]
//! generates listed entities for scale tests and benchmarks.
//!
//! The repository is found at run time, from the test's working directory
//! upwards (cargo and nextest run tests in the crate's directory), so a test
//! binary built from one checkout never looks into another.

use std::path::{Path, PathBuf};

use vigia_model::{Entity, Schema, prop};

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

/// `n` synthetic listed entities for scale tests: persons (given names,
/// one or two family names, an alias in a third of cases, birth dates,
/// nationalities), companies (words and a legal form) and vessels, with
/// name parts drawn from a Zipf-like distribution over generated syllable
/// words, as real lists have a few very common parts and many rare ones.
/// Deterministic for a seed.
pub fn synthetic_entity_stream(n: usize, seed: u64) -> impl Iterator<Item = Entity> {
    const SYLLABLES: &[&str] = &[
        "ma", "ri", "an", "to", "ka", "le", "mo", "ha", "med", "al", "ja", "qu", "in", "go", "mez",
        "ro", "sa", "la", "fer", "nan", "dez", "lu", "is", "car", "los", "gar", "cia", "ab", "dul",
        "rah", "man", "ser", "gei", "iv", "ov", "pe", "tro", "vich", "ko", "zh", "ang", "wei",
        "li", "xu", "ta", "na", "be", "ni", "or", "ul",
    ];
    const FORMS: &[&str] =
        &["LLC", "S.A. de C.V.", "Ltd", "GmbH", "OOO", "Trading Co", "Holdings", "SA", "Inc"];
    const COUNTRIES: &[&str] =
        &["mx", "us", "ve", "sv", "co", "ru", "ir", "cn", "af", "sy", "kp", "gt"];
    let vocabulary: Vec<String> = (0..200_000)
        .map(|i| {
            let mut word = String::new();
            let mut x = i as u64 * 2_654_435_761 + 1;
            for _ in 0..(2 + (x % 3)) {
                word.push_str(SYLLABLES[(x % SYLLABLES.len() as u64) as usize]);
                x /= SYLLABLES.len() as u64;
                x = x
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407)
                    >> 7;
            }
            word
        })
        .collect();
    let mut state = seed | 1;
    (0..n).map(move |i| {
        let mut next = || {
            // xorshift64*: deterministic, no dependency.
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            state.wrapping_mul(0x2545_f491_4f6c_dd1d)
        };
        let word = |next: &mut dyn FnMut() -> u64| -> String {
            // Zipf-like: the square of a uniform draw favours low ranks.
            let u = (next() % 1_000_000) as f64 / 1_000_000.0;
            let rank = ((u * u) * vocabulary.len() as f64) as usize;
            let w = &vocabulary[rank.min(vocabulary.len() - 1)];
            let mut c = w.chars();
            c.next().map(|f| f.to_uppercase().chain(c).collect::<String>()).unwrap_or_default()
        };
        let kind = next() % 10;
        let mut e;
        if kind < 6 {
            e = Entity::new(format!("syn-{i}"), Schema::Person);
            let name = format!(
                "{} {} {}",
                word(&mut next),
                word(&mut next).to_uppercase(),
                word(&mut next).to_uppercase()
            );
            e.add(prop::NAME, &name);
            if next() % 3 == 0 {
                e.add(
                    prop::ALIAS,
                    &format!("{} {}", word(&mut next), word(&mut next).to_uppercase()),
                );
            }
            e.add(
                prop::BIRTH_DATE,
                &format!("{}-{:02}-{:02}", 1940 + next() % 60, 1 + next() % 12, 1 + next() % 28),
            );
            e.add(prop::NATIONALITY, COUNTRIES[(next() % COUNTRIES.len() as u64) as usize]);
        } else if kind < 9 {
            e = Entity::new(format!("syn-{i}"), Schema::Company);
            e.add(
                prop::NAME,
                &format!(
                    "{} {} {}",
                    word(&mut next),
                    word(&mut next),
                    FORMS[(next() % FORMS.len() as u64) as usize]
                ),
            );
            e.add(prop::COUNTRY, COUNTRIES[(next() % COUNTRIES.len() as u64) as usize]);
        } else {
            e = Entity::new(format!("syn-{i}"), Schema::Vessel);
            e.add(prop::NAME, &format!("{} {}", word(&mut next).to_uppercase(), next() % 100));
            e.add(prop::IMO_NUMBER, &format!("IMO{}", 9_000_000 + next() % 999_999));
        }
        e.add_dataset("synthetic");
        e
    })
}

/// The same entities as [`synthetic_entity_stream`], collected.
pub fn synthetic_entities(n: usize, seed: u64) -> Vec<Entity> {
    synthetic_entity_stream(n, seed).collect()
}
