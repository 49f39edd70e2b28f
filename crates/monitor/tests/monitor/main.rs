//! Integration tests of the monitoring crate, one binary with a module per
//! subject.

mod amlsim;
