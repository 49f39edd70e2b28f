#![no_main]
//! Fuzzes the index snapshot decoder behind its checksum: the input is the
//! body, framed here with a valid header, so that mutations reach the
//! decoder and its id and range checks instead of stopping at the checksum.
//! Any body must give an index or a clean error, never a panic. A seed: the
//! body (bytes 24 on) of a snapshot written with the key "fuzz"/"fuzz" and
//! the default configuration.

use libfuzzer_sys::fuzz_target;
use vigia_index::{Index, IndexConfig, SNAPSHOT_FORMAT, SnapshotKey};

fuzz_target!(|body: &[u8]| {
    let mut bytes = Vec::with_capacity(24 + body.len());
    bytes.extend_from_slice(b"VIGIAIDX");
    bytes.extend_from_slice(&SNAPSHOT_FORMAT.to_le_bytes());
    bytes.extend_from_slice(&crc32fast::hash(body).to_le_bytes());
    bytes.extend_from_slice(&(body.len() as u64).to_le_bytes());
    bytes.extend_from_slice(body);
    let key = SnapshotKey { engine: "fuzz".into(), lists: "fuzz".into() };
    let _ = Index::from_snapshot(&bytes, &key, &IndexConfig::default());
});
