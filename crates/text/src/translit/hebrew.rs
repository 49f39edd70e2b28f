//! Hebrew → Latin.
//!
//! As for Arabic, Hebrew writes few vowels: a dictionary of frequent name
//! words (the Hebrew members of the given-name classes plus the family
//! names below) comes first, then a letter romanisation that reads ו and י
//! as the vowels they usually are inside a word. Written by the project
//! from general knowledge of Hebrew names and their customary spellings.

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

use super::{Unit, push_unit};
use crate::normalize::fold;

/// Family names and other name words: Hebrew → Latin, most common first.
const WORDS: &[(&str, &[&str])] = &[
    ("כהן", &["cohen", "kohen", "kohn"]),
    ("לוי", &["levi", "levy"]),
    ("מזרחי", &["mizrahi", "mizrachi"]),
    ("פרץ", &["peretz", "perez"]),
    ("ביטון", &["biton"]),
    ("דהן", &["dahan"]),
    ("אברהם", &["avraham", "abraham"]),
    ("פרידמן", &["friedman"]),
    ("אזולאי", &["azoulay", "azulai"]),
    ("מלכה", &["malka"]),
    ("נתניהו", &["netanyahu"]),
    ("ברק", &["barak"]),
    ("שרון", &["sharon"]),
    ("פרס", &["peres"]),
    ("רבין", &["rabin"]),
    ("אולמרט", &["olmert"]),
    ("גנץ", &["gantz"]),
    ("לפיד", &["lapid"]),
    ("בנט", &["bennett", "bennet"]),
    ("ליברמן", &["lieberman", "liberman"]),
    ("בן", &["ben"]),
    ("בת", &["bat"]),
    ("גולדברג", &["goldberg"]),
    ("שפירא", &["shapira", "shapiro"]),
    ("קפלן", &["kaplan"]),
    ("רוזנברג", &["rosenberg"]),
    ("אשכנזי", &["ashkenazi"]),
    ("יוסי", &["yossi", "yosi"]),
    ("אבי", &["avi"]),
    ("רון", &["ron"]),
    ("גיל", &["gil"]),
    ("עמית", &["amit"]),
    ("נועם", &["noam"]),
    ("יעל", &["yael"]),
    ("תמר", &["tamar"]),
    ("נועה", &["noa"]),
    ("רבקה", &["rivka", "rebecca"]),
    ("לאה", &["leah", "lea"]),
    ("אסתר", &["esther", "ester"]),
    ("ישראל", &["israel", "yisrael"]),
    ("שמעון", &["shimon", "simon"]),
    ("יהושע", &["yehoshua", "joshua"]),
    ("אליעזר", &["eliezer"]),
    ("מרדכי", &["mordechai", "mordecai"]),
    ("צבי", &["tzvi", "zvi", "tsvi"]),
    ("אהרון", &["aharon", "aaron"]),
    ("אהרן", &["aharon", "aaron"]),
    ("דניאל", &["daniel"]),
    ("מיכאל", &["michael", "mikhael"]),
    ("גבריאל", &["gavriel", "gabriel"]),
    ("רפאל", &["rafael", "refael"]),
    ("נחום", &["nachum", "nahum"]),
    ("עמוס", &["amos"]),
    ("יונתן", &["yonatan", "jonathan"]),
    ("אלון", &["alon"]),
    ("איתן", &["eitan", "etan"]),
    ("עוזי", &["uzi", "uzzi"]),
];

fn dictionary() -> &'static FxHashMap<String, Vec<&'static str>> {
    static DICT: OnceLock<FxHashMap<String, Vec<&'static str>>> = OnceLock::new();
    DICT.get_or_init(|| {
        let mut dict: FxHashMap<String, Vec<&'static str>> = FxHashMap::default();
        for (hebrew, latin) in WORDS {
            dict.entry(fold(hebrew)).or_insert_with(|| latin.to_vec());
        }
        for class in crate::names::given_classes() {
            let latin: Vec<&'static str> =
                class.iter().copied().filter(|s| s.is_ascii()).take(3).collect();
            if latin.is_empty() {
                continue;
            }
            for &member in *class {
                if member.chars().any(|c| matches!(c as u32, 0x0590..=0x05FF)) {
                    dict.entry(fold(member)).or_insert_with(|| latin.clone());
                }
            }
        }
        dict
    })
}

/// Renders a run of Hebrew words, one unit per word.
pub(super) fn units(words: &[&str]) -> Vec<Unit> {
    let dict = dictionary();
    words
        .iter()
        .map(|w| {
            let mut unit = Vec::new();
            if let Some(latin) = dict.get(*w) {
                for l in latin {
                    push_unit(&mut unit, l);
                }
            }
            push_unit(&mut unit, &letters(w));
            unit
        })
        .collect()
}

/// Romanises a word letter by letter: ו and י inside a word are read as
/// the vowels o/u and i; a final ה as "a"; "a" is guessed between two
/// written consonants.
fn letters(word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    let n = chars.len();
    let mut out = String::with_capacity(word.len() * 2);
    let mut prev_consonant = false;
    for (i, &c) in chars.iter().enumerate() {
        let start = i == 0;
        let last = i + 1 == n;
        let r = match c {
            'א' | 'ע' if start || last => "a",
            'א' | 'ע' => "",
            'ב' => {
                if start {
                    "b"
                } else {
                    "v"
                }
            }
            'ג' => "g",
            'ד' => "d",
            'ה' => {
                if last {
                    "a"
                } else {
                    "h"
                }
            }
            'ו' if start
                || chars.get(i + 1) == Some(&'ו')
                || chars.get(i.wrapping_sub(1)) == Some(&'ו') =>
            {
                "v"
            }
            'ו' => "o",
            'ז' => "z",
            'ח' => "ch",
            'ט' => "t",
            'י' => {
                if start {
                    "y"
                } else {
                    "i"
                }
            }
            'כ' => {
                if start {
                    "k"
                } else {
                    "kh"
                }
            }
            'ך' => "kh",
            'ל' => "l",
            'מ' | 'ם' => "m",
            'נ' | 'ן' => "n",
            'ס' => "s",
            'פ' => {
                if start {
                    "p"
                } else {
                    "f"
                }
            }
            'ף' => "f",
            'צ' | 'ץ' => "tz",
            'ק' => "k",
            'ר' => "r",
            'ש' => "sh",
            'ת' => "t",
            _ => "",
        };
        if r.is_empty() {
            continue;
        }
        let consonant = !matches!(r, "a" | "i" | "o");
        if consonant && prev_consonant {
            out.push(if i + 1 == n { 'e' } else { 'a' });
        }
        prev_consonant = consonant;
        out.push_str(r);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::letters;

    #[test]
    fn letter_romanisation() {
        assert_eq!(letters("שלום"), "shalom");
        assert_eq!(letters("משה"), "masha");
    }
}
