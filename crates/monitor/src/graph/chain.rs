//! G7: pass-through chains, by dynamic programming over arriving edges.
//!
//! Each edge records the longest chain ending with it: when `u → v` arrives
//! at `t`, the candidates for the previous hop are `u`'s receipts within
//! `max_hop_delay` before `t` (not from `v`: money bouncing straight back
//! is a reciprocal pair, not a chain) whose amount this edge forwards at a
//! ratio in `[min_forward, max_forward]`. The best candidate (most hops,
//! then latest) gives this edge `hops + 1` and a link back. Cost: the
//! receipts of one account in a 72-hour span, bounded by `max_scan`. A
//! chain whose start has left the window restarts at the previous hop.
//!
//! With `flows_new_counterparties_only`, a transfer between accounts that
//! already dealt with each other in the retention window is not a hop.
//!
//! A chain of `min_hops` or more is reported by walking the links back
//! (at most `max_hops`) and keeping the longest suffix in which no account
//! repeats (a path, not a loop; loops are cycles).

use vigia_model::EventTime;

use super::config::{Caps, ChainConfig};
use super::fan::{duration, money};
use super::store::Store;
use super::{AccountId, Detection, Edge, Typology};

/// Where the new edge sits in the best chain ending with it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Link {
    pub(crate) hops: u8,
    pub(crate) prev: u32,
    pub(crate) start: EventTime,
    pub(crate) capped: bool,
}

/// What the engine knows of the edges held between the new edge's two
/// accounts (in its direction), from the fan state's pair table.
#[derive(Debug, Clone, Copy)]
pub(crate) enum PairHistory {
    /// No edge of the pair is held.
    Nothing,
    /// The low sequence number of the pair's newest edge held, with every
    /// edge so far inserted in arrival order (no late edge), so that the
    /// adjacency lists are in sequence order too.
    Newest(u32),
    /// Unknown (no fan state, or a late edge was inserted).
    Unknown,
}

/// The link for a new edge (before it is inserted).
pub(crate) fn link(
    store: &Store,
    config: &ChainConfig,
    caps: &Caps,
    floor: f64,
    novelty: bool,
    history: PairHistory,
    edge: &Edge,
) -> Link {
    let mut best = Link { hops: 1, prev: u32::MAX, start: edge.time, capped: false };
    // With novelty, a transfer between accounts that already dealt with
    // each other in the retention window is no hop of a chain (hops 0:
    // not linkable): salary passed on to the landlord is not layering.
    // "Dealt with" is looked for among the payer's latest `max_scan`
    // payments.
    if novelty {
        let earlier = store.node(edge.from).out.live();
        let scanned = earlier.len().saturating_sub(caps.max_scan);
        let established = match history {
            PairHistory::Nothing => false,
            // In sequence order the pair's newest edge is its last entry
            // in the list, so the pair has an entry among the latest
            // `max_scan` exactly when that one is: one comparison with
            // the oldest entry looked at, instead of reading them all.
            PairHistory::Newest(newest) => earlier.get(scanned).is_some_and(|oldest| {
                let base = store.base_seq() as u32;
                newest.wrapping_sub(base) >= oldest.seq.wrapping_sub(base)
            }),
            PairHistory::Unknown => {
                earlier.get(scanned..).unwrap_or(&[]).iter().rev().any(|a| a.other == edge.to)
            }
        };
        if established {
            return Link { hops: 0, ..best };
        }
    }
    let lo = edge.time.saturating_sub(config.max_hop_delay);
    let receipts = store.node(edge.from).inn.between(lo, edge.time);
    let capped = receipts.len() > caps.max_scan;
    let receipts = &receipts[receipts.len().saturating_sub(caps.max_scan)..];
    let window_start = edge.time.saturating_sub(config.window);
    for adj in receipts {
        if adj.other == edge.to || adj.amount <= 0.0 || adj.amount < floor {
            continue;
        }
        let ratio = edge.amount / adj.amount;
        if !(config.min_forward..=config.max_forward).contains(&ratio) {
            continue;
        }
        let Some(previous) = store.record(adj.seq) else { continue };
        if previous.chain_hops == 0 {
            continue;
        }
        let (hops, start) = if previous.chain_start >= window_start {
            (previous.chain_hops.saturating_add(1), previous.chain_start)
        } else {
            (2, previous.time)
        };
        if hops >= best.hops {
            best = Link { hops, prev: adj.seq, start, capped };
        }
    }
    best.capped = capped;
    best
}

/// The chain ending with the edge of sequence number `seq`, if it is long
/// enough to report: accounts in flow order, the arena sequence numbers
/// of its edges, the first hop's amount and time.
pub(crate) fn detection(
    store: &Store,
    config: &ChainConfig,
    seq: u32,
    capped: bool,
) -> Option<Detection> {
    let max_hops = config.max_hops.max(1) as usize;
    let mut records = Vec::with_capacity(max_hops);
    let mut current = store.record(seq)?;
    if u32::from(current.chain_hops) < config.min_hops {
        return None;
    }
    let hops = usize::from(current.chain_hops).min(max_hops);
    let mut accounts: Vec<AccountId> = vec![current.to];
    loop {
        // Keep the longest suffix in which no account repeats.
        if accounts.contains(&current.from) {
            break;
        }
        accounts.push(current.from);
        records.push(*current);
        if records.len() == hops || current.chain_hops <= 1 {
            break;
        }
        match store.record(current.chain_prev) {
            Some(previous) => current = previous,
            None => break,
        }
    }
    if (records.len() as u32) < config.min_hops {
        return None;
    }
    accounts.reverse();
    records.reverse();
    let first = records.first()?;
    let last = records.last()?;
    let ratios: Vec<f64> = records.windows(2).map(|w| w[1].amount / w[0].amount).collect();
    let low = ratios.iter().copied().fold(f64::INFINITY, f64::min);
    let high = ratios.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let detail = format!(
        "{} entering a chain of {} hops through {} pass-through accounts within {}, each forwarding {:.0}–{:.0} % within {}",
        money(first.amount),
        records.len(),
        records.len() - 1,
        duration(last.time - first.time),
        low * 100.0,
        high * 100.0,
        duration(config.max_hop_delay),
    );
    Some(Detection {
        typology: Typology::RandomChain,
        accounts,
        edges: records.iter().map(|r| r.tx).collect(),
        from: first.time,
        to: last.time,
        amount: first.amount,
        size: records.len() as u32,
        capped,
        detail,
    })
}
