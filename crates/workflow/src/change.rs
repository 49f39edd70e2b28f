//! Whether a change to either side of a cleared hit matters, and why.
//!
//! An analyst's decision is taken on one version of the customer and one
//! version of the listed entity. When a later screening pairs other
//! versions, [`review`] compares the versions the decision was taken on
//! with the current ones and lists every change, each marked material or
//! not, with a sentence an analyst reads ("new alias 'El Mencho' on the
//! listed entity"). A cleared false positive is re-opened when at least
//! one change is material (ADR 0111):
//!
//! - **names** (every name property and the name parts a name is composed
//!   from): a name added or altered is material — it can only make the
//!   match stronger or different from what was cleared; a name removed is
//!   not (it can only weaken what was cleared). Names are compared folded
//!   (case, accents, punctuation and spacing do not count).
//! - **evidence** (birth dates, nationality and every other country-typed
//!   property, gender, identifiers): any addition, removal or alteration
//!   is material, because a false positive is often cleared on exactly
//!   this evidence ("born 1980, the listed person in 1965"), and its
//!   removal takes the reason away. Values are compared parsed (dates at
//!   their precision, countries as codes, identifiers normalised).
//! - **schema**: a change is material.
//! - everything else (addresses, notes, topics, programmes, positions,
//!   sanctions, datasets, publisher timestamps) is recorded but not
//!   material: screening does not read it, so it cannot change a match.

use std::collections::BTreeSet;
use std::fmt;

use serde::Serialize;
use vigia_model::{Entity, PartialDate, country, prop};

use crate::customer::NAME_PART_PROPERTIES;

/// Which side of a hit changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// The registered customer (or counterparty).
    Customer,
    /// The listed entity.
    Listed,
}

impl Side {
    fn noun(self) -> &'static str {
        match self {
            Side::Customer => "customer",
            Side::Listed => "listed entity",
        }
    }
}

/// What happened to a property.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// A value appeared.
    Added,
    /// A value disappeared.
    Removed,
    /// One value replaced another.
    Changed,
}

/// One change between two versions of one side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The side that changed.
    pub side: Side,
    /// The FollowTheMoney property (`schema` for a schema change).
    pub property: String,
    /// Added, removed or changed.
    pub kind: ChangeKind,
    /// The value before (for removals and alterations; empty for
    /// properties screening does not read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    /// The value after (for additions and alterations).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// Whether the change re-opens a cleared false positive.
    pub material: bool,
    /// The change in words.
    pub reason: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

/// How a property is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Name,
    Date,
    Country,
    Gender,
    Identifier,
    Other,
}

fn class(property: &str) -> Class {
    if prop::NAME_PROPERTIES.contains(&property) || NAME_PART_PROPERTIES.contains(&property) {
        Class::Name
    } else if property == prop::BIRTH_DATE {
        Class::Date
    } else if prop::COUNTRY_PROPERTIES.contains(&property) {
        Class::Country
    } else if property == prop::GENDER {
        Class::Gender
    } else if prop::IDENTIFIER_PROPERTIES.contains(&property) {
        Class::Identifier
    } else {
        Class::Other
    }
}

/// The words for a property in reasons.
fn label(property: &str) -> &str {
    match property {
        prop::NAME => "name",
        prop::ALIAS => "alias",
        prop::WEAK_ALIAS => "weak alias",
        prop::PREVIOUS_NAME => "former name",
        prop::FIRST_NAME => "first name",
        prop::SECOND_NAME => "second name",
        prop::MIDDLE_NAME => "middle name",
        prop::FATHER_NAME => "patronymic",
        prop::LAST_NAME => "last name",
        prop::BIRTH_DATE => "birth date",
        prop::NATIONALITY => "nationality",
        prop::CITIZENSHIP => "citizenship",
        prop::COUNTRY => "country",
        prop::JURISDICTION => "jurisdiction",
        prop::MAIN_COUNTRY => "country of registration",
        prop::BIRTH_COUNTRY => "country of birth",
        prop::FLAG => "flag",
        prop::GENDER => "gender",
        prop::ID_NUMBER => "identifier",
        prop::PASSPORT_NUMBER => "passport number",
        prop::TAX_NUMBER => "tax number",
        prop::SOCIAL_SECURITY_NUMBER => "national id number",
        prop::REGISTRATION_NUMBER => "registration number",
        prop::LEI_CODE => "LEI",
        prop::SWIFT_BIC => "BIC",
        prop::IMO_NUMBER => "IMO number",
        prop::MMSI => "MMSI",
        prop::CALL_SIGN => "call sign",
        prop::EMAIL => "e-mail",
        other => other,
    }
}

/// The comparison key of a value: what must differ for the value to count
/// as different.
fn key(class: Class, value: &str) -> String {
    match class {
        // Hyphens and apostrophes join or split words in one spelling and
        // not another: neither is a change of name.
        Class::Name => vigia_text::normalize::fold(value)
            .split(|c: char| c.is_whitespace() || c == '-' || c == '\'')
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" "),
        Class::Date => {
            let dates = PartialDate::parse_loose(value);
            if dates.is_empty() {
                value.trim().to_lowercase()
            } else {
                dates.iter().map(ToString::to_string).collect::<Vec<_>>().join("|")
            }
        }
        Class::Country => {
            let lower = value.trim().to_lowercase();
            if country::is_code(&lower) {
                lower
            } else {
                country::code_for(value).map_or(lower, str::to_owned)
            }
        }
        Class::Gender => match vigia_index::Gender::parse(value) {
            Some(vigia_index::Gender::Male) => "male".into(),
            Some(vigia_index::Gender::Female) => "female".into(),
            None => value.trim().to_lowercase(),
        },
        Class::Identifier => {
            vigia_index::normalize_identifier(value).unwrap_or_else(|| value.trim().to_uppercase())
        }
        Class::Other => value.to_owned(),
    }
}

/// Distinct values by key, the first raw value of each key kept for the
/// reason.
fn keyed(class: Class, values: &[String]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for value in values {
        let k = key(class, value);
        if k.is_empty() {
            continue;
        }
        if !out.iter().any(|(existing, _)| *existing == k) {
            out.push((k, value.clone()));
        }
    }
    out.sort();
    out
}

/// Every change from `old` to `new`, one side, in property order.
pub fn compare(side: Side, old: &Entity, new: &Entity) -> Vec<Change> {
    let mut changes = Vec::new();
    if old.schema != new.schema {
        changes.push(Change {
            side,
            property: "schema".into(),
            kind: ChangeKind::Changed,
            before: Some(old.schema.name().to_owned()),
            after: Some(new.schema.name().to_owned()),
            material: true,
            reason: format!(
                "{} schema changed: {} → {}",
                side.noun(),
                old.schema.name(),
                new.schema.name()
            ),
        });
    }
    let properties: BTreeSet<&String> =
        old.properties.keys().chain(new.properties.keys()).collect();
    for property in properties {
        let class = class(property);
        let before = keyed(class, old.get(property));
        let after = keyed(class, new.get(property));
        if class == Class::Other {
            if before != after {
                changes.push(Change {
                    side,
                    property: property.clone(),
                    kind: match (before.is_empty(), after.is_empty()) {
                        (true, _) => ChangeKind::Added,
                        (_, true) => ChangeKind::Removed,
                        _ => ChangeKind::Changed,
                    },
                    before: None,
                    after: None,
                    material: false,
                    reason: format!(
                        "{} changed on the {} (not screened)",
                        label(property),
                        side.noun()
                    ),
                });
            }
            continue;
        }
        let removed: Vec<&(String, String)> =
            before.iter().filter(|(k, _)| !after.iter().any(|(a, _)| a == k)).collect();
        let added: Vec<&(String, String)> =
            after.iter().filter(|(k, _)| !before.iter().any(|(b, _)| b == k)).collect();
        let what = label(property);
        if let ([(_, old_value)], [(_, new_value)]) = (removed.as_slice(), added.as_slice()) {
            changes.push(Change {
                side,
                property: property.clone(),
                kind: ChangeKind::Changed,
                before: Some(old_value.clone()),
                after: Some(new_value.clone()),
                material: true,
                reason: format!("{} {what} changed: '{old_value}' → '{new_value}'", side.noun()),
            });
            continue;
        }
        for (_, value) in added {
            changes.push(Change {
                side,
                property: property.clone(),
                kind: ChangeKind::Added,
                before: None,
                after: Some(value.clone()),
                material: true,
                reason: if class == Class::Name {
                    format!("new {what} '{value}' on the {}", side.noun())
                } else {
                    format!("{what} '{value}' added on the {}", side.noun())
                },
            });
        }
        for (_, value) in removed {
            changes.push(Change {
                side,
                property: property.clone(),
                kind: ChangeKind::Removed,
                before: Some(value.clone()),
                after: None,
                // A name removed can only weaken the match that was
                // cleared; removed evidence may be why it was cleared.
                material: class != Class::Name,
                reason: format!("{what} '{value}' removed from the {}", side.noun()),
            });
        }
    }
    changes
}

/// The changes on both sides of a hit since its decision.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Review {
    /// Every change, customer side first, material or not.
    pub changes: Vec<Change>,
}

impl Review {
    /// Whether a change re-opens the decision.
    pub fn matters(&self) -> bool {
        self.changes.iter().any(|c| c.material)
    }

    /// The material changes' reasons, in order.
    pub fn reasons(&self) -> Vec<String> {
        self.changes.iter().filter(|c| c.material).map(|c| c.reason.clone()).collect()
    }

    /// The immaterial changes' reasons, in order.
    pub fn immaterial(&self) -> Vec<String> {
        self.changes.iter().filter(|c| !c.material).map(|c| c.reason.clone()).collect()
    }

    /// The material reasons as one sentence ("new alias 'X' on the listed
    /// entity; birth date '1965' added on the listed entity").
    pub fn summary(&self) -> String {
        self.reasons().join("; ")
    }
}

/// Compares the versions a decision was taken on with the current ones.
pub fn review(
    decided_customer: &Entity,
    decided_listed: &Entity,
    customer: &Entity,
    listed: &Entity,
) -> Review {
    let mut changes = compare(Side::Customer, decided_customer, customer);
    changes.extend(compare(Side::Listed, decided_listed, listed));
    Review { changes }
}

#[cfg(test)]
mod tests;
