#!/usr/bin/env bash
# Benchmark 2: `ciiguard audit verify` over EVENTS audit events (default 1000000) on both backends
# in one run, against the raw SHA-256 throughput of `openssl speed` over the same number of bytes.
#
# The trail: SYSTEMS generated systems (default EVENTS/10) imported once into an SQLite database,
# then `system import --update` of the same systems with changed fields (users, status,
# description) until there are EVENTS events (1 + SYSTEMS x imports, the 1 is the operator's):
# by default 100,000 systems with 10 revisions each. That is a realistic trail (an inventory
# that is re-imported regularly) and the fastest way through the CLI. For PostgreSQL the same
# trail is copied with `ciiguard migrate --from SQLITE --to POSTGRESQL` (timed) into a throwaway
# cluster with default durability (see pg_start in common.sh), so both verify the same events.
#
# Usage (from the repository root): bash bench/verify.sh [EVENTS]
# Environment: CIIGUARD=path/to/ciiguard (default ./build/ciiguard), SYSTEMS=N,
#   VERIFY_DB=path: the SQLite database to use and keep (built there when missing, reused when
#   present), KEEP=1 keeps the temp dir, BACKENDS="sqlite postgresql" (the default; or either
#   alone: the SQLite trail is built in any case), PG_BIN, PG_OPTS (common.sh).
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
	tb0=$(now)
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
	echo "  built in $(elapsed "$tb0" "$(now)") s (with the generator)"
	rm -f "$tmp/rev.json"
fi
read -r _ count < <("$CIIGUARD" --db "$db" audit head)
echo "database: $(stat -c %s "$db") bytes, page_size $(sqlite3 "$db" "PRAGMA page_size"), $count events"

median3() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
# verify3 DB: `--json audit verify` 3 times (the first also warms the caches); sets t_verify to
# the median, events and records from the output; shows the last run's resource use (and on
# PostgreSQL the server's CPU and WAL over the three runs).
verify3() {
	local times=() i out t0 t1 c0 w0
	[ -n "$pgdir" ] && { w0=$(pg_wal); c0=$(pg_cpu); }
	for i in 1 2 3; do
		t0=$(now)
		out=$(rss_run "$tmp/rss" "$CIIGUARD" --db "$1" --json audit verify) ||
			{ echo "bench: verify failed: $out" >&2; exit 1; }
		t1=$(now)
		times+=("$(elapsed "$t0" "$t1")")
	done
	t_verify=$(median3 "${times[@]}")
	events=$(printf '%s' "$out" | awk -F'[:,]' '/"events"/ { gsub(/ /, "", $2); print $2 }')
	records=$(printf '%s' "$out" | awk -F'[:,]' '/"records"/ { gsub(/ /, "", $2); print $2 }')
	echo "ciiguard --json audit verify: ${times[*]} s; median $t_verify s;" \
		"$events events, $records records; $(rate "$events" "$t_verify") events/s"
	echo "  the last verify process: $(res_show "$tmp/rss")"
	if [ -n "$pgdir" ]; then
		sleep 0.3
		echo "  server over the 3 runs: CPU $(awk -v a="$c0" -v b="$(pg_cpu)" 'BEGIN { printf "%.2f", b - a }') s," \
			"WAL $(pg_wal_mb "$w0" "$(pg_wal)") MB"
	fi
}
scan_cols="at, actor, action, entity_type, entity_id, state, state_hash, prev_hash, hash"
scan_len="sum(length(at) + length(actor) + length(action) + length(entity_type) + length(entity_id) +
 length(state) + length(state_hash) + length(prev_hash) + length(hash))"

# =================================================================================================
if want sqlite; then
echo
echo "=== SQLite ==="
verify3 "$db"
t_sqlite=$t_verify

# --- reference: SQLite alone reading every column of every event in seq order -----------------
# (the sqlite3 CLI; length() walks each text as verify's strlen/hash does), default settings
# and with the file memory-mapped (pread per page versus mmap).
scan_sql="SELECT count(*), $scan_len FROM audit_events ORDER BY seq"
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
fi

# =================================================================================================
if want postgresql; then
echo
echo "=== PostgreSQL ==="
pg_start
uri=$(pg_createdb cg_verify)
pg_timed rss_run "$tmp/rss" "$CIIGUARD" migrate --from "$db" --to "$uri" >/dev/null
t_migrate=$t_run
echo "ciiguard migrate --from SQLite --to PostgreSQL: $t_migrate s, $(rate "$count" "$t_migrate") events/s" \
	"(whole database: export to JSON in memory, parse, import in one transaction, verify, compare heads)"
echo "  the migrate process: $(res_show "$tmp/rss"); $srv"
t0=$(now)
pg_psql cg_verify -c "VACUUM ANALYZE" # hint bits, visibility map, statistics: as autovacuum would
t1=$(now)
echo "  VACUUM ANALYZE after the load (not part of the verify figures): $(elapsed "$t0" "$t1") s;" \
	"database $(pg_dbsize cg_verify) bytes (pg_database_size)"
verify3 "$uri"
t_pg=$t_verify

# --- references: PostgreSQL alone, the same rows ------------------------------------------------
# server: the server reading every column of every event (no transfer; length() as above);
# copy: every column of every event in seq order sent to the client (COPY TO STDOUT, streamed,
# to /dev/null); each through psql, median of 3.
for mode in server copy; do
	case $mode in
	server) sql="SELECT count(*), $scan_len FROM audit_events" ;;
	copy) sql="COPY (SELECT seq, $scan_cols FROM audit_events ORDER BY seq) TO STDOUT" ;;
	esac
	st=()
	for i in 1 2 3; do
		t0=$(now)
		pg_psql cg_verify -Atc "$sql" >/dev/null
		t1=$(now)
		st+=("$(elapsed "$t0" "$t1")")
	done
	t=$(median3 "${st[@]}")
	echo "psql $mode scan of all events: ${st[*]} s; median $t s; $(rate "$events" "$t") events/s"
done
pg_stop
fi

# --- the bytes hashed, from the database (bench/bytes_hashed.sql) -----------------------------
IFS='|' read -r n_ev n_st n_rec b_pre b_state b_rec blocks < <(sqlite3 "$db" <"$bench_here/bytes_hashed.sql")
B=$((b_pre + b_state + b_rec))
calls=$((n_ev + n_st + n_rec))
S=$(((B + calls / 2) / calls))
avg() { awk -v b="$1" -v n="$2" 'BEGIN { printf "%.0f", n ? b / n : 0 }'; }
s_pre=$(avg "$b_pre" "$n_ev")
s_state=$(avg "$b_state" "$n_st")
s_rec=$(avg "$b_rec" "$n_rec")
echo
echo "bytes hashed B = $B ($(awk -v b="$B" 'BEGIN { printf "%.1f MB", b / 1e6 }')) in $calls SHA-256 calls, $blocks 64-byte blocks:"
echo "  preimages $b_pre ($n_ev x $s_pre), states $b_state ($n_st x $s_state), records $b_rec ($n_rec x $s_rec);" \
	"average S = $S bytes per call"

# --- openssl speed in the same run ------------------------------------------------------------
# Prints the throughput in bytes/s for each block size given (parsed from the "sha256" row,
# which openssl gives in 1000s of bytes per second).
ssl_rate() {
	openssl speed -seconds 3 "$@" sha256 2>/dev/null |
		awk '/^sha256 / { for (i = 2; i <= NF; i++) { v = $i; sub(/k$/, "", v); printf "%.0f ", v * 1000 }; printf "\n" }'
}
# pct RATE SECONDS: the openssl time for B bytes at RATE, as a percentage of SECONDS
pct() { awk -v r="$1" -v b="$B" -v t="$2" 'BEGIN { printf "%.1f%%", 100 * (b / r) / t }'; }
backends() { # LABEL RATE: openssl time for B at RATE, and that over each backend's verify time
	local line
	line=$(awk -v l="$1" -v r="$2" -v b="$B" 'BEGIN { printf "  %-16s %8.1f MB/s: %.3f s for B;", l, r / 1e6, b / r }')
	[ -n "${t_sqlite:-}" ] && line="$line openssl/verify SQLite $(pct "$2" "$t_sqlite")"
	[ -n "${t_pg:-}" ] && line="$line, PostgreSQL $(pct "$2" "$t_pg")"
	echo "$line"
}
read -r r_s < <(ssl_rate -bytes "$S")
echo "openssl speed -seconds 3 -bytes $S sha256, and B bytes at that rate:"
backends "S = $S bytes" "$r_s"
read -r -a r_def < <(ssl_rate)
echo "openssl speed -seconds 3 sha256 (default block sizes):"
sizes=(16 64 256 1024 8192 16384)
for i in "${!sizes[@]}"; do
	[ -n "${r_def[$i]:-}" ] && backends "${sizes[$i]} bytes" "${r_def[$i]}"
done
# Refinement: each kind of input at its own average size (preimages, states, records).
read -r r_pre < <(ssl_rate -bytes "$s_pre")
read -r r_state < <(ssl_rate -bytes "$s_state")
read -r r_rec < <(ssl_rate -bytes "$s_rec")
o=$(awk -v bp="$b_pre" -v bs="$b_state" -v br="$b_rec" -v rp="$r_pre" -v rs="$r_state" -v rr="$r_rec" \
	'BEGIN { printf "%.3f", bp / rp + bs / rs + br / rr }')
line="per kind at its own size ($s_pre, $s_state, $s_rec bytes: $(awk -v a="$r_pre" -v b="$r_state" -v c="$r_rec" \
	'BEGIN { printf "%.1f, %.1f, %.1f MB/s", a / 1e6, b / 1e6, c / 1e6 }')): openssl $o s;"
share() { awk -v o="$o" -v t="$1" 'BEGIN { printf "%.1f%%", 100 * o / t }'; }
[ -n "${t_sqlite:-}" ] && line="$line openssl/verify SQLite $(share "$t_sqlite")"
[ -n "${t_pg:-}" ] && line="$line, PostgreSQL $(share "$t_pg")"
echo "$line"
if [ -n "${t_floor:-}" ]; then
	be=$((b_pre + b_state))
	awk -v b="$be" -v r="$r_s" -v t="$t_floor" \
		'BEGIN { printf "verify_floor hash (SQLite, events only, %d bytes): openssl/floor = %.1f%% (at S)\n", b, 100 * (b / r) / t }'
fi
echo
[ -n "${t_sqlite:-}" ] && echo "target: >= 50% of raw SHA-256; verify on SQLite: $(pct "$r_s" "$t_sqlite") (at S)," \
	"$(rate "$events" "$t_sqlite") events/s, $(awk -v b="$B" -v t="$t_sqlite" 'BEGIN { printf "%.1f MB/s", b / t / 1e6 }') hashed"
[ -n "${t_pg:-}" ] && echo "target: >= 50% of raw SHA-256; verify on PostgreSQL: $(pct "$r_s" "$t_pg") (at S)," \
	"$(rate "$events" "$t_pg") events/s, $(awk -v b="$B" -v t="$t_pg" 'BEGIN { printf "%.1f MB/s", b / t / 1e6 }') hashed"
if [ -n "${t_sqlite:-}" ] && [ -n "${t_pg:-}" ]; then
	echo "same trail, same run: PostgreSQL/SQLite events/s = $(awk -v a="$t_sqlite" -v b="$t_pg" 'BEGIN { printf "%.3f", a / b }')"
fi
