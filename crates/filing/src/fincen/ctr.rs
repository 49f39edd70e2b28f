//! The FinCEN CTR: its input model and its BSA E-Filing batch writer,
//! including the variant filed under a geographic targeting order (GTO).

use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::error::Result;
use crate::fincen::codes::{self, NAMESPACE, party_type};
use crate::fincen::{parts, rules};
use crate::money::Money;
use crate::party::{Gender, IdKind, Institution, InstitutionKind, Party, Transmitter};
use crate::violation::{Rule, Violation};
use crate::xml::writer::XmlOut;

/// The CTR threshold: cash over $10,000 in or out per business day
/// (31 CFR 1010.311, aggregated per 1010.313).
pub const CTR_THRESHOLD: Money = Money::from_units(10_000);

/// What kind of CTR this is (form item 1).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CtrKind {
    /// A first report.
    #[default]
    Initial,
    /// Corrects or amends a report already filed.
    Correction {
        /// The BSA ID of the report corrected (14 digits).
        prior_bsa_id: String,
    },
    /// Filed late because FinCEN directed it.
    DirectedBackfiling,
}

/// A person's part in the transaction (CTR item 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CtrRole {
    /// Conducted the transaction on their own behalf.
    OwnBehalf,
    /// Conducted it for another person.
    ForAnother,
    /// The person on whose behalf it was conducted.
    OnWhoseBehalf,
    /// A common carrier (armoured car service) that conducted it.
    CommonCarrier,
}

impl CtrRole {
    fn code(self) -> &'static str {
        match self {
            CtrRole::OwnBehalf => party_type::OWN_BEHALF,
            CtrRole::ForAnother => party_type::FOR_ANOTHER,
            CtrRole::OnWhoseBehalf => party_type::ON_WHOSE_BEHALF,
            CtrRole::CommonCarrier => party_type::COMMON_CARRIER,
        }
    }

    /// Whether the person physically conducted the transaction.
    pub fn conducts(self) -> bool {
        !matches!(self, CtrRole::OnWhoseBehalf)
    }
}

/// A person (or organisation) in Part I of the CTR.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CtrPerson {
    /// Who.
    #[serde(flatten)]
    pub party: Party,
    /// Their part in the transaction.
    pub role: CtrRole,
    /// Cash in attributed to this person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cash_in: Option<Money>,
    /// Cash out attributed to this person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cash_out: Option<Money>,
    /// Accounts cash went into.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accounts_in: Vec<String>,
    /// Accounts cash came out of.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accounts_out: Vec<String>,
    /// The person made several transactions that were aggregated.
    #[serde(default)]
    pub multiple_transactions: bool,
}

/// Kinds of cash in (CTR item 25).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CashIn {
    /// Deposits.
    Deposit,
    /// Payments.
    Payment,
    /// Currency received for funds transfers out.
    FundsTransferOut,
    /// Purchases of negotiable instruments.
    NegotiableInstrumentPurchase,
    /// Currency exchanges.
    CurrencyExchange,
    /// Currency to prepaid access.
    PrepaidAccess,
    /// Other; say what.
    Other,
}

/// Kinds of cash out (CTR item 26).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CashOut {
    /// Withdrawals.
    Withdrawal,
    /// Advances on credit.
    AdvanceOnCredit,
    /// Currency paid from funds transfers in.
    FundsTransferIn,
    /// Negotiable instruments cashed.
    NegotiableInstrumentCashed,
    /// Currency exchanges.
    CurrencyExchange,
    /// Currency from prepaid access.
    PrepaidAccess,
    /// Other; say what.
    Other,
}

impl CashIn {
    fn code(self) -> &'static str {
        match self {
            CashIn::Deposit => "55",
            CashIn::Payment => "46",
            CashIn::FundsTransferOut => "23",
            CashIn::NegotiableInstrumentPurchase => "12",
            CashIn::CurrencyExchange => "14",
            CashIn::PrepaidAccess => "49",
            CashIn::Other => "997",
        }
    }
}

impl CashOut {
    fn code(self) -> &'static str {
        match self {
            CashOut::Withdrawal => "56",
            CashOut::AdvanceOnCredit => "30",
            CashOut::FundsTransferIn => "32",
            CashOut::NegotiableInstrumentCashed => "13",
            CashOut::CurrencyExchange => "15",
            CashOut::PrepaidAccess => "48",
            CashOut::Other => "998",
        }
    }
}

/// One line of cash in, with its amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CashInLine {
    /// What kind.
    pub kind: CashIn,
    /// How much.
    pub amount: Money,
    /// What it is, for `other`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other: Option<String>,
}

/// One line of cash out, with its amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CashOutLine {
    /// What kind.
    pub kind: CashOut,
    /// How much.
    pub amount: Money,
    /// What it is, for `other`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other: Option<String>,
}

/// The geographic targeting order a CTR is filed under. Orders change by
/// date and geography, so the band is an input (dated reference data), not
/// a constant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gto {
    /// The order, in words (`FinCEN south-west border GTO of 8 Sep 2025`).
    pub order: String,
    /// The order's lower bound.
    pub floor: Money,
    /// Whether the floor itself is covered (`$1,000 to $10,000`: yes;
    /// `over $200`: no).
    #[serde(default)]
    pub floor_inclusive: bool,
}

/// A FinCEN CTR for one person-day (or one transaction under a GTO).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CtrFiling {
    /// The filing date (an input: the crate reads no clock).
    pub filing_date: Date,
    /// Initial, correction or directed backfiling.
    #[serde(default)]
    pub kind: CtrKind,
    /// Who transmits the batch.
    pub transmitter: Transmitter,
    /// The reporting institution, which is also where the transaction took
    /// place.
    pub filer: Institution,
    /// The persons involved.
    pub persons: Vec<CtrPerson>,
    /// The business day of the transaction(s).
    pub transaction_date: Date,
    /// Cash in by kind.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cash_in: Vec<CashInLine>,
    /// Cash out by kind.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cash_out: Vec<CashOutLine>,
    /// Several transactions below the threshold were aggregated.
    #[serde(default)]
    pub aggregated: bool,
    /// Conducted by an armoured car service.
    #[serde(default)]
    pub armored_car: bool,
    /// Conducted at an ATM.
    #[serde(default)]
    pub atm: bool,
    /// A mail deposit or shipment.
    #[serde(default)]
    pub mail_deposit: bool,
    /// A night deposit.
    #[serde(default)]
    pub night_deposit: bool,
    /// Shared branching (credit unions).
    #[serde(default)]
    pub shared_branching: bool,
    /// The geographic targeting order this CTR is filed under, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gto: Option<Gto>,
}

impl CtrFiling {
    /// Total cash in, rounded up to whole dollars line by line as filed.
    pub fn total_in(&self) -> u64 {
        self.cash_in.iter().map(|l| l.amount.whole_dollars_up()).fold(0, u64::saturating_add)
    }

    /// Total cash out, rounded as filed.
    pub fn total_out(&self) -> u64 {
        self.cash_out.iter().map(|l| l.amount.whole_dollars_up()).fold(0, u64::saturating_add)
    }

    fn exact_in(&self) -> Money {
        self.cash_in.iter().fold(Money::ZERO, |sum, l| sum.saturating_add(l.amount))
    }

    fn exact_out(&self) -> Money {
        self.cash_out.iter().fold(Money::ZERO, |sum, l| sum.saturating_add(l.amount))
    }

    /// The rules that decide whether this is a reportable CTR at all: they
    /// need the model (the XML does not say which order it is filed under).
    fn check_model(&self, prefix: &str, out: &mut Vec<Violation>) {
        let (cash_in, cash_out) = (self.exact_in(), self.exact_out());
        let largest = cash_in.max(cash_out);
        match &self.gto {
            None => {
                if largest <= CTR_THRESHOLD {
                    out.push(Violation::new(
                        Rule::CtrThreshold,
                        format!("{prefix}cash_in"),
                        format!(
                            "cash in ${cash_in} and cash out ${cash_out}: a CTR is for more than $10,000 in a business day"
                        ),
                    ));
                }
            }
            Some(gto) => self.check_gto(gto, largest, prefix, out),
        }
    }

    fn check_gto(&self, gto: &Gto, largest: Money, prefix: &str, out: &mut Vec<Violation>) {
        let above_floor =
            if gto.floor_inclusive { largest >= gto.floor } else { largest > gto.floor };
        if !above_floor || largest > CTR_THRESHOLD {
            let floor = if gto.floor_inclusive { "from" } else { "over" };
            out.push(Violation::new(
                Rule::GtoBand,
                format!("{prefix}gto"),
                format!(
                    "${largest} is outside the order's band ({floor} ${} up to $10,000); above $10,000 file an ordinary CTR",
                    gto.floor
                ),
            ));
        }
        if self.filer.kind != InstitutionKind::Msb {
            out.push(Violation::new(
                Rule::GtoBand,
                format!("{prefix}filer.kind"),
                "the south-west border orders cover money services businesses",
            ));
        }
        for (i, person) in self.persons.iter().enumerate() {
            let documented = person.party.identifications.iter().any(|id| {
                !id.kind.is_tin() && !id.number.trim().is_empty() && id.kind != IdKind::Registration
            });
            if person.role.conducts() && !person.party.name.is_entity() && !documented {
                out.push(Violation::new(
                    Rule::GtoBand,
                    format!("{prefix}persons[{i}].identifications"),
                    "the order requires the conductor's identity verified: an identity document",
                ));
            }
        }
    }
}

/// Writes one CTR as a batch.
///
/// # Errors
/// [`Error::Invalid`] with every violation when the filing breaks a rule.
pub fn write_ctr(filing: &CtrFiling) -> Result<String> {
    write_ctr_batch(std::slice::from_ref(filing))
}

/// Writes CTRs as one `EFilingBatchXML` batch (form type `CTRX`), checks
/// the result and returns it.
///
/// # Errors
/// [`Error::EmptyBatch`]; [`Error::Invalid`] with every violation.
pub fn write_ctr_batch(filings: &[CtrFiling]) -> Result<String> {
    super::write_batch(filings, CtrFiling::check_model, render, validate_ctr)
}

/// Checks a CTR batch against the schema subset and the CTR rules; returns
/// every violation (none: the batch passes). Whether the amounts make it a
/// reportable CTR (over $10,000, or in a GTO band) is checked when writing,
/// from the model.
pub fn validate_ctr(xml: &str) -> Vec<Violation> {
    rules::validate(xml, rules::Form::Ctr)
}

fn render(filings: &[CtrFiling]) -> Result<(String, Vec<Violation>)> {
    let total = filings
        .iter()
        .map(|f| f.total_in().saturating_add(f.total_out()))
        .fold(0u64, u64::saturating_add);
    let persons: usize = filings.iter().map(|f| f.persons.len()).sum();
    let (activities, total, persons) =
        (filings.len().to_string(), total.to_string(), persons.to_string());
    let mut out = XmlOut::new("fc2:", true)?;
    out.root(
        "EFilingBatchXML",
        &[
            ("ActivityCount", &activities),
            ("PartyCount", &persons),
            ("TotalAmount", &total),
            ("xmlns:fc2", NAMESPACE),
            ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
            (
                "xsi:schemaLocation",
                "www.fincen.gov/base https://www.fincen.gov/base/EFL_CTRXBatchSchema.xsd",
            ),
        ],
    )?;
    out.leaf("FormTypeCode", "CTRX")?;
    for filing in filings {
        activity(&mut out, filing)?;
    }
    out.finish()
}

fn activity(out: &mut XmlOut, filing: &CtrFiling) -> Result<()> {
    out.open("Activity")?;
    let prior = match &filing.kind {
        CtrKind::Correction { prior_bsa_id } => Some(prior_bsa_id.as_str()),
        _ => None,
    };
    out.leaf_opt("EFilingPriorDocumentNumber", prior)?;
    out.leaf("FilingDateText", &filing.filing_date.fincen())?;
    out.open("ActivityAssociation")?;
    out.flag("CorrectsAmendsPriorReportIndicator", prior.is_some())?;
    out.flag("FinCENDirectBackFileIndicator", filing.kind == CtrKind::DirectedBackfiling)?;
    out.flag("InitialReportIndicator", filing.kind == CtrKind::Initial)?;
    out.close()?;
    parts::transmitter(out, &filing.transmitter)?;
    parts::filer(out, &filing.filer)?;
    out.open("Party")?;
    out.leaf("ActivityPartyTypeCode", party_type::LOCATION)?;
    out.leaf("PrimaryRegulatorTypeCode", codes::regulator_code(filing.filer.regulator))?;
    parts::institution_body(out, &filing.filer, false)?;
    out.close()?;
    for person in &filing.persons {
        self::person(out, person)?;
    }
    cash(out, filing)?;
    out.close()
}

fn person(out: &mut XmlOut, person: &CtrPerson) -> Result<()> {
    let party = &person.party;
    let individual = !party.name.is_entity();
    out.open("Party")?;
    out.leaf("ActivityPartyTypeCode", person.role.code())?;
    out.flag("BirthDateUnknownIndicator", individual && party.birth_date.is_none())?;
    out.flag("FemaleGenderIndicator", individual && party.gender == Some(Gender::Female))?;
    let birth = if individual { party.birth_date.map(|d| d.fincen()) } else { None };
    out.leaf_opt("IndividualBirthDateText", birth.as_deref())?;
    let cash_in = person.cash_in.map(|m| m.whole_dollars_up().to_string());
    out.leaf_opt("IndividualEntityCashInAmountText", cash_in.as_deref())?;
    let cash_out = person.cash_out.map(|m| m.whole_dollars_up().to_string());
    out.leaf_opt("IndividualEntityCashOutAmountText", cash_out.as_deref())?;
    out.flag("MaleGenderIndicator", individual && party.gender == Some(Gender::Male))?;
    out.flag("MultipleTransactionsPersonsIndividualsIndicator", person.multiple_transactions)?;
    out.flag("PartyAsEntityOrganizationIndicator", !individual)?;
    out.flag("UnknownGenderIndicator", individual && party.gender.is_none())?;
    parts::legal_name(out, &party.name)?;
    parts::other_names(out, party)?;
    if party.addresses.is_empty() {
        parts::unknown_address(out)?;
    }
    for address in &party.addresses {
        parts::address(out, address, true)?;
    }
    for phone in &party.phones {
        parts::phone(out, phone)?;
    }
    if party.tin().is_none() {
        parts::tin_unknown(out)?;
    }
    for id in &party.identifications {
        parts::party_identification(out, id)?;
    }
    parts::occupation_and_contacts(out, party)?;
    for (code, accounts) in [("8", &person.accounts_in), ("9", &person.accounts_out)] {
        if accounts.is_empty() {
            continue;
        }
        out.open("PartyAccountAssociation")?;
        out.leaf("PartyAccountAssociationTypeCode", code)?;
        for account in accounts {
            out.open("Account")?;
            out.leaf("AccountNumberText", account)?;
            out.close()?;
        }
        out.close()?;
    }
    out.close()
}

fn cash(out: &mut XmlOut, filing: &CtrFiling) -> Result<()> {
    out.open("CurrencyTransactionActivity")?;
    out.flag("AggregateTransactionIndicator", filing.aggregated)?;
    out.flag("ArmoredCarServiceIndicator", filing.armored_car)?;
    out.flag("ATMIndicator", filing.atm)?;
    out.flag("MailDepositShipmentIndicator", filing.mail_deposit)?;
    out.flag("NightDepositIndicator", filing.night_deposit)?;
    out.flag("SharedBranchingIndicator", filing.shared_branching)?;
    let total_in = (!filing.cash_in.is_empty()).then(|| filing.total_in().to_string());
    out.leaf_opt("TotalCashInReceiveAmountText", total_in.as_deref())?;
    let total_out = (!filing.cash_out.is_empty()).then(|| filing.total_out().to_string());
    out.leaf_opt("TotalCashOutAmountText", total_out.as_deref())?;
    out.leaf("TransactionDateText", &filing.transaction_date.fincen())?;
    let lines = filing
        .cash_in
        .iter()
        .map(|l| (l.kind.code(), l.amount, l.other.as_deref()))
        .chain(filing.cash_out.iter().map(|l| (l.kind.code(), l.amount, l.other.as_deref())));
    for (code, amount, other) in lines {
        out.open("CurrencyTransactionActivityDetail")?;
        out.leaf("CurrencyTransactionActivityDetailTypeCode", code)?;
        out.leaf("DetailTransactionAmountText", &amount.whole_dollars_up().to_string())?;
        out.leaf_opt("OtherTransactionTypeText", other)?;
        out.close()?;
    }
    out.close()
}
