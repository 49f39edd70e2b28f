//! The token dictionary: every distinct name part of the listed names, with
//! its frequency and the keys that lead to it (deletion neighbourhood,
//! phonetic key, consonant skeleton, equivalence symbol).

use rustc_hash::FxHashMap;

use crate::fuzzy;

mod snapshot;

/// A token's id in the dictionary.
pub type TokenId = u32;

/// What the dictionary knows about one token.
#[derive(Debug, Clone)]
pub struct TokenInfo {
    /// The folded token text.
    pub text: Box<str>,
    /// The token's characters (kept for distance computations).
    pub chars: Box<[char]>,
    /// In how many listed records the token appears.
    pub records: u32,
    /// Rarity in 0.4..=1.0: 1.0 for tokens of three records or fewer,
    /// lower for common tokens. Set when the dictionary is finished.
    pub rarity: f32,
}

/// The dictionary and its lookup tables.
#[derive(Debug, Default)]
pub struct Dictionary {
    pub(crate) tokens: Vec<TokenInfo>,
    by_text: FxHashMap<Box<str>, TokenId>,
    /// Deletion keys grouped by their leading `deletion_bits` bits, with the
    /// token each belongs to (parallel vectors), and a directory of the
    /// groups: a lookup is one directory read and a scan of a few keys,
    /// and building it is a counting sort, with no hash map of millions of
    /// entries.
    deletion_keys: Vec<u64>,
    deletion_tokens: Vec<TokenId>,
    /// Per group, where it starts (low 32 bits) and the signature of its
    /// keys (high 32 bits, see [`deletion_signature`]), then an entry for
    /// the end. Most keys a query part looks up are in no group: the
    /// signature, read with the start, turns them away without reading
    /// the keys (a second cache miss, in a table of megabytes).
    deletion_directory: Vec<u64>,
    deletion_bits: u32,
    /// The keys of the tokens of [`LONG_NEIGHBOUR`] characters or more and
    /// of their one-character deletions, one bit per key (a Bloom filter
    /// with one hash): see [`Dictionary::one_edit_candidates`].
    long_keys: Vec<u64>,
    /// The tokens of each phonetic key and consonant skeleton, with their
    /// shapes: expansion tests the first letter and length of every token
    /// of a key, hundreds for common keys, and reads them here in
    /// sequence rather than at random in the shape table.
    phonetic: FxHashMap<Box<str>, Box<[KeyedToken]>>,
    skeleton: FxHashMap<Box<str>, Box<[KeyedToken]>>,
    symbol: FxHashMap<u32, Vec<TokenId>>,
    /// The first character and length of each token, made on first use:
    /// candidate generation compares the first character with a query's
    /// initials for every part of every name it bounds, and expansion
    /// rules out most tokens of a phonetic key or consonant skeleton by
    /// both, where a token's characters are two reads away.
    shapes: std::sync::OnceLock<Box<[TokenShape]>>,
}

/// The shortest token a text of nine characters or more can be one edit
/// from.
const LONG_NEIGHBOUR: usize = 8;

/// A token's first character and length (see [`Dictionary::shape`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TokenShape {
    pub(crate) first: Option<char>,
    /// In characters.
    pub(crate) len: u32,
}

impl TokenShape {
    fn of(token: &TokenInfo) -> TokenShape {
        TokenShape { first: token.chars.first().copied(), len: token.chars.len() as u32 }
    }
}

/// A token filed under a phonetic key or a consonant skeleton, with its
/// shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KeyedToken {
    pub(crate) id: TokenId,
    pub(crate) shape: TokenShape,
}

/// The lists of a key map with the shapes of their tokens; every id must be
/// a token of `tokens`.
pub(super) fn with_shapes(
    map: FxHashMap<Box<str>, Vec<TokenId>>,
    tokens: &[TokenInfo],
) -> FxHashMap<Box<str>, Box<[KeyedToken]>> {
    map.into_iter()
        .map(|(key, ids)| {
            let keyed = ids
                .iter()
                .map(|&id| KeyedToken { id, shape: TokenShape::of(&tokens[id as usize]) })
                .collect();
            (key, keyed)
        })
        .collect()
}

/// Collects tokens while an index is built.
#[derive(Debug, Default)]
pub(crate) struct DictionaryBuilder {
    dictionary: Dictionary,
    /// The last record each token was counted for, so a token repeated in
    /// several names of one record counts once.
    last_record: Vec<u32>,
    phonetic: Vec<(Box<str>, TokenId)>,
    skeleton: Vec<(Box<str>, TokenId)>,
    symbol: Vec<(u32, TokenId)>,
}

impl DictionaryBuilder {
    /// Interns a token seen in `record`, registering its keys the first
    /// time it is seen.
    pub(crate) fn intern(
        &mut self,
        text: &str,
        record: u32,
        metaphone: &str,
        skeleton: &str,
        symbol: Option<u32>,
    ) -> TokenId {
        let id = match self.dictionary.by_text.get(text) {
            Some(&id) => id,
            None => {
                let id = self.dictionary.tokens.len() as TokenId;
                self.dictionary.tokens.push(TokenInfo {
                    text: text.into(),
                    chars: text.chars().collect(),
                    records: 0,
                    rarity: 1.0,
                });
                self.dictionary.by_text.insert(text.into(), id);
                self.last_record.push(u32::MAX);
                if !metaphone.is_empty() {
                    self.phonetic.push((metaphone.into(), id));
                }
                if skeleton.chars().count() >= 2 {
                    self.skeleton.push((skeleton.into(), id));
                }
                if let Some(symbol) = symbol {
                    self.symbol.push((symbol, id));
                }
                id
            }
        };
        let slot = &mut self.last_record[id as usize];
        if *slot != record {
            *slot = record;
            self.dictionary.tokens[id as usize].records += 1;
        }
        id
    }

    /// Builds the lookup tables. `records` is the number of records indexed.
    pub(crate) fn finish(mut self, records: usize) -> Dictionary {
        let dictionary = &mut self.dictionary;
        // Rarity: inverse document frequency scaled so that a token in at
        // most three records counts fully and the commonest tokens count
        // 0.4. Common tokens still match; they just cannot carry a match on
        // their own.
        let total = records.max(1) as f32;
        let reference = (1.0 + total / 3.0).ln().max(1.0);
        for token in &mut dictionary.tokens {
            let idf = (1.0 + total / token.records.max(1) as f32).ln();
            token.rarity = (0.4 + 0.6 * (idf / reference)).clamp(0.4, 1.0);
        }
        // A counting sort on the key prefix, sized so that a bucket holds
        // two to four keys on average: a signature of 32 bits then tells
        // most absent keys (two bits each) from the keys present, and
        // lookups scan one short bucket. Keys are generated twice (once to
        // count, once to place) so that no intermediate list of millions
        // of pairs is ever held.
        let mut total = 0usize;
        for token in &dictionary.tokens {
            fuzzy::for_each_deletion(
                &token.chars,
                fuzzy::deletion_depth(token.chars.len()),
                &mut |_| total += 1,
            );
        }
        let bits = (total.max(1) / 4).next_power_of_two().trailing_zeros().clamp(8, 24);
        let bucket_of = |key: u64| (key >> (64 - bits)) as usize;
        let mut buckets = vec![0u32; (1usize << bits) + 1];
        for token in &dictionary.tokens {
            fuzzy::for_each_deletion(
                &token.chars,
                fuzzy::deletion_depth(token.chars.len()),
                &mut |key| {
                    buckets[bucket_of(key) + 1] += 1;
                },
            );
        }
        for i in 1..buckets.len() {
            buckets[i] += buckets[i - 1];
        }
        let total = buckets[buckets.len() - 1] as usize;
        let mut keys = vec![0u64; total];
        let mut tokens = vec![0 as TokenId; total];
        let mut cursor: Vec<u32> = buckets[..buckets.len() - 1].to_vec();
        for (id, token) in dictionary.tokens.iter().enumerate() {
            fuzzy::for_each_deletion(
                &token.chars,
                fuzzy::deletion_depth(token.chars.len()),
                &mut |key| {
                    let slot = &mut cursor[bucket_of(key)];
                    keys[*slot as usize] = key;
                    tokens[*slot as usize] = id as TokenId;
                    *slot += 1;
                },
            );
        }
        dictionary.deletion_directory = deletion_directory(&keys, &buckets);
        dictionary.deletion_keys = keys;
        dictionary.deletion_tokens = tokens;
        dictionary.deletion_bits = bits;
        // About sixteen bits per key: a key of no long token passes
        // one time in sixteen.
        // A token has at most itself and one key per deleted character at
        // depth one; the filter only needs the count roughly.
        let long: usize = dictionary
            .tokens
            .iter()
            .filter(|t| t.chars.len() >= LONG_NEIGHBOUR)
            .map(|t| t.chars.len() + 1)
            .sum();
        let filter_bits = (long.max(1) * 16).next_power_of_two().max(64);
        let mut long_keys = vec![0u64; filter_bits / 64];
        for token in dictionary.tokens.iter().filter(|t| t.chars.len() >= LONG_NEIGHBOUR) {
            fuzzy::for_each_deletion(&token.chars, 1, &mut |key| {
                let bit = long_key_bit(key, filter_bits);
                long_keys[bit / 64] |= 1 << (bit % 64);
            });
        }
        dictionary.long_keys = long_keys;
        dictionary.phonetic = with_shapes(group(self.phonetic), &dictionary.tokens);
        dictionary.skeleton = with_shapes(group(self.skeleton), &dictionary.tokens);
        dictionary.symbol = group(self.symbol);
        self.dictionary
    }
}

/// The signature of a deletion key in its group's directory entry: two of
/// 32 bits, taken from the top of the mixed key (the group is the key's own
/// top bits, so its keys differ there). A group's signature is the union
/// of its keys': a key whose bits are not all in it is in no group.
fn deletion_signature(key: u64) -> u32 {
    let mixed = key.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (1 << (mixed >> 59)) | (1 << ((mixed >> 54) & 31))
}

/// The directory of the deletion groups (see `Dictionary::deletion_directory`):
/// `starts` holds where each group starts in `keys`, then their end.
fn deletion_directory(keys: &[u64], starts: &[u32]) -> Vec<u64> {
    starts
        .iter()
        .enumerate()
        .map(|(group, &start)| {
            let end = starts.get(group + 1).map_or(start, |&end| end);
            let signature = keys[start as usize..end as usize]
                .iter()
                .fold(0u32, |signature, &key| signature | deletion_signature(key));
            u64::from(start) | u64::from(signature) << 32
        })
        .collect()
}

/// The bit of a deletion key in a filter of `bits` bits (a power of two).
/// Keys are polynomial hashes whose low bits vary least: the key is mixed
/// first.
fn long_key_bit(key: u64, bits: usize) -> usize {
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize & (bits - 1)
}

fn group<K: std::hash::Hash + Eq>(pairs: Vec<(K, TokenId)>) -> FxHashMap<K, Vec<TokenId>> {
    let mut map: FxHashMap<K, Vec<TokenId>> = FxHashMap::default();
    for (key, id) in pairs {
        map.entry(key).or_default().push(id);
    }
    map
}

impl Dictionary {
    /// The number of distinct tokens.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Whether the dictionary is empty.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The id of a token, if it is in the dictionary.
    pub fn get(&self, text: &str) -> Option<TokenId> {
        self.by_text.get(text).copied()
    }

    /// What the dictionary knows about a token.
    pub fn info(&self, id: TokenId) -> &TokenInfo {
        &self.tokens[id as usize]
    }

    /// The first character of a token.
    pub(crate) fn first_char(&self, id: TokenId) -> Option<char> {
        self.shape(id).first
    }

    /// The first character and length of a token, from a table of eight
    /// bytes a token.
    pub(crate) fn shape(&self, id: TokenId) -> TokenShape {
        self.shapes.get_or_init(|| self.tokens.iter().map(TokenShape::of).collect())[id as usize]
    }

    /// The tokens sharing a deletion key with `chars` at the depth its
    /// length calls for, with repeats. Candidates only: verify with
    /// [`fuzzy::neighbour_distance`].
    pub(crate) fn deletion_candidates(&self, chars: &[char], out: &mut Vec<TokenId>) {
        self.deletion_candidates_at(chars, fuzzy::deletion_depth(chars.len()), out);
    }

    /// As [`Dictionary::deletion_candidates`] with an explicit depth.
    pub(crate) fn deletion_candidates_at(
        &self,
        chars: &[char],
        depth: usize,
        out: &mut Vec<TokenId>,
    ) {
        if self.deletion_directory.is_empty() {
            return;
        }
        let bits = self.deletion_bits;
        fuzzy::for_each_deletion(
            chars,
            depth.min(fuzzy::deletion_depth(chars.len())),
            &mut |key| self.push_deletion_tokens(key, bits, out),
        );
    }

    /// Pushes the tokens filed under a deletion key (its bucket holds the
    /// keys that share its top `bits` bits).
    #[inline]
    fn push_deletion_tokens(&self, key: u64, bits: u32, out: &mut Vec<TokenId>) {
        let bucket = (key >> (64 - bits)) as usize;
        let entry = self.deletion_directory[bucket];
        let signature = deletion_signature(key);
        if (entry >> 32) as u32 & signature != signature {
            return;
        }
        let (start, end) =
            (entry as u32 as usize, self.deletion_directory[bucket + 1] as u32 as usize);
        for (i, k) in self.deletion_keys[start..end].iter().enumerate() {
            if *k == key {
                out.push(self.deletion_tokens[start + i]);
            }
        }
    }

    /// The tokens that may be one edit from a text of nine characters or
    /// more, with repeats: candidates only, as from
    /// [`Dictionary::deletion_candidates_at`] at depth one, and every token
    /// within one edit among them.
    ///
    /// Only tokens of eight characters or more can be one edit away, and
    /// such a token shares with the text a key of at most one deletion on
    /// each side (for a substitution or a transposition, the same position
    /// deleted; for an insertion, the inserted character), so keys that no
    /// such token has are not looked up: their lookups, at random places in
    /// the deletion tables, were most of the cost of expanding the joins of
    /// a query.
    pub(crate) fn one_edit_candidates(&self, chars: &[char], out: &mut Vec<TokenId>) {
        if self.deletion_directory.is_empty() || self.long_keys.is_empty() {
            return;
        }
        let bits = self.deletion_bits;
        let filter_bits = self.long_keys.len() * 64;
        fuzzy::for_each_deletion(chars, 1, &mut |key| {
            let bit = long_key_bit(key, filter_bits);
            if self.long_keys[bit / 64] & (1 << (bit % 64)) != 0 {
                self.push_deletion_tokens(key, bits, out);
            }
        });
    }

    /// Tokens with this Double Metaphone key.
    pub(crate) fn phonetic(&self, key: &str) -> &[KeyedToken] {
        self.phonetic.get(key).map(|tokens| &**tokens).unwrap_or(&[])
    }

    /// Tokens with this consonant skeleton.
    pub(crate) fn skeleton(&self, key: &str) -> &[KeyedToken] {
        self.skeleton.get(key).map(|tokens| &**tokens).unwrap_or(&[])
    }

    /// Tokens with this equivalence symbol.
    pub(crate) fn symbol(&self, symbol: u32) -> &[TokenId] {
        self.symbol.get(&symbol).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Approximate heap size in bytes.
    pub fn heap_size(&self) -> usize {
        let tokens: usize = self
            .tokens
            .iter()
            .map(|t| t.text.len() + t.chars.len() * 4 + std::mem::size_of::<TokenInfo>())
            .sum();
        tokens
            + self.by_text.len() * 32
            + self.deletion_keys.len() * 8
            + self.deletion_tokens.len() * 4
            + self.deletion_directory.len() * 8
            + (self.phonetic.len() + self.skeleton.len() + self.symbol.len()) * 48
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tokens one edit from `text`, from a candidate lookup.
    fn one_edit(dictionary: &Dictionary, text: &str, filtered: bool) -> Vec<TokenId> {
        let chars: Vec<char> = text.chars().collect();
        let mut candidates = Vec::new();
        if filtered {
            dictionary.one_edit_candidates(&chars, &mut candidates);
        } else {
            dictionary.deletion_candidates_at(&chars, 1, &mut candidates);
        }
        candidates.sort_unstable();
        candidates.dedup();
        candidates.retain(|&t| fuzzy::osa_within(&chars, &dictionary.info(t).chars, 1) == Some(1));
        candidates
    }

    /// The tokens filed under `key`, by scanning its whole group (no
    /// signature).
    fn filed_under(dictionary: &Dictionary, key: u64) -> Vec<TokenId> {
        let group = (key >> (64 - dictionary.deletion_bits)) as usize;
        let start = dictionary.deletion_directory[group] as u32 as usize;
        let end = dictionary.deletion_directory[group + 1] as u32 as usize;
        (start..end)
            .filter(|&i| dictionary.deletion_keys[i] == key)
            .map(|i| dictionary.deletion_tokens[i])
            .collect()
    }

    #[test]
    fn shapes_are_the_first_characters_and_lengths_of_the_tokens() {
        let mut builder = DictionaryBuilder::default();
        for (i, word) in ["a", "jean", "ómar", "абдулла", "x"].iter().enumerate() {
            builder.intern(word, i as u32, "K", "KK", None);
        }
        let dictionary = builder.finish(5);
        for id in 0..dictionary.len() as TokenId {
            let chars = &dictionary.info(id).chars;
            let shape = TokenShape { first: chars.first().copied(), len: chars.len() as u32 };
            assert_eq!(dictionary.shape(id), shape);
            assert_eq!(dictionary.first_char(id), shape.first);
        }
        // The lists of keys hold every token filed, in order, with its shape.
        for list in [dictionary.phonetic("K"), dictionary.skeleton("KK")] {
            let ids: Vec<TokenId> = list.iter().map(|t| t.id).collect();
            assert_eq!(ids, (0..dictionary.len() as TokenId).collect::<Vec<_>>());
            for keyed in list {
                assert_eq!(keyed.shape, dictionary.shape(keyed.id));
            }
        }
    }

    #[test]
    fn group_signatures_turn_away_only_absent_keys() {
        // Enough tokens for groups of several keys, and many absent keys
        // (the deletions of texts that are not tokens).
        let mut words: Vec<String> = Vec::new();
        for a in ["mo", "mu", "a", "ab", "ka", "ge", "yu", "xi"] {
            for b in ["hammad", "rahman", "lexandr", "ssan", "rim", "orge", "ri", "ing"] {
                for c in ["", "ov", "ova", "i", "y", "son"] {
                    words.push(format!("{a}{b}{c}"));
                }
            }
        }
        let mut builder = DictionaryBuilder::default();
        for (i, word) in words.iter().enumerate() {
            builder.intern(word, i as u32, "", "", None);
        }
        let dictionary = builder.finish(words.len());
        assert!(dictionary.deletion_keys.len() > 4 * 256, "groups hold several keys");
        let bits = dictionary.deletion_bits;
        let (mut present, mut absent, mut turned_away) = (0, 0, 0);
        let texts = words.iter().cloned().chain(words.iter().map(|w| format!("q{w}z")));
        for text in texts {
            let chars: Vec<char> = text.chars().collect();
            fuzzy::for_each_deletion(&chars, 2, &mut |key| {
                let mut found = Vec::new();
                dictionary.push_deletion_tokens(key, bits, &mut found);
                let expected = filed_under(&dictionary, key);
                assert_eq!(found, expected, "{text}");
                if expected.is_empty() {
                    absent += 1;
                    let group = (key >> (64 - bits)) as usize;
                    let signature = (dictionary.deletion_directory[group] >> 32) as u32;
                    turned_away +=
                        usize::from(signature & deletion_signature(key) != deletion_signature(key));
                } else {
                    present += 1;
                }
            });
        }
        assert!(present > 1000 && absent > 1000, "{present} present, {absent} absent");
        assert!(turned_away * 10 > absent * 8, "{turned_away} of {absent} absent keys turned away");
    }

    #[test]
    fn long_texts_find_the_same_one_edit_neighbours_with_the_filter() {
        let words = [
            "abdulrahman",
            "abdurrahman",
            "abdelrahman",
            "abdulrahmann",
            "bdulrahman",
            "mariamireya",
            "mariamireja",
            "mariamreya",
            "muhammadali",
            "muhammadaly",
            "mohammedali",
            "alexandrova",
            "aleksandrova",
            "alexandrov",
            "konstantin",
            "konstantine",
            "konstanttin",
            "ab",
            "abc",
            "guzman",
            "guzmanloera",
            "guzmanlorea",
            "guzmnaloera",
            "xxxxxxxxx",
            "xxxxxxxxxx",
            "xxxxxxxx",
        ];
        let mut builder = DictionaryBuilder::default();
        for (i, word) in words.iter().enumerate() {
            builder.intern(word, i as u32, "", "", None);
        }
        let dictionary = builder.finish(words.len());
        let mut texts: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        // Every text one edit from a word, and a few far from all.
        for word in words.iter().filter(|w| w.len() >= 8) {
            texts.extend(fuzzy::one_edit_texts(word));
        }
        texts.extend(["zzzzzzzzzzzz", "nothinglikeit", "qqqqqqqqqq"].map(String::from));
        let mut found = 0;
        for text in texts.iter().filter(|t| t.chars().count() >= 9) {
            let expected = one_edit(&dictionary, text, false);
            found += expected.len();
            assert_eq!(one_edit(&dictionary, text, true), expected, "{text}");
        }
        assert!(found > 100, "the cases reach neighbours ({found})");
    }
}
