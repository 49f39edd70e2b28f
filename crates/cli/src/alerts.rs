//! `vigia alerts ...`: store monitoring alerts (with their evidence
//! transactions) in the queue, list the queue by priority, show an alert.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use vigia_model::{Alert, Transaction};
use vigia_monitor::{Format, ReaderOptions, Record, Step, TransactionReader};
use vigia_store::{
    AlertBatch, AlertFilter, AlertSource, AlertStatus, AlertStore, Raised, StoredAlert,
};

use crate::Global;
use crate::cases::{Identity, now, open_store, parse_priority, severity_str};

/// `vigia alerts`: the subcommand and who runs it.
#[derive(Debug, Args)]
pub(crate) struct AlertsArgs {
    #[command(flatten)]
    identity: Identity,
    #[command(subcommand)]
    command: AlertsCommand,
}

/// The `alerts` subcommands.
#[derive(Debug, Subcommand)]
enum AlertsCommand {
    /// Store alerts (JSON lines as `vigia monitor` writes them) in the
    /// queue, with the transactions they cite as evidence.
    ///
    /// Idempotent: an alert is stored once per id (monitoring ids are
    /// deterministic), so importing the output of a re-run adds only the
    /// new alerts; an id stored with other content keeps the stored alert
    /// and is reported. Evidence given later is added to stored alerts.
    /// Every file is one transaction with one audit event: a bad line
    /// stores nothing.
    Import(ImportArgs),
    /// List alerts in queue order: higher priority (severity) first, then
    /// the one due soonest (overdue first), then the higher score.
    List(ListArgs),
    /// Show one alert, where it stands and its stored evidence.
    Show(ShowArgs),
}

#[derive(Debug, Args)]
struct ImportArgs {
    /// Alert files (JSON lines), or `-` for standard input.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// The transactions the alerts were raised on (any format `vigia
    /// monitor` reads); the ones the alerts cite are kept as evidence,
    /// which filings need. Repeatable.
    #[arg(long = "transactions", value_name = "FILE")]
    transactions: Vec<PathBuf>,
    /// The transactions' format: amlworld, amlsim or jsonl (default:
    /// detected).
    #[arg(long, value_name = "F")]
    format: Option<String>,
    /// Where the alerts come from: monitoring (default) or screening.
    #[arg(long, default_value = "monitoring")]
    source: String,
    /// Print what was imported as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct ListArgs {
    /// Only alerts with this status: new (in the queue, in no case), open,
    /// in_review, escalated, closed (the state of their case).
    #[arg(long)]
    status: Option<String>,
    /// Only alerts of at least this priority: low, medium, high, critical.
    #[arg(long)]
    priority: Option<String>,
    /// Only alerts of this scenario (e.g. A3).
    #[arg(long)]
    scenario: Option<String>,
    /// Only alerts naming this subject.
    #[arg(long)]
    subject: Option<String>,
    /// Only alerts past their due date (and not in a closed case).
    #[arg(long)]
    overdue: bool,
    /// At most this many.
    #[arg(long)]
    limit: Option<usize>,
    /// Print JSON lines (one alert per line, with its queue fields).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct ShowArgs {
    /// The alert id.
    id: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

fn open(path: &Path) -> Result<Box<dyn BufRead>> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(BufReader::new(io::stdin())));
    }
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    Ok(Box::new(BufReader::with_capacity(1 << 20, file)))
}

/// Reads alerts, one JSON object per line; a line that is not an alert is
/// an error naming it.
fn read_alerts(path: &Path) -> Result<Vec<Alert>> {
    let mut alerts = Vec::new();
    for (i, line) in open(path)?.lines().enumerate() {
        let line = line.with_context(|| format!("reading {}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let alert: Alert = serde_json::from_str(&line).with_context(|| {
            format!(
                "{}: line {}: not an alert (the JSON `vigia monitor` writes)",
                path.display(),
                i + 1
            )
        })?;
        if alert.id.trim().is_empty() {
            bail!("{}: line {}: the alert has no id", path.display(), i + 1);
        }
        alerts.push(alert);
    }
    Ok(alerts)
}

/// Reads the transactions whose ids are wanted.
fn read_evidence(
    paths: &[PathBuf],
    format: Option<Format>,
    wanted: &BTreeSet<&str>,
) -> Result<BTreeMap<String, Transaction>> {
    let mut found = BTreeMap::new();
    for path in paths {
        let mut reader = TransactionReader::new(
            open(path)?,
            ReaderOptions { format, ..ReaderOptions::default() },
        )
        .with_context(|| format!("reading {}", path.display()))?;
        let mut record = Record::default();
        let mut bad = 0u64;
        loop {
            match reader.read(&mut record).with_context(|| format!("reading {}", path.display()))? {
                Step::End => break,
                Step::Bad(row) => {
                    bad += 1;
                    if bad <= 3 {
                        eprintln!("vigia: skipping {}: {row}", path.display());
                    }
                }
                Step::Record => {
                    if wanted.contains(record.transaction.id.as_str()) {
                        found.insert(record.transaction.id.clone(), record.transaction.clone());
                    }
                }
            }
        }
        if bad > 3 {
            eprintln!("vigia: {}: {bad} rows skipped in all", path.display());
        }
    }
    Ok(found)
}

/// Runs an `alerts` subcommand.
pub(crate) fn run(args: AlertsArgs, global: &Global) -> Result<ExitCode> {
    // The identity is checked before anything runs, reads included.
    args.identity.actor()?;
    match args.command {
        AlertsCommand::Import(a) => import(a, &args.identity, global),
        AlertsCommand::List(a) => {
            let store = open_store(global)?;
            let filter = AlertFilter {
                status: a
                    .status
                    .as_deref()
                    .map(AlertStatus::parse)
                    .transpose()
                    .map_err(|e| anyhow::anyhow!("--status: {e}"))?,
                min_severity: a.priority.as_deref().map(parse_priority).transpose()?,
                scenario: a.scenario,
                subject: a.subject,
                overdue: a.overdue,
                limit: a.limit,
            };
            let alerts = store.alerts(&filter, now()?)?;
            if a.json {
                for alert in &alerts {
                    println!("{}", serde_json::to_string(alert)?);
                }
            } else {
                print!("{}", table(&alerts));
            }
            Ok(ExitCode::SUCCESS)
        }
        AlertsCommand::Show(a) => {
            let store = open_store(global)?;
            let alert = store.alert(&a.id, now()?)?;
            let evidence = store.alert_evidence(&a.id)?;
            if a.json {
                let mut value = serde_json::to_value(&alert)?;
                if let Some(map) = value.as_object_mut() {
                    map.insert("evidence".into(), serde_json::to_value(&evidence)?);
                }
                println!("{}", serde_json::to_string_pretty(&value)?);
            } else {
                print!("{}", show(&alert, &evidence));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn import(a: ImportArgs, identity: &Identity, global: &Global) -> Result<ExitCode> {
    let source = match a.source.as_str() {
        "monitoring" => AlertSource::Monitoring,
        "screening" => AlertSource::Screening,
        other => bail!("--source {other}: want monitoring or screening"),
    };
    let format = match &a.format {
        Some(f) => Some(
            Format::parse(f)
                .with_context(|| format!("--format {f}: want amlworld, amlsim or jsonl"))?,
        ),
        None => None,
    };
    if a.files.iter().filter(|f| f.as_os_str() == "-").count()
        + a.transactions.iter().filter(|f| f.as_os_str() == "-").count()
        > 1
    {
        bail!("standard input (-) can be read once: give the other inputs as files");
    }
    let files: Vec<(PathBuf, Vec<Alert>)> = a
        .files
        .iter()
        .map(|f| read_alerts(f).map(|alerts| (f.clone(), alerts)))
        .collect::<Result<_>>()?;
    let wanted: BTreeSet<&str> = files
        .iter()
        .flat_map(|(_, alerts)| {
            alerts.iter().flat_map(|x| x.transactions.iter().map(String::as_str))
        })
        .collect();
    let evidence = read_evidence(&a.transactions, format, &wanted)?;
    let mut store = open_store(global)?;
    let actor = identity.actor()?;
    let raised = Raised { at: now()?, actor: actor.user, source };
    let mut reports = Vec::new();
    for (path, alerts) in &files {
        let origin = path.display().to_string();
        let report = store
            .import_alerts(&AlertBatch { origin: &origin, alerts, evidence: &evidence }, &raised)
            .with_context(|| format!("importing {origin}"))?;
        if !a.json {
            let mut line = format!(
                "{origin}: {} alerts: {} new, {} unchanged",
                alerts.len(),
                report.new,
                report.unchanged
            );
            if !report.conflicting.is_empty() {
                let _ =
                    write!(line, ", {} stored with other content (kept)", report.conflicting.len());
            }
            let _ = write!(line, "; evidence: {} transactions stored", report.evidence);
            if report.evidence_missing > 0 {
                let _ = write!(line, ", {} not found", report.evidence_missing);
            }
            println!("{line}");
            for id in report.conflicting.iter().take(5) {
                eprintln!(
                    "vigia: {origin}: alert {id} is stored with other content; the stored alert is kept"
                );
            }
        }
        reports.push(serde_json::json!({"file": origin, "alerts": alerts.len(), "report": report}));
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&reports)?);
    }
    if a.transactions.is_empty()
        && files.iter().any(|(_, alerts)| alerts.iter().any(|x| !x.transactions.is_empty()))
    {
        eprintln!(
            "vigia: no --transactions given: filings need the evidence; import again with --transactions FILE to add it"
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn table(alerts: &[StoredAlert]) -> String {
    if alerts.is_empty() {
        return "no alerts\n".into();
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<24} {:<9} {:<8} {:>5} {:<21} {:<12} {:<14} subjects",
        "alert", "priority", "scenario", "score", "due", "status", "case"
    );
    for a in alerts {
        let due = if a.overdue { format!("{} !", a.due_at) } else { a.due_at.clone() };
        let _ = writeln!(
            out,
            "{:<24} {:<9} {:<8} {:>5.2} {:<21} {:<12} {:<14} {}",
            a.alert.id,
            severity_str(a.alert.severity),
            a.alert.scenario,
            a.alert.score,
            due,
            a.status.as_str(),
            a.case_id.as_deref().unwrap_or("-"),
            a.alert.subjects.join(", ")
        );
    }
    out
}

fn show(a: &StoredAlert, evidence: &[Transaction]) -> String {
    let mut out = String::new();
    let x = &a.alert;
    let _ = writeln!(out, "{}  {} {} ({})", x.id, x.scenario, x.typology, a.source.as_str());
    let _ = writeln!(out, "priority:     {} (score {:.2})", severity_str(x.severity), x.score);
    let _ = writeln!(
        out,
        "status:       {}{}",
        a.status.as_str(),
        a.case_id.as_ref().map(|c| format!(" in {c}")).unwrap_or_default()
    );
    let _ = writeln!(out, "raised:       {} by {}", a.raised_at, a.raised_by);
    let _ =
        writeln!(out, "due:          {}{}", a.due_at, if a.overdue { " (overdue)" } else { "" });
    let _ = writeln!(out, "activity:     {} .. {}", x.from, x.to);
    let _ = writeln!(out, "subjects:     {}", x.subjects.join(", "));
    if let Some(amount) = x.amount {
        let _ = writeln!(out, "amount:       {amount:.2} USD");
    }
    if !x.key_terms.is_empty() {
        let _ = writeln!(out, "key terms:    {}", x.key_terms.join("; "));
    }
    let _ = writeln!(out, "explanation:  {}", x.explanation);
    let _ = writeln!(
        out,
        "evidence:     {} of {} transactions stored",
        evidence.len(),
        x.transactions.len()
    );
    for t in evidence {
        let side = |p: &vigia_model::Party| p.name.clone().unwrap_or_else(|| p.account.clone());
        let _ = writeln!(
            out,
            "  {} {} {} {:.2} {} {} -> {}",
            t.id,
            jiff::Timestamp::from_millisecond(t.timestamp)
                .map(|t| t.to_string())
                .unwrap_or_default(),
            t.channel.as_str(),
            t.amount,
            t.currency,
            side(&t.originator),
            side(&t.beneficiary)
        );
    }
    out
}
