#!/usr/bin/env bash
# Compares two builds on a shared, noisy machine, in counterbalanced order.
#
#   bench/ab.sh OLD_EXECUTABLE NEW_EXECUTABLE [BLOCKS]
#       two copies of the in-memory `throughput` bench, e.g. from
#         cargo bench -p vigia-monitor --bench throughput --no-run
#       at two commits (cargo prints the executable's path); each is run
#       with --bench and the environment below (override VIGIA_BENCH_*).
#       Compares transactions per CPU-second.
#
#   bench/ab.sh --monitor FILE OLD_VIGIA NEW_VIGIA [BLOCKS]
#       two `vigia` binaries running `vigia monitor FILE -o /dev/null
#       --no-screening` end to end. Compares wall time, and prints the
#       median wall and CPU (user + system) time and peak memory of each.
#
# Runs come in counterbalanced blocks, OLD NEW NEW OLD: on the machines we
# measure on, the second of two back-to-back runs of one executable is
# often several per cent faster than the first (ADR 0165), so a fixed
# OLD NEW OLD NEW order credits NEW with a gain it does not have. Each
# block gives the ratio of its two NEW runs to its two OLD runs (as a
# speed-up: above 1 means NEW is faster); the script prints every run, the
# ratios, their mean and median, and how many blocks NEW won.
#
# Before the first block each executable runs once untimed: the first run
# of a round is often the slowest of all, which would favour NEW in block
# 1. Set AB_WARMUP=0 to skip it (e.g. for single long blocks at 10M).
set -euo pipefail

usage() {
  sed -n '2,25p' "$0" >&2
  exit 2
}

MODE=bench
if [ "${1:-}" = --monitor ]; then
  MODE=monitor
  [ $# -ge 4 ] || usage
  INPUT=$2
  shift 2
  [ -r "$INPUT" ] || { echo "cannot read $INPUT" >&2; exit 2; }
fi
[ $# -ge 2 ] || usage
OLD=$1
NEW=$2
BLOCKS=${3:-4}
export VIGIA_BENCH_TRANSACTIONS=${VIGIA_BENCH_TRANSACTIONS:-1000000}
export VIGIA_BENCH_ACCOUNTS=${VIGIA_BENCH_ACCOUNTS:-20000}
TIMES=$(mktemp)
trap 'rm -f "$TIMES"' EXIT

# One run; prints "rate" (bench) or "wall cpu rss" (monitor).
measure() {
  if [ "$MODE" = bench ]; then
    "$1" --bench 2>&1 | sed -n 's/.* \([0-9][0-9]*\) transactions\/s of CPU time.*/\1/p'
  else
    /usr/bin/time -o "$TIMES" -f "%e %U %S %M" \
      "$1" monitor "$INPUT" -o /dev/null --no-screening >/dev/null 2>&1
    awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$TIMES"
  fi
}

# The input file in the page cache before the first timed run.
[ "$MODE" = monitor ] && cat "$INPUT" >/dev/null

if [ "${AB_WARMUP:-1}" != 0 ]; then
  measure "$OLD" >/dev/null
  measure "$NEW" >/dev/null
fi

results=()
for block in $(seq "$BLOCKS"); do
  line="block $block:"
  for which in old new new old; do
    exe=$OLD
    [ "$which" = new ] && exe=$NEW
    r=$(measure "$exe")
    [ -n "$r" ] || { echo "no figure from $exe" >&2; exit 1; }
    load=$(cut -d' ' -f1 /proc/loadavg)
    line="$line $which $r (load $load);"
    results+=("$block $which $r")
  done
  echo "$line"
done

printf '%s\n' "${results[@]}" | MODE=$MODE python3 -c '
import os, statistics, sys
bench = os.environ["MODE"] == "bench"
blocks, runs = {}, {"old": [], "new": []}
for line in sys.stdin:
    block, which, *figures = line.split()
    figures = [float(f) for f in figures]
    blocks.setdefault(block, {"old": [], "new": []})[which].append(figures[0])
    runs[which].append(figures)
if bench:
    ratios = [sum(b["new"]) / sum(b["old"]) for b in blocks.values()]
    for which in ("old", "new"):
        rates = [r[0] for r in runs[which]]
        print(f"{which}: mean {statistics.mean(rates):,.0f} transactions per CPU-second")
else:
    # Wall time: a speed-up is old time over new time.
    ratios = [sum(b["old"]) / sum(b["new"]) for b in blocks.values()]
    for which in ("old", "new"):
        wall = statistics.median(r[0] for r in runs[which])
        cpu = statistics.median(r[1] for r in runs[which])
        rss = [int(r[2]) for r in runs[which]]
        print(f"{which}: median wall {wall:.2f} s, median CPU {cpu:.2f} s, "
              f"peak RSS {min(rss):,}-{max(rss):,} KiB")
print("speed-up new/old per block:", " ".join(f"{r:.3f}" for r in ratios))
print(f"mean {statistics.mean(ratios):.3f}, median {statistics.median(ratios):.3f}, "
      f"new faster in {sum(r > 1 for r in ratios)} of {len(ratios)} blocks")
'
