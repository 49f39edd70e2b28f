//! Writers for the parts SAR and CTR batches share: names, addresses,
//! phones, identifications, and the transmitter, filer, contact-office and
//! location parties.

use crate::error::Result;
use crate::fincen::codes::{self, id_type, party_type};
use crate::party::{Address, Identification, Institution, Name, Party, Phone, Transmitter};
use crate::xml::writer::XmlOut;

/// Digits only (TINs, ZIP codes, phone numbers are written without
/// punctuation).
pub(crate) fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// A `PartyName` holding a full name (institutions, contacts, aliases).
pub(crate) fn full_name(out: &mut XmlOut, type_code: &str, name: &str) -> Result<()> {
    out.open("PartyName")?;
    out.leaf("PartyNameTypeCode", type_code)?;
    out.leaf("RawPartyFullName", name)?;
    out.close()
}

/// The legal `PartyName` of a subject or CTR person, with the "unknown"
/// boxes for the parts not known.
pub(crate) fn legal_name(out: &mut XmlOut, name: &Name) -> Result<()> {
    out.open("PartyName")?;
    match name {
        Name::Person { first, middle, last, suffix } => {
            let known =
                |part: &Option<String>| part.as_deref().is_some_and(|s| !s.trim().is_empty());
            out.flag("EntityLastNameUnknownIndicator", !known(last))?;
            out.flag("FirstNameUnknownIndicator", !known(first))?;
            out.leaf("PartyNameTypeCode", "L")?;
            out.leaf_opt("RawEntityIndividualLastName", last.as_deref())?;
            out.leaf_opt("RawIndividualFirstName", first.as_deref())?;
            out.leaf_opt("RawIndividualMiddleName", middle.as_deref())?;
            out.leaf_opt("RawIndividualNameSuffixText", suffix.as_deref())?;
        }
        Name::Entity { name } => {
            let known = name.as_deref().is_some_and(|s| !s.trim().is_empty());
            out.flag("EntityLastNameUnknownIndicator", !known)?;
            out.leaf("PartyNameTypeCode", "L")?;
            out.leaf_opt("RawEntityIndividualLastName", name.as_deref())?;
        }
    }
    out.close()
}

/// The a.k.a. and d.b.a. names of a party.
pub(crate) fn other_names(out: &mut XmlOut, party: &Party) -> Result<()> {
    if let Some(dba) = party.dba.as_deref().filter(|s| !s.trim().is_empty()) {
        full_name(out, "DBA", dba)?;
    }
    for alias in party.aliases.iter().filter(|s| !s.trim().is_empty()) {
        full_name(out, "AKA", alias)?;
    }
    Ok(())
}

fn blank(value: &Option<String>) -> bool {
    value.as_deref().is_none_or(|s| s.trim().is_empty())
}

/// An `Address`. With `unknown_boxes`, each missing part gets its
/// "unknown" indicator (subjects and CTR persons); institutions leave
/// missing parts out.
pub(crate) fn address(out: &mut XmlOut, address: &Address, unknown_boxes: bool) -> Result<()> {
    let country = address.country.as_deref().map(|c| c.trim().to_ascii_uppercase());
    let us = country.as_deref() == Some("US");
    out.open("Address")?;
    out.flag("CityUnknownIndicator", unknown_boxes && blank(&address.city))?;
    out.flag("CountryCodeUnknownIndicator", unknown_boxes && country.is_none())?;
    out.leaf_opt("RawCityText", address.city.as_deref())?;
    out.leaf_opt("RawCountryCodeText", country.as_deref())?;
    let state = address.state.as_deref().map(|s| s.trim().to_ascii_uppercase());
    out.leaf_opt("RawStateCodeText", state.as_deref())?;
    out.leaf_opt("RawStreetAddress1Text", address.street.as_deref())?;
    // US ZIP codes are written as digits only (ZIP+4 as nine digits).
    let zip = address.zip.as_deref().map(|z| if us { digits(z) } else { z.trim().to_owned() });
    out.leaf_opt("RawZIPCode", zip.as_deref())?;
    out.flag("StateCodeUnknownIndicator", unknown_boxes && us && blank(&address.state))?;
    out.flag("StreetAddressUnknownIndicator", unknown_boxes && blank(&address.street))?;
    out.flag("ZIPCodeUnknownIndicator", unknown_boxes && us && blank(&address.zip))?;
    out.close()
}

/// An address whose every part is unknown.
pub(crate) fn unknown_address(out: &mut XmlOut) -> Result<()> {
    out.open("Address")?;
    out.flag("CityUnknownIndicator", true)?;
    out.flag("CountryCodeUnknownIndicator", true)?;
    out.flag("StateCodeUnknownIndicator", true)?;
    out.flag("StreetAddressUnknownIndicator", true)?;
    out.flag("ZIPCodeUnknownIndicator", true)?;
    out.close()
}

/// A `PhoneNumber` (digits only).
pub(crate) fn phone(out: &mut XmlOut, phone: &Phone) -> Result<()> {
    out.open("PhoneNumber")?;
    let extension = phone.extension.as_deref().map(digits);
    out.leaf_opt("PhoneNumberExtensionText", extension.as_deref())?;
    out.leaf("PhoneNumberText", &phone.digits())?;
    out.leaf_opt("PhoneNumberTypeCode", phone.kind.map(codes::phone_code))?;
    out.close()
}

/// A `PartyIdentification` with a number.
pub(crate) fn identification(
    out: &mut XmlOut,
    type_code: &str,
    number: &str,
    other: Option<&str>,
    country: Option<&str>,
    state: Option<&str>,
) -> Result<()> {
    // TINs are written as digits; documents as issued.
    let number = if matches!(type_code, id_type::SSN_ITIN | id_type::EIN | id_type::TRANSMITTER_TIN)
    {
        digits(number)
    } else {
        number.trim().to_owned()
    };
    out.open("PartyIdentification")?;
    let country = country.map(|c| c.trim().to_ascii_uppercase());
    out.leaf_opt("OtherIssuerCountryText", country.as_deref())?;
    out.leaf_opt("OtherIssuerStateText", state)?;
    out.leaf_opt("OtherPartyIdentificationTypeText", other)?;
    out.leaf("PartyIdentificationNumberText", &number)?;
    out.leaf("PartyIdentificationTypeCode", type_code)?;
    out.close()
}

/// A party's identification from the model.
pub(crate) fn party_identification(out: &mut XmlOut, id: &Identification) -> Result<()> {
    let (code, default_other) = codes::id_code(id.kind);
    let other = match code {
        id_type::OTHER => id.description.as_deref().or(default_other),
        _ => None,
    };
    identification(out, code, &id.number, other, id.country.as_deref(), id.state.as_deref())
}

/// The "TIN unknown" identification.
pub(crate) fn tin_unknown(out: &mut XmlOut) -> Result<()> {
    out.open("PartyIdentification")?;
    out.flag("TINUnknownIndicator", true)?;
    out.close()
}

/// `PartyOccupationBusiness` and `ElectronicAddress` elements of a party.
pub(crate) fn occupation_and_contacts(out: &mut XmlOut, party: &Party) -> Result<()> {
    if !blank(&party.occupation) || !blank(&party.naics) {
        out.open("PartyOccupationBusiness")?;
        out.leaf_opt("NAICSCode", party.naics.as_deref())?;
        out.leaf_opt("OccupationBusinessText", party.occupation.as_deref())?;
        out.close()?;
    }
    for (addresses, code) in [(&party.emails, "E"), (&party.websites, "U")] {
        for text in addresses.iter().filter(|s| !s.trim().is_empty()) {
            out.open("ElectronicAddress")?;
            out.leaf("ElectronicAddressText", text)?;
            out.leaf("ElectronicAddressTypeCode", code)?;
            out.close()?;
        }
    }
    Ok(())
}

/// The transmitter (35) and transmitter contact (37) parties.
pub(crate) fn transmitter(out: &mut XmlOut, transmitter: &Transmitter) -> Result<()> {
    out.open("Party")?;
    out.leaf("ActivityPartyTypeCode", party_type::TRANSMITTER)?;
    full_name(out, "L", &transmitter.name)?;
    address(out, &transmitter.address, false)?;
    phone(out, &transmitter.phone)?;
    identification(out, id_type::TRANSMITTER_TIN, &transmitter.tin, None, None, None)?;
    identification(out, id_type::TCC, &transmitter.tcc, None, None, None)?;
    out.close()?;
    out.open("Party")?;
    out.leaf("ActivityPartyTypeCode", party_type::TRANSMITTER_CONTACT)?;
    full_name(out, "L", &transmitter.contact_name)?;
    out.close()
}

/// The institution's identifying content: names, address, TIN, regulatory
/// number, file number, type. Shared by the filer (30) and the location
/// (34) parties.
pub(crate) fn institution_body(
    out: &mut XmlOut,
    institution: &Institution,
    file_number: bool,
) -> Result<()> {
    full_name(out, "L", &institution.name)?;
    if let Some(dba) = institution.dba.as_deref().filter(|s| !s.trim().is_empty()) {
        full_name(out, "DBA", dba)?;
    }
    address(out, &institution.address, false)?;
    let (tin_code, _) = codes::id_code(institution.tin_kind);
    identification(out, tin_code, &institution.tin, None, None, None)?;
    if let Some(id) = &institution.id {
        identification(out, codes::institution_id_code(id.kind), &id.number, None, None, None)?;
    }
    if file_number && let Some(number) = institution.internal_file_number.as_deref() {
        identification(out, id_type::INTERNAL_FILE, number, None, None, None)?;
    }
    out.open("OrganizationClassificationTypeSubtype")?;
    out.leaf("OrganizationTypeID", codes::organization_code(institution.kind))?;
    out.leaf_opt("OtherOrganizationTypeText", institution.kind_other.as_deref())?;
    out.close()
}

/// The filer (30) and its contact office (8).
pub(crate) fn filer(out: &mut XmlOut, institution: &Institution) -> Result<()> {
    out.open("Party")?;
    out.leaf("ActivityPartyTypeCode", party_type::FILER)?;
    out.leaf("PrimaryRegulatorTypeCode", codes::regulator_code(institution.regulator))?;
    institution_body(out, institution, true)?;
    out.close()?;
    out.open("Party")?;
    out.leaf("ActivityPartyTypeCode", party_type::CONTACT_OFFICE)?;
    full_name(out, "L", &institution.contact_office.name)?;
    phone(out, &institution.contact_office.phone)?;
    out.close()
}
