//! Candidate generation: the listed names a query could match, each with an
//! upper bound of its name score.
//!
//! The bound of a name for one query form is `Σ weight(part) × best
//! similarity of the part to any token of the name`, divided by the form's
//! total weight (at least 1). The scorer's name score can only be lower: it
//! assigns each part at most once, with the same similarities, and then
//! subtracts for what is left unmatched. So pruning names whose bound is
//! below the cut-off never loses a match the scorer would make.
//!
//! Pruning is MaxScore: the lightest parts whose weights together cannot
//! reach the cut-off are "non-essential"; their postings are never walked,
//! they only top up names the essential parts found. A common given name is
//! usually non-essential, which is what keeps "mohammed" from touching
//! thousands of names.

use crate::{Index, NameId, PreparedQuery, QueryForm, QueryPart, RecordId, TokenId};

/// Per-thread scratch space, reused across queries so that candidate
/// generation does not allocate per name, with a memo of part expansions:
/// customer names repeat ("maria", "garcia"), and an expansion is a pure
/// function of the part and the index.
#[derive(Debug, Default)]
pub struct Scratch {
    pub(crate) index_id: u64,
    pub(crate) expansions: rustc_hash::FxHashMap<crate::query::MemoKey, crate::query::MemoEntry>,
    acc: Vec<f32>,
    stamp: Vec<u32>,
    generation: u32,
    touched: Vec<NameId>,
    /// Token → the range of `token_parts` holding the query parts that
    /// expand to it, valid where `token_stamp` equals `token_generation`:
    /// one lookup per listed part tops up every query part at once.
    token_range: Vec<(u32, u32)>,
    token_stamp: Vec<u32>,
    token_generation: u32,
    /// (query part, similarity) for the marked tokens, grouped by token.
    token_parts: Vec<(u16, f32)>,
    /// (token, query part, similarity) while marking, before grouping.
    marking: Vec<(TokenId, u16, f32)>,
    /// The best similarity of each query part to the name being bounded.
    best: Vec<f32>,
}

impl Scratch {
    /// Empty scratch space; it grows to the index's size on first use.
    pub fn new() -> Scratch {
        Scratch::default()
    }

    /// The expansion memo, emptied when it belongs to another index or grows
    /// past its bound.
    pub(crate) fn memo(
        &mut self,
        index_id: u64,
    ) -> &mut rustc_hash::FxHashMap<crate::query::MemoKey, crate::query::MemoEntry> {
        const MEMO_ENTRIES: usize = 200_000;
        if self.index_id != index_id || self.expansions.len() >= MEMO_ENTRIES {
            self.expansions.clear();
            self.expansions.reserve(65_536);
            self.index_id = index_id;
        }
        &mut self.expansions
    }

    fn fit(&mut self, names: usize) {
        if self.acc.len() < names {
            self.acc.resize(names, 0.0);
            self.stamp.resize(names, 0);
        }
    }

    fn fit_tokens(&mut self, tokens: usize) {
        if self.token_range.len() < tokens {
            self.token_range.resize(tokens, (0, 0));
            self.token_stamp.resize(tokens, 0);
        }
    }

    /// Marks the expansions of every part of a form in the dense token
    /// table, each token with the parts that reach it.
    fn mark_tokens<'p>(&mut self, parts: impl Iterator<Item = &'p QueryPart>) -> u32 {
        self.token_generation = self.token_generation.wrapping_add(1);
        if self.token_generation == 0 {
            self.token_stamp.fill(0);
            self.token_generation = 1;
        }
        let generation = self.token_generation;
        self.marking.clear();
        for (p, part) in parts.enumerate() {
            self.marking.extend(part.expansions.iter().map(|e| (e.token, p as u16, e.sim)));
        }
        self.marking.sort_unstable_by_key(|(token, p, _)| (*token, *p));
        self.token_parts.clear();
        for &(token, p, sim) in &self.marking {
            let t = token as usize;
            if self.token_stamp[t] != generation {
                self.token_stamp[t] = generation;
                self.token_range[t] = (self.token_parts.len() as u32, 0);
            }
            self.token_range[t].1 += 1;
            self.token_parts.push((p, sim));
        }
        generation
    }

    fn next_generation(&mut self) -> u32 {
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.stamp.fill(0);
            self.generation = 1;
        }
        self.touched.clear();
        self.generation
    }
}

/// A listed name reached by a query form.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NameHit {
    /// The name form.
    pub name: NameId,
    /// Which query name reached it.
    pub query_name: u16,
    /// Which form of that query name.
    pub form: u16,
    /// The upper bound of its name score.
    pub bound: f32,
}

/// A listed entity that may match, with the names that reached it.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The record.
    pub record: RecordId,
    /// The best bound among its names (1.0 for an identifier hit).
    pub bound: f32,
    /// The names that reached it; empty for an identifier-only hit, in
    /// which case every name of the record is worth scoring.
    pub names: Vec<NameHit>,
    /// Whether a query identifier equals one of the record's.
    pub identifier_hit: bool,
}

/// The outcome of candidate generation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CandidateSet {
    /// Candidates, best bound first.
    pub candidates: Vec<Candidate>,
    /// Caps hit (query preparation and candidate generation).
    pub caps_hit: u32,
    /// Whether no name reached the cut-off and the safety net supplied the
    /// best-bounded names instead.
    pub safety_net: bool,
    /// How many listed names the essential parts reached (a cost measure).
    pub names_touched: usize,
}

impl Index {
    /// The candidates of a prepared query whose bound reaches `cutoff`,
    /// among records that `allow` accepts (schema compatibility, dataset
    /// filters).
    pub fn candidates(
        &self,
        query: &PreparedQuery,
        cutoff: f32,
        allow: &dyn Fn(RecordId) -> bool,
        scratch: &mut Scratch,
    ) -> CandidateSet {
        scratch.fit(self.names().len());
        scratch.fit_tokens(self.dictionary().len());
        let mut hits: Vec<(RecordId, NameHit)> = Vec::new();
        let mut best_below = BestBelow::new(self.config().safety_net);
        let mut names_touched = 0;
        for (qn, name) in query.names.iter().enumerate() {
            for (qf, form) in name.forms.iter().enumerate() {
                self.form_candidates(
                    form,
                    qn as u16,
                    qf as u16,
                    cutoff,
                    allow,
                    scratch,
                    &mut hits,
                    &mut best_below,
                );
                names_touched += scratch.touched.len();
                if let Some(acronym) = single_informative_part(form) {
                    // "CJNG" against "Cártel de Jalisco Nueva Generación".
                    for &name_id in self.acronym_postings(&acronym.text) {
                        let record = self.name(name_id).record;
                        if allow(record) {
                            hits.push((
                                record,
                                NameHit {
                                    name: name_id,
                                    query_name: qn as u16,
                                    form: qf as u16,
                                    bound: 1.0,
                                },
                            ));
                        }
                    }
                }
            }
            // "Cártel de Jalisco Nueva Generación" against "CJNG", and
            // "Mara Salvatrucha 13" against "MS-13".
            for acronym in &name.acronyms {
                for &name_id in self.compact_postings(acronym) {
                    let record = self.name(name_id).record;
                    if allow(record) {
                        hits.push((
                            record,
                            NameHit { name: name_id, query_name: qn as u16, form: 0, bound: 1.0 },
                        ));
                    }
                }
                if let Some(token) = self.dictionary().get(acronym) {
                    for &name_id in self.postings(token) {
                        let record = self.name(name_id).record;
                        let informative = self
                            .parts(self.name(name_id))
                            .iter()
                            .filter(|p| crate::Weights::is_informative(p.tag))
                            .count();
                        if allow(record) && informative == 1 {
                            hits.push((
                                record,
                                NameHit {
                                    name: name_id,
                                    query_name: qn as u16,
                                    form: 0,
                                    bound: 1.0,
                                },
                            ));
                        }
                    }
                }
            }
        }
        let mut safety_net = false;
        if hits.is_empty() && !best_below.is_empty() {
            hits = best_below.into_sorted();
            safety_net = true;
        }
        let mut identifier_records: Vec<RecordId> = Vec::new();
        for identifier in &query.identifiers {
            for &record in self.identifier_postings(identifier) {
                if allow(record) {
                    identifier_records.push(record);
                }
            }
        }
        let mut candidates = group(hits, identifier_records);
        let mut caps_hit = query.caps_hit;
        if candidates.len() > self.config().max_candidates {
            caps_hit += 1;
            candidates.truncate(self.config().max_candidates);
        }
        CandidateSet { candidates, caps_hit, safety_net, names_touched }
    }

    #[allow(clippy::too_many_arguments)]
    fn form_candidates(
        &self,
        form: &QueryForm,
        query_name: u16,
        query_form: u16,
        cutoff: f32,
        allow: &dyn Fn(RecordId) -> bool,
        scratch: &mut Scratch,
        hits: &mut Vec<(RecordId, NameHit)>,
        best_below: &mut BestBelow,
    ) {
        if form.parts.is_empty() {
            return;
        }
        let denominator = form.total_weight.max(1.0);
        let needed = cutoff * denominator;
        let initial_sim = crate::Similarities::default().initial;
        // What each part can contribute at most: its weight times the best
        // similarity among its expansions (1.0 if it may equal a listed join).
        let ceiling = |part: &QueryPart| -> f32 {
            let mut best = part.expansions.iter().map(|e| e.sim).fold(0.0f32, f32::max);
            if part.tag == vigia_text::PartTag::Initial {
                best = best.max(initial_sim);
            }
            if best < 1.0 && part.listed_join {
                best = 1.0;
            }
            part.weight * best
        };
        let ceilings: Vec<f32> = form.parts.iter().map(ceiling).collect();
        let join_ceilings: Vec<f32> = form.joins.iter().map(|j| ceiling(&j.part)).collect();
        let total: f32 = ceilings.iter().sum::<f32>() + join_ceilings.iter().sum::<f32>();
        // Which parts to walk. A name reached by none of the walked parts
        // must be unable to reach the cut-off: the parts left out (with the
        // joins, as pseudo-parts) must together stay below what a match
        // needs, at their ceilings. Among the sets that qualify, walk the
        // cheapest (fewest postings): for "Patricia Lucas Wheeler" every
        // part is needed, so walking the rarest one alone is enough.
        // Initials are never walked (their postings, "j", are long; they
        // only top up a name a full part found).
        let parts: Vec<(&QueryPart, f32)> = form
            .parts
            .iter()
            .zip(ceilings.iter().copied())
            .chain(form.joins.iter().map(|j| &j.part).zip(join_ceilings.iter().copied()))
            .collect();
        let floors: Vec<f32> = parts
            .iter()
            .map(|(part, c)| (needed - (total - c)) / part.weight.max(f32::MIN_POSITIVE))
            .collect();
        let costs: Vec<usize> = parts
            .iter()
            .zip(&floors)
            .map(|((part, _), &floor)| {
                if part.tag == vigia_text::PartTag::Initial {
                    return usize::MAX / 64;
                }
                let joins = if floor <= 1.0 && part.listed_join {
                    self.join_postings(part.hash).count()
                } else {
                    0
                };
                joins
                    + part
                        .expansions
                        .iter()
                        .filter(|e| e.sim >= floor)
                        .map(|e| self.postings(e.token).len())
                        .sum::<usize>()
            })
            .collect();
        // Initials are costly to walk (their postings, "j", are long), so
        // a walk leaves them out whenever it can; but what they could add
        // counts against leaving out the others: a walk of a part that
        // reaches nothing ("morales", not listed) is no walk at all when
        // the initials and the other parts could reach the cut-off without
        // it.
        let part_ceilings: Vec<f32> = parts.iter().map(|(_, c)| *c).collect();
        let walked = cheapest_walk(&part_ceilings, &costs, needed);

        // Phase 1: reach names. A walked part only walks the postings of
        // expansions similar enough that, with every other part at its
        // ceiling, a name could still reach the cut-off through them.
        let generation = scratch.next_generation();
        for (i, (part, _)) in parts.iter().enumerate() {
            if walked & (1 << i) != 0 {
                self.touch(part, floors[i], generation, scratch);
            }
        }
        // Phase 2: the bound of every name reached, from all parts, looking
        // from each name's parts into the query parts' expansions: one pass
        // over the name's parts tops up every query part at once.
        let all_parts: Vec<&QueryPart> =
            form.parts.iter().chain(form.joins.iter().map(|j| &j.part)).collect();
        let generation = scratch.mark_tokens(all_parts.iter().copied());
        let initials: Vec<(usize, char)> = all_parts
            .iter()
            .enumerate()
            .filter(|(_, p)| p.tag == vigia_text::PartTag::Initial)
            .filter_map(|(i, p)| p.chars.first().map(|c| (i, *c)))
            .collect();
        let joined: Vec<(usize, u64)> = all_parts
            .iter()
            .enumerate()
            .filter(|(_, p)| p.listed_join)
            .map(|(i, p)| (i, p.hash))
            .collect();
        let weights: Vec<f32> = all_parts.iter().map(|p| p.weight).collect();
        scratch.best.resize(all_parts.len(), 0.0);
        for i in 0..scratch.touched.len() {
            let name_id = scratch.touched[i];
            let name = self.name(name_id);
            scratch.best.fill(0.0);
            for listed in self.parts(name) {
                let t = listed.token as usize;
                if scratch.token_stamp[t] == generation {
                    let (start, len) = scratch.token_range[t];
                    for &(p, sim) in &scratch.token_parts[start as usize..(start + len) as usize] {
                        let best = &mut scratch.best[p as usize];
                        *best = best.max(sim);
                    }
                }
                if !initials.is_empty() {
                    let first = self.dictionary().info(listed.token).chars.first();
                    for &(p, c) in &initials {
                        if first == Some(&c) {
                            let best = &mut scratch.best[p];
                            *best = best.max(initial_sim);
                        }
                    }
                }
            }
            for join in self.joins(name) {
                for &(p, hash) in &joined {
                    if join.hash == hash {
                        scratch.best[p] = 1.0;
                    }
                }
                if let Some(t) = join.token
                    && scratch.token_stamp[t as usize] == generation
                {
                    let (start, len) = scratch.token_range[t as usize];
                    for &(p, sim) in &scratch.token_parts[start as usize..(start + len) as usize] {
                        let best = &mut scratch.best[p as usize];
                        *best = best.max(sim);
                    }
                }
            }
            // Summed part by part in the form's order, as the scorer's
            // bound is defined.
            let mut acc = 0.0f32;
            for (w, best) in weights.iter().zip(&scratch.best) {
                acc += w * best;
            }
            scratch.acc[name_id as usize] = acc;
        }
        // The record filter (schema, datasets) is consulted only for names
        // that would be kept: most names reached fall below the cut-off.
        for &name_id in &scratch.touched {
            let bound = (scratch.acc[name_id as usize] / denominator).min(1.0);
            let keep = bound >= cutoff;
            let offered = !keep && bound > 0.0 && hits.is_empty() && best_below.would_take(bound);
            if !(keep || offered) {
                continue;
            }
            let record = self.name(name_id).record;
            if !allow(record) {
                continue;
            }
            let hit = NameHit { name: name_id, query_name, form: query_form, bound };
            if keep {
                hits.push((record, hit));
            } else {
                best_below.offer(record, hit);
            }
        }
    }

    /// Marks every name reached by a part's expansions of similarity at
    /// least `floor` (and, exactly, by the listed joins equal to it).
    fn touch(&self, part: &QueryPart, floor: f32, generation: u32, scratch: &mut Scratch) {
        let reach = |name_id: NameId, scratch: &mut Scratch| {
            let n = name_id as usize;
            if scratch.stamp[n] != generation {
                scratch.stamp[n] = generation;
                scratch.touched.push(name_id);
            }
        };
        if floor <= 1.0 && part.listed_join {
            for name_id in self.join_postings(part.hash) {
                reach(name_id, scratch);
            }
        }
        for expansion in part.expansions.iter() {
            if expansion.sim < floor {
                continue;
            }
            for &name_id in self.postings(expansion.token) {
                reach(name_id, scratch);
            }
        }
    }
}

/// The cheapest set of parts to walk (a bit mask over `ceilings`): the
/// parts left out must have ceilings summing below `needed`. Exhaustive over
/// subsets for up to 12 parts; beyond that, the lightest parts are left out
/// greedily.
fn cheapest_walk(ceilings: &[f32], costs: &[usize], needed: f32) -> u32 {
    let n = ceilings.len();
    if n == 0 {
        return 0;
    }
    if n > 12 {
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| ceilings[a].total_cmp(&ceilings[b]));
        let mut left_out = 0.0;
        let mut mask = 0u32;
        for &i in &order {
            if left_out + ceilings[i] < needed && costs[i] < usize::MAX / 64 + 1 {
                left_out += ceilings[i];
            } else if i < 32 {
                mask |= 1 << i;
            }
        }
        return mask;
    }
    let all = (1u32 << n) - 1;
    let mut best = (usize::MAX, all);
    for walked in 1..=all {
        let left_out: f32 = (0..n).filter(|i| walked & (1 << i) == 0).map(|i| ceilings[i]).sum();
        if left_out >= needed {
            continue;
        }
        let cost: usize = (0..n)
            .filter(|i| walked & (1 << i) != 0)
            .map(|i| costs[i])
            .fold(0usize, usize::saturating_add);
        if cost < best.0 || (cost == best.0 && walked.count_ones() < best.1.count_ones()) {
            best = (cost, walked);
        }
    }
    best.1
}

/// The best-bounded names below the cut-off, kept for the safety net in a
/// bounded min-heap (no allocation beyond its capacity).
struct BestBelow {
    capacity: usize,
    heap: std::collections::BinaryHeap<std::cmp::Reverse<BelowEntry>>,
}

/// A name below the cut-off: its bound, record, name, query name and form.
type BelowEntry = (OrderedBound, RecordId, NameId, u16, u16);

#[derive(Debug, Clone, Copy, PartialEq)]
struct OrderedBound(f32);

impl Eq for OrderedBound {}

impl PartialOrd for OrderedBound {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for OrderedBound {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

impl BestBelow {
    fn new(capacity: usize) -> BestBelow {
        BestBelow { capacity, heap: std::collections::BinaryHeap::with_capacity(capacity + 1) }
    }

    fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Whether [`BestBelow::offer`] would keep a name of this bound.
    fn would_take(&self, bound: f32) -> bool {
        if self.capacity == 0 {
            return false;
        }
        self.heap.len() < self.capacity
            || matches!(self.heap.peek(), Some(std::cmp::Reverse((worst, ..))) if worst.0 < bound)
    }

    fn offer(&mut self, record: RecordId, hit: NameHit) {
        if self.capacity == 0 {
            return;
        }
        if self.heap.len() == self.capacity {
            match self.heap.peek() {
                Some(std::cmp::Reverse((worst, ..))) if worst.0 >= hit.bound => return,
                _ => {}
            }
            self.heap.pop();
        }
        self.heap.push(std::cmp::Reverse((
            OrderedBound(hit.bound),
            record,
            hit.name,
            hit.query_name,
            hit.form,
        )));
    }

    fn into_sorted(self) -> Vec<(RecordId, NameHit)> {
        let mut out: Vec<(RecordId, NameHit)> = self
            .heap
            .into_iter()
            .map(|std::cmp::Reverse((bound, record, name, query_name, form))| {
                (record, NameHit { name, query_name, form, bound: bound.0 })
            })
            .collect();
        out.sort_by(|a, b| b.1.bound.total_cmp(&a.1.bound));
        out
    }
}

/// The single informative part of a form, if it has exactly one: what an
/// acronym query looks like.
fn single_informative_part(form: &QueryForm) -> Option<&QueryPart> {
    let mut informative = form.parts.iter().filter(|p| crate::Weights::is_informative(p.tag));
    let first = informative.next()?;
    (informative.next().is_none() && first.chars.len() >= 2 && first.chars.len() <= 8)
        .then_some(first)
}

/// Groups name hits by record, best bound first.
fn group(mut hits: Vec<(RecordId, NameHit)>, identifier_records: Vec<RecordId>) -> Vec<Candidate> {
    hits.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.bound.total_cmp(&a.1.bound)));
    let mut candidates: Vec<Candidate> = Vec::new();
    for (record, hit) in hits {
        match candidates.last_mut() {
            Some(last) if last.record == record => {
                if !last.names.iter().any(|h| {
                    h.name == hit.name && h.query_name == hit.query_name && h.form == hit.form
                }) {
                    last.names.push(hit);
                }
            }
            _ => candidates.push(Candidate {
                record,
                bound: hit.bound,
                names: vec![hit],
                identifier_hit: false,
            }),
        }
    }
    for record in identifier_records {
        match candidates.iter_mut().find(|c| c.record == record) {
            Some(candidate) => {
                candidate.identifier_hit = true;
                candidate.bound = 1.0;
            }
            None => candidates.push(Candidate {
                record,
                bound: 1.0,
                names: Vec::new(),
                identifier_hit: true,
            }),
        }
    }
    candidates.sort_by(|a, b| b.bound.total_cmp(&a.bound).then(a.record.cmp(&b.record)));
    candidates
}
