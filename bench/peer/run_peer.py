"""Runs nomenklatura's logic-v2 and logic-v1 on the labelled screening sets
that `vigia-eval --export DIR` wrote, so that Vigia and the peer see the same
listed entities, the same queries and the same labels.

    python run_peer.py DIR [--workers 2] [--negatives N] [--json OUT]

DIR holds `entities.ftm.json` (the listed entities, FollowTheMoney JSON
lines), `cross_script.ftm.json` (the Latin names of the cross-script pairs)
and `sets.jsonl` (one labelled query a line: set, id, schema, properties,
expected; `expected` is the list of entity ids the query must match, `[]`
for a negative and `null` for a positive whose entity is not listed).

The peer has no candidate generation of its own outside Elasticsearch
(yente), so it gets a blocking step here: every name of every listed entity
whose schema is matchable with the query's (as yente filters), normalised
to lower-case ASCII; per query name, rapidfuzz's `process.extract` with
`token_set_ratio` over all of them; the best name per entity; the top
`--limit` entities (20). This is the stand-in that
shared/docs/research/peer-baseline.md used; it never lost a true entity
there. Every candidate is then scored with `LogicV2` and `LogicV1` under
`ScoringConfig.defaults()`; a result is a match at `--threshold` (0.70).

The cross-script set is screened against its own 22 listed entities (as
vigia-eval does), all of them scored, without blocking.

Each worker is one single-threaded Python process; `--workers 2` runs one
per core of a 2-core machine on interleaved shares of every set. Each
worker times every query's blocking, logic-v2 scoring and logic-v1 scoring
separately, in process CPU time (what one core spends, whatever else runs
on the machine) and in wall time; per-core throughput is queries divided by
the summed seconds of all workers. Loading the lists and building the
blocking pools is excluded (reported apart).
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import platform
import statistics
import sys
import time
from collections import defaultdict
from importlib import metadata

THRESHOLD = 0.70
LIMIT = 20
# How many names rapidfuzz returns before they are reduced to entities;
# when they hold fewer than LIMIT distinct entities the search is repeated
# over all names.
NAME_LIMIT = 400
CROSS_SET = "cross-script pairs"

# Globals set in the parent before the workers fork (copy-on-write).
STATE: dict = {}


def versions() -> dict:
    out = {"python": platform.python_version()}
    for pkg in ("nomenklatura", "followthemoney", "rigour", "rapidfuzz", "duckdb", "normality", "PyICU"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = None
    return out


def read_jsonl(path: str):
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if line:
                yield json.loads(line)


def make_proxy(model, data: dict):
    # cleaned=False: let FollowTheMoney clean every value (country names to
    # codes, dates), as yente does for a /match query and as the peer's own
    # loaders do for listed entities.
    return model.get_proxy(
        {"id": data["id"], "schema": data["schema"], "properties": data.get("properties", {})},
        cleaned=False,
    )


BLOCK_PROPS = ("name", "alias", "previousName", "weakAlias")


def block_names(proxy) -> list[str]:
    names = []
    for prop in BLOCK_PROPS:
        if prop in proxy.schema.properties:
            names.extend(proxy.get(prop, quiet=True))
    return names


class Blocker:
    """Brute-force fuzzy blocking over every name of the matchable entities."""

    def __init__(self, entities: list, normalize):
        self.normalize = normalize
        self.entities = entities
        # One pool of names per candidate schema set, built lazily.
        self.pools: dict[frozenset, tuple[list[str], list[int]]] = {}
        self.names: list[tuple[str, int, str]] = []  # (normalised name, entity index, schema)
        seen = set()
        for i, proxy in enumerate(entities):
            for name in block_names(proxy):
                norm = normalize(name)
                if norm and (norm, i) not in seen:
                    seen.add((norm, i))
                    self.names.append((norm, i, proxy.schema.name))

    def pool(self, schemata: frozenset) -> tuple[list[str], list[int]]:
        pool = self.pools.get(schemata)
        if pool is None:
            chosen = [(n, i) for n, i, s in self.names if s in schemata]
            pool = ([n for n, _ in chosen], [i for _, i in chosen])
            self.pools[schemata] = pool
        return pool

    def candidates(self, query, limit: int) -> list[int]:
        from rapidfuzz import fuzz, process

        schemata = frozenset(s.name for s in query.schema.matchable_schemata)
        names, owners = self.pool(schemata)
        best: dict[int, float] = {}
        qnames = [self.normalize(n) for n in block_names(query)]
        qnames = [n for n in qnames if n]
        for qn in qnames:
            hits = process.extract(qn, names, scorer=fuzz.token_set_ratio, processor=None, limit=NAME_LIMIT)
            for _, score, idx in hits:
                owner = owners[idx]
                if score > best.get(owner, -1.0):
                    best[owner] = score
        if len(best) < limit and len(names) > NAME_LIMIT:
            for qn in qnames:
                hits = process.extract(qn, names, scorer=fuzz.token_set_ratio, processor=None, limit=None)
                for _, score, idx in hits:
                    owner = owners[idx]
                    if score > best.get(owner, -1.0):
                        best[owner] = score
        ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))
        return [i for i, _ in ranked[:limit]]


def nomenklatura_blocking(entities: list, queries: list[dict], limit: int) -> dict:
    """nomenklatura's own blocking index (`nomenklatura.blocker.Index`, the
    DuckDB token index that OpenSanctions' xref uses): builds it over the
    listed entities, then matches every query in one batch, keeping the top
    `limit` candidates per query. DuckDB runs on one thread so its CPU time
    is one core's. Returns the candidates (entity indexes) per query row
    and the timings."""
    import tempfile
    from pathlib import Path

    from followthemoney import model
    from nomenklatura.blocker.index import Index

    position = {proxy.id: i for i, proxy in enumerate(entities)}

    class View:
        # The one method of a nomenklatura store view that Index.build uses.
        def entities(self, include_schemata=None):
            for proxy in entities:
                if include_schemata is None or proxy.schema in include_schemata:
                    yield proxy

    proxies = [make_proxy(model, q) for q in queries if q["set"] != CROSS_SET]
    with tempfile.TemporaryDirectory(prefix="vigia-peer-blocker-") as tmp:
        index = Index(View(), Path(tmp), {"max_candidates": limit})
        index.con.execute("SET threads=1")
        c0, t0 = time.process_time(), time.perf_counter()
        index.build()
        c1, t1 = time.process_time(), time.perf_counter()
        found = {str(ident): [str(m) for m, _ in matches] for ident, matches in index.match_entities(proxies)}
        c2, t2 = time.process_time(), time.perf_counter()
        index.close()
    by_row = {}
    for q in queries:
        if q["set"] == CROSS_SET:
            continue
        by_row[q["n"]] = [position[i] for i in found.get(q["id"], []) if i in position][:limit]
    return {
        "candidates": by_row,
        "build_cpu_seconds": c1 - c0,
        "build_wall_seconds": t1 - t0,
        "match_cpu_seconds": c2 - c1,
        "match_wall_seconds": t2 - t1,
        "queries": len(proxies),
    }


def setup(export_dir: str, negatives: int, only_sets: set[str] | None, blocking: str, limit: int):
    from followthemoney import model
    from normality import normalize

    started = time.perf_counter()
    entities = [make_proxy(model, e) for e in read_jsonl(os.path.join(export_dir, "entities.ftm.json"))]
    cross = [make_proxy(model, e) for e in read_jsonl(os.path.join(export_dir, "cross_script.ftm.json"))]
    loaded = time.perf_counter() - started

    queries = []
    per_set = defaultdict(int)
    for row in read_jsonl(os.path.join(export_dir, "sets.jsonl")):
        name = row["set"]
        if only_sets and name not in only_sets:
            continue
        if negatives and name.startswith("negatives"):
            if per_set[name] >= negatives:
                continue
        per_set[name] += 1
        row["n"] = len(queries)
        queries.append(row)

    norm = lambda s: normalize(s, ascii=True)  # noqa: E731
    started = time.perf_counter()
    blocker = Blocker(entities, norm)
    # Build the pools of the query schemata now so no worker pays for it.
    for schema in sorted({q["schema"] for q in queries}):
        blocker.pool(frozenset(s.name for s in model.get(schema).matchable_schemata))
    indexed = time.perf_counter() - started

    batch = None
    if blocking == "nomenklatura":
        print("peer: building nomenklatura's blocking index and matching all queries", file=sys.stderr)
        batch = nomenklatura_blocking(entities, queries, limit)
    STATE.update(entities=entities, cross=cross, blocker=blocker, queries=queries, batch=batch)
    meta_batch = None
    if batch is not None:
        meta_batch = {k: v for k, v in batch.items() if k != "candidates"}
    return {
        "nomenklatura_blocker": meta_batch,
        "entities": len(entities),
        "names": len(blocker.names),
        "pools": {",".join(sorted(k)): len(v[0]) for k, v in blocker.pools.items()},
        "cross_entities": len(cross),
        "load_seconds": loaded,
        "blocking_index_seconds": indexed,
        "queries": dict(per_set),
    }


def worker(args):
    shard, workers, threshold, limit = args
    from followthemoney import model
    from nomenklatura.matching import LogicV1, LogicV2
    from nomenklatura.matching.types import ScoringConfig

    config = ScoringConfig.defaults()
    entities = STATE["entities"]
    cross = STATE["cross"]
    blocker = STATE["blocker"]
    batch = STATE["batch"]
    queries = STATE["queries"][shard::workers]

    # Warm both algorithms up (imports, lazily built tables) off the clock.
    dummy = model.get_proxy({"id": "warm-up", "schema": "Person", "properties": {"name": ["Warm Up"]}}, cleaned=False)
    for algo in (LogicV2, LogicV1):
        algo.compare(dummy, entities[0], config)

    cpu = time.process_time
    out = []
    cpu_started = time.process_time()
    wall_started = time.perf_counter()
    for row in queries:
        query = make_proxy(model, row)
        c0, t0 = cpu(), time.perf_counter()
        if row["set"] == CROSS_SET:
            candidates = cross
        elif batch is not None:
            # Blocked in one batch before the workers started; its cost is
            # added per query in the report.
            candidates = [entities[i] for i in batch["candidates"][row["n"]]]
        else:
            candidates = [entities[i] for i in blocker.candidates(query, limit)]
        c1, t1 = cpu(), time.perf_counter()
        v2 = [(c.id, LogicV2.compare(query, c, config).score) for c in candidates]
        c2, t2 = cpu(), time.perf_counter()
        v1 = [(c.id, LogicV1.compare(query, c, config).score) for c in candidates]
        c3, t3 = cpu(), time.perf_counter()
        out.append(
            {
                "set": row["set"],
                "n": row["n"],
                "id": row["id"],
                "name": (row.get("properties", {}).get("name") or [""])[0],
                "expected": row["expected"],
                "candidates": [c.id for c in candidates],
                "logic-v2": sorted(v2, key=lambda kv: -kv[1]),
                "logic-v1": sorted(v1, key=lambda kv: -kv[1]),
                "blocking_s": t1 - t0,
                "v2_s": t2 - t1,
                "v1_s": t3 - t2,
                "blocking_cpu": c1 - c0,
                "v2_cpu": c2 - c1,
                "v1_cpu": c3 - c2,
            }
        )
    return {
        "shard": shard,
        "results": out,
        "wall_seconds": time.perf_counter() - wall_started,
        "cpu_seconds": time.process_time() - cpu_started,
    }


def name_key(name: str) -> str:
    """Sorted folded tokens of a name, as vigia-eval's `name_key` (ASCII
    transliteration stands in for Vigia's folding)."""
    from normality import normalize

    return " ".join(sorted((normalize(name, ascii=True) or "").split()))


def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, math.ceil(q * len(values)) - 1)]


def figures(
    name: str, rows: list[dict], algo: str, threshold: float, captions: dict, examples: int, results: int, party_keys: dict
) -> dict:
    """The figures of vigia-eval's SetReport, computed the same way: over
    the best `results` results of each query (vigia-eval's and yente's
    default limit is 5), a result being a match at `threshold`."""
    r = {
        "name": name,
        "queries": len(rows),
        "mapped": 0,
        "true_positives": 0,
        "false_negatives": 0,
        "wrong_matches": 0,
        "any_match": 0,
        "top1": 0,
        "examples": [],
    }
    for row in rows:
        scored = row[algo]
        matched = [(i, s) for i, s in scored[:results] if s >= threshold]
        if matched:
            r["any_match"] += 1
        expected = row["expected"]
        if expected is None:
            continue
        if expected:
            r["mapped"] += 1
            if any(i in expected for i, _ in matched):
                r["true_positives"] += 1
            else:
                r["false_negatives"] += 1
                if len(r["examples"]) < examples:
                    best = next(((i, s) for i, s in scored if i in expected), None)
                    if best is not None:
                        r["examples"].append(f"missed {row['name']!r}: {captions.get(best[0], best[0])} scored {best[1]:.3f}")
                    else:
                        r["examples"].append(f"missed {row['name']!r}: expected {'|'.join(expected)} not among candidates")
            if scored and scored[0][1] >= threshold and scored[0][0] in expected:
                r["top1"] += 1
            # As vigia-eval: a match on another record that shares a name
            # with the expected entity (the same party on another list) is
            # not counted as wrong.
            keys = set().union(*(party_keys.get(e, set()) for e in expected))
            r["wrong_matches"] += sum(
                1 for i, _ in matched if i not in expected and not (party_keys.get(i, set()) & keys)
            )
        else:
            r["wrong_matches"] += len(matched)
            if matched and len(r["examples"]) < examples:
                top = matched[0]
                r["examples"].append(f"false positive {row['name']!r} → {captions.get(top[0], top[0])} ({top[1]:.3f})")

    def ratio(a, b):
        return a / b if b else 0.0

    r["recall"] = ratio(r["true_positives"], r["mapped"])
    r["precision"] = ratio(r["true_positives"], r["true_positives"] + r["wrong_matches"])
    r["f1"] = (
        2 * r["recall"] * r["precision"] / (r["recall"] + r["precision"]) if r["recall"] + r["precision"] > 0 else 0.0
    )
    r["match_rate"] = ratio(r["any_match"], r["queries"])
    return r


def timing(rows: list[dict]) -> dict:
    out = {}
    for key in ("blocking_s", "v2_s", "v1_s", "blocking_cpu", "v2_cpu", "v1_cpu"):
        values = [row[key] * 1000 for row in rows]
        label = key.replace("_s", "_wall") if key.endswith("_s") else key
        out[label + "_ms_mean"] = statistics.fmean(values) if values else 0.0
        out[label + "_ms_p95"] = pct(values, 0.95)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("export", help="the folder written by `vigia-eval --export`")
    parser.add_argument("--workers", type=int, default=2, help="worker processes, one per core (default 2)")
    parser.add_argument("--negatives", type=int, default=0, help="only the first N rows of each negative set (0: all exported)")
    parser.add_argument("--sets", action="append", help="only these sets (repeatable)")
    parser.add_argument("--threshold", type=float, default=THRESHOLD)
    parser.add_argument("--limit", type=int, default=LIMIT, help="candidates per query (default 20)")
    parser.add_argument("--examples", type=int, default=10)
    parser.add_argument(
        "--results", type=int, default=5, help="results kept per query, best first, as vigia-eval's --limit (default 5)"
    )
    parser.add_argument("--rows", metavar="FILE", help="write every query's candidates and scores here (JSON lines)")
    parser.add_argument("--from-rows", metavar="FILE", help="recompute the report from the rows a previous run wrote (no scoring)")
    parser.add_argument(
        "--blocking",
        choices=("rapidfuzz", "nomenklatura"),
        default="rapidfuzz",
        help="candidate generation: brute-force rapidfuzz over all names (default) or nomenklatura's DuckDB blocking index",
    )
    parser.add_argument("--json", metavar="FILE", help="write the report as JSON here ('-': standard output)")
    args = parser.parse_args()

    meta = {
        "versions": versions(),
        "workers": args.workers,
        "cpus": os.cpu_count(),
        "threshold": args.threshold,
        "limit": args.limit,
        "blocking": (
            f"rapidfuzz process.extract token_set_ratio over normality.normalize(ascii=True) names "
            f"({', '.join(BLOCK_PROPS)}) of the matchable schemata; top {NAME_LIMIT} names -> best per entity -> top {args.limit} entities"
            if args.blocking == "rapidfuzz"
            else f"nomenklatura.blocker.Index (DuckDB token index, 1 thread), max_candidates={args.limit}, "
            "all queries matched in one batch; cost spread evenly over the queries"
        ),
        "blocking_mode": args.blocking,
        "scoring": "LogicV2 and LogicV1 .compare(query, candidate, ScoringConfig.defaults()).score",
        "results": args.results,
        "negatives": args.negatives or "as exported",
    }
    print(f"peer: loading {args.export}", file=sys.stderr)
    meta.update(
        setup(
            args.export,
            args.negatives,
            set(args.sets) if args.sets else None,
            "rapidfuzz" if args.from_rows else args.blocking,
            args.limit,
        )
    )
    print(
        f"peer: {meta['entities']} entities, {meta['names']} names, loaded in {meta['load_seconds']:.1f}s, "
        f"blocking pools in {meta['blocking_index_seconds']:.1f}s; {len(STATE['queries'])} queries on {args.workers} workers",
        file=sys.stderr,
    )

    started = time.perf_counter()
    jobs = [(shard, args.workers, args.threshold, args.limit) for shard in range(args.workers)]
    if args.from_rows:
        # Recompute the figures from a previous run's rows (same export).
        with open(args.from_rows, encoding="utf-8") as fh:
            saved = [json.loads(line) for line in fh if line.strip()]
        shards = [{"results": saved, "wall_seconds": None, "cpu_seconds": None}]
        meta["from_rows"] = args.from_rows
    elif args.workers == 1:
        shards = [worker(jobs[0])]
    else:
        with multiprocessing.get_context("fork").Pool(args.workers) as pool:
            shards = pool.map(worker, jobs)
    meta["run_wall_seconds"] = time.perf_counter() - started
    meta["worker_wall_seconds"] = [s["wall_seconds"] for s in shards]
    meta["worker_cpu_seconds"] = [s["cpu_seconds"] for s in shards]

    rows = [row for s in shards for row in s["results"]]
    batch = STATE["batch"]
    if batch is not None and batch["queries"] and not args.from_rows:
        for row in rows:
            if row["set"] != CROSS_SET:
                row["blocking_cpu"] = batch["match_cpu_seconds"] / batch["queries"]
                row["blocking_s"] = batch["match_wall_seconds"] / batch["queries"]
    captions = {}
    party_keys: dict[str, set] = defaultdict(set)
    for proxy in STATE["entities"] + STATE["cross"]:
        captions[proxy.id] = proxy.caption
        for prop in BLOCK_PROPS:
            if prop in proxy.schema.properties:
                party_keys[proxy.id].update(name_key(n) for n in proxy.get(prop, quiet=True))
    by_set = defaultdict(list)
    for row in sorted(rows, key=lambda r: r["n"]):
        by_set[row["set"]].append(row)
    # Keep the sets in their export order.
    export_order = []
    for q in STATE["queries"]:
        if q["set"] not in export_order:
            export_order.append(q["set"])

    if args.rows:
        with open(args.rows, "w", encoding="utf-8") as fh:
            for row in sorted(rows, key=lambda r: r["n"]):
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")

    sets = []
    for name in export_order:
        set_rows = by_set[name]
        mapped = [r for r in set_rows if r["expected"]]
        found = sum(1 for r in mapped if any(c in r["expected"] for c in r["candidates"]))
        sets.append(
            {
                "name": name,
                "queries": len(set_rows),
                "mapped": len(mapped),
                "blocking_found": found,
                "blocking_recall": found / len(mapped) if mapped else None,
                "logic-v2": figures(name, set_rows, "logic-v2", args.threshold, captions, args.examples, args.results, party_keys),
                "logic-v1": figures(name, set_rows, "logic-v1", args.threshold, captions, args.examples, args.results, party_keys),
                "timing": timing(set_rows),
            }
        )

    # Throughput over the sets screened against the lists (the cross-script
    # set has its own 22-entity list and no blocking).
    main_rows = [r for r in rows if r["set"] != CROSS_SET]
    n = len(main_rows)
    candidates = sum(len(r["candidates"]) for r in main_rows)

    def rates(suffix):
        blocking = sum(r["blocking" + suffix] for r in main_rows)
        v2 = sum(r["v2" + suffix] for r in main_rows)
        v1 = sum(r["v1" + suffix] for r in main_rows)

        def qps(seconds):
            return n / seconds if seconds > 0 else 0.0

        return {
            "seconds": {"blocking": blocking, "logic-v2": v2, "logic-v1": v1},
            "per_core_qps": {
                "logic-v2 blocking+scoring": qps(blocking + v2),
                "logic-v2 scoring only": qps(v2),
                "logic-v1 blocking+scoring": qps(blocking + v1),
                "logic-v1 scoring only": qps(v1),
                "blocking only": qps(blocking),
            },
            "ms_per_pair": {
                "logic-v2": 1000 * v2 / candidates if candidates else 0.0,
                "logic-v1": 1000 * v1 / candidates if candidates else 0.0,
            },
        }

    # CPU time of the worker process per stage is the primary measure: it
    # does not count the time a worker waits for a core on a shared
    # machine. Wall time is kept for comparison.
    throughput = {
        "queries": n,
        "candidates_per_query": candidates / n if n else 0.0,
        "cpu": rates("_cpu"),
        "wall": rates("_s"),
    }
    throughput["per_core_qps"] = throughput["cpu"]["per_core_qps"]
    report = {"meta": meta, "sets": sets, "throughput": throughput}

    for s in sets:
        v2r, v1r = s["logic-v2"], s["logic-v1"]
        br = "-" if s["blocking_recall"] is None else f"{s['blocking_found']}/{s['mapped']}"
        print(
            f"peer: {s['name']:<24} {s['queries']:>6} q  blocking {br:>11}  "
            f"v2 recall {v2r['recall']:.4f} prec {v2r['precision']:.4f} any {v2r['match_rate']:.4f}  "
            f"v1 recall {v1r['recall']:.4f} prec {v1r['precision']:.4f} any {v1r['match_rate']:.4f}",
            file=sys.stderr,
        )
    pc = throughput["per_core_qps"]
    print(
        f"peer: per core: v2 {pc['logic-v2 blocking+scoring']:.1f} q/s (scoring only {pc['logic-v2 scoring only']:.1f}), "
        f"v1 {pc['logic-v1 blocking+scoring']:.1f} q/s (scoring only {pc['logic-v1 scoring only']:.1f}); "
        f"CPU time; run wall {meta['run_wall_seconds']:.0f}s on {args.workers} workers",
        file=sys.stderr,
    )
    if args.json:
        text = json.dumps(report, indent=1, ensure_ascii=False)
        if args.json == "-":
            print(text)
        else:
            with open(args.json, "w", encoding="utf-8") as fh:
                fh.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
