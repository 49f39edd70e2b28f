//! The compliance workflow rules: decisions on hits, re-opening, case states and four-eyes approval.

pub mod cases;
pub mod change;
pub mod customer;
pub mod hit;
pub mod rescreen;
