//! Calendar dates and local date-times as filings write them.
//!
//! The crate reads no clock: the filing date, the submission date and every
//! event time are inputs. JSON carries them as ISO 8601 text
//! (`2025-10-21`, `2025-10-21T14:05:00`); FinCEN wants `YYYYMMDD`, goAML
//! `YYYY-MM-DDThh:mm:ss`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use vigia_model::{PartialDate, Precision};

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    /// A date; `None` when it does not exist or the year is outside
    /// 1000..=9999.
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        PartialDate::ymd(year, month, day).map(|_| Date { year, month, day })
    }

    /// The year.
    pub fn year(self) -> u16 {
        self.year
    }

    /// The month (1..=12).
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month.
    pub fn day(self) -> u8 {
        self.day
    }

    /// `YYYYMMDD`, the BSA E-Filing date form.
    pub fn fincen(self) -> String {
        format!("{:04}{:02}{:02}", self.year, self.month, self.day)
    }

    /// Parses `YYYYMMDD`.
    pub fn parse_fincen(text: &str) -> Option<Date> {
        let b = text.as_bytes();
        if b.len() != 8 || !b.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Date::new(text[..4].parse().ok()?, text[4..6].parse().ok()?, text[6..].parse().ok()?)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl FromStr for Date {
    type Err = String;

    fn from_str(text: &str) -> Result<Date, String> {
        match PartialDate::parse_iso(text) {
            Ok(PartialDate { year, month: Some(month), day: Some(day) }) => {
                Ok(Date { year, month, day })
            }
            _ => Err(format!("not a date: {text:?} (expected YYYY-MM-DD)")),
        }
    }
}

/// A local date and time to the second (goAML `xs:dateTime` without zone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime {
    date: Date,
    hour: u8,
    minute: u8,
    second: u8,
}

impl DateTime {
    /// A date-time; `None` when a field is out of range.
    pub fn new(date: Date, hour: u8, minute: u8, second: u8) -> Option<DateTime> {
        (hour < 24 && minute < 60 && second < 60).then_some(DateTime { date, hour, minute, second })
    }

    /// Midnight at the start of a date.
    pub fn start_of(date: Date) -> DateTime {
        DateTime { date, hour: 0, minute: 0, second: 0 }
    }

    /// The date part.
    pub fn date(self) -> Date {
        self.date
    }

    /// Parses `YYYY-MM-DDThh:mm:ss` exactly (the goAML form).
    pub fn parse_goaml(text: &str) -> Option<DateTime> {
        let b = text.as_bytes();
        if b.len() != 19 || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
            return None;
        }
        let num = |range: std::ops::Range<usize>| -> Option<u8> {
            let s = &text[range];
            s.bytes().all(|c| c.is_ascii_digit()).then(|| s.parse().ok()).flatten()
        };
        let date: Date = text[..10].parse().ok()?;
        DateTime::new(date, num(11..13)?, num(14..16)?, num(17..19)?)
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}T{:02}:{:02}:{:02}", self.date, self.hour, self.minute, self.second)
    }
}

impl FromStr for DateTime {
    type Err = String;

    /// Accepts `YYYY-MM-DD`, `YYYY-MM-DDThh:mm`, `YYYY-MM-DDThh:mm:ss`, with
    /// an optional fraction and zone suffix that are dropped: the filing
    /// states local time as the case recorded it.
    fn from_str(text: &str) -> Result<DateTime, String> {
        let err = || format!("not a date-time: {text:?} (expected YYYY-MM-DDThh:mm:ss)");
        let text = text.trim();
        let Some(date_part) = text.get(..10) else { return Err(err()) };
        let date: Date = date_part.parse().map_err(|_| err())?;
        let rest = &text[10..];
        if rest.is_empty() {
            return Ok(DateTime::start_of(date));
        }
        let rest = rest.strip_prefix(['T', ' ']).ok_or_else(err)?;
        let clock: String = rest.chars().take_while(|c| c.is_ascii_digit() || *c == ':').collect();
        let mut parts = clock.split(':').map(|p| p.parse::<u8>().ok().filter(|_| p.len() == 2));
        let hour = parts.next().flatten().ok_or_else(err)?;
        let minute = parts.next().flatten().ok_or_else(err)?;
        let second = match parts.next() {
            Some(second) => second.ok_or_else(err)?,
            None => 0,
        };
        if parts.next().is_some() {
            return Err(err());
        }
        DateTime::new(date, hour, minute, second).ok_or_else(err)
    }
}

/// A date of birth known to the year, the month or the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BirthDate(PartialDate);

impl BirthDate {
    /// The partial date.
    pub fn partial(self) -> PartialDate {
        self.0
    }

    /// `YYYYMMDD` with `00` for an unknown month or day, as the SAR and CTR
    /// instructions ask for a partly known date of birth.
    pub fn fincen(self) -> String {
        format!("{:04}{:02}{:02}", self.0.year, self.0.month.unwrap_or(0), self.0.day.unwrap_or(0))
    }

    /// The full date, when the day is known.
    pub fn full(self) -> Option<Date> {
        match self.0.precision() {
            Precision::Day => Date::new(self.0.year, self.0.month?, self.0.day?),
            _ => None,
        }
    }

    /// Parses the BSA form `YYYYMMDD` with `00` for unknown parts.
    pub fn parse_fincen(text: &str) -> Option<BirthDate> {
        let b = text.as_bytes();
        if b.len() != 8 || !b.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let year: u16 = text[..4].parse().ok()?;
        let month: u8 = text[4..6].parse().ok()?;
        let day: u8 = text[6..].parse().ok()?;
        let date = match (month, day) {
            (0, 0) => PartialDate::year(year),
            (0, _) => None,
            (m, 0) => PartialDate::month(year, m),
            (m, d) => PartialDate::ymd(year, m, d),
        };
        date.map(BirthDate)
    }

    /// The earliest day the date can denote, for comparisons.
    pub fn earliest(self) -> Option<Date> {
        Date::new(self.0.year, self.0.month.unwrap_or(1), self.0.day.unwrap_or(1))
    }
}

impl fmt::Display for BirthDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.0.year)?;
        if let Some(month) = self.0.month {
            write!(f, "-{month:02}")?;
            if let Some(day) = self.0.day {
                write!(f, "-{day:02}")?;
            }
        }
        Ok(())
    }
}

impl FromStr for BirthDate {
    type Err = String;

    fn from_str(text: &str) -> Result<BirthDate, String> {
        PartialDate::parse_iso(text).map(BirthDate).map_err(|e| e.to_string())
    }
}

/// Serde through `Display` and `FromStr`, for the three date types.
macro_rules! string_serde {
    ($ty:ty, $what:literal) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<$ty, D::Error> {
                struct Visitor;
                impl de::Visitor<'_> for Visitor {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($what)
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$ty, E> {
                        v.parse().map_err(E::custom)
                    }
                }
                deserializer.deserialize_str(Visitor)
            }
        }
    };
}

string_serde!(Date, "a date YYYY-MM-DD");
string_serde!(DateTime, "a date-time YYYY-MM-DDThh:mm:ss");
string_serde!(BirthDate, "a date of birth YYYY, YYYY-MM or YYYY-MM-DD");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_every_form() {
        let d: Date = "2025-10-21".parse().unwrap();
        assert_eq!(d.fincen(), "20251021");
        assert_eq!(Date::parse_fincen("20251021"), Some(d));
        assert_eq!(Date::parse_fincen("20250230"), None);
        assert!("2025-10".parse::<Date>().is_err());
        let t: DateTime = "2025-10-21T14:05".parse().unwrap();
        assert_eq!(t.to_string(), "2025-10-21T14:05:00");
        assert_eq!(DateTime::parse_goaml("2025-10-21T14:05:00"), Some(t));
        assert_eq!(
            "2025-10-21T14:05:07.123Z".parse::<DateTime>().unwrap().to_string(),
            "2025-10-21T14:05:07"
        );
        assert_eq!(DateTime::parse_goaml("2025-10-21 14:05:00"), None);
        let b: BirthDate = "1957-04".parse().unwrap();
        assert_eq!(b.fincen(), "19570400");
        assert_eq!(BirthDate::parse_fincen("19570400"), Some(b));
        assert_eq!(BirthDate::parse_fincen("19570004"), None);
        assert_eq!(b.full(), None);
    }
}
