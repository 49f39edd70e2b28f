//! OFAC: the CSV sets, sdn.xml and sdn_advanced.xml.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use vigia_model::{Entity, Schema, Severity};
use vigia_sources::ofac::{self, CsvSet, NamedInput};
use vigia_sources::{Collect, Format, Parsed};

fn open(path: &Path) -> NamedInput<BufReader<File>> {
    NamedInput { file: path.file_name().unwrap().to_string_lossy().into_owned(), reader: BufReader::new(File::open(path).unwrap()) }
}

/// Reads a CSV set from a folder: `main` and the companions that exist.
fn read_set(dir: &Path, main: &str, addresses: &str, aliases: &str, comments: &str, dataset: &str) -> (Collect, Parsed) {
    let optional = |name: &str| {
        let path = dir.join(name);
        path.exists().then(|| open(&path))
    };
    let set = CsvSet { main: open(&dir.join(main)), addresses: optional(addresses), aliases: optional(aliases), comments: optional(comments) };
    let mut sink = Collect::default();
    let parsed = ofac::parse_csv_set(set, dataset, &mut sink).unwrap();
    (sink, parsed)
}

fn count_by_schema(entities: &[Entity]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for entity in entities {
        *counts.entry(entity.schema.name().to_owned()).or_default() += 1;
    }
    counts
}

fn listed(entities: &[Entity]) -> usize {
    entities.iter().filter(|e| e.target == Some(true)).count()
}

#[test]
fn real_sdn_set_stats() {
    let Some(dir) = vigia_testdata::shared_data("lists/ofac/sdn.csv") else { return };
    let dir = dir.parent().unwrap().to_path_buf();
    let started = std::time::Instant::now();
    let (sink, parsed) = read_set(&dir, "sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv", "us_ofac_sdn");
    eprintln!("parsed in {:?}", started.elapsed());
    eprintln!("records {} listed {} {:?}", parsed.records, listed(&sink.entities), count_by_schema(&sink.entities));
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for d in &sink.diagnostics {
        let key: String = d.message.chars().take(40).collect();
        *kinds.entry(format!("{:?} {}", d.severity, key)).or_default() += 1;
    }
    for (k, v) in &kinds {
        eprintln!("{v:6} {k}");
    }
    let _ = (PathBuf::new(), Schema::Person, Severity::Info, Format::OfacSdnCsv);
}
