//! What every request shares: the lists being served (swapped atomically),
//! the key check, the screening pool, metrics, configuration and list
//! updates.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use serde::Serialize;
use vigia_index::{RecordId, text_hash};
use vigia_screen::Screener;

use crate::auth::Auth;
use crate::lists::LoadedLists;
use crate::metrics::Metrics;
use crate::pool::{Executor, ScreenPool};
use crate::update::{UpdateStatus, Updater};

/// How the server runs.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerConfig {
    /// The data directory: the store with lists and keys.
    pub data_dir: PathBuf,
    /// Whether requests need an API key (`false` only with
    /// `--insecure-no-auth`).
    pub require_keys: bool,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// The most queries in one `/match` request.
    pub max_batch: usize,
    /// How long a request may take before it is abandoned with a 503.
    pub request_timeout: Duration,
    /// Screening threads (default: one per core).
    pub screen_threads: usize,
    /// Where screening runs.
    pub executor: Executor,
    /// The most queries waiting or being screened before new requests are
    /// refused with a 503.
    pub max_pending: usize,
    /// Run a list update on this schedule (none by default).
    pub update_every: Option<Duration>,
}

impl ServerConfig {
    /// The defaults for a data directory: keys required, 1 MiB bodies,
    /// batches of 100 (yente's), 10 s per request, one screening thread per
    /// core, 4096 pending queries.
    pub fn new(data_dir: PathBuf) -> ServerConfig {
        ServerConfig {
            data_dir,
            require_keys: true,
            max_body_bytes: 1 << 20,
            max_batch: 100,
            request_timeout: Duration::from_secs(10),
            screen_threads: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2),
            executor: Executor::Pool,
            max_pending: 4096,
            update_every: None,
        }
    }
}

/// The lists being served: the index and everything derived from it that
/// a request needs. Immutable; replaced as a whole.
#[derive(Debug)]
pub(crate) struct Served {
    pub(crate) lists: LoadedLists,
    pub(crate) screener: Screener,
    /// When it was swapped in (RFC 3339, UTC) and as Unix time.
    pub(crate) loaded_at: String,
    pub(crate) loaded_unix: i64,
    /// (hash of entity id, record), sorted: entity lookups without a second
    /// copy of every id.
    ids: Vec<(u64, RecordId)>,
    /// (hash of a referent id, record), sorted: merged ids redirect.
    referents: Vec<(u64, RecordId)>,
    /// Indexed records per dataset.
    pub(crate) indexed: BTreeMap<String, usize>,
}

impl Served {
    pub(crate) fn new(lists: LoadedLists) -> Served {
        let index = &lists.index;
        let mut ids = Vec::with_capacity(index.records().len());
        let mut referents = Vec::new();
        let mut indexed: BTreeMap<String, usize> = BTreeMap::new();
        for (i, record) in index.records().iter().enumerate() {
            let i = i as RecordId;
            ids.push((text_hash(&record.entity.id), i));
            for referent in &record.entity.referents {
                referents.push((text_hash(referent), i));
            }
            for dataset in &record.entity.datasets {
                *indexed.entry(dataset.clone()).or_default() += 1;
            }
        }
        ids.sort_unstable();
        referents.sort_unstable();
        let now = jiff::Timestamp::now();
        Served {
            screener: lists.screener(),
            lists,
            loaded_at: now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
            loaded_unix: now.as_second(),
            ids,
            referents,
            indexed,
        }
    }

    fn find(
        &self,
        table: &[(u64, RecordId)],
        id: &str,
        check: impl Fn(RecordId) -> bool,
    ) -> Option<RecordId> {
        let hash = text_hash(id);
        let start = table.partition_point(|(h, _)| *h < hash);
        table[start..].iter().take_while(|(h, _)| *h == hash).map(|(_, r)| *r).find(|r| check(*r))
    }

    /// The indexed record with this entity id.
    pub(crate) fn record(&self, id: &str) -> Option<RecordId> {
        self.find(&self.ids, id, |r| self.lists.index.record(r).entity.id == id)
    }

    /// The indexed record that merged this id as a referent.
    pub(crate) fn referent(&self, id: &str) -> Option<RecordId> {
        self.find(&self.referents, id, |r| {
            self.lists.index.record(r).entity.referents.iter().any(|x| x == id)
        })
    }

    /// Whether a dataset is served (it has an active version, or it is the
    /// built-in list).
    pub(crate) fn has_dataset(&self, name: &str) -> bool {
        self.lists.versions.iter().any(|v| v.dataset == name) || self.indexed.contains_key(name)
    }

    /// Every dataset served.
    pub(crate) fn datasets(&self) -> Vec<String> {
        let mut names: Vec<String> =
            self.lists.versions.iter().map(|v| v.dataset.clone()).collect();
        for name in self.indexed.keys() {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
        names.sort();
        names
    }
}

/// Store connections reused across requests (key lookups, entities).
#[derive(Debug)]
pub(crate) struct StorePool {
    data_dir: PathBuf,
    idle: Mutex<Vec<vigia_store::Store>>,
}

impl StorePool {
    pub(crate) fn new(data_dir: PathBuf) -> StorePool {
        StorePool { data_dir, idle: Mutex::new(Vec::new()) }
    }

    /// Whether the store exists (nothing is created by reading).
    pub(crate) fn exists(&self) -> bool {
        self.data_dir.join(vigia_store::DB_FILE).exists()
    }

    /// Runs `f` on a connection: an idle one, or a new one.
    pub(crate) fn with<T>(
        &self,
        f: impl FnOnce(&vigia_store::Store) -> vigia_store::Result<T>,
    ) -> vigia_store::Result<T> {
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let store = match idle {
            Some(store) => store,
            None => vigia_store::Store::open(&self.data_dir)?,
        };
        let result = f(&store);
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < 16
        {
            idle.push(store);
        }
        result
    }
}

impl StorePool {
    /// A connection of its own, for writes (closed after: writes are rare
    /// next to key lookups, and SQLite serialises them).
    pub(crate) fn open(&self) -> vigia_store::Result<vigia_store::Store> {
        vigia_store::Store::open(&self.data_dir)
    }

    /// Runs `f` on a connection that may write.
    pub(crate) fn with_mut<T>(
        &self,
        f: impl FnOnce(&mut vigia_store::Store) -> vigia_store::Result<T>,
    ) -> vigia_store::Result<T> {
        f(&mut self.open()?)
    }
}

/// Shared by every request.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: ServerConfig,
    served: RwLock<Option<Arc<Served>>>,
    pub(crate) auth: Auth,
    pub(crate) store: Arc<StorePool>,
    pub(crate) metrics: Metrics,
    pub(crate) pool: ScreenPool,
    pub(crate) updater: Option<Arc<dyn Updater>>,
    pub(crate) update: Mutex<UpdateStatus>,
    /// Held while an update or reload runs: one at a time.
    pub(crate) updating: tokio::sync::Mutex<()>,
    /// Held while customers are registered and screened: one at a time,
    /// since each screens every customer still pending.
    pub(crate) registering: tokio::sync::Mutex<()>,
}

/// The router's state.
pub(crate) type AppState = Arc<Shared>;

impl Shared {
    pub(crate) fn new(
        config: ServerConfig,
        auth: Auth,
        store: Arc<StorePool>,
        pool: ScreenPool,
        updater: Option<Arc<dyn Updater>>,
    ) -> Shared {
        Shared {
            config,
            served: RwLock::new(None),
            auth,
            store,
            metrics: Metrics::new(),
            pool,
            updater,
            update: Mutex::new(UpdateStatus::default()),
            updating: tokio::sync::Mutex::new(()),
            registering: tokio::sync::Mutex::new(()),
        }
    }

    /// The lists being served, if loaded. A request takes this once and
    /// keeps it to the end, so a swap never changes lists under it.
    pub(crate) fn served(&self) -> Option<Arc<Served>> {
        match self.served.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Replaces the lists being served; requests in flight keep the old.
    pub(crate) fn swap(&self, served: Served) {
        let served = Some(Arc::new(served));
        let old = match self.served.write() {
            Ok(mut guard) => std::mem::replace(&mut *guard, served),
            Err(poisoned) => std::mem::replace(&mut *poisoned.into_inner(), served),
        };
        self.metrics.swapped();
        // The old index is freed when the last request holding it ends.
        drop(old);
    }
}

/// A snapshot of the served lists for `/readyz` and `/catalog`.
#[derive(Debug, Serialize)]
pub(crate) struct ServedSummary {
    pub(crate) lists_version: String,
    pub(crate) loaded_at: String,
    pub(crate) records: usize,
}

impl Served {
    pub(crate) fn summary(&self) -> ServedSummary {
        ServedSummary {
            lists_version: self.lists.label.clone(),
            loaded_at: self.loaded_at.clone(),
            records: self.lists.index.stats().records,
        }
    }
}
