//! trade.gov Consolidated Screening List CSV.

// Helpers outside #[test] functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use vigia_model::{Entity, Severity};
use vigia_sources::{Collect, Error, Format, Parsed, parse_bytes};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/csl").join(name)
}

fn parse(text: &str) -> Result<(Collect, Parsed), Error> {
    let mut sink = Collect::default();
    let parsed = parse_bytes(Format::TradeGovCsl, "csl.csv", text.as_bytes(), &mut sink)?;
    Ok((sink, parsed))
}

fn fixture_parsed() -> (Collect, Parsed) {
    parse(&std::fs::read_to_string(fixture("csl.csv")).unwrap()).unwrap()
}

/// An entity as compact text: schema and id, then one line per property.
fn render(entity: &Entity) -> String {
    let mut out = format!("{} {}", entity.schema, entity.id);
    for (property, values) in &entity.properties {
        out.push_str(&format!("\n{property}: {}", values.join(" | ")));
    }
    out
}

const HEADER: &str = "source,entity_number,type,programs,name,title,addresses,federal_register_notice,\
start_date,end_date,standard_order,license_requirement,license_policy,call_sign,vessel_type,gross_tonnage,\
gross_registered_tonnage,vessel_flag,vessel_owner,remarks,source_list_url,alt_names,citizenships,\
dates_of_birth,nationalities,places_of_birth,source_information_url,ids";

/// Parses one CSL row given as `column=value` pairs and compares its party
/// with the expected rendering.
fn check(cells: &[(&str, &str)], expected: &str) {
    let columns: Vec<&str> = HEADER.split(',').collect();
    let row: Vec<String> = columns
        .iter()
        .map(|column| {
            let value = cells.iter().find(|(c, _)| c == column).map(|(_, v)| *v).unwrap_or("");
            format!("\"{}\"", value.replace('"', "\"\""))
        })
        .collect();
    let (sink, _) = parse(&format!("{HEADER}\n{}\n", row.join(","))).unwrap();
    let party = sink.entities.iter().find(|e| e.schema.is_matchable()).expect("a party");
    assert_eq!(render(party), expected.trim(), "{cells:?}");
}

const SDN: &str = "Specially Designated Nationals (SDN) - Treasury Department";
const EL: &str = "Entity List (EL) - Bureau of Industry and Security";

#[test]
fn fixture_snapshot() {
    let (sink, parsed) = fixture_parsed();
    insta::assert_yaml_snapshot!("csl_fixture_entities", sink.entities);
    insta::assert_yaml_snapshot!("csl_fixture_diagnostics", sink.diagnostics);
    assert_eq!(parsed.records, 17);
}

#[test]
fn fixture_counts_add_up() {
    let (sink, parsed) = fixture_parsed();
    let parties = sink.entities.iter().filter(|e| e.schema.is_matchable()).count() as u64;
    let sanctions = sink.entities.iter().filter(|e| e.schema.name() == "Sanction").count() as u64;
    let errors = sink.diagnostics.iter().filter(|d| d.severity == Severity::Error).count() as u64;
    // 18 rows: one without a name dropped, two of one party merged.
    assert_eq!((parties, sanctions, errors), (16, 16, 1));
    assert_eq!(parsed.records, parties + errors);
    let merged = sink.diagnostics.iter().filter(|d| d.message.contains("merged")).count();
    assert_eq!(merged, 1);
    // Every sanction points at a party that exists.
    for sanction in sink.entities.iter().filter(|e| e.schema.name() == "Sanction") {
        let target = sanction.first("entity").unwrap();
        assert!(sink.entities.iter().any(|e| e.id == target), "{target}");
    }
}

#[test]
fn rows() {
    check(
        &[
            ("source", SDN),
            ("entity_number", "36001"),
            ("type", "Individual"),
            ("programs", "SDNTK; SDGT"),
            ("name", "GUZMAN LOERA, Joaquin"),
            ("title", "Leader"),
            ("alt_names", "EL CHAPO; GUZMAN, Chapo"),
            ("dates_of_birth", "1954-04-04; 1957"),
            ("citizenships", "MX"),
            ("nationalities", "Mexico"),
            ("places_of_birth", "Badiraguato, Sinaloa"),
            ("addresses", "Culiacan, Sinaloa, MX; MX"),
            ("ids", "MX, GULJ540404HSLZRQ03, C.U.R.P.; 123456789, Passport"),
        ],
        "
Person us-csl-sdn-36001
address: Culiacan, Sinaloa, MX
alias: EL CHAPO | GUZMAN, Chapo
birthDate: 1954-04-04 | 1957
birthPlace: Badiraguato, Sinaloa
citizenship: mx
country: mx
idNumber: GULJ540404HSLZRQ03
name: GUZMAN LOERA, Joaquin
nationality: mx
passportNumber: 123456789
position: Leader
program: Specially Designated Nationals (SDN) | SDNTK | SDGT
topics: sanction",
    );
    // Entity rows are organisations, companies when the name has a legal form.
    check(
        &[
            ("source", SDN),
            ("entity_number", "8124"),
            ("type", "Entity"),
            ("name", "2904977 CANADA, INC."),
        ],
        "
Company us-csl-sdn-8124
name: 2904977 CANADA, INC.
program: Specially Designated Nationals (SDN)
topics: sanction",
    );
    check(
        &[
            ("source", SDN),
            ("entity_number", "23156"),
            ("type", "Vessel"),
            ("name", "7-28"),
            ("vessel_flag", "Democratic People's Republic of Korea"),
            ("call_sign", "HMYZ4"),
            ("ids", "IMO 8898831, Vessel Registration Identification; Panama, Former Vessel Flag"),
        ],
        "
Vessel us-csl-sdn-23156
callSign: HMYZ4
flag: kp
imoNumber: IMO8898831
name: 7-28
notes: Panama, Former Vessel Flag
program: Specially Designated Nationals (SDN)
topics: sanction",
    );
    // No type, no entity number: the kind comes from the name, the id from
    // the list and the name.
    check(
        &[
            ("source", EL),
            ("name", "Gunther Migeotte"),
            ("addresses", "H Evjes vei 8A, Gressvik, NO"),
        ],
        "
Person us-csl-el-1d16f574e5cc7064
address: H Evjes vei 8A, Gressvik, NO
country: no
name: Gunther Migeotte
program: Entity List (EL)
topics: export.control",
    );
    check(
        &[
            ("source", "ITAR Debarred (DTC) - State Department"),
            ("name", "A & C International Trade, Inc."),
        ],
        "
Company us-csl-dtc-880d027cf91c06e5
name: A & C International Trade, Inc.
program: ITAR Debarred (DTC)
topics: debarment",
    );
    // On a list of organisations a person-like name is not taken for a
    // person.
    check(
        &[
            ("source", "Nonproliferation Sanctions (ISN) - State Department"),
            ("programs", "INKSNA"),
            ("name", "GE Plan"),
        ],
        "
LegalEntity us-csl-isn-664a6c0e39b13e39
name: GE Plan
program: Nonproliferation Sanctions (ISN) | INKSNA
topics: sanction",
    );
    check(
        &[
            ("source", "Unverified List (UVL) - Bureau of Industry and Security"),
            ("name", "Guangdong University of Technology"),
        ],
        "
Organization us-csl-uvl-3813da5ab3586420
name: Guangdong University of Technology
program: Unverified List (UVL)
topics: export.risk",
    );
    // Identifiers by type; notices are notes, not identifiers.
    check(
        &[
            ("source", "Sectoral Sanctions Identifications List (SSI) - Treasury Department"),
            ("entity_number", "18748"),
            ("type", "Entity"),
            ("name", "ACTIVEBUSINESSCOLLECTION LIMITED LIABILITY COMPANY"),
            (
                "ids",
                "RU, 1137746390572, Registration ID; 7736000000, Tax ID No.; x@y.ru, Email Address; \
                 www.y.ru, Website; RKBZCHZZ, SWIFT/BIC; Subject to Directive 1, Executive Order 13662 \
                 Directive Determination -",
            ),
        ],
        "
Company us-csl-ssi-18748
email: x@y.ru
name: ACTIVEBUSINESSCOLLECTION LIMITED LIABILITY COMPANY
notes: Subject to Directive 1, Executive Order 13662 Directive Determination -
program: Sectoral Sanctions Identifications List (SSI)
registrationNumber: 1137746390572
swiftBic: RKBZCHZZ
taxNumber: 7736000000
topics: sanction
website: www.y.ru",
    );
}

#[test]
fn hash_ids_depend_on_list_and_name_only() {
    let row = |address: &str| {
        format!("{HEADER}\n\"{EL}\",,,,\"  32 Group  China Ltd. \",,\"{address}\"\n")
    };
    let id = |text: &str| parse(text).unwrap().0.entities[0].id.clone();
    let first = id(&row("Room 1905, Hong Kong, HK"));
    assert_eq!(first, id(&row("Room 1119, Kowloon, HK")));
    assert_eq!(first, id(&format!("{HEADER}\n\"{EL}\",,,,\"32 GROUP CHINA LTD.\"\n")));
    assert_ne!(first, id(&format!("{HEADER}\n\"{SDN}\",,,,\"32 Group China Ltd.\"\n")));
    assert!(first.starts_with("us-csl-el-"));
}

#[test]
fn rows_of_one_party_merge_even_apart() {
    let text = format!(
        "{HEADER}\n\"{EL}\",,,,Gunther Migeotte,,\"Titangata 1, Fredrikstad, NO\",75 FR 36516,2010-06-28\n\
         \"{EL}\",,,,Someone Else,,\"Oslo, NO\"\n\
         \"{EL}\",,,,GUNTHER  MIGEOTTE,,\"1 River Street, Cape Town, ZA\",75 FR 36516,2010-06-30\n"
    );
    let (sink, parsed) = parse(&text).unwrap();
    assert_eq!(parsed.records, 2);
    let party = &sink.entities[0];
    assert_eq!(
        party.get("address"),
        ["Titangata 1, Fredrikstad, NO", "1 River Street, Cape Town, ZA"]
    );
    assert_eq!(party.get("country"), ["no", "za"]);
    let sanction = &sink.entities[1];
    assert_eq!(sanction.get("startDate"), ["2010-06-28", "2010-06-30"]);
    assert_eq!(sink.diagnostics.len(), 1);
    assert!(
        sink.diagnostics[0].message.contains("same party as line 2"),
        "{}",
        sink.diagnostics[0]
    );
}

#[test]
fn sanctions_keep_the_listing() {
    let (sink, _) = fixture_parsed();
    let sanction = sink.entities.iter().find(|e| e.id == "us-csl-dpl-a08078f3ae632290-sanction");
    let sanction = sanction.unwrap_or_else(|| {
        panic!("{:#?}", sink.entities.iter().map(|e| &e.id).collect::<Vec<_>>())
    });
    assert_eq!(
        render(sanction),
        "Sanction us-csl-dpl-a08078f3ae632290-sanction
authority: Bureau of Industry and Security
endDate: 2033-01-01
entity: us-csl-dpl-a08078f3ae632290
program: Denied Persons List (DPL)
provisions: Standard denial order
startDate: 2023-01-01
summary: 88 F.R. 1000 1/2/2023"
    );
}

#[test]
fn header_problems_are_errors() {
    let err = parse("").unwrap_err().to_string();
    assert!(err.contains("csl.csv") && err.contains("no header row"), "{err}");
    let err = parse("source,entity_number,type\nx,1,Entity\n").unwrap_err().to_string();
    assert!(err.contains("`name` is missing"), "{err}");
}

#[test]
fn header_only_warns() {
    let (sink, parsed) = parse(&format!("{HEADER}\n")).unwrap();
    assert_eq!(parsed.records, 0);
    assert_eq!(sink.diagnostics.len(), 1);
    assert_eq!(sink.diagnostics[0].severity, Severity::Warning);
}

#[test]
fn detected() {
    let check = |head: &str, expected: Option<Format>| {
        assert_eq!(vigia_sources::detect(head), expected, "{head}")
    };
    check(&format!("{HEADER}\n"), Some(Format::TradeGovCsl));
    check(&format!("_id,{HEADER}\n"), Some(Format::TradeGovCsl));
    check(&format!("\u{feff}{HEADER}\n"), Some(Format::TradeGovCsl));
    check("source,name\nx,y\n", Some(Format::GenericCsv));
}
