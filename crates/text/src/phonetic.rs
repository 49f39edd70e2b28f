//! Phonetic keys.
//!
//! Three keys per Latin token, each for a different job: Double Metaphone
//! proposes candidates across English, Spanish, German and Slavic spellings;
//! the consonant skeleton lets vowel-less romanisations of Arabic and Hebrew
//! ("mhmd") meet their vowelled spellings ("mohammed"); Soundex is what
//! OFAC's own search tool uses, for the OFAC-compatible mode.

use std::sync::OnceLock;

use rphonetic::{DoubleMetaphone, Encoder, Soundex};

/// Double Metaphone with codes of up to 6 letters: the default 4 collides
/// too often on long Arabic and Slavic names.
fn double_metaphone() -> &'static DoubleMetaphone {
    static DM: OnceLock<DoubleMetaphone> = OnceLock::new();
    DM.get_or_init(|| DoubleMetaphone::new(Some(6)))
}

/// The Double Metaphone primary and alternate keys of a folded Latin token.
/// Both are empty for a token without ASCII letters.
pub fn metaphone(token: &str) -> (String, String) {
    // The phonetic tables only know Latin letters; a token mixing scripts
    // ("cst有限会社") has no meaningful key (and would upset the encoder).
    if !token.is_ascii() || !token.bytes().any(|b| b.is_ascii_alphabetic()) {
        return (String::new(), String::new());
    }
    let r = double_metaphone().double_metaphone(token);
    (r.primary(), r.alternate())
}

/// The consonant skeleton of a folded Latin token: vowels (and y, w, h
/// between vowels) dropped, doubled letters squeezed ("mohammed" → "mhmd"),
/// so that Arabic and Hebrew consonant-only romanisations compare.
///
/// Precisely: the first letter is kept even when it is a vowel ("ahmed" →
/// "ahmd", "omar" → "omr") so that names starting with different vowels do
/// not collapse onto one key; later vowels, `y` and `w` are dropped (in
/// Arabic romanisation they mostly spell long vowels: "husayn", "hussein");
/// a word-final `h` after a vowel is dropped ("abdullah" → "abdl"); runs of
/// one consonant squeeze to one, also across a dropped vowel ("mohammed").
pub fn skeleton(token: &str) -> String {
    let bytes: Vec<u8> =
        token.bytes().filter(u8::is_ascii_alphanumeric).map(|b| b.to_ascii_lowercase()).collect();
    let mut out = String::with_capacity(bytes.len());
    let mut last: Option<u8> = None;
    for (i, &b) in bytes.iter().enumerate() {
        let keep = if i == 0 {
            true
        } else if is_vowel(b) || b == b'y' || b == b'w' {
            false
        } else if b == b'h' {
            !(i + 1 == bytes.len() && is_vowel(bytes[i - 1]))
        } else {
            true
        };
        if keep && last != Some(b) {
            out.push(b as char);
            last = Some(b);
        }
    }
    out
}

/// Whether an ASCII byte is a vowel letter.
fn is_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u')
}

/// American Soundex of a folded Latin token (as OFAC's tool uses): a
/// letter and three digits, empty for a token without ASCII letters.
pub fn soundex(token: &str) -> String {
    static SX: OnceLock<Soundex> = OnceLock::new();
    let letters: String = token.chars().filter(char::is_ascii_alphabetic).collect();
    if letters.is_empty() {
        return String::new();
    }
    SX.get_or_init(Soundex::default).encode(&letters)
}

#[cfg(test)]
mod tests {
    use super::{metaphone, skeleton, soundex};

    fn check_skeleton(input: &str, expected: &str) {
        assert_eq!(skeleton(input), expected, "skeleton({input:?})");
    }

    #[test]
    fn skeletons() {
        let cases: &[(&str, &str)] = &[
            ("", ""),
            ("mohammed", "mhmd"),
            ("muhammad", "mhmd"),
            ("mohamed", "mhmd"),
            ("mhmd", "mhmd"),
            ("ahmed", "ahmd"),
            ("ahmad", "ahmd"),
            ("hassan", "hsn"),
            ("hasan", "hsn"),
            ("hussein", "hsn"),
            ("husayn", "hsn"),
            ("khaled", "khld"),
            ("khalid", "khld"),
            ("yousef", "ysf"),
            ("yusuf", "ysf"),
            ("abdullah", "abdl"),
            ("abdallah", "abdl"),
            ("omar", "omr"),
            ("moshe", "msh"),
            ("david", "dvd"),
            ("shlomo", "shlm"),
            ("13", "13"),
        ];
        for (input, expected) in cases {
            check_skeleton(input, expected);
        }
    }

    #[test]
    fn metaphones() {
        assert_eq!(metaphone("mohammed").0, metaphone("muhammad").0);
        assert_eq!(metaphone("shoigu").0, metaphone("shoygu").0);
        assert_eq!(metaphone("13"), (String::new(), String::new()));
    }

    #[test]
    fn soundexes() {
        assert_eq!(soundex("robert"), "R163");
        assert_eq!(soundex("rupert"), "R163");
        assert_eq!(soundex("ashcraft"), "A261");
        assert_eq!(soundex("13"), "");
    }
}
