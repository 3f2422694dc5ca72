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
if [ "${KEEP:-0}" = 1 ]; then
	echo "bench: keeping $tmp" >&2
else
	trap 'rm -rf "$tmp"' EXIT
fi

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
