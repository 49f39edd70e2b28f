//! UK formats: the UK Sanctions List XML (FCDO) and the legacy OFSI ConList CSV.
//!
//! The FCDO XML is `Designations` (`DateGenerated`) holding `Designation`
//! records: `Names/Name` (`Name1`..`Name6`, `Name6` the family name, a
//! `NameType` and an `AliasStrength`), `IndividualDetails`, `EntityDetails`
//! or `ShipDetails`. Each becomes a `Person`, an `Organization` or a
//! `Vessel` with the id `gb-fcdo-<UniqueID>`, plus a `Sanction`.
//!
//! The ConList CSV has one row per name (and per birth date) of a party;
//! the rows of a party share a `Group ID` and become one entity with the
//! id `gb-hmt-<Group ID>`. OFSI sorts the file by name, so the rows of a
//! group are scattered: see docs/adr/0024-uk-conlist-grouping.md.

use std::collections::HashMap;
use std::io::BufRead;

use vigia_model::entity::collapse_whitespace;
use vigia_model::{Entity, Location, PartialDate, Schema, Severity, prop};

use crate::record::xml::{Element, Item, XmlRecords, root_element};
use crate::record::{
    Notes, Output, add_country, day_first_date, extra_prop, has_non_latin, sanction_for,
    sanction_prop,
};
use crate::{Error, Format, Header, Parsed, Result, Sink};

/// The authority named on sanctions read from the FCDO list.
const FCDO: &str = "Foreign, Commonwealth and Development Office";

/// The authority named on sanctions read from the OFSI ConList.
const OFSI: &str = "HM Treasury Office of Financial Sanctions Implementation";

/// Whether the start of a decoded file looks like a UK format, and which:
/// the FCDO XML has the root element `Designations`; the ConList CSV has a
/// header row with `Name 6` and `Group ID`, after an optional
/// `Last Updated,dd/mm/yyyy` line.
pub fn sniff(head: &str) -> Option<Format> {
    if let Some((root, _)) = root_element(head) {
        return (root == "Designations").then_some(Format::UkSanctionsXml);
    }
    let mut lines = head.trim_start_matches('\u{feff}').lines();
    let first = lines.next()?;
    let header = if first.starts_with("Last Updated,") { lines.next()? } else { first };
    (header.contains("Name 6") && header.contains("Group ID")).then_some(Format::UkConListCsv)
}

/// Reads a UK Sanctions List XML file.
///
/// # Errors
/// The input as a whole is unreadable: not XML, not this format (the root
/// element is not `Designations`), or cut off before the first record.
pub fn parse_sanctions_xml<R: BufRead>(
    input: R,
    file: &str,
    dataset: &str,
    sink: &mut dyn Sink,
) -> Result<Parsed> {
    let (mut records, root) = XmlRecords::open(input, file, &["Designation"], &["DateGenerated"])?;
    if root.name != "Designations" {
        return Err(Error::UnknownFormat {
            file: file.to_owned(),
            reason: format!(
                "root element <{}>, not the UK Sanctions List's <Designations>",
                root.name
            ),
        });
    }
    let mut header = Header::default();
    let mut out = Output::new(file, dataset, sink);
    while let Some(item) = records.next_item() {
        match item {
            Item::Record { element, oversized, .. } => {
                out.records += 1;
                let number = out.records;
                read_designation(&mut out, &element, number, oversized);
            }
            Item::Header(element) => {
                let text = element.value();
                header.published = day_first_date(&text).map(|d| d.to_string());
                if header.published.is_none() && !text.is_empty() {
                    let message = format!("date not understood: DateGenerated {text:?}");
                    out.diagnostic(Location::File, Severity::Info, message);
                }
            }
            Item::Cut(cut) => crate::record::cut_off(&mut out, &cut)?,
        }
    }
    crate::record::finish(&mut out);
    Ok(Parsed { header, records: out.records })
}

/// The UK regimes whose designations are terrorists: the ISIL (Da'esh) and
/// Al-Qaida regime, the Afghanistan (Taliban) regime and the
/// counter-terrorism regimes.
fn is_terror_regime(regime: &str) -> bool {
    let regime = regime.to_ascii_lowercase();
    ["al-qaida", "al-qaeda", "isil", "da'esh", "daesh", "terrorism", "afghanistan"]
        .iter()
        .any(|p| regime.contains(p))
}

/// Adds a UK date (`dd/mm/yyyy` with `00` or `dd`/`mm` for unknown parts)
/// to a property; noted when not understood, and a birth date that is not
/// understood is kept in `notes`.
fn add_uk_date(entity: &mut Entity, property: &str, text: &str, what: &str, notes: &mut Notes) {
    let text = collapse_whitespace(text);
    if text.is_empty() {
        return;
    }
    if let Some(date) = day_first_date(&text) {
        entity.add(property, &date.to_string());
        return;
    }
    let dates = PartialDate::parse_loose(&text);
    if dates.is_empty() {
        if property == prop::BIRTH_DATE {
            entity.add(prop::NOTES, &format!("Date of birth: {text}"));
            notes.info(format!("date not understood: {what} {text:?}; kept in notes"));
        } else {
            notes.info(format!("date not understood: {what} {text:?}"));
        }
    }
    for date in dates {
        entity.add(property, &date.to_string());
    }
}

/// The UN reference a ConList remark gives (`(UN Ref):QDi.263`,
/// `UN Ref IRi.018.`), if any.
fn un_reference(remark: &str) -> Option<String> {
    let at = remark.find("UN Ref")?;
    let rest = remark[at + "UN Ref".len()..].trim_start_matches([')', ':', ' ']);
    let token: String = rest.chars().take_while(|c| !c.is_whitespace()).collect();
    let token = token.trim_end_matches(['.', ',', ';', ')']);
    let (prefix, number) = token.split_once('.')?;
    let valid = prefix.len() == 3
        && prefix.chars().all(|c| c.is_ascii_alphabetic())
        && !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit());
    valid.then(|| token.to_owned())
}

fn read_designation(out: &mut Output<'_>, record: &Element, number: u64, oversized: bool) {
    let mut notes = Notes::default();
    let unique_id = record.field("UniqueID");
    let group_id = record.field("OFSIGroupID");
    let source_id = if !unique_id.is_empty() {
        unique_id.clone()
    } else if !group_id.is_empty() {
        notes.info(format!("no UniqueID: the id is built from OFSIGroupID {group_id}"));
        format!("ofsi-{group_id}")
    } else {
        String::new()
    };
    let label = (!source_id.is_empty()).then_some(source_id.as_str());
    if oversized {
        notes.error("record too large to read: dropped".into());
        out.flush(number, label, notes);
        return;
    }
    if source_id.is_empty() {
        notes.error("record without UniqueID or OFSIGroupID: dropped".into());
        out.flush(number, None, notes);
        return;
    }
    let kind = record.field("IndividualEntityShip");
    let schema = match kind.to_ascii_lowercase().as_str() {
        "individual" => Schema::Person,
        "entity" => Schema::Organization,
        "ship" => Schema::Vessel,
        _ => {
            notes.info(format!("unknown designation type: {kind:?}, read as a legal entity"));
            Schema::LegalEntity
        }
    };
    let mut party = Entity::new(format!("gb-fcdo-{source_id}"), schema);
    read_names(&mut party, record, &mut notes);
    if !party.has(prop::NAME) {
        notes.error("record without a name: dropped".into());
        out.flush(number, label, notes);
        return;
    }
    party.id = out.unique_id(party.id.clone(), &mut notes);

    let regime = record.field("RegimeName");
    party.add(prop::PROGRAM, &regime);
    if is_terror_regime(&regime) {
        party.add(prop::TOPICS, "crime.terror");
    }
    party.add_all(prop::TITLE, record.fields(&["Titles", "Title"]));
    party.add(prop::NOTES, &record.field("OtherInformation"));
    for address in record.all(&["Addresses", "Address"]) {
        read_address(&mut party, address, &mut notes);
    }
    party.add_all(prop::PHONE, record.fields(&["PhoneNumbers", "PhoneNumber"]));
    party.add_all(prop::EMAIL, record.fields(&["EmailAddresses", "EmailAddress"]));
    party.add_all(prop::WEBSITE, record.fields(&["Websites", "Website"]));
    for individual in record.all(&["IndividualDetails", "Individual"]) {
        read_individual(&mut party, individual, &mut notes);
    }
    for entity in record.all(&["EntityDetails", "Entity"]) {
        read_entity_details(&mut party, entity);
    }
    for ship in record.all(&["ShipDetails", "Ship"]) {
        read_ship(&mut party, ship, &mut notes);
    }
    let mut updated = Entity::new("", Schema::Thing);
    add_uk_date(
        &mut updated,
        prop::MODIFIED_AT,
        &record.field("LastUpdated"),
        "LastUpdated",
        &mut notes,
    );
    party.last_change = updated.first(prop::MODIFIED_AT).map(str::to_owned);

    let mut sanction = sanction_for(&party.id, FCDO);
    sanction.add(prop::PROGRAM, &regime);
    sanction.add(sanction_prop::AUTHORITY_ID, &unique_id);
    sanction.add(sanction_prop::UNSC_ID, &record.field("UNReferenceNumber"));
    sanction.add_all(prop::PROVISIONS, record.field("SanctionsImposed").split('|'));
    sanction.add(prop::REASON, &record.field("UKStatementofReasons"));
    add_uk_date(
        &mut sanction,
        prop::LISTING_DATE,
        &record.field("DateDesignated"),
        "DateDesignated",
        &mut notes,
    );
    out.flush(number, label, notes);
    out.listed(party, sanction);
}

/// `Primary Name` is the name (the first one; a second primary name is an
/// alias), `Primary Name Variation` an alias, `Alias` an alias or, with a
/// low or weak `AliasStrength`, a weak alias. Non-Latin names are aliases
/// and original names.
fn read_names(party: &mut Entity, record: &Element, notes: &mut Notes) {
    let names: Vec<&Element> = record.all(&["Names", "Name"]);
    let full = |name: &Element| -> String {
        (1..=6)
            .map(|i| name.field(&format!("Name{i}")))
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let is_primary = |name: &Element| name.field("NameType").eq_ignore_ascii_case("Primary Name");
    let mut primary = names.iter().position(|n| is_primary(n) && !full(n).is_empty());
    if primary.is_none() {
        primary = names.iter().position(|n| !full(n).is_empty());
        if let Some(i) = primary {
            notes.warning(format!("no name: the alias {:?} is used as the name", full(names[i])));
        }
    }
    for (i, name) in names.iter().enumerate() {
        let text = full(name);
        let kind = name.field("NameType");
        let strength = name.field("AliasStrength").to_ascii_lowercase();
        let property = if Some(i) == primary {
            prop::NAME
        } else if strength.contains("low") || strength.contains("weak") {
            prop::WEAK_ALIAS
        } else {
            if !matches!(
                kind.to_ascii_lowercase().as_str(),
                "primary name" | "primary name variation" | "alias" | ""
            ) {
                notes.info(format!("unknown name type: {kind:?}, read as an alias"));
            }
            prop::ALIAS
        };
        party.add(property, &text);
        let main = is_primary(name) || kind.eq_ignore_ascii_case("Primary Name Variation");
        if party.schema == Schema::Person && main && !text.is_empty() {
            party.add(prop::FIRST_NAME, &name.field("Name1"));
            for i in 2..=5 {
                party.add(prop::MIDDLE_NAME, &name.field(&format!("Name{i}")));
            }
            party.add(prop::LAST_NAME, &name.field("Name6"));
        }
    }
    for original in record.fields(&["NonLatinNames", "NonLatinName", "NameNonLatinScript"]) {
        party.add(prop::ALIAS, &original);
        party.add(prop::ORIGINAL_NAME, &original);
    }
}

fn read_address(party: &mut Entity, address: &Element, notes: &mut Notes) {
    let country = address.field("AddressCountry");
    let mut parts: Vec<String> = (1..=6)
        .map(|i| address.field(&format!("AddressLine{i}")))
        .chain([address.field("AddressPostalCode")])
        .filter(|p| !p.is_empty())
        .collect();
    if !parts.is_empty() {
        if !country.is_empty() {
            parts.push(country.clone());
        }
        party.add(prop::ADDRESS, &parts.join(", "));
    }
    add_country(party, prop::COUNTRY, &country, notes);
}

fn read_individual(party: &mut Entity, individual: &Element, notes: &mut Notes) {
    for birth in individual.fields(&["DOBs", "DOB"]) {
        add_uk_date(party, prop::BIRTH_DATE, &birth, "DOB", notes);
    }
    for nationality in individual.fields(&["Nationalities", "Nationality"]) {
        add_country(party, prop::NATIONALITY, &nationality, notes);
    }
    for gender in individual.fields(&["Genders", "Gender"]) {
        match gender.to_ascii_lowercase().as_str() {
            "male" => {
                party.add(prop::GENDER, "male");
            }
            "female" => {
                party.add(prop::GENDER, "female");
            }
            "unknown" => {}
            _ => notes.info(format!("unknown gender: {gender:?}")),
        }
    }
    party.add_all(prop::POSITION, individual.fields(&["Positions", "Position"]));
    for passport in individual.all(&["PassportDetails", "Passport"]) {
        party.add(prop::PASSPORT_NUMBER, &passport.field("PassportNumber"));
        party.add(prop::NOTES, &passport.field("PassportAdditionalInformation"));
    }
    for id in individual.all(&["NationalIdentifierDetails", "NationalIdentifier"]) {
        party.add(prop::ID_NUMBER, &id.field("NationalIdentifierNumber"));
        party.add(prop::NOTES, &id.field("NationalIdentifierAdditionalInformation"));
    }
    for place in individual.all(&["BirthDetails", "Location"]) {
        let country = place.field("CountryOfBirth");
        let mut parts: Vec<String> = ["PlaceOfBirth", "TownOfBirth", "StateOrProvinceOfBirth"]
            .iter()
            .map(|tag| place.field(tag))
            .filter(|p| !p.is_empty())
            .collect();
        if !parts.is_empty() && !country.is_empty() {
            parts.push(country.clone());
        }
        party.add(prop::BIRTH_PLACE, &parts.join(", "));
        add_country(party, prop::BIRTH_COUNTRY, &country, notes);
    }
}

fn read_entity_details(party: &mut Entity, entity: &Element) {
    party.add_all(extra_prop::SECTOR, entity.fields(&["TypeOfEntities", "TypeOfEntity"]));
    party.add_all(
        prop::REGISTRATION_NUMBER,
        entity.fields(&["BusinessRegistrationNumbers", "BusinessRegistrationNumber"]),
    );
    for parent in entity.fields(&["ParentCompanies", "ParentCompany"]) {
        party.add(prop::NOTES, &format!("Parent company: {parent}"));
    }
    for subsidiary in entity.fields(&["Subsidiaries", "Subsidiary"]) {
        party.add(prop::NOTES, &format!("Subsidiary: {subsidiary}"));
    }
}

fn read_ship(party: &mut Entity, ship: &Element, notes: &mut Notes) {
    party.add_all(prop::IMO_NUMBER, ship.fields(&["IMONumbers", "IMONumber"]));
    for flag in ship.fields(&["CurrentBelievedFlagOfShips", "CurrentBelievedFlagOfShip"]) {
        add_country(party, prop::FLAG, &flag, notes);
    }
    for flag in ship.fields(&["PreviousFlags", "PreviousFlag"]) {
        add_country(party, extra_prop::PAST_FLAGS, &flag, notes);
    }
    party.add_all(prop::TYPE, ship.fields(&["TypeOfShipDetails", "TypeOfShip"]));
    party.add_all(extra_prop::TONNAGE, ship.fields(&["TonnageOfShipDetails", "TonnageOfShip"]));
    party.add_all(prop::CALL_SIGN, ship.fields(&["CallSigns", "CallSign"]));
    for built in ship.fields(&["YearBuiltDetails", "YearBuilt"]) {
        add_uk_date(party, extra_prop::BUILD_DATE, &built, "YearBuilt", notes);
    }
    party.add_all(
        prop::ID_NUMBER,
        ship.fields(&["HullIdentificationNumberDetails", "HullIdentificationNumber"]),
    );
    for owner in ship.fields(&["CurrentOwnerOperators", "CurrentOwnerOperator"]) {
        party.add(prop::NOTES, &format!("Current owner or operator: {owner}"));
    }
    for owner in ship.fields(&["PreviousOwnerOperators", "PreviousOwnerOperator"]) {
        party.add(prop::NOTES, &format!("Previous owner or operator: {owner}"));
    }
}

/// What a ConList row says its name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NameRole {
    /// `Primary name`.
    Primary,
    /// `Prime Alias`: the main alias, the name when there is no primary.
    PrimeAlias,
    /// `Primary name variation`, or `AKA` of good quality.
    Alias,
    /// `AKA` of low quality.
    WeakAlias,
}

/// A party of the ConList while its rows are read.
#[derive(Debug)]
struct Group {
    party: Entity,
    sanction: Entity,
    names: Vec<(NameRole, String)>,
    kind: String,
    number: u64,
    notes: Notes,
}

/// The column indices of a ConList header.
struct Columns(HashMap<String, usize>);

impl Columns {
    fn get<'r>(&self, row: &'r [String], name: &str) -> &'r str {
        self.0.get(name).and_then(|&i| row.get(i)).map_or("", |v| v.trim())
    }
}

/// Reads a UK OFSI ConList CSV file.
///
/// Rows are grouped by `Group ID` in memory and the parties emitted at the
/// end of the file, in the order their first row appears: OFSI sorts the
/// file by name, so the rows of one party are not adjacent. Memory grows
/// with the number of parties (a few thousand), not with the rows.
///
/// # Errors
/// The input as a whole is unreadable: empty, or without the `Group ID`
/// and `Name 6` columns.
pub fn parse_conlist_csv<R: BufRead>(
    input: R,
    file: &str,
    dataset: &str,
    sink: &mut dyn Sink,
) -> Result<Parsed> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(input);
    let mut out = Output::new(file, dataset, sink);
    let mut header = Header::default();
    let mut row = csv::ByteRecord::new();
    let mut windows_1252 = false;
    let mut read_row = |reader: &mut csv::Reader<R>,
                        row: &mut csv::ByteRecord|
     -> std::result::Result<Option<Vec<String>>, csv::Error> {
        if !reader.read_byte_record(row)? {
            return Ok(None);
        }
        Ok(Some(row.iter().map(|field| decode(field, &mut windows_1252)).collect()))
    };
    let malformed = |line: u64, message: String| Error::Malformed {
        file: file.to_owned(),
        location: Location::Line(line),
        message,
    };

    let first =
        read_row(&mut reader, &mut row).map_err(|e| malformed(1, format!("not CSV ({e})")))?;
    let Some(mut first) = first else {
        return Err(malformed(1, "the file is empty".into()));
    };
    if let Some(cell) = first.first_mut() {
        *cell = cell.trim_start_matches('\u{feff}').to_owned();
    }
    let header_row = if first.first().is_some_and(|c| c.trim() == "Last Updated") {
        header.published = first.get(1).and_then(|d| day_first_date(d)).map(|d| d.to_string());
        read_row(&mut reader, &mut row)
            .map_err(|e| malformed(2, format!("not CSV ({e})")))?
            .ok_or_else(|| malformed(2, "no header row after the Last Updated line".into()))?
    } else {
        first
    };
    let header_width = header_row.len();
    let columns = Columns(
        header_row
            .iter()
            .enumerate()
            .map(|(i, name)| (collapse_whitespace(name).to_ascii_lowercase(), i))
            .collect(),
    );
    if !columns.0.contains_key("group id") || !columns.0.contains_key("name 6") {
        return Err(Error::UnknownFormat {
            file: file.to_owned(),
            reason: "no `Group ID` and `Name 6` columns: not an OFSI ConList".into(),
        });
    }

    let mut groups: Vec<Group> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    loop {
        let line = reader.position().line();
        let fields = match read_row(&mut reader, &mut row) {
            Ok(Some(fields)) => fields,
            Ok(None) => break,
            Err(e) => {
                let message =
                    format!("file unreadable from here on: {e}; rows before it were kept");
                out.diagnostic(Location::Line(line), Severity::Error, message);
                break;
            }
        };
        if fields.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if fields.len() < header_width {
            // A cut-off file ends in a short row; a damaged row is short
            // too, and one whose unbalanced quote swallowed the rows after
            // it spans several lines.
            let mut message =
                format!("short row: {} fields where the header has {header_width}", fields.len());
            let lines = reader.position().line().saturating_sub(line);
            if lines > 1 {
                message.push_str(&format!(
                    "; it spans {lines} lines: an unbalanced quote may have swallowed the rows after it"
                ));
            }
            out.diagnostic(Location::Line(line), Severity::Warning, message);
        }
        let group_id = columns.get(&fields, "group id");
        if group_id.is_empty() {
            out.records += 1;
            let message = "row without a Group ID: dropped".to_owned();
            out.diagnostic(Location::Line(line), Severity::Error, message);
            continue;
        }
        let index = match by_id.get(group_id) {
            Some(&index) => index,
            None => {
                out.records += 1;
                let id = format!("gb-hmt-{group_id}");
                let group = Group {
                    sanction: sanction_for(&id, OFSI),
                    party: Entity::new(id, Schema::LegalEntity),
                    names: Vec::new(),
                    kind: String::new(),
                    number: out.records,
                    notes: Notes::default(),
                };
                groups.push(group);
                by_id.insert(group_id.to_owned(), groups.len() - 1);
                groups.len() - 1
            }
        };
        read_row_into(&mut groups[index], &columns, &fields, group_id);
    }
    if windows_1252 {
        let message = "not UTF-8: the file was read as Windows-1252".to_owned();
        out.diagnostic(Location::File, Severity::Info, message);
    }
    for group in groups {
        emit_group(&mut out, group);
    }
    crate::record::finish(&mut out);
    Ok(Parsed { header, records: out.records })
}

/// A CSV field as text: UTF-8, or Windows-1252 (which older OFSI files
/// used) when it is not valid UTF-8.
fn decode(field: &[u8], windows_1252: &mut bool) -> String {
    match std::str::from_utf8(field) {
        Ok(text) => text.to_owned(),
        Err(_) => {
            *windows_1252 = true;
            encoding_rs::WINDOWS_1252.decode_without_bom_handling(field).0.into_owned()
        }
    }
}

/// The items of an enumerated ConList field, `(1) A (2) B`; the field
/// itself when it is not enumerated.
fn enumerated(text: &str) -> Vec<String> {
    let text = collapse_whitespace(text);
    if !text.starts_with("(1)") {
        return if text.is_empty() { Vec::new() } else { vec![text] };
    }
    // Byte ranges of the `(n)` markers.
    let bytes = text.as_bytes();
    let mut markers = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'(' {
            let digits = bytes[i + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
            if digits > 0 && bytes.get(i + 1 + digits) == Some(&b')') {
                markers.push((i, i + digits + 2));
                i += digits + 2;
                continue;
            }
        }
        i += 1;
    }
    let mut items = Vec::new();
    for (k, &(_, end)) in markers.iter().enumerate() {
        let next = markers.get(k + 1).map_or(text.len(), |&(start, _)| start);
        let item = text[end..next].trim();
        if !item.is_empty() {
            items.push(item.to_owned());
        }
    }
    items
}

/// Adds one ConList row to its group.
fn read_row_into(group: &mut Group, columns: &Columns, row: &[String], group_id: &str) {
    let get = |name: &str| columns.get(row, name);
    let kind = get("group type");
    if group.kind.is_empty() {
        group.kind = kind.to_owned();
    } else if !kind.is_empty() && !kind.eq_ignore_ascii_case(&group.kind) {
        group.notes.warning(format!(
            "conflicting group types: {:?} and {kind:?}; the first is kept",
            group.kind
        ));
    }
    let person = group.kind.eq_ignore_ascii_case("individual");
    let parts: Vec<&str> = ["name 1", "name 2", "name 3", "name 4", "name 5", "name 6"]
        .iter()
        .map(|c| get(c))
        .collect();
    let name = parts.iter().filter(|p| !p.is_empty()).copied().collect::<Vec<_>>().join(" ");
    let alias_type = get("alias type").to_ascii_lowercase();
    let role = match alias_type.as_str() {
        "primary name" => NameRole::Primary,
        "prime alias" => NameRole::PrimeAlias,
        "primary name variation" | "" => NameRole::Alias,
        "aka" | "alias" | "a.k.a." => {
            if get("alias quality").eq_ignore_ascii_case("low") {
                NameRole::WeakAlias
            } else {
                NameRole::Alias
            }
        }
        other => {
            group.notes.info(format!("unknown alias type: {other:?}, read as an alias"));
            NameRole::Alias
        }
    };
    let name = collapse_whitespace(&name);
    if !name.is_empty() && !group.names.iter().any(|(r, n)| *r == role && *n == name) {
        group.names.push((role, name));
    }
    let party = &mut group.party;
    let notes = &mut group.notes;
    if person && matches!(role, NameRole::Primary | NameRole::PrimeAlias) {
        party.add(prop::FIRST_NAME, parts[0]);
        for part in &parts[1..5] {
            party.add(prop::MIDDLE_NAME, part);
        }
        party.add(prop::LAST_NAME, parts[5]);
    }
    party.add_all(prop::TITLE, enumerated(get("title")));
    let original = get("name non-latin script");
    if has_non_latin(original) {
        party.add(prop::ORIGINAL_NAME, original);
    }
    party.add(prop::ALIAS, original);
    add_uk_date(party, prop::BIRTH_DATE, get("dob"), "DOB", notes);
    let birth_country = get("country of birth");
    let mut place: Vec<String> = enumerated(get("town of birth"));
    if !place.is_empty() && !birth_country.is_empty() {
        place.push(birth_country.to_owned());
    }
    party.add(prop::BIRTH_PLACE, &place.join(", "));
    for country in enumerated(birth_country) {
        add_country(party, prop::BIRTH_COUNTRY, &country, notes);
    }
    for nationality in enumerated(get("nationality")) {
        add_country(party, prop::NATIONALITY, &nationality, notes);
    }
    for passport in enumerated(get("passport number")) {
        party.add(prop::PASSPORT_NUMBER, strip_trailing_note(&passport));
    }
    party.add(prop::NOTES, get("passport details"));
    // Older ConList files call the column `NI Number`.
    let national_id = match get("national identification number") {
        "" => get("ni number"),
        number => number,
    };
    for number in enumerated(national_id) {
        party.add(prop::ID_NUMBER, strip_trailing_note(&number));
    }
    party.add(prop::NOTES, get("ni details"));
    party.add_all(prop::POSITION, enumerated(get("position")));
    let country = get("country");
    let address: Vec<&str> = [
        "address 1",
        "address 2",
        "address 3",
        "address 4",
        "address 5",
        "address 6",
        "post/zip code",
    ]
    .iter()
    .map(|c| get(c))
    .filter(|p| !p.is_empty())
    .collect();
    if !address.is_empty() {
        let mut line = address.join(", ");
        if !country.is_empty() {
            line = format!("{line}, {country}");
        }
        party.add(prop::ADDRESS, &line);
    }
    add_country(party, prop::COUNTRY, country, notes);
    let remark = get("other information");
    party.add(prop::NOTES, remark);
    if let Some(reference) = un_reference(remark) {
        group.sanction.add(sanction_prop::UNSC_ID, &reference);
    }
    let regime = get("regime");
    party.add(prop::PROGRAM, regime);
    group.sanction.add(prop::PROGRAM, regime);
    group.sanction.add(sanction_prop::AUTHORITY_ID, group_id);
    add_uk_date(&mut group.sanction, prop::LISTING_DATE, get("listed on"), "Listed On", notes);
    let designated = get("uk sanctions list date designated");
    add_uk_date(
        &mut group.sanction,
        prop::START_DATE,
        designated,
        "UK Sanctions List Date Designated",
        notes,
    );
    let mut updated = Entity::new("", Schema::Thing);
    add_uk_date(&mut updated, prop::MODIFIED_AT, get("last updated"), "Last Updated", notes);
    if let Some(date) = updated.first(prop::MODIFIED_AT)
        && party.last_change.as_deref().is_none_or(|last| last < date)
    {
        party.last_change = Some(date.to_owned());
    }
}

/// `3520025509842-7 (Pakistani)` → `3520025509842-7`.
fn strip_trailing_note(value: &str) -> &str {
    match value.rfind(" (") {
        Some(at) if value.ends_with(')') && at > 0 => value[..at].trim(),
        _ => value.trim(),
    }
}

/// Emits a complete ConList group: the name is the primary name, else the
/// prime alias, else the first name read.
fn emit_group(out: &mut Output<'_>, group: Group) {
    let Group { mut party, sanction, names, kind, number, mut notes } = group;
    let source_id = party.id.trim_start_matches("gb-hmt-").to_owned();
    party.schema = match kind.to_ascii_lowercase().as_str() {
        "individual" => Schema::Person,
        "entity" => Schema::Organization,
        "ship" => Schema::Vessel,
        _ => {
            notes.info(format!("unknown group type: {kind:?}, read as a legal entity"));
            Schema::LegalEntity
        }
    };
    if party.schema != Schema::Person {
        for property in [prop::FIRST_NAME, prop::MIDDLE_NAME, prop::LAST_NAME] {
            party.remove(property);
        }
    }
    let primary = names
        .iter()
        .position(|(r, _)| *r == NameRole::Primary)
        .or_else(|| names.iter().position(|(r, _)| *r == NameRole::PrimeAlias))
        .or(if names.is_empty() { None } else { Some(0) });
    if let Some(i) = primary
        && !matches!(names[i].0, NameRole::Primary | NameRole::PrimeAlias)
    {
        notes.warning(format!("no name: the alias {:?} is used as the name", names[i].1));
    }
    let Some(primary) = primary else {
        notes.error("record without a name: dropped".into());
        out.flush(number, Some(&source_id), notes);
        return;
    };
    party.add(prop::NAME, &names[primary].1);
    for (i, (role, name)) in names.iter().enumerate() {
        if i == primary || party.get(prop::NAME).contains(name) {
            continue;
        }
        let property = if *role == NameRole::WeakAlias { prop::WEAK_ALIAS } else { prop::ALIAS };
        party.add(property, name);
    }
    if party.get(prop::PROGRAM).iter().any(|r| is_terror_regime(r)) {
        party.add(prop::TOPICS, "crime.terror");
    }
    party.id = out.unique_id(party.id.clone(), &mut notes);
    let mut sanction = sanction;
    sanction.id = format!("{}-sanction", party.id);
    out.flush(number, Some(&source_id), notes);
    out.listed(party, sanction);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enumerations() {
        let check =
            |input: &str, expected: &[&str]| assert_eq!(enumerated(input), expected, "{input}");
        check("(1) Pakistani (2) Afghan", &["Pakistani", "Afghan"]);
        check("Pakistani", &["Pakistani"]);
        check("(1) a (b) (2) c", &["a (b)", "c"]);
        check("", &[]);
        check("(1)", &[]);
        check("(1) (", &["("]);
    }

    #[test]
    fn un_references() {
        assert_eq!(
            un_reference("(UK Sanctions List Ref):AQD0183 (UN Ref):QDi.263. Also").as_deref(),
            Some("QDi.263")
        );
        assert_eq!(
            un_reference("UN Ref IRi.018.  Passport no: G4506013").as_deref(),
            Some("IRi.018")
        );
        assert_eq!(un_reference("Not UN."), None);
        assert_eq!(un_reference("UN Ref"), None);
    }
}
