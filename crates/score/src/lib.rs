//! Name and entity similarity: features, scoring algorithms and readable
//! explanations.
//!
//! Pure: a function of the index (the listed side), the prepared query and
//! the configuration. Two algorithms:
//!
//! - `vigia` (the default, also answering to yente's `best`, `logic-v2`,
//!   `logic-v1`, `name-qualified` and `regression-v1`): aligns name parts
//!   order-free with rarity and family-name weights, penalises unmatched
//!   parts asymmetrically, then weighs secondary evidence (birth date,
//!   country, gender, identifiers) the way logic-v2 does, with a graded
//!   score that reaches 1.0 only when something corroborates the name.
//! - `ofac`: an emulation of OFAC's Sanctions List Search (FAQ 249).
//!
//! `vigia-name` is `vigia` without secondary evidence (yente's
//! `name-based`).
//!
//! Every score carries explanations a person can read: which query name
//! matched which listed name, part by part, and what each feature added or
//! took away.

mod algorithms;
mod align;
mod evidence;
pub mod ofac;

use std::collections::BTreeMap;

use serde::Serialize;
use vigia_index::{Candidate, Evidence, Index, NameHit, NameOrigin, PreparedQuery, RecordId};

pub use algorithms::{AlgorithmInfo, FeatureInfo, algorithms};
pub use align::{AlignedPair, Alignment, PairKind, align};
pub use evidence::EvidenceFinding;

/// A scoring algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Algorithm {
    /// Vigia's default: name alignment plus secondary evidence.
    #[default]
    Vigia,
    /// Vigia's name alignment alone.
    VigiaName,
    /// An emulation of OFAC's Sanctions List Search.
    Ofac,
}

impl Algorithm {
    /// The algorithm's name.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Vigia => "vigia",
            Algorithm::VigiaName => "vigia-name",
            Algorithm::Ofac => "ofac",
        }
    }

    /// Parses an algorithm name, accepting yente's names as aliases.
    pub fn parse(name: &str) -> Option<Algorithm> {
        match name.trim().to_ascii_lowercase().as_str() {
            "vigia" | "best" | "default" | "logic-v2" | "logic-v1" | "name-qualified"
            | "regression-v1" => Some(Algorithm::Vigia),
            "vigia-name" | "name-based" => Some(Algorithm::VigiaName),
            "ofac" => Some(Algorithm::Ofac),
            _ => None,
        }
    }
}

/// Coefficients of the scoring algorithms. The defaults are listed by
/// [`algorithms`].
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreConfig {
    /// The algorithm.
    pub algorithm: Algorithm,
    /// How much an unmatched listed part costs relative to an unmatched
    /// query part (0.25: a query may omit a middle name).
    pub extra_listed_penalty: f32,
    /// The most unmatched listed weight that counts (a long listed name
    /// does not drown a rare surname given alone).
    pub extra_listed_cap: f32,
    /// The most unmatched listed weight that counts when the query is a
    /// rare family name or nickname alone and it matched the listed one
    /// exactly: "Oseguera" finds "Nemesio OSEGUERA CERVANTES", "El Mayo"
    /// finds "ZAMBADA, El Mayo".
    pub lone_name_cap: f32,
    /// How rare (0.4..=1.0, see the index's token rarity) that name must
    /// be among the listed names for [`ScoreConfig::lone_name_cap`] to
    /// apply: a common surname alone ("Garcia") must not match.
    pub lone_name_rarity: f32,
    /// The highest name score when only generic words (legal forms,
    /// organisation words, particles, initials) matched.
    pub uninformative_cap: f32,
    /// Subtracted when both names carry numbers and none agree ("MS-13" is
    /// not "MS-18").
    pub number_mismatch: f32,
    /// Subtracted per given name paired with a family name.
    pub swap_penalty: f32,
    /// Subtracted per pair of matched parts in opposite order (at most two).
    pub order_penalty: f32,
    /// Factor for matches on a weak alias (a nickname).
    pub weak_alias_factor: f32,
    /// Factor for matches on a former name.
    pub previous_name_factor: f32,
    /// Factor for a name match that nothing corroborates; corroborating
    /// evidence lifts it towards 1.0.
    pub name_only_factor: f32,
    /// Birth dates with day and month swapped.
    pub dob_swap: f32,
    /// Same birth year, different month or day.
    pub dob_same_year: f32,
    /// Birth years one apart.
    pub dob_one_year: f32,
    /// Birth years two or three apart.
    pub dob_few_years: f32,
    /// Birth years further apart.
    pub dob_far: f32,
    /// No country in common.
    pub country_mismatch: f32,
    /// Different genders.
    pub gender_mismatch: f32,
    /// Different unique identifiers (LEI, IMO, MMSI, BIC).
    pub identifier_mismatch: f32,
    /// The floor of the score when an identifier matches exactly.
    pub identifier_floor: f32,
}

impl Default for ScoreConfig {
    fn default() -> ScoreConfig {
        ScoreConfig {
            algorithm: Algorithm::Vigia,
            extra_listed_penalty: 0.25,
            extra_listed_cap: 2.0,
            lone_name_cap: 0.6,
            lone_name_rarity: 0.9,
            uninformative_cap: 0.5,
            number_mismatch: 0.3,
            swap_penalty: 0.03,
            order_penalty: 0.02,
            weak_alias_factor: 0.85,
            previous_name_factor: 0.95,
            name_only_factor: 0.9,
            dob_swap: 0.05,
            dob_same_year: 0.06,
            dob_one_year: 0.08,
            dob_few_years: 0.15,
            dob_far: 0.3,
            country_mismatch: 0.12,
            gender_mismatch: 0.2,
            identifier_mismatch: 0.25,
            identifier_floor: 0.85,
        }
    }
}

impl ScoreConfig {
    /// The default coefficients of an algorithm.
    pub fn for_algorithm(algorithm: Algorithm) -> ScoreConfig {
        match algorithm {
            Algorithm::Ofac => ScoreConfig {
                algorithm,
                country_mismatch: 0.1,
                dob_one_year: 0.1,
                dob_few_years: 0.1,
                dob_far: 0.1,
                dob_same_year: 0.15,
                dob_swap: 0.075,
                gender_mismatch: 0.1,
                ..ScoreConfig::default()
            },
            _ => ScoreConfig { algorithm, ..ScoreConfig::default() },
        }
    }
}

/// One feature's contribution, as yente reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// The feature's score: a similarity for name features, the amount
    /// added (positive) or taken away (negative) for evidence features.
    pub score: f64,
    /// What was compared and found, in words.
    pub detail: String,
    /// The query side of the comparison.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// The listed side of the comparison.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub candidate: Option<String>,
}

/// A scored candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    /// The listed record.
    pub record: RecordId,
    /// The final score in 0..=1.
    pub score: f32,
    /// The best name score (before evidence).
    pub name_score: f32,
    /// Explanations by feature name.
    pub explanations: BTreeMap<String, Explanation>,
}

fn round(value: f32) -> f64 {
    (f64::from(value) * 1000.0).round() / 1000.0
}

/// Scores one candidate for a prepared query, with explanations.
pub fn score(
    index: &Index,
    query: &PreparedQuery,
    query_evidence: &Evidence,
    candidate: &Candidate,
    config: &ScoreConfig,
) -> Scored {
    score_candidate(index, query, query_evidence, candidate, config, true)
}

/// Scores one candidate; explanations are written only when `explain` (the
/// score is the same either way; explanations cost more than scoring, so
/// screening writes them only for the results it returns).
///
/// Each name hit's `bound` must be an upper bound of its name score, as
/// candidate generation gives (1.0 when unknown): names bounded below the
/// best score so far are not aligned.
pub fn score_candidate(
    index: &Index,
    query: &PreparedQuery,
    query_evidence: &Evidence,
    candidate: &Candidate,
    config: &ScoreConfig,
    explain: bool,
) -> Scored {
    score_reaching(index, query, &|| query_evidence, candidate, config, explain, f32::NEG_INFINITY)
        .unwrap_or_else(|| unreachable!("without a floor every candidate is scored"))
}

/// Scores one candidate, without explanations, unless its score is certain
/// to stay below `floor`: then `None`, and the work that would only have
/// confirmed it (aligning names bounded below the floor, comparing
/// evidence) is not done. A candidate that is scored gets the score
/// [`score_candidate`] gives it.
///
/// Screening drops every candidate scoring below its cut-off, and most
/// candidates it scores do: their best name already scores below it, and
/// evidence can only lower a name score (see [`evidence_never_raises`]).
pub fn score_candidate_reaching(
    index: &Index,
    query: &PreparedQuery,
    query_evidence: &Evidence,
    candidate: &Candidate,
    config: &ScoreConfig,
    floor: f32,
) -> Option<Scored> {
    let floor = effective_floor(floor, &query_evidence.identifiers, config);
    score_reaching(index, query, &|| query_evidence, candidate, config, false, floor)
}

/// As [`score_candidate_reaching`], with the query's evidence made only
/// when a score needs it: `query_evidence` is called once a name scores at
/// `floor` or above (or at once, when evidence may raise a score), and
/// should make the evidence on its first call only. Whether evidence can
/// raise a score is decided from the query's identifiers, which the
/// prepared query holds. Most queries screened have no name near the
/// cut-off, and their evidence (dates parsed, countries resolved) is never
/// read.
pub fn score_candidate_reaching_lazily<'e>(
    index: &Index,
    query: &PreparedQuery,
    query_evidence: &dyn Fn() -> &'e Evidence,
    candidate: &Candidate,
    config: &ScoreConfig,
    floor: f32,
) -> Option<Scored> {
    let floor = effective_floor(floor, &query.identifiers, config);
    score_reaching(index, query, query_evidence, candidate, config, false, floor)
}

/// The floor below which a name score may stop being finished: `floor`
/// when evidence can never raise a score above its name score, else none
/// (negative infinity).
fn effective_floor<T>(floor: f32, query_identifiers: &[T], config: &ScoreConfig) -> f32 {
    if floor > 0.0 && evidence_never_raises(query_identifiers, config) {
        floor
    } else {
        f32::NEG_INFINITY
    }
}

/// Whether the final score can never exceed the name score, so that a
/// name score below a positive floor means a final score below it: no
/// identifier can match (the query has none), corroboration multiplies by
/// at most 1 (`name_only_factor` ≤ 1) and every penalty subtracts.
fn evidence_never_raises<T>(query_identifiers: &[T], config: &ScoreConfig) -> bool {
    query_identifiers.is_empty()
        && config.name_only_factor <= 1.0
        && [
            config.dob_swap,
            config.dob_same_year,
            config.dob_one_year,
            config.dob_few_years,
            config.dob_far,
            config.country_mismatch,
            config.gender_mismatch,
            config.identifier_mismatch,
        ]
        .iter()
        .all(|&penalty| penalty >= 0.0)
}

/// [`score_candidate`], giving up with `None` once the name score is below
/// `floor` (negative infinity: never), which the caller has checked the
/// final score cannot rise above.
fn score_reaching<'e>(
    index: &Index,
    query: &PreparedQuery,
    query_evidence: &dyn Fn() -> &'e Evidence,
    candidate: &Candidate,
    config: &ScoreConfig,
    explain: bool,
    floor: f32,
) -> Option<Scored> {
    let record = index.record(candidate.record);
    let mut explanations = BTreeMap::new();
    let every_name: Vec<NameHit>;
    let pairs: &[NameHit] = if candidate.names.is_empty() {
        // An identifier hit: every query form against every listed name.
        let mut all = Vec::new();
        for (qn, name) in query.names.iter().enumerate() {
            for qf in 0..name.forms.len() {
                for name_id in record.names.clone() {
                    all.push(NameHit {
                        name: name_id,
                        query_name: qn as u16,
                        form: qf as u16,
                        bound: 1.0,
                    });
                }
            }
        }
        every_name = all;
        &every_name
    } else {
        &candidate.names
    };

    let name_score = match config.algorithm {
        Algorithm::Ofac => ofac_names(index, query, pairs, explain, &mut explanations),
        _ => vigia_names(index, query, pairs, config, explain, floor, &mut explanations),
    };
    if name_score < floor {
        return None;
    }

    let mut score = name_score;
    if config.algorithm != Algorithm::VigiaName {
        let (findings, identifier_match) =
            evidence::compare(query_evidence(), &record.evidence, config, explain);
        let corroboration: f32 = findings.iter().map(|f| f.corroboration).sum::<f32>().min(1.0);
        let penalty: f32 = findings.iter().map(|f| f.penalty).sum();
        if config.algorithm == Algorithm::Vigia {
            let factor = config.name_only_factor + (1.0 - config.name_only_factor) * corroboration;
            score = name_score * factor;
            if factor < 1.0 && explain {
                explanations.insert(
                    "corroboration".to_owned(),
                    Explanation {
                        score: round(factor),
                        detail: if corroboration == 0.0 {
                            format!("nothing but the name to go on: name score × {factor:.2}")
                        } else {
                            format!("partly corroborated: name score × {factor:.2}")
                        },
                        query: None,
                        candidate: None,
                    },
                );
            }
        }
        score -= penalty;
        if identifier_match {
            score =
                score.max(config.identifier_floor + (1.0 - config.identifier_floor) * name_score);
        }
        for finding in findings.into_iter().filter(|_| explain) {
            let value =
                if finding.penalty > 0.0 { -finding.penalty } else { finding.corroboration };
            explanations.insert(
                finding.feature.to_owned(),
                Explanation {
                    score: round(value),
                    detail: finding.detail,
                    query: Some(finding.query),
                    candidate: Some(finding.candidate),
                },
            );
        }
    }
    Some(Scored {
        record: candidate.record,
        score: score.clamp(0.0, 1.0),
        name_score,
        explanations,
    })
}

/// What a name's ceiling is raised by before it is compared with the best
/// score so far: far above the rounding of a sum of a few weights, far below
/// any difference of scores that matters.
const CEILING_SLACK: f32 = 1e-4;

fn origin_factor(origin: NameOrigin, config: &ScoreConfig) -> f32 {
    match origin {
        NameOrigin::WeakAlias => config.weak_alias_factor,
        NameOrigin::PreviousName => config.previous_name_factor,
        _ => 1.0,
    }
}

fn vigia_names(
    index: &Index,
    query: &PreparedQuery,
    pairs: &[NameHit],
    config: &ScoreConfig,
    explain: bool,
    floor: f32,
    explanations: &mut BTreeMap<String, Explanation>,
) -> f32 {
    let mut best: Option<(f32, Alignment, &NameHit)> = None;
    for hit in pairs {
        let query_name = &query.names[hit.query_name as usize];
        let form = &query_name.forms[hit.form as usize];
        let name = index.name(hit.name);
        let factor = origin_factor(name.origin, config);
        // Only a strictly better name replaces the best, and a name's
        // alignment never scores above its bound from candidate generation
        // (or the acronym score, which the bound does not cover): a name
        // whose ceiling stays below the best so far need not be aligned.
        // Names come best bound first, so most later ones are skipped. The
        // slack covers the bound's sum being added in another order. A
        // caller's floor skips names the same way: a name below it can
        // neither be the best nor lift the best above the floor.
        let to_beat = best.as_ref().map_or(floor, |(b, _, _)| b.max(floor));
        if to_beat > f32::NEG_INFINITY
            && factor >= 0.0
            && align::ceiling(index, form, &query_name.acronyms, name, hit.bound) * factor
                + CEILING_SLACK
                < to_beat
        {
            continue;
        }
        let alignment =
            align::align_detailed(index, form, &query_name.acronyms, name, config, explain);
        let value = alignment.score * factor;
        let better = match &best {
            None => true,
            Some((b, _, _)) => value > *b,
        };
        if better {
            best = Some((value, alignment, hit));
        }
    }
    let Some((value, alignment, hit)) = best else {
        return 0.0;
    };
    if !explain {
        return value;
    }
    let query_name = &query.names[hit.query_name as usize];
    let form = &query_name.forms[hit.form as usize];
    let name = index.name(hit.name);
    let listed_text: Vec<&str> =
        index.parts(name).iter().map(|p| index.token_text(p.token)).collect();
    let feature =
        if name.origin == NameOrigin::WeakAlias { "weak_alias_match" } else { "name_match" };
    explanations.insert(
        feature.to_owned(),
        Explanation {
            score: round(value),
            detail: describe_alignment(
                index,
                &alignment,
                form,
                name,
                &listed_text.join(" "),
                config,
            ),
            query: Some(query_name.original.clone()),
            candidate: Some(name.original.to_string()),
        },
    );
    value
}

/// The alignment in words: "'joaquin guzman' ≈ 'joaquin archivaldo guzman
/// loera' (alias): joaquin = joaquin (exact); guzman = guzman (exact, family
/// name); not in the query: archivaldo, loera (−0.23)".
fn describe_alignment(
    index: &Index,
    alignment: &Alignment,
    form: &vigia_index::QueryForm,
    name: &vigia_index::IndexedName,
    listed_text: &str,
    config: &ScoreConfig,
) -> String {
    let query_text = &form.text;
    let origin = name.origin;
    let listed = index.parts(name);
    let query_span = |(a, b): (usize, usize)| {
        (a..=b).map(|i| form.parts[i].text.as_str()).collect::<Vec<_>>().join(" ")
    };
    let listed_span = |(a, b): (usize, usize)| {
        (a..=b).map(|j| index.token_text(listed[j].token)).collect::<Vec<_>>().join(" ")
    };
    let origin_word = match origin {
        NameOrigin::Name => "name",
        NameOrigin::Alias => "alias",
        NameOrigin::PreviousName => "former name",
        NameOrigin::WeakAlias => "weak alias",
    };
    let mut out = format!("'{query_text}' ≈ '{listed_text}' ({origin_word})");
    if let Some(acronym) = &alignment.acronym {
        out.push_str(&format!(": '{acronym}' is an acronym of the other name"));
        return out;
    }
    let pairs: Vec<String> = alignment
        .pairs
        .iter()
        .map(|p| {
            let how = match p.kind {
                PairKind::Token(how) => how.label(),
                PairKind::Initial => "initial".to_owned(),
            };
            let relation = if p.sim >= 0.999 { "=" } else { "≈" };
            let swap = if p.swapped { ", given/family swapped" } else { "" };
            format!(
                "{} {relation} {} ({how}, {:.2}{swap})",
                query_span(p.query),
                listed_span(p.listed),
                p.sim
            )
        })
        .collect();
    if !pairs.is_empty() {
        out.push_str(": ");
        out.push_str(&pairs.join("; "));
    }
    if !alignment.unmatched_query.is_empty() {
        let texts: Vec<&str> =
            alignment.unmatched_query.iter().map(|&i| form.parts[i].text.as_str()).collect();
        out.push_str(&format!("; not found in the listed name: {}", texts.join(", ")));
    }
    if !alignment.unmatched_listed.is_empty() {
        let texts: Vec<&str> =
            alignment.unmatched_listed.iter().map(|&j| index.token_text(listed[j].token)).collect();
        out.push_str(&format!(
            "; not in the query: {} (penalty {:.2})",
            texts.join(", "),
            alignment.extra_penalty
        ));
    }
    for (reason, amount) in &alignment.adjustments {
        out.push_str(&format!("; {reason} (−{amount:.2})"));
    }
    match origin {
        NameOrigin::WeakAlias => {
            out.push_str(&format!("; weak alias × {:.2}", config.weak_alias_factor))
        }
        NameOrigin::PreviousName => {
            out.push_str(&format!("; former name × {:.2}", config.previous_name_factor))
        }
        _ => {}
    }
    out
}

fn ofac_names(
    index: &Index,
    query: &PreparedQuery,
    pairs: &[NameHit],
    explain: bool,
    explanations: &mut BTreeMap<String, Explanation>,
) -> f32 {
    let mut best: Option<(f32, String, &NameHit, String)> = None;
    for hit in pairs {
        let query_name = &query.names[hit.query_name as usize];
        let form = &query_name.forms[hit.form as usize];
        let name = index.name(hit.name);
        if form.script != vigia_text::Script::Latin && name.script != form.script {
            continue;
        }
        let listed: Vec<&str> =
            index.parts(name).iter().map(|p| index.token_text(p.token)).collect();
        let listed = listed.join(" ");
        let (value, detail) = ofac::name_score(&form.text, &listed);
        if best.as_ref().is_none_or(|(b, ..)| value > *b) {
            best = Some((value, detail, hit, listed));
        }
    }
    let Some((value, detail, hit, listed)) = best else {
        return 0.0;
    };
    if !explain {
        return value;
    }
    let query_name = &query.names[hit.query_name as usize];
    let form = &query_name.forms[hit.form as usize];
    explanations.insert(
        "ofac_name_score".to_owned(),
        Explanation {
            score: round(value),
            detail: format!("'{}' ~ '{listed}': {detail}", form.text),
            query: Some(query_name.original.clone()),
            candidate: Some(index.name(hit.name).original.to_string()),
        },
    );
    value
}
