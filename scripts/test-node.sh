#!/usr/bin/env bash
# The agent's test suites on another Node.js major than the machine's (default 24), from the npm
# registry (`npx -p node@24`): `npm run test:node24`. The suites run in a copy of the working tree whose
# node_modules has its native module (sqlite3, under @keyv/sqlite) rebuilt for that Node's ABI with the
# headers the node package ships (no download beyond the npm registry). That node_modules is kept in
# ${PLANSYNC_CACHE:-~/.cache/plansync} per package-lock.json and Node version.
# Prints uvu's summary (Total / Passed / Skipped) and `NODE <version>: N passed, M failed`.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MAJOR=${1:-24}
cache=${PLANSYNC_CACHE:-$HOME/.cache/plansync}
mkdir -p "$cache"

# the node package installs the platform's whole distribution (node-<platform>-<arch>), headers included
dist="$cache/node-$MAJOR-dist"
if ! ls "$dist"/node_modules/node/node_modules/node-*/bin/node >/dev/null 2>&1; then
  rm -rf "$dist"; mkdir -p "$dist"
  (cd "$dist" && npm install --no-save --no-audit --no-fund "node@$MAJOR" >"$dist/install.log" 2>&1) \
    || { tail -5 "$dist/install.log"; echo "node $MAJOR: cannot get node@$MAJOR from the npm registry"; echo "NODE $MAJOR: 0 passed, 1 failed"; exit 1; }
fi
node_bin=$(ls "$dist"/node_modules/node/node_modules/node-*/bin/node 2>/dev/null | head -1)
nodedir=${node_bin%/bin/node}
if [ ! -x "$node_bin" ] || [ ! -f "$nodedir/include/node/node_api.h" ]; then
  echo "node $MAJOR: no Node binary and headers under $dist"; echo "NODE $MAJOR: 0 passed, 1 failed"; exit 1
fi
version=$("$node_bin" --version)

key=$( (cat "$ROOT/package-lock.json"; echo "$version") | md5sum | cut -c1-12)
modules="$cache/node-$MAJOR-$key/node_modules"
if [ ! -d "$modules" ]; then
  echo "node $MAJOR: preparing node_modules for $version (once per lockfile)"
  tmp="$cache/node-$MAJOR-$key.tmp"; rm -rf "$tmp"; mkdir -p "$tmp"
  cp -a "$ROOT/node_modules" "$tmp/node_modules"
  cp "$ROOT/package.json" "$ROOT/package-lock.json" "$tmp/"
  if ! (cd "$tmp" && PATH="$(dirname "$node_bin"):$PATH" npm rebuild sqlite3 --nodedir="$nodedir" >"$tmp/rebuild.log" 2>&1); then
    tail -20 "$tmp/rebuild.log"; echo "NODE $MAJOR: 0 passed, 1 failed"; exit 1
  fi
  mv "$tmp" "$cache/node-$MAJOR-$key"
fi

work=$(mktemp -d "/tmp/plansync-node$MAJOR.XXXXXX")
trap 'rm -rf "$work"' EXIT
(cd "$ROOT" && git ls-files -co --exclude-standard -z | tar --null -T - -cf -) | tar -xf - -C "$work"
ln -s "$modules" "$work/node_modules"
echo "node $MAJOR: $version, suites under test/ (.test.ts)"
# The end-to-end CLI suites (test/e2e) spawn the CLI hundreds of times and test its behaviour, which does
# not depend on the runtime's major; the unit, contract, addon and fuzz suites exercise the runtime's APIs.
echo "node $MAJOR: test/e2e left out (the CLI's behaviour; it runs on the machine's Node in npm test)"
cd "$work" && PLANSYNC_TEST_FOLDERS="addon contract fuzz unit" NODE_BIN="$node_bin" bash scripts/test-unit.sh 2>&1 | tee "$work/out.log" | grep -v '^{"level"'
rc=${PIPESTATUS[0]}
total=$(grep -Eo 'Total: +[0-9]+' "$work/out.log" | grep -Eo '[0-9]+' | tail -1)
passed=$(grep -Eo 'Passed: +[0-9]+' "$work/out.log" | grep -Eo '[0-9]+' | tail -1)
skipped=$(grep -Eo 'Skipped: +[0-9]+' "$work/out.log" | grep -Eo '[0-9]+' | tail -1)
if [ -z "$total" ]; then echo "NODE $MAJOR: 0 passed, 1 failed (the suites died before their summary, exit $rc)"; exit 1; fi
failed=$((total - passed - skipped))
[ "$rc" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
echo "NODE $MAJOR: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
