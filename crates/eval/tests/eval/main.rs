//! Quality floors on the labelled sets in `../shared/data/eval` against the
//! lists in `../shared/data/lists` (skipped with a notice where that folder
//! is absent). The floors are the screening issue's targets; the figures
//! themselves are printed, and `vigia-eval` reports them in full.

use std::sync::{Arc, OnceLock};

use vigia_eval::{
    EvalSet, SetReport, align_treated, cross_script, evaluate, label_positives, load_lists,
    negatives, yente_queries,
};
use vigia_index::{IndexBuilder, IndexConfig};
use vigia_screen::{ScreenConfig, Screener};

fn screener() -> Option<&'static Screener> {
    static SCREENER: OnceLock<Option<Screener>> = OnceLock::new();
    SCREENER
        .get_or_init(|| {
            let lists = vigia_testdata::shared_data("lists")?;
            let (entities, _) = load_lists(&lists).expect("the shared lists load");
            let mut builder = IndexBuilder::new(IndexConfig::default());
            builder.extend(entities);
            Some(Screener::new(Arc::new(builder.finish()), "shared-data"))
        })
        .as_ref()
}

fn config() -> ScreenConfig {
    ScreenConfig { limit: 5, ..ScreenConfig::default() }
}

fn run(set: EvalSet) -> SetReport {
    let screener = screener().expect("checked by the caller");
    let report = evaluate(screener, &set, &config(), 10);
    eprintln!(
        "{}: {} queries, recall {:.4}, precision {:.4}, any-match {:.4}",
        report.name, report.queries, report.recall, report.precision, report.match_rate
    );
    for example in &report.examples {
        eprintln!("  {example}");
    }
    report
}

#[test]
fn un_positives_are_found_clean_and_treated() {
    let (Some(screener), Some(yente)) = (screener(), vigia_testdata::shared_data("eval/yente"))
    else {
        return;
    };
    let clean = yente_queries(&yente.join("positives_un_untreated.csv"), "un").unwrap();
    let clean = label_positives(screener.index(), clean, &["un_sc_sanctions"]);
    let treated = align_treated(
        &clean,
        yente_queries(&yente.join("positives_un_treated.csv"), "unt").unwrap(),
    );
    let clean = run(EvalSet { name: "UN positives, clean".into(), queries: clean });
    assert!(clean.recall >= 0.99, "UN clean recall {}", clean.recall);
    let treated = run(EvalSet { name: "UN positives, treated".into(), queries: treated });
    assert!(treated.recall >= 0.95, "UN treated recall {}", treated.recall);
}

#[test]
fn us_congress_positives_are_found() {
    let (Some(screener), Some(yente)) = (screener(), vigia_testdata::shared_data("eval/yente"))
    else {
        return;
    };
    let congress = yente_queries(&yente.join("positives_us_congress_untreated.csv"), "us").unwrap();
    let congress = label_positives(screener.index(), congress, &[]);
    let report = run(EvalSet { name: "US Congress positives".into(), queries: congress });
    assert!(report.recall >= 0.97, "US Congress recall {}", report.recall);
}

#[test]
fn negatives_rarely_match() {
    let (Some(_), Some(yente)) = (screener(), vigia_testdata::shared_data("eval/yente")) else {
        return;
    };
    let mut queries = 0;
    let mut matched = 0;
    for (file, prefix) in [("negatives_global.csv", "ng"), ("negatives_us.csv", "nu")] {
        let set = negatives(yente_queries(&yente.join(file), prefix).unwrap());
        let report = run(EvalSet { name: format!("negatives {file}"), queries: set });
        queries += report.queries;
        matched += report.any_match;
    }
    let rate = matched as f64 / queries as f64;
    assert_eq!(queries, 100_000);
    assert!(rate <= 0.005, "false-positive rate {rate} on {queries} negatives");
}

#[test]
fn cross_script_pairs_are_found() {
    let Some(pairs) = vigia_testdata::shared_data("eval/watchman/cross_script_pairs.csv") else {
        return;
    };
    let (entities, set) = cross_script(&pairs).unwrap();
    let mut builder = IndexBuilder::new(IndexConfig::default());
    builder.extend(entities);
    let screener = Screener::new(Arc::new(builder.finish()), "cross-script");
    let report = evaluate(&screener, &set, &config(), 30);
    for example in &report.examples {
        eprintln!("  {example}");
    }
    assert!(report.recall >= 0.90, "cross-script recall {}", report.recall);
}
