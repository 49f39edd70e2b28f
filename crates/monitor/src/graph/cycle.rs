//! G3: directed cycles closed by the new edge.
//!
//! For a new edge `u → v` at time `t`, a depth-first search from `v` over
//! out-edges looks for paths back to `u`: with `time_ordered`, each hop no
//! earlier than the one before and the first no earlier than `t − window`;
//! each hop's amount within the decay tolerance of the previous hop's, and
//! the closing edge's within the tolerance of the last hop's. Paths are
//! simple (no account twice) and at most `max_len − 1` edges long. Two
//! prunings keep the search small: the tolerance cuts most branches at
//! once on real amounts, and a hop that must be the last before the
//! closing edge is taken only to a known predecessor of `u` (marked before
//! the search). The search follows at most `max_expansions` edges and reads
//! at most `max_scan` entries per account; either cap ends or shortens the
//! search and is counted.

use vigia_model::EventTime;

use super::config::{Caps, CycleConfig, MAX_CYCLE_LEN};
use super::scratch::Marks;
use super::store::Store;
use super::{AccountId, Edge};

/// A cycle found: accounts in flow order from `v`, and the arena sequence
/// numbers of its path edges (the closing edge is the new one).
#[derive(Debug, Clone, Default)]
pub(crate) struct Found {
    pub(crate) accounts: Vec<AccountId>,
    pub(crate) seqs: Vec<u32>,
}

/// Why a search ended early.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Truncation {
    pub(crate) scan: bool,
    pub(crate) expansions: bool,
    pub(crate) detections: bool,
}

struct Search<'a> {
    store: &'a Store,
    config: &'a CycleConfig,
    caps: &'a Caps,
    preds: &'a Marks,
    max_len: usize,
    floor: f64,
    target: AccountId,
    start: AccountId,
    closing_amount: f64,
    now: EventTime,
    lo: EventTime,
    nodes: [AccountId; MAX_CYCLE_LEN],
    seqs: [u32; MAX_CYCLE_LEN],
    expansions: usize,
    truncation: Truncation,
    found: &'a mut Vec<Found>,
    limit: usize,
}

fn within(previous: f64, next: f64, tolerance: f64) -> bool {
    next >= previous * (1.0 - tolerance) && next <= previous * (1.0 + tolerance)
}

impl Search<'_> {
    /// Explores the out-edges of `nodes[depth]`, the path so far having
    /// `depth` edges whose last has `prev_time` and `prev_amount`.
    fn explore(&mut self, depth: usize, prev_time: EventTime, prev_amount: Option<f64>) {
        let node = self.nodes[depth];
        let from = if self.config.time_ordered { prev_time.max(self.lo) } else { self.lo };
        let mut edges = self.store.node(node).out.between(from, self.now);
        if edges.len() > self.caps.max_scan {
            self.truncation.scan = true;
            edges = &edges[..self.caps.max_scan];
        }
        // The cycle's length if this hop reaches the target and the new
        // edge closes it.
        let len_after_hop = depth + 2;
        for adj in edges {
            if self.truncation.expansions || self.truncation.detections {
                return;
            }
            if adj.amount < self.floor {
                continue;
            }
            self.expansions += 1;
            if self.expansions > self.caps.max_expansions {
                self.truncation.expansions = true;
                return;
            }
            if let Some(prev) = prev_amount
                && !within(prev, adj.amount, self.config.amount_tolerance)
            {
                continue;
            }
            let next = adj.other;
            if next == self.target {
                if len_after_hop >= self.config.min_len
                    && within(adj.amount, self.closing_amount, self.config.amount_tolerance)
                {
                    self.seqs[depth] = adj.seq;
                    self.report(depth + 1);
                }
                continue;
            }
            if next == self.start || self.nodes[..=depth].contains(&next) {
                continue;
            }
            // Going to `next` makes the cycle at least one edge longer.
            if len_after_hop + 1 > self.max_len {
                continue;
            }
            // If `next` must close at once, it has to be a predecessor of
            // the target.
            if len_after_hop + 1 == self.max_len && !self.preds.contains(next) {
                continue;
            }
            self.nodes[depth + 1] = next;
            self.seqs[depth] = adj.seq;
            self.explore(depth + 1, adj.time, Some(adj.amount));
        }
    }

    /// Records the cycle whose path is `nodes[..=path_edges-1]` → target.
    fn report(&mut self, path_edges: usize) {
        if self.found.len() >= self.limit {
            self.truncation.detections = true;
            return;
        }
        let mut accounts = Vec::with_capacity(path_edges + 1);
        accounts.extend_from_slice(&self.nodes[..path_edges]);
        accounts.push(self.target);
        self.found.push(Found { accounts, seqs: self.seqs[..path_edges].to_vec() });
    }
}

/// Finds the cycles the new edge closes (at most `limit` of them).
#[allow(clippy::too_many_arguments)]
pub(crate) fn search(
    store: &Store,
    config: &CycleConfig,
    caps: &Caps,
    floor: f64,
    preds: &mut Marks,
    edge: &Edge,
    limit: usize,
    found: &mut Vec<Found>,
) -> Truncation {
    found.clear();
    let max_len = config.max_len.min(MAX_CYCLE_LEN);
    if max_len < 2 || config.min_len > max_len {
        return Truncation::default();
    }
    let lo = edge.time.saturating_sub(config.window);
    // Cheap exits: the new edge's receiver must have paid someone and its
    // sender must have been paid by someone, both in the window.
    let target_in = store.node(edge.from).inn.between(lo, edge.time);
    if target_in.is_empty() || store.node(edge.to).out.between(lo, edge.time).is_empty() {
        return Truncation::default();
    }
    preds.clear();
    for adj in target_in.iter().rev().take(caps.max_scan) {
        if adj.amount >= floor {
            preds.insert(adj.other);
        }
    }
    let mut search = Search {
        store,
        config,
        caps,
        preds,
        max_len,
        floor,
        target: edge.from,
        start: edge.to,
        closing_amount: edge.amount,
        now: edge.time,
        lo,
        nodes: [0; MAX_CYCLE_LEN],
        seqs: [0; MAX_CYCLE_LEN],
        expansions: 0,
        truncation: Truncation { scan: target_in.len() > caps.max_scan, ..Truncation::default() },
        found,
        limit,
    };
    search.nodes[0] = edge.to;
    search.explore(0, lo, None);
    search.truncation
}
