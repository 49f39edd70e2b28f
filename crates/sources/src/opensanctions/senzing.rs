//! Senzing JSON lines: one record per line, its features grouped in lists
//! (`NAMES`, `DATES`, `COUNTRIES`, `IDENTIFIERS`, `ADDRESSES`, `RISKS`...)
//! or written flat at the top level; both are read.
//!
//! A record is a party when its `RECORD_TYPE` is `PERSON`, `ORGANIZATION`
//! (or `VESSEL`, `AIRCRAFT`). A record with no type that is the anchor of
//! relationships (OpenSanctions exports positions, such as "United States
//! representative", that way) is not a party: it is skipped with an info
//! diagnostic. A record with no type that is no anchor is read as a
//! `LegalEntity`, which matches both persons and organisations: dropping a
//! party of unknown kind would be the costlier mistake.

use std::collections::BTreeMap;
use std::io::BufRead;

use serde_json::{Map, Value};
use vigia_model::{Entity, Location, Schema, Severity, prop};

use super::{diagnostic, for_each_line, json_error};
use crate::generic::cell;
use crate::{Header, Parsed, Result, Sink};

/// FollowTheMoney's property for a Wikidata id (no model constant).
const WIKIDATA_ID: &str = "wikidataId";

/// Reads Senzing JSON lines.
///
/// The entity id is the `RECORD_ID`. `Parsed::records` counts the parties
/// read plus the lines dropped with an error (not JSON, no id, no name);
/// skipped non-party records are not counted.
///
/// # Errors
/// Reading the input failed.
pub fn parse<R: BufRead>(
    input: R,
    file: &str,
    dataset: &str,
    sink: &mut dyn Sink,
) -> Result<Parsed> {
    let mut records = 0;
    // Attributes Vigia does not read, with the number of records that had
    // them: reported once at the end rather than once per record.
    let mut unread: BTreeMap<String, u64> = BTreeMap::new();
    for_each_line(input, file, sink, |line, number, sink| {
        let mut notes = Vec::new();
        match read_record(line, dataset, &mut notes, &mut unread) {
            Outcome::Party(entity) => {
                records += 1;
                for (severity, message) in notes {
                    sink.diagnostic(diagnostic(
                        file,
                        Location::Line(number),
                        severity,
                        format!("{}: {message}", entity.id),
                    ));
                }
                sink.entity(*entity);
            }
            Outcome::Skipped(id, message) => {
                sink.diagnostic(diagnostic(
                    file,
                    Location::Line(number),
                    Severity::Info,
                    with_id(id, message),
                ));
            }
            Outcome::Dropped(id, message) => {
                records += 1;
                sink.diagnostic(diagnostic(
                    file,
                    Location::Line(number),
                    Severity::Error,
                    with_id(id, message),
                ));
            }
        }
    })?;
    for (attribute, count) in unread {
        sink.diagnostic(diagnostic(
            file,
            Location::File,
            Severity::Info,
            format!("attribute {attribute} is not read ({count} record(s) have it)"),
        ));
    }
    Ok(Parsed { header: Header::default(), records })
}

/// A message prefixed with the record id, when known.
fn with_id(id: Option<String>, message: String) -> String {
    match id {
        Some(id) => format!("{id}: {message}"),
        None => message,
    }
}

enum Outcome {
    Party(Box<Entity>),
    Skipped(Option<String>, String),
    Dropped(Option<String>, String),
}

fn read_record(
    line: &[u8],
    dataset: &str,
    notes: &mut Vec<(Severity, String)>,
    unread: &mut BTreeMap<String, u64>,
) -> Outcome {
    let record: Map<String, Value> = match serde_json::from_slice(line) {
        Ok(record) => record,
        Err(err) => {
            return Outcome::Dropped(
                None,
                format!("not a Senzing JSON record: {}", json_error(&err)),
            );
        }
    };
    let id = record.get("RECORD_ID").and_then(scalar).filter(|id| !id.is_empty());
    let Some(id) = id else {
        return Outcome::Dropped(None, "record without a RECORD_ID".into());
    };
    let schema = match record.get("RECORD_TYPE").and_then(scalar).map(|t| t.to_ascii_uppercase()) {
        Some(kind) => match kind.as_str() {
            "PERSON" | "INDIVIDUAL" => Schema::Person,
            "ORGANIZATION" | "ORGANISATION" | "COMPANY" | "BUSINESS" => Schema::Organization,
            "VESSEL" => Schema::Vessel,
            "AIRCRAFT" => Schema::Airplane,
            other => {
                return Outcome::Skipped(
                    Some(id),
                    format!("RECORD_TYPE {other}: not a party, skipped"),
                );
            }
        },
        None if is_anchor(&record) => {
            let name = features(&record)
                .find_map(|(_, group)| group.get("NAME_FULL").and_then(scalar))
                .unwrap_or_default();
            return Outcome::Skipped(
                Some(id),
                format!("no RECORD_TYPE, a relationship anchor ({name:?}): not a party, skipped"),
            );
        }
        None => {
            notes.push((Severity::Info, "no RECORD_TYPE: read as a LegalEntity".into()));
            Schema::LegalEntity
        }
    };

    let mut entity = Entity::new(id.clone(), schema);
    entity.target = Some(true);
    entity.add_dataset(dataset);
    let mut aliases = Vec::new();
    let mut seen_unread = std::collections::BTreeSet::new();
    for (list, group) in features(&record) {
        // Relationship pointers link to records that are positions, not
        // parties: the links are not kept (said once per file).
        if list == "RELATIONSHIPS" {
            seen_unread.insert(list.to_owned());
            continue;
        }
        read_group(&mut entity, group, &id, &mut aliases, notes, &mut seen_unread);
    }
    for attribute in seen_unread {
        *unread.entry(attribute).or_default() += 1;
    }
    // A record with aliases but no primary name is screened under its
    // first alias.
    if !entity.has(prop::NAME)
        && let Some(first) = aliases.first()
    {
        entity.add(prop::NAME, first);
    }
    for alias in &aliases {
        if !entity.get(prop::NAME).contains(alias) {
            entity.add(prop::ALIAS, alias);
        }
    }
    if !entity.has(prop::NAME) {
        return Outcome::Dropped(Some(id), "record without a name".into());
    }
    Outcome::Party(Box::new(entity))
}

/// The attribute groups of a record: every object in a list-valued
/// attribute, and the record itself for flat attributes.
fn features(record: &Map<String, Value>) -> impl Iterator<Item = (&str, &Map<String, Value>)> {
    std::iter::once(("", record)).chain(record.iter().flat_map(|(key, value)| {
        value
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
            .map(move |group| (key.as_str(), group))
    }))
}

/// Whether the record is the anchor that relationships point at.
fn is_anchor(record: &Map<String, Value>) -> bool {
    features(record).any(|(_, group)| group.contains_key("REL_ANCHOR_KEY"))
}

/// A string or number attribute as text.
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.trim().to_owned()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

fn read_group(
    entity: &mut Entity,
    group: &Map<String, Value>,
    id: &str,
    aliases: &mut Vec<String>,
    notes: &mut Vec<(Severity, String)>,
    unread: &mut std::collections::BTreeSet<String>,
) {
    let get = |key: &str| group.get(key).and_then(scalar).filter(|v| !v.is_empty());
    let mut name_read = false;
    let mut address_read = false;
    let mut ids_read = false;
    for (key, value) in group {
        if value.is_array() || value.is_object() || value.is_null() {
            continue;
        }
        let Some(text) = scalar(value).filter(|t| !t.is_empty()) else { continue };
        match key.as_str() {
            "DATA_SOURCE" | "RECORD_ID" | "RECORD_TYPE" | "ENTITY_TYPE" => {}
            "LAST_CHANGE" => entity.last_change = Some(text),
            "URL" => {
                entity.add(prop::SOURCE_URL, &text);
            }
            "NAME_TYPE" | "NAME_FULL" | "NAME_ORG" | "NAME_FIRST" | "NAME_MIDDLE" | "NAME_LAST"
            | "NAME_PREFIX" | "NAME_SUFFIX" => {
                if !name_read {
                    name_read = true;
                    read_name(entity, &get, aliases);
                }
            }
            "DATE_OF_BIRTH" => cell::add_date(entity, prop::BIRTH_DATE, &text, notes),
            "DATE_OF_DEATH" => cell::add_date(entity, prop::DEATH_DATE, &text, notes),
            "REGISTRATION_DATE" => cell::add_date(entity, prop::INCORPORATION_DATE, &text, notes),
            "NATIONALITY" => cell::add_country(entity, prop::NATIONALITY, &text, notes),
            "CITIZENSHIP" => cell::add_country(entity, prop::CITIZENSHIP, &text, notes),
            "COUNTRY_OF_ASSOCIATION" | "COUNTRY" => {
                cell::add_country(entity, prop::COUNTRY, &text, notes)
            }
            "REGISTRATION_COUNTRY" => cell::add_country(entity, prop::JURISDICTION, &text, notes),
            "PLACE_OF_BIRTH" => {
                entity.add(prop::BIRTH_PLACE, &text);
            }
            "GENDER" => cell::add_gender(entity, &text, notes),
            "TOPIC" => {
                entity.add(prop::TOPICS, &text);
            }
            "PASSPORT_NUMBER" => {
                entity.add(prop::PASSPORT_NUMBER, &text);
            }
            "PASSPORT_COUNTRY"
            | "NATIONAL_ID_COUNTRY"
            | "TAX_ID_COUNTRY"
            | "OTHER_ID_COUNTRY"
            | "TRUSTED_ID_TYPE"
            | "OTHER_ID_TYPE"
            | "ADDR_TYPE"
            | "PHONE_TYPE"
            | "NAME_TYPE_CODE" => {}
            "NATIONAL_ID_NUMBER" | "DRIVERS_LICENSE_NUMBER" | "DUNS_NUMBER" | "NPI_NUMBER" => {
                entity.add(prop::ID_NUMBER, &text);
            }
            "TAX_ID_NUMBER" => {
                entity.add(prop::TAX_NUMBER, &text);
            }
            "SSN_NUMBER" => {
                entity.add(prop::SOCIAL_SECURITY_NUMBER, &text);
            }
            "LEI_NUMBER" => {
                entity.add(prop::LEI_CODE, &text);
            }
            "TRUSTED_ID_NUMBER" | "OTHER_ID_NUMBER" => {
                if !ids_read {
                    ids_read = true;
                    read_other_ids(entity, &get, id);
                }
            }
            "ADDR_FULL" | "ADDR_LINE1" | "ADDR_LINE2" | "ADDR_LINE3" | "ADDR_LINE4"
            | "ADDR_LINE5" | "ADDR_LINE6" | "ADDR_CITY" | "ADDR_STATE" | "ADDR_POSTAL_CODE"
            | "ADDR_COUNTRY" => {
                if !address_read {
                    address_read = true;
                    read_address(entity, &get, notes);
                }
            }
            "PHONE_NUMBER" => {
                entity.add(prop::PHONE, &text);
            }
            "EMAIL_ADDRESS" => {
                entity.add(prop::EMAIL, &text);
            }
            "WEBSITE_ADDRESS" => {
                entity.add(prop::WEBSITE, &text);
            }
            other => {
                unread.insert(other.to_owned());
            }
        }
    }
}

/// One name group: `NAME_FULL` or `NAME_ORG`, else the parts joined.
fn read_name(entity: &mut Entity, get: &dyn Fn(&str) -> Option<String>, aliases: &mut Vec<String>) {
    let parts = ["NAME_PREFIX", "NAME_FIRST", "NAME_MIDDLE", "NAME_LAST", "NAME_SUFFIX"]
        .iter()
        .filter_map(|key| get(key))
        .collect::<Vec<_>>()
        .join(" ");
    let Some(full) =
        get("NAME_FULL").or_else(|| get("NAME_ORG")).or(Some(parts).filter(|p| !p.is_empty()))
    else {
        return;
    };
    let primary = get("NAME_TYPE").is_some_and(|t| t.eq_ignore_ascii_case("PRIMARY"));
    if primary {
        entity.add(prop::NAME, &full);
        if entity.schema == Schema::Person {
            for (key, property) in [
                ("NAME_FIRST", prop::FIRST_NAME),
                ("NAME_MIDDLE", prop::MIDDLE_NAME),
                ("NAME_LAST", prop::LAST_NAME),
            ] {
                if let Some(part) = get(key) {
                    entity.add(property, &part);
                }
            }
        }
    } else if !aliases.contains(&full) {
        aliases.push(full);
    }
}

/// `OTHER_ID_*` and `TRUSTED_ID_*`: a Wikidata id has its own property; the
/// OpenSanctions id that equals the record id is not repeated.
fn read_other_ids(entity: &mut Entity, get: &dyn Fn(&str) -> Option<String>, id: &str) {
    for (kind, number) in
        [("TRUSTED_ID_TYPE", "TRUSTED_ID_NUMBER"), ("OTHER_ID_TYPE", "OTHER_ID_NUMBER")]
    {
        let Some(number) = get(number) else { continue };
        match get(kind).map(|k| k.to_ascii_uppercase()).as_deref() {
            Some("WIKIDATA") => {
                entity.add(WIKIDATA_ID, &number);
            }
            Some("OPEN_SANCTIONS") if number == id => {}
            Some("OPEN_SANCTIONS") => {
                if !entity.referents.contains(&number) {
                    entity.referents.push(number);
                }
            }
            _ => {
                entity.add(prop::ID_NUMBER, &number);
            }
        }
    }
}

/// One address group: `ADDR_FULL`, else the lines and parts joined.
fn read_address(
    entity: &mut Entity,
    get: &dyn Fn(&str) -> Option<String>,
    notes: &mut Vec<(Severity, String)>,
) {
    let full = get("ADDR_FULL").unwrap_or_else(|| {
        [
            "ADDR_LINE1",
            "ADDR_LINE2",
            "ADDR_LINE3",
            "ADDR_LINE4",
            "ADDR_LINE5",
            "ADDR_LINE6",
            "ADDR_CITY",
            "ADDR_STATE",
            "ADDR_POSTAL_CODE",
            "ADDR_COUNTRY",
        ]
        .iter()
        .filter_map(|key| get(key))
        .collect::<Vec<_>>()
        .join(", ")
    });
    entity.add(prop::ADDRESS, &full);
    if let Some(country) = get("ADDR_COUNTRY") {
        cell::add_country(entity, prop::COUNTRY, &country, notes);
    }
}
