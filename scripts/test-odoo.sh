#!/usr/bin/env bash
# The real-Odoo tier (`npm run test:odoo`):
#   1. starts PostgreSQL if it is not running,
#   2. installs the addon family (plansync, plansync_planning, plansync_inventory) on top of stock, purchase and sale_management in a throwaway database and
#      runs their Odoo tests (--test-tags /plansync,/plansync_planning,/plansync_inventory),
#   3. creates the integration user, a planner and their API keys (scripts/odoo/setup_tier.py), and a
#      year of synthetic sales, purchase and transfer history for the embedded planner
#      (scripts/odoo/planner_fixture.py),
#   4. serves that database on loopback and runs the contract suite and the end-to-end tests
#      against it (test/**/*.real.ts),
#   5. stops Odoo and drops the database (KEEP_DB=1 keeps both for a look).
# Its last line is `REAL TIER: N passed, M failed`.
#
# ODOO_SRC: the Odoo 17 source tree (default /opt/odoo-src). Never inside this repository.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ODOO_SRC=${ODOO_SRC:-/opt/odoo-src}
PY=${ODOO_PYTHON:-/usr/bin/python3}
if [ ! -f "$ODOO_SRC/odoo-bin" ]; then
  echo "real-Odoo tier: no Odoo source tree at $ODOO_SRC (set ODOO_SRC; see README, 'The real-Odoo tier')"
  exit 2
fi

DB=${PLANSYNC_TIER_DB:-plansync_tier_$$}
PORT=${PLANSYNC_TIER_PORT:-$((20000 + RANDOM % 20000))}
WORK=$(mktemp -d /tmp/plansync-tier.XXXXXX)
ADDONS="$ODOO_SRC/addons,$ODOO_SRC/odoo/addons,$ROOT/odoo_addon"
ODOO=("$PY" "$ODOO_SRC/odoo-bin" -d "$DB" --db_host= --addons-path="$ADDONS" --http-interface=127.0.0.1 --http-port="$PORT")
SERVER_PID=

cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  if [ "${KEEP_DB:-0}" = 1 ]; then
    echo "real-Odoo tier: kept database $DB and logs in $WORK"
  else
    dropdb --if-exists "$DB" >/dev/null 2>&1
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

# 1. PostgreSQL
if ! pg_isready -q; then
  pg_ctlcluster 15 main start || { echo "real-Odoo tier: cannot start PostgreSQL 15 (pg_ctlcluster 15 main start)"; exit 2; }
  for _ in $(seq 1 30); do pg_isready -q && break; sleep 0.5; done
fi
me=$(id -un)
if ! psql -d postgres -Atc "select 1" >/dev/null 2>&1; then
  su postgres -c "createuser --superuser $me" || { echo "real-Odoo tier: cannot create the PostgreSQL role $me"; exit 2; }
fi

odoo_passed=0
odoo_failed=0

# 2. install + the addon's Odoo tests
echo "real-Odoo tier: installing sale_stock, purchase_stock, sale_management, plansync, plansync_planning and plansync_inventory into $DB, running --test-tags /plansync,/plansync_planning,/plansync_inventory"
started=$(date +%s)
"${ODOO[@]}" -i sale_stock,purchase_stock,sale_management,plansync,plansync_planning,plansync_inventory \
  --test-tags /plansync,/plansync_planning,/plansync_inventory \
  --without-demo=all --stop-after-init --log-level=test >"$WORK/install.log" 2>&1
install_rc=$?
line=$(grep -Eo '[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests' "$WORK/install.log" | tail -1)
if [ -z "$line" ]; then
  echo "real-Odoo tier: the install or the Odoo tests did not run (exit $install_rc); the end of the log:"
  tail -40 "$WORK/install.log"
  odoo_failed=1
else
  read -r f e total <<<"$(echo "$line" | sed -E 's/([0-9]+) failed, ([0-9]+) error\(s\) of ([0-9]+) tests/\1 \2 \3/')"
  odoo_failed=$((f + e))
  odoo_passed=$((total - f - e))
  echo "real-Odoo tier: Odoo tests: $line ($(($(date +%s) - started)) s)"
  if [ "$odoo_failed" -gt 0 ]; then grep -E '^(FAIL|ERROR):|ERROR .*plansync' "$WORK/install.log" | head -40; fi
fi
warnings=$(grep -E ' (WARNING|ERROR) .*plansync' "$WORK/install.log" | grep -v 'odoo.tests' | head -5)
[ -n "$warnings" ] && echo "real-Odoo tier: warnings mentioning plansync during install:" && echo "$warnings"

real_passed=0
real_failed=0
if [ "$odoo_failed" -eq 0 ] || [ -n "$line" ]; then
  # 3. users and keys
  export PLANSYNC_TIER_FILE="$WORK/tier.json"
  export PLANSYNC_TIER_ADMIN_PASSWORD="tier-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  if ! "$PY" "$ODOO_SRC/odoo-bin" shell -d "$DB" --db_host= --addons-path="$ADDONS" --no-http --log-level=warn \
      <"$ROOT/scripts/odoo/setup_tier.py" >"$WORK/setup.log" 2>&1 || [ ! -s "$PLANSYNC_TIER_FILE" ]; then
    echo "real-Odoo tier: set-up failed:"; tail -20 "$WORK/setup.log"; exit 1
  fi

  # 3b. a year of synthetic history for the embedded planner's test (scripts/odoo/planner_fixture.py)
  export PLANSYNC_PLANNER_FILE="$WORK/planner.json"
  if ! "$PY" "$ODOO_SRC/odoo-bin" shell -d "$DB" --db_host= --addons-path="$ADDONS" --no-http --log-level=warn \
      <"$ROOT/scripts/odoo/planner_fixture.py" >"$WORK/planner.log" 2>&1 || [ ! -s "$PLANSYNC_PLANNER_FILE" ]; then
    echo "real-Odoo tier: the planner's history could not be made (its test will say so):"; tail -10 "$WORK/planner.log"
    rm -f "$PLANSYNC_PLANNER_FILE"
  fi

  # 4. serve and run the contract suite and the end-to-end tests
  "${ODOO[@]}" --log-level=warn --max-cron-threads=0 >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$PORT/web/webclient/version_info" -H 'content-type: application/json' -d '{}' >/dev/null 2>&1 && break
    sleep 0.5
  done
  export ODOO_URL="http://127.0.0.1:$PORT" ODOO_DB="$DB"
  echo "real-Odoo tier: Odoo serving $DB on $ODOO_URL; running test/**/*.real.ts"
  (cd "$ROOT" && node --import tsx node_modules/uvu/bin.js test '\.real\.ts$' --no-color) 2>&1 | tee "$WORK/real.log" | grep -v '^{"level"'
  total=$(grep -Eo 'Total: +[0-9]+' "$WORK/real.log" | grep -Eo '[0-9]+' | tail -1)
  passed=$(grep -Eo 'Passed: +[0-9]+' "$WORK/real.log" | grep -Eo '[0-9]+' | tail -1)
  skipped=$(grep -Eo 'Skipped: +[0-9]+' "$WORK/real.log" | grep -Eo '[0-9]+' | tail -1)
  if [ -z "$total" ]; then
    echo "real-Odoo tier: the suites died before their summary"
    real_failed=1
  else
    real_passed=$passed
    real_failed=$((total - passed - skipped))
  fi
  if grep -qE ' (ERROR|CRITICAL) ' "$WORK/server.log"; then
    echo "real-Odoo tier: errors in the Odoo server log:"; grep -E ' (ERROR|CRITICAL) ' "$WORK/server.log" | head -10
  fi
fi

echo "real-Odoo tier: Odoo tests $odoo_passed passed, $odoo_failed failed; contract and end-to-end $real_passed passed, $real_failed failed"
echo "REAL TIER: $((odoo_passed + real_passed)) passed, $((odoo_failed + real_failed)) failed"
[ $((odoo_failed + real_failed)) -eq 0 ]
