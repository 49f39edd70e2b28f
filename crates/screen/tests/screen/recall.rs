//! Property test: on random lists and perturbed queries, candidate
//! generation finds every listed entity that a brute-force scan (scoring
//! every query form against every listed name) scores at or above the
//! cut-off — unless a cap was hit, which the result then reports.

use std::sync::Arc;

use proptest::prelude::*;
use vigia_index::{Candidate, Evidence, Index, IndexBuilder, IndexConfig, NameHit, Scratch};
use vigia_model::{Entity, Schema, prop};
use vigia_score::ScoreConfig;

const SYLLABLES: &[&str] = &[
    "ma", "ri", "an", "to", "ka", "le", "mo", "ha", "med", "al", "ja", "qu", "in", "go", "mez",
    "ro", "sa", "la", "fer", "nan", "dez", "lu", "is", "car", "los", "gar", "cia", "ab", "dul",
    "rah", "man", "ser", "gei", "ivan", "ov",
];

fn word() -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(SYLLABLES), 1..4).prop_map(|s| s.concat())
}

fn name() -> impl Strategy<Value = Vec<String>> {
    proptest::collection::vec(word(), 1..5)
}

/// A perturbation of a listed name: a typo, a transposition, a dropped or
/// added part, a reordering, or nothing.
#[derive(Debug, Clone)]
enum Perturbation {
    Same,
    Typo { part: usize, at: usize, letter: char },
    Transpose { part: usize, at: usize },
    Drop { part: usize },
    Add { word: String },
    Reverse,
    Join { part: usize },
}

fn perturbation() -> impl Strategy<Value = Perturbation> {
    prop_oneof![
        Just(Perturbation::Same),
        (0usize..5, 0usize..12, proptest::char::range('a', 'z'))
            .prop_map(|(part, at, letter)| Perturbation::Typo { part, at, letter }),
        (0usize..5, 0usize..12).prop_map(|(part, at)| Perturbation::Transpose { part, at }),
        (0usize..5).prop_map(|part| Perturbation::Drop { part }),
        word().prop_map(|word| Perturbation::Add { word }),
        Just(Perturbation::Reverse),
        (0usize..5).prop_map(|part| Perturbation::Join { part }),
    ]
}

fn perturb(parts: &[String], how: &Perturbation) -> Vec<String> {
    let mut parts = parts.to_vec();
    let n = parts.len();
    match how {
        Perturbation::Same => {}
        Perturbation::Typo { part, at, letter } => {
            let p = &mut parts[part % n];
            let mut chars: Vec<char> = p.chars().collect();
            let i = at % chars.len();
            chars[i] = *letter;
            *p = chars.into_iter().collect();
        }
        Perturbation::Transpose { part, at } => {
            let p = &mut parts[part % n];
            let mut chars: Vec<char> = p.chars().collect();
            if chars.len() >= 2 {
                let i = at % (chars.len() - 1);
                chars.swap(i, i + 1);
            }
            *p = chars.into_iter().collect();
        }
        Perturbation::Drop { part } => {
            if n > 1 {
                parts.remove(part % n);
            }
        }
        Perturbation::Add { word } => parts.push(word.clone()),
        Perturbation::Reverse => parts.reverse(),
        Perturbation::Join { part } => {
            if n > 1 {
                let i = part % (n - 1);
                let next = parts.remove(i + 1);
                parts[i].push_str(&next);
            }
        }
    }
    parts
}

/// The listed entity of random name `i`: its name and the test dataset.
fn listed_entity(i: usize, schema: Schema, name: &str) -> Entity {
    let mut entity = Entity::new(format!("e{i}"), schema);
    entity.add(prop::NAME, name);
    entity.add_dataset("random");
    entity
}

/// An index of these entities, with the default configuration.
fn index_of(entities: impl IntoIterator<Item = Entity>) -> Arc<Index> {
    let mut builder = IndexBuilder::new(IndexConfig::default());
    for entity in entities {
        builder.add(entity);
    }
    Arc::new(builder.finish())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    #[test]
    fn candidates_cover_brute_force(
        listed in proptest::collection::vec(name(), 5..40),
        pick in 0usize..40,
        how in perturbation(),
        cutoff in 0.3f32..0.9,
    ) {
        let index = index_of(
            listed.iter().enumerate().map(|(i, parts)| listed_entity(i, Schema::Person, &parts.join(" "))),
        );
        let source = &listed[pick % listed.len()];
        let mut query = Entity::new("q", Schema::Person);
        query.add(prop::NAME, &perturb(source, &how).join(" "));
        let prepared = index.prepare(&query);
        let evidence = Evidence::of(&query);
        let config = ScoreConfig::default();
        let set = index.candidates(&prepared, cutoff, &|_| true, &mut Scratch::new());
        // Without the safety net's names, the same set: the candidates
        // reaching the cut-off, the flags and the caps.
        let reaching = index.candidates_reaching(&prepared, cutoff, &|_| true, &mut Scratch::new());
        let mut expected = set.clone();
        expected.candidates.retain(|c| c.bound >= cutoff);
        prop_assert_eq!(reaching, expected);
        if set.caps_hit > 0 {
            // The cap is reported with the result: completeness is not
            // claimed for this query.
            return Ok(());
        }
        for record in 0..index.records().len() as u32 {
            let names = index.record(record).names.clone();
            let mut hits = Vec::new();
            for (qn, query_name) in prepared.names.iter().enumerate() {
                for qf in 0..query_name.forms.len() {
                    for name in names.clone() {
                        hits.push(NameHit { name, query_name: qn as u16, form: qf as u16, bound: 1.0 });
                    }
                }
            }
            let brute = Candidate { record, bound: 1.0, names: hits, identifier_hit: false };
            let scored = vigia_score::score(&index, &prepared, &evidence, &brute, &config);
            if scored.score >= cutoff {
                let found = set.candidates.iter().find(|c| c.record == record);
                prop_assert!(
                    found.is_some(),
                    "record {} ({:?}) scores {} >= {} by brute force but is not a candidate for {:?}",
                    record, index.record(record).entity.caption(), scored.score, cutoff, query.caption()
                );
                let via_index = vigia_score::score(&index, &prepared, &evidence, found.unwrap(), &config);
                prop_assert!((via_index.score - scored.score).abs() < 1e-6,
                    "record {} scores {} via the index but {} by brute force", record, via_index.score, scored.score);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 100, .. ProptestConfig::default() })]

    /// Scoring with a floor gives up only on candidates that score below
    /// it, and gives the others the score they get without one, evidence
    /// (birth dates, countries) included.
    #[test]
    fn a_scoring_floor_drops_only_what_scores_below_it(
        listed in proptest::collection::vec(name(), 5..30),
        pick in 0usize..30,
        how in perturbation(),
        floor in 0.3f32..0.9,
        years in proptest::collection::vec(1950u16..1990, 30),
        evidence_on_query in any::<bool>(),
    ) {
        let index = index_of(listed.iter().enumerate().map(|(i, parts)| {
            let mut entity = listed_entity(i, Schema::Person, &parts.join(" "));
            entity.add(prop::BIRTH_DATE, &years[i].to_string());
            entity.add(prop::NATIONALITY, if i % 2 == 0 { "mx" } else { "co" });
            entity
        }));
        let source = &listed[pick % listed.len()];
        let mut query = Entity::new("q", Schema::Person);
        query.add(prop::NAME, &perturb(source, &how).join(" "));
        if evidence_on_query {
            query.add(prop::BIRTH_DATE, &years[pick % years.len()].to_string());
            query.add(prop::NATIONALITY, "mx");
        }
        let prepared = index.prepare(&query);
        let evidence = Evidence::of(&query);
        let config = ScoreConfig::default();
        let set = index.candidates(&prepared, 0.0, &|_| true, &mut Scratch::new());
        for candidate in &set.candidates {
            let full = vigia_score::score_candidate(&index, &prepared, &evidence, candidate, &config, false);
            let reaching = vigia_score::score_candidate_reaching(
                &index, &prepared, &evidence, candidate, &config, floor,
            );
            // The same, with the evidence made only when a score needs it
            // (from the identifiers alone until then).
            let made = std::cell::Cell::new(false);
            let lazily = std::cell::OnceCell::new();
            let lazy = vigia_score::score_candidate_reaching_lazily(
                &index,
                &prepared,
                &|| lazily.get_or_init(|| { made.set(true); Evidence::of(&query) }),
                candidate,
                &config,
                floor,
            );
            prop_assert_eq!(&lazy, &reaching);
            if lazy.is_none() {
                prop_assert!(!made.get(), "evidence made for a candidate dropped at the floor");
            }
            match reaching {
                None => prop_assert!(full.score < floor, "dropped at {} but scores {}", floor, full.score),
                Some(s) => prop_assert_eq!(s, full),
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Scoring for explanations and scoring alone give the same scores:
    /// the alignment for a score alone keeps neither its pairings nor the
    /// reasons for its penalties, and must still apply every penalty
    /// (numbers that differ, parts out of order, only generic words).
    #[test]
    fn scores_with_and_without_explanations_agree(
        listed in proptest::collection::vec(name(), 5..30),
        pick in 0usize..30,
        how in perturbation(),
        numbers in proptest::collection::vec(0u8..4, 30),
        reversed in any::<bool>(),
    ) {
        let index = index_of(listed.iter().enumerate().map(|(i, parts)| {
            let mut text = parts.join(" ");
            if numbers[i] > 0 {
                text.push_str(&format!(" {} trading ltd", numbers[i]));
            }
            listed_entity(i, Schema::LegalEntity, &text)
        }));
        let source = &listed[pick % listed.len()];
        let mut parts = perturb(source, &how);
        if reversed {
            parts.reverse();
        }
        let number = numbers[(pick + 1) % numbers.len()];
        if number > 0 {
            parts.push(number.to_string());
        }
        let mut query = Entity::new("q", Schema::LegalEntity);
        query.add(prop::NAME, &parts.join(" "));
        let prepared = index.prepare(&query);
        let evidence = Evidence::of(&query);
        let config = ScoreConfig::default();
        let set = index.candidates(&prepared, 0.0, &|_| true, &mut Scratch::new());
        for candidate in &set.candidates {
            let alone =
                vigia_score::score_candidate(&index, &prepared, &evidence, candidate, &config, false);
            let explained =
                vigia_score::score_candidate(&index, &prepared, &evidence, candidate, &config, true);
            prop_assert_eq!(alone.score, explained.score);
            prop_assert_eq!(alone.name_score, explained.name_score);
        }
    }
}
