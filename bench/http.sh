#!/usr/bin/env bash
# Benchmark 5 (issue 7): the HTTP API (`ciiguard serve`) on loopback, against nginx serving the
# same bytes as a static file in the same run. Target: an authenticated GET of one system at 64
# connections at no less than 50 % of the requests/s of nginx; p99 latency at most 10 ms (GET and
# POST of an incident); resident memory at most 16 MB idle and at most 64 MB under that load.
#
# The server: `ciiguard init --demo` (SQLite; then a new PostgreSQL database in a throwaway cluster
# with default durability, see pg_start in common.sh), a bearer token of the demo's admin
# (`token create --user admin`), then `ciiguard serve --listen 127.0.0.1:0 --threads THREADS`
# with CIIGUARD_QUIET_ACCESS=1 (no per-request access log line on stderr). The binary is copied
# into the temp dir first, so a rebuild during the run does not change what is measured.
# The reference: a private nginx (its own nginx.conf, pid file and temp paths in the temp dir,
# `daemon off`, worker_processes THREADS, access_log off, sendfile on, keepalive_requests raised so
# that, as with ciiguard, every connection stays open for the whole run; as root the workers run
# as nobody), listening on 127.0.0.1, serving at /api/v1/systems/ems-scada a file holding exactly
# the body ciiguard returns for GET /api/v1/systems/ems-scada (checked with cmp). The system nginx
# configuration and service are not used.
#
# Timed (wrk -tWRK_THREADS -cCONNS -dDURATION --timeout WRK_TIMEOUT --latency, client and servers on
# the same machine; the timeout is raised from wrk's 2 s, which would drop slower responses from the
# latency distribution and count them as socket errors):
# ROUNDS times, alternating, nginx GET of the static file, ciiguard GET of the system (with
# 'Authorization: Bearer TOKEN'), then ciiguard POST /api/v1/incidents (a wrk Lua script that
# also counts the status codes and prints p99.9 and the maximum; every 201 is a new audited
# incident). After the rounds: the number of incidents created (`--json incident list | jq
# length`, before and after), the server's own count (/metrics), how the writes were committed
# (/metrics: batches, log syncs and checkpoints), and `audit verify`. Ratio = ciiguard's requests/s over nginx's in the run just
# before it. Memory: VmRSS of the server just after start, and idle after the first requests; the
# peak (VmHWM, reset through /proc/PID/clear_refs before each run where the kernel allows) of each
# run. CPU: the server's user + system time per request (from /proc/PID/stat; nginx: its workers),
# which depends less on other work on the machine than requests/s does.
# On SQLite, a reference for the POST after ciiguard's runs: the disk's own log sync, alone, beside
# a GET run and beside busy loops in the idle scheduling class (sync_reference below).
# On PostgreSQL, a reference for the POST after ciiguard's runs: pgbench, in the same cluster, with
# CONNS clients writing the smallest audited write (pg_reference below).
# With PROFILE=1 (the default when perf is installed), one more, untimed, GET run and POST run on
# SQLite under `perf record -e cpu-clock -g -p PID` (cpu-clock: works without hardware counters)
# print the top functions by self time and the time by library.
#
# Usage (from the repository root): bash bench/http.sh
# Environment: DURATION (seconds per wrk run, default 20), CONNS (default 64), ROUNDS (default 2),
#   THREADS (server threads and nginx workers, default 2), WRK_THREADS (default 2), WRK_TIMEOUT
#   (default 10s), PROFILE
#   (1 or 0), TOP (profile lines, default 25), CIIGUARD, KEEP, BACKENDS, PG_BIN, PG_OPTS,
#   BENCH_TMP (common.sh).
# Not a pass/fail test: it prints figures (and whether each target is met) for bench/RESULTS.md.
set -euo pipefail
DURATION=${DURATION:-20}
CONNS=${CONNS:-64}
ROUNDS=${ROUNDS:-2}
THREADS=${THREADS:-2}
WRK_THREADS=${WRK_THREADS:-2}
TOP=${TOP:-25}
WRK_TIMEOUT=${WRK_TIMEOUT:-10s}
source "$(dirname "$0")/common.sh"
for tool in wrk nginx curl jq; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is needed" >&2; exit 2; }
done
cc -O2 -o "$tmp/sync_floor" "$bench_here/sync_floor.c"
if [ -z "${PROFILE:-}" ]; then
	if command -v perf >/dev/null; then PROFILE=1; else PROFILE=0; fi
fi
if want postgresql && ! { command -v psql >/dev/null && [ -x "$PG_BIN/initdb" ]; }; then
	echo "bench: no PostgreSQL 15 (initdb in $PG_BIN, psql): measuring SQLite only" >&2
	BACKENDS=sqlite
fi

# --- the servers, stopped on exit ------------------------------------------------------------------
cg_pid=
ng_pid=
stop_pid() { # PID SIGNAL: signal one process we started and wait for it (up to 10 s, then KILL)
	[ -n "$1" ] && kill -0 "$1" 2>/dev/null || return 0
	kill "-$2" "$1" 2>/dev/null || true
	for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$1" 2>/dev/null && kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null || true
}
http_cleanup() {
	stop_pid "$cg_pid" TERM
	stop_pid "$ng_pid" QUIT
	bench_cleanup
}
trap http_cleanup EXIT

# --- the binary ---------------------------------------------------------------------------------
machine
echo "uptime:  $(uptime)"
bin_id() { echo "sha256 $(sha256sum "$1" | cut -c1-16), modified $(stat -c %y "$1" | cut -c1-19)"; }
echo "build:   $(bin_id "$CIIGUARD")"
# A release build: no sanitizer runtime, and the build type of the CMake tree it came from (if any).
if ldd "$CIIGUARD" | grep -Eq 'lib(a|ub|t)san'; then
	echo "bench: $CIIGUARD is a sanitizer build; build a release binary:" >&2
	echo "  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF && cmake --build build -j2" >&2
	exit 2
fi
# The build type of the CMake tree it came from, if it is in one; the optimisation level the
# compiler recorded (DW_AT_producer), if it has debug information.
build_type=
cache=$(dirname "$CIIGUARD")/CMakeCache.txt
[ -f "$cache" ] && build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$cache")
case ${build_type:-none} in
Release | RelWithDebInfo | MinSizeRel | none) ;;
*) echo "bench: $CIIGUARD comes from a '$build_type' build tree, not a release build" >&2; exit 2 ;;
esac
producer=$(readelf --debug-dump=info --dwarf-depth=1 "$CIIGUARD" 2>/dev/null | grep -m1 DW_AT_producer | sed 's/.*: //' || true)
if [ -n "$producer" ] && ! grep -Eq -- ' -O[23s]( |$)' <<<"$producer"; then
	echo "bench: $CIIGUARD was compiled without optimisation ($producer): build a release binary" >&2
	exit 2
fi
"$CIIGUARD" serve --help >/dev/null || { echo "bench: $CIIGUARD has no serve command" >&2; exit 2; }
cp "$CIIGUARD" "$tmp/ciiguard"
CG=$tmp/ciiguard
echo "binary:  copied to $CG; CMAKE_BUILD_TYPE ${build_type:-? (not in a build tree)}; compiled with:" \
	"${producer:-? (no debug information)}; $(ldd "$CG" | grep -o 'libmicrohttpd[^ ]*' | head -1), no sanitizer"
echo "tools:   $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2), $(nginx -v 2>&1 | cut -d' ' -f3-)," \
	"$(dpkg-query -W -f '${Package} ${Version}' libmicrohttpd12 2>/dev/null || echo 'libmicrohttpd ?')," \
	"$(perf --version 2>/dev/null || echo 'no perf')"
echo "setup:   wrk -t$WRK_THREADS -c$CONNS -d${DURATION}s --timeout $WRK_TIMEOUT --latency; THREADS=$THREADS (ciiguard --threads," \
	"nginx worker_processes); ROUNDS=$ROUNDS; PROFILE=$PROFILE; BACKENDS=$BACKENDS; all on loopback"
load0=$(cut -d' ' -f1-3 /proc/loadavg)

# --- measurement helpers -----------------------------------------------------------------------
# cpu_ticks PID...: user + system clock ticks of the processes (all their threads).
# (a process that has gone counts 0)
cpu_ticks() {
	local p v t=0
	for p in "$@"; do
		v=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }' || true)
		t=$((t + ${v:-0}))
	done
	echo $t
}
kb() { awk -v k="$2" '$1 == k ":" { print $2 }' "/proc/$1/status"; } # kb PID VmRSS|VmHWM
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
sum_kb() { local k=$1 p t=0; shift; for p in "$@"; do t=$((t + $(kb "$p" "$k"))); done; echo $t; }
# reset_hwm PID...: VmHWM back to the current RSS (Linux >= 4.0: clear_refs 5); "yes" if it worked.
reset_hwm() { local p ok=yes; for p in "$@"; do echo 5 >"/proc/$p/clear_refs" 2>/dev/null || ok=no; done; echo $ok; }
# shellcheck disable=SC2046 # (the pids are words)
ng_pids() { echo "$ng_pid" $(ps -o pid= --ppid "$ng_pid"); }
# ms VALUE-WITH-UNIT (wrk's 812.00us, 4.54ms, 1.61s, 1.20m) -> milliseconds
ms() {
	awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : -1
		if (f < 0) print "?"; else printf "%.2f", n * f }'
}
loadavg() { cut -d' ' -f1 /proc/loadavg; }
# show CMD ARGS...: the command as run, quoted, with the token replaced by $TOKEN.
show() { local q; printf -v q ' %q' "$@"; echo "\$${q}" | sed 's/cgt_[0-9a-f_]*/$TOKEN/g'; }

# The table: one row per timed run (fields separated by |).
: >"$tmp/table"
# wrk_run BACKEND LABEL SERVER URL WRK-ARGS...: one timed run of wrk against SERVER (nginx or
# ciiguard), printing wrk's output and adding a row; sets last_rps.
wrk_run() {
	local backend=$1 label=$2 server=$3 url=$4 pids l0 l1 c0 c1 hwm_ok rss0 hwm rss1 out n rps p50 p99 bad
	shift 4
	if [ "$server" = nginx ]; then pids=$(ng_pids); else pids=$cg_pid; fi
	echo
	echo "=== $backend: $label ($server) at $(date -u +%H:%M:%S) UTC, load $(cut -d' ' -f1-3 /proc/loadavg)"
	show wrk -t"$WRK_THREADS" -c"$CONNS" -d"${DURATION}s" --timeout "$WRK_TIMEOUT" --latency "$@" "$url"
	local pg_pids=
	if [ "$backend" = postgresql ] && [ "$server" = ciiguard ]; then
		pg_pids=$(ps -o pid= --ppid "$(head -1 "$pgdir/data/postmaster.pid")" | tr '\n' ' ')
		local g0 g1
		g0=$(cpu_ticks $pg_pids)
	fi
	hwm_ok=$(reset_hwm $pids)
	rss0=$(sum_kb VmRSS $pids)
	l0=$(loadavg)
	c0=$(cpu_ticks $pids)
	out=$tmp/wrk.txt
	local TIMEFORMAT='%3U %3S'
	{ time wrk -t"$WRK_THREADS" -c"$CONNS" -d"${DURATION}s" --timeout "$WRK_TIMEOUT" --latency "$@" "$url" >"$out" 2>&1; } \
		2>"$tmp/wrk.time" || true
	sleep 0.5 # requests still in flight when wrk stopped
	c1=$(cpu_ticks $pids)
	# the backends listed again: one opened during the run (the batch writer's connection opens
	# on the first write) counts from zero
	[ -n "$pg_pids" ] && g1=$(cpu_ticks $(ps -o pid= --ppid "$(head -1 "$pgdir/data/postmaster.pid")"))
	l1=$(loadavg)
	hwm=$(sum_kb VmHWM $pids)
	rss1=$(sum_kb VmRSS $pids)
	cat "$out"
	n=$(awk '/ requests in / { print $1 }' "$out")
	rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$out")
	p50=$(ms "$(awk '$1 == "50%" { print $2 }' "$out")")
	p99=$(ms "$(awk '$1 == "99%" { print $2 }' "$out")")
	bad=$(awk -F': *' '/Non-2xx or 3xx responses/ { print $2 }' "$out")
	bad=${bad:-0}
	if grep -q 'Socket errors' "$out"; then bad="$bad; $(sed -n 's/^ *Socket errors: //p' "$out")"; fi
	[ -n "$n" ] && [ -n "$rps" ] || { echo "bench: wrk failed" >&2; exit 1; }
	local hz cpu_us wrk_us pg_us=0 total_us
	hz=$(getconf CLK_TCK)
	cpu_us=$(awk -v t=$((c1 - c0)) -v hz="$hz" -v n="$n" 'BEGIN { printf "%.0f", t / hz * 1e6 / n }')
	wrk_us=$(awk -v n="$n" '{ printf "%.0f", ($1 + $2) * 1e6 / n }' "$tmp/wrk.time")
	if [ -n "$pg_pids" ]; then
		pg_us=$(awk -v t=$((g1 - g0)) -v hz="$hz" -v n="$n" 'BEGIN { printf "%.0f", t / hz * 1e6 / n }')
		echo "postgresql: the server's processes used $(awk -v t=$((g1 - g0)) -v hz="$hz" 'BEGIN { printf "%.2f", t / hz }') s of CPU ($pg_us us/request)"
	fi
	total_us=$((cpu_us + pg_us + wrk_us))
	echo "server: CPU $(awk -v t=$((c1 - c0)) -v hz="$hz" 'BEGIN { printf "%.2f", t / hz }') s" \
		"(${cpu_us} us/request); wrk: CPU $(awk '{ printf "%.2f", $1 + $2 }' "$tmp/wrk.time") s ($wrk_us us/request);" \
		"RSS $(mb "$rss0") MB before, $(mb "$rss1") MB after," \
		"peak $(mb "$hwm") MB (VmHWM$([ "$hwm_ok" = yes ] && echo ', reset before the run' || echo ' since start: clear_refs refused'));" \
		"load $l0 -> $l1"
	[ "$pg_us" = 0 ] || cpu_us="$cpu_us + $pg_us (PostgreSQL)"
	last_rps=$rps
	last_total_us=$total_us
	local ratio=- cpu_ratio=-
	if [ "$server" = ciiguard ] && [ "${label%% *}" = GET ]; then
		ratio=$(awk -v a="$rps" -v b="$ref_rps" 'BEGIN { printf "%.3f", a / b }')
		cpu_ratio=$(awk -v a="$total_us" -v b="$ref_total_us" 'BEGIN { printf "%.3f", b / a }')
		echo "ratio:  $rps / $ref_rps (nginx, the run before) = $ratio; CPU per request (server + wrk$([ "$pg_us" = 0 ] ||
			echo ' + PostgreSQL')): nginx $ref_total_us us / ciiguard $total_us us = $cpu_ratio"
	fi
	printf '%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s\n' "$backend" "$label" "$server" "$rps" "$ratio" "$p50" "$p99" \
		"$bad" "$cpu_us" "$wrk_us" "$cpu_ratio" "$(mb "$rss0")" "$(mb "$hwm")" "$l0 -> $l1" >>"$tmp/table"
}

# --- nginx ----------------------------------------------------------------------------------------
ng=$tmp/nginx
mkdir -p "$ng/www/api/v1/systems" "$ng/tmp"
ng_user=
if [ "$(id -u)" -eq 0 ]; then
	# the workers run as nobody: they must be able to reach the document root (and only that)
	ng_user="user nobody $(getent group nogroup >/dev/null && echo nogroup || echo nobody);"
	chmod 711 "$tmp"
	chmod 755 "$ng" "$ng/www" "$ng/www/api" "$ng/www/api/v1" "$ng/www/api/v1/systems"
fi
start_nginx() {
	local port
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		port=$((20000 + RANDOM % 30000))
		cat >"$ng/nginx.conf" <<-EOF
			# private instance for bench/http.sh
			worker_processes $THREADS;
			$ng_user
			pid $ng/nginx.pid;
			error_log stderr warn;
			events { worker_connections 4096; }
			http {
			    access_log off;
			    default_type application/json;
			    sendfile on;
			    tcp_nopush on;
			    keepalive_timeout 65;
			    keepalive_requests 100000000;
			    client_body_temp_path $ng/tmp/body;
			    proxy_temp_path $ng/tmp/proxy;
			    fastcgi_temp_path $ng/tmp/fastcgi;
			    uwsgi_temp_path $ng/tmp/uwsgi;
			    scgi_temp_path $ng/tmp/scgi;
			    server {
			        listen 127.0.0.1:$port;
			        root $ng/www;
			    }
			}
		EOF
		nginx -p "$ng" -c "$ng/nginx.conf" -e stderr -g 'daemon off;' 2>"$ng/error.log" &
		ng_pid=$!
		for _ in $(seq 50); do
			kill -0 "$ng_pid" 2>/dev/null || break
			if [ -s "$ng/nginx.pid" ] && curl -s -o /dev/null "http://127.0.0.1:$port/"; then
				ng_url=http://127.0.0.1:$port/api/v1/systems/ems-scada
				echo "nginx:   pid $ng_pid, listening on 127.0.0.1:$port, config $ng/nginx.conf:"
				sed -e '/^#/d' -e '/^ *$/d' -e 's/^/    /' "$ng/nginx.conf"
				return 0
			fi
			sleep 0.1
		done
		stop_pid "$ng_pid" QUIT
		ng_pid=
		grep -q 'Address already in use' "$ng/error.log" || { cat "$ng/error.log" >&2; exit 1; }
	done
	echo "bench: nginx could not find a free port" >&2
	exit 1
}

# --- ciiguard ------------------------------------------------------------------------------------
# start_cg DB: `ciiguard serve` on a free port of 127.0.0.1; sets cg_pid and cg_base.
start_cg() {
	local db=$1
	echo "\$ CIIGUARD_QUIET_ACCESS=1 ciiguard --db ${db@Q} serve --listen 127.0.0.1:0 --threads $THREADS &"
	CIIGUARD_QUIET_ACCESS=1 "$CG" --db "$db" serve --listen 127.0.0.1:0 --threads "$THREADS" \
		>"$tmp/serve.out" 2>"$tmp/serve.err" &
	cg_pid=$!
	for _ in $(seq 100); do
		kill -0 "$cg_pid" 2>/dev/null || { cat "$tmp/serve.err" >&2; exit 1; }
		cg_base=$(sed -n 's|.*listening on \(http://127\.0\.0\.1:[0-9]*\).*|\1|p' "$tmp/serve.out")
		[ -n "$cg_base" ] && break
		sleep 0.1
	done
	[ -n "$cg_base" ] || { echo "bench: ciiguard serve did not start" >&2; cat "$tmp/serve.err" >&2; exit 1; }
	echo "ciiguard: pid $cg_pid, $(head -1 "$tmp/serve.out")"
}

cat >"$tmp/post.lua" <<'EOF'
-- POST of an incident; counts the status codes of the responses.
wrk.method = "POST"
wrk.body = '{"title": "Probe", "type": "intrusion", "discovered_at": "2026-11-27T10:00:00+08:00", "systems": ["ems-scada"]}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("CG_TOKEN")
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) statuses = {} end
function response(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end
function done(summary, latency, requests)
	local total, keys, out = {}, {}, {}
	for _, t in ipairs(threads) do
		for k, v in pairs(t:get("statuses")) do total[k] = (total[k] or 0) + v end
	end
	for k in pairs(total) do table.insert(keys, k) end
	table.sort(keys)
	for _, k in ipairs(keys) do table.insert(out, k .. ": " .. total[k]) end
	io.write("status codes: " .. table.concat(out, ", ") .. "\n")
	io.write(string.format("latency p99.9: %.2f ms, max: %.2f ms\n", latency:percentile(99.9) / 1000, latency.max / 1000))
end
EOF

# metric NAME-AND-LABELS: a value from the server's /metrics
metric() { curl -s "$cg_base/metrics" | awk -v k="$1" 'index($0, k " ") == 1 { print $2 }'; }

# profile LABEL WRK-ARGS... URL: an untimed wrk run under perf record; the top functions.
profile() {
	local label=$1 f=$tmp/$1.perf
	shift
	echo
	echo "=== profile: $label under perf record (untimed; load $(cut -d' ' -f1-3 /proc/loadavg))"
	show perf record -e cpu-clock -F 999 -g -p "$cg_pid" -o "$f" -- sleep "$DURATION"
	echo "while:"
	show wrk -t"$WRK_THREADS" -c"$CONNS" -d"$((DURATION - 1))s" --timeout "$WRK_TIMEOUT" "$@"
	perf record -e cpu-clock -F 999 -g -p "$cg_pid" -o "$f" -- sleep "$DURATION" >"$tmp/perf.log" 2>&1 &
	local perf_pid=$!
	sleep 0.5
	wrk -t"$WRK_THREADS" -c"$CONNS" -d"$((DURATION - 1))s" --timeout "$WRK_TIMEOUT" "$@" | grep -E 'Requests/sec|requests in|Non-2xx' || true
	wait "$perf_pid" || { cat "$tmp/perf.log" >&2; return 0; }
	echo "-- by library (self time)"
	perf report -i "$f" --stdio --no-children --sort dso 2>/dev/null | grep -E '^ +[0-9.]+%' | head -12 || true
	echo "-- top $TOP functions (self time)"
	perf report -i "$f" --stdio --no-children --sort dso,symbol 2>/dev/null | grep -E '^ +[0-9.]+%' |
		sed 's/ *- *- *$//' | head -"$TOP" || true
}

# sync_reference TOKEN: the disk's own log sync, a reference for SQLite's POST (bench/sync_floor.c):
# fdatasync after each 192 KB appended in 16 KB writes (the log's 16 KB frames, about 12 per sync:
# 10.6 pages per committed batch and a little more than one batch per sync), back to back for 10 s,
# first alone, then beside an untimed GET run of ciiguard (the CPU as busy as in the benchmark,
# with no writes of ciiguard's), then beside one busy loop per CPU in the idle scheduling class
# (SCHED_IDLE: the loops give way to every other thread of this system at once). Every answer to a
# POST waits for one such sync or more, and all CONNS clients wait while a slow one lasts. If syncs
# are as slow beside the idle-class loops as beside the GET run, what slows them is outside this
# system's scheduler: on a virtual machine, the host, where busy virtual CPUs compete with the
# emulation of the disk.
sync_reference() {
	local sf=("$tmp/sync_floor" "$tmp/sync.bin" 196608 10) alone loaded idle i lp=()
	local load=(wrk -t"$WRK_THREADS" -c"$CONNS" -d12s --timeout "$WRK_TIMEOUT" -H "Authorization: Bearer $1"
		"$cg_base/api/v1/systems/ems-scada")
	echo
	echo "=== sqlite: log sync reference (sync_floor) at $(date -u +%H:%M:%S) UTC, load $(cut -d' ' -f1-3 /proc/loadavg)"
	show sync_floor "${sf[@]:1}"
	alone=$("${sf[@]}")
	echo "alone: $alone"
	show "${load[@]}"
	"${load[@]}" >/dev/null 2>&1 &
	local wp=$!
	sleep 1
	loaded=$("${sf[@]}")
	wait "$wp" || true
	echo "beside the GET run: $loaded"
	echo "\$ chrt -i 0 sh -c 'while :; do :; done' (one per CPU, $(nproc)) beside sync_floor ${sf[*]:1}"
	for i in $(seq "$(nproc)"); do
		chrt -i 0 sh -c 'while :; do :; done' &
		lp+=($!)
	done
	sleep 1
	idle=$("${sf[@]}")
	kill "${lp[@]}"
	wait "${lp[@]}" 2>/dev/null || true
	echo "beside idle-class loops: $idle"
	printf 'sqlite|syncref|%s|%s|%s\n' "$alone" "$loaded" "$idle" >>"$tmp/idle"
}

# measure BACKEND DB: the runs against one ciiguard database.
measure() {
	local backend=$1 db=$2 token inc0 inc1 m0 m1 r
	echo
	echo "################ $backend"
	show ciiguard --db "$db" init --demo
	echo "\$ TOKEN=\$(ciiguard --db ${db@Q} token create --user admin)"
	"$CG" --db "$db" init --demo >/dev/null 2>&1 || { "$CG" --db "$db" init --demo; exit 1; }
	token=$("$CG" --db "$db" token create --user admin)
	export CG_TOKEN=$token
	start_cg "$db"
	sleep 1
	local rss_start
	rss_start=$(kb "$cg_pid" VmRSS)
	# the first requests: the body for nginx, then a few of each kind to warm up (untimed)
	local code
	code=$(curl -s -o "$ng/www/api/v1/systems/ems-scada" -w '%{http_code}' -H "Authorization: Bearer $token" \
		"$cg_base/api/v1/systems/ems-scada")
	[ "$code" = 200 ] || { echo "bench: GET /api/v1/systems/ems-scada answered $code" >&2; exit 1; }
	chmod 644 "$ng/www/api/v1/systems/ems-scada"
	curl -s -o "$tmp/ng-body" "$ng_url"
	cmp -s "$tmp/ng-body" "$ng/www/api/v1/systems/ems-scada" || { echo "bench: nginx does not serve the body" >&2; exit 1; }
	sleep 1
	local rss_idle
	rss_idle=$(kb "$cg_pid" VmRSS)
	echo "body:    $(stat -c %s "$ng/www/api/v1/systems/ems-scada") bytes (GET /api/v1/systems/ems-scada), the same" \
		"bytes from nginx (cmp)"
	# shellcheck disable=SC2046
	echo "memory:  ciiguard VmRSS $(mb "$rss_start") MB after start, $(mb "$rss_idle") MB idle after the first request;" \
		"nginx (master + $THREADS workers) VmRSS $(mb "$(sum_kb VmRSS $(ng_pids))") MB"
	printf '%s|idle|%s|%s\n' "$backend" "$(mb "$rss_start")" "$(mb "$rss_idle")" >>"$tmp/idle"

	inc0=$("$CG" --db "$db" --json incident list | jq length)
	m0=$(metric 'ciiguard_http_requests_total{route="incidents_create",code="2xx"}')
	local codes=
	for ((r = 1; r <= ROUNDS; r++)); do
		wrk_run "$backend" "GET $r" nginx "$ng_url"
		ref_rps=$last_rps
		ref_total_us=$last_total_us
		wrk_run "$backend" "GET $r" ciiguard "$cg_base/api/v1/systems/ems-scada" -H "Authorization: Bearer $token"
		wrk_run "$backend" "POST $r" ciiguard "$cg_base/api/v1/incidents" -s "$tmp/post.lua"
		grep '^status codes' "$tmp/wrk.txt" >/dev/null || echo "(no status codes from the Lua script)"
		codes="$codes${codes:+; }$(sed -n 's/^status codes: //p' "$tmp/wrk.txt")"
	done
	inc1=$("$CG" --db "$db" --json incident list | jq length)
	# /metrics once (it also counts every open deadline, which takes seconds with this many incidents)
	local mtext
	mtext=$(curl -s "$cg_base/metrics")
	mval() { awk -v k="$1" 'index($0, k " ") == 1 { print $2 }' <<<"$mtext"; }
	m1=$(mval 'ciiguard_http_requests_total{route="incidents_create",code="2xx"}')
	# how the writes were committed (docs/internals/api.md: batched writes, group commit)
	local nb nr ns st ck0 ck1 cs0 cs1
	nb=$(mval ciiguard_write_batches_total) nr=$(mval ciiguard_write_batched_requests_total)
	ns=$(mval ciiguard_log_syncs_total) st=$(mval ciiguard_log_sync_seconds_total)
	ck0=$(mval 'ciiguard_checkpoints_total{by="checkpointer"}') ck1=$(mval 'ciiguard_checkpoints_total{by="writer"}')
	cs0=$(mval 'ciiguard_checkpoint_seconds_total{by="checkpointer"}') cs1=$(mval 'ciiguard_checkpoint_seconds_total{by="writer"}')
	echo "writes: $nb batches of $(awk -v b="${nb:-0}" -v r="${nr:-0}" 'BEGIN { printf "%.1f", b ? r / b : 0 }') requests" \
		"on average; $ns log syncs, $(awk -v n="${ns:-0}" -v t="${st:-0}" 'BEGIN { printf "%.2f", n ? t * 1000 / n : 0 }') ms" \
		"each; checkpoints: $ck0 by the checkpointer ($(awk -v n="${ck0:-0}" -v t="${cs0:-0}" 'BEGIN { printf "%.1f", n ? t * 1000 / n : 0 }') ms each)," \
		"$ck1 by the writer ($(awk -v n="${ck1:-0}" -v t="${cs1:-0}" 'BEGIN { printf "%.1f", n ? t * 1000 / n : 0 }') ms each)"
	printf '%s|writes|%s|%s|%s|%s|%s|%s|%s|%s\n' "$backend" "$nb" "$nr" "$ns" "$st" "$ck0" "$cs0" "$ck1" "$cs1" >>"$tmp/idle"
	echo "incidents: $inc0 before, $inc1 after: $((inc1 - inc0)) created (wrk counts the responses it read before" \
		"it stopped; the server finishes the requests still in flight); server /metrics incidents_create 2xx:" \
		"$((${m1:-0} - ${m0:-0})); other classes: $(grep 'route="incidents_create",code="[345]xx"' <<<"$mtext" |
			tr '\n' ' ' | grep . || echo none)"
	show ciiguard --db "$db" audit verify
	if "$CG" --db "$db" audit verify; then verify=ok; else verify="FAILED (exit $?)"; fi
	printf '%s|post|%s|%s|%s\n' "$backend" "$((inc1 - inc0))" "$verify" "$codes" >>"$tmp/idle"

	[ "$backend" = sqlite ] && sync_reference "$token"
	if [ "$PROFILE" = 1 ] && [ "$backend" = sqlite ]; then
		profile get "$cg_base/api/v1/systems/ems-scada" -H "Authorization: Bearer $token"
		profile post -s "$tmp/post.lua" "$cg_base/api/v1/incidents"
	fi
	echo "server stderr (last lines):"
	tail -5 "$tmp/serve.err" | sed 's/^/    /'
	stop_pid "$cg_pid" TERM
	cg_pid=
}

: >"$tmp/idle"
start_nginx
if want sqlite; then
	measure sqlite "$tmp/bench.db"
fi
# pg_reference: PostgreSQL's own client (pgbench) writing the smallest audited write, in the same
# cluster, right after ciiguard's runs: per transaction, a 1 KB row into a table keyed like the
# incidents (with the two indexes they have) and a 1 KB row into an audit table, committed, by
# CONNS clients at once (-j WRK_THREADS, prepared statements, -T DURATION); the latency of every
# transaction is logged (-l) and its percentiles taken here. What ciiguard's POST cannot beat on
# this machine and cluster: ciiguard does this and more (the id, the grade, the hash chain) per
# write, from one connection.
pg_reference() {
	local db=cg_ref d=$pgdir/ref
	pg_psql postgres -c "CREATE DATABASE $db" >/dev/null
	pg_psql "$db" -c "CREATE TABLE inc (id text PRIMARY KEY, status text NOT NULL, discovered_at text NOT NULL,
		doc text NOT NULL, created_at text NOT NULL);
		CREATE INDEX ON inc (status); CREATE INDEX ON inc (discovered_at);
		CREATE TABLE audit (seq bigserial PRIMARY KEY, at text NOT NULL, actor text NOT NULL, action text NOT NULL,
		entity text NOT NULL, key text NOT NULL, hash text NOT NULL, prev text NOT NULL, state text NOT NULL)" >/dev/null
	pg_as mkdir "$d"
	pg_as tee "$d/write.sql" >/dev/null <<-'EOF'
		BEGIN;
		INSERT INTO inc VALUES ('INC-' || :client_id || '-' || random(), 'open', '2026-11-27T02:00:00Z', repeat('x', 1000), now()::text);
		INSERT INTO audit (at, actor, action, entity, key, hash, prev, state)
		  VALUES (now()::text, 'admin', 'create', 'incident', 'INC', md5(random()::text), md5(random()::text), repeat('x', 1000));
		COMMIT;
	EOF
	echo
	echo "=== postgresql: POST reference (pgbench) at $(date -u +%H:%M:%S) UTC, load $(cut -d' ' -f1-3 /proc/loadavg)"
	sed 's/^/    /' "$d/write.sql"
	show pgbench -n -M prepared -c "$CONNS" -j "$WRK_THREADS" -T "$DURATION" -l -f write.sql "$db"
	pg_checkpoint
	local l0 l1 out=$tmp/pgbench.txt tps p50 p99 p999
	l0=$(cut -d' ' -f1 /proc/loadavg)
	(cd "$d" && pg_as "$PG_BIN/pgbench" -h "$pg_sock" -U cg -n -M prepared -c "$CONNS" -j "$WRK_THREADS" \
		-T "$DURATION" -l -f write.sql "$db") >"$out" 2>&1 || { cat "$out" >&2; exit 1; }
	l1=$(cut -d' ' -f1 /proc/loadavg)
	grep -E 'transactions actually processed|failed|latency average|^tps' "$out"
	tps=$(awk '/^tps/ { printf "%.0f", $3 }' "$out")
	# each log line: client, transaction, latency (us), script, epoch, us
	read -r p50 p99 p999 < <(cat "$d"/pgbench_log.* | awk '{ print $3 }' | sort -n |
		awk '{ a[NR] = $1 } END { printf "%.2f %.2f %.2f\n", a[int(NR * .5)] / 1000, a[int(NR * .99)] / 1000, a[int(NR * .999)] / 1000 }')
	echo "latency (from the per-transaction log): p50 $p50 ms, p99 $p99 ms, p99.9 $p999 ms"
	printf '%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s\n' postgresql "POST reference" pgbench "$tps" - "$p50" "$p99" \
		- - - - - - "$l0 -> $l1" >>"$tmp/table"
}

if want postgresql; then
	echo
	pg_start
	measure postgresql "$(pg_createdb cg_http)"
	pg_reference
	pg_stop
fi
load1=$(cut -d' ' -f1-3 /proc/loadavg)

# --- the table --------------------------------------------------------------------------------------
echo
echo "Results: wrk -t$WRK_THREADS -c$CONNS -d${DURATION}s on loopback, $THREADS server threads / nginx workers," \
	"nproc=$(nproc); load average $load0 at the start, $load1 at the end."
echo "Ratio = ciiguard GET requests/s / nginx requests/s of the run just before it (same body," \
	"$(stat -c %s "$ng/www/api/v1/systems/ems-scada") bytes). Server CPU = user + system time of the server" \
	"process(es) per request (PostgreSQL: + its server processes); wrk CPU = the client's. CPU ratio = (server +" \
	"wrk CPU per request of nginx) / (the same of ciiguard): the ratio to expect when the two cores are busy with" \
	"nothing else (an estimate for information; the target is on the measured ratio). Peak RSS = VmHWM during the" \
	"run (nginx: master + workers)."
echo
echo "| backend | run | server | requests/s | ratio to nginx | p50 (ms) | p99 (ms) | non-2xx; socket errors | server CPU (us/request) | wrk CPU (us/request) | CPU ratio | RSS before (MB) | peak RSS (MB) | load (1 min) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
awk -F'|' '{ printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14 }' "$tmp/table"
echo
awk -F'|' '$2 == "idle" { printf "%s: ciiguard RSS %s MB after start, %s MB idle after the first request\n", $1, $3, $4 }
	$2 == "syncref" { printf "%s: log sync reference (sync_floor): alone, %s; beside a GET run, %s; beside idle-class loops, %s\n", $1, $3, $4, $5 }
	$2 == "post" { printf "%s: POST created %s incidents; status codes: %s; audit verify: %s\n", $1, $3, $5, $4 }
	$2 == "writes" { printf "%s: %s batches of %.1f writes on average; %s log syncs (%.2f ms each); checkpoints: %s by the checkpointer (%.1f ms each), %s by the writer (%.1f ms each)\n",
		$1, $3, $3 ? $4 / $3 : 0, $5, $5 ? $6 * 1000 / $5 : 0, $7, $7 ? $8 * 1000 / $7 : 0, $9, $9 ? $10 * 1000 / $9 : 0 }' "$tmp/idle"
echo
echo "Targets (per run):"
awk -F'|' -v conns="$CONNS" '
	function yn(c) { return c ? "met" : "NOT met" }
	$3 == "ciiguard" && $2 ~ /^GET/ { printf "  %s %s: requests/s >= 50%% of nginx: %s (%s); p99 <= 10 ms: %s (%s ms); peak RSS <= 64 MB: %s (%s MB)\n",
		$1, $2, yn($5 >= 0.5), $5, yn($7 <= 10), $7, yn($13 <= 64), $13 }
	$3 == "ciiguard" && $2 ~ /^POST/ { printf "  %s %s: p99 <= 10 ms: %s (%s ms); peak RSS <= 64 MB: %s (%s MB); %s requests/s\n",
		$1, $2, yn($7 <= 10), $7, yn($13 <= 64), $13, $4 }
	$3 == "nginx" { printf "  (%s nginx %s: p99 %s ms, for comparison)\n", $1, $2, $7 }
	$3 == "pgbench" { printf "  (%s pgbench, the smallest audited write: %s transactions/s, p99 %s ms, for comparison)\n", $1, $4, $7 }' "$tmp/table"
awk -F'|' '$2 == "idle" { printf "  %s idle RSS <= 16 MB: %s (%s MB)\n", $1, ($4 <= 16 ? "met" : "NOT met"), $4 }' "$tmp/idle"
