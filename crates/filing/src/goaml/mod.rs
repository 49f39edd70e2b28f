//! UNODC goAML reports: the input model, the writer and the validator,
//! configured per FIU by a [`GoamlProfile`].

pub mod profile;
mod schema;
mod writer;

use serde::{Deserialize, Serialize};
use vigia_model::Channel;

use crate::date::DateTime;
use crate::error::{Error, Result};
use crate::money::Money;
use crate::party::{Address, Party};
use crate::violation::{Rule, Violation};
use crate::xml::schema::check_root;
use crate::xml::tree::{self, Node};

pub use profile::{GoamlProfile, ProfileCodes};

/// How the report was submitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionCode {
    /// Electronically (`E`).
    #[default]
    Electronic,
    /// Manually (`M`).
    Manual,
}

/// An amount in a foreign currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignAmount {
    /// ISO 4217 code.
    pub currency: String,
    /// The amount in that currency.
    pub amount: Money,
    /// Units of local currency per unit of the foreign one, as text
    /// (`17.2350`).
    pub exchange_rate: String,
}

/// A signatory or holder of an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoamlAccount {
    /// The institution holding the account.
    pub institution_name: String,
    /// The institution's code in the FIU's register (or a routing number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub institution_code: Option<String>,
    /// The institution's BIC (used when no `institution_code`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swift: Option<String>,
    /// The institution is not a bank (an MSB, a casa de cambio).
    #[serde(default)]
    pub non_bank_institution: bool,
    /// Branch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    /// Account number (CLABE for Mexican accounts).
    pub number: String,
    /// Account currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Account name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// IBAN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iban: Option<String>,
    /// The customer number at the institution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_number: Option<String>,
    /// The FIU's account-type code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_type: Option<String>,
    /// The holder: an organisation is written as the account's entity, a
    /// person as its primary signatory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder: Option<Party>,
    /// Other signatories.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signatories: Vec<Party>,
    /// When it was opened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opened: Option<DateTime>,
    /// When it was closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed: Option<DateTime>,
    /// Balance (local currency).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balance: Option<Money>,
    /// The FIU's account-status code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<String>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comments: Option<String>,
}

/// What is on one side of a transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Counterpart {
    /// An account (`from_account` / `to_account`).
    Account(Box<GoamlAccount>),
    /// A person or organisation without an account
    /// (`from_person`/`from_entity`, by the party's name type).
    Party(Box<Party>),
}

/// One side of a transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Side {
    /// This side is the reporting entity's client (`t_from_my_client` /
    /// `t_to_my_client`).
    #[serde(default)]
    pub my_client: bool,
    /// The FIU's funds code (type of funds); when absent, the profile's
    /// code for the transaction's channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub funds_code: Option<String>,
    /// Free text about the funds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub funds_comment: Option<String>,
    /// The amount in a foreign currency, when the side dealt in one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub foreign: Option<ForeignAmount>,
    /// The person who conducted the transaction for the client (only on the
    /// client's sending side).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conductor: Option<Party>,
    /// The account, person or organisation.
    pub counterpart: Counterpart,
    /// The country of this side, ISO 3166-1 alpha-2.
    pub country: String,
}

/// A bi-party transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoamlTransaction {
    /// The transaction's number at the reporting entity.
    pub number: String,
    /// Internal reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_ref: Option<String>,
    /// Where it took place (branch, agent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// What it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// When.
    pub date: DateTime,
    /// Value date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_date: Option<DateTime>,
    /// How money moved; picks the profile's codes when the transaction
    /// gives none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    /// The FIU's transaction-mode code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transmode_code: Option<String>,
    /// Free text about the mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transmode_comment: Option<String>,
    /// Amount in the report's local currency.
    pub amount_local: Money,
    /// Sender side.
    pub from: Side,
    /// Receiver side.
    pub to: Side,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comments: Option<String>,
}

/// A goAML report (STR, SAR, CTR, ... as the FIU's report codes allow).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoamlReport {
    /// The reporting entity's id at the FIU.
    pub rentity_id: String,
    /// The reporting entity's branch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rentity_branch: Option<String>,
    /// Electronic or manual.
    #[serde(default)]
    pub submission_code: SubmissionCode,
    /// Report type code (`STR` by default).
    #[serde(default = "str_code")]
    pub report_code: String,
    /// The reporting entity's own reference (the case id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_reference: Option<String>,
    /// The FIU's reference, for a report the FIU asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fiu_ref_number: Option<String>,
    /// When the report is submitted (an input: the crate reads no clock).
    pub submission_date: DateTime,
    /// The local currency, ISO 4217.
    pub currency_code_local: String,
    /// The compliance officer submitting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporting_person: Option<Party>,
    /// Where the reporting entity is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Address>,
    /// Why the activity is suspicious (the narrative).
    pub reason: String,
    /// What the reporting entity did about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// The transactions.
    pub transactions: Vec<GoamlTransaction>,
    /// The FIU's indicator codes for the report.
    pub indicators: Vec<String>,
}

fn str_code() -> String {
    "STR".to_owned()
}

/// Writes a goAML report for an FIU profile, checks it and returns it.
///
/// # Errors
/// [`Error::Invalid`] with every violation when the report breaks the
/// schema subset, a goAML rule or the profile.
pub fn write_goaml(report: &GoamlReport, profile: &GoamlProfile) -> Result<String> {
    let (xml, mut violations) = writer::render(report, profile)?;
    violations.extend(validate_goaml(&xml, profile));
    if violations.is_empty() { Ok(xml) } else { Err(Error::Invalid(violations)) }
}

/// Checks a goAML report against the schema subset, the goAML rules and
/// the profile; returns every violation (none: it passes).
pub fn validate_goaml(xml: &str, profile: &GoamlProfile) -> Vec<Violation> {
    let root = match tree::parse(xml) {
        Ok(root) => root,
        Err(violation) => return vec![violation],
    };
    let mut out = Vec::new();
    tree::check_characters(&root, &mut out);
    if !check_root(&root, &schema::REPORT, None, profile, &mut out) {
        return out;
    }
    rules(&root, profile, &mut out);
    out
}

fn rules(root: &Node, profile: &GoamlProfile, out: &mut Vec<Violation>) {
    let submitted = root.value("submission_date").and_then(DateTime::parse_goaml);
    let mut numbers: Vec<(&str, &str)> = Vec::new();
    for transaction in root.all("transaction") {
        let path = transaction.path.as_str();
        let mine = transaction.child("t_from_my_client").is_some()
            || transaction.child("t_to_my_client").is_some();
        if !mine {
            out.push(Violation::new(
                Rule::MyClient,
                path,
                "one side of a transaction is the reporting entity's client (t_from_my_client or t_to_my_client)",
            ));
        }
        if let Some(number) = transaction.value("transactionnumber") {
            if let Some((_, first)) = numbers.iter().find(|(n, _)| *n == number) {
                out.push(Violation::new(
                    Rule::TransactionNumber,
                    path,
                    format!("transaction number {number:?} is already used by {first}"),
                ));
            } else {
                numbers.push((number, path));
            }
        }
        for name in ["date_transaction", "value_date"] {
            let date = transaction.value(name).and_then(DateTime::parse_goaml);
            if let (Some(date), Some(submitted)) = (date, submitted)
                && date.date() > submitted.date()
            {
                out.push(Violation::new(
                    Rule::DateOrder,
                    format!("{path}/{name}"),
                    "the transaction is dated after the submission",
                ));
            }
        }
    }
    for requirement in &profile.required {
        let Some((parent, child)) = requirement.split_once('/') else { continue };
        root.walk(&mut |node| {
            if node.name == parent && node.child(child).is_none() {
                out.push(Violation::new(
                    Rule::ProfileRequired,
                    format!("{}/{child}", node.path),
                    format!("the {} profile requires {child} in {parent}", profile.name),
                ));
            }
        });
    }
}
