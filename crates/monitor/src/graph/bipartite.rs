//! G6: a dense block of senders → receivers whose senders are conduits,
//! and the stack it may sit on.
//!
//! On a new edge `u → v`: the receivers `R` are `u`'s payees in the window;
//! the senders `S` are `v`'s payers that paid at least `min_receivers` of
//! `R`; the block's receivers are those of `R` paid by two or more of `S`.
//! The block is a layer when its senders pass value through: at least
//! `min_pass_through` of what they paid into the block is covered by what
//! they received from new counterparties in the window, counted per sender
//! up to its own payments into the block (a conduit of several schemes at
//! once receives more than it pays into any one of them; the surplus went
//! elsewhere and does not make this block less of a layer). A block whose senders
//! themselves were paid by a dense upstream set (two or more of them each)
//! is reported as a two-layer stack.
//!
//! A block whose senders received nothing in the window (pure sources) is
//! not reported: from the graph alone it cannot be told from many customers
//! paying the same few payees (utilities, landlords); fan-in covers its
//! receivers.
//!
//! Cost: deg_out(u) + Σ_{s ∈ payers(v)} deg_out(s) + Σ_{s ∈ S} deg_in(s),
//! each bounded by `max_scan`, with at most `max_candidates` payers.

use super::config::{BipartiteConfig, Caps};
use super::fan::{duration, money};
use super::flow::{FlowScratch, Outcome, Scope};
use super::flow::{last, mark_established};
use super::scratch::Marks;
use super::scratch::set_key;
use super::store::Adj;
use super::store::Store;
use super::{Detection, Edge, Typology};
use vigia_model::EventTime;

/// G6 on the new edge `u → v`.
pub(crate) fn bipartite(
    store: &Store,
    config: &BipartiteConfig,
    caps: &Caps,
    scope: Scope,
    scratch: &mut FlowScratch,
    edge: &Edge,
    admit: &mut dyn FnMut(u64, u32) -> bool,
) -> Outcome {
    let (u, v, now) = (edge.from, edge.to, edge.time);
    let none = |scan, candidates| Outcome {
        detection: None,
        scan,
        candidates,
        hub: false,
        suppressed: false,
        key: 0,
    };
    let (smin, rmin) = (config.min_senders.max(2) as usize, config.min_receivers.max(1) as usize);
    if store.node(u).out.len() < rmin || store.node(v).inn.len() < smin {
        return none(false, false);
    }
    let lo = now.saturating_sub(config.window);
    let FlowScratch { first, first_values, second, second_values, third, old, list, best, pool } =
        scratch;
    // R: u's new payees (not established relationships, not hubs).
    let payees = store.node(u).out.between(lo, now);
    let payers = store.node(v).inn.between(lo, now);
    if payees.len() > caps.max_hub_degree || payers.len() > caps.max_hub_degree {
        return Outcome::hub();
    }
    let (payees, mut scan) = last(payees, caps.max_scan);
    // Cheap bounds before any other account is read: the receivers are
    // among `u`'s payments of at least the floor, and the senders among
    // `v`'s receipts of at least the floor. Most edges stop here, without
    // the hub check of every payee (a random read each). With
    // `max_hub_degree <= max_scan` no later list is cut and no candidate
    // cap can be reached on so few payers, so the outcome is the one the
    // full search would give.
    let bounded = caps.max_hub_degree <= caps.max_scan && caps.max_candidates + 1 >= smin;
    if bounded {
        let floor = scope.floor;
        let (payers_cut, cut) = last(payers, caps.max_scan);
        // Receivers and senders are distinct accounts: an account paid
        // (or paying) several times counts once.
        if distinct_at_least(payees, floor, rmin, third) < rmin {
            return none(scan, false);
        }
        if distinct_at_least(payers_cut, floor, smin, second) < smin {
            return none(scan | cut, false);
        }
    }
    // Each payee's hub test reads its node and then an entry of its list:
    // the nodes are requested together first.
    for adj in payees {
        if adj.amount >= scope.floor {
            store.prefetch_node(adj.other);
        }
    }
    established(old, scope, store.node(u).out.live(), lo, caps.max_scan);
    first.clear();
    list.clear();
    for adj in payees {
        // Hubs (merchants, utilities) are not block receivers.
        if adj.amount < scope.floor
            || first.contains(adj.other)
            || old.contains(adj.other)
            || store.node(adj.other).inn.busier_than(lo, now, caps.max_hub_degree)
        {
            continue;
        }
        if first.insert(adj.other) {
            first_values.reset(adj.other);
            list.push(adj.other);
        }
    }
    if list.len() < rmin {
        return none(scan, false);
    }
    // S: v's payers that paid at least `rmin` of R.
    let (payers, cut) = last(payers, caps.max_scan);
    scan |= cut;
    // The candidates, newest first, found from `v`'s list alone: distinct
    // payers of the floor that are not receivers, at most
    // `max_candidates`.
    second.clear();
    best.clear();
    pool.clear();
    let mut candidates = false;
    for payer in payers.iter().rev() {
        let s = payer.other;
        if payer.amount < scope.floor || !second.insert(s) || first.contains(s) {
            continue;
        }
        if pool.len() == caps.max_candidates {
            candidates = true;
            break;
        }
        pool.push(s);
    }
    // The candidates' nodes are requested together, and each candidate's
    // newest payments while the one before it is tried.
    for &s in pool.iter() {
        store.prefetch_node(s);
    }
    for (tried, &s) in pool.iter().enumerate() {
        if let Some(&next) = pool.get(tried + 1) {
            store.node(next).out.prefetch_newest();
        }
        // Every sender is a candidate: once those left cannot bring the
        // senders to `smin`, the outcome is known without reading their
        // lists. Exact when no list read below can be cut (the same
        // condition as the bounds above).
        if bounded && best.len() + (pool.len() - tried) < smin {
            break;
        }
        let payments = store.node(s).out.between(lo, now);
        if payments.len() > caps.max_hub_degree {
            continue;
        }
        let (paid, cut) = last(payments, caps.max_scan);
        scan |= cut;
        established(old, scope, store.node(s).out.live(), lo, caps.max_scan);
        third.clear();
        let overlap = paid
            .iter()
            .filter(|a| {
                a.amount >= scope.floor
                    && first.contains(a.other)
                    && !old.contains(a.other)
                    && third.insert(a.other)
            })
            .count();
        if overlap < rmin {
            continue;
        }
        best.push(s);
        third.clear();
        for adj in paid {
            if adj.amount >= scope.floor
                && first.contains(adj.other)
                && !old.contains(adj.other)
                && third.insert(adj.other)
            {
                first_values.add(adj.other, adj.time, 0.0);
            }
        }
    }
    if best.len() < smin {
        return none(scan, candidates);
    }
    // The block's receivers: paid by two or more senders.
    list.retain(|&r| first_values.count(r) >= 2);
    if list.len() < rmin {
        return none(scan, candidates);
    }
    first.clear();
    for &r in list.iter() {
        first.insert(r);
    }
    // Pass-through of the senders, and the upstream layer.
    let (mut covered, mut block, mut from) = (0.0, 0.0, now);
    let mut edges = Vec::new();
    second.clear();
    let mut upstream = Vec::new();
    for &s in best.iter() {
        let node = store.node(s);
        let (paid, cut) = last(node.out.between(lo, now), caps.max_scan);
        scan |= cut;
        let mut first_payment = now;
        let (mut paid_in, mut received_new) = (0.0, 0.0);
        for adj in paid {
            if adj.amount >= scope.floor
                && first.contains(adj.other)
                && let Some(record) = store.record(adj.seq)
            {
                paid_in += adj.amount;
                first_payment = first_payment.min(adj.time);
                edges.push((adj.time, record.tx));
            }
        }
        from = from.min(first_payment);
        let (received, cut) = last(node.inn.between(lo, now), caps.max_scan);
        scan |= cut;
        // What passes through is what came from new counterparties: a
        // mule's own salary is not part of the layer's value.
        established(old, scope, node.inn.live(), lo, caps.max_scan);
        third.clear();
        for adj in received {
            if old.contains(adj.other) {
                continue;
            }
            received_new += adj.amount;
            from = from.min(adj.time);
            let w = adj.other;
            if third.insert(w) && !first.contains(w) {
                if second.insert(w) {
                    second_values.reset(w);
                    upstream.push(w);
                }
                second_values.add(w, adj.time, adj.amount);
            }
        }
        block += paid_in;
        // Counted up to the sender's payments into the block.
        covered += f64::min(received_new, paid_in);
    }
    let ratio = if block > 0.0 { covered / block } else { 0.0 };
    if ratio < config.min_pass_through {
        return none(scan, candidates);
    }
    upstream.retain(|&w| second_values.count(w) >= 2 && !best.contains(&w));
    let layers = if upstream.len() >= smin { 2 } else { 1 };
    let size = (best.len() + list.len()) as u32;
    let mut senders = best.clone();
    let key = set_key(&mut senders);
    if !admit(key, size) {
        return Outcome { detection: None, scan, candidates, hub: false, suppressed: true, key: 0 };
    }
    edges.sort_unstable();
    let mut accounts = Vec::with_capacity(best.len() + list.len() + upstream.len());
    accounts.extend_from_slice(best);
    accounts.extend_from_slice(list);
    if layers == 2 {
        accounts.extend_from_slice(&upstream);
    }
    let shape = if layers == 2 {
        format!("two-layer stack: {} upstream payers → ", upstream.len())
    } else {
        String::from("bipartite: ")
    };
    let detail = format!(
        "{shape}{} senders passed {} ({:.0} % of it received from new counterparties) to {} shared receivers within {}",
        best.len(),
        money(block),
        ratio * 100.0,
        list.len(),
        duration(now - from)
    );
    Outcome {
        detection: Some(Detection {
            typology: Typology::Bipartite,
            accounts,
            edges: edges.into_iter().map(|(_, tx)| tx).collect(),
            from,
            to: now,
            amount: block,
            size,
            capped: scan || candidates,
            detail,
        }),
        scan,
        candidates,
        hub: false,
        suppressed: false,
        key,
    }
}

/// How many distinct counterparties `entries` (newest first) move at least
/// `floor` to or from, counting no further than `enough`; `seen` is
/// scratch.
fn distinct_at_least(entries: &[Adj], floor: f64, enough: usize, seen: &mut Marks) -> usize {
    seen.clear();
    let mut distinct = 0;
    for adj in entries.iter().rev() {
        if adj.amount >= floor && seen.insert(adj.other) {
            distinct += 1;
            if distinct >= enough {
                break;
            }
        }
    }
    distinct
}

/// Marks the established counterparties of `side` when novelty counts,
/// else empties the set.
fn established(old: &mut Marks, scope: Scope, side: &[Adj], lo: EventTime, cap: usize) {
    if scope.novelty {
        mark_established(old, side, lo, cap);
    } else {
        old.clear();
    }
}
