//! Regulator filings from cases: FinCEN SAR and CTR (BSA E-Filing batch
//! XML) and UNODC goAML reports.
//!
//! The crate is pure: no IO, no clock. Dates and ids are inputs. The
//! workflow layer fills an input model from a case and calls one function
//! per format; it never touches XML:
//!
//! | filing | input | write | validate |
//! |---|---|---|---|
//! | FinCEN SAR (`SARX`) | [`SarFiling`] | [`write_sar`], [`write_sar_batch`] | [`validate_sar`] |
//! | FinCEN CTR (`CTRX`) | [`CtrFiling`] | [`write_ctr`], [`write_ctr_batch`] | [`validate_ctr`] |
//! | goAML report | [`GoamlReport`] + [`GoamlProfile`] | [`write_goaml`] | [`validate_goaml`] |
//!
//! Writing checks the result and refuses to return a filing that breaks a
//! rule: the error holds every [`Violation`] with its path and [`Rule`].
//! The rules and where they come from are listed in
//! `docs/guide/filings.md`.
//!
//! **Architecture invariant:** every document a `write_*` function returns
//! passes its `validate_*` function.

pub mod advisory;
pub mod date;
mod error;
pub mod fincen;
pub mod goaml;
pub mod money;
pub mod party;
pub mod violation;
mod xml;

pub use date::{BirthDate, Date, DateTime};
pub use error::{Error, Result};
pub use fincen::classification::{ACTIVITY_BOXES, ActivityBox, Classification, activity_box};
pub use fincen::ctr::{
    CashIn, CashInLine, CashOut, CashOutLine, CtrFiling, CtrKind, CtrPerson, CtrRole, Gto,
    validate_ctr, write_ctr, write_ctr_batch,
};
pub use fincen::sar::{
    IpAddress, Relationship, RelationshipKind, RelationshipStatus, SarFiling, SarKind, Subject,
    SubjectAccount, SubjectRole, SuspiciousActivity, validate_sar, write_sar, write_sar_batch,
};
pub use goaml::{
    Counterpart, ForeignAmount, GoamlAccount, GoamlProfile, GoamlReport, GoamlTransaction,
    ProfileCodes, Side, SubmissionCode, validate_goaml, write_goaml,
};
pub use money::Money;
pub use party::{
    Address, Branch, ContactOffice, Gender, IdKind, Identification, Institution, InstitutionId,
    InstitutionIdKind, InstitutionKind, Name, Party, Phone, PhoneKind, Regulator, Transmitter,
};
pub use violation::{Rule, Violation};
