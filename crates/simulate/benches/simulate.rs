//! Generation throughput: transactions rendered as Vigia JSONL per second.

#![allow(clippy::unwrap_used, missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use vigia_simulate::{Simulation, SimulationConfig};

fn generate(c: &mut Criterion) {
    let config = SimulationConfig { transactions: 200_000, seed: 1, ..SimulationConfig::default() };
    let mut group = c.benchmark_group("simulate");
    group.throughput(Throughput::Elements(config.transactions));
    group.sample_size(10);
    group.bench_function("jsonl_200k", |b| {
        b.iter(|| {
            let mut simulation = Simulation::new(&config).unwrap();
            let mut out = String::with_capacity(1 << 24);
            let mut bytes = 0;
            while simulation.next_day(&mut out) {
                bytes += out.len();
                out.clear();
            }
            bytes
        })
    });
    group.finish();
}

criterion_group!(benches, generate);
criterion_main!(benches);
