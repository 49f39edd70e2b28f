//! Telling persons from organisations by name, for lists that do not say
//! (BIS's Denied Persons List, rows of trade.gov's CSL without a type).
//!
//! The schema decides which queries may match an entity: a `Person` is
//! never matched by a `Company` query, nor an `Organization` by a `Person`
//! query, while a `LegalEntity` is matched by both. A wrong guess is
//! therefore a false-negative hazard, and the rule is to narrow only on
//! evidence (ADR 0033):
//!
//! - a legal form ("INC", "LTD", "GMBH", "S.A.") → `Company`;
//! - an organisation word ("AIRLINES", "TRADING", "ELECTRONICS"), a digit,
//!   an ampersand, "AND", a web domain → `Organization`;
//! - two to six words of letters (initials, hyphens and apostrophes
//!   allowed), after an honorific ("DR.") or a generational suffix ("JR.")
//!   is set aside; or a rank and a surname ("COLONEL ELYAZGI") → `Person`;
//! - anything else (one word, odd punctuation) → `LegalEntity`.

use std::collections::HashMap;

use vigia_model::{Entity, Schema, prop};

use crate::Sink;

/// Legal forms that are unambiguous wherever they stand in a name.
const LEGAL_FORMS: &str = "\
    INC INCORPORATED LLC LLP LTD LTDA LIMITED CORP CORPORATION COMPANY GMBH MBH PLC PVT PTE \
    PTY FZCO FZC FZE FZ OOO ZAO OAO PAO OJSC CJSC JSC PJSC SARL SRL SPA SAS BHD SDN TBK \
    EIRELI KFT ZRT DOO OYJ ASA SAC SAPI LLP LP";

/// Short legal forms that are also name parts somewhere ("Sa", "Co"): they
/// count only when written with dots ("S.A.", "CO.") or as the last word.
const SHORT_LEGAL_FORMS: &str = "\
    SA SL CO AG AB BV NV AS KG CV SC AO OY KK SE";

/// Words that name organisations, not people.
const ORGANISATION_WORDS: &str = "\
    ACADEMY AERO AEROSPACE AGENCIA AGENCY AIR AIRLINE AIRLINES AIRWAYS ANALOG ARMY ASSOCIATES \
    ASSOCIATION AUTHORITY AVIATION BANCO BATTALION BRIGADE BRIGADES BUREAU CAPITAL CARGO \
    CARTEL CENTER CENTRE CENTRO CHARITABLE CHARITY CHEMICAL CHEMICALS CLINIC CLUB COLLEGE \
    COMERCIAL COMMERCIAL COMMERCIO COMMITTEE COMPUTER COMPUTERS CONSTRUCTION CONSULTANTS \
    CONSULTING CONTRACTING COOLING COOPERATIVE COUNCIL DEPARTMENT DEVELOPMENT DIGITAL \
    DIVISION ELECTRONIC ELECTRONICA ELECTRONICS ELEKTRONIK ELEKTRONISCHE ENERGY ENGINEERING \
    ENTERPRISE ENTERPRISES EQUIPMENT EXCHANGE EXPORT EXPORTS FACTORY FEDERATION FINANCE \
    FINANCIAL FORCES FOUNDATION FREIGHT FUND FUNDACION FUNDS GLOBAL GROUP GRUPO HANDEL \
    HOLDING HOLDINGS HOSPITAL HOTEL HUMANITARIAN IMPEX IMPORT IMPORTS INDUSTRIAL INDUSTRIE \
    INDUSTRIES INDUSTRY INSTITUTE INSTITUTO INSURANCE INTERNACIONAL INTERNATIONAL INTL \
    INVESTMENT INVESTMENTS LABORATORIES LABORATORY LEAGUE LOGISTICS MACHINERY MANAGEMENT \
    MANUFACTURING MARITIME MATERIALS MEDIA METALS MICROCIRCUIT MICROWAVE MILITARY MINING \
    MINISTRY MOVEMENT NETWORK NETWORKS ORGANISATION ORGANIZATION PARTNERSHIP PETROLEUM PHARMA \
    PHARMACEUTICAL PRECISION PRODUCTION PRODUCTS REFINING REGIMENT RELIEF RESEARCH RESOURCES \
    RESULTS SCIENTIFIC SERVICE SERVICES SHIPPING SHIPYARD SOCIETY SOFTWARE SOLUTIONS SUPPLIES \
    SUPPLY SYSTEMS TACTICAL TECH TECHNICAL TECHNIK TECHNOLOGIES TECHNOLOGY TELECOM TOWERS \
    TRADE TRADERS TRADING TRANSPORT TRANSPORTATION TRAVEL TRUST UNION UNIVERSIDAD UNIVERSITY \
    VENTURES VERTRIEBS WORLDWIDE ZONE";

/// Honorifics and ranks that may precede a person's name.
pub(crate) const HONORIFICS: &str = "\
    MR MRS MS MISS DR PROF PROFESSOR COLONEL COL CAPTAIN CAPT GENERAL GEN MAJOR SHEIKH SHAYKH \
    ING ENG SIR HAJI HAJJI LT";

/// Generational suffixes that may follow a person's name.
const SUFFIXES: &str = "\
    JR SR II III IV";

/// Whether a word is one of a space-separated list of words.
pub(crate) fn listed(words: &str, word: &str) -> bool {
    words.split_whitespace().any(|w| w == word)
}

/// The schema a name shows, by the rules in the module documentation.
pub(crate) fn schema_from_name(name: &str) -> Schema {
    let upper = name.to_uppercase();
    let raw_words: Vec<&str> = upper
        .split(|c: char| c.is_whitespace() || c == ',' || c == '(' || c == ')')
        .filter(|w| !w.is_empty())
        .collect();
    if raw_words.is_empty() {
        return Schema::LegalEntity;
    }
    let bare = |w: &str| w.trim_matches(|c: char| !c.is_alphanumeric()).replace('.', "");
    let last = raw_words.len() - 1;
    for (i, word) in raw_words.iter().enumerate() {
        let plain = bare(word);
        if listed(LEGAL_FORMS, plain.as_str()) {
            return Schema::Company;
        }
        let dotted = word.trim_end_matches(',').contains('.') && plain.len() >= 2;
        if listed(SHORT_LEGAL_FORMS, plain.as_str()) && (dotted || (i == last && i > 0)) {
            return Schema::Company;
        }
    }
    let organisation = upper.chars().any(|c| c.is_ascii_digit() || c == '&' || c == '@')
        || raw_words.iter().any(|w| {
            let plain = bare(w);
            plain == "AND"
                || listed(ORGANISATION_WORDS, plain.as_str())
                || w.starts_with("WWW.")
                || w.ends_with(".COM")
                || w.ends_with(".NET")
                || w.ends_with(".ORG")
        });
    if organisation {
        return Schema::Organization;
    }
    let words: Vec<String> = raw_words.iter().map(|w| bare(w)).filter(|w| !w.is_empty()).collect();
    let honorific = words.first().is_some_and(|w| listed(HONORIFICS, w.as_str()));
    let words: Vec<&String> = words
        .iter()
        .filter(|w| !listed(HONORIFICS, w.as_str()) && !listed(SUFFIXES, w.as_str()))
        .collect();
    // "COLONEL ELYAZGI": a rank makes a single surname a person.
    let person_like = ((2..=6).contains(&words.len()) || (honorific && !words.is_empty()))
        && raw_words
            .iter()
            .all(|w| w.chars().all(|c| c.is_alphabetic() || matches!(c, '.' | '\'' | '-' | '’')));
    if person_like { Schema::Person } else { Schema::LegalEntity }
}

/// Listed parties of a tabular list, merged by id, in first-seen order.
///
/// trade.gov and BIS publish one row per (party, address): the same party
/// spreads over several rows, not always adjacent (the DPL sorts `" I. ASH"`
/// with a leading space apart from `"I. ASH"`). Rows are merged by id into
/// one party and one `Sanction`, emitted when the file has been read. Both
/// lists are small (the DPL under a thousand rows, the whole CSL some tens
/// of thousands), so holding them is cheap; see ADR 0034.
#[derive(Debug, Default)]
pub(crate) struct PartyBook {
    parties: Vec<(Entity, Entity)>,
    index: HashMap<String, (usize, u64)>,
}

impl PartyBook {
    /// Adds a party and its sanction, read at `line`. When the id is known
    /// already, the values are merged into the earlier party and the line
    /// where it was first read is returned.
    pub(crate) fn add(&mut self, party: Entity, sanction: Entity, line: u64) -> Option<u64> {
        if let Some(&(at, first_line)) = self.index.get(&party.id) {
            let (known, known_sanction) = &mut self.parties[at];
            merge(known, party);
            merge(known_sanction, sanction);
            return Some(first_line);
        }
        self.index.insert(party.id.clone(), (self.parties.len(), line));
        self.parties.push((party, sanction));
        None
    }

    /// How many distinct parties were read.
    pub(crate) fn len(&self) -> usize {
        self.parties.len()
    }

    /// Emits every party, then its sanction (linked to it), tagged with the
    /// dataset.
    pub(crate) fn emit(self, dataset: &str, sink: &mut dyn Sink) {
        for (mut party, mut sanction) in self.parties {
            party.target = Some(true);
            party.add_dataset(dataset);
            sanction.id = format!("{}-sanction", party.id);
            sanction.add(prop::ENTITY, &party.id);
            sanction.add_dataset(dataset);
            sink.entity(party);
            sink.entity(sanction);
        }
    }
}

/// Merges the values of `from` into `into`; a `LegalEntity` takes a more
/// precise schema from the other row.
fn merge(into: &mut Entity, from: Entity) {
    if into.schema == Schema::LegalEntity && from.schema != Schema::LegalEntity {
        into.schema = from.schema;
    }
    for (property, values) in from.properties {
        into.add_all(&property, values);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(name: &str, expected: Schema) {
        assert_eq!(schema_from_name(name), expected, "{name}");
    }

    #[test]
    fn names() {
        use Schema::*;
        check("AARON ROBERT HENDERSON", Person);
        check("I. ASH", Person);
        check("ROBERT J. SHUBERT, SR.", Person);
        check("ANDREW VINCENT O'DONNELL", Person);
        check("JIN, ZHONGDA", Person);
        check("(SEAN) NAGHIBI", Person);
        check("COLONEL ELYAZGI", Person);
        check("PROFESSOR MOJTABA ATARODI", Person);
        check("Guadalupe Santos Cisneros", Person);
        check("SHAHI", LegalEntity);
        check("TECHONWEB", LegalEntity);
        check("CHEAPSHOP4YOU LLC", Company);
        check("COTRICOM S.A.", Company);
        check("ELMONT AG", Company);
        check("PARTO ABGARDAN COOLING TOWERS CO.", Company);
        check("ANNEXFIELD , LTD.", Company);
        check("2904977 CANADA, INC.", Company);
        check("AL NASER WINGS AIRLINES", Organization);
        check("ADT ANALOG AND DIGITAL TECHNIK", Organization);
        check("P&P COMPUTERS", Organization);
        check("SYNAPTIX.NET", Organization);
        check("183rd Guard Air Defense Missile Regiment", Organization);
        check("KZ RESULTS", Organization);
        check("IT-WAVE", LegalEntity);
        check("FUYI SUN A/K/A FRANK SUN", LegalEntity);
        check("", LegalEntity);
    }
}
