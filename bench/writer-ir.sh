#!/usr/bin/env bash
# Instructions per incident POST, in total and on the writer thread, under callgrind: a measure
# of the write path's work that, unlike requests/s, does not drift with other load on a shared
# machine. The server (`init --demo`, SQLite) runs under `valgrind --tool=callgrind`; `wrk -t1 -c8
# -dSECONDS` POSTs incidents; the totals are divided by the requests wrk completed. Startup (the
# catalog loaded by each thread) is in the total, not in the writer's figure, which is the
# inclusive cost of batch_writer. Slow (valgrind): a few thousand requests in 10 s.
# Usage: bash bench/writer-ir.sh [SECONDS]   Environment: CIIGUARD (default ./build/ciiguard), KEEP=1
set -euo pipefail
CG=$(realpath "${CIIGUARD:-./build/ciiguard}")
D=${1:-10}
for tool in valgrind callgrind_annotate wrk; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is needed" >&2; exit 2; }
done
t=$(mktemp -d "${TMPDIR:-/tmp}/ciiguard-ir.XXXXXX")
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; [ "${KEEP:-0}" = 1 ] && echo "kept: $t" || rm -rf "$t"; }
trap cleanup EXIT
"$CG" --db "$t/db" init --demo >/dev/null 2>&1
export CG_TOKEN
CG_TOKEN=$("$CG" --db "$t/db" token create --user admin)
CIIGUARD_QUIET_ACCESS=1 valgrind --tool=callgrind --callgrind-out-file="$t/cg.out" \
	"$CG" --db "$t/db" serve --listen 127.0.0.1:0 --threads 2 >"$t/out" 2>"$t/err" &
pid=$!
base=
for _ in $(seq 300); do
	base=$(sed -n 's|.*listening on \(http://127\.0\.0\.1:[0-9]*\).*|\1|p' "$t/out")
	[ -n "$base" ] && break
	sleep 0.2
done
[ -n "$base" ] || { cat "$t/err" >&2; exit 1; }
cat >"$t/post.lua" <<'L'
wrk.method = "POST"
wrk.body = '{"title": "Probe", "type": "intrusion", "discovered_at": "2026-11-27T10:00:00+08:00", "systems": ["ems-scada"]}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("CG_TOKEN")
L
n=$(wrk -t1 -c8 -d"${D}s" --timeout 10s -s "$t/post.lua" "$base/api/v1/incidents" | awk '/requests in/ { print $1 }')
kill -INT "$pid"
wait "$pid" 2>/dev/null || true
pid=
total=$(callgrind_annotate "$t/cg.out" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
writer=$(callgrind_annotate --inclusive=yes "$t/cg.out" 2>/dev/null |
	awk '/cmd_serve.c:batch_writer / && !seen { gsub(",", "", $1); print $1; seen = 1 }')
echo "binary: $CG ($("$CG" --version | head -1))"
echo "requests: $n; instructions: $total in all ($((total / n)) per request), $writer on the writer thread ($((writer / n)) per request)"
