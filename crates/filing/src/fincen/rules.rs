//! The BSA E-Filing rules beyond the schema subset: sequence numbers, batch
//! totals, filing-type combinations, party roles and their content,
//! identification and address rules, date order, amounts,
//! classifications, narrative and key terms, CTR cash totals.
//!
//! Each rule is a [`Rule`] with its source; `docs/guide/filings.md` lists
//! them with the form items they enforce.

use std::collections::HashMap;

use crate::date::{BirthDate, Date};
use crate::fincen::classification::{OTHER_SUBTYPE, box_for_ids};
use crate::fincen::codes::{self, NAMESPACE, party_type};
use crate::fincen::schema;
use crate::violation::{Rule, Violation};
use crate::xml::schema::{NoLookups, check_root};
use crate::xml::tree::{self, Node};

/// Which batch is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    /// SARX.
    Sar,
    /// CTRX.
    Ctr,
}

/// Parses and checks a batch; every violation found.
pub(crate) fn validate(xml: &str, form: Form) -> Vec<Violation> {
    let root = match tree::parse(xml) {
        Ok(root) => root,
        Err(violation) => return vec![violation],
    };
    let mut out = Vec::new();
    tree::check_characters(&root, &mut out);
    let decl = match form {
        Form::Sar => &schema::SAR_ROOT,
        Form::Ctr => &schema::CTR_ROOT,
    };
    if !check_root(&root, decl, Some(NAMESPACE), &NoLookups, &mut out) {
        return out;
    }
    seq_nums(&root, &mut out);
    batch_counts(&root, form, &mut out);
    for activity in root.all("Activity") {
        let mut check = Check { out: &mut out };
        match form {
            Form::Sar => check.sar(activity),
            Form::Ctr => check.ctr(activity),
        }
    }
    out
}

/// Every container below the root carries a positive, unique `SeqNum`.
fn seq_nums(root: &Node, out: &mut Vec<Violation>) {
    let mut seen: HashMap<u64, String> = HashMap::new();
    for child in &root.children {
        child.walk(&mut |node| {
            if node.children.is_empty() {
                return;
            }
            let Some(value) = node.attr("SeqNum") else {
                out.push(Violation::new(Rule::SeqNum, &node.path, "no SeqNum attribute"));
                return;
            };
            match value.trim().parse::<u64>() {
                Ok(n) if n > 0 => {
                    if let Some(first) = seen.get(&n) {
                        out.push(Violation::new(
                            Rule::SeqNumUnique,
                            &node.path,
                            format!("SeqNum {n} is already used by {first}"),
                        ));
                    } else {
                        seen.insert(n, node.path.clone());
                    }
                }
                _ => out.push(Violation::new(
                    Rule::SeqNum,
                    &node.path,
                    format!("SeqNum {value:?} is not a positive integer"),
                )),
            }
        });
    }
}

fn dollars(node: &Node, name: &str) -> u128 {
    node.value(name).and_then(|v| v.parse::<u128>().ok()).unwrap_or(0)
}

fn party_code(party: &Node) -> &str {
    party.value("ActivityPartyTypeCode").unwrap_or("")
}

/// The root's `ActivityCount`, `TotalAmount`, `PartyCount` (and for SARs
/// the attachment counts, always 0 here) equal what the batch holds.
fn batch_counts(root: &Node, form: Form, out: &mut Vec<Violation>) {
    let activities: Vec<&Node> = root.all("Activity").collect();
    let mut total: u128 = 0;
    let mut parties: u128 = 0;
    for activity in &activities {
        for party in activity.all("Party") {
            let counted = match form {
                Form::Sar => party_code(party) == party_type::SUBJECT,
                Form::Ctr => party_type::CTR_PERSONS.contains(&party_code(party)),
            };
            parties += u128::from(counted);
        }
        total += match form {
            Form::Sar => activity
                .child("SuspiciousActivity")
                .map_or(0, |s| dollars(s, "TotalSuspiciousAmountText")),
            Form::Ctr => activity.child("CurrencyTransactionActivity").map_or(0, |c| {
                dollars(c, "TotalCashInReceiveAmountText") + dollars(c, "TotalCashOutAmountText")
            }),
        };
    }
    let mut expected = vec![
        ("ActivityCount", activities.len() as u128),
        ("TotalAmount", total),
        ("PartyCount", parties),
    ];
    if form == Form::Sar {
        expected.push(("ActivityAttachmentCount", 0));
        expected.push(("AttachmentCount", 0));
    }
    for (attribute, want) in expected {
        match root.attr(attribute).map(|v| v.trim().parse::<u128>()) {
            Some(Ok(got)) if got == want => {}
            Some(Ok(got)) => out.push(Violation::new(
                Rule::BatchCounts,
                format!("{}/@{attribute}", root.path),
                format!("{attribute} is {got}, the batch holds {want}"),
            )),
            Some(Err(_)) => out.push(Violation::new(
                Rule::BatchCounts,
                format!("{}/@{attribute}", root.path),
                format!("{attribute} is not a whole number"),
            )),
            None => out.push(Violation::new(
                Rule::BatchCounts,
                format!("{}/@{attribute}", root.path),
                format!("{attribute} is missing (the batch holds {want})"),
            )),
        }
    }
}

/// The per-activity checks, collecting violations.
struct Check<'a> {
    out: &'a mut Vec<Violation>,
}

impl Check<'_> {
    fn push(&mut self, rule: Rule, path: &str, message: impl Into<String>) {
        self.out.push(Violation::new(rule, path, message));
    }

    fn sar(&mut self, activity: &Node) {
        let filed = activity.value("FilingDateText").and_then(Date::parse_fincen);
        let association = activity.child("ActivityAssociation");
        let flag = |name| association.is_some_and(|a| a.flag(name));
        let (initial, corrects, continuing, _joint) = (
            flag("InitialReportIndicator"),
            flag("CorrectsAmendsPriorReportIndicator"),
            flag("ContinuingActivityReportIndicator"),
            flag("JointReportIndicator"),
        );
        if let Some(association) = association
            && initial == (corrects || continuing)
        {
            self.push(
                Rule::FilingType,
                &association.path,
                "tick either the initial report or correction/continuing activity, not both or neither",
            );
        }
        self.prior_report(activity, corrects || continuing);
        self.parties(activity, Form::Sar, filed);

        if let Some(sa) = activity.child("SuspiciousActivity") {
            self.sar_activity(sa, filed, continuing);
        }
        for ip in activity.all("ActivityIPAddress") {
            self.not_after(ip, "ActivityIPAddressDateText", filed, "the IP address date");
        }
        self.narrative(activity);
    }

    fn prior_report(&mut self, activity: &Node, required: bool) {
        let prior = activity.child("EFilingPriorDocumentNumber");
        match (required, prior) {
            (true, None) => self.push(
                Rule::PriorReport,
                &format!("{}/EFilingPriorDocumentNumber", activity.path),
                "a correction or continuing report names the prior report's BSA ID (14 zeros if unknown)",
            ),
            (false, Some(prior)) => self.push(
                Rule::PriorReport,
                &prior.path,
                "an initial report has no prior report number",
            ),
            _ => {}
        }
    }

    /// Party roles and their content.
    fn parties(&mut self, activity: &Node, form: Form, filed: Option<Date>) {
        let parties: Vec<&Node> = activity.all("Party").collect();
        let count = |code: &str| parties.iter().filter(|p| party_code(p) == code).count();
        let mut roles = vec![
            (party_type::TRANSMITTER, 1, 1, "transmitter"),
            (party_type::TRANSMITTER_CONTACT, 1, 1, "transmitter contact"),
            (party_type::FILER, 1, 1, "filing institution"),
            (party_type::CONTACT_OFFICE, 1, 1, "contact office"),
            (party_type::LOCATION, 1, 99, "institution where the activity occurred"),
        ];
        if form == Form::Sar {
            roles.push((party_type::SUBJECT, 1, 999, "subject"));
        }
        for (code, min, max, what) in roles {
            let n = count(code);
            if n < min || n > max {
                let allowed = if min == max { format!("{min}") } else { format!("{min} to {max}") };
                self.push(
                    Rule::PartyRoles,
                    &activity.path,
                    format!("{n} {what} parties (type {code}); the form needs {allowed}"),
                );
            }
        }
        if form == Form::Ctr {
            let persons = party_type::CTR_PERSONS.iter().map(|c| count(c)).sum::<usize>();
            if persons == 0 {
                self.push(
                    Rule::PartyRoles,
                    &activity.path,
                    "a CTR names at least one person involved (type 50, 17, 23 or 58)",
                );
            }
        }
        for party in parties {
            self.party(party, form, filed);
        }
    }

    fn party(&mut self, party: &Node, form: Form, filed: Option<Date>) {
        let code = party_code(party);
        let legal = party.all("PartyName").find(|n| n.value("PartyNameTypeCode") == Some("L"));
        let full_name = legal.and_then(|n| n.value("RawPartyFullName")).is_some();
        let need = |check: &mut Check<'_>, ok: bool, what: &str| {
            if !ok {
                check.push(
                    Rule::PartyContent,
                    &party.path,
                    format!("party type {code} needs {what}"),
                );
            }
        };
        let ids: Vec<&Node> = party.all("PartyIdentification").collect();
        let has_id = |types: &[&str]| {
            ids.iter().any(|id| {
                id.value("PartyIdentificationTypeCode").is_some_and(|t| types.contains(&t))
                    && id.value("PartyIdentificationNumberText").is_some()
            })
        };
        let full_address = party.all("Address").any(|a| {
            a.value("RawStreetAddress1Text").is_some()
                && a.value("RawCityText").is_some()
                && a.value("RawCountryCodeText").is_some()
        });
        match code {
            party_type::TRANSMITTER => {
                need(self, full_name, "a legal name");
                need(self, full_address, "a street, city and country");
                need(self, party.child("PhoneNumber").is_some(), "a phone number");
                need(self, has_id(&[codes::id_type::TRANSMITTER_TIN]), "a TIN (type 4)");
                need(self, has_id(&[codes::id_type::TCC]), "a transmitter control code (type 28)");
            }
            party_type::TRANSMITTER_CONTACT => need(self, full_name, "a legal name"),
            party_type::FILER | party_type::LOCATION => {
                need(self, full_name, "a legal name");
                need(self, full_address, "a street, city and country");
                need(self, has_id(codes::TIN_TYPES), "a TIN");
                need(
                    self,
                    party.child("OrganizationClassificationTypeSubtype").is_some(),
                    "the type of institution",
                );
                need(
                    self,
                    party.value("PrimaryRegulatorTypeCode").is_some(),
                    "a primary regulator",
                );
            }
            party_type::CONTACT_OFFICE => {
                need(self, full_name, "a legal name");
                need(self, party.child("PhoneNumber").is_some(), "a phone number");
            }
            party_type::SUBJECT => self.person(party, legal, form, filed),
            c if party_type::CTR_PERSONS.contains(&c) => self.person(party, legal, form, filed),
            _ => {}
        }
        for organization in party.all("OrganizationClassificationTypeSubtype") {
            let other = organization.value("OtherOrganizationTypeText").is_some();
            if (organization.value("OrganizationTypeID") == Some("999")) != other {
                self.push(
                    Rule::PartyContent,
                    &organization.path,
                    "an institution of type 999 (other) is described, and only then",
                );
            }
        }
        for id in ids {
            self.identification(id);
        }
        for address in party.all("Address") {
            self.address(address);
        }
        // Parties nested in associations (branches, account holders).
        for association in party.all("PartyAssociation").chain(party.all("PartyAccountAssociation"))
        {
            for inner in association.all("Party") {
                for id in inner.all("PartyIdentification") {
                    self.identification(id);
                }
                for address in inner.all("Address") {
                    self.address(address);
                }
            }
        }
    }

    /// A subject (SAR) or a person involved (CTR): name or its unknown
    /// boxes, date of birth or its box, TIN or its box; a CTR conductor
    /// shows how they were identified.
    fn person(&mut self, party: &Node, legal: Option<&Node>, form: Form, filed: Option<Date>) {
        let path = party.path.as_str();
        if party.flag("AllCriticalSubjectInformationUnavailableIndicator") {
            return;
        }
        let entity = party.flag("PartyAsEntityOrganizationIndicator");
        match legal {
            None => self.push(
                Rule::PartyContent,
                path,
                "a legal name (PartyNameTypeCode L) or its unknown box",
            ),
            Some(name) => {
                let pairs: &[(&str, &str, &str)] = if entity {
                    &[("RawEntityIndividualLastName", "EntityLastNameUnknownIndicator", "the name")]
                } else {
                    &[
                        (
                            "RawEntityIndividualLastName",
                            "EntityLastNameUnknownIndicator",
                            "the last name",
                        ),
                        ("RawIndividualFirstName", "FirstNameUnknownIndicator", "the first name"),
                    ]
                };
                for (value, unknown, what) in pairs {
                    if name.value(value).is_some() == name.flag(unknown) {
                        self.push(
                            Rule::PartyContent,
                            &name.path,
                            format!("{what}: give it or tick its unknown box, not both"),
                        );
                    }
                }
            }
        }
        if party.child("Address").is_none() {
            self.push(Rule::PartyContent, path, "an address, or its unknown boxes");
        }
        let tin = party.all("PartyIdentification").any(|id| {
            id.flag("TINUnknownIndicator")
                || id
                    .value("PartyIdentificationTypeCode")
                    .is_some_and(|t| codes::TIN_TYPES.contains(&t))
        });
        if !tin {
            self.push(Rule::PartyContent, path, "a TIN, or the TIN unknown box");
        }
        let birth = party.value("IndividualBirthDateText");
        if entity {
            if birth.is_some() || party.flag("BirthDateUnknownIndicator") {
                self.push(Rule::PartyContent, path, "an organisation has no date of birth");
            }
        } else if birth.is_some() == party.flag("BirthDateUnknownIndicator") {
            self.push(Rule::PartyContent, path, "a date of birth or the unknown box, not both");
        }
        if let (Some(birth), Some(filed)) = (birth.and_then(BirthDate::parse_fincen), filed)
            && birth.earliest().is_some_and(|d| d > filed)
        {
            self.push(Rule::DateOrder, path, "the date of birth is after the filing date");
        }
        let conductor =
            matches!(party_code(party), party_type::OWN_BEHALF | party_type::FOR_ANOTHER);
        if form == Form::Ctr && conductor && !entity {
            let document = party.all("PartyIdentification").any(|id| {
                id.value("PartyIdentificationTypeCode")
                    .is_some_and(|t| matches!(t, "5" | "6" | "7" | "999"))
            });
            if !document {
                self.push(
                    Rule::PartyContent,
                    path,
                    "the person conducting the transaction: the identification examined (type 5, 6, 7 or 999)",
                );
            }
        }
    }

    fn identification(&mut self, id: &Node) {
        let path = id.path.as_str();
        let number = id.value("PartyIdentificationNumberText");
        let unknown = id.flag("TINUnknownIndicator");
        let kind = id.value("PartyIdentificationTypeCode");
        if number.is_some() == unknown {
            self.push(Rule::Identification, path, "a number or the TIN unknown box, not both");
        }
        if number.is_some() && kind.is_none() {
            self.push(Rule::Identification, path, "a number needs its type code");
        }
        if (kind == Some(codes::id_type::OTHER))
            != id.value("OtherPartyIdentificationTypeText").is_some()
        {
            self.push(Rule::Identification, path, "type 999 (other) is described, and only then");
        }
        if let (Some(kind), Some(number)) = (kind, number) {
            let digits = number.bytes().all(|b| b.is_ascii_digit());
            match kind {
                codes::id_type::SSN_ITIN
                | codes::id_type::EIN
                | codes::id_type::TRANSMITTER_TIN
                    if !(digits && number.len() == 9) =>
                {
                    self.push(
                        Rule::Identification,
                        path,
                        format!("{number:?}: a US TIN is 9 digits"),
                    );
                }
                codes::id_type::TCC
                    if !(number.len() == 8
                        && number.bytes().all(|b| b.is_ascii_alphanumeric())) =>
                {
                    self.push(
                        Rule::Identification,
                        path,
                        format!("{number:?}: a transmitter control code is 8 letters or digits"),
                    );
                }
                _ => {}
            }
        }
    }

    fn address(&mut self, address: &Node) {
        let path = address.path.as_str();
        for (value, unknown) in [
            ("RawCityText", "CityUnknownIndicator"),
            ("RawCountryCodeText", "CountryCodeUnknownIndicator"),
            ("RawStateCodeText", "StateCodeUnknownIndicator"),
            ("RawStreetAddress1Text", "StreetAddressUnknownIndicator"),
            ("RawZIPCode", "ZIPCodeUnknownIndicator"),
        ] {
            if address.value(value).is_some() && address.flag(unknown) {
                self.push(Rule::Address, path, format!("{value} is given and ticked unknown"));
            }
        }
        if address.value("RawCountryCodeText") != Some("US") {
            return;
        }
        match address.value("RawStateCodeText") {
            Some(state) if !codes::US_STATES.contains(&state) => {
                self.push(Rule::Address, path, format!("{state:?} is not a US state code"));
            }
            None if !address.flag("StateCodeUnknownIndicator") => {
                self.push(Rule::Address, path, "a US address has a state (or its unknown box)");
            }
            _ => {}
        }
        match address.value("RawZIPCode") {
            Some(zip)
                if !(zip.bytes().all(|b| b.is_ascii_digit()) && matches!(zip.len(), 5 | 9)) =>
            {
                self.push(Rule::Address, path, format!("{zip:?}: a US ZIP code is 5 or 9 digits"));
            }
            None if !address.flag("ZIPCodeUnknownIndicator") => {
                self.push(Rule::Address, path, "a US address has a ZIP code (or its unknown box)");
            }
            _ => {}
        }
    }

    fn not_after(&mut self, node: &Node, name: &str, filed: Option<Date>, what: &str) {
        let date = node.value(name).and_then(Date::parse_fincen);
        if let (Some(date), Some(filed)) = (date, filed)
            && date > filed
        {
            self.push(
                Rule::DateOrder,
                &format!("{}/{name}", node.path),
                format!("{what} is after the filing date"),
            );
        }
    }

    fn sar_activity(&mut self, sa: &Node, filed: Option<Date>, continuing: bool) {
        let path = sa.path.as_str();
        let amount = sa.value("TotalSuspiciousAmountText").is_some();
        let boxes = usize::from(amount)
            + usize::from(sa.flag("AmountUnknownIndicator"))
            + usize::from(sa.flag("NoAmountInvolvedIndicator"));
        if boxes != 1 {
            self.push(
                Rule::Amount,
                path,
                "exactly one of: the total amount, amount unknown, no amount involved",
            );
        }
        if sa.value("CumulativeTotalViolationAmountText").is_some() && !continuing {
            self.push(
                Rule::Amount,
                path,
                "a cumulative amount belongs to a continuing report only",
            );
        }
        let from = sa.value("SuspiciousActivityFromDateText").and_then(Date::parse_fincen);
        let to = sa.value("SuspiciousActivityToDateText").and_then(Date::parse_fincen);
        if let (Some(from), Some(to)) = (from, to)
            && from > to
        {
            self.push(Rule::DateOrder, path, "the activity ends before it starts");
        }
        self.not_after(sa, "SuspiciousActivityFromDateText", filed, "the activity start");
        self.not_after(sa, "SuspiciousActivityToDateText", filed, "the activity end");

        let mut seen: Vec<(&str, &str)> = Vec::new();
        for c in sa.all("SuspiciousActivityClassification") {
            let (Some(t), Some(s)) =
                (c.value("SuspiciousActivityTypeID"), c.value("SuspiciousActivitySubtypeID"))
            else {
                continue;
            };
            if box_for_ids(t, s).is_none() {
                self.push(
                    Rule::Classification,
                    &c.path,
                    format!("type {t} subtype {s} is not a SAR form box"),
                );
            }
            let other = s == OTHER_SUBTYPE.to_string();
            if other != c.value("OtherSuspiciousActivityTypeText").is_some() {
                self.push(
                    Rule::Classification,
                    &c.path,
                    "an \"other\" box (999) is described, and only then",
                );
            }
            if seen.contains(&(t, s)) {
                self.push(Rule::Classification, &c.path, "the same box is ticked twice");
            }
            seen.push((t, s));
        }
    }

    fn narrative(&mut self, activity: &Node) {
        let blocks: Vec<&Node> = activity.all("ActivityNarrativeInformation").collect();
        for (i, block) in blocks.iter().enumerate() {
            let want = (i + 1).to_string();
            if block.value("ActivityNarrativeSequenceNumber") != Some(want.as_str()) {
                self.push(
                    Rule::Narrative,
                    &block.path,
                    format!("narrative blocks are numbered 1, 2, ... in order; this one should be {want}"),
                );
            }
        }
        if let Some(note) = activity.value("FilingInstitutionNotetoFinCEN") {
            let first = blocks
                .iter()
                .find(|b| b.value("ActivityNarrativeSequenceNumber") == Some("1"))
                .and_then(|b| b.child("NarrativeText"))
                .map(|t| t.text.trim_start());
            if !first.is_some_and(|text| text.starts_with(note)) {
                self.push(
                    Rule::KeyTerms,
                    &format!("{}/ActivityNarrativeInformation[1]", activity.path),
                    format!("the narrative begins with the key terms of field 2 ({note:?})"),
                );
            }
        }
    }

    fn ctr(&mut self, activity: &Node) {
        let filed = activity.value("FilingDateText").and_then(Date::parse_fincen);
        if let Some(association) = activity.child("ActivityAssociation") {
            let ticked = [
                "CorrectsAmendsPriorReportIndicator",
                "FinCENDirectBackFileIndicator",
                "InitialReportIndicator",
            ]
            .iter()
            .filter(|name| association.flag(name))
            .count();
            if ticked != 1 {
                self.push(
                    Rule::FilingType,
                    &association.path,
                    "tick exactly one of: initial report, correction, FinCEN-directed backfiling",
                );
            }
        }
        let corrects = activity
            .child("ActivityAssociation")
            .is_some_and(|a| a.flag("CorrectsAmendsPriorReportIndicator"));
        self.prior_report(activity, corrects);
        self.parties(activity, Form::Ctr, filed);
        let Some(cta) = activity.child("CurrencyTransactionActivity") else { return };
        self.not_after(cta, "TransactionDateText", filed, "the transaction date");
        let (mut cash_in, mut cash_out) = (0u128, 0u128);
        for detail in cta.all("CurrencyTransactionActivityDetail") {
            let code = detail.value("CurrencyTransactionActivityDetailTypeCode").unwrap_or("");
            let amount = dollars(detail, "DetailTransactionAmountText");
            if codes::CASH_IN_TYPES.contains(&code) {
                cash_in += amount;
            } else if codes::CASH_OUT_TYPES.contains(&code) {
                cash_out += amount;
            }
            if codes::CASH_OTHER_TYPES.contains(&code)
                != detail.value("OtherTransactionTypeText").is_some()
            {
                self.push(
                    Rule::CashTotals,
                    &detail.path,
                    "an \"other\" cash type (997, 998) is described, and only then",
                );
            }
        }
        let total_in = dollars(cta, "TotalCashInReceiveAmountText");
        let total_out = dollars(cta, "TotalCashOutAmountText");
        for (what, total, sum) in
            [("cash in", total_in, cash_in), ("cash out", total_out, cash_out)]
        {
            if total != sum {
                self.push(
                    Rule::CashTotals,
                    &cta.path,
                    format!("total {what} is ${total}, its detail lines add up to ${sum}"),
                );
            }
        }
        if total_in == 0 && total_out == 0 {
            self.push(Rule::CashTotals, &cta.path, "a CTR reports cash in or cash out");
        }
        for party in activity.all("Party") {
            for (name, total, what) in [
                ("IndividualEntityCashInAmountText", total_in, "cash in"),
                ("IndividualEntityCashOutAmountText", total_out, "cash out"),
            ] {
                let amount = dollars(party, name);
                if amount > total {
                    self.push(
                        Rule::CashTotals,
                        &party.path,
                        format!("the person's {what} (${amount}) exceeds the total (${total})"),
                    );
                }
            }
        }
    }
}
