//! OFAC formats: the SDN and Consolidated (non-SDN) CSV sets, the legacy
//! `sdn.xml` (and `consolidated.xml`), and `sdn_advanced.xml`.
//!
//! All three formats describe the same records, keyed by OFAC's entry number
//! (`ent_num` in the CSV tables, `uid` in `sdn.xml`, `FixedRef` in the
//! advanced file). Every listed party becomes an entity `ofac-<number>`, so
//! the same list read from any format yields the same ids and versions diff
//! cleanly. Next to each party come a `Sanction` entity (the programmes it
//! is listed under), `CryptoWallet` entities for the digital-currency
//! addresses OFAC gives, and `UnknownLink` entities for OFAC's "Linked To"
//! remarks, resolved by name once the whole list has been read.
//!
//! The legacy formats hide most facts in free text (the remarks column, the
//! `idList`): the `remarks` module mines them with one table of OFAC's
//! labels, shared with the XML readers so that a passport is a passport in
//! every format.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::PathBuf;

use vigia_model::{Diagnostic, Entity, Location, Schema, Severity, prop};

use crate::{Format, Parsed, Result, Sink};

mod advanced;
mod csv_set;
mod remarks;
mod sdn_xml;
mod sniff;
mod table;
mod xml;

/// One file of a set: its name (for diagnostics) and its content.
#[derive(Debug)]
pub struct NamedInput<R> {
    /// The file name or path, as diagnostics should show it.
    pub file: String,
    /// The content.
    pub reader: R,
}

/// An OFAC CSV set: the main table and its optional companion tables.
#[derive(Debug)]
pub struct CsvSet<R> {
    /// `sdn.csv` or `cons_prim.csv`.
    pub main: NamedInput<R>,
    /// `add.csv` or `cons_add.csv`.
    pub addresses: Option<NamedInput<R>>,
    /// `alt.csv` or `cons_alt.csv`.
    pub aliases: Option<NamedInput<R>>,
    /// `sdn_comments.csv` or `cons_comments.csv`.
    pub comments: Option<NamedInput<R>>,
}

/// Reads an OFAC CSV set (SDN or Consolidated).
///
/// The main table streams: each party is emitted as soon as its row has
/// been read, with its aliases, addresses and remark overflow taken from the
/// companion tables (small, held in memory keyed by entry number). Links
/// between parties are emitted at the end, once every name is known.
///
/// # Errors
/// The main table is unreadable as a whole: empty, not text, or not an OFAC
/// main table at all.
pub fn parse_csv_set<R: BufRead>(
    set: CsvSet<R>,
    dataset: &str,
    sink: &mut dyn Sink,
) -> Result<Parsed> {
    csv_set::parse(set, dataset, sink)
}

/// Reads a legacy OFAC `sdn.xml` or `consolidated.xml` file (root element
/// `sdnList`), one `sdnEntry` at a time.
///
/// # Errors
/// The input is not XML, has another root element, or is cut off before its
/// first entry.
pub fn parse_sdn_xml<R: BufRead>(
    input: R,
    file: &str,
    dataset: &str,
    sink: &mut dyn Sink,
) -> Result<Parsed> {
    sdn_xml::parse(input, file, dataset, sink)
}

/// Reads an OFAC `sdn_advanced.xml` (or `cons_advanced.xml`) file.
///
/// The reference value sets, locations and identity documents come first
/// in the file and are kept; each `DistinctParty` is converted as soon as it
/// is complete. The programmes a party is listed under come later in the
/// file (`SanctionsEntries`), so a converted party is emitted when its
/// sanctions entry has been read (see ADR 0013).
///
/// # Errors
/// The input is not XML, has another root element, or is cut off before its
/// first party.
pub fn parse_advanced_xml<R: BufRead>(
    input: R,
    file: &str,
    dataset: &str,
    sink: &mut dyn Sink,
) -> Result<Parsed> {
    advanced::parse(input, file, dataset, sink)
}

/// Recognises, from content only, which OFAC CSV table the start of a
/// decoded file is: a main table of the SDN list ([`Format::OfacSdnCsv`]) or
/// of the Consolidated list ([`Format::OfacConsCsv`]), or one of the
/// companion tables. `None` when it is no OFAC CSV table.
pub fn sniff_csv(head: &str) -> Option<Format> {
    sniff::sniff_csv(head)
}

/// Recognises, from content only, OFAC's legacy XML ([`Format::OfacSdnXml`])
/// and the advanced XML ([`Format::OfacAdvancedXml`]).
pub fn sniff_xml(head: &str) -> Option<Format> {
    sniff::sniff_xml(head)
}

/// Groups OFAC CSV files into sets: each set is a main table followed by
/// its companion tables (addresses, aliases, comments, in that order).
///
/// Companions are attached by content: to the main table that holds most of
/// the entry numbers they reference. The files are read to find out.
///
/// # Errors
/// A file cannot be read; a file is not an OFAC CSV table; a companion
/// references no entry of any main table given (or is empty while several
/// main tables are given); two companions of the same kind belong to one
/// main table.
pub fn group_csv_sets(files: &[(PathBuf, Format)]) -> Result<Vec<Vec<PathBuf>>> {
    sniff::group_csv_sets(files)
}

/// Who imposes the sanctions, as written on every `Sanction` entity.
pub(crate) const AUTHORITY: &str = "US Treasury OFAC";

/// The entity id of an OFAC entry number.
pub(crate) fn party_id(number: &str) -> String {
    format!("ofac-{number}")
}

/// OFAC's own page for an entry, kept as the source of the entity.
fn source_url(number: &str) -> String {
    format!("https://sanctionssearch.ofac.treas.gov/Details.aspx?id={number}")
}

/// The schema for OFAC's party type. OFAC's "entity" covers cartels,
/// armed groups, ministries and companies alike, so it maps to
/// `Organization` rather than `Company` (ADR 0010).
pub(crate) fn party_schema(kind: &str) -> Schema {
    match kind.trim().to_ascii_lowercase().as_str() {
        "individual" => Schema::Person,
        "vessel" => Schema::Vessel,
        "aircraft" => Schema::Airplane,
        _ => Schema::Organization,
    }
}

/// Splits a programme field ("SDGT] [NS-PLC", "[SDGT] [ILLICIT-DRUGS-EO14059]")
/// into programme codes. Codes may contain spaces ("SOUTH SUDAN").
pub(crate) fn programs(field: &str) -> Vec<String> {
    field
        .split(['[', ']'])
        .map(str::trim)
        .filter(|p| !p.is_empty() && *p != "-0-")
        .map(str::to_owned)
        .collect()
}

/// The risk topics a set of programmes implies (ADR 0012).
pub(crate) fn topics(programs: &[String]) -> Vec<&'static str> {
    let mut topics = vec!["sanction"];
    let terror = programs.iter().any(|p| {
        matches!(p.as_str(), "SDGT" | "SDT" | "FTO" | "HIFPAA" | "FSE-SDGT")
            || p.starts_with("SDGT")
    });
    if terror {
        topics.push("crime.terror");
    }
    let drugs = programs
        .iter()
        .any(|p| matches!(p.as_str(), "SDNT" | "SDNTK") || p.starts_with("ILLICIT-DRUGS"));
    if drugs {
        topics.push("crime.traffick.drug");
    }
    if programs.iter().any(|p| p == "TCO") {
        topics.push("crime");
    }
    if programs.iter().any(|p| p.starts_with("CYBER")) {
        topics.push("crime.cyber");
    }
    topics
}

/// The display name and name parts of a person written "LAST, First"
/// (the CSV tables) or given as separate parts (`sdn.xml`): the name reads
/// "First LAST", a generational suffix ("Jr.") goes last.
pub(crate) struct PersonName {
    /// The full name in reading order.
    pub(crate) full: String,
    /// The given names, without suffix.
    pub(crate) first: Option<String>,
    /// The family names.
    pub(crate) last: Option<String>,
}

const SUFFIXES: [&str; 8] = ["jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "junior"];

impl PersonName {
    /// Splits "GUZMAN LOERA, Joaquin" at its first comma.
    pub(crate) fn from_inverted(name: &str) -> PersonName {
        match name.split_once(',') {
            Some((last, first)) => PersonName::from_parts(first, last),
            None => PersonName {
                full: name.trim().to_owned(),
                first: None,
                last: Some(name.trim().to_owned()).filter(|n| !n.is_empty()),
            },
        }
    }

    /// Joins given names and family names; the given names may carry a
    /// suffix and further commas ("Feliciano Semborio, Jr.").
    pub(crate) fn from_parts(first: &str, last: &str) -> PersonName {
        let last = vigia_model::entity::collapse_whitespace(last);
        let mut given = Vec::new();
        let mut suffix = Vec::new();
        for part in first.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if SUFFIXES.contains(&part.to_ascii_lowercase().as_str()) {
                suffix.push(part);
            } else {
                given.push(part);
            }
        }
        let first = vigia_model::entity::collapse_whitespace(&given.join(" "));
        let full = [first.as_str(), last.as_str(), &suffix.join(" ")]
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        PersonName {
            full,
            first: Some(first).filter(|f| !f.is_empty()),
            last: Some(last).filter(|l| !l.is_empty()),
        }
    }
}

/// Adds a name in OFAC's spelling to a name property: person names are
/// turned to reading order, other names are kept as written.
pub(crate) fn add_name(entity: &mut Entity, property: &str, name: &str) {
    if entity.schema == Schema::Person && name.contains(',') {
        entity.add(property, &PersonName::from_inverted(name).full);
    } else {
        entity.add(property, name);
    }
}

/// The sanction facts of one party, gathered while reading it.
#[derive(Debug, Default, Clone)]
pub(crate) struct SanctionFacts {
    /// Programme codes.
    pub(crate) programs: Vec<String>,
    /// Measures and conditions spelt out in the remarks.
    pub(crate) provisions: Vec<String>,
    /// Listing dates (ISO).
    pub(crate) listing_dates: Vec<String>,
    /// Effective dates (ISO).
    pub(crate) start_dates: Vec<String>,
}

/// The `Sanction` entity of a listed party.
pub(crate) fn sanction_entity(party: &Entity, facts: &SanctionFacts, dataset: &str) -> Entity {
    let mut sanction = Entity::new(format!("{}-sanction", party.id), Schema::Sanction);
    sanction.add(prop::ENTITY, &party.id);
    sanction.add(prop::AUTHORITY, AUTHORITY);
    sanction.add(prop::COUNTRY, "us");
    sanction.add_all(prop::PROGRAM, &facts.programs);
    sanction.add_all(prop::PROVISIONS, &facts.provisions);
    sanction.add_all(prop::LISTING_DATE, &facts.listing_dates);
    sanction.add_all(prop::START_DATE, &facts.start_dates);
    sanction.add_dataset(dataset);
    sanction
}

/// Finishes a party: programmes and topics on the party, then the party,
/// its sanction and its wallets go to the sink.
pub(crate) fn emit_party(mut party: remarks::Party, dataset: &str, sink: &mut dyn Sink) {
    let programs = party.sanction.programs.clone();
    party.entity.add_all(prop::PROGRAM, &programs);
    party.entity.add_all(prop::TOPICS, topics(&programs));
    party.flush_notes();
    party.entity.add_dataset(dataset);
    party.entity.target = Some(true);
    let sanction = sanction_entity(&party.entity, &party.sanction, dataset);
    let wallets = party.wallet_entities(dataset);
    sink.entity(party.entity);
    sink.entity(sanction);
    for wallet in wallets {
        sink.entity(wallet);
    }
}

/// A name as a lookup key: upper case, single spaces, without enclosing
/// brackets. `loose` also drops a final period, which OFAC writes or omits
/// at will ("SMILE PROPERTY & TRAVEL LTD" and "... LTD." are two entries).
fn link_key(name: &str, loose: bool) -> String {
    let mut name = name.trim();
    if name.starts_with('(') && name.ends_with(')') {
        name = name[1..name.len() - 1].trim();
    }
    if loose {
        name = name.trim_end_matches('.').trim();
    }
    vigia_model::entity::collapse_whitespace(name).to_uppercase()
}

/// A "Linked To" remark waiting for the end of the file.
struct PendingLink {
    subject: String,
    name: String,
    location: Location,
}

/// Resolves OFAC's "Linked To: NAME" remarks to entity ids once every
/// listed name is known. Memory: a few entries per listed party.
#[derive(Default)]
pub(crate) struct LinkBook {
    /// Primary names, then other names; each by exact and by loose key.
    names: [HashMap<String, Vec<String>>; 4],
    programs: HashMap<String, Vec<String>>,
    pending: Vec<PendingLink>,
}

impl LinkBook {
    /// Records a party's primary name (a strong target for links).
    pub(crate) fn primary_name(&mut self, id: &str, name: &str) {
        self.name(0, id, name);
    }

    /// Records another name of a party, used when no primary name matches.
    pub(crate) fn other_name(&mut self, id: &str, name: &str) {
        self.name(2, id, name);
    }

    fn name(&mut self, level: usize, id: &str, name: &str) {
        push_unique(self.names[level].entry(link_key(name, false)).or_default(), id);
        push_unique(self.names[level + 1].entry(link_key(name, true)).or_default(), id);
    }

    /// Records a party's programmes, which decide between namesakes.
    pub(crate) fn programs(&mut self, id: &str, programs: &[String]) {
        self.programs.insert(id.to_owned(), programs.to_vec());
    }

    /// Queues a link from `subject` to the party named `name`.
    pub(crate) fn link(&mut self, subject: &str, name: &str, location: Location) {
        self.pending.push(PendingLink {
            subject: subject.to_owned(),
            name: name.to_owned(),
            location,
        });
    }

    /// The parties a link names: the first level of names that has any;
    /// among namesakes, those sharing a programme with the subject.
    fn targets(&self, link: &PendingLink) -> Vec<String> {
        let keys = [link_key(&link.name, false), link_key(&link.name, true)];
        let found = (0..4)
            .filter_map(|level| self.names[level].get(&keys[level % 2]))
            .map(|ids| ids.iter().filter(|id| **id != link.subject).cloned().collect::<Vec<_>>())
            .find(|ids| !ids.is_empty())
            .unwrap_or_default();
        if found.len() < 2 {
            return found;
        }
        let own = self.programs.get(&link.subject);
        let shared: Vec<String> = found
            .iter()
            .filter(|id| {
                let theirs = self.programs.get(*id);
                own.zip(theirs).is_some_and(|(a, b)| a.iter().any(|p| b.contains(p)))
            })
            .cloned()
            .collect();
        if shared.is_empty() { found } else { shared }
    }

    /// Emits an `UnknownLink` per resolved link, and an Info diagnostic per
    /// name that matches no listed party (or several).
    pub(crate) fn finish(self, file: &str, dataset: &str, sink: &mut dyn Sink) {
        for link in &self.pending {
            let targets = self.targets(link);
            if targets.is_empty() {
                sink.diagnostic(Diagnostic {
                    file: file.to_owned(),
                    location: link.location.clone(),
                    severity: Severity::Info,
                    message: format!(
                        "linked party {:?} is not in this file; the link is kept in the notes only",
                        link.name.trim_end_matches('.')
                    ),
                });
                continue;
            }
            if targets.len() > 1 {
                sink.diagnostic(Diagnostic {
                    file: file.to_owned(),
                    location: link.location.clone(),
                    severity: Severity::Info,
                    message: format!(
                        "linked party {:?} matches {} entries; linked to each of them",
                        link.name.trim_end_matches('.'),
                        targets.len()
                    ),
                });
            }
            for target in targets {
                let mut entity =
                    Entity::new(format!("{}-link-{}", link.subject, target), Schema::UnknownLink);
                entity.add(prop::SUBJECT, &link.subject);
                entity.add(prop::OBJECT, &target);
                entity.add(prop::ROLE, "Linked To");
                entity.add_dataset(dataset);
                sink.entity(entity);
            }
        }
    }
}

/// Adds a value to a list unless it is empty or already there.
pub(crate) fn push_unique(values: &mut Vec<String>, value: &str) {
    if !value.is_empty() && !values.iter().any(|v| v == value) {
        values.push(value.to_owned());
    }
}

/// A diagnostic in a file.
pub(crate) fn diagnostic(
    file: &str,
    location: Location,
    severity: Severity,
    message: String,
) -> Diagnostic {
    Diagnostic { file: file.to_owned(), location, severity, message }
}

/// The `Parsed` of a file without a header.
pub(crate) fn parsed(records: u64) -> Parsed {
    Parsed { header: crate::Header::default(), records }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn person_names_read_first_last() {
        let check = |input: &str, full: &str, first: Option<&str>, last: Option<&str>| {
            let name = PersonName::from_inverted(input);
            assert_eq!(name.full, full, "{input}");
            assert_eq!(name.first.as_deref(), first, "{input}");
            assert_eq!(name.last.as_deref(), last, "{input}");
        };
        check(
            "GUZMAN LOERA, Joaquin",
            "Joaquin GUZMAN LOERA",
            Some("Joaquin"),
            Some("GUZMAN LOERA"),
        );
        check(
            "DELOS REYES, Feliciano Semborio, Jr.",
            "Feliciano Semborio DELOS REYES Jr.",
            Some("Feliciano Semborio"),
            Some("DELOS REYES"),
        );
        check("KNOWLES, JR., Samuel", "Samuel KNOWLES JR.", Some("Samuel"), Some("KNOWLES"));
        check("ZULKARNAEN", "ZULKARNAEN", None, Some("ZULKARNAEN"));
    }

    #[test]
    fn programmes_and_topics() {
        assert_eq!(programs("SDGT] [NS-PLC"), ["SDGT", "NS-PLC"]);
        assert_eq!(programs("[SDGT] [ILLICIT-DRUGS-EO14059]"), ["SDGT", "ILLICIT-DRUGS-EO14059"]);
        assert_eq!(programs("CAATSA - RUSSIA"), ["CAATSA - RUSSIA"]);
        assert_eq!(
            topics(&programs("SDGT] [ILLICIT-DRUGS-EO14059")),
            ["sanction", "crime.terror", "crime.traffick.drug"]
        );
        assert_eq!(topics(&programs("CUBA")), ["sanction"]);
        assert_eq!(topics(&programs("SDNTK")), ["sanction", "crime.traffick.drug"]);
    }
}
