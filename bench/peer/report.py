"""Prints Vigia and the peer (nomenklatura logic-v2, logic-v1) side by side.

    python report.py --vigia vigia-eval.json --peer peer-A.json [--peer peer-B.json]
                     [--screen screen.json] [--vigia-threads 1] [--markdown]

`vigia-eval.json` is `vigia-eval --json` (a list of per-set reports), each
`peer-*.json` is `run_peer.py --json` (one per candidate step),
`screen.json` holds the `vigia screen` timings that bench/screening.sh
measured on one thread. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import sys


def load(path):
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def fmt(x, digits=4):
    return "-" if x is None else f"{x:.{digits}f}"


def short(peer) -> str:
    return {"rapidfuzz": "rf", "nomenklatura": "nk"}.get(peer["meta"].get("blocking_mode", "rapidfuzz"), "?")


def quality(vigia: dict, peers: list, md: bool) -> list[str]:
    lines = []
    head = ("set", "queries", "mapped", "engine (blocking)", "blocking recall", "recall", "precision", "F1", "any match", "top-1")
    if md:
        lines.append("| " + " | ".join(head) + " |")
        lines.append("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    else:
        lines.append(
            f"{'set':<24} {'queries':>7} {'mapped':>6}  {'engine':<12} {'blocking':>11} "
            f"{'recall':>7} {'precision':>9} {'F1':>7} {'any-match':>15} {'top-1':>6}"
        )
    for k, first_set in enumerate(peers[0]["sets"]):
        name = first_set["name"]
        negative = name.startswith("negatives")
        rows = []
        v = vigia.get(name)
        if v is not None:
            rows.append(("vigia", v, "-"))
        for peer in peers:
            s = next((x for x in peer["sets"] if x["name"] == name), None)
            if s is None:
                continue
            if name == "cross-script pairs":
                blk = "all 22"
            elif s["blocking_recall"] is None:
                blk = "-"
            else:
                blk = f"{s['blocking_found']}/{s['mapped']}"
            for algo in ("logic-v2", "logic-v1"):
                rows.append((f"{algo} ({short(peer)})", s[algo], blk))
        queries = first_set["queries"]
        mapped = first_set["mapped"]
        for i, (engine, r, blk) in enumerate(rows):
            rec = "-" if negative else fmt(r["recall"])
            prec = "-" if negative else fmt(r["precision"])
            f1 = "-" if negative else fmt(r["f1"])
            anym = f"{r['match_rate']:.4f} ({r['any_match']})"
            top1 = "-" if negative else str(r["top1"])
            first = i == 0
            if md:
                lines.append(
                    f"| {name if first else ''} | {queries if first else ''} | {mapped if first else ''} | "
                    f"{engine} | {blk} | {rec} | {prec} | {f1} | {anym} | {top1} |"
                )
            else:
                lines.append(
                    f"{name if first else '':<24} {queries if first else '':>7} {mapped if first else '':>6}  "
                    f"{engine:<12} {blk:>11} {rec:>7} {prec:>9} {f1:>7} {anym:>15} {top1:>6}"
                )
        if v is not None and v["queries"] != queries:
            lines.append(f"  warning: vigia ran {v['queries']} queries of {name!r}, the peer {queries}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--vigia", required=True)
    parser.add_argument("--vigia-threads", type=int, default=1, help="rayon threads vigia-eval ran with")
    parser.add_argument("--peer", required=True, action="append", help="run_peer.py --json output (repeatable)")
    parser.add_argument("--screen", help="vigia screen timings on one thread (JSON)")
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    parser.add_argument("--negatives", type=int, default=0, help="the negatives sample the run used (first N rows; 0: all)")
    args = parser.parse_args()

    vigia = {r["name"]: r for r in load(args.vigia)}
    peers = [load(p) for p in args.peer]
    screen = load(args.screen) if args.screen else None
    md = args.markdown

    lines = quality(vigia, peers, md)

    # Throughput, per core.
    main_sets = [s["name"] for s in peers[0]["sets"] if s["name"] != "cross-script pairs"]
    vq = sum(vigia[n]["queries"] for n in main_sets if n in vigia)
    vs = sum(vigia[n]["seconds"] for n in main_sets if n in vigia)
    vigia_rows = [(f"vigia-eval, the same sets in process ({vq} queries), wall", vq / vs / args.vigia_threads if vs > 0 else 0.0, "wall")]
    if screen:
        t, n = screen["threads"], screen["queries"]
        vigia_rows += [
            (f"vigia screen FILE -o /dev/null ({n} queries): screening loop incl. CSV in/JSONL out, wall", n / screen["loop_seconds"] / t, "wall"),
            ("vigia screen, whole command incl. loading lists and index, wall", n / screen["wall_seconds"] / t, "wall"),
            ("vigia screen, whole command, CPU time (user+sys)", n / screen["cpu_seconds"], "cpu"),
        ]
    peer_rows = []
    for peer in peers:
        tp = peer["throughput"]
        pc, pw = tp["cpu"]["per_core_qps"], tp["wall"]["per_core_qps"]
        b = short(peer)
        peer_rows += [
            (f"logic-v2 ({b}), blocking + scoring, CPU time ({tp['queries']} queries, {tp['candidates_per_query']:.1f} candidates each)", pc["logic-v2 blocking+scoring"]),
            (f"logic-v2 ({b}), scoring only, CPU time", pc["logic-v2 scoring only"]),
            (f"logic-v1 ({b}), blocking + scoring, CPU time", pc["logic-v1 blocking+scoring"]),
            (f"logic-v1 ({b}), scoring only, CPU time", pc["logic-v1 scoring only"]),
            (f"blocking only ({b}), CPU time", pc["blocking only"]),
            (f"logic-v2 ({b}), blocking + scoring, wall", pw["logic-v2 blocking+scoring"]),
        ]
    lines.append("")
    if md:
        lines.append("| throughput, per core | queries/s |")
        lines.append("|---|---:|")
        for label, q, _ in vigia_rows:
            lines.append(f"| Vigia: {label} | {q:,.1f} |")
        for label, q in peer_rows:
            lines.append(f"| peer: {label} | {q:,.1f} |")
    else:
        lines.append(f"{'throughput, per core':<118} {'queries/s':>10}")
        for label, q, _ in vigia_rows:
            lines.append(f"{'vigia: ' + label:<118} {q:>10,.1f}")
        for label, q in peer_rows:
            lines.append(f"{'peer:  ' + label:<118} {q:>10,.1f}")

    # Ratios: every Vigia figure over each peer configuration, measured on
    # the same clock (wall over wall, CPU time over CPU time).
    lines.append("")
    cols = []
    for peer in peers:
        tp = peer["throughput"]
        b = short(peer)
        for label, key in (("v2 b+s", "logic-v2 blocking+scoring"), ("v2 scoring", "logic-v2 scoring only"), ("v1 b+s", "logic-v1 blocking+scoring")):
            cols.append((f"{label} ({b})", tp["cpu"]["per_core_qps"][key], tp["wall"]["per_core_qps"][key]))

    def ratio(q, clock, col):
        d = col[1] if clock == "cpu" else col[2]
        return q / d if d else 0.0

    title = "ratio Vigia / peer per core (same clock)"
    if md:
        lines.append(f"| {title} | " + " | ".join(c[0] for c in cols) + " |")
        lines.append("|---|" + "---:|" * len(cols))
        for label, q, clock in vigia_rows:
            lines.append(f"| {label} | " + " | ".join(f"{ratio(q, clock, c):,.0f}×" for c in cols) + " |")
    else:
        lines.append(f"{title:<96}" + "".join(f"{c[0]:>17}" for c in cols))
        for label, q, clock in vigia_rows:
            lines.append(f"{label:<96}" + "".join(f"{ratio(q, clock, c):>16,.0f}x" for c in cols))

    lines.append("")
    meta = peers[0]["meta"]
    ver = meta["versions"]
    lines.append(
        f"peer: nomenklatura {ver.get('nomenklatura')}, followthemoney {ver.get('followthemoney')}, rigour {ver.get('rigour')}, "
        f"rapidfuzz {ver.get('rapidfuzz')}, duckdb {ver.get('duckdb', '?')}, Python {ver.get('python')}; {meta['workers']} worker processes "
        f"on {meta['cpus']} cores; per-core rates are queries over the summed seconds of all workers; threshold {meta['threshold']}; "
        f"{meta['entities']} listed entities; negatives: first {args.negatives or 'all'} rows of each file."
    )
    for peer in peers:
        lines.append(f"peer blocking ({short(peer)}): {peer['meta']['blocking']}")
    if screen:
        lines.append(
            f"vigia screen: {screen['queries']} queries (every row of the five yente fixture files) against the lists "
            f"imported with `vigia lists import` ({screen.get('entities', '?')} entities), RAYON_NUM_THREADS={screen['threads']}; "
            f"vigia-eval ran with RAYON_NUM_THREADS={args.vigia_threads}."
        )
    try:
        print("\n".join(lines))
    except BrokenPipeError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
