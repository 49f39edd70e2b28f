//! FinCEN BSA E-Filing code values used by the SAR and CTR batches.
//!
//! Transcribed from the FinCEN SAR and CTR XML Schema User Guides (BSA
//! Electronic Filing Requirements for XML). The official documents are not
//! part of this repository; each value here must be checked against the
//! current guide before production filing, and this module is the one place
//! to correct one. `docs/guide/filings.md` lists which values are settled
//! and which are least certain.

use crate::party::{IdKind, InstitutionIdKind, InstitutionKind, PhoneKind, Regulator};

/// The namespace of every BSA E-Filing batch element.
pub const NAMESPACE: &str = "www.fincen.gov/base";

/// `ActivityPartyTypeCode` values.
pub mod party_type {
    /// Transmitter.
    pub const TRANSMITTER: &str = "35";
    /// Transmitter contact.
    pub const TRANSMITTER_CONTACT: &str = "37";
    /// Filing institution (SAR) or reporting institution (CTR).
    pub const FILER: &str = "30";
    /// Designated contact office.
    pub const CONTACT_OFFICE: &str = "8";
    /// Financial institution where the activity (SAR) or transaction (CTR)
    /// occurred.
    pub const LOCATION: &str = "34";
    /// SAR subject.
    pub const SUBJECT: &str = "33";
    /// Branch where activity occurred (inside a party association).
    pub const BRANCH: &str = "46";
    /// Institution holding an account related to a subject.
    pub const ACCOUNT_INSTITUTION: &str = "41";
    /// CTR: person conducting the transaction on their own behalf.
    pub const OWN_BEHALF: &str = "50";
    /// CTR: person conducting the transaction for another.
    pub const FOR_ANOTHER: &str = "17";
    /// CTR: person on whose behalf the transaction was conducted.
    pub const ON_WHOSE_BEHALF: &str = "23";
    /// CTR: common carrier.
    pub const COMMON_CARRIER: &str = "58";
    /// Every CTR person role.
    pub const CTR_PERSONS: [&str; 4] = [OWN_BEHALF, FOR_ANOTHER, ON_WHOSE_BEHALF, COMMON_CARRIER];
}

/// Every `ActivityPartyTypeCode` the SAR schema subset takes.
pub(crate) const SAR_PARTY_TYPES: &[&str] = &["35", "37", "30", "8", "34", "33", "46", "41"];
/// Every `ActivityPartyTypeCode` the CTR schema subset takes.
pub(crate) const CTR_PARTY_TYPES: &[&str] = &["35", "37", "30", "8", "34", "50", "17", "23", "58"];

/// `PartyIdentificationTypeCode` values.
pub mod id_type {
    /// SSN or ITIN.
    pub const SSN_ITIN: &str = "1";
    /// EIN.
    pub const EIN: &str = "2";
    /// The transmitter's TIN.
    pub const TRANSMITTER_TIN: &str = "4";
    /// Driver's licence or state identity card.
    pub const DRIVERS_LICENCE: &str = "5";
    /// Passport.
    pub const PASSPORT: &str = "6";
    /// Alien registration.
    pub const ALIEN_REGISTRATION: &str = "7";
    /// Foreign TIN.
    pub const FOREIGN_TIN: &str = "9";
    /// CRD number.
    pub const CRD: &str = "10";
    /// IARD number.
    pub const IARD: &str = "11";
    /// NFA number.
    pub const NFA: &str = "12";
    /// SEC number.
    pub const SEC: &str = "13";
    /// RSSD number.
    pub const RSSD: &str = "14";
    /// Transmitter control code.
    pub const TCC: &str = "28";
    /// The filer's internal control or file number.
    pub const INTERNAL_FILE: &str = "29";
    /// NAIC company code.
    pub const NAIC: &str = "32";
    /// Other (described in `OtherPartyIdentificationTypeText`).
    pub const OTHER: &str = "999";
}

/// Every `PartyIdentificationTypeCode` the schema subset takes.
pub(crate) const ID_TYPES: &[&str] =
    &["1", "2", "4", "5", "6", "7", "9", "10", "11", "12", "13", "14", "28", "29", "32", "999"];

/// Identification type codes that are taxpayer identification numbers.
pub(crate) const TIN_TYPES: &[&str] = &["1", "2", "9"];

/// The FinCEN type code of a party's identification, with the description
/// that goes with "other".
pub(crate) fn id_code(kind: IdKind) -> (&'static str, Option<&'static str>) {
    match kind {
        IdKind::Ssn => (id_type::SSN_ITIN, None),
        IdKind::Ein => (id_type::EIN, None),
        IdKind::ForeignTin => (id_type::FOREIGN_TIN, None),
        IdKind::DriversLicence => (id_type::DRIVERS_LICENCE, None),
        IdKind::Passport => (id_type::PASSPORT, None),
        IdKind::AlienRegistration => (id_type::ALIEN_REGISTRATION, None),
        IdKind::NationalId => (id_type::OTHER, Some("National identity document")),
        IdKind::Registration => (id_type::OTHER, Some("Company registration number")),
        IdKind::Other => (id_type::OTHER, None),
    }
}

/// The FinCEN type code of an institution's regulatory number.
pub(crate) fn institution_id_code(kind: InstitutionIdKind) -> &'static str {
    match kind {
        InstitutionIdKind::Rssd => id_type::RSSD,
        InstitutionIdKind::Crd => id_type::CRD,
        InstitutionIdKind::Iard => id_type::IARD,
        InstitutionIdKind::Nfa => id_type::NFA,
        InstitutionIdKind::Sec => id_type::SEC,
        InstitutionIdKind::Naic => id_type::NAIC,
    }
}

/// `PrimaryRegulatorTypeCode` values.
pub(crate) const REGULATORS: &[&str] = &["1", "2", "3", "4", "6", "7", "9", "13", "14"];

/// The `PrimaryRegulatorTypeCode` of a regulator.
pub(crate) fn regulator_code(regulator: Regulator) -> &'static str {
    match regulator {
        Regulator::Cftc => "1",
        Regulator::Frb => "2",
        Regulator::Fdic => "3",
        Regulator::Irs => "4",
        Regulator::Ncua => "6",
        Regulator::Occ => "7",
        Regulator::Sec => "9",
        Regulator::Fhfa => "13",
        Regulator::NotApplicable => "14",
    }
}

/// `OrganizationTypeID` values (type of financial institution).
pub(crate) const ORGANIZATION_TYPES: &[&str] = &["1", "2", "3", "4", "5", "11", "12", "999"];

/// The `OrganizationTypeID` of an institution type.
pub(crate) fn organization_code(kind: InstitutionKind) -> &'static str {
    match kind {
        InstitutionKind::Casino => "1",
        InstitutionKind::Depository => "2",
        InstitutionKind::Insurance => "3",
        InstitutionKind::Msb => "4",
        InstitutionKind::Securities => "5",
        InstitutionKind::LoanOrFinance => "11",
        InstitutionKind::HousingGse => "12",
        InstitutionKind::Other => "999",
    }
}

/// `PartyNameTypeCode` values: legal name, doing business as, also known
/// as.
pub(crate) const NAME_TYPES: &[&str] = &["L", "DBA", "AKA"];

/// `PhoneNumberTypeCode` values.
pub(crate) const PHONE_TYPES: &[&str] = &["F", "M", "R", "W"];

/// The `PhoneNumberTypeCode` of a phone.
pub(crate) fn phone_code(kind: PhoneKind) -> &'static str {
    match kind {
        PhoneKind::Fax => "F",
        PhoneKind::Mobile => "M",
        PhoneKind::Home => "R",
        PhoneKind::Work => "W",
    }
}

/// `ElectronicAddressTypeCode` values: e-mail, URL.
pub(crate) const ELECTRONIC_TYPES: &[&str] = &["E", "U"];

/// `PartyAccountAssociationTypeCode` values: SAR account affected (7),
/// SAR account closed (5), CTR cash-in account (8), CTR cash-out account
/// (9).
pub(crate) const SAR_ACCOUNT_ASSOCIATIONS: &[&str] = &["5", "7"];
/// See [`SAR_ACCOUNT_ASSOCIATIONS`].
pub(crate) const CTR_ACCOUNT_ASSOCIATIONS: &[&str] = &["8", "9"];

/// US states, the District of Columbia, territories and military "states"
/// (USPS codes), for `RawStateCodeText` of US addresses.
pub(crate) const US_STATES: &[&str] = &[
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM",
    "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA",
    "WV", "WI", "WY", "AS", "GU", "MP", "PR", "VI", "UM", "FM", "MH", "PW", "AA", "AE", "AP",
];

/// CTR `CurrencyTransactionActivityDetailTypeCode` values for cash in.
pub(crate) const CASH_IN_TYPES: &[&str] = &["55", "46", "23", "12", "14", "49", "997"];
/// CTR `CurrencyTransactionActivityDetailTypeCode` values for cash out.
pub(crate) const CASH_OUT_TYPES: &[&str] = &["56", "30", "32", "13", "15", "48", "998"];
/// Detail types described in `OtherTransactionTypeText`.
pub(crate) const CASH_OTHER_TYPES: &[&str] = &["997", "998"];
