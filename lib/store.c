/* The store interface: backend dispatch, the statement cache and numbered migrations. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ciiguard/clock.h"
#include "ciiguard/i18n.h"
#include "store_impl.h"
#include "migrations.h"
#include "banned.h"

int cg_store_schema_latest(void)
{
	return CG_MIGRATION_COUNT;
}

const char *cg_store_backend(const struct cg_store *st)
{
	return st->ops->name;
}

int cg_store_schema_version(const struct cg_store *st)
{
	return st->schema_version;
}

bool cg_store_uri_is_pg(const char *uri)
{
	return strncmp(uri, "postgresql://", 13) == 0 || strncmp(uri, "postgres://", 11) == 0;
}

static const struct cg_store_ops *backend_for(const char *uri)
{
	return cg_store_uri_is_pg(uri) ? &cg_store_pg_ops : &cg_store_sqlite_ops;
}

/* Reads the applied version: 0 for a new database, CG_E_SCHEMA for a foreign one. */
static cg_code read_version(struct cg_store *st, int *version, struct cg_error *err)
{
	struct cg_stmt *s = NULL;
	char **tables = NULL;
	size_t n = 0;
	bool has_meta = false;
	cg_code result;

	result = st->ops->tables(st, &tables, &n, err);
	if (result != CG_OK)
		return result;
	for (size_t i = 0; i < n; i++)
		has_meta |= strcmp(tables[i], "schema_migrations") == 0;
	for (size_t i = 0; i < n; i++)
		free(tables[i]);
	free(tables);
	*version = 0;
	if (!has_meta) {
		if (n > 0)
			return cg_error_set(err, CG_E_SCHEMA, NULL,
					    N_("the database is not a ciiguard database (it has tables but no schema_migrations)"));
		return CG_OK;
	}
	result = cg_store_prepare(st, "SELECT MAX(version) FROM schema_migrations", &s, err);
	if (result != CG_OK)
		return result;
	if (cg_stmt_step(s, err) == CG_STEP_ROW)
		*version = (int)cg_stmt_int64(s, 0);
	else if (err->code != CG_OK)
		result = err->code;
	cg_stmt_done(s);
	return result;
}

/* Applies pending migrations in one transaction, under the backend's migration lock. */
static cg_code migrate(struct cg_store *st, struct cg_error *err)
{
	char now[CG_TIME_MAX];
	int version = 0;
	cg_code result;

	result = cg_store_begin(st, err);
	if (result != CG_OK)
		return result;
	result = st->ops->lock_migrations(st, err);
	if (result != CG_OK)
		goto out;
	result = read_version(st, &version, err);
	if (result != CG_OK)
		goto out;
	if (version > CG_MIGRATION_COUNT) {
		result = cg_error_set(err, CG_E_SCHEMA, NULL,
				      N_("the database has schema version %d, newer than this ciiguard (%s) understands (%d): upgrade ciiguard"),
				      version, CIIGUARD_VERSION, CG_MIGRATION_COUNT);
		goto out;
	}
	st->schema_version = version;
	if (version == CG_MIGRATION_COUNT)
		goto out;
	if (version == 0 && !(st->flags & CG_STORE_CREATE)) {
		/* An empty PostgreSQL database (or empty file) is not set up until `init`. */
		result = cg_error_set(err, CG_E_NOTFOUND, NULL,
				      N_("the database has no ciiguard data yet: run 'ciiguard init' first"));
		goto out;
	}
	if (version == 0) {
		result = st->ops->exec(st,
			"CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
			"name TEXT NOT NULL, applied_at TEXT NOT NULL)", err);
		if (result != CG_OK)
			goto out;
	}
	result = cg_now(now, err);
	for (int i = version; result == CG_OK && i < CG_MIGRATION_COUNT; i++) {
		const struct cg_migration *m = &cg_migrations[i];
		struct cg_stmt *s = NULL;
		char *ddl = st->ops->translate_ddl(m->sql);

		if (!ddl) {
			result = cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
			break;
		}
		result = st->ops->exec(st, ddl, err);
		free(ddl);
		if (result != CG_OK) {
			cg_error_prefix(err, N_("migration %d (%s)"), m->version, m->name);
			break;
		}
		result = cg_store_prepare(st, "INSERT INTO schema_migrations (version, name, applied_at) "
					  "VALUES (?, ?, ?)", &s, err);
		if (result == CG_OK && ((result = cg_stmt_bind_int64(s, 1, m->version)) != CG_OK ||
					(result = cg_stmt_bind_text(s, 2, m->name)) != CG_OK ||
					(result = cg_stmt_bind_text(s, 3, now)) != CG_OK)) {
			cg_stmt_done(s);
			result = cg_error_set(err, result, NULL, N_("out of memory"));
		} else if (result == CG_OK) {
			result = cg_stmt_run(s, err);
		}
	}
	if (result == CG_OK)
		st->schema_version = CG_MIGRATION_COUNT;
out:
	if (result == CG_OK)
		return cg_store_commit(st, err);
	cg_store_rollback(st);
	return result;
}

cg_code cg_store_open(const char *uri, unsigned flags, struct cg_store **out, struct cg_error *err)
{
	struct cg_store *st;
	bool created = false;
	cg_code result;

	*out = NULL;
	st = calloc(1, sizeof *st);
	if (!st)
		return cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
	st->ops = backend_for(uri);
	st->flags = flags;
	result = st->ops->open(st, uri, flags, &created, err);
	if (result != CG_OK) {
		free(st);
		return result;
	}
	result = migrate(st, err);
	if (result != CG_OK) {
		cg_store_free(st);
		return result;
	}
	st->ready = true;
	*out = st;
	return CG_OK;
}

void cg_store_free(struct cg_store *st)
{
	if (!st)
		return;
	if (st->in_txn)
		cg_store_rollback(st);
	for (size_t i = 0; i < st->ncache; i++) {
		free(st->cache[i]->sql);
		st->ops->finalize(st->cache[i]);
	}
	st->ops->close(st);
	free(st);
}

void cg_store_nest(struct cg_store *st, bool on)
{
	st->nest = on;
}

int cg_store_depth(const struct cg_store *st)
{
	return st->in_txn ? st->depth + 1 : 0;
}

/* A savepoint inside the open transaction (nesting mode). */
static cg_code savepoint(struct cg_store *st, struct cg_error *err)
{
	char sql[48];
	cg_code result;

	snprintf(sql, sizeof sql, "SAVEPOINT cg_sp%d", st->depth);
	if ((result = st->ops->exec(st, sql, err)) == CG_OK)
		st->depth++;
	return result;
}

cg_code cg_store_begin(struct cg_store *st, struct cg_error *err)
{
	cg_code result;

	if (st->in_txn && st->nest && st->write_txn)
		return savepoint(st, err);
	if (st->in_txn)
		return cg_error_set(err, CG_E_USAGE, NULL, N_("a transaction is already open"));
	if ((st->flags & CG_STORE_READONLY) && st->ready)
		return cg_error_set(err, CG_E_USAGE, NULL, N_("the database is open read-only"));
	result = st->ops->begin(st, true, err);
	if (result == CG_OK) {
		st->in_txn = true;
		st->write_txn = true;
		st->head_valid = false;
	}
	return result;
}

cg_code cg_store_begin_read(struct cg_store *st, struct cg_error *err)
{
	cg_code result;

	if (st->in_txn && st->nest && st->write_txn)
		return savepoint(st, err);
	if (st->in_txn)
		return cg_error_set(err, CG_E_USAGE, NULL, N_("a transaction is already open"));
	result = st->ops->begin(st, false, err);
	if (result == CG_OK) {
		st->in_txn = true;
		st->write_txn = false;
	}
	return result;
}

cg_code cg_store_commit(struct cg_store *st, struct cg_error *err)
{
	cg_code result;

	if (!st->in_txn)
		return cg_error_set(err, CG_E_USAGE, NULL, N_("no transaction is open"));
	if (st->depth > 0) {
		char sql[48];
		snprintf(sql, sizeof sql, "RELEASE SAVEPOINT cg_sp%d", st->depth - 1);
		if ((result = st->ops->exec(st, sql, err)) != CG_OK) {
			cg_store_rollback(st);
			return result;
		}
		st->depth--;
		return CG_OK;
	}
	result = st->ops->commit(st, err);
	if (result != CG_OK)
		st->ops->rollback(st);
	st->in_txn = false;
	st->head_valid = false;
	return result;
}

void cg_store_rollback(struct cg_store *st)
{
	if (!st->in_txn)
		return;
	for (size_t i = 0; i < st->ncache; i++)
		if (st->cache[i]->in_use)
			cg_stmt_done(st->cache[i]);
	st->head_valid = false;
	if (st->depth > 0) {
		char sql[96];
		st->depth--;
		snprintf(sql, sizeof sql, "ROLLBACK TO SAVEPOINT cg_sp%d; RELEASE SAVEPOINT cg_sp%d", st->depth, st->depth);
		if (st->ops->exec(st, sql, NULL) == CG_OK)
			return;
		/* the savepoint could not be undone: undo the whole transaction */
		st->depth = 0;
	}
	st->ops->rollback(st);
	st->in_txn = false;
}

bool cg_store_in_transaction(const struct cg_store *st)
{
	return st->in_txn;
}

cg_code cg_store_counter_get(struct cg_store *st, const char *name, int64_t *value, bool *found, struct cg_error *err)
{
	struct cg_stmt *q;
	enum cg_step s;
	cg_code r = cg_store_prepare(st, "SELECT value FROM counters WHERE name = ?", &q, err);
	*found = false;
	if (r != CG_OK)
		return r;
	if (cg_stmt_bind_text(q, 1, name)) {
		cg_stmt_done(q);
		return cg_error_set(err, CG_E_STORE, NULL, N_("could not bind a query parameter"));
	}
	if ((s = cg_stmt_step(q, err)) == CG_STEP_ROW) {
		*value = cg_stmt_int64(q, 0);
		*found = true;
	}
	cg_stmt_done(q);
	return s == CG_STEP_ERROR ? (err && err->code ? err->code : CG_E_STORE) : CG_OK;
}

cg_code cg_store_counter_set(struct cg_store *st, const char *name, int64_t value, bool found, struct cg_error *err)
{
	struct cg_stmt *q;
	cg_code r = cg_store_prepare(st, found ? "UPDATE counters SET value = ? WHERE name = ?" :
				     "INSERT INTO counters (value, name) VALUES (?, ?)", &q, err);
	if (r != CG_OK)
		return r;
	if (cg_stmt_bind_int64(q, 1, value) || cg_stmt_bind_text(q, 2, name)) {
		cg_stmt_done(q);
		return cg_error_set(err, CG_E_STORE, NULL, N_("could not bind a query parameter"));
	}
	return cg_stmt_run(q, err);
}

cg_code cg_store_end(struct cg_store *st, bool own, cg_code result, struct cg_error *err)
{
	if (!own)
		return result;
	if (result == CG_OK)
		return cg_store_commit(st, err);
	cg_store_rollback(st);
	return result;
}

char *cg_store_replace_all(const char *sql, const char *from, const char *to)
{
	size_t n = strlen(sql), nf = strlen(from), nt = strlen(to), count = 0;
	const char *p;
	char *out, *o;

	for (p = sql; (p = strstr(p, from)); p += nf)
		count++;
	out = malloc(n + count * (nt > nf ? nt - nf : 0) + 1);
	if (!out)
		return NULL;
	o = out;
	for (p = sql;;) {
		const char *q = strstr(p, from);
		size_t k = q ? (size_t)(q - p) : strlen(p);
		memcpy(o, p, k);
		o += k;
		if (!q)
			break;
		memcpy(o, to, nt);
		o += nt;
		p = q + nf;
	}
	*o = '\0';
	return out;
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

cg_code cg_store_prepare(struct cg_store *st, const char *sql, struct cg_stmt **out,
			 struct cg_error *err)
{
	uint64_t h = fnv1a(sql);
	struct cg_stmt *s = NULL;
	cg_code result;

	*out = NULL;
	for (size_t i = 0; i < st->ncache; i++) {
		s = st->cache[i];
		if (s->hash == h && !s->in_use && strcmp(s->sql, sql) == 0) {
			s->in_use = true;
			*out = s;
			return CG_OK;
		}
	}
	result = st->ops->prepare(st, sql, &s, err);
	if (result != CG_OK)
		return result;
	s->st = st;
	s->hash = h;
	s->in_use = true;
	s->sql = strdup(sql);
	if (!s->sql) {
		st->ops->finalize(s);
		return cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
	}
	if (st->ncache == CG_STMT_CACHE) {
		/* Full: evict the oldest idle statement. */
		size_t i;
		for (i = 0; i < st->ncache && st->cache[i]->in_use; i++)
			;
		if (i == st->ncache) {
			free(s->sql);
			st->ops->finalize(s);
			return cg_error_set(err, CG_E_INTERNAL, NULL, N_("too many statements in use"));
		}
		free(st->cache[i]->sql);
		st->ops->finalize(st->cache[i]);
		memmove(&st->cache[i], &st->cache[i + 1], (st->ncache - i - 1) * sizeof st->cache[0]);
		st->ncache--;
	}
	st->cache[st->ncache++] = s;
	*out = s;
	return CG_OK;
}

cg_code cg_store_listen(struct cg_store *st, struct cg_error *err)
{
	if (!st->ops->listen)
		return cg_error_set(err, CG_E_USAGE, NULL, N_("%s has no change notifications"), st->ops->name);
	return st->ops->listen(st, err);
}

int cg_store_notifications(struct cg_store *st, int timeout_ms)
{
	return st->ops->notifications ? st->ops->notifications(st, timeout_ms) : -1;
}

cg_code cg_store_defer_sync(struct cg_store *st, struct cg_error *err)
{
	if (!st->ops->defer_sync)
		return cg_error_set(err, CG_E_USAGE, NULL, N_("%s has no group commit"), st->ops->name);
	if (st->in_txn)
		return cg_error_set(err, CG_E_USAGE, NULL, N_("group commit cannot start inside a transaction"));
	return st->deferred ? CG_OK : st->ops->defer_sync(st, err);
}

int cg_store_sync(struct cg_store *st)
{
	if (!st->deferred) {
		errno = EINVAL;
		return -1;
	}
	return st->ops->sync(st);
}

long cg_store_checkpoint(struct cg_store *st)
{
	return st->ops->checkpoint ? st->ops->checkpoint(st) : -1;
}

long cg_store_log_frames(const struct cg_store *st)
{
	return __atomic_load_n(&st->log_frames, __ATOMIC_RELAXED);
}

cg_code cg_store_exec(struct cg_store *st, const char *sql, struct cg_error *err)
{
	return st->ops->exec(st, sql, err);
}

cg_code cg_stmt_bind_text(struct cg_stmt *s, int idx, const char *text)
{
	return text ? s->st->ops->bind_text(s, idx, text) : s->st->ops->bind_null(s, idx);
}

cg_code cg_stmt_bind_int64(struct cg_stmt *s, int idx, int64_t v)
{
	return s->st->ops->bind_int64(s, idx, v);
}

cg_code cg_stmt_bind_null(struct cg_stmt *s, int idx)
{
	return s->st->ops->bind_null(s, idx);
}

enum cg_step cg_stmt_step(struct cg_stmt *s, struct cg_error *err)
{
	return s->st->ops->step(s, err);
}

const char *cg_stmt_text(struct cg_stmt *s, int col)
{
	return s->st->ops->text(s, col);
}

int64_t cg_stmt_int64(struct cg_stmt *s, int col)
{
	return s->st->ops->int64(s, col);
}

bool cg_stmt_is_null(struct cg_stmt *s, int col)
{
	return s->st->ops->is_null(s, col);
}

int64_t cg_stmt_changes(struct cg_stmt *s)
{
	return s->st->ops->changes(s);
}

void cg_stmt_done(struct cg_stmt *s)
{
	if (!s)
		return;
	s->st->ops->reset(s);
	s->in_use = false;
}

cg_code cg_stmt_run(struct cg_stmt *s, struct cg_error *err)
{
	enum cg_step r = cg_stmt_step(s, err);

	cg_stmt_done(s);
	if (r == CG_STEP_ERROR)
		return err && err->code != CG_OK ? err->code : CG_E_STORE;
	return CG_OK;
}

cg_code cg_store_tables(struct cg_store *st, char ***names, size_t *n, struct cg_error *err)
{
	return st->ops->tables(st, names, n, err);
}
