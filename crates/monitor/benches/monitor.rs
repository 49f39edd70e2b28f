//! Criterion benchmarks of the monitoring engine on simulated transactions
//! held in memory: the rule scenarios alone, the graph typologies alone,
//! and the full built-in pack.
//!
//! `cargo bench -p vigia-monitor --bench monitor`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use vigia_model::Transaction;
use vigia_monitor::{Monitor, MonitorOptions, Pack};

#[path = "common/mod.rs"]
mod common;

const N: u64 = 200_000;

fn transactions() -> (Vec<Transaction>, Vec<vigia_monitor::AccountProfile>) {
    let mut days = common::Days::new(N, None, 11);
    let profiles = days.profiles();
    let mut txs = Vec::new();
    while days.next_chunk(&mut txs, 50_000) {}
    (txs, profiles)
}

fn run(
    pack: &Pack,
    only: &[&str],
    txs: &[Transaction],
    profiles: &[vigia_monitor::AccountProfile],
) -> usize {
    let options = MonitorOptions {
        only: only.iter().map(|s| s.to_string()).collect(),
        ..MonitorOptions::default()
    };
    let mut monitor = Monitor::new(pack.clone(), options);
    monitor.add_profiles(profiles);
    let mut alerts = Vec::new();
    let mut n = 0;
    for tx in txs {
        if monitor.process(tx, &mut alerts).is_ok() {
            n += alerts.len();
            alerts.clear();
        }
    }
    n
}

fn engine(c: &mut Criterion) {
    let (txs, profiles) = transactions();
    let pack = match Pack::builtin() {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    };
    let rules: Vec<&str> =
        pack.scenarios.iter().filter(|s| !s.is_graph()).map(|s| s.id.as_str()).collect();
    let graph: Vec<&str> =
        pack.scenarios.iter().filter(|s| s.is_graph()).map(|s| s.id.as_str()).collect();
    let mut group = c.benchmark_group("monitor");
    group.sample_size(10);
    group.throughput(Throughput::Elements(txs.len() as u64));
    group.bench_function("rules", |b| b.iter(|| run(&pack, &rules, &txs, &profiles)));
    group.bench_function("graph", |b| b.iter(|| run(&pack, &graph, &txs, &profiles)));
    group.bench_function("full_pack", |b| b.iter(|| run(&pack, &[], &txs, &profiles)));
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
