//! Customers as screening sees them: the screening projection and the
//! content hash that identifies a customer version.
//!
//! Screening reads an entity's schema, its names (the name properties and
//! the name parts a name is composed from when there is none), birth
//! dates, country-typed properties, gender and identifiers — nothing else.
//! A registered customer is kept as exactly that projection: a re-import
//! that changes only an address or a note is not a new version, because it
//! cannot change a screening result, and Vigia keeps no customer data it
//! does not use (ADR 0110).

use sha2::{Digest, Sha256};
use vigia_model::{Entity, prop};

/// The name parts screening composes a name from when an entity has no
/// name property (`firstName lastName`), and reads for the roles of parts.
pub const NAME_PART_PROPERTIES: [&str; 5] =
    [prop::FIRST_NAME, prop::SECOND_NAME, prop::MIDDLE_NAME, prop::FATHER_NAME, prop::LAST_NAME];

/// Whether screening reads this property.
pub fn is_screened_property(property: &str) -> bool {
    prop::NAME_PROPERTIES.contains(&property)
        || NAME_PART_PROPERTIES.contains(&property)
        || property == prop::BIRTH_DATE
        || property == prop::GENDER
        || prop::COUNTRY_PROPERTIES.contains(&property)
        || prop::IDENTIFIER_PROPERTIES.contains(&property)
}

/// The entity reduced to what screening reads, in canonical form (values
/// sorted and deduplicated). Datasets, referents, publisher timestamps and
/// the `target` flag are dropped.
pub fn screening_projection(entity: &Entity) -> Entity {
    let mut projected = Entity::new(entity.id.clone(), entity.schema.clone());
    for (property, values) in &entity.properties {
        if is_screened_property(property) {
            projected.add_all(property, values);
        }
    }
    projected.canonical()
}

/// The properties of `entity` that the projection drops, sorted.
pub fn unscreened_properties(entity: &Entity) -> Vec<String> {
    entity
        .properties
        .iter()
        .filter(|(property, values)| !values.is_empty() && !is_screened_property(property))
        .map(|(property, _)| property.clone())
        .collect()
}

/// SHA-256, hex, of the projection's canonical JSON: equal hashes, equal
/// screening input. The id is part of it: two customers never share a
/// version hash by accident of having the same name.
pub fn screening_hash(entity: &Entity) -> String {
    hex::encode(Sha256::digest(screening_projection(entity).canonical_json().as_bytes()))
}

/// SHA-256, hex, of an entity's canonical JSON
/// ([`Entity::canonical_json`]): the content address the list store gives
/// a listed entity's body, and so the "entity version" a hit is bound to.
pub fn content_hash(entity: &Entity) -> String {
    hex::encode(Sha256::digest(entity.canonical_json().as_bytes()))
}

/// Why a customer record cannot be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CustomerError {
    /// The id is empty or only whitespace.
    #[error("the customer has no id (a stable customer id is required)")]
    MissingId,
    /// The id is longer than [`MAX_ID_LEN`] bytes or holds control
    /// characters.
    #[error("customer id {0:?} is not usable (at most 200 characters, no control characters)")]
    BadId(String),
    /// The schema cannot be screened (a Sanction, an Address...).
    #[error(
        "schema {0} cannot be screened (use Person, Organization, Company, LegalEntity, Vessel or Airplane)"
    )]
    Schema(String),
    /// Nothing to screen the customer under.
    #[error("the customer has no name (name, alias, or first/last name)")]
    NoName,
}

/// The longest customer id accepted, in bytes.
pub const MAX_ID_LEN: usize = 200;

/// Checks that an entity can be registered as a customer: a usable id, a
/// screenable schema, and a name.
///
/// # Errors
/// The first thing that is wrong.
pub fn validate(entity: &Entity) -> Result<(), CustomerError> {
    if entity.id.trim().is_empty() {
        return Err(CustomerError::MissingId);
    }
    if entity.id.len() > MAX_ID_LEN || entity.id.chars().any(char::is_control) {
        return Err(CustomerError::BadId(entity.id.chars().take(40).collect()));
    }
    if !entity.schema.is_matchable() {
        return Err(CustomerError::Schema(entity.schema.name().to_owned()));
    }
    if entity.names().next().is_none() && !NAME_PART_PROPERTIES.iter().any(|p| entity.has(p)) {
        return Err(CustomerError::NoName);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use vigia_model::Schema;

    use super::*;

    fn person(id: &str, pairs: &[(&str, &str)]) -> Entity {
        let mut entity = Entity::new(id, Schema::Person);
        for (property, value) in pairs {
            entity.add(property, value);
        }
        entity
    }

    #[test]
    fn only_what_screening_reads_changes_the_hash() {
        let base = person("c1", &[("name", "Ana Ruiz"), ("birthDate", "1980")]);
        let hash = screening_hash(&base);
        let cases: &[(&str, &str, bool)] = &[
            ("address", "Calle 1", false),
            ("notes", "VIP", false),
            ("topics", "role.pep", false),
            ("email", "ana@example.com", true),
            ("alias", "Anita", true),
            ("birthDate", "1981", true),
            ("nationality", "mx", true),
            ("gender", "female", true),
            ("passportNumber", "X123", true),
            ("lastName", "Ruiz", true),
        ];
        for (property, value, changes) in cases {
            let mut other = base.clone();
            other.add(property, value);
            assert_eq!(screening_hash(&other) != hash, *changes, "{property}");
        }
        // Value order and duplicates do not matter.
        let mut reordered = person("c1", &[("birthDate", "1980"), ("name", "Ana Ruiz")]);
        reordered.properties.get_mut("name").unwrap().push("Ana Ruiz".into());
        assert_eq!(screening_hash(&reordered), hash);
        // The id does.
        assert_ne!(
            screening_hash(&person("c2", &[("name", "Ana Ruiz"), ("birthDate", "1980")])),
            hash
        );
    }

    #[test]
    fn validation() {
        assert_eq!(validate(&person("", &[("name", "A")])), Err(CustomerError::MissingId));
        assert_eq!(validate(&person("c", &[("address", "x")])), Err(CustomerError::NoName));
        assert!(validate(&person("c", &[("lastName", "Ruiz")])).is_ok());
        assert!(matches!(
            validate(&person("a\nb", &[("name", "A")])),
            Err(CustomerError::BadId(_))
        ));
        let sanction = Entity::new("s", Schema::Sanction);
        assert!(matches!(validate(&sanction), Err(CustomerError::Schema(_))));
        assert_eq!(
            unscreened_properties(&person("c", &[("name", "A"), ("address", "x")])),
            ["address"]
        );
    }
}
