//! The screening pipeline: query → candidates → scores → decision.
//!
//! Screening is a pure function of (index, configuration, query): the same
//! three always give the same result, and every result records the list
//! versions, the algorithm, a hash of the configuration and the engine
//! version that produced it, so an auditor can re-derive it.
//!
//! [`Screener::screen`] handles one query; [`Screener::screen_batch`] runs
//! many in parallel with rayon, each worker reusing its scratch space.

pub mod input;

use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::FxHashSet;
use serde::Serialize;
use sha2::{Digest, Sha256};
use vigia_index::{Evidence, Index, RecordId, Scratch};
use vigia_model::{Entity, Schema, prop};
use vigia_score::{Algorithm, Explanation, ScoreConfig};

pub use vigia_index;
pub use vigia_score;

/// The engine name and version recorded with every result.
pub const ENGINE: &str = concat!("vigia ", env!("CARGO_PKG_VERSION"));

/// What to screen: an id and an entity-shaped query (a yente `/match`
/// query: schema and properties).
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The caller's id for the query.
    pub id: String,
    /// The query: schema and properties (name, birthDate, nationality...).
    pub entity: Entity,
}

/// How to screen.
#[derive(Debug, Clone, PartialEq)]
pub struct ScreenConfig {
    /// Results scoring at least this are matches (`match: true`).
    pub threshold: f32,
    /// Results scoring below this are not returned.
    pub cutoff: f32,
    /// The most results returned per query.
    pub limit: usize,
    /// The scoring algorithm and its coefficients.
    pub score: ScoreConfig,
    /// Only entities of these datasets (empty: all).
    pub include_datasets: Vec<String>,
    /// Never entities of these datasets.
    pub exclude_datasets: Vec<String>,
    /// Never entities of these schemata.
    pub exclude_schemata: Vec<Schema>,
    /// Only entities with one of these topics (empty: all).
    pub topics: Vec<String>,
    /// Only entities changed at or after this ISO date or timestamp.
    pub changed_since: Option<String>,
    /// Never these entity ids (cleared false positives).
    pub exclude_entity_ids: FxHashSet<String>,
}

impl Default for ScreenConfig {
    fn default() -> ScreenConfig {
        ScreenConfig {
            threshold: 0.7,
            cutoff: 0.5,
            limit: 5,
            score: ScoreConfig::default(),
            include_datasets: Vec::new(),
            exclude_datasets: Vec::new(),
            exclude_schemata: Vec::new(),
            topics: Vec::new(),
            changed_since: None,
            exclude_entity_ids: FxHashSet::default(),
        }
    }
}

impl ScreenConfig {
    /// A short, stable hash of the configuration, recorded with results.
    pub fn fingerprint(&self) -> String {
        let mut excluded: Vec<&String> = self.exclude_entity_ids.iter().collect();
        excluded.sort();
        let text = format!(
            "{:?}|{}|{}|{}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
            self.score,
            self.threshold,
            self.cutoff,
            self.limit,
            self.include_datasets,
            self.exclude_datasets,
            self.exclude_schemata,
            self.topics,
            self.changed_since,
            excluded
        );
        hex::encode(&Sha256::digest(text.as_bytes())[..8])
    }
}

/// One listed entity found for a query.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatchResult {
    /// The listed entity's id.
    pub id: String,
    /// Its display name.
    pub caption: String,
    /// Its schema.
    pub schema: String,
    /// Its datasets.
    pub datasets: Vec<String>,
    /// The score in 0..=1.
    pub score: f64,
    /// Whether the score reaches the threshold.
    #[serde(rename = "match")]
    pub is_match: bool,
    /// Explanations by feature.
    pub explanations: BTreeMap<String, Explanation>,
    /// The record in the index (not serialised).
    #[serde(skip)]
    pub record: RecordId,
}

/// The outcome of screening one query.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScreenResult {
    /// The query's id.
    pub query_id: String,
    /// Results, best first, at most `limit`.
    pub results: Vec<MatchResult>,
    /// How many listed entities scored at or above the cut-off (before
    /// `limit`); a lower bound when `total_exact` is false.
    pub total: usize,
    /// Whether `total` is exact (false when scoring stopped early because
    /// no further candidate could enter the results).
    pub total_exact: bool,
    /// The list versions screened against.
    pub lists_version: String,
    /// The algorithm.
    pub algorithm: String,
    /// The configuration fingerprint.
    pub config: String,
    /// The engine version.
    pub engine: &'static str,
    /// Caps hit while generating candidates: each is a place where a match
    /// could have been missed. Zero almost always.
    #[serde(skip_serializing_if = "is_zero")]
    pub caps_hit: u32,
    /// Whether nothing reached the cut-off in candidate generation and the
    /// best-bounded names were scored anyway (the recall safety net).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub safety_net: bool,
}

fn is_zero(value: &u32) -> bool {
    *value == 0
}

/// Screens queries against one immutable index.
#[derive(Debug, Clone)]
pub struct Screener {
    index: Arc<Index>,
    lists_version: String,
}

impl Screener {
    /// A screener over an index built from the given list versions
    /// (e.g. `un_sc_sanctions@3,us_ofac_sdn@2`).
    pub fn new(index: Arc<Index>, lists_version: impl Into<String>) -> Screener {
        Screener { index, lists_version: lists_version.into() }
    }

    /// The index.
    pub fn index(&self) -> &Arc<Index> {
        &self.index
    }

    /// The list versions label.
    pub fn lists_version(&self) -> &str {
        &self.lists_version
    }

    /// Screens one query.
    pub fn screen(
        &self,
        query: &Query,
        config: &ScreenConfig,
        scratch: &mut Scratch,
    ) -> ScreenResult {
        self.screen_fingerprinted(query, config, &config.fingerprint(), scratch)
    }

    /// Screens one query under a configuration whose
    /// [`ScreenConfig::fingerprint`] the caller has already computed: a
    /// batch hashes its configuration once, not once per query.
    pub fn screen_fingerprinted(
        &self,
        query: &Query,
        config: &ScreenConfig,
        fingerprint: &str,
        scratch: &mut Scratch,
    ) -> ScreenResult {
        let index = &*self.index;
        // Preparing the query needs only its identifiers; the rest of its
        // evidence is read when a name scores at the cut-off or above
        // (rarely: most queries match nothing).
        let identified = Evidence::identifiers_of(&query.entity);
        let prepared = index.prepare_with_evidence(&query.entity, &identified, scratch);
        let full = std::cell::OnceCell::new();
        let evidence = || full.get_or_init(|| Evidence::of(&query.entity));
        let filter = RecordFilter::new(index, &query.entity.schema, config);
        let allow = |record: RecordId| filter.allows(index, record);
        let cutoff = config.cutoff.min(config.threshold);
        // Only candidates reaching the cut-off can be returned: the safety
        // net's names (below it) are not gathered, only whether it was used.
        let candidates = index.candidates_reaching(&prepared, cutoff, &allow, scratch);
        // Score best bound first. A score never exceeds its candidate's
        // bound, so once `limit` results are in hand and the next bound is
        // below the lowest of them, nothing further can enter the results;
        // the rest only counts towards `total`, which is then a lower bound.
        let mut scored: Vec<vigia_score::Scored> = Vec::new();
        let mut exhaustive = true;
        for candidate in &candidates.candidates {
            // A score never exceeds its bound: candidates below the cut-off
            // (those the safety net supplies) cannot be returned, and the
            // list is sorted by bound. The result still says the safety net
            // was used, so a caller knows nothing reached the cut-off.
            if candidate.bound < cutoff {
                break;
            }
            if scored.len() >= config.limit {
                let floor = scored.iter().map(|s| s.score).fold(f32::INFINITY, f32::min);
                if candidate.bound < floor {
                    exhaustive = false;
                    break;
                }
            }
            // Candidates certain to score below the cut-off are dropped
            // without finishing their scores.
            let Some(s) = vigia_score::score_candidate_reaching_lazily(
                index,
                &prepared,
                &evidence,
                candidate,
                &config.score,
                cutoff,
            ) else {
                continue;
            };
            if s.score >= cutoff {
                scored.push(s);
                if scored.len() > 4 * config.limit.max(1) {
                    scored
                        .sort_by(|a, b| b.score.total_cmp(&a.score).then(a.record.cmp(&b.record)));
                    scored.truncate(config.limit.max(1));
                    exhaustive = false;
                }
            }
        }
        scored.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.record.cmp(&b.record)));
        let total = scored.len();
        let results = scored
            .into_iter()
            .take(config.limit)
            .map(|s| {
                let candidate = candidates.candidates.iter().find(|c| c.record == s.record);
                let explained = candidate
                    .map(|c| {
                        vigia_score::score_candidate(
                            index,
                            &prepared,
                            evidence(),
                            c,
                            &config.score,
                            true,
                        )
                    })
                    .unwrap_or(s);
                let entity = &index.record(explained.record).entity;
                let score = (f64::from(explained.score) * 1000.0).round() / 1000.0;
                MatchResult {
                    id: entity.id.clone(),
                    caption: entity.caption().to_owned(),
                    schema: entity.schema.name().to_owned(),
                    datasets: entity.datasets.clone(),
                    score,
                    is_match: explained.score >= config.threshold,
                    explanations: explained.explanations,
                    record: explained.record,
                }
            })
            .collect();
        ScreenResult {
            query_id: query.id.clone(),
            results,
            total,
            total_exact: exhaustive,
            lists_version: self.lists_version.clone(),
            algorithm: config.score.algorithm.name().to_owned(),
            config: fingerprint.to_owned(),
            engine: ENGINE,
            caps_hit: candidates.caps_hit,
            safety_net: candidates.safety_net,
        }
    }

    /// Screens many queries in parallel; results come back in query order.
    pub fn screen_batch(&self, queries: &[Query], config: &ScreenConfig) -> Vec<ScreenResult> {
        let fingerprint = config.fingerprint();
        queries
            .par_iter()
            .map(|query| {
                with_thread_scratch(|scratch| {
                    self.screen_fingerprinted(query, config, &fingerprint, scratch)
                })
            })
            .collect()
    }
}

/// How many threads [`Screener::screen_batch`] screens on (rayon's pool:
/// `RAYON_NUM_THREADS`, else one per core). With one, a caller gains
/// nothing from batching and may screen each query as it comes, on its
/// own thread, with [`with_thread_scratch`].
pub fn batch_threads() -> usize {
    rayon::current_num_threads()
}

thread_local! {
    /// The scratch space of the thread screening: it lives as long as the
    /// thread, so its expansion memo and its per-name tables serve every
    /// batch the thread screens, not only one rayon split of one batch.
    static THREAD_SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::new());
}

/// Runs `f` with this thread's scratch space. The memo inside is keyed by
/// index, so one thread may screen against several indexes in turn.
pub fn with_thread_scratch<T>(f: impl FnOnce(&mut Scratch) -> T) -> T {
    THREAD_SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
        Ok(mut scratch) => f(&mut scratch),
        // Only reachable if a job re-entered itself; a fresh scratch is
        // correct, merely colder.
        Err(_) => f(&mut Scratch::new()),
    })
}

/// Replaces this thread's scratch space with a fresh one: after a panic
/// mid-query it may have been left half-updated.
pub fn reset_thread_scratch() {
    THREAD_SCRATCH.with(|scratch| {
        if let Ok(mut scratch) = scratch.try_borrow_mut() {
            *scratch = Scratch::new();
        }
    });
}

/// Which records a query may match: schema compatibility and the
/// configuration's filters, resolved once per query.
struct RecordFilter<'a> {
    /// Compatibility with each of the index's schemata (see
    /// [`Index::schemata`]): a handful, decided once per query, so that
    /// the check made for every record reached is one read.
    compatible: Vec<bool>,
    config: &'a ScreenConfig,
    include: Vec<u16>,
    exclude: Vec<u16>,
    /// Some filter was named but matches no dataset: nothing passes.
    impossible: bool,
    /// The configuration filters nothing but schemata: a compatible record
    /// passes without its entity being read.
    schema_only: bool,
}

impl<'a> RecordFilter<'a> {
    fn new(index: &Index, schema: &Schema, config: &'a ScreenConfig) -> RecordFilter<'a> {
        let include: Vec<u16> =
            config.include_datasets.iter().filter_map(|d| index.dataset_id(d)).collect();
        let exclude: Vec<u16> =
            config.exclude_datasets.iter().filter_map(|d| index.dataset_id(d)).collect();
        let impossible = !config.include_datasets.is_empty() && include.is_empty();
        let schema_only = include.is_empty()
            && exclude.is_empty()
            && config.exclude_schemata.is_empty()
            && config.topics.is_empty()
            && config.changed_since.is_none()
            && config.exclude_entity_ids.is_empty();
        RecordFilter {
            compatible: index.schemata().iter().map(|s| schema.can_match(s)).collect(),
            config,
            include,
            exclude,
            impossible,
            schema_only,
        }
    }

    fn allows(&self, index: &Index, record: RecordId) -> bool {
        if self.impossible {
            return false;
        }
        if !self.compatible[index.schema_of(record)] {
            return false;
        }
        if self.schema_only {
            return true;
        }
        let r = index.record(record);
        if !self.include.is_empty() && !r.datasets.iter().any(|d| self.include.contains(d)) {
            return false;
        }
        if r.datasets.iter().any(|d| self.exclude.contains(d)) {
            return false;
        }
        if !self.config.exclude_schemata.is_empty()
            && self.config.exclude_schemata.contains(&r.entity.schema)
        {
            return false;
        }
        if !self.config.topics.is_empty()
            && !r
                .entity
                .get(prop::TOPICS)
                .iter()
                .any(|t| self.config.topics.iter().any(|want| want == t))
        {
            return false;
        }
        if let Some(since) = &self.config.changed_since {
            match &r.entity.last_change {
                Some(changed) if changed.as_str() >= since.as_str() => {}
                _ => return false,
            }
        }
        if !self.config.exclude_entity_ids.is_empty()
            && self.config.exclude_entity_ids.contains(&r.entity.id)
        {
            return false;
        }
        true
    }
}

/// Parses an algorithm name (Vigia's or yente's).
pub fn algorithm(name: &str) -> Option<Algorithm> {
    Algorithm::parse(name)
}
