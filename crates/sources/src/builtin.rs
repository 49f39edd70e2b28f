//! Vigia's built-in watchlist, embedded in the binary so that screening
//! works offline from the first command.
//!
//! The list lives in `data/watchlist/vigia_builtin.ftm.json` (FollowTheMoney
//! JSON lines, written by the project from public facts; see the README
//! beside it). It is used when no list has been imported, and it can be
//! imported like any other list under the dataset [`DATASET`].

use vigia_model::Entity;

/// The dataset name of the built-in watchlist.
pub const DATASET: &str = "vigia_builtin";

/// The built-in watchlist as FollowTheMoney JSON lines.
pub const FTM_JSON: &str = include_str!("../../../data/watchlist/vigia_builtin.ftm.json");

/// The entities of the built-in watchlist.
///
/// The file is compiled in and checked by this crate's tests, so a line that
/// fails to parse is a build defect; such a line is skipped rather than
/// bringing screening down.
pub fn entities() -> Vec<Entity> {
    FTM_JSON
        .lines()
        .filter(|line| !line.trim().is_empty())
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}
