/* Unit tests for screening: every perimeter rule and its boundaries, from the catalog data. */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static struct cg_catalog *cat;

static json_t *screen(const char *input, enum cg_lang lang)
{
	struct cg_error err;
	json_t *res = NULL;
	cg_error_init(&err, lang);
	if (cg_screen_input(cat, input, strlen(input), lang, &res, &err) != CG_OK)
		fail_msg("screen %s: %s", input, err.message);
	return res;
}

static const char *perimeter(const char *input)
{
	static char out[32];
	json_t *res = screen(input, CG_LANG_EN);
	snprintf(out, sizeof out, "%s", json_string_value(json_object_get(res, "perimeter")));
	json_decref(res);
	return out;
}

static bool has_reason(json_t *res, const char *rule)
{
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(res, "reasons"), i, r)
		if (strcmp(json_string_value(json_object_get(r, "rule")), rule) == 0)
			return true;
	return false;
}

static bool has_scenario(json_t *res, const char *id)
{
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(res, "ai_scenarios"), i, r)
		if (strcmp(json_string_value(json_object_get(r, "id")), id) == 0)
			return true;
	return false;
}

/* The scenario table: input, expected perimeter. */
static void perimeter_rules(void **state)
{
	static const struct {
		const char *input, *expect;
	} table[] = {
		/* Art. 10: notification decides, whatever else. */
		{ "{\"notified_cii\": true}", "cii" },
		{ "{\"notified_cii\": true, \"sector\": \"other\", \"harm_if_compromised\": \"minor\"}", "cii" },
		/* Arts. 2 and 9: an Art. 2 sector, core business and serious harm, all three. */
		{ "{\"sector\": \"energy\", \"supports_core_business\": true, \"harm_if_compromised\": \"serious\"}", "likely_cii" },
		{ "{\"sector\": \"energy\", \"supports_core_business\": true, \"harm_if_compromised\": \"moderate\"}", "outside" },
		{ "{\"sector\": \"energy\", \"supports_core_business\": false, \"harm_if_compromised\": \"serious\"}", "outside" },
		{ "{\"supports_core_business\": true, \"harm_if_compromised\": \"serious\"}", "outside" },
		/* The Art. 2 catch-all: sector other with serious harm, core business or not. */
		{ "{\"sector\": \"other\", \"harm_if_compromised\": \"serious\"}", "likely_cii" },
		{ "{\"sector\": \"other\", \"harm_if_compromised\": \"moderate\", \"supports_core_business\": true}", "outside" },
		/* Near-CII: coupled to a cii or likely-CII system, or serving CII operators. */
		{ "{\"coupled_to_cii\": true}", "near_cii" },
		{ "{\"serves_cii_operators\": true}", "near_cii" },
		{ "{\"coupled_to_cii\": false, \"serves_cii_operators\": false}", "outside" },
		/* The highest perimeter reached wins. */
		{ "{\"coupled_to_cii\": true, \"sector\": \"finance\", \"supports_core_business\": true, \"harm_if_compromised\": \"serious\"}", "likely_cii" },
		{ "{\"serves_cii_operators\": true, \"notified_cii\": true}", "cii" },
		/* Refinements never move a system across the perimeter. */
		{ "{\"cross_sector_impact\": true, \"data\": {\"pi_subjects\": 50000000, \"important_data\": true, \"core_data\": true}}", "outside" },
		{ "{}", "outside" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		const char *got = perimeter(table[i].input);
		if (strcmp(got, table[i].expect) != 0)
			fail_msg("%s: got %s, expected %s", table[i].input, got, table[i].expect);
	}
	/* Every one of the eight sectors of Art. 2 counts. */
	for (int k = 0; k < CG_SECTOR_OTHER; k++) {
		char in[200];
		snprintf(in, sizeof in, "{\"sector\": \"%s\", \"supports_core_business\": true, "
			 "\"harm_if_compromised\": \"serious\"}", cg_sector_names[k]);
		assert_string_equal(perimeter(in), "likely_cii");
	}
}

static void reasons_and_boundaries(void **state)
{
	json_t *res, *first;
	(void)state;
	res = screen("{\"notified_cii\": true, \"serves_cii_operators\": true}", CG_LANG_EN);
	first = json_array_get(json_object_get(res, "reasons"), 0);
	/* The deciding reason comes first, names its article and explains itself. */
	assert_string_equal(json_string_value(json_object_get(first, "rule")), "notified");
	assert_true(json_is_true(json_object_get(first, "decisive")));
	assert_non_null(strstr(json_string_value(json_object_get(first, "source")), "Order 745 Art. 10"));
	assert_true(strlen(json_string_value(json_object_get(first, "text"))) > 20);
	assert_true(has_reason(res, "serves-cii"));
	assert_non_null(json_string_value(json_object_get(res, "catalog_version")));
	json_decref(res);
	/* "以上": one million subjects is large, one fewer is not. */
	res = screen("{\"data\": {\"pi_subjects\": 999999}}", CG_LANG_EN);
	assert_false(has_reason(res, "large-pi"));
	json_decref(res);
	res = screen("{\"data\": {\"pi_subjects\": 1000000}}", CG_LANG_EN);
	assert_true(has_reason(res, "large-pi"));
	assert_string_equal(json_string_value(json_object_get(res, "perimeter")), "outside");
	json_decref(res);
	/* Chinese text comes from the same rule. */
	res = screen("{\"notified_cii\": true}", CG_LANG_ZH);
	first = json_array_get(json_object_get(res, "reasons"), 0);
	assert_non_null(strstr(json_string_value(json_object_get(first, "text")), "关键信息基础设施"));
	json_decref(res);
}

static void scenarios(void **state)
{
	json_t *res;
	(void)state;
	/* No AI, no AI scenarios. */
	res = screen("{\"sector\": \"energy\", \"supports_core_business\": true, \"harm_if_compromised\": \"serious\"}", CG_LANG_EN);
	assert_int_equal(json_array_size(json_object_get(res, "ai_scenarios")), 0);
	json_decref(res);
	res = screen("{\"sector\": \"energy\", \"ai\": {\"kind\": \"generative\", \"model_source\": \"third_party_model\"}, "
		     "\"data\": {\"pi_subjects\": 10}}", CG_LANG_EN);
	assert_true(has_scenario(res, "important-sector"));
	assert_true(has_scenario(res, "third-party-dependency"));
	assert_true(has_scenario(res, "sensitive-data"));
	assert_false(has_scenario(res, "continuity-impact"));
	json_t *sc = json_array_get(json_object_get(res, "ai_scenarios"), 0);
	assert_true(json_array_size(json_object_get(sc, "duties")) > 0);
	json_decref(res);
}

static void bad_input(void **state)
{
	static const struct {
		const char *input, *field;
	} bad[] = {
		{ "{\"sectr\": \"energy\"}", "sectr" },
		{ "{\"coupled_to_cii\": \"yes\"}", "coupled_to_cii" },
		{ "{\"sector\": \"mining\"}", "sector" },
		{ "{\"ai\": {\"kind\": \"oracle\"}}", "ai.kind" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct cg_error err;
		json_t *res = NULL;
		cg_error_init(&err, CG_LANG_EN);
		assert_int_equal(cg_screen_input(cat, bad[i].input, strlen(bad[i].input), CG_LANG_EN, &res, &err), CG_E_INVALID);
		assert_string_equal(err.field, bad[i].field);
		assert_null(res);
	}
	struct cg_error err;
	json_t *res = NULL;
	cg_error_init(&err, CG_LANG_EN);
	assert_int_equal(cg_screen_input(cat, "[1]", 3, CG_LANG_EN, &res, &err), CG_E_INVALID);
}

/* Stored systems: links count in either direction, and only to cii or likely-CII systems. */
static void stored_links(void **state)
{
	struct cg_store *st = cg_test_store();
	struct cg_error err;
	struct cg_import_result r;
	static const char inv[] =
		"[{\"id\": \"core\", \"name\": \"Core\", \"sector\": \"water\", \"supports_core_business\": true,"
		"  \"harm_if_compromised\": \"serious\", \"status\": \"production\"},"
		" {\"id\": \"up\", \"name\": \"Up\", \"sector\": \"other\", \"supports_core_business\": false,"
		"  \"harm_if_compromised\": \"minor\", \"status\": \"production\", \"links\": [{\"to\": \"core\", \"kind\": \"depends_on\"}]},"
		" {\"id\": \"down\", \"name\": \"Down\", \"sector\": \"other\", \"supports_core_business\": false,"
		"  \"harm_if_compromised\": \"minor\", \"status\": \"production\"},"
		" {\"id\": \"far\", \"name\": \"Far\", \"sector\": \"other\", \"supports_core_business\": false,"
		"  \"harm_if_compromised\": \"minor\", \"status\": \"production\", \"links\": [{\"to\": \"up\", \"kind\": \"exchanges_data\"}]},"
		" {\"id\": \"host\", \"name\": \"Host\", \"sector\": \"water\", \"supports_core_business\": true,"
		"  \"harm_if_compromised\": \"moderate\", \"status\": \"production\", \"notified_cii\": true,"
		"  \"links\": [{\"to\": \"down\", \"kind\": \"embedded_in\"}]}]";
	static const struct {
		const char *id, *expect;
	} want[] = { { "core", "likely_cii" }, { "up", "near_cii" }, { "down", "near_cii" }, { "far", "outside" }, { "host", "cii" } };
	(void)state;
	cg_error_init(&err, CG_LANG_EN);
	assert_int_equal(cg_system_import(st, "t", inv, strlen(inv), CG_FORMAT_JSON, false, &r, &err), CG_OK);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		json_t *res = NULL;
		if (cg_screen_stored(st, cat, want[i].id, CG_LANG_EN, &res, &err) != CG_OK)
			fail_msg("%s: %s", want[i].id, err.message);
		if (strcmp(json_string_value(json_object_get(res, "perimeter")), want[i].expect) != 0)
			fail_msg("%s: got %s, expected %s", want[i].id, json_string_value(json_object_get(res, "perimeter")), want[i].expect);
		assert_string_equal(json_string_value(json_object_get(res, "system")), want[i].id);
		json_decref(res);
	}
	json_t *res = NULL;
	assert_int_equal(cg_screen_stored(st, cat, "nope", CG_LANG_EN, &res, &err), CG_E_NOTFOUND);
	cg_store_free(st);
}

/* Stored screenings keep a history and notice when a decisive field changes. */
static void history_and_staleness(void **state)
{
	struct cg_store *st = cg_test_store();
	struct cg_error err;
	struct cg_system s;
	json_t *res = NULL, *h = NULL;
	struct cg_audit_report rep;
	char last[16];
	bool stale;
	(void)state;
	cg_error_init(&err, CG_LANG_EN);
	cg_system_init(&s);
	assert_int_equal(cg_system_set_field(&s, "id", "g", &err), CG_OK);
	assert_int_equal(cg_system_set_field(&s, "name", "G", &err), CG_OK);
	assert_int_equal(cg_system_set_field(&s, "sector", "energy", &err), CG_OK);
	assert_int_equal(cg_system_set_field(&s, "supports_core_business", "yes", &err), CG_OK);
	assert_int_equal(cg_system_set_field(&s, "harm_if_compromised", "serious", &err), CG_OK);
	assert_int_equal(cg_system_set_field(&s, "status", "production", &err), CG_OK);
	assert_int_equal(cg_system_add(st, "t", &s, &err), CG_OK);
	assert_int_equal(cg_screen_stale(st, cat, "g", &stale, last, &err), CG_OK);
	assert_true(stale);
	assert_string_equal(last, "");
	assert_int_equal(cg_screen_record(st, "t", cat, "g", CG_LANG_EN, &res, &err), CG_OK);
	assert_string_equal(json_string_value(json_object_get(res, "perimeter")), "likely_cii");
	json_decref(res);
	assert_int_equal(cg_screen_stale(st, cat, "g", &stale, last, &err), CG_OK);
	assert_false(stale);
	assert_string_equal(last, "likely_cii");
	/* A field no perimeter rule reads changes nothing; a decisive one does. */
	assert_int_equal(cg_system_set_field(&s, "owner", "someone", &err), CG_OK);
	assert_int_equal(cg_system_update(st, "t", &s, &err), CG_OK);
	assert_int_equal(cg_screen_stale(st, cat, "g", &stale, last, &err), CG_OK);
	assert_false(stale);
	assert_int_equal(cg_system_set_field(&s, "harm_if_compromised", "moderate", &err), CG_OK);
	assert_int_equal(cg_system_update(st, "t", &s, &err), CG_OK);
	assert_int_equal(cg_screen_stale(st, cat, "g", &stale, last, &err), CG_OK);
	assert_true(stale);
	assert_int_equal(cg_screen_record(st, "t", cat, "g", CG_LANG_EN, &res, &err), CG_OK);
	json_decref(res);
	assert_int_equal(cg_screen_history(st, "g", &h, &err), CG_OK);
	assert_int_equal(json_array_size(h), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(h, 1), "perimeter")), "outside");
	json_decref(h);
	/* The history is audited. */
	assert_int_equal(cg_audit_verify(st, NULL, &rep, &err), CG_OK);
	assert_int_equal(cg_store_exec(st, "UPDATE screenings SET perimeter = 'cii' WHERE seq = 1", &err), CG_OK);
	assert_int_equal(cg_audit_verify(st, NULL, &rep, &err), CG_E_TAMPERED);
	assert_string_equal(rep.bad_entity, "screening:g#1");
	cg_system_release(&s);
	cg_store_free(st);
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
		cmocka_unit_test(perimeter_rules),
		cmocka_unit_test(reasons_and_boundaries),
		cmocka_unit_test(scenarios),
		cmocka_unit_test(bad_input),
		cmocka_unit_test(stored_links),
		cmocka_unit_test(history_and_staleness),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
