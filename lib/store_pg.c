/*
 * The PostgreSQL backend (libpq): the same store on the scale-out engine. Statements are
 * prepared server-side once per connection; `?` placeholders become `$n`. Writers serialise on
 * a transaction-scoped advisory lock, so the audit head read after taking it is the latest
 * committed one and several processes keep one unbroken chain.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <libpq-fe.h>

#include "ciiguard/buf.h"
#include "ciiguard/i18n.h"
#include "store_impl.h"
#include "banned.h"

/* The advisory lock key of the audit chain head ("CII 745" in digits). */
#define CHAIN_LOCK_KEY 2260745
/* The channel every write transaction notifies. */
#define NOTIFY_CHANNEL "ciiguard_data"

struct pg_store {
	PGconn *conn;
	unsigned next_name;
	/* names of server-side statements finalized inside an aborted transaction, where DEALLOCATE
	 * cannot run: freed at the next chance */
	char (*stale)[24];
	size_t nstale, cap_stale;
};

struct pg_stmt {
	struct cg_stmt base;
	char name[24];
	int nparams;
	char **params;
	/* The SQL with $n parameters. A statement runs first as one PQexecParams (parse, bind and
	 * execute in one round trip); only when it runs a second time is it prepared on the server
	 * (then `prepared`), so that one-off queries cost one round trip and loops parse once. */
	char *sql;
	bool prepared;
	unsigned runs;
	PGresult *res;
	int row, nrows;
	int64_t changes;
	/* A scan read through a cursor in batches (SQL starting with CG_STREAM_MARK): the text. */
	char *stream;
	bool cursor_open, cursor_done;
};

/* Rows fetched at a time by a streamed scan. */
#define STREAM_BATCH 50000

#define PG(st) (((struct pg_store *)(st)->impl)->conn)
#define PS(s) ((struct pg_stmt *)(s))

/* Reports a libpq failure; a lost connection and a refused change read differently. */
static cg_code pg_error(struct cg_store *st, const PGresult *res, struct cg_error *err, const char *what)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res && PQresultErrorMessage(res)[0] ? PQresultErrorMessage(res) : PQerrorMessage(PG(st));
	char clean[512];
	size_t n;

	snprintf(clean, sizeof clean, "%s", msg);
	n = strlen(clean);
	while (n && (clean[n - 1] == '\n' || clean[n - 1] == ' '))
		clean[--n] = '\0';
	if (PQstatus(PG(st)) == CONNECTION_BAD)
		return cg_error_set(err, CG_E_STORE, NULL,
				    N_("the connection to PostgreSQL was lost during %s; nothing of the change was kept: %s"),
				    what, clean);
	if (state && strncmp(state, "23", 2) == 0)
		return cg_error_set(err, CG_E_INVALID, NULL, N_("the database refused the change: %s"), clean);
	if (state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0))
		return cg_error_set(err, CG_E_STORE, NULL,
				    N_("the database is busy (another process holds a lock): %s"), clean);
	return cg_error_set(err, CG_E_STORE, NULL, N_("database error during %s: %s"), what, clean);
}

static cg_code run(struct cg_store *st, const char *sql, struct cg_error *err, const char *what)
{
	PGresult *res = PQexec(PG(st), sql);
	ExecStatusType s = PQresultStatus(res);
	cg_code result = CG_OK;

	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
		result = pg_error(st, res, err, what);
	PQclear(res);
	return result;
}

static cg_code pg_exec(struct cg_store *st, const char *sql, struct cg_error *err)
{
	return run(st, sql, err, "exec");
}

void cg_store_display_uri(const char *uri, char *out, size_t n)
{
	const char *at = strchr(uri, '@'), *scheme = strstr(uri, "://");
	const char *colon = scheme ? strchr(scheme + 3, ':') : NULL;
	char *pw;

	if (at && colon && colon < at)
		snprintf(out, n, "%.*s:***%s", (int)(colon - uri), uri, at);
	else
		snprintf(out, n, "%s", uri);
	/* A password may also come as a parameter: "...?password=secret&...". */
	if ((pw = strstr(out, "password=")) != NULL) {
		char *end = pw + strlen("password="), *amp = strchr(end, '&');
		size_t tail = amp ? strlen(amp) : 0;
		if ((size_t)(end - out) + 3 + tail < n) {
			memmove(end + 3, amp ? amp : end + strlen(end), tail + 1);
			memcpy(end, "***", 3);
		}
	}
}

static void quiet(void *arg, const PGresult *res)
{
	(void)arg;
	(void)res;
}

static cg_code pg_open(struct cg_store *st, const char *uri, unsigned flags, bool *created,
		       struct cg_error *err)
{
	struct pg_store *ps = calloc(1, sizeof *ps);
	char shown[512], msg[512];
	size_t n;

	(void)flags;
	*created = false;
	if (!ps)
		return cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
	ps->conn = PQconnectdb(uri);
	if (!ps->conn || PQstatus(ps->conn) != CONNECTION_OK) {
		cg_store_display_uri(uri, shown, sizeof shown);
		snprintf(msg, sizeof msg, "%s", ps->conn ? PQerrorMessage(ps->conn) : "out of memory");
		n = strlen(msg);
		while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
			msg[--n] = '\0';
		cg_error_set(err, CG_E_STORE, NULL, N_("cannot connect to PostgreSQL at '%s': %s"), shown, msg);
		PQfinish(ps->conn);
		free(ps);
		return CG_E_STORE;
	}
	PQsetNoticeReceiver(ps->conn, quiet, NULL);
	st->impl = ps;
	return run(st, "SET client_encoding = 'UTF8'; SET standard_conforming_strings = on; "
		       "SET client_min_messages = warning", err, "open");
}

static void pg_close(struct cg_store *st)
{
	struct pg_store *ps = st->impl;
	if (!ps)
		return;
	PQfinish(ps->conn);
	free(ps->stale);
	free(ps);
	st->impl = NULL;
}

static cg_code pg_begin(struct cg_store *st, bool write, struct cg_error *err)
{
	char sql[160];
	cg_code result;

	if (!write)
		return run(st, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", err, "begin");
	/* READ COMMITTED: each statement sees what committed before it, so the head read after the
	 * lock is granted is the newest. */
	/* one round trip for both */
	/* and the notification that this transaction changes data, delivered if it commits
	 * (cg_store_listen): still one round trip */
	snprintf(sql, sizeof sql, "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock(%d); "
		 "NOTIFY " NOTIFY_CHANNEL, CHAIN_LOCK_KEY);
	result = run(st, sql, err, "begin");
	if (result != CG_OK && PQtransactionStatus(PG(st)) != PQTRANS_IDLE)
		run(st, "ROLLBACK", NULL, "rollback");
	return result;
}

static cg_code pg_commit(struct cg_store *st, struct cg_error *err)
{
	PGresult *res = PQexec(PG(st), "COMMIT");
	cg_code result = CG_OK;

	/* A COMMIT of an aborted transaction answers ROLLBACK: that is a failure too. */
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		result = pg_error(st, res, err, "commit");
	else if (strcmp(PQcmdStatus(res), "COMMIT") != 0)
		result = cg_error_set(err, CG_E_STORE, NULL, N_("the transaction was rolled back by the database"));
	PQclear(res);
	return result;
}

static void pg_rollback(struct cg_store *st)
{
	if (PQtransactionStatus(PG(st)) != PQTRANS_IDLE)
		run(st, "ROLLBACK", NULL, "rollback");
}

static cg_code pg_lock_migrations(struct cg_store *st, struct cg_error *err)
{
	/* The write transaction already holds the chain lock, which every writer takes. */
	(void)st;
	(void)err;
	return CG_OK;
}

/* Portable DDL to PostgreSQL: text compares byte-wise, as in SQLite, so orders agree. */
static char *pg_translate_ddl(const char *sql)
{
	return cg_store_replace_all(sql, " TEXT", " TEXT COLLATE \"C\"");
}

/* Rewrites `?` placeholders as `$1, $2, ...`, leaving quoted text alone. */
static char *number_params(const char *sql, int *count)
{
	size_t n = strlen(sql);
	char *out = malloc(n * 4 + 1), *o = out;
	char quote = 0;

	*count = 0;
	if (!out)
		return NULL;
	for (const char *p = sql; *p; p++) {
		if (quote) {
			if (*p == quote)
				quote = 0;
		} else if (*p == '\'' || *p == '"') {
			quote = *p;
		} else if (*p == '?') {
			o += snprintf(o, 8, "$%d", ++*count);
			continue;
		}
		*o++ = *p;
	}
	*o = '\0';
	return out;
}

static cg_code pg_prepare(struct cg_store *st, const char *sql, struct cg_stmt **out,
			  struct cg_error *err)
{
	struct pg_store *ps = st->impl;
	struct pg_stmt *s = calloc(1, sizeof *s);
	char *text;

	if (!s)
		return cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
	if (!(text = number_params(sql, &s->nparams)) ||
	    !(s->params = calloc((size_t)s->nparams + 1, sizeof *s->params))) {
		free(text);
		free(s);
		return cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
	}
	snprintf(s->name, sizeof s->name, "cg%u", ps->next_name++);
	if (strncmp(sql, CG_STREAM_MARK, strlen(CG_STREAM_MARK)) == 0 && s->nparams == 0) {
		/* Declared as a cursor at each run (lib/portfolio.c's scans of whole tables). */
		s->stream = text;
		*out = &s->base;
		return CG_OK;
	}
	s->sql = text;
	*out = &s->base;
	return CG_OK;
}

/* DEALLOCATEs the statements left by finalizations inside aborted transactions. */
static void free_stale(struct cg_store *st)
{
	struct pg_store *ps = st->impl;
	char sql[48];

	if (!ps->nstale || PQtransactionStatus(ps->conn) == PQTRANS_INERROR)
		return;
	for (size_t i = 0; i < ps->nstale; i++) {
		snprintf(sql, sizeof sql, "DEALLOCATE %s", ps->stale[i]);
		PQclear(PQexec(ps->conn, sql));
	}
	ps->nstale = 0;
}

static cg_code set_param(struct cg_stmt *s, int idx, char *value)
{
	if (idx < 1 || idx > PS(s)->nparams) {
		free(value);
		return CG_E_USAGE;
	}
	free(PS(s)->params[idx - 1]);
	PS(s)->params[idx - 1] = value;
	return CG_OK;
}

static cg_code pg_bind_text(struct cg_stmt *s, int idx, const char *text)
{
	char *v = strdup(text);
	return v ? set_param(s, idx, v) : CG_E_NOMEM;
}

static cg_code pg_bind_int64(struct cg_stmt *s, int idx, int64_t value)
{
	char *v = malloc(24);
	if (!v)
		return CG_E_NOMEM;
	snprintf(v, 24, "%lld", (long long)value);
	return set_param(s, idx, v);
}

static cg_code pg_bind_null(struct cg_stmt *s, int idx)
{
	return set_param(s, idx, NULL);
}

/* The next batch of a streamed scan; false on failure (err set). */
static bool stream_fetch(struct cg_stmt *s, struct cg_error *err)
{
	struct pg_stmt *p = PS(s);
	char sql[96];

	PQclear(p->res);
	p->res = NULL;
	p->row = p->nrows = 0;
	if (!p->cursor_open) {
		struct cg_buf b;
		PGresult *res;
		if (!s->st->in_txn) {
			cg_error_set(err, CG_E_INTERNAL, NULL, N_("a streamed scan needs a transaction"));
			return false;
		}
		cg_buf_init(&b, 0);
		/* the whole result is read: plan for all rows (a sequential scan and a sort), not for
		 * the first ones (an index scan in key order, 5x slower on a million systems) */
		if (cg_buf_addf(&b, "SET LOCAL cursor_tuple_fraction = 1; DECLARE %s_c NO SCROLL CURSOR FOR %s", p->name,
				p->stream) != CG_OK) {
			cg_buf_release(&b);
			cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
			return false;
		}
		res = PQexec(PG(s->st), b.ptr);
		cg_buf_release(&b);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			pg_error(s->st, res, err, "step");
			PQclear(res);
			return false;
		}
		PQclear(res);
		p->cursor_open = true;
	}
	snprintf(sql, sizeof sql, "FETCH FORWARD %d FROM %s_c", STREAM_BATCH, p->name);
	p->res = PQexec(PG(s->st), sql);
	if (PQresultStatus(p->res) != PGRES_TUPLES_OK) {
		pg_error(s->st, p->res, err, "step");
		return false;
	}
	p->nrows = PQntuples(p->res);
	p->cursor_done = p->nrows < STREAM_BATCH;
	return true;
}

static enum cg_step pg_step(struct cg_stmt *s, struct cg_error *err)
{
	struct pg_stmt *p = PS(s);

	if (p->stream) {
		if ((!p->res || (p->row == p->nrows && !p->cursor_done)) && !stream_fetch(s, err))
			return CG_STEP_ERROR;
		if (p->row < p->nrows) {
			p->row++;
			return CG_STEP_ROW;
		}
		return CG_STEP_DONE;
	}
	if (!p->res) {
		ExecStatusType status;

		if (!p->prepared && p->runs++ > 0) {
			PGresult *res;
			free_stale(s->st);
			res = PQprepare(PG(s->st), p->name, p->sql, p->nparams, NULL);
			if (PQresultStatus(res) != PGRES_COMMAND_OK) {
				pg_error(s->st, res, err, "prepare");
				PQclear(res);
				return CG_STEP_ERROR;
			}
			PQclear(res);
			p->prepared = true;
		}
		if (p->prepared)
			p->res = PQexecPrepared(PG(s->st), p->name, p->nparams, (const char *const *)p->params,
						NULL, NULL, 0);
		else
			p->res = PQexecParams(PG(s->st), p->sql, p->nparams, NULL, (const char *const *)p->params,
					      NULL, NULL, 0);
		status = PQresultStatus(p->res);
		if (status == PGRES_TUPLES_OK) {
			p->nrows = PQntuples(p->res);
		} else if (status == PGRES_COMMAND_OK) {
			p->nrows = 0;
			p->changes = strtoll(PQcmdTuples(p->res), NULL, 10);
		} else {
			pg_error(s->st, p->res, err, "step");
			return CG_STEP_ERROR;
		}
		p->row = 0;
	}
	if (p->row < p->nrows) {
		p->row++;
		return CG_STEP_ROW;
	}
	return CG_STEP_DONE;
}

static const char *pg_text(struct cg_stmt *s, int col)
{
	struct pg_stmt *p = PS(s);
	if (!p->res || p->row < 1 || col >= PQnfields(p->res) || PQgetisnull(p->res, p->row - 1, col))
		return NULL;
	return PQgetvalue(p->res, p->row - 1, col);
}

static int64_t pg_col_int64(struct cg_stmt *s, int col)
{
	const char *t = pg_text(s, col);
	return t ? strtoll(t, NULL, 10) : 0;
}

static bool pg_is_null(struct cg_stmt *s, int col)
{
	struct pg_stmt *p = PS(s);
	return !p->res || p->row < 1 || col >= PQnfields(p->res) || PQgetisnull(p->res, p->row - 1, col);
}

static int64_t pg_changes(struct cg_stmt *s)
{
	return PS(s)->changes;
}

static void pg_reset(struct cg_stmt *s)
{
	struct pg_stmt *p = PS(s);
	if (p->cursor_open && s->st && s->st->impl && PQtransactionStatus(PG(s->st)) == PQTRANS_INTRANS) {
		char sql[64];
		snprintf(sql, sizeof sql, "CLOSE %s_c", p->name);
		PQclear(PQexec(PG(s->st), sql));
	}
	p->cursor_open = p->cursor_done = false;
	PQclear(p->res);
	p->res = NULL;
	p->row = p->nrows = 0;
	for (int i = 0; i < p->nparams; i++) {
		free(p->params[i]);
		p->params[i] = NULL;
	}
}

static void pg_finalize(struct cg_stmt *s)
{
	struct pg_stmt *p = PS(s);
	char sql[48];

	pg_reset(s);
	/* Free the server-side statement, if there is one; inside an aborted transaction, where
	 * DEALLOCATE cannot run, remember it for later. A long-lived connection (serve) must not
	 * collect statements. */
	if (p->prepared && s->st && s->st->impl) {
		struct pg_store *ps = s->st->impl;
		if (PQtransactionStatus(ps->conn) != PQTRANS_INERROR) {
			snprintf(sql, sizeof sql, "DEALLOCATE %s", p->name);
			PQclear(PQexec(ps->conn, sql));
		} else {
			if (ps->nstale == ps->cap_stale) {
				size_t cap = ps->cap_stale ? 2 * ps->cap_stale : 16;
				void *grown = realloc(ps->stale, cap * sizeof *ps->stale);
				if (grown) {
					ps->stale = grown;
					ps->cap_stale = cap;
				}
			}
			if (ps->nstale < ps->cap_stale)
				snprintf(ps->stale[ps->nstale++], sizeof ps->stale[0], "%s", p->name);
		}
	}
	free(p->params);
	free(p->stream);
	free(p->sql);
	free(p);
}

static cg_code pg_tables(struct cg_store *st, char ***names, size_t *n, struct cg_error *err)
{
	PGresult *res = PQexec(PG(st), "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
				       "ORDER BY tablename");
	char **v;
	int rows;

	*names = NULL;
	*n = 0;
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		cg_code r = pg_error(st, res, err, "schema read");
		PQclear(res);
		return r;
	}
	rows = PQntuples(res);
	v = calloc((size_t)rows + 1, sizeof *v);
	for (int i = 0; v && i < rows; i++) {
		if (!(v[i] = strdup(PQgetvalue(res, i, 0)))) {
			for (int j = 0; j < i; j++)
				free(v[j]);
			free(v);
			v = NULL;
		}
	}
	PQclear(res);
	if (!v)
		return cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
	*names = v;
	*n = (size_t)rows;
	return CG_OK;
}

static cg_code pg_listen(struct cg_store *st, struct cg_error *err)
{
	return run(st, "LISTEN " NOTIFY_CHANNEL, err, "listen");
}

static int pg_notifications(struct cg_store *st, int timeout_ms)
{
	PGnotify *n;
	int count = 0;
	struct pollfd p = { .fd = PQsocket(PG(st)), .events = POLLIN };

	if (p.fd < 0 || PQstatus(PG(st)) != CONNECTION_OK)
		return -1;
	if (poll(&p, 1, timeout_ms) < 0)
		return 0; /* interrupted: nothing yet */
	if (p.revents & (POLLERR | POLLHUP | POLLNVAL))
		return -1;
	if ((p.revents & POLLIN) && !PQconsumeInput(PG(st)))
		return -1;
	while ((n = PQnotifies(PG(st))) != NULL) {
		count++;
		PQfreemem(n);
	}
	return PQstatus(PG(st)) == CONNECTION_OK ? count : -1;
}

const struct cg_store_ops cg_store_pg_ops = {
	.name = "postgresql",
	.open = pg_open,
	.close = pg_close,
	.exec = pg_exec,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.lock_migrations = pg_lock_migrations,
	.translate_ddl = pg_translate_ddl,
	.prepare = pg_prepare,
	.bind_text = pg_bind_text,
	.bind_int64 = pg_bind_int64,
	.bind_null = pg_bind_null,
	.step = pg_step,
	.text = pg_text,
	.int64 = pg_col_int64,
	.is_null = pg_is_null,
	.changes = pg_changes,
	.reset = pg_reset,
	.finalize = pg_finalize,
	.tables = pg_tables,
	.listen = pg_listen,
	.notifications = pg_notifications,
};
