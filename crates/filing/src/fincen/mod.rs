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

use crate::error::{Error, Result};
use crate::violation::Violation;

/// What writing a batch of either form does: check every report's model
/// (paths prefixed by the report's position when there are several),
/// render the batch, validate the XML, and return it only when nothing
/// broke a rule.
fn write_batch<F>(
    filings: &[F],
    check_model: impl Fn(&F, &str, &mut Vec<Violation>),
    render: impl FnOnce(&[F]) -> Result<(String, Vec<Violation>)>,
    validate: impl FnOnce(&str) -> Vec<Violation>,
) -> Result<String> {
    if filings.is_empty() {
        return Err(Error::EmptyBatch);
    }
    let mut violations = Vec::new();
    for (i, filing) in filings.iter().enumerate() {
        let prefix = if filings.len() > 1 { format!("[{i}].") } else { String::new() };
        check_model(filing, &prefix, &mut violations);
    }
    let (xml, problems) = render(filings)?;
    violations.extend(problems);
    violations.extend(validate(&xml));
    if violations.is_empty() { Ok(xml) } else { Err(Error::Invalid(violations)) }
}
