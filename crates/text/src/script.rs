//! Script detection.
//!
//! A name is routed to a transliterator by its dominant script, and each
//! token by its own script, so that a mixed name ("Ахмед Shah") keeps the
//! Latin token and romanises the other.

use unicode_script::{Script as Ucd, UnicodeScript};

/// The writing systems Vigia tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Script {
    /// Digits, punctuation: no script of its own.
    Common,
    /// Latin.
    Latin,
    /// Cyrillic.
    Cyrillic,
    /// Greek.
    Greek,
    /// Arabic (and Persian, Urdu, Pashto).
    Arabic,
    /// Hebrew.
    Hebrew,
    /// Chinese characters (Han), also used in Japanese and Korean names.
    Han,
    /// Korean Hangul.
    Hangul,
    /// Japanese Hiragana or Katakana.
    Kana,
    /// Thai.
    Thai,
    /// Armenian.
    Armenian,
    /// Georgian.
    Georgian,
    /// Devanagari.
    Devanagari,
    /// Anything else.
    Other,
}

impl Script {
    /// Every script, in declaration order: `Script::ALL[s as usize] == s`.
    pub const ALL: [Script; 14] = [
        Script::Common,
        Script::Latin,
        Script::Cyrillic,
        Script::Greek,
        Script::Arabic,
        Script::Hebrew,
        Script::Han,
        Script::Hangul,
        Script::Kana,
        Script::Thai,
        Script::Armenian,
        Script::Georgian,
        Script::Devanagari,
        Script::Other,
    ];
}

/// The script of one char (`Common` for digits, punctuation and marks).
pub fn of_char(c: char) -> Script {
    if c.is_ascii() {
        return if c.is_ascii_alphabetic() { Script::Latin } else { Script::Common };
    }
    // A search of the Unicode script tables per char showed in profiles
    // (names in other scripts ask it of each char several times): the
    // answer is kept with the char's other properties.
    crate::chars::script_of(c)
}

/// [`of_char`] from the Unicode script tables themselves.
pub(crate) fn of_char_uncached(c: char) -> Script {
    if c.is_ascii() {
        return if c.is_ascii_alphabetic() { Script::Latin } else { Script::Common };
    }
    match c.script() {
        Ucd::Latin => Script::Latin,
        Ucd::Cyrillic => Script::Cyrillic,
        Ucd::Greek => Script::Greek,
        Ucd::Arabic => Script::Arabic,
        Ucd::Hebrew => Script::Hebrew,
        Ucd::Han => Script::Han,
        Ucd::Hangul => Script::Hangul,
        Ucd::Hiragana | Ucd::Katakana => Script::Kana,
        Ucd::Thai => Script::Thai,
        Ucd::Armenian => Script::Armenian,
        Ucd::Georgian => Script::Georgian,
        Ucd::Devanagari => Script::Devanagari,
        Ucd::Common | Ucd::Inherited | Ucd::Unknown => {
            // The prolonged sound mark (ー) and the middle dot are Common but
            // only ever appear in Japanese names.
            if matches!(c, '\u{30FC}' | '\u{30FB}') { Script::Kana } else { Script::Common }
        }
        _ => Script::Other,
    }
}

/// Counts of letters per script, for the dominance rules.
fn counts(text: &str) -> [usize; 14] {
    let mut n = [0usize; 14];
    for c in text.chars() {
        let s = of_char(c);
        if s != Script::Common {
            n[s as usize] += 1;
        }
    }
    n
}

/// Applies the dominance rules to letter counts: the most frequent script
/// wins (ties to the earlier, more Latin-like one); any Kana alongside Han
/// makes the text Japanese (`Kana`).
fn dominant_of(n: &[usize; 14]) -> Script {
    if n[Script::Kana as usize] > 0 && n[Script::Han as usize] > 0 {
        return Script::Kana;
    }
    let mut best = Script::Common;
    let mut best_n = 0;
    for s in Script::ALL {
        if n[s as usize] > best_n {
            best = s;
            best_n = n[s as usize];
        }
    }
    best
}

/// The script most letters of the text are in (`Common` when there are no
/// letters). A Japanese name mixing Han and Kana is `Kana`.
pub fn dominant(text: &str) -> Script {
    if text.is_ascii() {
        return if text.bytes().any(|b| b.is_ascii_alphabetic()) {
            Script::Latin
        } else {
            Script::Common
        };
    }
    dominant_of(&counts(text))
}

/// The script of one token (same rules as [`dominant`], applied to the
/// token alone).
pub fn of_token(token: &str) -> Script {
    dominant(token)
}

/// Whether the text has letters in more than one script (Common aside).
pub fn is_mixed(text: &str) -> bool {
    if text.is_ascii() {
        return false;
    }
    counts(text).iter().skip(1).filter(|&&n| n > 0).count() > 1
}

#[cfg(test)]
mod tests {
    use super::{Script, dominant, is_mixed, of_token};

    #[test]
    fn all_is_in_declaration_order() {
        for (i, script) in Script::ALL.iter().enumerate() {
            assert_eq!(*script as usize, i, "{script:?}");
        }
    }

    fn check(input: &str, expected: Script) {
        assert_eq!(dominant(input), expected, "dominant({input:?})");
    }

    #[test]
    fn dominant_scripts() {
        let cases: &[(&str, Script)] = &[
            ("", Script::Common),
            ("13", Script::Common),
            ("john smith", Script::Latin),
            ("joaquin guzman", Script::Latin),
            ("владимир путин", Script::Cyrillic),
            ("νικολαοσ", Script::Greek),
            ("محمد علي", Script::Arabic),
            ("محمد رضا پهلوی", Script::Arabic),
            ("משה", Script::Hebrew),
            ("金正恩", Script::Han),
            ("김정은", Script::Hangul),
            ("山田太郎", Script::Han),
            ("やまだ たろう", Script::Kana),
            ("山田たろう", Script::Kana),
            ("スズキ・イチロー", Script::Kana),
            ("สมชาย", Script::Thai),
            ("दाऊद", Script::Devanagari),
            ("გიორგი", Script::Georgian),
            ("արամ", Script::Armenian),
            ("ахмед shah", Script::Cyrillic),
            ("ahmad шах", Script::Latin),
        ];
        for (input, expected) in cases {
            check(input, *expected);
        }
    }

    #[test]
    fn tokens_and_mixing() {
        assert_eq!(of_token("shah"), Script::Latin);
        assert_eq!(of_token("шах"), Script::Cyrillic);
        assert!(is_mixed("ahmad шах"));
        assert!(!is_mixed("ahmad shah 13"));
        assert!(!is_mixed("山田太郎"));
    }
}
