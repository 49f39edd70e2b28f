//! Screening registered customers, and finding the few a list change can
//! affect.
//!
//! Customers are screened like any query ([`Screener`]), with the
//! workflow's configuration ([`screen_config`]): every result reaching the
//! threshold is a hit. After a list change, screening every customer again
//! is the slow way (a million customers cost minutes of CPU). The delta
//! path ([`DeltaFilter`]) finds the customers a change can affect, and
//! only those are screened again, in full, against the whole new index —
//! so their results are exactly those a full rescreen gives them.
//!
//! **Which customers.** A full screening finds a hit on a listed entity
//! only if the entity is a candidate of the customer's query: its bound
//! (the upper bound of the name score, `vigia_index`) reaches the
//! threshold. The filter computes that bound against the added and
//! changed entities only, with a small index over them, in two stages:
//!
//! 1. the customer as a query against the small index, with a wide
//!    cut-off ([`wide_cutoff`]). The small index weighs name parts by
//!    their rarity among the few changed entities, not among the whole
//!    lists; since every rarity lies in 0.4..=1.0, a bound can shrink by
//!    a known factor at most, and the wide cut-off (0.26 for a threshold
//!    of 0.70) keeps every customer whose bound in the whole index reaches
//!    the threshold;
//! 2. for those customers, the query parts are weighed as the whole index
//!    weighs them (the query prepared against the whole index), with the
//!    expansions found in the small index, and the bound against the
//!    changed entities is compared with the threshold itself.
//!
//! Expansions (how a query part reaches a listed token: exactly, by
//! spelling variants, edits, sound, initials) do not depend on the other
//! tokens of an index except through caps, which a small index hits less,
//! and the relaxed lookup, which the small index makes at least whenever
//! the whole one does. So the second stage's bound is never below the
//! whole index's, and no customer with a new hit is missed. The property
//! test in `rescreen/tests.rs` checks this against full rescreens of random
//! lists and customers (ADR 0112).
//!
//! **What the delta cannot see.** A part's weight also depends on how
//! common its token is in the whole lists, and the relaxed lookup on
//! whether a part reaches anything else. A list change therefore moves,
//! by a little, the scores of pairs whose entity did not change; a pair
//! just below the threshold may cross it. The delta path does not chase
//! these; a full rescreen does (`vigia rescreen --full`, to run
//! periodically). The benchmark counts them on a real delta.

use std::sync::LazyLock;

use rayon::prelude::*;
use rustc_hash::FxHashSet;
use vigia_index::{
    Index, IndexBuilder, IndexConfig, PartRole, PreparedQuery, QueryRoles, Scratch, Weights,
};
use vigia_model::Entity;
use vigia_screen::vigia_score::{Algorithm, ScoreConfig};
use vigia_screen::{ScreenConfig, ScreenResult};
use vigia_text::{PartTag, analyze_without_keys, phonetic};

use crate::customer::{content_hash, screening_projection};

pub use vigia_screen::{MatchResult, Screener};

/// The default threshold of customer screening.
pub const DEFAULT_THRESHOLD: f32 = 0.7;

/// The most hits one screening of one customer records. A customer
/// matching more listed entities than this is reported with its best
/// [`HIT_LIMIT`].
pub const HIT_LIMIT: usize = 25;

/// The screening configuration of customer screening: every result at or
/// above the threshold is a hit (the cut-off is the threshold), at most
/// [`HIT_LIMIT`] per customer, no dataset or topic filter.
pub fn screen_config(threshold: f32, algorithm: Algorithm) -> ScreenConfig {
    ScreenConfig {
        threshold,
        cutoff: threshold,
        limit: HIT_LIMIT,
        score: ScoreConfig::for_algorithm(algorithm),
        ..ScreenConfig::default()
    }
}

/// Whether an algorithm can screen registered customers. The OFAC
/// emulation scores names by another measure than the bound candidate
/// generation prunes with, so the delta path could not vouch for it.
pub fn supports(algorithm: Algorithm) -> bool {
    matches!(algorithm, Algorithm::Vigia | Algorithm::VigiaName)
}

/// The first-stage cut-off for a threshold `t`: the lowest bound a pair
/// whose bound in the whole index reaches `t` can have in the small
/// index, less a margin for float rounding.
///
/// A bound is `A / max(1, A + U)`, with `A` the similarity-weighted
/// weight of the matched parts and `U` the rest. A word's weight is its
/// base weight times its rarity, and rarities lie in 0.4..=1.0, so each
/// part's weight can differ between two indexes by a factor in 0.4..=2.5.
/// When both totals reach 1, the small bound is at least
/// `0.4·A / (0.4·A + 2.5·U)`, which is `0.4t / (2.5 − 2.1t)` where
/// `A / (A + U) = t`; when either total is below 1 the bound is at least
/// 0.4 times the whole index's.
pub fn wide_cutoff(threshold: f32) -> f32 {
    let t = threshold.clamp(0.0, 1.0);
    let ratio = 0.4 * t / (2.5 - 2.1 * t);
    (ratio.min(0.4 * t) - 0.01).max(0.001)
}

/// The listed entities a list change touched, over every dataset.
#[derive(Debug, Clone, Default)]
pub struct ListChange {
    /// Entities in no previous version.
    pub added: Vec<Entity>,
    /// Entities whose content changed: (before, after).
    pub changed: Vec<(Entity, Entity)>,
    /// Entities in no current version.
    pub removed: Vec<Entity>,
}

impl ListChange {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }

    /// The entities that can match customers no previous screening
    /// matched them with: the added ones, and the changed ones whose
    /// screening projection changed (a new note cannot make a match).
    pub fn to_search(&self) -> Vec<Entity> {
        let mut out: Vec<Entity> =
            self.added.iter().filter(|e| e.schema.is_matchable()).cloned().collect();
        for (before, after) in &self.changed {
            if after.schema.is_matchable()
                && screening_projection(before) != screening_projection(after)
            {
                out.push(after.clone());
            }
        }
        out
    }

    /// The ids of the changed and removed entities: every customer with a
    /// hit on one of them is screened again (its hit rebinds, is
    /// re-judged, or closes).
    pub fn touched_ids(&self) -> FxHashSet<String> {
        self.changed
            .iter()
            .map(|(_, after)| after.id.clone())
            .chain(self.removed.iter().map(|e| e.id.clone()))
            .collect()
    }
}

/// The customers a list change can give a new hit.
#[derive(Debug)]
pub struct DeltaFilter {
    small: Index,
    threshold: f32,
    wide: f32,
}

/// Per-thread scratch space of a [`DeltaFilter`]: one per index, so the
/// memo of each index's expansions survives from one customer to the next.
#[derive(Debug, Default)]
pub struct FilterScratch {
    small: Scratch,
    whole: Scratch,
}

impl FilterScratch {
    /// Empty scratch space.
    pub fn new() -> FilterScratch {
        FilterScratch::default()
    }
}

/// The small index's configuration: no cap on candidates (a customer is
/// kept if any candidate reaches the cut-off, and a cap would hide one),
/// no safety net (the bound decides).
fn small_config() -> IndexConfig {
    IndexConfig { max_candidates: usize::MAX, safety_net: 0, ..IndexConfig::default() }
}

impl DeltaFilter {
    /// A filter over the entities to search ([`ListChange::to_search`])
    /// for customer screening at `threshold`.
    pub fn new(entities: Vec<Entity>, threshold: f32) -> DeltaFilter {
        let mut builder = IndexBuilder::new(small_config());
        builder.extend(entities);
        DeltaFilter { small: builder.finish(), threshold, wide: wide_cutoff(threshold) }
    }

    /// The characters of every token of the searched entities.
    fn tokens(&self) -> impl Iterator<Item = &[char]> {
        let dictionary = self.small.dictionary();
        (0..dictionary.len()).map(|t| &*dictionary.info(t as vigia_index::TokenId).chars)
    }

    /// Whether there is nothing to search (no customer can be affected).
    pub fn is_empty(&self) -> bool {
        self.small.records().is_empty()
    }

    /// How many listed entities the filter searches.
    pub fn len(&self) -> usize {
        self.small.records().len()
    }

    /// Whether `customer` may have a hit on one of the changed entities
    /// when screened against `whole` (the index of every active list, the
    /// changed entities included).
    pub fn may_match(&self, whole: &Index, customer: &Entity, scratch: &mut FilterScratch) -> bool {
        if self.is_empty() {
            return false;
        }
        let small = &self.small;
        let allow = |record| small.schema_compatible(&customer.schema, record);
        let mut prepared = small.prepare_with(customer, &mut scratch.small);
        let first = small.candidates(&prepared, self.wide, &allow, &mut scratch.small);
        if !first.candidates.iter().any(|c| c.bound >= self.wide) {
            return false;
        }
        // Stage 2: the whole index's weights on the small index's
        // expansions.
        let weighed = whole.prepare_with(customer, &mut scratch.whole);
        if !reweigh(&mut prepared, &weighed) {
            // The two preparations disagree on the query's structure; they
            // cannot (the analysis does not depend on the index), but if
            // they did, screening the customer is the safe answer.
            return true;
        }
        let second = small.candidates(&prepared, self.threshold - 1e-4, &allow, &mut scratch.small);
        second.candidates.iter().any(|c| c.bound >= self.threshold - 1e-4)
    }

    /// [`DeltaFilter::may_match`] for many customers, in parallel, asked
    /// only of those whose blocking keys can reach the threshold
    /// ([`DeltaFilter::key_reach`], as the store selects them); the
    /// answers come back in order.
    pub fn select(&self, whole: &Index, customers: &[Entity]) -> Vec<bool> {
        customers
            .par_iter()
            .map_init(FilterScratch::new, |scratch, customer| {
                let keys = blocking_keys(customer);
                let (mut reach, mut hot_floor) = (0.0f32, 0.0f32);
                for key in &keys.keys {
                    if let Some(r) = self.key_reach(whole, key) {
                        reach += r;
                        hot_floor += key_floor(key);
                    }
                }
                let floor = if floors_apply(whole) { keys.floor } else { 0.0 };
                self.enough(reach, hot_floor, floor) && self.may_match(whole, customer, scratch)
            })
            .collect()
    }

    /// Whether a customer whose reaching keys ([`DeltaFilter::key_reach`])
    /// sum to `reach`, with weights of at least `hot_floor`
    /// ([`key_floor`]), whose forms weigh at least `floor`
    /// ([`BlockingKeys::floor`]), can be accepted by
    /// [`DeltaFilter::may_match`]: its bound is at most `reach` over the
    /// larger of 1 and `reach` plus the weight of the parts reaching
    /// nothing, which is at least `floor - hot_floor`.
    pub fn enough(&self, reach: f32, hot_floor: f32, floor: f32) -> bool {
        if reach.is_infinite() {
            return true;
        }
        let rest = (floor - hot_floor).max(0.0);
        reach / (reach + rest).max(1.0) >= self.threshold - 1e-3
    }

    /// How much a blocking key ([`blocking_keys`]) can add to the bound of
    /// a customer holding it against one of the searched entities, at
    /// most, with the part weights of `whole`; `None` when it reaches none
    /// of them (infinity when it alone can make a candidate: an acronym,
    /// an identifier, a join). [`DeltaFilter::may_match`]'s second stage
    /// bounds the name score by the sum, over the parts of one form, of
    /// the part's weight in `whole` times its best similarity to the
    /// entity's tokens, over the larger of 1 and the form's weight
    /// ([`DeltaFilter::enough`]).
    ///
    /// A part key is expanded against the small index as the part is
    /// (with its phonetic keys even where the analysis leaves them out),
    /// and also looked up among the listed joins and acronyms; its weight
    /// is taken at its tag's, with the rarity of the listed token it equals
    /// (1 if none: a part weighs what the commonest token it reaches
    /// weighs, the one it equals among them) and its role. An initial adds its weight times the initial
    /// similarity wherever an entity has a token starting with it.
    pub fn key_reach(&self, whole: &Index, key: &str) -> Option<f32> {
        let small = &self.small;
        if self.is_empty() {
            return None;
        }
        let Some((kind, text)) = key.split_once(':') else {
            return Some(f32::INFINITY);
        };
        let hash = vigia_index::text_hash(text);
        let mut kind_chars = kind.chars();
        match kind_chars.next() {
            Some('w') => {
                let Some(tag) = kind_chars.next().and_then(tag_of) else {
                    return Some(f32::INFINITY);
                };
                let role = match kind_chars.next() {
                    Some('u') => PartRole::Unknown,
                    Some('g') => PartRole::Given,
                    _ => PartRole::Family,
                };
                let rest = kind_chars.as_str();
                let symbol = rest.split('x').next().and_then(|s| s.parse::<u32>().ok());
                if !small.acronym_postings(text).is_empty() {
                    return Some(f32::INFINITY);
                }
                let chars: Vec<char> = text.chars().collect();
                let (metaphone, skeleton) = if text.bytes().any(|b| b.is_ascii_alphabetic()) {
                    (phonetic::metaphone(text).0, phonetic::skeleton(text))
                } else {
                    (String::new(), String::new())
                };
                let (expansions, _) = small.expand(&chars, tag, &metaphone, &skeleton, symbol);
                let mut sim = expansions.iter().map(|e| e.sim).fold(0.0f32, f32::max);
                if small.join_postings(hash).next().is_some() {
                    sim = 1.0;
                }
                if tag == PartTag::Initial {
                    let first = chars.first().copied();
                    if self.tokens().any(|t| t.first().copied() == first) {
                        sim = sim.max(vigia_index::Similarities::default().initial);
                    }
                }
                if sim <= 0.0 {
                    return None;
                }
                let rarity = whole
                    .dictionary()
                    .get(text)
                    .map_or(1.0, |t| whole.dictionary().info(t).rarity.max(f32::MIN_POSITIVE));
                let weight = whole.config().weights.part(tag, rarity, role);
                Some(weight * sim)
            }
            Some('j') => {
                if small.dictionary().get(text).is_some()
                    || small.join_postings(hash).next().is_some()
                {
                    return Some(f32::INFINITY);
                }
                let chars: Vec<char> = text.chars().collect();
                let near = chars.len() >= 9
                    && self.tokens().any(|other| {
                        other.len().abs_diff(chars.len()) <= 1
                            && vigia_index::fuzzy::osa_within(&chars, other, 1).is_some()
                    });
                near.then_some(f32::INFINITY)
            }
            Some('a') => (!small.compact_postings(text).is_empty()
                || small.dictionary().get(text).is_some())
            .then_some(f32::INFINITY),
            Some('i') => (!small.identifier_postings(text).is_empty()).then_some(f32::INFINITY),
            _ => Some(f32::INFINITY),
        }
    }

    /// The identifier keys ([`blocking_keys`]) of the searched entities: a
    /// customer's identifier key reaches the filter exactly when it is one
    /// of these, so the store looks them up rather than reading every
    /// identifier key.
    pub fn identifier_keys(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .small
            .records()
            .iter()
            .flat_map(|r| vigia_index::Evidence::of(&r.entity).identifiers)
            .map(|i| format!("i:{}", i.normalized))
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// The letter of a part role in a blocking key.
fn role_letter(role: PartRole) -> char {
    match role {
        PartRole::Unknown => 'u',
        PartRole::Given => 'g',
        PartRole::Family => 'f',
    }
}

/// The letter of a part tag in a blocking key.
fn tag_letter(tag: PartTag) -> char {
    match tag {
        PartTag::Word => 'W',
        PartTag::Initial => 'I',
        PartTag::Number => 'N',
        PartTag::LegalForm => 'L',
        PartTag::OrgWord => 'O',
        PartTag::Honorific => 'H',
        PartTag::Particle => 'P',
        PartTag::Stopword => 'S',
    }
}

/// The part tag of a letter ([`tag_letter`]).
fn tag_of(letter: char) -> Option<PartTag> {
    Some(match letter {
        'W' => PartTag::Word,
        'I' => PartTag::Initial,
        'N' => PartTag::Number,
        'L' => PartTag::LegalForm,
        'O' => PartTag::OrgWord,
        'H' => PartTag::Honorific,
        'P' => PartTag::Particle,
        'S' => PartTag::Stopword,
        _ => return None,
    })
}

/// An index with no entity: preparing a query against it analyses the
/// names (the composed name, the family-name-first order, acronyms,
/// identifiers) as preparing against any index does, without expanding.
static EMPTY: LazyLock<Index> = LazyLock::new(|| IndexBuilder::new(small_config()).finish());

/// The blocking keys of a customer: what its query can reach a listed
/// entity through, whatever the lists. `w{tag}{role}{symbol}:{text}` for
/// every name part of every form (its tag and role as letters, its
/// equivalence symbol if any; a part repeated in a form is keyed again with `x2`, `x3`... after
/// the symbol, since it counts again), `j:{text}` for every pair of
/// adjacent words joined, `a:{acronym}` and `i:{identifier}`. The store
/// keeps them per customer version, so a delta finds the customers it can
/// affect by looking up the keys that reach the changed entities
/// ([`DeltaFilter::key_reach`]) instead of analysing every customer.
/// Sorted, without duplicates.
pub fn blocking_keys(customer: &Entity) -> BlockingKeys {
    let prepared = EMPTY.prepare(customer);
    let kind = customer.schema.name_kind();
    // The roles preparing gives the parts.
    let roles = QueryRoles::new(customer, customer.names().map(|(_, name)| name));
    let mut out: Vec<String> = Vec::new();
    let mut floor = f32::INFINITY;
    for name in &prepared.names {
        let analysed = analyze_without_keys(&name.original, kind);
        for form in &analysed.forms {
            let mut form_floor = 0.0f32;
            let mut seen: Vec<String> = Vec::with_capacity(form.parts.len());
            for part in &form.parts {
                let role = role_letter(roles.role(&part.text));
                let mut key = format!("w{}{role}", tag_letter(part.tag));
                if let Some(symbol) = part.symbol {
                    key.push_str(&symbol.to_string());
                }
                let base = format!("{key}:{}", part.text);
                form_floor += key_floor(&base);
                let repeats = seen.iter().filter(|k| **k == base).count();
                if repeats > 0 {
                    out.push(format!("{key}x{}:{}", repeats + 1, part.text));
                }
                seen.push(base);
            }
            out.extend(seen);
            floor = floor.min(form_floor);
            for pair in form.parts.windows(2) {
                if matches!(pair[0].tag, PartTag::Word | PartTag::Particle)
                    && matches!(pair[1].tag, PartTag::Word | PartTag::Particle)
                {
                    out.push(format!("j:{}{}", pair[0].text, pair[1].text));
                }
            }
        }
        out.extend(analysed.acronyms.iter().map(|a| format!("a:{a}")));
        out.extend(name.acronyms.iter().map(|a| format!("a:{a}")));
    }
    out.extend(prepared.identifiers.iter().map(|i| format!("i:{i}")));
    out.sort();
    out.dedup();
    BlockingKeys { keys: out, floor: if floor.is_finite() { floor } else { 0.0 } }
}

/// A customer's blocking keys ([`blocking_keys`]) and the least weight its
/// forms can have.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockingKeys {
    /// The keys, sorted, without duplicates.
    pub keys: Vec<String>,
    /// The least total part weight of any of its forms, whatever the
    /// lists: a word weighs at least 0.4 of its base weight (the rarest
    /// rarity), other parts their base weight ([`key_floor`]).
    pub floor: f32,
}

/// Whether the weight floors ([`key_floor`], [`BlockingKeys::floor`])
/// hold in `whole`: they assume the default part weights.
pub fn floors_apply(whole: &Index) -> bool {
    whole.config().weights == Weights::default()
}

/// The least weight a part key (`w...`) can have in an index with the
/// default weights ([`floors_apply`]); 0 for other keys.
pub fn key_floor(key: &str) -> f32 {
    let mut chars = key.chars();
    if chars.next() != Some('w') {
        return 0.0;
    }
    let Some(tag) = chars.next().and_then(tag_of) else {
        return 0.0;
    };
    let role = if chars.next() == Some('f') { PartRole::Family } else { PartRole::Unknown };
    // Slightly less than the bound, for float rounding.
    Weights::default().part(tag, 0.4, role) * 0.999
}

/// What [`blocking_keys`] depends on besides the customer: when it
/// changes, stored keys are computed again.
pub fn blocking_keys_version() -> String {
    format!("keys-4/{}", vigia_screen::ENGINE)
}

/// Gives `prepared` (expanded against the small index) the part weights
/// `weighed` (the same query prepared against the whole index) has.
/// Returns false if the two do not have the same names, forms and parts.
fn reweigh(prepared: &mut PreparedQuery, weighed: &PreparedQuery) -> bool {
    if prepared.names.len() != weighed.names.len() {
        return false;
    }
    for (name, other) in prepared.names.iter_mut().zip(&weighed.names) {
        if name.forms.len() != other.forms.len() {
            return false;
        }
        for (form, other) in name.forms.iter_mut().zip(&other.forms) {
            if form.parts.len() != other.parts.len() || form.text != other.text {
                return false;
            }
            for (part, other) in form.parts.iter_mut().zip(&other.parts) {
                part.weight = other.weight;
            }
            form.total_weight = form.parts.iter().map(|p| p.weight).sum();
            for join in &mut form.joins {
                join.part.weight = form.parts[join.first].weight
                    + form.parts.get(join.first + 1).map_or(0.0, |p| p.weight);
            }
        }
    }
    true
}

/// One hit of a screening: the listed entity as screened (its content
/// hash is the entity version the hit is bound to) and the result.
#[derive(Debug, Clone)]
pub struct Match {
    /// The listed entity, as the index holds it.
    pub entity: Entity,
    /// Its content hash ([`content_hash`]).
    pub entity_hash: String,
    /// The screening result (score, explanations, datasets).
    pub result: MatchResult,
}

/// The hits of a screening result: the results reaching the threshold,
/// one per entity id (an id listed by two datasets is two records; the
/// better scoring one is kept, the first on a tie).
pub fn matches(index: &Index, result: &ScreenResult) -> Vec<Match> {
    let mut out: Vec<Match> = Vec::new();
    for r in result.results.iter().filter(|r| r.is_match) {
        if let Some(existing) = out.iter().find(|m| m.result.id == r.id) {
            if existing.result.score >= r.score {
                continue;
            }
            out.retain(|m| m.result.id != r.id);
        }
        let entity = index.record(r.record).entity.clone();
        out.push(Match { entity_hash: content_hash(&entity), entity, result: r.clone() });
    }
    out
}

#[cfg(test)]
mod tests;
