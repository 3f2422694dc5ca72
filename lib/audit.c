/*
 * The audit trail: every change appends an event whose SHA-256 hash covers the previous
 * event's hash, so changing, removing, inserting or reordering events breaks the chain; and
 * each event records the hash of the record's new state, so a record edited behind
 * ciiguard's back no longer matches its last event. Format: docs/internals/audit.md.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

#include "ciiguard/audit.h"
#include "ciiguard/clock.h"
#include "ciiguard/i18n.h"
#include "entity.h"
#include "store_impl.h"
#include "banned.h"

#define REGISTER_ENTITY(kind) \
	static cg_code kind##_each_canonical(struct cg_store *st, cg_canon_fn fn, void *ud, struct cg_error *err) \
	{ \
		return cg_records_each_canonical(st, #kind, fn, ud, err); \
	}
REGISTER_ENTITY(vendor)
REGISTER_ENTITY(agreement)
REGISTER_ENTITY(procurement)
REGISTER_ENTITY(person)
REGISTER_ENTITY(decision)
REGISTER_ENTITY(assessment)
REGISTER_ENTITY(plan)
REGISTER_ENTITY(drill)
REGISTER_ENTITY(change)
REGISTER_ENTITY(pentest)
REGISTER_ENTITY(vulnerability)
REGISTER_ENTITY(filing)
REGISTER_ENTITY(pi_audit)
REGISTER_ENTITY(inspection)

const struct cg_entity_type cg_entity_types[] = {
	{ "operator", cg_operator_each_canonical, NULL },
	{ "system", cg_system_each_canonical, cg_system_check_rows },
	{ "catalog", cg_catalog_each_canonical, NULL },
	{ "screening", cg_screening_each_canonical, NULL },
	{ "obligation", cg_obligation_each_canonical, NULL },
	{ "evidence", cg_evidence_each_canonical, NULL },
	{ "evidence_link", cg_evidence_link_each_canonical, NULL },
	{ "incident", cg_incident_each_canonical, NULL },
	{ "vendor", vendor_each_canonical, NULL },
	{ "agreement", agreement_each_canonical, NULL },
	{ "procurement", procurement_each_canonical, NULL },
	{ "person", person_each_canonical, NULL },
	{ "decision", decision_each_canonical, NULL },
	{ "assessment", assessment_each_canonical, NULL },
	{ "plan", plan_each_canonical, NULL },
	{ "drill", drill_each_canonical, NULL },
	{ "change", change_each_canonical, NULL },
	{ "pentest", pentest_each_canonical, NULL },
	{ "vulnerability", vulnerability_each_canonical, NULL },
	{ "filing", filing_each_canonical, NULL },
	{ "pi_audit", pi_audit_each_canonical, NULL },
	{ "inspection", inspection_each_canonical, NULL },
	{ "user", cg_user_each_canonical, NULL },
	{ "token", cg_token_each_canonical, NULL },
	{ NULL, NULL, NULL },
};

static const char hexdig[] = "0123456789abcdef";

void cg_hex(const unsigned char *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hexdig[p[i] >> 4];
		out[2 * i + 1] = hexdig[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* A reusable SHA-256 context; fetching the algorithm once keeps per-event cost low. */
struct hasher {
	EVP_MD_CTX *ctx;
	EVP_MD *md;
	uint64_t bytes;
};

static int hasher_init(struct hasher *h)
{
	h->bytes = 0;
	h->md = EVP_MD_fetch(NULL, "SHA256", NULL);
	h->ctx = EVP_MD_CTX_new();
	return h->md && h->ctx ? 0 : -1;
}

static void hasher_release(struct hasher *h)
{
	EVP_MD_CTX_free(h->ctx);
	EVP_MD_free(h->md);
}

static void hasher_digest(struct hasher *h, const void *p, size_t n, unsigned char out[32])
{
	unsigned int len = 32;
	EVP_DigestInit_ex2(h->ctx, h->md, NULL);
	EVP_DigestUpdate(h->ctx, p, n);
	EVP_DigestFinal_ex(h->ctx, out, &len);
	h->bytes += n;
}

void cg_sha256_hex(const void *p, size_t len, char out[CG_HASH_HEX])
{
	unsigned char d[32];
	unsigned int n = 32;

	EVP_Digest(p, len, d, &n, EVP_sha256(), NULL);
	cg_hex(d, 32, out);
}

/* Appends a netstring: "<decimal length>:<bytes>,". */
static size_t netstring(char *out, size_t cap, size_t at, const char *s)
{
	size_t n = strlen(s);
	int w = snprintf(out + at, cap - at, "%zu:", n);

	if (w < 0 || at + (size_t)w + n + 1 >= cap)
		return cap;
	at += (size_t)w;
	memcpy(out + at, s, n);
	at += n;
	out[at++] = ',';
	return at;
}

#define PREIMAGE_MAX 4096
static const char preimage_tag[] = "ciiguard-audit-v1\n";

/* Builds the hashed preimage of an event; returns its length, or 0 when it does not fit. */
/* The SHA-256 of nothing. */
#define CG_SHA256_EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static size_t preimage(const struct cg_audit_event *ev, char out[PREIMAGE_MAX])
{
	char seq[24];
	size_t at = sizeof preimage_tag - 1;

	memcpy(out, preimage_tag, at);
	snprintf(seq, sizeof seq, "%lld", (long long)ev->seq);
	at = netstring(out, PREIMAGE_MAX, at, seq);
	at = netstring(out, PREIMAGE_MAX, at, ev->at);
	at = netstring(out, PREIMAGE_MAX, at, ev->actor);
	at = netstring(out, PREIMAGE_MAX, at, ev->action);
	at = netstring(out, PREIMAGE_MAX, at, ev->entity_type);
	at = netstring(out, PREIMAGE_MAX, at, ev->entity_id);
	at = netstring(out, PREIMAGE_MAX, at, ev->state_hash);
	at = netstring(out, PREIMAGE_MAX, at, ev->prev_hash);
	return at >= PREIMAGE_MAX ? 0 : at;
}

void cg_audit_event_hash(const struct cg_audit_event *ev, char out[CG_HASH_HEX])
{
	char buf[PREIMAGE_MAX];
	size_t n = preimage(ev, buf);

	cg_sha256_hex(buf, n, out);
}

static cg_code load_head(struct cg_store *st, struct cg_error *err)
{
	struct cg_stmt *q;
	enum cg_step r;
	cg_code result;

	result = cg_store_prepare(st, "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1", &q, err);
	if (result != CG_OK)
		return result;
	r = cg_stmt_step(q, err);
	if (r == CG_STEP_ROW) {
		st->head_seq = cg_stmt_int64(q, 0);
		snprintf(st->head_hash, sizeof st->head_hash, "%s", cg_stmt_text(q, 1));
	} else {
		st->head_seq = 0;
		memcpy(st->head_hash, CG_AUDIT_GENESIS, sizeof st->head_hash);
	}
	cg_stmt_done(q);
	if (r == CG_STEP_ERROR)
		return err && err->code ? err->code : CG_E_STORE;
	st->head_valid = true;
	return CG_OK;
}

static bool field_ok(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20)
			return false;
	return true;
}

cg_code cg_audit_append(struct cg_store *st, const char *actor, const char *action,
			const char *entity_type, const char *entity_id, const char *state,
			size_t state_len, struct cg_error *err)
{
	struct cg_audit_event ev;
	char at[CG_TIME_MAX], state_hash[CG_HASH_HEX], hash[CG_HASH_HEX];
	struct cg_stmt *q;
	cg_code result;

	if (!st->in_txn || !st->write_txn)
		return cg_error_set(err, CG_E_USAGE, NULL, N_("audit events are written only inside a write transaction"));
	if (!actor || !field_ok(actor, 256))
		return cg_error_set(err, CG_E_INVALID, "actor", N_("actor: expected a user name of 1-256 printable characters"));
	if (!field_ok(action, 64) || !field_ok(entity_type, 64) || !field_ok(entity_id, 256))
		return cg_error_set(err, CG_E_INTERNAL, NULL, N_("invalid audit event"));
	if (!st->head_valid && (result = load_head(st, err)) != CG_OK)
		return result;
	if ((result = cg_now(at, err)) != CG_OK)
		return result;
	if (state)
		cg_sha256_hex(state, state_len, state_hash);
	else
		state_hash[0] = '\0';
	ev = (struct cg_audit_event){
		.seq = st->head_seq + 1, .at = at, .actor = actor, .action = action,
		.entity_type = entity_type, .entity_id = entity_id, .state = state,
		.state_hash = state_hash, .prev_hash = st->head_hash,
	};
	cg_audit_event_hash(&ev, hash);
	result = cg_store_prepare(st, "INSERT INTO audit_events (seq, at, actor, action, entity_type, "
				  "entity_id, state, state_hash, prev_hash, hash) "
				  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &q, err);
	if (result != CG_OK)
		return result;
	if (cg_stmt_bind_int64(q, 1, ev.seq) || cg_stmt_bind_text(q, 2, at) ||
	    cg_stmt_bind_text(q, 3, actor) || cg_stmt_bind_text(q, 4, action) ||
	    cg_stmt_bind_text(q, 5, entity_type) || cg_stmt_bind_text(q, 6, entity_id) ||
	    cg_stmt_bind_text(q, 7, state) || cg_stmt_bind_text(q, 8, state_hash) ||
	    cg_stmt_bind_text(q, 9, st->head_hash) || cg_stmt_bind_text(q, 10, hash)) {
		cg_stmt_done(q);
		return cg_error_set(err, CG_E_STORE, NULL, N_("could not bind a query parameter"));
	}
	if ((result = cg_stmt_run(q, err)) != CG_OK)
		return result;
	st->head_seq = ev.seq;
	memcpy(st->head_hash, hash, sizeof hash);
	return CG_OK;
}

cg_code cg_audit_head(struct cg_store *st, int64_t *count, char head[CG_HASH_HEX],
		      struct cg_error *err)
{
	bool valid = st->head_valid;
	cg_code result = load_head(st, err);

	if (result == CG_OK) {
		*count = st->head_seq;
		memcpy(head, st->head_hash, CG_HASH_HEX);
	}
	st->head_valid = valid && st->in_txn;
	return result;
}

/* --- verification --- */

/* One entity's last audited state, in an open-addressing table keyed by "type:id". */
struct entry {
	char *key;
	int64_t seq;
	unsigned char state[32];
	bool deleted;
	bool seen;
};

struct table {
	struct entry *v;
	size_t cap, n;
};

static uint64_t key_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static struct entry *table_slot(struct table *t, const char *key)
{
	size_t i = key_hash(key) & (t->cap - 1);
	while (t->v[i].key && strcmp(t->v[i].key, key) != 0)
		i = (i + 1) & (t->cap - 1);
	return &t->v[i];
}

static int table_grow(struct table *t)
{
	struct table nt = { calloc(t->cap ? t->cap * 2 : 1024, sizeof(struct entry)),
			    t->cap ? t->cap * 2 : 1024, t->n };
	if (!nt.v)
		return -1;
	for (size_t i = 0; i < t->cap; i++)
		if (t->v[i].key)
			*table_slot(&nt, t->v[i].key) = t->v[i];
	free(t->v);
	*t = nt;
	return 0;
}

/* Finds or adds the entry for `key`; *fresh tells whether it was added now. */
static struct entry *table_put(struct table *t, const char *key, bool *fresh)
{
	struct entry *e;

	if ((t->n + 1) * 4 > t->cap * 3 && table_grow(t) != 0)
		return NULL;
	e = table_slot(t, key);
	*fresh = !e->key;
	if (!e->key) {
		if (!(e->key = strdup(key)))
			return NULL;
		t->n++;
	}
	return e;
}

static void table_free(struct table *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->v[i].key);
	free(t->v);
}

static int from_hex(const char *s, unsigned char out[32])
{
	for (int i = 0; i < 32; i++) {
		int hi = s[2 * i], lo;
		if (!hi || !(lo = s[2 * i + 1]))
			return -1;
		hi = hi >= '0' && hi <= '9' ? hi - '0' : hi >= 'a' && hi <= 'f' ? hi - 'a' + 10 : -1;
		lo = lo >= '0' && lo <= '9' ? lo - '0' : lo >= 'a' && lo <= 'f' ? lo - 'a' + 10 : -1;
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return s[64] == '\0' ? 0 : -1;
}

struct record_check {
	struct table *t;
	struct hasher *h;
	struct cg_audit_report *rep;
	struct cg_error *err;
	cg_code result;
	char key[400];
};

static int check_record(const char *type, const char *id, const char *canon, size_t len, void *ud)
{
	struct record_check *rc = ud;
	unsigned char d[32];
	struct entry *e;

	rc->rep->records++;
	snprintf(rc->key, sizeof rc->key, "%s:%s", type, id);
	e = table_slot(rc->t, rc->key);
	hasher_digest(rc->h, canon, len, d);
	if (!e->key || e->deleted) {
		snprintf(rc->rep->bad_entity, sizeof rc->rep->bad_entity, "%s", rc->key);
		if (e->key)
			rc->result = cg_error_set(rc->err, CG_E_TAMPERED, NULL,
				N_("record %s exists although the audit trail deleted it in event %lld: it was added outside ciiguard"),
				rc->key, (long long)e->seq);
		else
			rc->result = cg_error_set(rc->err, CG_E_TAMPERED, NULL,
				N_("record %s is not in the audit trail: it was added outside ciiguard"), rc->key);
		return 1;
	}
	e->seen = true;
	if (memcmp(d, e->state, 32) != 0) {
		snprintf(rc->rep->bad_entity, sizeof rc->rep->bad_entity, "%s", rc->key);
		rc->result = cg_error_set(rc->err, CG_E_TAMPERED, NULL,
			N_("record %s differs from its last audited state (event %lld): it was changed outside ciiguard"),
			rc->key, (long long)e->seq);
		return 1;
	}
	return 0;
}

static cg_code broken(struct cg_audit_report *rep, struct cg_error *err, int64_t seq, const char *fmt, ...)
	CG_PRINTF(4, 5);

static cg_code broken(struct cg_audit_report *rep, struct cg_error *err, int64_t seq, const char *fmt, ...)
{
	char msg[CG_ERROR_MESSAGE_MAX];
	va_list ap;

	rep->bad_seq = seq;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, cg_tr(err ? err->lang : CG_LANG_EN, fmt), ap);
	va_end(ap);
	return cg_error_set(err, CG_E_TAMPERED, NULL, "%s", msg);
}

cg_code cg_audit_verify(struct cg_store *st, const char *expect_head, struct cg_audit_report *rep,
			struct cg_error *err)
{
	struct table t = { 0 };
	struct hasher h;
	struct cg_stmt *q = NULL;
	char prev[CG_HASH_HEX], key[400];
	char *buf = NULL;
	/* The head of an empty trail (what `audit head` prints then) is a prefix of every trail. */
	bool anchored = expect_head == NULL || strcmp(expect_head, CG_AUDIT_GENESIS) == 0, own;
	enum cg_step r;
	cg_code result = CG_OK;
	int64_t expect = 1;
	bool fresh, live;

	memset(rep, 0, sizeof *rep);
	memcpy(prev, CG_AUDIT_GENESIS, sizeof prev);
	if (expect_head && (strlen(expect_head) != 64 || from_hex(expect_head, (unsigned char[32]){ 0 })))
		return cg_error_set(err, CG_E_INVALID, "expect-head",
				    N_("expect-head: expected 64 lowercase hex digits"));
	if (hasher_init(&h) != 0 || !(buf = malloc(PREIMAGE_MAX))) {
		hasher_release(&h);
		return cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
	}
	own = !cg_store_in_transaction(st);
	if (own && (result = cg_store_begin_read(st, err)) != CG_OK)
		goto out;
	result = cg_store_prepare(st, "SELECT seq, at, actor, action, entity_type, entity_id, state, "
				  "state_hash, prev_hash, hash FROM audit_events ORDER BY seq", &q, err);
	if (result != CG_OK)
		goto out;
	while ((r = cg_stmt_step(q, err)) == CG_STEP_ROW) {
		struct cg_audit_event ev = {
			.seq = cg_stmt_int64(q, 0), .at = cg_stmt_text(q, 1), .actor = cg_stmt_text(q, 2),
			.action = cg_stmt_text(q, 3), .entity_type = cg_stmt_text(q, 4),
			.entity_id = cg_stmt_text(q, 5), .state = cg_stmt_text(q, 6),
			.state_hash = cg_stmt_text(q, 7), .prev_hash = cg_stmt_text(q, 8),
			.hash = cg_stmt_text(q, 9),
		};
		unsigned char d[32];
		char hex[CG_HASH_HEX];
		size_t n;
		struct entry *e;

		rep->events++;
		if (ev.seq != expect) {
			result = ev.seq > expect ?
				broken(rep, err, expect, N_("event %lld is missing: the trail jumps to event %lld (events were deleted)"), (long long)expect, (long long)ev.seq) :
				broken(rep, err, ev.seq, N_("event %lld is out of order (expected event %lld)"), (long long)ev.seq, (long long)expect);
			break;
		}
		if (!ev.at || !ev.actor || !ev.action || !ev.entity_type || !ev.entity_id ||
		    !ev.state_hash || !ev.prev_hash || !ev.hash || !(n = preimage(&ev, buf))) {
			result = broken(rep, err, ev.seq, N_("event %lld is malformed"), (long long)ev.seq);
			break;
		}
		if (strcmp(ev.prev_hash, prev) != 0) {
			result = broken(rep, err, ev.seq, N_("event %lld does not follow event %lld: its link to the previous event is broken (events were inserted, removed or reordered)"),
					(long long)ev.seq, (long long)ev.seq - 1);
			break;
		}
		hasher_digest(&h, buf, n, d);
		cg_hex(d, 32, hex);
		if (strcmp(hex, ev.hash) != 0) {
			result = broken(rep, err, ev.seq, N_("event %lld has been altered: its hash does not match its contents"), (long long)ev.seq);
			break;
		}
		/* Until 2026-12-07 a register record's delete recorded an empty state where a delete has
		 * none. The event's hash covers the state's hash, so read that form as the delete it is. */
		if (ev.state && !ev.state[0] && strcmp(ev.action, "delete") == 0 &&
		    strcmp(ev.state_hash, CG_SHA256_EMPTY) == 0) {
			ev.state = NULL;
			ev.state_hash = "";
		}
		if ((ev.state == NULL) != (strcmp(ev.action, "delete") == 0) ||
		    (ev.state == NULL) != (ev.state_hash[0] == '\0')) {
			result = broken(rep, err, ev.seq, N_("event %lld has been altered: its state does not match its action"), (long long)ev.seq);
			break;
		}
		if (ev.state) {
			hasher_digest(&h, ev.state, strlen(ev.state), d);
			cg_hex(d, 32, hex);
			if (strcmp(hex, ev.state_hash) != 0) {
				result = broken(rep, err, ev.seq, N_("event %lld has been altered: its recorded state does not match its state hash"), (long long)ev.seq);
				break;
			}
		}
		snprintf(key, sizeof key, "%s:%s", ev.entity_type, ev.entity_id);
		if (!(e = table_put(&t, key, &fresh))) {
			result = cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
			break;
		}
		/* The actions must follow a record's life: created when absent, then updated or
		 * deleted while it exists. A well-hashed event that breaks this was forged. */
		live = !fresh && !e->deleted;
		if (strcmp(ev.action, "create") == 0 ? live :
		    (strcmp(ev.action, "update") == 0 || strcmp(ev.action, "delete") == 0) ? !live : true) {
			result = broken(rep, err, ev.seq, N_("event %lld has been forged or altered: it records '%s' of %s, which %s at that point"),
					(long long)ev.seq, cg_tr(err ? err->lang : CG_LANG_EN, ev.action), key,
					cg_tr(err ? err->lang : CG_LANG_EN, live ? N_("already existed") : N_("did not exist")));
			break;
		}
		e->seq = ev.seq;
		e->deleted = ev.state == NULL;
		if (ev.state)
			memcpy(e->state, d, 32);
		if (!anchored && strcmp(ev.hash, expect_head) == 0)
			anchored = true;
		memcpy(prev, ev.hash, sizeof prev);
		expect++;
	}
	if (result == CG_OK && r == CG_STEP_ERROR)
		result = err && err->code ? err->code : CG_E_STORE;
	cg_stmt_done(q);
	memcpy(rep->head, prev, sizeof prev);
	if (result != CG_OK)
		goto out;
	if (!anchored) {
		result = broken(rep, err, expect, N_("the anchored head %s is not in the trail, which ends at event %lld: events were removed from its end or altered"),
				expect_head, (long long)(expect - 1));
		goto out;
	}
	/* Every current record must equal its last audited state, and nothing may be missing. */
	struct record_check rc = { &t, &h, rep, err, CG_OK, "" };
	if (!t.v && table_grow(&t) != 0) {
		result = cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
		goto out;
	}
	for (const struct cg_entity_type *et = cg_entity_types; et->name && result == CG_OK; et++) {
		result = et->each_canonical(st, check_record, &rc, err);
		if (result == CG_OK)
			result = rc.result;
	}
	for (size_t i = 0; result == CG_OK && i < t.cap; i++) {
		struct entry *e = &t.v[i];
		if (e->key && !e->deleted && !e->seen) {
			snprintf(rep->bad_entity, sizeof rep->bad_entity, "%s", e->key);
			result = cg_error_set(err, CG_E_TAMPERED, NULL,
				N_("record %s is missing: the audit trail last recorded it in event %lld, but it was deleted outside ciiguard"),
				e->key, (long long)e->seq);
		}
	}
	/* Last, rows of side tables that belong to no record (checked after the records, so that
	 * a deleted record is named as such rather than by its leftover rows). */
	for (const struct cg_entity_type *et = cg_entity_types; et->name && result == CG_OK; et++)
		if (et->check_rows)
			result = et->check_rows(st, rep->bad_entity, sizeof rep->bad_entity, err);
out:
	rep->bytes_hashed = h.bytes;
	if (own && cg_store_in_transaction(st))
		cg_store_rollback(st);
	hasher_release(&h);
	table_free(&t);
	free(buf);
	return result;
}

cg_code cg_audit_each(struct cg_store *st, const char *entity, int64_t offset, int64_t limit,
		      cg_audit_each_fn fn, void *ud, struct cg_error *err)
{
	struct cg_stmt *q;
	char type[72] = "";
	const char *id = entity, *colon;
	enum cg_step r;
	cg_code result;

	if (entity && (colon = strchr(entity, ':')) && (size_t)(colon - entity) < sizeof type) {
		memcpy(type, entity, (size_t)(colon - entity));
		type[colon - entity] = '\0';
		id = colon + 1;
	}
	result = cg_store_prepare(st, !entity ?
		"SELECT seq, at, actor, action, entity_type, entity_id, state, state_hash, prev_hash, hash "
		"FROM audit_events ORDER BY seq LIMIT ? OFFSET ?" : type[0] ?
		"SELECT seq, at, actor, action, entity_type, entity_id, state, state_hash, prev_hash, hash "
		"FROM audit_events WHERE entity_id = ? AND entity_type = ? ORDER BY seq LIMIT ? OFFSET ?" :
		"SELECT seq, at, actor, action, entity_type, entity_id, state, state_hash, prev_hash, hash "
		"FROM audit_events WHERE entity_id = ? ORDER BY seq LIMIT ? OFFSET ?", &q, err);
	if (result != CG_OK)
		return result;
	int i = 1;
	if ((entity && cg_stmt_bind_text(q, i++, id)) || (type[0] && cg_stmt_bind_text(q, i++, type)) ||
	    cg_stmt_bind_int64(q, i++, limit > 0 ? limit : INT64_MAX) ||
	    cg_stmt_bind_int64(q, i++, offset > 0 ? offset : 0)) {
		cg_stmt_done(q);
		return cg_error_set(err, CG_E_STORE, NULL, N_("could not bind a query parameter"));
	}
	while ((r = cg_stmt_step(q, err)) == CG_STEP_ROW) {
		struct cg_audit_event ev = {
			.seq = cg_stmt_int64(q, 0), .at = cg_stmt_text(q, 1), .actor = cg_stmt_text(q, 2),
			.action = cg_stmt_text(q, 3), .entity_type = cg_stmt_text(q, 4),
			.entity_id = cg_stmt_text(q, 5), .state = cg_stmt_text(q, 6),
			.state_hash = cg_stmt_text(q, 7), .prev_hash = cg_stmt_text(q, 8),
			.hash = cg_stmt_text(q, 9),
		};
		if (fn(&ev, ud))
			break;
	}
	cg_stmt_done(q);
	return r == CG_STEP_ERROR ? (err && err->code ? err->code : CG_E_STORE) : CG_OK;
}
