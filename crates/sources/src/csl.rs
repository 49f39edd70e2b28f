//! US trade.gov Consolidated Screening List CSV.
//!
//! The CSL gathers eleven US export and sanctions lists (OFAC's SDN and
//! non-SDN lists; Commerce's Entity List, Denied Persons, Unverified and
//! Military End User lists; State's ITAR debarments and nonproliferation
//! sanctions) in one CSV, one row per listing with its `source` list.
//!
//! How a row becomes entities (ADR 0034):
//!
//! - the id is `us-csl-<list>-<entity_number>`, `<list>` being the
//!   abbreviation in the source's name (`sdn`, `el`, `dpl`, `meu`...); rows
//!   without an entity number (the Commerce and State lists) get a stable
//!   key of their list and normalised name instead, so ids survive new
//!   versions of the file;
//! - rows with the same id (a party listed at several addresses) are merged
//!   into one party, with an info diagnostic per merged row;
//! - the source list is kept three ways: in the party's `program` (the list's
//!   name, then its programme codes), in its `topics` (`sanction`,
//!   `export.control`, `export.risk` or `debarment`), and on a `Sanction`
//!   entity (authority, programme, dates, Federal Register citation,
//!   licence policy);
//! - the party's schema is the row's `type` (`Individual`, `Entity`,
//!   `Vessel`); rows without one are classified by name
//!   ([`crate::generic::party`]), never as persons on the lists that name
//!   organisations almost only (nonproliferation sanctions, the Unverified
//!   and Military End User lists).

use std::collections::HashMap;
use std::io::BufRead;

use vigia_model::{Diagnostic, Entity, Location, Schema, Severity, prop};

use crate::generic::cell::{self, Notes};
use crate::generic::party::{PartyBook, schema_from_name};
use crate::generic::{csv_error, mapping::normalize_header};
use crate::{Error, Header, Parsed, Result, Sink};

/// Columns a CSL file must have.
const REQUIRED: [&str; 2] = ["source", "name"];

/// Whether the start of a decoded file is a CSL: its header row names the
/// CSL's own columns.
pub(crate) fn sniff(head: &str) -> bool {
    let head = head.strip_prefix('\u{feff}').unwrap_or(head);
    let Some(line) = head.lines().next() else { return false };
    let columns: Vec<String> =
        line.split(',').map(|c| normalize_header(c.trim_matches('"'))).collect();
    let has = |name: &str| columns.iter().any(|c| c == name);
    has("source") && has("entity_number") && has("name") && (has("programs") || has("alt_names"))
}

/// Reads a trade.gov Consolidated Screening List CSV.
///
/// `Parsed::records` counts the distinct parties plus the rows dropped with
/// an error; rows merged into an earlier party are reported with an info
/// diagnostic each.
///
/// # Errors
/// The file has no header row or lacks the `source` or `name` column
/// ([`Error::Malformed`]); reading failed ([`Error::Io`]).
pub fn parse<R: BufRead>(
    input: R,
    file: &str,
    dataset: &str,
    sink: &mut dyn Sink,
) -> Result<Parsed> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(input);
    let mut record = csv::StringRecord::new();
    let columns = loop {
        match reader.read_record(&mut record) {
            Ok(false) => return Err(malformed(file, 1, "no header row: the file is empty".into())),
            Ok(true) if record.iter().all(|c| c.trim().is_empty()) => {}
            Ok(true) => break Columns::new(&record),
            Err(err) => return Err(csv_error(file, err)),
        }
    };
    if let Some(missing) = REQUIRED.iter().find(|name| !columns.index.contains_key(**name)) {
        return Err(malformed(
            file,
            1,
            format!(
                "required column `{missing}` is missing: this is not a Consolidated Screening List header"
            ),
        ));
    }
    let mut book = PartyBook::default();
    let mut dropped = 0;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                if record.iter().all(|c| c.trim().is_empty()) {
                    continue;
                }
                let line = record.position().map(|p| p.line()).unwrap_or_default();
                let mut notes = Notes::new();
                match read_row(&columns, &record, &mut notes) {
                    Some((party, sanction)) => {
                        let id = party.id.clone();
                        if let Some(first) = book.add(party, sanction, line) {
                            notes.push((
                                Severity::Info,
                                format!("same party as line {first} (another listing row): merged"),
                            ));
                        }
                        report(file, line, Some(&id), notes, sink);
                    }
                    None => {
                        dropped += 1;
                        report(file, line, None, notes, sink);
                    }
                }
            }
            Err(err) if err.is_io_error() => return Err(csv_error(file, err)),
            Err(err) => {
                dropped += 1;
                let line = err.position().map(|p| p.line()).unwrap_or_default();
                sink.diagnostic(diagnostic(
                    file,
                    line,
                    Severity::Error,
                    format!("unreadable row: {err}"),
                ));
            }
        }
    }
    let records = book.len() as u64 + dropped;
    if records == 0 {
        sink.diagnostic(Diagnostic {
            file: file.to_owned(),
            location: Location::File,
            severity: Severity::Warning,
            message: "no rows: the file lists nobody".into(),
        });
    }
    book.emit(dataset, sink);
    Ok(Parsed { header: Header::default(), records })
}

/// Column positions by normalised header name.
struct Columns {
    index: HashMap<String, usize>,
}

impl Columns {
    fn new(header: &csv::StringRecord) -> Columns {
        let mut index = HashMap::new();
        for (i, name) in header.iter().enumerate() {
            index.entry(normalize_header(name)).or_insert(i);
        }
        Columns { index }
    }

    /// A cell by column name, trimmed, with C1 controls repaired.
    fn get(&self, record: &csv::StringRecord, name: &str, notes: &mut Notes) -> String {
        let Some(text) = self.index.get(name).and_then(|i| record.get(*i)) else {
            return String::new();
        };
        let text = text.trim();
        match cell::repair_c1(text) {
            Some(repaired) => {
                notes.push((
                    Severity::Info,
                    format!(
                        "{name}: control characters read as windows-1252 punctuation ({repaired:?})"
                    ),
                ));
                repaired
            }
            None => text.to_owned(),
        }
    }
}

/// Reads one row into a party and its sanction; `None` (with an error
/// note) when the row has no name.
fn read_row(
    columns: &Columns,
    record: &csv::StringRecord,
    notes: &mut Notes,
) -> Option<(Entity, Entity)> {
    let mut get = |name: &str| columns.get(record, name, notes);
    let source = get("source");
    let name = get("name");
    let number = get("entity_number");
    let kind = get("type");
    let programs = get("programs");
    let title = get("title");
    let addresses = get("addresses");
    let notice = get("federal_register_notice");
    let start = get("start_date");
    let end = get("end_date");
    let standard_order = get("standard_order");
    let license_requirement = get("license_requirement");
    let license_policy = get("license_policy");
    let call_sign = get("call_sign");
    let vessel_type = get("vessel_type");
    let tonnage = get("gross_tonnage");
    let registered_tonnage = get("gross_registered_tonnage");
    let flag = get("vessel_flag");
    let owner = get("vessel_owner");
    let remarks = get("remarks");
    let list_url = get("source_list_url");
    let alt_names = get("alt_names");
    let citizenships = get("citizenships");
    let births = get("dates_of_birth");
    let nationalities = get("nationalities");
    let birth_places = get("places_of_birth");
    let information_url = get("source_information_url");
    let ids = get("ids");

    let list = SourceList::parse(&source);
    if name.is_empty() {
        notes.push((Severity::Error, format!("row of {} without a name: dropped", list.name)));
        return None;
    }
    let schema = match kind.to_ascii_lowercase().as_str() {
        "individual" => Schema::Person,
        "vessel" => Schema::Vessel,
        "aircraft" => Schema::Airplane,
        "entity" => match schema_from_name(&name) {
            Schema::Company => Schema::Company,
            _ => Schema::Organization,
        },
        "" => list.schema_from_name(&name, true),
        _ => {
            notes.push((
                Severity::Info,
                format!("type {kind:?} is not one Vigia knows: read by name"),
            ));
            // The list said the party is something other than a person.
            list.schema_from_name(&name, false)
        }
    };
    let id = if number.is_empty() {
        format!(
            "us-csl-{}-{}",
            list.abbreviation,
            cell::stable_key(&[&list.abbreviation, &cell::name_key(&name)])
        )
    } else {
        format!("us-csl-{}-{number}", list.abbreviation)
    };

    let mut party = Entity::new(id, schema.clone());
    party.add(prop::NAME, &name);
    for alias in cell::split(&alt_names, ";") {
        party.add(prop::ALIAS, alias);
    }
    let codes: Vec<&str> = cell::split(&programs, ";").collect();
    party.add(prop::PROGRAM, &list.name);
    party.add_all(prop::PROGRAM, &codes);
    party.add(prop::TOPICS, list.topic);
    if schema == Schema::Person {
        party.add(prop::POSITION, &title);
    } else {
        party.add(prop::TITLE, &title);
    }
    for address in cell::split(&addresses, ";") {
        read_address(&mut party, address, notes);
    }
    for date in cell::split(&births, ";") {
        cell::add_date(&mut party, prop::BIRTH_DATE, date, notes);
    }
    for place in cell::split(&birth_places, ";") {
        party.add(prop::BIRTH_PLACE, place);
    }
    for country in cell::split(&citizenships, ";").flat_map(|c| cell::split(c, ",")) {
        cell::add_country(&mut party, prop::CITIZENSHIP, country, notes);
    }
    for country in cell::split(&nationalities, ";").flat_map(|c| cell::split(c, ",")) {
        cell::add_country(&mut party, prop::NATIONALITY, country, notes);
    }
    if !flag.is_empty() {
        cell::add_country(&mut party, prop::FLAG, &flag, notes);
    }
    party.add(prop::CALL_SIGN, &call_sign);
    party.add(prop::TYPE, &vessel_type);
    party.add("tonnage", &tonnage);
    party.add("grossRegisteredTonnage", &registered_tonnage);
    if !owner.is_empty() {
        party.add(prop::NOTES, &format!("Vessel owner: {owner}"));
    }
    party.add(prop::NOTES, &remarks);
    for entry in cell::split(&ids, ";") {
        read_identifier(&mut party, entry);
    }
    party.add(prop::SOURCE_URL, &list_url);

    let mut sanction = Entity::new(String::new(), Schema::Sanction);
    sanction.add(prop::AUTHORITY, &list.authority);
    sanction.add(prop::PROGRAM, &list.name);
    sanction.add_all(prop::PROGRAM, &codes);
    for (property, text) in [(prop::START_DATE, &start), (prop::END_DATE, &end)] {
        cell::add_date(&mut sanction, property, text, notes);
    }
    sanction.add(prop::SUMMARY, &notice);
    match standard_order.to_ascii_uppercase().as_str() {
        "Y" => {
            sanction.add(prop::PROVISIONS, "Standard denial order");
        }
        "N" => {
            sanction.add(prop::PROVISIONS, "Non-standard denial order");
        }
        _ => {}
    }
    if !license_requirement.is_empty() {
        sanction.add(prop::PROVISIONS, &format!("Licence requirement: {license_requirement}"));
    }
    if !license_policy.is_empty() {
        sanction.add(prop::PROVISIONS, &format!("Licence policy: {license_policy}"));
    }
    sanction.add(prop::SOURCE_URL, &information_url);
    Some((party, sanction))
}

/// The list a row comes from, from its `source` text, e.g.
/// `Entity List (EL) - Bureau of Industry and Security`.
struct SourceList {
    /// `Entity List (EL)`.
    name: String,
    /// `el`: the id component.
    abbreviation: String,
    /// `Bureau of Industry and Security`.
    authority: String,
    /// The FollowTheMoney topic of a listing on it.
    topic: &'static str,
    /// Whether the list names organisations almost only (nonproliferation
    /// sanctions, the Unverified and Military End User lists): a name that
    /// merely looks like a person's is not taken for one.
    organisations: bool,
}

impl SourceList {
    /// The schema of a row by its name (see [`schema_from_name`]). On a
    /// list of organisations, or when the row's type rules a person out, a
    /// person-like name stays a `LegalEntity`, which persons and
    /// organisations both match.
    fn schema_from_name(&self, name: &str, may_be_person: bool) -> Schema {
        match schema_from_name(name) {
            Schema::Person if self.organisations || !may_be_person => Schema::LegalEntity,
            schema => schema,
        }
    }

    fn parse(source: &str) -> SourceList {
        let (name, authority) = match source.split_once(" - ") {
            Some((name, authority)) => (name.trim(), authority.trim()),
            None => (source.trim(), ""),
        };
        // The abbreviation in the first parentheses ("(NS-MBS List)"), else
        // the whole name, as a slug.
        let short = name
            .split_once('(')
            .and_then(|(_, rest)| rest.split_once(')'))
            .map(|(inside, _)| inside)
            .unwrap_or(name);
        let mut abbreviation = String::new();
        for c in short.chars() {
            if c.is_ascii_alphanumeric() {
                abbreviation.push(c.to_ascii_lowercase());
            } else if !abbreviation.is_empty() && !abbreviation.ends_with('-') {
                abbreviation.push('-');
            }
        }
        let mut abbreviation = abbreviation.trim_end_matches('-').to_owned();
        abbreviation.truncate(24);
        if abbreviation.is_empty() {
            abbreviation = "unknown".into();
        }
        let lower = source.to_ascii_lowercase();
        let topic = if lower.contains("debarred") {
            "debarment"
        } else if lower.contains("unverified") {
            "export.risk"
        } else if lower.contains("industry and security") || lower.contains("commerce") {
            "export.control"
        } else {
            "sanction"
        };
        let authority =
            if authority.is_empty() { "US Government".to_owned() } else { authority.to_owned() };
        let organisations = ["isn", "uvl", "meu"].contains(&abbreviation.as_str());
        SourceList { name: name.to_owned(), abbreviation, authority, topic, organisations }
    }
}

/// One address: the last component is an ISO country code when the CSL
/// knows the country ("..., Moscow, 117997, RU").
fn read_address(party: &mut Entity, address: &str, notes: &mut Notes) {
    let last = address.rsplit(',').next().unwrap_or_default().trim();
    let code = (last.len() == 2 && last.bytes().all(|b| b.is_ascii_uppercase()))
        .then(|| cell::country_code(last, prop::COUNTRY, notes))
        .flatten();
    if let Some(code) = code {
        party.add(prop::COUNTRY, code);
    }
    // An address that is only a country says no more than the country.
    if code.is_none() || address.trim().len() > 2 {
        party.add(prop::ADDRESS, address);
    }
}

/// One entry of the `ids` column: `[COUNTRY, ]NUMBER, TYPE`. Entries that
/// are not identifiers (secondary-sanctions and directive notices) go to
/// the notes.
fn read_identifier(party: &mut Entity, entry: &str) {
    let parts: Vec<&str> = entry.split(", ").map(str::trim).collect();
    let (number, kind) = match parts.as_slice() {
        [first, middle @ .., kind]
            if !middle.is_empty()
                && first.len() == 2
                && first.bytes().all(|b| b.is_ascii_uppercase()) =>
        {
            (middle.join(", "), *kind)
        }
        [number @ .., kind] if !number.is_empty() => (number.join(", "), *kind),
        _ => (String::new(), entry),
    };
    let lower = kind.to_ascii_lowercase();
    let notice = lower.ends_with('-')
        || lower.ends_with(':')
        || lower.contains("sanctions information")
        || lower.contains("directive determination")
        || lower.contains("vessel flag")
        || number.is_empty();
    if notice {
        party.add(prop::NOTES, entry);
        return;
    }
    let words: Vec<&str> =
        lower.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect();
    if number.to_ascii_uppercase().starts_with("IMO") && lower.contains("vessel") {
        party.add(prop::IMO_NUMBER, &number.replace(' ', "").to_ascii_uppercase());
        return;
    }
    let property = if lower.contains("passport") {
        prop::PASSPORT_NUMBER
    } else if ["tax", "nit", "ruc", "rfc", "inn", "vat", "cuit", "tin", "nif", "cif"]
        .iter()
        .any(|k| words.contains(k))
    {
        prop::TAX_NUMBER
    } else if [
        "registration id",
        "registration number",
        "company number",
        "commercial registry",
        "matricula",
        "business registration",
        "government gazette",
        "legal entity number",
    ]
    .iter()
    .any(|k| lower.contains(k))
    {
        prop::REGISTRATION_NUMBER
    } else if lower.contains("swift") || lower.contains("bic") {
        prop::SWIFT_BIC
    } else if lower.contains("email") {
        prop::EMAIL
    } else if lower.contains("website") {
        prop::WEBSITE
    } else if lower.contains("phone") {
        prop::PHONE
    } else if lower.contains("mmsi") {
        prop::MMSI
    } else if lower.contains("call sign") {
        prop::CALL_SIGN
    } else {
        prop::ID_NUMBER
    };
    party.add(property, &number);
}

fn report(file: &str, line: u64, id: Option<&str>, notes: Notes, sink: &mut dyn Sink) {
    for (severity, message) in notes {
        let message = match id {
            Some(id) => format!("{id}: {message}"),
            None => message,
        };
        sink.diagnostic(diagnostic(file, line, severity, message));
    }
}

fn diagnostic(file: &str, line: u64, severity: Severity, message: String) -> Diagnostic {
    Diagnostic { file: file.to_owned(), location: Location::Line(line), severity, message }
}

fn malformed(file: &str, line: u64, message: String) -> Error {
    Error::Malformed { file: file.to_owned(), location: Location::Line(line), message }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_lists() {
        let check = |source: &str, abbreviation: &str, topic: &str| {
            let list = SourceList::parse(source);
            assert_eq!((list.abbreviation.as_str(), list.topic), (abbreviation, topic), "{source}");
        };
        check("Entity List (EL) - Bureau of Industry and Security", "el", "export.control");
        check("Specially Designated Nationals (SDN) - Treasury Department", "sdn", "sanction");
        check("ITAR Debarred (DTC) - State Department", "dtc", "debarment");
        check("Unverified List (UVL) - Bureau of Industry and Security", "uvl", "export.risk");
        check(
            "Non-SDN Menu-Based Sanctions List (NS-MBS List) - Treasury Department",
            "ns-mbs-list",
            "sanction",
        );
        check(
            "Military End User (MEU) List - Bureau of Industry and Security",
            "meu",
            "export.control",
        );
        check("", "unknown", "sanction");
    }

    #[test]
    fn identifiers() {
        let mut party = Entity::new("x", Schema::Organization);
        for entry in [
            "US, 80-0890696, Tax ID No.",
            "21795618, Passport",
            "IMO 8898831, Vessel Registration Identification",
            "Subject to Secondary Sanctions, Additional Sanctions Information -",
            "Panama, Former Vessel Flag",
            "RKBZCHZZ, SWIFT/BIC",
            "01200175 (Bogota), Matricula Mercantil No",
        ] {
            read_identifier(&mut party, entry);
        }
        assert_eq!(party.get(prop::TAX_NUMBER), ["80-0890696"]);
        assert_eq!(party.get(prop::PASSPORT_NUMBER), ["21795618"]);
        assert_eq!(party.get(prop::IMO_NUMBER), ["IMO8898831"]);
        assert_eq!(party.get(prop::SWIFT_BIC), ["RKBZCHZZ"]);
        assert_eq!(party.get(prop::REGISTRATION_NUMBER), ["01200175 (Bogota)"]);
        assert_eq!(party.get(prop::NOTES).len(), 2);
    }
}
