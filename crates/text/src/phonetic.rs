//! Phonetic keys.
//!
//! Three keys per Latin token, each for a different job: Double Metaphone
//! proposes candidates across English, Spanish, German and Slavic spellings;
//! the consonant skeleton lets vowel-less romanisations of Arabic and Hebrew
//! ("mhmd") meet their vowelled spellings ("mohammed"); Soundex is what
//! OFAC's own search tool uses, for the OFAC-compatible mode.

use std::cell::RefCell;
use std::sync::OnceLock;

use rustc_hash::FxHashMap;

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
    if !has_metaphone(token) {
        return (String::new(), String::new());
    }
    // Names repeat (Zipf): a small per-thread memo of recent tokens saves
    // the encoder's allocations on most calls. It changes no result.
    thread_local! {
        static MEMO: RefCell<FxHashMap<Box<str>, (String, String)>> = RefCell::new(FxHashMap::default());
    }
    if let Some(hit) = MEMO.with(|m| m.borrow().get(token).cloned()) {
        return hit;
    }
    let r = double_metaphone().double_metaphone(token);
    let keys = (r.primary(), r.alternate());
    MEMO.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() >= MEMO_CAPACITY {
            m.clear();
        }
        m.insert(token.into(), keys.clone());
    });
    keys
}

/// The Double Metaphone primary key of a folded Latin token, as
/// [`metaphone`]'s first, without its per-thread memo: for a caller that
/// already computes the key once per distinct token (the query expansion
/// memo of `vigia-index`), where the memo's lookup, copy of the token and
/// copies of both keys were a miss on nearly every call.
pub fn metaphone_primary(token: &str) -> String {
    if !has_metaphone(token) {
        return String::new();
    }
    double_metaphone().double_metaphone(token).primary()
}

/// Whether a token has Double Metaphone keys. The phonetic tables only
/// know Latin letters; a token mixing scripts ("cst有限会社") has no
/// meaningful key (and would upset the encoder).
fn has_metaphone(token: &str) -> bool {
    token.is_ascii() && token.bytes().any(|b| b.is_ascii_alphabetic())
}

/// The most tokens the per-thread metaphone memo holds before it starts
/// over (a few MB at worst).
const MEMO_CAPACITY: usize = 1 << 15;

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
    let mut out = String::with_capacity(token.len());
    let mut last: Option<u8> = None;
    let mut prev: Option<u8> = None;
    let mut bytes =
        token.bytes().filter(u8::is_ascii_alphanumeric).map(|b| b.to_ascii_lowercase()).peekable();
    while let Some(b) = bytes.next() {
        let keep = match prev {
            None => true,
            Some(_) if is_vowel(b) || b == b'y' || b == b'w' => false,
            Some(p) if b == b'h' => !(bytes.peek().is_none() && is_vowel(p)),
            Some(_) => true,
        };
        if keep && last != Some(b) {
            out.push(b as char);
            last = Some(b);
        }
        prev = Some(b);
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
    use super::{metaphone, metaphone_primary, skeleton, soundex};

    #[test]
    fn the_primary_key_alone_is_the_first_of_both() {
        for token in
            ["", "smith", "schmidt", "quintero", "mohammed", "xiao", "13", "cst有限会社", "ñ", "aa"]
        {
            // Twice: the second call of `metaphone` is a hit of its memo.
            assert_eq!(metaphone_primary(token), metaphone(token).0, "{token:?}");
            assert_eq!(metaphone_primary(token), metaphone(token).0, "{token:?}");
        }
    }

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
        // Regression: the encoder must never see non-ASCII letters.
        assert_eq!(metaphone("cst有限会社"), (String::new(), String::new()));
        assert_eq!(metaphone("müller"), (String::new(), String::new()));
    }

    #[test]
    fn soundexes() {
        assert_eq!(soundex("robert"), "R163");
        assert_eq!(soundex("rupert"), "R163");
        assert_eq!(soundex("ashcraft"), "A261");
        assert_eq!(soundex("13"), "");
    }
}
