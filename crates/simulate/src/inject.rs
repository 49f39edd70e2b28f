//! Injected laundering patterns, one function per scenario of the pack.
//! Each pattern gets an id and every transaction it makes carries its
//! label; the participants are ordinary customers (who keep their benign
//! activity), plus outside parties made for the pattern.
//!
//! Patterns follow the definitions of section 2 of the monitoring research
//! with natural variation inside them (counts, amounts, delays, places);
//! they are not shaped after any detector's thresholds beyond those
//! definitions.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use vigia_model::Channel;

use crate::calendar::{DAY_MS, HOUR_MS};
use crate::event::{Event, Pattern, Side};
use crate::normal::time_in;
use crate::tables::{BORDER_STATES, DESTINATIONS, LOCALITIES, SECTION_2313A};
use crate::watchlist::{lookalike, variant};
use crate::world::{Outside, World, flag, log_uniform, person_name, pick};

/// Every scenario the generator injects: (scenario id, typology).
pub const INJECTED: &[(&str, &str)] = &[
    ("A2", "ctr"),
    ("A3", "structuring"),
    ("A4", "structuring"),
    ("A5", "structuring"),
    ("B1", "bulk_cash"),
    ("B2", "bulk_cash"),
    ("B3", "casa_de_cambio"),
    ("C1", "funnel_account"),
    ("C2", "funnel_account"),
    ("C3", "pass_through"),
    ("E1", "section_2313a"),
    ("E2", "sanctions"),
    ("F1", "remittance_fan_out"),
    ("F2", "remittance_fan_in"),
    ("F3", "identity_reuse"),
    ("F4", "corridor_anomaly"),
    ("G1", "fan_out"),
    ("G2", "fan_in"),
    ("G3", "cycle"),
    ("G4", "scatter_gather"),
    ("G5", "gather_scatter"),
    ("G6", "bipartite"),
    ("G7", "random_chain"),
];

/// 14 Apr 2025, the first GTO's start.
pub(crate) const GTO_1: i64 = 20_192;
/// 10 Sep 2025, the modified GTO's start.
pub(crate) const GTO_2: i64 = 20_341;
/// 20 Oct 2025, the §2313a orders' effective date.
pub(crate) const ORDERS_2313A: i64 = 20_381;

/// What the injector works with.
pub(crate) struct Injector<'a> {
    pub(crate) world: &'a mut World,
    pub(crate) rng: &'a mut ChaCha8Rng,
    pub(crate) patterns: &'a mut Vec<Pattern>,
    pub(crate) conductors: &'a mut Vec<String>,
    pub(crate) out: &'a mut Vec<Event>,
    /// Simulated days: `[first, last]` day numbers.
    pub(crate) first: i64,
    pub(crate) last: i64,
}

fn cents(rng: &mut ChaCha8Rng, low: f64, high: f64) -> i64 {
    (rng.random_range(low..high) * 100.0).round() as i64
}

impl Injector<'_> {
    fn pattern(&mut self, scenario: &'static str) -> u32 {
        let typology = INJECTED.iter().find(|(s, _)| *s == scenario).map_or("other", |(_, t)| *t);
        let n = self.patterns.iter().filter(|p| p.scenario == scenario).count() + 1;
        self.patterns.push(Pattern { scenario, typology, id: format!("{scenario}-{n:05}") });
        (self.patterns.len() - 1) as u32
    }

    fn conductor(&mut self) -> u32 {
        let name = person_name(self.rng);
        self.conductors.push(name);
        (self.conductors.len() - 1) as u32
    }

    /// `k` distinct people (individuals or remitters), none in `not`.
    fn people(&mut self, k: usize, not: &[u32]) -> Vec<u32> {
        let mut chosen: Vec<u32> = Vec::with_capacity(k);
        let pool_len = self.world.individuals.len() + self.world.remitters.len();
        let mut guard = 0;
        while chosen.len() < k && guard < 100 * k + 100 {
            guard += 1;
            let r = self.rng.random_range(0..pool_len);
            let p = if r < self.world.individuals.len() {
                self.world.individuals[r]
            } else {
                self.world.remitters[r - self.world.individuals.len()]
            };
            if !chosen.contains(&p) && !not.contains(&p) {
                chosen.push(p);
            }
        }
        chosen
    }

    fn person(&mut self) -> u32 {
        self.people(1, &[]).first().copied().unwrap_or(0)
    }

    fn remitter(&mut self) -> u32 {
        if self.world.remitters.is_empty() {
            return self.person();
        }
        pick(self.rng, &self.world.remitters)
    }

    fn outside(
        &mut self,
        name: String,
        institution: &str,
        country: &'static str,
        state: Option<&'static str>,
    ) -> u32 {
        let n = self.world.outside.len();
        let prefix = country.to_ascii_uppercase();
        self.world.add_outside(Outside {
            account: format!("{prefix}X{n:07}"),
            name,
            institution: institution.to_owned(),
            country,
            state,
        })
    }

    fn beneficiary_abroad(&mut self, countries: &[&str]) -> u32 {
        let d = loop {
            let d = pick(self.rng, DESTINATIONS);
            if countries.is_empty() || countries.contains(&d.country) {
                break d;
            }
        };
        let name = person_name(self.rng);
        self.outside(name, d.payer, d.country, Some(d.region))
    }

    fn branch_of(&self, customer: u32) -> u32 {
        self.world.locality_places[self.world.customers[customer as usize].locality as usize].0
    }

    /// Injects one pattern of `scenario` starting on `day`.
    pub(crate) fn inject(&mut self, scenario: &str, day: i64) {
        match scenario {
            "A2" => self.gto_band_cash(day),
            "A3" => self.structuring(day),
            "A4" => self.gto_evasion(day),
            "A5" => self.multi_location(day),
            "B1" => self.armored_car_outflow(day),
            "B2" => self.border_msb(day),
            "B3" => self.casa_spike(day),
            "C1" => self.funnel(day),
            "C2" => self.many_to_one(day),
            "C3" => self.pass_through(day),
            "E1" => self.section_2313a(day),
            "E2" => self.designated_party(day),
            "F1" => self.remittance_fan_out(day),
            "F2" => self.remittance_fan_in(day),
            "F3" => self.identity_reuse(day),
            "F4" => self.corridor_spike(day),
            "G1" => self.fan_out(day),
            "G2" => self.fan_in(day),
            "G3" => self.cycle(day),
            "G4" => self.scatter_gather(day),
            "G5" => self.gather_scatter(day),
            "G6" => self.bipartite(day),
            "G7" => self.chain(day),
            _ => {}
        }
    }

    /// The days a scenario may start on, given its dated rules.
    pub(crate) fn window(&self, scenario: &str) -> (i64, i64) {
        let warm = (self.first + 40).min(self.last);
        let late = (self.first + 100).min(self.last);
        let end = (self.last - 35).max(warm);
        match scenario {
            // Around the two GTO start dates (one or the other).
            "A2" | "A4" => (GTO_1.max(self.first), self.last - 3),
            "E1" => (ORDERS_2313A.max(self.first), self.last - 1),
            "B3" | "F4" => (late, self.last - 2),
            _ => (warm, end),
        }
    }

    fn gto_agent(&mut self, day: i64) -> Option<u32> {
        let period_2 = day >= GTO_2;
        let candidates: Vec<u32> = LOCALITIES
            .iter()
            .enumerate()
            .filter(|(_, l)| if period_2 { l.gto_2025_09 } else { l.gto_2025_04 })
            .map(|(i, _)| self.world.locality_places[i].1)
            .collect();
        if candidates.is_empty() || day < GTO_1 {
            return None;
        }
        Some(pick(self.rng, &candidates))
    }

    /// A2: a cash transaction in the GTO band at an agent in the area.
    fn gto_band_cash(&mut self, day: i64) {
        let day = self.near_gto_start(day);
        let Some(agent) = self.gto_agent(day) else { return };
        let p = self.pattern("A2");
        let who = self.person();
        let amount = log_uniform(self.rng, 1_050.0, 9_500.0) / 100 * 100;
        let t = time_in(self.rng, day, 14, 23);
        self.out.push(
            Event::new(t, amount, Channel::Cash, Side::Cash, Side::Account(who))
                .at(agent + self.rng.random_range(0..2))
                .labelled(p),
        );
    }

    /// Moves a day to within a month after one of the GTO start dates,
    /// when that falls inside the simulation.
    fn near_gto_start(&mut self, day: i64) -> i64 {
        let starts: Vec<i64> = [GTO_1, GTO_2]
            .into_iter()
            .filter(|s| *s >= self.first && *s + 30 <= self.last)
            .collect();
        if starts.is_empty() {
            return day;
        }
        pick(self.rng, &starts) + self.rng.random_range(0..30)
    }

    /// A3: cash kept under the CTR line on consecutive days.
    fn structuring(&mut self, day: i64) {
        let p = self.pattern("A3");
        let who = if self.rng.random_bool(0.7) || self.world.cash_businesses.is_empty() {
            self.person()
        } else {
            pick(self.rng, &self.world.cash_businesses)
        };
        let branch = self.branch_of(who);
        if self.rng.random_bool(0.6) {
            // Two or three deposits of 80–100 % of the threshold, a day apart.
            for k in 0..self.rng.random_range(2..4) {
                let amount = cents(self.rng, 8_050.0, 9_990.0);
                let t = time_in(self.rng, day + k, 14, 22);
                self.out.push(
                    Event::new(t, amount, Channel::Cash, Side::Cash, Side::Account(who))
                        .at(branch)
                        .labelled(p),
                );
            }
        } else {
            // Three to five smaller deposits within a week adding up to more.
            let n = self.rng.random_range(3..6);
            let mut days: Vec<i64> = (0..7).collect();
            for k in 0..n {
                let d = days.remove(self.rng.random_range(0..days.len()));
                let amount =
                    cents(self.rng, 10_500.0 / n as f64, 9_000.0f64.min(30_000.0 / n as f64));
                let t = time_in(self.rng, day + d, 14, 22);
                let _ = k;
                self.out.push(
                    Event::new(t, amount, Channel::Cash, Side::Cash, Side::Account(who))
                        .at(branch)
                        .labelled(p),
                );
            }
        }
    }

    /// A4: just under the GTO threshold, twice or more in a day, at one or
    /// two agents.
    fn gto_evasion(&mut self, day: i64) {
        let day = self.near_gto_start(day);
        let Some(agent) = self.gto_agent(day) else { return };
        let p = self.pattern("A4");
        let who = self.person();
        let threshold = if day >= GTO_2 { 1_000.0 } else { 200.0 };
        for k in 0..self.rng.random_range(2..4) {
            let amount = cents(self.rng, 0.82 * threshold, 0.995 * threshold);
            let t = time_in(self.rng, day, 14 + 3 * k, 16 + 3 * k);
            let place = agent + (k as u32 % 2);
            self.out.push(
                Event::new(t, amount, Channel::Cash, Side::Cash, Side::Account(who))
                    .at(place)
                    .labelled(p),
            );
        }
    }

    /// A5: deposits into one account at three or more branches, by
    /// different people, within a day.
    fn multi_location(&mut self, day: i64) {
        let p = self.pattern("A5");
        let who = self.person();
        let n = self.rng.random_range(3..6);
        let start = time_in(self.rng, day, 13, 16);
        let mut localities: Vec<usize> = (0..LOCALITIES.len()).collect();
        for k in 0..n {
            let l = localities.remove(self.rng.random_range(0..localities.len()));
            let branch = self.world.locality_places[l].0;
            let amount = cents(self.rng, 1_800.0, 4_000.0);
            let conductor = self.conductor();
            let t = start + k as i64 * self.rng.random_range(HOUR_MS..3 * HOUR_MS);
            self.out.push(
                Event::new(t, amount, Channel::Cash, Side::Cash, Side::Account(who))
                    .at(branch)
                    .by(conductor)
                    .labelled(p),
            );
        }
    }

    /// A Mexico-linked business, flagged as such.
    fn mexico_linked_business(&mut self) -> u32 {
        let linked: Vec<u32> = self
            .world
            .cash_businesses
            .iter()
            .chain(&self.world.businesses)
            .copied()
            .filter(|&b| {
                self.world.customers[b as usize].flags
                    & (flag::MX_AFFILIATE | flag::BORDER_BUSINESS | flag::MX_BASED)
                    != 0
            })
            .collect();
        if !linked.is_empty() && self.rng.random_bool(0.7) {
            return pick(self.rng, &linked);
        }
        let all: Vec<u32> =
            self.world.cash_businesses.iter().chain(&self.world.businesses).copied().collect();
        let b = if all.is_empty() { self.person() } else { pick(self.rng, &all) };
        self.world.customers[b as usize].flags |= flag::MX_AFFILIATE;
        b
    }

    /// B1: armored-car credits of $50,000+ to a Mexico-linked business,
    /// then most of it wired to Mexico within days.
    fn armored_car_outflow(&mut self, day: i64) {
        if self.world.armored.is_empty() {
            return;
        }
        let p = self.pattern("B1");
        let business = self.mexico_linked_business();
        let acs = pick(self.rng, &self.world.armored);
        let total = cents(self.rng, 55_000.0, 180_000.0);
        let n = self.rng.random_range(2..5);
        let mut received = 0;
        let mut t = time_in(self.rng, day, 15, 19);
        for k in 0..n {
            let amount = if k + 1 == n { total - received } else { total / n };
            received += amount;
            self.out.push(
                Event::new(t, amount, Channel::Ach, Side::Account(acs), Side::Account(business))
                    .memo("cash pickup deposit")
                    .labelled(p),
            );
            t += self.rng.random_range(6 * HOUR_MS..20 * HOUR_MS);
        }
        let share = self.rng.random_range(0.75..0.95);
        let wires = self.rng.random_range(1..4);
        let name = format!("Importadora {} S.A. de C.V.", pick(self.rng, crate::tables::FAMILY));
        let importer = self.outside(name, "Banorte", "mx", Some("Chihuahua"));
        for _ in 0..wires {
            t += self.rng.random_range(4 * HOUR_MS..30 * HOUR_MS);
            let amount = (received as f64 * share / wires as f64) as i64;
            self.out.push(
                Event::new(
                    t,
                    amount,
                    Channel::Wire,
                    Side::Account(business),
                    Side::Outside(importer),
                )
                .memo("pago a proveedor")
                .labelled(p),
            );
        }
    }

    /// B2: a border agent sending more than its daily reference of cash to
    /// Mexico in one day.
    fn border_msb(&mut self, day: i64) {
        let border: Vec<usize> = (0..LOCALITIES.len())
            .filter(|&i| BORDER_STATES.contains(&LOCALITIES[i].state))
            .collect();
        let l = pick(self.rng, &border);
        let agent = self.world.locality_places[l].1 + self.rng.random_range(0..2);
        let p = self.pattern("B2");
        let n = self.rng.random_range(6..14);
        let mut total = 0;
        let target = cents(self.rng, 12_000.0, 40_000.0);
        for k in 0..n {
            let sender = self.remitter();
            let to = self.beneficiary_abroad(&["mx"]);
            let amount = if k + 1 == n {
                (target - total).max(50_000)
            } else {
                cents(self.rng, 1_200.0, 4_500.0)
            };
            total += amount;
            let t = time_in(self.rng, day, 14, 23);
            self.out.push(
                Event::new(
                    t,
                    amount,
                    Channel::Remittance,
                    Side::Account(sender),
                    Side::Outside(to),
                )
                .at(agent)
                .labelled(p),
            );
        }
    }

    /// B3: a casa de cambio's inbound wires jumping far above its
    /// baseline in one day, in round amounts.
    fn casa_spike(&mut self, day: i64) {
        if self.world.casas.is_empty() {
            return;
        }
        let p = self.pattern("B3");
        let casa = pick(self.rng, &self.world.casas);
        let n = self.rng.random_range(4..9);
        let name =
            format!("Comercializadora {} S.A. de C.V.", pick(self.rng, crate::tables::FAMILY));
        let from = self.outside(name, "Banco del Bajío", "mx", Some("Sinaloa"));
        for _ in 0..n {
            let amount = self.rng.random_range(15..50) * 100_000;
            let t = time_in(self.rng, day, 14, 22);
            self.out.push(
                Event::new(t, amount, Channel::Wire, Side::Outside(from), Side::Account(casa))
                    .memo("FX settlement")
                    .labelled(p),
            );
        }
    }

    /// C1: third-party cash deposits in several other states, withdrawn
    /// or wired on within days.
    fn funnel(&mut self, day: i64) {
        let p = self.pattern("C1");
        let holder = self.person();
        let home = LOCALITIES[self.world.customers[holder as usize].locality as usize].state;
        let others: Vec<usize> =
            (0..LOCALITIES.len()).filter(|&i| LOCALITIES[i].state != home).collect();
        let border_branch: Vec<u32> = (0..LOCALITIES.len())
            .filter(|&i| BORDER_STATES.contains(&LOCALITIES[i].state))
            .map(|i| self.world.locality_places[i].0)
            .collect();
        let n = self.rng.random_range(5..9);
        let span = self.rng.random_range(8..26);
        let to_mexico = self.beneficiary_abroad(&["mx"]);
        let mut states_used: Vec<&str> = Vec::new();
        for k in 0..n {
            // Make sure at least three states appear.
            let l = loop {
                let l = pick(self.rng, &others);
                if states_used.len() >= 3 || !states_used.contains(&LOCALITIES[l].state) || k >= 6 {
                    break l;
                }
            };
            if !states_used.contains(&LOCALITIES[l].state) {
                states_used.push(LOCALITIES[l].state);
            }
            let d = day + (k as i64 * span / n as i64);
            let amount = cents(self.rng, 3_000.0, 9_600.0);
            let conductor = self.conductor();
            let t = time_in(self.rng, d, 14, 20);
            let branch = self.world.locality_places[l].0;
            self.out.push(
                Event::new(t, amount, Channel::Cash, Side::Cash, Side::Account(holder))
                    .at(branch)
                    .by(conductor)
                    .labelled(p),
            );
            let out = (amount as f64 * self.rng.random_range(0.82..0.97)) as i64;
            let t2 = t + self.rng.random_range(3 * HOUR_MS..60 * HOUR_MS);
            let event = if self.rng.random_bool(0.5) {
                Event::new(t2, out, Channel::Cash, Side::Account(holder), Side::Cash)
                    .at(pick(self.rng, &border_branch))
            } else {
                Event::new(t2, out, Channel::Wire, Side::Account(holder), Side::Outside(to_mexico))
            };
            self.out.push(event.labelled(p));
        }
    }

    /// C2: ten or more originators in three or more states or countries
    /// paying one person near the border.
    fn many_to_one(&mut self, day: i64) {
        let border: Vec<u32> = self
            .world
            .individuals
            .iter()
            .copied()
            .filter(|&c| {
                BORDER_STATES
                    .contains(&LOCALITIES[self.world.customers[c as usize].locality as usize].state)
            })
            .collect();
        if border.is_empty() {
            return;
        }
        let p = self.pattern("C2");
        let target = pick(self.rng, &border);
        let n = self.rng.random_range(10..17);
        let span = self.rng.random_range(5..27);
        let senders = self.people(n, &[target]);
        for (k, &s) in senders.iter().enumerate() {
            let t = time_in(self.rng, day + (k as i64 * span / n as i64), 13, 23);
            let amount = cents(self.rng, 250.0, 2_400.0);
            let channel = if self.rng.random_bool(0.5) { Channel::Ach } else { Channel::Wire };
            self.out.push(
                Event::new(t, amount, channel, Side::Account(s), Side::Account(target)).labelled(p),
            );
        }
        // A few from Mexico and Central America as well.
        for k in 0..self.rng.random_range(2..5) {
            let from = self.beneficiary_abroad(&["mx", "gt", "hn", "sv"]);
            let t = time_in(self.rng, day + (k * span / 4), 13, 23);
            let amount = cents(self.rng, 300.0, 1_500.0);
            self.out.push(
                Event::new(t, amount, Channel::Wire, Side::Outside(from), Side::Account(target))
                    .labelled(p),
            );
        }
    }

    /// C3: an account that forwards nearly all it receives within two days.
    fn pass_through(&mut self, day: i64) {
        let p = self.pattern("C3");
        let account = self.person();
        self.world.customers[account as usize].opened = day - self.rng.random_range(5..40);
        let n = self.rng.random_range(3..7);
        let span = self.rng.random_range(8..26);
        let name = format!(
            "{} Trading {}",
            pick(self.rng, crate::tables::FAMILY),
            pick(self.rng, crate::tables::LEGAL_FORMS)
        );
        let sink = self.outside(name, "Bank of America", "us", Some("FL"));
        for k in 0..n {
            let name = person_name(self.rng);
            let source = self.outside(name, "Chase", "us", None);
            let t = time_in(self.rng, day + (k as i64 * span / n as i64), 13, 20);
            let amount = cents(self.rng, 2_500.0, 15_000.0);
            self.out.push(
                Event::new(t, amount, Channel::Ach, Side::Outside(source), Side::Account(account))
                    .labelled(p),
            );
            let out = (amount as f64 * self.rng.random_range(0.93..0.995)) as i64;
            let t2 = t + self.rng.random_range(2 * HOUR_MS..40 * HOUR_MS);
            self.out.push(
                Event::new(t2, out, Channel::Wire, Side::Account(account), Side::Outside(sink))
                    .labelled(p),
            );
        }
    }

    /// E1: a transfer to or from an institution named in a §2313a order
    /// after the orders took effect.
    fn section_2313a(&mut self, day: i64) {
        if day < ORDERS_2313A {
            return;
        }
        let p = self.pattern("E1");
        let (institution, clabe) = pick(self.rng, SECTION_2313A);
        let name = person_name(self.rng);
        let party = self.outside(name, institution, "mx", Some("Jalisco"));
        // Accounts there are CLABEs starting with the bank's code.
        let number = self.rng.random_range(100_000_000_000_000u64..999_999_999_999_999);
        self.world.outside[party as usize].account = format!("{clabe}{number}");
        let customer = if self.rng.random_bool(0.5) || self.world.businesses.is_empty() {
            self.person()
        } else {
            pick(self.rng, &self.world.businesses)
        };
        let t = time_in(self.rng, day, 14, 22);
        let amount = log_uniform(self.rng, 500.0, 40_000.0);
        let event = if self.rng.random_bool(0.7) {
            Event::new(t, amount, Channel::Wire, Side::Account(customer), Side::Outside(party))
        } else {
            Event::new(t, amount, Channel::Wire, Side::Outside(party), Side::Account(customer))
        };
        self.out.push(event.labelled(p));
    }

    /// The same transfers before the orders: lawful then, so unlabelled.
    pub(crate) fn section_2313a_before(&mut self, day: i64) {
        let (institution, clabe) = pick(self.rng, SECTION_2313A);
        let name = person_name(self.rng);
        let party = self.outside(name, institution, "mx", Some("Jalisco"));
        let number = self.rng.random_range(100_000_000_000_000u64..999_999_999_999_999);
        self.world.outside[party as usize].account = format!("{clabe}{number}");
        let customer = self.person();
        let t = time_in(self.rng, day, 14, 22);
        let amount = log_uniform(self.rng, 200.0, 8_000.0);
        self.out.push(Event::new(
            t,
            amount,
            Channel::Wire,
            Side::Account(customer),
            Side::Outside(party),
        ));
    }

    /// E2: a payment to a party whose name is a designated name, as
    /// written by a clerk (accents dropped, order changed, typos).
    fn designated_party(&mut self, day: i64) {
        let p = self.pattern("E2");
        let name = variant(self.rng);
        let party = self.outside(name, "Banco Azteca", "mx", Some("Sinaloa"));
        let customer = self.remitter();
        let t = time_in(self.rng, day, 14, 22);
        let amount = log_uniform(self.rng, 300.0, 9_000.0);
        let channel = if self.rng.random_bool(0.5) { Channel::Remittance } else { Channel::Wire };
        let agent = self.world.customers[customer as usize].habit.agent;
        let mut event =
            Event::new(t, amount, channel, Side::Account(customer), Side::Outside(party))
                .labelled(p);
        if channel == Channel::Remittance {
            event = event.at(agent);
        }
        self.out.push(event);
    }

    /// A payment to a name that resembles a designated one but is not it
    /// (unlabelled: the screening look-alike).
    pub(crate) fn designated_lookalike(&mut self, day: i64) {
        let name = lookalike(self.rng);
        let party = self.outside(name, "BBVA México", "mx", Some("Sinaloa"));
        let customer = self.remitter();
        let t = time_in(self.rng, day, 14, 22);
        let amount = log_uniform(self.rng, 150.0, 900.0);
        self.out.push(Event::new(
            t,
            amount,
            Channel::Wire,
            Side::Account(customer),
            Side::Outside(party),
        ));
    }

    /// F1: a sender paying five or more new beneficiaries in Mexico or
    /// Central America within a month (or three within a week).
    fn remittance_fan_out(&mut self, day: i64) {
        let p = self.pattern("F1");
        let sender = self.remitter();
        let fast = self.rng.random_bool(0.3);
        let (n, span) = if fast {
            (self.rng.random_range(3..5), 6)
        } else {
            (self.rng.random_range(5..9), self.rng.random_range(6..28))
        };
        let agent = self.world.customers[sender as usize].habit.agent;
        for k in 0..n {
            let to = self.beneficiary_abroad(&[]);
            let t = time_in(self.rng, day + (k as i64 * span / n as i64), 14, 23);
            let amount = cents(self.rng, 180.0, 950.0);
            self.out.push(
                Event::new(
                    t,
                    amount,
                    Channel::Remittance,
                    Side::Account(sender),
                    Side::Outside(to),
                )
                .at(agent)
                .labelled(p),
            );
        }
    }

    /// F2: five or more senders in two or more states paying one
    /// beneficiary within a month.
    fn remittance_fan_in(&mut self, day: i64) {
        let p = self.pattern("F2");
        let to = self.beneficiary_abroad(&["mx", "gt", "hn"]);
        let n = self.rng.random_range(5..10);
        let span = self.rng.random_range(4..28);
        let mut states: Vec<&str> = Vec::new();
        for k in 0..n {
            let sender = loop {
                let s = self.remitter();
                let state = LOCALITIES[self.world.customers[s as usize].locality as usize].state;
                if states.len() >= 2 || !states.contains(&state) || k > 4 {
                    break s;
                }
            };
            let state = LOCALITIES[self.world.customers[sender as usize].locality as usize].state;
            if !states.contains(&state) {
                states.push(state);
            }
            let agent = self.world.customers[sender as usize].habit.agent;
            let t = time_in(self.rng, day + (k as i64 * span / n as i64), 14, 23);
            let amount = cents(self.rng, 200.0, 1_900.0);
            self.out.push(
                Event::new(
                    t,
                    amount,
                    Channel::Remittance,
                    Side::Account(sender),
                    Side::Outside(to),
                )
                .at(agent)
                .labelled(p),
            );
        }
    }

    /// F3: three or more senders giving the same phone and ID.
    fn identity_reuse(&mut self, day: i64) {
        let p = self.pattern("F3");
        let identity = p;
        let n = self.rng.random_range(3..6);
        let span = self.rng.random_range(2..25);
        for k in 0..n {
            let sender = self.remitter();
            let to = self.beneficiary_abroad(&[]);
            let agent = self.world.customers[sender as usize].habit.agent;
            let t = time_in(self.rng, day + (k as i64 * span / n as i64), 14, 23);
            let amount = cents(self.rng, 200.0, 1_200.0);
            let mut event = Event::new(
                t,
                amount,
                Channel::Remittance,
                Side::Account(sender),
                Side::Outside(to),
            )
            .at(agent)
            .labelled(p);
            event.identity = identity;
            self.out.push(event);
        }
    }

    /// F4: an agent's transfers to one country spiking in a day, many just
    /// under the $1,000 and $3,000 marks.
    fn corridor_spike(&mut self, day: i64) {
        let inland: Vec<usize> = (0..LOCALITIES.len())
            .filter(|&i| !BORDER_STATES.contains(&LOCALITIES[i].state))
            .collect();
        let l = pick(self.rng, &inland);
        let agent = self.world.locality_places[l].1 + self.rng.random_range(0..2);
        let p = self.pattern("F4");
        let country = pick(self.rng, &["gt", "hn", "sv"]);
        let n = self.rng.random_range(12..22);
        for _ in 0..n {
            let sender = self.remitter();
            let to = self.beneficiary_abroad(&[country]);
            let amount = if self.rng.random_bool(0.6) {
                if self.rng.random_bool(0.7) {
                    cents(self.rng, 905.0, 999.0)
                } else {
                    cents(self.rng, 2_750.0, 2_999.0)
                }
            } else {
                cents(self.rng, 300.0, 2_500.0)
            };
            let t = time_in(self.rng, day, 14, 23);
            self.out.push(
                Event::new(
                    t,
                    amount,
                    Channel::Remittance,
                    Side::Account(sender),
                    Side::Outside(to),
                )
                .at(agent)
                .labelled(p),
            );
        }
    }

    fn transfer_channel(&mut self) -> Channel {
        if self.rng.random_bool(0.5) { Channel::Wire } else { Channel::Ach }
    }

    /// G1: funds received, then scattered to five or more new receivers.
    fn fan_out(&mut self, day: i64) {
        let p = self.pattern("G1");
        let hub = self.person();
        let name = format!(
            "{} Holdings {}",
            pick(self.rng, crate::tables::FAMILY),
            pick(self.rng, crate::tables::LEGAL_FORMS)
        );
        let source = self.outside(name, "Chase", "us", Some("FL"));
        let inflow = cents(self.rng, 25_000.0, 90_000.0);
        let mut t = time_in(self.rng, day, 13, 18);
        self.out.push(
            Event::new(t, inflow, Channel::Wire, Side::Outside(source), Side::Account(hub))
                .labelled(p),
        );
        let n = self.rng.random_range(5..13);
        let receivers = self.people(n, &[hub]);
        let share = self.rng.random_range(0.7..0.95);
        for &r in &receivers {
            t += self.rng.random_range(HOUR_MS..(30 * HOUR_MS / n as i64).max(2 * HOUR_MS));
            let amount =
                (inflow as f64 * share / n as f64 * self.rng.random_range(0.85..1.15)) as i64;
            let channel = self.transfer_channel();
            self.out.push(
                Event::new(t, amount, channel, Side::Account(hub), Side::Account(r)).labelled(p),
            );
        }
    }

    /// G2: five or more new senders paying one account.
    fn fan_in(&mut self, day: i64) {
        let p = self.pattern("G2");
        let hub = self.person();
        let n = self.rng.random_range(5..13);
        let senders = self.people(n, &[hub]);
        let mut t = time_in(self.rng, day, 13, 18);
        for &s in &senders {
            t += self.rng.random_range(HOUR_MS..(40 * HOUR_MS / n as i64).max(2 * HOUR_MS));
            let amount = cents(self.rng, 2_500.0, 9_000.0);
            let channel = self.transfer_channel();
            self.out.push(
                Event::new(t, amount, channel, Side::Account(s), Side::Account(hub)).labelled(p),
            );
        }
    }

    /// G3: money going round three to eight accounts and coming back.
    fn cycle(&mut self, day: i64) {
        let p = self.pattern("G3");
        let n = self.rng.random_range(3..9);
        let members = self.people(n, &[]);
        let mut amount = cents(self.rng, 8_000.0, 60_000.0);
        let mut t = time_in(self.rng, day, 13, 20);
        for k in 0..members.len() {
            let (from, to) = (members[k], members[(k + 1) % members.len()]);
            let channel = self.transfer_channel();
            self.out.push(
                Event::new(t, amount, channel, Side::Account(from), Side::Account(to)).labelled(p),
            );
            amount = (amount as f64 * self.rng.random_range(0.94..0.995)) as i64;
            t += self.rng.random_range(6 * HOUR_MS..3 * DAY_MS);
        }
    }

    /// G4: a source splits funds over three or more intermediaries who pay
    /// one sink.
    fn scatter_gather(&mut self, day: i64) {
        let p = self.pattern("G4");
        let people = self.people(2 + 6, &[]);
        let (source, sink) = (people[0], people[1]);
        let n = self.rng.random_range(3..7).min(people.len() - 2);
        let mut t = time_in(self.rng, day, 13, 18);
        let mut legs = Vec::new();
        for &m in &people[2..2 + n] {
            t += self.rng.random_range(HOUR_MS..12 * HOUR_MS);
            let amount = cents(self.rng, 3_000.0, 9_500.0);
            let channel = self.transfer_channel();
            self.out.push(
                Event::new(t, amount, channel, Side::Account(source), Side::Account(m)).labelled(p),
            );
            legs.push((m, amount, t));
        }
        for (m, amount, sent) in legs {
            let t = sent + self.rng.random_range(12 * HOUR_MS..5 * DAY_MS);
            let out = (amount as f64 * self.rng.random_range(0.9..0.99)) as i64;
            let channel = self.transfer_channel();
            self.out.push(
                Event::new(t, out, channel, Side::Account(m), Side::Account(sink)).labelled(p),
            );
        }
    }

    /// G5: three or more sources pay a hub that pays three or more sinks.
    fn gather_scatter(&mut self, day: i64) {
        let p = self.pattern("G5");
        let k = self.rng.random_range(3..7);
        let m = self.rng.random_range(3..7);
        let people = self.people(1 + k + m, &[]);
        if people.len() < 1 + k + m {
            return;
        }
        let hub = people[0];
        let mut t = time_in(self.rng, day, 13, 18);
        let mut gathered = 0;
        for &s in &people[1..=k] {
            t += self.rng.random_range(HOUR_MS..20 * HOUR_MS);
            let amount = cents(self.rng, 3_000.0, 9_500.0);
            gathered += amount;
            let channel = self.transfer_channel();
            self.out.push(
                Event::new(t, amount, channel, Side::Account(s), Side::Account(hub)).labelled(p),
            );
        }
        let share = self.rng.random_range(0.8..0.98);
        for &r in &people[1 + k..] {
            t += self.rng.random_range(2 * HOUR_MS..24 * HOUR_MS);
            let amount =
                (gathered as f64 * share / m as f64 * self.rng.random_range(0.9..1.1)) as i64;
            let channel = self.transfer_channel();
            self.out.push(
                Event::new(t, amount, channel, Side::Account(hub), Side::Account(r)).labelled(p),
            );
        }
    }

    /// G6: conduits funded from upstream each pay every account of a
    /// receiver set; half the time the upstream is itself a layer (stack).
    fn bipartite(&mut self, day: i64) {
        let p = self.pattern("G6");
        let s = self.rng.random_range(3..5);
        let r = self.rng.random_range(3..5);
        let stack = self.rng.random_bool(0.5);
        let u = if stack { self.rng.random_range(3..5) } else { 0 };
        let people = self.people(s + r + u, &[]);
        if people.len() < s + r + u {
            return;
        }
        let (senders, rest) = people.split_at(s);
        let (receivers, upstream) = rest.split_at(r);
        let mut t = time_in(self.rng, day, 13, 18);
        let mut funded = vec![0i64; s];
        if stack {
            for &w in upstream {
                for (j, &x) in senders.iter().enumerate() {
                    t += self.rng.random_range(HOUR_MS / 2..4 * HOUR_MS);
                    let amount = cents(self.rng, 2_000.0, 6_000.0);
                    funded[j] += amount;
                    let channel = self.transfer_channel();
                    self.out.push(
                        Event::new(t, amount, channel, Side::Account(w), Side::Account(x))
                            .labelled(p),
                    );
                }
            }
        } else {
            for (j, &x) in senders.iter().enumerate() {
                let name = person_name(self.rng);
                let source = self.outside(name, "Chase", "us", None);
                t += self.rng.random_range(HOUR_MS..6 * HOUR_MS);
                let amount = cents(self.rng, 8_000.0, 25_000.0);
                funded[j] += amount;
                self.out.push(
                    Event::new(t, amount, Channel::Wire, Side::Outside(source), Side::Account(x))
                        .labelled(p),
                );
            }
        }
        t += self.rng.random_range(6 * HOUR_MS..2 * DAY_MS);
        for (j, &x) in senders.iter().enumerate() {
            let share = self.rng.random_range(0.7..0.95);
            for &y in receivers {
                t += self.rng.random_range(HOUR_MS / 2..6 * HOUR_MS);
                let amount = (funded[j] as f64 * share / r as f64) as i64;
                let channel = self.transfer_channel();
                self.out.push(
                    Event::new(t, amount, channel, Side::Account(x), Side::Account(y)).labelled(p),
                );
            }
        }
    }

    /// G7: value passed along a chain of three to nine hops, each within
    /// hours to a few days.
    fn chain(&mut self, day: i64) {
        let p = self.pattern("G7");
        let hops = self.rng.random_range(3..10);
        let members = self.people(hops + 1, &[]);
        let mut amount = cents(self.rng, 5_000.0, 50_000.0);
        let mut t = time_in(self.rng, day, 13, 20);
        for w in members.windows(2) {
            let channel = self.transfer_channel();
            self.out.push(
                Event::new(t, amount, channel, Side::Account(w[0]), Side::Account(w[1]))
                    .labelled(p),
            );
            amount = (amount as f64 * self.rng.random_range(0.95..0.995)) as i64;
            t += self.rng.random_range(2 * HOUR_MS..60 * HOUR_MS);
        }
    }
}
