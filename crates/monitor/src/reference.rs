//! Dated reference data: thresholds, geographies, institution lists,
//! country groups, account lists and currency rates.
//!
//! Orders and advisories change thresholds, areas and banned institutions
//! on given dates, so none of them is code: each is a named entry in a
//! TOML file under `data/reference/` with the periods it is in force.
//! Scenarios refer to entries by name, and the value in force at each
//! transaction's event time applies. The format is described in
//! `docs/scenario-format.md` (section "Reference data").
//!
//! Dates are whole days in the file's `time_zone` (default UTC): `from` is
//! the first day in force, `to` the last (inclusive); a missing `to` means
//! "until further notice".

use std::collections::BTreeMap;
use std::ops::Range;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Deserialize;
use toml::Spanned;

use crate::error::{Error, Position, Result, line_of};
use crate::facts::trim;

/// A span of event time `[from, until)` in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InForce {
    /// First instant in force.
    pub from: i64,
    /// First instant no longer in force.
    pub until: i64,
}

impl InForce {
    /// Always in force.
    pub const ALWAYS: InForce = InForce { from: i64::MIN, until: i64::MAX };

    /// Whether `t` is in force.
    #[inline]
    pub fn contains(&self, t: i64) -> bool {
        self.from <= t && t < self.until
    }
}

/// A named amount that changes by date (e.g. `ctr_threshold`,
/// `swb_gto_threshold`).
#[derive(Debug, Clone)]
pub struct Threshold {
    /// The name scenarios use.
    pub name: String,
    /// Where the number comes from.
    pub source: String,
    /// The values and when each is in force.
    pub values: Vec<(InForce, f64)>,
}

impl Threshold {
    /// The value in force at `t`, if any.
    #[inline]
    pub fn at(&self, t: i64) -> Option<f64> {
        self.values.iter().find(|(span, _)| span.contains(t)).map(|(_, v)| *v)
    }
}

/// One period of a geography: ZIP codes, counties and states.
#[derive(Debug, Clone, Default)]
pub struct Area {
    zips: FxHashSet<String>,
    /// FIPS codes (`48141`) and `ST:NAME` keys (`TX:EL PASO`).
    counties: FxHashSet<String>,
    states: FxHashSet<String>,
    /// The states of at most seven ASCII bytes (all of them, as usually
    /// written) as [`state_code`]s: a state is then found by a few integer
    /// comparisons instead of a string hash and a probe, on nearly every
    /// transaction for a scenario filtered on border states.
    state_codes: Vec<u64>,
}

/// A named, dated list of places (e.g. the south-west border GTO area).
#[derive(Debug, Clone)]
pub struct Geography {
    /// The name scenarios use.
    pub name: String,
    /// Where the list comes from.
    pub source: String,
    /// The areas and when each is in force.
    pub periods: Vec<(InForce, Area)>,
}

/// Normalises a county name: upper case, without "COUNTY"/"PARISH", single
/// spaces.
fn county_key(state: &str, county: &str) -> String {
    let words: Vec<String> = county
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_uppercase)
        .filter(|w| w != "COUNTY" && w != "PARISH")
        .collect();
    format!("{}:{}", state.trim().to_uppercase(), words.join(" "))
}

impl Geography {
    /// Whether a place (ZIP, county, state) lies in the area in force at `t`.
    pub fn contains(
        &self,
        t: i64,
        zip: Option<&str>,
        county: Option<&str>,
        state: Option<&str>,
    ) -> bool {
        let Some((_, area)) = self.periods.iter().find(|(span, _)| span.contains(t)) else {
            return false;
        };
        if let Some(zip) = zip
            && !area.zips.is_empty()
        {
            let zip = trim(zip);
            let five = zip.get(..5).unwrap_or(zip);
            if area.zips.contains(five) {
                return true;
            }
        }
        if let Some(county) = county {
            let county = county.trim();
            if county.len() == 5 && county.bytes().all(|b| b.is_ascii_digit()) {
                if area.counties.contains(county) {
                    return true;
                }
            } else if let Some(state) = state
                && area.counties.contains(&county_key(state, county))
            {
                return true;
            }
        }
        if let Some(state) = state {
            let state = trim(state);
            if let Some(code) = state_code(state) {
                return area.state_codes.contains(&code);
            }
            return area.states.contains(&*upper_case(state, &mut [0; 8]));
        }
        false
    }
}

/// `text` in ASCII upper case packed in an integer (bytes from the lowest,
/// length in the top byte) when it has at most seven bytes, all ASCII. Two
/// such texts have the same code exactly when their upper-case forms are
/// the same; a text in upper case and its code name the same state.
#[inline]
fn state_code(text: &str) -> Option<u64> {
    let bytes = text.as_bytes();
    if bytes.len() > 7 {
        return None;
    }
    let mut code = (bytes.len() as u64) << 56;
    for (i, &b) in bytes.iter().enumerate() {
        if !b.is_ascii() {
            return None;
        }
        code |= u64::from(b.to_ascii_uppercase()) << (8 * i);
    }
    Some(code)
}

/// `text` in upper case, as `str::to_uppercase` writes it: an ASCII text
/// already in upper case as it is, another ASCII text of up to eight
/// bytes in `buf`, anything else in a new string. The look-ups of
/// states, as usually written, allocate nothing.
fn upper_case<'a>(text: &'a str, buf: &'a mut [u8; 8]) -> std::borrow::Cow<'a, str> {
    if text.bytes().all(|b| b.is_ascii() && !b.is_ascii_lowercase()) {
        // Already upper case (a state code as usually written).
        return std::borrow::Cow::Borrowed(text);
    }
    if text.is_ascii()
        && let Some(out) = buf.get_mut(..text.len())
    {
        out.copy_from_slice(text.as_bytes());
        out.make_ascii_uppercase();
        // ASCII in, ASCII out.
        if let Ok(upper) = std::str::from_utf8(out) {
            return std::borrow::Cow::Borrowed(upper);
        }
    }
    std::borrow::Cow::Owned(text.to_uppercase())
}

/// An institution on a list, with the identifiers it is known by.
#[derive(Debug, Clone)]
pub struct Institution {
    /// The name used in alerts.
    pub name: String,
    /// Normalised names and aliases (upper-case words joined by spaces).
    names: Vec<String>,
    /// BIC prefixes (the first 8 characters).
    bics: Vec<String>,
    /// ABA routing numbers.
    abas: Vec<String>,
    /// CLABE bank codes (the first 3 digits of an 18-digit CLABE).
    clabe_banks: Vec<String>,
    /// When transfers with it are banned.
    pub in_force: InForce,
    /// The SAR key term advisories ask for.
    pub key_term: Option<String>,
}

/// A named list of institutions (e.g. the §2313a orders).
#[derive(Debug, Clone)]
pub struct InstitutionList {
    /// The name scenarios use.
    pub name: String,
    /// Where the list comes from.
    pub source: String,
    /// The institutions.
    pub institutions: Vec<Institution>,
}

/// Upper-case alphanumeric words of `text`, joined by single spaces, with
/// spaces around so whole-word containment is a substring test.
fn words(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push(' ');
    for word in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        for c in word.chars() {
            out.extend(c.to_uppercase());
        }
        out.push(' ');
    }
    out
}

impl InstitutionList {
    /// The institution a free-form identifier (name, BIC, ABA, CLABE)
    /// resolves to, regardless of dates.
    pub fn resolve(&self, identifier: &str) -> Option<usize> {
        let compact: String = identifier
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_uppercase();
        let all_digits = !compact.is_empty() && compact.bytes().all(|b| b.is_ascii_digit());
        let normalised = words(identifier);
        self.institutions.iter().position(|inst| {
            if (compact.len() == 8 || compact.len() == 11)
                && !all_digits
                && inst.bics.iter().any(|b| compact.starts_with(b.as_str()))
            {
                return true;
            }
            if all_digits && compact.len() == 9 && inst.abas.contains(&compact) {
                return true;
            }
            if all_digits
                && compact.len() == 18
                && inst.clabe_banks.iter().any(|c| compact.starts_with(c.as_str()))
            {
                return true;
            }
            inst.names.iter().any(|n| normalised.contains(n.as_str()))
        })
    }
}

/// A named set of country codes (lower-case FollowTheMoney codes).
#[derive(Debug, Clone)]
pub struct CountryGroup {
    /// The name scenarios use.
    pub name: String,
    /// The codes.
    pub countries: FxHashSet<String>,
}

/// A named, dated set of accounts or party names (armored-car services,
/// designated subjects, previous SAR subjects).
#[derive(Debug, Clone)]
pub struct AccountList {
    /// The name scenarios use.
    pub name: String,
    /// Where the list comes from.
    pub source: String,
    /// Account ids and when each is on the list.
    pub accounts: FxHashMap<String, InForce>,
}

/// Currency rates to USD by date.
#[derive(Debug, Clone, Default)]
pub struct FxTable {
    /// Rate sets sorted by start: `(from, code → USD per unit)`.
    sets: Vec<(i64, FxHashMap<String, f64>)>,
    /// Where the rates come from.
    pub source: String,
}

impl FxTable {
    /// USD per unit of `currency` at `t`: the latest rate set starting at
    /// or before `t` that has the currency, else the earliest set that has
    /// it (so data older than the table still converts). USD is always 1.
    pub fn usd_rate(&self, currency: &str, t: i64) -> Option<f64> {
        if currency == "USD" {
            return Some(1.0);
        }
        let mut best = None;
        for (from, rates) in &self.sets {
            if let Some(rate) = rates.get(currency) {
                if *from <= t || best.is_none() {
                    best = Some(*rate);
                }
                if *from > t {
                    break;
                }
            }
        }
        best
    }

    /// The currency codes the table knows.
    pub fn currencies(&self) -> Vec<String> {
        let mut codes: Vec<String> =
            self.sets.iter().flat_map(|(_, r)| r.keys().cloned()).collect();
        codes.push("USD".into());
        codes.sort();
        codes.dedup();
        codes
    }
}

/// All reference data in force for a run.
#[derive(Debug, Clone, Default)]
pub struct ReferenceData {
    /// Named thresholds.
    pub thresholds: Vec<Threshold>,
    /// Named geographies.
    pub geographies: Vec<Geography>,
    /// Named institution lists.
    pub institution_lists: Vec<InstitutionList>,
    /// Named country groups.
    pub country_groups: Vec<CountryGroup>,
    /// Named account lists.
    pub account_lists: Vec<AccountList>,
    /// Currency rates.
    pub fx: FxTable,
    /// The files loaded, with their `version` strings, for provenance.
    pub versions: BTreeMap<String, String>,
}

/// The reference files shipped with Vigia, embedded in the binary.
pub const BUILTIN_REFERENCE: &[(&str, &str)] = &[
    ("data/reference/thresholds.toml", include_str!("../../../data/reference/thresholds.toml")),
    ("data/reference/geographies.toml", include_str!("../../../data/reference/geographies.toml")),
    ("data/reference/institutions.toml", include_str!("../../../data/reference/institutions.toml")),
    ("data/reference/countries.toml", include_str!("../../../data/reference/countries.toml")),
    ("data/reference/accounts.toml", include_str!("../../../data/reference/accounts.toml")),
    ("data/reference/fx.toml", include_str!("../../../data/reference/fx.toml")),
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    format_version: Spanned<u32>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    time_zone: Option<Spanned<String>>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    threshold: Vec<Spanned<RawThreshold>>,
    #[serde(default)]
    geography: Vec<Spanned<RawGeography>>,
    #[serde(default)]
    institution_list: Vec<Spanned<RawInstitutionList>>,
    #[serde(default)]
    country_group: Vec<Spanned<RawCountryGroup>>,
    #[serde(default)]
    account_list: Vec<Spanned<RawAccountList>>,
    #[serde(default)]
    fx: Option<RawFx>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPeriod {
    // Plain strings: serde's `flatten` cannot carry spans, so errors point
    // at the enclosing entry.
    from: Option<String>,
    to: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawThreshold {
    name: String,
    source: String,
    #[serde(default)]
    description: Option<String>,
    value: Vec<Spanned<RawThresholdValue>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawThresholdValue {
    #[serde(flatten)]
    period: RawPeriod,
    amount: f64,
    #[serde(default)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGeography {
    name: String,
    source: String,
    #[serde(default)]
    description: Option<String>,
    period: Vec<Spanned<RawArea>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArea {
    #[serde(flatten)]
    period: RawPeriod,
    #[serde(default)]
    zips: Vec<String>,
    #[serde(default)]
    counties: Vec<String>,
    #[serde(default)]
    states: Vec<String>,
    #[serde(default)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInstitutionList {
    name: String,
    source: String,
    #[serde(default)]
    description: Option<String>,
    institution: Vec<Spanned<RawInstitution>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInstitution {
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    bics: Vec<String>,
    #[serde(default)]
    abas: Vec<String>,
    #[serde(default)]
    clabe_banks: Vec<String>,
    #[serde(flatten)]
    period: RawPeriod,
    #[serde(default)]
    key_term: Option<String>,
    #[serde(default)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCountryGroup {
    name: String,
    #[serde(default)]
    description: Option<String>,
    countries: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAccountList {
    name: String,
    source: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    account: Vec<Spanned<RawListedAccount>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawListedAccount {
    id: String,
    #[serde(flatten)]
    period: RawPeriod,
    #[serde(default)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFx {
    source: String,
    rates: Vec<Spanned<RawRateSet>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRateSet {
    from: Spanned<String>,
    usd_per_unit: BTreeMap<String, f64>,
}

struct Loader<'a> {
    file: &'a str,
    text: &'a str,
    zone: TimeZone,
}

impl Loader<'_> {
    fn error(&self, span: Range<usize>, reason: impl Into<String>) -> Error {
        Error::Reference {
            at: Position { file: self.file.to_string(), line: line_of(self.text, span.start) },
            reason: reason.into(),
        }
    }

    fn date(&self, value: &str, span: Range<usize>) -> Result<i64> {
        let date: Date = value.parse().map_err(|e| {
            self.error(span.clone(), format!("bad date {value:?} (want YYYY-MM-DD): {e}"))
        })?;
        self.midnight(date, span)
    }

    fn midnight(&self, date: Date, span: Range<usize>) -> Result<i64> {
        let ts = self
            .zone
            .to_timestamp(date.to_datetime(jiff::civil::Time::midnight()))
            .map_err(|e| self.error(span, format!("date {date} out of range: {e}")))?;
        Ok(ts.as_millisecond())
    }

    fn period(&self, raw: &RawPeriod, span: Range<usize>) -> Result<InForce> {
        let from = match &raw.from {
            Some(d) => self.date(d, span.clone())?,
            None => i64::MIN,
        };
        let until = match &raw.to {
            // `to` is the last day in force: the span ends at the next midnight.
            Some(d) => {
                let date: Date = d.parse().map_err(|e| {
                    self.error(span.clone(), format!("bad date {d:?} (want YYYY-MM-DD): {e}"))
                })?;
                let next = date
                    .tomorrow()
                    .map_err(|e| self.error(span.clone(), format!("bad date: {e}")))?;
                self.midnight(next, span.clone())?
            }
            None => i64::MAX,
        };
        if from >= until {
            return Err(self.error(span, "`to` is before `from`"));
        }
        Ok(InForce { from, until })
    }

    /// Periods of one entry must not overlap: one value is in force at a time.
    fn check_disjoint(&self, spans: &[(InForce, Range<usize>)]) -> Result<()> {
        for (i, (a, _)) in spans.iter().enumerate() {
            for (b, at) in &spans[i + 1..] {
                if a.from < b.until && b.from < a.until {
                    return Err(self.error(
                        at.clone(),
                        "this period overlaps an earlier one of the same entry",
                    ));
                }
            }
        }
        Ok(())
    }
}

impl ReferenceData {
    /// The reference data shipped with Vigia.
    pub fn builtin() -> Result<ReferenceData> {
        let mut data = ReferenceData::default();
        for (file, text) in BUILTIN_REFERENCE {
            data.load(file, text)?;
        }
        Ok(data)
    }

    /// Loads one reference file; entries replace loaded entries of the same
    /// name (so a user's directory overrides the built-in data).
    pub fn load(&mut self, file: &str, text: &str) -> Result<()> {
        let raw: RawFile = toml::from_str(text).map_err(|e| Error::Reference {
            at: Position {
                file: file.to_string(),
                line: e.span().map_or(1, |s| line_of(text, s.start)),
            },
            reason: e.message().to_string(),
        })?;
        if *raw.format_version.get_ref() != 1 {
            return Err(Error::Reference {
                at: Position {
                    file: file.to_string(),
                    line: line_of(text, raw.format_version.span().start),
                },
                reason: format!(
                    "unsupported format_version {} (this Vigia reads 1)",
                    raw.format_version.get_ref()
                ),
            });
        }
        let zone = match &raw.time_zone {
            Some(z) => TimeZone::get(z.get_ref()).map_err(|e| Error::Reference {
                at: Position { file: file.to_string(), line: line_of(text, z.span().start) },
                reason: format!("unknown time zone {:?}: {e}", z.get_ref()),
            })?,
            None => TimeZone::UTC,
        };
        let _ = &raw.description;
        let ld = Loader { file, text, zone };
        self.versions.insert(file.to_string(), raw.version.clone().unwrap_or_default());

        for entry in &raw.threshold {
            let t = entry.get_ref();
            let _ = &t.description;
            let mut values = Vec::new();
            let mut spans = Vec::new();
            for v in &t.value {
                let _ = &v.get_ref().note;
                let span = ld.period(&v.get_ref().period, v.span())?;
                if !v.get_ref().amount.is_finite() || v.get_ref().amount < 0.0 {
                    return Err(ld.error(v.span(), "amount must be a non-negative number"));
                }
                spans.push((span, v.span()));
                values.push((span, v.get_ref().amount));
            }
            ld.check_disjoint(&spans)?;
            let item = Threshold { name: t.name.clone(), source: t.source.clone(), values };
            replace(&mut self.thresholds, item, |x| &x.name);
        }
        for entry in &raw.geography {
            let g = entry.get_ref();
            let _ = &g.description;
            let mut periods = Vec::new();
            let mut spans = Vec::new();
            for p in &g.period {
                let raw_area = p.get_ref();
                let _ = &raw_area.note;
                let span = ld.period(&raw_area.period, p.span())?;
                let mut area = Area::default();
                for zip in &raw_area.zips {
                    if zip.len() != 5 || !zip.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(ld.error(p.span(), format!("ZIP {zip:?} is not five digits")));
                    }
                    area.zips.insert(zip.clone());
                }
                for county in &raw_area.counties {
                    if county.len() == 5 && county.bytes().all(|b| b.is_ascii_digit()) {
                        area.counties.insert(county.clone());
                    } else if let Some((state, name)) = county.split_once(':') {
                        area.counties.insert(county_key(state, name));
                    } else {
                        return Err(ld.error(p.span(), format!("county {county:?}: want a FIPS code (\"48141\") or \"ST:Name\" (\"TX:El Paso\")")));
                    }
                }
                area.states.extend(raw_area.states.iter().map(|s| s.trim().to_uppercase()));
                area.state_codes = area.states.iter().filter_map(|s| state_code(s)).collect();
                spans.push((span, p.span()));
                periods.push((span, area));
            }
            ld.check_disjoint(&spans)?;
            replace(
                &mut self.geographies,
                Geography { name: g.name.clone(), source: g.source.clone(), periods },
                |x| &x.name,
            );
        }
        for entry in &raw.institution_list {
            let l = entry.get_ref();
            let _ = &l.description;
            let mut institutions = Vec::new();
            for i in &l.institution {
                let r = i.get_ref();
                let _ = &r.note;
                let in_force = ld.period(&r.period, i.span())?;
                let mut names: Vec<String> =
                    std::iter::once(&r.name).chain(&r.aliases).map(|n| words(n)).collect();
                names.retain(|n| n.trim().len() >= 3);
                institutions.push(Institution {
                    name: r.name.clone(),
                    names,
                    bics: r
                        .bics
                        .iter()
                        .map(|b| b.to_uppercase().chars().take(8).collect())
                        .collect(),
                    abas: r.abas.clone(),
                    clabe_banks: r.clabe_banks.clone(),
                    in_force,
                    key_term: r.key_term.clone(),
                });
            }
            replace(
                &mut self.institution_lists,
                InstitutionList { name: l.name.clone(), source: l.source.clone(), institutions },
                |x| &x.name,
            );
        }
        for entry in &raw.country_group {
            let g = entry.get_ref();
            let _ = &g.description;
            let countries = g.countries.iter().map(|c| c.trim().to_lowercase()).collect();
            replace(
                &mut self.country_groups,
                CountryGroup { name: g.name.clone(), countries },
                |x| &x.name,
            );
        }
        for entry in &raw.account_list {
            let l = entry.get_ref();
            let _ = &l.description;
            let mut accounts = FxHashMap::default();
            for a in &l.account {
                let _ = &a.get_ref().note;
                accounts.insert(a.get_ref().id.clone(), ld.period(&a.get_ref().period, a.span())?);
            }
            replace(
                &mut self.account_lists,
                AccountList { name: l.name.clone(), source: l.source.clone(), accounts },
                |x| &x.name,
            );
        }
        if let Some(fx) = &raw.fx {
            let mut sets = Vec::new();
            for set in &fx.rates {
                let from = ld.date(set.get_ref().from.get_ref(), set.get_ref().from.span())?;
                let mut rates = FxHashMap::default();
                for (code, rate) in &set.get_ref().usd_per_unit {
                    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
                        return Err(ld.error(
                            set.span(),
                            format!("currency {code:?} is not an ISO 4217 code"),
                        ));
                    }
                    if !rate.is_finite() || *rate <= 0.0 {
                        return Err(
                            ld.error(set.span(), format!("rate for {code} must be positive"))
                        );
                    }
                    rates.insert(code.clone(), *rate);
                }
                sets.push((from, rates));
            }
            sets.sort_by_key(|(from, _)| *from);
            self.fx = FxTable { sets, source: fx.source.clone() };
        }
        Ok(())
    }

    /// The threshold named `name`.
    pub fn threshold(&self, name: &str) -> Option<usize> {
        self.thresholds.iter().position(|t| t.name == name)
    }

    /// The geography named `name`.
    pub fn geography(&self, name: &str) -> Option<usize> {
        self.geographies.iter().position(|t| t.name == name)
    }

    /// The institution list named `name`.
    pub fn institution_list(&self, name: &str) -> Option<usize> {
        self.institution_lists.iter().position(|t| t.name == name)
    }

    /// The country group named `name`.
    pub fn country_group(&self, name: &str) -> Option<usize> {
        self.country_groups.iter().position(|t| t.name == name)
    }

    /// The account list named `name`.
    pub fn account_list(&self, name: &str) -> Option<usize> {
        self.account_lists.iter().position(|t| t.name == name)
    }
}

fn replace<T>(items: &mut Vec<T>, item: T, name: impl Fn(&T) -> &String) {
    if let Some(slot) = items.iter_mut().find(|x| name(x) == name(&item)) {
        *slot = item;
    } else {
        items.push(item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(text: &str) -> i64 {
        text.parse::<jiff::Timestamp>().unwrap().as_millisecond()
    }

    /// The short-text path of `upper_case` writes what `str::to_uppercase`
    /// does, at its length limit and past it too.
    #[test]
    fn upper_case_is_to_uppercase() {
        for text in [
            "",
            "tx",
            "Tx",
            "TX",
            "new york",
            "Coahuila",
            "123456789",
            "é",
            "straße",
            "n.m.",
            "N.M.",
            "NEW MEXICO",
            "Ǆ",
        ] {
            assert_eq!(upper_case(text, &mut [0; 8]), text.to_uppercase(), "{text:?}");
        }
    }

    /// A state found by its code is found by name in the set as before:
    /// for states as written in the data, in any case, with and without
    /// white space, at the seven-byte limit and past it, and non-ASCII
    /// ones whose upper case is ASCII.
    #[test]
    fn states_by_code_as_by_name() {
        let listed = ["CA", "tx", " Nm ", "SEVENXY", "EIGHTXYZ", "COAHUILA", "ÉTAT", "I"];
        let mut area = Area::default();
        area.states.extend(listed.iter().map(|s| s.trim().to_uppercase()));
        area.state_codes = area.states.iter().filter_map(|s| state_code(s)).collect();
        let geography = Geography {
            name: "test".into(),
            source: String::new(),
            periods: vec![(InForce::ALWAYS, area.clone())],
        };
        let queries = [
            "CA", "ca", "Ca", "TX", "tx", "NM", " nm", "nm\t", "AZ", "", "C", "CAX", "SEVENXY",
            "sevenxy", "SEVENX", "EIGHTXYZ", "eightxyz", "Coahuila", "état", "ÉTAT", "ı", "i", "I",
            "ſ", "N\u{a0}M", "C\0", "C",
        ];
        for query in queries {
            let by_name = area.states.contains(&*upper_case(query.trim(), &mut [0; 8]));
            assert_eq!(geography.contains(0, None, None, Some(query)), by_name, "{query:?}");
        }
    }

    #[test]
    fn builtin_loads() {
        let r = ReferenceData::builtin().unwrap();
        let gto = &r.thresholds[r.threshold("swb_gto_threshold").unwrap()];
        assert_eq!(gto.at(ms("2025-04-13T12:00:00Z")), None);
        assert_eq!(gto.at(ms("2025-04-14T12:00:00Z")), Some(200.01));
        assert_eq!(gto.at(ms("2025-09-09T12:00:00Z")), Some(200.01));
        assert_eq!(gto.at(ms("2025-09-10T12:00:00Z")), Some(1000.0));
        let ctr = &r.thresholds[r.threshold("ctr_threshold").unwrap()];
        assert_eq!(ctr.at(ms("2001-01-01T00:00:00Z")), Some(10_000.0));
    }

    #[test]
    fn gto_geography_by_date() {
        let r = ReferenceData::builtin().unwrap();
        let g = &r.geographies[r.geography("swb_gto").unwrap()];
        let april = ms("2025-05-01T18:00:00Z");
        let october = ms("2025-10-01T18:00:00Z");
        // El Paso County, Texas, by name and by FIPS code, in both orders.
        assert!(g.contains(april, None, Some("El Paso County"), Some("TX")));
        assert!(g.contains(october, None, Some("48141"), None));
        // Yuma County, Arizona was added by the September order.
        assert!(!g.contains(april, None, Some("Yuma"), Some("AZ")));
        assert!(g.contains(october, None, Some("Yuma"), Some("AZ")));
        // San Diego ZIP 92173 (San Ysidro).
        assert!(g.contains(october, Some("92173-1234"), None, None));
        assert!(!g.contains(october, Some("10001"), None, Some("NY")));
        assert!(!g.contains(ms("2025-01-01T00:00:00Z"), None, Some("El Paso"), Some("TX")));
    }

    #[test]
    fn section_2313a_institutions_resolve() {
        let r = ReferenceData::builtin().unwrap();
        let list = &r.institution_lists[r.institution_list("section_2313a").unwrap()];
        fn check(list: &InstitutionList, text: &str, expected: Option<&str>) {
            assert_eq!(
                list.resolve(text).map(|i| list.institutions[i].name.as_str()),
                expected,
                "{text}"
            );
        }
        check(list, "CIBanco, S.A., Institucion de Banca Multiple", Some("CIBanco"));
        check(list, "CIBEMXMMXXX", Some("CIBanco"));
        check(list, "Intercam Banco SA", Some("Intercam Banco"));
        check(list, "Vector Casa de Bolsa, S.A. de C.V.", Some("Vector Casa de Bolsa"));
        check(list, "143180000000000000", Some("CIBanco"));
        check(list, "Banco Nacional de Mexico", None);
        check(list, "Vector Capital Partners", None);
        check(list, "BNMXMXMM", None);
        let cibanco = &list.institutions[list.resolve("CIBanco").unwrap()];
        assert!(!cibanco.in_force.contains(ms("2025-10-19T12:00:00Z")));
        assert!(cibanco.in_force.contains(ms("2025-10-20T12:00:00Z")));
    }

    #[test]
    fn fx_rates_by_date() {
        let r = ReferenceData::builtin().unwrap();
        assert_eq!(r.fx.usd_rate("USD", 0), Some(1.0));
        let eur_2022 = r.fx.usd_rate("EUR", ms("2022-09-05T00:00:00Z")).unwrap();
        let eur_2025 = r.fx.usd_rate("EUR", ms("2025-08-01T00:00:00Z")).unwrap();
        assert!((0.9..1.1).contains(&eur_2022), "{eur_2022}");
        assert!(eur_2025 > eur_2022);
        // Older than the table: the earliest set applies.
        assert_eq!(r.fx.usd_rate("EUR", 0), r.fx.usd_rate("EUR", ms("2020-01-01T00:00:00Z")));
        assert_eq!(r.fx.usd_rate("XYZ", 0), None);
    }

    #[test]
    fn errors_name_file_and_line() {
        fn check(text: &str, line: usize, reason: &str) {
            let mut r = ReferenceData::default();
            let err = r.load("ref.toml", text).unwrap_err().to_string();
            assert!(err.starts_with(&format!("ref.toml:{line}: ")), "{err}");
            assert!(err.contains(reason), "{err} lacks {reason}");
        }
        check("format_version = 2\n", 1, "unsupported format_version");
        check(
            "format_version = 1\n[[threshold]]\nname = \"t\"\nsource = \"s\"\n[[threshold.value]]\nfrom = \"2025-13-01\"\namount = 1\n",
            5,
            "bad date",
        );
        check(
            "format_version = 1\n[[threshold]]\nname = \"t\"\nsource = \"s\"\n[[threshold.value]]\nfrom = \"2025-01-01\"\namount = 1\n[[threshold.value]]\nfrom = \"2025-06-01\"\namount = 2\n",
            8,
            "overlaps",
        );
        check(
            "format_version = 1\n[[geography]]\nname = \"g\"\nsource = \"s\"\n[[geography.period]]\nzips = [\"123\"]\n",
            5,
            "five digits",
        );
        check("format_version = 1\nbogus = 3\n", 2, "unknown field");
        check("format_version = 1\ntime_zone = \"Nowhere/Else\"\n", 2, "unknown time zone");
    }
}
