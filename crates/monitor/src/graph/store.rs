//! The bounded, time-windowed directed multigraph.
//!
//! Edges live once in an arena ordered by arrival (fixed-size chunks); each
//! account keeps two compact adjacency vectors (out and in) sorted by time
//! whose entries carry what the searches read most (time, amount, the other
//! account) and the edge's arena sequence number for the rest. Edges leave
//! the arena and both adjacency vectors when they fall out of the retention
//! window, so memory is bounded by the edges in the window plus a fixed
//! cost per account seen.

use std::collections::VecDeque;

use vigia_model::EventTime;

use super::{AccountId, TxRef};

/// One adjacency entry: 24 bytes (`repr(C)`: [`Side::prefetch_newest`]
/// names its first and last fields).
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(C)]
pub(crate) struct Adj {
    pub(crate) time: EventTime,
    pub(crate) amount: f64,
    pub(crate) other: AccountId,
    /// Low 32 bits of the arena sequence number (the window never holds
    /// 2^32 edges, so they identify the edge).
    pub(crate) seq: u32,
}

/// Entries of an adjacency list's first allocation.
const FIRST_BLOCK: usize = 8;

/// One side (out or in) of an account: entries sorted by time, the live
/// ones from `head` on.
#[derive(Debug, Default)]
#[repr(C)]
pub(crate) struct Side {
    items: Vec<Adj>,
    head: usize,
}

impl Side {
    /// The entries still in the window, oldest first.
    pub(crate) fn live(&self) -> &[Adj] {
        self.items.get(self.head..).unwrap_or(&[])
    }

    /// The entries with `from <= time <= to`.
    ///
    /// Windows are recent, so both ends are searched from the back: the
    /// end is almost always the last entry (already in cache from the
    /// latest push), and the start is found by galloping back from it,
    /// which reads a few lines near the tail instead of a binary search's
    /// reads spread over the whole list.
    pub(crate) fn between(&self, from: EventTime, to: EventTime) -> &[Adj] {
        let live = self.live();
        let end = match live.last() {
            Some(last) if last.time <= to => live.len(),
            _ => live.partition_point(|a| a.time <= to),
        };
        let live = live.get(..end).unwrap_or(&[]);
        let start = first_at_or_after(live, from);
        live.get(start..).unwrap_or(&[])
    }

    /// Whether more than `limit` entries have `from <= time <= to`,
    /// reading only the list's length when it is short.
    ///
    /// Entries are sorted by time, so the window holds more than `limit`
    /// exactly when the entry `limit + 1` places before the window's end
    /// is at or after `from`: one read instead of finding the start.
    pub(crate) fn busier_than(&self, from: EventTime, to: EventTime, limit: usize) -> bool {
        let live = self.live();
        if live.len() <= limit {
            return false;
        }
        let end = match live.last() {
            Some(last) if last.time <= to => live.len(),
            _ => live.partition_point(|a| a.time <= to),
        };
        end.checked_sub(limit + 1).and_then(|i| live.get(i)).is_some_and(|a| a.time >= from)
    }

    pub(crate) fn len(&self) -> usize {
        self.items.len() - self.head
    }

    /// Prefetches the newest entry (see `GraphEngine::prefetch_adjacency`),
    /// both its ends: 24-byte entries straddle cache lines.
    pub(crate) fn prefetch_newest(&self) {
        if let Some(last) = self.items.last() {
            vigia_alloc::prefetch(&last.time);
            vigia_alloc::prefetch(&last.seq);
        }
    }

    /// Adds an entry; an entry older than the last goes to its place in time
    /// order (late arrivals are rare, so the shift is too).
    fn push(&mut self, adj: Adj) {
        // Full with expired entries at the front: move the live ones down
        // rather than grow (growth copies the expired ones as well and
        // faults in fresh memory for a window no longer than before).
        if self.head > 0 && self.items.len() == self.items.capacity() {
            self.items.drain(..self.head);
            self.head = 0;
        }
        if self.items.capacity() == 0 {
            // The first block holds FIRST_BLOCK entries, not the four a
            // `Vec` starts with: a list that grows at all is copied one
            // time fewer.
            self.items.reserve_exact(FIRST_BLOCK);
        }
        match self.items.last() {
            Some(last) if last.time > adj.time => {
                let live = self.items.get(self.head..).unwrap_or(&[]);
                let at = self.head + live.partition_point(|a| a.time <= adj.time);
                self.items.insert(at, adj);
            }
            _ => self.items.push(adj),
        }
    }

    /// Drops entries older than `cutoff`. Edges expire in time order, so
    /// the expired entries are at the front: a linear step from `head`
    /// is O(1) amortised.
    fn trim(&mut self, cutoff: EventTime) {
        while self.items.get(self.head).is_some_and(|a| a.time < cutoff) {
            self.head += 1;
        }
        if self.head == self.items.len() {
            self.items.clear();
            self.head = 0;
            // An account that goes quiet gives large buffers back.
            if self.items.capacity() > 1024 {
                self.items.shrink_to_fit();
            }
        } else if self.head >= 64 && self.head * 2 >= self.items.len() {
            self.items.drain(..self.head);
            self.head = 0;
        }
    }
}

/// The first position whose time is at least `from` in entries sorted by
/// time (`items.partition_point(|a| a.time < from)`), galloping back from
/// the end.
fn first_at_or_after(items: &[Adj], from: EventTime) -> usize {
    // Invariant: every entry from `hi` on has `time >= from`.
    let (mut hi, mut step) = (items.len(), 1);
    while step <= hi {
        let i = hi - step;
        if items[i].time < from {
            let rest = &items[i + 1..hi];
            return i + 1 + rest.partition_point(|a| a.time < from);
        }
        hi = i;
        step *= 2;
    }
    // The gallop went back past half of the list without leaving the
    // window: when the first entry is in it, the whole list is (common
    // for the longer windows), one comparison instead of a binary search
    // over the front.
    if items.first().is_none_or(|a| a.time >= from) {
        return 0;
    }
    items[..hi].partition_point(|a| a.time < from)
}

/// Per-account adjacency (`repr(C)`: [`Node::prefetch`] names its first and
/// last fields).
#[derive(Debug, Default)]
#[repr(C)]
pub(crate) struct Node {
    pub(crate) out: Side,
    pub(crate) inn: Side,
}

impl Node {
    /// Requests both ends of the node: the array of nodes is not aligned to
    /// cache lines, so a 64-byte node usually spans two.
    pub(crate) fn prefetch(&self) {
        vigia_alloc::prefetch(&self.out.items);
        vigia_alloc::prefetch(&self.inn.head);
    }
}

/// One edge in the arena.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Record {
    pub(crate) tx: TxRef,
    pub(crate) time: EventTime,
    pub(crate) amount: f64,
    pub(crate) from: AccountId,
    pub(crate) to: AccountId,
    /// Slot of the account pair in the fan state, or `u32::MAX`.
    pub(crate) pair: u32,
    /// Hops of the longest pass-through chain ending with this edge.
    pub(crate) chain_hops: u8,
    /// Sequence number (low bits) of the previous hop of that chain.
    pub(crate) chain_prev: u32,
    /// Time of that chain's first hop.
    pub(crate) chain_start: EventTime,
}

/// Records per arena chunk (4,096 records of 56 bytes: 224 KiB).
const CHUNK: usize = 4096;

/// The edges in arrival order, in chunks of [`CHUNK`] records.
///
/// A `VecDeque` doubles while the window fills: each doubling copies every
/// record held and faults in fresh memory twice the size (tens of MiB at a
/// million edges), and the old buffer goes back to the allocator. Chunks
/// are never copied; a chunk emptied at the front is kept and reused at
/// the back, so memory stays at the peak window's chunks (plus one) and is
/// not given back to be faulted in again.
#[derive(Debug, Default)]
struct Arena {
    chunks: VecDeque<Vec<Record>>,
    /// Index in the front chunk of the oldest record.
    head: usize,
    len: usize,
    spare: Vec<Vec<Record>>,
}

impl Arena {
    fn len(&self) -> usize {
        self.len
    }

    /// The record `offset` places after the oldest.
    fn get(&self, offset: usize) -> Option<&Record> {
        if offset >= self.len {
            return None;
        }
        let at = self.head + offset;
        self.chunks.get(at / CHUNK)?.get(at % CHUNK)
    }

    fn front(&self) -> Option<&Record> {
        self.get(0)
    }

    /// The records from `offset` places after the oldest to the end of
    /// the chunk that holds it (empty past the newest): a run a walk in
    /// arrival order reads without locating each record's chunk.
    fn run_from(&self, offset: usize) -> &[Record] {
        if offset >= self.len {
            return &[];
        }
        let at = self.head + offset;
        self.chunks.get(at / CHUNK).and_then(|chunk| chunk.get(at % CHUNK..)).unwrap_or(&[])
    }

    fn push_back(&mut self, record: Record) {
        if self.chunks.back().is_none_or(|c| c.len() == CHUNK) {
            let chunk = self.spare.pop().unwrap_or_else(|| Vec::with_capacity(CHUNK));
            self.chunks.push_back(chunk);
        }
        if let Some(chunk) = self.chunks.back_mut() {
            chunk.push(record);
            self.len += 1;
        }
    }

    fn pop_front(&mut self) -> Option<Record> {
        let record = *self.front()?;
        self.head += 1;
        self.len -= 1;
        // The front chunk is full when its last record leaves (an emptied
        // arena keeps appending to its one chunk from `head`).
        if self.head == CHUNK
            && let Some(mut chunk) = self.chunks.pop_front()
        {
            chunk.clear();
            self.spare.push(chunk);
            self.head = 0;
        }
        Some(record)
    }
}

/// The graph.
#[derive(Debug, Default)]
pub(crate) struct Store {
    pub(crate) nodes: Vec<Node>,
    arena: Arena,
    /// Sequence number of `arena[0]`.
    base: u64,
    /// The latest event time seen.
    pub(crate) now: EventTime,
    pub(crate) retention: EventTime,
    pub(crate) peak: usize,
}

impl Store {
    pub(crate) fn new(retention: EventTime) -> Self {
        Store { retention, now: EventTime::MIN, ..Store::default() }
    }

    /// Makes sure `account` has a node.
    pub(crate) fn ensure(&mut self, account: AccountId) {
        let need = account as usize + 1;
        if self.nodes.len() < need {
            self.nodes.resize_with(need, Node::default);
        }
    }

    /// Requests `account`'s node, both its lines, ahead of a read: for a
    /// search about to read the lists of several other accounts, so that
    /// their misses overlap instead of coming one after another.
    pub(crate) fn prefetch_node(&self, account: AccountId) {
        if let Some(node) = self.nodes.get(account as usize) {
            node.prefetch();
        }
    }

    pub(crate) fn node(&self, account: AccountId) -> &Node {
        // Invariant: every account id the searches meet came through
        // `insert`, which called `ensure`; the fallback keeps this total.
        static EMPTY: Node = Node {
            out: Side { items: Vec::new(), head: 0 },
            inn: Side { items: Vec::new(), head: 0 },
        };
        self.nodes.get(account as usize).unwrap_or(&EMPTY)
    }

    /// The sequence number of the oldest edge held.
    pub(crate) fn base_seq(&self) -> u64 {
        self.base
    }

    /// The sequence number the next inserted edge gets.
    pub(crate) fn next_seq(&self) -> u64 {
        self.base + self.arena.len() as u64
    }

    pub(crate) fn live_edges(&self) -> usize {
        self.arena.len()
    }

    /// Adds an edge (accounts already ensured); returns its sequence number.
    pub(crate) fn insert(&mut self, record: Record) -> u64 {
        let seq = self.next_seq();
        let low = seq as u32;
        let (from, to) = (record.from as usize, record.to as usize);
        if let Some(node) = self.nodes.get_mut(from) {
            node.out.push(Adj {
                time: record.time,
                amount: record.amount,
                other: record.to,
                seq: low,
            });
        }
        if let Some(node) = self.nodes.get_mut(to) {
            node.inn.push(Adj {
                time: record.time,
                amount: record.amount,
                other: record.from,
                seq: low,
            });
        }
        self.arena.push_back(record);
        self.peak = self.peak.max(self.arena.len());
        seq
    }

    /// The record with sequence number `seq` (low 32 bits), if still held.
    pub(crate) fn record(&self, seq: u32) -> Option<&Record> {
        let offset = seq.wrapping_sub(self.base as u32) as usize;
        self.arena.get(offset)
    }

    /// The oldest record, if any.
    pub(crate) fn oldest(&self) -> Option<&Record> {
        self.arena.front()
    }

    /// Removes the oldest record and trims both its accounts' adjacency.
    pub(crate) fn pop_oldest(&mut self, cutoff: EventTime) -> Option<Record> {
        let record = self.arena.pop_front()?;
        self.base += 1;
        if let Some(node) = self.nodes.get_mut(record.from as usize) {
            node.out.trim(cutoff);
        }
        if let Some(node) = self.nodes.get_mut(record.to as usize) {
            node.inn.trim(cutoff);
        }
        Some(record)
    }

    /// The record at absolute sequence number `seq`.
    pub(crate) fn at(&self, seq: u64) -> Option<&Record> {
        seq.checked_sub(self.base).and_then(|offset| self.arena.get(offset as usize))
    }

    /// The records from absolute sequence number `seq` on, in arrival
    /// order, as far as they are stored together (at least one when
    /// `seq` is held; empty when it is not).
    pub(crate) fn run_from(&self, seq: u64) -> &[Record] {
        seq.checked_sub(self.base).map_or(&[], |offset| self.arena.run_from(offset as usize))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use super::{Adj, Arena, CHUNK, Record, Side, first_at_or_after};

    fn record(tx: u64) -> Record {
        Record {
            tx,
            time: tx as i64,
            amount: 1.0,
            from: 0,
            to: 1,
            pair: 0,
            chain_hops: 1,
            chain_prev: 0,
            chain_start: 0,
        }
    }

    /// The chunked arena answers as a `VecDeque` through pushes and pops
    /// across chunk boundaries, emptied and refilled, and reuses its
    /// emptied chunks instead of allocating more.
    #[test]
    fn arena_reads_as_a_deque() {
        let mut arena = Arena::default();
        let mut deque = VecDeque::new();
        let mut next = 0u64;
        // Grow past three chunks, drain to empty, refill, drain halfway.
        for (push, pop) in [(3 * CHUNK + 17, 0), (0, 3 * CHUNK + 17), (2 * CHUNK, CHUNK + 5)] {
            for _ in 0..push {
                arena.push_back(record(next));
                deque.push_back(record(next));
                next += 1;
            }
            for _ in 0..pop {
                assert_eq!(arena.pop_front().map(|r| r.tx), deque.pop_front().map(|r| r.tx));
            }
            assert_eq!(arena.len(), deque.len());
            assert_eq!(arena.front().map(|r| r.tx), deque.front().map(|r| r.tx));
            for offset in [0, 1, CHUNK - 1, CHUNK, deque.len().saturating_sub(1), deque.len()] {
                assert_eq!(arena.get(offset).map(|r| r.tx), deque.get(offset).map(|r| r.tx));
                let run = arena.run_from(offset);
                assert_eq!(run.is_empty(), offset >= deque.len());
                for (i, record) in run.iter().enumerate() {
                    assert_eq!(Some(record.tx), deque.get(offset + i).map(|r| r.tx));
                }
            }
        }
        assert!(arena.chunks.len() + arena.spare.len() <= 5, "emptied chunks are reused");
    }

    fn side(times: &[i64]) -> Side {
        let mut side = Side::default();
        for (i, &time) in times.iter().enumerate() {
            side.push(Adj { time, amount: 1.0, other: i as u32, seq: i as u32 });
        }
        side
    }

    /// Galloping from the end finds the same bounds as a binary search
    /// over the whole list, for every window of small lists with ties.
    #[test]
    fn between_gallops_to_the_binary_search_bounds() {
        for len in 0..40_i64 {
            let times: Vec<i64> = (0..len).map(|i| i / 3 * 2).collect();
            let side = side(&times);
            let live = side.live();
            for from in -2..(len + 2) {
                assert_eq!(
                    first_at_or_after(live, from),
                    live.partition_point(|a| a.time < from),
                    "len {len} from {from}"
                );
                for to in (from - 1)..(len + 2) {
                    let start = live.partition_point(|a| a.time < from);
                    let end = live.partition_point(|a| a.time <= to).max(start);
                    assert_eq!(side.between(from, to), &live[start..end], "{from}..={to}");
                    for limit in 0..6 {
                        assert_eq!(side.busier_than(from, to, limit), end - start > limit);
                    }
                }
            }
        }
    }
}
