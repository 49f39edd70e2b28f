//! Secondary evidence: birth dates, countries, gender and identifiers that
//! confirm or contradict a name match.
//!
//! Evidence is compared only when both sides have it: a query without a
//! birth date neither gains nor loses. Agreement corroborates (it lifts a
//! name-only score towards 1.0, see `ScoreConfig::name_only_factor`);
//! disagreement subtracts, by how far apart the two sides are, so a birth
//! date one day, month or year off (a typo) costs little and a decade
//! apart costs a lot.

use vigia_index::Evidence;
use vigia_model::PartialDate;

use crate::ScoreConfig;

/// The outcome of comparing one kind of evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceFinding {
    /// The feature name (`dob_match`, `dob_year_disjoint`,
    /// `country_mismatch`, ...).
    pub feature: &'static str,
    /// Corroboration gained (0..=1), for agreement.
    pub corroboration: f32,
    /// Penalty subtracted from the score, for disagreement.
    pub penalty: f32,
    /// What was compared and found, in words.
    pub detail: String,
    /// The query side's values.
    pub query: String,
    /// The listed side's values.
    pub candidate: String,
}

/// Compares all evidence of a query and a listed entity.
pub(crate) fn compare(
    query: &Evidence,
    listed: &Evidence,
    config: &ScoreConfig,
    describe: bool,
) -> (Vec<EvidenceFinding>, bool) {
    if query.birth_dates.is_empty()
        && query.countries.is_empty()
        && query.gender.is_none()
        && query.identifiers.is_empty()
    {
        return (Vec::new(), false);
    }
    let mut findings = Vec::new();
    if let Some(f) = birth_dates(&query.birth_dates, &listed.birth_dates, config, describe) {
        findings.push(f);
    }
    if let Some(f) = countries(&query.countries, &listed.countries, config, describe) {
        findings.push(f);
    }
    if let (Some(q), Some(l)) = (query.gender, listed.gender)
        && q != l
    {
        let (detail, query, candidate) = if describe {
            (
                "the genders differ".into(),
                format!("{q:?}").to_lowercase(),
                format!("{l:?}").to_lowercase(),
            )
        } else {
            (String::new(), String::new(), String::new())
        };
        findings.push(EvidenceFinding {
            feature: "gender_mismatch",
            corroboration: 0.0,
            penalty: config.gender_mismatch,
            detail,
            query,
            candidate,
        });
    }
    let mut identifier_match = false;
    for q in &query.identifiers {
        if let Some(l) = listed.identifiers.iter().find(|l| l.normalized == q.normalized) {
            identifier_match = true;
            findings.push(EvidenceFinding {
                feature: "identifier_match",
                corroboration: 1.0,
                penalty: 0.0,
                detail: format!("the same {} on both sides", l.kind.label()),
                query: q.value.clone(),
                candidate: l.value.clone(),
            });
            break;
        }
    }
    if !identifier_match {
        for q in query.identifiers.iter().filter(|q| q.kind.contradicts_when_different()) {
            let same_kind: Vec<_> =
                listed.identifiers.iter().filter(|l| l.kind == q.kind).collect();
            if !same_kind.is_empty() {
                findings.push(EvidenceFinding {
                    feature: "identifier_mismatch",
                    corroboration: 0.0,
                    penalty: config.identifier_mismatch,
                    detail: format!("different {} (one entity has one)", q.kind.label()),
                    query: q.value.clone(),
                    candidate: same_kind
                        .iter()
                        .map(|l| l.value.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                });
                break;
            }
        }
    }
    (findings, identifier_match)
}

fn join_dates(dates: &[PartialDate]) -> String {
    let mut shown: Vec<String> = dates.iter().take(6).map(|d| d.to_string()).collect();
    if dates.len() > 6 {
        shown.push(format!("… ({} in all)", dates.len()));
    }
    shown.join(", ")
}

fn birth_dates(
    query: &[PartialDate],
    listed: &[PartialDate],
    config: &ScoreConfig,
    describe: bool,
) -> Option<EvidenceFinding> {
    if query.is_empty() || listed.is_empty() {
        return None;
    }
    let (q_text, l_text) = if describe {
        (join_dates(query), join_dates(listed))
    } else {
        (String::new(), String::new())
    };
    let finding = |feature, corroboration, penalty, detail: String| EvidenceFinding {
        feature,
        corroboration,
        penalty,
        detail: if describe { detail } else { String::new() },
        query: q_text.clone(),
        candidate: l_text.clone(),
    };
    let mut best_overlap: Option<(PartialDate, PartialDate)> = None;
    for q in query {
        for l in listed {
            if q.overlaps(l) {
                let precise = q.day.is_some() && l.day.is_some();
                let better = match best_overlap {
                    None => true,
                    Some((bq, bl)) => precise && !(bq.day.is_some() && bl.day.is_some()),
                };
                if better {
                    best_overlap = Some((*q, *l));
                }
            }
        }
    }
    if let Some((q, l)) = best_overlap {
        let (corroboration, what) = if q.day.is_some() && l.day.is_some() {
            (1.0, "the same birth date")
        } else {
            (0.6, "compatible birth dates (same year)")
        };
        return Some(finding("dob_match", corroboration, 0.0, what.to_owned()));
    }
    if query.iter().any(|q| listed.iter().any(|l| q.is_day_month_swap(l))) {
        return Some(finding(
            "dob_day_disjoint",
            0.0,
            config.dob_swap,
            "birth dates with day and month swapped".into(),
        ));
    }
    let distance = query
        .iter()
        .flat_map(|q| listed.iter().map(move |l| q.year.abs_diff(l.year)))
        .min()
        .unwrap_or(u16::MAX);
    let (feature, penalty, detail) = match distance {
        0 => (
            "dob_day_disjoint",
            config.dob_same_year,
            "same birth year, different day or month".to_owned(),
        ),
        1 => ("dob_year_disjoint", config.dob_one_year, "birth years one year apart".to_owned()),
        2..=3 => (
            "dob_year_disjoint",
            config.dob_few_years,
            format!("birth years {distance} years apart"),
        ),
        _ => ("dob_year_disjoint", config.dob_far, format!("birth years {distance} years apart")),
    };
    Some(finding(feature, 0.0, penalty, detail))
}

fn countries(
    query: &[String],
    listed: &[String],
    config: &ScoreConfig,
    describe: bool,
) -> Option<EvidenceFinding> {
    if query.is_empty() || listed.is_empty() {
        return None;
    }
    if !describe {
        // Whether one country is shared is all that counts here: the first
        // found ends the search (each listed country is read from the heap).
        let (feature, corroboration, penalty) = if !query.iter().any(|q| listed.contains(q)) {
            ("country_mismatch", 0.0, config.country_mismatch)
        } else {
            ("country_match", 0.4, 0.0)
        };
        return Some(EvidenceFinding {
            feature,
            corroboration,
            penalty,
            detail: String::new(),
            query: String::new(),
            candidate: String::new(),
        });
    }
    let shared: Vec<&String> = query.iter().filter(|q| listed.contains(q)).collect();
    let q_text = query.join(", ");
    let l_text = listed.join(", ");
    Some(if shared.is_empty() {
        EvidenceFinding {
            feature: "country_mismatch",
            corroboration: 0.0,
            penalty: config.country_mismatch,
            detail: "no country in common".into(),
            query: q_text,
            candidate: l_text,
        }
    } else {
        EvidenceFinding {
            feature: "country_match",
            corroboration: 0.4,
            penalty: 0.0,
            detail: format!(
                "country in common: {}",
                shared.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
            ),
            query: q_text,
            candidate: l_text,
        }
    })
}
