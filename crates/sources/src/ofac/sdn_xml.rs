//! The legacy `sdn.xml` (and `consolidated.xml`): `sdnList` >
//! `publshInformation` (sic) and `sdnEntry` records with `uid`,
//! `firstName`, `lastName`, `title`, `sdnType`, `remarks`, `programList`,
//! `idList`, `akaList`, `addressList`, `nationalityList`,
//! `citizenshipList`, `dateOfBirthList`, `placeOfBirthList`, `vesselInfo`.

use std::io::BufRead;

use vigia_model::{Location, Schema, Severity, prop};

use super::remarks::{Kind, Party};
use super::xml::{Node, Records};
use super::{LinkBook, PersonName, diagnostic, emit_party, party_schema};
use crate::{Error, Header, Parsed, Result, Sink};

pub(super) fn parse<R: BufRead>(
    input: R,
    file: &str,
    dataset: &str,
    sink: &mut dyn Sink,
) -> Result<Parsed> {
    let mut records = Records::new(input, &["sdnList"]);
    let mut header = Header::default();
    let mut count = 0u64;
    let mut links = LinkBook::default();
    let capture = |path: &[String], name: &str| {
        path.len() == 1 && (name == "sdnEntry" || name == "publshInformation")
    };
    loop {
        match records.next(capture) {
            Ok(Some(node)) if node.name == "publshInformation" => {
                header.published = node.child_text("Publish_Date").and_then(us_date);
                header.stated_count =
                    node.child_text("Record_Count").and_then(|c| c.replace(',', "").parse().ok());
            }
            Ok(Some(node)) => {
                count += 1;
                read_entry(&node, count, file, dataset, &mut links, sink);
            }
            Ok(None) => break,
            Err(error) => {
                error.settle(file, count, sink)?;
                break;
            }
        }
    }
    if count == 0 {
        return Err(Error::Malformed {
            file: file.to_owned(),
            location: Location::File,
            message: "no sdnEntry records in the file".into(),
        });
    }
    links.finish(file, dataset, sink);
    Ok(Parsed { header, records: count })
}

/// OFAC's `MM/DD/YYYY` publication date as an ISO date.
pub(super) fn us_date(text: &str) -> Option<String> {
    let mut parts = text.trim().split('/');
    let (month, day, year) = (parts.next()?, parts.next()?, parts.next()?);
    let date = vigia_model::PartialDate::ymd(
        year.trim().parse().ok()?,
        month.trim().parse().ok()?,
        day.trim().parse().ok()?,
    )?;
    Some(date.to_string())
}

fn read_entry(
    node: &Node,
    number: u64,
    file: &str,
    dataset: &str,
    links: &mut LinkBook,
    sink: &mut dyn Sink,
) {
    let uid = node.child_text("uid").filter(|u| u.bytes().all(|b| b.is_ascii_digit()));
    let location = Location::Record { number, id: uid.map(str::to_owned) };
    let Some(uid) = uid else {
        sink.diagnostic(diagnostic(
            file,
            location,
            Severity::Error,
            "sdnEntry without a numeric uid dropped".into(),
        ));
        return;
    };
    let schema = party_schema(node.child_text("sdnType").unwrap_or(""));
    let first = node.child_text("firstName").unwrap_or("");
    let last = node.child_text("lastName").unwrap_or("");
    let mut party = Party::new(uid, schema);
    if party.entity.schema == Schema::Person {
        let name = PersonName::from_parts(first, last);
        party.entity.add(prop::NAME, &name.full);
        if let Some(first) = &name.first {
            party.entity.add(prop::FIRST_NAME, first);
        }
        if let Some(last) = &name.last {
            party.entity.add(prop::LAST_NAME, last);
        }
        // "Linked To" remarks write person names the CSV way.
        if !first.is_empty() {
            links.primary_name(&party.entity.id, &format!("{last}, {first}"));
        }
    } else {
        party.entity.add(prop::NAME, &[first, last].join(" "));
    }
    let Some(name) = party.entity.first(prop::NAME).map(str::to_owned) else {
        sink.diagnostic(diagnostic(
            file,
            location,
            Severity::Error,
            format!("entry {uid} has no name; dropped"),
        ));
        return;
    };
    links.primary_name(&party.entity.id, &name);
    if let Some(title) = node.child_text("title") {
        party.apply(Kind::Title, title, &format!("Title {title}"));
    }
    if let Some(list) = node.child("programList") {
        party.sanction.programs = list
            .children("program")
            .map(Node::text)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect();
        links.programs(&party.entity.id, &party.sanction.programs);
    }
    if let Some(remarks) = node.child_text("remarks") {
        party.mine_remarks(remarks);
    }
    for id in node.child("idList").iter().flat_map(|l| l.children("id")) {
        if let (Some(kind), Some(value)) = (id.child_text("idType"), id.child_text("idNumber")) {
            party.labelled(kind, value);
        }
    }
    for aka in node.child("akaList").iter().flat_map(|l| l.children("aka")) {
        let first = aka.child_text("firstName").unwrap_or("");
        let last = aka.child_text("lastName").unwrap_or("");
        let alias = if party.entity.schema == Schema::Person {
            PersonName::from_parts(first, last).full
        } else {
            [first, last].join(" ").trim().to_owned()
        };
        if alias.is_empty() {
            continue;
        }
        let weak = aka.child_text("category").is_some_and(|c| c.eq_ignore_ascii_case("weak"));
        let former =
            aka.child_text("type").is_some_and(|t| t.to_ascii_lowercase().starts_with("f.k.a"));
        let property = match (weak, former) {
            (_, true) => prop::PREVIOUS_NAME,
            (true, false) => prop::WEAK_ALIAS,
            (false, false) => prop::ALIAS,
        };
        party.entity.add(property, &alias);
        links.other_name(&party.entity.id, &alias);
    }
    for address in node.child("addressList").iter().flat_map(|l| l.children("address")) {
        let parts: Vec<&str> = [
            "address1",
            "address2",
            "address3",
            "city",
            "stateOrProvince",
            "postalCode",
            "country",
        ]
        .iter()
        .filter_map(|name| address.child_text(name))
        .collect();
        if !parts.is_empty() {
            party.entity.add(prop::ADDRESS, &parts.join(", "));
        }
        if let Some(country) = address.child_text("country") {
            party.address_country(country);
        }
    }
    for item in node.child("nationalityList").iter().flat_map(|l| l.children("nationality")) {
        if let Some(country) = item.child_text("country") {
            party.apply(Kind::Nationality, country, &format!("nationality {country}"));
        }
    }
    for item in node.child("citizenshipList").iter().flat_map(|l| l.children("citizenship")) {
        if let Some(country) = item.child_text("country") {
            party.apply(Kind::Citizenship, country, &format!("citizen {country}"));
        }
    }
    for item in node.child("dateOfBirthList").iter().flat_map(|l| l.children("dateOfBirthItem")) {
        if let Some(date) = item.child_text("dateOfBirth") {
            party.apply(Kind::BirthDate, date, &format!("DOB {date}"));
        }
    }
    for item in node.child("placeOfBirthList").iter().flat_map(|l| l.children("placeOfBirthItem")) {
        if let Some(place) = item.child_text("placeOfBirth") {
            party.apply(Kind::BirthPlace, place, &format!("POB {place}"));
        }
    }
    if let Some(vessel) = node.child("vesselInfo") {
        for (label, field) in [
            ("Vessel Call Sign", "callSign"),
            ("Vessel Type", "vesselType"),
            ("Vessel Flag", "vesselFlag"),
            ("Vessel Owner", "vesselOwner"),
            ("Vessel Tonnage", "tonnage"),
            ("Vessel Gross Registered Tonnage", "grossRegisteredTonnage"),
        ] {
            if let Some(value) = vessel.child_text(field) {
                party.labelled(label, value);
            }
        }
    }
    for link in std::mem::take(&mut party.links) {
        links.link(&party.entity.id, &link, location.clone());
    }
    for (severity, message) in std::mem::take(&mut party.issues) {
        sink.diagnostic(diagnostic(file, location.clone(), severity, message));
    }
    emit_party(party, dataset, sink);
}
