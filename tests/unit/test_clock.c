/* Unit tests for RFC 3339 and date handling and the fixed clock. */
#include <stdlib.h>
#include <time.h>
#include <stdio.h>
#include <stdint.h>
#include "testutil.h"

static void parses_rfc3339(void **state)
{
	int64_t ms;
	(void)state;
	assert_true(cg_rfc3339_parse("1970-01-01T00:00:00Z", &ms));
	assert_int_equal(ms, 0);
	assert_true(cg_rfc3339_parse("2026-11-24T16:00:00+08:00", &ms));
	assert_true(cg_rfc3339_parse("2026-11-24T08:00:00.000Z", &ms) && ms == 1795507200000LL);
	assert_true(cg_rfc3339_parse("2026-11-24T16:00:00+08:00", &ms) && ms == 1795507200000LL);
	assert_true(cg_rfc3339_parse("2026-11-24T08:00:00.5Z", &ms) && ms == 1795507200500LL);
	assert_true(cg_rfc3339_parse("2024-02-29T00:00:00Z", &ms));
	assert_false(cg_rfc3339_parse("2026-02-29T00:00:00Z", &ms));
	assert_false(cg_rfc3339_parse("2026-11-24T24:00:00Z", &ms));
	assert_false(cg_rfc3339_parse("2026-11-24 08:00", &ms));
	assert_false(cg_rfc3339_parse("2026-11-24T08:00:00", &ms)); /* no offset */
	assert_false(cg_rfc3339_parse("2026-11-24T08:00:00Zjunk", &ms));
	assert_false(cg_rfc3339_parse("", &ms));
}

static void formats_rfc3339(void **state)
{
	char out[CG_TIME_MAX];
	(void)state;
	cg_rfc3339_format(1795507200500LL, out);
	assert_string_equal(out, "2026-11-24T08:00:00.500Z");
	cg_rfc3339_format(0, out);
	assert_string_equal(out, "1970-01-01T00:00:00.000Z");
	cg_rfc3339_format(951782400000LL, out); /* a leap day in a century year */
	assert_string_equal(out, "2000-02-29T00:00:00.000Z");
	cg_rfc3339_format(253402300799999LL, out); /* the last millisecond of 9999 */
	assert_string_equal(out, "9999-12-31T23:59:59.999Z");
	cg_rfc3339_format(253402300800000LL, out); /* five digits: past what is written by hand */
	assert_string_equal(out, "10000-01-01T00:00:00.000Z");
	cg_rfc3339_format(-1, out);
	assert_string_equal(out, "1969-12-31T23:59:59.999Z");
	/* the same as gmtime's fields over years 1-9999 */
	srand(745);
	for (int i = 0; i < 20000; i++) {
		int64_t ms = -62135596800000LL + (int64_t)(((uint64_t)rand() << 31 ^ (uint64_t)rand()) % 315537897600000ULL);
		int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
		time_t t = (time_t)secs;
		struct tm tm;
		char want[64];
		assert_non_null(gmtime_r(&t, &tm));
		snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms - secs * 1000));
		cg_rfc3339_format(ms, out);
		assert_string_equal(out, want);
	}
}

static void dates(void **state)
{
	(void)state;
	assert_true(cg_date_valid("2023-03-15"));
	assert_true(cg_date_valid("2024-02-29"));
	assert_false(cg_date_valid("2026-02-30"));
	assert_false(cg_date_valid("2026-13-01"));
	assert_false(cg_date_valid("2026-1-01"));
	assert_false(cg_date_valid("2026-01-01T00:00:00Z"));
	assert_false(cg_date_valid(""));
}

static void fixed_clock(void **state)
{
	char out[CG_TIME_MAX];
	struct cg_error err;
	(void)state;
	cg_error_init(&err, CG_LANG_EN);
	setenv("CIIGUARD_NOW", "2026-11-24T16:00:00+08:00", 1);
	assert_int_equal(cg_now(out, &err), CG_OK);
	assert_string_equal(out, "2026-11-24T08:00:00.000Z");
	setenv("CIIGUARD_NOW", "yesterday", 1);
	assert_int_equal(cg_now(out, &err), CG_E_USAGE);
	assert_string_equal(err.field, "CIIGUARD_NOW");
	unsetenv("CIIGUARD_NOW");
	assert_int_equal(cg_now(out, &err), CG_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_rfc3339),
		cmocka_unit_test(formats_rfc3339),
		cmocka_unit_test(dates),
		cmocka_unit_test(fixed_clock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
