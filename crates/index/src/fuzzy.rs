//! Token-level fuzzy lookup: a length-aware edit budget and a symmetric
//! deletion neighbourhood.
//!
//! Two tokens are fuzzy neighbours when their optimal-string-alignment
//! distance (Levenshtein plus adjacent transpositions) is within the budget
//! of the longer one: one edit from three to seven letters, two from eight;
//! a token of one or two letters only matches itself. Short tokens (three or four
//! letters) may not differ on their first letter: "jon" finds "john", but
//! "bob" does not find "rob" — unless the query token finds nothing else,
//! in which case the first-letter rule is relaxed (see
//! [`crate::Index::expand`]).
//!
//! Lookup uses symmetric deletion (SymSpell): every dictionary token is
//! stored under each string obtained by deleting up to two of its
//! characters; a query generates its own deletions and looks them up. Two
//! strings within distance `k` always share a deletion of at most `k`
//! characters each, so the lookup loses nothing within the budget; every
//! hit is then verified with the real distance. Keys are 64-bit hashes of
//! the deleted strings: a hash collision only adds a candidate that the
//! verification rejects.

use std::hash::{Hash, Hasher};

use rapidfuzz::distance::osa;
use rustc_hash::FxHasher;

/// The largest edit budget any token gets.
pub const MAX_EDITS: usize = 2;

/// The edit budget of a pair of tokens whose longer one has `len` characters.
pub fn edit_budget(len: usize) -> usize {
    match len {
        0..=2 => 0,
        3..=7 => 1,
        _ => 2,
    }
}

/// Whether a pair of this length must agree on its first letter.
pub fn first_letter_fixed(len: usize) -> bool {
    len <= 4
}

/// How many deletions to generate for a token of `len` characters, so that
/// it meets every partner whose pair budget could reach it: a partner is at
/// most [`MAX_EDITS`] characters longer.
pub fn deletion_depth(len: usize) -> usize {
    // Tokens of one or two letters only ever match exactly.
    if len <= 2 { 0 } else { edit_budget(len + MAX_EDITS).min(MAX_EDITS) }
}

/// The hash key of a (possibly deleted) token.
pub fn key(chars: &[char]) -> u64 {
    let mut hasher = FxHasher::default();
    chars.hash(&mut hasher);
    hasher.finish()
}

/// Calls `f` with the key of the token and of every string obtained by
/// deleting up to `depth` characters from it (duplicates possible).
pub fn for_each_deletion(token: &[char], depth: usize, f: &mut impl FnMut(u64)) {
    f(key(token));
    if depth == 0 || token.len() <= 1 {
        return;
    }
    let mut buffer: Vec<char> = Vec::with_capacity(token.len());
    for i in 0..token.len() {
        buffer.clear();
        buffer.extend_from_slice(&token[..i]);
        buffer.extend_from_slice(&token[i + 1..]);
        // Deleting the same letter from a run ("ll") gives the same string
        // once: skip the repeats, they only cost time.
        if i > 0 && token[i] == token[i - 1] {
            continue;
        }
        if depth == 1 {
            f(key(&buffer));
        } else {
            for_each_deletion(&buffer, depth - 1, f);
        }
    }
}

/// The optimal-string-alignment distance between two tokens if it is at most
/// `max`, else `None`.
pub fn distance_within(a: &[char], b: &[char], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    osa::distance_with_args(a.iter().copied(), b.iter().copied(), &osa::Args::default().score_cutoff(max))
}

/// The edit distance of two tokens if they are fuzzy neighbours under the
/// budget rules (the first-letter rule applies unless `relax_first_letter`).
pub fn neighbour_distance(a: &[char], b: &[char], relax_first_letter: bool) -> Option<usize> {
    let longer = a.len().max(b.len());
    let budget = edit_budget(longer);
    // A one- or two-letter token ("al", "de", "ng") is a particle, an
    // initial or a syllable: near-misses of it are noise.
    if budget == 0 || a.len().min(b.len()) <= 2 {
        return (a == b).then_some(0);
    }
    if !relax_first_letter && first_letter_fixed(longer) && a.first() != b.first() {
        return None;
    }
    distance_within(a, b, budget)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    fn check(a: &str, b: &str, expected: Option<usize>) {
        assert_eq!(neighbour_distance(&chars(a), &chars(b), false), expected, "{a} ~ {b}");
        assert_eq!(neighbour_distance(&chars(b), &chars(a), false), expected, "{b} ~ {a}");
    }

    #[test]
    fn budget_rules() {
        check("jon", "john", Some(1));
        check("ann", "anne", Some(1));
        check("al", "ali", None);
        check("al", "al", Some(0));
        check("bob", "rob", None);
        check("guzman", "guzmann", Some(1));
        check("hasan", "hassan", Some(1));
        check("mohamad", "muhammad", Some(2));
        check("bush", "habbash", None);
        check("abdulrahman", "abdurrahman", Some(1));
        check("salek", "selak", None);
        check("muhammad", "muhammed", Some(1));
    }

    #[test]
    fn deletions_meet_within_budget() {
        // Every pair within the budget shares a deletion key.
        let pairs = [("jon", "john"), ("mohamad", "muhammad"), ("guzman", "guzmna"), ("abcdefgh", "abcdefghij")];
        for (a, b) in pairs {
            let (a, b) = (chars(a), chars(b));
            let mut keys_a = Vec::new();
            for_each_deletion(&a, deletion_depth(a.len()), &mut |k| keys_a.push(k));
            let mut shared = false;
            for_each_deletion(&b, deletion_depth(b.len()), &mut |k| shared |= keys_a.contains(&k));
            assert!(shared, "{a:?} {b:?}");
        }
    }
}
