#!/usr/bin/env bash
# End-to-end import benchmark for `vigia lists import`.
#
# 1. Builds the binary once, with the dist profile (the one we ship).
# 2. Imports every list under ../shared/data/lists into a fresh data
#    directory: wall time (hyperfine when installed, else repeated timing),
#    CPU time and peak RSS (/usr/bin/time -v).
# 3. Shows that memory stays flat as files grow: imports a large FtM JSON
#    file and a UN XML file, then the same lists made 10x larger by
#    repeating their records under new ids, and compares peak RSS.
#
# Usage: bench/import.sh [LISTS_DIR]   (default: ../shared/data/lists)
# Needs: python3 (to generate the 10x files); hyperfine is optional
# (apt-get install hyperfine).
set -euo pipefail
cd "$(dirname "$0")/.."
LISTS=${1:-../shared/data/lists}
RUNS=${RUNS:-10}
if [ ! -d "$LISTS" ]; then
  echo "bench/import.sh: $LISTS not found (the shared data folder)" >&2
  exit 1
fi

cargo build --profile dist --locked -p vigia-cli >&2
BIN=${CARGO_TARGET_DIR:-$PWD/target}/dist/vigia
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# Several files in the folder feed one dataset (excerpts beside the full
# lists), so later, smaller ones would be refused by the shrink rule:
# --allow-shrink keeps every run's work identical.
IMPORT="$BIN --data-dir $WORK/data lists import --allow-shrink $LISTS"

echo "== import of every list in $LISTS into a fresh data directory"
echo "command: vigia --data-dir DIR lists import --allow-shrink $LISTS"
if command -v hyperfine >/dev/null; then
  hyperfine --warmup 1 --runs "$RUNS" --prepare "rm -rf $WORK/data" --output=null "$IMPORT"
else
  for i in $(seq "$RUNS"); do
    rm -rf "$WORK/data"
    /usr/bin/time -f "run $i: %e s wall, %U s user, %S s sys" $IMPORT >/dev/null 2>"$WORK/time.txt" || true
    tail -1 "$WORK/time.txt"
  done
fi

rss() { # prints "peak RSS KB, wall s, user s" of a command
  /usr/bin/time -v "$@" >/dev/null 2>"$WORK/v.txt" || { cat "$WORK/v.txt" >&2; return 1; }
  awk -F': ' '/Maximum resident/ {m=$2} /Elapsed/ {e=$2} /User time/ {u=$2}
              END {printf "peak RSS %6d KB  wall %s  user %s s\n", m, e, u}' "$WORK/v.txt"
}

rm -rf "$WORK/data"
echo
echo "== peak memory, all lists"
rss $IMPORT
entities=$("$BIN" --data-dir "$WORK/data" lists status --json | python3 -c 'import json,sys; print(sum(v["entity_count"] for v in json.load(sys.stdin)))')
echo "active entities after the import: $entities"

echo
echo "== memory as files grow (1x vs 10x)"
"$BIN" --data-dir "$WORK/data" lists export -o "$WORK/all.ftm.json"
python3 - "$WORK" "$LISTS" <<'PY'
import re, sys
work, lists = sys.argv[1], sys.argv[2]
# FtM JSON lines: every entity repeated under ten id prefixes.
lines = open(f"{work}/all.ftm.json", encoding="utf-8").read().splitlines()
with open(f"{work}/all10.ftm.json", "w", encoding="utf-8") as out:
    for copy in range(10):
        for line in lines:
            out.write(line.replace('"id":"', f'"id":"x{copy}-', 1) + "\n")
# UN XML: the INDIVIDUAL and ENTITY records repeated with new DATAIDs and
# reference numbers.
xml = open(f"{lists}/un/UN_consolidated.xml", encoding="utf-8").read()
def grow(xml, tag):
    start, end = xml.index(f"<{tag}>") + len(tag) + 2, xml.index(f"</{tag}>")
    body = xml[start:end]
    copies = [re.sub(r"<DATAID>(\d+)</DATAID>", lambda m: f"<DATAID>{c}{m.group(1)}</DATAID>",
              re.sub(r"<REFERENCE_NUMBER>([^<]+)</REFERENCE_NUMBER>",
                     lambda m: f"<REFERENCE_NUMBER>{m.group(1)}-{c}</REFERENCE_NUMBER>", body))
              for c in range(1, 11)]
    return xml[:start] + "".join(copies) + xml[end:]
open(f"{work}/un10.xml", "w", encoding="utf-8").write(grow(grow(xml, "INDIVIDUALS"), "ENTITIES"))
PY
for file in "$WORK/all.ftm.json" "$WORK/all10.ftm.json" "$LISTS/un/UN_consolidated.xml" "$WORK/un10.xml"; do
  rm -rf "$WORK/grow"
  size=$(du -m "$file" | cut -f1)
  printf "%-24s %5s MB  " "$(basename "$file")" "$size"
  rss "$BIN" --data-dir "$WORK/grow" lists import --dataset grow "$file"
done

echo
echo "== loading the active entities (what screening does at start-up)"
rss "$BIN" --data-dir "$WORK/data" lists export -o "$WORK/again.json"
