//! `vigia lists ...`: import, status, diff, export and update.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use vigia_store::Store;

use crate::Global;

mod diff;
mod export;
mod import;
mod status;
mod update;

/// The `lists` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum ListsCommand {
    /// Import list files (the format is detected from content) as new
    /// versions, each activated atomically or refused.
    ///
    /// Prints, per list: format, dataset, version, entities and diagnostics
    /// by severity. A list is refused, and the active version of its dataset
    /// left untouched, when it cannot be read, holds no entity, holds fewer
    /// than half the entities of the active version (see --allow-shrink), or
    /// more than --max-error-share of its records could not be read. A file
    /// whose content is the active version's makes no new version
    /// ("unchanged"). Exit code 1 when any list was refused.
    Import(import::ImportArgs),
    /// Show the active version of every dataset.
    Status(status::StatusArgs),
    /// Show the entities added, removed and changed between two versions of
    /// a dataset (by default the previous version and the active one).
    Diff(diff::DiffArgs),
    /// Write the active entities as FollowTheMoney JSON lines.
    Export(export::ExportArgs),
    /// Download the official lists from their publishers, verify them and
    /// import them.
    ///
    /// Sources, URLs and limits come from built-in defaults, overridden by
    /// `sources.toml` in the data directory or by --config. See
    /// docs/guide/lists.md for the file's format.
    Update(update::UpdateArgs),
}

/// Runs a `lists` subcommand.
pub(crate) fn run(command: ListsCommand, global: &Global) -> anyhow::Result<ExitCode> {
    match command {
        ListsCommand::Import(args) => import::run(args, global),
        ListsCommand::Status(args) => status::run(&args, global),
        ListsCommand::Diff(args) => diff::run(&args, global),
        ListsCommand::Export(args) => export::run(&args, global),
        ListsCommand::Update(args) => update::run(&args, global),
    }
}

/// Opens the store in the data directory.
fn open_store(global: &Global) -> anyhow::Result<Store> {
    Store::open(&global.data_dir)
        .with_context(|| format!("opening the store in {}", global.data_dir.display()))
}

/// The current time as RFC 3339 UTC, to the second: the store never reads
/// the clock, the binary passes it in.
fn now() -> String {
    jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Who is acting, for the audit trail.
fn actor() -> String {
    match std::env::var("USER").or_else(|_| std::env::var("USERNAME")) {
        Ok(user) if !user.is_empty() => format!("cli:{user}"),
        _ => "cli".to_owned(),
    }
}

/// A path as shown in messages.
fn shown(path: &std::path::Path) -> String {
    path.display().to_string()
}

/// The files of a source, as shown in messages: the main file, plus the
/// number of companions.
fn shown_files(files: &[PathBuf]) -> String {
    match files {
        [] => String::new(),
        [main] => shown(main),
        [main, rest @ ..] => format!("{} (+{} companion files)", shown(main), rest.len()),
    }
}
