#!/usr/bin/env bash
# Benchmark 2: `ciiguard audit verify` over EVENTS audit events (default 1000000), against
# the raw SHA-256 throughput of `openssl speed` over the same number of bytes.
#
# The database: SYSTEMS generated systems (default EVENTS/10) imported once, then
# `system import --update` of the same systems with changed fields (users, status,
# description) until there are EVENTS events (1 + SYSTEMS x imports, the 1 is the operator's):
# by default 100,000 systems with 10 revisions each. That is a realistic trail (an inventory
# that is re-imported regularly) and the fastest way through the CLI.
#
# Usage (from the repository root): bash bench/verify.sh [EVENTS]
# Environment: CIIGUARD=path/to/ciiguard (default ./build/ciiguard), SYSTEMS=N,
#   VERIFY_DB=path: the database to use and keep (built there when missing, reused when present),
#   KEEP=1 keeps the temp dir.
# Not a pass/fail test: it prints figures for bench/RESULTS.md.
set -euo pipefail
EVENTS=${1:-1000000}
SYSTEMS=${SYSTEMS:-$((EVENTS / 10))}
source "$(dirname "$0")/common.sh"
command -v openssl >/dev/null || { echo "bench: openssl is needed" >&2; exit 2; }

machine
imports=$(((EVENTS - 1 + SYSTEMS - 1) / SYSTEMS))
db=${VERIFY_DB:-$tmp/verify.db}
if [ -n "${VERIFY_DB:-}" ] && [ -s "$db" ]; then
	echo "database: reusing $db"
else
	echo "database: $SYSTEMS systems x $imports imports (1 create + $((imports - 1)) --update)"
	init_db "$db"
	for ((rev = 0; rev < imports; rev++)); do
		"$tmp/gen" "$SYSTEMS" "$rev" json >"$tmp/rev.json"
		t0=$(now)
		if [ "$rev" -eq 0 ]; then
			"$CIIGUARD" --db "$db" system import "$tmp/rev.json" >/dev/null
		else
			"$CIIGUARD" --db "$db" system import --update "$tmp/rev.json" >/dev/null
		fi
		t1=$(now)
		t=$(elapsed "$t0" "$t1")
		echo "  import $rev ($([ "$rev" -eq 0 ] && echo create || echo update)): $t s, $(rate "$SYSTEMS" "$t") records/s"
	done
	rm -f "$tmp/rev.json"
fi
read -r _ count < <("$CIIGUARD" --db "$db" audit head)
echo "database: $(stat -c %s "$db") bytes, $count events"

# --- verify, 3 runs, the median (the first also warms the page cache) -----------------------
times=()
for i in 1 2 3; do
	t0=$(now)
	out=$("$CIIGUARD" --db "$db" --json audit verify) || { echo "bench: verify failed: $out" >&2; exit 1; }
	t1=$(now)
	times+=("$(elapsed "$t0" "$t1")")
done
t_verify=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)
events=$(printf '%s' "$out" | awk -F'[:,]' '/"events"/ { gsub(/ /, "", $2); print $2 }')
records=$(printf '%s' "$out" | awk -F'[:,]' '/"records"/ { gsub(/ /, "", $2); print $2 }')
echo "ciiguard --json audit verify: ${times[*]} s; median $t_verify s;" \
	"$events events, $records records; $(rate "$events" "$t_verify") events/s"

# --- reference: SQLite alone reading every column of every event in seq order -----------------
# (the sqlite3 CLI; length() walks each text as verify's strlen/hash does), default settings
# and with the file memory-mapped (pread per page versus mmap).
median3() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
scan_sql="SELECT count(*), sum(length(at) + length(actor) + length(action) + length(entity_type) +
 length(entity_id) + length(state) + length(state_hash) + length(prev_hash) + length(hash))
 FROM audit_events ORDER BY seq"
for mode in default mmap; do
	cmd="PRAGMA query_only=1;"
	[ "$mode" = mmap ] && cmd="$cmd PRAGMA mmap_size=$((1 << 40));"
	st=()
	for i in 1 2 3; do
		t0=$(now)
		sqlite3 -cmd "$cmd" "$db" "$scan_sql" >/dev/null
		t1=$(now)
		st+=("$(elapsed "$t0" "$t1")")
	done
	t=$(median3 "${st[@]}")
	echo "sqlite3 scan of all events ($mode): ${st[*]} s; median $t s; $(rate "$events" "$t") events/s"
done

# The event walk with nothing but SQLite and SHA-256 (bench/verify_floor.c): the floor a
# leaner verify could reach on this machine with this database (records check not included).
cc -O2 -o "$tmp/verify_floor" "$bench_here/verify_floor.c" -lsqlite3 -lcrypto
for mode in scan hash; do
	st=()
	for i in 1 2 3; do
		read -r _ _ t < <("$tmp/verify_floor" "$mode" "$db")
		st+=("$t")
	done
	t=$(median3 "${st[@]}")
	echo "verify_floor $mode: ${st[*]} s; median $t s; $(rate "$events" "$t") events/s"
	[ "$mode" = hash ] && t_floor=$t
done

# --- the bytes hashed, from the database (bench/bytes_hashed.sql) -----------------------------
IFS='|' read -r n_ev n_st n_rec b_pre b_state b_rec blocks < <(sqlite3 "$db" <"$bench_here/bytes_hashed.sql")
B=$((b_pre + b_state + b_rec))
calls=$((n_ev + n_st + n_rec))
S=$(((B + calls / 2) / calls))
avg() { awk -v b="$1" -v n="$2" 'BEGIN { printf "%.0f", n ? b / n : 0 }'; }
s_pre=$(avg "$b_pre" "$n_ev")
s_state=$(avg "$b_state" "$n_st")
s_rec=$(avg "$b_rec" "$n_rec")
echo "bytes hashed B = $B ($(awk -v b="$B" 'BEGIN { printf "%.1f MB", b / 1e6 }')) in $calls SHA-256 calls, $blocks 64-byte blocks:"
echo "  preimages $b_pre ($n_ev x $s_pre), states $b_state ($n_st x $s_state), records $b_rec ($n_rec x $s_rec);" \
	"average S = $S bytes per call"
echo "  verify hashes $(awk -v b="$B" -v t="$t_verify" 'BEGIN { printf "%.1f MB/s", b / t / 1e6 }')"

# --- openssl speed in the same run ------------------------------------------------------------
# Prints the throughput in bytes/s for each block size given (parsed from the "sha256" row,
# which openssl gives in 1000s of bytes per second).
ssl_rate() {
	openssl speed -seconds 3 "$@" sha256 2>/dev/null |
		awk '/^sha256 / { for (i = 2; i <= NF; i++) { v = $i; sub(/k$/, "", v); printf "%.0f ", v * 1000 }; printf "\n" }'
}
ratio_line() { # LABEL RATE: openssl time for B bytes at RATE, and that over the verify time
	awk -v l="$1" -v r="$2" -v b="$B" -v t="$t_verify" \
		'BEGIN { printf "  %-28s %12.1f MB/s: %.3f s for B; openssl/verify = %.1f%%\n", l, r / 1e6, b / r, 100 * (b / r) / t }'
}
read -r r_s < <(ssl_rate -bytes "$S")
echo "openssl speed -seconds 3 -bytes $S sha256, and B bytes at that rate:"
ratio_line "S = $S bytes" "$r_s"
read -r -a r_def < <(ssl_rate)
echo "openssl speed -seconds 3 sha256 (default block sizes):"
sizes=(16 64 256 1024 8192 16384)
for i in "${!sizes[@]}"; do
	[ -n "${r_def[$i]:-}" ] && ratio_line "${sizes[$i]} bytes" "${r_def[$i]}"
done
# Refinement: each kind of input at its own average size (preimages, states, records).
read -r r_pre < <(ssl_rate -bytes "$s_pre")
read -r r_state < <(ssl_rate -bytes "$s_state")
read -r r_rec < <(ssl_rate -bytes "$s_rec")
awk -v bp="$b_pre" -v bs="$b_state" -v br="$b_rec" -v rp="$r_pre" -v rs="$r_state" -v rr="$r_rec" \
	-v t="$t_verify" -v sp="$s_pre" -v ss="$s_state" -v sr="$s_rec" 'BEGIN {
	o = bp / rp + bs / rs + br / rr
	printf "per kind at its own size (%s, %s, %s bytes: %.1f, %.1f, %.1f MB/s): openssl %.3f s; openssl/verify = %.1f%%\n",
		sp, ss, sr, rp / 1e6, rs / 1e6, rr / 1e6, o, 100 * o / t }'
be=$((b_pre + b_state))
awk -v b="$be" -v r="$r_s" -v t="$t_floor" \
	'BEGIN { printf "verify_floor hash (events only, %d bytes): openssl/floor = %.1f%% (at S)\n", b, 100 * (b / r) / t }'
awk -v b="$B" -v r="$r_s" -v t="$t_verify" \
	'BEGIN { printf "target: >= 50%% of raw SHA-256; verify: %.1f%% (at S)\n", 100 * (b / r) / t }'
