//! Streaming parsers of the official designation-list formats.
//!
//! Every parser reads an `impl BufRead` and pushes what it finds into a
//! [`Sink`]: entities as soon as each record is complete (memory stays flat
//! however large the file), and [`Diagnostic`]s for whatever it could not
//! read. Partial failure is data: a parser never aborts on an odd record; it
//! returns an [`Error`] only when the input as a whole is unreadable (not
//! the format it claims to be, not text, cut off before the first record).
//! Whether diagnostics block activation is decided by the caller.
//!
//! The format is detected from content ([`detect`]), never from the file
//! name. Some formats are sets of files (OFAC's CSV tables): [`plan`] groups
//! the files given into [`Source`]s, each read with [`read`].

use std::fmt;

use vigia_model::{Diagnostic, Entity};

pub mod builtin;
mod detect;
mod input;
mod record;

pub mod canada;
pub mod csl;
pub mod dpl;
pub mod eu;
pub mod generic;
pub mod ofac;
pub mod opensanctions;
pub mod uk;
pub mod un;

pub use detect::{detect, detect_file};
pub use input::{
    ReadOptions, Skipped, Source, Survey, decode_text, parse_bytes, plan, read, read_all,
    read_with, survey,
};

/// A list file format Vigia reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// OFAC SDN legacy CSV set: `sdn.csv` (main), `add.csv`, `alt.csv`,
    /// `sdn_comments.csv`.
    OfacSdnCsv,
    /// OFAC Consolidated (non-SDN) CSV set: `cons_prim.csv`, `cons_add.csv`,
    /// `cons_alt.csv`, `cons_comments.csv`.
    OfacConsCsv,
    /// An OFAC CSV address table (`add.csv`, `cons_add.csv`): read together
    /// with its main table, never alone.
    OfacAddressCsv,
    /// An OFAC CSV alternate-name table (`alt.csv`, `cons_alt.csv`).
    OfacAltCsv,
    /// An OFAC CSV remarks-overflow table (`sdn_comments.csv`).
    OfacCommentsCsv,
    /// OFAC legacy `sdn.xml` (also `consolidated.xml`).
    OfacSdnXml,
    /// OFAC `sdn_advanced.xml` (also `cons_advanced.xml`).
    OfacAdvancedXml,
    /// UN Security Council consolidated list XML.
    UnXml,
    /// EU Financial Sanctions Files (FSF) consolidated XML.
    EuFsfXml,
    /// UK Sanctions List XML (FCDO).
    UkSanctionsXml,
    /// UK OFSI consolidated list "ConList" CSV (legacy).
    UkConListCsv,
    /// Canada SEMA consolidated autonomous sanctions XML.
    CanadaSemaXml,
    /// US trade.gov Consolidated Screening List CSV.
    TradeGovCsl,
    /// US BIS Denied Persons List (tab-separated).
    BisDpl,
    /// FollowTheMoney JSON lines (OpenSanctions `entities.ftm.json`).
    FtmJson,
    /// OpenSanctions delta index (`delta.json`): points at delta files.
    FtmDeltaIndex,
    /// OpenSanctions delta lines (`entities.delta.json`: ADD/MOD/DEL).
    FtmDelta,
    /// Senzing JSON lines (OpenSanctions `senzing.json`).
    SenzingJson,
    /// A generic CSV watchlist with a column mapping (an institution's own).
    GenericCsv,
}

impl Format {
    /// A stable machine name, used in the store and in `lists status`.
    pub fn name(self) -> &'static str {
        match self {
            Format::OfacSdnCsv => "ofac_sdn_csv",
            Format::OfacConsCsv => "ofac_cons_csv",
            Format::OfacAddressCsv => "ofac_address_csv",
            Format::OfacAltCsv => "ofac_alt_csv",
            Format::OfacCommentsCsv => "ofac_comments_csv",
            Format::OfacSdnXml => "ofac_sdn_xml",
            Format::OfacAdvancedXml => "ofac_advanced_xml",
            Format::UnXml => "un_xml",
            Format::EuFsfXml => "eu_fsf_xml",
            Format::UkSanctionsXml => "uk_sanctions_xml",
            Format::UkConListCsv => "uk_conlist_csv",
            Format::CanadaSemaXml => "canada_sema_xml",
            Format::TradeGovCsl => "trade_gov_csl",
            Format::BisDpl => "bis_dpl",
            Format::FtmJson => "ftm_json",
            Format::FtmDeltaIndex => "ftm_delta_index",
            Format::FtmDelta => "ftm_delta",
            Format::SenzingJson => "senzing_json",
            Format::GenericCsv => "generic_csv",
        }
    }

    /// The dataset name a file of this format is imported under when the
    /// user gives none (OpenSanctions' names where one exists).
    pub fn default_dataset(self) -> &'static str {
        match self {
            Format::OfacSdnCsv | Format::OfacSdnXml | Format::OfacAdvancedXml => "us_ofac_sdn",
            Format::OfacConsCsv => "us_ofac_cons",
            Format::OfacAddressCsv | Format::OfacAltCsv | Format::OfacCommentsCsv => "us_ofac_sdn",
            Format::UnXml => "un_sc_sanctions",
            Format::EuFsfXml => "eu_fsf",
            Format::UkSanctionsXml => "gb_fcdo_sanctions",
            Format::UkConListCsv => "gb_hmt_sanctions",
            Format::CanadaSemaXml => "ca_dfatd_sema_sanctions",
            Format::TradeGovCsl => "us_trade_csl",
            Format::BisDpl => "us_bis_denied",
            Format::FtmJson | Format::FtmDeltaIndex | Format::FtmDelta => "opensanctions",
            Format::SenzingJson => "senzing",
            Format::GenericCsv => "internal",
        }
    }

    /// Who publishes lists in this format.
    pub fn publisher(self) -> &'static str {
        match self {
            Format::OfacSdnCsv
            | Format::OfacConsCsv
            | Format::OfacAddressCsv
            | Format::OfacAltCsv
            | Format::OfacCommentsCsv
            | Format::OfacSdnXml
            | Format::OfacAdvancedXml => "US Treasury OFAC",
            Format::UnXml => "UN Security Council",
            Format::EuFsfXml => "European Union (FSF)",
            Format::UkSanctionsXml => "UK FCDO",
            Format::UkConListCsv => "UK HM Treasury OFSI",
            Format::CanadaSemaXml => "Global Affairs Canada",
            Format::TradeGovCsl => "US International Trade Administration",
            Format::BisDpl => "US Commerce BIS",
            Format::FtmJson | Format::FtmDeltaIndex | Format::FtmDelta => "OpenSanctions",
            Format::SenzingJson => "Senzing JSON export",
            Format::GenericCsv => "internal",
        }
    }

    /// Whether a file of this format changes the active version of its
    /// dataset (OpenSanctions delta feeds: ADD/MOD/DEL) rather than
    /// replacing it with a complete new version.
    pub fn is_delta(self) -> bool {
        matches!(self, Format::FtmDelta | Format::FtmDeltaIndex)
    }

    /// Whether files of this format are only read as part of a set led by
    /// another file (OFAC's address, alias and comment tables).
    pub fn is_companion(self) -> bool {
        matches!(self, Format::OfacAddressCsv | Format::OfacAltCsv | Format::OfacCommentsCsv)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Receives what a parser reads, as it reads it.
pub trait Sink {
    /// A complete entity (a listed party, or an adjacent entity such as a
    /// `Sanction` or an `Ownership` link). For delta feeds (`ADD`/`MOD`) it
    /// replaces any entity with the same id.
    fn entity(&mut self, entity: Entity);
    /// Delta feeds only: the entity with this id is removed (`DEL`).
    fn delete(&mut self, id: &str) {
        let _ = id;
    }
    /// Something the parser noticed.
    fn diagnostic(&mut self, diagnostic: Diagnostic);
}

/// A [`Sink`] that keeps everything in memory: for tests and small files.
#[derive(Debug, Default, Clone)]
pub struct Collect {
    /// The entities, in the order read.
    pub entities: Vec<Entity>,
    /// Ids deleted by a delta feed.
    pub deleted: Vec<String>,
    /// The diagnostics, in the order found.
    pub diagnostics: Vec<Diagnostic>,
}

impl Sink for Collect {
    fn entity(&mut self, entity: Entity) {
        self.entities.push(entity);
    }
    fn delete(&mut self, id: &str) {
        self.deleted.push(id.to_owned());
    }
    fn diagnostic(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }
}

/// What a file says about itself, read while parsing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Header {
    /// The publication date the file states (ISO date), if any.
    pub published: Option<String>,
    /// The number of records the file says it holds, if it says.
    pub stated_count: Option<u64>,
}

/// What a format parser returns besides what it pushed into the sink.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// What the file says about itself.
    pub header: Header,
    /// Records read from the main file: listed parties (a record that was
    /// dropped with an error diagnostic still counts, so that
    /// `records == listed entities + dropped records` can be checked).
    pub records: u64,
}

/// The outcome of reading one [`Source`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The format read.
    pub format: Format,
    /// The dataset the entities belong to.
    pub dataset: String,
    /// What the file says about itself.
    pub header: Header,
    /// Records read from the main file (listed parties; adjacent entities
    /// such as sanctions or links are not counted).
    pub records: u64,
    /// Entities emitted, of every schema.
    pub entities: u64,
    /// Diagnostics emitted.
    pub diagnostics: u64,
}

/// Why a whole input could not be read.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be opened or read.
    #[error("{file}: {source}")]
    Io {
        /// The file.
        file: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The content is not any format Vigia reads.
    #[error("{file}: not a list format Vigia reads ({reason})")]
    UnknownFormat {
        /// The file.
        file: String,
        /// What the start of the file looked like.
        reason: String,
    },
    /// The content is not text in any encoding Vigia can tell.
    #[error("{file}: at byte {offset}: not text ({reason})")]
    Encoding {
        /// The file.
        file: String,
        /// Where the problem is.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// The file is in a known format but broken as a whole (for example an
    /// XML file cut off, a CSV without the columns the format requires).
    #[error("{file}: {location}: {message}")]
    Malformed {
        /// The file.
        file: String,
        /// Where the problem is.
        location: vigia_model::Location,
        /// What is wrong.
        message: String,
    },
    /// A file set is incomplete or inconsistent (a companion table without
    /// its main table, two main tables of different lists).
    #[error("{0}")]
    FileSet(String),
}

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
