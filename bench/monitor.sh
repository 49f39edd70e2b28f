#!/usr/bin/env bash
# End-to-end monitoring benchmark: the full built-in pack over simulated
# transactions, reported in Tazama's terms (transactions/s, scenarios,
# typologies, per-stage p99).
#
#   bench/monitor.sh                 # 1 million transactions
#   N=10000000 bench/monitor.sh      # more (minutes per step)
#
# Three figures:
#   1. the in-memory engine on one core (criterion-free bench that times
#      only Monitor::process, with a per-stage latency histogram);
#   2. end to end from an AMLworld-layout CSV file (read + convert + detect
#      + write alerts), wall-clock and CPU-time throughput and peak memory;
#   3. the same from the Vigia JSONL the generator writes, with profiles.
# Generated files are kept in $OUT and reused.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-1000000}
ACCOUNTS=${ACCOUNTS:-$((N / 50))}
OUT=${OUT:-target/bench-monitor}
mkdir -p "$OUT"

cargo build --profile dist -p vigia-cli
VIGIA=${CARGO_TARGET_DIR:-target}/dist/vigia

JSONL="$OUT/tx-$N.jsonl"
CUSTOMERS="$OUT/customers-$N.jsonl"
CSV="$OUT/tx-$N.csv"
if [ ! -s "$JSONL" ]; then
  echo "== generating $N transactions over $ACCOUNTS accounts" >&2
  "$VIGIA" simulate -n "$N" --accounts "$ACCOUNTS" --seed 42 -o "$JSONL" --customers "$CUSTOMERS"
fi
if [ ! -s "$CSV" ]; then
  echo "== converting to the AMLworld CSV layout" >&2
  python3 bench/monitor_to_csv.py < "$JSONL" > "$CSV"
fi

# Built with the profile `vigia` ships with (whole-program LTO), as the
# end-to-end runs below: about 3 % more transactions per CPU-second than
# the default bench profile (docs/benchmarks/monitor.md, section 1).
echo "== 1. in-memory engine, full pack, one core" >&2
VIGIA_BENCH_TRANSACTIONS=$N VIGIA_BENCH_ACCOUNTS=$ACCOUNTS \
  cargo bench --profile dist -p vigia-monitor --bench throughput

# The machine is shared: the per-core figure is transactions over the
# process's CPU time (user + system), printed beside the wall figures.
run() {
  local label=$1; shift
  echo "== $label" >&2
  /usr/bin/time -f "time: wall %e s, user %U s, sys %S s, peak RSS %M KiB" \
    "$VIGIA" monitor "$@" -o /dev/null --no-screening 2>&1 \
    | grep -E "monitor: [0-9]+ transactions|alerts from|transactions/s|^time:" \
    | awk -v n="$N" '{ print } /^time:/ { printf "per core: %.0f transactions/s of CPU time\n", n / ($6 + $9) }' || true
}
run "2. end to end from CSV (AMLworld layout)" "$CSV"
run "3. end to end from Vigia JSONL with profiles" "$JSONL" --customers "$CUSTOMERS"
