/*
 * Crash test: SIGKILLs ciiguard writes at random moments, then checks that every acknowledged
 * write survived, every import is all or nothing, and the audit trail verifies. On SQLite by
 * default; on a fresh PostgreSQL database of its own when CG_TEST_PG holds the URI of the
 * "postgres" database of a throwaway cluster.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
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

#include "ciiguard/audit.h"
#include "ciiguard/store.h"
#include "ciiguard/system.h"

#define IMPORT_SIZE 200    /* systems per import */
#define MIN_WRITES 300     /* writes killed at a random moment */
#define MIN_KILLS 50       /* kills that landed while the child still ran */
#define MAX_WRITES 1000    /* the cap when kills keep landing too late */
#define CALIBRATION_RUNS 5 /* unkilled runs per kind; the median is how long a write takes */
#define CALIBRATE_EVERY 10 /* then one unkilled write per this many killed ones */

enum kind { W_ADD, W_IMPORT };

/* One write the test started; `num` numbers its ids. */
struct write {
	enum kind kind;
	int num;
	bool acked;  /* exited 0 before the kill */
	bool killed; /* the kill landed while it ran */
	size_t present;
};

static const char *bin;
static char dir[4096], db[4200], import_path[4200], out_path[4200];
static uint64_t rng;
/* On PostgreSQL: the maintenance URI from CG_TEST_PG and the name of the database made here. */
static const char *pg_base;
static char pg_name[64];

/* splitmix64: small, seedable, good enough to spread delays and kinds. */
static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double rnd_unit(void)
{
	return (double)(rnd() >> 11) / 9007199254740992.0;
}

static double now_sec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_sec(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("crash_test: FAIL: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\ncrash_test: the files are kept in %s\n", dir);
	if (pg_name[0])
		fprintf(stderr, "crash_test: the PostgreSQL database is kept: %s\n", db);
	exit(1);
}

/* Runs one statement on the maintenance database of CG_TEST_PG; dies when it fails. */
static void pg_admin(const char *sql)
{
	PGconn *c = PQconnectdb(pg_base);
	PGresult *r = PQstatus(c) == CONNECTION_OK ? PQexec(c, sql) : NULL;

	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		char msg[512];
		snprintf(msg, sizeof msg, "%s", PQerrorMessage(c));
		PQclear(r);
		PQfinish(c);
		die("CG_TEST_PG: %s: %s", sql, msg);
	}
	PQclear(r);
	PQfinish(c);
}

/*
 * Creates a fresh database `pg_name` beside the maintenance database and puts its URI in `db`:
 * "/postgres?" (or a final "/postgres") in the URI becomes "/NAME?".
 */
static void pg_create_db(void)
{
	const char *q = strstr(pg_base, "/postgres?");
	char sql[128];
	size_t len = strlen(pg_base);

	if (!q && len >= 9 && strcmp(pg_base + len - 9, "/postgres") == 0)
		q = pg_base + len - 9;
	if (!q)
		die("CG_TEST_PG must name the \"postgres\" database (.../postgres?...): %s", pg_base);
	snprintf(pg_name, sizeof pg_name, "cg_crash_%ld", (long)getpid());
	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", pg_name);
	pg_admin(sql);
	snprintf(sql, sizeof sql, "CREATE DATABASE %s", pg_name);
	pg_admin(sql);
	if (snprintf(db, sizeof db, "%.*s/%s%s", (int)(q - pg_base), pg_base, pg_name,
		     q + strlen("/postgres")) >= (int)sizeof db)
		die("CG_TEST_PG is too long");
}

/* Prints the output of the last child, for failure messages. */
static void dump_output(void)
{
	char buf[4096];
	FILE *f = fopen(out_path, "r");
	size_t n;

	if (!f)
		return;
	fputs("--- output of the ciiguard run ---\n", stderr);
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		fwrite(buf, 1, n, stderr);
	fputs("--- end ---\n", stderr);
	fclose(f);
}

/* Starts `bin argv...` with stdout and stderr going to out_path. */
static pid_t spawn(const char *const argv[])
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int in = open("/dev/null", O_RDONLY);
		if (fd < 0 || in < 0 || dup2(in, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(126);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	return pid;
}

static int run(const char *const argv[])
{
	int status;
	pid_t pid = spawn(argv);

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid: %s", strerror(errno));
	return status;
}

static void add_id(char *out, size_t n, int num)
{
	snprintf(out, n, "s%04d", num);
}

static void import_id(char *out, size_t n, int num, int k)
{
	snprintf(out, n, "i%04d-%03d", num, k);
}

/* Writes the import file for write `num`: IMPORT_SIZE fresh systems, each linked to the one before. */
static void write_import(int num)
{
	FILE *f = fopen(import_path, "w");
	char id[32], prev[32];

	if (!f)
		die("cannot write %s: %s", import_path, strerror(errno));
	fputc('[', f);
	for (int k = 0; k < IMPORT_SIZE; k++) {
		import_id(id, sizeof id, num, k);
		fprintf(f, "%s{\"id\":\"%s\",\"name\":\"Imported system %d/%d\",\"sector\":\"energy\","
			"\"supports_core_business\":%s,\"harm_if_compromised\":\"moderate\","
			"\"status\":\"production\",\"users\":%d",
			k ? ",\n" : "", id, num, k, k % 2 ? "true" : "false", k * 7);
		if (k) {
			import_id(prev, sizeof prev, num, k - 1);
			fprintf(f, ",\"links\":[{\"to\":\"%s\",\"kind\":\"depends_on\"}]", prev);
		}
		fputc('}', f);
	}
	fputs("]\n", f);
	if (fclose(f) != 0)
		die("cannot write %s: %s", import_path, strerror(errno));
}

/* Starts write `w` (preparing its input first) and returns the child. */
static pid_t start_write(const struct write *w)
{
	static char id[32], name[64];

	if (w->kind == W_ADD) {
		add_id(id, sizeof id, w->num);
		snprintf(name, sizeof name, "System %d", w->num);
		const char *argv[] = { bin, "--db", db, "system", "add", "--id", id, "--name", name,
			"--sector", "energy", "--supports-core-business", "yes",
			"--harm-if-compromised", "moderate", "--status", "production", NULL };
		return spawn(argv);
	}
	write_import(w->num);
	const char *argv[] = { bin, "--db", db, "system", "import", import_path, NULL };
	return spawn(argv);
}

static void reap(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			die("waitpid: %s", strerror(errno));
}

/* Classifies how a write ended; anything but exit 0 or our SIGKILL is a failure. */
static void classify(struct write *w, int status)
{
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
		w->killed = true;
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		w->acked = true;
	} else {
		dump_output();
		die("write %d (%s) ended with status %#x instead of exit 0 or SIGKILL", w->num,
		    w->kind == W_ADD ? "system add" : "system import", (unsigned)status);
	}
}

struct event_count {
	int64_t creates, other;
};

static int count_event(const struct cg_audit_event *ev, void *ud)
{
	struct event_count *c = ud;

	if (strcmp(ev->entity_type, "system") == 0) {
		if (strcmp(ev->action, "create") == 0)
			c->creates++;
		else
			c->other++;
	}
	return 0;
}

static int count_system(const struct cg_system *s, void *ud)
{
	(void)s;
	++*(int64_t *)ud;
	return 0;
}

static bool has_system(struct cg_store *st, const char *id)
{
	struct cg_system s;
	struct cg_error err;
	cg_code r;

	cg_error_init(&err, CG_LANG_EN);
	cg_system_init(&s);
	r = cg_system_get(st, id, &s, &err);
	if (r == CG_OK && (strcmp(s.id, id) != 0 || s.corrupt))
		die("system %s reads back wrong (id %s, corrupt %s)", id, s.id, s.corrupt ? s.corrupt : "-");
	cg_system_release(&s);
	if (r != CG_OK && r != CG_E_NOTFOUND)
		die("reading system %s: %s", id, err.message);
	return r == CG_OK;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The last CALIBRATION_RUNS durations of unkilled writes, per kind. */
static double samples[2][CALIBRATION_RUNS];
static int nsamples[2];

/* The median of the recent unkilled durations of `kind`, in seconds. */
static double estimate(enum kind kind)
{
	double t[CALIBRATION_RUNS];
	int n = nsamples[kind] < CALIBRATION_RUNS ? nsamples[kind] : CALIBRATION_RUNS;

	memcpy(t, samples[kind], sizeof t);
	qsort(t, (size_t)n, sizeof t[0], cmp_double);
	return n ? t[n / 2] : 0.05;
}

/* Runs write `c` (number `num`, of `kind`) to completion, recording how long it took. */
static void calibrate(struct write *c, int num, enum kind kind)
{
	double t0 = now_sec();
	int status;

	c->kind = kind;
	c->num = num;
	reap(start_write(c), &status);
	samples[kind][nsamples[kind]++ % CALIBRATION_RUNS] = now_sec() - t0;
	classify(c, status);
}

static void remove_files(void)
{
	const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	char p[4300];

	if (pg_name[0]) {
		char sql[128];
		/* Every client has exited; WITH (FORCE) also ends a server process still winding down. */
		snprintf(sql, sizeof sql, "DROP DATABASE %s WITH (FORCE)", pg_name);
		pg_admin(sql);
	} else {
		for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
			snprintf(p, sizeof p, "%s%s", db, suffix[i]);
			unlink(p);
		}
	}
	unlink(import_path);
	unlink(out_path);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	struct write *w;
	size_t nw = 0;
	double t_start = now_sec();
	const char *seed_env = getenv("CG_CRASH_SEED"), *tmp = getenv("TMPDIR");
	uint64_t seed;
	int attempts = 0, calibrated = 0, kills = 0, acked = 0, unacked_committed = 0, unacked_absent = 0, status;
	int killed_imports_committed = 0, imports = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: crash_test PATH-TO-CIIGUARD\n");
		return 2;
	}
	bin = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	seed = seed_env && *seed_env ? strtoull(seed_env, NULL, 0) :
	       (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(now_sec() * 1e6);
	rng = seed;
	printf("crash_test: seed %" PRIu64 " (set CG_CRASH_SEED=%" PRIu64 " to repeat)\n", seed, seed);
	unsetenv("CIIGUARD_SYNCHRONOUS"); /* durability is what is under test */
	unsetenv("CIIGUARD_DB");
	pg_base = getenv("CG_TEST_PG");
	if (pg_base && !*pg_base)
		pg_base = NULL;

	snprintf(dir, sizeof dir, "%s/cg-crash-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		fprintf(stderr, "crash_test: mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	if (pg_base)
		pg_create_db();
	else
		snprintf(db, sizeof db, "%s/crash.db", dir);
	printf("crash_test: backend %s, database %s\n", pg_base ? "postgresql" : "sqlite", db);
	snprintf(import_path, sizeof import_path, "%s/import.json", dir);
	snprintf(out_path, sizeof out_path, "%s/out.txt", dir);
	if (!(w = calloc(MAX_WRITES, sizeof *w)))
		die("out of memory");

	const char *init[] = { bin, "--db", db, "init", "--name", "Crash Test Grid Co", "--sector",
			       "energy", "--protection-department", "Energy Bureau", NULL };
	status = run(init);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		dump_output();
		die("ciiguard init failed (status %#x)", (unsigned)status);
	}

	/*
	 * Calibration: how long one write of each kind takes when left alone. The machine's load
	 * varies, so every CALIBRATE_EVERY-th write is also left alone to keep the estimate fresh.
	 */
	for (int k = 0; k < 2 * CALIBRATION_RUNS; k++, nw++)
		calibrate(&w[nw], (int)nw, k < CALIBRATION_RUNS ? W_ADD : W_IMPORT);
	printf("crash_test: an unkilled 'system add' takes %.1f ms, a %d-system import %.1f ms; "
	       "kill delays are drawn from [0, 1.5x] of the current estimate\n",
	       estimate(W_ADD) * 1e3, IMPORT_SIZE, estimate(W_IMPORT) * 1e3);

	/* The crashes: each write is killed after a random delay, the next starts at once. */
	while (nw < MAX_WRITES && (attempts < MIN_WRITES || kills < MIN_KILLS)) {
		struct write *c = &w[nw];
		double delay, t0;
		pid_t pid;

		if (attempts && attempts % CALIBRATE_EVERY == 0 && calibrated != attempts) {
			calibrated = attempts;
			calibrate(c, (int)nw++, (enum kind)((attempts / CALIBRATE_EVERY) % 2));
			continue;
		}
		c->kind = rnd() % 3 == 0 ? W_IMPORT : W_ADD;
		c->num = (int)nw++;
		attempts++;
		delay = rnd_unit() * 1.5 * estimate(c->kind);
		pid = start_write(c);
		t0 = now_sec();
		/* Poll rather than sleep, so that a write that finishes early is not waited for. */
		for (;;) {
			pid_t r = waitpid(pid, &status, WNOHANG);
			if (r == pid)
				break;
			if (r < 0 && errno != EINTR)
				die("waitpid: %s", strerror(errno));
			if (now_sec() - t0 >= delay) {
				if (kill(pid, SIGKILL) != 0 && errno != ESRCH)
					die("kill: %s", strerror(errno));
				reap(pid, &status);
				break;
			}
			sleep_sec(0.0002);
		}
		classify(c, status);
		kills += c->killed;
	}
	printf("crash_test: at the end the estimates were %.1f ms (add) and %.1f ms (import)\n",
	       estimate(W_ADD) * 1e3, estimate(W_IMPORT) * 1e3);
	if (kills < MIN_KILLS)
		die("only %d of %d kills landed while ciiguard ran (need %d)", kills, attempts, MIN_KILLS);

	/* The checks, through the library. */
	struct cg_store *st = NULL;
	struct cg_error err;
	struct event_count ec = { 0, 0 };
	int64_t systems = 0, expected = 0;
	char id[32];

	cg_error_init(&err, CG_LANG_EN);
	if (cg_store_open(db, 0, &st, &err) != CG_OK)
		die("cannot open the database after the crashes: %s", err.message);
	if (strcmp(cg_store_backend(st), pg_base ? "postgresql" : "sqlite") != 0)
		die("the store opened with backend %s", cg_store_backend(st));
	for (size_t i = 0; i < nw; i++) {
		struct write *c = &w[i];

		if (c->kind == W_ADD) {
			add_id(id, sizeof id, c->num);
			c->present = has_system(st, id);
		} else {
			imports++;
			for (int k = 0; k < IMPORT_SIZE; k++) {
				import_id(id, sizeof id, c->num, k);
				c->present += has_system(st, id);
			}
			if (c->present != 0 && c->present != IMPORT_SIZE)
				die("import %d (%s) is partial: %zu of %d systems present (seed %" PRIu64 ")",
				    c->num, c->acked ? "acknowledged" : "killed", c->present, IMPORT_SIZE, seed);
		}
		if (c->acked && !c->present)
			die("acknowledged %s %d is missing (seed %" PRIu64 ")",
			    c->kind == W_ADD ? "system add" : "import", c->num, seed);
		acked += c->acked;
		if (!c->acked) {
			unacked_committed += c->present > 0;
			unacked_absent += c->present == 0;
		}
		killed_imports_committed += c->kind == W_IMPORT && !c->acked && c->present;
		expected += (int64_t)c->present;
	}
	if (cg_system_each(st, count_system, &systems, &err) != CG_OK)
		die("listing systems: %s", err.message);
	if (cg_audit_each(st, NULL, 0, 0, count_event, &ec, &err) != CG_OK)
		die("reading the audit trail: %s", err.message);
	cg_store_free(st);
	if (systems != expected)
		die("%" PRId64 " systems stored, but the writes account for %" PRId64, systems, expected);
	if (ec.creates != systems || ec.other != 0)
		die("%" PRId64 " 'create system' events and %" PRId64 " other system events for %" PRId64
		    " systems", ec.creates, ec.other, systems);

	/* And the command line's own verdict. */
	const char *verify[] = { bin, "--db", db, "audit", "verify", NULL };
	status = run(verify);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		dump_output();
		die("'ciiguard audit verify' exited with status %#x after the crashes (seed %" PRIu64 ")",
		    (unsigned)status, seed);
	}

	printf("crash_test: %zu writes (%d imports of %d systems, %zu single adds), %d kills landed "
	       "before exit\n", nw, imports, IMPORT_SIZE, nw - (size_t)imports, kills);
	printf("crash_test: %d acknowledged writes, all present; %d unacknowledged writes committed "
	       "anyway (%d of them imports), %d left no trace\n",
	       acked, unacked_committed, killed_imports_committed, unacked_absent);
	printf("crash_test: %" PRId64 " systems, %" PRId64 " 'create system' events, audit verify "
	       "exits 0; every import all or nothing\n", systems, ec.creates);
	printf("crash_test: PASS on %s in %.1f s\n", pg_base ? "postgresql" : "sqlite", now_sec() - t_start);
	free(w);
	remove_files();
	return 0;
}
