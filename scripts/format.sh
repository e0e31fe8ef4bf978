#!/usr/bin/env bash
# The formatters of both languages: prettier for TypeScript and JavaScript (.prettierrc.json), black for
# Python (the addon family and the scripts; Debian's package `black`, listed in
# scripts/odoo/debian-packages.txt). `--check` (npm test) fails on a file either would change; without
# it (npm run format) they rewrite the files.
set -uo pipefail
cd "$(dirname "$0")/.."
mode=--write black_mode=
[ "${1:-}" = --check ] && mode=--check black_mode=--check
rc=0
npx prettier $mode --log-level warn 'agent/**/*.ts' 'test/**/*.ts' 'scripts/**/*.ts' 'shared-types/**/*.ts' 'bin/*.js' 'eslint.config.js' || rc=1
if command -v black >/dev/null 2>&1; then
  black $black_mode -q -l 120 odoo_addon scripts || rc=1
else
  echo "format: black is not installed (apt install black): the Python files were NOT checked"
fi
[ "$rc" = 0 ] && [ "$mode" = --check ] && echo "format: TypeScript (prettier) and Python (black) files are formatted"
exit $rc
