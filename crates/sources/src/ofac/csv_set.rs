//! The OFAC CSV sets: `sdn.csv` (or `cons_prim.csv`) with `add.csv`,
//! `alt.csv` and `sdn_comments.csv` (or their `cons_` twins).
//!
//! Columns, none with a header:
//! - main: ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign,
//!   Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks;
//! - addresses: ent_num, add_num, address, city/state/postal, country,
//!   add_remarks;
//! - aliases: ent_num, alt_num, alt_type (aka, fka, nka), alt_name,
//!   alt_remarks;
//! - comments: ent_num, the remarks that did not fit the main table's
//!   1,000-character column (appended to them before mining).

use std::collections::HashMap;
use std::io::BufRead;

use vigia_model::{Diagnostic, Location, Severity, prop};

use super::remarks::{Kind, Party};
use super::table::{Line, Row, Rows};
use super::{
    CsvSet, LinkBook, NamedInput, PersonName, add_name, diagnostic, emit_party, parsed,
    party_schema, programs,
};
use crate::{Error, Parsed, Result, Sink};

/// The kinds of OFAC CSV table, told apart by their columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TableKind {
    Main,
    Addresses,
    Aliases,
    Comments,
}

impl TableKind {
    /// How many columns a well-formed row of this table has.
    fn columns(self) -> usize {
        match self {
            TableKind::Main => 12,
            TableKind::Addresses => 6,
            TableKind::Aliases => 5,
            TableKind::Comments => 2,
        }
    }

    fn noun(self) -> &'static str {
        match self {
            TableKind::Main => "main table",
            TableKind::Addresses => "address table",
            TableKind::Aliases => "alias table",
            TableKind::Comments => "comments table",
        }
    }
}

/// Which table a well-formed row belongs to, from its shape alone.
pub(crate) fn row_kind(row: &Row) -> Option<TableKind> {
    row.number()?;
    let numeric =
        |i: usize| !row.get(i).is_empty() && row.get(i).bytes().all(|b| b.is_ascii_digit());
    match row.fields.len() {
        12 => {
            let kind = row.get(2).to_ascii_lowercase();
            (matches!(kind.as_str(), "individual" | "vessel" | "aircraft" | "" | "entity")
                && !row.get(1).is_empty())
            .then_some(TableKind::Main)
        }
        6 if numeric(1) => Some(TableKind::Addresses),
        5 if numeric(1)
            && matches!(row.get(2).to_ascii_lowercase().as_str(), "aka" | "fka" | "nka") =>
        {
            Some(TableKind::Aliases)
        }
        2 => Some(TableKind::Comments),
        _ => None,
    }
}

/// A companion row, kept until its main row is read.
#[derive(Debug)]
struct Companion {
    line: u64,
    fields: Vec<String>,
}

/// The companion tables of a set, keyed by entry number.
#[derive(Default)]
struct Companions {
    addresses: HashMap<String, Vec<Companion>>,
    aliases: HashMap<String, Vec<Companion>>,
    comments: HashMap<String, Vec<Companion>>,
    files: HashMap<&'static str, String>,
}

fn io_error(file: &str, source: std::io::Error) -> Error {
    Error::Io { file: file.to_owned(), source }
}

impl Companions {
    fn table(&mut self, kind: TableKind) -> &mut HashMap<String, Vec<Companion>> {
        match kind {
            TableKind::Addresses => &mut self.addresses,
            TableKind::Aliases => &mut self.aliases,
            _ => &mut self.comments,
        }
    }

    /// Reads a companion table into memory. Rows it cannot use are
    /// reported and skipped; only a failing reader is an error.
    fn load<R: BufRead>(
        &mut self,
        input: NamedInput<R>,
        kind: TableKind,
        sink: &mut dyn Sink,
    ) -> Result<()> {
        let file = input.file;
        let mut rows = Rows::new(input.reader);
        let expected = kind.columns();
        while let Some(line) = rows.next_line().map_err(|e| io_error(&file, e))? {
            let row = match line {
                Line::Row(row) => row,
                Line::Binary(n) => {
                    sink.diagnostic(diagnostic(
                        &file,
                        Location::Line(n),
                        Severity::Warning,
                        "line holds binary data; row ignored".into(),
                    ));
                    continue;
                }
            };
            let Some(number) = row.number().map(str::to_owned) else {
                sink.diagnostic(diagnostic(
                    &file,
                    Location::Line(row.line),
                    Severity::Warning,
                    format!("{} row without an entry number; row ignored", kind.noun()),
                ));
                continue;
            };
            let mut fields = row.fields;
            if fields.len() < expected {
                sink.diagnostic(diagnostic(
                    &file,
                    Location::Line(row.line),
                    Severity::Warning,
                    format!(
                        "{} row has {} columns instead of {expected}; missing ones read as empty",
                        kind.noun(),
                        fields.len()
                    ),
                ));
                fields.resize(expected, String::new());
            } else if fields.len() > expected {
                // The last column is free text: unquoted commas belong to it.
                let tail = fields.split_off(expected - 1).join(", ");
                fields.push(tail);
            }
            self.table(kind).entry(number).or_default().push(Companion { line: row.line, fields });
        }
        self.files.insert(kind.noun(), file);
        Ok(())
    }

    fn take(&mut self, kind: TableKind, number: &str) -> Vec<Companion> {
        self.table(kind).remove(number).unwrap_or_default()
    }

    /// Rows whose entry number the main table did not have.
    fn leftovers(mut self, main_file: &str, sink: &mut dyn Sink) {
        for kind in [TableKind::Addresses, TableKind::Aliases, TableKind::Comments] {
            let file = self.files.get(kind.noun()).cloned().unwrap_or_default();
            let mut rows: Vec<(String, Companion)> = self
                .table(kind)
                .drain()
                .flat_map(|(n, rows)| rows.into_iter().map(move |r| (n.clone(), r)))
                .collect();
            rows.sort_by_key(|(_, row)| row.line);
            for (number, row) in rows {
                sink.diagnostic(diagnostic(
                    &file,
                    Location::Line(row.line),
                    Severity::Warning,
                    format!("{} row references entry {number}, which is not in {main_file}; row ignored", kind.noun()),
                ));
            }
        }
    }
}

/// How many unusable rows may open a main table before it is judged not
/// to be one.
const LEADING_GARBAGE: usize = 3;

pub(super) fn parse<R: BufRead>(
    set: CsvSet<R>,
    dataset: &str,
    sink: &mut dyn Sink,
) -> Result<Parsed> {
    let CsvSet { main, addresses, aliases, comments } = set;
    let mut companions = Companions::default();
    for (input, kind) in [
        (addresses, TableKind::Addresses),
        (aliases, TableKind::Aliases),
        (comments, TableKind::Comments),
    ] {
        if let Some(input) = input {
            companions.load(input, kind, sink)?;
        }
    }
    let file = main.file;
    let mut rows = Rows::new(main.reader);
    let mut links = LinkBook::default();
    let mut records = 0u64;
    let mut read_any = false;
    // Diagnostics of unusable rows before the first good one: reported only
    // if the file turns out to be a main table after all.
    let mut leading: Vec<Diagnostic> = Vec::new();
    while let Some(line) = rows.next_line().map_err(|e| io_error(&file, e))? {
        records += 1;
        let row = match line {
            Line::Row(row) => row,
            Line::Binary(n) => {
                if !read_any {
                    return Err(Error::Encoding {
                        file,
                        offset: 0,
                        reason: format!("line {n} holds binary data (NUL bytes)"),
                    });
                }
                sink.diagnostic(diagnostic(
                    &file,
                    Location::Line(n),
                    Severity::Error,
                    "line holds binary data; record dropped".into(),
                ));
                continue;
            }
        };
        if !read_any {
            match row_kind(&row) {
                Some(TableKind::Main) => {}
                Some(other) => {
                    return Err(Error::Malformed {
                        file,
                        location: Location::Line(row.line),
                        message: format!(
                            "this is an OFAC {}, not a main table (sdn.csv or cons_prim.csv)",
                            other.noun()
                        ),
                    });
                }
                // Odd columns, but an entry number and a name: readable.
                None if row.number().is_some() && !row.get(1).is_empty() => {}
                None => {
                    if leading.len() + 1 >= LEADING_GARBAGE {
                        return Err(Error::Malformed {
                            file,
                            location: Location::Line(row.line),
                            message: "not an OFAC main table: rows must start with an entry number and a name".into(),
                        });
                    }
                    leading.push(diagnostic(
                        &file,
                        Location::Line(row.line),
                        Severity::Error,
                        "record without an entry number dropped".into(),
                    ));
                    continue;
                }
            }
            read_any = true;
            for d in leading.drain(..) {
                sink.diagnostic(d);
            }
        }
        read_row(row, &file, dataset, &mut companions, &mut links, sink);
    }
    if !read_any {
        return Err(Error::Malformed {
            file,
            location: Location::File,
            message: "no OFAC records: the main table is empty".into(),
        });
    }
    companions.leftovers(&file, sink);
    links.finish(&file, dataset, sink);
    Ok(parsed(records))
}

/// Reads one main-table row into a party and emits it.
fn read_row(
    row: Row,
    file: &str,
    dataset: &str,
    companions: &mut Companions,
    links: &mut LinkBook,
    sink: &mut dyn Sink,
) {
    let location = Location::Line(row.line);
    let report = |sink: &mut dyn Sink, severity: Severity, message: String| {
        sink.diagnostic(diagnostic(file, location.clone(), severity, message));
    };
    let Some(number) = row.number().map(str::to_owned) else {
        report(sink, Severity::Error, "record without an entry number dropped".into());
        return;
    };
    let mut fields = row.fields;
    let quoting = if row.unbalanced { " (a quoted field is not closed)" } else { "" };
    if fields.len() < 12 {
        report(
            sink,
            Severity::Warning,
            format!(
                "record has {} columns instead of 12{quoting}; missing ones read as empty",
                fields.len()
            ),
        );
        fields.resize(12, String::new());
    } else if fields.len() > 12 {
        report(
            sink,
            Severity::Warning,
            format!(
                "record has {} columns instead of 12; the extra ones are read as part of the remarks",
                fields.len()
            ),
        );
        let tail = fields.split_off(11).join(", ");
        fields.push(tail);
    }
    let name = fields[1].trim().to_owned();
    let comments = companions.take(TableKind::Comments, &number);
    let aliases = companions.take(TableKind::Aliases, &number);
    let addresses = companions.take(TableKind::Addresses, &number);
    if name.is_empty() {
        report(sink, Severity::Error, format!("record {number} has no name; dropped"));
        return;
    }
    let schema = party_schema(&fields[2]);
    let mut party = Party::new(&number, schema);
    if party.entity.schema == vigia_model::Schema::Person {
        let parts = PersonName::from_inverted(&name);
        party.entity.add(prop::NAME, &parts.full);
        if let Some(first) = &parts.first {
            party.entity.add(prop::FIRST_NAME, first);
        }
        if let Some(last) = &parts.last {
            party.entity.add(prop::LAST_NAME, last);
        }
    } else {
        party.entity.add(prop::NAME, &name);
    }
    links.primary_name(&party.entity.id, &name);
    let caption = party.entity.caption().to_owned();
    links.primary_name(&party.entity.id, &caption);
    party.sanction.programs = programs(&fields[3]);
    links.programs(&party.entity.id, &party.sanction.programs);
    if !fields[4].is_empty() {
        let title = fields[4].clone();
        party.apply(Kind::Title, &title, &format!("Title {title}"));
    }
    for (label, index) in [
        ("Vessel Call Sign", 5),
        ("Vessel Type", 6),
        ("Vessel Tonnage", 7),
        ("Vessel Gross Registered Tonnage", 8),
        ("Vessel Flag", 9),
        ("Vessel Owner", 10),
    ] {
        party.labelled(label, &fields[index]);
    }
    let mut remarks = fields[11].clone();
    for comment in &comments {
        remarks.push_str(&comment.fields[1]);
    }
    party.mine_remarks(&remarks);
    for alias in aliases {
        let [_, _, kind, alias_name, alias_remarks] = &alias.fields[..] else { continue };
        if alias_name.is_empty() {
            continue;
        }
        let property = match kind.to_ascii_lowercase().as_str() {
            "fka" => prop::PREVIOUS_NAME,
            _ => prop::ALIAS,
        };
        add_name(&mut party.entity, property, alias_name);
        links.other_name(&party.entity.id, alias_name);
        if !alias_remarks.is_empty() {
            party.note(&format!("{alias_name}: {alias_remarks}"));
        }
    }
    for address in addresses {
        let [_, _, street, city, country, address_remarks] = &address.fields[..] else { continue };
        let text = [street, city, country]
            .into_iter()
            .filter(|p| !p.is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if !text.is_empty() {
            party.entity.add(prop::ADDRESS, &text);
        }
        if !country.is_empty() {
            party.address_country(country);
        }
        if !address_remarks.is_empty() {
            party.note(address_remarks);
        }
    }
    for link in std::mem::take(&mut party.links) {
        links.link(&party.entity.id, &link, location.clone());
    }
    for (severity, message) in std::mem::take(&mut party.issues) {
        report(sink, severity, message);
    }
    emit_party(party, dataset, sink);
}
