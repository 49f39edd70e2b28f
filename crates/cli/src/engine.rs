//! Loading the screening engine: the active lists from the store, or the
//! built-in watchlist when nothing has been imported.

use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};
use vigia_index::{Index, IndexBuilder, IndexConfig};
use vigia_model::ListVersion;
use vigia_screen::Screener;
use vigia_store::Store;
use vigia_store::lists::{EntityFilter, ListStore};

use crate::Global;

/// What the screener was built from.
pub(crate) struct LoadedLists {
    /// The active list versions (empty when the built-in list is used).
    pub(crate) versions: Vec<ListVersion>,
    /// The label recorded with every result.
    pub(crate) label: String,
    /// Seconds spent reading entities and building the index.
    pub(crate) load_seconds: f64,
    /// Seconds spent building the index alone.
    pub(crate) index_seconds: f64,
}

/// Builds an index from the active lists in the store, or from the built-in
/// watchlist when the store does not exist or holds no list.
pub(crate) fn load_index(global: &Global) -> Result<(Arc<Index>, LoadedLists)> {
    let started = Instant::now();
    let database = global.data_dir.join("vigia.db");
    let mut versions = Vec::new();
    let mut entities = Vec::new();
    if database.exists() {
        let store = Store::open(&global.data_dir)
            .with_context(|| format!("opening the store in {}", global.data_dir.display()))?;
        versions = store.active_versions().context("reading the active list versions")?;
        if !versions.is_empty() {
            entities = store
                .active_entities(&EntityFilter { matchable_only: true, ..EntityFilter::default() })
                .context("reading the active entities")?;
        }
    }
    let label = if versions.is_empty() {
        entities = vigia_sources::builtin::entities();
        format!("{}@embedded", vigia_sources::builtin::DATASET)
    } else {
        let mut labels: Vec<String> = versions.iter().map(ListVersion::label).collect();
        labels.sort();
        labels.join(",")
    };
    let index_started = Instant::now();
    let mut builder = IndexBuilder::new(IndexConfig::default());
    builder.extend(entities);
    let index = Arc::new(builder.finish());
    let index_seconds = index_started.elapsed().as_secs_f64();
    Ok((
        index,
        LoadedLists {
            versions,
            label,
            load_seconds: started.elapsed().as_secs_f64(),
            index_seconds,
        },
    ))
}

/// A screener over the active lists (or the built-in watchlist).
pub(crate) fn load_screener(global: &Global) -> Result<(Screener, LoadedLists)> {
    let (index, loaded) = load_index(global)?;
    Ok((Screener::new(index, loaded.label.clone()), loaded))
}
