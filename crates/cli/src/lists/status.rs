//! `vigia lists status`.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use vigia_store::ListStore;

use super::open_store;
use crate::Global;

/// Arguments of `vigia lists status`.
#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    /// Print a JSON array of versions (dataset, version, publisher, format,
    /// published, content_hash, imported_at, entity_count, source).
    #[arg(long)]
    json: bool,
}

pub(super) fn run(args: &StatusArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let store = open_store(global)?;
    let versions = store.active_versions()?;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &versions)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    if versions.is_empty() {
        writeln!(out, "no list imported yet: vigia lists import PATH, or vigia lists update")?;
        return Ok(ExitCode::SUCCESS);
    }
    let width = versions.iter().map(|v| v.dataset.len()).max().unwrap_or(0).max(7);
    writeln!(
        out,
        "{:<width$}  {:>7}  {:<18}  {:>8}  {:<20}  {:<10}  SOURCE",
        "DATASET", "VERSION", "FORMAT", "ENTITIES", "IMPORTED", "PUBLISHED"
    )?;
    for v in &versions {
        writeln!(
            out,
            "{:<width$}  {:>7}  {:<18}  {:>8}  {:<20}  {:<10}  {}",
            v.dataset,
            v.version,
            v.format,
            v.entity_count,
            v.imported_at,
            v.published.as_deref().unwrap_or("-"),
            v.source
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
