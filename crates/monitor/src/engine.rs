//! The monitoring engine: transactions in, alerts out.
//!
//! For each transaction the engine converts the amount to USD, interns the
//! accounts, then runs every enabled scenario of the pack:
//!
//! - window scenarios: typed filter → grouping key(s) → the key's window
//!   state (insert, evict, aggregate) → condition → alert, deduplicated;
//! - screening scenarios: the parties' names through a [`PartyScreener`];
//! - the proximity scenario: exposure to designated subjects within a few
//!   hops;
//! - graph scenarios: the transfer as an [`Edge`] into the graph engine.
//!
//! Deduplication: an alert stays *open* while the events that raised it
//! are still in its window (for a sliding window, `length` after its last
//! event; for a bucketed window, until the bucket closes). While open, the
//! same scenario does not alert again on the same subject; the next alert
//! can only be built from events after the open one's, so two alerts never
//! share evidence. Alert ids are a hash of scenario, subject and the first
//! evidence transaction: the same input always gives the same ids.

use std::collections::VecDeque;

use jiff::Timestamp;
use rustc_hash::FxHashMap;
use vigia_model::{Alert, AlertSeverity, Party, Transaction};

use crate::error::{Error, Result};
use crate::expr::Values;
use crate::graph::{AccountId, Detection, Edge, GraphEngine, Typology};
use crate::profile::{AccountProfile, CustomerKind};
use crate::scenario::{
    Aggregate, Detector, Field, Filter, Fnv, Format, Function, KeySpec, Locus, Pack, Piece,
    Placeholder, ProximitySpec, Scenario, ScreeningSpec, Side, channel_accepted,
};
use crate::window::{
    DAY, DayRing, Direction, Event, MAX_AGGREGATES, WindowClock, WindowKind, WindowState,
};

/// A screening hit on a party name, from the screening engine.
#[derive(Debug, Clone, PartialEq)]
pub struct ScreeningHit {
    /// The listed entity's id.
    pub entity_id: String,
    /// Its display name.
    pub caption: String,
    /// The match score, 0..=1.
    pub score: f64,
    /// Topics and programmes (`sanction`, `crime.terror`, `SDGT`, `FTO`...).
    pub topics: Vec<String>,
    /// The lists it comes from.
    pub datasets: Vec<String>,
}

/// Screens a party name in the transaction stream (E2). The CLI implements
/// it with the screening engine; tests use a double.
pub trait PartyScreener {
    /// The best hit for `name` (with the party's country when known), if
    /// any reaches the screener's own threshold.
    fn screen(&self, name: &str, country: Option<&str>) -> Option<ScreeningHit>;
}

/// Engine settings that are not part of the pack.
#[derive(Debug, Clone)]
pub struct MonitorOptions {
    /// How far behind the latest event time a transaction may arrive and
    /// still enter windows (ms). Later ones are counted as late and only
    /// see per-transaction scenarios.
    pub lateness: i64,
    /// Institution types this run is for (`B`, `M`, `R`); scenarios that
    /// apply to none of them are switched off. Empty = run everything.
    pub institution_types: Vec<String>,
    /// Scenario ids to run (empty = all enabled).
    pub only: Vec<String>,
    /// Transactions between sweeps of idle window states.
    pub sweep_every: u64,
    /// Most evidence transactions listed in one alert (the count is always
    /// in the metrics).
    pub max_evidence: usize,
}

impl Default for MonitorOptions {
    fn default() -> Self {
        MonitorOptions {
            lateness: 3_600_000,
            institution_types: Vec::new(),
            only: Vec::new(),
            sweep_every: 1 << 16,
            max_evidence: 200,
        }
    }
}

/// Counters of a run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    /// Transactions processed.
    pub transactions: u64,
    /// Transactions later than the allowed lateness (kept out of windows).
    pub late: u64,
    /// Alerts per scenario (pack order).
    pub alerts: Vec<u64>,
    /// Alerts suppressed because one was open, per scenario.
    pub suppressed: Vec<u64>,
    /// Events dropped because a key hit its per-key cap.
    pub overflow: u64,
    /// Window states alive.
    pub states: usize,
    /// Events held in window states.
    pub events: usize,
    /// Transaction ids held for evidence.
    pub evidence_ids: usize,
    /// Accounts interned.
    pub accounts: usize,
    /// Names screened (cache misses) and cached.
    pub screened: u64,
}

/// Stages of one transaction, for per-stage timing by the caller (the
/// engine itself reads no clock).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Conversion and interning done.
    Prepared,
    /// Window, screening and proximity scenarios done.
    Rules,
    /// Graph typologies done.
    Graph,
}

/// String interning: dense `u32` ids for accounts, keys and values.
#[derive(Debug, Default)]
struct Interner {
    ids: FxHashMap<Box<str>, u32>,
    names: Vec<Box<str>>,
}

impl Interner {
    fn intern(&mut self, s: &str) -> u32 {
        if let Some(id) = self.ids.get(s) {
            return *id;
        }
        let id = self.names.len() as u32;
        self.names.push(s.into());
        self.ids.insert(s.into(), id);
        id
    }

    fn name(&self, id: u32) -> &str {
        self.names.get(id as usize).map_or("", |n| n)
    }
}

/// Transaction ids by stream position, for the evidence of alerts, in
/// chunks dropped whole once older than every window.
#[derive(Debug, Default)]
struct TxLog {
    chunks: VecDeque<TxChunk>,
    first_seq: u64,
}

#[derive(Debug, Default)]
struct TxChunk {
    text: String,
    ends: Vec<u32>,
    max_time: i64,
}

const CHUNK: usize = 1 << 14;

impl TxLog {
    fn push(&mut self, id: &str, time: i64) {
        if self.chunks.back().is_none_or(|c| c.ends.len() >= CHUNK) {
            self.chunks.push_back(TxChunk {
                text: String::with_capacity(CHUNK * 8),
                ends: Vec::with_capacity(CHUNK),
                max_time: i64::MIN,
            });
        }
        if let Some(c) = self.chunks.back_mut() {
            c.text.push_str(id);
            c.ends.push(c.text.len() as u32);
            c.max_time = c.max_time.max(time);
        }
    }

    fn get(&self, seq: u64) -> &str {
        let Some(offset) = seq.checked_sub(self.first_seq) else { return "" };
        let (chunk, i) = ((offset / CHUNK as u64) as usize, (offset % CHUNK as u64) as usize);
        let Some(c) = self.chunks.get(chunk) else { return "" };
        let start = if i == 0 { 0 } else { c.ends[i - 1] as usize };
        c.ends.get(i).map_or("", |end| &c.text[start..*end as usize])
    }

    fn prune(&mut self, before: i64) {
        while self.chunks.len() > 1 && self.chunks.front().is_some_and(|c| c.max_time < before) {
            self.chunks.pop_front();
            self.first_seq += CHUNK as u64;
        }
    }

    fn len(&self) -> usize {
        self.chunks.iter().map(|c| c.ends.len()).sum()
    }
}

/// A profile as the engine keeps it.
#[derive(Debug, Clone, Default)]
struct Profile {
    customer: Option<String>,
    name: Option<String>,
    kind: CustomerKind,
    home_state: Option<String>,
    flags: u64,
}

/// Profiles by interned account.
#[derive(Debug, Default)]
struct Profiles {
    list: Vec<Profile>,
    /// AccountId → profile index + 1 (0 = none).
    of: Vec<u32>,
}

impl Profiles {
    fn get(&self, account: Option<AccountId>) -> Option<&Profile> {
        let idx = *self.of.get(account? as usize)?;
        if idx == 0 { None } else { self.list.get(idx as usize - 1) }
    }
}

struct WindowRun {
    scenario: usize,
    clock: WindowClock,
    states: FxHashMap<u32, WindowState>,
}

struct ProximityRun {
    scenario: usize,
    spec: ProximitySpec,
    /// Account → (hop, valid until, root seed).
    hops: FxHashMap<u32, (u8, i64, u32)>,
    /// Account → recent exchanges with tainted accounts (time, hop of the
    /// neighbour, cents, neighbour).
    exposure: FxHashMap<u32, VecDeque<(i64, u8, i64, u32)>>,
    open_until: FxHashMap<u32, i64>,
}

/// Everything known about the current transaction.
struct Ctx<'t> {
    tx: &'t Transaction,
    seq: u64,
    time: i64,
    usd: f64,
    cents: i64,
    originator: Option<AccountId>,
    beneficiary: Option<AccountId>,
}

fn nonempty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn severity_score(s: AlertSeverity) -> f64 {
    match s {
        AlertSeverity::Low => 0.25,
        AlertSeverity::Medium => 0.5,
        AlertSeverity::High => 0.75,
        AlertSeverity::Critical => 0.95,
    }
}

/// Writes `ms` as RFC 3339 UTC.
pub fn rfc3339(ms: i64) -> String {
    Timestamp::from_millisecond(ms).map_or_else(|_| ms.to_string(), |t| t.to_string())
}

fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `$61,200` or `$9,900.50`.
pub fn format_usd(v: f64) -> String {
    if !v.is_finite() {
        return "n/a".into();
    }
    let sign = if v < 0.0 { "-" } else { "" };
    let cents = (v.abs() * 100.0).round() as u64;
    if cents.is_multiple_of(100) {
        format!("{sign}${}", group_thousands(cents / 100))
    } else {
        format!("{sign}${}.{:02}", group_thousands(cents / 100), cents % 100)
    }
}

fn format_value(v: f64, format: Format) -> String {
    if !v.is_finite() {
        return "n/a".into();
    }
    match format {
        Format::Usd => format_usd(v),
        Format::Percent => format!("{}%", (v * 100.0).round() as i64),
        Format::Integer => {
            let r = v.round();
            if r < 0.0 {
                format!("-{}", group_thousands((-r) as u64))
            } else {
                group_thousands(r as u64)
            }
        }
        Format::Plain => {
            if v.fract() == 0.0 && v.abs() < 1e15 {
                format!("{}", v as i64)
            } else {
                format!("{v:.2}")
            }
        }
    }
}

/// What is shown in an explanation besides aggregates and thresholds.
struct Shown<'a> {
    subject: &'a str,
    amount: f64,
    channel: &'a str,
    place: &'a str,
    counterparty: &'a str,
    matched: &'a str,
    date: String,
}

fn render(
    pieces: &[Piece],
    scenario: &Scenario,
    aggregates: &[f64],
    thresholds: &[f64],
    shown: &Shown<'_>,
) -> String {
    let mut out = String::new();
    for piece in pieces {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Value(p, f) => match p {
                Placeholder::Aggregate(i) => out.push_str(&format_value(
                    aggregates.get(*i as usize).copied().unwrap_or(0.0),
                    *f,
                )),
                Placeholder::Threshold(i) => out.push_str(&format_value(
                    thresholds.get(*i as usize).copied().unwrap_or(f64::NAN),
                    *f,
                )),
                Placeholder::Amount => out.push_str(&format_value(
                    shown.amount,
                    if *f == Format::Plain { Format::Usd } else { *f },
                )),
                Placeholder::Subject => out.push_str(shown.subject),
                Placeholder::Window => out.push_str(&scenario.window.describe()),
                Placeholder::Channel => out.push_str(shown.channel),
                Placeholder::Place => out.push_str(if shown.place.is_empty() {
                    "an unrecorded location"
                } else {
                    shown.place
                }),
                Placeholder::Counterparty => out.push_str(if shown.counterparty.is_empty() {
                    "an unknown party"
                } else {
                    shown.counterparty
                }),
                Placeholder::Matched => out.push_str(shown.matched),
                Placeholder::Date => out.push_str(&shown.date),
            },
        }
    }
    out
}

fn field_label(f: Field) -> &'static str {
    match f {
        Field::Account(_) => "account",
        Field::Customer(_) => "customer",
        Field::Name(_) => "name",
        Field::Institution(_) => "institution",
        Field::Country(_) => "country",
        Field::State(_) => "state",
        Field::Region(_) => "region",
        Field::Zip(_) => "zip",
        Field::Address(_) => "address",
        Field::IdNumber(_) => "id",
        Field::Phone(_) => "phone",
        Field::Device(_) => "device",
        Field::Conductor => "conductor",
        Field::PlaceId => "place",
        Field::PlaceZip => "zip",
        Field::PlaceCounty => "county",
        Field::PlaceState => "state",
        Field::PlaceCountry => "country",
        Field::Channel => "channel",
        Field::Currency => "currency",
    }
}

/// The monitoring engine. Feed transactions in event-time order (small
/// disorder within the lateness is fine) with [`Monitor::process`].
pub struct Monitor {
    pack: Pack,
    options: MonitorOptions,
    accounts: Interner,
    keys: Interner,
    values: Interner,
    profiles: Profiles,
    windows: Vec<WindowRun>,
    stateless: Vec<usize>,
    screenings: Vec<usize>,
    proximity: Option<ProximityRun>,
    graph: Option<GraphEngine>,
    graph_scenarios: [Option<usize>; 7],
    screener: Option<Box<dyn PartyScreener>>,
    screen_cache: FxHashMap<Box<str>, Option<ScreeningHit>>,
    institution_memo: FxHashMap<Box<str>, Option<u16>>,
    txlog: TxLog,
    watermark: i64,
    seq: u64,
    retention: i64,
    sweep_cursor: usize,
    stats: Stats,
    // Scratch buffers reused across transactions (no allocation per
    // transaction on the hot path).
    key_buf: String,
    totals_scratch: Vec<(u8, u32)>,
    float_scratch: Vec<f64>,
    aux_scratch: Vec<u32>,
    fifo: VecDeque<(i64, i64)>,
    detections: Vec<Detection>,
    keys_scratch: Vec<(u32, Direction)>,
    thresholds: [f64; 16],
    matched: String,
    provenance: String,
}

impl Monitor {
    /// An engine running `pack`.
    pub fn new(pack: Pack, options: MonitorOptions) -> Monitor {
        let mut windows = Vec::new();
        let mut stateless = Vec::new();
        let mut screenings = Vec::new();
        let mut proximity = None;
        let mut graph_scenarios = [None; 7];
        let mut retention: i64 = 0;
        let mut graph_wanted = false;
        for (i, s) in pack.scenarios.iter().enumerate() {
            let applies = options.institution_types.is_empty()
                || s.institutions.iter().any(|t| options.institution_types.contains(t));
            let chosen = options.only.is_empty() || options.only.contains(&s.id);
            if !s.enabled || !applies || !chosen {
                continue;
            }
            match &s.detector {
                Detector::Window => {
                    if matches!(s.window, WindowKind::Transaction) {
                        stateless.push(i);
                    } else {
                        retention = retention.max(match &s.window {
                            WindowKind::Sliding { length }
                            | WindowKind::Tumbling { length, .. } => *length,
                            WindowKind::BusinessDay(_) => 4 * DAY,
                            WindowKind::Transaction => 0,
                        });
                        if s.baseline_days > 0 {
                            retention = retention.max(s.baseline_days as i64 * DAY);
                        }
                        windows.push(WindowRun {
                            scenario: i,
                            clock: WindowClock::new(s.window.clone()),
                            states: FxHashMap::default(),
                        });
                    }
                }
                Detector::Screening(_) => screenings.push(i),
                Detector::Proximity(spec) => {
                    retention = retention.max(spec.window);
                    proximity = Some(ProximityRun {
                        scenario: i,
                        spec: spec.clone(),
                        hops: FxHashMap::default(),
                        exposure: FxHashMap::default(),
                        open_until: FxHashMap::default(),
                    });
                }
                Detector::Graph(t) => {
                    graph_scenarios[t.index()] = Some(i);
                    graph_wanted = true;
                }
            }
        }
        let graph = if graph_wanted {
            let mut config = pack.graph.clone();
            // Switch off typologies whose scenario is not running.
            for t in Typology::ALL {
                if graph_scenarios[t.index()].is_none() {
                    match t {
                        Typology::FanOut => config.fan_out = None,
                        Typology::FanIn => config.fan_in = None,
                        Typology::Cycle => config.cycle = None,
                        Typology::ScatterGather => config.scatter_gather = None,
                        Typology::GatherScatter => config.gather_scatter = None,
                        Typology::Bipartite => config.bipartite = None,
                        Typology::RandomChain => config.chain = None,
                    }
                }
            }
            retention = retention.max(config.retention());
            Some(GraphEngine::new(config))
        } else {
            None
        };
        let n = pack.scenarios.len();
        let provenance = format!("{} vigia-monitor {}", pack.version, env!("CARGO_PKG_VERSION"));
        let mut monitor = Monitor {
            options,
            accounts: Interner::default(),
            keys: Interner::default(),
            values: Interner::default(),
            profiles: Profiles::default(),
            windows,
            stateless,
            screenings,
            proximity,
            graph,
            graph_scenarios,
            screener: None,
            screen_cache: FxHashMap::default(),
            institution_memo: FxHashMap::default(),
            txlog: TxLog::default(),
            watermark: i64::MIN,
            seq: 0,
            retention,
            sweep_cursor: 0,
            stats: Stats { alerts: vec![0; n], suppressed: vec![0; n], ..Stats::default() },
            key_buf: String::new(),
            totals_scratch: Vec::new(),
            float_scratch: Vec::new(),
            aux_scratch: Vec::new(),
            fifo: VecDeque::new(),
            detections: Vec::new(),
            keys_scratch: Vec::new(),
            thresholds: [f64::NAN; 16],
            matched: String::new(),
            provenance,
            pack,
        };
        monitor.seed_proximity();
        monitor
    }

    /// The pack in use.
    pub fn pack(&self) -> &Pack {
        &self.pack
    }

    /// Scenario indexes that run in this engine.
    pub fn running(&self) -> Vec<usize> {
        let mut v: Vec<usize> = self.windows.iter().map(|w| w.scenario).collect();
        v.extend(&self.stateless);
        v.extend(&self.screenings);
        v.extend(self.proximity.as_ref().map(|p| p.scenario));
        v.extend(self.graph_scenarios.iter().flatten());
        v.sort_unstable();
        v
    }

    /// Sets the screener used by screening scenarios (E2). Without one,
    /// they do nothing.
    pub fn set_screener(&mut self, screener: Box<dyn PartyScreener>) {
        self.screener = Some(screener);
    }

    /// Adds account profiles (later ones for the same account win).
    pub fn add_profiles(&mut self, profiles: &[AccountProfile]) {
        for p in profiles {
            let id = self.accounts.intern(&p.account);
            let mut flags = 0u64;
            for f in &p.flags {
                if let Some(bit) = self.pack.flag_bit(f) {
                    flags |= 1 << bit;
                }
            }
            self.profiles.list.push(Profile {
                customer: p.customer.clone().filter(|c| !c.is_empty()),
                name: p.name.clone(),
                kind: p.kind,
                home_state: p.home_state.as_ref().map(|s| s.trim().to_uppercase()),
                flags,
            });
            if self.profiles.of.len() <= id as usize {
                self.profiles.of.resize(id as usize + 1, 0);
            }
            self.profiles.of[id as usize] = self.profiles.list.len() as u32;
        }
    }

    /// Counters so far.
    pub fn stats(&self) -> Stats {
        let mut s = self.stats.clone();
        s.states = self.windows.iter().map(|w| w.states.len()).sum();
        s.events =
            self.windows.iter().flat_map(|w| w.states.values()).map(|st| st.events().len()).sum();
        s.overflow =
            self.windows.iter().flat_map(|w| w.states.values()).map(|st| st.overflow).sum();
        s.evidence_ids = self.txlog.len();
        s.accounts = self.accounts.names.len();
        s
    }

    /// The graph engine's counters, when graph scenarios run.
    pub fn graph_stats(&self) -> Option<crate::graph::GraphStats> {
        self.graph.as_ref().map(GraphEngine::stats)
    }

    fn seed_proximity(&mut self) {
        let Some(p) = &self.proximity else { return };
        let Some(list) = p.spec.seeds else { return };
        let accounts: Vec<String> =
            self.pack.reference.account_lists[list].accounts.keys().cloned().collect();
        for a in accounts {
            let id = self.accounts.intern(&a);
            if let Some(p) = &mut self.proximity {
                p.hops.insert(id, (0, i64::MAX, id));
            }
        }
    }

    /// Processes one transaction, appending any alerts to `alerts`.
    /// Fails only when the amount cannot be converted to USD.
    pub fn process(&mut self, tx: &Transaction, alerts: &mut Vec<Alert>) -> Result<()> {
        self.process_staged(tx, alerts, &mut |_| {})
    }

    /// [`Monitor::process`], calling `stage` after each stage (for timing).
    pub fn process_staged(
        &mut self,
        tx: &Transaction,
        alerts: &mut Vec<Alert>,
        stage: &mut impl FnMut(Stage),
    ) -> Result<()> {
        let time = tx.timestamp;
        let currency = tx.currency.as_str();
        let rate = self
            .pack
            .reference
            .fx
            .usd_rate(currency, time)
            .ok_or_else(|| Error::Currency(currency.to_string()))?;
        if !tx.amount.is_finite() || tx.amount < 0.0 {
            return Err(Error::Amount(tx.amount.to_string()));
        }
        let usd = tx.amount * rate;
        let seq = self.seq;
        self.seq += 1;
        self.stats.transactions += 1;
        self.txlog.push(&tx.id, time);
        let late = self.watermark != i64::MIN
            && time < self.watermark.saturating_sub(self.options.lateness);
        if late {
            self.stats.late += 1;
        } else {
            self.watermark = self.watermark.max(time);
        }
        let originator = nonempty_account(&tx.originator).map(|a| self.accounts.intern(a));
        let beneficiary = nonempty_account(&tx.beneficiary).map(|a| self.accounts.intern(a));
        let ctx = Ctx {
            tx,
            seq,
            time,
            usd,
            cents: (usd * 100.0).round() as i64,
            originator,
            beneficiary,
        };
        stage(Stage::Prepared);

        for k in 0..self.stateless.len() {
            let s = self.stateless[k];
            self.run_stateless(s, &ctx, alerts);
        }
        if !late {
            for w in 0..self.windows.len() {
                self.run_window(w, &ctx, alerts);
            }
        }
        for k in 0..self.screenings.len() {
            let s = self.screenings[k];
            self.run_screening(s, &ctx, alerts);
        }
        if !late && self.proximity.is_some() {
            self.run_proximity(&ctx, alerts);
        }
        stage(Stage::Rules);
        if !late && self.graph.is_some() {
            self.run_graph(&ctx, alerts);
        }
        stage(Stage::Graph);
        // Every `sweep_every` transactions each unit has been swept once.
        let units = self.windows.len() as u64 + 1;
        if self.seq.is_multiple_of((self.options.sweep_every / units).max(1)) {
            let unit = self.sweep_cursor;
            self.sweep_cursor = (self.sweep_cursor + 1) % units as usize;
            self.sweep_unit(unit);
        }
        Ok(())
    }

    /// Drops idle window states and old evidence ids.
    pub fn sweep(&mut self) {
        for unit in 0..=self.windows.len() {
            self.sweep_unit(unit);
        }
    }

    /// Sweeps one unit: a window scenario's states, or (the last unit)
    /// proximity state and evidence ids. Sweeping one unit at a time keeps
    /// each pause short (O(states of one scenario)).
    fn sweep_unit(&mut self, unit: usize) {
        let watermark = self.watermark;
        if watermark == i64::MIN {
            return;
        }
        let lateness = self.options.lateness;
        if let Some(run) = self.windows.get_mut(unit) {
            let scenario = &self.pack.scenarios[run.scenario];
            let from = run.clock.retain_from(watermark, lateness);
            let layout = scenario.layout;
            // A state with a baseline ring lives while its ring still holds
            // a day inside the baseline, even with no event in the window.
            let baseline_day = (watermark - scenario.baseline_days as i64 * DAY).div_euclid(DAY);
            run.states.retain(|_, st| {
                st.evict_before(&layout, from);
                !st.is_empty()
                    || st.open_until >= watermark
                    || st.days.as_ref().is_some_and(|d| d.newest_day() >= baseline_day)
            });
            return;
        }
        if let Some(p) = &mut self.proximity {
            let from = watermark - p.spec.window;
            p.exposure.retain(|_, q| {
                while q.front().is_some_and(|e| e.0 < from) {
                    q.pop_front();
                }
                !q.is_empty()
            });
            p.hops.retain(|_, h| h.1 >= watermark);
            p.open_until.retain(|_, t| *t >= watermark);
        }
        self.txlog.prune(watermark.saturating_sub(self.retention + lateness));
    }

    // ------------------------------------------------------------ fields

    fn side_party(tx: &Transaction, side: Side, dir: Direction) -> Option<(&Party, bool)> {
        let originator = match (side, dir) {
            (Side::Originator, _)
            | (Side::Subject, Direction::Out)
            | (Side::Counterparty, Direction::In) => true,
            (Side::Beneficiary, _)
            | (Side::Subject, Direction::In)
            | (Side::Counterparty, Direction::Out) => false,
            (_, Direction::None) => return None,
        };
        Some(if originator { (&tx.originator, true) } else { (&tx.beneficiary, false) })
    }

    fn side_account(ctx: &Ctx<'_>, side: Side, dir: Direction) -> Option<AccountId> {
        let (_, originator) = Monitor::side_party(ctx.tx, side, dir)?;
        if originator { ctx.originator } else { ctx.beneficiary }
    }

    // ----------------------------------------------------------- filters

    fn resolve_thresholds(&mut self, s: usize, time: i64) {
        let scenario = &self.pack.scenarios[s];
        for (k, t) in scenario.thresholds.iter().enumerate().take(16) {
            self.thresholds[k] = self.pack.reference.thresholds[*t].at(time).unwrap_or(f64::NAN);
        }
    }

    fn institution_match(&mut self, list: usize, ctx: &Ctx<'_>) -> Option<u16> {
        let tx = ctx.tx;
        let candidates = [
            tx.originator.institution.as_deref(),
            tx.beneficiary.institution.as_deref(),
            Some(tx.originator.account.as_str()),
            Some(tx.beneficiary.account.as_str()),
        ];
        let reference = &self.pack.reference.institution_lists[list];
        let memo = &mut self.institution_memo;
        let mut lookup = |text: &str| -> Option<u16> {
            let text = text.trim();
            if text.is_empty() {
                return None;
            }
            if let Some(hit) = memo.get(text) {
                return *hit;
            }
            // Bound the memo: institution strings are few, but account
            // numbers are not; forget everything rather than grow forever.
            if memo.len() > 1_000_000 {
                memo.clear();
            }
            let hit = reference.resolve(text).map(|i| i as u16);
            memo.insert(text.into(), hit);
            hit
        };
        for c in
            candidates.into_iter().flatten().chain(tx.intermediaries.iter().map(String::as_str))
        {
            if let Some(i) = lookup(c)
                && reference.institutions[i as usize].in_force.contains(ctx.time)
            {
                return Some(i);
            }
        }
        None
    }

    #[allow(clippy::too_many_lines)]
    fn passes(&mut self, s: usize, filter: &Filter, ctx: &Ctx<'_>, dir: Direction) -> bool {
        let tx = ctx.tx;
        if !channel_accepted(filter.channels, tx.channel) {
            return false;
        }
        if let Some(d) = filter.direction
            && d != dir
        {
            return false;
        }
        if let Some(e) = &filter.amount {
            let _ = s;
            let v = Values { aggregates: &[], amount: ctx.usd, thresholds: &self.thresholds };
            if !e.holds(&v) {
                return false;
            }
        }
        for (side, set, negate) in &filter.countries {
            let c = Monitor::side_party(tx, *side, dir).and_then(|(p, _)| nonempty(&p.country));
            let inside = c.is_some_and(|c| set.contains(c));
            if inside == *negate {
                return false;
            }
        }
        for (locus, g) in &filter.geographies {
            let geo = &self.pack.reference.geographies[*g];
            let hit = match locus {
                Locus::Place => tx.place.as_ref().is_some_and(|p| {
                    geo.contains(
                        ctx.time,
                        nonempty(&p.zip),
                        nonempty(&p.county),
                        nonempty(&p.state),
                    )
                }),
                Locus::Party(side) => match Monitor::side_party(tx, *side, dir) {
                    None => false,
                    Some((p, _)) => {
                        let home = self
                            .profiles
                            .get(Monitor::side_account(ctx, *side, dir))
                            .and_then(|pr| pr.home_state.as_deref());
                        geo.contains(ctx.time, nonempty(&p.zip), None, nonempty(&p.state).or(home))
                    }
                },
            };
            if !hit {
                return false;
            }
        }
        if let Some(list) = filter.institution_list {
            match self.institution_match(list, ctx) {
                Some(i) => {
                    let inst =
                        &self.pack.reference.institution_lists[list].institutions[i as usize];
                    self.matched.clear();
                    self.matched.push_str(&inst.name);
                }
                None => return false,
            }
        }
        if filter.subject_flags != 0
            || filter.not_subject_flags != 0
            || filter.subject_kind.is_some()
        {
            let p = self.profiles.get(Monitor::side_account(ctx, Side::Subject, dir));
            let flags = p.map_or(0, |p| p.flags);
            if filter.subject_flags != 0 && flags & filter.subject_flags == 0 {
                return false;
            }
            if flags & filter.not_subject_flags != 0 {
                return false;
            }
            if let Some(kind) = filter.subject_kind
                && p.map(|p| p.kind) != Some(kind)
            {
                return false;
            }
        }
        if filter.counterparty_flags != 0 {
            let flags = self
                .profiles
                .get(Monitor::side_account(ctx, Side::Counterparty, dir))
                .map_or(0, |p| p.flags);
            let listed = filter
                .counterparty_list
                .is_some_and(|l| self.listed(l, ctx, Side::Counterparty, dir));
            if flags & filter.counterparty_flags == 0 && !listed {
                return false;
            }
        } else if let Some(l) = filter.counterparty_list
            && !self.listed(l, ctx, Side::Counterparty, dir)
        {
            return false;
        }
        if let Some(l) = filter.subject_list
            && !self.listed(l, ctx, Side::Subject, dir)
        {
            return false;
        }
        if !filter.text_contains.is_empty() {
            let Some(text) = nonempty(&tx.text) else { return false };
            let found = filter.text_contains.iter().any(|needle| {
                text.as_bytes()
                    .windows(needle.len())
                    .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
            });
            if !found {
                return false;
            }
        }
        if let Some(want) = filter.third_party {
            let depositor = nonempty(&tx.conductor)
                .or_else(|| nonempty(&tx.originator.name))
                .or_else(|| nonempty(&tx.originator.customer));
            let subject = Monitor::side_party(tx, Side::Subject, dir).map(|(p, _)| p);
            let profile = self.profiles.get(Monitor::side_account(ctx, Side::Subject, dir));
            let holder = subject
                .and_then(|p| nonempty(&p.name))
                .or_else(|| profile.and_then(|p| p.name.as_deref()));
            let holder_customer = subject
                .and_then(|p| nonempty(&p.customer))
                .or_else(|| profile.and_then(|p| p.customer.as_deref()));
            let third = match depositor {
                None => false,
                Some(d) => {
                    !holder.is_some_and(|h| h.eq_ignore_ascii_case(d))
                        && !holder_customer.is_some_and(|h| h.eq_ignore_ascii_case(d))
                }
            };
            if third != want {
                return false;
            }
        }
        if let Some(want) = filter.outside_home_state {
            let place_state = tx.place.as_ref().and_then(|p| nonempty(&p.state));
            let home = self
                .profiles
                .get(Monitor::side_account(ctx, Side::Subject, dir))
                .and_then(|p| p.home_state.as_deref())
                .or_else(|| {
                    Monitor::side_party(tx, Side::Subject, dir)
                        .and_then(|(p, _)| nonempty(&p.state))
                });
            let outside =
                matches!((place_state, home), (Some(p), Some(h)) if !p.eq_ignore_ascii_case(h));
            if outside != want {
                return false;
            }
        }
        if let Some(want) = filter.cross_border {
            let cross = matches!((nonempty(&tx.originator.country), nonempty(&tx.beneficiary.country)), (Some(a), Some(b)) if !a.eq_ignore_ascii_case(b));
            if cross != want {
                return false;
            }
        }
        true
    }

    fn listed(&self, list: usize, ctx: &Ctx<'_>, side: Side, dir: Direction) -> bool {
        let Some((p, _)) = Monitor::side_party(ctx.tx, side, dir) else { return false };
        self.pack.reference.account_lists[list]
            .accounts
            .get(p.account.trim())
            .is_some_and(|span| span.contains(ctx.time))
    }

    // ---------------------------------------------------------- windows

    /// The grouping keys of a transaction for a scenario, with directions.
    fn keys_of(&mut self, s: usize, ctx: &Ctx<'_>) {
        // Borrow the key out of the pack for the duration (no clone: this
        // runs for every transaction and scenario).
        let spec = std::mem::replace(&mut self.pack.scenarios[s].key, KeySpec::Account);
        self.keys_of_spec(s, &spec, ctx);
        self.pack.scenarios[s].key = spec;
    }

    fn keys_of_spec(&mut self, s: usize, spec: &KeySpec, ctx: &Ctx<'_>) {
        self.keys_scratch.clear();
        let key = spec.clone_shallow();
        let self_transfer = ctx.originator.is_some() && ctx.originator == ctx.beneficiary;
        match key {
            KeyRef::Account => {
                if self_transfer {
                    return;
                }
                if let Some(a) = ctx.originator {
                    self.keys_scratch.push((a, Direction::Out));
                }
                if let Some(a) = ctx.beneficiary {
                    self.keys_scratch.push((a, Direction::In));
                }
            }
            KeyRef::Customer => {
                if self_transfer {
                    return;
                }
                for (side, dir) in
                    [(Side::Originator, Direction::Out), (Side::Beneficiary, Direction::In)]
                {
                    // Only parties with an account are customers: the
                    // walk-in depositor of a cash deposit is not "cashing
                    // out" (the conductor is the CTR's business, not a
                    // second customer day).
                    let account =
                        if side == Side::Originator { ctx.originator } else { ctx.beneficiary };
                    if account.is_none() {
                        continue;
                    }
                    let mut buf = std::mem::take(&mut self.key_buf);
                    buf.clear();
                    if let Some(c) =
                        field_value(&self.profiles, ctx, Field::Customer(side), Direction::None)
                    {
                        buf.push_str(c);
                    }
                    if !buf.is_empty() {
                        let id = self.keys.intern(&buf);
                        // Two accounts of one customer: a transfer between
                        // them is internal, not a flow.
                        if self.keys_scratch.iter().any(|(k, _)| *k == id) {
                            self.keys_scratch.clear();
                            self.key_buf = buf;
                            return;
                        }
                        self.keys_scratch.push((id, dir));
                    }
                    self.key_buf = buf;
                }
            }
            KeyRef::Fields(n) => {
                let KeySpec::Fields(fields) = spec else { return };
                let dir = side_direction(fields);
                // A per-transaction check never drops a transaction for a
                // missing key part (E1 must see every transfer).
                let lenient = matches!(self.pack.scenarios[s].window, WindowKind::Transaction);
                let mut buf = std::mem::take(&mut self.key_buf);
                buf.clear();
                let mut complete = true;
                for (i, f) in fields.iter().enumerate().take(n) {
                    match field_value(&self.profiles, ctx, *f, Direction::None) {
                        Some(v) => {
                            if i > 0 {
                                buf.push_str(" / ");
                            }
                            buf.push_str(v);
                        }
                        None if lenient => {
                            if i > 0 {
                                buf.push_str(" / ");
                            }
                            buf.push('-');
                        }
                        None => complete = false,
                    }
                }
                if complete {
                    let id = match fields.as_slice() {
                        [Field::Account(Side::Originator)] if ctx.originator.is_some() => {
                            ctx.originator
                        }
                        [Field::Account(Side::Beneficiary)] if ctx.beneficiary.is_some() => {
                            ctx.beneficiary
                        }
                        [Field::Account(_)] => None,
                        _ => Some(self.keys.intern(&buf)),
                    };
                    if let Some(id) = id {
                        self.keys_scratch.push((id, dir));
                    }
                }
                self.key_buf = buf;
            }
            KeyRef::Each => {
                let KeySpec::Each(fields) = spec else { return };
                let dir = side_direction(fields);
                for &f in fields {
                    let mut buf = std::mem::take(&mut self.key_buf);
                    buf.clear();
                    if let Some(v) = field_value(&self.profiles, ctx, f, Direction::None) {
                        buf.push_str(field_label(f));
                        buf.push(' ');
                        buf.push_str(v);
                        let id = self.keys.intern(&buf);
                        self.keys_scratch.push((id, dir));
                    }
                    self.key_buf = buf;
                }
            }
        }
    }

    fn subject_name(&self, s: usize, key: u32) -> String {
        match &self.pack.scenarios[s].key {
            KeySpec::Account => self.accounts.name(key).to_string(),
            KeySpec::Fields(f) if matches!(f.as_slice(), [Field::Account(_)]) => {
                self.accounts.name(key).to_string()
            }
            _ => self.keys.name(key).to_string(),
        }
    }

    fn run_stateless(&mut self, s: usize, ctx: &Ctx<'_>, alerts: &mut Vec<Alert>) {
        let scenario = &self.pack.scenarios[s];
        if !scenario.effective.contains(ctx.time)
            || !channel_accepted(scenario.filter.channels, ctx.tx.channel)
        {
            return;
        }
        self.resolve_thresholds(s, ctx.time);
        self.keys_of(s, ctx);
        let keys = std::mem::take(&mut self.keys_scratch);
        for &(key, dir) in &keys {
            let filter = std::mem::take(&mut self.pack.scenarios[s].filter);
            let ok = self.passes(s, &filter, ctx, dir);
            self.pack.scenarios[s].filter = filter;
            if !ok {
                continue;
            }
            // One event: every aggregate sees just this transaction.
            let mut values = [0.0f64; MAX_AGGREGATES];
            let scenario = &self.pack.scenarios[s];
            for (i, a) in scenario.aggregates.iter().enumerate() {
                values[i] = match a.function {
                    Function::Count | Function::Distinct(..) => 1.0,
                    Function::Sum | Function::Min | Function::Max | Function::Mean => ctx.usd,
                    _ => 0.0,
                };
            }
            let v = Values {
                aggregates: &values[..scenario.aggregates.len()],
                amount: ctx.usd,
                thresholds: &self.thresholds,
            };
            if !scenario.condition.holds(&v) {
                continue;
            }
            let subject = self.subject_name(s, key);
            let alert = self.build_alert(
                s,
                ctx,
                &subject,
                dir,
                &[ctx.seq],
                ctx.time,
                ctx.time,
                &values,
                ctx.usd,
                None,
            );
            alerts.push(alert);
            self.stats.alerts[s] += 1;
        }
        self.keys_scratch = keys;
    }

    fn run_window(&mut self, w: usize, ctx: &Ctx<'_>, alerts: &mut Vec<Alert>) {
        let s = self.windows[w].scenario;
        {
            let scenario = &self.pack.scenarios[s];
            if !scenario.effective.contains(ctx.time)
                || !channel_accepted(scenario.filter.channels, ctx.tx.channel)
            {
                return;
            }
        }
        self.resolve_thresholds(s, ctx.time);
        let filter = std::mem::take(&mut self.pack.scenarios[s].filter);
        let sided = filter.is_sided();
        let unsided_ok = sided || self.passes(s, &filter, ctx, Direction::None);
        if !unsided_ok {
            self.pack.scenarios[s].filter = filter;
            return;
        }
        self.keys_of(s, ctx);
        let keys = std::mem::take(&mut self.keys_scratch);
        for &(key, dir) in &keys {
            if sided && !self.passes(s, &filter, ctx, dir) {
                continue;
            }
            self.window_event(w, s, key, dir, ctx, alerts);
        }
        self.keys_scratch = keys;
        self.pack.scenarios[s].filter = filter;
    }

    #[allow(clippy::too_many_lines)]
    fn window_event(
        &mut self,
        w: usize,
        s: usize,
        key: u32,
        dir: Direction,
        ctx: &Ctx<'_>,
        alerts: &mut Vec<Alert>,
    ) {
        // The event: aggregate filters and distinct values.
        let aggregates = std::mem::take(&mut self.pack.scenarios[s].aggregates);
        let mut event = Event {
            time: ctx.time,
            cents: ctx.cents,
            seq: ctx.seq,
            aux: [u32::MAX; 3],
            mask: 0,
            direction: dir,
        };
        for (i, a) in aggregates.iter().enumerate() {
            if !self.passes(s, &a.filter, ctx, dir) {
                continue;
            }
            if let Function::Distinct(field, slot) = a.function {
                match field_value(&self.profiles, ctx, field, dir) {
                    Some(v) => event.aux[slot as usize] = self.values.intern(v),
                    None => continue,
                }
            }
            event.mask |= 1 << i;
        }
        let scenario = &self.pack.scenarios[s];
        // An event no aggregate counts can neither change a total nor
        // complete a pattern: keep it out of the state (most of a 30-day
        // account history, for scenarios that count only some flows).
        if event.mask == 0 && !aggregates.is_empty() && scenario.baseline_days == 0 {
            self.pack.scenarios[s].aggregates = aggregates;
            return;
        }
        let layout = scenario.layout;
        let cap = scenario.max_events_per_key;
        let baseline_days = scenario.baseline_days;
        let lateness = self.options.lateness;
        let watermark = self.watermark;
        let run = &mut self.windows[w];
        let retain_from = run.clock.retain_from(watermark, lateness);
        let start = run.clock.start(ctx.time);
        let last_shared = run.clock.last_shared(ctx.time);
        let state = run.states.entry(key).or_default();
        state.evict_before(&layout, retain_from);
        state.insert(&layout, event, cap);
        if baseline_days > 0 {
            state
                .days
                .get_or_insert_with(|| Box::new(DayRing::new(baseline_days)))
                .add(ctx.time, ctx.cents);
        }
        let totals = state.totals(&layout, start, ctx.time, &mut self.totals_scratch);
        let mut values = [0.0f64; MAX_AGGREGATES];
        for (i, a) in aggregates.iter().enumerate() {
            values[i] = aggregate_value(
                a,
                i,
                state,
                &totals,
                start,
                ctx.time,
                &mut self.aux_scratch,
                &mut self.float_scratch,
                &mut self.fifo,
            );
        }
        let n_aggregates = aggregates.len();
        self.pack.scenarios[s].aggregates = aggregates;
        let scenario = &self.pack.scenarios[s];
        let v = Values {
            aggregates: &values[..n_aggregates],
            amount: ctx.usd,
            thresholds: &self.thresholds,
        };
        if !scenario.condition.holds(&v) {
            return;
        }
        if ctx.time <= state.open_until {
            self.stats.suppressed[s] += 1;
            return;
        }
        // Evidence: the window's events accepted by the evidence aggregates.
        let mask = scenario.evidence_mask;
        let mut evidence: Vec<u64> = Vec::new();
        let (mut from, mut to, mut total_cents, mut n) = (i64::MAX, i64::MIN, 0i64, 0usize);
        for e in state.events().range(totals.lo..totals.hi) {
            if mask == u16::MAX || e.mask & mask != 0 {
                evidence.push(e.seq);
                from = from.min(e.time);
                to = to.max(e.time);
                total_cents += e.cents;
                n += 1;
            }
        }
        if evidence.is_empty() {
            evidence.push(ctx.seq);
            from = ctx.time;
            to = ctx.time;
            total_cents = ctx.cents;
            n = 1;
        }
        state.open_until = last_shared.max(to);
        let _ = start;
        let max = self.options.max_evidence.max(1);
        if evidence.len() > max {
            evidence.drain(..evidence.len() - max);
        }
        let subject = self.subject_name(s, key);
        let mut alert = self.build_alert(
            s,
            ctx,
            &subject,
            dir,
            &evidence,
            from,
            to,
            &values,
            total_cents as f64 / 100.0,
            None,
        );
        alert.metrics.insert("evidence_transactions".into(), n as f64);
        alerts.push(alert);
        self.stats.alerts[s] += 1;
    }

    #[allow(clippy::too_many_arguments)]
    fn build_alert(
        &self,
        s: usize,
        ctx: &Ctx<'_>,
        subject: &str,
        dir: Direction,
        evidence: &[u64],
        from: i64,
        to: i64,
        values: &[f64],
        amount: f64,
        matched: Option<&str>,
    ) -> Alert {
        let scenario = &self.pack.scenarios[s];
        let n = scenario.aggregates.len();
        let transactions: Vec<String> =
            evidence.iter().map(|seq| self.txlog.get(*seq).to_string()).collect();
        let mut hash = Fnv::new();
        hash.write(scenario.id.as_bytes());
        hash.write(subject.as_bytes());
        hash.write(transactions.first().map_or("", String::as_str).as_bytes());
        let place = ctx
            .tx
            .place
            .as_ref()
            .and_then(|p| nonempty(&p.id).or_else(|| nonempty(&p.zip)))
            .unwrap_or("");
        let counterparty = Monitor::side_party(ctx.tx, Side::Counterparty, dir)
            .map(|(p, _)| nonempty(&p.name).unwrap_or(p.account.as_str()))
            .unwrap_or("");
        let matched = matched.unwrap_or(self.matched.as_str());
        let date = rfc3339(ctx.time).get(..10).unwrap_or("").to_string();
        let shown = Shown {
            subject,
            amount: ctx.usd,
            channel: ctx.tx.channel.as_str(),
            place,
            counterparty,
            matched,
            date,
        };
        let thresholds = &self.thresholds[..scenario.thresholds.len().min(16)];
        let explanation = render(
            &scenario.explanation,
            scenario,
            &values[..n.min(values.len())],
            thresholds,
            &shown,
        );
        let v = Values { aggregates: &values[..n.min(values.len())], amount: ctx.usd, thresholds };
        let score = scenario
            .score
            .as_ref()
            .map_or(severity_score(scenario.severity), |e| e.eval(&v))
            .clamp(0.0, 1.0);
        let score = if score.is_nan() { severity_score(scenario.severity) } else { score };
        let mut metrics = std::collections::BTreeMap::new();
        for (a, value) in scenario.aggregates.iter().zip(values) {
            metrics.insert(a.name.clone(), (*value * 100.0).round() / 100.0);
        }
        let mut key_terms = scenario.key_terms.clone();
        if let Some(list) = scenario.filter.institution_list
            && let Some(inst) = self.pack.reference.institution_lists[list]
                .institutions
                .iter()
                .find(|i| i.name == matched)
            && let Some(term) = &inst.key_term
            && !key_terms.contains(term)
        {
            key_terms.push(term.clone());
        }
        Alert {
            id: format!("{}-{:016x}", scenario.id, hash.finish()),
            scenario: scenario.id.clone(),
            typology: scenario.typology.clone(),
            kind: scenario.kind,
            severity: scenario.severity,
            score: (score * 1000.0).round() / 1000.0,
            subjects: vec![subject.to_string()],
            transactions,
            from: rfc3339(from),
            to: rfc3339(to),
            explanation,
            key_terms,
            amount: Some((amount * 100.0).round() / 100.0),
            metrics,
            provenance: Some(self.provenance.clone()),
        }
    }

    // -------------------------------------------------------- screening

    fn run_screening(&mut self, s: usize, ctx: &Ctx<'_>, alerts: &mut Vec<Alert>) {
        let Detector::Screening(spec) = &self.pack.scenarios[s].detector else { return };
        let spec: ScreeningSpec = spec.clone();
        if self.screener.is_none() || !self.pack.scenarios[s].effective.contains(ctx.time) {
            return;
        }
        self.resolve_thresholds(s, ctx.time);
        let filter = std::mem::take(&mut self.pack.scenarios[s].filter);
        let ok = self.passes(s, &filter, ctx, Direction::None);
        self.pack.scenarios[s].filter = filter;
        if !ok {
            return;
        }
        for field in &spec.fields {
            let Some(name) = field_value(&self.profiles, ctx, *field, Direction::None) else {
                continue;
            };
            let side = field_side(*field);
            let country = side.and_then(|side| {
                Monitor::side_party(ctx.tx, side, Direction::None)
                    .and_then(|(p, _)| nonempty(&p.country))
            });
            let hit = match self.screen_cache.get(name) {
                Some(hit) => hit.clone(),
                None => {
                    let hit = self.screener.as_ref().and_then(|sc| sc.screen(name, country));
                    self.stats.screened += 1;
                    if self.screen_cache.len() > 1_000_000 {
                        self.screen_cache.clear();
                    }
                    self.screen_cache.insert(name.into(), hit.clone());
                    hit
                }
            };
            let Some(hit) = hit else { continue };
            if hit.score < spec.min_score {
                continue;
            }
            if !spec.topics.is_empty()
                && !hit.topics.iter().any(|t| spec.topics.iter().any(|w| w.eq_ignore_ascii_case(t)))
            {
                continue;
            }
            let (account, dir) = match side {
                Some(Side::Originator) => (ctx.originator, Direction::Out),
                Some(Side::Beneficiary) => (ctx.beneficiary, Direction::In),
                _ => (None, Direction::None),
            };
            let subject =
                account.map_or_else(|| name.to_string(), |a| self.accounts.name(a).to_string());
            let matched = format!(
                "{} ({}, score {:.2}{})",
                hit.caption,
                hit.entity_id,
                hit.score,
                if hit.topics.is_empty() {
                    String::new()
                } else {
                    format!(", {}", hit.topics.join(", "))
                }
            );
            let mut alert = self.build_alert(
                s,
                ctx,
                &subject,
                dir,
                &[ctx.seq],
                ctx.time,
                ctx.time,
                &[],
                ctx.usd,
                Some(&matched),
            );
            alert.metrics.insert("screening_score".into(), hit.score);
            if !alert.subjects.iter().any(|s| s == name) {
                alert.subjects.push(name.to_string());
            }
            alerts.push(alert);
            self.stats.alerts[s] += 1;
            // A blocked party seeds network proximity (E3).
            if let (Some(p), Some(a)) = (&mut self.proximity, account) {
                p.hops.insert(a, (0, i64::MAX, a));
            }
        }
    }

    // -------------------------------------------------------- proximity

    fn run_proximity(&mut self, ctx: &Ctx<'_>, alerts: &mut Vec<Alert>) {
        let (Some(u), Some(v)) = (ctx.originator, ctx.beneficiary) else { return };
        if u == v {
            return;
        }
        let Some(p) = &mut self.proximity else { return };
        let s = p.scenario;
        if !self.pack.scenarios[s].effective.contains(ctx.time) {
            return;
        }
        let mut raised: Vec<(u32, u8, u32, u32, i64)> = Vec::new();
        for (a, b) in [(u, v), (v, u)] {
            let Some(&(hop_b, until_b, root)) = p.hops.get(&b) else { continue };
            if until_b < ctx.time || hop_b >= p.spec.max_hops {
                continue;
            }
            let q = p.exposure.entry(a).or_default();
            q.push_back((ctx.time, hop_b, ctx.cents, b));
            let from = ctx.time - p.spec.window;
            while q.front().is_some_and(|e| e.0 < from) {
                q.pop_front();
            }
            // The lowest hop level whose exposure reaches the minimum.
            let mut best: Option<u8> = None;
            for level in 0..p.spec.max_hops {
                let total: i64 = q.iter().filter(|e| e.1 <= level).map(|e| e.2).sum();
                if total as f64 / 100.0 >= p.spec.min_value {
                    best = Some(level);
                    break;
                }
            }
            let Some(level) = best else { continue };
            let new_hop = level + 1;
            let current = p.hops.get(&a).copied();
            if current.is_some_and(|(h, until, _)| h <= new_hop && until >= ctx.time) {
                continue;
            }
            let exposure: i64 = q.iter().filter(|e| e.1 <= level).map(|e| e.2).sum();
            p.hops.insert(a, (new_hop, ctx.time + p.spec.window, root));
            if p.open_until.get(&a).is_some_and(|t| *t >= ctx.time) {
                self.stats.suppressed[s] += 1;
                continue;
            }
            p.open_until.insert(a, ctx.time + p.spec.window);
            raised.push((a, new_hop, b, root, exposure));
        }
        for (a, hop, via, root, exposure) in raised {
            let subject = self.accounts.name(a).to_string();
            let matched = format!(
                "{hop} hop{} from designated subject {} (via {}), {} exchanged with them in {}",
                if hop == 1 { "" } else { "s" },
                self.accounts.name(root),
                self.accounts.name(via),
                format_usd(exposure as f64 / 100.0),
                crate::window::format_duration(
                    self.proximity.as_ref().map_or(0, |p| p.spec.window)
                ),
            );
            let dir = if a == v { Direction::In } else { Direction::Out };
            let mut alert = self.build_alert(
                s,
                ctx,
                &subject,
                dir,
                &[ctx.seq],
                ctx.time,
                ctx.time,
                &[],
                exposure as f64 / 100.0,
                Some(&matched),
            );
            alert.subjects.push(self.accounts.name(root).to_string());
            alert.metrics.insert("hops".into(), f64::from(hop));
            alert.metrics.insert("exposure".into(), exposure as f64 / 100.0);
            alerts.push(alert);
            self.stats.alerts[s] += 1;
        }
    }

    // ------------------------------------------------------------ graph

    fn run_graph(&mut self, ctx: &Ctx<'_>, alerts: &mut Vec<Alert>) {
        let (Some(from), Some(to)) = (ctx.originator, ctx.beneficiary) else { return };
        if from == to {
            return;
        }
        let Some(graph) = &mut self.graph else { return };
        self.detections.clear();
        graph.observe(
            Edge { tx: ctx.seq, from, to, time: ctx.time, amount: ctx.usd },
            &mut self.detections,
        );
        let detections = std::mem::take(&mut self.detections);
        for d in &detections {
            let Some(s) = self.graph_scenarios[d.typology.index()] else { continue };
            if !self.pack.scenarios[s].effective.contains(ctx.time) {
                continue;
            }
            let subjects: Vec<String> =
                d.accounts.iter().map(|a| self.accounts.name(*a).to_string()).collect();
            let subject = subjects.first().cloned().unwrap_or_default();
            let max = self.options.max_evidence.max(1);
            let edges =
                if d.edges.len() > max { &d.edges[d.edges.len() - max..] } else { &d.edges[..] };
            let mut alert = self.build_alert(
                s,
                ctx,
                &subject,
                Direction::None,
                edges,
                d.from,
                d.to,
                &[],
                d.amount,
                Some(&d.detail),
            );
            let mut hash = Fnv::new();
            hash.write(alert.scenario.as_bytes());
            for a in &subjects {
                hash.write(a.as_bytes());
            }
            hash.write(self.txlog.get(d.edges.first().copied().unwrap_or(ctx.seq)).as_bytes());
            alert.id = format!("{}-{:016x}", alert.scenario, hash.finish());
            alert.subjects = subjects;
            alert.metrics.insert("size".into(), f64::from(d.size));
            alert.metrics.insert("accounts".into(), d.accounts.len() as f64);
            if d.capped {
                alert.metrics.insert("capped".into(), 1.0);
            }
            alerts.push(alert);
            self.stats.alerts[s] += 1;
        }
        self.detections = detections;
    }
}

/// A field of the current transaction, resolved for a direction.
fn field_value<'a>(
    profiles: &'a Profiles,
    ctx: &'a Ctx<'a>,
    field: Field,
    dir: Direction,
) -> Option<&'a str> {
    let tx = ctx.tx;
    let party = |side: Side| Monitor::side_party(tx, side, dir).map(|(p, _)| p);
    match field {
        Field::Account(s) => party(s).map(|p| p.account.trim()).filter(|a| !a.is_empty()),
        Field::Customer(s) => {
            let p = party(s)?;
            nonempty(&p.customer)
                .or_else(|| {
                    profiles
                        .get(Monitor::side_account(ctx, s, dir))
                        .and_then(|pr| pr.customer.as_deref())
                })
                .or_else(|| Some(p.account.trim()).filter(|a| !a.is_empty()))
                .or_else(|| nonempty(&p.name))
        }
        Field::Name(s) => party(s).and_then(|p| nonempty(&p.name)),
        Field::Institution(s) => party(s).and_then(|p| nonempty(&p.institution)),
        Field::Country(s) => party(s).and_then(|p| nonempty(&p.country)),
        Field::State(s) => party(s).and_then(|p| nonempty(&p.state)),
        Field::Region(s) => {
            party(s).and_then(|p| nonempty(&p.state).or_else(|| nonempty(&p.country)))
        }
        Field::Zip(s) => party(s).and_then(|p| nonempty(&p.zip)),
        Field::Address(s) => party(s).and_then(|p| nonempty(&p.address)),
        Field::IdNumber(s) => party(s).and_then(|p| nonempty(&p.id_number)),
        Field::Phone(s) => party(s).and_then(|p| nonempty(&p.phone)),
        Field::Device(s) => party(s).and_then(|p| nonempty(&p.device)),
        Field::Conductor => nonempty(&tx.conductor)
            .or_else(|| nonempty(&tx.originator.id_number))
            .or_else(|| nonempty(&tx.originator.name))
            .or_else(|| nonempty(&tx.originator.customer))
            .or_else(|| Some(tx.originator.account.trim()).filter(|a| !a.is_empty())),
        Field::PlaceId => tx.place.as_ref().and_then(|p| nonempty(&p.id)),
        Field::PlaceZip => tx.place.as_ref().and_then(|p| nonempty(&p.zip)),
        Field::PlaceCounty => tx.place.as_ref().and_then(|p| nonempty(&p.county)),
        Field::PlaceState => tx.place.as_ref().and_then(|p| nonempty(&p.state)),
        Field::PlaceCountry => tx.place.as_ref().and_then(|p| nonempty(&p.country)),
        Field::Channel => Some(tx.channel.as_str()),
        Field::Currency => Some(tx.currency.as_str()),
    }
}

/// A cheap copy of a key's shape (so the key can be read while `self` is
/// borrowed mutably).
enum KeyRef {
    Account,
    Customer,
    Fields(usize),
    Each,
}

impl KeySpec {
    fn clone_shallow(&self) -> KeyRef {
        match self {
            KeySpec::Account => KeyRef::Account,
            KeySpec::Customer => KeyRef::Customer,
            KeySpec::Fields(f) => KeyRef::Fields(f.len()),
            KeySpec::Each(_) => KeyRef::Each,
        }
    }
}

fn field_side(f: Field) -> Option<Side> {
    match f {
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
        | Field::Device(s) => Some(s),
        _ => None,
    }
}

/// The direction a one-sided key implies.
fn side_direction(fields: &[Field]) -> Direction {
    if fields.iter().all(|f| field_side(*f) == Some(Side::Originator)) {
        Direction::Out
    } else if fields.iter().all(|f| field_side(*f) == Some(Side::Beneficiary)) {
        Direction::In
    } else {
        Direction::None
    }
}

fn nonempty_account(p: &Party) -> Option<&str> {
    let a = p.account.trim();
    (!a.is_empty()).then_some(a)
}

/// The value of aggregate `i` over the window `[start, end]`.
#[allow(clippy::too_many_arguments)]
fn aggregate_value(
    a: &Aggregate,
    i: usize,
    state: &WindowState,
    totals: &crate::window::Totals,
    start: i64,
    end: i64,
    aux: &mut Vec<u32>,
    floats: &mut Vec<f64>,
    fifo: &mut VecDeque<(i64, i64)>,
) -> f64 {
    let bit = 1u16 << i;
    if a.is_running() {
        return match a.function {
            Function::Count => f64::from(totals.count[i]),
            Function::Sum => totals.cents[i] as f64 / 100.0,
            Function::Mean => {
                if totals.count[i] == 0 {
                    0.0
                } else {
                    totals.cents[i] as f64 / 100.0 / f64::from(totals.count[i])
                }
            }
            Function::Distinct(_, slot) => f64::from(totals.distinct[slot as usize]),
            Function::Forwarded(_) => totals.forwarded_cents as f64 / 100.0,
            // The balance is not floored at zero: an outflow of money that
            // arrived before the window lowers it (documented).
            Function::AverageBalance => {
                (totals.balance_area / (end - start + 1).max(1) as f64 / 100.0).max(0.0)
            }
            _ => 0.0,
        };
    }
    let (lo, hi) = match a.within {
        Some(w) => state.range((end - w + 1).max(start), end),
        None => (totals.lo, totals.hi),
    };
    let events = state.events().range(lo..hi).filter(|e| e.mask & bit != 0);
    match a.function {
        Function::Count => events.count() as f64,
        Function::Sum => events.map(|e| e.cents).sum::<i64>() as f64 / 100.0,
        Function::Mean => {
            let (n, sum) = events.fold((0i64, 0i64), |(n, s), e| (n + 1, s + e.cents));
            if n == 0 { 0.0 } else { sum as f64 / 100.0 / n as f64 }
        }
        Function::Min => events.map(|e| e.cents).min().map_or(0.0, |c| c as f64 / 100.0),
        Function::Max => events.map(|e| e.cents).max().map_or(0.0, |c| c as f64 / 100.0),
        Function::Distinct(_, slot) => {
            aux.clear();
            aux.extend(events.map(|e| e.aux[slot as usize]));
            aux.sort_unstable();
            aux.dedup();
            aux.len() as f64
        }
        Function::Forwarded(within) => {
            // First in, first out: each outflow consumes the oldest inflow
            // still within `within` of it.
            fifo.clear();
            let mut matched = 0i64;
            for e in events {
                match e.direction {
                    Direction::In => fifo.push_back((e.time, e.cents)),
                    Direction::Out => {
                        let mut need = e.cents;
                        while need > 0 {
                            let Some(front) = fifo.front_mut() else { break };
                            if front.0 < e.time - within {
                                fifo.pop_front();
                                continue;
                            }
                            let take = need.min(front.1);
                            front.1 -= take;
                            need -= take;
                            matched += take;
                            if front.1 == 0 {
                                fifo.pop_front();
                            }
                        }
                    }
                    Direction::None => {}
                }
            }
            matched as f64 / 100.0
        }
        Function::AverageBalance => {
            // Integrate the balance over time: each event changes it, and
            // it holds until the next event (or the window's end).
            let (mut balance, mut area, mut last) = (0i64, 0f64, start);
            for e in events {
                area += balance.max(0) as f64 * (e.time - last).max(0) as f64;
                last = e.time;
                match e.direction {
                    Direction::In => balance += e.cents,
                    Direction::Out => balance -= e.cents,
                    Direction::None => {}
                }
            }
            area += balance.max(0) as f64 * (end - last).max(0) as f64;
            let span = (end - start + 1).max(1) as f64;
            area / span / 100.0
        }
        Function::Baseline(statistic, measure) => {
            state.days.as_ref().map_or(0.0, |d| d.statistic(end, measure, statistic, floats))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_formats() {
        assert_eq!(format_usd(61_200.0), "$61,200");
        assert_eq!(format_usd(9_900.5), "$9,900.50");
        assert_eq!(format_usd(1_234_567.891), "$1,234,567.89");
        assert_eq!(format_usd(0.0), "$0");
        assert_eq!(format_value(0.724, Format::Percent), "72%");
        assert_eq!(format_value(12_000.4, Format::Integer), "12,000");
        assert_eq!(format_value(4.0, Format::Plain), "4");
    }

    #[test]
    fn txlog_resolves_and_prunes() {
        let mut log = TxLog::default();
        for i in 0..(CHUNK as i64 * 3) {
            log.push(&format!("t{i}"), i);
        }
        assert_eq!(log.get(0), "t0");
        assert_eq!(log.get(CHUNK as u64 + 5), format!("t{}", CHUNK + 5));
        log.prune(CHUNK as i64 + 10);
        assert_eq!(log.get(0), "");
        assert_eq!(log.get(CHUNK as u64 * 2 + 1), format!("t{}", CHUNK * 2 + 1));
    }
}
