#!/usr/bin/env bash
# Every uvu suite under test/ whose name ends in .test.ts (`npm run test:unit`), one process per folder
# (addon, contract, e2e, fuzz, unit): a suite that leaves process-wide state behind (an in-process CLI
# scrubbing stdout, a server, a timer) cannot change the outcome of another folder's suites. Prints each
# folder's uvu summary, then the sum in uvu's own format (the last `Total:` line is the whole run's),
# and fails when any folder failed. NODE_BIN picks another Node binary, PLANSYNC_TEST_FOLDERS the
# folders (scripts/test-node.sh).
set -uo pipefail
cd "$(dirname "$0")/.."
node_bin=${NODE_BIN:-node}
total=0 passed=0 skipped=0 rc=0
for dir in ${PLANSYNC_TEST_FOLDERS:-addon contract e2e fuzz unit}; do
  ls test/$dir/*.test.ts >/dev/null 2>&1 || continue
  out=$(mktemp)
  "$node_bin" --import tsx node_modules/uvu/bin.js "test/$dir" '\.test\.ts$' --no-color 2>&1 | tee "$out"
  [ "${PIPESTATUS[0]}" -ne 0 ] && rc=1
  t=$(grep -Eo 'Total: +[0-9]+' "$out" | grep -Eo '[0-9]+' | tail -1)
  p=$(grep -Eo 'Passed: +[0-9]+' "$out" | grep -Eo '[0-9]+' | tail -1)
  s=$(grep -Eo 'Skipped: +[0-9]+' "$out" | grep -Eo '[0-9]+' | tail -1)
  rm -f "$out"
  if [ -z "$t" ]; then echo "test/$dir: the suites died before their summary"; rc=1; continue; fi
  total=$((total + t)) passed=$((passed + p)) skipped=$((skipped + ${s:-0}))
done
echo
echo "  Total:     $total"
echo "  Passed:    $passed"
echo "  Skipped:   $skipped"
exit $rc
