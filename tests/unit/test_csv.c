/* Unit tests for CSV parsing and the UTF-8 / GB18030 text decoding. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RECORDS 16
#define MAX_COLS 8
#define MAX_TEXT 64

/* What the callback saw: up to MAX_RECORDS records of up to MAX_COLS short fields. */
struct seen {
	size_t n;
	size_t line[MAX_RECORDS];
	size_t nfields[MAX_RECORDS];
	char field[MAX_RECORDS][MAX_COLS][MAX_TEXT];
	size_t stop_at;		/* when non-zero, stop at this 1-based record */
	struct cg_error *err;
};

static int collect(size_t line, char **fields, size_t nfields, void *ud)
{
	struct seen *s = ud;
	size_t i;

	if (s->stop_at && s->n + 1 == s->stop_at) {
		cg_error_set(s->err, CG_E_INVALID, "id", "record %zu rejected by the callback", s->n + 1);
		return 1;
	}
	assert_true(s->n < MAX_RECORDS);
	s->line[s->n] = line;
	s->nfields[s->n] = nfields;
	for (i = 0; i < nfields && i < MAX_COLS; i++) {
		assert_true(strlen(fields[i]) < MAX_TEXT);
		snprintf(s->field[s->n][i], MAX_TEXT, "%s", fields[i]);
	}
	s->n++;
	return 0;
}

/* Parses `text`, expecting success; fills `s`. */
static void parse_ok(const char *text, size_t len, struct seen *s)
{
	struct cg_error err;

	cg_error_init(&err, CG_LANG_EN);
	memset(s, 0, sizeof *s);
	if (cg_csv_parse(text, len, collect, s, &err) != CG_OK)
		fail_msg("parse failed: %s", err.message);
}

/* Parses `text`, expecting CG_E_INVALID with `needle` in the message. */
static void parse_fails(const char *text, size_t len, const char *needle)
{
	struct cg_error err;
	struct seen s;

	cg_error_init(&err, CG_LANG_EN);
	memset(&s, 0, sizeof s);
	assert_int_equal(cg_csv_parse(text, len, collect, &s, &err), CG_E_INVALID);
	if (!strstr(err.message, needle))
		fail_msg("message \"%s\" lacks \"%s\"", err.message, needle);
}

static void test_plain_rows(void **state)
{
	static const char text[] = "id,name,owner\nsys-1,Grid SCADA,ops\nsys-2, spaced ,\n";
	struct seen s;

	(void)state;
	parse_ok(text, sizeof text - 1, &s);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.nfields[0], 3);
	assert_string_equal(s.field[0][0], "id");
	assert_string_equal(s.field[0][2], "owner");
	assert_string_equal(s.field[1][1], "Grid SCADA");
	assert_int_equal(s.line[1], 2);
	/* Whitespace is kept; a trailing comma gives an empty last field. */
	assert_int_equal(s.nfields[2], 3);
	assert_string_equal(s.field[2][1], " spaced ");
	assert_string_equal(s.field[2][2], "");
	assert_int_equal(s.line[2], 3);
}

static void test_no_final_newline_and_empty(void **state)
{
	static const char text[] = "a,b\nc,d";
	struct seen s;

	(void)state;
	parse_ok(text, sizeof text - 1, &s);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.field[1][1], "d");

	parse_ok("", 0, &s);
	assert_int_equal(s.n, 0);
	parse_ok("\n\r\n\n", 4, &s);
	assert_int_equal(s.n, 0);
	/* A lone empty quoted field is a record, not a blank line. */
	parse_ok("\"\"\n", 3, &s);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.nfields[0], 1);
	assert_string_equal(s.field[0][0], "");
}

static void test_quoted_fields(void **state)
{
	static const char text[] =
		"\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"\n"
		"next,\"x\r\ny\",z\n"
		"last,row\n";
	struct seen s;

	(void)state;
	parse_ok(text, sizeof text - 1, &s);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.nfields[0], 3);
	assert_string_equal(s.field[0][0], "a,b");
	assert_string_equal(s.field[0][1], "say \"hi\"");
	assert_string_equal(s.field[0][2], "two\nlines");
	assert_int_equal(s.line[0], 1);
	/* The first record spans lines 1-2, so the second starts on line 3. */
	assert_int_equal(s.line[1], 3);
	assert_string_equal(s.field[1][1], "x\r\ny");
	assert_string_equal(s.field[1][2], "z");
	/* The second spans lines 3-4 (the CRLF inside quotes is one line end). */
	assert_int_equal(s.line[2], 5);
	assert_string_equal(s.field[2][0], "last");
}

static void test_line_ends(void **state)
{
	static const char crlf[] = "a,b\r\nc,d\r\n";
	static const char mixed[] = "a\r\n\r\nb\n\nc\rd\r\n\"e\"\r\n";
	struct seen s;

	(void)state;
	parse_ok(crlf, sizeof crlf - 1, &s);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.field[0][1], "b");
	assert_string_equal(s.field[1][0], "c");
	assert_string_equal(s.field[1][1], "d");
	assert_int_equal(s.line[1], 2);

	/* Blank lines are skipped but counted; a bare CR ends a line too. */
	parse_ok(mixed, sizeof mixed - 1, &s);
	assert_int_equal(s.n, 5);
	assert_string_equal(s.field[0][0], "a");
	assert_int_equal(s.line[0], 1);
	assert_string_equal(s.field[1][0], "b");
	assert_int_equal(s.line[1], 3);
	assert_string_equal(s.field[2][0], "c");
	assert_int_equal(s.line[2], 5);
	assert_string_equal(s.field[3][0], "d");
	assert_int_equal(s.line[3], 6);
	assert_string_equal(s.field[4][0], "e");
	assert_int_equal(s.line[4], 7);
}

static void test_invalid_quotes(void **state)
{
	static const char stray[] = "a,b\nc,d\ne\"f,g\n";
	static const char unterminated[] = "a\nb\n\"abc\nmore\n";
	static const char after[] = "a\nb\n\"x\"y,z\n";
	static const char after_multiline[] = "\"a\nb\nc\"d\n";

	(void)state;
	parse_fails(stray, sizeof stray - 1, "line 3");
	parse_fails(stray, sizeof stray - 1, "quote");
	parse_fails(unterminated, sizeof unterminated - 1, "line 3");
	parse_fails(unterminated, sizeof unterminated - 1, "unterminated quoted field");
	parse_fails(after, sizeof after - 1, "line 3");
	/* The closing quote of a multi-line field is on line 3. */
	parse_fails(after_multiline, sizeof after_multiline - 1, "line 3");
	parse_fails("a,b\nc\0d\n", 8, "line 2");
}

/* Builds a record of `n` one-letter fields on line 3. */
static char *wide_record(size_t n, size_t *len)
{
	size_t cap = 8 + 2 * n, i, o = 0;
	char *p = malloc(cap);

	assert_non_null(p);
	memcpy(p, "h\n\nx", 4);
	o = 4;
	for (i = 1; i < n; i++) {
		p[o++] = ',';
		p[o++] = 'x';
	}
	p[o++] = '\n';
	*len = o;
	return p;
}

static int count_fields(size_t line, char **fields, size_t nfields, void *ud)
{
	(void)fields;
	if (line == 3)
		*(size_t *)ud = nfields;
	return 0;
}

static void test_field_limits(void **state)
{
	struct cg_error err;
	size_t len, n = 0;
	char *p;

	(void)state;
	cg_error_init(&err, CG_LANG_EN);
	p = wide_record(CG_CSV_MAX_FIELDS, &len);
	assert_int_equal(cg_csv_parse(p, len, count_fields, &n, &err), CG_OK);
	assert_int_equal(n, CG_CSV_MAX_FIELDS);
	free(p);

	p = wide_record(CG_CSV_MAX_FIELDS + 1, &len);
	assert_int_equal(cg_csv_parse(p, len, count_fields, &n, &err), CG_E_INVALID);
	assert_non_null(strstr(err.message, "line 3"));
	free(p);

	/* One byte over the field size limit, quoted so the limit applies there too. */
	len = CG_CSV_MAX_FIELD + 5;
	p = malloc(len);
	assert_non_null(p);
	memcpy(p, "a\n\"", 3);
	memset(p + 3, 'y', CG_CSV_MAX_FIELD + 1);
	p[len - 1] = '"';
	cg_error_init(&err, CG_LANG_EN);
	assert_int_equal(cg_csv_parse(p, len, count_fields, &n, &err), CG_E_INVALID);
	assert_non_null(strstr(err.message, "line 2"));
	/* Exactly at the limit is fine. */
	p[len - 2] = '"';
	assert_int_equal(cg_csv_parse(p, len - 1, count_fields, &n, &err), CG_OK);
	free(p);
}

static void test_callback_stop(void **state)
{
	static const char text[] = "a\nb\nc\n";
	struct cg_error err;
	struct seen s;

	(void)state;
	cg_error_init(&err, CG_LANG_EN);
	memset(&s, 0, sizeof s);
	s.stop_at = 2;
	s.err = &err;
	assert_int_equal(cg_csv_parse(text, sizeof text - 1, collect, &s, &err), CG_E_INVALID);
	assert_int_equal(s.n, 1);
	assert_string_equal(err.message, "record 2 rejected by the callback");
	assert_string_equal(err.field, "id");
}

/* Converts and expects success with exactly `want` (of `wantlen` bytes). */
static void convert_ok(const char *in, size_t len, const char *want, size_t wantlen)
{
	struct cg_error err;
	char *out = NULL;
	size_t outlen = 0;

	cg_error_init(&err, CG_LANG_EN);
	if (cg_text_to_utf8(in, len, &out, &outlen, &err) != CG_OK)
		fail_msg("conversion failed: %s", err.message);
	assert_int_equal(outlen, wantlen);
	assert_memory_equal(out, want, wantlen);
	assert_int_equal(out[outlen], '\0');
	free(out);
}

static void convert_fails(const char *in, size_t len, const char *needle)
{
	struct cg_error err;
	char sentinel[] = "unchanged";
	char *out = sentinel;
	size_t outlen = 0;

	cg_error_init(&err, CG_LANG_EN);
	assert_int_equal(cg_text_to_utf8(in, len, &out, &outlen, &err), CG_E_INVALID);
	assert_null(out);
	if (!strstr(err.message, needle))
		fail_msg("message \"%s\" lacks \"%s\"", err.message, needle);
}

static void test_utf8_and_bom(void **state)
{
	static const char bom[] = "\xEF\xBB\xBFid,\xE5\x90\x8D\xE7\xA7\xB0\n";
	static const char plain[] = "id,\xE5\x90\x8D\xE7\xA7\xB0\n";
	static const char emoji[] = "\xF0\x9F\x98\x80,\xF4\x8F\xBF\xBF";

	(void)state;
	convert_ok(bom, sizeof bom - 1, plain, sizeof plain - 1);
	convert_ok(plain, sizeof plain - 1, plain, sizeof plain - 1);
	convert_ok(emoji, sizeof emoji - 1, emoji, sizeof emoji - 1);
	convert_ok("\xEF\xBB\xBF", 3, "", 0);
	convert_ok("", 0, "", 0);
}

static void test_gb18030(void **state)
{
	/* "名称,状态\n" in GB18030, then a 4-byte sequence (U+00A5 is 81 30 84 36). */
	static const char gb[] = "\xC3\xFB\xB3\xC6,\xD7\xB4\xCC\xAC\n\x81\x30\x84\x36";
	static const char want[] = "\xE5\x90\x8D\xE7\xA7\xB0,\xE7\x8A\xB6\xE6\x80\x81\n\xC2\xA5";
	/* An overlong UTF-8 '/' is not UTF-8, but C0 AF is a GBK character (U+8721). */
	static const char overlong[] = "\xC0\xAF";
	struct cg_error err;
	struct seen s;
	char *out = NULL;
	size_t outlen;

	(void)state;
	convert_ok(gb, sizeof gb - 1, want, sizeof want - 1);
	convert_ok(overlong, 2, "\xE8\x9C\xA1", 3);

	/* The converted text parses as CSV. */
	cg_error_init(&err, CG_LANG_EN);
	assert_int_equal(cg_text_to_utf8(gb, sizeof gb - 1, &out, &outlen, &err), CG_OK);
	parse_ok(out, outlen, &s);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.field[0][0], "名称");
	assert_string_equal(s.field[0][1], "状态");
	free(out);
}

static void test_invalid_text(void **state)
{
	(void)state;
	/* Neither UTF-8 nor GB18030. */
	convert_fails("\x81\x20", 2, "offset 0");
	convert_fails("ab\x81\x20", 4, "offset 2");
	convert_fails("\xEF\xBB\xBF" "ab\xFF", 6, "offset 5");
	/* A UTF-8 surrogate and a code point past U+10FFFF are rejected, not passed through. */
	convert_fails("\xED\xA0\x80", 3, "offset 2");
	convert_fails("\xF4\x90\x80\x80", 4, "offset 2");
	/* Cut off in the middle of a GB18030 character. */
	convert_fails("ab\x81", 3, "offset 2");
	/* NUL bytes. */
	convert_fails("abc\0def", 7, "NUL byte at offset 3");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_rows),
		cmocka_unit_test(test_no_final_newline_and_empty),
		cmocka_unit_test(test_quoted_fields),
		cmocka_unit_test(test_line_ends),
		cmocka_unit_test(test_invalid_quotes),
		cmocka_unit_test(test_field_limits),
		cmocka_unit_test(test_callback_stop),
		cmocka_unit_test(test_utf8_and_bom),
		cmocka_unit_test(test_gb18030),
		cmocka_unit_test(test_invalid_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
