//! Tokenisation of folded names.

/// Splits a folded name into tokens (words and numbers).
pub fn tokenize(folded: &str) -> Vec<String> {
    folded.split_whitespace().map(str::to_owned).collect()
}
