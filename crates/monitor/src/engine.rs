//! The monitoring engine: transactions in, alerts out.
//!
//! For each transaction the engine converts the amount to USD and interns
//! the two accounts (dense ids), then:
//!
//! - window scenarios, by *family* (the scenarios that group by one key
//!   space: accounts, customers, conductors...): a prefilter of one AND
//!   (channel × in force) picks the family's scenarios that can apply; the
//!   transaction's keys in that space are computed once; for each key, each
//!   scenario's filter and aggregate filters are bitmask tests over the
//!   transaction's facts (see [`crate::facts`]); the key's shared state is
//!   touched once, with one event carrying every scenario's bits (see
//!   [`crate::state`]); then each scenario whose aggregates changed
//!   evaluates its condition, reading aggregates on demand;
//! - per-transaction scenarios (A2, E1): filter, condition, alert;
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
use std::ops::ControlFlow;

use jiff::Timestamp;
use rustc_hash::FxHashMap;
use vigia_model::calendar::civil_from_days;
use vigia_model::{Alert, AlertSeverity, Party, Transaction};

use crate::error::{Error, Result};
use crate::expr::{Condition, Expr, Operand, Operands, Polarity, ProfileValue, Values};
use crate::facts::{Atoms, Env, Facts, Profile, Profiles, Test, nonempty, side_party, trim};
use crate::figures::{GROUPED_LEN, grouped};
use crate::graph::{AccountId, Detection, Edge, GraphEngine, Typology};
use crate::intern::Interner;
use crate::profile::{AccountProfile, CustomerKind};
use crate::reference::{InForce, ReferenceData};
use crate::scenario::{
    Aggregate, Detector, Field, Fnv, Format, Function, KeySpec, Pack, Piece, Placeholder,
    ProximitySpec, Scenario, Side,
};
use crate::state::{FAMILY_BITS, Family, NewEvent, Range, Scratch, Slots};
use crate::window::{DAY, Direction, MAX_AGGREGATES, MAX_DISTINCT, WindowClock, WindowKind};

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

/// A party of a transaction to screen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PartyQuery<'a> {
    /// The name as written on the transaction.
    pub name: &'a str,
    /// The party's country, when the transaction or its profile gives one:
    /// evidence for or against a candidate.
    pub country: Option<&'a str>,
    /// `Some(true)` when the party is known to be a person (an individual
    /// customer, the conductor of a cash transaction), `Some(false)` when
    /// known to be an organisation, `None` when unknown (screen it as a
    /// legal entity, which matches people and organisations alike).
    pub person: Option<bool>,
    /// Hits scoring at least this are returned.
    pub threshold: f64,
}

/// Screens a party name in the transaction stream (E2). The CLI implements
/// it with the screening engine; tests use a double. `Send`, so that an
/// engine can run on a thread of its own.
pub trait PartyScreener: Send {
    /// The best hit for the party, if any reaches `query.threshold`.
    fn screen(&self, query: &PartyQuery<'_>) -> Option<ScreeningHit>;
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
    /// Transactions over which the incremental sweep visits every window
    /// state once (dropping what no window needs any more, giving idle
    /// keys' memory back). The sweep does a few keys per transaction, so it
    /// never pauses.
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
            sweep_every: 1 << 20,
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
    /// Events dropped because a key hit a scenario's per-key cap.
    pub overflow: u64,
    /// Keys holding window state.
    pub states: usize,
    /// Events held in window states (one per key and transaction, shared
    /// by the scenarios of the key's family).
    pub events: usize,
    /// Transaction ids held for evidence.
    pub evidence_ids: usize,
    /// Accounts interned.
    pub accounts: usize,
    /// Names screened (cache misses) and cached.
    pub screened: u64,
}

impl Stats {
    /// Adds the counters of an engine that ran the other part of the same
    /// scenarios over the same transactions (see [`Monitor::split_graph`]):
    /// the result is what one engine running all of them counts.
    pub fn absorb(&mut self, other: &Stats) {
        for (a, b) in self.alerts.iter_mut().zip(&other.alerts) {
            *a += b;
        }
        for (a, b) in self.suppressed.iter_mut().zip(&other.suppressed) {
            *a += b;
        }
        self.overflow += other.overflow;
        self.states += other.states;
        self.events += other.events;
        self.screened += other.screened;
        // Both saw every transaction and intern every account; each keeps
        // evidence ids for its own longest window, one engine for the
        // longer of the two.
        self.evidence_ids = self.evidence_ids.max(other.evidence_ids);
        self.accounts = self.accounts.max(other.accounts);
    }
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
    /// The incremental sweep of idle window state done (the end of the
    /// transaction).
    Swept,
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
                text: String::with_capacity(CHUNK * 12),
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

/// The key space of a family.
#[derive(Debug, Clone, PartialEq)]
enum Space {
    /// Interned accounts (the engine's account ids).
    Accounts,
    /// Customers (the party's customer id, else its profile's, else the
    /// account, else the name).
    Customers,
    /// A tuple of fields joined with ` / `, with the direction it implies.
    Fields(Vec<Field>, Direction),
    /// Each present field of a list, separately.
    Each(Vec<Field>, Direction),
}

/// A family's space without its field list (so the engine can borrow
/// itself while walking the fields).
#[derive(Debug, Clone, Copy)]
enum Shape {
    Accounts,
    Customers,
    Fields(Direction, usize),
    Each(Direction, usize),
}

impl Space {
    fn shape(&self) -> Shape {
        match self {
            Space::Accounts => Shape::Accounts,
            Space::Customers => Shape::Customers,
            Space::Fields(fields, dir) => Shape::Fields(*dir, fields.len()),
            Space::Each(fields, dir) => Shape::Each(*dir, fields.len()),
        }
    }

    /// How many keys of a transaction the look-ahead notes in this space
    /// (account ids need no note: the accounts are noted once for all).
    fn hint_count(&self) -> usize {
        match self {
            Space::Accounts => 0,
            Space::Customers => 2,
            Space::Fields(..) => 1,
            Space::Each(fields, _) => fields.len(),
        }
    }
}

/// Which of a transaction's keys in its family's space a scenario uses
/// (the discriminant indexes [`FamilyRun::by_rule`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// Both sides (accounts or customers), not a transfer to oneself.
    Both = 0,
    /// The originator side only (outflow).
    Out = 1,
    /// The beneficiary side only (inflow).
    In = 2,
    /// The family's single key (fields, each).
    Single = 3,
}

/// A window scenario as the engine runs it.
#[derive(Debug)]
struct Plan {
    scenario: usize,
    /// The scenario's filter (a copy, read with the plan).
    test: Test,
    clock: WindowClock,
    /// Distinct aggregates: (aggregate, field, slot).
    distinct: Vec<(usize, Field, usize)>,
    /// The aggregates' filters that have atoms, each distinct one once,
    /// with the bits of the aggregates that share it (a count and a sum
    /// over the same events have the same filter): one test per filter,
    /// not per aggregate.
    aggregate_tests: Vec<(Test, u32)>,
    /// The aggregates whose filter only a channel and a direction decide,
    /// by direction (`Direction as usize`) and channel (`Channel as
    /// usize`): one read instead of a test per filter, most aggregate
    /// filters being of this kind (`direction = "in", channels =
    /// ["cash"]`).
    routed: [[u32; 16]; 3],
    has_aggregates: bool,
    baseline: bool,
    /// Family bits of the evidence aggregates (or the participation bit).
    evidence: u32,
    /// Aggregate bits (unshifted) the condition reads.
    condition_aggs: u32,
    /// The condition cannot become true without a change to an aggregate
    /// it reads (it grows with them, and they only shrink as time passes):
    /// a scenario whose event leaves them unchanged need not evaluate it.
    skippable: bool,
    /// The condition, compiled for evaluation.
    condition: Condition,
    /// The fewest events the window must hold for the condition to hold
    /// ([`Condition::events_needed`]): with fewer, it is false without
    /// reading an aggregate.
    events_needed: u64,
    /// The conjuncts of a condition that is a chain of `and`s (empty
    /// otherwise), evaluated in order so that the first false one can be
    /// remembered: while it stays false the condition does.
    conjuncts: Vec<Conjunct>,
    /// Per-transaction cache: the window start and its transaction.
    start: i64,
    start_seq: u64,
}

/// One conjunct of a condition `a and b and ...`.
#[derive(Debug)]
struct Conjunct {
    condition: Condition,
    /// Aggregate bits (unshifted) it reads.
    aggs: u32,
    /// It cannot become true without a change to an aggregate it reads
    /// (as [`Plan::skippable`], for this conjunct alone).
    skippable: bool,
    /// As [`Plan::events_needed`], for this conjunct alone.
    events_needed: u64,
}

/// Remembers that scenario `j`'s condition is false on `key`, with its
/// first false conjunct `k` when that conjunct cannot turn true without a
/// change to what it reads (a later event that changes none of it then
/// skips the evaluation), or as plainly false otherwise.
#[inline(always)]
fn remember_false(
    state: &mut Family,
    key: u32,
    j: usize,
    conjuncts: &[Conjunct],
    k: Option<usize>,
) {
    match k {
        Some(k) if conjuncts.get(k).is_some_and(|c| c.skippable) => {
            state.set_failed_conjunct(key, j, k)
        }
        _ => state.set_last_held(key, j, false),
    }
}

/// A family and its per-transaction scratch.
#[derive(Debug)]
struct FamilyRun {
    space: Space,
    shape: Shape,
    state: Family,
    /// Keys of non-account spaces.
    names: Interner,
    /// Plan index of each scenario of the family.
    plans: Vec<usize>,
    /// Family scenarios accepting each channel.
    by_channel: [u32; 16],
    /// Family scenarios by the keys they use, indexed by [`Rule`]
    /// (`Both`, `Out`, `In`, `Single`): fixed by the pack, so not
    /// rebuilt per transaction.
    by_rule: [u32; 4],
    /// Where the family's keys start in [`Ahead::keys`].
    hint_base: usize,
    /// Family scenarios whose `effective` is not always.
    dated: u32,
    /// Retention start per scenario at the watermark `retain_watermark`.
    retain: Vec<i64>,
    retain_watermark: i64,
    /// The oldest of them at the watermark `min_watermark`.
    min_retain: i64,
    min_watermark: i64,
    /// The longest [`WindowClock::retention_span`] of the family's
    /// fixed-length windows, and the family's scenarios with a calendar
    /// window: what the oldest retention start is computed from.
    retain_span: Option<i64>,
    calendar: u32,
    /// Scratch per scenario: distinct values and aggregate bits.
    aux: Vec<[u32; MAX_DISTINCT]>,
    bits: Vec<u32>,
}

impl FamilyRun {
    /// The look-ahead's hint for a key of this family (`f`) as the
    /// interner answered: a key found is prefetched and noted in
    /// `touched` for the event buffers.
    fn note(&self, f: usize, key: Option<Option<u32>>, touched: &mut Vec<(u16, u32)>) -> Hint {
        match key {
            Some(Some(key)) => {
                touched.push((f as u16, key));
                self.state.prefetch(key);
                Hint::Key(key)
            }
            Some(None) => Hint::New,
            None => Hint::Absent,
        }
    }
}

/// A per-transaction scenario.
#[derive(Debug)]
struct Stateless {
    scenario: usize,
    /// The channels its filter accepts (0: every channel), tested before
    /// the call: most transactions are on a channel the pack's
    /// per-transaction scenarios pass over.
    channels: u16,
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
pub(crate) struct Ctx<'t> {
    pub(crate) tx: &'t Transaction,
    seq: u64,
    pub(crate) time: i64,
    pub(crate) usd: f64,
    cents: i64,
    pub(crate) originator: Option<AccountId>,
    pub(crate) beneficiary: Option<AccountId>,
}

/// Facts of the current transaction and what they need.
#[derive(Debug, Default)]
struct Derive {
    atoms: Atoms,
    facts: Facts,
    /// Pack thresholds at the current time and the span each holds for.
    thresholds: Vec<f64>,
    spans: Vec<InForce>,
    /// Where every threshold holds its value: the intersection of
    /// `spans` (a transaction inside it refreshes nothing, with one test
    /// instead of one per threshold); `None` before the first refresh.
    unchanged: Option<InForce>,
    institutions: Institutions,
}

/// What is known of the institutions of the pack's institution lists:
/// memos across transactions, and the current transaction's answers.
#[derive(Debug, Default)]
pub(crate) struct Institutions {
    /// Per institution list: resolved identifiers by text.
    text: Vec<FxHashMap<Box<str>, Option<u16>>>,
    /// Per institution list, by account id: 0 unknown, 1 none, 2 + i.
    account: Vec<Vec<u16>>,
    /// Per institution list: this transaction's institution.
    hit: Vec<Option<Option<u16>>>,
}

impl Derive {
    fn refresh_thresholds(&mut self, reference: &ReferenceData, time: i64) {
        if self.unchanged.is_some_and(|span| span.contains(time)) {
            return;
        }
        for (i, t) in reference.thresholds.iter().enumerate() {
            if self.spans[i].contains(time) {
                continue;
            }
            // The value in force and the largest span around `time` where
            // it stays the same.
            let mut span = InForce::ALWAYS;
            let mut value = f64::NAN;
            for (s, v) in &t.values {
                if s.contains(time) {
                    value = *v;
                    span = *s;
                    break;
                }
                if s.until <= time {
                    span.from = span.from.max(s.until);
                } else if s.from > time {
                    span.until = span.until.min(s.from);
                }
            }
            self.thresholds[i] = value;
            self.spans[i] = span;
        }
        // Every span holds `time`, so their intersection does too.
        self.unchanged = Some(self.spans.iter().fold(InForce::ALWAYS, |all, s| InForce {
            from: all.from.max(s.from),
            until: all.until.min(s.until),
        }));
    }
}

impl Institutions {
    fn new(lists: usize) -> Institutions {
        Institutions {
            text: vec![FxHashMap::default(); lists],
            account: vec![Vec::new(); lists],
            hit: vec![None; lists],
        }
    }

    /// Forgets the previous transaction's answers (not the memos).
    fn next_transaction(&mut self) {
        self.hit.iter_mut().for_each(|h| *h = None);
    }

    /// The institution of `list` the current transaction involved, if it
    /// was asked for.
    fn found(&self, list: usize) -> Option<u16> {
        self.hit.get(list).copied().flatten().flatten()
    }

    /// The institution of `list` the transaction involves, if any.
    pub(crate) fn of(
        &mut self,
        list: usize,
        ctx: &Ctx<'_>,
        reference: &ReferenceData,
    ) -> Option<u16> {
        if let Some(found) = self.hit[list] {
            return found;
        }
        let found = self.resolve(list, ctx, reference);
        self.hit[list] = Some(found);
        found
    }

    /// [`Institutions::of`] not yet answered for this transaction: the
    /// parties' institutions, then their accounts, then the intermediaries.
    fn resolve(&mut self, list: usize, ctx: &Ctx<'_>, reference: &ReferenceData) -> Option<u16> {
        let tx = ctx.tx;
        let inst = &reference.institution_lists[list];
        let memo = &mut self.text[list];
        let mut lookup = |text: &str| -> Option<u16> {
            let text = trim(text);
            if text.is_empty() {
                return None;
            }
            if let Some(hit) = memo.get(text) {
                return *hit;
            }
            // Institution strings are few; bound the memo anyway.
            if memo.len() > 100_000 {
                memo.clear();
            }
            let hit = inst.resolve(text).map(|i| i as u16);
            memo.insert(text.into(), hit);
            hit
        };
        let in_force = |i: u16| inst.institutions[i as usize].in_force.contains(ctx.time);
        let mut found = None;
        for text in [tx.originator.institution.as_deref(), tx.beneficiary.institution.as_deref()]
            .into_iter()
            .flatten()
        {
            if let Some(i) = lookup(text).filter(|i| in_force(*i)) {
                found = Some(i);
                break;
            }
        }
        if found.is_none() {
            for (party, id) in
                [(&tx.originator, ctx.originator), (&tx.beneficiary, ctx.beneficiary)]
            {
                let hit = match id {
                    Some(a) => {
                        let memo = &mut self.account[list];
                        if memo.len() <= a as usize {
                            memo.resize(a as usize + 1, 0);
                        }
                        match memo[a as usize] {
                            0 => {
                                let hit = inst.resolve(trim(&party.account)).map(|i| i as u16);
                                memo[a as usize] = hit.map_or(1, |i| i + 2);
                                hit
                            }
                            1 => None,
                            i => Some(i - 2),
                        }
                    }
                    None => None,
                };
                if let Some(i) = hit.filter(|i| in_force(*i)) {
                    found = Some(i);
                    break;
                }
            }
        }
        if found.is_none() {
            for text in &tx.intermediaries {
                if let Some(i) = lookup(text).filter(|i| in_force(*i)) {
                    found = Some(i);
                    break;
                }
            }
        }
        found
    }
}

/// [`Plan::routed`]: the aggregates of `tests` that have no atoms, by
/// direction and channel, as [`passes`] answers them.
fn route_trivial_tests(tests: &[(Test, u32)]) -> [[u32; 16]; 3] {
    let mut routed = [[0u32; 16]; 3];
    for (test, aggregates) in tests.iter().filter(|(t, _)| t.trivial()) {
        for dir in [Direction::In, Direction::Out, Direction::None] {
            for channel in crate::scenario::CHANNELS {
                if admits(test, channel, dir) {
                    routed[dir as usize][channel as usize] |= aggregates;
                }
            }
        }
    }
    routed
}

/// Whether a filter's channels and direction admit a key of direction
/// `dir` on a transaction of `channel` (its atoms aside).
#[inline(always)]
fn admits(test: &Test, channel: vigia_model::Channel, dir: Direction) -> bool {
    crate::scenario::channel_accepted(test.channels, channel) && admits_direction(test, dir)
}

/// Whether a filter's direction admits a key of direction `dir`.
#[inline(always)]
fn admits_direction(test: &Test, dir: Direction) -> bool {
    test.direction.is_none_or(|want| want == dir)
}

/// Whether a compiled filter passes for a key of direction `dir`.
fn passes(
    d: &mut Derive,
    reference: &ReferenceData,
    profiles: &Profiles,
    ctx: &Ctx<'_>,
    test: &Test,
    dir: Direction,
) -> bool {
    if !admits(test, ctx.tx.channel, dir) {
        return false;
    }
    if test.trivial() {
        return true;
    }
    let Derive { atoms, facts, thresholds, institutions, .. } = d;
    let mut env = Env { ctx, reference, profiles, thresholds, institutions };
    facts.all(atoms, test.atoms, dir, &mut env)
}

/// [`passes`] for a transaction whose channel the filter accepts: its
/// direction, then its atoms in an environment the caller builds once for
/// all the tests of a key event.
#[inline(always)]
fn passes_past_channel(
    facts: &mut Facts,
    atoms: &Atoms,
    env: &mut Env<'_>,
    test: &Test,
    dir: Direction,
) -> bool {
    // `all` of no atoms is true at once.
    admits_direction(test, dir) && facts.all(atoms, test.atoms, dir, env)
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
    let mut out = String::with_capacity(24);
    push_rfc3339(&mut out, ms);
    out
}

/// The first millisecond of year 9999: below it (and from 1970) a time is
/// written by [`push_rfc3339`] itself, the rest by `jiff` (whose timestamps
/// end on the last days of 9999).
const YEAR_9999_MS: i64 = 253_370_764_800_000;

/// Appends `ms` as RFC 3339 UTC, as `jiff`'s `Timestamp` writes it (whole
/// seconds without a fraction, else the milliseconds without trailing
/// zeros). Alerts write three times each; formatting through `jiff` cost
/// about 700 instructions a time.
fn push_rfc3339(out: &mut String, ms: i64) {
    if !(0..YEAR_9999_MS).contains(&ms) {
        let text =
            Timestamp::from_millisecond(ms).map_or_else(|_| ms.to_string(), |t| t.to_string());
        out.push_str(&text);
        return;
    }
    let (days, ms_of_day) = (ms / 86_400_000, ms % 86_400_000);
    let (year, month, day) = civil_from_days(days);
    let (year, month, day) = (i64::from(year), i64::from(month), i64::from(day));
    let seconds = ms_of_day / 1000;
    let millis = ms_of_day % 1000;
    let mut text = *b"0000-00-00T00:00:00.000Z";
    let mut put = |at: usize, width: usize, mut value: i64| {
        for i in (at..at + width).rev() {
            text[i] = b'0' + (value % 10) as u8;
            value /= 10;
        }
    };
    put(0, 4, year);
    put(5, 2, month);
    put(8, 2, day);
    put(11, 2, seconds / 3600);
    put(14, 2, seconds / 60 % 60);
    put(17, 2, seconds % 60);
    put(20, 3, millis);
    let fraction = match millis {
        0 => 0,
        m if m % 100 == 0 => 2,
        m if m % 10 == 0 => 3,
        _ => 4,
    };
    let end = 19 + fraction;
    text[end] = b'Z';
    // The text is ASCII digits and separators: always UTF-8.
    out.push_str(std::str::from_utf8(&text[..=end]).unwrap_or_default());
}

/// An alert's id: the scenario's, a dash and the 16 hexadecimal digits of
/// its hash (as `format!("{scenario}-{hash:016x}")` writes it, without the
/// formatting machinery, which cost several hundred instructions an alert).
fn alert_id(scenario: &str, hash: u64) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut digits = [0u8; 16];
    for (i, d) in digits.iter_mut().enumerate() {
        *d = HEX[(hash >> (60 - 4 * i)) as usize & 15];
    }
    let mut id = String::with_capacity(scenario.len() + 17);
    id.push_str(scenario);
    id.push('-');
    // Hexadecimal digits are ASCII: always UTF-8.
    id.push_str(std::str::from_utf8(&digits).unwrap_or_default());
    id
}

/// Appends `n` with a comma between groups of three digits.
fn push_grouped(out: &mut String, n: u64) {
    out.push_str(grouped(n, &mut [0; GROUPED_LEN]));
}

/// `$61,200` or `$9,900.50`.
pub fn format_usd(v: f64) -> String {
    let mut out = String::new();
    push_usd(&mut out, v);
    out
}

fn push_usd(out: &mut String, v: f64) {
    if !v.is_finite() {
        out.push_str("n/a");
        return;
    }
    if v < 0.0 {
        out.push('-');
    }
    out.push('$');
    let cents = (v.abs() * 100.0).round() as u64;
    push_grouped(out, cents / 100);
    if !cents.is_multiple_of(100) {
        let c = cents % 100;
        out.push('.');
        out.push(char::from(b'0' + (c / 10) as u8));
        out.push(char::from(b'0' + (c % 10) as u8));
    }
}

#[cfg(test)]
fn format_value(v: f64, format: Format) -> String {
    let mut out = String::new();
    push_value(&mut out, v, format);
    out
}

/// Appends a value of an explanation in its format (written in place: an
/// alert's explanation holds several).
fn push_value(out: &mut String, v: f64, format: Format) {
    use std::fmt::Write as _;
    if !v.is_finite() {
        out.push_str("n/a");
        return;
    }
    // Writing into a `String` does not fail.
    let _ = match format {
        Format::Usd => {
            push_usd(out, v);
            Ok(())
        }
        Format::Percent => write!(out, "{}%", (v * 100.0).round() as i64),
        Format::Integer => {
            let r = v.round();
            if r < 0.0 {
                out.push('-');
                push_grouped(out, (-r) as u64);
            } else {
                push_grouped(out, r as u64);
            }
            Ok(())
        }
        Format::Plain => {
            if v.fract() == 0.0 && v.abs() < 1e15 {
                write!(out, "{}", v as i64)
            } else {
                write!(out, "{v:.2}")
            }
        }
    };
}

/// What is shown in an explanation besides aggregates and thresholds.
struct Shown<'a> {
    subject: &'a str,
    amount: f64,
    channel: &'a str,
    place: &'a str,
    counterparty: &'a str,
    matched: &'a str,
    date: &'a str,
}

fn render(
    pieces: &[Piece],
    scenario: &Scenario,
    aggregates: &[f64],
    thresholds: &[f64],
    shown: &Shown<'_>,
) -> String {
    // About the length of the pack's explanations: one allocation, not
    // several growths.
    let mut out = String::with_capacity(160);
    for piece in pieces {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Value(p, f) => match p {
                Placeholder::Aggregate(i) => {
                    push_value(&mut out, aggregates.get(*i as usize).copied().unwrap_or(0.0), *f)
                }
                Placeholder::Threshold(i) => push_value(
                    &mut out,
                    thresholds.get(*i as usize).copied().unwrap_or(f64::NAN),
                    *f,
                ),
                Placeholder::Amount => push_value(
                    &mut out,
                    shown.amount,
                    if *f == Format::Plain { Format::Usd } else { *f },
                ),
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
                Placeholder::Date => out.push_str(shown.date),
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

fn side_account(ctx: &Ctx<'_>, side: Side, dir: Direction) -> Option<AccountId> {
    let (_, originator) = side_party(ctx.tx, side, dir)?;
    if originator { ctx.originator } else { ctx.beneficiary }
}

/// A field of the current transaction, resolved for a direction.
/// Writes the key of a composite field space ("a / b / c") into `buf`;
/// false when one of the fields has no value (the transaction has no key
/// in that space).
fn composite_key(
    profiles: &Profiles,
    ctx: &Ctx<'_>,
    fields: impl Iterator<Item = Field>,
    buf: &mut String,
) -> bool {
    buf.clear();
    for (i, field) in fields.enumerate() {
        let Some(v) = field_value(profiles, ctx, field, Direction::None) else {
            return false;
        };
        if i > 0 {
            buf.push_str(" / ");
        }
        buf.push_str(v);
    }
    true
}

fn field_value<'a>(
    profiles: &'a Profiles,
    ctx: &'a Ctx<'a>,
    field: Field,
    dir: Direction,
) -> Option<&'a str> {
    let tx = ctx.tx;
    let party = |side: Side| side_party(tx, side, dir).map(|(p, _)| p);
    match field {
        Field::Account(s) => party(s).map(|p| trim(&p.account)).filter(|a| !a.is_empty()),
        Field::Customer(s) => {
            let p = party(s)?;
            nonempty(&p.customer)
                .or_else(|| {
                    profiles.get(side_account(ctx, s, dir)).and_then(|pr| pr.customer.as_deref())
                })
                .or_else(|| Some(trim(&p.account)).filter(|a| !a.is_empty()))
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
            .or_else(|| Some(trim(&tx.originator.account)).filter(|a| !a.is_empty())),
        Field::PlaceId => tx.place.as_ref().and_then(|p| nonempty(&p.id)),
        Field::PlaceZip => tx.place.as_ref().and_then(|p| nonempty(&p.zip)),
        Field::PlaceCounty => tx.place.as_ref().and_then(|p| nonempty(&p.county)),
        Field::PlaceState => tx.place.as_ref().and_then(|p| nonempty(&p.state)),
        Field::PlaceCountry => tx.place.as_ref().and_then(|p| nonempty(&p.country)),
        Field::Channel => Some(tx.channel.as_str()),
        Field::Currency => Some(tx.currency.as_str()),
    }
}

/// Whether a party field is certainly without a value on the transaction:
/// its text is not there at all (then [`field_value`] answers `None`
/// too). A quick test before that call, which matches the field again:
/// the fields of an `each` key (a phone, an id number, an address, a
/// device) are absent from most transactions, and the look-ahead asks for
/// each of them on every one.
#[inline]
fn surely_absent(tx: &Transaction, field: Field) -> bool {
    // The subject and the counterparty have no party without a direction.
    let missing = |side: Side, text: fn(&Party) -> &Option<String>| match side {
        Side::Originator => text(&tx.originator).is_none(),
        Side::Beneficiary => text(&tx.beneficiary).is_none(),
        _ => false,
    };
    match field {
        Field::Address(s) => missing(s, |p| &p.address),
        Field::IdNumber(s) => missing(s, |p| &p.id_number),
        Field::Phone(s) => missing(s, |p| &p.phone),
        Field::Device(s) => missing(s, |p| &p.device),
        Field::Name(s) => missing(s, |p| &p.name),
        Field::Zip(s) => missing(s, |p| &p.zip),
        _ => false,
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
    let a = trim(&p.account);
    (!a.is_empty()).then_some(a)
}

/// The key space and rule of a window scenario's `group_by`.
fn space_of(key: &KeySpec) -> (Space, Rule) {
    match key {
        KeySpec::Account => (Space::Accounts, Rule::Both),
        KeySpec::Customer => (Space::Customers, Rule::Both),
        KeySpec::Fields(f) => match f.as_slice() {
            [Field::Account(Side::Originator)] => (Space::Accounts, Rule::Out),
            [Field::Account(Side::Beneficiary)] => (Space::Accounts, Rule::In),
            [Field::Customer(Side::Originator)] => (Space::Customers, Rule::Out),
            [Field::Customer(Side::Beneficiary)] => (Space::Customers, Rule::In),
            _ => (Space::Fields(f.clone(), side_direction(f)), Rule::Single),
        },
        KeySpec::Each(f) => (Space::Each(f.clone(), side_direction(f)), Rule::Single),
    }
}

/// Which aggregates a condition reads, and whether it can be skipped when
/// none of them changed: it reads no amount, only aggregates that shrink
/// as time passes (counts, sums, distinct counts, forwarded amounts), each
/// only where a larger value makes it truer, and only thresholds that
/// never change.
fn condition_shape(s: &Scenario, condition: &Expr, reference: &ReferenceData) -> (u32, bool) {
    let mut aggs = 0u32;
    let mut ok = true;
    condition.polarity(&mut |operand, polarity| match operand {
        Operand::Aggregate(i) => {
            aggs |= 1 << i;
            let shrinking = s.aggregates.get(i as usize).is_some_and(|a| {
                matches!(
                    a.function,
                    Function::Count
                        | Function::Sum
                        | Function::Distinct(..)
                        | Function::Forwarded(_)
                )
            });
            if !shrinking || polarity != Polarity::Up {
                ok = false;
            }
        }
        Operand::Amount => ok = false,
        Operand::Threshold(t) => {
            let fixed = s
                .thresholds
                .get(t as usize)
                .and_then(|t| reference.thresholds.get(*t))
                .is_some_and(|t| t.values.len() == 1 && t.values[0].0 == InForce::ALWAYS);
            if !fixed {
                ok = false;
            }
        }
        Operand::Profile(_) => {}
    });
    (aggs, ok)
}

/// A key of a non-account family as the look-ahead found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hint {
    /// Interned already: the key.
    Key(u32),
    /// The transaction has a key there, not interned yet when looked at
    /// (the transaction itself or one before it interns it).
    New,
    /// The transaction has no key there (a field without a value).
    Absent,
    /// Not looked at yet (the look-ahead leaves the hints of a family the
    /// transaction's channel does not reach as they were: the
    /// transaction does not run that family).
    Unread,
}

/// Which key of a family a hint is for, from the family's
/// [`FamilyRun::hint_base`]: the two sides of a customer family, the one
/// key of a composite one; the key of field `i` of an `each` family is at
/// `i`.
const ROLE_OUT: usize = 0;
const ROLE_IN: usize = 1;
const ROLE_SINGLE: usize = 0;

/// What the look-ahead found for one coming transaction: the keys whose
/// states it read (for the event buffers one step later), and the keys of
/// non-account families, so that the transaction does not build and look
/// up the same strings again.
#[derive(Debug, Default)]
struct Ahead {
    /// (family, key) of every state read.
    touched: Vec<(u16, u32)>,
    /// The keys of the non-account families, each family's at its
    /// [`FamilyRun::hint_base`] (so that a family finds its own without a
    /// search).
    keys: Vec<Hint>,
    /// The two accounts' ids, when interned already.
    accounts: [Option<AccountId>; 2],
}

/// The monitoring engine. Feed transactions in event-time order (small
/// disorder within the lateness is fine) with [`Monitor::process`].
pub struct Monitor {
    pack: Pack,
    options: MonitorOptions,
    accounts: Interner,
    values: Interner,
    profiles: Profiles,
    derive: Derive,
    families: Vec<FamilyRun>,
    /// By channel, the families with a scenario accepting it, in family
    /// order (the look-ahead and the transaction visit only these, not
    /// every family to test its [`FamilyRun::by_channel`]).
    families_by_channel: [Vec<u16>; 16],
    plans: Vec<Plan>,
    stateless: Vec<Stateless>,
    screenings: Vec<usize>,
    proximity: Option<ProximityRun>,
    graph: Option<GraphEngine>,
    graph_scenarios: [Option<usize>; 7],
    screener: Option<Box<dyn PartyScreener>>,
    screen_cache: FxHashMap<Box<str>, Option<ScreeningHit>>,
    txlog: TxLog,
    watermark: i64,
    seq: u64,
    retention: i64,
    stats: Stats,
    /// Incremental sweep: (family, next key), keys swept so far.
    sweep_at: (usize, usize),
    swept: u128,
    // Scratch reused across transactions (no allocation per transaction
    // on the hot path).
    scratch: Scratch,
    /// The aggregate values an evaluation has computed ([`Lazy::known`]
    /// says which), kept here so that an evaluation does not clear an
    /// array first.
    aggregate_values: [f64; MAX_AGGREGATES],
    key_buf: String,
    /// What the look-ahead of [`Monitor::process_batch`] found for the
    /// transaction being processed and the next two (slot = index in the
    /// batch modulo 3).
    ahead: [Ahead; 3],
    /// The look-ahead slot of the transaction being processed, if the
    /// look-ahead read it.
    hint: Option<usize>,
    /// The hashes of the accounts of the batch's item `.0` (slot = index
    /// modulo 2), taken by [`Monitor::prefetch_slots`] for
    /// [`Monitor::prefetch_states`] one step later.
    account_hashes: [(usize, [Option<u32>; 2]); 2],
    detections: Vec<Detection>,
    thresholds: [f64; 16],
    matched: String,
    provenance: String,
}

impl Monitor {
    /// An engine running `pack`.
    pub fn new(pack: Pack, options: MonitorOptions) -> Monitor {
        let mut plans: Vec<Plan> = Vec::new();
        let mut families: Vec<FamilyRun> = Vec::new();
        // Per family under construction: its scenarios' layouts, scalars,
        // forwarded columns, extras and bits used.
        let mut building: Vec<(Vec<Slots>, usize, usize, usize, u32)> = Vec::new();
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
                        stateless.push(Stateless { scenario: i, channels: s.test.channels });
                        continue;
                    }
                    retention = retention.max(match &s.window {
                        WindowKind::Sliding { length } | WindowKind::Tumbling { length, .. } => {
                            *length
                        }
                        WindowKind::BusinessDay(_) => 4 * DAY,
                        WindowKind::Transaction => 0,
                    });
                    if s.baseline_days > 0 {
                        retention = retention.max(s.baseline_days as i64 * DAY);
                    }
                    let (space, rule) = space_of(&s.key);
                    let need = s.aggregates.len() as u32 + 1;
                    let f =
                        match families.iter().enumerate().position(|(k, f)| {
                            f.space == space && building[k].4 + need <= FAMILY_BITS
                        }) {
                            Some(f) => f,
                            None => {
                                families.push(FamilyRun {
                                    shape: space.shape(),
                                    space: space.clone(),
                                    state: Family::new(Vec::new(), 0, 0, 0),
                                    names: Interner::default(),
                                    plans: Vec::new(),
                                    by_channel: [0; 16],
                                    by_rule: [0; 4],
                                    hint_base: 0,
                                    dated: 0,
                                    retain: Vec::new(),
                                    retain_watermark: i64::MIN,
                                    min_retain: i64::MIN,
                                    min_watermark: i64::MIN,
                                    retain_span: None,
                                    calendar: 0,
                                    aux: Vec::new(),
                                    bits: Vec::new(),
                                });
                                building.push((Vec::new(), 0, 0, 0, 0));
                                families.len() - 1
                            }
                        };
                    let local = families[f].plans.len();
                    let b = &mut building[f];
                    let forwarded = usize::from(s.layout.forwarded.is_some());
                    let (mut slots, scalars) = Slots::new(
                        &s.aggregates,
                        &s.layout,
                        s.baseline_days,
                        s.max_events_per_key,
                        b.4,
                        b.1,
                        b.2,
                        &mut b.3,
                    );
                    slots.answer_from_running(&s.condition);
                    b.1 += scalars;
                    b.2 += forwarded;
                    b.4 += need;
                    let evidence = if s.evidence_mask == u16::MAX {
                        slots.part
                    } else {
                        u32::from(s.evidence_mask) << slots.shift
                    };
                    b.0.push(slots);
                    let (condition_aggs, skippable) =
                        condition_shape(s, &s.condition, &pack.reference);
                    // Counts of events and of distinct values are never
                    // above the number of events in the window.
                    let counted = |a: u8| {
                        s.aggregates.get(usize::from(a)).is_some_and(|a| {
                            matches!(a.function, Function::Count | Function::Distinct(..))
                        })
                    };
                    let mut conjuncts = Vec::new();
                    s.condition.conjuncts(&mut conjuncts);
                    let conjuncts = if conjuncts.len() > 1 {
                        conjuncts
                            .into_iter()
                            .map(|c| {
                                let (aggs, skippable) = condition_shape(s, c, &pack.reference);
                                let condition = Condition::of(c);
                                let events_needed = condition.events_needed(&counted);
                                Conjunct { condition, aggs, skippable, events_needed }
                            })
                            .collect()
                    } else {
                        Vec::new()
                    };
                    let distinct = s
                        .aggregates
                        .iter()
                        .enumerate()
                        .filter_map(|(a, agg)| match agg.function {
                            Function::Distinct(field, slot) => Some((a, field, usize::from(slot))),
                            _ => None,
                        })
                        .collect();
                    let mut aggregate_tests: Vec<(Test, u32)> = Vec::new();
                    for (a, agg) in s.aggregates.iter().enumerate() {
                        match aggregate_tests.iter_mut().find(|(t, _)| *t == agg.test) {
                            Some((_, bits)) => *bits |= 1 << a,
                            None => aggregate_tests.push((agg.test, 1 << a)),
                        }
                    }
                    let routed = route_trivial_tests(&aggregate_tests);
                    aggregate_tests.retain(|(t, _)| !t.trivial());
                    let condition = Condition::of(&s.condition);
                    plans.push(Plan {
                        scenario: i,
                        test: s.test,
                        clock: WindowClock::new(s.window.clone()),
                        distinct,
                        aggregate_tests,
                        routed,
                        has_aggregates: !s.aggregates.is_empty(),
                        baseline: s.baseline_days > 0,
                        evidence,
                        condition_aggs,
                        skippable,
                        events_needed: condition.events_needed(&counted),
                        condition,
                        conjuncts,
                        start: 0,
                        start_seq: u64::MAX,
                    });
                    let fam = &mut families[f];
                    fam.plans.push(plans.len() - 1);
                    fam.by_rule[rule as usize] |= 1 << local;
                    for c in 0..16u16 {
                        if s.test.channels == 0 || s.test.channels & (1 << c) != 0 {
                            fam.by_channel[usize::from(c)] |= 1 << local;
                        }
                    }
                    if s.effective != InForce::ALWAYS {
                        fam.dated |= 1 << local;
                    }
                    match plans[plans.len() - 1].clock.retention_span() {
                        Some(span) => {
                            fam.retain_span = Some(fam.retain_span.map_or(span, |s| s.max(span)))
                        }
                        None => fam.calendar |= 1 << local,
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
        let mut hints = 0;
        for (f, (slots, stride, forwarded, extras, _)) in building.into_iter().enumerate() {
            let fam = &mut families[f];
            fam.hint_base = hints;
            hints += fam.space.hint_count();
            let n = slots.len();
            fam.state = Family::new(slots, stride, forwarded, extras);
            fam.retain = vec![i64::MIN; n];
            fam.aux = vec![[u32::MAX; MAX_DISTINCT]; n];
            fam.bits = vec![0; n];
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
        let lists = pack.reference.institution_lists.len();
        let thresholds = pack.reference.thresholds.len();
        let derive = Derive {
            atoms: pack.atoms.clone(),
            facts: Facts::default(),
            thresholds: vec![f64::NAN; thresholds],
            spans: vec![InForce { from: 0, until: 0 }; thresholds],
            unchanged: None,
            institutions: Institutions::new(lists),
        };
        let provenance = format!("{} vigia-monitor {}", pack.version, env!("CARGO_PKG_VERSION"));
        let families_by_channel = std::array::from_fn(|c| {
            (0..families.len())
                .filter(|&f| families[f].by_channel[c] != 0)
                .map(|f| f as u16)
                .collect()
        });
        let mut monitor = Monitor {
            options,
            accounts: Interner::default(),
            values: Interner::default(),
            profiles: Profiles::default(),
            derive,
            families,
            families_by_channel,
            plans,
            stateless,
            screenings,
            proximity,
            graph,
            graph_scenarios,
            screener: None,
            screen_cache: FxHashMap::default(),
            txlog: TxLog::default(),
            watermark: i64::MIN,
            seq: 0,
            retention,
            stats: Stats { alerts: vec![0; n], suppressed: vec![0; n], ..Stats::default() },
            sweep_at: (0, 0),
            swept: 0,
            scratch: Scratch::default(),
            aggregate_values: [0.0; MAX_AGGREGATES],
            key_buf: String::new(),
            ahead: std::array::from_fn(|_| Ahead {
                keys: vec![Hint::Unread; hints],
                ..Ahead::default()
            }),
            hint: None,
            account_hashes: [(usize::MAX, [None; 2]); 2],
            detections: Vec::new(),
            thresholds: [f64::NAN; 16],
            matched: String::new(),
            provenance,
            pack,
        };
        monitor.seed_proximity();
        monitor
    }

    /// `pack` run as two engines: the graph typologies (G1–G7) in one and
    /// every other scenario in the other, so that the caller can run them
    /// on two threads. Fed the same transactions, the two raise the same
    /// alerts as one engine with `options` would: for each transaction,
    /// the first engine's alerts, then the graph engine's (one engine
    /// raises its graph alerts last), with the same ids and content; their
    /// [`Stats`] add up with [`Stats::absorb`]. The graph typologies read
    /// no window state, fact or screening result, only the two accounts,
    /// the time and the amount in USD, so nothing either engine decides
    /// depends on the other. Profiles and a screener go to both with
    /// [`Monitor::add_profiles`] and to the first with
    /// [`Monitor::set_screener`].
    ///
    /// Returns the first engine alone, with all the scenarios, when one
    /// side would run nothing.
    pub fn split_graph(pack: Pack, options: MonitorOptions) -> (Monitor, Option<Monitor>) {
        let whole = Monitor::new(pack, options);
        let (mut graph, mut rest) = (Vec::new(), Vec::new());
        for i in whole.running() {
            let s = &whole.pack.scenarios[i];
            if matches!(s.detector, Detector::Graph(_)) {
                graph.push(s.id.clone());
            } else {
                rest.push(s.id.clone());
            }
        }
        if graph.is_empty() || rest.is_empty() {
            return (whole, None);
        }
        let Monitor { pack, options, .. } = whole;
        let rules = Monitor::new(pack.clone(), MonitorOptions { only: rest, ..options.clone() });
        let graphs = Monitor::new(pack, MonitorOptions { only: graph, ..options });
        (rules, Some(graphs))
    }

    /// The pack in use.
    pub fn pack(&self) -> &Pack {
        &self.pack
    }

    /// Scenario indexes that run in this engine.
    pub fn running(&self) -> Vec<usize> {
        let mut v: Vec<usize> = self.plans.iter().map(|p| p.scenario).collect();
        v.extend(self.stateless.iter().map(|s| s.scenario));
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
            self.profiles.set(
                id,
                Profile {
                    customer: p.customer.clone().filter(|c| !c.is_empty()),
                    name: p.name.clone(),
                    kind: p.kind,
                    home_state: p.home_state.as_ref().map(|s| s.trim().to_uppercase()),
                    flags,
                    expected_cash: p.expected_monthly_cash.unwrap_or(0.0),
                    expected_volume: p.expected_monthly_volume.unwrap_or(0.0),
                },
            );
        }
    }

    /// Counters so far.
    pub fn stats(&self) -> Stats {
        let mut s = self.stats.clone();
        for f in &self.families {
            let (keys, events) = f.state.census();
            s.states += keys;
            s.events += events;
            s.overflow += f.state.overflow;
        }
        s.evidence_ids = self.txlog.len();
        s.accounts = self.accounts.len();
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
        // An id the look-ahead found is the id (ids are never taken back).
        let known = self.hint.map_or([None; 2], |h| self.ahead[h].accounts);
        let originator =
            known[0].or_else(|| nonempty_account(&tx.originator).map(|a| self.accounts.intern(a)));
        let beneficiary =
            known[1].or_else(|| nonempty_account(&tx.beneficiary).map(|a| self.accounts.intern(a)));
        let ctx = Ctx {
            tx,
            seq,
            time,
            usd,
            cents: (usd * 100.0).round() as i64,
            originator,
            beneficiary,
        };
        // The two accounts' profile records and their states in the
        // account families, prefetched together so that their misses
        // overlap (a no-op in cost when a batch's look-ahead fetched them).
        self.profiles.prefetch(originator);
        self.profiles.prefetch(beneficiary);
        if !late {
            for &f in &self.families_by_channel[tx.channel as usize & 15] {
                let fam = &self.families[usize::from(f)];
                if fam.space == Space::Accounts {
                    for id in [originator, beneficiary].into_iter().flatten() {
                        fam.state.prefetch(id);
                    }
                }
            }
        }
        self.derive.facts.reset();
        self.derive.institutions.next_transaction();
        self.derive.refresh_thresholds(&self.pack.reference, time);
        stage(Stage::Prepared);

        for k in 0..self.stateless.len() {
            if crate::scenario::channel_accepted(self.stateless[k].channels, tx.channel) {
                self.run_stateless(k, &ctx, alerts);
            }
        }
        if !late {
            let channel = tx.channel as usize & 15;
            for i in 0..self.families_by_channel[channel].len() {
                let f = usize::from(self.families_by_channel[channel][i]);
                self.run_family(f, &ctx, alerts);
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
        self.sweep_step();
        stage(Stage::Swept);
        Ok(())
    }

    /// Processes `txs` in order, exactly as [`Monitor::process`] on each
    /// (same alerts, same state), calling `on_error` with the index of a
    /// transaction that fails.
    ///
    /// Most of a transaction's cost is waiting for memory: the interner
    /// slots of its accounts, then each family's key state and scalars,
    /// then the event buffers those point to, one miss after another. With
    /// the next transactions in hand, the batch prefetches those lines
    /// ahead, one level per transaction (slots three transactions ahead,
    /// key states and the graph's account records two ahead, buffers and
    /// adjacency tails one ahead), so their misses overlap with each other
    /// and with the work on the current transaction (a prefetch does not
    /// wait for its line, ADR 0157). The look-ahead only reads; ids are
    /// assigned in stream order as before.
    pub fn process_batch(
        &mut self,
        txs: &[Transaction],
        alerts: &mut Vec<Alert>,
        on_error: &mut impl FnMut(usize, Error),
    ) {
        self.process_batch_staged(txs, alerts, on_error, &mut |_, _| {});
    }

    /// [`Monitor::process_batch`], calling `stage` with the index of the
    /// transaction after each of its stages (for timing; the look-ahead
    /// reads are part of the transaction's *prepared* stage).
    pub fn process_batch_staged(
        &mut self,
        txs: &[Transaction],
        alerts: &mut Vec<Alert>,
        on_error: &mut impl FnMut(usize, Error),
        stage: &mut impl FnMut(usize, Stage),
    ) {
        let _: ControlFlow<()> = self.look_ahead(txs, &|tx| tx, |monitor, i, tx| {
            if let Err(e) = monitor.process_staged(tx, alerts, &mut |s| stage(i, s)) {
                on_error(i, e);
            }
            ControlFlow::Continue(())
        });
    }

    /// [`Monitor::process_batch`] over items that hold a transaction (the
    /// CLI's read records), handing each transaction's outcome and alerts
    /// to `after` as soon as it is processed, which may stop the batch.
    pub fn process_each<T, B>(
        &mut self,
        items: &[T],
        tx_of: impl Fn(&T) -> &Transaction,
        alerts: &mut Vec<Alert>,
        mut after: impl FnMut(usize, Result<()>, &mut Vec<Alert>) -> ControlFlow<B>,
    ) -> ControlFlow<B> {
        self.look_ahead(items, &tx_of, |monitor, i, tx| {
            let outcome = monitor.process(tx, alerts);
            after(i, outcome, alerts)
        })
    }

    /// Runs `each` on the items in order, reading ahead the memory the
    /// coming transactions will touch (see [`Monitor::process_batch`]).
    fn look_ahead<T, B>(
        &mut self,
        items: &[T],
        tx_of: &impl Fn(&T) -> &Transaction,
        mut each: impl FnMut(&mut Monitor, usize, &Transaction) -> ControlFlow<B>,
    ) -> ControlFlow<B> {
        for (i, item) in items.iter().enumerate() {
            if let Some(t) = items.get(i + 3) {
                self.account_hashes[(i + 3) % 2] = (i + 3, self.prefetch_slots(tx_of(t)));
            }
            if let Some(t) = items.get(i + 2) {
                // The accounts' hashes from the step before, when it took them.
                let (item, hashes) = self.account_hashes[(i + 2) % 2];
                let hashes = (item == i + 2).then_some(hashes);
                self.prefetch_states(tx_of(t), (i + 2) % 3, hashes);
            }
            if i >= 1 && i + 1 < items.len() {
                self.prefetch_events((i + 1) % 3);
            }
            // Item i was looked at two steps ago (items 0 and 1 were not).
            self.hint = (i >= 2).then_some(i % 3);
            let flow = each(self, i, tx_of(item));
            self.hint = None;
            flow?;
        }
        ControlFlow::Continue(())
    }

    /// Prefetches the interner slots of a coming transaction's accounts;
    /// returns their hashes (for [`Monitor::prefetch_states`] one step
    /// later).
    fn prefetch_slots(&self, tx: &Transaction) -> [Option<u32>; 2] {
        // Called twice rather than mapped over an array (see
        // `prefetch_states`).
        let hash = |party: &Party| {
            let h = Interner::hash_of(nonempty_account(party)?);
            self.accounts.prefetch_hashed(h);
            Some(h)
        };
        [hash(&tx.originator), hash(&tx.beneficiary)]
    }

    /// Prefetches the event buffers of the keys [`Monitor::prefetch_states`]
    /// noted in look-ahead slot `slot`, and the adjacency tails of its two
    /// accounts.
    fn prefetch_events(&self, slot: usize) {
        let noted = &self.ahead[slot];
        for &(f, key) in &noted.touched {
            self.families[usize::from(f)].state.prefetch_events(key);
        }
        if let (Some(graph), [Some(from), Some(to)]) = (&self.graph, noted.accounts) {
            graph.prefetch_adjacency(from, to);
        }
    }

    /// Prefetches the key states a coming transaction will touch in the
    /// families its channel reaches (and its accounts' graph records), and
    /// notes in look-ahead slot `slot` the keys found (for
    /// [`Monitor::prefetch_events`]) and the keys of the
    /// non-account families, found or not (for the transaction itself, see
    /// [`Monitor::hinted_key`]). Keys not interned yet are not read;
    /// nothing the engine decides on is written.
    ///
    /// The hints stay right until the transaction is processed: ids are
    /// never taken back, and a key this look-up does not find is looked
    /// up again then. An account not interned yet has no profile (adding
    /// profiles interns their accounts), so the customer key found here
    /// without its id is the one the transaction will build.
    fn prefetch_states(&mut self, tx: &Transaction, slot: usize, hashes: Option<[Option<u32>; 2]>) {
        let Monitor {
            accounts,
            profiles,
            graph,
            families,
            families_by_channel,
            ahead,
            key_buf: buf,
            ..
        } = self;
        // Called twice rather than mapped over an array, which the
        // compiler may leave as a loop over a draining iterator (20M
        // instructions more at 100,000 transactions in one build).
        let account = |party: &Party, i: usize| {
            let a = nonempty_account(party)?;
            match hashes.and_then(|h| h[i]) {
                Some(h) => accounts.get_hashed(a, h),
                None => accounts.get(a),
            }
        };
        let (originator, beneficiary) = (account(&tx.originator, 0), account(&tx.beneficiary, 1));
        let ctx =
            Ctx { tx, seq: 0, time: tx.timestamp, usd: 0.0, cents: 0, originator, beneficiary };
        profiles.prefetch(originator);
        profiles.prefetch(beneficiary);
        if let (Some(graph), Some(from), Some(to)) = (&*graph, originator, beneficiary) {
            graph.prefetch_accounts(from, to);
        }
        let Ahead { touched, keys, accounts: noted_accounts } = &mut ahead[slot];
        touched.clear();
        *noted_accounts = [originator, beneficiary];
        let channel = tx.channel as usize & 15;
        // A family the channel does not reach keeps stale hints: the
        // transaction does not run it, so never reads them.
        for &f in &families_by_channel[channel] {
            let fam = &families[usize::from(f)];
            let f = usize::from(f);
            let hints = &mut keys[fam.hint_base..];
            match &fam.space {
                Space::Accounts => {
                    for id in [originator, beneficiary].into_iter().flatten() {
                        touched.push((f as u16, id));
                        fam.state.prefetch(id);
                    }
                }
                Space::Customers => {
                    for (side, role) in [(Side::Originator, ROLE_OUT), (Side::Beneficiary, ROLE_IN)]
                    {
                        let v = field_value(profiles, &ctx, Field::Customer(side), Direction::None);
                        hints[role] = fam.note(f, v.map(|v| fam.names.get(v)), touched);
                    }
                }
                Space::Fields(fields, _) => {
                    let complete = composite_key(profiles, &ctx, fields.iter().copied(), buf);
                    hints[ROLE_SINGLE] = fam.note(f, complete.then(|| fam.names.get(buf)), touched);
                }
                Space::Each(fields, _) => {
                    for (i, field) in fields.iter().enumerate() {
                        if surely_absent(tx, *field) {
                            hints[i] = Hint::Absent;
                            continue;
                        }
                        let v = field_value(profiles, &ctx, *field, Direction::None);
                        let key = v.map(|v| {
                            buf.clear();
                            buf.push_str(field_label(*field));
                            buf.push(' ');
                            buf.push_str(v);
                            fam.names.get(buf)
                        });
                        hints[i] = fam.note(f, key, touched);
                    }
                }
            }
        }
    }

    /// What the look-ahead found for key `role` of family `f` of the
    /// transaction being processed: `Some(Some(key))` a key,
    /// `Some(None)` no key there, `None` unknown (look it up).
    fn hinted_key(&self, f: usize, role: usize) -> Option<Option<u32>> {
        match self.ahead[self.hint?].keys[self.families[f].hint_base + role] {
            Hint::Key(key) => Some(Some(key)),
            Hint::Absent => Some(None),
            Hint::New | Hint::Unread => None,
        }
    }

    /// Sweeps every window state now (see [`MonitorOptions::sweep_every`]
    /// for the incremental sweep that runs anyway).
    pub fn sweep(&mut self) {
        for f in 0..self.families.len() {
            for key in 0..self.families[f].state.key_count() {
                self.sweep_key(f, key as u32);
            }
        }
        self.sweep_rest();
    }

    /// The incremental sweep: a few keys per transaction, so that every
    /// key is visited once per `sweep_every` transactions.
    fn sweep_step(&mut self) {
        let total: usize = self.families.iter().map(|f| f.state.key_count()).sum();
        if total > 0 {
            let every = u128::from(self.options.sweep_every.max(1));
            let due = u128::from(self.seq) * total as u128 / every;
            let mut budget = due.saturating_sub(self.swept).min(total as u128);
            self.swept = self.swept.max(due.saturating_sub(total as u128));
            while budget > 0 {
                let (f, key) = self.sweep_at;
                if f >= self.families.len() {
                    self.sweep_at = (0, 0);
                    continue;
                }
                if key >= self.families[f].state.key_count() {
                    self.sweep_at = (f + 1, 0);
                    continue;
                }
                self.sweep_key(f, key as u32);
                self.sweep_at = (f, key + 1);
                self.swept += 1;
                budget -= 1;
            }
        }
        if self.seq.is_multiple_of(1 << 16) {
            self.sweep_rest();
        }
    }

    /// The family's retention starts at the current watermark: they
    /// depend on nothing else, so they are computed again only when it
    /// has moved (not for an event behind it, nor for a second event at
    /// the same time).
    fn family_retain(&mut self, f: usize) {
        let watermark = self.watermark;
        let fam = &mut self.families[f];
        if fam.retain_watermark == watermark {
            return;
        }
        fam.retain_watermark = watermark;
        let mut min = i64::MAX;
        for (j, &p) in fam.plans.iter().enumerate() {
            let r = self.plans[p].clock.retain_from(self.watermark, self.options.lateness);
            fam.retain[j] = r;
            min = min.min(r);
        }
        fam.min_retain = min;
        fam.min_watermark = watermark;
    }

    /// The oldest of the family's retention starts ([`Monitor::family_retain`])
    /// without the others, which only an eviction reads: the fixed-length
    /// windows' oldest is the longest one's, so only the calendar windows
    /// are looked at one by one.
    #[inline(always)]
    fn family_min_retain(&mut self, f: usize) -> i64 {
        let watermark = self.watermark;
        let lateness = self.options.lateness;
        let fam = &mut self.families[f];
        if fam.min_watermark == watermark {
            return fam.min_retain;
        }
        let mut min =
            fam.retain_span.map_or(i64::MAX, |span| watermark.saturating_sub(lateness) - span);
        let mut rest = fam.calendar;
        while rest != 0 {
            let j = rest.trailing_zeros() as usize;
            rest &= rest - 1;
            min = min.min(self.plans[fam.plans[j]].clock.retain_from(watermark, lateness));
        }
        fam.min_retain = min;
        fam.min_watermark = watermark;
        min
    }

    /// Drops what every scenario of family `f` has left behind on `key`
    /// (see [`Family::evict_old`]). Nearly always nothing is that old: the
    /// oldest retention start alone answers that, and each scenario's is
    /// computed only when something is.
    // Inlined into both callers, with the oldest start's memo: the usual
    // outcome is a load and two comparisons, cheaper than a call.
    #[inline(always)]
    fn evict(&mut self, f: usize, key: u32) {
        let min_retain = self.family_min_retain(f);
        if self.families[f].state.holds_before(key, min_retain) {
            self.family_retain(f);
            let fam = &mut self.families[f];
            debug_assert_eq!(fam.min_retain, min_retain, "the oldest start, however computed");
            fam.state.evict_old(key, &fam.retain, fam.min_retain);
        }
    }

    fn sweep_key(&mut self, f: usize, key: u32) {
        if self.watermark == i64::MIN {
            return;
        }
        self.evict(f, key);
        let watermark = self.watermark;
        let fam = &mut self.families[f];
        if fam.state.idle(key, watermark) {
            fam.state.release(key);
        }
    }

    /// Proximity state and evidence ids.
    fn sweep_rest(&mut self) {
        let watermark = self.watermark;
        if watermark == i64::MIN {
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
        self.txlog.prune(watermark.saturating_sub(self.retention + self.options.lateness));
    }

    fn resolve_thresholds(&mut self, s: usize) {
        let scenario = &self.pack.scenarios[s];
        for (k, t) in scenario.thresholds.iter().enumerate().take(16) {
            self.thresholds[k] = self.derive.thresholds.get(*t).copied().unwrap_or(f64::NAN);
        }
    }

    // ---------------------------------------------------------- windows

    /// The customer key of one side: the party's customer, else its
    /// profile's, else its account, else its name.
    fn customer_key(&mut self, f: usize, ctx: &Ctx<'_>, side: Side) -> Option<u32> {
        let role = if side == Side::Originator { ROLE_OUT } else { ROLE_IN };
        if let Some(hint) = self.hinted_key(f, role) {
            return hint;
        }
        let v = field_value(&self.profiles, ctx, Field::Customer(side), Direction::None)?;
        Some(self.families[f].names.intern(v))
    }

    /// Runs one family's scenarios on the transaction. Inlined into the
    /// caller so that a family whose scenarios all pass over the
    /// transaction's channel costs a test, not a call.
    #[inline]
    fn run_family(&mut self, f: usize, ctx: &Ctx<'_>, alerts: &mut Vec<Alert>) {
        let active = self.families[f].by_channel[ctx.tx.channel as usize & 15];
        if active != 0 {
            self.run_family_scenarios(f, active, ctx, alerts);
        }
    }

    /// [`Monitor::run_family`] for the family's scenarios `active` that
    /// accept the channel.
    fn run_family_scenarios(
        &mut self,
        f: usize,
        mut active: u32,
        ctx: &Ctx<'_>,
        alerts: &mut Vec<Alert>,
    ) {
        let fam = &self.families[f];
        if fam.dated & active != 0 {
            for (j, &p) in fam.plans.iter().enumerate() {
                if fam.dated & (1 << j) != 0
                    && !self.pack.scenarios[self.plans[p].scenario].effective.contains(ctx.time)
                {
                    active &= !(1 << j);
                }
            }
        }
        if active == 0 {
            return;
        }
        // Which plans use each side, in `Rule`'s order (its explicit
        // discriminants index `by_rule`).
        let [both, outs, ins, single] = fam.by_rule.map(|plans| plans & active);
        match fam.shape {
            Shape::Accounts => {
                let self_transfer = ctx.originator.is_some() && ctx.originator == ctx.beneficiary;
                let both = if self_transfer { 0 } else { both };
                if let Some(a) = ctx.originator
                    && both | outs != 0
                {
                    self.key_event(f, a, Direction::Out, both | outs, ctx, alerts);
                }
                if let Some(a) = ctx.beneficiary
                    && both | ins != 0
                {
                    self.key_event(f, a, Direction::In, both | ins, ctx, alerts);
                }
            }
            Shape::Customers => {
                let self_transfer = ctx.originator.is_some() && ctx.originator == ctx.beneficiary;
                let out_key = if both | outs != 0 {
                    self.customer_key(f, ctx, Side::Originator)
                } else {
                    None
                };
                let in_key = if both | ins != 0 {
                    self.customer_key(f, ctx, Side::Beneficiary)
                } else {
                    None
                };
                // Only parties with an account are customers (the walk-in
                // depositor of a cash deposit is the CTR's conductor, not a
                // second customer day); two accounts of one customer: a
                // transfer between them is internal, not a flow.
                let out_account = ctx.originator.and(out_key);
                let in_account = ctx.beneficiary.and(in_key);
                let internal =
                    self_transfer || (out_account.is_some() && out_account == in_account);
                let both_out = if internal || ctx.originator.is_none() { 0 } else { both };
                let both_in = if internal || ctx.beneficiary.is_none() { 0 } else { both };
                if let Some(k) = out_key
                    && both_out | outs != 0
                {
                    self.key_event(f, k, Direction::Out, both_out | outs, ctx, alerts);
                }
                if let Some(k) = in_key
                    && both_in | ins != 0
                {
                    self.key_event(f, k, Direction::In, both_in | ins, ctx, alerts);
                }
            }
            Shape::Fields(dir, n) => {
                let key = self.hinted_key(f, ROLE_SINGLE).unwrap_or_else(|| {
                    let mut buf = std::mem::take(&mut self.key_buf);
                    let fields = (0..n).map(|i| self.space_field(f, i));
                    let complete = composite_key(&self.profiles, ctx, fields, &mut buf);
                    let key = complete.then(|| self.families[f].names.intern(&buf));
                    self.key_buf = buf;
                    key
                });
                if let Some(key) = key {
                    self.key_event(f, key, dir, single, ctx, alerts);
                }
            }
            Shape::Each(dir, n) => {
                for i in 0..n {
                    if let Some(hint) = self.hinted_key(f, i) {
                        if let Some(key) = hint {
                            self.key_event(f, key, dir, single, ctx, alerts);
                        }
                        continue;
                    }
                    let field = self.space_field(f, i);
                    let mut buf = std::mem::take(&mut self.key_buf);
                    buf.clear();
                    let present = match field_value(&self.profiles, ctx, field, Direction::None) {
                        Some(v) => {
                            buf.push_str(field_label(field));
                            buf.push(' ');
                            buf.push_str(v);
                            true
                        }
                        None => false,
                    };
                    let key = present.then(|| self.families[f].names.intern(&buf));
                    self.key_buf = buf;
                    if let Some(key) = key {
                        self.key_event(f, key, dir, single, ctx, alerts);
                    }
                }
            }
        }
    }

    fn space_field(&self, f: usize, i: usize) -> Field {
        match &self.families[f].space {
            Space::Fields(fields, _) | Space::Each(fields, _) => fields[i],
            _ => Field::Channel,
        }
    }

    /// One key of a family: filters, one shared event, evaluations.
    fn key_event(
        &mut self,
        f: usize,
        key: u32,
        dir: Direction,
        candidates: u32,
        ctx: &Ctx<'_>,
        alerts: &mut Vec<Alert>,
    ) {
        let mut bits = 0u32;
        let mut participants = 0u32;
        let mut rest = candidates;
        // Borrowed once, not looked up again per scenario; the filter
        // environment too, not built again per test.
        let Monitor { families, plans, pack, derive, profiles, values, .. } = self;
        let fam = &mut families[f];
        let Derive { atoms, facts, thresholds, institutions, .. } = derive;
        let mut env = Env { ctx, reference: &pack.reference, profiles, thresholds, institutions };
        let channel = ctx.tx.channel as usize;
        while rest != 0 {
            let j = rest.trailing_zeros() as usize;
            rest &= rest - 1;
            let plan = &plans[fam.plans[j]];
            // The candidates accept the channel (`FamilyRun::by_channel`):
            // the scenario's filter is left its direction and its atoms.
            if !passes_past_channel(facts, atoms, &mut env, &plan.test, dir) {
                continue;
            }
            let mut mask = plan.routed[dir as usize][channel];
            for (test, aggregates) in &plan.aggregate_tests {
                if crate::scenario::channel_accepted(test.channels, ctx.tx.channel)
                    && passes_past_channel(facts, atoms, &mut env, test, dir)
                {
                    mask |= aggregates;
                }
            }
            // A scenario's distinct values rest at `u32::MAX` between
            // events (reset after each insert): only a scenario that counts
            // some writes them.
            let mut aux = [u32::MAX; MAX_DISTINCT];
            for &(i, field, slot) in &plan.distinct {
                if mask & (1 << i) == 0 {
                    continue;
                }
                match field_value(profiles, ctx, field, dir) {
                    Some(v) => aux[slot] = values.intern(v),
                    None => mask &= !(1 << i),
                }
            }
            // An event no aggregate counts can neither change a total nor
            // complete a pattern: keep it out (unless a baseline counts
            // every event).
            if mask == 0 && plan.has_aggregates && !plan.baseline {
                continue;
            }
            let slots = &fam.state.scenarios[j];
            bits |= (mask << slots.shift) | slots.part;
            participants |= 1 << j;
            if !plan.distinct.is_empty() {
                fam.aux[j] = aux;
            }
            fam.bits[j] = mask;
        }
        if participants == 0 {
            return;
        }
        self.evict(f, key);
        let fam = &mut self.families[f];
        let event =
            NewEvent { time: ctx.time, cents: ctx.cents, seq: ctx.seq, bits, direction: dir };
        fam.state.insert(key, event, &fam.aux);
        // Only participants' values were set (and only theirs are read).
        let mut rest = participants;
        while rest != 0 {
            let j = rest.trailing_zeros() as usize;
            rest &= rest - 1;
            fam.aux[j] = [u32::MAX; MAX_DISTINCT];
        }
        let mut rest = participants;
        while rest != 0 {
            let j = rest.trailing_zeros() as usize;
            rest &= rest - 1;
            let p = self.families[f].plans[j];
            let plan = &self.plans[p];
            let untouched = |aggs: u32| self.families[f].bits[j] & aggs == 0;
            if plan.skippable
                && untouched(plan.condition_aggs)
                && self.families[f].state.last_held(key, j) == Some(false)
            {
                continue;
            }
            // A conjunct that failed last time and reads nothing this event
            // changed still fails: so does the condition.
            if !plan.conjuncts.is_empty()
                && let Some(k) = self.families[f].state.failed_conjunct(key, j)
                && plan.conjuncts.get(k).is_some_and(|c| c.skippable && untouched(c.aggs))
            {
                continue;
            }
            self.evaluate(f, j, key, dir, ctx, alerts);
        }
    }

    /// Evaluates scenario `j` of family `f` on `key` after an event.
    fn evaluate(
        &mut self,
        f: usize,
        j: usize,
        key: u32,
        dir: Direction,
        ctx: &Ctx<'_>,
        alerts: &mut Vec<Alert>,
    ) {
        // Borrowed once for the condition, which is false nearly always.
        let Monitor { families, plans, pack, derive, profiles, scratch, aggregate_values, .. } =
            self;
        let fam = &mut families[f];
        let p = fam.plans[j];
        let plan = &mut plans[p];
        let s = plan.scenario;
        if plan.start_seq != ctx.seq {
            plan.start = plan.clock.start(ctx.time);
            plan.start_seq = ctx.seq;
        }
        let plan = &*plan;
        let start = plan.start;
        let range = fam.state.query(key, j, start, ctx.time);
        let conjuncts = &plan.conjuncts;
        // Too few events in the window for a count the condition needs: it
        // is false without its aggregates, and so is a conjunct that needs
        // more events than there are (the one remembered, as an evaluation
        // would remember the first false one).
        let held = range.hi - range.lo;
        if held < plan.events_needed {
            let k = conjuncts.iter().position(|c| held < c.events_needed);
            remember_false(&mut fam.state, key, j, conjuncts, k);
            return;
        }
        let scenario = &pack.scenarios[s];
        // The leading conjuncts that compare running totals (C3's `inflow
        // >= bank_sar_threshold and forwarded >= 0.9 * inflow`), answered
        // from the key's scalars without setting up the operands: the same
        // values and comparisons in the same order, so the same first false
        // conjunct, remembered as below.
        let threshold = |i: u16| scenario_threshold(&scenario.thresholds, &derive.thresholds, i);
        if let Some(k) = fam.state.first_false_running(key, j, range, ctx.usd, threshold) {
            remember_false(&mut fam.state, key, j, conjuncts, Some(k));
            return;
        }
        let n = scenario.aggregates.len();
        let mut lazy = Lazy {
            family: &fam.state,
            aggregates: &scenario.aggregates,
            key,
            j,
            range,
            start,
            t: ctx.time,
            amount: ctx.usd,
            thresholds: &scenario.thresholds,
            pack_thresholds: &derive.thresholds,
            profiles,
            subject: side_account(ctx, Side::Subject, dir),
            scratch,
            values: aggregate_values,
            known: 0,
        };
        if conjuncts.is_empty() {
            if !plan.condition.holds(&mut lazy) {
                fam.state.set_last_held(key, j, false);
                return;
            }
        } else if let Some(k) = conjuncts.iter().position(|c| !c.condition.holds(&mut lazy)) {
            // `a and b` is `a` then `b` with the same short circuit: the
            // same operands read, the same answer.
            remember_false(&mut fam.state, key, j, conjuncts, Some(k));
            return;
        }
        for i in 0..n {
            lazy.aggregate(i as u8);
        }
        let values = *lazy.values;
        fam.state.set_last_held(key, j, true);
        if ctx.time <= fam.state.open_until(key, j) {
            self.stats.suppressed[s] += 1;
            return;
        }
        // Evidence: the window's events accepted by the evidence aggregates.
        let mask = self.plans[p].evidence;
        let mut evidence: Vec<u64> = Vec::new();
        let (mut from, mut to, mut total_cents, mut count) = (i64::MAX, i64::MIN, 0i64, 0usize);
        for pos in range.lo..range.hi {
            let e = fam.state.event(key, pos);
            if e.bits & mask != 0 {
                // The full stream position from its low 32 bits.
                let full = ctx.seq - u64::from((ctx.seq as u32).wrapping_sub(e.seq));
                evidence.push(full);
                from = from.min(e.time);
                to = to.max(e.time);
                total_cents += e.cents;
                count += 1;
            }
        }
        if evidence.is_empty() {
            evidence.push(ctx.seq);
            from = ctx.time;
            to = ctx.time;
            total_cents = ctx.cents;
            count = 1;
        }
        let last_shared = self.plans[p].clock.last_shared(ctx.time);
        self.families[f].state.set_open_until(key, j, last_shared.max(to));
        let max = self.options.max_evidence.max(1);
        if evidence.len() > max {
            evidence.drain(..evidence.len() - max);
        }
        let subject = match self.families[f].space {
            Space::Accounts => self.accounts.name(key).to_string(),
            _ => self.families[f].names.name(key).to_string(),
        };
        // The explanation reads the scenario's thresholds from here; the
        // condition read them through `Lazy` without the copy.
        self.resolve_thresholds(s);
        self.set_matched(s);
        let mut alert = self.build_alert(
            s,
            ctx,
            subject,
            dir,
            &evidence,
            from,
            to,
            &values[..n],
            total_cents as f64 / 100.0,
            None,
        );
        alert.metrics.insert("evidence_transactions".into(), count as f64);
        alerts.push(alert);
        self.stats.alerts[s] += 1;
    }

    /// Sets `matched` to the institution a scenario's filter matched.
    fn set_matched(&mut self, s: usize) {
        self.matched.clear();
        if let Some(list) = self.pack.scenarios[s].filter.institution_list
            && let Some(i) = self.derive.institutions.found(list)
        {
            self.matched.push_str(
                &self.pack.reference.institution_lists[list].institutions[i as usize].name,
            );
        }
    }

    fn run_stateless(&mut self, k: usize, ctx: &Ctx<'_>, alerts: &mut Vec<Alert>) {
        let s = self.stateless[k].scenario;
        let scenario = &self.pack.scenarios[s];
        // The channel was tested by the caller.
        if !scenario.effective.contains(ctx.time) {
            return;
        }
        let sided = scenario.filter.is_sided();
        // An unsided filter is decided once, before any key is built.
        if !sided
            && !passes(
                &mut self.derive,
                &self.pack.reference,
                &self.profiles,
                ctx,
                &scenario.test,
                Direction::None,
            )
        {
            return;
        }
        // The keys, with their directions (a per-transaction check never
        // drops a transaction for a missing key part: E1 must see every
        // transfer).
        let mut keys: Vec<(String, Direction)> = Vec::new();
        let self_transfer = ctx.originator.is_some() && ctx.originator == ctx.beneficiary;
        match &scenario.key {
            KeySpec::Account => {
                if !self_transfer {
                    for (id, dir) in
                        [(ctx.originator, Direction::Out), (ctx.beneficiary, Direction::In)]
                    {
                        if let Some(a) = id {
                            keys.push((self.accounts.name(a).to_string(), dir));
                        }
                    }
                }
            }
            KeySpec::Customer => {
                if !self_transfer {
                    let mut found: Vec<(String, Direction)> = Vec::new();
                    for (side, dir, id) in [
                        (Side::Originator, Direction::Out, ctx.originator),
                        (Side::Beneficiary, Direction::In, ctx.beneficiary),
                    ] {
                        if id.is_none() {
                            continue;
                        }
                        if let Some(c) =
                            field_value(&self.profiles, ctx, Field::Customer(side), Direction::None)
                        {
                            found.push((c.to_string(), dir));
                        }
                    }
                    let internal = found.len() == 2 && found[0].0 == found[1].0;
                    if !internal {
                        keys = found;
                    }
                }
            }
            KeySpec::Fields(fields) => {
                let dir = side_direction(fields);
                let missing_account = match fields.as_slice() {
                    [Field::Account(Side::Originator)] => ctx.originator.is_none(),
                    [Field::Account(Side::Beneficiary)] => ctx.beneficiary.is_none(),
                    _ => false,
                };
                if missing_account {
                    return;
                }
                let mut buf = String::new();
                for (i, f) in fields.iter().enumerate() {
                    if i > 0 {
                        buf.push_str(" / ");
                    }
                    buf.push_str(
                        field_value(&self.profiles, ctx, *f, Direction::None).unwrap_or("-"),
                    );
                }
                keys.push((buf, dir));
            }
            KeySpec::Each(fields) => {
                let dir = side_direction(fields);
                for &f in fields {
                    if let Some(v) = field_value(&self.profiles, ctx, f, Direction::None) {
                        keys.push((format!("{} {v}", field_label(f)), dir));
                    }
                }
            }
        }
        self.resolve_thresholds(s);
        for (subject, dir) in keys {
            let scenario = &self.pack.scenarios[s];
            if sided
                && !passes(
                    &mut self.derive,
                    &self.pack.reference,
                    &self.profiles,
                    ctx,
                    &scenario.test,
                    dir,
                )
            {
                continue;
            }
            // One event: every aggregate sees just this transaction.
            let mut values = [0.0f64; MAX_AGGREGATES];
            for (i, a) in scenario.aggregates.iter().enumerate() {
                values[i] = match a.function {
                    Function::Count | Function::Distinct(..) => 1.0,
                    Function::Sum | Function::Min | Function::Max | Function::Mean => ctx.usd,
                    _ => 0.0,
                };
            }
            let n = scenario.aggregates.len();
            let mut v = WithProfile {
                values: Values {
                    aggregates: &values[..n],
                    amount: ctx.usd,
                    thresholds: &self.thresholds,
                },
                profile: self.profiles.get(side_account(ctx, Side::Subject, dir)),
            };
            if !scenario.condition.holds_with(&mut v) {
                continue;
            }
            self.set_matched(s);
            let alert = self.build_alert(
                s,
                ctx,
                subject,
                dir,
                &[ctx.seq],
                ctx.time,
                ctx.time,
                &values[..n],
                ctx.usd,
                None,
            );
            alerts.push(alert);
            self.stats.alerts[s] += 1;
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn build_alert(
        &self,
        s: usize,
        ctx: &Ctx<'_>,
        subject: String,
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
        let counterparty = side_party(ctx.tx, Side::Counterparty, dir)
            .map(|(p, _)| nonempty(&p.name).unwrap_or(p.account.as_str()))
            .unwrap_or("");
        let matched = matched.unwrap_or(self.matched.as_str());
        let at = rfc3339(ctx.time);
        let shown = Shown {
            subject: &subject,
            amount: ctx.usd,
            channel: ctx.tx.channel.as_str(),
            place,
            counterparty,
            matched,
            date: at.get(..10).unwrap_or(""),
        };
        let thresholds = &self.thresholds[..scenario.thresholds.len().min(16)];
        let values = &values[..n.min(values.len())];
        let explanation = render(&scenario.explanation, scenario, values, thresholds, &shown);
        let mut v = WithProfile {
            values: Values { aggregates: values, amount: ctx.usd, thresholds },
            profile: self.profiles.get(side_account(ctx, Side::Subject, dir)),
        };
        let score = scenario
            .score
            .as_ref()
            .map_or(severity_score(scenario.severity), |e| e.eval_with(&mut v))
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
        // A per-transaction alert's activity starts and ends with the
        // transaction: its time is written once.
        let from = if from == ctx.time { at.clone() } else { rfc3339(from) };
        Alert {
            id: alert_id(&scenario.id, hash.finish()),
            scenario: scenario.id.clone(),
            typology: scenario.typology.clone(),
            kind: scenario.kind,
            severity: scenario.severity,
            score: (score * 1000.0).round() / 1000.0,
            subjects: vec![subject],
            transactions,
            from,
            // The activity mostly ends with the transaction.
            to: if to == ctx.time { at } else { rfc3339(to) },
            explanation,
            key_terms,
            amount: Some((amount * 100.0).round() / 100.0),
            metrics,
            provenance: Some(self.provenance.clone()),
        }
    }

    // -------------------------------------------------------- screening

    fn run_screening(&mut self, s: usize, ctx: &Ctx<'_>, alerts: &mut Vec<Alert>) {
        if self.screener.is_none() || !self.pack.scenarios[s].effective.contains(ctx.time) {
            return;
        }
        let scenario = &self.pack.scenarios[s];
        let Detector::Screening(spec) = &scenario.detector else { return };
        let fields = spec.fields.len();
        if !passes(
            &mut self.derive,
            &self.pack.reference,
            &self.profiles,
            ctx,
            &scenario.test,
            Direction::None,
        ) {
            return;
        }
        self.resolve_thresholds(s);
        for k in 0..fields {
            let Detector::Screening(spec) = &self.pack.scenarios[s].detector else { return };
            let field = spec.fields[k];
            let (threshold, min_score) = (spec.threshold, spec.min_score);
            let Some(name) = field_value(&self.profiles, ctx, field, Direction::None) else {
                continue;
            };
            let side = field_side(field);
            let party = side.and_then(|side| side_party(ctx.tx, side, Direction::None));
            let account = side.and_then(|side| {
                if side == Side::Originator { ctx.originator } else { ctx.beneficiary }
            });
            let profile = self.profiles.get(account);
            let country = party.and_then(|(p, _)| nonempty(&p.country));
            // A person when the profile says so, or when the name is the
            // one who physically conducted the transaction.
            let person = match (field, profile.map(|p| p.kind)) {
                (Field::Conductor, _) | (_, Some(CustomerKind::Individual)) => Some(true),
                (_, Some(CustomerKind::Business)) => Some(false),
                _ => None,
            };
            let mut cache_key = String::with_capacity(name.len() + 24);
            cache_key.push_str(name);
            cache_key.push('\u{1f}');
            cache_key.push_str(country.unwrap_or(""));
            cache_key.push('\u{1f}');
            cache_key.push_str(match person {
                Some(true) => "p",
                Some(false) => "o",
                None => "",
            });
            cache_key.push('\u{1f}');
            cache_key.push_str(&threshold.to_string());
            let hit = match self.screen_cache.get(cache_key.as_str()) {
                Some(hit) => hit.clone(),
                None => {
                    let query = PartyQuery { name, country, person, threshold };
                    let hit = self.screener.as_ref().and_then(|sc| sc.screen(&query));
                    self.stats.screened += 1;
                    if self.screen_cache.len() > 1_000_000 {
                        self.screen_cache.clear();
                    }
                    self.screen_cache.insert(cache_key.into(), hit.clone());
                    hit
                }
            };
            let Some(hit) = hit else { continue };
            if hit.score < min_score {
                continue;
            }
            let Detector::Screening(spec) = &self.pack.scenarios[s].detector else { return };
            if !spec.topics.is_empty()
                && !hit.topics.iter().any(|t| spec.topics.iter().any(|w| w.eq_ignore_ascii_case(t)))
            {
                continue;
            }
            let dir = match side {
                Some(Side::Originator) => Direction::Out,
                Some(Side::Beneficiary) => Direction::In,
                _ => Direction::None,
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
                subject,
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
            if let Some(a) = account {
                self.seed(a, ctx.time);
            }
        }
    }

    // -------------------------------------------------------- proximity

    /// Makes `account` a designated subject (hop 0) for proximity.
    fn seed(&mut self, account: AccountId, _time: i64) {
        if let Some(p) = &mut self.proximity {
            p.hops.insert(account, (0, i64::MAX, account));
        }
    }

    fn run_proximity(&mut self, ctx: &Ctx<'_>, alerts: &mut Vec<Alert>) {
        let (Some(u), Some(v)) = (ctx.originator, ctx.beneficiary) else { return };
        if u == v {
            return;
        }
        let Some(p) = &mut self.proximity else { return };
        if p.hops.is_empty() {
            return;
        }
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
                subject,
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
        if self.detections.is_empty() {
            return;
        }
        let detections = std::mem::take(&mut self.detections);
        for d in &detections {
            let Some(s) = self.graph_scenarios[d.typology.index()] else { continue };
            if !self.pack.scenarios[s].effective.contains(ctx.time) {
                continue;
            }
            // The scenario's own thresholds, not those of the scenario
            // evaluated last, for its explanation and score.
            self.resolve_thresholds(s);
            let subjects: Vec<String> =
                d.accounts.iter().map(|a| self.accounts.name(*a).to_string()).collect();
            let subject = subjects.first().cloned().unwrap_or_default();
            let max = self.options.max_evidence.max(1);
            let edges =
                if d.edges.len() > max { &d.edges[d.edges.len() - max..] } else { &d.edges[..] };
            let mut alert = self.build_alert(
                s,
                ctx,
                subject,
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
            alert.id = alert_id(&alert.scenario, hash.finish());
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

/// Operands with every aggregate known, plus the subject's profile.
struct WithProfile<'a> {
    values: Values<'a>,
    profile: Option<&'a Profile>,
}

impl Operands for WithProfile<'_> {
    fn aggregate(&mut self, i: u8) -> f64 {
        self.values.aggregate(i)
    }

    fn amount(&self) -> f64 {
        self.values.amount
    }

    fn threshold(&self, i: u16) -> f64 {
        self.values.threshold(i)
    }

    fn profile(&self, value: ProfileValue) -> f64 {
        profile_value(self.profile, value)
    }
}

/// A scenario's threshold `i` now: its index among the pack's thresholds
/// (`thresholds`), read from their values in force (`pack_thresholds`);
/// NaN when it has none. As [`Monitor::resolve_thresholds`] copies them:
/// the first sixteen.
#[inline(always)]
fn scenario_threshold(thresholds: &[usize], pack_thresholds: &[f64], i: u16) -> f64 {
    let i = usize::from(i);
    if i >= 16 {
        return f64::NAN;
    }
    thresholds.get(i).and_then(|&t| pack_thresholds.get(t)).copied().unwrap_or(f64::NAN)
}

fn profile_value(p: Option<&Profile>, value: ProfileValue) -> f64 {
    p.map_or(0.0, |p| match value {
        ProfileValue::ExpectedCash => p.expected_cash,
        ProfileValue::ExpectedVolume => p.expected_volume,
    })
}

/// Operands of a window scenario's condition: aggregates computed from the
/// key's state the first time the condition reads them.
struct Lazy<'a> {
    family: &'a Family,
    aggregates: &'a [Aggregate],
    key: u32,
    j: usize,
    range: Range,
    start: i64,
    t: i64,
    amount: f64,
    /// The scenario's thresholds as indexes into `pack_thresholds` (the
    /// values in force at the event time).
    thresholds: &'a [usize],
    pack_thresholds: &'a [f64],
    /// The subject's profile is looked up only by a condition that reads
    /// it.
    profiles: &'a Profiles,
    subject: Option<AccountId>,
    scratch: &'a mut Scratch,
    /// Aggregate `i`'s value when bit `i` of `known` is set (anything
    /// otherwise).
    values: &'a mut [f64; MAX_AGGREGATES],
    known: u16,
}

impl Lazy<'_> {
    /// Aggregate `i` read from the key's state the first time.
    #[inline(never)]
    fn compute(&mut self, i: usize) -> f64 {
        let Some(a) = self.aggregates.get(i) else { return 0.0 };
        let v = match self.family.running_total(self.key, self.j, i, self.range) {
            Some(v) => v,
            None => self.family.value(
                self.key,
                self.j,
                i,
                a,
                self.range,
                self.start,
                self.t,
                self.scratch,
            ),
        };
        self.values[i] = v;
        self.known |= 1 << i;
        v
    }
}

impl Operands for Lazy<'_> {
    /// Inlined where a condition reads it: an aggregate read a second time
    /// (`forwarded >= 0.9 * inflow` after `inflow >= threshold`) is a
    /// bit test and a load, without a call.
    #[inline]
    fn aggregate(&mut self, i: u8) -> f64 {
        let i = usize::from(i);
        if self.known & (1 << i) != 0 {
            return self.values[i];
        }
        self.compute(i)
    }

    fn amount(&self) -> f64 {
        self.amount
    }

    fn threshold(&self, i: u16) -> f64 {
        scenario_threshold(self.thresholds, self.pack_thresholds, i)
    }

    fn profile(&self, value: ProfileValue) -> f64 {
        profile_value(self.profiles.get(self.subject), value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The aggregates routed by direction and channel are the ones whose
    /// filter (channels and direction only) passes, for every channel and
    /// direction.
    #[test]
    fn routed_aggregates_are_the_passing_ones() {
        let masks = [0u16, 1, 0b110, 1 << 9, 0b11_1111_1111, 1 << 4 | 1 << 8];
        let directions = [None, Some(Direction::In), Some(Direction::Out), Some(Direction::None)];
        let mut tests = Vec::new();
        for &channels in &masks {
            for &direction in &directions {
                let bit = 1u32 << tests.len();
                tests.push((Test { channels, direction, atoms: 0 }, bit));
            }
        }
        // A filter with atoms is never routed.
        tests.push((Test { channels: 0, direction: None, atoms: 1 }, 1 << 31));
        let routed = route_trivial_tests(&tests);
        for dir in [Direction::In, Direction::Out, Direction::None] {
            for channel in crate::scenario::CHANNELS {
                let passing = tests
                    .iter()
                    .filter(|(t, _)| {
                        t.trivial()
                            && crate::scenario::channel_accepted(t.channels, channel)
                            && t.direction.is_none_or(|want| want == dir)
                    })
                    .fold(0, |m, (_, bits)| m | bits);
                assert_eq!(routed[dir as usize][channel as usize], passing, "{dir:?} {channel:?}");
            }
        }
    }

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
    fn alert_ids_are_formats() {
        for hash in [0, 1, 0xabc, 0x0123_4567_89ab_cdef, u64::MAX, 1 << 63] {
            assert_eq!(alert_id("A2", hash), format!("A2-{hash:016x}"));
        }
    }

    /// The alert times written here are the ones `jiff` writes: around the
    /// calendar's turns (month ends, leap days, centuries, the year 9999
    /// bound) and with every shape of millisecond fraction.
    #[test]
    fn rfc3339_is_jiffs() {
        let jiffs = |ms: i64| {
            Timestamp::from_millisecond(ms).map_or_else(|_| ms.to_string(), |t| t.to_string())
        };
        let mut times = vec![
            -86_400_001,
            -1,
            0,
            1,
            10,
            100,
            999,
            1000,
            951_782_400_000,
            951_868_799_999,
            4_107_542_400_000,
            YEAR_9999_MS - 1,
            YEAR_9999_MS,
            253_402_300_799_999,
            i64::MIN,
            i64::MAX,
        ];
        // A walk over four centuries with steps that do not divide a day.
        let mut ms = 0i64;
        while ms < 12_700_000_000_000 {
            times.push(ms);
            ms += 86_399_997 * 7 + 123;
        }
        for fraction in [0, 5, 50, 120, 123, 500, 999] {
            times.push(1_767_225_600_000 + fraction);
        }
        for ms in times {
            assert_eq!(rfc3339(ms), jiffs(ms), "{ms}");
        }
    }

    /// Values of every format written in place read as before: grouped
    /// thousands, cents, negative amounts and what is not finite.
    #[test]
    fn explanation_values() {
        let cases: &[(f64, Format, &str)] = &[
            (0.0, Format::Usd, "$0"),
            (999.0, Format::Usd, "$999"),
            (1000.0, Format::Usd, "$1,000"),
            (-1_234.5, Format::Usd, "-$1,234.50"),
            (0.07, Format::Usd, "$0.07"),
            (123_456_789.0, Format::Integer, "123,456,789"),
            (-12_345.6, Format::Integer, "-12,346"),
            (0.4, Format::Integer, "0"),
            (2.5, Format::Plain, "2.50"),
            (-3.0, Format::Plain, "-3"),
            (f64::NAN, Format::Usd, "n/a"),
            (f64::INFINITY, Format::Percent, "n/a"),
        ];
        for &(value, format, text) in cases {
            assert_eq!(format_value(value, format), text, "{value} {format:?}");
        }
    }

    /// Simulated transactions (with their profiles) over few accounts, so
    /// that keys repeat and every window family holds state.
    fn simulated(n: u64) -> (Vec<AccountProfile>, Vec<Transaction>) {
        use crate::reader::{ReaderOptions, Record, Step, TransactionReader};
        let config = vigia_simulate::SimulationConfig {
            transactions: n,
            accounts: Some(600),
            seed: 11,
            ..vigia_simulate::SimulationConfig::default()
        };
        let mut sim = vigia_simulate::Simulation::new(&config).expect("simulation config");
        let profiles = crate::profile::read_profiles("simulated", sim.profiles_jsonl().as_bytes())
            .expect("simulated profiles");
        let mut text = String::new();
        while sim.next_day(&mut text) {}
        let mut reader = TransactionReader::new(text.as_bytes(), ReaderOptions::default())
            .expect("simulated transactions");
        let mut rec = Record::default();
        let mut txs = Vec::new();
        while let Ok(Step::Record) = reader.read(&mut rec) {
            txs.push(rec.transaction.clone());
        }
        (profiles, txs)
    }

    /// The look-ahead of `process_batch` only reads: the alerts and the
    /// state are those of `process` one transaction at a time.
    #[test]
    fn batch_and_one_at_a_time_agree() {
        let (profiles, txs) = simulated(30_000);
        assert!(txs.len() > 20_000);
        let run = |batch: usize| {
            let pack = Pack::builtin().expect("built-in pack");
            let mut monitor = Monitor::new(pack, MonitorOptions::default());
            monitor.add_profiles(&profiles);
            let mut alerts = Vec::new();
            if batch == 0 {
                for tx in &txs {
                    monitor.process(tx, &mut alerts).expect("simulated amounts convert");
                }
            } else {
                for chunk in txs.chunks(batch) {
                    monitor.process_batch(chunk, &mut alerts, &mut |i, e| panic!("{i}: {e}"));
                }
            }
            (alerts, monitor.stats())
        };
        let (one, stats) = run(0);
        assert!(one.len() > 100, "the data raises alerts ({})", one.len());
        for batch in [1, 2, 3, 7, 1000] {
            let (got, got_stats) = run(batch);
            assert_eq!(got.len(), one.len(), "batch of {batch}");
            assert!(got == one, "batch of {batch}: same alerts");
            assert_eq!(got_stats, stats, "batch of {batch}: same state");
        }
    }

    /// The fewest events each built-in window scenario's condition needs
    /// (`Plan::events_needed`): the counts its conditions open with.
    #[test]
    fn builtin_conditions_need_their_counts() {
        let monitor =
            Monitor::new(Pack::builtin().expect("built-in pack"), MonitorOptions::default());
        let needed: Vec<(&str, u64)> = monitor
            .plans
            .iter()
            .map(|p| (monitor.pack.scenarios[p.scenario].id.as_str(), p.events_needed))
            .collect();
        let want = [
            ("A1", 0),
            ("A3", 2),
            ("A4", 2),
            ("A5", 3),
            ("B1", 0),
            ("B2", 0),
            ("B3", 0),
            ("C1", 5),
            ("C2", 10),
            ("C3", 0),
            ("F1", 3),
            ("F2", 5),
            ("F3", 3),
            ("F4", 0),
        ];
        for (id, events) in want {
            assert!(needed.contains(&(id, events)), "{id}: {events} in {needed:?}");
        }
    }

    /// Skipping a scenario whose failed conjunct reads nothing the event
    /// changed gives the alerts and counts of evaluating every event, in
    /// order and out of order. The reference run wraps every condition in
    /// `not not`: the same truth and the same whole-condition skip, but
    /// no chain of `and`s to split and no count for the events a window
    /// must hold (`Condition::events_needed` is 0 under a `not`), so every
    /// non-skipped event is evaluated in full.
    #[test]
    fn skipped_conjuncts_and_full_evaluation_agree() {
        let (profiles, mut txs) = simulated(30_000);
        let run = |txs: &[Transaction], split: bool| {
            let mut pack = Pack::builtin().expect("built-in pack");
            if !split {
                for s in &mut pack.scenarios {
                    let c = std::mem::replace(&mut s.condition, Expr::Number(0.0));
                    s.condition = Expr::Not(Box::new(Expr::Not(Box::new(c))));
                }
            }
            let options = MonitorOptions { lateness: 6 * 3_600_000, ..MonitorOptions::default() };
            let mut monitor = Monitor::new(pack, options);
            monitor.add_profiles(&profiles);
            let mut alerts = Vec::new();
            monitor.process_batch(txs, &mut alerts, &mut |i, e| panic!("{i}: {e}"));
            (alerts, monitor.stats())
        };
        for swap_every in [0, 7, 3] {
            if swap_every > 0 {
                for i in (0..txs.len() - 1).step_by(swap_every) {
                    txs.swap(i, i + 1);
                }
            }
            let (split, split_stats) = run(&txs, true);
            let (whole, whole_stats) = run(&txs, false);
            assert!(split.len() > 100, "the data raises alerts ({})", split.len());
            assert!(split == whole, "swapping every {swap_every}: same alerts");
            assert_eq!(split_stats, whole_stats, "swapping every {swap_every}: same counts");
        }
    }

    /// The rules and graph engines of `split_graph`, fed the same
    /// transactions, raise one engine's alerts in its order and count what
    /// it counts.
    #[test]
    fn split_graph_raises_the_alerts_of_one_engine() {
        let (profiles, txs) = simulated(30_000);
        let pack = Pack::builtin().expect("built-in pack");
        let mut whole = Monitor::new(pack.clone(), MonitorOptions::default());
        let (mut rules, graph) = Monitor::split_graph(pack, MonitorOptions::default());
        let mut graph = graph.expect("the built-in pack has graph and other scenarios");
        for m in [&mut whole, &mut rules, &mut graph] {
            m.add_profiles(&profiles);
        }
        let (mut one, mut split, mut graph_alerts) = (Vec::new(), Vec::new(), Vec::new());
        let mut graph_raised = 0;
        for chunk in txs.chunks(1000) {
            whole.process_batch(chunk, &mut one, &mut |i, e| panic!("{i}: {e}"));
            let mut rule_alerts: Vec<Vec<Alert>> = vec![Vec::new(); chunk.len()];
            let _: ControlFlow<()> = rules.process_each(
                chunk,
                |t| t,
                &mut Vec::new(),
                |i, r, a| {
                    r.expect("simulated amounts convert");
                    rule_alerts[i].append(a);
                    ControlFlow::Continue(())
                },
            );
            let _: ControlFlow<()> = graph.process_each(
                chunk,
                |t| t,
                &mut Vec::new(),
                |i, r, a| {
                    r.expect("simulated amounts convert");
                    graph_raised += a.len();
                    rule_alerts[i].append(a);
                    ControlFlow::Continue(())
                },
            );
            split.extend(rule_alerts.into_iter().flatten());
        }
        graph_alerts.extend(one.iter().filter(|a| a.scenario.starts_with('G')));
        assert!(graph_raised > 10 && graph_raised == graph_alerts.len(), "{graph_raised}");
        assert!(split == one, "same alerts in the same order");
        let mut stats = rules.stats();
        stats.absorb(&graph.stats());
        assert_eq!(stats, whole.stats());
        assert_eq!(graph.graph_stats(), whole.graph_stats());
        assert_eq!(rules.graph_stats(), None);
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

    /// Thresholds refreshed only when a transaction leaves the span where
    /// none changes hold the values a refresh from nothing finds, at any
    /// time and in any order (late transactions go back in time).
    #[test]
    fn thresholds_kept_over_their_span_are_the_refreshed_ones() {
        let span = |from, until| InForce { from, until };
        let threshold = |values: Vec<(InForce, f64)>| crate::reference::Threshold {
            name: String::new(),
            source: String::new(),
            values,
        };
        let reference = ReferenceData {
            thresholds: vec![
                threshold(vec![(span(i64::MIN, 100), 1.0), (span(100, i64::MAX), 2.0)]),
                threshold(vec![(span(50, 150), 3.0), (span(200, 300), 4.0)]),
                threshold(vec![(InForce::ALWAYS, 5.0)]),
                threshold(Vec::new()),
            ],
            ..ReferenceData::default()
        };
        let fresh = || Derive {
            thresholds: vec![f64::NAN; 4],
            spans: vec![InForce { from: 0, until: 0 }; 4],
            unchanged: None,
            ..Derive::default()
        };
        let mut kept = fresh();
        let mut times: Vec<i64> = (-20..340).step_by(7).collect();
        times.extend([i64::MIN, 49, 50, 99, 100, 149, 150, 199, 200, 299, 300, 0, i64::MAX - 1]);
        times.extend((0..400).rev().step_by(13));
        for t in times {
            kept.refresh_thresholds(&reference, t);
            let mut once = fresh();
            once.refresh_thresholds(&reference, t);
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&kept.thresholds), bits(&once.thresholds), "at {t}");
            assert!(kept.unchanged.is_some_and(|span| span.contains(t)), "at {t}");
        }
    }

    /// The families visited for a channel are those with a scenario
    /// accepting it, in family order.
    #[test]
    fn families_by_channel_are_the_reached_ones() {
        let monitor =
            Monitor::new(Pack::builtin().expect("built-in pack"), MonitorOptions::default());
        for c in 0..16 {
            let reached: Vec<u16> = (0..monitor.families.len())
                .filter(|&f| monitor.families[f].by_channel[c] != 0)
                .map(|f| f as u16)
                .collect();
            assert_eq!(monitor.families_by_channel[c], reached, "channel {c}");
        }
        assert!(monitor.families_by_channel.iter().any(|f| !f.is_empty()));
    }
}
