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

use crate::{Index, NameId, PreparedQuery, QueryForm, QueryPart, RecordId};

/// Per-thread scratch space, reused across queries so that candidate
/// generation does not allocate per name.
#[derive(Debug, Default)]
pub struct Scratch {
    acc: Vec<f32>,
    stamp: Vec<u32>,
    generation: u32,
    part_best: Vec<f32>,
    part_stamp: Vec<u32>,
    part_generation: u32,
    touched: Vec<NameId>,
    part_touched: Vec<NameId>,
}

impl Scratch {
    /// Empty scratch space; it grows to the index's size on first use.
    pub fn new() -> Scratch {
        Scratch::default()
    }

    fn fit(&mut self, names: usize) {
        if self.acc.len() < names {
            self.acc.resize(names, 0.0);
            self.stamp.resize(names, 0);
            self.part_best.resize(names, 0.0);
            self.part_stamp.resize(names, 0);
        }
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

    fn next_part_generation(&mut self) -> u32 {
        self.part_generation = self.part_generation.wrapping_add(1);
        if self.part_generation == 0 {
            self.part_stamp.fill(0);
            self.part_generation = 1;
        }
        self.part_touched.clear();
        self.part_generation
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
        let mut hits: Vec<(RecordId, NameHit)> = Vec::new();
        let mut best_below: Vec<(RecordId, NameHit)> = Vec::new();
        for (qn, name) in query.names.iter().enumerate() {
            for (qf, form) in name.forms.iter().enumerate() {
                self.form_candidates(form, qn as u16, qf as u16, cutoff, allow, scratch, &mut hits, &mut best_below);
                if let Some(acronym) = single_informative_part(form) {
                    // "CJNG" against "Cártel de Jalisco Nueva Generación".
                    for &name_id in self.acronym_postings(&acronym.text) {
                        let record = self.name(name_id).record;
                        if allow(record) {
                            hits.push((record, NameHit { name: name_id, query_name: qn as u16, form: qf as u16, bound: 1.0 }));
                        }
                    }
                }
            }
            // "Cártel de Jalisco Nueva Generación" against "CJNG".
            for acronym in &name.acronyms {
                if let Some(token) = self.dictionary().get(acronym) {
                    for &name_id in self.postings(token) {
                        let record = self.name(name_id).record;
                        if allow(record) && self.parts(self.name(name_id)).len() == 1 {
                            hits.push((record, NameHit { name: name_id, query_name: qn as u16, form: 0, bound: 1.0 }));
                        }
                    }
                }
            }
        }
        let mut safety_net = false;
        if hits.is_empty() && !best_below.is_empty() {
            best_below.sort_by(|a, b| b.1.bound.total_cmp(&a.1.bound));
            best_below.truncate(self.config().safety_net);
            hits = best_below;
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
        CandidateSet { candidates, caps_hit, safety_net }
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
        best_below: &mut Vec<(RecordId, NameHit)>,
    ) {
        if form.parts.is_empty() {
            return;
        }
        let denominator = form.total_weight.max(1.0);
        let needed = cutoff * denominator;
        // Lightest parts first: those whose weights together stay below
        // what a match needs are non-essential.
        let mut order: Vec<usize> = (0..form.parts.len()).collect();
        order.sort_by(|&a, &b| form.parts[a].weight.total_cmp(&form.parts[b].weight));
        let mut light_sum = 0.0;
        let mut split = 0;
        for (i, &p) in order.iter().enumerate() {
            if light_sum + form.parts[p].weight < needed {
                light_sum += form.parts[p].weight;
                split = i + 1;
            } else {
                break;
            }
        }
        let (non_essential, essential) = order.split_at(split);

        let generation = scratch.next_generation();
        for &p in essential {
            self.accumulate(&form.parts[p], form.parts[p].weight, generation, scratch);
        }
        for join in &form.joins {
            self.accumulate(&join.part, join.part.weight, generation, scratch);
        }
        // Top up the names already reached with the non-essential parts,
        // looking the other way: from each name's parts into the query
        // part's expansions.
        for &p in non_essential {
            let part = &form.parts[p];
            if part.expansions.is_empty() {
                continue;
            }
            for i in 0..scratch.touched.len() {
                let name_id = scratch.touched[i];
                let name = self.name(name_id);
                let mut best = 0.0f32;
                for listed in self.parts(name) {
                    if let Some(e) = part.similarity(listed.token) {
                        best = best.max(e.sim);
                    }
                }
                for join in self.joins(name) {
                    if let Some(e) = part.similarity(join.token) {
                        best = best.max(e.sim);
                    }
                }
                scratch.acc[name_id as usize] += part.weight * best;
            }
        }
        for &name_id in &scratch.touched {
            let record = self.name(name_id).record;
            if !allow(record) {
                continue;
            }
            let bound = (scratch.acc[name_id as usize] / denominator).min(1.0);
            let hit = NameHit { name: name_id, query_name, form: query_form, bound };
            if bound >= cutoff {
                hits.push((record, hit));
            } else if bound > 0.0 {
                // Kept small: only the safety net reads it.
                if best_below.len() < 4 * self.config().safety_net {
                    best_below.push((record, hit));
                } else if let Some(worst) = best_below.iter_mut().min_by(|a, b| a.1.bound.total_cmp(&b.1.bound)) {
                    if worst.1.bound < bound {
                        *worst = (record, hit);
                    }
                }
            }
        }
    }

    /// Adds a part's contribution to every name its expansions reach.
    fn accumulate(&self, part: &QueryPart, weight: f32, generation: u32, scratch: &mut Scratch) {
        let part_generation = scratch.next_part_generation();
        for expansion in &part.expansions {
            for &name_id in self.postings(expansion.token) {
                let n = name_id as usize;
                if scratch.part_stamp[n] != part_generation {
                    scratch.part_stamp[n] = part_generation;
                    scratch.part_best[n] = expansion.sim;
                    scratch.part_touched.push(name_id);
                } else if scratch.part_best[n] < expansion.sim {
                    scratch.part_best[n] = expansion.sim;
                }
            }
        }
        for i in 0..scratch.part_touched.len() {
            let n = scratch.part_touched[i] as usize;
            if scratch.stamp[n] != generation {
                scratch.stamp[n] = generation;
                scratch.acc[n] = 0.0;
                scratch.touched.push(n as NameId);
            }
            scratch.acc[n] += weight * scratch.part_best[n];
        }
    }
}

/// The single informative part of a form, if it has exactly one: what an
/// acronym query looks like.
fn single_informative_part(form: &QueryForm) -> Option<&QueryPart> {
    let mut informative = form.parts.iter().filter(|p| crate::Weights::is_informative(p.tag));
    let first = informative.next()?;
    (informative.next().is_none() && first.chars.len() >= 2 && first.chars.len() <= 8).then_some(first)
}

/// Groups name hits by record, best bound first.
fn group(mut hits: Vec<(RecordId, NameHit)>, identifier_records: Vec<RecordId>) -> Vec<Candidate> {
    hits.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.bound.total_cmp(&a.1.bound)));
    let mut candidates: Vec<Candidate> = Vec::new();
    for (record, hit) in hits {
        match candidates.last_mut() {
            Some(last) if last.record == record => {
                if !last.names.iter().any(|h| h.name == hit.name && h.query_name == hit.query_name && h.form == hit.form) {
                    last.names.push(hit);
                }
            }
            _ => candidates.push(Candidate { record, bound: hit.bound, names: vec![hit], identifier_hit: false }),
        }
    }
    for record in identifier_records {
        match candidates.iter_mut().find(|c| c.record == record) {
            Some(candidate) => {
                candidate.identifier_hit = true;
                candidate.bound = 1.0;
            }
            None => candidates.push(Candidate { record, bound: 1.0, names: Vec::new(), identifier_hit: true }),
        }
    }
    candidates.sort_by(|a, b| b.bound.total_cmp(&a.bound).then(a.record.cmp(&b.record)));
    candidates
}
