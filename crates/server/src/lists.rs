//! Loading what is screened: the active lists from the store, or the
//! built-in watchlist when nothing has been imported.
//!
//! `vigia screen` and `vigia serve` both load through [`load`], so the same
//! store gives both the same index, record for record: that is what lets a
//! `/match` answer agree exactly with `vigia screen`.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use vigia_index::{Index, IndexBuilder, IndexConfig};
use vigia_model::ListVersion;
use vigia_screen::Screener;
use vigia_store::Store;
use vigia_store::lists::{EntityFilter, ListStore};

use crate::{Error, Result};

/// An index and what it was built from.
#[derive(Debug)]
pub struct LoadedLists {
    /// The index.
    pub index: Arc<Index>,
    /// The active list versions (empty when the built-in list is used).
    pub versions: Vec<ListVersion>,
    /// The label recorded with every result (`dataset@version,...`).
    pub label: String,
    /// Seconds spent reading entities and building the index.
    pub load_seconds: f64,
    /// Seconds spent building the index alone.
    pub index_seconds: f64,
}

impl LoadedLists {
    /// Whether this is the built-in watchlist (no list imported).
    pub fn is_builtin(&self) -> bool {
        self.versions.is_empty()
    }

    /// A screener over the index.
    pub fn screener(&self) -> Screener {
        Screener::new(Arc::clone(&self.index), self.label.clone())
    }
}

/// The active list versions in the store in `data_dir` (empty when there
/// is no store yet).
///
/// # Errors
/// The store cannot be opened or read.
pub fn active_versions(data_dir: &Path) -> Result<Vec<ListVersion>> {
    if !data_dir.join(vigia_store::DB_FILE).exists() {
        return Ok(Vec::new());
    }
    let store = open(data_dir)?;
    store.active_versions().map_err(|e| Error::store("reading the active list versions", e))
}

fn open(data_dir: &Path) -> Result<Store> {
    Store::open(data_dir)
        .map_err(|e| Error::store(&format!("opening the store in {}", data_dir.display()), e))
}

/// Builds an index from the active lists in the store in `data_dir`, or
/// from the built-in watchlist when the store does not exist or holds no
/// list.
///
/// # Errors
/// The store cannot be opened or read.
pub fn load(data_dir: &Path) -> Result<LoadedLists> {
    let started = Instant::now();
    let mut versions = Vec::new();
    let mut entities = Vec::new();
    if data_dir.join(vigia_store::DB_FILE).exists() {
        let store = open(data_dir)?;
        versions = store
            .active_versions()
            .map_err(|e| Error::store("reading the active list versions", e))?;
        if !versions.is_empty() {
            entities = store
                .active_entities(&EntityFilter { matchable_only: true, ..EntityFilter::default() })
                .map_err(|e| Error::store("reading the active entities", e))?;
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
    Ok(LoadedLists {
        index,
        versions,
        label,
        load_seconds: started.elapsed().as_secs_f64(),
        index_seconds: index_started.elapsed().as_secs_f64(),
    })
}
