//! Mining OFAC's free-text facts.
//!
//! OFAC writes most of what identifies a party as labelled phrases: the
//! remarks column of the CSV tables ("DOB 04 Apr 1957; POB Culiacan,
//! Sinaloa, Mexico; Passport 12345 (Mexico); a.k.a. 'EL CHAPO'; Linked To:
//! CARTEL DE SINALOA."), the `idType`/`idNumber` pairs of `sdn.xml`, and the
//! feature and document type names of the advanced XML. One table of those
//! labels ([`LABELS`]) decides where each fact goes, so every format maps the
//! same fact to the same property. What no label explains stays, as
//! written, in `notes`.

use vigia_model::{Entity, PartialDate, Schema, Severity, country, prop};

use super::{SanctionFacts, add_name, party_id, push_unique, source_url};

/// FollowTheMoney properties the model crate has no constant for.
mod ftm {
    pub(super) const SECTOR: &str = "sector";
    pub(super) const ETHNICITY: &str = "ethnicity";
    pub(super) const DUNS_CODE: &str = "dunsCode";
    pub(super) const PAST_FLAGS: &str = "pastFlags";
    pub(super) const TONNAGE: &str = "tonnage";
    pub(super) const GROSS_TONNAGE: &str = "grossRegisteredTonnage";
    pub(super) const BUILD_DATE: &str = "buildDate";
    pub(super) const SERIAL_NUMBER: &str = "serialNumber";
    pub(super) const PUBLIC_KEY: &str = "publicKey";
    pub(super) const CURRENCY: &str = "currency";
}

/// What a labelled fact is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    BirthDate,
    BirthPlace,
    Nationality,
    Citizenship,
    Gender,
    Ethnicity,
    WeakAlias,
    PreviousName,
    Link,
    /// An identifier for the given property.
    Identifier(&'static str),
    Imo,
    Mmsi,
    LegalEntityNumber,
    Email,
    Website,
    Phone,
    Wallet,
    CallSign,
    VesselType,
    Flag,
    PastFlag,
    Tonnage,
    GrossTonnage,
    Owner,
    BuildDate,
    Model,
    SerialNumber,
    TailNumber,
    RegistrationCountry,
    Established,
    Sector,
    Title,
    Address,
    /// A condition of the sanction itself (secondary sanctions, directives).
    Provision,
    ListingDate,
    EffectiveDate,
}

/// OFAC's labels, lower case, with what they introduce. A remark segment
/// is read with the longest label it starts with. The advanced XML's
/// feature and document type names are in the same table.
pub(crate) const LABELS: &[(&str, Kind)] = &[
    // Birth, nationality, gender.
    ("dob", Kind::BirthDate),
    ("date of birth", Kind::BirthDate),
    ("birthdate", Kind::BirthDate),
    ("pob", Kind::BirthPlace),
    ("place of birth", Kind::BirthPlace),
    ("nationality", Kind::Nationality),
    ("nationality country", Kind::Nationality),
    ("citizen", Kind::Citizenship),
    ("citizenship", Kind::Citizenship),
    ("citizenship country", Kind::Citizenship),
    ("gender", Kind::Gender),
    ("ethnicity", Kind::Ethnicity),
    // Names and links.
    ("a.k.a.", Kind::WeakAlias),
    ("n.k.a.", Kind::WeakAlias),
    ("f.k.a.", Kind::PreviousName),
    ("linked to", Kind::Link),
    // Travel documents.
    ("passport", Kind::Identifier(prop::PASSPORT_NUMBER)),
    ("passport no.", Kind::Identifier(prop::PASSPORT_NUMBER)),
    ("passport booklet", Kind::Identifier(prop::PASSPORT_NUMBER)),
    ("diplomatic passport", Kind::Identifier(prop::PASSPORT_NUMBER)),
    // Personal identity documents.
    ("national id no.", Kind::Identifier(prop::ID_NUMBER)),
    ("national id number", Kind::Identifier(prop::ID_NUMBER)),
    ("national foreign id number", Kind::Identifier(prop::ID_NUMBER)),
    ("cedula no.", Kind::Identifier(prop::ID_NUMBER)),
    ("d.n.i.", Kind::Identifier(prop::ID_NUMBER)),
    ("personal id card", Kind::Identifier(prop::ID_NUMBER)),
    ("identification number", Kind::Identifier(prop::ID_NUMBER)),
    ("kenyan id no.", Kind::Identifier(prop::ID_NUMBER)),
    ("tazkira national id card", Kind::Identifier(prop::ID_NUMBER)),
    ("numero de identidad", Kind::Identifier(prop::ID_NUMBER)),
    ("turkish identification number", Kind::Identifier(prop::ID_NUMBER)),
    ("citizen's card number", Kind::Identifier(prop::ID_NUMBER)),
    ("residency number", Kind::Identifier(prop::ID_NUMBER)),
    ("electoral registry no.", Kind::Identifier(prop::ID_NUMBER)),
    ("credencial electoral", Kind::Identifier(prop::ID_NUMBER)),
    ("i.f.e.", Kind::Identifier(prop::ID_NUMBER)),
    ("c.u.i.", Kind::Identifier(prop::ID_NUMBER)),
    ("c.u.i.p.", Kind::Identifier(prop::ID_NUMBER)),
    ("birth certificate number", Kind::Identifier(prop::ID_NUMBER)),
    ("driver's license no.", Kind::Identifier(prop::ID_NUMBER)),
    ("travel document number", Kind::Identifier(prop::ID_NUMBER)),
    ("cartilla de servicio militar nacional", Kind::Identifier(prop::ID_NUMBER)),
    ("visanumberid", Kind::Identifier(prop::ID_NUMBER)),
    ("immigration no.", Kind::Identifier(prop::ID_NUMBER)),
    ("pilot license number", Kind::Identifier(prop::ID_NUMBER)),
    ("refugee id card", Kind::Identifier(prop::ID_NUMBER)),
    ("stateless person id card", Kind::Identifier(prop::ID_NUMBER)),
    ("bik (ru)", Kind::Identifier(prop::ID_NUMBER)),
    ("license", Kind::Identifier(prop::REGISTRATION_NUMBER)),
    // Social-security style numbers.
    ("c.u.r.p.", Kind::Identifier(prop::SOCIAL_SECURITY_NUMBER)),
    ("curp", Kind::Identifier(prop::SOCIAL_SECURITY_NUMBER)),
    ("ssn", Kind::Identifier(prop::SOCIAL_SECURITY_NUMBER)),
    ("social security number", Kind::Identifier(prop::SOCIAL_SECURITY_NUMBER)),
    // Tax numbers.
    ("r.f.c.", Kind::Identifier(prop::TAX_NUMBER)),
    ("rfc", Kind::Identifier(prop::TAX_NUMBER)),
    ("nit #", Kind::Identifier(prop::TAX_NUMBER)),
    ("ruc #", Kind::Identifier(prop::TAX_NUMBER)),
    ("rif #", Kind::Identifier(prop::TAX_NUMBER)),
    ("tax id no.", Kind::Identifier(prop::TAX_NUMBER)),
    ("tax identification number", Kind::Identifier(prop::TAX_NUMBER)),
    ("c.u.i.t.", Kind::Identifier(prop::TAX_NUMBER)),
    ("v.a.t. number", Kind::Identifier(prop::TAX_NUMBER)),
    ("us fein", Kind::Identifier(prop::TAX_NUMBER)),
    ("italian fiscal code", Kind::Identifier(prop::TAX_NUMBER)),
    ("c.i.f.", Kind::Identifier(prop::TAX_NUMBER)),
    ("rtn", Kind::Identifier(prop::TAX_NUMBER)),
    ("numero unico de identificacao tributaria (nuit)", Kind::Identifier(prop::TAX_NUMBER)),
    // Company registers.
    ("registration id", Kind::Identifier(prop::REGISTRATION_NUMBER)),
    ("registration number", Kind::Identifier(prop::REGISTRATION_NUMBER)),
    ("company number", Kind::Identifier(prop::REGISTRATION_NUMBER)),
    ("uk company number", Kind::Identifier(prop::REGISTRATION_NUMBER)),
    ("business registration number", Kind::Identifier(prop::REGISTRATION_NUMBER)),
    ("business registration document #", Kind::Identifier(prop::REGISTRATION_NUMBER)),
    ("commercial registry number", Kind::Identifier(prop::REGISTRATION_NUMBER)),
    ("matricula mercantil no", Kind::Identifier(prop::REGISTRATION_NUMBER)),
    ("folio mercantil no.", Kind::Identifier(prop::REGISTRATION_NUMBER)),
    ("government gazette number", Kind::Identifier(prop::REGISTRATION_NUMBER)),
    ("chamber of commerce number", Kind::Identifier(prop::REGISTRATION_NUMBER)),
    ("certificate of incorporation number", Kind::Identifier(prop::REGISTRATION_NUMBER)),
    ("c.r. no.", Kind::Identifier(prop::REGISTRATION_NUMBER)),
    ("public registration number", Kind::Identifier(prop::REGISTRATION_NUMBER)),
    ("trade license no.", Kind::Identifier(prop::REGISTRATION_NUMBER)),
    ("enterprise number", Kind::Identifier(prop::REGISTRATION_NUMBER)),
    ("branch unit number", Kind::Identifier(prop::REGISTRATION_NUMBER)),
    ("business number", Kind::Identifier(prop::REGISTRATION_NUMBER)),
    ("unified social credit code (uscc)", Kind::Identifier(prop::REGISTRATION_NUMBER)),
    ("united social credit code certificate (usccc)", Kind::Identifier(prop::REGISTRATION_NUMBER)),
    ("le number", Kind::Identifier(prop::REGISTRATION_NUMBER)),
    ("dubai chamber of commerce membership no.", Kind::Identifier(prop::REGISTRATION_NUMBER)),
    ("registered charity no.", Kind::Identifier(prop::REGISTRATION_NUMBER)),
    ("file number", Kind::Identifier(prop::REGISTRATION_NUMBER)),
    ("afghan money service provider license number", Kind::Identifier(prop::REGISTRATION_NUMBER)),
    ("money service business license number", Kind::Identifier(prop::REGISTRATION_NUMBER)),
    ("d-u-n-s number", Kind::Identifier(ftm::DUNS_CODE)),
    ("swift/bic", Kind::Identifier(prop::SWIFT_BIC)),
    ("legal entity number", Kind::LegalEntityNumber),
    // Vessels.
    ("vessel registration identification", Kind::Imo),
    ("imo", Kind::Imo),
    ("mmsi", Kind::Mmsi),
    ("vessel call sign", Kind::CallSign),
    ("other vessel call sign", Kind::CallSign),
    ("call sign", Kind::CallSign),
    ("vessel type", Kind::VesselType),
    ("other vessel type", Kind::VesselType),
    ("vessel flag", Kind::Flag),
    ("other vessel flag", Kind::Flag),
    ("former vessel flag", Kind::PastFlag),
    ("vessel tonnage", Kind::Tonnage),
    ("tonnage", Kind::Tonnage),
    ("vessel gross registered tonnage", Kind::GrossTonnage),
    ("gross registered tonnage", Kind::GrossTonnage),
    ("vessel owner", Kind::Owner),
    ("vessel year of build", Kind::BuildDate),
    // Aircraft.
    ("aircraft manufacture date", Kind::BuildDate),
    ("aircraft model", Kind::Model),
    ("aircraft manufacturer's serial number (msn)", Kind::SerialNumber),
    ("aircraft serial identification", Kind::SerialNumber),
    ("aircraft tail number", Kind::TailNumber),
    // Contact and digital.
    ("email address", Kind::Email),
    ("email", Kind::Email),
    ("website", Kind::Website),
    ("phone number", Kind::Phone),
    ("phone no.", Kind::Phone),
    ("phone", Kind::Phone),
    ("telephone", Kind::Phone),
    ("telephone no.", Kind::Phone),
    ("digital currency address -", Kind::Wallet),
    // Organisations.
    ("nationality of registration", Kind::RegistrationCountry),
    ("organization established date", Kind::Established),
    ("organization type", Kind::Sector),
    ("title", Kind::Title),
    ("location", Kind::Address),
    ("address", Kind::Address),
    // The sanction itself.
    ("secondary sanctions risk", Kind::Provision),
    ("additional sanctions information -", Kind::Provision),
    (
        "transactions prohibited for persons owned or controlled by u.s. financial institutions",
        Kind::Provision,
    ),
    ("caatsa section 235 information", Kind::Provision),
    ("ifca determination -", Kind::Provision),
    ("executive order", Kind::Provision),
    ("for more information on directives", Kind::Provision),
    ("purchase/sales for divestment date", Kind::Provision),
    ("listing date", Kind::ListingDate),
    ("effective date", Kind::EffectiveDate),
];

/// The kind of a label given on its own (an `sdn.xml` `idType`, an
/// advanced feature type): exact match, case and trailing colon ignored.
pub(crate) fn kind_of_label(label: &str) -> Option<Kind> {
    let label = label.trim().trim_end_matches(':').trim();
    LABELS.iter().find(|(l, _)| l.eq_ignore_ascii_case(label)).map(|(_, kind)| *kind)
}

/// The longest label a remark segment starts with, and the rest of it.
fn split_label(segment: &str) -> Option<(Kind, &str)> {
    let bytes = segment.as_bytes();
    let mut best: Option<(usize, Kind)> = None;
    for (label, kind) in LABELS {
        let n = label.len();
        if bytes.len() < n || !bytes[..n].eq_ignore_ascii_case(label.as_bytes()) {
            continue;
        }
        // The label must end at a word boundary: "citizen" is not the
        // start of "citizen's card number" nor "citizenship".
        let boundary = match segment[n..].chars().next() {
            None => true,
            Some(c) => !c.is_alphanumeric() && c != '\'',
        };
        if boundary && best.is_none_or(|(m, _)| n > m) {
            best = Some((n, *kind));
        }
    }
    let (n, kind) = best?;
    let value = segment[n..].trim_start_matches([' ', ':', '#']).trim();
    Some((kind, value))
}

/// One listed party being read: the entity and what goes beside it.
#[derive(Debug)]
pub(crate) struct Party {
    /// The party entity.
    pub(crate) entity: Entity,
    /// Programmes, provisions and dates for the `Sanction` entity.
    pub(crate) sanction: SanctionFacts,
    /// Names of the parties it is "Linked To".
    pub(crate) links: Vec<String>,
    /// Digital-currency addresses: (currency, address).
    pub(crate) wallets: Vec<(String, String)>,
    /// What was noticed, for the caller to locate and report.
    pub(crate) issues: Vec<(Severity, String)>,
    notes: Vec<String>,
}

impl Party {
    /// A party with OFAC entry number `number`.
    pub(crate) fn new(number: &str, schema: Schema) -> Party {
        let mut entity = Entity::new(party_id(number), schema);
        entity.add(prop::SOURCE_URL, &source_url(number));
        Party {
            entity,
            sanction: SanctionFacts::default(),
            links: Vec::new(),
            wallets: Vec::new(),
            issues: Vec::new(),
            notes: Vec::new(),
        }
    }

    fn is_person(&self) -> bool {
        self.entity.schema == Schema::Person
    }

    fn is_legal_entity(&self) -> bool {
        self.entity.schema.is_a(&Schema::LegalEntity)
    }

    fn is_craft(&self) -> bool {
        matches!(self.entity.schema, Schema::Vessel | Schema::Airplane)
    }

    /// Keeps a phrase as written in the notes.
    pub(crate) fn note(&mut self, text: &str) {
        let text = text.trim();
        if !text.is_empty() && !self.notes.iter().any(|n| n == text) {
            self.notes.push(text.to_owned());
        }
    }

    /// Writes the collected notes into the entity, as one text.
    pub(crate) fn flush_notes(&mut self) {
        if !self.notes.is_empty() {
            let text = self.notes.join("; ");
            self.entity.add(prop::NOTES, &text);
            self.notes.clear();
        }
    }

    /// Mines a remarks text: segments separated by semicolons.
    pub(crate) fn mine_remarks(&mut self, remarks: &str) {
        for segment in remarks.split(';') {
            self.segment(segment);
        }
    }

    /// Reads one remark segment ("alt. Passport 123 (Iran)").
    pub(crate) fn segment(&mut self, raw: &str) {
        let mut segment = raw.trim();
        if segment.starts_with('(') && segment.ends_with(')') {
            segment = segment[1..segment.len() - 1].trim();
        }
        // "alt." marks a further value of the same kind.
        let unprefixed = strip_prefix_ci(segment, "alt.").map(str::trim).unwrap_or(segment);
        let body = unprefixed.trim_end_matches('.').trim();
        if body.is_empty() {
            return;
        }
        match split_label(body) {
            // A quoted alias keeps its own final period: take it from the
            // unstripped text.
            Some((kind @ (Kind::WeakAlias | Kind::PreviousName | Kind::Link), _)) => {
                let value = split_label(unprefixed).map(|(_, v)| v).unwrap_or_default();
                self.apply(kind, value, segment);
            }
            Some((kind, value)) => self.apply(kind, value, segment),
            None => self.note(segment.trim_end_matches('.')),
        }
    }

    /// Reads a labelled value given apart from its label (an `sdn.xml`
    /// `idType` and `idNumber`, a vessel column). An unknown label keeps
    /// both in the notes.
    pub(crate) fn labelled(&mut self, label: &str, value: &str) {
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        let label = label.trim();
        let segment = format!("{label} {value}");
        // Some labels carry the start of the value ("Digital Currency
        // Address - XBT"): read the joined text like a remark.
        match split_label(&segment) {
            Some((kind, rest)) => {
                let rest = rest.to_owned();
                self.apply(kind, &rest, &segment);
            }
            None => self.note(&segment),
        }
    }

    /// Applies a fact of a known kind. `segment` is the whole phrase, kept
    /// in the notes when the fact does not fit this kind of party.
    pub(crate) fn apply(&mut self, kind: Kind, value: &str, segment: &str) {
        let value = value.trim();
        if value.is_empty() {
            self.note(segment);
            return;
        }
        match kind {
            Kind::BirthDate if self.is_person() => self.birth_dates(value, segment),
            Kind::BirthPlace if self.is_person() => self.birth_place(value),
            Kind::Nationality | Kind::Citizenship => {
                let property = match (kind, self.is_person()) {
                    (Kind::Nationality, true) => prop::NATIONALITY,
                    (Kind::Citizenship, true) => prop::CITIZENSHIP,
                    _ => prop::COUNTRY,
                };
                self.country(property, value, segment);
            }
            Kind::Gender if self.is_person() => match value.to_ascii_lowercase().as_str() {
                "male" | "m" => {
                    self.entity.add(prop::GENDER, "male");
                }
                "female" | "f" => {
                    self.entity.add(prop::GENDER, "female");
                }
                _ => self.note(segment),
            },
            Kind::Ethnicity if self.is_person() => {
                self.entity.add(ftm::ETHNICITY, value);
            }
            Kind::WeakAlias => {
                let name = quoted(value);
                add_name(&mut self.entity, prop::WEAK_ALIAS, name);
            }
            Kind::PreviousName => {
                let name = quoted(value);
                add_name(&mut self.entity, prop::PREVIOUS_NAME, name);
            }
            Kind::Link => {
                let name = value.trim();
                self.links.push(name.to_owned());
                // Kept readable in the notes too: the linked party may be on
                // another list, and then there is no link entity.
                self.note(&format!("Linked To: {}", name.trim_end_matches('.')));
            }
            Kind::Identifier(property) => self.identifier(property, value, segment),
            Kind::Imo => self.imo(value, segment),
            Kind::Mmsi if self.entity.schema == Schema::Vessel => {
                self.entity.add(prop::MMSI, &identifier_value(value));
            }
            Kind::LegalEntityNumber => {
                let id = identifier_value(value);
                if id.len() == 20 && id.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    self.identifier(prop::LEI_CODE, &id, segment);
                } else {
                    self.identifier(prop::REGISTRATION_NUMBER, &id, segment);
                }
            }
            Kind::Email if self.is_legal_entity() => {
                self.entity.add(prop::EMAIL, value);
            }
            Kind::Website if self.is_legal_entity() => {
                self.entity.add(prop::WEBSITE, value);
            }
            Kind::Phone if self.is_legal_entity() => {
                self.entity.add(prop::PHONE, value);
            }
            Kind::Wallet => match value.split_once(char::is_whitespace) {
                Some((currency, address)) if !address.trim().is_empty() => {
                    let pair = (currency.trim().to_owned(), address.trim().to_owned());
                    if !self.wallets.contains(&pair) {
                        self.wallets.push(pair);
                    }
                }
                _ => self.note(segment),
            },
            Kind::CallSign if self.entity.schema == Schema::Vessel => {
                self.entity.add(prop::CALL_SIGN, value);
            }
            Kind::VesselType if self.entity.schema == Schema::Vessel => {
                self.entity.add(prop::TYPE, value);
            }
            Kind::Flag | Kind::PastFlag if self.entity.schema == Schema::Vessel => {
                let property = if kind == Kind::Flag { prop::FLAG } else { ftm::PAST_FLAGS };
                self.country(property, value, segment);
            }
            Kind::Tonnage if self.entity.schema == Schema::Vessel => {
                self.entity.add(ftm::TONNAGE, &value.replace(',', ""));
            }
            Kind::GrossTonnage if self.entity.schema == Schema::Vessel => {
                self.entity.add(ftm::GROSS_TONNAGE, &value.replace(',', ""));
            }
            Kind::Owner => self.note(&format!("Owner: {value}")),
            Kind::BuildDate if self.is_craft() => match dates(value).first() {
                Some(date) => {
                    self.entity.add(ftm::BUILD_DATE, date);
                }
                None => self.note(segment),
            },
            Kind::Model if self.is_craft() => {
                self.entity.add(prop::MODEL, value);
            }
            Kind::SerialNumber if self.entity.schema == Schema::Airplane => {
                self.entity.add(ftm::SERIAL_NUMBER, &identifier_value(value));
            }
            Kind::TailNumber if self.entity.schema == Schema::Airplane => {
                self.entity.add(prop::REGISTRATION_NUMBER, &identifier_value(value));
            }
            Kind::RegistrationCountry if self.is_legal_entity() && !self.is_person() => {
                self.country(prop::JURISDICTION, value, segment);
            }
            Kind::Established if self.is_legal_entity() && !self.is_person() => {
                let found = dates(value);
                if found.is_empty() {
                    self.note(segment);
                }
                self.entity.add_all(prop::INCORPORATION_DATE, found);
            }
            Kind::Sector if self.is_legal_entity() && !self.is_person() => {
                self.entity.add(ftm::SECTOR, value);
            }
            Kind::Title if self.is_person() => {
                self.entity.add(prop::TITLE, value);
            }
            Kind::Address => self.address(value),
            Kind::Provision => {
                push_unique(&mut self.sanction.provisions, segment.trim_end_matches('.'))
            }
            Kind::ListingDate | Kind::EffectiveDate => {
                // "Listing Date (EO 14024 Directive 3): 24 Feb 2022"
                let date_text = value.rsplit_once(')').map(|(_, d)| d).unwrap_or(value);
                let found = dates(date_text.trim_start_matches([':', ' ']));
                let target = if kind == Kind::ListingDate {
                    &mut self.sanction.listing_dates
                } else {
                    &mut self.sanction.start_dates
                };
                for date in found {
                    push_unique(target, &date);
                }
                push_unique(&mut self.sanction.provisions, segment.trim_end_matches('.'));
            }
            // A fact that does not fit this kind of party (a date of birth
            // on a company, a flag on a person) is kept as written.
            _ => self.note(segment),
        }
    }

    /// Dates of birth: every form parse_loose knows, plus OFAC's
    /// "circa 1955-1957".
    fn birth_dates(&mut self, value: &str, segment: &str) {
        let found = dates(value);
        if found.is_empty() {
            self.issues.push((
                Severity::Info,
                format!("date of birth {value:?} not understood; kept in the notes"),
            ));
            self.note(segment);
        }
        self.entity.add_all(prop::BIRTH_DATE, found);
    }

    /// A place of birth, and its country when the last part names one.
    pub(crate) fn birth_place(&mut self, value: &str) {
        self.entity.add(prop::BIRTH_PLACE, value);
        if let Some(code) = place_country(value) {
            self.entity.add(prop::BIRTH_COUNTRY, code);
        }
    }

    /// A country-valued fact; an unknown country is kept in the notes.
    pub(crate) fn country(&mut self, property: &str, value: &str, segment: &str) {
        match country_code(value) {
            Some(code) => {
                self.entity.add(property, code);
            }
            None => {
                if !no_country(value) {
                    self.issues.push((
                        Severity::Info,
                        format!("country {value:?} not recognised; kept in the notes"),
                    ));
                }
                self.note(segment);
            }
        }
    }

    fn identifier(&mut self, property: &'static str, value: &str, segment: &str) {
        let id = identifier_value(value);
        if id.is_empty() {
            self.note(segment);
            return;
        }
        // "Identification Number IMO 5342883", "Company Number IMO 5055293".
        if imo_digits(&id).is_some() {
            self.imo(&id, segment);
            return;
        }
        let person_only = matches!(property, prop::PASSPORT_NUMBER | prop::SOCIAL_SECURITY_NUMBER);
        if self.is_person() || (self.is_legal_entity() && !person_only) {
            self.entity.add(property, &id);
        } else if self.is_legal_entity() {
            self.entity.add(prop::ID_NUMBER, &id);
        } else {
            self.note(segment);
        }
    }

    fn imo(&mut self, value: &str, segment: &str) {
        match imo_digits(value) {
            Some(digits) if !self.is_person() => {
                self.entity.add(prop::IMO_NUMBER, &format!("IMO{digits}"));
            }
            _ => self.note(segment),
        }
    }

    /// The country of an address whose text is already kept: only a code
    /// is added, an unknown name is reported.
    pub(crate) fn address_country(&mut self, value: &str) {
        match country_code(value) {
            Some(code) => {
                self.entity.add(prop::COUNTRY, code);
            }
            None if !no_country(value) => {
                self.issues.push((
                    Severity::Info,
                    format!("address country {value:?} not recognised; kept in the address text"),
                ));
            }
            None => {}
        }
    }

    /// A postal address as free text, with its country when one is named.
    pub(crate) fn address(&mut self, text: &str) {
        self.entity.add(prop::ADDRESS, text);
        if let Some(code) = place_country(text) {
            self.entity.add(prop::COUNTRY, code);
        }
    }

    /// The `CryptoWallet` entities of the party's currency addresses.
    pub(crate) fn wallet_entities(&self, dataset: &str) -> Vec<Entity> {
        self.wallets
            .iter()
            .map(|(currency, address)| {
                let mut wallet = Entity::new(
                    format!("{}-wallet-{address}", self.entity.id),
                    Schema::Other("CryptoWallet".into()),
                );
                wallet.add(ftm::PUBLIC_KEY, address);
                wallet.add(ftm::CURRENCY, currency);
                wallet.add(prop::HOLDER, &self.entity.id);
                wallet.add(prop::TOPICS, "sanction");
                wallet.add_dataset(dataset);
                wallet
            })
            .collect()
    }
}

fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let n = prefix.len();
    (text.len() >= n && text.as_bytes()[..n].eq_ignore_ascii_case(prefix.as_bytes()))
        .then(|| &text[n..])
}

/// The text between the first and the last apostrophe ("'SHA'BAN, Abd'"
/// keeps its inner apostrophe), or the text itself when it is not quoted.
fn quoted(value: &str) -> &str {
    let value = value.trim();
    match (value.find('\''), value.rfind('\'')) {
        (Some(start), Some(end)) if end > start => value[start + 1..end].trim(),
        _ => value.trim_matches(['\'', '"', '.', ' ']),
    }
}

/// The identifier itself, without the issuing country and dates OFAC
/// writes after it: "BE5978421 (Pakistan) issued 14 Nov 2007" → "BE5978421".
fn identifier_value(value: &str) -> String {
    let lower = value.to_ascii_lowercase();
    let cut = [" (", " issued", " expires", ", issued", ", expires"]
        .iter()
        .filter_map(|marker| lower.find(marker))
        .min()
        .unwrap_or(value.len());
    value[..cut].trim().trim_end_matches([',', '.', ';']).trim().to_owned()
}

/// The seven digits of an IMO number written "IMO 9187629" or "9187629".
fn imo_digits(value: &str) -> Option<String> {
    let text = value.trim();
    let rest = strip_prefix_ci(text, "imo").unwrap_or(text).trim();
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    (digits.len() == 7 && rest.len() == 7).then_some(digits)
}

/// Every date a date text denotes, in FollowTheMoney form. Handles what
/// `PartialDate::parse_loose` does not: "circa-1951", "circa 1955-1957".
pub(crate) fn dates(value: &str) -> Vec<String> {
    let mut text = value.trim().trim_end_matches('.').trim().to_owned();
    let lower = text.to_ascii_lowercase();
    for prefix in ["circa", "approximately", "about"] {
        if let Some(rest) = lower.strip_prefix(prefix) {
            text = rest.trim_start_matches(['-', ' ']).to_owned();
            break;
        }
    }
    // "1955-1957": a range of years.
    if let Some((from, to)) = text.split_once('-') {
        let year = |s: &str| s.trim().len() == 4 && s.trim().bytes().all(|b| b.is_ascii_digit());
        if year(from) && year(to) {
            text = format!("{} to {}", from.trim(), to.trim());
        }
    }
    PartialDate::parse_loose(&text).iter().map(ToString::to_string).collect()
}

/// A country code for a country name, demonym or code, tolerating
/// OFAC's spellings ("possibly Palestinian", "Bahamas, The", "St. Kitts &
/// Nevis", "Region: Crimea", "Cote d Ivoire").
pub(crate) fn country_code(value: &str) -> Option<&'static str> {
    let value = value.trim().trim_end_matches('.').trim();
    let value = strip_prefix_ci(value, "possibly ").unwrap_or(value);
    let value = strip_prefix_ci(value, "region:").map(str::trim).unwrap_or(value);
    if let Some(code) = country::code_for(value) {
        return Some(code);
    }
    let respelt = value.replace("St. ", "Saint ").replace(" & ", " and ").replace(" d ", " d'");
    if let Some(code) = country::code_for(&respelt) {
        return Some(code);
    }
    // "Bahamas, The": the part after the comma first.
    if let Some((head, tail)) = value.split_once(", ")
        && let Some(code) = country::code_for(&format!("{tail} {head}"))
    {
        return Some(code);
    }
    // "West Bank (Palestinian Authority)": the name before the brackets,
    // then after them, then the one inside them ("Tunisi (Tunisia)").
    if let Some((head, tail)) = value.split_once('(') {
        let inner = tail.split(')').next().unwrap_or("");
        let rest = tail.split_once(')').map(|(_, r)| r).unwrap_or("");
        for candidate in [head, rest, inner] {
            if let Some(code) = country::code_for(candidate.trim()) {
                return Some(code);
            }
        }
    }
    None
}

/// Words OFAC writes where a country would be when there is none.
fn no_country(value: &str) -> bool {
    let value = value.trim().trim_end_matches('.').to_ascii_lowercase();
    matches!(value.as_str(), "none identified" | "undetermined" | "unknown" | "none" | "stateless")
}

/// The country of a place written "City, Region, Country".
pub(crate) fn place_country(place: &str) -> Option<&'static str> {
    let last = place.rsplit(',').next().unwrap_or(place);
    country_code(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_end_at_word_boundaries() {
        assert_eq!(split_label("citizen Mexico"), Some((Kind::Citizenship, "Mexico")));
        assert_eq!(
            split_label("Citizen's Card Number 211226197812154256 (China)"),
            Some((Kind::Identifier(prop::ID_NUMBER), "211226197812154256 (China)"))
        );
        assert_eq!(
            split_label("Nationality of Registration Russia"),
            Some((Kind::RegistrationCountry, "Russia"))
        );
        assert_eq!(
            split_label("NIT # 800146749-7 (Colombia)"),
            Some((Kind::Identifier(prop::TAX_NUMBER), "800146749-7 (Colombia)"))
        );
        assert_eq!(split_label("Imogen"), None);
    }

    #[test]
    fn identifiers_lose_country_and_dates() {
        assert_eq!(
            identifier_value("BE5978421 (Pakistan) issued 14 Nov 2007 expires 12 Nov 2012"),
            "BE5978421"
        );
        assert_eq!(identifier_value("L 191609 issued 28 Feb 1996"), "L 191609");
        assert_eq!(imo_digits("IMO 9187629").as_deref(), Some("9187629"));
        assert_eq!(imo_digits("91876290"), None);
    }

    #[test]
    fn date_forms() {
        assert_eq!(dates("circa-1951"), ["1951"]);
        assert_eq!(dates("circa 1955-1957"), ["1955", "1956", "1957"]);
        assert_eq!(dates("10 Dec 1948"), ["1948-12-10"]);
        assert!(dates("unknown").is_empty());
    }
}
