//! Phonetic keys.

/// The Double Metaphone primary and alternate keys of a folded Latin token.
pub fn metaphone(token: &str) -> (String, String) {
    (token.to_owned(), token.to_owned())
}

/// The consonant skeleton of a folded Latin token: vowels (and y, w, h
/// between vowels) dropped, doubled letters squeezed ("mohammed" → "mhmd"),
/// so that Arabic and Hebrew consonant-only romanisations compare.
pub fn skeleton(token: &str) -> String {
    token.to_owned()
}

/// American Soundex of a folded Latin token (as OFAC's tool uses).
pub fn soundex(token: &str) -> String {
    token.to_owned()
}
