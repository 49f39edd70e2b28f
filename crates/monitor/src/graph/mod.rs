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

use vigia_model::EventTime;

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
