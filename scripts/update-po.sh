#!/usr/bin/env bash
# Regenerates the message template po/ciiguard.pot from the C sources and merges it into
# po/zh_CN.po (and any other po/*.po).
#
# Usage: scripts/update-po.sh [SRC_DIR]    (default: the checkout this script lives in)
# Needs xgettext, msgcat and msgmerge (Debian package: gettext).
#
# Messages are English msgids in lib/*.c and cli/*.c, marked by N_("..."), T(cli, "..."),
# cg_tr(lang, "...") and the format argument of cg_error_set (4th), cg_error_prefix (2nd),
# cli_usage (3rd) and broken (4th). A few strings reach cg_tr with no literal at the call
# site, so xgettext cannot see them; they are listed in cg_po_extra below and added to the
# template, so that msgmerge keeps their translations. Add a line there when you pass a new
# such string to cg_tr (tests/i18n/check-po.sh then asks for its translation).
#
# tests/i18n/check-po.sh sources this file with CG_PO_LIB_ONLY=1 to build the template the
# same way.
set -euo pipefail

# msgid<TAB>where it comes from. Strings only; no '"' or '\' in them.
cg_po_extra() {
	cat <<'LIST'
an object	lib/record.c: json_type_name(), the JSON type found, in "%s: expected %s, got %s"
an array	lib/record.c: json_type_name()
a string	lib/record.c: json_type_name(); set_from_json(), the JSON type expected
an integer	lib/record.c: json_type_name()
a number with a fraction	lib/record.c: json_type_name()
a boolean	lib/record.c: json_type_name()
null	lib/record.c: json_type_name(), the JSON literal null
true or false	lib/record.c: set_from_json(), the JSON type expected
a whole number	lib/record.c: set_from_json(), the JSON type expected
create	cli/cmd_audit.c: an audit event's action, printed by 'audit log'
update	cli/cmd_audit.c: an audit event's action, printed by 'audit log'
delete	cli/cmd_audit.c: an audit event's action, printed by 'audit log'
LIST
}

# Writes the template for the sources in directory $1 to file $2.
cg_make_pot() {
	local src=$1 out=$2 tmp version
	tmp=$(mktemp -d)
	version=$(sed -n 's/^project(ciiguard VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
	(
		cd "$src"
		# Glob in the C locale's order, so the template does not depend on the locale.
		LC_COLLATE=C
		files=(lib/*.c cli/*.c)
		xgettext --language=C --from-code=UTF-8 \
			--keyword=N_ --keyword=T:2 --keyword=cg_tr:2 \
			--keyword=cg_error_set:4 --keyword=cg_error_prefix:2 \
			--keyword=cli_usage:3 --keyword=broken:4 \
			--flag=cg_error_set:4:c-format --flag=cg_error_prefix:2:c-format \
			--flag=cli_usage:3:c-format --flag=broken:4:c-format \
			--flag=printf:1:c-format \
			--add-comments=TRANSLATORS: --no-wrap \
			--package-name=ciiguard --package-version="${version:-0}" \
			-o "$tmp/code.pot" "${files[@]}" 2>"$tmp/xgettext.err"
	) || { cat "$tmp/xgettext.err" >&2; rm -rf "$tmp"; return 1; }
	# The project has no bug address for translators: drop xgettext's warning about it.
	grep -v -e '--msgid-bugs-address' -e 'Makevars' -e 'MSGID_BUGS_ADDRESS' "$tmp/xgettext.err" >&2 || true
	{
		printf 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
		cg_po_extra | while IFS=$'\t' read -r id where; do
			printf '\n#. Passed to cg_tr unmarked: %s\n#: %s\nmsgid "%s"\nmsgstr ""\n' \
				"$where" "${where%%:*}" "$id"
		done
	} >"$tmp/extra.pot"
	msgcat --use-first --no-wrap --to-code=UTF-8 -o "$tmp/all.pot" "$tmp/code.pot" "$tmp/extra.pot"
	mv "$tmp/all.pot" "$out"
	rm -rf "$tmp"
}

if [ "${CG_PO_LIB_ONLY:-0}" = 1 ]; then
	# shellcheck disable=SC2317 # exit is for a run rather than a source
	return 0 2>/dev/null || exit 0
fi

src=$(cd "${1:-$(dirname "$0")/..}" && pwd)
pot=$src/po/ciiguard.pot
new=$(mktemp)
trap 'rm -f "$new"' EXIT
cg_make_pot "$src" "$new"
# Keep the old template when only its creation date would change, so that a run with
# no new messages leaves both the template and the catalogs untouched.
if [ -f "$pot" ] && cmp -s <(grep -v '^"POT-Creation-Date:' "$pot") <(grep -v '^"POT-Creation-Date:' "$new"); then
	echo "update-po: $pot is up to date"
else
	cp "$new" "$pot"
	echo "update-po: wrote $pot ($(grep -c '^msgid ' "$pot") entries, with the header)"
fi
for po in "$src"/po/*.po; do
	msgmerge --quiet --update --backup=none --previous --no-wrap "$po" "$pot"
	echo "update-po: merged into $po: $(msgfmt --statistics -o /dev/null "$po" 2>&1)"
done
