//! `vigia simulate`: write a synthetic, labelled transaction set.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Args;
use vigia_simulate::{Simulation, SimulationConfig, parse_date};

use crate::Global;

/// Generate synthetic transactions with labelled, injected laundering
/// patterns.
///
/// Writes Vigia JSONL, one transaction per line, in time order. Each line
/// has a `labels` object naming the injected pattern it belongs to
/// (`{"typology": "cycle", "scenario": "G3", "pattern": "G3-00012"}`) or
/// `null`; monitoring never reads it. Benign cash that must be reported
/// (over $10,000 in a business day, or in the GTO band at a border agent)
/// is labelled `ctr` (scenarios A1, A2).
///
/// The population (individuals, remittance senders, cash businesses,
/// employers, casas de cambio, armored-car services) and every pattern are
/// a pure function of the seed: the same arguments give the same bytes.
/// Output streams one simulated day at a time, so any size fits in memory.
///
/// Examples:
///
///   vigia simulate --transactions 1000000 --seed 7 -o tx.jsonl --customers profiles.jsonl
///
///   vigia simulate --transactions 20000 | vigia monitor -
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct SimulateArgs {
    /// Number of transactions to write.
    #[arg(long, short = 'n', default_value_t = 100_000, value_name = "N")]
    transactions: u64,
    /// Number of customer accounts (default: one per 500 transactions, at
    /// least 200).
    #[arg(long, value_name = "N")]
    accounts: Option<u32>,
    /// Seed of the generator.
    #[arg(long, default_value_t = 1, value_name = "S")]
    seed: u64,
    /// First simulated day, YYYY-MM-DD (default 2025-01-01, or 2025-08-15
    /// for runs shorter than 300 days, so the GTO and §2313a dates fall
    /// inside).
    #[arg(long, value_name = "DATE")]
    start: Option<String>,
    /// Number of simulated days (default: what the transactions and
    /// accounts fill).
    #[arg(long, value_name = "N")]
    days: Option<u32>,
    /// Injected patterns per scenario (default: one per 25,000
    /// transactions, at least 2).
    #[arg(long, value_name = "N")]
    patterns: Option<u32>,
    /// Where to write the transactions (default, or `-`: standard output).
    #[arg(short = 'o', long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Also write the customers' account profiles (JSONL, the format
    /// `vigia monitor --profiles` reads) to this file.
    #[arg(long, value_name = "FILE")]
    customers: Option<PathBuf>,
    /// Print a summary (patterns and labelled transactions per scenario)
    /// to standard error when done.
    #[arg(long)]
    summary: bool,
}

pub(crate) fn run(args: SimulateArgs, global: &Global) -> Result<ExitCode> {
    let start = match &args.start {
        Some(text) => match parse_date(text) {
            Some(day) => Some(day),
            None => bail!("--start: not a date (YYYY-MM-DD): {text}"),
        },
        None => None,
    };
    let config = SimulationConfig {
        transactions: args.transactions,
        accounts: args.accounts,
        seed: args.seed,
        start,
        days: args.days,
        patterns_per_scenario: args.patterns,
    };
    let mut simulation = Simulation::new(&config)?;
    if let Some(path) = &args.customers {
        std::fs::write(path, simulation.profiles_jsonl())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let mut out = crate::output::create(args.output.as_deref(), 1 << 20)?;
    let bar = crate::progress::counter(
        global.interactive && crate::output::file(args.output.as_deref()).is_some(),
        "transactions",
    );
    let mut buffer = String::with_capacity(1 << 22);
    while simulation.next_day(&mut buffer) {
        out.write_all(buffer.as_bytes()).context("writing transactions")?;
        buffer.clear();
        bar.set_position(simulation.summary().transactions);
    }
    out.flush().context("writing transactions")?;
    bar.finish_and_clear();
    if args.summary {
        let summary = simulation.summary();
        eprintln!(
            "{} transactions, {} accounts, {} to {}",
            summary.transactions, summary.accounts, summary.first_day, summary.last_day
        );
        for (scenario, (patterns, labelled)) in &summary.scenarios {
            eprintln!("  {scenario}: {patterns} patterns, {labelled} labelled transactions");
        }
    }
    Ok(ExitCode::SUCCESS)
}
