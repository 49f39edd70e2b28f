//! Event-time windows: the state every windowed scenario keeps per
//! grouping key, and the calendars that say which events a window holds.
//!
//! A window is evaluated *as of* an event `e`: it holds the events of the
//! same key already seen whose time lies in `[start(e.time), e.time]`,
//! where `start` depends on the kind:
//!
//! - sliding `D`: `start(t) = t - D + 1` (the last `D` milliseconds);
//! - tumbling `D`: the start of the fixed bucket holding `t`;
//! - business day: the previous cut-off instant in the institution's time
//!   zone (weekends optionally rolled into Monday).
//!
//! Events may arrive out of order by up to an allowed lateness `L` behind
//! the stream's watermark (the greatest event time seen). A state keeps the
//! events that some future on-time event can still need — those at or after
//! `start(watermark - L)` — so its memory is bounded by the number of
//! events per key within `window + L` (and by a hard cap per key). Events
//! later than `L` are the engine's business: it counts and skips them.
//!
//! Counts, sums and distinct counts are kept as running totals over the
//! retained events; a query subtracts the few retained events outside the
//! queried range (those older than `start`, and out-of-order events newer
//! than `e`). Amounts are integer cents, so sums are exact and agree with
//! a naive recompute to the cent.

use std::collections::VecDeque;

use jiff::Timestamp;
use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use rustc_hash::FxHashMap;

/// One second in milliseconds.
pub const SECOND: i64 = 1_000;
/// One minute in milliseconds.
pub const MINUTE: i64 = 60 * SECOND;
/// One hour in milliseconds.
pub const HOUR: i64 = 60 * MINUTE;
/// One day (24 hours) in milliseconds.
pub const DAY: i64 = 24 * HOUR;

/// Aggregates one window state can track (bits of [`Event::mask`]).
pub const MAX_AGGREGATES: usize = 12;
/// Distinct-count aggregates one window state can track.
pub const MAX_DISTINCT: usize = 3;

/// Parses a duration such as `90s`, `15m`, `24h`, `30d`, `2w` or `1d12h`
/// into milliseconds.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty duration".into());
    }
    let mut total: i64 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(format!("bad duration {text:?}: expected a number at {rest:?}"));
        }
        let (number, after) = rest.split_at(digits);
        let unit_len = after.bytes().take_while(u8::is_ascii_alphabetic).count();
        let (unit, after) = after.split_at(unit_len);
        let scale = match unit {
            "ms" => 1,
            "s" => SECOND,
            "m" | "min" => MINUTE,
            "h" => HOUR,
            "d" => DAY,
            "w" => 7 * DAY,
            "" => return Err(format!("bad duration {text:?}: missing unit (ms, s, m, h, d, w)")),
            other => return Err(format!("bad duration {text:?}: unknown unit {other:?}")),
        };
        let n: i64 = number.parse().map_err(|_| format!("bad duration {text:?}"))?;
        total = n
            .checked_mul(scale)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| format!("duration {text:?} is too long"))?;
        rest = after;
    }
    if total <= 0 {
        return Err(format!("duration {text:?} must be positive"));
    }
    Ok(total)
}

/// Writes a duration in the largest unit that divides it (`86400000` →
/// `24h` is written `1d`).
pub fn format_duration(ms: i64) -> String {
    for (unit, scale) in [("w", 7 * DAY), ("d", DAY), ("h", HOUR), ("m", MINUTE), ("s", SECOND)] {
        if ms % scale == 0 && ms >= scale {
            return format!("{}{unit}", ms / scale);
        }
    }
    format!("{ms}ms")
}

/// A half-open span of event time `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    /// First instant in the bucket.
    pub start: i64,
    /// First instant after it.
    pub end: i64,
}

impl Bucket {
    fn contains(&self, t: i64) -> bool {
        self.start <= t && t < self.end
    }
}

/// Business days that end at a local cut-off time in a time zone.
#[derive(Debug, Clone)]
pub struct BusinessDay {
    zone_name: String,
    zone: TimeZone,
    cutoff: Time,
    roll_weekends: bool,
}

impl BusinessDay {
    /// A business-day calendar: `zone` is an IANA name (`America/Chicago`),
    /// `cutoff` a local `HH:MM`; with `roll_weekends`, Saturday and Sunday
    /// belong to Monday's business day.
    pub fn new(zone: &str, cutoff: &str, roll_weekends: bool) -> Result<BusinessDay, String> {
        let tz = TimeZone::get(zone).map_err(|e| format!("unknown time zone {zone:?}: {e}"))?;
        let cutoff_time: Time =
            cutoff.parse().map_err(|e| format!("bad cut-off {cutoff:?} (want HH:MM): {e}"))?;
        Ok(BusinessDay {
            zone_name: zone.to_string(),
            zone: tz,
            cutoff: cutoff_time,
            roll_weekends,
        })
    }

    /// The IANA name of the zone.
    pub fn zone_name(&self) -> &str {
        &self.zone_name
    }

    /// The instant the business day dated `date` closes: the first time the
    /// local clock shows the cut-off on that date. A cut-off inside a DST
    /// gap closes as many minutes after the gap as it fell into it (the
    /// "compatible" rule of RFC 5545 that jiff applies).
    fn close(&self, date: Date) -> i64 {
        let local = date.to_datetime(self.cutoff);
        match self.zone.to_timestamp(local) {
            Ok(ts) => ts.as_millisecond(),
            // Only reachable at the ends of jiff's supported range (years
            // -9999 and 9999); UTC keeps buckets ordered there.
            Err(_) => TimeZone::UTC.to_timestamp(local).map_or(0, |ts| ts.as_millisecond()),
        }
    }

    fn is_weekend(date: Date) -> bool {
        matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
    }

    fn previous_business_date(&self, date: Date) -> Date {
        let mut d = date.yesterday().unwrap_or(date);
        while self.roll_weekends && BusinessDay::is_weekend(d) {
            d = d.yesterday().unwrap_or(d);
        }
        d
    }

    /// The business date an instant belongs to.
    pub fn business_date(&self, t: i64) -> Date {
        let local = Timestamp::from_millisecond(t)
            .map(|ts| self.zone.to_datetime(ts).date())
            .unwrap_or_default();
        let mut date =
            if t < self.close(local) { local } else { local.tomorrow().unwrap_or(local) };
        while self.roll_weekends && BusinessDay::is_weekend(date) {
            date = date.tomorrow().unwrap_or(date);
        }
        date
    }

    /// The bucket holding `t`: from the previous business day's close to
    /// this one's.
    pub fn bucket(&self, t: i64) -> Bucket {
        let date = self.business_date(t);
        Bucket { start: self.close(self.previous_business_date(date)), end: self.close(date) }
    }
}

/// The shape of a window.
#[derive(Debug, Clone)]
pub enum WindowKind {
    /// Only the transaction itself: no state is kept.
    Transaction,
    /// The last `length` milliseconds up to and including the event.
    Sliding {
        /// Length in milliseconds.
        length: i64,
    },
    /// Fixed buckets of `length` milliseconds starting at `origin`.
    Tumbling {
        /// Bucket length in milliseconds.
        length: i64,
        /// An instant where a bucket starts (0 = the Unix epoch, UTC).
        origin: i64,
    },
    /// Business days with a local cut-off.
    BusinessDay(BusinessDay),
}

impl WindowKind {
    /// Words for explanations: "24h", "the business day", "1d bucket".
    pub fn describe(&self) -> String {
        match self {
            WindowKind::Transaction => "one transaction".into(),
            WindowKind::Sliding { length } => format_duration(*length),
            WindowKind::Tumbling { length, .. } => {
                format!("one {} period", format_duration(*length))
            }
            WindowKind::BusinessDay(_) => "one business day".into(),
        }
    }

    /// The bucket holding `t` for bucketed kinds (`None` for sliding and
    /// transaction windows).
    pub fn bucket(&self, t: i64) -> Option<Bucket> {
        match self {
            WindowKind::Transaction | WindowKind::Sliding { .. } => None,
            WindowKind::Tumbling { length, origin } => {
                let start = origin + (t - origin).div_euclid(*length) * length;
                Some(Bucket { start, end: start + length })
            }
            WindowKind::BusinessDay(day) => Some(day.bucket(t)),
        }
    }

    /// The earliest event time in the window evaluated as of `t`.
    pub fn start(&self, t: i64) -> i64 {
        match self {
            WindowKind::Transaction => t,
            WindowKind::Sliding { length } => t - length + 1,
            _ => self.bucket(t).map_or(t, |b| b.start),
        }
    }

    /// The last event time that still shares a window with an event at `t`
    /// (used to keep one alert open while its evidence is in the window).
    pub fn last_shared(&self, t: i64) -> i64 {
        match self {
            WindowKind::Transaction => t,
            WindowKind::Sliding { length } => t + length - 1,
            _ => self.bucket(t).map_or(t, |b| b.end - 1),
        }
    }
}

/// A window calendar with a one-bucket memo: the stream is (nearly) in
/// time order, so consecutive look-ups almost always hit the same bucket
/// and the time-zone arithmetic runs about once per business day.
#[derive(Debug, Clone)]
pub struct WindowClock {
    kind: WindowKind,
    memo: Option<Bucket>,
    retention_memo: Option<Bucket>,
}

impl WindowClock {
    /// A clock for `kind`.
    pub fn new(kind: WindowKind) -> WindowClock {
        WindowClock { kind, memo: None, retention_memo: None }
    }

    /// The window's kind.
    pub fn kind(&self) -> &WindowKind {
        &self.kind
    }

    fn bucket_memo(kind: &WindowKind, memo: &mut Option<Bucket>, t: i64) -> Option<Bucket> {
        if let Some(b) = memo
            && b.contains(t)
        {
            return Some(*b);
        }
        let b = kind.bucket(t)?;
        *memo = Some(b);
        Some(b)
    }

    /// The earliest event time in the window as of `t`.
    pub fn start(&mut self, t: i64) -> i64 {
        match &self.kind {
            WindowKind::Transaction => t,
            WindowKind::Sliding { length } => t - length + 1,
            kind => WindowClock::bucket_memo(kind, &mut self.memo, t).map_or(t, |b| b.start),
        }
    }

    /// The last event time sharing a window with `t`.
    pub fn last_shared(&mut self, t: i64) -> i64 {
        match &self.kind {
            WindowKind::Transaction => t,
            WindowKind::Sliding { length } => t + length - 1,
            kind => WindowClock::bucket_memo(kind, &mut self.memo, t).map_or(t, |b| b.end - 1),
        }
    }

    /// The oldest event time a state must keep when the watermark is
    /// `watermark` and events may be up to `lateness` behind it.
    pub fn retain_from(&mut self, watermark: i64, lateness: i64) -> i64 {
        let t = watermark.saturating_sub(lateness);
        match &self.kind {
            WindowKind::Transaction => t,
            WindowKind::Sliding { length } => t - length + 1,
            kind => {
                WindowClock::bucket_memo(kind, &mut self.retention_memo, t).map_or(t, |b| b.start)
            }
        }
    }
}

/// Whether an event is money coming into or going out of the subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Direction {
    /// The subject receives (it is the beneficiary).
    In,
    /// The subject sends (it is the originator).
    Out,
    /// The grouping key has no side (a place, a corridor).
    #[default]
    None,
}

/// One transaction as a window state holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Event {
    /// Event time, ms.
    pub time: i64,
    /// Amount in USD cents.
    pub cents: i64,
    /// Position of the transaction in the stream.
    pub seq: u64,
    /// Interned values for the distinct-count aggregates.
    pub aux: [u32; MAX_DISTINCT],
    /// Bit `i` is set when aggregate `i`'s event filter accepts this event.
    pub mask: u16,
    /// Direction relative to the subject.
    pub direction: Direction,
}

impl Event {
    /// Cents with the sign of the flow: in positive, out negative.
    pub fn signed_cents(&self) -> i64 {
        match self.direction {
            Direction::In => self.cents,
            Direction::Out => -self.cents,
            Direction::None => 0,
        }
    }
}

/// Which aggregates a state keeps running totals for: bit `i` of
/// `distinct_masks[k]` says distinct slot `k` counts `aux[k]` of events
/// accepted by aggregate `i`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Layout {
    /// Number of aggregates (mask bits) in use.
    pub aggregates: usize,
    /// For each distinct slot in use, the aggregate bit whose events it
    /// counts (`None` = slot unused).
    pub distinct: [Option<u8>; MAX_DISTINCT],
    /// The aggregate bit of a time-to-forward aggregate and its delay (ms):
    /// outflows are matched first-in first-out against inflows at most
    /// that old.
    pub forwarded: Option<(u8, i64)>,
    /// The aggregate bit of an average-balance aggregate.
    pub balance: Option<u8>,
}

/// Inflows waiting to be forwarded, and the outflows matched to them.
#[derive(Debug, Clone, Default)]
pub struct Flow {
    inflows: VecDeque<(i64, i64)>,
    matched: VecDeque<(i64, i64)>,
    matched_total: i64,
}

impl Flow {
    /// The oldest time either queue holds (`i64::MAX` when both are empty).
    fn first(&self) -> i64 {
        let a = self.inflows.front().map_or(i64::MAX, |e| e.0);
        let b = self.matched.front().map_or(i64::MAX, |e| e.0);
        a.min(b)
    }
}

/// Occurrence counts of interned values: a small vector while it is small
/// (the common case: a handful of counterparties), a hash map beyond.
#[derive(Debug, Clone, Default)]
pub struct Counter {
    small: Vec<(u32, u32)>,
    large: Option<FxHashMap<u32, u32>>,
}

const SMALL_COUNTER: usize = 24;

impl Counter {
    /// Number of distinct values with a positive count.
    pub fn len(&self) -> usize {
        match &self.large {
            Some(map) => map.len(),
            None => self.small.len(),
        }
    }

    /// Whether no value is counted.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The count of `value`.
    pub fn get(&self, value: u32) -> u32 {
        match &self.large {
            Some(map) => map.get(&value).copied().unwrap_or(0),
            None => self.small.iter().find(|(v, _)| *v == value).map_or(0, |(_, c)| *c),
        }
    }

    /// Counts one more `value`.
    pub fn add(&mut self, value: u32) {
        if let Some(map) = &mut self.large {
            *map.entry(value).or_insert(0) += 1;
            return;
        }
        if let Some(slot) = self.small.iter_mut().find(|(v, _)| *v == value) {
            slot.1 += 1;
            return;
        }
        if self.small.len() < SMALL_COUNTER {
            self.small.push((value, 1));
        } else {
            let mut map: FxHashMap<u32, u32> = self.small.drain(..).collect();
            map.insert(value, 1);
            self.large = Some(map);
        }
    }

    /// Counts one less `value` (a value must have been added first).
    pub fn remove(&mut self, value: u32) {
        if let Some(map) = &mut self.large {
            if let Some(c) = map.get_mut(&value) {
                *c -= 1;
                if *c == 0 {
                    map.remove(&value);
                }
            }
            return;
        }
        if let Some(i) = self.small.iter().position(|(v, _)| *v == value) {
            self.small[i].1 -= 1;
            if self.small[i].1 == 0 {
                self.small.swap_remove(i);
            }
        }
    }
}

/// Totals over a range of a window state's events.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Totals {
    /// Index of the first event in range.
    pub lo: usize,
    /// Index one past the last event in range.
    pub hi: usize,
    /// Per aggregate bit: events accepted.
    pub count: [u32; MAX_AGGREGATES],
    /// Per aggregate bit: their amounts in cents.
    pub cents: [i64; MAX_AGGREGATES],
    /// Per distinct slot: distinct values.
    pub distinct: [u32; MAX_DISTINCT],
    /// Cents of outflows in range matched to an inflow within the delay.
    pub forwarded_cents: i64,
    /// Sum over events in range of signed cents (in +, out -) times the
    /// time from the event to the range's end: the area under the balance
    /// curve, in cent-milliseconds.
    pub balance_area: f64,
}

/// The events of one grouping key within a window's retention, with
/// running totals.
#[derive(Debug, Clone)]
pub struct WindowState {
    events: VecDeque<Event>,
    count: [u32; MAX_AGGREGATES],
    cents: [i64; MAX_AGGREGATES],
    distinct: [Counter; MAX_DISTINCT],
    /// The last event time that shares a window with the last alert raised
    /// for this key (alerts are suppressed until then).
    pub open_until: i64,
    /// Daily buckets for baseline aggregates, if the scenario has any.
    pub days: Option<Box<DayRing>>,
    /// Events dropped because the key hit its per-key cap.
    pub overflow: u64,
    flow: Option<Box<Flow>>,
    /// Times of the oldest and newest retained events (and the oldest
    /// entry of the flow queues), kept beside the totals so the common
    /// "nothing to evict, query ends at the newest event" path never
    /// touches the event buffers: at millions of keys each buffer is a
    /// cache miss.
    first_time: i64,
    last_time: i64,
    flow_first: i64,
    balance_cents: i64,
    balance_weighted: i128,
}

impl Default for WindowState {
    fn default() -> Self {
        WindowState {
            events: VecDeque::new(),
            count: [0; MAX_AGGREGATES],
            cents: [0; MAX_AGGREGATES],
            distinct: Default::default(),
            open_until: i64::MIN,
            days: None,
            overflow: 0,
            flow: None,
            balance_cents: 0,
            balance_weighted: 0,
            first_time: i64::MAX,
            last_time: i64::MIN,
            flow_first: i64::MAX,
        }
    }
}

impl WindowState {
    /// An empty state.
    pub fn new() -> WindowState {
        WindowState::default()
    }

    /// The retained events, oldest first.
    pub fn events(&self) -> &VecDeque<Event> {
        &self.events
    }

    /// Whether no event is retained.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    fn account(&mut self, layout: &Layout, e: &Event, sign: i64) {
        for bit in 0..layout.aggregates {
            if e.mask & (1 << bit) != 0 {
                if sign > 0 {
                    self.count[bit] += 1;
                    self.cents[bit] += e.cents;
                } else {
                    self.count[bit] -= 1;
                    self.cents[bit] -= e.cents;
                }
            }
        }
        for (slot, owner) in layout.distinct.iter().enumerate() {
            if let Some(bit) = owner
                && e.mask & (1 << bit) != 0
            {
                if sign > 0 {
                    self.distinct[slot].add(e.aux[slot]);
                } else {
                    self.distinct[slot].remove(e.aux[slot]);
                }
            }
        }
        if let Some(bit) = layout.balance
            && e.mask & (1 << bit) != 0
        {
            let signed = sign * e.signed_cents();
            self.balance_cents += signed;
            self.balance_weighted += i128::from(signed) * i128::from(e.time);
        }
    }

    /// Matches an outflow against waiting inflows, or queues an inflow.
    /// Matching follows arrival order (exact for in-order streams; an
    /// out-of-order event within the lateness is matched as it arrives).
    fn forward(&mut self, layout: &Layout, e: &Event) {
        let Some((bit, delay)) = layout.forwarded else { return };
        if e.mask & (1 << bit) == 0 {
            return;
        }
        let flow = self.flow.get_or_insert_with(Box::default);
        match e.direction {
            Direction::In => flow.inflows.push_back((e.time, e.cents)),
            Direction::Out => {
                let mut need = e.cents;
                let mut matched = 0;
                while need > 0 {
                    let Some(front) = flow.inflows.front_mut() else { break };
                    if front.0 < e.time - delay {
                        flow.inflows.pop_front();
                        continue;
                    }
                    let take = need.min(front.1);
                    front.1 -= take;
                    need -= take;
                    matched += take;
                    if front.1 == 0 {
                        flow.inflows.pop_front();
                    }
                }
                if matched > 0 {
                    flow.matched.push_back((e.time, matched));
                    flow.matched_total += matched;
                }
            }
            Direction::None => {}
        }
        self.flow_first = flow.first();
    }

    /// Adds an event in time order (equal times keep arrival order) and
    /// returns its index. When the state already holds `cap` events the
    /// oldest is dropped first and counted in [`WindowState::overflow`].
    pub fn insert(&mut self, layout: &Layout, event: Event, cap: usize) -> usize {
        if self.events.len() >= cap
            && let Some(old) = self.events.pop_front()
        {
            self.account(layout, &old, -1);
            self.overflow += 1;
            self.first_time = self.events.front().map_or(i64::MAX, |e| e.time);
        }
        self.account(layout, &event, 1);
        self.forward(layout, &event);
        // In-order arrival is the common case: append.
        let at = if self.last_time <= event.time {
            self.events.len()
        } else {
            self.events.partition_point(|e| e.time <= event.time)
        };
        self.events.insert(at, event);
        self.first_time = self.first_time.min(event.time);
        self.last_time = self.last_time.max(event.time);
        at
    }

    /// Drops the events older than `from`.
    pub fn evict_before(&mut self, layout: &Layout, from: i64) {
        if self.first_time >= from && self.flow_first >= from {
            return;
        }
        while let Some(first) = self.events.front() {
            if first.time >= from {
                break;
            }
            let e = *first;
            self.events.pop_front();
            self.account(layout, &e, -1);
        }
        self.first_time = self.events.front().map_or(i64::MAX, |e| e.time);
        if self.events.is_empty() {
            self.last_time = i64::MIN;
        }
        if let Some(flow) = &mut self.flow {
            while flow.matched.front().is_some_and(|m| m.0 < from) {
                if let Some((_, c)) = flow.matched.pop_front() {
                    flow.matched_total -= c;
                }
            }
            while flow.inflows.front().is_some_and(|m| m.0 < from) {
                flow.inflows.pop_front();
            }
            self.flow_first = flow.first();
        }
    }

    /// The index range of events with `start <= time <= end`.
    pub fn range(&self, start: i64, end: i64) -> (usize, usize) {
        let len = self.events.len();
        // Most queries end at the newest event and start before the
        // oldest: answer from the cached times.
        let hi = if self.last_time <= end {
            len
        } else {
            self.events.partition_point(|e| e.time <= end)
        };
        let lo = if self.first_time >= start {
            0
        } else {
            self.events.partition_point(|e| e.time < start)
        };
        (lo, hi.max(lo))
    }

    /// Totals over events with `start <= time <= end`: the running totals
    /// minus the retained events outside the range.
    pub fn totals(
        &self,
        layout: &Layout,
        start: i64,
        end: i64,
        scratch: &mut Vec<(u8, u32)>,
    ) -> Totals {
        let (lo, hi) = self.range(start, end);
        let mut t = Totals { lo, hi, count: self.count, cents: self.cents, ..Totals::default() };
        scratch.clear();
        let (mut balance_cents, mut balance_weighted) = (self.balance_cents, self.balance_weighted);
        if let Some(flow) = &self.flow {
            t.forwarded_cents = flow.matched_total
                - flow.matched.iter().take_while(|m| m.0 < start).map(|m| m.1).sum::<i64>()
                - flow.matched.iter().rev().take_while(|m| m.0 > end).map(|m| m.1).sum::<i64>();
        }
        let outside = self.events.range(..lo).chain(self.events.range(hi..));
        for e in outside {
            if let Some(bit) = layout.balance
                && e.mask & (1 << bit) != 0
            {
                balance_cents -= e.signed_cents();
                balance_weighted -= i128::from(e.signed_cents()) * i128::from(e.time);
            }
            for bit in 0..layout.aggregates {
                if e.mask & (1 << bit) != 0 {
                    t.count[bit] -= 1;
                    t.cents[bit] -= e.cents;
                }
            }
            for (slot, owner) in layout.distinct.iter().enumerate() {
                if let Some(bit) = owner
                    && e.mask & (1 << bit) != 0
                {
                    scratch.push((slot as u8, e.aux[slot]));
                }
            }
        }
        if layout.balance.is_some() {
            t.balance_area =
                (i128::from(end) * i128::from(balance_cents) - balance_weighted) as f64;
        }
        for (slot, owner) in layout.distinct.iter().enumerate() {
            if owner.is_some() {
                t.distinct[slot] = self.distinct[slot].len() as u32;
            }
        }
        if !scratch.is_empty() {
            // A value leaves the distinct count only if every retained
            // occurrence of it lies outside the range.
            scratch.sort_unstable();
            let mut i = 0;
            while i < scratch.len() {
                let (slot, value) = scratch[i];
                let mut j = i;
                while j < scratch.len() && scratch[j] == (slot, value) {
                    j += 1;
                }
                if self.distinct[slot as usize].get(value) as usize == j - i {
                    t.distinct[slot as usize] -= 1;
                }
                i = j;
            }
        }
        t
    }
}

/// A ring of daily (UTC) sums and counts for baseline aggregates: the
/// "bucketed ring buffer" of long windows. Memory is fixed at `days`
/// buckets per key whatever the traffic.
#[derive(Debug, Clone)]
pub struct DayRing {
    /// Day number (days since the epoch) of the newest bucket.
    newest: i64,
    /// The first day the ring saw an event: a baseline covers only days
    /// since then (a new key has a short history, not a history of zeros).
    first: i64,
    cents: Vec<i64>,
    counts: Vec<u32>,
}

/// What a baseline measures per day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// The day's total amount (USD).
    Amount,
    /// The day's number of transactions.
    Count,
}

/// A statistic over the baseline days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Statistic {
    /// The arithmetic mean.
    Mean,
    /// The population standard deviation.
    StdDev,
    /// The median.
    Median,
    /// The 95th percentile (nearest rank).
    P95,
    /// The current day's value itself.
    Today,
}

impl DayRing {
    /// A ring covering `days` days before today plus today.
    pub fn new(days: usize) -> DayRing {
        DayRing {
            newest: i64::MIN,
            first: i64::MAX,
            cents: vec![0; days + 1],
            counts: vec![0; days + 1],
        }
    }

    fn slot(&self, day: i64) -> usize {
        day.rem_euclid(self.cents.len() as i64) as usize
    }

    /// Day number (days since the epoch) of the newest bucket written.
    pub fn newest_day(&self) -> i64 {
        self.newest
    }

    /// Adds an event; events older than the ring are ignored.
    pub fn add(&mut self, time: i64, cents: i64) {
        let day = time.div_euclid(DAY);
        let len = self.cents.len() as i64;
        if self.newest == i64::MIN {
            self.newest = day;
        }
        self.first = self.first.min(day);
        if day > self.newest {
            // Clear the buckets the ring rolls over.
            let steps = (day - self.newest).min(len);
            for k in 1..=steps {
                let s = self.slot(self.newest + k);
                self.cents[s] = 0;
                self.counts[s] = 0;
            }
            self.newest = day;
        }
        if day <= self.newest - len {
            return;
        }
        let s = self.slot(day);
        self.cents[s] += cents;
        self.counts[s] += 1;
    }

    /// The value of `measure` on each of the `days` days before the day of
    /// `time`, from the first day the ring saw (oldest first; quiet days
    /// count as 0).
    fn history(&self, time: i64, measure: Measure, out: &mut Vec<f64>) {
        out.clear();
        let today = time.div_euclid(DAY);
        let len = self.cents.len() as i64;
        for day in (today - len + 1).max(self.first)..today {
            let v = if day > self.newest || day <= self.newest - len || self.newest == i64::MIN {
                0.0
            } else {
                let s = self.slot(day);
                match measure {
                    Measure::Amount => self.cents[s] as f64 / 100.0,
                    Measure::Count => f64::from(self.counts[s]),
                }
            };
            out.push(v);
        }
    }

    /// A statistic of the daily `measure` over the baseline days before the
    /// day of `time` (or the value of that day itself for `Today`).
    pub fn statistic(
        &self,
        time: i64,
        measure: Measure,
        statistic: Statistic,
        scratch: &mut Vec<f64>,
    ) -> f64 {
        if statistic == Statistic::Today {
            let day = time.div_euclid(DAY);
            if self.newest == i64::MIN
                || day > self.newest
                || day <= self.newest - self.cents.len() as i64
            {
                return 0.0;
            }
            let s = self.slot(day);
            return match measure {
                Measure::Amount => self.cents[s] as f64 / 100.0,
                Measure::Count => f64::from(self.counts[s]),
            };
        }
        self.history(time, measure, scratch);
        if scratch.is_empty() {
            return 0.0;
        }
        let n = scratch.len() as f64;
        match statistic {
            Statistic::Mean => scratch.iter().sum::<f64>() / n,
            Statistic::StdDev => {
                let mean = scratch.iter().sum::<f64>() / n;
                (scratch.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n).sqrt()
            }
            Statistic::Median | Statistic::P95 => {
                scratch.sort_by(f64::total_cmp);
                let q = if statistic == Statistic::Median { 0.5 } else { 0.95 };
                let rank = ((q * n).ceil() as usize).clamp(1, scratch.len());
                if statistic == Statistic::Median && scratch.len().is_multiple_of(2) {
                    let m = scratch.len() / 2;
                    (scratch[m - 1] + scratch[m]) / 2.0
                } else {
                    scratch[rank - 1]
                }
            }
            Statistic::Today => 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn durations() {
        fn check(text: &str, expected: Result<i64, ()>) {
            assert_eq!(parse_duration(text).map_err(|_| ()), expected, "{text}");
        }
        check("24h", Ok(DAY));
        check("30d", Ok(30 * DAY));
        check("90s", Ok(90 * SECOND));
        check("15m", Ok(15 * MINUTE));
        check("2w", Ok(14 * DAY));
        check("1d12h", Ok(36 * HOUR));
        check("250ms", Ok(250));
        check("", Err(()));
        check("24", Err(()));
        check("h", Err(()));
        check("3y", Err(()));
        check("0h", Err(()));
        assert_eq!(format_duration(DAY), "1d");
        assert_eq!(format_duration(36 * HOUR), "36h");
    }

    fn ms(text: &str) -> i64 {
        text.parse::<Timestamp>().unwrap().as_millisecond()
    }

    #[test]
    fn business_day_cutoffs() {
        let day = BusinessDay::new("America/Chicago", "17:00", false).unwrap();
        // 16:59 CDT on 2025-07-01 belongs to 1 July; 17:00 to 2 July.
        assert_eq!(day.business_date(ms("2025-07-01T21:59:00Z")).to_string(), "2025-07-01");
        assert_eq!(day.business_date(ms("2025-07-01T22:00:00Z")).to_string(), "2025-07-02");
        let b = day.bucket(ms("2025-07-01T12:00:00Z"));
        assert_eq!(
            b,
            Bucket { start: ms("2025-06-30T22:00:00Z"), end: ms("2025-07-01T22:00:00Z") }
        );
        // Across the spring-forward night the day is 23 hours long.
        let b = day.bucket(ms("2025-03-09T12:00:00Z"));
        assert_eq!(b.end - b.start, 23 * HOUR);

        let rolled = BusinessDay::new("America/Chicago", "17:00", true).unwrap();
        // Saturday 5 July 2025 rolls into Monday 7 July.
        assert_eq!(rolled.business_date(ms("2025-07-05T15:00:00Z")).to_string(), "2025-07-07");
        // Friday after the cut-off too.
        assert_eq!(rolled.business_date(ms("2025-07-04T23:00:00Z")).to_string(), "2025-07-07");
        let b = rolled.bucket(ms("2025-07-06T15:00:00Z"));
        assert_eq!(
            b,
            Bucket { start: ms("2025-07-04T22:00:00Z"), end: ms("2025-07-07T22:00:00Z") }
        );
        assert!(BusinessDay::new("Mars/Olympus", "17:00", false).is_err());
        assert!(BusinessDay::new("UTC", "25:00", false).is_err());
    }

    #[test]
    fn counter_grows_into_a_map_and_back_down() {
        let mut c = Counter::default();
        for v in 0..100 {
            c.add(v);
            c.add(v);
        }
        assert_eq!(c.len(), 100);
        for v in 0..100 {
            c.remove(v);
        }
        assert_eq!(c.len(), 100);
        assert_eq!(c.get(7), 1);
        for v in 0..50 {
            c.remove(v);
        }
        assert_eq!(c.len(), 50);
    }

    #[test]
    fn day_ring_baseline() {
        let mut ring = DayRing::new(4);
        let mut scratch = Vec::new();
        for (day, amount) in [(0, 100), (1, 200), (2, 300), (3, 400), (4, 1000)] {
            ring.add(day * DAY + HOUR, amount * 100);
        }
        let now = 4 * DAY + 2 * HOUR;
        assert_eq!(ring.statistic(now, Measure::Amount, Statistic::Today, &mut scratch), 1000.0);
        assert_eq!(ring.statistic(now, Measure::Amount, Statistic::Mean, &mut scratch), 250.0);
        assert_eq!(ring.statistic(now, Measure::Amount, Statistic::Median, &mut scratch), 250.0);
        assert_eq!(ring.statistic(now, Measure::Count, Statistic::Mean, &mut scratch), 1.0);
        // Ten days later everything has rolled out.
        ring.add(14 * DAY, 100);
        assert_eq!(ring.statistic(14 * DAY, Measure::Amount, Statistic::Mean, &mut scratch), 0.0);
        // A ring's baseline starts at its first day, not at zeros before it.
        let mut young = DayRing::new(90);
        young.add(10 * DAY, 5_000);
        young.add(11 * DAY, 7_000);
        assert_eq!(young.statistic(12 * DAY, Measure::Amount, Statistic::Mean, &mut scratch), 60.0);
    }

    /// What the window must hold, recomputed from scratch.
    #[derive(Debug, PartialEq)]
    struct Naive {
        count: u32,
        cents: i64,
        distinct: u32,
    }

    fn naive(seen: &[Event], start: i64, end: i64, bit: u16) -> Naive {
        let inside: Vec<&Event> =
            seen.iter().filter(|e| e.time >= start && e.time <= end && e.mask & bit != 0).collect();
        let mut values: Vec<u32> = inside.iter().map(|e| e.aux[0]).collect();
        values.sort_unstable();
        values.dedup();
        Naive {
            count: inside.len() as u32,
            cents: inside.iter().map(|e| e.cents).sum(),
            distinct: values.len() as u32,
        }
    }

    /// Events with times that mostly advance but jump back by up to
    /// `lateness` (and sometimes further, which must be skipped as late).
    fn stream(max_gap: i64, lateness: i64) -> impl Strategy<Value = Vec<(i64, i64, u32, u16)>> {
        prop::collection::vec(
            (0..max_gap, -lateness * 2..=0i64, 0..2_000_000i64, 0..6u32, 1..4u16),
            1..120,
        )
        .prop_map(|raw| {
            let mut t = 1_740_000_000_000i64;
            raw.into_iter()
                .map(|(gap, back, cents, aux, mask)| {
                    t += gap;
                    (t + back, cents, aux, mask)
                })
                .collect()
        })
    }

    fn run_against_naive(
        kind: WindowKind,
        events: Vec<(i64, i64, u32, u16)>,
        lateness: i64,
        cap: usize,
    ) {
        let mut clock = WindowClock::new(kind.clone());
        let layout = Layout { aggregates: 2, distinct: [Some(0), None, None], ..Layout::default() };
        let mut state = WindowState::new();
        let mut seen: Vec<Event> = Vec::new();
        let mut watermark = i64::MIN;
        let mut scratch = Vec::new();
        for (seq, (time, cents, aux, mask)) in events.into_iter().enumerate() {
            if watermark != i64::MIN && time < watermark - lateness {
                continue; // late: the engine skips it
            }
            watermark = watermark.max(time);
            let e = Event {
                time,
                cents,
                seq: seq as u64,
                aux: [aux, 0, 0],
                mask,
                direction: Direction::In,
            };
            state.evict_before(&layout, clock.retain_from(watermark, lateness));
            state.insert(&layout, e, cap);
            seen.push(e);
            let start = clock.start(time);
            assert_eq!(start, kind.start(time), "memo agrees with the plain calendar");
            let t = state.totals(&layout, start, time, &mut scratch);
            for bit in 0..2 {
                let n = naive(&seen, start, time, 1 << bit);
                assert_eq!(t.count[bit], n.count, "count bit {bit} at {time}");
                assert_eq!(t.cents[bit], n.cents, "sum bit {bit} at {time}");
                if bit == 0 {
                    assert_eq!(t.distinct[0], n.distinct, "distinct at {time}");
                }
            }
            let (lo, hi) = (t.lo, t.hi);
            let in_range: Vec<u64> = state.events().range(lo..hi).map(|e| e.seq).collect();
            let mut expected: Vec<&Event> =
                seen.iter().filter(|e| e.time >= start && e.time <= time).collect();
            expected.sort_by_key(|e| (e.time, e.seq));
            let mut got: Vec<u64> = in_range.clone();
            got.sort_unstable();
            let mut want: Vec<u64> = expected.iter().map(|e| e.seq).collect();
            want.sort_unstable();
            assert_eq!(got, want, "evidence at {time}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn sliding_matches_naive(events in stream(3 * HOUR, 30 * MINUTE), len in 1..48i64) {
            run_against_naive(WindowKind::Sliding { length: len * HOUR }, events, 30 * MINUTE, usize::MAX);
        }

        #[test]
        fn sliding_in_order_matches_naive(events in stream(HOUR, 0), len in 1..10i64) {
            run_against_naive(WindowKind::Sliding { length: len * HOUR }, events, 0, usize::MAX);
        }

        #[test]
        fn tumbling_matches_naive(events in stream(2 * HOUR, 45 * MINUTE), len in 1..30i64, origin in 0..DAY) {
            run_against_naive(WindowKind::Tumbling { length: len * HOUR, origin }, events, 45 * MINUTE, usize::MAX);
        }

        #[test]
        fn business_day_matches_naive(
            events in stream(5 * HOUR, 2 * HOUR),
            zone in prop::sample::select(vec!["America/Chicago", "America/Mexico_City", "Europe/London", "America/Los_Angeles", "Asia/Kolkata", "UTC"]),
            hour in 0..24u32,
            minute in prop::sample::select(vec![0u32, 30]),
            roll in any::<bool>(),
        ) {
            let day = BusinessDay::new(zone, &format!("{hour:02}:{minute:02}"), roll).unwrap();
            run_against_naive(WindowKind::BusinessDay(day), events, 2 * HOUR, usize::MAX);
        }

        #[test]
        fn business_day_agrees_with_local_clock(
            t in 1_700_000_000_000i64..1_800_000_000_000i64,
            zone in prop::sample::select(vec!["America/Chicago", "America/New_York", "Europe/London", "Australia/Sydney", "America/Mexico_City"]),
            hour in 0..24i8,
        ) {
            // Oracle: the local wall clock. Away from the folded hour, an
            // instant before the local cut-off belongs to today, after it
            // to tomorrow (no weekend rolling).
            let day = BusinessDay::new(zone, &format!("{hour:02}:00"), false).unwrap();
            let tz = TimeZone::get(zone).unwrap();
            let local = tz.to_datetime(Timestamp::from_millisecond(t).unwrap());
            let ambiguous = tz.to_ambiguous_timestamp(local).is_ambiguous();
            prop_assume!(!ambiguous);
            let local_cutoff = Time::new(hour, 0, 0, 0).unwrap();
            let expected = if local.time() < local_cutoff { local.date() } else { local.date().tomorrow().unwrap() };
            prop_assert_eq!(day.business_date(t), expected);
            let b = day.bucket(t);
            prop_assert!(b.start <= t && t < b.end);
            // Buckets tile time: the next bucket starts where this one ends.
            prop_assert_eq!(day.bucket(b.end).start, b.end);
            prop_assert_eq!(day.bucket(b.start - 1).end, b.start);
        }

        #[test]
        fn forwarded_and_balance_match_naive(
            raw in prop::collection::vec((0..6 * HOUR, 1..500_000i64, any::<bool>()), 1..80),
            delay in 1..72i64,
            len in 24..240i64,
        ) {
            // In-order stream; naive FIFO matching and balance integral
            // recomputed from the events in the window.
            let layout = Layout { aggregates: 1, forwarded: Some((0, delay * HOUR)), balance: Some(0), ..Layout::default() };
            let kind = WindowKind::Sliding { length: len * HOUR };
            let mut state = WindowState::new();
            let mut scratch = Vec::new();
            let mut t = 1_740_000_000_000i64;
            let mut seen: Vec<Event> = Vec::new();
            let mut matched_log: Vec<(i64, i64)> = Vec::new();
            let mut queue: VecDeque<(i64, i64)> = VecDeque::new();
            for (seq, (gap, cents, inflow)) in raw.into_iter().enumerate() {
                t += gap;
                let direction = if inflow { Direction::In } else { Direction::Out };
                let e = Event { time: t, cents, seq: seq as u64, aux: [0; 3], mask: 1, direction };
                state.evict_before(&layout, kind.start(t));
                state.insert(&layout, e, usize::MAX);
                seen.push(e);
                // Naive FIFO over every event seen (inflows older than the
                // window are expired by the delay or the window anyway).
                match direction {
                    Direction::In => queue.push_back((t, cents)),
                    _ => {
                        let mut need = cents;
                        let mut got = 0;
                        while need > 0 {
                            let Some(f) = queue.front_mut() else { break };
                            if f.0 < t - delay * HOUR || f.0 < kind.start(t) { queue.pop_front(); continue; }
                            let take = need.min(f.1);
                            f.1 -= take; need -= take; got += take;
                            if f.1 == 0 { queue.pop_front(); }
                        }
                        if got > 0 { matched_log.push((t, got)); }
                    }
                }
                let start = kind.start(t);
                let totals = state.totals(&layout, start, t, &mut scratch);
                let want: i64 = matched_log.iter().filter(|m| m.0 >= start).map(|m| m.1).sum();
                prop_assert_eq!(totals.forwarded_cents, want);
                let area: i128 = seen.iter().filter(|e| e.time >= start).map(|e| i128::from(e.signed_cents()) * i128::from(t - e.time)).sum();
                prop_assert_eq!(totals.balance_area, area as f64);
            }
        }

        #[test]
        fn capped_state_never_exceeds_cap(events in stream(MINUTE, 0), cap in 1..20usize) {
            let layout = Layout { aggregates: 1, distinct: [Some(0), None, None], ..Layout::default() };
            let mut state = WindowState::new();
            let mut scratch = Vec::new();
            for (seq, (time, cents, aux, _)) in events.into_iter().enumerate() {
                state.insert(&layout, Event { time, cents, seq: seq as u64, aux: [aux, 0, 0], mask: 1, direction: Direction::In }, cap);
                prop_assert!(state.events().len() <= cap);
                let t = state.totals(&layout, i64::MIN, i64::MAX, &mut scratch);
                prop_assert_eq!(t.count[0] as usize, state.events().len());
                prop_assert_eq!(t.cents[0], state.events().iter().map(|e| e.cents).sum::<i64>());
            }
        }
    }
}
