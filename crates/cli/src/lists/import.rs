//! `vigia lists import`: detect, read, check, activate.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc;

use anyhow::Context;
use clap::{ArgAction, Args};
use indicatif::ProgressBar;
use sha2::{Digest, Sha256};
use vigia_model::{Diagnostic, Entity};
use vigia_sources::{Format, Sink, Source, Summary};
use vigia_store::{
    AuditLog, ImportPolicy, ImportReport, ImportRequest, ImportStart, ListImport, ListStore,
    NewAuditEvent, Outcome, Store,
};

use super::{actor, now, open_store, shown, shown_files};
use crate::{Global, progress};

/// Every format, for `--format` (the names are [`Format::name`]).
const FORMATS: [Format; 19] = [
    Format::OfacSdnCsv,
    Format::OfacConsCsv,
    Format::OfacAddressCsv,
    Format::OfacAltCsv,
    Format::OfacCommentsCsv,
    Format::OfacSdnXml,
    Format::OfacAdvancedXml,
    Format::UnXml,
    Format::EuFsfXml,
    Format::UkSanctionsXml,
    Format::UkConListCsv,
    Format::CanadaSemaXml,
    Format::TradeGovCsl,
    Format::BisDpl,
    Format::FtmJson,
    Format::FtmDeltaIndex,
    Format::FtmDelta,
    Format::SenzingJson,
    Format::GenericCsv,
];

/// Parses a format name as `lists status` shows it (`un_xml`, `ftm_json`,
/// ...); dashes are accepted for underscores.
pub(super) fn parse_format(name: &str) -> Result<Format, String> {
    let wanted = name.trim().to_ascii_lowercase().replace('-', "_");
    FORMATS.into_iter().find(|f| f.name() == wanted).ok_or_else(|| {
        let names: Vec<&str> = FORMATS.iter().map(|f| f.name()).collect();
        format!("unknown format {name:?}; one of: {}", names.join(", "))
    })
}

/// Arguments of `vigia lists import`.
#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    /// List files, or directories: every list found in a directory (and its
    /// subdirectories) is imported; documentation and schema files there
    /// are skipped with a notice.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Import under this dataset name instead of the format's default
    /// (`un_sc_sanctions`, `us_ofac_sdn`, `opensanctions`, ...).
    #[arg(long, value_name = "NAME")]
    dataset: Option<String>,
    /// Read every file as this format instead of detecting it from content
    /// (`un_xml`, `ofac_sdn_csv`, `ftm_json`, `generic_csv`, ...).
    #[arg(long, value_name = "FORMAT", value_parser = parse_format)]
    format: Option<Format>,
    /// The column mapping of an institution's own CSV list (TOML, or JSON
    /// when the name ends in .json); see docs/guide/generic-csv.md. Implies
    /// --format generic_csv.
    #[arg(long, value_name = "FILE")]
    mapping: Option<PathBuf>,
    /// Accept a version with fewer than half the entities of the active
    /// one (the list really shrank). The override is recorded in the audit
    /// trail.
    #[arg(long)]
    allow_shrink: bool,
    /// Refuse a list when more than this share of its records could not be
    /// read (dropped with an error diagnostic), in percent.
    #[arg(long, value_name = "PERCENT", default_value_t = 1.0)]
    max_error_percent: f64,
    /// List every diagnostic, not only their counts.
    #[arg(short, long, action = ArgAction::Count)]
    verbose: u8,
}

/// How a batch of imports went.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Tally {
    /// Lists activated.
    pub(super) accepted: u64,
    /// Lists identical to their active version.
    pub(super) unchanged: u64,
    /// Lists refused.
    pub(super) refused: u64,
}

impl Tally {
    pub(super) fn exit_code(self) -> ExitCode {
        if self.refused > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS }
    }
}

/// What an import batch needs besides the files.
#[derive(Debug, Clone)]
pub(super) struct ImportOptions {
    pub(super) dataset: Option<String>,
    pub(super) format: Option<Format>,
    /// `lists update`: the format the download must be.
    pub(super) expect_format: Option<Format>,
    /// `lists update`: the URL recorded as the source instead of the path.
    pub(super) origin: Option<String>,
    pub(super) policy: ImportPolicy,
    pub(super) verbose: bool,
    /// The column mapping of generic CSV lists.
    pub(super) mapping: Option<vigia_sources::generic::Mapping>,
}

pub(super) fn run(args: ImportArgs, global: &Global) -> anyhow::Result<ExitCode> {
    if !(0.0..=100.0).contains(&args.max_error_percent) {
        anyhow::bail!("--max-error-percent must be between 0 and 100");
    }
    let mapping = match &args.mapping {
        Some(path) => Some(
            vigia_sources::generic::Mapping::read(path)
                .with_context(|| format!("reading the column mapping {}", path.display()))?,
        ),
        None => None,
    };
    if mapping.is_some() && args.format.is_some_and(|f| f != Format::GenericCsv) {
        anyhow::bail!(
            "--mapping is for generic_csv lists; it cannot be used with --format {}",
            args.format.map(|f| f.name()).unwrap_or_default()
        );
    }
    let format = if mapping.is_some() { Some(Format::GenericCsv) } else { args.format };
    let options = ImportOptions {
        mapping,
        dataset: args.dataset,
        format,
        expect_format: None,
        origin: None,
        policy: ImportPolicy {
            allow_shrink: args.allow_shrink,
            max_error_share: args.max_error_percent / 100.0,
        },
        verbose: args.verbose > 0,
    };
    let mut store = open_store(global)?;
    let tally = import_paths(&mut store, &args.paths, &options, global)?;
    drop(store);
    if tally.accepted > 0 {
        crate::rescreen::after_list_change(global, &actor())?;
    }
    Ok(tally.exit_code())
}

/// Plans, reads and imports every list under `paths`; prints one line per
/// list on stdout and one line per refusal on stderr.
pub(super) fn import_paths(
    store: &mut Store,
    paths: &[PathBuf],
    options: &ImportOptions,
    global: &Global,
) -> anyhow::Result<Tally> {
    let mut tally = Tally::default();
    let (sources, unreadable) = plan(paths, options);
    for (path, reason) in unreadable {
        refuse_unplanned(store, &path, &reason, options)?;
        tally.refused += 1;
    }
    for source in sources {
        match import_source(store, &source, options, global)? {
            Outcome::Accepted => tally.accepted += 1,
            Outcome::Unchanged => tally.unchanged += 1,
            Outcome::Refused(_) => tally.refused += 1,
        }
    }
    Ok(tally)
}

/// Groups the paths into sources. Paths that cannot be planned (no list
/// format, unreadable, a companion table without its main table) are
/// returned with the reason, so that the other lists still import.
fn plan(paths: &[PathBuf], options: &ImportOptions) -> (Vec<Source>, Vec<(PathBuf, String)>) {
    if let Some(format) = options.format {
        let mut sources = Vec::new();
        let mut failed = Vec::new();
        for path in paths {
            if path.is_file() {
                sources.push(Source::new(format, path, options.dataset.as_deref()));
            } else {
                failed.push((path.clone(), "--format applies to files, not directories".into()));
            }
        }
        return (sources, failed);
    }
    let dataset = options.dataset.as_deref();
    match vigia_sources::survey(paths, dataset) {
        Ok(survey) => {
            report_skipped(&survey.skipped);
            (survey.sources, Vec::new())
        }
        Err(_) => {
            // Find the paths that fail on their own, and plan the rest
            // together (an OFAC table needs its companions beside it).
            let mut failed = Vec::new();
            let mut good = Vec::new();
            for path in paths {
                match vigia_sources::survey(std::slice::from_ref(path), dataset) {
                    // A file-set error may only mean it needs the other
                    // files: the joint plan reports it if it still fails.
                    Ok(_) | Err(vigia_sources::Error::FileSet(_)) => good.push(path.clone()),
                    Err(err) => failed.push((path.clone(), err.to_string())),
                }
            }
            match vigia_sources::survey(&good, dataset) {
                Ok(survey) => {
                    report_skipped(&survey.skipped);
                    (survey.sources, failed)
                }
                Err(err) => {
                    let reason = err.to_string();
                    failed.extend(good.into_iter().map(|path| (path, reason.clone())));
                    (Vec::new(), failed)
                }
            }
        }
    }
}

fn report_skipped(skipped: &[vigia_sources::Skipped]) {
    for skip in skipped {
        eprintln!("vigia: skipped {}: {}", shown(&skip.path), skip.reason);
    }
}

/// Records and prints the refusal of a file that never became a source.
fn refuse_unplanned(
    store: &mut Store,
    path: &Path,
    reason: &str,
    options: &ImportOptions,
) -> anyhow::Result<()> {
    let file = options.origin.clone().unwrap_or_else(|| shown(path));
    let reason = strip_file(reason, &shown(path));
    store.record(&NewAuditEvent {
        at: now(),
        actor: actor(),
        action: "lists.import.refused".into(),
        subject: options.dataset.clone().unwrap_or_else(|| file.clone()),
        details: serde_json::json!({"source": file, "reason": reason}),
    })?;
    println!("{file}: refused");
    eprintln!("vigia: error: {file}: refused: {reason}");
    Ok(())
}

/// A parser message usually starts with the file name; the refusal line
/// names the file already.
fn strip_file(message: &str, file: &str) -> String {
    message
        .strip_prefix(file)
        .and_then(|rest| rest.strip_prefix(": "))
        .unwrap_or(message)
        .to_owned()
}

/// Imports one source and prints what became of it.
fn import_source(
    store: &mut Store,
    source: &Source,
    options: &ImportOptions,
    global: &Global,
) -> anyhow::Result<Outcome> {
    let main = source.files.first().map(|p| shown(p)).unwrap_or_default();
    let shown_source = options.origin.clone().unwrap_or_else(|| shown_files(&source.files));
    // `lists update`: a download in another format than the source's is
    // refused before anything else (the URL serves something else now).
    if let Some(expected) = options.expect_format.filter(|f| *f != source.format) {
        let reason = format!(
            "expected {} but the file is {} (the publisher changed its format, or the URL \
             serves something else)",
            expected.name(),
            source.format.name()
        );
        refuse_unplanned(store, Path::new(&main), &reason, options)?;
        return Ok(Outcome::Refused(vigia_store::Refusal::Unreadable { message: reason }));
    }
    let content_hash = match hash_files(&source.files) {
        Ok(hash) => hash,
        Err(err) => {
            refuse_unplanned(store, Path::new(&main), &format!("{main}: {err}"), options)?;
            return Ok(Outcome::Refused(vigia_store::Refusal::Unreadable {
                message: err.to_string(),
            }));
        }
    };
    let request = ImportRequest {
        dataset: source.dataset.clone(),
        format: source.format,
        content_hash,
        source: options.origin.clone().unwrap_or_else(|| main.clone()),
        imported_at: now(),
        actor: actor(),
        policy: options.policy,
    };
    let mut import = match store.begin_import(request)? {
        ImportStart::Unchanged(report) => {
            print_report(&shown_source, &report, &[]);
            return Ok(report.outcome);
        }
        ImportStart::Ready(import) => import,
    };
    let bar = progress::counter(global.interactive, &source.dataset);
    bar.set_message("entities");
    let mut diagnostics = Vec::new();
    let mut feed = Feed {
        import: &mut import,
        bar: &bar,
        diagnostics: options.verbose.then_some(&mut diagnostics),
        entities: 0,
    };
    let read = read_in_parallel(source, options, &mut feed);
    bar.finish_and_clear();
    let report = match read {
        Ok(summary) => import.finish(&summary)?,
        Err(err) => import.refuse(&err.to_string())?,
    };
    print_report(&shown_source, &report, &diagnostics);
    finish_line(&main, &shown_source, report)
}

/// Prints the refusal reason on stderr, and returns the outcome.
fn finish_line(main: &str, shown_source: &str, report: ImportReport) -> anyhow::Result<Outcome> {
    if let Outcome::Refused(refusal) = &report.outcome {
        let reason = strip_file(&refusal.to_string().replacen("unreadable: ", "", 1), main);
        eprintln!("vigia: error: {shown_source}: refused: {reason}");
    }
    Ok(report.outcome)
}

fn print_report(file: &str, report: &ImportReport, diagnostics: &[Diagnostic]) {
    let counts = report.diagnostics;
    let total = counts.error + counts.warning + counts.info;
    let diagnostics_text = format!(
        "{total} diagnostics ({} errors, {} warnings, {} info)",
        counts.error, counts.warning, counts.info
    );
    let active = report.active.as_ref().map(|v| v.label()).unwrap_or_else(|| "none".into());
    match &report.outcome {
        Outcome::Accepted => println!(
            "{file}: {}, {active}: {} entities, {diagnostics_text}: activated{}",
            report.format,
            report.entities,
            if report.shrink_allowed { " (shrink allowed)" } else { "" }
        ),
        Outcome::Unchanged => {
            println!("{file}: {}, {}: unchanged (active: {active})", report.format, report.dataset)
        }
        Outcome::Refused(_) => println!(
            "{file}: {}, {}: {} entities read, {diagnostics_text}: refused (active: {active})",
            report.format, report.dataset, report.received
        ),
    }
    for diagnostic in diagnostics {
        println!("  {diagnostic}");
    }
}

/// SHA-256 of the file bytes, hex. For a file set, SHA-256 over each
/// file's hex digest followed by a newline, in the set's order, so that a
/// change to any file is a change to the set.
pub(super) fn hash_files(files: &[PathBuf]) -> io::Result<String> {
    match files {
        [single] => hash_file(single),
        _ => {
            let mut hasher = Sha256::new();
            for file in files {
                hasher.update(hash_file(file)?.as_bytes());
                hasher.update(b"\n");
            }
            Ok(hex::encode(hasher.finalize()))
        }
    }
}

fn hash_file(path: &Path) -> io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// What the parser thread sends to the writer.
enum Event {
    Entity(Entity),
    Delete(String),
    Diagnostic(Diagnostic),
}

/// A sink that forwards to the writer thread.
struct Channel(mpsc::SyncSender<Event>);

impl Sink for Channel {
    fn entity(&mut self, entity: Entity) {
        // The receiver lives until the parser is joined: a send cannot fail
        // before then, and after it there is no one to tell.
        let _ = self.0.send(Event::Entity(entity));
    }

    fn delete(&mut self, id: &str) {
        let _ = self.0.send(Event::Delete(id.to_owned()));
    }

    fn diagnostic(&mut self, diagnostic: Diagnostic) {
        let _ = self.0.send(Event::Diagnostic(diagnostic));
    }
}

/// Reads a source on a second thread while this one writes what it finds
/// into the store: parsing and SQLite work overlap on two cores. The
/// bounded channel keeps memory flat whichever side is faster.
fn read_in_parallel(
    source: &Source,
    options: &ImportOptions,
    feed: &mut Feed<'_, '_>,
) -> vigia_sources::Result<Summary> {
    let (sender, receiver) = mpsc::sync_channel::<Event>(1024);
    let read_options = vigia_sources::ReadOptions { mapping: options.mapping.clone() };
    std::thread::scope(|scope| {
        let parser = scope
            .spawn(move || vigia_sources::read_with(source, &read_options, &mut Channel(sender)));
        for event in receiver {
            match event {
                Event::Entity(entity) => feed.entity(entity),
                Event::Delete(id) => feed.delete(&id),
                Event::Diagnostic(diagnostic) => feed.diagnostic(diagnostic),
            }
        }
        parser.join().unwrap_or_else(|_| {
            Err(vigia_sources::Error::FileSet(format!(
                "{}: the {} parser stopped on an internal error; please report it",
                source.files.first().map(|p| shown(p)).unwrap_or_default(),
                source.format
            )))
        })
    })
}

/// Passes what the parser reads to the import, counting it on the progress
/// bar and keeping diagnostics for `-v`.
struct Feed<'a, 'b> {
    import: &'a mut vigia_store::Import<'b>,
    bar: &'a ProgressBar,
    diagnostics: Option<&'a mut Vec<Diagnostic>>,
    entities: u64,
}

impl Sink for Feed<'_, '_> {
    fn entity(&mut self, entity: Entity) {
        self.entities += 1;
        if self.entities.is_multiple_of(512) {
            self.bar.set_position(self.entities);
        }
        self.import.entity(entity);
    }

    fn delete(&mut self, id: &str) {
        self.import.delete(id);
    }

    fn diagnostic(&mut self, diagnostic: Diagnostic) {
        if let Some(kept) = self.diagnostics.as_deref_mut() {
            kept.push(diagnostic.clone());
        }
        self.import.diagnostic(diagnostic);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_parse_back() {
        for format in FORMATS {
            assert_eq!(parse_format(format.name()), Ok(format));
        }
        assert_eq!(parse_format("UN-XML"), Ok(Format::UnXml));
        assert!(parse_format("pdf").unwrap_err().contains("un_xml"));
    }

    #[test]
    fn file_prefixes_are_stripped_once() {
        assert_eq!(strip_file("a.xml: line 3: bad", "a.xml"), "line 3: bad");
        assert_eq!(strip_file("line 3: bad", "a.xml"), "line 3: bad");
    }
}
