//! FinCEN BSA E-Filing batches: the SAR (`SARX`) and the CTR (`CTRX`).
//!
//! Both are `EFilingBatchXML` documents in the namespace
//! `www.fincen.gov/base`: a root with batch totals, the form type, then one
//! `Activity` per report holding its parties (by `ActivityPartyTypeCode`)
//! and the form's content. Every container element carries a `SeqNum`
//! unique in the batch.

pub mod classification;
pub mod codes;
pub mod ctr;
mod parts;
mod rules;
pub mod sar;
mod schema;
