//! The simulated population: customers with one account each, the outside
//! parties they pay (merchants, utilities, landlords, employers, suppliers,
//! remittance beneficiaries), and the places where cash changes hands
//! (bank branches, money-transmitter agents).

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::tables::{
    ARMORED_CAR, BUSINESSES, CASAS_DE_CAMBIO, DESTINATIONS, FAMILY, GIVEN, LEGAL_FORMS, LOCALITIES,
    MERCHANTS, UTILITIES,
};

/// What a customer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A salaried person.
    Individual,
    /// A person who also sends money home every few weeks.
    Remitter,
    /// A cash-intensive small business (restaurant, store, laundromat).
    CashBusiness,
    /// Any other business.
    Business,
    /// A larger employer running payroll.
    Employer,
    /// A Mexican casa de cambio with a correspondent (nested) account.
    CasaDeCambio,
    /// An armored-car service.
    ArmoredCar,
}

impl Kind {
    pub(crate) fn is_business(self) -> bool {
        !matches!(self, Kind::Individual | Kind::Remitter)
    }

    pub(crate) fn is_person(self) -> bool {
        !self.is_business()
    }
}

/// Profile flags the scenario pack reads.
pub(crate) mod flag {
    pub(crate) const MX_AFFILIATE: u16 = 1;
    pub(crate) const BORDER_BUSINESS: u16 = 2;
    pub(crate) const MX_BASED: u16 = 4;
    pub(crate) const CASA_DE_CAMBIO: u16 = 8;
    pub(crate) const FOREIGN_MSB: u16 = 16;
    pub(crate) const ARMORED_CAR: u16 = 32;
    pub(crate) const MSB: u16 = 64;
    /// A documented cash-intensive business (its profile says cash is
    /// its ordinary way of being paid).
    pub(crate) const CASH_INTENSIVE: u16 = 128;

    pub(crate) const NAMES: &[(u16, &str)] = &[
        (MX_AFFILIATE, "mx_affiliate"),
        (BORDER_BUSINESS, "border_business"),
        (MX_BASED, "mx_based"),
        (CASA_DE_CAMBIO, "casa_de_cambio"),
        (FOREIGN_MSB, "foreign_msb"),
        (ARMORED_CAR, "armored_car"),
        (MSB, "msb"),
        (CASH_INTENSIVE, "cash_intensive"),
    ];
}

/// One customer and its account (customer `i` holds account `i`).
#[derive(Debug, Clone)]
pub(crate) struct Customer {
    pub(crate) kind: Kind,
    pub(crate) name: String,
    pub(crate) locality: u16,
    pub(crate) flags: u16,
    pub(crate) naics: Option<&'static str>,
    /// Day number the account was opened.
    pub(crate) opened: i64,
    /// Behaviour parameters.
    pub(crate) habit: Habit,
}

/// How a customer behaves when nothing is wrong.
#[derive(Debug, Clone, Default)]
pub(crate) struct Habit {
    /// Who pays the salary: a customer (employer) or an outside employer.
    pub(crate) employer: Payer,
    /// Net pay per payday, cents.
    pub(crate) salary: i64,
    /// Pay every 14 days from this offset (or monthly when 0..28 and
    /// `monthly_pay`).
    pub(crate) payday: u8,
    pub(crate) monthly_pay: bool,
    /// Rent or mortgage: payee (outside index), cents, day of month.
    pub(crate) rent_to: u32,
    pub(crate) rent: i64,
    pub(crate) rent_day: u8,
    /// Utility payees (outside indices) with monthly amounts, cents.
    pub(crate) bills: [(u32, i64); 3],
    pub(crate) bill_day: u8,
    /// Card purchases per day (expected), and the first of a block of
    /// eight usual merchants.
    pub(crate) card_rate: f64,
    pub(crate) merchants: u32,
    /// Remittances: beneficiaries (outside indices), amount, cadence days,
    /// offset, agent place.
    pub(crate) beneficiaries: [u32; 2],
    pub(crate) remit: i64,
    pub(crate) remit_every: u8,
    pub(crate) remit_offset: u8,
    pub(crate) agent: u32,
    /// Businesses: mean daily cash deposit (cents), suppliers (outside
    /// indices), employees (customer indices).
    pub(crate) cash_daily: i64,
    pub(crate) suppliers: [u32; 3],
    /// Employers: the client firms that pay them (outside indices).
    pub(crate) clients: [u32; 3],
    pub(crate) employees: Vec<u32>,
    /// Businesses whose cash is collected by an armored-car service
    /// (customer index of the service).
    pub(crate) armored_car: Option<u32>,
    /// Friends the customer sends small amounts to (customer indices).
    pub(crate) friends: [u32; 3],
    /// Phone number suffix (remittance senders give one).
    pub(crate) phone: u32,
}

/// Who pays a salary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Payer {
    #[default]
    Nobody,
    Customer(u32),
    Outside(u32),
}

/// A party outside the institution.
#[derive(Debug, Clone)]
pub(crate) struct Outside {
    pub(crate) account: String,
    pub(crate) name: String,
    pub(crate) institution: String,
    pub(crate) country: &'static str,
    pub(crate) state: Option<&'static str>,
}

/// A place where cash changes hands.
#[derive(Debug, Clone)]
pub(crate) struct Place {
    pub(crate) id: String,
    pub(crate) locality: u16,
    /// A money-transmitter agent (else a bank branch).
    pub(crate) agent: bool,
}

/// The whole population.
#[derive(Debug, Clone)]
pub(crate) struct World {
    pub(crate) customers: Vec<Customer>,
    pub(crate) outside: Vec<Outside>,
    pub(crate) places: Vec<Place>,
    /// Customer indices by kind, for picking participants.
    pub(crate) individuals: Vec<u32>,
    pub(crate) remitters: Vec<u32>,
    pub(crate) cash_businesses: Vec<u32>,
    pub(crate) businesses: Vec<u32>,
    pub(crate) casas: Vec<u32>,
    pub(crate) armored: Vec<u32>,
    /// First outside index of each kind's block, and block lengths.
    pub(crate) merchants: (u32, u32),
    pub(crate) beneficiaries: (u32, u32),
    pub(crate) suppliers: (u32, u32),
    pub(crate) landlords: (u32, u32),
    pub(crate) utilities: (u32, u32),
    pub(crate) employers: (u32, u32),
    /// Agents and branches by locality: (first branch, first agent).
    pub(crate) locality_places: Vec<(u32, u32)>,
}

pub(crate) fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

/// Index into `LOCALITIES` by weight.
pub(crate) fn pick_locality(rng: &mut ChaCha8Rng) -> u16 {
    let total: u32 = LOCALITIES.iter().map(|l| l.weight).sum();
    let mut r = rng.random_range(0..total);
    for (i, l) in LOCALITIES.iter().enumerate() {
        if r < l.weight {
            return i as u16;
        }
        r -= l.weight;
    }
    0
}

fn pick_destination(rng: &mut ChaCha8Rng) -> usize {
    let total: u32 = DESTINATIONS.iter().map(|d| d.weight).sum();
    let mut r = rng.random_range(0..total);
    for (i, d) in DESTINATIONS.iter().enumerate() {
        if r < d.weight {
            return i;
        }
        r -= d.weight;
    }
    0
}

/// A person's name.
pub(crate) fn person_name(rng: &mut ChaCha8Rng) -> String {
    let given = pick(rng, GIVEN);
    let family = pick(rng, FAMILY);
    if rng.random_bool(0.35) {
        let second = pick(rng, FAMILY);
        format!("{given} {family} {second}")
    } else {
        format!("{given} {family}")
    }
}

/// Amount in cents from a log-uniform draw between `low` and `high` dollars.
pub(crate) fn log_uniform(rng: &mut ChaCha8Rng, low: f64, high: f64) -> i64 {
    let x: f64 = rng.random();
    let v = (low.ln() + x * (high.ln() - low.ln())).exp();
    (v * 100.0).round() as i64
}

impl World {
    /// Builds a population of `accounts` customers, opened before `start`.
    pub(crate) fn build(rng: &mut ChaCha8Rng, accounts: u32, start: i64, card_rate: f64) -> World {
        let n = accounts.max(50) as usize;
        let mut outside = Vec::new();
        let block =
            |outside: &mut Vec<Outside>, count: usize, f: &mut dyn FnMut(usize) -> Outside| {
                let first = outside.len() as u32;
                for i in 0..count {
                    outside.push(f(i));
                }
                (first, count as u32)
            };
        // Outside parties scale with the population, with floors so that
        // small runs still have variety.
        let merchants = block(&mut outside, (n / 25).max(40), &mut |i| Outside {
            account: format!("MCH{:06}", i + 1),
            name: format!("{} #{}", MERCHANTS[i % MERCHANTS.len()], 100 + i),
            institution: "Card Acquirer".to_owned(),
            country: "us",
            state: None,
        });
        let utilities = block(&mut outside, UTILITIES.len(), &mut |i| Outside {
            account: format!("UTL{:04}", i + 1),
            name: UTILITIES[i].0.to_owned(),
            institution: "Wells Fargo".to_owned(),
            country: "us",
            state: None,
        });
        let mut rng_names = rng.clone();
        let landlords = block(&mut outside, (n / 15).max(20), &mut |i| {
            let company = i % 3 == 0;
            Outside {
                account: format!("LND{:06}", i + 1),
                name: if company {
                    format!("{} Apartments LLC", pick(&mut rng_names, FAMILY))
                } else {
                    person_name(&mut rng_names)
                },
                institution: if i % 2 == 0 { "Chase" } else { "Bank of America" }.to_owned(),
                country: "us",
                state: None,
            }
        });
        let employers = block(&mut outside, (n / 60).max(10), &mut |i| Outside {
            account: format!("EMP{:05}", i + 1),
            name: format!(
                "{} {}",
                pick(&mut rng_names, FAMILY),
                [
                    "Logistics Inc.",
                    "Health System",
                    "Construction LLC",
                    "Foods Corp.",
                    "School District",
                    "Farms LLC"
                ][i % 6]
            ),
            institution: "Chase".to_owned(),
            country: "us",
            state: None,
        });
        let suppliers = block(&mut outside, (n / 30).max(15), &mut |i| Outside {
            account: format!("SUP{:05}", i + 1),
            name: format!(
                "{} Wholesale {}",
                pick(&mut rng_names, FAMILY),
                pick(&mut rng_names, LEGAL_FORMS)
            ),
            institution: "U.S. Bank".to_owned(),
            country: "us",
            state: None,
        });
        let beneficiaries = block(&mut outside, (n * 2 / 5).max(60), &mut |i| {
            let d = DESTINATIONS[pick_destination(&mut rng_names)];
            Outside {
                account: format!("{}B{:07}", d.country.to_ascii_uppercase(), i + 1),
                name: person_name(&mut rng_names),
                institution: d.payer.to_owned(),
                country: d.country,
                state: Some(d.region),
            }
        });
        *rng = rng_names;

        // Places: a branch and two agents per locality.
        let mut places = Vec::new();
        let mut locality_places = Vec::new();
        for (i, l) in LOCALITIES.iter().enumerate() {
            let branch = places.len() as u32;
            places.push(Place { id: format!("BR-{}", l.zip), locality: i as u16, agent: false });
            let agent = places.len() as u32;
            for k in 1..=2 {
                places.push(Place {
                    id: format!("AG-{}-{k}", l.zip),
                    locality: i as u16,
                    agent: true,
                });
            }
            locality_places.push((branch, agent));
        }

        // Customers.
        let mut customers = Vec::with_capacity(n);
        let (mut individuals, mut remitters, mut cash_businesses, mut businesses) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut casas, mut armored) = (Vec::new(), Vec::new());
        let special = CASAS_DE_CAMBIO.len() + ARMORED_CAR.len();
        for i in 0..n {
            let kind = if i < CASAS_DE_CAMBIO.len() {
                Kind::CasaDeCambio
            } else if i < special {
                Kind::ArmoredCar
            } else {
                match rng.random_range(0..100) {
                    0..62 => Kind::Individual,
                    62..80 => Kind::Remitter,
                    80..89 => Kind::CashBusiness,
                    89..97 => Kind::Business,
                    _ => Kind::Employer,
                }
            };
            let locality = pick_locality(rng);
            let l = LOCALITIES[locality as usize];
            let mut flags = 0;
            let mut naics = None;
            let name = match kind {
                Kind::CasaDeCambio => {
                    flags |= flag::CASA_DE_CAMBIO | flag::FOREIGN_MSB | flag::MX_BASED | flag::MSB;
                    naics = Some("523130");
                    CASAS_DE_CAMBIO[i].to_owned()
                }
                Kind::ArmoredCar => {
                    flags |= flag::ARMORED_CAR;
                    naics = Some("561613");
                    ARMORED_CAR[i - CASAS_DE_CAMBIO.len()].to_owned()
                }
                Kind::Individual | Kind::Remitter => person_name(rng),
                Kind::CashBusiness | Kind::Business | Kind::Employer => {
                    let (code, noun, _) = loop {
                        let b = pick(rng, BUSINESSES);
                        if (kind == Kind::CashBusiness) == b.2 || kind == Kind::Employer {
                            break b;
                        }
                    };
                    naics = Some(code);
                    if kind == Kind::CashBusiness {
                        flags |= flag::CASH_INTENSIVE;
                    }
                    if crate::tables::BORDER_STATES.contains(&l.state) && rng.random_bool(0.3) {
                        flags |= flag::BORDER_BUSINESS;
                        if rng.random_bool(0.4) {
                            flags |= flag::MX_AFFILIATE;
                        }
                    }
                    let owner = pick(rng, FAMILY);
                    format!("{owner} {noun} {}", pick(rng, LEGAL_FORMS))
                }
            };
            let opened = start - rng.random_range(60..3000);
            customers.push(Customer {
                kind,
                name,
                locality,
                flags,
                naics,
                opened,
                habit: Habit::default(),
            });
            let list = match kind {
                Kind::Individual => &mut individuals,
                Kind::Remitter => &mut remitters,
                Kind::CashBusiness => &mut cash_businesses,
                Kind::Business | Kind::Employer => &mut businesses,
                Kind::CasaDeCambio => &mut casas,
                Kind::ArmoredCar => &mut armored,
            };
            list.push(i as u32);
        }
        if individuals.is_empty() {
            individuals.push((n - 1) as u32);
        }

        // Habits.
        let employer_customers: Vec<u32> = businesses
            .iter()
            .copied()
            .filter(|&b| customers[b as usize].kind == Kind::Employer)
            .collect();
        let mut world = World {
            customers,
            outside,
            places,
            individuals,
            remitters,
            cash_businesses,
            businesses,
            casas,
            armored,
            merchants,
            beneficiaries,
            suppliers,
            landlords,
            utilities,
            employers,
            locality_places,
        };
        let people: Vec<u32> = world.individuals.iter().chain(&world.remitters).copied().collect();
        let mut remitters_seen: u32 = 0;
        for i in 0..n {
            let kind = world.customers[i].kind;
            let locality = world.customers[i].locality;
            let mut h = Habit { phone: rng.random_range(2_000_000..9_999_999), ..Habit::default() };
            let in_block =
                |rng: &mut ChaCha8Rng, (first, len): (u32, u32)| first + rng.random_range(0..len);
            if kind.is_person() {
                h.employer = if !employer_customers.is_empty() && rng.random_bool(0.35) {
                    let e = pick(rng, &employer_customers);
                    world.customers[e as usize].habit.employees.push(i as u32);
                    Payer::Customer(e)
                } else {
                    Payer::Outside(in_block(rng, world.employers))
                };
                h.salary = log_uniform(rng, 900.0, 4200.0);
                h.monthly_pay = rng.random_bool(0.2);
                h.payday = rng.random_range(0..14);
                h.rent_to = in_block(rng, world.landlords);
                h.rent = log_uniform(rng, 650.0, 2400.0) / 500 * 500;
                h.rent_day = rng.random_range(1..4);
                h.bills = [
                    (world.utilities.0 + rng.random_range(0..4), log_uniform(rng, 45.0, 240.0)),
                    (world.utilities.0 + 4 + rng.random_range(0..3), log_uniform(rng, 35.0, 120.0)),
                    (world.utilities.0 + 7 + rng.random_range(0..3), log_uniform(rng, 30.0, 180.0)),
                ];
                h.bill_day = rng.random_range(5..25);
                h.card_rate = card_rate * rng.random_range(0.4..1.6);
                h.merchants = world.merchants.0
                    + rng.random_range(0..world.merchants.1.saturating_sub(8).max(1));
                for f in &mut h.friends {
                    *f = pick(rng, &people);
                }
                if kind == Kind::Remitter {
                    // Each sender's family is its own: beneficiaries are not
                    // shared by unrelated senders (that is the F2 pattern).
                    let (first, len) = world.beneficiaries;
                    let own = (2 * remitters_seen) % len;
                    remitters_seen += 1;
                    h.beneficiaries = [first + own, first + (own + 1) % len];
                    h.remit = [15_000, 20_000, 25_000, 30_000, 40_000, 50_000]
                        [rng.random_range(0..6)]
                        + if rng.random_bool(0.4) { rng.random_range(0..9_000) } else { 0 };
                    h.remit_every = if rng.random_bool(0.5) { 14 } else { 30 };
                    h.remit_offset = rng.random_range(0..h.remit_every);
                    h.agent = world.locality_places[locality as usize].1 + rng.random_range(0..2);
                }
            } else {
                h.cash_daily = match kind {
                    Kind::CashBusiness => log_uniform(rng, 400.0, 4500.0),
                    Kind::Business | Kind::Employer => log_uniform(rng, 0.0 + 1.0, 600.0),
                    _ => 0,
                };
                h.suppliers = [
                    in_block(rng, world.suppliers),
                    in_block(rng, world.suppliers),
                    in_block(rng, world.suppliers),
                ];
                h.clients = [
                    in_block(rng, world.employers),
                    in_block(rng, world.employers),
                    in_block(rng, world.employers),
                ];
                h.card_rate = 1.0;
                if kind == Kind::CashBusiness && !world.armored.is_empty() && rng.random_bool(0.25)
                {
                    h.armored_car = Some(pick(rng, &world.armored));
                }
                if matches!(kind, Kind::CashBusiness | Kind::Business) && !people.is_empty() {
                    let staff = rng.random_range(2..7);
                    for _ in 0..staff {
                        h.employees.push(pick(rng, &people));
                    }
                }
                h.payday = rng.random_range(0..14);
            }
            let employees = std::mem::take(&mut world.customers[i].habit.employees);
            h.employees.extend(employees);
            world.customers[i].habit = h;
        }
        world
    }

    /// The customer id of customer `i`.
    pub(crate) fn customer_id(i: u32) -> String {
        format!("CU{:08}", i + 1)
    }

    /// Adds an outside party made for a pattern; returns its index.
    pub(crate) fn add_outside(&mut self, party: Outside) -> u32 {
        self.outside.push(party);
        (self.outside.len() - 1) as u32
    }
}
