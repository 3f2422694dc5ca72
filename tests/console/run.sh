#!/usr/bin/env bash
# The web console end to end, in Debian's headless chromium driven by playwright-core
# (tests/console/console.mjs), against a real `ciiguard serve` on loopback with the demo data, on
# SQLite, or on PostgreSQL when CG_TEST_PG names a cluster (scripts/check-pg.sh).
# Screenshots of the main pages in both languages go to OUTDIR (default: console-screenshots in
# the current directory, which is the build's tests/ directory under ctest).
#   tests/console/run.sh CIIGUARD [OUTDIR]
set -euo pipefail
bin=$(realpath "${1:?ciiguard binary}")
out=$(realpath -m "${2:-$PWD/console-screenshots}")
src=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ciiguard-console.XXXXXX")
pid=
cleanup() {
	[[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
export CIIGUARD_ARGON2_T=1 CIIGUARD_ARGON2_M_KIB=8 LANG=C.UTF-8 TZ=UTC CIIGUARD_QUIET_ACCESS=1
unset CIIGUARD_NOW
export CIIGUARD_DB="$tmp/console.db"
backend=SQLite
if [[ -n ${CG_TEST_PG:-} ]]; then # scripts/check-pg.sh: a new database in its throwaway cluster
	pgdb="cgc_$(date +%s%N)_$$"
	psql "$CG_TEST_PG" -qAt -v ON_ERROR_STOP=1 -c "CREATE DATABASE $pgdb" >/dev/null
	CIIGUARD_DB=${CG_TEST_PG/\/postgres\?//$pgdb?}
	backend=PostgreSQL
	out=$out-postgresql
fi
[[ -x /usr/bin/chromium ]] || { echo "FAIL: /usr/bin/chromium is missing (scripts/deps.sh check installs it)" >&2; exit 1; }
[[ -d $src/web/node_modules/playwright-core ]] || { echo "FAIL: web/node_modules is missing: run scripts/node-deps.sh" >&2; exit 1; }
"$bin" init --demo >"$tmp/init.out"
printf 'officer password of the test\n' | "$bin" user add officer --role security_officer --lang en --password-stdin >/dev/null
printf 'auditor password of the test\n' | "$bin" user add reader --role auditor --lang en --password-stdin >/dev/null
printf 'principal password of the test\n' | "$bin" user add chief --role principal --lang en --password-stdin >/dev/null
printf 'admin password of the test\n' | "$bin" user add boss --role admin --lang en --password-stdin >/dev/null
"$bin" serve --listen 127.0.0.1:0 --threads 2 >"$tmp/serve.out" 2>"$tmp/serve.err" &
pid=$!
for _ in $(seq 600); do # up to 30 s: ctest runs other suites beside this one
	grep -q "listening on" "$tmp/serve.out" 2>/dev/null && break
	sleep 0.05
done
port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/serve.out")
[[ -n $port ]] || { cat "$tmp/serve.err" >&2; echo "FAIL: the server did not start" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out"
status=0
node "$src/tests/console/console.mjs" "http://127.0.0.1:$port" "$out" || status=$?
if [[ $status -ne 0 ]]; then
	echo "--- the server's standard error (last 30 lines) ---" >&2
	tail -30 "$tmp/serve.err" >&2
	exit "$status"
fi
# what the browser changed is in the audit trail, by the signed-in user, and the trail verifies
"$bin" audit verify >/dev/null || { echo "FAIL: audit verify after the console test" >&2; exit 1; }
"$bin" --json audit log --limit 1000 | jq -e '[.[] | select(.actor == "api:officer")] | length >= 4' >/dev/null ||
	{ echo "FAIL: the console's changes are not audited as api:officer" >&2; exit 1; }
"$bin" --json audit log --limit 1000 | jq -e '[.[] | select(.actor == "api:reader")] | length == 0' >/dev/null ||
	{ echo "FAIL: the auditor changed something" >&2; exit 1; }
echo "console: passed on $backend; screenshots in $out"
