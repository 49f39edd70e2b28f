//! Versioned designation lists.
//!
//! Every import of a dataset is a new [`ListVersion`]; exactly one version
//! per dataset is active and screening reads only active versions. Entity
//! bodies are content-addressed (SHA-256 of [`Entity::canonical_json`]), so
//! a version is a set of (entity id, body hash) pairs and an entity that did
//! not change is stored once however many versions hold it.
//!
//! An import streams: [`ListStore::begin_import`] opens one write
//! transaction and returns an [`Import`], a [`vigia_sources::Sink`] the
//! parser pushes entities into. [`ListImport::finish`] applies the refusal
//! rules of the [`ImportPolicy`] and either commits the new version,
//! activated, or rolls everything back and records the refusal.

use std::fmt;

use serde::Serialize;
use vigia_model::{Entity, ListVersion};
use vigia_sources::{Format, Sink, Summary};

use crate::Result;

mod diff;
mod import;
mod query;

pub use import::Import;

/// What to import: everything about the new version except its entities.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRequest {
    /// The dataset the entities go to.
    pub dataset: String,
    /// The detected format. A delta format ([`Format::is_delta`]) changes
    /// the active version instead of replacing it.
    pub format: Format,
    /// SHA-256 of the file bytes, hex (for a file set, see the caller's
    /// documentation of how the files are combined).
    pub content_hash: String,
    /// Where the file came from: a path or a URL.
    pub source: String,
    /// When the import happens (RFC 3339, UTC).
    pub imported_at: String,
    /// Who imports (recorded in the audit trail).
    pub actor: String,
    /// The refusal rules.
    pub policy: ImportPolicy,
}

/// The rules that decide whether an import may become the active version.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImportPolicy {
    /// Accept a version with fewer than half the entities of the active one
    /// (a publisher really did delist most of a list). Recorded when used.
    pub allow_shrink: bool,
    /// The largest share of records the parser may drop with an error
    /// diagnostic, in `0.0..=1.0` (ADR 0043).
    pub max_error_share: f64,
}

impl ImportPolicy {
    /// The default share of dropped records above which an import is
    /// refused: 1 %.
    pub const DEFAULT_MAX_ERROR_SHARE: f64 = 0.01;
}

impl Default for ImportPolicy {
    fn default() -> ImportPolicy {
        ImportPolicy { allow_shrink: false, max_error_share: ImportPolicy::DEFAULT_MAX_ERROR_SHARE }
    }
}

/// Either the file is already the active version, or an import is open.
#[derive(Debug)]
pub enum ImportStart<I> {
    /// The file's content hash is the active version's: nothing to import.
    Unchanged(Box<ImportReport>),
    /// Push entities into the import, then finish or refuse it.
    Ready(I),
}

/// Counts of diagnostics by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DiagnosticCounts {
    /// Read with a caveat; nothing lost.
    pub info: u64,
    /// Part of a record dropped.
    pub warning: u64,
    /// A whole record dropped.
    pub error: u64,
}

/// Why an import was not activated.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Refusal {
    /// The file could not be read as a whole (the parser's error).
    Unreadable {
        /// The parser's message, naming the file and the place.
        message: String,
    },
    /// The file holds no entity.
    Empty,
    /// The parser reported the file cut off (it ends inside a record):
    /// whatever it holds, the tail of the list is missing. No override: get
    /// the whole file.
    CutOff {
        /// The parser's diagnostic.
        message: String,
    },
    /// Fewer than half the entities of the active version.
    Shrink {
        /// Entities in the active version.
        active: u64,
        /// Entities in the refused version.
        imported: u64,
    },
    /// Too many records were dropped with error diagnostics.
    TooManyErrors {
        /// Records dropped.
        dropped: u64,
        /// Records read.
        records: u64,
        /// The policy's maximum share.
        max_share: f64,
    },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Unreadable { message } => write!(f, "unreadable: {message}"),
            Refusal::Empty => f.write_str("the file holds no entity"),
            Refusal::CutOff { message } => write!(f, "the file is cut off ({message})"),
            Refusal::Shrink { active, imported } => write!(
                f,
                "{imported} entities, fewer than half of the active version's {active} \
                 (use --allow-shrink if the list really shrank)"
            ),
            Refusal::TooManyErrors { dropped, records, max_share } => write!(
                f,
                "{dropped} of {records} records could not be read ({:.2} %, more than the \
                 {:.2} % allowed)",
                share(*dropped, *records) * 100.0,
                max_share * 100.0
            ),
        }
    }
}

fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
}

/// What became of an import.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// The new version is active.
    Accepted,
    /// Same content as the active version (same file bytes, or the same
    /// entity set): no new version.
    Unchanged,
    /// Not activated; the active version is untouched.
    Refused(Refusal),
}

/// The outcome of an import, with what it read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportReport {
    /// Accepted, unchanged or refused.
    pub outcome: Outcome,
    /// The dataset.
    pub dataset: String,
    /// The format name.
    pub format: String,
    /// The version now active for the dataset: the new one when accepted,
    /// the previous one otherwise (`None` if there is none).
    pub active: Option<ListVersion>,
    /// Entities in the version that was built (0 when unchanged by hash).
    pub entities: u64,
    /// Entities the parser emitted.
    pub received: u64,
    /// Delta feeds: entities removed.
    pub deleted: u64,
    /// Records the parser read (see [`vigia_sources::Summary::records`]).
    pub records: u64,
    /// Diagnostics by severity.
    pub diagnostics: DiagnosticCounts,
    /// Whether the shrink rule was overridden for this version.
    pub shrink_allowed: bool,
}

/// What to read from the active versions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntityFilter {
    /// Only these datasets (all when empty).
    pub datasets: Vec<String>,
    /// Only entities screening matches against
    /// ([`vigia_model::Schema::is_matchable`]): no sanctions, links,
    /// addresses.
    pub matchable_only: bool,
}

/// An entity as `GET /entities/{id}` shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntityDetail {
    /// The entity; when several active datasets hold the id, their records
    /// merged (values united).
    pub entity: Entity,
    /// The versions that hold it (`dataset@version`).
    pub versions: Vec<String>,
    /// Entities that reference it (a Sanction's `entity`, an Ownership's
    /// `owner` or `asset`, ...) and entities it references, from the
    /// active versions, by id.
    pub adjacent: Vec<Entity>,
}

/// One entity in a diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffEntry {
    /// The entity id.
    pub id: String,
    /// The schema name.
    pub schema: String,
    /// The display name (of the newer record for changes).
    pub caption: String,
    /// For changes: the properties that differ, sorted (`schema`,
    /// `datasets`, `referents` or `target` when those differ instead).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<String>,
}

/// What changed between two versions of a dataset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionDiff {
    /// The dataset.
    pub dataset: String,
    /// The older version (`None`: compared with nothing, all is added).
    pub from: Option<u64>,
    /// The newer version.
    pub to: u64,
    /// Ids only in the newer version.
    pub added: Vec<DiffEntry>,
    /// Ids only in the older version.
    pub removed: Vec<DiffEntry>,
    /// Ids in both whose content differs.
    pub changed: Vec<DiffEntry>,
}

/// An open import: a [`Sink`] that is finished or refused.
pub trait ListImport: Sink {
    /// Ends the import after the parser succeeded: applies the refusal
    /// rules and commits the version (activated) or rolls it back.
    ///
    /// # Errors
    /// A storage error, here or while entities were written (the import is
    /// rolled back; the active version is untouched).
    fn finish(self, summary: &Summary) -> Result<ImportReport>
    where
        Self: Sized;

    /// Ends the import because the input could not be read (`message`
    /// names the file and the place): rolls back and records the refusal.
    ///
    /// # Errors
    /// A storage error while recording the refusal.
    fn refuse(self, message: &str) -> Result<ImportReport>
    where
        Self: Sized;
}

/// The list operations the rest of Vigia calls, whatever the backend.
pub trait ListStore {
    /// The backend's open import.
    type Import<'a>: ListImport
    where
        Self: 'a;

    /// Starts importing a new version of `request.dataset`, unless the
    /// file is byte-for-byte the active version (then the unchanged import
    /// is recorded and reported).
    ///
    /// # Errors
    /// A storage error.
    fn begin_import(&mut self, request: ImportRequest) -> Result<ImportStart<Self::Import<'_>>>;

    /// Makes an existing version the active one (a rollback to an older
    /// version, say), atomically, with an audit record.
    ///
    /// # Errors
    /// The version does not exist, or a storage error.
    fn activate(
        &mut self,
        dataset: &str,
        version: u64,
        at: &str,
        actor: &str,
    ) -> Result<ListVersion>;

    /// Records in the audit trail that active entities were exported.
    ///
    /// # Errors
    /// A storage error.
    fn record_export(
        &mut self,
        dataset: Option<&str>,
        entities: u64,
        destination: &str,
        at: &str,
        actor: &str,
    ) -> Result<()>;

    /// The active version of every dataset, by dataset name.
    ///
    /// # Errors
    /// A storage error.
    fn active_versions(&self) -> Result<Vec<ListVersion>>;

    /// The active version of one dataset.
    ///
    /// # Errors
    /// A storage error.
    fn active_version(&self, dataset: &str) -> Result<Option<ListVersion>>;

    /// Every version of a dataset, oldest first.
    ///
    /// # Errors
    /// A storage error.
    fn versions(&self, dataset: &str) -> Result<Vec<ListVersion>>;

    /// Calls `visit` with every active entity that passes `filter`, by
    /// dataset then id, until it returns `false`. Returns how many were
    /// visited.
    ///
    /// # Errors
    /// A storage error, or a stored body that does not read back.
    fn for_each_active_entity(
        &self,
        filter: &EntityFilter,
        visit: &mut dyn FnMut(Entity) -> bool,
    ) -> Result<u64>;

    /// Every active entity that passes `filter` (screening loads these at
    /// start-up).
    ///
    /// # Errors
    /// As [`ListStore::for_each_active_entity`].
    fn active_entities(&self, filter: &EntityFilter) -> Result<Vec<Entity>> {
        let mut entities = Vec::new();
        self.for_each_active_entity(filter, &mut |entity| {
            entities.push(entity);
            true
        })?;
        Ok(entities)
    }

    /// An active entity by id, with its adjacent entities.
    ///
    /// # Errors
    /// A storage error.
    fn entity(&self, id: &str) -> Result<Option<EntityDetail>>;

    /// What changed in `dataset` between versions `from` and `to`. `to`
    /// defaults to the active version, `from` to the version before `to`.
    ///
    /// # Errors
    /// The dataset or a version does not exist, or a storage error.
    fn diff(&self, dataset: &str, from: Option<u64>, to: Option<u64>) -> Result<VersionDiff>;
}

/// Unites two records of the same entity: values of every property,
/// datasets and referents; the first record's schema and id win. Nothing
/// either record said is lost.
pub(crate) fn merge(mut into: Entity, other: Entity) -> Entity {
    for (property, values) in other.properties {
        let existing = into.properties.entry(property).or_default();
        for value in values {
            if !existing.contains(&value) {
                existing.push(value);
            }
        }
    }
    for dataset in other.datasets {
        into.add_dataset(&dataset);
    }
    for referent in other.referents {
        if !into.referents.contains(&referent) {
            into.referents.push(referent);
        }
    }
    into.target = match (into.target, other.target) {
        (Some(a), Some(b)) => Some(a || b),
        (a, b) => a.or(b),
    };
    into.first_seen = into.first_seen.or(other.first_seen);
    into.last_seen = into.last_seen.or(other.last_seen);
    into.last_change = into.last_change.or(other.last_change);
    into
}

#[cfg(test)]
mod tests;
