//! UN Security Council consolidated list XML.
//!
//! The file is `CONSOLIDATED_LIST` (`dateGenerated`) holding
//! `INDIVIDUALS/INDIVIDUAL` and `ENTITIES/ENTITY`. Each listed party becomes
//! a `Person` or an `Organization` with the id `un-<REFERENCE_NUMBER>` (the
//! UN's permanent reference, stable across versions of the list), plus a
//! `Sanction` entity. See docs/adr/0023-un-names-and-aliases.md for how
//! names and aliases are read.

use std::io::BufRead;

use vigia_model::entity::collapse_whitespace;
use vigia_model::{Entity, PartialDate, Schema, prop};

use crate::record::xml::{Element, Item, XmlRecords, root_element};
use crate::record::{
    Notes, Output, add_country, add_dates, has_non_latin, iso_date, sanction_for, sanction_prop,
    single_date, split_outside_parens,
};
use crate::{Error, Header, Parsed, Result, Sink};

/// The authority named on every UN sanction.
const AUTHORITY: &str = "UN Security Council";

/// Whether the start of a decoded file looks like this format: the root
/// element is `CONSOLIDATED_LIST`.
pub fn sniff(head: &str) -> bool {
    matches!(root_element(head), Some(("CONSOLIDATED_LIST", _)))
}

/// Reads a UN consolidated list, pushing entities and diagnostics into
/// `sink`.
///
/// # Errors
/// The input as a whole is unreadable: not XML, not this format (the root
/// element is not `CONSOLIDATED_LIST`), or cut off before the first record.
pub fn parse<R: BufRead>(
    input: R,
    file: &str,
    dataset: &str,
    sink: &mut dyn Sink,
) -> Result<Parsed> {
    let (mut records, root) = XmlRecords::open(input, file, &["INDIVIDUAL", "ENTITY"], &[])?;
    if root.name != "CONSOLIDATED_LIST" {
        return Err(Error::UnknownFormat {
            file: file.to_owned(),
            reason: format!("root element <{}>, not the UN list's <CONSOLIDATED_LIST>", root.name),
        });
    }
    let header = Header { published: iso_date(&root.attr("dateGenerated")), stated_count: None };
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

/// Maps one `INDIVIDUAL` or `ENTITY` record and emits it.
fn read_party(out: &mut Output<'_>, record: &Element, number: u64, oversized: bool) {
    let mut notes = Notes::default();
    let reference = record.field("REFERENCE_NUMBER");
    let data_id = record.field("DATAID");
    let source_id = if !reference.is_empty() {
        reference.clone()
    } else if !data_id.is_empty() {
        notes.info(format!("no reference number: the id is built from DATAID {data_id}"));
        data_id
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
        notes.error("record without REFERENCE_NUMBER or DATAID: dropped".into());
        out.flush(number, None, notes);
        return;
    }

    let individual = record.name == "INDIVIDUAL";
    let schema = if individual { Schema::Person } else { Schema::Organization };
    let mut party = Entity::new(format!("un-{source_id}"), schema);
    read_names(&mut party, record, individual);
    read_aliases(&mut party, record, &mut notes);
    if !party.has(prop::NAME) && !crate::record::promote_alias(&mut party, &mut notes) {
        notes.error("record without a name: dropped".into());
        out.flush(number, label, notes);
        return;
    }
    party.id = out.unique_id(party.id.clone(), &mut notes);

    let program = record.field("UN_LIST_TYPE");
    party.add(prop::PROGRAM, &program);
    if is_terror_list(&program) {
        party.add(prop::TOPICS, "crime.terror");
    }
    party.add_all(prop::TITLE, record.fields(&["TITLE", "VALUE"]));
    party.add_all(prop::POSITION, record.fields(&["DESIGNATION", "VALUE"]));
    for nationality in record.fields(&["NATIONALITY", "VALUE"]) {
        add_country(&mut party, prop::NATIONALITY, &nationality, &mut notes);
    }
    read_gender(&mut party, &record.field("GENDER"), &mut notes);
    party.add(prop::NOTES, &record.field("COMMENTS1"));
    for address in record.children.iter().filter(|c| c.name.ends_with("_ADDRESS")) {
        read_address(&mut party, address, &mut notes);
    }
    for birth in record.children("INDIVIDUAL_DATE_OF_BIRTH") {
        read_birth_date(&mut party, birth, &mut notes);
    }
    for place in record.children("INDIVIDUAL_PLACE_OF_BIRTH") {
        read_birth_place(&mut party, place, &mut notes);
    }
    for document in record.children("INDIVIDUAL_DOCUMENT") {
        read_document(&mut party, document, &mut notes);
    }
    party.last_change =
        record.fields(&["LAST_DAY_UPDATED", "VALUE"]).iter().filter_map(|d| iso_date(d)).max();

    let mut sanction = sanction_for(&party.id, AUTHORITY);
    sanction.add(prop::PROGRAM, &program);
    sanction.add(sanction_prop::AUTHORITY_ID, &reference);
    sanction.add(sanction_prop::UNSC_ID, &reference);
    let listed_on = record.field("LISTED_ON");
    match single_date(&listed_on) {
        Some(date) => {
            sanction.add(prop::LISTING_DATE, &date);
        }
        None if !listed_on.is_empty() => {
            notes.info(format!("date not understood: LISTED_ON {listed_on:?}"));
        }
        None => {}
    }
    out.flush(number, label, notes);
    out.listed(party, sanction);
}

/// The UN's counter-terrorism regimes: the 1267 list (ISIL and Al-Qaida)
/// and the 1988 list (Taliban).
fn is_terror_list(program: &str) -> bool {
    let program = program.to_ascii_lowercase();
    ["al-qaida", "al-qaeda", "isil", "taliban"].iter().any(|p| program.contains(p))
}

/// The name is the name parts joined in the order the UN gives them. The UN
/// fills `FIRST_NAME`..`FOURTH_NAME` by position, not by role (a Korean
/// family name is often in `FIRST_NAME`), so no part is called a last name.
fn read_names(party: &mut Entity, record: &Element, individual: bool) {
    let parts: Vec<String> = ["FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME"]
        .iter()
        .map(|tag| record.field(tag))
        .collect();
    let name = parts.iter().filter(|p| !p.is_empty()).cloned().collect::<Vec<_>>().join(" ");
    if individual {
        party.add(prop::NAME, &name);
    } else {
        // An entity's name can pack two ("COMPAGNIE AERIENNE DES GRANDS
        // LACS (CAGL) ; GREAT LAKES BUSINESS COMPANY (GLBC)"): the first is
        // the name, the others aliases.
        let mut names = alias_names(&name).into_iter();
        if let Some(first) = names.next() {
            party.add(prop::NAME, &first);
        }
        party.add_all(prop::ALIAS, names);
    }
    if individual && parts.iter().filter(|p| !p.is_empty()).count() > 1 {
        party.add(prop::FIRST_NAME, &parts[0]);
        party.add(prop::SECOND_NAME, &parts[1]);
        party.add(prop::MIDDLE_NAME, &parts[2]);
        party.add(prop::MIDDLE_NAME, &parts[3]);
    }
    let original = record.field("NAME_ORIGINAL_SCRIPT");
    for name in alias_names(&original) {
        party.add(prop::ORIGINAL_NAME, &name);
        party.add(prop::ALIAS, &name);
    }
}

fn read_aliases(party: &mut Entity, record: &Element, notes: &mut Notes) {
    for alias in record.children.iter().filter(|c| c.name.ends_with("_ALIAS")) {
        let text = alias.field("ALIAS_NAME");
        let quality = alias.field("QUALITY");
        let property = match quality.to_ascii_lowercase().as_str() {
            "good" | "a.k.a." | "a.k.a" | "aka" => prop::ALIAS,
            "low" => prop::WEAK_ALIAS,
            "f.k.a." | "f.k.a" | "fka" => prop::PREVIOUS_NAME,
            "" if text.is_empty() => continue,
            "" => prop::ALIAS,
            other => {
                notes.info(format!("unknown alias quality: {other:?}, read as a strong alias"));
                prop::ALIAS
            }
        };
        for name in alias_names(&text) {
            party.add(property, &name);
        }
        // Birth data given with an alias belongs to the identity the alias
        // was used with: keeping it widens what a birth date can confirm.
        let birth = alias.field("DATE_OF_BIRTH");
        if !birth.is_empty() && !add_dates(party, prop::BIRTH_DATE, &birth) {
            notes.info(format!("date not understood: alias DATE_OF_BIRTH {birth:?}"));
        }
        party.add(prop::BIRTH_PLACE, &alias.field("CITY_OF_BIRTH"));
        let country = alias.field("COUNTRY_OF_BIRTH");
        add_country(party, prop::BIRTH_COUNTRY, &country, notes);
    }
}

/// The names an `ALIAS_NAME` holds. The UN packs several into one field:
/// `A; B`, `A b) B`, `حسن غول (Hassan Ghul; Hassan Gul)`,
/// `Amir Khazmat (original script: Амир Хазмат)`; and adds remarks in
/// parentheses: `Encep Nurjaman (birth name)`.
pub(crate) fn alias_names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for piece in split_outside_parens(&collapse_whitespace(text), &[';']) {
        for labelled in split_labels(&piece) {
            expand_parenthetical(&labelled, &mut names, 0);
        }
    }
    names.dedup();
    names
}

/// Splits `A b) B c) C` at its enumeration labels and drops a leading
/// `a) `.
fn split_labels(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut i = 0;
    while i < chars.len() {
        let at_word_start = i == 0 || chars[i - 1] == ' ';
        let is_label = at_word_start
            && chars[i].is_ascii_lowercase()
            && chars.get(i + 1) == Some(&')')
            && chars.get(i + 2).is_none_or(|c| *c == ' ');
        if is_label {
            parts.push(std::mem::take(&mut current));
            i += 2;
            continue;
        }
        current.push(chars[i]);
        i += 1;
    }
    parts.push(current);
    parts.into_iter().map(|p| collapse_whitespace(&p)).filter(|p| !p.is_empty()).collect()
}

/// Reads a trailing parenthesis: another script or a list of names gives
/// more names; a lower-case remark is dropped; anything else (an acronym,
/// a qualifier) stays part of the name.
fn expand_parenthetical(piece: &str, names: &mut Vec<String>, depth: usize) {
    // A stray bracket or separator at either end is a typing slip
    // (") Abdelrahman Mouhamad ...").
    let mut piece =
        piece.trim().trim_start_matches([')', ',', ';', ' ']).trim_end_matches([',', ';']).trim();
    if let Some(at) = piece.to_ascii_lowercase().find(", born ") {
        piece = piece[..at].trim();
    }
    if piece.is_empty() {
        return;
    }
    let Some((head, inner)) = trailing_parenthesis(piece).filter(|_| depth < 4) else {
        names.push(piece.to_owned());
        return;
    };
    let inner = inner.trim();
    let inner = strip_prefix_ignore_case(inner, "original script:").unwrap_or(inner).trim();
    let head = head.trim();
    if head.is_empty() {
        names.push(piece.to_owned());
        return;
    }
    let other_script = has_non_latin(head) != has_non_latin(inner);
    let language = LANGUAGE_LABELS.iter().any(|l| inner.eq_ignore_ascii_case(l));
    if inner.chars().next().is_some_and(char::is_lowercase) || language {
        // A remark: "(birth name)", "(previously listed as)", "(original
        // script)".
        expand_parenthetical(head, names, depth + 1);
    } else if other_script || inner.contains(';') {
        expand_parenthetical(head, names, depth + 1);
        for part in split_outside_parens(inner, &[';']) {
            expand_parenthetical(&part, names, depth + 1);
        }
    } else if !inner.contains(' ') && last_word_variant(head, inner).is_some() {
        // "Lom-ali Butayev (Butaev)": a spelling of the last word.
        names.push(head.to_owned());
        names.extend(last_word_variant(head, inner));
    } else {
        names.push(piece.to_owned());
    }
}

/// Languages and scripts the list names after an original-script name
/// ("ፍትዊ ዓብዱረዛቕ (Tigrinya)"): a label, not a name.
const LANGUAGE_LABELS: [&str; 20] = [
    "Arabic",
    "Persian",
    "Farsi",
    "Pashto",
    "Dari",
    "Urdu",
    "Russian",
    "Ukrainian",
    "Belarusian",
    "Cyrillic",
    "Chinese",
    "Korean",
    "Tigrinya",
    "Amharic",
    "Somali",
    "Georgian",
    "Armenian",
    "Hebrew",
    "Greek",
    "Latin",
];

/// `Some((head, inner))` when the text ends with a parenthesis that opens
/// after its start.
fn trailing_parenthesis(text: &str) -> Option<(&str, &str)> {
    let body = text.strip_suffix(')')?;
    let mut depth = 0usize;
    for (i, c) in body.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' if depth == 0 => return Some((&text[..i], &body[i + 1..])),
            '(' => depth -= 1,
            _ => {}
        }
    }
    None
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &text[prefix.len()..])
}

/// The head with its last word replaced by `variant`, when the two words
/// share their first three letters.
fn last_word_variant(head: &str, variant: &str) -> Option<String> {
    let (rest, last) = head.rsplit_once(' ')?;
    let prefix = |w: &str| w.chars().take(3).flat_map(char::to_lowercase).collect::<String>();
    (variant.chars().count() >= 3 && prefix(last) == prefix(variant))
        .then(|| format!("{rest} {variant}"))
}

fn read_gender(party: &mut Entity, gender: &str, notes: &mut Notes) {
    match gender.to_ascii_lowercase().as_str() {
        "" | "unknown" => {}
        "male" | "m" => {
            party.add(prop::GENDER, "male");
        }
        "female" | "f" => {
            party.add(prop::GENDER, "female");
        }
        _ => notes.info(format!("unknown gender: {gender:?}")),
    }
}

/// An address as one line; its country also goes to `country`.
fn read_address(party: &mut Entity, address: &Element, notes: &mut Notes) {
    let country = address.field("COUNTRY");
    let line: Vec<String> = ["STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE"]
        .iter()
        .map(|tag| address.field(tag))
        .filter(|part| !part.is_empty())
        .collect();
    if !line.is_empty() {
        let mut full = line.join(", ");
        if !country.is_empty() {
            full = format!("{full}, {country}");
        }
        party.add(prop::ADDRESS, &full);
    }
    add_country(party, prop::COUNTRY, &country, notes);
}

/// `TYPE_OF_DATE` EXACT (a `DATE` or a `YEAR`), APPROXIMATELY (a `YEAR`) or
/// BETWEEN (`FROM_YEAR`..`TO_YEAR`, every year of the range); a `NOTE`
/// sometimes holds the date instead ("Nov. 1973").
fn read_birth_date(party: &mut Entity, birth: &Element, notes: &mut Notes) {
    let date = birth.field("DATE");
    let year = birth.field("YEAR");
    let from = birth.field("FROM_YEAR");
    let to = birth.field("TO_YEAR");
    let note = birth.field("NOTE");
    let mut found = false;
    if !date.is_empty() {
        if let Some(date) = iso_date(&date) {
            party.add(prop::BIRTH_DATE, &date);
            found = true;
        } else {
            found |= add_dates(party, prop::BIRTH_DATE, &date);
        }
    }
    if !year.is_empty() {
        // "YEAR 1958, NOTE Sep.": the note can hold the month.
        let refined = (!note.is_empty())
            .then(|| PartialDate::parse_loose(&format!("{note} {year}")))
            .filter(|dates| dates.len() == 1)
            .and_then(|dates| dates.into_iter().next())
            .filter(|d| d.year.to_string() == year);
        match refined {
            Some(date) => {
                party.add(prop::BIRTH_DATE, &date.to_string());
                found = true;
            }
            None => found |= add_dates(party, prop::BIRTH_DATE, &year),
        }
    }
    if !from.is_empty() || !to.is_empty() {
        let range = match (from.is_empty(), to.is_empty()) {
            (false, false) => format!("{from} to {to}"),
            (false, true) => from.clone(),
            _ => to.clone(),
        };
        found |= add_dates(party, prop::BIRTH_DATE, &range);
    }
    if found {
        return;
    }
    if !note.is_empty()
        && !note.to_ascii_lowercase().contains("hijri")
        && add_dates(party, prop::BIRTH_DATE, &note)
    {
        return;
    }
    let given: Vec<String> =
        [("DATE", &date), ("YEAR", &year), ("FROM_YEAR", &from), ("TO_YEAR", &to), ("NOTE", &note)]
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k} {v:?}"))
            .collect();
    if !given.is_empty() {
        party.add(prop::NOTES, &format!("Date of birth: {note}"));
        notes.info(format!(
            "date not understood: date of birth {}; kept in notes",
            given.join(", ")
        ));
    }
}

fn read_birth_place(party: &mut Entity, place: &Element, notes: &mut Notes) {
    let country = place.field("COUNTRY");
    let mut parts: Vec<String> = ["STREET", "CITY", "STATE_PROVINCE"]
        .iter()
        .map(|tag| place.field(tag))
        .filter(|part| !part.is_empty())
        .collect();
    if !parts.is_empty() && !country.is_empty() {
        parts.push(country.clone());
    }
    party.add(prop::BIRTH_PLACE, &parts.join(", "));
    add_country(party, prop::BIRTH_COUNTRY, &country, notes);
}

/// Passports (in English, French or Spanish) go to `passportNumber`, every
/// other document to `idNumber`. A document whose number is only in its
/// free-text note keeps the note.
fn read_document(party: &mut Entity, document: &Element, notes: &mut Notes) {
    let kind = document.field("TYPE_OF_DOCUMENT");
    let kind2 = document.field("TYPE_OF_DOCUMENT2");
    let number = document.field("NUMBER");
    let note = document.field("NOTE");
    let described = if kind.is_empty() { &kind2 } else { &kind };
    let lower = described.to_lowercase();
    let property = if ["passport", "passeport", "pasaporte"].iter().any(|p| lower.contains(p)) {
        prop::PASSPORT_NUMBER
    } else {
        prop::ID_NUMBER
    };
    if !number.is_empty() {
        party.add(property, &number);
        return;
    }
    let text: Vec<&str> = [kind.as_str(), kind2.as_str(), note.as_str()]
        .into_iter()
        .filter(|t| !t.is_empty())
        .collect();
    if text.is_empty() {
        return;
    }
    party.add(prop::NOTES, &text.join(": "));
    notes.info(format!("document without a number: {:?} is kept in notes", text.join(": ")));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: &[&str]) {
        assert_eq!(alias_names(input), expected, "input {input:?}");
    }

    #[test]
    fn alias_lists() {
        check("Azim Adhajani; Azim Agha-Jani", &["Azim Adhajani", "Azim Agha-Jani"]);
        check(
            "Mohammed Sabet; Mohammad Sabet b) M. Javad Kareemi Sabet",
            &["Mohammed Sabet", "Mohammad Sabet", "M. Javad Kareemi Sabet"],
        );
        check("حسن غول (Hassan Ghul; Hassan Gul)", &["حسن غول", "Hassan Ghul", "Hassan Gul"]);
        check("Jin Tiesan (金铁三)", &["Jin Tiesan", "金铁三"]);
        check("Amir Khazmat (original script: Амир Хазмат)", &["Amir Khazmat", "Амир Хазмат"]);
        check("Encep Nurjaman (birth name)", &["Encep Nurjaman"]);
        check("Hilarion Santos, III (third)", &["Hilarion Santos, III"]);
        check("Lom-ali Butayev (Butaev)", &["Lom-ali Butayev", "Lom-ali Butaev"]);
        check(
            "Libyan Foreign Investment Company (LFIC)",
            &["Libyan Foreign Investment Company (LFIC)"],
        );
        check(
            "Akhter Mohmad son of Noor Mohmad (اختر محمد ولد نور محمد ),",
            &["Akhter Mohmad son of Noor Mohmad", "اختر محمد ولد نور محمد"],
        );
        check(
            "Safia Farkash Mohammed Al-Hadad, born 1 Jan. 1953 (Oman passport no.03825239)",
            &["Safia Farkash Mohammed Al-Hadad"],
        );
        check(
            "Hay’at Tahrir al-Sham (HTS) (هيئة تحرير الشام (original script); Hayat Tahrir al-Sham)",
            &["Hay’at Tahrir al-Sham (HTS)", "هيئة تحرير الشام", "Hayat Tahrir al-Sham"],
        );
        check("(Sheikh) Musa Hilal", &["(Sheikh) Musa Hilal"]);
        check("ፍትዊ ዓብዱረዛቕ (Tigrinya)", &["ፍትዊ ዓብዱረዛቕ"]);
        check(") Abdelrahman Juhan", &["Abdelrahman Juhan"]);
        check(
            "GREAT LAKES (CAGL) ; GREAT LAKES BUSINESS (GLBC)",
            &["GREAT LAKES (CAGL)", "GREAT LAKES BUSINESS (GLBC)"],
        );
        check("", &[]);
        check("((((", &["(((("]);
        check("a)", &[]);
    }
}
