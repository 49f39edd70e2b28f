#!/usr/bin/env bash
# Builds the throw-away Python environment for the screening peer
# (nomenklatura's logic-v2 and logic-v1). Idempotent: every step is skipped
# when already done. Never run by tests or CI; only bench/screening.sh calls it.
#
#   bench/peer/setup.sh [VENV_DIR]      (default: bench/.venv, git-ignored)
#
# PyICU, a dependency of nomenklatura, is compiled from source and needs
# Debian's libicu-dev and pkg-config; the build takes a few minutes.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
venv="${1:-${VIGIA_PEER_VENV:-$here/../.venv}}"
python="${PYTHON:-python3}"

# The versions measured in docs/benchmarks/screening-peer.md. Changing one
# changes the peer: re-run the benchmark and update the document.
pins=(
  "nomenklatura==4.17.4"
  "followthemoney==4.11.2"
  "rigour==2.6.1"
  "rapidfuzz==3.14.6"
)

missing=()
for pkg in libicu-dev pkg-config; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "peer setup: installing ${missing[*]} (Debian)" >&2
  if [ "$(id -u)" -ne 0 ]; then
    echo "peer setup: need root to apt-get install ${missing[*]}" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

stamp="$venv/.vigia-peer-pins"
want="$(printf '%s\n' "${pins[@]}")"
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "peer setup: $venv is ready (${pins[*]})" >&2
  exit 0
fi

if [ ! -x "$venv/bin/python" ]; then
  echo "peer setup: creating $venv" >&2
  "$python" -m venv "$venv"
fi
echo "peer setup: installing ${pins[*]} (PyICU builds from source: a few minutes)" >&2
"$venv/bin/python" -m pip install --quiet --upgrade pip wheel setuptools
"$venv/bin/python" -m pip install --quiet "${pins[@]}"
"$venv/bin/python" -c 'import nomenklatura.matching, rapidfuzz, icu' 
printf '%s\n' "$want" >"$stamp"
echo "peer setup: $venv is ready" >&2
