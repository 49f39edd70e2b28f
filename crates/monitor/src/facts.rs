//! Filters as bitmask tests over facts computed once per transaction.
//!
//! Every condition a scenario or aggregate filter can state (an amount
//! test, a country set, a geography, an institution list, profile flags,
//! third-party deposit...) is an *atom*. Atoms are deduplicated across the
//! whole pack when it is compiled, so the `amount < ctr_threshold` of A3
//! and A5 is one atom. A filter becomes a channel mask, an optional
//! direction and a set of atoms that must all hold.
//!
//! While a transaction is processed, each atom is evaluated at most once
//! (per direction, for atoms that read the subject or counterparty) the
//! first time a filter asks for it; later filters read the cached bit. A
//! filter test is then `known & needed == needed` plus a mask compare.

use vigia_model::{Party, PlaceKind, Transaction};

use crate::engine::{Ctx, Institutions};
use crate::expr::{Condition, Expr, Operands};
use crate::graph::AccountId;
use crate::profile::CustomerKind;
use crate::reference::ReferenceData;
use crate::scenario::{CountrySet, Filter, Locus, Side};
use crate::window::Direction;

/// One predicate over a transaction (and, for sided atoms, a direction).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Atom {
    /// An amount test; thresholds are the pack's (remapped) indexes. The
    /// expression (which deduplicates atoms) and its compiled form (which
    /// evaluates them).
    Amount(Expr, Condition),
    Country {
        side: Side,
        set: CountrySet,
        negate: bool,
    },
    Geography {
        locus: Locus,
        geography: usize,
    },
    Institution(usize),
    /// The subject's profile has one of these flags.
    SubjectFlags(u64),
    /// ... none of these.
    NotSubjectFlags(u64),
    /// The party's profile kind is (or, negated, is not) this one.
    Kind {
        side: Side,
        kind: CustomerKind,
        negate: bool,
    },
    /// The counterparty has one of these flags or is on this account list.
    Counterparty {
        flags: u64,
        list: Option<usize>,
    },
    SubjectList(usize),
    Text(Vec<String>),
    ThirdParty(bool),
    OutsideHomeState(bool),
    CrossBorder(bool),
    /// The place is of one of these kinds (bits of [`place_kind_bit`]), or
    /// of no stated kind.
    PlaceKind(u16),
}

/// The bit of a place kind in [`Atom::PlaceKind`].
pub(crate) fn place_kind_bit(k: PlaceKind) -> u16 {
    1 << (k as u16)
}

impl Atom {
    /// Whether its value depends on the key's direction.
    fn sided(&self) -> bool {
        match self {
            Atom::Country { side, .. } => matches!(side, Side::Subject | Side::Counterparty),
            Atom::Geography { locus, .. } => {
                matches!(locus, Locus::Party(Side::Subject | Side::Counterparty))
            }
            Atom::Kind { side, .. } => matches!(side, Side::Subject | Side::Counterparty),
            Atom::SubjectFlags(_)
            | Atom::NotSubjectFlags(_)
            | Atom::Counterparty { .. }
            | Atom::SubjectList(_)
            | Atom::ThirdParty(_)
            | Atom::OutsideHomeState(_) => true,
            Atom::Amount(..)
            | Atom::Institution(_)
            | Atom::Text(_)
            | Atom::CrossBorder(_)
            | Atom::PlaceKind(_) => false,
        }
    }
}

/// A compiled filter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Test {
    /// Accepted channels (0 = any).
    pub(crate) channels: u16,
    pub(crate) direction: Option<Direction>,
    /// Atoms that must hold.
    pub(crate) atoms: u128,
}

impl Test {
    /// Whether only the channel and direction decide it.
    pub(crate) fn trivial(&self) -> bool {
        self.atoms == 0
    }
}

/// The atoms of a pack.
#[derive(Debug, Default, Clone)]
pub(crate) struct Atoms {
    pub(crate) list: Vec<Atom>,
    /// Bits of the sided atoms.
    pub(crate) sided: u128,
}

/// More atoms than a `u128` holds.
#[derive(Debug)]
pub(crate) struct TooMany;

impl Atoms {
    fn add(&mut self, atom: Atom) -> Result<u128, TooMany> {
        if let Some(i) = self.list.iter().position(|a| *a == atom) {
            return Ok(1 << i);
        }
        if self.list.len() == 128 {
            return Err(TooMany);
        }
        if atom.sided() {
            self.sided |= 1 << self.list.len();
        }
        self.list.push(atom);
        Ok(1 << (self.list.len() - 1))
    }

    /// Compiles a filter of a scenario whose thresholds are `thresholds`
    /// (pack indexes, in the scenario's order).
    pub(crate) fn compile(
        &mut self,
        filter: &Filter,
        thresholds: &[usize],
    ) -> Result<Test, TooMany> {
        let mut atoms = 0;
        if let Some(e) = &filter.amount {
            let e = e.remap_thresholds(thresholds);
            let condition = Condition::of(&e);
            atoms |= self.add(Atom::Amount(e, condition))?;
        }
        for (side, set, negate) in &filter.countries {
            atoms |= self.add(Atom::Country { side: *side, set: set.clone(), negate: *negate })?;
        }
        for (locus, g) in &filter.geographies {
            atoms |= self.add(Atom::Geography { locus: *locus, geography: *g })?;
        }
        if let Some(l) = filter.institution_list {
            atoms |= self.add(Atom::Institution(l))?;
        }
        if filter.subject_flags != 0 {
            atoms |= self.add(Atom::SubjectFlags(filter.subject_flags))?;
        }
        if filter.not_subject_flags != 0 {
            atoms |= self.add(Atom::NotSubjectFlags(filter.not_subject_flags))?;
        }
        for (side, kind, negate) in &filter.kinds {
            atoms |= self.add(Atom::Kind { side: *side, kind: *kind, negate: *negate })?;
        }
        if filter.counterparty_flags != 0 || filter.counterparty_list.is_some() {
            atoms |= self.add(Atom::Counterparty {
                flags: filter.counterparty_flags,
                list: filter.counterparty_list,
            })?;
        }
        if let Some(l) = filter.subject_list {
            atoms |= self.add(Atom::SubjectList(l))?;
        }
        if !filter.text_contains.is_empty() {
            atoms |= self.add(Atom::Text(filter.text_contains.clone()))?;
        }
        if let Some(w) = filter.third_party {
            atoms |= self.add(Atom::ThirdParty(w))?;
        }
        if let Some(w) = filter.outside_home_state {
            atoms |= self.add(Atom::OutsideHomeState(w))?;
        }
        if let Some(w) = filter.cross_border {
            atoms |= self.add(Atom::CrossBorder(w))?;
        }
        if filter.place_kinds != 0 {
            atoms |= self.add(Atom::PlaceKind(filter.place_kinds))?;
        }
        Ok(Test { channels: filter.channels, direction: filter.direction, atoms })
    }
}

/// The atoms known for the current transaction: `[unsided, In, Out]`.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Facts {
    known: [u128; 3],
    truth: [u128; 3],
}

fn row(dir: Direction) -> usize {
    match dir {
        Direction::None => 0,
        Direction::In => 1,
        Direction::Out => 2,
    }
}

/// A profile as the engine keeps it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Profile {
    pub(crate) customer: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) kind: CustomerKind,
    pub(crate) home_state: Option<String>,
    pub(crate) flags: u64,
    /// Declared expected monthly cash and total activity, USD (0 when not
    /// declared).
    pub(crate) expected_cash: f64,
    pub(crate) expected_volume: f64,
}

/// What filters read of a profile most often, by account: 16 bytes, so
/// that a flag or kind test costs one read, not the index and then the
/// full profile (two dependent cache misses).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Hot {
    pub(crate) flags: u64,
    /// Profile index + 1 (0 = none).
    pub(crate) profile: u32,
    pub(crate) kind: CustomerKind,
    /// The home state when it has at most two bytes (a US state, a
    /// country code): its length + 1 (0 = none, [`HOME_ELSEWHERE`] =
    /// longer, read from the profile) and bytes.
    home_len: u8,
    home: [u8; 2],
}

/// [`Hot::home_len`] of a home state too long to keep inline.
const HOME_ELSEWHERE: u8 = u8::MAX;

/// Profiles by interned account.
#[derive(Debug, Default)]
pub(crate) struct Profiles {
    pub(crate) list: Vec<Profile>,
    /// By AccountId.
    pub(crate) hot: Vec<Hot>,
}

impl Profiles {
    pub(crate) fn get(&self, account: Option<AccountId>) -> Option<&Profile> {
        let idx = self.hot.get(account? as usize)?.profile;
        if idx == 0 { None } else { self.list.get(idx as usize - 1) }
    }

    /// The account's profile flags (0 without a profile).
    pub(crate) fn flags(&self, account: Option<AccountId>) -> u64 {
        account.and_then(|a| self.hot.get(a as usize)).map_or(0, |h| h.flags)
    }

    /// Prefetches the account's hot profile record.
    pub(crate) fn prefetch(&self, account: Option<AccountId>) {
        if let Some(h) = account.and_then(|a| self.hot.get(a as usize)) {
            vigia_alloc::prefetch(h);
        }
    }

    /// The account's profile kind, if it has a profile.
    pub(crate) fn kind(&self, account: Option<AccountId>) -> Option<CustomerKind> {
        let h = account.and_then(|a| self.hot.get(a as usize))?;
        (h.profile != 0).then_some(h.kind)
    }

    /// The account's home state from its profile.
    pub(crate) fn home(&self, account: Option<AccountId>) -> Option<&str> {
        let h = self.hot.get(account? as usize)?;
        match h.home_len {
            0 => None,
            HOME_ELSEWHERE => self.get(account).and_then(|p| p.home_state.as_deref()),
            n => std::str::from_utf8(&h.home[..usize::from(n) - 1]).ok(),
        }
    }

    /// Sets the profile of `account` (later ones win).
    pub(crate) fn set(&mut self, account: AccountId, profile: Profile) {
        let a = account as usize;
        if self.hot.len() <= a {
            self.hot.resize(a + 1, Hot::default());
        }
        let (mut home_len, mut home) = (0, [0u8; 2]);
        if let Some(h) = profile.home_state.as_deref() {
            if h.len() <= 2 {
                home_len = h.len() as u8 + 1;
                home[..h.len()].copy_from_slice(h.as_bytes());
            } else {
                home_len = HOME_ELSEWHERE;
            }
        }
        self.hot[a] = Hot { flags: profile.flags, profile: 0, kind: profile.kind, home_len, home };
        self.list.push(profile);
        self.hot[a].profile = self.list.len() as u32;
    }
}

pub(crate) fn nonempty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(trim).filter(|v| !v.is_empty())
}

/// [`str::trim`], answered from the two end bytes when both are printable
/// ASCII (account numbers, codes, names as usually written), which is
/// most calls on the hot path: `str::trim` decodes characters from each
/// end through a function call whatever they are.
#[inline]
pub(crate) fn trim(s: &str) -> &str {
    // Bytes 0x21..=0x7f are ASCII and not white space; anything else
    // (spaces, control characters, the first byte of a multi-byte
    // character) takes the general path.
    let solid = |b: Option<&u8>| b.is_some_and(|b| (0x21..=0x7f).contains(b));
    let bytes = s.as_bytes();
    if bytes.is_empty() || (solid(bytes.first()) && solid(bytes.last())) { s } else { s.trim() }
}

/// The party on `side` of the transaction for a key of direction `dir`,
/// and whether it is the originator.
pub(crate) fn side_party(tx: &Transaction, side: Side, dir: Direction) -> Option<(&Party, bool)> {
    let originator = match (side, dir) {
        (Side::Originator, _)
        | (Side::Subject, Direction::Out)
        | (Side::Counterparty, Direction::In) => true,
        (Side::Beneficiary, _)
        | (Side::Subject, Direction::In)
        | (Side::Counterparty, Direction::Out) => false,
        (_, Direction::None) => return None,
    };
    Some(if originator { (&tx.originator, true) } else { (&tx.beneficiary, false) })
}

/// What atoms read besides the transaction: references only, so that a
/// filter test builds it in a few stores (it is built for every test that
/// has atoms, and most tests find their atoms known).
pub(crate) struct Env<'a> {
    pub(crate) ctx: &'a Ctx<'a>,
    pub(crate) reference: &'a ReferenceData,
    pub(crate) profiles: &'a Profiles,
    /// Pack thresholds at the event time.
    pub(crate) thresholds: &'a Vec<f64>,
    /// The institution the transaction involves, per institution list.
    pub(crate) institutions: &'a mut Institutions,
}

struct AmountOnly<'a> {
    usd: f64,
    thresholds: &'a [f64],
}

impl Operands for AmountOnly<'_> {
    fn aggregate(&mut self, _: u8) -> f64 {
        0.0
    }

    fn amount(&self) -> f64 {
        self.usd
    }

    fn threshold(&self, i: u16) -> f64 {
        self.thresholds.get(i as usize).copied().unwrap_or(f64::NAN)
    }
}

impl Env<'_> {
    fn account(&self, side: Side, dir: Direction) -> Option<AccountId> {
        let (_, originator) = side_party(self.ctx.tx, side, dir)?;
        if originator { self.ctx.originator } else { self.ctx.beneficiary }
    }

    fn listed(&self, list: usize, side: Side, dir: Direction) -> bool {
        let Some((p, _)) = side_party(self.ctx.tx, side, dir) else { return false };
        self.reference.account_lists[list]
            .accounts
            .get(trim(&p.account))
            .is_some_and(|span| span.contains(self.ctx.time))
    }

    /// Out of line: a filter test asks for about one new atom, and with
    /// every kind of atom inlined the test's loop set up the registers of
    /// all of them first.
    #[allow(clippy::too_many_lines)]
    #[inline(never)]
    fn eval(&mut self, atom: &Atom, dir: Direction) -> bool {
        let tx = self.ctx.tx;
        match atom {
            Atom::Amount(_, condition) => {
                condition.holds(&mut AmountOnly { usd: self.ctx.usd, thresholds: self.thresholds })
            }
            Atom::Country { side, set, negate } => {
                let c = side_party(tx, *side, dir).and_then(|(p, _)| nonempty(&p.country));
                c.is_some_and(|c| set.contains(c)) != *negate
            }
            Atom::Geography { locus, geography } => {
                let geo = &self.reference.geographies[*geography];
                match locus {
                    Locus::Place => tx.place.as_ref().is_some_and(|p| {
                        geo.contains(
                            self.ctx.time,
                            nonempty(&p.zip),
                            nonempty(&p.county),
                            nonempty(&p.state),
                        )
                    }),
                    Locus::Party(side) => match side_party(tx, *side, dir) {
                        None => false,
                        Some((p, _)) => {
                            // The profile's home state only when the party
                            // states none.
                            let state = nonempty(&p.state)
                                .or_else(|| self.profiles.home(self.account(*side, dir)));
                            geo.contains(self.ctx.time, nonempty(&p.zip), None, state)
                        }
                    },
                }
            }
            Atom::Institution(list) => {
                self.institutions.of(*list, self.ctx, self.reference).is_some()
            }
            Atom::SubjectFlags(bits) => {
                self.profiles.flags(self.account(Side::Subject, dir)) & bits != 0
            }
            Atom::NotSubjectFlags(bits) => {
                self.profiles.flags(self.account(Side::Subject, dir)) & bits == 0
            }
            Atom::Kind { side, kind, negate } => {
                let is = self.profiles.kind(self.account(*side, dir)) == Some(*kind);
                is != *negate
            }
            Atom::Counterparty { flags, list } => {
                let has = *flags != 0
                    && self.profiles.flags(self.account(Side::Counterparty, dir)) & flags != 0;
                has || list.is_some_and(|l| self.listed(l, Side::Counterparty, dir))
            }
            Atom::SubjectList(l) => self.listed(*l, Side::Subject, dir),
            Atom::Text(needles) => {
                let Some(text) = nonempty(&tx.text) else { return false };
                needles.iter().any(|needle| {
                    text.as_bytes()
                        .windows(needle.len())
                        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
                })
            }
            Atom::ThirdParty(want) => {
                let depositor = nonempty(&tx.conductor)
                    .or_else(|| nonempty(&tx.originator.name))
                    .or_else(|| nonempty(&tx.originator.customer));
                let subject = side_party(tx, Side::Subject, dir).map(|(p, _)| p);
                let profile = self.profiles.get(self.account(Side::Subject, dir));
                let holder = subject
                    .and_then(|p| nonempty(&p.name))
                    .or_else(|| profile.and_then(|p| p.name.as_deref()));
                let holder_customer = subject
                    .and_then(|p| nonempty(&p.customer))
                    .or_else(|| profile.and_then(|p| p.customer.as_deref()));
                let third = match depositor {
                    None => false,
                    Some(d) => {
                        !holder.is_some_and(|h| h.eq_ignore_ascii_case(d))
                            && !holder_customer.is_some_and(|h| h.eq_ignore_ascii_case(d))
                    }
                };
                third == *want
            }
            Atom::OutsideHomeState(want) => {
                let place_state = tx.place.as_ref().and_then(|p| nonempty(&p.state));
                let home = self.profiles.home(self.account(Side::Subject, dir)).or_else(|| {
                    side_party(tx, Side::Subject, dir).and_then(|(p, _)| nonempty(&p.state))
                });
                let outside =
                    matches!((place_state, home), (Some(p), Some(h)) if !p.eq_ignore_ascii_case(h));
                outside == *want
            }
            Atom::CrossBorder(want) => {
                let cross = matches!(
                    (nonempty(&tx.originator.country), nonempty(&tx.beneficiary.country)),
                    (Some(a), Some(b)) if !a.eq_ignore_ascii_case(b)
                );
                cross == *want
            }
            Atom::PlaceKind(kinds) => tx
                .place
                .as_ref()
                .and_then(|p| p.kind)
                .is_none_or(|k| place_kind_bit(k) & kinds != 0),
        }
    }
}

impl Facts {
    /// Forgets the facts of the previous transaction.
    pub(crate) fn reset(&mut self) {
        *self = Facts::default();
    }

    /// Whether every atom of `set` holds for a key of direction `dir`.
    /// Inlined into the filter tests (with its loop; the evaluation of an
    /// atom stays out of line): as a call it cost about a hundred
    /// instructions per test in saved registers and set-up, most tests
    /// evaluating one atom.
    #[inline(always)]
    pub(crate) fn all(
        &mut self,
        atoms: &Atoms,
        set: u128,
        dir: Direction,
        env: &mut Env<'_>,
    ) -> bool {
        if set == 0 {
            return true;
        }
        let unsided = set & !atoms.sided;
        let sided = set & atoms.sided;
        if unsided != 0 && !self.part(atoms, unsided, Direction::None, env) {
            return false;
        }
        sided == 0 || (dir != Direction::None && self.part(atoms, sided, dir, env))
    }

    fn part(&mut self, atoms: &Atoms, set: u128, dir: Direction, env: &mut Env<'_>) -> bool {
        let r = row(dir);
        // Known false already: done.
        if set & self.known[r] & !self.truth[r] != 0 {
            return false;
        }
        let mut missing = set & !self.known[r];
        while missing != 0 {
            let i = missing.trailing_zeros() as usize;
            missing &= missing - 1;
            let bit = 1u128 << i;
            self.known[r] |= bit;
            if env.eval(&atoms.list[i], dir) {
                self.truth[r] |= bit;
            } else {
                return false;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_home(home: Option<&str>) -> Profile {
        Profile { home_state: home.map(str::to_string), flags: 5, ..Profile::default() }
    }

    /// The inline copy of the home state reads as the profile's own.
    #[test]
    fn hot_profile_reads_as_the_profile() {
        let mut p = Profiles::default();
        let homes = [None, Some(""), Some("T"), Some("TX"), Some("JALISCO"), Some("É")];
        for (i, h) in homes.iter().enumerate() {
            p.set(i as u32 * 3, with_home(*h));
        }
        for (i, h) in homes.iter().enumerate() {
            let a = Some(i as u32 * 3);
            assert_eq!(p.home(a), *h, "home {h:?}");
            assert_eq!(p.home(a), p.get(a).and_then(|x| x.home_state.as_deref()));
            assert_eq!(p.flags(a), 5);
            assert_eq!(p.kind(a), Some(CustomerKind::default()));
            assert_eq!(p.home(Some(i as u32 * 3 + 1)), None);
            assert_eq!(p.flags(Some(i as u32 * 3 + 1)), 0);
            assert_eq!(p.kind(Some(i as u32 * 3 + 1)), None);
        }
        assert_eq!(p.home(None), None);
    }

    /// The fast path of `trim` answers as `str::trim`, at the edges of
    /// its byte test too.
    #[test]
    fn trim_is_str_trim() {
        let ends = [
            "", " ", "\t", "\n", "\u{b}", "\u{c}", "\r", "\u{1}", "\u{7f}", "!", "~", "a",
            "\u{85}", "\u{a0}", "\u{2003}", "\u{3000}", "é", "ß", "中",
        ];
        for a in ends {
            for b in ends {
                for mid in ["", "x", " x ", "AC000123", "a b"] {
                    let s = format!("{a}{mid}{b}");
                    assert_eq!(trim(&s), s.trim(), "{s:?}");
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn trim_is_str_trim_on_any_text(s in "(?s).{0,12}|[ \\t\\n\\x0b\\x{85}\\x{a0}a-z]{0,6}") {
            proptest::prop_assert_eq!(trim(&s), s.trim());
        }
    }
}
