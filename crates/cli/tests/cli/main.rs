//! End-to-end tests of the `vigia` binary: each module runs the real
//! program on fixtures and checks its output and exit code.

mod alerts;
mod cases;
mod filings;
mod lists;
mod monitor;
mod screen;
mod serve;
mod simulate;
mod workflow;
