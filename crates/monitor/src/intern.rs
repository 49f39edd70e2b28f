//! String interning: dense `u32` ids for accounts, keys and values.
//!
//! The engine interns two account strings per transaction, so the table is
//! built for the common case of short keys: an open-addressing table of
//! 32-byte slots that hold the key's hash, its id and, for keys of up to
//! 23 bytes (account numbers, customer ids), the key's bytes themselves. A
//! look-up of a short key then reads one slot, one cache line, instead of a
//! hash-map entry and the heap string it points to. Names are also kept in
//! one contiguous arena (`text` + `ends`) for [`Interner::name`].

use std::hash::Hasher;

use rustc_hash::FxHasher;

/// Bytes of a key stored in its slot.
const INLINE: usize = 23;

#[derive(Clone, Copy)]
struct Slot {
    /// The key's 32-bit hash (the table index is its low bits).
    hash: u32,
    /// Id + 1 (0 = empty slot).
    id: u32,
    /// Key length when it fits inline, else `u8::MAX`.
    len: u8,
    bytes: [u8; INLINE],
}

const EMPTY: Slot = Slot { hash: 0, id: 0, len: 0, bytes: [0; INLINE] };

/// A string interner handing out dense ids `0, 1, 2, ...`.
#[derive(Clone)]
pub(crate) struct Interner {
    slots: Vec<Slot>,
    text: String,
    ends: Vec<u32>,
}

impl Default for Interner {
    fn default() -> Self {
        Interner { slots: vec![EMPTY; 64], text: String::new(), ends: Vec::new() }
    }
}

impl std::fmt::Debug for Interner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Interner").field("len", &self.len()).finish()
    }
}

fn hash(s: &[u8]) -> u32 {
    let mut h = FxHasher::default();
    h.write(s);
    let h = h.finish();
    (h ^ (h >> 32)) as u32
}

/// `a == b` for two keys of one length up to [`INLINE`], by a few loads
/// that may overlap (the first and the last eight bytes of a key of 8 to
/// 16, say) instead of a slice comparison, which calls the library's
/// `memcmp`: on keys this short (an account number, a customer id) the
/// call costs more than the comparison, and every look-up that finds its
/// key makes one.
#[inline]
fn short_eq(a: &[u8], b: &[u8]) -> bool {
    fn word(s: &[u8], at: usize) -> u64 {
        s.get(at..at + 8).and_then(|w| w.try_into().ok()).map_or(0, u64::from_ne_bytes)
    }
    fn half(s: &[u8], at: usize) -> u32 {
        s.get(at..at + 4).and_then(|w| w.try_into().ok()).map_or(0, u32::from_ne_bytes)
    }
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        0 => true,
        1..4 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..8 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        _ => {
            word(a, 0) == word(b, 0)
                && word(a, 8) == word(b, 8)
                && word(a, n - 8) == word(b, n - 8)
                && (n <= 24 || a == b)
        }
    }
}

impl Interner {
    /// Number of strings interned.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// The string with id `id` (empty for an unknown id).
    pub(crate) fn name(&self, id: u32) -> &str {
        let i = id as usize;
        let Some(&end) = self.ends.get(i) else { return "" };
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        self.text.get(start..end as usize).unwrap_or("")
    }

    // Inlined into the probe loops: a call saved and restored more
    // registers than the comparison of a short key takes.
    #[inline(always)]
    fn matches(&self, slot: &Slot, h: u32, s: &[u8]) -> bool {
        if slot.hash != h {
            return false;
        }
        if usize::from(slot.len) <= INLINE {
            usize::from(slot.len) == s.len() && short_eq(&slot.bytes[..s.len()], s)
        } else {
            self.name(slot.id - 1).as_bytes() == s
        }
    }

    /// The id of `s`, if interned.
    pub(crate) fn get(&self, s: &str) -> Option<u32> {
        self.get_hashed(s, Interner::hash_of(s))
    }

    /// The hash a look-up of `s` starts from: computed once for
    /// [`Interner::prefetch_hashed`] and a [`Interner::get_hashed`] a
    /// little later, instead of once for each.
    pub(crate) fn hash_of(s: &str) -> u32 {
        hash(s.as_bytes())
    }

    /// [`Interner::get`] with the key's hash ([`Interner::hash_of`]).
    #[inline]
    pub(crate) fn get_hashed(&self, s: &str, h: u32) -> Option<u32> {
        let bytes = s.as_bytes();
        debug_assert_eq!(h, hash(bytes));
        let mask = self.slots.len() - 1;
        let mut i = h as usize & mask;
        loop {
            let slot = &self.slots[i];
            if slot.id == 0 {
                return None;
            }
            if self.matches(slot, h, bytes) {
                return Some(slot.id - 1);
            }
            i = (i + 1) & mask;
        }
    }

    /// Prefetches the slot where a look-up of the key of hash `h`
    /// ([`Interner::hash_of`]) starts, so that a look-up soon after finds
    /// its line in cache (see [`Monitor::process_batch`]).
    ///
    /// [`Monitor::process_batch`]: crate::Monitor::process_batch
    pub(crate) fn prefetch_hashed(&self, h: u32) {
        let mask = self.slots.len() - 1;
        vigia_alloc::prefetch(&self.slots[h as usize & mask]);
    }

    /// The id of `s`, interning it if new.
    pub(crate) fn intern(&mut self, s: &str) -> u32 {
        let bytes = s.as_bytes();
        let h = hash(bytes);
        let mask = self.slots.len() - 1;
        let mut i = h as usize & mask;
        loop {
            let slot = &self.slots[i];
            if slot.id == 0 {
                break;
            }
            if self.matches(slot, h, bytes) {
                return slot.id - 1;
            }
            i = (i + 1) & mask;
        }
        let id = self.ends.len() as u32;
        self.text.push_str(s);
        self.ends.push(self.text.len() as u32);
        let mut slot = Slot { hash: h, id: id + 1, len: u8::MAX, bytes: [0; INLINE] };
        if bytes.len() <= INLINE {
            slot.len = bytes.len() as u8;
            slot.bytes[..bytes.len()].copy_from_slice(bytes);
        }
        self.slots[i] = slot;
        // Keep the load under one half: probes stay short.
        if self.ends.len() * 2 > self.slots.len() {
            self.grow();
        }
        id
    }

    fn grow(&mut self) {
        let len = self.slots.len() * 2;
        let old = std::mem::replace(&mut self.slots, vec![EMPTY; len]);
        let mask = self.slots.len() - 1;
        for slot in old.into_iter().filter(|s| s.id != 0) {
            let mut i = slot.hash as usize & mask;
            while self.slots[i].id != 0 {
                i = (i + 1) & mask;
            }
            self.slots[i] = slot;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every pair of short keys that differ in one byte, or in length,
    /// compares as the slices do.
    #[test]
    fn short_keys_compare_as_slices() {
        for n in 0..=INLINE + 2 {
            let key: Vec<u8> = (0..n as u8).map(|i| b'a' + i).collect();
            assert!(short_eq(&key, &key.clone()));
            for at in 0..n {
                let mut other = key.clone();
                other[at] ^= 1;
                assert!(!short_eq(&key, &other), "{n} bytes, differing at {at}");
            }
            assert!(!short_eq(&key, &key[..n.saturating_sub(1)]) || n == 0);
        }
    }

    #[test]
    fn dense_ids_short_and_long_keys() {
        let mut interner = Interner::default();
        let long = "an account identifier longer than twenty-three bytes";
        let keys: Vec<String> = (0..1000).map(|i| format!("AC{i:08}")).collect();
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(interner.intern(k), i as u32);
        }
        assert_eq!(interner.intern(long), 1000);
        assert_eq!(interner.intern(""), 1001);
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(interner.intern(k), i as u32);
            assert_eq!(interner.get(k), Some(i as u32));
            assert_eq!(interner.name(i as u32), k);
        }
        assert_eq!(interner.get(long), Some(1000));
        assert_eq!(interner.name(1000), long);
        assert_eq!(interner.get("AC99999999"), None);
        for k in keys.iter().map(String::as_str).chain([long, "", "AC99999999"]) {
            assert_eq!(interner.get_hashed(k, Interner::hash_of(k)), interner.get(k), "{k}");
        }
        assert_eq!(interner.name(5000), "");
        assert_eq!(interner.len(), 1002);
    }
}
