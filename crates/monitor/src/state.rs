//! Window state shared by every scenario that groups by one key space.
//!
//! A *family* is a key space (accounts, customers, conductors, places...)
//! and the window scenarios that group by it. Each key of a family has one
//! [`KeyState`]: one time-ordered buffer of compact events shared by all the
//! family's scenarios, and one contiguous record of `i64` scalars holding,
//! at offsets fixed when the pack is compiled, every scenario's running
//! aggregates. A transaction touches a key once, whatever the number of
//! scenarios that group by it.
//!
//! An event is a record of `3 + F` words: time, USD cents, and the stream
//! position (low 32 bits) packed with 32 bits that say which aggregates of
//! which scenarios accept it (bit `shift + i` for aggregate `i`, one
//! *participation* bit per scenario) and its direction; then one word per
//! forwarded aggregate of the family (remaining cents of an inflow, or
//! cents of an outflow matched to earlier inflows). Families without a
//! forwarded aggregate have 24-byte events.
//!
//! Each scenario keeps a *cursor* into the shared buffer: its running
//! totals cover the events from the cursor to the end. A query at event
//! time `t` moves the cursor to the window's start (forward, subtracting;
//! or backward, adding, for an out-of-order event) and subtracts the few
//! events newer than `t` (out-of-order arrivals). Cursors only move by the
//! events between two queries, so each event is added and subtracted once
//! per scenario: O(1) amortised. The buffer drops an event once it is older
//! than every scenario's retention (`start(watermark - lateness)`).
//!
//! Distinct counts keep their values in a per-scenario side queue (only
//! events that carry a value), baselines a ring of daily totals; both live
//! in a box allocated only for keys that need them.

use std::collections::VecDeque;

use crate::expr::{BinOp, Expr, Operand};
use crate::scenario::{Aggregate, Function};
use crate::window::{Counter, DAY, DayRing, Direction, Layout, MAX_AGGREGATES, MAX_DISTINCT};

/// Scalars every scenario keeps per key, before its aggregates.
const CURSOR: usize = 0;
const START: usize = 1;
const FLOOR: usize = 2;
const OPEN: usize = 3;
const KEPT: usize = 4;
/// Whether the condition held at the last evaluation: -1 never evaluated,
/// 0 no, 1 yes, [`FAILED_CONJUNCT`] + k no, because its conjunct k did not.
const LAST: usize = 5;
const FAILED_CONJUNCT: i64 = 2;
const HEADER: usize = 6;

/// Bits of an event's `bits` word that hold its direction.
const DIR_SHIFT: u32 = 30;
/// Scenario bits a family can hand out (the rest hold the direction).
pub(crate) const FAMILY_BITS: u32 = 30;

/// Words of an event before the forwarded columns.
const BASE_WORDS: usize = 3;

fn dir_code(d: Direction) -> u32 {
    match d {
        Direction::None => 0,
        Direction::In => 1,
        Direction::Out => 2,
    }
}

fn dir_of(bits: u32) -> Direction {
    match bits >> DIR_SHIFT {
        1 => Direction::In,
        2 => Direction::Out,
        _ => Direction::None,
    }
}

/// A scenario's place in its family: its event bits and scalar offsets.
#[derive(Debug, Clone)]
pub(crate) struct Slots {
    /// First scalar of the scenario in a key's record.
    pub(crate) off: usize,
    /// Event bit of aggregate 0.
    pub(crate) shift: u32,
    /// The participation bit: the event passed the scenario's filter and
    /// is kept for it.
    pub(crate) part: u32,
    /// Every bit of this scenario (aggregates and participation).
    pub(crate) mask: u32,
    /// Event bits of the aggregates with a running count or sum (the
    /// ones [`Family::add`] updates; the others are computed when read).
    running_bits: u32,
    /// Per aggregate: offset (from `off`) of its running count and sum.
    count_at: [u16; MAX_AGGREGATES],
    sum_at: [u16; MAX_AGGREGATES],
    /// Bits whose events carry distinct values.
    distinct_bits: u32,
    /// Per distinct slot: the aggregate whose running count it keeps.
    running_distinct: [Option<u8>; MAX_DISTINCT],
    /// Forwarded: (event bit, delay, forwarded column, offset of the
    /// running sum, offset of the first-in-first-out pointer).
    forwarded: Option<(u32, i64, usize, usize, usize)>,
    /// Average balance: (event bit, offset of its three scalars).
    balance: Option<(u32, usize)>,
    /// Days of the baseline ring (0 = none).
    baseline_days: usize,
    /// Most events kept per key (older ones are dropped and counted).
    cap: i64,
    /// Index in a key's extras (distinct values, baseline ring).
    extra: Option<usize>,
    /// Scalars the scenario uses from `off` on.
    len: usize,
    /// Bits whose events need more than running counts and sums: distinct
    /// values, a forwarded or balance aggregate, every bit of a scenario
    /// with a baseline. An appended event with none of them takes the
    /// short path of [`Family::insert`].
    special: u32,
    /// The leading conjuncts of the scenario's condition that its running
    /// totals answer ([`Family::first_false_running`]), set with the
    /// condition ([`Slots::answer_from_running`]); none until then.
    running_conjuncts: Box<[RunningCompare]>,
}

impl Slots {
    /// For an event at `time` appended at `abs` (the end of the buffer)
    /// to a key's scalars of this scenario, `record`: whether it falls
    /// where the running totals are kept. If not (before the window's
    /// start, or in the region behind the cursor), the positions that
    /// count past it move on by one.
    #[inline(always)]
    fn admit_appended(&self, record: &mut [i64], time: i64, abs: u64) -> bool {
        // The end moves no first-in-first-out pointer: it is at most the
        // old end, which an inflow there does not move back.
        debug_assert!(self.forwarded.is_none_or(|(.., fifo)| record[fifo] <= abs as i64));
        let included = time >= record[START] && abs as i64 >= record[CURSOR];
        if !included {
            record[CURSOR] += 1;
            // Only an event inside the region a cap dropped stays below
            // the floor.
            if (abs as i64) < record[FLOOR] {
                record[FLOOR] += 1;
            }
        }
        included
    }

    /// Adds an event of `cents` to the running counts and sums its bits
    /// `jb` feed.
    #[inline(always)]
    fn add_running(&self, record: &mut [i64], jb: u32, cents: i64) {
        let mut agg = (jb & self.running_bits) >> self.shift;
        while agg != 0 {
            let i = agg.trailing_zeros() as usize;
            agg &= agg - 1;
            // An aggregate without a count (or sum) has `u16::MAX` there:
            // outside the record.
            if let Some(count) = record.get_mut(usize::from(self.count_at[i])) {
                *count += 1;
            }
            if let Some(sum) = record.get_mut(usize::from(self.sum_at[i])) {
                *sum += cents;
            }
        }
    }

    /// Counts an event the scenario keeps (`jb` has its participation
    /// bit); whether the key now holds more than the cap.
    #[inline(always)]
    fn keep(&self, record: &mut [i64], jb: u32) -> bool {
        if jb & self.part == 0 {
            return false;
        }
        record[KEPT] += 1;
        record[KEPT] > self.cap
    }

    /// Lays out a scenario whose bits start at `shift`, scalars at `off`,
    /// forwarded column `column`, extras index `extra`. Returns the layout
    /// and the number of scalars it uses.
    // The offsets are the running layout of the shared key state; a struct
    // for them would only be built and destructured here.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        aggregates: &[Aggregate],
        layout: &Layout,
        baseline_days: usize,
        cap: usize,
        shift: u32,
        off: usize,
        column: usize,
        extra: &mut usize,
    ) -> (Slots, usize) {
        let n = aggregates.len();
        let mut next = HEADER;
        let mut count_at = [u16::MAX; MAX_AGGREGATES];
        let mut sum_at = [u16::MAX; MAX_AGGREGATES];
        let mut distinct_bits = 0;
        let mut running_bits = 0;
        for (i, a) in aggregates.iter().enumerate() {
            if let Function::Distinct(..) = a.function {
                distinct_bits |= 1 << (shift + i as u32);
            }
            if !a.is_running() {
                continue;
            }
            match a.function {
                Function::Count => {
                    count_at[i] = next as u16;
                    next += 1;
                }
                Function::Sum => {
                    sum_at[i] = next as u16;
                    next += 1;
                }
                Function::Mean => {
                    count_at[i] = next as u16;
                    sum_at[i] = next as u16 + 1;
                    next += 2;
                }
                _ => continue,
            }
            running_bits |= 1 << (shift + i as u32);
        }
        let forwarded = layout.forwarded.map(|(bit, delay)| {
            let at = (1 << (shift + u32::from(bit)), delay, column, next, next + 1);
            next += 2;
            at
        });
        let balance = layout.balance.map(|bit| {
            let at = (1 << (shift + u32::from(bit)), next);
            next += 3;
            at
        });
        let needs_extra = distinct_bits != 0 || baseline_days > 0;
        let extra = needs_extra.then(|| {
            *extra += 1;
            *extra - 1
        });
        let part = 1 << (shift + n as u32);
        let mask = part | (((1u32 << n) - 1) << shift);
        let special = distinct_bits
            | forwarded.map_or(0, |f| f.0)
            | balance.map_or(0, |b| b.0)
            | if baseline_days > 0 { mask } else { 0 };
        let slots = Slots {
            off,
            shift,
            part,
            mask,
            running_bits,
            count_at,
            sum_at,
            distinct_bits,
            running_distinct: layout.distinct,
            forwarded,
            balance,
            baseline_days,
            cap: cap.clamp(1, i64::MAX as usize) as i64,
            extra,
            len: next,
            special,
            running_conjuncts: Box::default(),
        };
        (slots, next)
    }

    /// The event bit of aggregate `i`.
    pub(crate) fn bit(&self, i: usize) -> u32 {
        1 << (self.shift + i as u32)
    }

    /// Whether aggregate `i` is read from the running totals alone when
    /// no event newer than the query time is held: a running count, sum
    /// or mean, the forwarded amount, or a distinct count kept running.
    fn reads_running(&self, i: u8) -> bool {
        let at = usize::from(i);
        at < MAX_AGGREGATES
            && (self.count_at[at] != u16::MAX
                || self.sum_at[at] != u16::MAX
                || self.forwarded.is_some_and(|f| f.0 == self.bit(at))
                || self.running_distinct.contains(&Some(i)))
    }

    /// Sets the scenario's condition for [`Family::first_false_running`]:
    /// its leading conjuncts the running totals answer.
    pub(crate) fn answer_from_running(&mut self, condition: &Expr) {
        self.running_conjuncts = self.running_prefix(condition);
    }

    /// The leading conjuncts of `condition` whose every operand is a
    /// number, a threshold, the amount or an aggregate the running totals
    /// give ([`Slots::reads_running`]), each as `left OP right` with sides
    /// a value or a number times a value, in the order of
    /// [`Expr::conjuncts`]; empty when the first is not of that kind.
    fn running_prefix(&self, condition: &Expr) -> Box<[RunningCompare]> {
        let term = |e: &Expr| -> Option<RunningTerm> {
            let read = |o: &Operand| match *o {
                Operand::Aggregate(i) if self.reads_running(i) => Some(RunningRead::Aggregate(i)),
                Operand::Threshold(i) => Some(RunningRead::Threshold(i)),
                Operand::Amount => Some(RunningRead::Amount),
                _ => None,
            };
            match e {
                Expr::Number(n) => {
                    Some(RunningTerm { factor: None, read: RunningRead::Number(*n) })
                }
                Expr::Operand(o) => Some(RunningTerm { factor: None, read: read(o)? }),
                Expr::Binary(BinOp::Mul, k, o) => match (&**k, &**o) {
                    (Expr::Number(k), Expr::Operand(o)) => {
                        Some(RunningTerm { factor: Some(*k), read: read(o)? })
                    }
                    _ => None,
                },
                _ => None,
            }
        };
        let mut conjuncts = Vec::new();
        condition.conjuncts(&mut conjuncts);
        conjuncts
            .into_iter()
            .map_while(|c| match c {
                Expr::Binary(
                    op @ (BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne),
                    a,
                    b,
                ) => Some(RunningCompare { op: *op, left: term(a)?, right: term(b)? }),
                _ => None,
            })
            .collect()
    }
}

/// A comparison of running totals, numbers, thresholds and the amount,
/// as the compiled condition makes it.
#[derive(Debug, Clone, Copy)]
struct RunningCompare {
    op: BinOp,
    left: RunningTerm,
    right: RunningTerm,
}

/// A side of a [`RunningCompare`]: a value, or a number times a value.
#[derive(Debug, Clone, Copy)]
struct RunningTerm {
    factor: Option<f64>,
    read: RunningRead,
}

#[derive(Debug, Clone, Copy)]
enum RunningRead {
    Number(f64),
    Aggregate(u8),
    Threshold(u16),
    Amount,
}

/// A distinct value carried by an event, kept beside the buffer.
#[derive(Debug, Clone, Copy)]
struct Aux {
    time: i64,
    values: [u32; MAX_DISTINCT],
}

/// A scenario's per-key extras: distinct counters and values, baseline.
#[derive(Debug, Default)]
pub(crate) struct Extra {
    counters: [Counter; MAX_DISTINCT],
    aux: VecDeque<Aux>,
    /// Index in `aux` of the first entry in the scenario's range.
    aux_cursor: usize,
    ring: Option<Box<DayRing>>,
}

/// The shared state of one key.
#[derive(Debug, Default)]
pub(crate) struct KeyState {
    /// Events as records of `words` words, live from record `head` on.
    words: Vec<u64>,
    head: u32,
    /// Records in `words` (`words.len() / width`, without the division:
    /// a key event and a query each need it).
    records: u32,
    /// Absolute position of the first live event.
    base: u64,
    /// Time of the first live event (`i64::MAX` when empty).
    front: i64,
    /// Time of the last live event (meaningful only when some are live):
    /// an in-order insert then appends without reading the buffer, whose
    /// line is usually not in cache.
    back: i64,
    extras: Option<Box<[Extra]>>,
}

/// The range of one query: absolute positions `[lo, hi)`, and the end of
/// the buffer (`hi < end` when newer events arrived out of order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Range {
    pub(crate) lo: u64,
    pub(crate) hi: u64,
    pub(crate) end: u64,
}

/// One event as the engine hands it in.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NewEvent {
    pub(crate) time: i64,
    pub(crate) cents: i64,
    pub(crate) seq: u64,
    /// Scenario bits (below [`FAMILY_BITS`]).
    pub(crate) bits: u32,
    pub(crate) direction: Direction,
}

/// An event read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ev {
    pub(crate) time: i64,
    pub(crate) cents: i64,
    /// Low 32 bits of the stream position.
    pub(crate) seq: u32,
    pub(crate) bits: u32,
}

impl Ev {
    pub(crate) fn direction(&self) -> Direction {
        dir_of(self.bits)
    }

    fn signed(&self) -> i64 {
        signed_cents(self.direction(), self.cents)
    }
}

/// Cents as they change a balance: inflows add, outflows take away,
/// events of no direction leave it.
#[inline(always)]
fn signed_cents(direction: Direction, cents: i64) -> i64 {
    match direction {
        Direction::In => cents,
        Direction::Out => -cents,
        Direction::None => 0,
    }
}

/// The states of every key of one family.
#[derive(Debug)]
pub(crate) struct Family {
    pub(crate) scenarios: Vec<Slots>,
    /// Scalars per key.
    stride: usize,
    /// Words per event.
    width: usize,
    /// Scenarios with extras.
    extras: usize,
    /// Event bits that make a key allocate its extras: the distinct
    /// aggregates' bits, and every bit of a scenario with a baseline.
    extras_bits: u32,
    /// The scenario each event bit belongs to.
    owner: [u8; FAMILY_BITS as usize],
    keys: Vec<KeyState>,
    scalars: Vec<i64>,
    /// A fresh key's scalars (positions at 0): copied in as keys are
    /// created, rather than zeroed and then set scenario by scenario.
    fresh: Box<[i64]>,
    /// Events dropped at a scenario's per-key cap.
    pub(crate) overflow: u64,
}

impl Family {
    /// A family of these scenarios (`stride` scalars, `forwarded`
    /// forwarded columns, `extras` scenarios with extras).
    pub(crate) fn new(
        scenarios: Vec<Slots>,
        stride: usize,
        forwarded: usize,
        extras: usize,
    ) -> Family {
        let extras_bits = scenarios
            .iter()
            .filter(|s| s.extra.is_some())
            .map(|s| if s.baseline_days > 0 { s.mask } else { s.distinct_bits })
            .fold(0, |all, bits| all | bits);
        let mut owner = [0; FAMILY_BITS as usize];
        for (j, s) in scenarios.iter().enumerate() {
            for (bit, o) in owner.iter_mut().enumerate() {
                if s.mask & (1 << bit) != 0 {
                    *o = j as u8;
                }
            }
        }
        let mut fresh = vec![0; stride].into_boxed_slice();
        for s in &scenarios {
            fresh[s.off + START] = i64::MIN;
            fresh[s.off + OPEN] = i64::MIN;
            fresh[s.off + LAST] = -1;
        }
        Family {
            fresh,
            scenarios,
            stride,
            width: BASE_WORDS + forwarded,
            extras,
            extras_bits,
            owner,
            keys: Vec::new(),
            scalars: Vec::new(),
            overflow: 0,
        }
    }

    /// Keys that hold events or an open alert, and the events held.
    pub(crate) fn census(&self) -> (usize, usize) {
        let mut keys = 0;
        let mut events = 0;
        for (k, st) in self.keys.iter().enumerate() {
            let n = self.live(st);
            let open = self.scenarios.iter().any(|s| self.scalar(k, s.off + OPEN) != i64::MIN);
            if n > 0 || open || st.extras.is_some() {
                keys += 1;
            }
            events += n;
        }
        (keys, events)
    }

    fn live(&self, st: &KeyState) -> usize {
        (st.records - st.head) as usize
    }

    /// Scenario `s`'s extras on key `k` (distinct values, baseline), if
    /// it has some and the key allocated them.
    fn extra(&self, s: &Slots, k: usize) -> Option<&Extra> {
        s.extra.and_then(|x| self.keys[k].extras.as_ref().map(|e| &e[x]))
    }

    fn scalar(&self, key: usize, at: usize) -> i64 {
        self.scalars[key * self.stride + at]
    }

    /// Makes room for `key`. Inlined: called on every key event, and the
    /// key is almost always there already.
    #[inline]
    fn ensure(&mut self, key: u32) {
        if self.keys.len() <= key as usize {
            self.grow(key as usize);
        }
    }

    #[cold]
    #[inline(never)]
    fn grow(&mut self, k: usize) {
        let old = self.keys.len();
        let len = (k + 1).max(old + old / 2);
        self.keys.resize_with(len, || KeyState { front: i64::MAX, ..KeyState::default() });
        // A new key's positions start at 0: each key's scalars are the
        // fresh record as it is.
        self.scalars.reserve_exact((len - old) * self.stride);
        for _ in old..len {
            self.scalars.extend_from_slice(&self.fresh);
        }
    }

    /// Sets `key`'s scalars as a fresh key's, with positions at its
    /// buffer's base.
    fn reset(&mut self, key: usize) {
        let at = key * self.stride;
        self.scalars[at..at + self.stride].copy_from_slice(&self.fresh);
        let b = self.keys[key].base as i64;
        for s in &self.scenarios {
            self.scalars[at + s.off + CURSOR] = b;
            self.scalars[at + s.off + FLOOR] = b;
            if let Some((_, _, _, _, fifo)) = s.forwarded {
                self.scalars[at + s.off + fifo] = b;
            }
        }
    }

    /// Events of `key` held (0 for an unknown key).
    #[cfg(test)]
    pub(crate) fn len(&self, key: u32) -> usize {
        self.keys.get(key as usize).map_or(0, |st| self.live(st))
    }

    /// The time an alert of scenario `j` on `key` stays open until.
    pub(crate) fn open_until(&self, key: u32, j: usize) -> i64 {
        let s = &self.scenarios[j];
        self.scalars.get(key as usize * self.stride + s.off + OPEN).copied().unwrap_or(i64::MIN)
    }

    /// Whether scenario `j`'s condition held when last evaluated on `key`.
    pub(crate) fn last_held(&self, key: u32, j: usize) -> Option<bool> {
        let s = &self.scenarios[j];
        match self.scalars.get(key as usize * self.stride + s.off + LAST) {
            Some(0) => Some(false),
            Some(1) => Some(true),
            Some(v) if *v >= FAILED_CONJUNCT => Some(false),
            _ => None,
        }
    }

    pub(crate) fn set_last_held(&mut self, key: u32, j: usize, held: bool) {
        let at = key as usize * self.stride + self.scenarios[j].off + LAST;
        self.scalars[at] = i64::from(held);
    }

    /// Records that scenario `j`'s condition did not hold on `key`
    /// because its conjunct `k` did not ([`Family::failed_conjunct`]).
    pub(crate) fn set_failed_conjunct(&mut self, key: u32, j: usize, k: usize) {
        let at = key as usize * self.stride + self.scenarios[j].off + LAST;
        self.scalars[at] = FAILED_CONJUNCT + k as i64;
    }

    /// The conjunct whose failure made scenario `j`'s condition false on
    /// `key` when last evaluated, if that is what was recorded.
    pub(crate) fn failed_conjunct(&self, key: u32, j: usize) -> Option<usize> {
        let s = &self.scenarios[j];
        let v = self.scalars.get(key as usize * self.stride + s.off + LAST).copied()?;
        (v >= FAILED_CONJUNCT).then(|| (v - FAILED_CONJUNCT) as usize)
    }

    pub(crate) fn set_open_until(&mut self, key: u32, j: usize, until: i64) {
        let at = key as usize * self.stride + self.scenarios[j].off + OPEN;
        self.scalars[at] = until;
    }

    /// The event at absolute position `pos` of `key`.
    #[inline]
    pub(crate) fn event(&self, key: u32, pos: u64) -> Ev {
        let st = &self.keys[key as usize];
        read(&st.words, self.width, st.head as usize + (pos - st.base) as usize)
    }

    fn val(&self, key: u32, pos: u64, column: usize) -> i64 {
        let st = &self.keys[key as usize];
        let r = (st.head as usize + (pos - st.base) as usize) * self.width;
        st.words[r + BASE_WORDS + column] as i64
    }

    /// [`Family::evict_old`] when [`Family::holds_before`] says there is
    /// something to drop: the engine makes the same two steps itself, and
    /// computes `retain` only between them.
    #[cfg(test)]
    pub(crate) fn evict(&mut self, key: u32, retain: &[i64], min_retain: i64) {
        if self.holds_before(key, min_retain) {
            self.evict_old(key, retain, min_retain);
        }
    }

    /// Whether `key` holds an event older than `min_retain`: whether
    /// [`Family::evict_old`] has anything to do. A key not allocated yet
    /// holds nothing ([`Family::insert`] makes room for it).
    #[inline]
    pub(crate) fn holds_before(&self, key: u32, min_retain: i64) -> bool {
        self.keys.get(key as usize).is_some_and(|st| st.front < min_retain)
    }

    /// Drops what every scenario has left behind: advances each scenario to
    /// its retention start `retain[j]`, then drops the events older than
    /// all of them (`min_retain`). Called once [`Family::holds_before`] said
    /// there is something to drop, which is rare: the work stays out of
    /// line.
    #[inline(never)]
    pub(crate) fn evict_old(&mut self, key: u32, retain: &[i64], min_retain: i64) {
        let k = key as usize;
        for (j, &start) in retain.iter().enumerate().take(self.scenarios.len()) {
            self.forward_to(key, j, start);
            if let Some(e) = self.scenarios[j].extra
                && let Some(extras) = &mut self.keys[k].extras
            {
                let x = &mut extras[e];
                while x.aux_cursor > 0 && x.aux.front().is_some_and(|a| a.time < start) {
                    x.aux.pop_front();
                    x.aux_cursor -= 1;
                }
            }
        }
        let width = self.width;
        let st = &mut self.keys[k];
        let mut head = st.head as usize;
        let records = st.records as usize;
        while head < records && (st.words[head * width] as i64) < min_retain {
            head += 1;
            st.base += 1;
        }
        if head == records {
            st.words.clear();
            st.records = 0;
            head = 0;
            if st.words.capacity() > 4096 {
                st.words.shrink_to_fit();
            }
        } else if head >= 32 && head * 2 >= records {
            st.words.drain(..head * width);
            st.records -= head as u32;
            head = 0;
        }
        st.head = head as u32;
        st.front = if st.words.is_empty() { i64::MAX } else { st.words[head * width] as i64 };
        let base = st.base as i64;
        let b = k * self.stride;
        for s in &self.scenarios {
            for at in [CURSOR, FLOOR] {
                let v = &mut self.scalars[b + s.off + at];
                *v = (*v).max(base);
            }
            if let Some((_, _, _, _, fifo)) = s.forwarded {
                let v = &mut self.scalars[b + s.off + fifo];
                *v = (*v).max(base);
            }
        }
    }

    /// Whether a swept key holds nothing any scenario still needs: no
    /// event, no open alert, no baseline day within the scenario's
    /// baseline before the watermark.
    pub(crate) fn idle(&self, key: u32, watermark: i64) -> bool {
        let k = key as usize;
        let Some(st) = self.keys.get(k) else { return true };
        if self.live(st) > 0 {
            return false;
        }
        for s in &self.scenarios {
            if self.scalar(k, s.off + OPEN) >= watermark {
                return false;
            }
            let from = (watermark - s.baseline_days as i64 * DAY).div_euclid(DAY);
            if let (Some(e), Some(extras)) = (s.extra, &st.extras)
                && extras[e].ring.as_ref().is_some_and(|r| r.newest_day() >= from)
            {
                return false;
            }
        }
        true
    }

    /// Gives back the memory of an idle key (see [`Family::idle`]).
    pub(crate) fn release(&mut self, key: u32) {
        let k = key as usize;
        if let Some(st) = self.keys.get_mut(k) {
            st.words = Vec::new();
            st.records = 0;
            st.head = 0;
            st.extras = None;
            st.front = i64::MAX;
            self.reset(k);
        }
    }

    /// Prefetches a key's state and every line of its scalars, so that
    /// the transaction that touches the key soon after finds them in
    /// cache.
    pub(crate) fn prefetch(&self, key: u32) {
        let k = key as usize;
        let Some(st) = self.keys.get(k) else { return };
        vigia_alloc::prefetch(st);
        let b = k * self.stride;
        if let Some(record) = self.scalars.get(b..b + self.stride) {
            // One prefetch per 64-byte line (8 scalars).
            for v in record.iter().step_by(8) {
                vigia_alloc::prefetch(v);
            }
            if let Some(last) = record.last() {
                vigia_alloc::prefetch(last);
            }
        }
    }

    /// Prefetches the lines a transaction on `key` reads after its state:
    /// the newest and oldest events of its buffer and its extras. Meant for
    /// a key whose state was prefetched a little earlier
    /// ([`Family::prefetch`]): the state is read here to find them.
    pub(crate) fn prefetch_events(&self, key: u32) {
        let Some(st) = self.keys.get(key as usize) else { return };
        let width = self.width;
        let records = st.records as usize;
        if records > st.head as usize {
            vigia_alloc::prefetch(&st.words[(records - 1) * width]);
            vigia_alloc::prefetch(&st.words[st.head as usize * width]);
        }
        if let Some(extras) = &st.extras {
            for x in extras.iter() {
                vigia_alloc::prefetch(x);
            }
        }
    }

    /// Keys allocated so far (ids below this may hold state).
    pub(crate) fn key_count(&self) -> usize {
        self.keys.len()
    }

    /// Adds an event to `key` (after [`Family::evict_old`], if due), with the distinct
    /// values of the scenarios that count some (`aux[j]`), and updates
    /// every scenario's running totals.
    pub(crate) fn insert(&mut self, key: u32, e: NewEvent, aux: &[[u32; MAX_DISTINCT]]) {
        self.ensure(key);
        let k = key as usize;
        let width = self.width;
        let bits = (e.bits & ((1 << FAMILY_BITS) - 1)) | (dir_code(e.direction) << DIR_SHIFT);
        let word2 = (e.seq & 0xffff_ffff) | (u64::from(bits) << 32);
        let st = &mut self.keys[k];
        // A full buffer with dropped events at its front moves its live
        // events down instead of growing: growth would copy the dropped
        // ones too, and fault in fresh memory for a key whose window is no
        // longer than before. Positions are absolute (`base`), so only
        // `head` changes.
        if st.head > 0 && st.words.len() + width > st.words.capacity() {
            st.words.drain(..st.head as usize * width);
            st.records -= st.head;
            st.head = 0;
        }
        debug_assert_eq!(st.records as usize * width, st.words.len());
        let records = st.records as usize;
        let live = records - st.head as usize;
        let last = if live == 0 { i64::MIN } else { st.back };
        let p = if e.time >= last {
            live
        } else {
            let head = st.head as usize;
            let (mut lo, mut hi) = (0, live);
            while lo < hi {
                let mid = (lo + hi) / 2;
                if st.words[(head + mid) * width] as i64 <= e.time {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            lo
        };
        let at = (st.head as usize + p) * width;
        let mut record = [0u64; 8];
        record[0] = e.time as u64;
        record[1] = e.cents as u64;
        record[2] = word2;
        if p == live {
            if st.words.capacity() == 0 {
                // Most keys hold a few events: start at eight rather than
                // growing through one, two and four (a copy each time).
                st.words.reserve_exact(8 * width);
            }
            // The base words as a fixed-size copy (moves, not a call to
            // memcpy), then the forwarded columns, if any.
            st.words.extend_from_slice(&record[..BASE_WORDS]);
            if width > BASE_WORDS {
                st.words.extend_from_slice(&record[BASE_WORDS..width]);
            }
        } else {
            st.words.splice(at..at, record[..width].iter().copied());
        }
        st.records += 1;
        if p == 0 {
            st.front = e.time;
        }
        if p == live {
            st.back = e.time;
        }
        let abs = st.base + p as u64;
        let ev = Ev { time: e.time, cents: e.cents, seq: e.seq as u32, bits };
        if bits & self.extras_bits != 0 && st.extras.is_none() {
            st.extras = Some((0..self.extras).map(|_| Extra::default()).collect());
        }
        if p == live {
            // Appended (nearly always): only the scenarios the event carries
            // a bit of. Every other scenario is left as it was, and its
            // scalars (lines of their own, usually cold) are not read: no
            // position of it moves (its cursor, floor and first-in-first-out
            // pointer are at most the old end), and whether the new end
            // counts as inside its range does not show, since its totals,
            // scans and evidence all test its bits and the event carries
            // none.
            let mut rest = bits & ((1 << FAMILY_BITS) - 1);
            while rest != 0 {
                let j = usize::from(self.owner[rest.trailing_zeros() as usize]);
                let s = &self.scenarios[j];
                rest &= !s.mask;
                let jb = bits & s.mask;
                if jb & s.special == 0 {
                    self.insert_running(key, j, jb, abs, &ev);
                } else {
                    self.insert_appended(key, j, jb, abs, e, aux);
                }
            }
        } else {
            self.insert_before_end(key, bits, abs, e, ev, aux);
        }
    }

    /// [`Family::insert`] for a scenario `j` the appended event `ev`
    /// (at `abs`) feeds only running counts and sums of (`jb`, its bits,
    /// has none of [`Slots::special`]): the scenario's scalars taken as one
    /// slice, its totals updated from the bits.
    #[inline(always)]
    fn insert_running(&mut self, key: u32, j: usize, jb: u32, abs: u64, ev: &Ev) {
        let s = &self.scenarios[j];
        let b = key as usize * self.stride + s.off;
        let record = &mut self.scalars[b..b + s.len];
        if !s.admit_appended(record, ev.time, abs) {
            return;
        }
        s.add_running(record, jb, ev.cents);
        if s.keep(record, jb) {
            self.drop_over_cap(key, j);
        }
    }

    /// [`Family::insert`] for a scenario `j` the appended event `e` (at
    /// `abs`, the end of the buffer) feeds some of [`Slots::special`]
    /// with (`jb`: its bits of the scenario): distinct values, a forwarded
    /// or balance aggregate, a baseline. The scenario's scalars are taken
    /// as one slice and the key's state borrowed once, beside them: each
    /// is indexed without a bounds check per total, and the values the
    /// event brings (its distinct values, its forwarded cents) are added
    /// as they are rather than read back from where they were stored.
    /// Inlined: a call per scenario of an event costs more than the work
    /// of a scenario with a few totals.
    #[inline(always)]
    fn insert_appended(
        &mut self,
        key: u32,
        j: usize,
        jb: u32,
        abs: u64,
        e: NewEvent,
        aux: &[[u32; MAX_DISTINCT]],
    ) {
        let k = key as usize;
        let Family { scenarios, keys, scalars, stride, width, .. } = self;
        let s = &scenarios[j];
        let b = k * *stride + s.off;
        let record = &mut scalars[b..b + s.len];
        let st = &mut keys[k];
        let included = s.admit_appended(record, e.time, abs);
        // Forwarded cents: an inflow's remaining cents, an outflow's
        // matched ones, written into the event's column.
        let mut matched = 0;
        if let Some((bit, delay, column, _, fifo)) = s.forwarded
            && jb & bit != 0
        {
            let value = match e.direction {
                Direction::In => e.cents,
                Direction::Out => {
                    matched =
                        match_outflow(st, *width, &mut record[fifo], bit, delay, column, abs, e);
                    matched
                }
                Direction::None => 0,
            };
            let end = st.words.len() - *width;
            st.words[end + BASE_WORDS + column] = value as u64;
        }
        if let (Some(x), Some(extras)) = (s.extra, &mut st.extras) {
            let x = &mut extras[x];
            if jb & s.distinct_bits != 0 {
                let values = aux.get(j).copied().unwrap_or([u32::MAX; MAX_DISTINCT]);
                // Appended: no distinct value held is newer.
                debug_assert!(x.aux.back().is_none_or(|a| a.time <= e.time));
                x.aux.push_back(Aux { time: e.time, values });
                if !included {
                    x.aux_cursor += 1;
                } else {
                    for (slot, owner) in s.running_distinct.iter().enumerate() {
                        if owner.is_some() && values[slot] != u32::MAX {
                            x.counters[slot].add(values[slot]);
                        }
                    }
                }
            }
            if jb & s.part != 0 && s.baseline_days > 0 {
                x.ring
                    .get_or_insert_with(|| Box::new(DayRing::new(s.baseline_days)))
                    .add(e.time, e.cents);
            }
        }
        if !included {
            return;
        }
        s.add_running(record, jb, e.cents);
        if let Some((bit, at)) = s.balance
            && jb & bit != 0
        {
            let signed = signed_cents(e.direction, e.cents);
            let totals = &mut record[at..at + 3];
            totals[0] += signed;
            let w = (i128::from(totals[1] as u64) | (i128::from(totals[2]) << 64))
                + i128::from(signed) * i128::from(e.time);
            totals[1] = w as u64 as i64;
            totals[2] = (w >> 64) as i64;
        }
        if let Some((bit, _, _, sum, _)) = s.forwarded
            && jb & bit != 0
            && e.direction == Direction::Out
        {
            record[sum] += matched;
        }
        if s.keep(record, jb) {
            self.drop_over_cap(key, j);
        }
    }

    /// [`Family::insert`] for an event inserted before the end of the
    /// buffer (out of order, which is rare): every scenario, since
    /// positions after it shift.
    #[inline(never)]
    fn insert_before_end(
        &mut self,
        key: u32,
        bits: u32,
        abs: u64,
        e: NewEvent,
        ev: Ev,
        aux: &[[u32; MAX_DISTINCT]],
    ) {
        for j in 0..self.scenarios.len() {
            let jb = bits & self.scenarios[j].mask;
            self.insert_scenario(key, j, jb, abs, e, ev, aux);
        }
    }

    /// [`Family::insert_before_end`] for scenario `j` (`jb`: the event's
    /// bits of it), whatever its aggregates.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn insert_scenario(
        &mut self,
        key: u32,
        j: usize,
        jb: u32,
        abs: u64,
        e: NewEvent,
        ev: Ev,
        aux: &[[u32; MAX_DISTINCT]],
    ) {
        let k = key as usize;
        let width = self.width;
        let s = &self.scenarios[j];
        let b = k * self.stride + s.off;
        // Positions at or after the insertion shift by one.
        if let Some((bit, _, _, _, fifo)) = s.forwarded {
            let inflow = jb & bit != 0 && e.direction == Direction::In;
            let f = &mut self.scalars[b + fifo];
            if inflow {
                *f = (*f).min(abs as i64);
            } else if (abs as i64) < *f {
                *f += 1;
            }
        }
        let cursor = self.scalars[b + CURSOR];
        let included = e.time >= self.scalars[b + START] && abs as i64 >= cursor;
        if !included {
            self.scalars[b + CURSOR] += 1;
            // Only an event inside the region a cap dropped stays
            // below the floor.
            if (abs as i64) < self.scalars[b + FLOOR] {
                self.scalars[b + FLOOR] += 1;
            }
        }
        if jb == 0 {
            return;
        }
        let mut aux_at = 0;
        // Distinct values go to the side queue at the same place.
        if jb & s.distinct_bits != 0
            && let (Some(x), Some(extras)) = (s.extra, &mut self.keys[k].extras)
        {
            let x = &mut extras[x];
            let values = aux.get(j).copied().unwrap_or([u32::MAX; MAX_DISTINCT]);
            // In order (the common case): at the end, without the
            // binary search's reads of older, cold entries.
            let q = if x.aux.back().is_none_or(|a| a.time <= e.time) {
                x.aux.len()
            } else {
                x.aux.partition_point(|a| a.time <= e.time)
            };
            if q == x.aux.len() {
                x.aux.push_back(Aux { time: e.time, values });
            } else {
                x.aux.insert(q, Aux { time: e.time, values });
            }
            if !included {
                x.aux_cursor += 1;
            }
            aux_at = q;
        }
        if jb & s.part != 0
            && s.baseline_days > 0
            && let (Some(x), Some(extras)) = (s.extra, &mut self.keys[k].extras)
        {
            extras[x]
                .ring
                .get_or_insert_with(|| Box::new(DayRing::new(s.baseline_days)))
                .add(e.time, e.cents);
        }
        if let Some((bit, delay, column, _, fifo)) = s.forwarded
            && jb & bit != 0
        {
            let value = match e.direction {
                Direction::In => e.cents,
                Direction::Out => {
                    let Family { keys, scalars, .. } = &mut *self;
                    let st = &mut keys[k];
                    match_outflow(st, width, &mut scalars[b + fifo], bit, delay, column, abs, e)
                }
                Direction::None => 0,
            };
            let st = &mut self.keys[k];
            let r = (st.head as usize + (abs - st.base) as usize) * width;
            st.words[r + BASE_WORDS + column] = value as u64;
        }
        if included {
            self.add_inline(key, j, abs, ev, 1, Move::New(aux_at));
            let s = &self.scenarios[j];
            if jb & s.part != 0 && self.scalars[b + KEPT] > s.cap {
                self.drop_over_cap(key, j);
            }
        }
    }

    /// Over the cap: scenario `j` forgets its oldest events on `key`.
    fn drop_over_cap(&mut self, key: u32, j: usize) {
        let b = key as usize * self.stride + self.scenarios[j].off;
        while self.scalars[b + KEPT] > self.scenarios[j].cap {
            let c = self.scalars[b + CURSOR] as u64;
            let old = self.event(key, c);
            self.add(key, j, c, old, -1, Move::Forward);
            self.scalars[b + CURSOR] += 1;
            if old.bits & self.scenarios[j].part != 0 {
                self.overflow += 1;
            }
        }
        self.scalars[b + FLOOR] = self.scalars[b + CURSOR];
    }

    /// Adds (`sign` 1) or subtracts (-1) the event at `pos` to scenario
    /// `j`'s running totals; `how` says where its distinct values are.
    fn add(&mut self, key: u32, j: usize, pos: u64, e: Ev, sign: i64, how: Move) {
        self.add_inline(key, j, pos, e, sign, how);
    }

    /// [`Family::add`], inlined where a new event is added (once per
    /// scenario of every event: the call is a sizeable part of its cost).
    #[inline(always)]
    fn add_inline(&mut self, key: u32, j: usize, pos: u64, e: Ev, sign: i64, how: Move) {
        let s = &self.scenarios[j];
        let jb = e.bits & s.mask;
        if jb == 0 {
            return;
        }
        let b = key as usize * self.stride + s.off;
        if jb & s.part != 0 {
            self.scalars[b + KEPT] += sign;
        }
        let mut agg = (jb & s.running_bits) >> s.shift;
        while agg != 0 {
            let i = agg.trailing_zeros() as usize;
            agg &= agg - 1;
            if s.count_at[i] != u16::MAX {
                self.scalars[b + usize::from(s.count_at[i])] += sign;
            }
            if s.sum_at[i] != u16::MAX {
                self.scalars[b + usize::from(s.sum_at[i])] += sign * e.cents;
            }
        }
        if let Some((bit, at)) = s.balance
            && jb & bit != 0
        {
            let signed = sign * e.signed();
            let weighted = i128::from(signed) * i128::from(e.time);
            self.scalars[b + at] += signed;
            let w = (i128::from(self.scalars[b + at + 1] as u64)
                | (i128::from(self.scalars[b + at + 2]) << 64))
                + weighted;
            self.scalars[b + at + 1] = w as u64 as i64;
            self.scalars[b + at + 2] = (w >> 64) as i64;
        }
        if let Some((bit, _, column, sum, _)) = s.forwarded
            && jb & bit != 0
            && e.direction() == Direction::Out
        {
            let v = self.val(key, pos, column);
            self.scalars[b + sum] += sign * v;
        }
        if jb & s.distinct_bits != 0
            && let (Some(x), Some(extras)) = (s.extra, &mut self.keys[key as usize].extras)
        {
            let x = &mut extras[x];
            let at = match how {
                Move::Forward => {
                    x.aux_cursor += 1;
                    x.aux_cursor - 1
                }
                Move::Back => {
                    x.aux_cursor = x.aux_cursor.saturating_sub(1);
                    x.aux_cursor
                }
                Move::New(q) => q,
            };
            if let Some(a) = x.aux.get(at) {
                for (slot, owner) in s.running_distinct.iter().enumerate() {
                    if owner.is_some() && a.values[slot] != u32::MAX {
                        if sign < 0 {
                            x.counters[slot].remove(a.values[slot]);
                        } else {
                            x.counters[slot].add(a.values[slot]);
                        }
                    }
                }
            }
        }
    }

    /// Moves scenario `j`'s cursor forward past events older than `from`.
    /// Inlined into [`Family::query`], which calls it on nearly every
    /// evaluation to find that no event has left the window.
    #[inline]
    fn forward_to(&mut self, key: u32, j: usize, from: i64) {
        let b = key as usize * self.stride + self.scenarios[j].off;
        if self.scalars[b + START] >= from {
            return;
        }
        let width = self.width;
        let mut c = self.scalars[b + CURSOR] as u64;
        loop {
            let st = &self.keys[key as usize];
            let record = st.head as usize + (c - st.base) as usize;
            // The buffer holds whole records: a record starts inside it
            // exactly when the cursor is before the end.
            match st.words.get(record * width) {
                Some(&time) if (time as i64) < from => {}
                _ => break,
            }
            let e = read(&st.words, width, record);
            self.add(key, j, c, e, -1, Move::Forward);
            c += 1;
            self.scalars[b + CURSOR] = c as i64;
        }
        self.scalars[b + START] = from;
    }

    /// Moves scenario `j`'s cursor to the window start `start` and returns
    /// the range of events with `start <= time <= t`.
    pub(crate) fn query(&mut self, key: u32, j: usize, start: i64, t: i64) -> Range {
        let b = key as usize * self.stride + self.scenarios[j].off;
        let prev = self.scalars[b + START];
        if start > prev {
            self.forward_to(key, j, start);
        } else if start < prev {
            // An out-of-order event: take back the retained events between
            // the new start and the old one (not below the cap's floor).
            let floor = self.scalars[b + FLOOR] as u64;
            let mut c = self.scalars[b + CURSOR] as u64;
            while c > floor.max(self.keys[key as usize].base) {
                let e = self.event(key, c - 1);
                if e.time < start {
                    break;
                }
                c -= 1;
                self.scalars[b + CURSOR] = c as i64;
                self.add(key, j, c, e, 1, Move::Back);
            }
            self.scalars[b + START] = start;
        }
        let st = &self.keys[key as usize];
        let end = st.base + self.live(st) as u64;
        let lo = self.scalars[b + CURSOR] as u64;
        let mut hi = end;
        // Nothing newer than `t` is held when the newest event is not (the
        // in-order case): no need to read the buffer's tail to know it.
        if hi > lo && st.back > t {
            while hi > lo && self.event(key, hi - 1).time > t {
                hi -= 1;
            }
        }
        Range { lo, hi, end }
    }

    /// Positions in `[range.lo, range.hi)` with time at or after `from`.
    pub(crate) fn since(&self, key: u32, range: Range, from: i64) -> u64 {
        let (mut lo, mut hi) = (range.lo, range.hi);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.event(key, mid).time < from {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// The value of running count, sum or mean `i` of scenario `j` over
    /// `range` when no event newer than the query time is held (the
    /// in-order case): its running totals, as [`Family::value`] reads
    /// them, without its call. `None` for any other aggregate or range.
    #[inline]
    pub(crate) fn running_total(&self, key: u32, j: usize, i: usize, range: Range) -> Option<f64> {
        if range.hi != range.end {
            return None;
        }
        let s = &self.scenarios[j];
        self.total_less(s, key as usize * self.stride + s.off, i, 0, 0)
    }

    /// For scenario `j` on `key`, after a query that returned `range`:
    /// the first of the condition's leading conjuncts that the running
    /// totals answer ([`Slots::answer_from_running`]) to be false, with
    /// the transaction's `amount` and thresholds by `threshold`; `None`
    /// when each of them holds, when
    /// there are none, or when an event newer than the query time is
    /// held. The values are the ones the full evaluation reads (running
    /// totals, the forwarded amount's running sum) and the comparisons
    /// the ones it makes, in its order: a conjunct found false here is
    /// the first false one there.
    pub(crate) fn first_false_running(
        &self,
        key: u32,
        j: usize,
        range: Range,
        amount: f64,
        threshold: impl Fn(u16) -> f64,
    ) -> Option<usize> {
        if range.hi != range.end {
            return None;
        }
        let s = &self.scenarios[j];
        let b = key as usize * self.stride + s.off;
        let value = |t: RunningTerm| {
            let v = match t.read {
                RunningRead::Number(n) => n,
                RunningRead::Threshold(i) => threshold(i),
                RunningRead::Amount => amount,
                RunningRead::Aggregate(i) => match self.total_less(s, b, usize::from(i), 0, 0) {
                    Some(v) => v,
                    // A distinct count or the forwarded amount
                    // ([`Slots::reads_running`]), as [`Family::value`]
                    // reads them when no newer event is held.
                    None => match s.running_distinct.iter().position(|o| *o == Some(i)) {
                        Some(slot) => self
                            .extra(s, key as usize)
                            .map_or(0.0, |x| x.counters[slot].len() as f64),
                        None => s.forwarded.map_or(0.0, |f| self.scalars[b + f.3] as f64 / 100.0),
                    },
                },
            };
            match t.factor {
                Some(k) => k * v,
                None => v,
            }
        };
        s.running_conjuncts.iter().position(|c| !c.op.compares(value(c.left), value(c.right)))
    }

    /// Running count, sum or mean `i` of a scenario whose scalars start at
    /// `b`, less `newer_count` events and `newer_cents` (those held newer
    /// than the query time): a count, a sum, or both (a mean), as its
    /// slots say. `None` for an aggregate without running totals.
    fn total_less(
        &self,
        s: &Slots,
        b: usize,
        i: usize,
        newer_count: i64,
        newer_cents: i64,
    ) -> Option<f64> {
        let (count_at, sum_at) = (*s.count_at.get(i)?, *s.sum_at.get(i)?);
        let total = |at: u16| (at != u16::MAX).then(|| self.scalars[b + usize::from(at)]);
        match (total(count_at), total(sum_at)) {
            (Some(count), None) => Some((count - newer_count) as f64),
            (None, Some(cents)) => Some((cents - newer_cents) as f64 / 100.0),
            (Some(count), Some(cents)) => {
                let (count, cents) = (count - newer_count, cents - newer_cents);
                Some(if count == 0 { 0.0 } else { cents as f64 / 100.0 / count as f64 })
            }
            (None, None) => None,
        }
    }

    /// The value of aggregate `i` of scenario `j` over `range` (the window
    /// `[start, t]`).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn value(
        &self,
        key: u32,
        j: usize,
        i: usize,
        a: &Aggregate,
        range: Range,
        start: i64,
        t: i64,
        scratch: &mut Scratch,
    ) -> f64 {
        let s = &self.scenarios[j];
        let bit = s.bit(i);
        let k = key as usize;
        let b = k * self.stride + s.off;
        let tail = range.hi..range.end;
        if a.is_running() {
            let tail_events = || tail.clone().map(|p| (p, self.event(key, p)));
            return match a.function {
                Function::Count | Function::Sum | Function::Mean => {
                    let (mut newer_count, mut newer_cents) = (0, 0);
                    for (_, e) in tail_events().filter(|(_, e)| e.bits & bit != 0) {
                        newer_count += 1;
                        newer_cents += e.cents;
                    }
                    self.total_less(s, b, i, newer_count, newer_cents).unwrap_or(0.0)
                }
                Function::Distinct(_, slot) => {
                    let slot = usize::from(slot);
                    let Some(x) = self.extra(s, k) else { return 0.0 };
                    let mut n = x.counters[slot].len() as f64;
                    if range.hi < range.end {
                        // Values whose every retained occurrence is newer
                        // than `t` do not count.
                        scratch.values.clear();
                        scratch.values.extend(
                            x.aux
                                .iter()
                                .skip(x.aux_cursor)
                                .filter(|a| a.time > t && a.values[slot] != u32::MAX)
                                .map(|a| a.values[slot]),
                        );
                        scratch.values.sort_unstable();
                        let mut w = 0;
                        while w < scratch.values.len() {
                            let v = scratch.values[w];
                            let mut z = w;
                            while z < scratch.values.len() && scratch.values[z] == v {
                                z += 1;
                            }
                            if x.counters[slot].get(v) as usize == z - w {
                                n -= 1.0;
                            }
                            w = z;
                        }
                    }
                    n
                }
                Function::Forwarded(_) => {
                    let Some((fbit, _, column, sum, _)) = s.forwarded else { return 0.0 };
                    let mut v = self.scalars[b + sum];
                    for (p, e) in tail_events() {
                        if e.bits & fbit != 0 && e.direction() == Direction::Out {
                            v -= self.val(key, p, column);
                        }
                    }
                    v as f64 / 100.0
                }
                Function::AverageBalance => {
                    let Some((bbit, at)) = s.balance else { return 0.0 };
                    let mut cents = self.scalars[b + at];
                    let mut weighted = i128::from(self.scalars[b + at + 1] as u64)
                        | (i128::from(self.scalars[b + at + 2]) << 64);
                    for (_, e) in tail_events().filter(|(_, e)| e.bits & bbit != 0) {
                        cents -= e.signed();
                        weighted -= i128::from(e.signed()) * i128::from(e.time);
                    }
                    let area = (i128::from(t) * i128::from(cents) - weighted) as f64;
                    (area / (t - start + 1).max(1) as f64 / 100.0).max(0.0)
                }
                _ => 0.0,
            };
        }
        let from = match a.within {
            Some(w) => (t - w + 1).max(start),
            None => start,
        };
        let lo = if a.within.is_some() { self.since(key, range, from) } else { range.lo };
        let events = (lo..range.hi).map(|p| self.event(key, p)).filter(|e| e.bits & bit != 0);
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
                let slot = usize::from(slot);
                let Some(x) = self.extra(s, k) else { return 0.0 };
                scratch.values.clear();
                scratch.values.extend(
                    x.aux
                        .iter()
                        .filter(|a| a.time >= from && a.time <= t && a.values[slot] != u32::MAX)
                        .map(|a| a.values[slot]),
                );
                scratch.values.sort_unstable();
                scratch.values.dedup();
                scratch.values.len() as f64
            }
            Function::Baseline(statistic, measure) => self
                .extra(s, k)
                .and_then(|x| x.ring.as_ref())
                .map_or(0.0, |r| r.statistic(t, measure, statistic, &mut scratch.floats)),
            // Running kinds are handled above.
            _ => 0.0,
        }
    }
}

/// Where the distinct values of an event being added or subtracted are.
#[derive(Debug, Clone, Copy)]
enum Move {
    /// At the scenario's side-queue cursor, which moves past it.
    Forward,
    /// Just before the cursor, which moves back over it.
    Back,
    /// At this index (a new event).
    New(usize),
}

/// Reusable buffers of value computations.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    values: Vec<u32>,
    floats: Vec<f64>,
}

/// Matches an outflow `e` (at `abs`) of a key's events `st` against the
/// oldest inflows still within `delay` before it (first in, first out),
/// from the scenario's first-in-first-out pointer `fifo` on; returns the
/// cents matched.
#[allow(clippy::too_many_arguments)]
fn match_outflow(
    st: &mut KeyState,
    width: usize,
    fifo: &mut i64,
    bit: u32,
    delay: i64,
    column: usize,
    abs: u64,
    e: NewEvent,
) -> i64 {
    let mut need = e.cents;
    let mut matched = 0;
    let mut first = *fifo as u64;
    let mut i = first;
    while i < abs {
        let r = (st.head as usize + (i - st.base) as usize) * width;
        let time = st.words[r] as i64;
        let ebits = (st.words[r + 2] >> 32) as u32;
        let is_inflow = ebits & bit != 0 && dir_of(ebits) == Direction::In;
        let slot = r + BASE_WORDS + column;
        if is_inflow && st.words[slot] as i64 > 0 {
            if time < e.time - delay {
                st.words[slot] = 0;
            } else if need > 0 {
                let left = st.words[slot] as i64;
                let take = need.min(left);
                st.words[slot] = (left - take) as u64;
                need -= take;
                matched += take;
            }
        }
        let exhausted = !is_inflow || st.words[slot] as i64 <= 0;
        if exhausted && i == first {
            first += 1;
        }
        if need == 0 && !exhausted {
            break;
        }
        i += 1;
    }
    *fifo = first as i64;
    matched
}

fn read(words: &[u64], width: usize, record: usize) -> Ev {
    let r = record * width;
    let w2 = words[r + 2];
    Ev {
        time: words[r] as i64,
        cents: words[r + 1] as i64,
        seq: w2 as u32,
        bits: (w2 >> 32) as u32,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::facts::Test;
    use crate::scenario::Filter;
    use crate::window::{BusinessDay, HOUR, MINUTE, Measure, Statistic, WindowClock, WindowKind};

    fn agg(function: Function, within: Option<i64>) -> Aggregate {
        Aggregate {
            name: "x".into(),
            function,
            within,
            filter: Filter::default(),
            test: Test::default(),
        }
    }

    /// A family of scenarios each with the aggregates count (bit 0), sum
    /// (bit 1) and distinct (bit 2, slot 0), plus a sub-window count
    /// (bit 3) within `within`.
    fn family(n: usize, within: i64, cap: usize) -> (Family, Vec<Vec<Aggregate>>) {
        family_of(n, within, cap, false)
    }

    /// [`family`], or with `running_only` a mean (bit 2) in place of the
    /// distinct count: every appended event then takes the short path of
    /// [`Family::insert`].
    fn family_of(
        n: usize,
        within: i64,
        cap: usize,
        running_only: bool,
    ) -> (Family, Vec<Vec<Aggregate>>) {
        let mut slots = Vec::new();
        let mut aggs = Vec::new();
        let (mut shift, mut off, mut extra) = (0, 0, 0);
        for _ in 0..n {
            let third = if running_only {
                Function::Mean
            } else {
                Function::Distinct(crate::scenario::Field::Conductor, 0)
            };
            let a = vec![
                agg(Function::Count, None),
                agg(Function::Sum, None),
                agg(third, None),
                agg(Function::Count, Some(within)),
            ];
            let distinct = if running_only { [None; MAX_DISTINCT] } else { [Some(2), None, None] };
            let layout = Layout { aggregates: 4, distinct, ..Layout::default() };
            let (s, used) = Slots::new(&a, &layout, 0, cap, shift, off, 0, &mut extra);
            shift += 5;
            off += used;
            slots.push(s);
            aggs.push(a);
        }
        (Family::new(slots, off, 0, extra), aggs)
    }

    #[derive(Debug, Clone, Copy)]
    struct Seen {
        time: i64,
        cents: i64,
        seq: u64,
        mask: u32,
        value: u32,
    }

    /// Events with times that mostly advance but jump back by up to
    /// `lateness` (and sometimes further, which must be skipped as late):
    /// (time, cents, distinct value, mask per scenario).
    fn stream(
        max_gap: i64,
        lateness: i64,
        scenarios: usize,
    ) -> impl Strategy<Value = Vec<(i64, i64, u32, Vec<u32>)>> {
        prop::collection::vec(
            (
                0..max_gap,
                -lateness * 2..=0i64,
                0..2_000_000i64,
                0..6u32,
                prop::collection::vec(0..16u32, scenarios),
            ),
            1..120,
        )
        .prop_map(|raw| {
            let mut t = 1_740_000_000_000i64;
            raw.into_iter()
                .map(|(gap, back, cents, value, masks)| {
                    t += gap;
                    (t + back, cents, value, masks)
                })
                .collect()
        })
    }

    /// Feeds `events` to one key of a family whose scenarios have windows
    /// `kinds`, checking every scenario after every event against a naive
    /// recompute over everything seen.
    fn run_against_naive(
        kinds: Vec<WindowKind>,
        events: Vec<(i64, i64, u32, Vec<u32>)>,
        lateness: i64,
        within: i64,
    ) {
        run_against_naive_of(kinds, events, lateness, within, false);
    }

    /// Two sliding windows of `a` and `b` hours and a tumbling one of `c`
    /// hours: scenarios of different windows sharing one key's buffer.
    fn three_windows(a: i64, b: i64, c: i64) -> Vec<WindowKind> {
        vec![
            WindowKind::Sliding { length: a * HOUR },
            WindowKind::Sliding { length: b * HOUR },
            WindowKind::Tumbling { length: c * HOUR, origin: 0 },
        ]
    }

    /// [`run_against_naive`] on [`family_of`] with `running_only`.
    fn run_against_naive_of(
        kinds: Vec<WindowKind>,
        events: Vec<(i64, i64, u32, Vec<u32>)>,
        lateness: i64,
        within: i64,
        running_only: bool,
    ) {
        let n = kinds.len();
        let (mut fam, aggs) = family_of(n, within, usize::MAX, running_only);
        let mut clocks: Vec<WindowClock> = kinds.iter().cloned().map(WindowClock::new).collect();
        let mut seen: Vec<Vec<Seen>> = vec![Vec::new(); n];
        let mut watermark = i64::MIN;
        let mut scratch = Scratch::default();
        for (seq, (time, cents, value, masks)) in events.into_iter().enumerate() {
            if watermark != i64::MIN && time < watermark - lateness {
                continue; // late: the engine skips it
            }
            watermark = watermark.max(time);
            let retain: Vec<i64> =
                clocks.iter_mut().map(|c| c.retain_from(watermark, lateness)).collect();
            let min = retain.iter().copied().min().unwrap_or(i64::MIN);
            fam.evict(7, &retain, min);
            let mut bits = 0;
            let mut aux = vec![[u32::MAX; MAX_DISTINCT]; n];
            for j in 0..n {
                if masks[j] == 0 {
                    continue;
                }
                let s = &fam.scenarios[j];
                bits |= (masks[j] << s.shift) | s.part;
                if masks[j] & 4 != 0 {
                    aux[j][0] = value;
                }
                seen[j].push(Seen { time, cents, seq: seq as u64, mask: masks[j], value });
            }
            if bits == 0 {
                continue;
            }
            let e = NewEvent { time, cents, seq: seq as u64, bits, direction: Direction::In };
            fam.insert(7, e, &aux);
            for j in 0..n {
                if masks[j] == 0 {
                    continue;
                }
                let start = clocks[j].start(time);
                assert_eq!(start, kinds[j].start(time), "memo agrees with the plain calendar");
                let range = fam.query(7, j, start, time);
                let inside: Vec<&Seen> =
                    seen[j].iter().filter(|e| e.time >= start && e.time <= time).collect();
                let with = |bit: u32| inside.iter().filter(move |e| e.mask & bit != 0);
                let sub = (time - within + 1).max(start);
                let third = if running_only {
                    let n = with(4).count();
                    let cents: i64 = with(4).map(|e| e.cents).sum();
                    if n == 0 { 0.0 } else { cents as f64 / 100.0 / n as f64 }
                } else {
                    let mut values: Vec<u32> = with(4).map(|e| e.value).collect();
                    values.sort_unstable();
                    values.dedup();
                    values.len() as f64
                };
                let want = [
                    with(1).count() as f64,
                    with(2).map(|e| e.cents).sum::<i64>() as f64 / 100.0,
                    third,
                    with(8).filter(|e| e.time >= sub).count() as f64,
                ];
                for (i, w) in want.iter().enumerate() {
                    let got = fam.value(7, j, i, &aggs[j][i], range, start, time, &mut scratch);
                    assert_eq!(got, *w, "scenario {j} aggregate {i} at {time}");
                    if let Some(total) = fam.running_total(7, j, i, range) {
                        assert_eq!(total.to_bits(), got.to_bits(), "running {j}/{i} at {time}");
                    }
                }
                // The range holds exactly the scenario's events in the window.
                let mut got: Vec<u64> = (range.lo..range.hi)
                    .map(|p| fam.event(7, p))
                    .filter(|e| e.bits & fam.scenarios[j].part != 0)
                    .map(|e| u64::from(e.seq))
                    .collect();
                got.sort_unstable();
                let mut want: Vec<u64> = inside.iter().map(|e| e.seq).collect();
                want.sort_unstable();
                assert_eq!(got, want, "evidence of scenario {j} at {time}");
            }
        }
    }

    /// See `running_conjuncts_answer_as_the_evaluation`. Aggregates: `n`
    /// (count), `inflow` (sum of inflows), `forwarded` (matched within
    /// `delay` hours), `avg` (mean), `recent` (count within the last hour,
    /// not a running total), `senders` (distinct values, one of four per
    /// event); a sliding window of `len` hours. Returns how many
    /// conditions the running totals answered.
    fn running_conjuncts_against_evaluation(
        raw: &[(i64, i64, i64, bool)],
        delay: i64,
        len: i64,
        threshold: f64,
    ) -> usize {
        use crate::expr::{Condition, Values, parse};
        let names = ["n", "inflow", "forwarded", "avg", "recent", "senders"];
        let a = vec![
            agg(Function::Count, None),
            agg(Function::Sum, None),
            agg(Function::Forwarded(delay * HOUR), None),
            agg(Function::Mean, None),
            agg(Function::Count, Some(HOUR)),
            agg(Function::Distinct(crate::scenario::Field::Conductor, 0), None),
        ];
        let layout = Layout {
            aggregates: 6,
            forwarded: Some((2, delay * HOUR)),
            distinct: [Some(5), None, None],
            ..Layout::default()
        };
        let mut extra = 0;
        let (slots, used) = Slots::new(&a, &layout, 0, usize::MAX, 0, 0, 0, &mut extra);
        let mut fam = Family::new(vec![slots], used, 1, extra);
        let conditions = [
            "inflow >= t and forwarded >= 0.9 * inflow and recent < 3",
            "n >= 2 and avg > 0.5 * amount and inflow <= 3 * forwarded",
            "forwarded > t",
            "2 <= n and t < inflow and n != 4 and recent >= 1",
            "amount >= t and avg < t and n == 2",
            "recent >= 1 and n >= 2",
            "n == 3 or inflow > 1",
            "senders >= 3 and inflow > t and forwarded >= 0.5 * inflow",
        ];
        let conditions: Vec<Expr> = conditions
            .iter()
            .map(|text| {
                parse(text, |name| match name {
                    "t" => Some(Operand::Threshold(0)),
                    "amount" => Some(Operand::Amount),
                    _ => names.iter().position(|n| *n == name).map(|i| Operand::Aggregate(i as u8)),
                })
                .unwrap()
            })
            .collect();
        let kind = WindowKind::Sliding { length: len * HOUR };
        let mut scratch = Scratch::default();
        let mut t = 1_740_000_000_000i64;
        let mut decided = 0;
        for (seq, &(gap, back, cents, inflow)) in raw.iter().enumerate() {
            t += gap;
            let time = t + back;
            let direction = if inflow { Direction::In } else { Direction::Out };
            // n, forwarded, avg, recent, senders and participation; inflow
            // for inflows.
            let bits = 0b1111101 | if inflow { 0b10 } else { 0 };
            let retain = kind.start(t - 2 * HOUR);
            fam.evict(0, &[retain], retain);
            let sender = [(cents % 4) as u32, u32::MAX, u32::MAX];
            fam.insert(0, NewEvent { time, cents, seq: seq as u64, bits, direction }, &[sender]);
            let start = kind.start(time);
            let range = fam.query(0, 0, start, time);
            let values: Vec<f64> = (0..a.len())
                .map(|i| fam.value(0, 0, i, &a[i], range, start, time, &mut scratch))
                .collect();
            let amount = cents as f64 / 100.0;
            let thresholds = [threshold];
            for condition in &conditions {
                let mut conjuncts = Vec::new();
                condition.conjuncts(&mut conjuncts);
                let mut v = Values { aggregates: &values, amount, thresholds: &thresholds };
                let first_false = conjuncts.iter().position(|c| !Condition::of(c).holds(&mut v));
                fam.scenarios[0].answer_from_running(condition);
                let found = fam.first_false_running(0, 0, range, amount, |i| {
                    thresholds.get(usize::from(i)).copied().unwrap_or(f64::NAN)
                });
                let prefix = fam.scenarios[0].running_conjuncts.len();
                match found {
                    Some(k) => {
                        assert_eq!(first_false, Some(k), "{condition:?} at {time}");
                        decided += 1;
                    }
                    None => assert!(
                        range.hi != range.end || first_false.is_none_or(|k| k >= prefix),
                        "{condition:?} at {time}: the first false conjunct is {first_false:?}"
                    ),
                }
            }
        }
        decided
    }

    /// The leading conjuncts the running totals answer: a comparison of
    /// running totals, numbers, thresholds and the amount, up to the
    /// first one that reads anything else.
    #[test]
    fn running_prefix_stops_at_the_first_other_conjunct() {
        // C3's shape: an inflow over the threshold, then most of it
        // forwarded, then a small one (a newer event held for the last).
        let stream = [(HOUR, 0, 600_000, true), (HOUR, 0, 550_000, false), (HOUR, 0, 10, true)];
        assert!(running_conjuncts_against_evaluation(&stream, 48, 240, 5_000.0) > 0);
        let late = [(HOUR, 0, 600_000, true), (2 * HOUR, 0, 550_000, false), (0, -HOUR, 10, true)];
        assert!(running_conjuncts_against_evaluation(&late, 48, 240, 5_000.0) > 0);
        let a = vec![
            agg(Function::Count, None),
            agg(Function::Sum, None),
            agg(Function::Forwarded(HOUR), None),
            agg(Function::Count, Some(HOUR)),
            agg(Function::Distinct(crate::scenario::Field::Conductor, 0), None),
        ];
        let layout = Layout {
            aggregates: 5,
            forwarded: Some((2, HOUR)),
            distinct: [Some(4), None, None],
            ..Layout::default()
        };
        let mut extra = 0;
        let (slots, _) = Slots::new(&a, &layout, 0, usize::MAX, 0, 0, 0, &mut extra);
        let names = ["n", "inflow", "forwarded", "recent", "distinct"];
        let prefix = |text: &str| {
            let e = crate::expr::parse(text, |name| match name {
                "t" => Some(Operand::Threshold(0)),
                "amount" => Some(Operand::Amount),
                _ => names.iter().position(|n| *n == name).map(|i| Operand::Aggregate(i as u8)),
            })
            .unwrap();
            slots.running_prefix(&e).len()
        };
        assert_eq!(prefix("inflow >= t and forwarded >= 0.9 * inflow and recent < 3"), 2);
        assert_eq!(prefix("n >= 2 and amount > t and 3 * inflow <= forwarded"), 3);
        assert_eq!(prefix("recent >= 1 and n >= 2"), 0);
        assert_eq!(prefix("distinct >= 3 and recent > 1"), 1);
        assert_eq!(prefix("n >= 2 and inflow * 2 >= forwarded"), 1);
        assert_eq!(prefix("n >= 2 and inflow + 1 >= forwarded"), 1);
        assert_eq!(prefix("n == 3 or inflow > 1"), 0);
        assert_eq!(prefix("not (n < 3)"), 0);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn sliding_matches_naive(events in stream(3 * HOUR, 30 * MINUTE, 1), len in 1..48i64, within in 1..4i64) {
            run_against_naive(vec![WindowKind::Sliding { length: len * HOUR }], events, 30 * MINUTE, within * HOUR);
        }

        #[test]
        fn sliding_in_order_matches_naive(events in stream(HOUR, 0, 1), len in 1..10i64) {
            run_against_naive(vec![WindowKind::Sliding { length: len * HOUR }], events, 0, HOUR);
        }

        #[test]
        fn tumbling_matches_naive(events in stream(2 * HOUR, 45 * MINUTE, 1), len in 1..30i64, origin in 0..DAY) {
            run_against_naive(vec![WindowKind::Tumbling { length: len * HOUR, origin }], events, 45 * MINUTE, HOUR);
        }

        #[test]
        fn business_day_matches_naive(
            events in stream(5 * HOUR, 2 * HOUR, 1),
            zone in prop::sample::select(vec!["America/Chicago", "America/Mexico_City", "Europe/London", "America/Los_Angeles", "Asia/Kolkata", "UTC"]),
            hour in 0..24u32,
            minute in prop::sample::select(vec![0u32, 30]),
            roll in any::<bool>(),
        ) {
            let day = BusinessDay::new(zone, &format!("{hour:02}:{minute:02}"), roll).unwrap();
            run_against_naive(vec![WindowKind::BusinessDay(day)], events, 2 * HOUR, HOUR);
        }

        /// Scenarios of different windows share one key's buffer, each
        /// seeing exactly its own events in its own window.
        #[test]
        fn shared_state_matches_naive_per_scenario(
            events in stream(4 * HOUR, HOUR, 3),
            a in 1..72i64,
            b in 1..12i64,
            c in 1..30i64,
        ) {
            run_against_naive(three_windows(a, b, c), events, HOUR, 2 * HOUR);
        }

        #[test]
        fn forwarded_and_balance_match_naive(
            raw in prop::collection::vec((0..6 * HOUR, 1..500_000i64, any::<bool>(), any::<bool>()), 1..80),
            delay in 1..72i64,
            len in 24..240i64,
        ) {
            // In-order stream; naive FIFO matching and balance integral
            // recomputed from the events in the window. A second scenario
            // with a short window shares the key and takes every other
            // event, so the buffer holds events the first does not count.
            let forwarded = agg(Function::Forwarded(delay * HOUR), None);
            let balance = agg(Function::AverageBalance, None);
            let a = vec![forwarded, balance];
            let layout = Layout { aggregates: 2, forwarded: Some((0, delay * HOUR)), balance: Some(1), ..Layout::default() };
            let mut extra = 0;
            let (first, used) = Slots::new(&a, &layout, 0, usize::MAX, 0, 0, 0, &mut extra);
            let other = vec![agg(Function::Count, None)];
            let other_layout = Layout { aggregates: 1, ..Layout::default() };
            let (second, used2) = Slots::new(&other, &other_layout, 0, usize::MAX, 3, used, 1, &mut extra);
            let mut fam = Family::new(vec![first, second], used + used2, 1, extra);
            let kind = WindowKind::Sliding { length: len * HOUR };
            let short = WindowKind::Sliding { length: HOUR };
            let mut scratch = Scratch::default();
            let mut t = 1_740_000_000_000i64;
            let mut seen: Vec<(i64, i64, Direction)> = Vec::new();
            let mut matched_log: Vec<(i64, i64)> = Vec::new();
            let mut queue: VecDeque<(i64, i64)> = VecDeque::new();
            for (seq, (gap, cents, inflow, mine)) in raw.into_iter().enumerate() {
                t += gap;
                let direction = if inflow { Direction::In } else { Direction::Out };
                let retain = [kind.start(t), short.start(t)];
                let bits = if mine { 0b111 } else { 0 } | 0b11000;
                fam.evict(3, &retain, retain[0].min(retain[1]));
                fam.insert(3, NewEvent { time: t, cents, seq: seq as u64, bits, direction }, &[]);
                if !mine {
                    continue;
                }
                seen.push((t, cents, direction));
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
                let range = fam.query(3, 0, start, t);
                let want: i64 = matched_log.iter().filter(|m| m.0 >= start).map(|m| m.1).sum();
                prop_assert_eq!(fam.value(3, 0, 0, &a[0], range, start, t, &mut scratch), want as f64 / 100.0);
                let area: i128 = seen.iter().filter(|e| e.0 >= start).map(|e| {
                    let signed = if e.2 == Direction::In { e.1 } else { -e.1 };
                    i128::from(signed) * i128::from(t - e.0)
                }).sum();
                let balance = ((area as f64) / (t - start + 1) as f64 / 100.0).max(0.0);
                prop_assert_eq!(fam.value(3, 0, 1, &a[1], range, start, t, &mut scratch), balance);
            }
        }

        /// Scenarios of running counts, sums and means only, in and out
        /// of order: appended events take the short path of
        /// [`Family::insert`], the others the full one.
        #[test]
        fn running_only_state_matches_naive(
            events in stream(4 * HOUR, HOUR, 3),
            a in 1..72i64,
            b in 1..12i64,
            c in 1..30i64,
        ) {
            run_against_naive_of(three_windows(a, b, c), events, HOUR, 2 * HOUR, true);
        }

        #[test]
        fn running_only_in_order_matches_naive(events in stream(HOUR, 0, 2), len in 1..10i64) {
            let kinds = vec![WindowKind::Sliding { length: len * HOUR }, WindowKind::Sliding { length: 2 * HOUR }];
            run_against_naive_of(kinds, events, 0, HOUR, true);
        }

        /// The conjuncts answered from the running totals
        /// ([`Family::first_false_running`]) against the full evaluation
        /// (each conjunct compiled, over every aggregate read by
        /// [`Family::value`]), after every event of streams in and out of
        /// order, with a threshold in force and one that is not: a conjunct
        /// found false is the evaluation's first false one, and none is
        /// found while the leading ones hold.
        #[test]
        fn running_conjuncts_answer_as_the_evaluation(
            raw in prop::collection::vec((0..6 * HOUR, -2 * HOUR..=0i64, 0..800_000i64, any::<bool>()), 1..80),
            delay in 1..72i64,
            len in 1..240i64,
            threshold in prop::sample::select(vec![5_000.0, f64::NAN]),
        ) {
            running_conjuncts_against_evaluation(&raw, delay, len, threshold);
        }

        /// Appended events of a scenario with a distinct count and a
        /// baseline (the full path for appended events, on one slice of
        /// scalars), sharing the key with one of running totals only (the
        /// short path): the distinct count against the values seen in the
        /// window, the baseline against a ring fed directly.
        #[test]
        fn appended_distinct_and_baseline_match_naive(
            events in stream(6 * HOUR, 0, 2),
            len in 1..72i64,
            days in 1..10usize,
        ) {
            let special = vec![
                agg(Function::Count, None),
                agg(Function::Distinct(crate::scenario::Field::Conductor, 0), None),
                agg(Function::Baseline(Statistic::Mean, Measure::Amount), None),
                agg(Function::Baseline(Statistic::Today, Measure::Count), None),
            ];
            let layout = Layout { aggregates: 4, distinct: [Some(1), None, None], ..Layout::default() };
            let mut extra = 0;
            let (first, used) = Slots::new(&special, &layout, days, usize::MAX, 0, 0, 0, &mut extra);
            let running = vec![agg(Function::Count, None), agg(Function::Sum, None)];
            let running_layout = Layout { aggregates: 2, ..Layout::default() };
            let (second, used2) = Slots::new(&running, &running_layout, 0, usize::MAX, 5, used, 0, &mut extra);
            let mut fam = Family::new(vec![first, second], used + used2, 0, extra);
            let kind = WindowKind::Sliding { length: len * HOUR };
            let mut ring = DayRing::new(days);
            let mut seen: Vec<(i64, u32)> = Vec::new();
            let mut scratch = Scratch::default();
            let mut floats = Vec::new();
            for (seq, (time, cents, value, masks)) in events.into_iter().enumerate() {
                let start = kind.start(time);
                fam.evict(2, &[start, start], start);
                let (mine, other) = (masks[0] & 0b11, masks[1] & 0b11);
                let mut bits = 0;
                if mine != 0 {
                    bits |= fam.scenarios[0].part | (mine << fam.scenarios[0].shift) | fam.scenarios[0].bit(2) | fam.scenarios[0].bit(3);
                }
                if other != 0 {
                    bits |= fam.scenarios[1].part | (other << fam.scenarios[1].shift);
                }
                if bits == 0 {
                    continue;
                }
                let e = NewEvent { time, cents, seq: seq as u64, bits, direction: Direction::In };
                let distinct = if mine & 0b10 != 0 { value } else { u32::MAX };
                fam.insert(2, e, &[[distinct, u32::MAX, u32::MAX], [u32::MAX; MAX_DISTINCT]]);
                if mine == 0 {
                    continue;
                }
                ring.add(time, cents);
                if distinct != u32::MAX {
                    seen.push((time, distinct));
                }
                let range = fam.query(2, 0, start, time);
                let mut want: Vec<u32> = seen.iter().filter(|v| v.0 >= start).map(|v| v.1).collect();
                want.sort_unstable();
                want.dedup();
                prop_assert_eq!(fam.value(2, 0, 1, &special[1], range, start, time, &mut scratch), want.len() as f64);
                for (i, a) in special.iter().enumerate().skip(2) {
                    let Function::Baseline(statistic, measure) = a.function else { unreachable!() };
                    let direct = ring.statistic(time, measure, statistic, &mut floats);
                    let got = fam.value(2, 0, i, a, range, start, time, &mut scratch);
                    prop_assert_eq!(got.to_bits(), direct.to_bits(), "baseline {} at {}", i, time);
                }
            }
        }

        #[test]
        fn capped_state_never_exceeds_cap(
            events in stream(MINUTE, 0, 1),
            cap in 1..20usize,
            running_only in any::<bool>(),
        ) {
            let (mut fam, aggs) = family_of(1, HOUR, cap, running_only);
            let mut scratch = Scratch::default();
            for (seq, (time, cents, value, _)) in events.into_iter().enumerate() {
                let s = &fam.scenarios[0];
                // Count and sum only, or with a distinct value (the full path).
                let mask = if running_only { 0b011 } else { 0b111 };
                let bits = (mask << s.shift) | s.part;
                fam.insert(1, NewEvent { time, cents, seq: seq as u64, bits, direction: Direction::In }, &[[value, 0, 0]]);
                let range = fam.query(1, 0, i64::MIN, i64::MAX);
                prop_assert!(range.hi - range.lo <= cap as u64);
                let n = fam.value(1, 0, 0, &aggs[0][0], range, i64::MIN, i64::MAX, &mut scratch);
                prop_assert_eq!(n as u64, range.hi - range.lo);
                let sum: i64 = (range.lo..range.hi).map(|p| fam.event(1, p).cents).sum();
                prop_assert_eq!(fam.value(1, 0, 1, &aggs[0][1], range, i64::MIN, i64::MAX, &mut scratch), sum as f64 / 100.0);
            }
        }
    }

    #[test]
    fn idle_keys_are_released_and_reused() {
        let (mut fam, aggs) = family(1, HOUR, usize::MAX);
        let mut scratch = Scratch::default();
        let s = &fam.scenarios[0];
        let bits = (0b11 << s.shift) | s.part;
        fam.insert(
            4,
            NewEvent { time: 0, cents: 100, seq: 0, bits, direction: Direction::In },
            &[],
        );
        assert_eq!(fam.len(4), 1);
        fam.evict(4, &[10 * DAY], 10 * DAY);
        assert_eq!(fam.len(4), 0);
        assert!(fam.idle(4, 10 * DAY));
        fam.release(4);
        fam.insert(
            4,
            NewEvent { time: 11 * DAY, cents: 250, seq: 1, bits, direction: Direction::In },
            &[],
        );
        let range = fam.query(4, 0, 10 * DAY, 11 * DAY);
        assert_eq!(fam.value(4, 0, 1, &aggs[0][1], range, 10 * DAY, 11 * DAY, &mut scratch), 2.5);
    }
}
