//! FollowTheMoney schemata that Vigia knows about.
//!
//! The schema of an entity decides which properties it may carry and which
//! other entities it may be matched against. Names follow FollowTheMoney
//! exactly (`Airplane`, not `Aircraft`), so OpenSanctions data and yente
//! clients round-trip unchanged; common synonyms are accepted on input.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A FollowTheMoney schema.
///
/// Unknown schema names are kept verbatim in [`Schema::Other`] so that a
/// FollowTheMoney file with schemata we do not model still round-trips.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Schema {
    /// The root of all things with a name.
    Thing,
    /// A person or an organisation: what a query of unknown kind is.
    LegalEntity,
    /// A natural person.
    Person,
    /// Any organised group: cartels, gangs, NGOs, armed groups.
    Organization,
    /// A registered company.
    Company,
    /// A state body.
    PublicBody,
    /// A ship.
    Vessel,
    /// An aircraft (FollowTheMoney calls it `Airplane`).
    Airplane,
    /// A postal address, as a separate entity.
    Address,
    /// A sanction: the link between a listed entity and a programme.
    Sanction,
    /// An ownership link (owner → asset).
    Ownership,
    /// A directorship link (director → organisation).
    Directorship,
    /// A family link between two persons.
    Family,
    /// An associate link between two persons.
    Associate,
    /// A link whose nature is not stated ("linked to" in OFAC remarks).
    UnknownLink,
    /// An identification document held by a person.
    Identification,
    /// A passport held by a person.
    Passport,
    /// A schema Vigia does not model; the FollowTheMoney name is kept.
    Other(String),
}

impl Schema {
    /// Every schema Vigia models, in a stable order.
    pub const KNOWN: [Schema; 17] = [
        Schema::Thing,
        Schema::LegalEntity,
        Schema::Person,
        Schema::Organization,
        Schema::Company,
        Schema::PublicBody,
        Schema::Vessel,
        Schema::Airplane,
        Schema::Address,
        Schema::Sanction,
        Schema::Ownership,
        Schema::Directorship,
        Schema::Family,
        Schema::Associate,
        Schema::UnknownLink,
        Schema::Identification,
        Schema::Passport,
    ];

    /// The FollowTheMoney name of the schema.
    pub fn name(&self) -> &str {
        match self {
            Schema::Thing => "Thing",
            Schema::LegalEntity => "LegalEntity",
            Schema::Person => "Person",
            Schema::Organization => "Organization",
            Schema::Company => "Company",
            Schema::PublicBody => "PublicBody",
            Schema::Vessel => "Vessel",
            Schema::Airplane => "Airplane",
            Schema::Address => "Address",
            Schema::Sanction => "Sanction",
            Schema::Ownership => "Ownership",
            Schema::Directorship => "Directorship",
            Schema::Family => "Family",
            Schema::Associate => "Associate",
            Schema::UnknownLink => "UnknownLink",
            Schema::Identification => "Identification",
            Schema::Passport => "Passport",
            Schema::Other(name) => name,
        }
    }

    /// Parses a schema name, accepting common synonyms (`Aircraft`,
    /// `Organisation`, `Individual`, `Entity`). Never fails: unknown names
    /// become [`Schema::Other`].
    pub fn parse(name: &str) -> Schema {
        match name {
            "Thing" => Schema::Thing,
            "LegalEntity" | "Entity" => Schema::LegalEntity,
            "Person" | "Individual" => Schema::Person,
            "Organization" | "Organisation" => Schema::Organization,
            "Company" => Schema::Company,
            "PublicBody" => Schema::PublicBody,
            "Vessel" => Schema::Vessel,
            "Airplane" | "Aircraft" => Schema::Airplane,
            "Address" => Schema::Address,
            "Sanction" => Schema::Sanction,
            "Ownership" => Schema::Ownership,
            "Directorship" => Schema::Directorship,
            "Family" => Schema::Family,
            "Associate" => Schema::Associate,
            "UnknownLink" => Schema::UnknownLink,
            "Identification" => Schema::Identification,
            "Passport" => Schema::Passport,
            other => Schema::Other(other.to_owned()),
        }
    }

    /// Whether this schema is one Vigia recognises (not [`Schema::Other`]).
    pub fn is_known(&self) -> bool {
        !matches!(self, Schema::Other(_))
    }

    /// The parent schema in FollowTheMoney's hierarchy, if any.
    pub fn parent(&self) -> Option<Schema> {
        match self {
            Schema::Thing => None,
            Schema::LegalEntity | Schema::Vessel | Schema::Airplane | Schema::Address => {
                Some(Schema::Thing)
            }
            Schema::Person | Schema::Organization => Some(Schema::LegalEntity),
            Schema::Company | Schema::PublicBody => Some(Schema::Organization),
            Schema::Passport => Some(Schema::Identification),
            _ => None,
        }
    }

    /// Whether `self` is `other` or a descendant of it.
    pub fn is_a(&self, other: &Schema) -> bool {
        // Screening asks this several times per query and per candidate:
        // the ancestors are walked without cloning `self`.
        if self == other {
            return true;
        }
        let mut current = self.parent();
        while let Some(schema) = current {
            if &schema == other {
                return true;
            }
            current = schema.parent();
        }
        false
    }

    /// Whether entities of this schema are screened: they have names that a
    /// customer or counterparty could carry.
    pub fn is_matchable(&self) -> bool {
        matches!(
            self,
            Schema::LegalEntity
                | Schema::Person
                | Schema::Organization
                | Schema::Company
                | Schema::PublicBody
                | Schema::Vessel
                | Schema::Airplane
        )
    }

    /// Whether this schema is a link between two other entities.
    pub fn is_relationship(&self) -> bool {
        matches!(
            self,
            Schema::Ownership
                | Schema::Directorship
                | Schema::Family
                | Schema::Associate
                | Schema::UnknownLink
                | Schema::Sanction
                | Schema::Identification
                | Schema::Passport
        )
    }

    /// Whether a query of schema `self` may be matched against a listed
    /// entity of schema `candidate`.
    ///
    /// Two schemata are compatible when one is a descendant of the other
    /// (a `Person` query matches a `LegalEntity` record and the reverse, as
    /// yente does) or when both are organisations of some kind (a `Company`
    /// query matches an `Organization` record: lists do not agree on which
    /// one a front company is).
    pub fn can_match(&self, candidate: &Schema) -> bool {
        if !self.is_matchable() || !candidate.is_matchable() {
            return false;
        }
        if self.is_a(candidate) || candidate.is_a(self) {
            return true;
        }
        self.is_a(&Schema::Organization) && candidate.is_a(&Schema::Organization)
    }

    /// The broad family of names this schema carries, which decides how
    /// names are compared.
    pub fn name_kind(&self) -> NameKind {
        if self.is_a(&Schema::Person) {
            NameKind::Person
        } else if self.is_a(&Schema::Organization) {
            NameKind::Organization
        } else if matches!(self, Schema::Vessel | Schema::Airplane) {
            NameKind::Object
        } else {
            NameKind::Unknown
        }
    }
}

/// How the names of an entity are built, which decides how they compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NameKind {
    /// Given names, family names, patronymics.
    Person,
    /// Words, legal forms, acronyms.
    Organization,
    /// Ship and aircraft names: literal strings with numbers.
    Object,
    /// A legal entity of unknown kind: compared leniently.
    Unknown,
}

impl fmt::Display for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Schema {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Schema::parse(s))
    }
}

impl Serialize for Schema {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Schema {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(Schema::parse(&name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hierarchy_and_matching() {
        assert!(Schema::Company.is_a(&Schema::LegalEntity));
        assert!(!Schema::Person.is_a(&Schema::Organization));
        assert!(Schema::Person.can_match(&Schema::LegalEntity));
        assert!(Schema::LegalEntity.can_match(&Schema::Person));
        assert!(Schema::Company.can_match(&Schema::Organization));
        assert!(!Schema::Person.can_match(&Schema::Company));
        assert!(!Schema::Person.can_match(&Schema::Vessel));
        assert!(!Schema::Sanction.can_match(&Schema::Sanction));
    }

    #[test]
    fn names_round_trip() {
        for schema in Schema::KNOWN {
            assert_eq!(Schema::parse(schema.name()), schema);
        }
        assert_eq!(Schema::parse("Aircraft"), Schema::Airplane);
        assert_eq!(Schema::parse("CryptoWallet"), Schema::Other("CryptoWallet".into()));
    }
}
