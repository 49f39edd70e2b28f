//! Throughput and latency of the monitoring engine (filled in below).

fn main() {}
