#!/usr/bin/env bash
# Load benchmark of `vigia serve`: POST /match/default with one query per
# request against every list in ../shared/data/lists, on this machine's
# loopback, with Debian's wrk as the load generator (installed with
# apt-get if missing). Bounded in time; nothing leaves 127.0.0.1.
#
#   bench/serve.sh [--duration S] [--connections C] [--negatives N]
#                  [--executors "pool blocking"] [--bin-dir DIR]
#                  [--paced-connections C] [--pace-ms MS] [--swap-executor E]
#
#   --duration S     seconds per measured run (default 30)
#   --connections C  concurrent keep-alive connections (default 32)
#   --negatives N    rows of yente's global negatives in the query mix
#                    (default 2000; plus 683 UN and 1,254 Congress positives)
#   --executors E    screening executors to measure (default "pool
#                    blocking"; "inline" is a third)
#   --bin-dir DIR    use DIR/vigia instead of building this tree
#   --paced-connections C, --pace-ms MS
#                    the paced run: C connections, each waiting MS ms
#                    between an answer and its next request (default 24
#                    and 3: about 6,000 requests/s offered when answers
#                    take 1 ms; fewer if they take longer)
#   --swap-executor E  the executor of the run with a list update (pool)
#
# Runs, each after a 5 s warm-up:
#   1. steady load, once per executor: as many requests as the connections
#      can send (saturation: the CPU is the bottleneck, so the latency is
#      mostly queueing); requests/s, latency percentiles, errors (non-2xx
#      and socket errors);
#   1b. paced load, once per executor: the same queries at a set pace
#      below saturation, the latency a client sees at that rate;
#   2. the same load while a list update (POST /admin/lists/update: a new
#      version of a small feed served by a loopback HTTP server, whose
#      change leaves every name as it was) builds and swaps a new index,
#      and a checker screens 300 queries over and over, comparing every
#      answer (ids, scores, match flags) with the answers recorded before.
# Output: bench/out/serve-<UTC time>/ (git-ignored): wrk logs, the
# checker's summary and summary.md.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
shared="${VIGIA_SHARED_DATA:-$root/../shared/data}"
duration=30
connections=16
negatives=2000
executors="pool blocking"
bin_dir=""
paced_connections=24
pace_ms=3
swap_executor=pool
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --negatives) negatives="$2"; shift 2 ;;
    --executors) executors="$2"; shift 2 ;;
    --bin-dir) bin_dir="$2"; shift 2 ;;
    --paced-connections) paced_connections="$2"; shift 2 ;;
    --pace-ms) pace_ms="$2"; shift 2 ;;
    --swap-executor) swap_executor="$2"; shift 2 ;;
    -h|--help) sed -n '2,40p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "serve.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -d "$shared/lists" ] && [ -d "$shared/eval/yente" ] || { echo "serve.sh: no shared data at $shared" >&2; exit 1; }
command -v python3 >/dev/null || { echo "serve.sh: python3 is needed" >&2; exit 1; }
if ! command -v wrk >/dev/null; then
  echo "== installing wrk (Debian package)" >&2
  apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null
fi

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
out="$root/bench/out/serve-$stamp"
mkdir -p "$out"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/vigia-serve.XXXXXX")"
server_pid=""
feed_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  [ -n "$feed_pid" ] && kill "$feed_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
say() { echo "== $*" >&2; }

if [ -z "$bin_dir" ]; then
  say "building vigia (dist profile: the binary we ship)"
  cargo build --profile dist --locked -q -p vigia-cli
  bin_dir="${CARGO_TARGET_DIR:-$root/target}/dist"
fi
cp "$bin_dir/vigia" "$tmp/vigia"
vigia="$tmp/vigia"
data="$tmp/data"

say "importing every list in $shared/lists"
"$vigia" --data-dir "$data" lists import --allow-shrink "$shared/lists" > "$out/import.log" 2>&1 || true
# A small feed of our own, so that an update can bring a new version.
mkdir -p "$tmp/feed"
feed_entity() { # $1: the notes, which differ between versions
  printf '{"id": "bench-feed-1", "schema": "Person", "properties": {"name": ["Bench Feed Placeholder Xq"], "notes": ["%s"]}}\n' "$1"
}
feed_entity "version one" > "$tmp/feed/feed.json"
"$vigia" --data-dir "$data" lists import --dataset bench_feed "$tmp/feed/feed.json" >> "$out/import.log" 2>&1
"$vigia" --data-dir "$data" lists status > "$out/lists.txt"
key="$("$vigia" --data-dir "$data" keys create --name bench --role admin 2>/dev/null)"

say "writing the query mix"
count="$(python3 bench/serve_queries.py "$shared/eval/yente" "$negatives" "$tmp" "$key")"
# The paced script: each connection waits between an answer and its next
# request (wrk calls delay() before every request).
{ cat "$tmp/match.lua"; echo "function delay() return $pace_ms end"; } > "$tmp/paced.lua"

# The loopback publisher of the feed and a sources file that updates only it.
feed_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
python3 -m http.server "$feed_port" --bind 127.0.0.1 --directory "$tmp/feed" > /dev/null 2>&1 &
feed_pid=$!
{
  echo "[download]"; echo "retries = 0"; echo "timeout_secs = 60"; echo
  for builtin in us_ofac_sdn us_ofac_cons un_sc_sanctions eu_fsf gb_fcdo_sanctions \
                 ca_dfatd_sema_sanctions us_trade_csl us_bis_denied opensanctions; do
    echo "[sources.$builtin]"; echo "enabled = false"; echo
  done
  echo "[sources.bench_feed]"
  echo "url = \"http://127.0.0.1:$feed_port/feed.json\""
  echo "format = \"ftm_json\""
} > "$tmp/sources.toml"

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
start_server() { # $1: executor
  VIGIA_LOG=warn "$vigia" --data-dir "$data" serve --addr "127.0.0.1:$port" \
    --executor "$1" --update-config "$tmp/sources.toml" > "$out/serve-$1.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 600); do
    if curl -fs "$base/readyz" > /dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "serve.sh: the server never got ready" >&2; cat "$out/serve-$1.log" >&2; exit 1
}
stop_server() {
  kill -TERM "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
}
load() { # $1: label, $2: seconds
  wrk -t1 -c"$connections" -d"${2}s" --latency -s "$tmp/match.lua" "$base" > "$out/wrk-$1.txt" 2>&1
}
paced() { # $1: label, $2: seconds
  wrk -t1 -c"$paced_connections" -d"${2}s" --latency -s "$tmp/paced.lua" "$base" > "$out/wrk-$1.txt" 2>&1
}
figures() { # $1: wrk log -> "rps p50 p99 errors"
  python3 - "$1" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def ms(v):
    n, unit = re.match(r"([\d.]+)(us|ms|s)", v).groups()
    return float(n) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
p50 = ms(re.search(r"\s50%\s+(\S+)", text).group(1))
p99 = ms(re.search(r"\s99%\s+(\S+)", text).group(1))
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
errors = (int(non2xx.group(1)) if non2xx else 0) + (sum(map(int, sock.groups())) if sock else 0)
total = re.search(r"(\d+) requests in", text).group(1)
print(f"{rps:.0f} {p50:.2f} {p99:.2f} {errors} {total}")
PY
}

{
  echo "# vigia serve: /match load benchmark ($stamp)"
  echo
  echo "- commit: $(git rev-parse --short HEAD)"
  echo "- load average before the runs (other work on this machine): $(cut -d" " -f1-3 /proc/loadavg)"
  echo "- cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores (shared by the server, wrk and the checker)"
  echo "- lists: $(tail -n +2 "$out/lists.txt" | wc -l) active datasets, every list in shared/data/lists plus a one-entity feed (bench_feed) that the update replaces"
  echo "- queries: $count one-query bodies cycled (683 UN treated + 1,254 Congress positives + $negatives global negatives)"
  echo "- load: wrk -t1 -c$connections -d${duration}s --latency, keep-alive, loopback (saturation); paced: wrk -t1 -c$paced_connections, ${pace_ms} ms between an answer and the next request on each connection"
  echo
  echo "| run | requests/s | p50 ms | p99 ms | errors | requests |"
  echo "|---|---:|---:|---:|---:|---:|"
} > "$out/summary.md"

for executor in $executors; do
  say "steady load, executor $executor"
  start_server "$executor"
  load "warmup-$executor" 5
  load "$executor" "$duration"
  read -r rps p50 p99 errors total < <(figures "$out/wrk-$executor.txt")
  echo "| steady, $executor | $rps | $p50 | $p99 | $errors | $total |" >> "$out/summary.md"
  say "$executor: $rps req/s, p50 $p50 ms, p99 $p99 ms, $errors errors"
  say "paced load, executor $executor"
  paced "paced-$executor" "$duration"
  read -r rps p50 p99 errors total < <(figures "$out/wrk-paced-$executor.txt")
  echo "| paced (c$paced_connections, ${pace_ms} ms pause), $executor | $rps | $p50 | $p99 | $errors | $total |" >> "$out/summary.md"
  say "paced $executor: $rps req/s, p50 $p50 ms, p99 $p99 ms, $errors errors"
  stop_server
done

say "load while a list update swaps the index (executor $swap_executor)"
start_server "$swap_executor"
python3 bench/serve_check.py record "$base" "$key" "$tmp/bodies.jsonl" 300 "$tmp/expected.json" > /dev/null
load warmup-swap 5
load swap "$duration" &
wrk_pid=$!
python3 bench/serve_check.py check "$base" "$key" "$tmp/bodies.jsonl" 300 "$tmp/expected.json" "$duration" > "$out/check.json" &
check_pid=$!
sleep $((duration / 3))
feed_entity "version two" > "$tmp/feed/feed.json"
curl -fs -X POST -H "Authorization: ApiKey $key" "$base/admin/lists/update?wait=true" > "$out/update.json"
wait "$wrk_pid"
wait "$check_pid"
curl -fs -H "Authorization: ApiKey $key" "$base/metrics" > "$out/metrics.txt"
stop_server
read -r rps p50 p99 errors total < <(figures "$out/wrk-swap.txt")
echo "| during a list update and index swap, $swap_executor | $rps | $p50 | $p99 | $errors | $total |" >> "$out/summary.md"
python3 - "$out" >> "$out/summary.md" <<'PY'
import json, sys
out = sys.argv[1]
update = json.load(open(f"{out}/update.json"))
check = json.load(open(f"{out}/check.json"))
print()
print(f"- update: state {update['state']}, swapped {update['swapped']}, {update.get('previous')} -> {update.get('serving')}")
print(f"- checker during the swap: {check['requests']} answers compared, {check['mismatches']} differed, "
      f"{check['errors']} errors; list versions seen: {', '.join(check['lists_versions'])}")
PY
cat "$out/summary.md"
echo
echo "(saved in $out)"
