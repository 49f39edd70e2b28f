//! `vigia-eval`: runs Vigia's screening on the labelled sets in
//! `../shared/data/eval` against every list in `../shared/data/lists`, and
//! prints recall, precision, F1 and false-positive rate per set, with
//! throughput.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Parser;
use vigia_eval::{EvalSet, SetReport, align_treated, cross_script, evaluate, label_positives, load_lists, negatives, yente_queries};
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
}

fn main() -> Result<()> {
    let args = Args::parse();
    let Some(algorithm) = vigia_screen::algorithm(&args.algorithm) else {
        bail!("unknown algorithm {:?}", args.algorithm);
    };
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
    let mut config = ScreenConfig { threshold: args.threshold, ..ScreenConfig::default() };
    config.score = vigia_screen::vigia_score::ScoreConfig::for_algorithm(algorithm);

    let yente = eval.join("yente");
    let untreated = yente_queries(&yente.join("positives_un_untreated.csv"), "un")?;
    let untreated = label_positives(&index, untreated, &["un_sc_sanctions"]);
    let treated = align_treated(&untreated, yente_queries(&yente.join("positives_un_treated.csv"), "unt")?);
    let congress = yente_queries(&yente.join("positives_us_congress_untreated.csv"), "us")?;
    let congress = label_positives(&index, congress, &[]);
    let take = |mut v: Vec<vigia_screen::Query>| {
        if args.negatives > 0 {
            v.truncate(args.negatives);
        }
        v
    };
    let sets = vec![
        EvalSet { name: "UN positives, clean".into(), queries: untreated },
        EvalSet { name: "UN positives, treated".into(), queries: treated },
        EvalSet { name: "US Congress positives".into(), queries: congress },
        EvalSet { name: "negatives, global".into(), queries: negatives(take(yente_queries(&yente.join("negatives_global.csv"), "ng")?)) },
        EvalSet { name: "negatives, US".into(), queries: negatives(take(yente_queries(&yente.join("negatives_us.csv"), "nu")?)) },
    ];
    let mut reports: Vec<SetReport> = sets.iter().map(|set| evaluate(&screener, set, &config, args.examples)).collect();

    let (xs_entities, xs_set) = cross_script(&eval.join("watchman/cross_script_pairs.csv")).context("cross-script pairs")?;
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
    let total_negatives: usize = reports.iter().filter(|r| r.name.starts_with("negatives")).map(|r| r.queries).sum();
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
