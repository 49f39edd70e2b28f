//! Rescreening a large customer base after a typical daily list delta.
//!
//! The store holds `VIGIA_BENCH_CUSTOMERS` customers (default 1,000,000,
//! synthetic persons, companies and vessels drawn from the same Zipf-like
//! name vocabulary as the lists), all screened against list version 1 with
//! no hit. Version 2 of the list (30,000 entities) changes 40 entities (a
//! new alias), adds 20 and removes 10: about what OFAC's SDN list does on
//! a busy day. The benchmark measures `vigia_store::rescreen::rescreen` on
//! the delta path: read every customer, choose those the change can
//! affect, screen them against the whole new index, write the results.
//!
//! Setting up takes a while (registering a million customers); the first
//! measured run's breakdown is printed to stderr. Between runs the
//! watermark is put back at version 1; the hits a run opened stay open, so
//! later runs write a little less than the first.
//!
//! `bench/rescreen.sh` runs it and prints the figures.

use std::sync::Arc;
use std::time::Instant;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use vigia_index::{IndexBuilder, IndexConfig};
use vigia_model::{Entity, prop};
use vigia_screen::Screener;
use vigia_sources::{Format, Header, Summary};
use vigia_store::customers::{CustomerImportRequest, CustomerStore};
use vigia_store::decisions::{HitStore, RunMode, Screened, ScreeningRun, ScreeningSettings};
use vigia_store::rescreen::{Lists, RescreenOptions, rescreen, watermark_of};
use vigia_store::{
    EntityFilter, ImportPolicy, ImportRequest, ImportStart, ListImport, ListStore, Store,
};

const LISTED: usize = 30_000;
const AT: &str = "2026-01-02T00:00:00Z";

fn import_list(store: &mut Store, entities: &[Entity], hash: &str) {
    let request = ImportRequest {
        dataset: "bench".into(),
        format: Format::FtmJson,
        content_hash: hash.into(),
        source: "bench".into(),
        imported_at: AT.into(),
        actor: "bench".into(),
        policy: ImportPolicy::default(),
    };
    let ImportStart::Ready(mut import) = store.begin_import(request).expect("begin") else {
        panic!("the list version is new");
    };
    for e in entities {
        vigia_sources::Sink::entity(&mut import, e.clone());
    }
    let summary = Summary {
        format: Format::FtmJson,
        dataset: "bench".into(),
        header: Header::default(),
        records: entities.len() as u64,
        entities: entities.len() as u64,
        diagnostics: 0,
    };
    import.finish(&summary).expect("finish");
}

/// Version 2: 40 entities with a new alias, 20 added, 10 removed.
fn daily_delta(v1: &[Entity]) -> Vec<Entity> {
    let mut v2: Vec<Entity> = v1[10..].to_vec();
    for e in v2.iter_mut().step_by(700).take(40) {
        let alias = format!("{} Junior", e.caption());
        e.add(prop::ALIAS, &alias);
    }
    let added = vigia_testdata::synthetic_entities(20, 99);
    v2.extend(added.into_iter().map(|mut e| {
        e.id = format!("new-{}", e.id);
        e
    }));
    v2
}

fn screener(store: &Store) -> (Screener, Vec<(String, u64)>) {
    let versions = store.active_versions().expect("versions");
    let entities = store
        .active_entities(&EntityFilter { matchable_only: true, ..EntityFilter::default() })
        .expect("entities");
    let mut builder = IndexBuilder::new(IndexConfig::default());
    builder.extend(entities);
    let label = versions.iter().map(|v| v.label()).collect::<Vec<_>>().join(",");
    (Screener::new(Arc::new(builder.finish()), label), watermark_of(&versions))
}

/// Puts the watermark at `versions` without screening anyone.
fn set_watermark(store: &mut Store, versions: &[(String, u64)], screened: &[Screened]) {
    let run = ScreeningRun {
        mode: RunMode::Full,
        at: AT.into(),
        actor: "bench".into(),
        lists_version: "bench@1".into(),
        lists: versions.to_vec(),
        watermark: true,
        settings: ScreeningSettings::default(),
        config: String::new(),
        engine: vigia_screen::ENGINE.into(),
        removed: Vec::new(),
        details: serde_json::Value::Null,
    };
    store.apply_screening(&run, screened).expect("watermark");
}

fn bench(c: &mut Criterion) {
    let customers: usize =
        std::env::var("VIGIA_BENCH_CUSTOMERS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(dir.path()).expect("open");
    let v1 = vigia_testdata::synthetic_entities(LISTED, 1);
    import_list(&mut store, &v1, "v1");
    let (_, v1_versions) = screener(&store);

    // Register the customers in batches (one transaction each), marked
    // screened against version 1 with no hit.
    let started = Instant::now();
    let batch = 100_000;
    let mut screened_all = Vec::new();
    for start in (0..customers).step_by(batch) {
        let n = batch.min(customers - start);
        let entities: Vec<Entity> = vigia_testdata::synthetic_entities(n, 7 + start as u64)
            .into_iter()
            .enumerate()
            .map(|(i, mut e)| {
                e.id = format!("cust-{}", start + i);
                e
            })
            .collect();
        let request = CustomerImportRequest {
            source: "bench".into(),
            content_hash: String::new(),
            at: AT.into(),
            actor: "bench".into(),
            deactivate_missing: false,
        };
        store.import_customers(&request, &entities).expect("customers");
        screened_all.clear();
        screened_all.extend(entities.iter().map(|e| Screened {
            customer_id: e.id.clone(),
            version: 1,
            matches: Vec::new(),
        }));
        set_watermark(&mut store, &v1_versions, &screened_all);
    }
    eprintln!(
        "setup: {customers} customers registered and marked screened in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    import_list(&mut store, &daily_delta(&v1), "v2");
    let (screener, versions) = screener(&store);
    let read = Instant::now();
    let mut n = 0u64;
    store
        .for_each_screening_subject(false, &mut |_| {
            n += 1;
            true
        })
        .expect("read");
    eprintln!("reading {n} customers: {:.2} s", read.elapsed().as_secs_f64());

    if std::env::var_os("VIGIA_BENCH_ONCE").is_some() {
        // One run, timed end to end (bench/rescreen.sh on a million
        // customers, where ten samples would take minutes).
        set_watermark(&mut store, &v1_versions, &[]);
        let options =
            RescreenOptions { at: AT.into(), actor: "bench".into(), ..Default::default() };
        let lists = Lists { screener: &screener, versions: &versions };
        let started = Instant::now();
        let outcome = rescreen(&mut store, lists, &options).expect("rescreen");
        eprintln!(
            "once: {:?} rescreen of {} customers after a 70-entity delta: {:.2} s \
             ({} reached by their keys, {} screened; change {:.2}, select {:.2}, screen {:.2}, \
             apply {:.2}) on {} threads",
            outcome.mode,
            outcome.customers,
            started.elapsed().as_secs_f64(),
            outcome.reached,
            outcome.screened,
            outcome.seconds.change,
            outcome.seconds.select,
            outcome.seconds.screen,
            outcome.seconds.apply,
            rayon::current_num_threads()
        );
        if std::env::var_os("VIGIA_BENCH_FULL").is_some() {
            // For comparison: every customer screened against the new lists.
            let options = RescreenOptions { full: true, ..options };
            let lists = Lists { screener: &screener, versions: &versions };
            let started = Instant::now();
            let outcome = rescreen(&mut store, lists, &options).expect("full rescreen");
            eprintln!(
                "full: {:?} rescreen of {} customers: {:.2} s (screen {:.2})",
                outcome.mode,
                outcome.customers,
                started.elapsed().as_secs_f64(),
                outcome.seconds.screen
            );
        }
        return;
    }
    let mut first = true;
    let mut group = c.benchmark_group("rescreen");
    group.sample_size(10);
    group.warm_up_time(std::time::Duration::from_millis(1));
    group.bench_function(format!("delta_{customers}_customers_70_entity_delta"), |b| {
        b.iter_batched(
            || set_watermark(&mut store, &v1_versions, &[]),
            |()| {
                // The store is borrowed by the setup closure too; reopen a
                // handle on the same file for the measured run.
                let mut handle = Store::open(dir.path()).expect("open");
                let options = RescreenOptions { at: AT.into(), actor: "bench".into(), ..Default::default() };
                let lists = Lists { screener: &screener, versions: &versions };
                let outcome = rescreen(&mut handle, lists, &options).expect("rescreen");
                if first {
                    first = false;
                    eprintln!(
                        "first run: {:?}, {} customers read, {} screened, {} entities searched, \
                         {} removed, {} new hits; seconds: change {:.2}, select {:.2}, screen {:.2}, apply {:.2}",
                        outcome.mode,
                        outcome.customers,
                        outcome.screened,
                        outcome.searched_entities,
                        outcome.removed_entities,
                        outcome.report.opened,
                        outcome.seconds.change,
                        outcome.seconds.select,
                        outcome.seconds.screen,
                        outcome.seconds.apply
                    );
                }
                outcome
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
