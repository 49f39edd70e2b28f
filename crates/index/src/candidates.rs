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
    /// Folded name parts (see [`crate::QueryRoles`]); pure text, so valid
    /// for every index.
    folds: crate::query::FoldMemo,
    /// The slot of each name of `touched` (see [`crate::NameSlot`]),
    /// gathered in one pass before any is read: the loads are
    /// independent, so their cache misses overlap.
    slots: Vec<crate::NameSlot>,
    /// The names of `touched`, one bit each: phase 1 asks of every posting
    /// it walks whether its name is already reached, and the bits of every
    /// name fit in a fast cache where a four-byte stamp per name did not.
    /// Emptied name by name from `touched` before the next form.
    reached: NameBits,
    touched: Vec<NameId>,
    /// Token → the range of `token_parts` holding the query parts that
    /// expand to it: one lookup per listed part tops up every query part
    /// at once.
    token_marks: MarkTable,
    /// The tokens of the current marking, one bit each.
    token_marked: TokenBits,
    /// (query part, similarity) for the marked tokens, grouped by token.
    token_parts: Vec<(u16, f32)>,
    /// (token, query part, similarity) while marking, before grouping.
    marking: Vec<(TokenId, u16, f32)>,
    /// The best similarity of each query part to the name being bounded.
    best: Vec<f32>,
    /// Per-form tables of candidate generation, kept to be reused.
    form: FormTables,
    /// The join filter of the index `.0` (see [`crate::query::JoinFilter`]).
    join_filter: Option<(u64, crate::query::JoinFilter)>,
}

/// What candidate generation works out for each part of a form (parts,
/// then joins), held in the scratch space so that a form allocates nothing.
#[derive(Debug, Default)]
struct FormTables {
    /// What each part can contribute at most.
    ceilings: Vec<f32>,
    /// The least similarity through which a part alone can lift a name to
    /// the cut-off, with every other part at its ceiling.
    floors: Vec<f32>,
    /// The postings a walk of each part reads.
    costs: Vec<usize>,
    /// The parts' weights.
    weights: Vec<f32>,
    /// The initials among the parts, with their letter.
    initials: Vec<(usize, char)>,
    /// The names holding a join equal to a part that may equal one, with
    /// that part, sorted by name: the join postings of a few parts, where
    /// reading every reached name's joins cost a cache miss or two each.
    joined: Vec<(NameId, usize)>,
    /// Work space of [`cheapest_walk`].
    subset_ceilings: Vec<f32>,
    subset_costs: Vec<usize>,
}

/// Where the query parts reaching a token are listed, for one marking: a
/// small open-addressing table keyed by token, sized for the tokens marked
/// (tens per form). Bounding a name looks up each marked token it holds,
/// at random; a table by token id, the size of the dictionary, missed the
/// fast caches on nearly every lookup where this one stays in them.
#[derive(Debug, Default)]
struct MarkTable {
    slots: Vec<TokenMark>,
    /// `slots.len() - 1` (a power of two less one).
    mask: usize,
    /// `32 - log2(slots.len())`: a token's home slot is the top bits of
    /// its product with an odd constant.
    shift: u32,
}

/// A token's entry in the [`MarkTable`]: the range of `token_parts`, and
/// the bound's sum of a name holding no other marked token.
#[derive(Debug, Clone, Copy)]
struct TokenMark {
    token: TokenId,
    start: u32,
    len: u32,
    /// `Σ weight × best similarity` over the parts reaching the token, in
    /// the parts' order: what bounding a name whose only marked token this
    /// is sums, to the bit (the other parts add `weight × 0`, which leaves
    /// a sum of non-negative terms unchanged).
    solo: f32,
}

impl TokenMark {
    const EMPTY: TokenMark = TokenMark { token: TokenId::MAX, start: 0, len: 0, solo: 0.0 };
}

impl MarkTable {
    /// Empties the table, with room for `tokens` entries at most half full.
    fn reset(&mut self, tokens: usize) {
        let size = (tokens * 2).next_power_of_two().max(16);
        self.slots.clear();
        self.slots.resize(size, TokenMark::EMPTY);
        self.mask = size - 1;
        self.shift = 32 - size.trailing_zeros();
    }

    fn home(&self, token: TokenId) -> usize {
        (token.wrapping_mul(0x9e37_79b1) >> self.shift) as usize
    }

    /// The entry of `token`, added (empty) if it is absent.
    fn entry(&mut self, token: TokenId) -> &mut TokenMark {
        let mut i = self.home(token);
        while self.slots[i].token != token && self.slots[i].token != TokenId::MAX {
            i = (i + 1) & self.mask;
        }
        &mut self.slots[i]
    }

    /// The range of `token` in `token_parts`, if it is marked.
    fn get(&self, token: TokenId) -> Option<(u32, u32)> {
        self.mark(token).map(|mark| (mark.start, mark.len))
    }

    /// The entry of `token`, if it is marked.
    fn mark(&self, token: TokenId) -> Option<TokenMark> {
        let mut i = self.home(token);
        loop {
            let slot = self.slots[i];
            if slot.token == token {
                return Some(slot);
            }
            if slot.token == TokenId::MAX {
                return None;
            }
            i = (i + 1) & self.mask;
        }
    }
}

/// A set of tokens, one bit per token of the dictionary. Bounding a name
/// asks, for each of its parts, whether a query part reaches the token:
/// almost never. The bits of a whole dictionary fit in a fast cache where
/// the twelve-byte marks do not, so the marks are read only for tokens
/// whose bit is set.
#[derive(Debug, Default)]
struct TokenBits {
    words: Vec<u64>,
}

impl TokenBits {
    fn fit(&mut self, tokens: usize) {
        let words = tokens.div_ceil(64);
        if self.words.len() < words {
            self.words.resize(words, 0);
        }
    }

    fn insert(&mut self, token: TokenId) {
        self.words[token as usize / 64] |= 1 << (token % 64);
    }

    fn remove(&mut self, token: TokenId) {
        self.words[token as usize / 64] &= !(1 << (token % 64));
    }

    fn contains(&self, token: TokenId) -> bool {
        self.words[token as usize / 64] & (1 << (token % 64)) != 0
    }
}

/// A set of names, one bit per name of the index (see `Scratch::reached`).
#[derive(Debug, Default)]
struct NameBits {
    words: Vec<u64>,
}

impl NameBits {
    fn fit(&mut self, names: usize) {
        let words = names.div_ceil(64);
        if self.words.len() < words {
            self.words.resize(words, 0);
        }
    }

    /// Adds a name; whether it was absent.
    fn insert(&mut self, name: NameId) -> bool {
        let (word, bit) = (&mut self.words[name as usize / 64], 1u64 << (name % 64));
        let absent = *word & bit == 0;
        *word |= bit;
        absent
    }

    fn remove(&mut self, name: NameId) {
        self.words[name as usize / 64] &= !(1 << (name % 64));
    }
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
            // Cleared, not reserved ahead: the table grows with the distinct
            // parts seen, and a table sized for the bound would spread a few
            // thousand entries over megabytes, a cache miss per lookup.
            self.expansions.clear();
            self.index_id = index_id;
        }
        &mut self.expansions
    }

    /// The join filter of `index`, made on first use.
    pub(crate) fn join_filter(&mut self, index: &Index) -> &crate::query::JoinFilter {
        if self.join_filter.as_ref().is_some_and(|(id, _)| *id != index.id()) {
            self.join_filter = None;
        }
        &self
            .join_filter
            .get_or_insert_with(|| (index.id(), crate::query::JoinFilter::new(index)))
            .1
    }

    /// The memo of folded name parts, emptied when it grows past its bound.
    pub(crate) fn folds(&mut self) -> &mut crate::query::FoldMemo {
        const FOLD_ENTRIES: usize = 100_000;
        if self.folds.len() >= FOLD_ENTRIES {
            self.folds.clear();
        }
        &mut self.folds
    }

    fn fit(&mut self, names: usize) {
        self.reached.fit(names);
    }

    fn fit_tokens(&mut self, tokens: usize) {
        self.token_marked.fit(tokens);
    }

    /// Marks the expansions of every part of a form, each token with the
    /// parts that reach it.
    fn mark_tokens<'p>(&mut self, parts: impl Iterator<Item = &'p QueryPart>) {
        for &(token, ..) in &self.marking {
            self.token_marked.remove(token);
        }
        self.marking.clear();
        for (p, part) in parts.enumerate() {
            self.marking.extend(part.expansions.iter().map(|e| (e.token, p as u16, e.sim)));
        }
        self.index_marking();
    }

    /// Groups `marking` by token into `token_marks` and `token_parts`.
    fn index_marking(&mut self) {
        self.marking.sort_unstable_by_key(|(token, p, _)| (*token, *p));
        self.token_parts.clear();
        // The marking is sorted by token: each token's parts are one run.
        let distinct = self.marking.chunk_by(|a, b| a.0 == b.0).count();
        self.token_marks.reset(distinct);
        for &(token, p, sim) in &self.marking {
            let mark = self.token_marks.entry(token);
            if mark.token != token {
                *mark =
                    TokenMark { token, start: self.token_parts.len() as u32, len: 0, solo: 0.0 };
            }
            mark.len += 1;
            self.token_parts.push((p, sim));
            self.token_marked.insert(token);
        }
    }

    /// Sets each marked token's `solo` sum from the parts' weights.
    fn sum_solo_marks(&mut self, weights: &[f32]) {
        for mark in self.token_marks.slots.iter_mut().filter(|m| m.token != TokenId::MAX) {
            let parts = &self.token_parts[mark.start as usize..(mark.start + mark.len) as usize];
            let mut sum = 0.0f32;
            // Grouped by part (the marking is sorted by token, then part):
            // a part's best similarity, then its term, in the parts' order.
            for run in parts.chunk_by(|a, b| a.0 == b.0) {
                let best = run.iter().fold(0.0f32, |b, &(_, sim)| if sim > b { sim } else { b });
                sum += weights[run[0].0 as usize] * best;
            }
            mark.solo = sum;
        }
    }

    /// Forgets the names reached by the last form.
    fn clear_touched(&mut self) {
        for &name_id in &self.touched {
            self.reached.remove(name_id);
        }
        self.touched.clear();
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
        self.candidates_with(query, cutoff, allow, scratch, SafetyNet::Names)
    }

    /// As [`Index::candidates`], for a caller that uses only the
    /// candidates reaching `cutoff`: when the safety net would supply its
    /// names, the set says so (`safety_net`) but holds none of them.
    /// Screening scores nothing below its cut-off, and nearly every query
    /// matches nothing: keeping the best-bounded names, sorting and
    /// grouping them cost every such query work that no result shows.
    /// Everything else, `caps_hit` included, is what
    /// [`Index::candidates`] gives.
    pub fn candidates_reaching(
        &self,
        query: &PreparedQuery,
        cutoff: f32,
        allow: &dyn Fn(RecordId) -> bool,
        scratch: &mut Scratch,
    ) -> CandidateSet {
        // The safety net's names count towards `caps_hit` when they, with
        // the records of the query's identifiers, can be more than the
        // candidates allowed: only then are they gathered to be counted.
        let net = if !query.identifiers.is_empty()
            || self.config().safety_net > self.config().max_candidates
        {
            SafetyNet::Names
        } else {
            SafetyNet::Flag
        };
        let mut set = self.candidates_with(query, cutoff, allow, scratch, net);
        set.candidates.retain(|c| c.bound >= cutoff);
        set
    }

    fn candidates_with(
        &self,
        query: &PreparedQuery,
        cutoff: f32,
        allow: &dyn Fn(RecordId) -> bool,
        scratch: &mut Scratch,
        net: SafetyNet,
    ) -> CandidateSet {
        scratch.fit(self.names().len());
        scratch.fit_tokens(self.dictionary().len());
        let mut hits: Vec<(RecordId, NameHit)> = Vec::new();
        let mut best_below = BestBelow::new(self.config().safety_net, net);
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
                        // The record filter first: it reads a dense table,
                        // where counting reads the name's parts.
                        if allow(record)
                            && self
                                .parts(self.name(name_id))
                                .iter()
                                .filter(|p| crate::Weights::is_informative(p.tag))
                                .count()
                                == 1
                        {
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
        // The parts, then the joins as pseudo-parts.
        let part_count = form.parts.len() + form.joins.len();
        let part = |i: usize| -> &QueryPart {
            match form.parts.get(i) {
                Some(part) => part,
                None => &form.joins[i - form.parts.len()].part,
            }
        };
        let mut tables = std::mem::take(&mut scratch.form);
        tables.ceilings.clear();
        tables.ceilings.extend((0..part_count).map(|i| ceiling(part(i))));
        let total: f32 = tables.ceilings[..form.parts.len()].iter().sum::<f32>()
            + tables.ceilings[form.parts.len()..].iter().sum::<f32>();
        // Which parts to walk. A name reached by none of the walked parts
        // must be unable to reach the cut-off: the parts left out (with the
        // joins, as pseudo-parts) must together stay below what a match
        // needs, at their ceilings. Among the sets that qualify, walk the
        // cheapest (fewest postings): for "Patricia Lucas Wheeler" every
        // part is needed, so walking the rarest one alone is enough.
        // Initials are never walked (their postings, "j", are long; they
        // only top up a name a full part found).
        tables.floors.clear();
        tables.floors.extend((0..part_count).map(|i| {
            (needed - (total - tables.ceilings[i])) / part(i).weight.max(f32::MIN_POSITIVE)
        }));
        tables.costs.clear();
        tables.costs.extend((0..part_count).map(|i| {
            let (part, floor) = (part(i), tables.floors[i]);
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
        }));
        // Initials are costly to walk (their postings, "j", are long), so
        // a walk leaves them out whenever it can; but what they could add
        // counts against leaving out the others: a walk of a part that
        // reaches nothing ("morales", not listed) is no walk at all when
        // the initials and the other parts could reach the cut-off without
        // it.
        let walked = cheapest_walk(
            &tables.ceilings,
            &tables.costs,
            needed,
            &mut tables.subset_ceilings,
            &mut tables.subset_costs,
        );

        // Phase 1: reach names. A walked part only walks the postings of
        // expansions similar enough that, with every other part at its
        // ceiling, a name could still reach the cut-off through them.
        scratch.clear_touched();
        for i in 0..part_count {
            if walked & (1 << i) != 0 {
                self.touch(part(i), tables.floors[i], scratch);
            }
        }
        // Phase 2: the bound of every name reached, from all parts, looking
        // from each name's parts into the query parts' expansions: one pass
        // over the name's parts tops up every query part at once.
        scratch.mark_tokens((0..part_count).map(part));
        tables.initials.clear();
        tables.initials.extend(
            (0..part_count)
                .filter(|&i| part(i).tag == vigia_text::PartTag::Initial)
                .filter_map(|i| part(i).chars.first().map(|c| (i, *c))),
        );
        // A name has a join of this hash exactly when the join postings of
        // the hash list it (every join of every name is posted).
        tables.joined.clear();
        for i in (0..part_count).filter(|&i| part(i).listed_join) {
            tables.joined.extend(self.join_postings(part(i).hash).map(|name_id| (name_id, i)));
        }
        tables.joined.sort_unstable();
        tables.weights.clear();
        tables.weights.extend((0..part_count).map(|i| part(i).weight));
        scratch.sum_solo_marks(&tables.weights);
        let (initials, joined, weights) = (&tables.initials, &tables.joined, &tables.weights);
        let Scratch { touched, slots, best, token_marks, token_marked, token_parts, .. } =
            &mut *scratch;
        // The query parts reaching a token known to be marked.
        let reaching_marked = |token: TokenId| -> &[(u16, f32)] {
            match token_marks.get(token) {
                Some((start, len)) => &token_parts[start as usize..(start + len) as usize],
                None => &[],
            }
        };
        // The query parts reaching a token, in this marking.
        let reaching = |token: TokenId| -> &[(u16, f32)] {
            if !token_marked.contains(token) {
                return &[];
            }
            reaching_marked(token)
        };
        best.resize(part_count, 0.0);
        // Summed part by part in the form's order, as the scorer's bound is
        // defined.
        let bound_of = |best: &[f32]| {
            let mut sum = 0.0f32;
            for (w, b) in weights.iter().zip(best) {
                sum += w * b;
            }
            sum
        };
        // Each name is settled as soon as it is bounded, in the order the
        // names were reached, rather than its bound stored and read again
        // in a second pass. The record filter (schema, datasets) is
        // consulted only for names that would be kept: most names reached
        // fall below the cut-off.
        let mut settle = |name_id: NameId, sum: f32, record: RecordId| {
            let bound = (sum / denominator).min(1.0);
            let keep = bound >= cutoff;
            let offered = !keep && bound > 0.0 && hits.is_empty() && best_below.would_take(bound);
            if !(keep || offered) || !allow(record) {
                return;
            }
            let hit = NameHit { name: name_id, query_name, form: query_form, bound };
            if keep {
                hits.push((record, hit));
            } else {
                best_below.offer(record, hit);
            }
        };
        slots.clear();
        slots.extend(touched.iter().map(|&name_id| *self.name_slot(name_id)));
        // A spilled name's tokens are a second cache miss, after its slot's:
        // one load of each, before any is read, lets those misses overlap
        // as the slots' did.
        for slot in slots.iter().filter(|slot| slot.tokens().is_none()) {
            std::hint::black_box(self.slot_tokens(slot).first().copied());
        }
        if initials.is_empty() && joined.is_empty() {
            // The common case: only the name's tokens matter, and the best
            // similarity of each part is a maximum, whatever the order in
            // which the tokens are read.
            for (slot, &name_id) in slots.iter().zip(touched.iter()) {
                let tokens = self.slot_tokens(slot);
                if tokens.len() <= 32 {
                    // Most names hold one marked token: their sum is that
                    // token's, summed once per form rather than per name.
                    let mut marked = 0u32;
                    for (k, &token) in tokens.iter().enumerate() {
                        marked |= u32::from(token_marked.contains(token)) << k;
                    }
                    if marked == 0 {
                        settle(name_id, 0.0, slot.record);
                        continue;
                    }
                    if marked.count_ones() == 1 {
                        let token = tokens[marked.trailing_zeros() as usize];
                        let sum = token_marks.mark(token).map_or(0.0, |mark| mark.solo);
                        settle(name_id, sum, slot.record);
                        continue;
                    }
                }
                // A name holding no marked token is bounded 0, as the sum
                // of zero similarities would be.
                let mut reached = false;
                for chunk in self.slot_tokens(slot).chunks(32) {
                    // Which tokens are marked, asked of all of them before
                    // any is followed: one or two of a name's tokens are, at
                    // no predictable place, and a branch per token guessed
                    // wrong on them.
                    let mut marked = 0u32;
                    for (k, &token) in chunk.iter().enumerate() {
                        marked |= u32::from(token_marked.contains(token)) << k;
                    }
                    if marked != 0 && !reached {
                        best.fill(0.0);
                        reached = true;
                    }
                    while marked != 0 {
                        let token = chunk[marked.trailing_zeros() as usize];
                        marked &= marked - 1;
                        for &(p, sim) in reaching_marked(token) {
                            let b = &mut best[p as usize];
                            // A selection, not `f32::max` (similarities are
                            // never NaN, and its NaN handling costs a few
                            // instructions) nor a branch (taken at random).
                            *b = if sim > *b { sim } else { *b };
                        }
                    }
                }
                settle(name_id, if reached { bound_of(best) } else { 0.0 }, slot.record);
            }
        } else {
            // Initials compare with the first letter of the name's parts
            // (the slot's first `parts` tokens), and a part equal to a
            // listed join tops up the names the join postings list.
            for (slot, &name_id) in slots.iter().zip(touched.iter()) {
                best.fill(0.0);
                for (k, &token) in self.slot_tokens(slot).iter().enumerate() {
                    for &(p, sim) in reaching(token) {
                        let b = &mut best[p as usize];
                        *b = if sim > *b { sim } else { *b };
                    }
                    if k < slot.parts as usize && !initials.is_empty() {
                        let first = self.dictionary().first_char(token);
                        for &(p, c) in initials {
                            if first == Some(c) {
                                let b = &mut best[p];
                                *b = b.max(initial_sim);
                            }
                        }
                    }
                }
                if !joined.is_empty() {
                    let start = joined.partition_point(|&(n, _)| n < name_id);
                    for &(_, p) in joined[start..].iter().take_while(|(n, _)| *n == name_id) {
                        best[p] = 1.0;
                    }
                }
                settle(name_id, bound_of(best), slot.record);
            }
        }
        scratch.form = tables;
    }

    /// Marks every name reached by a part's expansions of similarity at
    /// least `floor` (and, exactly, by the listed joins equal to it).
    fn touch(&self, part: &QueryPart, floor: f32, scratch: &mut Scratch) {
        let reach = |name_id: NameId, scratch: &mut Scratch| {
            if scratch.reached.insert(name_id) {
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
///
/// `sums` and `totals` are work space: the ceilings left out and the cost
/// walked of every subset, each derived from the subset without its highest
/// part (one addition per subset instead of one per part and subset). The
/// ceilings are added in ascending order of part, as a plain sum over the
/// subset would, so the sums are the same to the bit.
fn cheapest_walk(
    ceilings: &[f32],
    costs: &[usize],
    needed: f32,
    sums: &mut Vec<f32>,
    totals: &mut Vec<usize>,
) -> u32 {
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
    sums.clear();
    totals.clear();
    sums.push(std::iter::empty::<f32>().sum());
    totals.push(0);
    for set in 1..=all as usize {
        let highest = set.ilog2() as usize;
        let rest = set & !(1 << highest);
        sums.push(sums[rest] + ceilings[highest]);
        totals.push(totals[rest].saturating_add(costs[highest]));
    }
    let mut best = (usize::MAX, all);
    for walked in 1..=all {
        let left_out = sums[(all & !walked) as usize];
        if left_out >= needed {
            continue;
        }
        let cost = totals[walked as usize];
        if cost < best.0 || (cost == best.0 && walked.count_ones() < best.1.count_ones()) {
            best = (cost, walked);
        }
    }
    best.1
}

/// What candidate generation keeps of the safety net.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SafetyNet {
    /// Its best-bounded names, to be returned as candidates.
    Names,
    /// Only whether it holds a name: the caller uses no candidate below
    /// the cut-off.
    Flag,
}

/// The best-bounded names below the cut-off, kept for the safety net in a
/// bounded min-heap (no allocation beyond its capacity); or, under
/// [`SafetyNet::Flag`], only whether one was offered.
struct BestBelow {
    capacity: usize,
    net: SafetyNet,
    /// Whether a name was offered (under [`SafetyNet::Flag`]).
    offered: bool,
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
    fn new(capacity: usize, net: SafetyNet) -> BestBelow {
        let heap = match net {
            SafetyNet::Names => std::collections::BinaryHeap::with_capacity(capacity + 1),
            SafetyNet::Flag => std::collections::BinaryHeap::new(),
        };
        BestBelow { capacity, net, offered: false, heap }
    }

    fn is_empty(&self) -> bool {
        match self.net {
            SafetyNet::Names => self.heap.is_empty(),
            SafetyNet::Flag => !self.offered,
        }
    }

    /// Whether [`BestBelow::offer`] would keep a name of this bound. Under
    /// [`SafetyNet::Flag`], only the first name offered changes anything.
    fn would_take(&self, bound: f32) -> bool {
        if self.capacity == 0 {
            return false;
        }
        match self.net {
            SafetyNet::Names => {
                self.heap.len() < self.capacity
                    || matches!(self.heap.peek(), Some(std::cmp::Reverse((worst, ..))) if worst.0 < bound)
            }
            SafetyNet::Flag => !self.offered,
        }
    }

    fn offer(&mut self, record: RecordId, hit: NameHit) {
        if self.capacity == 0 {
            return;
        }
        if self.net == SafetyNet::Flag {
            self.offered = true;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The walk chosen by summing every subset afresh: what
    /// [`cheapest_walk`] must agree with.
    fn cheapest_walk_naive(ceilings: &[f32], costs: &[usize], needed: f32) -> u32 {
        let n = ceilings.len();
        let all = (1u32 << n) - 1;
        let mut best = (usize::MAX, all);
        for walked in 1..=all {
            let left_out: f32 =
                (0..n).filter(|i| walked & (1 << i) == 0).map(|i| ceilings[i]).sum();
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

    #[test]
    fn token_bits_hold_exactly_what_was_inserted() {
        let mut bits = TokenBits::default();
        bits.fit(200);
        let tokens = [0, 1, 63, 64, 65, 127, 128, 199];
        for &t in &tokens {
            bits.insert(t);
        }
        for t in 0..200 {
            assert_eq!(bits.contains(t), tokens.contains(&t), "{t}");
        }
        bits.remove(64);
        bits.remove(0);
        bits.remove(5);
        for t in 0..200 {
            assert_eq!(bits.contains(t), tokens.contains(&t) && t != 64 && t != 0, "{t}");
        }
    }

    #[test]
    fn mark_table_finds_exactly_the_tokens_marked() {
        let mut table = MarkTable::default();
        for count in [0usize, 1, 7, 8, 9, 100, 1000] {
            // Spread and clustered ids, and the largest real ones.
            let mut seen = std::collections::HashSet::new();
            let tokens: Vec<TokenId> = (0..count as u32)
                .map(|i| match i % 3 {
                    0 => i,
                    1 => i.wrapping_mul(2_654_435_761) % 4_000_000,
                    _ => TokenId::MAX - 1 - i,
                })
                .filter(|token| seen.insert(*token))
                .collect();
            table.reset(count);
            for (i, &token) in tokens.iter().enumerate() {
                let mark = table.entry(token);
                assert_eq!(mark.token, TokenId::MAX, "{token} added twice");
                *mark = TokenMark { token, start: i as u32, len: 1, solo: 0.0 };
            }
            for (i, &token) in tokens.iter().enumerate() {
                assert_eq!(table.get(token), Some((i as u32, 1)), "{token}");
                assert_eq!(table.entry(token).start, i as u32);
            }
            for absent in [count as u32 + 5, 3_999_999_999, 12_345_678] {
                if !tokens.contains(&absent) {
                    assert_eq!(table.get(absent), None, "{absent}");
                }
            }
        }
    }

    #[test]
    fn a_solo_mark_sums_as_bounding_a_name_with_that_token_alone_would() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (state >> 33) as u32
        };
        let mut scratch = Scratch::new();
        scratch.fit_tokens(64);
        for _ in 0..2000 {
            let parts = 1 + next() as usize % 9;
            let weights: Vec<f32> = (0..parts).map(|_| (next() % 1000) as f32 / 333.0).collect();
            for &(token, ..) in &scratch.marking {
                scratch.token_marked.remove(token);
            }
            scratch.marking.clear();
            for _ in 0..1 + next() % 24 {
                let sim = (next() % 1001) as f32 / 1000.0;
                scratch.marking.push((next() % 8, (next() as usize % parts) as u16, sim));
            }
            scratch.index_marking();
            scratch.sum_solo_marks(&weights);
            for token in 0..8 {
                // What the general path does: the best similarity of every
                // part, then the sum over all parts in their order.
                let mut best = vec![0.0f32; parts];
                let reaching = scratch.token_marks.get(token).map_or(&[][..], |(start, len)| {
                    &scratch.token_parts[start as usize..(start + len) as usize]
                });
                for &(p, sim) in reaching {
                    let b = &mut best[p as usize];
                    *b = if sim > *b { sim } else { *b };
                }
                let mut sum = 0.0f32;
                for (w, b) in weights.iter().zip(&best) {
                    sum += w * b;
                }
                let solo = scratch.token_marks.mark(token).map_or(0.0, |mark| mark.solo);
                assert_eq!(solo.to_bits(), sum.to_bits(), "{token} {weights:?} {reaching:?}");
            }
        }
    }

    #[test]
    fn name_bits_report_first_insertions() {
        let mut bits = NameBits::default();
        bits.fit(130);
        assert!(bits.insert(0));
        assert!(bits.insert(129));
        assert!(!bits.insert(0));
        assert!(bits.insert(64));
        assert!(!bits.insert(64));
        bits.remove(64);
        assert!(bits.insert(64));
        bits.remove(0);
        bits.remove(64);
        bits.remove(129);
        assert!(bits.words.iter().all(|w| *w == 0));
    }

    #[test]
    fn cheapest_walk_agrees_with_summing_every_subset() {
        // A small linear congruential generator: varied, reproducible cases.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (state >> 33) as u32
        };
        let (mut sums, mut totals) = (Vec::new(), Vec::new());
        for _ in 0..3000 {
            let n = 1 + next() as usize % 12;
            let ceilings: Vec<f32> = (0..n).map(|_| (next() % 1000) as f32 / 997.0).collect();
            let costs: Vec<usize> = (0..n)
                .map(|_| match next() % 5 {
                    0 => usize::MAX / 64,
                    1 => 0,
                    _ => (next() % 50) as usize,
                })
                .collect();
            let needed = (next() % 3000) as f32 / 1000.0;
            assert_eq!(
                cheapest_walk(&ceilings, &costs, needed, &mut sums, &mut totals),
                cheapest_walk_naive(&ceilings, &costs, needed),
                "{ceilings:?} {costs:?} {needed}"
            );
        }
    }
}
