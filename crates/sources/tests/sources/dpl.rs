//! BIS Denied Persons List (tab-separated).

// Helpers outside #[test] functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use vigia_model::{Entity, Severity};
use vigia_sources::{Collect, Error, Format, Parsed, parse_bytes};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dpl").join(name)
}

fn parse(text: &str) -> Result<(Collect, Parsed), Error> {
    let mut sink = Collect::default();
    let parsed = parse_bytes(Format::BisDpl, "dpl.txt", text.as_bytes(), &mut sink)?;
    Ok((sink, parsed))
}

fn fixture_parsed() -> (Collect, Parsed) {
    parse(&std::fs::read_to_string(fixture("dpl.txt")).unwrap()).unwrap()
}

const HEADER: &str = "\"Name\"\t\"Street_Address\"\t\"City\"\t\"State\"\t\"Country\"\t\"Postal_Code\"\t\
\"Effective_Date\"\t\"Expiration_Date\"\t\"Standard_Order\"\t\"Last_Update\"\t\"Action\"\t\"FR_Citation\"";

/// A party's schema and names: `Schema name [alias | alias] (title)`.
fn summary(entity: &Entity) -> String {
    let mut out = format!("{} {}", entity.schema, entity.get("name").join(" | "));
    let aliases: Vec<&String> = entity.get("alias").iter().chain(entity.get("weakAlias")).collect();
    if !aliases.is_empty() {
        out.push_str(&format!(
            " [{}]",
            aliases.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(" | ")
        ));
    }
    if let Some(title) = entity.first("title") {
        out.push_str(&format!(" ({title})"));
    }
    out
}

/// One DPL name cell → the party it becomes.
fn check(name: &str, expected: &str) {
    let (sink, _) =
        parse(&format!("{HEADER}\n\"{}\"\t\"\"\t\"\"\t\"\"\t\"\"\n", name.replace('"', "\"\"")))
            .unwrap();
    let party = sink.entities.iter().find(|e| e.schema.is_matchable()).expect("a party");
    assert_eq!(summary(party), expected, "{name}");
}

#[test]
fn fixture_snapshot() {
    let (sink, parsed) = fixture_parsed();
    insta::assert_yaml_snapshot!("dpl_fixture_entities", sink.entities);
    insta::assert_yaml_snapshot!("dpl_fixture_diagnostics", sink.diagnostics);
    // 13 rows: one without a name, two pairs of rows of one party.
    assert_eq!(parsed.records, 11);
    let parties = sink.entities.iter().filter(|e| e.schema.is_matchable()).count() as u64;
    let errors = sink.diagnostics.iter().filter(|d| d.severity == Severity::Error).count() as u64;
    assert_eq!((parties, errors), (10, 1));
}

#[test]
fn names() {
    check("AARON ROBERT HENDERSON", "Person AARON ROBERT HENDERSON");
    check("ROBERT J. SHUBERT, SR.", "Person ROBERT J. SHUBERT, SR.");
    check("FUYI SUN A/K/A FRANK SUN", "Person FUYI SUN [FRANK SUN]");
    check("PEARL (A.K.A. NEI-CHIEN CHU) LI", "Person PEARL LI [NEI-CHIEN CHU]");
    check("(SEAN) NAGHIBI", "Person SEAN NAGHIBI");
    check("AFSHIN (SEAN) NAGHIBI", "Person AFSHIN NAGHIBI [SEAN NAGHIBI]");
    check("IHSAN MEDHAT \"SAMMY\" ELASHI", "Person IHSAN MEDHAT ELASHI [SAMMY]");
    check("COLONEL ELYAZGI", "Person COLONEL ELYAZGI (COLONEL)");
    check("PROFESSOR MOJTABA ATARODI", "Person MOJTABA ATARODI (PROFESSOR)");
    check("SHAHI", "LegalEntity SHAHI");
    check("TECHONWEB", "LegalEntity TECHONWEB");
    check("CHEAPSHOP4YOU LLC", "Company CHEAPSHOP4YOU LLC");
    check("COTRICOM S.A.", "Company COTRICOM S.A.");
    check("ELMONT AG", "Company ELMONT AG");
    check("PARTO ABGARDAN COOLING TOWERS CO.", "Company PARTO ABGARDAN COOLING TOWERS CO.");
    check(
        "C.I.C. ELECTRONICS (HK) LIMITED",
        "Company C.I.C. ELECTRONICS LIMITED [C.I.C. ELECTRONICS (HK) LIMITED]",
    );
    check("AL NASER WINGS AIRLINES", "Organization AL NASER WINGS AIRLINES");
    check("ADT ANALOG AND DIGITAL TECHNIK", "Organization ADT ANALOG AND DIGITAL TECHNIK");
    check("P&P COMPUTERS", "Organization P&P COMPUTERS");
    check(
        "ASMAT (APPLIED SYSTEMS METHODS AND TECHNOLOGY)",
        "Organization ASMAT [ASMAT (APPLIED SYSTEMS METHODS AND TECHNOLOGY)]",
    );
    check(
        "SOCCER ZONE (MNC GROUP INTERNATIONAL, INC.)",
        "Organization SOCCER ZONE [SOCCER ZONE (MNC GROUP INTERNATIONAL, INC.)]",
    );
}

#[test]
fn rows_of_one_name_are_one_party() {
    let (sink, _) = fixture_parsed();
    let jane: Vec<&Entity> =
        sink.entities.iter().filter(|e| e.get("name") == ["JANE DOE"]).collect();
    assert_eq!(jane.len(), 1, "\" JANE DOE\" and \"JANE DOE\" are one party");
    assert_eq!(
        jane[0].get("address"),
        ["1 ELM STREET, SPRINGFIELD, IL, 62701, US", "2 OAK AVENUE, SPRINGFIELD, IL, 62702, US"]
    );
    let merged: Vec<String> = sink
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("merged"))
        .map(|d| d.to_string())
        .collect();
    assert_eq!(merged.len(), 2, "{merged:#?}");
}

#[test]
fn denial_orders_are_sanctions() {
    let (sink, _) = fixture_parsed();
    let party = sink.entities.iter().find(|e| e.get("name") == ["FUYI SUN"]).unwrap();
    let sanction =
        sink.entities.iter().find(|e| e.first("entity") == Some(party.id.as_str())).unwrap();
    assert_eq!(sanction.get("startDate"), ["2017-03-31"]);
    assert_eq!(sanction.get("endDate"), ["2026-06-13"]);
    assert_eq!(sanction.get("modifiedAt"), ["2017-04-06"]);
    assert_eq!(sanction.get("summary"), ["82 F.R. 16788 4/6/2017"]);
    assert_eq!(sanction.get("provisions"), ["Standard denial order"]);
    // A US state without a country is in the United States.
    assert_eq!(party.get("country"), ["us"]);
    assert_eq!(party.get("topics"), ["export.control"]);
    assert!(party.id.starts_with("us-bis-dpl-"));
}

#[test]
fn ids_are_stable() {
    let one = |address: &str| {
        let (sink, _) = parse(&format!("{HEADER}\n\"MITA  ZADEH\"\t\"{address}\"\n")).unwrap();
        sink.entities[0].id.clone()
    };
    assert_eq!(one("1 A STREET"), one("2 B STREET"));
    assert_eq!(one("1 A STREET"), "us-bis-dpl-a2da8a5e78db2742");
}

#[test]
fn comma_separated_and_bad_headers() {
    let (sink, parsed) =
        parse("Name,Street_Address,City,Effective_Date\nJOHN DOE,1 MAIN ST,TOWN,01/02/2003\n")
            .unwrap();
    assert_eq!(parsed.records, 1);
    assert_eq!(sink.entities[1].get("startDate"), ["2003-01-02"]);
    let err = parse("").unwrap_err().to_string();
    assert!(err.contains("dpl.txt") && err.contains("empty"), "{err}");
    let err = parse("Street_Address\tCity\n1 MAIN ST\tTOWN\n").unwrap_err().to_string();
    assert!(err.contains("`Name` is missing"), "{err}");
}

#[test]
fn detected() {
    assert_eq!(vigia_sources::detect(&format!("{HEADER}\n")), Some(Format::BisDpl));
    assert_eq!(
        vigia_sources::detect("Name\tStreet_Address\tEffective_Date\n"),
        Some(Format::BisDpl)
    );
}
