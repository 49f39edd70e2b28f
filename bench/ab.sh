#!/usr/bin/env bash
# Compares two builds of the in-memory monitoring bench (or of any program
# that prints "N transactions/s of CPU time") on a shared, noisy machine.
#
#   bench/ab.sh OLD_EXECUTABLE NEW_EXECUTABLE [BLOCKS]
#
# The executables are copies of the `throughput` bench, e.g. from
#   cargo bench -p vigia-monitor --bench throughput --no-run
# at two commits (cargo prints the executable's path). Each is run with
# --bench and the environment below; override with VIGIA_BENCH_*.
#
# Runs come in counterbalanced blocks, OLD NEW NEW OLD: on the machines we
# measure on, the second of two back-to-back runs of one executable is
# often several per cent faster than the first, so a fixed OLD NEW OLD NEW
# order credits NEW with a gain it does not have. Each block gives the
# ratio of its two NEW runs to its two OLD runs; the script prints every
# run, the ratios, their mean and median, and how many blocks NEW won.
set -euo pipefail

if [ $# -lt 2 ]; then
  sed -n '2,17p' "$0" >&2
  exit 2
fi
OLD=$1
NEW=$2
BLOCKS=${3:-4}
export VIGIA_BENCH_TRANSACTIONS=${VIGIA_BENCH_TRANSACTIONS:-1000000}
export VIGIA_BENCH_ACCOUNTS=${VIGIA_BENCH_ACCOUNTS:-20000}

rate() {
  "$1" --bench 2>&1 | sed -n 's/.* \([0-9][0-9]*\) transactions\/s of CPU time.*/\1/p'
}

results=()
for block in $(seq "$BLOCKS"); do
  line="block $block:"
  for which in old new new old; do
    exe=$OLD
    [ "$which" = new ] && exe=$NEW
    r=$(rate "$exe")
    [ -n "$r" ] || { echo "no rate printed by $exe" >&2; exit 1; }
    load=$(cut -d' ' -f1 /proc/loadavg)
    line="$line $which $r (load $load)"
    results+=("$block $which $r")
  done
  echo "$line"
done

printf '%s\n' "${results[@]}" | python3 -c '
import statistics, sys
blocks = {}
for line in sys.stdin:
    block, which, rate = line.split()
    blocks.setdefault(block, {"old": [], "new": []})[which].append(float(rate))
ratios = [sum(b["new"]) / sum(b["old"]) for b in blocks.values()]
old = [r for b in blocks.values() for r in b["old"]]
new = [r for b in blocks.values() for r in b["new"]]
print(f"old: mean {statistics.mean(old):,.0f} transactions per CPU-second")
print(f"new: mean {statistics.mean(new):,.0f} transactions per CPU-second")
print("ratios new/old per block:", " ".join(f"{r:.3f}" for r in ratios))
print(f"mean ratio {statistics.mean(ratios):.3f}, median {statistics.median(ratios):.3f}, "
      f"new faster in {sum(r > 1 for r in ratios)} of {len(ratios)} blocks")
'
