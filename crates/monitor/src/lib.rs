//! Transaction monitoring: scenarios as data, event-time windows, graph
//! typologies and alerts.
//!
//! This crate is pure: transactions come in, alerts go out, time is the
//! transactions' event time, never a clock.

pub mod backtest;
pub mod engine;
mod error;
mod expr;
mod facts;
mod figures;
pub mod graph;
mod intern;
pub mod profile;
pub mod reader;
pub mod reference;
pub mod scenario;
mod state;
pub mod window;

pub use engine::{Monitor, MonitorOptions, PartyQuery, PartyScreener, ScreeningHit, Stage, Stats};
pub use error::{BadRow, Error, Position, Result};
pub use profile::{AccountProfile, CustomerKind, read_profiles};
pub use reader::{
    Format, Labels, ReaderOptions, Record, Step, TransactionReader, read_account_labels,
};
pub use reference::ReferenceData;
pub use scenario::{Pack, PackBuilder, Scenario};
