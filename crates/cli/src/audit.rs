//! `vigia audit ...`: check the hash chain of the audit trail and export
//! a range of it as JSON lines.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use vigia_store::{AuditLog, NewAuditEvent, Verification};

use crate::Global;
use crate::cases::{Identity, open_store};

/// `vigia audit`.
#[derive(Debug, Args)]
pub(crate) struct AuditArgs {
    #[command(flatten)]
    identity: Identity,
    #[command(subcommand)]
    command: AuditCommand,
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Recompute every record's hash and its link to the previous record;
    /// name the first record that does not verify (edited, inserted or
    /// deleted outside Vigia). Exit code 1 when the chain is broken.
    Verify {
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write records as JSON lines (seq, at, actor, action, subject,
    /// details, prev_hash, hash), oldest first. The export itself is
    /// recorded in the trail.
    Export(ExportArgs),
}

#[derive(Debug, Args)]
struct ExportArgs {
    /// The first record (by sequence number, from 1).
    #[arg(long, default_value_t = 1)]
    from: u64,
    /// The last record (default: the latest).
    #[arg(long)]
    to: Option<u64>,
    /// Where to write (default, or `-`: standard output).
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Records read per query while exporting.
const PAGE: usize = 10_000;

pub(crate) fn run(args: AuditArgs, global: &Global) -> Result<ExitCode> {
    match args.command {
        AuditCommand::Verify { json } => {
            let store = open_store(global)?;
            let verification = store.verify()?;
            if json {
                println!("{}", serde_json::to_string(&verification)?);
            }
            match verification {
                Verification::Intact { events, head } => {
                    if !json {
                        println!("intact: {events} record(s), head {head}");
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Verification::Broken { seq, reason } => {
                    eprintln!("vigia: the audit trail is broken at record {seq}: {reason}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        AuditCommand::Export(a) => export(&a, &args.identity, global),
    }
}

fn export(args: &ExportArgs, identity: &Identity, global: &Global) -> Result<ExitCode> {
    if args.from == 0 {
        bail!("--from counts from 1");
    }
    if let Some(to) = args.to
        && to < args.from
    {
        bail!("--to {to} is before --from {}", args.from);
    }
    let actor = identity.actor()?;
    let mut store = open_store(global)?;
    let destination = args.output.as_ref().map(|p| p.display().to_string());
    let mut out = crate::output::create(args.output.as_deref(), 1 << 13)?;
    let mut after = args.from - 1;
    let mut written = 0u64;
    let mut last = None;
    'pages: loop {
        let page = store.events(after, PAGE)?;
        if page.is_empty() {
            break;
        }
        for event in page {
            if args.to.is_some_and(|to| event.seq > to) {
                break 'pages;
            }
            after = event.seq;
            serde_json::to_writer(&mut out, &event)?;
            out.write_all(b"\n")?;
            written += 1;
            last = Some(event.seq);
        }
    }
    out.flush().context("writing the export")?;
    drop(out);
    store.record(&NewAuditEvent {
        at: crate::rescreen::now_text()?,
        actor: actor.user,
        action: "audit.export".into(),
        subject: "audit".into(),
        details: serde_json::json!({
            "from": args.from,
            "to": last,
            "records": written,
            "destination": destination.as_deref().unwrap_or("-"),
        }),
    })?;
    eprintln!(
        "vigia: exported {written} record(s){}",
        last.map(|l| format!(" ({}..={l})", args.from)).unwrap_or_default()
    );
    Ok(ExitCode::SUCCESS)
}
