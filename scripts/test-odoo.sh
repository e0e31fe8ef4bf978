#!/usr/bin/env bash
# The real-Odoo tier (`npm run test:odoo [-- --odoo 17 --odoo 19]`), once per Odoo version whose source
# tree is present (17: ODOO_SRC, default /opt/odoo-src; 18: ODOO18_SRC, /opt/odoo18-src; 19: ODOO19_SRC,
# /opt/odoo19-src; never inside this repository), one version after another:
#   1. starts PostgreSQL if it is not running,
#   2. installs the addon family in a throwaway copy of a database holding the business modules
#      (sale_stock, purchase_stock, sale_management; made once per Odoo tree and kept, see business_base)
#      and runs its Odoo tests,
#   3. creates the integration user, a planner and their API keys (scripts/odoo/setup_tier.py), and a
#      year of synthetic sales, purchase and transfer history for the embedded planner
#      (scripts/odoo/planner_fixture.py),
#   4. serves that database on loopback and runs the contract suite, the end-to-end tests and the
#      fuzz suite against it (test/{contract,e2e,fuzz}/*.real.ts),
#   4b. runs the fault suite (test/faults/*.real.ts) on a copy of that database, served by the suite
#      itself (it stops and restarts Odoo); PLANSYNC_FAULTS=0 leaves it out,
#   5. runs Odoo's own suites (stock, purchase_stock, sale_stock, sale, purchase; mrp where installed)
#      in a copy of the database taken right after step 2, with an endpoint subscribed to every event
#      type, and compares each test's outcome with the same suites in a database without PlanSync
#      (scripts/odoo-suites.sh; that baseline is cached per Odoo tree): a test that passes without
#      PlanSync and not with it is a failure of this tier,
#   6. stops Odoo and drops the databases (KEEP_DB=1 keeps them).
# Prints `REAL TIER <version>: N passed, M failed` (or `... SKIPPED: <why>`) per version and ends with
# `REAL TIER: N passed, M failed` over the versions that ran.
# PLANSYNC_SUITES=0 leaves step 5 out (a quicker loop while developing).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${ODOO_PYTHON:-/usr/bin/python3}
# shellcheck source=scripts/odoo/versions.sh
. "$ROOT/scripts/odoo/versions.sh"

requested=()
while [ $# -gt 0 ]; do
  case $1 in
    --odoo) requested+=("${2%%.*}"); shift 2 ;;
    --odoo=*) v=${1#--odoo=}; requested+=("${v%%.*}"); shift ;;
    *) echo "usage: npm run test:odoo [-- --odoo 17|18|19 ...]"; exit 2 ;;
  esac
done
[ ${#requested[@]} -eq 0 ] && requested=("${ODOO_VERSIONS[@]}")

# 1. PostgreSQL
if ! pg_isready -q; then
  pg_ctlcluster 15 main start || { echo "real-Odoo tier: cannot start PostgreSQL 15 (pg_ctlcluster 15 main start)"; exit 2; }
  for _ in $(seq 1 30); do pg_isready -q && break; sleep 0.5; done
fi
me=$(id -un)
if ! psql -d postgres -Atc "select 1" >/dev/null 2>&1; then
  su postgres -c "createuser --superuser $me" || { echo "real-Odoo tier: cannot create the PostgreSQL role $me"; exit 2; }
fi

SERVER_PID=
CLEAN_DBS=()
CLEAN_DIRS=()
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  SERVER_PID=
  if [ "${KEEP_DB:-0}" = 1 ]; then
    [ ${#CLEAN_DBS[@]} -gt 0 ] && echo "real-Odoo tier: kept databases ${CLEAN_DBS[*]} and logs in ${CLEAN_DIRS[*]}"
  else
    for db in "${CLEAN_DBS[@]}"; do dropdb --if-exists "$db" >/dev/null 2>&1; done
    for dir in "${CLEAN_DIRS[@]}"; do rm -rf "$dir"; done
  fi
  CLEAN_DBS=() CLEAN_DIRS=()
}
trap cleanup EXIT

FILESTORE=${ODOO_DATA_DIR:-$HOME/.local/share/Odoo}/filestore
copy_filestore() { # from to
  rm -rf "${FILESTORE:?}/$2"
  if [ -d "$FILESTORE/$1" ]; then cp -r "$FILESTORE/$1" "$FILESTORE/$2"; fi
}

# A database with the business modules installed and no PlanSync, made once per Odoo tree and kept (a
# build cache: installing sale_stock, purchase_stock and sale_management takes minutes, copying it
# seconds). Named after a key of the tree's release and manifests, so that a changed tree makes a new
# one; built under a temporary name and renamed when complete. PLANSYNC_TIER_BASE=0 installs everything
# in every run. Prints the name, or nothing when it cannot be made.
business_base() { # version tree workdir
  [ "${PLANSYNC_TIER_BASE:-1}" = 1 ] || return 0
  local version=$1 src=$2 work=$3 key name
  key=$( { cat "$src/odoo/release.py"; echo "$BUSINESS_MODULES";
           find "$src/addons" "$src/odoo/addons" -maxdepth 2 -name __manifest__.py -printf '%P %s %T@\n' | sort; } | md5sum | cut -c1-12)
  name=plansync_base_${version}_$key
  if [ "$(psql -d postgres -Atc "select 1 from pg_database where datname = '$name'")" != 1 ]; then
    local tmp=${name}_building_$$ started; started=$(date +%s)
    echo "real-Odoo tier $version: making $name once for this Odoo tree ($BUSINESS_MODULES, no PlanSync)" >&2
    if "$PY" "$src/odoo-bin" -d "$tmp" --db_host= --addons-path="$src/addons,$src/odoo/addons" -i "$BUSINESS_MODULES" \
         --without-demo=all --stop-after-init --log-level=warn --no-http >"$work/base-install.log" 2>&1 \
       && psql -d postgres -qc "ALTER DATABASE \"$tmp\" RENAME TO \"$name\"" >>"$work/base-install.log" 2>&1; then
      copy_filestore "$tmp" "$name"; rm -rf "${FILESTORE:?}/$tmp"
      echo "real-Odoo tier $version: $name made in $(($(date +%s) - started)) s" >&2
    else
      echo "real-Odoo tier $version: could not make $name (the tier installs everything instead):" >&2
      tail -5 "$work/base-install.log" >&2
      dropdb --if-exists "$tmp" >/dev/null 2>&1; rm -rf "${FILESTORE:?}/$tmp"
      return 0
    fi
  fi
  # drop the bases of older trees of this version
  local old
  for old in $(psql -d postgres -Atc "select datname from pg_database where datname like 'plansync\_base\_${version}\_%' and datname <> '$name' and datname not like '%\_building\_%'"); do
    dropdb --if-exists "$old" >/dev/null 2>&1 && rm -rf "${FILESTORE:?}/$old"
  done
  echo "$name"
}

# Runs the tier on one version; sets v_passed and v_failed.
run_version() {
  local version=$1 src=$2
  local DB=${PLANSYNC_TIER_DB:-plansync_tier_${version}_$$}
  local PORT=${PLANSYNC_TIER_PORT:-$((20000 + RANDOM % 20000))}
  local WORK; WORK=$(mktemp -d "/tmp/plansync-tier-$version.XXXXXX")
  CLEAN_DBS+=("$DB" "${DB}_suites") CLEAN_DIRS+=("$WORK")
  local ADDONS="$src/addons,$src/odoo/addons,$ROOT/odoo_addon"
  local ODOO=("$PY" "$src/odoo-bin" -d "$DB" --db_host= --addons-path="$ADDONS" --http-interface=127.0.0.1 --http-port="$PORT")
  local tags; tags=$(printf '/%s,' "${PLANSYNC_MODULES[@]}"); tags=${tags%,}
  local modules; modules=$(IFS=,; echo "${PLANSYNC_MODULES[*]}")
  v_passed=0 v_failed=0

  # 2. install + the addon's Odoo tests, on a copy of the business modules installed once per Odoo tree
  local started; started=$(date +%s)
  local base; base=$(business_base "$version" "$src" "$WORK")
  local install=$BUSINESS_MODULES,$modules
  if [ -n "$base" ] && createdb -T "$base" "$DB" 2>>"$WORK/base.log"; then
    copy_filestore "$base" "$DB"
    install=$modules
    echo "real-Odoo tier $version: $DB copied from $base ($BUSINESS_MODULES, no PlanSync); installing $modules, running --test-tags $tags"
  else
    [ -n "$base" ] && echo "real-Odoo tier $version: cannot copy $base ($(tail -1 "$WORK/base.log")): installing everything"
    echo "real-Odoo tier $version: installing $BUSINESS_MODULES,$modules into $DB, running --test-tags $tags"
  fi
  "${ODOO[@]}" -i "$install" --test-tags "$tags" \
    --without-demo=all --stop-after-init --log-level=test >"$WORK/install.log" 2>&1
  local install_rc=$?
  local line; line=$(grep -Eo '[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests' "$WORK/install.log" | tail -1)
  local odoo_passed=0 odoo_failed=0
  if [ -z "$line" ]; then
    echo "real-Odoo tier $version: the install or the Odoo tests did not run (exit $install_rc); the end of the log:"
    tail -40 "$WORK/install.log"
    v_failed=1
    return
  fi
  local f e total
  read -r f e total <<<"$(echo "$line" | sed -E 's/([0-9]+) failed, ([0-9]+) error\(s\) of ([0-9]+) tests/\1 \2 \3/')"
  odoo_failed=$((f + e))
  odoo_passed=$((total - f - e))
  echo "real-Odoo tier $version: Odoo tests: $line ($(($(date +%s) - started)) s)"
  if [ "$odoo_failed" -gt 0 ]; then grep -E '^(FAIL|ERROR):|ERROR .*plansync' "$WORK/install.log" | head -40; fi
  local warnings; warnings=$(grep -E ' (WARNING|ERROR) .*plansync' "$WORK/install.log" | grep -v 'odoo.tests' | head -5)
  [ -n "$warnings" ] && echo "real-Odoo tier $version: warnings mentioning plansync during install:" && echo "$warnings"
  # the database as installed, for Odoo's own suites (step 5)
  local suites=${PLANSYNC_SUITES:-1}
  if [ "$suites" = 1 ]; then createdb -T "$DB" "${DB}_suites" || suites=0; fi

  # 3. users and keys
  export PLANSYNC_TIER_FILE="$WORK/tier.json"
  export PLANSYNC_TIER_ADMIN_PASSWORD="tier-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  local real_passed=0 real_failed=0 contract_passed=0 contract_failed=0 e2e_passed=0 e2e_failed=0 fuzz_passed=0 fuzz_failed=0
  local faults_passed=0 faults_failed=0 faults_ran=skipped
  if ! "$PY" "$src/odoo-bin" shell -d "$DB" --db_host= --addons-path="$ADDONS" --no-http --log-level=warn \
      <"$ROOT/scripts/odoo/setup_tier.py" >"$WORK/setup.log" 2>&1 || [ ! -s "$PLANSYNC_TIER_FILE" ]; then
    echo "real-Odoo tier $version: set-up failed:"; tail -20 "$WORK/setup.log"
    real_failed=1
  else
    # 3b. a year of synthetic history for the embedded planner's test (scripts/odoo/planner_fixture.py)
    export PLANSYNC_PLANNER_FILE="$WORK/planner.json"
    if ! "$PY" "$src/odoo-bin" shell -d "$DB" --db_host= --addons-path="$ADDONS" --no-http --log-level=warn \
        <"$ROOT/scripts/odoo/planner_fixture.py" >"$WORK/planner.log" 2>&1 || [ ! -s "$PLANSYNC_PLANNER_FILE" ]; then
      echo "real-Odoo tier $version: the planner's history could not be made (its test will say so):"; tail -10 "$WORK/planner.log"
      rm -f "$PLANSYNC_PLANNER_FILE"
    fi

    # 4. serve and run the contract suite and the end-to-end tests
    "${ODOO[@]}" --log-level=warn --max-cron-threads=0 >"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 120); do
      curl -sf "http://127.0.0.1:$PORT/web/webclient/version_info" -H 'content-type: application/json' -d '{}' >/dev/null 2>&1 && break
      sleep 0.5
    done
    export ODOO_URL="http://127.0.0.1:$PORT" ODOO_DB="$DB" PLANSYNC_TIER_ODOO="$version"
    # the contract suite, the end-to-end tests, then the fuzz suite (test/fuzz/*.real.ts), each counted on its own
    local part dir rtotal rpassed rskipped
    for part in contract e2e fuzz; do
      dir=test/$part
      echo "real-Odoo tier $version: Odoo serving $DB on $ODOO_URL; running $dir/*.real.ts"
      # the fuzz part at half its inputs per property (about 2,700 per version; FUZZ_RUNS=1 for all):
      # with the in-process suite's 12,000 that keeps .ci/run inside its hour on three versions
      (cd "$ROOT" && FUZZ_RUNS=${FUZZ_RUNS:-$([ "$part" = fuzz ] && echo 0.5 || echo 1)} node --import tsx node_modules/uvu/bin.js "$dir" '\.real\.ts$' --no-color) 2>&1 | tee "$WORK/$part.log" | grep -v '^{"level"'
      rtotal=$(grep -Eo 'Total: +[0-9]+' "$WORK/$part.log" | grep -Eo '[0-9]+' | tail -1)
      rpassed=$(grep -Eo 'Passed: +[0-9]+' "$WORK/$part.log" | grep -Eo '[0-9]+' | tail -1)
      rskipped=$(grep -Eo 'Skipped: +[0-9]+' "$WORK/$part.log" | grep -Eo '[0-9]+' | tail -1)
      if [ -z "$rtotal" ]; then
        echo "real-Odoo tier $version: the $part suites died before their summary"
        eval "${part}_passed=0 ${part}_failed=1"
      else
        eval "${part}_passed=$rpassed ${part}_failed=$((rtotal - rpassed - rskipped))"
      fi
    done
    real_passed=$((contract_passed + e2e_passed + fuzz_passed))
    real_failed=$((contract_failed + e2e_failed + fuzz_failed))
    if grep -qE ' (ERROR|CRITICAL) ' "$WORK/server.log"; then
      echo "real-Odoo tier $version: errors in the Odoo server log:"; grep -E ' (ERROR|CRITICAL) ' "$WORK/server.log" | head -10
    fi
    kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    SERVER_PID=

    # 4b. the fault suite (test/faults/*.real.ts): it stops and restarts Odoo, so it serves a copy of
    # the database itself, on a port of its own (PLANSYNC_FAULTS=0 leaves it out)
    if [ "${PLANSYNC_FAULTS:-1}" != 1 ]; then
      echo "real-Odoo tier $version: fault suite SKIPPED: PLANSYNC_FAULTS=${PLANSYNC_FAULTS} (a quicker loop while developing)"
    fi
    if [ "${PLANSYNC_FAULTS:-1}" = 1 ]; then
      faults_passed=0 faults_failed=1 faults_ran=ran
      CLEAN_DBS+=("${DB}_faults")
      if createdb -T "$DB" "${DB}_faults"; then
        echo "real-Odoo tier $version: fault suite on a copy of $DB (${DB}_faults); running test/faults/*.real.ts"
        # the tier's sizes: 20 kills during 4,000 events (fewer events make longer rounds), 1,000 for each other scenario (the suite's
        # default load is 1,500; its figures and the 100,000-event run are in docs/reliability.md)
        (cd "$ROOT" && FAULTS_LOAD=${FAULTS_LOAD:-1000} FAULTS_ODOO_SRC=$src FAULTS_DB=${DB}_faults ODOO_PYTHON=$PY node --import tsx node_modules/uvu/bin.js test/faults '\.real\.ts$' --no-color) 2>&1 | tee "$WORK/faults.log" | grep -v '^{"level"'
        rtotal=$(grep -Eo 'Total: +[0-9]+' "$WORK/faults.log" | grep -Eo '[0-9]+' | tail -1)
        rpassed=$(grep -Eo 'Passed: +[0-9]+' "$WORK/faults.log" | grep -Eo '[0-9]+' | tail -1)
        rskipped=$(grep -Eo 'Skipped: +[0-9]+' "$WORK/faults.log" | grep -Eo '[0-9]+' | tail -1)
        [ -n "$rtotal" ] && faults_passed=$rpassed faults_failed=$((rtotal - rpassed - rskipped))
        [ -z "$rtotal" ] && echo "real-Odoo tier $version: the fault suite died before its summary"
      fi
      echo "real-Odoo tier $version: fault suite $faults_passed passed, $faults_failed failed"
      real_passed=$((real_passed + faults_passed))
      real_failed=$((real_failed + faults_failed))
    fi
  fi

  # 5. Odoo's own suites, with and without PlanSync
  local suites_passed=0 suites_failed=0
  if [ "$suites" = 1 ]; then
    local out
    out=$(bash "$ROOT/scripts/odoo-suites.sh" --odoo "$version" --db "${DB}_suites" ${base:+--base-template "$base"} 2>&1 | tee "$WORK/suites.log")
    echo "$out" | grep -E '^odoo suites' || tail -20 "$WORK/suites.log"
    local sline; sline=$(echo "$out" | grep -E '^ODOO SUITES: [0-9]+ passed, [0-9]+ failed' | tail -1)
    if [ -z "$sline" ]; then
      echo "real-Odoo tier $version: Odoo's own suites did not report"; suites_failed=1
    else
      suites_passed=$(echo "$sline" | sed -E 's/^ODOO SUITES: ([0-9]+) passed.*/\1/')
      suites_failed=$(echo "$sline" | sed -E 's/.* ([0-9]+) failed.*/\1/')
    fi
  else
    echo "real-Odoo tier $version: Odoo's own suites SKIPPED (PLANSYNC_SUITES=0)"
  fi

  echo "real-Odoo tier $version: Odoo tests $odoo_passed passed, $odoo_failed failed; contract suite $contract_passed passed, $contract_failed failed; end-to-end $e2e_passed passed, $e2e_failed failed; fuzz $fuzz_passed passed, $fuzz_failed failed; faults $([ "$faults_ran" = ran ] && echo "$faults_passed passed, $faults_failed failed" || echo SKIPPED); Odoo's own suites $suites_passed same, $suites_failed changed by PlanSync"
  v_passed=$((odoo_passed + real_passed + suites_passed))
  v_failed=$((odoo_failed + real_failed + suites_failed))
}

all_passed=0
all_failed=0
ran=0
# each version's envelopes of the same business facts (test/e2e/envelopes.real.ts), compared at the end
export PLANSYNC_ENVELOPES_DIR; PLANSYNC_ENVELOPES_DIR=$(mktemp -d /tmp/plansync-envelopes.XXXXXX)
CLEAN_ENVELOPES=$PLANSYNC_ENVELOPES_DIR
for version in "${requested[@]}"; do
  src=$(odoo_tree "$version")
  why=$(odoo_skip_reason "$version" "$src")
  if [ -n "$why" ]; then
    echo "REAL TIER $version: SKIPPED: $why"
    continue
  fi
  started=$(date +%s)
  run_version "$version" "$src"
  cleanup
  echo "REAL TIER $version: $v_passed passed, $v_failed failed ($(($(date +%s) - started)) s)"
  all_passed=$((all_passed + v_passed))
  all_failed=$((all_failed + v_failed))
  ran=$((ran + 1))
done

if [ "$ran" -eq 0 ]; then
  echo "REAL TIER: no Odoo version ran"
  exit 2
fi
if [ "$ran" -gt 1 ]; then
  out=$(cd "$ROOT" && node --import tsx scripts/compare-envelopes.ts "$PLANSYNC_ENVELOPES_DIR" 2>&1)
  echo "$out" | sed 's/^/real-Odoo tier: /'
  eline=$(echo "$out" | grep -E '^ENVELOPES: [0-9]+ passed, [0-9]+ failed' | tail -1)
  if [ -z "$eline" ]; then all_failed=$((all_failed + 1)); else
    all_passed=$((all_passed + $(echo "$eline" | sed -E 's/^ENVELOPES: ([0-9]+) passed.*/\1/')))
    all_failed=$((all_failed + $(echo "$eline" | sed -E 's/.* ([0-9]+) failed$/\1/')))
  fi
fi
[ "${KEEP_DB:-0}" = 1 ] || rm -rf "$CLEAN_ENVELOPES"
echo "REAL TIER: $all_passed passed, $all_failed failed"
[ "$all_failed" -eq 0 ]
