#!/usr/bin/env bash
# Screening: Vigia and its peer (nomenklatura logic-v2 and logic-v1) on the
# same lists, queries and labels, side by side: quality and throughput.
#
#   bench/screening.sh [--negatives N | --full] [--workers W] [--skip-peer]
#
#   --negatives N  the first N rows of each negative file, for both engines
#                  (default 5000; the peer needs ~50 ms of CPU per query)
#   --full         all 2 x 50,000 negatives (the peer then runs for ~1 h)
#   --workers W    peer worker processes, one per core (default: nproc)
#   --blocking B   the peer's candidate step: rapidfuzz (brute force over
#                  every name), nomenklatura (its own DuckDB blocking index)
#                  or both (default: the peer runs once with each)
#   --skip-peer    Vigia only (no venv needed)
#   --bin-dir DIR  use the vigia and vigia-eval binaries in DIR instead of
#                  building this tree
#   --runs R       time the one-thread `vigia screen` R times before the
#                  peer and R times after it, and report the run of median
#                  CPU time of all (default 5): one run lasts about two
#                  seconds, the peer's several minutes, and on a shared
#                  machine a stretch of short samples moves by a fifth
#
# Steps: builds vigia and vigia-eval with the dist profile; builds the peer's venv
# (bench/peer/setup.sh, bench/.venv, git-ignored; minutes the first time);
# `vigia-eval --export` writes the entities it indexed and the labelled sets
# to a temporary folder; vigia-eval measures Vigia on them with one rayon
# thread (per-core figures); `vigia lists import`, a one-row warm-up that
# writes the index snapshot, then `vigia screen FILE -o
# /dev/null` measures the real binary end to end over every query of the
# five fixture files, on one thread and on all cores; bench/peer/run_peer.py
# runs the peer on the exported data; the one-thread runs are repeated
# after it. Everything lands in bench/out/
# (git-ignored); the table is printed and saved there as table.txt and
# table.md. Needs ../shared/data beside the repository.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
shared="${VIGIA_SHARED_DATA:-$root/../shared/data}"
negatives=5000
workers="$(nproc)"
skip_peer=0
runs=5
blocking=both
bin_dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --negatives) negatives="$2"; shift 2 ;;
    --full) negatives=0; shift ;;
    --workers) workers="$2"; shift 2 ;;
    --blocking) blocking="$2"; shift 2 ;;
    --skip-peer) skip_peer=1; shift ;;
    --runs) runs="$2"; shift 2 ;;
    --bin-dir) bin_dir="$2"; shift 2 ;;
    -h|--help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "screening.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -d "$shared/lists" ] && [ -d "$shared/eval/yente" ] || { echo "screening.sh: no shared data at $shared" >&2; exit 1; }

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
out="$root/bench/out/screening-$stamp"
mkdir -p "$out"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/vigia-screening.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
say() { echo "== $*" >&2; }

if [ -z "$bin_dir" ]; then
  say "building vigia and vigia-eval (dist profile: the binary we ship)"
  cargo build --profile dist --locked -q -p vigia-cli -p vigia-eval
  bin_dir="${CARGO_TARGET_DIR:-$root/target}/dist"
fi
# Copies, so that another build in this tree cannot swap them mid-run.
cp "$bin_dir/vigia" "$bin_dir/vigia-eval" "$tmp/"
"$tmp/vigia-eval" --help | grep -q -- '--export' || {
  echo "screening.sh: this vigia-eval has no --export; the peer needs it" >&2; exit 1; }
vigia="$tmp/vigia"
eval_bin="$tmp/vigia-eval"

if [ "$skip_peer" -eq 0 ]; then
  say "peer environment"
  bench/peer/setup.sh
fi

{
  echo "date: $stamp"
  echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates 2>/dev/null || echo ' (crates/ modified)')"
  echo "binaries: $bin_dir"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
  echo "negatives: ${negatives} per file (0 = all)"
  echo "peer workers: $workers"
  echo "peer blocking: $blocking"
} >"$out/run.txt"

say "vigia-eval: export and measure (1 thread; negatives: $negatives per file)"
RAYON_NUM_THREADS=1 "$eval_bin" --data "$shared" --negatives "$negatives" --export "$tmp/export" --json \
  >"$out/vigia-eval.json" 2>"$out/vigia-eval.log"
cat "$out/vigia-eval.log" >&2
wc -l "$tmp/export/entities.ftm.json" "$tmp/export/sets.jsonl" >&2

say "vigia screen: import the lists and screen every fixture query"
# A refused file (e.g. an excerpt smaller than the active version of its
# dataset) makes the import exit non-zero while the other files activate.
"$vigia" --data-dir "$tmp/store" lists import "$shared/lists" >"$out/lists-import.log" 2>&1 ||
  echo "screening.sh: vigia lists import reported refusals (see $out/lists-import.log)" >&2
"$vigia" --data-dir "$tmp/store" lists status >>"$out/lists-import.log" 2>&1
# The first load after a list change builds the index and writes its
# snapshot (ADR 0119); every later command loads it. Screening runs many
# times per import, so the timed runs below are of that steady state.
printf 'name\nwarm up\n' >"$tmp/warm-up.csv"
"$vigia" --data-dir "$tmp/store" screen "$tmp/warm-up.csv" -o /dev/null 2>>"$out/lists-import.log"
# Every row of the five fixture files, one header: the columns are ones
# `vigia screen` reads (full_name, first/middle/last name, gender, birth
# date, place of birth, nationality); rows are numbered as ids.
queries_csv="$tmp/queries.csv"
head -1 "$shared/eval/yente/positives_un_untreated.csv" >"$queries_csv"
for f in positives_un_untreated positives_un_treated positives_us_congress_untreated negatives_global negatives_us; do
  tail -n +2 "$shared/eval/yente/$f.csv" >>"$queries_csv"
done
# time_screen THREADS REPS PHASE: REPS timed runs of the whole command,
# appended to $tmp/runs-THREADS.jsonl.
time_screen() {
  local threads=$1 reps=$2 phase=$3
  local log="$out/screen-$threads-thread.log"
  for _ in $(seq "$reps"); do
    TIMEFORMAT='%R %U %S'
    { time RAYON_NUM_THREADS=$threads "$vigia" --data-dir "$tmp/store" screen "$queries_csv" -o /dev/null 2>"$log"; } 2>"$tmp/time"
    read -r wall user sys <"$tmp/time"
    cat "$log" >&2
    # "vigia: screened N queries against LISTS (E entities) in Ss (R/s); ..."
    read -r n entities loop < <(python3 -c '
import re, sys
m = re.search(r"screened (\d+) queries against .*\((\d+) entities\) in ([0-9.]+)s", open(sys.argv[1]).read())
print(*m.groups())' "$log")
    printf '{"threads": %s, "queries": %s, "entities": %s, "loop_seconds": %s, "wall_seconds": %s, "cpu_seconds": %s, "phase": "%s"}\n' \
      "$threads" "$n" "$entities" "$loop" "$wall" "$(python3 -c "print($user+$sys)")" "$phase" >>"$tmp/runs-$threads.jsonl"
  done
}
# write_screen_json: for each thread count, the run of median CPU time
# (every run's CPU time kept beside it) into screen.json.
write_screen_json() {
  python3 -c '
import json, sys
out = []
for path in sys.argv[4:]:
    runs = [json.loads(line) for line in open(path)]
    median = dict(sorted(runs, key=lambda r: r["cpu_seconds"])[len(runs) // 2])
    median["runs_cpu_seconds"] = [r["cpu_seconds"] for r in runs]
    median["runs_phase"] = [r["phase"] for r in runs]
    out.append(median)
json.dump(out, open(sys.argv[1], "w"), indent=1)
json.dump(out[0], open(sys.argv[2], "w"))
json.dump(out[-1], open(sys.argv[3], "w"))' "$out/screen.json" "$tmp/screen-1.json" "$tmp/screen-n.json" \
    "$tmp/runs-1.jsonl" "$tmp/runs-$(nproc).jsonl"
}
rm -f "$tmp/runs-1.jsonl" "$tmp/runs-$(nproc).jsonl"
# One thread: `runs` runs now and, when the peer runs, `runs` more after
# it, so that Vigia is sampled across the same stretch of the machine's
# state as the peer's minutes-long run; the run of median CPU time over
# all of them is reported. All cores: one run.
time_screen 1 "$runs" before
time_screen "$(nproc)" 1 before
write_screen_json

if [ "$skip_peer" -eq 1 ]; then
  say "outputs in $out (peer skipped)"
  exit 0
fi

case "$blocking" in
  both) modes=(rapidfuzz nomenklatura) ;;
  rapidfuzz|nomenklatura) modes=("$blocking") ;;
  *) echo "screening.sh: --blocking rapidfuzz, nomenklatura or both" >&2; exit 2 ;;
esac
peer_args=()
for mode in "${modes[@]}"; do
  say "peer: nomenklatura logic-v2 and logic-v1 on the exported data ($workers workers, $mode blocking)"
  bench/.venv/bin/python bench/peer/run_peer.py "$tmp/export" --workers "$workers" --blocking "$mode" \
    --json "$out/peer-$mode.json" --rows "$out/peer-$mode-rows.jsonl" 2>&1 | tee "$out/peer-$mode.log" >&2
  peer_args+=(--peer "$out/peer-$mode.json")
done

say "vigia screen: $runs more one-thread runs, after the peer"
time_screen 1 "$runs" after
write_screen_json

say "side by side"
report=(python3 bench/peer/report.py --vigia "$out/vigia-eval.json" --vigia-threads 1 --negatives "$negatives" "${peer_args[@]}" --screen "$tmp/screen-1.json")
"${report[@]}" | tee "$out/table.txt"
"${report[@]}" --markdown >"$out/table.md"
{
  echo
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); r=d['runs_cpu_seconds']; p=d.get('runs_phase', ['before']*len(r)); print(f\"vigia screen on one thread: CPU seconds of the {len(r)} runs, before the peer {[c for c, q in zip(r, p) if q == 'before']}, after it {[c for c, q in zip(r, p) if q == 'after']}; the median run of all is reported above\")" "$tmp/screen-1.json"
  echo "vigia screen on all $(nproc) cores:"
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(f\"  screening loop {d['queries']/d['loop_seconds']:,.0f} q/s; whole command {d['queries']/d['wall_seconds']:,.0f} q/s wall, {d['queries']/d['cpu_seconds']:,.0f} q/s per CPU-second ({d['queries']} queries, {d['threads']} threads)\")" "$tmp/screen-n.json"
} | tee -a "$out/table.txt"
say "outputs in $out"
