//! Customer and account profiles: who holds an account, what kind of
//! customer it is, where it is at home, and the risk flags the institution
//! keeps on it (`mx_affiliate`, `casa_de_cambio`, `msb`, `armored_car`...).
//!
//! Scenarios that need profile data say so (`requires = ["profiles"]`);
//! without a profile file their profile conditions are simply never met.
//!
//! Two file formats, one record per account:
//!
//! - JSONL: `{"account": "A1", "customer": "C1", "name": "...", "kind":
//!   "business", "naics": "424720", "home_state": "TX", "home_country": "us",
//!   "flags": ["mx_affiliate"], "opened": "2025-01-02",
//!   "expected_monthly_cash": 45000, "expected_monthly_volume": 180000}`
//! - CSV with a header naming the same columns; `flags` separated by `;`
//!   or `|`.

use std::io::BufRead;

use serde::Deserialize;

use crate::error::{Error, Position, Result};

/// What kind of customer holds the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomerKind {
    /// A natural person.
    Individual,
    /// A company or other legal person.
    Business,
    /// Not known.
    #[default]
    Unknown,
}

/// One account's profile as read from a file.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountProfile {
    /// The account id, as transactions name it.
    pub account: String,
    /// The customer holding it (accounts of one customer aggregate
    /// together in customer-keyed scenarios).
    #[serde(default)]
    pub customer: Option<String>,
    /// The holder's name.
    #[serde(default)]
    pub name: Option<String>,
    /// Individual or business.
    #[serde(default)]
    pub kind: CustomerKind,
    /// NAICS code of a business.
    #[serde(default)]
    pub naics: Option<String>,
    /// Home state (two letters).
    #[serde(default)]
    pub home_state: Option<String>,
    /// Home country (FollowTheMoney code).
    #[serde(default)]
    pub home_country: Option<String>,
    /// Risk flags.
    #[serde(default)]
    pub flags: Vec<String>,
    /// When the account was opened (`YYYY-MM-DD`).
    #[serde(default)]
    pub opened: Option<String>,
    /// Cash the customer declared it would deposit and withdraw in a month
    /// (USD), as recorded at onboarding; scenarios read it as
    /// `expected_monthly_cash` (0 when not declared).
    #[serde(default)]
    pub expected_monthly_cash: Option<f64>,
    /// Everything the customer declared would move through the account in
    /// a month (USD): `expected_monthly_volume`.
    #[serde(default)]
    pub expected_monthly_volume: Option<f64>,
}

/// Reads profiles from JSONL or CSV (detected from the first non-blank
/// character: `{` means JSONL). `file` names the source in errors.
pub fn read_profiles(file: &str, input: impl BufRead) -> Result<Vec<AccountProfile>> {
    let mut lines = input.lines();
    let mut first = None;
    let mut line_no = 0;
    for line in lines.by_ref() {
        line_no += 1;
        let line = line?;
        if !line.trim().is_empty() {
            first = Some(line);
            break;
        }
    }
    let Some(first) = first else { return Ok(Vec::new()) };
    let at = |line: usize| Position { file: file.to_string(), line };
    let mut out = Vec::new();
    if first.trim_start().starts_with('{') {
        let parse = |text: &str, line: usize| -> Result<AccountProfile> {
            let p: AccountProfile = serde_json::from_str(text)
                .map_err(|e| Error::Profile { at: at(line), reason: e.to_string() })?;
            if p.account.is_empty() {
                return Err(Error::Profile { at: at(line), reason: "empty `account`".into() });
            }
            Ok(p)
        };
        out.push(parse(&first, line_no)?);
        for line in lines {
            line_no += 1;
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            out.push(parse(&line, line_no)?);
        }
        return Ok(out);
    }
    let header: Vec<String> = first.split(',').map(|h| h.trim().to_ascii_lowercase()).collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let Some(account_col) = col("account") else {
        return Err(Error::Profile {
            at: at(line_no),
            reason: "the header has no `account` column".into(),
        });
    };
    let known = [
        "account",
        "customer",
        "name",
        "kind",
        "naics",
        "home_state",
        "home_country",
        "flags",
        "opened",
        "expected_monthly_cash",
        "expected_monthly_volume",
    ];
    if let Some(unknown) = header.iter().find(|h| !known.contains(&h.as_str())) {
        return Err(Error::Profile {
            at: at(line_no),
            reason: format!("unknown column `{unknown}` (known: {})", known.join(", ")),
        });
    }
    let amount = |v: Option<String>, line: usize| -> Result<Option<f64>> {
        match v {
            None => Ok(None),
            Some(v) => match v.replace(',', "").parse::<f64>() {
                Ok(x) if x.is_finite() && x >= 0.0 => Ok(Some(x)),
                _ => Err(Error::Profile {
                    at: at(line),
                    reason: format!("bad amount {v:?} (a non-negative number of USD)"),
                }),
            },
        }
    };
    let rest: String = lines.collect::<std::io::Result<Vec<String>>>()?.join("\n");
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(rest.as_bytes());
    for record in reader.records() {
        let record =
            record.map_err(|e| Error::Profile { at: at(line_no + 1), reason: e.to_string() })?;
        let line = line_no + record.position().map_or(1, |p| p.line() as usize);
        let get = |name: &str| {
            col(name)
                .and_then(|i| record.get(i))
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(String::from)
        };
        let account = record.get(account_col).unwrap_or("").trim().to_string();
        if account.is_empty() {
            return Err(Error::Profile { at: at(line), reason: "empty `account`".into() });
        }
        let kind = match get("kind").as_deref().map(str::to_ascii_lowercase).as_deref() {
            None => CustomerKind::Unknown,
            Some("individual" | "person") => CustomerKind::Individual,
            Some("business" | "company" | "organization") => CustomerKind::Business,
            Some(other) => {
                return Err(Error::Profile {
                    at: at(line),
                    reason: format!("unknown kind `{other}` (individual, business)"),
                });
            }
        };
        out.push(AccountProfile {
            account,
            customer: get("customer"),
            name: get("name"),
            kind,
            naics: get("naics"),
            home_state: get("home_state"),
            home_country: get("home_country"),
            flags: get("flags")
                .map(|f| {
                    f.split([';', '|'])
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            opened: get("opened"),
            expected_monthly_cash: amount(get("expected_monthly_cash"), line)?,
            expected_monthly_volume: amount(get("expected_monthly_volume"), line)?,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonl_and_csv() {
        let jsonl = "{\"account\": \"A1\", \"customer\": \"C1\", \"kind\": \"business\", \"flags\": [\"mx_affiliate\"]}\n\n{\"account\": \"A2\"}\n";
        let p = read_profiles("p.jsonl", jsonl.as_bytes()).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].kind, CustomerKind::Business);
        assert_eq!(p[0].flags, vec!["mx_affiliate"]);

        let csv = "account,customer,kind,home_state,flags\nA1,C1,business,TX,mx_affiliate;armored_car\nA2,,individual,,\n";
        let p = read_profiles("p.csv", csv.as_bytes()).unwrap();
        assert_eq!(p[0].flags, vec!["mx_affiliate", "armored_car"]);
        assert_eq!(p[1].customer, None);
        assert_eq!(p[1].kind, CustomerKind::Individual);
    }

    #[test]
    fn errors_name_line() {
        fn check(text: &str, expected: &str) {
            let err = read_profiles("p", text.as_bytes()).unwrap_err().to_string();
            assert!(err.starts_with(expected), "{err}");
        }
        check("{\"account\": \"A1\"}\n{\"acount\": \"A2\"}\n", "p:2: unknown field");
        check("{\"account\": \"\"}\n", "p:1: empty");
        check("customer,name\nC1,x\n", "p:1: the header has no `account`");
        check("account,colour\nA1,red\n", "p:1: unknown column `colour`");
        check("account,kind\nA1,business\nA2,robot\n", "p:3: unknown kind");
    }
}
