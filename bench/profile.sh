#!/usr/bin/env bash
# Benchmark 3: where the time goes in `system import` and `audit verify`.
#
# When hardware counters work (`perf stat -e instructions true`), uses `perf record -g` at
# full size (N=100000 import; 1,000,001-event verify). Otherwise (as in VMs without a PMU)
# uses `valgrind --tool=callgrind` at N=20000: an import of 20,000 systems, and a verify of a
# 200,001-event trail (20,000 systems x 10 imports). With PERF_CLOCK=1 it also samples the
# full-size runs with perf's software cpu-clock event, which works without a PMU.
#
# Usage (from the repository root): bash bench/profile.sh [N]
# Environment: CIIGUARD (default ./build/ciiguard), OUT=dir for the profiles (default: the
# temp dir, removed unless KEEP=1), TOP (default 10).
# Note: under valgrind, OpenSSL does not see the SHA extensions, so SHA-256 costs more
# instructions than natively (see RESULTS.md); libsqlite3/libjansson/libcrypto without debug
# symbols show internal functions as addresses.
set -euo pipefail
source "$(dirname "$0")/common.sh"
TOP=${TOP:-10}
OUT=${OUT:-$tmp}
mkdir -p "$OUT"

machine
if perf stat -e instructions true >/dev/null 2>&1 &&
	perf stat -e instructions true 2>&1 | grep -q '[0-9] *instructions'; then
	tool=perf
	N=${1:-100000}
else
	command -v valgrind >/dev/null || { echo "bench: neither perf counters nor valgrind" >&2; exit 2; }
	tool=callgrind
	N=${1:-20000}
fi
echo "tool:    $tool, N=$N"

top_self() { # FILE
	if [ "$tool" = perf ]; then
		perf report -i "$1" --stdio --no-children --sort dso,symbol 2>/dev/null | grep -E '^ +[0-9.]+%' | head -"$TOP" || true
	else
		callgrind_annotate --threshold=100 "$1" 2>/dev/null |
			awk '/file:function/ { go = 1; getline; next } go && NF' | head -"$TOP" || true
	fi
}
top_inclusive() { # FILE: the project's own functions by inclusive cost
	if [ "$tool" = callgrind ]; then
		callgrind_annotate --inclusive=yes --threshold=100 "$1" 2>/dev/null |
			awk '/file:function/ { go = 1; getline; next } go && NF' |
			{ grep -E '(^|[ /])(lib|cli)/[a-z_]+\.c:.*\[' || true; } | head -$((TOP * 2)) || true
	fi
}
run() { # NAME COMMAND...
	local name=$1
	shift
	if [ "$tool" = perf ]; then
		perf record -g -o "$OUT/$name.perf" -- "$@" >/dev/null 2>"$OUT/$name.log"
		echo "$OUT/$name.perf"
	else
		valgrind --tool=callgrind --callgrind-out-file="$OUT/$name.callgrind" "$@" >/dev/null 2>"$OUT/$name.log"
		echo "$OUT/$name.callgrind"
	fi
}

# --- import ------------------------------------------------------------------------------------
"$tmp/gen" "$N" json >"$tmp/systems.json"
init_db "$tmp/import.db"
f=$(run import "$CIIGUARD" --db "$tmp/import.db" system import "$tmp/systems.json")
echo
echo "== system import of $N systems: top $TOP functions by self cost ($f)"
top_self "$f"
echo "== the same, ciiguard's own functions by inclusive cost"
top_inclusive "$f"

# --- verify: N systems x 10 imports ------------------------------------------------------------
db=$tmp/verify.db
init_db "$db"
for ((rev = 0; rev < 10; rev++)); do
	"$tmp/gen" "$N" "$rev" json >"$tmp/rev.json"
	"$CIIGUARD" --db "$db" system import $([ "$rev" -gt 0 ] && echo --update) "$tmp/rev.json" >/dev/null
done
"$CIIGUARD" --db "$db" --json audit verify >/dev/null # warm the page cache
f=$(run verify "$CIIGUARD" --db "$db" --json audit verify)
echo
echo "== audit verify of $((N * 10 + 1)) events: top $TOP functions by self cost ($f)"
top_self "$f"
echo "== the same, ciiguard's own functions by inclusive cost"
top_inclusive "$f"

# --- optional: full-size wall-clock sampling with perf's software clock ---------------------------
if [ "${PERF_CLOCK:-0}" = 1 ] && [ "$tool" = callgrind ]; then
	big=${PERF_N:-100000}
	"$tmp/gen" "$big" json >"$tmp/big.json"
	init_db "$tmp/big.db"
	perf record -e cpu-clock -g -o "$OUT/import-clock.perf" -- \
		"$CIIGUARD" --db "$tmp/big.db" system import "$tmp/big.json" >/dev/null 2>"$OUT/import-clock.log"
	echo
	echo "== perf cpu-clock, system import of $big systems (self, incl. kernel)"
	perf report -i "$OUT/import-clock.perf" --stdio --no-children --sort dso 2>/dev/null |
		grep -E '^ +[0-9.]+%' || true
	perf report -i "$OUT/import-clock.perf" --stdio --no-children --sort dso,symbol 2>/dev/null |
		grep -E '^ +[0-9.]+%' | head -"$TOP" || true
	if [ -n "${VERIFY_DB:-}" ]; then
		# DWARF call graphs: the libraries have no frame pointers.
		perf record -e cpu-clock -F 499 --call-graph dwarf,16384 -o "$OUT/verify-clock.perf" -- \
			"$CIIGUARD" --db "$VERIFY_DB" --json audit verify >/dev/null 2>"$OUT/verify-clock.log"
		echo
		echo "== perf cpu-clock, audit verify of $VERIFY_DB (self, incl. kernel; then inclusive)"
		perf report -i "$OUT/verify-clock.perf" --stdio --no-children --sort dso 2>/dev/null |
			grep -E '^ +[0-9.]+%' || true
		perf report -i "$OUT/verify-clock.perf" --stdio --no-children --sort dso,symbol 2>/dev/null |
			grep -E '^ +[0-9.]+%' | head -"$TOP" || true
		perf report -i "$OUT/verify-clock.perf" --stdio --children --sort symbol 2>/dev/null |
			grep -E '^ +[0-9.]+%.*(cg_|sq_|hasher|SHA256_Update|table_|snprintf|pread)' | head -$((TOP * 2)) || true
	fi
fi
