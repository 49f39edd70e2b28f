//! US BIS Denied Persons List (tab-separated).
//!
//! One row per (party, address): `Name`, `Street_Address`, `City`, `State`,
//! `Country`, `Postal_Code`, `Effective_Date`, `Expiration_Date` (US dates,
//! month first), `Standard_Order`, `Last_Update`, `Action`, `FR_Citation`.
//!
//! The list says nothing of a party's kind and has no ids, so (ADR 0033,
//! ADR 0034):
//!
//! - persons are told from organisations by name
//!   ([`crate::generic::party`]), narrowing only on evidence;
//! - the id is `us-bis-dpl-<key>`, a stable key of the normalised name;
//!   rows of the same name are one party (merged, addresses added);
//! - aliases written into the name are split out (`FUYI SUN A/K/A FRANK
//!   SUN`, `PEARL (A.K.A. NEI-CHIEN CHU) LI`, `AFSHIN (SEAN) NAGHIBI`), and
//!   a leading rank or title becomes the `title` (`COLONEL ELYAZGI`);
//! - the denial order becomes a `Sanction`: effective and expiration
//!   dates, Federal Register citation, standard or not, last action.

use std::collections::HashMap;
use std::io::BufRead;

use vigia_model::entity::collapse_whitespace;
use vigia_model::{Diagnostic, Entity, Location, Schema, Severity, prop};

use crate::generic::cell::{self, Notes};
use crate::generic::party::{HONORIFICS, PartyBook, listed, schema_from_name};
use crate::generic::{csv_error, mapping::normalize_header};
use crate::{Error, Header, Parsed, Result, Sink};

/// Who imposes the denial orders.
const AUTHORITY: &str = "US Department of Commerce, Bureau of Industry and Security";

/// The list's name, as a programme.
const PROGRAM: &str = "Denied Persons List";

/// US state and territory codes: a row with a state but no country is in
/// the United States.
const US_STATES: &[&str] = &[
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM",
    "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA",
    "WV", "WI", "WY", "PR", "GU", "VI", "AS", "MP",
];

/// Whether the start of a decoded file is a DPL: a header row with the
/// DPL's column names, tab- or comma-separated.
pub(crate) fn sniff(head: &str) -> bool {
    let head = head.strip_prefix('\u{feff}').unwrap_or(head);
    let Some(line) = head.lines().next() else { return false };
    let columns: Vec<String> =
        line.split(['\t', ',']).map(|c| normalize_header(c.trim().trim_matches('"'))).collect();
    let has = |name: &str| columns.iter().any(|c| c == name);
    has("name") && has("street_address") && has("effective_date")
}

/// Reads a BIS Denied Persons List.
///
/// `Parsed::records` counts the distinct parties plus the rows dropped with
/// an error; rows merged into an earlier party are reported with an info
/// diagnostic each.
///
/// # Errors
/// The file has no header row or no `Name` column ([`Error::Malformed`]);
/// reading failed ([`Error::Io`]).
pub fn parse<R: BufRead>(
    mut input: R,
    file: &str,
    dataset: &str,
    sink: &mut dyn Sink,
) -> Result<Parsed> {
    let chunk = input.fill_buf().map_err(|source| Error::Io { file: file.to_owned(), source })?;
    let first_line = chunk.split(|b| *b == b'\n').next().unwrap_or_default();
    let delimiter = if first_line.contains(&b'\t') { b'\t' } else { b',' };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(input);
    let mut record = csv::StringRecord::new();
    let columns: HashMap<String, usize> = loop {
        match reader.read_record(&mut record) {
            Ok(false) => return Err(malformed(file, "no header row: the file is empty".into())),
            Ok(true) if record.iter().all(|c| c.trim().is_empty()) => {}
            Ok(true) => {
                let mut columns = HashMap::new();
                for (i, name) in record.iter().enumerate() {
                    columns.entry(normalize_header(name)).or_insert(i);
                }
                break columns;
            }
            Err(err) => return Err(csv_error(file, err)),
        }
    };
    if !columns.contains_key("name") {
        return Err(malformed(
            file,
            "required column `Name` is missing: this is not a Denied Persons List header".into(),
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
                let get = |name: &str| {
                    columns
                        .get(name)
                        .and_then(|i| record.get(*i))
                        .map(collapse_whitespace)
                        .unwrap_or_default()
                };
                let mut notes = Notes::new();
                match read_row(&get, &mut notes) {
                    Some((party, sanction)) => {
                        let id = party.id.clone();
                        if let Some(first) = book.add(party, sanction, line) {
                            notes.push((
                                Severity::Info,
                                format!("same party as line {first} (another address): merged"),
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
                report(
                    file,
                    line,
                    None,
                    vec![(Severity::Error, format!("unreadable row: {err}"))],
                    sink,
                );
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

fn read_row(get: &dyn Fn(&str) -> String, notes: &mut Notes) -> Option<(Entity, Entity)> {
    let raw = get("name");
    if raw.is_empty() {
        notes.push((Severity::Error, "row without a name: dropped".into()));
        return None;
    }
    let id = format!("us-bis-dpl-{}", cell::stable_key(&[&cell::name_key(&raw)]));
    let names = split_names(&raw);
    // "ASMAT (APPLIED SYSTEMS METHODS AND TECHNOLOGY)": the parenthesis can
    // show what the name alone does not.
    let schema = match (schema_from_name(&names.primary), names.organisation_aliases.first()) {
        (Schema::Person | Schema::LegalEntity, Some(written)) => match schema_from_name(written) {
            organisation @ (Schema::Company | Schema::Organization) => organisation,
            _ => schema_from_name(&names.primary),
        },
        (schema, _) => schema,
    };
    let mut party = Entity::new(id, schema.clone());
    let mut primary = names.primary.clone();
    if schema == Schema::Person
        && let Some((title, rest)) = leading_honorific(&primary)
    {
        party.add(prop::TITLE, title);
        // "COLONEL ELYAZGI" stays whole: a lone surname is a poor name.
        if rest.contains(' ') {
            primary = rest.to_owned();
        }
    }
    party.add(prop::NAME, &primary);
    party.add_all(prop::WEAK_ALIAS, &names.nicknames);
    if schema == Schema::Person {
        party.add_all(prop::ALIAS, &names.person_aliases);
    } else {
        party.add_all(prop::ALIAS, &names.organisation_aliases);
    }
    party.add_all(prop::ALIAS, &names.aliases);
    party.add(prop::PROGRAM, PROGRAM);
    party.add(prop::TOPICS, "export.control");

    let state = get("state");
    let mut country = get("country");
    if country.is_empty() && US_STATES.contains(&state.to_ascii_uppercase().as_str()) {
        country = "US".into();
    }
    let address: Vec<String> = ["street_address", "city", "state", "postal_code"]
        .iter()
        .map(|c| get(c))
        .chain(std::iter::once(country.clone()))
        .filter(|part| !part.is_empty())
        .collect();
    if address.len() > 1 {
        party.add(prop::ADDRESS, &address.join(", "));
    }
    if !country.is_empty() {
        cell::add_country(&mut party, prop::COUNTRY, &country, notes);
    }

    let mut sanction = Entity::new(String::new(), Schema::Sanction);
    sanction.add(prop::AUTHORITY, AUTHORITY);
    sanction.add(prop::PROGRAM, PROGRAM);
    for (column, property) in [
        ("effective_date", prop::START_DATE),
        ("expiration_date", prop::END_DATE),
        ("last_update", prop::MODIFIED_AT),
    ] {
        let text = get(column);
        if text.is_empty() {
            continue;
        }
        match cell::us_date(&text) {
            Some(date) => {
                sanction.add(property, &date.to_string());
            }
            None => {
                notes.push((Severity::Info, format!("{column}: {text:?} is not a date; left out")))
            }
        }
    }
    match get("standard_order").to_ascii_uppercase().as_str() {
        "Y" => {
            sanction.add(prop::PROVISIONS, "Standard denial order");
        }
        "N" => {
            sanction.add(prop::PROVISIONS, "Non-standard denial order");
        }
        _ => {}
    }
    sanction.add(prop::SUMMARY, &get("fr_citation"));
    sanction.add("status", &get("action"));
    Some((party, sanction))
}

/// The names one DPL name cell holds.
#[derive(Debug, Default, PartialEq, Eq)]
struct Names {
    /// The name the party is listed under, aliases and parentheses out.
    primary: String,
    /// Aliases introduced by "A/K/A" or "A.K.A.".
    aliases: Vec<String>,
    /// For a person: the name with a parenthesised given name in place of
    /// the one before it (`AFSHIN (SEAN) NAGHIBI` → `SEAN NAGHIBI`).
    person_aliases: Vec<String>,
    /// For an organisation: the name as written, parentheses included.
    organisation_aliases: Vec<String>,
    /// Nicknames in quotes (`IHSAN MEDHAT "SAMMY" ELASHI`).
    nicknames: Vec<String>,
}

/// Splits the aliases out of a name cell.
fn split_names(raw: &str) -> Names {
    let mut names = Names::default();
    let mut text = collapse_whitespace(raw);
    // "FUYI SUN A/K/A FRANK SUN".
    for marker in [" A/K/A ", " AKA ", " A.K.A. "] {
        if let Some(at) = text.to_ascii_uppercase().find(marker)
            && at > 0
        {
            let alias = text[at + marker.len()..].trim().to_owned();
            text.truncate(at);
            if !alias.is_empty() {
                names.aliases.push(alias);
            }
            break;
        }
    }
    // IHSAN MEDHAT "SAMMY" ELASHI: the quoted nickname is a weak alias.
    if let Some((before, rest)) = text.split_once('"')
        && let Some((nickname, after)) = rest.split_once('"')
    {
        if !nickname.trim().is_empty() {
            names.nicknames.push(nickname.trim().to_owned());
        }
        text = collapse_whitespace(&format!("{before} {after}"));
    }
    let Some(open) = text.find('(') else {
        names.primary = text;
        return names;
    };
    let Some(close) = text[open..].find(')').map(|c| c + open) else {
        names.primary = text.replace('(', " ");
        names.primary = collapse_whitespace(&names.primary);
        return names;
    };
    let inside = text[open + 1..close].trim();
    let before = text[..open].trim();
    let after = text[close + 1..].trim();
    let upper = inside.to_ascii_uppercase();
    // "PEARL (A.K.A. NEI-CHIEN CHU) LI".
    for marker in ["A.K.A.", "A/K/A", "AKA"] {
        if let Some(alias) = upper.strip_prefix(marker) {
            let alias = inside[inside.len() - alias.len()..].trim();
            names.aliases.push(alias.to_owned());
            names.primary = collapse_whitespace(&format!("{before} {after}"));
            return names;
        }
    }
    let without = collapse_whitespace(&format!("{before} {after}"));
    if before.is_empty() {
        // "(SEAN) NAGHIBI": the parenthesised given name is the name.
        names.primary = collapse_whitespace(&format!("{inside} {after}"));
    } else {
        names.primary = without;
        // "AFSHIN (SEAN) NAGHIBI" → "SEAN NAGHIBI"; "SAMMY (IHSAN MEDHAT)
        // ELASHI" → "IHSAN MEDHAT ELASHI".
        if !after.is_empty() {
            let kept = before.rsplit_once(' ').map(|(head, _)| head).unwrap_or_default();
            names.person_aliases.push(collapse_whitespace(&format!("{kept} {inside} {after}")));
        }
        names.organisation_aliases.push(text.clone());
    }
    names
}

/// A leading rank or honorific and the rest of the name, when the rest is
/// still a name.
fn leading_honorific(name: &str) -> Option<(&str, &str)> {
    let (first, rest) = name.split_once(' ')?;
    let bare = first.trim_end_matches('.').to_uppercase();
    (listed(HONORIFICS, &bare) && !rest.trim().is_empty()).then_some((first, rest.trim()))
}

fn report(file: &str, line: u64, id: Option<&str>, notes: Notes, sink: &mut dyn Sink) {
    for (severity, message) in notes {
        let message = match id {
            Some(id) => format!("{id}: {message}"),
            None => message,
        };
        sink.diagnostic(Diagnostic {
            file: file.to_owned(),
            location: Location::Line(line),
            severity,
            message,
        });
    }
}

fn malformed(file: &str, message: String) -> Error {
    Error::Malformed { file: file.to_owned(), location: Location::Line(1), message }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(raw: &str, primary: &str, aliases: &[&str], person: &[&str], organisation: &[&str]) {
        let names = split_names(raw);
        assert!(names.nicknames.is_empty() || raw.contains('"'));
        assert_eq!(names.primary, primary, "{raw}");
        assert_eq!(names.aliases, aliases, "{raw}");
        assert_eq!(names.person_aliases, person, "{raw}");
        assert_eq!(names.organisation_aliases, organisation, "{raw}");
    }

    #[test]
    fn names_in_a_cell() {
        check("AARON ROBERT HENDERSON", "AARON ROBERT HENDERSON", &[], &[], &[]);
        check("FUYI SUN A/K/A FRANK SUN", "FUYI SUN", &["FRANK SUN"], &[], &[]);
        check("PEARL (A.K.A. NEI-CHIEN CHU) LI", "PEARL LI", &["NEI-CHIEN CHU"], &[], &[]);
        check("(SEAN) NAGHIBI", "SEAN NAGHIBI", &[], &[], &[]);
        check(
            "AFSHIN (SEAN) NAGHIBI",
            "AFSHIN NAGHIBI",
            &[],
            &["SEAN NAGHIBI"],
            &["AFSHIN (SEAN) NAGHIBI"],
        );
        check(
            "SAMMY (IHSAN MEDHAT) ELASHI",
            "SAMMY ELASHI",
            &[],
            &["IHSAN MEDHAT ELASHI"],
            &["SAMMY (IHSAN MEDHAT) ELASHI"],
        );
        check(
            "SOCCER ZONE (MNC GROUP INTERNATIONAL, INC.)",
            "SOCCER ZONE",
            &[],
            &[],
            &["SOCCER ZONE (MNC GROUP INTERNATIONAL, INC.)"],
        );
        check("BROKEN (NAME", "BROKEN NAME", &[], &[], &[]);
        check("IHSAN MEDHAT \"SAMMY\" ELASHI", "IHSAN MEDHAT ELASHI", &[], &[], &[]);
        assert_eq!(split_names("A \"B\" C").nicknames, ["B"]);
        assert_eq!(leading_honorific("COLONEL ELYAZGI"), Some(("COLONEL", "ELYAZGI")));
        assert_eq!(leading_honorific("ING. DIETMAR X"), Some(("ING.", "DIETMAR X")));
        assert_eq!(leading_honorific("ELYAZGI"), None);
    }
}
