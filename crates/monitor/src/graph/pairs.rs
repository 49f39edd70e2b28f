//! The fan state's table of account pairs (pair → slot of its counters).
//!
//! Open addressing with linear probing over a power-of-two array kept at
//! most three quarters full. A `HashMap` would do the same work but does
//! not say where a look-up starts; here [`PairTable::prefetch`] can
//! request that line a couple of transactions ahead (ADR 0159), so the
//! transaction's own look-up finds it in cache.

use super::AccountId;

/// Marks a free entry (no counters slot is `u32::MAX`: the slab would
/// have to hold 2^32 pairs).
const FREE: u32 = u32::MAX;

/// One entry: 12 bytes, so a 64-byte line holds five and a probe rarely
/// leaves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    from: AccountId,
    to: AccountId,
    slot: u32,
}

const EMPTY: Entry = Entry { from: 0, to: 0, slot: FREE };

/// Entries of a table that has not grown yet.
const FIRST_CAPACITY: usize = 1024;

#[derive(Debug, Default)]
pub(crate) struct PairTable {
    /// Power-of-two length (or empty before the first insert).
    entries: Vec<Entry>,
    len: usize,
    /// 64 − log2(capacity): the home position is the top bits of the
    /// key's product with an odd constant (Fibonacci hashing).
    shift: u32,
}

impl PairTable {
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    fn mask(&self) -> usize {
        self.entries.len().wrapping_sub(1)
    }

    /// Where the look-up of `from → to` starts (the table is not empty).
    fn home(&self, from: AccountId, to: AccountId) -> usize {
        let key = (u64::from(from) << 32) | u64::from(to);
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// The position of `from → to`, or of the free entry where it would go.
    fn find(&self, from: AccountId, to: AccountId) -> (usize, bool) {
        let mask = self.mask();
        let mut i = self.home(from, to);
        // The table is never full, so the probe meets a free entry.
        while let Some(entry) = self.entries.get(i) {
            if entry.slot == FREE {
                return (i, false);
            }
            if entry.from == from && entry.to == to {
                return (i, true);
            }
            i = (i + 1) & mask;
        }
        (i, false)
    }

    /// The slot of `from → to`, if the pair is in the table.
    pub(crate) fn get(&self, from: AccountId, to: AccountId) -> Option<u32> {
        if self.entries.is_empty() {
            return None;
        }
        match self.find(from, to) {
            (i, true) => self.entries.get(i).map(|e| e.slot),
            _ => None,
        }
    }

    /// Requests the line where the look-up of `from → to` starts.
    pub(crate) fn prefetch(&self, from: AccountId, to: AccountId) {
        if !self.entries.is_empty()
            && let Some(entry) = self.entries.get(self.home(from, to))
        {
            vigia_alloc::prefetch(entry);
        }
    }

    /// The slot of `from → to` and `true`, or, when the pair is not in
    /// the table, the slot `take` gives it and `false`.
    pub(crate) fn get_or_insert_with(
        &mut self,
        from: AccountId,
        to: AccountId,
        take: impl FnOnce() -> u32,
    ) -> (u32, bool) {
        if (self.len + 1) * 4 > self.entries.len() * 3 {
            self.grow();
        }
        let (i, found) = self.find(from, to);
        if found {
            return (self.entries.get(i).map_or(FREE, |e| e.slot), true);
        }
        let slot = take();
        if let Some(entry) = self.entries.get_mut(i) {
            *entry = Entry { from, to, slot };
            self.len += 1;
        }
        (slot, false)
    }

    /// Removes `from → to` if present. The entries after it in its run
    /// move back into the hole when their home allows (backward-shift
    /// deletion), so no look-up ever needs a tombstone.
    pub(crate) fn remove(&mut self, from: AccountId, to: AccountId) {
        if self.entries.is_empty() {
            return;
        }
        let (mut hole, found) = self.find(from, to);
        if !found {
            return;
        }
        let mask = self.mask();
        let mut j = hole;
        loop {
            j = (j + 1) & mask;
            let Some(&entry) = self.entries.get(j) else { break };
            if entry.slot == FREE {
                break;
            }
            // `entry` may fill the hole when the hole lies between its
            // home and where it sits (cyclically).
            let home = self.home(entry.from, entry.to);
            if (j.wrapping_sub(home) & mask) >= (j.wrapping_sub(hole) & mask) {
                if let Some(moved) = self.entries.get_mut(hole) {
                    *moved = entry;
                }
                hole = j;
            }
        }
        if let Some(freed) = self.entries.get_mut(hole) {
            *freed = EMPTY;
        }
        self.len -= 1;
    }

    fn grow(&mut self) {
        let capacity = (self.entries.len() * 2).max(FIRST_CAPACITY);
        let old = std::mem::replace(&mut self.entries, vec![EMPTY; capacity]);
        self.shift = 64 - capacity.trailing_zeros();
        for entry in old.into_iter().filter(|e| e.slot != FREE) {
            let (i, _) = self.find(entry.from, entry.to);
            if let Some(free) = self.entries.get_mut(i) {
                *free = entry;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::PairTable;

    /// Inserts, look-ups and removals over a small key space (long probe
    /// runs, removals inside runs and across the array's end, growth)
    /// answer as a `HashMap` does.
    #[test]
    fn pair_table_answers_as_a_hash_map() {
        let mut next = super::super::tests::xorshift(0x9e37_79b9_7f4a_7c15);
        let mut table = PairTable::default();
        let mut model: HashMap<(u32, u32), u32> = HashMap::new();
        let mut taken = 0u32;
        for step in 0..300_000u64 {
            // The key space grows then shrinks, so the table grows and
            // then mostly removes.
            let keys = if step < 150_000 { 1 + step / 100 } else { 1 + (300_000 - step) / 100 };
            let (from, to) = (next(keys) as u32, next(7) as u32);
            match next(3) {
                0 => {
                    table.remove(from, to);
                    model.remove(&(from, to));
                }
                _ => {
                    let (slot, found) = table.get_or_insert_with(from, to, || {
                        taken += 1;
                        taken
                    });
                    let expected = model.get(&(from, to)).copied();
                    assert_eq!(found, expected.is_some(), "step {step}");
                    if let Some(expected) = expected {
                        assert_eq!(slot, expected, "step {step}");
                    } else {
                        model.insert((from, to), slot);
                    }
                }
            }
            assert_eq!(table.len(), model.len(), "step {step}");
            let (from, to) = (next(keys + 3) as u32, next(7) as u32);
            assert_eq!(table.get(from, to), model.get(&(from, to)).copied(), "step {step}");
        }
        for (&(from, to), &slot) in &model {
            assert_eq!(table.get(from, to), Some(slot));
        }
    }
}
