#!/usr/bin/env bash
# Runs one data-driven CLI test case (tests/cli/cases/*.case) against a ciiguard binary.
#
#   bash tests/cli/run-case.sh BINARY CASEFILE
#
# A case file is made of sections, each started by a line "%% NAME":
#   description     free text
#   file NAME       content written verbatim to $TMP/NAME before setup (several allowed)
#   setup           shell lines run in order in $TMP; each must exit 0
#   command         one shell line: the command under test
#   stdin           fed to the command (default: /dev/null)
#   exit            the expected exit code (default 0)
#   stdout          expected stdout, exactly (the temp dir path is written $TMP)
#   stdout-json     expected stdout as JSON, compared after `jq -S .` on both sides
#   stdout-contains each non-empty line must occur in stdout (fixed string)
#   stdout-not-contains  no non-empty line may occur in stdout
#   stderr          expected stderr, exactly
#   stderr-contains each non-empty line must occur in stderr (fixed string)
#   audit           the audit events the command appended, in order, one per line as
#                   "ACTION ENTITY_TYPE:ENTITY_ID"; an empty section means none
#   check           shell lines run after the command; each must exit 0
#   no-verify       skip the final `ciiguard audit verify`
#   requires-shared the case reads $CG_SHARED (../shared beside the checkout, with the test data
#                   shared between projects); when that directory is absent the case is
#                   skipped (exit 77, which ctest reports as skipped)
# Trailing blank lines of a section are dropped. In setup, command and check lines the word
# `ciiguard` is a shell function running the binary under test ($CIIGUARD_BIN), so it may
# stand anywhere in a line (after `|`, in `$(...)`, after VAR=value). Lines run under
# `bash -o pipefail`. The environment is fixed: CIIGUARD_DB=$TMP/test.db, CG_SHARED (when it exists),
# CIIGUARD_NOW=2026-11-24T08:00:00Z, LANG=C.UTF-8, TZ=UTC; LANGUAGE, LC_ALL and LC_MESSAGES
# are unset. Unless no-verify is given, `ciiguard audit verify` must exit 0 afterwards when
# the database exists.
set -euo pipefail

if [[ $# -ne 2 ]]; then
	echo "usage: $0 BINARY CASEFILE" >&2
	exit 2
fi
bin=$(realpath -- "$1")
casefile=$(realpath -- "$2")
name=$(basename -- "$casefile" .case)
[[ -x $bin ]] || { echo "$name: $bin is not an executable" >&2; exit 2; }
[[ -r $casefile ]] || { echo "$name: cannot read $casefile" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cg-cli.XXXXXX")
tmp=$(realpath -- "$tmp")
work=$(mktemp -d "${TMPDIR:-/tmp}/cg-cli-work.XXXXXX")
cleanup() { rm -rf -- "$tmp" "$work"; }
trap cleanup EXIT
mkdir -p "$work/sec" "$work/files"

# --- parse the case file into $work/sec/NAME and $work/files/NAME ---
known="description setup command stdin exit stdout stdout-json stdout-contains stdout-not-contains stderr stderr-contains audit check no-verify requires-shared"
declare -A present=()
files=()
current=""
lineno=0
while IFS= read -r line || [[ -n $line ]]; do
	lineno=$((lineno + 1))
	if [[ $line =~ ^%%\ +([a-z-]+)(\ +(.*))?$ ]]; then
		sec=${BASH_REMATCH[1]}
		arg=${BASH_REMATCH[3]:-}
		if [[ $sec == file ]]; then
			if [[ -z $arg || $arg == */* || $arg == . || $arg == .. ]]; then
				echo "$name:$lineno: '%% file' needs a plain file name" >&2
				exit 2
			fi
			current="$work/files/$arg"
			files+=("$arg")
		elif [[ " $known " == *" $sec "* ]]; then
			if [[ -n ${present[$sec]:-} ]]; then
				echo "$name:$lineno: section '$sec' given twice" >&2
				exit 2
			fi
			current="$work/sec/$sec"
			present[$sec]=1
		else
			echo "$name:$lineno: unknown section '%% $sec'" >&2
			exit 2
		fi
		: >"$current"
		continue
	elif [[ $line == %%* ]]; then
		echo "$name:$lineno: malformed section line '$line'" >&2
		exit 2
	fi
	if [[ -z $current ]]; then
		[[ -z ${line//[[:space:]]/} ]] && continue
		echo "$name:$lineno: text before the first section" >&2
		exit 2
	fi
	printf '%s\n' "$line" >>"$current"
done <"$casefile"

# Drops trailing blank lines of every section.
for f in "$work"/sec/* "$work"/files/*; do
	[[ -e $f ]] || continue
	content=$(<"$f")
	while [[ $content == *$'\n' ]]; do content=${content%$'\n'}; done
	if [[ -n $content ]]; then printf '%s\n' "$content" >"$f"; else : >"$f"; fi
done

has() { [[ -n ${present[$1]:-} ]]; }
sec() { cat -- "$work/sec/$1"; }

if ! has command; then
	echo "$name: no '%% command' section" >&2
	exit 2
fi
if [[ $(grep -c . "$work/sec/command" || true) -ne 1 ]]; then
	echo "$name: '%% command' must be exactly one line" >&2
	exit 2
fi
expect_exit=0
if has exit; then
	expect_exit=$(grep -m1 . "$work/sec/exit" | tr -d '[:space:]')
	[[ $expect_exit =~ ^[0-9]+$ ]] || { echo "$name: '%% exit' is not a number" >&2; exit 2; }
fi

# --- the environment ---
unset LANGUAGE LC_ALL LC_MESSAGES CIIGUARD_DB CIIGUARD_NOW CG_SHARED
# The directory shared beside the checkout (tests/cli/cases/../../../../shared).
shared="$(dirname -- "$casefile")/../../../../shared"
if [[ -d $shared ]]; then
	CG_SHARED=$(realpath -- "$shared")
	export CG_SHARED
elif has requires-shared; then
	echo "skipped [$name]: $shared is absent"
	exit 77
fi
export CIIGUARD_BIN="$bin"
export CIIGUARD_DB="$tmp/test.db"
export CIIGUARD_NOW="2026-11-24T08:00:00Z"
# argon2id at its lowest cost: the tests check passwords, not the cost of guessing them
export CIIGUARD_ARGON2_T=1 CIIGUARD_ARGON2_M_KIB=8
export LANG=C.UTF-8
export TZ=UTC
export TMP="$tmp"
# With CG_TEST_PG (the URI of the "postgres" database of a throwaway cluster), the case runs on
# a new PostgreSQL database of its own; its URI is shown as $TMP/test.db in compared output.
if [[ -n ${CG_TEST_PG:-} ]]; then
	pgdb="cgc_$(date +%s%N)_$$"
	psql "$CG_TEST_PG" -qAt -v ON_ERROR_STOP=1 -c "CREATE DATABASE $pgdb" >/dev/null
	CIIGUARD_DB=${CG_TEST_PG/\/postgres\?//$pgdb?}
	export CIIGUARD_DB
fi
# shellcheck disable=SC2016 # expanded by the inner shell
prelude='ciiguard() { "$CIIGUARD_BIN" "$@"; }
# sql "STATEMENTS": runs SQL on the database behind ciiguard'"'"'s back, as an intruder would.
sql() { if [[ $CIIGUARD_DB == postgresql://* ]]; then psql "$CIIGUARD_DB" -qAt -v ON_ERROR_STOP=1 -c "$1"; else sqlite3 "$CIIGUARD_DB" "$1"; fi; }
# db_absent: true while no ciiguard database exists (no file; no tables on PostgreSQL).
db_absent() { if [[ $CIIGUARD_DB == postgresql://* ]]; then [[ $(psql "$CIIGUARD_DB" -qAt -c "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()") == 0 ]]; else [[ ! -e $CIIGUARD_DB ]]; fi; }'
eval "$prelude"

# Runs one shell line in $tmp with `ciiguard` defined.
run_line() { (cd -- "$tmp" && bash -o pipefail -c "$prelude"$'\n'"$1"); }

failures=0
fail() {
	echo "FAIL [$name]: $*"
	failures=$((failures + 1))
}

# Replaces the database URI by $TMP/test.db and the temp dir path by $TMP.
quote_re() { printf '%s' "$1" | sed -e 's/[][\.*^$|/]/\\&/g'; }
scrub() { sed -e "s|$(quote_re "$CIIGUARD_DB")|\$TMP/test.db|g" -e "s|$(quote_re "$tmp")|\$TMP|g"; }

# Prints the audit events as "SEQ ACTION TYPE:ID", or nothing when there is no database.
audit_events() {
	db_absent && return 0
	"$bin" --json audit log </dev/null |
		jq -r '.[] | "\(.seq) \(.action) \(.entity_type):\(.entity_id)"'
}

for f in "${files[@]}"; do
	cp -- "$work/files/$f" "$tmp/$f"
done

if has setup; then
	n=0
	while IFS= read -r line; do
		n=$((n + 1))
		[[ -z ${line//[[:space:]]/} ]] && continue
		if ! run_line "$line" >"$work/setup.out" 2>&1; then
			echo "FAIL [$name]: setup line $n failed: $line"
			scrub <"$work/setup.out" | sed 's/^/  | /'
			exit 1
		fi
	done <"$work/sec/setup"
fi

# --- the command ---
if has audit; then
	if ! audit_events >"$work/audit.before" 2>"$work/audit.err"; then
		echo "FAIL [$name]: could not read the audit log before the command"
		sed 's/^/  | /' "$work/audit.err"
		exit 1
	fi
fi
command=$(grep -m1 . "$work/sec/command")
stdin=/dev/null
has stdin && stdin="$work/sec/stdin"
set +e
run_line "$command" <"$stdin" >"$work/stdout.raw" 2>"$work/stderr.raw"
status=$?
set -e
scrub <"$work/stdout.raw" >"$work/stdout"
scrub <"$work/stderr.raw" >"$work/stderr"

show_output() {
	echo "  command: $command"
	echo "  exit: $status"
	echo "  stdout:"
	sed 's/^/  | /' "$work/stdout"
	echo "  stderr:"
	sed 's/^/  | /' "$work/stderr"
}

if [[ $status -ne $expect_exit ]]; then
	fail "exit code $status, expected $expect_exit"
	show_output
fi

if has stdout; then
	if ! diff -u --label expected --label actual "$work/sec/stdout" "$work/stdout" >"$work/diff"; then
		fail "stdout differs"
		cat "$work/diff"
	fi
fi

if has stdout-json; then
	if ! jq -S . "$work/sec/stdout-json" >"$work/json.expected" 2>"$work/jq.err"; then
		echo "$name: '%% stdout-json' is not valid JSON:" >&2
		cat "$work/jq.err" >&2
		exit 2
	fi
	if ! jq -S . "$work/stdout" >"$work/json.actual" 2>"$work/jq.err"; then
		fail "stdout is not valid JSON"
		show_output
	elif ! diff -u --label expected --label actual "$work/json.expected" "$work/json.actual" >"$work/diff"; then
		fail "stdout JSON differs (both sides normalised with jq -S)"
		cat "$work/diff"
	fi
fi

contains() { # contains SECTION FILE STREAM
	local line missing=0
	while IFS= read -r line; do
		[[ -z $line ]] && continue
		if ! grep -qF -- "$line" "$2"; then
			[[ $missing -eq 0 ]] && fail "$3 lacks expected text"
			echo "  missing: $line"
			missing=1
		fi
	done <"$work/sec/$1"
	if [[ $missing -ne 0 ]]; then
		echo "  actual $3:"
		sed 's/^/  | /' "$2"
	fi
}
not_contains() { # not_contains SECTION FILE STREAM
	local line found=0
	while IFS= read -r line; do
		[[ -z $line ]] && continue
		if grep -qF -- "$line" "$2"; then
			[[ $found -eq 0 ]] && fail "$3 has text it must not have"
			echo "  present: $line"
			found=1
		fi
	done <"$work/sec/$1"
	if [[ $found -ne 0 ]]; then
		echo "  actual $3:"
		sed 's/^/  | /' "$2"
	fi
}
has stdout-contains && contains stdout-contains "$work/stdout" stdout
has stdout-not-contains && not_contains stdout-not-contains "$work/stdout" stdout
has stderr-contains && contains stderr-contains "$work/stderr" stderr

if has stderr; then
	if ! diff -u --label expected --label actual "$work/sec/stderr" "$work/stderr" >"$work/diff"; then
		fail "stderr differs"
		cat "$work/diff"
	fi
fi

if has audit; then
	if ! audit_events >"$work/audit.after" 2>"$work/audit.err"; then
		fail "could not read the audit log after the command"
		sed 's/^/  | /' "$work/audit.err"
	else
		last=$(tail -n1 "$work/audit.before" | cut -d' ' -f1)
		last=${last:-0}
		awk -v last="$last" '$1 + 0 > last + 0 { $1 = ""; sub(/^ /, ""); print }' \
			"$work/audit.after" >"$work/audit.new"
		grep -v '^[[:space:]]*$' "$work/sec/audit" >"$work/audit.expected" || true
		if ! diff -u --label expected --label actual "$work/audit.expected" "$work/audit.new" >"$work/diff"; then
			fail "the audit events the command appended differ"
			cat "$work/diff"
		fi
	fi
fi

if has check; then
	n=0
	while IFS= read -r line; do
		n=$((n + 1))
		[[ -z ${line//[[:space:]]/} ]] && continue
		if ! run_line "$line" </dev/null >"$work/check.out" 2>&1; then
			fail "check line $n failed: $line"
			scrub <"$work/check.out" | sed 's/^/  | /'
		fi
	done <"$work/sec/check"
fi

if ! has no-verify && ! db_absent; then
	set +e
	"$bin" audit verify </dev/null >"$work/verify.out" 2>&1
	vstatus=$?
	set -e
	if [[ $vstatus -ne 0 ]]; then
		fail "'ciiguard audit verify' exited $vstatus after the case"
		scrub <"$work/verify.out" | sed 's/^/  | /'
	fi
fi

if [[ $failures -ne 0 ]]; then
	has description && { echo "  case: $casefile"; sed 's/^/  # /' "$work/sec/description"; }
	exit 1
fi
echo "ok [$name]"
