/* Unit tests for system records: fields, validation, canonical JSON, storage and import. */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static struct cg_error err;

static void must(cg_code r)
{
	if (r != CG_OK)
		fail_msg("unexpected failure: %s", err.message);
}

static void minimal(struct cg_system *s, const char *id)
{
	cg_system_init(s);
	if (id)
		must(cg_system_set_field(s, "id", id, &err));
	must(cg_system_set_field(s, "name", "Grid dispatch", &err));
	must(cg_system_set_field(s, "sector", "energy", &err));
	must(cg_system_set_field(s, "supports_core_business", "是", &err));
	must(cg_system_set_field(s, "harm_if_compromised", "serious", &err));
	must(cg_system_set_field(s, "status", "production", &err));
}

static void canonical_json(void **state)
{
	struct cg_system s;
	struct cg_buf b;
	(void)state;
	minimal(&s, "g1");
	must(cg_system_set_field(&s, "ai.kind", "optimisation", &err));
	must(cg_system_set_field(&s, "data.pi_subjects", "12", &err));
	must(cg_system_set_field(&s, "links", "exchanges_data:z;depends_on:a", &err));
	must(cg_system_set_field(&s, "description", "line\n\"quoted\"", &err));
	cg_buf_init(&b, 0);
	must(cg_system_to_json(&s, &b));
	assert_string_equal(b.ptr,
		"{\"ai\":{\"kind\":\"optimisation\",\"model_source\":null,\"public_generative_service\":false},"
		"\"created_at\":null,\"cross_sector_impact\":false,"
		"\"data\":{\"core_data\":false,\"important_data\":false,\"pi_subjects\":12,\"sensitive_pi_subjects\":0},"
		"\"description\":\"line\\n\\\"quoted\\\"\",\"harm_if_compromised\":\"serious\",\"id\":\"g1\","
		"\"links\":[{\"kind\":\"depends_on\",\"to\":\"a\"},{\"kind\":\"exchanges_data\",\"to\":\"z\"}],"
		"\"mlps_level\":null,\"name\":\"Grid dispatch\",\"notified_at\":null,\"notified_cii\":false,"
		"\"owner\":\"\",\"sector\":\"energy\",\"serves_cii_operators\":false,\"status\":\"production\","
		"\"supports_core_business\":true,\"updated_at\":null,\"users\":0}");
	/* Clearing ai.kind leaves no AI at all. */
	must(cg_system_set_field(&s, "ai.kind", "", &err));
	cg_buf_reset(&b);
	must(cg_system_to_json(&s, &b));
	assert_non_null(strstr(b.ptr, "{\"ai\":null,"));
	cg_buf_release(&b);
	cg_system_release(&s);
}

static void field_errors_name_the_field(void **state)
{
	static const struct {
		const char *field, *value, *expect_field;
	} bad[] = {
		{ "sector", "mining", "sector" },
		{ "supports_core_business", "maybe", "supports_core_business" },
		{ "users", "-1", "users" },
		{ "users", "12a", "users" },
		{ "mlps_level", "0", "mlps_level" },
		{ "mlps_level", "6", "mlps_level" },
		{ "notified_at", "2026-02-30", "notified_at" },
		{ "ai.kind", "oracle", "ai.kind" },
		{ "links", "uses:x", "links" },
		{ "links", "nocolon", "links" },
		{ "colour", "blue", "colour" },
		{ "name", "", "name" },
		{ "name", "bad\x01", "name" },
		{ "created_at", "2026-01-01T00:00:00Z", "created_at" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct cg_system s;
		minimal(&s, "x");
		cg_error_init(&err, CG_LANG_EN);
		assert_int_equal(cg_system_set_field(&s, bad[i].field, bad[i].value, &err), CG_E_INVALID);
		assert_string_equal(err.field, bad[i].expect_field);
		assert_non_null(strstr(err.message, bad[i].expect_field));
		cg_system_release(&s);
	}
}

static void cross_field_validation(void **state)
{
	struct cg_system s;
	(void)state;
	minimal(&s, "x");
	must(cg_system_set_field(&s, "notified_at", "2024-01-01", &err));
	assert_int_equal(cg_system_validate(&s, &err), CG_E_INVALID);
	assert_string_equal(err.field, "notified_at");
	must(cg_system_set_field(&s, "notified_cii", "true", &err));
	must(cg_system_validate(&s, &err));
	must(cg_system_set_field(&s, "data.pi_subjects", "5", &err));
	must(cg_system_set_field(&s, "data.sensitive_pi_subjects", "6", &err));
	assert_int_equal(cg_system_validate(&s, &err), CG_E_INVALID);
	assert_string_equal(err.field, "data.sensitive_pi_subjects");
	must(cg_system_set_field(&s, "data.sensitive_pi_subjects", "5", &err));
	must(cg_system_set_field(&s, "links", "depends_on:x", &err));
	assert_int_equal(cg_system_validate(&s, &err), CG_E_INVALID);
	assert_string_equal(err.field, "links");
	must(cg_system_set_field(&s, "links", "", &err));
	must(cg_system_set_field(&s, "ai.model_source", "saas", &err));
	assert_int_equal(cg_system_validate(&s, &err), CG_E_INVALID);
	assert_string_equal(err.field, "ai.kind");
	free(s.id);
	s.id = strdup("no spaces allowed");
	must(cg_system_set_field(&s, "ai.kind", "agent", &err));
	assert_int_equal(cg_system_validate(&s, &err), CG_E_INVALID);
	assert_string_equal(err.field, "id");
	cg_system_release(&s);

	/* A required boolean must be given, not defaulted. */
	cg_system_init(&s);
	must(cg_system_set_field(&s, "name", "n", &err));
	must(cg_system_set_field(&s, "sector", "water", &err));
	must(cg_system_set_field(&s, "harm_if_compromised", "minor", &err));
	must(cg_system_set_field(&s, "status", "planned", &err));
	assert_int_equal(cg_system_validate(&s, &err), CG_E_INVALID);
	assert_string_equal(err.field, "supports_core_business");
	cg_system_release(&s);
}

static void json_input(void **state)
{
	static const char good[] = "{\"id\":\"j\",\"name\":\"J\",\"sector\":\"finance\",\"supports_core_business\":false,"
		"\"harm_if_compromised\":\"moderate\",\"status\":\"planned\",\"ai\":{\"kind\":\"generative\","
		"\"public_generative_service\":true},\"data\":{\"pi_subjects\":10},\"mlps_level\":null}";
	struct cg_system s;
	(void)state;
	cg_system_init(&s);
	must(cg_system_from_json(&s, good, strlen(good), &err));
	must(cg_system_validate(&s, &err));
	assert_true(s.has_ai);
	assert_int_equal(s.ai_kind, CG_AI_GENERATIVE);
	assert_true(s.ai_public_generative_service);
	assert_int_equal(s.data_pi_subjects, 10);
	cg_system_release(&s);

	static const struct {
		const char *json, *field;
	} bad[] = {
		{ "{\"name\":1}", "name" },
		{ "{\"users\":1.5}", "users" },
		{ "{\"users\":-3}", "users" },
		{ "{\"notified_cii\":\"yes\"}", "notified_cii" },
		{ "{\"ai\":{\"kind\":\"agent\",\"vendor\":\"x\"}}", "ai.vendor" },
		{ "{\"data\":[]}", "data" },
		{ "{\"name\":null}", "name" },
		{ "{\"links\":[{\"to\":\"a\"}]}", "links" },
		{ "{\"bogus\":true}", "bogus" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cg_system_init(&s);
		cg_error_init(&err, CG_LANG_EN);
		assert_int_equal(cg_system_from_json(&s, bad[i].json, strlen(bad[i].json), &err), CG_E_INVALID);
		if (strcmp(err.field, bad[i].field) != 0)
			fail_msg("%s: field '%s', expected '%s' (%s)", bad[i].json, err.field, bad[i].field, err.message);
		cg_system_release(&s);
	}
}

static void store_round_trip(void **state)
{
	struct cg_store *st = cg_test_store();
	struct cg_system a, b, got;
	struct cg_buf j1, j2;
	(void)state;
	minimal(&a, "a");
	minimal(&b, "b");
	must(cg_system_set_field(&b, "links", "depends_on:a", &err));
	must(cg_system_set_field(&b, "mlps_level", "3", &err));
	must(cg_system_add(st, "t", &a, &err));
	must(cg_system_add(st, "t", &b, &err));
	assert_int_equal(cg_system_add(st, "t", &b, &err), CG_E_EXISTS);
	assert_string_equal(err.field, "id");
	cg_system_init(&got);
	must(cg_system_get(st, "b", &got, &err));
	cg_buf_init(&j1, 0);
	cg_buf_init(&j2, 0);
	must(cg_system_to_json(&b, &j1));
	must(cg_system_to_json(&got, &j2));
	assert_string_equal(j1.ptr, j2.ptr);
	assert_int_equal(cg_system_delete(st, "t", "a", &err), CG_E_CONFLICT);
	assert_non_null(strstr(err.message, "b"));
	assert_int_equal(cg_system_get(st, "zz", &got, &err), CG_E_NOTFOUND);
	/* A generated id when none is given. */
	struct cg_system c;
	minimal(&c, NULL);
	must(cg_system_add(st, "t", &c, &err));
	assert_non_null(c.id);
	assert_int_equal(strncmp(c.id, "sys-", 4), 0);
	cg_system_release(&c);
	cg_buf_release(&j1);
	cg_buf_release(&j2);
	cg_system_release(&a);
	cg_system_release(&b);
	cg_system_release(&got);
	cg_store_free(st);
}

static void import_is_all_or_nothing(void **state)
{
	static const char csv[] =
		"\xEF\xBB\xBFid,name,sector,supports_core_business,harm_if_compromised,status,links,ai.kind\r\n"
		"x1,\"One, with comma\",energy,yes,minor,production,depends_on:x2,predictive\r\n"
		"x2,Two,water,no,moderate,planned,,\r\n";
	static const char bad[] =
		"id,name,sector,supports_core_business,harm_if_compromised,status\n"
		"y1,Y,energy,yes,minor,production\n"
		"y2,Y,energy,yes,minor,nonsense\n";
	struct cg_store *st = cg_test_store();
	struct cg_import_result res;
	struct cg_inventory_summary sum;
	(void)state;
	must(cg_system_import(st, "t", csv, strlen(csv), CG_FORMAT_CSV, false, &res, &err));
	assert_int_equal(res.created, 2);
	assert_int_equal(cg_system_import(st, "t", bad, strlen(bad), CG_FORMAT_CSV, false, &res, &err), CG_E_INVALID);
	assert_non_null(strstr(err.message, "line 3"));
	assert_string_equal(err.field, "status");
	must(cg_inventory_summarise(st, &sum, &err));
	assert_int_equal(sum.systems, 2);
	assert_int_equal(sum.links, 1);
	/* An existing id fails unless updating. */
	assert_int_equal(cg_system_import(st, "t", csv, strlen(csv), CG_FORMAT_CSV, false, &res, &err), CG_E_EXISTS);
	must(cg_system_import(st, "t", csv, strlen(csv), CG_FORMAT_CSV, true, &res, &err));
	assert_int_equal(res.updated, 2);
	struct cg_audit_report rep;
	must(cg_audit_verify(st, NULL, &rep, &err));
	assert_int_equal(rep.events, 4);
	cg_store_free(st);
}

static int setup(void **state)
{
	(void)state;
	cg_error_init(&err, CG_LANG_EN);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(canonical_json, setup),
		cmocka_unit_test_setup(field_errors_name_the_field, setup),
		cmocka_unit_test_setup(cross_field_validation, setup),
		cmocka_unit_test_setup(json_input, setup),
		cmocka_unit_test_setup(store_round_trip, setup),
		cmocka_unit_test_setup(import_is_all_or_nothing, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
