/*
 * `ciiguard serve`: the HTTP API (/api/v1) on libmicrohttpd, a thread pool with epoll. Each
 * pool thread keeps its own database connection and catalog. Requests are authenticated by
 * bearer tokens (`ciiguard token create`), checked against the role's permissions, and every
 * write is audited with the acting user ("api:NAME"). Errors are RFC 9457 problem+json naming
 * the field at fault. Limits: body size (413), header and URL size (MHD's memory limit: 431 or
 * 414), slow clients (timeout), connections (a global and a per-address limit).
 */
#define _GNU_SOURCE /* pthread_setname_np: the server's own threads are named for top -H and perf */
#include <errno.h>
#include <stdarg.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include <openssl/crypto.h>

#include "cli.h"
#include "ciiguard/account.h"
#include "ciiguard/csv.h"
#include "ciiguard/json.h"
#include "ciiguard/obligation.h"
#include "ciiguard/register.h"
#include "banned.h"

static const char help[] = N_(
	"Usage: ciiguard serve [--listen ADDRESS:PORT] [--tls-cert FILE --tls-key FILE]\n"
	"                      [--threads N] [--max-body BYTES] [--body-timeout SECONDS]\n\n"
	"Serves the HTTP API (/api/v1, described by /api/v1/openapi.json) on ADDRESS:PORT\n"
	"(default 127.0.0.1:8080), over TLS when a certificate and key are given. Requests carry\n"
	"'Authorization: Bearer TOKEN' (ciiguard token create). /healthz and /metrics\n"
	"(Prometheus text) need no token. The web console is at / (it signs in with a user's\n"
	"password). Logs go to standard error, one JSON object per line.\n"
	"--max-body limits a JSON body (default 1048576 bytes); --body-timeout the time a\n"
	"request's body may take to arrive (default 120 s; a slower one's connection is closed).\n"
	"Stops on SIGINT or SIGTERM.\n");

enum { MAX_PARTS = 8, CACHE = 16, TOKEN_TTL_MS = 5000 };

/* docs/openapi.json, compiled in */
extern const unsigned char cg_openapi_json[];
extern const size_t cg_openapi_json_len;

/* --- metrics --- */

static const char *const route_names[] = {
	"other", "healthz", "metrics", "openapi", "me", "status", "gaps", "exposure", "due", "obligations",
	"registers_findings", "systems_list", "systems_create", "system_get", "system_put", "system_delete",
	"system_screening", "incidents_list", "incidents_create", "incident_get", "grade", "register_list",
	"register_create", "register_get", "register_put", "register_delete", "register_approve", "audit_verify",
	"audit_log", "login", "session", "logout", "users_list", "user_create", "user_put", "tokens_list",
	"token_create", "token_delete", "incident_grade", "incident_report", "incident_put", "incident_close",
	"incident_action", "incident_submit", "obligation_set", "evidence_list", "evidence_add", "evidence_get",
	"catalogs_list", "catalog_import", "catalog_get", "catalog_item", "screen_input", "screen_record",
	"screen_history", "operator_get", "operator_put", "me_put", "register_kinds", "console", "summary",
	"audit_head", "systems_import", "register_import", "register_export", NULL
};
enum { NROUTES = sizeof route_names / sizeof route_names[0] - 1 };
/* the routes that change a user (their index in route_names) */
enum { R_USER_CREATE = 33, R_USER_PUT = 34, R_ME_PUT = 57 };
static const double buckets[] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5 };
enum { NBUCKETS = sizeof buckets / sizeof buckets[0] };
/* syncs of the log: most take a millisecond or less, and the slow ones make the slow writes */
static const double sync_buckets[] = { 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5 };
enum { NSYNCBUCKETS = sizeof sync_buckets / sizeof sync_buckets[0] };

static struct {
	_Atomic uint64_t by_class[NROUTES][6]; /* 1xx..5xx by hundreds */
	_Atomic uint64_t hist[NROUTES][NBUCKETS + 1];
	_Atomic uint64_t sum_us[NROUTES];
	_Atomic uint64_t denied, unauthenticated, login_failed, throttled, slow_bodies;
	/* batched writes: batches, their requests; group commit: syncs of the log and checkpoints
	 * (by the checkpointer, by the writer), and the time they took */
	_Atomic uint64_t batches, batched, batch_retries, writer_us, sync_us, ckpts[2], ckpt_us[2];
	_Atomic uint64_t sync_hist[NSYNCBUCKETS + 1]; /* syncs by duration: their count too */
} M;

/* --- the server --- */

static struct {
	const char *db;
	size_t body_max;
	int64_t body_us; /* the time a body may take to arrive */
	struct cli *cli;
	pthread_key_t key;
	bool tls;
} S;

/* Changed by every change of a user through this server (its language, disabled, password): the
 * token caches of all threads forget what they checked before. */
static _Atomic uint64_t users_gen;

/* A read cache of GET /systems/ID, on PostgreSQL only: valid while the listener thread hears the
 * database's change notifications (cg_store_listen). Any committed write, by this server or any
 * other ciiguard process, moves data_gen on, and every cached entry of an older generation is
 * dropped. A write of this server moves it before its response leaves; another process's write
 * is seen when its notification arrives, well under a millisecond on one machine. */
static _Atomic uint64_t data_gen;
static atomic_bool cache_live;
static struct {
	pthread_t thread;
	bool running;
	atomic_bool stop;
} LS;
enum { SCACHE = 8, SCACHE_ID = 72 };

/* What a pool thread keeps: its connection, its catalog, recently checked tokens. */
struct tctx {
	struct cg_store *st;
	struct cg_catalog *cat;
	char cat_mark[128];
	struct {
		char token[CG_TOKEN_MAX];
		char user[CG_USER_MAX + 1], role[32], scope[8], lang[4];
		int64_t until;
		uint64_t gen; /* users_gen when checked */
	} cache[CACHE];
	unsigned next;
	struct {
		char id[SCACHE_ID], tag[CG_HASH_HEX + 4];
		uint64_t gen;
		char *body;
		size_t len;
	} sys[SCACHE];
	unsigned sys_next;
};

static void tctx_free(void *p)
{
	struct tctx *t = p;
	if (!t)
		return;
	cg_catalog_free(t->cat);
	cg_store_free(t->st);
	for (unsigned i = 0; i < SCACHE; i++)
		free(t->sys[i].body);
	OPENSSL_cleanse(t->cache, sizeof t->cache);
	free(t);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* One request in progress. */
struct req {
	char *body;
	size_t len, cap, max; /* cap: the bytes allocated for body, its NUL included */
	bool too_large, done;
	bool nul_in_url; /* %00 in the request line: decoded, it would cut a path or an argument short */
	bool bad_arg;    /* a query argument that is not UTF-8 (named in arg_name when its name is) */
	char arg_name[64];
	bool busy;       /* the bodies in flight would pass INFLIGHT_MAX: 503 */
	size_t reserved; /* of INFLIGHT_MAX, for its Content-Length (counted before the body comes) */
	/* A write run by the writer thread in a batch (see "batched writes"): its response waits in
	 * `stash` until the batch has committed, the connection suspended meanwhile. */
	bool deferred, resumed;
	struct MHD_Response *stash;
	json_t *stash_doc;               /* or a JSON answer, serialised by the connection's thread */
	char stash_etag[CG_HASH_HEX + 4];
	struct MHD_Connection *conn;
	enum cg_lang lang;
	bool good;
	struct call *call; /* prepared by the connection's thread */
	struct req *next;
	int route;
	unsigned status;
	int64_t t0;
	char user[CG_USER_MAX + 1];
	char method[8];
	char path[256];
};

/* What a handler works with. */
struct call {
	struct MHD_Connection *c;
	struct req *r;
	const char *method;
	char *parts[MAX_PARTS];
	int nparts;
	struct tctx *t;
	enum cg_lang lang;
	char user[CG_USER_MAX + 1], role[32], scope[8], actor[CG_USER_MAX + 8];
	bool by_cookie;           /* signed in by the console's session cookie */
	bool lang_given;          /* Accept-Language sent; else the user's own setting */
	char allow[64];           /* a 405's Allow header: the methods of the path */
	char user_lang[4];
	char csrf[CG_SESSION_HEX];
	char session[CG_SESSION_HEX];
	json_t *body;
	struct cg_error err;
	char path[256];            /* the URL, split into parts */
	/* A write checked (route, authentication, permission, body) by the connection's thread and
	 * run later by the batch writer: dispatch() only sets `run`. */
	bool prepare_only;
	enum MHD_Result (*run)(struct call *);
};

/* --- responses --- */

static enum MHD_Result respond_ex(struct call *x, unsigned status, const char *type, char *text, size_t len,
				  const char *etag, const char *cookie, const char *retry_after);

static enum MHD_Result respond(struct call *x, unsigned status, const char *type, char *text, size_t len,
			       const char *etag)
{
	return respond_ex(x, status, type, text, len, etag, NULL, NULL);
}

/* A response of text (taken, freed by MHD) with the headers every answer has; NULL on no memory. */
static struct MHD_Response *make_response(const char *type, char *text, size_t len, const char *etag,
					  const char *cookie, const char *retry_after)
{
	struct MHD_Response *res = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (!res) {
		free(text);
		return NULL;
	}
	MHD_add_response_header(res, "Content-Type", type);
	MHD_add_response_header(res, "Cache-Control", "no-store");
	MHD_add_response_header(res, "X-Content-Type-Options", "nosniff");
	if (etag)
		MHD_add_response_header(res, "ETag", etag);
	if (cookie)
		MHD_add_response_header(res, MHD_HTTP_HEADER_SET_COOKIE, cookie);
	if (retry_after)
		MHD_add_response_header(res, MHD_HTTP_HEADER_RETRY_AFTER, retry_after);
	return res;
}

/* Forgets a batched write's answer kept for later (a response, or a JSON document to serialise). */
static void stash_drop(struct req *r)
{
	if (r->stash)
		MHD_destroy_response(r->stash);
	r->stash = NULL;
	json_decref(r->stash_doc);
	r->stash_doc = NULL;
}

/* doc as compact JSON (keys in their order) and a newline (malloc'd); NULL on no memory. */
static char *json_text(json_t *doc, size_t *len)
{
	size_t n;
	char *text = doc ? cg_json_dump(doc, 0, &n) : NULL;
	if (!text)
		return NULL;
	char *t = realloc(text, n + 2);
	if (!t) {
		free(text);
		return NULL;
	}
	t[n] = '\n';
	t[n + 1] = '\0';
	*len = n + 1;
	return t;
}

static enum MHD_Result respond_ex(struct call *x, unsigned status, const char *type, char *text, size_t len,
				  const char *etag, const char *cookie, const char *retry_after)
{
	struct MHD_Response *res = make_response(type, text, len, etag, cookie, retry_after);
	enum MHD_Result ok;
	if (!res)
		return MHD_NO;
	if (status == 405 && x->allow[0])
		MHD_add_response_header(res, MHD_HTTP_HEADER_ALLOW, x->allow);
	x->r->status = status;
	/* a change answered outside a batch committed before its answer: caches drop what they read
	 * before it (a batch moves the generation itself once it commits) */
	if (!x->r->deferred && strcmp(x->r->method, "GET") != 0 && strcmp(x->r->method, "HEAD") != 0)
		atomic_fetch_add(&data_gen, 1);
	if (x->r->deferred) {
		/* queued by the connection's own thread once the batch has committed */
		stash_drop(x->r);
		x->r->stash = res;
		return MHD_YES;
	}
	ok = MHD_queue_response(x->c, status, res);
	MHD_destroy_response(res);
	return ok;
}

/* Sends doc (stolen) as JSON. A batched write's is kept as it is, and serialised by the
 * connection's thread when the batch is durable: that work leaves the writer's path. */
static enum MHD_Result send_json(struct call *x, unsigned status, json_t *doc, const char *etag)
{
	if (x->r->deferred && doc) {
		stash_drop(x->r);
		x->r->stash_doc = doc;
		snprintf(x->r->stash_etag, sizeof x->r->stash_etag, "%s", etag ? etag : "");
		x->r->status = status;
		return MHD_YES;
	}
	size_t n;
	char *t = json_text(doc, &n);
	json_decref(doc);
	return t ? respond(x, status, "application/json", t, n, etag) : MHD_NO;
}

/* The status phrase, to be translated (RFC 9457 4.2.1: the title of about:blank may follow
 * Accept-Language). */
static const char *status_title(unsigned status)
{
	switch (status) {
	case 400: return N_("Bad Request");
	case 401: return N_("Unauthorized");
	case 403: return N_("Forbidden");
	case 404: return N_("Not Found");
	case 405: return N_("Method Not Allowed");
	case 409: return N_("Conflict");
	case 412: return N_("Precondition Failed");
	case 413: return N_("Content Too Large");
	case 415: return N_("Unsupported Media Type");
	case 422: return N_("Unprocessable Content");
	case 428: return N_("Precondition Required");
	case 429: return N_("Too Many Requests");
	case 503: return N_("Service Unavailable");
	default: return N_("Internal Server Error");
	}
}

/* RFC 9457: {type, title, status, detail, field?, code?}. */
static enum MHD_Result problem(struct call *x, unsigned status, const char *code, const char *field, const char *detail)
{
	const char *title = cg_tr(x->lang, status_title(status));
	/* a detail or field that quotes the request's bytes may not be UTF-8: then the title alone */
	if ((detail && cg_utf8_valid_prefix((const unsigned char *)detail, strlen(detail)) != strlen(detail)) ||
	    (field && cg_utf8_valid_prefix((const unsigned char *)field, strlen(field)) != strlen(field)))
		detail = field = NULL;
	json_t *doc = json_pack("{s:s,s:s,s:i,s:s,s:s*,s:s*}", "type", "about:blank", "title", title,
				"status", (int)status, "detail", detail ? detail : title, "field",
				field && *field ? field : NULL, "code", code);
	char *text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(doc);
	if (!text)
		return MHD_NO;
	enum MHD_Result ok = respond(x, status, "application/problem+json", text, strlen(text), NULL);
	return ok;
}

static unsigned status_of(cg_code code)
{
	switch (code) {
	case CG_E_INVALID: return 422;
	case CG_E_NOTFOUND: return 404;
	case CG_E_EXISTS: case CG_E_CONFLICT: return 409;
	case CG_E_DENIED: return 403;
	case CG_E_USAGE: return 400;
	case CG_E_TAMPERED: return 409;
	case CG_E_NOMEM: return 503;
	default: return 500;
	}
}

static enum MHD_Result fail(struct call *x)
{
	cg_code code = x->err.code ? x->err.code : CG_E_INTERNAL;
	unsigned status = status_of(code);
	return problem(x, status, cg_code_name(code), x->err.field, status >= 500 && code != CG_E_NOMEM ?
		       cg_tr(x->lang, N_("the server could not complete the request")) : x->err.message);
}

/* `s` as the inside of a JSON string, in `out` (n bytes, cut at a whole character): quotes,
 * backslashes and control characters escaped, a byte that is not UTF-8 as U+FFFD. A client's
 * text (a path, a method, a user name) can then neither break a log line nor forge another. */
static const char *esc(char *out, size_t n, const char *s)
{
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)s; p && *p;) {
		char e[8];
		size_t el = 0, adv = 1;
		if (*p == '"' || *p == '\\') {
			e[0] = '\\', e[1] = (char)*p, el = 2;
		} else if (*p < 0x20 || *p == 0x7f) {
			el = (size_t)snprintf(e, sizeof e, "\\u%04x", *p);
		} else if (*p < 0x80) {
			e[0] = (char)*p, el = 1;
		} else {
			size_t len = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : *p >= 0xc0 ? 2 : 1;
			if (len > 1 && strnlen((const char *)p, len) == len && cg_utf8_valid_prefix(p, len) == len) {
				memcpy(e, p, len);
				el = adv = len;
			} else {
				memcpy(e, "\\ufffd", 6);
				el = 6;
			}
		}
		if (o + el >= n)
			break;
		memcpy(out + o, e, el);
		o += el;
		p += adv;
	}
	if (n)
		out[o] = '\0';
	return out;
}

static enum MHD_Result denied(struct call *x, const char *why)
{
	char m[64], path[512];
	atomic_fetch_add(&M.denied, 1);
	fprintf(stderr, "{\"event\":\"denied\",\"user\":\"%s\",\"role\":\"%s\",\"method\":\"%s\",\"path\":\"%s\",\"reason\":\"%s\"}\n",
		x->user, x->role, esc(m, sizeof m, x->r->method), esc(path, sizeof path, x->r->path), why);
	return problem(x, 403, "denied", NULL, cg_tr(x->lang, why));
}

/* --- the thread's connection and catalog --- */

static struct tctx *thread_ctx(struct cg_error *err)
{
	struct tctx *t = pthread_getspecific(S.key);
	if (t)
		return t;
	if (!(t = calloc(1, sizeof *t))) {
		cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
		return NULL;
	}
	if (cg_store_open(S.db, 0, &t->st, err) != CG_OK) {
		free(t);
		return NULL;
	}
	/* a server keeps a connection per thread for as long as it runs: 4 MiB of SQLite page cache
	 * each, not the 64 MiB a one-off import or verify gets (the file's pages stay in the OS cache);
	 * and the savepoints of a batch journal in memory, not in a temporary file per batch */
	if (strcmp(cg_store_backend(t->st), "sqlite") == 0 &&
	    cg_store_exec(t->st, "PRAGMA cache_size=-4096; PRAGMA temp_store=MEMORY", err) != CG_OK) {
		cg_store_free(t->st);
		free(t);
		return NULL;
	}
	pthread_setspecific(S.key, t);
	return t;
}

/* The catalog, loaded again when the imported libraries changed. */
static const struct cg_catalog *catalog(struct call *x)
{
	struct cg_stmt *q;
	char mark[128] = "";
	if (cg_store_prepare(x->t->st, "SELECT COUNT(*), MAX(imported_at) FROM catalogs", &q, &x->err) != CG_OK)
		return NULL;
	if (cg_stmt_step(q, &x->err) == CG_STEP_ROW)
		snprintf(mark, sizeof mark, "%lld|%s", (long long)cg_stmt_int64(q, 0), cg_stmt_text(q, 1) ? cg_stmt_text(q, 1) : "");
	cg_stmt_done(q);
	if (x->t->cat && strcmp(mark, x->t->cat_mark) == 0)
		return x->t->cat;
	cg_catalog_free(x->t->cat);
	x->t->cat = NULL;
	if (cg_catalog_open(x->t->st, &x->t->cat, &x->err) != CG_OK)
		return NULL;
	snprintf(x->t->cat_mark, sizeof x->t->cat_mark, "%s", mark);
	return x->t->cat;
}

/* --- authentication and permissions --- */

/* The user's language setting ("" when none). */
static void user_lang(struct call *x)
{
	struct cg_stmt *q;
	struct cg_error e;
	cg_error_init(&e, x->lang);
	x->user_lang[0] = '\0';
	if (cg_store_prepare(x->t->st, "SELECT lang FROM users WHERE name = ?", &q, &e) != CG_OK)
		return;
	if (cg_stmt_bind_text(q, 1, x->user) == CG_OK && cg_stmt_step(q, &e) == CG_STEP_ROW && cg_stmt_text(q, 0))
		snprintf(x->user_lang, sizeof x->user_lang, "%s", cg_stmt_text(q, 0));
	cg_stmt_done(q);
}

static bool authenticate(struct call *x)
{
	const char *h = MHD_lookup_connection_value(x->c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	int64_t now = now_ms();
	if (!h) {
		/* the console: a session cookie, and for changes its CSRF token (checked in dispatch) */
		const char *sid = MHD_lookup_connection_value(x->c, MHD_COOKIE_KIND, "cg_session");
		struct cg_error e;
		cg_error_init(&e, x->lang);
		if (!sid || cg_session_check(x->t->st, sid, x->user, x->role, x->csrf, &e) != CG_OK)
			return false;
		snprintf(x->session, sizeof x->session, "%s", sid);
		snprintf(x->scope, sizeof x->scope, "write");
		x->by_cookie = true;
		if (!x->lang_given)
			user_lang(x);
		return true;
	}
	if (strncmp(h, "Bearer ", 7) != 0)
		return false;
	const char *tok = h + 7;
	size_t n = strlen(tok);
	if (n == 0 || n >= CG_TOKEN_MAX)
		return false;
	for (unsigned i = 0; i < CACHE; i++) {
		if (x->t->cache[i].until > now && x->t->cache[i].gen == atomic_load(&users_gen) && strlen(x->t->cache[i].token) == n &&
		    CRYPTO_memcmp(x->t->cache[i].token, tok, n) == 0) {
			memcpy(x->user, x->t->cache[i].user, sizeof x->user);
			memcpy(x->role, x->t->cache[i].role, sizeof x->role);
			memcpy(x->scope, x->t->cache[i].scope, sizeof x->scope);
			memcpy(x->user_lang, x->t->cache[i].lang, sizeof x->user_lang);
			return true;
		}
	}
	struct cg_error e;
	cg_error_init(&e, x->lang);
	uint64_t gen = atomic_load(&users_gen); /* before the check: a change during it is not missed */
	if (cg_token_check(x->t->st, tok, x->user, x->role, x->scope, &e) != CG_OK)
		return false;
	user_lang(x);
	unsigned k = x->t->next++ % CACHE;
	memcpy(x->t->cache[k].lang, x->user_lang, sizeof x->user_lang);
	snprintf(x->t->cache[k].token, CG_TOKEN_MAX, "%s", tok);
	memcpy(x->t->cache[k].user, x->user, sizeof x->user);
	memcpy(x->t->cache[k].role, x->role, sizeof x->role);
	memcpy(x->t->cache[k].scope, x->scope, sizeof x->scope);
	x->t->cache[k].until = now + TOKEN_TTL_MS;
	x->t->cache[k].gen = gen;
	return true;
}

static bool role_in(const struct call *x, const char *const *roles)
{
	for (int i = 0; roles[i]; i++)
		if (strcmp(x->role, roles[i]) == 0)
			return true;
	return false;
}

static const char *const R_ALL[] = { "admin", "security_officer", "principal", "project_owner", "procurement", "auditor", NULL };
static const char *const R_AUDIT[] = { "admin", "security_officer", "principal", "auditor", NULL };
static const char *const R_BODY[] = { "admin", "security_officer", NULL };
static const char *const R_SYSTEMS[] = { "admin", "security_officer", "project_owner", NULL };
static const char *const R_APPROVE[] = { "admin", "principal", NULL };

/* Who writes each register. */
static bool may_write_register(const struct call *x, const char *kind)
{
	if (role_in(x, R_BODY))
		return true;
	if (strcmp(x->role, "procurement") == 0)
		return strcmp(kind, "vendor") == 0 || strcmp(kind, "agreement") == 0 || strcmp(kind, "procurement") == 0;
	if (strcmp(x->role, "project_owner") == 0)
		return strcmp(kind, "decision") == 0;
	return false;
}

/* --- helpers --- */

static const char *arg(struct call *x, const char *name)
{
	return MHD_lookup_connection_value(x->c, MHD_GET_ARGUMENT_KIND, name);
}

/* A non-negative integer argument: *out unchanged when absent; false when malformed. */
static bool int_arg(struct call *x, const char *name, int64_t max, int64_t *out)
{
	const char *v = arg(x, name);
	int64_t n;
	if (!v)
		return true;
	if (cg_parse_number(v, &n) != 0 || n > max)
		return false;
	*out = n;
	return true;
}

static void etag_of(json_t *doc, char out[CG_HASH_HEX + 4])
{
	char *text = cg_json_dump(doc, CG_JSON_SORTED, NULL), hex[CG_HASH_HEX];
	cg_sha256_hex(text ? text : "", text ? strlen(text) : 0, hex);
	free(text);
	snprintf(out, CG_HASH_HEX + 4, "\"%.32s\"", hex);
}

static void etag_of_text(const char *text, size_t len, char out[CG_HASH_HEX + 4])
{
	char hex[CG_HASH_HEX];
	cg_sha256_hex(text ? text : "", text ? len : 0, hex);
	snprintf(out, CG_HASH_HEX + 4, "\"%.32s\"", hex);
}

/* Whether an If-Match list ("a", "b": RFC 9110 13.1.1) names `tag` (quotes included). The
 * comparison is strong: a weak tag (W/"a") never matches. */
static bool tag_listed(const char *list, const char *tag)
{
	size_t n = strlen(tag);
	for (const char *p = list; *p;) {
		p += strspn(p, " \t,");
		const char *e = p;
		if (*e == '"')
			e = strchr(e + 1, '"');
		else
			e = NULL;
		size_t len = e ? (size_t)(e + 1 - p) : strcspn(p, ",");
		if (e && len == n && memcmp(p, tag, n) == 0) {
			const char *after = p + len + strspn(p + len, " \t");
			if (!*after || *after == ',')
				return true;
		}
		p += len;
		if (*p && *p != ',')
			p += strcspn(p, ",");
	}
	return false;
}

/* The If-Match precondition for a change of a record whose current version has ETag `tag`. */
static enum MHD_Result precondition_tag(struct call *x, const char *tag, bool *ok)
{
	const char *want = MHD_lookup_connection_value(x->c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_MATCH);
	*ok = false;
	if (!want)
		return problem(x, 428, "precondition_required", "If-Match",
			       cg_tr(x->lang, N_("send If-Match with the ETag of the record you changed")));
	if (strcmp(want, "*") != 0 && !tag_listed(want, tag))
		return problem(x, 412, "precondition_failed", "If-Match",
			       cg_tr(x->lang, N_("the record has changed since you read it: read it again")));
	*ok = true;
	return MHD_YES;
}

static enum MHD_Result precondition(struct call *x, json_t *doc, bool *ok)
{
	char tag[CG_HASH_HEX + 4];
	etag_of(doc, tag);
	return precondition_tag(x, tag, ok);
}

/* The largest page of a document's main array (GET /gaps took up to this many before it paged). */
enum { DOC_LIMIT_MAX = 100000 };

/* The paging arguments of a document (see doc_page): *limit -1 when absent. NULL, or the name of
 * the argument at fault. */
static const char *doc_args(struct call *x, int64_t *limit, int64_t *offset)
{
	*limit = -1;
	*offset = 0;
	return !int_arg(x, "limit", DOC_LIMIT_MAX, limit) ? "limit" : !int_arg(x, "offset", INT32_MAX, offset) ? "offset" : NULL;
}

static enum MHD_Result bad_doc_args(struct call *x, const char *field)
{
	return problem(x, 400, "invalid", field, cg_tr(x->lang, N_("limit and offset: expected whole numbers (limit at most 100000)")));
}

/* Pages the main array `key` of a document (GET /obligations, /due, /gaps, /catalogs), the rest of
 * it unchanged: whole when neither limit (-1: absent) nor offset is given, since these documents
 * were always whole and their clients read them so. Adds `offset`, `limit` when given, and
 * `total`, the length before paging, unless the document has it already (cg_gaps_top counts
 * every gap, not only those it lists). */
static void doc_page(json_t *doc, const char *key, int64_t limit, int64_t offset)
{
	json_t *all = json_object_get(doc, key);
	size_t n = json_array_size(all);
	if (!json_object_get(doc, "total"))
		json_object_set_new(doc, "total", json_integer((json_int_t)n));
	if (limit >= 0 || offset > 0) {
		json_t *out = json_array();
		for (size_t i = (size_t)offset; out && i < n && (limit < 0 || i < (size_t)(offset + limit)); i++)
			json_array_append(out, json_array_get(all, i));
		json_object_set_new(doc, key, out ? out : json_array());
	}
	if (limit >= 0)
		json_object_set_new(doc, "limit", json_integer((json_int_t)limit));
	json_object_set_new(doc, "offset", json_integer((json_int_t)offset));
}

/* Sends the page the arguments ask for of a list `items` (stolen): {items, total, limit, offset},
 * 100 items unless `limit` says otherwise (at most 1000); 400 when the arguments are malformed. */
static enum MHD_Result send_page(struct call *x, json_t *items)
{
	int64_t limit = 100, offset = 0;
	const char *bad = !int_arg(x, "limit", 1000, &limit) ? "limit" : !int_arg(x, "offset", INT32_MAX, &offset) ? "offset" : NULL;
	if (bad) {
		json_decref(items);
		return problem(x, 400, "invalid", bad, cg_tr(x->lang, N_("limit and offset: expected whole numbers (limit at most 1000)")));
	}
	json_t *doc = json_pack("{s:o}", "items", items);
	if (!doc)
		return MHD_NO;
	doc_page(doc, "items", limit, offset);
	return send_json(x, 200, doc, NULL);
}

/* Text in which a run of digits counts by its value: line-9 before line-10, INC-20261207-999
 * before INC-20261207-1000, sys-09 beside sys-9 (equal values: fewer leading zeros first). The
 * rest compares byte by byte, as strcmp. */
static int natural_cmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
			const char *x = a, *y = b;
			while (*x == '0')
				x++;
			while (*y == '0')
				y++;
			size_t nx = strspn(x, "0123456789"), ny = strspn(y, "0123456789");
			if (nx != ny)
				return nx < ny ? -1 : 1;
			int d = memcmp(x, y, nx);
			if (d)
				return d < 0 ? -1 : 1;
			if (x - a != y - b)
				return x - a < y - b ? -1 : 1;
			a = x + nx;
			b = y + ny;
		} else if (*a != *b) {
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		} else {
			a++;
			b++;
		}
	}
	return *a ? 1 : *b ? -1 : 0;
}

/* Sorts a list of objects by a string key (ascending, or descending with a leading '-'): times
 * (RFC 3339, *_at) as text, the rest in natural order. Equal keys keep the list's order. */
struct sort_by {
	int (*cmp)(const char *, const char *);
	bool desc;
};
struct sort_item {
	json_t *v;
	const char *k;
	size_t at; /* the position in the list: qsort_r need not be stable */
};
static int by_key(const void *a, const void *b, void *arg)
{
	const struct sort_item *p = a, *q = b;
	const struct sort_by *by = arg;
	int d = by->cmp(p->k, q->k);
	if (by->desc)
		d = -d;
	return d ? d : p->at < q->at ? -1 : p->at > q->at;
}

/* Requests that may write take turns inside the process: the database allows one writer at a
 * time anyway, and a thread waiting here wakes when the other is done, where SQLite's busy
 * handler would sleep in steps of up to 100 ms while its other connections wait with it. */
static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;

/* Sorts by the request's `sort`, else by `dflt` (NULL: the list's own order stays). False after
 * answering in *m (400 with `unknown`, the keys the list takes, when `sort` is not one of them;
 * out of memory) and dropping `list`. */
static bool sort_list(struct call *x, json_t *list, const char *const *allowed, const char *dflt, const char *unknown,
		      enum MHD_Result *m)
{
	const char *s = arg(x, "sort");
	if (!s)
		s = dflt;
	if (!s)
		return true;
	bool desc = s[0] == '-';
	const char *k = desc ? s + 1 : s;
	bool known = false;
	for (int i = 0; allowed[i]; i++)
		known |= strcmp(allowed[i], k) == 0;
	if (!known) {
		json_decref(list);
		*m = problem(x, 400, "invalid", "sort", cg_tr(x->lang, unknown));
		return false;
	}
	size_t n = json_array_size(list);
	struct sort_item *v = calloc(n + 1, sizeof *v);
	if (!v) {
		json_decref(list);
		*m = MHD_NO;
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		const char *key = json_string_value(json_object_get(json_array_get(list, i), k));
		v[i] = (struct sort_item){ json_incref(json_array_get(list, i)), key ? key : "", i };
	}
	size_t kl = strlen(k);
	struct sort_by by = { kl > 3 && strcmp(k + kl - 3, "_at") == 0 ? strcmp : natural_cmp, desc };
	qsort_r(v, n, sizeof *v, by_key, &by);
	json_array_clear(list);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, v[i].v);
	free(v);
	return true;
}

/* Keeps the items whose `key` equals the argument of that name, when given. */
/* Keeps the items of `list` for which ok(item, key, want) holds, in their order, in one pass. */
static void keep(json_t *list, bool (*ok)(json_t *item, const char *key, const char *want), const char *key,
		 const char *want)
{
	json_t *kept = json_array(), *v;
	size_t i;
	if (!kept)
		return;
	json_array_foreach(list, i, v)
		if (ok(v, key, want))
			json_array_append(kept, v);
	json_array_clear(list);
	json_array_extend(list, kept);
	json_decref(kept);
}

static bool text_is(json_t *item, const char *key, const char *want)
{
	const char *v = json_string_value(json_object_get(item, key));
	return v && strcmp(v, want) == 0;
}

static void filter(struct call *x, json_t *list, const char *key)
{
	const char *want = arg(x, key);
	if (want)
		keep(list, text_is, key, want);
}

/* Keeps the items whose boolean `key` is the argument of that name, "true" or "false", when
 * given; false (the list unchanged) when it is neither. */
static bool bool_is(json_t *item, const char *key, const char *want)
{
	json_t *v = json_object_get(item, key);
	return json_is_boolean(v) && json_is_true(v) == (want[0] == 't');
}

static bool filter_bool(struct call *x, json_t *list, const char *key)
{
	const char *want = arg(x, key);
	if (!want)
		return true;
	if (strcmp(want, "true") != 0 && strcmp(want, "false") != 0)
		return false;
	keep(list, bool_is, key, want);
	return true;
}

/* The filters of a register's records: ?system=ID keeps those whose systems include ID, and each
 * enum field of the registers (kind, status, review_status, severity, ...) those whose field has
 * the value given. A value no record has, or a field the kind lacks, matches nothing. Personal
 * fields filter nothing: a count of matches would tell what the role may not see. */
static bool listed_in(json_t *item, const char *key, const char *want)
{
	json_t *v;
	size_t j;
	json_array_foreach(json_object_get(item, key), j, v)
		if (json_is_string(v) && strcmp(json_string_value(v), want) == 0)
			return true;
	return false;
}

static void filter_records(struct call *x, json_t *list)
{
	const char *sys = arg(x, "system");
	if (sys)
		keep(list, listed_in, "systems", sys);
	for (const struct cg_rkind *k = cg_rkinds; k->name; k++)
		for (const struct cg_rfield *f = k->fields; f->name; f++)
			if (f->type == CG_R_ENUM && !(f->flags & CG_RF_PERSONAL))
				filter(x, list, f->name);
}

/* --- handlers --- */

/* GET /me: who is signed in; PUT /me {lang}: the user's own language (the console's switch) */
static enum MHD_Result h_me(struct call *x)
{
	if (strcmp(x->method, "PUT") == 0) {
		json_t *lang = json_object_get(x->body, "lang");
		if (!json_is_object(x->body) || json_object_size(x->body) != 1 || !json_is_string(lang))
			return problem(x, 422, "invalid", "lang", cg_tr(x->lang, N_("send {\"lang\": \"en\"} or {\"lang\": \"zh\"}")));
		if (cg_user_set_lang(x->t->st, x->actor, x->user, json_string_value(lang), &x->err) != CG_OK)
			return fail(x);
		atomic_fetch_add(&users_gen, 1);
		snprintf(x->user_lang, sizeof x->user_lang, "%s", json_string_value(lang));
	} else {
		user_lang(x);
	}
	return send_json(x, 200, json_pack("{s:s,s:s,s:s,s:s?}", "user", x->user, "role", x->role, "scope", x->scope,
					   "lang", x->user_lang[0] ? x->user_lang : NULL), NULL);
}

/* GET /kinds: the register kinds and their fields, from the tables the library checks records by
 * (the console builds its forms from them) */
static enum MHD_Result h_kinds(struct call *x)
{
	static const char *const types[] = { "text", "long_text", "enum", "date", "bool", "amount", "list", "systems",
					     "ref", "years", "refs" };
	json_t *kinds = json_array();
	for (const struct cg_rkind *k = cg_rkinds; kinds && k->name; k++) {
		json_t *fields = json_array();
		for (const struct cg_rfield *f = k->fields; fields && f->name; f++) {
			json_t *fd = json_pack("{s:s,s:s,s:b,s:b}", "name", f->name, "type", types[f->type],
					       "required", (f->flags & CG_RF_REQUIRED) != 0, "personal",
					       (f->flags & CG_RF_PERSONAL) != 0);
			if (fd && f->values) {
				json_t *v = json_array();
				for (int i = 0; v && f->values[i]; i++)
					json_array_append_new(v, json_string(f->values[i]));
				json_object_set_new(fd, "values", v);
			}
			if (fd && f->ref)
				json_object_set_new(fd, "ref", json_string(f->ref));
			json_array_append_new(fields, fd);
		}
		json_array_append_new(kinds, json_pack("{s:s,s:s,s:o}", "kind", k->name, "prefix", k->prefix, "fields", fields));
	}
	return send_json(x, 200, json_pack("{s:o}", "kinds", kinds), NULL);
}

/* An obligation's ETag: of what is recorded about it (status, owner, reason, when last met, due),
 * not of what the clock changes (overdue). */
static void obligation_tag(json_t *item, char tag[CG_HASH_HEX + 4])
{
	static const char *const keys[] = { "status", "owner", "reason", "last_met", "due" };
	json_t *k = json_object();
	for (size_t i = 0; k && i < sizeof keys / sizeof keys[0]; i++)
		json_object_set(k, keys[i], json_object_get(item, keys[i]) ? json_object_get(item, keys[i]) : json_null());
	etag_of(k, tag);
	json_decref(k);
}

/* Each obligation of a register (cg_obligations) with its ETag, as `etag`. */
static void obligation_tags(json_t *doc)
{
	json_t *item;
	size_t i;
	json_array_foreach(json_object_get(doc, "obligations"), i, item) {
		char tag[CG_HASH_HEX + 4];
		obligation_tag(item, tag);
		json_object_set_new(item, "etag", json_string(tag));
	}
}

/* The obligation SCOPE/URN (or its short URN) of a register, or NULL. */
static json_t *obligation_in(json_t *doc, const char *scope, const char *urn)
{
	json_t *item, *found = NULL;
	size_t i;
	json_array_foreach(json_object_get(doc, "obligations"), i, item)
		if (strcmp(json_string_value(json_object_get(item, "scope")), scope) == 0 &&
		    cg_obligation_urn_is(json_string_value(json_object_get(item, "urn")), urn))
			found = item;
	return found;
}

static enum MHD_Result h_report(struct call *x)
{
	const struct cg_catalog *c = catalog(x);
	json_t *doc = NULL;
	cg_code r;
	const char *what = x->parts[2], *bad;
	/* the main array of /gaps, /due and /obligations is paged when asked (doc_page) */
	const char *key = strcmp(what, "gaps") == 0 ? "gaps" : strcmp(what, "due") == 0 ? "deadlines" :
			  strcmp(what, "obligations") == 0 ? "obligations" : NULL;
	int64_t limit = -1, offset = 0;
	if (key && (bad = doc_args(x, &limit, &offset)))
		return bad_doc_args(x, bad);
	if (!c)
		return fail(x);
	if (strcmp(what, "status") == 0) {
		r = cg_status(x->t->st, c, x->lang, &doc, &x->err);
	} else if (strcmp(what, "gaps") == 0) {
		/* a page in one pass over the tables (cg_gaps_top) while it is small, else the register */
		if (limit >= 0 && offset + limit <= DOC_LIMIT_MAX) {
			r = cg_gaps_top(x->t->st, c, (size_t)(offset + limit), x->lang, &doc, &x->err);
		} else if ((r = cg_gaps(x->t->st, c, x->lang, &doc, &x->err)) == CG_OK) {
			json_t *g;
			size_t i, overdue = 0;
			json_array_foreach(json_object_get(doc, "gaps"), i, g)
				overdue += json_is_true(json_object_get(g, "overdue"));
			json_object_set_new(doc, "total", json_integer((json_int_t)json_array_size(json_object_get(doc, "gaps"))));
			json_object_set_new(doc, "overdue", json_integer((json_int_t)overdue));
		}
	} else if (strcmp(what, "exposure") == 0) {
		r = cg_exposure(x->t->st, c, x->lang, &doc, &x->err);
	} else if (strcmp(what, "due") == 0) {
		/* every open deadline, as `ciiguard due`; ?within=DURATION keeps those overdue or due by then */
		const char *within = arg(x, "within");
		int64_t ms = -1;
		if (within && (cg_parse_duration(within, &ms) != 0 || ms < 0))
			return problem(x, 422, "invalid", "within", cg_tr(x->lang, N_("within: expected a duration such as 30m, 24h or 7d")));
		r = cg_due(x->t->st, c, ms, x->lang, &doc, &x->err);
	} else if (strcmp(what, "registers") == 0) {
		r = cg_register_findings(x->t->st, c, x->lang, &doc, &x->err);
	} else {
		r = cg_obligations(x->t->st, c, arg(x, "scope"), x->lang, &doc, &x->err);
		if (r == CG_OK)
			obligation_tags(doc);
	}
	if (r == CG_OK && key)
		doc_page(doc, key, limit, offset);
	return r == CG_OK ? send_json(x, 200, doc, NULL) : fail(x);
}

static int collect_system(const struct cg_system *s, void *ud)
{
	struct cg_buf b;
	cg_buf_init(&b, 0);
	if (cg_system_to_json(s, &b) == CG_OK)
		json_array_append_new(ud, json_loadb(b.ptr, b.len, 0, NULL));
	cg_buf_release(&b);
	return 0;
}

/* A stored system as ciiguard writes it, read in one read transaction; its ETag is the hash of
 * that text. NULL (and x->err) when it cannot be read. */
static char *system_text(struct call *x, const char *id, size_t *len, char tag[CG_HASH_HEX + 4])
{
	struct cg_system s;
	struct cg_buf b;

	/* one query: a consistent read without a transaction */
	cg_system_init(&s);
	cg_code r = cg_system_get(x->t->st, id, &s, &x->err);
	cg_buf_init(&b, 0);
	if (r == CG_OK && (r = cg_system_to_json(&s, &b)) != CG_OK)
		cg_error_set(&x->err, CG_E_NOMEM, NULL, N_("out of memory"));
	cg_system_release(&s);
	if (r != CG_OK) {
		cg_buf_release(&b);
		return NULL;
	}
	*len = b.len;
	char *text = cg_buf_take(&b);
	etag_of_text(text, *len, tag);
	return text;
}

static json_t *system_doc(struct call *x, const char *id, struct cg_system *s, char tag[CG_HASH_HEX + 4])
{
	size_t len;
	char *text = system_text(x, id, &len, tag);
	json_t *doc = text ? json_loadb(text, len, 0, NULL) : NULL;
	cg_system_init(s);
	free(text);
	return doc;
}

/* A project owner changes only the systems it owns. */
static bool owns(const struct call *x, json_t *doc)
{
	const char *owner = json_string_value(json_object_get(doc, "owner"));
	return strcmp(x->role, "project_owner") != 0 || (owner && strcmp(owner, x->user) == 0);
}

/* Keeps the systems whose AI kind (ai.kind) is the argument ai_kind, when given, as
 * `system list --ai-kind`: a system without AI is no kind. False when the kind is unknown. */
static bool ai_kind_is(json_t *item, const char *key, const char *want)
{
	return text_is(json_object_get(item, "ai"), key, want);
}

static bool filter_ai_kind(struct call *x, json_t *list)
{
	const char *want = arg(x, "ai_kind");
	bool known = false;
	if (!want)
		return true;
	for (int k = 0; cg_ai_kind_names[k]; k++)
		known |= strcmp(cg_ai_kind_names[k], want) == 0;
	if (!known)
		return false;
	keep(list, ai_kind_is, "kind", want);
	return true;
}

static enum MHD_Result h_systems(struct call *x)
{
	static const char *const sortable[] = { "id", "name", "owner", "sector", "status", NULL };
	json_t *list = json_array();
	if (!list)
		return MHD_NO;
	if (cg_system_each(x->t->st, collect_system, list, &x->err) != CG_OK) {
		json_decref(list);
		return fail(x);
	}
	filter(x, list, "owner");
	filter(x, list, "sector");
	filter(x, list, "status");
	if (!filter_ai_kind(x, list)) {
		json_decref(list);
		return problem(x, 400, "invalid", "ai_kind", cg_tr(x->lang, N_("ai_kind: expected predictive, generative, decision, optimisation or agent")));
	}
	enum MHD_Result sm;
	if (!sort_list(x, list, sortable, "id", N_("sort: expected id, name, owner, sector or status, optionally with a leading -"), &sm))
		return sm;
	return send_page(x, list);
}

static enum MHD_Result system_write(struct call *x, const char *id)
{
	struct cg_system s, old;
	json_t *cur = NULL;
	char *text;
	cg_code r;
	bool ok;

	if (!json_is_object(x->body))
		return problem(x, 400, "invalid", NULL, cg_tr(x->lang, N_("expected a JSON object")));
	char tag[CG_HASH_HEX + 4];
	/* the check of If-Match and the change in one write transaction: no lost update between them */
	if (id && cg_store_begin(x->t->st, &x->err) != CG_OK)
		return fail(x);
	if (id) {
		if (!(cur = system_doc(x, id, &old, tag))) {
			cg_system_release(&old);
			return fail(x);
		}
		cg_system_release(&old);
		enum MHD_Result m = precondition_tag(x, tag, &ok);
		if (!ok) {
			json_decref(cur);
			return m;
		}
		if (!owns(x, cur)) {
			json_decref(cur);
			return denied(x, N_("a project owner changes only the systems it owns"));
		}
		json_decref(cur);
		const char *given = json_string_value(json_object_get(x->body, "id"));
		if (given && strcmp(given, id) != 0)
			return problem(x, 422, "invalid", "id", cg_tr(x->lang, N_("id: a record's id cannot be changed")));
		json_object_set_new(x->body, "id", json_string(id));
	}
	if (!owns(x, x->body))
		return denied(x, N_("a project owner records only systems it owns (owner: its user name)"));
	if (!(text = json_dumps(x->body, JSON_COMPACT)))
		return MHD_NO;
	cg_system_init(&s);
	r = cg_system_from_json(&s, text, strlen(text), &x->err);
	free(text);
	/* Art. 11: a change to a notified CII system's decisive fields records the report duty, in the
	 * same transaction, as `system update` does */
	struct cg_cii_watch w = { 0, NULL, NULL };
	const struct cg_catalog *c = id ? catalog(x) : NULL;
	json_t *changes = NULL;
	if (r == CG_OK && id && !c)
		r = x->err.code ? x->err.code : CG_E_INTERNAL;
	if (r == CG_OK && id)
		r = cg_cii_watch_begin(x->t->st, c, id, &w, &x->err);
	if (r == CG_OK)
		r = id ? cg_system_update(x->t->st, x->actor, &s, &x->err) : cg_system_add(x->t->st, x->actor, &s, &x->err);
	if (r == CG_OK && id)
		r = cg_cii_watch_end(x->t->st, x->actor, c, &w, &changes, &x->err);
	cg_cii_watch_release(&w);
	json_decref(changes);
	if (r != CG_OK) {
		cg_system_release(&s);
		return fail(x);
	}
	if (id && cg_store_commit(x->t->st, &x->err) != CG_OK) { /* the transaction begun above */
		cg_system_release(&s);
		return fail(x);
	}
	size_t len;
	char *out = system_text(x, s.id, &len, tag);
	cg_system_release(&s);
	if (!out)
		return fail(x);
	return respond(x, id ? 200 : 201, "application/json", out, len, tag);
}

static enum MHD_Result h_system(struct call *x)
{
	const char *id = x->parts[3];
	struct cg_system s;
	char tag[CG_HASH_HEX + 4];
	bool ok;

	if (strcmp(x->method, "PUT") == 0)
		return system_write(x, id);
	if (strcmp(x->method, "GET") == 0) {
		struct tctx *t = x->t;
		bool live = atomic_load(&cache_live);
		uint64_t gen = atomic_load(&data_gen); /* before the read: a change during it is not missed */
		for (unsigned i = 0; live && i < SCACHE; i++)
			if (t->sys[i].body && t->sys[i].gen == gen && strcmp(t->sys[i].id, id) == 0) {
				char *copy = malloc(t->sys[i].len + 1);
				if (!copy)
					return MHD_NO;
				memcpy(copy, t->sys[i].body, t->sys[i].len + 1);
				return respond(x, 200, "application/json", copy, t->sys[i].len, t->sys[i].tag);
			}
		/* the stored text as it is: no parsing and printing again */
		size_t len;
		char *text = system_text(x, id, &len, tag);
		if (!text)
			return fail(x);
		char *keep = live && strlen(id) < SCACHE_ID ? malloc(len + 1) : NULL;
		if (keep) {
			unsigned k = t->sys_next++ % SCACHE;
			free(t->sys[k].body);
			memcpy(keep, text, len + 1);
			snprintf(t->sys[k].id, sizeof t->sys[k].id, "%s", id);
			memcpy(t->sys[k].tag, tag, sizeof t->sys[k].tag);
			t->sys[k].gen = gen;
			t->sys[k].body = keep;
			t->sys[k].len = len;
		}
		return respond(x, 200, "application/json", text, len, tag);
	}
	if (cg_store_begin(x->t->st, &x->err) != CG_OK)
		return fail(x);
	json_t *doc = system_doc(x, id, &s, tag);
	cg_system_release(&s);
	if (!doc)
		return fail(x);
	if (strcmp(x->method, "DELETE") == 0) {
		enum MHD_Result m = precondition_tag(x, tag, &ok);
		if (!ok || !owns(x, doc)) {
			bool own = owns(x, doc);
			json_decref(doc);
			return ok && !own ? denied(x, N_("a project owner changes only the systems it owns")) : m;
		}
		json_decref(doc);
		if (cg_system_delete(x->t->st, x->actor, id, &x->err) != CG_OK || cg_store_commit(x->t->st, &x->err) != CG_OK)
			return fail(x);
		return send_json(x, 200, json_pack("{s:b}", "deleted", 1), NULL);
	}
	json_decref(doc);
	return problem(x, 405, "method_not_allowed", NULL, NULL);
}

static enum MHD_Result h_screening(struct call *x)
{
	const struct cg_catalog *c = catalog(x);
	json_t *doc = NULL;
	if (!c || cg_screen_stored(x->t->st, c, x->parts[3], x->lang, &doc, &x->err) != CG_OK)
		return fail(x);
	return send_json(x, 200, doc, NULL);
}

/* Whether a Content-Type is JSON: application/json, with parameters (charset) or none; not
 * application/jsonp. */
static bool is_json_type(const char *ct)
{
	return ct && strncasecmp(ct, "application/json", 16) == 0 && (!ct[16] || ct[16] == ';' || ct[16] == ' ');
}

/* Whether the body is CSV the import reads: text/csv, in UTF-8 (with or without BOM) or GB18030
 * (GBK and GB2312 are part of it). The bytes decide, as on the command line: text that is not
 * UTF-8 is read as GB18030. A charset parameter, when given, must name one of these. */
static bool csv_body(struct call *x)
{
	static const char *const charsets[] = { "utf-8", "utf8", "gb18030", "gbk", "gb2312", NULL };
	const char *ct = MHD_lookup_connection_value(x->c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE), *p;
	if (!ct || strncasecmp(ct, "text/csv", 8) != 0 || (ct[8] && !strchr("; \t", ct[8])))
		return false;
	/* the parameters, one by one (RFC 9110 8.3.1): a search for "charset=" took the one in
	 * "xcharset=utf-8; charset=utf-16" */
	for (p = ct + 8;;) {
		p += strspn(p, " \t");
		if (!*p)
			return true;
		if (*p++ != ';')
			return false;
		p += strspn(p, " \t");
		if (!*p || *p == ';') /* parameters = *( OWS ";" OWS [ parameter ] ) */
			continue;
		size_t nl = strcspn(p, "=; \t\"");
		bool is_cs = nl == 7 && strncasecmp(p, "charset", 7) == 0;
		if (!nl || p[nl] != '=')
			return false;
		p += nl + 1;
		char v[16];
		size_t vl = 0;
		bool fits = true;
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && p[1])
					p++;
				if (vl < sizeof v - 1)
					v[vl++] = *p;
				else
					fits = false;
			}
			if (*p++ != '"')
				return false;
		} else {
			for (; *p && !strchr("; \t", *p); p++) {
				if (vl < sizeof v - 1)
					v[vl++] = *p;
				else
					fits = false;
			}
		}
		v[vl] = 0;
		if (is_cs) {
			bool known = false;
			for (int i = 0; fits && charsets[i]; i++)
				known |= strcasecmp(v, charsets[i]) == 0;
			if (!known)
				return false;
		}
	}
}

/* An import's arguments: ?update=true|false, and the format from the Content-Type (JSON, which
 * dispatch parsed into x->body, or CSV). False after answering 400 or 415 (in *m). */
static bool import_args(struct call *x, bool *csv, bool *update, enum MHD_Result *m)
{
	const char *u = arg(x, "update");
	char detail[128];
	*update = u && strcmp(u, "true") == 0;
	if (u && !*update && strcmp(u, "false") != 0) {
		snprintf(detail, sizeof detail, cg_tr(x->lang, N_("%s: expected true or false")), "update");
		*m = problem(x, 400, "invalid", "update", detail);
		return false;
	}
	*csv = !x->body;
	if (*csv && !csv_body(x)) {
		*m = problem(x, 415, "unsupported_media_type", "Content-Type",
			     cg_tr(x->lang, N_("send the records as application/json (an array) or as text/csv in UTF-8 or GB18030")));
		return false;
	}
	return true;
}

/* A project owner imports only systems whose owner is itself and, with update, replaces only the
 * systems it owns (as POST and PUT /systems do). Other roles: true. False after answering (*m). */
static bool owns_imported(struct call *x, enum cg_format fmt, bool update, enum MHD_Result *m)
{
	struct cg_system *v = NULL;
	size_t n = 0, i;
	const char *why = NULL;
	if (strcmp(x->role, "project_owner") != 0)
		return true;
	if (cg_system_parse(x->r->body ? x->r->body : "", x->r->len, fmt, &v, &n, &x->err) != CG_OK) {
		*m = fail(x);
		return false;
	}
	for (i = 0; !why && i < n; i++) {
		struct cg_system old;
		struct cg_error e;
		if (!v[i].owner || strcmp(v[i].owner, x->user) != 0) {
			why = N_("a project owner records only systems it owns (owner: its user name)");
			break;
		}
		if (!update || !v[i].id)
			continue;
		cg_error_init(&e, x->lang);
		cg_system_init(&old);
		cg_code r = cg_system_get(x->t->st, v[i].id, &old, &e);
		if (r == CG_OK && (!old.owner || strcmp(old.owner, x->user) != 0))
			why = N_("a project owner changes only the systems it owns");
		cg_system_release(&old);
		if (r != CG_OK && r != CG_E_NOTFOUND) {
			cg_system_array_free(v, n);
			x->err = e;
			*m = fail(x);
			return false;
		}
	}
	cg_system_array_free(v, n);
	if (why)
		*m = denied(x, why);
	return !why;
}

/* POST /imports/systems[?update=true]: systems from a JSON array or a CSV table, all or nothing,
 * as `system import` (cg_system_import, the Art. 11 duties of notified CII recorded as there).
 * Imports and exports have paths of their own: under /systems or /registers/KIND they would
 * share a path with a system or a record whose id is "import" or "export". */
static enum MHD_Result h_systems_import(struct call *x)
{
	const struct cg_catalog *c;
	struct cg_cii_watch w = { 0, NULL, NULL };
	struct cg_import_result res;
	json_t *changes = NULL;
	bool csv, update;
	enum MHD_Result m;
	cg_code r;

	if (!import_args(x, &csv, &update, &m))
		return m;
	enum cg_format fmt = csv ? CG_FORMAT_CSV : CG_FORMAT_JSON;
	if (!(c = catalog(x)) || cg_store_begin(x->t->st, &x->err) != CG_OK)
		return fail(x);
	if (!owns_imported(x, fmt, update, &m))
		return m;
	r = cg_cii_watch_begin(x->t->st, c, NULL, &w, &x->err);
	if (r == CG_OK)
		r = cg_system_import(x->t->st, x->actor, x->r->body ? x->r->body : "", x->r->len, fmt, update, &res, &x->err);
	if (r == CG_OK)
		r = cg_cii_watch_end(x->t->st, x->actor, c, &w, &changes, &x->err);
	cg_cii_watch_release(&w);
	if (r == CG_OK)
		r = cg_store_commit(x->t->st, &x->err);
	if (r != CG_OK) {
		json_decref(changes);
		return fail(x);
	}
	return send_json(x, 200, json_pack("{s:I,s:I,s:o}", "created", (json_int_t)res.created, "updated",
					   (json_int_t)res.updated, "changes", changes ? changes : json_array()), NULL);
}

/* GET /summary: the inventory in numbers, as `system summary`. Not /systems/summary: a system
 * may have the id "summary". */
static enum MHD_Result h_summary(struct call *x)
{
	struct cg_buf b;
	json_t *doc;
	cg_buf_init(&b, 0);
	if (cli_system_summary_json(x->t->st, &b, &x->err) != CG_OK) {
		cg_buf_release(&b);
		return fail(x);
	}
	doc = json_loadb(b.ptr, b.len, 0, NULL);
	cg_buf_release(&b);
	return doc ? send_json(x, 200, doc, NULL) : MHD_NO;
}

/* A project owner reports and handles only incidents, and records only decisions, about its own
 * systems: `systems` (the record's list, or NULL) names at least one system, and it owns each.
 * Other roles: true. */
static bool owns_systems(struct call *x, json_t *systems)
{
	json_t *v;
	size_t i;
	if (strcmp(x->role, "project_owner") != 0)
		return true;
	if (json_array_size(systems) == 0)
		return false;
	json_array_foreach(systems, i, v) {
		struct cg_system s;
		struct cg_error e;
		cg_error_init(&e, x->lang);
		cg_system_init(&s);
		bool mine = json_is_string(v) && cg_system_get(x->t->st, json_string_value(v), &s, &e) == CG_OK &&
			    s.owner && strcmp(s.owner, x->user) == 0;
		cg_system_release(&s);
		if (!mine)
			return false;
	}
	return true;
}

static enum MHD_Result h_incidents(struct call *x)
{
	const struct cg_catalog *c = catalog(x);
	json_t *doc = NULL;
	if (!c)
		return fail(x);
	if (strcmp(x->method, "POST") == 0) {
		if (!json_is_object(x->body))
			return problem(x, 400, "invalid", NULL, cg_tr(x->lang, N_("expected a JSON object")));
		if (!owns_systems(x, json_object_get(x->body, "systems")))
			return denied(x, N_("a project owner reports only incidents about systems it owns (systems: its own)"));
		if (cg_incident_open(x->t->st, x->actor, c, x->body, &doc, &x->err) != CG_OK)
			return fail(x);
		return send_json(x, 201, doc, NULL);
	}
	if (x->nparts == 4) {
		char tag[CG_HASH_HEX + 4];
		if (cg_incident_get(x->t->st, x->parts[3], &doc, &x->err) != CG_OK)
			return fail(x);
		etag_of(doc, tag);
		return send_json(x, 200, doc, tag);
	}
	const char *status = arg(x, "status");
	if (status && strcmp(status, "open") != 0 && strcmp(status, "closed") != 0)
		return problem(x, 400, "invalid", "status", cg_tr(x->lang, N_("status: expected open or closed")));
	if (cg_incident_list(x->t->st, status, &doc, &x->err) != CG_OK)
		return fail(x);
	static const char *const sortable[] = { "id", "title", "status", "discovered_at", "created_at", "updated_at", NULL };
	enum MHD_Result sm; /* without `sort`: newest first */
	if (!sort_list(x, doc, sortable, NULL, N_("sort: expected id, title, status, discovered_at, created_at or updated_at, optionally with a leading -"), &sm))
		return sm;
	return send_page(x, doc);
}

static enum MHD_Result h_grade(struct call *x)
{
	const struct cg_catalog *c = catalog(x);
	json_t *in = NULL, *out = NULL;
	if (!c)
		return fail(x);
	if (!json_is_object(x->body))
		return problem(x, 400, "invalid", NULL, cg_tr(x->lang, N_("expected a JSON object")));
	if (cg_grade_input_check(x->body, &in, &x->err) != CG_OK)
		return fail(x);
	cg_code r = cg_grade(c, in, x->lang, &out, &x->err);
	json_decref(in);
	return r == CG_OK ? send_json(x, 200, out, NULL) : fail(x);
}

static const struct cg_rkind *kind_of(struct call *x)
{
	char k[32];
	snprintf(k, sizeof k, "%s", x->parts[3]);
	for (char *p = k; *p; p++)
		if (*p == '-')
			*p = '_';
	return cg_rkind_find(k);
}

/* Whether the body would record or change the principal's approval of a decision or an
 * assessment (`cur`: the stored record, NULL when creating). Only the principal and an admin may,
 * and they do it through POST .../approve; as ordinary fields they would let anyone forge it. */
static bool approval_changed(json_t *body, json_t *cur)
{
	static const char *const fields[] = { "principal_approval_by", "principal_approval_on" };
	for (size_t i = 0; i < 2; i++) {
		json_t *v = json_object_get(body, fields[i]), *old = cur ? json_object_get(cur, fields[i]) : NULL;
		if (!v || (json_is_null(v) && (!old || json_is_null(old))))
			continue;
		if (!old || !json_equal(v, old))
			return true;
	}
	return false;
}

static enum MHD_Result h_register(struct call *x)
{
	const struct cg_rkind *k = kind_of(x);
	const struct cg_catalog *c;
	json_t *doc = NULL;
	char tag[CG_HASH_HEX + 4];
	bool ok, write = strcmp(x->method, "GET") != 0;

	if (!k)
		return problem(x, 404, "not_found", "kind", cg_tr(x->lang, N_("no such register")));
	if (write) {
		bool approve = x->nparts == 6;
		if (approve && strcmp(k->name, "decision") != 0 && strcmp(k->name, "assessment") != 0)
			return problem(x, 404, "not_found", "kind", cg_tr(x->lang, N_("only decisions and assessments are approved")));
		if (approve ? !role_in(x, R_APPROVE) : !may_write_register(x, k->name))
			return denied(x, approve ? N_("only the principal person in charge approves") :
				      N_("this role does not change that register"));
		if (strcmp(x->method, "DELETE") != 0 && !json_is_object(x->body))
			return problem(x, 400, "invalid", NULL, cg_tr(x->lang, N_("expected a JSON object")));
		/* a change's new systems (a new record's are checked below, present or not) */
		if (x->nparts == 5 && json_object_get(x->body, "systems") && !owns_systems(x, json_object_get(x->body, "systems")))
			return denied(x, N_("a project owner records only decisions about systems it owns (systems: its own)"));
	}
	if (!(c = catalog(x)))
		return fail(x);
	if (x->nparts == 4) {
		if (write) {
			if (!owns_systems(x, json_object_get(x->body, "systems")))
				return denied(x, N_("a project owner records only decisions about systems it owns (systems: its own)"));
			if (!role_in(x, R_APPROVE) && approval_changed(x->body, NULL))
				return denied(x, N_("only the principal person in charge approves (POST .../approve)"));
			if (cg_record_add(x->t->st, x->actor, c, k, x->body, &doc, &x->err) != CG_OK)
				return fail(x);
			cg_record_redact(k, doc, x->role);
			etag_of(doc, tag);
			return send_json(x, 201, doc, tag);
		}
		if (cg_record_list(x->t->st, k, &doc, &x->err) != CG_OK)
			return fail(x);
		filter_records(x, doc);
		static const char *const sortable[] = { "id", "name", "title", "created_at", "updated_at", NULL };
		enum MHD_Result sm;
		if (!sort_list(x, doc, sortable, "id", N_("sort: expected id, name, title, created_at or updated_at, optionally with a leading -"), &sm))
			return sm;
		cg_record_redact(k, doc, x->role);
		return send_page(x, doc);
	}
	const char *id = x->parts[4];
	if (write && cg_store_begin(x->t->st, &x->err) != CG_OK)
		return fail(x);
	if (cg_record_get(x->t->st, k, id, &doc, &x->err) != CG_OK)
		return fail(x);
	if (!write) {
		/* the tag of what this role sees: a hash of the hidden personal fields would let a guess
		 * of them be checked (the roles that see less write no such register) */
		cg_record_redact(k, doc, x->role);
		etag_of(doc, tag);
		return send_json(x, 200, doc, tag);
	}
	enum MHD_Result m = precondition(x, doc, &ok);
	bool forged = ok && x->nparts == 5 && strcmp(x->method, "PUT") == 0 && !role_in(x, R_APPROVE) &&
		      approval_changed(x->body, doc);
	bool own = owns_systems(x, json_object_get(doc, "systems"));
	json_decref(doc);
	doc = NULL;
	if (!ok)
		return m;
	if (!own)
		return denied(x, N_("a project owner records only decisions about systems it owns (systems: its own)"));
	if (forged)
		return denied(x, N_("only the principal person in charge approves (POST .../approve)"));
	/* The principal approved what the record said then: a change by a role that may not approve
	 * withdraws the approval, to be given again (POST .../approve) for what it says now. */
	if (x->nparts == 5 && strcmp(x->method, "PUT") == 0 && !role_in(x, R_APPROVE) && json_object_size(x->body) > 0 &&
	    (strcmp(k->name, "decision") == 0 || strcmp(k->name, "assessment") == 0)) {
		json_object_set_new(x->body, "principal_approval_by", json_null());
		json_object_set_new(x->body, "principal_approval_on", json_null());
	}
	cg_code r;
	if (strcmp(x->method, "DELETE") == 0) {
		if (cg_record_delete(x->t->st, x->actor, k, id, &x->err) != CG_OK || cg_store_commit(x->t->st, &x->err) != CG_OK)
			return fail(x);
		return send_json(x, 200, json_pack("{s:b}", "deleted", 1), NULL);
	}
	if (x->nparts == 6) {
		/* approve: {"by": PERSON, "on"?: DATE} */
		const char *by = json_string_value(json_object_get(x->body, "by")), *on = json_string_value(json_object_get(x->body, "on"));
		char today[CG_TIME_MAX];
		if (!by)
			return problem(x, 422, "invalid", "by", cg_tr(x->lang, N_("by: the person who approves is required")));
		if (!on && cg_now(today, &x->err) != CG_OK)
			return fail(x);
		if (!on)
			today[10] = '\0';
		json_t *f = json_pack("{s:s,s:s}", "principal_approval_by", by, "principal_approval_on", on ? on : today);
		r = cg_record_update(x->t->st, x->actor, c, k, id, f, &doc, &x->err);
		json_decref(f);
	} else {
		r = cg_record_update(x->t->st, x->actor, c, k, id, x->body, &doc, &x->err);
	}
	if (r == CG_OK)
		r = cg_store_commit(x->t->st, &x->err);
	if (r != CG_OK)
		return fail(x);
	cg_record_redact(k, doc, x->role);
	etag_of(doc, tag);
	return send_json(x, 200, doc, tag);
}

/* Why a record of an import may not be written by this role (NULL: it may), by the rules of
 * POST and PUT /registers: a project owner's decisions are about its own systems, and with update
 * it replaces only such; only the principal and an admin approve, so a role that may not sends no
 * approval (an import replaces a record whole: an approval it leaves out is withdrawn). */
static const char *import_refused(struct call *x, const struct cg_rkind *k, json_t *rec, bool update)
{
	const char *id = json_string_value(json_object_get(rec, "id"));
	json_t *cur = NULL;
	struct cg_error e;
	if (!json_is_object(rec))
		return NULL; /* refused by cg_record_import, naming the record */
	if (!role_in(x, R_APPROVE) && approval_changed(rec, NULL))
		return N_("only the principal person in charge approves (POST .../approve)");
	if (!owns_systems(x, json_object_get(rec, "systems")))
		return N_("a project owner records only decisions about systems it owns (systems: its own)");
	if (!update || !id || strcmp(x->role, "project_owner") != 0)
		return NULL;
	cg_error_init(&e, x->lang);
	bool mine = cg_record_get(x->t->st, k, id, &cur, &e) != CG_OK || owns_systems(x, json_object_get(cur, "systems"));
	json_decref(cur);
	return mine ? NULL : N_("a project owner records only decisions about systems it owns (systems: its own)");
}

/* POST /imports/KIND[?update=true]: records from a JSON array or a CSV table, all or nothing, as
 * `KIND import` (cg_record_import); "systems" is no register kind. */
static enum MHD_Result h_register_import(struct call *x)
{
	const struct cg_rkind *k = kind_of(x);
	const struct cg_catalog *c;
	json_t *arr = NULL, *e;
	size_t i, created, updated;
	bool csv, update;
	enum MHD_Result m;

	if (!k)
		return problem(x, 404, "not_found", "kind", cg_tr(x->lang, N_("no such register")));
	if (!may_write_register(x, k->name))
		return denied(x, N_("this role does not change that register"));
	if (!import_args(x, &csv, &update, &m))
		return m;
	if (!(c = catalog(x)))
		return fail(x);
	if (csv ? cg_record_parse_csv(k, x->r->body ? x->r->body : "", x->r->len, &arr, &x->err) != CG_OK :
	    !(arr = json_incref(x->body)))
		return fail(x);
	if (cg_store_begin(x->t->st, &x->err) != CG_OK) {
		json_decref(arr);
		return fail(x);
	}
	json_array_foreach(arr, i, e) {
		const char *why = import_refused(x, k, e, update);
		if (why) {
			json_decref(arr);
			return denied(x, why);
		}
	}
	cg_code r = cg_record_import(x->t->st, x->actor, c, k, arr, update, &created, &updated, &x->err);
	json_decref(arr);
	if (r == CG_OK)
		r = cg_store_commit(x->t->st, &x->err);
	if (r != CG_OK)
		return fail(x);
	return send_json(x, 200, json_pack("{s:I,s:I}", "created", (json_int_t)created, "updated", (json_int_t)updated), NULL);
}

/* GET /exports/KIND?format=json|csv: every record of a register in id order, as `KIND export`
 * (JSON: an array; CSV: the command's columns), the personal fields removed for the roles that
 * may not see them, as in the list. */
static enum MHD_Result h_register_export(struct call *x)
{
	const struct cg_rkind *k = kind_of(x);
	const char *format = arg(x, "format");
	json_t *list = NULL;
	struct cg_buf b;

	if (!k)
		return problem(x, 404, "not_found", "kind", cg_tr(x->lang, N_("no such register")));
	if (format && strcmp(format, "json") != 0 && strcmp(format, "csv") != 0)
		return problem(x, 400, "invalid", "format", cg_tr(x->lang, N_("format: expected json or csv")));
	if (cg_record_list(x->t->st, k, &list, &x->err) != CG_OK)
		return fail(x);
	cg_record_redact(k, list, x->role);
	if (!format || strcmp(format, "json") == 0)
		return send_json(x, 200, list, NULL);
	cg_buf_init(&b, 0);
	cg_code r = cg_record_csv(k, list, &b, &x->err);
	json_decref(list);
	if (r != CG_OK) {
		cg_buf_release(&b);
		return fail(x);
	}
	size_t len = b.len;
	return respond(x, 200, "text/csv; charset=utf-8", cg_buf_take(&b), len, NULL);
}

static int put_event(const struct cg_audit_event *ev, void *ud)
{
	json_array_append_new(ud, json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s?,s:s,s:s}", "seq", (json_int_t)ev->seq, "at", ev->at,
					    "actor", ev->actor, "action", ev->action, "entity_type", ev->entity_type,
					    "entity_id", ev->entity_id, "state", ev->state, "hash", ev->hash, "prev_hash",
					    ev->prev_hash));
	return 0;
}

static enum MHD_Result h_audit(struct call *x)
{
	if (strcmp(x->parts[3], "head") == 0) {
		char head[CG_HASH_HEX];
		int64_t count = 0;
		if (cg_audit_head(x->t->st, &count, head, &x->err) != CG_OK)
			return fail(x);
		return send_json(x, 200, json_pack("{s:s,s:I}", "head", head, "count", (json_int_t)count), NULL);
	}
	if (strcmp(x->parts[3], "verify") == 0) {
		/* ?expect_head=HASH: a head kept outside (GET /audit/head) is still in the chain */
		const char *expect = arg(x, "expect_head");
		if (expect && (strlen(expect) != 64 || strspn(expect, "0123456789abcdef") != 64))
			return problem(x, 400, "invalid", "expect_head", cg_tr(x->lang, N_("expect_head: expected 64 lowercase hex digits")));
		struct cg_audit_report rep;
		memset(&rep, 0, sizeof rep);
		cg_code r = cg_audit_verify(x->t->st, expect, &rep, &x->err);
		if (r != CG_OK && r != CG_E_TAMPERED)
			return fail(x);
		return send_json(x, 200, json_pack("{s:b,s:I,s:I,s:s,s:s*}", "ok", r == CG_OK, "events", (json_int_t)rep.events,
						   "records", (json_int_t)rep.records, "head", rep.head, "problem",
						   r == CG_OK ? NULL : x->err.message), NULL);
	}
	int64_t limit = 100, offset = 0;
	if (!int_arg(x, "limit", 1000, &limit) || !int_arg(x, "offset", INT64_MAX / 2, &offset))
		return problem(x, 400, "invalid", "limit", cg_tr(x->lang, N_("limit and offset: expected whole numbers (limit at most 1000)")));
	json_t *list = json_array();
	if (!list || cg_audit_each(x->t->st, arg(x, "entity"), offset, limit, put_event, list, &x->err) != CG_OK) {
		json_decref(list);
		return fail(x);
	}
	return send_json(x, 200, json_pack("{s:o,s:I,s:I}", "items", list, "limit", (json_int_t)limit, "offset",
					   (json_int_t)offset), NULL);
}

/* --- console sign-in: sessions, CSRF, throttling --- */

enum { THROTTLE_SLOTS = 512, THROTTLE_FAILS = 5, THROTTLE_WINDOW_MS = 15 * 60 * 1000 };
static struct {
	char key[CG_USER_MAX + 64];
	int fails;
	int64_t first, blocked_until;
} throttle[THROTTLE_SLOTS];
static pthread_mutex_t throttle_lock = PTHREAD_MUTEX_INITIALIZER;

/* Seconds the key (a user name or an address) is blocked for, 0 when not. */
/* Seconds until `key` may try again (0: now). A key not in the table while every slot holds a
 * block waits for the first block to end: its failures could not be counted (fail closed). */
static int64_t throttle_blocked(const char *key)
{
	int64_t now = now_ms(), until = 0, first_end = INT64_MAX;
	bool found = false, room = false;
	pthread_mutex_lock(&throttle_lock);
	for (int i = 0; i < THROTTLE_SLOTS; i++) {
		int64_t b = throttle[i].blocked_until;
		if (strcmp(throttle[i].key, key) == 0) {
			found = true;
			until = b;
		}
		if (b <= now)
			room = true; /* a slot that may be taken */
		else if (b < first_end)
			first_end = b;
	}
	pthread_mutex_unlock(&throttle_lock);
	if (!found && !room)
		until = first_end;
	return until > now ? (until - now + 999) / 1000 : 0;
}

static void throttle_note(const char *key, bool failed)
{
	int64_t now = now_ms();
	int at = -1, free_slot = -1, oldest = -1;
	pthread_mutex_lock(&throttle_lock);
	/* a new key takes a free slot (one without a key), else the one not blocked whose window
	 * began longest ago: a block is never evicted, or failures for other names would lift it (the
	 * clock is monotonic and may read less than a window just after boot: a window's start of 0
	 * is a time, not "free") */
	for (int i = 0; i < THROTTLE_SLOTS; i++) {
		if (!throttle[i].key[0]) {
			if (free_slot < 0)
				free_slot = i;
		} else if (strcmp(throttle[i].key, key) == 0) {
			at = i;
		} else if (throttle[i].blocked_until <= now && (oldest < 0 || throttle[i].first < throttle[oldest].first)) {
			oldest = i;
		}
	}
	if (!failed) {
		if (at >= 0)
			memset(&throttle[at], 0, sizeof throttle[at]);
	} else {
		if (at < 0) {
			at = free_slot >= 0 ? free_slot : oldest;
			if (at < 0) { /* every slot blocked: throttle_blocked refuses unknown keys meanwhile */
				pthread_mutex_unlock(&throttle_lock);
				return;
			}
			memset(&throttle[at], 0, sizeof throttle[at]);
			snprintf(throttle[at].key, sizeof throttle[at].key, "%s", key);
			throttle[at].first = now;
		} else if (now - throttle[at].first > THROTTLE_WINDOW_MS) {
			throttle[at].first = now;
			throttle[at].fails = 0;
		}
		if (++throttle[at].fails >= THROTTLE_FAILS)
			throttle[at].blocked_until = now + THROTTLE_WINDOW_MS;
	}
	pthread_mutex_unlock(&throttle_lock);
}

/* The client's address as text; with `net`, an IPv6 address as its /64 network (a client
 * commonly holds a whole /64: the sign-in throttle counts by network). */
static void client_address(struct call *x, char *out, size_t n, bool net)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(x->c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(out, n, "?");
	if (!ci || !ci->client_addr)
		return;
	if (ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, out, (socklen_t)n);
	else if (ci->client_addr->sa_family == AF_INET6) {
		struct in6_addr a = ((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr;
		if (net)
			memset(a.s6_addr + 8, 0, 8);
		inet_ntop(AF_INET6, &a, out, (socklen_t)n);
	}
}

enum { SESSION_TTL_MS = 8 * 3600 * 1000 };

static enum MHD_Result h_login(struct call *x)
{
	const char *user = json_string_value(json_object_get(x->body, "user"));
	const char *pw = json_string_value(json_object_get(x->body, "password"));
	char addr[64], net[64], who[200], ukey[CG_USER_MAX + 64], akey[96], role[32], retry[32];
	int64_t left;

	if (!json_is_object(x->body) || !user || !pw)
		return problem(x, 422, "invalid", !user ? "user" : "password",
			       cg_tr(x->lang, N_("send {\"user\": NAME, \"password\": PASSWORD}")));
	client_address(x, addr, sizeof addr, false);
	client_address(x, net, sizeof net, true);
	snprintf(ukey, sizeof ukey, "user:%.64s", user);
	snprintf(akey, sizeof akey, "addr:%s", net);
	if ((left = throttle_blocked(ukey)) > 0 || (left = throttle_blocked(akey)) > 0) {
		atomic_fetch_add(&M.throttled, 1);
		fprintf(stderr, "{\"event\":\"login_throttled\",\"user\":\"%s\",\"address\":\"%s\"}\n", esc(who, sizeof who, user), addr);
		snprintf(retry, sizeof retry, "%lld", (long long)left);
		json_t *doc = json_pack("{s:s,s:s,s:i,s:s}", "type", "about:blank", "title", cg_tr(x->lang, status_title(429)), "status", 429,
					"detail", cg_tr(x->lang, N_("too many failed sign-ins: wait and try again")));
		char *text = doc ? json_dumps(doc, JSON_INDENT(2)) : NULL;
		json_decref(doc);
		return text ? respond_ex(x, 429, "application/problem+json", text, strlen(text), NULL, NULL, retry) : MHD_NO;
	}
	if (cg_user_login(x->t->st, user, pw, role, &x->err) != CG_OK) {
		if (x->err.code != CG_E_DENIED)
			return fail(x);
		throttle_note(ukey, true);
		throttle_note(akey, true);
		atomic_fetch_add(&M.login_failed, 1);
		fprintf(stderr, "{\"event\":\"login_failed\",\"user\":\"%s\",\"address\":\"%s\"}\n", esc(who, sizeof who, user), addr);
		return problem(x, 401, "unauthenticated", NULL, x->err.message);
	}
	throttle_note(ukey, false);
	char id[CG_SESSION_HEX], csrf[CG_SESSION_HEX], exp[40], cookie[256];
	if (cg_session_create(x->t->st, user, SESSION_TTL_MS, id, csrf, exp, &x->err) != CG_OK)
		return fail(x);
	snprintf(cookie, sizeof cookie, "cg_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s", id,
		 SESSION_TTL_MS / 1000, S.tls ? "; Secure" : "");
	OPENSSL_cleanse(id, sizeof id);
	fprintf(stderr, "{\"event\":\"login\",\"user\":\"%s\",\"address\":\"%s\"}\n", esc(who, sizeof who, user), addr);
	snprintf(x->r->user, sizeof x->r->user, "%s", user);
	json_t *doc = json_pack("{s:s,s:s,s:s,s:s}", "user", user, "role", role, "csrf", csrf, "expires_at", exp);
	char *text = doc ? json_dumps(doc, JSON_INDENT(2)) : NULL;
	json_decref(doc);
	enum MHD_Result m = text ? respond_ex(x, 200, "application/json", text, strlen(text), NULL, cookie, NULL) : MHD_NO;
	OPENSSL_cleanse(cookie, sizeof cookie);
	return m;
}

static enum MHD_Result h_session(struct call *x)
{
	if (strcmp(x->method, "DELETE") == 0) {
		if (x->by_cookie && cg_session_delete(x->t->st, x->session, &x->err) != CG_OK)
			return fail(x);
		json_t *doc = json_pack("{s:b}", "signed_out", 1);
		char *text = doc ? json_dumps(doc, JSON_INDENT(2)) : NULL;
		json_decref(doc);
		return text ? respond_ex(x, 200, "application/json", text, strlen(text), NULL,
					 "cg_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0", NULL) : MHD_NO;
	}
	return send_json(x, 200, json_pack("{s:s,s:s,s:s?}", "user", x->user, "role", x->role, "csrf",
					   x->by_cookie ? x->csrf : NULL), NULL);
}

/* --- incident operations, obligation status, evidence --- */

static enum MHD_Result h_incident_op(struct call *x)
{
	const struct cg_catalog *c = catalog(x);
	const char *id = x->parts[3], *op = x->nparts == 5 ? x->parts[4] : "";
	json_t *doc = NULL;
	bool ok;
	if (!c)
		return fail(x);
	if (strcmp(x->method, "GET") == 0 && strcmp(op, "grade") == 0) {
		if (cg_incident_grade(x->t->st, c, id, x->lang, &doc, &x->err) != CG_OK)
			return fail(x);
		return send_json(x, 200, doc, NULL);
	}
	if (strcmp(x->method, "GET") == 0) {
		/* report?kind=initial|supplement|final&format=md|html|json */
		const char *kind = arg(x, "kind") ? arg(x, "kind") : "initial", *format = arg(x, "format") ? arg(x, "format") : "json";
		struct cg_buf b;
		static const struct { const char *name, *type; } types[] = {
			{ "md", "text/markdown; charset=utf-8" }, { "html", "text/html; charset=utf-8" }, { "json", "application/json" },
		};
		const char *type = NULL;
		for (size_t i = 0; i < 3; i++)
			if (strcmp(format, types[i].name) == 0)
				type = types[i].type;
		if (!type)
			return problem(x, 400, "invalid", "format", cg_tr(x->lang, N_("format: expected md, html or json")));
		if (strcmp(kind, "initial") != 0 && strcmp(kind, "supplement") != 0 && strcmp(kind, "final") != 0)
			return problem(x, 400, "invalid", "kind", cg_tr(x->lang, N_("kind: expected initial, supplement or final")));
		cg_buf_init(&b, 0);
		if (cg_incident_report(x->t->st, c, id, kind, format, x->lang, &b, &x->err) != CG_OK) {
			cg_buf_release(&b);
			return fail(x);
		}
		size_t len = b.len;
		return respond(x, 200, type, cg_buf_take(&b), len, NULL);
	}
	/* a project owner: only incidents about its own systems, before and after the change */
	if (strcmp(x->role, "project_owner") == 0) {
		if (cg_incident_get(x->t->st, id, &doc, &x->err) != CG_OK)
			return fail(x);
		bool own = owns_systems(x, json_object_get(doc, "systems")) &&
			   (!json_object_get(x->body, "systems") || owns_systems(x, json_object_get(x->body, "systems")));
		json_decref(doc);
		doc = NULL;
		if (!own)
			return denied(x, N_("a project owner handles only incidents about systems it owns"));
	}
	if (!json_is_object(x->body))
		return problem(x, 400, "invalid", NULL, cg_tr(x->lang, N_("expected a JSON object")));
	/* the fields of a close, an action or a submission are text (or null: absent); a number
	 * would read as absent, and {"handled_at": 5} closed the incident now */
	static const char *const close_f[] = { "handled_at", NULL }, *const action_f[] = { "text", "at", NULL },
				 *const submission_f[] = { "kind", "recipient", "at", "channel", "sha256", NULL }, *const none[] = { NULL };
	const char *const *texts = strcmp(x->method, "PUT") == 0 ? none : strcmp(op, "close") == 0 ? close_f :
				   strcmp(op, "actions") == 0 ? action_f : submission_f;
	for (int i = 0; texts[i]; i++) {
		json_t *v = json_object_get(x->body, texts[i]);
		if (v && !json_is_null(v) && !json_is_string(v)) {
			char detail[128];
			snprintf(detail, sizeof detail, cg_tr(x->lang, N_("%s: expected a string")), texts[i]);
			return problem(x, 422, "invalid", texts[i], detail);
		}
	}
	/* a change, a close, an action, a submission: If-Match with the incident's ETag, checked in
	 * the write transaction of the change (one who has not seen the last action or submission
	 * would act on an incident that is not the one they read) */
	if (cg_store_begin(x->t->st, &x->err) != CG_OK || cg_incident_get(x->t->st, id, &doc, &x->err) != CG_OK)
		return fail(x);
	enum MHD_Result m = precondition(x, doc, &ok);
	bool own = owns_systems(x, json_object_get(doc, "systems"));
	json_decref(doc);
	doc = NULL;
	if (!ok)
		return m;
	if (!own) /* changed since the check above */
		return denied(x, N_("a project owner handles only incidents about systems it owns"));
	if (strcmp(x->method, "PUT") == 0) {
		if (cg_incident_update(x->t->st, x->actor, c, id, x->body, &doc, &x->err) != CG_OK ||
		    cg_store_commit(x->t->st, &x->err) != CG_OK)
			return fail(x);
		char tag[CG_HASH_HEX + 4];
		etag_of(doc, tag);
		return send_json(x, 200, doc, tag);
	}
	cg_code r;
	if (strcmp(op, "close") == 0) {
		r = cg_incident_close(x->t->st, x->actor, c, id, json_string_value(json_object_get(x->body, "handled_at")), &doc, &x->err);
	} else if (strcmp(op, "actions") == 0) {
		const char *text = json_string_value(json_object_get(x->body, "text"));
		if (!text)
			return problem(x, 422, "invalid", "text", cg_tr(x->lang, N_("text: is required")));
		r = cg_incident_action(x->t->st, x->actor, c, id, text, json_string_value(json_object_get(x->body, "at")), &x->err);
	} else {
		struct cg_incident_submission sub = {
			json_string_value(json_object_get(x->body, "kind")), json_string_value(json_object_get(x->body, "recipient")),
			json_string_value(json_object_get(x->body, "at")), json_string_value(json_object_get(x->body, "channel")),
			json_string_value(json_object_get(x->body, "sha256")),
		};
		/* what was sent: the hash given (of the file uploaded elsewhere), or of the report ciiguard makes */
		char sha[CG_HASH_HEX];
		if (sub.sha256) {
			bool hex = strlen(sub.sha256) == 64;
			for (const char *p = sub.sha256; hex && *p; p++)
				hex = (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f');
			if (!hex)
				return problem(x, 422, "invalid", "sha256", cg_tr(x->lang, N_("sha256: expected 64 lower-case hexadecimal digits")));
		} else if (sub.kind) {
			struct cg_buf b;
			cg_buf_init(&b, 0);
			if (cg_incident_report(x->t->st, c, id, sub.kind, "md", x->lang, &b, &x->err) != CG_OK) {
				cg_buf_release(&b);
				return fail(x);
			}
			cg_sha256_hex(b.ptr ? b.ptr : "", b.len, sha);
			cg_buf_release(&b);
			sub.sha256 = sha;
		}
		r = cg_incident_submit(x->t->st, x->actor, c, id, &sub, &x->err);
	}
	if (r != CG_OK)
		return fail(x);
	json_decref(doc);
	if (cg_incident_get(x->t->st, id, &doc, &x->err) != CG_OK || cg_store_commit(x->t->st, &x->err) != CG_OK) {
		json_decref(doc);
		return fail(x);
	}
	char tag[CG_HASH_HEX + 4];
	etag_of(doc, tag);
	return send_json(x, 200, doc, tag);
}

/* PUT /obligations/SCOPE/URN {status, owner?, reason?, met_on?, due?} */
static enum MHD_Result h_obligation_set(struct call *x)
{
	const struct cg_catalog *c = catalog(x);
	if (!c)
		return fail(x);
	if (!json_is_object(x->body))
		return problem(x, 400, "invalid", NULL, cg_tr(x->lang, N_("expected a JSON object")));
	struct cg_obligation_update u = {
		json_string_value(json_object_get(x->body, "status")), json_string_value(json_object_get(x->body, "owner")),
		json_string_value(json_object_get(x->body, "reason")), json_string_value(json_object_get(x->body, "met_on")),
		json_string_value(json_object_get(x->body, "due")),
	};
	/* If-Match against what is recorded now, and the change, in one write transaction */
	json_t *doc = NULL, *cur;
	char tag[CG_HASH_HEX + 4];
	bool ok;
	if (cg_store_begin(x->t->st, &x->err) != CG_OK ||
	    cg_obligations(x->t->st, c, x->parts[3], x->lang, &doc, &x->err) != CG_OK)
		return fail(x);
	if (!(cur = obligation_in(doc, x->parts[3], x->parts[4]))) {
		json_decref(doc);
		return problem(x, 404, "not_found", "urn", cg_tr(x->lang, N_("no such obligation in this scope")));
	}
	obligation_tag(cur, tag);
	json_decref(doc);
	doc = NULL;
	enum MHD_Result m = precondition_tag(x, tag, &ok);
	if (!ok)
		return m;
	if (cg_obligation_set(x->t->st, x->actor, c, x->parts[3], x->parts[4], &u, &x->err) != CG_OK ||
	    cg_obligations(x->t->st, c, x->parts[3], x->lang, &doc, &x->err) != CG_OK ||
	    cg_store_commit(x->t->st, &x->err) != CG_OK) {
		json_decref(doc);
		return fail(x);
	}
	json_t *out = json_incref(obligation_in(doc, x->parts[3], x->parts[4]));
	json_decref(doc);
	if (!out)
		return send_json(x, 200, json_pack("{s:s}", "status", u.status), NULL);
	obligation_tag(out, tag);
	json_object_set_new(out, "etag", json_string(tag));
	return send_json(x, 200, out, tag);
}

/* POST /evidence?scope=&urn=&link=TYPE:ID[&note=]: a ciiguard record as evidence, as `evidence add
 * SCOPE URN --link TYPE:ID` (cg_evidence_link); no body. The answer is the link as GET /evidence
 * lists it. */
static enum MHD_Result evidence_link(struct call *x, const struct cg_catalog *c)
{
	const char *scope = arg(x, "scope"), *urn = arg(x, "urn"), *link = arg(x, "link");
	json_t *list = NULL, *e, *found = NULL;
	size_t i;
	if (x->r->len)
		return problem(x, 400, "invalid", "link", cg_tr(x->lang, N_("link: a link to a record has no body: send the file or the link, not both")));
	if (arg(x, "filename"))
		return problem(x, 400, "invalid", "filename", cg_tr(x->lang, N_("filename: a link to a record has no file name")));
	if (cg_evidence_link(x->t->st, x->actor, c, scope, urn, link, arg(x, "note"), &x->err) != CG_OK ||
	    cg_evidence_list(x->t->st, scope, NULL, &list, &x->err) != CG_OK)
		return fail(x);
	/* the urn as given, or its short form (order-745:art-17), read as cg_evidence_link read it */
	json_array_foreach(list, i, e)
		if (!found && strcmp(json_string_value(json_object_get(e, "target")), link) == 0 &&
		    cg_obligation_urn_is(json_string_value(json_object_get(e, "urn")), urn))
			found = e;
	json_incref(found);
	json_decref(list);
	if (!found) {
		cg_error_set(&x->err, CG_E_INTERNAL, NULL, N_("the server could not complete the request"));
		return fail(x);
	}
	return send_json(x, 201, found, NULL);
}

/* POST /evidence?scope=&urn=&filename=&note= (the file as the body); GET /evidence?scope=&urn=;
 * GET /evidence/SHA (the file). */
static enum MHD_Result h_evidence(struct call *x)
{
	if (strcmp(x->method, "GET") == 0 && x->nparts == 4) {
		char *data = NULL;
		size_t len = 0;
		if (cg_evidence_get(x->t->st, x->parts[3], &data, &len, &x->err) != CG_OK)
			return fail(x);
		return respond(x, 200, "application/octet-stream", data, len, NULL);
	}
	if (strcmp(x->method, "GET") == 0) {
		static const char *const sortable[] = { "added_at", "filename", "sha256", "scope", "urn", NULL };
		json_t *doc = NULL;
		if (cg_evidence_list(x->t->st, arg(x, "scope"), arg(x, "urn"), &doc, &x->err) != CG_OK)
			return fail(x);
		enum MHD_Result sm; /* without `sort`: by scope, obligation and time added */
		if (!sort_list(x, doc, sortable, NULL, N_("sort: expected added_at, filename, sha256, scope or urn, optionally with a leading -"), &sm))
			return sm;
		return send_page(x, doc);
	}
	const struct cg_catalog *c = catalog(x);
	char sha[CG_HASH_HEX];
	if (!c)
		return fail(x);
	if (!arg(x, "scope") || !arg(x, "urn"))
		return problem(x, 422, "invalid", !arg(x, "scope") ? "scope" : "urn",
			       cg_tr(x->lang, N_("give scope and urn as query parameters, the file as the body")));
	if (arg(x, "link"))
		return evidence_link(x, c);
	if (cg_evidence_add(x->t->st, x->actor, c, arg(x, "scope"), arg(x, "urn"), x->r->body ? x->r->body : "", x->r->len,
			    arg(x, "filename"), arg(x, "note"), sha, &x->err) != CG_OK)
		return fail(x);
	return send_json(x, 201, json_pack("{s:s,s:I}", "sha256", sha, "size", (json_int_t)x->r->len), NULL);
}

/* --- users and tokens --- */

/* A user's ETag: of the user as GET /users lists it (role, language, disabled, when the password
 * and the user last changed), for PUT /users/NAME's If-Match. */
static void user_tag(json_t *user, char tag[CG_HASH_HEX + 4])
{
	json_object_del(user, "etag");
	etag_of(user, tag);
}

/* User `name` as GET /users lists it, with `etag`, or NULL (x->err: no such user). */
static json_t *user_doc(struct call *x, const char *name, char tag[CG_HASH_HEX + 4])
{
	json_t *all = NULL, *u, *found = NULL;
	size_t i;
	if (cg_user_list(x->t->st, &all, &x->err) != CG_OK) {
		json_decref(all);
		return NULL;
	}
	json_array_foreach(all, i, u)
		if (!found && strcmp(json_string_value(json_object_get(u, "name")), name) == 0)
			found = json_incref(u);
	json_decref(all);
	if (!found) {
		cg_error_set(&x->err, CG_E_NOTFOUND, "name", N_("user '%s' does not exist"), name);
		return NULL;
	}
	user_tag(found, tag);
	json_object_set_new(found, "etag", json_string(tag));
	return found;
}

static enum MHD_Result h_users(struct call *x)
{
	json_t *doc = NULL;
	if (strcmp(x->method, "GET") == 0) {
		static const char *const sortable[] = { "name", "role", "created_at", "updated_at", NULL };
		json_t *u;
		size_t i;
		if (cg_user_list(x->t->st, &doc, &x->err) != CG_OK)
			return fail(x);
		filter(x, doc, "role");
		if (!filter_bool(x, doc, "disabled")) {
			json_decref(doc);
			return problem(x, 400, "invalid", "disabled", cg_tr(x->lang, N_("disabled: expected true or false")));
		}
		enum MHD_Result sm;
		if (!sort_list(x, doc, sortable, "name", N_("sort: expected name, role, created_at or updated_at, optionally with a leading -"), &sm))
			return sm;
		json_array_foreach(doc, i, u) {
			char tag[CG_HASH_HEX + 4];
			user_tag(u, tag);
			json_object_set_new(u, "etag", json_string(tag));
		}
		return send_page(x, doc);
	}
	if (!json_is_object(x->body))
		return problem(x, 400, "invalid", NULL, cg_tr(x->lang, N_("expected a JSON object")));
	const char *pw = json_string_value(json_object_get(x->body, "password"));
	if (strcmp(x->method, "POST") == 0) {
		const char *name = json_string_value(json_object_get(x->body, "name"));
		const char *role = json_string_value(json_object_get(x->body, "role"));
		const char *lang = json_string_value(json_object_get(x->body, "lang"));
		if (cg_user_add(x->t->st, x->actor, name, role, pw, lang, &x->err) != CG_OK)
			return fail(x);
		return send_json(x, 201, json_pack("{s:s,s:s}", "name", name, "role", role), NULL);
	}
	/* PUT /users/NAME {password?, disabled?}: both or neither */
	const char *name = x->parts[3], *k;
	json_t *dis = json_object_get(x->body, "disabled"), *v;
	json_object_foreach(x->body, k, v)
		if (strcmp(k, "password") != 0 && strcmp(k, "disabled") != 0)
			return problem(x, 422, "invalid", k, cg_tr(x->lang, N_("send password or disabled (true or false)")));
	if (json_object_get(x->body, "password") && !pw)
		return problem(x, 422, "invalid", "password", cg_tr(x->lang, N_("password: expected a string")));
	if ((dis && !json_is_boolean(dis)) || (!pw && !dis))
		return problem(x, 422, "invalid", "disabled", cg_tr(x->lang, N_("send password or disabled (true or false)")));
	/* If-Match against the user as it is, and the change, in one write transaction */
	char tag[CG_HASH_HEX + 4];
	bool ok;
	if (cg_store_begin(x->t->st, &x->err) != CG_OK || !(doc = user_doc(x, name, tag)))
		return fail(x);
	json_decref(doc);
	doc = NULL; /* the change below may fail before it is read again */
	enum MHD_Result m = precondition_tag(x, tag, &ok);
	if (!ok)
		return m;
	if ((pw && cg_user_set_password(x->t->st, x->actor, name, pw, &x->err) != CG_OK) ||
	    (dis && cg_user_set_disabled(x->t->st, x->actor, name, json_is_true(dis), &x->err) != CG_OK) ||
	    !(doc = user_doc(x, name, tag)) || cg_store_commit(x->t->st, &x->err) != CG_OK) {
		json_decref(doc);
		return fail(x);
	}
	atomic_fetch_add(&users_gen, 1); /* and again once committed (batch_run) */
	return send_json(x, 200, doc, tag);
}

/* Tokens: an admin manages everyone's; others their own. */
static enum MHD_Result h_tokens(struct call *x)
{
	bool admin = strcmp(x->role, "admin") == 0;
	json_t *doc = NULL;
	if (strcmp(x->method, "GET") == 0) {
		static const char *const sortable[] = { "id", "user", "created_at", "expires_at", NULL };
		if (cg_token_list(x->t->st, admin ? arg(x, "user") : x->user, &doc, &x->err) != CG_OK)
			return fail(x);
		enum MHD_Result sm; /* without `sort`: oldest first */
		if (!sort_list(x, doc, sortable, NULL, N_("sort: expected id, user, created_at or expires_at, optionally with a leading -"), &sm))
			return sm;
		return send_page(x, doc);
	}
	if (strcmp(x->method, "DELETE") == 0) {
		json_t *mine = NULL, *e;
		size_t i;
		bool found = admin;
		if (!admin) {
			if (cg_token_list(x->t->st, x->user, &mine, &x->err) != CG_OK)
				return fail(x);
			json_array_foreach(mine, i, e)
				found |= strcmp(json_string_value(json_object_get(e, "id")), x->parts[3]) == 0;
			json_decref(mine);
			if (!found)
				return denied(x, N_("a token is revoked by its user or an admin"));
		}
		if (cg_token_revoke(x->t->st, x->actor, x->parts[3], &x->err) != CG_OK)
			return fail(x);
		return send_json(x, 200, json_pack("{s:b}", "revoked", 1), NULL);
	}
	if (!json_is_object(x->body))
		return problem(x, 400, "invalid", NULL, cg_tr(x->lang, N_("expected a JSON object")));
	const char *user = json_string_value(json_object_get(x->body, "user"));
	const char *expires = json_string_value(json_object_get(x->body, "expires"));
	const char *scope = json_string_value(json_object_get(x->body, "scope"));
	int64_t ms = 0;
	if (!user)
		user = x->user;
	if (!admin && strcmp(user, x->user) != 0)
		return denied(x, N_("a token is made for oneself, or by an admin"));
	if (expires && (cg_parse_duration(expires, &ms) != 0 || ms <= 0))
		return problem(x, 422, "invalid", "expires", cg_tr(x->lang, N_("expires: expected a duration such as 30m, 24h or 90d")));
	char token[CG_TOKEN_MAX];
	if (cg_token_create(x->t->st, x->actor, user, ms, scope, token, &x->err) != CG_OK)
		return fail(x);
	enum MHD_Result m = send_json(x, 201, json_pack("{s:s,s:s}", "user", user, "token", token), NULL);
	OPENSSL_cleanse(token, sizeof token);
	return m;
}

/* --- the catalog, screening and the operator --- */

/* GET /catalogs; GET /catalogs/KEY (a library as is); GET /catalogs/KEY/items/ITEM;
 * POST /catalogs (a library file as the body, YAML). */
static enum MHD_Result h_catalogs(struct call *x)
{
	const struct cg_catalog *c = catalog(x);
	if (!c)
		return fail(x);
	if (strcmp(x->method, "POST") == 0) {
		const char *ct = MHD_lookup_connection_value(x->c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
		const char *name = arg(x, "filename");
		struct cg_catalog_import_result res;
		struct cg_warnings w = { 0 };
		if (!ct || (strncmp(ct, "application/yaml", 16) != 0 && strncmp(ct, "application/x-yaml", 18) != 0 &&
			    strncmp(ct, "text/yaml", 9) != 0))
			return problem(x, 415, "unsupported_media_type", "Content-Type",
				       cg_tr(x->lang, N_("send the library as application/yaml")));
		if (!x->r->len)
			return problem(x, 400, "invalid", NULL, cg_tr(x->lang, N_("the body is empty: send the library file")));
		if (cg_catalog_import_ex(x->t->st, x->actor, name && *name ? name : "upload.yaml", x->r->body, x->r->len,
					 &res, &w, &x->err) != CG_OK) {
			cg_warnings_release(&w);
			return fail(x);
		}
		json_t *warnings = json_array();
		for (size_t i = 0; warnings && i < w.n; i++)
			json_array_append_new(warnings, json_string(w.v[i]));
		cg_warnings_release(&w);
		return send_json(x, res.replaced ? 200 : 201, json_pack("{s:s,s:I,s:I,s:b,s:o*}", "imported", res.urn,
			"version", (json_int_t)res.version, "requirement_nodes", (json_int_t)res.nodes,
			"replaced", res.replaced, "warnings", warnings), NULL);
	}
	if (x->nparts == 3) {
		int64_t limit, offset;
		const char *bad = doc_args(x, &limit, &offset);
		if (bad)
			return bad_doc_args(x, bad);
		json_t *doc = cg_catalog_list(c, x->lang);
		if (!doc)
			return MHD_NO;
		doc_page(doc, "libraries", limit, offset);
		return send_json(x, 200, doc, NULL);
	}
	bool builtin;
	json_t *lib = cg_catalog_library_find(c, x->parts[3], &builtin), *item;
	if (!lib) {
		cg_error_set(&x->err, CG_E_NOTFOUND, NULL, N_("no library has the urn or ref_id '%s'"), x->parts[3]);
		return fail(x);
	}
	if (x->nparts == 4)
		return send_json(x, 200, json_incref(lib), NULL);
	if (!(item = cg_catalog_library_item(lib, x->parts[5]))) {
		cg_error_set(&x->err, CG_E_NOTFOUND, NULL, N_("the library '%s' has no item '%s'"), x->parts[3], x->parts[5]);
		return fail(x);
	}
	return send_json(x, 200, json_incref(item), NULL);
}

/* POST /screening: a system described in JSON, screened without storing anything. */
static enum MHD_Result h_screen_input(struct call *x)
{
	const struct cg_catalog *c = catalog(x);
	json_t *doc = NULL;
	if (!c || cg_screen_input(c, x->r->body ? x->r->body : "", x->r->len, x->lang, &doc, &x->err) != CG_OK)
		return fail(x);
	return send_json(x, 200, doc, NULL);
}

/* POST /systems/ID/screening: screen and record in the history; GET .../screening/history. */
static enum MHD_Result h_screen_record(struct call *x)
{
	const struct cg_catalog *c = catalog(x);
	const char *id = x->parts[3];
	json_t *doc = NULL;
	if (!c)
		return fail(x);
	if (strcmp(x->method, "GET") == 0) {
		json_t *h = NULL;
		char last[16];
		bool stale;
		if (cg_screen_history(x->t->st, id, &h, &x->err) != CG_OK ||
		    cg_screen_stale(x->t->st, c, id, &stale, last, &x->err) != CG_OK) {
			json_decref(h);
			return fail(x);
		}
		return send_json(x, 200, json_pack("{s:s,s:o,s:b}", "system", id, "history", h, "needs_rescreening", stale), NULL);
	}
	struct cg_system old;
	char tag[CG_HASH_HEX + 4];
	if (!(doc = system_doc(x, id, &old, tag))) {
		cg_system_release(&old);
		return fail(x);
	}
	cg_system_release(&old);
	bool own = owns(x, doc);
	json_decref(doc);
	doc = NULL;
	if (!own)
		return denied(x, N_("a project owner screens only the systems it owns"));
	if (cg_screen_record(x->t->st, x->actor, c, id, x->lang, &doc, &x->err) != CG_OK)
		return fail(x);
	return send_json(x, 200, doc, NULL);
}

static json_t *operator_doc(struct call *x, char tag[CG_HASH_HEX + 4])
{
	struct cg_operator op;
	struct cg_buf b;
	json_t *doc = NULL;
	cg_operator_init(&op);
	cg_buf_init(&b, 0);
	if (cg_operator_get(x->t->st, &op, &x->err) == CG_OK) {
		if (cg_operator_to_json(&op, &b) != CG_OK)
			cg_error_set(&x->err, CG_E_NOMEM, NULL, N_("out of memory"));
		else if (!(doc = json_loadb(b.ptr, b.len, 0, NULL)))
			cg_error_set(&x->err, CG_E_NOMEM, NULL, N_("out of memory"));
		else
			etag_of_text(b.ptr, b.len, tag);
	}
	cg_buf_release(&b);
	cg_operator_release(&op);
	return doc;
}

/* GET /operator; PUT /operator (the fields to change, If-Match). */
static enum MHD_Result h_operator(struct call *x)
{
	char tag[CG_HASH_HEX + 4];
	json_t *doc;
	if (strcmp(x->method, "GET") == 0) {
		if (!(doc = operator_doc(x, tag)))
			return fail(x);
		return send_json(x, 200, doc, tag);
	}
	if (!json_is_object(x->body))
		return problem(x, 400, "invalid", NULL, cg_tr(x->lang, N_("expected a JSON object")));
	if (cg_store_begin(x->t->st, &x->err) != CG_OK || !(doc = operator_doc(x, tag)))
		return fail(x);
	bool ok;
	enum MHD_Result m = precondition_tag(x, tag, &ok);
	if (!ok) {
		json_decref(doc);
		return m;
	}
	json_object_update(doc, x->body);
	char *text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	if (!text)
		return MHD_NO;
	struct cg_operator op;
	cg_operator_init(&op);
	cg_code r = cg_operator_from_json(&op, text, strlen(text), &x->err);
	free(text);
	if (r == CG_OK)
		r = cg_operator_update(x->t->st, x->actor, &op, &x->err);
	cg_operator_release(&op);
	if (r != CG_OK || cg_store_commit(x->t->st, &x->err) != CG_OK)
		return fail(x);
	if (!(doc = operator_doc(x, tag)))
		return fail(x);
	return send_json(x, 200, doc, tag);
}

/* --- routing --- */

enum perm { P_NONE, P_READ, P_AUDIT, P_SYSTEMS, P_INCIDENTS, P_REGISTER, P_ADMIN, P_OBLIGATION, P_CATALOG, P_OPERATOR };

struct route {
	const char *method;
	const char *pattern; /* segments; "*" matches one */
	enum perm perm;
	int name;
	enum MHD_Result (*fn)(struct call *);
};

static const struct route routes[] = {
	{ "GET", "/api/v1/me", P_READ, 4, h_me },
	{ "PUT", "/api/v1/me", P_READ, R_ME_PUT, h_me },
	{ "GET", "/api/v1/kinds", P_READ, 58, h_kinds },
	{ "GET", "/api/v1/status", P_READ, 5, h_report },
	{ "GET", "/api/v1/gaps", P_READ, 6, h_report },
	{ "GET", "/api/v1/exposure", P_READ, 7, h_report },
	{ "GET", "/api/v1/due", P_READ, 8, h_report },
	{ "GET", "/api/v1/obligations", P_READ, 9, h_report },
	{ "GET", "/api/v1/registers", P_READ, 10, h_report },
	{ "GET", "/api/v1/systems", P_READ, 11, h_systems },
	{ "POST", "/api/v1/systems", P_SYSTEMS, 12, NULL },
	{ "GET", "/api/v1/systems/*", P_READ, 13, h_system },
	{ "PUT", "/api/v1/systems/*", P_SYSTEMS, 14, h_system },
	{ "DELETE", "/api/v1/systems/*", P_SYSTEMS, 15, h_system },
	{ "GET", "/api/v1/systems/*/screening", P_READ, 16, h_screening },
	{ "GET", "/api/v1/incidents", P_READ, 17, h_incidents },
	{ "POST", "/api/v1/incidents", P_INCIDENTS, 18, h_incidents },
	{ "GET", "/api/v1/incidents/*", P_READ, 19, h_incidents },
	{ "POST", "/api/v1/grade", P_READ, 20, h_grade },
	{ "GET", "/api/v1/registers/*", P_READ, 21, h_register },
	{ "POST", "/api/v1/registers/*", P_REGISTER, 22, h_register },
	{ "GET", "/api/v1/registers/*/*", P_READ, 23, h_register },
	{ "PUT", "/api/v1/registers/*/*", P_REGISTER, 24, h_register },
	{ "DELETE", "/api/v1/registers/*/*", P_REGISTER, 25, h_register },
	{ "POST", "/api/v1/registers/*/*/approve", P_REGISTER, 26, h_register },
	{ "GET", "/api/v1/audit/verify", P_AUDIT, 27, h_audit },
	{ "GET", "/api/v1/audit/log", P_AUDIT, 28, h_audit },
	{ "POST", "/api/v1/session", P_NONE, 29, h_login },
	{ "GET", "/api/v1/session", P_READ, 30, h_session },
	{ "DELETE", "/api/v1/session", P_READ, 31, h_session },
	{ "GET", "/api/v1/incidents/*/grade", P_READ, 38, h_incident_op },
	{ "GET", "/api/v1/incidents/*/report", P_READ, 39, h_incident_op },
	{ "PUT", "/api/v1/incidents/*", P_INCIDENTS, 40, h_incident_op },
	{ "POST", "/api/v1/incidents/*/close", P_INCIDENTS, 41, h_incident_op },
	{ "POST", "/api/v1/incidents/*/actions", P_INCIDENTS, 42, h_incident_op },
	{ "POST", "/api/v1/incidents/*/submissions", P_INCIDENTS, 43, h_incident_op },
	{ "PUT", "/api/v1/obligations/*/*", P_OBLIGATION, 44, h_obligation_set },
	{ "GET", "/api/v1/evidence", P_READ, 45, h_evidence },
	{ "POST", "/api/v1/evidence", P_OBLIGATION, 46, h_evidence },
	{ "GET", "/api/v1/evidence/*", P_READ, 47, h_evidence },
	{ "GET", "/api/v1/users", P_ADMIN, 32, h_users },
	{ "POST", "/api/v1/users", P_ADMIN, R_USER_CREATE, h_users },
	{ "PUT", "/api/v1/users/*", P_ADMIN, R_USER_PUT, h_users },
	{ "GET", "/api/v1/tokens", P_READ, 35, h_tokens },
	{ "POST", "/api/v1/tokens", P_READ, 36, h_tokens },
	{ "DELETE", "/api/v1/tokens/*", P_READ, 37, h_tokens },
	{ "GET", "/api/v1/catalogs", P_READ, 48, h_catalogs },
	{ "POST", "/api/v1/catalogs", P_CATALOG, 49, h_catalogs },
	{ "GET", "/api/v1/catalogs/*", P_READ, 50, h_catalogs },
	{ "GET", "/api/v1/catalogs/*/items/*", P_READ, 51, h_catalogs },
	{ "POST", "/api/v1/screening", P_READ, 52, h_screen_input },
	{ "POST", "/api/v1/systems/*/screening", P_SYSTEMS, 53, h_screen_record },
	{ "GET", "/api/v1/systems/*/screening/history", P_READ, 54, h_screen_record },
	{ "GET", "/api/v1/operator", P_READ, 55, h_operator },
	{ "PUT", "/api/v1/operator", P_OPERATOR, 56, h_operator },
	{ "GET", "/api/v1/summary", P_READ, 60, h_summary },
	{ "GET", "/api/v1/audit/head", P_AUDIT, 61, h_audit },
	{ "POST", "/api/v1/imports/systems", P_SYSTEMS, 62, h_systems_import },
	{ "POST", "/api/v1/imports/*", P_REGISTER, 63, h_register_import },
	{ "GET", "/api/v1/exports/*", P_READ, 64, h_register_export },
};

static enum MHD_Result h_create_system(struct call *x)
{
	return system_write(x, NULL);
}

/* Splits a path into segments (in place, percent-decoded by MHD already); false when unsafe. */
static bool split(char *path, char **parts, int *n)
{
	*n = 0;
	if (path[0] != '/')
		return false;
	for (char *p = path + 1, *s; *p; p = s) {
		s = strchr(p, '/');
		if (s)
			*s++ = '\0';
		else
			s = p + strlen(p);
		if (!*p || strcmp(p, ".") == 0 || strcmp(p, "..") == 0 || *n == MAX_PARTS)
			return false;
		for (char *q = p; *q; q++)
			if ((unsigned char)*q < 0x20 || *q == 0x7f)
				return false;
		/* ids are UTF-8 text: other bytes could not even be named in an answer */
		if (cg_utf8_valid_prefix((const unsigned char *)p, strlen(p)) != strlen(p))
			return false;
		parts[(*n)++] = p;
	}
	return true;
}

static bool matches(const char *pattern, char **parts, int n)
{
	char buf[128];
	char *pp[MAX_PARTS];
	int m;
	snprintf(buf, sizeof buf, "%s", pattern);
	if (!split(buf, pp, &m) || m != n)
		return false;
	for (int i = 0; i < n; i++)
		if (strcmp(pp[i], "*") != 0 && strcmp(pp[i], parts[i]) != 0)
			return false;
	return true;
}

/* The language Accept-Language prefers (RFC 9110 12.5.4): of zh and en (any region), the one
 * with the higher weight (q, default 1; q=0: not acceptable), the first listed on a tie. False
 * when it names neither (absent, only other languages, or "*"): then the user's setting decides. */
static bool lang_of(struct MHD_Connection *c, enum cg_lang *out)
{
	const char *a = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_LANGUAGE);
	int best = 0; /* the weight in thousandths */
	while (a && *a) {
		a += strspn(a, " \t,");
		size_t tl = strcspn(a, " \t;,");
		bool primary2 = tl == 2 || (tl > 2 && a[2] == '-'); /* "zh", "zh-CN", "zh-Hans-CN" */
		bool zh = primary2 && strncasecmp(a, "zh", 2) == 0, en = primary2 && strncasecmp(a, "en", 2) == 0;
		a += tl;
		int q = 1000;
		size_t pl = strcspn(a, ",");
		const char *w = a;
		while ((w = memchr(w, ';', pl - (size_t)(w - a))) != NULL) {
			w += 1 + strspn(w + 1, " \t");
			if ((w[0] == 'q' || w[0] == 'Q') && w[1] == '=') {
				/* qvalue: 0, 0.d{0,3}, 1 or 1.0{0,3} */
				q = (w[2] == '1') ? 1000 : 0;
				if (w[2] == '0' && w[3] == '.')
					for (int i = 0, m = 100; i < 3 && w[4 + i] >= '0' && w[4 + i] <= '9'; i++, m /= 10)
						q += (w[4 + i] - '0') * m;
			}
		}
		a += pl;
		if ((zh || en) && q > best) {
			best = q;
			*out = zh ? CG_LANG_ZH : CG_LANG_EN;
		}
	}
	return best > 0;
}

static void emit(struct cg_buf *b, bool *bad, const char *fmt, ...) CG_PRINTF(3, 4);
static void emit(struct cg_buf *b, bool *bad, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof line || cg_buf_adds(b, line) != CG_OK)
		*bad = true; /* a cut line would be a wrong metric: no answer rather than that */
}

/* A counter without labels: its HELP and TYPE lines and its value (a count, or seconds). */
static void emit_counter(struct cg_buf *b, bool *bad, const char *name, const char *what, double v, bool seconds)
{
	emit(b, bad, "# HELP %s %s\n# TYPE %s counter\n", name, what, name);
	if (seconds)
		emit(b, bad, "%s %.6f\n", name, v);
	else
		emit(b, bad, "%s %.0f\n", name, v);
}

/* The bucket a time of `us` falls in: the first bound it does not exceed, else n (+Inf). */
static int bucket_of(const double *bounds, int n, int64_t us)
{
	int k = 0;
	while (k < n && (double)us / 1e6 > bounds[k])
		k++;
	return k;
}

/* One histogram's series (cumulative buckets, +Inf, _sum, _count: what the buckets add up to),
 * with `label` (route="x") or none. */
static void emit_histogram(struct cg_buf *b, bool *bad, const char *name, const char *label,
			   const double *bounds, int n, _Atomic uint64_t *counts, double sum)
{
	const char *sep = *label ? "," : "";
	unsigned long long cum = 0;
	for (int k = 0; k <= n; k++) {
		cum += atomic_load(&counts[k]);
		if (k < n)
			emit(b, bad, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, label, sep, bounds[k], cum);
		else
			emit(b, bad, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, label, sep, cum);
	}
	if (*label)
		emit(b, bad, "%s_sum{%s} %.6f\n%s_count{%s} %llu\n", name, label, sum, name, label, cum);
	else
		emit(b, bad, "%s_sum %.6f\n%s_count %llu\n", name, sum, name, cum);
}

static enum MHD_Result metrics(struct call *x)
{
	struct cg_buf b;
	bool bad = false;
	cg_buf_init(&b, 0);
	emit(&b, &bad, "# HELP ciiguard_build_info The running build: its version and memory allocator.\n"
	     "# TYPE ciiguard_build_info gauge\nciiguard_build_info{version=\"%s\",allocator=\"%s\"} 1\n",
	     cg_version(), CIIGUARD_ALLOCATOR);
	emit(&b, &bad, "%s", "# HELP ciiguard_http_requests_total HTTP requests by route and status class.\n"
		    "# TYPE ciiguard_http_requests_total counter\n");
	for (int r = 0; r < NROUTES; r++)
		for (int k = 1; k < 6; k++) {
			uint64_t v = atomic_load(&M.by_class[r][k]);
			if (v)
				emit(&b, &bad, "ciiguard_http_requests_total{route=\"%s\",code=\"%dxx\"} %llu\n", route_names[r], k,
					    (unsigned long long)v);
		}
	emit(&b, &bad, "%s", "# HELP ciiguard_http_request_duration_seconds Time to answer, by route.\n"
		    "# TYPE ciiguard_http_request_duration_seconds histogram\n");
	for (int r = 0; r < NROUTES; r++) {
		uint64_t count = 0;
		for (int k = 0; k <= NBUCKETS; k++)
			count += atomic_load(&M.hist[r][k]);
		if (!count)
			continue;
		char label[64];
		snprintf(label, sizeof label, "route=\"%s\"", route_names[r]);
		emit_histogram(&b, &bad, "ciiguard_http_request_duration_seconds", label, buckets, NBUCKETS, M.hist[r],
			       (double)atomic_load(&M.sum_us[r]) / 1e6);
	}
	emit(&b, &bad, "# HELP ciiguard_http_denied_total Requests refused for the role (403).\n"
		    "# TYPE ciiguard_http_denied_total counter\nciiguard_http_denied_total %llu\n",
		    (unsigned long long)atomic_load(&M.denied));
	emit(&b, &bad, "# HELP ciiguard_login_failures_total Failed sign-ins, and those refused while throttled.\n"
	     "# TYPE ciiguard_login_failures_total counter\nciiguard_login_failures_total{kind=\"wrong\"} %llu\n"
	     "ciiguard_login_failures_total{kind=\"throttled\"} %llu\n", (unsigned long long)atomic_load(&M.login_failed),
	     (unsigned long long)atomic_load(&M.throttled));
	emit_counter(&b, &bad, "ciiguard_http_slow_bodies_total",
		     "Connections closed because a request's body took longer than --body-timeout.",
		     (double)atomic_load(&M.slow_bodies), false);
	emit(&b, &bad, "# HELP ciiguard_http_unauthenticated_total Requests without a valid token (401).\n"
		    "# TYPE ciiguard_http_unauthenticated_total counter\nciiguard_http_unauthenticated_total %llu\n",
		    (unsigned long long)atomic_load(&M.unauthenticated));
	emit_counter(&b, &bad, "ciiguard_write_batches_total", "Batches of writes, each one transaction and one commit.",
		     (double)atomic_load(&M.batches), false);
	emit_counter(&b, &bad, "ciiguard_write_batched_requests_total", "Requests run in those batches.",
		     (double)atomic_load(&M.batched), false);
	emit_counter(&b, &bad, "ciiguard_write_batch_retries_total",
		     "Batches run again with a savepoint per request, after a write in them failed.",
		     (double)atomic_load(&M.batch_retries), false);
	emit_counter(&b, &bad, "ciiguard_writer_busy_seconds_total", "Time the writer thread spent on batches: its load.",
		     (double)atomic_load(&M.writer_us) / 1e6, true);
	uint64_t syncs = 0;
	for (int k = 0; k <= NSYNCBUCKETS; k++)
		syncs += atomic_load(&M.sync_hist[k]);
	emit_counter(&b, &bad, "ciiguard_log_syncs_total", "Syncs of the SQLite write-ahead log by the group commit.",
		     (double)syncs, false);
	emit_counter(&b, &bad, "ciiguard_log_sync_seconds_total", "Time those syncs took.",
		     (double)atomic_load(&M.sync_us) / 1e6, true);
	emit(&b, &bad, "%s", "# HELP ciiguard_log_sync_duration_seconds Time each of those syncs took.\n"
	     "# TYPE ciiguard_log_sync_duration_seconds histogram\n");
	emit_histogram(&b, &bad, "ciiguard_log_sync_duration_seconds", "", sync_buckets, NSYNCBUCKETS, M.sync_hist,
		       (double)atomic_load(&M.sync_us) / 1e6);
	emit(&b, &bad, "# HELP ciiguard_checkpoints_total Checkpoints of the SQLite log into the database file, by thread.\n"
	     "# TYPE ciiguard_checkpoints_total counter\nciiguard_checkpoints_total{by=\"checkpointer\"} %llu\n"
	     "ciiguard_checkpoints_total{by=\"writer\"} %llu\n",
	     (unsigned long long)atomic_load(&M.ckpts[0]), (unsigned long long)atomic_load(&M.ckpts[1]));
	emit(&b, &bad, "# HELP ciiguard_checkpoint_seconds_total Time those checkpoints took.\n"
	     "# TYPE ciiguard_checkpoint_seconds_total counter\nciiguard_checkpoint_seconds_total{by=\"checkpointer\"} %.6f\n"
	     "ciiguard_checkpoint_seconds_total{by=\"writer\"} %.6f\n",
	     (double)atomic_load(&M.ckpt_us[0]) / 1e6, (double)atomic_load(&M.ckpt_us[1]) / 1e6);
	/* the deadlines, open and overdue */
	const struct cg_catalog *c = catalog(x);
	int64_t open = 0, over = 0;
	if (c && cg_due_counts(x->t->st, c, &open, &over, &x->err) == CG_OK)
		emit(&b, &bad, "# HELP ciiguard_deadlines Open deadlines (ciiguard due), and of them overdue.\n"
			    "# TYPE ciiguard_deadlines gauge\nciiguard_deadlines{state=\"open\"} %lld\n"
			    "ciiguard_deadlines{state=\"overdue\"} %lld\n", (long long)open, (long long)over);
	if (bad) {
		cg_buf_release(&b);
		return MHD_NO;
	}
	size_t len = b.len;
	char *text = cg_buf_take(&b);
	return respond(x, 200, "text/plain; version=0.0.4", text, len, NULL);
}

/* --- the web console: its files, compiled in (cmake/console.cmake) --- */

struct asset {
	const char *name, *type;
	const unsigned char *start, *end;
};
#include "console_assets.h"
enum { NASSETS = sizeof console_assets / sizeof console_assets[0] };
static char asset_tags[NASSETS][24];
static pthread_once_t asset_once = PTHREAD_ONCE_INIT;

static void asset_tags_init(void)
{
	for (size_t i = 0; i < NASSETS; i++) {
		char hex[CG_HASH_HEX + 1];
		cg_sha256_hex(console_assets[i].start, (size_t)(console_assets[i].end - console_assets[i].start), hex);
		snprintf(asset_tags[i], sizeof asset_tags[i], "\"%.16s\"", hex);
	}
}

/* The console's page allows only its own scripts, styles and API: no inline script, no other
 * origin, no framing. ECharts sets style attributes on the elements it draws. */
#define CONSOLE_CSP "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " \
	"connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

/* GET / (the console's page) and /console/NAME (its scripts and styles). */
static enum MHD_Result console(struct call *x, const char *url)
{
	const char *name = strcmp(url, "/") == 0 ? "index.html" : url + strlen("/console/");
	const struct asset *a = NULL;
	size_t i;
	for (i = 0; i < NASSETS; i++)
		if (strcmp(console_assets[i].name, name) == 0) {
			a = &console_assets[i];
			break;
		}
	x->r->route = NROUTES - 1;
	if (!a || (strcmp(url, "/") != 0 && strcmp(name, "index.html") == 0))
		return problem(x, 404, "not_found", NULL, cg_tr(x->lang, N_("no such resource")));
	if (strcmp(x->method, "GET") != 0 && strcmp(x->method, "HEAD") != 0) {
		snprintf(x->allow, sizeof x->allow, "GET, HEAD");
		return problem(x, 405, "method_not_allowed", NULL, NULL);
	}
	pthread_once(&asset_once, asset_tags_init);
	const char *inm = MHD_lookup_connection_value(x->c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
	bool fresh = inm && strcmp(inm, asset_tags[i]) == 0;
	struct MHD_Response *res = MHD_create_response_from_buffer(fresh ? 0 : (size_t)(a->end - a->start),
								    fresh ? NULL : (void *)a->start, MHD_RESPMEM_PERSISTENT);
	if (!res)
		return MHD_NO;
	MHD_add_response_header(res, "Content-Type", a->type);
	MHD_add_response_header(res, "Cache-Control", "no-cache");
	MHD_add_response_header(res, "ETag", asset_tags[i]);
	MHD_add_response_header(res, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(res, "Referrer-Policy", "no-referrer");
	if (strcmp(name, "index.html") == 0) {
		MHD_add_response_header(res, "Content-Security-Policy", CONSOLE_CSP);
		MHD_add_response_header(res, "X-Frame-Options", "DENY");
	}
	x->r->status = fresh ? 304 : 200;
	enum MHD_Result ok = MHD_queue_response(x->c, x->r->status, res);
	MHD_destroy_response(res);
	return ok;
}

/* Runs the handler, or, when only preparing, keeps it for the batch writer. */
static enum MHD_Result go(struct call *x, enum MHD_Result (*fn)(struct call *))
{
	if (x->prepare_only) {
		x->run = fn;
		return MHD_YES;
	}
	return fn(x);
}

static enum MHD_Result dispatch(struct call *x, const char *url)
{
	if (strlen(url) >= sizeof x->path)
		return problem(x, 414, "uri_too_long", NULL, NULL);
	snprintf(x->path, sizeof x->path, "%s", url);
	snprintf(x->r->path, sizeof x->r->path, "%s", url);
	if (strcmp(url, "/") == 0 || strncmp(url, "/console/", 9) == 0)
		return console(x, url);
	if (!split(x->path, x->parts, &x->nparts))
		return problem(x, 404, "not_found", NULL, cg_tr(x->lang, N_("no such resource")));
	bool service = (x->nparts == 1 && (strcmp(x->parts[0], "healthz") == 0 || strcmp(x->parts[0], "metrics") == 0)) ||
		       (x->nparts == 3 && strcmp(x->parts[0], "api") == 0 && strcmp(x->parts[1], "v1") == 0 &&
			strcmp(x->parts[2], "openapi.json") == 0);
	/* HEAD is GET without the body (MHD leaves it out) */
	if (strcmp(x->method, "HEAD") == 0)
		x->method = "GET";
	if (service && strcmp(x->method, "GET") != 0) {
		snprintf(x->allow, sizeof x->allow, "GET, HEAD");
		return problem(x, 405, "method_not_allowed", NULL, NULL);
	}
	if (x->nparts == 1 && strcmp(x->parts[0], "healthz") == 0) {
		x->r->route = 1;
		return send_json(x, 200, json_pack("{s:s}", "status", "ok"), NULL);
	}
	if (x->nparts == 3 && strcmp(x->parts[0], "api") == 0 && strcmp(x->parts[1], "v1") == 0 &&
	    strcmp(x->parts[2], "openapi.json") == 0) {
		x->r->route = 3;
		char *copy = malloc(cg_openapi_json_len + 1);
		if (!copy)
			return MHD_NO;
		memcpy(copy, cg_openapi_json, cg_openapi_json_len + 1);
		return respond(x, 200, "application/json", copy, cg_openapi_json_len, NULL);
	}
	if (!(x->t = thread_ctx(&x->err)))
		return fail(x);
	if (x->nparts == 1 && strcmp(x->parts[0], "metrics") == 0) {
		x->r->route = 2;
		return metrics(x);
	}
	const struct route *rt = NULL;
	bool path_known = false;
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
		if (matches(routes[i].pattern, x->parts, x->nparts)) {
			path_known = true;
			if (strcmp(routes[i].method, x->method) == 0) {
				rt = &routes[i];
				break;
			}
			/* the path's methods, for a 405's Allow */
			size_t at = strlen(x->allow);
			snprintf(x->allow + at, sizeof x->allow - at, "%s%s%s", at ? ", " : "", routes[i].method,
				 strcmp(routes[i].method, "GET") == 0 ? ", HEAD" : "");
		}
	if (!rt)
		return path_known ? problem(x, 405, "method_not_allowed", NULL, NULL) :
			problem(x, 404, "not_found", NULL, cg_tr(x->lang, N_("no such resource")));
	x->r->route = rt->name;
	if (rt->perm == P_NONE)
		goto body;
	if (!authenticate(x)) {
		atomic_fetch_add(&M.unauthenticated, 1);
		return problem(x, 401, "unauthenticated", "Authorization",
			       cg_tr(x->lang, N_("send 'Authorization: Bearer TOKEN' with a valid token (ciiguard token create)")));
	}
	snprintf(x->r->user, sizeof x->r->user, "%s", x->user);
	snprintf(x->actor, sizeof x->actor, "api:%s", x->user);
	if (!x->lang_given && x->user_lang[0]) {
		x->lang = strcmp(x->user_lang, "zh") == 0 ? CG_LANG_ZH : CG_LANG_EN;
		x->err.lang = x->lang;
	}
	/* grading and screening a description answer a question: they change nothing */
	bool write = strcmp(x->method, "GET") != 0 && rt->fn != h_grade && rt->fn != h_screen_input;
	if (write && strcmp(x->scope, "write") != 0)
		return denied(x, N_("a read-only token cannot change anything"));
	if (x->by_cookie && strcmp(x->method, "GET") != 0) {
		/* a signed-in browser proves the request comes from the console itself */
		const char *t = MHD_lookup_connection_value(x->c, MHD_HEADER_KIND, "X-CSRF-Token");
		if (!t || strlen(t) != strlen(x->csrf) || CRYPTO_memcmp(t, x->csrf, strlen(x->csrf)) != 0)
			return denied(x, N_("send X-CSRF-Token with the token given at sign-in"));
	}
	switch (rt->perm) {
	case P_AUDIT:
		if (!role_in(x, R_AUDIT))
			return denied(x, N_("this role does not read the audit trail"));
		break;
	case P_SYSTEMS:
	case P_INCIDENTS:
		if (!role_in(x, R_SYSTEMS))
			return denied(x, N_("this role does not change systems or incidents"));
		break;
	case P_READ:
		if (!role_in(x, R_ALL))
			return denied(x, N_("unknown role"));
		break;
	case P_OBLIGATION:
		if (!role_in(x, R_BODY))
			return denied(x, N_("only the security body records obligations and evidence"));
		break;
	case P_ADMIN:
		if (strcmp(x->role, "admin") != 0)
			return denied(x, N_("only an admin manages users"));
		break;
	case P_CATALOG:
		if (!role_in(x, R_BODY))
			return denied(x, N_("only the security body imports rule libraries"));
		break;
	case P_OPERATOR:
		if (!role_in(x, R_BODY))
			return denied(x, N_("only the security body changes the operator profile"));
		break;
	default:
		break;
	}
body:
	if (rt->fn == h_evidence || rt->fn == h_catalogs || (rt->fn == h_screen_record && !x->r->len))
		return go(x, rt->fn);
	/* an import's body is JSON, parsed below, or CSV, read by the import */
	if ((rt->fn == h_systems_import || rt->fn == h_register_import) &&
	    !is_json_type(MHD_lookup_connection_value(x->c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE)))
		return go(x, rt->fn);
	if (x->r->len || strcmp(x->method, "POST") == 0 || strcmp(x->method, "PUT") == 0) {
		const char *ct = MHD_lookup_connection_value(x->c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
		json_error_t jerr;
		if (!is_json_type(ct))
			return problem(x, 415, "unsupported_media_type", "Content-Type",
				       cg_tr(x->lang, N_("send the body as application/json")));
		if (!(x->body = json_loadb(x->r->body ? x->r->body : "", x->r->len, JSON_REJECT_DUPLICATES, &jerr))) {
			char detail[400];
			snprintf(detail, sizeof detail, cg_tr(x->lang, N_("not valid JSON (line %d, column %d): %s")), jerr.line,
				 jerr.column, jerr.text);
			return problem(x, 400, "invalid_json", NULL, detail);
		}
		if (rt->fn == h_screen_input) { /* screened from the text itself, unknown keys named */
			json_decref(x->body);
			x->body = NULL;
		}
	}
	return go(x, rt->fn ? rt->fn : h_create_system);
}

/* --- batched writes ---
 *
 * Requests that may write are run by one writer thread, in batches: whatever has queued up
 * while the previous batch committed runs in one transaction, and a request that fails undoes
 * only its own changes (batch_pass: first without savepoints, then, after a failure, each
 * request inside its own savepoint, cg_store_nest). The batch is committed once (one fsync for
 * all), and only then does each request's response leave: its connection waits suspended, and a failed commit turns every success of the batch
 * into a 500. The audit chain needs its writers one after another anyway; this spreads the cost
 * of a durable commit over every write that arrived meanwhile.
 */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct req *head, *tail;
	bool running, stop;
	pthread_t thread;
} WQ = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, NULL, false, false, 0 };

/* Appends the requests first..last to a queue (under its lock). */
static void queue_append(struct req **head, struct req **tail, struct req *first, struct req *last)
{
	if (*tail)
		(*tail)->next = first;
	else
		*head = first;
	*tail = last;
}

static bool batch_enqueue(struct MHD_Connection *c, struct req *r, struct call *x)
{
	pthread_mutex_lock(&WQ.lock);
	if (!WQ.running || WQ.stop) {
		pthread_mutex_unlock(&WQ.lock);
		return false;
	}
	r->conn = c;
	r->call = x;
	r->lang = x->lang;
	r->next = NULL;
	MHD_suspend_connection(c);
	queue_append(&WQ.head, &WQ.tail, r, r);
	pthread_cond_signal(&WQ.cond);
	pthread_mutex_unlock(&WQ.lock);
	return true;
}

/* Frees a batched write's call (on the connection's thread, whose allocator arena made it). */
static void drop_call(struct req *r)
{
	if (r->call) {
		json_decref(r->call->body);
		free(r->call);
		r->call = NULL;
	}
}

static void batch_fail(struct call *x)
{
	problem(x, 503, "unavailable", NULL, cg_tr(x->lang, N_("the server could not complete the request")));
}

/*
 * One pass over a batch's requests in the open transaction. With `savepoints`, each request runs
 * in its own savepoint and a failure undoes that request alone. Without (the first pass): no
 * savepoints, which saves SQLite a copy of every page a request changes (a third of a write's
 * work); the first request that fails ends the pass and is returned, and the caller undoes the
 * whole transaction and runs the batch again with savepoints, all but that request, which keeps
 * its answer (its changes went with the rest): `skip`. Should a request before it fail this
 * time, or the transaction be lost, skip runs again too, since its answer was made on changes that
 * will not be kept. A first pass runs a request on a copy of its body, so that a second pass sees
 * the body as it came. A pass drops any answer an earlier pass left before it runs a request.
 */
static struct req *batch_pass(struct req *batch, struct tctx *t, bool savepoints, struct req *skip, bool *lost)
{
	struct cg_error err;
	bool changed = false; /* a request before `skip` failed now: skip's answer is run again */
	cg_error_init(&err, CG_LANG_EN);
	for (struct req *r = batch; r; r = r->next) {
		struct call *xp = r->call;
		if (r == skip && !changed && !*lost)
			continue;
		xp->t = t;
		r->deferred = true;
		r->good = false;
		/* no answer of an earlier pass may leave: its changes are gone */
		stash_drop(r);
		r->stash_etag[0] = '\0';
		r->status = 0;
		cg_error_init(&xp->err, xp->err.lang);
		if (*lost || (savepoints && cg_store_begin(t->st, &xp->err) != CG_OK)) {
			batch_fail(xp);
			continue;
		}
		json_t *body = xp->body, *copy = NULL;
		if (!savepoints && body && !(copy = json_deep_copy(body))) {
			batch_fail(xp);
			return r;
		}
		if (copy)
			xp->body = copy;
		enum MHD_Result ok = xp->run(xp);
		if (copy) {
			xp->body = body;
			json_decref(copy);
		}
		bool answered = r->stash || r->stash_doc;
		bool good = ok == MHD_YES && answered && r->status < 400;
		if (!savepoints) {
			if (good && cg_store_depth(t->st) == 1) {
				r->good = true;
				continue;
			}
			if (!answered || r->status < 400)
				batch_fail(xp); /* no answer, or a success whose changes cannot be kept */
			return r;
		}
		/* back to the batch's own level: keep the request's changes (release its savepoints) or
		 * undo them (a release that fails has undone its own savepoint already) */
		while (cg_store_depth(t->st) > 1) {
			if (good && cg_store_commit(t->st, &err) == CG_OK)
				continue;
			good = false;
			if (cg_store_depth(t->st) > 1)
				cg_store_rollback(t->st);
		}
		if (cg_store_depth(t->st) != 1)
			*lost = true; /* the transaction itself is gone: nothing of this batch stays */
		if (!answered || (!good && r->status < 400))
			batch_fail(xp);
		r->good = good;
		if (!good && skip)
			changed = true;
	}
	return NULL;
}

static void batch_run(struct req *batch)
{
	struct cg_error err;
	cg_error_init(&err, CG_LANG_EN);
	struct tctx *t = thread_ctx(&err);
	bool open = false, lost = false;
	struct req *failed = NULL;
	if (t) {
		cg_store_nest(t->st, true);
		open = cg_store_begin(t->st, &err) == CG_OK;
	}
	bool committed = false, retry = false;
	if (open) {
		failed = batch_pass(batch, t, false, NULL, &lost);
		if (!failed)
			committed = cg_store_commit(t->st, &err) == CG_OK;
		/* also a failure only the commit saw (PostgreSQL: the error of a statement that a request
		 * let pass aborts the transaction): then every request runs again, in its savepoint */
		retry = !committed;
	}
	if (retry) {
		atomic_fetch_add(&M.batch_retries, 1);
		while (cg_store_in_transaction(t->st))
			cg_store_rollback(t->st);
		open = cg_store_begin(t->st, &err) == CG_OK;
		lost = !open;
		batch_pass(batch, t, true, failed, &lost);
		committed = open && !lost && cg_store_commit(t->st, &err) == CG_OK;
	} else if (!open) {
		lost = true;
		batch_pass(batch, t, true, NULL, &lost); /* every request answers 503 */
	}
	if (committed)
		atomic_fetch_add(&data_gen, 1);
	/* a user changed (language, disabled, password): every thread's token cache forgets, now that
	 * the change is visible to them */
	for (struct req *r = batch; committed && r; r = r->next)
		if (r->good && (r->route == R_USER_CREATE || r->route == R_USER_PUT || r->route == R_ME_PUT))
			atomic_fetch_add(&users_gen, 1);
	if (t && cg_store_in_transaction(t->st))
		cg_store_rollback(t->st);
	if (!committed) {
		if (open)
			fprintf(stderr, "{\"event\":\"batch_failed\",\"detail\":\"%s\"}\n", lost ? "transaction lost" : "commit failed");
		for (struct req *r = batch; r; r = r->next)
			if (r->good) {
				batch_fail(r->call);
				r->good = false;
			}
	}
}

/* Lets a batch's answers leave; `durable` false turns its successes into 503 (the disk refused). */
static void batch_release(struct req *batch, bool durable)
{
	for (struct req *r = batch, *next; r; r = next) {
		next = r->next; /* r may be freed once its connection resumes */
		if (!durable && r->good)
			batch_fail(r->call);
		r->resumed = true; /* the connection's thread frees r->call, which it allocated */
		MHD_resume_connection(r->conn);
	}
}

/* A structured line on stderr for an event of the server itself; the detail is escaped. */
static void log_event(const char *event, const char *detail)
{
	json_t *o = json_pack("{s:s,s:s}", "event", event, "detail", detail ? detail : "");
	char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	if (text)
		fprintf(stderr, "%s\n", text);
	free(text);
	json_decref(o);
}

/* --- durable group commit (SQLite) ---
 *
 * The writer's commits return once the log is written (cg_store_defer_sync), and the writer goes
 * on with the next batch while the syncer makes the log durable (fdatasync); only then do the
 * committed batches' answers leave. The disk's wait leaves the writer's path, not the answers'.
 * Copying the log into the database file (a checkpoint: milliseconds, every few thousand writes)
 * runs on its own thread; the writer then copies only what that left, so that the log starts over
 * instead of growing.
 */
#define CKPT_FRAMES 1000  /* a checkpoint starts when the log is this long (SQLite's own default) */
#define CKPT_REST 100    /* left by the checkpointer: few enough for the writer to copy */
#define CKPT_FORCE 16000  /* the checkpointer is behind (a long reader): the writer copies itself */

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct req *head, *tail; /* committed batches, not yet durable, one after another */
	bool running, stop;
	pthread_t thread;
	struct cg_store *st; /* the writer's connection: only its log descriptor is used here */
} SY = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, NULL, false, false, 0, NULL };

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool want, busy, running, stop;
	atomic_bool done; /* a checkpoint finished: the writer copies what it left */
	pthread_t thread;
} CK = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, false, false, false, false, 0 };

static void *syncer(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "cg-syncer");
	for (;;) {
		pthread_mutex_lock(&SY.lock);
		while (!SY.head && !SY.stop)
			pthread_cond_wait(&SY.cond, &SY.lock);
		struct req *list = SY.head;
		SY.head = SY.tail = NULL;
		pthread_mutex_unlock(&SY.lock);
		if (!list)
			break; /* stopping, and nothing is left */
		int64_t t0 = now_us();
		bool durable = cg_store_sync(SY.st) == 0;
		int64_t us = now_us() - t0;
		atomic_fetch_add(&M.sync_hist[bucket_of(sync_buckets, NSYNCBUCKETS, us)], 1);
		atomic_fetch_add(&M.sync_us, (uint64_t)us);
		if (!durable)
			log_event("sync_failed", strerror(errno));
		batch_release(list, durable);
	}
	return NULL;
}

static void syncer_enqueue(struct req *batch)
{
	struct req *last = batch;
	while (last->next)
		last = last->next;
	pthread_mutex_lock(&SY.lock);
	queue_append(&SY.head, &SY.tail, batch, last);
	pthread_cond_signal(&SY.cond);
	pthread_mutex_unlock(&SY.lock);
}

static void *checkpointer(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "cg-checkpoint");
	struct cg_store *st = NULL;
	struct cg_error err;
	cg_error_init(&err, CG_LANG_EN);
	if (cg_store_open(S.db, 0, &st, &err) != CG_OK)
		log_event("checkpointer_failed", err.message);
	for (;;) {
		pthread_mutex_lock(&CK.lock);
		while (!CK.want && !CK.stop)
			pthread_cond_wait(&CK.cond, &CK.lock);
		bool stop = CK.stop;
		CK.want = false;
		pthread_mutex_unlock(&CK.lock);
		if (stop)
			break;
		int64_t t0 = now_us();
		if (st && cg_store_checkpoint(st) == -2)
			log_event("checkpoint_sync_failed", strerror(errno));
		atomic_fetch_add(&M.ckpt_us[0], (uint64_t)(now_us() - t0));
		atomic_fetch_add(&M.ckpts[0], 1);
		pthread_mutex_lock(&CK.lock);
		CK.busy = false;
		pthread_mutex_unlock(&CK.lock);
		atomic_store(&CK.done, true);
	}
	cg_store_free(st);
	return NULL;
}

/* After each batch the writer commits: start a checkpoint, or finish one. A checkpoint copies
 * while the writer goes on, so it leaves what was committed meanwhile; it runs again until little
 * is left, and the writer copies that itself (the log starts over at its next batch). */
static void writer_checkpoints(struct cg_store *st)
{
	static long asked_at; /* the log's length when the running checkpoint was asked for */
	long frames = cg_store_log_frames(st);
	bool done = atomic_exchange(&CK.done, false);
	if (frames >= CKPT_FORCE || (done && frames - asked_at <= CKPT_REST)) {
		int64_t t0 = now_us();
		cg_store_checkpoint(st);
		atomic_fetch_add(&M.ckpt_us[1], (uint64_t)(now_us() - t0));
		atomic_fetch_add(&M.ckpts[1], 1);
		return;
	}
	if (!done && frames < CKPT_FRAMES)
		return;
	pthread_mutex_lock(&CK.lock);
	if (!CK.busy) {
		CK.busy = CK.want = true;
		asked_at = frames;
		pthread_cond_signal(&CK.cond);
	}
	pthread_mutex_unlock(&CK.lock);
}

/* On the writer's thread, after the last batch: every answer leaves before the writer ends. */
static void group_commit_stop(void)
{
	if (SY.running) {
		pthread_mutex_lock(&SY.lock);
		SY.stop = true;
		pthread_cond_signal(&SY.cond);
		pthread_mutex_unlock(&SY.lock);
		pthread_join(SY.thread, NULL);
		SY.running = false;
	}
	if (CK.running) {
		pthread_mutex_lock(&CK.lock);
		CK.stop = true;
		pthread_cond_signal(&CK.cond);
		pthread_mutex_unlock(&CK.lock);
		pthread_join(CK.thread, NULL);
		CK.running = false;
	}
}

/* On the writer's thread, before the first batch: group commit where the store has it. */
static void group_commit_start(void)
{
	struct cg_error err;
	cg_error_init(&err, CG_LANG_EN);
	struct tctx *t = thread_ctx(&err);
	const char *off = getenv("CIIGUARD_NO_GROUP_COMMIT");
	if (!t || strcmp(cg_store_backend(t->st), "sqlite") != 0 || (off && strcmp(off, "1") == 0))
		return;
	SY.st = t->st;
	if (pthread_create(&SY.thread, NULL, syncer, NULL) != 0)
		return;
	SY.running = true;
	CK.running = pthread_create(&CK.thread, NULL, checkpointer, NULL) == 0;
	if (!CK.running || cg_store_defer_sync(t->st, &err) != CG_OK) {
		log_event("group_commit_off", CK.running ? err.message : "no thread");
		group_commit_stop();
	}
}

/* Hears the database's change notifications (PostgreSQL); the system cache lives while it does. */
static void *listener(void *arg)
{
	(void)arg;
	while (!atomic_load(&LS.stop)) {
		struct cg_store *st = NULL;
		struct cg_error err;
		cg_error_init(&err, CG_LANG_EN);
		if (cg_store_open(S.db, 0, &st, &err) == CG_OK && cg_store_listen(st, &err) == CG_OK) {
			atomic_fetch_add(&data_gen, 1); /* whatever changed while nobody listened */
			atomic_store(&cache_live, true);
			int n;
			while (!atomic_load(&LS.stop) && (n = cg_store_notifications(st, 200)) >= 0)
				if (n > 0)
					atomic_fetch_add(&data_gen, 1);
			atomic_store(&cache_live, false);
			atomic_fetch_add(&data_gen, 1);
			if (!atomic_load(&LS.stop))
				fprintf(stderr, "{\"event\":\"notifications_lost\",\"detail\":\"the system cache is off until they are heard again\"}\n");
		}
		cg_store_free(st);
		for (int i = 0; i < 10 && !atomic_load(&LS.stop); i++)
			usleep(100000);
	}
	return NULL;
}

/* The writer finishes what it has queued (later writes run one by one), then stops. */
static void stop_batch_writer(void)
{
	pthread_mutex_lock(&WQ.lock);
	WQ.stop = true;
	pthread_cond_signal(&WQ.cond);
	pthread_mutex_unlock(&WQ.lock);
	if (WQ.running)
		pthread_join(WQ.thread, NULL);
}

static void stop_listener(void)
{
	atomic_store(&LS.stop, true);
	if (LS.running)
		pthread_join(LS.thread, NULL);
}

static void *batch_writer(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "cg-writer");
	group_commit_start();
	for (;;) {
		pthread_mutex_lock(&WQ.lock);
		while (!WQ.head && !WQ.stop)
			pthread_cond_wait(&WQ.cond, &WQ.lock);
		struct req *batch = WQ.head;
		bool stop = WQ.stop;
		WQ.head = WQ.tail = NULL;
		pthread_mutex_unlock(&WQ.lock);
		if (!batch) {
			if (stop)
				break;
			continue;
		}
		int64_t t0 = now_us();
		pthread_mutex_lock(&write_lock);
		batch_run(batch);
		atomic_fetch_add(&M.batches, 1);
		for (struct req *r = batch; r; r = r->next)
			atomic_fetch_add(&M.batched, 1);
		/* the batch's sync does not wait for the writer's checkpoint: a checkpoint restarts the
		 * log only at the next commit, after it has made the database file durable */
		if (SY.running) {
			syncer_enqueue(batch);
			writer_checkpoints(SY.st);
		}
		pthread_mutex_unlock(&write_lock);
		atomic_fetch_add(&M.writer_us, (uint64_t)(now_us() - t0));
		if (!SY.running)
			batch_release(batch, true);
	}
	group_commit_stop();
	return NULL;
}

/* Request bodies are read whole before the request is checked (route, token, permission): all
 * of them together are held to this, so that many clients sending large bodies, signed in or not,
 * cannot exhaust memory; past it a request gets 503 and Retry-After. */
#define INFLIGHT_MAX ((size_t)64 << 20)
static _Atomic size_t inflight;

/* Sees the request line as it came, before libmicrohttpd decodes it: a %00 there would become a
 * NUL that ends the path or an argument early (GET /systems/a%00b would read the system a). The
 * request's state starts here; the handler answers 400. */
static void *uri_seen(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct req *r = calloc(1, sizeof *r);
	(void)cls;
	(void)c;
	if (r)
		r->nul_in_url = strstr(uri, "%00") != NULL;
	return r;
}

/* Finds a query argument whose name or value is not UTF-8: every argument reaches a handler as
 * text, and some reach a query, which PostgreSQL refuses (500) where SQLite finds nothing. */
static enum MHD_Result arg_utf8(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
				const char *value, size_t value_size)
{
	struct req *r = cls;
	(void)kind;
	bool key_ok = cg_utf8_valid_prefix((const unsigned char *)key, key_size) == key_size;
	if (key_ok && (!value || cg_utf8_valid_prefix((const unsigned char *)value, value_size) == value_size))
		return MHD_YES;
	r->bad_arg = true;
	if (key_ok && key_size < sizeof r->arg_name) /* else unnamed: cut, it might not be UTF-8 */
		snprintf(r->arg_name, sizeof r->arg_name, "%.*s", (int)key_size, key);
	return MHD_NO;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			       const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct req *r = *con_cls;
	(void)cls;
	(void)version;

	if (!r || !r->t0) { /* the first call (r: made by uri_seen, or not when it ran out of memory) */
		if (!r && !(r = calloc(1, sizeof *r)))
			return MHD_NO;
		r->t0 = now_us();
		snprintf(r->method, sizeof r->method, "%s", method);
		snprintf(r->path, sizeof r->path, "%s", url);
		*con_cls = r;
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		int64_t n;
		/* evidence files and rule libraries may be larger than a JSON body, for a request that
		 * carries credentials (checked once the body is in) */
		bool creds = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION) ||
			     MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "cg_session");
		r->max = creds && (strcmp(url, "/api/v1/evidence") == 0 || strcmp(url, "/api/v1/catalogs") == 0) ?
			 CG_EVIDENCE_MAX_BYTES : S.body_max;
		MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, arg_utf8, r);
		if (r->nul_in_url || r->bad_arg) {
			/* answered below, before any body */
		} else if (cl && (cg_parse_number(cl, &n) != 0 || (uint64_t)n > r->max)) {
			r->too_large = true;
		} else if (cl && n > 0 && atomic_fetch_add(&inflight, (size_t)n) + (size_t)n > INFLIGHT_MAX) {
			/* refused before the body is sent (a client waiting for 100 Continue hears it) */
			atomic_fetch_sub(&inflight, (size_t)n);
			r->busy = true;
		} else {
			r->reserved = cl ? (size_t)n : 0;
			return MHD_YES;
		}
	}
	if (*upload_size && !r->too_large && !r->busy && !r->nul_in_url && !r->bad_arg) {
		/* the idle timeout does not end a body sent a byte at a time: its whole time does. The
		 * connection is closed, logged as 408: libmicrohttpd 0.9.75 takes no answer while a body
		 * is coming in (a client that slow has stopped listening anyway, as nginx assumes). */
		if (now_us() - r->t0 > S.body_us) {
			r->status = 408;
			atomic_fetch_add(&M.slow_bodies, 1);
			return MHD_NO;
		} else if (r->len + *upload_size > r->max) {
			r->too_large = true;
		} else if (r->len + *upload_size > r->reserved && /* a body without Content-Length */
			   atomic_fetch_add(&inflight, *upload_size) + *upload_size > INFLIGHT_MAX) {
			atomic_fetch_sub(&inflight, *upload_size);
			r->busy = true;
		} else {
			/* once, for its Content-Length; else doubling, not a copy per piece */
			size_t need = r->len + *upload_size + 1, cap = r->cap;
			if (need > cap) {
				cap = r->reserved + 1 >= need ? r->reserved + 1 : cap * 2 >= need ? cap * 2 : need;
				if (cap > r->max + 1) /* need is not: the body is within max */
					cap = r->max + 1;
				char *b = realloc(r->body, cap);
				if (!b) {
					if (r->len + *upload_size > r->reserved)
						atomic_fetch_sub(&inflight, *upload_size);
					return MHD_NO;
				}
				r->body = b;
				r->cap = cap;
			}
			memcpy(r->body + r->len, upload, *upload_size);
			r->len += *upload_size;
			r->body[r->len] = '\0';
		}
		*upload_size = 0;
		if (!r->too_large && !r->busy)
			return MHD_YES;
	}
	if (r->done) {
		drop_call(r);
		if (r->resumed && r->stash_doc) { /* its JSON answer, serialised here */
			size_t n;
			char *t = json_text(r->stash_doc, &n);
			json_decref(r->stash_doc);
			r->stash_doc = NULL;
			if (!t || !(r->stash = make_response("application/json", t, n, r->stash_etag[0] ? r->stash_etag : NULL,
							      NULL, NULL)))
				return MHD_NO;
		}
		if (r->resumed && r->stash) { /* a batched write whose batch has committed */
			enum MHD_Result q = MHD_queue_response(c, r->status, r->stash);
			MHD_destroy_response(r->stash);
			r->stash = NULL;
			return q;
		}
		return r->resumed ? MHD_NO : MHD_YES;
	}
	r->done = true;
	struct call x;
	memset(&x, 0, sizeof x);
	x.c = c;
	x.r = r;
	x.method = method;
	x.lang = CG_LANG_EN;
	x.lang_given = lang_of(c, &x.lang);
	cg_error_init(&x.err, x.lang);
	enum MHD_Result ok;
	if (r->nul_in_url) {
		ok = problem(&x, 400, "invalid", NULL, cg_tr(x.lang, N_("the URL holds an encoded NUL byte (%00)")));
	} else if (r->bad_arg) {
		ok = problem(&x, 400, "invalid", r->arg_name[0] ? r->arg_name : NULL,
			     cg_tr(x.lang, N_("a query argument is not UTF-8 text")));
	} else if (r->too_large) {
		char detail[128];
		snprintf(detail, sizeof detail, cg_tr(x.lang, N_("the body is larger than %zu bytes")), r->max);
		ok = problem(&x, 413, "too_large", NULL, detail);
	} else if (r->busy) {
		json_t *doc = json_pack("{s:s,s:s,s:i,s:s,s:s}", "type", "about:blank", "title", cg_tr(x.lang, status_title(503)),
					"status", 503, "detail", cg_tr(x.lang, N_("too many large requests at once: try again")),
					"code", "busy");
		char *text = doc ? json_dumps(doc, JSON_INDENT(2)) : NULL;
		json_decref(doc);
		ok = text ? respond_ex(&x, 503, "application/problem+json", text, strlen(text), NULL, NULL, "1") : MHD_NO;
	} else if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 || strcmp(url, "/api/v1/grade") == 0 ||
		   strcmp(url, "/api/v1/screening") == 0 || strcmp(url, "/api/v1/session") == 0) {
		/* reads, questions (grading, screening a description); and sign-in, whose slow password
		 * check must not hold up everyone's writes */
		ok = dispatch(&x, url);
	} else if (WQ.running) {
		/* checked here (route, token, permission, body), run by the batch writer */
		struct call *xp = malloc(sizeof *xp);
		if (!xp)
			return MHD_NO;
		*xp = x;
		xp->prepare_only = true;
		ok = dispatch(xp, url);
		if (xp->t && cg_store_in_transaction(xp->t->st))
			cg_store_rollback(xp->t->st);
		if (xp->run && batch_enqueue(c, r, xp))
			return MHD_YES;
		if (xp->run) { /* stopping: run it here, alone */
			pthread_mutex_lock(&write_lock);
			ok = xp->run(xp);
			if (xp->t && cg_store_in_transaction(xp->t->st))
				cg_store_rollback(xp->t->st);
			pthread_mutex_unlock(&write_lock);
		}
		json_decref(xp->body);
		free(xp);
		return ok;
	} else {
		pthread_mutex_lock(&write_lock);
		ok = dispatch(&x, url);
		if (x.t && cg_store_in_transaction(x.t->st))
			cg_store_rollback(x.t->st);
		pthread_mutex_unlock(&write_lock);
	}
	json_decref(x.body);
	/* a transaction left open by a failure is ended so the next request starts clean */
	if (x.t && cg_store_in_transaction(x.t->st))
		cg_store_rollback(x.t->st);
	return ok;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode why)
{
	struct req *r = *con_cls;
	(void)cls;
	(void)c;
	if (!r)
		return;
	if (!r->t0) { /* the request line was read, the handler never called (headers too large, ...) */
		free(r);
		*con_cls = NULL;
		return;
	}
	int64_t us = now_us() - r->t0;
	int route = r->route >= 0 && r->route < NROUTES ? r->route : 0;
	unsigned cls_ = r->status / 100;
	if (cls_ >= 1 && cls_ <= 5)
		atomic_fetch_add(&M.by_class[route][cls_], 1);
	atomic_fetch_add(&M.hist[route][bucket_of(buckets, NBUCKETS, us)], 1);
	atomic_fetch_add(&M.sum_us[route], (uint64_t)us);
	char m[64];
	if (!getenv("CIIGUARD_QUIET_ACCESS"))
		fprintf(stderr, "{\"event\":\"request\",\"method\":\"%s\",\"path\":\"%s\",\"status\":%u,\"us\":%lld,\"user\":\"%s\"%s}\n",
			esc(m, sizeof m, r->method), route_names[route], r->status, (long long)us, r->user,
			why == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : ",\"aborted\":true");
	stash_drop(r);
	drop_call(r);
	atomic_fetch_sub(&inflight, r->len > r->reserved ? r->len : r->reserved);
	free(r->body);
	free(r);
	*con_cls = NULL;
}

static char *read_file(struct cli *cli, const char *path)
{
	size_t len;
	return cli_read_input(cli, path, &len);
}

int cmd_serve(struct cli *cli, int argc, char **argv)
{
	const char *listen = "127.0.0.1:8080", *cert = NULL, *key = NULL;
	int64_t threads = 2, body_max = 1024 * 1024, body_s = 120;
	int rc = EXIT_OK;

	for (int i = 1; i < argc; i++) {
		const char *v;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(T(cli, help), stdout);
			return EXIT_OK;
		}
		if (cli_opt(argv[i], "listen") || cli_opt(argv[i], "tls-cert") || cli_opt(argv[i], "tls-key") ||
		    cli_opt(argv[i], "threads") || cli_opt(argv[i], "max-body") || cli_opt(argv[i], "body-timeout")) {
			const char *name = argv[i];
			if (!(v = cli_optval(cli, "serve", argc, argv, &i, &rc)))
				return rc;
			if (cli_opt(name, "listen"))
				listen = v;
			else if (cli_opt(name, "tls-cert"))
				cert = v;
			else if (cli_opt(name, "tls-key"))
				key = v;
			else if (cli_opt(name, "threads") ? cg_parse_number(v, &threads) != 0 || threads < 1 || threads > 64 :
				 cli_opt(name, "body-timeout") ? cg_parse_number(v, &body_s) != 0 || body_s < 1 || body_s > 3600 :
				 cg_parse_number(v, &body_max) != 0 || body_max < 1024 || body_max > 64 * 1024 * 1024)
				return cli_usage(cli, "serve", N_("%s: out of range: '%s'"), name, v);
		} else {
			return cli_usage(cli, "serve", N_("unexpected argument '%s'"), argv[i]);
		}
	}
	if (!cert != !key)
		return cli_usage(cli, "serve", N_("--tls-cert and --tls-key go together"));
	/* ADDRESS:PORT, IPv4 or [IPv6] */
	char host[64];
	const char *colon = strrchr(listen, ':');
	int64_t port;
	if (!colon || (size_t)(colon - listen) >= sizeof host || cg_parse_number(colon + 1, &port) != 0 || port > 65535)
		return cli_usage(cli, "serve", N_("--listen: expected ADDRESS:PORT, got '%s'"), listen);
	snprintf(host, sizeof host, "%.*s", (int)(colon - listen), listen);
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO | MHD_ALLOW_SUSPEND_RESUME;
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		host[strlen(host) - 1] = '\0';
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) != 1)
			return cli_usage(cli, "serve", N_("--listen: expected ADDRESS:PORT, got '%s'"), listen);
		flags |= MHD_USE_IPv6;
	} else {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
			return cli_usage(cli, "serve", N_("--listen: expected ADDRESS:PORT, got '%s'"), listen);
	}
	/* the database must open, and be initialised, before the server starts */
	struct cg_store *probe = cli_open(cli, false);
	if (!probe)
		return cli_fail(cli);
	cg_store_free(probe);
	char *cert_pem = NULL, *key_pem = NULL;
	if (cert && (!(cert_pem = read_file(cli, cert)) || !(key_pem = read_file(cli, key)))) {
		free(cert_pem);
		return cli_fail(cli);
	}
	if (cert)
		flags |= MHD_USE_TLS;
	S.tls = cert != NULL;
	S.db = cli->db;
	S.body_max = (size_t)body_max;
	S.body_us = body_s * 1000000;
	S.cli = cli;
	if (pthread_key_create(&S.key, tctx_free) != 0) {
		free(cert_pem);
		free(key_pem);
		return EXIT_FAILED;
	}
	signal(SIGPIPE, SIG_IGN);
	/* the pool's threads inherit a mask without SIGINT and SIGTERM: the main thread waits for them */
	sigset_t stop_set;
	sigemptyset(&stop_set);
	sigaddset(&stop_set, SIGINT);
	sigaddset(&stop_set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop_set, NULL);
	/* the batch writer, before any request can arrive (WQ.running does not change after) */
	if (!getenv("CIIGUARD_NO_BATCH") || strcmp(getenv("CIIGUARD_NO_BATCH"), "1") != 0)
		WQ.running = pthread_create(&WQ.thread, NULL, batch_writer, NULL) == 0;
	/* the system cache, where the database notifies changes (CIIGUARD_NO_CACHE=1: none) */
	if (S.db && strncmp(S.db, "postgres", 8) == 0 && (!getenv("CIIGUARD_NO_CACHE") || strcmp(getenv("CIIGUARD_NO_CACHE"), "1") != 0))
		LS.running = pthread_create(&LS.thread, NULL, listener, NULL) == 0;
	struct MHD_Daemon *d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, handler, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)threads,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)1000,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)256,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
		MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
		MHD_OPTION_URI_LOG_CALLBACK, uri_seen, NULL,
		cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, cert_pem,
		MHD_OPTION_HTTPS_MEM_KEY, key_pem,
		MHD_OPTION_END);
	if (!d) {
		int e = errno;
		stop_batch_writer();
		stop_listener();
		cg_error_set(&cli->err, CG_E_IO, "listen", N_("could not listen on %s: %s"), listen, strerror(e));
		free(cert_pem);
		free(key_pem);
		return cli_fail(cli);
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	unsigned bound = info ? info->port : (unsigned)port;
	if (flags & MHD_USE_IPv6)
		printf(T(cli, "ciiguard serve: listening on %s://[%s]:%u (stop with Ctrl-C)\n"), cert ? "https" : "http", host + 1, bound);
	else
		printf(T(cli, "ciiguard serve: listening on %s://%s:%u (stop with Ctrl-C)\n"), cert ? "https" : "http", host, bound);
	fflush(stdout);
	int sig = 0;
	while (sigwait(&stop_set, &sig) != 0)
		;
	stop_batch_writer();
	MHD_stop_daemon(d);
	stop_listener();
	if (key_pem)
		OPENSSL_cleanse(key_pem, strlen(key_pem));
	free(cert_pem);
	free(key_pem);
	return EXIT_OK;
}
