//! Designated names for the E2 pattern, from Vigia's built-in watchlist
//! (`data/watchlist/vigia_builtin.ftm.json`), written the way a clerk or a
//! remitter might write them, and look-alike names that are not them.

use std::sync::OnceLock;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::tables::{FAMILY, GIVEN};
use crate::world::pick;

const WATCHLIST: &str = include_str!("../../../data/watchlist/vigia_builtin.ftm.json");

/// A designated party: its names, and whether it is a person.
#[derive(Debug)]
struct Designated {
    names: Vec<String>,
    person: bool,
}

fn designated() -> &'static [Designated] {
    static LIST: OnceLock<Vec<Designated>> = OnceLock::new();
    LIST.get_or_init(|| {
        WATCHLIST
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .filter_map(|entity| {
                let schema = entity.get("schema")?.as_str()?;
                let person = match schema {
                    "Person" => true,
                    "Organization" | "Company" | "LegalEntity" => false,
                    _ => return None,
                };
                let properties = entity.get("properties")?;
                let mut names: Vec<String> = Vec::new();
                for key in ["name", "alias"] {
                    for value in
                        properties.get(key).and_then(|v| v.as_array()).into_iter().flatten()
                    {
                        // Acronyms ("CDN", "TdA") are not what a payment
                        // names as its beneficiary.
                        if let Some(text) = value.as_str().filter(|t| t.chars().count() >= 8) {
                            names.push(text.to_owned());
                        }
                    }
                }
                (!names.is_empty()).then_some(Designated { names, person })
            })
            .collect()
    })
}

/// Removes the Spanish accents.
fn plain(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'á' => 'a',
            'é' => 'e',
            'í' => 'i',
            'ó' => 'o',
            'ú' | 'ü' => 'u',
            'ñ' => 'n',
            'Á' => 'A',
            'É' => 'E',
            'Í' => 'I',
            'Ó' => 'O',
            'Ú' => 'U',
            'Ñ' => 'N',
            other => other,
        })
        .collect()
}

/// Title case ("GUZMÁN LOERA" → "Guzmán Loera").
fn title(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => {
                    first.to_uppercase().chain(chars.flat_map(char::to_lowercase)).collect()
                }
                None => String::new(),
            }
        })
        .collect::<Vec<String>>()
        .join(" ")
}

/// A designated name as it may appear on a payment.
pub(crate) fn variant(rng: &mut ChaCha8Rng) -> String {
    let list = designated();
    if list.is_empty() {
        return "Tren de Aragua".to_owned();
    }
    let party = &list[rng.random_range(0..list.len())];
    let name = party.names[rng.random_range(0..party.names.len())].clone();
    let words: Vec<&str> = name.split_whitespace().collect();
    match rng.random_range(0..6) {
        0 => plain(&name),
        1 => plain(&name).to_uppercase(),
        2 => title(&name),
        // Family names first, as on many forms.
        3 if party.person && words.len() >= 3 => {
            let (given, family) = words.split_at(words.len() - 2);
            format!("{}, {}", family.join(" "), given.join(" "))
        }
        // A typo: two letters swapped inside the longest word.
        4 => {
            let longest = words.iter().copied().max_by_key(|w| w.chars().count()).unwrap_or("");
            let chars: Vec<char> = longest.chars().collect();
            if chars.len() >= 5 {
                let i = rng.random_range(1..chars.len() - 2);
                let mut swapped = chars.clone();
                swapped.swap(i, i + 1);
                let swapped: String = swapped.into_iter().collect();
                name.replacen(longest, &swapped, 1)
            } else {
                name
            }
        }
        // An organisation's name inside a company name.
        5 if !party.person => format!("{} S.A. de C.V.", plain(&name)),
        _ => name,
    }
}

/// A name that shares a word with a designated person but is someone else.
pub(crate) fn lookalike(rng: &mut ChaCha8Rng) -> String {
    let people: Vec<&Designated> = designated().iter().filter(|d| d.person).collect();
    let family = people
        .get(rng.random_range(0..people.len().max(1)))
        .and_then(|d| d.names.first())
        .and_then(|n| n.split_whitespace().rev().nth(1).map(title))
        .unwrap_or_else(|| "Guzmán".to_owned());
    format!("{} {} {}", pick(rng, GIVEN), family, pick(rng, FAMILY))
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn the_builtin_watchlist_gives_people_and_organisations() {
        let list = designated();
        assert!(list.iter().any(|d| d.person));
        assert!(list.iter().any(|d| d.names.iter().any(|n| n.contains("Sinaloa"))));
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for _ in 0..50 {
            assert!(!variant(&mut rng).is_empty());
            assert!(lookalike(&mut rng).split_whitespace().count() == 3);
        }
    }
}
