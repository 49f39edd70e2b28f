//! Reading screening queries and comparison pairs: JSON lines (the shape
//! of a yente `/match` query) or CSV with a header, detected from content.
//!
//! CSV columns (case-insensitive, unknown columns ignored with a warning):
//!
//! | column | property | aliases |
//! |---|---|---|
//! | `id` | the query id | |
//! | `name` | `name` | `full_name` |
//! | `alias` | `alias` (`;`-separated) | `aliases` |
//! | `schema` | the schema | `type`, `kind`, `entity_type` |
//! | `first_name` | `firstName` | `given_name` |
//! | `middle_name` | `middleName` | |
//! | `last_name` | `lastName` | `family_name`, `surname` |
//! | `birth_date` | `birthDate` | `date_of_birth`, `dob` |
//! | `place_of_birth` | `birthPlace` | `birth_place` |
//! | `gender` | `gender` | |
//! | `nationality` | `nationality` | |
//! | `country` | `country` | |
//! | `id_number` | `idNumber` | `passport` → `passportNumber` |
//! | `address` | `address` | |
//!
//! A row without an id gets its 1-based row number. A row without a schema
//! is a `Person` when it has person-only columns filled (first/last name,
//! birth date, gender), else a `LegalEntity`, matched against persons and
//! organisations of every kind (not vessels or aircraft: write `Vessel`).

use std::io::BufRead;

use serde::Deserialize;
use vigia_model::{Entity, Properties, Schema, prop};

use crate::Query;

/// Why an input could not be read, with where.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// Reading failed.
    #[error("line {line}: {source}")]
    Io {
        /// The line being read.
        line: u64,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// A line or row is malformed.
    #[error("line {line}: {message}")]
    Malformed {
        /// The 1-based line number.
        line: u64,
        /// What is wrong.
        message: String,
    },
}

/// The input formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// One JSON object per line.
    JsonLines,
    /// CSV with a header row.
    Csv,
}

/// Detects the format from the first non-blank character: `{` is JSON lines.
pub fn detect(head: &[u8]) -> InputFormat {
    match head.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => InputFormat::JsonLines,
        _ => InputFormat::Csv,
    }
}

#[derive(Debug, Deserialize)]
struct JsonQuery {
    id: Option<serde_json::Value>,
    schema: Option<String>,
    #[serde(default)]
    properties: Properties,
}

/// Reads queries, one result per line or row, in order. Warnings (unknown
/// CSV columns) go to `warnings`.
pub fn read_queries<R: BufRead + 'static>(
    mut reader: R,
    warnings: &mut Vec<String>,
) -> Result<Box<dyn Iterator<Item = Result<Query, InputError>>>, InputError> {
    let head = reader.fill_buf().map_err(|source| InputError::Io { line: 1, source })?.to_vec();
    match detect(&head) {
        InputFormat::JsonLines => Ok(Box::new(json_lines(reader))),
        InputFormat::Csv => csv_rows(reader, warnings),
    }
}

fn json_lines<R: BufRead>(reader: R) -> impl Iterator<Item = Result<Query, InputError>> {
    reader.lines().enumerate().filter_map(|(i, line)| {
        let number = i as u64 + 1;
        let line = match line {
            Ok(line) => line,
            Err(source) => return Some(Err(InputError::Io { line: number, source })),
        };
        if line.trim().is_empty() {
            return None;
        }
        Some(parse_json_query(&line, number))
    })
}

/// Parses one JSON query line (`{"id", "schema", "properties"}`).
pub fn parse_json_query(line: &str, number: u64) -> Result<Query, InputError> {
    let parsed: JsonQuery = serde_json::from_str(line).map_err(|e| InputError::Malformed {
        line: number,
        message: format!("not a query object: {e}"),
    })?;
    let id = match parsed.id {
        Some(serde_json::Value::String(s)) => s,
        Some(serde_json::Value::Number(n)) => n.to_string(),
        Some(other) => {
            return Err(InputError::Malformed {
                line: number,
                message: format!("id must be a string, not {other}"),
            });
        }
        None => number.to_string(),
    };
    let schema = Schema::parse(parsed.schema.as_deref().unwrap_or("LegalEntity"));
    if !schema.is_matchable() {
        return Err(InputError::Malformed {
            line: number,
            message: format!(
                "schema {schema} cannot be screened (use Person, Organization, Company, LegalEntity, Vessel or Airplane)"
            ),
        });
    }
    let mut entity = Entity::new(id.clone(), schema);
    for (property, values) in parsed.properties {
        for value in values {
            entity.add(&property, &value);
        }
    }
    if entity.names().next().is_none()
        && !entity.has(prop::FIRST_NAME)
        && !entity.has(prop::LAST_NAME)
    {
        return Err(InputError::Malformed {
            line: number,
            message: "the query has no name".into(),
        });
    }
    Ok(Query { id, entity })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Id,
    Schema,
    Property(&'static str),
    Aliases,
    Ignored,
}

fn column(header: &str) -> Column {
    match header.trim().to_ascii_lowercase().replace([' ', '-'], "_").as_str() {
        "id" | "query_id" | "customer_id" => Column::Id,
        "schema" | "type" | "kind" | "entity_type" => Column::Schema,
        "name" | "full_name" => Column::Property(prop::NAME),
        "alias" | "aliases" => Column::Aliases,
        "first_name" | "given_name" | "firstname" => Column::Property(prop::FIRST_NAME),
        "middle_name" | "middlename" => Column::Property(prop::MIDDLE_NAME),
        "last_name" | "family_name" | "surname" | "lastname" => Column::Property(prop::LAST_NAME),
        "birth_date" | "date_of_birth" | "dob" | "birthdate" => Column::Property(prop::BIRTH_DATE),
        "place_of_birth" | "birth_place" => Column::Property(prop::BIRTH_PLACE),
        "gender" | "sex" => Column::Property(prop::GENDER),
        "nationality" => Column::Property(prop::NATIONALITY),
        "country" => Column::Property(prop::COUNTRY),
        "id_number" | "idnumber" | "national_id" => Column::Property(prop::ID_NUMBER),
        "passport" | "passport_number" => Column::Property(prop::PASSPORT_NUMBER),
        "address" => Column::Property(prop::ADDRESS),
        "imo" | "imo_number" => Column::Property(prop::IMO_NUMBER),
        _ => Column::Ignored,
    }
}

fn csv_rows<R: BufRead + 'static>(
    reader: R,
    warnings: &mut Vec<String>,
) -> Result<Box<dyn Iterator<Item = Result<Query, InputError>>>, InputError> {
    // Fields are trimmed here rather than by the reader: its trimming copies
    // every record twice (of ASCII, then of Unicode whitespace), where
    // `str::trim` on each field gives the same values in place.
    let mut csv = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
    let headers = csv
        .headers()
        .map_err(|e| InputError::Malformed {
            line: 1,
            message: format!("unreadable CSV header: {e}"),
        })?
        .clone();
    let columns: Vec<Column> = headers.iter().map(column).collect();
    for (header, column) in headers.iter().map(str::trim).zip(&columns) {
        if *column == Column::Ignored {
            warnings.push(format!("column {header:?} is not recognised and is ignored"));
        }
    }
    if !columns
        .iter()
        .any(|c| matches!(c, Column::Property(prop::NAME | prop::FIRST_NAME | prop::LAST_NAME)))
    {
        return Err(InputError::Malformed {
            line: 1,
            message: "the CSV header has no name column (name, full_name, first_name or last_name)"
                .into(),
        });
    }
    let mut row_number = 0u64;
    // One record, refilled for every row.
    let mut record = csv::StringRecord::new();
    Ok(Box::new(std::iter::from_fn(move || {
        let read = match csv.read_record(&mut record) {
            Ok(true) => Ok(&record),
            Ok(false) => return None,
            Err(e) => Err(e),
        };
        row_number += 1;
        Some(csv_query(read, &columns, row_number))
    })))
}

/// The query of one CSV row (`row_number` counts rows from 1, after the
/// header).
fn csv_query(
    record: csv::Result<&csv::StringRecord>,
    columns: &[Column],
    row_number: u64,
) -> Result<Query, InputError> {
    let line = row_number + 1;
    let record = record
        .map_err(|e| InputError::Malformed { line, message: format!("unreadable row: {e}") })?;
    let mut id = None;
    let mut schema = None;
    let mut entity = Entity::new(String::new(), Schema::LegalEntity);
    for (value, column) in record.iter().map(str::trim).zip(columns) {
        if value.is_empty() {
            continue;
        }
        match column {
            Column::Id => id = Some(value.to_owned()),
            Column::Schema => schema = Some(Schema::parse(value)),
            Column::Property(p) => {
                entity.add(p, value);
            }
            Column::Aliases => entity.add_all(prop::ALIAS, value.split(';')),
            Column::Ignored => {}
        }
    }
    let person_like = [prop::FIRST_NAME, prop::LAST_NAME, prop::BIRTH_DATE, prop::GENDER]
        .iter()
        .any(|p| entity.has(p));
    entity.schema =
        schema.unwrap_or(if person_like { Schema::Person } else { Schema::LegalEntity });
    if !entity.schema.is_matchable() {
        return Err(InputError::Malformed {
            line,
            message: format!("schema {} cannot be screened", entity.schema),
        });
    }
    if entity.names().next().is_none()
        && !entity.has(prop::FIRST_NAME)
        && !entity.has(prop::LAST_NAME)
    {
        return Err(InputError::Malformed { line, message: "the row has no name".into() });
    }
    let id = id.unwrap_or_else(|| row_number.to_string());
    entity.id = id.clone();
    Ok(Query { id, entity })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(input: &str) -> (Vec<Result<Query, InputError>>, Vec<String>) {
        let mut warnings = Vec::new();
        let queries = read_queries(std::io::Cursor::new(input.as_bytes().to_vec()), &mut warnings)
            .unwrap()
            .collect();
        (queries, warnings)
    }

    #[test]
    fn csv_with_known_and_unknown_columns() {
        let (queries, warnings) = read(
            "full_name,date_of_birth,nationality,shoe_size\nJoaquin Guzman,1957-04-04,mx,44\n",
        );
        let query = queries[0].as_ref().unwrap();
        assert_eq!(query.id, "1");
        assert_eq!(query.entity.schema, Schema::Person);
        assert_eq!(query.entity.first(prop::BIRTH_DATE), Some("1957-04-04"));
        assert_eq!(warnings.len(), 1);
    }

    #[test]
    fn csv_schema_column_under_its_other_names() {
        for header in ["schema", "type", "kind", "Entity Type"] {
            let (queries, warnings) = read(&format!("name,{header}\nAcme,Organization\n"));
            assert_eq!(queries[0].as_ref().unwrap().entity.schema, Schema::Organization);
            assert!(warnings.is_empty(), "{header}: {warnings:?}");
        }
    }

    #[test]
    fn csv_fields_and_headers_are_trimmed_of_any_whitespace() {
        let (queries, warnings) = read(
            " full_name , date_of_birth ,\u{a0}shoe size\n  Joaquin Guzman\u{a0}, 1957-04-04\t,44\n\"  Ana  \",,\n",
        );
        let first = queries[0].as_ref().unwrap();
        assert_eq!(first.entity.first(prop::NAME), Some("Joaquin Guzman"));
        assert_eq!(first.entity.first(prop::BIRTH_DATE), Some("1957-04-04"));
        let second = queries[1].as_ref().unwrap();
        assert_eq!(second.entity.first(prop::NAME), Some("Ana"));
        assert_eq!(second.id, "2");
        assert_eq!(warnings, vec!["column \"shoe size\" is not recognised and is ignored"]);
    }

    #[test]
    fn json_lines_and_errors() {
        let (queries, _) = read(
            "{\"id\": \"q1\", \"schema\": \"Company\", \"properties\": {\"name\": [\"CECOEX\"]}}\n\n{\"id\": 7, \"properties\": {}}\n{bad\n",
        );
        assert_eq!(queries.len(), 3);
        assert_eq!(queries[0].as_ref().unwrap().entity.schema, Schema::Company);
        assert!(
            queries[1].as_ref().unwrap_err().to_string().contains("line 3: the query has no name")
        );
        assert!(
            queries[2].as_ref().unwrap_err().to_string().starts_with("line 4: not a query object")
        );
    }
}
