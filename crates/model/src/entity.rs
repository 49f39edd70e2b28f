//! FollowTheMoney-compatible entities.
//!
//! An [`Entity`] is an id, a [`Schema`] and multi-valued string properties
//! keyed by their FollowTheMoney names (see [`prop`]). The JSON form is
//! exactly FollowTheMoney's, so OpenSanctions exports read and write
//! unchanged.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::schema::Schema;

/// FollowTheMoney property names that Vigia reads or writes.
///
/// Properties are plain strings in the model; these constants exist so that
/// a typo in a parser is a compile error rather than a silently lost field.
pub mod prop {
    /// The primary name.
    pub const NAME: &str = "name";
    /// A strong alias ("a.k.a."), screened like the name.
    pub const ALIAS: &str = "alias";
    /// A weak alias: a nickname or low-quality alias ("El Chapo").
    pub const WEAK_ALIAS: &str = "weakAlias";
    /// A former name ("f.k.a.").
    pub const PREVIOUS_NAME: &str = "previousName";
    /// A name in its original, non-Latin script.
    pub const ORIGINAL_NAME: &str = "originalName";
    /// A given name.
    pub const FIRST_NAME: &str = "firstName";
    /// A second given name.
    pub const SECOND_NAME: &str = "secondName";
    /// A middle name.
    pub const MIDDLE_NAME: &str = "middleName";
    /// A family name.
    pub const LAST_NAME: &str = "lastName";
    /// A patronymic.
    pub const FATHER_NAME: &str = "fatherName";
    /// A matronymic.
    pub const MOTHER_NAME: &str = "motherName";
    /// A title or honorific.
    pub const TITLE: &str = "title";
    /// A date of birth (partial date).
    pub const BIRTH_DATE: &str = "birthDate";
    /// A date of death.
    pub const DEATH_DATE: &str = "deathDate";
    /// A place of birth (free text).
    pub const BIRTH_PLACE: &str = "birthPlace";
    /// A country of birth (ISO code).
    pub const BIRTH_COUNTRY: &str = "birthCountry";
    /// A nationality (ISO code).
    pub const NATIONALITY: &str = "nationality";
    /// A citizenship (ISO code).
    pub const CITIZENSHIP: &str = "citizenship";
    /// A country of residence or operation (ISO code).
    pub const COUNTRY: &str = "country";
    /// The jurisdiction of incorporation (ISO code).
    pub const JURISDICTION: &str = "jurisdiction";
    /// The country of registration of an organisation (ISO code).
    pub const MAIN_COUNTRY: &str = "mainCountry";
    /// `male`, `female` or `other`.
    pub const GENDER: &str = "gender";
    /// A position held (for PEPs).
    pub const POSITION: &str = "position";
    /// Any identifier.
    pub const ID_NUMBER: &str = "idNumber";
    /// A passport number.
    pub const PASSPORT_NUMBER: &str = "passportNumber";
    /// A tax number.
    pub const TAX_NUMBER: &str = "taxNumber";
    /// A national social-security style number (e.g. CURP, SSN).
    pub const SOCIAL_SECURITY_NUMBER: &str = "socialSecurityNumber";
    /// A company registration number.
    pub const REGISTRATION_NUMBER: &str = "registrationNumber";
    /// A Legal Entity Identifier.
    pub const LEI_CODE: &str = "leiCode";
    /// A SWIFT/BIC code.
    pub const SWIFT_BIC: &str = "swiftBic";
    /// An IMO ship number.
    pub const IMO_NUMBER: &str = "imoNumber";
    /// An MMSI radio number.
    pub const MMSI: &str = "mmsi";
    /// A radio call sign.
    pub const CALL_SIGN: &str = "callSign";
    /// A flag state (ISO code).
    pub const FLAG: &str = "flag";
    /// A vessel or aircraft type, or an organisation's legal form.
    pub const TYPE: &str = "type";
    /// An aircraft or vessel model.
    pub const MODEL: &str = "model";
    /// A legal form ("S.A. de C.V.").
    pub const LEGAL_FORM: &str = "legalForm";
    /// Date of incorporation.
    pub const INCORPORATION_DATE: &str = "incorporationDate";
    /// A postal address as free text.
    pub const ADDRESS: &str = "address";
    /// An address entity reference.
    pub const ADDRESS_ENTITY: &str = "addressEntity";
    /// An e-mail address.
    pub const EMAIL: &str = "email";
    /// A telephone number.
    pub const PHONE: &str = "phone";
    /// A website.
    pub const WEBSITE: &str = "website";
    /// Risk topics (`sanction`, `crime.terror`, `role.pep`, ...).
    pub const TOPICS: &str = "topics";
    /// A sanctions programme name or code.
    pub const PROGRAM: &str = "program";
    /// A sanctions programme identifier.
    pub const PROGRAM_ID: &str = "programId";
    /// Free-text notes or remarks.
    pub const NOTES: &str = "notes";
    /// A summary.
    pub const SUMMARY: &str = "summary";
    /// Where the record came from.
    pub const SOURCE_URL: &str = "sourceUrl";
    /// When the record was created at the source.
    pub const CREATED_AT: &str = "createdAt";
    /// When the record was last modified at the source.
    pub const MODIFIED_AT: &str = "modifiedAt";
    /// Sanction: the sanctioned entity (reference).
    pub const ENTITY: &str = "entity";
    /// Sanction: the authority that imposed it.
    pub const AUTHORITY: &str = "authority";
    /// Sanction: the reason.
    pub const REASON: &str = "reason";
    /// Sanction or interval: the start date (the designation date).
    pub const START_DATE: &str = "startDate";
    /// Sanction or interval: the end date.
    pub const END_DATE: &str = "endDate";
    /// Sanction: the date the listing was made public.
    pub const LISTING_DATE: &str = "listingDate";
    /// Sanction: the provisions (measures) imposed.
    pub const PROVISIONS: &str = "provisions";
    /// Ownership: the owner (reference).
    pub const OWNER: &str = "owner";
    /// Ownership: the asset (reference).
    pub const ASSET: &str = "asset";
    /// Directorship: the director (reference).
    pub const DIRECTOR: &str = "director";
    /// Directorship or membership: the organisation (reference).
    pub const ORGANIZATION: &str = "organization";
    /// Family/Associate: the first person (reference).
    pub const PERSON: &str = "person";
    /// Family: the relative (reference).
    pub const RELATIVE: &str = "relative";
    /// Associate: the associate (reference).
    pub const ASSOCIATE: &str = "associate";
    /// Link: the nature of the relationship.
    pub const RELATIONSHIP: &str = "relationship";
    /// Link: the role.
    pub const ROLE: &str = "role";
    /// UnknownLink: the subject (reference).
    pub const SUBJECT: &str = "subject";
    /// UnknownLink: the object (reference).
    pub const OBJECT: &str = "object";
    /// Identification: the holder (reference).
    pub const HOLDER: &str = "holder";
    /// Identification: the document number.
    pub const NUMBER: &str = "number";
    /// Address: the full address text.
    pub const FULL: &str = "full";
    /// Address: the city.
    pub const CITY: &str = "city";
    /// Address: the street.
    pub const STREET: &str = "street";
    /// Address: the postal code.
    pub const POSTAL_CODE: &str = "postalCode";
    /// Address: the region or state.
    pub const REGION: &str = "region";

    /// Properties whose values are names under which the entity is screened,
    /// strongest first.
    pub const NAME_PROPERTIES: [&str; 4] = [NAME, ALIAS, PREVIOUS_NAME, WEAK_ALIAS];

    /// Properties whose values are country codes.
    pub const COUNTRY_PROPERTIES: [&str; 7] =
        [NATIONALITY, CITIZENSHIP, COUNTRY, JURISDICTION, MAIN_COUNTRY, BIRTH_COUNTRY, FLAG];

    /// Properties whose values are identifiers that can confirm a match.
    pub const IDENTIFIER_PROPERTIES: [&str; 11] = [
        ID_NUMBER,
        PASSPORT_NUMBER,
        TAX_NUMBER,
        SOCIAL_SECURITY_NUMBER,
        REGISTRATION_NUMBER,
        LEI_CODE,
        SWIFT_BIC,
        IMO_NUMBER,
        MMSI,
        CALL_SIGN,
        EMAIL,
    ];

    /// Properties whose values reference other entities by id.
    pub const ENTITY_PROPERTIES: [&str; 14] = [
        ENTITY,
        OWNER,
        ASSET,
        DIRECTOR,
        ORGANIZATION,
        PERSON,
        RELATIVE,
        ASSOCIATE,
        SUBJECT,
        OBJECT,
        HOLDER,
        ADDRESS_ENTITY,
        "proof",
        "parent",
    ];
}

/// Properties: FollowTheMoney property name → values, in insertion order.
pub type Properties = BTreeMap<String, Vec<String>>;

/// A FollowTheMoney entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entity {
    /// Stable identifier, unique within a dataset.
    pub id: String,
    /// The FollowTheMoney schema.
    pub schema: Schema,
    /// Multi-valued properties by FollowTheMoney name.
    #[serde(default)]
    pub properties: Properties,
    /// The datasets this entity comes from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub datasets: Vec<String>,
    /// Source ids merged into this entity (OpenSanctions).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub referents: Vec<String>,
    /// When the entity was first seen by its publisher.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<String>,
    /// When the entity was last seen by its publisher.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<String>,
    /// When the entity last changed at its publisher.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_change: Option<String>,
    /// Whether the entity is itself a target (listed), as opposed to an
    /// adjacent entity such as an address or a relative.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<bool>,
}

impl Entity {
    /// A new entity with no properties.
    pub fn new(id: impl Into<String>, schema: Schema) -> Entity {
        Entity {
            id: id.into(),
            schema,
            properties: Properties::new(),
            datasets: Vec::new(),
            referents: Vec::new(),
            first_seen: None,
            last_seen: None,
            last_change: None,
            target: None,
        }
    }

    /// Adds a value to a property. The value is trimmed and inner runs of
    /// whitespace are collapsed; empty values and exact duplicates are
    /// dropped. Returns whether the value was added.
    pub fn add(&mut self, property: &str, value: &str) -> bool {
        // Most values are already trimmed and single-spaced: they are
        // compared as they are and copied once, and the property name is
        // copied only for a property the entity does not have yet.
        let value = if needs_collapsing(value) {
            Cow::Owned(collapse_whitespace(value))
        } else {
            Cow::Borrowed(value)
        };
        if value.is_empty() {
            return false;
        }
        if let Some(values) = self.properties.get_mut(property) {
            if values.iter().any(|v| *v == *value) {
                return false;
            }
            values.push(value.into_owned());
        } else {
            self.properties.insert(property.to_owned(), vec![value.into_owned()]);
        }
        true
    }

    /// Gives back the spare capacity of every string and value list, for
    /// entities kept in memory for a long time (an index holds a million).
    pub fn shrink_to_fit(&mut self) {
        self.id.shrink_to_fit();
        for values in self.properties.values_mut() {
            values.shrink_to_fit();
            values.iter_mut().for_each(String::shrink_to_fit);
        }
        self.datasets.shrink_to_fit();
        self.referents.shrink_to_fit();
    }

    /// Adds every value of an iterator to a property.
    pub fn add_all<I, S>(&mut self, property: &str, values: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for value in values {
            self.add(property, value.as_ref());
        }
    }

    /// Removes every value of a property.
    pub fn remove(&mut self, property: &str) -> Vec<String> {
        self.properties.remove(property).unwrap_or_default()
    }

    /// The values of a property (empty if it has none).
    pub fn get(&self, property: &str) -> &[String] {
        self.properties.get(property).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The first value of a property.
    pub fn first(&self, property: &str) -> Option<&str> {
        self.get(property).first().map(String::as_str)
    }

    /// Whether the property has at least one value.
    pub fn has(&self, property: &str) -> bool {
        !self.get(property).is_empty()
    }

    /// Adds a dataset name if not already present.
    pub fn add_dataset(&mut self, dataset: &str) {
        if !self.datasets.iter().any(|d| d == dataset) {
            self.datasets.push(dataset.to_owned());
        }
    }

    /// A display name: the first `name`, else the first alias of any kind,
    /// else the id.
    pub fn caption(&self) -> &str {
        for property in prop::NAME_PROPERTIES {
            if let Some(name) = self.first(property) {
                return name;
            }
        }
        if let Some(name) = self.first(prop::FULL) {
            return name;
        }
        &self.id
    }

    /// Every name the entity is screened under, with the property it came
    /// from, strongest property first.
    pub fn names(&self) -> impl Iterator<Item = (&'static str, &str)> + '_ {
        prop::NAME_PROPERTIES
            .into_iter()
            .flat_map(move |p| self.get(p).iter().map(move |v| (p, v.as_str())))
    }

    /// The entity in canonical form: values of every property sorted and
    /// deduplicated, datasets sorted. Two entities that differ only in value
    /// order have the same canonical form, so a list re-export that shuffles
    /// aliases is not reported as a change.
    pub fn canonical(&self) -> Entity {
        let mut entity = self.clone();
        for values in entity.properties.values_mut() {
            values.sort();
            values.dedup();
        }
        entity.properties.retain(|_, values| !values.is_empty());
        entity.datasets.sort();
        entity.datasets.dedup();
        entity.referents.sort();
        entity.referents.dedup();
        entity
    }

    /// The canonical JSON of the entity, without the publisher's
    /// bookkeeping timestamps: the basis of change detection between list
    /// versions.
    pub fn canonical_json(&self) -> String {
        let mut entity = self.canonical();
        entity.first_seen = None;
        entity.last_seen = None;
        entity.last_change = None;
        // Serialising a struct of strings, vectors and maps cannot fail.
        serde_json::to_string(&entity).unwrap_or_default()
    }

    /// The names of the properties that differ between two versions of an
    /// entity (compared in canonical form), sorted.
    pub fn changed_properties(&self, newer: &Entity) -> Vec<String> {
        let old = self.canonical();
        let new = newer.canonical();
        let mut changed: Vec<String> = old
            .properties
            .keys()
            .chain(new.properties.keys())
            .filter(|key| old.properties.get(*key) != new.properties.get(*key))
            .cloned()
            .collect();
        if old.schema != new.schema {
            changed.push("schema".to_owned());
        }
        changed.sort();
        changed.dedup();
        changed
    }
}

/// Whether [`collapse_whitespace`] would change a string: whether it has
/// whitespace other than single inner spaces.
fn needs_collapsing(value: &str) -> bool {
    // A space at the start, after a space or at the end must go.
    let mut after_space = true;
    for c in value.chars() {
        if c == ' ' {
            if after_space {
                return true;
            }
            after_space = true;
        } else if c.is_whitespace() || c == '\u{a0}' {
            return true;
        } else {
            after_space = false;
        }
    }
    after_space && !value.is_empty()
}

/// Trims a string and collapses inner whitespace (including non-breaking
/// spaces and line breaks) to single spaces.
pub fn collapse_whitespace(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for word in value.split(|c: char| c.is_whitespace() || c == '\u{a0}') {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_normalises_and_dedups() {
        let mut e = Entity::new("x", Schema::Person);
        assert!(e.add(prop::NAME, "  Joaquín   Guzmán\u{a0}Loera "));
        assert!(!e.add(prop::NAME, "Joaquín Guzmán Loera"));
        assert!(!e.add(prop::ALIAS, "   "));
        assert_eq!(e.get(prop::NAME), ["Joaquín Guzmán Loera"]);
        assert!(!e.has(prop::ALIAS));
        assert_eq!(e.caption(), "Joaquín Guzmán Loera");
    }

    #[test]
    fn needs_collapsing_agrees_with_collapse_whitespace() {
        for value in [
            "",
            " ",
            "a",
            "a b",
            "a  b",
            " a",
            "a ",
            "a\tb",
            "a\nb",
            "a\u{a0}b",
            "a\u{2003}b",
            "a\u{85}b",
            "a\u{1f}b",
            "Joaquín Guzmán Loera",
            "Тест  Имя",
            "\u{3000}名",
        ] {
            assert_eq!(needs_collapsing(value), collapse_whitespace(value) != value, "{value:?}");
        }
    }

    #[test]
    fn ftm_json_round_trip() {
        let json = r#"{"id":"NK-1","schema":"Person","properties":{"name":["A B"],"birthDate":["1957"]},"datasets":["us_ofac_sdn"],"first_seen":"2024-01-01","target":true}"#;
        let e: Entity = serde_json::from_str(json).unwrap();
        assert_eq!(e.schema, Schema::Person);
        assert_eq!(e.first(prop::BIRTH_DATE), Some("1957"));
        let back: Entity = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
        assert_eq!(e, back);
    }

    #[test]
    fn canonical_ignores_value_order() {
        let mut a = Entity::new("x", Schema::Person);
        a.add_all(prop::ALIAS, ["B", "A"]);
        let mut b = Entity::new("x", Schema::Person);
        b.add_all(prop::ALIAS, ["A", "B"]);
        assert_eq!(a.canonical_json(), b.canonical_json());
        b.add(prop::ALIAS, "C");
        assert_eq!(a.changed_properties(&b), ["alias"]);
    }
}
