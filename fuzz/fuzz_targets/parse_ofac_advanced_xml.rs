#![no_main]
//! Fuzzes the ofac_advanced_xml parser: any bytes must give entities, diagnostics or a
//! clean error, never a panic.

use libfuzzer_sys::fuzz_target;
use vigia_sources::{Collect, Format, parse_bytes};

fuzz_target!(|data: &[u8]| {
    let mut sink = Collect::default();
    let _ = parse_bytes(Format::OfacAdvancedXml, "fuzz", data, &mut sink);
});
