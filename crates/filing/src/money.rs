//! Amounts of money, kept in cents so that totals add up exactly.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

/// An amount of money in cents of its currency (never negative).
///
/// Deserialises from a JSON number (`10250.5`) or a decimal string
/// (`"10250.50"`, thousands separators `,` allowed); serialises as a number.
/// FinCEN wants whole dollars: see [`Money::whole_dollars_up`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(u64);

impl Money {
    /// Zero.
    pub const ZERO: Money = Money(0);

    /// An amount from cents.
    pub const fn from_cents(cents: u64) -> Money {
        Money(cents)
    }

    /// An amount from whole units (dollars).
    pub const fn from_units(units: u64) -> Money {
        Money(units.saturating_mul(100))
    }

    /// The amount in cents.
    pub const fn cents(self) -> u64 {
        self.0
    }

    /// Whole dollars, rounded up to the next dollar when there are cents:
    /// the BSA E-Filing instructions ask for amounts "rounded up to the next
    /// whole dollar" (SAR and CTR XML user guides, amount elements).
    pub const fn whole_dollars_up(self) -> u64 {
        self.0.div_ceil(100)
    }

    /// The sum, saturating (a sum past 184 quadrillion dollars is not a
    /// filing anyone makes; saturating keeps the validator total).
    pub const fn saturating_add(self, other: Money) -> Money {
        Money(self.0.saturating_add(other.0))
    }

    /// Parses `1234`, `1234.5`, `1234.56`, `1,234.56`.
    pub fn parse(text: &str) -> Option<Money> {
        let text = text.trim().replace(',', "");
        let (units, fraction) = match text.split_once('.') {
            Some((units, fraction)) => (units, fraction),
            None => (text.as_str(), ""),
        };
        if units.is_empty() && fraction.is_empty() {
            return None;
        }
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(units) || !all_digits(fraction) || fraction.len() > 2 {
            return None;
        }
        let units: u64 = if units.is_empty() { 0 } else { units.parse().ok()? };
        let cents: u64 = match fraction.len() {
            0 => 0,
            1 => fraction.parse::<u64>().ok()? * 10,
            _ => fraction.parse().ok()?,
        };
        units.checked_mul(100)?.checked_add(cents).map(Money)
    }

    /// Converts a JSON float, rounding to the cent; `None` when negative,
    /// not finite or too large.
    pub fn from_f64(value: f64) -> Option<Money> {
        // 2^53 cents is the last integer a float holds exactly.
        const LIMIT: f64 = 9_007_199_254_740_992.0;
        let cents = (value * 100.0).round();
        (value.is_finite() && (0.0..=LIMIT).contains(&cents)).then_some(Money(cents as u64))
    }

    /// The amount as a decimal with two places (`10250.50`), the goAML form.
    pub fn decimal(self) -> String {
        format!("{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.decimal())
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0.is_multiple_of(100) {
            serializer.serialize_u64(self.0 / 100)
        } else {
            // Cents below 2^53 are exact in a float.
            serializer.serialize_f64(self.0 as f64 / 100.0)
        }
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Money, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = Money;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a non-negative amount (number or decimal string)")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Money, E> {
                v.checked_mul(100).map(Money).ok_or_else(|| E::custom("amount too large"))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Money, E> {
                let v = u64::try_from(v).map_err(|_| E::custom("amount is negative"))?;
                self.visit_u64(v)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Money, E> {
                Money::from_f64(v).ok_or_else(|| E::custom(format!("not an amount: {v}")))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Money, E> {
                Money::parse(v).ok_or_else(|| E::custom(format!("not an amount: {v:?}")))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rounds_up() {
        let check = |text: &str, cents: Option<u64>| {
            assert_eq!(Money::parse(text).map(Money::cents), cents, "{text}");
        };
        check("10000", Some(1_000_000));
        check("10,000.5", Some(1_000_050));
        check(".75", Some(75));
        check("1.234", None);
        check("-5", None);
        check("", None);
        check(".", None);
        assert_eq!(Money::from_cents(1_000_001).whole_dollars_up(), 10_001);
        assert_eq!(Money::from_cents(1_000_000).whole_dollars_up(), 10_000);
        assert_eq!(Money::from_cents(1_000_050).decimal(), "10000.50");
    }
}
