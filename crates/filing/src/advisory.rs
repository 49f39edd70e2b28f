//! FinCEN advisory key terms that SARs cite, with the form boxes the
//! advisories point to.
//!
//! FinCEN asks filers to put an advisory's key term in SAR field 2 (Filing
//! Institution Note to FinCEN) and in the narrative; [`crate::SarFiling`]
//! does both with whatever terms the case carries. This table lets the
//! workflow layer pick the right term (for the §2313a orders there is one
//! per institution) and suggest the boxes. Key terms are copied exactly as
//! the advisories (or, where marked, secondary summaries of them) give
//! them; a term FinCEN issues later needs no code change: it is just a
//! string on the case.

/// An advisory and its key term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyTerm {
    /// The key term, exactly as FinCEN asks for it.
    pub term: &'static str,
    /// The FinCEN product that asks for it.
    pub advisory: &'static str,
    /// What it is about.
    pub topic: &'static str,
    /// SAR form boxes the advisory asks filers to tick, if any.
    pub boxes: &'static [&'static str],
    /// Where the term was read.
    pub source: &'static str,
}

/// Known key terms.
pub const KEY_TERMS: &[KeyTerm] = &[
    KeyTerm {
        term: "CIBanco2313a FIN-2025",
        advisory: "FinCEN order under 21 USC 2313a naming CIBanco (25 Jun 2025, effective 20 Oct 2025)",
        topic: "transmittals of funds from or to CIBanco",
        boxes: &[],
        source: "FinCEN 2313a orders, as summarised by compliance practitioners",
    },
    KeyTerm {
        term: "Intercam2313a FIN-2025",
        advisory: "FinCEN order under 21 USC 2313a naming Intercam (25 Jun 2025, effective 20 Oct 2025)",
        topic: "transmittals of funds from or to Intercam",
        boxes: &[],
        source: "FinCEN 2313a orders, as summarised by compliance practitioners",
    },
    KeyTerm {
        term: "Vector2313a FIN-2025",
        advisory: "FinCEN order under 21 USC 2313a naming Vector Casa de Bolsa (25 Jun 2025, effective 20 Oct 2025)",
        topic: "transmittals of funds from or to Vector",
        boxes: &[],
        source: "FinCEN 2313a orders, as summarised by compliance practitioners",
    },
    KeyTerm {
        term: "CMLN-2025-A003",
        advisory: "FIN-2025-A003 (28 Aug 2025)",
        topic: "Chinese money-laundering networks",
        boxes: &["38(n)", "38(s)", "36(l)"],
        source: "FIN-2025-A003, as summarised by compliance practitioners",
    },
    KeyTerm {
        term: "FENTANYL FIN-2024-A002",
        advisory: "FIN-2024-A002 (20 Jun 2024)",
        topic: "fentanyl precursor chemicals and manufacturing equipment",
        boxes: &[],
        source: "FIN-2024-A002, as summarised by compliance practitioners",
    },
    KeyTerm {
        term: "FIN-2023-HUMANSMUGGLING",
        advisory: "FIN-2023-Alert001 (13 Jan 2023)",
        topic: "human smuggling along the south-west border",
        boxes: &["38(g)"],
        source: "FIN-2023-Alert001 (reprinted copy)",
    },
    KeyTerm {
        term: "FIN-2025-OILSMUGGLING",
        advisory: "FinCEN alert on oil smuggling by Mexico-based cartels (1 May 2025)",
        topic: "cartel crude-oil smuggling",
        boxes: &[],
        source: "secondary summaries of the alert only: check the alert before relying on it",
    },
];

/// The key term of the §2313a order naming an institution, by the
/// institution's name as a case records it (`CIBanco`, `Intercam Banco`,
/// `Vector Casa de Bolsa`), case-insensitively.
pub fn section_2313a_term(institution: &str) -> Option<&'static str> {
    let name = institution.to_lowercase();
    let name = name.replace([' ', '.'], "");
    if name.contains("cibanco") {
        Some("CIBanco2313a FIN-2025")
    } else if name.contains("intercam") {
        Some("Intercam2313a FIN-2025")
    } else if name.contains("vectorcasadebolsa") || name == "vector" {
        Some("Vector2313a FIN-2025")
    } else {
        None
    }
}

/// The entry for a key term.
pub fn key_term(term: &str) -> Option<&'static KeyTerm> {
    KEY_TERMS.iter().find(|k| k.term.eq_ignore_ascii_case(term.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_2313a_institution_has_its_own_term() {
        assert_eq!(section_2313a_term("CIBanco S.A."), Some("CIBanco2313a FIN-2025"));
        assert_eq!(section_2313a_term("Intercam Banco"), Some("Intercam2313a FIN-2025"));
        assert_eq!(
            section_2313a_term("Vector Casa de Bolsa SA de CV"),
            Some("Vector2313a FIN-2025")
        );
        assert_eq!(section_2313a_term("Banco Azteca"), None);
        assert!(KEY_TERMS.iter().all(|k| k.term.len() <= 50 && !k.term.contains(';')));
        for k in KEY_TERMS {
            for b in k.boxes {
                assert!(crate::activity_box(b).is_some(), "{b}");
            }
        }
    }
}
