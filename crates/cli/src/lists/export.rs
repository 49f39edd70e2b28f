//! `vigia lists export`.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use vigia_store::{EntityFilter, ListStore};

use super::{actor, now, open_store, shown};
use crate::Global;

/// Arguments of `vigia lists export`.
#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    /// Only this dataset (default: every active dataset).
    #[arg(long, value_name = "NAME")]
    dataset: Option<String>,
    /// Write to this file instead of standard output (`-`: standard
    /// output). The file appears complete or not at all.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

pub(super) fn run(args: &ExportArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let mut store = open_store(global)?;
    if let Some(dataset) = &args.dataset
        && store.active_version(dataset)?.is_none()
    {
        anyhow::bail!("no version of {dataset} is active (see vigia lists status)");
    }
    let filter =
        EntityFilter { datasets: args.dataset.iter().cloned().collect(), matchable_only: false };
    let output = crate::output::file(args.output.as_deref());
    let (count, destination) = match output {
        None => {
            let stdout = io::stdout().lock();
            (write_entities(&store, &filter, BufWriter::new(stdout))?, "stdout".to_owned())
        }
        Some(path) => {
            // Write beside the target, then rename: a reader never sees
            // half an export.
            let partial = path.with_extension("partial");
            let file =
                File::create(&partial).with_context(|| format!("creating {}", shown(&partial)))?;
            let count = write_entities(&store, &filter, BufWriter::new(file))
                .with_context(|| format!("writing {}", shown(&partial)))?;
            std::fs::rename(&partial, path)
                .with_context(|| format!("renaming to {}", shown(path)))?;
            (count, shown(path))
        }
    };
    store.record_export(args.dataset.as_deref(), count, &destination, &now(), &actor())?;
    Ok(ExitCode::SUCCESS)
}

fn write_entities(
    store: &vigia_store::Store,
    filter: &EntityFilter,
    mut out: impl Write,
) -> anyhow::Result<u64> {
    let mut failure: Option<io::Error> = None;
    let count = store.for_each_active_entity(filter, &mut |entity| {
        let written = serde_json::to_writer(&mut out, &entity)
            .map_err(io::Error::from)
            .and_then(|()| out.write_all(b"\n"));
        match written {
            Ok(()) => true,
            Err(err) => {
                failure = Some(err);
                false
            }
        }
    })?;
    if let Some(err) = failure {
        return Err(err.into());
    }
    out.flush()?;
    Ok(count)
}
