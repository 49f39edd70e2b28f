//! A generated transaction before it is written: compact, with references
//! into the world's tables instead of strings.

use vigia_model::Channel;

/// No index.
pub(crate) const NONE: u32 = u32::MAX;

/// One side of a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    /// A customer's account.
    Account(u32),
    /// An outside party.
    Outside(u32),
    /// Cash over the counter: the holder of the account on the other side
    /// (own cash), or a third party named by `Event::conductor`.
    Cash,
}

/// A generated transaction.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    /// Event time, ms since the epoch.
    pub(crate) time: i64,
    /// Amount in cents (USD).
    pub(crate) cents: i64,
    pub(crate) channel: Channel,
    pub(crate) from: Side,
    pub(crate) to: Side,
    /// Place index, or `NONE`.
    pub(crate) place: u32,
    /// A third-party conductor (depositor) name: an index into the
    /// simulation's conductor names, or `NONE`.
    pub(crate) conductor: u32,
    /// Memo text (static), empty for none.
    pub(crate) text: &'static str,
    /// Label: index into the simulation's patterns, or `NONE`.
    pub(crate) pattern: u32,
    /// Originator identity override (F3): phone number and ID shared by
    /// several senders, or `NONE`.
    pub(crate) identity: u32,
}

impl Event {
    pub(crate) fn new(time: i64, cents: i64, channel: Channel, from: Side, to: Side) -> Event {
        Event {
            time,
            cents,
            channel,
            from,
            to,
            place: NONE,
            conductor: NONE,
            text: "",
            pattern: NONE,
            identity: NONE,
        }
    }

    pub(crate) fn at(mut self, place: u32) -> Event {
        self.place = place;
        self
    }

    pub(crate) fn memo(mut self, text: &'static str) -> Event {
        self.text = text;
        self
    }

    pub(crate) fn labelled(mut self, pattern: u32) -> Event {
        self.pattern = pattern;
        self
    }

    pub(crate) fn by(mut self, conductor: u32) -> Event {
        self.conductor = conductor;
        self
    }
}

/// An injected (or derived) pattern: what its transactions are labelled.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    pub(crate) scenario: &'static str,
    pub(crate) typology: &'static str,
    pub(crate) id: String,
}
