#!/usr/bin/env bash
# Benchmark 4 (issue 4): screening, obligation status and gaps over a portfolio of N systems
# (default 1,000,000) and M obligation_status rows (default 10,000,000), against the sqlite3 shell
# running a bare aggregate scan over the same two tables, in the same run. Target: under 2 s on
# this machine, and within 3x of the sqlite3 scan. Then the same on PostgreSQL 15 (a throwaway
# cluster with default durability, see pg_start in common.sh), where the reference stays sqlite3
# on the SQLite copy, and psql runs the same aggregate for information.
#
# The database: `ciiguard init` creates the schema and the operator, then the tables are loaded
# directly (sqlite3 .import of CSV into a scratch table, then INSERT ... SELECT in key order;
# psql \copy for PostgreSQL), because `system import` of 1,000,000 records takes minutes. The
# rows are those ciiguard writes: systems and links as `system import` of the same generated
# records stores them (checked on 2,000 records before the run), obligation_status rows with NULL
# for unset fields, RFC 3339 updated_at, urns of the catalog's duties and controls (from
# `--json obligations` on a demo database) in the scope each binds. The audit trail does not cover
# the bulk-loaded rows: `audit verify` fails on these databases (it is not run).
#
# Timed: `--json status` (the organisation at a glance: every system screened, obligations met,
# open, overdue, exposure, next deadlines), `--json gaps --limit 100` (where this ciiguard has
# --limit), `--json gaps` (every gap), `--json obligations` (the whole register), and for
# information `--json system summary` (ciiguard's own walk over the inventory, no screening).
# There is no command that screens the whole portfolio on its own: status and gaps screen every
# system. Each command RUNS times (median), the output piped to `wc -c`; a command that takes
# more than 60 s is run once. Each run is bounded by TIMEOUT seconds and MEM_GB GiB of address
# space (ulimit -v); a timeout or a failure is a recorded result. A run that ends without an exit
# status (killed from outside) is marked "(killed)" and repeated. The references: the sqlite3
# aggregate (GROUP BY) scan of both tables; for information the same tables read in one pass
# without GROUP BY, and on PostgreSQL psql running the reference's SQL.
#
# Usage (from the repository root): bash bench/register.sh
# Environment: N (systems, default 1000000), M (obligation_status rows, default 10*N),
#   RUNS (default 3), TIMEOUT (seconds per command, default 600), MEM_GB (default 14),
#   COMMANDS (default "status gaps-top gaps obligations summary", without gaps-top when the
#   binary has no `gaps --limit`), CIIGUARD, KEEP, BACKENDS, PG_BIN, PG_OPTS, BENCH_TMP
#   (common.sh).
# Not a pass/fail test: it prints figures for bench/register-results.md.
set -euo pipefail
N=${N:-1000000}
M=${M:-$((N * 10))}
RUNS=${RUNS:-3}
TIMEOUT=${TIMEOUT:-600}
MEM_GB=${MEM_GB:-14}
source "$(dirname "$0")/common.sh"
# `gaps --limit 100` (the 100 most severe, in one pass) where this ciiguard has it.
if "$CIIGUARD" gaps --help | grep -q -- --limit; then
	COMMANDS=${COMMANDS:-status gaps-top gaps obligations summary}
else
	COMMANDS=${COMMANDS:-status gaps obligations summary}
fi
command -v timeout >/dev/null || { echo "bench: timeout (coreutils) is needed" >&2; exit 2; }

# "Today" for every command: the generated due and met dates are relative to it.
export CIIGUARD_NOW=2026-11-27T09:00:00.000Z
TODAY=2026-11-27

machine
# The binary's identity, checked again at the end (a rebuild during the run would mix two builds).
bin_id() { echo "sha256 $(sha256sum "$CIIGUARD" | cut -c1-16), modified $(stat -c %y "$CIIGUARD" | cut -c1-19)"; }
bin0=$(bin_id)
echo "build:   $bin0"
echo "scale:   N=$N systems, M=$M obligation_status rows; RUNS=$RUNS, TIMEOUT=$TIMEOUT s, MEM_GB=$MEM_GB;" \
	"CIIGUARD_NOW=$CIIGUARD_NOW"

# --- the data ------------------------------------------------------------------------------------
# The urns: every duty and control of the built-in catalog, with the scope it binds, as the
# register of the demo lists them.
"$CIIGUARD" --db "$tmp/demo.db" init --demo >/dev/null 2>&1
"$CIIGUARD" --db "$tmp/demo.db" --json obligations >"$tmp/demo-obligations.json"
sqlite3 -bail :memory: "SELECT DISTINCT CASE WHEN value->>'scope' = 'organisation' THEN 'organisation' ELSE 'system' END,
	value->>'urn' FROM json_each(readfile('$tmp/demo-obligations.json'), '\$.obligations') ORDER BY 1, 2" |
	tr '|' ' ' >"$tmp/urns.txt"
echo "urns:    $(grep -c '^system ' "$tmp/urns.txt") bind a system, $(grep -c '^organisation ' "$tmp/urns.txt")" \
	"the organisation (the catalog's duties and controls, from --json obligations on the demo)"

t0=$(now)
"$tmp/gen" "$N" csv >"$tmp/systems.csv"
"$tmp/gen" "$N" links >"$tmp/links.csv"
"$tmp/gen" "$N" status "$M" "$tmp/urns.txt" >"$tmp/status.csv"
echo "input:   generated in $(elapsed "$t0" "$(now)") s: systems.csv $(stat -c %s "$tmp/systems.csv") bytes," \
	"links.csv $(($(wc -l <"$tmp/links.csv") - 1)) links, status.csv $(stat -c %s "$tmp/status.csv") bytes"

# (one line each: psql's \copy is a one-line meta-command)
sys_cols="id, name, owner, description, sector, supports_core_business, harm_if_compromised, cross_sector_impact"
sys_cols+=", notified_cii, notified_at, serves_cii_operators, ai_kind, ai_model_source, ai_public_generative_service"
sys_cols+=", data_pi_subjects, data_sensitive_pi_subjects, data_important_data, data_core_data, users, mlps_level"
sys_cols+=", status, created_at, updated_at"
st_cols="scope, urn, status, owner, reason, last_met, due, updated_at, updated_by"

# sqlite_load DB SYSTEMS LINKS STATUS: the three CSV files into ciiguard's tables. .import makes
# every field text (CSV has no NULL), so the files go to scratch tables with the columns'
# affinities and are copied with NULLIF for the nullable columns, in key order.
sqlite_load() {
	sqlite3 -bail "$1" <<-EOF
		PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA cache_size=-1048576; PRAGMA temp_store=FILE;
		CREATE TEMP TABLE s_in (id TEXT, name TEXT, owner TEXT, description TEXT, sector TEXT,
		  supports_core_business INTEGER, harm_if_compromised TEXT, cross_sector_impact INTEGER,
		  notified_cii INTEGER, notified_at TEXT, serves_cii_operators INTEGER, ai_kind TEXT,
		  ai_model_source TEXT, ai_public_generative_service INTEGER, data_pi_subjects INTEGER,
		  data_sensitive_pi_subjects INTEGER, data_important_data INTEGER, data_core_data INTEGER,
		  users INTEGER, mlps_level INTEGER, status TEXT, created_at TEXT, updated_at TEXT);
		CREATE TEMP TABLE l_in (system_id TEXT, to_id TEXT, kind TEXT);
		CREATE TEMP TABLE o_in (scope TEXT, urn TEXT, status TEXT, owner TEXT, reason TEXT, last_met TEXT,
		  due TEXT, updated_at TEXT, updated_by TEXT);
		.import --csv --skip 1 --schema temp '$2' s_in
		.import --csv --skip 1 --schema temp '$3' l_in
		.import --csv --skip 1 --schema temp '$4' o_in
		BEGIN;
		INSERT INTO systems ($sys_cols) SELECT id, name, owner, description, sector, supports_core_business,
		  harm_if_compromised, cross_sector_impact, notified_cii, NULLIF(notified_at, ''), serves_cii_operators,
		  NULLIF(ai_kind, ''), NULLIF(ai_model_source, ''), ai_public_generative_service, data_pi_subjects,
		  data_sensitive_pi_subjects, data_important_data, data_core_data, users, NULLIF(mlps_level, ''),
		  status, created_at, updated_at FROM s_in ORDER BY id;
		INSERT INTO system_links SELECT * FROM l_in ORDER BY system_id, to_id, kind;
		INSERT INTO obligation_status ($st_cols) SELECT scope, urn, status, NULLIF(owner, ''), NULLIF(reason, ''),
		  NULLIF(last_met, ''), NULLIF(due, ''), updated_at, updated_by FROM o_in ORDER BY scope, urn;
		COMMIT;
		ANALYZE;
		PRAGMA wal_checkpoint(TRUNCATE);
	EOF
}

# --- check the bulk format against what ciiguard writes (2,000 records, not timed) ---------------
C=$((N < 2000 ? N : 2000))
"$tmp/gen" "$C" json >"$tmp/check.json"
"$tmp/gen" "$C" csv >"$tmp/check-systems.csv"
"$tmp/gen" "$C" links >"$tmp/check-links.csv"
"$tmp/gen" "$C" status $((C * 10)) "$tmp/urns.txt" >"$tmp/check-status.csv"
init_db "$tmp/check-a.db"
"$CIIGUARD" --db "$tmp/check-a.db" system import "$tmp/check.json" >/dev/null
init_db "$tmp/check-b.db"
sqlite_load "$tmp/check-b.db" "$tmp/check-systems.csv" "$tmp/check-links.csv" "$tmp/check-status.csv" >/dev/null
cmp_cols=${sys_cols%, created_at, updated_at}
for q in "SELECT $cmp_cols FROM systems ORDER BY id" "SELECT * FROM system_links ORDER BY 1, 2, 3" \
	"SELECT typeof(notified_at), typeof(ai_kind), typeof(ai_model_source), typeof(mlps_level), typeof(users), count(*)
	 FROM systems GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5"; do
	if ! cmp -s <(sqlite3 "$tmp/check-a.db" "$q") <(sqlite3 "$tmp/check-b.db" "$q"); then
		echo "bench: the bulk-loaded systems differ from those of 'system import': $q" >&2
		exit 1
	fi
done
# Every stored status must show in the register as stored (status, owner, due or due from cadence).
"$CIIGUARD" --db "$tmp/check-b.db" --json obligations >"$tmp/check-register.json"
# Rows whose register item carries from_records (derived from the governance
# records, which overrule a stored status by design of cg_register_derive) are counted apart.
read -r joined bad derived derived_diff < <(sqlite3 -separator ' ' "$tmp/check-b.db" "SELECT count(*), total((j.value->'from_records' IS NULL) AND (s.status <> j.value->>'status'
	OR coalesce(s.owner, '') <> coalesce(j.value->>'owner', '') OR coalesce(s.last_met, '') <> coalesce(j.value->>'last_met', '')
	OR (s.due IS NOT NULL AND s.due <> j.value->>'due'))), total(j.value->'from_records' IS NOT NULL),
	total((j.value->'from_records' IS NOT NULL) AND (s.status <> j.value->>'status'
	OR coalesce(s.owner, '') <> coalesce(j.value->>'owner', '') OR coalesce(s.last_met, '') <> coalesce(j.value->>'last_met', '')
	OR (s.due IS NOT NULL AND s.due <> j.value->>'due')))
	FROM json_each(readfile('$tmp/check-register.json'), '\$.obligations') j
	JOIN obligation_status s ON s.scope = j.value->>'scope' AND s.urn = j.value->>'urn'")
echo "check:   $derived status rows bound to register items derived from records (from_records), $derived_diff of them shown otherwise than stored (excluded from the check)"
bad_rows=$(sqlite3 "$tmp/check-b.db" "SELECT count(*) FROM obligation_status WHERE owner = '' OR reason = '' OR last_met = ''
	OR due = '' OR length(updated_at) <> 24 OR (status = 'not_applicable' AND reason IS NULL)")
fk=$(sqlite3 "$tmp/check-b.db" "PRAGMA foreign_key_check" | wc -l)
bad=${bad%.0}
if [ "$joined" -eq 0 ] || [ "$bad" != 0 ] || [ "$bad_rows" -ne 0 ] || [ "$fk" -ne 0 ]; then
	echo "bench: bulk-loaded obligation_status rows: $joined in the register, $bad shown otherwise," \
		"$bad_rows malformed, $fk foreign key errors" >&2
	exit 1
fi
scope1=$(sqlite3 "$tmp/check-b.db" "SELECT scope FROM obligation_status WHERE scope <> 'organisation' LIMIT 1")
urn1=$(sqlite3 "$tmp/check-b.db" "SELECT urn FROM obligation_status WHERE scope = '$scope1' LIMIT 1")
"$CIIGUARD" --db "$tmp/check-b.db" obligations set "$scope1" "$urn1" --status met --met-on 2026-11-01 >/dev/null
echo "check:   $C records bulk-loaded = the same records through 'system import' (systems, links, NULLs);" \
	"$joined of $((C * 10)) status rows bind in the register, all shown as stored; 'obligations set' on one works"
rm -f "$tmp"/check*

# --- measuring -----------------------------------------------------------------------------------
ref_sql="SELECT sector, harm_if_compromised, notified_cii, COUNT(*) FROM systems GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
SELECT status, COUNT(*), SUM(CASE WHEN due < '$TODAY' THEN 1 ELSE 0 END) FROM obligation_status GROUP BY status ORDER BY 1;"
floor_sql="SELECT COUNT(*), SUM(notified_cii), SUM(harm_if_compromised = 'serious') FROM systems;
SELECT COUNT(*), SUM(status = 'met'), SUM(status = 'not_applicable'), SUM(CASE WHEN due < '$TODAY' THEN 1 ELSE 0 END) FROM obligation_status;"
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }

# ref_sqlite DB: the sqlite3 reference (one untimed warm-up, then RUNS timed); sets t_ref.
ref_sqlite() {
	local st=() i t0 t1
	sqlite3 "$1" "$ref_sql" >"$tmp/ref.out"
	for ((i = 0; i < RUNS; i++)); do
		t0=$(now)
		rss_run "$tmp/rss" sqlite3 "$1" "$ref_sql" >/dev/null
		t1=$(now)
		st+=("$(elapsed "$t0" "$t1")")
	done
	t_ref=$(median "${st[@]}")
	echo "sqlite3 aggregate scan of systems + obligation_status: ${st[*]} s; median $t_ref s; $(res_show "$tmp/rss")"
	printf '%s|%s|%s|%s|%s|%s|%s\n' "$backend" "(sqlite3 aggregate scan, reference)" "${st[*]}" "$t_ref" \
		"$(awk '{ printf "%.0f", $1 / 1024 }' "$tmp/rss")" 1.0 ok >>"$tmp/table"
	# For information: the same two tables in one pass each without GROUP BY (no sorter, no temp
	# file): what reading the rows costs in the sqlite3 shell.
	st=()
	for ((i = 0; i < RUNS; i++)); do
		t0=$(now)
		sqlite3 "$1" "$floor_sql" >/dev/null
		t1=$(now)
		st+=("$(elapsed "$t0" "$t1")")
	done
	echo "sqlite3 single-pass scan without GROUP BY (information): ${st[*]} s; median $(median "${st[@]}") s"
	printf '%s|%s|%s|%s|%s|%s|%s\n' "$backend" "(sqlite3 one-pass scan, no GROUP BY)" "${st[*]}" "$(median "${st[@]}")" \
		"" "$(ratio "$(median "${st[@]}")" "$t_ref")" ok >>"$tmp/table"
}

# cg_cmd NAME DB: runs the command RUNS times (once when a run takes over 60 s, or fails); prints
# one line and appends a row to $tmp/table. In PostgreSQL runs, also the server's CPU. A run that
# ends without an exit status (GNU time itself gone: killed from outside, e.g. by another user of
# the machine) is listed with "(killed)" and run again, at most twice, and is not in the median.
cg_cmd() {
	local name=$1 db=$2 args st=() done=() i t0 t1 t rc note="" c0 bytes=0 load killed=0
	case $name in
	summary) args=(system summary) ;;
	gaps-top) args=(gaps --limit 100) ;;
	*) args=("$name") ;;
	esac
	for ((i = 0; ${#done[@]} < RUNS && killed <= 2; i++)); do
		[ -n "$pgdir" ] && { pg_checkpoint; c0=$(pg_cpu); }
		load=$(cut -d' ' -f1 /proc/loadavg)
		t0=$(now)
		# The output goes to wc -c, but for its first 300 bytes (kept for the note on failure:
		# with --json the error is on stdout); head -c reads no more than it writes.
		set +e
		bytes=$( (ulimit -v $((MEM_GB * 1048576)); rss_run "$tmp/rss" timeout "$TIMEOUT" "$CIIGUARD" --db "$db" --json "${args[@]}" 2>"$tmp/err") |
			{ head -c 300 >"$tmp/out"; wc -c; })
		set -e
		bytes=$((bytes + $(stat -c %s "$tmp/out")))
		t1=$(now)
		t=$(elapsed "$t0" "$t1")
		if [ ! -s "$tmp/rss" ]; then
			st+=("$t(killed)")
			killed=$((killed + 1))
			continue
		fi
		st+=("$t")
		done+=("$t")
		# GNU time writes "Command exited with non-zero status N" (or "terminated by signal N")
		# above the figures.
		rc=0
		if grep -q '^Command exited with non-zero status' "$tmp/rss"; then
			rc=$(sed -n 's/^Command exited with non-zero status \([0-9]*\).*/\1/p' "$tmp/rss")
		elif grep -q '^Command terminated by signal' "$tmp/rss"; then
			rc="signal $(sed -n 's/^Command terminated by signal \([0-9]*\).*/\1/p' "$tmp/rss")"
		fi
		sed -i '/^Command /d' "$tmp/rss"
		if [ "$rc" = 124 ]; then
			note="TIMEOUT after $TIMEOUT s"
		elif [ "$rc" != 0 ] && ! { [ "${name%-top}" = gaps ] && [ "$rc" = 3 ]; }; then # gaps: 3 = overdue
			note="FAILED (exit $rc: $(cat "$tmp/out" "$tmp/err" | tr -s '\n ' ' ' | cut -c1-200))"
		fi
		srv=""
		[ -n "$pgdir" ] && { sleep 0.3; srv="; server CPU $(awk -v a="$c0" -v b="$(pg_cpu)" 'BEGIN { printf "%.2f", b - a }') s"; }
		[ -n "$note" ] && break
		awk -v t="$t" 'BEGIN { exit !(t > 60) }' && break
	done
	if [ ${#done[@]} -eq 0 ]; then
		note="KILLED from outside in every run"
		t=-
		echo "0 0 0 0" >"$tmp/rss"
	else
		t=$(median "${done[@]}")
	fi
	echo "ciiguard --json ${args[*]}: ${st[*]} s; median $t s; output $bytes bytes; $(res_show "$tmp/rss")$srv;" \
		"load $load at the last start${note:+; $note}"
	printf '%s|%s|%s|%s|%s|%s|%s\n' "$backend" "${args[*]}" "${st[*]}" "$t" \
		"$(awk '{ printf "%.0f", $1 / 1024 }' "$tmp/rss")" "$([ "$t" = - ] && echo - || ratio "$t" "$t_ref")" "${note:-ok}" >>"$tmp/table"
}

: >"$tmp/table"
db=$tmp/register.db

# =================================================================================================
# The SQLite database is built in any case: it is the reference on both backends.
echo
echo "=== SQLite ==="
init_db "$db"
t0=$(now)
sqlite_load "$db" "$tmp/systems.csv" "$tmp/links.csv" "$tmp/status.csv" >/dev/null
echo "load (sqlite3 .import + INSERT ... SELECT, not ciiguard): $(elapsed "$t0" "$(now)") s;" \
	"$(stat -c %s "$db") bytes, page_size $(sqlite3 "$db" "PRAGMA page_size");" \
	"$(sqlite3 "$db" "SELECT count(*) FROM systems") systems," \
	"$(sqlite3 "$db" "SELECT count(*) FROM system_links") links," \
	"$(sqlite3 "$db" "SELECT count(*) FROM obligation_status") obligation_status rows"
sqlite3 -header -column "$db" "SELECT status, count(*) AS rows, sum(due IS NOT NULL) AS with_due,
	sum(due < '$TODAY') AS due_before_today, sum(last_met IS NOT NULL) AS with_last_met FROM obligation_status GROUP BY status" |
	sed 's/^/  /'
sync
backend=sqlite
ref_sqlite "$db"
sed 's/^/  /' "$tmp/ref.out"
if want sqlite; then
	for c in $COMMANDS; do cg_cmd "$c" "$db"; done
fi

# =================================================================================================
if want postgresql; then
echo
echo "=== PostgreSQL ==="
pg_start
uri=$(pg_createdb cg_register)
init_db "$uri"
t0=$(now)
pg_psql cg_register -1 -c "SET maintenance_work_mem = '1GB'" \
	-c "ALTER TABLE obligation_status DROP CONSTRAINT obligation_status_pkey" \
	-c "\\copy systems ($sys_cols) FROM '$tmp/systems.csv' WITH (FORMAT csv, HEADER true)" \
	-c "\\copy system_links FROM '$tmp/links.csv' WITH (FORMAT csv, HEADER true)" \
	-c "\\copy obligation_status ($st_cols) FROM '$tmp/status.csv' WITH (FORMAT csv, HEADER true)" \
	-c "ALTER TABLE obligation_status ADD PRIMARY KEY (scope, urn)"
pg_psql cg_register -c "VACUUM ANALYZE"
echo "load (psql \\copy, primary key of obligation_status rebuilt after, VACUUM ANALYZE; not ciiguard):" \
	"$(elapsed "$t0" "$(now)") s; $(pg_dbsize cg_register) bytes (pg_database_size);" \
	"$(pg_psql cg_register -Atc "SELECT count(*) FROM systems") systems," \
	"$(pg_psql cg_register -Atc "SELECT count(*) FROM system_links") links," \
	"$(pg_psql cg_register -Atc "SELECT count(*) FROM obligation_status") obligation_status rows"
if ! cmp -s <(sqlite3 -separator '|' "$db" "$ref_sql") <(pg_psql cg_register -AtF '|' -c "$ref_sql"); then
	echo "bench: the PostgreSQL tables do not aggregate as the SQLite ones" >&2
	exit 1
fi
backend=postgresql
ref_sqlite "$db" # the reference again, in this part of the run
st=()
pg_psql cg_register -c "$ref_sql" >/dev/null
for ((i = 0; i < RUNS; i++)); do
	t0=$(now)
	pg_psql cg_register -c "$ref_sql" >/dev/null
	st+=("$(elapsed "$t0" "$(now)")")
done
t_psql=$(median "${st[@]}")
echo "psql, the same aggregate on PostgreSQL (information): ${st[*]} s; median $t_psql s"
printf '%s|%s|%s|%s|%s|%s|%s\n' postgresql "(psql aggregate scan)" "${st[*]}" "$t_psql" "" "$(ratio "$t_psql" "$t_ref")" ok >>"$tmp/table"
for c in $COMMANDS; do cg_cmd "$c" "$uri"; done
pg_stop
fi

# =================================================================================================
[ "$(bin_id)" = "$bin0" ] || echo "WARNING: $CIIGUARD changed during the run (now $(bin_id)): the figures mix two builds"
echo
echo "Results: N=$N systems, M=$M obligation_status rows; ratio = median time / median time of the" \
	"sqlite3 aggregate scan in the same part of the run. Target: < 2 s and ratio <= 3."
echo
echo "| backend | command | runs (s) | median (s) | peak RSS (MB) | ratio to sqlite3 | target met | note |"
echo "|---|---|---|---|---|---|---|---|"
awk -F'|' '{ met = ($4 < 2 && $6 <= 3 && $7 == "ok") ? "yes" : "no"; if ($2 ~ /^\(/ || $2 == "system summary") met = "-";
	printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, met, $7 }' "$tmp/table"
