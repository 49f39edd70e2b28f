//! The column mapping of a generic CSV watchlist.
//!
//! A [`Mapping`] says which column holds what: the id, the schema, or a
//! FollowTheMoney property. Columns it does not list are recognised by
//! well-known header names ([`Mapping::well_known`]) unless that is turned
//! off. The user-facing description, with examples, is
//! `docs/guide/generic-csv.md`; keep the two in step.

use std::collections::BTreeMap;

use serde::Deserialize;
use vigia_model::{Schema, prop};

/// What a column holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    /// The entity id (unique within the list).
    Id,
    /// The schema (`Person`, `Company`, `Organization`, `Vessel`, ... or
    /// synonyms such as `individual`, `entity`).
    Schema,
    /// A FollowTheMoney property (`name`, `alias`, `birthDate`, ...).
    Property(String),
    /// Nothing: the column is read past without a note.
    Ignore,
}

impl Target {
    /// Parses a target as a mapping file writes it: `id`, `schema`,
    /// `ignore`, a FollowTheMoney property name (`birthDate`) or a
    /// well-known header name (`birth_date`, `dob`).
    ///
    /// # Errors
    /// The text is none of these.
    pub fn parse(text: &str) -> Result<Target, MappingError> {
        let text = text.trim();
        match text {
            "id" => return Ok(Target::Id),
            "schema" => return Ok(Target::Schema),
            "ignore" => return Ok(Target::Ignore),
            _ => {}
        }
        if let Some(target) = Mapping::well_known(text) {
            return Ok(target);
        }
        let mut chars = text.chars();
        let valid = chars.next().is_some_and(|c| c.is_ascii_lowercase())
            && chars.all(|c| c.is_ascii_alphanumeric());
        if valid {
            Ok(Target::Property(text.to_owned()))
        } else {
            Err(MappingError(format!(
                "{text:?} is not a target: use id, schema, ignore, a FollowTheMoney property \
                 name (birthDate) or a well-known column name (birth_date)"
            )))
        }
    }
}

/// How numeric dates with two small numbers (`04/05/1980`) are read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DateOrder {
    /// Day first, as most of the world and the EU, UK and UN lists write
    /// it (`04/05/1980` is 4 May 1980). A date impossible that way
    /// (`12/31/1980`) is read month first.
    #[default]
    DayFirst,
    /// Month first, as in the United States (`04/05/1980` is 5 April 1980).
    MonthFirst,
}

/// A mapping file or value that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column mapping: {0}")]
pub struct MappingError(pub String);

/// How the columns of a generic CSV watchlist map to entities.
///
/// [`Mapping::default`] maps well-known header names only, splits
/// multi-valued cells at `;`, detects the delimiter and reads rows without
/// a schema as `LegalEntity` (matched by person and organisation queries
/// alike).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// Normalised header → target, for the columns listed explicitly.
    columns: BTreeMap<String, Target>,
    /// The field delimiter; `None` detects it from the header row.
    pub delimiter: Option<u8>,
    /// The separator of several values in one cell.
    pub separator: String,
    /// The schema of rows that have no schema column or an empty cell.
    pub schema: Schema,
    /// Whether columns not listed are recognised by well-known names.
    pub well_known_headers: bool,
    /// How numeric dates are read.
    pub date_order: DateOrder,
}

impl Default for Mapping {
    fn default() -> Mapping {
        Mapping {
            columns: BTreeMap::new(),
            delimiter: None,
            separator: ";".into(),
            schema: Schema::LegalEntity,
            well_known_headers: true,
            date_order: DateOrder::DayFirst,
        }
    }
}

/// A mapping file, as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    delimiter: Option<String>,
    separator: Option<String>,
    schema: Option<String>,
    well_known_headers: Option<bool>,
    date_order: Option<String>,
    #[serde(default)]
    columns: BTreeMap<String, String>,
}

impl Mapping {
    /// Reads a mapping from TOML (see `docs/guide/generic-csv.md`).
    ///
    /// # Errors
    /// The text is not TOML, has unknown keys, or a value is invalid.
    pub fn from_toml_str(text: &str) -> Result<Mapping, MappingError> {
        let file: MappingFile = toml::from_str(text).map_err(|e| MappingError(e.to_string()))?;
        Mapping::from_file(file)
    }

    /// Reads a mapping from JSON, with the same keys as the TOML form.
    ///
    /// # Errors
    /// The text is not JSON, has unknown keys, or a value is invalid.
    pub fn from_json_str(text: &str) -> Result<Mapping, MappingError> {
        let file: MappingFile =
            serde_json::from_str(text).map_err(|e| MappingError(e.to_string()))?;
        Mapping::from_file(file)
    }

    /// Reads a mapping file: JSON when its name ends in `.json`, TOML
    /// otherwise. Errors name the file.
    ///
    /// # Errors
    /// The file cannot be read or is not a valid mapping.
    pub fn read(path: &std::path::Path) -> Result<Mapping, MappingError> {
        let name = path.display();
        let text =
            std::fs::read_to_string(path).map_err(|e| MappingError(format!("{name}: {e}")))?;
        let json = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
        let mapping =
            if json { Mapping::from_json_str(&text) } else { Mapping::from_toml_str(&text) };
        mapping.map_err(|e| MappingError(format!("{name}: {}", e.0)))
    }

    fn from_file(file: MappingFile) -> Result<Mapping, MappingError> {
        let mut mapping = Mapping::default();
        if let Some(delimiter) = file.delimiter {
            mapping.delimiter = Some(match delimiter.as_str() {
                "\\t" | "\t" | "tab" => b'\t',
                d if d.len() == 1 && d.is_ascii() && d != "\"" && d != "\n" => d.as_bytes()[0],
                d => {
                    return Err(MappingError(format!(
                        "delimiter {d:?}: one ASCII character, or \"tab\""
                    )));
                }
            });
        }
        if let Some(separator) = file.separator {
            if separator.is_empty() {
                return Err(MappingError("separator: must not be empty".into()));
            }
            mapping.separator = separator;
        }
        if let Some(schema) = file.schema {
            mapping.schema = parse_schema(&schema).ok_or_else(|| {
                MappingError(format!("schema {schema:?} is not a schema Vigia knows"))
            })?;
        }
        if let Some(well_known) = file.well_known_headers {
            mapping.well_known_headers = well_known;
        }
        if let Some(order) = file.date_order {
            mapping.date_order = match order.as_str() {
                "day-first" | "day_first" | "dmy" => DateOrder::DayFirst,
                "month-first" | "month_first" | "mdy" => DateOrder::MonthFirst,
                other => {
                    return Err(MappingError(format!(
                        "date_order {other:?}: use \"day-first\" or \"month-first\""
                    )));
                }
            };
        }
        for (header, target) in file.columns {
            let target = Target::parse(&target)
                .map_err(|e| MappingError(format!("column {header:?}: {}", e.0)))?;
            mapping = mapping.with_column(&header, target);
        }
        if mapping.delimiter.is_some_and(|d| mapping.separator.as_bytes() == [d]) {
            return Err(MappingError("separator: must differ from the delimiter".into()));
        }
        Ok(mapping)
    }

    /// The mapping with another schema for rows that give none.
    pub fn with_schema(mut self, schema: Schema) -> Mapping {
        self.schema = schema;
        self
    }

    /// The mapping with another way of reading numeric dates.
    pub fn with_date_order(mut self, order: DateOrder) -> Mapping {
        self.date_order = order;
        self
    }

    /// The mapping with one more column listed.
    pub fn with_column(mut self, header: &str, target: Target) -> Mapping {
        self.columns.insert(normalize_header(header), target);
        self
    }

    /// What a column holds: the listed target, else (unless turned off) the
    /// well-known one; `None` for a column nothing maps.
    pub fn target_of(&self, header: &str) -> Option<Target> {
        let key = normalize_header(header);
        if let Some(target) = self.columns.get(&key) {
            return Some(target.clone());
        }
        self.well_known_headers.then(|| Mapping::well_known(&key)).flatten()
    }

    /// The target of a well-known header name (compared case-insensitively,
    /// with spaces, hyphens and dots read as underscores).
    pub fn well_known(header: &str) -> Option<Target> {
        let key = normalize_header(header);
        let target = match key.as_str() {
            "id" | "entity_id" | "record_id" | "list_id" | "uid" | "reference" | "ref" => {
                return Some(Target::Id);
            }
            "schema" | "type" | "entity_type" | "party_type" | "record_type" | "kind" => {
                return Some(Target::Schema);
            }
            "name" | "full_name" | "entity_name" | "party_name" | "primary_name" | "whole_name" => {
                prop::NAME
            }
            "alias" | "aliases" | "aka" | "a_k_a" | "also_known_as" | "alt_names"
            | "alternative_names" | "other_names" => prop::ALIAS,
            "weak_alias" | "weak_aliases" | "nickname" | "nicknames" => prop::WEAK_ALIAS,
            "previous_name" | "previous_names" | "former_name" | "former_names" | "fka" => {
                prop::PREVIOUS_NAME
            }
            "first_name" | "given_name" | "given_names" | "forename" => prop::FIRST_NAME,
            "middle_name" => prop::MIDDLE_NAME,
            "last_name" | "surname" | "family_name" => prop::LAST_NAME,
            "father_name" | "patronymic" => prop::FATHER_NAME,
            "title" => prop::TITLE,
            "position" | "role" | "occupation" => prop::POSITION,
            "birth_date" | "dob" | "date_of_birth" | "birthdate" => prop::BIRTH_DATE,
            "birth_place" | "place_of_birth" | "pob" => prop::BIRTH_PLACE,
            "birth_country" | "country_of_birth" => prop::BIRTH_COUNTRY,
            "death_date" | "date_of_death" => prop::DEATH_DATE,
            "gender" | "sex" => prop::GENDER,
            "nationality" | "nationalities" => prop::NATIONALITY,
            "citizenship" | "citizenships" => prop::CITIZENSHIP,
            "country" | "countries" | "country_code" => prop::COUNTRY,
            "jurisdiction" => prop::JURISDICTION,
            "id_number" | "id_numbers" | "national_id" | "identification" | "identifier"
            | "document_number" => prop::ID_NUMBER,
            "passport" | "passport_number" | "passport_no" => prop::PASSPORT_NUMBER,
            "tax_id" | "tax_number" | "tin" | "vat_number" => prop::TAX_NUMBER,
            "registration_number" | "company_number" | "reg_number" => prop::REGISTRATION_NUMBER,
            "lei" | "lei_code" => prop::LEI_CODE,
            "bic" | "swift" | "swift_bic" => prop::SWIFT_BIC,
            "imo" | "imo_number" => prop::IMO_NUMBER,
            "address" | "addresses" | "full_address" => prop::ADDRESS,
            "email" | "emails" | "email_address" => prop::EMAIL,
            "phone" | "phones" | "phone_number" | "telephone" => prop::PHONE,
            "website" | "url" | "web" => prop::WEBSITE,
            "notes" | "note" | "remarks" | "comments" | "comment" | "reason" | "description" => {
                prop::NOTES
            }
            "program" | "programme" | "programs" | "programmes" | "list" | "sanctions_program" => {
                prop::PROGRAM
            }
            "topics" | "topic" | "risk" | "risks" => prop::TOPICS,
            "source_url" | "link" => prop::SOURCE_URL,
            "created_at" | "listed_on" | "listing_date" | "date_listed" => prop::CREATED_AT,
            "modified_at" | "updated_at" | "last_updated" => prop::MODIFIED_AT,
            _ => return None,
        };
        Some(Target::Property(target.to_owned()))
    }
}

/// A header name as compared: trimmed, lower case, runs of spaces, hyphens
/// and dots read as one underscore.
pub(crate) fn normalize_header(header: &str) -> String {
    let mut key = String::with_capacity(header.len());
    for c in header.trim().trim_start_matches('\u{feff}').chars() {
        if c.is_whitespace() || matches!(c, '-' | '.' | '_' | '/') {
            if !key.is_empty() && !key.ends_with('_') {
                key.push('_');
            }
        } else {
            key.extend(c.to_lowercase());
        }
    }
    key.trim_end_matches('_').to_owned()
}

/// Parses a schema cell: FollowTheMoney names and the usual synonyms, in
/// any case (`individual`, `entity`, `business`, `ship`).
pub(crate) fn parse_schema(text: &str) -> Option<Schema> {
    let schema = match text.trim().to_ascii_lowercase().as_str() {
        "person" | "individual" | "natural person" | "p" | "i" => Schema::Person,
        "company" | "business" | "corporation" | "c" => Schema::Company,
        "organization" | "organisation" | "org" | "group" | "o" => Schema::Organization,
        "legalentity" | "legal entity" | "entity" | "e" => Schema::LegalEntity,
        "publicbody" | "public body" => Schema::PublicBody,
        "vessel" | "ship" => Schema::Vessel,
        "airplane" | "aircraft" => Schema::Airplane,
        _ => return None,
    };
    Some(schema)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        assert_eq!(normalize_header(" Date of Birth "), "date_of_birth");
        assert_eq!(normalize_header("\u{feff}ID"), "id");
        assert_eq!(normalize_header("A.K.A."), "a_k_a");
        let mapping = Mapping::default();
        assert_eq!(mapping.target_of("DOB"), Some(Target::Property("birthDate".into())));
        assert_eq!(mapping.target_of("Entity Type"), Some(Target::Schema));
        assert_eq!(mapping.target_of("Risk score"), None);
    }

    #[test]
    fn files() {
        let toml = r#"
            delimiter = ";"
            separator = "|"
            schema = "Person"
            well_known_headers = false
            [columns]
            "Client Ref" = "id"
            "Full Name" = "name"
            "Born" = "dob"
            "Score" = "ignore"
            "Wallet" = "cryptoWallet"
        "#;
        let mapping = Mapping::from_toml_str(toml).unwrap();
        assert_eq!(mapping.delimiter, Some(b';'));
        assert_eq!(mapping.schema, Schema::Person);
        assert_eq!(mapping.target_of("client ref"), Some(Target::Id));
        assert_eq!(mapping.target_of("BORN"), Some(Target::Property("birthDate".into())));
        assert_eq!(mapping.target_of("Wallet"), Some(Target::Property("cryptoWallet".into())));
        assert_eq!(mapping.target_of("name"), None);
        let us = Mapping::from_toml_str("date_order = \"month-first\"").unwrap();
        assert_eq!(us.date_order, DateOrder::MonthFirst);
        let json = r#"{"columns": {"Nom": "name"}, "delimiter": "tab"}"#;
        assert_eq!(Mapping::from_json_str(json).unwrap().delimiter, Some(b'\t'));
        for bad in [
            "[columns]\nx = \"Not A Target\"",
            "colums = {}",
            "schema = \"Dragon\"",
            "delimiter = \";;\"",
            "delimiter = \";\"\nseparator = \";\"",
            "date_order = \"ymd\"",
        ] {
            assert!(Mapping::from_toml_str(bad).is_err(), "{bad}");
        }
    }
}
