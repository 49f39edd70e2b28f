//! The engine over many simulated transactions, in Tazama's terms:
//! transactions per second, scenarios and typologies evaluated, latency per
//! transaction (p50/p90/p99/p99.9) per stage, and the window state at the
//! end.
//!
//! ```text
//! VIGIA_BENCH_TRANSACTIONS=10000000 VIGIA_BENCH_ACCOUNTS=200000 \
//!   cargo bench -p vigia-monitor --bench throughput
//! ```
//!
//! Generation and parsing are outside the timed region: the figure is the
//! in-memory engine's. Every 8th transaction is timed individually (with
//! its stages) for the latency histogram; throughput is measured on all.
//!
//! The bench uses the allocator `vigia` ships with (mimalloc), so that the
//! figure is the engine's as the product runs it: with the system
//! allocator the engine's growing buffers cost about 6 % more CPU time
//! (ADR 0145). It also keeps freed memory, as `vigia monitor` does
//! (ADR 0151).

use std::time::{Duration, Instant};

#[global_allocator]
static ALLOCATOR: vigia_alloc::Allocator = vigia_alloc::Allocator;

use vigia_monitor::{Monitor, MonitorOptions, Pack, Stage};

#[path = "common/mod.rs"]
mod common;

/// Latencies in 10 ns buckets up to 1 ms, the rest counted above.
struct Histogram {
    buckets: Vec<u64>,
    above: Vec<u64>,
    n: u64,
    sum_ns: u64,
}

impl Histogram {
    fn new() -> Histogram {
        Histogram { buckets: vec![0; 100_000], above: Vec::new(), n: 0, sum_ns: 0 }
    }

    fn record(&mut self, d: Duration) {
        let ns = d.as_nanos() as u64;
        self.n += 1;
        self.sum_ns += ns;
        match self.buckets.get_mut((ns / 10) as usize) {
            Some(b) => *b += 1,
            None => self.above.push(ns),
        }
    }

    fn quantile(&mut self, q: f64) -> f64 {
        let rank = ((q * self.n as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, b) in self.buckets.iter().enumerate() {
            seen += b;
            if seen >= rank {
                return (i as f64 + 1.0) * 10.0 / 1000.0;
            }
        }
        self.above.sort_unstable();
        let k = (rank - seen).saturating_sub(1) as usize;
        self.above.get(k).map_or(f64::NAN, |ns| *ns as f64 / 1000.0)
    }

    fn line(&mut self, name: &str) -> String {
        format!(
            "{name:<10} mean {:>6.2} µs  p50 {:>7.2} µs  p90 {:>7.2} µs  p99 {:>7.2} µs  p99.9 {:>8.2} µs",
            self.sum_ns as f64 / self.n.max(1) as f64 / 1000.0,
            self.quantile(0.5),
            self.quantile(0.9),
            self.quantile(0.99),
            self.quantile(0.999)
        )
    }
}

/// CPU time this thread has run, from `/proc/thread-self/schedstat`
/// (Linux; `None` elsewhere). On a shared machine wall time counts the
/// time other processes held the core; this does not.
fn thread_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    // As `vigia monitor` runs (ADR 0151).
    vigia_alloc::keep_freed_memory();
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing
    // and must stay quick.
    let bench = std::env::args().any(|a| a == "--bench");
    let total = env("VIGIA_BENCH_TRANSACTIONS", if bench { 10_000_000 } else { 20_000 });
    let accounts = std::env::var("VIGIA_BENCH_ACCOUNTS").ok().and_then(|v| v.parse().ok());
    let only: Vec<String> = std::env::var("VIGIA_BENCH_ONLY")
        .map(|v| v.split(',').map(str::to_string).filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    let pack = match Pack::builtin() {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    };
    let mut days = common::Days::new(total, accounts, 42);
    let options = MonitorOptions { only, ..MonitorOptions::default() };
    let mut monitor = Monitor::new(pack, options);
    monitor.add_profiles(&days.profiles());
    let running = monitor.running();
    let graph = running.iter().filter(|i| monitor.pack().scenarios[**i].is_graph()).count();
    let typologies: std::collections::BTreeSet<&str> =
        running.iter().map(|i| monitor.pack().scenarios[*i].typology.as_str()).collect();
    let typologies = typologies.len();

    let (mut prepare, mut rules, mut graph_stage, mut sweep, mut whole) =
        (Histogram::new(), Histogram::new(), Histogram::new(), Histogram::new(), Histogram::new());
    let mut chunk = Vec::new();
    let mut alerts = Vec::new();
    let (mut n, mut n_alerts) = (0u64, 0u64);
    let mut busy = Duration::ZERO;
    let mut cpu = Some(Duration::ZERO);
    let mut stamps = [Instant::now(); 5];
    // VIGIA_BENCH_SINGLE=1: one `process` call per transaction instead of
    // `process_batch` over each chunk (to see what the look-ahead gives).
    let single = std::env::var("VIGIA_BENCH_SINGLE").is_ok_and(|v| v == "1");
    let slot = |stage: Stage| match stage {
        Stage::Prepared => 1,
        Stage::Rules => 2,
        Stage::Graph => 3,
        Stage::Swept => 4,
    };
    let mut record = |stamps: &[Instant; 5]| {
        prepare.record(stamps[1] - stamps[0]);
        rules.record(stamps[2] - stamps[1]);
        graph_stage.record(stamps[3] - stamps[2]);
        sweep.record(stamps[4] - stamps[3]);
        whole.record(stamps[4] - stamps[0]);
    };
    loop {
        chunk.clear();
        if !days.next_chunk(&mut chunk, 100_000) || chunk.is_empty() {
            break;
        }
        let started = Instant::now();
        let cpu_started = thread_cpu();
        if single {
            for (k, tx) in chunk.iter().enumerate() {
                if k % 8 == 0 {
                    stamps[0] = Instant::now();
                    let _ = monitor.process_staged(tx, &mut alerts, &mut |stage| {
                        stamps[slot(stage)] = Instant::now();
                    });
                    record(&stamps);
                } else {
                    let _ = monitor.process(tx, &mut alerts);
                }
                n_alerts += alerts.len() as u64;
                alerts.clear();
            }
        } else {
            // A transaction starts where the previous one ended (its
            // look-ahead reads of the next transactions included).
            stamps[0] = Instant::now();
            monitor.process_batch_staged(&chunk, &mut alerts, &mut |_, _| {}, &mut |k, stage| {
                if k % 8 == 0 {
                    stamps[slot(stage)] = Instant::now();
                    if stage == Stage::Swept {
                        record(&stamps);
                    }
                } else if k % 8 == 7 && stage == Stage::Swept {
                    stamps[0] = Instant::now();
                }
            });
            n_alerts += alerts.len() as u64;
            alerts.clear();
        }
        busy += started.elapsed();
        cpu = match (cpu, cpu_started, thread_cpu()) {
            (Some(c), Some(a), Some(b)) => Some(c + b.saturating_sub(a)),
            _ => None,
        };
        n += chunk.len() as u64;
    }
    let stats = monitor.stats();
    println!("transactions        {n}");
    println!(
        "scenarios           {} ({} window/screening/proximity, {graph} graph)",
        running.len(),
        running.len() - graph
    );
    println!("typologies          {typologies}");
    println!("alerts              {n_alerts}");
    println!(
        "engine throughput   {:.0} transactions/s on one core ({:.2} s)",
        n as f64 / busy.as_secs_f64(),
        busy.as_secs_f64()
    );
    if let Some(cpu) = cpu {
        println!(
            "engine CPU time     {:.0} transactions/s of CPU time ({:.2} s)",
            n as f64 / cpu.as_secs_f64(),
            cpu.as_secs_f64()
        );
    }
    println!("{}", prepare.line("prepare"));
    println!("{}", rules.line("rules"));
    println!("{}", graph_stage.line("graph"));
    println!("{}", sweep.line("sweep"));
    println!("{}", whole.line("total"));
    println!(
        "state at end        {} window keys, {} events, {} evidence ids, {} accounts, {} late",
        stats.states, stats.events, stats.evidence_ids, stats.accounts, stats.late
    );
    if let Some(g) = monitor.graph_stats() {
        println!("graph at end        {} live edges (peak {})", g.live_edges, g.peak_live_edges);
    }
}
