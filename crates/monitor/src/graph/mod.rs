//! Graph typologies detected incrementally as each transaction arrives.
//!
//! The engine keeps a bounded, time-windowed directed multigraph of
//! transfers between accounts. Each new edge is checked, using only edges
//! already seen (causal), against the laundering shapes of section 2.3 G of
//! the monitoring research: fan-out, fan-in, cycle, scatter-gather,
//! gather-scatter, bipartite/stack, and random pass-through chains. Every
//! expansion is capped; when a cap is hit it is counted and reported, never
//! silently.
//!
//! Interface contract with the scenario engine (which interns account ids
//! and converts amounts to USD): the engine calls [`GraphEngine::observe`]
//! with each transfer as an [`Edge`] in event-time order and turns each
//! [`Detection`] into an alert.
//!
//! Materiality: a pattern is identified by a key (the hub for fan-out,
//! fan-in and gather-scatter; the account set for a cycle; source and sink
//! for scatter-gather; the sender set for bipartite; the first transfer
//! for a chain). Once reported, it is reported again only when its size
//! has grown to [`GraphConfig::regrowth`] times the reported size (default:
//! doubled), or when the report has left the typology's window (a new
//! episode). Growing by one more edge is never enough on its own.

mod bipartite;
mod chain;
mod config;
mod cycle;
mod detection;
mod fan;
mod flow;
mod pairs;
mod scratch;
mod store;
#[cfg(test)]
mod tests;

use vigia_model::EventTime;

pub use config::{
    BipartiteConfig, Caps, ChainConfig, CycleConfig, DAY, FanConfig, GatherScatterConfig,
    GraphConfig, HOUR, MAX_CHAIN_HOPS, MAX_CYCLE_LEN, ScatterGatherConfig,
};
pub use detection::{CapHits, Detection, GraphStats};

use fan::Fans;
use flow::FlowScratch;
use scratch::{Episodes, Marks, set_key};
use store::{Record, Store};

/// An interned account id (the scenario engine owns the interning table).
pub type AccountId = u32;

/// A reference to a transaction the scenario engine can resolve to its id
/// (its position in the stream).
pub type TxRef = u64;

/// One transfer between two accounts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    /// The transaction this edge is.
    pub tx: TxRef,
    /// The sending account.
    pub from: AccountId,
    /// The receiving account.
    pub to: AccountId,
    /// Event time, milliseconds since the Unix epoch.
    pub time: EventTime,
    /// Amount in USD equivalent.
    pub amount: f64,
}

/// The graph shapes Vigia detects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Typology {
    /// G1: one account pays many distinct receivers.
    FanOut,
    /// G2: many distinct senders pay one account.
    FanIn,
    /// G3: a time-ordered directed cycle.
    Cycle,
    /// G4: source → several intermediaries → one sink.
    ScatterGather,
    /// G5: several sources → hub → several sinks.
    GatherScatter,
    /// G6: a set of senders → a set of receivers, possibly layered (stack).
    Bipartite,
    /// G7: a pass-through chain of several hops.
    RandomChain,
}

impl Typology {
    /// Every typology, in scenario order G1..G7.
    pub const ALL: [Typology; 7] = [
        Typology::FanOut,
        Typology::FanIn,
        Typology::Cycle,
        Typology::ScatterGather,
        Typology::GatherScatter,
        Typology::Bipartite,
        Typology::RandomChain,
    ];

    /// Position in [`Typology::ALL`] (for per-typology counters).
    pub fn index(self) -> usize {
        match self {
            Typology::FanOut => 0,
            Typology::FanIn => 1,
            Typology::Cycle => 2,
            Typology::ScatterGather => 3,
            Typology::GatherScatter => 4,
            Typology::Bipartite => 5,
            Typology::RandomChain => 6,
        }
    }

    /// The scenario id of section 2.3 G: `G1` .. `G7`.
    pub fn id(self) -> &'static str {
        ["G1", "G2", "G3", "G4", "G5", "G6", "G7"][self.index()]
    }

    /// The typology name used in alerts and labels: `fan_out`, `fan_in`,
    /// `cycle`, `scatter_gather`, `gather_scatter`, `bipartite`,
    /// `random_chain`.
    pub fn name(self) -> &'static str {
        [
            "fan_out",
            "fan_in",
            "cycle",
            "scatter_gather",
            "gather_scatter",
            "bipartite",
            "random_chain",
        ][self.index()]
    }

    /// The typology for a name or scenario id (`fan_out`, `G1`, `stack`,
    /// `random`, ...), case-insensitively.
    pub fn parse(name: &str) -> Option<Typology> {
        let name = name.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Some(match name.as_str() {
            "g1" | "fan_out" | "fanout" => Typology::FanOut,
            "g2" | "fan_in" | "fanin" => Typology::FanIn,
            "g3" | "cycle" => Typology::Cycle,
            "g4" | "scatter_gather" => Typology::ScatterGather,
            "g5" | "gather_scatter" => Typology::GatherScatter,
            "g6" | "bipartite" | "stack" => Typology::Bipartite,
            "g7" | "random_chain" | "random" | "chain" => Typology::RandomChain,
            _ => return None,
        })
    }
}

/// The incremental graph-typology detector.
///
/// Feed it every transfer in event-time order with [`observe`]; it keeps
/// the edges of the retention window (the longest window of an enabled
/// typology, see [`GraphConfig::retention`]) and reports each pattern the
/// new edge completes, using only edges already seen.
///
/// Memory: about 88 bytes per edge in the window (arena record + two
/// adjacency entries) + about 60 bytes per account pair with an edge in the
/// window (fan state) + about 160 bytes per account seen (adjacency
/// headers and fan state, 64 bytes each, and scratch stamps) + the
/// materiality state of the patterns reported within their window (for
/// G1 and G2, in the hub's fan state). An adjacency list in use has
/// room for at least eight entries (192 bytes), so an account with one to
/// seven entries on a side holds more than its edges.
///
/// [`observe`]: GraphEngine::observe
#[derive(Debug)]
pub struct GraphEngine {
    config: GraphConfig,
    store: Store,
    fans: Option<Fans>,
    flow: FlowScratch,
    preds: Marks,
    cycles: Vec<cycle::Found>,
    episodes: [Episodes; 7],
    stats: GraphStats,
    /// Time of the first edge seen (for the novelty warm-up).
    first_time: Option<EventTime>,
    /// Accounts the arrays indexed by account (search scratch, fan
    /// aggregates) hold.
    scratch_accounts: usize,
}

impl GraphEngine {
    /// An engine with this configuration (see [`GraphConfig::validate`]).
    pub fn new(config: GraphConfig) -> Self {
        let fans = (config.fan_out.is_some() || config.fan_in.is_some())
            .then(|| Fans::new(config.fan_out.clone(), config.fan_in.clone()));
        GraphEngine {
            store: Store::new(config.retention()),
            fans,
            flow: FlowScratch::default(),
            preds: Marks::default(),
            cycles: Vec::new(),
            episodes: Default::default(),
            stats: GraphStats::default(),
            first_time: None,
            scratch_accounts: 0,
            config,
        }
    }

    /// The configuration in force.
    pub fn config(&self) -> &GraphConfig {
        &self.config
    }

    /// Counters so far (edges, window size, detections, caps reached).
    pub fn stats(&self) -> GraphStats {
        let mut stats = self.stats.clone();
        stats.live_edges = self.store.live_edges();
        stats.peak_live_edges = self.store.peak;
        stats.accounts = self.store.nodes.len();
        stats
    }

    /// Prefetches the records an edge `from → to` will read first: the
    /// two accounts' adjacency headers and fan aggregates, and where the
    /// look-up of the pair in the fan state starts. For a batch's
    /// look-ahead ([`crate::Monitor::process_batch`]); changes nothing.
    pub(crate) fn prefetch_accounts(&self, from: AccountId, to: AccountId) {
        for account in [from, to] {
            if let Some(node) = self.store.nodes.get(account as usize) {
                node.prefetch();
            }
            if let Some(agg) = self.fans.as_ref().and_then(|f| f.agg.get(account as usize)) {
                agg.prefetch();
            }
        }
        if let Some(fans) = &self.fans {
            fans.prefetch_lookup(from, to);
        }
    }

    /// Prefetches the newest entries of `from`'s payments and `to`'s
    /// receipts, where the edge is appended and the searches start, and
    /// the pair's fan counters. Meant for accounts whose headers were
    /// prefetched a little earlier ([`GraphEngine::prefetch_accounts`]):
    /// they are read here, and so is the pair table.
    pub(crate) fn prefetch_adjacency(&self, from: AccountId, to: AccountId) {
        if let Some(node) = self.store.nodes.get(from as usize) {
            node.out.prefetch_newest();
        }
        if let Some(node) = self.store.nodes.get(to as usize) {
            node.inn.prefetch_newest();
        }
        if let Some(fans) = &self.fans {
            fans.prefetch_pair(from, to);
        }
    }

    /// Adds one transfer and appends to `detections` every pattern it
    /// completes. Edges should come in event-time order; a late edge is
    /// inserted at its place in time (and counted), one older than the
    /// retention window is dropped (and counted).
    pub fn observe(&mut self, edge: Edge, detections: &mut Vec<Detection>) {
        self.stats.edges += 1;
        self.first_time.get_or_insert(edge.time);
        // Every edge moves the clock, even one that forms no pattern.
        let late = edge.time < self.store.now;
        if edge.time > self.store.now {
            self.advance(edge.time);
        }
        if edge.from == edge.to || !edge.amount.is_finite() || edge.amount < 0.0 {
            self.stats.ignored_edges += 1;
            return;
        }
        if late {
            self.stats.late_edges += 1;
            if edge.time < self.store.now.saturating_sub(self.store.retention) {
                self.stats.stale_edges += 1;
                return;
            }
        }
        let len = edge.from.max(edge.to) as usize + 1;
        self.store.ensure(edge.from);
        self.store.ensure(edge.to);
        if len > self.scratch_accounts {
            // Ids come in stream order, so nearly every new account is a
            // new largest id: the arrays indexed by account grow in
            // doublings rather than by one account (and seven resizes) at
            // a time.
            let grown = len.max(self.scratch_accounts.saturating_mul(2));
            self.flow.ensure(grown);
            self.preds.ensure(grown);
            if let Some(fans) = &mut self.fans {
                fans.ensure(grown);
            }
            self.scratch_accounts = grown;
        }
        let (pair, held) = match &mut self.fans {
            Some(fans) => fans.slot(edge.from, edge.to),
            None => (u32::MAX, true),
        };
        let link = match &self.config.chain {
            Some(config) if edge.amount >= self.config.min_amount => {
                let novelty = self.config.flows_new_counterparties_only;
                let history = match &self.fans {
                    Some(_) if !held => chain::PairHistory::Nothing,
                    Some(fans) if self.stats.late_edges == 0 => {
                        chain::PairHistory::Newest(fans.newest(pair))
                    }
                    _ => chain::PairHistory::Unknown,
                };
                chain::link(
                    &self.store,
                    config,
                    &self.config.caps,
                    self.config.min_amount,
                    novelty,
                    history,
                    &edge,
                )
            }
            _ => chain::Link { hops: 1, prev: u32::MAX, start: edge.time, capped: false },
        };
        let seq = self.store.next_seq() as u32;
        if let Some(fans) = &mut self.fans {
            fans.add(pair, edge.from, edge.to, edge.amount, seq);
        }
        self.store.insert(Record {
            tx: edge.tx,
            time: edge.time,
            amount: edge.amount,
            from: edge.from,
            to: edge.to,
            pair,
            chain_hops: link.hops,
            chain_prev: link.prev,
            chain_start: link.start,
        });
        self.check_fans(&edge, detections);
        if edge.amount >= self.config.min_amount {
            self.check_cycles(&edge, detections);
            self.check_flows(&edge, detections);
            self.check_chain(&edge, seq, link.capped, detections);
        }
    }

    /// Moves the windows to `now` and drops what left the retention window.
    fn advance(&mut self, now: EventTime) {
        self.store.now = now;
        if let Some(fans) = &mut self.fans {
            fans.advance(&self.store, now);
        }
        let cutoff = now.saturating_sub(self.store.retention);
        while self.store.oldest().is_some_and(|r| r.time < cutoff) {
            if let Some(record) = self.store.pop_oldest(cutoff)
                && let Some(fans) = &mut self.fans
            {
                fans.expire(&record);
            }
        }
    }

    /// Reports a detection unless the materiality rule suppresses it.
    fn emit(
        &mut self,
        key: u64,
        window: EventTime,
        detection: Detection,
        detections: &mut Vec<Detection>,
    ) {
        let i = detection.typology.index();
        let admitted =
            self.episodes[i].admit(key, detection.to, window, detection.size, self.config.regrowth);
        self.tally(admitted, detection, detections);
    }

    /// Counts a detection the materiality rule admitted (and passes it on)
    /// or suppressed.
    fn tally(&mut self, admitted: bool, detection: Detection, detections: &mut Vec<Detection>) {
        let i = detection.typology.index();
        if admitted {
            self.stats.detections[i] += 1;
            detections.push(detection);
        } else {
            self.stats.suppressed[i] += 1;
        }
    }

    /// Whether the warm-up is over, so that "new counterparty" means
    /// something (see [`GraphConfig::warm_up`]).
    fn warmed_up(&self, time: EventTime) -> bool {
        self.first_time.is_some_and(|first| time >= first.saturating_add(self.config.warm_up))
    }

    fn check_fans(&mut self, edge: &Edge, detections: &mut Vec<Detection>) {
        let Some(fans) = &self.fans else { return };
        let out_agg = fans.agg.get(edge.from as usize).copied().unwrap_or_default();
        let in_agg = fans.agg.get(edge.to as usize).copied().unwrap_or_default();
        // Most edges leave each hub below its thresholds: three
        // comparisons per side decide them here, and the materiality test
        // and the report are out of line.
        let qualifies = |config: &Option<FanConfig>, count: u32, total: f64| {
            config.as_ref().is_some_and(|c| {
                !(edge.amount < c.min_amount || count < c.min_counterparties || total < c.min_total)
            })
        };
        if qualifies(&self.config.fan_out, out_agg.out_count, out_agg.out_total) {
            self.check_fan(Typology::FanOut, edge, edge.from, out_agg.out_count, detections);
        }
        if qualifies(&self.config.fan_in, in_agg.in_count, in_agg.in_total) {
            self.check_fan(Typology::FanIn, edge, edge.to, in_agg.in_count, detections);
        }
    }

    /// Reports the fan of `hub` (whose aggregate counts `count` new
    /// counterparties and reached the typology's thresholds) unless the
    /// warm-up or the materiality rule suppresses it.
    #[inline(never)]
    fn check_fan(
        &mut self,
        typology: Typology,
        edge: &Edge,
        hub: AccountId,
        count: u32,
        detections: &mut Vec<Detection>,
    ) {
        let config = match typology {
            Typology::FanOut => &self.config.fan_out,
            _ => &self.config.fan_in,
        };
        let Some(config) = config else { return };
        let i = typology.index();
        if config.new_counterparties_only && !self.warmed_up(edge.time) {
            self.stats.suppressed[i] += 1;
            return;
        }
        // The hub's last report in the window, read once for both sizes
        // tested below from the hub's fan state (the line the thresholds
        // were read from).
        let out = typology == Typology::FanOut;
        let Some(fans) = &self.fans else { return };
        let last =
            fans.agg.get(hub as usize).and_then(|agg| agg.recent(out, edge.time, config.window));
        let regrowth = self.config.regrowth;
        if !Episodes::grown(last, count, regrowth) {
            self.stats.suppressed[i] += 1;
            return;
        }
        // The report walks at most `max_scan` entries of the hub's
        // window and names only counterparties the aggregate counts, so
        // its size is at most min(count, max_scan). When even that bound
        // would be suppressed, so would the report: a busy hub (an
        // acquirer paying thousands of merchants in a cold start) then
        // skips the walk instead of building and discarding it on every
        // edge. The cap counter still sees the cut the walk would make.
        let max_scan = self.config.caps.max_scan;
        let bound = count.min(u32::try_from(max_scan).unwrap_or(u32::MAX));
        if bound < count && !Episodes::grown(last, bound, regrowth) {
            let node = self.store.node(hub);
            let side = if out { &node.out } else { &node.inn };
            if side.busier_than(edge.time.saturating_sub(config.window), edge.time, max_scan) {
                self.stats.cap_hits[i].scan += 1;
            }
            self.stats.suppressed[i] += 1;
            return;
        }
        let detection = fan::detection(
            &self.store,
            fans,
            &mut self.preds,
            config,
            typology,
            hub,
            edge.time,
            self.config.caps.max_scan,
        );
        if detection.capped {
            self.stats.cap_hits[i].scan += 1;
        }
        // The materiality rule as `emit` applies it, with the hub's last
        // report kept in its fan state rather than among the episodes.
        let admitted = Episodes::grown(last, detection.size, regrowth);
        if admitted && let Some(fans) = &mut self.fans {
            fans.reported(hub, out, detection.to, detection.size);
        }
        self.tally(admitted, detection, detections);
    }

    fn check_cycles(&mut self, edge: &Edge, detections: &mut Vec<Detection>) {
        let Some(config) = &self.config.cycle else { return };
        let caps = &self.config.caps;
        let mut found = std::mem::take(&mut self.cycles);
        let truncation = cycle::search(
            &self.store,
            config,
            caps,
            self.config.min_amount,
            &mut self.preds,
            edge,
            caps.max_detections_per_edge,
            &mut found,
        );
        let window = config.window;
        let tolerance = config.amount_tolerance;
        let time_ordered = config.time_ordered;
        let hits = &mut self.stats.cap_hits[Typology::Cycle.index()];
        hits.scan += u64::from(truncation.scan);
        hits.expansions += u64::from(truncation.expansions);
        hits.detections += u64::from(truncation.detections);
        let capped = truncation.scan || truncation.expansions || truncation.detections;
        for cycle in found.drain(..) {
            let mut edges = Vec::with_capacity(cycle.seqs.len() + 1);
            let mut from = edge.time;
            let mut first_amount = edge.amount;
            for (i, seq) in cycle.seqs.iter().enumerate() {
                if let Some(record) = self.store.record(*seq) {
                    edges.push(record.tx);
                    from = from.min(record.time);
                    if i == 0 {
                        first_amount = record.amount;
                    }
                }
            }
            edges.push(edge.tx);
            let len = edges.len();
            let order = if time_ordered { "time-ordered " } else { "" };
            let detail = format!(
                "{} went round a {order}cycle of {len} transfers through {len} accounts within {} and came back as {} (tolerance ±{:.0} % per hop)",
                fan::money(first_amount),
                fan::duration(edge.time - from),
                fan::money(edge.amount),
                tolerance * 100.0,
            );
            let mut set = cycle.accounts.clone();
            let key = set_key(&mut set);
            let detection = Detection {
                typology: Typology::Cycle,
                accounts: cycle.accounts,
                edges,
                from,
                to: edge.time,
                amount: first_amount,
                size: len as u32,
                capped,
                detail,
            };
            self.emit(key, window, detection, detections);
        }
        self.cycles = found;
    }

    fn check_flows(&mut self, edge: &Edge, detections: &mut Vec<Detection>) {
        let caps = self.config.caps.clone();
        let regrowth = self.config.regrowth;
        let novelty = self.config.flows_new_counterparties_only;
        let scope = flow::Scope { floor: self.config.min_amount, novelty };
        let warmed_up = self.warmed_up(edge.time);
        let GraphEngine { config, store, flow: scratch, episodes, stats, .. } = self;
        if let Some(c) = &config.scatter_gather {
            let i = Typology::ScatterGather.index();
            let (episodes, window) = (&mut episodes[i], c.window);
            let mut admit = |key, size| {
                (!novelty || warmed_up) && episodes.fresh(key, edge.time, window, size, regrowth)
            };
            let outcome = flow::scatter_gather(store, c, &caps, scope, scratch, edge, &mut admit);
            Self::record(stats, episodes, i, window, regrowth, outcome, detections);
        }
        if let Some(c) = &config.gather_scatter {
            let i = Typology::GatherScatter.index();
            let (episodes, window) = (&mut episodes[i], c.window);
            let mut admit = |key, size| {
                (!novelty || warmed_up) && episodes.fresh(key, edge.time, window, size, regrowth)
            };
            let outcome = flow::gather_scatter(store, c, &caps, scope, scratch, edge, &mut admit);
            Self::record(stats, episodes, i, window, regrowth, outcome, detections);
        }
        if let Some(c) = &config.bipartite {
            let i = Typology::Bipartite.index();
            let (episodes, window) = (&mut episodes[i], c.window);
            let mut admit = |key, size| {
                (!novelty || warmed_up) && episodes.fresh(key, edge.time, window, size, regrowth)
            };
            let outcome = bipartite::bipartite(store, c, &caps, scope, scratch, edge, &mut admit);
            Self::record(stats, episodes, i, window, regrowth, outcome, detections);
        }
    }

    /// Counts a search's caps and reports its detection (already admitted
    /// by the materiality rule).
    fn record(
        stats: &mut GraphStats,
        episodes: &mut Episodes,
        i: usize,
        window: EventTime,
        regrowth: f64,
        outcome: flow::Outcome,
        detections: &mut Vec<Detection>,
    ) {
        let hits = &mut stats.cap_hits[i];
        hits.scan += u64::from(outcome.scan);
        hits.candidates += u64::from(outcome.candidates);
        hits.hubs += u64::from(outcome.hub);
        if outcome.suppressed {
            stats.suppressed[i] += 1;
        }
        if let Some(detection) = outcome.detection {
            episodes.admit(outcome.key, detection.to, window, detection.size, regrowth);
            stats.detections[i] += 1;
            detections.push(detection);
        }
    }

    fn check_chain(
        &mut self,
        edge: &Edge,
        seq: u32,
        capped: bool,
        detections: &mut Vec<Detection>,
    ) {
        let Some(config) = &self.config.chain else { return };
        if capped {
            self.stats.cap_hits[Typology::RandomChain.index()].scan += 1;
        }
        if u32::from(self.store.record(seq).map_or(0, |r| r.chain_hops)) < config.min_hops {
            return;
        }
        let window = config.window;
        if let Some(detection) = chain::detection(&self.store, config, seq, capped) {
            let origin = detection.edges.first().copied().unwrap_or(edge.tx);
            self.emit(origin, window, detection, detections);
        }
    }
}
