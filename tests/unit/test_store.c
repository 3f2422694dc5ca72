/* Unit tests for the store: migrations, version refusal, foreign files, transactions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "testutil.h"

static void path_in_tmp(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", cg_test_tmpdir(), name);
}

static void creates_and_migrates(void **state)
{
	struct cg_store *st = NULL;
	struct cg_error err;
	char path[400];
	(void)state;
	cg_error_init(&err, CG_LANG_EN);
	path_in_tmp(path, sizeof path, "new.db");
	/* Without CREATE a missing database is an error, and no file appears. */
	assert_int_equal(cg_store_open(path, 0, &st, &err), CG_E_NOTFOUND);
	assert_non_null(strstr(err.message, "ciiguard init"));
	FILE *f = fopen(path, "r");
	assert_null(f);
	assert_int_equal(cg_store_open(path, CG_STORE_CREATE, &st, &err), CG_OK);
	assert_string_equal(cg_store_backend(st), "sqlite");
	assert_int_equal(cg_store_schema_version(st), cg_store_schema_latest());
	cg_store_free(st);
	/* Reopening applies nothing new and keeps the version. */
	assert_int_equal(cg_store_open(path, 0, &st, &err), CG_OK);
	assert_int_equal(cg_store_schema_version(st), cg_store_schema_latest());
	cg_store_free(st);
}

static void refuses_newer_database(void **state)
{
	struct cg_store *st = NULL;
	struct cg_error err;
	char path[400], sql[200];
	sqlite3 *db;
	(void)state;
	cg_error_init(&err, CG_LANG_EN);
	path_in_tmp(path, sizeof path, "newer.db");
	assert_int_equal(cg_store_open(path, CG_STORE_CREATE, &st, &err), CG_OK);
	cg_store_free(st);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	snprintf(sql, sizeof sql, "INSERT INTO schema_migrations VALUES (%d, 'future', '2030-01-01T00:00:00Z')",
		 cg_store_schema_latest() + 1);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(cg_store_open(path, 0, &st, &err), CG_E_SCHEMA);
	assert_null(st);
	assert_non_null(strstr(err.message, "newer than this ciiguard"));
}

static void refuses_foreign_files(void **state)
{
	struct cg_store *st = NULL;
	struct cg_error err;
	char path[400];
	sqlite3 *db;
	(void)state;
	cg_error_init(&err, CG_LANG_EN);
	path_in_tmp(path, sizeof path, "other.db");
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(cg_store_open(path, 0, &st, &err), CG_E_SCHEMA);
	assert_non_null(strstr(err.message, "not a ciiguard database"));

	path_in_tmp(path, sizeof path, "text.db");
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("this is not a database, just text that is long enough to have a header......", f);
	fclose(f);
	assert_int_not_equal(cg_store_open(path, 0, &st, &err), CG_OK);
	assert_true(err.message[0] != '\0');
}

static void transactions(void **state)
{
	struct cg_store *st = cg_test_store();
	struct cg_error err;
	struct cg_stmt *q;
	(void)state;
	cg_error_init(&err, CG_LANG_EN);
	assert_int_equal(cg_store_begin(st, &err), CG_OK);
	assert_int_equal(cg_store_begin(st, &err), CG_E_USAGE);
	assert_int_equal(cg_audit_append(st, "t", "create", "system", "ghost", "{}", 2, &err), CG_OK);
	cg_store_rollback(st);
	/* The rolled-back event left nothing, and the head cache was reset. */
	int64_t count;
	char head[CG_HASH_HEX];
	assert_int_equal(cg_audit_head(st, &count, head, &err), CG_OK);
	assert_int_equal(count, 0);
	assert_int_equal(cg_store_commit(st, &err), CG_E_USAGE);
	/* Statements are cached and reusable. */
	assert_int_equal(cg_store_prepare(st, "SELECT COUNT(*) FROM systems", &q, &err), CG_OK);
	struct cg_stmt *first = q;
	assert_int_equal(cg_stmt_step(q, &err), CG_STEP_ROW);
	assert_int_equal(cg_stmt_int64(q, 0), 0);
	cg_stmt_done(q);
	assert_int_equal(cg_store_prepare(st, "SELECT COUNT(*) FROM systems", &q, &err), CG_OK);
	assert_ptr_equal(q, first);
	cg_stmt_done(q);
	assert_int_not_equal(cg_store_prepare(st, "SELEC nonsense", &q, &err), CG_OK);
	assert_true(err.message[0] != '\0');
	cg_store_free(st);
}

static void export_covers_every_table(void **state)
{
	struct cg_store *st = cg_test_store();
	struct cg_error err;
	char **tables;
	size_t n;
	(void)state;
	cg_error_init(&err, CG_LANG_EN);
	assert_int_equal(cg_store_tables(st, &tables, &n, &err), CG_OK);
	for (size_t i = 0; i < n; i++) {
		bool covered = strcmp(tables[i], "schema_migrations") == 0;
		for (const char *const *t = cg_export_tables; *t; t++)
			covered |= strcmp(*t, tables[i]) == 0;
		if (!covered)
			fail_msg("table '%s' is not covered by export/import", tables[i]);
		free(tables[i]);
	}
	free(tables);
	cg_store_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(creates_and_migrates),
		cmocka_unit_test(refuses_newer_database),
		cmocka_unit_test(refuses_foreign_files),
		cmocka_unit_test(transactions),
		cmocka_unit_test(export_covers_every_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
