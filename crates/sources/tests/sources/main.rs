//! Integration tests of the list parsers: one module per format family,
//! snapshot tests over committed fixtures, real-data tests over
//! `../shared/data/lists`, and bad-input tests.

mod bad_input;
mod builtin;
mod canada;
mod csl;
mod detect;
mod dpl;
mod eu;
mod generic;
mod ofac;
mod opensanctions;
mod real_data;
mod uk;
mod un;
