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
/// deleting up to `depth` (at most [`MAX_EDITS`]) characters from it.
/// Deleting either letter of a run gives the same string and is done once;
/// other repeats are possible and harmless (callers deduplicate what they
/// find). No allocation for tokens of up to 64 characters.
pub fn for_each_deletion(token: &[char], depth: usize, f: &mut impl FnMut(u64)) {
    let emit = |key: u64, f: &mut dyn FnMut(u64)| f(key);
    emit(self::key(token), f);
    let n = token.len();
    if depth == 0 || n <= 1 || n > 64 {
        return;
    }
    let mut one = [' '; 64];
    let mut two = [' '; 64];
    for i in 0..n {
        // Deleting either letter of a run ("ll") gives the same string.
        if i > 0 && token[i] == token[i - 1] {
            continue;
        }
        one[..i].copy_from_slice(&token[..i]);
        one[i..n - 1].copy_from_slice(&token[i + 1..]);
        emit(self::key(&one[..n - 1]), f);
        if depth >= 2 && n > 2 {
            for j in i..n - 1 {
                if j > i && one[j] == one[j - 1] {
                    continue;
                }
                two[..j].copy_from_slice(&one[..j]);
                two[j..n - 2].copy_from_slice(&one[j + 1..n - 1]);
                emit(self::key(&two[..n - 2]), f);
            }
        }
    }
}

/// A banded optimal-string-alignment distance for short strings: the
/// distance if it is at most `max`, else `None`. Plain dynamic programming
/// over at most 64 characters with an early exit when a whole row exceeds
/// `max`; for name tokens this is faster than any set-up-heavy kernel.
pub fn osa_within(a: &[char], b: &[char], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    if a == b {
        return Some(0);
    }
    let (n, m) = (a.len(), b.len());
    if n > 63 || m > 63 {
        return distance_within(a, b, max);
    }
    // Three rows: two back (for transpositions), previous, current.
    let mut before = [0usize; 64];
    let mut previous = [0usize; 64];
    let mut current = [0usize; 64];
    for (j, cell) in previous.iter_mut().enumerate().take(m + 1) {
        *cell = j;
    }
    for i in 1..=n {
        current[0] = i;
        let mut row_min = current[0];
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut value = (previous[j] + 1).min(current[j - 1] + 1).min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                value = value.min(before[j - 2] + 1);
            }
            current[j] = value;
            row_min = row_min.min(value);
        }
        if row_min > max {
            return None;
        }
        before[..=m].copy_from_slice(&previous[..=m]);
        previous[..=m].copy_from_slice(&current[..=m]);
    }
    let distance = previous[m];
    (distance <= max).then_some(distance)
}

fn swapped_start(a: &[char], b: &[char]) -> bool {
    a.len() >= 2 && b.len() >= 2 && a[0] == b[1] && a[1] == b[0]
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
    // Short pairs must agree on their first letter, or have their first
    // two letters swapped ("emna"/"mena", a common typing slip).
    if !relax_first_letter && first_letter_fixed(longer) && a.first() != b.first() && !swapped_start(a, b) {
        return None;
    }
    osa_within(a, b, budget)
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
        check("emna", "mena", Some(1));
        check("baid", "abid", Some(1));
    }

    #[test]
    fn banded_distance_agrees_with_the_reference() {
        let words = ["", "a", "ab", "ba", "abc", "acb", "guzman", "guzmna", "mohamad", "muhammad", "abdulrahman", "abdurrahman", "salek", "selak"];
        for a in words {
            for b in words {
                for max in 0..4 {
                    assert_eq!(osa_within(&chars(a), &chars(b), max), distance_within(&chars(a), &chars(b), max), "{a} {b} {max}");
                }
            }
        }
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
