//! Canada SEMA consolidated autonomous sanctions XML.
//!
//! The file is `data-set` holding `record`s: the regime (`Country`, in
//! English and French), a person (`LastName`, `GivenName`), an entity or a
//! ship (`Entity` in older files, `EntityOrShip` and `ShipIMONumber` in newer
//! ones), dates, free-text `Aliases`, and the `Schedule` and `Item` that
//! place the listing in the regulations. Each becomes a `Person`, an
//! `Organization` or a `Vessel` with the id
//! `ca-sema-<regime>-<schedule>-<item>`, plus a `Sanction`. See
//! docs/adr/0025-canada-sema-records.md.

use std::io::BufRead;

use vigia_model::entity::collapse_whitespace;
use vigia_model::{Entity, PartialDate, Schema, prop};

use crate::record::xml::{Element, Item, XmlRecords, root_element};
use crate::record::{
    Notes, Output, extra_prop, sanction_for, sanction_prop, single_date, split_outside_parens,
};
use crate::{Error, Header, Parsed, Result, Sink};

/// The authority named on every Canadian sanction.
const AUTHORITY: &str = "Global Affairs Canada";

/// Whether the start of a decoded file looks like this format: the root
/// element is `data-set`.
pub fn sniff(head: &str) -> bool {
    matches!(root_element(head), Some(("data-set", _)))
}

/// Reads a Canada SEMA file, pushing entities and diagnostics into `sink`.
///
/// # Errors
/// The input as a whole is unreadable: not XML, not this format (the root
/// element is not `data-set`), or cut off before the first record.
pub fn parse<R: BufRead>(
    input: R,
    file: &str,
    dataset: &str,
    sink: &mut dyn Sink,
) -> Result<Parsed> {
    let (mut records, root) = XmlRecords::open(input, file, &["record"], &[])?;
    if root.name != "data-set" {
        return Err(Error::UnknownFormat {
            file: file.to_owned(),
            reason: format!("root element <{}>, not the SEMA list's <data-set>", root.name),
        });
    }
    let mut out = Output::new(file, dataset, sink);
    while let Some(item) = records.next_item() {
        match item {
            Item::Record { element, oversized, .. } => {
                out.records += 1;
                let number = out.records;
                read_record(&mut out, &element, number, oversized);
            }
            Item::Header(_) => {}
            Item::Cut(cut) => crate::record::cut_off(&mut out, &cut)?,
        }
    }
    crate::record::finish(&mut out);
    // The SEMA file states neither a date nor a count.
    Ok(Parsed { header: Header::default(), records: out.records })
}

/// The regime of a record: its English label (`Burma / Birmanie` →
/// `Burma`) and the short form used in ids (`burma`; the acronym for the
/// regulations named by one, `jvcfor`).
fn regime(country: &str) -> (String, String) {
    let label = country.split(" / ").next().map(collapse_whitespace).unwrap_or_default();
    let acronym = label
        .rsplit_once('(')
        .and_then(|(_, rest)| rest.strip_suffix(')'))
        .filter(|a| !a.is_empty() && a.chars().all(|c| c.is_ascii_uppercase()));
    let short = match acronym {
        Some(acronym) => acronym.to_ascii_lowercase(),
        None => slug(&label),
    };
    (label, short)
}

/// Lower-case ASCII letters and digits, other runs as one `-`.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

/// `Schedule` in an id: `1`, `1-part-2`; `na` for `N/A` and for none
/// (the file uses both for the same thing).
fn schedule_slug(schedule: &str) -> String {
    match slug(schedule).as_str() {
        "" | "n-a" | "na" => "na".to_owned(),
        other => other.to_owned(),
    }
}

fn read_record(out: &mut Output<'_>, record: &Element, number: u64, oversized: bool) {
    let mut notes = Notes::default();
    let (label, short) = regime(&record.field("Country"));
    let schedule = record.field("Schedule");
    let item = record.field("Item");
    let source_id = if item.is_empty() {
        String::new()
    } else {
        format!(
            "{}-{}-{item}",
            if short.is_empty() { "unknown" } else { &short },
            schedule_slug(&schedule)
        )
    };
    let label_id = (!source_id.is_empty()).then_some(source_id.as_str());
    if oversized {
        notes.error("record too large to read: dropped".into());
        out.flush(number, label_id, notes);
        return;
    }
    if item.is_empty() {
        notes.error("record without Item: dropped".into());
        out.flush(number, None, notes);
        return;
    }
    if short.is_empty() {
        notes.warning("record without Country: its id says `unknown` for the regime".into());
    }
    let id = format!("ca-sema-{source_id}");

    let last = record.field("LastName");
    let given = record.field("GivenName");
    let entity = first_non_empty(record, &["EntityOrShip", "Entity"]);
    let imo = record.field("ShipIMONumber");
    let dates = first_non_empty(record, &["DateOfBirthOrShipBuildDate", "DateOfBirth"]);
    let title = first_non_empty(record, &["TitleOrShip", "Title"]);
    let is_person = !last.is_empty() || !given.is_empty();
    // A ship has an IMO number; an entity record with a date is a ship
    // too (entities have no birth date, ships have a build date).
    let schema = if !imo.is_empty() || (!is_person && !entity.is_empty() && !dates.is_empty()) {
        Schema::Vessel
    } else if is_person {
        Schema::Person
    } else {
        Schema::Organization
    };
    let mut party = Entity::new(id, schema.clone());
    if is_person {
        party.add(prop::NAME, &format!("{given} {last}"));
        party.add(prop::FIRST_NAME, &given);
        party.add(prop::LAST_NAME, &last);
        if !entity.is_empty() && schema == Schema::Person {
            notes.info(format!("entity name {entity:?} given with a person: kept as an alias"));
            party.add(prop::ALIAS, &entity);
        }
    } else {
        let mut names = bilingual(&entity).into_iter();
        if let Some(name) = names.next() {
            party.add(prop::NAME, &name);
        }
        party.add_all(prop::ALIAS, names);
    }
    if !party.has(prop::NAME) {
        notes.error("record without a name: dropped".into());
        out.flush(number, label_id, notes);
        return;
    }
    party.id = out.unique_id(party.id.clone(), &mut notes);

    read_aliases(&mut party, &record.field("Aliases"), &given, &last);
    party.add(prop::PROGRAM, &label);
    party.add(prop::IMO_NUMBER, &imo);
    let date_property =
        if schema == Schema::Vessel { extra_prop::BUILD_DATE } else { prop::BIRTH_DATE };
    for date in dates.split(" or ") {
        let parsed = PartialDate::parse_loose(date);
        if parsed.is_empty() && !date.trim().is_empty() {
            party.add(prop::NOTES, &format!("Date: {}", date.trim()));
            notes.info(format!(
                "date not understood: {date_property} {:?}; kept in notes",
                date.trim()
            ));
        }
        for date in parsed {
            party.add(date_property, &date.to_string());
        }
    }
    if schema == Schema::Vessel {
        party.add(prop::TYPE, &title);
    } else {
        party.add_all(prop::TITLE, title.split('/'));
    }

    let mut sanction = sanction_for(&party.id, AUTHORITY);
    sanction.add(prop::PROGRAM, &label);
    let place = if schedule.is_empty() {
        format!("Item {item}")
    } else {
        format!("Schedule {schedule}, Item {item}")
    };
    sanction.add(sanction_prop::AUTHORITY_ID, &format!("{label}: {place}"));
    let listed = record.field("DateOfListing");
    match single_date(&listed) {
        Some(date) => {
            sanction.add(prop::LISTING_DATE, &date);
        }
        None if !listed.is_empty() => {
            notes.info(format!("date not understood: DateOfListing {listed:?}"))
        }
        None => {}
    }
    out.flush(number, label_id, notes);
    out.listed(party, sanction);
}

fn first_non_empty(record: &Element, tags: &[&str]) -> String {
    tags.iter().map(|tag| record.field(tag)).find(|v| !v.is_empty()).unwrap_or_default()
}

/// Splits a name given in English and French (`Islamic Revolutionary Guard
/// Corps/Corps des Gardiens de la Révolution islamique`) into both. A
/// slash splits only where a word ends and a capitalised one begins, so
/// `J/V` and `Hmaw Bi/Pyi` (in parentheses) stay whole; two single words
/// (`GORT/ORTAS`) are split too.
fn bilingual(text: &str) -> Vec<String> {
    let text = collapse_whitespace(text);
    let chars: Vec<char> = text.chars().collect();
    let single_words = !text.contains(' ') && text.matches('/').count() == 1;
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if c == '/' && depth == 0 {
            let before = i.checked_sub(1).map(|j| chars[j]);
            let after = chars.get(i + 1).copied();
            let word_end = before.is_some_and(|b| b.is_lowercase() || b == ')' || b == '.');
            let capital = after.is_some_and(char::is_uppercase);
            let both_words = single_words && before.is_some() && after.is_some();
            if (word_end && capital) || both_words {
                parts.push(std::mem::take(&mut current));
                continue;
            }
        }
        current.push(c);
    }
    parts.push(current);
    parts.into_iter().map(|p| collapse_whitespace(&p)).filter(|p| !p.is_empty()).collect()
}

/// The free-text `Aliases` field: names separated by commas (and
/// sometimes semicolons), some in both languages, some wrapped in
/// parentheses. For a person, a piece that is not a full name completes
/// the record's name: a surname variant (`ERYGIN` for `YERYGIN`) or a
/// given-name variant (`Andrei` for `Andrey`); a lone word that is neither
/// is a nickname (`Motorola`) and a weak alias.
fn read_aliases(party: &mut Entity, aliases: &str, given: &str, last: &str) {
    let pieces = split_outside_parens(aliases, &[',', ';'])
        .into_iter()
        .flat_map(|piece| bilingual(&piece))
        .map(|piece| {
            let inner = piece.strip_prefix('(').and_then(|p| p.strip_suffix(')'));
            inner.map(str::to_owned).unwrap_or(piece)
        });
    let is_person = party.schema == Schema::Person;
    let upper_surname = is_upper_word_list(last);
    for piece in pieces {
        if !is_person {
            party.add(prop::ALIAS, &piece);
            continue;
        }
        let words: Vec<&str> = piece.split(' ').collect();
        if upper_surname && is_upper_word_list(&piece) {
            // "ERYGIN": the family name spelt another way.
            party.add(prop::ALIAS, &format!("{given} {piece}"));
        } else if words.iter().any(|w| is_upper_word_list(w)) || !upper_surname && words.len() > 1 {
            // "Oleksii SALYAYEV", "Aws Aslan": a full name.
            party.add(prop::ALIAS, &piece);
        } else if let Some(variant) = given_name_variant(given, &words) {
            party.add(prop::ALIAS, &format!("{variant} {last}"));
        } else {
            party.add(prop::WEAK_ALIAS, &piece);
        }
    }
}

/// Whether every word has letters and none in lower case: the way the
/// list writes family names (`SALYAYEV`).
fn is_upper_word_list(text: &str) -> bool {
    let letters: Vec<char> = text.chars().filter(|c| c.is_alphabetic()).collect();
    letters.len() > 1 && letters.iter().all(|c| !c.is_lowercase())
}

/// The given names with their first words replaced by `words`, when the
/// first word reads as a spelling of the first given name (the same first
/// letter, allowing the `Y`/`E` of Yevgeny and Evgeny; a nickname such as
/// Batya for Pavel or Givi for Mikhail starts differently).
fn given_name_variant(given: &str, words: &[&str]) -> Option<String> {
    let given_words: Vec<&str> = given.split(' ').filter(|w| !w.is_empty()).collect();
    let first = *words.first()?;
    if words.len() > given_words.len() {
        return None;
    }
    let key = |w: &str| {
        let lower = w.to_lowercase();
        let lower = lower.strip_prefix('y').map(str::to_owned).unwrap_or(lower);
        lower.chars().next()
    };
    if key(first) != key(given_words.first()?) {
        return None;
    }
    let mut names: Vec<&str> = words.to_vec();
    names.extend_from_slice(&given_words[words.len()..]);
    Some(names.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regimes_and_slugs() {
        assert_eq!(regime("Burma / Birmanie"), ("Burma".into(), "burma".into()));
        assert_eq!(
            regime(
                "Justice for Victims of Corrupt Foreign Officials Regulations (JVCFOR) / \u{a0}Règlement (RJVDEC)"
            ),
            (
                "Justice for Victims of Corrupt Foreign Officials Regulations (JVCFOR)".into(),
                "jvcfor".into()
            )
        );
        assert_eq!(regime("South Sudan / Soudan du sud").1, "south-sudan");
        assert_eq!(schedule_slug("1, Part 2"), "1-part-2");
        assert_eq!(schedule_slug("N/A"), "na");
        assert_eq!(schedule_slug(""), "na");
    }

    #[test]
    fn bilingual_names() {
        let check =
            |input: &str, expected: &[&str]| assert_eq!(bilingual(input), expected, "{input}");
        check(
            "Islamic Revolutionary Guard Corps/Corps des Gardiens de la Révolution islamique",
            &["Islamic Revolutionary Guard Corps", "Corps des Gardiens de la Révolution islamique"],
        );
        check("GORT/ORTAS", &["GORT", "ORTAS"]);
        check(
            "Korea Ryenha Machinery J/V Corporation",
            &["Korea Ryenha Machinery J/V Corporation"],
        );
        check("MEC Steel Mills (Hmaw Bi/Pyi/Ywama)", &["MEC Steel Mills (Hmaw Bi/Pyi/Ywama)"]);
        check(
            "Baghyatollah University (BMSU)/Université Baghyatollah (USMB)",
            &["Baghyatollah University (BMSU)", "Université Baghyatollah (USMB)"],
        );
        check("/", &["/"]);
    }

    fn aliases_of(given: &str, last: &str, aliases: &str) -> Entity {
        let mut person = Entity::new("p", Schema::Person);
        read_aliases(&mut person, aliases, given, last);
        person
    }

    #[test]
    fn person_aliases() {
        let p =
            aliases_of("Aleksey Mikhailovich", "SALYAEV", "Aleksei, Oleksii SALYAYEV, SALIAIEV");
        assert_eq!(
            p.get(prop::ALIAS),
            ["Aleksei Mikhailovich SALYAEV", "Oleksii SALYAYEV", "Aleksey Mikhailovich SALIAIEV"]
        );
        let p = aliases_of("Evgeny Petrovich", "GRABCHAK", "Yevgeny, Evgeni");
        assert_eq!(p.get(prop::ALIAS), ["Yevgeny Petrovich GRABCHAK", "Evgeni Petrovich GRABCHAK"]);
        let p = aliases_of("Lidia Aleksandrovna", "BASOVA", "Lydia");
        assert_eq!(p.get(prop::ALIAS), ["Lydia Aleksandrovna BASOVA"]);
        let p = aliases_of("Arseny", "PAVLOV", "Motorola");
        assert_eq!(p.get(prop::WEAK_ALIAS), ["Motorola"]);
        let p = aliases_of("Aleksandr Aleksandrovich", "ZHAROV", "Alexander Alexandrovich");
        assert_eq!(p.get(prop::ALIAS), ["Alexander Alexandrovich ZHAROV"]);
        let p = aliases_of("Aous", "Aslan", "Aws Aslan");
        assert_eq!(p.get(prop::ALIAS), ["Aws Aslan"]);
        let p = aliases_of("Muhammad", "Khallouf", "Abou Ezzat");
        assert_eq!(p.get(prop::ALIAS), ["Abou Ezzat"]);
        let mut org = Entity::new("o", Schema::Organization);
        read_aliases(&mut org, "(Rosselkhozbank)", "", "");
        assert_eq!(org.get(prop::ALIAS), ["Rosselkhozbank"]);
    }
}
