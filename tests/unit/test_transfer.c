/* Unit tests for export and import: a round trip keeps records and the audit chain intact. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static char *export_of(struct cg_store *st, size_t *len)
{
	struct cg_error err;
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	cg_error_init(&err, CG_LANG_EN);
	assert_non_null(f);
	if (cg_export(st, f, &err) != CG_OK)
		fail_msg("export: %s", err.message);
	fclose(f);
	return buf;
}

static void round_trip(void **state)
{
	struct cg_store *a = cg_test_store(), *b = cg_test_store(), *c = cg_test_store();
	struct cg_error err;
	char h1[CG_HASH_HEX], h2[CG_HASH_HEX];
	int64_t n1, n2;
	size_t len, len2;
	(void)state;
	cg_error_init(&err, CG_LANG_EN);
	setenv("CIIGUARD_NOW", "2026-11-24T08:00:00Z", 1);
	if (cg_demo_load(a, "cli:test", CG_LANG_ZH, &err) != CG_OK)
		fail_msg("demo: %s", err.message);
	assert_int_equal(cg_system_delete(a, "cli:test", "legacy-outage-predictor", &err), CG_OK);
	char *doc = export_of(a, &len);
	if (cg_import(b, doc, len, &err) != CG_OK)
		fail_msg("import: %s", err.message);
	assert_int_equal(cg_audit_head(a, &n1, h1, &err), CG_OK);
	assert_int_equal(cg_audit_head(b, &n2, h2, &err), CG_OK);
	assert_int_equal(n1, n2);
	assert_string_equal(h1, h2);
	/* The second export is the same document. */
	char *doc2 = export_of(b, &len2);
	assert_string_equal(doc, doc2);
	/* Importing twice is refused: the target must be empty. */
	assert_int_equal(cg_import(b, doc, len, &err), CG_E_EXISTS);
	/* A damaged export is refused whole: change one system name in it. */
	char *p = strstr(doc, "短期负荷预测模型");
	assert_non_null(p);
	memcpy(p, "长", strlen("长"));
	assert_int_equal(cg_import(c, doc, len, &err), CG_E_TAMPERED);
	assert_non_null(strstr(err.message, "load-forecast"));
	assert_int_equal(cg_audit_head(c, &n1, h1, &err), CG_OK);
	assert_int_equal(n1, 0);
	struct cg_inventory_summary sum;
	assert_int_equal(cg_inventory_summarise(c, &sum, &err), CG_OK);
	assert_int_equal(sum.systems, 0);
	free(doc);
	free(doc2);
	cg_store_free(a);
	cg_store_free(b);
	cg_store_free(c);
	unsetenv("CIIGUARD_NOW");
}

/* migrate copies between backends: the one under test and an SQLite file, both ways. */
static void migrate_both_ways(void **state)
{
	struct cg_store *a = cg_test_store(), *b = NULL, *c = cg_test_store();
	struct cg_error err;
	char path[400], h1[CG_HASH_HEX], h2[CG_HASH_HEX];
	int64_t n1, n2;
	(void)state;
	cg_error_init(&err, CG_LANG_EN);
	if (cg_demo_load(a, "cli:test", CG_LANG_EN, &err) != CG_OK)
		fail_msg("demo: %s", err.message);
	snprintf(path, sizeof path, "%s/migrated.sqlite", cg_test_tmpdir());
	assert_int_equal(cg_store_open(path, CG_STORE_CREATE, &b, &err), CG_OK);
	if (cg_migrate(a, b, &err) != CG_OK)
		fail_msg("migrate: %s", err.message);
	if (cg_migrate(b, c, &err) != CG_OK)
		fail_msg("migrate back: %s", err.message);
	assert_int_equal(cg_audit_head(a, &n1, h1, &err), CG_OK);
	assert_int_equal(cg_audit_head(c, &n2, h2, &err), CG_OK);
	assert_int_equal(n1, n2);
	assert_string_equal(h1, h2);
	/* A second copy into a non-empty target is refused, and changes nothing there. */
	assert_int_equal(cg_migrate(a, b, &err), CG_E_EXISTS);
	assert_int_equal(cg_audit_head(b, &n2, h2, &err), CG_OK);
	assert_int_equal(n1, n2);
	cg_store_free(a);
	cg_store_free(b);
	cg_store_free(c);
}

static void rejects_foreign_documents(void **state)
{
	struct cg_store *st = cg_test_store();
	struct cg_error err;
	static const char *const docs[] = {
		"[]", "{\"format\":\"other\"}", "not json",
		"{\"format\":\"ciiguard-export\",\"schema_version\":999}",
		"{\"format\":\"ciiguard-export\",\"schema_version\":1,\"extra\":1}",
	};
	(void)state;
	for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
		cg_error_init(&err, CG_LANG_EN);
		assert_int_not_equal(cg_import(st, docs[i], strlen(docs[i]), &err), CG_OK);
		assert_true(err.message[0] != '\0');
	}
	cg_store_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(migrate_both_ways),
		cmocka_unit_test(rejects_foreign_documents),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
