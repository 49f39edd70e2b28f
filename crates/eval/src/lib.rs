//! Screening quality evaluation on labelled sets.
//!
//! The sets (in `../shared/data/eval/`, never copied into the repository):
//!
//! - yente's candidate-generation benchmark: UN positives (clean and
//!   "treated" with typos, reorderings and birth dates moved by one unit)
//!   that must match their UN entry, US Congress positives that must match
//!   their `us_congress` PEP record, and 2 × 50,000 synthetic negatives that
//!   must match nothing;
//! - watchman's cross-script pairs: a name in another script and the Latin
//!   name it must match.
//!
//! The expected entity of a positive is found by name: the listed entity
//! one of whose names has the same folded tokens as the query's full name
//! (the fixtures were generated from the lists' captions). A positive whose
//! entity is no longer listed is "unmapped": it counts for "matched
//! anything" but not for recall.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use rayon::prelude::*;
use serde::Serialize;
use vigia_index::{Index, Scratch};
use vigia_model::{Entity, Schema, prop};
use vigia_screen::{Query, ScreenConfig, ScreenResult, Screener};

/// What a labelled query must produce.
#[derive(Debug, Clone, PartialEq)]
pub enum Expectation {
    /// A match on one of these entity ids.
    MatchOneOf(Vec<String>),
    /// A positive whose entity is not in the lists: only "matched
    /// anything" is measured.
    Unmapped,
    /// No match at all.
    NoMatch,
}

/// A query with its label.
#[derive(Debug, Clone)]
pub struct LabelledQuery {
    /// The query.
    pub query: Query,
    /// What it must produce.
    pub expectation: Expectation,
}

/// A named labelled set.
#[derive(Debug, Clone)]
pub struct EvalSet {
    /// The set's name.
    pub name: String,
    /// Its queries.
    pub queries: Vec<LabelledQuery>,
}

/// The figures of one set.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SetReport {
    /// The set's name.
    pub name: String,
    /// Queries run.
    pub queries: usize,
    /// Positives with a known expected entity.
    pub mapped: usize,
    /// Mapped positives whose expected entity matched.
    pub true_positives: usize,
    /// Mapped positives whose expected entity did not match.
    pub false_negatives: usize,
    /// Matched results that were not the expected entity (for negatives:
    /// every matched result).
    pub wrong_matches: usize,
    /// Queries with at least one match.
    pub any_match: usize,
    /// Mapped positives whose expected entity was the top result.
    pub top1: usize,
    /// Recall: true positives over mapped positives.
    pub recall: f64,
    /// Precision: true positives over all matched results.
    pub precision: f64,
    /// F1 of recall and precision (positive sets).
    pub f1: f64,
    /// Queries with any match over queries (the false-positive rate, for
    /// negative sets).
    pub match_rate: f64,
    /// Wall time.
    pub seconds: f64,
    /// Queries per second (all threads).
    pub queries_per_second: f64,
    /// Queries whose candidate generation hit a cap.
    pub caps_hit: usize,
    /// Examples of misses (positives) or false positives (negatives).
    pub examples: Vec<String>,
}

/// Loads every list file in a folder (recursively as `vigia lists import`
/// would) into entities. Files that fail are reported and skipped.
pub fn load_lists(dir: &Path) -> Result<(Vec<Entity>, Vec<String>)> {
    let mut files = Vec::new();
    collect_files(dir, &mut files)?;
    files.sort();
    let mut entities = Vec::new();
    let mut notes = Vec::new();
    // A file no parser reads is reported and left out, so that one unknown
    // file does not hide every other list.
    let sources = loop {
        match vigia_sources::plan(&files, None) {
            Ok(sources) => break sources,
            Err(err) => {
                let bad = files
                    .iter()
                    .position(|f| err.to_string().starts_with(&f.display().to_string()));
                match bad {
                    Some(i) => {
                        notes.push(format!("skipped: {err}"));
                        files.remove(i);
                    }
                    None => return Err(err).context("planning the list files"),
                }
            }
        }
    };
    // One version per dataset, as an installation would have after
    // `vigia lists import`: the newest published file, unless it is a small
    // excerpt of a larger one.
    let mut read: Vec<(vigia_sources::Source, vigia_sources::Summary, Vec<Entity>)> = Vec::new();
    for source in sources {
        match vigia_sources::read_all(&source) {
            Ok((collect, summary)) => read.push((source, summary, collect.entities)),
            Err(err) => notes.push(format!("{}: skipped: {err}", source.files[0].display())),
        }
    }
    let mut keep = vec![true; read.len()];
    for i in 0..read.len() {
        for j in 0..read.len() {
            if i == j || read[i].0.dataset != read[j].0.dataset || !keep[i] || !keep[j] {
                continue;
            }
            let (a, b) = (&read[i].1, &read[j].1);
            let newer = match (&a.header.published, &b.header.published) {
                (Some(x), Some(y)) => x > y,
                (Some(_), None) => false,
                _ => false,
            };
            let larger = a.records > b.records;
            // j loses to i if i is newer and not a small excerpt, or i is
            // much larger.
            if (newer && a.records * 2 >= b.records)
                || (larger && a.records >= 2 * b.records.max(1))
            {
                keep[j] = false;
            }
        }
    }
    for (k, (source, summary, found)) in read.into_iter().enumerate() {
        let verdict = if keep[k] {
            "indexed"
        } else {
            "left out (another version of the dataset is indexed)"
        };
        notes.push(format!(
            "{}: {} {} {} entities, {}",
            source.files[0].display(),
            summary.format,
            source.dataset,
            found.len(),
            verdict
        ));
        if keep[k] {
            entities.extend(found);
        }
    }
    Ok((entities, notes))
}

fn collect_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            collect_files(&path, out)?;
        } else if !matches!(path.extension().and_then(|e| e.to_str()), Some("md" | "txt" | "xsd"))
            || path.file_name().is_some_and(|n| n == "dpl.txt")
        {
            if path.file_name().is_some_and(|n| n.to_string_lossy().contains("namespace")) {
                continue;
            }
            out.push(path);
        }
    }
    Ok(())
}

/// Reads one of yente's fixture CSVs into Person queries, as yente's
/// `csv_row_to_ftm_entity` builds them.
pub fn yente_queries(path: &Path, prefix: &str) -> Result<Vec<Query>> {
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("opening {}", path.display()))?;
    let headers = reader.headers()?.clone();
    let column = |name: &str| headers.iter().position(|h| h == name);
    let columns = [
        (column("full_name"), prop::NAME),
        (column("first_name"), prop::FIRST_NAME),
        (column("middle_name"), prop::MIDDLE_NAME),
        (column("last_name"), prop::LAST_NAME),
        (column("gender"), prop::GENDER),
        (column("date_of_birth"), prop::BIRTH_DATE),
        (column("place_of_birth"), prop::BIRTH_PLACE),
        (column("nationality"), prop::NATIONALITY),
    ];
    let mut queries = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("{}: row {}", path.display(), i + 2))?;
        let id = format!("{prefix}-{}", i + 1);
        let mut entity = Entity::new(id.clone(), Schema::Person);
        for (index, property) in columns {
            if let Some(value) = index.and_then(|i| record.get(i)) {
                entity.add(property, value);
            }
        }
        queries.push(Query { id, entity });
    }
    Ok(queries)
}

/// The sorted folded tokens of a name: the key positives are mapped by.
pub fn name_key(name: &str) -> String {
    let mut tokens = vigia_text::token::tokenize(&vigia_text::normalize::fold(name));
    tokens.sort();
    tokens.join(" ")
}

/// Maps positives to the listed entities (of the given datasets) one of
/// whose names has the query's name key; birth years break ties.
pub fn label_positives(
    index: &Index,
    queries: Vec<Query>,
    datasets: &[&str],
) -> Vec<LabelledQuery> {
    let mut by_key: std::collections::HashMap<String, Vec<usize>> =
        std::collections::HashMap::new();
    for (i, record) in index.records().iter().enumerate() {
        if !datasets.is_empty()
            && !record.entity.datasets.iter().any(|d| datasets.contains(&d.as_str()))
        {
            continue;
        }
        for (_, name) in record.entity.names() {
            let entry = by_key.entry(name_key(name)).or_default();
            if !entry.contains(&i) {
                entry.push(i);
            }
        }
    }
    queries
        .into_iter()
        .map(|query| {
            let key = query.entity.first(prop::NAME).map(name_key).unwrap_or_default();
            let expectation = match by_key.get(&key) {
                Some(records) => {
                    let year = query
                        .entity
                        .first(prop::BIRTH_DATE)
                        .and_then(|d| d.get(..4))
                        .map(str::to_owned);
                    let same_year: Vec<&usize> = records
                        .iter()
                        .filter(|&&r| {
                            year.as_ref().is_some_and(|y| {
                                index.records()[r]
                                    .entity
                                    .get(prop::BIRTH_DATE)
                                    .iter()
                                    .any(|d| d.starts_with(y.as_str()))
                            })
                        })
                        .collect();
                    let chosen: Vec<&usize> =
                        if same_year.is_empty() { records.iter().collect() } else { same_year };
                    Expectation::MatchOneOf(
                        chosen.iter().map(|&&r| index.records()[r].entity.id.clone()).collect(),
                    )
                }
                None => Expectation::Unmapped,
            };
            LabelledQuery { query, expectation }
        })
        .collect()
}

/// Labels the treated UN file with the expectations of the untreated one:
/// yente generated both in the same row order.
pub fn align_treated(untreated: &[LabelledQuery], treated: Vec<Query>) -> Vec<LabelledQuery> {
    treated
        .into_iter()
        .zip(untreated)
        .map(|(query, clean)| LabelledQuery { query, expectation: clean.expectation.clone() })
        .collect()
}

/// Marks every query as a negative.
pub fn negatives(queries: Vec<Query>) -> Vec<LabelledQuery> {
    queries
        .into_iter()
        .map(|query| LabelledQuery { query, expectation: Expectation::NoMatch })
        .collect()
}

/// Runs a set and computes its figures.
pub fn evaluate(
    screener: &Screener,
    set: &EvalSet,
    config: &ScreenConfig,
    examples: usize,
) -> SetReport {
    let started = Instant::now();
    let results: Vec<ScreenResult> = set
        .queries
        .par_iter()
        .map_init(Scratch::new, |scratch, labelled| {
            screener.screen(&labelled.query, config, scratch)
        })
        .collect();
    let elapsed = started.elapsed();
    report(screener.index(), set, &results, elapsed, examples)
}

/// The name keys of every listed entity with one of these ids: a result
/// sharing one of them is the same party listed again (on another list),
/// not a wrong match.
fn same_party_keys(index: &Index, ids: &[String]) -> std::collections::HashSet<String> {
    index
        .records()
        .iter()
        .filter(|r| ids.contains(&r.entity.id))
        .flat_map(|r| r.entity.names().map(|(_, n)| name_key(n)).collect::<Vec<_>>())
        .collect()
}

fn report(
    index: &Index,
    set: &EvalSet,
    results: &[ScreenResult],
    elapsed: Duration,
    examples: usize,
) -> SetReport {
    let mut report =
        SetReport { name: set.name.clone(), queries: set.queries.len(), ..SetReport::default() };
    for (labelled, result) in set.queries.iter().zip(results) {
        let matched: Vec<&vigia_screen::MatchResult> =
            result.results.iter().filter(|r| r.is_match).collect();
        if !matched.is_empty() {
            report.any_match += 1;
        }
        if result.caps_hit > 0 {
            report.caps_hit += 1;
        }
        let name = labelled.query.entity.first(prop::NAME).unwrap_or("").to_owned();
        match &labelled.expectation {
            Expectation::MatchOneOf(ids) => {
                report.mapped += 1;
                let hit = matched.iter().any(|r| ids.contains(&r.id));
                if hit {
                    report.true_positives += 1;
                } else {
                    report.false_negatives += 1;
                    if report.examples.len() < examples {
                        let best = result.results.iter().find(|r| ids.contains(&r.id));
                        report.examples.push(match best {
                            Some(r) => {
                                format!("missed {name:?}: {} scored {:.3}", r.caption, r.score)
                            }
                            None => format!(
                                "missed {name:?}: expected {} not among results {:?}",
                                ids.join("|"),
                                result
                                    .results
                                    .iter()
                                    .map(|r| format!("{} {:.2}", r.caption, r.score))
                                    .collect::<Vec<_>>()
                            ),
                        });
                    }
                }
                if result.results.first().is_some_and(|r| r.is_match && ids.contains(&r.id)) {
                    report.top1 += 1;
                }
                let keys = same_party_keys(index, ids);
                report.wrong_matches += matched
                    .iter()
                    .filter(|r| {
                        !ids.contains(&r.id)
                            && !index
                                .record(r.record)
                                .entity
                                .names()
                                .any(|(_, n)| keys.contains(&name_key(n)))
                    })
                    .count();
            }
            Expectation::Unmapped => {}
            Expectation::NoMatch => {
                report.wrong_matches += matched.len();
                if !matched.is_empty() && report.examples.len() < examples {
                    let top = matched[0];
                    report.examples.push(format!(
                        "false positive {name:?} → {} ({:.3})",
                        top.caption, top.score
                    ));
                }
            }
        }
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    report.recall = ratio(report.true_positives, report.mapped);
    report.precision = ratio(report.true_positives, report.true_positives + report.wrong_matches);
    report.f1 = if report.recall + report.precision > 0.0 {
        2.0 * report.recall * report.precision / (report.recall + report.precision)
    } else {
        0.0
    };
    report.match_rate = ratio(report.any_match, report.queries);
    report.seconds = elapsed.as_secs_f64();
    report.queries_per_second =
        if report.seconds > 0.0 { report.queries as f64 / report.seconds } else { 0.0 };
    report
}

/// The cross-script pairs file (`query,expected,min score,description`;
/// `#` comments): each expected name becomes a listed Person; each query
/// must match its own.
pub fn cross_script(path: &Path) -> Result<(Vec<Entity>, EvalSet)> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut entities = Vec::new();
    let mut queries = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split(',').collect();
        if fields.len() < 2 {
            continue;
        }
        let n = entities.len() + 1;
        let mut listed = Entity::new(format!("xs-{n}"), Schema::Person);
        listed.add(prop::NAME, fields[1]);
        listed.add_dataset("cross_script");
        entities.push(listed);
        let mut entity = Entity::new(format!("xs-q{n}"), Schema::Person);
        entity.add(prop::NAME, fields[0]);
        queries.push(LabelledQuery {
            query: Query { id: format!("xs-q{n}"), entity },
            expectation: Expectation::MatchOneOf(vec![format!("xs-{n}")]),
        });
    }
    Ok((entities, EvalSet { name: "cross-script pairs".into(), queries }))
}

/// Writes the listed entities of an index (`entities.ftm.json`), the
/// cross-script entities (`cross_script.ftm.json`) and every labelled query
/// (`sets.jsonl`: `{"set", "id", "schema", "properties", "expected"}`,
/// `expected` being the ids to match, `[]` for a negative, `null` for an
/// unmapped positive) into a folder.
///
/// # Errors
/// The folder or a file cannot be written.
pub fn export(
    dir: &Path,
    index: &Index,
    sets: &[EvalSet],
    cross_entities: &[Entity],
    cross: &EvalSet,
) -> Result<()> {
    use std::io::Write;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut entities =
        std::io::BufWriter::new(std::fs::File::create(dir.join("entities.ftm.json"))?);
    for record in index.records() {
        serde_json::to_writer(&mut entities, &*record.entity)?;
        entities.write_all(b"\n")?;
    }
    entities.flush()?;
    let mut cross_file =
        std::io::BufWriter::new(std::fs::File::create(dir.join("cross_script.ftm.json"))?);
    for entity in cross_entities {
        serde_json::to_writer(&mut cross_file, entity)?;
        cross_file.write_all(b"\n")?;
    }
    cross_file.flush()?;
    let mut out = std::io::BufWriter::new(std::fs::File::create(dir.join("sets.jsonl"))?);
    for set in sets.iter().chain(std::iter::once(cross)) {
        for labelled in &set.queries {
            let expected = match &labelled.expectation {
                Expectation::MatchOneOf(ids) => serde_json::json!(ids),
                Expectation::NoMatch => serde_json::json!([]),
                Expectation::Unmapped => serde_json::Value::Null,
            };
            let line = serde_json::json!({
                "set": set.name,
                "id": labelled.query.id,
                "schema": labelled.query.entity.schema.name(),
                "properties": labelled.query.entity.properties,
                "expected": expected,
            });
            serde_json::to_writer(&mut out, &line)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    Ok(())
}

pub use vigia_testdata::{synthetic_entities, synthetic_entity_stream};
