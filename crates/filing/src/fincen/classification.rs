//! SAR suspicious-activity classifications: the boxes of the FinCEN SAR
//! form (Part II, items 32 to 38) and their BSA E-Filing ids.
//!
//! Item numbers and letters follow the current FinCEN SAR, as FinCEN's
//! advisories cite them (33(a) terrorist financing, 34(z) other fraud,
//! 36(l) TBML/BMPE, 38(d) elder financial exploitation, 38(g) human
//! smuggling, 38(h) human trafficking, 38(n) informal value transfer, 38(s)
//! unlicensed MSB). The `SuspiciousActivityTypeID` /
//! `SuspiciousActivitySubtypeID` pairs follow the SAR XML Schema User
//! Guide's numbering (type × 100 + position, 999 for "other"): they are the
//! least certain values in this crate and must be checked against the
//! current guide before production filing.

use serde::{Deserialize, Deserializer, Serialize};

/// One box of the SAR form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivityBox {
    /// The form item, e.g. `36(l)`.
    pub item: &'static str,
    /// The category (item heading).
    pub category: &'static str,
    /// The box's label on the form.
    pub label: &'static str,
    /// `SuspiciousActivityTypeID`.
    pub type_id: u16,
    /// `SuspiciousActivitySubtypeID`.
    pub subtype_id: u16,
}

const fn b(
    item: &'static str,
    category: &'static str,
    label: &'static str,
    type_id: u16,
    subtype_id: u16,
) -> ActivityBox {
    ActivityBox { item, category, label, type_id, subtype_id }
}

const STRUCTURING: &str = "Structuring";
const TERRORISM: &str = "Terrorist financing";
const FRAUD: &str = "Fraud";
const LAUNDERING: &str = "Money laundering";
const IDENTIFICATION: &str = "Identification/Documentation";
const OTHER: &str = "Other suspicious activities";

/// The boxes Vigia can tick. Items 35 (gaming), 39 (insurance), 40
/// (securities/futures/options) and 41 (mortgage fraud) are not included.
pub const ACTIVITY_BOXES: &[ActivityBox] = &[
    b(
        "32(a)",
        STRUCTURING,
        "Alters or cancels transaction to avoid BSA recordkeeping requirement",
        1,
        106,
    ),
    b("32(b)", STRUCTURING, "Alters or cancels transaction to avoid CTR requirement", 1, 107),
    b(
        "32(c)",
        STRUCTURING,
        "Customer cancels transaction to avoid BSA reporting and recordkeeping requirements",
        1,
        108,
    ),
    b("32(d)", STRUCTURING, "Multiple transactions below BSA recordkeeping threshold", 1, 109),
    b("32(e)", STRUCTURING, "Multiple transactions below CTR threshold", 1, 110),
    b(
        "32(f)",
        STRUCTURING,
        "Suspicious inquiry by customer regarding BSA reporting or recordkeeping requirements",
        1,
        111,
    ),
    b("32(z)", STRUCTURING, "Other", 1, 999),
    b("33(a)", TERRORISM, "Known or suspected terrorist/terrorist organization", 2, 201),
    b("33(z)", TERRORISM, "Other", 2, 999),
    b("34(a)", FRAUD, "ACH", 3, 301),
    b("34(b)", FRAUD, "Advance fee", 3, 320),
    b("34(c)", FRAUD, "Business loan", 3, 304),
    b("34(d)", FRAUD, "Check", 3, 305),
    b("34(e)", FRAUD, "Consumer loan", 3, 308),
    b("34(f)", FRAUD, "Credit/Debit card", 3, 309),
    b("34(g)", FRAUD, "Healthcare/Public or private health insurance", 3, 310),
    b("34(h)", FRAUD, "Mail", 3, 312),
    b("34(i)", FRAUD, "Mass-marketing", 3, 313),
    b("34(j)", FRAUD, "Ponzi scheme", 3, 321),
    b("34(k)", FRAUD, "Pyramid scheme", 3, 314),
    b("34(l)", FRAUD, "Securities fraud", 3, 322),
    b("34(m)", FRAUD, "Wire", 3, 315),
    b("34(z)", FRAUD, "Other", 3, 999),
    b("36(a)", LAUNDERING, "Exchange small bills for large bills or vice versa", 5, 501),
    b("36(b)", LAUNDERING, "Funnel account", 5, 513),
    b("36(c)", LAUNDERING, "Suspicion concerning the physical condition of funds", 5, 502),
    b("36(d)", LAUNDERING, "Suspicion concerning the source of funds", 5, 503),
    b(
        "36(e)",
        LAUNDERING,
        "Suspicious designation of beneficiaries, assignees or joint owners",
        5,
        504,
    ),
    b("36(f)", LAUNDERING, "Suspicious EFT/wire transfers", 5, 505),
    b("36(g)", LAUNDERING, "Suspicious exchange of currencies", 5, 506),
    b("36(h)", LAUNDERING, "Suspicious receipt of government payments/benefits", 5, 507),
    b("36(i)", LAUNDERING, "Suspicious use of multiple accounts", 5, 508),
    b("36(j)", LAUNDERING, "Suspicious use of noncash monetary instruments", 5, 509),
    b("36(k)", LAUNDERING, "Suspicious use of third-party transactors (straw-man)", 5, 510),
    b("36(l)", LAUNDERING, "Trade-based money laundering/Black market peso exchange", 5, 511),
    b("36(m)", LAUNDERING, "Transaction out of pattern for customer(s)", 5, 512),
    b("36(z)", LAUNDERING, "Other", 5, 999),
    b("37(a)", IDENTIFICATION, "Changes spelling or arrangement of name", 6, 601),
    b("37(b)", IDENTIFICATION, "Multiple individuals with same or similar identities", 6, 602),
    b("37(c)", IDENTIFICATION, "Provided questionable or false documentation", 6, 603),
    b("37(d)", IDENTIFICATION, "Provided questionable or false identification", 6, 606),
    b("37(e)", IDENTIFICATION, "Refused or avoided request for documentation", 6, 604),
    b("37(f)", IDENTIFICATION, "Single individual with multiple identities", 6, 605),
    b("37(z)", IDENTIFICATION, "Other", 6, 999),
    b("38(a)", OTHER, "Account takeover", 7, 701),
    b("38(b)", OTHER, "Bribery or gratuity", 7, 702),
    b("38(c)", OTHER, "Counterfeit instruments", 7, 703),
    b("38(d)", OTHER, "Elder financial exploitation", 7, 704),
    b("38(e)", OTHER, "Embezzlement/theft/disappearance of funds", 7, 705),
    b("38(f)", OTHER, "Forgeries", 7, 706),
    b("38(g)", OTHER, "Human smuggling", 7, 717),
    b("38(h)", OTHER, "Human trafficking", 7, 718),
    b("38(i)", OTHER, "Identity theft", 7, 707),
    b(
        "38(j)",
        OTHER,
        "Little or no concern for product performance penalties, fees, or tax consequences",
        7,
        708,
    ),
    b("38(k)", OTHER, "Misuse of position or self-dealing", 7, 709),
    b("38(l)", OTHER, "Suspected public/private corruption (domestic)", 7, 710),
    b("38(m)", OTHER, "Suspected public/private corruption (foreign)", 7, 711),
    b("38(n)", OTHER, "Suspicious use of informal value transfer system", 7, 712),
    b("38(o)", OTHER, "Suspicious use of multiple transaction locations", 7, 713),
    b("38(p)", OTHER, "Transaction with no apparent economic, business, or lawful purpose", 7, 714),
    b("38(q)", OTHER, "Transaction(s) involving foreign high risk jurisdiction", 7, 719),
    b("38(r)", OTHER, "Two or more individuals working together", 7, 715),
    b("38(s)", OTHER, "Unlicensed or unregistered MSB", 7, 716),
    b("38(z)", OTHER, "Other", 7, 999),
];

/// The "other" subtype: the box needs a description.
pub(crate) const OTHER_SUBTYPE: u16 = 999;

/// The box for a form item (`36(l)`, case and spaces ignored).
pub fn activity_box(item: &str) -> Option<&'static ActivityBox> {
    let key: String =
        item.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_lowercase();
    ACTIVITY_BOXES.iter().find(|b| b.item == key)
}

/// The box for a type/subtype pair.
pub(crate) fn box_for_ids(type_id: &str, subtype_id: &str) -> Option<&'static ActivityBox> {
    ACTIVITY_BOXES
        .iter()
        .find(|b| b.type_id.to_string() == type_id && b.subtype_id.to_string() == subtype_id)
}

/// A box ticked on the SAR, by form item, with the description FinCEN
/// wants for an "other" box.
///
/// In JSON either a string (`"36(b)"`) or an object
/// (`{"item": "38(z)", "other": "Sanctions evasion"}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Classification {
    /// The form item, e.g. `36(b)`.
    pub item: String,
    /// The description, required for the `(z)` "other" boxes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other: Option<String>,
}

impl Classification {
    /// A box without description.
    pub fn item(item: &str) -> Classification {
        Classification { item: item.to_owned(), other: None }
    }

    /// An "other" box with its description.
    pub fn other(item: &str, description: &str) -> Classification {
        Classification { item: item.to_owned(), other: Some(description.to_owned()) }
    }
}

impl<'de> Deserialize<'de> for Classification {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Classification, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            Item(String),
            Full {
                item: String,
                #[serde(default)]
                other: Option<String>,
            },
        }
        Ok(match Form::deserialize(deserializer)? {
            Form::Item(item) => Classification { item, other: None },
            Form::Full { item, other } => Classification { item, other },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_and_id_pairs_are_unique() {
        for (i, a) in ACTIVITY_BOXES.iter().enumerate() {
            for b in &ACTIVITY_BOXES[i + 1..] {
                assert_ne!(a.item, b.item);
                assert_ne!((a.type_id, a.subtype_id), (b.type_id, b.subtype_id), "{}", b.item);
            }
        }
        assert_eq!(activity_box(" 36(L) ").map(|b| b.subtype_id), Some(511));
    }
}
