//! Loading what is screened: the active lists from the store, or the
//! built-in watchlist when nothing has been imported.
//!
//! `vigia screen` and `vigia serve` both load through [`load`], so the same
//! store gives both the same index, record for record: that is what lets a
//! `/match` answer agree exactly with `vigia screen`.
//!
//! The index of the store's lists is kept as a snapshot in the data
//! directory ([`SNAPSHOT_FILE`], next to the store), keyed to the exact
//! active list versions, the index configuration and the engine (a
//! fingerprint of the code that builds indexes): a load takes the snapshot
//! when it matches, and otherwise builds the index and writes the snapshot
//! for the next load (ADR 0119).

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use vigia_index::{Index, IndexBuilder, IndexConfig, SnapshotKey};
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
    /// Seconds spent building the index alone (or loading its snapshot).
    pub index_seconds: f64,
    /// Where the index came from.
    pub source: IndexSource,
    /// What went wrong with the snapshot and was got round (a damaged
    /// snapshot, one that could not be written): for the operator, never
    /// fatal.
    pub warnings: Vec<String>,
}

/// Where a loaded index came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexSource {
    /// Built from the built-in watchlist (never snapshotted: it is small).
    Builtin,
    /// Loaded from the snapshot.
    Snapshot,
    /// Built from the store's lists.
    Built {
        /// Why the snapshot was not used ("missing", "written for other
        /// list versions", "corrupt: checksum mismatch", ...).
        why: String,
        /// Whether a new snapshot was written.
        written: bool,
    },
}

/// The snapshot of the active lists' index, in the data directory.
pub const SNAPSHOT_FILE: &str = "index.snapshot";

/// The fingerprint of the code that turns stored lists into an index (see
/// `build.rs`): a snapshot written by other code is stale.
pub const ENGINE_FINGERPRINT: &str = env!("VIGIA_ENGINE_FINGERPRINT");

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
/// list; with the default configuration. See [`load_with`].
///
/// # Errors
/// The store cannot be opened or read.
pub fn load(data_dir: &Path) -> Result<LoadedLists> {
    load_with(data_dir, &IndexConfig::default())
}

/// Loads the index of the active lists in the store in `data_dir` from its
/// snapshot when the snapshot was written for these exact list versions,
/// this configuration and this engine; otherwise builds it (from the
/// built-in watchlist when there is no list) and writes the snapshot. A
/// damaged snapshot is rebuilt with a warning; a snapshot that cannot be
/// written is a warning too.
///
/// # Errors
/// The store cannot be opened or read.
pub fn load_with(data_dir: &Path, config: &IndexConfig) -> Result<LoadedLists> {
    let started = Instant::now();
    let store =
        if data_dir.join(vigia_store::DB_FILE).exists() { Some(open(data_dir)?) } else { None };
    let versions = match &store {
        Some(store) => store
            .active_versions()
            .map_err(|e| Error::store("reading the active list versions", e))?,
        None => Vec::new(),
    };
    let store = match store {
        Some(store) if !versions.is_empty() => store,
        _ => return Ok(builtin(config, started)),
    };
    let mut labels: Vec<String> = versions.iter().map(ListVersion::label).collect();
    labels.sort();
    let label = labels.join(",");
    let key = snapshot_key(&versions);
    let path = data_dir.join(SNAPSHOT_FILE);
    let mut warnings = Vec::new();
    let index_started = Instant::now();
    let snapshot = std::fs::File::open(&path).and_then(|file| {
        let metadata = file.metadata()?;
        // A directory opens, but cannot be read: unreadable, not corrupt.
        if !metadata.is_file() {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file"));
        }
        Ok((metadata.len(), file))
    });
    let why = match snapshot {
        // Read straight from the file: the tables a piece at a time, the
        // entities into one buffer the index keeps (ADR 0155).
        Ok((size, file)) => match Index::from_snapshot_reader(file, size, &key, config) {
            Ok(index) => {
                return Ok(LoadedLists {
                    index: Arc::new(index),
                    versions,
                    label,
                    load_seconds: started.elapsed().as_secs_f64(),
                    index_seconds: index_started.elapsed().as_secs_f64(),
                    source: IndexSource::Snapshot,
                    warnings,
                });
            }
            Err(err) => {
                if err.is_corrupt() {
                    warnings
                        .push(format!("index snapshot {}: {err}; rebuilding it", path.display()));
                }
                err.to_string()
            }
        },
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => "missing".to_owned(),
        Err(err) => {
            warnings.push(format!(
                "index snapshot {}: cannot be read ({err}); rebuilding it",
                path.display()
            ));
            format!("unreadable: {err}")
        }
    };
    let entities = store
        .active_entities(&EntityFilter { matchable_only: true, ..EntityFilter::default() })
        .map_err(|e| Error::store("reading the active entities", e))?;
    let index_started = Instant::now();
    let mut builder = IndexBuilder::new(config.clone());
    builder.extend(entities);
    let index = builder.finish();
    let index_seconds = index_started.elapsed().as_secs_f64();
    // The versions and the entities are two reads: were a list activated
    // between them, the index would hold entities of versions other than
    // its key says, so it is then served (as it always was) but not kept.
    let unchanged = store.active_versions().is_ok_and(|now| snapshot_key(&now) == key);
    let written = unchanged
        && match write_atomically(&path, &index.to_snapshot(&key)) {
            Ok(()) => true,
            Err(err) => {
                warnings.push(format!(
                    "index snapshot {}: cannot be written ({err}); going on without it",
                    path.display()
                ));
                false
            }
        };
    Ok(LoadedLists {
        index: Arc::new(index),
        versions,
        label,
        load_seconds: started.elapsed().as_secs_f64(),
        index_seconds,
        source: IndexSource::Built { why, written },
        warnings,
    })
}

/// The index of the built-in watchlist.
fn builtin(config: &IndexConfig, started: Instant) -> LoadedLists {
    let index_started = Instant::now();
    let mut builder = IndexBuilder::new(config.clone());
    builder.extend(vigia_sources::builtin::entities());
    LoadedLists {
        index: Arc::new(builder.finish()),
        versions: Vec::new(),
        label: format!("{}@embedded", vigia_sources::builtin::DATASET),
        load_seconds: started.elapsed().as_secs_f64(),
        index_seconds: index_started.elapsed().as_secs_f64(),
        source: IndexSource::Builtin,
        warnings: Vec::new(),
    }
}

/// What a snapshot must have been written for: this engine, and each
/// active version by dataset, number and content hash (a store rebuilt
/// from other files that happen to reach the same version numbers has
/// other hashes).
fn snapshot_key(versions: &[ListVersion]) -> SnapshotKey {
    let mut lists: Vec<String> = versions
        .iter()
        .map(|v| format!("{}@{}#{}", v.dataset, v.version, v.content_hash))
        .collect();
    lists.sort();
    SnapshotKey { engine: ENGINE_FINGERPRINT.to_owned(), lists: lists.join(",") }
}

/// Writes `bytes` to `path` so that `path` is always either the old file or
/// the whole new one: a temporary file in the same directory, flushed to
/// disk, then renamed over it. A crash leaves at most a stray temporary
/// file (`.index.snapshot.*.tmp`), never a half snapshot under the real
/// name; on an error the temporary file is removed.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut file =
        tempfile::Builder::new().prefix(&format!(".{name}.")).suffix(".tmp").tempfile_in(dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}
