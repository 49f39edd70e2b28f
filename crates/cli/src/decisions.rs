//! `vigia hits ...`: the screening hits of registered customers, and the
//! analyst's decisions on them (false positive or true match, with a
//! reason and an author).
//!
//! A decision is bound to the versions of both sides the analyst saw. A
//! cleared false positive stays cleared on later screenings until the
//! customer or the listed entity changes in a way that matters (a new
//! alias, a new birth date, a changed name); then the hit is re-opened with
//! the reason, and a new alert enters the queue.

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use vigia_store::decisions::{DecisionRequest, HitFilter, HitStore, StoredHit};
use vigia_workflow::hit::{DecisionKind, HitStatus};

use crate::Global;
use crate::cases::{Identity, open_store};

/// `vigia hits`.
#[derive(Debug, Args)]
pub(crate) struct HitsArgs {
    #[command(flatten)]
    identity: Identity,
    #[command(subcommand)]
    command: HitsCommand,
}

#[derive(Debug, Subcommand)]
enum HitsCommand {
    /// List hits by id.
    List(ListArgs),
    /// Show a hit: both sides' versions, score, explanation, decision.
    Show {
        /// The hit id (`hit-...`) or its alert id.
        hit: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Record a decision on an open hit.
    Decide(DecideArgs),
    /// The decisions taken, oldest first.
    Decisions {
        /// Only this hit's decisions.
        #[arg(long)]
        hit: Option<String>,
        /// Print JSON lines.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
struct ListArgs {
    /// Only hits in this status: open, cleared, confirmed, closed.
    #[arg(long)]
    status: Option<String>,
    /// Only this customer's hits.
    #[arg(long)]
    customer: Option<String>,
    /// Only hits on this listed entity.
    #[arg(long)]
    entity: Option<String>,
    /// Print JSON lines.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct DecideArgs {
    /// The hit id (`hit-...`) or its alert id.
    hit: String,
    /// The decision: false-positive or true-match.
    #[arg(long = "as", value_name = "DECISION")]
    decision: String,
    /// Why (kept with the decision and in the audit trail).
    #[arg(long)]
    reason: String,
    /// The number of openings of the hit the analyst reviewed (shown by
    /// `hits show`): the decision is refused if it was re-opened since.
    #[arg(long, value_name = "N")]
    openings: Option<u64>,
}

fn parse_kind(text: &str) -> Result<DecisionKind> {
    match text.trim().to_ascii_lowercase().replace('_', "-").as_str() {
        "false-positive" | "fp" => Ok(DecisionKind::FalsePositive),
        "true-match" | "tm" => Ok(DecisionKind::TrueMatch),
        other => bail!("--as {other:?}: want false-positive or true-match"),
    }
}

/// The hit id, given a hit id or an alert id (`hit-...#2`).
fn hit_id(text: &str) -> String {
    vigia_store::decisions::hit_of_alert(text.trim()).unwrap_or(text.trim()).to_owned()
}

fn line(h: &StoredHit) -> String {
    format!(
        "{}\t{}\t{}\t{}\t{:.2}\t{}{}",
        h.id,
        h.status,
        h.customer_id,
        h.entity_id,
        h.score,
        h.caption,
        h.reason.as_deref().map(|r| format!("\t({r})")).unwrap_or_default()
    )
}

pub(crate) fn run(args: HitsArgs, global: &Global) -> Result<ExitCode> {
    match args.command {
        HitsCommand::List(a) => {
            let status = match &a.status {
                Some(s) => {
                    Some(s.parse::<HitStatus>().map_err(|e| anyhow::anyhow!("--status: {e}"))?)
                }
                None => None,
            };
            let store = open_store(global)?;
            let hits = store.hits(&HitFilter {
                status,
                customer: a.customer,
                entity: a.entity,
                ..HitFilter::default()
            })?;
            let mut out = String::new();
            for h in &hits {
                if a.json {
                    writeln!(out, "{}", serde_json::to_string(h)?)?;
                } else {
                    writeln!(out, "{}", line(h))?;
                }
            }
            print!("{out}");
            Ok(ExitCode::SUCCESS)
        }
        HitsCommand::Show { hit, json } => {
            let store = open_store(global)?;
            let id = hit_id(&hit);
            let Some(h) = store.hit(&id)? else {
                bail!("no hit {id} (vigia hits list)");
            };
            if json {
                println!("{}", serde_json::to_string(&h)?);
            } else {
                println!("{}", line(&h));
                println!(
                    "  customer {} v{} ({}), entity {} ({})",
                    h.customer_id,
                    h.binding.customer_version,
                    h.binding.customer_hash,
                    h.entity_id,
                    h.binding.entity_hash
                );
                println!(
                    "  openings {}, lists {}, algorithm {}, first seen {}, updated {}",
                    h.openings, h.lists_version, h.algorithm, h.first_seen_at, h.updated_at
                );
                if let Some(d) = &h.decision {
                    println!(
                        "  decision {} by {} at {}: {}",
                        d.kind.as_str(),
                        d.author,
                        d.decided_at,
                        d.reason
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        HitsCommand::Decide(a) => {
            let actor = args.identity.actor()?;
            let kind = parse_kind(&a.decision)?;
            let reason = a.reason.trim();
            if reason.is_empty() {
                bail!("--reason must not be empty: say why");
            }
            let mut store = open_store(global)?;
            let decision = store.decide(&DecisionRequest {
                hit_id: hit_id(&a.hit),
                kind,
                reason: reason.to_owned(),
                author: actor.user,
                at: crate::rescreen::now_text()?,
                seen_openings: a.openings,
            })?;
            println!(
                "{}: {} (decision {}, customer v{}, entity {})",
                decision.hit_id,
                decision.kind.as_str(),
                decision.id,
                decision.binding.customer_version,
                &decision.binding.entity_hash[..12.min(decision.binding.entity_hash.len())]
            );
            Ok(ExitCode::SUCCESS)
        }
        HitsCommand::Decisions { hit, json } => {
            let store = open_store(global)?;
            let id = hit.as_deref().map(hit_id);
            let decisions = store.decisions(id.as_deref(), 0, 0)?;
            let mut out = String::new();
            for d in &decisions {
                if json {
                    writeln!(out, "{}", serde_json::to_string(d)?)?;
                } else {
                    writeln!(
                        out,
                        "{}\t{}\t{}\t{}\t{}\t{}",
                        d.id,
                        d.decided_at,
                        d.hit_id,
                        d.kind.as_str(),
                        d.author,
                        d.reason
                    )?;
                }
            }
            print!("{out}");
            Ok(ExitCode::SUCCESS)
        }
    }
}
