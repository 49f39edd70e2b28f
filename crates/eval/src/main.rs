//! `vigia-eval`: runs Vigia's screening on the labelled sets in
//! `../shared/data/eval` against every list in `../shared/data/lists`, and
//! prints recall, precision, F1 and false-positive rate per set, with
//! throughput.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Parser;

// The allocator of the `vigia` binary, so that in-process figures are the
// product's.
#[global_allocator]
static ALLOCATOR: vigia_alloc::Allocator = vigia_alloc::Allocator;
use vigia_eval::{
    EvalSet, SetReport, align_treated, cross_script, evaluate, label_positives, load_lists,
    negatives, yente_queries,
};
use vigia_index::{IndexBuilder, IndexConfig};
use vigia_screen::{ScreenConfig, Screener};

/// Screening quality and throughput on the labelled sets.
#[derive(Debug, Parser)]
struct Args {
    /// The shared data folder (lists/ and eval/ inside).
    #[arg(long, default_value = "../shared/data")]
    data: PathBuf,
    /// Match threshold.
    #[arg(long, default_value_t = 0.7)]
    threshold: f32,
    /// Results scoring below this are not kept (defaults to the threshold,
    /// as in `vigia screen`).
    #[arg(long)]
    cutoff: Option<f32>,
    /// The most results kept per query.
    #[arg(long, default_value_t = 5)]
    limit: usize,
    /// Algorithm (vigia, vigia-name, ofac, or a yente name).
    #[arg(long, default_value = "vigia")]
    algorithm: String,
    /// Only the first N negatives of each negative file (0: all).
    #[arg(long, default_value_t = 0)]
    negatives: usize,
    /// Examples of misses and false positives to print per set.
    #[arg(long, default_value_t = 10)]
    examples: usize,
    /// Print the reports as JSON.
    #[arg(long)]
    json: bool,
    /// Write the listed entities (FollowTheMoney JSON lines) and the
    /// labelled query sets (`sets.jsonl`: set, query, expected ids) into
    /// this folder, so that a peer engine can be run on exactly the same
    /// data and labels.
    #[arg(long, value_name = "DIR")]
    export: Option<PathBuf>,
    /// Screen these queries (JSON lines, as `vigia screen` reads) against
    /// the lists and print the full results with explanations, instead of
    /// running the sets.
    #[arg(long, value_name = "FILE")]
    probe: Option<PathBuf>,
    /// Build an index of this many synthetic entities (persons, companies,
    /// vessels with names, aliases, birth dates, countries), report its
    /// build time, size and the process's peak memory, and exit.
    #[arg(long, value_name = "N")]
    synthetic: Option<usize>,
    /// Time the pipeline's stages (analysis and expansion, candidate
    /// generation, scoring) on one thread over one fixture file of
    /// ../shared/data/eval/yente (e.g. negatives_global.csv), and exit.
    #[arg(long, value_name = "FILE")]
    stages: Option<String>,
}

fn main() -> Result<()> {
    let args = Args::parse();
    // A batch, like `vigia screen`: the same allocator setting (ADR 0151).
    vigia_alloc::keep_freed_memory();
    let Some(algorithm) = vigia_screen::algorithm(&args.algorithm) else {
        bail!("unknown algorithm {:?}", args.algorithm);
    };
    if let Some(n) = args.synthetic {
        return synthetic_build(n);
    }
    let lists = args.data.join("lists");
    let eval = args.data.join("eval");
    let started = Instant::now();
    let (entities, notes) = load_lists(&lists)?;
    let loaded = started.elapsed();
    let started = Instant::now();
    let mut builder = IndexBuilder::new(IndexConfig::default());
    builder.extend(entities);
    let index = Arc::new(builder.finish());
    let built = started.elapsed();
    eprintln!(
        "lists: {} records indexed ({} names, {} tokens, ~{} MB) in {:.2}s after {:.2}s of parsing",
        index.stats().records,
        index.stats().names,
        index.stats().tokens,
        index.stats().heap_bytes / 1_000_000,
        built.as_secs_f64(),
        loaded.as_secs_f64()
    );
    for note in &notes {
        eprintln!("  {note}");
    }
    let screener = Screener::new(index.clone(), "shared-data");
    let mut config = ScreenConfig {
        threshold: args.threshold,
        cutoff: args.cutoff.unwrap_or(args.threshold),
        limit: args.limit,
        ..ScreenConfig::default()
    };
    config.score = vigia_screen::vigia_score::ScoreConfig::for_algorithm(algorithm);

    if let Some(probe) = &args.probe {
        let file = std::io::BufReader::new(
            std::fs::File::open(probe).with_context(|| format!("opening {}", probe.display()))?,
        );
        let mut warnings = Vec::new();
        let queries = vigia_screen::input::read_queries(file, &mut warnings)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        for query in queries {
            let query = query.map_err(|e| anyhow::anyhow!("{e}"))?;
            let result = screener.screen(&query, &config, &mut vigia_index::Scratch::new());
            println!("{}", serde_json::to_string_pretty(&result)?);
        }
        return Ok(());
    }
    let yente = eval.join("yente");
    let take = |mut v: Vec<vigia_screen::Query>| {
        if args.negatives > 0 {
            v.truncate(args.negatives);
        }
        v
    };
    if let Some(file) = &args.stages {
        let queries = take(yente_queries(&yente.join(file), "st")?);
        stage_loop(&index, &queries, &config);
        let mut tokens: Vec<String> = queries
            .iter()
            .flat_map(|q| {
                q.entity
                    .names()
                    .flat_map(|(_, n)| vigia_text::token::tokenize(&vigia_text::normalize::fold(n)))
                    .collect::<Vec<_>>()
            })
            .collect();
        tokens.sort();
        tokens.dedup();
        let t = Instant::now();
        let mut expanded = 0usize;
        for token in &tokens {
            let chars: Vec<char> = token.chars().collect();
            let (m, _) = vigia_text::phonetic::metaphone(token);
            let (e, _) = index.expand(
                &chars,
                vigia_text::PartTag::Word,
                &m,
                &vigia_text::phonetic::skeleton(token),
                None,
            );
            expanded += e.len();
        }
        println!(
            "{} distinct tokens expanded in {:.1} µs each ({:.1} expansions each)",
            tokens.len(),
            t.elapsed().as_secs_f64() / tokens.len() as f64 * 1e6,
            expanded as f64 / tokens.len() as f64
        );
        let t = Instant::now();
        for query in &queries {
            std::hint::black_box(vigia_index::Evidence::of(&query.entity));
        }
        println!(
            "evidence: {:.1} µs per query",
            t.elapsed().as_secs_f64() / queries.len() as f64 * 1e6
        );
        let t = Instant::now();
        for query in &queries {
            for (_, name) in query.entity.names() {
                std::hint::black_box(vigia_text::analyze(name, vigia_model::NameKind::Person));
            }
        }
        let analyze = t.elapsed().as_secs_f64();
        let n = queries.len() as f64;
        println!("text analysis alone: {:.1} µs per query", analyze / n * 1e6);
        return Ok(());
    }
    let untreated = yente_queries(&yente.join("positives_un_untreated.csv"), "un")?;
    let untreated = label_positives(&index, untreated, &["un_sc_sanctions"]);
    let treated =
        align_treated(&untreated, yente_queries(&yente.join("positives_un_treated.csv"), "unt")?);
    let congress = yente_queries(&yente.join("positives_us_congress_untreated.csv"), "us")?;
    let congress = label_positives(&index, congress, &[]);
    let sets = vec![
        EvalSet { name: "UN positives, clean".into(), queries: untreated },
        EvalSet { name: "UN positives, treated".into(), queries: treated },
        EvalSet { name: "US Congress positives".into(), queries: congress },
        EvalSet {
            name: "negatives, global".into(),
            queries: negatives(take(yente_queries(&yente.join("negatives_global.csv"), "ng")?)),
        },
        EvalSet {
            name: "negatives, US".into(),
            queries: negatives(take(yente_queries(&yente.join("negatives_us.csv"), "nu")?)),
        },
    ];
    let (xs_entities, xs_set) = cross_script(&eval.join("watchman/cross_script_pairs.csv"))
        .context("cross-script pairs")?;
    if let Some(dir) = &args.export {
        vigia_eval::export(dir, &index, &sets, &xs_entities, &xs_set)?;
        eprintln!("exported the entities and labelled sets to {}", dir.display());
    }
    let mut reports: Vec<SetReport> =
        sets.iter().map(|set| evaluate(&screener, set, &config, args.examples)).collect();

    let mut builder = IndexBuilder::new(IndexConfig::default());
    builder.extend(xs_entities);
    let xs_screener = Screener::new(Arc::new(builder.finish()), "cross-script");
    reports.push(evaluate(&xs_screener, &xs_set, &config, 30));

    if args.json {
        println!("{}", serde_json::to_string_pretty(&reports)?);
        return Ok(());
    }
    let threads = rayon::current_num_threads();
    println!(
        "{:<26} {:>7} {:>7} {:>8} {:>9} {:>7} {:>9} {:>8} {:>10}",
        "set", "queries", "mapped", "recall", "precision", "F1", "any-match", "top-1", "q/s/core"
    );
    for r in &reports {
        println!(
            "{:<26} {:>7} {:>7} {:>8.4} {:>9.4} {:>7.4} {:>9.4} {:>8} {:>10.0}",
            r.name,
            r.queries,
            r.mapped,
            r.recall,
            r.precision,
            r.f1,
            r.match_rate,
            r.top1,
            r.queries_per_second / threads as f64
        );
    }
    for r in &reports {
        if !r.examples.is_empty() {
            println!("\n{}:", r.name);
            for example in &r.examples {
                println!("  {example}");
            }
        }
    }
    let total_negatives: usize =
        reports.iter().filter(|r| r.name.starts_with("negatives")).map(|r| r.queries).sum();
    let false_positive_queries: usize =
        reports.iter().filter(|r| r.name.starts_with("negatives")).map(|r| r.any_match).sum();
    println!(
        "\nfalse-positive rate on {total_negatives} negatives: {:.4}% ({false_positive_queries} queries); algorithm {}, threshold {}",
        100.0 * false_positive_queries as f64 / total_negatives.max(1) as f64,
        algorithm.name(),
        args.threshold
    );
    Ok(())
}

/// The timed loop of `--stages`, a function of its own so that profilers
/// (`valgrind --tool=callgrind --toggle-collect='*stage_loop*'`) can count
/// it alone.
#[inline(never)]
fn stage_loop(index: &vigia_index::Index, queries: &[vigia_screen::Query], config: &ScreenConfig) {
    let mut scratch = vigia_index::Scratch::new();
    let (mut prepare, mut candidates, mut scoring) = (0.0f64, 0.0f64, 0.0f64);
    let (mut names, mut scored, mut touched) = (0usize, 0usize, 0usize);
    for query in queries {
        let t = Instant::now();
        let prepared = index.prepare_with(&query.entity, &mut scratch);
        let evidence = vigia_index::Evidence::of(&query.entity);
        prepare += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let set = index.candidates(&prepared, config.cutoff, &|_| true, &mut scratch);
        candidates += t.elapsed().as_secs_f64();
        touched += set.names_touched;
        let t = Instant::now();
        for candidate in &set.candidates {
            names += candidate.names.len();
            scored += 1;
            std::hint::black_box(vigia_screen::vigia_score::score_candidate(
                index,
                &prepared,
                &evidence,
                candidate,
                &config.score,
                false,
            ));
        }
        scoring += t.elapsed().as_secs_f64();
    }
    let n = queries.len() as f64;
    println!(
        "{} queries: prepare {:.1} µs, candidates {:.1} µs, scoring {:.1} µs ({:.1} candidates, {:.1} names, {:.0} names touched per query)",
        queries.len(),
        prepare / n * 1e6,
        candidates / n * 1e6,
        scoring / n * 1e6,
        scored as f64 / n,
        names as f64 / n,
        touched as f64 / n
    );
}

/// A field of /proc/self/status in kB (0 where it cannot be read).
fn proc_status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).map(str::to_owned))
        })
        .and_then(|kb| kb.parse::<u64>().ok())
        .unwrap_or(0)
}

/// Builds an index of `n` synthetic entities and reports time and memory.
fn synthetic_build(n: usize) -> Result<()> {
    // Entities are generated into the builder as a list loader streams them
    // from the store: the builder is what holds them.
    let started = Instant::now();
    let mut builder = IndexBuilder::new(IndexConfig::default());
    builder.extend(vigia_eval::synthetic_entity_stream(n, 20261127));
    let generated = started.elapsed();
    let generated_rss = proc_status_kb("VmRSS:") / 1024;
    let started = Instant::now();
    let index = builder.finish();
    let built = started.elapsed();
    let peak = proc_status_kb("VmHWM:");
    let resident = proc_status_kb("VmRSS:") / 1024;
    println!(
        "{n} synthetic entities (generated in {:.2}s, {generated_rss} MB resident): index of {} records, {} names, {} tokens built in {:.2}s on {} threads; index ~{} MB; {resident} MB resident after the build, peak RSS {} MB",
        generated.as_secs_f64(),
        index.stats().records,
        index.stats().names,
        index.stats().tokens,
        built.as_secs_f64(),
        rayon::current_num_threads(),
        index.stats().heap_bytes / 1_000_000,
        peak / 1024
    );
    Ok(())
}
