//! Integration tests of the monitoring crate, one binary with a module per
//! subject.

// Test helpers outside #[test] functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used)]

mod amlsim;
mod scenarios;
