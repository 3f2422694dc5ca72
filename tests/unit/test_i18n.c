/* Unit tests for translation lookup, language parsing and display width. */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static void translates_per_call(void **state)
{
	(void)state;
	assert_string_equal(cg_tr(CG_LANG_EN, "out of memory"), "out of memory");
	assert_string_equal(cg_tr(CG_LANG_ZH, "out of memory"), "内存不足");
	/* Unknown messages fall back to English. */
	assert_string_equal(cg_tr(CG_LANG_ZH, "no such message id 12345"), "no such message id 12345");
	assert_string_equal(cg_label(CG_LANG_ZH, "sector", "energy"), "能源");
	assert_string_equal(cg_label(CG_LANG_EN, "sector", "energy"), "Energy");
	assert_string_equal(cg_label(CG_LANG_ZH, "sector", "unknown-value"), "unknown-value");
}

static void errors_in_chinese(void **state)
{
	struct cg_system s;
	struct cg_error err;
	(void)state;
	cg_error_init(&err, CG_LANG_ZH);
	cg_system_init(&s);
	assert_int_equal(cg_system_set_field(&s, "users", "many", &err), CG_E_INVALID);
	assert_string_equal(err.field, "users");
	/* The message is Chinese but still names the field. */
	assert_non_null(strstr(err.message, "users"));
	assert_null(strstr(err.message, "expected"));
	cg_system_release(&s);
}

static void parses_languages(void **state)
{
	enum cg_lang l;
	(void)state;
	assert_int_equal(cg_lang_parse("zh", &l), 0);
	assert_int_equal(l, CG_LANG_ZH);
	assert_int_equal(cg_lang_parse("zh_CN.UTF-8", &l), 0);
	assert_int_equal(l, CG_LANG_ZH);
	assert_int_equal(cg_lang_parse("en-GB", &l), 0);
	assert_int_equal(l, CG_LANG_EN);
	assert_int_equal(cg_lang_parse("C.UTF-8", &l), 0);
	assert_int_equal(l, CG_LANG_EN);
	assert_int_equal(cg_lang_parse("fr", &l), -1);
	assert_int_equal(cg_lang_parse("zhx", &l), -1);
	setenv("LANGUAGE", "zh_CN:en", 1);
	assert_int_equal(cg_lang_from_env(), CG_LANG_ZH);
	unsetenv("LANGUAGE");
}

static void widths(void **state)
{
	(void)state;
	assert_int_equal(cg_text_width("abc"), 3);
	assert_int_equal(cg_text_width("能源"), 4);
	assert_int_equal(cg_text_width("AI 模型"), 7);
	assert_int_equal(cg_text_width(""), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(translates_per_call),
		cmocka_unit_test(errors_in_chinese),
		cmocka_unit_test(parses_languages),
		cmocka_unit_test(widths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
