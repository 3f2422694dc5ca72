/*
 * Unit tests for incident grading: every criterion of the catalog at, just below and above its
 * boundaries ("以上" includes the figure), the highest grade winning, the reporting routes and
 * their clocks, escalations, the suspected-crime report, draft markers, and bad input.
 */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static struct cg_catalog *cat;

static json_t *grade_of(const char *input)
{
	struct cg_error err;
	json_t *res = NULL;
	cg_error_init(&err, CG_LANG_EN);
	if (cg_grade_text(cat, input, strlen(input), CG_LANG_EN, &res, &err) != CG_OK)
		fail_msg("grade %s: %s", input, err.message);
	return res;
}

#define D "\"discovered_at\": \"2026-11-24T09:00:00+08:00\""

static const struct {
	const char *input, *grade;
} table[] = {
	{ "{" D "}", "general" },
	/* personal information leaked */
	{ "{" D ", \"pi_subjects_leaked\": 999999}", "general" },
	{ "{" D ", \"pi_subjects_leaked\": 1000000}", "relatively_major" },
	{ "{" D ", \"pi_subjects_leaked\": 9999999}", "relatively_major" },
	{ "{" D ", \"pi_subjects_leaked\": 10000000}", "major" },
	{ "{" D ", \"pi_subjects_leaked\": 99999999}", "major" },
	{ "{" D ", \"pi_subjects_leaked\": 100000000}", "particularly_major" },
	/* CII outages */
	{ "{" D ", \"cii_whole_outage_minutes\": 29}", "general" },
	{ "{" D ", \"cii_whole_outage_minutes\": 30}", "relatively_major" },
	{ "{" D ", \"cii_whole_outage_minutes\": 119}", "relatively_major" },
	{ "{" D ", \"cii_whole_outage_minutes\": 120}", "major" },
	{ "{" D ", \"cii_whole_outage_minutes\": 359}", "major" },
	{ "{" D ", \"cii_whole_outage_minutes\": 360}", "particularly_major" },
	{ "{" D ", \"cii_main_function_outage_minutes\": 119}", "general" },
	{ "{" D ", \"cii_main_function_outage_minutes\": 120}", "relatively_major" },
	{ "{" D ", \"cii_main_function_outage_minutes\": 360}", "major" },
	{ "{" D ", \"cii_main_function_outage_minutes\": 1439}", "major" },
	{ "{" D ", \"cii_main_function_outage_minutes\": 1440}", "particularly_major" },
	/* people affected, and population shares */
	{ "{" D ", \"people_affected\": 99999}", "general" },
	{ "{" D ", \"people_affected\": 100000}", "relatively_major" },
	{ "{" D ", \"people_affected\": 1000000}", "major" },
	{ "{" D ", \"people_affected\": 10000000}", "particularly_major" },
	{ "{" D ", \"province_population_share_percent\": 49.9}", "general" },
	{ "{" D ", \"province_population_share_percent\": 50}", "particularly_major" },
	{ "{" D ", \"prefecture_population_share_percent\": 9.99}", "general" },
	{ "{" D ", \"prefecture_population_share_percent\": 10}", "relatively_major" },
	{ "{" D ", \"prefecture_population_share_percent\": 30}", "major" },
	{ "{" D ", \"prefecture_population_share_percent\": 100}", "major" },
	/* portals: the level decides which tiers count */
	{ "{" D ", \"portal_level\": \"provincial_or_above\", \"portal_unreachable_minutes\": 1440}", "particularly_major" },
	{ "{" D ", \"portal_level\": \"central_news\", \"portal_unreachable_minutes\": 1440}", "particularly_major" },
	{ "{" D ", \"portal_level\": \"prefecture_or_above\", \"portal_unreachable_minutes\": 1440}", "major" },
	{ "{" D ", \"portal_level\": \"prefecture_or_above\", \"portal_unreachable_minutes\": 359}", "relatively_major" },
	{ "{" D ", \"portal_level\": \"provincial_or_above\", \"portal_unreachable_minutes\": 360}", "major" },
	{ "{" D ", \"portal_level\": \"prefecture_or_above\", \"portal_unreachable_minutes\": 119}", "general" },
	{ "{" D ", \"portal_level\": \"prefecture_or_above\", \"portal_unreachable_minutes\": 120}", "relatively_major" },
	{ "{" D ", \"portal_level\": \"other\", \"portal_unreachable_minutes\": 5000}", "general" },
	{ "{" D ", \"portal_unreachable_minutes\": 5000}", "general" },
	/* spread of illegal information after a defacement */
	{ "{" D ", \"spread_homepage_minutes\": 29}", "general" },
	{ "{" D ", \"spread_homepage_minutes\": 30}", "relatively_major" },
	{ "{" D ", \"spread_homepage_minutes\": 120}", "major" },
	{ "{" D ", \"spread_homepage_minutes\": 360}", "particularly_major" },
	{ "{" D ", \"spread_other_page_minutes\": 119}", "general" },
	{ "{" D ", \"spread_other_page_minutes\": 120}", "relatively_major" },
	{ "{" D ", \"spread_other_page_minutes\": 720}", "major" },
	{ "{" D ", \"spread_other_page_minutes\": 1440}", "particularly_major" },
	{ "{" D ", \"spread_reposts\": 999}", "general" },
	{ "{" D ", \"spread_reposts\": 1000}", "relatively_major" },
	{ "{" D ", \"spread_reposts\": 10000}", "major" },
	{ "{" D ", \"spread_reposts\": 100000}", "particularly_major" },
	{ "{" D ", \"spread_views\": 9999}", "general" },
	{ "{" D ", \"spread_views\": 10000}", "relatively_major" },
	{ "{" D ", \"spread_views\": 100000}", "major" },
	{ "{" D ", \"spread_views\": 1000000}", "particularly_major" },
	/* direct economic loss */
	{ "{" D ", \"direct_loss_cny\": 4999999.99}", "general" },
	{ "{" D ", \"direct_loss_cny\": 5000000}", "relatively_major" },
	{ "{" D ", \"direct_loss_cny\": 20000000}", "major" },
	{ "{" D ", \"direct_loss_cny\": 100000000}", "particularly_major" },
	/* core or important data */
	{ "{" D ", \"important_data_impact\": \"none\"}", "general" },
	{ "{" D ", \"important_data_impact\": \"relatively_serious\"}", "relatively_major" },
	{ "{" D ", \"important_data_impact\": \"serious\"}", "major" },
	{ "{" D ", \"important_data_impact\": \"particularly_serious\"}", "particularly_major" },
	/* the highest grade met wins */
	{ "{" D ", \"pi_subjects_leaked\": 1000000, \"direct_loss_cny\": 100000000, \"spread_views\": 10000}", "particularly_major" },
	{ "{" D ", \"people_affected\": 100000, \"cii_whole_outage_minutes\": 120}", "major" },
	/* nulls mean none */
	{ "{" D ", \"pi_subjects_leaked\": null, \"portal_level\": null}", "general" },
};

static void grading_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		json_t *res = grade_of(table[i].input);
		const char *g = json_string_value(json_object_get(res, "grade"));
		if (strcmp(g, table[i].grade) != 0)
			fail_msg("%s: expected %s, got %s", table[i].input, table[i].grade, g);
		/* the grade alone (what an incident's record keeps) is the same */
		json_t *in = NULL, *raw = json_loads(table[i].input, 0, NULL);
		struct cg_error err;
		cg_error_init(&err, CG_LANG_EN);
		assert_int_equal(cg_grade_input_check(raw, &in, &err), CG_OK);
		assert_string_equal(cg_grade_names[cg_grade_level(cat, in)], g);
		json_decref(in);
		json_decref(raw);
		/* Only relatively major and above must be reported. */
		assert_int_equal(json_is_true(json_object_get(res, "must_report")), strcmp(g, "general") != 0);
		/* A graded criterion is listed with its grade, source and confidence. */
		if (strcmp(g, "general") != 0) {
			json_t *c = json_array_get(json_object_get(res, "criteria"), 0);
			assert_non_null(c);
			assert_non_null(strstr(json_string_value(json_object_get(c, "source")), "Incident Reporting Measures 2025"));
			assert_true(strcmp(json_string_value(json_object_get(c, "confidence")), "firm") == 0 ||
				    strcmp(json_string_value(json_object_get(c, "confidence")), "draft") == 0);
		} else {
			assert_int_equal(json_array_size(json_object_get(res, "criteria")), 0);
		}
		json_decref(res);
	}
}

static const char *report_due(json_t *res, const char *recipient)
{
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(res, "reports"), i, r)
		if (strcmp(json_string_value(json_object_get(r, "recipient")), recipient) == 0)
			return json_is_null(json_object_get(r, "due_at")) ? "null" : json_string_value(json_object_get(r, "due_at"));
	return NULL;
}

static void routes_and_clocks(void **state)
{
	json_t *res;
	(void)state;

	/* CII: department and public security within 1 hour; escalation for major and above. */
	res = grade_of("{\"discovered_at\": \"2026-11-24T01:00:00Z\", \"involves_cii\": true, \"pi_subjects_leaked\": 1000000}");
	assert_string_equal(report_due(res, "protection_work_department"), "2026-11-24T10:00:00+08:00");
	assert_string_equal(report_due(res, "public_security"), "2026-11-24T10:00:00+08:00");
	assert_int_equal(json_array_size(json_object_get(res, "reports")), 2);
	assert_int_equal(json_array_size(json_object_get(res, "escalations")), 0); /* relatively major */
	assert_int_equal(json_integer_value(json_object_get(res, "final_report_due_days")), 30);
	json_decref(res);
	res = grade_of("{\"discovered_at\": \"2026-11-24T01:00:00Z\", \"involves_cii\": true, \"pi_subjects_leaked\": 10000000, "
		       "\"suspected_crime\": true}");
	json_t *e = json_array_get(json_object_get(res, "escalations"), 0);
	assert_non_null(e);
	assert_string_equal(json_string_value(json_object_get(e, "by")), "protection_work_department");
	assert_int_equal(json_integer_value(json_object_get(e, "within_minutes")), 30);
	assert_int_equal(json_array_size(json_object_get(e, "to")), 2);
	/* public security is already listed: the suspected crime adds nothing */
	assert_int_equal(json_array_size(json_object_get(res, "reports")), 2);
	assert_string_equal(report_due(res, "public_security"), "2026-11-24T10:00:00+08:00");
	json_decref(res);

	/* central organs: their department's cyberspace body within 2 hours */
	res = grade_of("{\"discovered_at\": \"2026-11-24T23:30:00+08:00\", \"operator_type\": \"central_organ\", "
		       "\"direct_loss_cny\": 5000000, \"suspected_crime\": true}");
	assert_string_equal(report_due(res, "department_cyberspace_body"), "2026-11-25T01:30:00+08:00");
	assert_string_equal(report_due(res, "public_security"), "null");
	assert_null(report_due(res, "provincial_cyberspace_administration"));
	json_decref(res);

	/* everyone else: the provincial cyberspace administration within 4 hours, CII operators too
	 * when the incident does not involve their CII */
	res = grade_of("{\"discovered_at\": \"2026-11-24T09:15:30+08:00\", \"operator_type\": \"cii\", \"spread_reposts\": 1000}");
	assert_string_equal(report_due(res, "provincial_cyberspace_administration"), "2026-11-24T13:15:30+08:00");
	assert_int_equal(json_array_size(json_object_get(res, "reports")), 1);
	json_decref(res);

	/* general: nothing statutory; a suspected crime still goes to public security, promptly */
	res = grade_of("{\"discovered_at\": \"2026-11-24T09:00:00+08:00\", \"involves_cii\": true, \"suspected_crime\": true}");
	assert_false(json_is_true(json_object_get(res, "must_report")));
	assert_int_equal(json_array_size(json_object_get(res, "reports")), 1);
	assert_string_equal(report_due(res, "public_security"), "null");
	assert_false(json_is_true(json_object_get(json_array_get(json_object_get(res, "reports"), 0), "statutory")));
	json_decref(res);
	res = grade_of("{\"discovered_at\": \"2026-11-24T09:00:00+08:00\", \"involves_cii\": true}");
	assert_int_equal(json_array_size(json_object_get(res, "reports")), 0);
	json_decref(res);

	/* draft figures are marked */
	res = grade_of("{\"discovered_at\": \"2026-11-24T09:00:00+08:00\", \"direct_loss_cny\": 20000000, \"pi_subjects_leaked\": 10000000}");
	assert_int_equal(json_integer_value(json_object_get(res, "draft_criteria")), 1);
	json_decref(res);
}

static void bad_input(void **state)
{
	static const struct {
		const char *input, *field;
	} bad[] = {
		{ "{}", "discovered_at" },
		{ "{\"discovered_at\": \"yesterday\"}", "discovered_at" },
		{ "{" D ", \"pi_subject_leaked\": 5}", "pi_subject_leaked" },
		{ "{" D ", \"people_affected\": -1}", "people_affected" },
		{ "{" D ", \"people_affected\": 1.5}", "people_affected" },
		{ "{" D ", \"people_affected\": \"many\"}", "people_affected" },
		{ "{" D ", \"people_affected\": 1e300}", "people_affected" },
		{ "{" D ", \"province_population_share_percent\": 101}", "province_population_share_percent" },
		{ "{" D ", \"portal_level\": \"county\"}", "portal_level" },
		{ "{" D ", \"involves_cii\": 1}", "involves_cii" },
		{ "{" D ", \"operator_type\": \"state\"}", "operator_type" },
		{ "{" D ", \"important_data_impact\": true}", "important_data_impact" },
		{ "[]", "" },
		{ "{" D ", \"people_affected\": 5, \"people_affected\": 6}", "" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct cg_error err;
		json_t *res = NULL;
		cg_error_init(&err, CG_LANG_EN);
		if (cg_grade_text(cat, bad[i].input, strlen(bad[i].input), CG_LANG_EN, &res, &err) != CG_E_INVALID)
			fail_msg("%s: accepted", bad[i].input);
		assert_null(res);
		if (strcmp(err.field, bad[i].field) != 0)
			fail_msg("%s: field '%s', expected '%s'", bad[i].input, err.field, bad[i].field);
	}
}

static void texts_in_chinese(void **state)
{
	struct cg_error err;
	json_t *res = NULL;
	const char *in = "{" D ", \"pi_subjects_leaked\": 1000000}";
	(void)state;
	cg_error_init(&err, CG_LANG_ZH);
	assert_int_equal(cg_grade_text(cat, in, strlen(in), CG_LANG_ZH, &res, &err), CG_OK);
	const char *t = json_string_value(json_object_get(json_array_get(json_object_get(res, "criteria"), 0), "text"));
	assert_non_null(strstr(t, "1000000"));
	assert_non_null(strstr(t, "个人信息"));
	json_decref(res);
}

static int setup(void **state)
{
	struct cg_error err;
	(void)state;
	cg_error_init(&err, CG_LANG_EN);
	if (cg_catalog_open(NULL, &cat, &err) != CG_OK) {
		fprintf(stderr, "catalog: %s\n", err.message);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cg_catalog_free(cat);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(grading_table),
		cmocka_unit_test(routes_and_clocks),
		cmocka_unit_test(bad_input),
		cmocka_unit_test(texts_in_chinese),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
