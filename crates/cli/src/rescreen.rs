//! `vigia rescreen`: screen the registered customers again after a list
//! change (only those the change can affect), or all of them (`--full`);
//! and the same after `vigia lists import`/`lists update`.
//!
//! The work is `vigia_store::rescreen`; this module loads the active lists
//! and prints what happened.

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use vigia_store::decisions::RunReport;
use vigia_store::rescreen::{Lists, RescreenOptions, RescreenOutcome, watermark_of};

use crate::Global;
use crate::cases::{Identity, now, open_store};

/// `vigia rescreen`.
#[derive(Debug, Args)]
pub(crate) struct RescreenArgs {
    #[command(flatten)]
    identity: Identity,
    /// Screen every active customer, not only those the list change since
    /// the last rescreen can affect. Run it periodically: it also finds
    /// the pairs a change moved across the threshold without touching
    /// their entity (ADR 0112).
    #[arg(long)]
    full: bool,
    /// A new threshold for customer screening (with --full; recorded in
    /// the audit trail).
    #[arg(long, value_name = "SCORE", requires = "full")]
    threshold: Option<f32>,
    /// A new algorithm: vigia or vigia-name (with --full).
    #[arg(long, value_name = "NAME", requires = "full")]
    algorithm: Option<String>,
    /// Print the outcome as JSON.
    #[arg(long)]
    json: bool,
}

/// The current time as stored (RFC 3339, UTC, to the second).
pub(crate) fn now_text() -> Result<String> {
    Ok(now()?.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
}

/// Screens the customers an import registered or changed. Returns the
/// report and whether a rescreen of the others is due.
pub(crate) fn screen_pending(global: &Global, at: &str, actor: &str) -> Result<(RunReport, bool)> {
    let loaded = crate::engine::load(global)?;
    let screener = loaded.screener();
    let versions = watermark_of(&loaded.versions);
    let mut store = open_store(global)?;
    let lists = Lists { screener: &screener, versions: &versions };
    Ok(vigia_store::rescreen::screen_pending(&mut store, lists, at, actor)?)
}

/// After lists were activated: rescreens the customers the change can
/// affect, if customers are registered. Prints one line on stderr. A
/// failed rescreen does not undo the activation: it is reported, and the
/// next `vigia rescreen` does the work (the watermark has not moved).
pub(crate) fn after_list_change(global: &Global, actor: &str) -> Result<()> {
    if let Err(err) = rescreen_if_due(global, actor) {
        eprintln!(
            "vigia: warning: the lists are active but the customers were not rescreened: {err:#}; run vigia rescreen"
        );
    }
    Ok(())
}

fn rescreen_if_due(global: &Global, actor: &str) -> Result<()> {
    let store = open_store(global)?;
    let active = vigia_server::lists::active_versions(&global.data_dir)?;
    if !vigia_store::rescreen::due(&store, &watermark_of(&active))? {
        return Ok(());
    }
    drop(store);
    let options =
        RescreenOptions { at: now_text()?, actor: actor.to_owned(), ..Default::default() };
    let outcome = rescreen(global, &options)?;
    eprintln!("vigia: rescreen: {}", summary(&outcome));
    Ok(())
}

fn rescreen(global: &Global, options: &RescreenOptions) -> Result<RescreenOutcome> {
    let loaded = crate::engine::load(global)?;
    let screener = loaded.screener();
    let versions = watermark_of(&loaded.versions);
    let mut store = open_store(global)?;
    let lists = Lists { screener: &screener, versions: &versions };
    Ok(vigia_store::rescreen::rescreen(&mut store, lists, options)?)
}

fn summary(o: &RescreenOutcome) -> String {
    let r = &o.report;
    format!(
        "{} against {}: {} of {} customer(s) screened ({} listed entities searched, {} removed){}; \
         {} new hit(s), {} re-opened, {} kept cleared, {} closed, {} alert(s) raised; {:.2} s",
        o.mode.as_str(),
        o.lists_version,
        o.screened,
        o.customers,
        o.searched_entities,
        o.removed_entities,
        o.full_because.as_deref().map(|w| format!(" (full: {w})")).unwrap_or_default(),
        r.opened,
        r.reopened,
        r.kept_cleared,
        r.closed,
        r.alerts,
        o.seconds.change + o.seconds.select + o.seconds.screen + o.seconds.apply
    )
}

pub(crate) fn run(args: RescreenArgs, global: &Global) -> Result<ExitCode> {
    let actor = args.identity.actor()?;
    let options = RescreenOptions {
        full: args.full,
        threshold: args.threshold,
        algorithm: args.algorithm,
        at: now_text()?,
        actor: actor.user,
    };
    let outcome = rescreen(global, &options)?;
    if args.json {
        println!("{}", serde_json::to_string(&outcome)?);
    } else {
        println!("{}", summary(&outcome));
        for hit in &outcome.report.opened_hits {
            println!("  {hit}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
