#!/usr/bin/env bash
# The HTTP API through real HTTP against a real `ciiguard serve` on loopback (SQLite, or
# PostgreSQL when CG_TEST_PG is set): authentication, the role x endpoint matrix (a denial is 403
# and is counted in /metrics), ETag / If-Match, problem+json naming the field, pagination and
# sorting, audit of every write with the acting user, then at least 1,000 malformed or hostile
# requests, after which the server still answers correctly and the audit trail verifies.
#   tests/http/api.sh CIIGUARD_BINARY
set -euo pipefail
bin=$(realpath "${1:?ciiguard binary}")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ciiguard-http.XXXXXX")
pid=
cleanup() {
	[[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
export CIIGUARD_ARGON2_T=1 CIIGUARD_ARGON2_M_KIB=8 LANG=C.UTF-8 TZ=UTC CIIGUARD_QUIET_ACCESS=1
unset CIIGUARD_NOW
export CIIGUARD_DB="$tmp/api.db"
if [[ -n ${CG_TEST_PG:-} ]]; then
	pgdb="cgh_$(date +%s%N)_$$"
	psql "$CG_TEST_PG" -qAt -v ON_ERROR_STOP=1 -c "CREATE DATABASE $pgdb" >/dev/null
	CIIGUARD_DB=${CG_TEST_PG/\/postgres\?//$pgdb?}
fi
cg() { "$bin" "$@"; }
# Every response the test receives is kept under $tmp/responses and validated against
# docs/openapi.json at the end (web/validate-responses.mjs): this wrapper takes curl's own
# arguments, always captures the status line, headers and body, and hands the caller what it
# asked for (-o FILE, -D FILE or -D -, or the body on stdout).
src=$(cd "$(dirname "$0")/../.." && pwd)
mkdir "$tmp/responses"
curl() {
	local a=() out= hdr= url= method= data=0
	while (($#)); do
		case $1 in
		-o) out=$2; shift 2 ;;
		-D) hdr=$2; shift 2 ;;
		-X) method=$2; a+=("$1" "$2"); shift 2 ;;
		--data-binary) data=1; a+=("$1" "$2"); shift 2 ;;
		-H | -w | -c | -b | --max-time) a+=("$1" "$2"); shift 2 ;;
		http://*) url=$1; shift ;;
		*) a+=("$1"); shift ;;
		esac
	done
	[[ -n $method ]] || { ((data)) && method=POST || method=GET; }
	local f="$tmp/responses/${EPOCHREALTIME/./}_$BASHPID" rc=0
	printf '%s %s\n' "$method" "$url" >"$f.req"
	command curl "${a[@]}" -o "$f.body" -D "$f.head" "$url" || rc=$?
	[[ -f $f.body ]] || : >"$f.body"
	if [[ $hdr == - ]]; then cat "$f.head"; elif [[ -n $hdr ]]; then cp "$f.head" "$hdr"; fi
	if [[ -z $out ]]; then cat "$f.body"; elif [[ $out != /dev/null ]]; then cp "$f.body" "$out"; fi
	return $rc
}
fails=0
checks=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
ok() { checks=$((checks + 1)); }

# --- a database, one user and token per role ---
cg init --demo --json >"$tmp/init.json"
jq -e '.first_admin.name == "admin" and (.first_admin.password | length) == 20' "$tmp/init.json" >/dev/null || fail "init: first admin"
roles=(admin security_officer principal project_owner procurement auditor)
declare -A tok
for r in "${roles[@]}"; do
	[[ $r == admin ]] || echo "password of $r here" | cg user add "u_$r" --role "$r" --password-stdin >/dev/null
	u=$([[ $r == admin ]] && echo admin || echo "u_$r")
	tok[$r]=$(cg token create --user "$u")
done
tok[readonly]=$(cg token create --user admin --scope read)
tok[expired]=$(cg token create --user admin --expires 1s)
revoked=$(cg token create --user admin)
cg token revoke "$(cg --json token list --user admin | jq -r '.[-1].id')" >/dev/null
# the project owner owns one system
cg system update ems-scada --owner u_project_owner >/dev/null

# --- the server, on a port of its choosing ---
"$bin" serve --listen 127.0.0.1:0 --threads 2 --body-timeout 2 >"$tmp/serve.out" 2>"$tmp/serve.err" &
pid=$!
for _ in $(seq 100); do
	grep -q "listening on" "$tmp/serve.out" 2>/dev/null && break
	sleep 0.05
done
port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/serve.out")
[[ -n $port ]] || { cat "$tmp/serve.err" >&2; echo "FAIL: the server did not start" >&2; exit 1; }
base="http://127.0.0.1:$port"
sleep 1 # let the expiring token expire

# req ROLE METHOD PATH [BODY] [EXTRA CURL ARGS...]: prints "STATUS" and keeps the body in $tmp/body
# (a body is sent as $req_ct, application/json when unset)
req() {
	local role=$1 method=$2 path=$3 body=${4:-}
	shift 4 || shift $#
	local args=(-s -o "$tmp/body" -w '%{http_code}' -X "$method" --max-time 20)
	[[ $role != none ]] && args+=(-H "Authorization: Bearer ${tok[$role]}")
	[[ -n $body ]] && args+=(-H "Content-Type: ${req_ct:-application/json}" --data-binary "$body")
	curl "${args[@]}" "$@" "$base$path"
}
expect() { # expect WANT GOT WHAT
	if [[ $2 == "$1" ]]; then ok; else fail "$3: expected $1, got $2 ($(head -c 300 "$tmp/body"))"; fi
}

# --- the OpenAPI description: served, and listing every route the server answers ---
expect 200 "$(curl -s -o "$tmp/openapi.json" -w '%{http_code}' "$base/api/v1/openapi.json")" openapi
jq -e '.openapi == "3.1.0"' "$tmp/openapi.json" >/dev/null && ok || fail "openapi version"
cmp -s "$tmp/openapi.json" "$(dirname "$0")/../../docs/openapi.json" && ok || fail "served openapi.json differs from docs/openapi.json"
for p in /healthz /metrics /api/v1/me /api/v1/status /api/v1/gaps /api/v1/exposure /api/v1/due /api/v1/obligations \
	/api/v1/registers /api/v1/systems '/api/v1/systems/{id}' '/api/v1/systems/{id}/screening' /api/v1/incidents \
	'/api/v1/incidents/{id}' /api/v1/grade '/api/v1/registers/{kind}' '/api/v1/registers/{kind}/{id}' \
	'/api/v1/registers/{kind}/{id}/approve' /api/v1/audit/verify /api/v1/audit/log /api/v1/session \
	/api/v1/users '/api/v1/users/{name}' /api/v1/tokens '/api/v1/tokens/{id}' '/api/v1/incidents/{id}/grade' \
	'/api/v1/incidents/{id}/report' '/api/v1/incidents/{id}/close' '/api/v1/incidents/{id}/actions' \
	'/api/v1/incidents/{id}/submissions' '/api/v1/obligations/{scope}/{urn}' /api/v1/evidence '/api/v1/evidence/{sha256}' \
	/api/v1/catalogs '/api/v1/catalogs/{key}' '/api/v1/catalogs/{key}/items/{item}' /api/v1/screening \
	'/api/v1/systems/{id}/screening/history' /api/v1/operator /api/v1/kinds / '/console/{name}' /api/v1/imports/systems \
	'/api/v1/imports/{kind}' '/api/v1/exports/{kind}' /api/v1/summary /api/v1/audit/head; do
	jq -e --arg p "$p" '.paths | has($p)' "$tmp/openapi.json" >/dev/null && ok || fail "openapi lacks $p"
done

J0='Content-Type: application/json'
# --- authentication ---
expect 200 "$(curl -s -o "$tmp/body" -w '%{http_code}' "$base/healthz")" healthz
expect 401 "$(req none GET /api/v1/status)" "no token"
jq -e '.status == 401 and .field == "Authorization" and .title == "Unauthorized"' "$tmp/body" >/dev/null && ok || fail "401 problem"
expect 401 "$(req expired GET /api/v1/status)" "expired token"
expect 401 "$(curl -s -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer $revoked" "$base/api/v1/status")" "revoked token"
expect 401 "$(curl -s -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer ${tok[admin]}x" "$base/api/v1/status")" "altered token"
expect 200 "$(req auditor GET /api/v1/me)" me
jq -e '.user == "u_auditor" and .role == "auditor"' "$tmp/body" >/dev/null && ok || fail "me"
grep -q '^content-type: application/problem+json' <(curl -s -D - -o /dev/null "$base/api/v1/status" | tr 'A-Z' 'a-z') && ok || fail "problem content type"

# --- the user's own language (PUT /me), and the register fields (GET /kinds) ---
expect 200 "$(req auditor PUT /api/v1/me '{"lang": "zh"}')" "an auditor sets its own language"
jq -e '.lang == "zh" and .user == "u_auditor"' "$tmp/body" >/dev/null && ok || fail "PUT /me answers the new language"
[[ $(cg --json user list | jq -r '.[] | select(.name == "u_auditor") | .lang') == zh ]] && ok || fail "the language is stored"
cg --json audit log --entity user:u_auditor | jq -e '.[-1].actor == "api:u_auditor"' >/dev/null && ok || fail "the change of language is audited"
expect 422 "$(req auditor PUT /api/v1/me '{"lang": "fr"}')" "an unknown language"
jq -e '.field == "lang"' "$tmp/body" >/dev/null && ok || fail "422 names lang"
# Accept-Language decides only when it names zh or en: else the user's own setting (zh here)
for al in 'fr' '*' 'fr-FR, de;q=0.5' 'en;q=0'; do
	req auditor GET /api/v1/systems/nope '' -H "Accept-Language: $al" >/dev/null
	jq -e '.detail | test("\\p{Han}")' "$tmp/body" >/dev/null && ok || fail "Accept-Language: $al keeps the user's zh: $(jq -c . "$tmp/body")"
done
req auditor GET /api/v1/systems/nope '' -H 'Accept-Language: en-GB' >/dev/null
jq -e '.detail == "system '"'"'nope'"'"' does not exist" and .title == "Not Found"' "$tmp/body" >/dev/null && ok || fail "Accept-Language: en-GB over the user's zh"
expect 422 "$(req auditor PUT /api/v1/me '{"lang": "en", "role": "admin"}')" "PUT /me changes nothing but the language"
expect 403 "$(req readonly PUT /api/v1/me '{"lang": "en"}')" "a read-only token cannot set the language"
expect 200 "$(req auditor PUT /api/v1/me '{"lang": "en"}')" "back to English"
expect 200 "$(req procurement GET /api/v1/kinds)" "register kinds"
jq -e '(.kinds | length) == 14 and (.kinds[] | select(.kind == "person") | .fields[] | select(.name == "background_check_result") | .personal)
	and (.kinds[] | select(.kind == "vendor") | .fields[] | select(.name == "kind") | .values | index("cloud"))' "$tmp/body" >/dev/null && ok || fail "kinds: fields, personal, enum values"

# --- /due lists every open deadline, as `ciiguard due` does (not only the overdue ones) ---
expect 201 "$(req security_officer POST /api/v1/incidents "{\"title\": \"Due check\", \"type\": \"outage\", \"discovered_at\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\", \"systems\": [\"ems-scada\"], \"cii_whole_outage_minutes\": 600}")" "an incident with reports due"
expect 200 "$(req auditor GET /api/v1/due)" "due"
cli_due=$(cg --json due | jq '.deadlines | length')
jq -e --argjson n "$cli_due" '(.deadlines | length) == $n and $n >= 2 and .open == $n' "$tmp/body" >/dev/null && ok || fail "/due lists what ciiguard due lists ($cli_due): $(head -c 300 "$tmp/body")"
expect 200 "$(req auditor GET '/api/v1/due?within=1m')" "due within a minute"
jq -e --argjson n "$cli_due" '(.deadlines | length) < $n' "$tmp/body" >/dev/null && ok || fail "?within keeps fewer"
expect 422 "$(req auditor GET '/api/v1/due?within=soon')" "a bad duration"
# the main array of /due, /gaps and /obligations: whole without limit or offset, else the page
# asked for; `total` counts it all; the rest of the document unchanged
req auditor GET /api/v1/due >/dev/null
cp "$tmp/body" "$tmp/due.all"
jq -e '.total == (.deadlines | length) and .offset == 0 and (has("limit") | not)' "$tmp/due.all" >/dev/null && ok || fail "/due: total without paging"
expect 200 "$(req auditor GET '/api/v1/due?limit=1&offset=1')" "a page of /due"
jq -e --slurpfile a "$tmp/due.all" '.deadlines == $a[0].deadlines[1:2] and .total == $a[0].total and .open == $a[0].open and
	.overdue == $a[0].overdue and .limit == 1 and .offset == 1' "$tmp/body" >/dev/null && ok || fail "/due?limit=1&offset=1: $(head -c 300 "$tmp/body")"
req auditor GET /api/v1/gaps >/dev/null
cp "$tmp/body" "$tmp/gaps.all"
jq -e '.total == (.gaps | length) and .total >= 3 and .overdue == ([.gaps[] | select(.overdue)] | length) and .offset == 0 and (has("limit") | not)' \
	"$tmp/gaps.all" >/dev/null && ok || fail "/gaps without limit: total and overdue: $(jq -c '{total, overdue, n: (.gaps | length)}' "$tmp/gaps.all")"
expect 200 "$(req auditor GET '/api/v1/gaps?limit=2&offset=1')" "a page of /gaps (one pass)"
jq -e --slurpfile a "$tmp/gaps.all" '[.gaps[] | [.scope, .urn]] == [$a[0].gaps[1:3][] | [.scope, .urn]] and .total == $a[0].total and
	.overdue == $a[0].overdue and .limit == 2 and .offset == 1' "$tmp/body" >/dev/null && ok || fail "/gaps?limit=2&offset=1: $(jq -c '[.gaps[].urn], .total' "$tmp/body")"
expect 200 "$(req auditor GET '/api/v1/gaps?offset=2')" "/gaps from an offset"
jq -e --slurpfile a "$tmp/gaps.all" '[.gaps[] | [.scope, .urn]] == [$a[0].gaps[2:][] | [.scope, .urn]] and .total == $a[0].total' "$tmp/body" >/dev/null &&
	ok || fail "/gaps?offset=2: $(jq -c '[.gaps[].urn], .total' "$tmp/body")"
expect 400 "$(req auditor GET '/api/v1/gaps?limit=2&offset=x')" "/gaps: a bad offset"
jq -e '.field == "offset"' "$tmp/body" >/dev/null && ok || fail "400 names offset"
req auditor GET '/api/v1/obligations?scope=organisation' >/dev/null
cp "$tmp/body" "$tmp/obl.all"
expect 200 "$(req auditor GET '/api/v1/obligations?scope=organisation&limit=2&offset=1')" "a page of /obligations"
jq -e --slurpfile a "$tmp/obl.all" '.obligations == $a[0].obligations[1:3] and .systems == $a[0].systems and .total == ($a[0].obligations | length) and
	.total == $a[0].total and .total >= 3' "$tmp/body" >/dev/null && ok || fail "/obligations?limit=2&offset=1: $(head -c 300 "$tmp/body")"
expect 400 "$(req auditor GET '/api/v1/obligations?limit=100001')" "/obligations: limit over 100000"
jq -e '.field == "limit"' "$tmp/body" >/dev/null && ok || fail "400 names limit"
cli_over=$({ cg --json due || true; } | jq '.overdue')
m=$(curl -s "$base/metrics")
grep -q "^ciiguard_deadlines{state=\"open\"} $cli_due\$" <<<"$m" && ok || fail "/metrics counts the open deadlines ($cli_due)"
grep -q "^ciiguard_deadlines{state=\"overdue\"} $cli_over\$" <<<"$m" && ok || fail "/metrics counts the overdue deadlines ($cli_over)"

# --- citations (source, basis) in the request's language: 《关键信息基础设施安全保护条例》第17条 ---
# cites LANG PATH SELECTOR PREFIX: the citations SELECTOR picks are all in LANG (no "Art." in
# Chinese, no Chinese in English), and one of them starts with PREFIX
cites() {
	local sel="[$3 | strings]"
	req security_officer GET "$2" '' -H "Accept-Language: $1" >/dev/null
	jq -e --arg want "$4" --arg lang "$1" "$sel"' as $c | ($c | length > 0) and ($c | any(startswith($want))) and
		($c | all(if $lang == "en" then test("\\p{Han}") | not else test("Art\\.|, ") | not end))' "$tmp/body" >/dev/null &&
		ok || fail "citations of $2 in $1: $(jq -c "$sel" "$tmp/body" | head -c 400)"
}
due_inc=$(cg --json incident list | jq -r '[.[] | select(.title == "Due check")][0].id')
for lang in zh-CN en; do
	o745=$([[ $lang == en ]] && echo 'Order 745 Art. ' || echo '《关键信息基础设施安全保护条例》第')
	irm=$([[ $lang == en ]] && echo 'Incident Reporting Measures 2025' || echo '《网络安全事件报告管理办法》')
	cites $lang '/api/v1/gaps?limit=1000' '.gaps[].source' "$o745"
	cites $lang /api/v1/obligations '.obligations[].source' "$o745"
	cites $lang /api/v1/registers '.findings[].source' "$o745"
	cites $lang /api/v1/exposure '.gaps[] | .source, .penalty.source?' "$o745"
	cites $lang /api/v1/systems/ems-scada/screening '.reasons[].source' "$o745"
	cites $lang /api/v1/due '.deadlines[].basis' "$irm"
	cites $lang /api/v1/status '.incidents.next_reports[].basis' "$irm"
	cites $lang "/api/v1/incidents/$due_inc/grade" '.criteria[].source, .reports[].source' "$irm"
done
req security_officer POST /api/v1/grade '{"discovered_at": "2026-11-24T01:30:00Z", "involves_cii": true, "pi_subjects_leaked": 1000000}' \
	-H 'Accept-Language: zh-CN' >/dev/null
jq -e '[.criteria[].source, .reports[].source] | length > 0 and all(startswith("《网络安全事件报告管理办法》"))' "$tmp/body" >/dev/null &&
	ok || fail "grade citations in Chinese: $(head -c 300 "$tmp/body")"
req security_officer GET "/api/v1/incidents/$due_inc/report?kind=initial&format=md" '' -H 'Accept-Language: zh-CN' >/dev/null
grep -q '《网络安全事件报告管理办法》' "$tmp/body" && ! grep -q 'Incident Reporting Measures' "$tmp/body" && ok ||
	fail "Chinese incident report cites in English"

# --- a system read twice, then changed by another process (the command line): the server shows
# the change (on PostgreSQL it caches what it read and drops it when the database notifies) ---
expect 200 "$(req auditor GET /api/v1/systems/office-copilot)" "a system"
expect 200 "$(req auditor GET /api/v1/systems/office-copilot)" "the same system again"
cg system update office-copilot --name "Office copilot, renamed elsewhere" >/dev/null
seen=0
for _ in $(seq 40); do
	req auditor GET /api/v1/systems/office-copilot >/dev/null
	jq -e '.name == "Office copilot, renamed elsewhere"' "$tmp/body" >/dev/null && { seen=1; break; }
	sleep 0.05
done
((seen)) && ok || fail "a change by another process is shown within 2 s"
expect 200 "$(req admin PUT /api/v1/systems/office-copilot "$(jq -c '.name = "Office copilot" | del(.created_at, .updated_at)' "$tmp/body")" -H "If-Match: *")" "renamed back over HTTP"
req auditor GET /api/v1/systems/office-copilot >/dev/null
jq -e '.name == "Office copilot"' "$tmp/body" >/dev/null && ok || fail "a change through this server is shown at once"

# --- the web console: its page with a strict policy, its files, nothing else ---
code=$(curl -s -o "$tmp/page" -D "$tmp/h" -w '%{http_code}' "$base/")
expect 200 "$code" "the console's page"
grep -qi "^content-security-policy: default-src 'none'; script-src 'self';" "$tmp/h" && ok || fail "the page's CSP"
grep -qi '^x-frame-options: DENY' "$tmp/h" && ok || fail "the page is not framed"
grep -q '/console/app.js' "$tmp/page" && ok || fail "the page loads app.js"
tag=$(sed -n 's/^[Ee][Tt]ag: \(.*\)\r$/\1/p' "$tmp/h")
expect 304 "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $tag" "$base/")" "an unchanged page is not sent again"
expect 200 "$(curl -s -o "$tmp/echarts" -w '%{http_code}' "$base/console/echarts.min.js")" "ECharts is served by ciiguard"
cmp -s "$tmp/echarts" "$src/web/node_modules/echarts/dist/echarts.min.js" && ok || fail "the served ECharts is the npm file"
expect 404 "$(curl -s -o /dev/null -w '%{http_code}' "$base/console/nope.js")" "an unknown console file"
expect 404 "$(curl -s -o /dev/null -w '%{http_code}' "$base/console/index.html")" "the page only at /"
expect 404 "$(curl -s -o /dev/null -w '%{http_code}' "$base/console/..%2Fapi%2Fv1%2Fstatus")" "no traversal out of /console"
expect 405 "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/")" "POST / is not allowed"
# a 405 says which methods the path has (RFC 9110 15.5.6); HEAD is GET without the body
curl -s -o /dev/null -D "$tmp/h" -X POST "$base/"
grep -qi '^allow: GET, HEAD' "$tmp/h" && ok || fail "Allow of /"
curl -s -o /dev/null -D "$tmp/h" -H "Authorization: Bearer ${tok[admin]}" -X PATCH "$base/api/v1/systems/ems-scada"
grep -qi '^allow: GET, HEAD, PUT, DELETE' "$tmp/h" && ok || fail "Allow of a system: $(grep -i '^allow' "$tmp/h")"
curl -s -o /dev/null -D "$tmp/h" -X POST "$base/healthz"
grep -qi '^allow: GET, HEAD' "$tmp/h" && ok || fail "Allow of /healthz"
code=$(command curl -s -I -o "$tmp/h" -w '%{http_code}' -H "Authorization: Bearer ${tok[readonly]}" "$base/api/v1/systems/ems-scada")
[[ $code == 200 ]] && grep -qi '^etag: ' "$tmp/h" && ok || fail "HEAD of a system (a read-only token): $code"

# --- the role x endpoint matrix: every route of the server (cli/cmd_serve.c, routes[]) for every
# role, 2xx where docs/internals/api.md's "Roles" table allows it and else 403: a problem+json
# (code "denied"), a "denied" line in the server's log and one more in /metrics ---
vendor='{"name": "Acme", "kind": "cloud"}'
incident='{"title": "Probe", "type": "intrusion", "discovered_at": "2026-11-27T10:00:00+08:00"}'
sys_new='{"id": "NEWID", "name": "n", "sector": "energy", "supports_core_business": false, "harm_if_compromised": "minor", "status": "planned", "owner": "OWNER"}'
# Who may: the columns of the table. Every target a write names is about ems-scada or owned by
# u_project_owner, so that a project owner is refused only for its role, never for the target
# (refusals for another's target are checked after the matrix).
declare -A may=([all]=admin,security_officer,principal,project_owner,procurement,auditor
	[audit]=admin,security_officer,principal,auditor [systems]=admin,security_officer,project_owner
	[body]=admin,security_officer [approve]=admin,principal [admin]=admin)
kinds=(vendor agreement procurement person decision assessment plan drill change pentest vulnerability filing pi-audit inspection)
# the bodies a row names (@N: a number of its own), one per register kind too
declare -A mb=(
	[SYS]='{"id": "m@N", "name": "n", "sector": "energy", "supports_core_business": false, "harm_if_compromised": "minor", "status": "planned", "owner": "u_project_owner"}'
	[SYSPUT]='{"name": "changed by the matrix", "sector": "energy", "supports_core_business": false, "harm_if_compromised": "minor", "status": "planned", "owner": "u_project_owner"}'
	[INC]=${incident/\}/, \"systems\": [\"ems-scada\"]\}} [INCPUT]='{"description": "changed by the matrix"}'
	[ACT]='{"text": "looked at it"}' [SUB]='{"kind": "initial", "recipient": "protection_work_department", "channel": "portal"}'
	[GRADE]='{"discovered_at": "2026-11-27T10:00:00+08:00", "pi_subjects_leaked": 5}'
	[SCR]='{"sector": "energy", "supports_core_business": true, "harm_if_compromised": "serious"}'
	[LANG]='{"lang": "en"}' [OBL]='{"status": "in_progress"}' [DIS]='{"disabled": false}'
	[USR]='{"name": "m_user@N", "role": "auditor", "password": "a long enough password"}'
	[EVI]='evidence file @N' [LIB]="@$tmp/matrix.yaml"
	[SYSIMP]='[{"id": "mi@N", "name": "n", "sector": "energy", "supports_core_business": false, "harm_if_compromised": "minor", "status": "planned", "owner": "u_project_owner"}]'
	[vendor]='{"name": "Acme", "kind": "cloud", "systems": ["ems-scada"]}'
	[procurement]='{"title": "GPU", "amount_cny": 1000, "category": "other", "systems": ["ems-scada"]}'
	[person]='{"name": "P@N", "role": "staff", "background_check_result": "clean record @N"}'
	[decision]='{"title": "Pick", "kind": "architecture", "decided_on": "2026-11-01", "systems": ["ems-scada"]}'
	[assessment]='{"kind": "self", "systems": ["ems-scada"], "performed_on": "2026-06-30"}'
	[plan]='{"title": "Plan", "systems": ["ems-scada"]}'
	[change]='{"kind": "material_change", "systems": ["ems-scada"], "occurred_on": "2026-10-01"}'
	[pentest]='{"systems": ["ems-scada"], "status": "scheduled", "authorised_by": "CISO", "scope": "web", "window_start": "2026-10-01", "window_end": "2026-10-02"}'
	[vulnerability]='{"title": "CVE", "systems": ["ems-scada"], "found_on": "2026-10-01"}'
	[filing]='{"kind": "algorithm_filing", "systems": ["ems-scada"]}'
	[pi-audit]='{"systems": ["ems-scada"], "performed_on": "2026-09-01"}'
	[inspection]='{"authority": "NEA", "inspected_on": "2026-09-01", "systems": ["ems-scada"]}'
)
# matrix ROW...: each row for each role
matrix() {
	local e method path body who allowed r p b stale extra got
	for e in "$@"; do
		read -r method path body who <<<"$e"
		allowed=${may[$who]:-$who}
		for r in "${roles[@]}"; do
			n=$((n + 1))
			p=$path
			if [[ $path =~ @(SYS|INC|REC|TOK) ]]; then
				fresh "${BASH_REMATCH[0]}" "$r"
				p=${path/${BASH_REMATCH[0]}/$fid}
			fi
			b= req_ct= stale= extra=()
			case $body in
			-) ;;
			STALE) stale=1 ;;
			LOGIN) b="{\"user\": \"$([[ $r == admin ]] && echo admin || echo "u_$r")\", \"password\": \"${pw[$r]}\"}" ;;
			EVI) b=${mb[EVI]//@N/$n}; req_ct=application/octet-stream ;;
			LIB) b=${mb[LIB]}; req_ct=application/yaml ;;
			*) b=${mb[$body]-$body}; b=${b//@N/$n} ;;
			esac
			if [[ -n $stale ]]; then extra+=(-H 'If-Match: "0"'); elif [[ $method != GET ]]; then extra+=(-H 'If-Match: *'); fi
			got=$(req "$r" "$method" "$p" "$b" -D "$tmp/mh" "${extra[@]}")
			pairs=$((pairs + 1))
			if [[ ",$allowed," == *",$r,"* ]]; then
				if [[ -n $stale ]]; then
					expect 412 "$got" "$r $method $p (a stale If-Match)"
				else
					[[ $got =~ ^2 ]] && ok || fail "$r $method $p: expected 2xx, got $got ($(head -c 200 "$tmp/body"))"
				fi
				continue
			fi
			denials=$((denials + 1))
			expect 403 "$got" "$r $method $p"
			grep -qi '^content-type: application/problem+json' "$tmp/mh" && jq -e '.status == 403 and .code == "denied" and (.detail | length) > 0' "$tmp/body" >/dev/null &&
				ok || fail "$r $method $p: the denial is not a problem+json with status 403: $(head -c 200 "$tmp/body")"
			[[ $(grep '"event":"denied"' "$tmp/serve.err" | tail -1) == *"\"role\":\"$r\",\"method\":\"$method\",\"path\":\"${p%%\?*}\""* ]] &&
				ok || fail "$r $method $p: the denial is not in the server's log: $(grep '"event":"denied"' "$tmp/serve.err" | tail -1)"
		done
	done
}
n=0
pairs=0
denials=0
rows=0
denied0=$(curl -s "$base/metrics" | awk '$1 == "ciiguard_http_denied_total" {print $2}')
# the overview first, before the registers hold records (they are read again at the end, with
# deadlines of every kind)
early=(
	"GET /api/v1/me - all"
	"PUT /api/v1/me LANG all"
	"GET /api/v1/kinds - all"
	"GET /api/v1/status - all"
	"GET /api/v1/gaps?limit=3 - all"
	"GET /api/v1/exposure - all"
	"GET /api/v1/due - all"
	"GET /api/v1/obligations?scope=organisation - all"
	"GET /api/v1/registers - all"
)
matrix "${early[@]}"
rows=${#early[@]}
sed 's/imported/matrix/g; s/IMPORTED/MATRIX/' "$src/tests/data/catalog/imported.yaml" >"$tmp/matrix.yaml"
# the targets reads and repeatable writes share: a system, an incident, a record of each kind
# (made before the principal below: the checks after the matrix read the first person, which
# must have a background check, and the first decision, which must have no approval), a user, a
# file of evidence, the principal who approves
declare -A mrec
for k in "${kinds[@]}"; do
	case $k in
	agreement) mb[$k]="{\"vendor\": \"${mrec[vendor]}\", \"signed_on\": \"2026-01-01\"}" ;;
	drill) mb[$k]="{\"plan\": \"${mrec[plan]}\", \"kind\": \"tabletop\", \"performed_on\": \"2026-09-01\"}" ;;
	esac
	expect 201 "$(req admin POST "/api/v1/registers/$k" "${mb[$k]//@N/0}")" "matrix target: a $k"
	mrec[$k]=$(jq -r .id "$tmp/body")
done
expect 201 "$(req admin POST /api/v1/systems "${mb[SYS]//m@N/m-shared}")" "matrix target: a system"
expect 201 "$(req admin POST /api/v1/incidents "${mb[INC]}")" "matrix target: an incident"
minc=$(jq -r .id "$tmp/body")
expect 201 "$(req admin POST /api/v1/users '{"name": "m_target", "role": "auditor", "password": "a long enough password"}')" "matrix target: a user"
expect 201 "$(req_ct=application/octet-stream req admin POST '/api/v1/evidence?scope=ems-scada&urn=order-745:art-17' 'evidence file 0')" "matrix target: evidence"
msha=$(jq -r .sha256 "$tmp/body")
pid_principal=$(cg --json person add --name "Principal P" --role principal | jq -r '.id')
mb[APPROVE]="{\"by\": \"$pid_principal\"}"
declare -A pw=([admin]=$(jq -r .first_admin.password "$tmp/init.json"))
for r in "${roles[@]:1}"; do pw[$r]="password of $r here"; done

# METHOD PATH BODY WHO: BODY a name in mb, a literal without spaces, or - for none; WHO a name in
# may or a list of roles. In a path, @SYS, @INC, @REC (of the path's kind) and @TOK (of the role's
# own user) stand for a target made afresh for each role, for writes that consume it. STALE: no
# body and a stale If-Match, so that a role allowed gets 412 (it passed the role check, nothing
# changes).
declare -a endpoints=(
	"GET /api/v1/systems - all"
	"POST /api/v1/systems SYS systems"
	"GET /api/v1/systems/ems-scada - all"
	"PUT /api/v1/systems/m-shared SYSPUT systems"
	"DELETE /api/v1/systems/@SYS - systems"
	"GET /api/v1/systems/ems-scada/screening - all"
	"POST /api/v1/systems/m-shared/screening - systems"
	"GET /api/v1/systems/ems-scada/screening/history - all"
	"POST /api/v1/screening SCR all"
	"GET /api/v1/incidents - all"
	"POST /api/v1/incidents INC systems"
	"GET /api/v1/incidents/$minc - all"
	"PUT /api/v1/incidents/$minc INCPUT systems"
	"GET /api/v1/incidents/$minc/grade - all"
	"GET /api/v1/incidents/$minc/report?kind=initial&format=json - all"
	"POST /api/v1/incidents/$minc/actions ACT systems"
	"POST /api/v1/incidents/$minc/submissions SUB systems"
	"POST /api/v1/incidents/@INC/close {} systems"
	"POST /api/v1/grade GRADE all"
	"GET /api/v1/audit/verify - audit"
	"GET /api/v1/audit/log?limit=2 - audit"
	"GET /api/v1/audit/head - audit"
	"POST /api/v1/imports/systems SYSIMP systems"
	"GET /api/v1/summary - all"
	"PUT /api/v1/obligations/organisation/order-745:art-15-8 OBL body"
	"GET /api/v1/evidence?scope=ems-scada - all"
	"POST /api/v1/evidence?scope=ems-scada&urn=order-745:art-17&filename=m.txt EVI body"
	"POST /api/v1/evidence?scope=ems-scada&urn=order-745:art-17&link=system:@SYS - body"
	"GET /api/v1/evidence/$msha - all"
	"GET /api/v1/catalogs - all"
	"POST /api/v1/catalogs?filename=matrix.yaml LIB body"
	"GET /api/v1/catalogs/ORDER-745 - all"
	"GET /api/v1/catalogs/ORDER-745/items/Art.%2017 - all"
	"GET /api/v1/operator - all"
	"PUT /api/v1/operator {} body"
	"POST /api/v1/session LOGIN all"
	"GET /api/v1/session - all"
	"DELETE /api/v1/session - all"
	"GET /api/v1/users - admin"
	"POST /api/v1/users USR admin"
	"PUT /api/v1/users/m_target DIS admin"
	"GET /api/v1/tokens - all"
	"POST /api/v1/tokens {} all"
	"DELETE /api/v1/tokens/@TOK - all"
)
# each register: listed, made, read, changed, deleted; decisions and assessments approved
for k in "${kinds[@]}"; do
	case $k in
	vendor | agreement | procurement) w=admin,security_officer,procurement ;;
	decision) w=admin,security_officer,project_owner ;;
	*) w=body ;;
	esac
	mb[import-$k]="[${mb[$k]}]"
	endpoints+=("GET /api/v1/registers/$k - all" "POST /api/v1/registers/$k $k $w" "GET /api/v1/registers/$k/${mrec[$k]} - all"
		"PUT /api/v1/registers/$k/${mrec[$k]} $k $w" "DELETE /api/v1/registers/$k/@REC - $w"
		"POST /api/v1/imports/$k import-$k $w" "GET /api/v1/exports/$k?format=csv - all")
	[[ $k == decision || $k == assessment ]] && endpoints+=("POST /api/v1/registers/$k/@REC/approve APPROVE approve")
done
# fresh WHAT ROLE: makes a target for one role's write (as admin, in JSON); its id in $fid
fresh() {
	local k req_ct=
	case $1 in
	@SYS) expect 201 "$(req admin POST /api/v1/systems "${mb[SYS]//@N/$n}")" "matrix: a system to delete"; fid=m$n ;;
	@INC) expect 201 "$(req admin POST /api/v1/incidents "${mb[INC]}")" "matrix: an incident to close"; fid=$(jq -r .id "$tmp/body") ;;
	@REC) k=${path#/api/v1/registers/}; k=${k%%/*}
		expect 201 "$(req admin POST "/api/v1/registers/$k" "${mb[$k]//@N/$n}")" "matrix: a $k"; fid=$(jq -r .id "$tmp/body") ;;
	@TOK) expect 201 "$(req admin POST /api/v1/tokens "{\"user\": \"$([[ $2 == admin ]] && echo admin || echo "u_$2")\"}")" "matrix: a token of $2"
		fid=$(jq -r .token "$tmp/body" | cut -d_ -f2) ;;
	esac
}
matrix "${endpoints[@]}"
rows=$((rows + ${#endpoints[@]}))
req_ct=
# ... and no route of the server (its table, read from the source) is left out
mapfile -t server_routes < <(sed -n '/^static const struct route routes\[\] = {/,/^};/s/^\t{ "\([A-Z]*\)", "\([^"]*\)".*/\1 \2/p' "$src/cli/cmd_serve.c")
((${#server_routes[@]} >= 55)) && ok || fail "read only ${#server_routes[@]} routes from cli/cmd_serve.c"
for mr in "${server_routes[@]}"; do
	re="^${mr//\*/[^/ ]+} "
	for e in "${early[@]}" "${endpoints[@]}"; do [[ ${e/\?/ } =~ $re ]] && continue 2; done
	fail "the matrix has no row for $mr"
done
denied1=$(curl -s "$base/metrics" | awk '$1 == "ciiguard_http_denied_total" {print $2}')
((denied1 - denied0 >= denials)) && ok || fail "/metrics counted $((denied1 - denied0)) denials during the matrix, $denials expected"
echo "http/api: the matrix: $rows rows x ${#roles[@]} roles = $pairs requests, $denials denied" >&2
# the principal's approval only through .../approve, by the principal or an admin: never as a plain field
expect 403 "$(req security_officer POST /api/v1/registers/decision "{\"title\": \"Forged\", \"kind\": \"architecture\", \"decided_on\": \"2026-11-01\", \"principal_approval_by\": \"$pid_principal\", \"principal_approval_on\": \"2026-11-02\"}")" "an officer cannot record an approval in a new decision"
expect 403 "$(req project_owner POST /api/v1/registers/decision "{\"title\": \"Forged\", \"kind\": \"architecture\", \"decided_on\": \"2026-11-01\", \"systems\": [\"ems-scada\"], \"principal_approval_on\": \"2026-11-02\"}")" "nor a project owner"
# a project owner records decisions about its own systems only
expect 403 "$(req project_owner POST /api/v1/registers/decision '{"title": "Pick", "kind": "architecture", "decided_on": "2026-11-01"}')" "project owner, decision about no system"
expect 403 "$(req project_owner POST /api/v1/registers/decision '{"title": "Pick", "kind": "architecture", "decided_on": "2026-11-01", "systems": ["dispatch-optimiser"]}')" "project owner, decision about another's system"
expect 201 "$(req security_officer POST /api/v1/registers/decision '{"title": "Theirs", "kind": "architecture", "decided_on": "2026-11-01", "systems": ["dispatch-optimiser"]}')" "officer's decision"
theirs=$(jq -r '.id' "$tmp/body")
expect 403 "$(req project_owner PUT "/api/v1/registers/decision/$theirs" '{"title": "Mine now"}' -H 'If-Match: *')" "project owner changes another's decision"
expect 403 "$(req project_owner DELETE "/api/v1/registers/decision/$theirs" '' -H 'If-Match: *')" "project owner deletes another's decision"
expect 201 "$(req project_owner POST /api/v1/registers/decision '{"title": "Mine", "kind": "architecture", "decided_on": "2026-11-01", "systems": ["ems-scada"]}')" "project owner's decision"
mine=$(jq -r '.id' "$tmp/body")
expect 403 "$(req project_owner PUT "/api/v1/registers/decision/$mine" '{"systems": ["ems-scada", "dispatch-optimiser"]}' -H 'If-Match: *')" "project owner adds another's system to its decision"
req auditor GET "/api/v1/registers/decision/$theirs" >/dev/null
jq -e '.title == "Theirs"' "$tmp/body" >/dev/null && ok || fail "refused decision changes changed nothing"
# only decisions and assessments are approved
vid=$(cg --json vendor list | jq -r '.[0].id')
expect 404 "$(req principal POST "/api/v1/registers/vendor/$vid/approve" '{"by": "x"}' -H 'If-Match: *')" "no approval of a vendor"
jq -e '.field == "kind"' "$tmp/body" >/dev/null && ok || fail "approve of a vendor names the kind"
dec=$(cg --json decision list | jq -r '.[0].id')
dtag=$(curl -s -D - -o /dev/null -H "Authorization: Bearer ${tok[security_officer]}" "$base/api/v1/registers/decision/$dec" | sed -n 's/^[Ee][Tt]ag: \(.*\)\r$/\1/p')
expect 403 "$(req security_officer PUT "/api/v1/registers/decision/$dec" "{\"principal_approval_by\": \"$pid_principal\"}" -H "If-Match: $dtag")" "an officer cannot add an approval to a decision"
expect 200 "$(req security_officer PUT "/api/v1/registers/decision/$dec" '{"title": "Pick, renamed", "principal_approval_by": null}' -H "If-Match: $dtag")" "an officer edits a decision, its (absent) approval unchanged"
dtag=$(curl -s -D - -o /dev/null -H "Authorization: Bearer ${tok[admin]}" "$base/api/v1/registers/decision/$dec" | sed -n 's/^[Ee][Tt]ag: \(.*\)\r$/\1/p')
expect 200 "$(req principal POST "/api/v1/registers/decision/$dec/approve" "{\"by\": \"$pid_principal\"}" -H "If-Match: $dtag")" "the principal approves"
jq -e --arg p "$pid_principal" '.principal_approval_by == $p' "$tmp/body" >/dev/null && ok || fail "the approval is recorded"
# a change by a role that may not approve withdraws the approval (it was of the record as it was)
expect 200 "$(req security_officer PUT "/api/v1/registers/decision/$dec" '{"kind": "decommissioning"}' -H 'If-Match: *')" "an officer changes an approved decision"
jq -e '.kind == "decommissioning" and .principal_approval_by == null and .principal_approval_on == null' "$tmp/body" >/dev/null && ok || fail "the approval withdrawn: $(head -c 300 "$tmp/body")"
expect 200 "$(req principal POST "/api/v1/registers/decision/$dec/approve" "{\"by\": \"$pid_principal\"}" -H 'If-Match: *')" "approved again"
jq -e --arg p "$pid_principal" '.principal_approval_by == $p and .kind == "decommissioning"' "$tmp/body" >/dev/null && ok || fail "approved again"
# a read-only token writes nothing
expect 403 "$(req readonly POST /api/v1/registers/vendor "$vendor")" "read-only token"
# a project owner changes only its own systems
expect 403 "$(req project_owner PUT /api/v1/systems/dispatch-optimiser '{}' -H 'If-Match: *')" "project owner, another's system"
# a project owner reports and handles only incidents about its own systems
expect 403 "$(req project_owner POST /api/v1/incidents "$incident")" "project owner, incident about no system"
expect 403 "$(req project_owner POST /api/v1/incidents "${incident/\}/, \"systems\": [\"ems-scada\", \"dispatch-optimiser\"]\}}")" "project owner, incident about another's system"
expect 201 "$(req project_owner POST /api/v1/incidents "${incident/\}/, \"systems\": [\"ems-scada\"]\}}")" "project owner, incident about its system"
own_inc=$(jq -r '.id' "$tmp/body")
expect 201 "$(req security_officer POST /api/v1/incidents "${incident/\}/, \"systems\": [\"dispatch-optimiser\"]\}}")" "incident about another's system"
other_inc=$(jq -r '.id' "$tmp/body")
for op in "POST /api/v1/incidents/$other_inc/actions {\"text\":\"x\"}" "POST /api/v1/incidents/$other_inc/close {}" \
	"POST /api/v1/incidents/$other_inc/submissions {\"kind\":\"initial\",\"recipient\":\"protection_department\"}" \
	"PUT /api/v1/incidents/$other_inc {\"title\":\"x\"}" "PUT /api/v1/incidents/$own_inc {\"systems\":[\"dispatch-optimiser\"]}"; do
	read -r method path body <<<"$op"
	expect 403 "$(req project_owner "$method" "$path" "$body" -H 'If-Match: *')" "project owner: $method $path $body"
done
expect 200 "$(req project_owner POST "/api/v1/incidents/$own_inc/actions" '{"text": "isolated the host"}' -H 'If-Match: *')" "project owner acts on its incident"
req auditor GET "/api/v1/incidents/$other_inc" >/dev/null
jq -e '.title == "Probe" and (.systems == ["dispatch-optimiser"]) and ((.actions // []) | length) == 0 and .status == "open"' "$tmp/body" >/dev/null &&
	ok || fail "refused incident changes changed nothing: $(head -c 300 "$tmp/body")"
# report kinds are a query argument: 400 like format; broken JSON is 400 everywhere; application/jsonp is not JSON
expect 400 "$(req auditor GET "/api/v1/incidents/$own_inc/report?kind=bogus")" "report kind"
jq -e '.field == "kind"' "$tmp/body" >/dev/null && ok || fail "400 names kind"
expect 400 "$(req auditor POST /api/v1/screening '{"sector": ')" "broken JSON to the screening"
jq -e '.code == "invalid_json"' "$tmp/body" >/dev/null && ok || fail "invalid_json from the screening"
for ct in 'application/jsonp:415' 'application/json; charset=utf-8:201' 'Application/JSON:201'; do
	expect "${ct##*:}" "$(curl -s -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer ${tok[admin]}" -H "Content-Type: ${ct%:*}" --data-binary "$vendor" "$base/api/v1/registers/vendor")" "Content-Type: ${ct%:*}"
done
# personal fields: only admin and security officer see them
pid_person=$(cg --json person list | jq -r '.[0].id')
req auditor GET "/api/v1/registers/person/$pid_person" >/dev/null
jq -e 'has("background_check_result") | not' "$tmp/body" >/dev/null && jq -e '.redacted == ["background_check_result"]' "$tmp/body" >/dev/null && ok || fail "auditor sees personal data"
req security_officer GET "/api/v1/registers/person/$pid_person" >/dev/null
jq -e '.background_check_result | startswith("clean record")' "$tmp/body" >/dev/null && ok || fail "security officer sees personal data"
req principal GET "/api/v1/registers/person?limit=1000" >/dev/null
jq -e '[.items[] | has("background_check_result")] | any | not' "$tmp/body" >/dev/null && ok || fail "principal list sees personal data"
# ... nor a hash of them: the ETag is of what the role sees (a guess of a hidden field cannot be checked)
etag() { curl -s -D - -o /dev/null -H "Authorization: Bearer ${tok[$1]}" "$base$2" | sed -n 's/^[Ee][Tt]ag: \(.*\)\r$/\1/p'; }
[[ $(etag auditor "/api/v1/registers/person/$pid_person") != "$(etag admin "/api/v1/registers/person/$pid_person")" ]] && ok || fail "the auditor's ETag of a person is the admin's"
vid1=$(cg --json vendor list | jq -r '.[0].id')
[[ $(etag auditor "/api/v1/registers/vendor/$vid1") == "$(etag admin "/api/v1/registers/vendor/$vid1")" ]] && ok || fail "the ETag of a record with nothing hidden differs by role"
grep -q '^ciiguard_http_denied_total [1-9]' <<<"$(curl -s "$base/metrics")" && ok || fail "denials counted in /metrics"

# --- ETag / If-Match ---
curl -s -D "$tmp/h" -o "$tmp/ems.json" -H "Authorization: Bearer ${tok[admin]}" "$base/api/v1/systems/ems-scada"
etag=$(grep -i '^etag:' "$tmp/h" | cut -d' ' -f2 | tr -d '\r')
[[ $etag =~ ^\"[0-9a-f]{32}\"$ ]] && ok || fail "etag form: $etag"
b1=$(jq -c '.description = "first"' "$tmp/ems.json")
b2=$(jq -c '.description = "second"' "$tmp/ems.json")
expect 428 "$(req admin PUT /api/v1/systems/ems-scada "$b1")" "PUT without If-Match"
jq -e '.field == "If-Match"' "$tmp/body" >/dev/null && ok || fail "428 names If-Match"
expect 200 "$(req admin PUT /api/v1/systems/ems-scada "$b1" -H "If-Match: $etag")" "PUT with If-Match"
expect 412 "$(req security_officer PUT /api/v1/systems/ems-scada "$b2" -H "If-Match: $etag")" "second editor, stale ETag"
req admin GET /api/v1/systems/ems-scada >/dev/null
jq -e '.description == "first"' "$tmp/body" >/dev/null && ok || fail "the first edit stands"
expect 422 "$(req admin PUT /api/v1/systems/ems-scada "$(jq -c '.sector = "space"' "$tmp/ems.json")" -H 'If-Match: *')" "invalid field"
jq -e '.field == "sector" and .status == 422' "$tmp/body" >/dev/null && ok || fail "422 names the field"

# Art. 11: a change of a notified CII system's decisive field over HTTP records the report duty
expect 200 "$(req admin PUT /api/v1/systems/ems-scada "$(jq -c '.description = "first" | .harm_if_compromised = "moderate"' "$tmp/ems.json")" -H 'If-Match: *')" "decisive change"
req auditor GET '/api/v1/obligations?scope=ems-scada' >/dev/null
jq -e '[.obligations[] | select(.urn | endswith(":art-11"))][0] | .status == "not_started" and (.due | test("^[0-9]{4}-"))' "$tmp/body" >/dev/null && ok || fail "Art. 11 duty recorded by an API change"

# --- pagination, sorting, filters ---
req auditor GET '/api/v1/systems?limit=2&offset=1&sort=-id' >/dev/null
jq -e '(.items | length) == 2 and .offset == 1 and .limit == 2 and .total >= 13 and .items[0].id > .items[1].id' "$tmp/body" >/dev/null && ok || fail "page and sort"
expect 400 "$(req auditor GET '/api/v1/systems?sort=password')" "unknown sort key"
# runs of digits sort by their value: nat-9 before nat-10, nat-09 beside nat-9 (fewer leading
# zeros first), and the other way round descending
for id in nat-10 nat-09 nat-9; do
	expect 201 "$(req admin POST /api/v1/systems "$(sed "s/NEWID/$id/; s/OWNER/someone/" <<<"$sys_new")")" "system $id"
done
req auditor GET '/api/v1/systems?sort=id&limit=1000' >/dev/null
jq -e '[.items[].id | select(startswith("nat-"))] == ["nat-9", "nat-09", "nat-10"]' "$tmp/body" >/dev/null && ok || fail "natural order: $(jq -c '[.items[].id]' "$tmp/body")"
req auditor GET '/api/v1/systems?sort=-id&limit=1000' >/dev/null
jq -e '[.items[].id | select(startswith("nat-"))] == ["nat-10", "nat-09", "nat-9"]' "$tmp/body" >/dev/null && ok || fail "natural order, descending: $(jq -c '[.items[].id]' "$tmp/body")"
# without sort, the order of sort=id (not the store's byte order, which puts nat-09 and nat-10 first)
jq -c '[.items[].id] | reverse' "$tmp/body" >"$tmp/ids"
req auditor GET '/api/v1/systems?limit=1000' >/dev/null
jq -e --slurpfile want "$tmp/ids" '[.items[].id] == $want[0]' "$tmp/body" >/dev/null && ok || fail "default order: $(jq -c '[.items[].id]' "$tmp/body")"
# incidents of one moment: a day's ids in the order given, the thousandth after the 999th
for id in INC-20200101-1000 INC-20200101-999; do
	expect 201 "$(req security_officer POST /api/v1/incidents "{\"id\": \"$id\", \"title\": \"N\", \"type\": \"intrusion\", \"discovered_at\": \"2020-01-01T10:00:00+08:00\"}")" "incident $id"
done
cg --json incident list | jq -e '[.[].id | select(startswith("INC-20200101-"))] == ["INC-20200101-999", "INC-20200101-1000"]' >/dev/null &&
	ok || fail "incident list order: $(cg --json incident list | jq -c '[.[].id | select(startswith("INC-20200101-"))]')"
req auditor GET '/api/v1/incidents?sort=id&limit=1000' >/dev/null
jq -e '[.items[].id | select(startswith("INC-20200101-"))] == ["INC-20200101-999", "INC-20200101-1000"] and ([.items[].id] | length) == .total' "$tmp/body" >/dev/null && ok || fail "incidents sorted by id"
req auditor GET '/api/v1/incidents?sort=-discovered_at&limit=1000' >/dev/null
jq -e '[.items[].discovered_at] as $d | $d == ($d | sort | reverse)' "$tmp/body" >/dev/null && ok || fail "incidents sorted by discovery, newest first"
expect 400 "$(req auditor GET '/api/v1/incidents?sort=bogus')" "unknown incident sort key"
expect 400 "$(req auditor GET '/api/v1/systems?limit=-1')" "negative limit"
req auditor GET '/api/v1/systems?owner=u_project_owner' >/dev/null
jq -e '[.items[].owner] | unique == ["u_project_owner"]' "$tmp/body" >/dev/null && ok || fail "filter"
# --- language per request ---
req auditor GET /api/v1/systems/nope '' -H 'Accept-Language: zh-CN,zh;q=0.9' >/dev/null
jq -e '.detail | test("\\p{Han}")' "$tmp/body" >/dev/null && ok || fail "zh message"
req auditor GET /api/v1/systems/nope '' -H 'Accept-Language: en' >/dev/null
jq -e '.detail == "system '"'"'nope'"'"' does not exist"' "$tmp/body" >/dev/null && ok || fail "en message"
# the weights decide, the order only on a tie; the title follows the language too (RFC 9457 4.2.1)
for al in 'en;q=0.1, zh-CN;q=0.9' 'fr, zh-Hans-CN;q=0.5, en;q=0.4' 'ZH-tw' 'en;q=0.5,zh;q=1.0' 'zh;q=0.5, en;q=0.5'; do
	req auditor GET /api/v1/systems/nope '' -H "Accept-Language: $al" >/dev/null
	jq -e '(.detail | test("\\p{Han}")) and .title == "未找到"' "$tmp/body" >/dev/null && ok || fail "Accept-Language: $al: $(jq -c . "$tmp/body")"
done
for al in 'zh-CN;q=0, en' 'zh;q=0.3, en;q=0.8' 'en;q=0.5, zh;q=0.5' 'english, en'; do
	req auditor GET /api/v1/systems/nope '' -H "Accept-Language: $al" >/dev/null
	jq -e '.detail == "system '"'"'nope'"'"' does not exist"' "$tmp/body" >/dev/null && ok || fail "Accept-Language: $al: $(jq -c . "$tmp/body")"
done

# --- writes are audited with the acting user ---
cg --json audit log | jq -e '[.[] | select(.actor == "api:u_procurement" and .entity_type == "vendor")] | length >= 1' >/dev/null && ok || fail "audit actor"

# --- incidents: open, grade, change with If-Match, actions, submissions, close, reports ---
expect 201 "$(req security_officer POST /api/v1/incidents '{"id": "INC-H1", "title": "Ransomware", "type": "ransomware", "discovered_at": "2026-11-27T09:00:00+08:00", "systems": ["ems-scada"]}')" "open an incident"
expect 200 "$(req auditor GET /api/v1/incidents/INC-H1/grade)" "grade"
jq -e 'has("grade") and has("reports")' "$tmp/body" >/dev/null && ok || fail "grade result: $(head -c 200 "$tmp/body")"
curl -s -D "$tmp/h" -o /dev/null -H "Authorization: Bearer ${tok[security_officer]}" "$base/api/v1/incidents/INC-H1"
ietag=$(grep -i '^etag:' "$tmp/h" | cut -d' ' -f2 | tr -d '\r')
expect 428 "$(req security_officer PUT /api/v1/incidents/INC-H1 '{"description": "x"}')" "incident change without If-Match"
expect 200 "$(req security_officer PUT /api/v1/incidents/INC-H1 '{"description": "Files encrypted on two servers"}' -H "If-Match: $ietag" -D "$tmp/h")" "incident change"
# actions, submissions and closing need the incident's ETag too; each answers the new one
hetag() { sed -n 's/^[Ee][Tt]ag: \(.*\)\r$/\1/p' "$tmp/h"; }
stale=$ietag ietag=$(hetag)
expect 428 "$(req security_officer POST /api/v1/incidents/INC-H1/actions '{"text": "Isolated the servers"}')" "action without If-Match"
jq -e '.field == "If-Match" and .code == "precondition_required"' "$tmp/body" >/dev/null && ok || fail "428 names If-Match"
expect 412 "$(req security_officer POST /api/v1/incidents/INC-H1/actions '{"text": "Isolated the servers"}' -H "If-Match: $stale")" "action, stale ETag"
expect 200 "$(req security_officer POST /api/v1/incidents/INC-H1/actions '{"text": "Isolated the servers"}' -H "If-Match: $ietag" -D "$tmp/h")" "action"
jq -e '[.actions[].text] == ["Isolated the servers"]' "$tmp/body" >/dev/null && ok || fail "one action, the refused ones not recorded: $(jq -c .actions "$tmp/body")"
stale=$ietag ietag=$(hetag)
[[ $ietag =~ ^\"[0-9a-f]{32}\"$ && $ietag != "$stale" ]] && ok || fail "an action answers the incident's new ETag: $ietag"
expect 412 "$(req security_officer POST /api/v1/incidents/INC-H1/submissions '{"kind": "initial", "recipient": "protection_work_department", "channel": "portal"}' -H "If-Match: $stale")" "submission, stale ETag"
expect 412 "$(req security_officer POST /api/v1/incidents/INC-H1/close '{}' -H "If-Match: $stale")" "close, stale ETag"
expect 428 "$(req security_officer POST /api/v1/incidents/INC-H1/close '{}')" "close without If-Match"
req auditor GET /api/v1/incidents/INC-H1 '' -D "$tmp/h" >/dev/null
jq -e '.status == "open" and ((.submissions // []) | length) == 0 and (.actions | length) == 1' "$tmp/body" >/dev/null && [[ $(hetag) == "$ietag" ]] &&
	ok || fail "the refused submission and closings changed nothing: $(head -c 300 "$tmp/body")"
expect 200 "$(req security_officer POST /api/v1/incidents/INC-H1/submissions '{"kind": "initial", "recipient": "protection_work_department", "channel": "portal"}' -H "If-Match: $ietag" -D "$tmp/h")" "submission"
jq -e '.submissions[0].sha256 | test("^[0-9a-f]{64}$")' "$tmp/body" >/dev/null && ok || fail "the report's hash recorded"
ietag=$(hetag)
expect 422 "$(req security_officer POST /api/v1/incidents/INC-H1/submissions '{"kind": "initial", "recipient": "protection_work_department", "sha256": "not a hash"}' -H 'If-Match: *')" "bad sha256"
expect 422 "$(req security_officer POST /api/v1/incidents/INC-H1/submissions '{"kind": "initial", "recipient": "the moon"}' -H 'If-Match: *')" "bad recipient"
expect 200 "$(req security_officer POST /api/v1/incidents/INC-H1/submissions '{"kind": "initial", "recipient": "public_security"}' -H "If-Match: $ietag" -D "$tmp/h")" "a submission with no channel"
jq -e '.submissions[1] | .recipient == "public_security" and .channel == null and .recorded_by == "api:u_security_officer"' "$tmp/body" >/dev/null && ok || fail "the submission with no channel: $(jq -c '.submissions[1]' "$tmp/body")"
ietag=$(hetag)
expect 403 "$(req auditor POST /api/v1/incidents/INC-H1/actions '{"text": "x"}' -H 'If-Match: *')" "auditor writes no action"
expect 200 "$(req auditor GET '/api/v1/incidents/INC-H1/report?kind=initial&format=md')" "report md"
grep -q "Ransomware" "$tmp/body" && ok || fail "report content"
expect 400 "$(req auditor GET '/api/v1/incidents/INC-H1/report?format=pdf')" "report format"
expect 200 "$(req security_officer POST /api/v1/incidents/INC-H1/close '{}' -H "If-Match: $ietag")" "close"
jq -e '.status == "closed"' "$tmp/body" >/dev/null && ok || fail "closed"

# --- obligation status and evidence ---
# a change needs If-Match with the obligation's ETag (given in each item of GET /obligations)
ob=/api/v1/obligations/organisation/order-745:art-14-body
expect 428 "$(req security_officer PUT $ob '{"status": "in_progress"}')" "obligation without If-Match"
req auditor GET '/api/v1/obligations?scope=organisation' >/dev/null
otag=$(jq -r '.obligations[] | select(.urn | endswith(":art-14-body")) | .etag' "$tmp/body")
[[ $otag =~ ^\"[0-9a-f]{32}\"$ ]] && ok || fail "obligation etag: $otag"
expect 200 "$(req security_officer PUT $ob '{"status": "in_progress", "owner": "Li Wei", "due": "2026-12-31"}' -H "If-Match: $otag")" "obligation set"
jq -e '.status == "in_progress" and .owner == "Li Wei" and .due == "2026-12-31"' "$tmp/body" >/dev/null && ok || fail "obligation set result"
expect 412 "$(req admin PUT $ob '{"status": "met", "met_on": "2026-11-30"}' -H "If-Match: $otag")" "a second editor with the old ETag"
req auditor GET "/api/v1/obligations?scope=organisation" >/dev/null
jq -e '.obligations[] | select(.urn | endswith(":art-14-body")) | .status == "in_progress" and .owner == "Li Wei"' "$tmp/body" >/dev/null && ok || fail "the refused change changed nothing"
otag2=$(jq -r '.obligations[] | select(.urn | endswith(":art-14-body")) | .etag' "$tmp/body")
[[ $otag2 != "$otag" ]] && ok || fail "the ETag changes with the obligation"
expect 404 "$(req security_officer PUT /api/v1/obligations/organisation/order-745:art-999 '{"status": "met"}' -H 'If-Match: *')" "no such obligation"
expect 422 "$(req security_officer PUT $ob '{"status": "done"}' -H 'If-Match: *')" "bad status"
expect 403 "$(req project_owner PUT /api/v1/obligations/organisation/order-745:art-14-body '{"status": "met"}')" "project owner sets no obligation"
head -c 200000 /dev/urandom >"$tmp/evidence.bin"
code=$(curl -s -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer ${tok[security_officer]}" -H 'Content-Type: application/octet-stream' --data-binary @"$tmp/evidence.bin" "$base/api/v1/evidence?scope=ems-scada&urn=order-745:art-17&filename=report.pdf")
expect 201 "$code" "evidence upload"
sha=$(jq -r .sha256 "$tmp/body")
[[ $sha == "$(sha256sum "$tmp/evidence.bin" | cut -c1-64)" ]] && ok || fail "evidence hash"
curl -s -o "$tmp/evidence.out" -H "Authorization: Bearer ${tok[auditor]}" "$base/api/v1/evidence/$sha"
cmp -s "$tmp/evidence.bin" "$tmp/evidence.out" && ok || fail "evidence download"
head -c 11000000 /dev/zero >"$tmp/evidence.big"
expect 413 "$(curl -s -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer ${tok[security_officer]}" --data-binary @"$tmp/evidence.big" "$base/api/v1/evidence?scope=ems-scada&urn=order-745:art-17")" "evidence too large"
expect 403 "$(curl -s -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer ${tok[auditor]}" --data-binary @"$tmp/evidence.bin" "$base/api/v1/evidence?scope=ems-scada&urn=order-745:art-17")" "auditor uploads no evidence"
expect 404 "$(req auditor GET /api/v1/evidence/0000)" "unknown evidence"

# --- the command line's other operations: links as evidence, imports, exports, the summary,
# the audit head ---
# evidence that is a link to a ciiguard record, listed with the files
expect 201 "$(req security_officer POST '/api/v1/evidence?scope=ems-scada&urn=order-745:art-17&link=system:ems-scada&note=the%20inventory%20entry')" "a record linked as evidence"
jq -e '.target == "system:ems-scada" and .note == "the inventory entry" and .added_by == "api:u_security_officer" and .size == null and (.urn | endswith(":art-17"))' "$tmp/body" >/dev/null && ok || fail "the link answered: $(head -c 300 "$tmp/body")"
jq -c . "$tmp/body" >"$tmp/link.json"
expect 200 "$(req auditor GET '/api/v1/evidence?scope=ems-scada&urn=order-745:art-17')" "evidence with a link"
jq -e --slurpfile l "$tmp/link.json" '[.items[] | select(.target == "system:ems-scada")] == $l and ([.items[] | select(.sha256 == "'"$sha"'")] | length) == 1' "$tmp/body" >/dev/null && ok || fail "the list shows the link and the file: $(head -c 400 "$tmp/body")"
n_ev=$(jq '.items | length' "$tmp/body")
expect 400 "$(req_ct=application/octet-stream req security_officer POST '/api/v1/evidence?scope=ems-scada&urn=order-745:art-17&link=system:dispatch-optimiser' 'a file too')" "a link and a file at once"
jq -e '.field == "link"' "$tmp/body" >/dev/null && ok || fail "400 names link"
expect 404 "$(req security_officer POST '/api/v1/evidence?scope=ems-scada&urn=order-745:art-17&link=system:nope')" "a link to no record"
jq -e '.field == "link"' "$tmp/body" >/dev/null && ok || fail "404 names link"
req auditor GET '/api/v1/evidence?scope=ems-scada&urn=order-745:art-17' >/dev/null
expect "$n_ev" "$(jq '.items | length' "$tmp/body")" "refused links add nothing"
# systems from CSV in GB18030 (as Excel saves it in China), by a project owner: its own only
hdr='id,name,owner,sector,supports_core_business,harm_if_compromised,status'
printf '%s\r\nimp-gb-1,电网调度,u_project_owner,energy,是,serious,production\r\nimp-gb-2,负荷预测,u_project_owner,energy,否,minor,planned\r\n' "$hdr" |
	iconv -f UTF-8 -t GB18030 >"$tmp/gb.csv"
! iconv -f UTF-8 -t UTF-8 "$tmp/gb.csv" >/dev/null 2>&1 && ok || fail "the sample is not GB18030"
csv_post() { req "$1" POST "$2" '' -H "Content-Type: $3" --data-binary @"$4"; }
expect 200 "$(csv_post project_owner /api/v1/imports/systems 'text/csv; charset=GB18030' "$tmp/gb.csv")" "a project owner imports its systems from GB18030 CSV"
jq -e '.created == 2 and .updated == 0 and .changes == []' "$tmp/body" >/dev/null && ok || fail "import result: $(head -c 300 "$tmp/body")"
req auditor GET '/api/v1/systems?owner=u_project_owner&limit=1000' >/dev/null
jq -e '[.items[] | select(.id | startswith("imp-gb-")) | [.id, .name, .supports_core_business, .status]] == [["imp-gb-1", "电网调度", true, "production"], ["imp-gb-2", "负荷预测", false, "planned"]]' "$tmp/body" >/dev/null && ok || fail "the imported systems: $(jq -c '[.items[] | select(.id | startswith("imp-gb-"))]' "$tmp/body")"
cg --json audit log --entity system:imp-gb-2 | jq -e 'length == 1 and .[0].actor == "api:u_project_owner" and .[0].action == "create"' >/dev/null && ok || fail "the import is audited with the acting user"
# all or nothing: a bad row (line 3), or another's system, stores nothing
head0=$(cg --json audit head | jq .count)
printf '%s\nimp-bad-1,A,u_project_owner,energy,yes,minor,planned\nimp-bad-2,B,u_project_owner,moon,no,minor,planned\n' "$hdr" >"$tmp/bad.csv"
expect 422 "$(csv_post project_owner /api/v1/imports/systems text/csv "$tmp/bad.csv")" "a bad row"
jq -e '.field == "sector" and (.detail | startswith("line 3: sector"))' "$tmp/body" >/dev/null && ok || fail "422 names the row and the field: $(head -c 300 "$tmp/body")"
sed 's/imp-bad-2,B,u_project_owner,moon/imp-bad-2,B,someone-else,energy/' "$tmp/bad.csv" >"$tmp/theirs.csv"
expect 403 "$(csv_post project_owner /api/v1/imports/systems text/csv "$tmp/theirs.csv")" "a project owner imports another's system"
expect 409 "$(csv_post project_owner /api/v1/imports/systems 'text/csv; charset=utf-8' "$tmp/gb.csv")" "existing ids without update"
steal='[{"id": "dispatch-optimiser", "name": "mine now", "sector": "energy", "supports_core_business": true, "harm_if_compromised": "serious", "status": "production", "owner": "u_project_owner"}]'
expect 403 "$(req project_owner POST '/api/v1/imports/systems?update=true' "$steal")" "a project owner replaces another's system"
expect 415 "$(csv_post admin /api/v1/imports/systems 'text/csv; charset=latin1' "$tmp/bad.csv")" "a charset other than UTF-8 or GB18030"
expect 400 "$(req admin POST '/api/v1/imports/systems?update=yes' '[]')" "update: neither true nor false"
expect "$head0" "$(cg --json audit head | jq .count)" "refused imports store nothing"
expect 404 "$(req auditor GET /api/v1/systems/imp-bad-1)" "not even the good row of a bad file"
# with update the same file replaces; JSON as well as CSV
expect 200 "$(csv_post project_owner '/api/v1/imports/systems?update=true' 'text/csv; charset=gb18030' "$tmp/gb.csv")" "import with update"
jq -e '.created == 0 and .updated == 2' "$tmp/body" >/dev/null && ok || fail "update result: $(head -c 200 "$tmp/body")"
expect 200 "$(req admin POST /api/v1/imports/systems "$(sed 's/NEWID/imp-json/; s/OWNER/someone/' <<<"[$sys_new]")")" "systems from JSON"
jq -e '.created == 1' "$tmp/body" >/dev/null && ok || fail "JSON import result"
# registers: CSV in, all or nothing; exports as the command line writes them, personal fields withheld
n_ven=$(cg --json vendor list | jq length)
printf 'id,name,kind,systems\n,Imported Cloud,cloud,"ems-scada,dispatch-optimiser"\nexport,Export,saas_ai_tool,\n' >"$tmp/ven.csv"
expect 200 "$(csv_post procurement /api/v1/imports/vendor text/csv "$tmp/ven.csv")" "procurement imports vendors from CSV"
jq -e '.created == 2 and .updated == 0' "$tmp/body" >/dev/null && ok || fail "vendor import: $(head -c 200 "$tmp/body")"
cg --json vendor list | jq -e '[.[] | select(.name == "Imported Cloud")][0].systems == ["ems-scada", "dispatch-optimiser"]' >/dev/null && ok || fail "the imported vendor's systems"
printf 'name,kind\nFine,cloud\nBroken,moon\n' >"$tmp/ven-bad.csv"
expect 422 "$(csv_post procurement /api/v1/imports/vendor text/csv "$tmp/ven-bad.csv")" "a bad vendor row"
jq -e '.field == "kind" and (.detail | startswith("record 2"))' "$tmp/body" >/dev/null && ok || fail "422 names the record and the field: $(head -c 300 "$tmp/body")"
expect $((n_ven + 2)) "$(cg --json vendor list | jq length)" "the bad vendor import stored nothing"
expect 403 "$(req project_owner POST /api/v1/imports/decision '[{"title": "T", "kind": "architecture", "decided_on": "2026-11-01", "systems": ["dispatch-optimiser"]}]')" "a project owner imports a decision about another's system"
expect 403 "$(req security_officer POST /api/v1/imports/decision "[{\"title\": \"T\", \"kind\": \"architecture\", \"decided_on\": \"2026-11-01\", \"principal_approval_by\": \"$pid_principal\", \"principal_approval_on\": \"2026-11-02\"}]")" "an officer imports an approval"
for f in json csv; do
	expect 200 "$(req auditor GET "/api/v1/exports/vendor?format=$f")" "vendors exported as $f"
	cg --json vendor export --format "$f" >"$tmp/cli.$f"
	if [[ $f == json ]]; then jq -e --slurpfile c "$tmp/cli.$f" '. == $c[0] and length == '"$((n_ven + 2))" "$tmp/body" >/dev/null; else cmp -s "$tmp/body" "$tmp/cli.$f"; fi && ok || fail "the $f export is the command line's: $(head -c 300 "$tmp/body")"
done
cg --json person export >"$tmp/people.json"
jq -e '[.[] | select(.background_check_result)] | length > 0' "$tmp/people.json" >/dev/null && ok || fail "people with background checks to withhold"
req auditor GET /api/v1/exports/person >/dev/null
jq -e --slurpfile c "$tmp/people.json" '. == ($c[0] | map(if has("background_check_result") then del(.background_check_result) + {redacted: ["background_check_result"]} else . end))' "$tmp/body" >/dev/null && ok || fail "the auditor's export withholds the personal fields: $(head -c 300 "$tmp/body")"
req auditor GET '/api/v1/exports/person?format=csv' >/dev/null
col=$(head -1 "$tmp/body" | tr ',' '\n' | grep -nx 'background_check_result' | cut -d: -f1)
[[ -n $col ]] && (($(wc -l <"$tmp/body") == $(jq length "$tmp/people.json") + 1)) && ! cut -d, -f"$col" "$tmp/body" | tail -n +2 | grep -q . && ok || fail "the auditor's CSV withholds the personal column: $(head -3 "$tmp/body")"
req security_officer GET '/api/v1/exports/person?format=csv' >/dev/null
cmp -s "$tmp/body" <(cg person export --format csv) && ok || fail "the security officer's CSV export is the command line's"
expect 400 "$(req auditor GET '/api/v1/exports/vendor?format=xml')" "export format"
jq -e '.field == "format"' "$tmp/body" >/dev/null && ok || fail "400 names format"
# the summary, the audit head and a verify against it; the systems of an AI kind
expect 200 "$(req procurement GET /api/v1/summary)" "summary"
jq -e --argjson c "$(cg --json system summary)" '. == $c and .systems > 0 and .audit.count > 0' "$tmp/body" >/dev/null && ok || fail "the summary is the command line's: $(head -c 300 "$tmp/body")"
expect 200 "$(req auditor GET /api/v1/audit/head)" "audit head"
jq -e --argjson c "$(cg --json audit head)" '. == $c' "$tmp/body" >/dev/null && ok || fail "the head is the command line's: $(cat "$tmp/body")"
head=$(jq -r .head "$tmp/body")
expect 200 "$(req auditor GET "/api/v1/audit/verify?expect_head=$head")" "verify against the head"
jq -e --arg h "$head" '.ok == true and .head == $h' "$tmp/body" >/dev/null && ok || fail "verify with the real head: $(cat "$tmp/body")"
expect 200 "$(req auditor GET "/api/v1/audit/verify?expect_head=$(head -c 32 /dev/urandom | sha256sum | cut -c1-64)")" "verify against a head not in the chain"
jq -e '.ok == false and (.problem | test("anchored head"))' "$tmp/body" >/dev/null && ok || fail "an unknown head fails verify: $(cat "$tmp/body")"
expect 400 "$(req auditor GET "/api/v1/audit/verify?expect_head=${head^^}")" "a head not in lowercase hex"
jq -e '.field == "expect_head"' "$tmp/body" >/dev/null && ok || fail "400 names expect_head"
req auditor GET '/api/v1/systems?ai_kind=generative&limit=1000' >/dev/null
jq -e --argjson c "$(cg --json system list --ai-kind generative | jq '[.[].id] | sort')" '([.items[].id] | sort) == $c and ($c | length) >= 2' "$tmp/body" >/dev/null && ok || fail "ai_kind filters as system list --ai-kind: $(jq -c '[.items[].id]' "$tmp/body")"
expect 400 "$(req auditor GET '/api/v1/systems?ai_kind=oracle')" "an unknown AI kind"
jq -e '.field == "ai_kind"' "$tmp/body" >/dev/null && ok || fail "400 names ai_kind"

# --- the catalog: read in either language, import a library ---
req auditor GET /api/v1/catalogs >/dev/null
jq -e '[.libraries[] | select(.ref_id == "ORDER-745")][0] | .origin == "builtin" and .requirement_nodes >= 30' "$tmp/body" >/dev/null && ok || fail "catalog list"
req auditor GET /api/v1/catalogs '' -H 'Accept-Language: zh' >/dev/null
jq -e '[.libraries[] | select(.ref_id == "ORDER-745")][0].name == "关键信息基础设施安全保护条例"' "$tmp/body" >/dev/null && ok || fail "catalog list in Chinese"
expect 200 "$(req auditor GET '/api/v1/catalogs/ORDER-745/items/Art.%2017')" "a provision by ref_id"
jq -e '(.urn | endswith(":art-17")) and (.translations.zh.name | length > 0)' "$tmp/body" >/dev/null && ok || fail "provision Art. 17"
expect 404 "$(req auditor GET '/api/v1/catalogs/ORDER-745/items/Art.%20999')" "no such provision"
expect 404 "$(req auditor GET /api/v1/catalogs/NOPE)" "no such library"
yaml="$src/tests/data/catalog/imported.yaml"
cat_post() { curl -s -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer ${tok[$1]}" -H "Content-Type: $2" --data-binary @"$3" "$base/api/v1/catalogs?filename=imported.yaml"; }
expect 403 "$(cat_post auditor application/yaml "$yaml")" "auditor imports no library"
expect 403 "$(cat_post project_owner application/yaml "$yaml")" "project owner imports no library"
expect 415 "$(cat_post security_officer text/plain "$yaml")" "library as text/plain"
expect 201 "$(cat_post security_officer application/yaml "$yaml")" "import a library"
jq -e '.imported == "urn:example:library:imported" and .replaced == false and (.warnings | any(test("display_mode")))' "$tmp/body" >/dev/null && ok || fail "import result"
expect 200 "$(cat_post admin application/yaml "$yaml")" "import again replaces"
jq -e '.replaced == true' "$tmp/body" >/dev/null && ok || fail "replaced"
printf 'urn: urn:example:library:broken\nobjects: [\n' >"$tmp/broken.yaml"
expect 422 "$(cat_post admin application/yaml "$tmp/broken.yaml")" "broken YAML"
jq -e '.detail | test("imported.yaml:[0-9]+")' "$tmp/body" >/dev/null && ok || fail "the line of a YAML error: $(cat "$tmp/body")"
req auditor GET /api/v1/catalogs >/dev/null
jq -e '[.libraries[] | select(.urn == "urn:example:library:imported")][0].origin == "imported" and ([.libraries[] | select(.urn == "urn:example:library:broken")] | length == 0)' "$tmp/body" >/dev/null && ok || fail "the imported library is served, the broken one is not"
cg --json audit log | jq -e '[.[] | select(.actor == "api:u_security_officer" and (.entity_type | startswith("catalog")) and .entity_id == "urn:example:library:imported")] | length == 1' >/dev/null && ok || fail "catalog import audited"

# --- screening: a description (nothing stored), a stored system (recorded), its history ---
expect 200 "$(req principal POST /api/v1/screening '{"sector": "finance", "supports_core_business": true, "harm_if_compromised": "serious"}')" "screen a description"
jq -e '.perimeter == "likely_cii" and (.reasons | any(.decisive))' "$tmp/body" >/dev/null && ok || fail "description screened likely CII"
expect 200 "$(req principal POST /api/v1/screening '{"sector": "other", "coupled_to_cii": true}')" "screen a coupled description"
jq -e '.perimeter == "near_cii"' "$tmp/body" >/dev/null && ok || fail "coupled description near CII"
expect 422 "$(req principal POST /api/v1/screening '{"sector": "moon"}')" "bad sector"
jq -e '.field == "sector"' "$tmp/body" >/dev/null && ok || fail "422 names sector"
expect 422 "$(req principal POST /api/v1/screening '{"colour": "red"}')" "unknown key"
before_scr=$(cg --json audit head | jq .count)
req principal POST /api/v1/screening '{"sector": "energy"}' >/dev/null
expect "$before_scr" "$(cg --json audit head | jq .count)" "screening a description stores nothing"
expect 403 "$(req project_owner POST /api/v1/systems/dispatch-optimiser/screening)" "project owner screens another's system"
n_hist=$(cg --json screen ems-scada --history | jq '.history | length')
expect 200 "$(req project_owner POST /api/v1/systems/ems-scada/screening)" "project owner screens its system"
jq -e '.perimeter == "cii" and .system == "ems-scada"' "$tmp/body" >/dev/null && ok || fail "stored screening"
req auditor GET /api/v1/systems/ems-scada/screening/history >/dev/null
jq -e --argjson n "$n_hist" '(.history | length) == $n + 1 and .history[-1].actor == "api:u_project_owner" and .needs_rescreening == false' "$tmp/body" >/dev/null && ok || fail "screening history: $(head -c 300 "$tmp/body")"
expect 404 "$(req auditor GET /api/v1/systems/nope/screening/history)" "history of no system"

# --- the operator profile, with ETag and If-Match ---
curl -s -D "$tmp/h" -o "$tmp/op.json" -H "Authorization: Bearer ${tok[auditor]}" "$base/api/v1/operator"
otag=$(grep -i '^etag:' "$tmp/h" | cut -d' ' -f2 | tr -d '\r')
jq -e '.notified_cii == true and (.name | length > 0)' "$tmp/op.json" >/dev/null && ok || fail "operator"
expect 428 "$(req security_officer PUT /api/v1/operator '{"protection_department": "NEA"}')" "operator change without If-Match"
expect 403 "$(req project_owner PUT /api/v1/operator '{"protection_department": "NEA"}' -H 'If-Match: *')" "project owner changes no operator"
expect 200 "$(req security_officer PUT /api/v1/operator '{"protection_department": "National Energy Administration"}' -H "If-Match: $otag")" "operator change"
jq -e '.protection_department == "National Energy Administration"' "$tmp/body" >/dev/null && ok || fail "operator changed"
expect 412 "$(req admin PUT /api/v1/operator '{"protection_department": "x"}' -H "If-Match: $otag")" "operator, stale ETag"
expect 422 "$(req admin PUT /api/v1/operator '{"sector": "moon"}' -H 'If-Match: *')" "operator, bad sector"
jq -e '.field == "sector"' "$tmp/body" >/dev/null && ok || fail "422 names the operator's sector"
req auditor GET /api/v1/operator >/dev/null
jq -e '.protection_department == "National Energy Administration"' "$tmp/body" >/dev/null && ok || fail "the bad change changed nothing"

# --- users and tokens over HTTP; the user's language when no Accept-Language is sent ---
expect 201 "$(req admin POST /api/v1/users '{"name": "dave", "role": "auditor", "password": "dave has a long password", "lang": "zh"}')" "admin adds a user"
expect 422 "$(req admin POST /api/v1/users '{"name": "eve", "role": "auditor", "password": "short"}')" "short password"
jq -e '.field == "password"' "$tmp/body" >/dev/null && ok || fail "422 names password"
expect 403 "$(req security_officer POST /api/v1/users '{"name": "mallory", "role": "admin", "password": "a long enough password"}')" "only admin adds users"
expect 201 "$(req admin POST /api/v1/tokens '{"user": "dave", "scope": "read", "expires": "1h"}')" "admin makes a token for dave"
tok[dave]=$(jq -r .token "$tmp/body")
[[ ${tok[dave]} =~ ^cgt_[0-9a-f]{16}_[0-9a-f]{64}$ ]] && ok || fail "token form"
req dave GET /api/v1/systems/nope >/dev/null
jq -e '.detail | test("\\p{Han}")' "$tmp/body" >/dev/null && ok || fail "the user's language (zh) without Accept-Language"
expect 403 "$(req auditor POST /api/v1/tokens '{"user": "admin"}')" "a token for someone else"
expect 201 "$(req auditor POST /api/v1/tokens '{}')" "a token for oneself"
other=$(cg --json token list --user dave | jq -r '.[0].id')
expect 403 "$(req auditor DELETE "/api/v1/tokens/$other")" "revoke another's token"
req auditor GET /api/v1/tokens >/dev/null
jq -e '[.items[].user] | unique == ["u_auditor"]' "$tmp/body" >/dev/null && ok || fail "a user lists only its tokens"
expect 200 "$(req admin PUT /api/v1/users/dave '{"disabled": true}' -H 'If-Match: *')" "disable dave"
# no wait: a user changed through the API makes every thread forget the tokens it checked
expect 401 "$(req dave GET /api/v1/me)" "a disabled user's token"

# --- console sessions: cookie, CSRF, sign-out ---
jar="$tmp/jar"
code=$(curl -s -o "$tmp/body" -D "$tmp/h" -w '%{http_code}' -c "$jar" -H "$J0" -X POST --data-binary '{"user": "u_procurement", "password": "password of procurement here"}' "$base/api/v1/session")
expect 200 "$code" "sign in"
grep -i '^set-cookie: cg_session=[0-9a-f]\{64\}; Path=/; HttpOnly; SameSite=Strict; Max-Age=28800' "$tmp/h" >/dev/null && ok || fail "session cookie attributes: $(grep -i set-cookie "$tmp/h")"
csrf=$(jq -r .csrf "$tmp/body")
[[ $csrf =~ ^[0-9a-f]{64}$ ]] && ok || fail "csrf token"
expect 200 "$(curl -s -o "$tmp/body" -w '%{http_code}' -b "$jar" "$base/api/v1/me")" "cookie reads"
jq -e '.user == "u_procurement" and .role == "procurement"' "$tmp/body" >/dev/null && ok || fail "cookie user"
expect 403 "$(curl -s -o "$tmp/body" -w '%{http_code}' -b "$jar" -H "$J0" -X POST --data-binary "$vendor" "$base/api/v1/registers/vendor")" "cookie write without CSRF token"
# a token of the right length that differs in its first digit (always, whatever the token)
[[ ${csrf:0:1} == 0 ]] && badcsrf="1${csrf:1}" || badcsrf="0${csrf:1}"
[[ $badcsrf != "$csrf" && ${#badcsrf} -eq ${#csrf} ]] && ok || fail "a wrong CSRF token differs"
expect 403 "$(curl -s -o "$tmp/body" -w '%{http_code}' -b "$jar" -H "$J0" -H "X-CSRF-Token: $badcsrf" -X POST --data-binary "$vendor" "$base/api/v1/registers/vendor")" "cookie write, wrong CSRF token"
expect 201 "$(curl -s -o "$tmp/body" -w '%{http_code}' -b "$jar" -H "$J0" -H "X-CSRF-Token: $csrf" -X POST --data-binary "$vendor" "$base/api/v1/registers/vendor")" "cookie write with CSRF token"
expect 200 "$(curl -s -o "$tmp/body" -D "$tmp/h" -w '%{http_code}' -b "$jar" -H "X-CSRF-Token: $csrf" -X DELETE "$base/api/v1/session")" "sign out"
grep -qi '^set-cookie: cg_session=; .*Max-Age=0' "$tmp/h" && ok || fail "sign-out clears the cookie"
expect 401 "$(curl -s -o "$tmp/body" -w '%{http_code}' -b "$jar" "$base/api/v1/me")" "old cookie after sign-out"
expect 401 "$(curl -s -o "$tmp/body" -w '%{http_code}' -H "$J0" -X POST --data-binary '{"user": "u_auditor", "password": "wrong password!"}' "$base/api/v1/session")" "wrong password"
expect 401 "$(curl -s -o "$tmp/body" -w '%{http_code}' -H "$J0" -X POST --data-binary '{"user": "nobody", "password": "wrong password!"}' "$base/api/v1/session")" "unknown user"
jq -e '.detail == "wrong user name or password"' "$tmp/body" >/dev/null && ok || fail "one message for unknown user and wrong password"
# a new password, or disabling the account, signs the user out of the console
expect 201 "$(req admin POST /api/v1/users '{"name": "erin", "role": "auditor", "password": "erin first password"}')" "user erin"
signin() { curl -s -o "$tmp/body" -w '%{http_code}' -c "$1" -H "$J0" -X POST --data-binary "{\"user\": \"erin\", \"password\": \"$2\"}" "$base/api/v1/session"; }
expect 200 "$(signin "$tmp/jar-erin" 'erin first password')" "erin signs in"
expect 422 "$(req admin PUT /api/v1/users/erin '{"password": "erin second password", "disabled": "yes"}')" "disabled: a string"
jq -e '.field == "disabled"' "$tmp/body" >/dev/null && ok || fail "422 names disabled"
expect 422 "$(req admin PUT /api/v1/users/erin '{"password": "erin second password", "role": "admin"}')" "PUT /users: an unknown key"
jq -e '.field == "role"' "$tmp/body" >/dev/null && ok || fail "422 names role"
# a password the account's rules refuse, with a valid If-Match: refused in the change itself,
# after the ETag was read (the server freed that document twice, seen under ASan)
expect 422 "$(req admin PUT /api/v1/users/erin '{"password": "short"}' -H 'If-Match: *')" "PUT /users: a short password"
jq -e '.field == "password"' "$tmp/body" >/dev/null && ok || fail "422 names password: $(head -c 200 "$tmp/body")"
expect 200 "$(curl -s -o "$tmp/body" -w '%{http_code}' -b "$tmp/jar-erin" "$base/api/v1/me")" "refused changes kept erin's session"
expect 200 "$(req admin PUT /api/v1/users/erin '{"password": "erin second password"}' -H 'If-Match: *')" "new password for erin"
expect 401 "$(curl -s -o "$tmp/body" -w '%{http_code}' -b "$tmp/jar-erin" "$base/api/v1/me")" "the session before the new password"
expect 401 "$(signin "$tmp/jar-erin" 'erin first password')" "the old password"
expect 200 "$(signin "$tmp/jar-erin" 'erin second password')" "the new password"
expect 200 "$(req admin PUT /api/v1/users/erin '{"disabled": true}' -H 'If-Match: *')" "disable erin"
expect 200 "$(req admin PUT /api/v1/users/erin '{"disabled": false}' -H 'If-Match: *')" "enable erin"
expect 401 "$(curl -s -o "$tmp/body" -w '%{http_code}' -b "$tmp/jar-erin" "$base/api/v1/me")" "the session before disabling, after enabling again"
# a change of a user needs If-Match with its `etag` (GET /users): a second admin's stale one changes nothing
req admin GET '/api/v1/users?limit=1000' >/dev/null
utag=$(jq -r '.items[] | select(.name == "erin") | .etag' "$tmp/body")
[[ $utag =~ ^\"[0-9a-f]{32}\"$ ]] && ok || fail "a user's etag: $utag"
expect 428 "$(req admin PUT /api/v1/users/erin '{"disabled": true}')" "a user changed without If-Match"
jq -e '.field == "If-Match"' "$tmp/body" >/dev/null && ok || fail "428 of a user names If-Match"
expect 200 "$(req admin PUT /api/v1/users/erin '{"disabled": true}' -H "If-Match: $utag" -D "$tmp/h")" "a user changed with its etag"
jq -e --arg old "$utag" '.name == "erin" and .disabled == true and .etag != $old' "$tmp/body" >/dev/null &&
	[[ $(sed -n 's/^[Ee][Tt]ag: \(.*\)\r$/\1/p' "$tmp/h") == "$(jq -r .etag "$tmp/body")" ]] && ok || fail "PUT /users answers the user and its new ETag: $(head -c 300 "$tmp/body")"
ucur=$(jq -r .etag "$tmp/body")
expect 412 "$(req admin PUT /api/v1/users/erin '{"disabled": false}' -H "If-Match: $utag")" "a user changed with a stale etag"
req admin GET '/api/v1/users?disabled=true&limit=1000' >/dev/null
jq -e '[.items[].name] | index("erin")' "$tmp/body" >/dev/null && ok || fail "the stale change changed nothing: $(jq -c '[.items[].name]' "$tmp/body")"
expect 404 "$(req admin PUT /api/v1/users/nobody '{"disabled": true}' -H 'If-Match: *')" "no such user"
# a list of tags that names the current one matches (RFC 9110 13.1.1)
expect 200 "$(req admin PUT /api/v1/users/erin '{"disabled": false}' -H "If-Match: $utag, W/$ucur, $ucur")" "erin enabled again, If-Match a list"
# a user keeps its 16 newest sessions: the oldest goes at the 17th sign-in
expect 200 "$(signin "$tmp/jar-erin" 'erin second password')" "erin's first session"
for i in $(seq 15); do signin "$tmp/jar-x" 'erin second password' >/dev/null; done
expect 200 "$(curl -s -o "$tmp/body" -w '%{http_code}' -b "$tmp/jar-erin" "$base/api/v1/me")" "the 16th newest session"
expect 200 "$(signin "$tmp/jar-x" 'erin second password')" "a 17th sign-in"
expect 401 "$(curl -s -o "$tmp/body" -w '%{http_code}' -b "$tmp/jar-erin" "$base/api/v1/me")" "the oldest of 17 sessions"

# --- paging, sorting and filters of evidence, users, tokens, the catalog and register records ---
for f in b-page.txt a-page.txt; do
	expect 201 "$(req_ct=application/octet-stream req security_officer POST "/api/v1/evidence?scope=ems-scada&urn=order-745:art-17&filename=$f" "page $f")" "evidence $f"
done
req_ct=
req auditor GET '/api/v1/evidence?scope=ems-scada&sort=filename&limit=1000' >/dev/null
cp "$tmp/body" "$tmp/ev.all"
jq -e '.total == (.items | length) and .total >= 4 and ([.items[].filename // ""] as $f | $f == ($f | sort)) and
	([.items[].filename] | index("a-page.txt") < index("b-page.txt")) and ([.items[].scope] | unique == ["ems-scada"])' "$tmp/ev.all" >/dev/null &&
	ok || fail "evidence sorted by filename: $(jq -c '[.items[].filename]' "$tmp/ev.all")"
req auditor GET '/api/v1/evidence?scope=ems-scada&sort=filename&limit=2' >/dev/null
cp "$tmp/body" "$tmp/ev.p1"
req auditor GET '/api/v1/evidence?scope=ems-scada&sort=filename&limit=1000&offset=2' >/dev/null
jq -e --slurpfile a "$tmp/ev.all" --slurpfile p "$tmp/ev.p1" '($p[0].items | length) == 2 and $p[0].items + .items == $a[0].items and
	.total == $a[0].total and $p[0].total == $a[0].total' "$tmp/body" >/dev/null && ok || fail "two pages of evidence: disjoint, covering the total"
req auditor GET '/api/v1/evidence?sort=-added_at&limit=1000' >/dev/null
jq -e '[.items[].added_at] as $t | $t == ($t | sort | reverse) and .total >= ('"$(jq .total "$tmp/ev.all")"')' "$tmp/body" >/dev/null && ok || fail "evidence, newest first"
for a in 'limit=1001:limit' 'offset=-1:offset' 'sort=size:sort'; do
	expect 400 "$(req auditor GET "/api/v1/evidence?${a%:*}")" "evidence?${a%:*}"
	jq -e --arg f "${a##*:}" '.field == $f' "$tmp/body" >/dev/null && ok || fail "400 names ${a##*:}"
done
# users: by role, disabled or not, sorted, paged
cg --json user list >"$tmp/users.cli"
req admin GET '/api/v1/users?role=auditor&limit=1000' >/dev/null
jq -e --slurpfile c "$tmp/users.cli" '([.items[].name] | sort) == ([$c[0][] | select(.role == "auditor") | .name] | sort) and .total == (.items | length) and .total >= 3' \
	"$tmp/body" >/dev/null && ok || fail "users?role=auditor: $(jq -c '[.items[].name]' "$tmp/body")"
req admin GET '/api/v1/users?disabled=true' >/dev/null
jq -e --slurpfile c "$tmp/users.cli" '[.items[].name] == [$c[0][] | select(.disabled) | .name] and (.items | length) >= 1' "$tmp/body" >/dev/null &&
	ok || fail "users?disabled=true: $(jq -c '[.items[].name]' "$tmp/body")"
expect 400 "$(req admin GET '/api/v1/users?disabled=maybe')" "users?disabled=maybe"
jq -e '.field == "disabled"' "$tmp/body" >/dev/null && ok || fail "400 names disabled"
expect 200 "$(req admin GET '/api/v1/users?role=nobody')" "users of a role no one has"
jq -e '.items == [] and .total == 0' "$tmp/body" >/dev/null && ok || fail "a role no one has matches nothing"
req admin GET '/api/v1/users?sort=-role&limit=1000' >/dev/null
jq -e --slurpfile c "$tmp/users.cli" '[.items[].role] as $r | $r == ($r | sort | reverse) and .total == ($c[0] | length)' "$tmp/body" >/dev/null &&
	ok || fail "users sorted by role, descending: $(jq -c '[.items[].role]' "$tmp/body")"
req admin GET '/api/v1/users?limit=1000' >/dev/null
cp "$tmp/body" "$tmp/users.all"
req admin GET '/api/v1/users?limit=2&offset=1' >/dev/null
jq -e --slurpfile a "$tmp/users.all" '.items == $a[0].items[1:3] and .total == $a[0].total' "$tmp/body" >/dev/null && ok || fail "a page of users"
# tokens: one user's (an admin), sorted, paged
req admin GET "/api/v1/tokens?user=u_auditor&sort=-created_at&limit=1000" >/dev/null
jq -e --argjson n "$(cg --json token list --user u_auditor | jq length)" '.total == $n and $n >= 2 and ([.items[].user] | unique == ["u_auditor"]) and
	([.items[].created_at] as $t | $t == ($t | sort | reverse))' "$tmp/body" >/dev/null && ok || fail "tokens of one user, newest first: $(head -c 300 "$tmp/body")"
req admin GET "/api/v1/tokens?user=u_auditor&limit=1&offset=1" >/dev/null
jq -e --argjson n "$(cg --json token list --user u_auditor | jq length)" --arg id "$(cg --json token list --user u_auditor | jq -r '.[1].id')" \
	'.total == $n and [.items[].id] == [$id]' "$tmp/body" >/dev/null && ok || fail "a page of tokens: $(head -c 300 "$tmp/body")"
# the catalog's libraries: whole, or the page asked for
req auditor GET /api/v1/catalogs >/dev/null
cp "$tmp/body" "$tmp/cat.all"
expect 200 "$(req auditor GET '/api/v1/catalogs?limit=1&offset=1')" "a page of the libraries"
jq -e --slurpfile a "$tmp/cat.all" '.libraries == $a[0].libraries[1:2] and .total == ($a[0].libraries | length) and .total >= 2 and
	$a[0].total == .total and .catalog_version == $a[0].catalog_version and .warnings == $a[0].warnings' "$tmp/body" >/dev/null && ok || fail "/catalogs?limit=1&offset=1"
# register records: by system and by an enum field (a pentest's status); a value no record has,
# or a field the kind lacks, matches nothing
expect 201 "$(req admin POST /api/v1/registers/pentest '{"systems": ["dispatch-optimiser"], "status": "cancelled", "authorised_by": "CISO", "scope": "web", "window_start": "2026-10-01", "window_end": "2026-10-02"}')" "a cancelled pentest"
pen=$(jq -r .id "$tmp/body")
cg --json pentest list >"$tmp/pen.cli"
for f in "status=cancelled:[\"$pen\"]" "system=dispatch-optimiser:[\"$pen\"]" "status=cancelled&system=ems-scada:[]" "status=bogus:[]" "role=principal:[]" \
	"status=scheduled:$(jq -c '[.[] | select(.status == "scheduled") | .id]' "$tmp/pen.cli")" \
	"system=ems-scada:$(jq -c '[.[] | select(.systems | index("ems-scada")) | .id]' "$tmp/pen.cli")"; do
	req auditor GET "/api/v1/registers/pentest?${f%%:*}&limit=1000" >/dev/null
	jq -e --argjson want "${f#*:}" '([.items[].id] | sort) == ($want | sort) and .total == ($want | length)' "$tmp/body" >/dev/null &&
		ok || fail "pentests?${f%%:*}: $(jq -c '[.items[].id]' "$tmp/body"), wanted ${f#*:}"
done
jq -e 'length >= 4' "$tmp/pen.cli" >/dev/null && ok || fail "pentests to filter: $(jq length "$tmp/pen.cli")"
req auditor GET '/api/v1/registers/person?role=principal&limit=1000' >/dev/null
jq -e --arg p "$pid_principal" '[.items[].id] | index($p)' "$tmp/body" >/dev/null && jq -e '[.items[].role] | unique == ["principal"]' "$tmp/body" >/dev/null &&
	ok || fail "people?role=principal: $(jq -c '[.items[] | [.id, .role]]' "$tmp/body")"

# --- concurrent writes: run in batches, one transaction each, a refused one undoing only itself ---
n_inc=$(cg --json incident list | jq length)
mr0=$(curl -s "$base/metrics" | awk '$1 == "ciiguard_write_batch_retries_total" {print $2}')
seq 1 90 | xargs -P 30 -I{} sh -c 'if [ $(({} % 3)) -eq 0 ]; then t=nope; else t=intrusion; fi
	curl -s -o /dev/null -w "%{http_code}\n" --max-time 30 -H "Authorization: Bearer $0" -H "Content-Type: application/json" \
		--data-binary "{\"title\": \"C{}\", \"type\": \"$t\", \"discovered_at\": \"2026-11-27T10:00:00+08:00\"}" "$1/api/v1/incidents"' \
	"${tok[security_officer]}" "$base" >"$tmp/conc.codes"
expect "60 201 30 422" "$(sort "$tmp/conc.codes" | uniq -c | awk '{printf "%s%s %s", (NR > 1 ? " " : ""), $1, $2}')" "concurrent writes: 60 created, 30 refused"
cg --json incident list | jq -e --argjson n "$n_inc" 'length == $n + 60 and ([.[].id] | unique | length) == length and ([.[] | select(.title | startswith("C"))] | length) == 60' >/dev/null && ok || fail "the 60 incidents stored once each, ids distinct"
cg audit verify >/dev/null && ok || fail "audit verify after concurrent writes"
# /metrics counts the deadlines one incident at a time: the same as `ciiguard due`, with a major
# incident discovered the day before whose reports are overdue
command curl -s -o /dev/null -H "Authorization: Bearer ${tok[security_officer]}" -H "Content-Type: application/json" \
	--data-binary '{"title": "Overdue", "type": "data_leak", "discovered_at": "2026-11-01T10:00:00+08:00", "pi_subjects_leaked": 20000000}' \
	"$base/api/v1/incidents"
due_json=$(cg --json due || true) # exit 3: something is overdue
m=$(curl -s "$base/metrics")
grep -q "^ciiguard_deadlines{state=\"open\"} $(jq '.deadlines | length' <<<"$due_json")\$" <<<"$m" &&
	grep -q "^ciiguard_deadlines{state=\"overdue\"} $(jq .overdue <<<"$due_json")\$" <<<"$m" &&
	jq -e '.overdue >= 1' <<<"$due_json" >/dev/null && ok || fail "/metrics deadlines after the concurrent writes: $(grep deadlines <<<"$m" | tr '\n' ' ') vs due $(jq -c '{n: (.deadlines | length), overdue}' <<<"$due_json")"
# the writes ran in batches, and (SQLite) each batch was answered after a sync of the log that covered it
m=$(curl -s "$base/metrics")
mb=$(awk '$1 == "ciiguard_write_batches_total" {print $2}' <<<"$m")
mn=$(awk '$1 == "ciiguard_write_batched_requests_total" {print $2}' <<<"$m")
ms=$(awk '$1 == "ciiguard_log_syncs_total" {print $2}' <<<"$m")
(( mb >= 1 && mn >= 90 && mb <= mn )) && ok || fail "/metrics counts the batches ($mb) and their requests ($mn)"
# a batch runs without a savepoint per request; one whose write failed runs again with them (the
# 30 refused above are refused by the writer)
mr=$(awk '$1 == "ciiguard_write_batch_retries_total" {print $2}' <<<"$m")
(( mr - mr0 >= 1 && mr - mr0 <= 30 )) && ok || fail "/metrics counts the batches run again after a failed write ($mr0 -> $mr)"
if [[ ${CIIGUARD_DB:-} == postgres* ]]; then
	(( ms == 0 )) && ok || fail "PostgreSQL commits durably itself: no log syncs ($ms)"
else
	(( ms >= 1 && ms <= mb )) && ok || fail "one log sync covers one batch or more ($ms syncs, $mb batches)"
fi
# each sync's time in a histogram: cumulative buckets, +Inf and _count both the number of syncs
awk -v n="$ms" '/^ciiguard_log_sync_duration_seconds_bucket/ { split($1, a, "le=\""); le = a[2]; sub(/".*/, "", le)
		if ($2 < prev) bad = 1; prev = $2; last = le; inf = $2; k++ }
	$1 == "ciiguard_log_sync_duration_seconds_count" { count = $2 }
	END { exit !(k == 10 && !bad && last == "+Inf" && inf == n && count == n) }' <<<"$m" &&
	ok || fail "/metrics log sync histogram: $(grep log_sync_duration <<<"$m" | tr '\n' ' ')"
# the build: its version and its allocator, the one configured (ctest passes CMake's choice; run
# by hand, the one the binary links) and the one the running server has loaded
alloc=${CG_EXPECT_ALLOCATOR:-$(ldd "$bin" | grep -q libjemalloc && echo jemalloc || echo libc)}
grep -q "^ciiguard_build_info{version=\"$("$bin" --version | awk '{print $2}')\",allocator=\"$alloc\"} 1\$" <<<"$m" &&
	ok || fail "/metrics build info: $(grep build_info <<<"$m") (expected allocator $alloc)"
if grep -q libjemalloc "/proc/$pid/maps"; then loaded=jemalloc; else loaded=libc; fi
expect "$alloc" "$loaded" "the server runs with the configured allocator"

# --- a body sent a byte at a time: once it has taken --body-timeout (2 s here), the connection is
# closed (libmicrohttpd takes no answer mid-body), counted in /metrics, and nothing is stored ---
slow() { curl -s "$base/metrics" | awk '$1 == "ciiguard_http_slow_bodies_total" {print $2}'; }
slow0=$(slow)
req admin GET /api/v1/incidents >/dev/null
inc0=$(jq .total "$tmp/body")
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'POST /api/v1/incidents HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %s\r\n\r\n{' \
	"${tok[admin]}" "${#incident}" >&3
sleep 1
printf '"' >&3
sleep 1.3
printf 't' >&3 || true
if timeout 5 cat <&3 >"$tmp/slow.out"; then ok; else fail "a body past --body-timeout: the connection stayed open"; fi
exec 3>&-
[[ ! -s $tmp/slow.out ]] && ok || fail "a body past --body-timeout: an answer came: $(head -c 200 "$tmp/slow.out")"
expect $((slow0 + 1)) "$(slow)" "ciiguard_http_slow_bodies_total"
req admin GET /api/v1/incidents >/dev/null
expect "$inc0" "$(jq .total "$tmp/body")" "incidents after a body past --body-timeout"

# --- counts as large as a count may be: the summary's sum stops at the largest (it overflowed,
# and the sanitizer build's server died on GET /summary) ---
req admin GET /api/v1/systems/ems-scada >/dev/null
big=$(jq -c 'del(.created_at, .updated_at, .notified_at) | .id = "big-count" | .notified_cii = false | .data.pi_subjects = 12345 | .data.sensitive_pi_subjects = 12345' "$tmp/body" | sed 's/12345/9223372036854775807/g')
expect 200 "$(req admin POST /api/v1/imports/systems "[$big]")" "a system counting INT64_MAX people"
expect 200 "$(req auditor GET /api/v1/summary)" "the summary with a count of INT64_MAX"
jq -e '.. | objects | select(has("pi_subjects")) | .pi_subjects == 9223372036854775807' "$tmp/body" >/dev/null && ok || fail "the summary's pi_subjects: $(head -c 300 "$tmp/body")"

# --- 1,000+ malformed or hostile requests ---
before=$(cg --json audit head | jq .count)
bad=0
hostile() { # hostile EXPECT-REGEX curl-args...
	local want=$1
	shift
	local got
	got=$(curl -s -o "$tmp/body" -w '%{http_code}' --max-time 20 "$@") || got=000
	bad=$((bad + 1))
	if [[ ! $got =~ $want ]]; then fail "hostile #$bad (${*: -1}): got $got, wanted $want"; fi
}
A="Authorization: Bearer ${tok[admin]}"
J='Content-Type: application/json'
printf '\xff\xfe{"name": "\xc3\x28"}' >"$tmp/badutf8"
head -c 1100000 /dev/zero | tr '\0' 'a' >"$tmp/big"
{ # a billion laughs: aliases that expand to 9^9 values
	echo 'urn: urn:x:lol'
	echo 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'
	p=a
	for l in b c d e f g h i; do echo "$l: &$l [*$p,*$p,*$p,*$p,*$p,*$p,*$p,*$p,*$p]"; p=$l; done
} >"$tmp/laughs.yaml"
for i in $(seq 1 60); do
	hostile '^4' -H "$A" -H "$J" -X POST --data-binary "{\"name\": \"x$i\", " "$base/api/v1/registers/vendor"
	hostile '^4' -H "$A" -H "$J" -X POST --data-binary '[1,2,3]' "$base/api/v1/registers/vendor"
	hostile '^4' -H "$A" -H "$J" -X POST --data-binary '{"name": 12, "kind": true}' "$base/api/v1/registers/vendor"
	hostile '^4' -H "$A" -H "$J" -X POST --data-binary "{\"title\": \"p\", \"amount_cny\": 1e400, \"category\": \"other\"}" "$base/api/v1/registers/procurement"
	hostile '^4' -H "$A" -H "$J" -X POST --data-binary "{\"title\": \"p\", \"amount_cny\": 99999999999999999999999$i, \"category\": \"other\"}" "$base/api/v1/registers/procurement"
	hostile '^4' -H "$A" -H "$J" -X POST --data-binary @"$tmp/badutf8" "$base/api/v1/registers/vendor"
	hostile '^413$' -H "$A" -H "$J" -X POST --data-binary @"$tmp/big" "$base/api/v1/registers/vendor"
	hostile '^4' -H "$A" "$base/api/v1/registers/..%2F..%2Fetc%2Fpasswd"
	hostile '^4' -H "$A" "$base/api/v1/registers/vendor/..%2F..%2F$i"
	hostile '^4' -H "$A" "$base/api/v1/systems/x'%20OR%20'1'='1$i"
	hostile '^4' -H "$A" -H "$J" -X POST --data-binary "{\"name\": \"x'); DROP TABLE records;-- $i\", \"kind\": \"nope\"}" "$base/api/v1/registers/vendor"
	hostile '^4' -H "$A" "$base/api/v1/systems?limit=99999999999999999999$i"
	hostile '^401$' -H "Authorization: Bearer cgt_$(printf '%016d' "$i")_$(printf '%064d' 0)" "$base/api/v1/status"
	hostile '^401$' -H "Authorization: Bearer ' OR 1=1 --$i" "$base/api/v1/status"
	hostile '^401$' -H "Authorization: Basic YWRtaW46YWRtaW4=" "$base/api/v1/status"
	hostile '^4' -H "$A" -X PATCH "$base/api/v1/systems/ems-scada"
	hostile '^4' -H "$A" -H 'Content-Type: text/plain' -X POST --data-binary '{}' "$base/api/v1/incidents"
	hostile '^4' -H "$A" -H "$J" -X POST --data-binary "{\"title\": \"t\", \"type\": \"intrusion\", \"discovered_at\": \"yesterday $i\"}" "$base/api/v1/incidents"
	hostile '^4' -H "$A" -H "$J" -X POST --data-binary "{\"pi_subjects_leaked\": -$i}" "$base/api/v1/grade"
	hostile '^4' -H "$A" "$base/api/v1/$(head -c 40 /dev/urandom | base64 | tr -dc 'a-z' | head -c 12)"
	hostile '^422$' -H "$A" -H 'Content-Type: application/yaml' --data-binary @"$tmp/laughs.yaml" "$base/api/v1/catalogs"
	hostile '^422$' -H "$A" -H "$J" -X POST --data-binary "{\"sector\": $i, \"harm_if_compromised\": [\"serious\"]}" "$base/api/v1/screening"
done
# the imports, exports, summary, audit head, evidence links, list arguments and If-Match lists
# (nothing of it may be stored: counted below with the rest)
V=(-H "$A" -X POST)
C='Content-Type: text/csv'
printf 'id,name,kind\nVEN-h1,N\0ul,cloud\n' >"$tmp/nul.csv"
printf 'id,name,kind\nVEN-h1,\xff\xff\x80,cloud\n' >"$tmp/notgb.csv"
printf 'id,name,kind\nVEN-h1,\x81\x30\x81' >"$tmp/cutgb.csv"
{ seq -s, -f 'c%g' 1 3000; seq -s, 1 3000; } >"$tmp/wide.csv"
{ echo 'id,name,kind'; printf 'VEN-h1,%s,cloud\n' "$(head -c 900000 /dev/zero | tr '\0' x)"; } >"$tmp/longcell.csv"
printf 'id,name,kind\nVEN-h1,N,cloud\n' >"$tmp/ok.csv"
for k in systems vendor decision procurement; do
	u="$base/api/v1/imports/$k"
	hostile '^422$' "${V[@]}" -H "$C" --data-binary $'id,name\n"a,b' "$u"
	hostile '^422$' "${V[@]}" -H "$C" --data-binary $'"id,name\na,b' "$u"
	for f in nul notgb cutgb wide longcell; do hostile '^422$' "${V[@]}" -H "$C" --data-binary @"$tmp/$f.csv" "$u"; done
	hostile '^422$' "${V[@]}" -H "$C" --data-binary 'x,y' "$u?update=true"
	for t in 'text/csv; charset=utf-16' 'text/csv; xcharset=utf-8; charset=latin1' 'text/csv; charset="utf-8' \
		'text/csv; charset=utf-8; charset=big5' 'text/csvx' 'text/plain'; do
		hostile '^415$' "${V[@]}" -H "Content-Type: $t" --data-binary @"$tmp/ok.csv" "$u"
	done
	hostile '^400$' "${V[@]}" -H 'Content-Type: text/csv; charset="gb18030"' --data-binary @"$tmp/ok.csv" "$u?update=1"
	hostile '^400$' "${V[@]}" -H "$C" --data-binary @"$tmp/ok.csv" "$u?update=TRUE"
	hostile '^422$' "${V[@]}" -H "$J" --data-binary '[1, 2]' "$u"
	hostile '^422$' "${V[@]}" -H "$J" --data-binary '[[{"id": "x"}]]' "$u"
	hostile '^422$' "${V[@]}" -H "$J" --data-binary '{"id": "x"}' "$u"
	hostile '^400$' "${V[@]}" -H "$J" --data-binary '"x"' "$u"
	hostile '^400$' "${V[@]}" -H "$J" --data-binary '[{"id": "x", "amount_cny": 1e400}]' "$u"
	hostile '^400$' "${V[@]}" -H "$J" --data-binary '[{"id": "x", "users": 99999999999999999999}]' "$u"
	hostile '^400$' "${V[@]}" -H "$J" --data-binary '[{"id": "x\u0000y"}]' "$u"
	hostile '^4' "${V[@]}" -H "$J" --data-binary '[{"id": "../../x", "name": "n"}]' "$u"
	hostile '^413$' "${V[@]}" -H "$C" --data-binary @"$tmp/big" "$u"
done
hostile '^422$' "${V[@]}" -H "$J" --data-binary '[{"id": "VEN-h1", "name": "A", "kind": "cloud"}, {"id": "VEN-h1", "name": "B", "kind": "bogus"}]' "$base/api/v1/imports/vendor?update=true"
hostile '^409$' "${V[@]}" -H "$J" --data-binary '[{"id": "VEN-h1", "name": "A", "kind": "cloud"}, {"id": "VEN-h1", "name": "B", "kind": "cloud"}]' "$base/api/v1/imports/vendor"
hostile '^422$' "${V[@]}" -H "$J" --data-binary '[{"id": "VEN-h2", "name": "A", "kind": "cloud"}, {"id": "AGR-h2", "vendor": "VEN-h2", "signed_on": "2026-01-01"}]' "$base/api/v1/imports/vendor"
small=$(jq -c '.data.pi_subjects = 0 | .data.sensitive_pi_subjects = 0' <<<"$big")
hostile '^422$' "${V[@]}" -H "$J" --data-binary "[$(jq -c '.id = "dup-h"' <<<"$small"), $(jq -c '.id = "dup-h" | .name = "B"' <<<"$small")]" "$base/api/v1/imports/systems?update=true"
hostile '^422$' "${V[@]}" -H "$J" --data-binary "[$(jq -c '.id = "self-h" | .links = [{"to": "self-h", "kind": "depends_on"}]' <<<"$small")]" "$base/api/v1/imports/systems"
hostile '^404$' "${V[@]}" -H "$C" --data-binary @"$tmp/ok.csv" "$base/api/v1/imports/VENDOR"
for f in CSV xml '' '%ff' 'json%20'; do hostile '^4' -H "$A" "$base/api/v1/exports/vendor?format=$f"; done
for k in systems nope; do hostile '^404$' -H "$A" "$base/api/v1/exports/$k?format=json"; done
hostile '^405$' -H "$A" -X POST "$base/api/v1/summary"
hostile '^405$' -H "$A" -X DELETE "$base/api/v1/audit/head"
ahead=$(curl -s -H "$A" "$base/api/v1/audit/head" | jq -r .head)
for e in "$(tr a-f A-F <<<"$ahead")" "${ahead:0:63}" "${ahead}0" '' "${ahead:0:63}g" "%20$ahead" "${ahead:0:63}%00" "$(head -c 10000 /dev/zero | tr '\0' a)"; do
	hostile '^400$' -H "$A" "$base/api/v1/audit/verify?expect_head=$e"
done
hostile '^200$' -H "$A" "$base/api/v1/audit/verify?expect_head=$(printf '%064d' 1)"
jq -e '.ok == false and (.problem | length) > 0' "$tmp/body" >/dev/null && ok || fail "a head not in the trail: $(head -c 300 "$tmp/body")"
obl=urn:ciiguard:req_node:order-745:art-13-principal
ev="$base/api/v1/evidence?scope=organisation&urn=$obl"
for l in ':x' 'system:' ':' 'system' 'sha256:abc' "system:$(head -c 10240 /dev/zero | tr '\0' a)"; do hostile '^422$' "${V[@]}" "$ev&link=$l"; done
for l in 'system:ems-scada:x' 'nope:ems-scada' 'system:nope' 'SYSTEM:ems-scada' 'system:%20ems-scada' 'evidence:x'; do hostile '^404$' "${V[@]}" "$ev&link=$l"; done
# arguments that reach a query, not UTF-8: never a 500 (PostgreSQL refuses such text)
for u in 'audit/log?entity=%ff' 'audit/log?entity=system:%ff' 'evidence?scope=%ff' 'evidence?scope=organisation&urn=%ff' 'tokens?user=%ff' \
	'obligations?scope=%c3%28' 'due?within=%ff' 'registers/vendor?system=%ff' 'users?role=%ff' 'systems?owner=%ff'; do
	hostile '^[24]' -H "$A" "$base/api/v1/$u"
done
hostile '^4' "${V[@]}" "$base/api/v1/evidence?scope=%ff&urn=order-745:art-17&link=system:ems-scada"
hostile '^4' "${V[@]}" "$base/api/v1/evidence?scope=organisation&urn=%ff&link=system:ems-scada"
hostile '^4' "${V[@]}" "$base/api/v1/evidence?scope=organisation&urn=order-745:art-13-principal&link=system:ems-scada&note=%ff"
# not UTF-8: refused as any such argument (400 naming it; PostgreSQL refused the query: 500); a
# control character: no record's id (422)
for l in 'system:%ff' '%c3%28:x'; do hostile '^400$' "${V[@]}" "$ev&link=$l"; done
jq -e '.field == "link"' "$tmp/body" >/dev/null && ok || fail "a link not UTF-8: $(head -c 200 "$tmp/body")"
hostile '^422$' "${V[@]}" "$ev&link=system:a%0ab"
hostile '^400$' "${V[@]}" "$ev&link=system:ems-scada&filename=a.txt"
hostile '^400$' "${V[@]}" -H 'Content-Type: application/octet-stream' --data-binary 'x' "$ev&link=system:ems-scada"
hostile '^422$' "${V[@]}" "$ev&link=system:ems-scada&note=$(head -c 2000 /dev/zero | tr '\0' a)"
hostile '^422$' "${V[@]}" "$base/api/v1/evidence?scope=ems-scada&urn=$obl&link=system:ems-scada"
hostile '^404$' "${V[@]}" "$base/api/v1/evidence?scope=organisation&urn=&link=system:ems-scada"
hostile '^422$' "${V[@]}" "$base/api/v1/evidence?urn=$obl&link=system:ems-scada"
for p in evidence users tokens registers/vendor systems incidents; do
	for q in 'offset=2147483647&limit=100000' 'offset=-1' 'limit=1e3' 'limit=' 'limit=0x10' 'limit=+5' 'offset=2147483648' 'sort=-' 'sort=--id' 'sort=' 'sort=%ff'; do
		hostile '^400$' -H "$A" "$base/api/v1/$p?$q"
	done
	hostile '^200$' -H "$A" "$base/api/v1/$p?offset=2147483647&limit=1000"
done
for p in catalogs due gaps obligations; do
	for q in 'offset=-1' 'limit=1e3' 'limit=' 'offset=' 'limit=100001' 'offset=9223372036854775807'; do
		hostile '^400$' -H "$A" "$base/api/v1/$p?$q"
	done
	hostile '^200$' -H "$A" "$base/api/v1/$p?offset=2147483647&limit=100000"
done
hostile '^400$' -H "$A" "$base/api/v1/users?disabled="
# an encoded NUL in the path or an argument: decoded, it would end the value early (ems%00scada
# read the system ems, link=system:ems-scada%00x linked ems-scada)
for u in "systems/ems-scada%00x" "systems?limit=1%00x" "registers/vendor?system=ems%00" "evidence/%00" "audit/verify?expect_head=%00"; do
	hostile '^400$' -H "$A" "$base/api/v1/$u"
done
hostile '^400$' "${V[@]}" "$base/api/v1/evidence?scope=ems-scada&urn=order-745:art-17&link=system:ems-scada%00x"
hostile '^400$' "${V[@]}" -H "$J" --data-binary "$incident" "$base/api/v1/incidents?x=%00"
hostile '^400$' -H "$A" "$base/api/v1/systems?ai_kind="
hostile '^200$' -H "$A" "$base/api/v1/registers/vendor?system="
jq -e '.total == 0' "$tmp/body" >/dev/null && ok || fail "an empty filter matches nothing: $(head -c 300 "$tmp/body")"
# If-Match: a weak tag or a list that does not name the current one is 412; a field of the wrong
# type is 422, not read as absent ({"handled_at": 5} closed an incident now)
itag=$(curl -s -D - -o /dev/null -H "$A" "$base/api/v1/incidents/$own_inc" | sed -n 's/^etag: //Ip' | tr -d '\r')
for m in "W/$itag" '"a", "b"' "\"a\", W/$itag" '"' ',' '*, *' '""' "${itag%\"}"; do
	hostile '^412$' "${V[@]}" -H "If-Match: $m" -H "$J" --data-binary '{"text": "x"}' "$base/api/v1/incidents/$own_inc/actions"
done
hostile '^412$' -H "$A" -X PUT -H 'If-Match: "a", W/"b"' -H "$J" --data-binary '{"disabled": false}' "$base/api/v1/users/u_auditor"
for b in '{"handled_at": 5}' '{"handled_at": ["2026-12-01T00:00:00Z"]}'; do
	hostile '^422$' "${V[@]}" -H 'If-Match: *' -H "$J" --data-binary "$b" "$base/api/v1/incidents/$own_inc/close"
done
for b in '{"text": "x", "at": 5}' '{"text": 5}' '{"text": {"a": 1}}'; do
	hostile '^422$' "${V[@]}" -H 'If-Match: *' -H "$J" --data-binary "$b" "$base/api/v1/incidents/$own_inc/actions"
done
for b in '{"kind": "initial", "recipient": "protection_work_department", "channel": []}' '{"kind": "initial", "recipient": "protection_work_department", "sha256": 5}' \
	'{"kind": 1, "recipient": "protection_work_department"}' '{"kind": "initial", "recipient": true}' '{"kind": "initial", "recipient": "protection_work_department", "at": 1e3}'; do
	hostile '^422$' "${V[@]}" -H 'If-Match: *' -H "$J" --data-binary "$b" "$base/api/v1/incidents/$own_inc/submissions"
done
# bytes that are not UTF-8 in an id or an argument: an answer (they gave none, or 503)
for p in systems/%ff incidents/%ff catalogs/%ff registers/vendor/%ff evidence/%ff 'systems/a%c3%28b/screening'; do
	hostile '^404$' -H "$A" "$base/api/v1/$p"
done
hostile '^404$' -H "$A" -H "$J" -H 'If-Match: *' -X PUT --data-binary '{"name": "x"}' "$base/api/v1/registers/vendor/%ff"
hostile '^4' -H "$A" "$base/api/v1/obligations?scope=%ff"
hostile '^4' -H "$A" -H 'Content-Type: application/yaml' --data-binary 'urn: [' "$base/api/v1/catalogs?filename=%ff.yaml"
# long URL and many headers
long=$(head -c 40000 /dev/zero | tr '\0' 'a')
hostile '^4' -H "$A" "$base/api/v1/systems/$long"
hdrs=()
for i in $(seq 1 300); do hdrs+=(-H "X-Filler-$i: $long"); done
hostile '^4|^000$' -H "$A" "${hdrs[@]:0:40}" "$base/api/v1/status"
# a client's text cannot break a log line nor forge another (user name, path, method)
hostile '^401$' -H "$J" -X POST --data-binary '{"user": "x\"}\n{\"event\":\"login\",\"user\":\"admin\",\"address\":\"6.6.6.6\"}", "password": "p"}' "$base/api/v1/session"
hostile '^403$' -H "Authorization: Bearer ${tok[auditor]}" -H 'If-Match: *' -X DELETE "$base/api/v1/systems/a%22%5Cb%E2%80%A8"
hostile '^4' -H "$A" -X 'A"B\' "$base/api/v1/status"
# bodies are read before the request is checked: without credentials only a JSON body's size, and
# all bodies in flight together at most 64 MiB (503 with Retry-After past it)
head -c 2000000 /dev/zero >"$tmp/two-mb"
hostile '^413$' -H 'Content-Type: application/octet-stream' --data-binary @"$tmp/two-mb" "$base/api/v1/evidence?scope=organisation&urn=x&name=a.bin"
head -c 10000000 /dev/zero >"$tmp/ten-mb"
seq 1 9 | xargs -P 9 -I{} sh -c 'command curl -s -o /dev/null -w "%{http_code}\n" --limit-rate 8M -H "Authorization: Bearer cgt_0000000000000000_{}" \
	-H "Content-Type: application/octet-stream" --data-binary @"$0" "$1/api/v1/evidence?scope=organisation&urn=x&name=a.bin" || true' "$tmp/ten-mb" "$base" >"$tmp/busy.codes"
sort "$tmp/busy.codes" | uniq -c | tr '\n' ' ' >"$tmp/busy.sum"
grep -q 503 "$tmp/busy.codes" && ! grep -qv -e '^401$' -e '^503$' "$tmp/busy.codes" && ok || fail "bodies in flight past 64 MiB: $(cat "$tmp/busy.sum")"
hostile '^401$' -H "Authorization: Bearer cgt_0000000000000000_x" -H 'Content-Type: application/octet-stream' --data-binary @"$tmp/ten-mb" "$base/api/v1/evidence?scope=organisation&urn=x&name=a.bin"
bad=$((bad + 9))
[[ $bad -ge 1000 ]] && ok || fail "only $bad hostile requests"
after=$(cg --json audit head | jq .count)
expect "$before" "$after" "no hostile request changed data"
expect 200 "$(req auditor GET /api/v1/systems/ems-scada)" "still answers"
jq -e '.id == "ems-scada" and .description == "first"' "$tmp/body" >/dev/null && ok || fail "still answers correctly"
expect 200 "$(req auditor GET /api/v1/audit/verify)" "audit verify over HTTP"
jq -e '.ok == true' "$tmp/body" >/dev/null && ok || fail "audit verify ok"
cg audit verify >/dev/null && ok || fail "audit verify"
grep '^{' "$tmp/serve.err" | jq -e -s 'length > 20 and ([.[] | select(.address == "6.6.6.6")] | length) == 0 and ([.[] | select(.event == "denied" and .path == "/api/v1/systems/a\"\\b\u2028")] | length) == 1' >/dev/null &&
	ok || fail "the server's log: a line that is not JSON, or a forged one: $(grep '^{' "$tmp/serve.err" | while IFS= read -r l; do jq -e . >/dev/null 2>&1 <<<"$l" || echo "$l"; done | head -3)"

# --- the overview again, now that every register holds records and incidents have clocks: the
# documents with deadlines of every kind are validated against docs/openapi.json at the end ---
for r in admin project_owner auditor; do
	for p in /api/v1/status /api/v1/due /api/v1/registers /api/v1/gaps /api/v1/exposure '/api/v1/obligations?scope=ems-scada'; do
		expect 200 "$(req "$r" GET "$p")" "$r GET $p with records of every kind"
	done
done

# --- sign-in throttling (last: it blocks this address for 15 minutes) ---
for i in 1 2 3 4; do
	curl -s -o /dev/null -H "$J0" -X POST --data-binary '{"user": "u_auditor", "password": "still wrong"}' "$base/api/v1/session"
done
expect 429 "$(curl -s -o "$tmp/body" -D "$tmp/h" -w '%{http_code}' -H "$J0" -X POST --data-binary '{"user": "u_auditor", "password": "password of auditor here"}' "$base/api/v1/session")" "throttled, even with the right password"
grep -qi '^retry-after: [0-9]' "$tmp/h" && ok || fail "Retry-After"
# failed sign-ins for other names from other addresses fill the table but lift no block
seq 1 600 | xargs -P 4 -I{} sh -c 'command curl -s -o /dev/null --interface 127.0.3.$(({} % 200 + 1)) -H "$0" -X POST \
	--data-binary "{\"user\": \"n{}\", \"password\": \"wrong password!\"}" "$1/api/v1/session"' "$J0" "$base"
expect 429 "$(curl -s -o "$tmp/body" -w '%{http_code}' -H "$J0" -X POST --data-binary '{"user": "u_auditor", "password": "password of auditor here"}' "$base/api/v1/session")" "still throttled after 600 failures for other names"
grep -q '^ciiguard_login_failures_total{kind="throttled"} [1-9]' <<<"$(curl -s "$base/metrics")" && ok || fail "throttling counted"

# --- every response against the OpenAPI document ---
if node "$src/web/validate-responses.mjs" "$src/docs/openapi.json" "$tmp/responses" >"$tmp/openapi.out" 2>&1; then ok; else fail "responses that do not conform to docs/openapi.json"; fi
cat "$tmp/openapi.out" >&2
# ... and the validator itself tells a wrong body, an undocumented status and a wrong media type
mkdir "$tmp/wrong"
for w in 1:200:application/json:'{"user": 5, "role": "auditor", "scope": "read"}' 2:302:application/json:'{}' 3:200:text/html:'<p>'; do
	IFS=: read -r n st ct b <<<"$w"
	echo "GET $base/api/v1/me" >"$tmp/wrong/$n.req"
	printf 'HTTP/1.1 %s X\r\nContent-Type: %s\r\n\r\n' "$st" "$ct" >"$tmp/wrong/$n.head"
	printf '%s' "$b" >"$tmp/wrong/$n.body"
done
node "$src/web/validate-responses.mjs" "$src/docs/openapi.json" "$tmp/wrong" >"$tmp/wrong.out" 2>&1 && fail "the validator passed wrong responses"
grep -q '3 do not conform' "$tmp/wrong.out" && ok || fail "the validator: $(cat "$tmp/wrong.out")"

# --- stop ---
kill -TERM "$pid"
if wait "$pid"; then ok; else fail "serve exit status $?"; fi
pid=
if grep -q '"event":"denied"' "$tmp/serve.err"; then ok; else fail "denials logged"; fi
if [[ $fails -ne 0 ]]; then
	echo "--- the server's standard error (last 40 lines, no access lines) ---" >&2
	grep -v '"event":"request"' "$tmp/serve.err" | tail -40 >&2
fi
echo "http/api: $checks checks passed, $bad hostile requests, $fails failed"
[[ $fails -eq 0 ]]
