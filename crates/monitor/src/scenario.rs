//! Scenarios as data: the TOML format (`format_version = 1`), its
//! validation, and its compiled form.
//!
//! A scenario file holds `[[scenario]]` tables; `docs/scenario-format.md`
//! documents every key. Loading checks everything a scenario refers to —
//! reference entries, aggregate names, fields, durations, time zones — and
//! reports the first problem with the file, the line and the reason.
//! Compilation turns names into indexes and strings into typed predicates,
//! field accessors and expression trees, so the engine never looks at a
//! string of the scenario while transactions flow.

use std::ops::Range;

use rustc_hash::FxHashMap;
use serde::Deserialize;
use toml::Spanned;
use vigia_model::{AlertKind, AlertSeverity, Channel};

use crate::error::{Error, Position, Result, line_of};
use crate::expr::{self, Expr, Operand, ProfileValue};
use crate::facts::{Atoms, Test};
use crate::graph::{
    BipartiteConfig, ChainConfig, CycleConfig, FanConfig, GatherScatterConfig, GraphConfig,
    ScatterGatherConfig, Typology,
};
use crate::reference::{InForce, ReferenceData};
use crate::window::{
    BusinessDay, Direction, Layout, MAX_AGGREGATES, MAX_DISTINCT, Measure, Statistic, WindowKind,
    parse_duration,
};

/// The scenario format version this engine reads.
pub const FORMAT_VERSION: u32 = 1;

/// The scenario files shipped with Vigia, embedded in the binary.
pub const BUILTIN_SCENARIOS: &[(&str, &str)] = &[
    ("data/scenarios/a-thresholds.toml", include_str!("../../../data/scenarios/a-thresholds.toml")),
    ("data/scenarios/b-bulk-cash.toml", include_str!("../../../data/scenarios/b-bulk-cash.toml")),
    ("data/scenarios/c-funnel.toml", include_str!("../../../data/scenarios/c-funnel.toml")),
    ("data/scenarios/e-sanctions.toml", include_str!("../../../data/scenarios/e-sanctions.toml")),
    ("data/scenarios/f-remittance.toml", include_str!("../../../data/scenarios/f-remittance.toml")),
    ("data/scenarios/g-graph.toml", include_str!("../../../data/scenarios/g-graph.toml")),
];

/// Which side of a transaction a field is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Side {
    Originator,
    Beneficiary,
    /// The grouping key's own party (needs a sided key).
    Subject,
    /// The other party (needs a sided key).
    Counterparty,
}

/// A transaction field, resolved once at load time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Field {
    Account(Side),
    /// The party's customer (from the transaction, else the profile, else
    /// the account itself).
    Customer(Side),
    Name(Side),
    Institution(Side),
    Country(Side),
    State(Side),
    /// State when known, else country: "where the sender is".
    Region(Side),
    Zip(Side),
    Address(Side),
    IdNumber(Side),
    Phone(Side),
    Device(Side),
    /// Who physically conducted it: the conductor, else the originator's
    /// id number, name, customer or account.
    Conductor,
    PlaceId,
    PlaceZip,
    PlaceCounty,
    PlaceState,
    PlaceCountry,
    Channel,
    Currency,
}

impl Field {
    fn parse(text: &str) -> Option<Field> {
        let (side, name) = match text.split_once('.') {
            Some((side, name)) => (Some(side), name),
            None => (None, text),
        };
        let side = match side {
            Some("originator") => Some(Side::Originator),
            Some("beneficiary") => Some(Side::Beneficiary),
            Some("subject") => Some(Side::Subject),
            Some("counterparty") => Some(Side::Counterparty),
            Some("place") => {
                return match name {
                    "id" => Some(Field::PlaceId),
                    "zip" => Some(Field::PlaceZip),
                    "county" => Some(Field::PlaceCounty),
                    "state" => Some(Field::PlaceState),
                    "country" => Some(Field::PlaceCountry),
                    _ => None,
                };
            }
            Some(_) => return None,
            None => None,
        };
        match (side, name) {
            (None, "conductor") => Some(Field::Conductor),
            (None, "channel") => Some(Field::Channel),
            (None, "currency") => Some(Field::Currency),
            (None, _) => None,
            (Some(s), "account") => Some(Field::Account(s)),
            (Some(s), "customer") => Some(Field::Customer(s)),
            (Some(s), "name") => Some(Field::Name(s)),
            (Some(s), "institution") => Some(Field::Institution(s)),
            (Some(s), "country") => Some(Field::Country(s)),
            (Some(s), "state") => Some(Field::State(s)),
            (Some(s), "region") => Some(Field::Region(s)),
            (Some(s), "zip") => Some(Field::Zip(s)),
            (Some(s), "address") => Some(Field::Address(s)),
            (Some(s), "id_number") => Some(Field::IdNumber(s)),
            (Some(s), "phone") => Some(Field::Phone(s)),
            (Some(s), "device") => Some(Field::Device(s)),
            _ => None,
        }
    }

    fn side(&self) -> Option<Side> {
        match self {
            Field::Account(s)
            | Field::Customer(s)
            | Field::Name(s)
            | Field::Institution(s)
            | Field::Country(s)
            | Field::State(s)
            | Field::Region(s)
            | Field::Zip(s)
            | Field::Address(s)
            | Field::IdNumber(s)
            | Field::Phone(s)
            | Field::Device(s) => Some(*s),
            _ => None,
        }
    }
}

/// How transactions are grouped into window states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeySpec {
    /// Each account on either side: outflow for the originator, inflow for
    /// the beneficiary.
    Account,
    /// Each customer on either side (accounts of one customer together).
    Customer,
    /// The tuple of these fields (one side or none).
    Fields(Vec<Field>),
    /// Each of these fields that is present, separately (identity reuse:
    /// the same phone, id or address across parties).
    Each(Vec<Field>),
}

/// A set of two-letter country codes as a bitset over `aa`..`zz`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct CountrySet([u64; 11]);

impl CountrySet {
    fn index(code: &str) -> Option<usize> {
        let b = code.as_bytes();
        if b.len() != 2 {
            return None;
        }
        let (x, y) = (b[0].to_ascii_lowercase(), b[1].to_ascii_lowercase());
        if !x.is_ascii_lowercase() || !y.is_ascii_lowercase() {
            return None;
        }
        Some(usize::from(x - b'a') * 26 + usize::from(y - b'a'))
    }

    fn insert(&mut self, code: &str) -> bool {
        match CountrySet::index(code) {
            Some(i) => {
                self.0[i / 64] |= 1 << (i % 64);
                true
            }
            None => false,
        }
    }

    /// Whether `code` (any case) is in the set.
    #[inline]
    pub(crate) fn contains(&self, code: &str) -> bool {
        CountrySet::index(code.trim()).is_some_and(|i| self.0[i / 64] & (1 << (i % 64)) != 0)
    }
}

/// Where a geography test looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Locus {
    /// The branch or agent location.
    Place,
    /// A party's address fields (ZIP, state) or its profile's home state.
    Party(Side),
}

/// A predicate over one transaction (and, for sided keys, its direction).
#[derive(Debug, Clone, Default)]
pub(crate) struct Filter {
    /// Bit `c` set = channel `c` accepted (0 = any).
    pub(crate) channels: u16,
    pub(crate) direction: Option<Direction>,
    pub(crate) amount: Option<Expr>,
    pub(crate) countries: Vec<(Side, CountrySet, bool)>,
    pub(crate) geographies: Vec<(Locus, usize)>,
    pub(crate) institution_list: Option<usize>,
    pub(crate) subject_flags: u64,
    pub(crate) not_subject_flags: u64,
    pub(crate) counterparty_flags: u64,
    pub(crate) counterparty_list: Option<usize>,
    pub(crate) subject_list: Option<usize>,
    /// Party kinds required (`negate`: excluded) by profile.
    pub(crate) kinds: Vec<(Side, crate::profile::CustomerKind, bool)>,
    /// Place kinds accepted (bits; 0 = any); a place of unstated kind
    /// passes.
    pub(crate) place_kinds: u16,
    pub(crate) text_contains: Vec<String>,
    pub(crate) third_party: Option<bool>,
    pub(crate) outside_home_state: Option<bool>,
    pub(crate) cross_border: Option<bool>,
}

impl Filter {
    /// Whether any part depends on the direction (must be evaluated per side).
    pub(crate) fn is_sided(&self) -> bool {
        self.direction.is_some()
            || self
                .countries
                .iter()
                .any(|(s, _, _)| matches!(s, Side::Subject | Side::Counterparty))
            || self
                .geographies
                .iter()
                .any(|(l, _)| matches!(l, Locus::Party(Side::Subject | Side::Counterparty)))
            || self.subject_flags != 0
            || self.not_subject_flags != 0
            || self.counterparty_flags != 0
            || self.counterparty_list.is_some()
            || self.subject_list.is_some()
            || self.kinds.iter().any(|(s, _, _)| matches!(s, Side::Subject | Side::Counterparty))
            || self.third_party.is_some()
            || self.outside_home_state.is_some()
    }
}

/// What an aggregate computes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Function {
    Count,
    Sum,
    Min,
    Max,
    Mean,
    /// Distinct values of a field (uses a distinct slot).
    Distinct(Field, u8),
    /// USD of outflows that left within `within` of an inflow they are
    /// matched to (first in, first out).
    Forwarded(i64),
    /// The time-weighted average of the running balance (inflows minus
    /// outflows since the window's start, floored at zero) over the
    /// window's length.
    AverageBalance,
    /// A statistic of daily totals over the previous `days` days.
    Baseline(Statistic, Measure),
}

/// One compiled aggregate.
#[derive(Debug, Clone)]
pub(crate) struct Aggregate {
    pub(crate) name: String,
    pub(crate) function: Function,
    /// Only events in the last `within` ms count (a sub-window).
    pub(crate) within: Option<i64>,
    pub(crate) filter: Filter,
    /// The filter compiled over the pack's atoms.
    pub(crate) test: Test,
}

impl Aggregate {
    /// Whether its value comes from running totals (no scan needed).
    pub(crate) fn is_running(&self) -> bool {
        self.within.is_none()
            && matches!(
                self.function,
                Function::Count
                    | Function::Sum
                    | Function::Mean
                    | Function::Distinct(..)
                    | Function::Forwarded(_)
                    | Function::AverageBalance
            )
    }
}

/// A piece of an explanation template.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Piece {
    Text(String),
    Value(Placeholder, Format),
}

/// What a placeholder shows.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Placeholder {
    Aggregate(u8),
    Threshold(u16),
    Amount,
    Subject,
    Window,
    Channel,
    Place,
    Counterparty,
    /// What matched: the institution (E1), the listed entity (E2), the
    /// designated neighbour (E3), the graph pattern (G).
    Matched,
    Date,
}

/// How a placeholder value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Plain,
    Usd,
    Percent,
    Integer,
}

/// Settings of a screening scenario (E2).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ScreeningSpec {
    /// Fields screened.
    pub(crate) fields: Vec<Field>,
    /// The screening threshold asked of the screener (default 0.7, the
    /// screening engine's own default).
    pub(crate) threshold: f64,
    /// Lowest screening score that alerts.
    pub(crate) min_score: f64,
    /// Hits whose topics/programmes include none of these are ignored
    /// (empty = every hit counts).
    pub(crate) topics: Vec<String>,
}

/// Settings of a network-proximity scenario (E3).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ProximitySpec {
    pub(crate) max_hops: u8,
    pub(crate) window: i64,
    pub(crate) min_value: f64,
    pub(crate) seeds: Option<usize>,
}

/// What evaluates a scenario.
#[derive(Debug, Clone)]
pub(crate) enum Detector {
    /// Filter → group → window → aggregates → condition.
    Window,
    /// Counterparty screening in the stream.
    Screening(ScreeningSpec),
    /// Network proximity to designated subjects.
    Proximity(ProximitySpec),
    /// A graph typology of the graph engine.
    Graph(Typology),
}

/// A validated, compiled scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Stable id (`A3`, `G2`).
    pub id: String,
    /// Short name.
    pub name: String,
    /// What it detects, citing its source.
    pub description: String,
    /// The source (regulation, advisory, research section).
    pub source: String,
    /// The typology alerts carry.
    pub typology: String,
    /// SAR key terms alerts carry.
    pub key_terms: Vec<String>,
    /// Institution types it applies to (`B` banks, `M` MSBs, `R` remittance).
    pub institutions: Vec<String>,
    /// Customer segments it applies to (empty = all).
    pub segments: Vec<String>,
    /// What its alerts ask for.
    pub kind: AlertKind,
    /// How urgent its alerts are.
    pub severity: AlertSeverity,
    /// When it is in force.
    pub effective: InForce,
    /// Inputs it needs beyond transactions (`profiles`, `places`, `screening`).
    pub requires: Vec<String>,
    /// Whether it runs.
    pub enabled: bool,
    /// File it was loaded from.
    pub file: String,
    /// Line of its `[[scenario]]` table.
    pub line: usize,
    pub(crate) detector: Detector,
    pub(crate) key: KeySpec,
    pub(crate) window: WindowKind,
    pub(crate) filter: Filter,
    /// The filter compiled over the pack's atoms.
    pub(crate) test: Test,
    pub(crate) aggregates: Vec<Aggregate>,
    pub(crate) condition: Expr,
    pub(crate) score: Option<Expr>,
    pub(crate) explanation: Vec<Piece>,
    /// Reference threshold indexes, in the order expressions number them.
    pub(crate) thresholds: Vec<usize>,
    pub(crate) layout: Layout,
    /// Aggregate bits whose events are the alert's evidence.
    pub(crate) evidence_mask: u16,
    pub(crate) max_events_per_key: usize,
    pub(crate) baseline_days: usize,
}

impl Scenario {
    /// Whether it is a graph typology.
    pub fn is_graph(&self) -> bool {
        matches!(self.detector, Detector::Graph(_))
    }

    /// The window, in words.
    pub fn window_description(&self) -> String {
        self.window.describe()
    }
}

/// A loaded, validated pack of scenarios with its reference data.
#[derive(Debug, Clone)]
pub struct Pack {
    /// Scenarios in load order (built-in first, then user files).
    pub scenarios: Vec<Scenario>,
    /// The reference data they use.
    pub reference: ReferenceData,
    /// The graph engine's configuration, built from the G scenarios.
    pub graph: GraphConfig,
    /// Profile flags the scenarios test, in bit order.
    pub flags: Vec<String>,
    /// `name@version#hash`: identifies the exact pack for provenance.
    pub version: String,
    /// The filter atoms of every scenario and aggregate.
    pub(crate) atoms: Atoms,
}

impl Pack {
    /// The built-in pack and reference data.
    pub fn builtin() -> Result<Pack> {
        PackBuilder::builtin().build()
    }

    /// The scenario with this id.
    pub fn scenario(&self, id: &str) -> Option<&Scenario> {
        self.scenarios.iter().find(|s| s.id == id)
    }

    /// The bit of a profile flag, if a scenario tests it.
    pub fn flag_bit(&self, flag: &str) -> Option<u32> {
        self.flags.iter().position(|f| f == flag).map(|i| i as u32)
    }
}

/// Collects scenario and reference files, then validates and compiles them.
///
/// Files added later override earlier ones: a scenario with an id already
/// loaded replaces it (in place), a reference entry with a loaded name
/// replaces it. This is how `--scenarios DIR` extends the built-in pack.
#[derive(Debug, Default)]
pub struct PackBuilder {
    scenario_files: Vec<(String, String)>,
    reference_files: Vec<(String, String)>,
}

impl PackBuilder {
    /// An empty builder (no built-in scenarios or reference data).
    pub fn new() -> PackBuilder {
        PackBuilder::default()
    }

    /// A builder holding the built-in pack and reference data.
    pub fn builtin() -> PackBuilder {
        let mut b = PackBuilder::new();
        b.add_builtin_reference();
        for (file, text) in BUILTIN_SCENARIOS {
            b.add_scenarios(file, text);
        }
        b
    }

    /// Adds the built-in reference data only.
    pub fn add_builtin_reference(&mut self) {
        for (file, text) in crate::reference::BUILTIN_REFERENCE {
            self.add_reference(file, text);
        }
    }

    /// Adds a scenario file.
    pub fn add_scenarios(&mut self, file: &str, text: &str) -> &mut Self {
        self.scenario_files.push((file.to_string(), text.to_string()));
        self
    }

    /// Adds a reference-data file.
    pub fn add_reference(&mut self, file: &str, text: &str) -> &mut Self {
        self.reference_files.push((file.to_string(), text.to_string()));
        self
    }

    /// Validates and compiles everything added.
    pub fn build(&self) -> Result<Pack> {
        let mut reference = ReferenceData::default();
        let mut hash = Fnv::new();
        for (file, text) in &self.reference_files {
            reference.load(file, text)?;
            hash.write(text.as_bytes());
        }
        let mut raws: Vec<(String, String, Spanned<RawScenario>)> = Vec::new();
        let mut versions = Vec::new();
        for (file, text) in &self.scenario_files {
            hash.write(text.as_bytes());
            let raw: RawScenarioFile = toml::from_str(text).map_err(|e| Error::Scenario {
                at: Position {
                    file: file.clone(),
                    line: e.span().map_or(1, |s| line_of(text, s.start)),
                },
                reason: e.message().trim().to_string(),
            })?;
            if *raw.format_version.get_ref() != FORMAT_VERSION {
                return Err(Error::Scenario {
                    at: Position {
                        file: file.clone(),
                        line: line_of(text, raw.format_version.span().start),
                    },
                    reason: format!(
                        "unsupported format_version {} (this Vigia reads {FORMAT_VERSION})",
                        raw.format_version.get_ref()
                    ),
                });
            }
            if let Some(v) = raw.version {
                versions.push(v);
            }
            let _ = raw.pack;
            for s in raw.scenario {
                let id = s.get_ref().id.get_ref().clone();
                if let Some(i) =
                    raws.iter().position(|(f, _, r)| r.get_ref().id.get_ref() == &id && f == file)
                {
                    let at = Position {
                        file: file.clone(),
                        line: line_of(text, s.get_ref().id.span().start),
                    };
                    let first = line_of(&raws[i].1, raws[i].2.get_ref().id.span().start);
                    return Err(Error::Scenario {
                        at,
                        reason: format!("duplicate scenario id `{id}` (first at line {first})"),
                    });
                }
                if let Some(i) = raws.iter().position(|(_, _, r)| r.get_ref().id.get_ref() == &id) {
                    raws[i] = (file.clone(), text.clone(), s);
                } else {
                    raws.push((file.clone(), text.clone(), s));
                }
            }
        }
        let mut flags = Vec::new();
        let mut scenarios = Vec::new();
        let mut graph = GraphConfig::none();
        let mut atoms = Atoms::default();
        for (file, text, raw) in &raws {
            let c = Compiler { file, text, reference: &reference, flags: &mut flags };
            let mut scenario = c.scenario(raw, &mut graph)?;
            let too_many = |_| Error::Scenario {
                at: Position { file: file.clone(), line: line_of(text, raw.span().start) },
                reason: "the pack's filters use more than 128 distinct conditions".into(),
            };
            scenario.test =
                atoms.compile(&scenario.filter, &scenario.thresholds).map_err(too_many)?;
            for a in &mut scenario.aggregates {
                a.test = atoms.compile(&a.filter, &scenario.thresholds).map_err(too_many)?;
            }
            scenarios.push(scenario);
        }
        let problems = graph.validate();
        if let Some(p) = problems.first()
            && let Some((file, text, raw)) =
                raws.iter().find(|(_, _, r)| r.get_ref().graph.is_some())
        {
            return Err(Error::Scenario {
                at: Position { file: file.clone(), line: line_of(text, raw.span().start) },
                reason: p.clone(),
            });
        }
        versions.sort();
        versions.dedup();
        let version = format!("vigia-pack@{}#{:016x}", versions.join("+"), hash.finish());
        Ok(Pack { scenarios, reference, graph, flags, version, atoms })
    }
}

/// FNV-1a, 64 bits: a stable hash for pack versions and alert ids (the
/// standard library's hasher is randomised per process).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fnv(u64);

impl Fnv {
    pub(crate) fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    pub(crate) fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
        // A separator so ("ab","c") and ("a","bc") differ.
        self.0 ^= 0xff;
        self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
    }

    pub(crate) fn finish(&self) -> u64 {
        self.0
    }
}

// ---------------------------------------------------------------- raw format

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenarioFile {
    format_version: Spanned<u32>,
    #[serde(default)]
    pack: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    scenario: Vec<Spanned<RawScenario>>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    id: Spanned<String>,
    name: String,
    description: Spanned<String>,
    source: Spanned<String>,
    typology: String,
    #[serde(default)]
    key_terms: Vec<String>,
    applies_to: Spanned<RawAppliesTo>,
    #[serde(default)]
    kind: Option<Spanned<String>>,
    severity: Spanned<String>,
    #[serde(default)]
    effective: Option<Spanned<RawEffective>>,
    #[serde(default = "yes")]
    enabled: bool,
    #[serde(default)]
    detector: Option<Spanned<String>>,
    #[serde(default)]
    requires: Vec<String>,
    #[serde(default)]
    group_by: Option<Spanned<RawKey>>,
    #[serde(default)]
    window: Option<Spanned<RawWindow>>,
    #[serde(default)]
    filter: Option<Spanned<RawFilter>>,
    #[serde(default)]
    aggregate: Vec<Spanned<RawAggregate>>,
    #[serde(default)]
    condition: Option<Spanned<String>>,
    #[serde(default)]
    score: Option<Spanned<String>>,
    explanation: Spanned<String>,
    #[serde(default)]
    evidence: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    graph: Option<Spanned<toml::Table>>,
    #[serde(default)]
    screening: Option<Spanned<RawScreening>>,
    #[serde(default)]
    proximity: Option<Spanned<RawProximity>>,
    #[serde(default)]
    max_events_per_key: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAppliesTo {
    institutions: Vec<String>,
    #[serde(default)]
    segments: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEffective {
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawKey {
    One(String),
    Tuple(Vec<String>),
    Each { each: Vec<String> },
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawWindow {
    Short(String),
    Full(RawWindowTable),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWindowTable {
    kind: String,
    #[serde(default)]
    length: Option<String>,
    #[serde(default)]
    cutoff: Option<String>,
    #[serde(default)]
    time_zone: Option<String>,
    #[serde(default)]
    roll_weekends: bool,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawFilter {
    #[serde(default)]
    channels: Vec<String>,
    #[serde(default)]
    exclude_channels: Vec<String>,
    #[serde(default)]
    direction: Option<String>,
    #[serde(default)]
    amount: Option<String>,
    #[serde(default)]
    originator_country: Vec<String>,
    #[serde(default)]
    beneficiary_country: Vec<String>,
    #[serde(default)]
    counterparty_country: Vec<String>,
    #[serde(default)]
    subject_country: Vec<String>,
    #[serde(default)]
    not_originator_country: Vec<String>,
    #[serde(default)]
    not_beneficiary_country: Vec<String>,
    #[serde(default)]
    place_in: Option<String>,
    #[serde(default)]
    originator_in: Option<String>,
    #[serde(default)]
    beneficiary_in: Option<String>,
    #[serde(default)]
    subject_in: Option<String>,
    #[serde(default)]
    institution_list: Option<String>,
    #[serde(default)]
    subject_flags: Vec<String>,
    #[serde(default)]
    not_subject_flags: Vec<String>,
    #[serde(default)]
    counterparty_flags: Vec<String>,
    #[serde(default)]
    counterparty_list: Option<String>,
    #[serde(default)]
    subject_list: Option<String>,
    #[serde(default)]
    subject_kind: Option<String>,
    #[serde(default)]
    not_subject_kind: Option<String>,
    #[serde(default)]
    counterparty_kind: Option<String>,
    #[serde(default)]
    not_counterparty_kind: Option<String>,
    #[serde(default)]
    place_kind: Vec<String>,
    #[serde(default)]
    text_contains: Vec<String>,
    #[serde(default)]
    third_party: Option<bool>,
    #[serde(default)]
    outside_home_state: Option<bool>,
    #[serde(default)]
    cross_border: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAggregate {
    name: String,
    function: String,
    #[serde(default)]
    of: Option<String>,
    #[serde(default)]
    within: Option<String>,
    #[serde(default)]
    statistic: Option<String>,
    #[serde(default)]
    measure: Option<String>,
    #[serde(default)]
    days: Option<usize>,
    #[serde(default, rename = "where")]
    filter: Option<RawFilter>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScreening {
    fields: Vec<String>,
    #[serde(default)]
    threshold: Option<f64>,
    #[serde(default)]
    min_score: Option<f64>,
    #[serde(default)]
    topics: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProximity {
    max_hops: u8,
    window: String,
    min_value: f64,
    #[serde(default)]
    seeds: Option<String>,
}

// ------------------------------------------------------------------ compile

struct Compiler<'a> {
    file: &'a str,
    text: &'a str,
    reference: &'a ReferenceData,
    flags: &'a mut Vec<String>,
}

/// The names an expression of one scenario can use.
struct Names<'a> {
    aggregates: &'a [String],
    thresholds: &'a mut Vec<usize>,
    reference: &'a ReferenceData,
    allow_aggregates: bool,
}

impl Names<'_> {
    fn resolve(&mut self, name: &str) -> Option<Operand> {
        if name == "amount" {
            return Some(Operand::Amount);
        }
        if self.allow_aggregates
            && let Some(p) = ProfileValue::parse(name)
        {
            return Some(Operand::Profile(p));
        }
        if self.allow_aggregates
            && let Some(i) = self.aggregates.iter().position(|a| a == name)
        {
            return Some(Operand::Aggregate(i as u8));
        }
        let t = self.reference.threshold(name)?;
        let i = match self.thresholds.iter().position(|x| *x == t) {
            Some(i) => i,
            None => {
                self.thresholds.push(t);
                self.thresholds.len() - 1
            }
        };
        Some(Operand::Threshold(i as u16))
    }
}

fn channel_bit(c: Channel) -> u16 {
    1 << (c as u16)
}

pub(crate) const CHANNELS: [Channel; 10] = [
    Channel::Cash,
    Channel::Wire,
    Channel::Ach,
    Channel::Remittance,
    Channel::Card,
    Channel::Cheque,
    Channel::MonetaryInstrument,
    Channel::Crypto,
    Channel::Internal,
    Channel::Other,
];

impl Compiler<'_> {
    fn err(&self, span: Range<usize>, reason: impl Into<String>) -> Error {
        Error::Scenario {
            at: Position { file: self.file.to_string(), line: line_of(self.text, span.start) },
            reason: reason.into(),
        }
    }

    fn flag_bits(&mut self, names: &[String], span: &Range<usize>) -> Result<u64> {
        let mut bits = 0u64;
        for n in names {
            let i = match self.flags.iter().position(|f| f == n) {
                Some(i) => i,
                None => {
                    if self.flags.len() == 64 {
                        return Err(self.err(
                            span.clone(),
                            "more than 64 distinct profile flags across the pack",
                        ));
                    }
                    self.flags.push(n.clone());
                    self.flags.len() - 1
                }
            };
            bits |= 1 << i;
        }
        Ok(bits)
    }

    fn countries(&self, list: &[String], span: &Range<usize>) -> Result<CountrySet> {
        let mut set = CountrySet::default();
        for entry in list {
            if let Some(group) = entry.strip_prefix("group:") {
                let Some(g) = self.reference.country_group(group) else {
                    return Err(self.err(span.clone(), format!("unknown country group `{group}`")));
                };
                for c in &self.reference.country_groups[g].countries {
                    set.insert(c);
                }
            } else if !set.insert(entry) {
                return Err(self.err(
                    span.clone(),
                    format!("`{entry}` is not a two-letter country code or `group:NAME`"),
                ));
            }
        }
        Ok(set)
    }

    fn geography(&self, name: &str, span: &Range<usize>) -> Result<usize> {
        self.reference.geography(name).ok_or_else(|| {
            self.err(span.clone(), format!("unknown geography `{name}` (data/reference)"))
        })
    }

    #[allow(clippy::too_many_lines)]
    fn filter(
        &mut self,
        raw: &RawFilter,
        span: &Range<usize>,
        names: &mut Names<'_>,
        sided: bool,
    ) -> Result<Filter> {
        let mut f = Filter::default();
        for c in &raw.channels {
            let ch = parse_channel(c)
                .ok_or_else(|| self.err(span.clone(), format!("unknown channel `{c}`")))?;
            f.channels |= channel_bit(ch);
        }
        if !raw.exclude_channels.is_empty() {
            if f.channels == 0 {
                f.channels = CHANNELS.iter().map(|c| channel_bit(*c)).fold(0, |a, b| a | b);
            }
            for c in &raw.exclude_channels {
                let ch = parse_channel(c)
                    .ok_or_else(|| self.err(span.clone(), format!("unknown channel `{c}`")))?;
                f.channels &= !channel_bit(ch);
            }
        }
        f.direction = match raw.direction.as_deref() {
            None => None,
            Some("in") => Some(Direction::In),
            Some("out") => Some(Direction::Out),
            Some(other) => {
                return Err(
                    self.err(span.clone(), format!("direction `{other}`: want `in` or `out`"))
                );
            }
        };
        if let Some(text) = &raw.amount {
            names.allow_aggregates = false;
            let e = expr::parse(text, |n| names.resolve(n)).map_err(|e| {
                self.err(
                    span.clone(),
                    format!("amount filter {text:?}, at {}: {}", e.offset, e.reason),
                )
            })?;
            f.amount = Some(e);
        }
        for (list, side, negate) in [
            (&raw.originator_country, Side::Originator, false),
            (&raw.beneficiary_country, Side::Beneficiary, false),
            (&raw.counterparty_country, Side::Counterparty, false),
            (&raw.subject_country, Side::Subject, false),
            (&raw.not_originator_country, Side::Originator, true),
            (&raw.not_beneficiary_country, Side::Beneficiary, true),
        ] {
            if !list.is_empty() {
                f.countries.push((side, self.countries(list, span)?, negate));
            }
        }
        if let Some(g) = &raw.place_in {
            f.geographies.push((Locus::Place, self.geography(g, span)?));
        }
        for (g, side) in [
            (&raw.originator_in, Side::Originator),
            (&raw.beneficiary_in, Side::Beneficiary),
            (&raw.subject_in, Side::Subject),
        ] {
            if let Some(g) = g {
                f.geographies.push((Locus::Party(side), self.geography(g, span)?));
            }
        }
        if let Some(l) = &raw.institution_list {
            f.institution_list = Some(self.reference.institution_list(l).ok_or_else(|| {
                self.err(span.clone(), format!("unknown institution list `{l}`"))
            })?);
        }
        f.subject_flags = self.flag_bits(&raw.subject_flags, span)?;
        f.not_subject_flags = self.flag_bits(&raw.not_subject_flags, span)?;
        f.counterparty_flags = self.flag_bits(&raw.counterparty_flags, span)?;
        for (l, slot) in [
            (&raw.counterparty_list, &mut f.counterparty_list),
            (&raw.subject_list, &mut f.subject_list),
        ] {
            if let Some(l) = l {
                *slot = Some(self.reference.account_list(l).ok_or_else(|| {
                    self.err(span.clone(), format!("unknown account list `{l}`"))
                })?);
            }
        }
        for (text, side, negate, key) in [
            (&raw.subject_kind, Side::Subject, false, "subject_kind"),
            (&raw.not_subject_kind, Side::Subject, true, "not_subject_kind"),
            (&raw.counterparty_kind, Side::Counterparty, false, "counterparty_kind"),
            (&raw.not_counterparty_kind, Side::Counterparty, true, "not_counterparty_kind"),
        ] {
            let kind = match text.as_deref() {
                None => continue,
                Some("individual") => crate::profile::CustomerKind::Individual,
                Some("business") => crate::profile::CustomerKind::Business,
                Some(other) => {
                    return Err(self.err(
                        span.clone(),
                        format!("{key} `{other}`: want `individual` or `business`"),
                    ));
                }
            };
            f.kinds.push((side, kind, negate));
        }
        for k in &raw.place_kind {
            let kind = vigia_model::PlaceKind::parse(k).ok_or_else(|| {
                self.err(
                    span.clone(),
                    format!("place_kind `{k}`: want branch, agent, atm or other"),
                )
            })?;
            f.place_kinds |= crate::facts::place_kind_bit(kind);
        }
        f.text_contains = raw.text_contains.iter().map(|t| t.to_uppercase()).collect();
        f.third_party = raw.third_party;
        f.outside_home_state = raw.outside_home_state;
        f.cross_border = raw.cross_border;
        if f.is_sided() && !sided {
            return Err(self.err(
                span.clone(),
                "direction, subject and counterparty conditions need a sided `group_by` (account, customer, or originator.*/beneficiary.* fields)",
            ));
        }
        Ok(f)
    }

    fn key(&self, raw: &Spanned<RawKey>) -> Result<KeySpec> {
        let fields = |list: &[String]| -> Result<Vec<Field>> {
            list.iter()
                .map(|f| {
                    Field::parse(f).ok_or_else(|| {
                        self.err(raw.span(), format!("unknown field `{f}` in group_by"))
                    })
                })
                .collect()
        };
        let key = match raw.get_ref() {
            RawKey::One(s) if s == "account" => KeySpec::Account,
            RawKey::One(s) if s == "customer" => KeySpec::Customer,
            RawKey::One(s) => KeySpec::Fields(fields(std::slice::from_ref(s))?),
            RawKey::Tuple(list) => KeySpec::Fields(fields(list)?),
            RawKey::Each { each } => KeySpec::Each(fields(each)?),
        };
        if let KeySpec::Fields(fs) | KeySpec::Each(fs) = &key {
            if fs.is_empty() {
                return Err(self.err(raw.span(), "group_by names no field"));
            }
            if fs.iter().any(|f| matches!(f.side(), Some(Side::Subject | Side::Counterparty))) {
                return Err(self.err(
                    raw.span(),
                    "group_by cannot use subject.* or counterparty.* (they are defined by the key)",
                ));
            }
        }
        Ok(key)
    }

    fn window(&self, raw: &Spanned<RawWindow>) -> Result<WindowKind> {
        let dur = |s: &str| parse_duration(s).map_err(|e| self.err(raw.span(), e));
        Ok(match raw.get_ref() {
            RawWindow::Short(s) if s == "transaction" => WindowKind::Transaction,
            RawWindow::Short(s) if s == "business_day" => {
                return Err(self.err(raw.span(), "a business_day window needs a table: { kind = \"business_day\", cutoff = \"HH:MM\", time_zone = \"...\" }"));
            }
            RawWindow::Short(s) => WindowKind::Sliding { length: dur(s)? },
            RawWindow::Full(t) => match t.kind.as_str() {
                "transaction" => WindowKind::Transaction,
                "sliding" => WindowKind::Sliding {
                    length: dur(t
                        .length
                        .as_deref()
                        .ok_or_else(|| self.err(raw.span(), "a sliding window needs `length`"))?)?,
                },
                "tumbling" => WindowKind::Tumbling {
                    length: dur(t.length.as_deref().ok_or_else(|| {
                        self.err(raw.span(), "a tumbling window needs `length`")
                    })?)?,
                    origin: 0,
                },
                "business_day" => {
                    let zone = t.time_zone.as_deref().ok_or_else(|| {
                        self.err(raw.span(), "a business_day window needs `time_zone`")
                    })?;
                    let cutoff = t.cutoff.as_deref().unwrap_or("00:00");
                    WindowKind::BusinessDay(
                        BusinessDay::new(zone, cutoff, t.roll_weekends)
                            .map_err(|e| self.err(raw.span(), e))?,
                    )
                }
                other => {
                    return Err(self.err(
                        raw.span(),
                        format!("unknown window kind `{other}` (transaction, sliding, tumbling, business_day)"),
                    ));
                }
            },
        })
    }

    fn template(
        &self,
        raw: &Spanned<String>,
        names: &[String],
        thresholds: &mut Vec<usize>,
    ) -> Result<Vec<Piece>> {
        let text = raw.get_ref();
        let mut pieces = Vec::new();
        let mut rest = text.as_str();
        while let Some(open) = rest.find('{') {
            if open > 0 {
                pieces.push(Piece::Text(rest[..open].to_string()));
            }
            let Some(close) = rest[open..].find('}') else {
                return Err(self.err(raw.span(), "explanation: `{` without `}`"));
            };
            let inner = &rest[open + 1..open + close];
            let (name, format) = match inner.split_once(':') {
                Some((n, f)) => (n.trim(), f.trim()),
                None => (inner.trim(), ""),
            };
            let format = match format {
                "" => Format::Plain,
                "usd" => Format::Usd,
                "pct" => Format::Percent,
                "int" => Format::Integer,
                other => {
                    return Err(self.err(
                        raw.span(),
                        format!("explanation: unknown format `{other}` (usd, pct, int)"),
                    ));
                }
            };
            let placeholder = match name {
                "amount" => Placeholder::Amount,
                "subject" => Placeholder::Subject,
                "window" => Placeholder::Window,
                "channel" => Placeholder::Channel,
                "place" => Placeholder::Place,
                "counterparty" => Placeholder::Counterparty,
                "matched" => Placeholder::Matched,
                "date" => Placeholder::Date,
                n => {
                    if let Some(i) = names.iter().position(|a| a == n) {
                        Placeholder::Aggregate(i as u8)
                    } else if let Some(t) = self.reference.threshold(n) {
                        let i = thresholds.iter().position(|x| *x == t).unwrap_or_else(|| {
                            thresholds.push(t);
                            thresholds.len() - 1
                        });
                        Placeholder::Threshold(i as u16)
                    } else {
                        return Err(
                            self.err(raw.span(), format!("explanation: unknown name `{n}`"))
                        );
                    }
                }
            };
            pieces.push(Piece::Value(placeholder, format));
            rest = &rest[open + close + 1..];
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.to_string()));
        }
        Ok(pieces)
    }

    #[allow(clippy::too_many_lines)]
    fn scenario(mut self, raw: &Spanned<RawScenario>, graph: &mut GraphConfig) -> Result<Scenario> {
        let span = raw.span();
        let r = raw.get_ref();
        let id = r.id.get_ref().clone();
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(self.err(
                r.id.span(),
                format!("scenario id {id:?}: use letters, digits, `-` and `_`"),
            ));
        }
        if r.description.get_ref().trim().is_empty() {
            return Err(self.err(
                r.description.span(),
                "description is empty: say what it detects and cite its source",
            ));
        }
        if r.source.get_ref().trim().is_empty() {
            return Err(self.err(
                r.source.span(),
                "source is empty: cite the regulation, advisory or research section",
            ));
        }
        for inst in &r.applies_to.get_ref().institutions {
            if !["B", "M", "R"].contains(&inst.as_str()) {
                return Err(self.err(
                    r.applies_to.span(),
                    format!("institution type `{inst}`: want B (bank), M (MSB) or R (remittance)"),
                ));
            }
        }
        let kind = match r.kind.as_ref().map(|k| k.get_ref().as_str()) {
            None | Some("alert") => AlertKind::Alert,
            Some("ctr_work_item") => AlertKind::CtrWorkItem,
            Some("block") => AlertKind::Block,
            Some(other) => {
                let at = r.kind.as_ref().map_or(span.clone(), Spanned::span);
                return Err(
                    self.err(at, format!("kind `{other}`: want alert, ctr_work_item or block"))
                );
            }
        };
        let severity = match r.severity.get_ref().as_str() {
            "low" => AlertSeverity::Low,
            "medium" => AlertSeverity::Medium,
            "high" => AlertSeverity::High,
            "critical" => AlertSeverity::Critical,
            other => {
                return Err(self.err(
                    r.severity.span(),
                    format!("severity `{other}`: want low, medium, high or critical"),
                ));
            }
        };
        let effective = match &r.effective {
            None => InForce::ALWAYS,
            Some(e) => {
                let day = |d: &Option<String>, default: i64, next: bool| -> Result<i64> {
                    let Some(d) = d else { return Ok(default) };
                    let date: jiff::civil::Date = d.parse().map_err(|err| {
                        self.err(e.span(), format!("effective date {d:?}: {err}"))
                    })?;
                    let date = if next {
                        date.tomorrow().map_err(|err| self.err(e.span(), err.to_string()))?
                    } else {
                        date
                    };
                    jiff::tz::TimeZone::UTC
                        .to_timestamp(date.to_datetime(jiff::civil::Time::midnight()))
                        .map(|t| t.as_millisecond())
                        .map_err(|err| self.err(e.span(), err.to_string()))
                };
                let span = InForce {
                    from: day(&e.get_ref().from, i64::MIN, false)?,
                    until: day(&e.get_ref().to, i64::MAX, true)?,
                };
                if span.from >= span.until {
                    return Err(self.err(e.span(), "effective: `to` is before `from`"));
                }
                span
            }
        };

        let detector_name = r.detector.as_ref().map_or("window", |d| d.get_ref().as_str());
        let detector_span = r.detector.as_ref().map_or(span.clone(), Spanned::span);
        let mut thresholds = Vec::new();
        let mut scenario = Scenario {
            id: id.clone(),
            name: r.name.clone(),
            description: r.description.get_ref().clone(),
            source: r.source.get_ref().clone(),
            typology: r.typology.clone(),
            key_terms: r.key_terms.clone(),
            institutions: r.applies_to.get_ref().institutions.clone(),
            segments: r.applies_to.get_ref().segments.clone(),
            kind,
            severity,
            effective,
            requires: r.requires.clone(),
            enabled: r.enabled,
            file: self.file.to_string(),
            line: line_of(self.text, span.start),
            detector: Detector::Window,
            key: KeySpec::Account,
            window: WindowKind::Transaction,
            filter: Filter::default(),
            test: Test::default(),
            aggregates: Vec::new(),
            condition: Expr::Number(1.0),
            score: None,
            explanation: Vec::new(),
            thresholds: Vec::new(),
            layout: Layout::default(),
            evidence_mask: 0,
            max_events_per_key: r.max_events_per_key.unwrap_or(4096).max(1),
            baseline_days: 0,
        };

        match detector_name {
            "window" => {}
            "screening" => {
                let Some(s) = &r.screening else {
                    return Err(self.err(
                        detector_span,
                        "a screening scenario needs a [scenario.screening] table",
                    ));
                };
                let fields = s
                    .get_ref()
                    .fields
                    .iter()
                    .map(|f| {
                        Field::parse(f)
                            .ok_or_else(|| self.err(s.span(), format!("unknown field `{f}`")))
                    })
                    .collect::<Result<Vec<_>>>()?;
                let threshold = s.get_ref().threshold.unwrap_or(0.7);
                if !(0.0..=1.0).contains(&threshold) {
                    return Err(self.err(s.span(), "screening: threshold must be in [0, 1]"));
                }
                scenario.detector = Detector::Screening(ScreeningSpec {
                    fields,
                    threshold,
                    min_score: s.get_ref().min_score.unwrap_or(0.0),
                    topics: s.get_ref().topics.clone(),
                });
            }
            "proximity" => {
                let Some(p) = &r.proximity else {
                    return Err(self.err(
                        detector_span,
                        "a proximity scenario needs a [scenario.proximity] table",
                    ));
                };
                let pr = p.get_ref();
                if !(1..=3).contains(&pr.max_hops) {
                    return Err(self.err(p.span(), "proximity: max_hops must be 1, 2 or 3"));
                }
                let seeds = match &pr.seeds {
                    Some(l) => Some(self.reference.account_list(l).ok_or_else(|| {
                        self.err(p.span(), format!("unknown account list `{l}`"))
                    })?),
                    None => None,
                };
                scenario.detector = Detector::Proximity(ProximitySpec {
                    max_hops: pr.max_hops,
                    window: parse_duration(&pr.window).map_err(|e| self.err(p.span(), e))?,
                    min_value: pr.min_value,
                    seeds,
                });
            }
            "graph" => {
                let Some(g) = &r.graph else {
                    return Err(
                        self.err(detector_span, "a graph scenario needs a [scenario.graph] table")
                    );
                };
                let typology = self.graph(g, r.enabled, graph)?;
                scenario.detector = Detector::Graph(typology);
            }
            other => {
                return Err(self.err(
                    detector_span,
                    format!("detector `{other}`: want window, screening, proximity or graph"),
                ));
            }
        }

        // Grouping: mandatory for window scenarios; screening and graph
        // scenarios alert on the parties themselves.
        let key = match (&r.group_by, &scenario.detector) {
            (Some(k), _) => self.key(k)?,
            (None, Detector::Window) => {
                return Err(self.err(
                    span.clone(),
                    "missing `group_by` (account, customer, a field, or a list of fields)",
                ));
            }
            (None, _) => KeySpec::Account,
        };
        let sided = match &key {
            KeySpec::Account | KeySpec::Customer => true,
            KeySpec::Fields(fs) | KeySpec::Each(fs) => {
                let sides: Vec<Option<Side>> = fs.iter().map(Field::side).collect();
                sides.iter().all(|s| *s == Some(Side::Originator))
                    || sides.iter().all(|s| *s == Some(Side::Beneficiary))
            }
        };
        scenario.key = key;
        scenario.window = match &r.window {
            Some(w) => self.window(w)?,
            None if matches!(scenario.detector, Detector::Window) => {
                return Err(self
                    .err(span.clone(), "missing `window` (\"24h\", \"transaction\", or a table)"));
            }
            None => WindowKind::Transaction,
        };

        let agg_names: Vec<String> = r.aggregate.iter().map(|a| a.get_ref().name.clone()).collect();
        for (i, a) in r.aggregate.iter().enumerate() {
            let name = &a.get_ref().name;
            if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                || name.is_empty()
                || name.starts_with(|c: char| c.is_ascii_digit())
            {
                return Err(self.err(
                    a.span(),
                    format!("aggregate name `{name}`: use letters, digits and `_`"),
                ));
            }
            if agg_names[..i].contains(name) {
                return Err(self.err(a.span(), format!("duplicate aggregate `{name}`")));
            }
            if name == "amount" || self.reference.threshold(name).is_some() {
                return Err(self.err(
                    a.span(),
                    format!("aggregate `{name}` shadows `amount` or a reference threshold"),
                ));
            }
        }
        if r.aggregate.len() > MAX_AGGREGATES {
            return Err(
                self.err(span.clone(), format!("at most {MAX_AGGREGATES} aggregates per scenario"))
            );
        }
        let mut distinct_slots = 0u8;
        let mut layout = Layout { aggregates: r.aggregate.len(), ..Layout::default() };
        for (i, a) in r.aggregate.iter().enumerate() {
            let ra = a.get_ref();
            let mut names = Names {
                aggregates: &agg_names,
                thresholds: &mut thresholds,
                reference: self.reference,
                allow_aggregates: false,
            };
            let filter = match &ra.filter {
                Some(f) => self.filter(f, &a.span(), &mut names, sided)?,
                None => Filter::default(),
            };
            let within = match &ra.within {
                Some(w) => {
                    let w = parse_duration(w).map_err(|e| self.err(a.span(), e))?;
                    if !matches!(scenario.window, WindowKind::Sliding { length } if w <= length) {
                        return Err(
                            self.err(a.span(), "`within` needs a sliding window at least as long")
                        );
                    }
                    Some(w)
                }
                None => None,
            };
            let function = match ra.function.as_str() {
                "count" => Function::Count,
                "sum" => Function::Sum,
                "min" => Function::Min,
                "max" => Function::Max,
                "mean" => Function::Mean,
                "distinct" => {
                    let Some(of) = &ra.of else {
                        return Err(self.err(a.span(), "distinct needs `of` (a field)"));
                    };
                    let field = Field::parse(of)
                        .ok_or_else(|| self.err(a.span(), format!("unknown field `{of}`")))?;
                    if matches!(field.side(), Some(Side::Subject | Side::Counterparty)) && !sided {
                        return Err(self.err(
                            a.span(),
                            "subject.* and counterparty.* fields need a sided group_by",
                        ));
                    }
                    if usize::from(distinct_slots) == MAX_DISTINCT {
                        return Err(self.err(
                            a.span(),
                            format!("at most {MAX_DISTINCT} distinct aggregates per scenario"),
                        ));
                    }
                    if within.is_none() {
                        layout.distinct[usize::from(distinct_slots)] = Some(i as u8);
                    }
                    distinct_slots += 1;
                    Function::Distinct(field, distinct_slots - 1)
                }
                "forwarded" => {
                    if !sided {
                        return Err(self
                            .err(a.span(), "forwarded needs a sided group_by (in and out flows)"));
                    }
                    let w = ra.within.as_deref().ok_or_else(|| {
                        self.err(a.span(), "forwarded needs `within` (how soon money must leave)")
                    })?;
                    let delay = parse_duration(w).map_err(|e| self.err(a.span(), e))?;
                    if layout.forwarded.is_some() {
                        return Err(
                            self.err(a.span(), "at most one forwarded aggregate per scenario")
                        );
                    }
                    layout.forwarded = Some((i as u8, delay));
                    Function::Forwarded(delay)
                }
                "average_balance" => {
                    if !sided {
                        return Err(self.err(a.span(), "average_balance needs a sided group_by"));
                    }
                    if layout.balance.is_some() {
                        return Err(self
                            .err(a.span(), "at most one average_balance aggregate per scenario"));
                    }
                    layout.balance = Some(i as u8);
                    Function::AverageBalance
                }
                "baseline" => {
                    let statistic = match ra.statistic.as_deref().unwrap_or("mean") {
                        "mean" => Statistic::Mean,
                        "std" | "stddev" => Statistic::StdDev,
                        "median" => Statistic::Median,
                        "p95" => Statistic::P95,
                        "today" => Statistic::Today,
                        other => {
                            return Err(self.err(
                                a.span(),
                                format!(
                                    "statistic `{other}`: want mean, std, median, p95 or today"
                                ),
                            ));
                        }
                    };
                    let measure = match ra.measure.as_deref().unwrap_or("amount") {
                        "amount" => Measure::Amount,
                        "count" => Measure::Count,
                        other => {
                            return Err(self.err(
                                a.span(),
                                format!("measure `{other}`: want amount or count"),
                            ));
                        }
                    };
                    let days =
                        ra.days.ok_or_else(|| self.err(a.span(), "baseline needs `days`"))?;
                    if !(1..=400).contains(&days) {
                        return Err(self.err(a.span(), "baseline days must be 1..=400"));
                    }
                    if scenario.baseline_days != 0 && scenario.baseline_days != days {
                        return Err(
                            self.err(a.span(), "all baselines of a scenario share one `days`")
                        );
                    }
                    scenario.baseline_days = days;
                    Function::Baseline(statistic, measure)
                }
                other => {
                    return Err(self.err(
                        a.span(),
                        format!("unknown function `{other}` (count, sum, min, max, mean, distinct, forwarded, average_balance, baseline)"),
                    ));
                }
            };
            if !matches!(function, Function::Forwarded(_))
                && within.is_some()
                && !matches!(
                    function,
                    Function::Count
                        | Function::Sum
                        | Function::Min
                        | Function::Max
                        | Function::Mean
                        | Function::Distinct(..)
                )
            {
                return Err(self
                    .err(a.span(), "`within` applies to count, sum, min, max, mean and distinct"));
            }
            let within = if matches!(function, Function::Forwarded(_)) { None } else { within };
            if ra.of.is_some() && !matches!(function, Function::Distinct(..)) {
                return Err(self.err(a.span(), "`of` applies to distinct only"));
            }
            scenario.aggregates.push(Aggregate {
                name: ra.name.clone(),
                function,
                within,
                filter,
                test: Test::default(),
            });
        }
        scenario.layout = layout;

        let mut names = Names {
            aggregates: &agg_names,
            thresholds: &mut thresholds,
            reference: self.reference,
            allow_aggregates: false,
        };
        scenario.filter = match &r.filter {
            Some(f) => self.filter(f.get_ref(), &f.span(), &mut names, sided)?,
            None => Filter::default(),
        };
        if matches!(scenario.detector, Detector::Window) {
            let Some(cond) = &r.condition else {
                return Err(self.err(span.clone(), "missing `condition`"));
            };
            names.allow_aggregates = true;
            scenario.condition =
                expr::parse(cond.get_ref(), |n| names.resolve(n)).map_err(|e| {
                    self.err(
                        cond.span(),
                        format!("condition, at character {}: {}", e.offset + 1, e.reason),
                    )
                })?;
        } else if let Some(cond) = &r.condition {
            return Err(self.err(
                cond.span(),
                format!("a {detector_name} scenario has no `condition` (its detector decides)"),
            ));
        }
        if let Some(score) = &r.score {
            names.allow_aggregates = true;
            scenario.score =
                Some(expr::parse(score.get_ref(), |n| names.resolve(n)).map_err(|e| {
                    self.err(
                        score.span(),
                        format!("score, at character {}: {}", e.offset + 1, e.reason),
                    )
                })?);
        }
        scenario.explanation = self.template(&r.explanation, &agg_names, &mut thresholds)?;
        scenario.evidence_mask = match &r.evidence {
            None => u16::MAX,
            Some(list) => {
                let mut mask = 0u16;
                for n in list.get_ref() {
                    let i = agg_names.iter().position(|a| a == n).ok_or_else(|| {
                        self.err(list.span(), format!("evidence: unknown aggregate `{n}`"))
                    })?;
                    mask |= 1 << i;
                }
                mask
            }
        };
        if r.aggregate.is_empty() && matches!(scenario.detector, Detector::Window) {
            // Without aggregates, every event in the window is evidence.
            scenario.evidence_mask = u16::MAX;
        }
        scenario.thresholds = thresholds;
        // Flags are registered while compiling; keep the borrow checker
        // happy by touching `self` last.
        let _ = &mut self.flags;
        Ok(scenario)
    }

    // `..d` on complete struct literals: fields the graph engine adds later
    // take their defaults instead of breaking the pack compiler.
    #[allow(clippy::needless_update)]
    fn graph(
        &self,
        raw: &Spanned<toml::Table>,
        enabled: bool,
        config: &mut GraphConfig,
    ) -> Result<Typology> {
        let t = raw.get_ref();
        let err = |reason: String| self.err(raw.span(), reason);
        let typology_name = t
            .get("typology")
            .and_then(toml::Value::as_str)
            .ok_or_else(|| err("graph: missing `typology`".into()))?;
        let typology = Typology::parse(typology_name)
            .ok_or_else(|| err(format!("graph: unknown typology `{typology_name}`")))?;
        let mut used = vec!["typology"];
        let mut dur = |key: &'static str, default: i64| -> Result<i64> {
            used.push(key);
            match t.get(key) {
                None => Ok(default),
                Some(v) => {
                    let s = v.as_str().ok_or_else(|| {
                        err(format!("graph: `{key}` must be a duration string like \"7d\""))
                    })?;
                    parse_duration(s).map_err(|e| err(format!("graph: `{key}`: {e}")))
                }
            }
        };
        let window = dur("window", 0)?;
        let hop_delay = dur("max_hop_delay", 0)?;
        let num = |key: &str, default: f64| -> Result<f64> {
            match t.get(key) {
                None => Ok(default),
                Some(v) => v
                    .as_float()
                    .or_else(|| v.as_integer().map(|i| i as f64))
                    .ok_or_else(|| err(format!("graph: `{key}` must be a number"))),
            }
        };
        let boolean = |key: &str, default: bool| -> Result<bool> {
            match t.get(key) {
                None => Ok(default),
                Some(v) => {
                    v.as_bool().ok_or_else(|| err(format!("graph: `{key}` must be true or false")))
                }
            }
        };
        let count = |key: &str, default: u32| -> Result<u32> {
            let v = num(key, f64::from(default))?;
            if v < 0.0 || v.fract() != 0.0 || v > f64::from(u32::MAX) {
                return Err(err(format!("graph: `{key}` must be a whole number")));
            }
            Ok(v as u32)
        };
        let keys: &[&str] = match typology {
            Typology::FanOut | Typology::FanIn => {
                &["min_counterparties", "min_total", "min_amount", "new_counterparties_only"]
            }
            Typology::Cycle => &["min_len", "max_len", "amount_tolerance", "time_ordered"],
            Typology::ScatterGather => &["min_intermediaries", "min_reconvergence"],
            Typology::GatherScatter => &["min_sources", "min_sinks", "min_pass_through"],
            Typology::Bipartite => &["min_senders", "min_receivers", "min_pass_through"],
            Typology::RandomChain => &["min_hops", "max_hops", "min_forward", "max_forward"],
        };
        let common = [
            "warm_up",
            "relationship_horizon",
            "regrowth",
            "max_scan",
            "max_expansions",
            "max_candidates",
            "max_detections_per_edge",
        ];
        for k in t.keys() {
            if !used.contains(&k.as_str())
                && !keys.contains(&k.as_str())
                && !common.contains(&k.as_str())
            {
                return Err(err(format!(
                    "graph: unknown key `{k}` for {typology_name} (known: {})",
                    keys.join(", ")
                )));
            }
        }
        if window <= 0 {
            return Err(err("graph: missing `window`".into()));
        }
        if t.contains_key("relationship_horizon") {
            let s = t.get("relationship_horizon").and_then(toml::Value::as_str).unwrap_or("");
            config.relationship_horizon =
                parse_duration(s).map_err(|e| err(format!("graph: relationship_horizon: {e}")))?;
        }
        if let Some(v) = t.get("warm_up") {
            let s = v.as_str().unwrap_or("");
            config.warm_up = if s.trim() == "0" || s.trim() == "0d" {
                0
            } else {
                parse_duration(s).map_err(|e| err(format!("graph: warm_up: {e}")))?
            };
        }
        if t.contains_key("regrowth") {
            config.regrowth = num("regrowth", config.regrowth)?;
        }
        for (key, slot) in [
            ("max_scan", &mut config.caps.max_scan),
            ("max_expansions", &mut config.caps.max_expansions),
            ("max_candidates", &mut config.caps.max_candidates),
            ("max_detections_per_edge", &mut config.caps.max_detections_per_edge),
        ] {
            if t.contains_key(key) {
                *slot = count(key, 0)? as usize;
            }
        }
        if !enabled {
            return Ok(typology);
        }
        match typology {
            Typology::FanOut | Typology::FanIn => {
                let d = FanConfig::default();
                let c = FanConfig {
                    window,
                    min_counterparties: count("min_counterparties", d.min_counterparties)?,
                    min_total: num("min_total", d.min_total)?,
                    min_amount: num("min_amount", d.min_amount)?,
                    new_counterparties_only: boolean(
                        "new_counterparties_only",
                        d.new_counterparties_only,
                    )?,
                    ..d
                };
                if typology == Typology::FanOut {
                    config.fan_out = Some(c);
                } else {
                    config.fan_in = Some(c);
                }
            }
            Typology::Cycle => {
                let d = CycleConfig::default();
                config.cycle = Some(CycleConfig {
                    window,
                    min_len: count("min_len", d.min_len as u32)? as usize,
                    max_len: count("max_len", d.max_len as u32)? as usize,
                    amount_tolerance: num("amount_tolerance", d.amount_tolerance)?,
                    time_ordered: boolean("time_ordered", d.time_ordered)?,
                    ..d
                });
            }
            Typology::ScatterGather => {
                let d = ScatterGatherConfig::default();
                config.scatter_gather = Some(ScatterGatherConfig {
                    window,
                    min_intermediaries: count("min_intermediaries", d.min_intermediaries)?,
                    min_reconvergence: num("min_reconvergence", d.min_reconvergence)?,
                    ..d
                });
            }
            Typology::GatherScatter => {
                let d = GatherScatterConfig::default();
                config.gather_scatter = Some(GatherScatterConfig {
                    window,
                    min_sources: count("min_sources", d.min_sources)?,
                    min_sinks: count("min_sinks", d.min_sinks)?,
                    min_pass_through: num("min_pass_through", d.min_pass_through)?,
                    ..d
                });
            }
            Typology::Bipartite => {
                let d = BipartiteConfig::default();
                config.bipartite = Some(BipartiteConfig {
                    window,
                    min_senders: count("min_senders", d.min_senders)?,
                    min_receivers: count("min_receivers", d.min_receivers)?,
                    min_pass_through: num("min_pass_through", d.min_pass_through)?,
                    ..d
                });
            }
            Typology::RandomChain => {
                let d = ChainConfig::default();
                config.chain = Some(ChainConfig {
                    window,
                    min_hops: count("min_hops", d.min_hops)?,
                    max_hops: count("max_hops", d.max_hops)?,
                    max_hop_delay: if hop_delay > 0 { hop_delay } else { d.max_hop_delay },
                    min_forward: num("min_forward", d.min_forward)?,
                    max_forward: num("max_forward", d.max_forward)?,
                    ..d
                });
            }
        }
        Ok(typology)
    }
}

/// Parses a channel name, refusing names `Channel::parse` would map to
/// `Other` by accident.
fn parse_channel(name: &str) -> Option<Channel> {
    let c = Channel::parse(name);
    (c != Channel::Other || name.eq_ignore_ascii_case("other")).then_some(c)
}

/// Field values of a transaction, resolved for a direction. Used by the
/// engine; kept here beside [`Field`] so the two never drift apart.
pub(crate) fn channel_accepted(filter_channels: u16, c: Channel) -> bool {
    filter_channels == 0 || filter_channels & channel_bit(c) != 0
}

/// Scenario ids by typology, for reports.
pub fn typologies(pack: &Pack) -> FxHashMap<String, Vec<String>> {
    let mut map: FxHashMap<String, Vec<String>> = FxHashMap::default();
    for s in &pack.scenarios {
        map.entry(s.typology.clone()).or_default().push(s.id.clone());
    }
    map
}
