#!/usr/bin/env bash
# The delay from a stock change committed in Odoo to its arrival at a channel endpoint, p50/p95/p99,
# under a steady load of stock moves on a real Odoo 17 (ODOO_SRC, default /opt/odoo-src):
#   a database with sale_stock, purchase_stock, sale_management and plansync, the tier's integration
#   user, Odoo served on loopback as it ships (threaded, no workers, crons off), then
#   scripts/bench/channel-delay.ts with the agent's defaults (claim loops taking turns), then with its
#   claim loops polling in step (the agent before the tuning), then with each BENCH_POLLS value.
# Usage: bash scripts/bench/channel-bench.sh   (BENCH_RATE=5 BENCH_SECONDS=60 BENCH_PRODUCTS=200 BENCH_POLLS="")
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ODOO_SRC=${ODOO_SRC:-/opt/odoo-src}
PY=${ODOO_PYTHON:-/usr/bin/python3}
[ -f "$ODOO_SRC/odoo-bin" ] || { echo "no Odoo source tree at $ODOO_SRC"; exit 2; }
PORT=${BENCH_PORT:-$((20000 + RANDOM % 20000))}
DB=plansync_channel_bench_$$
WORK=$(mktemp -d /tmp/plansync-channel-bench.XXXXXX)
ADDONS="$ODOO_SRC/addons,$ODOO_SRC/odoo/addons,$ROOT/odoo_addon"
SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  dropdb --if-exists "$DB" >/dev/null 2>&1
  [ "${KEEP_LOGS:-0}" = 1 ] && echo "logs in $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT
pg_isready -q || pg_ctlcluster 15 main start

odoo() { "$PY" "$ODOO_SRC/odoo-bin" -d "$DB" --db_host= --addons-path="$ADDONS" --http-interface=127.0.0.1 --http-port="$PORT" "$@"; }
# Served in the background: exec, so that $! is Odoo itself (cleanup kills it, then drops the database).
odoo_server() { exec "$PY" "$ODOO_SRC/odoo-bin" -d "$DB" --db_host= --addons-path="$ADDONS" --http-interface=127.0.0.1 --http-port="$PORT" "$@"; }
echo "bench: installing sale_stock, purchase_stock, sale_management and plansync into $DB"
odoo -i sale_stock,purchase_stock,sale_management,plansync,plansync_planning,plansync_inventory --without-demo=all --stop-after-init --log-level=warn >"$WORK/install.log" 2>&1 || { tail -20 "$WORK/install.log"; exit 1; }
export PLANSYNC_TIER_FILE="$WORK/tier.json" PLANSYNC_TIER_ADMIN_PASSWORD="bench-$RANDOM$RANDOM"
"$PY" "$ODOO_SRC/odoo-bin" shell -d "$DB" --db_host= --addons-path="$ADDONS" --no-http --log-level=warn <"$ROOT/scripts/odoo/setup_tier.py" >"$WORK/setup.log" 2>&1 || { tail "$WORK/setup.log"; exit 1; }
odoo_server --log-level=warn --max-cron-threads=0 >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/web/webclient/version_info" -H 'content-type: application/json' -d '{}' >/dev/null 2>&1 && break; sleep 0.5; done
export ODOO_URL="http://127.0.0.1:$PORT" ODOO_DB="$DB"
echo "bench: steady load of ${BENCH_RATE:-5} inventory moves/s for ${BENCH_SECONDS:-60} s; agent with defaults, then its loops in step${BENCH_POLLS:+, then poll $BENCH_POLLS s}"
(cd "$ROOT" && node --import tsx scripts/bench/channel-delay.ts) 2>>"$WORK/agent.err" | tee "$WORK/figures.jsonl"
(cd "$ROOT" && BENCH_IN_STEP=1 node --import tsx scripts/bench/channel-delay.ts) 2>>"$WORK/agent.err" | tee -a "$WORK/figures.jsonl"
for poll in ${BENCH_POLLS:-}; do
  (cd "$ROOT" && BENCH_POLL_SECONDS=$poll node --import tsx scripts/bench/channel-delay.ts) 2>>"$WORK/agent.err" | tee -a "$WORK/figures.jsonl"
done
[ -s "$WORK/agent.err" ] && { echo "stderr of the runs:"; tail -5 "$WORK/agent.err"; }
"$PY" - "$WORK/figures.jsonl" <<'PY'
import json, sys
rows = [json.loads(l[7:]) for l in open(sys.argv[1]) if l.startswith("FIGURE ")]
print()
print("stock change committed in Odoo -> channel endpoint (ms), steady load; stale: products whose last channel figure differs from Odoo at the end")
print("  %-24s %7s %8s %8s %11s %5s %6s %6s %6s %6s %6s" % ("agent", "rate/s", "changes", "arrived", "(superseded)", "lost", "p50", "p95", "p99", "max", "stale"))
for r in rows:
    print("  %-24s %7s %8d %8d %11d %5d %6d %6d %6d %6d %6d" % (r["label"], r["achieved_rate"], r["changes"], r["arrived"], r["superseded"], r["lost"], r["p50"], r["p95"], r["p99"], r["max"], r["channel_differs_from_odoo_at_end"]))
PY
