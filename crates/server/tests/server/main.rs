//! The HTTP server end to end: a real server on a loopback port, a real
//! store in a temporary directory, a plain HTTP client.

// Test helpers unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs, unreachable_pub)]

mod auth;
mod casework;
mod endpoints;
mod robustness;
mod snapshot;
mod support;
mod updates;
mod yente;
