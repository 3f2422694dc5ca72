/* Unit tests for cg_json_dump: the same bytes as jansson's json_dumps, which made every audited
 * record's canonical text before it (a difference would break the trails already written). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static const size_t jflags[] = { JSON_COMPACT, JSON_COMPACT | JSON_SORT_KEYS };
static const unsigned cflags[] = { 0, CG_JSON_SORTED };

/* Both dumpers agree on v, in both key orders, with and without "any value on top". */
static void same(const json_t *v)
{
	for (int any = 0; any < 2; any++)
		for (int k = 0; k < 2; k++) {
			char *a = json_dumps(v, jflags[k] | (any ? JSON_ENCODE_ANY : 0));
			size_t n = 99;
			char *b = cg_json_dump(v, cflags[k] | (any ? CG_JSON_ANY : 0), &n);
			if (!a && !b && !any && !json_is_object(v) && !json_is_array(v))
				continue; /* a top scalar, refused by both */
			if (!a || !b || strcmp(a, b) != 0) {
				fprintf(stderr, "jansson: %s\ncg_json_dump: %s\n", a ? a : "(NULL)", b ? b : "(NULL)");
				fail_msg("the dumps differ (sorted %d, any %d)", k, any);
			}
			assert_int_equal(n, strlen(b));
			free(a);
			free(b);
		}
}

static void same_text(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
	if (!v)
		fail_msg("test input does not parse: %s: %s", text, e.text);
	same(v);
	json_decref(v);
}

static void fixed_cases(void **state)
{
	(void)state;
	same_text("{}");
	same_text("[]");
	same_text("{\"b\":1,\"a\":[true,false,null],\"c\":{\"z\":{},\"y\":[]}}");
	same_text("{\"aa\":1,\"a\":2,\"a\\u0001\":3,\"ab\":4,\"\\u00e9\":5,\"Z\":6,\"\":7}"); /* order of prefixes, bytes */
	same_text("[\"quote \\\" backslash \\\\ slash / tab \\t nl \\n cr \\r bs \\b ff \\f\"]");
	same_text("[\"\\u0000\\u0001\\u001f\\u007f\", \"nul\\u0000inside\"]");
	same_text("[\"关键信息基础设施 运营者 网络安全事件\", \"\\ud83d\\ude00 4 bytes\", \"\\u2028\\u2029\"]");
	same_text("[0, -1, 9223372036854775807, -9223372036854775808, 1.0, 0.1, -0.0, 1e300, 2.5e-8, 123456789.125]");
	same_text("\"a top string\"");
	same_text("42");
	same_text("3.25");
	same_text("null");

	/* only objects and arrays on top, unless asked */
	json_t *s = json_string("x");
	assert_null(cg_json_dump(s, 0, NULL));
	assert_null(json_dumps(s, JSON_COMPACT));
	json_decref(s);

	/* not UTF-8 (only through the unchecked constructor): both refuse */
	json_t *bad = json_pack("[o]", json_stringn_nocheck("\xc3\x28", 2));
	assert_null(cg_json_dump(bad, 0, NULL));
	assert_null(json_dumps(bad, JSON_COMPACT));
	json_decref(bad);
	const char *bads[] = { "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "\xf8\x88\x80\x80\x80", "\x80" };
	for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
		json_t *b = json_pack("{s:o}", "k", json_string_nocheck(bads[i]));
		assert_null(cg_json_dump(b, CG_JSON_SORTED, NULL));
		assert_null(json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS));
		json_decref(b);
	}
}

static void depth_limit(void **state)
{
	(void)state;
	/* as deep as jansson's parser goes: dumped; one deeper: refused (a cycle ends there too) */
	json_t *v = json_array();
	for (int i = 1; i < CG_JSON_MAX_DEPTH; i++)
		v = json_pack("[o]", v);
	char *t = cg_json_dump(v, 0, NULL);
	assert_non_null(t);
	json_error_t e;
	json_t *back = json_loads(t, 0, &e);
	assert_non_null(back);
	json_decref(back);
	free(t);
	v = json_pack("[o]", v);
	assert_null(cg_json_dump(v, 0, NULL));
	json_decref(v);

	json_t *a = json_array(), *o = json_object();
	json_array_append(a, o);
	json_object_set(o, "loop", a);
	assert_null(cg_json_dump(a, CG_JSON_SORTED, NULL));
	json_object_del(o, "loop");
	json_decref(o);
	json_decref(a);
}

/* --- random values --- */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/* A random UTF-8 string: ASCII (with every control character and the escapes), two-, three- and
 * four-byte characters, and NUL. */
static json_t *rnd_string(size_t max)
{
	char b[256];
	size_t n = 0, want = rnd((uint32_t)max + 1);
	static const char *pieces[] = { "\"", "\\", "/", "\x7f", "é", "Ω", "关", "键", "\xe2\x80\xa8", "😀", "\xf4\x8f\xbf\xbf" };
	while (n < want && n + 8 < sizeof b) {
		uint32_t k = rnd(10);
		if (k < 5) {
			b[n++] = (char)(' ' + rnd(95));
		} else if (k < 7) {
			b[n++] = (char)rnd(32);
		} else {
			const char *p = pieces[rnd(sizeof pieces / sizeof pieces[0])];
			memcpy(b + n, p, strlen(p));
			n += strlen(p);
		}
	}
	return json_stringn(b, n);
}

static json_t *rnd_value(int depth)
{
	uint32_t k = rnd(depth > 6 ? 7 : 9);
	switch (k) {
	case 0: return json_null();
	case 1: return json_true();
	case 2: return json_false();
	case 3: {
		static const json_int_t edges[] = { 0, 1, -1, INT64_MAX, INT64_MIN, 10, -10, 999999999 };
		return json_integer(rnd(4) ? (json_int_t)rnd(1u << 31) - (1 << 30) : edges[rnd(8)]);
	}
	case 4: {
		static const double reals[] = { 0.0, -0.0, 0.5, 1.0, 1e21, 1e-7, 3.141592653589793, -2.5e300, 100.0 };
		return json_real(rnd(2) ? reals[rnd(9)] : (double)rnd(1u << 30) / (double)(rnd(1000) + 1));
	}
	case 5:
	case 6: return rnd_string(24);
	case 7: {
		json_t *a = json_array();
		for (uint32_t i = rnd(6); i > 0; i--)
			json_array_append_new(a, rnd_value(depth + 1));
		return a;
	}
	default: {
		json_t *o = json_object();
		for (uint32_t i = rnd(40); i > 0; i--) {
			json_t *key = rnd_string(6);
			json_object_setn_new(o, json_string_value(key), json_string_length(key), rnd_value(depth + 1));
			json_decref(key);
		}
		return o;
	}
	}
}

static void random_values(void **state)
{
	(void)state;
	for (int i = 0; i < 4000; i++) { /* 1 ms each; the json fuzzer runs on beyond */
		json_t *v = rnd_value(0);
		same(v);
		json_decref(v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fixed_cases),
		cmocka_unit_test(depth_limit),
		cmocka_unit_test(random_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
