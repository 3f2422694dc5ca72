/* The SQLite backend: one file, WAL, foreign keys on, durable (synchronous=FULL) commits. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>

#include "ciiguard/i18n.h"
#include "store_impl.h"
#include "banned.h"

struct sq_stmt {
	struct cg_stmt base;
	sqlite3_stmt *stmt;
	int64_t changes;
};

#define DB(st) ((sqlite3 *)(st)->impl)

static cg_code sq_error(struct cg_store *st, struct cg_error *err, const char *what)
{
	sqlite3 *db = DB(st);
	int code = sqlite3_extended_errcode(db);

	if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
		return cg_error_set(err, CG_E_STORE, NULL,
				    N_("the database is busy (another process holds a lock): %s"),
				    sqlite3_errmsg(db));
	if ((code & 0xff) == SQLITE_CONSTRAINT)
		return cg_error_set(err, CG_E_INVALID, NULL, N_("the database refused the change: %s"),
				    sqlite3_errmsg(db));
	if ((code & 0xff) == SQLITE_NOTADB || (code & 0xff) == SQLITE_CORRUPT)
		return cg_error_set(err, CG_E_SCHEMA, NULL, N_("the file is not a usable database: %s"),
				    sqlite3_errmsg(db));
	return cg_error_set(err, CG_E_STORE, NULL, N_("database error during %s: %s"), what,
			    sqlite3_errmsg(db));
}

static cg_code sq_exec(struct cg_store *st, const char *sql, struct cg_error *err)
{
	if (sqlite3_exec(DB(st), sql, NULL, NULL, NULL) != SQLITE_OK)
		return sq_error(st, err, "exec");
	return CG_OK;
}

/* Before SQLite's first use in the process: no memory statistics, which would take a global
 * mutex on every allocation of every connection (nothing here reads them). */
static void sq_global(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static cg_code sq_open(struct cg_store *st, const char *uri, unsigned flags, bool *created,
		       struct cg_error *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, sq_global);
	sqlite3 *db = NULL;
	struct stat sb;
	const char *sync = getenv("CIIGUARD_SYNCHRONOUS");
	char pragma[256];
	int oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, rc;

	if (stat(uri, &sb) != 0) {
		if (errno != ENOENT)
			return cg_error_set(err, CG_E_IO, NULL, N_("cannot open database '%s': %s"),
					    uri, strerror(errno));
		if (!(flags & CG_STORE_CREATE))
			return cg_error_set(err, CG_E_NOTFOUND, NULL,
					    N_("no database at '%s': run 'ciiguard init' first"), uri);
		oflags |= SQLITE_OPEN_CREATE;
		*created = true;
	} else if (!S_ISREG(sb.st_mode)) {
		return cg_error_set(err, CG_E_IO, NULL, N_("cannot open database '%s': not a regular file"), uri);
	}
	if (sqlite3_open_v2(uri, &db, oflags, NULL) != SQLITE_OK) {
		cg_error_set(err, CG_E_IO, NULL, N_("cannot open database '%s': %s"), uri,
			     db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return CG_E_IO;
	}
	st->impl = db;
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, 15000);
	/* 16 KB pages (set before the first table exists, so only for a new file) and a 64 MB page
	 * cache keep a large import or a verify of a million events from re-reading pages. */
	snprintf(pragma, sizeof pragma,
		 "%sPRAGMA journal_mode=WAL; PRAGMA synchronous=%s; PRAGMA foreign_keys=ON; "
		 "PRAGMA cache_size=-65536;", *created ? "PRAGMA page_size=16384; " : "",
		 sync && strcmp(sync, "normal") == 0 ? "NORMAL" : "FULL");
	/* Turning a new file to WAL takes an exclusive lock, and SQLite answers SQLITE_BUSY at once,
	 * without the busy handler, when other processes open the new file at the same moment: retry
	 * for as long as the busy timeout would wait. The pragmas are idempotent. */
	for (int waited = 0; (rc = sqlite3_exec(db, pragma, NULL, NULL, NULL)) != SQLITE_OK &&
			     (rc & 0xff) == SQLITE_BUSY && waited < 15000; waited += 10)
		sqlite3_sleep(10);
	if (rc != SQLITE_OK) {
		cg_code r = sq_error(st, err, "open");
		sqlite3_close(db);
		st->impl = NULL;
		return r;
	}
	return CG_OK;
}

static void sq_close(struct cg_store *st)
{
	sqlite3_close(DB(st));
	st->impl = NULL;
	if (st->deferred)
		close(st->log_fd);
	st->deferred = false;
}

/* Called by SQLite after each commit on a deferred connection; as it replaces SQLite's own hook,
 * the commit no longer checkpoints. */
static int sq_wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	(void)db;
	(void)name;
	__atomic_store_n(&((struct cg_store *)arg)->log_frames, (long)frames, __ATOMIC_RELAXED);
	return SQLITE_OK;
}

static cg_code sq_defer_sync(struct cg_store *st, struct cg_error *err)
{
	sqlite3 *db = DB(st);
	const char *name = sqlite3_db_filename(db, "main");
	const char *wal = name && *name ? sqlite3_filename_wal(name) : NULL;
	cg_code r;
	int fd;

	/* a read opens (and if need be creates) the log: the descriptor must be the log's own file */
	if ((r = sq_exec(st, "PRAGMA synchronous=NORMAL; BEGIN; SELECT COUNT(*) FROM sqlite_master; COMMIT",
			 err)) != CG_OK)
		return r;
	if (!wal || (fd = open(wal, O_RDONLY | O_CLOEXEC)) < 0) {
		cg_code e = cg_error_set(err, CG_E_IO, NULL, N_("cannot open the write-ahead log '%s': %s"),
					 wal ? wal : "", strerror(errno));
		sqlite3_exec(db, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
		return e;
	}
	st->log_fd = fd;
	st->log_frames = 0;
	st->deferred = true;
	sqlite3_wal_hook(db, sq_wal_hook, st);
	return CG_OK;
}

/* Only the descriptor: safe while another thread uses the connection. The log is never replaced
 * while this connection is open (SQLite deletes it only when the last connection closes). */
static int sq_sync(struct cg_store *st)
{
	return fdatasync(st->log_fd);
}

/* SQLite syncs the database file only after a checkpoint that copied the whole log as it stands
 * when the copy ends; with the writer committing meanwhile, a checkpointer's never does. So a
 * checkpoint on any connection but the deferred writer's syncs what it copied itself, off the
 * writer's path: otherwise the sync that ends the writer's own checkpoint, the one that lets the
 * log start over while every queued write waits, would flush every page copied since the last
 * full one. Only a checkpoint that copied something syncs (`done` is the log's total copied, so
 * it moved on, or the log started over). Skipping a sync is never unsafe: SQLite restarts the log
 * only after a full checkpoint, which it syncs itself; these syncs only move the work. */
static long sq_checkpoint(struct cg_store *st)
{
	int log = 0, done = 0;
	int rc = sqlite3_wal_checkpoint_v2(DB(st), NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
	if (rc != SQLITE_OK || log < 0)
		return -1;
	bool copied = done > 0 && (done != st->ckpt_done || log < st->ckpt_log);
	st->ckpt_log = log;
	st->ckpt_done = done;
	if (copied && !st->deferred) {
		sqlite3_file *f = NULL;
		if (sqlite3_file_control(DB(st), "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK || !f ||
		    !f->pMethods || f->pMethods->xSync(f, SQLITE_SYNC_NORMAL) != SQLITE_OK)
			return -2;
	}
	return (long)log - done;
}

static cg_code sq_begin(struct cg_store *st, bool write, struct cg_error *err)
{
	return sq_exec(st, write ? "BEGIN IMMEDIATE" : "BEGIN", err);
}

static cg_code sq_commit(struct cg_store *st, struct cg_error *err)
{
	return sq_exec(st, "COMMIT", err);
}

static void sq_rollback(struct cg_store *st)
{
	if (!sqlite3_get_autocommit(DB(st)))
		sqlite3_exec(DB(st), "ROLLBACK", NULL, NULL, NULL);
}

static cg_code sq_lock_migrations(struct cg_store *st, struct cg_error *err)
{
	/* BEGIN IMMEDIATE already holds SQLite's single writer lock. */
	(void)st;
	(void)err;
	return CG_OK;
}

static char *sq_translate_ddl(const char *sql)
{
	return cg_store_replace_all(sql, "BIGINT PRIMARY KEY", "INTEGER PRIMARY KEY");
}

static cg_code sq_prepare(struct cg_store *st, const char *sql, struct cg_stmt **out,
			  struct cg_error *err)
{
	struct sq_stmt *s = calloc(1, sizeof *s);

	if (!s)
		return cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
	if (sqlite3_prepare_v3(DB(st), sql, -1, SQLITE_PREPARE_PERSISTENT, &s->stmt, NULL) != SQLITE_OK) {
		cg_code r = sq_error(st, err, "prepare");
		free(s);
		return r;
	}
	*out = &s->base;
	return CG_OK;
}

#define SQ(s) ((struct sq_stmt *)(s))

static cg_code sq_bind_text(struct cg_stmt *s, int idx, const char *text)
{
	return sqlite3_bind_text(SQ(s)->stmt, idx, text, -1, SQLITE_TRANSIENT) == SQLITE_OK ?
		       CG_OK : CG_E_STORE;
}

static cg_code sq_bind_int64(struct cg_stmt *s, int idx, int64_t v)
{
	return sqlite3_bind_int64(SQ(s)->stmt, idx, v) == SQLITE_OK ? CG_OK : CG_E_STORE;
}

static cg_code sq_bind_null(struct cg_stmt *s, int idx)
{
	return sqlite3_bind_null(SQ(s)->stmt, idx) == SQLITE_OK ? CG_OK : CG_E_STORE;
}

static enum cg_step sq_step(struct cg_stmt *s, struct cg_error *err)
{
	int rc = sqlite3_step(SQ(s)->stmt);

	if (rc == SQLITE_ROW)
		return CG_STEP_ROW;
	if (rc == SQLITE_DONE) {
		SQ(s)->changes = sqlite3_changes64(DB(s->st));
		return CG_STEP_DONE;
	}
	sq_error(s->st, err, "step");
	return CG_STEP_ERROR;
}

static const char *sq_text(struct cg_stmt *s, int col)
{
	return (const char *)sqlite3_column_text(SQ(s)->stmt, col);
}

static int64_t sq_int64(struct cg_stmt *s, int col)
{
	return sqlite3_column_int64(SQ(s)->stmt, col);
}

static bool sq_is_null(struct cg_stmt *s, int col)
{
	return sqlite3_column_type(SQ(s)->stmt, col) == SQLITE_NULL;
}

static int64_t sq_changes(struct cg_stmt *s)
{
	return SQ(s)->changes;
}

static void sq_reset(struct cg_stmt *s)
{
	sqlite3_reset(SQ(s)->stmt);
	sqlite3_clear_bindings(SQ(s)->stmt);
}

static void sq_finalize(struct cg_stmt *s)
{
	sqlite3_finalize(SQ(s)->stmt);
	free(s);
}

static cg_code sq_tables(struct cg_store *st, char ***names, size_t *n, struct cg_error *err)
{
	sqlite3_stmt *q = NULL;
	char **v = NULL;
	size_t k = 0;
	int rc;

	*names = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(DB(st), "SELECT name FROM sqlite_master WHERE type = 'table' "
				       "AND name NOT LIKE 'sqlite_%' ORDER BY name", -1, &q, NULL) != SQLITE_OK)
		return sq_error(st, err, "schema read");
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		char **nv = realloc(v, (k + 1) * sizeof *v);
		if (!nv || !(nv[k] = strdup((const char *)sqlite3_column_text(q, 0)))) {
			v = nv ? nv : v;
			rc = SQLITE_NOMEM;
			break;
		}
		v = nv;
		k++;
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		for (size_t i = 0; i < k; i++)
			free(v[i]);
		free(v);
		if (rc == SQLITE_NOMEM)
			return cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
		return sq_error(st, err, "schema read");
	}
	*names = v;
	*n = k;
	return CG_OK;
}

const struct cg_store_ops cg_store_sqlite_ops = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.exec = sq_exec,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.lock_migrations = sq_lock_migrations,
	.translate_ddl = sq_translate_ddl,
	.prepare = sq_prepare,
	.bind_text = sq_bind_text,
	.bind_int64 = sq_bind_int64,
	.bind_null = sq_bind_null,
	.step = sq_step,
	.text = sq_text,
	.int64 = sq_int64,
	.is_null = sq_is_null,
	.changes = sq_changes,
	.reset = sq_reset,
	.finalize = sq_finalize,
	.tables = sq_tables,
	.defer_sync = sq_defer_sync,
	.sync = sq_sync,
	.checkpoint = sq_checkpoint,
};
