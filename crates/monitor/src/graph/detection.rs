//! What the graph engine reports: detections and the counters that make
//! every cap visible.

use std::fmt;

use vigia_model::EventTime;

use super::{AccountId, TxRef, Typology};

/// One occurrence of a graph typology.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// Which shape was found.
    pub typology: Typology,
    /// The accounts in the pattern. Order by typology: fan-out and fan-in
    /// put the hub first, then the counterparties; a cycle or a chain lists
    /// the accounts in the order money flowed (a cycle from the account the
    /// closing edge pays); scatter-gather is source, intermediaries, sink;
    /// gather-scatter is hub, sources, sinks; bipartite is senders, then
    /// receivers (then the upstream layer of a stack).
    pub accounts: Vec<AccountId>,
    /// The contributing transfers, the edge that completed the pattern last.
    pub edges: Vec<TxRef>,
    /// Time of the earliest contributing transfer.
    pub from: EventTime,
    /// Time of the latest contributing transfer (the completing edge).
    pub to: EventTime,
    /// The value the pattern moved, USD: the total paid out or in (fans),
    /// the first hop's amount (cycle, chain: the value that travelled), the
    /// value scattered (scatter-gather), gathered (gather-scatter) or paid
    /// into the block (bipartite).
    pub amount: f64,
    /// The size the materiality rule compares: counterparties (fans),
    /// edges (cycle), intermediaries (scatter-gather), sources + sinks
    /// (gather-scatter), senders + receivers (bipartite), hops (chain).
    pub size: u32,
    /// A search that found this pattern stopped at a cap, so the pattern
    /// may be larger than reported.
    pub capped: bool,
    /// What was found, in words an analyst reads (without account ids,
    /// which the alert carries as subjects).
    pub detail: String,
}

/// Counters of the caps reached, per typology.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CapHits {
    /// Adjacency lists cut at [`Caps::max_scan`](super::Caps::max_scan).
    pub scan: u64,
    /// Cycle searches stopped at [`Caps::max_expansions`](super::Caps::max_expansions).
    pub expansions: u64,
    /// Candidate lists cut at [`Caps::max_candidates`](super::Caps::max_candidates).
    pub candidates: u64,
    /// Detections dropped at
    /// [`Caps::max_detections_per_edge`](super::Caps::max_detections_per_edge).
    pub detections: u64,
    /// Evaluations skipped at a hub with more than
    /// [`Caps::max_hub_degree`](super::Caps::max_hub_degree) transfers.
    pub hubs: u64,
}

impl CapHits {
    /// Whether any cap was reached.
    pub fn any(&self) -> bool {
        self.scan + self.expansions + self.candidates + self.detections + self.hubs > 0
    }
}

/// What the engine has done so far.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GraphStats {
    /// Edges observed.
    pub edges: u64,
    /// Edges that arrived with an event time earlier than one already seen
    /// (inserted in time order; windows still use their own times).
    pub late_edges: u64,
    /// Edges dropped because their time is before the retention window.
    pub stale_edges: u64,
    /// Self-transfers (same account on both sides) and transfers with a
    /// negative or non-finite amount, which form no pattern and are not
    /// stored.
    pub ignored_edges: u64,
    /// Edges currently held in the window.
    pub live_edges: usize,
    /// Most edges held at once.
    pub peak_live_edges: usize,
    /// Accounts the engine holds state for.
    pub accounts: usize,
    /// Detections reported, per typology (indexed by [`Typology::index`]).
    pub detections: [u64; 7],
    /// Detections suppressed by the materiality rule, per typology.
    pub suppressed: [u64; 7],
    /// Caps reached, per typology.
    pub cap_hits: [CapHits; 7],
}

impl GraphStats {
    /// Caps reached for one typology.
    pub fn caps(&self, typology: Typology) -> CapHits {
        self.cap_hits[typology.index()]
    }
}

impl fmt::Display for GraphStats {
    /// A short report for logs: edges, window size and every cap reached.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "graph: {} edges ({} late, {} stale, {} ignored), {} live (peak {}), {} accounts",
            self.edges,
            self.late_edges,
            self.stale_edges,
            self.ignored_edges,
            self.live_edges,
            self.peak_live_edges,
            self.accounts
        )?;
        for typology in Typology::ALL {
            let i = typology.index();
            let caps = self.cap_hits[i];
            if self.detections[i] == 0 && self.suppressed[i] == 0 && !caps.any() {
                continue;
            }
            write!(
                f,
                "; {} {}: {} detections, {} suppressed",
                typology.id(),
                typology.name(),
                self.detections[i],
                self.suppressed[i]
            )?;
            if caps.any() {
                write!(
                    f,
                    ", caps hit: scan {}, expansions {}, candidates {}, detections {}, hubs skipped {}",
                    caps.scan, caps.expansions, caps.candidates, caps.detections, caps.hubs
                )?;
            }
        }
        Ok(())
    }
}
