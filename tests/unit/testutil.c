/* Shared helpers for the cmocka unit tests. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libpq-fe.h>
#include <sqlite3.h>

static char tmpdir[256];

static void remove_tmpdir(void)
{
	char cmd[300];
	if (tmpdir[0] && snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir) < (int)sizeof cmd) {
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
	}
}

const char *cg_test_tmpdir(void)
{
	if (!tmpdir[0]) {
		const char *base = getenv("TMPDIR");
		snprintf(tmpdir, sizeof tmpdir, "%s/cgtest.XXXXXX", base && *base ? base : "/tmp");
		if (!mkdtemp(tmpdir))
			fail_msg("mkdtemp failed");
		atexit(remove_tmpdir);
	}
	return tmpdir;
}

bool cg_test_pg(void)
{
	const char *pg = getenv("CG_TEST_PG");
	return pg && *pg;
}

const char *cg_test_new_db(void)
{
	static int n;
	static char where[1024];

	n++;
	if (!cg_test_pg()) {
		snprintf(where, sizeof where, "%s/db%d.sqlite", cg_test_tmpdir(), n);
		return where;
	}
	/* CG_TEST_PG is "postgresql:///postgres?host=..."; make a database beside "postgres". */
	const char *base = getenv("CG_TEST_PG"), *q = strstr(base, "/postgres");
	char name[64], sql[128];
	PGconn *c = PQconnectdb(base);
	PGresult *r;

	if (!q || PQstatus(c) != CONNECTION_OK)
		fail_msg("CG_TEST_PG: cannot connect to %s", base);
	snprintf(name, sizeof name, "cgt_%ld_%d", (long)getpid(), n);
	snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
	r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		fail_msg("cannot create database %s: %s", name, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	snprintf(where, sizeof where, "%.*s/%s%s", (int)(q - base), base, name, q + strlen("/postgres"));
	return where;
}

struct cg_store *cg_test_store(void)
{
	struct cg_store *st = NULL;
	struct cg_error err;

	cg_error_init(&err, CG_LANG_EN);
	if (cg_store_open(cg_test_new_db(), CG_STORE_CREATE, &st, &err) != CG_OK)
		fail_msg("cannot open test store: %s", err.message);
	return st;
}

int cg_test_raw_exec(const char *db, const char *sql)
{
	int rc = -1;

	if (cg_store_uri_is_pg(db)) {
		PGconn *c = PQconnectdb(db);
		PGresult *r = PQstatus(c) == CONNECTION_OK ? PQexec(c, sql) : NULL;
		ExecStatusType s = PQresultStatus(r);
		rc = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK ? 0 : -1;
		PQclear(r);
		PQfinish(c);
	} else {
		sqlite3 *d;
		if (sqlite3_open(db, &d) == SQLITE_OK)
			rc = sqlite3_exec(d, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
		sqlite3_close(d);
	}
	return rc;
}

const char *cg_test_fk_off(void)
{
	return cg_test_pg() ? "SET session_replication_role = replica; " : "PRAGMA foreign_keys = OFF; ";
}

char *cg_test_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long n;

	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = malloc((size_t)n + 1);
	if (!p || fread(p, 1, (size_t)n, f) != (size_t)n)
		fail_msg("cannot read %s", path);
	p[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return p;
}
