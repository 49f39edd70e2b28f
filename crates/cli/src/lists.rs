//! `vigia lists ...`: import, status, diff, export and update.

use std::process::ExitCode;

use clap::Subcommand;

use crate::Global;

/// The `lists` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum ListsCommand {
    /// Show the active datasets.
    Status,
}

/// Runs a `lists` subcommand.
pub(crate) fn run(command: ListsCommand, _global: &Global) -> anyhow::Result<ExitCode> {
    match command {
        ListsCommand::Status => anyhow::bail!("lists status: the store is not built yet"),
    }
}
