//! How long screening's start-up read takes: every active, matchable entity
//! of a store holding 30,000 entities (the size of the official lists).

use criterion::{Criterion, criterion_group, criterion_main};
use vigia_model::{Entity, Schema, prop};
use vigia_sources::{Format, Header, Sink, Summary};
use vigia_store::{
    EntityFilter, ImportPolicy, ImportRequest, ImportStart, ListImport, ListStore, Store,
};

const ENTITIES: u64 = 30_000;

fn entity(i: u64) -> Entity {
    let mut entity = Entity::new(format!("bench-{i}"), Schema::Person);
    entity.add(prop::NAME, &format!("Given{i} Family{i}"));
    entity.add_all(prop::ALIAS, [format!("Alias {i} One"), format!("Alias {i} Two")]);
    entity.add(prop::BIRTH_DATE, &format!("19{:02}-01-01", i % 100));
    entity.add(prop::NATIONALITY, "mx");
    entity.add(prop::PROGRAM, "SDGT");
    entity.add(prop::TOPICS, "sanction");
    entity
}

fn store_with_entities(dir: &std::path::Path) -> Store {
    let mut store = Store::open(dir).expect("open");
    let request = ImportRequest {
        dataset: "bench".into(),
        format: Format::FtmJson,
        content_hash: "bench".into(),
        source: "bench".into(),
        imported_at: "2026-01-01T00:00:00Z".into(),
        actor: "bench".into(),
        policy: ImportPolicy::default(),
    };
    let ImportStart::Ready(mut import) = store.begin_import(request).expect("begin") else {
        panic!("a fresh store has no active version");
    };
    for i in 0..ENTITIES {
        import.entity(entity(i));
        let mut sanction = Entity::new(format!("bench-s{i}"), Schema::Sanction);
        sanction.add(prop::ENTITY, &format!("bench-{i}"));
        import.entity(sanction);
    }
    let summary = Summary {
        format: Format::FtmJson,
        dataset: "bench".into(),
        header: Header::default(),
        records: ENTITIES,
        entities: ENTITIES * 2,
        diagnostics: 0,
    };
    import.finish(&summary).expect("finish");
    store
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store_with_entities(dir.path());
    let filter = EntityFilter { datasets: Vec::new(), matchable_only: true };
    let mut group = c.benchmark_group("store");
    group.sample_size(10);
    group.bench_function("active_entities_30k_matchable", |b| {
        b.iter(|| {
            let entities = store.active_entities(&filter).expect("read");
            assert_eq!(entities.len() as u64, ENTITIES);
        })
    });
    group.bench_function("entity_by_id_with_adjacent", |b| {
        b.iter(|| store.entity("bench-12345").expect("read").expect("present"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
