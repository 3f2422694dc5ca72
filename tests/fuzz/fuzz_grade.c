/*
 * libFuzzer harness for incident grading input (`incident grade --input`): any input either
 * fails with a message naming what is wrong, or grades to one of the four grades with
 * must_report exactly for relatively major and above, every report naming a recipient, and the
 * same result when graded again (no hidden state).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ciiguard/ciiguard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cg_catalog *cat;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cg_error err;
	json_t *res = NULL, *again = NULL, *r;
	size_t i;

	cg_error_init(&err, CG_LANG_EN);
	if (!cat && cg_catalog_open(NULL, &cat, &err) != CG_OK)
		abort();
	if (cg_grade_text(cat, (const char *)data, size, CG_LANG_EN, &res, &err) != CG_OK) {
		if (!err.message[0] || res)
			abort();
		return 0;
	}
	int g = cg_grade_index(json_string_value(json_object_get(res, "grade")));
	if (g < 0 || json_is_true(json_object_get(res, "must_report")) != (g >= CG_GRADE_RELATIVELY_MAJOR))
		abort();
	json_array_foreach(json_object_get(res, "reports"), i, r)
		if (!json_is_string(json_object_get(r, "recipient")))
			abort();
	if (cg_grade_text(cat, (const char *)data, size, CG_LANG_EN, &again, &err) != CG_OK || !json_equal(res, again))
		abort();
	json_decref(res);
	json_decref(again);
	return 0;
}
