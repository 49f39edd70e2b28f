//! Writing Vigia JSONL by hand: the generator's output is the hot path of
//! every benchmark that uses it, and the shape is fixed, so a direct
//! writer (no intermediate `Transaction`, no allocation per line) keeps
//! generation well above a million lines a second. The shape is that of
//! `vigia_model::Transaction` serialised by serde, plus `labels`; a test
//! parses the output back into `Transaction`.

use std::fmt::Write as _;

use crate::calendar::iso_date;
use crate::event::{Event, NONE, Side};
use crate::tables::{HOME_BANK, HOME_MSB, LOCALITIES};
use crate::world::{Kind, World, flag};

/// Appends `text` as a JSON string.
pub(crate) fn string(out: &mut String, text: &str) {
    out.push('"');
    if text.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push_str(text);
    } else {
        for c in text.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if (c as u32) < 0x20 => {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                }
                c => out.push(c),
            }
        }
    }
    out.push('"');
}

/// Appends an unsigned integer.
pub(crate) fn integer(out: &mut String, value: u64) {
    out.push_str(itoa::Buffer::new().format(value));
}

/// Appends an integer zero-padded to `width` digits.
fn padded(out: &mut String, value: u64, width: usize) {
    let mut digits = 1;
    let mut v = value;
    while v >= 10 {
        v /= 10;
        digits += 1;
    }
    for _ in digits..width {
        out.push('0');
    }
    integer(out, value);
}

/// Appends cents as a decimal amount (`1234.5` style is avoided: always
/// two decimals).
fn amount(out: &mut String, cents: i64) {
    let cents = cents.max(0) as u64;
    integer(out, cents / 100);
    out.push('.');
    padded(out, cents % 100, 2);
}

fn field(out: &mut String, name: &str, value: &str) {
    out.push_str(",\"");
    out.push_str(name);
    out.push_str("\":");
    string(out, value);
}

/// What the writer needs beside the world: the parties' and places' JSON,
/// rendered once (a transaction line is then mostly copies).
pub(crate) struct Names<'a> {
    pub(crate) conductors: &'a [String],
    pub(crate) rendered: &'a Rendered,
}

/// Pre-rendered JSON fragments.
#[derive(Debug, Default)]
pub(crate) struct Rendered {
    /// Per customer account: the party object without its closing brace.
    accounts: Vec<String>,
    /// Per outside party: the whole party object.
    outside: Vec<String>,
    /// Per place: `,"place":{...}`.
    places: Vec<String>,
}

impl Rendered {
    pub(crate) fn new(world: &World) -> Rendered {
        let accounts = (0..world.customers.len() as u32)
            .map(|i| {
                let c = &world.customers[i as usize];
                let l = LOCALITIES[c.locality as usize];
                let mut out = String::with_capacity(160);
                out.push_str("{\"account\":\"AC");
                padded(&mut out, u64::from(i) + 1, 8);
                out.push_str("\",\"customer\":\"CU");
                padded(&mut out, u64::from(i) + 1, 8);
                out.push('"');
                field(&mut out, "name", &c.name);
                let institution = if c.kind == Kind::CasaDeCambio {
                    "Vigia Community Bank (correspondent)"
                } else {
                    HOME_BANK
                };
                field(&mut out, "institution", institution);
                let country = if c.flags & flag::MX_BASED != 0 { "mx" } else { "us" };
                field(&mut out, "country", country);
                if country == "us" {
                    field(&mut out, "state", l.state);
                    field(&mut out, "zip", l.zip);
                }
                out
            })
            .collect();
        let outside = world
            .outside
            .iter()
            .map(|p| {
                let mut out = String::with_capacity(128);
                out.push_str("{\"account\":");
                string(&mut out, &p.account);
                field(&mut out, "name", &p.name);
                field(&mut out, "institution", &p.institution);
                field(&mut out, "country", p.country);
                if let Some(state) = p.state {
                    field(&mut out, "state", state);
                }
                out.push('}');
                out
            })
            .collect();
        let places = world
            .places
            .iter()
            .map(|place| {
                let l = LOCALITIES[place.locality as usize];
                let mut out = String::with_capacity(96);
                out.push_str(",\"place\":{\"id\":");
                string(&mut out, &place.id);
                field(&mut out, "zip", l.zip);
                field(&mut out, "county", l.county);
                field(&mut out, "state", l.state);
                out.push_str(",\"country\":\"us\"}");
                out
            })
            .collect();
        Rendered { accounts, outside, places }
    }
}

fn account_party(
    out: &mut String,
    world: &World,
    names: &Names<'_>,
    i: u32,
    sender_identity: Option<u32>,
) {
    out.push_str(names.rendered.accounts.get(i as usize).map_or("{", String::as_str));
    if let Some(identity) = sender_identity {
        // Remittance senders give a phone and an identity document; an F3
        // pattern makes several senders give the same ones.
        if identity == NONE {
            let c = &world.customers[i as usize];
            out.push_str(",\"id_number\":\"DL");
            padded(out, u64::from(i) * 7 + 1_000_003, 9);
            out.push_str("\",\"phone\":\"+1");
            padded(out, u64::from(c.habit.phone) + 2_100_000_000, 10);
            out.push('"');
        } else {
            out.push_str(",\"id_number\":\"MX");
            padded(out, u64::from(identity) * 13 + 500_000_017, 9);
            out.push_str("\",\"phone\":\"+1956");
            padded(out, u64::from(identity) % 10_000_000, 7);
            out.push('"');
        }
    }
    out.push('}');
}

fn party(
    out: &mut String,
    world: &World,
    names: &Names<'_>,
    side: Side,
    other: Side,
    event: &Event,
    sender: bool,
) {
    match side {
        Side::Account(i) => {
            let identity = (sender && event.channel == vigia_model::Channel::Remittance)
                .then_some(event.identity);
            account_party(out, world, names, i, identity);
        }
        Side::Outside(o) => {
            out.push_str(names.rendered.outside.get(o as usize).map_or("{}", String::as_str))
        }
        Side::Cash => {
            // Cash over the counter: the depositor (or the one who takes
            // it), the holder when no third party is named.
            out.push_str("{\"account\":\"\"");
            if event.conductor != NONE {
                field(
                    out,
                    "name",
                    names.conductors.get(event.conductor as usize).map_or("", String::as_str),
                );
            } else if let Side::Account(i) = other {
                out.push_str(",\"customer\":\"CU");
                padded(out, u64::from(i) + 1, 8);
                out.push('"');
                field(out, "name", &world.customers[i as usize].name);
                // The holder shows an identity document over the counter.
                out.push_str(",\"id_number\":\"DL");
                padded(out, u64::from(i) * 7 + 1_000_003, 9);
                out.push('"');
            }
            out.push('}');
        }
    }
}

/// The label of one transaction.
pub(crate) enum Label<'a> {
    None,
    Pattern {
        scenario: &'a str,
        typology: &'a str,
        id: &'a str,
    },
    /// A currency-transaction-report duty (A1/A2) of benign traffic.
    Ctr {
        scenario: &'a str,
        key: &'a str,
    },
}

/// Appends one transaction line (with its newline).
pub(crate) fn transaction(
    out: &mut String,
    world: &World,
    names: &Names<'_>,
    id: u64,
    event: &Event,
    label: &Label<'_>,
) {
    out.push_str("{\"id\":\"T");
    padded(out, id, 10);
    out.push_str("\",\"timestamp\":");
    integer(out, event.time.max(0) as u64);
    out.push_str(",\"amount\":");
    amount(out, event.cents);
    out.push_str(",\"currency\":\"USD\",\"channel\":\"");
    out.push_str(event.channel.as_str());
    out.push_str("\",\"originator\":");
    party(out, world, names, event.from, event.to, event, true);
    out.push_str(",\"beneficiary\":");
    party(out, world, names, event.to, event.from, event, false);
    if let Some(place) = names.rendered.places.get(event.place as usize) {
        out.push_str(place);
    }
    if event.conductor != NONE {
        field(
            out,
            "conductor",
            names.conductors.get(event.conductor as usize).map_or("", String::as_str),
        );
    }
    if !event.text.is_empty() {
        field(out, "text", event.text);
    }
    if event.channel == vigia_model::Channel::Remittance {
        out.push_str(",\"intermediaries\":[");
        string(out, HOME_MSB);
        out.push(']');
    }
    out.push_str(",\"labels\":");
    match label {
        Label::None => out.push_str("null"),
        Label::Pattern { scenario, typology, id } => {
            out.push_str("{\"typology\":");
            string(out, typology);
            field(out, "scenario", scenario);
            field(out, "pattern", id);
            out.push('}');
        }
        Label::Ctr { scenario, key } => {
            out.push_str("{\"typology\":\"ctr\"");
            field(out, "scenario", scenario);
            out.push_str(",\"pattern\":\"");
            out.push_str(scenario);
            out.push('-');
            out.push_str(key);
            out.push_str("\"}");
        }
    }
    out.push_str("}\n");
}

/// Appends one profile line per customer account, in the monitor's
/// profile format (`vigia_monitor::profile`).
pub(crate) fn profiles(out: &mut String, world: &World) {
    for (i, c) in world.customers.iter().enumerate() {
        let l = LOCALITIES[c.locality as usize];
        out.push_str("{\"account\":\"AC");
        padded(out, i as u64 + 1, 8);
        out.push_str("\",\"customer\":\"CU");
        padded(out, i as u64 + 1, 8);
        out.push('"');
        field(out, "name", &c.name);
        field(out, "kind", if c.kind.is_business() { "business" } else { "individual" });
        if let Some(naics) = c.naics {
            field(out, "naics", naics);
        }
        if c.flags & flag::MX_BASED != 0 {
            field(out, "home_country", "mx");
        } else {
            field(out, "home_state", l.state);
            field(out, "home_country", "us");
        }
        out.push_str(",\"flags\":[");
        let mut first = true;
        for (bit, name) in flag::NAMES {
            if c.flags & bit != 0 {
                if !first {
                    out.push(',');
                }
                first = false;
                string(out, name);
            }
        }
        out.push(']');
        field(out, "opened", &iso_date(c.opened));
        out.push_str("}\n");
    }
}
