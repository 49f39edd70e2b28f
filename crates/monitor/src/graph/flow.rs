//! G4 scatter-gather and G5 gather-scatter: value that splits and meets
//! again, or meets and splits.
//!
//! Scatter-gather is checked on the gathering edge `m → d`: the sink `d`'s
//! senders in the window are marked with their latest time and total, then
//! every source `s` that paid `m` is tried: its out-edges that reach a
//! marked intermediary no later than that intermediary paid `d` count.
//! Cost: deg_in(d) + Σ_s deg_out(s), each bounded by `max_scan`, with at
//! most `max_candidates` sources.
//!
//! Gather-scatter is checked on the scattering edge `h → x`: the hub's
//! senders in the window, then its receivers since the first of those
//! payments. Cost: deg_in(h) + deg_out(h), bounded by `max_scan`.

use super::config::{Caps, GatherScatterConfig, ScatterGatherConfig};
use super::fan::{duration, money};
use super::scratch::{Marks, Values};
use super::store::Store;
use super::{AccountId, Detection, Edge, Typology};

/// Scratch state of the flow searches.
#[derive(Debug, Default)]
pub(crate) struct FlowScratch {
    pub(crate) first: Marks,
    pub(crate) first_values: Values,
    pub(crate) second: Marks,
    pub(crate) second_values: Values,
    pub(crate) third: Marks,
    pub(crate) list: Vec<AccountId>,
    pub(crate) best: Vec<AccountId>,
}

impl FlowScratch {
    pub(crate) fn ensure(&mut self, len: usize) {
        self.first.ensure(len);
        self.first_values.ensure(len);
        self.second.ensure(len);
        self.second_values.ensure(len);
        self.third.ensure(len);
    }
}

/// What a search found, and whether it hit a cap.
pub(crate) struct Outcome {
    pub(crate) detection: Option<Detection>,
    pub(crate) scan: bool,
    pub(crate) candidates: bool,
    /// The search stopped (or skipped a candidate) at a hub.
    pub(crate) hub: bool,
}

impl Outcome {
    fn none(scan: bool, candidates: bool) -> Self {
        Outcome { detection: None, scan, candidates, hub: false }
    }

    pub(crate) fn hub() -> Self {
        Outcome { detection: None, scan: false, candidates: false, hub: true }
    }
}

/// The last `cap` entries of a slice, and whether it was cut.
fn last<T>(items: &[T], cap: usize) -> (&[T], bool) {
    (&items[items.len().saturating_sub(cap)..], items.len() > cap)
}

/// G4 on the gathering edge `m → d`.
pub(crate) fn scatter_gather(
    store: &Store,
    config: &ScatterGatherConfig,
    caps: &Caps,
    scratch: &mut FlowScratch,
    edge: &Edge,
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
    let (gathered, mut scan) = last(receipts, caps.max_scan);
    // Mark the sink's senders: latest time each paid the sink, and how much.
    let FlowScratch { first, first_values, second, second_values, third, list, best, .. } = scratch;
    first.clear();
    let mut senders = 0;
    for adj in gathered {
        if first.insert(adj.other) {
            first_values.reset(adj.other);
            senders += 1;
        }
        first_values.add(adj.other, adj.time, adj.amount);
    }
    if senders < k {
        return Outcome::none(scan, false);
    }
    let receipts = store.node(m).inn.between(lo, now);
    if receipts.len() > caps.max_hub_degree {
        return Outcome::hub();
    }
    let (sources, cut) = last(receipts, caps.max_scan);
    scan |= cut;
    let mut candidates = false;
    third.clear();
    best.clear();
    let mut best_source = None;
    let mut best_ratio = 0.0;
    let mut tried = 0;
    let mut hub = false;
    for source in sources.iter().rev() {
        let s = source.other;
        if s == d || s == m || !third.insert(s) {
            continue;
        }
        tried += 1;
        if tried > caps.max_candidates {
            candidates = true;
            break;
        }
        // Intermediaries this source paid before they paid the sink.
        second.clear();
        list.clear();
        let payments = store.node(s).out.between(lo, now);
        if payments.len() > caps.max_hub_degree {
            hub = true;
            continue;
        }
        let (paid, cut) = last(payments, caps.max_scan);
        scan |= cut;
        for adj in paid {
            let i = adj.other;
            if i == d || !first.contains(i) || adj.time > first_values.time(i) {
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
        return Outcome { detection: None, scan, candidates, hub };
    };
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
            && adj.time <= first_values.time(adj.other)
            && let Some(record) = store.record(adj.seq)
        {
            edges.push(record.tx);
            from = from.min(adj.time);
            scattered += adj.amount;
        }
    }
    let mut gathered_edges = Vec::new();
    for adj in gathered {
        if second.contains(adj.other)
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
    let size = best.len() as u32;
    Outcome {
        detection: Some(Detection {
            typology: Typology::ScatterGather,
            accounts,
            edges,
            from,
            to: now,
            amount: scattered,
            size,
            capped: scan || candidates,
            detail,
        }),
        scan,
        candidates,
        hub,
    }
}

/// G5 on the scattering edge `h → x`.
pub(crate) fn gather_scatter(
    store: &Store,
    config: &GatherScatterConfig,
    caps: &Caps,
    scratch: &mut FlowScratch,
    edge: &Edge,
) -> Outcome {
    let (h, now) = (edge.from, edge.time);
    let hub = store.node(h);
    let (k, m) = (config.min_sources.max(1) as usize, config.min_sinks.max(1) as usize);
    if hub.inn.len() < k || hub.out.len() < m {
        return Outcome::none(false, false);
    }
    let lo = now.saturating_sub(config.window);
    let receipts = hub.inn.between(lo, now);
    if receipts.len() > caps.max_hub_degree || hub.out.between(lo, now).len() > caps.max_hub_degree
    {
        return Outcome::hub();
    }
    let (gathered, cut_in) = last(receipts, caps.max_scan);
    let FlowScratch { first, second, .. } = scratch;
    first.clear();
    let (mut sources, mut gathered_value) = (0, 0.0);
    let mut first_gather = now;
    for adj in gathered {
        if first.insert(adj.other) {
            sources += 1;
        }
        gathered_value += adj.amount;
        first_gather = first_gather.min(adj.time);
    }
    if sources < k {
        return Outcome::none(cut_in, false);
    }
    let (scattered, cut_out) = last(hub.out.between(first_gather, now), caps.max_scan);
    second.clear();
    let (mut sinks, mut scattered_value) = (0, 0.0);
    for adj in scattered {
        if second.insert(adj.other) {
            sinks += 1;
        }
        scattered_value += adj.amount;
    }
    let scan = cut_in || cut_out;
    if sinks < m {
        return Outcome::none(scan, false);
    }
    let ratio = gathered_value.min(scattered_value) / gathered_value.max(scattered_value);
    if ratio.is_nan() || ratio < config.min_pass_through {
        return Outcome::none(scan, false);
    }
    let mut accounts = Vec::with_capacity(1 + sources + sinks);
    accounts.push(h);
    let mut edges = Vec::with_capacity(gathered.len() + scattered.len());
    first.clear();
    for adj in gathered {
        if first.insert(adj.other) {
            accounts.push(adj.other);
        }
        if let Some(record) = store.record(adj.seq) {
            edges.push(record.tx);
        }
    }
    second.clear();
    for adj in scattered {
        if second.insert(adj.other) {
            accounts.push(adj.other);
        }
        if let Some(record) = store.record(adj.seq) {
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
            size: (sources + sinks) as u32,
            capped: scan,
            detail,
        }),
        scan,
        candidates: false,
        hub: false,
    }
}
