//! Writes a goAML report with quick-xml, in the schema subset's order.

use crate::date::DateTime;
use crate::error::Result;
use crate::goaml::{
    Counterpart, GoamlAccount, GoamlProfile, GoamlReport, GoamlTransaction, Side, SubmissionCode,
};
use crate::party::{Address, Gender, IdKind, Identification, Name, Party, PhoneKind};
use crate::violation::Violation;
use crate::xml::writer::XmlOut;

/// The report and the character problems met while writing it.
pub(crate) fn render(
    report: &GoamlReport,
    profile: &GoamlProfile,
) -> Result<(String, Vec<Violation>)> {
    let mut out = XmlOut::new("", false)?;
    let mut attributes = Vec::new();
    if let Some(location) = &profile.schema_location {
        attributes.push(("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"));
        attributes.push(("xsi:noNamespaceSchemaLocation", location.as_str()));
    }
    out.root("report", &attributes)?;
    out.leaf("rentity_id", &report.rentity_id)?;
    out.leaf_opt("rentity_branch", report.rentity_branch.as_deref())?;
    let submission = match report.submission_code {
        SubmissionCode::Electronic => "E",
        SubmissionCode::Manual => "M",
    };
    out.leaf("submission_code", submission)?;
    out.leaf("report_code", &report.report_code)?;
    out.leaf_opt("entity_reference", report.entity_reference.as_deref())?;
    out.leaf_opt("fiu_ref_number", report.fiu_ref_number.as_deref())?;
    out.leaf("submission_date", &report.submission_date.to_string())?;
    out.leaf("currency_code_local", &report.currency_code_local.trim().to_ascii_uppercase())?;
    if let Some(person) = &report.reporting_person {
        self::person(&mut out, "reporting_person", person, profile)?;
    }
    if let Some(location) = &report.location {
        address(&mut out, "location", location, &profile.codes.contact_business)?;
    }
    out.leaf("reason", &report.reason)?;
    out.leaf_opt("action", report.action.as_deref())?;
    for transaction in &report.transactions {
        self::transaction(&mut out, transaction, profile)?;
    }
    out.open("report_indicators")?;
    for indicator in &report.indicators {
        out.leaf("indicator", indicator)?;
    }
    out.close()?;
    out.finish()
}

fn transaction(out: &mut XmlOut, t: &GoamlTransaction, profile: &GoamlProfile) -> Result<()> {
    let channel = t.channel.map(|c| c.as_str());
    out.open("transaction")?;
    out.leaf("transactionnumber", &t.number)?;
    out.leaf_opt("internal_ref_number", t.internal_ref.as_deref())?;
    out.leaf_opt("transaction_location", t.location.as_deref())?;
    out.leaf_opt("transaction_description", t.description.as_deref())?;
    out.leaf("date_transaction", &t.date.to_string())?;
    out.leaf_opt("value_date", t.value_date.map(|d| d.to_string()).as_deref())?;
    let transmode = t.transmode_code.as_deref().or_else(|| {
        channel.and_then(|c| profile.codes.transmode_by_channel.get(c)).map(String::as_str)
    });
    out.leaf_opt("transmode_code", transmode)?;
    out.leaf_opt("transmode_comment", t.transmode_comment.as_deref())?;
    out.leaf("amount_local", &t.amount_local.decimal())?;
    side(out, &t.from, true, channel, profile)?;
    side(out, &t.to, false, channel, profile)?;
    out.leaf_opt("comments", t.comments.as_deref())?;
    out.close()
}

fn side(
    out: &mut XmlOut,
    side: &Side,
    from: bool,
    channel: Option<&str>,
    profile: &GoamlProfile,
) -> Result<()> {
    let (element, prefix) = match (from, side.my_client) {
        (true, true) => ("t_from_my_client", "from"),
        (true, false) => ("t_from", "from"),
        (false, true) => ("t_to_my_client", "to"),
        (false, false) => ("t_to", "to"),
    };
    let name = |suffix: &str| -> &'static str {
        match (prefix, suffix) {
            ("from", "funds_code") => "from_funds_code",
            ("from", "funds_comment") => "from_funds_comment",
            ("from", "foreign_currency") => "from_foreign_currency",
            ("from", "account") => "from_account",
            ("from", "person") => "from_person",
            ("from", "entity") => "from_entity",
            ("from", _) => "from_country",
            (_, "funds_code") => "to_funds_code",
            (_, "funds_comment") => "to_funds_comment",
            (_, "foreign_currency") => "to_foreign_currency",
            (_, "account") => "to_account",
            (_, "person") => "to_person",
            (_, "entity") => "to_entity",
            _ => "to_country",
        }
    };
    out.open(element)?;
    let funds = side.funds_code.as_deref().or_else(|| {
        channel.and_then(|c| profile.codes.funds_by_channel.get(c)).map(String::as_str)
    });
    out.leaf_opt(name("funds_code"), funds)?;
    out.leaf_opt(name("funds_comment"), side.funds_comment.as_deref())?;
    if let Some(foreign) = &side.foreign {
        out.open(name("foreign_currency"))?;
        out.leaf("foreign_currency_code", &foreign.currency.trim().to_ascii_uppercase())?;
        out.leaf("foreign_amount", &foreign.amount.decimal())?;
        out.leaf("foreign_exchange_rate", &foreign.exchange_rate)?;
        out.close()?;
    }
    // The schema has a conductor only on the client's sending side; the
    // validator reports one written anywhere else.
    if let Some(conductor) = &side.conductor {
        person(out, "t_conductor", conductor, profile)?;
    }
    match &side.counterpart {
        Counterpart::Account(account) => self::account(out, name("account"), account, profile)?,
        Counterpart::Party(party) if party.name.is_entity() => {
            entity(out, name("entity"), party, profile)?;
        }
        Counterpart::Party(party) => person(out, name("person"), party, profile)?,
    }
    out.leaf(name("country"), &side.country.trim().to_ascii_uppercase())?;
    out.close()
}

fn account(
    out: &mut XmlOut,
    element: &'static str,
    a: &GoamlAccount,
    profile: &GoamlProfile,
) -> Result<()> {
    out.open(element)?;
    out.leaf("institution_name", &a.institution_name)?;
    match (&a.institution_code, &a.swift) {
        (Some(code), _) => out.leaf("institution_code", code)?,
        (None, Some(swift)) => out.leaf("swift", swift)?,
        (None, None) => {}
    }
    if a.non_bank_institution {
        out.leaf("non_bank_institution", "true")?;
    }
    out.leaf_opt("branch", a.branch.as_deref())?;
    out.leaf("account", &a.number)?;
    let currency = a.currency.as_deref().map(|c| c.trim().to_ascii_uppercase());
    out.leaf_opt("currency_code", currency.as_deref())?;
    out.leaf_opt("account_name", a.name.as_deref())?;
    out.leaf_opt("iban", a.iban.as_deref())?;
    out.leaf_opt("client_number", a.client_number.as_deref())?;
    out.leaf_opt("personal_account_type", a.account_type.as_deref())?;
    let holder = a.holder.as_ref();
    if let Some(entity_holder) = holder.filter(|h| h.name.is_entity()) {
        entity(out, "t_entity", entity_holder, profile)?;
    }
    let primary = holder.filter(|h| !h.name.is_entity()).map(|p| (p, true));
    for (signatory, is_primary) in
        primary.into_iter().chain(a.signatories.iter().map(|p| (p, false)))
    {
        out.open("signatory")?;
        out.leaf("is_primary", if is_primary { "true" } else { "false" })?;
        person(out, "t_person", signatory, profile)?;
        out.close()?;
    }
    out.leaf_opt("opened", a.opened.map(|d| d.to_string()).as_deref())?;
    out.leaf_opt("closed", a.closed.map(|d| d.to_string()).as_deref())?;
    out.leaf_opt("balance", a.balance.map(|b| b.decimal()).as_deref())?;
    out.leaf_opt("status_code", a.status_code.as_deref())?;
    out.leaf_opt("comments", a.comments.as_deref())?;
    out.close()
}

fn first<'a>(party: &'a Party, kinds: &[IdKind]) -> Option<&'a Identification> {
    party.identifications.iter().find(|id| kinds.contains(&id.kind))
}

fn upper(code: Option<&String>) -> Option<String> {
    code.map(|c| c.trim().to_ascii_uppercase())
}

/// A `t_person` under the given element name. Documents without a field of
/// their own and without a profile code, and a date of birth not known to
/// the day, go into `comments` so nothing the case knows is lost.
fn person(
    out: &mut XmlOut,
    element: &'static str,
    p: &Party,
    profile: &GoamlProfile,
) -> Result<()> {
    let (first_name, middle, last, suffix) = match &p.name {
        Name::Person { first, middle, last, suffix } => {
            (first.as_deref(), middle.as_deref(), last.as_deref(), suffix.as_deref())
        }
        Name::Entity { name } => (None, None, name.as_deref(), None),
    };
    let mut notes: Vec<String> = Vec::new();
    out.open(element)?;
    let gender = match p.gender {
        Some(Gender::Male) => Some(profile.codes.male.as_str()),
        Some(Gender::Female) => Some(profile.codes.female.as_str()),
        None => None,
    };
    out.leaf_opt("gender", gender)?;
    out.leaf_opt("first_name", first_name)?;
    out.leaf_opt("middle_name", middle)?;
    out.leaf_opt("last_name", last)?;
    if let Some(suffix) = suffix {
        notes.push(format!("Name suffix: {suffix}"));
    }
    if let Some(birth) = p.birth_date {
        match birth.full() {
            Some(date) => out.leaf("birthdate", &DateTime::start_of(date).to_string())?,
            None => notes.push(format!("Date of birth known to {birth}")),
        }
    }
    out.leaf_opt("alias", p.aliases.first().map(String::as_str))?;
    if p.aliases.len() > 1 {
        notes.push(format!("Also known as: {}", p.aliases[1..].join("; ")));
    }
    out.leaf_opt("ssn", first(p, &[IdKind::Ssn]).map(|id| id.number.as_str()))?;
    let passport = first(p, &[IdKind::Passport]);
    out.leaf_opt("passport_number", passport.map(|id| id.number.as_str()))?;
    out.leaf_opt(
        "passport_country",
        upper(passport.and_then(|id| id.country.as_ref())).as_deref(),
    )?;
    out.leaf_opt("id_number", first(p, &[IdKind::NationalId]).map(|id| id.number.as_str()))?;
    out.leaf_opt("nationality1", upper(p.nationality.as_ref()).as_deref())?;
    let residence = p.addresses.first().and_then(|a| a.country.as_ref());
    out.leaf_opt("residence", upper(residence).as_deref())?;
    phones(out, p, &profile.codes.contact_private, profile)?;
    addresses(out, p, &profile.codes.contact_private)?;
    out.leaf_opt("email", p.emails.first().map(String::as_str))?;
    out.leaf_opt("occupation", p.occupation.as_deref())?;
    // Documents already written to a field of their own are not repeated.
    let fielded =
        [IdKind::Ssn, IdKind::Passport, IdKind::NationalId, IdKind::Ein, IdKind::ForeignTin];
    let mut seen_fielded: Vec<IdKind> = Vec::new();
    for id in &p.identifications {
        if fielded.contains(&id.kind) && !seen_fielded.contains(&id.kind) {
            seen_fielded.push(id.kind);
            continue;
        }
        match (profile.codes.identifier_types.get(&id.kind), id.country.as_ref()) {
            (Some(code), Some(country)) => {
                out.open("identification")?;
                out.leaf("type", code)?;
                out.leaf("number", &id.number)?;
                out.leaf("issue_country", &country.trim().to_ascii_uppercase())?;
                out.leaf_opt("comments", id.description.as_deref())?;
                out.close()?;
            }
            _ => notes.push(document_note(id)),
        }
    }
    out.leaf_opt(
        "tax_number",
        first(p, &[IdKind::ForeignTin, IdKind::Ein]).map(|id| id.number.as_str()),
    )?;
    out.leaf_opt("comments", (!notes.is_empty()).then(|| notes.join(". ")).as_deref())?;
    out.close()
}

fn document_note(id: &Identification) -> String {
    let kind = match id.kind {
        IdKind::Ssn => "SSN/ITIN",
        IdKind::Ein => "EIN",
        IdKind::ForeignTin => "Tax number",
        IdKind::DriversLicence => "Driver's licence",
        IdKind::Passport => "Passport",
        IdKind::AlienRegistration => "Alien registration",
        IdKind::NationalId => "National identity document",
        IdKind::Registration => "Registration number",
        IdKind::Other => "Identification",
    };
    let mut note = format!("{kind} {}", id.number.trim());
    let issuer: Vec<&str> =
        [id.state.as_deref(), id.country.as_deref()].into_iter().flatten().collect();
    if !issuer.is_empty() {
        note.push_str(&format!(" ({})", issuer.join(", ")));
    }
    if let Some(description) = &id.description {
        note.push_str(&format!(": {description}"));
    }
    note
}

fn entity(
    out: &mut XmlOut,
    element: &'static str,
    p: &Party,
    profile: &GoamlProfile,
) -> Result<()> {
    let mut notes: Vec<String> = Vec::new();
    out.open(element)?;
    out.leaf("name", &p.name.full())?;
    out.leaf_opt("commercial_name", p.dba.as_deref())?;
    out.leaf_opt(
        "incorporation_number",
        first(p, &[IdKind::Registration]).map(|id| id.number.as_str()),
    )?;
    out.leaf_opt("business", p.occupation.as_deref())?;
    phones(out, p, &profile.codes.contact_business, profile)?;
    addresses(out, p, &profile.codes.contact_business)?;
    out.leaf_opt("email", p.emails.first().map(String::as_str))?;
    out.leaf_opt("url", p.websites.first().map(String::as_str))?;
    out.leaf_opt("incorporation_country_code", upper(p.incorporation_country.as_ref()).as_deref())?;
    out.leaf_opt(
        "tax_number",
        first(p, &[IdKind::ForeignTin, IdKind::Ein]).map(|id| id.number.as_str()),
    )?;
    if !p.aliases.is_empty() {
        notes.push(format!("Also known as: {}", p.aliases.join("; ")));
    }
    let fielded = [IdKind::Registration, IdKind::ForeignTin, IdKind::Ein];
    let mut seen: Vec<IdKind> = Vec::new();
    for id in &p.identifications {
        if fielded.contains(&id.kind) && !seen.contains(&id.kind) {
            seen.push(id.kind);
            continue;
        }
        notes.push(document_note(id));
    }
    out.leaf_opt("comments", (!notes.is_empty()).then(|| notes.join(". ")).as_deref())?;
    out.close()
}

fn phones(out: &mut XmlOut, p: &Party, contact: &str, profile: &GoamlProfile) -> Result<()> {
    if p.phones.is_empty() {
        return Ok(());
    }
    out.open("phones")?;
    for phone in &p.phones {
        out.open("phone")?;
        // A work line is a business contact whoever holds it.
        let contact = match phone.kind {
            Some(PhoneKind::Work) => profile.codes.contact_business.as_str(),
            Some(PhoneKind::Home | PhoneKind::Mobile) => profile.codes.contact_private.as_str(),
            _ => contact,
        };
        out.leaf("tph_contact_type", contact)?;
        out.leaf("tph_communication_type", profile.communication(phone.kind))?;
        out.leaf_opt("tph_country_prefix", phone.country_prefix.as_deref())?;
        out.leaf("tph_number", phone.number.trim())?;
        out.leaf_opt("tph_extension", phone.extension.as_deref())?;
        out.close()?;
    }
    out.close()
}

/// A party's addresses. goAML requires street, city and country in every
/// address; a partial one (a transaction names a street and a state but no
/// city) is left out rather than written invalid; the FinCEN forms, which
/// can mark a part unknown, keep it (ADR 0117).
fn addresses(out: &mut XmlOut, p: &Party, contact: &str) -> Result<()> {
    let complete: Vec<&Address> = p.addresses.iter().filter(|a| is_complete(a)).collect();
    if complete.is_empty() {
        return Ok(());
    }
    out.open("addresses")?;
    for a in complete {
        address(out, "address", a, contact)?;
    }
    out.close()
}

/// Whether an address has what goAML requires of every address.
fn is_complete(a: &Address) -> bool {
    let has = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.trim().is_empty());
    has(&a.street) && has(&a.city) && has(&a.country)
}

fn address(out: &mut XmlOut, element: &'static str, a: &Address, contact: &str) -> Result<()> {
    out.open(element)?;
    out.leaf("address_type", contact)?;
    out.leaf_opt("address", a.street.as_deref())?;
    out.leaf_opt("city", a.city.as_deref())?;
    out.leaf_opt("zip", a.zip.as_deref())?;
    out.leaf_opt("country_code", upper(a.country.as_ref()).as_deref())?;
    out.leaf_opt("state", a.state.as_deref())?;
    out.close()
}
