/* Unit tests for the bounded buffer. */
#include <string.h>
#include <stdlib.h>
#include "testutil.h"

static void add_and_take(void **state)
{
	struct cg_buf b;
	(void)state;
	cg_buf_init(&b, 0);
	assert_string_equal(cg_buf_str(&b), "");
	assert_int_equal(cg_buf_adds(&b, "abc"), CG_OK);
	assert_int_equal(cg_buf_addf(&b, "-%d-", 42), CG_OK);
	assert_int_equal(cg_buf_addc(&b, 'z'), CG_OK);
	assert_string_equal(b.ptr, "abc-42-z");
	assert_int_equal(b.len, 8);
	char *p = cg_buf_take(&b);
	assert_string_equal(p, "abc-42-z");
	assert_null(b.ptr);
	free(p);
	p = cg_buf_take(&b);
	assert_string_equal(p, "");
	free(p);
}

static void limit_releases(void **state)
{
	struct cg_buf b;
	(void)state;
	cg_buf_init(&b, 10);
	assert_int_equal(cg_buf_adds(&b, "0123456789"), CG_OK);
	assert_int_equal(cg_buf_addc(&b, 'x'), CG_E_NOMEM);
	/* A failed append frees the buffer. */
	assert_null(b.ptr);
	assert_int_equal(b.len, 0);
	assert_int_equal(cg_buf_addf(&b, "%s", "01234567890"), CG_E_NOMEM);
	cg_buf_release(&b);
}

static void grows_past_initial(void **state)
{
	struct cg_buf b;
	(void)state;
	cg_buf_init(&b, 0);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(cg_buf_addc(&b, (char)('a' + i % 26)), CG_OK);
	assert_int_equal(b.len, 10000);
	assert_int_equal(b.ptr[9999], 'a' + 9999 % 26);
	assert_int_equal(b.ptr[10000], '\0');
	cg_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(cg_buf_str(&b), "");
	cg_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(add_and_take),
		cmocka_unit_test(limit_releases),
		cmocka_unit_test(grows_past_initial),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
