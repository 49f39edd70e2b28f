//! Parameters of the graph typologies, with the defaults of section 2.3 G of
//! the monitoring research. The scenario pack fills these from its G1–G7
//! entries; a typology whose config is `None` is not evaluated at all.

use vigia_model::EventTime;

/// One hour in event-time units (milliseconds).
pub const HOUR: EventTime = 3_600_000;
/// One day in event-time units (milliseconds).
pub const DAY: EventTime = 24 * HOUR;

/// Everything the graph engine needs to know.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphConfig {
    /// G1: one account pays many distinct receivers.
    pub fan_out: Option<FanConfig>,
    /// G2: many distinct senders pay one account.
    pub fan_in: Option<FanConfig>,
    /// G3: time-ordered directed cycles.
    pub cycle: Option<CycleConfig>,
    /// G4: source → intermediaries → sink.
    pub scatter_gather: Option<ScatterGatherConfig>,
    /// G5: sources → hub → sinks.
    pub gather_scatter: Option<GatherScatterConfig>,
    /// G6: dense sender set → receiver set, possibly stacked.
    pub bipartite: Option<BipartiteConfig>,
    /// G7: pass-through chains.
    pub chain: Option<ChainConfig>,
    /// How far back, from the start of a typology's window, a prior
    /// transfer between two accounts makes them an established
    /// relationship (for [`FanConfig::new_counterparties_only`] and
    /// `flows_new_counterparties_only`). Edges are kept for this horizon
    /// plus the window, so it costs memory; 35 days covers a monthly
    /// payroll or rent cycle with a few days' slack.
    pub relationship_horizon: EventTime,
    /// Transfers below this amount (USD) are not edges of the structural
    /// typologies (cycle, scatter-gather, gather-scatter, bipartite,
    /// chain): card-size spending and small transfers between friends do
    /// not move laundered value in these shapes, and they are most of the
    /// traffic. Fan typologies have their own `min_amount`. 0 considers
    /// every transfer.
    pub min_amount: f64,
    /// Scatter-gather, gather-scatter and bipartite count only legs between
    /// accounts with no transfer in the retention window before the
    /// typology's window (as fans do with `new_counterparties_only`), and a
    /// chain hop must be the pair's first transfer in the retention window:
    /// an employer, its staff and their landlord, or businesses with their
    /// regular clients and suppliers, are established relationships.
    pub flows_new_counterparties_only: bool,
    /// For this long after the first edge of the stream, typologies that
    /// count new counterparties report nothing: without history every
    /// counterparty looks new (a stream that starts with a payroll run
    /// would report it as a fan-out). Set it to the relationship horizon
    /// when the stream starts without history; 0 (the default) reports
    /// from the first edge.
    pub warm_up: EventTime,
    /// A pattern already reported is reported again only when it has grown
    /// to at least this multiple of its reported size (counterparties,
    /// intermediaries, hops), or once its episode has left the window.
    pub regrowth: f64,
    /// Bounds on the work done for one new edge.
    pub caps: Caps,
}

impl Default for GraphConfig {
    fn default() -> Self {
        GraphConfig {
            fan_out: Some(FanConfig::default()),
            fan_in: Some(FanConfig::default()),
            cycle: Some(CycleConfig::default()),
            scatter_gather: Some(ScatterGatherConfig::default()),
            gather_scatter: Some(GatherScatterConfig::default()),
            bipartite: Some(BipartiteConfig::default()),
            chain: Some(ChainConfig::default()),
            relationship_horizon: 35 * DAY,
            min_amount: 1_000.0,
            flows_new_counterparties_only: true,
            warm_up: 0,
            regrowth: 2.0,
            caps: Caps::default(),
        }
    }
}

impl GraphConfig {
    /// A configuration with every typology switched off (the starting point
    /// of a pack that enables only some).
    pub fn none() -> Self {
        GraphConfig {
            fan_out: None,
            fan_in: None,
            cycle: None,
            scatter_gather: None,
            gather_scatter: None,
            bipartite: None,
            chain: None,
            ..GraphConfig::default()
        }
    }

    /// How long an edge must be kept: the longest window of an enabled
    /// typology, and the relationship horizon when a fan typology asks
    /// for new counterparties only.
    pub fn retention(&self) -> EventTime {
        // Novelty looks back a relationship horizon from the start of the
        // typology's window, so those typologies keep horizon + window.
        let fans = [&self.fan_out, &self.fan_in]
            .into_iter()
            .flatten()
            .filter(|fan| fan.new_counterparties_only)
            .map(|fan| fan.window);
        let flows = [
            self.scatter_gather.as_ref().map(|c| c.window),
            self.gather_scatter.as_ref().map(|c| c.window),
            self.bipartite.as_ref().map(|c| c.window),
        ]
        .into_iter()
        .flatten()
        .filter(|_| self.flows_new_counterparties_only);
        let novelty = fans.chain(flows).max().map(|w| w.saturating_add(self.relationship_horizon));
        let windows = [
            self.fan_out.as_ref().map(|c| c.window),
            self.fan_in.as_ref().map(|c| c.window),
            self.cycle.as_ref().map(|c| c.window),
            self.scatter_gather.as_ref().map(|c| c.window),
            self.gather_scatter.as_ref().map(|c| c.window),
            self.bipartite.as_ref().map(|c| c.window),
            self.chain.as_ref().map(|c| c.window),
            novelty,
        ];
        windows.into_iter().flatten().max().unwrap_or(0).max(0)
    }

    /// Problems that make the configuration unusable, in words; empty when
    /// it is valid. The engine clamps what it can, but a scenario pack
    /// should refuse a configuration with problems.
    pub fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut window = |name: &str, w: EventTime| {
            if w <= 0 {
                problems.push(format!("{name}: window must be positive"));
            }
        };
        if let Some(c) = &self.fan_out {
            window("fan_out", c.window);
        }
        if let Some(c) = &self.fan_in {
            window("fan_in", c.window);
        }
        if let Some(c) = &self.cycle {
            window("cycle", c.window);
        }
        if let Some(c) = &self.scatter_gather {
            window("scatter_gather", c.window);
        }
        if let Some(c) = &self.gather_scatter {
            window("gather_scatter", c.window);
        }
        if let Some(c) = &self.bipartite {
            window("bipartite", c.window);
        }
        if let Some(c) = &self.chain {
            window("chain", c.window);
        }
        if let Some(c) = &self.cycle {
            if c.min_len < 2 || c.max_len < c.min_len || c.max_len > MAX_CYCLE_LEN {
                problems.push(format!(
                    "cycle: lengths must satisfy 2 <= min_len <= max_len <= {MAX_CYCLE_LEN}"
                ));
            }
            if !(0.0..1.0).contains(&c.amount_tolerance) {
                problems.push("cycle: amount_tolerance must be in [0, 1)".to_owned());
            }
        }
        if let Some(c) = &self.chain {
            if c.min_hops < 2 || c.max_hops < c.min_hops || c.max_hops > MAX_CHAIN_HOPS {
                problems.push(format!(
                    "chain: hops must satisfy 2 <= min_hops <= max_hops <= {MAX_CHAIN_HOPS}"
                ));
            }
            if c.min_forward <= 0.0 || c.max_forward < c.min_forward {
                problems.push("chain: need 0 < min_forward <= max_forward".to_owned());
            }
        }
        if self.regrowth < 1.0 {
            problems.push("regrowth must be at least 1".to_owned());
        }
        if self.caps.max_scan == 0
            || self.caps.max_expansions == 0
            || self.caps.max_candidates == 0
            || self.caps.max_hub_degree == 0
        {
            problems.push("caps must be positive".to_owned());
        }
        problems
    }
}

/// The longest cycle the engine searches for (the path buffer is this long).
pub const MAX_CYCLE_LEN: usize = 16;
/// The longest chain the engine tracks (hop counts are stored in a byte).
pub const MAX_CHAIN_HOPS: u32 = 32;

/// G1 and G2: many distinct counterparties on one side of an account.
#[derive(Debug, Clone, PartialEq)]
pub struct FanConfig {
    /// How far back the counterparties are counted.
    pub window: EventTime,
    /// Distinct counterparties needed (research: ≥ 5; AMLworld up to 16).
    pub min_counterparties: u32,
    /// Total value of the counted transfers needed, USD.
    pub min_total: f64,
    /// Transfers below this amount are ignored (card-size payments to a
    /// merchant are not a laundering fan-in).
    pub min_amount: f64,
    /// Count only counterparties with no earlier transfer with this account
    /// within the relationship horizon: a payroll run to the same
    /// employees, or a landlord's regular tenants, is an established
    /// relationship, not a fan-out to mules.
    pub new_counterparties_only: bool,
}

impl Default for FanConfig {
    fn default() -> Self {
        FanConfig {
            window: 7 * DAY,
            min_counterparties: 5,
            min_total: 10_000.0,
            min_amount: 0.0,
            new_counterparties_only: true,
        }
    }
}

/// G3: a directed cycle closing on the account that started it.
#[derive(Debug, Clone, PartialEq)]
pub struct CycleConfig {
    /// The whole cycle must lie within this window.
    pub window: EventTime,
    /// Fewest edges in a cycle (2 = a reciprocal pair).
    pub min_len: usize,
    /// Most edges in a cycle (at most [`MAX_CYCLE_LEN`]).
    pub max_len: usize,
    /// Each hop carries between `1 - tolerance` and `1 + tolerance` times
    /// the previous hop's amount (fees make value decay along the cycle).
    pub amount_tolerance: f64,
    /// Require each hop to happen no earlier than the previous one (money
    /// that really travels round). When false, any directed cycle whose
    /// edges all fall in the window counts; useful for generators that
    /// schedule a pattern's edges independently (AMLSim).
    pub time_ordered: bool,
}

impl Default for CycleConfig {
    fn default() -> Self {
        CycleConfig {
            window: 30 * DAY,
            min_len: 2,
            max_len: 12,
            amount_tolerance: 0.2,
            time_ordered: true,
        }
    }
}

/// G4: source → k intermediaries → one sink.
#[derive(Debug, Clone, PartialEq)]
pub struct ScatterGatherConfig {
    /// The whole pattern must lie within this window.
    pub window: EventTime,
    /// Distinct intermediaries needed.
    pub min_intermediaries: u32,
    /// Share of the scattered value that must reach the sink.
    pub min_reconvergence: f64,
}

impl Default for ScatterGatherConfig {
    fn default() -> Self {
        ScatterGatherConfig { window: 14 * DAY, min_intermediaries: 3, min_reconvergence: 0.7 }
    }
}

/// G5: k sources → hub → m sinks.
#[derive(Debug, Clone, PartialEq)]
pub struct GatherScatterConfig {
    /// The whole pattern must lie within this window.
    pub window: EventTime,
    /// Distinct sources paying the hub.
    pub min_sources: u32,
    /// Distinct sinks the hub pays after the gathering started.
    pub min_sinks: u32,
    /// The hub must pay out between this share of what it gathered and
    /// its inverse (value passes through the hub rather than stopping there or coming from elsewhere).
    pub min_pass_through: f64,
}

impl Default for GatherScatterConfig {
    fn default() -> Self {
        GatherScatterConfig {
            window: 14 * DAY,
            min_sources: 3,
            min_sinks: 3,
            min_pass_through: 0.7,
        }
    }
}

/// G6: a dense set of senders → a set of receivers, possibly stacked in
/// layers.
#[derive(Debug, Clone, PartialEq)]
pub struct BipartiteConfig {
    /// The whole pattern must lie within this window.
    pub window: EventTime,
    /// Senders in the block, each paying at least `min_receivers` of the
    /// block's receivers.
    pub min_senders: u32,
    /// Receivers in the block, each paid by at least two of its senders.
    pub min_receivers: u32,
    /// The senders are conduits: at least this share of what they pay into
    /// the block must be covered by what they received from new
    /// counterparties in the window (each sender counted up to its own
    /// payments into the block).
    pub min_pass_through: f64,
}

impl Default for BipartiteConfig {
    fn default() -> Self {
        BipartiteConfig {
            window: 14 * DAY,
            min_senders: 3,
            min_receivers: 3,
            min_pass_through: 0.6,
        }
    }
}

/// G7: a chain of pass-through hops.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainConfig {
    /// The whole chain must lie within this window.
    pub window: EventTime,
    /// Fewest hops reported.
    pub min_hops: u32,
    /// Longest chain tracked (at most [`MAX_CHAIN_HOPS`]).
    pub max_hops: u32,
    /// Longest delay between receiving and forwarding at each hop.
    pub max_hop_delay: EventTime,
    /// Each hop forwards at least this share of what it received.
    pub min_forward: f64,
    /// ... and at most this share (a hop that pays out far more than it
    /// received is spending its own money, not passing value on).
    pub max_forward: f64,
}

impl Default for ChainConfig {
    fn default() -> Self {
        ChainConfig {
            window: 30 * DAY,
            min_hops: 3,
            max_hops: 10,
            max_hop_delay: 72 * HOUR,
            min_forward: 0.8,
            max_forward: 1.05,
        }
    }
}

/// Bounds on the work done for one new edge. When a bound is reached the
/// search stops there, the typology's cap counter is incremented, and any
/// detection found by that search is marked `capped`.
#[derive(Debug, Clone, PartialEq)]
pub struct Caps {
    /// Adjacency entries examined per account per search (fan-out bound).
    pub max_scan: usize,
    /// Edges followed by one cycle search (path-length bound works with it).
    pub max_expansions: usize,
    /// Candidate sources or senders examined by one scatter-gather or
    /// bipartite search.
    pub max_candidates: usize,
    /// Detections of one typology reported for one new edge.
    pub max_detections_per_edge: usize,
    /// An account with more transfers than this on one side within a
    /// typology's window is a hub (a merchant, an acquirer, a payroll
    /// account): scatter-gather, gather-scatter and bipartite are not
    /// evaluated through that side of it. Laundering intermediaries, sinks
    /// and conduits have few counterparties; each skip is counted.
    pub max_hub_degree: usize,
}

impl Default for Caps {
    fn default() -> Self {
        Caps {
            max_scan: 256,
            max_expansions: 4096,
            max_candidates: 64,
            max_detections_per_edge: 8,
            max_hub_degree: 64,
        }
    }
}
