//! Transaction monitoring: scenarios as data, event-time windows, graph
//! typologies and alerts.
//!
//! This crate is pure: transactions come in, alerts go out, time is the
//! transactions' event time, never a clock.

mod error;
pub mod graph;
pub mod reference;
pub mod window;

pub use error::{BadRow, Error, Position, Result};
