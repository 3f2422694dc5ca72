#!/usr/bin/env bash
# Benchmark 1: `ciiguard system import` of N generated systems (default 100000), durable
# settings (WAL, synchronous=FULL, one transaction), against sqlite3 inserting the same rows.
#
# Usage (from the repository root): bash bench/import.sh [N]
# Environment: CIIGUARD=path/to/ciiguard (default ./build/ciiguard), KEEP=1 keeps the files.
# Not a pass/fail test: it prints figures for bench/RESULTS.md.
set -euo pipefail
N=${1:-100000}
source "$(dirname "$0")/common.sh"

machine
echo "N:       $N systems"

"$tmp/gen" "$N" json >"$tmp/systems.json"
"$tmp/gen" "$N" sql >"$tmp/plain.sql"
"$tmp/gen" "$N" csv >"$tmp/plain.csv"
links=$(grep -o '"to":' "$tmp/systems.json" | wc -l)
echo "input:   $(stat -c %s "$tmp/systems.json") bytes of JSON, $links links" \
	"($(awk -v l="$links" -v n="$N" 'BEGIN { printf "%.2f", l / n }') per record)"

# --- ciiguard ---------------------------------------------------------------------------
db=$tmp/ciiguard.db
init_db "$db"
sync
t0=$(now)
"$CIIGUARD" --db "$db" system import "$tmp/systems.json" >/dev/null
t1=$(now)
t_cg=$(elapsed "$t0" "$t1")

read -r _ count < <("$CIIGUARD" --db "$db" audit head)
[ "$count" -eq $((N + 1)) ] || { echo "bench: audit head count is $count, expected $((N + 1))" >&2; exit 1; }
t0=$(now)
"$CIIGUARD" --db "$db" audit verify >/dev/null || { echo "bench: audit verify failed" >&2; exit 1; }
t1=$(now)
t_verify=$(elapsed "$t0" "$t1")
echo "ciiguard system import: $t_cg s, $(rate "$N" "$t_cg") records/s (each with its audit event);" \
	"audit head count $count = N+1; audit verify exit 0 ($t_verify s)"
echo "  database after import: $(stat -c %s "$db") bytes;" \
	"$(sqlite3 "$db" "SELECT count(*) FROM systems") systems," \
	"$(sqlite3 "$db" "SELECT count(*) FROM system_links") links," \
	"$(sqlite3 "$db" "SELECT count(*) FROM audit_events") events," \
	"$(sqlite3 "$db" "SELECT sum(length(CAST(state AS BLOB))) FROM audit_events") bytes of audited state"

# --- sqlite3 references (same journal mode and synchronous level as ciiguard) --------------
cols="id TEXT, name TEXT, owner TEXT, description TEXT, sector TEXT, supports_core_business INTEGER,
 harm_if_compromised TEXT, cross_sector_impact INTEGER, notified_cii INTEGER, notified_at TEXT,
 serves_cii_operators INTEGER, ai_kind TEXT, ai_model_source TEXT, ai_public_generative_service INTEGER,
 data_pi_subjects INTEGER, data_sensitive_pi_subjects INTEGER, data_important_data INTEGER,
 data_core_data INTEGER, users INTEGER, mlps_level INTEGER, status TEXT, created_at TEXT, updated_at TEXT"
pragmas="PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"

# (a) the N rows as INSERT statements into a plain table with the same 23 columns.
ref=$tmp/plain-sql.db
sqlite3 "$ref" "PRAGMA journal_mode=WAL; CREATE TABLE plain ($cols);" >/dev/null
sync
t0=$(now)
sqlite3 -bail -cmd "$pragmas" "$ref" <"$tmp/plain.sql"
t1=$(now)
t_sql=$(elapsed "$t0" "$t1")
[ "$(sqlite3 "$ref" "SELECT count(*) FROM plain")" -eq "$N" ]

# (b) the same rows by .import of a CSV (one prepared statement, one transaction).
ref=$tmp/plain-csv.db
sqlite3 "$ref" "PRAGMA journal_mode=WAL; CREATE TABLE plain ($cols);" >/dev/null
sync
t0=$(now)
sqlite3 -bail -cmd "$pragmas" "$ref" ".import --csv --skip 1 '$tmp/plain.csv' plain"
t1=$(now)
t_csv=$(elapsed "$t0" "$t1")
[ "$(sqlite3 "$ref" "SELECT count(*) FROM plain")" -eq "$N" ]

# (c) everything the import wrote (systems, links, audit events, exactly as ciiguard stored
# them) into ciiguard's own schema with its indexes and foreign keys: SQLite's own cost for
# the same writes, without ciiguard's parsing, validation, JSON and hashing.
ref=$tmp/full.db
{
	echo "BEGIN;"
	sqlite3 "$db" ".mode insert systems" "SELECT * FROM systems"
	sqlite3 "$db" ".mode insert system_links" "SELECT * FROM system_links"
	sqlite3 "$db" ".mode insert audit_events" "SELECT * FROM audit_events WHERE seq > 1"
	echo "COMMIT;"
} >"$tmp/full.sql"
{ echo "PRAGMA journal_mode=WAL;"; sqlite3 "$db" ".schema"; } | sqlite3 "$ref" >/dev/null
sync
t0=$(now)
sqlite3 -bail -cmd "$pragmas" "$ref" <"$tmp/full.sql"
t1=$(now)
t_full=$(elapsed "$t0" "$t1")
[ "$(sqlite3 "$ref" "SELECT count(*) FROM audit_events")" -eq "$N" ]

# (d) the same rows as (c) through the C API: three reused prepared statements, values
# preloaded in memory (bench/sqlite_floor.c). The floor SQLite sets for this import.
ref=$tmp/floor.db
{ echo "PRAGMA journal_mode=WAL;"; sqlite3 "$db" ".schema"; } | sqlite3 "$ref" >/dev/null
cc -O2 -o "$tmp/sqlite_floor" "$bench_here/sqlite_floor.c" -lsqlite3
sync
read -r rows_floor t_floor < <("$tmp/sqlite_floor" "$db" "$ref")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b / a }'; } # rate ratio = time(ref)/time(cg)
echo "sqlite3 (a) INSERT statements, plain 23-column table: $t_sql s, $(rate "$N" "$t_sql") rows/s;" \
	"ciiguard/sqlite3 = $(ratio "$t_cg" "$t_sql")"
echo "sqlite3 (b) .import CSV, plain 23-column table:       $t_csv s, $(rate "$N" "$t_csv") rows/s;" \
	"ciiguard/sqlite3 = $(ratio "$t_cg" "$t_csv")"
echo "sqlite3 (c) INSERTs of ciiguard's own rows (systems + links + audit events, same schema," \
	"indexes, FKs): $t_full s, $(rate "$N" "$t_full") records/s; ciiguard/sqlite3 = $(ratio "$t_cg" "$t_full")"
echo "sqlite3 (d) C API, prepared statements, same rows as (c) ($rows_floor rows):" \
	"$t_floor s, $(rate "$N" "$t_floor") records/s; ciiguard/sqlite3 = $(ratio "$t_cg" "$t_floor")"
echo "target: >= 100000 records/s; ciiguard: $(rate "$N" "$t_cg") records/s"
