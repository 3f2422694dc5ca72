#!/usr/bin/env bash
# Lints docs/openapi.json with @redocly/cli (web/redocly.yaml: recommended-strict, warnings are
# errors), and shows that the lint fails on a document with a fault.
#   tests/http/openapi-lint.sh
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_COLOR=1
redocly() { node "$src/web/node_modules/@redocly/cli/bin/cli.js" "$@"; }
[[ -d $src/web/node_modules/@redocly/cli ]] || { echo "FAIL: web/node_modules is missing: run scripts/node-deps.sh (make deps-check does)" >&2; exit 1; }
redocly lint --config "$src/web/redocly.yaml" --format=stylish "$src/docs/openapi.json"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ciiguard-lint.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# a response without a description, and a tag without one (a warning, an error under
# recommended-strict): two errors
jq 'del(.paths["/healthz"].get.responses["200"].description) | del(.tags[0].description)' \
	"$src/docs/openapi.json" >"$tmp/bad.json"
if redocly lint --config "$src/web/redocly.yaml" --format=stylish "$tmp/bad.json" >"$tmp/bad.out" 2>&1; then
	echo "FAIL: the lint passed a faulty document" >&2
	exit 1
fi
grep -q 'Validation failed with 2 errors' "$tmp/bad.out" || { echo "FAIL: the lint did not find the two faults:" >&2; cat "$tmp/bad.out" >&2; exit 1; }
echo "openapi-lint: docs/openapi.json passes; a faulty copy fails"
