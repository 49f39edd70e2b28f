//! What the official-list parsers (UN, EU, UK, Canada) share: reading one
//! record at a time ([`xml`]), reporting what was odd about it ([`Notes`],
//! [`Output`]), and the value conversions every list needs (countries,
//! dates, scripts, alias lists).

pub(crate) mod xml;

use std::collections::HashSet;

use vigia_model::entity::collapse_whitespace;
use vigia_model::{Diagnostic, Entity, Location, PartialDate, Schema, Severity, country, prop};

use crate::{Error, Result, Sink};

/// FollowTheMoney `Sanction` properties the model has no constant for.
pub(crate) mod sanction_prop {
    /// The publisher's own reference for the listing (UN reference
    /// number, EU reference number, UK unique id).
    pub(crate) const AUTHORITY_ID: &str = "authorityId";
    /// The UN Security Council reference number of the listing.
    pub(crate) const UNSC_ID: &str = "unscId";
}

/// FollowTheMoney properties of vessels and organisations the model has no
/// constant for.
pub(crate) mod extra_prop {
    /// Vessel: flags the ship flew before.
    pub(crate) const PAST_FLAGS: &str = "pastFlags";
    /// Vessel: gross tonnage.
    pub(crate) const TONNAGE: &str = "tonnage";
    /// Vessel: year or date of build.
    pub(crate) const BUILD_DATE: &str = "buildDate";
    /// Organisation: sector or kind of business.
    pub(crate) const SECTOR: &str = "sector";
}

/// What was odd about one record, collected while it is mapped and
/// reported once its id is known.
#[derive(Debug, Default)]
pub(crate) struct Notes {
    items: Vec<(Severity, String)>,
}

impl Notes {
    /// Something read with a caveat; nothing lost.
    pub(crate) fn info(&mut self, message: String) {
        self.items.push((Severity::Info, message));
    }

    /// Part of the record could not be read.
    pub(crate) fn warning(&mut self, message: String) {
        self.items.push((Severity::Warning, message));
    }

    /// The record could not be read and is dropped.
    pub(crate) fn error(&mut self, message: String) {
        self.items.push((Severity::Error, message));
    }
}

/// Where a parser's entities and diagnostics go: the sink, plus the
/// bookkeeping every parser needs (dataset names, unique ids, record
/// counts).
pub(crate) struct Output<'a> {
    file: &'a str,
    dataset: &'a str,
    sink: &'a mut dyn Sink,
    /// Ids already emitted, to catch a publisher reusing one. Only ids are
    /// kept, a few bytes per record.
    ids: HashSet<String>,
    /// Records read (listed parties, dropped ones included).
    pub(crate) records: u64,
}

impl<'a> Output<'a> {
    /// An output for one file.
    pub(crate) fn new(file: &'a str, dataset: &'a str, sink: &'a mut dyn Sink) -> Output<'a> {
        Output { file, dataset, sink, ids: HashSet::new(), records: 0 }
    }

    /// A diagnostic about the file or a place in it.
    pub(crate) fn diagnostic(&mut self, location: Location, severity: Severity, message: String) {
        self.sink.diagnostic(Diagnostic {
            file: self.file.to_owned(),
            location,
            severity,
            message,
        });
    }

    /// Reports a record's notes.
    pub(crate) fn flush(&mut self, number: u64, id: Option<&str>, notes: Notes) {
        for (severity, message) in notes.items {
            let location = Location::Record { number, id: id.map(str::to_owned) };
            self.diagnostic(location, severity, message);
        }
    }

    /// Makes an id unique within the file. A publisher that reuses an id
    /// for two records gets both records kept: the second under
    /// `<id>-<n>`, with a warning, because dropping a listed party is the
    /// costlier mistake.
    pub(crate) fn unique_id(&mut self, id: String, notes: &mut Notes) -> String {
        if self.ids.insert(id.clone()) {
            return id;
        }
        let mut n = 2;
        let renamed = loop {
            let candidate = format!("{id}-{n}");
            if !self.ids.contains(&candidate) {
                break candidate;
            }
            n += 1;
        };
        self.ids.insert(renamed.clone());
        notes.warning(format!(
            "duplicate id: {id} is used by an earlier record; this one is kept as {renamed}"
        ));
        renamed
    }

    /// Emits an entity, tagged with the dataset.
    pub(crate) fn entity(&mut self, mut entity: Entity) {
        entity.add_dataset(self.dataset);
        self.sink.entity(entity);
    }

    /// Emits a listed party and its sanction. The party is marked as a
    /// target and tagged `sanction`; the sanction points at it.
    pub(crate) fn listed(&mut self, mut party: Entity, mut sanction: Entity) {
        party.target = Some(true);
        party.add(prop::TOPICS, "sanction");
        sanction.add(prop::ENTITY, &party.id);
        self.entity(party);
        self.entity(sanction);
    }
}

/// Handles a file that breaks off: the records read so far are kept and
/// an error diagnostic names the place (the record being read there, if
/// any, counts as a dropped record). A file that breaks off before its
/// first complete record is unreadable as a whole.
///
/// # Errors
/// No complete record was read before the break.
pub(crate) fn cut_off(out: &mut Output<'_>, cut: &xml::Cut) -> Result<()> {
    if out.records == 0 {
        return Err(Error::Malformed {
            file: out.file.to_owned(),
            location: Location::Line(cut.line),
            message: format!("{} (before the first record)", cut.message()),
        });
    }
    if cut.partial.is_some() {
        out.records += 1;
    }
    out.diagnostic(Location::Line(cut.line), Severity::Error, cut.message());
    Ok(())
}

/// Warns about a file that holds no record at all: activating it would
/// empty the dataset.
pub(crate) fn finish(out: &mut Output<'_>) {
    if out.records == 0 {
        out.diagnostic(
            Location::File,
            Severity::Warning,
            "no records: the file lists nobody".into(),
        );
    }
}

/// Gives a party without a name its first alias as the name (strong
/// aliases first, then former names, then weak aliases) rather than drop a
/// listed party that can still be screened. Returns whether it found one.
pub(crate) fn promote_alias(party: &mut Entity, notes: &mut Notes) -> bool {
    for property in [prop::ALIAS, prop::PREVIOUS_NAME, prop::WEAK_ALIAS] {
        if let Some(alias) = party.first(property).map(str::to_owned) {
            party.add(prop::NAME, &alias);
            notes.warning(format!("no name: the {property} {alias:?} is used as the name"));
            return true;
        }
    }
    false
}

/// A new `Sanction` entity for a listed party's id.
pub(crate) fn sanction_for(party_id: &str, authority: &str) -> Entity {
    let mut sanction = Entity::new(format!("{party_id}-sanction"), Schema::Sanction);
    sanction.add(prop::AUTHORITY, authority);
    sanction
}

/// Values lists write for "unknown" where a country or date should be.
fn is_placeholder(text: &str) -> bool {
    matches!(
        text.to_ascii_lowercase().as_str(),
        "" | "-" | "na" | "n/a" | "n.a." | "unknown" | "none" | "00" | "not known"
    )
}

/// Resolves a country name, demonym or code. An unknown value gives an
/// info note naming `what` it was and is otherwise left out: properties
/// hold codes only.
pub(crate) fn country_code(text: &str, what: &str, notes: &mut Notes) -> Option<&'static str> {
    let text = collapse_whitespace(text);
    if is_placeholder(&text) {
        return None;
    }
    if let Some(code) = country::code_for(&text) {
        return Some(code);
    }
    // "former Soviet Union", "Possibly Ethiopian": a hedge, then the country.
    let lower = text.to_lowercase();
    for hedge in ["former ", "possibly ", "probably "] {
        if lower.starts_with(hedge)
            && let Some(code) = text.get(hedge.len()..).and_then(country::code_for)
        {
            return Some(code);
        }
    }
    // "Bahrain (citizenship revoked in Jan. 2015)", "United States. Also
    // believed to hold Syrian nationality": the country comes first.
    for cut in ['(', '.', ',', ';'] {
        if let Some((head, _)) = text.split_once(cut)
            && let Some(code) = country::code_for(head)
        {
            return Some(code);
        }
    }
    // "Branch Office 11: Iran": a label, then the country.
    if let Some((_, tail)) = text.rsplit_once(':')
        && let Some(code) = country::code_for(tail)
    {
        return Some(code);
    }
    notes.info(format!("unknown country: {what} {text:?} is not a country Vigia knows"));
    None
}

/// Adds a country by name to a property, noting unknown names. Alternatives
/// (`Sudan/South Sudan`, `Sudan/or South Sudan`) add every country named:
/// either may be the one a customer's data shows.
pub(crate) fn add_country(entity: &mut Entity, property: &str, text: &str, notes: &mut Notes) {
    if text.contains('/') && country::code_for(text).is_none() {
        let alternatives: Vec<Option<&'static str>> = text
            .split('/')
            .map(|part| {
                let part = part.trim();
                country::code_for(part.strip_prefix("or ").unwrap_or(part))
            })
            .collect();
        if alternatives.iter().all(Option::is_some) {
            entity.add_all(property, alternatives.into_iter().flatten());
            return;
        }
    }
    if let Some(code) = country_code(text, property, notes) {
        entity.add(property, code);
    }
}

/// Adds an ISO alpha-2 code (any case) to a property; `00` and empty mean
/// unknown. A code Vigia does not know gives an info note.
pub(crate) fn add_iso_country(entity: &mut Entity, property: &str, code: &str, notes: &mut Notes) {
    let code = code.trim().to_ascii_lowercase();
    if is_placeholder(&code) {
        return;
    }
    if country::is_code(&code) {
        entity.add(property, &code);
    } else {
        notes.info(format!(
            "unknown country: {property} code {code:?} is not a country code Vigia knows"
        ));
    }
}

/// An ISO date or timestamp (`2012-12-31`, `2001-01-25-05:00`,
/// `2020-04-15T15:29:22.497+02:00`) reduced to its date.
pub(crate) fn iso_date(text: &str) -> Option<String> {
    let text = text.trim();
    let date = text.get(..10).unwrap_or(text);
    PartialDate::parse_iso(date).ok().map(|d| d.to_string())
}

/// One date from an ISO date or a loose one (`31 Dec 2016`); `None` when
/// the text holds no date or several.
pub(crate) fn single_date(text: &str) -> Option<String> {
    iso_date(text).or_else(|| match PartialDate::parse_loose(text).as_slice() {
        [date] => Some(date.to_string()),
        _ => None,
    })
}

/// Adds every date a loose date text denotes; returns whether any was
/// found.
pub(crate) fn add_dates(entity: &mut Entity, property: &str, text: &str) -> bool {
    let dates = PartialDate::parse_loose(text);
    for date in &dates {
        entity.add(property, &date.to_string());
    }
    !dates.is_empty()
}

/// A day-first date in which unknown parts are written `00`, `dd`, `mm`
/// or left out (`12/05/1958`, `00/04/1984`, `dd/mm/1945`, `1946`), as the
/// UK lists write them.
pub(crate) fn day_first_date(text: &str) -> Option<PartialDate> {
    let text = text.trim();
    let parts: Vec<&str> = text.split(['/', '-', '.']).map(str::trim).collect();
    let number = |t: &str| -> Option<u16> {
        (!t.is_empty() && t.len() <= 4 && t.bytes().all(|b| b.is_ascii_digit()))
            .then(|| t.parse().ok())
            .flatten()
    };
    match parts.as_slice() {
        [year] => PartialDate::year(number(year)?),
        [month, year] => {
            let year = number(year)?;
            match number(month).filter(|m| *m > 0) {
                Some(month) => PartialDate::month(year, u8::try_from(month).ok()?),
                None => PartialDate::year(year),
            }
        }
        [day, month, year] if year.len() == 4 => {
            let year = number(year)?;
            let month = number(month).filter(|m| *m > 0).and_then(|m| u8::try_from(m).ok());
            let day = number(day).filter(|d| *d > 0).and_then(|d| u8::try_from(d).ok());
            match (month, day) {
                (Some(month), Some(day)) => PartialDate::ymd(year, month, day),
                (Some(month), None) => PartialDate::month(year, month),
                _ => PartialDate::year(year),
            }
        }
        _ => None,
    }
}

/// Whether a letter belongs to the Latin script (ASCII and the Latin
/// supplement and extension blocks).
fn is_latin_letter(c: char) -> bool {
    c.is_ascii_alphabetic()
        || matches!(c, '\u{c0}'..='\u{24f}' | '\u{1e00}'..='\u{1eff}' | '\u{2c60}'..='\u{2c7f}')
}

/// Whether a text has at least one letter outside the Latin script.
pub(crate) fn has_non_latin(text: &str) -> bool {
    text.chars().any(|c| c.is_alphabetic() && !is_latin_letter(c))
}

/// Splits text at a separator, except inside parentheses.
pub(crate) fn split_outside_parens(text: &str, separators: &[char]) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut current = String::new();
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth == 0 && separators.contains(&c) {
            parts.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    parts.push(current);
    parts.into_iter().map(|p| collapse_whitespace(&p)).filter(|p| !p.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_first_dates() {
        let check = |input: &str, expected: Option<&str>| {
            assert_eq!(
                day_first_date(input).map(|d| d.to_string()).as_deref(),
                expected,
                "{input}"
            );
        };
        check("12/05/1958", Some("1958-05-12"));
        check("dd/mm/1945", Some("1945"));
        check("00/04/1984", Some("1984-04"));
        check("10/00/1983", Some("1983"));
        check("00/00/1936", Some("1936"));
        check("1946", Some("1946"));
        check("31/02/1990", None);
        check("", None);
        check("garbage", None);
    }

    #[test]
    fn countries_and_scripts() {
        let mut notes = Notes::default();
        assert_eq!(
            country_code("Bahrain (citizenship revoked in Jan. 2015)", "x", &mut notes),
            Some("bh")
        );
        assert_eq!(country_code("na", "x", &mut notes), None);
        assert!(notes.items.is_empty());
        assert_eq!(country_code("Atlantis", "x", &mut notes), None);
        assert_eq!(notes.items.len(), 1);
        assert!(!has_non_latin("Hajji Ärger"));
        assert!(has_non_latin("حسن غول"));
        assert!(has_non_latin("Jin Tiesan (金铁三)"));
        assert_eq!(iso_date("2001-01-25-05:00").as_deref(), Some("2001-01-25"));
        assert_eq!(split_outside_parens("a; b (c; d); e", &[';']), ["a", "b (c; d)", "e"]);
    }
}
