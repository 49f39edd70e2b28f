//! From a case to a regulator filing: the mapping of what a case knows
//! (its alerts, their evidence transactions, the subjects' details the
//! analyst completed, key terms, narrative) onto `vigia-filing`'s input
//! model, for a FinCEN SAR, FinCEN CTRs and a goAML STR.
//!
//! Pure: the caller passes the institution's details, the reference data
//! (GTO bands, currency rates), the business-day time zone and the time of
//! filing. The filing crate validates what it writes; a case that cannot
//! make a filing (no CTR work item for a CTR, evidence not stored, no
//! institution details for goAML) is a [`FilingError::Case`] saying what to
//! do.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use vigia_filing::{
    Address, Branch, CashIn, CashInLine, CashOut, CashOutLine, Classification, Counterpart,
    CtrFiling, CtrKind, CtrPerson, CtrRole, Date, DateTime, ForeignAmount, GoamlAccount,
    GoamlProfile, GoamlReport, GoamlTransaction, Gto, IdKind, Identification, Institution, Money,
    Name, Party, Phone, Relationship, RelationshipKind, SarFiling, SarKind, Side, Subject,
    SubjectAccount, SubjectRole, SubmissionCode, SuspiciousActivity, Transmitter, activity_box,
};
use vigia_model::{Alert, AlertKind, Channel, Transaction};
use vigia_monitor::ReferenceData;

/// The filings a case can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// FinCEN SAR, BSA E-Filing batch XML (`SARX`).
    Sar,
    /// FinCEN CTR, BSA E-Filing batch XML (`CTRX`), one per CTR work item.
    Ctr,
    /// UNODC goAML report (`STR`).
    Goaml,
}

impl Format {
    /// The format's name: `sar`, `ctr`, `goaml`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Sar => "sar",
            Format::Ctr => "ctr",
            Format::Goaml => "goaml",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Format, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "sar" => Ok(Format::Sar),
            "ctr" => Ok(Format::Ctr),
            "goaml" | "str" => Ok(Format::Goaml),
            other => Err(format!("unknown filing format {other:?}: want sar, ctr or goaml")),
        }
    }
}

/// The institution's details and filing choices: `[filing]` in the
/// workflow configuration (docs/guide/workflow-cases.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilingConfig {
    /// Who transmits FinCEN batches.
    pub transmitter: Transmitter,
    /// The filing institution (also where the activity occurred).
    pub filer: Institution,
    /// Branches named on SARs.
    #[serde(default)]
    pub branches: Vec<Branch>,
    /// The time zone of the business day (CTRs are per business day):
    /// default `America/New_York`, as scenario A1.
    #[serde(default = "default_time_zone")]
    pub business_time_zone: String,
    /// SAR boxes per typology, replacing the built-in table for that
    /// typology.
    #[serde(default)]
    pub classifications: BTreeMap<String, Vec<Classification>>,
    /// The name of the geographic targeting order, written on GTO CTRs
    /// (default: "FinCEN south-west border GTO in force on DATE").
    #[serde(default)]
    pub gto_order: Option<String>,
    /// goAML reporting details.
    #[serde(default)]
    pub goaml: Option<GoamlConfig>,
}

fn default_time_zone() -> String {
    "America/New_York".into()
}

/// goAML reporting details of the institution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoamlConfig {
    /// The reporting entity's id at the FIU.
    pub rentity_id: String,
    /// The reporting branch.
    #[serde(default)]
    pub rentity_branch: Option<String>,
    /// Electronic (default) or manual.
    #[serde(default)]
    pub submission_code: SubmissionCode,
    /// The report code (default `STR`).
    #[serde(default = "default_report_code")]
    pub report_code: String,
    /// The local currency (ISO 4217), in which `amount_local` is given.
    pub currency_code_local: String,
    /// The compliance officer who reports.
    #[serde(default)]
    pub reporting_person: Option<Party>,
    /// The institution's address as the FIU knows it.
    #[serde(default)]
    pub location: Option<Address>,
    /// The action taken, when the case does not say.
    #[serde(default)]
    pub action: Option<String>,
    /// Indicator codes per typology (`structuring = ["0001"]`); a typology
    /// without codes is reported with its name in upper case.
    #[serde(default)]
    pub indicators: BTreeMap<String, Vec<String>>,
    /// The FIU profile (schema version, required fields, lookups, codes);
    /// the generic profile when absent.
    #[serde(default)]
    pub profile: Option<GoamlProfile>,
}

fn default_report_code() -> String {
    "STR".into()
}

/// A subject as the case knows it: the id alerts use, and the details an
/// analyst completed (the SAR subject shape; CTRs and goAML use its party).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DossierSubject {
    /// The account, customer or party id the alerts name.
    pub id: String,
    /// The analyst's details, replacing what the transactions say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Subject>,
}

/// Everything a case holds that a filing can use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dossier {
    /// The case id (the institution's internal file number).
    pub case_id: String,
    /// Advisory key terms (SAR field 2 and narrative).
    pub key_terms: Vec<String>,
    /// SAR boxes chosen by the analyst (none: derived from typologies and
    /// key terms).
    pub classifications: Vec<Classification>,
    /// The analyst's narrative, before the text written from the alerts.
    pub narrative: Option<String>,
    /// The action taken (goAML `action`).
    pub action: Option<String>,
    /// The subjects, the case's main subject first.
    pub subjects: Vec<DossierSubject>,
    /// The case's alerts.
    pub alerts: Vec<Alert>,
    /// The alerts' evidence transactions that are stored.
    pub transactions: Vec<Transaction>,
}

/// What the mapping needs besides the case.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    /// The institution.
    pub config: &'a FilingConfig,
    /// Dated thresholds (GTO band) and currency rates.
    pub reference: &'a ReferenceData,
    /// The business day's time zone (resolved by the caller from
    /// `config.business_time_zone`).
    pub time_zone: TimeZone,
    /// The filing (submission) time.
    pub now: Timestamp,
}

/// Why a case could not be filed.
#[derive(Debug, thiserror::Error)]
pub enum FilingError {
    /// The case lacks what the filing needs; the message says what to do.
    #[error("{0}")]
    Case(String),
    /// The filing was built and broke the format's rules.
    #[error(transparent)]
    Invalid(#[from] vigia_filing::Error),
}

/// What a filing run produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// The format.
    pub format: Format,
    /// The document.
    pub xml: String,
    /// How many reports the document holds (CTRs: one per work item).
    pub reports: usize,
    /// The alerts the document reports.
    pub alerts: Vec<String>,
}

/// Options for one run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// SAR kind (initial by default).
    pub sar_kind: SarKind,
    /// CTR kind (initial by default).
    pub ctr_kind: CtrKind,
    /// goAML: the FIU's reference number of an earlier report.
    pub fiu_ref_number: Option<String>,
}

/// Builds, writes and validates a filing of `format` from the dossier.
///
/// # Errors
/// [`FilingError::Case`] when the case cannot make this filing;
/// [`FilingError::Invalid`] with every violation when the document breaks
/// a rule.
pub fn generate(
    format: Format,
    dossier: &Dossier,
    cx: &Context<'_>,
    options: &Options,
) -> Result<Generated, FilingError> {
    match format {
        Format::Sar => {
            let (filing, alerts) = sar(dossier, cx, options.sar_kind.clone())?;
            let xml = vigia_filing::write_sar(&filing)?;
            Ok(Generated { format, xml, reports: 1, alerts })
        }
        Format::Ctr => {
            let (filings, alerts) = ctrs(dossier, cx, &options.ctr_kind)?;
            let xml = vigia_filing::write_ctr_batch(&filings)?;
            Ok(Generated { format, xml, reports: filings.len(), alerts })
        }
        Format::Goaml => {
            let (report, profile, alerts) = goaml(dossier, cx, options.fiu_ref_number.clone())?;
            let xml = vigia_filing::write_goaml(&report, &profile)?;
            Ok(Generated { format, xml, reports: 1, alerts })
        }
    }
}

// ---------------------------------------------------------------------
// Parties from transactions.

/// Words that mark a name as an organisation's.
const ORGANISATION_WORDS: &[&str] = &[
    "inc",
    "llc",
    "ltd",
    "corp",
    "co",
    "company",
    "corporation",
    "sa",
    "cv",
    "srl",
    "rl",
    "gmbh",
    "plc",
    "lp",
    "llp",
    "bank",
    "banco",
    "casa",
    "cambio",
    "group",
    "grupo",
    "trust",
    "foundation",
    "cartel",
    "cártel",
    "carteles",
    "cárteles",
    "la",
    "el",
    "los",
    "las",
    "services",
    "servicios",
    "holdings",
    "international",
    "trading",
    "wholesale",
    "store",
    "market",
    "transport",
    "transportes",
    "logistics",
    "logistica",
    "logística",
    "exchange",
    "settlements",
    "acquirer",
    "partners",
    "associates",
    "enterprises",
    "industries",
    "comercializadora",
    "distribuidora",
    "importadora",
    "exportadora",
    "taquería",
    "panadería",
    "restaurant",
    "auto",
    "parts",
    "freight",
    "farms",
    "ranch",
    "motors",
    "construction",
];

/// Whether a name reads as an organisation's (a legal form or a business
/// word among its words).
fn looks_like_organisation(name: &str) -> bool {
    name.split(|c: char| c.is_whitespace() || c == ',')
        .map(|w| w.trim_matches(|c: char| c == '.' || c == ',').to_lowercase().replace('.', ""))
        .any(|w| ORGANISATION_WORDS.contains(&w.as_str()))
}

/// A name as the filing wants it: an organisation's whole, or a person's
/// parts (first word given name, the rest family names, as Hispanic names
/// carry two). An analyst corrects it in the subject's details.
fn name_of(text: &str) -> Name {
    let text = text.trim();
    if text.is_empty() {
        return Name::Entity { name: None };
    }
    if looks_like_organisation(text) {
        return Name::Entity { name: Some(text.to_owned()) };
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    let person = |first: &[&str], last: &[&str]| Name::Person {
        first: (!first.is_empty()).then(|| first.join(" ")),
        middle: None,
        last: (!last.is_empty()).then(|| last.join(" ")),
        suffix: None,
    };
    match words.len() {
        0 => Name::Entity { name: None },
        1 => person(&[], &words),
        // Two given names and two family names (Alma Delia Garza Cantú).
        n if n >= 4 => person(&words[..2], &words[2..]),
        _ => person(&words[..1], &words[1..]),
    }
}

fn nonempty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// ISO 3166-1 alpha-2 from a FollowTheMoney code (`us` → `US`).
fn country(code: Option<&str>) -> Option<String> {
    code.map(str::trim).filter(|c| c.len() == 2).map(str::to_ascii_uppercase)
}

/// A filing party from one side of a transaction.
fn party_from(p: &vigia_model::Party, fallback: &str) -> Party {
    let name = nonempty(&p.name).unwrap_or(fallback);
    let mut party = Party::named(name_of(name));
    let address = Address {
        street: nonempty(&p.address).map(str::to_owned),
        city: None,
        state: nonempty(&p.state).map(str::to_owned),
        zip: nonempty(&p.zip).map(str::to_owned),
        country: country(nonempty(&p.country)),
    };
    if address.street.is_some() || address.state.is_some() || address.country.is_some() {
        party.addresses.push(address);
    }
    if let Some(phone) = nonempty(&p.phone) {
        party.phones.push(Phone::new(phone));
    }
    if let Some(id) = nonempty(&p.id_number) {
        party.identifications.push(Identification {
            kind: IdKind::Other,
            number: id.to_owned(),
            country: None,
            state: None,
            description: Some("ID on the transaction".into()),
        });
    }
    party
}

/// Whether a transaction party is the subject (alerts name subjects by
/// account, customer, identification number or name).
fn is_subject(p: &vigia_model::Party, subject: &str) -> bool {
    let eq = |v: &Option<String>| nonempty(v).is_some_and(|v| v.eq_ignore_ascii_case(subject));
    (!p.account.trim().is_empty() && p.account.trim() == subject)
        || eq(&p.customer)
        || eq(&p.id_number)
        || eq(&p.name)
}

/// Whether the side names an account.
fn has_account(p: &vigia_model::Party) -> bool {
    !p.account.trim().is_empty()
}

/// Whether the party banks with the filer: a customer id, or the filer's
/// name as its institution.
fn is_ours(p: &vigia_model::Party, filer: &Institution) -> bool {
    nonempty(&p.customer).is_some()
        || nonempty(&p.institution).is_some_and(|i| i.eq_ignore_ascii_case(filer.name.trim()))
}

/// The best-known party for a subject: the first transaction side that is
/// the subject and has a name.
fn subject_party<'t>(
    subject: &str,
    transactions: &'t [Transaction],
) -> Option<&'t vigia_model::Party> {
    let sides = transactions.iter().flat_map(|t| [&t.originator, &t.beneficiary]);
    let mut found = None;
    for side in sides {
        if is_subject(side, subject) {
            if nonempty(&side.name).is_some() {
                return Some(side);
            }
            found.get_or_insert(side);
        }
    }
    found
}

fn ms(t: i64) -> Timestamp {
    Timestamp::from_millisecond(t).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn date_of(t: Timestamp, tz: &TimeZone) -> Result<Date, FilingError> {
    let d = t.to_zoned_datetime(tz.clone()).date();
    u16::try_from(d.year())
        .ok()
        .and_then(|y| Date::new(y, d.month().unsigned_abs(), d.day().unsigned_abs()))
        .ok_or_else(|| FilingError::Case(format!("date {d} is outside the years a filing carries")))
}

fn datetime_of(t: Timestamp, tz: &TimeZone) -> Result<DateTime, FilingError> {
    let z = t.to_zoned_datetime(tz.clone());
    let date = date_of(t, tz)?;
    Ok(DateTime::new(
        date,
        z.hour().unsigned_abs(),
        z.minute().unsigned_abs(),
        z.second().unsigned_abs(),
    )
    .unwrap_or_else(|| DateTime::start_of(date)))
}

fn money(amount: f64) -> Result<Money, FilingError> {
    Money::from_f64(amount)
        .ok_or_else(|| FilingError::Case(format!("amount {amount} is not a positive amount")))
}

fn usd(amount: f64) -> String {
    let cents = (amount * 100.0).round() as i64;
    let (units, cents) = (cents / 100, (cents % 100).abs());
    let mut digits = units.abs().to_string();
    let mut grouped = String::new();
    while digits.len() > 3 {
        let tail = digits.split_off(digits.len() - 3);
        grouped = format!(",{tail}{grouped}");
    }
    format!("${digits}{grouped}.{cents:02}")
}

/// The evidence of `alerts`, in time order, once each; and the ids of
/// evidence that is not stored.
fn evidence<'d>(
    alerts: &[&Alert],
    transactions: &'d [Transaction],
) -> (Vec<&'d Transaction>, Vec<String>) {
    let by_id: BTreeMap<&str, &Transaction> =
        transactions.iter().map(|t| (t.id.as_str(), t)).collect();
    let mut seen = BTreeSet::new();
    let (mut found, mut missing) = (Vec::new(), Vec::new());
    for alert in alerts {
        for id in &alert.transactions {
            if !seen.insert(id.as_str()) {
                continue;
            }
            match by_id.get(id.as_str()) {
                Some(t) => found.push(*t),
                None => missing.push(id.clone()),
            }
        }
    }
    found.sort_by(|a, b| a.timestamp.cmp(&b.timestamp).then(a.id.cmp(&b.id)));
    (found, missing)
}

fn missing_evidence(missing: &[String]) -> FilingError {
    let shown: Vec<&str> = missing.iter().take(5).map(String::as_str).collect();
    FilingError::Case(format!(
        "{} evidence transaction(s) are not in the store ({}{}): import the transactions with \
         `vigia alerts import ALERTS --transactions FILE`",
        missing.len(),
        shown.join(", "),
        if missing.len() > shown.len() { ", ..." } else { "" }
    ))
}

// ---------------------------------------------------------------------
// SAR.

/// SAR boxes per typology, when the configuration does not say.
fn default_boxes(typology: &str, explanation: &str) -> Vec<Classification> {
    let item = Classification::item;
    let other = Classification::other;
    match typology {
        "structuring" => vec![item("32(e)")],
        "funnel_account" => vec![item("36(b)")],
        "pass_through" => vec![item("36(m)"), item("36(f)")],
        "bulk_cash" => vec![item("36(d)")],
        "casa_de_cambio" => vec![item("36(g)"), item("36(f)")],
        "section_2313a" => {
            vec![item("36(f)"), other("38(z)", "Transmittal to 2313a-designated institution")]
        }
        "sanctions" => {
            let lower = explanation.to_lowercase();
            let mut boxes = vec![other("38(z)", "Party on a sanctions list")];
            if ["terror", "fto", "sdgt"].iter().any(|w| lower.contains(w)) {
                boxes.insert(0, item("33(a)"));
            }
            boxes
        }
        "network_proximity" => vec![other("38(z)", "Close to a designated party")],
        "identity_reuse" => vec![item("37(b)")],
        "cycle" | "random_chain" | "bipartite" | "stack" => vec![item("36(f)"), item("38(p)")],
        "trade" | "tbml" => vec![item("36(l)")],
        _ => vec![item("36(f)")],
    }
}

fn classifications(
    dossier: &Dossier,
    alerts: &[&Alert],
    config: &FilingConfig,
) -> Vec<Classification> {
    if !dossier.classifications.is_empty() {
        return dossier.classifications.clone();
    }
    let mut out: Vec<Classification> = Vec::new();
    let mut push = |c: Classification| {
        if !out.iter().any(|o| o.item == c.item) {
            out.push(c);
        }
    };
    for alert in alerts {
        let boxes = match config.classifications.get(&alert.typology) {
            Some(boxes) => boxes.clone(),
            None => default_boxes(&alert.typology, &alert.explanation),
        };
        boxes.into_iter().for_each(&mut push);
    }
    for term in &dossier.key_terms {
        if let Some(k) = vigia_filing::advisory::key_term(term) {
            k.boxes
                .iter()
                .filter(|b| activity_box(b).is_some())
                .for_each(|b| push(Classification::item(b)));
        }
    }
    out
}

/// Room for the narrative: five blocks of 4,000 characters, less the key
/// terms the writer puts first and a margin.
const NARRATIVE_ROOM: usize = 19_000;

/// The narrative: the analyst's text, then what each alert found, then the
/// transactions, cut to fit with a note of what was left out.
fn narrative(
    dossier: &Dossier,
    alerts: &[&Alert],
    evidence: &[&Transaction],
    cx: &Context<'_>,
    intro: &str,
    room: usize,
) -> String {
    let mut text = String::new();
    if let Some(own) = dossier.narrative.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        text.push_str(own);
        text.push_str("\n\n");
    }
    text.push_str(intro);
    let mut lines: Vec<String> = alerts
        .iter()
        .map(|a| {
            format!(
                "Alert {} (scenario {}, {}), {} to {}: {}",
                a.id,
                a.scenario,
                a.typology.replace('_', " "),
                short_date(&a.from),
                short_date(&a.to),
                a.explanation.trim()
            )
        })
        .collect();
    if !evidence.is_empty() {
        lines.push("\nTransactions:".into());
        for t in evidence {
            let side = |p: &vigia_model::Party| {
                nonempty(&p.name)
                    .map(str::to_owned)
                    .or_else(|| (!p.account.is_empty()).then(|| p.account.clone()))
                    .unwrap_or_else(|| "unknown".into())
            };
            let when = ms(t.timestamp)
                .to_zoned_datetime(cx.time_zone.clone())
                .strftime("%Y-%m-%d %H:%M %Z")
                .to_string();
            let mut line = format!(
                "{} {} {} {:.2} {} from {} to {}",
                when,
                t.id,
                t.channel.as_str(),
                t.amount,
                t.currency,
                side(&t.originator),
                side(&t.beneficiary)
            );
            if let Some(place) = t.place.as_ref().and_then(|p| p.id.as_deref()) {
                let _ = write!(line, " at {place}");
            }
            lines.push(line);
        }
    }
    let mut cut = 0;
    for (i, line) in lines.iter().enumerate() {
        if text.len() + line.len() + 40 > room {
            cut = lines.len() - i;
            break;
        }
        text.push('\n');
        text.push_str(line);
    }
    if cut > 0 {
        let _ = write!(text, "\n({cut} more lines are in case {}.)", dossier.case_id);
    }
    text
}

fn short_date(rfc3339: &str) -> &str {
    rfc3339.get(..10).unwrap_or(rfc3339)
}

fn suspicious_alerts(dossier: &Dossier) -> Vec<&Alert> {
    dossier.alerts.iter().filter(|a| a.kind != AlertKind::CtrWorkItem).collect()
}

/// The USD total of the evidence, or of the alerts' amounts when some
/// evidence is missing or has no rate.
fn total_usd(
    alerts: &[&Alert],
    evidence: &[&Transaction],
    missing: usize,
    cx: &Context<'_>,
) -> Option<f64> {
    if missing == 0 && !evidence.is_empty() {
        let mut sum = 0.0;
        let mut ok = true;
        for t in evidence {
            match cx.reference.fx.usd_rate(&t.currency, t.timestamp) {
                Some(rate) => sum += t.amount * rate,
                None => ok = false,
            }
        }
        if ok {
            return Some(sum);
        }
    }
    let amounts: Vec<f64> = alerts.iter().filter_map(|a| a.amount).collect();
    (!amounts.is_empty()).then(|| amounts.iter().sum())
}

fn activity_span(alerts: &[&Alert], cx: &Context<'_>) -> Result<(Date, Date), FilingError> {
    let mut times: Vec<Timestamp> = Vec::new();
    for a in alerts {
        for t in [&a.from, &a.to] {
            let parsed: Timestamp = t.parse().map_err(|_| {
                FilingError::Case(format!("alert {}: activity time {t:?} is not RFC 3339", a.id))
            })?;
            times.push(parsed);
        }
    }
    let first = times.iter().min().copied().unwrap_or(cx.now);
    let last = times.iter().max().copied().unwrap_or(cx.now);
    Ok((date_of(first, &cx.time_zone)?, date_of(last, &cx.time_zone)?))
}

/// The SAR for a case, with the ids of the alerts it reports.
///
/// # Errors
/// [`FilingError::Case`] when the case holds no alert of suspicion.
pub fn sar(
    dossier: &Dossier,
    cx: &Context<'_>,
    kind: SarKind,
) -> Result<(SarFiling, Vec<String>), FilingError> {
    let alerts = suspicious_alerts(dossier);
    if alerts.is_empty() {
        return Err(FilingError::Case(format!(
            "case {} holds only CTR work items: file a CTR (`vigia file ctr`), not a SAR",
            dossier.case_id
        )));
    }
    let (evidence, missing) = evidence(&alerts, &dossier.transactions);
    let filer = &cx.config.filer;
    let mut subjects = Vec::new();
    for (i, s) in dossier.subjects.iter().enumerate() {
        // A subject only CTR work items name is not a SAR subject (the
        // case's main subject always is).
        if i > 0 && !alerts.iter().any(|a| a.subjects.contains(&s.id)) {
            continue;
        }
        subjects.push(sar_subject(s, &evidence, filer));
    }
    let (from, to) = activity_span(&alerts, cx)?;
    let amount = total_usd(&alerts, &evidence, missing.len(), cx).map(money).transpose()?;
    let names: Vec<String> =
        subjects.iter().map(|s| s.party.name.full()).filter(|n| !n.is_empty()).collect();
    let intro = format!(
        "{} files this report on {} for activity from {from} to {to}{}, raised by transaction monitoring and reviewed in case {}.\n",
        filer.name,
        if names.is_empty() { "the subjects below".to_owned() } else { names.join(", ") },
        amount.map(|a| format!(" involving {}", usd(a.cents() as f64 / 100.0))).unwrap_or_default(),
        dossier.case_id
    );
    let narrative = narrative(dossier, &alerts, &evidence, cx, &intro, NARRATIVE_ROOM);
    let mut filer = filer.clone();
    if filer.internal_file_number.is_none() {
        filer.internal_file_number = Some(dossier.case_id.clone());
    }
    let filing = SarFiling {
        filing_date: date_of(cx.now, &cx.time_zone)?,
        kind,
        joint: false,
        transmitter: cx.config.transmitter.clone(),
        filer,
        branches: cx.config.branches.clone(),
        loss_to_institution: None,
        subjects,
        activity: SuspiciousActivity {
            from,
            to: Some(to),
            amount,
            amount_unknown: amount.is_none(),
            cumulative_amount: None,
            classifications: classifications(dossier, &alerts, cx.config),
        },
        key_terms: dossier.key_terms.clone(),
        narrative,
        ip_addresses: Vec::new(),
    };
    Ok((filing, alerts.iter().map(|a| a.id.clone()).collect()))
}

fn sar_subject(s: &DossierSubject, evidence: &[&Transaction], filer: &Institution) -> Subject {
    if let Some(details) = &s.details {
        return details.clone();
    }
    let owned: Vec<Transaction> = evidence.iter().map(|t| (*t).clone()).collect();
    let party = subject_party(&s.id, &owned);
    let mut subject = Subject {
        party: party.map(|p| party_from(p, &s.id)).unwrap_or_else(|| Party::named(name_of(&s.id))),
        role: None,
        relationships: Vec::new(),
        accounts: Vec::new(),
        admission: None,
    };
    let (mut sends, mut receives, mut ours) = (false, false, false);
    let mut accounts = BTreeSet::new();
    for t in evidence {
        for (side, sending) in [(&t.originator, true), (&t.beneficiary, false)] {
            if !is_subject(side, &s.id) {
                continue;
            }
            if sending {
                sends = true
            } else {
                receives = true
            }
            let account = side.account.trim();
            let side_ours = is_ours(side, filer);
            ours |= side_ours;
            let foreign = country(nonempty(&side.country)).is_some_and(|c| c != "US");
            if !account.is_empty() && (side_ours || foreign) && accounts.insert(account.to_owned())
            {
                subject.accounts.push(SubjectAccount {
                    institution_tin: side_ours.then(|| filer.tin.clone()),
                    number: account.to_owned(),
                    closed: false,
                    non_us: !side_ours && foreign,
                });
            }
        }
    }
    subject.role = match (sends, receives) {
        (true, true) => Some(SubjectRole::Both),
        (true, false) => Some(SubjectRole::PurchaserSender),
        (false, true) => Some(SubjectRole::PayeeReceiver),
        (false, false) => None,
    };
    if ours {
        subject.relationships.push(Relationship {
            institution_tin: filer.tin.clone(),
            kinds: vec![RelationshipKind::Customer],
            other: None,
            status: None,
            action_date: None,
        });
    }
    subject
}

// ---------------------------------------------------------------------
// CTR.

/// The CTRs for a case's CTR work items (A1, A2), one per item, with the
/// ids of those items.
///
/// # Errors
/// [`FilingError::Case`] when the case holds no CTR work item, or a work
/// item's evidence is not stored.
pub fn ctrs(
    dossier: &Dossier,
    cx: &Context<'_>,
    kind: &CtrKind,
) -> Result<(Vec<CtrFiling>, Vec<String>), FilingError> {
    let items: Vec<&Alert> =
        dossier.alerts.iter().filter(|a| a.kind == AlertKind::CtrWorkItem).collect();
    if items.is_empty() {
        return Err(FilingError::Case(format!(
            "case {} holds no CTR work item (scenarios A1, A2): a CTR reports one",
            dossier.case_id
        )));
    }
    let mut filings = Vec::new();
    for item in &items {
        filings.push(ctr(dossier, item, cx, kind)?);
    }
    Ok((filings, items.iter().map(|a| a.id.clone()).collect()))
}

fn ctr(
    dossier: &Dossier,
    item: &Alert,
    cx: &Context<'_>,
    kind: &CtrKind,
) -> Result<CtrFiling, FilingError> {
    let (evidence, missing) = evidence(&[item], &dossier.transactions);
    if !missing.is_empty() {
        return Err(missing_evidence(&missing));
    }
    let cash: Vec<&Transaction> =
        evidence.into_iter().filter(|t| t.channel == Channel::Cash).collect();
    let Some(first) = cash.first() else {
        return Err(FilingError::Case(format!(
            "CTR work item {} has no cash transaction as evidence",
            item.id
        )));
    };
    let subject = item.subjects.first().map(String::as_str).unwrap_or_default();
    let details =
        |id: &str| dossier.subjects.iter().find(|s| s.id == id).and_then(|s| s.details.as_ref());
    let filer = &cx.config.filer;

    // Direction from the subject's side; a conductor-keyed item (A2) is
    // the originator's cash.
    let mut holders: Holders = BTreeMap::new();
    let mut conductors: BTreeMap<String, (Party, Money, Money, usize)> = BTreeMap::new();
    let (mut cash_in, mut cash_out): (BTreeMap<String, Money>, BTreeMap<String, Money>) =
        (BTreeMap::new(), BTreeMap::new());
    for t in &cash {
        let amount = money(usd_amount(t, cx)?)?;
        // Cash goes out only as a withdrawal from our account; anything
        // else is cash in: a deposit into our account, or cash paid in for
        // a transfer (a remittance at an MSB).
        let (o, b) = (&t.originator, &t.beneficiary);
        let ours_o = has_account(o) && (is_ours(o, filer) || !is_ours(b, filer));
        let ours_b = has_account(b) && (is_ours(b, filer) || !is_ours(o, filer));
        let inbound = !ours_o || ours_b;
        let deposit = inbound && ours_b;
        // The person on whose behalf: the account holder, or the sender of
        // a transfer paid in cash.
        let holder_side = if deposit { b } else { o };
        let conductor_side = if inbound { o } else { b };
        let holder_key = nonempty(&holder_side.customer)
            .or(nonempty(&holder_side.name))
            .unwrap_or(holder_side.account.trim())
            .to_owned();
        let entry = holders.entry(holder_key.clone()).or_insert_with(|| {
            let party = details(&holder_key)
                .or_else(|| details(subject))
                .map(|d| d.party.clone())
                .unwrap_or_else(|| party_from(holder_side, &holder_key));
            (party, Money::ZERO, Money::ZERO, BTreeSet::new(), BTreeSet::new(), 0)
        });
        entry.5 += 1;
        let account = holder_side.account.trim().to_owned();
        if inbound {
            entry.1 = entry.1.saturating_add(amount);
            if !account.is_empty() {
                entry.3.insert(account);
            }
        } else {
            entry.2 = entry.2.saturating_add(amount);
            if !account.is_empty() {
                entry.4.insert(account);
            }
        }
        // Who brought or took the cash: a third party, or the holder.
        let conductor_name = nonempty(&t.conductor).or(nonempty(&conductor_side.name));
        let same_customer = nonempty(&conductor_side.customer).is_some()
            && nonempty(&conductor_side.customer) == nonempty(&holder_side.customer);
        let same_name = match (conductor_name, nonempty(&holder_side.name)) {
            (Some(c), Some(h)) => c.eq_ignore_ascii_case(h),
            _ => false,
        };
        match conductor_name {
            Some(name) if !same_customer && !same_name => {
                let c = conductors.entry(name.to_owned()).or_insert_with(|| {
                    let party = details(name).map(|d| d.party.clone()).unwrap_or_else(|| {
                        if nonempty(&conductor_side.name) == Some(name) {
                            party_from(conductor_side, name)
                        } else {
                            Party::named(name_of(name))
                        }
                    });
                    (party, Money::ZERO, Money::ZERO, 0)
                });
                c.3 += 1;
                if inbound {
                    c.1 = c.1.saturating_add(amount);
                } else {
                    c.2 = c.2.saturating_add(amount);
                }
            }
            _ => {
                // The holder conducted it: the identification they showed
                // is on the conducting side of the transaction.
                if let Some(id) = nonempty(&conductor_side.id_number)
                    && let Some(holder) = holders.get_mut(&holder_key)
                {
                    let ids = &mut holder.0.identifications;
                    if !ids.iter().any(|i| i.number == id) {
                        ids.push(Identification {
                            kind: IdKind::Other,
                            number: id.to_owned(),
                            country: None,
                            state: None,
                            description: Some("ID on the transaction".into()),
                        });
                    }
                }
            }
        }
        let kind = match (inbound, deposit) {
            (true, true) => "deposit",
            (true, false) => "funds_transfer_out",
            (false, _) => "withdrawal",
        };
        let lines = if inbound { &mut cash_in } else { &mut cash_out };
        let line = lines.entry(kind.to_owned()).or_insert(Money::ZERO);
        *line = line.saturating_add(amount);
    }
    let mut persons = Vec::new();
    for (_, (party, cin, cout, ain, aout, n)) in holders {
        let role = if conductors.is_empty() { CtrRole::OwnBehalf } else { CtrRole::OnWhoseBehalf };
        persons.push(CtrPerson {
            party,
            role,
            cash_in: (cin > Money::ZERO).then_some(cin),
            cash_out: (cout > Money::ZERO).then_some(cout),
            accounts_in: ain.into_iter().collect(),
            accounts_out: aout.into_iter().collect(),
            multiple_transactions: n > 1,
        });
    }
    for (_, (party, cin, cout, n)) in conductors {
        persons.push(CtrPerson {
            party,
            role: CtrRole::ForAnother,
            cash_in: (cin > Money::ZERO).then_some(cin),
            cash_out: (cout > Money::ZERO).then_some(cout),
            accounts_in: Vec::new(),
            accounts_out: Vec::new(),
            multiple_transactions: n > 1,
        });
    }
    let gto = if item.scenario == "A2" || item.key_terms.iter().any(|k| k == "GTO") {
        Some(gto_band(cx, first.timestamp)?)
    } else {
        None
    };
    let in_kind = |k: &str| match k {
        "deposit" => CashIn::Deposit,
        _ => CashIn::FundsTransferOut,
    };
    Ok(CtrFiling {
        filing_date: date_of(cx.now, &cx.time_zone)?,
        kind: kind.clone(),
        transmitter: cx.config.transmitter.clone(),
        filer: filer.clone(),
        persons,
        transaction_date: date_of(ms(first.timestamp), &cx.time_zone)?,
        cash_in: cash_in
            .into_iter()
            .map(|(k, amount)| CashInLine { kind: in_kind(&k), amount, other: None })
            .collect(),
        cash_out: cash_out
            .into_values()
            .map(|amount| CashOutLine { kind: CashOut::Withdrawal, amount, other: None })
            .collect(),
        aggregated: cash.len() > 1,
        armored_car: false,
        atm: false,
        mail_deposit: false,
        night_deposit: false,
        shared_branching: false,
        gto,
    })
}

/// What the CTR knows of each account holder: the party, cash in, cash
/// out, accounts in, accounts out, transactions.
type Holders = BTreeMap<String, (Party, Money, Money, BTreeSet<String>, BTreeSet<String>, usize)>;

fn usd_amount(t: &Transaction, cx: &Context<'_>) -> Result<f64, FilingError> {
    cx.reference.fx.usd_rate(&t.currency, t.timestamp).map(|r| t.amount * r).ok_or_else(|| {
        FilingError::Case(format!(
            "transaction {}: no USD rate for {} in the reference data (data/reference/fx.toml)",
            t.id, t.currency
        ))
    })
}

/// The GTO band in force at `t` (dated reference data `swb_gto_threshold`).
fn gto_band(cx: &Context<'_>, t: i64) -> Result<Gto, FilingError> {
    let floor = cx
        .reference
        .threshold("swb_gto_threshold")
        .and_then(|i| cx.reference.thresholds.get(i))
        .and_then(|th| th.at(t))
        .ok_or_else(|| {
            FilingError::Case(
                "no geographic targeting order is in force on the transaction date (reference threshold swb_gto_threshold)".into(),
            )
        })?;
    let day = date_of(ms(t), &cx.time_zone)?;
    Ok(Gto {
        order: cx
            .config
            .gto_order
            .clone()
            .unwrap_or_else(|| format!("FinCEN south-west border GTO in force on {day}")),
        floor: money(floor)?,
        floor_inclusive: true,
    })
}

// ---------------------------------------------------------------------
// goAML.

/// The goAML report for a case (all its alerts' evidence), the profile to
/// write it with, and the alerts it reports.
///
/// # Errors
/// [`FilingError::Case`] without goAML details in the configuration, or
/// when evidence is missing or cannot be converted to the local currency.
pub fn goaml(
    dossier: &Dossier,
    cx: &Context<'_>,
    fiu_ref_number: Option<String>,
) -> Result<(GoamlReport, GoamlProfile, Vec<String>), FilingError> {
    let Some(g) = &cx.config.goaml else {
        return Err(FilingError::Case(
            "no [filing.goaml] section in the workflow configuration: set rentity_id, currency_code_local and the reporting person".into(),
        ));
    };
    let alerts: Vec<&Alert> = dossier.alerts.iter().collect();
    let (evidence, missing) = evidence(&alerts, &dossier.transactions);
    if !missing.is_empty() {
        return Err(missing_evidence(&missing));
    }
    if evidence.is_empty() {
        return Err(FilingError::Case(format!(
            "case {}: its alerts name no transaction to report",
            dossier.case_id
        )));
    }
    let filer = &cx.config.filer;
    let local = g.currency_code_local.trim().to_ascii_uppercase();
    let mut transactions = Vec::new();
    for t in &evidence {
        let (amount_local, foreign) = if t.currency.eq_ignore_ascii_case(&local) {
            (money(t.amount)?, None)
        } else {
            let to_usd = usd_amount(t, cx)?;
            let local_rate = cx.reference.fx.usd_rate(&local, t.timestamp).ok_or_else(|| {
                FilingError::Case(format!(
                    "no USD rate for the local currency {local} (data/reference/fx.toml)"
                ))
            })?;
            let rate = to_usd / t.amount.max(f64::MIN_POSITIVE) / local_rate;
            let foreign = ForeignAmount {
                currency: t.currency.to_ascii_uppercase(),
                amount: money(t.amount)?,
                exchange_rate: format!("{rate:.4}"),
            };
            (money(to_usd / local_rate)?, Some(foreign))
        };
        let side = |p: &vigia_model::Party, sending: bool| -> Side {
            let ours = is_ours(p, filer);
            let name = nonempty(&p.name).unwrap_or(p.account.trim());
            let holder = dossier
                .subjects
                .iter()
                .find(|s| is_subject(p, &s.id))
                .and_then(|s| s.details.as_ref())
                .map(|d| d.party.clone())
                .unwrap_or_else(|| party_from(p, if name.is_empty() { "unknown" } else { name }));
            let counterpart = if p.account.trim().is_empty() {
                Counterpart::Party(Box::new(holder))
            } else {
                let institution = if ours {
                    filer.name.clone()
                } else {
                    nonempty(&p.institution).unwrap_or("unknown institution").to_owned()
                };
                Counterpart::Account(Box::new(GoamlAccount {
                    institution_name: institution,
                    institution_code: None,
                    swift: None,
                    non_bank_institution: false,
                    branch: None,
                    number: p.account.trim().to_owned(),
                    currency: None,
                    name: None,
                    iban: None,
                    client_number: nonempty(&p.customer).map(str::to_owned),
                    account_type: None,
                    holder: Some(holder),
                    signatories: Vec::new(),
                    opened: None,
                    closed: None,
                    balance: None,
                    status_code: None,
                    comments: None,
                }))
            };
            let conductor = (sending && ours)
                .then(|| nonempty(&t.conductor))
                .flatten()
                .filter(|c| Some(*c) != nonempty(&p.name))
                .map(|c| Party::named(name_of(c)));
            let place_country = t.place.as_ref().and_then(|pl| nonempty(&pl.country));
            Side {
                my_client: ours,
                funds_code: None,
                funds_comment: None,
                foreign: if sending { foreign.clone() } else { None },
                conductor,
                counterpart,
                country: country(nonempty(&p.country))
                    .or_else(|| country(place_country))
                    .or_else(|| filer.address.country.clone())
                    .unwrap_or_else(|| "US".into()),
            }
        };
        transactions.push(GoamlTransaction {
            number: t.id.clone(),
            internal_ref: None,
            location: t.place.as_ref().and_then(|p| p.id.clone()),
            description: t.text.clone(),
            date: datetime_of(ms(t.timestamp), &cx.time_zone)?,
            value_date: None,
            channel: Some(t.channel),
            transmode_code: None,
            transmode_comment: None,
            amount_local,
            from: side(&t.originator, true),
            to: side(&t.beneficiary, false),
            comments: None,
        });
    }
    let mut indicators: Vec<String> = Vec::new();
    for a in &alerts {
        let codes = g
            .indicators
            .get(&a.typology)
            .cloned()
            .unwrap_or_else(|| vec![a.typology.to_ascii_uppercase()]);
        for c in codes {
            if !indicators.contains(&c) {
                indicators.push(c);
            }
        }
    }
    let intro = format!(
        "Case {} at {}: {} alert(s) from transaction monitoring and screening.\n",
        dossier.case_id,
        filer.name,
        alerts.len()
    );
    let mut reason = narrative(dossier, &alerts, &[], cx, &intro, 3_900);
    // Key terms open the reason as they open a SAR narrative (ADR 0092),
    // ahead of the analyst's own text, so an FIU's search finds them first.
    let key_terms = dossier.key_terms.join("; ");
    if !key_terms.is_empty() && !reason.starts_with(&key_terms) {
        reason = format!("{key_terms}\n\n{reason}");
    }
    let action = dossier.action.clone().or_else(|| g.action.clone()).unwrap_or_else(|| {
        format!("Reviewed in case {}; the relationship is under enhanced review.", dossier.case_id)
    });
    let report = GoamlReport {
        rentity_id: g.rentity_id.clone(),
        rentity_branch: g.rentity_branch.clone(),
        submission_code: g.submission_code,
        report_code: g.report_code.clone(),
        entity_reference: Some(dossier.case_id.clone()),
        fiu_ref_number,
        submission_date: datetime_of(cx.now, &cx.time_zone)?,
        currency_code_local: local,
        reporting_person: g.reporting_person.clone(),
        location: g.location.clone().or_else(|| Some(filer.address.clone())),
        reason,
        action: Some(action),
        transactions,
        indicators,
    };
    let profile = g.profile.clone().unwrap_or_default();
    Ok((report, profile, alerts.iter().map(|a| a.id.clone()).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_into_people_and_organisations() {
        let cases = [
            ("Hill Taquería Co.", "entity Hill Taquería Co."),
            (
                "Transportes y Logistica Rio Bravo LLC",
                "entity Transportes y Logistica Rio Bravo LLC",
            ),
            ("La Federación", "entity La Federación"),
            ("Alejandro Moore Patel", "person Alejandro / Moore Patel"),
            ("Alma Delia Garza Cantú", "person Alma Delia / Garza Cantú"),
            ("Guadalupe Ortiz", "person Guadalupe / Ortiz"),
            ("Madonna", "person - / Madonna"),
            ("", "entity -"),
        ];
        for (text, expected) in cases {
            let got = match name_of(text) {
                Name::Entity { name } => format!("entity {}", name.unwrap_or_else(|| "-".into())),
                Name::Person { first, last, .. } => format!(
                    "person {} / {}",
                    first.unwrap_or_else(|| "-".into()),
                    last.unwrap_or_else(|| "-".into())
                ),
            };
            assert_eq!(got, expected, "{text}");
        }
    }

    #[test]
    fn dollars_are_grouped() {
        assert_eq!(usd(0.0), "$0.00");
        assert_eq!(usd(1234.5), "$1,234.50");
        assert_eq!(usd(148750.4), "$148,750.40");
        assert_eq!(usd(1_000_000.0), "$1,000,000.00");
    }

    #[test]
    fn default_boxes_are_boxes_the_form_has() {
        for typology in [
            "structuring",
            "funnel_account",
            "pass_through",
            "bulk_cash",
            "casa_de_cambio",
            "section_2313a",
            "sanctions",
            "network_proximity",
            "identity_reuse",
            "cycle",
            "fan_in",
            "tbml",
        ] {
            for c in default_boxes(typology, "FTO") {
                assert!(activity_box(&c.item).is_some(), "{typology}: {}", c.item);
            }
        }
        assert_eq!(default_boxes("sanctions", "crime.terror, FTO")[0].item, "33(a)");
        assert_eq!(default_boxes("sanctions", "sanction")[0].item, "38(z)");
    }
}
