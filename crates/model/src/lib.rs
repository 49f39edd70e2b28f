//! Vigia's domain types.
//!
//! This crate is pure: no IO, no clock, no global state beyond immutable
//! lookup tables. Every other crate speaks these types:
//!
//! - [`Entity`] and [`Schema`]: FollowTheMoney-compatible listed parties and
//!   the links between them;
//! - [`PartialDate`]: dates known to year, month or day;
//! - [`calendar`]: civil dates and day numbers since the Unix epoch;
//! - [`country`]: country codes and the names lists use for them;
//! - [`ListVersion`] and [`Diagnostic`]: what an import produced.

pub mod alert;
pub mod calendar;
pub mod country;
mod country_table;
pub mod date;
pub mod entity;
pub mod list;
pub mod schema;
pub mod transaction;

pub use alert::{Alert, AlertKind, AlertSeverity};
pub use date::{PartialDate, Precision};
pub use entity::{Entity, Properties, prop};
pub use list::{Diagnostic, ListVersion, Location, Severity};
pub use schema::{NameKind, Schema};
pub use transaction::{Channel, EventTime, Party, Place, PlaceKind, Transaction};
