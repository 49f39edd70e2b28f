//! Loading the screening engine: the active lists from the store, or the
//! built-in watchlist when nothing has been imported. The loading itself
//! lives in `vigia_server::lists`, so that `vigia screen` and `vigia serve`
//! build the same index from the same store.

use anyhow::Result;
use vigia_screen::Screener;
pub(crate) use vigia_server::lists::LoadedLists;

use crate::Global;

/// A screener over the active lists (or the built-in watchlist).
pub(crate) fn load_screener(global: &Global) -> Result<(Screener, LoadedLists)> {
    let loaded = load(global)?;
    Ok((loaded.screener(), loaded))
}

/// The active lists (or the built-in watchlist), with what went wrong with
/// the index snapshot, if anything, said on stderr.
pub(crate) fn load(global: &Global) -> Result<LoadedLists> {
    let loaded = vigia_server::lists::load(&global.data_dir)?;
    for warning in &loaded.warnings {
        eprintln!("vigia: warning: {warning}");
    }
    Ok(loaded)
}
