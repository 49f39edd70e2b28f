//! Integration tests of the list parsers: one module per format family,
//! snapshot tests over committed fixtures, real-data tests over
//! `../shared/data/lists`, and bad-input tests.

mod ofac;
mod un;
mod eu;
mod uk;
mod canada;
mod csl;
mod dpl;
mod opensanctions;
mod generic;
mod builtin;
mod detect;
mod bad_input;
mod real_data;
