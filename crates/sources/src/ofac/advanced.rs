//! OFAC `sdn_advanced.xml`: `Sanctions` > `DateOfIssue`,
//! `ReferenceValueSets`, `Locations`, `IDRegDocuments`, `DistinctParties`,
//! `ProfileRelationships`, `SanctionsEntries`, in that order (the XSD's).
//!
//! Everything in a party refers to the reference value sets by id (its
//! feature types, name part types, countries), to `Locations` (addresses,
//! places of birth, nationalities) and to `IDRegDocuments` (passports,
//! registration numbers). Those come first and are kept. Each
//! `DistinctParty` is converted when it is complete; the programmes it is
//! listed under are in its `SanctionsEntry`, which comes later, so the
//! converted party waits for it (ADR 0013). Relationships between profiles
//! ("Linked To", "Owned or Controlled By") become `UnknownLink` entities.

use std::collections::{HashMap, HashSet};
use std::io::BufRead;

use vigia_model::{Entity, Location, PartialDate, Schema, Severity, prop};

use super::remarks::{Kind, Party, country_code, kind_of_label};
use super::xml::{Node, Records};
use super::{diagnostic, emit_party, party_id, push_unique};
use crate::{Error, Header, Parsed, Result, Sink};

/// The reference value sets: element name and id → text and attributes.
#[derive(Default)]
struct References {
    values: HashMap<(String, String), Node>,
}

impl References {
    fn load(&mut self, sets: Node) {
        for set in sets.children {
            for value in set.children {
                if let Some(id) = value.attr("ID").map(str::to_owned) {
                    self.values.insert((value.name.clone(), id), value);
                }
            }
        }
    }

    fn get(&self, kind: &str, id: Option<&str>) -> Option<&Node> {
        self.values.get(&(kind.to_owned(), id?.to_owned()))
    }

    /// The text of a reference value ("Passport" for an IDRegDocType id).
    fn name(&self, kind: &str, id: Option<&str>) -> Option<&str> {
        self.get(kind, id).map(Node::text).filter(|t| !t.is_empty())
    }

    /// A country reference as a FollowTheMoney code: its ISO2 attribute,
    /// else its name.
    fn country(&self, id: Option<&str>) -> Option<&'static str> {
        let country = self.get("Country", id)?;
        country
            .attr("ISO2")
            .and_then(vigia_model::country::code_for)
            .or_else(|| country_code(country.text()))
    }
}

/// A location reduced to what parties use.
struct Place {
    /// The parts in document order, then the country name.
    text: String,
    /// The country: its code when the reference set gives one, else its
    /// name as written.
    country: Option<String>,
}

/// The state of one advanced file being read.
struct Reader<'a> {
    file: &'a str,
    dataset: &'a str,
    references: References,
    places: HashMap<String, Place>,
    /// Identity id → documents (type name, number).
    documents: HashMap<String, Vec<(String, String)>>,
    /// Profile id → entity id of every party read.
    profiles: HashMap<String, String>,
    /// Parties waiting for their sanctions entry, by profile id.
    pending: HashMap<String, (Party, u64)>,
    /// Profiles whose party has been emitted.
    emitted: HashSet<String>,
    records: u64,
    header: Header,
}

pub(super) fn parse<R: BufRead>(
    input: R,
    file: &str,
    dataset: &str,
    sink: &mut dyn Sink,
) -> Result<Parsed> {
    let mut records = Records::new(input, &["Sanctions"]);
    let mut reader = Reader {
        file,
        dataset,
        references: References::default(),
        places: HashMap::new(),
        documents: HashMap::new(),
        profiles: HashMap::new(),
        pending: HashMap::new(),
        emitted: HashSet::new(),
        records: 0,
        header: Header::default(),
    };
    let capture = |path: &[String], name: &str| match path {
        [_] => matches!(name, "DateOfIssue" | "ReferenceValueSets"),
        [_, section] => matches!(
            (section.as_str(), name),
            ("Locations", "Location")
                | ("IDRegDocuments", "IDRegDocument")
                | ("DistinctParties", "DistinctParty")
                | ("ProfileRelationships", "ProfileRelationship")
                | ("SanctionsEntries", "SanctionsEntry")
        ),
        _ => false,
    };
    loop {
        match records.next(capture) {
            Ok(Some(node)) => reader.node(node, sink),
            Ok(None) => break,
            Err(error) => {
                error.settle(file, reader.records, sink)?;
                break;
            }
        }
    }
    if reader.records == 0 {
        return Err(Error::Malformed {
            file: file.to_owned(),
            location: Location::File,
            message: "no DistinctParty records in the file".into(),
        });
    }
    // Parties without a sanctions entry: emitted without programmes.
    let mut rest: Vec<(Party, u64)> = reader.pending.drain().map(|(_, p)| p).collect();
    rest.sort_by_key(|(_, number)| *number);
    for (party, number) in rest {
        let location = Location::Record {
            number,
            id: Some(party.entity.id.trim_start_matches("ofac-").to_owned()),
        };
        sink.diagnostic(diagnostic(
            file,
            location,
            Severity::Warning,
            "party has no sanctions entry in the file: its programmes are unknown".into(),
        ));
        emit_party(party, dataset, sink);
    }
    Ok(Parsed { header: reader.header, records: reader.records })
}

/// The date of a `Year`/`Month`/`Day` element.
fn date_of(node: &Node) -> Option<PartialDate> {
    let number = |name: &str| node.child_text(name).and_then(|t| t.parse::<u32>().ok());
    let year = u16::try_from(number("Year")?).ok()?;
    match (number("Month"), number("Day")) {
        (Some(month), Some(day)) => {
            PartialDate::ymd(year, u8::try_from(month).ok()?, u8::try_from(day).ok()?)
        }
        (Some(month), None) => PartialDate::month(year, u8::try_from(month).ok()?),
        _ => PartialDate::year(year),
    }
}

/// A `DatePeriod` as a date text `remarks::dates` reads: one day, a month
/// or year when the period covers exactly that, else a range.
fn period_text(period: &Node) -> Option<String> {
    let start = period.child("Start");
    let end = period.child("End");
    let from = start.and_then(|s| s.child("From").or_else(|| s.child("To"))).and_then(date_of);
    let to = end.and_then(|e| e.child("To").or_else(|| e.child("From"))).and_then(date_of).or(from);
    let from = from.or(to)?;
    let to = to.unwrap_or(from);
    if from == to {
        return Some(from.to_string());
    }
    let first_of_year = from.month == Some(1) && from.day == Some(1);
    let last_of_year = to.month == Some(12) && to.day == Some(31);
    if first_of_year && last_of_year {
        return Some(if from.year == to.year {
            from.year.to_string()
        } else {
            format!("{} to {}", from.year, to.year)
        });
    }
    if from.year == to.year && from.month == to.month && from.day == Some(1) {
        let next =
            to.day.map(|d| d + 1).and_then(|d| PartialDate::ymd(to.year, to.month.unwrap_or(1), d));
        if next.is_none() {
            return PartialDate::month(from.year, from.month.unwrap_or(1)).map(|d| d.to_string());
        }
    }
    Some(format!("{from} to {to}"))
}

impl Reader<'_> {
    fn node(&mut self, node: Node, sink: &mut dyn Sink) {
        match node.name.as_str() {
            "DateOfIssue" => self.header.published = date_of(&node).map(|d| d.to_string()),
            "ReferenceValueSets" => self.references.load(node),
            "Location" => self.location(&node),
            "IDRegDocument" => self.document(&node),
            "DistinctParty" => self.party(&node, sink),
            "ProfileRelationship" => self.relationship(&node, sink),
            "SanctionsEntry" => self.sanctions_entry(&node, sink),
            _ => {}
        }
    }

    fn location(&mut self, node: &Node) {
        let Some(id) = node.attr("ID") else { return };
        let mut parts: Vec<String> = Vec::new();
        for part in node.children("LocationPart") {
            let values: Vec<&Node> = part.children("LocationPartValue").collect();
            let value = values
                .iter()
                .find(|v| v.attr("Primary") == Some("true"))
                .or(values.first())
                .and_then(|v| v.child_text("Value"));
            if let Some(value) = value {
                parts.push(value.to_owned());
            }
        }
        let country_id = node.child("LocationCountry").and_then(|c| c.attr("CountryID"));
        let name = self.references.name("Country", country_id);
        if let Some(name) = name {
            parts.push(name.to_owned());
        }
        let country = self
            .references
            .country(country_id)
            .map(str::to_owned)
            .or_else(|| name.map(str::to_owned));
        self.places.insert(id.to_owned(), Place { text: parts.join(", "), country });
    }

    fn document(&mut self, node: &Node) {
        let (Some(identity), Some(number)) =
            (node.attr("IdentityID"), node.child_text("IDRegistrationNo"))
        else {
            return;
        };
        let kind = self
            .references
            .name("IDRegDocType", node.attr("IDRegDocTypeID"))
            .unwrap_or("Identification Number");
        self.documents
            .entry(identity.to_owned())
            .or_default()
            .push((kind.to_owned(), number.to_owned()));
    }

    fn party(&mut self, node: &Node, sink: &mut dyn Sink) {
        self.records += 1;
        let number = self.records;
        let fixed = node
            .attr("FixedRef")
            .filter(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()));
        let location = Location::Record { number, id: fixed.map(str::to_owned) };
        let Some(fixed) = fixed else {
            sink.diagnostic(diagnostic(
                self.file,
                location,
                Severity::Error,
                "DistinctParty without a numeric FixedRef dropped".into(),
            ));
            return;
        };
        let Some(profile) = node.child("Profile") else {
            sink.diagnostic(diagnostic(
                self.file,
                location,
                Severity::Error,
                format!("party {fixed} has no profile; dropped"),
            ));
            return;
        };
        let subtype = self.references.get("PartySubType", profile.attr("PartySubTypeID"));
        let subtype_name = subtype.map(Node::text).unwrap_or("");
        let party_type = self
            .references
            .name("PartyType", subtype.and_then(|s| s.attr("PartyTypeID")))
            .unwrap_or("");
        let schema = match (
            subtype_name.to_ascii_lowercase().as_str(),
            party_type.to_ascii_lowercase().as_str(),
        ) {
            ("vessel", _) => Schema::Vessel,
            ("aircraft", _) => Schema::Airplane,
            (_, "individual") => Schema::Person,
            _ => Schema::Organization,
        };
        let mut party = Party::new(fixed, schema);
        for identity in profile.children("Identity") {
            self.identity(identity, &mut party);
        }
        if !party.entity.has(prop::NAME) {
            // No alias marked primary: the first strong name stands in.
            let stand_in = party.entity.first(prop::ALIAS).map(str::to_owned);
            match stand_in {
                Some(name) => {
                    party.entity.add(prop::NAME, &name);
                }
                None => {
                    sink.diagnostic(diagnostic(
                        self.file,
                        location,
                        Severity::Error,
                        format!("party {fixed} has no name; dropped"),
                    ));
                    return;
                }
            }
        }
        for feature in profile.children("Feature") {
            self.feature(feature, &mut party);
        }
        for (severity, message) in std::mem::take(&mut party.issues) {
            sink.diagnostic(diagnostic(self.file, location.clone(), severity, message));
        }
        let profile_id = profile.attr("ID").unwrap_or(fixed).to_owned();
        self.profiles.insert(profile_id.clone(), party_id(fixed));
        self.pending.insert(profile_id, (party, number));
    }

    fn identity(&self, identity: &Node, party: &mut Party) {
        // Name part group id → name part type ("Last Name", "First Name").
        let mut groups: HashMap<&str, &str> = HashMap::new();
        let mut group_nodes = Vec::new();
        identity.descendants("NamePartGroup", &mut group_nodes);
        for group in group_nodes {
            if let Some(id) = group.attr("ID") {
                let kind = self
                    .references
                    .name("NamePartType", group.attr("NamePartTypeID"))
                    .unwrap_or("");
                groups.insert(id, kind);
            }
        }
        for alias in identity.children("Alias") {
            let alias_type = self
                .references
                .name("AliasType", alias.attr("AliasTypeID"))
                .unwrap_or("")
                .to_ascii_lowercase();
            let primary = alias.attr("Primary") == Some("true");
            let weak = alias.attr("LowQuality") == Some("true");
            for documented in alias.children("DocumentedName") {
                let mut parts: Vec<(&str, &str)> = Vec::new();
                for part in documented.children("DocumentedNamePart") {
                    if let Some(value) = part.child("NamePartValue") {
                        let kind = value
                            .attr("NamePartGroupID")
                            .and_then(|g| groups.get(g))
                            .copied()
                            .unwrap_or("");
                        if !value.text().is_empty() {
                            parts.push((kind, value.text()));
                        }
                    }
                }
                self.name(party, &parts, primary, weak, &alias_type);
            }
        }
        if let Some(documents) = identity.attr("ID").and_then(|id| self.documents.get(id)) {
            for (kind, number) in documents {
                party.labelled(kind, number);
            }
        }
    }

    /// One documented name: the primary name with its parts, or an alias.
    fn name(
        &self,
        party: &mut Party,
        parts: &[(&str, &str)],
        primary: bool,
        weak: bool,
        alias_type: &str,
    ) {
        const ORDER: [&str; 6] =
            ["first name", "middle name", "patronymic", "last name", "matronymic", "maiden name"];
        let rank = |kind: &str| {
            ORDER.iter().position(|o| kind.eq_ignore_ascii_case(o)).unwrap_or(ORDER.len())
        };
        let mut sorted: Vec<(&str, &str)> = parts.to_vec();
        if party.entity.schema == Schema::Person {
            sorted.sort_by_key(|(kind, _)| rank(kind));
        }
        let full = sorted.iter().map(|(_, v)| *v).collect::<Vec<_>>().join(" ");
        if full.trim().is_empty() {
            return;
        }
        if primary && !party.entity.has(prop::NAME) {
            party.entity.add(prop::NAME, &full);
            if party.entity.schema == Schema::Person {
                for (kind, value) in parts {
                    let property = match kind.to_ascii_lowercase().as_str() {
                        "first name" => prop::FIRST_NAME,
                        "middle name" => prop::MIDDLE_NAME,
                        "last name" => prop::LAST_NAME,
                        "patronymic" => prop::FATHER_NAME,
                        "matronymic" => prop::MOTHER_NAME,
                        _ => continue,
                    };
                    party.entity.add(property, value);
                }
            }
            return;
        }
        // A former name stays a former name even when OFAC rates it weak,
        // as in the other formats.
        let property = if alias_type.starts_with("f.k.a") {
            prop::PREVIOUS_NAME
        } else if weak {
            prop::WEAK_ALIAS
        } else {
            prop::ALIAS
        };
        if party.entity.first(prop::NAME) != Some(full.as_str()) {
            party.entity.add(property, &full);
        }
    }

    fn feature(&self, feature: &Node, party: &mut Party) {
        let type_name = self
            .references
            .name("FeatureType", feature.attr("FeatureTypeID"))
            .unwrap_or("Feature")
            .to_owned();
        let kind = kind_of_label(&type_name);
        for version in feature.children("FeatureVersion") {
            if let Some(text) = version.child("DatePeriod").and_then(period_text) {
                party.labelled(&type_name, &text);
            }
            for place in version.children("VersionLocation") {
                let Some(place) = place.attr("LocationID").and_then(|id| self.places.get(id))
                else {
                    continue;
                };
                match kind {
                    Some(Kind::Address) | None => party.address(&place.text),
                    Some(Kind::BirthPlace) => party.labelled(&type_name, &place.text),
                    Some(_) => {
                        party.labelled(&type_name, place.country.as_deref().unwrap_or(&place.text))
                    }
                }
            }
            for detail in version.children("VersionDetail") {
                let value = self
                    .references
                    .name("DetailReference", detail.attr("DetailReferenceID"))
                    .unwrap_or_else(|| detail.text());
                party.labelled(&type_name, value);
            }
        }
    }

    fn relationship(&self, node: &Node, sink: &mut dyn Sink) {
        let from = node.attr("From-ProfileID").and_then(|p| self.profiles.get(p));
        let to = node.attr("To-ProfileID").and_then(|p| self.profiles.get(p));
        let role = self
            .references
            .name("RelationType", node.attr("RelationTypeID"))
            .unwrap_or("Linked To");
        let (Some(from), Some(to)) = (from, to) else {
            sink.diagnostic(diagnostic(
                self.file,
                Location::Record { number: self.records, id: node.attr("ID").map(str::to_owned) },
                Severity::Info,
                format!("relationship {:?} between profiles not in this file; dropped", role),
            ));
            return;
        };
        let mut link = Entity::new(format!("{from}-link-{to}"), Schema::UnknownLink);
        link.add(prop::SUBJECT, from);
        link.add(prop::OBJECT, to);
        link.add(prop::ROLE, role);
        link.add_dataset(self.dataset);
        sink.entity(link);
    }

    fn sanctions_entry(&mut self, node: &Node, sink: &mut dyn Sink) {
        let Some(profile) = node.attr("ProfileID") else { return };
        let Some((mut party, _)) = self.pending.remove(profile) else {
            let message = if self.emitted.contains(profile) {
                "a second sanctions entry for a party already read; its programmes are not added"
            } else {
                "sanctions entry for a profile not in this file; ignored"
            };
            sink.diagnostic(diagnostic(
                self.file,
                Location::Record { number: self.records, id: Some(profile.to_owned()) },
                Severity::Warning,
                message.into(),
            ));
            return;
        };
        for measure in node.children("SanctionsMeasure") {
            let kind = self
                .references
                .name("SanctionsType", measure.attr("SanctionsTypeID"))
                .unwrap_or("");
            let comment = measure.child_text("Comment");
            match comment {
                Some(code) if kind.eq_ignore_ascii_case("program") => {
                    push_unique(&mut party.sanction.programs, code);
                }
                Some(comment) => {
                    push_unique(&mut party.sanction.provisions, &format!("{kind}: {comment}"))
                }
                None if !kind.is_empty() => push_unique(&mut party.sanction.provisions, kind),
                None => {}
            }
        }
        for event in node.children("EntryEvent") {
            let kind = self
                .references
                .name("EntryEventType", event.attr("EntryEventTypeID"))
                .unwrap_or("");
            if let Some(date) = event.child("Date").and_then(date_of)
                && (kind.to_ascii_lowercase().contains("creat")
                    || node.children("EntryEvent").count() == 1)
            {
                push_unique(&mut party.sanction.listing_dates, &date.to_string());
            }
        }
        self.emitted.insert(profile.to_owned());
        emit_party(party, self.dataset, sink);
    }
}
