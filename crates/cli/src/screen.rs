//! `vigia screen` and `vigia compare`.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Args;
use serde::{Deserialize, Serialize};
use vigia_index::{Evidence, IndexBuilder, IndexConfig, Scratch};
use vigia_model::Entity;
use vigia_screen::input::{InputError, read_queries};
use vigia_screen::vigia_score::{self, Algorithm, Explanation, ScoreConfig};
use vigia_screen::{ENGINE, Query, ScreenConfig, ScreenResult, with_thread_scratch};
use vigia_server::lists::IndexSource;

use crate::{Global, engine, progress};

/// The arguments of `vigia screen` (its help text is on `Command::Screen`).
#[derive(Debug, Args)]
pub(crate) struct ScreenArgs {
    /// The queries: a CSV or JSON-lines file, or `-` for standard input.
    input: PathBuf,
    /// Where to write the results (standard output by default, or `-`).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Results scoring at least this are matches.
    #[arg(long, default_value_t = 0.7)]
    threshold: f32,
    /// Results scoring below this are not written.
    #[arg(long, default_value_t = 0.5)]
    cutoff: f32,
    /// The most results per query.
    #[arg(long, default_value_t = 5)]
    limit: usize,
    /// The scoring algorithm: vigia (default), vigia-name, ofac; yente's
    /// names (best, logic-v2, name-based, ...) are accepted.
    #[arg(long, default_value = "vigia")]
    algorithm: String,
    /// Only screen against these datasets (repeatable).
    #[arg(long = "dataset")]
    datasets: Vec<String>,
    /// Only write queries that have at least one match.
    #[arg(long)]
    matches_only: bool,
}

/// How many queries are screened per parallel batch: large enough to keep
/// every core busy, small enough that memory stays flat on huge files.
const CHUNK: usize = 8192;

/// How many queries between two updates of the progress counter.
const PROGRESS_EVERY: u64 = 1024;

fn open_input(path: &PathBuf) -> Result<Box<dyn BufRead>> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(BufReader::with_capacity(1 << 16, io::stdin())));
    }
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    Ok(Box::new(BufReader::with_capacity(1 << 16, file)))
}

fn open_output(path: &Option<PathBuf>) -> Result<Box<dyn Write>> {
    crate::output::create(path.as_deref(), 1 << 16)
}

fn algorithm(name: &str) -> Result<Algorithm> {
    match Algorithm::parse(name) {
        Some(algorithm) => Ok(algorithm),
        None => bail!(
            "unknown algorithm {name:?} (vigia, vigia-name, ofac, or yente's best, logic-v2, name-based)"
        ),
    }
}

fn check_unit(name: &str, value: f32) -> Result<()> {
    if !(0.0..=1.0).contains(&value) {
        bail!("--{name} must be between 0 and 1, not {value}");
    }
    Ok(())
}

/// Runs `vigia screen`.
pub(crate) fn run_screen(args: ScreenArgs, global: &Global) -> Result<ExitCode> {
    check_unit("threshold", args.threshold)?;
    check_unit("cutoff", args.cutoff)?;
    let algorithm = algorithm(&args.algorithm)?;
    let input = open_input(&args.input)?;
    let (screener, loaded) = engine::load_screener(global)?;
    if loaded.versions.is_empty() {
        eprintln!(
            "vigia: no list imported: screening against the built-in watchlist ({})",
            loaded.label
        );
    }
    for dataset in &args.datasets {
        if screener.index().dataset_id(dataset).is_none() {
            bail!(
                "--dataset {dataset}: no active list has this dataset (see `vigia lists status`)"
            );
        }
    }
    let config = ScreenConfig {
        threshold: args.threshold,
        cutoff: args.cutoff,
        limit: args.limit,
        score: ScoreConfig::for_algorithm(algorithm),
        include_datasets: args.datasets.clone(),
        ..ScreenConfig::default()
    };
    let mut warnings = Vec::new();
    let queries = read_queries(input, &mut warnings)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.input.display()))?;
    for warning in warnings {
        eprintln!("vigia: {}: {warning}", args.input.display());
    }
    let mut output = open_output(&args.output)?;
    let fingerprint = config.fingerprint();
    let mut lines =
        LineWriter::new(screener.lists_version(), config.score.algorithm.name(), &fingerprint);
    let bar = progress::counter(global.interactive, "screened");
    let started = Instant::now();
    let (mut screened, mut matched, mut failed) = (0u64, 0u64, 0u64);
    let mut emit = |result: &ScreenResult| -> Result<()> {
        let any = result.results.iter().any(|r| r.is_match);
        matched += u64::from(any);
        if any || !args.matches_only {
            lines.write(&mut *output, result)?;
        }
        screened += 1;
        if screened.is_multiple_of(PROGRESS_EVERY) {
            bar.set_position(screened);
        }
        Ok(())
    };
    // On one thread each query is screened as soon as it is read, on this
    // thread, and its result written and freed at once: a batch would only
    // hand the queries to the pool's one worker and back, and hold a
    // batch of queries and of results in memory (fresh pages, each zeroed
    // by the kernel when first touched, cost more than the hand-off).
    let one_thread = vigia_screen::batch_threads() == 1;
    let mut chunk: Vec<Query> = Vec::with_capacity(if one_thread { 0 } else { CHUNK });
    for query in queries {
        match query {
            Ok(query) if one_thread => {
                let result = with_thread_scratch(|scratch| {
                    screener.screen_fingerprinted(&query, &config, &fingerprint, scratch)
                });
                emit(&result)?;
            }
            Ok(query) => {
                chunk.push(query);
                if chunk.len() == CHUNK {
                    for result in screener.screen_batch(&chunk, &config) {
                        emit(&result)?;
                    }
                    chunk.clear();
                }
            }
            Err(InputError::Io { line, source }) => {
                return Err(source)
                    .with_context(|| format!("{}: line {line}", args.input.display()));
            }
            Err(err) => {
                failed += 1;
                eprintln!("vigia: {}: {err}", args.input.display());
            }
        }
    }
    for result in screener.screen_batch(&chunk, &config) {
        emit(&result)?;
    }
    bar.set_position(screened);
    output.flush()?;
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    let index_from = match loaded.source {
        IndexSource::Snapshot => "snapshot",
        IndexSource::Builtin | IndexSource::Built { .. } => "index",
    };
    eprintln!(
        "vigia: screened {screened} queries against {} ({} entities) in {seconds:.2}s ({:.0}/s); {matched} with a match; lists loaded in {:.2}s ({index_from} {:.2}s)",
        loaded.label,
        screener.index().stats().records,
        screened as f64 / seconds.max(1e-9),
        loaded.load_seconds,
        loaded.index_seconds
    );
    // The process ends here: tearing the index down (a few hundred thousand
    // allocations, freed one by one) would only cost time; the operating
    // system takes the memory back at once.
    std::mem::forget(screener);
    std::mem::forget(loaded);
    if failed > 0 {
        eprintln!("vigia: {failed} malformed rows were not screened (see above)");
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes screening results as JSON lines, as serde_json writes them.
///
/// Most queries match nothing, and their lines differ only in the id,
/// `total`, `total_exact`, `caps_hit` and `safety_net`: the fields that
/// are the same for every result of a run are escaped once, and such lines
/// are written directly (serialising them field by field cost more than
/// screening some of the queries). Lines with results, or with other
/// constant fields, go through serde_json.
///
/// Each line is put together in a buffer of its own and handed to the
/// output in one write: serde_json writes a line with results in dozens of
/// pieces (quotes, keys, commas), each a call through `dyn Write` when
/// written to the output directly, and a push onto a vector here.
struct LineWriter {
    lists_version: String,
    algorithm: String,
    config: String,
    /// `"lists_version":…,"algorithm":…,"config":…,"engine":…` as
    /// serde_json writes these fields.
    tail: String,
    /// The line being written, emptied before each.
    line: Vec<u8>,
}

impl LineWriter {
    fn new(lists_version: &str, algorithm: &str, config: &str) -> LineWriter {
        let json = |s: &str| serde_json::to_string(s).unwrap_or_default();
        let tail = format!(
            "\"lists_version\":{},\"algorithm\":{},\"config\":{},\"engine\":{}",
            json(lists_version),
            json(algorithm),
            json(config),
            json(ENGINE)
        );
        LineWriter {
            lists_version: lists_version.to_owned(),
            algorithm: algorithm.to_owned(),
            config: config.to_owned(),
            tail,
            line: Vec::with_capacity(1 << 12),
        }
    }

    /// Writes one result and a newline.
    fn write(&mut self, output: &mut dyn Write, result: &ScreenResult) -> Result<()> {
        self.line.clear();
        self.put(result)?;
        output.write_all(&self.line)?;
        Ok(())
    }

    /// Puts one result and a newline into `self.line`.
    fn put(&mut self, result: &ScreenResult) -> Result<()> {
        let line = &mut self.line;
        let plain = result.results.is_empty()
            && result.lists_version == self.lists_version
            && result.algorithm == self.algorithm
            && result.config == self.config
            && result.engine == ENGINE;
        if !plain {
            serde_json::to_writer(&mut *line, result)?;
            line.push(b'\n');
            return Ok(());
        }
        // The fields in the order `ScreenResult` declares them.
        line.extend_from_slice(b"{\"query_id\":");
        serde_json::to_writer(&mut *line, &result.query_id)?;
        write!(
            line,
            ",\"results\":[],\"total\":{},\"total_exact\":{},{}",
            result.total, result.total_exact, self.tail
        )?;
        if result.caps_hit != 0 {
            write!(line, ",\"caps_hit\":{}", result.caps_hit)?;
        }
        if result.safety_net {
            line.extend_from_slice(b",\"safety_net\":true");
        }
        line.extend_from_slice(b"}\n");
        Ok(())
    }
}

/// Scores pairs of entities: does the query match the candidate?
///
/// INPUT is JSON lines, {"id": "p1", "query": ENTITY, "candidate": ENTITY}
/// per line, entities in FollowTheMoney form ({"schema", "properties"}).
/// Output: {"id", "score", "match", "explanations"} per line.
#[derive(Debug, Args)]
pub(crate) struct CompareArgs {
    /// The pairs: a JSON-lines file, or `-` for standard input.
    input: PathBuf,
    /// Where to write the scores (standard output by default, or `-`).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Scores at least this are matches.
    #[arg(long, default_value_t = 0.7)]
    threshold: f32,
    /// The scoring algorithm (as for `vigia screen`).
    #[arg(long, default_value = "vigia")]
    algorithm: String,
}

#[derive(Debug, Deserialize)]
struct PairEntity {
    #[serde(default)]
    id: Option<String>,
    schema: Option<String>,
    #[serde(default)]
    properties: vigia_model::Properties,
}

#[derive(Debug, Deserialize)]
struct Pair {
    id: Option<serde_json::Value>,
    query: PairEntity,
    candidate: PairEntity,
}

#[derive(Debug, Serialize)]
struct PairScore {
    id: String,
    score: f64,
    #[serde(rename = "match")]
    is_match: bool,
    explanations: std::collections::BTreeMap<String, Explanation>,
}

fn entity(side: PairEntity, fallback_id: &str) -> Entity {
    let schema = vigia_model::Schema::parse(side.schema.as_deref().unwrap_or("LegalEntity"));
    let mut entity = Entity::new(side.id.unwrap_or_else(|| fallback_id.to_owned()), schema);
    for (property, values) in side.properties {
        entity.add_all(&property, values);
    }
    entity
}

/// Scores one pair with the given configuration.
pub(crate) fn compare_pair(
    query: &Entity,
    candidate: &Entity,
    config: &ScoreConfig,
) -> (f32, std::collections::BTreeMap<String, Explanation>) {
    let mut explanations = std::collections::BTreeMap::new();
    if !query.schema.can_match(&candidate.schema) {
        explanations.insert(
            "schema_mismatch".to_owned(),
            Explanation {
                score: 0.0,
                detail: format!("a {} cannot match a {}", query.schema, candidate.schema),
                query: Some(query.schema.to_string()),
                candidate: Some(candidate.schema.to_string()),
            },
        );
        return (0.0, explanations);
    }
    let mut builder = IndexBuilder::new(IndexConfig::default());
    builder.add(candidate.clone());
    let index = Arc::new(builder.finish());
    let prepared = index.prepare(query);
    let evidence = Evidence::of(query);
    let set = index.candidates(&prepared, 0.0, &|_| true, &mut Scratch::new());
    match set.candidates.first() {
        Some(found) => {
            let scored = vigia_score::score(&index, &prepared, &evidence, found, config);
            (scored.score, scored.explanations)
        }
        None => {
            explanations.insert(
                "name_match".to_owned(),
                Explanation {
                    score: 0.0,
                    detail: "no name part in common".to_owned(),
                    query: query.names().next().map(|(_, n)| n.to_owned()),
                    candidate: candidate.names().next().map(|(_, n)| n.to_owned()),
                },
            );
            (0.0, explanations)
        }
    }
}

/// Runs `vigia compare`.
pub(crate) fn run_compare(args: CompareArgs, _global: &Global) -> Result<ExitCode> {
    check_unit("threshold", args.threshold)?;
    let config = ScoreConfig::for_algorithm(algorithm(&args.algorithm)?);
    let input = open_input(&args.input)?;
    let mut output = open_output(&args.output)?;
    let mut failed = 0u64;
    for (i, line) in input.lines().enumerate() {
        let number = i + 1;
        let line = line.with_context(|| format!("{}: line {number}", args.input.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let pair: Pair = match serde_json::from_str(&line) {
            Ok(pair) => pair,
            Err(err) => {
                failed += 1;
                eprintln!(
                    "vigia: {}: line {number}: not a pair object: {err}",
                    args.input.display()
                );
                continue;
            }
        };
        let id = match pair.id {
            Some(serde_json::Value::String(s)) => s,
            Some(other) => other.to_string(),
            None => number.to_string(),
        };
        let query = entity(pair.query, "query");
        let candidate = entity(pair.candidate, "candidate");
        let (score, explanations) = compare_pair(&query, &candidate, &config);
        let score = (f64::from(score) * 1000.0).round() / 1000.0;
        let result =
            PairScore { id, score, is_match: score >= f64::from(args.threshold), explanations };
        serde_json::to_writer(&mut output, &result)?;
        output.write_all(b"\n")?;
    }
    output.flush()?;
    if failed > 0 {
        eprintln!("vigia: {failed} malformed lines were not compared (see above)");
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(id: &str, total: usize, caps_hit: u32, safety_net: bool) -> ScreenResult {
        ScreenResult {
            query_id: id.to_owned(),
            results: Vec::new(),
            total,
            total_exact: total.is_multiple_of(2),
            lists_version: "un_sc_sanctions@2,us_ofac_sdn@1".to_owned(),
            algorithm: "vigia".to_owned(),
            config: "0b32b54686003f79".to_owned(),
            engine: ENGINE,
            caps_hit,
            safety_net,
        }
    }

    #[test]
    fn lines_without_results_are_written_as_serde_json_writes_them() {
        let mut lines =
            LineWriter::new("un_sc_sanctions@2,us_ofac_sdn@1", "vigia", "0b32b54686003f79");
        let mut other = result("q", 0, 0, false);
        other.lists_version = "other@1".to_owned();
        let cases = [
            result("1", 0, 0, false),
            result("q\"uoted\\ \u{1} é 金", 3, 0, false),
            result("capped", 0, 2, false),
            result("net", 0, 0, true),
            result("both", 7, 1, true),
            other,
        ];
        for case in cases {
            let mut fast = Vec::new();
            lines.write(&mut fast, &case).unwrap();
            let mut expected = serde_json::to_vec(&case).unwrap();
            expected.push(b'\n');
            assert_eq!(String::from_utf8(fast).unwrap(), String::from_utf8(expected).unwrap());
        }
    }
}
