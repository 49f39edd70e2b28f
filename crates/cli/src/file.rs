//! `vigia file ...`: regulator filings from a case: a FinCEN SAR, FinCEN
//! CTRs (for CTR work items from scenarios A1 and A2) and a goAML STR.
//!
//! Each command maps the case onto the filing model
//! (`vigia_workflow::cases::filing`), writes and validates the document
//! (`vigia-filing`: a document that breaks a rule is never produced),
//! records it with the case (`case.file` audit event; a final filing closes
//! the case as filed, which needs an approved request), and only then
//! writes it out.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use jiff::tz::TimeZone;
use vigia_filing::{CtrKind, GoamlProfile, SarKind};
use vigia_monitor::ReferenceData;
use vigia_store::{CaseStore, NewFiling};
use vigia_workflow::cases::Action;
use vigia_workflow::cases::filing::{
    Context as FilingContext, FilingConfig, FilingError, Format, Options, generate,
};

use crate::Global;
use crate::cases::{Identity, now, open_store};

/// The institution file's name in the data directory.
pub(crate) const INSTITUTION_FILE: &str = "filing.toml";

/// `vigia file`: the subcommand and who runs it.
#[derive(Debug, Args)]
pub(crate) struct FileArgs {
    #[command(flatten)]
    identity: Identity,
    #[command(subcommand)]
    command: FileCommand,
}

/// The `file` subcommands.
#[derive(Debug, Subcommand)]
enum FileCommand {
    /// A FinCEN SAR (BSA E-Filing batch XML, SARX) from a case: subjects,
    /// activity dates and amount from the alerts and their evidence, SAR
    /// boxes from the typologies (or the case's), key terms in field 2 and
    /// the narrative, the narrative from the analyst's text and the alerts'
    /// explanations.
    Sar(SarArgs),
    /// FinCEN CTRs (CTRX batch), one per CTR work item (scenarios A1, A2)
    /// in the case; A2 items are filed under the GTO band in force on the
    /// transaction date.
    Ctr(CtrArgs),
    /// A UNODC goAML report (STR) from a case: its alerts' evidence
    /// transactions, the reason and the indicators, under an FIU profile.
    Goaml(GoamlArgs),
    /// Write out a filing stored with a case (the last one, or --filing N),
    /// recording the export.
    Get(GetArgs),
}

/// What every filing command takes.
#[derive(Debug, Args)]
struct Common {
    /// The case id.
    case: String,
    /// Write the filing here (default, or `-`: standard output).
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// The institution's details (TOML; default: filing.toml in the data
    /// directory). See docs/guide/workflow-cases.md.
    #[arg(long, value_name = "FILE")]
    institution: Option<PathBuf>,
    /// A draft for review: needs no approval and leaves the case as it is
    /// (still validated and recorded as a draft).
    #[arg(long)]
    draft: bool,
}

#[derive(Debug, Args)]
struct SarArgs {
    #[command(flatten)]
    common: Common,
    /// A continuing report after the SAR with this BSA ID (14 digits).
    #[arg(long, value_name = "BSA_ID", conflicts_with = "correction")]
    continuing: Option<String>,
    /// A correction of the SAR with this BSA ID (14 digits).
    #[arg(long, value_name = "BSA_ID")]
    correction: Option<String>,
}

#[derive(Debug, Args)]
struct CtrArgs {
    #[command(flatten)]
    common: Common,
    /// A correction of the CTR with this BSA ID (14 digits).
    #[arg(long, value_name = "BSA_ID")]
    correction: Option<String>,
}

#[derive(Debug, Args)]
struct GoamlArgs {
    #[command(flatten)]
    common: Common,
    /// The FIU profile (JSON or TOML; see docs/guide/filings.md), replacing
    /// the institution file's.
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
    /// The FIU's reference of an earlier report this one follows.
    #[arg(long, value_name = "REF")]
    fiu_ref: Option<String>,
}

#[derive(Debug, Args)]
struct GetArgs {
    /// The case id.
    case: String,
    /// The filing's number (as `vigia cases show` lists it; default: the
    /// last).
    #[arg(long)]
    filing: Option<u64>,
    /// Write it here (default, or `-`: standard output).
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Reads the institution's details.
pub(crate) fn load_config(path: Option<&Path>, global: &Global) -> Result<FilingConfig> {
    let path =
        path.map(Path::to_path_buf).unwrap_or_else(|| global.data_dir.join(INSTITUTION_FILE));
    if !path.is_file() {
        bail!(
            "no institution details at {}: write them there (docs/guide/workflow-cases.md) or pass --institution FILE",
            path.display()
        );
    }
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let config: FilingConfig = if path.extension().is_some_and(|e| e == "json") {
        serde_json::from_str(&text)
            .with_context(|| format!("{}: not institution details", path.display()))?
    } else {
        toml::from_str(&text)
            .with_context(|| format!("{}: not institution details", path.display()))?
    };
    Ok(config)
}

fn load_profile(path: &Path) -> Result<GoamlProfile> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    if path.extension().is_some_and(|e| e == "toml") {
        toml::from_str(&text)
            .with_context(|| format!("{}: not a goAML FIU profile", path.display()))
    } else {
        serde_json::from_str(&text)
            .with_context(|| format!("{}: not a goAML FIU profile", path.display()))
    }
}

fn bsa_id(flag: &str, id: &str) -> Result<String> {
    if id.len() != 14 || !id.bytes().all(|b| b.is_ascii_digit()) {
        bail!("{flag} {id}: a BSA ID is 14 digits (14 zeros when it is not known)");
    }
    Ok(id.to_owned())
}

/// Writes a document to a file (whole or not at all: a temporary file
/// renamed) or to standard output.
pub(crate) fn write_out(output: Option<&Path>, document: &str) -> Result<()> {
    match crate::output::file(output) {
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(document.as_bytes())?;
            if !document.ends_with('\n') {
                out.write_all(b"\n")?;
            }
            out.flush()?;
        }
        Some(path) => {
            let tmp = path.with_extension("partial");
            std::fs::write(&tmp, document).with_context(|| format!("writing {}", tmp.display()))?;
            std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
        }
    }
    Ok(())
}

/// Runs a `file` subcommand.
pub(crate) fn run(args: FileArgs, global: &Global) -> Result<ExitCode> {
    let actor = args.identity.actor()?;
    let at = now()?;
    let (common, format, mut options, profile) = match args.command {
        FileCommand::Get(g) => {
            let mut store = open_store(global)?;
            let destination =
                g.output.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "-".into());
            let (record, document) =
                store.filing_document(&g.case, g.filing, Some((&actor, at, &destination)))?;
            write_out(g.output.as_deref(), &document)?;
            eprintln!(
                "case {}: filing #{} ({}{}, sha256 {}) written to {destination}",
                g.case,
                record.id,
                record.format.as_str(),
                if record.draft { ", draft" } else { "" },
                record.sha256
            );
            return Ok(ExitCode::SUCCESS);
        }
        FileCommand::Sar(a) => {
            let kind = match (&a.continuing, &a.correction) {
                (Some(id), _) => SarKind::Continuing { prior_bsa_id: bsa_id("--continuing", id)? },
                (None, Some(id)) => {
                    SarKind::Correction { prior_bsa_id: bsa_id("--correction", id)? }
                }
                (None, None) => SarKind::Initial,
            };
            (a.common, Format::Sar, Options { sar_kind: kind, ..Options::default() }, None)
        }
        FileCommand::Ctr(a) => {
            let kind = match &a.correction {
                Some(id) => CtrKind::Correction { prior_bsa_id: bsa_id("--correction", id)? },
                None => CtrKind::Initial,
            };
            (a.common, Format::Ctr, Options { ctr_kind: kind, ..Options::default() }, None)
        }
        FileCommand::Goaml(a) => {
            let profile = a.profile.as_deref().map(load_profile).transpose()?;
            (
                a.common,
                Format::Goaml,
                Options { fiu_ref_number: a.fiu_ref, ..Options::default() },
                profile,
            )
        }
    };
    let mut store = open_store(global)?;
    // The rules first: no point building a filing the case may not make.
    store.check_case(&common.case, &Action::File { draft: common.draft }, &actor)?;
    let mut config = load_config(common.institution.as_deref(), global)?;
    if let Some(p) = profile {
        match config.goaml.as_mut() {
            Some(g) => g.profile = Some(p),
            None => bail!(
                "--profile: the institution file has no [goaml] section (rentity_id, currency_code_local, ...)"
            ),
        }
    }
    let time_zone = TimeZone::get(&config.business_time_zone).with_context(|| {
        format!(
            "business_time_zone {:?}: not a time zone this system knows",
            config.business_time_zone
        )
    })?;
    let reference = ReferenceData::builtin().context("loading the built-in reference data")?;
    let dossier = store.dossier(&common.case)?;
    let cx = FilingContext { config: &config, reference: &reference, time_zone, now: at };
    options.fiu_ref_number = options.fiu_ref_number.filter(|r| !r.trim().is_empty());
    let generated = match generate(format, &dossier, &cx, &options) {
        Ok(g) => g,
        Err(FilingError::Case(message)) => bail!("case {}: {message}", common.case),
        Err(FilingError::Invalid(err)) => {
            let violations = err.violations();
            if violations.is_empty() {
                bail!("case {}: {err}", common.case);
            }
            eprintln!(
                "vigia: the {} of case {} breaks {} rule(s):",
                format.as_str(),
                common.case,
                violations.len()
            );
            for v in violations {
                eprintln!("  {v}");
            }
            bail!(
                "no {} was written or recorded: complete the case (vigia cases edit / subject) or the institution details",
                format.as_str()
            );
        }
    };
    let destination =
        common.output.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "-".into());
    let record = store.record_filing(
        &common.case,
        &NewFiling {
            format,
            draft: common.draft,
            document: generated.xml.clone(),
            reports: generated.reports as u64,
            alerts: generated.alerts.clone(),
            destination: Some(destination.clone()),
        },
        &actor,
        at,
    )?;
    write_out(common.output.as_deref(), &generated.xml)?;
    eprintln!(
        "case {}: {} #{}{} with {} report(s) on {} alert(s) written to {destination} (sha256 {}){}",
        common.case,
        format.as_str(),
        record.id,
        if common.draft { " (draft)" } else { "" },
        generated.reports,
        generated.alerts.len(),
        record.sha256,
        if common.draft { "" } else { "; the case is closed as filed" }
    );
    Ok(ExitCode::SUCCESS)
}
