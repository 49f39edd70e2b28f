//! Rule violations: what is wrong with a filing, where, and which rule says
//! so.
//!
//! Every rule has a stable id and names the document it comes from, so a
//! reviewer can check the rule against its source. The list of rules, with
//! the same sources, is in `docs/guide/filings.md`.

use std::fmt;

use serde::{Serialize, Serializer};

/// A rule a filing must follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Rule {
    /// The document is well-formed XML 1.0.
    WellFormed,
    /// Text holds only characters XML 1.0 can carry.
    Characters,
    /// The root element has the expected name and namespace.
    Root,
    /// An element is not declared at this place, or a container holds text.
    Unexpected,
    /// An element appears out of the schema's sequence order.
    Order,
    /// A required element is absent.
    Missing,
    /// An element occurs more often than the schema allows.
    TooMany,
    /// An element is present without a value.
    Empty,
    /// A value is longer than its element allows.
    Length,
    /// A value is not in its code list.
    Code,
    /// A value does not have its element's format (date, amount, digits,
    /// indicator).
    Format,
    /// FinCEN: every container element carries a positive `SeqNum`.
    SeqNum,
    /// FinCEN: `SeqNum` values are unique in the batch.
    SeqNumUnique,
    /// FinCEN: the batch attributes equal the counts and totals inside.
    BatchCounts,
    /// FinCEN: the type-of-filing boxes form an allowed combination.
    FilingType,
    /// FinCEN: the prior report's BSA ID is given exactly when required.
    PriorReport,
    /// FinCEN: each party role occurs as often as the form requires.
    PartyRoles,
    /// FinCEN: each party carries what its role requires (name, address,
    /// TIN, TCC, phone).
    PartyContent,
    /// FinCEN: an identification has a number or its "unknown" box, and a
    /// description when its type is "other".
    Identification,
    /// FinCEN: a US address has a state code and a 5- or 9-digit ZIP code.
    Address,
    /// Dates are in order: activity from ≤ to ≤ filing date, birth and
    /// transaction dates not after the filing.
    DateOrder,
    /// FinCEN SAR: the amount, "amount unknown" and "no amount" boxes are
    /// exclusive; a cumulative amount only on a continuing report.
    Amount,
    /// FinCEN SAR: at least one activity classification, each a known
    /// type/subtype pair, with a description exactly for "other".
    Classification,
    /// FinCEN SAR: narrative blocks are numbered 1..n (at most 5) and not
    /// empty.
    Narrative,
    /// FinCEN SAR: advisory key terms are in field 2 and begin the
    /// narrative.
    KeyTerms,
    /// FinCEN CTR: the cash-in and cash-out totals equal their detail
    /// lines, and no person's amount exceeds the total.
    CashTotals,
    /// FinCEN CTR: a CTR reports more than $10,000 cash in or cash out.
    CtrThreshold,
    /// FinCEN CTR under a geographic targeting order: the amount is in the
    /// order's band, the filer is an MSB and every conductor is identified.
    GtoBand,
    /// goAML: at least one side of each transaction is the reporting
    /// entity's client.
    MyClient,
    /// goAML: the FIU profile's required fields are present.
    ProfileRequired,
    /// goAML: transaction numbers are unique in the report.
    TransactionNumber,
}

impl Rule {
    /// Every rule.
    pub const ALL: &[Rule] = &[
        Rule::WellFormed,
        Rule::Characters,
        Rule::Root,
        Rule::Unexpected,
        Rule::Order,
        Rule::Missing,
        Rule::TooMany,
        Rule::Empty,
        Rule::Length,
        Rule::Code,
        Rule::Format,
        Rule::SeqNum,
        Rule::SeqNumUnique,
        Rule::BatchCounts,
        Rule::FilingType,
        Rule::PriorReport,
        Rule::PartyRoles,
        Rule::PartyContent,
        Rule::Identification,
        Rule::Address,
        Rule::DateOrder,
        Rule::Amount,
        Rule::Classification,
        Rule::Narrative,
        Rule::KeyTerms,
        Rule::CashTotals,
        Rule::CtrThreshold,
        Rule::GtoBand,
        Rule::MyClient,
        Rule::ProfileRequired,
        Rule::TransactionNumber,
    ];

    /// The stable id, e.g. `fincen.seqnum-unique`.
    pub fn id(self) -> &'static str {
        match self {
            Rule::WellFormed => "xml.well-formed",
            Rule::Characters => "xml.characters",
            Rule::Root => "schema.root",
            Rule::Unexpected => "schema.unexpected",
            Rule::Order => "schema.order",
            Rule::Missing => "schema.missing",
            Rule::TooMany => "schema.too-many",
            Rule::Empty => "schema.empty",
            Rule::Length => "schema.length",
            Rule::Code => "schema.code",
            Rule::Format => "schema.format",
            Rule::SeqNum => "fincen.seqnum",
            Rule::SeqNumUnique => "fincen.seqnum-unique",
            Rule::BatchCounts => "fincen.batch-counts",
            Rule::FilingType => "fincen.filing-type",
            Rule::PriorReport => "fincen.prior-report",
            Rule::PartyRoles => "fincen.party-roles",
            Rule::PartyContent => "fincen.party-content",
            Rule::Identification => "fincen.identification",
            Rule::Address => "fincen.address",
            Rule::DateOrder => "dates.order",
            Rule::Amount => "fincen.amount",
            Rule::Classification => "fincen.classification",
            Rule::Narrative => "fincen.narrative",
            Rule::KeyTerms => "fincen.key-terms",
            Rule::CashTotals => "fincen.cash-totals",
            Rule::CtrThreshold => "fincen.ctr-threshold",
            Rule::GtoBand => "fincen.gto-band",
            Rule::MyClient => "goaml.my-client",
            Rule::ProfileRequired => "goaml.profile-required",
            Rule::TransactionNumber => "goaml.transaction-number",
        }
    }

    /// Where the rule comes from.
    pub fn source(self) -> &'static str {
        const SAR_GUIDE: &str = "FinCEN, BSA Electronic Filing Requirements for XML: \
            FinCEN SAR XML Schema User Guide (SARX)";
        const CTR_GUIDE: &str = "FinCEN, BSA Electronic Filing Requirements for XML: \
            FinCEN CTR XML Schema User Guide (CTRX)";
        const BOTH_GUIDES: &str = "FinCEN, BSA Electronic Filing Requirements for XML \
            (SAR and CTR XML Schema User Guides)";
        match self {
            Rule::WellFormed => "W3C XML 1.0, well-formedness",
            Rule::Characters => "W3C XML 1.0, section 2.2 (Char production)",
            Rule::Root | Rule::Unexpected | Rule::Order | Rule::Missing | Rule::TooMany => {
                "the schema subset in crates/filing/src/{fincen,goaml}/schema.rs, transcribed from \
                 the FinCEN SAR/CTR XML Schema User Guides and the UNODC goAML XML schema \
                 documentation"
            }
            Rule::Empty | Rule::Length | Rule::Code | Rule::Format => {
                "element value rules of the same schema subset (lengths, code lists, date and \
                 amount formats as the user guides and the goAML schema documentation state them)"
            }
            Rule::SeqNum | Rule::SeqNumUnique | Rule::BatchCounts | Rule::PriorReport => {
                BOTH_GUIDES
            }
            Rule::FilingType | Rule::PartyRoles | Rule::PartyContent | Rule::Identification => {
                BOTH_GUIDES
            }
            Rule::Address => BOTH_GUIDES,
            Rule::DateOrder => {
                "FinCEN SAR and CTR XML Schema User Guides (activity dates, transaction date, \
                 date of birth against the filing date); goAML schema documentation (transaction \
                 dates against the submission date)"
            }
            Rule::Amount | Rule::Classification | Rule::Narrative => SAR_GUIDE,
            Rule::KeyTerms => {
                "FinCEN advisories and alerts (e.g. the 21 USC 2313a orders of 25 Jun 2025, \
                 FIN-2025-A003, FIN-2023-Alert001): key term in SAR field 2 (Filing Institution \
                 Note to FinCEN) and in the narrative; SAR XML user guide, 50-character field 2"
            }
            Rule::CashTotals => CTR_GUIDE,
            Rule::CtrThreshold => {
                "31 CFR 1010.311 and 1010.313 (cash over $10,000, aggregated per business day)"
            }
            Rule::GtoBand => {
                "FinCEN south-west border geographic targeting orders (2025-2026): MSB cash \
                 transactions in the order's band up to $10,000, identity verified"
            }
            Rule::MyClient | Rule::TransactionNumber => {
                "UNODC goAML XML schema documentation (bi-party transaction: t_from_my_client / \
                 t_to_my_client)"
            }
            Rule::ProfileRequired => {
                "the FIU's goAML profile (its schema version and required fields)"
            }
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl Serialize for Rule {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id())
    }
}

/// One broken rule at one place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// The rule broken.
    pub rule: Rule,
    /// Where: an XML path with 1-based positions
    /// (`/EFilingBatchXML/Activity[1]/Party[6]/PartyName[1]`), or a path in
    /// the input model (`subjects[0].identifications[1]`) for rules checked
    /// before any XML exists.
    pub path: String,
    /// What is wrong, in words.
    pub message: String,
}

impl Violation {
    /// A violation.
    pub fn new(rule: Rule, path: impl Into<String>, message: impl Into<String>) -> Violation {
        Violation { rule, path: path.into(), message: message.into() }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} [{}]", self.path, self.message, self.rule)
    }
}
