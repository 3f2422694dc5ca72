#!/usr/bin/env bash
# Checks that po/zh_CN.po translates every message of the current sources.
#
# Usage: tests/i18n/check-po.sh SRC_DIR
#
# Regenerates the template from SRC_DIR's lib/*.c and cli/*.c into a temporary directory,
# exactly as scripts/update-po.sh does, and fails (exit 1) listing each msgid that has no
# non-empty, non-fuzzy translation in po/zh_CN.po, or when `msgfmt --check` rejects the
# catalog (for instance a translation whose printf conversions differ from its msgid's).
# The fix is usually: scripts/update-po.sh, then translate what it left empty or fuzzy.
set -euo pipefail

src=$(cd "${1:?usage: check-po.sh SRC_DIR}" && pwd)
po=$src/po/zh_CN.po
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for tool in xgettext msgcat msgmerge msgattrib msgfmt; do
	if ! command -v "$tool" >/dev/null; then
		echo "check-po: $tool not found (Debian package: gettext)" >&2
		exit 1
	fi
done
[ -f "$po" ] || { echo "check-po: $po does not exist" >&2; exit 1; }

# shellcheck disable=SC1091 # found at run time in SRC_DIR
CG_PO_LIB_ONLY=1 source "$src/scripts/update-po.sh"
cg_make_pot "$src" "$tmp/ciiguard.pot"

fail=0

# The strings update-po.sh adds by hand must still be used somewhere, or the list is stale.
while IFS=$'\t' read -r id _; do
	if ! grep -qF "\"$id\"" "$src"/lib/*.c "$src"/cli/*.c; then
		echo "check-po: '$id' is listed in cg_po_extra (scripts/update-po.sh) but no longer" \
			"appears in lib/*.c or cli/*.c" >&2
		fail=1
	fi
done < <(cg_po_extra)

# The catalog as it stands must compile, with formats that match their msgids.
if ! msgfmt --check -o /dev/null "$po"; then
	echo "check-po: msgfmt --check rejects $po" >&2
	fail=1
fi

# Merge without fuzzy matching: a message new to the template arrives untranslated, and
# whatever is fuzzy in the catalog stays fuzzy. Then check the formats again against the
# template's flags, which come from the sources as they are now.
msgmerge --quiet --no-fuzzy-matching -o "$tmp/merged.po" "$po" "$tmp/ciiguard.pot"
if ! msgfmt --check -o /dev/null "$tmp/merged.po"; then
	echo "check-po: msgfmt --check rejects $po merged with the current template" >&2
	fail=1
fi

# The entries of a catalog, one paragraph each, without its header. (msgattrib writes no
# file at all when it selects nothing.)
entries() {
	[ -f "$1" ] || return 0
	msgattrib --no-wrap "$1" |
		awk 'BEGIN { RS = ""; ORS = "\n\n" } !/(^|\n)msgid ""\nmsgstr ""\n/'
}
msgattrib --untranslated --no-obsolete -o "$tmp/untranslated.po" "$tmp/merged.po"
msgattrib --only-fuzzy --no-obsolete -o "$tmp/fuzzy.po" "$tmp/merged.po"
untranslated=$(entries "$tmp/untranslated.po" | grep -c '^msgid ' || true)
fuzzy=$(entries "$tmp/fuzzy.po" | grep -c '^msgid ' || true)
if [ "$untranslated" -gt 0 ]; then
	echo "check-po: $untranslated message(s) of the sources have no translation in po/zh_CN.po:" >&2
	entries "$tmp/untranslated.po" >&2
	fail=1
fi
if [ "$fuzzy" -gt 0 ]; then
	echo "check-po: $fuzzy message(s) in po/zh_CN.po are fuzzy (check them, then remove '#, fuzzy'):" >&2
	entries "$tmp/fuzzy.po" >&2
	fail=1
fi

if [ "$fail" -ne 0 ]; then
	echo "check-po: FAILED (run scripts/update-po.sh, then translate the messages above)" >&2
	exit 1
fi
echo "check-po: $(msgfmt --statistics -o /dev/null "$tmp/merged.po" 2>&1)"
