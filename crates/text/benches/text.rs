//! Throughput of the text layer: fold, tokenize + tag, and the whole
//! analysis of Latin and non-Latin names (the index analyses every listed
//! name once; screening analyses every query).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use vigia_text::{NameKind, analyze, normalize, tag, token};

const LATIN_PERSONS: &[&str] = &[
    "Joaquín Archivaldo Guzmán Loera",
    "Sheikh Mohammed bin Rashid Al Maktoum",
    "John Smith",
    "Ismael Zambada García",
];
const ORGANISATIONS: &[&str] = &[
    "Cártel de Jalisco Nueva Generación",
    "Grupo Rodríguez, S.A. de C.V.",
    "Mara Salvatrucha (MS-13)",
];
const OTHER_SCRIPTS: &[&str] =
    &["Владимир Путин", "محمد علي", "金正恩", "김정은", "山田太郎", "Νικόλαος", "สมชาย"];

fn bench(c: &mut Criterion) {
    // Build the lazily initialised tables before timing.
    for n in LATIN_PERSONS.iter().chain(ORGANISATIONS).chain(OTHER_SCRIPTS) {
        black_box(analyze(n, NameKind::Unknown));
    }
    c.bench_function("fold/latin person", |b| {
        b.iter(|| {
            for n in LATIN_PERSONS {
                black_box(normalize::fold(black_box(n)));
            }
        });
    });
    c.bench_function("phonetic/metaphone (x4)", |b| {
        b.iter(|| {
            for t in ["guzman", "archivaldo", "mohammed", "zambada"] {
                black_box(vigia_text::phonetic::metaphone(black_box(t)));
            }
        });
    });
    c.bench_function("phonetic/skeleton (x4)", |b| {
        b.iter(|| {
            for t in ["guzman", "archivaldo", "mohammed", "zambada"] {
                black_box(vigia_text::phonetic::skeleton(black_box(t)));
            }
        });
    });
    c.bench_function("fold/ascii", |b| {
        b.iter(|| black_box(normalize::fold(black_box("JOHN SMITH"))))
    });
    c.bench_function("tokenize+tag/latin person", |b| {
        let folded: Vec<String> = LATIN_PERSONS.iter().map(|n| normalize::fold(n)).collect();
        b.iter(|| {
            for f in &folded {
                black_box(tag::tag_tokens(token::tokenize_parts(black_box(f)), NameKind::Person));
            }
        });
    });
    c.bench_function("analyze/latin person (x4)", |b| {
        b.iter(|| {
            for n in LATIN_PERSONS {
                black_box(analyze(black_box(n), NameKind::Person));
            }
        });
    });
    c.bench_function("analyze/organisation (x3)", |b| {
        b.iter(|| {
            for n in ORGANISATIONS {
                black_box(analyze(black_box(n), NameKind::Organization));
            }
        });
    });
    c.bench_function("analyze/other scripts (x7)", |b| {
        b.iter(|| {
            for n in OTHER_SCRIPTS {
                black_box(analyze(black_box(n), NameKind::Person));
            }
        });
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
