//! An immutable in-memory matching index over listed names.
//!
//! [`IndexBuilder`] analyses every name and alias of every matchable entity
//! (persons, organisations, companies, vessels, aircraft) with `vigia-text`
//! and interns the parts into a [`Dictionary`]. The finished [`Index`] is
//! immutable: a list update builds a new one and swaps it atomically.
//!
//! Candidate generation ([`Index::candidates`]) is token-level: each query
//! part is expanded to the dictionary tokens it may match (exact,
//! equivalence symbol, fuzzy within a length-aware edit budget, phonetic
//! key, consonant skeleton) with a similarity for each, and the names
//! containing those tokens are gathered with an upper bound of the score
//! they could reach. Names whose bound is below the cut-off are pruned,
//! rarest parts first (the MaxScore strategy), so common parts like
//! "mohammed" never flood the candidates. The same expansions are what the
//! scorer uses, so a name the scorer would score above the cut-off cannot be
//! missed by candidate generation unless a cap was hit — and caps are
//! counted and reported with every result.

mod build;
mod candidates;
mod dictionary;
pub mod fuzzy;
mod query;
mod record;
mod snapshot;
mod weight;

pub use build::IndexBuilder;
pub use candidates::{Candidate, CandidateSet, NameHit, Scratch};
pub use dictionary::{Dictionary, TokenId, TokenInfo};
pub use query::{
    Expansion, MatchHow, PreparedQuery, QueryForm, QueryJoin, QueryName, QueryPart, QueryRoles,
    Similarities,
};
pub use record::{
    Evidence, Gender, Identifier, IdentifierKind, RecordEntity, normalize_identifier,
};
pub use snapshot::{SNAPSHOT_FORMAT, SnapshotError, SnapshotKey};
pub use weight::{PartRole, Weights};

use vigia_model::Schema;
use vigia_text::{PartTag, Script};

/// A process-unique index id. Ids only tell indexes apart for caches
/// ([`Scratch`]); they never influence a result.
pub(crate) fn next_index_id() -> u64 {
    static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// A listed entity's position in the index.
pub type RecordId = u32;
/// A listed name form's position in the index.
pub type NameId = u32;

/// Which property a listed name came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NameOrigin {
    /// The primary name.
    Name,
    /// A strong alias.
    Alias,
    /// A former name.
    PreviousName,
    /// A weak alias: a nickname or low-quality alias.
    WeakAlias,
}

impl NameOrigin {
    /// The origin of a FollowTheMoney name property.
    pub fn of_property(property: &str) -> NameOrigin {
        match property {
            vigia_model::prop::ALIAS => NameOrigin::Alias,
            vigia_model::prop::PREVIOUS_NAME => NameOrigin::PreviousName,
            vigia_model::prop::WEAK_ALIAS => NameOrigin::WeakAlias,
            _ => NameOrigin::Name,
        }
    }

    /// The FollowTheMoney property name.
    pub fn property(self) -> &'static str {
        match self {
            NameOrigin::Name => vigia_model::prop::NAME,
            NameOrigin::Alias => vigia_model::prop::ALIAS,
            NameOrigin::PreviousName => vigia_model::prop::PREVIOUS_NAME,
            NameOrigin::WeakAlias => vigia_model::prop::WEAK_ALIAS,
        }
    }
}

/// Tuning of candidate generation.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexConfig {
    /// Part weights.
    pub weights: Weights,
    /// Most dictionary tokens one query part may expand to by fuzzy lookup.
    pub max_fuzzy: usize,
    /// Most tokens one phonetic, skeleton or symbol key may expand to.
    pub max_key_expansion: usize,
    /// Most candidate entities gathered for one query.
    pub max_candidates: usize,
    /// How many of the best-bounded names are kept when none reaches the
    /// cut-off (the recall safety net), so the scorer still sees them.
    pub safety_net: usize,
}

impl Default for IndexConfig {
    fn default() -> IndexConfig {
        IndexConfig {
            weights: Weights::default(),
            max_fuzzy: 96,
            max_key_expansion: 64,
            max_candidates: 400,
            safety_net: 10,
        }
    }
}

/// A listed entity, with what the scorer needs pre-parsed.
#[derive(Debug)]
pub struct Record {
    /// The entity as listed (decoded when first read, for an index loaded
    /// from a snapshot: its schema is also in [`Index::schema_of`], which
    /// hot paths read instead).
    pub entity: RecordEntity,
    /// Secondary evidence (dates, countries, gender, identifiers).
    pub evidence: Evidence,
    /// Dataset ids (see [`Index::dataset_name`]).
    pub datasets: Vec<u16>,
    /// The names of this record: a range of [`NameId`]s.
    pub names: std::ops::Range<NameId>,
}

/// One listed name form: a name or alias of a record, in one script or
/// romanisation.
#[derive(Debug, Clone)]
pub struct IndexedName {
    /// The record the name belongs to.
    pub record: RecordId,
    /// Which property it came from.
    pub origin: NameOrigin,
    /// The name as listed.
    pub original: Box<str>,
    /// The script of this form.
    pub script: Script,
    /// Whether this form is a transliteration of the listed name rather
    /// than the name as written.
    pub transliterated: bool,
    pub(crate) parts: (u32, u16),
    pub(crate) joins: (u32, u16),
    pub(crate) acronyms: (u32, u16),
}

/// A part of a listed name.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IndexedPart {
    /// The token.
    pub token: TokenId,
    /// What the part is.
    pub tag: PartTag,
    /// Its role in a person's name.
    pub role: PartRole,
    /// Its weight (tag × rarity × role).
    pub weight: f32,
}

/// Two adjacent parts of a listed name, joined: "abdul rahman" is also
/// found as "abdulrahman". Joins are matched exactly, by the hash of the
/// joined text, and kept out of the token dictionary: every adjacent pair
/// of every name is a distinct string, and indexing them for fuzzy lookup
/// would double the dictionary for little recall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexedJoin {
    /// The hash of the joined text ([`text_hash`]).
    pub hash: u64,
    /// For a name written with a hyphen ("yu-ro", "abdul-rahman"), the
    /// joined form is a dictionary token too, reachable by fuzzy lookup:
    /// the hyphenated form is one name, and "yuro"/"yu ro"/"yyu-ro" must
    /// meet.
    pub token: Option<TokenId>,
    /// The position of the first of the two parts within the name.
    pub first: u16,
}

/// The hash of a folded text, as joins are matched by.
pub fn text_hash(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = rustc_hash::FxHasher::default();
    text.hash(&mut hasher);
    hasher.finish()
}

/// Join hash → the names holding that join: (hash, name) pairs sorted, with
/// where the pairs of each leading-bits bucket of hashes start. Every query
/// part asks whether some listed join equals it; a binary search of the
/// whole list took a cache miss per step (several per cent of screening in
/// a profile), where the bucket table takes one read and a short run.
#[derive(Debug, Default)]
pub(crate) struct JoinPostings {
    pairs: Vec<(u64, NameId)>,
    /// `starts[b]..starts[b + 1]` are the pairs whose hash has `b` as its
    /// leading `bits` bits.
    starts: Vec<u32>,
    bits: u32,
}

impl JoinPostings {
    pub(crate) fn new(mut pairs: Vec<(u64, NameId)>) -> JoinPostings {
        pairs.sort_unstable();
        pairs.dedup();
        // About four pairs per bucket.
        let bits = (pairs.len().max(1) / 4).next_power_of_two().trailing_zeros().clamp(1, 24);
        let mut starts = vec![0u32; (1usize << bits) + 1];
        for &(hash, _) in &pairs {
            starts[Self::bucket(hash, bits) + 1] += 1;
        }
        for b in 1..starts.len() {
            starts[b] += starts[b - 1];
        }
        JoinPostings { pairs, starts, bits }
    }

    fn bucket(hash: u64, bits: u32) -> usize {
        (hash >> (64 - bits)) as usize
    }

    /// The names holding a join with this hash, in name order.
    pub(crate) fn get(&self, hash: u64) -> impl Iterator<Item = NameId> + '_ {
        let run: &[(u64, NameId)] = if self.pairs.is_empty() {
            &[]
        } else {
            let b = Self::bucket(hash, self.bits);
            &self.pairs[self.starts[b] as usize..self.starts[b + 1] as usize]
        };
        let start = run.partition_point(|(h, _)| *h < hash);
        run[start..].iter().take_while(move |(h, _)| *h == hash).map(|(_, name)| *name)
    }
}

/// What bounding a reached name reads, in one aligned slot per name: its
/// record and, for a name of at most [`NameSlot::INLINE`] tokens (nearly
/// all), the tokens themselves. Candidate generation reads this for every
/// name it reaches, at random: one cache line where the token offsets, the
/// tokens and the name's record took three.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(32))]
pub(crate) struct NameSlot {
    pub(crate) record: RecordId,
    /// The number of tokens, or [`NameSlot::SPILLED`] when they are read
    /// from the per-name token array instead.
    len: u16,
    /// How many of the tokens are the name's parts (the rest are joins).
    pub(crate) parts: u16,
    /// The tokens, or for a spilled name the start and end of its tokens
    /// in the per-name token array: reading them costs one cache miss, where
    /// going through the array's offsets cost two.
    tokens: [TokenId; NameSlot::INLINE],
}

impl NameSlot {
    /// The most tokens held in the slot itself.
    pub(crate) const INLINE: usize = 6;
    const SPILLED: u16 = u16::MAX;

    /// The slots of every name, from the names and their token array.
    pub(crate) fn of_names(
        names: &[IndexedName],
        token_offsets: &[u32],
        tokens: &[TokenId],
    ) -> Vec<NameSlot> {
        names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let own = &tokens[token_offsets[i] as usize..token_offsets[i + 1] as usize];
                let mut slot =
                    NameSlot { record: name.record, parts: name.parts.1, ..NameSlot::default() };
                if own.len() <= NameSlot::INLINE {
                    slot.len = own.len() as u16;
                    slot.tokens[..own.len()].copy_from_slice(own);
                } else {
                    slot.len = NameSlot::SPILLED;
                    slot.tokens[0] = token_offsets[i];
                    slot.tokens[1] = token_offsets[i + 1];
                }
                slot
            })
            .collect()
    }

    /// The name's tokens, if they are held in the slot.
    pub(crate) fn tokens(&self) -> Option<&[TokenId]> {
        (self.len != NameSlot::SPILLED).then(|| &self.tokens[..self.len as usize])
    }

    /// Where a spilled name's tokens lie in the per-name token array.
    pub(crate) fn spilled_range(&self) -> Option<std::ops::Range<usize>> {
        (self.len == NameSlot::SPILLED).then(|| self.tokens[0] as usize..self.tokens[1] as usize)
    }
}

/// Counts describing an index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexStats {
    /// Records (matchable entities).
    pub records: usize,
    /// Entities offered that are not matchable (links, sanctions, addresses).
    pub skipped: usize,
    /// Name forms.
    pub names: usize,
    /// Distinct tokens.
    pub tokens: usize,
    /// Approximate heap size in bytes.
    pub heap_bytes: usize,
}

/// The immutable matching index.
#[derive(Debug)]
pub struct Index {
    /// A process-unique id, so that per-thread caches of query expansions
    /// ([`Scratch`]) know when the index they were filled from is replaced.
    id: u64,
    config: IndexConfig,
    dictionary: Dictionary,
    records: Vec<Record>,
    names: Vec<IndexedName>,
    parts: Vec<IndexedPart>,
    joins: Vec<IndexedJoin>,
    acronyms: Vec<Box<str>>,
    /// Token → names containing it (a part or a join), CSR layout.
    posting_offsets: Vec<u32>,
    postings: Vec<NameId>,
    /// Join hash → names holding that join.
    join_postings: JoinPostings,
    /// Each name's tokens, CSR layout: its parts' tokens, then those of its
    /// joins that are tokens. Bounding a name during candidate generation
    /// reads these alone, side by side, rather than the name, its parts and
    /// its joins from three places.
    name_token_offsets: Vec<u32>,
    name_tokens: Vec<TokenId>,
    /// Each name's record and tokens, one slot per name (see [`NameSlot`]).
    name_slots: Vec<NameSlot>,
    /// Acronym text → names it abbreviates.
    acronym_postings: rustc_hash::FxHashMap<Box<str>, Vec<NameId>>,
    /// Short names of two or three parts by their compact form ("ms13").
    compact_postings: rustc_hash::FxHashMap<Box<str>, Vec<NameId>>,
    /// Normalised identifier → records carrying it.
    identifier_postings: rustc_hash::FxHashMap<Box<str>, Vec<RecordId>>,
    dataset_names: Vec<String>,
    /// The distinct schemata of the records, and each record's position
    /// among them: screening filters every name it reaches by its record's
    /// schema, and this dense table stays in cache where the records do
    /// not.
    schemata: Vec<Schema>,
    record_schemata: Vec<u32>,
    stats: IndexStats,
}

impl Index {
    /// The process-unique id of this index.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The configuration the index was built with.
    pub fn config(&self) -> &IndexConfig {
        &self.config
    }

    /// The token dictionary.
    pub fn dictionary(&self) -> &Dictionary {
        &self.dictionary
    }

    /// Every record.
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// A record by id.
    pub fn record(&self, id: RecordId) -> &Record {
        &self.records[id as usize]
    }

    /// Every listed name form.
    pub fn names(&self) -> &[IndexedName] {
        &self.names
    }

    /// A name form by id.
    pub fn name(&self, id: NameId) -> &IndexedName {
        &self.names[id as usize]
    }

    /// The parts of a name form.
    pub fn parts(&self, name: &IndexedName) -> &[IndexedPart] {
        let (start, len) = name.parts;
        &self.parts[start as usize..start as usize + len as usize]
    }

    /// The joined adjacent parts of a name form.
    pub fn joins(&self, name: &IndexedName) -> &[IndexedJoin] {
        let (start, len) = name.joins;
        &self.joins[start as usize..start as usize + len as usize]
    }

    /// The acronyms a name form could be written as.
    pub fn acronyms(&self, name: &IndexedName) -> &[Box<str>] {
        let (start, len) = name.acronyms;
        &self.acronyms[start as usize..start as usize + len as usize]
    }

    /// The text of a token.
    pub fn token_text(&self, token: TokenId) -> &str {
        &self.dictionary.info(token).text
    }

    /// The names containing a token (as a part or a join).
    pub fn postings(&self, token: TokenId) -> &[NameId] {
        let start = self.posting_offsets[token as usize] as usize;
        let end = self.posting_offsets[token as usize + 1] as usize;
        &self.postings[start..end]
    }

    /// The tokens of a name: its parts', then its joins' (see the field).
    /// Candidate generation reads them through the name's slot instead
    /// ([`Index::slot_tokens`]).
    #[cfg(test)]
    pub(crate) fn name_tokens(&self, name: NameId) -> &[TokenId] {
        let start = self.name_token_offsets[name as usize] as usize;
        let end = self.name_token_offsets[name as usize + 1] as usize;
        &self.name_tokens[start..end]
    }

    /// A name's slot: its record and (usually) its tokens.
    pub(crate) fn name_slot(&self, name: NameId) -> &NameSlot {
        &self.name_slots[name as usize]
    }

    /// The tokens of the name of `slot`: held in the slot, or, for a
    /// spilled name, read from the token array at the range the slot gives.
    pub(crate) fn slot_tokens<'a>(&'a self, slot: &'a NameSlot) -> &'a [TokenId] {
        match slot.spilled_range() {
            Some(range) => &self.name_tokens[range],
            None => &slot.tokens[..slot.len as usize],
        }
    }

    /// The names holding a join with this hash.
    pub fn join_postings(&self, hash: u64) -> impl Iterator<Item = NameId> + '_ {
        self.join_postings.get(hash)
    }

    /// The short names of several parts written compactly as this text
    /// ("ms13" for "MS-13").
    pub fn compact_postings(&self, compact: &str) -> &[NameId] {
        self.compact_postings.get(compact).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The names an acronym abbreviates.
    pub fn acronym_postings(&self, acronym: &str) -> &[NameId] {
        self.acronym_postings.get(acronym).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The records carrying a normalised identifier.
    pub fn identifier_postings(&self, normalized: &str) -> &[RecordId] {
        self.identifier_postings.get(normalized).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The distinct schemata of the records (see [`Index::schema_of`]).
    pub fn schemata(&self) -> &[Schema] {
        &self.schemata
    }

    /// The position in [`Index::schemata`] of a record's schema.
    pub fn schema_of(&self, record: RecordId) -> usize {
        self.record_schemata[record as usize] as usize
    }

    /// The name of a dataset id.
    pub fn dataset_name(&self, id: u16) -> &str {
        self.dataset_names.get(id as usize).map(String::as_str).unwrap_or("")
    }

    /// The id of a dataset name, if any record belongs to it.
    pub fn dataset_id(&self, name: &str) -> Option<u16> {
        self.dataset_names.iter().position(|d| d == name).map(|i| i as u16)
    }

    /// Every dataset name in the index.
    pub fn dataset_names(&self) -> &[String] {
        &self.dataset_names
    }

    /// Counts describing the index.
    pub fn stats(&self) -> &IndexStats {
        &self.stats
    }

    /// Looks up a record by entity id (linear; for tools and tests).
    pub fn find_record(&self, entity_id: &str) -> Option<RecordId> {
        self.records.iter().position(|r| r.entity.id == entity_id).map(|i| i as RecordId)
    }

    /// Whether a record's schema may be matched against a query schema.
    pub fn schema_compatible(&self, query: &Schema, record: RecordId) -> bool {
        // The schema table, not the entity: reading the entity would decode
        // it (see `RecordEntity`).
        query.can_match(&self.schemata[self.schema_of(record)])
    }
}

#[cfg(test)]
mod join_postings_tests {
    use super::*;

    #[test]
    fn every_hash_finds_its_names_in_order() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        // Hashes across the whole range, some repeated with several names,
        // and the extremes.
        let mut pairs: Vec<(u64, NameId)> = Vec::new();
        for i in 0..2000u32 {
            let hash = next();
            for name in 0..(i % 3 + 1) {
                pairs.push((hash, i * 4 + name));
            }
        }
        pairs.extend([(0, 7), (0, 3), (u64::MAX, 1), (u64::MAX, 1)]);
        let postings = JoinPostings::new(pairs.clone());
        let mut hashes: Vec<u64> = pairs.iter().map(|(h, _)| *h).collect();
        hashes.extend((0..500).map(|_| next()));
        for hash in hashes {
            let mut expected: Vec<NameId> =
                pairs.iter().filter(|(h, _)| *h == hash).map(|(_, n)| *n).collect();
            expected.sort_unstable();
            expected.dedup();
            assert_eq!(postings.get(hash).collect::<Vec<_>>(), expected, "{hash}");
        }
        assert_eq!(JoinPostings::new(Vec::new()).get(42).count(), 0);
    }
}

#[cfg(test)]
mod name_slot_tests {
    use super::*;
    use vigia_model::Entity;

    #[test]
    fn slots_hold_each_names_record_parts_and_tokens() {
        let names = [
            "Joaquin Guzman",
            "Abu Bakr al-Baghdadi",
            "Maria del Carmen de los Angeles Garcia Lopez Hernandez",
            "Yu-Ro Kim",
            "CJNG",
            "Mara Salvatrucha 13",
        ];
        let mut builder = IndexBuilder::new(IndexConfig::default());
        for (i, name) in names.iter().enumerate() {
            let mut entity = Entity::new(format!("e{i}"), Schema::Person);
            entity.add(vigia_model::prop::NAME, name);
            entity.add(vigia_model::prop::ALIAS, &name.to_uppercase());
            entity.add_dataset("test");
            builder.add(entity);
        }
        let index = builder.finish();
        let mut spilled = 0;
        for id in 0..index.names().len() as NameId {
            let name = index.name(id);
            let slot = index.name_slot(id);
            assert_eq!(slot.record, name.record, "{}", name.original);
            assert_eq!(slot.parts as usize, index.parts(name).len(), "{}", name.original);
            let expected: Vec<TokenId> = index
                .parts(name)
                .iter()
                .map(|p| p.token)
                .chain(index.joins(name).iter().filter_map(|j| j.token))
                .collect();
            assert_eq!(index.name_tokens(id), expected.as_slice(), "{}", name.original);
            assert_eq!(index.slot_tokens(slot), expected.as_slice(), "{}", name.original);
            match slot.tokens() {
                Some(tokens) => assert_eq!(tokens, expected.as_slice(), "{}", name.original),
                None => {
                    assert!(expected.len() > NameSlot::INLINE, "{}", name.original);
                    spilled += 1;
                }
            }
            for &token in &expected {
                assert_eq!(
                    index.dictionary().first_char(token),
                    index.dictionary().info(token).chars.first().copied()
                );
            }
        }
        assert!(spilled > 0, "a long name is read from the token array");
    }
}
