//! Every scenario of the built-in pack on hand-made positive and negative
//! cases, through one `check(scenario, profiles, transactions, expected)`
//! helper; and the load errors a scenario author sees.

use vigia_model::{Alert, AlertKind, Channel, Party, Place, Transaction};
use vigia_monitor::{
    AccountProfile, Monitor, MonitorOptions, Pack, PackBuilder, PartyQuery, PartyScreener,
    ScreeningHit,
};

/// A transaction under construction.
#[derive(Clone)]
struct T(Transaction);

fn ms(time: &str) -> i64 {
    let time = if time.len() == 10 { format!("{time}T12:00:00Z") } else { time.to_string() };
    time.parse::<jiff::Timestamp>().unwrap().as_millisecond()
}

fn tx(id: &str, time: &str, amount: f64, channel: Channel, from: &str, to: &str) -> T {
    T(Transaction {
        id: id.into(),
        timestamp: ms(time),
        amount,
        currency: "USD".into(),
        channel,
        originator: Party { account: from.into(), ..Party::default() },
        beneficiary: Party { account: to.into(), ..Party::default() },
        place: None,
        conductor: None,
        text: None,
        intermediaries: Vec::new(),
    })
}

impl T {
    fn place(mut self, id: &str, zip: &str, county: &str, state: &str) -> T {
        let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
        self.0.place = Some(Place {
            id: some(id),
            kind: None,
            zip: some(zip),
            county: some(county),
            state: some(state),
            country: Some("us".into()),
        });
        self
    }
    fn conductor(mut self, who: &str) -> T {
        self.0.conductor = Some(who.into());
        self
    }
    fn customer(mut self, originator: Option<&str>, beneficiary: Option<&str>) -> T {
        self.0.originator.customer = originator.map(String::from);
        self.0.beneficiary.customer = beneficiary.map(String::from);
        self
    }
    fn countries(mut self, originator: &str, beneficiary: &str) -> T {
        self.0.originator.country = Some(originator.into());
        self.0.beneficiary.country = Some(beneficiary.into());
        self
    }
    fn states(mut self, originator: &str, beneficiary: &str) -> T {
        let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
        self.0.originator.state = some(originator);
        self.0.beneficiary.state = some(beneficiary);
        self
    }
    fn names(mut self, originator: &str, beneficiary: &str) -> T {
        let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
        self.0.originator.name = some(originator);
        self.0.beneficiary.name = some(beneficiary);
        self
    }
    fn institution(mut self, beneficiary: &str) -> T {
        self.0.beneficiary.institution = Some(beneficiary.into());
        self
    }
    fn intermediary(mut self, name: &str) -> T {
        self.0.intermediaries.push(name.into());
        self
    }
    fn phone(mut self, phone: &str) -> T {
        self.0.originator.phone = Some(phone.into());
        self
    }
}

fn profile(account: &str, kind: &str, home_state: &str, flags: &[&str]) -> AccountProfile {
    AccountProfile {
        account: account.into(),
        kind: if kind == "business" {
            vigia_monitor::CustomerKind::Business
        } else {
            vigia_monitor::CustomerKind::Individual
        },
        home_state: (!home_state.is_empty()).then(|| home_state.to_string()),
        flags: flags.iter().map(|f| f.to_string()).collect(),
        ..AccountProfile::default()
    }
}

struct Screener;

impl PartyScreener for Screener {
    fn screen(&self, query: &PartyQuery<'_>) -> Option<ScreeningHit> {
        query.name.to_lowercase().contains("guzman loera").then(|| ScreeningHit {
            entity_id: "NK-guzman".into(),
            caption: "Joaquin Archivaldo GUZMAN LOERA".into(),
            score: 0.97,
            topics: vec!["sanction".into()],
            datasets: vec!["us_ofac_sdn".into()],
        })
    }
}

fn run(pack: Pack, scenario: &str, profiles: &[AccountProfile], transactions: &[T]) -> Vec<Alert> {
    assert!(pack.scenario(scenario).is_some(), "no scenario {scenario}");
    let options = MonitorOptions { only: vec![scenario.to_string()], ..MonitorOptions::default() };
    let mut monitor = Monitor::new(pack, options);
    monitor.add_profiles(profiles);
    monitor.set_screener(Box::new(Screener));
    let mut alerts = Vec::new();
    for t in transactions {
        monitor.process(&t.0, &mut alerts).unwrap();
    }
    alerts
}

/// Runs one scenario of the built-in pack and compares (subject, evidence
/// transaction ids) of every alert it raises.
#[track_caller]
fn check(
    scenario: &str,
    profiles: &[AccountProfile],
    transactions: &[T],
    expected: &[(&str, &[&str])],
) {
    check_pack(Pack::builtin().unwrap(), scenario, profiles, transactions, expected);
}

#[track_caller]
fn check_pack(
    pack: Pack,
    scenario: &str,
    profiles: &[AccountProfile],
    transactions: &[T],
    expected: &[(&str, &[&str])],
) {
    let alerts = run(pack, scenario, profiles, transactions);
    let got: Vec<(String, Vec<String>)> =
        alerts.iter().map(|a| (a.subjects[0].clone(), a.transactions.clone())).collect();
    let want: Vec<(String, Vec<String>)> = expected
        .iter()
        .map(|(s, t)| (s.to_string(), t.iter().map(|x| x.to_string()).collect()))
        .collect();
    assert_eq!(
        got,
        want,
        "{scenario}: alerts {:#?}",
        alerts.iter().map(|a| &a.explanation).collect::<Vec<_>>()
    );
    for a in &alerts {
        assert_eq!(a.scenario, scenario);
        assert!(!a.explanation.contains('{'), "unrendered placeholder: {}", a.explanation);
    }
}

#[test]
fn a1_ctr_candidate() {
    let deposit = |id: &str, time: &str, amount: f64| {
        tx(id, time, amount, Channel::Cash, "", "ACC1").customer(None, Some("C1"))
    };
    // Two deposits the same business day: one work item, all evidence.
    check(
        "A1",
        &[],
        &[
            deposit("t1", "2025-07-01T14:00:00Z", 6_000.0),
            deposit("t2", "2025-07-01T20:00:00Z", 5_000.0),
        ],
        &[("C1", &["t1", "t2"])],
    );
    // Across midnight Eastern: two business days, nothing to file.
    check(
        "A1",
        &[],
        &[
            deposit("t1", "2025-07-01T14:00:00Z", 6_000.0),
            deposit("t2", "2025-07-02T05:00:00Z", 5_000.0),
        ],
        &[],
    );
    // Exactly $10,000 is not over the threshold.
    check(
        "A1",
        &[],
        &[
            deposit("t1", "2025-07-01T14:00:00Z", 6_000.0),
            deposit("t2", "2025-07-01T15:00:00Z", 4_000.0),
        ],
        &[],
    );
    // A wire is not cash.
    check("A1", &[], &[tx("t1", "2025-07-01", 20_000.0, Channel::Wire, "X", "ACC1")], &[]);
    // Two accounts of one customer aggregate together; one work item a day.
    check(
        "A1",
        &[],
        &[
            deposit("t1", "2025-07-01T13:00:00Z", 4_000.0),
            tx("t2", "2025-07-01T14:00:00Z", 7_000.0, Channel::Cash, "", "ACC2")
                .customer(None, Some("C1")),
            deposit("t3", "2025-07-01T15:00:00Z", 9_000.0),
        ],
        &[("C1", &["t1", "t2"])],
    );
    let alerts = run(Pack::builtin().unwrap(), "A1", &[], &[deposit("t1", "2025-07-01", 10_500.0)]);
    assert_eq!(alerts[0].kind, AlertKind::CtrWorkItem);
}

#[test]
fn a2_gto_ctr_candidate() {
    let cash = |id: &str, day: &str, amount: f64| {
        tx(id, day, amount, Channel::Cash, "", "MSB1")
            .conductor("P1")
            .place("AG1", "79901", "El Paso", "TX")
    };
    check("A2", &[], &[cash("t1", "2025-05-01", 500.0)], &[("P1", &["t1"])]);
    check("A2", &[], &[cash("t1", "2025-05-01", 200.0)], &[]);
    // Before the order took effect.
    check("A2", &[], &[cash("t1", "2025-04-10", 500.0)], &[]);
    // After 10 Sep 2025 the band starts at $1,000.
    check(
        "A2",
        &[],
        &[cash("t1", "2025-10-01", 500.0), cash("t2", "2025-10-01", 1_000.0)],
        &[("P1", &["t2"])],
    );
    // Above $10,000 the ordinary CTR applies, not the order.
    check("A2", &[], &[cash("t1", "2025-10-01", 12_000.0)], &[]);
    // Outside the area.
    let ny = tx("t1", "2025-05-01", 500.0, Channel::Cash, "", "MSB1")
        .conductor("P1")
        .place("AG9", "10001", "New York", "NY");
    check("A2", &[], &[ny], &[]);
}

#[test]
fn a3_classic_structuring() {
    let dep = |id: &str, day: &str, amount: f64| tx(id, day, amount, Channel::Cash, "", "ACC1");
    check(
        "A3",
        &[],
        &[dep("t1", "2025-07-01", 9_000.0), dep("t2", "2025-07-02", 9_500.0)],
        &[("ACC1", &["t1", "t2"])],
    );
    check("A3", &[], &[dep("t1", "2025-07-01", 9_000.0), dep("t2", "2025-07-12", 9_000.0)], &[]);
    check(
        "A3",
        &[],
        &[
            dep("t1", "2025-07-01", 4_000.0),
            dep("t2", "2025-07-03", 4_000.0),
            dep("t3", "2025-07-06", 4_000.0),
        ],
        &[("ACC1", &["t1", "t2", "t3"])],
    );
    check("A3", &[], &[dep("t1", "2025-07-01", 4_000.0), dep("t2", "2025-07-03", 4_000.0)], &[]);
    // Withdrawals structure too, counted apart from deposits.
    let wd = |id: &str, day: &str, amount: f64| tx(id, day, amount, Channel::Cash, "ACC1", "");
    check(
        "A3",
        &[],
        &[wd("t1", "2025-07-01", 8_500.0), wd("t2", "2025-07-01", 9_900.0)],
        &[("ACC1", &["t1", "t2"])],
    );
    check("A3", &[], &[dep("t1", "2025-07-01", 9_000.0), wd("t2", "2025-07-01", 9_000.0)], &[]);
    // The alert stays open: a third deposit the next day does not re-alert.
    check(
        "A3",
        &[],
        &[
            dep("t1", "2025-07-01", 9_000.0),
            dep("t2", "2025-07-02", 9_500.0),
            dep("t3", "2025-07-03", 9_100.0),
        ],
        &[("ACC1", &["t1", "t2"])],
    );
}

#[test]
fn a3_documented_cash_intensive_business() {
    let shop = [profile("SHOP", "business", "TX", &["cash_intensive"])];
    let dep = |id: String, day: u32, amount: f64| {
        tx(&id, &format!("2025-06-{day:02}"), amount, Channel::Cash, "", "SHOP")
    };
    // Daily takings of $1,500: over $10,000 a week in deposits under the
    // threshold, which is a cash business's ordinary week.
    let usual: Vec<T> = (1..=28).map(|d| dep(format!("u{d}"), d, 1_500.0)).collect();
    check("A3", &shop, &usual, &[]);
    // The same account without the documented profile alerts.
    assert!(!run(Pack::builtin().unwrap(), "A3", &[], &usual).is_empty());
    // Near-threshold deposits still alert.
    let mut near = usual.clone();
    near.push(dep("n1".into(), 29, 9_000.0));
    near.push(dep("n2".into(), 30, 9_500.0));
    let alerts = run(Pack::builtin().unwrap(), "A3", &shop, &near);
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    assert!(alerts[0].transactions.contains(&"n2".to_string()));
    // Deposits of a week at more than twice its usual week (14 times its
    // daily average, which the deposits themselves raise) alert: on the
    // 29th, $29,700 in the week against 14 × $1,957.
    let mut spike = usual[..26].to_vec();
    for d in 27..=30 {
        spike.push(dep(format!("s{d}"), d, 7_900.0));
    }
    let alerts = run(Pack::builtin().unwrap(), "A3", &shop, &spike);
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    assert!(alerts[0].transactions.contains(&"s27".to_string()));
    assert!(alerts[0].transactions.contains(&"s29".to_string()));
}

#[test]
fn a4_gto_threshold_evasion() {
    let cash = |id: &str, time: &str, amount: f64, place: &str| {
        tx(id, time, amount, Channel::Cash, "", "MSB1")
            .conductor("P1")
            .place(place, "", "48141", "TX")
    };
    check(
        "A4",
        &[],
        &[
            cash("t1", "2025-10-01T10:00:00Z", 900.0, "AG1"),
            cash("t2", "2025-10-01T15:00:00Z", 950.0, "AG1"),
        ],
        &[("P1", &["t1", "t2"])],
    );
    check(
        "A4",
        &[],
        &[
            cash("t1", "2025-10-01T10:00:00Z", 500.0, "AG1"),
            cash("t2", "2025-10-03T15:00:00Z", 600.0, "AG1"),
        ],
        &[],
    );
    check(
        "A4",
        &[],
        &[
            cash("t1", "2025-10-01T10:00:00Z", 300.0, "AG1"),
            cash("t2", "2025-10-01T15:00:00Z", 400.0, "AG2"),
        ],
        &[("P1", &["t1", "t2"])],
    );
}

#[test]
fn a5_multi_location_structuring() {
    let dep = |id: &str, hour: u32, amount: f64, place: &str, who: &str| {
        tx(id, &format!("2025-07-01T{hour:02}:00:00Z"), amount, Channel::Cash, "", "ACC7")
            .place(place, "", "", "TX")
            .conductor(who)
    };
    check(
        "A5",
        &[],
        &[
            dep("t1", 9, 8_000.0, "BR1", "P1"),
            dep("t2", 11, 9_900.0, "BR2", "P1"),
            dep("t3", 13, 9_500.0, "BR3", "P1"),
            dep("t4", 15, 8_800.0, "BR4", "P1"),
        ],
        &[("ACC7", &["t1", "t2", "t3"])],
    );
    // One branch, one depositor: not this pattern.
    check(
        "A5",
        &[],
        &[
            dep("t1", 9, 8_000.0, "BR1", "P1"),
            dep("t2", 11, 9_900.0, "BR1", "P1"),
            dep("t3", 13, 9_500.0, "BR1", "P1"),
        ],
        &[],
    );
    // Three depositors at one branch.
    check(
        "A5",
        &[],
        &[
            dep("t1", 9, 3_000.0, "BR1", "P1"),
            dep("t2", 11, 3_000.0, "BR1", "P2"),
            dep("t3", 13, 3_000.0, "BR1", "P3"),
        ],
        &[("ACC7", &["t1", "t2", "t3"])],
    );
    let alerts = run(
        Pack::builtin().unwrap(),
        "A5",
        &[],
        &[
            dep("t1", 9, 8_000.0, "BR1", "P1"),
            dep("t2", 11, 9_900.0, "BR2", "P1"),
            dep("t3", 13, 9_500.0, "BR3", "P1"),
            dep("t4", 14, 8_800.0, "BR4", "P1"),
        ],
    );
    assert_eq!(
        alerts[0].explanation,
        "Account ACC7 received 3 cash deposits totalling $27,400 in 1d at 3 branches from 1 depositors, each between $8,000 and $9,900 (threshold $10,000)."
    );
}

#[test]
fn b1_armored_car_then_outflow() {
    let profiles = [
        profile("BIZ", "business", "TX", &["mx_affiliate"]),
        profile("ACS1", "business", "TX", &["armored_car"]),
    ];
    let credit = tx("t1", "2025-07-01", 60_000.0, Channel::Cash, "ACS1", "BIZ");
    let wire =
        tx("t2", "2025-07-03", 45_000.0, Channel::Wire, "BIZ", "MX-SUPPLIER").countries("us", "mx");
    check("B1", &profiles, &[credit.clone(), wire], &[("BIZ", &["t1", "t2"])]);
    let small = tx("t2", "2025-07-03", 20_000.0, Channel::Wire, "BIZ", "MX-SUPPLIER");
    check("B1", &profiles, &[credit.clone(), small], &[]);
    // Without the Mexico flag the customer is out of scope.
    let plain = [
        profile("BIZ", "business", "TX", &[]),
        profile("ACS1", "business", "TX", &["armored_car"]),
    ];
    check(
        "B1",
        &plain,
        &[credit, tx("t2", "2025-07-03", 45_000.0, Channel::Wire, "BIZ", "MX")],
        &[],
    );
}

#[test]
fn b2_border_msb_cash_to_mexico() {
    let send = |id: &str, hour: u32, to: &str, country: &str| {
        tx(id, &format!("2025-07-01T{hour:02}:00:00Z"), 4_000.0, Channel::Remittance, "S", to)
            .countries("us", country)
            .place("AG1", "", "", "TX")
    };
    check(
        "B2",
        &[],
        &[send("t1", 9, "B1", "mx"), send("t2", 10, "B2", "mx"), send("t3", 11, "B3", "mx")],
        &[("AG1", &["t1", "t2", "t3"])],
    );
    check(
        "B2",
        &[],
        &[send("t1", 9, "B1", "gt"), send("t2", 10, "B2", "gt"), send("t3", 11, "B3", "gt")],
        &[],
    );
}

#[test]
fn b3_casa_de_cambio_correspondent() {
    let profiles = [profile("CDC", "business", "", &["casa_de_cambio"])];
    let mut txs: Vec<T> = (1..=20)
        .map(|d| {
            tx(&format!("d{d}"), &format!("2025-06-{d:02}"), 10_000.0, Channel::Wire, "X", "CDC")
        })
        .collect();
    txs.push(tx("spike", "2025-06-21", 90_000.0, Channel::Wire, "Y", "CDC"));
    let alerts = run(Pack::builtin().unwrap(), "B3", &profiles, &txs);
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    assert_eq!(alerts[0].transactions, vec!["spike"]);
    let steady: Vec<T> = (1..=25)
        .map(|d| {
            tx(&format!("d{d}"), &format!("2025-06-{d:02}"), 60_000.0, Channel::Wire, "X", "CDC")
        })
        .collect();
    check("B3", &profiles, &steady, &[("CDC", &["d1"])]);
}

#[test]
fn c1_interstate_funnel() {
    let profiles = [profile("FUN", "individual", "IL", &[])];
    let dep = |id: &str, day: u32, state: &str, who: &str| {
        tx(id, &format!("2025-07-{day:02}"), 3_000.0, Channel::Cash, "", "FUN")
            .place(&format!("BR-{state}"), "", "", state)
            .conductor(who)
            .names("", "Ana Holder")
    };
    let mut txs = vec![dep("t1", 1, "TX", "D1"), dep("t2", 2, "AZ", "D2")];
    txs.push(
        tx("w1", "2025-07-03T10:00:00Z", 6_000.0, Channel::Wire, "FUN", "MX-BANK")
            .countries("us", "mx"),
    );
    txs.extend([dep("t3", 3, "CA", "D3"), dep("t4", 4, "NM", "D4"), dep("t5", 5, "FL", "D5")]);
    txs.push(
        tx("w2", "2025-07-06", 8_000.0, Channel::Wire, "FUN", "MX-BANK").countries("us", "mx"),
    );
    let alerts = run(Pack::builtin().unwrap(), "C1", &profiles, &txs);
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    assert_eq!(alerts[0].transactions.len(), 7);
    // Deposits by the holder herself are not third-party deposits.
    let own: Vec<T> = txs
        .iter()
        .cloned()
        .map(|mut t| {
            t.0.conductor = Some("Ana Holder".into());
            t
        })
        .collect();
    check("C1", &profiles, &own, &[]);
    // Money that stays is not a funnel.
    let stays: Vec<T> = txs.iter().filter(|t| t.0.channel == Channel::Cash).cloned().collect();
    check("C1", &profiles, &stays, &[]);
}

#[test]
fn c2_many_to_one_near_border() {
    let pay = |i: usize| {
        let state = ["CA", "NY", "IL"][i % 3];
        tx(
            &format!("t{i}"),
            &format!("2025-07-{:02}", i + 1),
            500.0,
            Channel::Wire,
            &format!("S{i}"),
            "BEN",
        )
        .states(state, "TX")
    };
    let ten: Vec<T> = (0..10).map(pay).collect();
    let alerts = run(Pack::builtin().unwrap(), "C2", &[], &ten);
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].subjects, vec!["BEN"]);
    check("C2", &[], &ten[..9], &[]);
}

#[test]
fn c3_pass_through() {
    check(
        "C3",
        &[],
        &[
            tx("in", "2025-07-01T10:00:00Z", 6_000.0, Channel::Wire, "X", "MULE"),
            tx("out", "2025-07-01T11:00:00Z", 5_900.0, Channel::Wire, "MULE", "Y"),
        ],
        &[("MULE", &["in", "out"])],
    );
    check(
        "C3",
        &[],
        &[
            tx("in", "2025-07-01T10:00:00Z", 6_000.0, Channel::Wire, "X", "MULE"),
            tx("out", "2025-07-06T11:00:00Z", 5_900.0, Channel::Wire, "MULE", "Y"),
        ],
        &[],
    );
    check(
        "C3",
        &[],
        &[
            tx("in", "2025-07-01T10:00:00Z", 600.0, Channel::Wire, "X", "MULE"),
            tx("out", "2025-07-01T11:00:00Z", 590.0, Channel::Wire, "MULE", "Y"),
        ],
        &[],
    );
}

#[test]
fn e1_section_2313a() {
    let wire = |id: &str, day: &str| {
        tx(id, day, 25_000.0, Channel::Wire, "US1", "MX1")
            .institution("CIBanco S.A., Institucion de Banca Multiple")
    };
    check("E1", &[], &[wire("t1", "2025-11-03")], &[("US1 / MX1", &["t1"])]);
    check("E1", &[], &[wire("t1", "2025-10-01")], &[]);
    let via =
        tx("t2", "2025-11-03", 3_000.0, Channel::Wire, "US1", "").intermediary("INTERCAM BANCO SA");
    let alerts = run(Pack::builtin().unwrap(), "E1", &[], &[via]);
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].kind, AlertKind::Block);
    assert!(
        alerts[0].key_terms.contains(&"Intercam2313a FIN-2025".to_string()),
        "{:?}",
        alerts[0].key_terms
    );
    assert!(alerts[0].explanation.contains("Intercam Banco"), "{}", alerts[0].explanation);
    check(
        "E1",
        &[],
        &[tx("t3", "2025-11-03", 3_000.0, Channel::Wire, "US1", "MX1").institution("Banco Azteca")],
        &[],
    );
}

#[test]
fn e2_counterparty_screening() {
    let hit = tx("t1", "2025-07-01", 2_000.0, Channel::Remittance, "S1", "B1")
        .names("Maria Lopez", "Joaquin Guzman Loera");
    let alerts = run(Pack::builtin().unwrap(), "E2", &[], &[hit]);
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].kind, AlertKind::Block);
    assert_eq!(alerts[0].subjects, vec!["B1", "Joaquin Guzman Loera"]);
    assert!(alerts[0].explanation.contains("GUZMAN LOERA"));
    check(
        "E2",
        &[],
        &[tx("t1", "2025-07-01", 2_000.0, Channel::Remittance, "S1", "B1")
            .names("Maria Lopez", "Juan Perez")],
        &[],
    );
}

#[test]
fn e3_network_proximity() {
    let mut b = PackBuilder::builtin();
    b.add_reference(
        "designated.toml",
        "format_version = 1\n[[account_list]]\nname = \"designated_accounts\"\nsource = \"test\"\n[[account_list.account]]\nid = \"BAD\"\n",
    );
    let pack = b.build().unwrap();
    let txs = [
        tx("t1", "2025-07-01", 15_000.0, Channel::Wire, "BAD", "A1"),
        tx("t2", "2025-07-05", 12_000.0, Channel::Wire, "A1", "A2"),
        tx("t3", "2025-07-06", 20_000.0, Channel::Wire, "A2", "A3"),
        tx("t4", "2025-07-07", 500.0, Channel::Wire, "A1", "A4"),
    ];
    check_pack(pack, "E3", &[], &txs, &[("A1", &["t1"]), ("A2", &["t2"])]);
}

#[test]
fn f1_sender_fan_out() {
    let send = |i: usize, day: u32| {
        tx(
            &format!("t{i}"),
            &format!("2025-07-{day:02}"),
            300.0,
            Channel::Remittance,
            "SENDER",
            &format!("B{i}"),
        )
        .countries("us", "mx")
    };
    check(
        "F1",
        &[],
        &[send(1, 1), send(2, 5), send(3, 10), send(4, 15), send(5, 20)],
        &[("SENDER", &["t1", "t2", "t3", "t4", "t5"])],
    );
    check("F1", &[], &[send(1, 1), send(2, 5), send(3, 10), send(4, 15)], &[]);
    check("F1", &[], &[send(1, 1), send(2, 2), send(3, 3)], &[("SENDER", &["t1", "t2", "t3"])]);
}

#[test]
fn f2_beneficiary_fan_in() {
    let send = |i: usize, state: &str| {
        tx(
            &format!("t{i}"),
            &format!("2025-07-{:02}", i + 1),
            300.0,
            Channel::Remittance,
            &format!("S{i}"),
            "PAYEE",
        )
        .states(state, "")
    };
    check(
        "F2",
        &[],
        &[send(1, "CA"), send(2, "CA"), send(3, "TX"), send(4, "CA"), send(5, "CA")],
        &[("PAYEE", &["t1", "t2", "t3", "t4", "t5"])],
    );
    check(
        "F2",
        &[],
        &[send(1, "CA"), send(2, "CA"), send(3, "CA"), send(4, "CA"), send(5, "CA")],
        &[],
    ); // Businesses paying a supplier are trade payments, not remittances.
    let businesses: Vec<AccountProfile> =
        (1..=5).map(|i| profile(&format!("S{i}"), "business", "", &[])).collect();
    check(
        "F2",
        &businesses,
        &[send(1, "CA"), send(2, "CA"), send(3, "TX"), send(4, "CA"), send(5, "CA")],
        &[],
    );
}

#[test]
fn f3_identity_reuse() {
    let send = |i: usize, phone: &str| {
        tx(
            &format!("t{i}"),
            &format!("2025-07-{:02}", i + 1),
            300.0,
            Channel::Remittance,
            &format!("S{i}"),
            "P",
        )
        .phone(phone)
    };
    check(
        "F3",
        &[],
        &[send(1, "+1 555 0100"), send(2, "+1 555 0100"), send(3, "+1 555 0100")],
        &[("phone +1 555 0100", &["t1", "t2", "t3"])],
    );
    check(
        "F3",
        &[],
        &[send(1, "+1 555 0100"), send(2, "+1 555 0101"), send(3, "+1 555 0100")],
        &[],
    );
}

#[test]
fn f4_corridor_spike() {
    let send = |id: String, day: String, amount: f64| {
        tx(&id, &day, amount, Channel::Remittance, "S", "B")
            .countries("us", "mx")
            .place("AG1", "", "", "TX")
    };
    let mut txs: Vec<T> = Vec::new();
    for d in 1..=30 {
        let day = format!("2025-06-{d:02}");
        txs.push(send(format!("d{d}"), day, 1_500.0 + f64::from(d % 3) * 100.0));
    }
    for i in 0..4 {
        txs.push(send(format!("s{i}"), format!("2025-07-01T{:02}:00:00Z", 10 + i), 5_000.0));
    }
    let alerts = run(Pack::builtin().unwrap(), "F4", &[], &txs);
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    assert_eq!(alerts[0].subjects, vec!["AG1 / mx"]);
    assert_eq!(alerts[0].transactions.last().map(String::as_str), Some("s0"));
    // Ten transfers just under $1,000 in a day.
    let near: Vec<T> = (0..10)
        .map(|i| send(format!("n{i}"), format!("2025-07-01T{:02}:00:00Z", 8 + i), 950.0))
        .collect();
    let alerts = run(Pack::builtin().unwrap(), "F4", &[], &near);
    assert_eq!(alerts.len(), 1);
    // Steady traffic: nothing.
    check("F4", &[], &txs[..30], &[]);
}

#[test]
fn g2_fan_in_and_g3_cycle_reach_the_graph_engine() {
    let fan: Vec<T> = (0..6)
        .map(|i| {
            tx(
                &format!("f{i}"),
                &format!("2025-07-0{}", i + 1),
                3_000.0,
                Channel::Wire,
                &format!("S{i}"),
                "HUB",
            )
        })
        .collect();
    let alerts = run(Pack::builtin().unwrap(), "G2", &[], &fan);
    assert!(!alerts.is_empty(), "fan-in not detected");
    assert_eq!(alerts[0].subjects[0], "HUB");
    assert_eq!(alerts[0].typology, "fan_in");
    let cycle = [
        tx("c1", "2025-07-01", 10_000.0, Channel::Wire, "A", "B"),
        tx("c2", "2025-07-02", 9_800.0, Channel::Wire, "B", "C"),
        tx("c3", "2025-07-03", 9_600.0, Channel::Wire, "C", "A"),
    ];
    let alerts = run(Pack::builtin().unwrap(), "G3", &[], &cycle);
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    assert_eq!(alerts[0].transactions, vec!["c1", "c2", "c3"]);
}

#[test]
fn alert_ids_are_stable_and_distinct() {
    let dep = |id: &str, day: &str, amount: f64| tx(id, day, amount, Channel::Cash, "", "ACC1");
    let txs = [
        dep("t1", "2025-07-01", 9_000.0),
        dep("t2", "2025-07-02", 9_500.0),
        dep("t3", "2025-07-20", 9_000.0),
        dep("t4", "2025-07-21", 9_500.0),
    ];
    let first = run(Pack::builtin().unwrap(), "A3", &[], &txs);
    let second = run(Pack::builtin().unwrap(), "A3", &[], &txs);
    assert_eq!(first.len(), 2);
    assert_eq!(first, second);
    assert_ne!(first[0].id, first[1].id);
    assert!(first[0].id.starts_with("A3-"));
    let json = serde_json::to_string(&first[0]).unwrap();
    let back: Alert = serde_json::from_str(&json).unwrap();
    assert_eq!(back, first[0]);
}

#[test]
fn builtin_pack_loads_with_every_required_scenario() {
    let pack = Pack::builtin().unwrap();
    for id in [
        "A1", "A2", "A3", "A4", "A5", "B1", "B2", "B3", "C1", "C2", "C3", "E1", "E2", "E3", "F1",
        "F2", "F3", "F4", "G1", "G2", "G3", "G4", "G5", "G6", "G7",
    ] {
        let s = pack.scenario(id).unwrap_or_else(|| panic!("missing {id}"));
        assert!(!s.source.is_empty() && !s.description.is_empty(), "{id}");
    }
    assert!(pack.version.starts_with("vigia-pack@2026.03#"), "{}", pack.version);
}

fn load_error(text: &str) -> String {
    let mut b = PackBuilder::new();
    b.add_builtin_reference();
    b.add_scenarios("my.toml", text);
    b.build().unwrap_err().to_string()
}

const HEAD: &str = "format_version = 1\n";

fn scenario(body: &str) -> String {
    format!(
        "{HEAD}[[scenario]]\nid = \"X1\"\nname = \"x\"\ndescription = \"d\"\nsource = \"s\"\ntypology = \"t\"\napplies_to = {{ institutions = [\"B\"] }}\nseverity = \"low\"\nexplanation = \"e\"\n{body}"
    )
}

#[test]
fn validation_errors_name_file_line_and_reason() {
    let mut failures = Vec::new();
    let mut check_error = |text: &str, line: usize, reason: &str| {
        let err = load_error(text);
        if !err.starts_with(&format!("my.toml:{line}: ")) || !err.contains(reason) {
            failures.push(format!("want line {line} {reason:?}, got {err}"));
        }
    };
    check_error("format_version = 2\n", 1, "unsupported format_version 2");
    check_error(
        &scenario("group_by = \"account\"\nwindow = \"24h\"\ncondition = \"n > 1\"\n"),
        13,
        "unknown name `n`",
    );
    check_error(
        &scenario("group_by = \"account\"\nwindow = \"24q\"\ncondition = \"true\"\n"),
        12,
        "unknown unit",
    );
    check_error(
        &scenario("group_by = \"acount.x\"\nwindow = \"24h\"\ncondition = \"true\"\n"),
        11,
        "unknown field `acount.x`",
    );
    check_error(&scenario("window = \"24h\"\ncondition = \"true\"\n"), 2, "missing `group_by`");
    check_error(
        &scenario(
            "group_by = \"account\"\nwindow = { kind = \"business_day\", time_zone = \"Mars/Base\" }\ncondition = \"true\"\n",
        ),
        12,
        "unknown time zone",
    );
    check_error(
        &scenario(
            "group_by = \"account\"\nwindow = \"24h\"\nfilter = { place_in = \"atlantis\" }\ncondition = \"true\"\n",
        ),
        13,
        "unknown geography `atlantis`",
    );
    check_error(
        &scenario(
            "group_by = \"place.id\"\nwindow = \"24h\"\nfilter = { direction = \"in\" }\ncondition = \"true\"\n",
        ),
        13,
        "sided",
    );
    check_error(
        &scenario(
            "group_by = \"account\"\nwindow = \"24h\"\ncondition = \"n > 1\"\n[[scenario.aggregate]]\nname = \"n\"\nfunction = \"median\"\n",
        ),
        14,
        "unknown function `median`",
    );
    check_error(
        &scenario("group_by = \"account\"\nwindow = \"24h\"\ncondition = \"true\"\nbogus = 1\n"),
        14,
        "unknown field `bogus`",
    );
    check_error(&format!("{HEAD}[[scenario]]\nid = \"A 1\"\n"), 2, "missing field");
    let dup = format!(
        "{}{}",
        scenario("group_by = \"account\"\nwindow = \"24h\"\ncondition = \"true\"\n"),
        &scenario("group_by = \"account\"\nwindow = \"24h\"\ncondition = \"true\"\n")[HEAD.len()..]
    );
    check_error(&dup, 15, "duplicate scenario id `X1`");
    check_error(
        &scenario(
            "detector = \"graph\"\n[scenario.graph]\ntypology = \"cycle\"\nwindow = \"30d\"\nmax_len = 40\n",
        ),
        2,
        "cycle: lengths",
    );
    check_error(
        &scenario(
            "detector = \"graph\"\n[scenario.graph]\ntypology = \"cycle\"\nwindow = \"30d\"\nmax_length = 4\n",
        ),
        12,
        "unknown key `max_length`",
    );
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn a_directory_overrides_builtin_scenarios_by_id() {
    let mut b = PackBuilder::builtin();
    b.add_scenarios(
        "mine/a3.toml",
        &scenario("group_by = \"account\"\nwindow = \"24h\"\ncondition = \"true\"\n")
            .replace("X1", "A3"),
    );
    b.add_scenarios(
        "mine/x1.toml",
        &scenario(
            "group_by = \"account\"\nwindow = \"24h\"\ncondition = \"true\"\nenabled = false\n",
        ),
    );
    let pack = b.build().unwrap();
    let builtin = Pack::builtin().unwrap();
    assert_eq!(pack.scenarios.len(), builtin.scenarios.len() + 1);
    assert_eq!(pack.scenario("A3").unwrap().file, "mine/a3.toml");
    assert!(!pack.scenario("X1").unwrap().enabled);
    assert_ne!(pack.version, builtin.version);
}

/// Regression: sweeping idle states must not drop a key's baseline ring
/// (a correspondent wiring every other day looked new after each gap, and
/// its first large-but-ordinary wire alerted against a baseline of zero).
#[test]
fn sweeps_keep_baselines_of_quiet_keys() {
    let profiles = [profile("CDC", "business", "", &["casa_de_cambio"])];
    let options =
        MonitorOptions { only: vec!["B3".into()], sweep_every: 1, ..MonitorOptions::default() };
    let mut monitor = Monitor::new(Pack::builtin().unwrap(), options);
    monitor.add_profiles(&profiles);
    let mut alerts = Vec::new();
    for d in 1..=29 {
        // Traffic elsewhere moves the watermark while the correspondent is quiet.
        let other = tx(
            &format!("o{d}"),
            &format!("2025-06-{d:02}T06:00:00Z"),
            10.0,
            Channel::Wire,
            "X",
            "Y",
        );
        monitor.process(&other.0, &mut alerts).unwrap();
        if d % 2 == 1 {
            // $40,000 every other day: a $20,000 daily mean; the last is
            // $55,000, under three times the mean.
            let amount = if d == 29 { 55_000.0 } else { 40_000.0 };
            let t =
                tx(&format!("d{d}"), &format!("2025-06-{d:02}"), amount, Channel::Wire, "X", "CDC");
            monitor.process(&t.0, &mut alerts).unwrap();
        }
    }
    assert!(alerts.is_empty(), "{:#?}", alerts.iter().map(|a| &a.explanation).collect::<Vec<_>>());
}
