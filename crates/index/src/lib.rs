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
mod weight;

pub use build::IndexBuilder;
pub use candidates::{Candidate, CandidateSet, NameHit, Scratch};
pub use dictionary::{Dictionary, TokenId, TokenInfo};
pub use query::{
    Expansion, MatchHow, PreparedQuery, QueryForm, QueryJoin, QueryName, QueryPart, QueryRoles,
    Similarities,
};
pub use record::{Evidence, Gender, Identifier, IdentifierKind, normalize_identifier};
pub use weight::{PartRole, Weights};

use vigia_model::{Entity, Schema};
use vigia_text::{PartTag, Script};

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
#[derive(Debug, Clone)]
pub struct Record {
    /// The entity as listed.
    pub entity: Entity,
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
    /// Join hash → names holding that join, sorted by hash.
    join_postings: Vec<(u64, NameId)>,
    /// Acronym text → names it abbreviates.
    acronym_postings: rustc_hash::FxHashMap<Box<str>, Vec<NameId>>,
    /// Short names of two or three parts by their compact form ("ms13").
    compact_postings: rustc_hash::FxHashMap<Box<str>, Vec<NameId>>,
    /// Normalised identifier → records carrying it.
    identifier_postings: rustc_hash::FxHashMap<Box<str>, Vec<RecordId>>,
    dataset_names: Vec<String>,
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

    /// The names holding a join with this hash.
    pub fn join_postings(&self, hash: u64) -> impl Iterator<Item = NameId> + '_ {
        let start = self.join_postings.partition_point(|(h, _)| *h < hash);
        self.join_postings[start..]
            .iter()
            .take_while(move |(h, _)| *h == hash)
            .map(|(_, name)| *name)
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
        query.can_match(&self.records[record as usize].entity.schema)
    }
}
