#!/usr/bin/env bash
# Crash test of the server: 8 clients POST incidents to `ciiguard serve` (batched writes; on
# SQLite the group commit, its syncer and checkpointer threads), and the server is killed with
# SIGKILL at a random moment, 6 times, restarted on the same database each time. After each kill:
# every incident the server had answered 201 for is there, the audit trail verifies, and (SQLite)
# the file passes PRAGMA integrity_check. PostgreSQL when CG_TEST_PG is set.
#   tests/crash/serve.sh CIIGUARD_BINARY
set -euo pipefail
bin=$(realpath "${1:?ciiguard binary}")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ciiguard-crash-serve.XXXXXX")
pid=
cleanup() {
	[[ -n $pid ]] && kill -9 "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
export CIIGUARD_ARGON2_T=1 CIIGUARD_ARGON2_M_KIB=8 LANG=C.UTF-8 TZ=UTC CIIGUARD_QUIET_ACCESS=1
unset CIIGUARD_NOW CIIGUARD_NO_BATCH CIIGUARD_NO_GROUP_COMMIT
export CIIGUARD_DB="$tmp/crash.db"
if [[ -n ${CG_TEST_PG:-} ]]; then
	pgdb="cgc_$(date +%s%N)_$$"
	psql "$CG_TEST_PG" -qAt -v ON_ERROR_STOP=1 -c "CREATE DATABASE $pgdb" >/dev/null
	CIIGUARD_DB=${CG_TEST_PG/\/postgres\?//$pgdb?}
fi
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

"$bin" init --demo >/dev/null
token=$("$bin" token create --user admin)
: >"$tmp/acked"

# client N URL: POSTs until the server is gone, 200 requests per curl on one connection; the id
# of every 201 it read whole goes to acked.N
client() {
	local n=$1 url=$2 k=0 code file rc
	mkdir -p "$tmp/c$n"
	while :; do
		k=$((k + 1))
		curl -s --max-time 20 -w '%{http_code} %{filename_effective}\n' -o "$tmp/c$n/$k.#1" \
			-H "Authorization: Bearer $token" -H 'Content-Type: application/json' --data-binary \
			"{\"title\": \"crash $n-$k\", \"type\": \"intrusion\", \"discovered_at\": \"2026-11-27T10:00:00+08:00\", \"systems\": [\"ems-scada\"]}" \
			"$url/api/v1/incidents?n=[1-200]" >"$tmp/c$n/codes" 2>/dev/null && rc=0 || rc=$?
		local answered=()
		while read -r code file; do
			if [[ $code == 201 ]]; then
				answered+=("$file")
			elif [[ $code != 000 ]]; then
				echo "client $n: $code" >>"$tmp/odd"
			fi
		done <"$tmp/c$n/codes"
		if ((${#answered[@]})); then
			jq -er .id "${answered[@]}" >>"$tmp/acked.$n" || echo "client $n: a 201 without an id" >>"$tmp/odd"
		fi
		rm -f "$tmp/c$n"/*
		((rc == 0)) || return 0
	done
}

for round in 1 2 3 4 5 6; do
	"$bin" serve --listen 127.0.0.1:0 --threads 2 >"$tmp/serve.out" 2>"$tmp/serve.err" &
	pid=$!
	base=
	for _ in $(seq 100); do
		base=$(sed -n 's|.*listening on \(http://127\.0\.0\.1:[0-9]*\).*|\1|p' "$tmp/serve.out")
		[[ -n $base ]] && break
		sleep 0.1
	done
	[[ -n $base ]] || { cat "$tmp/serve.err" >&2; fail "round $round: the server did not start"; break; }
	clients=()
	for n in $(seq 8); do
		client "$round.$n" "$base" &
		clients+=($!)
	done
	# a random moment up to 1.5 s after the server has run 300 writes of this round (however fast
	# this machine, or a sanitizer build, is)
	for _ in $(seq 600); do
		done_=$(curl -s "$base/metrics" | awk '$1 == "ciiguard_write_batched_requests_total" { print $2 }')
		((${done_:-0} >= 300)) && break
		sleep 0.05
	done
	sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.2f", (r % 151) / 100 }')"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	pid=
	wait "${clients[@]}" 2>/dev/null || true
	cat "$tmp"/acked.* >>"$tmp/acked" 2>/dev/null || true
	rm -f "$tmp"/acked.*
	# every answered write survived, and nothing is broken
	"$bin" --json incident list | jq -r '.[].id' | sort >"$tmp/stored"
	sort -u "$tmp/acked" >"$tmp/acked.sorted"
	lost=$(comm -23 "$tmp/acked.sorted" "$tmp/stored" | wc -l)
	[[ $lost -eq 0 ]] || fail "round $round: $lost answered incidents missing after the kill"
	"$bin" audit verify >/dev/null || fail "round $round: audit verify after the kill"
	if [[ -z ${CG_TEST_PG:-} ]]; then
		[[ $(sqlite3 "$CIIGUARD_DB" 'PRAGMA integrity_check') == ok ]] || fail "round $round: integrity_check"
	fi
	echo "round $round: $(wc -l <"$tmp/acked.sorted") incidents answered so far, $(wc -l <"$tmp/stored") stored"
done
acked=$(sort -u "$tmp/acked" | wc -l)
[[ $acked -ge 1500 ]] || fail "only $acked writes were answered: the kills came too early to test anything"
[[ ! -s $tmp/odd ]] || { fail "unexpected answers:"; head "$tmp/odd" >&2; }
if ((fails)); then
	echo "crash/serve: $fails failures" >&2
	exit 1
fi
echo "crash/serve: 6 kills, $acked answered incidents all stored, audit verify and integrity_check passed"
