/* Unit tests for the store: migrations, version refusal, foreign files, transactions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static void creates_and_migrates(void **state)
{
	struct cg_store *st = NULL;
	struct cg_error err;
	char where[1024];
	(void)state;
	cg_error_init(&err, CG_LANG_EN);
	snprintf(where, sizeof where, "%s", cg_test_new_db());
	/* Without CREATE a missing (or empty) database is an error that says what to do. */
	assert_int_equal(cg_store_open(where, 0, &st, &err), CG_E_NOTFOUND);
	assert_non_null(strstr(err.message, "ciiguard init"));
	if (!cg_test_pg()) {
		FILE *f = fopen(where, "r");
		assert_null(f); /* and no file appears */
	}
	assert_int_equal(cg_store_open(where, CG_STORE_CREATE, &st, &err), CG_OK);
	assert_string_equal(cg_store_backend(st), cg_test_pg() ? "postgresql" : "sqlite");
	assert_int_equal(cg_store_schema_version(st), cg_store_schema_latest());
	cg_store_free(st);
	/* Reopening applies nothing new and keeps the version. */
	assert_int_equal(cg_store_open(where, 0, &st, &err), CG_OK);
	assert_int_equal(cg_store_schema_version(st), cg_store_schema_latest());
	cg_store_free(st);
}

static void refuses_newer_database(void **state)
{
	struct cg_store *st = NULL;
	struct cg_error err;
	char where[1024], sql[200];
	(void)state;
	cg_error_init(&err, CG_LANG_EN);
	snprintf(where, sizeof where, "%s", cg_test_new_db());
	assert_int_equal(cg_store_open(where, CG_STORE_CREATE, &st, &err), CG_OK);
	cg_store_free(st);
	snprintf(sql, sizeof sql, "INSERT INTO schema_migrations VALUES (%d, 'future', '2030-01-01T00:00:00Z')",
		 cg_store_schema_latest() + 1);
	assert_int_equal(cg_test_raw_exec(where, sql), 0);
	assert_int_equal(cg_store_open(where, 0, &st, &err), CG_E_SCHEMA);
	assert_null(st);
	assert_non_null(strstr(err.message, "newer than this ciiguard"));
}

static void refuses_foreign_databases(void **state)
{
	struct cg_store *st = NULL;
	struct cg_error err;
	char where[1024];
	(void)state;
	cg_error_init(&err, CG_LANG_EN);
	snprintf(where, sizeof where, "%s", cg_test_new_db());
	assert_int_equal(cg_test_raw_exec(where, "CREATE TABLE t (x INTEGER)"), 0);
	assert_int_equal(cg_store_open(where, CG_STORE_CREATE, &st, &err), CG_E_SCHEMA);
	assert_non_null(strstr(err.message, "not a ciiguard database"));
	if (!cg_test_pg()) {
		snprintf(where, sizeof where, "%s/text.db", cg_test_tmpdir());
		FILE *f = fopen(where, "w");
		assert_non_null(f);
		fputs("this is not a database, just text that is long enough to have a header......", f);
		fclose(f);
		assert_int_not_equal(cg_store_open(where, 0, &st, &err), CG_OK);
		assert_true(err.message[0] != '\0');
	} else {
		/* A server that is not there is a clear error, not a crash. */
		assert_int_equal(cg_store_open("postgresql:///nowhere?host=/nonexistent-dir", 0, &st, &err), CG_E_STORE);
		assert_non_null(strstr(err.message, "cannot connect to PostgreSQL"));
	}
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
	/* Bad SQL is refused with a message: by SQLite when prepared, by PostgreSQL (which parses a
	 * statement on its first run, in the same round trip) at the first step. */
	if (cg_store_prepare(st, "SELEC nonsense", &q, &err) == CG_OK) {
		assert_int_equal(cg_stmt_step(q, &err), CG_STEP_ERROR);
		cg_stmt_done(q);
	}
	assert_true(err.message[0] != '\0');
	cg_store_free(st);
}

/* Nesting mode: savepoints inside one transaction; an inner rollback undoes only its part, the
 * audit head cache follows, and only the outermost commit makes it all durable. */
/* Change notifications: on PostgreSQL a listener hears each committed write transaction of
 * another connection, and nothing of one rolled back or of a read; SQLite has none. */
static void notifications(void **state)
{
	const char *db = cg_test_new_db();
	struct cg_store *a = NULL, *b = NULL;
	struct cg_error err;
	(void)state;
	cg_error_init(&err, CG_LANG_EN);
	assert_int_equal(cg_store_open(db, CG_STORE_CREATE, &b, &err), CG_OK);
	assert_int_equal(cg_store_open(db, 0, &a, &err), CG_OK);
	if (!cg_test_pg()) {
		assert_int_equal(cg_store_listen(a, &err), CG_E_USAGE);
		assert_int_equal(cg_store_notifications(a, 0), -1);
	} else {
		assert_int_equal(cg_store_listen(a, &err), CG_OK);
		assert_int_equal(cg_store_notifications(a, 50), 0);
		/* a read, and a write rolled back: nothing */
		assert_int_equal(cg_store_begin_read(b, &err), CG_OK);
		cg_store_rollback(b);
		assert_int_equal(cg_store_begin(b, &err), CG_OK);
		assert_int_equal(cg_audit_append(b, "t", "create", "system", "x", "{}", 2, &err), CG_OK);
		cg_store_rollback(b);
		assert_int_equal(cg_store_notifications(a, 200), 0);
		/* a committed write: heard */
		assert_int_equal(cg_store_begin(b, &err), CG_OK);
		assert_int_equal(cg_audit_append(b, "t", "create", "system", "y", "{}", 2, &err), CG_OK);
		assert_int_equal(cg_store_commit(b, &err), CG_OK);
		int n = 0;
		for (int i = 0; i < 50 && n == 0; i++)
			n = cg_store_notifications(a, 100);
		assert_true(n >= 1);
	}
	cg_store_free(a);
	cg_store_free(b);
}

/* Group commit: commits on a deferred connection are seen at once, counted in the log, never
 * checkpointed by the commit itself, made durable by cg_store_sync, and copied by a checkpoint of
 * another connection, after which the log starts over. PostgreSQL has none. */
static void group_commit(void **state)
{
	const char *db = cg_test_new_db();
	struct cg_store *w = NULL, *r = NULL;
	struct cg_error err;
	char id[32];
	(void)state;
	cg_error_init(&err, CG_LANG_EN);
	assert_int_equal(cg_store_open(db, CG_STORE_CREATE, &w, &err), CG_OK);
	assert_int_equal(cg_store_open(db, 0, &r, &err), CG_OK);
	if (cg_test_pg()) {
		assert_int_equal(cg_store_defer_sync(w, &err), CG_E_USAGE);
		assert_int_equal(cg_store_sync(w), -1);
		assert_int_equal(cg_store_checkpoint(w), -1);
		assert_int_equal(cg_store_log_frames(w), 0);
		cg_store_free(r);
		cg_store_free(w);
		return;
	}
	assert_int_equal(cg_store_sync(w), -1); /* not deferred */
	assert_int_equal(cg_store_begin(w, &err), CG_OK);
	assert_int_equal(cg_store_defer_sync(w, &err), CG_E_USAGE); /* not inside a transaction */
	cg_store_rollback(w);
	assert_int_equal(cg_store_defer_sync(w, &err), CG_OK);
	assert_int_equal(cg_store_defer_sync(w, &err), CG_OK); /* twice is once */
	long frames = cg_store_log_frames(w), last = frames;
	/* 600 commits write well over SQLite's 1000-frame checkpoint mark: the log only grows */
	for (int i = 0; i < 600; i++) {
		snprintf(id, sizeof id, "s%d", i);
		assert_int_equal(cg_store_begin(w, &err), CG_OK);
		assert_int_equal(cg_audit_append(w, "t", "create", "system", id, "{}", 2, &err), CG_OK);
		assert_int_equal(cg_store_commit(w, &err), CG_OK);
		assert_true(cg_store_log_frames(w) > last);
		last = cg_store_log_frames(w);
	}
	assert_true(last >= 1000);
	assert_int_equal(cg_store_sync(w), 0);
	/* another connection sees every commit */
	int64_t count;
	char head[CG_HASH_HEX];
	assert_int_equal(cg_audit_head(r, &count, head, &err), CG_OK);
	assert_int_equal(count, 600);
	/* a checkpoint elsewhere copies the whole log; the writer's next commit starts it over */
	assert_int_equal(cg_store_checkpoint(r), 0);
	assert_int_equal(cg_store_begin(w, &err), CG_OK);
	assert_int_equal(cg_audit_append(w, "t", "create", "system", "after", "{}", 2, &err), CG_OK);
	assert_int_equal(cg_store_commit(w, &err), CG_OK);
	assert_true(cg_store_log_frames(w) < 10);
	assert_int_equal(cg_store_sync(w), 0);
	assert_int_equal(cg_audit_head(r, &count, head, &err), CG_OK);
	cg_store_free(r);
	cg_store_free(w);
	/* and all of it is there once every connection has closed */
	char again[CG_HASH_HEX];
	assert_int_equal(cg_store_open(db, 0, &r, &err), CG_OK);
	assert_int_equal(cg_audit_head(r, &count, again, &err), CG_OK);
	assert_int_equal(count, 601);
	assert_string_equal(again, head);
	cg_store_free(r);
}

static void nested_savepoints(void **state)
{
	struct cg_store *st = cg_test_store();
	struct cg_error err;
	int64_t count;
	char head[CG_HASH_HEX];
	(void)state;
	cg_error_init(&err, CG_LANG_EN);
	cg_store_nest(st, true);
	assert_int_equal(cg_store_depth(st), 0);
	assert_int_equal(cg_store_begin(st, &err), CG_OK);
	assert_int_equal(cg_audit_append(st, "t", "create", "system", "a", "{}", 2, &err), CG_OK);
	assert_int_equal(cg_store_begin(st, &err), CG_OK);
	assert_int_equal(cg_store_depth(st), 2);
	assert_int_equal(cg_audit_append(st, "t", "create", "system", "b", "{}", 2, &err), CG_OK);
	cg_store_rollback(st); /* undoes b only */
	assert_int_equal(cg_store_depth(st), 1);
	assert_true(cg_store_in_transaction(st));
	assert_int_equal(cg_store_begin(st, &err), CG_OK);
	assert_int_equal(cg_audit_append(st, "t", "create", "system", "c", "{}", 2, &err), CG_OK);
	assert_int_equal(cg_store_commit(st, &err), CG_OK); /* releases the savepoint */
	assert_true(cg_store_in_transaction(st));
	assert_int_equal(cg_store_commit(st, &err), CG_OK); /* the real commit */
	assert_false(cg_store_in_transaction(st));
	assert_int_equal(cg_audit_head(st, &count, head, &err), CG_OK);
	assert_int_equal(count, 2);
	/* the chain holds a then c, linked: verification walks it */
	struct cg_stmt *q;
	assert_int_equal(cg_store_prepare(st, "SELECT entity_id FROM audit_events ORDER BY seq", &q, &err), CG_OK);
	assert_int_equal(cg_stmt_step(q, &err), CG_STEP_ROW);
	assert_string_equal(cg_stmt_text(q, 0), "a");
	assert_int_equal(cg_stmt_step(q, &err), CG_STEP_ROW);
	assert_string_equal(cg_stmt_text(q, 0), "c");
	assert_int_equal(cg_stmt_step(q, &err), CG_STEP_DONE);
	cg_stmt_done(q);
	/* without nesting, a second begin is still refused */
	cg_store_nest(st, false);
	assert_int_equal(cg_store_begin(st, &err), CG_OK);
	assert_int_equal(cg_store_begin(st, &err), CG_E_USAGE);
	cg_store_rollback(st);
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
		/* sessions are short-lived sign-ins of the console, counters derived from ids: neither
		 * exported nor audited */
		bool covered = strcmp(tables[i], "schema_migrations") == 0 || strcmp(tables[i], "sessions") == 0 ||
			       strcmp(tables[i], "counters") == 0;
		for (const char *const *t = cg_export_tables; *t; t++)
			covered |= strcmp(*t, tables[i]) == 0;
		if (!covered)
			fail_msg("table '%s' is not covered by export/import", tables[i]);
		free(tables[i]);
	}
	free(tables);
	cg_store_free(st);
}

static void hides_passwords(void **state)
{
	char out[256];
	(void)state;
	cg_store_display_uri("postgresql://cg:s3cret@db.example:5432/ciiguard", out, sizeof out);
	assert_string_equal(out, "postgresql://cg:***@db.example:5432/ciiguard");
	cg_store_display_uri("postgresql:///c?host=/run/pg&password=s3cret&user=cg", out, sizeof out);
	assert_string_equal(out, "postgresql:///c?host=/run/pg&password=***&user=cg");
	cg_store_display_uri("var/ciiguard.db", out, sizeof out);
	assert_string_equal(out, "var/ciiguard.db");
	assert_true(cg_store_uri_is_pg("postgres://x"));
	assert_false(cg_store_uri_is_pg("postgresql.db"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(creates_and_migrates),
		cmocka_unit_test(refuses_newer_database),
		cmocka_unit_test(refuses_foreign_databases),
		cmocka_unit_test(transactions),
		cmocka_unit_test(nested_savepoints),
		cmocka_unit_test(notifications),
		cmocka_unit_test(group_commit),
		cmocka_unit_test(export_covers_every_table),
		cmocka_unit_test(hides_passwords),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
