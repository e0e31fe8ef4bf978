#!/usr/bin/env bash
# Benchmarks of the outbox foundation on a real Odoo 17 (ODOO_SRC, default /opt/odoo-src):
#   1. capture overhead: time to validate receipts in a database without the addon (A) and in one with
#      the addon and two endpoints subscribed to every event type (B), in alternating rounds of one run;
#   2. throughput: events per second from Odoo's outbox through one agent to a loopback endpoint, for
#      BENCH_EVENTS pending product.changed and stock.level events, with default and tuned settings;
#   3. delay from a validated receipt to its stock.level at the endpoint (p50, p95, max).
# Usage: bash scripts/bench/odoo-bench.sh   (BENCH_RECEIPTS=100 BENCH_EVENTS=10000 BENCH_DELAY_RECEIPTS=30)
# Figures are printed as a table at the end; docs/benchmarks.md records the last ones.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ODOO_SRC=${ODOO_SRC:-/opt/odoo-src}
PY=${ODOO_PYTHON:-/usr/bin/python3}
[ -f "$ODOO_SRC/odoo-bin" ] || { echo "no Odoo source tree at $ODOO_SRC"; exit 2; }
RECEIPTS=${BENCH_RECEIPTS:-100}
ROUNDS=${BENCH_ROUNDS:-4}
PER_ROUND=$((RECEIPTS / ROUNDS))
export BENCH_EVENTS=${BENCH_EVENTS:-10000}
PORT=${BENCH_PORT:-$((20000 + RANDOM % 20000))}
TPL=plansync_bench_tpl_$$
A=plansync_bench_a_$$
B=plansync_bench_b_$$
WORK=$(mktemp -d /tmp/plansync-bench.XXXXXX)
ADDONS="$ODOO_SRC/addons,$ODOO_SRC/odoo/addons,$ROOT/odoo_addon"
SERVER_PID=

cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  for db in "$TPL" "$A" "$B"; do dropdb --if-exists "$db" >/dev/null 2>&1; done
  [ "${KEEP_LOGS:-0}" = 1 ] && echo "logs in $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT
pg_isready -q || pg_ctlcluster 15 main start

odoo() { local db=$1; shift; "$PY" "$ODOO_SRC/odoo-bin" -d "$db" --db_host= --addons-path="$ADDONS" --http-interface=127.0.0.1 --http-port="$PORT" "$@"; }
# Served in the background: exec, so that $! is Odoo itself (cleanup kills it, then drops the database).
odoo_server() { local db=$1; shift; exec "$PY" "$ODOO_SRC/odoo-bin" -d "$db" --db_host= --addons-path="$ADDONS" --http-interface=127.0.0.1 --http-port="$PORT" "$@"; }
shell() { local db=$1; shift; "$PY" "$ODOO_SRC/odoo-bin" shell -d "$db" --db_host= --addons-path="$ADDONS" --no-http --log-level=warn "$@"; }

echo "bench: template database with stock, purchase, sale_management (no demo data)"
odoo "$TPL" -i sale_stock,purchase_stock,sale_management --without-demo=all --stop-after-init --log-level=warn >"$WORK/tpl.log" 2>&1 || { tail -20 "$WORK/tpl.log"; exit 1; }
createdb -T "$TPL" "$A" && createdb -T "$TPL" "$B"
echo "bench: installing plansync in B"
odoo "$B" -i plansync,plansync_planning,plansync_inventory --without-demo=all --stop-after-init --log-level=warn >"$WORK/install.log" 2>&1 || { tail -20 "$WORK/install.log"; exit 1; }
shell "$B" >"$WORK/endpoints.log" 2>&1 <<'PY'
types = env["plansync.event.type"].search([]).ids
for code in ("CAPTURE-1", "CAPTURE-2"):
    env["plansync.endpoint"].create({"name": code, "code": code, "kind": "webhook", "url": "http://127.0.0.1:9/", "event_type_ids": [(6, 0, types)]})
env.cr.commit()
PY

echo "bench: capture overhead, $RECEIPTS receipts of 3 lines per database, $ROUNDS alternating rounds"
for round in $(seq 1 "$ROUNDS"); do
  for db in "$A" "$B"; do
    tag=$([ "$db" = "$A" ] && echo without || echo with)
    BENCH_RECEIPTS=$PER_ROUND BENCH_TAG=$tag BENCH_ROUND=$round shell "$db" <"$ROOT/scripts/bench/capture_overhead.py" 2>>"$WORK/capture.err" | grep '^BENCH ' >>"$WORK/capture.jsonl"
  done
done

echo "bench: $BENCH_EVENTS products and their stock in B (ORM, 500 per transaction)"
export PLANSYNC_TIER_FILE="$WORK/tier.json" PLANSYNC_TIER_ADMIN_PASSWORD="bench-$RANDOM$RANDOM"
shell "$B" <"$ROOT/scripts/odoo/setup_tier.py" >"$WORK/setup.log" 2>&1 || { tail "$WORK/setup.log"; exit 1; }
shell "$B" <"$ROOT/scripts/bench/make_events.py" 2>>"$WORK/events.err" | grep '^EVENTS ' | tee "$WORK/events.jsonl"

echo "bench: serving B on 127.0.0.1:$PORT; agent throughput and receipt delay"
odoo_server "$B" --log-level=warn --max-cron-threads=0 >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/web/webclient/version_info" -H 'content-type: application/json' -d '{}' >/dev/null 2>&1 && break; sleep 0.5; done
(cd "$ROOT" && ODOO_URL="http://127.0.0.1:$PORT" ODOO_DB="$B" node --import tsx scripts/bench/agent-bench.ts) 2>"$WORK/agent.err" | tee "$WORK/figures.jsonl"

"$PY" - "$WORK/capture.jsonl" "$WORK/figures.jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(l[6:]) for l in open(sys.argv[1]) if l.startswith("BENCH ")]
def summary(tag):
    times = [t for r in rows if r["tag"] == tag for t in r["times"]]
    times.sort()
    return {"n": len(times), "total": sum(times), "median": statistics.median(times), "p95": times[int(0.95 * len(times)) - 1], "mean": statistics.mean(times)}
a, b = summary("without"), summary("with")
print()
print("capture overhead: validate a receipt of 3 lines and commit (ms), alternating rounds in one run")
print("  %-34s %6s %8s %8s %8s %9s" % ("", "n", "median", "mean", "p95", "total s"))
for name, s in (("without the addon", a), ("with the addon, 2 endpoints x all", b)):
    print("  %-34s %6d %8.1f %8.1f %8.1f %9.2f" % (name, s["n"], s["median"] * 1000, s["mean"] * 1000, s["p95"] * 1000, s["total"]))
print("  overhead: median %+.1f%%, total %+.1f%%" % ((b["median"] / a["median"] - 1) * 100, (b["total"] / a["total"] - 1) * 100))
print()
for line in open(sys.argv[2]):
    if not line.startswith("FIGURE "):
        continue
    f = json.loads(line[7:])
    if f["figure"] == "throughput":
        print("throughput %-55s %6d events in %6.2f s = %5d events/s (duplicates %d, out of order %d, left %d)" % (f["label"], f["events"], f["seconds"], f["events_per_second"], f["duplicates"], f["out_of_order"], f["left_pending"]))
    else:
        print("receipt validated -> stock.level at the endpoint, %-20s p50 %4d ms, p95 %4d ms, max %4d ms (%d receipts)" % (f["label"], f["p50"], f["p95"], f["max"], f["receipts"]))
PY
