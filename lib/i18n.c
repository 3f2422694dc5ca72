/*
 * Message translation from gettext .mo catalogs compiled into the library.
 *
 * The catalog is read in place (msgfmt writes the original strings sorted, so a binary search
 * finds them), which keeps translation a pure function of (language, msgid): a server can
 * answer each request in its own language without touching the process locale.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ciiguard/i18n.h"
#include "banned.h"

extern const unsigned char cg_mo_zh_CN[];
extern const size_t cg_mo_zh_CN_len;

static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Returns the string of table entry i, or NULL when it lies outside the catalog. */
static const char *mo_string(const unsigned char *mo, size_t len, uint32_t table, uint32_t i)
{
	uint64_t at = (uint64_t)table + (uint64_t)i * 8;
	uint32_t slen, off;

	if (at + 8 > len)
		return NULL;
	slen = rd32(mo + at);
	off = rd32(mo + at + 4);
	if ((uint64_t)off + slen >= len || mo[off + slen] != '\0')
		return NULL;
	return (const char *)mo + off;
}

static const char *mo_lookup(const unsigned char *mo, size_t len, const char *msgid)
{
	uint32_t n, orig, trans, lo, hi;

	if (len < 28 || rd32(mo) != 0x950412deu)
		return NULL;
	n = rd32(mo + 8);
	orig = rd32(mo + 12);
	trans = rd32(mo + 16);
	lo = 0;
	hi = n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const char *s = mo_string(mo, len, orig, mid);
		int c;

		if (!s)
			return NULL;
		c = strcmp(msgid, s);
		if (c == 0) {
			const char *t = mo_string(mo, len, trans, mid);
			return t && *t ? t : NULL;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const char *cg_tr(enum cg_lang lang, const char *msgid)
{
	const char *t = NULL;

	if (lang == CG_LANG_ZH && msgid && *msgid)
		t = mo_lookup(cg_mo_zh_CN, cg_mo_zh_CN_len, msgid);
	return t ? t : msgid;
}

int cg_lang_parse(const char *s, enum cg_lang *out)
{
	if (!s)
		return -1;
	if (strncmp(s, "zh", 2) == 0 && (s[2] == '\0' || s[2] == '-' || s[2] == '_' || s[2] == '.')) {
		*out = CG_LANG_ZH;
		return 0;
	}
	if (strncmp(s, "en", 2) == 0 && (s[2] == '\0' || s[2] == '-' || s[2] == '_' || s[2] == '.')) {
		*out = CG_LANG_EN;
		return 0;
	}
	if (strcmp(s, "C") == 0 || strcmp(s, "POSIX") == 0 || strncmp(s, "C.", 2) == 0) {
		*out = CG_LANG_EN;
		return 0;
	}
	return -1;
}

enum cg_lang cg_lang_from_env(void)
{
	static const char *const vars[] = { "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG" };
	enum cg_lang lang;

	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		const char *v = getenv(vars[i]);
		if (v && *v && cg_lang_parse(v, &lang) == 0)
			return lang;
	}
	return CG_LANG_EN;
}

/* East Asian Wide and Fullwidth ranges (Unicode UAX #11), enough for Chinese text. */
static int is_wide(uint32_t c)
{
	return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) ||
	       (c >= 0x3041 && c <= 0x33FF) || (c >= 0x3400 && c <= 0x4DBF) ||
	       (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA000 && c <= 0xA4CF) ||
	       (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
	       (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
	       (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) ||
	       (c >= 0x20000 && c <= 0x3FFFD);
}

size_t cg_text_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t w = 0;

	while (*p) {
		uint32_t c = *p;
		int n = c < 0x80 ? 0 : c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;

		if (n)
			c &= 0x3Fu >> n;
		p++;
		while (n-- > 0 && (*p & 0xC0) == 0x80)
			c = c << 6 | (*p++ & 0x3F);
		w += is_wide(c) ? 2 : 1;
	}
	return w;
}
