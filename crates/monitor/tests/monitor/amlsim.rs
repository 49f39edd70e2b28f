//! The graph typologies on IBM AMLSim's sample run (20,000 accounts,
//! 120,558 transactions, 200 cycles and 200 fan-ins injected; account
//! labels in `nodes.csv`), fed causally in file order.
//!
//! Labels: AMLSim marks every account of an injected pattern, including
//! accounts whose pattern transfers fall after the last simulated step
//! (149), so no causal detector can see them: of the 1,804 labelled
//! accounts only about 1,230 take part in any transfer between two labelled
//! accounts, and only 16 of the 200 cycles are complete in the file. Recall
//! is measured against all 1,804 labelled accounts; precision is the share
//! of accounts named by a detection that are labelled.
//!
//! The configuration is AMLSim's, not the pack's: a step is taken as a day;
//! AMLSim schedules each edge of a pattern independently, so its cycles are
//! not time-ordered (none of the 16 complete ones is) and span up to ~110
//! steps; its cycle amounts are constant along the cycle.

use std::collections::BTreeSet;

use vigia_monitor::graph::{
    AccountId, CycleConfig, DAY, Detection, Edge, FanConfig, GraphConfig, GraphEngine, Typology,
};

struct AmlSim {
    edges: Vec<Edge>,
    labelled: BTreeSet<AccountId>,
}

/// A minimal reader of the two AMLSim files (`sourceNodeId,targetNodeId,
/// value,time` and `nodeid,isFraud,...`).
fn load() -> Option<AmlSim> {
    let dir = vigia_testdata::shared_data("aml/amlsim/transactions.csv")?.parent()?.to_path_buf();
    let nodes = std::fs::read_to_string(dir.join("nodes.csv")).unwrap();
    let labelled = nodes
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut fields = line.split(',');
            let id = fields.next()?.parse().ok()?;
            (fields.next()? == "1").then_some(id)
        })
        .collect();
    let transactions = std::fs::read_to_string(dir.join("transactions.csv")).unwrap();
    let edges = transactions
        .lines()
        .skip(1)
        .enumerate()
        .map(|(i, line)| {
            let fields: Vec<&str> = line.split(',').collect();
            Edge {
                tx: i as u64,
                from: fields[0].parse().unwrap(),
                to: fields[1].parse().unwrap(),
                amount: fields[2].parse().unwrap(),
                time: fields[3].parse::<i64>().unwrap() * DAY,
            }
        })
        .collect();
    Some(AmlSim { edges, labelled })
}

/// Account-level precision and recall of one configuration.
fn measure(data: &AmlSim, config: GraphConfig, typology: Typology) -> (f64, f64, usize) {
    let mut engine = GraphEngine::new(config);
    let mut detections: Vec<Detection> = Vec::new();
    for edge in &data.edges {
        engine.observe(*edge, &mut detections);
    }
    assert!(detections.iter().all(|d| d.typology == typology));
    let named: BTreeSet<AccountId> =
        detections.iter().flat_map(|d| d.accounts.iter().copied()).collect();
    let hits = named.intersection(&data.labelled).count();
    let precision = hits as f64 / named.len().max(1) as f64;
    let recall = hits as f64 / data.labelled.len() as f64;
    eprintln!(
        "AMLSim {}: {} detections naming {} accounts, {hits} labelled: precision {precision:.3}, recall {recall:.3}; {}",
        typology.name(),
        detections.len(),
        named.len(),
        engine.stats()
    );
    (precision, recall, detections.len())
}

/// Cycle: any directed cycle of 2–12 transfers within the run whose amounts
/// agree within 5 % hop to hop. Measured: precision 0.85, recall 0.078
/// (140 of 1,804 labelled accounts; the complete cycles hold about 80).
/// Floors leave room for engine changes but catch a collapse: precision
/// well above the 0.09 base rate, recall above what the complete cycles
/// alone would give.
#[test]
fn amlsim_cycles_precision_and_recall() {
    let Some(data) = load() else { return };
    let config = GraphConfig {
        cycle: Some(CycleConfig {
            window: 149 * DAY,
            time_ordered: false,
            amount_tolerance: 0.05,
            ..CycleConfig::default()
        }),
        // AMLSim amounts are unit-less and small.
        min_amount: 0.0,
        ..GraphConfig::none()
    };
    let (precision, recall, _) = measure(&data, config, Typology::Cycle);
    assert!(precision >= 0.70, "cycle precision {precision:.3} below the 0.70 floor");
    assert!(recall >= 0.06, "cycle recall {recall:.3} below the 0.06 floor");
}

/// Fan-in: five or more distinct senders within 30 steps. AMLSim's fan-in
/// senders are spaced ~37 steps apart and its normal accounts have the
/// same in-degree, so the degree rule finds nearly every labelled account
/// (recall 0.96) but cannot tell them from normal ones (precision 0.099
/// against a 0.090 base rate): the floors record that, so that a change
/// that makes fan-in sharper shows up here as a number to raise.
#[test]
fn amlsim_fan_in_precision_and_recall() {
    let Some(data) = load() else { return };
    let config = GraphConfig {
        fan_in: Some(FanConfig {
            window: 30 * DAY,
            min_counterparties: 5,
            min_total: 0.0,
            min_amount: 0.0,
            new_counterparties_only: false,
        }),
        ..GraphConfig::none()
    };
    let (precision, recall, _) = measure(&data, config, Typology::FanIn);
    let base_rate = data.labelled.len() as f64 / 20_000.0;
    assert!(precision >= base_rate, "fan-in precision {precision:.3} below the base rate");
    assert!(recall >= 0.90, "fan-in recall {recall:.3} below the 0.90 floor");
}
