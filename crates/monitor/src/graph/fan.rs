//! G1 fan-out and G2 fan-in, counted incrementally.
//!
//! Each account pair with an edge in the retention window has a slot that
//! counts its edges in the retention window, and in each fan window all
//! its edges and the counted ones (at least `min_amount`) with their sum.
//! A counterparty is *new* when the pair has no edge in the retention
//! window (the relationship horizon) older than the fan window: every
//! transfer between them falls in the window. Each account keeps the
//! number of new counterparties with a counted edge in the window and their
//! total, on each side. Every event (an edge arriving, leaving a fan
//! window, leaving the retention window) changes one slot and moves the
//! two aggregates by the slot's contribution before and after, so a fan
//! check is O(1) per edge whatever the hub's degree; only a report walks
//! the hub's list.

use std::fmt;

use vigia_model::EventTime;

use super::config::FanConfig;
use super::pairs::PairTable;
use super::scratch::Marks;
use super::store::{Record, Store};
use super::{AccountId, Detection, Typology};
use crate::figures::{GROUPED_LEN, grouped};

/// Counters of one account pair (`repr(C)`: [`Pair::prefetch`] names its
/// first and last fields).
#[derive(Debug, Clone, Copy, Default)]
#[repr(C)]
struct Pair {
    /// Edges in the retention window.
    held: u32,
    /// Low sequence number of the newest of them.
    newest: u32,
    /// Edges in the fan-out window, and those counted, with their sum.
    out_all: u32,
    out_w: u32,
    out_sum: f64,
    /// The same for the fan-in window.
    in_all: u32,
    in_w: u32,
    in_sum: f64,
}

impl Pair {
    /// Requests both ends of the counters: at 40 bytes, half the pairs
    /// straddle two cache lines, and a request for the first line alone
    /// leaves the second to be read on demand.
    fn prefetch(&self) {
        vigia_alloc::prefetch(&self.held);
        vigia_alloc::prefetch(&self.in_sum);
    }
}

/// Per-account fan state: the aggregates, and the hub's last fan report
/// on each side (the materiality rule's memory for G1 and G2, whose key
/// is the hub). One cache line (`align(64)`): the edge's look-ahead
/// requests it with one prefetch, and the materiality test of a hub that
/// passes the thresholds reads the line the thresholds just read instead
/// of a hash map.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(64))]
pub(crate) struct FanAgg {
    pub(crate) out_total: f64,
    pub(crate) in_total: f64,
    pub(crate) out_count: u32,
    pub(crate) in_count: u32,
    /// The hub's last fan-out and fan-in reports: when, and their size
    /// (0: none; a size-0 report suppresses nothing, as no report).
    out_reported_at: EventTime,
    in_reported_at: EventTime,
    out_reported_size: u32,
    in_reported_size: u32,
}

impl FanAgg {
    /// Requests the aggregates' cache line.
    pub(crate) fn prefetch(&self) {
        vigia_alloc::prefetch(&self.out_total);
    }

    /// The size of the hub's last report on one side (`out`: fan-out) if
    /// that report is in the window ending at `time`: what
    /// `Episodes::recent` answers for the hub's key.
    pub(crate) fn recent(&self, out: bool, time: EventTime, window: EventTime) -> Option<u32> {
        let (at, size) = if out {
            (self.out_reported_at, self.out_reported_size)
        } else {
            (self.in_reported_at, self.in_reported_size)
        };
        (size > 0 && at >= time.saturating_sub(window)).then_some(size)
    }
}

/// The incremental fan state.
#[derive(Debug, Default)]
pub(crate) struct Fans {
    out: Option<FanConfig>,
    inn: Option<FanConfig>,
    pairs: PairTable,
    slab: Vec<Pair>,
    free: Vec<u32>,
    pub(crate) agg: Vec<FanAgg>,
    /// Next arena sequence number to leave the fan-out window.
    out_cursor: u64,
    /// Next arena sequence number to leave the fan-in window.
    in_cursor: u64,
    /// Whether each side counts new counterparties only (read on every
    /// update, so kept beside the counters rather than in the configs).
    out_novelty: bool,
    in_novelty: bool,
}

/// How many edges ahead of the one leaving a fan window its successor's
/// counters are prefetched ([`Fans::leave`]).
const LEAVE_AHEAD: u64 = 4;

/// What one pair adds to its accounts' aggregates: (out count, out total,
/// in count, in total).
type Contribution = (u32, f64, u32, f64);

impl Fans {
    pub(crate) fn new(out: Option<FanConfig>, inn: Option<FanConfig>) -> Self {
        let (out_novelty, in_novelty) = (Self::novelty(&out), Self::novelty(&inn));
        Fans { out, inn, out_novelty, in_novelty, ..Fans::default() }
    }

    pub(crate) fn ensure(&mut self, len: usize) {
        if self.agg.len() < len {
            self.agg.resize(len, FanAgg::default());
        }
    }

    fn novelty(config: &Option<FanConfig>) -> bool {
        config.as_ref().is_some_and(|c| c.new_counterparties_only)
    }

    fn contribution(&self, pair: &Pair) -> Contribution {
        let novel_out = !self.out_novelty || pair.held == pair.out_all;
        let novel_in = !self.in_novelty || pair.held == pair.in_all;
        let (oc, ot) = if pair.out_w > 0 && novel_out { (1, pair.out_sum) } else { (0, 0.0) };
        let (ic, it) = if pair.in_w > 0 && novel_in { (1, pair.in_sum) } else { (0, 0.0) };
        (oc, ot, ic, it)
    }

    /// Applies `change` to the pair in `slot` and moves the aggregates of
    /// `from` (out side) and `to` (in side) by the pair's new contribution
    /// minus its old one.
    fn update(
        &mut self,
        slot: u32,
        from: AccountId,
        to: AccountId,
        change: impl FnOnce(&mut Pair),
    ) {
        let Some(pair) = self.slab.get(slot as usize).copied() else { return };
        let before = self.contribution(&pair);
        let mut pair = pair;
        change(&mut pair);
        if pair.out_w == 0 {
            pair.out_sum = 0.0;
        }
        if pair.in_w == 0 {
            pair.in_sum = 0.0;
        }
        let after = self.contribution(&pair);
        if let Some(stored) = self.slab.get_mut(slot as usize) {
            *stored = pair;
        }
        if (before.0 != after.0 || before.1 != after.1)
            && let Some(agg) = self.agg.get_mut(from as usize)
        {
            agg.out_count = (agg.out_count + after.0).saturating_sub(before.0);
            agg.out_total += after.1 - before.1;
            if agg.out_count == 0 {
                agg.out_total = 0.0;
            }
        }
        if (before.2 != after.2 || before.3 != after.3)
            && let Some(agg) = self.agg.get_mut(to as usize)
        {
            agg.in_count = (agg.in_count + after.2).saturating_sub(before.2);
            agg.in_total += after.3 - before.3;
            if agg.in_count == 0 {
                agg.in_total = 0.0;
            }
        }
    }

    /// The slot of the pair `from → to`, taken (empty) when the pair has
    /// no edge held, and whether it had one: one probe of the pair table
    /// for [`Fans::add`] and for the chain's test of an established pair.
    ///
    /// A pair is in the table exactly while an edge of it is in the arena,
    /// and an edge leaves its accounts' adjacency lists no later than the
    /// arena; so a pair not in the table has no adjacency entry either.
    pub(crate) fn slot(&mut self, from: AccountId, to: AccountId) -> (u32, bool) {
        let Fans { pairs, free, slab, .. } = self;
        pairs.get_or_insert_with(from, to, || match free.pop() {
            Some(slot) => slot,
            None => {
                slab.push(Pair::default());
                (slab.len() - 1) as u32
            }
        })
    }

    /// The low sequence number of the newest edge held of the pair in
    /// `slot`.
    pub(crate) fn newest(&self, slot: u32) -> u32 {
        self.slab.get(slot as usize).map_or(0, |pair| pair.newest)
    }

    /// Counts a new edge of the pair in `slot` (from [`Fans::slot`]),
    /// whose sequence number is `seq` (low bits).
    pub(crate) fn add(&mut self, slot: u32, from: AccountId, to: AccountId, amount: f64, seq: u32) {
        let out = self.out.as_ref().map(|c| amount >= c.min_amount);
        let inn = self.inn.as_ref().map(|c| amount >= c.min_amount);
        self.update(slot, from, to, |pair| {
            pair.held += 1;
            pair.newest = seq;
            if let Some(counted) = out {
                pair.out_all += 1;
                if counted {
                    pair.out_w += 1;
                    pair.out_sum += amount;
                }
            }
            if let Some(counted) = inn {
                pair.in_all += 1;
                if counted {
                    pair.in_w += 1;
                    pair.in_sum += amount;
                }
            }
        });
    }

    /// Moves both fan windows up to `now`: edges older than each window
    /// stop counting.
    pub(crate) fn advance(&mut self, store: &Store, now: EventTime) {
        let out = self.out.as_ref().map(|c| (c.window, c.min_amount));
        let inn = self.inn.as_ref().map(|c| (c.window, c.min_amount));
        if let (Some((window, min_amount)), Some(same)) = (out, inn)
            && same == (window, min_amount)
            && self.out_cursor == self.in_cursor
        {
            // Both windows move together (the pack's G1 and G2 share them):
            // one visit of each leaving edge's pair updates both sides. Each
            // side's counters see the same changes in the same order as
            // with two passes, so the aggregates are the same to the bit.
            let cursor = self.leave(store, self.out_cursor, now, (window, min_amount), true, true);
            self.out_cursor = cursor;
            self.in_cursor = cursor;
            return;
        }
        if let Some(window) = out {
            self.out_cursor = self.leave(store, self.out_cursor, now, window, true, false);
        }
        if let Some(window) = inn {
            self.in_cursor = self.leave(store, self.in_cursor, now, window, false, true);
        }
    }

    /// Walks the edges from `cursor` that have left a `(window, min_amount)`
    /// window at `now`, taking each out of the out side's and/or the in
    /// side's counters of its pair; returns the cursor after them.
    fn leave(
        &mut self,
        store: &Store,
        cursor: u64,
        now: EventTime,
        (window, min_amount): (EventTime, f64),
        out: bool,
        inn: bool,
    ) -> u64 {
        let cutoff = now.saturating_sub(window);
        let mut cursor = cursor.max(store.base_seq());
        // The arena is walked a chunk's run at a time rather than looking
        // each record up by its sequence number.
        loop {
            let run = store.run_from(cursor);
            if run.is_empty() {
                return cursor;
            }
            for (i, record) in run.iter().enumerate() {
                if record.time >= cutoff {
                    return cursor;
                }
                // Edges leave in arrival order, about one per new edge:
                // the counters of the edge a few places on, which a later
                // transaction takes out, are requested now so that its
                // update does not wait on memory (the pair slab is far
                // larger than the caches).
                let in_run = run.get(i + LEAVE_AHEAD as usize);
                if let Some(ahead) = in_run.or_else(|| store.at(cursor + LEAVE_AHEAD)) {
                    self.prefetch(ahead);
                }
                let counted = record.amount >= min_amount;
                let amount = record.amount;
                self.update(record.pair, record.from, record.to, |pair| {
                    if out {
                        pair.out_all = pair.out_all.saturating_sub(1);
                    }
                    if inn {
                        pair.in_all = pair.in_all.saturating_sub(1);
                    }
                    if counted {
                        if out {
                            pair.out_w = pair.out_w.saturating_sub(1);
                            pair.out_sum -= amount;
                        }
                        if inn {
                            pair.in_w = pair.in_w.saturating_sub(1);
                            pair.in_sum -= amount;
                        }
                    }
                });
                cursor += 1;
            }
        }
    }

    /// Prefetches where the pair table's look-up of `from → to` starts.
    pub(crate) fn prefetch_lookup(&self, from: AccountId, to: AccountId) {
        self.pairs.prefetch(from, to);
    }

    /// Prefetches the counters of the pair `from → to`, if it has an edge
    /// held: the pair table is looked up (a load), the counters, which
    /// the look-up names, are only requested. Their slab is far larger
    /// than the caches, and the transaction's own look-up would otherwise
    /// wait on them.
    pub(crate) fn prefetch_pair(&self, from: AccountId, to: AccountId) {
        if let Some(pair) = self.pairs.get(from, to).and_then(|slot| self.slab.get(slot as usize)) {
            pair.prefetch();
        }
    }

    /// Prefetches the pair counters and the two aggregates that taking
    /// `record` out of a window updates; changes nothing.
    fn prefetch(&self, record: &Record) {
        if let Some(pair) = self.slab.get(record.pair as usize) {
            pair.prefetch();
        }
        for account in [record.from, record.to] {
            if let Some(agg) = self.agg.get(account as usize) {
                agg.prefetch();
            }
        }
    }

    /// Forgets an edge leaving the retention window (after [`advance`]
    /// has moved both fan windows past it).
    ///
    /// [`advance`]: Fans::advance
    pub(crate) fn expire(&mut self, record: &Record) {
        self.update(record.pair, record.from, record.to, |pair| {
            pair.held = pair.held.saturating_sub(1);
        });
        if self.slab.get(record.pair as usize).is_some_and(|p| p.held == 0) {
            if let Some(pair) = self.slab.get_mut(record.pair as usize) {
                *pair = Pair::default();
            }
            self.pairs.remove(record.from, record.to);
            self.free.push(record.pair);
        }
    }

    /// Records a report of `hub`'s fan on one side (`out`: fan-out) at
    /// `time` with `size` counterparties.
    pub(crate) fn reported(&mut self, hub: AccountId, out: bool, time: EventTime, size: u32) {
        if let Some(agg) = self.agg.get_mut(hub as usize) {
            if out {
                (agg.out_reported_at, agg.out_reported_size) = (time, size);
            } else {
                (agg.in_reported_at, agg.in_reported_size) = (time, size);
            }
        }
    }

    /// Whether the pair in `slot` is a new relationship for the given side.
    fn novel(&self, slot: u32, out: bool) -> bool {
        self.slab.get(slot as usize).is_some_and(|p| {
            let c = self.contribution(p);
            if out { c.0 == 1 } else { c.2 == 1 }
        })
    }

    /// Pairs currently tracked (for memory accounting in tests).
    #[cfg(test)]
    pub(crate) fn pairs(&self) -> usize {
        self.pairs.len()
    }
}

/// Builds the detection for a hub that qualifies: walks its list in the
/// window and keeps the counted edges to new counterparties.
#[allow(clippy::too_many_arguments)]
pub(crate) fn detection(
    store: &Store,
    fans: &Fans,
    seen: &mut Marks,
    config: &FanConfig,
    typology: Typology,
    hub: AccountId,
    now: EventTime,
    max_scan: usize,
) -> Detection {
    let out = typology == Typology::FanOut;
    let node = store.node(hub);
    let side = if out { &node.out } else { &node.inn };
    let window = side.between(now.saturating_sub(config.window), now);
    let capped = window.len() > max_scan;
    let window = &window[window.len().saturating_sub(max_scan)..];
    // Sized for every entry of the walk at once rather than grown from
    // empty: a report names up to one account and one edge per entry.
    let mut accounts = Vec::with_capacity(window.len() + 1);
    accounts.push(hub);
    seen.clear();
    seen.insert(hub);
    let mut edges = Vec::with_capacity(window.len());
    let (mut from, mut amount) = (now, 0.0);
    for adj in window {
        if adj.amount < config.min_amount {
            continue;
        }
        let Some(record) = store.record(adj.seq) else { continue };
        if !fans.novel(record.pair, out) {
            continue;
        }
        if seen.insert(adj.other) {
            accounts.push(adj.other);
        }
        edges.push(record.tx);
        from = from.min(adj.time);
        amount += adj.amount;
    }
    let counterparties = accounts.len() - 1;
    let what = if out { "paid" } else { "received from" };
    let new = if config.new_counterparties_only { "new " } else { "" };
    let detail = format!(
        "{what} {counterparties} distinct {new}counterparties in {} transfers, {} in total, within {} (window {})",
        edges.len(),
        money(amount),
        duration(now - from),
        duration(config.window),
    );
    Detection {
        typology,
        accounts,
        edges,
        from,
        to: now,
        amount,
        size: counterparties as u32,
        capped,
        detail,
    }
}

/// `$12,345.67`: an amount in the words of a detection, written straight
/// into the detail's text (no string of its own per figure).
pub(crate) fn money(amount: f64) -> Money {
    Money(amount)
}

/// An amount of USD to two decimals, the dollars grouped by thousands.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Money(f64);

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cents = (self.0 * 100.0).round() as i64;
        let (whole, frac) = (cents / 100, (cents % 100).abs());
        f.write_str(if whole < 0 { "-$" } else { "$" })?;
        f.write_str(grouped(whole.unsigned_abs(), &mut [0; GROUPED_LEN]))?;
        let cents = [b'.', b'0' + (frac / 10) as u8, b'0' + (frac % 10) as u8];
        // A point and two ASCII digits.
        f.write_str(std::str::from_utf8(&cents).map_err(|_| fmt::Error)?)
    }
}

/// `3.5 days`, `14 hours`, `20 minutes`, written straight into the
/// detail's text.
pub(crate) fn duration(ms: EventTime) -> Duration {
    Duration(ms)
}

/// A span of milliseconds in days (to a tenth), hours or minutes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Duration(EventTime);

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use super::config::{DAY, HOUR};
        let ms = self.0;
        if ms >= DAY {
            let days = ms as f64 / DAY as f64;
            if (days - days.round()).abs() < 0.05 {
                let days = days.round() as i64;
                write!(f, "{days} day{}", if days == 1 { "" } else { "s" })
            } else {
                write!(f, "{days:.1} days")
            }
        } else if ms >= HOUR {
            let hours = ms / HOUR;
            write!(f, "{hours} hour{}", if hours == 1 { "" } else { "s" })
        } else {
            write!(f, "{} minutes", ms / 60_000)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::config::{DAY, HOUR};
    use super::super::scratch::Episodes;
    use super::super::tests::xorshift;
    use super::{FanAgg, Fans, duration, money};

    /// The amount as it was written before it went straight into the
    /// detail's text: through a string of digits, grouped by `char`.
    fn money_through_strings(amount: f64) -> String {
        let cents = (amount * 100.0).round() as i64;
        let (whole, frac) = (cents / 100, (cents % 100).abs());
        let digits = whole.abs().to_string();
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        let sign = if whole < 0 { "-" } else { "" };
        format!("{sign}${grouped}.{frac:02}")
    }

    /// Amounts of every magnitude and sign, halves of a cent, and the
    /// values around each grouping boundary write as they did through
    /// strings.
    #[test]
    fn money_writes_as_through_strings() {
        let mut next = xorshift(0x5eed_0fc0_ffee);
        let mut amounts = vec![0.0, -0.0, 0.004, 0.005, -0.005, -0.5, 0.995, 1e15, -1e15, 1e18];
        for power in 0..16 {
            let edge = 10f64.powi(power);
            amounts.extend([edge, edge - 0.01, edge - 0.005, -edge, -(edge - 0.01)]);
        }
        for _ in 0..20_000 {
            let magnitude = 10f64.powi(next(14) as i32);
            let amount = next(1 << 40) as f64 / (1u64 << 40) as f64 * magnitude;
            amounts.extend([amount, -amount, (amount * 100.0).floor() / 100.0 + 0.005]);
        }
        for amount in amounts {
            assert_eq!(money(amount).to_string(), money_through_strings(amount), "{amount}");
        }
    }

    /// Spans write in days (whole or to a tenth), hours or minutes.
    #[test]
    fn durations_in_words() {
        for (ms, text) in [
            (0, "0 minutes"),
            (20 * 60_000, "20 minutes"),
            (HOUR, "1 hour"),
            (14 * HOUR, "14 hours"),
            (DAY, "1 day"),
            (7 * DAY, "7 days"),
            (3 * DAY + 12 * HOUR, "3.5 days"),
            (DAY + DAY / 100, "1 day"),
        ] {
            assert_eq!(duration(ms).to_string(), text, "{ms}");
        }
    }

    /// A hub's last report kept in its fan state decides as the episodes'
    /// map keyed by the hub, on both sides, through reports of every size
    /// (0 included: it suppresses nothing) and times in and out of the
    /// window.
    #[test]
    fn fan_state_remembers_reports_as_episodes() {
        let (window, regrowth) = (100, 2.0);
        let mut fans = Fans::default();
        fans.ensure(3);
        let mut episodes = [Episodes::default(), Episodes::default()];
        let mut next = xorshift(11);
        let mut time = 0;
        for _ in 0..2_000 {
            time += next(40) as i64;
            let (hub, out) = (next(3) as u32, next(2) == 0);
            let side = usize::from(!out);
            for probe in [time - 150, time - 100, time - 1, time, time + 99, time + 101] {
                let agg: FanAgg = fans.agg[hub as usize];
                let recent = agg.recent(out, probe, window);
                for size in 0..12 {
                    assert_eq!(
                        Episodes::grown(recent, size, regrowth),
                        episodes[side].fresh(u64::from(hub), probe, window, size, regrowth),
                        "hub {hub} out {out} at {probe} size {size}"
                    );
                }
            }
            let size = next(6) as u32;
            let last = fans.agg[hub as usize].recent(out, time, window);
            let admitted = episodes[side].admit(u64::from(hub), time, window, size, regrowth);
            assert_eq!(Episodes::grown(last, size, regrowth), admitted);
            if admitted {
                fans.reported(hub, out, time, size);
            }
        }
    }
}
