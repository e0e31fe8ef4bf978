#!/usr/bin/env bash
# The outbox figures of scripts/bench/odoo-bench.sh on every Odoo version present (17, 18, 19; trees from
# ODOO_SRC, ODOO18_SRC, ODOO19_SRC), one version after another, then ONE table with a column per version:
# capture overhead, throughput (default and tuned settings), receipt -> endpoint delay, and the transport
# the agent chose. Each figure carries the machine's load average at the start and end of its measurement.
# Usage: bash scripts/bench/versions-bench.sh [17 18 19]
#   sizes (small enough for about 6-8 minutes per version on a loaded 2-core machine):
#     BENCH_RECEIPTS=40 BENCH_ROUNDS=4 BENCH_EVENTS=3000 BENCH_DELAY_RECEIPTS=20
#   BENCH_REUSE_TEMPLATES=1    copy the existing template databases tpl17, tpl18, tpl19 (BENCH_TEMPLATE_PREFIX,
#                              default tpl; with their filestores) instead of installing one per version
#   BENCH_OUT=file.jsonl       keep the figures (default: a temporary file, printed and removed)
#   PLANSYNC_PLANNER           the agent's embedded planner, default off
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../odoo/versions.sh
. "$ROOT/scripts/odoo/versions.sh"
export BENCH_RECEIPTS=${BENCH_RECEIPTS:-40} BENCH_ROUNDS=${BENCH_ROUNDS:-4} BENCH_EVENTS=${BENCH_EVENTS:-3000}
export BENCH_DELAY_RECEIPTS=${BENCH_DELAY_RECEIPTS:-20} PLANSYNC_PLANNER=${PLANSYNC_PLANNER:-off}
VERSIONS=("$@")
[ ${#VERSIONS[@]} -eq 0 ] && VERSIONS=("${ODOO_VERSIONS[@]}")
OWN_OUT=0
if [ -z "${BENCH_OUT:-}" ]; then BENCH_OUT=$(mktemp /tmp/plansync-versions-bench.XXXXXX.jsonl); OWN_OUT=1; fi
export BENCH_OUT
: >"$BENCH_OUT"

echo "versions-bench: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(uname -sr); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "versions-bench: receipts $BENCH_RECEIPTS in $BENCH_ROUNDS rounds, $BENCH_EVENTS events, $BENCH_DELAY_RECEIPTS delay receipts, planner $PLANSYNC_PLANNER"
ran=()
for version in "${VERSIONS[@]}"; do
  src=$(odoo_tree "$version")
  reason=$(odoo_skip_reason "$version" "$src")
  if [ -n "$reason" ]; then echo "versions-bench: Odoo $version skipped: $reason"; continue; fi
  template=
  if [ "${BENCH_REUSE_TEMPLATES:-0}" = 1 ]; then
    template=${BENCH_TEMPLATE_PREFIX:-tpl}$version
    psql -d "$template" -Atc 'SELECT 1' >/dev/null 2>&1 || { echo "versions-bench: no template database $template; installing one"; template=; }
  fi
  echo
  echo "=== Odoo $version ($src) ==="
  started=$SECONDS
  # one version at a time: odoo-bench.sh stops its Odoo and drops its databases before returning
  ODOO_SRC=$src BENCH_TEMPLATE_DB=$template bash "$ROOT/scripts/bench/odoo-bench.sh" || echo "versions-bench: odoo-bench.sh failed on Odoo $version"
  echo "versions-bench: Odoo $version took $((SECONDS - started)) s"
  ran+=("$version")
done

echo
echo "=== side by side ($(date -u '+%Y-%m-%d %H:%M UTC'); load $(cut -d' ' -f1-3 /proc/loadavg)) ==="
"${ODOO_PYTHON:-/usr/bin/python3}" "$ROOT/scripts/bench/bench_figures.py" table "$BENCH_OUT"
[ "$OWN_OUT" = 1 ] && rm -f "$BENCH_OUT"
[ ${#ran[@]} -gt 0 ]
