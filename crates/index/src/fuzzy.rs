//! Token-level fuzzy lookup: a length-aware edit budget and a symmetric
//! deletion neighbourhood.
//!
//! Two tokens are fuzzy neighbours when their optimal-string-alignment
//! distance (Levenshtein plus adjacent transpositions) is within the budget
//! of the shorter one: one edit from three to eight letters, two when both
//! have nine or more; a token of one or two letters only matches itself.
//! (Budgeting by the shorter token keeps the deletion neighbourhood of the
//! common five-to-seven-letter name parts at depth one: a third of the
//! memory, and spelling variants that differ by two edits in short names
//! — "hussein"/"husain" — are caught by the given-name classes, the
//! phonetic key and the consonant skeleton instead.) Short tokens (three or four
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

use rapidfuzz::distance::osa;

/// The largest edit budget any token gets.
pub const MAX_EDITS: usize = 2;

/// The edit budget of a pair of tokens whose longer one has `len` characters.
pub fn edit_budget(len: usize) -> usize {
    match len {
        0..=2 => 0,
        3..=8 => 1,
        _ => 2,
    }
}

/// Whether a pair of this length must agree on its first letter.
pub fn first_letter_fixed(len: usize) -> bool {
    len <= 4
}

/// How many deletions to generate for a token of `len` characters: its own
/// budget, since a pair's budget is that of its shorter token.
pub fn deletion_depth(len: usize) -> usize {
    edit_budget(len).min(MAX_EDITS)
}

/// The multiplier of the polynomial hash of deletion keys (odd, so that
/// multiplication is a bijection modulo 2^64).
const BASE: u64 = 0x100_0000_01b3;

/// The hash key of a (possibly deleted) token: a polynomial hash over its
/// characters, modulo 2^64. Polynomial, so that the key of the token with
/// one or two characters deleted is computed in constant time from prefix
/// and suffix hashes; a collision only adds a candidate that the distance
/// check then rejects.
pub fn key(chars: &[char]) -> u64 {
    let mut h = chars.len() as u64;
    for &c in chars {
        h = h.wrapping_mul(BASE).wrapping_add(c as u64 + 1);
    }
    h
}

/// Calls `f` with the key of the token and of every string obtained by
/// deleting up to `depth` (at most [`MAX_EDITS`]) characters from it.
/// Deleting either letter of a run gives the same string and is done once;
/// other repeats are possible and harmless (callers deduplicate what they
/// find). Constant work per key, no allocation for tokens of up to 64
/// characters (longer tokens only get their own key).
pub fn for_each_deletion(token: &[char], depth: usize, f: &mut impl FnMut(u64)) {
    let n = token.len();
    f(key(token));
    if depth == 0 || n <= 1 || n > 64 {
        return;
    }
    // prefix[k] = polynomial hash of token[..k] (without the length term);
    // power[k] = BASE^k. The hash of any concatenation of slices follows.
    let mut prefix = [0u64; 65];
    let mut power = [1u64; 65];
    for k in 0..n {
        prefix[k + 1] = prefix[k].wrapping_mul(BASE).wrapping_add(token[k] as u64 + 1);
        power[k + 1] = power[k].wrapping_mul(BASE);
    }
    let slice = |a: usize, b: usize| prefix[b].wrapping_sub(prefix[a].wrapping_mul(power[b - a]));
    // The length term of `key`, seen from the first character on.
    let seed = |len: usize| (len as u64).wrapping_mul(power[len]);
    for i in 0..n {
        if i > 0 && token[i] == token[i - 1] {
            continue;
        }
        // token without i: token[..i] ++ token[i+1..]
        let rest = n - 1 - i;
        let one = seed(n - 1)
            .wrapping_add(prefix[i].wrapping_mul(power[rest]))
            .wrapping_add(slice(i + 1, n));
        f(one);
        if depth >= 2 && n > 2 {
            for j in i + 1..n {
                // Deleting j after i: runs in the once-deleted string are
                // skipped the same way.
                let previous = if j - 1 == i {
                    if i > 0 { Some(token[i - 1]) } else { None }
                } else {
                    Some(token[j - 1])
                };
                if previous == Some(token[j]) {
                    continue;
                }
                let after = n - 1 - j;
                let two = seed(n - 2)
                    .wrapping_add(prefix[i].wrapping_mul(power[n - 2 - i]))
                    .wrapping_add(slice(i + 1, j).wrapping_mul(power[after]))
                    .wrapping_add(slice(j + 1, n));
                f(two);
            }
        }
    }
}

/// The optimal-string-alignment distance of two short strings if it is at
/// most `max`, else `None`. Strings of up to 63 characters take Hyyrö's
/// bit-parallel algorithm (one machine word holds a column of the table:
/// a dozen word operations per character of `a`); longer ones the general
/// one. Query expansion asks this of every phonetic and deletion candidate
/// of every part it has not seen, where a table of cells, zeroed and
/// copied row by row, cost about 800 instructions a pair.
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
    if m == 0 {
        return Some(n);
    }
    // Hyyrö (2003), "A bit-vector algorithm for computing Levenshtein and
    // Damerau edit distances", with `b` as the pattern: bit j of the
    // vectors is row j of the current column, `distance` its last cell.
    let last = 1u64 << (m - 1);
    let (mut vp, mut vn, mut d0, mut previous_match) = (!0u64, 0u64, 0u64, 0u64);
    let mut distance = m;
    for &c in a {
        let mut matches = 0u64;
        for (j, &d) in b.iter().enumerate() {
            matches |= u64::from(c == d) << j;
        }
        let transposed = ((!d0 & matches) << 1) & previous_match;
        d0 = ((((matches & vp).wrapping_add(vp)) ^ vp) | matches | vn) | transposed;
        let hp = vn | !(d0 | vp);
        let hn = d0 & vp;
        if hp & last != 0 {
            distance += 1;
        } else if hn & last != 0 {
            distance -= 1;
        }
        let hp = (hp << 1) | 1;
        let hn = hn << 1;
        vp = hn | !(d0 | hp);
        vn = hp & d0;
        previous_match = matches;
    }
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
    osa::distance_with_args(
        a.iter().copied(),
        b.iter().copied(),
        &osa::Args::default().score_cutoff(max),
    )
}

/// The edit distance of two tokens if they are fuzzy neighbours under the
/// budget rules (the first-letter rule applies unless `relax_first_letter`).
pub fn neighbour_distance(a: &[char], b: &[char], relax_first_letter: bool) -> Option<usize> {
    let longer = a.len().max(b.len());
    let budget = edit_budget(a.len().min(b.len()));
    // A one- or two-letter token ("al", "de", "ng") is a particle, an
    // initial or a syllable: near-misses of it are noise.
    if budget == 0 {
        return (a == b).then_some(0);
    }
    // Short pairs must agree on their first letter, or have their first
    // two letters swapped ("emna"/"mena", a common typing slip).
    if !relax_first_letter
        && first_letter_fixed(longer)
        && a.first() != b.first()
        && !swapped_start(a, b)
    {
        return None;
    }
    osa_within(a, b, budget)
}

/// Every text one edit from `word` (a substitution, deletion or
/// insertion at each place, and a swap of each pair of neighbours): the
/// cases of the tests of the one-edit filters.
#[cfg(test)]
pub(crate) fn one_edit_texts(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    let mut texts = Vec::new();
    for i in 0..=chars.len() {
        let mut inserted = chars.clone();
        inserted.insert(i, 'q');
        texts.push(inserted.iter().collect());
        if i < chars.len() {
            let mut deleted = chars.clone();
            deleted.remove(i);
            texts.push(deleted.iter().collect());
            let mut substituted = chars.clone();
            substituted[i] = 'é';
            texts.push(substituted.iter().collect());
        }
        if i + 1 < chars.len() {
            let mut swapped = chars.clone();
            swapped.swap(i, i + 1);
            texts.push(swapped.iter().collect());
        }
    }
    texts
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
        check("mohamad", "muhammad", None);
        check("muhammad", "mohammed", None);
        check("abdulrahman", "abdelrahmen", Some(2));
        check("bush", "habbash", None);
        check("abdulrahman", "abdurrahman", Some(1));
        check("salek", "selak", None);
        check("muhammad", "muhammed", Some(1));
        check("emna", "mena", Some(1));
        check("baid", "abid", Some(1));
    }

    #[test]
    fn short_distance_agrees_with_the_reference() {
        let words = [
            "",
            "a",
            "ab",
            "ba",
            "abc",
            "acb",
            "guzman",
            "guzmna",
            "mohamad",
            "muhammad",
            "abdulrahman",
            "abdurrahman",
            "salek",
            "selak",
            // Pairs of one phonetic key, which `phonetic_compatible`
            // compares with the short-string distance.
            "stephen",
            "stephanie",
            "paul",
            "powell",
            "kintero",
            "quintero",
            "aleksandrovich",
            "alexandrovitch",
        ];
        for a in words {
            for b in words {
                for max in 0..4 {
                    assert_eq!(
                        osa_within(&chars(a), &chars(b), max),
                        distance_within(&chars(a), &chars(b), max),
                        "{a} {b} {max}"
                    );
                }
            }
        }
    }

    #[test]
    fn short_distance_agrees_with_the_reference_on_every_short_pair() {
        // Every string of up to five letters over three: repeats, swaps and
        // shifts of every kind, within and beyond every band.
        let mut words: Vec<Vec<char>> = vec![Vec::new()];
        let mut last = vec![Vec::new()];
        for _ in 0..5 {
            last = last
                .iter()
                .flat_map(|w: &Vec<char>| {
                    ['a', 'b', 'c'].map(|c| w.iter().copied().chain([c]).collect::<Vec<_>>())
                })
                .collect();
            words.extend(last.iter().cloned());
        }
        for a in &words {
            for b in &words {
                for max in 0..=5 {
                    assert_eq!(
                        osa_within(a, b, max),
                        distance_within(a, b, max),
                        "{a:?} {b:?} {max}"
                    );
                }
            }
        }
    }

    #[test]
    fn deletion_keys_are_the_keys_of_the_deleted_strings() {
        for word in ["guzman", "mohammed", "abc", "aab", "abba", "llama", "mississippi"] {
            let w = chars(word);
            let mut expected = vec![key(&w)];
            for i in 0..w.len() {
                let mut one = w.clone();
                one.remove(i);
                expected.push(key(&one));
                for j in i..one.len() {
                    let mut two = one.clone();
                    two.remove(j);
                    expected.push(key(&two));
                }
            }
            let mut got = Vec::new();
            for_each_deletion(&w, 2, &mut |k| got.push(k));
            for k in &got {
                assert!(expected.contains(k), "{word}: unexpected key");
            }
            let (mut e, mut g) = (expected.clone(), got.clone());
            e.sort_unstable();
            e.dedup();
            g.sort_unstable();
            g.dedup();
            assert_eq!(e, g, "{word}: every deletion is generated");
        }
    }

    #[test]
    fn deletions_meet_within_budget() {
        // Every pair within the budget shares a deletion key.
        let pairs = [
            ("jon", "john"),
            ("abdulrahman", "abdelrahmen"),
            ("guzman", "guzmna"),
            ("abcdefghi", "abcdefghijk"),
        ];
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
