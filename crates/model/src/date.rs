//! Partial dates: a year, a year and month, or a full date.
//!
//! Sanctions lists give birth dates at every precision ("1957", "APR 1957",
//! "04 Apr 1957"), as approximations ("circa 1957") and as ranges ("1955 to
//! 1960"). A [`PartialDate`] keeps exactly the precision the source had; the
//! FollowTheMoney string form (`1957`, `1957-04`, `1957-04-04`) is what goes
//! into entity properties. Ranges become every year they cover (as
//! OpenSanctions does) up to [`MAX_RANGE_YEARS`], so that a query year inside
//! the range overlaps.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// Ranges wider than this many years are kept as their two ends only: a
/// "1900 to 2000" range would otherwise match every query.
pub const MAX_RANGE_YEARS: u16 = 15;

/// A date known to year, month or day precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PartialDate {
    /// The year (1000..=9999).
    pub year: u16,
    /// The month (1..=12), if known.
    pub month: Option<u8>,
    /// The day (1..=31), if known; only set when the month is.
    pub day: Option<u8>,
}

/// Why a string is not a partial date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a date: {0:?} (expected YYYY, YYYY-MM or YYYY-MM-DD)")]
pub struct DateError(pub String);

/// How precisely a date is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Precision {
    /// Only the year.
    Year,
    /// Year and month.
    Month,
    /// Year, month and day.
    Day,
}

impl PartialDate {
    /// A date of year precision.
    pub fn year(year: u16) -> Option<PartialDate> {
        valid_year(year).then_some(PartialDate { year, month: None, day: None })
    }

    /// A date of month precision.
    pub fn month(year: u16, month: u8) -> Option<PartialDate> {
        (valid_year(year) && (1..=12).contains(&month)).then_some(PartialDate {
            year,
            month: Some(month),
            day: None,
        })
    }

    /// A date of day precision; `None` if the day does not exist.
    pub fn ymd(year: u16, month: u8, day: u8) -> Option<PartialDate> {
        (valid_year(year) && (1..=12).contains(&month) && day >= 1 && day <= days_in(year, month))
            .then_some(PartialDate { year, month: Some(month), day: Some(day) })
    }

    /// How precisely the date is known.
    pub fn precision(&self) -> Precision {
        match (self.month, self.day) {
            (Some(_), Some(_)) => Precision::Day,
            (Some(_), None) => Precision::Month,
            _ => Precision::Year,
        }
    }

    /// Whether two dates can denote the same day: they agree on every field
    /// both know.
    pub fn overlaps(&self, other: &PartialDate) -> bool {
        if self.year != other.year {
            return false;
        }
        match (self.month, other.month) {
            (Some(a), Some(b)) if a != b => return false,
            (Some(_), Some(_)) => {}
            _ => return true,
        }
        match (self.day, other.day) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        }
    }

    /// Whether two full dates are the same date with day and month
    /// swapped (04/05 against 05/04), a common data-entry error.
    pub fn is_day_month_swap(&self, other: &PartialDate) -> bool {
        match (self.month, self.day, other.month, other.day) {
            (Some(m1), Some(d1), Some(m2), Some(d2)) => {
                self.year == other.year && m1 == d2 && d1 == m2 && m1 != d1
            }
            _ => false,
        }
    }

    /// Parses the FollowTheMoney form: `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, and a
    /// timestamp whose date part is one of those (`1957-04-04T00:00:00`).
    pub fn parse_iso(text: &str) -> Result<PartialDate, DateError> {
        let err = || DateError(text.to_owned());
        let text = text.trim();
        // A timestamp keeps its date part only: "1957-04-04T00:00:00".
        let date_part = match text.as_bytes().get(10) {
            Some(b'T' | b' ') if text.as_bytes().get(11).is_some_and(u8::is_ascii_digit) => {
                &text[..10]
            }
            _ => text,
        };
        let mut parts = date_part.split('-');
        let year = parts.next().ok_or_else(err)?;
        if year.len() != 4 {
            return Err(err());
        }
        let year: u16 = year.parse().map_err(|_| err())?;
        let month = parts.next();
        let day = parts.next();
        if parts.next().is_some() {
            return Err(err());
        }
        let parsed = match (month, day) {
            (None, None) => PartialDate::year(year),
            (Some(m), None) => PartialDate::month(year, parse_2(m).ok_or_else(err)?),
            (Some(m), Some(d)) => {
                PartialDate::ymd(year, parse_2(m).ok_or_else(err)?, parse_2(d).ok_or_else(err)?)
            }
            (None, Some(_)) => None,
        };
        parsed.ok_or_else(err)
    }

    /// Parses the loose forms sanctions lists use and returns every date the
    /// text denotes: one date for "04 Apr 1957", "1957-04-04", "04/04/1957"
    /// (day first, as EU, UK and UN lists write it), "Apr 1957",
    /// "circa 1957"; every year for a range "1955 to 1960" or
    /// "Between 1955 and 1960" (see [`MAX_RANGE_YEARS`]). Returns an empty
    /// vector when the text holds no date.
    pub fn parse_loose(text: &str) -> Vec<PartialDate> {
        let cleaned = text.trim().trim_end_matches('.').trim();
        if cleaned.is_empty() {
            return Vec::new();
        }
        if let Ok(date) = PartialDate::parse_iso(cleaned) {
            return vec![date];
        }
        let lower = cleaned.to_ascii_lowercase();
        for separator in [" to ", " - ", " and ", "–"] {
            if let Some((from, to)) = lower.split_once(separator) {
                let from = from.trim_start_matches("between").trim();
                let (Some(a), Some(b)) = (single_loose(from), single_loose(to.trim())) else {
                    continue;
                };
                return expand_range(a, b);
            }
        }
        single_loose(&lower).into_iter().collect()
    }
}

fn expand_range(a: PartialDate, b: PartialDate) -> Vec<PartialDate> {
    let (from, to) = if a.year <= b.year { (a, b) } else { (b, a) };
    if to.year - from.year > MAX_RANGE_YEARS {
        return vec![from, to];
    }
    (from.year..=to.year).filter_map(PartialDate::year).collect()
}

fn single_loose(text: &str) -> Option<PartialDate> {
    let text = text
        .trim()
        .trim_start_matches("circa")
        .trim_start_matches("approximately")
        .trim_start_matches("approx.")
        .trim_start_matches("ca.")
        .trim_start_matches("c.")
        .trim_start_matches("about")
        .trim_start_matches("in")
        .trim()
        .trim_end_matches('.')
        .trim();
    if let Ok(date) = PartialDate::parse_iso(text) {
        return Some(date);
    }
    let tokens: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == '/' || c == '.' || c == ',' || c == '-')
        .filter(|t| !t.is_empty())
        .collect();
    match tokens.as_slice() {
        [year] => year_of(year).and_then(PartialDate::year),
        [a, b] => {
            let year = year_of(b)?;
            let month = month_of(a)?;
            PartialDate::month(year, month)
        }
        [a, b, c] => {
            if let Some(year) = year_of(a) {
                // Year first: 1957/04/04.
                return PartialDate::ymd(year, month_of(b)?, parse_2(c)?);
            }
            let year = year_of(c)?;
            if let Some(month) = month_name(b) {
                return PartialDate::ymd(year, month, parse_2(a)?);
            }
            if let Some(month) = month_name(a) {
                // "Apr 04 1957".
                return PartialDate::ymd(year, month, parse_2(b)?);
            }
            // Numeric: day first, unless that is impossible and month first is not.
            let (x, y) = (parse_2(a)?, parse_2(b)?);
            PartialDate::ymd(year, y, x).or_else(|| PartialDate::ymd(year, x, y))
        }
        _ => None,
    }
}

fn year_of(text: &str) -> Option<u16> {
    if text.len() != 4 {
        return None;
    }
    text.parse().ok().filter(|y| valid_year(*y))
}

fn month_of(text: &str) -> Option<u8> {
    month_name(text).or_else(|| parse_2(text).filter(|m| (1..=12).contains(m)))
}

fn month_name(text: &str) -> Option<u8> {
    const MONTHS: [&str; 12] =
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    let lower = text.to_ascii_lowercase();
    if lower.len() < 3 || !lower.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    // Spanish month names share the first three letters with English ones
    // often enough; the rest ("ene", "abr", "ago", "dic") are mapped here.
    let spanish = [("ene", 1), ("abr", 4), ("ago", 8), ("dic", 12)];
    let prefix = &lower[..3];
    MONTHS
        .iter()
        .position(|m| *m == prefix)
        .map(|i| i as u8 + 1)
        .or_else(|| spanish.iter().find(|(p, _)| *p == prefix).map(|(_, m)| *m))
}

fn parse_2(text: &str) -> Option<u8> {
    if text.is_empty() || text.len() > 2 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn valid_year(year: u16) -> bool {
    (1000..=9999).contains(&year)
}

fn days_in(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 0,
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(month) = self.month {
            write!(f, "-{month:02}")?;
            if let Some(day) = self.day {
                write!(f, "-{day:02}")?;
            }
        }
        Ok(())
    }
}

impl FromStr for PartialDate {
    type Err = DateError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PartialDate::parse_iso(s)
    }
}

impl PartialOrd for PartialDate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PartialDate {
    /// Orders by year, then month, then day; an unknown field sorts first.
    fn cmp(&self, other: &Self) -> Ordering {
        (self.year, self.month, self.day).cmp(&(other.year, other.month, other.day))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: &[&str]) {
        let got: Vec<String> =
            PartialDate::parse_loose(input).iter().map(|d| d.to_string()).collect();
        assert_eq!(got, expected, "input {input:?}");
    }

    #[test]
    fn loose_forms() {
        check("1957", &["1957"]);
        check("1957-04-04", &["1957-04-04"]);
        check("1957-04-04T00:00:00", &["1957-04-04"]);
        check("04 Apr 1957", &["1957-04-04"]);
        check("4 APR 1957", &["1957-04-04"]);
        check("Apr 1957", &["1957-04"]);
        check("circa 1957", &["1957"]);
        check("circa 1957.", &["1957"]);
        check("04/05/1957", &["1957-05-04"]);
        check("12/31/1957", &["1957-12-31"]);
        check("1957/04/05", &["1957-04-05"]);
        check("1955 to 1957", &["1955", "1956", "1957"]);
        check("Between 1955 and 1957", &["1955", "1956", "1957"]);
        check("1900 to 1990", &["1900", "1990"]);
        check("31 Feb 1957", &[]);
        check("unknown", &[]);
        check("", &[]);
        check("15 ENE 1970", &["1970-01-15"]);
    }

    #[test]
    fn comparisons() {
        let d = |s: &str| PartialDate::parse_iso(s).unwrap();
        assert!(d("1957").overlaps(&d("1957-04-04")));
        assert!(!d("1957-05").overlaps(&d("1957-04-04")));
        assert!(d("1957-04-05").is_day_month_swap(&d("1957-05-04")));
        assert!(!d("1957-04-04").is_day_month_swap(&d("1957-04-04")));
        assert_eq!(d("2000-02-29").precision(), Precision::Day);
        assert!(PartialDate::parse_iso("1999-02-29").is_err());
    }
}
