//! Property tests: any valid input model is written, the output re-parses
//! with quick-xml and passes its validator, and the text put in comes back
//! out unchanged (escaping round-trips).

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::{select, subsequence};
use quick_xml::Reader;
use quick_xml::events::Event;
use vigia_filing::advisory::KEY_TERMS;
use vigia_filing::*;

/// Text with the characters XML must escape, accents and a CJK character,
/// never blank.
fn text(max: usize) -> BoxedStrategy<String> {
    proptest::string::string_regex(&format!("[A-Za-z0-9 &<>'\"ñÉü中.,/#-]{{1,{max}}}"))
        .expect("regex")
        .prop_filter("blank", |s| !s.trim().is_empty())
        .boxed()
}

fn digits(n: usize) -> BoxedStrategy<String> {
    proptest::string::string_regex(&format!("[0-9]{{{n}}}")).expect("regex").boxed()
}

fn date(years: std::ops::RangeInclusive<u16>) -> BoxedStrategy<Date> {
    (years, 1u8..=12, 1u8..=28).prop_map(|(y, m, d)| Date::new(y, m, d).expect("valid")).boxed()
}

fn birth_date() -> BoxedStrategy<BirthDate> {
    (1930u16..=2005, option::of((1u8..=12, option::of(1u8..=28))))
        .prop_map(|(y, md)| {
            let text = match md {
                None => format!("{y}"),
                Some((m, None)) => format!("{y}-{m:02}"),
                Some((m, Some(d))) => format!("{y}-{m:02}-{d:02}"),
            };
            text.parse().expect("valid")
        })
        .boxed()
}

const FOREIGN: &[&str] = &["MX", "GT", "HN", "SV", "CA", "CN"];

fn address(complete: bool) -> BoxedStrategy<Address> {
    let us = (
        text(100),
        text(50),
        select(&["TX", "CA", "AZ", "NM", "IL", "PR"][..]),
        prop_oneof![digits(5), digits(9)],
    )
        .prop_map(|(street, city, state, zip)| Address {
            street: Some(street),
            city: Some(city),
            state: Some(state.to_owned()),
            zip: Some(zip),
            country: Some("US".into()),
        });
    let foreign = (text(100), text(50), "[A-Z]{2}", "[0-9A-Z]{3,9}", select(FOREIGN)).prop_map(
        |(street, city, state, zip, country)| Address {
            street: Some(street),
            city: Some(city),
            state: Some(state),
            zip: Some(zip),
            country: Some(country.to_ascii_lowercase()),
        },
    );
    if complete {
        prop_oneof![us, foreign].boxed()
    } else {
        let partial = (option::of(text(100)), option::of(text(50)), option::of(select(FOREIGN)))
            .prop_map(|(street, city, country)| Address {
                street,
                city,
                state: None,
                zip: None,
                country: country.map(str::to_owned),
            });
        prop_oneof![us, foreign, partial].boxed()
    }
}

fn phone() -> BoxedStrategy<Phone> {
    (
        digits(10),
        option::of("[0-9]{1,6}"),
        option::of(select(
            &[PhoneKind::Home, PhoneKind::Work, PhoneKind::Mobile, PhoneKind::Fax][..],
        )),
    )
        .prop_map(|(number, extension, kind)| Phone {
            number,
            extension,
            kind,
            country_prefix: None,
        })
        .boxed()
}

fn identification() -> BoxedStrategy<Identification> {
    let tin = (select(&[IdKind::Ssn, IdKind::Ein][..]), digits(9)).prop_map(|(kind, number)| {
        Identification { kind, number, country: None, state: None, description: None }
    });
    let document = (
        select(
            &[
                IdKind::Passport,
                IdKind::DriversLicence,
                IdKind::AlienRegistration,
                IdKind::NationalId,
                IdKind::ForeignTin,
            ][..],
        ),
        "[A-Z0-9]{5,20}",
        select(FOREIGN),
        option::of("[A-Z]{2}"),
    )
        .prop_map(|(kind, number, country, state)| Identification {
            kind,
            number,
            country: Some(country.to_owned()),
            state,
            description: None,
        });
    let other = ("[A-Z0-9]{5,20}", text(50)).prop_map(|(number, description)| Identification {
        kind: IdKind::Other,
        number,
        country: None,
        state: None,
        description: Some(description),
    });
    prop_oneof![tin, document, other].boxed()
}

fn person_name(required: bool) -> BoxedStrategy<Name> {
    if required {
        (text(35), option::of(text(35)), text(100))
            .prop_map(|(first, middle, last)| Name::Person {
                first: Some(first),
                middle,
                last: Some(last),
                suffix: None,
            })
            .boxed()
    } else {
        (
            option::of(text(35)),
            option::of(text(35)),
            option::of(text(150)),
            option::of("(Jr|Sr|III)"),
        )
            .prop_map(|(first, middle, last, suffix)| Name::Person { first, middle, last, suffix })
            .boxed()
    }
}

fn party(required_name: bool, complete_address: bool) -> BoxedStrategy<Party> {
    let name = prop_oneof![
        person_name(required_name),
        if required_name {
            text(150).prop_map(|n| Name::Entity { name: Some(n) }).boxed()
        } else {
            option::of(text(150)).prop_map(|name| Name::Entity { name }).boxed()
        },
    ];
    (
        name,
        vec(text(50), 0..2),
        option::of(text(100)),
        option::of(birth_date()),
        option::of(select(&[Gender::Male, Gender::Female][..])),
        vec(address(complete_address), 0..2),
        vec(phone(), 0..2),
        vec("[a-z]{1,10}@[a-z]{1,10}\\.example", 0..2),
        vec(identification(), 0..3),
        option::of(text(30)),
        option::of("[0-9]{6}"),
    )
        .prop_map(
            |(
                name,
                aliases,
                dba,
                birth_date,
                gender,
                addresses,
                phones,
                emails,
                identifications,
                occupation,
                naics,
            )| {
                let mut party = Party::named(name);
                party.aliases = aliases;
                party.dba = dba;
                party.birth_date = birth_date;
                party.gender = gender;
                party.addresses = addresses;
                party.phones = phones;
                party.emails = emails;
                party.identifications = identifications;
                party.occupation = occupation;
                party.naics = naics;
                party
            },
        )
        .boxed()
}

fn transmitter() -> BoxedStrategy<Transmitter> {
    (text(150), digits(9), "[A-Z0-9]{8}", address(true), phone(), text(150))
        .prop_map(|(name, tin, tcc, address, phone, contact_name)| Transmitter {
            name,
            tin,
            tcc,
            address,
            phone,
            contact_name,
        })
        .boxed()
}

fn institution(kind: Option<InstitutionKind>) -> BoxedStrategy<Institution> {
    let kinds = [
        InstitutionKind::Casino,
        InstitutionKind::Depository,
        InstitutionKind::Insurance,
        InstitutionKind::Msb,
        InstitutionKind::Securities,
        InstitutionKind::LoanOrFinance,
        InstitutionKind::HousingGse,
        InstitutionKind::Other,
    ];
    let regulators = [
        Regulator::Cftc,
        Regulator::Frb,
        Regulator::Fdic,
        Regulator::Irs,
        Regulator::Ncua,
        Regulator::Occ,
        Regulator::Sec,
        Regulator::Fhfa,
        Regulator::NotApplicable,
    ];
    let kind = match kind {
        Some(kind) => Just(kind).boxed(),
        None => select(kinds.to_vec()).boxed(),
    };
    (
        text(150),
        option::of(text(150)),
        digits(9),
        kind,
        option::of("[0-9]{4,10}"),
        select(regulators.to_vec()),
        address(true),
        text(150),
        phone(),
        option::of(text(25)),
        text(50),
    )
        .prop_map(
            |(
                name,
                dba,
                tin,
                kind,
                rssd,
                regulator,
                address,
                office,
                office_phone,
                file,
                other,
            )| Institution {
                name,
                dba,
                tin,
                tin_kind: IdKind::Ein,
                kind,
                kind_other: (kind == InstitutionKind::Other).then_some(other),
                id: rssd.map(|number| InstitutionId { kind: InstitutionIdKind::Rssd, number }),
                regulator,
                address,
                contact_office: ContactOffice { name: office, phone: office_phone },
                internal_file_number: file,
            },
        )
        .boxed()
}

fn subject() -> BoxedStrategy<Subject> {
    let relationship = (
        digits(9),
        subsequence(
            vec![
                RelationshipKind::Customer,
                RelationshipKind::Employee,
                RelationshipKind::Agent,
                RelationshipKind::NoRelationship,
            ],
            1..3,
        ),
        option::of(select(&[RelationshipStatus::Continues, RelationshipStatus::Terminated][..])),
    )
        .prop_map(|(institution_tin, kinds, status)| Relationship {
            institution_tin,
            kinds,
            other: None,
            status,
            action_date: None,
        });
    let account = (option::of(digits(9)), "[0-9A-Z-]{4,40}", any::<bool>(), any::<bool>())
        .prop_map(|(institution_tin, number, closed, non_us)| SubjectAccount {
            institution_tin,
            number,
            closed,
            non_us,
        });
    (
        party(false, false),
        option::of(select(
            &[SubjectRole::PurchaserSender, SubjectRole::PayeeReceiver, SubjectRole::Both][..],
        )),
        vec(relationship, 0..2),
        vec(account, 0..3),
        option::of(any::<bool>()),
    )
        .prop_map(|(party, role, relationships, accounts, admission)| Subject {
            party,
            role,
            relationships,
            accounts,
            admission,
        })
        .boxed()
}

fn sar() -> BoxedStrategy<SarFiling> {
    let kind = prop_oneof![
        Just(SarKind::Initial),
        digits(14).prop_map(|prior_bsa_id| SarKind::Correction { prior_bsa_id }),
        digits(14).prop_map(|prior_bsa_id| SarKind::Continuing { prior_bsa_id }),
        digits(14).prop_map(|prior_bsa_id| SarKind::ContinuingCorrection { prior_bsa_id }),
    ];
    let boxes = subsequence(ACTIVITY_BOXES.to_vec(), 1..5);
    let terms: Vec<&'static str> = KEY_TERMS.iter().map(|k| k.term).collect();
    (
        (date(2024..=2026), 0u32..400, 0u32..400, kind, any::<bool>()),
        (
            transmitter(),
            institution(None),
            vec(address(true).prop_map(|address| Branch { address, rssd: None }), 0..3),
        ),
        (
            vec(subject(), 1..4),
            option::of(1u64..10_000_000_000),
            any::<bool>(),
            option::of(1u64..100_000_000),
        ),
        (
            boxes,
            text(50),
            subsequence(terms, 0..=2),
            text(6000),
            vec(("[0-9.]{7,15}", any::<bool>()), 0..2),
        ),
    )
        .prop_map(
            |(
                (filed, span, back, kind, joint),
                (transmitter, filer, branches),
                (subjects, amount, unknown, cumulative),
                (boxes, other, key_terms, narrative, ips),
            )| {
                let back_date = |days: u32| {
                    let mut d = filed;
                    for _ in 0..days {
                        d = previous(d);
                    }
                    d
                };
                let to = back_date(back);
                let from = back_date(back + span);
                let continuing = matches!(
                    kind,
                    SarKind::Continuing { .. } | SarKind::ContinuingCorrection { .. }
                );
                SarFiling {
                    filing_date: filed,
                    kind,
                    joint,
                    transmitter,
                    filer,
                    branches,
                    loss_to_institution: None,
                    subjects,
                    activity: SuspiciousActivity {
                        from,
                        to: Some(to),
                        amount: amount.map(Money::from_cents),
                        amount_unknown: amount.is_none() && unknown,
                        cumulative_amount: cumulative.filter(|_| continuing).map(Money::from_units),
                        classifications: boxes
                            .iter()
                            .map(|b| Classification {
                                item: b.item.to_owned(),
                                other: (b.item.ends_with("(z)")).then(|| other.clone()),
                            })
                            .collect(),
                    },
                    key_terms: key_terms.into_iter().map(str::to_owned).collect(),
                    narrative,
                    ip_addresses: ips
                        .into_iter()
                        .map(|(address, dated)| IpAddress { address, date: dated.then_some(to) })
                        .collect(),
                }
            },
        )
        .boxed()
}

fn previous(d: Date) -> Date {
    if d.day() > 1 {
        return Date::new(d.year(), d.month(), d.day() - 1).expect("valid");
    }
    if d.month() > 1 {
        return Date::new(d.year(), d.month() - 1, 28).expect("valid");
    }
    Date::new(d.year() - 1, 12, 28).expect("valid")
}

fn ctr() -> BoxedStrategy<CtrFiling> {
    let roles =
        [CtrRole::OwnBehalf, CtrRole::ForAnother, CtrRole::OnWhoseBehalf, CtrRole::CommonCarrier];
    let document =
        ("[A-Z0-9]{6,12}", select(FOREIGN)).prop_map(|(number, country)| Identification {
            kind: IdKind::Passport,
            number,
            country: Some(country.to_owned()),
            state: None,
            description: None,
        });
    let person = (
        party(false, false),
        select(roles.to_vec()),
        document,
        vec("[0-9]{6,12}", 0..2),
        vec("[0-9]{6,12}", 0..2),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(mut party, role, document, accounts_in, accounts_out, multiple, give_amounts)| {
                // Conductors are identified by a document, as the CTR requires.
                party.identifications.push(document);
                CtrPerson {
                    party,
                    role,
                    cash_in: None,
                    cash_out: None,
                    accounts_in,
                    accounts_out,
                    multiple_transactions: multiple && give_amounts,
                }
            },
        );
    let cash_in = (
        select(
            &[
                CashIn::Deposit,
                CashIn::Payment,
                CashIn::FundsTransferOut,
                CashIn::NegotiableInstrumentPurchase,
                CashIn::CurrencyExchange,
                CashIn::PrepaidAccess,
                CashIn::Other,
            ][..],
        ),
        1u64..2_000_000_000,
        text(50),
    )
        .prop_map(|(kind, cents, other)| CashInLine {
            kind,
            amount: Money::from_cents(cents),
            other: (kind == CashIn::Other).then_some(other),
        });
    let cash_out = (
        select(
            &[
                CashOut::Withdrawal,
                CashOut::AdvanceOnCredit,
                CashOut::FundsTransferIn,
                CashOut::NegotiableInstrumentCashed,
                CashOut::CurrencyExchange,
                CashOut::PrepaidAccess,
                CashOut::Other,
            ][..],
        ),
        1u64..2_000_000_000,
        text(50),
    )
        .prop_map(|(kind, cents, other)| CashOutLine {
            kind,
            amount: Money::from_cents(cents),
            other: (kind == CashOut::Other).then_some(other),
        });
    let gto = any::<bool>();
    (
        (date(2024..=2026), 0u32..20, transmitter(), gto),
        (institution(None), vec(person, 1..4)),
        (vec(cash_in, 0..3), vec(cash_out, 0..3), 100_001u64..5_000_000, 100_000u64..=1_000_000),
        [any::<bool>(); 6],
    )
        .prop_map(
            |(
                (filed, back, transmitter, gto),
                (mut filer, mut persons),
                (mut cash_in, mut cash_out, over, band),
                flags,
            )| {
                let mut transaction_date = filed;
                for _ in 0..back {
                    transaction_date = previous(transaction_date);
                }
                let gto = if gto {
                    // One cash-in line inside the $1,000-$10,000 band at an MSB.
                    filer.kind = InstitutionKind::Msb;
                    filer.kind_other = None;
                    cash_in = vec![CashInLine {
                        kind: CashIn::FundsTransferOut,
                        amount: Money::from_cents(band),
                        other: None,
                    }];
                    cash_out.clear();
                    Some(Gto {
                        order: "GTO".into(),
                        floor: Money::from_units(1_000),
                        floor_inclusive: true,
                    })
                } else {
                    // Over $10,000 in: a CTR of record.
                    cash_in.insert(
                        0,
                        CashInLine {
                            kind: CashIn::Deposit,
                            amount: Money::from_cents(1_000_000 + over),
                            other: None,
                        },
                    );
                    None
                };
                let total_in = cash_in.iter().fold(Money::ZERO, |s, l| s.saturating_add(l.amount));
                let total_out =
                    cash_out.iter().fold(Money::ZERO, |s, l| s.saturating_add(l.amount));
                for (i, person) in persons.iter_mut().enumerate() {
                    if i == 0 || person.multiple_transactions {
                        person.cash_in = Some(total_in);
                        person.cash_out = (!cash_out.is_empty()).then_some(total_out);
                    }
                }
                CtrFiling {
                    filing_date: filed,
                    kind: CtrKind::Initial,
                    transmitter,
                    filer,
                    persons,
                    transaction_date,
                    cash_in,
                    cash_out,
                    aggregated: flags[0],
                    armored_car: flags[1],
                    atm: flags[2],
                    mail_deposit: flags[3],
                    night_deposit: flags[4],
                    shared_branching: flags[5],
                    gto,
                }
            },
        )
        .boxed()
}

fn goaml_party() -> BoxedStrategy<Party> {
    (party(true, true), option::of(select(FOREIGN)))
        .prop_map(|(mut party, country)| {
            party.nationality = country.map(str::to_owned);
            party
        })
        .boxed()
}

/// A person: goAML's reporting person, conductors and signatories are
/// people with a first and last name.
fn goaml_person() -> BoxedStrategy<Party> {
    (goaml_party(), person_name(true))
        .prop_map(|(mut party, name)| {
            party.name = name;
            party
        })
        .boxed()
}

fn goaml_side(my_client: bool, from: bool) -> BoxedStrategy<Side> {
    let account = (
        text(100),
        option::of("[A-Z]{6}[A-Z0-9]{2}"),
        "[0-9A-Z-]{4,30}",
        option::of(goaml_party()),
        vec(goaml_person(), 0..2),
    )
        .prop_map(|(institution_name, swift, number, holder, signatories)| {
            Counterpart::Account(Box::new(GoamlAccount {
                institution_name,
                institution_code: None,
                swift,
                non_bank_institution: false,
                branch: None,
                number,
                currency: Some("USD".into()),
                name: None,
                iban: None,
                client_number: None,
                account_type: None,
                holder,
                signatories,
                opened: None,
                closed: None,
                balance: None,
                status_code: None,
                comments: None,
            }))
        });
    let counterpart =
        prop_oneof![account, goaml_party().prop_map(|p| Counterpart::Party(Box::new(p)))];
    (counterpart, select(FOREIGN), option::of(goaml_person()), "[A-Z]{1,5}")
        .prop_map(move |(counterpart, country, conductor, funds)| Side {
            my_client,
            funds_code: Some(funds),
            funds_comment: None,
            foreign: None,
            conductor: conductor.filter(|_| my_client && from),
            counterpart,
            country: country.to_owned(),
        })
        .boxed()
}

fn goaml() -> BoxedStrategy<GoamlReport> {
    let transaction =
        (any::<bool>(), 0u32..300, 1u64..10_000_000_000, "[A-Z]{1,5}", option::of(text(200)))
            .prop_flat_map(|(from_mine, back, cents, mode, description)| {
                (goaml_side(from_mine, true), goaml_side(!from_mine, false)).prop_map(
                    move |(from, to)| (back, cents, mode.clone(), description.clone(), from, to),
                )
            });
    (
        "[0-9]{1,10}",
        date(2024..=2026),
        goaml_person(),
        text(3000),
        vec(transaction, 1..4),
        vec("[A-Z0-9]{2,10}", 1..3),
        option::of(address(true)),
    )
        .prop_map(
            |(
                rentity_id,
                submitted,
                reporting_person,
                reason,
                transactions,
                indicators,
                location,
            )| GoamlReport {
                rentity_id,
                rentity_branch: None,
                submission_code: SubmissionCode::Electronic,
                report_code: "STR".into(),
                entity_reference: Some("CASE-1".into()),
                fiu_ref_number: None,
                submission_date: DateTime::start_of(submitted),
                currency_code_local: "USD".into(),
                reporting_person: Some(reporting_person),
                location,
                reason,
                action: None,
                transactions: transactions
                    .into_iter()
                    .enumerate()
                    .map(|(i, (back, cents, mode, description, from, to))| {
                        let mut day = submitted;
                        for _ in 0..back {
                            day = previous(day);
                        }
                        GoamlTransaction {
                            number: format!("T-{i}"),
                            internal_ref: None,
                            location: None,
                            description,
                            date: DateTime::new(day, 12, 30, 0).expect("valid"),
                            value_date: None,
                            channel: None,
                            transmode_code: Some(mode),
                            transmode_comment: None,
                            amount_local: Money::from_cents(cents),
                            from,
                            to,
                            comments: None,
                        }
                    })
                    .collect(),
                indicators,
            },
        )
        .boxed()
}

/// Reads the whole document with quick-xml and returns every value
/// element's local name and unescaped text.
fn reparse(xml: &str) -> Vec<(String, String)> {
    let mut reader = Reader::from_str(xml);
    let mut values = Vec::new();
    let mut open: Vec<String> = Vec::new();
    let mut current = String::new();
    loop {
        match reader.read_event().expect("well-formed") {
            Event::Start(start) => {
                open.push(start.local_name().as_ref().to_owned());
                current.clear();
            }
            Event::Text(t) => current.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref().expect("char ref") {
                    Some(c) => c.to_string(),
                    None => {
                        quick_xml::escape::resolve_predefined_entity(&r).expect("entity").to_owned()
                    }
                };
                current.push_str(&resolved);
            }
            Event::End(_) => {
                let name = open.pop().expect("balanced");
                if !current.trim().is_empty() {
                    values.push((name, std::mem::take(&mut current)));
                }
                current.clear();
            }
            Event::Eof => return values,
            _ => {}
        }
    }
}

fn values_of<'a>(values: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    values.iter().filter(|(n, _)| n == name).map(|(_, v)| v.as_str()).collect()
}

fn written(result: Result<String>) -> String {
    match result {
        Ok(xml) => xml,
        Err(error) => {
            let list: Vec<String> = error.violations().iter().map(ToString::to_string).collect();
            panic!("{error}\n{}", list.join("\n"))
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_valid_sar_is_written_and_validates(filing in sar()) {
        let xml = written(write_sar(&filing));
        prop_assert_eq!(validate_sar(&xml), vec![]);
        let values = reparse(&xml);
        // The narrative comes back exactly, block by block.
        prop_assert_eq!(values_of(&values, "NarrativeText").concat(), filing.narrative_text());
        prop_assert!(values_of(&values, "RawPartyFullName").contains(&filing.filer.name.trim()));
    }

    #[test]
    fn any_valid_ctr_is_written_and_validates(filing in ctr()) {
        let xml = written(write_ctr(&filing));
        prop_assert_eq!(validate_ctr(&xml), vec![]);
        reparse(&xml);
    }

    #[test]
    fn any_valid_goaml_report_is_written_and_validates(report in goaml()) {
        let profile = GoamlProfile::default();
        let xml = written(write_goaml(&report, &profile));
        prop_assert_eq!(validate_goaml(&xml, &profile), vec![]);
        let values = reparse(&xml);
        prop_assert_eq!(values_of(&values, "reason"), vec![report.reason.trim()]);
    }

    #[test]
    fn a_batch_counts_what_it_holds(filings in vec(sar(), 1..4)) {
        let xml = written(write_sar_batch(&filings));
        prop_assert_eq!(validate_sar(&xml), vec![]);
        let subjects: usize = filings.iter().map(|f| f.subjects.len()).sum();
        let count = format!("PartyCount=\"{subjects}\"");
        prop_assert!(xml.contains(&count));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// The validators take any text, including a valid batch cut or
    /// spliced anywhere, and answer with violations, never a panic.
    #[test]
    fn validators_never_panic(junk in ".{0,200}", cut in 0usize..20_000, splice in 0usize..20_000) {
        let base = crate::ok(write_sar(&crate::load::<SarFiling>("sar-funnel.json")));
        let at = |n: usize| {
            let mut n = n.min(base.len());
            while !base.is_char_boundary(n) {
                n -= 1;
            }
            n
        };
        let spliced = format!("{}{junk}{}", &base[..at(splice)], &base[at(splice)..]);
        for text in [junk.as_str(), &base[..at(cut)], spliced.as_str()] {
            let _ = validate_sar(text);
            let _ = validate_ctr(text);
            let _ = validate_goaml(text, &GoamlProfile::default());
        }
    }
}
