#![no_main]
//! Fuzzes format detection and decoding: any bytes must give a format, no
//! format or a clean error, never a panic.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = vigia_sources::decode_text("fuzz", data) {
        let _ = vigia_sources::detect(&text);
    }
});
