/*
 * Concurrency test: NPROC processes, started together, each add NWRITES systems through the
 * library, one transaction per write, to the same database. Afterwards every write is there
 * exactly once, the audit trail holds one 'create' event per system, each process's events
 * appear in the order it wrote them, the chain has no gaps and cg_audit_verify() passes.
 *
 * On SQLite (a temporary file) the writers wait on the database lock (busy timeout 15 s in
 * lib/store_sqlite.c); a write that still fails as busy is retried and counted. When CG_TEST_PG
 * holds the URI of the "postgres" database of a throwaway cluster, the test creates a database
 * of its own there, and the writers serialise on the advisory lock taken in pg_begin.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <libpq-fe.h>

#include "ciiguard/audit.h"
#include "ciiguard/store.h"
#include "ciiguard/system.h"

#define NPROC 4
#define NWRITES 1000
#define MAX_RETRIES 200 /* per write: busy answers in a row before the child gives up */

/* What each child reports back, in memory shared with the parent. */
struct report {
	int done;         /* writes committed */
	int64_t retries;  /* writes repeated after a busy answer */
	double seconds;   /* from the start signal to the last commit */
	char error[1100]; /* the failure, "" when none */
};

static char dir[4096], db[4200];
static const char *pg_base;
static char pg_name[64];

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("concurrency_test: FAIL: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nconcurrency_test: the database is kept: %s\n", db);
	exit(1);
}

static double now_sec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void quiet_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* Runs one statement on the maintenance database of CG_TEST_PG; dies when it fails. */
static void pg_admin(const char *sql)
{
	PGconn *c = PQconnectdb(pg_base);
	PGresult *r;

	if (PQstatus(c) != CONNECTION_OK)
		die("CG_TEST_PG: cannot connect to %s: %s", pg_base, PQerrorMessage(c));
	PQsetNoticeProcessor(c, quiet_notice, NULL);
	r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		die("CG_TEST_PG: %s: %s", sql, PQresultErrorMessage(r));
	PQclear(r);
	PQfinish(c);
}

/* Creates a fresh database beside "postgres" and puts its URI ("/postgres?" -> "/NAME?") in db. */
static void pg_create_db(void)
{
	const char *q = strstr(pg_base, "/postgres?");
	char sql[128];
	size_t len = strlen(pg_base);

	if (!q && len >= 9 && strcmp(pg_base + len - 9, "/postgres") == 0)
		q = pg_base + len - 9;
	if (!q)
		die("CG_TEST_PG must name the \"postgres\" database (.../postgres?...): %s", pg_base);
	snprintf(pg_name, sizeof pg_name, "cg_concurrency_%ld", (long)getpid());
	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", pg_name);
	pg_admin(sql);
	snprintf(sql, sizeof sql, "CREATE DATABASE %s", pg_name);
	pg_admin(sql);
	if (snprintf(db, sizeof db, "%.*s/%s%s", (int)(q - pg_base), pg_base, pg_name,
		     q + strlen("/postgres")) >= (int)sizeof db)
		die("CG_TEST_PG is too long");
}

static void system_id(char *out, size_t n, int proc, int i)
{
	snprintf(out, n, "p%d-%04d", proc, i);
}

/* Parses "pK-NNNN"; false when `id` is not one of ours. */
static bool parse_id(const char *id, int *proc, int *i)
{
	char tail;

	return id && sscanf(id, "p%d-%d%c", proc, i, &tail) == 2 && *proc >= 0 && *proc < NPROC &&
	       *i >= 0 && *i < NWRITES;
}

static bool is_busy(const struct cg_error *err)
{
	/* Both backends report a lock they could not get as CG_E_STORE with this message. */
	return err->code == CG_E_STORE && strstr(err->message, "database is busy") != NULL;
}

/* One writer: waits for the start signal, then adds its NWRITES systems one by one. */
static void child(int proc, int ready_fd, int go_fd, struct report *rep)
{
	struct cg_store *st = NULL;
	struct cg_error err;
	char actor[32], id[32], name[64];
	double t0;
	char c;

	cg_error_init(&err, CG_LANG_EN);
	snprintf(actor, sizeof actor, "proc-%d", proc);
	if (cg_store_open(db, 0, &st, &err) != CG_OK) {
		snprintf(rep->error, sizeof rep->error, "cannot open the store: %s", err.message);
		_exit(1);
	}
	/* Ready, then wait: `go` reads end of file when the parent closes it. Closing `ready` here
	 * lets the parent see end of file once every writer is ready or dead. */
	if (write(ready_fd, "r", 1) != 1 || close(ready_fd) != 0 || read(go_fd, &c, 1) != 0) {
		snprintf(rep->error, sizeof rep->error, "the start signal failed: %s", strerror(errno));
		_exit(1);
	}
	t0 = now_sec();
	for (int i = 0; i < NWRITES; i++) {
		struct cg_system s;
		int busy = 0;
		cg_code r;

		system_id(id, sizeof id, proc, i);
		snprintf(name, sizeof name, "Concurrent system %d of process %d", i, proc);
		cg_system_init(&s);
		if (cg_system_set_field(&s, "id", id, &err) || cg_system_set_field(&s, "name", name, &err) ||
		    cg_system_set_field(&s, "sector", i % 2 ? "energy" : "water", &err) ||
		    cg_system_set_field(&s, "supports_core_business", "yes", &err) ||
		    cg_system_set_field(&s, "harm_if_compromised", "moderate", &err) ||
		    cg_system_set_field(&s, "status", "production", &err)) {
			snprintf(rep->error, sizeof rep->error, "building system %s: %s", id, err.message);
			_exit(1);
		}
		while ((r = cg_system_add(st, actor, &s, &err)) != CG_OK && is_busy(&err) && busy < MAX_RETRIES) {
			busy++;
			rep->retries++;
		}
		cg_system_release(&s);
		if (r != CG_OK) {
			/* CG_E_EXISTS after a busy answer: the write reported as failed had committed. */
			snprintf(rep->error, sizeof rep->error, "write %d (%s) failed%s: %s", i, id,
				 busy ? " after busy answers" : "", err.message);
			cg_store_free(st);
			_exit(1);
		}
		rep->done++;
	}
	rep->seconds = now_sec() - t0;
	cg_store_free(st);
	_exit(0);
}

/* The checks over the audit trail, event by event. */
struct walk {
	int64_t events, creates, other, switches;
	int64_t last_seq;
	char last_hash[CG_HASH_HEX];
	int last_proc;
	int next[NPROC]; /* the number of the next system each process must have written */
};

static int check_event(const struct cg_audit_event *ev, void *ud)
{
	struct walk *w = ud;
	char actor[32];
	int proc, i;

	w->events++;
	if (ev->seq != w->last_seq + 1)
		die("the chain has a gap: event %" PRId64 " follows event %" PRId64, ev->seq, w->last_seq);
	if (strcmp(ev->prev_hash, w->last_hash) != 0)
		die("event %" PRId64 " does not link to the hash of event %" PRId64, ev->seq, w->last_seq);
	w->last_seq = ev->seq;
	snprintf(w->last_hash, sizeof w->last_hash, "%s", ev->hash);
	if (strcmp(ev->entity_type, "system") != 0 || strcmp(ev->action, "create") != 0) {
		w->other++;
		return 0;
	}
	w->creates++;
	if (!parse_id(ev->entity_id, &proc, &i))
		die("event %" PRId64 " creates system %s, which no writer added", ev->seq, ev->entity_id);
	snprintf(actor, sizeof actor, "proc-%d", proc);
	if (strcmp(ev->actor, actor) != 0)
		die("event %" PRId64 " (system %s) names actor %s instead of %s", ev->seq, ev->entity_id,
		    ev->actor, actor);
	if (i != w->next[proc])
		die("event %" PRId64 ": process %d's system %d appears where its system %d was due "
		    "(a process's events out of order, lost or repeated)", ev->seq, proc, i, w->next[proc]);
	w->next[proc]++;
	if (w->events > 1 && proc != w->last_proc)
		w->switches++;
	w->last_proc = proc;
	return 0;
}

static int check_system(const struct cg_system *s, void *ud)
{
	bool *seen = ud;
	int proc, i;

	if (!parse_id(s->id, &proc, &i))
		die("an unexpected system %s is stored", s->id);
	if (seen[proc * NWRITES + i])
		die("system %s is listed twice", s->id);
	if (s->corrupt)
		die("system %s reads back corrupt: %s", s->id, s->corrupt);
	seen[proc * NWRITES + i] = true;
	return 0;
}

int main(void)
{
	struct report *reps;
	struct cg_store *st = NULL;
	struct cg_error err;
	struct cg_audit_report vrep;
	struct walk w;
	bool *seen;
	pid_t pids[NPROC];
	int ready[2], go[2], failed = 0, status;
	int64_t retries = 0, systems = 0, head_count = 0;
	char head[CG_HASH_HEX];
	const char *tmp = getenv("TMPDIR");
	double t0, elapsed;

	setvbuf(stdout, NULL, _IOLBF, 0);
	unsetenv("CIIGUARD_DB");
	cg_error_init(&err, CG_LANG_EN);
	pg_base = getenv("CG_TEST_PG");
	if (pg_base && !*pg_base)
		pg_base = NULL;
	if (pg_base) {
		pg_create_db();
	} else {
		snprintf(dir, sizeof dir, "%s/cg-concurrency-XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(dir))
			die("mkdtemp: %s", strerror(errno));
		snprintf(db, sizeof db, "%s/concurrency.db", dir);
	}

	/* The schema first, so that the writers do not race to create it. */
	if (cg_store_open(db, CG_STORE_CREATE, &st, &err) != CG_OK)
		die("cannot create the database: %s", err.message);
	printf("concurrency_test: backend %s, database %s; %d processes x %d writes, one transaction each\n",
	       cg_store_backend(st), db, NPROC, NWRITES);
	if (strcmp(cg_store_backend(st), pg_base ? "postgresql" : "sqlite") != 0)
		die("the store opened with backend %s", cg_store_backend(st));
	cg_store_free(st);
	st = NULL;

	reps = mmap(NULL, NPROC * sizeof *reps, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (reps == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	memset(reps, 0, NPROC * sizeof *reps);
	if (pipe(ready) != 0 || pipe(go) != 0)
		die("pipe: %s", strerror(errno));
	fflush(NULL);
	for (int k = 0; k < NPROC; k++) {
		if ((pids[k] = fork()) < 0)
			die("fork: %s", strerror(errno));
		if (pids[k] == 0) {
			close(ready[0]);
			close(go[1]);
			child(k, ready[1], go[0], &reps[k]);
		}
	}
	close(ready[1]);
	close(go[0]);
	/* Once every writer has its connection open (or has failed, which its report says),
	 * closing `go` releases them all at once. */
	for (;;) {
		char c;
		ssize_t n = read(ready[0], &c, 1);
		if (n == 0 || (n < 0 && errno != EINTR))
			break;
	}
	t0 = now_sec();
	close(go[1]);
	for (int k = 0; k < NPROC; k++) {
		while (waitpid(pids[k], &status, 0) < 0)
			if (errno != EINTR)
				die("waitpid: %s", strerror(errno));
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "concurrency_test: process %d ended with status %#x after %d writes: %s\n", k,
				(unsigned)status, reps[k].done, reps[k].error[0] ? reps[k].error : "(no report)");
			failed++;
		}
	}
	elapsed = now_sec() - t0;
	close(ready[0]);
	for (int k = 0; k < NPROC; k++) {
		retries += reps[k].retries;
		printf("concurrency_test: process %d: %d writes in %.2f s, %" PRId64 " retried after a busy answer\n",
		       k, reps[k].done, reps[k].seconds, reps[k].retries);
	}
	if (failed)
		die("%d of %d writers failed", failed, NPROC);
	printf("concurrency_test: %d writes in %.2f s: %.0f writes/s (for information), %" PRId64
	       " busy retries in all\n", NPROC * NWRITES, elapsed, NPROC * NWRITES / elapsed, retries);

	/* The checks, through the library. */
	if (!(seen = calloc(NPROC * NWRITES, sizeof *seen)))
		die("out of memory");
	memset(&w, 0, sizeof w);
	memcpy(w.last_hash, CG_AUDIT_GENESIS, sizeof w.last_hash);
	w.last_proc = -1;
	if (cg_store_open(db, 0, &st, &err) != CG_OK)
		die("cannot open the database after the run: %s", err.message);
	if (cg_system_each(st, check_system, seen, &err) != CG_OK)
		die("listing systems: %s", err.message);
	for (int k = 0; k < NPROC * NWRITES; k++) {
		if (!seen[k])
			die("system p%d-%04d is missing", k / NWRITES, k % NWRITES);
		systems++;
	}
	if (cg_audit_each(st, NULL, 0, 0, check_event, &w, &err) != CG_OK)
		die("reading the audit trail: %s", err.message);
	if (w.creates != NPROC * NWRITES || w.other != 0)
		die("%" PRId64 " 'create system' events and %" PRId64 " other events for %d writes", w.creates,
		    w.other, NPROC * NWRITES);
	for (int k = 0; k < NPROC; k++)
		if (w.next[k] != NWRITES)
			die("process %d has %d events instead of %d", k, w.next[k], NWRITES);
	if (cg_audit_head(st, &head_count, head, &err) != CG_OK)
		die("reading the audit head: %s", err.message);
	if (head_count != w.events || head_count != w.last_seq || strcmp(head, w.last_hash) != 0)
		die("the head (%" PRId64 " events, %.16s...) is not the last event walked (%" PRId64 ", %.16s...)",
		    head_count, head, w.last_seq, w.last_hash);
	memset(&vrep, 0, sizeof vrep);
	if (cg_audit_verify(st, NULL, &vrep, &err) != CG_OK)
		die("audit verify: %s", err.message);
	if (vrep.events != w.events || vrep.records != systems)
		die("audit verify checked %" PRId64 " events and %" PRId64 " records; expected %" PRId64 " and %" PRId64,
		    vrep.events, vrep.records, w.events, systems);
	cg_store_free(st);

	printf("concurrency_test: %" PRId64 " systems, %" PRId64 " 'create system' events and %" PRId64
	       " others; events 1..%" PRId64 " chained without gaps; each process's events in its order\n",
	       systems, w.creates, w.other, w.last_seq);
	printf("concurrency_test: the writers took turns %" PRId64 " times in the trail (consecutive events "
	       "from different processes)\n", w.switches);
	printf("concurrency_test: audit verify passes (%" PRId64 " events, %" PRId64 " records, head %.16s...)\n",
	       vrep.events, vrep.records, vrep.head);
	printf("concurrency_test: PASS on %s\n", pg_base ? "postgresql" : "sqlite");

	free(seen);
	munmap(reps, NPROC * sizeof *reps);
	if (pg_base) {
		char sql[128];
		snprintf(sql, sizeof sql, "DROP DATABASE %s WITH (FORCE)", pg_name);
		pg_admin(sql);
	} else {
		char p[4300];
		const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
		for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
			snprintf(p, sizeof p, "%s%s", db, suffix[i]);
			unlink(p);
		}
		rmdir(dir);
	}
	return 0;
}
