//! Reusable scratch state for the searches, so that the hot path allocates
//! nothing: account sets are generation-stamped arrays indexed by account
//! id (clearing one is a counter increment), and per-account values live
//! beside them.

use std::hash::Hasher;

use rustc_hash::{FxHashMap, FxHasher};
use vigia_model::EventTime;

use super::AccountId;

/// A set of accounts that clears in O(1).
#[derive(Debug, Default)]
pub(crate) struct Marks {
    stamp: Vec<u32>,
    generation: u32,
}

impl Marks {
    /// Grows to hold ids below `len`.
    pub(crate) fn ensure(&mut self, len: usize) {
        if self.stamp.len() < len {
            self.stamp.resize(len, 0);
        }
    }

    /// Empties the set.
    pub(crate) fn clear(&mut self) {
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            // After 2^32 clears the stamps could collide: start afresh.
            self.stamp.iter_mut().for_each(|s| *s = 0);
            self.generation = 1;
        }
    }

    /// Adds `id`; true when it was not there.
    pub(crate) fn insert(&mut self, id: AccountId) -> bool {
        match self.stamp.get_mut(id as usize) {
            Some(s) if *s != self.generation => {
                *s = self.generation;
                true
            }
            _ => false,
        }
    }

    pub(crate) fn contains(&self, id: AccountId) -> bool {
        self.stamp.get(id as usize).is_some_and(|s| *s == self.generation)
    }
}

/// Per-account values that belong to the accounts in a [`Marks`] set.
#[derive(Debug, Default)]
pub(crate) struct Values {
    pub(crate) time: Vec<EventTime>,
    pub(crate) amount: Vec<f64>,
    pub(crate) count: Vec<u32>,
}

impl Values {
    pub(crate) fn ensure(&mut self, len: usize) {
        if self.time.len() < len {
            self.time.resize(len, 0);
            self.amount.resize(len, 0.0);
            self.count.resize(len, 0);
        }
    }

    /// Resets the values of one account (call when it enters the set).
    pub(crate) fn reset(&mut self, id: AccountId) {
        let i = id as usize;
        if let (Some(t), Some(a), Some(c)) =
            (self.time.get_mut(i), self.amount.get_mut(i), self.count.get_mut(i))
        {
            *t = EventTime::MIN;
            *a = 0.0;
            *c = 0;
        }
    }

    pub(crate) fn time(&self, id: AccountId) -> EventTime {
        self.time.get(id as usize).copied().unwrap_or(EventTime::MIN)
    }

    pub(crate) fn amount(&self, id: AccountId) -> f64 {
        self.amount.get(id as usize).copied().unwrap_or(0.0)
    }

    pub(crate) fn count(&self, id: AccountId) -> u32 {
        self.count.get(id as usize).copied().unwrap_or(0)
    }

    pub(crate) fn add(&mut self, id: AccountId, time: EventTime, amount: f64) {
        let i = id as usize;
        if let (Some(t), Some(a), Some(c)) =
            (self.time.get_mut(i), self.amount.get_mut(i), self.count.get_mut(i))
        {
            *t = (*t).max(time);
            *a += amount;
            *c += 1;
        }
    }
}

/// When each pattern was last reported and how large it was: the
/// materiality rule. A pattern is reported again only when it is at least
/// `regrowth` times its last reported size, or when its last report is
/// older than the typology's window (a new episode).
#[derive(Debug, Default)]
pub(crate) struct Episodes {
    map: FxHashMap<u64, (EventTime, u32)>,
    prune_at: usize,
}

impl Episodes {
    /// Whether a pattern with this key and size would be reported now
    /// (without recording it).
    pub(crate) fn fresh(
        &self,
        key: u64,
        time: EventTime,
        window: EventTime,
        size: u32,
        regrowth: f64,
    ) -> bool {
        !self.map.get(&key).is_some_and(|&(last, last_size)| {
            last >= time.saturating_sub(window) && f64::from(size) < f64::from(last_size) * regrowth
        })
    }

    /// The size of the pattern's last report, if that report is in the
    /// window ending at `time` (G1 and G2 keep theirs in the hub's fan
    /// state, `FanAgg::recent`).
    #[cfg(test)]
    pub(crate) fn recent(&self, key: u64, time: EventTime, window: EventTime) -> Option<u32> {
        self.map.get(&key).and_then(|&(last, last_size)| {
            (last >= time.saturating_sub(window)).then_some(last_size)
        })
    }

    /// Whether a pattern of `size` would be reported after a last report
    /// of size `recent` in the window ([`Episodes::recent`]): the same
    /// answer as [`Episodes::fresh`].
    pub(crate) fn grown(recent: Option<u32>, size: u32, regrowth: f64) -> bool {
        !recent.is_some_and(|last_size| f64::from(size) < f64::from(last_size) * regrowth)
    }

    /// Whether a pattern with this key and size should be reported now;
    /// records the report when it should.
    pub(crate) fn admit(
        &mut self,
        key: u64,
        time: EventTime,
        window: EventTime,
        size: u32,
        regrowth: f64,
    ) -> bool {
        if let Some(&(last, last_size)) = self.map.get(&key)
            && last >= time.saturating_sub(window)
            && f64::from(size) < f64::from(last_size) * regrowth
        {
            return false;
        }
        self.map.insert(key, (time, size));
        if self.map.len() > self.prune_at.max(1024) {
            // Episodes older than the window can never suppress again.
            let cutoff = time.saturating_sub(window);
            self.map.retain(|_, (last, _)| *last >= cutoff);
            self.prune_at = self.map.len() * 2;
        }
        true
    }
}

/// A key for a set of accounts, whatever their order.
pub(crate) fn set_key(accounts: &mut [AccountId]) -> u64 {
    accounts.sort_unstable();
    let mut hasher = FxHasher::default();
    for a in accounts.iter() {
        hasher.write_u32(*a);
    }
    hasher.write_usize(accounts.len());
    hasher.finish()
}

/// A key for an ordered pair of accounts.
pub(crate) fn pair_key(a: AccountId, b: AccountId) -> u64 {
    (u64::from(a) << 32) | u64::from(b)
}

#[cfg(test)]
mod tests {
    use super::Episodes;

    /// The last report looked up once answers as `fresh` for every size,
    /// time and regrowth around a report's size and window.
    #[test]
    fn recent_and_grown_answer_as_fresh() {
        let mut episodes = Episodes::default();
        assert!(episodes.admit(7, 1_000, 100, 10, 2.0));
        for key in [7, 8] {
            for time in [900, 1_000, 1_050, 1_100, 1_101, 2_000] {
                for size in 0..25 {
                    for regrowth in [1.0, 1.5, 2.0] {
                        let recent = episodes.recent(key, time, 100);
                        assert_eq!(
                            Episodes::grown(recent, size, regrowth),
                            episodes.fresh(key, time, 100, size, regrowth),
                            "key {key} time {time} size {size} regrowth {regrowth}"
                        );
                    }
                }
            }
        }
    }
}
