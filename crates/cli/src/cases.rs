//! `vigia cases ...`: group alerts into cases and work them: review,
//! escalate, comment, attach, close, four-eyes approval, merge; the
//! service levels.
//!
//! Who acts comes from `--user` and `--role` (or `VIGIA_USER`,
//! `VIGIA_ROLE`); the store checks every change against the workflow
//! rules and records it in the audit trail.

use std::fmt::Write as _;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use jiff::Timestamp;
use sha2::{Digest, Sha256};
use vigia_model::AlertSeverity;
use vigia_store::{
    AlertStore as _, Attachment, AuditEvent, CaseEdit, CaseFilter, CaseRecord, CaseStore,
    CaseSummary, Change, NewCase, Store,
};
use vigia_workflow::cases::{Actor, Disposition, Role, Sla, parse_duration};

use crate::Global;

/// Who is acting: a user name and casework roles.
#[derive(Debug, Clone, Args)]
pub(crate) struct Identity {
    /// The user acting (default: the login name). Four-eyes approval
    /// compares user names: the approver must differ from the requester.
    #[arg(long = "user", global = true, env = "VIGIA_USER", value_name = "NAME")]
    pub(crate) user: Option<String>,
    /// The user's casework role: analyst or supervisor (comma-separated
    /// for several).
    #[arg(
        long = "role",
        global = true,
        env = "VIGIA_ROLE",
        value_name = "ROLE",
        default_value = "analyst"
    )]
    pub(crate) role: String,
}

impl Identity {
    /// The actor, with its roles checked.
    pub(crate) fn actor(&self) -> Result<Actor> {
        let user = match self.user.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            Some(u) => u.to_owned(),
            None => std::env::var("USER")
                .or_else(|_| std::env::var("USERNAME"))
                .ok()
                .filter(|u| !u.trim().is_empty())
                .context("no user: pass --user NAME (or set VIGIA_USER)")?,
        };
        let mut roles = Vec::new();
        for r in self.role.split(',').map(str::trim).filter(|r| !r.is_empty()) {
            roles.push(r.parse::<Role>().map_err(|e| anyhow::anyhow!("--role: {e}"))?);
        }
        Ok(Actor { user, roles })
    }
}

/// The current time. `VIGIA_NOW` (RFC 3339) replaces the clock, for
/// reproducible runs and tests; the store never reads a clock itself.
pub(crate) fn now() -> Result<Timestamp> {
    match std::env::var("VIGIA_NOW") {
        Ok(text) if !text.trim().is_empty() => text.trim().parse().with_context(|| {
            format!("VIGIA_NOW={text}: want an RFC 3339 time (2026-03-10T12:00:00Z)")
        }),
        _ => Ok(Timestamp::now()),
    }
}

/// Opens the store in the data directory.
pub(crate) fn open_store(global: &Global) -> Result<Store> {
    Store::open(&global.data_dir)
        .with_context(|| format!("opening the store in {}", global.data_dir.display()))
}

/// Parses a priority (a severity name).
pub(crate) fn parse_priority(text: &str) -> Result<AlertSeverity> {
    match text.trim().to_ascii_lowercase().as_str() {
        "low" => Ok(AlertSeverity::Low),
        "medium" => Ok(AlertSeverity::Medium),
        "high" => Ok(AlertSeverity::High),
        "critical" => Ok(AlertSeverity::Critical),
        other => bail!("--priority {other}: want low, medium, high or critical"),
    }
}

pub(crate) fn severity_str(s: AlertSeverity) -> &'static str {
    match s {
        AlertSeverity::Low => "low",
        AlertSeverity::Medium => "medium",
        AlertSeverity::High => "high",
        AlertSeverity::Critical => "critical",
    }
}

/// `vigia cases`: the subcommand and who runs it.
#[derive(Debug, Args)]
pub(crate) struct CasesArgs {
    #[command(flatten)]
    identity: Identity,
    #[command(subcommand)]
    command: CasesCommand,
}

/// The `cases` subcommands.
#[derive(Debug, Subcommand)]
enum CasesCommand {
    /// Create a case from queued alerts (--alert, repeatable) or from every
    /// queued alert about a subject (--subject). Prints the case id.
    Create(CreateArgs),
    /// List cases, most urgent first (open before closed, then severity,
    /// then due date).
    List(ListArgs),
    /// Show a case: state, subjects, alerts, requests, comments,
    /// attachments, filings; --history adds its audit events.
    Show(ShowArgs),
    /// Assign a case to a user (a supervisor assigns anyone; an analyst
    /// takes an unassigned case with their own name), or unassign it.
    Assign(AssignArgs),
    /// Start reviewing a case (open → in_review; takes it if unassigned).
    Review(CaseIdArgs),
    /// Escalate a case to a supervisor (open or in_review → escalated).
    Escalate(ReasonArgs),
    /// Send an escalated case back to review (supervisor).
    Return(ReasonArgs),
    /// Close a case with a disposition: no_action and false_positive close
    /// at once; true_match and filed wait for a supervisor's approval
    /// (four eyes), and filed closes when the filing is generated.
    Close(CloseArgs),
    /// Approve the pending closing request (a supervisor other than the
    /// requester).
    Approve(NoteArgs),
    /// Reject the pending closing request (a supervisor), or withdraw your
    /// own.
    Reject(NoteArgs),
    /// Reopen a closed case (supervisor).
    Reopen(ReasonArgs),
    /// Add a comment.
    Comment(CommentArgs),
    /// Attach a document by reference: its URI, SHA-256 and description
    /// (the document itself is not stored).
    Attach(AttachArgs),
    /// Add queued alerts to a case.
    AddAlerts(AddAlertsArgs),
    /// Fold cases into another: their alerts and subjects move, each
    /// closes as merged.
    Merge(MergeArgs),
    /// Edit what the case's filings say: title, key terms, SAR boxes,
    /// narrative, action taken.
    Edit(EditArgs),
    /// Set (or clear) the details of a subject that filings use: name,
    /// addresses, identifications, accounts (JSON, the SAR subject shape of
    /// docs/guide/filings.md).
    Subject(SubjectArgs),
    /// Show or change the service levels (due dates of new alerts and
    /// cases).
    Sla(SlaArgs),
}

#[derive(Debug, Args)]
struct CreateArgs {
    /// An alert to put in the case (repeatable).
    #[arg(long = "alert", value_name = "ID")]
    alerts: Vec<String>,
    /// The case's main subject; without --alert, every queued alert naming
    /// it is taken.
    #[arg(long, value_name = "SUBJECT")]
    subject: Option<String>,
    /// A title.
    #[arg(long)]
    title: Option<String>,
    /// Print the case as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct ListArgs {
    /// Only cases in this state: open, in_review, escalated, closed.
    #[arg(long)]
    state: Option<String>,
    /// Only cases assigned to this user.
    #[arg(long)]
    assignee: Option<String>,
    /// Only cases assigned to me (--user).
    #[arg(long, conflicts_with = "assignee")]
    mine: bool,
    /// Only cases past their due date and not closed.
    #[arg(long)]
    overdue: bool,
    /// Only cases of at least this priority: low, medium, high, critical.
    #[arg(long)]
    priority: Option<String>,
    /// Only cases about this subject.
    #[arg(long)]
    subject: Option<String>,
    /// Only cases with a closing request waiting for approval.
    #[arg(long)]
    awaiting_approval: bool,
    /// At most this many.
    #[arg(long)]
    limit: Option<usize>,
    /// Print JSON (an array).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct ShowArgs {
    /// The case id.
    case: String,
    /// Add the case's audit events.
    #[arg(long)]
    history: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct CaseIdArgs {
    /// The case id.
    case: String,
}

#[derive(Debug, Args)]
struct AssignArgs {
    /// The case id.
    case: String,
    /// The user to assign it to (omit with --unassign).
    #[arg(required_unless_present = "unassign")]
    to: Option<String>,
    /// Leave the case unassigned.
    #[arg(long, conflicts_with = "to")]
    unassign: bool,
}

#[derive(Debug, Args)]
struct ReasonArgs {
    /// The case id.
    case: String,
    /// Why.
    #[arg(long)]
    reason: Option<String>,
}

#[derive(Debug, Args)]
struct CloseArgs {
    /// The case id.
    case: String,
    /// no_action, false_positive, true_match or filed.
    #[arg(long, short)]
    disposition: String,
    /// Why.
    #[arg(long)]
    reason: Option<String>,
}

#[derive(Debug, Args)]
struct NoteArgs {
    /// The case id.
    case: String,
    /// A note for the record.
    #[arg(long)]
    note: Option<String>,
}

#[derive(Debug, Args)]
struct CommentArgs {
    /// The case id.
    case: String,
    /// The comment (`-`: read it from standard input).
    text: String,
}

#[derive(Debug, Args)]
struct AttachArgs {
    /// The case id.
    case: String,
    /// Where the document is: a URI (file:///..., https://..., dms://...),
    /// or a local file (its SHA-256 is computed and its URI is file://).
    document: String,
    /// The document's SHA-256 (64 hex digits); computed when the document
    /// is a local file.
    #[arg(long)]
    sha256: Option<String>,
    /// What the document is.
    #[arg(long, short)]
    description: String,
}

#[derive(Debug, Args)]
struct AddAlertsArgs {
    /// The case id.
    case: String,
    /// The alerts (queued, in no case).
    #[arg(required = true)]
    alerts: Vec<String>,
}

#[derive(Debug, Args)]
struct MergeArgs {
    /// The case that stays.
    target: String,
    /// The cases folded into it.
    #[arg(required = true)]
    sources: Vec<String>,
}

#[derive(Debug, Args)]
struct EditArgs {
    /// The case id.
    case: String,
    /// A new title.
    #[arg(long)]
    title: Option<String>,
    /// Add an advisory key term (repeatable), e.g. "CIBanco2313a FIN-2025".
    #[arg(long = "key-term", value_name = "TERM")]
    key_terms: Vec<String>,
    /// Remove a key term (repeatable).
    #[arg(long = "remove-key-term", value_name = "TERM")]
    remove_key_terms: Vec<String>,
    /// A SAR box (repeatable; replaces the boxes derived from typologies):
    /// `36(b)`, or an "other" box with its description: `38(z)=Sanctions evasion`.
    #[arg(long = "classification", value_name = "BOX")]
    classifications: Vec<String>,
    /// Go back to boxes derived from the typologies and key terms.
    #[arg(long, conflicts_with = "classifications")]
    derive_classifications: bool,
    /// The analyst's narrative (text; `@FILE` reads a file, `-` standard
    /// input); it comes before the text written from the alerts.
    #[arg(long)]
    narrative: Option<String>,
    /// The action taken (goAML `action`).
    #[arg(long)]
    action: Option<String>,
}

#[derive(Debug, Args)]
struct SubjectArgs {
    /// The case id.
    case: String,
    /// The subject id the alerts use (an account, customer or party).
    subject: String,
    /// A JSON file with the subject's details (`-`: standard input).
    #[arg(long, required_unless_present = "clear", value_name = "FILE")]
    details: Option<PathBuf>,
    /// Forget the details: filings go back to what transactions say.
    #[arg(long, conflicts_with = "details")]
    clear: bool,
}

#[derive(Debug, Args)]
struct SlaArgs {
    /// Set a level: `critical=1d`, `high=3d`, `medium=10d`, `low=30d`,
    /// `ctr=15d`, `case=30d`, or a scenario id: `A2=30d` (`A2=default`
    /// removes a scenario's level). Units m, h, d, w. Repeatable.
    #[arg(long = "set", value_name = "KEY=DURATION")]
    set: Vec<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Reads `-` from standard input, `@FILE` from a file, or the text itself.
fn text_arg(text: &str) -> Result<String> {
    if text == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).context("reading standard input")?;
        return Ok(s);
    }
    if let Some(path) = text.strip_prefix('@') {
        return std::fs::read_to_string(path).with_context(|| format!("reading {path}"));
    }
    Ok(text.to_owned())
}

/// Runs a `cases` subcommand.
pub(crate) fn run(args: CasesArgs, global: &Global) -> Result<ExitCode> {
    // The identity is checked before anything runs, reads included.
    let checked = args.identity.actor()?;
    let actor = || Ok::<_, anyhow::Error>(checked.clone());
    let mut store = open_store(global)?;
    let at = now()?;
    let one = |store: &mut Store, case: &str, change: Change| -> Result<ExitCode> {
        let record = store.change_case(case, &change, &actor()?, at)?;
        println!("{}", one_line(&record.summary));
        Ok(ExitCode::SUCCESS)
    };
    match args.command {
        CasesCommand::Create(a) => {
            if a.alerts.is_empty() && a.subject.is_none() {
                bail!("name the alerts (--alert ID) or a subject (--subject S)");
            }
            let new = NewCase { alerts: a.alerts, subject: a.subject, title: a.title };
            let record = store.create_case(&new, &actor()?, at)?;
            if a.json {
                println!("{}", serde_json::to_string_pretty(&record)?);
            } else {
                println!("{}", record.summary.id);
                eprintln!(
                    "case {}: {} alert(s) about {}, {} priority, due {}",
                    record.summary.id,
                    record.summary.alert_count,
                    record.summary.subject,
                    severity_str(record.summary.severity),
                    record.summary.due_at
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        CasesCommand::List(a) => {
            let filter = CaseFilter {
                state: a
                    .state
                    .as_deref()
                    .map(str::parse)
                    .transpose()
                    .map_err(|e: String| anyhow::anyhow!("--state: {e}"))?,
                assignee: if a.mine { Some(actor()?.user) } else { a.assignee },
                overdue: a.overdue,
                min_severity: a.priority.as_deref().map(parse_priority).transpose()?,
                subject: a.subject,
                awaiting_approval: a.awaiting_approval,
                limit: a.limit,
            };
            let cases = store.cases(&filter, at)?;
            if a.json {
                println!("{}", serde_json::to_string_pretty(&cases)?);
            } else {
                print!("{}", table(&cases));
            }
            Ok(ExitCode::SUCCESS)
        }
        CasesCommand::Show(a) => {
            let record = store.case(&a.case, at)?;
            let history = if a.history { store.case_history(&a.case)? } else { Vec::new() };
            if a.json {
                let mut value = serde_json::to_value(&record)?;
                if a.history
                    && let Some(map) = value.as_object_mut()
                {
                    map.insert("history".into(), serde_json::to_value(&history)?);
                }
                println!("{}", serde_json::to_string_pretty(&value)?);
            } else {
                print!("{}", show(&record, &history));
            }
            Ok(ExitCode::SUCCESS)
        }
        CasesCommand::Assign(a) => {
            let to = if a.unassign { None } else { a.to };
            one(&mut store, &a.case, Change::Assign { to })
        }
        CasesCommand::Review(a) => one(&mut store, &a.case, Change::Review),
        CasesCommand::Escalate(a) => {
            one(&mut store, &a.case, Change::Escalate { reason: a.reason })
        }
        CasesCommand::Return(a) => one(&mut store, &a.case, Change::Return { reason: a.reason }),
        CasesCommand::Close(a) => {
            let disposition: Disposition =
                a.disposition.parse().map_err(|e: String| anyhow::anyhow!("--disposition: {e}"))?;
            let record = store.change_case(
                &a.case,
                &Change::Close { disposition, reason: a.reason },
                &actor()?,
                at,
            )?;
            println!("{}", one_line(&record.summary));
            if disposition.needs_approval() {
                eprintln!(
                    "closing as {disposition} needs a supervisor other than you to approve: vigia cases approve {}",
                    a.case
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        CasesCommand::Approve(a) => {
            let record =
                store.change_case(&a.case, &Change::Approve { note: a.note }, &actor()?, at)?;
            println!("{}", one_line(&record.summary));
            if record.summary.request.as_deref() == Some("filed:approved") {
                eprintln!(
                    "approved for filing: generate it with vigia file sar|ctr|goaml {}",
                    a.case
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        CasesCommand::Reject(a) => one(&mut store, &a.case, Change::Reject { note: a.note }),
        CasesCommand::Reopen(a) => one(&mut store, &a.case, Change::Reopen { reason: a.reason }),
        CasesCommand::Comment(a) => {
            let text = text_arg(&a.text)?;
            one(&mut store, &a.case, Change::Comment { text })
        }
        CasesCommand::Attach(a) => {
            let attachment = attachment(&a.document, a.sha256.as_deref(), &a.description)?;
            one(&mut store, &a.case, Change::Attach(attachment))
        }
        CasesCommand::AddAlerts(a) => {
            one(&mut store, &a.case, Change::AddAlerts { alerts: a.alerts })
        }
        CasesCommand::Merge(a) => {
            let record = store.merge_cases(&a.target, &a.sources, &actor()?, at)?;
            println!("{}", one_line(&record.summary));
            Ok(ExitCode::SUCCESS)
        }
        CasesCommand::Edit(a) => {
            let mut edit = CaseEdit {
                title: a.title,
                add_key_terms: a.key_terms,
                remove_key_terms: a.remove_key_terms,
                action: a.action,
                ..CaseEdit::default()
            };
            if a.derive_classifications {
                edit.classifications = Some(Vec::new());
            } else if !a.classifications.is_empty() {
                let mut boxes = Vec::new();
                for c in &a.classifications {
                    boxes.push(match c.split_once('=') {
                        Some((item, other)) => {
                            vigia_filing::Classification::other(item.trim(), other.trim())
                        }
                        None => vigia_filing::Classification::item(c.trim()),
                    });
                }
                edit.classifications = Some(boxes);
            }
            if let Some(n) = &a.narrative {
                edit.narrative = Some(text_arg(n)?);
            }
            one(&mut store, &a.case, Change::Edit(Box::new(edit)))
        }
        CasesCommand::Subject(a) => {
            let details = match &a.details {
                None => None,
                Some(path) => {
                    let text = if path.as_os_str() == "-" {
                        text_arg("-")?
                    } else {
                        std::fs::read_to_string(path)
                            .with_context(|| format!("reading {}", path.display()))?
                    };
                    let subject: vigia_filing::Subject = serde_json::from_str(&text).with_context(|| {
                        format!(
                            "{}: not a subject's details (the SAR subject JSON of docs/guide/filings.md)",
                            path.display()
                        )
                    })?;
                    Some(subject)
                }
            };
            let edit = CaseEdit { subject: Some((a.subject, details)), ..CaseEdit::default() };
            one(&mut store, &a.case, Change::Edit(Box::new(edit)))
        }
        CasesCommand::Sla(a) => {
            let mut sla = store.sla()?;
            if !a.set.is_empty() {
                for setting in &a.set {
                    apply_sla(&mut sla, setting)?;
                }
                let actor = actor()?;
                if !actor.is_supervisor() {
                    bail!("changing service levels needs the supervisor role");
                }
                store.set_sla(&sla, at, &actor.user)?;
            }
            if a.json {
                println!("{}", serde_json::to_string_pretty(&sla)?);
            } else {
                print!("{}", toml::to_string(&sla)?);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn apply_sla(sla: &mut Sla, setting: &str) -> Result<()> {
    let (key, value) = setting
        .split_once('=')
        .with_context(|| format!("--set {setting}: want KEY=DURATION, e.g. high=2d"))?;
    let (key, value) = (key.trim(), value.trim());
    if value == "default" {
        if sla.scenarios.remove(key).is_none() {
            bail!("--set {setting}: no level is set for scenario {key}");
        }
        return Ok(());
    }
    let d = parse_duration(value).map_err(|e| anyhow::anyhow!("--set {setting}: {e}"))?;
    match key {
        "critical" => sla.critical = d,
        "high" => sla.high = d,
        "medium" => sla.medium = d,
        "low" => sla.low = d,
        "ctr" => sla.ctr = d,
        "case" => sla.case = d,
        scenario
            if !scenario.is_empty()
                && scenario.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') =>
        {
            sla.scenarios.insert(scenario.to_owned(), d);
        }
        _ => bail!(
            "--set {setting}: the key is critical, high, medium, low, ctr, case or a scenario id"
        ),
    }
    Ok(())
}

/// An attachment from the command line: a local file is hashed here.
fn attachment(document: &str, sha256: Option<&str>, description: &str) -> Result<Attachment> {
    let path = Path::new(document);
    let is_uri = document.contains("://") || document.starts_with("urn:");
    if !is_uri {
        if !path.is_file() {
            bail!(
                "{document}: not a file; give a URI (file:///..., https://..., dms://...) with --sha256"
            );
        }
        let bytes = std::fs::read(path).with_context(|| format!("reading {document}"))?;
        let computed = hex::encode(Sha256::digest(&bytes));
        if let Some(given) = sha256
            && !given.eq_ignore_ascii_case(&computed)
        {
            bail!("{document}: its SHA-256 is {computed}, not {given}");
        }
        let absolute =
            std::fs::canonicalize(path).with_context(|| format!("resolving {document}"))?;
        return Ok(Attachment {
            uri: format!("file://{}", absolute.display()),
            sha256: computed,
            description: description.to_owned(),
        });
    }
    let Some(sha256) = sha256 else {
        bail!("{document}: a document given by URI needs --sha256 (the hash of its content)");
    };
    Ok(Attachment {
        uri: document.to_owned(),
        sha256: sha256.to_owned(),
        description: description.to_owned(),
    })
}

fn one_line(c: &CaseSummary) -> String {
    let mut s = format!("{} {}", c.id, c.state);
    if let Some(d) = c.disposition {
        let _ = write!(s, " ({d})");
    }
    if let Some(r) = &c.request {
        let _ = write!(s, " request {r}");
    }
    if let Some(a) = &c.assignee {
        let _ = write!(s, " assigned to {a}");
    }
    s
}

fn table(cases: &[CaseSummary]) -> String {
    let mut out = String::new();
    if cases.is_empty() {
        return "no cases\n".into();
    }
    let _ = writeln!(
        out,
        "{:<12} {:<10} {:<9} {:<15} {:<12} {:<21} {:>6}  subject / title",
        "case", "state", "priority", "disposition", "assignee", "due", "alerts"
    );
    for c in cases {
        let due = if c.overdue { format!("{} !", c.due_at) } else { c.due_at.clone() };
        let mut state = c.state.as_str().to_owned();
        if c.request.as_deref().is_some_and(|r| r.ends_with("pending")) {
            state.push('*');
        }
        let _ = writeln!(
            out,
            "{:<12} {:<10} {:<9} {:<15} {:<12} {:<21} {:>6}  {} / {}",
            c.id,
            state,
            severity_str(c.severity),
            c.disposition.map(Disposition::as_str).unwrap_or("-"),
            c.assignee.as_deref().unwrap_or("-"),
            due,
            c.alert_count,
            c.subject,
            c.title
        );
    }
    out
}

fn show(r: &CaseRecord, history: &[AuditEvent]) -> String {
    let c = &r.summary;
    let mut out = String::new();
    let _ = writeln!(out, "{}  {}", c.id, c.title);
    let _ =
        writeln!(out, "state:        {}", one_line(c).split_once(' ').map(|x| x.1).unwrap_or(""));
    let _ = writeln!(out, "priority:     {}", severity_str(c.severity));
    let _ = writeln!(out, "subject:      {}", c.subject);
    let _ = writeln!(out, "created:      {} by {}", c.created_at, r.created_by);
    let _ =
        writeln!(out, "due:          {}{}", c.due_at, if c.overdue { " (overdue)" } else { "" });
    if let Some(closed) = &r.closed_at {
        let _ = writeln!(out, "closed:       {closed}");
    }
    if let Some(m) = &r.merged_into {
        let _ = writeln!(out, "merged into:  {m}");
    }
    let _ = writeln!(out, "version:      {}", r.version);
    let _ = writeln!(
        out,
        "key terms:    {}",
        if r.key_terms.is_empty() { "-".to_owned() } else { r.key_terms.join("; ") }
    );
    if !r.classifications.is_empty() {
        let boxes: Vec<String> = r
            .classifications
            .iter()
            .map(|b| match &b.other {
                Some(o) => format!("{}={o}", b.item),
                None => b.item.clone(),
            })
            .collect();
        let _ = writeln!(out, "SAR boxes:    {}", boxes.join(", "));
    }
    let _ = writeln!(
        out,
        "subjects:     {}",
        r.subjects
            .iter()
            .map(|s| if s.details.is_some() { format!("{} (details)", s.id) } else { s.id.clone() })
            .collect::<Vec<_>>()
            .join(", ")
    );
    if let Some(n) = &r.narrative {
        let _ = writeln!(out, "narrative:    {}", n.lines().next().unwrap_or(""));
    }
    if let Some(a) = &r.action {
        let _ = writeln!(out, "action:       {a}");
    }
    let _ = writeln!(out, "\nalerts ({}):", r.alerts.len());
    for a in &r.alerts {
        let _ = writeln!(
            out,
            "  {} {} {} score {:.2} {}..{}: {}",
            a.id,
            severity_str(a.severity),
            a.typology,
            a.score,
            a.from.get(..10).unwrap_or(&a.from),
            a.to.get(..10).unwrap_or(&a.to),
            a.explanation
        );
    }
    if !r.requests.is_empty() {
        let _ = writeln!(out, "\nclosing requests:");
        for q in &r.requests {
            let _ = writeln!(
                out,
                "  #{} {} by {} at {} (version {}): {}{}",
                q.id,
                q.disposition,
                q.requested_by,
                q.requested_at,
                q.version,
                q.status.as_str(),
                q.decided_by.as_ref().map(|d| format!(" by {d}")).unwrap_or_default()
            );
        }
    }
    if !r.comments.is_empty() {
        let _ = writeln!(out, "\ncomments:");
        for m in &r.comments {
            let _ = writeln!(out, "  #{} {} {}: {}", m.n, m.at, m.author, m.text);
        }
    }
    if !r.attachments.is_empty() {
        let _ = writeln!(out, "\nattachments:");
        for a in &r.attachments {
            let _ = writeln!(
                out,
                "  #{} {} sha256:{} — {} ({} at {})",
                a.n,
                a.attachment.uri,
                a.attachment.sha256,
                a.attachment.description,
                a.added_by,
                a.at
            );
        }
    }
    if !r.filings.is_empty() {
        let _ = writeln!(out, "\nfilings:");
        for f in &r.filings {
            let _ = writeln!(
                out,
                "  #{} {}{} at {} by {}: {} report(s), sha256:{}",
                f.id,
                f.format.as_str(),
                if f.draft { " (draft)" } else { "" },
                f.at,
                f.actor,
                f.reports,
                f.sha256
            );
        }
    }
    if !history.is_empty() {
        let _ = writeln!(out, "\nhistory:");
        for e in history {
            let _ = writeln!(out, "  {} {} {} {} {}", e.seq, e.at, e.actor, e.action, e.details);
        }
    }
    out
}
