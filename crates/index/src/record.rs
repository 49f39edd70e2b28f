//! What the scorer needs to know about a listed entity besides its names:
//! secondary evidence, parsed once at index build; and the entity itself,
//! which an index loaded from a snapshot decodes only when it is read.

use std::ops::{Deref, Range};
use std::sync::{Arc, OnceLock};

use vigia_model::{Entity, PartialDate, Schema, country, prop};

/// A listed record's entity, read as an [`Entity`] (it dereferences to one).
///
/// An index built from lists holds each entity decoded. An index loaded
/// from a snapshot keeps the snapshot's bytes and each entity's place in
/// them, and decodes an entity the first time it is read (ADR 0129):
/// screening reads an entity only to show it as a result, which most
/// records never are, and decoding all of them (a property map and a string
/// per value) was most of the load's time and of the memory it touched.
/// The encoded entities were checked when the snapshot was loaded (framing,
/// UTF-8, enumerations), so decoding one later cannot fail.
pub struct RecordEntity {
    /// Boxed: an entity is a few hundred bytes, which every record would
    /// otherwise carry (and the load would touch) before it is decoded.
    decoded: OnceLock<Box<Entity>>,
    encoded: Option<EncodedEntity>,
}

/// Where an entity not yet decoded lies in the snapshot it was loaded from.
struct EncodedEntity {
    snapshot: Arc<Vec<u8>>,
    range: Range<usize>,
}

impl RecordEntity {
    /// An entity to be decoded from `snapshot[range]` when first read; the
    /// caller has checked that those bytes decode.
    pub(crate) fn encoded(snapshot: Arc<Vec<u8>>, range: Range<usize>) -> RecordEntity {
        RecordEntity { decoded: OnceLock::new(), encoded: Some(EncodedEntity { snapshot, range }) }
    }

    /// An entity whose bytes are not known yet: a snapshot's records are
    /// decoded before its entity section, and each is then replaced by
    /// [`RecordEntity::encoded`].
    pub(crate) fn pending() -> RecordEntity {
        RecordEntity { decoded: OnceLock::new(), encoded: None }
    }

    /// Whether the entity has been decoded (always, for an index built from
    /// lists): for tests and diagnostics.
    pub fn is_decoded(&self) -> bool {
        self.decoded.get().is_some()
    }
}

impl From<Entity> for RecordEntity {
    fn from(entity: Entity) -> RecordEntity {
        RecordEntity { decoded: OnceLock::from(Box::new(entity)), encoded: None }
    }
}

impl Deref for RecordEntity {
    type Target = Entity;

    fn deref(&self) -> &Entity {
        self.decoded.get_or_init(|| {
            Box::new(match &self.encoded {
                Some(EncodedEntity { snapshot, range }) => crate::snapshot::decode_checked_entity(
                    snapshot.get(range.clone()).unwrap_or_default(),
                ),
                // Not reached: an entity without bytes was made decoded, or
                // was pending only while its snapshot was read.
                None => Entity::new(String::new(), Schema::Thing),
            })
        })
    }
}

impl std::fmt::Debug for RecordEntity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        Entity::fmt(self, f)
    }
}

/// A person's gender, when stated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Gender {
    /// Male.
    Male,
    /// Female.
    Female,
}

impl Gender {
    /// Parses FollowTheMoney's `gender` values and common spellings.
    pub fn parse(value: &str) -> Option<Gender> {
        // Compared without case rather than lower-cased into a new string:
        // every query with a gender asks.
        let value = value.trim();
        let any = |words: &[&str]| words.iter().any(|w| value.eq_ignore_ascii_case(w));
        if any(&["male", "m", "man", "masculino", "hombre"]) {
            Some(Gender::Male)
        } else if any(&["female", "f", "woman", "femenino", "mujer"]) {
            Some(Gender::Female)
        } else {
            None
        }
    }
}

/// The kind of an identifier, which decides whether two different values
/// contradict each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IdentifierKind {
    /// A passport number.
    Passport,
    /// A national identity or social-security style number.
    National,
    /// A tax number.
    Tax,
    /// A company registration number.
    Registration,
    /// A Legal Entity Identifier.
    Lei,
    /// A SWIFT/BIC code.
    Bic,
    /// An IMO ship number.
    Imo,
    /// An MMSI radio number.
    Mmsi,
    /// An e-mail address.
    Email,
    /// Any other identifier.
    Other,
}

impl IdentifierKind {
    /// The kind of identifier a FollowTheMoney property holds.
    pub fn of_property(property: &str) -> IdentifierKind {
        match property {
            prop::PASSPORT_NUMBER => IdentifierKind::Passport,
            prop::SOCIAL_SECURITY_NUMBER => IdentifierKind::National,
            prop::TAX_NUMBER => IdentifierKind::Tax,
            prop::REGISTRATION_NUMBER => IdentifierKind::Registration,
            prop::LEI_CODE => IdentifierKind::Lei,
            prop::SWIFT_BIC => IdentifierKind::Bic,
            prop::IMO_NUMBER => IdentifierKind::Imo,
            prop::MMSI => IdentifierKind::Mmsi,
            prop::EMAIL => IdentifierKind::Email,
            _ => IdentifierKind::Other,
        }
    }

    /// Whether two different values of this kind on the two sides are a
    /// contradiction (a person has one passport number per passport, but an
    /// "other" identifier on one side says nothing about the other side's).
    pub fn contradicts_when_different(self) -> bool {
        matches!(
            self,
            IdentifierKind::Lei | IdentifierKind::Imo | IdentifierKind::Mmsi | IdentifierKind::Bic
        )
    }

    /// A short name for explanations.
    pub fn label(self) -> &'static str {
        match self {
            IdentifierKind::Passport => "passport",
            IdentifierKind::National => "national id",
            IdentifierKind::Tax => "tax number",
            IdentifierKind::Registration => "registration number",
            IdentifierKind::Lei => "LEI",
            IdentifierKind::Bic => "BIC",
            IdentifierKind::Imo => "IMO number",
            IdentifierKind::Mmsi => "MMSI",
            IdentifierKind::Email => "e-mail",
            IdentifierKind::Other => "identifier",
        }
    }
}

/// An identifier, normalised for comparison.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Identifier {
    /// What kind of identifier it is.
    pub kind: IdentifierKind,
    /// Upper-case letters and digits only; "IMO" prefixes dropped.
    pub normalized: String,
    /// The value as written.
    pub value: String,
}

/// Normalises an identifier: upper-case letters and digits only, with the
/// "IMO" prefix of ship numbers dropped. Returns `None` for values too short
/// to identify anything (fewer than 4 characters).
pub fn normalize_identifier(value: &str) -> Option<String> {
    let mut out: String =
        value.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_uppercase).collect();
    if let Some(rest) = out.strip_prefix("IMO")
        && rest.chars().all(|c| c.is_ascii_digit())
    {
        out = rest.to_owned();
    }
    (out.chars().count() >= 4).then_some(out)
}

/// Where a property's values go in [`Evidence::of`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EvidenceSlot {
    BirthDate,
    Gender,
    /// The property's position in [`prop::COUNTRY_PROPERTIES`].
    Country(usize),
    /// The property's position in [`prop::IDENTIFIER_PROPERTIES`].
    Identifier(usize),
}

impl EvidenceSlot {
    /// The slot of a property, if evidence reads it. One `match` (a switch
    /// on the length, then one comparison) rather than a search of the two
    /// property lists: every property of every query and listed record is
    /// asked, and most ("name", "alias") are in neither list. A test checks
    /// the positions against the lists.
    fn of(property: &str) -> Option<EvidenceSlot> {
        Some(match property {
            prop::BIRTH_DATE => EvidenceSlot::BirthDate,
            prop::GENDER => EvidenceSlot::Gender,
            prop::NATIONALITY => EvidenceSlot::Country(0),
            prop::CITIZENSHIP => EvidenceSlot::Country(1),
            prop::COUNTRY => EvidenceSlot::Country(2),
            prop::JURISDICTION => EvidenceSlot::Country(3),
            prop::MAIN_COUNTRY => EvidenceSlot::Country(4),
            prop::BIRTH_COUNTRY => EvidenceSlot::Country(5),
            prop::FLAG => EvidenceSlot::Country(6),
            prop::ID_NUMBER => EvidenceSlot::Identifier(0),
            prop::PASSPORT_NUMBER => EvidenceSlot::Identifier(1),
            prop::TAX_NUMBER => EvidenceSlot::Identifier(2),
            prop::SOCIAL_SECURITY_NUMBER => EvidenceSlot::Identifier(3),
            prop::REGISTRATION_NUMBER => EvidenceSlot::Identifier(4),
            prop::LEI_CODE => EvidenceSlot::Identifier(5),
            prop::SWIFT_BIC => EvidenceSlot::Identifier(6),
            prop::IMO_NUMBER => EvidenceSlot::Identifier(7),
            prop::MMSI => EvidenceSlot::Identifier(8),
            prop::CALL_SIGN => EvidenceSlot::Identifier(9),
            prop::EMAIL => EvidenceSlot::Identifier(10),
            _ => return None,
        })
    }
}

/// Secondary evidence about an entity (listed or queried), parsed once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evidence {
    /// Birth dates (or build dates) at the precision stated.
    pub birth_dates: Vec<PartialDate>,
    /// Country codes from every country-typed property, deduplicated.
    pub countries: Vec<String>,
    /// Gender, if stated and unambiguous.
    pub gender: Option<Gender>,
    /// Identifiers of every kind.
    pub identifiers: Vec<Identifier>,
}

impl Evidence {
    /// Reads the evidence of an entity. Country values that are names rather
    /// than codes are resolved; dates in loose forms are parsed.
    pub fn of(entity: &Entity) -> Evidence {
        // One walk over the entity's properties finds the values of every
        // property read here (twenty lookups in the property map cost more
        // than the rest of this function); they are then read in the fixed
        // order below, as lookups would.
        let mut birth_dates: &[String] = &[];
        let mut genders: &[String] = &[];
        let mut countries: [&[String]; prop::COUNTRY_PROPERTIES.len()] =
            [&[]; prop::COUNTRY_PROPERTIES.len()];
        let mut identifiers: [&[String]; prop::IDENTIFIER_PROPERTIES.len()] =
            [&[]; prop::IDENTIFIER_PROPERTIES.len()];
        for (property, values) in &entity.properties {
            match EvidenceSlot::of(property) {
                Some(EvidenceSlot::BirthDate) => birth_dates = values,
                Some(EvidenceSlot::Gender) => genders = values,
                Some(EvidenceSlot::Country(i)) => countries[i] = values,
                Some(EvidenceSlot::Identifier(i)) => identifiers[i] = values,
                None => {}
            }
        }
        let mut evidence = Evidence::default();
        for value in birth_dates {
            for date in PartialDate::parse_loose(value) {
                if !evidence.birth_dates.contains(&date) {
                    evidence.birth_dates.push(date);
                }
            }
        }
        for (property, values) in prop::COUNTRY_PROPERTIES.into_iter().zip(countries) {
            if property == prop::FLAG && entity.schema != Schema::Vessel {
                continue;
            }
            for value in values {
                let code = if country::is_code(value) {
                    Some(value.as_str())
                } else {
                    country::code_for(value)
                };
                if let Some(code) = code
                    && !evidence.countries.iter().any(|c| c == code)
                {
                    evidence.countries.push(code.to_owned());
                }
            }
        }
        let mut gender = None;
        for g in genders.iter().filter_map(|g| Gender::parse(g)) {
            match gender {
                None => gender = Some(Some(g)),
                // Genders that disagree say nothing.
                Some(Some(first)) if first != g => gender = Some(None),
                _ => {}
            }
        }
        evidence.gender = gender.flatten();
        evidence.add_identifiers(identifiers);
        evidence
    }

    /// The evidence of an entity with only its identifiers read: what
    /// preparing a query and deciding whether evidence can raise a score
    /// need. Screening reads the rest ([`Evidence::of`]) only for the few
    /// queries with a name scoring at the cut-off or above.
    pub fn identifiers_of(entity: &Entity) -> Evidence {
        let mut identifiers: [&[String]; prop::IDENTIFIER_PROPERTIES.len()] =
            [&[]; prop::IDENTIFIER_PROPERTIES.len()];
        for (property, values) in &entity.properties {
            if let Some(EvidenceSlot::Identifier(i)) = EvidenceSlot::of(property) {
                identifiers[i] = values;
            }
        }
        let mut evidence = Evidence::default();
        evidence.add_identifiers(identifiers);
        evidence
    }

    /// Adds the identifiers among the values of each identifier property
    /// (in [`prop::IDENTIFIER_PROPERTIES`]' order), once each.
    fn add_identifiers(&mut self, identifiers: [&[String]; prop::IDENTIFIER_PROPERTIES.len()]) {
        let evidence = self;
        for (property, values) in prop::IDENTIFIER_PROPERTIES.into_iter().zip(identifiers) {
            for value in values {
                if let Some(normalized) = normalize_identifier(value) {
                    let kind = IdentifierKind::of_property(property);
                    if !evidence
                        .identifiers
                        .iter()
                        .any(|i| i.kind == kind && i.normalized == normalized)
                    {
                        evidence.identifiers.push(Identifier {
                            kind,
                            normalized,
                            value: value.clone(),
                        });
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_slots_are_the_positions_in_the_property_lists() {
        // What the search of the two lists, done before, answered.
        let searched = |property: &str| {
            if property == prop::BIRTH_DATE {
                Some(EvidenceSlot::BirthDate)
            } else if property == prop::GENDER {
                Some(EvidenceSlot::Gender)
            } else if let Some(i) = prop::COUNTRY_PROPERTIES.iter().position(|p| *p == property) {
                Some(EvidenceSlot::Country(i))
            } else {
                prop::IDENTIFIER_PROPERTIES
                    .iter()
                    .position(|p| *p == property)
                    .map(EvidenceSlot::Identifier)
            }
        };
        let others = [prop::NAME, prop::ALIAS, prop::FIRST_NAME, prop::ADDRESS, "", "Country"];
        for property in prop::COUNTRY_PROPERTIES
            .into_iter()
            .chain(prop::IDENTIFIER_PROPERTIES)
            .chain([prop::BIRTH_DATE, prop::GENDER])
            .chain(others)
        {
            assert_eq!(EvidenceSlot::of(property), searched(property), "{property:?}");
        }
    }

    #[test]
    fn genders_are_read_in_any_case() {
        let cases = [
            ("male", Some(Gender::Male)),
            (" Male ", Some(Gender::Male)),
            ("M", Some(Gender::Male)),
            ("HOMBRE", Some(Gender::Male)),
            ("female", Some(Gender::Female)),
            ("F", Some(Gender::Female)),
            ("Mujer", Some(Gender::Female)),
            ("other", None),
            ("", None),
            ("fem", None),
            ("ﬀemale", None),
        ];
        for (value, expected) in cases {
            assert_eq!(Gender::parse(value), expected, "{value:?}");
        }
    }
}
