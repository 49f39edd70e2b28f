//! Screening benchmarks: name analysis with expansion, candidate
//! generation, scoring, and the whole pipeline per query, over the shared
//! lists when present (else 30,000 synthetic entities), plus the index
//! build.
//!
//! `cargo bench -p vigia-screen --bench screening`

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use vigia_index::{Evidence, Index, IndexBuilder, IndexConfig, Scratch};
use vigia_model::{Entity, Schema, prop};
use vigia_screen::{Query, ScreenConfig, Screener};

fn entities() -> Vec<Entity> {
    if let Some(dir) = vigia_testdata::shared_data("lists/un/UN_consolidated.xml") {
        let files: Vec<std::path::PathBuf> = [
            "lists/un/UN_consolidated.xml",
            "lists/ofac/sdn.csv",
            "lists/ofac/alt.csv",
            "lists/ofac/add.csv",
            "lists/ofac/sdn_comments.csv",
            "lists/canada/sema-lmes.xml",
            "lists/opensanctions/senzing/us_congress_senzing.json",
        ]
        .iter()
        .filter_map(|f| vigia_testdata::shared_data(f))
        .collect();
        let _ = dir;
        if let Ok(sources) = vigia_sources::plan(&files, None) {
            let mut out = Vec::new();
            for source in sources {
                if let Ok((collect, _)) = vigia_sources::read_all(&source) {
                    out.extend(collect.entities);
                }
            }
            if !out.is_empty() {
                return out;
            }
        }
    }
    vigia_testdata::synthetic_entities(30_000, 7)
}

fn index() -> Index {
    let mut builder = IndexBuilder::new(IndexConfig::default());
    builder.extend(entities());
    builder.finish()
}

fn query(name: &str, birth: Option<&str>) -> Query {
    let mut entity = Entity::new("q", Schema::Person);
    entity.add(prop::NAME, name);
    if let Some(date) = birth {
        entity.add(prop::BIRTH_DATE, date);
    }
    Query { id: "q".into(), entity }
}

fn queries() -> Vec<Query> {
    vec![
        query("Patricia Lucas Wheeler", Some("1971-03-02")),
        query("Joaquin Guzman", None),
        query("Mohammed Ali Hassan", Some("1965")),
        query("Abdul Rahman Yasin", None),
        query("Владимир Путин", None),
        query("Maria Fernanda Lopez Garcia", Some("1985-03-12")),
    ]
}

fn bench(c: &mut Criterion) {
    let entities = entities();
    c.bench_function("index build (shared lists or 30k synthetic)", |b| {
        b.iter(|| {
            let mut builder = IndexBuilder::new(IndexConfig::default());
            builder.extend(entities.iter().cloned());
            black_box(builder.finish())
        })
    });
    let index = Arc::new(index());
    let queries = queries();
    c.bench_function("prepare (analysis and expansion, memo warm)", |b| {
        let mut scratch = Scratch::new();
        b.iter(|| {
            for q in &queries {
                black_box(index.prepare_with(&q.entity, &mut scratch));
            }
        })
    });
    c.bench_function("prepare (analysis and expansion, no memo)", |b| {
        b.iter(|| {
            for q in &queries {
                black_box(index.prepare(&q.entity));
            }
        })
    });
    let prepared: Vec<_> = queries.iter().map(|q| index.prepare(&q.entity)).collect();
    c.bench_function("candidates", |b| {
        let mut scratch = Scratch::new();
        b.iter(|| {
            for p in &prepared {
                black_box(index.candidates(p, 0.7, &|_| true, &mut scratch));
            }
        })
    });
    let mut scratch = Scratch::new();
    let sets: Vec<_> =
        prepared.iter().map(|p| index.candidates(p, 0.5, &|_| true, &mut scratch)).collect();
    let evidence: Vec<_> = queries.iter().map(|q| Evidence::of(&q.entity)).collect();
    let config = ScreenConfig::default();
    c.bench_function("scoring (no explanations)", |b| {
        b.iter(|| {
            for ((p, set), e) in prepared.iter().zip(&sets).zip(&evidence) {
                for candidate in &set.candidates {
                    black_box(vigia_score::score_candidate(
                        &index,
                        p,
                        e,
                        candidate,
                        &config.score,
                        false,
                    ));
                }
            }
        })
    });
    let screener = Screener::new(index.clone(), "bench");
    c.bench_function("screen, whole pipeline (6 queries)", |b| {
        let mut scratch = Scratch::new();
        b.iter(|| {
            for q in &queries {
                black_box(screener.screen(q, &config, &mut scratch));
            }
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
