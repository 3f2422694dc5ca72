# Shared helpers for the benchmark scripts (sourced, not run).
# Environment: CIIGUARD (the binary, default ./build/ciiguard), KEEP=1 keeps the temp dir,
# BENCH_TMP (parent of the temp dir, default $TMPDIR or /tmp).

bench_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CIIGUARD=${CIIGUARD:-./build/ciiguard}
case $CIIGUARD in /*) ;; *) CIIGUARD=$PWD/$CIIGUARD ;; esac
if [ ! -x "$CIIGUARD" ]; then
	echo "bench: no ciiguard binary at $CIIGUARD (set CIIGUARD=path/to/ciiguard)" >&2
	exit 2
fi
for tool in cc sqlite3 awk; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is needed" >&2; exit 2; }
done

tmp=$(mktemp -d "${BENCH_TMP:-${TMPDIR:-/tmp}}/ciiguard-bench.XXXXXX")
[ "${KEEP:-0}" = 1 ] && echo "bench: keeping $tmp" >&2
pgdir=
bench_cleanup() {
	[ -n "$pgdir" ] && pg_stop
	[ "${KEEP:-0}" = 1 ] || rm -rf "$tmp"
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM HUP

# The backends to measure, in this order: BACKENDS="sqlite postgresql" (the default) or either.
BACKENDS=${BACKENDS:-sqlite postgresql}
for b in $BACKENDS; do
	case $b in sqlite | postgresql) ;; *) echo "bench: unknown backend '$b' in BACKENDS" >&2; exit 2 ;; esac
done
want() { case " $BACKENDS " in *" $1 "*) return 0 ;; esac; return 1; }

cc -O2 -o "$tmp/gen" "$bench_here/gen.c"

now() { date +%s.%N; }
# elapsed START END -> seconds with 3 decimals
elapsed() { awk -v s="$1" -v e="$2" 'BEGIN { printf "%.3f", e - s }'; }
# rate COUNT SECONDS -> per second, integer
rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f", n / t }'; }

machine() {
	echo "date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "machine: nproc=$(nproc), CPU: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)," \
		"RAM: $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)," \
		"kernel $(uname -r), fs for $tmp: $(df -PT "$tmp" | awk 'NR == 2 { print $2 }')"
	echo "load:    $(cut -d" " -f1-3 /proc/loadavg) (1/5/15-min load average at the start; other work on the machine skews timings)"
	echo "binary:  $CIIGUARD ($("$CIIGUARD" --version)), sqlite3 CLI $(sqlite3 --version | cut -d' ' -f1)," \
		"$(openssl version 2>/dev/null || echo 'no openssl CLI')"
}

# init DB: a fresh ciiguard database with an operator (1 audit event), not timed.
init_db() {
	"$CIIGUARD" --db "$1" init --name "某省电力有限公司" --sector energy \
		--protection-department "国家能源局" --notified-cii yes --notified-at 2025-06-01 >/dev/null
}

# --- PostgreSQL ---------------------------------------------------------------------------------
# A throwaway PostgreSQL 15 cluster, set up as scripts/pg-cluster.sh does (initdb as the
# "postgres" user when run as root, trust authentication for role cg, a private Unix socket, no
# TCP), but with PostgreSQL's default durability: fsync=on, synchronous_commit=on,
# full_page_writes=on (pg-cluster.sh turns fsync and full_page_writes off for test speed).
# shared_buffers=256MB. pg_stat_statements is loaded with tracking off (track=none) so that a
# separate, untimed run can count the statements a command sends (PGOPTIONS turns it on there).
# PG_BIN (default /usr/lib/postgresql/15/bin), PG_OPTS: extra server options.
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
pg_as() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_start() {
	local t=${BENCH_TMP:-${TMPDIR:-/tmp}}
	command -v psql >/dev/null && [ -x "$PG_BIN/initdb" ] ||
		{ echo "bench: PostgreSQL 15 (initdb in $PG_BIN, psql) is needed; or set BACKENDS=sqlite" >&2; exit 2; }
	pgdir=$(mktemp -d "$t/ciiguard-bench-pg.XXXXXX")
	if [ "$(id -u)" -eq 0 ]; then
		id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql postgres
		chown postgres "$pgdir"
	fi
	pg_as "$PG_BIN/initdb" -D "$pgdir/data" -U cg --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
		>"$pgdir/initdb.log" 2>&1 || { cat "$pgdir/initdb.log" >&2; exit 1; }
	pg_as mkdir "$pgdir/sock"
	pg_as "$PG_BIN/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w -t 60 \
		-o "-k $pgdir/sock -c listen_addresses='' -c shared_buffers=256MB \
		    -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=none ${PG_OPTS:-}" \
		start >/dev/null || { cat "$pgdir/server.log" >&2; exit 1; }
	pg_sock=$pgdir/sock
	echo "postgresql: $("$PG_BIN/postgres" --version), cluster $pgdir/data on" \
		"$(df -PT "$pgdir" | awk 'NR == 2 { print $2 }'), Unix socket;" \
		"$(pg_psql postgres -Atc "SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name)
			FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes',
			'shared_buffers', 'wal_level', 'max_wal_size', 'wal_buffers', 'checkpoint_timeout')")"
}
pg_stop() {
	pg_as "$PG_BIN/pg_ctl" -D "$pgdir/data" -m fast -w stop >/dev/null 2>&1 || true
	if [ "${KEEP:-0}" = 1 ]; then echo "bench: keeping $pgdir (server stopped)" >&2; else rm -rf "$pgdir"; fi
	pgdir=
}
# pg_psql DB ARGS...: psql as cg on the private socket, stopping at the first error.
pg_psql() { local d=$1; shift; psql -X -q -v ON_ERROR_STOP=1 -h "$pg_sock" -U cg -d "$d" "$@"; }
# pg_createdb NAME: a new database; prints its ciiguard URI.
pg_createdb() {
	pg_psql postgres -c "CREATE DATABASE $1" >/dev/null
	echo "postgresql:///$1?host=$pg_sock&user=cg"
}
# pg_checkpoint: flush the cluster's dirty buffers before a timed step (as `sync` does for files).
pg_checkpoint() { pg_psql postgres -c CHECKPOINT >/dev/null; }
pg_dbsize() { pg_psql postgres -Atc "SELECT pg_database_size('$1')"; }
# pg_count_statements DB: the statements executed in DB while tracking was on (PGOPTIONS),
# as "TOTAL" on the first line, then "CALLS<TAB>QUERY" by calls.
pg_count_statements() {
	pg_psql "$1" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null
	pg_psql "$1" -AtF $'\t' -c "SELECT sum(calls) FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = '$1')"
	pg_psql "$1" -AtF $'\t' -c "SELECT calls, left(regexp_replace(query, '\s+', ' ', 'g'), 90) FROM pg_stat_statements
		WHERE dbid = (SELECT oid FROM pg_database WHERE datname = '$1') ORDER BY calls DESC, query"
}
# rss_run FILE CMD...: run CMD, writing its resource use to FILE (GNU time: peak RSS in KB, user
# and system CPU seconds, 512-byte blocks written to the block layer), shown by res_show FILE.
rss_run() {
	local f=$1; shift
	if [ -x /usr/bin/time ]; then /usr/bin/time -f "%M %U %S %O" -o "$f" "$@"; else echo "? ? ? ?" >"$f"; "$@"; fi
}
res_show() {
	awk '{ printf "peak RSS %.0f MB, CPU %.2f s user + %.2f s sys, %.0f MB written", $1 / 1024, $2, $3, $4 * 512 / 1e6 }' "$1"
}
# pg_cpu: CPU seconds (user + sys) of the server's exited children (backends) so far, from the
# postmaster's cutime and cstime; a backend's time counts once its connection has closed.
pg_cpu() {
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($16 + $17) / hz }' "/proc/$(head -1 "$pgdir/data/postmaster.pid")/stat"
}
# pg_timed CMD...: CHECKPOINT and sync, then run CMD timed; sets t_run (seconds) and srv
# ("server CPU S s, WAL M MB": the backends' CPU and the WAL written while CMD ran).
pg_timed() {
	local w0 w1 c0 c1 t0 t1
	pg_checkpoint
	sync
	w0=$(pg_wal); c0=$(pg_cpu)
	t0=$(now)
	"$@"
	t1=$(now)
	t_run=$(elapsed "$t0" "$t1")
	w1=$(pg_wal); sleep 0.3; c1=$(pg_cpu)
	srv="server CPU $(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }') s, WAL $(pg_wal_mb "$w0" "$w1") MB"
}
pg_wal() { pg_psql postgres -Atc "SELECT pg_current_wal_lsn()"; }
pg_wal_mb() { pg_psql postgres -Atc "SELECT round(pg_wal_lsn_diff('$2', '$1') / 1e6, 1)"; }
