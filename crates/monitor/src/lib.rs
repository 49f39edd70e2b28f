//! Transaction monitoring: scenarios as data, event-time windows, graph
//! typologies and alerts.
//!
//! This crate is pure: transactions come in, alerts go out, time is the
//! transactions' event time, never a clock.

pub mod graph;
