//! `vigia lists diff`.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use vigia_store::ListStore;

use super::open_store;
use crate::Global;

/// Arguments of `vigia lists diff`.
#[derive(Debug, Args)]
pub(crate) struct DiffArgs {
    /// The dataset (as `vigia lists status` names it).
    dataset: String,
    /// The older version (default: the version before --to).
    #[arg(long, value_name = "V")]
    from: Option<u64>,
    /// The newer version (default: the active version).
    #[arg(long, value_name = "V")]
    to: Option<u64>,
    /// Print one JSON object: dataset, from, to, and the added, removed and
    /// changed entities (id, schema, caption; properties for changes).
    #[arg(long)]
    json: bool,
}

pub(super) fn run(args: &DiffArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let store = open_store(global)?;
    let diff = store.diff(&args.dataset, args.from, args.to)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer(&mut out, &diff)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let from = diff.from.map(|v| format!("version {v}")).unwrap_or_else(|| "nothing".into());
    writeln!(
        out,
        "{}: {from} → version {}: {} added, {} removed, {} changed",
        diff.dataset,
        diff.to,
        diff.added.len(),
        diff.removed.len(),
        diff.changed.len()
    )?;
    for entry in &diff.added {
        writeln!(out, "+ {} {} ({})", entry.id, entry.caption, entry.schema)?;
    }
    for entry in &diff.removed {
        writeln!(out, "- {} {} ({})", entry.id, entry.caption, entry.schema)?;
    }
    for entry in &diff.changed {
        writeln!(
            out,
            "~ {} {} ({}): {}",
            entry.id,
            entry.caption,
            entry.schema,
            entry.properties.join(", ")
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
