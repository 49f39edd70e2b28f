//! Aligning the parts of a query name with the parts of a listed name.
//!
//! Order-free: every query part may pair with any listed part (names are
//! written "GUZMAN LOERA, Joaquin" as often as "Joaquin Guzman Loera").
//! Pairs are chosen greedily by weighted similarity, each part used once;
//! joined neighbours ("abdul rahman" ~ "abdulrahman") pair two parts with
//! one. The score is the matched weight over the query's total weight (at
//! least one full word) plus a lighter penalty for listed parts left
//! unmatched: a query may omit a middle name or a second family name, but
//! every part the query gives must be found.

use vigia_index::{
    Index, IndexedName, MatchHow, NameOrigin, PartRole, QueryForm, QueryPart, Weights,
};
use vigia_text::PartTag;

use crate::ScoreConfig;

/// How a query part was paired with a listed part.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PairKind {
    /// Through the index's expansion (exact, symbol, fuzzy, phonetic...).
    Token(MatchHow),
    /// An initial against a name starting with that letter.
    Initial,
}

/// One pairing in an alignment.
#[derive(Debug, Clone, PartialEq)]
pub struct AlignedPair {
    /// The query parts covered: first and last (one, or two when joined).
    pub query: (usize, usize),
    /// The listed parts covered: first and last.
    pub listed: (usize, usize),
    /// Similarity in 0..=1.
    pub sim: f32,
    /// The weight it carries.
    pub weight: f32,
    /// How it was made.
    pub kind: PairKind,
    /// Whether a given name met a family name (a first/last swap).
    pub swapped: bool,
}

/// The alignment of one query form with one listed name.
#[derive(Debug, Clone, PartialEq)]
pub struct Alignment {
    /// The name score in 0..=1.
    pub score: f32,
    /// The pairings, heaviest first.
    pub pairs: Vec<AlignedPair>,
    /// Query parts left unmatched (positions).
    pub unmatched_query: Vec<usize>,
    /// Listed parts left unmatched (positions).
    pub unmatched_listed: Vec<usize>,
    /// What the unmatched listed parts cost.
    pub extra_penalty: f32,
    /// Penalties applied after the ratio (numbers that differ, swaps,
    /// no informative part matched), with a reason each.
    pub adjustments: Vec<(&'static str, f32)>,
    /// Set when the match is an acronym of the other name.
    pub acronym: Option<String>,
}

thread_local! {
    /// The edges and, when only the score is asked for, the pairings of the
    /// alignment in progress, kept between alignments (empty while one
    /// runs: `align_detailed` takes the vectors and puts them back).
    static BUFFERS: std::cell::RefCell<Buffers> =
        const { std::cell::RefCell::new(Buffers { edges: Vec::new(), pairs: Vec::new() }) };
}

/// The vectors an alignment works in, reused by the thread's next one.
struct Buffers {
    edges: Vec<Edge>,
    pairs: Vec<AlignedPair>,
}

struct Edge {
    query: (usize, usize),
    listed: (usize, usize),
    sim: f32,
    weight: f32,
    /// `sim * weight`, the first key of the edges' order: computed once
    /// per edge rather than twice per comparison (the same product, so the
    /// same order).
    weighted: f32,
    kind: PairKind,
}

impl Edge {
    fn new(
        query: (usize, usize),
        listed: (usize, usize),
        sim: f32,
        weight: f32,
        kind: PairKind,
    ) -> Edge {
        Edge { query, listed, sim, weight, weighted: sim * weight, kind }
    }
}

/// Aligns a query form with a listed name and scores the alignment.
pub fn align(
    index: &Index,
    form: &QueryForm,
    query_acronyms: &[String],
    name: &IndexedName,
    config: &ScoreConfig,
) -> Alignment {
    align_detailed(index, form, query_acronyms, name, config, true)
}

/// As [`align`]; the pairings, the lists of unmatched parts and the
/// reasons for adjustments, which only explanations read, stay empty
/// unless `detail` (the score is the same).
pub(crate) fn align_detailed(
    index: &Index,
    form: &QueryForm,
    query_acronyms: &[String],
    name: &IndexedName,
    config: &ScoreConfig,
    detail: bool,
) -> Alignment {
    let listed = index.parts(name);
    // The edges live in this thread's buffer: scoring aligns about ten
    // names per query, and a fresh vector each time cost an allocation
    // (and the allocator a cache miss) per alignment. So do the pairings
    // when only the score is asked for: nothing but explanations reads
    // them once the score is known, and an alignment for an explanation
    // returns them.
    let (mut edges, mut pairs) = BUFFERS.with(|buffer| {
        let mut buffer = buffer.borrow_mut();
        let pairs = if detail { Vec::new() } else { std::mem::take(&mut buffer.pairs) };
        (std::mem::take(&mut buffer.edges), pairs)
    });
    edges.clear();
    pairs.clear();
    // A nickname is weak evidence even when it is spelt right; spelt
    // differently it is another nickname ("El Chato" is not "El Chapo").
    // Its parts pair literally: the same word, or an equivalent spelling.
    // So do two names of one short token each: acronyms and codes one
    // letter apart are other organisations ("CDG", the Gulf Cartel, is not
    // "CDS", the Sinaloa Cartel), and a one-token name has no other part
    // to confirm the letter that differs.
    let literal = name.origin == NameOrigin::WeakAlias || lone_short_tokens(index, form, listed);
    let listed_joins = index.joins(name);
    for (i, part) in form.parts.iter().enumerate() {
        for (j, lp) in listed.iter().enumerate() {
            if let Some((sim, kind)) = part_similarity(index, part, lp.token, lp.tag) {
                edges.push(Edge::new((i, i), (j, j), sim, part.weight, kind));
            }
        }
        for join in listed_joins {
            let j = join.first as usize;
            let (sim, how) = if join.hash == part.hash {
                (1.0, MatchHow::Exact)
            } else if let Some(e) = join.token.and_then(|t| part.similarity(t)) {
                (e.sim, e.how)
            } else {
                continue;
            };
            edges.push(Edge::new((i, i), (j, j + 1), sim, part.weight, PairKind::Token(how)));
        }
    }
    for join in &form.joins {
        // Two against two: "arefullaha ref" ~ "arefullah aref".
        for listed_join in listed_joins {
            let j = listed_join.first as usize;
            let (sim, how) = if listed_join.hash == join.part.hash {
                (1.0, MatchHow::Exact)
            } else if let Some(e) = listed_join.token.and_then(|t| join.part.similarity(t)) {
                (e.sim, e.how)
            } else {
                continue;
            };
            edges.push(Edge::new(
                (join.first, join.first + 1),
                (j, j + 1),
                sim,
                join.part.weight,
                PairKind::Token(how),
            ));
        }
        for (j, lp) in listed.iter().enumerate() {
            if let Some(e) = join.part.similarity(lp.token) {
                edges.push(Edge::new(
                    (join.first, join.first + 1),
                    (j, j),
                    e.sim,
                    join.part.weight,
                    PairKind::Token(e.how),
                ));
            }
        }
    }
    if literal {
        edges.retain(|e| matches!(e.kind, PairKind::Token(MatchHow::Exact | MatchHow::Symbol)));
    }
    // Heaviest first; on ties prefer the stronger kind of match and the
    // natural order, so that alignments are stable.
    edges.sort_by(|a, b| {
        b.weighted
            .total_cmp(&a.weighted)
            .then(b.sim.total_cmp(&a.sim))
            .then(a.query.cmp(&b.query))
            .then(a.listed.cmp(&b.listed))
    });
    // Which parts are paired: on the stack for names of up to 64 parts
    // (every name in practice: analysis keeps at most 48 tokens), on the
    // heap beyond. Scoring aligns several names per candidate.
    let (mut query_stack, mut query_heap) = ([false; 64], Vec::new());
    let query_used = used_flags(&mut query_stack, &mut query_heap, form.parts.len());
    let (mut listed_stack, mut listed_heap) = ([false; 64], Vec::new());
    let listed_used = used_flags(&mut listed_stack, &mut listed_heap, listed.len());
    let mut matched = 0.0f32;
    for edge in &edges {
        let q = edge.query.0..=edge.query.1;
        let l = edge.listed.0..=edge.listed.1;
        if q.clone().any(|i| query_used[i]) || l.clone().any(|j| listed_used[j]) {
            continue;
        }
        q.clone().for_each(|i| query_used[i] = true);
        l.clone().for_each(|j| listed_used[j] = true);
        matched += edge.weighted;
        let swapped = q.clone().zip(l.clone()).any(|(i, j)| {
            matches!(
                (form.parts[i].role, listed[j].role),
                (PartRole::Given, PartRole::Family) | (PartRole::Family, PartRole::Given)
            )
        });
        pairs.push(AlignedPair {
            query: edge.query,
            listed: edge.listed,
            sim: edge.sim,
            weight: edge.weight,
            kind: edge.kind,
            swapped,
        });
    }
    let unmatched_query: Vec<usize> = if detail {
        (0..form.parts.len()).filter(|&i| !query_used[i]).collect()
    } else {
        Vec::new()
    };
    // Unmatched listed parts cost less than unmatched query parts, and
    // their weight is capped: a query may omit middle names and a second
    // family name, and a rare family name alone finds its bearer. But when
    // the listed name has a known family name and none of it matched, the
    // query only found given names: those family names count in full.
    let mut extra_weight = 0.0f32;
    let mut family_missing = 0.0f32;
    let mut unmatched_listed = Vec::new();
    let family_matched = listed
        .iter()
        .zip(listed_used.iter())
        .any(|(lp, used)| *used && lp.role == PartRole::Family);
    for (j, (lp, used)) in listed.iter().zip(listed_used.iter()).enumerate() {
        if !used {
            if lp.role == PartRole::Family && !family_matched {
                family_missing += lp.weight;
            } else {
                extra_weight += lp.weight;
            }
            if detail {
                unmatched_listed.push(j);
            }
        }
    }
    // A rare family name or nickname given alone stands for its bearer:
    // the listed parts it leaves out, family names included, count for
    // little. Below its cap the two sums agree, so the rule is only looked
    // at when the unmatched weight exceeds it.
    let extra_penalty = if extra_weight + family_missing > config.lone_name_cap
        && rare_name_alone(index, form, &pairs, listed, config)
    {
        config.extra_listed_penalty * (extra_weight + family_missing).min(config.lone_name_cap)
    } else {
        config.extra_listed_penalty * (extra_weight.min(config.extra_listed_cap) + family_missing)
    };
    let denominator = form.total_weight.max(1.0) + extra_penalty;
    let mut score = if denominator > 0.0 { matched / denominator } else { 0.0 };

    // The reasons for the penalties are only read by explanations.
    let mut adjustments = Vec::new();
    let mut adjust = |reason: &'static str, amount: f32| {
        if detail {
            adjustments.push((reason, amount));
        }
    };
    let informative_matched = pairs.iter().any(|p| {
        p.sim >= 0.5 && (p.query.0..=p.query.1).any(|i| Weights::is_informative(form.parts[i].tag))
    });
    if !informative_matched && score > config.uninformative_cap {
        adjust("only generic words matched", score - config.uninformative_cap);
        score = config.uninformative_cap;
    }
    let query_has_number = form.parts.iter().any(|p| p.tag == PartTag::Number);
    let listed_has_number = listed.iter().any(|p| p.tag == PartTag::Number);
    if query_has_number && listed_has_number {
        let number_matched = pairs
            .iter()
            .any(|p| (p.query.0..=p.query.1).any(|i| form.parts[i].tag == PartTag::Number));
        if !number_matched {
            adjust("numbers differ", config.number_mismatch);
            score -= config.number_mismatch;
        }
    }
    // Order: a name is rarely written backwards; an inverted alignment is
    // a small doubt, never a literal match.
    let inversions = count_inversions(&pairs);
    if inversions > 0 {
        let penalty = config.order_penalty * inversions.min(2) as f32;
        adjust("parts in a different order", penalty);
        score -= penalty;
    }
    let swaps = pairs.iter().filter(|p| p.swapped).count();
    if swaps > 0 {
        let penalty = config.swap_penalty * swaps.min(2) as f32;
        adjust("given and family names swapped", penalty);
        score -= penalty;
    }
    let mut acronym = None;
    let acronym_score = acronym_match(index, form, query_acronyms, name);
    if let Some((text, value)) = acronym_score
        && value > score
    {
        score = value;
        acronym = Some(text);
    }
    let pairs = if detail {
        BUFFERS.with(|buffer| buffer.borrow_mut().edges = edges);
        pairs
    } else {
        BUFFERS.with(|buffer| {
            let mut buffer = buffer.borrow_mut();
            buffer.edges = edges;
            buffer.pairs = pairs;
        });
        Vec::new()
    };
    Alignment {
        score: score.clamp(0.0, 1.0),
        pairs,
        unmatched_query,
        unmatched_listed,
        extra_penalty,
        adjustments,
        acronym,
    }
}

/// The highest score [`align`] can give a query form against a listed name
/// whose bound from candidate generation is `bound`: the bound, or the
/// acronym score when the names are acronyms of each other.
pub(crate) fn ceiling(
    index: &Index,
    form: &QueryForm,
    query_acronyms: &[String],
    name: &IndexedName,
    bound: f32,
) -> f32 {
    let bound = bound.clamp(0.0, 1.0);
    match acronym_match(index, form, query_acronyms, name) {
        Some((_, value)) => bound.max(value),
        None => bound,
    }
}

/// Whether the query is a family name or a nickname alone ("Oseguera",
/// "Mr Zambada", "El Chapo"), rare among the listed names, that matched a
/// listed part exactly or as the same name in another spelling: a listed
/// family name, or, when the query is a nickname (an article and one word),
/// any part of a person's listed name whose family name is known (OFAC
/// lists "GUZMAN, Chapo" and "ZAMBADA, El Mayo"), never a word of an
/// organisation's name ("Villa Azul S.A.").
/// Banks test that a rare surname alone finds its bearer; a misspelt one, a
/// common one ("Garcia" among the listed names, "Wang" in the world), or a
/// given name alone does not qualify. Lowering
/// the cost of the listed parts left unmatched only lowers a denominator
/// the candidate bound already leaves out, so the score stays within its
/// bound.
fn rare_name_alone(
    index: &Index,
    form: &QueryForm,
    pairs: &[AlignedPair],
    listed: &[vigia_index::IndexedPart],
    config: &ScoreConfig,
) -> bool {
    let mut informative =
        form.parts.iter().enumerate().filter(|(_, p)| Weights::is_informative(p.tag));
    let (Some((only, part)), None) = (informative.next(), informative.next()) else {
        return false;
    };
    if part.tag != PartTag::Word || part.role == PartRole::Given {
        return false;
    }
    let nickname = only
        .checked_sub(1)
        .is_some_and(|i| vigia_text::names::is_nickname_article(&form.parts[i].text));
    // Organisation names have no roles: a known family name marks a
    // person's name.
    let person_with_family_name = listed.iter().any(|p| p.role == PartRole::Family);
    pairs.iter().any(|pair| {
        let listed_part = &listed[pair.listed.0];
        pair.query == (only, only)
            && pair.listed.0 == pair.listed.1
            && matches!(pair.kind, PairKind::Token(MatchHow::Exact | MatchHow::Symbol))
            && (listed_part.role == PartRole::Family || (nickname && person_with_family_name))
            && listed_part.tag == PartTag::Word
            && index.dictionary().info(listed_part.token).rarity >= config.lone_name_rarity
            && !vigia_text::names::is_world_common_family_name(index.token_text(listed_part.token))
    })
}

/// `len` flags, all false: in `stack` when they fit, else in `heap`.
fn used_flags<'a>(
    stack: &'a mut [bool; 64],
    heap: &'a mut Vec<bool>,
    len: usize,
) -> &'a mut [bool] {
    if len <= stack.len() {
        &mut stack[..len]
    } else {
        heap.resize(len, false);
        heap
    }
}

/// How many pairs of the alignment are in opposite order on the two sides.
fn count_inversions(pairs: &[AlignedPair]) -> usize {
    let mut count = 0;
    for (i, a) in pairs.iter().enumerate() {
        for b in &pairs[i + 1..] {
            if (a.query.0 < b.query.0) != (a.listed.0 < b.listed.0) {
                count += 1;
            }
        }
    }
    count
}

/// The similarity of a query part to a listed part, if they may pair.
/// The most characters a name of one token may have and still pair only
/// literally with another one-token name (see [`align_detailed`]).
const LONE_SHORT_TOKEN: usize = 4;

/// Whether the query form and the listed name are one token each, the
/// shorter of at most [`LONE_SHORT_TOKEN`] characters.
fn lone_short_tokens(index: &Index, form: &QueryForm, listed: &[vigia_index::IndexedPart]) -> bool {
    match (form.parts.as_slice(), listed) {
        ([part], [listed_part]) => {
            part.chars.len() <= LONE_SHORT_TOKEN
                || index.dictionary().info(listed_part.token).text.chars().count()
                    <= LONE_SHORT_TOKEN
        }
        _ => false,
    }
}

fn part_similarity(
    index: &Index,
    part: &QueryPart,
    token: vigia_index::TokenId,
    listed_tag: PartTag,
) -> Option<(f32, PairKind)> {
    if let Some(e) = part.similarity(token) {
        return Some((e.sim, PairKind::Token(e.how)));
    }
    // A query initial against a listed name: "J." against "John". (A
    // listed initial against a query name is an index expansion.) The
    // listed token's text, a read of the dictionary at random, is looked
    // at only for a query initial.
    if part.tag != PartTag::Initial || listed_tag == PartTag::Initial {
        return None;
    }
    let listed_text = index.token_text(token);
    if listed_text.chars().count() > 1 && listed_text.chars().next() == part.text.chars().next() {
        return Some((vigia_index::Similarities::default().initial, PairKind::Initial));
    }
    None
}

/// "CJNG" against "cartel de jalisco nueva generacion" (either way round):
/// a single-word name that is an acronym of the other scores 0.9.
fn acronym_match(
    index: &Index,
    form: &QueryForm,
    query_acronyms: &[String],
    name: &IndexedName,
) -> Option<(String, f32)> {
    let mut informative = form.parts.iter().filter(|p| Weights::is_informative(p.tag));
    if let (Some(only), None) = (informative.next(), informative.next()) {
        let text = &only.text;
        if index.acronyms(name).iter().any(|a| **a == **text) {
            return Some((text.clone(), 0.9));
        }
    }
    // The other way: the listed name, written compactly ("MS-13" → "ms13",
    // "CJNG"), is an acronym of the query. Three letters are not enough:
    // the initials of any three-word name ("Cambios del Norte") spell some
    // listed acronym ("CDN", Cártel del Noreste); four letters, or letters
    // with a number, are.
    if form.parts.len() >= 2 && !query_acronyms.is_empty() {
        let listed = index.parts(name);
        let informative: Vec<&str> = listed
            .iter()
            .filter(|p| Weights::is_informative(p.tag))
            .map(|p| index.token_text(p.token))
            .collect();
        if (1..=3).contains(&informative.len()) {
            let compact = informative.concat();
            let distinctive =
                compact.chars().count() >= 4 || compact.chars().any(|c| c.is_ascii_digit());
            if distinctive && query_acronyms.contains(&compact) {
                return Some((compact, 0.9));
            }
        }
    }
    None
}
