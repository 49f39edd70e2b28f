//! Text analysis over a real query mix: the first 8,000 names of yente's
//! global negatives (`eval/yente/negatives_global.csv` in the shared data;
//! persons named in many scripts), analysed as query preparation analyses
//! them (`analyze_without_keys`, persons), and as the index build does
//! (`analyze`, with phonetic keys).
//!
//! Prints the wall time per name of each pass (best of five rounds). For
//! instruction counts, run the binary once under callgrind and count only
//! the loop:
//!
//! ```text
//! cargo bench -p vigia-text --bench corpus --no-run
//! VIGIA_CORPUS_ROUNDS=1 valgrind --tool=callgrind \
//!     --toggle-collect='*corpus_without_keys*' target/release/deps/corpus-<hash>
//! ```
//!
//! With `VIGIA_CORPUS_DUMP=1` it instead prints every analysis of every
//! name of the file (or of the text file `VIGIA_CORPUS_DUMP` names, one
//! name per line), under each name kind, with and without keys: a change
//! meant to keep every result (a faster path) is checked by diffing the
//! output of two builds.
//!
//! Skips with a notice when the shared data is absent.

use std::hint::black_box;
use std::time::Instant;

use vigia_text::{NameKind, analyze, analyze_without_keys};

/// One timed pass over the names.
type Pass = fn(&[String]);

/// How many names of the file are analysed.
const NAMES: usize = 8_000;

/// The first field of each data row of a CSV whose first field is the full
/// name (quoted only when it holds a comma), at most `max`.
fn names(text: &str, max: usize) -> Vec<String> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let name = match line.strip_prefix('"') {
                Some(rest) => rest.split('"').next()?,
                None => line.split(',').next()?,
            };
            (!name.is_empty()).then(|| name.to_owned())
        })
        .take(max)
        .collect()
}

#[inline(never)]
fn corpus_without_keys(names: &[String]) {
    for n in names {
        black_box(analyze_without_keys(black_box(n), NameKind::Person));
    }
}

#[inline(never)]
fn corpus_with_keys(names: &[String]) {
    for n in names {
        black_box(analyze(black_box(n), NameKind::Person));
    }
}

fn main() {
    let Some(path) = vigia_testdata::shared_data("eval/yente/negatives_global.csv") else {
        return;
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("skipping: cannot read {}: {e}", path.display());
            return;
        }
    };
    if let Some(dump_from) = std::env::var_os("VIGIA_CORPUS_DUMP") {
        match std::fs::read_to_string(&dump_from) {
            Ok(list) => dump(&list.lines().map(str::to_owned).collect::<Vec<_>>()),
            Err(_) => dump(&names(&text, usize::MAX)),
        }
        return;
    }
    let names = names(&text, NAMES);
    let rounds: usize =
        std::env::var("VIGIA_CORPUS_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(5).max(1);
    // Build the lazily initialised tables before timing.
    for n in &names {
        black_box(analyze(n, NameKind::Unknown));
    }
    let passes: [(&str, Pass); 2] = [
        ("analyze_without_keys (query preparation)", corpus_without_keys),
        ("analyze (index build)", corpus_with_keys),
    ];
    for (label, pass) in passes {
        let mut best = f64::INFINITY;
        for _ in 0..rounds {
            let t = Instant::now();
            pass(&names);
            best = best.min(t.elapsed().as_secs_f64());
        }
        #[allow(clippy::cast_precision_loss)]
        let per_name = best / names.len() as f64 * 1e6;
        println!("corpus/{label}: {} names, {per_name:.2} µs per name", names.len());
    }
}

/// Prints every analysis of every name, one block per name.
fn dump(names: &[String]) {
    use std::io::Write;
    let kinds = [NameKind::Person, NameKind::Organization, NameKind::Object, NameKind::Unknown];
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for n in names {
        for kind in kinds {
            let keyed = analyze(n, kind);
            let unkeyed = analyze_without_keys(n, kind);
            if writeln!(out, "{kind:?} {keyed:?}\n{kind:?} {unkeyed:?}").is_err() {
                return;
            }
        }
    }
}
