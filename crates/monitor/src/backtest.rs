//! Backtesting: precision, recall and F1 of each scenario and typology
//! against labelled data, at three levels.
//!
//! - **Transaction level.** A transaction is *flagged* by a scenario when
//!   it is evidence of one of its alerts. Positives are the transactions
//!   labelled laundering. TP = flagged positives, FP = flagged negatives,
//!   FN = positives not flagged.
//! - **Account level.** An account is *flagged* when it is a subject of an
//!   alert. Positives are the accounts labelled in an account-label file
//!   (AMLSim `nodes.csv`), else the accounts party to a laundering
//!   transaction.
//! - **Pattern level.** Recall: the share of labelled patterns (laundering
//!   attempts, or injected typologies) with at least one transaction
//!   flagged. Precision: the share of alerts whose evidence holds at least
//!   one laundering transaction. F1 combines the two.
//!
//! Each level is reported per scenario, per typology (the union of its
//! scenarios' flags), and for all scenarios together. Recall of one
//! scenario is measured against *all* positives, so scenarios that target
//! one typology show low recall on mixed data; the per-typology rows with
//! typology labels are the fair comparison.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::{FxHashMap, FxHashSet};
use vigia_model::{Alert, Transaction};

use crate::reader::Labels;

/// Counts and scores for one scope at one level.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Score {
    /// True positives.
    pub tp: u64,
    /// False positives.
    pub fp: u64,
    /// False negatives.
    pub fn_: u64,
}

impl Score {
    /// TP / (TP + FP), 0 when nothing was flagged.
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }

    /// TP / (TP + FN), 0 when there are no positives.
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }

    /// Harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) }
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// One line of a backtest report.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// `scenario`, `typology` or `all`.
    pub scope: String,
    /// Scenario id, typology name or `all`.
    pub name: String,
    /// Alerts raised.
    pub alerts: u64,
    /// Transaction level.
    pub transactions: Score,
    /// Account level.
    pub accounts: Score,
    /// Pattern level (TP/FP over alerts; recall over patterns).
    pub patterns: Score,
    /// Patterns detected and patterns in the data (the recall's terms).
    pub patterns_found: (u64, u64),
    /// Patterns injected for this scope's own scenarios (labels that name a
    /// scenario, as `vigia simulate` writes) that it detected, and their
    /// number: the fair recall of a targeted scenario.
    pub own_patterns: (u64, u64),
    /// Alerts whose evidence holds no labelled transaction, per 1,000
    /// transactions observed: the false-alert rate an analyst sees.
    pub false_per_thousand: f64,
}

#[derive(Debug, Default)]
struct Flags {
    alerts: u64,
    alerts_with_positive: u64,
    transactions: FxHashSet<Box<str>>,
    accounts: FxHashSet<Box<str>>,
    /// The scenario's alerts are reports the law requires (CTR work
    /// items), not suspicion: left out of the `review` row.
    required_report: bool,
}

/// Collects ground truth and alerts, then scores them.
#[derive(Debug, Default)]
pub struct Backtest {
    /// Laundering transaction id → pattern index (u32::MAX = none).
    positives: FxHashMap<Box<str>, u32>,
    patterns: Vec<(String, Option<String>)>,
    pattern_index: FxHashMap<String, u32>,
    positive_accounts: FxHashSet<Box<str>>,
    account_labels: bool,
    all_accounts: FxHashSet<Box<str>>,
    transactions: u64,
    labelled: u64,
    by_scenario: BTreeMap<String, Flags>,
    typology_of: BTreeMap<String, String>,
}

impl Backtest {
    /// An empty backtest.
    pub fn new() -> Backtest {
        Backtest::default()
    }

    /// Uses account-level ground truth (e.g. AMLSim `nodes.csv`) instead of
    /// deriving it from transaction labels.
    pub fn set_account_labels(&mut self, positives: impl IntoIterator<Item = String>) {
        self.account_labels = true;
        self.positive_accounts = positives.into_iter().map(String::into_boxed_str).collect();
    }

    /// Records a transaction and its labels (if any).
    pub fn observe(&mut self, tx: &Transaction, labels: Option<&Labels>) {
        self.transactions += 1;
        for a in [&tx.originator.account, &tx.beneficiary.account] {
            if !a.is_empty() && !self.all_accounts.contains(a.as_str()) {
                self.all_accounts.insert(a.as_str().into());
            }
        }
        let Some(l) = labels else { return };
        self.labelled += 1;
        if !l.laundering {
            return;
        }
        let pattern = match &l.pattern {
            Some(p) => {
                let next = self.patterns.len() as u32;
                let i = *self.pattern_index.entry(p.clone()).or_insert(next);
                if i == next {
                    self.patterns.push((p.clone(), l.scenario.clone()));
                }
                i
            }
            None => u32::MAX,
        };
        self.positives.insert(tx.id.as_str().into(), pattern);
        if !self.account_labels {
            for a in [&tx.originator.account, &tx.beneficiary.account] {
                if !a.is_empty() {
                    self.positive_accounts.insert(a.as_str().into());
                }
            }
        }
    }

    /// Records an alert.
    pub fn alert(&mut self, alert: &Alert) {
        self.typology_of.insert(alert.scenario.clone(), alert.typology.clone());
        let positive = alert.transactions.iter().any(|t| self.positives.contains_key(t.as_str()));
        let f = self.by_scenario.entry(alert.scenario.clone()).or_default();
        f.alerts += 1;
        f.required_report |= alert.kind == vigia_model::AlertKind::CtrWorkItem;
        f.alerts_with_positive += u64::from(positive);
        f.transactions.extend(alert.transactions.iter().map(|t| t.as_str().into()));
        f.accounts.extend(alert.subjects.iter().map(|s| s.as_str().into()));
    }

    /// Whether any ground truth was seen.
    pub fn has_truth(&self) -> bool {
        self.labelled > 0 || self.account_labels
    }

    /// Transactions observed and transactions that carried labels.
    pub fn counts(&self) -> (u64, u64) {
        (self.transactions, self.labelled)
    }

    fn score(&self, name: &str, scope: &str, flags: &[&Flags], scenarios: &[&str]) -> Row {
        let mut txs: FxHashSet<&str> = FxHashSet::default();
        let mut accounts: FxHashSet<&str> = FxHashSet::default();
        let (mut alerts, mut alerts_pos) = (0, 0);
        for f in flags {
            txs.extend(f.transactions.iter().map(|t| &**t));
            accounts
                .extend(f.accounts.iter().map(|a| &**a).filter(|a| self.all_accounts.contains(*a)));
            alerts += f.alerts;
            alerts_pos += f.alerts_with_positive;
        }
        let tp = txs.iter().filter(|t| self.positives.contains_key(**t)).count() as u64;
        let transactions =
            Score { tp, fp: txs.len() as u64 - tp, fn_: self.positives.len() as u64 - tp };
        let atp = accounts.iter().filter(|a| self.positive_accounts.contains(**a)).count() as u64;
        let accounts_score = Score {
            tp: atp,
            fp: accounts.len() as u64 - atp,
            fn_: self.positive_accounts.len() as u64 - atp,
        };
        let found: BTreeSet<u32> = txs
            .iter()
            .filter_map(|t| self.positives.get(*t))
            .copied()
            .filter(|p| *p != u32::MAX)
            .collect();
        let total = self.patterns.len() as u64;
        let patterns = Score { tp: alerts_pos, fp: alerts - alerts_pos, fn_: 0 };
        let own = |i: usize| {
            self.patterns[i].1.as_deref().is_some_and(|s| name == "all" || scenarios.contains(&s))
        };
        let own_total = (0..self.patterns.len()).filter(|i| own(*i)).count() as u64;
        let own_found = found.iter().filter(|i| own(**i as usize)).count() as u64;
        Row {
            scope: scope.into(),
            name: name.into(),
            alerts,
            transactions,
            accounts: accounts_score,
            patterns,
            patterns_found: (found.len() as u64, total),
            own_patterns: (own_found, own_total),
            false_per_thousand: 1000.0 * ratio(alerts - alerts_pos, self.transactions),
        }
    }

    /// Rows per scenario, per typology, then `review` (every scenario but
    /// those whose alerts are required reports: what analysts review),
    /// then all.
    pub fn report(&self) -> Vec<Row> {
        let mut rows = Vec::new();
        for (id, f) in &self.by_scenario {
            rows.push(self.score(id, "scenario", &[f], &[id.as_str()]));
        }
        let mut typologies: BTreeMap<&str, (Vec<&Flags>, Vec<&str>)> = BTreeMap::new();
        for (id, f) in &self.by_scenario {
            let t = self.typology_of.get(id).map_or("unknown", String::as_str);
            let entry = typologies.entry(t).or_default();
            entry.0.push(f);
            entry.1.push(id.as_str());
        }
        for (t, (fs, ids)) in &typologies {
            rows.push(self.score(t, "typology", fs, ids));
        }
        let review: Vec<&Flags> =
            self.by_scenario.values().filter(|f| !f.required_report).collect();
        if review.len() < self.by_scenario.len() {
            let ids: Vec<&str> = self
                .by_scenario
                .iter()
                .filter(|(_, f)| !f.required_report)
                .map(|(id, _)| id.as_str())
                .collect();
            rows.push(self.score("review", "all", &review, &ids));
        }
        let all: Vec<&Flags> = self.by_scenario.values().collect();
        rows.push(self.score("all", "all", &all, &[]));
        rows
    }
}

/// Pattern-level recall of a row: patterns found / patterns.
pub fn pattern_recall(row: &Row) -> f64 {
    ratio(row.patterns_found.0, row.patterns_found.1)
}

/// A plain-text table of a report. A level without positives in the
/// ground truth shows `-` instead of scores.
pub fn render(rows: &[Row]) -> String {
    let mut out = String::from(
        "scope     name                 alerts |  tx P    tx R    tx F1 |  acct P  acct R  acct F1 | pat P   pat R (found/all)  false/1k  own R (found/own)\n",
    );
    let three = |s: &Score| {
        if s.tp + s.fn_ == 0 {
            format!("{:>6}  {:>6}  {:>6}", "-", "-", "-")
        } else {
            format!("{:>6.3}  {:>6.3}  {:>6.3}", s.precision(), s.recall(), s.f1())
        }
    };
    for r in rows {
        let patterns = if r.patterns_found.1 == 0 {
            format!("{:>6}  {:>6}", "-", "-")
        } else {
            format!(
                "{:>6.3}  {:>6.3} ({}/{})",
                r.patterns.precision(),
                pattern_recall(r),
                r.patterns_found.0,
                r.patterns_found.1
            )
        };
        let own = if r.own_patterns.1 == 0 {
            "-".to_string()
        } else {
            format!(
                "{:.3} ({}/{})",
                ratio(r.own_patterns.0, r.own_patterns.1),
                r.own_patterns.0,
                r.own_patterns.1
            )
        };
        out.push_str(&format!(
            "{:<9} {:<20} {:>6} | {} | {} | {:<28} {:>8.3}  {}\n",
            r.scope,
            r.name,
            r.alerts,
            three(&r.transactions),
            three(&r.accounts),
            patterns,
            r.false_per_thousand,
            own
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigia_model::{Channel, Party};

    fn tx(id: &str, from: &str, to: &str) -> Transaction {
        Transaction {
            id: id.into(),
            timestamp: 0,
            amount: 1.0,
            currency: "USD".into(),
            channel: Channel::Wire,
            originator: Party { account: from.into(), ..Party::default() },
            beneficiary: Party { account: to.into(), ..Party::default() },
            place: None,
            conductor: None,
            text: None,
            intermediaries: Vec::new(),
        }
    }

    fn alert(scenario: &str, typology: &str, subjects: &[&str], txs: &[&str]) -> Alert {
        Alert {
            id: format!("{scenario}-x"),
            scenario: scenario.into(),
            typology: typology.into(),
            kind: Default::default(),
            severity: Default::default(),
            score: 0.5,
            subjects: subjects.iter().map(|s| s.to_string()).collect(),
            transactions: txs.iter().map(|s| s.to_string()).collect(),
            from: String::new(),
            to: String::new(),
            explanation: String::new(),
            key_terms: vec![],
            amount: None,
            metrics: Default::default(),
            provenance: None,
        }
    }

    #[test]
    fn levels_are_counted_as_documented() {
        let mut b = Backtest::new();
        let lab = |p: &str| Labels {
            laundering: true,
            pattern: Some(p.into()),
            scenario: Some("G3".into()),
            ..Labels::default()
        };
        let no = Labels::default();
        b.observe(&tx("1", "A", "B"), Some(&lab("p1")));
        b.observe(&tx("2", "B", "C"), Some(&lab("p1")));
        b.observe(&tx("3", "D", "E"), Some(&lab("p2")));
        b.observe(&tx("4", "F", "G"), Some(&no));
        b.alert(&alert("G3", "cycle", &["A", "B"], &["1", "4"]));
        b.alert(&alert("A5", "structuring", &["F"], &["4"]));
        let rows = b.report();
        let g3 = rows.iter().find(|r| r.name == "G3").unwrap();
        assert_eq!(g3.transactions, Score { tp: 1, fp: 1, fn_: 2 });
        // Positive accounts: A, B, C, D, E.
        assert_eq!(g3.accounts, Score { tp: 2, fp: 0, fn_: 3 });
        assert_eq!(g3.patterns_found, (1, 2));
        assert_eq!(g3.patterns, Score { tp: 1, fp: 0, fn_: 0 });
        assert_eq!(g3.own_patterns, (1, 2));
        let a5 = rows.iter().find(|r| r.name == "A5").unwrap();
        assert_eq!(a5.own_patterns, (0, 0));
        let all = rows.last().unwrap();
        assert_eq!(all.alerts, 2);
        assert_eq!(all.transactions, Score { tp: 1, fp: 1, fn_: 2 });
        assert_eq!(all.accounts, Score { tp: 2, fp: 1, fn_: 3 });
        assert!((all.transactions.f1() - 0.4).abs() < 1e-9);
        assert!(render(&rows).contains("typology"));
    }

    #[test]
    fn required_reports_stay_out_of_the_review_row() {
        let mut b = Backtest::new();
        let lab = Labels {
            laundering: true,
            pattern: Some("p1".into()),
            scenario: Some("G3".into()),
            ..Labels::default()
        };
        b.observe(&tx("1", "A", "B"), Some(&lab));
        for i in 2..=1000 {
            b.observe(&tx(&i.to_string(), "C", "D"), Some(&Labels::default()));
        }
        b.alert(&alert("G3", "cycle", &["A"], &["1"]));
        b.alert(&alert("G3", "cycle", &["C"], &["2"]));
        let mut ctr = alert("A2", "ctr", &["C"], &["3"]);
        ctr.kind = vigia_model::AlertKind::CtrWorkItem;
        b.alert(&ctr);
        let rows = b.report();
        let review = rows.iter().find(|r| r.name == "review").unwrap();
        assert_eq!(review.alerts, 2);
        assert!((review.false_per_thousand - 1.0).abs() < 1e-9);
        assert_eq!(review.own_patterns, (1, 1));
        let all = rows.last().unwrap();
        assert_eq!(all.name, "all");
        assert!((all.false_per_thousand - 2.0).abs() < 1e-9);
    }

    #[test]
    fn account_label_file_overrides() {
        let mut b = Backtest::new();
        b.set_account_labels(["A".to_string()]);
        b.observe(&tx("1", "A", "B"), None);
        b.alert(&alert("G2", "fan_in", &["A", "B"], &["1"]));
        let rows = b.report();
        assert_eq!(rows[0].accounts, Score { tp: 1, fp: 1, fn_: 0 });
    }
}
