//! One day of ordinary, benign activity: salaries and payroll runs, rent
//! and bills, card spending, ATM cash, small transfers between friends,
//! remittances home, cash takings of cash businesses (some collected by
//! armored cars), supplier payments, casas de cambio settling wires. The
//! benign look-alikes of the laundering shapes come from here: payroll is
//! a fan-out, a busy business is a fan-in and a gather-scatter hub, friends
//! pay each other back, border businesses receive armored-car credits.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use vigia_model::Channel;

use crate::calendar::{DAY_MS, HOUR_MS, civil_from_days, weekday};
use crate::event::{Event, Side};
use crate::tables::{LOCALITIES, MEMOS};
use crate::world::{Kind, Payer, World, log_uniform, pick};

/// A time on `day` between two UTC hours (US business hours are about
/// 13:00–24:00 UTC).
pub(crate) fn time_in(rng: &mut ChaCha8Rng, day: i64, from_hour: i64, to_hour: i64) -> i64 {
    day * DAY_MS + rng.random_range(from_hour * HOUR_MS..to_hour * HOUR_MS)
}

/// How many events with this expected count happen today.
fn count(rng: &mut ChaCha8Rng, rate: f64) -> u32 {
    let whole = rate.floor();
    let extra = u32::from(rng.random_bool((rate - whole).clamp(0.0, 1.0)));
    whole as u32 + extra
}

/// Outside parties the ordinary activity needs besides the world's blocks.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fixed {
    /// The card acquirer that settles card takings to businesses.
    pub(crate) acquirer: u32,
    /// Per casa de cambio: its own settlement account in Mexico.
    pub(crate) casa_peers: [u32; 4],
}

/// Appends the benign events of `day` to `out`.
pub(crate) fn day(
    world: &World,
    fixed: &Fixed,
    rng: &mut ChaCha8Rng,
    day: i64,
    out: &mut Vec<Event>,
) {
    let (_, _, dom) = civil_from_days(day);
    let wd = weekday(day);
    let business_day = wd < 5;
    for (i, c) in world.customers.iter().enumerate() {
        let i = i as u32;
        let me = Side::Account(i);
        let h = &c.habit;
        let (branch, agent) = world.locality_places[c.locality as usize];
        match c.kind {
            Kind::Individual | Kind::Remitter => {
                // Salary from an outside employer (customer employers pay
                // from their side, as one payroll run).
                if let Payer::Outside(o) = h.employer {
                    let paid =
                        if h.monthly_pay { dom == 1 } else { (day + i64::from(o % 14)) % 14 == 0 };
                    if paid {
                        let cents = h.salary
                            + if rng.random_bool(0.2) { rng.random_range(0..15_000) } else { 0 };
                        out.push(
                            Event::new(
                                time_in(rng, day, 9, 12),
                                cents,
                                Channel::Ach,
                                Side::Outside(o),
                                me,
                            )
                            .memo("payroll"),
                        );
                    }
                }
                if u32::from(h.rent_day) == dom {
                    out.push(
                        Event::new(
                            time_in(rng, day, 12, 23),
                            h.rent,
                            Channel::Ach,
                            me,
                            Side::Outside(h.rent_to),
                        )
                        .memo("rent"),
                    );
                }
                if u32::from(h.bill_day) == dom {
                    for (payee, cents) in h.bills {
                        let cents = cents * rng.random_range(85..116) / 100;
                        out.push(Event::new(
                            time_in(rng, day, 12, 23),
                            cents,
                            Channel::Ach,
                            me,
                            Side::Outside(payee),
                        ));
                    }
                }
                for _ in 0..count(rng, h.card_rate) {
                    let merchant = if rng.random_bool(0.85) {
                        h.merchants + rng.random_range(0..8)
                    } else {
                        world.merchants.0 + rng.random_range(0..world.merchants.1)
                    };
                    let cents = log_uniform(rng, 3.0, 160.0)
                        + if rng.random_bool(0.03) { log_uniform(rng, 100.0, 900.0) } else { 0 };
                    out.push(Event::new(
                        time_in(rng, day, 13, 24),
                        cents,
                        Channel::Card,
                        me,
                        Side::Outside(merchant),
                    ));
                }
                if rng.random_bool(0.06) {
                    let cents = rng.random_range(2..21) * 2_000;
                    out.push(
                        Event::new(time_in(rng, day, 13, 24), cents, Channel::Cash, me, Side::Cash)
                            .at(branch),
                    );
                }
                if rng.random_bool(0.015) {
                    out.push(
                        Event::new(
                            time_in(rng, day, 14, 22),
                            log_uniform(rng, 40.0, 900.0),
                            Channel::Cash,
                            Side::Cash,
                            me,
                        )
                        .at(branch),
                    );
                }
                if rng.random_bool(0.05) {
                    let friend = h.friends[rng.random_range(0..3)];
                    if friend != i {
                        let cents = log_uniform(rng, 15.0, 300.0) / 100 * 100;
                        out.push(
                            Event::new(
                                time_in(rng, day, 13, 24),
                                cents,
                                Channel::Ach,
                                me,
                                Side::Account(friend),
                            )
                            .memo(pick(rng, MEMOS)),
                        );
                    }
                }
                // Cash at a money-transmitter agent near the border:
                // exchange, bill payment, top-up of the customer's account.
                let l = LOCALITIES[c.locality as usize];
                if (l.gto_2025_04 || l.gto_2025_09) && rng.random_bool(0.025) {
                    let cents = log_uniform(rng, 40.0, 1600.0) / 100 * 100;
                    out.push(
                        Event::new(time_in(rng, day, 14, 24), cents, Channel::Cash, Side::Cash, me)
                            .at(agent + rng.random_range(0..2)),
                    );
                }
                if c.kind == Kind::Remitter
                    && (day + i64::from(h.remit_offset)) % i64::from(h.remit_every.max(1)) == 0
                {
                    let to =
                        if rng.random_bool(0.8) { h.beneficiaries[0] } else { h.beneficiaries[1] };
                    let cents = h.remit + rng.random_range(-2_000..2_000).max(-h.remit / 2);
                    out.push(
                        Event::new(
                            time_in(rng, day, 14, 24),
                            cents,
                            Channel::Remittance,
                            me,
                            Side::Outside(to),
                        )
                        .at(h.agent)
                        .memo(if rng.random_bool(0.5) {
                            "para la familia"
                        } else {
                            "family support"
                        }),
                    );
                }
            }
            Kind::CashBusiness | Kind::Business | Kind::Employer => {
                if wd < 6
                    && h.cash_daily > 0
                    && rng.random_bool(if c.kind == Kind::CashBusiness { 0.85 } else { 0.15 })
                {
                    let cents = h.cash_daily * rng.random_range(40..190) / 100;
                    match h.armored_car {
                        // Collected cash is credited by the armored-car
                        // service twice a week.
                        Some(acs) => {
                            if wd == 1 || wd == 4 {
                                let cents = cents * 3;
                                out.push(
                                    Event::new(
                                        time_in(rng, day, 15, 20),
                                        cents,
                                        Channel::Ach,
                                        Side::Account(acs),
                                        me,
                                    )
                                    .memo("cash pickup deposit"),
                                );
                            }
                        }
                        None => out.push(
                            Event::new(
                                time_in(rng, day, 15, 23),
                                cents,
                                Channel::Cash,
                                Side::Cash,
                                me,
                            )
                            .at(branch),
                        ),
                    }
                }
                if business_day {
                    // Card takings settle daily.
                    let cents = log_uniform(rng, 200.0, 6000.0);
                    out.push(
                        Event::new(
                            time_in(rng, day, 8, 11),
                            cents,
                            Channel::Ach,
                            Side::Outside(fixed.acquirer),
                            me,
                        )
                        .memo("card settlement"),
                    );
                }
                // Each supplier is paid weekly, on its own weekday.
                for (k, &supplier) in h.suppliers.iter().enumerate() {
                    if !business_day || (i as usize + k) % 5 != wd as usize {
                        continue;
                    }
                    let channel = if k == 0 { Channel::Wire } else { Channel::Ach };
                    out.push(
                        Event::new(
                            time_in(rng, day, 13, 23),
                            log_uniform(rng, 300.0, 12_000.0),
                            channel,
                            me,
                            Side::Outside(supplier),
                        )
                        .memo("invoice"),
                    );
                }
                if c.kind == Kind::Employer && business_day && rng.random_bool(0.4) {
                    // Its clients are the same few firms, month after month.
                    let client = h.clients[rng.random_range(0..3)];
                    out.push(
                        Event::new(
                            time_in(rng, day, 13, 23),
                            log_uniform(rng, 2_000.0, 40_000.0),
                            Channel::Wire,
                            Side::Outside(client),
                            me,
                        )
                        .memo("invoice"),
                    );
                }
                // Payroll run: every employee on one day.
                if (day + i64::from(h.payday)) % 14 == 0 {
                    for &e in &h.employees {
                        let employee = &world.customers[e as usize];
                        let cents = if employee.habit.employer == Payer::Customer(i) {
                            employee.habit.salary
                        } else {
                            (employee.habit.salary / 3).max(30_000)
                        };
                        out.push(
                            Event::new(
                                time_in(rng, day, 9, 12),
                                cents,
                                Channel::Ach,
                                me,
                                Side::Account(e),
                            )
                            .memo("payroll"),
                        );
                    }
                }
            }
            Kind::CasaDeCambio => {
                let k = (i as usize).min(3);
                for _ in 0..count(rng, 1.6) {
                    out.push(
                        Event::new(
                            time_in(rng, day, 14, 22),
                            log_uniform(rng, 4_000.0, 30_000.0),
                            Channel::Wire,
                            Side::Outside(fixed.casa_peers[k]),
                            me,
                        )
                        .memo("FX settlement"),
                    );
                }
                if business_day && rng.random_bool(0.5) {
                    // A casa pays the same US exporters for its clients' goods.
                    let exporter = h.suppliers[rng.random_range(0..3)];
                    out.push(
                        Event::new(
                            time_in(rng, day, 14, 22),
                            log_uniform(rng, 5_000.0, 45_000.0),
                            Channel::Wire,
                            me,
                            Side::Outside(exporter),
                        )
                        .memo("pago de mercancia"),
                    );
                }
            }
            Kind::ArmoredCar => {}
        }
    }
}
