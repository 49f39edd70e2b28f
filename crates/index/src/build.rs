//! Building an index from entities.

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use vigia_model::{Entity, NameKind, Schema, prop};
use vigia_text::{AnalyzedName, PartTag, analyze, normalize, token};

use crate::dictionary::DictionaryBuilder;
use crate::{
    Evidence, Index, IndexConfig, IndexStats, IndexedJoin, IndexedName, IndexedPart, NameId,
    NameOrigin, PartRole, Record, RecordId, TokenId,
};

/// How many entities are analysed in parallel at a time.
const CHUNK: usize = 4096;

/// Collects entities and builds an [`Index`].
#[derive(Debug, Default)]
pub struct IndexBuilder {
    config: IndexConfig,
    /// The entities offered, in chunks of [`CHUNK`]: the build consumes
    /// them a chunk at a time and frees each chunk's storage as it goes,
    /// so entities are never held twice (here and in the index).
    entities: Vec<Vec<Entity>>,
    skipped: usize,
}

/// One name of an entity, analysed, with the roles its parts play.
struct AnalysedName {
    origin: NameOrigin,
    analysed: AnalyzedName,
    family: FxHashSet<String>,
    given: FxHashSet<String>,
}

impl IndexBuilder {
    /// A builder with the given configuration.
    pub fn new(config: IndexConfig) -> IndexBuilder {
        IndexBuilder { config, entities: Vec::new(), skipped: 0 }
    }

    /// Offers an entity. Entities whose schema is not matchable (links,
    /// sanctions, addresses) and entities without any name are skipped;
    /// returns whether the entity was taken.
    pub fn add(&mut self, mut entity: Entity) -> bool {
        if !entity.schema.is_matchable()
            || (entity.names().next().is_none() && composed_name(&entity).is_none())
        {
            self.skipped += 1;
            return false;
        }
        // The index keeps the entity for as long as it serves.
        entity.shrink_to_fit();
        match self.entities.last_mut() {
            Some(chunk) if chunk.len() < CHUNK => chunk.push(entity),
            _ => {
                let mut chunk = Vec::with_capacity(CHUNK);
                chunk.push(entity);
                self.entities.push(chunk);
            }
        }
        true
    }

    /// Offers many entities.
    pub fn extend(&mut self, entities: impl IntoIterator<Item = Entity>) {
        for entity in entities {
            self.add(entity);
        }
    }

    /// Builds the index. Name analysis runs in parallel.
    pub fn finish(self) -> Index {
        let IndexBuilder { config, entities, skipped } = self;

        let mut dictionary = DictionaryBuilder::default();
        let mut records = Vec::with_capacity(entities.iter().map(Vec::len).sum());
        let mut names: Vec<IndexedName> = Vec::new();
        let mut parts: Vec<IndexedPart> = Vec::new();
        let mut joins: Vec<IndexedJoin> = Vec::new();
        let mut join_postings: Vec<(u64, NameId)> = Vec::new();
        let mut acronyms: Vec<Box<str>> = Vec::new();
        let mut postings: Vec<(TokenId, NameId)> = Vec::new();
        let mut acronym_postings: FxHashMap<Box<str>, Vec<NameId>> = FxHashMap::default();
        let mut compact_postings: FxHashMap<Box<str>, Vec<NameId>> = FxHashMap::default();
        let mut identifier_postings: FxHashMap<Box<str>, Vec<RecordId>> = FxHashMap::default();
        let mut dataset_names: Vec<String> = Vec::new();
        // Part roles and tags are kept aside until the dictionary's
        // rarities are known, then turned into weights.
        let mut pending_weights: Vec<(TokenId, PartTag, PartRole)> = Vec::new();

        // Names are analysed in parallel a chunk at a time, and each chunk's
        // analyses are dropped once interned: memory holds one chunk of
        // analyses, not the whole list's.
        for mut chunk in entities {
            let analysed: Vec<Vec<AnalysedName>> = chunk.par_iter().map(analyse_entity).collect();
            // The chunk's forms and parts, counted once, so that the vectors
            // grow once per chunk instead of doubling (and copying) several
            // times in it.
            let (chunk_forms, chunk_parts) = analysed
                .iter()
                .flatten()
                .flat_map(|name| &name.analysed.forms)
                .fold((0, 0), |(forms, parts), form| (forms + 1, parts + form.parts.len()));
            names.reserve(chunk_forms);
            parts.reserve(chunk_parts);
            pending_weights.reserve(chunk_parts);
            postings.reserve(chunk_parts);
            for (entity, entity_names) in chunk.drain(..).zip(analysed) {
                let record = records.len() as RecordId;
                let first_name = names.len() as NameId;
                // The entity's distinct form texts: a short list compared in
                // place rather than a hash set of copies of every text.
                let mut seen_forms: Vec<&str> = Vec::new();
                for name in &entity_names {
                    let transliterated_from = name.analysed.script;
                    for (form_index, form) in name.analysed.forms.iter().enumerate() {
                        if form.parts.is_empty() || seen_forms.contains(&form.text.as_str()) {
                            continue;
                        }
                        seen_forms.push(&form.text);
                        let name_id = names.len() as NameId;
                        let part_start = parts.len() as u32;
                        for part in &form.parts {
                            let token = dictionary.intern(
                                &part.text,
                                record,
                                &part.metaphone,
                                &part.skeleton,
                                part.symbol,
                            );
                            let role = if name.family.contains(&part.text) {
                                PartRole::Family
                            } else if name.given.contains(&part.text) {
                                PartRole::Given
                            } else {
                                PartRole::Unknown
                            };
                            parts.push(IndexedPart { token, tag: part.tag, role, weight: 0.0 });
                            pending_weights.push((token, part.tag, role));
                            postings.push((token, name_id));
                        }
                        let join_start = joins.len() as u32;
                        for (i, pair) in form.parts.windows(2).enumerate() {
                            if joinable(pair[0].tag) && joinable(pair[1].tag) {
                                let mut text =
                                    String::with_capacity(pair[0].text.len() + pair[1].text.len());
                                text.push_str(&pair[0].text);
                                text.push_str(&pair[1].text);
                                let hash = crate::text_hash(&text);
                                let token = pair[0].joined_with_next.then(|| {
                                    let token = dictionary.intern(&text, record, "", "", None);
                                    postings.push((token, name_id));
                                    token
                                });
                                joins.push(IndexedJoin { hash, token, first: i as u16 });
                                join_postings.push((hash, name_id));
                            }
                        }
                        if let Some(compact) = compact_form(&form.parts) {
                            compact_postings.entry(compact.into()).or_default().push(name_id);
                        }
                        let acronym_start = acronyms.len() as u32;
                        if form_index == 0 || form.script == vigia_text::Script::Latin {
                            for acronym in &name.analysed.acronyms {
                                if !acronyms[acronym_start as usize..]
                                    .iter()
                                    .any(|a| **a == **acronym)
                                {
                                    acronyms.push(acronym.as_str().into());
                                    acronym_postings
                                        .entry(acronym.as_str().into())
                                        .or_default()
                                        .push(name_id);
                                }
                            }
                        }
                        names.push(IndexedName {
                            record,
                            origin: name.origin,
                            original: name.analysed.original.as_str().into(),
                            script: form.script,
                            transliterated: form.script != transliterated_from,
                            parts: (part_start, (parts.len() as u32 - part_start) as u16),
                            joins: (join_start, (joins.len() as u32 - join_start) as u16),
                            acronyms: (
                                acronym_start,
                                (acronyms.len() as u32 - acronym_start) as u16,
                            ),
                        });
                    }
                }
                let evidence = Evidence::of(&entity);
                for identifier in &evidence.identifiers {
                    let list = identifier_postings
                        .entry(identifier.normalized.as_str().into())
                        .or_default();
                    if list.last() != Some(&record) {
                        list.push(record);
                    }
                }
                let mut datasets = Vec::new();
                for dataset in &entity.datasets {
                    let id = match dataset_names.iter().position(|d| d == dataset) {
                        Some(id) => id,
                        None => {
                            dataset_names.push(dataset.clone());
                            dataset_names.len() - 1
                        }
                    };
                    datasets.push(id as u16);
                }
                records.push(Record {
                    entity: entity.into(),
                    evidence,
                    datasets,
                    names: first_name..names.len() as NameId,
                });
            }
        }

        // The vectors grew by doubling; a million entities leave hundreds
        // of megabytes of spare capacity, given back before the postings
        // are laid out.
        records.shrink_to_fit();
        names.shrink_to_fit();
        parts.shrink_to_fit();
        joins.shrink_to_fit();
        join_postings.shrink_to_fit();
        acronyms.shrink_to_fit();
        let record_count = records.len();
        let dictionary = dictionary.finish(record_count);
        for (part, (token, tag, role)) in parts.iter_mut().zip(pending_weights) {
            part.weight = config.weights.part(tag, dictionary.info(token).rarity, role);
        }

        let mut name_token_offsets: Vec<u32> = Vec::with_capacity(names.len() + 1);
        let mut name_tokens: Vec<TokenId> = Vec::with_capacity(parts.len() + joins.len());
        name_token_offsets.push(0);
        for name in &names {
            let (start, len) = name.parts;
            name_tokens.extend(
                parts[start as usize..start as usize + len as usize].iter().map(|p| p.token),
            );
            let (start, len) = name.joins;
            name_tokens.extend(
                joins[start as usize..start as usize + len as usize].iter().filter_map(|j| j.token),
            );
            name_token_offsets.push(name_tokens.len() as u32);
        }

        // Postings in CSR layout by a counting sort: names were visited in
        // increasing id order, so each token's list comes out sorted; only
        // a name holding the same token twice ("ali ali") needs deduping.
        let mut posting_offsets = vec![0u32; dictionary.len() + 1];
        for (token, _) in &postings {
            posting_offsets[*token as usize + 1] += 1;
        }
        for i in 1..posting_offsets.len() {
            posting_offsets[i] += posting_offsets[i - 1];
        }
        let mut cursor: Vec<u32> = posting_offsets[..posting_offsets.len() - 1].to_vec();
        let mut placed = vec![0 as NameId; postings.len()];
        for (token, name) in &postings {
            let slot = &mut cursor[*token as usize];
            placed[*slot as usize] = *name;
            *slot += 1;
        }
        drop(postings);
        let mut deduped: Vec<NameId> = Vec::with_capacity(placed.len());
        let mut offsets = vec![0u32; posting_offsets.len()];
        for t in 0..posting_offsets.len() - 1 {
            let list = &placed[posting_offsets[t] as usize..posting_offsets[t + 1] as usize];
            let mut last = None;
            for &name in list {
                if last != Some(name) {
                    deduped.push(name);
                    last = Some(name);
                }
            }
            offsets[t + 1] = deduped.len() as u32;
        }
        drop(placed);
        let posting_offsets = offsets;
        let postings = deduped;

        let mut schemata: Vec<Schema> = Vec::new();
        let record_schemata: Vec<u32> = records
            .iter()
            .map(|r: &Record| {
                let position = match schemata.iter().position(|s| *s == r.entity.schema) {
                    Some(position) => position,
                    None => {
                        schemata.push(r.entity.schema.clone());
                        schemata.len() - 1
                    }
                };
                // No more schemata than records, whose ids are u32.
                position as u32
            })
            .collect();

        let name_slots = crate::NameSlot::of_names(&names, &name_token_offsets, &name_tokens);
        let mut index = Index {
            id: crate::next_index_id(),
            config,
            dictionary,
            records,
            names,
            parts,
            joins,
            join_postings: crate::JoinPostings::new(join_postings),
            name_token_offsets,
            name_tokens,
            name_slots,
            acronyms,
            posting_offsets,
            postings,
            acronym_postings,
            compact_postings,
            identifier_postings,
            dataset_names,
            schemata,
            record_schemata,
            stats: IndexStats::default(),
        };
        index.stats = IndexStats {
            records: index.records.len(),
            skipped,
            names: index.names.len(),
            tokens: index.dictionary.len(),
            heap_bytes: heap_size(&index),
        };
        index
    }
}

fn heap_size(index: &Index) -> usize {
    let records: usize = index
        .records
        .iter()
        .map(|r| {
            // The entity is boxed in the record.
            std::mem::size_of::<Record>()
                + std::mem::size_of::<vigia_model::Entity>()
                + r.entity
                    .properties
                    .iter()
                    .map(|(k, v)| k.len() + v.iter().map(|s| s.len() + 24).sum::<usize>())
                    .sum::<usize>()
        })
        .sum();
    records
        + index.dictionary.heap_size()
        + index.names.len() * std::mem::size_of::<IndexedName>()
        + index.names.iter().map(|n| n.original.len()).sum::<usize>()
        + index.parts.len() * std::mem::size_of::<IndexedPart>()
        + index.joins.len() * std::mem::size_of::<IndexedJoin>()
        + index.postings.len() * 4
        + index.posting_offsets.len() * 4
}

/// A short name of two or three informative parts written as one word
/// ("MS-13" → "ms13", "Al Q" → "alq"), which an acronym of a longer query
/// name may equal. Longer names are not acronyms and are left out.
fn compact_form(parts: &[vigia_text::Part]) -> Option<String> {
    let informative: Vec<&vigia_text::Part> =
        parts.iter().filter(|p| crate::Weights::is_informative(p.tag)).collect();
    if !(2..=3).contains(&informative.len()) {
        return None;
    }
    let compact: String = informative.iter().map(|p| p.text.as_str()).collect();
    (compact.chars().count() <= 6).then_some(compact)
}

/// Whether a part may be joined with its neighbour: words and particles
/// ("abdul rahman", "al qaida"), not legal forms or numbers.
fn joinable(tag: PartTag) -> bool {
    matches!(tag, PartTag::Word | PartTag::Particle)
}

/// A name composed from name-part properties, for entities that have no
/// `name` (some lists give only first and last names).
fn composed_name(entity: &Entity) -> Option<String> {
    let parts: Vec<&str> = [
        prop::FIRST_NAME,
        prop::SECOND_NAME,
        prop::MIDDLE_NAME,
        prop::FATHER_NAME,
        prop::LAST_NAME,
    ]
    .iter()
    .filter_map(|p| entity.first(p))
    .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// Folded tokens of a property's values.
fn folded_tokens(entity: &Entity, properties: &[&str]) -> FxHashSet<String> {
    properties
        .iter()
        .flat_map(|p| entity.get(p))
        .flat_map(|value| token::tokenize(&normalize::fold(value)))
        .collect()
}

/// Family names by case convention: UN, EU and OFAC lists write family
/// names in capitals and given names capitalised ("Joaquín Archivaldo
/// GUZMÁN LOERA"). Only applies when the name mixes both styles.
pub(crate) fn family_by_case(name: &str) -> FxHashSet<String> {
    let words: Vec<&str> =
        name.split(|c: char| c.is_whitespace() || c == ',').filter(|w| !w.is_empty()).collect();
    let is_upper = |w: &str| {
        let letters: Vec<char> = w.chars().filter(|c| c.is_alphabetic()).collect();
        letters.len() >= 2 && letters.iter().all(|c| c.is_uppercase())
    };
    let is_capitalised = |w: &str| {
        let letters: Vec<char> = w.chars().filter(|c| c.is_alphabetic()).collect();
        letters.len() >= 2
            && letters[0].is_uppercase()
            && letters[1..].iter().any(|c| c.is_lowercase())
    };
    if !(words.iter().any(|w| is_upper(w)) && words.iter().any(|w| is_capitalised(w))) {
        return FxHashSet::default();
    }
    words
        .into_iter()
        .filter(|w| is_upper(w))
        .flat_map(|w| token::tokenize(&normalize::fold(w)))
        .collect()
}

fn analyse_entity(entity: &Entity) -> Vec<AnalysedName> {
    let kind = entity.schema.name_kind();
    let stated_family = folded_tokens(entity, &[prop::LAST_NAME]);
    let stated_given =
        folded_tokens(entity, &[prop::FIRST_NAME, prop::SECOND_NAME, prop::MIDDLE_NAME]);
    let mut out = Vec::new();
    let mut push = |origin: NameOrigin, value: &str| {
        let analysed = analyze(value, kind);
        let (family, given) = if kind == NameKind::Person {
            let mut family = stated_family.clone();
            family.extend(family_by_case(value));
            let given: FxHashSet<String> = stated_given.difference(&family).cloned().collect();
            (family, given)
        } else {
            (FxHashSet::default(), FxHashSet::default())
        };
        out.push(AnalysedName { origin, analysed, family, given });
    };
    let mut any = false;
    for (property, value) in entity.names() {
        push(NameOrigin::of_property(property), value);
        any = true;
    }
    if !any && let Some(name) = composed_name(entity) {
        push(NameOrigin::Name, &name);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn family_names_by_case() {
        let family = family_by_case("Joaquín Archivaldo GUZMÁN LOERA");
        assert!(family.contains("guzman") && family.contains("loera"));
        assert!(!family.contains("joaquin"));
        assert!(family_by_case("JOAQUIN GUZMAN").is_empty());
        assert!(family_by_case("Joaquin Guzman").is_empty());
    }
}
