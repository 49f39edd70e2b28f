//! Transactions and the parties on each side of them.
//!
//! This is the boundary type every transaction reader produces and the
//! monitoring engine consumes. Times are event times in milliseconds since
//! the Unix epoch (UTC); the monitoring engine never reads a clock.

use serde::{Deserialize, Serialize};

/// Milliseconds since the Unix epoch, UTC: when the transaction happened.
pub type EventTime = i64;

/// How money moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Cash deposited, withdrawn or exchanged.
    Cash,
    /// A funds transfer by wire.
    Wire,
    /// An ACH transfer.
    Ach,
    /// A money-transmitter remittance.
    Remittance,
    /// A card payment.
    Card,
    /// A cheque.
    Cheque,
    /// A money order, cashier's cheque or traveller's cheque.
    MonetaryInstrument,
    /// A virtual-currency transfer.
    Crypto,
    /// A transfer between accounts of the same customer ("reinvestment").
    Internal,
    /// Anything else.
    Other,
}

impl Channel {
    /// Parses the channel names of Vigia JSONL and AMLworld's "Payment
    /// Format" column ("Cash", "Wire", "ACH", "Cheque", "Credit Card",
    /// "Bitcoin", "Reinvestment"), case-insensitively.
    pub fn parse(name: &str) -> Channel {
        match name.trim().to_ascii_lowercase().replace([' ', '-'], "_").as_str() {
            "cash" => Channel::Cash,
            "wire" | "swift" | "funds_transfer" => Channel::Wire,
            "ach" => Channel::Ach,
            "remittance" | "money_transfer" => Channel::Remittance,
            "card" | "credit_card" | "debit_card" => Channel::Card,
            "cheque" | "check" => Channel::Cheque,
            "monetary_instrument" | "money_order" | "cashiers_check" | "travelers_check" => {
                Channel::MonetaryInstrument
            }
            "crypto" | "bitcoin" | "cvc" => Channel::Crypto,
            "internal" | "reinvestment" | "book_transfer" => Channel::Internal,
            _ => Channel::Other,
        }
    }
}

/// One side of a transaction.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Party {
    /// The account (AMLworld: `BANK:ACCOUNT`; AMLSim: the node id).
    pub account: String,
    /// The customer id owning the account, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    /// The party's name as written on the transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The party's institution: a name, a BIC, an ABA routing number or a
    /// CLABE prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub institution: Option<String>,
    /// The party's country (FollowTheMoney code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// State, province or region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Postal code (ZIP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zip: Option<String>,
    /// Street address as written on the transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Identity document number presented (passport, licence, tax id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_number: Option<String>,
    /// Telephone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Device or IP fingerprint the transfer was initiated from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
}

/// What kind of place a transaction was conducted at. Rules of record
/// differ by it: the south-west border Geographic Targeting Orders cover
/// money services businesses, not bank branches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    /// A bank or credit-union branch.
    Branch,
    /// A money services business location: a money transmitter's agent, a
    /// check casher, a currency exchange (casa de cambio).
    #[serde(alias = "msb")]
    Agent,
    /// An automated teller machine.
    Atm,
    /// Anything else (an office, a kiosk).
    Other,
}

impl PlaceKind {
    /// Parses `branch`, `agent` (or `msb`), `atm`, `other`.
    pub fn parse(name: &str) -> Option<PlaceKind> {
        match name.trim().to_ascii_lowercase().as_str() {
            "branch" => Some(PlaceKind::Branch),
            "agent" | "msb" => Some(PlaceKind::Agent),
            "atm" => Some(PlaceKind::Atm),
            "other" => Some(PlaceKind::Other),
            _ => None,
        }
    }

    /// The kind's name as written in Vigia JSONL.
    pub fn as_str(&self) -> &'static str {
        match self {
            PlaceKind::Branch => "branch",
            PlaceKind::Agent => "agent",
            PlaceKind::Atm => "atm",
            PlaceKind::Other => "other",
        }
    }
}

/// Where a transaction was conducted: a branch or an agent location.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Place {
    /// Branch or agent id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// What kind of place it is, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<PlaceKind>,
    /// Postal code (ZIP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zip: Option<String>,
    /// County (FIPS code or name), for county-based geographic orders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub county: Option<String>,
    /// State, province or region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Country (FollowTheMoney code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// A monetary transaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transaction {
    /// Unique id (a reader without ids uses the 1-based data row number).
    pub id: String,
    /// Event time, milliseconds since the Unix epoch (UTC).
    pub timestamp: EventTime,
    /// Amount in `currency`, positive.
    pub amount: f64,
    /// ISO 4217 currency code, upper case.
    pub currency: String,
    /// How the money moved.
    pub channel: Channel,
    /// Who sent the money (for a cash deposit: the account credited is the
    /// beneficiary and the originator is the depositor).
    pub originator: Party,
    /// Who received the money.
    pub beneficiary: Party,
    /// Where the transaction was conducted (branch, agent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<Place>,
    /// The person who physically conducted it, when not the account holder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conductor: Option<String>,
    /// Free text: memo, remittance information, purpose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Intermediary and correspondent institutions the transfer passed
    /// through (names, BICs, ABA routing numbers), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub intermediaries: Vec<String>,
}

impl Channel {
    /// The channel's name as written in Vigia JSONL (`cash`, `wire`, ...).
    pub fn as_str(&self) -> &'static str {
        match self {
            Channel::Cash => "cash",
            Channel::Wire => "wire",
            Channel::Ach => "ach",
            Channel::Remittance => "remittance",
            Channel::Card => "card",
            Channel::Cheque => "cheque",
            Channel::MonetaryInstrument => "monetary_instrument",
            Channel::Crypto => "crypto",
            Channel::Internal => "internal",
            Channel::Other => "other",
        }
    }
}
