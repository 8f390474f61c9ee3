#!/usr/bin/env bash
# Build time of this project with plain $REAL_CC and through autopar-cc, cold (empty decision cache)
# and warm (`make clean && make` again: every decision read from the cache). Prints seconds, best of N.
# Usage: measure_overhead.sh [N]   (REAL_CC defaults to gcc; AUTOPAR_CC_BIN to autopar-cc on PATH)
set -euo pipefail
cd "$(dirname "$0")"
runs=${1:-3}
real_cc=${REAL_CC:-gcc}
wrapper=${AUTOPAR_CC_BIN:-$(command -v autopar-cc || echo ../../../.venv/bin/autopar-cc)}
cache=$(mktemp -d)
trap 'rm -rf "$cache"; make -s clean >/dev/null' EXIT

best() {  # best() LABEL SETUP-COMMAND: time `make app` after SETUP, best of $runs
  local label=$1 setup=$2 best=
  for _ in $(seq "$runs"); do
    make -s clean >/dev/null; eval "$setup"
    local start end
    start=$(date +%s.%N)
    make -s app CC="$CC_USED" >/dev/null 2>&1
    end=$(date +%s.%N)
    best=$(echo "$end $start ${best:-1e9}" | awk '{d = $1 - $2; print (d < $3 ? d : $3)}')
  done
  printf '%-28s %6.2f s\n' "$label" "$best"
}

CC_USED=$real_cc best "plain $real_cc" ":"
export AUTOPAR_CC=$real_cc AUTOPAR_CACHE_DIR=$cache
CC_USED=$wrapper best "autopar-cc, cold cache" "rm -rf '$cache'/*"
CC_USED=$wrapper best "autopar-cc, warm cache" ":"
CC_USED=$wrapper AUTOPAR_DISABLE=1 best "autopar-cc, AUTOPAR_DISABLE=1" ":"
