//! Integration tests of the screening pipeline: golden cases against the
//! built-in watchlist, property tests of candidate generation against a
//! brute-force scan, and (where ../shared/data is present) quality checks
//! on the labelled sets.

mod builtin;
mod recall;
mod safety;
