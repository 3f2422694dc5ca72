/*
 * The store: one interface over the database backends (SQLite now, PostgreSQL next).
 *
 * Callers above the store write portable SQL (standard types, `?` placeholders, no
 * backend-specific functions or pragmas); each backend translates what it must. Migrations,
 * locking and durability settings live below this line.
 */
#ifndef CIIGUARD_STORE_H
#define CIIGUARD_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include "ciiguard/error.h"

struct cg_store;
struct cg_stmt;

enum cg_store_flags {
	CG_STORE_CREATE = 1 << 0,   /* create the database when it does not exist */
	CG_STORE_READONLY = 1 << 1, /* refuse writes */
};

/*
 * Opens `uri` (a file path for SQLite, or a postgresql:// URI), applies pending migrations, and returns the store in
 * *out. Fails with CG_E_NOTFOUND when the database does not exist and CG_STORE_CREATE is not
 * given, and with CG_E_SCHEMA when it is newer than this binary or not a ciiguard database.
 * Environment: CIIGUARD_SYNCHRONOUS=normal relaxes SQLite durability (benchmarks only).
 */
cg_code cg_store_open(const char *uri, unsigned flags, struct cg_store **out, struct cg_error *err)
	CG_MUST_CHECK;
/* True when `uri` names a PostgreSQL database (postgresql:// or postgres://). */
bool cg_store_uri_is_pg(const char *uri);
/* Writes `uri` as it may be shown: a password in a postgresql:// URI becomes "***". */
void cg_store_display_uri(const char *uri, char *out, size_t n);
/* Closes the store, rolling back any open transaction. NULL is allowed. */
void cg_store_free(struct cg_store *st);

/* "sqlite" or "postgresql". */
const char *cg_store_backend(const struct cg_store *st);
/* The schema version of the open database, and the newest this binary knows. */
int cg_store_schema_version(const struct cg_store *st);
int cg_store_schema_latest(void);

/*
 * Starts a write transaction. Writers are serialised, so the audit head read inside is stable
 * until commit or rollback. Nested calls are an error.
 */
cg_code cg_store_begin(struct cg_store *st, struct cg_error *err) CG_MUST_CHECK;
/* Commits durably. On failure the transaction is rolled back. */
cg_code cg_store_commit(struct cg_store *st, struct cg_error *err) CG_MUST_CHECK;
/* Rolls back the open transaction, if any. */
void cg_store_rollback(struct cg_store *st);
/*
 * Nesting mode (off by default): cg_store_begin and cg_store_begin_read inside an open write
 * transaction open a savepoint, and cg_store_commit / cg_store_rollback release or undo the
 * innermost one; the outermost commit is the real one. `ciiguard serve` runs each request of a
 * batch of writes this way, so that one failing request undoes only its own changes.
 */
void cg_store_nest(struct cg_store *st, bool on);
/* 0 outside a transaction, 1 in one, 1 + the number of savepoints open. */
int cg_store_depth(const struct cg_store *st);
bool cg_store_in_transaction(const struct cg_store *st);
/*
 * Ends a transaction that a function opened itself (`own`; when the caller held one, nothing
 * happens): commits when `result` is CG_OK, else rolls back. Returns the final result.
 */
cg_code cg_store_end(struct cg_store *st, bool own, cg_code result, struct cg_error *err);
/*
 * Counters of the identifiers ciiguard allocates (table counters, migration 9: incident ids of a
 * day, register record ids), read and written inside the caller's write transaction. Derived
 * data: a counter that is missing (*found false) is rebuilt by its user from the ids.
 */
cg_code cg_store_counter_get(struct cg_store *st, const char *name, int64_t *value, bool *found,
			     struct cg_error *err) CG_MUST_CHECK;
/* Sets a counter: `found` as cg_store_counter_get answered (an update, else an insert). */
cg_code cg_store_counter_set(struct cg_store *st, const char *name, int64_t value, bool found,
			     struct cg_error *err) CG_MUST_CHECK;
/*
 * Starts a read transaction: a consistent snapshot for multi-statement reads such as
 * `audit verify` and `export`. End it with cg_store_rollback().
 */
cg_code cg_store_begin_read(struct cg_store *st, struct cg_error *err) CG_MUST_CHECK;

/*
 * Prepares `sql` (cached by text: preparing the same text again is cheap). The statement
 * belongs to the store; call cg_stmt_done() when finished with it so that it can be reused.
 * Only one user of a given SQL text at a time.
 */
cg_code cg_store_prepare(struct cg_store *st, const char *sql, struct cg_stmt **out,
			 struct cg_error *err) CG_MUST_CHECK;
/*
 * A SELECT whose text starts with this comment, and takes no parameters, is a scan of a whole
 * table: PostgreSQL reads it through a cursor in batches (inside a transaction) instead of
 * holding the whole result; SQLite steps through it as always.
 */
#define CG_STREAM_MARK "/* stream */ "

/*
 * Change notifications, for caches of what a long-running process has read. On PostgreSQL every
 * write transaction of ciiguard (any process) sends NOTIFY ciiguard_data as it begins, delivered
 * to listeners when it commits; cg_store_listen subscribes this connection, which should do
 * nothing else. SQLite has none: CG_E_USAGE.
 */
cg_code cg_store_listen(struct cg_store *st, struct cg_error *err) CG_MUST_CHECK;
/* Waits up to timeout_ms: how many notifications arrived (0: none), or -1 when the connection
 * failed (listen again on a new one). */
int cg_store_notifications(struct cg_store *st, int timeout_ms);

/*
 * Group commit for a long-running writer (SQLite; CG_E_USAGE on PostgreSQL). After
 * cg_store_defer_sync, a commit on this connection returns once the write-ahead log has been
 * written, before it has reached the disk, and no longer copies the log into the database file
 * itself. The caller then owes two things:
 * - cg_store_sync makes every commit made so far durable (fdatasync of the log). It touches only
 *   the log's descriptor, so another thread may run it while this connection goes on with the next
 *   transaction. A commit may be acknowledged only after a cg_store_sync that began after the
 *   commit returned. 0, or -1 with errno set.
 * - checkpoints: cg_store_checkpoint copies the log into the database file (a passive checkpoint:
 *   it takes no lock that writers wait for, and may run on any connection to the same database),
 *   and, on any connection but the writer's, syncs the database file after copying;
 *   the log starts over at the writer's next transaction once a checkpoint on the writer's own
 *   connection has left nothing. It returns the frames it could not copy, -1 when it could not
 *   run (another checkpoint was running, or SQLite failed), or -2 when the database file's sync
 *   failed.
 * cg_store_log_frames is the length of the log after this connection's last commit.
 * Other connections see a commit before it is durable: a crash in that window loses a transaction
 * that was seen but never acknowledged.
 */
cg_code cg_store_defer_sync(struct cg_store *st, struct cg_error *err) CG_MUST_CHECK;
int cg_store_sync(struct cg_store *st);
long cg_store_checkpoint(struct cg_store *st);
long cg_store_log_frames(const struct cg_store *st);

/* Runs SQL without parameters or results (DDL in tests and tools). */
cg_code cg_store_exec(struct cg_store *st, const char *sql, struct cg_error *err) CG_MUST_CHECK;

/* Parameters are numbered from 1. Text is copied. A NULL text binds SQL NULL. */
cg_code cg_stmt_bind_text(struct cg_stmt *s, int idx, const char *text) CG_MUST_CHECK;
cg_code cg_stmt_bind_int64(struct cg_stmt *s, int idx, int64_t v) CG_MUST_CHECK;
cg_code cg_stmt_bind_null(struct cg_stmt *s, int idx) CG_MUST_CHECK;

enum cg_step { CG_STEP_ERROR = -1, CG_STEP_DONE = 0, CG_STEP_ROW = 1 };
/* Runs the statement or fetches its next row. */
enum cg_step cg_stmt_step(struct cg_stmt *s, struct cg_error *err) CG_MUST_CHECK;
/* Columns are numbered from 0; valid until the next step. NULL text is returned as NULL. */
const char *cg_stmt_text(struct cg_stmt *s, int col);
int64_t cg_stmt_int64(struct cg_stmt *s, int col);
bool cg_stmt_is_null(struct cg_stmt *s, int col);
/* Rows changed by the last INSERT/UPDATE/DELETE step. */
int64_t cg_stmt_changes(struct cg_stmt *s);
/* Resets the statement and clears its bindings, returning it to the store's cache. */
void cg_stmt_done(struct cg_stmt *s);

/* Convenience: runs a statement that returns no rows, or fails. Then calls cg_stmt_done(). */
cg_code cg_stmt_run(struct cg_stmt *s, struct cg_error *err) CG_MUST_CHECK;

/* Tables that hold records (not bookkeeping), for export coverage checks. */
cg_code cg_store_tables(struct cg_store *st, char ***names, size_t *n, struct cg_error *err)
	CG_MUST_CHECK;

#endif
