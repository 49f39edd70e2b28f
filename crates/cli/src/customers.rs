//! `vigia customers ...`: register customers and counterparties (CSV or
//! JSON lines, the shapes `vigia screen` reads), list them, show one with
//! its versions and hits, deactivate them.
//!
//! An import is one transaction: every row is registered or none is. The
//! customers it adds or changes are then screened against the active lists
//! (their hits land in the alert queue); `--no-screen` leaves them pending
//! for the next `vigia rescreen`.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use sha2::{Digest, Sha256};
use vigia_model::Entity;
use vigia_store::customers::{CustomerFilter, CustomerImportRequest, CustomerStore};
use vigia_store::decisions::{HitFilter, HitStore};

use crate::Global;
use crate::cases::{Identity, open_store};

/// `vigia customers`: the subcommand and who runs it.
#[derive(Debug, Args)]
pub(crate) struct CustomersArgs {
    #[command(flatten)]
    identity: Identity,
    #[command(subcommand)]
    command: CustomersCommand,
}

/// The `customers` subcommands.
#[derive(Debug, Subcommand)]
enum CustomersCommand {
    /// Register customers from CSV (header row; columns id, name, alias,
    /// schema, first_name, last_name, birth_date, nationality, country,
    /// id_number, ...) or JSON lines (`{"id", "schema", "properties"}`),
    /// then screen the new and changed ones.
    ///
    /// Every row needs an id: it is the institution's stable customer id.
    /// A customer whose screening input (names, birth dates, countries,
    /// identifiers) did not change gets no new version. The whole file is
    /// one transaction with one audit event.
    Import(ImportArgs),
    /// List registered customers by id.
    List(ListArgs),
    /// Show a customer: current version, its history and its hits.
    Show(ShowArgs),
    /// Stop screening customers (the relationship ended); their hits
    /// close. Importing a customer again reactivates it.
    Deactivate(DeactivateArgs),
}

#[derive(Debug, Args)]
struct ImportArgs {
    /// The file (CSV or JSON lines, detected from content), or `-` for
    /// standard input.
    file: PathBuf,
    /// The file is the whole customer base: deactivate the active
    /// customers it does not hold.
    #[arg(long)]
    replace: bool,
    /// Register only; leave the screening to the next `vigia rescreen`.
    #[arg(long)]
    no_screen: bool,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct ListArgs {
    /// Include deactivated customers.
    #[arg(long)]
    inactive: bool,
    /// Only customers whose current version waits for a screening.
    #[arg(long)]
    pending: bool,
    /// At most this many (0: all).
    #[arg(long, default_value_t = 0)]
    limit: usize,
    /// Print JSON lines.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct ShowArgs {
    /// The customer id.
    id: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct DeactivateArgs {
    /// Customer ids.
    #[arg(required = true)]
    ids: Vec<String>,
    /// Why (recorded in the audit trail).
    #[arg(long)]
    reason: String,
}

pub(crate) fn run(args: CustomersArgs, global: &Global) -> Result<ExitCode> {
    match args.command {
        CustomersCommand::Import(a) => import(a, &args.identity, global),
        CustomersCommand::List(a) => list(&a, global),
        CustomersCommand::Show(a) => show(&a, global),
        CustomersCommand::Deactivate(a) => {
            let actor = args.identity.actor()?;
            let reason = a.reason.trim();
            if reason.is_empty() {
                bail!("--reason must not be empty");
            }
            let mut store = open_store(global)?;
            let closed = store.deactivate_customers(
                &a.ids,
                reason,
                &crate::rescreen::now_text()?,
                &actor.user,
            )?;
            println!("{} customer(s) deactivated, {closed} hit(s) closed", a.ids.len());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Reads the whole input: the hash recorded in the audit trail covers the
/// bytes as given.
fn read_input(path: &PathBuf) -> Result<(Vec<u8>, String)> {
    let mut bytes = Vec::new();
    let shown = path.display().to_string();
    if shown == "-" {
        io::stdin().read_to_end(&mut bytes).context("reading standard input")?;
    } else {
        File::open(path)
            .and_then(|mut f| f.read_to_end(&mut bytes))
            .with_context(|| format!("reading {shown}"))?;
    }
    Ok((bytes, shown))
}

/// Parses customers: the query readers of `vigia screen`, with an id
/// required on every row (a row number is no customer id).
pub(crate) fn parse_customers(bytes: &[u8], source: &str) -> Result<Vec<Entity>> {
    let format = vigia_screen::input::detect(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        bail!("{source}: no customers (the file is empty)");
    }
    match format {
        vigia_screen::input::InputFormat::Csv => {
            let header = BufReader::new(bytes).lines().next().transpose()?.unwrap_or_default();
            let has_id =
                header.split(',').any(|c| c.trim().trim_matches('"').eq_ignore_ascii_case("id"));
            if !has_id {
                bail!("{source}: the CSV header has no id column (every customer needs its id)");
            }
        }
        vigia_screen::input::InputFormat::JsonLines => {
            for (i, line) in BufReader::new(bytes).lines().enumerate() {
                let line = line?;
                if line.trim().is_empty() {
                    continue;
                }
                let value: serde_json::Value = serde_json::from_str(&line)
                    .with_context(|| format!("{source}: line {}: not a JSON object", i + 1))?;
                if value.get("id").is_none_or(serde_json::Value::is_null) {
                    bail!("{source}: line {}: no id (every customer needs its id)", i + 1);
                }
            }
        }
    }
    let mut warnings = Vec::new();
    let reader = BufReader::new(io::Cursor::new(bytes.to_vec()));
    let queries = vigia_screen::input::read_queries(reader, &mut warnings)
        .map_err(|e| anyhow::anyhow!("{source}: {e}"))?;
    for warning in &warnings {
        eprintln!("vigia: {source}: {warning}");
    }
    let mut out = Vec::new();
    for query in queries {
        let query = query.map_err(|e| anyhow::anyhow!("{source}: {e}"))?;
        out.push(query.entity);
    }
    Ok(out)
}

fn import(args: ImportArgs, identity: &Identity, global: &Global) -> Result<ExitCode> {
    let actor = identity.actor()?;
    let (bytes, source) = read_input(&args.file)?;
    let customers = parse_customers(&bytes, &source)?;
    let at = crate::rescreen::now_text()?;
    let mut store = open_store(global)?;
    let request = CustomerImportRequest {
        source: source.clone(),
        content_hash: hex::encode(Sha256::digest(&bytes)),
        at: at.clone(),
        actor: actor.user.clone(),
        deactivate_missing: args.replace,
    };
    let report = store
        .import_customers(&request, &customers)
        .map_err(|e| anyhow::anyhow!("{source}: {e}; nothing was registered"))?;
    let screening = if args.no_screen {
        None
    } else {
        drop(store);
        Some(crate::rescreen::screen_pending(global, &at, &actor.user)?)
    };
    if args.json {
        let mut value = serde_json::json!({"import": report});
        if let Some((run, due)) = &screening {
            value["screening"] = serde_json::json!({"report": run, "rescreen_due": due});
        }
        println!("{value}");
    } else {
        println!(
            "{source}: {} customers: {} added, {} changed, {} unchanged, {} reactivated, {} deactivated",
            report.received,
            report.added,
            report.changed,
            report.unchanged,
            report.reactivated,
            report.deactivated
        );
        if let Some((run, due)) = &screening {
            println!(
                "screened {} customer(s): {} new hit(s), {} re-opened, {} alert(s) raised",
                run.screened, run.opened, run.reopened, run.alerts
            );
            if *due {
                eprintln!(
                    "vigia: the lists changed since the other customers were screened: run vigia rescreen"
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn list(args: &ListArgs, global: &Global) -> Result<ExitCode> {
    let store = open_store(global)?;
    let filter = CustomerFilter {
        inactive: args.inactive,
        pending_only: args.pending,
        after: None,
        limit: args.limit,
    };
    let customers = store.customers(&filter)?;
    let mut out = String::new();
    for c in &customers {
        if args.json {
            writeln!(out, "{}", serde_json::to_string(c)?)?;
        } else {
            let name = c.entity.caption();
            let state = if !c.active {
                "inactive"
            } else if c.pending() {
                "pending"
            } else {
                "screened"
            };
            writeln!(out, "{}\tv{}\t{state}\t{}\t{name}", c.id, c.version, c.entity.schema)?;
        }
    }
    print!("{out}");
    if !args.json {
        let counts = store.customer_counts()?;
        eprintln!(
            "{} active ({} pending), {} inactive",
            counts.active, counts.pending, counts.inactive
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn show(args: &ShowArgs, global: &Global) -> Result<ExitCode> {
    let store = open_store(global)?;
    let Some(customer) = store.customer(&args.id)? else {
        bail!("no customer {} (vigia customers list)", args.id);
    };
    let versions = store.customer_versions(&args.id)?;
    let hits =
        store.hits(&HitFilter { customer: Some(args.id.clone()), ..HitFilter::default() })?;
    if args.json {
        println!(
            "{}",
            serde_json::json!({"customer": customer, "versions": versions, "hits": hits})
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{} ({}), version {}{}",
        customer.id,
        customer.entity.schema,
        customer.version,
        if customer.active { "" } else { ", inactive" }
    );
    for v in &versions {
        println!("  v{} {} {}", v.version, v.created_at, v.entity.canonical_json());
    }
    for h in &hits {
        println!(
            "  hit {} {} {} {:.2} {}{}",
            h.id,
            h.status,
            h.entity_id,
            h.score,
            h.caption,
            h.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default()
        );
    }
    Ok(ExitCode::SUCCESS)
}
