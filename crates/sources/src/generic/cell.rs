//! Cell values of tabular lists (the generic CSV, trade.gov's CSL, BIS's
//! DPL, Senzing attributes): dates, countries, genders, multi-valued cells,
//! and stable ids for lists that give none.
//!
//! Properties hold FollowTheMoney values only: ISO dates and country codes.
//! A cell that is not one is left out of the property with an info note
//! naming it, so an operator can see what was not understood.

use vigia_model::entity::collapse_whitespace;
use vigia_model::{Entity, PartialDate, Severity, country, prop};

/// Notes about one record: severity and message, reported with the record.
pub(crate) type Notes = Vec<(Severity, String)>;

/// Values lists write for "unknown".
pub(crate) fn is_placeholder(text: &str) -> bool {
    matches!(
        text.trim().to_ascii_lowercase().as_str(),
        "" | "-" | "--" | "na" | "n/a" | "n.a." | "unknown" | "none" | "null" | "not known" | "-0-"
    )
}

/// Adds every date a loose date text denotes ("1957", "04 Apr 1957",
/// "1955 to 1960"); an unreadable one is noted and left out.
pub(crate) fn add_date(entity: &mut Entity, property: &str, text: &str, notes: &mut Notes) {
    if is_placeholder(text) {
        return;
    }
    let dates = PartialDate::parse_loose(text);
    if dates.is_empty() {
        notes.push((
            Severity::Info,
            format!("{property}: {text:?} is not a date Vigia can read; left out"),
        ));
    }
    for date in dates {
        entity.add(property, &date.to_string());
    }
}

/// A US date, month first (`10/16/2017`), or an ISO date.
pub(crate) fn us_date(text: &str) -> Option<PartialDate> {
    let text = text.trim();
    if let Ok(date) = PartialDate::parse_iso(text) {
        return Some(date);
    }
    let parts: Vec<&str> = text.split('/').map(str::trim).collect();
    let [month, day, year] = parts.as_slice() else { return None };
    let year: u16 = year.parse().ok().filter(|_| year.len() == 4)?;
    PartialDate::ymd(year, month.parse().ok()?, day.parse().ok()?)
}

/// Resolves a country code, name or demonym; also the country that starts
/// a longer text ("Bahrain (citizenship revoked)"). An unknown value is
/// noted and left out.
pub(crate) fn country_code(text: &str, property: &str, notes: &mut Notes) -> Option<&'static str> {
    let text = collapse_whitespace(text);
    if is_placeholder(&text) {
        return None;
    }
    if let Some(code) = country::code_for(&text) {
        return Some(code);
    }
    for cut in ['(', ',', ';', '/'] {
        if let Some((head, _)) = text.split_once(cut)
            && let Some(code) = country::code_for(head)
        {
            return Some(code);
        }
    }
    notes.push((
        Severity::Info,
        format!("{property}: {text:?} is not a country Vigia knows; left out"),
    ));
    None
}

/// Adds a country to a property (see [`country_code`]).
pub(crate) fn add_country(entity: &mut Entity, property: &str, text: &str, notes: &mut Notes) {
    if let Some(code) = country_code(text, property, notes) {
        entity.add(property, code);
    }
}

/// Adds a gender: `male`, `female` or `other`, from the usual spellings.
pub(crate) fn add_gender(entity: &mut Entity, text: &str, notes: &mut Notes) {
    let gender = match text.trim().to_ascii_lowercase().as_str() {
        "m" | "male" | "man" | "masculine" | "masculino" | "h" | "hombre" => "male",
        "f" | "female" | "woman" | "feminine" | "femenino" | "mujer" => "female",
        "x" | "other" | "diverse" | "non-binary" => "other",
        t if is_placeholder(t) => return,
        _ => {
            notes.push((
                Severity::Info,
                format!("gender: {text:?} is not a gender Vigia knows; left out"),
            ));
            return;
        }
    };
    entity.add(prop::GENDER, gender);
}

/// Splits a multi-valued cell at a separator; trims and drops empty parts.
pub(crate) fn split<'a>(text: &'a str, separator: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    text.split(separator).map(str::trim).filter(|part| !part.is_empty())
}

/// Repairs C1 control characters (U+0080 to U+009F) that stand for
/// windows-1252 punctuation: a file converted from windows-1252 as if it
/// were Latin-1 carries `HA\u{92}Assif` for `HA’Assif`. Returns the
/// repaired text, or `None` when there was nothing to repair.
pub(crate) fn repair_c1(text: &str) -> Option<String> {
    if !text.chars().any(|c| ('\u{80}'..='\u{9f}').contains(&c)) {
        return None;
    }
    let repaired = text
        .chars()
        .map(|c| match u8::try_from(u32::from(c)) {
            Ok(byte) if (0x80..=0x9f).contains(&byte) => {
                let bytes = [byte];
                let (decoded, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&bytes);
                decoded.chars().next().filter(|d| !d.is_control()).unwrap_or(' ')
            }
            _ => c,
        })
        .collect();
    Some(repaired)
}

/// A name in the form ids are derived from: upper case, inner whitespace
/// collapsed, so that `" I. ASH"` and `"I. ASH"` are the same party.
pub(crate) fn name_key(name: &str) -> String {
    collapse_whitespace(name).to_uppercase()
}

/// A stable 16-hex-digit key of some texts: FNV-1a (64 bits) over the texts
/// joined by a unit separator. Unlike the standard library's hasher it is
/// fixed by definition, so ids derived from it never change between
/// versions of Vigia or of Rust.
pub(crate) fn stable_key(parts: &[&str]) -> String {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            hash ^= 0x1f;
            hash = hash.wrapping_mul(PRIME);
        }
        for byte in part.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_fixed() {
        // FNV-1a test vectors.
        assert_eq!(stable_key(&[""]), "cbf29ce484222325");
        assert_eq!(stable_key(&["a"]), "af63dc4c8601ec8c");
        assert_eq!(stable_key(&["foobar"]), "85944171f73967e8");
        assert_ne!(stable_key(&["ab", "c"]), stable_key(&["a", "bc"]));
        assert_eq!(name_key("  i.  Ash "), "I. ASH");
    }

    #[test]
    fn values() {
        let mut e = Entity::new("x", vigia_model::Schema::Person);
        let mut notes = Notes::new();
        add_date(&mut e, prop::BIRTH_DATE, "1974", &mut notes);
        add_date(&mut e, prop::BIRTH_DATE, "someday", &mut notes);
        add_country(&mut e, prop::NATIONALITY, "DZ", &mut notes);
        add_country(&mut e, prop::NATIONALITY, "Mexican", &mut notes);
        add_country(&mut e, prop::NATIONALITY, "Atlantis", &mut notes);
        add_gender(&mut e, "F", &mut notes);
        assert_eq!(e.get(prop::BIRTH_DATE), ["1974"]);
        assert_eq!(e.get(prop::NATIONALITY), ["dz", "mx"]);
        assert_eq!(e.get(prop::GENDER), ["female"]);
        assert_eq!(notes.len(), 2);
        assert_eq!(us_date("10/16/2017").map(|d| d.to_string()).as_deref(), Some("2017-10-16"));
        assert_eq!(us_date("05/06/2017").map(|d| d.to_string()).as_deref(), Some("2017-05-06"));
        assert_eq!(us_date("2017-10-23").map(|d| d.to_string()).as_deref(), Some("2017-10-23"));
        assert_eq!(us_date("13/01/2017"), None);
        assert_eq!(split(" a; ;b ", ";").collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(repair_c1("HA\u{92}Assif").as_deref(), Some("HA\u{2019}Assif"));
        assert_eq!(repair_c1("plain"), None);
    }
}
