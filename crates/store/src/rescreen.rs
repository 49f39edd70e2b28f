//! Screening the registered customers over the store: the customers an
//! import registered or changed ([`screen_pending`]), the customers a list
//! change can affect (the delta path of [`rescreen`]), or every customer
//! (a full rescreen).
//!
//! `vigia customers import`, `vigia rescreen`, the rescreen after `vigia
//! lists import`/`lists update` and the HTTP customer endpoints all call
//! these functions, so they screen alike. The screening itself is the pure
//! [`vigia_workflow::rescreen`]; this module reads customers and list
//! changes from the store, screens in parallel, and hands the results to
//! [`HitStore::apply_screening`], which writes them in one transaction.
//!
//! **The watermark.** The store remembers the list versions every customer
//! was last screened against. A delta rescreen screens, against the active
//! lists: the customers the change since the watermark can give a new hit
//! ([`DeltaFilter`]), the customers with a hit on a changed or removed
//! entity, and the customers whose current version was never screened;
//! then moves the watermark, in the same transaction as the results. A
//! crash before that commit leaves the old watermark and the next run does
//! the work again (applying the same results twice changes nothing). When
//! the change cannot be read (the built-in watchlist was screened against)
//! or the screening settings change, the rescreen is full (ADR 0112).

use std::collections::HashSet;
use std::time::Instant;

use rayon::prelude::*;
use rusqlite::OptionalExtension;
use serde::Serialize;
use vigia_model::ListVersion;
use vigia_screen::vigia_score::Algorithm;
use vigia_screen::{Query, ScreenConfig, Screener};
use vigia_workflow::rescreen::{DeltaFilter, FilterScratch, matches, screen_config, supports};

use crate::customers::{CustomerStore, ScreeningSubject};
use crate::decisions::{HitStore, RunMode, RunReport, Screened, ScreeningRun, ScreeningSettings};
use crate::{Error, Result, Store};

pub(crate) mod keys;

/// Customers are read and screened this many at a time: enough to keep
/// every core busy, few enough that memory stays flat on a million.
const CHUNK: usize = 32_768;

/// What customers are screened against: a screener over the active lists
/// and the versions it was built from.
#[derive(Debug, Clone, Copy)]
pub struct Lists<'a> {
    /// The screener (its index holds the active lists' entities).
    pub screener: &'a Screener,
    /// The list versions, as [`watermark_of`] gives them.
    pub versions: &'a [(String, u64)],
}

/// The list versions an index was built from, as the watermark records
/// them: `(dataset, version)` sorted, or the built-in watchlist as
/// `vigia_builtin@0` when no list is active.
pub fn watermark_of(active: &[ListVersion]) -> Vec<(String, u64)> {
    if active.is_empty() {
        return vec![(vigia_sources::builtin::DATASET.to_owned(), 0)];
    }
    let mut out: Vec<(String, u64)> =
        active.iter().map(|v| (v.dataset.clone(), v.version)).collect();
    out.sort();
    out
}

/// How to rescreen.
#[derive(Debug, Clone, Default)]
pub struct RescreenOptions {
    /// Screen every active customer, not only those the change affects.
    pub full: bool,
    /// A new threshold (a full rescreen only).
    pub threshold: Option<f32>,
    /// A new algorithm (a full rescreen only).
    pub algorithm: Option<String>,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Who (`cli:ana`, an API key's name).
    pub actor: String,
}

/// Seconds spent in each step.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Timings {
    /// Reading the list change and the hits it touches.
    pub change: f64,
    /// Reading the customers and choosing those to screen.
    pub select: f64,
    /// Screening the chosen customers.
    pub screen: f64,
    /// Writing the results (one transaction).
    pub apply: f64,
}

/// What a rescreen did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RescreenOutcome {
    /// Delta or full.
    pub mode: RunMode,
    /// Why a delta rescreen became full, if it did.
    pub full_because: Option<String>,
    /// The lists screened against (`dataset@version,...`).
    pub lists_version: String,
    /// Active customers read.
    pub customers: u64,
    /// Customers screened.
    pub screened: u64,
    /// Customers read by their blocking keys on the delta path: those
    /// holding a key the change reaches, which the filter then decided on
    /// (0 on a full rescreen).
    pub reached: u64,
    /// Listed entities the delta filter searched (added or changed).
    pub searched_entities: u64,
    /// Listed entities with hits that left the lists.
    pub removed_entities: u64,
    /// What the store recorded.
    pub report: RunReport,
    /// Where the time went.
    pub seconds: Timings,
}

/// The settings to screen with, and the screening configuration.
fn configuration(
    stored: &ScreeningSettings,
    options: &RescreenOptions,
) -> Result<(ScreeningSettings, ScreenConfig)> {
    let mut settings = stored.clone();
    if let Some(threshold) = options.threshold {
        if !(0.05..=1.0).contains(&threshold) {
            return Err(Error::Invalid(format!(
                "the threshold must be between 0.05 and 1, not {threshold}"
            )));
        }
        settings.threshold = threshold;
    }
    if let Some(algorithm) = &options.algorithm {
        settings.algorithm = algorithm.trim().to_ascii_lowercase();
    }
    let algorithm = parse_algorithm(&settings.algorithm)?;
    settings.algorithm = algorithm.name().to_owned();
    let config = screen_config(settings.threshold, algorithm);
    Ok((settings, config))
}

fn parse_algorithm(name: &str) -> Result<Algorithm> {
    match vigia_screen::algorithm(name) {
        Some(algorithm) if supports(algorithm) => Ok(algorithm),
        Some(algorithm) => Err(Error::Invalid(format!(
            "customers cannot be screened with the {} algorithm (use vigia or vigia-name)",
            algorithm.name()
        ))),
        None => Err(Error::Invalid(format!("unknown algorithm {name:?} (vigia or vigia-name)"))),
    }
}

/// Screens subjects in parallel and keeps what the store must see: the
/// customers with a hit now, and those `keep` names (a hit before, a
/// version never screened).
fn screen(
    screener: &Screener,
    config: &ScreenConfig,
    subjects: &[ScreeningSubject],
    keep: &(dyn Fn(&ScreeningSubject) -> bool + Sync),
) -> Vec<Screened> {
    subjects
        .par_iter()
        .map_init(vigia_index::Scratch::new, |scratch, subject| {
            let query = Query { id: subject.id.clone(), entity: subject.entity.clone() };
            let result = screener.screen(&query, config, scratch);
            let found = matches(screener.index(), &result);
            (!found.is_empty() || keep(subject)).then(|| Screened {
                customer_id: subject.id.clone(),
                version: subject.version,
                matches: found,
            })
        })
        .flatten()
        .collect()
}

/// The run record shared by every mode.
fn run_record(
    mode: RunMode,
    lists: Lists<'_>,
    settings: ScreeningSettings,
    config: &ScreenConfig,
    options: &RescreenOptions,
    watermark: bool,
) -> ScreeningRun {
    ScreeningRun {
        mode,
        at: options.at.clone(),
        actor: options.actor.clone(),
        lists_version: lists.screener.lists_version().to_owned(),
        lists: lists.versions.to_vec(),
        watermark,
        settings,
        config: config.fingerprint(),
        engine: vigia_screen::ENGINE.to_owned(),
        removed: Vec::new(),
        details: serde_json::Value::Null,
    }
}

/// Screens the customers whose current version was never screened (those
/// an import just registered or changed), against `lists`. The watermark
/// moves only if nothing else needs a rescreen: it was empty, or already
/// at `lists`. Returns the report and whether a rescreen is still due
/// (the lists changed since the other customers were screened).
///
/// # Errors
/// The store cannot be read or written; the stored settings name an
/// algorithm that cannot screen customers.
pub fn screen_pending(
    store: &mut Store,
    lists: Lists<'_>,
    at: &str,
    actor: &str,
) -> Result<(RunReport, bool)> {
    let options =
        RescreenOptions { at: at.to_owned(), actor: actor.to_owned(), ..Default::default() };
    let stored = store.screening_settings()?;
    let (settings, config) = configuration(&stored, &options)?;
    let watermark = store.screened_lists()?;
    let in_step = watermark.is_empty() || watermark == lists.versions;
    let mut subjects = Vec::new();
    store.for_each_screening_subject(true, &mut |s| {
        subjects.push(s);
        true
    })?;
    let screened = screen(lists.screener, &config, &subjects, &|_| true);
    let mut run = run_record(RunMode::Import, lists, settings, &config, &options, in_step);
    run.details = serde_json::json!({"customers": subjects.len()});
    let report = store.apply_screening(&run, &screened)?;
    Ok((report, !in_step))
}

/// Rescreens after a list change (the delta path), or every customer
/// (`options.full`, or when the change cannot be read).
///
/// # Errors
/// The store cannot be read or written; a threshold or algorithm that
/// cannot be used, or a new one without `full`.
pub fn rescreen(
    store: &mut Store,
    lists: Lists<'_>,
    options: &RescreenOptions,
) -> Result<RescreenOutcome> {
    let stored = store.screening_settings()?;
    let (settings, config) = configuration(&stored, options)?;
    if !options.full && settings != stored {
        return Err(Error::Invalid(
            "a new threshold or algorithm applies to every customer: rescreen with --full".into(),
        ));
    }
    let started = Instant::now();
    let watermark = store.screened_lists()?;
    let mut full_because = None;
    let mut delta = None;
    if !options.full {
        if watermark.is_empty() {
            full_because = Some("no rescreen has run yet".to_owned());
        } else {
            let change = store.list_change_since(&watermark)?;
            if change.is_complete() {
                delta = Some(change);
            } else {
                full_because = Some(format!(
                    "the lists screened against last time cannot be read ({})",
                    change.unreadable.join(", ")
                ));
            }
        }
    }
    let index = lists.screener.index();
    let listed: HashSet<&str> = index.records().iter().map(|r| r.entity.id.as_str()).collect();
    let mut with_hits: HashSet<String> = HashSet::new();
    let removed: Vec<String>;
    let mut searched_entities = 0;
    let filter = match &delta {
        Some(delta) => {
            let touched: Vec<String> = delta.change.touched_ids().into_iter().collect();
            with_hits.extend(store.customers_with_hits_on(&touched)?);
            removed = delta
                .change
                .removed
                .iter()
                .map(|e| e.id.clone())
                .filter(|id| !listed.contains(id.as_str()))
                .collect();
            let search = delta.change.to_search();
            searched_entities = search.len() as u64;
            Some(DeltaFilter::new(search, settings.threshold))
        }
        None => {
            // Every customer is screened; those with a hit that is not
            // closed must be seen even if nothing matches them now.
            let entities = store.hit_entity_ids()?;
            with_hits.extend(store.customers_with_hits_on(&entities)?);
            removed = entities.into_iter().filter(|id| !listed.contains(id.as_str())).collect();
            None
        }
    };
    let mut seconds = Timings { change: started.elapsed().as_secs_f64(), ..Timings::default() };

    let mut customers = 0u64;
    let mut selected = 0u64;
    let mut reached_count = 0u64;
    let mut screened: Vec<Screened> = Vec::new();
    let mut pending: Vec<ScreeningSubject> = Vec::new();
    store.for_each_screening_subject(true, &mut |s| {
        pending.push(s);
        true
    })?;
    let pending_ids: HashSet<String> = pending.iter().map(|s| s.id.clone()).collect();
    let keep = |s: &ScreeningSubject| with_hits.contains(&s.id) || pending_ids.contains(&s.id);
    let read_started = Instant::now();
    let mut screening = 0.0;
    if let Some(filter) = &filter {
        // The delta path: the customers holding a blocking key the change
        // reaches, those with a hit on a touched entity and those never
        // screened are read; the filter decides on the first.
        keys::refresh(store)?;
        let reached = keys::reached(store, filter, index)?;
        reached_count = reached.len() as u64;
        customers = store.customer_counts()?.active;
        let mut ids: Vec<&String> = reached
            .iter()
            .chain(with_hits.iter())
            .filter(|id| !pending_ids.contains(*id))
            .collect();
        ids.sort();
        ids.dedup();
        let mut subjects = pending;
        for id in ids {
            if let Some(subject) = screening_subject(store, id)? {
                subjects.push(subject);
            }
        }
        let share = subjects.len().div_ceil(rayon::current_num_threads()).max(1);
        let wanted: Vec<bool> = subjects
            .par_chunks(share)
            .flat_map_iter(|part| {
                let mut scratch = FilterScratch::new();
                part.iter()
                    .map(|s| keep(s) || filter.may_match(index, &s.entity, &mut scratch))
                    .collect::<Vec<bool>>()
            })
            .collect();
        let chosen: Vec<ScreeningSubject> =
            subjects.into_iter().zip(wanted).filter(|(_, w)| *w).map(|(s, _)| s).collect();
        let screen_started = Instant::now();
        selected = chosen.len() as u64;
        screened = screen(lists.screener, &config, &chosen, &keep);
        screening = screen_started.elapsed().as_secs_f64();
    } else {
        let mut chunk: Vec<ScreeningSubject> = Vec::with_capacity(CHUNK);
        let mut flush = |chunk: &mut Vec<ScreeningSubject>, screening: &mut f64| {
            let chosen = std::mem::take(chunk);
            let screen_started = Instant::now();
            selected += chosen.len() as u64;
            screened.extend(screen(lists.screener, &config, &chosen, &keep));
            *screening += screen_started.elapsed().as_secs_f64();
        };
        store.for_each_screening_subject(false, &mut |s| {
            customers += 1;
            chunk.push(s);
            if chunk.len() == CHUNK {
                flush(&mut chunk, &mut screening);
            }
            true
        })?;
        flush(&mut chunk, &mut screening);
    }
    seconds.screen = screening;
    seconds.select = read_started.elapsed().as_secs_f64() - screening;

    let mode = if delta.is_some() { RunMode::Delta } else { RunMode::Full };
    let mut run = run_record(mode, lists, settings, &config, options, true);
    run.removed = removed;
    run.details = serde_json::json!({
        "customers": customers,
        "screened": selected,
        "reached": reached_count,
        "searched_entities": searched_entities,
        "full_because": full_because,
        "seconds": seconds,
    });
    let apply_started = Instant::now();
    let report = store.apply_screening(&run, &screened)?;
    seconds.apply = apply_started.elapsed().as_secs_f64();
    Ok(RescreenOutcome {
        mode,
        full_because,
        lists_version: run.lists_version.clone(),
        customers,
        screened: selected,
        reached: reached_count,
        searched_entities,
        removed_entities: run.removed.len() as u64,
        report,
        seconds,
    })
}

/// The current version of an active customer, as screened.
fn screening_subject(store: &Store, id: &str) -> Result<Option<ScreeningSubject>> {
    let row: Option<(String, u64, String, String)> = store
        .conn
        .prepare_cached(
            "SELECT c.id, c.version, c.hash, v.body FROM customers c
             JOIN customer_versions v ON v.customer_id = c.id AND v.version = c.version
             WHERE c.id = ?1 AND c.active = 1",
        )?
        .query_row([id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)))
        .optional()?;
    row.map(|(id, version, hash, body)| {
        Ok(ScreeningSubject { id, version, hash, entity: crate::customers::decode(&body)? })
    })
    .transpose()
}

/// Whether a rescreen is due: customers are registered and the lists
/// changed since they were last screened, or some wait for a first
/// screening. What decides whether a rescreen runs after a list import.
///
/// # Errors
/// The store cannot be read.
pub fn due(store: &Store, versions: &[(String, u64)]) -> Result<bool> {
    let counts = store.customer_counts()?;
    if counts.active == 0 {
        return Ok(false);
    }
    let watermark = store.screened_lists()?;
    Ok(counts.pending > 0 || watermark != versions)
}
