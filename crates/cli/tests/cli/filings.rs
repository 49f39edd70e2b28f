//! `vigia file ...` end to end: alerts imported with their evidence, a
//! case worked and approved, then a FinCEN SAR, CTRs (A1 and a GTO A2) and
//! a goAML STR generated, validated and kept as reviewed snapshots; the
//! four-eyes rule and bad input on the way.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use crate::alerts::{NOW, fails_as, imported, json, ok, ok_as, run_as, stderr, write};

/// The bank's details (`filing.toml` in the data directory).
const BANK: &str = r#"
business_time_zone = "America/Chicago"

[transmitter]
name = "Banco Fronterizo National Bank"
tin = "74-1234567"
tcc = "PBFN0001"
contact_name = "Rosa Elena Villarreal"
address = { street = "1200 San Bernardo Ave", city = "Laredo", state = "TX", zip = "78040", country = "US" }
phone = { number = "(956) 555-0100" }

[filer]
name = "Banco Fronterizo National Bank"
tin = "74-1234567"
kind = "depository"
regulator = "occ"
id = { kind = "rssd", number = "3284910" }
address = { street = "1200 San Bernardo Ave", city = "Laredo", state = "TX", zip = "78040", country = "US" }
contact_office = { name = "BSA/AML Compliance Office", phone = { number = "956-555-0142", extension = "12" } }

[[branches]]
rssd = "4410022"
address = { street = "4502 McPherson Rd", city = "Laredo", state = "TX", zip = "78041-6302", country = "US" }

[goaml]
rentity_id = "40217"
rentity_branch = "Laredo main office"
currency_code_local = "USD"
reporting_person = { name = { type = "person", first = "Rosa Elena", last = "Villarreal" }, occupation = "BSA Officer", phones = [{ number = "956-555-0142", kind = "work" }] }
location = { street = "1200 San Bernardo Ave", city = "Laredo", state = "TX", zip = "78040", country = "US" }
indicators = { section_2313a = ["2313A"], structuring = ["STRUC"] }

[goaml.profile]
name = "test-fiu"
schema_version = "5.0.1"
required = ["report/action"]
lookups = { transmode = ["W", "K"], funds = ["A", "K"], indicator = ["2313A", "STRUC"], report_code = ["STR"] }

[goaml.profile.codes]
male = "M"
female = "F"
contact_private = "1"
contact_business = "2"
communication_mobile = "M"
communication_landline = "L"
communication_fax = "F"
transmode_by_channel = { wire = "W", cash = "K" }
funds_by_channel = { wire = "A", cash = "K" }
"#;

/// A money transmitter in San Diego, for the GTO CTR.
const MSB: &str = r#"
business_time_zone = "America/Los_Angeles"
gto_order = "FinCEN south-west border GTO (modified), effective 10 Sep 2025"

[transmitter]
name = "Envios La Frontera Inc"
tin = "33-9988776"
tcc = "PELF0420"
contact_name = "Hector Ibarra"
address = { street = "4390 Camino de la Plaza", city = "San Diego", state = "CA", zip = "92173", country = "US" }
phone = { number = "619-555-0150" }

[filer]
name = "Envios La Frontera Inc"
dba = "La Frontera Money Transfer"
tin = "33-9988776"
kind = "msb"
regulator = "irs"
address = { street = "4390 Camino de la Plaza", city = "San Diego", state = "CA", zip = "92173", country = "US" }
contact_office = { name = "Compliance Department", phone = { number = "619-555-0151" } }
"#;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

/// A case about `subject`'s queued alerts, reviewed by ana, asked to close
/// as filed and approved by sue.
fn approved_case(data: &Path, args: &[&str]) -> String {
    let mut create = vec!["cases", "create"];
    create.extend_from_slice(args);
    let id = ok(data, &create).trim().to_owned();
    ok(data, &["cases", "review", &id]);
    ok(data, &["cases", "close", &id, "-d", "filed", "--reason", "reportable"]);
    ok_as(data, "sue", "supervisor", &["cases", "approve", &id]);
    id
}

#[test]
fn sar_and_goaml_from_a_2313a_case() {
    let (dir, data) = imported();
    write(&data, "filing.toml", BANK);
    let id = ok(&data, &["cases", "create", "--subject", "5500218833"]).trim().to_owned();
    ok(&data, &["cases", "review", &id]);
    ok(
        &data,
        &[
            "cases",
            "edit",
            &id,
            "--narrative",
            "TLRB's owner stated that the payments were for diesel purchases and that he was not aware of the order. The volume is inconsistent with TLRB's stated monthly fuel costs of about $20,000.",
            "--action",
            "Outgoing international wires on the account are restricted; the relationship is under review.",
        ],
    );
    let beneficiary = write(
        dir.path(),
        "beneficiary.json",
        r#"{"name": {"type": "entity", "name": "Comercializadora Norteña de Insumos S.A. de C.V."},
            "addresses": [{"street": "Av. Constitución 405 Pte", "city": "Monterrey", "state": "NL", "zip": "64000", "country": "MX"}],
            "identifications": [{"kind": "foreign_tin", "number": "CNI180412AB3", "country": "MX", "description": "RFC"}],
            "role": "payee_receiver",
            "accounts": [{"number": "136580000012345678", "non_us": true}]}"#,
    );
    ok(
        &data,
        &[
            "cases",
            "subject",
            &id,
            "136580000012345678",
            "--details",
            beneficiary.to_str().unwrap(),
        ],
    );

    // A draft needs no approval and leaves the case as it is.
    let draft = dir.path().join("draft.xml");
    ok(&data, &["file", "sar", &id, "--draft", "-o", draft.to_str().unwrap()]);
    assert_eq!(json(&ok(&data, &["cases", "show", &id, "--json"]))["state"], "in_review");
    // The filing of record needs four eyes.
    fails_as(&data, "ana", "analyst", &["file", "sar", &id], "approved request to close as filed");
    ok(&data, &["cases", "close", &id, "-d", "filed"]);
    fails_as(&data, "ana", "analyst", &["file", "sar", &id], "approved request to close as filed");
    ok_as(&data, "sue", "supervisor", &["cases", "approve", &id]);
    let sar = dir.path().join("sar.xml");
    let output =
        run_as(&data, "ana", "analyst", &["file", "sar", &id, "-o", sar.to_str().unwrap()], None);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("the case is closed as filed"), "{}", stderr(&output));
    let xml = read(&sar);
    assert!(vigia_filing::validate_sar(&xml).is_empty());
    // The key term in field 2 and at the start of the narrative.
    assert!(xml.contains("<fc2:FilingInstitutionNotetoFinCEN>Intercam2313a FIN-2025</fc2:FilingInstitutionNotetoFinCEN>"), "{xml}");
    assert!(
        xml.contains("<fc2:NarrativeText>Intercam2313a FIN-2025\n\nTLRB's owner stated"),
        "{xml}"
    );
    assert_eq!(read(&draft), xml, "the draft and the filing of record are the same document");
    insta::assert_snapshot!("sar_2313a", xml);

    let case = json(&ok(&data, &["cases", "show", &id, "--json", "--history"]));
    assert_eq!(
        (case["state"].as_str(), case["disposition"].as_str()),
        (Some("closed"), Some("filed"))
    );
    let filings = case["filings"].as_array().unwrap();
    assert_eq!(filings.len(), 2);
    assert_eq!(
        (filings[0]["draft"].as_bool(), filings[1]["draft"].as_bool()),
        (Some(true), Some(false))
    );
    let last = case["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "case.file");
    assert!(last["details"].as_str().unwrap().contains("sar.xml"), "{last}");

    // A filed case is filed again only by a supervisor (a goAML report,
    // or a correction).
    fails_as(&data, "ana", "analyst", &["file", "goaml", &id], "cannot file a case that is closed");
    let goaml = dir.path().join("str.xml");
    ok_as(&data, "sue", "supervisor", &["file", "goaml", &id, "-o", goaml.to_str().unwrap()]);
    let xml = read(&goaml);
    let config: vigia_workflow::cases::filing::FilingConfig = toml::from_str(BANK).unwrap();
    let profile = config.goaml.unwrap().profile.unwrap();
    assert!(vigia_filing::validate_goaml(&xml, &profile).is_empty());
    assert!(xml.contains("<entity_reference>CASE-000001</entity_reference>"), "{xml}");
    insta::assert_snapshot!("goaml_2313a", xml);

    // A stored filing can be written out again, and that is recorded.
    let again = dir.path().join("again.xml");
    ok(&data, &["file", "get", &id, "--filing", "2", "-o", again.to_str().unwrap()]);
    assert_eq!(read(&again), read(&sar));
    let history =
        json(&ok(&data, &["cases", "show", &id, "--json", "--history"]))["history"].clone();
    assert_eq!(history.as_array().unwrap().last().unwrap()["action"], "case.export");
}

#[test]
fn ctr_from_an_a1_work_item() {
    let (dir, data) = imported();
    write(&data, "filing.toml", BANK);
    let id = approved_case(&data, &["--alert", "A1-3b1f0c2d4e5a6978"]);
    let ctr = dir.path().join("ctr.xml");
    ok(&data, &["file", "ctr", &id, "-o", ctr.to_str().unwrap()]);
    let xml = read(&ctr);
    assert!(vigia_filing::validate_ctr(&xml).is_empty());
    // Two deposits aggregated on one business day, by a third party.
    assert!(
        xml.contains("<fc2:TotalCashInReceiveAmountText>11101</fc2:TotalCashInReceiveAmountText>"),
        "{xml}"
    );
    assert!(xml.contains("<fc2:FormTypeCode>CTRX</fc2:FormTypeCode>"), "{xml}");
    insta::assert_snapshot!("ctr_a1", xml);
}

#[test]
fn gto_ctr_from_an_a2_work_item() {
    let (dir, data) = imported();
    let msb = write(dir.path(), "msb.toml", MSB);
    let id = approved_case(&data, &["--alert", "A2-0a1b2c3d4e5f6071"]);
    let ctr = dir.path().join("gto.xml");
    ok(
        &data,
        &["file", "ctr", &id, "--institution", msb.to_str().unwrap(), "-o", ctr.to_str().unwrap()],
    );
    let xml = read(&ctr);
    assert!(vigia_filing::validate_ctr(&xml).is_empty());
    insta::assert_snapshot!("ctr_a2_gto", xml);
    // The same work item under a bank is refused by the GTO rules: the
    // order binds MSBs only.
    write(&data, "filing.toml", BANK);
    let id2 = {
        ok_as(&data, "sue", "supervisor", &["cases", "reopen", &id]);
        id.clone()
    };
    let err = fails_as(&data, "sue", "supervisor", &["file", "ctr", &id2, "--draft"], "breaks");
    assert!(err.contains("[fincen.gto-band]"), "{err}");
    assert!(err.contains("no ctr was written or recorded"), "{err}");
}

#[test]
fn a_case_that_cannot_make_the_filing_says_why() {
    let (dir, data) = imported();
    // No institution details yet.
    let ctr_case =
        ok(&data, &["cases", "create", "--alert", "A1-3b1f0c2d4e5a6978"]).trim().to_owned();
    fails_as(
        &data,
        "ana",
        "analyst",
        &["file", "ctr", &ctr_case, "--draft"],
        "no institution details at",
    );
    write(&data, "filing.toml", BANK);
    fails_as(
        &data,
        "ana",
        "analyst",
        &["file", "sar", &ctr_case, "--draft"],
        "holds only CTR work items",
    );
    let fan_in =
        ok(&data, &["cases", "create", "--alert", "G2-00aa11bb22cc33dd"]).trim().to_owned();
    fails_as(
        &data,
        "ana",
        "analyst",
        &["file", "ctr", &fan_in, "--draft"],
        "holds no CTR work item",
    );
    fails_as(
        &data,
        "ana",
        "analyst",
        &["file", "goaml", &fan_in, "--draft"],
        "5 evidence transaction(s) are not in the store",
    );
    let bad = write(dir.path(), "bad.toml", "[filer]\nname = 3\n");
    fails_as(
        &data,
        "ana",
        "analyst",
        &["file", "sar", &fan_in, "--draft", "--institution", bad.to_str().unwrap()],
        "not institution details",
    );
    let no_goaml = write(dir.path(), "nogoaml.toml", MSB);
    fails_as(
        &data,
        "ana",
        "analyst",
        &["file", "goaml", &fan_in, "--draft", "--institution", no_goaml.to_str().unwrap()],
        "no [filing.goaml] section",
    );
    fails_as(
        &data,
        "ana",
        "analyst",
        &["file", "sar", &fan_in, "--continuing", "123"],
        "a BSA ID is 14 digits",
    );
    fails_as(
        &data,
        "ana",
        "analyst",
        &["file", "goaml", &fan_in, "--profile", "nope.json"],
        "reading nope.json",
    );
    fails_as(
        &data,
        "ana",
        "analyst",
        &["file", "sar", "CASE-000404", "--draft"],
        "no case CASE-000404",
    );
    fails_as(&data, "ana", "analyst", &["file", "get", &fan_in], "has no filing yet");
    // A filer the rules refuse: every violation is listed, nothing recorded.
    let broken = BANK.replace("tin = \"74-1234567\"\nkind", "tin = \"74-12\"\nkind");
    let broken = write(dir.path(), "broken.toml", &broken);
    let structuring =
        ok(&data, &["cases", "create", "--alert", "A3-feedbeef00112233"]).trim().to_owned();
    let err = fails_as(
        &data,
        "ana",
        "analyst",
        &["file", "sar", &structuring, "--draft", "--institution", broken.to_str().unwrap()],
        "breaks",
    );
    assert!(err.contains("[fincen.identification]"), "{err}");
    let case = json(&ok(&data, &["cases", "show", &structuring, "--json"]));
    assert!(case["filings"].as_array().unwrap().is_empty());
    // A structuring SAR from the same evidence is fine with the bank's
    // details.
    ok(&data, &["file", "sar", &structuring, "--draft"]);
    let _ = NOW;
}
