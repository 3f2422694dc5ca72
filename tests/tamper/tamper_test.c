/*
 * Tamper test: applies random edits behind ciiguard's back and requires `audit verify` to exit 4
 * naming the broken event or record. On SQLite (copies of a template file, edited with the sqlite3
 * API) by default; when CG_TEST_PG holds the URI of the "postgres" database of a throwaway
 * cluster, on PostgreSQL (CREATE DATABASE ... TEMPLATE copies, edited with libpq).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "ciiguard/audit.h"

#define DEFAULT_TRIALS 400
#define CONTROLS 5
#define NSYS 30             /* systems in the template's import */
#define DELETED_ID "t030"   /* the one the template deletes */
#define MAX_FAILURES_SHOWN 10

static const char *bin;
static char dir[4096], tpl_path[4200], copy_path[4200], out_path[4200];
static unsigned char *tpl_data;
static size_t tpl_len;
static char orig_head[CG_HASH_HEX];
static int64_t nevents;
static char *live_ids[NSYS + 8];
static size_t nlive;
static uint64_t rng;
static char output[65536];

/* The mutation being applied: its kind/variant label and a description for failure reports. */
static char label[64];
static char desc[2048];
static bool use_expect_head;

static const char *const sectors[] = { "public_communications", "energy", "transportation", "water",
	"finance", "public_services", "e_government", "defense_industry", "other", NULL };
static const char *const harms[] = { "minor", "moderate", "serious", NULL };
static const char *const statuses[] = { "planned", "development", "production", "retired", NULL };
static const char *const ai_kinds[] = { "predictive", "generative", "decision", "optimisation", "agent", NULL };
static const char *const model_sources[] = { "in_house", "third_party_model", "saas", NULL };
static const char *const link_kinds[] = { "depends_on", "exchanges_data", "embedded_in", NULL };

static char pg_prefix[48]; /* on PostgreSQL: the names of this run's databases start with it */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("tamper_test: FAIL: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\ntamper_test: the files are kept in %s\n", dir);
	if (pg_prefix[0])
		fprintf(stderr, "tamper_test: the databases %s_* are kept on the cluster\n", pg_prefix);
	exit(1);
}

/* splitmix64: small and seedable. */
static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static size_t below(size_t n)
{
	return n ? (size_t)(rnd() % n) : 0;
}

static size_t count_of(const char *const *v)
{
	size_t n = 0;
	while (v[n])
		n++;
	return n;
}

static const char *pick(const char *const *v)
{
	return v[below(count_of(v))];
}

/* Walks `v` round robin from a random start, so that every column gets its turn. */
static const char *next_of(const char *const *v, size_t *turn)
{
	if (*turn == 0)
		*turn = 1 + below(count_of(v));
	return v[(*turn)++ % count_of(v)];
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		die("out of memory");
	return p;
}

static void set_label(const char *l)
{
	snprintf(label, sizeof label, "%s", l);
}

static void describe(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void describe(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(desc, sizeof desc, fmt, ap);
	va_end(ap);
}

/* --- running ciiguard --- */

/* Runs `bin argv...` with its output in `output`; returns the exit code (-1 when it did not exit). */
static int run(const char *const argv[])
{
	int status, fd;
	pid_t pid = fork();
	ssize_t n;

	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || in < 0 || dup2(in, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(126);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid: %s", strerror(errno));
	output[0] = '\0';
	if ((fd = open(out_path, O_RDONLY)) >= 0) {
		n = read(fd, output, sizeof output - 1);
		output[n > 0 ? n : 0] = '\0';
		close(fd);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void must_run(const char *const argv[])
{
	int rc = run(argv);

	if (rc != 0) {
		fprintf(stderr, "%s", output);
		die("'ciiguard %s %s' exited %d while building the template", argv[3], argv[4] ? argv[4] : "", rc);
	}
}

/* --- the database behind ciiguard's back: SQLite through sqlite3, PostgreSQL through libpq --- */

/*
 * One connection to the template or a trial copy. SQL text is shared by both backends: `$N`
 * placeholders (SQLite reads them as named parameters), standard quoting from sqlite3_mprintf's
 * %Q (used only to format text), no pragmas, rowids or typeof().
 */
struct db {
	sqlite3 *sq;
	PGconn *pg;
	int64_t changes; /* rows changed by the last INSERT, UPDATE or DELETE, as sqlite3_changes() */
};

static void quiet_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* The PostgreSQL cluster when CG_TEST_PG is set: its maintenance URI and an open connection. */
static const char *pg_base;
static PGconn *pg_admin_conn;

static void db_open(struct db *db, const char *where)
{
	memset(db, 0, sizeof *db);
	if (pg_base) {
		db->pg = PQconnectdb(where);
		if (PQstatus(db->pg) != CONNECTION_OK)
			die("cannot connect to %s: %s", where, PQerrorMessage(db->pg));
		PQsetNoticeProcessor(db->pg, quiet_notice, NULL);
	} else if (sqlite3_open_v2(where, &db->sq, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		die("cannot open %s: %s", where, sqlite3_errmsg(db->sq));
	}
}

static void db_close(struct db *db)
{
	if (db->pg)
		PQfinish(db->pg);
	else if (sqlite3_close(db->sq) != SQLITE_OK)
		die("cannot close the database");
	db->pg = NULL;
	db->sq = NULL;
}

/* Whether a failed statement was the database refusing the change (a constraint or a value). */
static bool pg_refused(const PGresult *r)
{
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	/* 23: integrity constraints; 22: data exceptions (a text that is not a number...). Anything
	 * else (a syntax or type error in the SQL itself) is a bug in the test and fatal. */
	return state && (!strncmp(state, "23", 2) || !strncmp(state, "22", 2));
}

/* Records the rows an INSERT/UPDATE/DELETE changed; other commands leave the count alone. */
static void pg_count(struct db *db, PGresult *r)
{
	const char *tag = PQcmdStatus(r);

	if (!strncmp(tag, "INSERT", 6) || !strncmp(tag, "UPDATE", 6) || !strncmp(tag, "DELETE", 6))
		db->changes = strtoll(PQcmdTuples(r), NULL, 10);
}

/*
 * Runs SQL with `n` text parameters `$1..$n` (a NULL value binds SQL NULL); without parameters
 * it may hold several statements. Returns 0, or -1 when the database refused it. Other errors are
 * fatal.
 */
static int exec_params(struct db *db, const char *sql, int n, const char *const *values)
{
	if (db->pg) {
		PGresult *r = n ? PQexecParams(db->pg, sql, n, NULL, values, NULL, NULL, 0) : PQexec(db->pg, sql);
		ExecStatusType s = PQresultStatus(r);
		int result = 0;

		if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK)
			pg_count(db, r);
		else if (pg_refused(r))
			result = -1;
		else
			die("postgresql: %s: %s", sql, PQresultErrorMessage(r));
		PQclear(r);
		return result;
	}
	char text[512] = "";
	int rc;

	if (!n) {
		char *msg = NULL;
		rc = sqlite3_exec(db->sq, sql, NULL, NULL, &msg);
		snprintf(text, sizeof text, "%s", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
	} else {
		sqlite3_stmt *q;
		char name[16];

		if (sqlite3_prepare_v2(db->sq, sql, -1, &q, NULL) != SQLITE_OK)
			die("sqlite: %s: %s", sql, sqlite3_errmsg(db->sq));
		for (int i = 0; i < n; i++) {
			snprintf(name, sizeof name, "$%d", i + 1);
			int idx = sqlite3_bind_parameter_index(q, name);
			if (idx > 0 && values[i])
				sqlite3_bind_text(q, idx, values[i], -1, SQLITE_TRANSIENT);
		}
		rc = sqlite3_step(q);
		snprintf(text, sizeof text, "%s", sqlite3_errmsg(db->sq));
		sqlite3_finalize(q);
		if (rc == SQLITE_DONE || rc == SQLITE_ROW)
			rc = SQLITE_OK;
	}
	if (rc == SQLITE_OK) {
		db->changes = sqlite3_changes(db->sq);
		return 0;
	}
	if ((rc & 0xff) == SQLITE_CONSTRAINT || (rc & 0xff) == SQLITE_MISMATCH)
		return -1;
	die("sqlite: %s: %s", sql, text);
}

/* Runs SQL without parameters; returns 0, or -1 when the database refused it. */
static int exec_sql(struct db *db, const char *sql)
{
	return exec_params(db, sql, 0, NULL);
}

/* Like exec_sql for a string from sqlite3_mprintf (freed here). */
static int exec_m(struct db *db, char *sql)
{
	int r;

	if (!sql)
		die("out of memory");
	r = exec_sql(db, sql);
	sqlite3_free(sql);
	return r;
}

/* Ends a transaction begun for a mutation of several statements: commits when `ok`. */
static int finish(struct db *db, int ok)
{
	exec_sql(db, ok ? "COMMIT" : "ROLLBACK");
	return ok;
}

/* Turns foreign-key enforcement on or off for the rest of the connection. */
static void foreign_keys(struct db *db, bool on)
{
	if (db->pg)
		exec_sql(db, on ? "SET session_replication_role = origin" : "SET session_replication_role = replica");
	else
		exec_sql(db, on ? "PRAGMA foreign_keys = ON" : "PRAGMA foreign_keys = OFF");
}

/* The first column of the first row as new text (NULL for SQL NULL or no row); frees `sql`. */
static char *query_text(struct db *db, char *sql, bool *found)
{
	char *v = NULL;

	if (!sql)
		die("out of memory");
	if (db->pg) {
		PGresult *r = PQexec(db->pg, sql);

		if (PQresultStatus(r) != PGRES_TUPLES_OK)
			die("postgresql: %s: %s", sql, PQresultErrorMessage(r));
		if (found)
			*found = PQntuples(r) > 0;
		if (PQntuples(r) > 0 && PQnfields(r) > 0 && !PQgetisnull(r, 0, 0))
			v = xstrdup(PQgetvalue(r, 0, 0));
		PQclear(r);
	} else {
		sqlite3_stmt *q;
		int rc;

		if (sqlite3_prepare_v2(db->sq, sql, -1, &q, NULL) != SQLITE_OK)
			die("sqlite: %s: %s", sql, sqlite3_errmsg(db->sq));
		rc = sqlite3_step(q);
		if (found)
			*found = rc == SQLITE_ROW;
		if (rc == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL)
			v = xstrdup((const char *)sqlite3_column_text(q, 0));
		else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			die("sqlite: %s: %s", sql, sqlite3_errmsg(db->sq));
		sqlite3_finalize(q);
	}
	sqlite3_free(sql);
	return v;
}

static int64_t query_int(struct db *db, char *sql)
{
	char *v = query_text(db, sql, NULL);
	int64_t n = v ? strtoll(v, NULL, 10) : 0;

	free(v);
	return n;
}

/*
 * Sets `col` of the rows matching `where` to `value` (SQL NULL when NULL), only where it differs.
 * Returns the rows changed, or -1 when the database refused the value.
 */
static int set_column(struct db *db, const char *table, const char *where, const char *col,
		      const char *value)
{
	/* SQLite before 3.39 lacks IS DISTINCT FROM; PostgreSQL's IS NOT takes only NULL/TRUE/FALSE. */
	char *sql = sqlite3_mprintf("UPDATE %s SET %s = $1 WHERE (%s) AND %s %s $1", table, col, where, col,
				    db->pg ? "IS DISTINCT FROM" : "IS NOT");
	int r;

	if (!sql)
		die("out of memory");
	r = exec_params(db, sql, 1, (const char *const[]){ value });
	sqlite3_free(sql);
	return r == 0 ? (int)db->changes : -1;
}

/* --- the template and its copies --- */

/* The location of database `name` of this run: "/postgres?" in CG_TEST_PG becomes "/NAME?". */
static void pg_location(char *out, size_t n, const char *name)
{
	const char *q = strstr(pg_base, "/postgres?");
	size_t len = strlen(pg_base);

	if (!q && len >= 9 && !strcmp(pg_base + len - 9, "/postgres"))
		q = pg_base + len - 9;
	if (!q)
		die("CG_TEST_PG must name the \"postgres\" database (.../postgres?...): %s", pg_base);
	if (snprintf(out, n, "%.*s/%s%s", (int)(q - pg_base), pg_base, name, q + strlen("/postgres")) >= (int)n)
		die("CG_TEST_PG is too long");
}

/* Runs a statement on the cluster's maintenance database (CREATE/DROP DATABASE). */
static void pg_admin(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void pg_admin(const char *fmt, ...)
{
	char sql[256];
	va_list ap;
	PGresult *r;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	if (!pg_admin_conn) {
		pg_admin_conn = PQconnectdb(pg_base);
		if (PQstatus(pg_admin_conn) != CONNECTION_OK)
			die("CG_TEST_PG: cannot connect to %s: %s", pg_base, PQerrorMessage(pg_admin_conn));
		PQsetNoticeProcessor(pg_admin_conn, quiet_notice, NULL);
	}
	r = PQexec(pg_admin_conn, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		die("CG_TEST_PG: %s: %s", sql, PQresultErrorMessage(r));
	PQclear(r);
}

/* --- value generators --- */

/* A copy of `old` with one ASCII character replaced by a different one of the same class. */
static char *alter_text(const char *old)
{
	static const char hex[] = "0123456789abcdef", digits[] = "0123456789",
			  letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
	char *s;
	size_t n, i = 0;
	int tries;

	if (!old || !*old)
		return xstrdup("x");
	s = xstrdup(old);
	n = strlen(s);
	for (tries = 0; tries < 32; tries++) {
		i = below(n);
		if (isalnum((unsigned char)s[i]))
			break;
	}
	if (tries == 32) {
		char *t = malloc(n + 2);
		if (!t)
			die("out of memory");
		memcpy(t, s, n);
		t[n] = 'x';
		t[n + 1] = '\0';
		free(s);
		return t;
	}
	char c = s[i];
	const char *set = isdigit((unsigned char)c) ? digits : (c >= 'a' && c <= 'f') ? hex : letters;
	do
		s[i] = set[below(strlen(set))];
	while (s[i] == c);
	return s;
}

static char *random_hex(void)
{
	char *s = malloc(65);

	if (!s)
		die("out of memory");
	for (int i = 0; i < 64; i++)
		s[i] = "0123456789abcdef"[below(16)];
	s[64] = '\0';
	return s;
}

static char *random_time(void)
{
	char *s = malloc(96);

	if (!s)
		die("out of memory");
	snprintf(s, 96, "20%02d-%02d-%02dT%02d:%02d:%02d.%03dZ", 20 + (int)below(10), 1 + (int)below(12),
		 1 + (int)below(28), (int)below(24), (int)below(60), (int)below(60), (int)below(1000));
	return s;
}

static char *random_date(void)
{
	char *s = malloc(48);

	if (!s)
		die("out of memory");
	snprintf(s, 48, "20%02d-%02d-%02d", 10 + (int)below(20), 1 + (int)below(12), 1 + (int)below(28));
	return s;
}

static const char *random_live_id(void)
{
	return live_ids[below(nlive)];
}

/* --- mutations: each returns 1 when applied, 0 when the draw must be repeated --- */

static const char *const event_cols[] = { "at", "actor", "action", "entity_type", "entity_id",
	"state", "state_hash", "prev_hash", "hash", NULL };

/* Changes one column of a random event to a different value. */
static int m_event_column(struct db *db)
{
	int64_t seq = 1 + (int64_t)below((size_t)nevents), other;
	static size_t turn;
	const char *col = next_of(event_cols, &turn);
	char where[64], *old, *v = NULL;
	int how = (int)below(4), r;

	snprintf(where, sizeof where, "seq = %lld", (long long)seq);
	old = query_text(db, sqlite3_mprintf("SELECT %s FROM audit_events WHERE seq = %lld", col, (long long)seq), NULL);
	switch (how) {
	case 0: /* one character changed */
		v = alter_text(old);
		break;
	case 1: /* the same column of another event */
		do
			other = 1 + (int64_t)below((size_t)nevents);
		while (other == seq);
		v = query_text(db, sqlite3_mprintf("SELECT %s FROM audit_events WHERE seq = %lld", col, (long long)other), NULL);
		if (!v && strcmp(col, "state") != 0) {
			free(old);
			return 0;
		}
		break;
	case 2: /* a plausible fabricated value */
		if (!strcmp(col, "at"))
			v = random_time();
		else if (!strcmp(col, "actor"))
			v = xstrdup(below(2) ? "cli:mallory" : "cli:root ");
		else if (!strcmp(col, "action"))
			v = xstrdup(pick((const char *const[]){ "create", "update", "delete", "Create", NULL }));
		else if (!strcmp(col, "entity_type"))
			v = xstrdup(pick((const char *const[]){ "system", "operator", "vendor", "System", NULL }));
		else if (!strcmp(col, "entity_id"))
			v = xstrdup(below(3) ? random_live_id() : below(2) ? "operator" : DELETED_ID);
		else if (!strcmp(col, "state"))
			v = below(3) ? xstrdup("{}") : NULL;
		else if (below(3))
			v = random_hex();
		else if (old) /* upper case: the same digest, written differently */
			for (char *p = v = xstrdup(old); *p; p++)
				*p = (char)toupper((unsigned char)*p);
		break;
	default: /* empty */
		v = xstrdup("");
		break;
	}
	r = set_column(db, "audit_events", where, col, v);
	describe("event %lld: %s changed from %.120s%s to %.120s%s", (long long)seq, col,
		 old ? old : "NULL", old && strlen(old) > 120 ? "..." : "", v ? v : "NULL",
		 v && strlen(v) > 120 ? "..." : "");
	free(old);
	free(v);
	snprintf(label, sizeof label, "event.column/%s", col);
	return r > 0;
}

/* Deletes one event, or the last few (then verify gets the original head as the anchor). */
static int m_event_delete(struct db *db)
{
	int how = (int)below(3);
	int64_t seq = how == 0 ? 1 + (int64_t)below((size_t)nevents - 1) : nevents;
	int64_t k = how == 2 ? 2 + (int64_t)below(4) : 1;

	if (how == 0) {
		set_label("event.delete/middle");
		describe("event %lld deleted", (long long)seq);
	} else if (how == 1) {
		set_label("event.delete/last");
		describe("the last event (%lld) deleted; verify --expect-head ORIGINAL", (long long)seq);
	} else {
		set_label("event.delete/tail");
		describe("the last %lld events deleted; verify --expect-head ORIGINAL", (long long)k);
	}
	use_expect_head = how != 0;
	return exec_m(db, sqlite3_mprintf("DELETE FROM audit_events WHERE seq > %lld - %lld AND seq <= %lld",
					  (long long)seq, (long long)k, (long long)seq)) == 0 &&
	       db->changes == (int)k;
}

/* A row of audit_events, all text (state may be NULL). */
struct row {
	int64_t seq;
	char *f[9]; /* in event_cols order */
};

static void row_read(struct db *db, int64_t seq, struct row *r)
{
	r->seq = seq;
	for (int i = 0; event_cols[i]; i++)
		r->f[i] = query_text(db, sqlite3_mprintf("SELECT %s FROM audit_events WHERE seq = %lld",
							 event_cols[i], (long long)seq), NULL);
}

static void row_release(struct row *r)
{
	for (int i = 0; i < 9; i++) {
		free(r->f[i]);
		r->f[i] = NULL;
	}
}

/* Writes the row (INSERT when `insert`, else UPDATE of r->seq); -1 when refused. */
static int row_write(struct db *db, const struct row *r, bool insert)
{
	const char *sql = insert ?
		"INSERT INTO audit_events (at, actor, action, entity_type, entity_id, state, state_hash, "
		"prev_hash, hash, seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)" :
		"UPDATE audit_events SET at = $1, actor = $2, action = $3, entity_type = $4, entity_id = $5, "
		"state = $6, state_hash = $7, prev_hash = $8, hash = $9 WHERE seq = $10";
	const char *v[10];
	char seq[24];

	for (int i = 0; i < 9; i++)
		v[i] = r->f[i];
	snprintf(seq, sizeof seq, "%lld", (long long)r->seq);
	v[9] = seq;
	return exec_params(db, sql, 10, v);
}

static void set_field(struct row *r, int i, char *v)
{
	free(r->f[i]);
	r->f[i] = v;
}

/* Gives `r` a correct state_hash and hash for its contents (the forger knows the algorithm). */
static void rehash(struct row *r)
{
	struct cg_audit_event ev;
	char h[CG_HASH_HEX];

	if (r->f[5]) {
		cg_sha256_hex(r->f[5], strlen(r->f[5]), h);
		set_field(r, 6, xstrdup(h));
	} else {
		set_field(r, 6, xstrdup(""));
	}
	ev = (struct cg_audit_event){ .seq = r->seq, .at = r->f[0], .actor = r->f[1], .action = r->f[2],
		.entity_type = r->f[3], .entity_id = r->f[4], .state = r->f[5], .state_hash = r->f[6],
		.prev_hash = r->f[7] };
	cg_audit_event_hash(&ev, h);
	set_field(r, 8, xstrdup(h));
}

/* The state the trail last recorded for system `id` (new text), or NULL. */
static char *last_state(struct db *db, const char *type, const char *id)
{
	return query_text(db, sqlite3_mprintf("SELECT state FROM audit_events WHERE entity_type = %Q AND "
					      "entity_id = %Q ORDER BY seq DESC LIMIT 1", type, id), NULL);
}

/* Inserts a fabricated event: at the end, in a gap made first, or out of range. */
static int m_event_insert(struct db *db)
{
	struct row r = { 0 };
	int how = (int)below(7), result;
	int64_t gap = 0;
	const char *id = random_live_id();

	r.seq = nevents + 1;
	set_field(&r, 0, random_time());
	set_field(&r, 1, xstrdup("cli:mallory"));
	set_field(&r, 7, xstrdup(orig_head));
	switch (how) {
	case 0: /* at the end, random hash */
		set_label("event.insert/end-random-hash");
		set_field(&r, 2, xstrdup("update"));
		set_field(&r, 3, xstrdup("system"));
		set_field(&r, 4, xstrdup(id));
		set_field(&r, 5, last_state(db, "system", id));
		set_field(&r, 6, random_hex());
		set_field(&r, 8, random_hex());
		break;
	case 1: /* at the end, correctly chained: creates a system that is not in the table */
		set_label("event.insert/end-chained-create");
		set_field(&r, 2, xstrdup("create"));
		set_field(&r, 3, xstrdup("system"));
		set_field(&r, 4, xstrdup("ghost"));
		set_field(&r, 5, xstrdup("{\"id\":\"ghost\",\"name\":\"Ghost\"}"));
		rehash(&r);
		break;
	case 2: /* at the end, correctly chained: an update the table does not reflect */
		set_label("event.insert/end-chained-update");
		set_field(&r, 2, xstrdup("update"));
		set_field(&r, 3, xstrdup("system"));
		set_field(&r, 4, xstrdup(id));
		{
			char *st = last_state(db, "system", id);
			set_field(&r, 5, alter_text(st));
			free(st);
		}
		rehash(&r);
		break;
	case 3: /* at the end, correctly chained: deletes a system that is still there */
		set_label("event.insert/end-chained-delete");
		set_field(&r, 2, xstrdup("delete"));
		set_field(&r, 3, xstrdup(below(5) ? "system" : "operator"));
		set_field(&r, 4, xstrdup(strcmp(r.f[3], "system") ? "operator" : id));
		rehash(&r);
		break;
	case 4: /* in a gap: delete event k, put a forged one with a random hash in its place */
	case 5: /* in a gap: delete event k, put a correctly hashed but altered one in its place */
		gap = 1 + (int64_t)below((size_t)nevents);
		row_release(&r);
		row_read(db, gap, &r);
		set_label(how == 4 ? "event.insert/gap-random-hash" : "event.insert/gap-chained");
		set_field(&r, 1, xstrdup("cli:mallory"));
		if (how == 4)
			set_field(&r, 8, random_hex());
		else
			rehash(&r);
		/* A rehashed last event is a truncation plus an append: only the anchor reveals it. */
		use_expect_head = how == 5 && gap == nevents;
		exec_sql(db, "BEGIN");
		if (exec_m(db, sqlite3_mprintf("DELETE FROM audit_events WHERE seq = %lld", (long long)gap)) != 0)
			die("could not delete event %lld", (long long)gap);
		break;
	default: /* out of range: after a gap at the end, or at seq 0 or below */
		set_label("event.insert/out-of-range");
		r.seq = below(2) ? nevents + 2 + (int64_t)below(5) : -(int64_t)below(3);
		set_field(&r, 2, xstrdup("update"));
		set_field(&r, 3, xstrdup("system"));
		set_field(&r, 4, xstrdup(id));
		set_field(&r, 5, last_state(db, "system", id));
		rehash(&r);
		break;
	}
	result = row_write(db, &r, true) == 0;
	if (gap)
		finish(db, result);
	if (gap)
		describe("event %lld replaced by a forged one (actor cli:mallory, %s hash)%s", (long long)gap,
			 how == 4 ? "random" : "recomputed",
			 use_expect_head ? "; verify --expect-head ORIGINAL" : "");
	else
		describe("event %lld inserted: %s %s:%s, %s hash", (long long)r.seq, r.f[2], r.f[3], r.f[4],
			 how == 0 ? "random" : "recomputed");
	row_release(&r);
	return result;
}

/* Swaps the contents (all but seq) of two events. */
static int m_event_swap(struct db *db)
{
	struct row a, b;
	int64_t i = 1 + (int64_t)below((size_t)nevents), j;
	int result;

	do
		j = 1 + (int64_t)below((size_t)nevents);
	while (j == i);
	if (below(3) == 0) /* neighbours half the time: the subtlest reordering */
		j = i < nevents ? i + 1 : i - 1;
	row_read(db, i, &a);
	row_read(db, j, &b);
	a.seq = j;
	b.seq = i;
	exec_sql(db, "BEGIN");
	result = finish(db, row_write(db, &a, false) == 0 && row_write(db, &b, false) == 0);
	row_release(&a);
	row_release(&b);
	set_label("event.swap");
	describe("events %lld and %lld swapped (all columns but seq)", (long long)i, (long long)j);
	return result;
}

static const char *const system_cols[] = { "id", "name", "owner", "description", "sector",
	"supports_core_business", "harm_if_compromised", "cross_sector_impact", "notified_cii",
	"notified_at", "serves_cii_operators", "ai_kind", "ai_model_source",
	"ai_public_generative_service", "data_pi_subjects", "data_sensitive_pi_subjects",
	"data_important_data", "data_core_data", "users", "mlps_level", "status", "created_at",
	"updated_at", NULL };

static bool is_bool_col(const char *c)
{
	static const char *const b[] = { "supports_core_business", "cross_sector_impact", "notified_cii",
		"serves_cii_operators", "ai_public_generative_service", "data_important_data",
		"data_core_data", "central_or_state_organ", NULL };
	for (int i = 0; b[i]; i++)
		if (!strcmp(b[i], c))
			return true;
	return false;
}

/* A different, valid-looking value for column `col` whose value is `old` (NULL for SQL NULL). */
static char *other_value(const char *col, const char *old)
{
	char buf[64];

	if (is_bool_col(col))
		return xstrdup(old && !strcmp(old, "1") ? "0" : "1");
	if (!strcmp(col, "data_pi_subjects") || !strcmp(col, "data_sensitive_pi_subjects") || !strcmp(col, "users")) {
		snprintf(buf, sizeof buf, "%lld", (old ? strtoll(old, NULL, 10) : 0) + (below(2) ? 1 : 1000));
		return xstrdup(buf);
	}
	if (!strcmp(col, "mlps_level")) {
		if (old && below(4) == 0)
			return NULL;
		snprintf(buf, sizeof buf, "%d", 1 + (int)below(5));
		return xstrdup(buf);
	}
	if (!strcmp(col, "sector"))
		return xstrdup(pick(sectors));
	if (!strcmp(col, "harm_if_compromised"))
		return xstrdup(pick(harms));
	if (!strcmp(col, "status"))
		return xstrdup(pick(statuses));
	if (!strcmp(col, "ai_kind") || !strcmp(col, "ai_model_source"))
		return below(4) == 0 ? NULL : xstrdup(pick(strcmp(col, "ai_kind") ? model_sources : ai_kinds));
	if (!strcmp(col, "notified_at"))
		return old && below(3) == 0 ? NULL : random_date();
	if (!strcmp(col, "created_at") || !strcmp(col, "updated_at"))
		return below(2) ? alter_text(old) : random_time();
	if (!strcmp(col, "id")) {
		snprintf(buf, sizeof buf, "ghost-%d", (int)below(1000));
		return xstrdup(buf);
	}
	/* name, owner, description, protection_department */
	return below(2) ? alter_text(old) : xstrdup(below(2) ? "Tampered value" : "");
}

/* Changes one column of a random system row. */
static int m_system_column(struct db *db)
{
	static size_t turn;
	const char *id = random_live_id(), *col = next_of(system_cols, &turn);
	char *where = sqlite3_mprintf("id = %Q", id), *old, *v;
	int r;

	old = query_text(db, sqlite3_mprintf("SELECT %s FROM systems WHERE id = %Q", col, id), NULL);
	v = other_value(col, old);
	r = set_column(db, "systems", where, col, v);
	describe("system %s: %s changed from %s to %s%s", id, col, old ? old : "NULL", v ? v : "NULL",
		 r < 0 ? " (refused)" : "");
	sqlite3_free(where);
	free(old);
	free(v);
	snprintf(label, sizeof label, "system.column/%s", col);
	return r > 0;
}

/* Deletes a system row: raw, with its links first, or with foreign keys enforced. */
static int m_system_delete(struct db *db)
{
	const char *id = random_live_id();
	int how = (int)below(3), r;

	if (how == 0) {
		set_label("system.delete/raw");
		r = exec_m(db, sqlite3_mprintf("DELETE FROM systems WHERE id = %Q", id));
	} else if (how == 1) {
		set_label("system.delete/with-links");
		exec_sql(db, "BEGIN");
		r = exec_m(db, sqlite3_mprintf("DELETE FROM system_links WHERE system_id = %Q OR to_id = %Q; "
					       "DELETE FROM systems WHERE id = %Q", id, id, id));
		r = finish(db, r == 0 && db->changes == 1) ? 0 : -1;
	} else {
		set_label("system.delete/foreign-keys");
		foreign_keys(db, true);
		r = exec_m(db, sqlite3_mprintf("DELETE FROM systems WHERE id = %Q", id));
		foreign_keys(db, false);
	}
	describe("system %s deleted (%s)", id, label);
	return r == 0 && db->changes >= 1;
}

/* Inserts a system row the trail does not know: a new id, or the id the trail deleted. */
static int m_system_insert(struct db *db)
{
	const char *src = random_live_id();
	int how = (int)below(3), r;
	char id[32];

	if (how == 1)
		snprintf(id, sizeof id, "%s", DELETED_ID);
	else
		snprintf(id, sizeof id, "ghost-%d", (int)below(1000));
	set_label(how == 0 ? "system.insert/new" : how == 1 ? "system.insert/deleted-id" : "system.insert/with-link");
	exec_sql(db, "BEGIN");
	r = exec_m(db, sqlite3_mprintf(
		"INSERT INTO systems (id, name, owner, description, sector, supports_core_business, "
		"harm_if_compromised, cross_sector_impact, notified_cii, notified_at, serves_cii_operators, "
		"ai_kind, ai_model_source, ai_public_generative_service, data_pi_subjects, "
		"data_sensitive_pi_subjects, data_important_data, data_core_data, users, mlps_level, status, "
		"created_at, updated_at) SELECT %Q, name, owner, description, sector, supports_core_business, "
		"harm_if_compromised, cross_sector_impact, notified_cii, notified_at, serves_cii_operators, "
		"ai_kind, ai_model_source, ai_public_generative_service, data_pi_subjects, "
		"data_sensitive_pi_subjects, data_important_data, data_core_data, users, mlps_level, status, "
		"created_at, updated_at FROM systems WHERE id = %Q", id, src));
	if (r == 0 && how == 2)
		r = exec_m(db, sqlite3_mprintf("INSERT INTO system_links (system_id, to_id, kind) VALUES (%Q, %Q, 'depends_on')", id, src));
	r = finish(db, r == 0) ? 0 : -1;
	describe("system %s inserted as a copy of %s%s", id, src, how == 2 ? ", with a link to it" : "");
	return r == 0;
}

/* Adds, deletes or changes a row of system_links. */
static int m_link(struct db *db)
{
	int64_t n = query_int(db, sqlite3_mprintf("SELECT COUNT(*) FROM system_links"));
	int how = (int)below(5), r;
	const char *from = random_live_id(), *to = random_live_id();
	char *cur_from, *cur_to, *cur_kind, *where;
	char *const pos = sqlite3_mprintf("FROM system_links ORDER BY system_id, to_id, kind LIMIT 1 OFFSET %lld",
					  (long long)below((size_t)n));

	if (how == 0) {
		const char *kind = pick(link_kinds);
		sqlite3_free(pos);
		set_label("link.add");
		describe("link %s -[%s]-> %s added", from, kind, to);
		if (!strcmp(from, to))
			return 0;
		return exec_m(db, sqlite3_mprintf("INSERT INTO system_links (system_id, to_id, kind) VALUES (%Q, %Q, %Q)",
						  from, to, kind)) == 0;
	}
	/* A random row, named by its primary key (there is no portable rowid). */
	if (!pos)
		die("out of memory");
	cur_from = query_text(db, sqlite3_mprintf("SELECT system_id %s", pos), NULL);
	cur_to = query_text(db, sqlite3_mprintf("SELECT to_id %s", pos), NULL);
	cur_kind = query_text(db, sqlite3_mprintf("SELECT kind %s", pos), NULL);
	sqlite3_free(pos);
	if (!cur_from || !cur_to || !cur_kind)
		die("cannot read a row of system_links");
	where = sqlite3_mprintf("system_id = %Q AND to_id = %Q AND kind = %Q", cur_from, cur_to, cur_kind);
	if (!where)
		die("out of memory");
	if (how == 1) {
		set_label("link.delete");
		describe("link %s -[%s]-> %s deleted", cur_from, cur_kind, cur_to);
		r = exec_m(db, sqlite3_mprintf("DELETE FROM system_links WHERE %s", where)) == 0 && db->changes == 1;
	} else if (how == 2) {
		const char *kind = below(5) ? pick(link_kinds) : "is_part_of";
		set_label("link.change-kind");
		describe("link %s -[%s]-> %s: kind changed to %s", cur_from, cur_kind, cur_to, kind);
		r = set_column(db, "system_links", where, "kind", kind) > 0;
	} else if (how == 3) {
		set_label("link.change-to");
		describe("link %s -[%s]-> %s: to_id changed to %s", cur_from, cur_kind, cur_to, to);
		r = strcmp(cur_from, to) != 0 && set_column(db, "system_links", where, "to_id", to) > 0;
	} else {
		set_label("link.change-from");
		describe("link %s -[%s]-> %s: system_id changed to %s", cur_from, cur_kind, cur_to, from);
		r = strcmp(cur_to, from) != 0 && set_column(db, "system_links", where, "system_id", from) > 0;
	}
	sqlite3_free(where);
	free(cur_from);
	free(cur_to);
	free(cur_kind);
	return r;
}

static const char *const operator_cols[] = { "name", "sector", "protection_department", "notified_cii",
	"notified_at", "central_or_state_organ", "created_at", "updated_at", "id", NULL };

/* Changes a column of the operator row, or deletes it. */
static int m_operator(struct db *db)
{
	static size_t turn;
	const char *col = next_of(operator_cols, &turn);
	char *old, *v;
	int r;

	if (below(10) == 0) {
		set_label("operator.delete");
		describe("the operator row deleted");
		return exec_sql(db, "DELETE FROM operator") == 0 && db->changes == 1;
	}
	old = query_text(db, sqlite3_mprintf("SELECT %s FROM operator", col), NULL);
	v = !strcmp(col, "id") ? xstrdup("operator2") : other_value(col, old);
	r = set_column(db, "operator", "1 = 1", col, v);
	describe("operator: %s changed from %s to %s%s", col, old ? old : "NULL", v ? v : "NULL",
		 r < 0 ? " (refused)" : "");
	free(old);
	free(v);
	snprintf(label, sizeof label, "operator.column/%s", col);
	return r > 0;
}

/*
 * Known gaps, drawn only with CG_TAMPER_GAPS=1 (verify passes them today):
 * a system_links row whose system_id names no system (cg_system_each skips such rows, yet
 * `system delete` of its target is then refused), and a correctly chained event appended at the
 * end whose claim the tables already satisfy (a delete of a system that is gone or never
 * existed, or a create of a live system with its current state). The second is inherent to an
 * unkeyed hash chain unless verify also checks each entity's create/update/delete sequence.
 */
static int m_known_gap(struct db *db)
{
	struct row r = { 0 };
	int how = (int)below(4), result;

	if (how == 0) {
		const char *to = random_live_id();
		set_label("gap.orphan-link");
		describe("link %s -[depends_on]-> %s added for a system that has no row", DELETED_ID, to);
		return exec_m(db, sqlite3_mprintf("INSERT INTO system_links (system_id, to_id, kind) "
						  "VALUES (%Q, %Q, 'depends_on')", DELETED_ID, to)) == 0;
	}
	r.seq = nevents + 1;
	set_field(&r, 0, random_time());
	set_field(&r, 1, xstrdup("cli:mallory"));
	set_field(&r, 3, xstrdup("system"));
	set_field(&r, 7, xstrdup(orig_head));
	if (how == 3) {
		set_label("gap.forged-create-of-live");
		set_field(&r, 2, xstrdup("create"));
		set_field(&r, 4, xstrdup(random_live_id()));
		set_field(&r, 5, last_state(db, "system", r.f[4]));
	} else {
		set_label(how == 1 ? "gap.forged-delete-of-deleted" : "gap.forged-delete-of-unknown");
		set_field(&r, 2, xstrdup("delete"));
		set_field(&r, 4, xstrdup(how == 1 ? DELETED_ID : "never-existed"));
	}
	rehash(&r);
	result = row_write(db, &r, true) == 0;
	describe("event %lld appended, correctly chained: %s system:%s", (long long)r.seq, r.f[2], r.f[4]);
	row_release(&r);
	return result;
}

struct kind {
	const char *name;
	int (*apply)(struct db *db);
};

static const struct kind kinds[] = {
	{ "event.column", m_event_column },
	{ "event.delete", m_event_delete },
	{ "event.insert", m_event_insert },
	{ "event.swap", m_event_swap },
	{ "system.column", m_system_column },
	{ "system.delete", m_system_delete },
	{ "system.insert", m_system_insert },
	{ "link", m_link },
	{ "operator", m_operator },
	{ "gap", m_known_gap }, /* last: drawn only with CG_TAMPER_GAPS=1 */
};

/* Per-label counts of applied mutations, and of draws the database refused. */
struct tally {
	const char *label;
	int applied;
};
static struct tally tallies[128];
static int refused, anchor_only;

static void count(const char *l)
{
	size_t i;

	for (i = 0; i < sizeof tallies / sizeof tallies[0] && tallies[i].label; i++)
		if (!strcmp(tallies[i].label, l))
			break;
	if (i == sizeof tallies / sizeof tallies[0])
		die("too many mutation labels");
	if (!tallies[i].label)
		tallies[i].label = xstrdup(l);
	tallies[i].applied++;
}

static int cmp_tally(const void *a, const void *b)
{
	const struct tally *x = a, *y = b;
	if (!x->label || !y->label)
		return !x->label - !y->label;
	return strcmp(x->label, y->label);
}

/* --- building the template --- */

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len || close(fd) != 0)
		die("cannot write %s: %s", path, strerror(errno));
}

static void remove_db(const char *path)
{
	char p[4300];

	unlink(path);
	snprintf(p, sizeof p, "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", path);
	unlink(p);
}

/* The template's import: NSYS systems with varied fields, each linked to earlier ones. */
static void write_systems_json(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		die("cannot write %s: %s", path, strerror(errno));
	fputc('[', f);
	for (int k = 1; k <= NSYS; k++) {
		fprintf(f, "%s{\"id\":\"t%03d\",\"name\":\"System %d\",\"owner\":\"Owner %d\","
			"\"description\":\"%s\",\"sector\":\"%s\",\"supports_core_business\":%s,"
			"\"harm_if_compromised\":\"%s\",\"cross_sector_impact\":%s,\"serves_cii_operators\":%s,"
			"\"status\":\"%s\",\"users\":%d,\"data\":{\"pi_subjects\":%d,\"sensitive_pi_subjects\":%d,"
			"\"important_data\":%s,\"core_data\":%s}",
			k > 1 ? ",\n" : "", k, k, k % 4, k % 5 ? "Line one\\nline two" : "",
			sectors[k % 9], k % 2 ? "true" : "false", harms[k % 3], k % 3 == 1 ? "true" : "false",
			k % 4 == 2 ? "true" : "false", statuses[k % 4], k * 13, k * 1000, k * 10,
			k % 2 ? "true" : "false", k % 7 == 0 ? "true" : "false");
		if (k % 4 == 0)
			fprintf(f, ",\"notified_cii\":true,\"notified_at\":\"2023-%02d-%02d\"", 1 + k % 12, 1 + k % 28);
		if (k % 2 == 0)
			fprintf(f, ",\"mlps_level\":%d", 1 + k % 5);
		if (k % 3 == 0) {
			fprintf(f, ",\"ai\":{\"kind\":\"%s\",\"public_generative_service\":%s", ai_kinds[k % 5],
				k % 6 == 0 ? "true" : "false");
			if (k % 2)
				fprintf(f, ",\"model_source\":\"%s\"", model_sources[k % 3]);
			fputc('}', f);
		}
		if (k > 1 && k < NSYS) {
			fprintf(f, ",\"links\":[{\"to\":\"t%03d\",\"kind\":\"depends_on\"}", k - 1);
			if (k % 3 == 0)
				fprintf(f, ",{\"to\":\"t%03d\",\"kind\":\"%s\"}", k - 2, link_kinds[1 + k % 2]);
			fputc(']', f);
		}
		fputc('}', f);
	}
	fputs("]\n", f);
	if (fclose(f) != 0)
		die("cannot write %s: %s", path, strerror(errno));
}

static void build_template(void)
{
	char json[4300];
	struct db db;
	char *h;

	snprintf(json, sizeof json, "%s/systems.json", dir);
	write_systems_json(json);
#define CG(...) do { const char *a_[] = { bin, "--db", tpl_path, __VA_ARGS__, NULL }; must_run(a_); } while (0)
	CG("init", "--name", "Tamper Test Grid Co", "--sector", "energy", "--protection-department",
	   "Provincial Energy Bureau", "--notified-cii", "yes", "--notified-at", "2023-03-01");
	CG("system", "import", json);
	CG("system", "update", "t005", "--owner", "Changed Owner");
	CG("system", "update", "t010", "--status", "retired", "--users", "99");
	CG("system", "update", "t012", "--ai-kind", "agent", "--ai-model-source", "saas");
	CG("system", "update", "t020", "--links", "depends_on:t001;embedded_in:t002");
	CG("operator", "update", "--name", "Tamper Test Grid Co (renamed)");
	CG("system", "delete", DELETED_ID);
	CG("system", "add", "--id", "t031", "--name", "Late addition", "--sector", "water",
	   "--supports-core-business", "no", "--harm-if-compromised", "minor", "--status", "planned",
	   "--links", "exchanges_data:t029");
	CG("audit", "verify");
#undef CG
	unlink(json);

	db_open(&db, tpl_path);
	if (!pg_base) /* fold the WAL into the file so that the file alone is the database */
		exec_sql(&db, "PRAGMA wal_checkpoint(TRUNCATE)");
	nevents = query_int(&db, sqlite3_mprintf("SELECT COUNT(*) FROM audit_events"));
	if (query_int(&db, sqlite3_mprintf("SELECT MAX(seq) FROM audit_events")) != nevents)
		die("the template's events are not numbered 1..N");
	h = query_text(&db, sqlite3_mprintf("SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1"), NULL);
	if (!h || strlen(h) != 64)
		die("the template has no head");
	memcpy(orig_head, h, sizeof orig_head);
	free(h);
	while (nlive < sizeof live_ids / sizeof live_ids[0] &&
	       (h = query_text(&db, sqlite3_mprintf("SELECT id FROM systems ORDER BY id LIMIT 1 OFFSET %lld", (long long)nlive), NULL)))
		live_ids[nlive++] = h;
	if (query_int(&db, sqlite3_mprintf("SELECT COUNT(*) FROM audit_events WHERE action = 'delete'")) < 1 ||
	    query_int(&db, sqlite3_mprintf("SELECT COUNT(*) FROM audit_events WHERE action = 'update'")) < 1)
		die("the template lacks update or delete events");
	/* On PostgreSQL the template is copied by CREATE DATABASE, which wants it unused. */
	db_close(&db);
	if (pg_base)
		return;

	struct stat sb;
	int fd = open(tpl_path, O_RDONLY);
	if (fd < 0 || fstat(fd, &sb) != 0 || !(tpl_data = malloc((size_t)sb.st_size)) ||
	    read(fd, tpl_data, (size_t)sb.st_size) != sb.st_size)
		die("cannot read the template: %s", strerror(errno));
	tpl_len = (size_t)sb.st_size;
	close(fd);
}

/* --- the copies: one per control and per trial --- */

static char copy_name[64]; /* on PostgreSQL: the database of the current copy */

/* Makes a fresh copy of the template, named after `what` and `n` on PostgreSQL, at copy_path. */
static void fresh_copy(const char *what, int n)
{
	if (pg_base) {
		snprintf(copy_name, sizeof copy_name, "%s_%s%d", pg_prefix, what, n);
		pg_admin("CREATE DATABASE %s TEMPLATE %s_tmpl", copy_name, pg_prefix);
		pg_location(copy_path, sizeof copy_path, copy_name);
	} else {
		remove_db(copy_path);
		write_file(copy_path, tpl_data, tpl_len);
	}
}

/* Removes the current copy. */
static void drop_copy(void)
{
	if (pg_base)
		pg_admin("DROP DATABASE IF EXISTS %s WITH (FORCE)", copy_name);
	else
		remove_db(copy_path);
}

/* Keeps the current copy for inspection (trial `t` went undetected) and says where. */
static void keep_copy(int t)
{
	char keep[4300];

	if (pg_base) {
		fprintf(stderr, "  the copy is kept as %s\n", copy_path);
		return;
	}
	snprintf(keep, sizeof keep, "%s/undetected-%d.db", dir, t);
	rename(copy_path, keep);
	fprintf(stderr, "  the copy is kept as %s\n", keep);
}

/* Runs verify on the copy; `anchor` adds --expect-head with the template's head, `json` --json. */
static int verify_copy(bool anchor, bool json)
{
	const char *argv[10] = { bin, "--db", copy_path, "audit", "verify" };
	int n = 5;

	if (json)
		argv[n++] = "--json";
	if (anchor) {
		argv[n++] = "--expect-head";
		argv[n++] = orig_head;
	}
	argv[n] = NULL;
	return run(argv);
}

/* True when the message names an event ("event N") or a record ("record TYPE:ID"). */
static bool names_subject(const char *s)
{
	const char *p;

	for (p = s; (p = strstr(p, "event ")); p += 6)
		if (isdigit((unsigned char)p[6]) || (p[6] == '-' && isdigit((unsigned char)p[7])))
			return true;
	if ((p = strstr(s, "record system:")) && p[14] && !isspace((unsigned char)p[14]))
		return true;
	return strstr(s, "record operator:operator") != NULL;
}

/*
 * Whether verify caught the mutation: exit 4 and a message naming the event or record. When the
 * anchor is what fails, the text names the anchored head rather than an event, so the event is
 * taken from the JSON report (first_bad_event) instead.
 */
static bool detected(int *rc)
{
	char anchor_msg[128];

	*rc = verify_copy(use_expect_head, false);
	if (*rc != 4)
		return false;
	if (names_subject(output))
		return true;
	snprintf(anchor_msg, sizeof anchor_msg, "anchored head %s", orig_head);
	if (!use_expect_head || !strstr(output, anchor_msg))
		return false;
	*rc = verify_copy(true, true);
	anchor_only += *rc == 4 && strstr(output, "\"first_bad_event\": ");
	return *rc == 4 && strstr(output, "\"first_bad_event\": ") != NULL;
}

int main(int argc, char **argv)
{
	const char *seed_env = getenv("CG_TAMPER_SEED"), *trials_env = getenv("CG_TAMPER_TRIALS");
	const char *tmp = getenv("TMPDIR");
	struct timespec t0, t1;
	uint64_t seed;
	int trials = trials_env && *trials_env ? atoi(trials_env) : DEFAULT_TRIALS, failures = 0;
	const char *gaps_env = getenv("CG_TAMPER_GAPS");
	size_t nkinds = sizeof kinds / sizeof kinds[0] - !(gaps_env && !strcmp(gaps_env, "1"));

	if (argc != 2) {
		fprintf(stderr, "usage: tamper_test PATH-TO-CIIGUARD\n");
		return 2;
	}
	bin = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	seed = seed_env && *seed_env ? strtoull(seed_env, NULL, 0) :
	       (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ (uint64_t)t0.tv_nsec;
	rng = seed;
	printf("tamper_test: seed %" PRIu64 " (set CG_TAMPER_SEED=%" PRIu64 " to repeat)\n", seed, seed);
	unsetenv("CIIGUARD_DB");
	pg_base = getenv("CG_TEST_PG");
	if (pg_base && !*pg_base)
		pg_base = NULL;

	snprintf(dir, sizeof dir, "%s/cg-tamper-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		fprintf(stderr, "tamper_test: mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	snprintf(out_path, sizeof out_path, "%s/verify.out", dir);
	if (pg_base) {
		char name[64];

		snprintf(pg_prefix, sizeof pg_prefix, "cg_tamper_%ld", (long)getpid());
		snprintf(name, sizeof name, "%s_tmpl", pg_prefix);
		pg_admin("DROP DATABASE IF EXISTS %s", name);
		pg_admin("CREATE DATABASE %s", name);
		pg_location(tpl_path, sizeof tpl_path, name);
	} else {
		snprintf(tpl_path, sizeof tpl_path, "%s/template.db", dir);
		snprintf(copy_path, sizeof copy_path, "%s/copy.db", dir);
	}
	printf("tamper_test: backend %s, template %s\n", pg_base ? "postgresql" : "sqlite", tpl_path);
	build_template();
	printf("tamper_test: template with %lld events, %zu systems, head %.16s...\n", (long long)nevents,
	       nlive, orig_head);

	/* Controls: untouched copies verify, with and without the anchor. */
	for (int i = 0; i < CONTROLS; i++) {
		int rc;

		fresh_copy("control", i);
		if ((rc = verify_copy(i % 2 == 1, false)) != 0) {
			fprintf(stderr, "%s", output);
			die("control copy %d (%s) exited %d instead of 0", i, i % 2 ? "--expect-head" : "plain", rc);
		}
		drop_copy();
	}
	printf("tamper_test: %d unmodified copies verify with exit 0\n", CONTROLS);

	for (int t = 0; t < trials; t++) {
		struct db db;
		int rc;

		fresh_copy("trial", t);
		db_open(&db, copy_path);
		foreign_keys(&db, false);
		for (;;) {
			const struct kind *k = &kinds[below(nkinds)];

			use_expect_head = false;
			set_label(k->name);
			desc[0] = '\0';
			if (k->apply(&db))
				break;
			refused++;
		}
		db_close(&db);
		count(label);
		if (!detected(&rc)) {
			if (++failures <= MAX_FAILURES_SHOWN)
				fprintf(stderr, "tamper_test: UNDETECTED (trial %d, seed %" PRIu64 "): %s: %s\n"
					"  verify%s exited %d:\n%s\n", t, seed, label, desc,
					use_expect_head ? " --expect-head ORIGINAL" : "", rc, output);
			if (failures == 1) {
				keep_copy(t);
				continue;
			}
		}
		drop_copy();
	}

	qsort(tallies, sizeof tallies / sizeof tallies[0], sizeof tallies[0], cmp_tally);
	printf("tamper_test: %d mutations applied (%d draws refused by the database or without effect, drawn again):\n",
	       trials, refused);
	for (size_t i = 0; i < sizeof tallies / sizeof tallies[0] && tallies[i].label; i++)
		printf("  %-44s %4d\n", tallies[i].label, tallies[i].applied);
	printf("tamper_test: %d were caught by the anchor alone (--expect-head; the text names the anchored "
	       "head, the JSON report the first bad event)\n", anchor_only);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (failures)
		die("%d of %d mutations went undetected or were not named (seed %" PRIu64 ")", failures, trials, seed);
	printf("tamper_test: every mutation detected (exit 4, naming an event or record, or the anchor "
	       "and, in the JSON report, the first bad event); PASS on %s in %.1f s\n",
	       pg_base ? "postgresql" : "sqlite",
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (pg_base) {
		pg_admin("DROP DATABASE IF EXISTS %s_tmpl WITH (FORCE)", pg_prefix);
		PQfinish(pg_admin_conn);
	} else {
		remove_db(tpl_path);
	}
	unlink(out_path);
	rmdir(dir);
	for (size_t i = 0; i < nlive; i++)
		free(live_ids[i]);
	free(tpl_data);
	return 0;
}
