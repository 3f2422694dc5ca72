/*
 * bench/sqlite_floor.c: SQLite's own cost for exactly the rows a ciiguard import wrote.
 *
 *   sqlite_floor SRC.db DST.db
 *
 * Reads every row of systems, system_links and audit_events (seq > 1: not the operator's
 * event) from SRC into memory (not timed), then, timed: opens DST (which already has
 * ciiguard's schema, in WAL mode), sets synchronous=FULL and foreign_keys=ON as ciiguard
 * does, inserts all rows with three reused prepared statements in one BEGIN IMMEDIATE ...
 * COMMIT, and closes (the close checkpoints the WAL, as at the end of a ciiguard command).
 * FLOOR_PRAGMAS, when set, is run first (e.g. "PRAGMA cache_size=-65536" to try a bigger
 * page cache). Prints "rows SECONDS".
 *
 * Build: cc -O2 -o sqlite_floor bench/sqlite_floor.c -lsqlite3
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct table {
	const char *select, *insert;
	int ncols;
	sqlite3_value **v; /* rows * ncols */
	size_t rows;
};

static void die(sqlite3 *db, const char *what)
{
	fprintf(stderr, "sqlite_floor: %s: %s\n", what, db ? sqlite3_errmsg(db) : "?");
	exit(1);
}

static void load(sqlite3 *db, struct table *t)
{
	sqlite3_stmt *q;
	size_t cap = 0;

	if (sqlite3_prepare_v2(db, t->select, -1, &q, NULL) != SQLITE_OK)
		die(db, t->select);
	t->ncols = sqlite3_column_count(q);
	while (sqlite3_step(q) == SQLITE_ROW) {
		if (t->rows == cap) {
			cap = cap ? cap * 2 : 1024;
			t->v = realloc(t->v, cap * (size_t)t->ncols * sizeof *t->v);
			if (!t->v)
				die(NULL, "out of memory");
		}
		for (int c = 0; c < t->ncols; c++)
			t->v[t->rows * (size_t)t->ncols + (size_t)c] = sqlite3_value_dup(sqlite3_column_value(q, c));
		t->rows++;
	}
	sqlite3_finalize(q);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct table t[] = {
		{ "SELECT * FROM systems", "INSERT INTO systems VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", 0, NULL, 0 },
		{ "SELECT * FROM system_links", "INSERT INTO system_links VALUES (?,?,?)", 0, NULL, 0 },
		{ "SELECT * FROM audit_events WHERE seq > 1 ORDER BY seq", "INSERT INTO audit_events VALUES (?,?,?,?,?,?,?,?,?,?)", 0, NULL, 0 },
	};
	sqlite3 *db;
	size_t total = 0;
	double t0, t1;

	if (argc != 3) {
		fprintf(stderr, "usage: sqlite_floor SRC.db DST.db\n");
		return 2;
	}
	if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		die(db, argv[1]);
	for (int i = 0; i < 3; i++)
		load(db, &t[i]);
	sqlite3_close(db);

	t0 = now();
	if (sqlite3_open_v2(argv[2], &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		die(db, argv[2]);
	if (sqlite3_exec(db, getenv("FLOOR_PRAGMAS") ? getenv("FLOOR_PRAGMAS") : "", NULL, NULL, NULL) != SQLITE_OK)
		die(db, "FLOOR_PRAGMAS");
	if (sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
			 "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		die(db, "begin");
	for (int i = 0; i < 3; i++) {
		sqlite3_stmt *q;
		if (sqlite3_prepare_v3(db, t[i].insert, -1, SQLITE_PREPARE_PERSISTENT, &q, NULL) != SQLITE_OK)
			die(db, t[i].insert);
		for (size_t r = 0; r < t[i].rows; r++) {
			for (int c = 0; c < t[i].ncols; c++)
				sqlite3_bind_value(q, c + 1, t[i].v[r * (size_t)t[i].ncols + (size_t)c]);
			if (sqlite3_step(q) != SQLITE_DONE)
				die(db, "insert");
			sqlite3_reset(q);
		}
		sqlite3_finalize(q);
		total += t[i].rows;
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		die(db, "commit");
	if (sqlite3_close(db) != SQLITE_OK)
		die(db, "close");
	t1 = now();
	printf("%zu %.3f\n", total, t1 - t0);
	return 0;
}
