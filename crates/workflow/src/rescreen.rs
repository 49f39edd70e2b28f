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

use rayon::prelude::*;
use rustc_hash::FxHashSet;
use vigia_index::{Index, IndexBuilder, IndexConfig, PreparedQuery, Scratch};
use vigia_model::Entity;
use vigia_screen::vigia_score::{Algorithm, ScoreConfig};
use vigia_screen::{ScreenConfig, ScreenResult};

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

    /// [`DeltaFilter::may_match`] for many customers, in parallel; the
    /// answers come back in order.
    pub fn select(&self, whole: &Index, customers: &[Entity]) -> Vec<bool> {
        customers
            .par_iter()
            .map_init(FilterScratch::new, |scratch, customer| {
                self.may_match(whole, customer, scratch)
            })
            .collect()
    }
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
