#!/usr/bin/env bash
# Rescreening a million stored customers after a typical daily list delta
# (30,000 listed entities; 40 changed, 20 added, 10 removed), timed once.
# The store is built first (registering the customers takes a minute or
# two); the figure is the "once:" line.
#
#   bench/rescreen.sh            # 1,000,000 customers
#   bench/rescreen.sh 250000     # another population
#   VIGIA_BENCH_FULL=1 bench/rescreen.sh 100000   # and a full rescreen after
#
# `cargo bench -p vigia-store --bench rescreen` measures 100,000 customers
# ten times with criterion instead.
set -euo pipefail
cd "$(dirname "$0")/.."
customers="${1:-1000000}"
VIGIA_BENCH_CUSTOMERS="$customers" VIGIA_BENCH_ONCE=1 \
    cargo bench -p vigia-store --bench rescreen 2>&1 | grep -E '^(setup|reading|once|full)'
