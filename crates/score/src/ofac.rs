//! The `ofac` algorithm: an emulation of the US Treasury's Sanctions List
//! Search scoring (OFAC FAQ 249), for users who must match its behaviour.
//!
//! OFAC describes its tool as the higher of two techniques: Jaro-Winkler
//! over the whole name, and a per-part comparison combining Jaro-Winkler
//! and Soundex. Following the published emulations, the whole-name score
//! requires the same first letter, each query part takes its best pairing
//! among the listed parts (a pairing below 0.5 counts as nothing), a
//! Soundex agreement counts 0.9, and query parts of one or two letters are
//! dropped (which is why the tool finds five people for "KIM JONG UN").

use rapidfuzz::distance::jaro_winkler;
use vigia_text::phonetic;

/// The OFAC-style similarity of two folded Latin names, with the detail of
/// which technique won.
pub fn name_score(query: &str, listed: &str) -> (f32, String) {
    let query_tokens: Vec<&str> = query.split(' ').filter(|t| t.chars().count() > 2).collect();
    let listed_tokens: Vec<&str> = listed.split(' ').filter(|t| !t.is_empty()).collect();
    if query_tokens.is_empty() || listed_tokens.is_empty() {
        return (0.0, "no comparable parts".into());
    }
    let query_joined = query_tokens.join(" ");
    let whole = if query_joined.chars().next() == listed.chars().next() {
        jaro_winkler::normalized_similarity(query_joined.chars(), listed.chars()) as f32
    } else {
        0.0
    };
    let mut total = 0.0f32;
    let mut detail = Vec::new();
    for q in &query_tokens {
        let q_soundex = phonetic::soundex(q);
        let mut best = 0.0f32;
        let mut best_token = "";
        for l in &listed_tokens {
            let mut s = jaro_winkler::normalized_similarity(q.chars(), l.chars()) as f32;
            if !q_soundex.is_empty() && q_soundex == phonetic::soundex(l) {
                s = s.max(0.9);
            }
            if s > best {
                best = s;
                best_token = l;
            }
        }
        if best < 0.5 {
            best = 0.0;
        }
        detail.push(format!("{q}~{best_token} {best:.2}"));
        total += best;
    }
    let per_part = total / query_tokens.len() as f32;
    if whole >= per_part {
        (whole, format!("whole-name Jaro-Winkler {whole:.2}"))
    } else {
        (per_part, format!("per-part Jaro-Winkler/Soundex {per_part:.2} ({})", detail.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_like_the_ofac_tool() {
        assert!((name_score("george bush", "george bush").0 - 1.0).abs() < 1e-6);
        // Short parts are dropped: "un" does not count.
        let (kim, _) = name_score("kim jong un", "kim jong il");
        assert!(kim > 0.9, "{kim}");
        assert!(name_score("corp", "banco nacional de cuba").0 < 0.7);
    }
}
