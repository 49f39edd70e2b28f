//! A frozen [`Index`] as bytes, and back: the persisted snapshot that lets
//! a command load the index instead of analysing every listed name again
//! (ADR 0119).
//!
//! The encoding is this crate's own, written by hand: fixed-width
//! little-endian integers, length-prefixed strings and arrays. Arrays of
//! numbers (postings, deletion tables) are copied as blocks, so decoding
//! them is a copy. The records' entities, one allocation per string, are
//! only checked at load and decoded when first read ([`RecordEntity`], ADR
//! 0129). Nothing here opens or writes files: the caller does, and decides
//! what a snapshot must match ([`SnapshotKey`]).
//!
//! Layout:
//!
//! ```text
//! magic       8 bytes  "VIGIAIDX"
//! format      u32      SNAPSHOT_FORMAT, bumped whenever the layout changes
//! checksum    u32      CRC-32 of everything after `length`
//! length      u64      byte count of everything after it
//! tables      u64      byte count of the key and the index that follow
//! key         engine (str), lists (str), configuration
//! index       dictionary, records, names, parts, joins, postings, ...
//! entities    each record's entity, in record order
//! ```
//!
//! The entities come last, apart from the tables, because they are the
//! only bytes an index keeps (ADR 0155): a load decodes the tables from
//! pieces of the file read into one reused buffer, then reads the entities
//! into a buffer of their own, so the whole file is never held at once.
//!
//! A snapshot is taken only if the magic, the format, the length, the
//! checksum, the key and the configuration all agree, and the decoded
//! index passes a check of every id and range it holds (so that even a
//! corruption the checksum missed cannot make screening index out of
//! bounds). Anything else is an error, and the caller rebuilds.

use std::io::Read;
use std::ops::Range;
use std::sync::Arc;

use rustc_hash::FxHashMap;
use vigia_model::{Entity, PartialDate, Schema};
use vigia_text::{PartTag, Script};

use crate::{
    Dictionary, Evidence, Gender, Identifier, IdentifierKind, Index, IndexConfig, IndexStats,
    IndexedJoin, IndexedName, IndexedPart, JoinPostings, NameId, NameOrigin, NameSlot, PartRole,
    Record, RecordEntity, Weights,
};

/// The first bytes of every snapshot.
const MAGIC: &[u8; 8] = b"VIGIAIDX";

/// The layout version. Bump it with any change to what is written below or
/// in the dictionary's part (`dictionary/snapshot.rs`).
pub const SNAPSHOT_FORMAT: u32 = 3;

/// Magic, format, checksum and length.
const HEADER: usize = 8 + 4 + 4 + 8;

/// What a snapshot must have been written for to be taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotKey {
    /// The code that turned the lists into an index (a fingerprint of the
    /// analysis rules, decided by the caller).
    pub engine: String,
    /// The exact lists indexed (their versions, decided by the caller).
    pub lists: String,
}

/// Why a snapshot was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    /// A snapshot of another layout version (written by other code).
    #[error("written in format {0}, not {SNAPSHOT_FORMAT}")]
    Format(String),
    /// A sound snapshot of something else: other lists, another engine or
    /// another configuration.
    #[error("written for other {0}")]
    Stale(&'static str),
    /// Not a snapshot at all, or truncated, altered or inconsistent.
    #[error("corrupt: {0}")]
    Corrupt(String),
}

impl SnapshotError {
    /// Whether the file is damaged (as opposed to merely out of date).
    pub fn is_corrupt(&self) -> bool {
        matches!(self, SnapshotError::Corrupt(_))
    }
}

/// `Result` with a [`SnapshotError`].
pub(crate) type Result<T> = std::result::Result<T, SnapshotError>;

fn corrupt(what: impl Into<String>) -> SnapshotError {
    SnapshotError::Corrupt(what.into())
}

impl Index {
    /// The index as snapshot bytes, keyed to `key` and to the index's
    /// configuration.
    pub fn to_snapshot(&self, key: &SnapshotKey) -> Vec<u8> {
        // The header is filled in once the body is written after it, in the
        // same buffer: a large index is never held twice as bytes.
        let mut e = Encoder { buf: Vec::with_capacity(self.stats.heap_bytes / 2) };
        e.buf.resize(HEADER + 8, 0);
        e.str(&key.engine);
        e.str(&key.lists);
        encode_config(&mut e, &self.config);
        encode_index(&mut e, self);
        let tables = (e.buf.len() - HEADER - 8) as u64;
        e.buf[HEADER..HEADER + 8].copy_from_slice(&tables.to_le_bytes());
        for record in &self.records {
            encode_entity(&mut e, &record.entity);
        }
        let mut out = e.buf;
        let checksum = crc32fast::hash(&out[HEADER..]);
        let length = (out.len() - HEADER) as u64;
        out[..8].copy_from_slice(MAGIC);
        out[8..12].copy_from_slice(&SNAPSHOT_FORMAT.to_le_bytes());
        out[12..16].copy_from_slice(&checksum.to_le_bytes());
        out[16..HEADER].copy_from_slice(&length.to_le_bytes());
        out
    }

    /// An index from snapshot bytes, if they are sound and were written for
    /// `key` and `config`.
    ///
    /// # Errors
    /// The bytes are a snapshot of another format ([`SnapshotError::Format`]),
    /// were written for other lists, engine or configuration
    /// ([`SnapshotError::Stale`]), or are truncated, altered or inconsistent
    /// ([`SnapshotError::Corrupt`]). Never panics.
    pub fn from_snapshot(bytes: &[u8], key: &SnapshotKey, config: &IndexConfig) -> Result<Index> {
        Index::from_snapshot_reader(bytes, bytes.len() as u64, key, config)
    }

    /// An index from a snapshot read from `reader`, which holds `size`
    /// bytes (a file and its length), as [`Index::from_snapshot`].
    ///
    /// The tables are decoded from pieces of the file read into one reused
    /// buffer, then the entities are read into a buffer of their own, which
    /// the index keeps (its records' entities are decoded from it when
    /// first read, [`RecordEntity`]): the whole file is never in memory at
    /// once.
    ///
    /// # Errors
    /// As [`Index::from_snapshot`]; a read that fails is
    /// [`SnapshotError::Corrupt`] too. Never panics.
    pub fn from_snapshot_reader(
        mut reader: impl Read,
        size: u64,
        key: &SnapshotKey,
        config: &IndexConfig,
    ) -> Result<Index> {
        let mut header = [0u8; HEADER];
        let read = read_up_to(&mut reader, &mut header)?;
        if read < 8 || &header[..8] != MAGIC {
            return Err(corrupt("not a snapshot (no magic)"));
        }
        if read < HEADER {
            return Err(corrupt("truncated header"));
        }
        let mut fields = Decoder { bytes: &header[8..] };
        let format = fields.u32()?;
        if format != SNAPSHOT_FORMAT {
            return Err(SnapshotError::Format(format.to_string()));
        }
        let checksum = fields.u32()?;
        let length = fields.u64()?;
        let body = size.saturating_sub(HEADER as u64);
        if body != length {
            return Err(corrupt(format!("{body} bytes of body, header says {length}")));
        }
        let mut body = Body { reader, left: length, hasher: crc32fast::Hasher::new(), checksum };
        let tables = u64::from_le_bytes(body.read(8)?.try_into().unwrap_or_default());
        if tables > body.left {
            return body.refuse(corrupt("tables beyond the end"));
        }
        // The checksum covers the tables and the entities, and is known only
        // once both are read: a table that does not decode is refused as
        // corrupt when the checksum disagrees, as if it had been checked
        // first.
        let decoded = {
            let mut section = Section::new(&mut body, tables);
            decode_tables(&mut section, key, config)
        };
        let mut index = match decoded {
            Ok(index) => index,
            Err(err) => return body.refuse(err),
        };
        let entities = body.read(body.left as usize)?;
        body.finish()?;
        attach_entities(&mut index.records, Arc::new(entities))?;
        index.check()?;
        Ok(index)
    }

    /// Checks that every id and range the index holds points inside what it
    /// points into, so that screening cannot index out of bounds.
    fn check(&self) -> Result<()> {
        let (records, names) = (self.records.len(), self.names.len());
        let tokens = self.dictionary.len();
        self.dictionary.check()?;
        for record in &self.records {
            in_range(&record.names, names, "record names")?;
            all_below(
                record.datasets.iter().map(|&d| d as usize),
                self.dataset_names.len(),
                "datasets",
            )?;
        }
        let mut first = 0;
        for (id, name) in self.names.iter().enumerate() {
            below(name.record as usize, records, "name record")?;
            // Each record's names are the range starting where the previous
            // record's ended.
            let record = &self.records[name.record as usize];
            if !record.names.contains(&(id as NameId)) || record.names.start < first {
                return Err(corrupt("name outside its record's range"));
            }
            first = record.names.start;
            in_range(&span(name.parts), self.parts.len(), "name parts")?;
            in_range(&span(name.joins), self.joins.len(), "name joins")?;
            in_range(&span(name.acronyms), self.acronyms.len(), "name acronyms")?;
        }
        all_below(self.parts.iter().map(|p| p.token as usize), tokens, "part token")?;
        all_below(
            self.joins.iter().filter_map(|j| j.token).map(|t| t as usize),
            tokens,
            "join token",
        )?;
        offsets(&self.posting_offsets, tokens, self.postings.len(), "postings")?;
        all_below(self.postings.iter().map(|&n| n as usize), names, "posting")?;
        offsets(&self.name_token_offsets, names, self.name_tokens.len(), "name tokens")?;
        all_below(self.name_tokens.iter().map(|&t| t as usize), tokens, "name token")?;
        self.join_postings.check(names)?;
        for list in self.acronym_postings.values().chain(self.compact_postings.values()) {
            all_below(list.iter().map(|&n| n as usize), names, "acronym or compact posting")?;
        }
        for list in self.identifier_postings.values() {
            all_below(list.iter().map(|&r| r as usize), records, "identifier posting")?;
        }
        if self.record_schemata.len() != records {
            return Err(corrupt("record schemata"));
        }
        all_below(self.record_schemata.iter().map(|&s| s as usize), self.schemata.len(), "schema")?;
        Ok(())
    }
}

impl JoinPostings {
    fn check(&self, names: usize) -> Result<()> {
        if !(1..=24).contains(&self.bits) || self.starts.len() != (1usize << self.bits) + 1 {
            return Err(corrupt("join buckets"));
        }
        offsets(&self.starts, self.starts.len() - 1, self.pairs.len(), "join buckets")?;
        all_below(self.pairs.iter().map(|&(_, n)| n as usize), names, "join posting")
    }
}

fn span((start, len): (u32, u16)) -> Range<u32> {
    start..start.saturating_add(u32::from(len))
}

pub(crate) fn below(value: usize, bound: usize, what: &str) -> Result<()> {
    if value < bound { Ok(()) } else { Err(corrupt(format!("{what} out of range"))) }
}

pub(crate) fn all_below(
    mut values: impl Iterator<Item = usize>,
    bound: usize,
    what: &str,
) -> Result<()> {
    if values.all(|v| v < bound) { Ok(()) } else { Err(corrupt(format!("{what} out of range"))) }
}

fn in_range(range: &Range<u32>, len: usize, what: &str) -> Result<()> {
    if range.start <= range.end && range.end as usize <= len {
        Ok(())
    } else {
        Err(corrupt(format!("{what} out of range")))
    }
}

/// CSR offsets: `entries + 1` of them, from 0, never decreasing, ending at
/// `len`.
pub(crate) fn offsets(offsets: &[u32], entries: usize, len: usize, what: &str) -> Result<()> {
    let sound = offsets.len() == entries + 1
        && offsets.first() == Some(&0)
        && offsets.last().map(|&l| l as usize) == Some(len)
        && offsets.windows(2).all(|w| w[0] <= w[1]);
    if sound { Ok(()) } else { Err(corrupt(format!("{what} offsets"))) }
}

/// Reads as many bytes as `buf` holds, or fewer at the end of the reader.
fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> Result<usize> {
    let mut read = 0;
    while read < buf.len() {
        match reader.read(&mut buf[read..]) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(err) => return Err(unreadable(&err)),
        }
    }
    Ok(read)
}

fn unreadable(err: &std::io::Error) -> SnapshotError {
    if err.kind() == std::io::ErrorKind::UnexpectedEof {
        corrupt("truncated")
    } else {
        corrupt(format!("cannot be read: {err}"))
    }
}

/// The body of a snapshot being read: what is left of it, and its
/// checksum so far.
struct Body<R> {
    reader: R,
    left: u64,
    hasher: crc32fast::Hasher,
    /// What the header says the checksum is.
    checksum: u32,
}

impl<R: Read> Body<R> {
    /// The next `len` bytes, in a buffer of exactly that size.
    fn read(&mut self, len: usize) -> Result<Vec<u8>> {
        let mut bytes = Vec::new();
        self.read_onto(&mut bytes, len)?;
        Ok(bytes)
    }

    /// Appends the next `len` bytes to `bytes` (read into its spare
    /// capacity, which is not zeroed first).
    fn read_onto(&mut self, bytes: &mut Vec<u8>, len: usize) -> Result<()> {
        if len as u64 > self.left {
            return Err(corrupt("truncated"));
        }
        let start = bytes.len();
        bytes.reserve_exact(len);
        let read = (&mut self.reader)
            .take(len as u64)
            .read_to_end(bytes)
            .map_err(|err| unreadable(&err))?;
        if read != len {
            return Err(corrupt("truncated"));
        }
        self.hasher.update(&bytes[start..]);
        self.left -= len as u64;
        Ok(())
    }

    /// Checks that the body ends here and that its checksum agrees.
    fn finish(self) -> Result<()> {
        let Body { mut reader, left, hasher, checksum } = self;
        if left != 0 || read_up_to(&mut reader, &mut [0u8; 1])? != 0 {
            return Err(corrupt("bytes after the index"));
        }
        if hasher.finalize() != checksum {
            return Err(corrupt("checksum mismatch"));
        }
        Ok(())
    }

    /// Refuses the snapshot for `err`, unless its checksum disagrees (the
    /// rest of the body is read, in small pieces, to know): a damaged
    /// snapshot is refused as corrupt, whatever its damage made of it.
    fn refuse<T>(mut self, err: SnapshotError) -> Result<T> {
        let mut piece = [0u8; 1 << 14];
        while self.left > 0 {
            let len = piece.len().min(self.left as usize);
            self.reader.read_exact(&mut piece[..len]).map_err(|err| unreadable(&err))?;
            self.hasher.update(&piece[..len]);
            self.left -= len as u64;
        }
        self.finish()?;
        Err(err)
    }
}

/// The key, the configuration and the index's tables; the records'
/// entities are attached afterwards ([`attach_entities`]).
fn decode_tables(d: &mut impl Source, key: &SnapshotKey, config: &IndexConfig) -> Result<Index> {
    if d.str()? != key.engine {
        return Err(SnapshotError::Stale("engine (analysis rules)"));
    }
    if d.str()? != key.lists {
        return Err(SnapshotError::Stale("list versions"));
    }
    if decode_config(d)? != *config {
        return Err(SnapshotError::Stale("index configuration"));
    }
    let index = decode_index(d, config.clone())?;
    if d.left() != 0 {
        return Err(corrupt("bytes after the index"));
    }
    Ok(index)
}

/// Gives each record its entity from the snapshot's entity section: the
/// encoded entities, one per record in record order, each checked here and
/// decoded when first read.
fn attach_entities(records: &mut [Record], entities: Arc<Vec<u8>>) -> Result<()> {
    let mut d = Decoder { bytes: &entities };
    for record in records {
        // The decoder's bytes always end where the section ends, so its
        // position is the section's length less what is left.
        let start = entities.len() - d.bytes.len();
        check_entity(&mut d)?;
        let range = start..entities.len() - d.bytes.len();
        record.entity = RecordEntity::encoded(Arc::clone(&entities), range);
    }
    if !d.bytes.is_empty() {
        return Err(corrupt("bytes after the entities"));
    }
    Ok(())
}

/// Appends values to a snapshot.
pub(crate) struct Encoder {
    pub(crate) buf: Vec<u8>,
}

impl Encoder {
    pub(crate) fn u8(&mut self, value: u8) {
        self.buf.push(value);
    }

    pub(crate) fn u16(&mut self, value: u16) {
        self.buf.extend_from_slice(&value.to_le_bytes());
    }

    pub(crate) fn u32(&mut self, value: u32) {
        self.buf.extend_from_slice(&value.to_le_bytes());
    }

    pub(crate) fn u64(&mut self, value: u64) {
        self.buf.extend_from_slice(&value.to_le_bytes());
    }

    pub(crate) fn f32(&mut self, value: f32) {
        self.u32(value.to_bits());
    }

    pub(crate) fn len(&mut self, len: usize) {
        self.u64(len as u64);
    }

    pub(crate) fn str(&mut self, text: &str) {
        self.len(text.len());
        self.buf.extend_from_slice(text.as_bytes());
    }

    pub(crate) fn strs<S: AsRef<str>>(&mut self, texts: &[S]) {
        self.len(texts.len());
        for text in texts {
            self.str(text.as_ref());
        }
    }

    fn opt_str(&mut self, text: Option<&str>) {
        match text {
            None => self.u8(0),
            Some(text) => {
                self.u8(1);
                self.str(text);
            }
        }
    }

    pub(crate) fn u32s(&mut self, values: &[u32]) {
        self.len(values.len());
        self.buf.reserve(values.len() * 4);
        for value in values {
            self.buf.extend_from_slice(&value.to_le_bytes());
        }
    }

    pub(crate) fn u64s(&mut self, values: &[u64]) {
        self.len(values.len());
        self.buf.reserve(values.len() * 8);
        for value in values {
            self.buf.extend_from_slice(&value.to_le_bytes());
        }
    }

    /// A map, in its iteration order (a lookup table: the order only
    /// decides where entries land in the decoded map, never what a lookup
    /// finds).
    pub(crate) fn map<K>(
        &mut self,
        map: &FxHashMap<K, Vec<u32>>,
        mut key: impl FnMut(&mut Encoder, &K),
    ) {
        self.len(map.len());
        for (k, values) in map {
            key(self, k);
            self.u32s(values);
        }
    }
}

/// Reads values from a snapshot; every read is checked against the bytes
/// left. The values are read through [`Source::take`]: from a slice
/// ([`Decoder`]) or from a reader, a piece at a time ([`Section`]).
pub(crate) trait Source {
    /// The next `n` bytes.
    fn take(&mut self, n: usize) -> Result<&[u8]>;

    /// How many bytes are left to read.
    fn left(&self) -> u64;

    #[inline]
    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    #[inline]
    fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }

    #[inline]
    fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    #[inline]
    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    #[inline]
    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    #[inline]
    fn f32(&mut self) -> Result<f32> {
        Ok(f32::from_bits(self.u32()?))
    }

    #[inline]
    fn bool(&mut self) -> Result<bool> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(corrupt("not a boolean")),
        }
    }

    #[inline]
    /// A count of items of at least `item` bytes each: never more than the
    /// bytes left could hold, so a damaged count cannot ask for a huge
    /// allocation.
    fn len(&mut self, item: usize) -> Result<usize> {
        let len = self.u64()?;
        if len > self.left() / item.max(1) as u64 {
            return Err(corrupt("length beyond the end"));
        }
        Ok(len as usize)
    }

    #[inline]
    fn str(&mut self) -> Result<&str> {
        let len = self.len(1)?;
        std::str::from_utf8(self.take(len)?).map_err(|_| corrupt("text not UTF-8"))
    }

    #[inline]
    fn string(&mut self) -> Result<String> {
        self.str().map(str::to_owned)
    }

    fn strings(&mut self) -> Result<Vec<String>> {
        let len = self.len(8)?;
        (0..len).map(|_| self.string()).collect()
    }

    /// Passes over texts, checking their framing and UTF-8.
    fn skip_strs(&mut self) -> Result<()> {
        let len = self.len(8)?;
        for _ in 0..len {
            self.str()?;
        }
        Ok(())
    }

    fn boxed_strs(&mut self) -> Result<Vec<Box<str>>> {
        let len = self.len(8)?;
        (0..len).map(|_| self.str().map(Box::from)).collect()
    }

    fn opt_string(&mut self) -> Result<Option<String>> {
        Ok(if self.bool()? { Some(self.string()?) } else { None })
    }

    fn u32s(&mut self) -> Result<Vec<u32>> {
        self.numbers(u32::from_le_bytes)
    }

    fn u64s(&mut self) -> Result<Vec<u64>> {
        self.numbers(u64::from_le_bytes)
    }

    /// An array of numbers of `N` bytes each, taken in pieces of at most
    /// [`PIECE`] bytes, so that a reader never buffers a whole table.
    #[inline]
    fn numbers<T, const N: usize>(&mut self, from_le_bytes: fn([u8; N]) -> T) -> Result<Vec<T>> {
        let len = self.len(N)?;
        let mut values = Vec::with_capacity(len);
        while values.len() < len {
            let n = (len - values.len()).min(PIECE / N);
            let (chunks, _) = self.take(n * N)?.as_chunks::<N>();
            values.extend(chunks.iter().map(|&c| from_le_bytes(c)));
        }
        Ok(values)
    }

    fn map<K: std::hash::Hash + Eq>(
        &mut self,
        mut key: impl FnMut(&mut Self) -> Result<K>,
    ) -> Result<FxHashMap<K, Vec<u32>>> {
        let len = self.len(12)?;
        let mut map = FxHashMap::default();
        map.reserve(len);
        for _ in 0..len {
            let k = key(self)?;
            let values = self.u32s()?;
            if map.insert(k, values).is_some() {
                return Err(corrupt("a map key twice"));
            }
        }
        Ok(map)
    }
}

/// How many bytes a [`Section`] reads at a time (more for a longer value).
#[cfg(not(test))]
const PIECE: usize = 1 << 16;
/// A few values at a time under test, so that the small test indexes
/// exercise reading in pieces and values that straddle two pieces.
#[cfg(test)]
const PIECE: usize = 40;

/// Values read from a slice.
pub(crate) struct Decoder<'a> {
    pub(crate) bytes: &'a [u8],
}

impl Source for Decoder<'_> {
    #[inline]
    fn take(&mut self, n: usize) -> Result<&[u8]> {
        if n > self.bytes.len() {
            return Err(corrupt("truncated"));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn left(&self) -> u64 {
        self.bytes.len() as u64
    }
}

/// Values read from a section of a snapshot's body, a piece at a time:
/// the section is never held whole.
struct Section<'b, R> {
    body: &'b mut Body<R>,
    /// The section's bytes not read from the body yet.
    unread: u64,
    /// Bytes read from the body, from `at` on not taken yet.
    piece: Vec<u8>,
    at: usize,
}

impl<'b, R: Read> Section<'b, R> {
    fn new(body: &'b mut Body<R>, len: u64) -> Section<'b, R> {
        Section { body, unread: len, piece: Vec::with_capacity(2 * PIECE), at: 0 }
    }
}

impl<R: Read> Section<'_, R> {
    /// Reads the next piece, keeping what is left of this one: enough for
    /// `n` bytes to be taken.
    #[cold]
    #[inline(never)]
    fn refill(&mut self, n: usize) -> Result<()> {
        let more = n - (self.piece.len() - self.at);
        if more as u64 > self.unread {
            return Err(corrupt("truncated"));
        }
        self.piece.drain(..self.at);
        self.at = 0;
        let more = more.max(PIECE).min(self.unread as usize);
        self.body.read_onto(&mut self.piece, more)?;
        self.unread -= more as u64;
        Ok(())
    }
}

impl<R: Read> Source for Section<'_, R> {
    #[inline]
    fn take(&mut self, n: usize) -> Result<&[u8]> {
        if n > self.piece.len() - self.at {
            self.refill(n)?;
        }
        let taken = &self.piece[self.at..self.at + n];
        self.at += n;
        Ok(taken)
    }

    fn left(&self) -> u64 {
        (self.piece.len() - self.at) as u64 + self.unread
    }
}

fn encode_config(e: &mut Encoder, config: &IndexConfig) {
    // Destructured, so that a new field cannot be forgotten here.
    let IndexConfig { weights, max_fuzzy, max_key_expansion, max_candidates, safety_net } = config;
    let Weights {
        word,
        number,
        initial,
        particle,
        stopword,
        honorific,
        legal_form,
        org_word,
        middle_name,
        family,
    } = weights;
    for weight in [
        word,
        number,
        initial,
        particle,
        stopword,
        honorific,
        legal_form,
        org_word,
        middle_name,
        family,
    ] {
        e.f32(*weight);
    }
    for count in [max_fuzzy, max_key_expansion, max_candidates, safety_net] {
        e.len(*count);
    }
}

fn decode_config(d: &mut impl Source) -> Result<IndexConfig> {
    let mut weight = || d.f32();
    let weights = Weights {
        word: weight()?,
        number: weight()?,
        initial: weight()?,
        particle: weight()?,
        stopword: weight()?,
        honorific: weight()?,
        legal_form: weight()?,
        org_word: weight()?,
        middle_name: weight()?,
        family: weight()?,
    };
    let mut count = || d.u64().map(|c| c as usize);
    Ok(IndexConfig {
        weights,
        max_fuzzy: count()?,
        max_key_expansion: count()?,
        max_candidates: count()?,
        safety_net: count()?,
    })
}

/// Writes the index's tables: everything but the records' entities.
fn encode_index(e: &mut Encoder, index: &Index) {
    // Destructured, so that a field added to the index is a compile error
    // here until it is written (or rebuilt on load).
    let Index {
        id: _,
        config: _,
        dictionary,
        records,
        names,
        parts,
        joins,
        acronyms,
        posting_offsets,
        postings,
        join_postings,
        name_token_offsets,
        name_tokens,
        // Rebuilt from the names and their tokens.
        name_slots: _,
        acronym_postings,
        compact_postings,
        identifier_postings,
        dataset_names,
        schemata,
        record_schemata,
        stats,
    } = index;
    dictionary.encode(e);
    e.len(records.len());
    for record in records {
        encode_record(e, record);
    }
    e.len(names.len());
    for name in names {
        let IndexedName {
            record,
            origin,
            original,
            script,
            transliterated,
            parts,
            joins,
            acronyms,
        } = name;
        e.u32(*record);
        e.u8(origin_code(*origin));
        e.str(original);
        e.u8(*script as u8);
        e.u8(u8::from(*transliterated));
        for (start, len) in [parts, joins, acronyms] {
            e.u32(*start);
            e.u16(*len);
        }
    }
    e.len(parts.len());
    for part in parts {
        let IndexedPart { token, tag, role, weight } = part;
        e.u32(*token);
        e.u8(tag_code(*tag));
        e.u8(role_code(*role));
        e.f32(*weight);
    }
    e.len(joins.len());
    for join in joins {
        let IndexedJoin { hash, token, first } = join;
        e.u64(*hash);
        e.u32(token.map_or(u32::MAX, |t| t));
        e.u16(*first);
    }
    e.strs(acronyms);
    e.u32s(posting_offsets);
    e.u32s(postings);
    let JoinPostings { pairs, starts, bits } = join_postings;
    e.len(pairs.len());
    for (hash, name) in pairs {
        e.u64(*hash);
        e.u32(*name);
    }
    e.u32s(starts);
    e.u32(*bits);
    e.u32s(name_token_offsets);
    e.u32s(name_tokens);
    e.map(acronym_postings, |e, k| e.str(k));
    e.map(compact_postings, |e, k| e.str(k));
    e.map(identifier_postings, |e, k| e.str(k));
    e.strs(dataset_names);
    e.len(schemata.len());
    for schema in schemata {
        e.str(schema.name());
    }
    e.u32s(record_schemata);
    let IndexStats { records, skipped, names, tokens, heap_bytes } = stats;
    for count in [records, skipped, names, tokens, heap_bytes] {
        e.len(*count);
    }
}

fn decode_index<S: Source>(d: &mut S, config: IndexConfig) -> Result<Index> {
    let dictionary = Dictionary::decode(d)?;
    let count = d.len(8)?;
    let mut records = Vec::with_capacity(count);
    for _ in 0..count {
        records.push(decode_record(d)?);
    }
    let count = d.len(20)?;
    let mut names = Vec::with_capacity(count);
    for _ in 0..count {
        let record = d.u32()?;
        let origin = origin_of(d.u8()?)?;
        let original = Box::from(d.str()?);
        let script = script_of(d.u8()?)?;
        let transliterated = d.bool()?;
        let mut range = || -> Result<(u32, u16)> { Ok((d.u32()?, d.u16()?)) };
        let (parts, joins, acronyms) = (range()?, range()?, range()?);
        names.push(IndexedName {
            record,
            origin,
            original,
            script,
            transliterated,
            parts,
            joins,
            acronyms,
        });
    }
    let count = d.len(10)?;
    let mut parts = Vec::with_capacity(count);
    for _ in 0..count {
        parts.push(IndexedPart {
            token: d.u32()?,
            tag: tag_of(d.u8()?)?,
            role: role_of(d.u8()?)?,
            weight: d.f32()?,
        });
    }
    let count = d.len(14)?;
    let mut joins = Vec::with_capacity(count);
    for _ in 0..count {
        let hash = d.u64()?;
        let token = Some(d.u32()?).filter(|&t| t != u32::MAX);
        joins.push(IndexedJoin { hash, token, first: d.u16()? });
    }
    let acronyms = d.boxed_strs()?;
    let posting_offsets = d.u32s()?;
    let postings = d.u32s()?;
    let count = d.len(12)?;
    let mut pairs = Vec::with_capacity(count);
    for _ in 0..count {
        pairs.push((d.u64()?, d.u32()?));
    }
    let join_postings = JoinPostings { pairs, starts: d.u32s()?, bits: d.u32()? };
    let name_token_offsets = d.u32s()?;
    let name_tokens = d.u32s()?;
    let acronym_postings = d.map(|d| d.str().map(Box::from))?;
    let compact_postings = d.map(|d| d.str().map(Box::from))?;
    let identifier_postings = d.map(|d| d.str().map(Box::from))?;
    let dataset_names = d.strings()?;
    let count = d.len(8)?;
    let schemata = (0..count).map(|_| d.str().map(Schema::parse)).collect::<Result<Vec<_>>>()?;
    let record_schemata = d.u32s()?;
    let mut count = || d.u64().map(|c| c as usize);
    let stats = IndexStats {
        records: count()?,
        skipped: count()?,
        names: count()?,
        tokens: count()?,
        heap_bytes: count()?,
    };
    // The slots are checked against the offsets they are made from before
    // they are made.
    offsets(&name_token_offsets, names.len(), name_tokens.len(), "name tokens")?;
    let name_slots = NameSlot::of_names(&names, &name_token_offsets, &name_tokens);
    Ok(Index {
        id: crate::next_index_id(),
        config,
        dictionary,
        records,
        names,
        parts,
        joins,
        acronyms,
        posting_offsets,
        postings,
        join_postings,
        name_token_offsets,
        name_tokens,
        name_slots,
        acronym_postings,
        compact_postings,
        identifier_postings,
        dataset_names,
        schemata,
        record_schemata,
        stats,
    })
}

/// A record without its entity, which is written in the entity section.
fn encode_record(e: &mut Encoder, record: &Record) {
    let Record { entity: _, evidence, datasets, names } = record;
    encode_evidence(e, evidence);
    e.len(datasets.len());
    for dataset in datasets {
        e.u16(*dataset);
    }
    e.u32(names.start);
    e.u32(names.end);
}

fn encode_entity(e: &mut Encoder, entity: &Entity) {
    let Entity {
        id,
        schema,
        properties,
        datasets: entity_datasets,
        referents,
        first_seen,
        last_seen,
        last_change,
        target,
    } = entity;
    e.str(id);
    e.str(schema.name());
    e.len(properties.len());
    for (property, values) in properties {
        e.str(property);
        e.strs(values);
    }
    e.strs(entity_datasets);
    e.strs(referents);
    for text in [first_seen, last_seen, last_change] {
        e.opt_str(text.as_deref());
    }
    e.u8(match target {
        None => 0,
        Some(false) => 1,
        Some(true) => 2,
    });
}

fn encode_evidence(e: &mut Encoder, evidence: &Evidence) {
    let Evidence { birth_dates, countries, gender, identifiers } = evidence;
    e.len(birth_dates.len());
    for PartialDate { year, month, day } in birth_dates {
        e.u16(*year);
        // Months and days start at 1: 0 is "not known".
        e.u8(month.unwrap_or(0));
        e.u8(day.unwrap_or(0));
    }
    e.strs(countries);
    e.u8(match gender {
        None => 0,
        Some(Gender::Male) => 1,
        Some(Gender::Female) => 2,
    });
    e.len(identifiers.len());
    for Identifier { kind, normalized, value } in identifiers {
        e.u8(kind_code(*kind));
        e.str(normalized);
        e.str(value);
    }
}

/// A record whose entity is attached once the entity section is read.
fn decode_record(d: &mut impl Source) -> Result<Record> {
    let entity = RecordEntity::pending();
    let count = d.len(4)?;
    let mut birth_dates = Vec::with_capacity(count);
    for _ in 0..count {
        let year = d.u16()?;
        let month = Some(d.u8()?).filter(|&m| m != 0);
        let day = Some(d.u8()?).filter(|&m| m != 0);
        birth_dates.push(PartialDate { year, month, day });
    }
    let countries = d.strings()?;
    let gender = match d.u8()? {
        0 => None,
        1 => Some(Gender::Male),
        2 => Some(Gender::Female),
        _ => return Err(corrupt("gender")),
    };
    let count = d.len(17)?;
    let mut identifiers = Vec::with_capacity(count);
    for _ in 0..count {
        let kind = kind_of(d.u8()?)?;
        let normalized = d.string()?;
        identifiers.push(Identifier { kind, normalized, value: d.string()? });
    }
    let evidence = Evidence { birth_dates, countries, gender, identifiers };
    let count = d.len(2)?;
    let datasets = (0..count).map(|_| d.u16()).collect::<Result<Vec<u16>>>()?;
    let names = d.u32()?..d.u32()?;
    Ok(Record { entity, evidence, datasets, names })
}

/// Walks an encoded entity as [`decode_entity`] reads it, allocating
/// nothing: the framing, every text's UTF-8 and the target flag, so that
/// decoding it later cannot fail.
fn check_entity(d: &mut Decoder<'_>) -> Result<()> {
    d.str()?; // id
    d.str()?; // schema
    let count = d.len(16)?;
    for _ in 0..count {
        d.str()?;
        d.skip_strs()?;
    }
    d.skip_strs()?; // datasets
    d.skip_strs()?; // referents
    for _ in 0..3 {
        if d.bool()? {
            d.str()?;
        }
    }
    target_of(d.u8()?)?;
    Ok(())
}

fn decode_entity(d: &mut Decoder<'_>) -> Result<Entity> {
    let id = d.string()?;
    let schema = Schema::parse(d.str()?);
    let count = d.len(16)?;
    let mut properties = vigia_model::Properties::new();
    for _ in 0..count {
        let property = d.string()?;
        properties.insert(property, d.strings()?);
    }
    let datasets = d.strings()?;
    let referents = d.strings()?;
    let first_seen = d.opt_string()?;
    let last_seen = d.opt_string()?;
    let last_change = d.opt_string()?;
    let target = target_of(d.u8()?)?;
    Ok(Entity {
        id,
        schema,
        properties,
        datasets,
        referents,
        first_seen,
        last_seen,
        last_change,
        target,
    })
}

/// Decodes an entity that [`check_entity`] passed when its snapshot was
/// loaded. Those bytes cannot fail to decode; were they to, an entity with
/// no id and no property is shown rather than a panic.
pub(crate) fn decode_checked_entity(bytes: &[u8]) -> Entity {
    decode_entity(&mut Decoder { bytes })
        .unwrap_or_else(|_| Entity::new(String::new(), Schema::Thing))
}

fn target_of(code: u8) -> Result<Option<bool>> {
    Ok(match code {
        0 => None,
        1 => Some(false),
        2 => Some(true),
        _ => return Err(corrupt("entity target")),
    })
}

// Enumerations as one byte each. Encoding is an exhaustive `match`, so a new
// variant is a compile error here; decoding is its inverse, and a test
// checks every variant round-trips.

fn origin_code(origin: NameOrigin) -> u8 {
    match origin {
        NameOrigin::Name => 0,
        NameOrigin::Alias => 1,
        NameOrigin::PreviousName => 2,
        NameOrigin::WeakAlias => 3,
    }
}

fn origin_of(code: u8) -> Result<NameOrigin> {
    Ok(match code {
        0 => NameOrigin::Name,
        1 => NameOrigin::Alias,
        2 => NameOrigin::PreviousName,
        3 => NameOrigin::WeakAlias,
        _ => return Err(corrupt("name origin")),
    })
}

fn script_of(code: u8) -> Result<Script> {
    Script::ALL.get(usize::from(code)).copied().ok_or_else(|| corrupt("script"))
}

const TAGS: [PartTag; 8] = [
    PartTag::Word,
    PartTag::Initial,
    PartTag::Number,
    PartTag::LegalForm,
    PartTag::OrgWord,
    PartTag::Honorific,
    PartTag::Particle,
    PartTag::Stopword,
];

fn tag_code(tag: PartTag) -> u8 {
    match tag {
        PartTag::Word => 0,
        PartTag::Initial => 1,
        PartTag::Number => 2,
        PartTag::LegalForm => 3,
        PartTag::OrgWord => 4,
        PartTag::Honorific => 5,
        PartTag::Particle => 6,
        PartTag::Stopword => 7,
    }
}

fn tag_of(code: u8) -> Result<PartTag> {
    TAGS.get(code as usize).copied().ok_or_else(|| corrupt("part tag"))
}

fn role_code(role: PartRole) -> u8 {
    match role {
        PartRole::Unknown => 0,
        PartRole::Given => 1,
        PartRole::Family => 2,
    }
}

fn role_of(code: u8) -> Result<PartRole> {
    Ok(match code {
        0 => PartRole::Unknown,
        1 => PartRole::Given,
        2 => PartRole::Family,
        _ => return Err(corrupt("part role")),
    })
}

const KINDS: [IdentifierKind; 10] = [
    IdentifierKind::Passport,
    IdentifierKind::National,
    IdentifierKind::Tax,
    IdentifierKind::Registration,
    IdentifierKind::Lei,
    IdentifierKind::Bic,
    IdentifierKind::Imo,
    IdentifierKind::Mmsi,
    IdentifierKind::Email,
    IdentifierKind::Other,
];

fn kind_code(kind: IdentifierKind) -> u8 {
    match kind {
        IdentifierKind::Passport => 0,
        IdentifierKind::National => 1,
        IdentifierKind::Tax => 2,
        IdentifierKind::Registration => 3,
        IdentifierKind::Lei => 4,
        IdentifierKind::Bic => 5,
        IdentifierKind::Imo => 6,
        IdentifierKind::Mmsi => 7,
        IdentifierKind::Email => 8,
        IdentifierKind::Other => 9,
    }
}

fn kind_of(code: u8) -> Result<IdentifierKind> {
    KINDS.get(code as usize).copied().ok_or_else(|| corrupt("identifier kind"))
}

#[cfg(test)]
mod tests;

/// The entries of a hash map, each debug-printed, sorted: contents that do
/// not depend on the map's layout, for the round-trip tests.
#[cfg(test)]
pub(crate) fn sorted_entries<K: std::fmt::Debug, V: std::fmt::Debug>(
    map: &rustc_hash::FxHashMap<K, V>,
) -> Vec<String> {
    let mut entries: Vec<String> = map.iter().map(|e| format!("{e:?}")).collect();
    entries.sort();
    entries
}
