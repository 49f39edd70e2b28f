//! The algorithms with their features and coefficients, for the
//! `/algorithms` endpoint and the documentation.

use serde::Serialize;
use vigia_index::{Similarities, Weights};

use crate::{Algorithm, ScoreConfig};

/// One feature of an algorithm.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeatureInfo {
    /// The feature name, as it appears in explanations.
    pub name: String,
    /// What it measures.
    pub description: String,
    /// Its coefficient (a weight, a similarity, a factor or a penalty).
    pub coefficient: f64,
}

/// An algorithm and its features.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlgorithmInfo {
    /// The algorithm's name.
    pub name: String,
    /// Other names it answers to (yente's).
    pub aliases: Vec<String>,
    /// What it does.
    pub description: String,
    /// Its features and coefficients.
    pub features: Vec<FeatureInfo>,
}

fn feature(name: &str, description: &str, coefficient: f32) -> FeatureInfo {
    FeatureInfo {
        name: name.to_owned(),
        description: description.to_owned(),
        coefficient: (f64::from(coefficient) * 1000.0).round() / 1000.0,
    }
}

/// Every algorithm with its default features and coefficients.
pub fn algorithms() -> Vec<AlgorithmInfo> {
    let c = ScoreConfig::default();
    let w = Weights::default();
    let s = Similarities::default();
    let name_features = vec![
        feature("weight_word", "weight of an ordinary name part, before rarity", w.word),
        feature("weight_number", "weight of a number (13 in MS-13)", w.number),
        feature("weight_initial", "weight of an initial", w.initial),
        feature("weight_particle", "weight of a particle (bin, al, de)", w.particle),
        feature("weight_legal_form", "weight of a legal form (S.A. de C.V., LLC)", w.legal_form),
        feature(
            "weight_org_word",
            "weight of a generic organisation word (cartel, group)",
            w.org_word,
        ),
        feature("weight_honorific", "weight of an honorific (mr, sheikh)", w.honorific),
        feature("family_name_factor", "multiplier for a known family name", w.family),
        feature(
            "middle_name_factor",
            "multiplier for a person's middle name (a given name after the first)",
            w.middle_name,
        ),
        feature(
            "rarity_floor",
            "weight multiplier of the commonest listed tokens (rarest: 1.0)",
            0.4,
        ),
        feature(
            "sim_symbol",
            "similarity of two spellings of one name (Mohammed, Muhammad)",
            s.symbol,
        ),
        feature("sim_one_edit", "similarity at one edit, parts of 5 letters or more", s.one_edit),
        feature(
            "sim_one_edit_short",
            "similarity at one edit, parts of 3-4 letters (same first letter)",
            s.one_edit_short,
        ),
        feature(
            "sim_two_edits",
            "similarity at two edits, parts of 8 letters or more",
            s.two_edits,
        ),
        feature(
            "sim_phonetic",
            "similarity of parts with the same Double Metaphone key",
            s.phonetic,
        ),
        feature("sim_skeleton", "similarity of parts with the same consonant skeleton", s.skeleton),
        feature("sim_relaxed", "similarity found only by the relaxed safety-net lookup", s.relaxed),
        feature("sim_initial", "similarity of an initial and a name starting with it", s.initial),
        feature("sim_acronym", "name score of an acronym against the name it abbreviates", 0.9),
        feature(
            "extra_listed_penalty",
            "cost of an unmatched listed part relative to an unmatched query part",
            c.extra_listed_penalty,
        ),
        feature("extra_listed_cap", "most unmatched listed weight that counts", c.extra_listed_cap),
        feature(
            "lone_name_cap",
            "most unmatched listed weight that counts when a rare family name or nickname alone matched exactly",
            c.lone_name_cap,
        ),
        feature(
            "lone_name_rarity",
            "least rarity (0.4..1.0) of a name given alone for lone_name_cap to apply",
            c.lone_name_rarity,
        ),
        feature(
            "uninformative_cap",
            "highest name score when only generic words matched",
            c.uninformative_cap,
        ),
        feature(
            "number_mismatch",
            "subtracted when both names carry numbers and none agree",
            c.number_mismatch,
        ),
        feature(
            "swap_penalty",
            "subtracted per given name paired with a family name",
            c.swap_penalty,
        ),
        feature(
            "order_penalty",
            "subtracted per pair of parts in opposite order (at most two)",
            c.order_penalty,
        ),
        feature(
            "weak_alias_factor",
            "factor for a match on a weak alias (nickname)",
            c.weak_alias_factor,
        ),
        feature(
            "previous_name_factor",
            "factor for a match on a former name",
            c.previous_name_factor,
        ),
    ];
    let evidence = vec![
        feature(
            "name_only_factor",
            "factor of a name match nothing corroborates (rises to 1.0 with evidence)",
            c.name_only_factor,
        ),
        feature("dob_match", "corroboration by the same birth date (same year: 0.6)", 1.0),
        feature("country_match", "corroboration by a country in common", 0.4),
        feature(
            "identifier_match",
            "the same identifier: score at least this floor",
            c.identifier_floor,
        ),
        feature("dob_day_disjoint", "same birth year, different day or month", -c.dob_same_year),
        feature("dob_swap", "birth dates with day and month swapped", -c.dob_swap),
        feature("dob_year_disjoint_1", "birth years one apart", -c.dob_one_year),
        feature("dob_year_disjoint_3", "birth years two or three apart", -c.dob_few_years),
        feature("dob_year_disjoint", "birth years further apart", -c.dob_far),
        feature("country_mismatch", "no country in common", -c.country_mismatch),
        feature("gender_mismatch", "different genders", -c.gender_mismatch),
        feature(
            "identifier_mismatch",
            "different unique identifiers (LEI, IMO, MMSI, BIC)",
            -c.identifier_mismatch,
        ),
    ];
    let o = ScoreConfig::for_algorithm(Algorithm::Ofac);
    vec![
        AlgorithmInfo {
            name: Algorithm::Vigia.name().to_owned(),
            aliases: ["best", "logic-v2", "logic-v1", "name-qualified", "regression-v1"].map(String::from).to_vec(),
            description: "Aligns name parts order-free with rarity and family-name weights (unmatched listed parts cost \
                          less than unmatched query parts), then weighs birth date, country, gender and identifiers. A \
                          name match that nothing corroborates scores at most 0.9."
                .to_owned(),
            features: name_features.iter().cloned().chain(evidence).collect(),
        },
        AlgorithmInfo {
            name: Algorithm::VigiaName.name().to_owned(),
            aliases: vec!["name-based".to_owned()],
            description: "The vigia name alignment alone, without secondary evidence.".to_owned(),
            features: name_features,
        },
        AlgorithmInfo {
            name: Algorithm::Ofac.name().to_owned(),
            aliases: Vec::new(),
            description: "Emulates OFAC's Sanctions List Search (FAQ 249): the higher of whole-name Jaro-Winkler (same \
                          first letter) and per-part Jaro-Winkler/Soundex; query parts of two letters or fewer dropped."
                .to_owned(),
            features: vec![
                feature("ofac_name_score", "max(whole-name JW, mean per-part best JW or 0.9 on Soundex agreement)", 1.0),
                feature("country_mismatch", "no country in common", -o.country_mismatch),
                feature("dob_year_disjoint", "birth years differ", -o.dob_far),
                feature("dob_day_disjoint", "same birth year, different day or month", -o.dob_same_year),
                feature("gender_mismatch", "different genders", -o.gender_mismatch),
            ],
        },
    ]
}
