//! Event-time windows: the calendars that say which events a window holds,
//! and the small structures window states use (distinct counters, daily
//! rings). The shared per-key state itself is in `state.rs`.
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
//! Amounts are integer cents, so sums are exact and agree with a naive
//! recompute to the cent.

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

    /// How far before `watermark - lateness` [`WindowClock::retain_from`]
    /// is for a window of fixed length (a sliding window, a single
    /// transaction); `None` for a calendar window, whose retention start
    /// depends on where the time falls.
    pub fn retention_span(&self) -> Option<i64> {
        match &self.kind {
            WindowKind::Transaction => Some(0),
            WindowKind::Sliding { length } => Some(length - 1),
            _ => None,
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

/// Occurrence counts of interned values: in place while there are few
/// (the common case: a handful of counterparties), a hash map beyond. In
/// place, counting a value allocates nothing and reads no line other than
/// the counter's own.
#[derive(Debug, Clone, Default)]
pub struct Counter {
    /// The values and their counts while at most [`INLINE_COUNTER`] are
    /// counted: the first `len`.
    inline: [(u32, u32); INLINE_COUNTER],
    len: u32,
    /// Every value and its count, once more than [`INLINE_COUNTER`] were
    /// counted at once (then `len` is 0).
    large: Option<Box<FxHashMap<u32, u32>>>,
}

/// Values a [`Counter`] keeps in place: six with their counts and the
/// length make it one 64-byte line.
const INLINE_COUNTER: usize = 6;

impl Counter {
    /// Number of distinct values with a positive count.
    pub fn len(&self) -> usize {
        match &self.large {
            Some(map) => map.len(),
            None => self.len as usize,
        }
    }

    /// Whether no value is counted.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The values counted in place and their counts (`len` is at most
    /// [`INLINE_COUNTER`]; the `min` lets the slice go unchecked).
    fn in_place(&self) -> &[(u32, u32)] {
        &self.inline[..(self.len as usize).min(INLINE_COUNTER)]
    }

    fn in_place_mut(&mut self) -> &mut [(u32, u32)] {
        &mut self.inline[..(self.len as usize).min(INLINE_COUNTER)]
    }

    /// The count of `value`.
    pub fn get(&self, value: u32) -> u32 {
        match &self.large {
            Some(map) => map.get(&value).copied().unwrap_or(0),
            None => self.in_place().iter().find(|(v, _)| *v == value).map_or(0, |(_, c)| *c),
        }
    }

    /// Counts one more `value`.
    pub fn add(&mut self, value: u32) {
        if let Some(map) = &mut self.large {
            *map.entry(value).or_insert(0) += 1;
            return;
        }
        if let Some(slot) = self.in_place_mut().iter_mut().find(|(v, _)| *v == value) {
            slot.1 += 1;
            return;
        }
        let len = self.len as usize;
        if len < INLINE_COUNTER {
            self.inline[len] = (value, 1);
            self.len += 1;
        } else {
            let mut map: FxHashMap<u32, u32> = self.inline.iter().copied().collect();
            map.insert(value, 1);
            self.large = Some(Box::new(map));
            self.len = 0;
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
        let counted = self.in_place_mut();
        if let Some(i) = counted.iter().position(|(v, _)| *v == value) {
            counted[i].1 -= 1;
            if counted[i].1 == 0 {
                let last = counted.len() - 1;
                counted.swap(i, last);
                self.len -= 1;
            }
        }
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

    /// A fixed-length window's retention start is its span before
    /// `watermark - lateness`, as the engine computes a family's oldest.
    #[test]
    fn retention_span_agrees_with_retain_from() {
        let kinds = [
            WindowKind::Transaction,
            WindowKind::Sliding { length: 1 },
            WindowKind::Sliding { length: 7 * DAY },
            WindowKind::Tumbling { length: DAY, origin: 0 },
        ];
        for kind in kinds {
            let mut clock = WindowClock::new(kind.clone());
            for (watermark, lateness) in [(1_740_000_000_000, 0), (1_740_000_123_456, HOUR)] {
                let want = clock.retain_from(watermark, lateness);
                match clock.retention_span() {
                    Some(span) => assert_eq!(watermark - lateness - span, want, "{kind:?}"),
                    None => assert!(matches!(kind, WindowKind::Tumbling { .. }), "{kind:?}"),
                }
            }
        }
    }

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
    fn counter_matches_naive_counts_in_place_and_in_a_map() {
        // Values added and removed in a pseudo-random order: from six
        // values, the counter stays in place (removals move its last
        // entry); from nine, it crosses into a map.
        for range in [6u64, 9] {
            let mut c = Counter::default();
            let mut naive = std::collections::BTreeMap::<u32, u32>::new();
            let mut state = 7u64;
            for step in 0..5_000 {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                let value = ((state >> 33) % range) as u32;
                let held = naive.get(&value).copied().unwrap_or(0);
                if (state >> 20) & 1 == 0 || held == 0 {
                    c.add(value);
                    *naive.entry(value).or_insert(0) += 1;
                } else {
                    c.remove(value);
                    if held == 1 {
                        naive.remove(&value);
                    } else {
                        naive.insert(value, held - 1);
                    }
                }
                assert_eq!(c.len(), naive.len(), "step {step} of {range}");
                for v in 0..range as u32 {
                    let want = naive.get(&v).copied().unwrap_or(0);
                    assert_eq!(c.get(v), want, "value {v} at step {step} of {range}");
                }
            }
        }
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

    /// The days [`DayRing::history`] reports for `time`, recomputed from
    /// every event added (`(time, cents)`, in the order added) to a ring
    /// of `len` buckets: each day the ring still covers holds the totals of
    /// all events on that day.
    fn naive_history(events: &[(i64, i64)], len: i64, time: i64, measure: Measure) -> Vec<f64> {
        let Some(newest) = events.iter().map(|e| e.0.div_euclid(DAY)).max() else {
            return Vec::new();
        };
        let first = events.iter().map(|e| e.0.div_euclid(DAY)).min().unwrap_or(i64::MAX);
        let today = time.div_euclid(DAY);
        ((today - len + 1).max(first)..today)
            .map(|day| {
                if day > newest || day <= newest - len {
                    return 0.0;
                }
                let on_day = events.iter().filter(|e| e.0.div_euclid(DAY) == day);
                match measure {
                    Measure::Amount => on_day.map(|e| e.1).sum::<i64>() as f64 / 100.0,
                    Measure::Count => on_day.count() as f64,
                }
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// A ring's days (sums and counts) against the events added, with
        /// days skipped, events out of order and events older than the
        /// ring.
        #[test]
        fn day_ring_matches_naive(
            steps in prop::collection::vec((0..3 * DAY, 0..5 * DAY, any::<bool>(), 1..1_000_000i64), 1..60),
            days in 1..12usize,
        ) {
            let mut ring = DayRing::new(days);
            let mut events = Vec::new();
            let mut scratch = Vec::new();
            let mut t = 100 * DAY;
            for (gap, back, late, cents) in steps {
                t += gap;
                let time = if late { t - back } else { t };
                ring.add(time, cents);
                events.push((time, cents));
                for measure in [Measure::Amount, Measure::Count] {
                    ring.history(t, measure, &mut scratch);
                    prop_assert_eq!(&scratch, &naive_history(&events, days as i64 + 1, t, measure));
                    // Today's value is the last day of tomorrow's history.
                    let tomorrow = naive_history(&events, days as i64 + 1, t + DAY, measure);
                    let want = tomorrow.last().copied().unwrap_or(0.0);
                    let got = ring.statistic(t, measure, Statistic::Today, &mut scratch);
                    prop_assert_eq!(got, want);
                }
            }
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
    }
}
