//! EU Financial Sanctions Files (FSF) consolidated XML.
//!
//! The file is `export` (namespace `http://eu.europa.ec/fpi/fsd/export`,
//! `generationDate`) holding `sanctionEntity` records, each with its
//! `regulation`s, a `subjectType` (person or enterprise), `nameAlias`es,
//! `citizenship`s, `birthdate`s, `identification`s and `address`es, all as
//! attributes. Each becomes a `Person` or an `Organization` with the id
//! `eu-fsf-<logicalId>`, plus a `Sanction`.

use std::io::BufRead;

use vigia_model::{Entity, PartialDate, Schema, prop};

use crate::record::xml::{Element, Item, XmlRecords, root_element};
use crate::record::{
    Notes, Output, add_country, add_dates, add_iso_country, iso_date, sanction_for, sanction_prop,
    single_date,
};
use crate::{Error, Header, Parsed, Result, Sink};

/// The namespace of the FSF export.
const NAMESPACE: &str = "http://eu.europa.ec/fpi/fsd/export";

/// The authority named on every EU sanction.
const AUTHORITY: &str = "European Union";

/// Whether the start of a decoded file looks like this format: the root
/// element is `export` in the FSF namespace, or `export` followed by a
/// `sanctionEntity`.
pub fn sniff(head: &str) -> bool {
    match root_element(head) {
        Some(("export", tag)) => tag.contains(NAMESPACE) || head.contains("<sanctionEntity"),
        _ => false,
    }
}

/// Reads an EU FSF file, pushing entities and diagnostics into `sink`.
///
/// # Errors
/// The input as a whole is unreadable: not XML, not this format (the root
/// element is not `export`), or cut off before the first record.
pub fn parse<R: BufRead>(
    input: R,
    file: &str,
    dataset: &str,
    sink: &mut dyn Sink,
) -> Result<Parsed> {
    let (mut records, root) = XmlRecords::open(input, file, &["sanctionEntity"], &[])?;
    if root.name != "export" {
        return Err(Error::UnknownFormat {
            file: file.to_owned(),
            reason: format!("root element <{}>, not the EU FSF <export>", root.name),
        });
    }
    let header = Header { published: iso_date(&root.attr("generationDate")), stated_count: None };
    let mut out = Output::new(file, dataset, sink);
    while let Some(item) = records.next_item() {
        match item {
            Item::Record { element, oversized, .. } => {
                out.records += 1;
                let number = out.records;
                read_party(&mut out, &element, number, oversized);
            }
            Item::Header(_) => {}
            Item::Cut(cut) => crate::record::cut_off(&mut out, &cut)?,
        }
    }
    crate::record::finish(&mut out);
    Ok(Parsed { header, records: out.records })
}

fn read_party(out: &mut Output<'_>, record: &Element, number: u64, oversized: bool) {
    let mut notes = Notes::default();
    let logical_id = record.attr("logicalId");
    let reference = record.attr("euReferenceNumber");
    let source_id = if !logical_id.is_empty() {
        logical_id
    } else if !reference.is_empty() {
        notes.info(format!("no logicalId: the id is built from euReferenceNumber {reference}"));
        reference.clone()
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
        notes.error("record without logicalId or euReferenceNumber: dropped".into());
        out.flush(number, None, notes);
        return;
    }

    let subject = record.child("subjectType").map(|s| s.attr("code")).unwrap_or_default();
    let schema = match subject.as_str() {
        "person" => Schema::Person,
        "enterprise" => Schema::Organization,
        other => {
            notes.info(format!("unknown subject type: {other:?}, read as a legal entity"));
            Schema::LegalEntity
        }
    };
    let mut party = Entity::new(format!("eu-fsf-{source_id}"), schema);
    read_names(&mut party, record, &mut notes);
    if !party.has(prop::NAME) {
        notes.error("record without a name: dropped".into());
        out.flush(number, label, notes);
        return;
    }
    party.id = out.unique_id(party.id.clone(), &mut notes);

    let programmes: Vec<String> =
        record.children("regulation").map(|r| r.attr("programme")).collect();
    party.add_all(prop::PROGRAM, &programmes);
    if programmes.iter().any(|p| is_terror_programme(p)) {
        party.add(prop::TOPICS, "crime.terror");
    }
    for citizenship in record.children("citizenship") {
        read_country(&mut party, prop::NATIONALITY, citizenship, &mut notes);
    }
    for birth in record.children("birthdate") {
        read_birth(&mut party, birth, &mut notes);
    }
    for identification in record.children("identification") {
        read_identification(&mut party, identification);
    }
    for address in record.children("address") {
        read_address(&mut party, address, &mut notes);
    }
    party.add_all(prop::NOTES, record.fields(&["remark"]));

    let mut sanction = sanction_for(&party.id, AUTHORITY);
    sanction.add_all(prop::PROGRAM, &programmes);
    sanction.add(sanction_prop::AUTHORITY_ID, &reference);
    sanction.add(sanction_prop::UNSC_ID, &record.attr("unitedNationId"));
    sanction.add(prop::REASON, &record.attr("designationDetails"));
    let designated = record.attr("designationDate");
    let listed = single_date(&designated).or_else(|| {
        // Without a designation date, the earliest regulation that names
        // the entity is when it was listed.
        record.children("regulation").filter_map(|r| iso_date(&r.attr("publicationDate"))).min()
    });
    if let Some(date) = listed {
        sanction.add(prop::LISTING_DATE, &date);
    }
    if !designated.is_empty() && single_date(&designated).is_none() {
        notes.info(format!("date not understood: designationDate {designated:?}"));
    }
    for regulation in record.children("regulation") {
        sanction.add(prop::SOURCE_URL, &regulation.field("publicationUrl"));
    }
    out.flush(number, label, notes);
    out.listed(party, sanction);
}

/// Programmes of the EU's counter-terrorism regimes: the UN 1267/1988
/// lists as transposed (`TAQA`, `AFG`), the EU's own terrorist list
/// (`TERR`) and its ISIL/Al-Qaida regime (`ISIL`).
fn is_terror_programme(programme: &str) -> bool {
    matches!(programme.to_ascii_uppercase().as_str(), "TAQA" | "TERR" | "ISIL" | "AFG")
}

/// The EU flags no alias as primary: the first strong name is the name,
/// other strong names are aliases, weak ones (`strong="false"`) weak
/// aliases.
fn read_names(party: &mut Entity, record: &Element, notes: &mut Notes) {
    let aliases: Vec<&Element> = record.children("nameAlias").collect();
    let whole = |alias: &Element| -> String {
        let whole = alias.attr("wholeName");
        if !whole.is_empty() {
            return whole;
        }
        ["firstName", "middleName", "lastName"]
            .iter()
            .map(|a| alias.attr(a))
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let strong = |alias: &Element| !alias.attr("strong").eq_ignore_ascii_case("false");
    let primary = aliases
        .iter()
        .position(|a| strong(a) && !whole(a).is_empty())
        .or_else(|| aliases.iter().position(|a| !whole(a).is_empty()));
    for (i, alias) in aliases.iter().enumerate() {
        let name = whole(alias);
        let property = if Some(i) == primary {
            prop::NAME
        } else if strong(alias) {
            prop::ALIAS
        } else {
            prop::WEAK_ALIAS
        };
        party.add(property, &name);
        if party.schema == Schema::Person {
            party.add(prop::FIRST_NAME, &alias.attr("firstName"));
            party.add(prop::MIDDLE_NAME, &alias.attr("middleName"));
            party.add(prop::LAST_NAME, &alias.attr("lastName"));
            match alias.attr("gender").as_str() {
                "M" => {
                    party.add(prop::GENDER, "male");
                }
                "F" => {
                    party.add(prop::GENDER, "female");
                }
                "" => {}
                other => notes.info(format!("unknown gender: {other:?}")),
            }
        }
        party.add(prop::TITLE, &alias.attr("title"));
        party.add(prop::POSITION, &alias.attr("function"));
        party.add_all(prop::NOTES, alias.fields(&["remark"]));
    }
}

/// A country as an ISO code, or by its description when the code is
/// missing or `00` (unknown).
fn read_country(party: &mut Entity, property: &str, element: &Element, notes: &mut Notes) {
    let code = element.attr("countryIso2Code");
    if code.is_empty() || code == "00" {
        add_country(party, property, &element.attr("countryDescription"), notes);
    } else {
        add_iso_country(party, property, &code, notes);
    }
}

/// A full `birthdate`, or its `year`/`monthOfYear`/`dayOfMonth` parts, or
/// a `yearRangeFrom`..`yearRangeTo` range; plus the place.
fn read_birth(party: &mut Entity, birth: &Element, notes: &mut Notes) {
    let calendar = birth.attr("calendarType");
    let full = birth.attr("birthdate");
    let year = birth.attr("year");
    let (from, to) = (birth.attr("yearRangeFrom"), birth.attr("yearRangeTo"));
    if !calendar.is_empty() && !calendar.eq_ignore_ascii_case("GREGORIAN") {
        let given = [full.as_str(), year.as_str()].join(" ");
        party.add(prop::NOTES, &format!("Date of birth ({calendar} calendar): {}", given.trim()));
        notes.info(format!(
            "date not understood: birth date in the {calendar} calendar; kept in notes"
        ));
    } else if let Some(date) = iso_date(&full) {
        party.add(prop::BIRTH_DATE, &date);
    } else if !year.is_empty() {
        let parsed = year.parse::<u16>().ok().and_then(|y| {
            let month = birth.attr("monthOfYear").parse::<u8>().ok();
            let day = birth.attr("dayOfMonth").parse::<u8>().ok();
            match (month, day) {
                (Some(m), Some(d)) => PartialDate::ymd(y, m, d),
                (Some(m), None) => PartialDate::month(y, m),
                _ => PartialDate::year(y),
            }
        });
        match parsed {
            Some(date) => {
                party.add(prop::BIRTH_DATE, &date.to_string());
            }
            None => notes.info(format!("date not understood: birth year {year:?}")),
        }
    } else if !from.is_empty() || !to.is_empty() {
        let range = match (from.is_empty(), to.is_empty()) {
            (false, false) => format!("{from} to {to}"),
            (false, true) => from.clone(),
            _ => to.clone(),
        };
        if !add_dates(party, prop::BIRTH_DATE, &range) {
            notes.info(format!("date not understood: birth year range {range:?}"));
        }
    } else if !full.is_empty() {
        notes.info(format!("date not understood: birthdate {full:?}"));
    }
    let place: Vec<String> = ["place", "city", "region"]
        .iter()
        .map(|a| birth.attr(a))
        .filter(|p| !p.is_empty() && p != "-")
        .collect();
    if !place.is_empty() {
        let mut place = place.join(", ");
        let country = birth.attr("countryDescription");
        if !country.is_empty() && !country.eq_ignore_ascii_case("unknown") {
            place = format!("{place}, {country}");
        }
        party.add(prop::BIRTH_PLACE, &place);
    }
    read_country(party, prop::BIRTH_COUNTRY, birth, notes);
}

/// Identification numbers by type code: passports, tax and social-security
/// numbers, registration numbers, everything else as an id number.
fn read_identification(party: &mut Entity, identification: &Element) {
    let property = match identification.attr("identificationTypeCode").to_ascii_lowercase().as_str()
    {
        "passport" => prop::PASSPORT_NUMBER,
        "tin" | "fiscalcode" | "tax" => prop::TAX_NUMBER,
        "ssn" => prop::SOCIAL_SECURITY_NUMBER,
        "regnumber" => prop::REGISTRATION_NUMBER,
        "swift" | "bic" => prop::SWIFT_BIC,
        "imo" => prop::IMO_NUMBER,
        _ => prop::ID_NUMBER,
    };
    party.add(property, &identification.attr("number"));
    party.add(property, &identification.attr("latinNumber"));
    party.add_all(prop::NOTES, identification.fields(&["remark"]));
}

/// An address as one line; its country also goes to `country`; contact
/// details given with it go to their properties.
fn read_address(party: &mut Entity, address: &Element, notes: &mut Notes) {
    let parts: Vec<String> = ["street", "poBox", "place", "city", "zipCode", "region"]
        .iter()
        .map(|a| address.attr(a))
        .filter(|p| !p.is_empty() && p != "-")
        .collect();
    if !parts.is_empty() {
        let mut line = parts.join(", ");
        let country = address.attr("countryDescription");
        if !country.is_empty() && !country.eq_ignore_ascii_case("unknown") {
            line = format!("{line}, {country}");
        }
        party.add(prop::ADDRESS, &line);
    }
    read_country(party, prop::COUNTRY, address, notes);
    party.add_all(prop::NOTES, address.fields(&["remark"]));
    for contact in address.children("contactInfo") {
        let property = match contact.attr("key").to_ascii_uppercase().as_str() {
            "PHONE" | "FAX" => prop::PHONE,
            "EMAIL" => prop::EMAIL,
            "WEB" => prop::WEBSITE,
            _ => continue,
        };
        party.add(property, &contact.attr("value"));
    }
}
