//! Preparing a query: its names analysed, each part expanded to the
//! dictionary tokens it may match, with a similarity for each.

use vigia_model::{Entity, NameKind, Schema, prop};
use vigia_text::{PartTag, Script, analyze_without_keys, normalize, phonetic, token};

use crate::{Index, NameOrigin, PartRole, TokenId, fuzzy};

/// The key of a memoised expansion: a hash of what it depends on besides
/// the index — the part's text, tag and equivalence symbol (its phonetic
/// keys follow from its text) — and of whether the entry holds what a
/// transliterated form keeps (see [`memo_key`]). The entry holds all of
/// them again, so that a hash collision is a miss, never a wrong hit; a
/// lookup allocates nothing.
pub(crate) type MemoKey = u64;

/// A memoised expansion. With its key it fills one 64-byte cache line
/// (the entries are read at random, one per part of every query): the
/// text is inline up to [`MEMO_INLINE`] bytes, and the expansions a
/// transliterated form keeps are an entry of their own rather than a
/// second list in every entry.
#[derive(Debug, Clone)]
pub(crate) struct MemoEntry {
    text: MemoText,
    /// All the part's expansions, or those a transliterated form keeps
    /// when `transliterated`.
    expansions: std::sync::Arc<[Expansion]>,
    caps: u32,
    /// What the part's weight and join lookups need (see [`Expanded`]).
    rarity: f32,
    symbol: Option<u32>,
    tag: PartTag,
    transliterated: bool,
    listed_join: bool,
}

const _: () = assert!(std::mem::size_of::<(MemoKey, MemoEntry)>() == 64);

/// The memo key of a part (see [`MemoKey`]): its text's hash
/// ([`crate::text_hash`]) mixed with its tag, symbol and whether the entry
/// is for a transliterated form.
fn memo_key(hash: u64, tag: PartTag, symbol: Option<u32>, transliterated: bool) -> MemoKey {
    let rest = (tag as u64) << 40
        | u64::from(transliterated) << 39
        | u64::from(symbol.is_some()) << 38
        | u64::from(symbol.unwrap_or(0));
    hash ^ rest.wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(29)
}

impl MemoEntry {
    /// Whether the entry is that of this part.
    fn is(&self, text: &MemoText, tag: PartTag, symbol: Option<u32>, transliterated: bool) -> bool {
        self.tag == tag
            && self.symbol == symbol
            && self.transliterated == transliterated
            && self.text.same(text)
    }
}

/// A part's text in its memo entry: short texts (most parts) are kept in
/// the entry itself, zero-padded and followed by their length, so that
/// confirming a hit reads no other cache line and compares two arrays of a
/// fixed size.
#[derive(Debug, Clone)]
pub(crate) enum MemoText {
    Inline([u8; MEMO_INLINE + 1]),
    Heap(Box<Box<str>>),
}

/// The longest text kept inline (the enum is then as large as two words).
const MEMO_INLINE: usize = 14;

impl MemoText {
    fn new(text: &str) -> MemoText {
        if text.len() <= MEMO_INLINE {
            let mut bytes = [0; MEMO_INLINE + 1];
            bytes[..text.len()].copy_from_slice(text.as_bytes());
            bytes[MEMO_INLINE] = text.len() as u8;
            MemoText::Inline(bytes)
        } else {
            MemoText::Heap(Box::new(text.into()))
        }
    }

    fn same(&self, other: &MemoText) -> bool {
        match (self, other) {
            (MemoText::Inline(a), MemoText::Inline(b)) => a == b,
            (MemoText::Heap(a), MemoText::Heap(b)) => a == b,
            _ => false,
        }
    }
}

/// The expansions of a part (as a transliterated form keeps them, when it
/// comes from one), the caps hit computing them, and what follows from the
/// part's text and expansions alone: kept in the memo, because each reads
/// the index at random places (a token's rarity per expansion, the listed
/// joins).
struct Expanded {
    kept: std::sync::Arc<[Expansion]>,
    caps: u32,
    /// The hash of the text ([`crate::text_hash`]).
    hash: u64,
    /// The rarity of the commonest token the part reaches by spelling.
    rarity: f32,
    /// Whether some listed name has a join equal to the text.
    listed_join: bool,
}

/// Looks a part up in the memo, or computes and stores it. `transliterated`
/// asks for the expansions a transliterated form keeps.
#[allow(clippy::too_many_arguments)]
fn memoised(
    index: &Index,
    scratch: Option<&mut crate::Scratch>,
    text: &str,
    chars: &[char],
    tag: PartTag,
    symbol: Option<u32>,
    transliterated: bool,
    compute: impl FnOnce() -> (Vec<Expansion>, u32),
) -> Expanded {
    let transliterated = transliterated && drops_in_transliteration(chars.len());
    let hash = crate::text_hash(text);
    let Some(scratch) = scratch else {
        let (expansions, caps) = compute();
        let expansions: std::sync::Arc<[Expansion]> = expansions.into();
        return Expanded {
            kept: if transliterated {
                index.kept_in_transliteration(chars, &expansions)
            } else {
                expansions.clone()
            },
            rarity: index.spelling_rarity(&expansions),
            listed_join: index.join_postings(hash).next().is_some(),
            caps,
            hash,
        };
    };
    let memo = scratch.memo(index.id());
    let memo_text = MemoText::new(text);
    let found = |entry: &MemoEntry| Expanded {
        kept: entry.expansions.clone(),
        caps: entry.caps,
        hash,
        rarity: entry.rarity,
        listed_join: entry.listed_join,
    };
    let key = memo_key(hash, tag, symbol, transliterated);
    if let Some(entry) = memo.get(&key)
        && entry.is(&memo_text, tag, symbol, transliterated)
    {
        return found(entry);
    }
    // The part's own entry, which a transliterated form's entry is made
    // from.
    let own_key = memo_key(hash, tag, symbol, false);
    let own = if transliterated { memo.get(&own_key) } else { None };
    let own = match own {
        Some(entry) if entry.is(&memo_text, tag, symbol, false) => found(entry),
        _ => {
            let (expansions, caps) = compute();
            let expansions: std::sync::Arc<[Expansion]> = expansions.into();
            let rarity = index.spelling_rarity(&expansions);
            let listed_join = index.join_postings(hash).next().is_some();
            memo.insert(
                own_key,
                MemoEntry {
                    text: memo_text.clone(),
                    expansions: expansions.clone(),
                    caps,
                    rarity,
                    symbol,
                    tag,
                    transliterated: false,
                    listed_join,
                },
            );
            Expanded { kept: expansions, caps, hash, rarity, listed_join }
        }
    };
    if !transliterated {
        return own;
    }
    let kept = index.kept_in_transliteration(chars, &own.kept);
    memo.insert(
        key,
        MemoEntry {
            text: memo_text,
            expansions: kept.clone(),
            caps: own.caps,
            rarity: own.rarity,
            symbol,
            tag,
            transliterated: true,
            listed_join: own.listed_join,
        },
    );
    Expanded { kept, ..own }
}

/// Reads the memo entries of a form's parts, and the first expansion of
/// each, before any part is prepared. Each entry is a cache miss or two
/// (the table, the entry, the shared list of expansions); here the reads of
/// different parts are independent and overlap, where preparing the parts
/// one by one waited on each in turn (taking a share of the expansions is
/// an atomic increment, which lets no later load start early). Changes no
/// result: the entries are read again, from the cache, by [`memoised`].
fn warm_memo(
    index: &Index,
    scratch: &mut crate::Scratch,
    parts: &[vigia_text::Part],
    transliterated: bool,
) {
    let memo = scratch.memo(index.id());
    let mut seen = 0;
    for part in parts {
        let transliterated = transliterated && drops_in_transliteration(part.text.chars().count());
        let key = memo_key(crate::text_hash(&part.text), part.tag, part.symbol, transliterated);
        if let Some(entry) = memo.get(&key) {
            seen ^= entry.expansions.first().map_or(0, |e| e.token);
        }
    }
    std::hint::black_box(seen);
}

/// How a query part reaches a dictionary token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MatchHow {
    /// The same token.
    Exact,
    /// The same equivalence symbol: spelling variants of one given name,
    /// one legal form, one organisation word.
    Symbol,
    /// Within the edit budget; the number of edits.
    Fuzzy(u8),
    /// The same Double Metaphone key.
    Phonetic,
    /// The same consonant skeleton.
    Skeleton,
    /// Within the edit budget only once the first-letter rule is relaxed:
    /// the safety net for parts that match nothing otherwise.
    Relaxed(u8),
    /// A name against a listed initial ("john" against "j").
    Initial,
}

impl MatchHow {
    /// A short word for explanations.
    pub fn label(self) -> String {
        match self {
            MatchHow::Exact => "exact".into(),
            MatchHow::Symbol => "same name in another spelling".into(),
            MatchHow::Fuzzy(1) => "1 edit".into(),
            MatchHow::Fuzzy(n) => format!("{n} edits"),
            MatchHow::Phonetic => "sounds alike".into(),
            MatchHow::Skeleton => "same consonants".into(),
            MatchHow::Relaxed(n) => format!("{n} edits (relaxed)"),
            MatchHow::Initial => "initial".into(),
        }
    }
}

/// The similarity a query part has to a dictionary token, by how it was
/// reached. Listed by the `/algorithms` endpoint.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Similarities {
    /// Same equivalence symbol.
    pub symbol: f32,
    /// One edit, the shorter token of five letters or more.
    pub one_edit: f32,
    /// One edit, the shorter token of three or four letters.
    pub one_edit_short: f32,
    /// Two edits (both tokens of nine letters or more).
    pub two_edits: f32,
    /// Same phonetic key.
    pub phonetic: f32,
    /// Same consonant skeleton.
    pub skeleton: f32,
    /// Reached only by the relaxed safety-net lookup.
    pub relaxed: f32,
    /// A name against an initial, either way round.
    pub initial: f32,
}

impl Default for Similarities {
    fn default() -> Similarities {
        Similarities {
            symbol: 0.92,
            one_edit: 0.9,
            one_edit_short: 0.85,
            two_edits: 0.8,
            phonetic: 0.72,
            skeleton: 0.72,
            relaxed: 0.68,
            initial: 0.45,
        }
    }
}

/// A dictionary token a query part may match.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Expansion {
    /// The token.
    pub token: TokenId,
    /// The similarity of the query part to it, in 0..=1.
    pub sim: f32,
    /// How it was reached.
    pub how: MatchHow,
}

/// A part of a query name.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryPart {
    /// The folded text.
    pub text: String,
    /// The characters of the text.
    pub chars: Vec<char>,
    /// What the part is.
    pub tag: PartTag,
    /// Its role, when the query says (firstName/lastName).
    pub role: PartRole,
    /// Its weight.
    pub weight: f32,
    /// The dictionary tokens it may match, sorted by token id (shared with
    /// the memo of the scratch space that computed them).
    pub expansions: std::sync::Arc<[Expansion]>,
    /// The hash of the text, matched exactly against listed joins.
    pub hash: u64,
    /// Whether some listed name has a join ("abdulrahman" from "abdul
    /// rahman") equal to the text: looked up once here, consulted by every
    /// step of candidate generation.
    pub listed_join: bool,
}

impl QueryPart {
    /// The similarity of this part to a dictionary token, if it may match it.
    pub fn similarity(&self, token: TokenId) -> Option<&Expansion> {
        self.expansions.binary_search_by_key(&token, |e| e.token).ok().map(|i| &self.expansions[i])
    }
}

/// Two adjacent query parts joined ("abdul rahman" → "abdulrahman").
#[derive(Debug, Clone, PartialEq)]
pub struct QueryJoin {
    /// The position of the first of the two parts.
    pub first: usize,
    /// The joined part, weighing as much as the two together.
    pub part: QueryPart,
}

/// One rendering of a query name.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryForm {
    /// The script of the form.
    pub script: Script,
    /// Whether this form is a transliteration of the name as given.
    pub transliterated: bool,
    /// The folded text.
    pub text: String,
    /// The parts.
    pub parts: Vec<QueryPart>,
    /// Joined adjacent parts.
    pub joins: Vec<QueryJoin>,
    /// The sum of the part weights (joins excluded).
    pub total_weight: f32,
}

/// One name of the query, analysed.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryName {
    /// Which property it came from.
    pub origin: NameOrigin,
    /// The name as given.
    pub original: String,
    /// Its forms, the name as written first.
    pub forms: Vec<QueryForm>,
    /// The acronyms it could be written as (organisations).
    pub acronyms: Vec<String>,
}

/// A query, ready for candidate generation and scoring.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedQuery {
    /// The query's schema.
    pub schema: Schema,
    /// Its names.
    pub names: Vec<QueryName>,
    /// How many expansion caps were hit preparing it (each one a possible
    /// missed match; reported with the result).
    pub caps_hit: u32,
    /// The query's normalised identifiers, looked up exactly.
    pub identifiers: Vec<String>,
}

impl Index {
    /// Prepares a query entity: analyses its names (or composes one from
    /// firstName/lastName) and expands every part.
    pub fn prepare(&self, query: &Entity) -> PreparedQuery {
        self.prepare_inner(query, None)
    }

    /// As [`Index::prepare`], reusing the part expansions memoised in the
    /// scratch space (the same result, faster on repeated names).
    pub fn prepare_with(&self, query: &Entity, scratch: &mut crate::Scratch) -> PreparedQuery {
        self.prepare_inner(query, Some(scratch))
    }

    /// As [`Index::prepare_with`], for a caller that has already extracted
    /// the query's [`crate::Evidence`] (its identifiers are taken from it).
    pub fn prepare_with_evidence(
        &self,
        query: &Entity,
        evidence: &crate::Evidence,
        scratch: &mut crate::Scratch,
    ) -> PreparedQuery {
        let identifiers = evidence.identifiers.iter().map(|i| i.normalized.clone()).collect();
        self.prepare_names(query, Some(scratch), identifiers)
    }

    fn prepare_inner(&self, query: &Entity, scratch: Option<&mut crate::Scratch>) -> PreparedQuery {
        let identifiers =
            crate::Evidence::of(query).identifiers.into_iter().map(|i| i.normalized).collect();
        self.prepare_names(query, scratch, identifiers)
    }

    fn prepare_names(
        &self,
        query: &Entity,
        mut scratch: Option<&mut crate::Scratch>,
        identifiers: Vec<String>,
    ) -> PreparedQuery {
        let kind = query.schema.name_kind();
        let mut names: Vec<(NameOrigin, String)> =
            query.names().map(|(p, v)| (NameOrigin::of_property(p), v.to_owned())).collect();
        if names.is_empty() {
            let composed: Vec<&str> = [
                prop::FIRST_NAME,
                prop::SECOND_NAME,
                prop::MIDDLE_NAME,
                prop::FATHER_NAME,
                prop::LAST_NAME,
            ]
            .iter()
            .filter_map(|p| query.first(p))
            .collect();
            if !composed.is_empty() {
                names.push((NameOrigin::Name, composed.join(" ")));
            }
        }
        // "Cártel del Golfo(CDG)", "Nemesio 'El Mencho' Oseguera": also the
        // name without its aside, and the aside (an acronym, a nickname) as
        // an alias.
        for i in 0..names.len() {
            if let Some((head, inner)) = vigia_text::token::split_aside(&names[i].1) {
                let origin = names[i].0;
                names.push((origin, head));
                names.push((NameOrigin::Alias, inner));
            }
        }
        let roles = QueryRoles::with_memo(
            query,
            names.iter().map(|(_, name)| name.as_str()),
            scratch.as_deref_mut().map(|scratch| scratch.folds()),
        );
        if kind == NameKind::Person {
            for (_, name) in &mut names {
                if let Some((last, first)) = family_name_first(name) {
                    *name = format!("{first} {last}");
                }
            }
        }
        let mut caps_hit = 0;
        let mut prepared: Vec<QueryName> = Vec::new();
        let mut join_space = JoinSpace::default();
        for (origin, original) in names {
            let analysed = analyze_without_keys(&original, kind);
            let mut forms: Vec<QueryForm> = Vec::new();
            for form in analysed.forms {
                // A form already prepared (from this name or an earlier one)
                // is not prepared twice; a handful of forms per query.
                if prepared
                    .iter()
                    .flat_map(|name| &name.forms)
                    .chain(&forms)
                    .any(|prepared| prepared.text == form.text)
                {
                    continue;
                }
                let transliterated = form.script != analysed.script;
                if let Some(scratch) = scratch.as_deref_mut() {
                    warm_memo(self, scratch, &form.parts, transliterated);
                }
                let mut parts = Vec::with_capacity(form.parts.len());
                // The analysed parts are not needed again: their texts move
                // into the query parts.
                for part in form.parts {
                    let role = roles.role(&part.text);
                    let (query_part, caps) = self.query_part(
                        part.text,
                        part.tag,
                        role,
                        &part.metaphone,
                        &part.skeleton,
                        part.symbol,
                        transliterated,
                        scratch.as_deref_mut(),
                    );
                    caps_hit += caps;
                    parts.push(query_part);
                }
                for position in middle_name_positions(&parts, !roles.given.is_empty(), kind) {
                    parts[position].weight *= self.config().weights.middle_name;
                }
                let mut joins = Vec::new();
                let filter = scratch.as_deref_mut().map(|scratch| scratch.join_filter(self));
                for i in 0..parts.len().saturating_sub(1) {
                    let pair = [&parts[i], &parts[i + 1]];
                    if matches!(pair[0].tag, PartTag::Word | PartTag::Particle)
                        && matches!(pair[1].tag, PartTag::Word | PartTag::Particle)
                    {
                        let join = &mut join_space;
                        join.text.clear();
                        join.text.push_str(&pair[0].text);
                        join.text.push_str(&pair[1].text);
                        let listed_join = self.join_expansions(join, filter);
                        if transliterated {
                            self.keep_in_transliteration(&join.chars, &mut join.expansions);
                        }
                        // Only worth keeping when the joined form reaches a
                        // listed token the separate parts do not.
                        join.expansions.retain(|e| {
                            parts[i].similarity(e.token).is_none()
                                && parts[i + 1].similarity(e.token).is_none()
                        });
                        // Kept when it reaches a listed token the parts do
                        // not, or may equal a listed join; most joins are
                        // neither, and are dropped without a copy.
                        if !join.expansions.is_empty() || listed_join {
                            let part = QueryPart {
                                text: join.text.clone(),
                                chars: join.chars.clone(),
                                tag: PartTag::Word,
                                role: PartRole::Unknown,
                                weight: parts[i].weight + parts[i + 1].weight,
                                expansions: join.expansions.as_slice().into(),
                                hash: join.hash,
                                listed_join,
                            };
                            joins.push(QueryJoin { first: i, part });
                        }
                    }
                }
                let total_weight = parts.iter().map(|p| p.weight).sum();
                forms.push(QueryForm {
                    script: form.script,
                    transliterated,
                    text: form.text,
                    parts,
                    joins,
                    total_weight,
                });
            }
            if !forms.is_empty() {
                prepared.push(QueryName { origin, original, forms, acronyms: analysed.acronyms });
            }
        }
        PreparedQuery { schema: query.schema.clone(), names: prepared, caps_hit, identifiers }
    }

    /// Builds and expands one query part (of a transliterated form when
    /// `transliterated`: see [`Index::keep_in_transliteration`]). Returns the part
    /// and the number of caps hit while expanding it.
    #[allow(clippy::too_many_arguments)]
    fn query_part(
        &self,
        text: String,
        tag: PartTag,
        role: PartRole,
        metaphone: &str,
        skeleton: &str,
        symbol: Option<u32>,
        transliterated: bool,
        scratch: Option<&mut crate::Scratch>,
    ) -> (QueryPart, u32) {
        // Sized once: collecting `chars()` starts from a guess of a
        // quarter of the bytes and grows.
        let mut chars: Vec<char> = Vec::with_capacity(text.len());
        chars.extend(text.chars());
        let expanded = memoised(self, scratch, &text, &chars, tag, symbol, transliterated, || {
            // Phonetic keys are derived here, for parts the memo has not
            // seen, rather than for every part of every query: once per
            // distinct part, so without the phonetic module's own memo.
            if metaphone.is_empty()
                && tag == PartTag::Word
                && text.bytes().any(|b| b.is_ascii_alphabetic())
            {
                let metaphone = phonetic::metaphone_primary(&text);
                let skeleton = phonetic::skeleton(&text);
                self.expand_text(&text, &chars, tag, &metaphone, &skeleton, symbol)
            } else {
                self.expand_text(&text, &chars, tag, metaphone, skeleton, symbol)
            }
        });
        let weight = self.config().weights.part(tag, expanded.rarity, role);
        (
            QueryPart {
                text,
                chars,
                tag,
                role,
                weight,
                expansions: expanded.kept,
                hash: expanded.hash,
                listed_join: expanded.listed_join,
            },
            expanded.caps,
        )
    }

    /// The rarity a part weighs by: that of the commonest token it reaches
    /// (of all it reaches, before a transliterated form drops some), so that
    /// a misspelt common name does not count as a rare one.
    fn spelling_rarity(&self, expansions: &[Expansion]) -> f32 {
        expansions
            .iter()
            .filter(|e| matches!(e.how, MatchHow::Exact | MatchHow::Symbol | MatchHow::Fuzzy(_)))
            .map(|e| self.dictionary().info(e.token).rarity)
            .fold(1.0f32, f32::min)
    }

    /// Expands a joined pair of query parts (`space.text`) more cheaply
    /// than a part: only the listed tokens it equals or is one edit from (a
    /// joined listed name written as one word, or two joined parts). Fills
    /// `space` and returns whether some listed name has a join equal to the
    /// text. Joins are not memoised: adjacent pairs rarely repeat across
    /// queries, and holding them would crowd the parts out of the memo.
    /// The texts of most joins are neither a token nor a listed join, which
    /// `filter` (when given) tells without reading either table.
    fn join_expansions(&self, space: &mut JoinSpace, filter: Option<&JoinFilter>) -> bool {
        let JoinSpace { text, chars, expansions, candidates, hash } = space;
        chars.clear();
        chars.extend(text.chars());
        expansions.clear();
        *hash = crate::text_hash(text);
        let dictionary = self.dictionary();
        if filter.is_none_or(|filter| filter.tokens.may_contain(*hash))
            && let Some(token) = dictionary.get(text)
        {
            expansions.push(Expansion { token, sim: 1.0, how: MatchHow::Exact });
        }
        // An edit inside a join is only trusted in long joins
        // ("abdulrahman"/"abdurrahman"): in short ones it turns "alf
        // ahmed" into "al-ahmed".
        candidates.clear();
        if chars.len() >= 9 && filter.is_none_or(|filter| filter.may_be_one_edit_from_long(chars)) {
            dictionary.one_edit_candidates(chars, candidates);
        }
        candidates.sort_unstable();
        candidates.dedup();
        for &token in candidates.iter() {
            let other = &dictionary.info(token).chars;
            if fuzzy::osa_within(chars, other, 1) == Some(1) {
                expansions.push(Expansion {
                    token,
                    sim: Similarities::default().one_edit,
                    how: MatchHow::Fuzzy(1),
                });
            }
        }
        dedupe_in_place(expansions);
        filter.is_none_or(|filter| filter.joins.may_contain(*hash))
            && self.join_postings(*hash).next().is_some()
    }

    /// Expands a query part to the dictionary tokens it may match.
    pub fn expand(
        &self,
        chars: &[char],
        tag: PartTag,
        metaphone: &str,
        skeleton: &str,
        symbol: Option<u32>,
    ) -> (Vec<Expansion>, u32) {
        let text: String = chars.iter().collect();
        self.expand_text(&text, chars, tag, metaphone, skeleton, symbol)
    }

    /// As [`Index::expand`], for a caller that holds the part's text as
    /// well as its characters.
    fn expand_text(
        &self,
        text: &str,
        chars: &[char],
        tag: PartTag,
        metaphone: &str,
        skeleton: &str,
        symbol: Option<u32>,
    ) -> (Vec<Expansion>, u32) {
        let sims = Similarities::default();
        let dictionary = self.dictionary();
        let config = self.config();
        let mut caps = 0;
        let mut out: Vec<Expansion> = Vec::new();
        let push = |out: &mut Vec<Expansion>, token: TokenId, sim: f32, how: MatchHow| {
            out.push(Expansion { token, sim, how });
        };
        if let Some(token) = dictionary.get(text) {
            push(&mut out, token, 1.0, MatchHow::Exact);
        }
        // Numbers and initials match literally: "13" is not "18", and an
        // initial is compared by the scorer against first letters.
        if matches!(tag, PartTag::Number | PartTag::Initial) {
            return (dedupe(out), caps);
        }
        if let Some(symbol) = symbol {
            let tokens = dictionary.symbol(symbol);
            if tokens.len() > config.max_key_expansion {
                caps += 1;
            }
            for &token in tokens.iter().take(config.max_key_expansion) {
                push(&mut out, token, sims.symbol, MatchHow::Symbol);
            }
        }
        // A listed initial may stand for this name: "john" reaches "j".
        if tag == PartTag::Word
            && chars.len() >= 2
            && let Some(initial) =
                chars.first().and_then(|c| dictionary.get(c.encode_utf8(&mut [0; 4])))
        {
            push(&mut out, initial, sims.initial, MatchHow::Initial);
        }
        if chars.len() >= 3 {
            // Two different frequent given names are two names, not a
            // misspelling of one: "alejandro" is not "alejandra", "susan"
            // not "susana". Spellings of one name share a given-name class
            // and still meet through it.
            let given = tag == PartTag::Word && vigia_text::names::is_common_given_name(text);
            let other_name = |token: TokenId| {
                given && {
                    let other = &*dictionary.info(token).text;
                    vigia_text::names::is_common_given_name(other)
                        && (symbol.is_none()
                            || vigia_text::names::given_name_class(other) != symbol)
                }
            };
            // Kept for the safety net below, which looks through the same
            // neighbourhood: one lookup of the deletion tables, not two.
            let mut candidates = Vec::new();
            dictionary.deletion_candidates(chars, &mut candidates);
            candidates.sort_unstable();
            candidates.dedup();
            let mut fuzzy: Vec<Expansion> = Vec::new();
            for &token in &candidates {
                let other = &dictionary.info(token).chars;
                if other_name(token) {
                    continue;
                }
                if let Some(d) = fuzzy::neighbour_distance(chars, other, false).filter(|d| *d > 0) {
                    let shorter = chars.len().min(other.len());
                    let sim = match d {
                        1 if shorter >= 5 => sims.one_edit,
                        1 => sims.one_edit_short,
                        _ => sims.two_edits,
                    };
                    fuzzy.push(Expansion { token, sim, how: MatchHow::Fuzzy(d as u8) });
                }
            }
            if fuzzy.len() > config.max_fuzzy {
                caps += 1;
                fuzzy.sort_by(|a, b| b.sim.total_cmp(&a.sim).then(a.token.cmp(&b.token)));
                fuzzy.truncate(config.max_fuzzy);
            }
            out.extend(fuzzy);
            if !metaphone.is_empty() {
                let tokens = dictionary.phonetic(metaphone);
                let mut taken = 0;
                for &crate::dictionary::KeyedToken { id: token, shape } in tokens {
                    // Most tokens of a common key are ruled out by their
                    // first letter or length, kept with the key's tokens.
                    if !phonetic_shape_compatible(chars, shape.first, shape.len as usize) {
                        continue;
                    }
                    let other = &dictionary.info(token).chars;
                    if phonetic_compatible(chars, other) && !other_name(token) {
                        if taken == config.max_key_expansion {
                            caps += 1;
                            break;
                        }
                        taken += 1;
                        push(&mut out, token, sims.phonetic, MatchHow::Phonetic);
                    }
                }
            }
            if skeleton.chars().count() >= 3 {
                let tokens = dictionary.skeleton(skeleton);
                let mut taken = 0;
                for &crate::dictionary::KeyedToken { id: token, shape } in tokens {
                    if !skeleton_shape_compatible(chars, shape.first, shape.len as usize) {
                        continue;
                    }
                    let other = &dictionary.info(token).chars;
                    if skeleton_compatible(chars, other) && !other_name(token) {
                        if taken == config.max_key_expansion {
                            caps += 1;
                            break;
                        }
                        taken += 1;
                        push(&mut out, token, sims.skeleton, MatchHow::Skeleton);
                    }
                }
            }
            // The safety net: a part that reaches nothing gets a second
            // chance with the first-letter rule relaxed.
            if out.is_empty() && tag == PartTag::Word {
                for token in candidates {
                    let other = &dictionary.info(token).chars;
                    let budget = fuzzy::edit_budget(chars.len().min(other.len()));
                    if other.len() >= 3
                        && let Some(d) = fuzzy::osa_within(chars, other, budget)
                        && d > 0
                    {
                        push(&mut out, token, sims.relaxed, MatchHow::Relaxed(d as u8));
                    }
                }
                if out.len() > config.max_fuzzy {
                    caps += 1;
                    out.truncate(config.max_fuzzy);
                }
            }
        }
        (dedupe(out), caps)
    }
}

impl Index {
    /// A part of a transliterated form keeps only its exact and symbol
    /// expansions, and single edits of a vowel, when it is short (six
    /// letters or fewer): a romanisation is already an approximation, and
    /// allowing any edit on top of it lets two-syllable names ("yu li")
    /// meet unrelated names ("yuri"). Romanisations disagree mostly on
    /// vowels ("Бут" is "but", listed as "bout"), so those edits stay.
    /// Longer parts keep their fuzzy matches.
    fn keep_in_transliteration(&self, chars: &[char], expansions: &mut Vec<Expansion>) {
        if drops_in_transliteration(chars.len()) {
            expansions.retain(|e| self.kept_in_transliteration_one(chars, e));
        }
    }

    /// Whether a transliterated form's part keeps an expansion (see
    /// [`Index::keep_in_transliteration`]).
    fn kept_in_transliteration_one(&self, chars: &[char], e: &Expansion) -> bool {
        match e.how {
            MatchHow::Exact | MatchHow::Symbol => true,
            MatchHow::Fuzzy(1) => same_consonants(chars, self.token_text(e.token)),
            _ => false,
        }
    }

    /// The expansions a part of a transliterated form keeps (see
    /// [`Index::keep_in_transliteration`]): the same list when it keeps them all.
    fn kept_in_transliteration(
        &self,
        chars: &[char],
        expansions: &std::sync::Arc<[Expansion]>,
    ) -> std::sync::Arc<[Expansion]> {
        let kept = |e: &Expansion| self.kept_in_transliteration_one(chars, e);
        if drops_in_transliteration(chars.len()) && !expansions.iter().all(kept) {
            expansions.iter().filter(|e| kept(e)).copied().collect()
        } else {
            expansions.clone()
        }
    }
}

/// Whether a part of a transliterated form of `len` characters may drop
/// some of its expansions (see [`Index::keep_in_transliteration`]). A
/// longer one keeps them all, so the memo serves it the part's own entry
/// rather than a copy of it under a key of its own: most memo misses are
/// long one-token renderings of names in Chinese or Korean script, and
/// each made two entries.
fn drops_in_transliteration(len: usize) -> bool {
    len <= 6
}

/// Whether a folded letter is a vowel, `y` included, for the
/// transliteration, skeleton and phonetic rules below. A match, where
/// searching the string "aeiouy" cost a call and a loop per letter, for
/// every token of every phonetic key a new part looks up.
fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y')
}

/// Whether two spellings differ only in their vowels ("but", "bout").
fn same_consonants(a: &[char], b: &str) -> bool {
    let consonant = |c: &char| !is_vowel(*c);
    a.first() == b.chars().next().as_ref()
        && a.iter().copied().filter(consonant).eq(b.chars().filter(consonant))
}

/// Whether two tokens with the same consonant skeleton are plausible
/// variants: same first letter (or both vowels) and comparable lengths.
fn skeleton_compatible(a: &[char], b: &[char]) -> bool {
    // Skeletons exist for consonant-only romanisations ("mhmd"): at least
    // one side must look like one (at most one vowel). Two fully vowelled
    // names with the same consonants ("stephen", "stephanie") are
    // different names.
    let vowels = |t: &[char]| t.iter().filter(|&&c| is_vowel(c)).count();
    skeleton_shape_compatible(a, b.first().copied(), b.len()) && vowels(a).min(vowels(b)) <= 1
}

/// What [`skeleton_compatible`] asks of the other token's first letter
/// (`first`) and length (`len`, in characters).
fn skeleton_shape_compatible(a: &[char], first: Option<char>, len: usize) -> bool {
    let first = match (a.first().copied(), first) {
        (Some(x), Some(y)) => x == y || (is_vowel(x) && is_vowel(y)),
        _ => false,
    };
    let (short, long) = if a.len() < len { (a.len(), len) } else { (len, a.len()) };
    first && short * 3 >= long * 2 && short >= 3
}

/// Whether two tokens with the same phonetic key are plausible
/// variants: the same first sound (the same letter, two vowels, or letters
/// that spell one sound: "kintero" and "quintero", "cesar" and "sesar",
/// "zambada" and "sambada"), comparable lengths, and at most one
/// edit per four letters — "paul" and "powell", "stephen" and "stephanie"
/// share a key, but are different names.
fn phonetic_compatible(a: &[char], b: &[char]) -> bool {
    if !phonetic_shape_compatible(a, b.first().copied(), b.len()) {
        return false;
    }
    let long = a.len().max(b.len());
    let allowed = (long / 4).max(1);
    // The short-string distance, not the general one: the same OSA
    // distance (`short_distance_agrees_with_the_reference`), without the set-up
    // that cost more than the comparison for name-length tokens, and
    // phonetic buckets of common keys hold hundreds of tokens.
    fuzzy::osa_within(a, b, allowed).is_some()
}

/// What [`phonetic_compatible`] asks of the other token's first letter
/// (`first`) and length (`len`, in characters).
fn phonetic_shape_compatible(a: &[char], first: Option<char>, len: usize) -> bool {
    // Spanish and English spell these first sounds with either letter
    // ("ckq", "csz"); the shared phonetic key already says the rest of the
    // word sounds alike.
    let same_sound = |x: char, y: char| {
        (matches!(x, 'c' | 'k' | 'q') && matches!(y, 'c' | 'k' | 'q'))
            || (matches!(x, 'c' | 's' | 'z') && matches!(y, 'c' | 's' | 'z'))
    };
    let first = match (a.first().copied(), first) {
        (Some(x), Some(y)) => x == y || (is_vowel(x) && is_vowel(y)) || same_sound(x, y),
        _ => false,
    };
    let (short, long) = if a.len() < len { (a.len(), len) } else { (len, a.len()) };
    first && short * 3 >= long * 2 && short >= 3
}

/// Keeps the best way to reach each token, sorted by token id.
fn dedupe(mut out: Vec<Expansion>) -> Vec<Expansion> {
    dedupe_in_place(&mut out);
    out
}

/// As [`dedupe`], in place.
fn dedupe_in_place(out: &mut Vec<Expansion>) {
    out.sort_by(|a, b| a.token.cmp(&b.token).then(b.sim.total_cmp(&a.sim)).then(a.how.cmp(&b.how)));
    out.dedup_by_key(|e| e.token);
}

/// Work space of [`Index::join_expansions`], reused by the joins of a
/// query: most joins are dropped, and need not allocate.
#[derive(Debug, Default)]
struct JoinSpace {
    /// The joined text, filled by the caller.
    text: String,
    chars: Vec<char>,
    expansions: Vec<Expansion>,
    candidates: Vec<TokenId>,
    /// The hash of `text` ([`crate::text_hash`]).
    hash: u64,
}

/// Which texts may be dictionary tokens and which may be listed joins, by
/// their hash ([`crate::text_hash`]): a query's joins ("johnsmith") are
/// almost never either, and each lookup reads tables far too large for a
/// fast cache. Made per thread, once per index (see
/// [`crate::Scratch::join_filter`]).
#[derive(Debug)]
pub(crate) struct JoinFilter {
    tokens: HashBits,
    joins: HashBits,
    /// The affixes of the tokens a text of nine characters or more may be
    /// one edit from (see [`JoinFilter::may_be_one_edit_from_long`]).
    long_affixes: HashBits,
}

/// The shortest token a text of nine characters or more can be one edit
/// from.
const LONG_NEIGHBOUR: usize = 8;

/// The affix length looked up for a text of `len` characters: at most
/// half of what is left beside one edit, so that an edit spares the prefix
/// or the suffix of that length.
fn affix_len(len: usize) -> usize {
    (len - 1) / 2
}

/// The key of a prefix or suffix of a text of `len` characters.
fn affix_key(affix: &[char], len: usize, suffix: bool) -> u64 {
    fuzzy::key(affix) ^ ((len as u64) << 1 | u64::from(suffix)).wrapping_mul(0xff51_afd7_ed55_8ccd)
}

impl JoinFilter {
    pub(crate) fn new(index: &Index) -> JoinFilter {
        let dictionary = index.dictionary();
        // A text one edit from a token has one of three lengths around
        // the token's; each has its own affix length.
        let mut affixes = Vec::new();
        for id in 0..dictionary.len() as TokenId {
            let chars = &dictionary.info(id).chars;
            let m = chars.len();
            if m < LONG_NEIGHBOUR {
                continue;
            }
            for len in (m - 1..=m + 1).filter(|&len| len >= 9) {
                let a = affix_len(len);
                affixes.push(affix_key(&chars[..a], len, false));
                affixes.push(affix_key(&chars[m - a..], len, true));
            }
        }
        JoinFilter {
            long_affixes: HashBits::new(affixes.len(), affixes.into_iter()),
            tokens: HashBits::new(
                dictionary.len(),
                (0..dictionary.len())
                    .map(|id| crate::text_hash(&dictionary.info(id as TokenId).text)),
            ),
            joins: HashBits::new(
                index.join_postings.pairs.len(),
                index.join_postings.pairs.iter().map(|(hash, _)| *hash),
            ),
        }
    }
}

impl JoinFilter {
    /// Whether a text of nine characters or more may be one edit from a
    /// token (tokens of eight characters or more, the only ones that can
    /// be). One edit (a substitution, a deletion, an insertion, or a swap
    /// of two neighbours) changes the text at one place: with `a` =
    /// (len − 1) / 2, the first `a` characters of the text or its last `a`
    /// are those of the token, and the filter holds both affixes of every
    /// such token for each text length it may be one edit from. Most joins
    /// ("johnsmith") are one edit from no token: this rules out four in
    /// five of them with two probes of a small table, where the deletion
    /// keys' filter takes one probe per character, at random in a larger
    /// one.
    fn may_be_one_edit_from_long(&self, chars: &[char]) -> bool {
        let n = chars.len();
        if n <= LONG_NEIGHBOUR {
            return true;
        }
        let a = affix_len(n);
        self.long_affixes.may_contain(affix_key(&chars[..a], n, false))
            || self.long_affixes.may_contain(affix_key(&chars[n - a..], n, true))
    }
}

/// A Bloom filter of one probe: 16 bits per key, so that about one absent
/// key in sixteen is let through (to the exact lookup); a present key
/// always is.
#[derive(Debug)]
struct HashBits {
    words: Vec<u64>,
    shift: u32,
}

impl HashBits {
    fn new(keys: usize, hashes: impl Iterator<Item = u64>) -> HashBits {
        let bits = (keys.max(1) * 16).next_power_of_two().max(64);
        let shift = 64 - bits.trailing_zeros();
        let mut filter = HashBits { words: vec![0; bits / 64], shift };
        for hash in hashes {
            let bit = filter.bit(hash);
            filter.words[bit / 64] |= 1 << (bit % 64);
        }
        filter
    }

    /// The bit of a hash: its product with an odd constant, top bits
    /// (spreads hashes whose low bits are alike).
    fn bit(&self, hash: u64) -> usize {
        (hash.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> self.shift) as usize
    }

    fn may_contain(&self, hash: u64) -> bool {
        let bit = self.bit(hash);
        self.words[bit / 64] & (1 << (bit % 64)) != 0
    }
}

/// The roles a query gives its name parts: family names from `lastName`
/// and from names written family name first ("GUZMAN LOERA, Joaquin"),
/// given names from `firstName`, `secondName` and `middleName`. Only a
/// person's parts have roles.
#[derive(Debug, Clone, Default)]
pub struct QueryRoles {
    person: bool,
    /// The folded family-name tokens, each followed by a space (tokens
    /// hold none): one string per role, where a string per token cost an
    /// allocation for every part of nearly every query.
    family: String,
    /// The folded given-name tokens, as `family`.
    given: String,
}

/// Appends folded tokens to a role's string (see the fields of [`QueryRoles`]).
fn push_tokens<'a>(out: &mut String, tokens: impl IntoIterator<Item = &'a str>) {
    for token in tokens {
        out.push_str(token);
        out.push(' ');
    }
}

/// Whether a role's string holds a token. Asked for every part of every
/// person query, so a plain scan of the bytes: a text with a space (a
/// legal form's) is no token.
fn holds_token(tokens: &str, text: &str) -> bool {
    let (mut rest, text) = (tokens.as_bytes(), text.as_bytes());
    if text.contains(&b' ') {
        return false;
    }
    while rest.len() > text.len() {
        if rest[text.len()] == b' ' && rest.starts_with(text) {
            return true;
        }
        match rest.iter().position(|&b| b == b' ') {
            Some(space) => rest = &rest[space + 1..],
            None => return false,
        }
    }
    false
}

impl QueryRoles {
    /// The roles of `query`'s parts, `names` being the names it is
    /// screened by (its name properties, or the name composed from its
    /// name parts).
    pub fn new<'a>(query: &Entity, names: impl Iterator<Item = &'a str>) -> QueryRoles {
        QueryRoles::with_memo(query, names, None)
    }

    /// As [`QueryRoles::new`], taking the folded tokens of name parts
    /// from (and adding them to) `memo`: given and family names repeat
    /// across queries, and folding one that is not plain ASCII is costly.
    pub(crate) fn with_memo<'a>(
        query: &Entity,
        names: impl Iterator<Item = &'a str>,
        mut memo: Option<&mut FoldMemo>,
    ) -> QueryRoles {
        let person = query.schema.name_kind() == NameKind::Person;
        let mut family = fold_set(query, &[prop::LAST_NAME], memo.as_deref_mut());
        let given =
            fold_set(query, &[prop::FIRST_NAME, prop::SECOND_NAME, prop::MIDDLE_NAME], memo);
        if person {
            for name in names {
                if let Some((last, _)) = family_name_first(name) {
                    push_tokens(
                        &mut family,
                        token::tokenize(&normalize::fold(last)).iter().map(String::as_str),
                    );
                }
            }
        }
        QueryRoles { person, family, given }
    }

    /// The role of a folded part.
    pub fn role(&self, text: &str) -> PartRole {
        if !self.person {
            PartRole::Unknown
        } else if holds_token(&self.family, text) {
            PartRole::Family
        } else if holds_token(&self.given, text) {
            PartRole::Given
        } else {
            PartRole::Unknown
        }
    }
}

/// The positions of a person's middle names among a form's parts, which
/// weigh [`crate::Weights::middle_name`]: lists often leave middle names
/// out (OFAC lists "GUZMAN LOERA, Joaquin", his passport says "Joaquín
/// Archivaldo Guzmán Loera"). Where the query says which parts are given
/// names, the given names after the first. Otherwise, in a name of four or
/// more words, the second word (Spanish and Portuguese names end with two
/// family names); a three-word name then has none, since its middle word
/// may as well be a family name ("Joaquín Guzmán Loera") or a patronymic.
/// Organisation names have none.
fn middle_name_positions(parts: &[QueryPart], given_known: bool, kind: NameKind) -> Vec<usize> {
    if matches!(kind, NameKind::Organization | NameKind::Object)
        || parts.iter().any(|p| matches!(p.tag, PartTag::LegalForm | PartTag::OrgWord))
    {
        return Vec::new();
    }
    let is_word = |i: &usize| parts[*i].tag == PartTag::Word;
    if given_known {
        let mut given =
            (0..parts.len()).filter(is_word).filter(|&i| parts[i].role == PartRole::Given);
        if given.next().is_some() {
            return given.collect();
        }
    }
    let mut words = (0..parts.len()).filter(is_word);
    match (words.next(), words.next(), words.next(), words.next()) {
        (Some(_), Some(second), Some(_), Some(_)) => vec![second],
        _ => Vec::new(),
    }
}

/// A name written family name first, as lists and core banking systems
/// often do ("GUZMAN LOERA, Joaquin"): the family and the given names,
/// trimmed.
fn family_name_first(name: &str) -> Option<(&str, &str)> {
    let (last, first) = name.split_once(',')?;
    let (last, first) = (last.trim(), first.trim());
    (!first.contains(',') && !first.is_empty() && !last.is_empty()).then_some((last, first))
}

/// The tokens of folded name parts that are not plain ASCII, by the part
/// as written (see [`QueryRoles::with_memo`]), each followed by a space.
pub(crate) type FoldMemo = rustc_hash::FxHashMap<Box<str>, Box<str>>;

/// The folded tokens of the values of `properties`, each followed by a
/// space (see the fields of [`QueryRoles`]).
fn fold_set(entity: &Entity, properties: &[&str], mut memo: Option<&mut FoldMemo>) -> String {
    let mut out = String::new();
    for property in properties {
        for value in entity.get(property) {
            // Plain ASCII names (most of them) need no Unicode folding:
            // lower-case words split on anything else, as fold + tokenize
            // would give.
            if value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b' ') {
                for word in value.split(' ').filter(|w| !w.is_empty()) {
                    let start = out.len();
                    out.push_str(word);
                    out[start..].make_ascii_lowercase();
                    out.push(' ');
                }
            } else if let Some(memo) = memo.as_deref_mut() {
                match memo.get(value.as_str()) {
                    Some(tokens) => out.push_str(tokens),
                    None => {
                        let start = out.len();
                        let tokens = token::tokenize(&normalize::fold(value));
                        push_tokens(&mut out, tokens.iter().map(String::as_str));
                        memo.insert(value.as_str().into(), out[start..].into());
                    }
                }
            } else {
                push_tokens(
                    &mut out,
                    token::tokenize(&normalize::fold(value)).iter().map(String::as_str),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{IndexBuilder, IndexConfig};
    use vigia_model::Schema;

    fn index_of(names: &[&str]) -> Index {
        let mut builder = IndexBuilder::new(IndexConfig::default());
        for (i, name) in names.iter().enumerate() {
            let mut entity = Entity::new(format!("e{i}"), Schema::Person);
            entity.add(prop::NAME, name);
            entity.add_dataset("test");
            builder.add(entity);
        }
        builder.finish()
    }

    #[test]
    fn holds_token_agrees_with_splitting_the_tokens() {
        let roles = ["", "smith ", "de la cruz ", "ana maria ", "jo joe jo-e ", "a  b ", "e "];
        let texts = [
            "", " ", "smith", "smit", "mith", "smiths", "de", "la", "cruz", "de la", "la cruz",
            "ana", "maria", "anamaria", "jo", "joe", "jo-e", "e", "a", "b", "a b",
        ];
        for tokens in roles {
            for text in texts {
                let reference = tokens.split_terminator(' ').any(|t| t == text);
                assert_eq!(holds_token(tokens, text), reference, "{tokens:?} {text:?}");
            }
        }
    }

    #[test]
    fn join_filter_lets_every_token_and_listed_join_through() {
        let index = index_of(&[
            "Abdul Rahman Al-Tikriti",
            "Abdurrahman Yasin",
            "Joaquin Archivaldo Guzman Loera",
            "Mara Salvatrucha 13",
            "Yu-Ro Kim",
        ]);
        let filter = JoinFilter::new(&index);
        let dictionary = index.dictionary();
        for id in 0..dictionary.len() as TokenId {
            let text = &*dictionary.info(id).text;
            assert!(filter.tokens.may_contain(crate::text_hash(text)), "{text}");
        }
        for (hash, _) in &index.join_postings.pairs {
            assert!(filter.joins.may_contain(*hash));
        }
        assert!(!index.join_postings.pairs.is_empty());
    }

    #[test]
    fn long_affix_filter_lets_every_text_one_edit_from_a_long_token_through() {
        let names = [
            "Abdulrahman Mohammedali Aleksandrova",
            "Konstantinos Guzmanloera",
            "Abdelkarimov Xxxxxxxxxxx Séverinoé",
        ];
        let index = index_of(&names);
        let filter = JoinFilter::new(&index);
        let dictionary = index.dictionary();
        let mut checked = 0;
        for id in 0..dictionary.len() as TokenId {
            let token = &*dictionary.info(id).text;
            for text in crate::fuzzy::one_edit_texts(token) {
                let chars: Vec<char> = text.chars().collect();
                if chars.len() >= 9 {
                    assert!(filter.may_be_one_edit_from_long(&chars), "{text} from {token}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 200, "{checked}");
        // Texts far from every token are mostly turned away.
        let far = ["johnsmithson", "mariagarcia", "wangxiaoming", "peterparker", "ivanpetrovic"];
        let through = far
            .iter()
            .filter(|t| filter.may_be_one_edit_from_long(&t.chars().collect::<Vec<_>>()))
            .count();
        assert!(through <= 1, "{through} far texts let through");
    }

    #[test]
    fn joins_expand_the_same_with_and_without_the_filter() {
        let index = index_of(&["Abdul Rahman Al-Tikriti", "Abdurrahman Yasin", "Joaquin Guzman"]);
        let filter = JoinFilter::new(&index);
        let mut texts: Vec<String> =
            ["abdulrahman", "abdurrahman", "joaquinguzman", "johnsmith", "x"]
                .map(String::from)
                .to_vec();
        texts.extend(crate::fuzzy::one_edit_texts("abdulrahman"));
        texts.extend(crate::fuzzy::one_edit_texts("abdurrahman"));
        for text in &texts {
            let text = text.as_str();
            let mut with = JoinSpace { text: text.to_owned(), ..JoinSpace::default() };
            let mut without = JoinSpace { text: text.to_owned(), ..JoinSpace::default() };
            let listed_with = index.join_expansions(&mut with, Some(&filter));
            let listed_without = index.join_expansions(&mut without, None);
            assert_eq!(listed_with, listed_without, "{text}");
            assert_eq!(with.expansions, without.expansions, "{text}");
            assert_eq!(with.hash, crate::text_hash(text));
        }
    }
}
