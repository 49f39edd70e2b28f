//! G4 scatter-gather and G5 gather-scatter: value that splits and meets
//! again, or meets and splits.
//!
//! Scatter-gather is checked on the gathering edge `m → d`: the sink `d`'s
//! senders in the window are marked with their latest time and total, then
//! every source `s` that paid `m` is tried: its out-edges that reach a
//! marked intermediary no later than that intermediary paid `d` count.
//! Cost: deg_in(d) + Σ_s deg_out(s), each bounded by `max_hub_degree`
//! (a larger side is a hub and is skipped), with at most `max_candidates`
//! sources.
//!
//! Gather-scatter is checked on the scattering edge `h → x`: the hub's
//! senders in the window, then its receivers since the first of those
//! payments. Cost: deg_in(h) + deg_out(h), bounded the same way.
//!
//! Both count transfers of at least the engine's `min_amount` only, and,
//! with `flows_new_counterparties_only`, only legs between accounts with no
//! earlier transfer in the retention window (an employer paying its staff
//! who pay the same landlord, or a business's regular clients and
//! suppliers, are established relationships).

use vigia_model::EventTime;

use super::config::{Caps, GatherScatterConfig, ScatterGatherConfig};
use super::fan::{duration, money};
use super::scratch::{Marks, Values};
use super::store::{Adj, Store};
use super::{AccountId, Detection, Edge, Typology};

/// Scratch state of the flow searches.
#[derive(Debug, Default)]
pub(crate) struct FlowScratch {
    pub(crate) first: Marks,
    pub(crate) first_values: Values,
    pub(crate) second: Marks,
    pub(crate) second_values: Values,
    pub(crate) third: Marks,
    pub(crate) old: Marks,
    pub(crate) list: Vec<AccountId>,
    pub(crate) best: Vec<AccountId>,
    /// Bipartite's candidate senders.
    pub(crate) pool: Vec<AccountId>,
}

impl FlowScratch {
    pub(crate) fn ensure(&mut self, len: usize) {
        self.first.ensure(len);
        self.first_values.ensure(len);
        self.second.ensure(len);
        self.second_values.ensure(len);
        self.third.ensure(len);
        self.old.ensure(len);
    }
}

/// What the structural searches share: the amount floor, whether only
/// new relationships count, and whether the engine has seen enough history
/// to tell.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scope {
    pub(crate) floor: f64,
    pub(crate) novelty: bool,
}

/// What a search found, and whether it hit a cap.
pub(crate) struct Outcome {
    pub(crate) detection: Option<Detection>,
    pub(crate) scan: bool,
    pub(crate) candidates: bool,
    /// The search stopped (or skipped a candidate) at a hub.
    pub(crate) hub: bool,
    /// A qualifying pattern was not built because the materiality rule
    /// suppressed it.
    pub(crate) suppressed: bool,
    /// The materiality key of the detection.
    pub(crate) key: u64,
}

impl Outcome {
    fn none(scan: bool, candidates: bool) -> Self {
        Outcome { detection: None, scan, candidates, hub: false, suppressed: false, key: 0 }
    }

    pub(crate) fn hub() -> Self {
        Outcome {
            detection: None,
            scan: false,
            candidates: false,
            hub: true,
            suppressed: false,
            key: 0,
        }
    }
}

/// The last `cap` entries of a slice, and whether it was cut.
pub(crate) fn last<T>(items: &[T], cap: usize) -> (&[T], bool) {
    (&items[items.len().saturating_sub(cap)..], items.len() > cap)
}

/// How many entries move at least `floor`: a bound on the distinct
/// counterparties a search can count among them.
pub(crate) fn count_at_least(entries: &[Adj], floor: f64) -> usize {
    entries.iter().filter(|a| a.amount >= floor).count()
}

/// Marks in `old` the counterparties of `side` with a transfer before
/// `lo` still in the retention window (at most `cap`, the latest).
pub(crate) fn mark_established(old: &mut Marks, side: &[Adj], lo: EventTime, cap: usize) {
    old.clear();
    let before = &side[..side.partition_point(|a| a.time < lo)];
    for adj in last(before, cap).0 {
        old.insert(adj.other);
    }
}

/// G4 on the gathering edge `m → d`. `admit(key, size)` is asked before a
/// detection is built.
pub(crate) fn scatter_gather(
    store: &Store,
    config: &ScatterGatherConfig,
    caps: &Caps,
    scope: Scope,
    scratch: &mut FlowScratch,
    edge: &Edge,
    admit: &mut dyn FnMut(u64, u32) -> bool,
) -> Outcome {
    let (m, d, now) = (edge.from, edge.to, edge.time);
    let k = config.min_intermediaries.max(1) as usize;
    let lo = now.saturating_sub(config.window);
    let sink = store.node(d);
    if sink.inn.len() < k || store.node(m).inn.len() == 0 {
        return Outcome::none(false, false);
    }
    let receipts = sink.inn.between(lo, now);
    if receipts.len() > caps.max_hub_degree {
        return Outcome::hub();
    }
    // The intermediaries are among the sink's receipts of at least the
    // floor: too few of them and nothing else needs reading (the same
    // outcome as counting distinct senders below).
    if count_at_least(receipts, scope.floor) < k {
        return Outcome::none(false, false);
    }
    let FlowScratch { first, first_values, second, second_values, third, old, list, best, .. } =
        scratch;
    // The sink's established payers do not count as intermediaries.
    if scope.novelty {
        mark_established(old, sink.inn.live(), lo, caps.max_scan);
    } else {
        old.clear();
    }
    // Mark the sink's senders: latest time each paid the sink, and how much.
    first.clear();
    let mut senders = 0;
    for adj in receipts {
        if adj.amount < scope.floor || old.contains(adj.other) {
            continue;
        }
        if first.insert(adj.other) {
            first_values.reset(adj.other);
            senders += 1;
        }
        first_values.add(adj.other, adj.time, adj.amount);
    }
    if senders < k || !first.contains(m) {
        return Outcome::none(false, false);
    }
    let receipts = store.node(m).inn.between(lo, now);
    if receipts.len() > caps.max_hub_degree {
        return Outcome::hub();
    }
    // Every source tried reads its own list: their nodes are requested
    // together first, so that those misses overlap.
    for source in receipts.iter().rev().take(caps.max_candidates) {
        if source.amount >= scope.floor {
            store.prefetch_node(source.other);
        }
    }
    let mut candidates = false;
    let mut hub = false;
    third.clear();
    best.clear();
    let mut best_source = None;
    let mut best_ratio = 0.0;
    let mut tried = 0;
    for source in receipts.iter().rev() {
        let s = source.other;
        if s == d || s == m || source.amount < scope.floor || !third.insert(s) {
            continue;
        }
        tried += 1;
        if tried > caps.max_candidates {
            candidates = true;
            break;
        }
        // A source with fewer payments held than the intermediaries it
        // would need (at least `k`, and more than the best so far) can
        // pay too few of them, and one with at most a hub's degree is no
        // hub: skipped without finding its window.
        let out = &store.node(s).out;
        let held = out.len();
        if held < k.max(best.len() + 1) && held <= caps.max_hub_degree {
            continue;
        }
        let payments = out.between(lo, now);
        if payments.len() > caps.max_hub_degree {
            hub = true;
            continue;
        }
        // Intermediaries this source newly paid before they paid the sink.
        if scope.novelty {
            mark_established(old, store.node(s).out.live(), lo, caps.max_scan);
        } else {
            old.clear();
        }
        second.clear();
        list.clear();
        for adj in payments {
            let i = adj.other;
            if i == d
                || adj.amount < scope.floor
                || !first.contains(i)
                || old.contains(i)
                || adj.time > first_values.time(i)
            {
                continue;
            }
            if second.insert(i) {
                second_values.reset(i);
                list.push(i);
            }
            second_values.add(i, adj.time, adj.amount);
        }
        if list.len() < k || !second.contains(m) || list.len() <= best.len() {
            continue;
        }
        let scattered: f64 = list.iter().map(|&i| second_values.amount(i)).sum();
        let reconverged: f64 =
            list.iter().map(|&i| second_values.amount(i).min(first_values.amount(i))).sum();
        let ratio = if scattered > 0.0 { reconverged / scattered } else { 0.0 };
        if ratio >= config.min_reconvergence {
            best.clone_from(list);
            best_source = Some(s);
            best_ratio = ratio;
        }
    }
    let Some(source) = best_source else {
        return Outcome {
            detection: None,
            scan: false,
            candidates,
            hub,
            suppressed: false,
            key: 0,
        };
    };
    let size = best.len() as u32;
    let key = super::scratch::pair_key(source, d);
    if !admit(key, size) {
        return Outcome { detection: None, scan: false, candidates, hub, suppressed: true, key: 0 };
    }
    // Build the report: the source's payments to the intermediaries and
    // their payments to the sink, in the window.
    second.clear();
    for &i in best.iter() {
        second.insert(i);
    }
    let mut edges = Vec::new();
    let (mut from, mut scattered) = (now, 0.0);
    for adj in store.node(source).out.between(lo, now) {
        if second.contains(adj.other)
            && adj.amount >= scope.floor
            && adj.time <= first_values.time(adj.other)
            && let Some(record) = store.record(adj.seq)
        {
            edges.push(record.tx);
            from = from.min(adj.time);
            scattered += adj.amount;
        }
    }
    let mut gathered_edges = Vec::new();
    for adj in sink.inn.between(lo, now) {
        if second.contains(adj.other)
            && adj.amount >= scope.floor
            && let Some(record) = store.record(adj.seq)
        {
            gathered_edges.push((adj.time, record.tx));
        }
    }
    gathered_edges.sort_unstable();
    edges.extend(gathered_edges.into_iter().map(|(_, tx)| tx));
    let mut accounts = Vec::with_capacity(best.len() + 2);
    accounts.push(source);
    accounts.extend_from_slice(best);
    accounts.push(d);
    let detail = format!(
        "source split {} across {} intermediaries that paid one sink within {}; {:.0} % of it reconverged",
        money(scattered),
        best.len(),
        duration(now - from),
        best_ratio * 100.0
    );
    Outcome {
        detection: Some(Detection {
            typology: Typology::ScatterGather,
            accounts,
            edges,
            from,
            to: now,
            amount: scattered,
            size,
            capped: candidates,
            detail,
        }),
        scan: false,
        candidates,
        hub,
        suppressed: false,
        key,
    }
}

/// G5 on the scattering edge `h → x`.
pub(crate) fn gather_scatter(
    store: &Store,
    config: &GatherScatterConfig,
    caps: &Caps,
    scope: Scope,
    scratch: &mut FlowScratch,
    edge: &Edge,
    admit: &mut dyn FnMut(u64, u32) -> bool,
) -> Outcome {
    let (h, now) = (edge.from, edge.time);
    let hub = store.node(h);
    let (k, m) = (config.min_sources.max(1) as usize, config.min_sinks.max(1) as usize);
    if hub.inn.len() < k || hub.out.len() < m {
        return Outcome::none(false, false);
    }
    let lo = now.saturating_sub(config.window);
    let receipts = hub.inn.between(lo, now);
    let payments = hub.out.between(lo, now);
    if receipts.len() > caps.max_hub_degree || payments.len() > caps.max_hub_degree {
        return Outcome::hub();
    }
    // Sources and sinks are among the receipts and payments of at least
    // the floor: too few and the outcome is the one counting them gives.
    if count_at_least(receipts, scope.floor) < k || count_at_least(payments, scope.floor) < m {
        return Outcome::none(false, false);
    }
    let FlowScratch { first, second, old, list, best, .. } = scratch;
    if scope.novelty {
        mark_established(old, hub.inn.live(), lo, caps.max_scan);
    } else {
        old.clear();
    }
    first.clear();
    list.clear();
    let mut gathered_value = 0.0;
    let mut first_gather = now;
    for adj in receipts {
        if adj.amount < scope.floor || old.contains(adj.other) {
            continue;
        }
        if first.insert(adj.other) {
            list.push(adj.other);
        }
        gathered_value += adj.amount;
        first_gather = first_gather.min(adj.time);
    }
    let sources = list.len();
    if sources < k {
        return Outcome::none(false, false);
    }
    if scope.novelty {
        mark_established(old, hub.out.live(), lo, caps.max_scan);
    } else {
        old.clear();
    }
    second.clear();
    best.clear();
    let mut scattered_value = 0.0;
    let scatter_from = payments.partition_point(|a| a.time < first_gather);
    for adj in &payments[scatter_from..] {
        if adj.amount < scope.floor || old.contains(adj.other) {
            continue;
        }
        if second.insert(adj.other) {
            best.push(adj.other);
        }
        scattered_value += adj.amount;
    }
    let sinks = best.len();
    if sinks < m {
        return Outcome::none(false, false);
    }
    let ratio = gathered_value.min(scattered_value) / gathered_value.max(scattered_value);
    if ratio.is_nan() || ratio < config.min_pass_through {
        return Outcome::none(false, false);
    }
    let size = (sources + sinks) as u32;
    let key = u64::from(h);
    if !admit(key, size) {
        return Outcome {
            detection: None,
            scan: false,
            candidates: false,
            hub: false,
            suppressed: true,
            key: 0,
        };
    }
    let mut accounts = Vec::with_capacity(1 + sources + sinks);
    accounts.push(h);
    accounts.extend_from_slice(list);
    accounts.extend_from_slice(best);
    let mut edges = Vec::new();
    for adj in receipts {
        if adj.amount >= scope.floor
            && first.contains(adj.other)
            && let Some(record) = store.record(adj.seq)
        {
            edges.push(record.tx);
        }
    }
    for adj in &payments[scatter_from..] {
        if adj.amount >= scope.floor
            && second.contains(adj.other)
            && let Some(record) = store.record(adj.seq)
        {
            edges.push(record.tx);
        }
    }
    let detail = format!(
        "hub gathered {} from {sources} sources and paid {} to {sinks} sinks within {} ({:.0} % passed through)",
        money(gathered_value),
        money(scattered_value),
        duration(now - first_gather),
        ratio * 100.0
    );
    Outcome {
        detection: Some(Detection {
            typology: Typology::GatherScatter,
            accounts,
            edges,
            from: first_gather,
            to: now,
            amount: gathered_value,
            size,
            capped: false,
            detail,
        }),
        scan: false,
        candidates: false,
        hub: false,
        suppressed: false,
        key,
    }
}
