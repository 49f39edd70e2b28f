//! Country codes and the names lists use for them.
//!
//! Vigia stores countries as FollowTheMoney codes: lower-case ISO 3166-1
//! alpha-2 (`mx`, `sv`, `ve`), plus FollowTheMoney's codes for places ISO
//! does not cover (`xk` Kosovo, `suhh` Soviet Union, `ua-cri` Crimea, `zz`
//! global). Lists write countries as names ("Iran (Islamic Republic of)",
//! "Korea, North"), demonyms ("Mexican") or alpha-3 codes; [`code_for`]
//! resolves all of them.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::country_table::COUNTRIES;

/// A country known to Vigia.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Country {
    /// The FollowTheMoney code (lower-case ISO alpha-2 for ISO countries).
    pub code: &'static str,
    /// The ISO alpha-3 code, empty where ISO has none.
    pub alpha3: &'static str,
    /// The display name.
    pub name: &'static str,
}

struct Lookup {
    by_key: HashMap<String, usize>,
}

fn lookup() -> &'static Lookup {
    static LOOKUP: OnceLock<Lookup> = OnceLock::new();
    LOOKUP.get_or_init(|| {
        let mut by_key = HashMap::new();
        for (i, (code, alpha3, name, aliases)) in COUNTRIES.iter().enumerate() {
            by_key.insert(code.to_string(), i);
            if !alpha3.is_empty() {
                by_key.insert(alpha3.to_ascii_lowercase(), i);
            }
            for alias in aliases.iter().chain(std::iter::once(name)) {
                for key in name_keys(alias) {
                    by_key.entry(key).or_insert(i);
                }
            }
        }
        Lookup { by_key }
    })
}

/// Keys under which a country name is found: the folded name, and for
/// "Iran (Islamic Republic of)" or "Korea, Republic of" also the name with
/// the parenthesis or the comma part reordered or dropped.
fn name_keys(name: &str) -> Vec<String> {
    let mut keys = vec![fold(name)];
    if let Some((head, tail)) = name.split_once('(') {
        keys.push(fold(head));
        keys.push(fold(&format!("{} {}", tail.trim_end_matches(')'), head)));
    }
    if let Some((head, tail)) = name.split_once(',') {
        keys.push(fold(&format!("{tail} {head}")));
    }
    keys.retain(|k| !k.is_empty());
    keys
}

/// Lower-cases, strips Latin diacritics and punctuation, collapses spaces.
fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        let c = match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' | 'Á' | 'À' | 'Â' | 'Ä' | 'Ã' | 'Å' => {
                'a'
            }
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' | 'Í' | 'Ì' | 'Î' | 'Ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'Ó' | 'Ò' | 'Ô' | 'Ö' | 'Õ' => 'o',
            'ú' | 'ù' | 'û' | 'ü' | 'Ú' | 'Ù' | 'Û' | 'Ü' => 'u',
            'ç' | 'Ç' => 'c',
            'ñ' | 'Ñ' => 'n',
            '\'' | '’' | '.' => continue,
            c => c,
        };
        if c.is_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.extend(c.to_lowercase());
        } else {
            space = true;
        }
    }
    // "The Gambia", "the Netherlands": the article carries no meaning.
    out.strip_prefix("the ").map(str::to_owned).unwrap_or(out)
}

fn country_at(i: usize) -> Country {
    let (code, alpha3, name, _) = COUNTRIES[i];
    Country { code, alpha3, name }
}

/// Resolves a country code (alpha-2, alpha-3, FollowTheMoney), name, alias
/// or demonym to the country. Case, accents and punctuation are ignored.
pub fn lookup_country(text: &str) -> Option<Country> {
    // The common case, a code already ("mx", "us"), needs no folding.
    if text.len() <= 3
        && text.bytes().all(|b| b.is_ascii_lowercase())
        && let Some(&i) = lookup().by_key.get(text)
    {
        return Some(country_at(i));
    }
    let key = fold(text);
    if key.is_empty() {
        return None;
    }
    lookup().by_key.get(&key).copied().map(country_at)
}

/// Resolves a country code, name, alias or demonym to its FollowTheMoney
/// code. See [`lookup_country`].
pub fn code_for(text: &str) -> Option<&'static str> {
    lookup_country(text).map(|c| c.code)
}

/// The display name of a FollowTheMoney country code.
pub fn name_of(code: &str) -> Option<&'static str> {
    let code = code.to_ascii_lowercase();
    COUNTRIES.iter().find(|(c, ..)| *c == code).map(|(_, _, name, _)| *name)
}

/// Whether a string is a FollowTheMoney country code Vigia knows.
pub fn is_code(code: &str) -> bool {
    // Codes are short and lower case; the lookup table holds every code
    // under itself, so one hash lookup answers (names are keyed too, but no
    // name is also a code).
    code.len() <= 6 && lookup().by_key.get(code).is_some_and(|&i| COUNTRIES[i].0 == code)
}

/// Every country Vigia knows, sorted by code.
pub fn all() -> impl Iterator<Item = Country> {
    (0..COUNTRIES.len()).map(country_at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_list_spellings() {
        let cases = [
            ("Mexico", "mx"),
            ("MEXICO", "mx"),
            ("México", "mx"),
            ("Mexican", "mx"),
            ("MEX", "mx"),
            ("mx", "mx"),
            ("Iran (Islamic Republic of)", "ir"),
            ("Korea, North", "kp"),
            ("Democratic People's Republic of Korea", "kp"),
            ("Korea, Republic of", "kr"),
            ("Russian Federation", "ru"),
            ("Venezuela (Bolivarian Republic of)", "ve"),
            ("El Salvador", "sv"),
            ("The Gambia", "gm"),
            ("Kosovo", "xk"),
            ("Syrian Arab Republic", "sy"),
            ("Côte d'Ivoire", "ci"),
            ("United States", "us"),
            ("Congo, Democratic Republic of the", "cd"),
        ];
        for (text, code) in cases {
            assert_eq!(code_for(text), Some(code), "{text}");
        }
        assert_eq!(code_for("Atlantis"), None);
        assert_eq!(code_for(""), None);
        assert_eq!(name_of("sv"), Some("El Salvador"));
    }
}
