//! One failing case per rule: a valid filing is broken in one way and the
//! check must name the rule. XML-level rules break the written XML; rules
//! checked on the input model break the model.

use vigia_filing::{
    CtrFiling, GoamlProfile, GoamlReport, IdKind, Money, Rule, SarFiling, Violation, validate_ctr,
    validate_goaml, validate_sar, write_ctr, write_goaml, write_sar,
};

use crate::{load, ok};

/// Replaces the first occurrence, insisting it exists so a mutation never
/// silently does nothing.
fn once(xml: &str, from: &str, to: &str) -> String {
    assert!(xml.contains(from), "mutation target {from:?} not in the document");
    xml.replacen(from, to, 1)
}

/// A named mutation of a valid document and the rule it must break.
type Case = (&'static str, fn(&str) -> String, Rule);

fn rules(violations: &[Violation]) -> Vec<Rule> {
    violations.iter().map(|v| v.rule).collect()
}

/// `check(base, mutate, rule)`: the mutated document breaks `rule`, and the
/// unmutated one breaks nothing.
fn check(validate: &dyn Fn(&str) -> Vec<Violation>, base: &str, cases: &[Case]) {
    assert_eq!(validate(base), [], "the base document is valid");
    for (name, mutate, rule) in cases {
        let violations = validate(&mutate(base));
        assert!(rules(&violations).contains(rule), "{name}: expected {rule}, got {violations:#?}");
        assert!(violations.iter().all(|v| !v.path.is_empty() && !v.message.is_empty()), "{name}");
    }
}

fn sar_base() -> String {
    ok(write_sar(&load::<SarFiling>("sar-2313a-intercam.json")))
}

fn ctr_base() -> String {
    ok(write_ctr(&load::<CtrFiling>("ctr-aggregated-deposit.json")))
}

fn goaml_base() -> String {
    ok(write_goaml(&load::<GoamlReport>("goaml-str-fto.json"), &GoamlProfile::default()))
}

#[test]
fn sar_xml_rules() {
    let cases: &[Case] = &[
        ("cut off", |x| x[..x.len() / 2].to_owned(), Rule::WellFormed),
        ("control character", |x| once(x, "Laredo</", "Lar&#1;edo</"), Rule::Characters),
        ("wrong root", |x| x.replace("fc2:EFilingBatchXML", "fc2:EFilingBatch"), Rule::Root),
        (
            "wrong namespace",
            |x| once(x, "xmlns:fc2=\"www.fincen.gov/base\"", "xmlns:fc2=\"urn:other\""),
            Rule::Root,
        ),
        (
            "undeclared element",
            |x| once(x, "</fc2:FilingDateText>", "</fc2:FilingDateText><fc2:Bogus>1</fc2:Bogus>"),
            Rule::Unexpected,
        ),
        (
            "text in a container",
            |x| {
                once(
                    x,
                    "<fc2:ActivityAssociation SeqNum=\"2\">",
                    "<fc2:ActivityAssociation SeqNum=\"2\">stray",
                )
            },
            Rule::Unexpected,
        ),
        (
            "field 2 before the filing date",
            |x| {
                let note = "<fc2:FilingInstitutionNotetoFinCEN>Intercam2313a FIN-2025</fc2:FilingInstitutionNotetoFinCEN>";
                let x = once(x, note, "");
                once(&x, "<fc2:FilingDateText>", &format!("{note}<fc2:FilingDateText>"))
            },
            Rule::Order,
        ),
        (
            "no filing date",
            |x| once(x, "<fc2:FilingDateText>20251128</fc2:FilingDateText>", ""),
            Rule::Missing,
        ),
        (
            "two filing dates",
            |x| {
                once(
                    x,
                    "<fc2:FilingDateText>20251128</fc2:FilingDateText>",
                    "<fc2:FilingDateText>20251128</fc2:FilingDateText><fc2:FilingDateText>20251128</fc2:FilingDateText>",
                )
            },
            Rule::TooMany,
        ),
        (
            "too deep",
            |x| {
                let deep = format!("{}{}", "<fc2:A>".repeat(70), "</fc2:A>".repeat(70));
                once(x, "</fc2:FilingDateText>", &format!("</fc2:FilingDateText>{deep}"))
            },
            Rule::WellFormed,
        ),
        (
            "empty container",
            |x| {
                once(
                    x,
                    "<fc2:ActivityAssociation SeqNum=\"2\">\n      <fc2:InitialReportIndicator>Y</fc2:InitialReportIndicator>\n    </fc2:ActivityAssociation>",
                    "<fc2:ActivityAssociation SeqNum=\"2\"/>",
                )
            },
            Rule::Empty,
        ),
        (
            "empty city",
            |x| {
                once(
                    x,
                    "<fc2:RawCityText>Laredo</fc2:RawCityText>",
                    "<fc2:RawCityText> </fc2:RawCityText>",
                )
            },
            Rule::Empty,
        ),
        (
            "field 2 over 50 characters",
            |x| {
                x.replace(
                    "Intercam2313a FIN-2025",
                    "Intercam2313a FIN-2025; CIBanco2313a FIN-2025; Vector2313a FIN-2025",
                )
            },
            Rule::Length,
        ),
        (
            "name type code",
            |x| once(x, "<fc2:PartyNameTypeCode>L<", "<fc2:PartyNameTypeCode>X<"),
            Rule::Code,
        ),
        (
            "country code",
            |x| once(x, "<fc2:RawCountryCodeText>MX<", "<fc2:RawCountryCodeText>Mexico<"),
            Rule::Code,
        ),
        (
            "date format",
            |x| once(x, "<fc2:FilingDateText>20251128<", "<fc2:FilingDateText>2025-11-28<"),
            Rule::Format,
        ),
        (
            "no such day",
            |x| once(x, "<fc2:FilingDateText>20251128<", "<fc2:FilingDateText>20251131<"),
            Rule::Format,
        ),
        (
            "cents",
            |x| {
                once(
                    x,
                    "<fc2:TotalSuspiciousAmountText>148751<",
                    "<fc2:TotalSuspiciousAmountText>148750.40<",
                )
            },
            Rule::Format,
        ),
        (
            "indicator",
            |x| once(x, "<fc2:InitialReportIndicator>Y<", "<fc2:InitialReportIndicator>true<"),
            Rule::Format,
        ),
        ("no SeqNum", |x| once(x, "<fc2:Activity SeqNum=\"1\">", "<fc2:Activity>"), Rule::SeqNum),
        (
            "zero SeqNum",
            |x| once(x, "<fc2:Activity SeqNum=\"1\">", "<fc2:Activity SeqNum=\"0\">"),
            Rule::SeqNum,
        ),
        ("SeqNum twice", |x| once(x, "SeqNum=\"2\"", "SeqNum=\"3\""), Rule::SeqNumUnique),
        (
            "total amount",
            |x| once(x, "TotalAmount=\"148751\"", "TotalAmount=\"148750\""),
            Rule::BatchCounts,
        ),
        ("party count", |x| once(x, "PartyCount=\"2\"", "PartyCount=\"1\""), Rule::BatchCounts),
        (
            "activity count",
            |x| once(x, "ActivityCount=\"1\"", "ActivityCount=\"2\""),
            Rule::BatchCounts,
        ),
        (
            "no attachment count",
            |x| once(x, "AttachmentCount=\"0\" PartyCount", "PartyCount"),
            Rule::BatchCounts,
        ),
        (
            "initial and correction",
            |x| {
                once(
                    x,
                    "<fc2:InitialReportIndicator>",
                    "<fc2:CorrectsAmendsPriorReportIndicator>Y</fc2:CorrectsAmendsPriorReportIndicator><fc2:InitialReportIndicator>",
                )
            },
            Rule::FilingType,
        ),
        (
            "prior report on an initial report",
            |x| {
                once(
                    x,
                    "<fc2:FilingDateText>",
                    "<fc2:EFilingPriorDocumentNumber>31000219876543</fc2:EFilingPriorDocumentNumber><fc2:FilingDateText>",
                )
            },
            Rule::PriorReport,
        ),
        (
            "no contact office",
            |x| once(x, "<fc2:ActivityPartyTypeCode>8<", "<fc2:ActivityPartyTypeCode>37<"),
            Rule::PartyRoles,
        ),
        (
            "other institution type without description",
            |x| once(x, "<fc2:OrganizationTypeID>2<", "<fc2:OrganizationTypeID>999<"),
            Rule::PartyContent,
        ),
        (
            "transmitter without TCC",
            |x| {
                once(
                    x,
                    "<fc2:PartyIdentificationTypeCode>28<",
                    "<fc2:PartyIdentificationTypeCode>29<",
                )
            },
            Rule::PartyContent,
        ),
        (
            "subject name and unknown box",
            |x| {
                once(
                    x,
                    "<fc2:PartyNameTypeCode>L</fc2:PartyNameTypeCode>\n        <fc2:RawEntityIndividualLastName>Transportes",
                    "<fc2:EntityLastNameUnknownIndicator>Y</fc2:EntityLastNameUnknownIndicator><fc2:PartyNameTypeCode>L</fc2:PartyNameTypeCode>\n        <fc2:RawEntityIndividualLastName>Transportes",
                )
            },
            Rule::PartyContent,
        ),
        ("EIN of 8 digits", |x| once(x, ">887654321<", ">88765432<"), Rule::Identification),
        ("TCC of 7 characters", |x| once(x, ">PBFN0001<", ">PBFN001<"), Rule::Identification),
        (
            "other id without description",
            |x| {
                once(
                    x,
                    "<fc2:PartyIdentificationTypeCode>9<",
                    "<fc2:PartyIdentificationTypeCode>999<",
                )
            },
            Rule::Identification,
        ),
        (
            "US state",
            |x| once(x, "<fc2:RawStateCodeText>TX<", "<fc2:RawStateCodeText>XX<"),
            Rule::Address,
        ),
        ("US ZIP", |x| once(x, "<fc2:RawZIPCode>78040<", "<fc2:RawZIPCode>7804<"), Rule::Address),
        (
            "activity ends after filing",
            |x| {
                once(
                    x,
                    "<fc2:SuspiciousActivityToDateText>20251104<",
                    "<fc2:SuspiciousActivityToDateText>20251204<",
                )
            },
            Rule::DateOrder,
        ),
        (
            "activity ends before it starts",
            |x| {
                once(
                    x,
                    "<fc2:SuspiciousActivityToDateText>20251104<",
                    "<fc2:SuspiciousActivityToDateText>20251001<",
                )
            },
            Rule::DateOrder,
        ),
        (
            "amount and amount unknown",
            |x| {
                once(
                    x,
                    "<fc2:SuspiciousActivityFromDateText>",
                    "<fc2:AmountUnknownIndicator>Y</fc2:AmountUnknownIndicator><fc2:SuspiciousActivityFromDateText>",
                )
            },
            Rule::Amount,
        ),
        (
            "cumulative amount on an initial report",
            |x| {
                once(
                    x,
                    "<fc2:SuspiciousActivityFromDateText>",
                    "<fc2:CumulativeTotalViolationAmountText>5</fc2:CumulativeTotalViolationAmountText><fc2:SuspiciousActivityFromDateText>",
                )
            },
            Rule::Amount,
        ),
        ("unknown box", |x| once(x, ">505<", ">599<"), Rule::Classification),
        (
            "other box without description",
            |x| {
                once(
                    x,
                    "<fc2:OtherSuspiciousActivityTypeText>Transmittal to 2313a-designated institution</fc2:OtherSuspiciousActivityTypeText>",
                    "",
                )
            },
            Rule::Classification,
        ),
        (
            "no box",
            |x| x.replace("SuspiciousActivityClassification", "SuspiciousActivityBox"),
            Rule::Missing,
        ),
        (
            "narrative numbering",
            |x| {
                once(
                    x,
                    "<fc2:ActivityNarrativeSequenceNumber>1<",
                    "<fc2:ActivityNarrativeSequenceNumber>2<",
                )
            },
            Rule::Narrative,
        ),
        (
            "narrative without the key term",
            |x| {
                once(
                    x,
                    "<fc2:NarrativeText>Intercam2313a FIN-2025",
                    "<fc2:NarrativeText>Intercam 2313a",
                )
            },
            Rule::KeyTerms,
        ),
    ];
    check(&validate_sar, &sar_base(), cases);
}

#[test]
fn ctr_xml_rules() {
    let cases: &[Case] = &[
        ("form type", |x| once(x, ">CTRX<", ">SARX<"), Rule::Code),
        (
            "total cash in against its lines",
            |x| {
                once(
                    x,
                    "<fc2:TotalCashInReceiveAmountText>11101<",
                    "<fc2:TotalCashInReceiveAmountText>11000<",
                )
            },
            Rule::CashTotals,
        ),
        (
            "a person's cash in over the total",
            |x| {
                once(
                    x,
                    "<fc2:IndividualEntityCashInAmountText>11101<",
                    "<fc2:IndividualEntityCashInAmountText>20000<",
                )
            },
            Rule::CashTotals,
        ),
        (
            "batch total",
            |x| once(x, "TotalAmount=\"11101\"", "TotalAmount=\"11100\""),
            Rule::BatchCounts,
        ),
        ("person count", |x| once(x, "PartyCount=\"2\"", "PartyCount=\"3\""), Rule::BatchCounts),
        (
            "initial and backfiling",
            |x| {
                once(
                    x,
                    "<fc2:InitialReportIndicator>",
                    "<fc2:FinCENDirectBackFileIndicator>Y</fc2:FinCENDirectBackFileIndicator><fc2:InitialReportIndicator>",
                )
            },
            Rule::FilingType,
        ),
        (
            "transaction after filing",
            |x| once(x, "<fc2:TransactionDateText>20251107<", "<fc2:TransactionDateText>20251201<"),
            Rule::DateOrder,
        ),
        (
            "conductor without identification",
            |x| {
                once(
                    x,
                    "<fc2:PartyIdentificationTypeCode>5<",
                    "<fc2:PartyIdentificationTypeCode>9<",
                )
            },
            Rule::PartyContent,
        ),
        (
            "no person",
            |x| {
                x.replace("<fc2:ActivityPartyTypeCode>17<", "<fc2:ActivityPartyTypeCode>34<")
                    .replace("<fc2:ActivityPartyTypeCode>23<", "<fc2:ActivityPartyTypeCode>34<")
            },
            Rule::PartyRoles,
        ),
        (
            "date of birth after filing",
            |x| {
                once(
                    x,
                    "<fc2:IndividualBirthDateText>19761102<",
                    "<fc2:IndividualBirthDateText>20261102<",
                )
            },
            Rule::DateOrder,
        ),
        (
            "detail type",
            |x| {
                once(
                    x,
                    "<fc2:CurrencyTransactionActivityDetailTypeCode>55<",
                    "<fc2:CurrencyTransactionActivityDetailTypeCode>54<",
                )
            },
            Rule::Code,
        ),
    ];
    check(&validate_ctr, &ctr_base(), cases);
}

#[test]
fn goaml_xml_rules() {
    let cases: &[Case] = &[
        (
            "root",
            |x| x.replace("<report>", "<reports>").replace("</report>", "</reports>"),
            Rule::Root,
        ),
        ("namespace", |x| once(x, "<report>", "<report xmlns=\"urn:x\">"), Rule::Root),
        (
            "date-time",
            |x| once(x, "<submission_date>2026-03-16T10:30:00<", "<submission_date>2026-03-16<"),
            Rule::Format,
        ),
        (
            "amount decimals",
            |x| once(x, "<amount_local>371175.00<", "<amount_local>371175.001<"),
            Rule::Format,
        ),
        ("submission code", |x| once(x, "<submission_code>E<", "<submission_code>X<"), Rule::Code),
        ("report code", |x| once(x, "<report_code>STR<", "<report_code>XYZ<"), Rule::Code),
        (
            "currency",
            |x| once(x, "<currency_code_local>GTQ<", "<currency_code_local>quetzal<"),
            Rule::Code,
        ),
        ("country", |x| once(x, "<to_country>MX<", "<to_country>XX<"), Rule::Code),
        ("rentity id", |x| once(x, "<rentity_id>40217<", "<rentity_id>R-40217<"), Rule::Format),
        (
            "two from sides",
            |x| {
                once(
                    x,
                    "<t_to>",
                    "<t_from_my_client><from_funds_code>X</from_funds_code><from_country>GT</from_country></t_from_my_client><t_to>",
                )
            },
            Rule::TooMany,
        ),
        (
            "no indicators",
            |x| {
                once(x, "<indicator>FTO</indicator>", "")
                    .replace("<indicator>SANCTIONS</indicator>", "")
            },
            Rule::Missing,
        ),
        (
            "account before funds",
            |x| {
                once(
                    x,
                    "<to_funds_code>TRF</to_funds_code>\n      <to_foreign_currency>",
                    "<to_foreign_currency>",
                )
            },
            Rule::Missing,
        ),
        (
            "neither side is the client",
            |x| {
                // A conductor belongs to the client's side only: drop it too.
                let start = x.find("<t_conductor>").expect("conductor");
                let end = x.find("</t_conductor>").expect("conductor end") + "</t_conductor>".len();
                let x = format!("{}{}", &x[..start], &x[end..]);
                x.replace("t_from_my_client>", "t_from>")
            },
            Rule::MyClient,
        ),
        (
            "transaction numbers",
            |x| once(x, "TRF-2026-0312-01244", "TRF-2026-0302-00871"),
            Rule::TransactionNumber,
        ),
        (
            "dated after submission",
            |x| {
                once(
                    x,
                    "<date_transaction>2026-03-12T09:05:00<",
                    "<date_transaction>2026-03-17T09:05:00<",
                )
            },
            Rule::DateOrder,
        ),
        (
            "profile requires the reference",
            |x| once(x, "<entity_reference>CASE-2026-0117</entity_reference>", ""),
            Rule::ProfileRequired,
        ),
    ];
    let profile = GoamlProfile::default();
    check(&|xml| validate_goaml(xml, &profile), &goaml_base(), cases);
}

/// The rules checked on the input model (they need facts the XML does not
/// carry), each with a failing case.
#[test]
fn model_rules() {
    let refused = |result: vigia_filing::Result<String>, rule: Rule, name: &str| match result {
        Ok(_) => panic!("{name}: written, expected {rule}"),
        Err(error) => {
            assert!(
                rules(error.violations()).contains(&rule),
                "{name}: expected {rule}, got {error}"
            );
        }
    };

    let sar: SarFiling = load("sar-2313a-intercam.json");
    let mut f = sar.clone();
    f.activity.classifications[0].item = "36(x)".into();
    refused(write_sar(&f), Rule::Classification, "unknown box");
    let mut f = sar.clone();
    f.key_terms.push("A; B".into());
    refused(write_sar(&f), Rule::KeyTerms, "separator in a key term");
    let mut f = sar.clone();
    f.narrative.push('\u{1}');
    refused(write_sar(&f), Rule::Characters, "control character");
    let mut f = sar.clone();
    f.narrative = "x ".repeat(10_100);
    refused(write_sar(&f), Rule::TooMany, "narrative over 20,000 characters");
    let mut f = sar.clone();
    f.subjects.clear();
    refused(write_sar(&f), Rule::PartyRoles, "no subject");
    let mut f = sar;
    f.activity.amount_unknown = true;
    refused(write_sar(&f), Rule::Amount, "amount and unknown");

    let ctr: CtrFiling = load("ctr-aggregated-deposit.json");
    let mut f = ctr.clone();
    f.cash_in[0].amount = Money::from_units(10_000);
    refused(write_ctr(&f), Rule::CtrThreshold, "exactly $10,000 is not over the line");
    let mut f = ctr.clone();
    f.persons[0].party.identifications.retain(|id| id.kind != IdKind::DriversLicence);
    refused(write_ctr(&f), Rule::PartyContent, "conductor without identification");

    let gto: CtrFiling = load("ctr-gto-msb.json");
    let mut f = gto.clone();
    f.cash_in[0].amount = Money::from_units(999);
    refused(write_ctr(&f), Rule::GtoBand, "below the band");
    let mut f = gto.clone();
    f.cash_in[0].amount = Money::from_units(10_500);
    refused(write_ctr(&f), Rule::GtoBand, "above the band: an ordinary CTR");
    let mut f = gto.clone();
    f.filer.kind = vigia_filing::InstitutionKind::Depository;
    refused(write_ctr(&f), Rule::GtoBand, "not an MSB");
    let mut f = gto.clone();
    f.persons[0].party.identifications.retain(|id| id.kind.is_tin());
    refused(write_ctr(&f), Rule::GtoBand, "conductor not identified");
    let mut f = gto;
    if let Some(order) = &mut f.gto {
        order.floor = Money::from_units(2_500);
        order.floor_inclusive = false;
    }
    refused(write_ctr(&f), Rule::GtoBand, "an exclusive floor");

    let goaml: GoamlReport = load("goaml-str-fto.json");
    let profile = GoamlProfile::default();
    let mut r = goaml.clone();
    r.transactions[0].transmode_code = None;
    refused(write_goaml(&r, &profile), Rule::Missing, "no transaction mode and no profile code");
    let mut r = goaml.clone();
    r.transactions[0].to.conductor = r.transactions[0].from.conductor.clone();
    refused(write_goaml(&r, &profile), Rule::Unexpected, "a conductor on the counterparty side");
    let mut r = goaml;
    r.reporting_person = None;
    refused(write_goaml(&r, &profile), Rule::ProfileRequired, "no reporting person");
}

/// An FIU profile with its own lookup lists and required fields: codes
/// outside the lists and missing fields are reported; channel codes fill
/// what the report leaves out.
#[test]
fn goaml_fiu_profile() {
    let profile: GoamlProfile = serde_json::from_str(
        r#"{
            "name": "test-fiu",
            "schema_version": "5.0.1",
            "schema_location": "goAMLSchema.xsd",
            "required": ["report/action", "t_entity/incorporation_number"],
            "lookups": {"funds": ["K", "A"], "transmode": ["K", "W"], "indicator": ["0001", "0002"], "report_code": ["STR"]},
            "codes": {
                "male": "M", "female": "F", "contact_private": "1", "contact_business": "2",
                "communication_mobile": "M", "communication_landline": "L", "communication_fax": "F",
                "transmode_by_channel": {"wire": "W"}, "funds_by_channel": {"wire": "A"}
            }
        }"#,
    )
    .expect("profile JSON");
    let report: GoamlReport = load("goaml-str-fto.json");
    let error = write_goaml(&report, &profile).expect_err("codes outside the FIU's lists");
    let violations = error.violations();
    let found = |rule: Rule, path_part: &str| {
        violations.iter().any(|v| v.rule == rule && v.path.contains(path_part))
    };
    assert!(found(Rule::Code, "from_funds_code"), "{violations:#?}");
    assert!(found(Rule::Code, "transmode_code"), "{violations:#?}");
    assert!(found(Rule::Code, "indicator"), "{violations:#?}");
    assert!(found(Rule::ProfileRequired, "t_entity[1]/incorporation_number"), "{violations:#?}");
    insta::assert_yaml_snapshot!("goaml_fiu_profile_violations", violations);

    // The same report with the FIU's codes, taken from the channel.
    let mut fixed = report;
    fixed.indicators = vec!["0001".into()];
    for t in &mut fixed.transactions {
        t.transmode_code = None;
        t.channel = Some(vigia_model::Channel::Wire);
        t.from.funds_code = None;
        t.to.funds_code = None;
        for side in [&mut t.from, &mut t.to] {
            if let vigia_filing::Counterpart::Account(account) = &mut side.counterpart
                && let Some(holder) = &mut account.holder
            {
                holder.identifications.push(vigia_filing::Identification {
                    kind: IdKind::Registration,
                    number: "REG-1".into(),
                    country: None,
                    state: None,
                    description: None,
                });
            }
        }
    }
    let xml = ok(write_goaml(&fixed, &profile));
    assert!(xml.contains("<report xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:noNamespaceSchemaLocation=\"goAMLSchema.xsd\">"));
    assert!(xml.contains("<transmode_code>W</transmode_code>"));
    assert!(xml.contains("<to_funds_code>A</to_funds_code>"));
}

/// The violations of a badly broken SAR, as an analyst would see them.
#[test]
fn sar_violation_report() {
    let mut filing: SarFiling = load("sar-structuring.json");
    filing.transmitter.tcc = "PB-1".into();
    filing.filer.address.state = Some("Texas".into());
    filing.activity.to = Some("2025-08-01".parse().expect("date"));
    filing.activity.classifications.push(vigia_filing::Classification::item("38(z)"));
    let error = write_sar(&filing).expect_err("broken");
    insta::assert_yaml_snapshot!("sar_violation_report", error.violations());
}

/// Every rule has a unique id and a source, is documented in the filings
/// guide, and has a failing case in this file.
#[test]
fn every_rule_is_documented_and_tested() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let guide = std::fs::read_to_string(root.join("docs/guide/filings.md")).expect("guide");
    let tests = include_str!("rules.rs");
    let mut ids = Vec::new();
    for rule in Rule::ALL {
        let id = rule.id();
        assert!(!ids.contains(&id), "{id} twice");
        ids.push(id);
        assert!(!rule.source().is_empty());
        assert!(guide.contains(&format!("`{id}`")), "{id} is not in docs/guide/filings.md");
        let variant = format!("Rule::{rule:?}");
        assert!(tests.contains(&variant), "{variant} has no failing case");
    }
}
