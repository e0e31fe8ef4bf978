#!/usr/bin/env bash
# Benchmarks of the outbox foundation on one real Odoo tree (ODOO_SRC, default /opt/odoo-src; 17.0, 18.0 or 19.0):
#   1. capture overhead: time to validate receipts in a database without the addon (A) and in one with
#      the addon and two endpoints subscribed to every event type (B), in alternating rounds of one run;
#   2. throughput: events per second from Odoo's outbox through one agent to a loopback endpoint, for
#      BENCH_EVENTS pending product.changed and stock.level events, with default and tuned settings;
#   3. delay from a validated receipt to its stock.level at the endpoint (p50, p95, max).
# Usage: bash scripts/bench/odoo-bench.sh   (BENCH_RECEIPTS=100 BENCH_EVENTS=10000 BENCH_DELAY_RECEIPTS=30)
#   BENCH_TEMPLATE_DB=tpl17  copy this existing database (stock, purchase, sale_management installed, no
#                            PlanSync) and its filestore instead of installing a template; it is not modified
#   BENCH_OUT=file.jsonl     append the figures (FIGURE lines, with the Odoo version and the load average at
#                            the start and end of each measurement) to this file; scripts/bench/versions-bench.sh
#                            runs this script per version and prints them side by side
#   PLANSYNC_PLANNER         the agent's embedded planner (default off); PLANSYNC_TRANSPORT (default auto)
# Figures are printed at the end; docs/benchmarks.md records the last ones.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ODOO_SRC=${ODOO_SRC:-/opt/odoo-src}
PY=${ODOO_PYTHON:-/usr/bin/python3}
[ -f "$ODOO_SRC/odoo-bin" ] || { echo "no Odoo source tree at $ODOO_SRC"; exit 2; }
RECEIPTS=${BENCH_RECEIPTS:-100}
ROUNDS=${BENCH_ROUNDS:-4}
PER_ROUND=$((RECEIPTS / ROUNDS))
export BENCH_EVENTS=${BENCH_EVENTS:-10000}
export PLANSYNC_PLANNER=${PLANSYNC_PLANNER:-off}
PORT=${BENCH_PORT:-$((20000 + RANDOM % 20000))}
# odoo/release.py read on its own (importing odoo needs the tree's own dependencies)
VERSION=$("$PY" -c 'import sys; ns = {}; exec(open(sys.argv[1]).read(), ns); print(ns["version"])' "$ODOO_SRC/odoo/release.py" 2>/dev/null) || { echo "cannot read the Odoo version of $ODOO_SRC"; exit 2; }
export BENCH_ODOO_VERSION=$VERSION
MAJOR=${VERSION%%.*}
TPL_GIVEN=${BENCH_TEMPLATE_DB:-}
TPL=${TPL_GIVEN:-plansync_bench_${MAJOR}_tpl_$$}
A=plansync_bench_${MAJOR}_a_$$
B=plansync_bench_${MAJOR}_b_$$
FILESTORE=${ODOO_DATA_DIR:-$HOME/.local/share/Odoo}/filestore
WORK=$(mktemp -d /tmp/plansync-bench.XXXXXX)
OUT=${BENCH_OUT:-$WORK/figures.jsonl}
FIGURES="$ROOT/scripts/bench/bench_figures.py"
ADDONS="$ODOO_SRC/addons,$ODOO_SRC/odoo/addons,$ROOT/odoo_addon"
SERVER_PID=
load() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null; }

cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  local dbs=("$A" "$B")
  [ -z "$TPL_GIVEN" ] && dbs+=("$TPL")  # a given template is never dropped
  for db in "${dbs[@]}"; do dropdb --if-exists "$db" >/dev/null 2>&1; rm -rf "${FILESTORE:?}/$db"; done
  [ "${KEEP_LOGS:-0}" = 1 ] && echo "logs in $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT
pg_isready -q || pg_ctlcluster 15 main start

odoo() { local db=$1; shift; "$PY" "$ODOO_SRC/odoo-bin" -d "$db" --db_host= --addons-path="$ADDONS" --http-interface=127.0.0.1 --http-port="$PORT" "$@"; }
# Served in the background: exec, so that $! is Odoo itself (cleanup kills it, then drops the database).
odoo_server() { local db=$1; shift; exec "$PY" "$ODOO_SRC/odoo-bin" -d "$db" --db_host= --addons-path="$ADDONS" --http-interface=127.0.0.1 --http-port="$PORT" "$@"; }
shell() { local db=$1; shift; "$PY" "$ODOO_SRC/odoo-bin" shell -d "$db" --db_host= --addons-path="$ADDONS" --no-http --log-level=warn "$@"; }

echo "bench: Odoo $VERSION ($ODOO_SRC), figures to $OUT, load $(load)"
if [ -n "$TPL_GIVEN" ]; then
  echo "bench: copying the template database $TPL and its filestore"
  psql -d "$TPL" -Atc "SELECT latest_version FROM ir_module_module WHERE name = 'base'" | grep -q "^$MAJOR\." || { echo "$TPL is not an Odoo $MAJOR database"; exit 2; }
else
  echo "bench: template database with stock, purchase, sale_management (no demo data)"
  odoo "$TPL" -i sale_stock,purchase_stock,sale_management --without-demo=all --stop-after-init --log-level=warn >"$WORK/tpl.log" 2>&1 || { tail -20 "$WORK/tpl.log"; exit 1; }
fi
for db in "$A" "$B"; do
  createdb -T "$TPL" "$db" || exit 1
  [ -d "$FILESTORE/$TPL" ] && { mkdir -p "$FILESTORE" && cp -a "$FILESTORE/$TPL" "$FILESTORE/$db"; }
done
echo "bench: installing plansync in B"
odoo "$B" -i plansync,plansync_planning,plansync_inventory --without-demo=all --stop-after-init --log-level=warn >"$WORK/install.log" 2>&1 || { tail -20 "$WORK/install.log"; exit 1; }
shell "$B" >"$WORK/endpoints.log" 2>&1 <<'PY'
types = env["plansync.event.type"].search([]).ids
for code in ("CAPTURE-1", "CAPTURE-2"):
    env["plansync.endpoint"].create({"name": code, "code": code, "kind": "webhook", "url": "http://127.0.0.1:9/", "event_type_ids": [(6, 0, types)]})
env.cr.commit()
PY

echo "bench: capture overhead, $RECEIPTS receipts of 3 lines per database, $ROUNDS alternating rounds; load $(load)"
LOAD_START=$(load)
for round in $(seq 1 "$ROUNDS"); do
  for db in "$A" "$B"; do
    tag=$([ "$db" = "$A" ] && echo without || echo with)
    BENCH_RECEIPTS=$PER_ROUND BENCH_TAG=$tag BENCH_ROUND=$round shell "$db" <"$ROOT/scripts/bench/capture_overhead.py" 2>>"$WORK/capture.err" | grep '^BENCH ' >>"$WORK/capture.jsonl"
  done
done
[ -s "$WORK/capture.jsonl" ] || { echo "bench: no capture figures"; tail -20 "$WORK/capture.err"; }
"$PY" "$FIGURES" capture "$WORK/capture.jsonl" "$VERSION" "$LOAD_START" "$(load)" >>"$OUT"

echo "bench: $BENCH_EVENTS products and their stock in B (ORM, 500 per transaction)"
export PLANSYNC_TIER_FILE="$WORK/tier.json" PLANSYNC_TIER_ADMIN_PASSWORD="bench-$RANDOM$RANDOM"
shell "$B" <"$ROOT/scripts/odoo/setup_tier.py" >"$WORK/setup.log" 2>&1 || { tail "$WORK/setup.log"; exit 1; }
shell "$B" <"$ROOT/scripts/bench/make_events.py" 2>>"$WORK/events.err" | grep '^EVENTS ' | tee "$WORK/events.jsonl"

echo "bench: serving B on 127.0.0.1:$PORT; agent throughput and receipt delay (planner $PLANSYNC_PLANNER); load $(load)"
odoo_server "$B" --log-level=warn --max-cron-threads=0 >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/web/webclient/version_info" -H 'content-type: application/json' -d '{}' >/dev/null 2>&1 && break; sleep 0.5; done
(cd "$ROOT" && ODOO_URL="http://127.0.0.1:$PORT" ODOO_DB="$B" timeout "${BENCH_AGENT_TIMEOUT:-1200}" node --import tsx scripts/bench/agent-bench.ts) 2>"$WORK/agent.err" | grep '^FIGURE ' >>"$OUT" || { echo "bench: the agent bench failed"; tail -20 "$WORK/agent.err"; }

echo
"$PY" "$FIGURES" report "$OUT" "$VERSION"
