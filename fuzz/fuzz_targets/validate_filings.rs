#![no_main]
//! Fuzzes the filing validators: any bytes must give violations, never a
//! panic, for the SAR, CTR and goAML checks alike.

use libfuzzer_sys::fuzz_target;
use vigia_filing::{GoamlProfile, validate_ctr, validate_goaml, validate_sar};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = validate_sar(text);
    let _ = validate_ctr(text);
    let _ = validate_goaml(text, &GoamlProfile::default());
});
