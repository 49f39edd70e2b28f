//! Realistic hand-made cases, one per filing the workflow produces; each
//! output is a reviewed snapshot.

use vigia_filing::{
    CtrFiling, GoamlProfile, GoamlReport, SarFiling, validate_ctr, validate_goaml, validate_sar,
    write_ctr, write_goaml, write_sar,
};

use crate::{load, ok};

fn sar(name: &str) -> String {
    let filing: SarFiling = load(name);
    let xml = ok(write_sar(&filing));
    assert_eq!(validate_sar(&xml), []);
    xml
}

fn ctr(name: &str) -> String {
    let filing: CtrFiling = load(name);
    let xml = ok(write_ctr(&filing));
    assert_eq!(validate_ctr(&xml), []);
    xml
}

#[test]
fn sar_section_2313a_transfers_to_intercam() {
    let xml = sar("sar-2313a-intercam.json");
    // Intercam's order has its own key term: not CIBanco's.
    assert_eq!(
        vigia_filing::advisory::section_2313a_term("Intercam Banco"),
        Some("Intercam2313a FIN-2025")
    );
    assert!(xml.contains(
        "<fc2:FilingInstitutionNotetoFinCEN>Intercam2313a FIN-2025</fc2:FilingInstitutionNotetoFinCEN>"
    ));
    assert!(xml.contains("<fc2:NarrativeText>Intercam2313a FIN-2025\n\n"));
    assert!(!xml.contains("CIBanco"));
    insta::assert_snapshot!(xml);
}

#[test]
fn sar_structuring_under_the_ctr_line() {
    let xml = sar("sar-structuring.json");
    assert!(!xml.contains("FilingInstitutionNotetoFinCEN"), "no key term, no field 2");
    insta::assert_snapshot!(xml);
}

#[test]
fn sar_funnel_account_continuing() {
    let xml = sar("sar-funnel.json");
    assert!(xml.contains(
        "<fc2:EFilingPriorDocumentNumber>31000219876543</fc2:EFilingPriorDocumentNumber>"
    ));
    assert!(xml.contains("<fc2:AllCriticalSubjectInformationUnavailableIndicator>Y"));
    insta::assert_snapshot!(xml);
}

#[test]
fn ctr_cash_deposits_aggregated_over_a_business_day() {
    let xml = ctr("ctr-aggregated-deposit.json");
    // $11,100.75 is filed as $11,101: whole dollars, rounded up.
    assert!(
        xml.contains("<fc2:TotalCashInReceiveAmountText>11101</fc2:TotalCashInReceiveAmountText>")
    );
    insta::assert_snapshot!(xml);
}

#[test]
fn ctr_under_the_south_west_border_gto() {
    let xml = ctr("ctr-gto-msb.json");
    insta::assert_snapshot!(xml);
}

#[test]
fn goaml_str_for_an_fto_designated_counterparty() {
    let report: GoamlReport = load("goaml-str-fto.json");
    let profile = GoamlProfile::default();
    let xml = ok(write_goaml(&report, &profile));
    assert_eq!(validate_goaml(&xml, &profile), []);
    insta::assert_snapshot!(xml);
}

/// The JSON input shape round-trips: what the model writes back is what it
/// reads (the CLI will read and echo these files).
#[test]
fn inputs_round_trip_through_json() {
    fn check<T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(
        name: &str,
    ) {
        let model: T = load(name);
        let json = serde_json::to_string_pretty(&model).expect("serialise");
        let back: T = serde_json::from_str(&json).expect("read back");
        assert_eq!(back, model, "{name}");
    }
    check::<SarFiling>("sar-2313a-intercam.json");
    check::<SarFiling>("sar-structuring.json");
    check::<SarFiling>("sar-funnel.json");
    check::<CtrFiling>("ctr-aggregated-deposit.json");
    check::<CtrFiling>("ctr-gto-msb.json");
    check::<GoamlReport>("goaml-str-fto.json");
    let profile = GoamlProfile::default();
    let json = serde_json::to_string(&profile).expect("serialise");
    assert_eq!(serde_json::from_str::<GoamlProfile>(&json).expect("read back"), profile);
}
