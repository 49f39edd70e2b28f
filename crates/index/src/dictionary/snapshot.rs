//! The dictionary's part of an index snapshot (see `crate::snapshot`):
//! here, because the lookup tables are the dictionary's own.

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

use super::{Dictionary, KeyedToken, TokenInfo, with_shapes};
use crate::TokenId;
use crate::snapshot::{Encoder, Result, SnapshotError, Source, all_below, offsets};

impl Dictionary {
    pub(crate) fn encode(&self, e: &mut Encoder) {
        // Destructured, so that a new table cannot be forgotten here.
        let Dictionary {
            tokens,
            // Rebuilt from the tokens.
            by_text: _,
            deletion_keys,
            deletion_tokens,
            deletion_directory,
            deletion_bits,
            long_keys,
            phonetic,
            skeleton,
            symbol,
            // Made on first use.
            shapes: _,
        } = self;
        e.len(tokens.len());
        for TokenInfo { text, chars: _, records, rarity } in tokens {
            e.str(text);
            e.u32(*records);
            e.f32(*rarity);
        }
        e.u64s(deletion_keys);
        e.u32s(deletion_tokens);
        e.u64s(deletion_directory);
        e.u32(*deletion_bits);
        e.u64s(long_keys);
        encode_keyed(e, phonetic);
        encode_keyed(e, skeleton);
        e.map(symbol, |e, k| e.u32(*k));
    }

    pub(crate) fn decode<S: Source>(d: &mut S) -> Result<Dictionary> {
        let count = d.len(16)?;
        let mut tokens = Vec::with_capacity(count);
        let mut by_text: FxHashMap<Box<str>, TokenId> = FxHashMap::default();
        by_text.reserve(count);
        for id in 0..count {
            let text: Box<str> = d.str()?.into();
            let records = d.u32()?;
            let rarity = d.f32()?;
            if by_text.insert(text.clone(), id as TokenId).is_some() {
                return Err(SnapshotError::Corrupt("a token twice".into()));
            }
            tokens.push(TokenInfo { chars: text.chars().collect(), text, records, rarity });
        }
        let deletion_keys = d.u64s()?;
        let deletion_tokens = d.u32s()?;
        let deletion_directory = d.u64s()?;
        let deletion_bits = d.u32()?;
        let long_keys = d.u64s()?;
        // The shapes are read from the tokens: their ids are checked first.
        let phonetic = d.map(|d| d.str().map(Box::from))?;
        let skeleton = d.map(|d| d.str().map(Box::from))?;
        for list in phonetic.values().chain(skeleton.values()) {
            all_below(list.iter().map(|&t| t as usize), tokens.len(), "key token")?;
        }
        Ok(Dictionary {
            phonetic: with_shapes(phonetic, &tokens),
            skeleton: with_shapes(skeleton, &tokens),
            tokens,
            by_text,
            deletion_keys,
            deletion_tokens,
            deletion_directory,
            deletion_bits,
            long_keys,
            symbol: d.map(|d| d.u32())?,
            shapes: OnceLock::new(),
        })
    }

    /// Checks every token id and bucket range of the lookup tables.
    pub(crate) fn check(&self) -> Result<()> {
        let tokens = self.tokens.len();
        let corrupt = |what: &str| Err(SnapshotError::Corrupt(format!("dictionary {what}")));
        if self.deletion_keys.len() != self.deletion_tokens.len() {
            return corrupt("deletion tables");
        }
        if !self.deletion_directory.is_empty() {
            if !(1..=24).contains(&self.deletion_bits)
                || self.deletion_directory.len() != (1usize << self.deletion_bits) + 1
            {
                return corrupt("deletion buckets");
            }
            let starts: Vec<u32> = self.deletion_directory.iter().map(|&e| e as u32).collect();
            offsets(&starts, starts.len() - 1, self.deletion_keys.len(), "deletion buckets")?;
        }
        if !self.long_keys.is_empty() && !self.long_keys.len().is_power_of_two() {
            return corrupt("long-key filter");
        }
        all_below(self.deletion_tokens.iter().map(|&t| t as usize), tokens, "deletion token")?;
        for list in self.phonetic.values().chain(self.skeleton.values()) {
            all_below(list.iter().map(|t| t.id as usize), tokens, "key token")?;
        }
        for list in self.symbol.values() {
            all_below(list.iter().map(|&t| t as usize), tokens, "key token")?;
        }
        Ok(())
    }
}

/// A key map as [`Encoder::map`] writes one of token ids (the shapes are
/// read from the tokens again).
fn encode_keyed(e: &mut Encoder, map: &FxHashMap<Box<str>, Box<[KeyedToken]>>) {
    e.len(map.len());
    for (key, tokens) in map {
        e.str(key);
        let ids: Vec<TokenId> = tokens.iter().map(|t| t.id).collect();
        e.u32s(&ids);
    }
}

#[cfg(test)]
impl Dictionary {
    /// Everything the dictionary holds, in an order that does not depend
    /// on hash map layout.
    pub(crate) fn contents(&self) -> String {
        use crate::snapshot::sorted_entries as sorted;
        let tokens: Vec<_> = self
            .tokens
            .iter()
            .map(|t| (&t.text, &t.chars, t.records, t.rarity.to_bits(), self.get(&t.text)))
            .collect();
        format!(
            "{tokens:?}\n{:?}\n{:?}\n{:?}\n{}\n{:?}\n{:?}\n{:?}\n{:?}",
            self.deletion_keys,
            self.deletion_tokens,
            self.deletion_directory,
            self.deletion_bits,
            self.long_keys,
            sorted(&self.phonetic),
            sorted(&self.skeleton),
            sorted(&self.symbol),
        )
    }

    /// Points a deletion key at a token that does not exist.
    pub(crate) fn damage(&mut self) {
        self.deletion_tokens[0] = self.tokens.len() as TokenId;
    }
}
