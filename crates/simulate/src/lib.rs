//! A seeded generator of realistic synthetic transaction activity with
//! labelled, injected laundering typologies.
//!
//! The generator builds a population of customers, one account each:
//! salaried individuals, remittance senders in the US → Mexico / Guatemala
//! / El Salvador / Honduras corridors, cash-intensive and other businesses,
//! employers, Mexican casas de cambio with correspondent accounts and
//! armored-car services, living where a border-region institution's
//! customers live. It then plays their benign activity day by day
//! (salaries and payroll runs, rent and bills, card spending, ATM cash,
//! remittances, cash takings, supplier payments) and injects the patterns
//! of the scenario pack (A2–A5, B1–B3, C1–C3, E1–E2, F1–F4, G1–G7), each
//! with an id and a label on every one of its transactions.
//!
//! Output is Vigia JSONL, one transaction per line, each with a `labels`
//! object (`{"typology", "scenario", "pattern"}`) or `null`; detectors
//! never read it. Benign transactions that carry a reporting duty (cash
//! over $10,000 in a business day, A1; cash in the GTO band at an agent in
//! the GTO area, A2) are labelled `ctr` so that backtests do not count the
//! work items they raise as false alarms.
//!
//! Everything is a pure function of the configuration and the seed
//! (ChaCha8): the same seed gives the same bytes. Generation streams one
//! simulated day at a time, so memory holds the population, the injected
//! patterns' transactions and one day, never the whole output.

// The calendar arithmetic lives in the model crate, which the monitoring
// engine shares; `vigia_simulate::calendar` stays its name here.
pub use vigia_model::calendar;
mod event;
mod inject;
mod jsonl;
mod normal;
mod tables;
mod watchlist;
mod world;

use std::collections::BTreeMap;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use vigia_model::Channel;

pub use calendar::{iso_date, parse_date};
pub use inject::INJECTED;

use event::{Event, NONE, Pattern, Side};
use inject::{GTO_1, GTO_2, Injector};
use jsonl::{Label, Names, Rendered};
use normal::Fixed;
use tables::LOCALITIES;
use world::{Outside, World};

/// What can go wrong setting up a simulation.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A parameter is out of range.
    #[error("invalid simulation setting: {0}")]
    Setting(String),
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, Error>;

/// What to simulate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimulationConfig {
    /// Transactions to generate (exactly this many lines).
    pub transactions: u64,
    /// Customer accounts; default: one per 500 transactions (at least 200).
    pub accounts: Option<u32>,
    /// The seed: the same seed gives the same output.
    pub seed: u64,
    /// First simulated day (days since 1970-01-01); default 2025-01-01, or
    /// 2025-08-15 for runs shorter than 300 days, so that the GTO and
    /// §2313a dates fall inside.
    pub start: Option<i64>,
    /// Days simulated; default: what the transaction count and the
    /// accounts' ordinary activity fill.
    pub days: Option<u32>,
    /// Injected patterns per scenario; default one per 25,000
    /// transactions (2 to 2,000).
    pub patterns_per_scenario: Option<u32>,
}

impl Default for SimulationConfig {
    fn default() -> Self {
        SimulationConfig {
            transactions: 100_000,
            accounts: None,
            seed: 1,
            start: None,
            days: None,
            patterns_per_scenario: None,
        }
    }
}

/// What a run produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Transactions written.
    pub transactions: u64,
    /// Customer accounts.
    pub accounts: u32,
    /// First and last simulated day (`YYYY-MM-DD`).
    pub first_day: String,
    /// Last simulated day.
    pub last_day: String,
    /// Per scenario: (patterns injected, labelled transactions written).
    pub scenarios: BTreeMap<String, (u32, u64)>,
}

/// Non-card benign transactions per customer per day, on average (see
/// `normal`): the rest of the requested volume is card spending.
const BASE_RATE: f64 = 0.72;

/// A running simulation: call [`Simulation::next_day`] until it returns
/// false.
#[derive(Debug)]
pub struct Simulation {
    world: World,
    fixed: Fixed,
    rng: ChaCha8Rng,
    patterns: Vec<Pattern>,
    conductors: Vec<String>,
    /// Injected transactions, latest first (popped from the end).
    injected: Vec<Event>,
    day: i64,
    first: i64,
    last: i64,
    limit: u64,
    written: u64,
    today: Vec<Event>,
    rendered: Rendered,
    summary: Summary,
}

fn component_rng(seed: u64, component: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(component))
}

impl Simulation {
    /// Sets up the population and plans every injected pattern.
    pub fn new(config: &SimulationConfig) -> Result<Simulation> {
        if config.transactions == 0 {
            return Err(Error::Setting("the transaction count must be positive".into()));
        }
        let accounts = config
            .accounts
            .unwrap_or_else(|| (config.transactions / 500).clamp(200, 2_000_000) as u32);
        if accounts < 50 {
            return Err(Error::Setting(format!("at least 50 accounts are needed, not {accounts}")));
        }
        let n = config.transactions as f64;
        let a = f64::from(accounts);
        let days = match config.days {
            Some(0) => return Err(Error::Setting("days must be positive".into())),
            Some(d) => i64::from(d),
            None => (n / (a * 1.5))
                .clamp(30.0, 730.0)
                .min(n / (a * (BASE_RATE + 0.04)))
                .max(1.0)
                .round() as i64,
        };
        let card_rate = ((n / (a * days as f64) - BASE_RATE) / 0.8).clamp(0.05, 40.0);
        let start = config.start.unwrap_or(if days >= 300 { 20_089 } else { 20_315 });
        let (first, last) = (start, start + days - 1);

        let mut world_rng = component_rng(config.seed, 0);
        let mut world = World::build(&mut world_rng, accounts, first, card_rate);
        let acquirer = world.add_outside(Outside {
            account: "CAQ000001".into(),
            name: "Card Acquirer Settlements".into(),
            institution: "Card Acquirer".into(),
            country: "us",
            state: None,
        });
        let mut casa_peers = [0; 4];
        for (k, peer) in casa_peers.iter_mut().enumerate() {
            let name =
                tables::CASAS_DE_CAMBIO[k].replace(" S.A. de C.V.", " (cuenta concentradora)");
            *peer = world.add_outside(Outside {
                account: format!("MXCC{:06}", k + 1),
                name,
                institution: "Banorte".into(),
                country: "mx",
                state: Some("Baja California"),
            });
        }
        let fixed = Fixed { acquirer, casa_peers };

        // Plan and generate the injected patterns.
        let per_scenario = config
            .patterns_per_scenario
            .unwrap_or_else(|| (config.transactions / 25_000).clamp(2, 2_000) as u32);
        let mut inject_rng = component_rng(config.seed, 1);
        let mut patterns = Vec::new();
        let mut conductors = Vec::new();
        let mut injected = Vec::new();
        {
            let mut injector = Injector {
                world: &mut world,
                rng: &mut inject_rng,
                patterns: &mut patterns,
                conductors: &mut conductors,
                out: &mut injected,
                first,
                last,
            };
            for (scenario, _) in INJECTED {
                let (lo, hi) = injector.window(scenario);
                if hi < lo {
                    continue;
                }
                for _ in 0..per_scenario {
                    let day = injector.rng.random_range(lo..=hi);
                    injector.inject(scenario, day);
                }
            }
            // Benign look-alikes of the dated and screening scenarios.
            for _ in 0..per_scenario {
                let hi = (inject::ORDERS_2313A - 1).min(last);
                if hi > first {
                    let day = injector.rng.random_range(first..=hi);
                    injector.section_2313a_before(day);
                }
                let day = injector.rng.random_range(first..=last);
                injector.designated_lookalike(day);
            }
        }
        // Latest first, so the next one is popped from the end; ties keep
        // their generation order.
        injected.sort_by_key(|e| std::cmp::Reverse(e.time));
        let mut summary = Summary {
            accounts: world.customers.len() as u32,
            first_day: iso_date(first),
            last_day: iso_date(last),
            ..Summary::default()
        };
        for p in &patterns {
            summary.scenarios.entry(p.scenario.to_owned()).or_default().0 += 1;
        }
        Ok(Simulation {
            rendered: Rendered::new(&world),
            world,
            fixed,
            rng: component_rng(config.seed, 2),
            patterns,
            conductors,
            injected,
            day: first,
            first,
            last,
            limit: config.transactions,
            written: 0,
            today: Vec::new(),
            summary,
        })
    }

    /// The customers' account profiles, one JSON object per line, in the
    /// monitor's profile format.
    pub fn profiles_jsonl(&self) -> String {
        let mut out = String::with_capacity(self.world.customers.len() * 200);
        jsonl::profiles(&mut out, &self.world);
        out
    }

    /// Appends the next simulated day's transactions to `out` as JSONL;
    /// false when all transactions have been written.
    pub fn next_day(&mut self, out: &mut String) -> bool {
        if self.written >= self.limit {
            return false;
        }
        let day = self.day;
        self.day += 1;
        let mut today = std::mem::take(&mut self.today);
        today.clear();
        normal::day(&self.world, &self.fixed, &mut self.rng, day, &mut today);
        let end = (day + 1) * calendar::DAY_MS;
        while let Some(event) = self.injected.pop() {
            if event.time >= end {
                self.injected.push(event);
                break;
            }
            today.push(event);
        }
        // Stable: equal times keep generation order, so output is
        // deterministic.
        today.sort_by_key(|e| e.time);
        let ctr = self.reporting_duties(day, &today);
        let names = Names { conductors: &self.conductors, rendered: &self.rendered };
        let date_key = iso_date(day);
        for (k, event) in today.iter().enumerate() {
            if self.written >= self.limit {
                break;
            }
            self.written += 1;
            let key;
            let label = if event.pattern != NONE {
                let p = &self.patterns[event.pattern as usize];
                self.summary.scenarios.entry(p.scenario.to_owned()).or_default().1 += 1;
                Label::Pattern { scenario: p.scenario, typology: p.typology, id: &p.id }
            } else if let Some(scenario) = ctr.get(k).copied().flatten() {
                key = match (event.from, event.to) {
                    (Side::Cash, Side::Account(i)) => {
                        format!("{}-{date_key}-in", World::customer_id(i))
                    }
                    (Side::Account(i), _) => format!("{}-{date_key}-out", World::customer_id(i)),
                    _ => date_key.clone(),
                };
                let key = if scenario == "A2" { format!("T{:010}", self.written) } else { key };
                self.summary.scenarios.entry(scenario.to_owned()).or_default().1 += 1;
                jsonl::transaction(
                    out,
                    &self.world,
                    &names,
                    self.written,
                    event,
                    &Label::Ctr { scenario, key: &key },
                );
                continue;
            } else {
                Label::None
            };
            jsonl::transaction(out, &self.world, &names, self.written, event, &label);
        }
        self.summary.transactions = self.written;
        self.summary.last_day = iso_date(day);
        self.today = today;
        true
    }

    /// Which unlabelled cash transactions of the day carry a reporting
    /// duty: `A1` when the customer's cash in (or out) that business day
    /// exceeds $10,000, `A2` when cash at an agent in the GTO area is in
    /// the order's band.
    fn reporting_duties(&self, day: i64, today: &[Event]) -> Vec<Option<&'static str>> {
        let mut duties = vec![None; today.len()];
        let mut totals: BTreeMap<(u32, bool), i64> = BTreeMap::new();
        for e in today.iter().filter(|e| e.channel == Channel::Cash) {
            match (e.from, e.to) {
                (Side::Cash, Side::Account(i)) => *totals.entry((i, true)).or_default() += e.cents,
                (Side::Account(i), Side::Cash) => *totals.entry((i, false)).or_default() += e.cents,
                _ => {}
            }
        }
        for (k, e) in today.iter().enumerate() {
            if e.pattern != NONE || e.channel != Channel::Cash {
                continue;
            }
            let key = match (e.from, e.to) {
                (Side::Cash, Side::Account(i)) => (i, true),
                (Side::Account(i), Side::Cash) => (i, false),
                _ => continue,
            };
            if totals.get(&key).copied().unwrap_or(0) > 1_000_000 {
                duties[k] = Some("A1");
            } else if let Some(place) = self.world.places.get(e.place as usize).filter(|p| p.agent)
            {
                let l = LOCALITIES[place.locality as usize];
                let band = if day >= GTO_2 && l.gto_2025_09 {
                    Some(100_000)
                } else if (GTO_1..GTO_2).contains(&day) && l.gto_2025_04 {
                    Some(20_001)
                } else {
                    None
                };
                if band.is_some_and(|low| e.cents >= low && e.cents <= 1_000_000) {
                    duties[k] = Some("A2");
                }
            }
        }
        duties
    }

    /// What has been written so far.
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    /// The simulated period, as day numbers.
    pub fn period(&self) -> (i64, i64) {
        (self.first, self.last)
    }
}

#[cfg(test)]
mod tests;
