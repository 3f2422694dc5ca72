#!/usr/bin/env bash
# Benchmark 1: `ciiguard system import` of N generated systems (default 100000) on both backends
# in one run: SQLite (WAL, synchronous=FULL, one transaction) against sqlite3 inserting the same
# rows, then PostgreSQL 15 (a throwaway cluster with default durability, fsync and
# synchronous_commit on; see pg_start in common.sh) against psql inserting and copying the same rows.
#
# Usage (from the repository root): bash bench/import.sh [N]
# Environment: CIIGUARD=path/to/ciiguard (default ./build/ciiguard), KEEP=1 keeps the files,
#   BACKENDS="sqlite postgresql" (the default; or either alone), PG_BIN, PG_OPTS (common.sh).
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

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b / a }'; } # rate ratio = time(ref)/time(cg)
cols="id TEXT, name TEXT, owner TEXT, description TEXT, sector TEXT, supports_core_business INTEGER,
 harm_if_compromised TEXT, cross_sector_impact INTEGER, notified_cii INTEGER, notified_at TEXT,
 serves_cii_operators INTEGER, ai_kind TEXT, ai_model_source TEXT, ai_public_generative_service INTEGER,
 data_pi_subjects INTEGER, data_sensitive_pi_subjects INTEGER, data_important_data INTEGER,
 data_core_data INTEGER, users INTEGER, mlps_level INTEGER, status TEXT, created_at TEXT, updated_at TEXT"

# =================================================================================================
if want sqlite; then
echo
echo "=== SQLite ==="
db=$tmp/ciiguard.db
init_db "$db"
sync
t0=$(now)
rss_run "$tmp/rss" "$CIIGUARD" --db "$db" system import "$tmp/systems.json" >/dev/null
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
echo "  the import process: $(res_show "$tmp/rss")"
page_size=$(sqlite3 "$db" "PRAGMA page_size")
echo "  database after import: $(stat -c %s "$db") bytes, page_size $page_size;" \
	"$(sqlite3 "$db" "SELECT count(*) FROM systems") systems," \
	"$(sqlite3 "$db" "SELECT count(*) FROM system_links") links," \
	"$(sqlite3 "$db" "SELECT count(*) FROM audit_events") events," \
	"$(sqlite3 "$db" "SELECT sum(length(CAST(state AS BLOB))) FROM audit_events") bytes of audited state"

# --- sqlite3 references, with ciiguard's settings (page size, WAL, synchronous, cache) ------------
newdb="PRAGMA page_size=$page_size; PRAGMA journal_mode=WAL;"
pragmas="PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536;"

# (a) the N rows as INSERT statements into a plain table with the same 23 columns.
ref=$tmp/plain-sql.db
sqlite3 "$ref" "$newdb CREATE TABLE plain ($cols);" >/dev/null
sync
t0=$(now)
sqlite3 -bail -cmd "$pragmas" "$ref" <"$tmp/plain.sql"
t1=$(now)
t_sql=$(elapsed "$t0" "$t1")
[ "$(sqlite3 "$ref" "SELECT count(*) FROM plain")" -eq "$N" ]

# (b) the same rows by .import of a CSV (one prepared statement, one transaction).
ref=$tmp/plain-csv.db
sqlite3 "$ref" "$newdb CREATE TABLE plain ($cols);" >/dev/null
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
{ echo "$newdb"; sqlite3 "$db" ".schema"; } | sqlite3 "$ref" >/dev/null
sync
t0=$(now)
sqlite3 -bail -cmd "$pragmas" "$ref" <"$tmp/full.sql"
t1=$(now)
t_full=$(elapsed "$t0" "$t1")
[ "$(sqlite3 "$ref" "SELECT count(*) FROM audit_events")" -eq "$N" ]
rm -f "$tmp/full.sql"

# (d) the same rows as (c) through the C API: three reused prepared statements, values
# preloaded in memory (bench/sqlite_floor.c). The floor SQLite sets for this import.
ref=$tmp/floor.db
{ echo "$newdb"; sqlite3 "$db" ".schema"; } | sqlite3 "$ref" >/dev/null
cc -O2 -o "$tmp/sqlite_floor" "$bench_here/sqlite_floor.c" -lsqlite3
sync
read -r rows_floor t_floor < <(FLOOR_PRAGMAS="PRAGMA cache_size=-65536" "$tmp/sqlite_floor" "$db" "$ref")

echo "references: page_size=$page_size (as ciiguard's database), WAL, $pragmas"
echo "sqlite3 (a) INSERT statements, plain 23-column table: $t_sql s, $(rate "$N" "$t_sql") rows/s;" \
	"ciiguard/sqlite3 = $(ratio "$t_cg" "$t_sql")"
echo "sqlite3 (b) .import CSV, plain 23-column table:       $t_csv s, $(rate "$N" "$t_csv") rows/s;" \
	"ciiguard/sqlite3 = $(ratio "$t_cg" "$t_csv")"
echo "sqlite3 (c) INSERTs of ciiguard's own rows (systems + links + audit events, same schema," \
	"indexes, FKs): $t_full s, $(rate "$N" "$t_full") records/s; ciiguard/sqlite3 = $(ratio "$t_cg" "$t_full")"
echo "sqlite3 (d) C API, prepared statements, same rows as (c) ($rows_floor rows):" \
	"$t_floor s, $(rate "$N" "$t_floor") records/s; ciiguard/sqlite3 = $(ratio "$t_cg" "$t_floor")"
echo "target: >= 100000 records/s; ciiguard on SQLite: $(rate "$N" "$t_cg") records/s"
t_sqlite=$t_cg
rm -f "$tmp"/*.db "$tmp"/*.db-wal "$tmp"/*.db-shm
fi

# =================================================================================================
if want postgresql; then
echo
echo "=== PostgreSQL ==="
pg_start
uri=$(pg_createdb cg_import)
init_db "$uri"
pg_timed rss_run "$tmp/rss" "$CIIGUARD" --db "$uri" system import "$tmp/systems.json" >/dev/null
t_pg=$t_run

read -r _ count < <("$CIIGUARD" --db "$uri" audit head)
[ "$count" -eq $((N + 1)) ] || { echo "bench: audit head count is $count, expected $((N + 1))" >&2; exit 1; }
t0=$(now)
"$CIIGUARD" --db "$uri" audit verify >/dev/null || { echo "bench: audit verify failed" >&2; exit 1; }
t1=$(now)
t_verify=$(elapsed "$t0" "$t1")
echo "ciiguard system import: $t_pg s, $(rate "$N" "$t_pg") records/s (each with its audit event);" \
	"audit head count $count = N+1; audit verify exit 0 ($t_verify s)"
echo "  the import process: $(res_show "$tmp/rss");" \
	"$srv"
pg_psql cg_import -c "VACUUM ANALYZE" # settle hint bits and statistics (not timed)
echo "  database after import: $(pg_dbsize cg_import) bytes (pg_database_size, after VACUUM);" \
	"$(pg_psql cg_import -Atc "SELECT count(*) FROM systems") systems," \
	"$(pg_psql cg_import -Atc "SELECT count(*) FROM system_links") links," \
	"$(pg_psql cg_import -Atc "SELECT count(*) FROM audit_events") events"

# The statements an import sends, each one round trip over the socket: a separate, untimed
# import of C records with pg_stat_statements tracking on (PGOPTIONS, this session only).
C=$((N < 2000 ? N : 2000))
"$tmp/gen" "$C" json >"$tmp/count.json"
curi=$(pg_createdb cg_count)
init_db "$curi"
PGOPTIONS="-c pg_stat_statements.track=top" "$CIIGUARD" --db "$curi" system import "$tmp/count.json" >/dev/null
pg_count_statements cg_count >"$tmp/count.txt"
total=$(head -1 "$tmp/count.txt")
echo "  statements executed by an import of $C records (pg_stat_statements): $total," \
	"$(awk -v s="$total" -v n="$C" 'BEGIN { printf "%.2f", s / n }') per record; calls by statement:"
tail -n +2 "$tmp/count.txt" | sed 's/^/    /'

# --- psql references: the same rows on the same server, one transaction each ------------------
# (a) the N rows as INSERT statements into a plain table with the systems table's 23 columns
# (psql sends each statement as its own query: one round trip, parse and plan per row).
pg_createdb ref_sql >/dev/null
pg_psql ref_sql -c "CREATE TABLE plain ($cols)"
pg_timed pg_psql ref_sql -f "$tmp/plain.sql" >/dev/null
t_sql=$t_run srv_sql=$srv
[ "$(pg_psql ref_sql -Atc "SELECT count(*) FROM plain")" -eq "$N" ]

# (b) the same rows by COPY FROM STDIN of the CSV (psql \copy): one statement, streamed.
pg_createdb ref_csv >/dev/null
pg_psql ref_csv -c "CREATE TABLE plain ($cols)"
pg_timed pg_psql ref_csv -c "\\copy plain FROM '$tmp/plain.csv' WITH (FORMAT csv, HEADER true)"
t_csv=$t_run srv_csv=$srv
[ "$(pg_psql ref_csv -Atc "SELECT count(*) FROM plain")" -eq "$N" ]

# (c) everything the import wrote (systems, links, audit events but the operator's), exactly as
# ciiguard stored it, into ciiguard's schema with its indexes and foreign keys, one INSERT per
# row (pg_dump --inserts, run by psql -1): PostgreSQL's cost for the same writes with one round
# trip per row, without ciiguard's parsing, validation, JSON and hashing.
"$PG_BIN/pg_dump" -h "$pg_sock" -U cg --schema-only cg_import >"$tmp/pg-schema.sql"
"$PG_BIN/pg_dump" -h "$pg_sock" -U cg --data-only --inserts -t systems -t system_links -t audit_events cg_import |
	grep -v '^INSERT INTO public.audit_events VALUES (1, ' >"$tmp/pg-full.sql"
pg_createdb ref_full >/dev/null
pg_psql ref_full -f "$tmp/pg-schema.sql" >/dev/null
pg_timed pg_psql ref_full -1 -f "$tmp/pg-full.sql" >/dev/null
t_full=$t_run srv_full=$srv
[ "$(pg_psql ref_full -Atc "SELECT count(*) FROM audit_events")" -eq "$N" ]

# (d) the same rows by COPY, one statement per table, streamed (same schema, indexes and FKs):
# the bulk floor PostgreSQL sets for these writes.
for t in systems system_links audit_events; do
	w=; [ "$t" = audit_events ] && w="WHERE seq > 1"
	pg_psql cg_import -c "\\copy (SELECT * FROM $t $w) TO '$tmp/$t.copy'"
done
pg_createdb ref_copy >/dev/null
pg_psql ref_copy -f "$tmp/pg-schema.sql" >/dev/null
pg_timed pg_psql ref_copy -1 -c "\\copy systems FROM '$tmp/systems.copy'" \
	-c "\\copy system_links FROM '$tmp/system_links.copy'" -c "\\copy audit_events FROM '$tmp/audit_events.copy'"
t_copy=$t_run srv_copy=$srv
[ "$(pg_psql ref_copy -Atc "SELECT count(*) FROM audit_events")" -eq "$N" ]

echo "psql (a) INSERT statements, plain 23-column table: $t_sql s, $(rate "$N" "$t_sql") rows/s;" \
	"ciiguard/psql = $(ratio "$t_pg" "$t_sql"); $srv_sql"
echo "psql (b) COPY of the CSV, plain 23-column table:   $t_csv s, $(rate "$N" "$t_csv") rows/s;" \
	"ciiguard/psql = $(ratio "$t_pg" "$t_csv"); $srv_csv"
echo "psql (c) INSERTs of ciiguard's own rows (systems + links + audit events, same schema," \
	"indexes, FKs): $t_full s, $(rate "$N" "$t_full") records/s; ciiguard/psql = $(ratio "$t_pg" "$t_full"); $srv_full"
echo "psql (d) COPY of the same rows as (c): $t_copy s, $(rate "$N" "$t_copy") records/s;" \
	"ciiguard/psql = $(ratio "$t_pg" "$t_copy"); $srv_copy"
echo "target: >= 100000 records/s; ciiguard on PostgreSQL: $(rate "$N" "$t_pg") records/s"
pg_stop
fi

if want sqlite && want postgresql; then
	echo
	echo "same input, same run: SQLite $(rate "$N" "$t_sqlite") records/s, PostgreSQL $(rate "$N" "$t_pg")" \
		"records/s; PostgreSQL/SQLite = $(ratio "$t_pg" "$t_sqlite")"
fi
