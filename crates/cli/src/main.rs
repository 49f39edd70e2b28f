//! `vigia`: sanctions screening and transaction monitoring in one program.
//!
//! This binary is glue: it parses arguments, opens the store, calls the
//! library crates and prints results. Each command lives in its own module.

use std::io::{self, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

// Screening allocates many small, short-lived vectors per query; glibc's
// allocator spent a fifth of `vigia screen`'s time on them (ADR 0004).
#[global_allocator]
static ALLOCATOR: vigia_alloc::Allocator = vigia_alloc::Allocator;

/// Vigia: screen people and companies against designation lists, and watch
/// transaction streams for laundering.
#[derive(Debug, Parser)]
#[command(name = "vigia", version, about, long_about = None, propagate_version = true)]
struct Cli {
    /// Where the embedded store lives. Defaults to `$XDG_DATA_HOME/vigia`
    /// (or `~/.local/share/vigia`).
    #[arg(long, global = true, env = "VIGIA_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Import, inspect, compare, export and update designation lists.
    #[command(subcommand)]
    Lists(lists::ListsCommand),
    /// Screen people, companies and vessels against the active lists.
    ///
    /// Without imported lists, the built-in watchlist is used. INPUT is CSV with a header or JSON lines, detected from content; `-`
    /// reads standard input. CSV columns: id, name (or full_name), alias
    /// (`;`-separated), schema (or type, kind), first_name, middle_name, last_name, birth_date
    /// (or date_of_birth, dob), place_of_birth, gender, nationality, country,
    /// id_number, passport, address; unknown columns are ignored with a
    /// warning. A row without an id gets its row number; a row without a
    /// schema is a Person when it has person fields (first/last name, birth
    /// date, gender), else a LegalEntity. A name with an aside in parentheses
    /// or quotes ("Cártel del Golfo (CDG)", "Nemesio 'El Mencho' Oseguera") is
    /// also screened without it, and the aside as an alias. JSON lines are
    /// yente /match queries:
    /// {"id": "q1", "schema": "Person", "properties": {"name": [...], ...}}.
    ///
    /// Output: one JSON line per query, {"query_id", "results": [{"id",
    /// "caption", "schema", "datasets", "score", "match", "explanations"}],
    /// "total", "lists_version", "algorithm", "config", "engine"}, results
    /// best first. A malformed row is reported on standard error with its line
    /// number; the other rows are still screened, and the command then exits
    /// non-zero so that no customer is skipped silently.
    Screen(screen::ScreenArgs),
    /// Score pairs of entities against each other.
    Compare(screen::CompareArgs),
    /// Generate synthetic, labelled transactions with injected typologies.
    Simulate(simulate::SimulateArgs),
    /// Run transaction monitoring over a file or stdin; alerts as JSON lines.
    Monitor(monitor::MonitorArgs),
    /// Serve the HTTP API (yente-compatible screening, search, entities).
    Serve(serve::ServeArgs),
    /// Create, list and revoke the HTTP API's keys.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Store monitoring alerts in the queue and list it by priority.
    Alerts(alerts::AlertsArgs),
    /// Group alerts into cases and work them: review, escalate, comment,
    /// attach, close with four-eyes approval, merge; service levels.
    Cases(cases::CasesArgs),
    /// Generate regulator filings from a case: FinCEN SAR and CTR (BSA
    /// E-Filing XML), UNODC goAML STR.
    File(file::FileArgs),
    /// Register customers and counterparties to screen, list and show
    /// them, deactivate them.
    Customers(customers::CustomersArgs),
    /// Screening hits of registered customers and the decisions on them
    /// (false positive, true match).
    Hits(decisions::HitsArgs),
    /// Screen registered customers again: those a list change can affect,
    /// or all of them (--full).
    Rescreen(rescreen::RescreenArgs),
    /// Verify the hash chain of the audit trail; export a range of it.
    Audit(audit::AuditArgs),
}

/// Options every command shares, resolved from the command line and the
/// environment.
#[derive(Debug, Clone)]
pub(crate) struct Global {
    /// The store directory.
    pub(crate) data_dir: PathBuf,
    /// Whether standard error is a terminal (progress bars are shown only then).
    pub(crate) interactive: bool,
}

mod alerts;
mod audit;
mod cases;
mod customers;
mod decisions;
mod engine;
mod file;
mod keys;
mod lists;
mod monitor;
mod output;
mod progress;
mod rescreen;
mod screen;
mod serve;
mod simulate;

fn default_data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("vigia");
    }
    if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        return PathBuf::from(home).join(".local/share/vigia");
    }
    PathBuf::from(".vigia")
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Every command but the server runs a batch and exits: memory it frees
    // is needed again a moment later (ADR 0151). The server hands it back
    // after a burst.
    if !matches!(cli.command, Command::Serve(_)) {
        vigia_alloc::keep_freed_memory();
    }
    let global = Global {
        data_dir: cli.data_dir.unwrap_or_else(default_data_dir),
        interactive: io::stderr().is_terminal(),
    };
    let result = match cli.command {
        Command::Lists(command) => lists::run(command, &global),
        Command::Screen(args) => screen::run_screen(args, &global),
        Command::Compare(args) => screen::run_compare(args, &global),
        Command::Simulate(args) => simulate::run(args, &global),
        Command::Monitor(args) => monitor::run(args, &global),
        Command::Serve(args) => serve::run(args, &global),
        Command::Keys(command) => keys::run(command, &global),
        Command::Alerts(args) => alerts::run(args, &global),
        Command::Cases(args) => cases::run(args, &global),
        Command::File(args) => file::run(args, &global),
        Command::Customers(args) => customers::run(args, &global),
        Command::Hits(args) => decisions::run(args, &global),
        Command::Rescreen(args) => rescreen::run(args, &global),
        Command::Audit(args) => audit::run(args, &global),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            // A closed pipe (`vigia ... | head`) is not a failure.
            if err.chain().any(|cause| {
                cause
                    .downcast_ref::<io::Error>()
                    .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("vigia: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
