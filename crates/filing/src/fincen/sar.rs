//! The FinCEN SAR: its input model and its BSA E-Filing batch writer.

use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::error::Result;
use crate::fincen::classification::{Classification, activity_box};
use crate::fincen::codes::{self, NAMESPACE, party_type};
use crate::fincen::{parts, rules};
use crate::money::Money;
use crate::party::{Branch, Gender, Institution, Party, Transmitter};
use crate::violation::{Rule, Violation};
use crate::xml::writer::XmlOut;

/// The separator between key terms in field 2 and at the start of the
/// narrative.
pub const KEY_TERM_SEPARATOR: &str = "; ";

/// Narrative text per `NarrativeText` element.
pub(crate) const NARRATIVE_BLOCK: usize = 4000;

/// What kind of SAR this is (form item 1).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SarKind {
    /// A first report of the activity.
    #[default]
    Initial,
    /// Corrects or amends a report already filed.
    Correction {
        /// The BSA ID of the report corrected (14 digits; 14 zeros when it
        /// is not known).
        prior_bsa_id: String,
    },
    /// Reports activity continuing after an earlier report.
    Continuing {
        /// The BSA ID of the previous report (14 digits; 14 zeros when it is
        /// not known).
        prior_bsa_id: String,
    },
    /// Corrects a continuing-activity report.
    ContinuingCorrection {
        /// The BSA ID of the report corrected.
        prior_bsa_id: String,
    },
}

impl SarKind {
    fn prior(&self) -> Option<&str> {
        match self {
            SarKind::Initial => None,
            SarKind::Correction { prior_bsa_id }
            | SarKind::Continuing { prior_bsa_id }
            | SarKind::ContinuingCorrection { prior_bsa_id } => Some(prior_bsa_id),
        }
    }
}

/// The subject's role in the transaction (SAR item 20 for MSB, casino and
/// securities filers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectRole {
    /// Purchaser or sender.
    PurchaserSender,
    /// Payee or receiver.
    PayeeReceiver,
    /// Both.
    Both,
}

/// How the subject relates to an institution (SAR item 21).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RelationshipKind {
    /// Accountant.
    Accountant,
    /// Agent.
    Agent,
    /// Appraiser.
    Appraiser,
    /// Attorney.
    Attorney,
    /// Borrower.
    Borrower,
    /// Customer.
    Customer,
    /// Director.
    Director,
    /// Employee.
    Employee,
    /// No relationship to the institution.
    NoRelationship,
    /// Officer.
    Officer,
    /// Owner or controlling shareholder.
    OwnerShareholder,
    /// Trustee.
    Trustee,
    /// Other; say what in `other`.
    Other,
}

/// The state of an insider relationship (SAR item 22).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RelationshipStatus {
    /// The relationship continues.
    Continues,
    /// The subject resigned.
    Resigned,
    /// The subject was suspended or barred.
    SuspendedBarred,
    /// The relationship was terminated.
    Terminated,
}

/// The subject's relationship to one institution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relationship {
    /// The institution's TIN.
    pub institution_tin: String,
    /// How the subject relates to it.
    pub kinds: Vec<RelationshipKind>,
    /// What the relationship is, for [`RelationshipKind::Other`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other: Option<String>,
    /// Insider status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<RelationshipStatus>,
    /// When the status took effect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_date: Option<Date>,
}

/// An account involved in the activity, held by the subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectAccount {
    /// The TIN of the institution holding the account (none for an
    /// institution outside the US that has no US TIN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub institution_tin: Option<String>,
    /// The account number.
    pub number: String,
    /// The account is closed.
    #[serde(default)]
    pub closed: bool,
    /// The institution is outside the US.
    #[serde(default)]
    pub non_us: bool,
}

/// A SAR subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// Who the subject is.
    #[serde(flatten)]
    pub party: Party,
    /// The subject's role in the transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<SubjectRole>,
    /// Relationships to institutions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relationships: Vec<Relationship>,
    /// Accounts involved.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<SubjectAccount>,
    /// Whether the subject admitted or confessed (unset: not asked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admission: Option<bool>,
}

/// An IP address the activity came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpAddress {
    /// The address (IPv4 or IPv6).
    pub address: String,
    /// When it was used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<Date>,
}

/// The activity reported (SAR Part II).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuspiciousActivity {
    /// First day of the activity.
    pub from: Date,
    /// Last day of the activity (a single day when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Date>,
    /// Total amount involved; absent with `amount_unknown` unset means "no
    /// amount involved".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
    /// The amount is not known.
    #[serde(default)]
    pub amount_unknown: bool,
    /// Cumulative amount over this and earlier continuing reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cumulative_amount: Option<Money>,
    /// The boxes ticked.
    pub classifications: Vec<Classification>,
}

/// A FinCEN SAR, built from a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SarFiling {
    /// The filing date (an input: the crate reads no clock).
    pub filing_date: Date,
    /// Initial, correction, continuing.
    #[serde(default)]
    pub kind: SarKind,
    /// A joint report.
    #[serde(default)]
    pub joint: bool,
    /// Who transmits the batch.
    pub transmitter: Transmitter,
    /// The filing institution, which is also where the activity occurred.
    pub filer: Institution,
    /// Branches where the activity occurred (none: "no branch involved").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub branches: Vec<Branch>,
    /// Loss to the institution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loss_to_institution: Option<Money>,
    /// The subjects.
    pub subjects: Vec<Subject>,
    /// The activity.
    pub activity: SuspiciousActivity,
    /// Advisory key terms (`CIBanco2313a FIN-2025`): written to field 2 and
    /// at the start of the narrative.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key_terms: Vec<String>,
    /// The narrative (Part V).
    pub narrative: String,
    /// IP addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ip_addresses: Vec<IpAddress>,
}

impl SarFiling {
    /// The text of field 2 (Filing Institution Note to FinCEN): the key
    /// terms, separated by `; `.
    pub fn note_to_fincen(&self) -> Option<String> {
        let terms: Vec<&str> =
            self.key_terms.iter().map(|t| t.trim()).filter(|t| !t.is_empty()).collect();
        (!terms.is_empty()).then(|| terms.join(KEY_TERM_SEPARATOR))
    }

    /// The narrative as filed: the key terms first, as FinCEN's advisories
    /// ask, unless the narrative already begins with them.
    pub fn narrative_text(&self) -> String {
        let narrative = self.narrative.trim();
        match self.note_to_fincen() {
            Some(note) if !narrative.starts_with(&note) => format!("{note}\n\n{narrative}"),
            _ => narrative.to_owned(),
        }
    }

    /// Rules checked on the model because the XML cannot show them.
    fn check_model(&self, prefix: &str, out: &mut Vec<Violation>) {
        for (i, term) in self.key_terms.iter().enumerate() {
            if term.trim().is_empty() || term.contains(';') {
                out.push(Violation::new(
                    Rule::KeyTerms,
                    format!("{prefix}key_terms[{i}]"),
                    "a key term is not empty and holds no ';' (the separator)",
                ));
            }
        }
        for (i, c) in self.activity.classifications.iter().enumerate() {
            if activity_box(&c.item).is_none() {
                out.push(Violation::new(
                    Rule::Classification,
                    format!("{prefix}activity.classifications[{i}]"),
                    format!("{:?} is not a SAR form box Vigia knows (e.g. 36(b))", c.item),
                ));
            }
        }
    }
}

/// Writes one SAR as a batch.
///
/// # Errors
/// [`Error::Invalid`] with every violation when the filing breaks a rule.
pub fn write_sar(filing: &SarFiling) -> Result<String> {
    write_sar_batch(std::slice::from_ref(filing))
}

/// Writes SARs as one `EFilingBatchXML` batch (form type `SARX`), checks
/// the result and returns it.
///
/// # Errors
/// [`Error::EmptyBatch`]; [`Error::Invalid`] with every violation (model
/// paths for the rules checked on the input, XML paths for the others).
pub fn write_sar_batch(filings: &[SarFiling]) -> Result<String> {
    super::write_batch(filings, SarFiling::check_model, render, validate_sar)
}

/// Checks a SAR batch against the schema subset and the SAR rules; returns
/// every violation (none: the batch passes).
pub fn validate_sar(xml: &str) -> Vec<Violation> {
    rules::validate(xml, rules::Form::Sar)
}

fn render(filings: &[SarFiling]) -> Result<(String, Vec<Violation>)> {
    let total: u64 = filings
        .iter()
        .filter_map(|f| f.activity.amount)
        .map(Money::whole_dollars_up)
        .fold(0, u64::saturating_add);
    let subjects: usize = filings.iter().map(|f| f.subjects.len()).sum();
    let (activities, total, subjects) =
        (filings.len().to_string(), total.to_string(), subjects.to_string());
    let mut out = XmlOut::new("fc2:", true)?;
    out.root(
        "EFilingBatchXML",
        &[
            ("ActivityAttachmentCount", "0"),
            ("ActivityCount", &activities),
            ("AttachmentCount", "0"),
            ("PartyCount", &subjects),
            ("TotalAmount", &total),
            ("xmlns:fc2", NAMESPACE),
            ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
            (
                "xsi:schemaLocation",
                "www.fincen.gov/base https://www.fincen.gov/base/EFL_SARXBatchSchema.xsd",
            ),
        ],
    )?;
    out.leaf("FormTypeCode", "SARX")?;
    for filing in filings {
        activity(&mut out, filing)?;
    }
    out.finish()
}

fn activity(out: &mut XmlOut, filing: &SarFiling) -> Result<()> {
    out.open("Activity")?;
    out.leaf_opt("EFilingPriorDocumentNumber", filing.kind.prior())?;
    out.leaf("FilingDateText", &filing.filing_date.fincen())?;
    out.leaf_opt("FilingInstitutionNotetoFinCEN", filing.note_to_fincen().as_deref())?;
    out.open("ActivityAssociation")?;
    let continuing =
        matches!(filing.kind, SarKind::Continuing { .. } | SarKind::ContinuingCorrection { .. });
    let correction =
        matches!(filing.kind, SarKind::Correction { .. } | SarKind::ContinuingCorrection { .. });
    out.flag("ContinuingActivityReportIndicator", continuing)?;
    out.flag("CorrectsAmendsPriorReportIndicator", correction)?;
    out.flag("InitialReportIndicator", filing.kind == SarKind::Initial)?;
    out.flag("JointReportIndicator", filing.joint)?;
    out.close()?;

    parts::transmitter(out, &filing.transmitter)?;
    parts::filer(out, &filing.filer)?;
    location(out, filing)?;
    for subject in &filing.subjects {
        self::subject(out, subject)?;
    }
    suspicious_activity(out, &filing.activity)?;
    for ip in &filing.ip_addresses {
        out.open("ActivityIPAddress")?;
        out.leaf_opt("ActivityIPAddressDateText", ip.date.map(Date::fincen).as_deref())?;
        out.leaf("IPAddressText", &ip.address)?;
        out.close()?;
    }
    narrative(out, &filing.narrative_text())?;
    out.close()
}

/// The institution where the activity occurred (34): the filer, with its
/// branches.
fn location(out: &mut XmlOut, filing: &SarFiling) -> Result<()> {
    let filer = &filing.filer;
    out.open("Party")?;
    out.leaf("ActivityPartyTypeCode", party_type::LOCATION)?;
    let loss = filing.loss_to_institution.map(|m| m.whole_dollars_up().to_string());
    out.leaf_opt("LossToFinancialInstitutionAmountText", loss.as_deref())?;
    out.flag("NoBranchActivityInvolvedIndicator", filing.branches.is_empty())?;
    out.leaf("PrimaryRegulatorTypeCode", codes::regulator_code(filer.regulator))?;
    parts::institution_body(out, filer, false)?;
    for branch in &filing.branches {
        out.open("PartyAssociation")?;
        out.open("Party")?;
        out.leaf("ActivityPartyTypeCode", party_type::BRANCH)?;
        parts::address(out, &branch.address, false)?;
        if let Some(rssd) = &branch.rssd {
            parts::identification(out, codes::id_type::RSSD, rssd, None, None, None)?;
        }
        out.close()?;
        out.close()?;
    }
    out.close()
}

fn subject(out: &mut XmlOut, subject: &Subject) -> Result<()> {
    let party = &subject.party;
    let person = !party.name.is_entity();
    let name_known = !party.name.full().is_empty();
    // FinCEN's box for a subject about whom nothing critical is known: the
    // name, address, TIN and date of birth are then left out rather than
    // each marked unknown.
    let nothing_known = !name_known
        && party.addresses.is_empty()
        && party.identifications.is_empty()
        && party.birth_date.is_none();
    out.open("Party")?;
    out.leaf("ActivityPartyTypeCode", party_type::SUBJECT)?;
    out.flag("AdmissionConfessionNoIndicator", subject.admission == Some(false))?;
    out.flag("AdmissionConfessionYesIndicator", subject.admission == Some(true))?;
    out.flag("AllCriticalSubjectInformationUnavailableIndicator", nothing_known)?;
    out.flag("BirthDateUnknownIndicator", person && !nothing_known && party.birth_date.is_none())?;
    out.flag("BothPurchaserSenderPayeeReceiveIndicator", subject.role == Some(SubjectRole::Both))?;
    out.flag("FemaleGenderIndicator", person && party.gender == Some(Gender::Female))?;
    let birth = if person { party.birth_date.map(|d| d.fincen()) } else { None };
    out.leaf_opt("IndividualBirthDateText", birth.as_deref())?;
    out.flag("MaleGenderIndicator", person && party.gender == Some(Gender::Male))?;
    out.flag("NoKnownAccountInvolvedIndicator", subject.accounts.is_empty())?;
    out.flag("PartyAsEntityOrganizationIndicator", !person)?;
    out.flag("PayeeReceiverIndicator", subject.role == Some(SubjectRole::PayeeReceiver))?;
    out.flag("PurchaserSenderIndicator", subject.role == Some(SubjectRole::PurchaserSender))?;
    out.flag("UnknownGenderIndicator", person && !nothing_known && party.gender.is_none())?;
    if !nothing_known {
        parts::legal_name(out, &party.name)?;
    }
    parts::other_names(out, party)?;
    if party.addresses.is_empty() {
        if !nothing_known {
            parts::unknown_address(out)?;
        }
    } else {
        for address in &party.addresses {
            parts::address(out, address, true)?;
        }
    }
    for phone in &party.phones {
        parts::phone(out, phone)?;
    }
    if party.tin().is_none() && !nothing_known {
        parts::tin_unknown(out)?;
    }
    for id in &party.identifications {
        parts::party_identification(out, id)?;
    }
    parts::occupation_and_contacts(out, party)?;
    for relationship in &subject.relationships {
        self::relationship(out, relationship)?;
    }
    accounts(out, subject)?;
    out.close()
}

fn relationship(out: &mut XmlOut, relationship: &Relationship) -> Result<()> {
    let has = |kind: RelationshipKind| relationship.kinds.contains(&kind);
    let status = |s: RelationshipStatus| relationship.status == Some(s);
    out.open("PartyAssociation")?;
    out.flag("AccountantIndicator", has(RelationshipKind::Accountant))?;
    out.leaf_opt("ActionTakenDateText", relationship.action_date.map(Date::fincen).as_deref())?;
    out.flag("AgentIndicator", has(RelationshipKind::Agent))?;
    out.flag("AppraiserIndicator", has(RelationshipKind::Appraiser))?;
    out.flag("AttorneyIndicator", has(RelationshipKind::Attorney))?;
    out.flag("BorrowerIndicator", has(RelationshipKind::Borrower))?;
    out.flag("CustomerIndicator", has(RelationshipKind::Customer))?;
    out.flag("DirectorIndicator", has(RelationshipKind::Director))?;
    out.flag("EmployeeIndicator", has(RelationshipKind::Employee))?;
    out.flag("NoRelationshipToInstitutionIndicator", has(RelationshipKind::NoRelationship))?;
    out.flag("OfficerIndicator", has(RelationshipKind::Officer))?;
    out.leaf_opt("OtherPartyAssociationTypeText", relationship.other.as_deref())?;
    out.flag("OtherRelationshipIndicator", has(RelationshipKind::Other))?;
    out.flag("OwnerShareholderIndicator", has(RelationshipKind::OwnerShareholder))?;
    out.flag("RelationshipContinuesIndicator", status(RelationshipStatus::Continues))?;
    out.flag("ResignedIndicator", status(RelationshipStatus::Resigned))?;
    out.leaf("SubjectRelationshipFITINText", &parts::digits(&relationship.institution_tin))?;
    out.flag("SuspendedBarredIndicator", status(RelationshipStatus::SuspendedBarred))?;
    out.flag("TerminatedIndicator", status(RelationshipStatus::Terminated))?;
    out.flag("TrusteeIndicator", has(RelationshipKind::Trustee))?;
    out.close()
}

/// The subject's accounts, grouped by the institution holding them.
fn accounts(out: &mut XmlOut, subject: &Subject) -> Result<()> {
    if subject.accounts.is_empty() {
        return Ok(());
    }
    let mut institutions: Vec<Option<&str>> = Vec::new();
    for account in &subject.accounts {
        let tin = account.institution_tin.as_deref();
        if !institutions.contains(&tin) {
            institutions.push(tin);
        }
    }
    out.open("PartyAccountAssociation")?;
    out.leaf("PartyAccountAssociationTypeCode", "7")?;
    for tin in institutions {
        let held: Vec<&SubjectAccount> =
            subject.accounts.iter().filter(|a| a.institution_tin.as_deref() == tin).collect();
        out.open("Party")?;
        out.leaf("ActivityPartyTypeCode", party_type::ACCOUNT_INSTITUTION)?;
        out.flag("NonUSFinancialInstitutionIndicator", held.iter().any(|a| a.non_us))?;
        if let Some(tin) = tin {
            parts::identification(out, codes::id_type::EIN, tin, None, None, None)?;
        }
        for account in held {
            out.open("Account")?;
            out.leaf("AccountNumberText", &account.number)?;
            if account.closed {
                out.open("PartyAccountAssociation")?;
                out.flag("AccountClosedIndicator", true)?;
                out.leaf("PartyAccountAssociationTypeCode", "5")?;
                out.close()?;
            }
            out.close()?;
        }
        out.close()?;
    }
    out.close()
}

fn suspicious_activity(out: &mut XmlOut, activity: &SuspiciousActivity) -> Result<()> {
    out.open("SuspiciousActivity")?;
    out.flag("AmountUnknownIndicator", activity.amount_unknown)?;
    let cumulative = activity.cumulative_amount.map(|m| m.whole_dollars_up().to_string());
    out.leaf_opt("CumulativeTotalViolationAmountText", cumulative.as_deref())?;
    out.flag("NoAmountInvolvedIndicator", activity.amount.is_none() && !activity.amount_unknown)?;
    out.leaf("SuspiciousActivityFromDateText", &activity.from.fincen())?;
    out.leaf_opt("SuspiciousActivityToDateText", activity.to.map(Date::fincen).as_deref())?;
    let amount = activity.amount.map(|m| m.whole_dollars_up().to_string());
    out.leaf_opt("TotalSuspiciousAmountText", amount.as_deref())?;
    for classification in &activity.classifications {
        // Unknown items are reported by the model check; nothing to write.
        let Some(ids) = activity_box(&classification.item) else { continue };
        out.open("SuspiciousActivityClassification")?;
        out.leaf_opt("OtherSuspiciousActivityTypeText", classification.other.as_deref())?;
        out.leaf("SuspiciousActivitySubtypeID", &ids.subtype_id.to_string())?;
        out.leaf("SuspiciousActivityTypeID", &ids.type_id.to_string())?;
        out.close()?;
    }
    out.close()
}

/// The narrative in blocks of at most 4,000 characters, each cut after a
/// space where one is near the limit so words stay whole.
fn narrative(out: &mut XmlOut, text: &str) -> Result<()> {
    for (i, block) in narrative_blocks(text).iter().enumerate() {
        out.open("ActivityNarrativeInformation")?;
        out.leaf("ActivityNarrativeSequenceNumber", &(i + 1).to_string())?;
        out.leaf_verbatim("NarrativeText", block)?;
        out.close()?;
    }
    Ok(())
}

/// Splits a narrative into blocks of at most [`NARRATIVE_BLOCK`]
/// characters; concatenated, the blocks give the text back.
pub(crate) fn narrative_blocks(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut blocks = Vec::new();
    let mut start = 0;
    while start < chars.len() {
        let mut end = (start + NARRATIVE_BLOCK).min(chars.len());
        if end < chars.len() {
            // Cut after the last whitespace in the block's final 10 %.
            let floor = end - NARRATIVE_BLOCK / 10;
            if let Some(space) = (floor..end).rev().find(|&i| chars[i].is_whitespace()) {
                end = space + 1;
            }
        }
        blocks.push(chars[start..end].iter().collect());
        start = end;
    }
    if blocks.is_empty() {
        blocks.push(String::new());
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrative_blocks_keep_words_and_text() {
        let text = "word ".repeat(1700);
        let blocks = narrative_blocks(&text);
        assert_eq!(blocks.len(), 3);
        assert!(blocks.iter().all(|b| b.chars().count() <= NARRATIVE_BLOCK));
        assert!(blocks[0].ends_with(' '));
        assert_eq!(blocks.concat(), text);
        let solid = "x".repeat(8001);
        assert_eq!(
            narrative_blocks(&solid).iter().map(|b| b.len()).collect::<Vec<_>>(),
            [4000, 4000, 1]
        );
    }
}
