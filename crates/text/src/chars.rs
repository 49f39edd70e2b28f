//! Character properties asked of every char of every name, answered from
//! a table.
//!
//! `char::is_alphanumeric`, and `unicode_normalization`'s
//! `is_combining_mark`, canonical combining class and NFKC quick check,
//! search Unicode tables for each non-ASCII char: in a profile of `vigia
//! screen`, several hundred instructions per call, and folding and
//! tokenising ask them of every char of every name. Names use a handful of
//! 256-char blocks of the Basic Multilingual Plane (Latin-1, Latin
//! Extended, Cyrillic, Arabic...), so the properties of a block are
//! computed once, by those same functions, the first time a char of the
//! block is seen. The answers are therefore the functions' own; chars
//! beyond the BMP are asked directly. The script of a char
//! ([`crate::script::of_char`], a search of `unicode_script`'s tables) is
//! kept alongside.

use std::sync::OnceLock;

use unicode_normalization::IsNormalized;

use crate::script::{self, Script};
use unicode_normalization::char::{
    canonical_combining_class, is_combining_mark as unicode_combining_mark,
};

const ALPHABETIC: u32 = 1;
const NUMERIC: u32 = 2;
const COMBINING_MARK: u32 = 4;
/// The char's NFKC quick-check value is "maybe".
const NFKC_MAYBE: u32 = 8;
/// The char's NFKC quick-check value is "no".
const NFKC_NO: u32 = 16;
/// The canonical combining class sits in the second byte.
const CCC_SHIFT: u32 = 8;
/// The script (its position in [`Script::ALL`]) sits above it.
const SCRIPT_SHIFT: u32 = 16;
const SCRIPT_MASK: u32 = 0xFF;

/// The properties of each char of the BMP, one lazily filled block of 256
/// chars per entry.
static BLOCKS: [OnceLock<[u32; 256]>; 256] = [const { OnceLock::new() }; 256];

fn compute(c: char) -> u32 {
    let mut properties = 0;
    if c.is_alphabetic() {
        properties |= ALPHABETIC;
    }
    if c.is_numeric() {
        properties |= NUMERIC;
    }
    if unicode_combining_mark(c) {
        properties |= COMBINING_MARK;
    }
    // The quick check of a one-char string is the char's own value.
    match unicode_normalization::is_nfkc_quick(std::iter::once(c)) {
        IsNormalized::Yes => {}
        IsNormalized::Maybe => properties |= NFKC_MAYBE,
        IsNormalized::No => properties |= NFKC_NO,
    }
    properties
        | u32::from(canonical_combining_class(c)) << CCC_SHIFT
        | (script::of_char_uncached(c) as u32) << SCRIPT_SHIFT
}

fn properties(c: char) -> u32 {
    let cp = c as u32;
    if cp < 0x80 {
        let b = cp as u8;
        return if b.is_ascii_alphabetic() {
            ALPHABETIC
        } else if b.is_ascii_digit() {
            NUMERIC
        } else {
            0
        };
    }
    if cp > 0xFFFF {
        return compute(c);
    }
    let block = BLOCKS[(cp >> 8) as usize].get_or_init(|| {
        let mut table = [0u32; 256];
        let base = cp & !0xFF;
        for (offset, slot) in table.iter_mut().enumerate() {
            // Surrogate code points are not chars: they stay without class.
            if let Some(c) = char::from_u32(base + offset as u32) {
                *slot = compute(c);
            }
        }
        table
    });
    block[(cp & 0xFF) as usize]
}

fn classes(c: char) -> u32 {
    properties(c) & (ALPHABETIC | NUMERIC | COMBINING_MARK)
}

/// As `unicode_normalization::is_nfkc_quick` (the same algorithm, UAX #15's
/// quick check without the stream-safe test, over the same properties).
pub fn is_nfkc_quick(s: &str) -> IsNormalized {
    let mut last_class = 0u8;
    let mut result = IsNormalized::Yes;
    for c in s.chars() {
        if c.is_ascii() {
            last_class = 0;
            continue;
        }
        let properties = properties(c);
        let class = (properties >> CCC_SHIFT) as u8;
        if last_class > class && class != 0 {
            return IsNormalized::No;
        }
        if properties & NFKC_NO != 0 {
            return IsNormalized::No;
        }
        if properties & NFKC_MAYBE != 0 {
            result = IsNormalized::Maybe;
        }
        last_class = class;
    }
    result
}

/// The script of a char outside ASCII, as
/// [`crate::script::of_char_uncached`] says.
pub(crate) fn script_of(c: char) -> Script {
    if c as u32 > 0xFFFF {
        return script::of_char_uncached(c);
    }
    Script::ALL[((properties(c) >> SCRIPT_SHIFT) & SCRIPT_MASK) as usize]
}

/// As `char::is_alphabetic`.
pub fn is_alphabetic(c: char) -> bool {
    classes(c) & ALPHABETIC != 0
}

/// As `char::is_alphanumeric`.
pub fn is_alphanumeric(c: char) -> bool {
    classes(c) & (ALPHABETIC | NUMERIC) != 0
}

/// As `unicode_normalization::char::is_combining_mark`.
pub fn is_combining_mark(c: char) -> bool {
    classes(c) & COMBINING_MARK != 0
}

/// A letter, a digit or a combining mark: what words are made of.
pub fn is_alphanumeric_or_mark(c: char) -> bool {
    classes(c) != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quick_check_agrees_with_the_unicode_function() {
        let cases = [
            "",
            "john smith",
            "maría muñoz",
            "e\u{301}",
            "a\u{301}\u{316}",
            "a\u{316}\u{301}",
            "\u{fb01}",
            "ﬁrst ²",
            "шойгу сергей",
            "عبد الله",
            "金正恩",
            "한국",
            "\u{1100}\u{1161}",
            "ק\u{05b8}\u{05bc}",
            "𝐀bc",
        ];
        for case in cases {
            assert_eq!(
                is_nfkc_quick(case),
                unicode_normalization::is_nfkc_quick(case.chars()),
                "{case:?}"
            );
        }
        // Every char of the tables (and a sample beyond) alone and around
        // chars of other combining classes.
        for cp in (0..=0xFFFFu32).chain((0x10000..=0x10FFFF).step_by(97)) {
            let Some(c) = char::from_u32(cp) else { continue };
            for s in [c.to_string(), format!("a\u{316}{c}"), format!("{c}\u{301}")] {
                assert_eq!(
                    is_nfkc_quick(&s),
                    unicode_normalization::is_nfkc_quick(s.chars()),
                    "{s:?}"
                );
            }
        }
    }

    #[test]
    fn every_char_has_the_script_the_unicode_tables_give() {
        for cp in 0x80..=0x10FFFFu32 {
            let Some(c) = char::from_u32(cp) else { continue };
            assert_eq!(script_of(c), script::of_char_uncached(c), "{cp:#x}");
        }
    }

    #[test]
    fn every_char_is_classed_as_the_unicode_functions_say() {
        for cp in 0..=0x10FFFFu32 {
            let Some(c) = char::from_u32(cp) else { continue };
            assert_eq!(is_alphabetic(c), c.is_alphabetic(), "{cp:#x} alphabetic");
            assert_eq!(is_alphanumeric(c), c.is_alphanumeric(), "{cp:#x} alphanumeric");
            assert_eq!(is_combining_mark(c), unicode_combining_mark(c), "{cp:#x} combining mark");
            assert_eq!(
                is_alphanumeric_or_mark(c),
                c.is_alphanumeric() || unicode_combining_mark(c),
                "{cp:#x} word char"
            );
        }
    }
}
