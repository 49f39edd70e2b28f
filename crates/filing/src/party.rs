//! Parties, institutions and the details they share across formats:
//! names, addresses, phones, identifications.
//!
//! These are input types: the workflow layer (or a JSON file) fills them
//! from a case. Each format maps them to its own codes.

use serde::{Deserialize, Serialize};

use crate::date::BirthDate;

/// A party's name: a person's parts or an organisation's name. A part that
/// is not known is left out; the filing then says "unknown" where the
/// format has a box for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Name {
    /// A natural person.
    Person {
        /// Given name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        first: Option<String>,
        /// Middle name or initial.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        middle: Option<String>,
        /// Family name (both family names for Hispanic names).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        last: Option<String>,
        /// Suffix (`Jr.`, `III`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        suffix: Option<String>,
    },
    /// A company, organisation or other legal entity.
    Entity {
        /// The legal name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
}

impl Name {
    /// Whether this is an organisation.
    pub fn is_entity(&self) -> bool {
        matches!(self, Name::Entity { .. })
    }

    /// The whole name in reading order, for free text.
    pub fn full(&self) -> String {
        match self {
            Name::Person { first, middle, last, suffix } => [first, middle, last, suffix]
                .into_iter()
                .flatten()
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" "),
            Name::Entity { name } => name.as_deref().unwrap_or("").trim().to_owned(),
        }
    }
}

/// A postal address. Country codes are ISO 3166-1 alpha-2 (any case).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// Street address (number, street, unit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    /// City or town.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// State, province or region; for the US the two-letter USPS code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// ZIP or postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zip: Option<String>,
    /// Country, ISO 3166-1 alpha-2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// What a telephone number is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneKind {
    /// Home.
    Home,
    /// Work.
    Work,
    /// Mobile.
    Mobile,
    /// Fax.
    Fax,
}

/// A telephone number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phone {
    /// The number; FinCEN keeps the digits only.
    pub number: String,
    /// Extension.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    /// What kind of line it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<PhoneKind>,
    /// International dialling prefix (`52`), for goAML.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_prefix: Option<String>,
}

impl Phone {
    /// A number without extension or kind.
    pub fn new(number: impl Into<String>) -> Phone {
        Phone { number: number.into(), extension: None, kind: None, country_prefix: None }
    }

    /// The digits of the number.
    pub fn digits(&self) -> String {
        self.number.chars().filter(char::is_ascii_digit).collect()
    }
}

/// What an identification number is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdKind {
    /// US social security number or individual taxpayer identification
    /// number.
    Ssn,
    /// US employer identification number.
    Ein,
    /// A tax number issued outside the US (RFC in Mexico, ...).
    ForeignTin,
    /// Driver's licence or state identity card.
    DriversLicence,
    /// Passport.
    Passport,
    /// US alien registration (green card).
    AlienRegistration,
    /// A national identity document (CURP, INE voter card, DNI ...).
    NationalId,
    /// A company registration number.
    Registration,
    /// Anything else; say what in `description`.
    Other,
}

impl IdKind {
    /// Whether this is a taxpayer identification number.
    pub fn is_tin(self) -> bool {
        matches!(self, IdKind::Ssn | IdKind::Ein | IdKind::ForeignTin)
    }
}

/// An identification document or number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identification {
    /// What it is.
    pub kind: IdKind,
    /// The number as issued.
    pub number: String,
    /// Issuing country, ISO 3166-1 alpha-2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Issuing state (US driver's licences).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// What the document is, for [`IdKind::Other`] (and to name a national
    /// document, e.g. `CURP`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A person's sex as the filing records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    /// Male.
    Male,
    /// Female.
    Female,
}

/// A person or organisation named in a filing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    /// The name.
    pub name: Name,
    /// Other names the party is known by (a.k.a.).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Trade name (doing business as), for organisations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dba: Option<String>,
    /// Date of birth, to the precision known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<BirthDate>,
    /// Sex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<Gender>,
    /// Nationality, ISO 3166-1 alpha-2 (goAML `nationality1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<String>,
    /// Addresses, the main one first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<Address>,
    /// Telephone numbers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<Phone>,
    /// E-mail addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<String>,
    /// Websites.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub websites: Vec<String>,
    /// Tax numbers and identity documents.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifications: Vec<Identification>,
    /// Occupation, or an organisation's type of business.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occupation: Option<String>,
    /// NAICS code of the occupation or business.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub naics: Option<String>,
    /// Country of incorporation, ISO 3166-1 alpha-2 (organisations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incorporation_country: Option<String>,
}

impl Party {
    /// A party with a name and nothing else.
    pub fn named(name: Name) -> Party {
        Party {
            name,
            aliases: Vec::new(),
            dba: None,
            birth_date: None,
            gender: None,
            nationality: None,
            addresses: Vec::new(),
            phones: Vec::new(),
            emails: Vec::new(),
            websites: Vec::new(),
            identifications: Vec::new(),
            occupation: None,
            naics: None,
            incorporation_country: None,
        }
    }

    /// The first tax number, if any.
    pub fn tin(&self) -> Option<&Identification> {
        self.identifications.iter().find(|id| id.kind.is_tin())
    }

    /// The first identity document that is not a tax number.
    pub fn document(&self) -> Option<&Identification> {
        self.identifications.iter().find(|id| !id.kind.is_tin())
    }
}

/// The type of financial institution (SAR and CTR "type of financial
/// institution").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstitutionKind {
    /// Casino or card club.
    Casino,
    /// Bank, thrift or credit union.
    Depository,
    /// Insurance company.
    Insurance,
    /// Money services business (money transmitter, casa de cambio, check
    /// casher, prepaid access).
    Msb,
    /// Securities or futures firm.
    Securities,
    /// Loan or finance company.
    LoanOrFinance,
    /// Housing government-sponsored enterprise.
    HousingGse,
    /// Anything else; say what in `kind_other`.
    Other,
}

/// The institution's federal regulator or BSA examiner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Regulator {
    /// Commodity Futures Trading Commission.
    Cftc,
    /// Federal Reserve Board.
    Frb,
    /// Federal Deposit Insurance Corporation.
    Fdic,
    /// Internal Revenue Service (the BSA examiner of most MSBs).
    Irs,
    /// National Credit Union Administration.
    Ncua,
    /// Office of the Comptroller of the Currency.
    Occ,
    /// Securities and Exchange Commission.
    Sec,
    /// Federal Housing Finance Agency.
    Fhfa,
    /// Not applicable.
    NotApplicable,
}

/// The kind of an institution's regulatory identification number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstitutionIdKind {
    /// Federal Reserve RSSD number.
    Rssd,
    /// FINRA Central Registration Depository number.
    Crd,
    /// Investment Adviser Registration Depository number.
    Iard,
    /// National Futures Association number.
    Nfa,
    /// SEC number.
    Sec,
    /// NAIC company code (insurers).
    Naic,
}

/// An institution's regulatory identification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstitutionId {
    /// What the number is.
    pub kind: InstitutionIdKind,
    /// The number.
    pub number: String,
}

/// The office FinCEN or law enforcement calls about the filing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactOffice {
    /// The office's name (`BSA Officer`, `Financial Intelligence Unit`).
    pub name: String,
    /// Its telephone number.
    pub phone: Phone,
}

/// The filing institution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Institution {
    /// Legal name.
    pub name: String,
    /// Trade name, when different.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dba: Option<String>,
    /// Taxpayer identification number (digits; hyphens are dropped).
    pub tin: String,
    /// What the TIN is: EIN (the default), SSN/ITIN or foreign.
    #[serde(default = "ein")]
    pub tin_kind: IdKind,
    /// Type of institution.
    pub kind: InstitutionKind,
    /// What the institution is, when `kind` is `other`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind_other: Option<String>,
    /// Regulatory identification (RSSD, CRD, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<InstitutionId>,
    /// Primary federal regulator or BSA examiner.
    pub regulator: Regulator,
    /// Address of the institution.
    pub address: Address,
    /// The contact office for this filing.
    pub contact_office: ContactOffice,
    /// The institution's own case or file number for the filing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_file_number: Option<String>,
}

fn ein() -> IdKind {
    IdKind::Ein
}

/// A branch of the filing institution where activity took place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Branch {
    /// The branch's address.
    pub address: Address,
    /// The branch's RSSD number, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rssd: Option<String>,
}

/// Who sends the batch to FinCEN: the institution itself or a service
/// provider, registered with a transmitter control code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transmitter {
    /// Legal name.
    pub name: String,
    /// Taxpayer identification number.
    pub tin: String,
    /// Transmitter control code (TCC), 8 characters, assigned by FinCEN.
    pub tcc: String,
    /// Address.
    pub address: Address,
    /// Telephone.
    pub phone: Phone,
    /// The person to contact about the transmission.
    pub contact_name: String,
}
