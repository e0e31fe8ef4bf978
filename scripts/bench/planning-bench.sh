#!/usr/bin/env bash
# Benchmarks of the planning loop on a real Odoo 17 (ODOO_SRC, default /opt/odoo-src), in one run:
#   1. proposal lines per second imported through the agent (`plansync import` → import_batch, batches
#      of 500, every line validated twice and placed under the approval rules), against Odoo's own CSV
#      import (base_import, in chunks of 5,000) of the same lines into the same model;
#   2. backfill of BENCH_DEMAND_LINES demand lines (synthesized in bulk SQL) through the real CLI
#      (`plansync backfill`: enqueue_history pages of 10,000, delivered by the agent to a loopback endpoint).
# Usage: bash scripts/bench/planning-bench.sh   (BENCH_LINES=100000 BENCH_DEMAND_LINES=1000000)
#        BENCH_PHASES=import or BENCH_PHASES=backfill runs one half only (default: both).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ODOO_SRC=${ODOO_SRC:-/opt/odoo-src}
PY=${ODOO_PYTHON:-/usr/bin/python3}
[ -f "$ODOO_SRC/odoo-bin" ] || { echo "no Odoo source tree at $ODOO_SRC"; exit 2; }
LINES=${BENCH_LINES:-100000}
PHASES=${BENCH_PHASES:-import,backfill}
export BENCH_DEMAND_LINES=${BENCH_DEMAND_LINES:-1000000}
PORT=${BENCH_PORT:-$((20000 + RANDOM % 20000))}
DB=plansync_pbench_$$
WORK=$(mktemp -d /tmp/plansync-pbench.XXXXXX)
ADDONS="$ODOO_SRC/addons,$ODOO_SRC/odoo/addons,$ROOT/odoo_addon"
SERVER_PID=

cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  [ "${KEEP_DB:-0}" = 1 ] && echo "kept $DB and $WORK" || { dropdb --if-exists "$DB" >/dev/null 2>&1; rm -rf "$WORK"; }
}
trap cleanup EXIT
pg_isready -q || pg_ctlcluster 15 main start

odoo() { "$PY" "$ODOO_SRC/odoo-bin" -d "$DB" --db_host= --addons-path="$ADDONS" --http-interface=127.0.0.1 --http-port="$PORT" "$@"; }
# Served in the background: exec, so that $! is Odoo itself (cleanup kills it, then drops the database).
odoo_server() { exec "$PY" "$ODOO_SRC/odoo-bin" -d "$DB" --db_host= --addons-path="$ADDONS" --http-interface=127.0.0.1 --http-port="$PORT" "$@"; }
shell() { "$PY" "$ODOO_SRC/odoo-bin" shell -d "$DB" --db_host= --addons-path="$ADDONS" --no-http --log-level=warn "$@"; }
serve() {
  odoo_server --log-level=warn --max-cron-threads=0 >>"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/web/webclient/version_info" -H 'content-type: application/json' -d '{}' >/dev/null 2>&1 && break; sleep 0.5; done
}
stop_server() { kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=; }

echo "pbench: database with stock, purchase, sale_management and plansync (no demo data)"
odoo -i sale_stock,purchase_stock,sale_management,plansync,plansync_planning,plansync_inventory --without-demo=all --stop-after-init --log-level=warn >"$WORK/install.log" 2>&1 || { tail -20 "$WORK/install.log"; exit 1; }
export PLANSYNC_TIER_FILE="$WORK/tier.json" PLANSYNC_TIER_ADMIN_PASSWORD="pbench-$RANDOM$RANDOM"
shell <"$ROOT/scripts/odoo/setup_tier.py" >"$WORK/setup.log" 2>&1 || { tail "$WORK/setup.log"; exit 1; }
setup=$(shell <"$ROOT/scripts/bench/planning_setup.py" 2>>"$WORK/setup.err" | grep '^SETUP ' | cut -c7-)
if [[ ",$PHASES," == *",import,"* ]]; then
wh_code=$(echo "$setup" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["warehouse"])')
wh_name=$(echo "$setup" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["warehouse_name"])')
(cd "$ROOT" && node --import tsx scripts/bench/make_proposal_csv.ts "$LINES" 2000 "$wh_code" "$wh_name" "$WORK/agent.csv" "$WORK/base.csv")

echo "pbench: $LINES proposal lines through the agent (plansync import)"
serve
(cd "$ROOT" && ODOO_URL="http://127.0.0.1:$PORT" ODOO_DB="$DB" node --import tsx scripts/bench/planning-bench.ts import "$WORK/agent.csv") 2>>"$WORK/agent.err" | tee -a "$WORK/figures.jsonl"
stop_server

echo "pbench: the same $LINES lines through Odoo's own CSV import (base_import)"
BENCH_CSV="$WORK/base.csv" shell <"$ROOT/scripts/bench/base_import.py" 2>>"$WORK/base.err" | grep '^BASEIMPORT ' | tee -a "$WORK/figures.jsonl"

fi

if [[ ",$PHASES," == *",backfill,"* ]]; then
echo "pbench: $BENCH_DEMAND_LINES demand lines in bulk SQL, then plansync backfill"
shell <"$ROOT/scripts/bench/synth_demand.py" >"$WORK/synth.log" 2>&1 || { tail "$WORK/synth.log"; exit 1; }
shell >"$WORK/endpoint.log" 2>&1 <<'PY'
types = env["plansync.event.type"].search([("code", "=", "demand.line")]).ids
env["plansync.endpoint"].search([]).write({"active": False})
env["plansync.endpoint"].create({"name": "Backfill bench", "code": "BENCH-BF", "kind": "webhook", "url": "http://127.0.0.1:9/", "batch_size": 500, "concurrency": 2, "event_type_ids": [(6, 0, types)]})
env.cr.commit()
PY
serve
(cd "$ROOT" && ODOO_URL="http://127.0.0.1:$PORT" ODOO_DB="$DB" node --import tsx scripts/bench/planning-bench.ts backfill BENCH-BF 2020-01-01) 2>>"$WORK/agent.err" | tee -a "$WORK/figures.jsonl"
stop_server
fi

"$PY" - "$WORK/figures.jsonl" <<'PY'
import json, sys
agent = base = backfill = None
for line in open(sys.argv[1]):
    if line.startswith("FIGURE "):
        f = json.loads(line[7:])
        if f["figure"] == "agent_import": agent = f
        if f["figure"] == "backfill": backfill = f
    elif line.startswith("BASEIMPORT "):
        base = json.loads(line[11:])
print()
if agent and base:
    print("proposal lines imported into plansync.proposal, same lines, one run:")
    print("  through the agent (plansync import -> import_batch)  %7d lines in %7.1f s = %6.0f lines/s  %s" % (agent["lines"], agent["seconds"], agent["lines"] / agent["seconds"], agent["counts"]))
    print("  Odoo's own CSV import (base_import)                 %7d lines in %7.1f s = %6.0f lines/s  %s" % (base["lines"], base["seconds"], base["lines"] / base["seconds"], base["errors"] or ""))
    print("  ratio: the agent imports %.1f x as fast" % ((agent["lines"] / agent["seconds"]) / (base["lines"] / base["seconds"])))
if backfill:
    r = backfill["report"]["endpoints"][0] if backfill["report"].get("endpoints") else {}
    print("backfill of demand lines through plansync backfill: %d delivered to the endpoint in %.1f s = %d lines/s (duplicates %d) %s" % (backfill["delivered_at_endpoint"], backfill["seconds"], backfill["lines_per_second"], backfill["duplicates"], json.dumps(r)[:300]))
PY
