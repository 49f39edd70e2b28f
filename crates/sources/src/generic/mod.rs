//! A generic CSV watchlist with a column mapping, for an institution's own
//! lists (exited customers, local designations, internal watch lists).
//!
//! One header row, then one party per row. Which column holds what is said
//! by a [`Mapping`] (a small TOML or JSON file), or found from well-known
//! header names (`id`, `name`, `aliases`, `birth_date`, `nationality`...).
//! The documented contract, with examples, is `docs/guide/generic-csv.md`.
//!
//! [`cell`] and [`party`] hold what every tabular list needs (dates,
//! countries, stable ids, persons told from organisations by name); the
//! trade.gov and BIS parsers use them too.

use std::collections::HashSet;
use std::io::BufRead;

use vigia_model::{Diagnostic, Entity, Location, Schema, Severity, prop};

use crate::{Error, Header, Parsed, Result, Sink};

pub(crate) mod cell;
pub(crate) mod mapping;
pub(crate) mod party;

pub use mapping::{DateOrder, Mapping, MappingError, Target};

use cell::Notes;

/// Properties whose cells are never split into several values: free text.
const FREE_TEXT: &[&str] = &[prop::NOTES, prop::SUMMARY, "description"];

/// Properties whose values are dates (FollowTheMoney ISO form).
const DATE_PROPERTIES: &[&str] = &[
    prop::BIRTH_DATE,
    prop::DEATH_DATE,
    prop::INCORPORATION_DATE,
    prop::START_DATE,
    prop::END_DATE,
    prop::CREATED_AT,
    prop::MODIFIED_AT,
    "dissolutionDate",
];

/// Whether the start of a decoded file is a CSV whose header clearly
/// names a watchlist: a column of names (`name`, `full_name`,
/// `entity_name`...) and no cell that looks like data (a number).
pub(crate) fn sniff(head: &str) -> bool {
    let head = head.strip_prefix('\u{feff}').unwrap_or(head);
    let Some(line) = head.lines().next() else { return false };
    let Some(cells) = header_cells(line, detect_delimiter(line)) else { return false };
    let names_column = cells.iter().any(
        |cell| matches!(Mapping::well_known(cell), Some(Target::Property(p)) if p == prop::NAME),
    );
    let looks_like_data = cells.iter().any(|cell| {
        let cell = cell.trim();
        cell.len() > 64
            || (!cell.is_empty()
                && cell.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '/')))
    });
    names_column && !looks_like_data
}

/// The cells of one header line.
fn header_cells(line: &str, delimiter: u8) -> Option<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(line.as_bytes());
    let mut record = csv::StringRecord::new();
    reader.read_record(&mut record).ok().filter(|read| *read)?;
    Some(record.iter().map(str::to_owned).collect())
}

/// The delimiter a header line uses: the most frequent of `,` `;` tab `|`
/// outside quotes (a comma when none appears).
pub(crate) fn detect_delimiter(line: &str) -> u8 {
    let mut counts = [0usize; 4];
    let candidates = [b',', b';', b'\t', b'|'];
    let mut quoted = false;
    for byte in line.bytes() {
        if byte == b'"' {
            quoted = !quoted;
        } else if !quoted && let Some(i) = candidates.iter().position(|c| *c == byte) {
            counts[i] += 1;
        }
    }
    let mut best = 0;
    for i in 1..candidates.len() {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    candidates[best]
}

/// Reads a generic CSV watchlist.
///
/// `mapping` says which column holds what; `None` uses
/// [`Mapping::default`] (well-known header names). Each row is one party;
/// a row without any name is dropped with an error diagnostic.
/// `Parsed::records` counts the rows read (parties and dropped rows).
///
/// # Errors
/// The file has no header row, or no column holds names
/// ([`Error::Malformed`]); reading failed ([`Error::Io`]).
pub fn parse<R: BufRead>(
    mut input: R,
    file: &str,
    dataset: &str,
    mapping: Option<&Mapping>,
    sink: &mut dyn Sink,
) -> Result<Parsed> {
    let default = Mapping::default();
    let mapping = mapping.unwrap_or(&default);
    let delimiter = match mapping.delimiter {
        Some(delimiter) => delimiter,
        None => {
            let chunk =
                input.fill_buf().map_err(|source| Error::Io { file: file.to_owned(), source })?;
            let line = chunk.split(|b| *b == b'\n').next().unwrap_or_default();
            detect_delimiter(&String::from_utf8_lossy(line))
        }
    };
    // A semicolon-delimited file cannot also split cells at semicolons.
    let separator =
        if mapping.separator.as_bytes() == [delimiter] { "|" } else { mapping.separator.as_str() };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(input);

    let mut record = csv::StringRecord::new();
    let header = loop {
        match reader.read_record(&mut record) {
            Ok(false) => {
                return Err(malformed(file, 1, "no header row: the file is empty".into()));
            }
            Ok(true) if record.iter().all(|cell| cell.trim().is_empty()) => {}
            Ok(true) => break record.clone(),
            Err(err) => return Err(csv_error(file, err)),
        }
    };
    let header_line = header.position().map(|p| p.line()).unwrap_or(1);
    let targets: Vec<Option<Target>> = header.iter().map(|h| mapping.target_of(h)).collect();
    let has_names = targets.iter().flatten().any(|t| {
        matches!(t, Target::Property(p) if [prop::NAME, prop::FIRST_NAME, prop::LAST_NAME].contains(&p.as_str()))
    });
    if !has_names {
        let headers: Vec<&str> = header.iter().collect();
        return Err(malformed(
            file,
            header_line,
            format!(
                "no column holds names: map one to `name` (the header is: {})",
                headers.join(&(delimiter as char).to_string())
            ),
        ));
    }
    let unmapped: Vec<&str> = header
        .iter()
        .zip(&targets)
        .filter(|(h, t)| t.is_none() && !h.trim().is_empty())
        .map(|(h, _)| h)
        .collect();
    if !unmapped.is_empty() {
        sink.diagnostic(diagnostic(
            file,
            Location::Line(header_line),
            Severity::Info,
            format!(
                "columns not read: {} (map them in a mapping file to keep them)",
                unmapped.join(", ")
            ),
        ));
    }
    let has_id = targets.contains(&Some(Target::Id));

    let mut rows = Rows {
        file,
        dataset,
        separator,
        default_schema: &mapping.schema,
        date_order: mapping.date_order,
        has_id,
        ids: HashSet::new(),
    };
    let mut records = 0;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                if record.iter().all(|cell| cell.trim().is_empty()) {
                    continue;
                }
                records += 1;
                let line = record.position().map(|p| p.line()).unwrap_or_default();
                rows.row(&record, &targets, line, sink);
            }
            Err(err) if err.is_io_error() => return Err(csv_error(file, err)),
            Err(err) => {
                records += 1;
                let line = err.position().map(|p| p.line()).unwrap_or_default();
                sink.diagnostic(diagnostic(
                    file,
                    Location::Line(line),
                    Severity::Error,
                    format!("unreadable row: {err}"),
                ));
            }
        }
    }
    if records == 0 {
        sink.diagnostic(diagnostic(
            file,
            Location::File,
            Severity::Warning,
            "no rows: the list names nobody".into(),
        ));
    }
    Ok(Parsed { header: Header::default(), records })
}

/// What every row of one file shares.
struct Rows<'a> {
    file: &'a str,
    dataset: &'a str,
    separator: &'a str,
    default_schema: &'a Schema,
    date_order: DateOrder,
    has_id: bool,
    ids: HashSet<String>,
}

impl Rows<'_> {
    fn row(
        &mut self,
        record: &csv::StringRecord,
        targets: &[Option<Target>],
        line: u64,
        sink: &mut dyn Sink,
    ) {
        let mut notes = Notes::new();
        let cells = || {
            record
                .iter()
                .zip(targets)
                .filter_map(|(cell, target)| Some((cell.trim(), target.as_ref()?)))
        };
        if record.len() > targets.len()
            && record.iter().skip(targets.len()).any(|c| !c.trim().is_empty())
        {
            notes.push((
                Severity::Warning,
                format!(
                    "{} value(s) beyond the last header column not read",
                    record.len() - targets.len()
                ),
            ));
        }
        let schema_cell =
            cells().find(|(cell, target)| **target == Target::Schema && !cell.is_empty());
        let schema = match schema_cell {
            Some((cell, _)) => mapping::parse_schema(cell).unwrap_or_else(|| {
                notes.push((
                    Severity::Info,
                    format!(
                        "schema {cell:?} is not one Vigia knows: read as {}",
                        self.default_schema
                    ),
                ));
                self.default_schema.clone()
            }),
            None => self.default_schema.clone(),
        };
        let mut entity = Entity::new(String::new(), schema);
        for (cell, target) in cells() {
            let Target::Property(property) = target else { continue };
            if cell.is_empty() {
                continue;
            }
            if FREE_TEXT.contains(&property.as_str()) {
                entity.add(property, cell);
                continue;
            }
            for value in cell::split(cell, self.separator) {
                add_value(&mut entity, property, value, self.date_order, &mut notes);
            }
        }
        if !entity.has(prop::NAME) {
            let parts: Vec<&str> = [prop::FIRST_NAME, prop::MIDDLE_NAME, prop::LAST_NAME]
                .iter()
                .filter_map(|p| entity.first(p))
                .collect();
            let composed = parts.join(" ");
            entity.add(prop::NAME, &composed);
        }
        let id_cell = cells()
            .find(|(cell, target)| **target == Target::Id && !cell.is_empty())
            .map(|(c, _)| c);
        let Some(name) = entity.first(prop::NAME).map(str::to_owned) else {
            let id = id_cell.map(str::to_owned);
            let message = match &id {
                Some(id) => format!("row {id} has no name: dropped"),
                None => "row has no name: dropped".into(),
            };
            sink.diagnostic(diagnostic(self.file, Location::Line(line), Severity::Error, message));
            return;
        };
        let id = match id_cell {
            Some(id) => id.to_owned(),
            None => {
                if self.has_id {
                    notes.push((
                        Severity::Info,
                        "empty id: derived from the name and birth date".into(),
                    ));
                }
                let birth = entity.first(prop::BIRTH_DATE).unwrap_or_default();
                format!(
                    "{}-{}",
                    self.dataset,
                    cell::stable_key(&[entity.schema.name(), &cell::name_key(&name), birth])
                )
            }
        };
        entity.id = self.unique(id, &mut notes);
        entity.target = Some(true);
        entity.add_dataset(self.dataset);
        for (severity, message) in notes {
            sink.diagnostic(diagnostic(
                self.file,
                Location::Line(line),
                severity,
                format!("{}: {message}", entity.id),
            ));
        }
        sink.entity(entity);
    }

    /// Keeps ids unique within the file: a reused id keeps both rows, the
    /// later one as `<id>-<n>`, because dropping a listed party is the
    /// costlier mistake.
    fn unique(&mut self, id: String, notes: &mut Notes) -> String {
        if self.ids.insert(id.clone()) {
            return id;
        }
        let renamed = (2..)
            .map(|n| format!("{id}-{n}"))
            .find(|candidate| !self.ids.contains(candidate))
            .unwrap_or_default();
        self.ids.insert(renamed.clone());
        notes
            .push((Severity::Warning, format!("duplicate id {id}: this row is kept as {renamed}")));
        renamed
    }
}

/// Adds one value, converted to the property's FollowTheMoney form.
fn add_value(
    entity: &mut Entity,
    property: &str,
    value: &str,
    order: DateOrder,
    notes: &mut Notes,
) {
    if DATE_PROPERTIES.contains(&property) {
        // Month first, the numeric forms only ("04/05/1980"); any other
        // form reads the same either way.
        match (order == DateOrder::MonthFirst).then(|| cell::us_date(value)).flatten() {
            Some(date) => {
                entity.add(property, &date.to_string());
            }
            None => cell::add_date(entity, property, value, notes),
        }
    } else if prop::COUNTRY_PROPERTIES.contains(&property) {
        cell::add_country(entity, property, value, notes);
    } else if property == prop::GENDER {
        cell::add_gender(entity, value, notes);
    } else if property == prop::TOPICS {
        entity.add(property, &value.to_lowercase());
    } else {
        entity.add(property, value);
    }
}

fn diagnostic(file: &str, location: Location, severity: Severity, message: String) -> Diagnostic {
    Diagnostic { file: file.to_owned(), location, severity, message }
}

fn malformed(file: &str, line: u64, message: String) -> Error {
    Error::Malformed { file: file.to_owned(), location: Location::Line(line), message }
}

/// A CSV error that ends reading: IO, else a malformed file.
pub(crate) fn csv_error(file: &str, err: csv::Error) -> Error {
    let line = err.position().map(|p| p.line()).unwrap_or_default();
    match err.into_kind() {
        csv::ErrorKind::Io(source) => Error::Io { file: file.to_owned(), source },
        kind => malformed(file, line, format!("{kind:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters() {
        assert_eq!(detect_delimiter("id,name,dob"), b',');
        assert_eq!(detect_delimiter("id;name;\"a,b,c\""), b';');
        assert_eq!(detect_delimiter("id\tname"), b'\t');
        assert_eq!(detect_delimiter("name"), b',');
    }

    #[test]
    fn sniffing() {
        assert!(sniff("id,name,birth_date\n1,A,1970"));
        assert!(sniff("\u{feff}Full Name;Nationality\n"));
        assert!(!sniff("id,surname\n"));
        assert!(!sniff("name,1970\n"));
        assert!(!sniff(""));
    }
}
