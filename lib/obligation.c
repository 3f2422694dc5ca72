/*
 * The obligation register (include/ciiguard/obligation.h). Applicability, cadences and
 * sanctions are read from the catalog; this file stores only what people record (status,
 * evidence) and combines the two.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "ciiguard/audit.h"
#include "ciiguard/clock.h"
#include "ciiguard/i18n.h"
#include "ciiguard/incident.h"
#include "ciiguard/json.h"
#include "ciiguard/obligation.h"
#include "ciiguard/register.h"
#include "ciiguard/screen.h"
#include "ciiguard/system.h"
#include "entity.h"
#include "obligation_int.h"
#include "record.h"
#include "banned.h"

const char *const cg_obligation_status_names[] = { "not_started", "in_progress", "met", "not_applicable", NULL };

#define DAY_MS ((int64_t)86400000)

static cg_code nomem(struct cg_error *err)
{
	return cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
}

static cg_code step_failed(struct cg_error *err)
{
	return err && err->code ? err->code : CG_E_STORE;
}

static cg_code bind_failed(struct cg_stmt *q, struct cg_error *err)
{
	cg_stmt_done(q);
	return cg_error_set(err, CG_E_STORE, NULL, N_("could not bind a query parameter"));
}

/* --- the stored tables, described once for audit, export and restore --- */

struct table {
	const char *name, *entity;
	const char *const *cols;
	int ncols, nkeys;
	int intcol; /* the BIGINT column, -1 when none */
};

static const char *const status_cols[] = { "scope", "urn", "status", "owner", "reason", "last_met",
					   "due", "updated_at", "updated_by" };
static const char *const evidence_cols[] = { "sha256", "size", "content", "created_at" };
static const char *const link_cols[] = { "scope", "urn", "target", "filename", "note", "added_at", "added_by" };

static const struct table tables[] = {
	{ "obligation_status", "obligation", status_cols, 9, 2, -1 },
	{ "evidence", "evidence", evidence_cols, 4, 1, 1 },
	{ "evidence_links", "evidence_link", link_cols, 7, 3, -1 },
};

static const struct table *table_named(const char *name)
{
	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
		if (strcmp(tables[i].name, name) == 0)
			return &tables[i];
	return NULL;
}

/* --- base64, for evidence bytes in a portable TEXT column --- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *b64_encode(const unsigned char *p, size_t len)
{
	char *out = malloc((len + 2) / 3 * 4 + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < len ? (uint32_t)p[i + 1] << 8 : 0) |
			     (i + 2 < len ? p[i + 2] : 0);
		*o++ = b64[v >> 18 & 63];
		*o++ = b64[v >> 12 & 63];
		*o++ = i + 1 < len ? b64[v >> 6 & 63] : '=';
		*o++ = i + 2 < len ? b64[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

static int b64_value(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;
	return p ? (int)(p - b64) : -1;
}

/* Decodes strictly (padded, no whitespace); NULL when malformed. */
static unsigned char *b64_decode(const char *s, size_t *len)
{
	size_t n = strlen(s), k = 0;
	unsigned char *out;

	if (n % 4)
		return NULL;
	if (!(out = malloc(n / 4 * 3 + 1)))
		return NULL;
	for (size_t i = 0; i < n; i += 4) {
		int a = b64_value(s[i]), b = b64_value(s[i + 1]), c = b64_value(s[i + 2]), d = b64_value(s[i + 3]);
		bool last = i + 4 == n;
		if (a < 0 || b < 0 || (c < 0 && !(last && s[i + 2] == '=' && s[i + 3] == '=')) ||
		    (d < 0 && !(last && s[i + 3] == '='))) {
			free(out);
			return NULL;
		}
		uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)(c < 0 ? 0 : c) << 6 | (uint32_t)(d < 0 ? 0 : d);
		out[k++] = (unsigned char)(v >> 16);
		if (c >= 0)
			out[k++] = (unsigned char)(v >> 8 & 255);
		if (d >= 0)
			out[k++] = (unsigned char)(v & 255);
	}
	*len = k;
	return out;
}

/* --- rows as JSON --- */

static json_t *read_row(const struct table *t, struct cg_stmt *q)
{
	json_t *row = json_object();

	for (int i = 0; row && i < t->ncols; i++) {
		json_t *v = cg_stmt_is_null(q, i) ? json_null() :
			    i == t->intcol ? json_integer(cg_stmt_int64(q, i)) : json_string(cg_stmt_text(q, i));
		if (!v || json_object_set_new(row, t->cols[i], v) != 0) {
			json_decref(row);
			row = NULL;
		}
	}
	return row;
}

/* The audited state: the row, except that evidence is stated by the hash of its content. */
static char *canonical(const struct table *t, json_t *row)
{
	json_t *c = json_deep_copy(row);
	char *s;

	if (!c)
		return NULL;
	if (t->intcol >= 0) {
		const char *content = json_string_value(json_object_get(c, "content"));
		size_t len = 0;
		unsigned char *bytes = content ? b64_decode(content, &len) : NULL;
		char hex[CG_HASH_HEX] = "invalid";
		if (bytes)
			cg_sha256_hex(bytes, len, hex);
		free(bytes);
		json_object_del(c, "content");
		json_object_set_new(c, "sha256", json_string(hex));
	}
	s = cg_json_dump(c, CG_JSON_SORTED, NULL);
	json_decref(c);
	return s;
}

/* The entity id: the key columns joined by '|'. */
static void row_id(const struct table *t, json_t *row, char *out, size_t n)
{
	size_t k = 0;

	out[0] = '\0';
	for (int i = 0; i < t->nkeys && k < n; i++) {
		int w = snprintf(out + k, n - k, "%s%s", i ? "|" : "", json_string_value(json_object_get(row, t->cols[i])));
		if (w < 0)
			break;
		k += (size_t)w;
	}
}

/* Walks a table in key order; `full` gives whole rows (export), else audited states. */
static cg_code each_row(struct cg_store *st, const struct table *t, bool full, cg_canon_fn fn, void *ud,
			struct cg_error *err)
{
	struct cg_buf sql;
	struct cg_stmt *q;
	enum cg_step s;
	cg_code r;

	cg_buf_init(&sql, 0);
	r = cg_buf_adds(&sql, "SELECT ");
	for (int i = 0; r == CG_OK && i < t->ncols; i++)
		r = cg_buf_addf(&sql, "%s%s", i ? ", " : "", t->cols[i]);
	if (r == CG_OK)
		r = cg_buf_addf(&sql, " FROM %s ORDER BY ", t->name);
	for (int i = 0; r == CG_OK && i < t->nkeys; i++)
		r = cg_buf_addf(&sql, "%s%s", i ? ", " : "", t->cols[i]);
	if (r != CG_OK)
		return nomem(err);
	r = cg_store_prepare(st, sql.ptr, &q, err);
	cg_buf_release(&sql);
	if (r != CG_OK)
		return r;
	while ((s = cg_stmt_step(q, err)) == CG_STEP_ROW) {
		json_t *row = read_row(t, q);
		char id[1024], *text = NULL;
		int stop;
		if (row) {
			row_id(t, row, id, sizeof id);
			text = full ? cg_json_dump(row, CG_JSON_SORTED, NULL) : canonical(t, row);
		}
		json_decref(row);
		if (!text) {
			r = nomem(err);
			break;
		}
		stop = fn(t->entity, id, text, strlen(text), ud);
		free(text);
		if (stop)
			break;
	}
	if (r == CG_OK && s == CG_STEP_ERROR)
		r = step_failed(err);
	cg_stmt_done(q);
	return r;
}

cg_code cg_obligation_each_canonical(struct cg_store *st, cg_canon_fn fn, void *ud, struct cg_error *err)
{
	return each_row(st, &tables[0], false, fn, ud, err);
}

cg_code cg_evidence_each_canonical(struct cg_store *st, cg_canon_fn fn, void *ud, struct cg_error *err)
{
	return each_row(st, &tables[1], false, fn, ud, err);
}

cg_code cg_evidence_link_each_canonical(struct cg_store *st, cg_canon_fn fn, void *ud, struct cg_error *err)
{
	return each_row(st, &tables[2], false, fn, ud, err);
}

cg_code cg_obligation_each_row(struct cg_store *st, const char *table, cg_canon_fn fn, void *ud,
			       struct cg_error *err)
{
	const struct table *t = table_named(table);
	return t ? each_row(st, t, true, fn, ud, err) : cg_error_set(err, CG_E_INTERNAL, NULL, N_("unknown table '%s'"), table);
}

/* Inserts a row given as JSON (all columns as in the table); no audit. */
static cg_code insert_row(struct cg_store *st, const struct table *t, json_t *row, struct cg_error *err)
{
	struct cg_buf sql;
	struct cg_stmt *q;
	cg_code r;

	cg_buf_init(&sql, 0);
	r = cg_buf_addf(&sql, "INSERT INTO %s (", t->name);
	for (int i = 0; r == CG_OK && i < t->ncols; i++)
		r = cg_buf_addf(&sql, "%s%s", i ? ", " : "", t->cols[i]);
	if (r == CG_OK)
		r = cg_buf_adds(&sql, ") VALUES (");
	for (int i = 0; r == CG_OK && i < t->ncols; i++)
		r = cg_buf_adds(&sql, i ? ", ?" : "?");
	if (r == CG_OK)
		r = cg_buf_addc(&sql, ')');
	if (r != CG_OK)
		return nomem(err);
	r = cg_store_prepare(st, sql.ptr, &q, err);
	cg_buf_release(&sql);
	if (r != CG_OK)
		return r;
	for (int i = 0; i < t->ncols; i++) {
		json_t *v = json_object_get(row, t->cols[i]);
		if (i == t->intcol ? cg_stmt_bind_int64(q, i + 1, json_integer_value(v)) :
		    json_is_string(v) ? cg_stmt_bind_text(q, i + 1, json_string_value(v)) : cg_stmt_bind_null(q, i + 1))
			return bind_failed(q, err);
	}
	return cg_stmt_run(q, err);
}

cg_code cg_obligation_restore(struct cg_store *st, const char *table, json_t *row, struct cg_error *err)
{
	const struct table *t = table_named(table);
	const char *key;
	json_t *v;

	if (!t)
		return cg_error_set(err, CG_E_INTERNAL, NULL, N_("unknown table '%s'"), table);
	if (!json_is_object(row))
		return cg_error_set(err, CG_E_INVALID, NULL, N_("expected an object"));
	json_object_foreach(row, key, v) {
		int k = -1;
		for (int i = 0; i < t->ncols; i++)
			if (strcmp(t->cols[i], key) == 0)
				k = i;
		if (k < 0)
			return cg_error_set(err, CG_E_INVALID, key, N_("unknown field '%s'"), key);
		if (k == t->intcol ? !json_is_integer(v) : !(json_is_string(v) || (k >= t->nkeys && json_is_null(v))))
			return cg_error_set(err, CG_E_INVALID, key, N_("%s: expected a string"), key);
	}
	for (int i = 0; i < t->nkeys; i++)
		if (!json_object_get(row, t->cols[i]))
			return cg_error_set(err, CG_E_INVALID, t->cols[i], N_("%s: is required"), t->cols[i]);
	return insert_row(st, t, row, err);
}

/* Writes a row and its audit event in the open transaction. */
static cg_code write_audited(struct cg_store *st, const char *actor, const struct table *t, json_t *row,
			     bool update, struct cg_error *err)
{
	char id[1024], *canon;
	cg_code r = CG_OK;

	if (update) {
		struct cg_buf sql;
		struct cg_stmt *q;
		cg_buf_init(&sql, 0);
		r = cg_buf_addf(&sql, "DELETE FROM %s WHERE scope = ? AND urn = ?", t->name);
		if (r != CG_OK)
			return nomem(err);
		r = cg_store_prepare(st, sql.ptr, &q, err);
		cg_buf_release(&sql);
		if (r != CG_OK)
			return r;
		if (cg_stmt_bind_text(q, 1, json_string_value(json_object_get(row, "scope"))) ||
		    cg_stmt_bind_text(q, 2, json_string_value(json_object_get(row, "urn"))))
			return bind_failed(q, err);
		if ((r = cg_stmt_run(q, err)) != CG_OK)
			return r;
	}
	if ((r = insert_row(st, t, row, err)) != CG_OK)
		return r;
	row_id(t, row, id, sizeof id);
	if (!(canon = canonical(t, row)))
		return nomem(err);
	r = cg_audit_append(st, actor, update ? "update" : "create", t->entity, id, canon, strlen(canon), err);
	free(canon);
	return r;
}

/* --- the catalog side --- */

static bool has_string(json_t *arr, const char *s)
{
	json_t *v;
	size_t i;
	json_array_foreach(arr, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return true;
	return false;
}

static bool is_obligation(json_t *node)
{
	const char *kind = json_string_value(json_object_get(node, "kind"));
	return kind && (strcmp(kind, "duty") == 0 || strcmp(kind, "control") == 0);
}

static bool is_duty(json_t *node)
{
	const char *kind = json_string_value(json_object_get(node, "kind"));
	return kind && strcmp(kind, "duty") == 0;
}

/* The prefix a short URN leaves out. */
#define SHORT_URN_PREFIX "urn:ciiguard:req_node:"

bool cg_obligation_urn_is(const char *urn, const char *given)
{
	return strcmp(urn, given) == 0 || (strncmp(given, "urn:", 4) != 0 &&
					   strncmp(urn, SHORT_URN_PREFIX, sizeof SHORT_URN_PREFIX - 1) == 0 &&
					   strcmp(urn + sizeof SHORT_URN_PREFIX - 1, given) == 0);
}

/* The node for `urn`, also in the short form after "urn:ciiguard:req_node:". */
static json_t *find_node(const struct cg_catalog *c, const char *urn)
{
	json_t *n = cg_catalog_find(c, "requirement_nodes", urn);
	char full[CG_CATALOG_URN_MAX + 32];

	if (!n && strncmp(urn, "urn:", 4) != 0) {
		snprintf(full, sizeof full, SHORT_URN_PREFIX "%s", urn);
		n = cg_catalog_find(c, "requirement_nodes", full);
	}
	return n && is_obligation(n) ? n : NULL;
}

/* Days after last_met for a recurring cadence; 0 for the others. */
static int64_t cadence_days(json_t *cadence)
{
	json_t *every = json_object_get(cadence, "every_days");
	if (json_is_integer(every) && json_integer_value(every) > 0)
		return json_integer_value(every);
	if (json_is_string(cadence) && strcmp(json_string_value(cadence), "annual") == 0)
		return 365;
	return 0;
}

static bool add_days(const char *date, int64_t days, char out[11])
{
	char t[32];
	int64_t ms;
	char back[CG_TIME_MAX];

	snprintf(t, sizeof t, "%.10sT00:00:00Z", date);
	if (!cg_date_valid(date) || !cg_rfc3339_parse(t, &ms))
		return false;
	cg_rfc3339_format(ms + days * DAY_MS, back);
	snprintf(out, 11, "%.10s", back);
	return true;
}

/*
 * `date` plus a catalog DURATION ({days|months|years|hours|minutes: N}). A month added to the
 * 31st lands on the last day of a shorter month (2026-01-31 + 1 month = 2026-02-28). Working
 * days need the calendar of the registers and are not counted here (false, as for bad input).
 */
static bool add_duration(const char *date, json_t *duration, char out[11])
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	const char *unit;
	json_t *v;
	int y, m, d;

	json_object_foreach(duration, unit, v) {
		json_int_t n = json_integer_value(v);
		if (!json_is_integer(v) || n < 0 || n > 100000)
			return false;
		if (strcmp(unit, "days") == 0)
			return add_days(date, n, out);
		if (strcmp(unit, "hours") == 0 || strcmp(unit, "minutes") == 0)
			return add_days(date, strcmp(unit, "hours") == 0 ? n / 24 : n / 1440, out);
		if (strcmp(unit, "months") != 0 && strcmp(unit, "years") != 0)
			return false;
		if (!cg_date_valid(date) || sscanf(date, "%4d-%2d-%2d", &y, &m, &d) != 3)
			return false;
		int64_t months = (int64_t)(m - 1) + (strcmp(unit, "years") == 0 ? n * 12 : n);
		y += (int)(months / 12);
		m = (int)(months % 12) + 1;
		int last = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
		if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31)
			return false;
		char tmp[32];
		snprintf(tmp, sizeof tmp, "%04d-%02d-%02d", y, m, d < last ? d : last);
		memcpy(out, tmp, 11);
		return true;
	}
	return false;
}

/* --- the register --- */

struct scope {
	char *id, *name;
	int perim, base; /* perimeter, and the one by the rules that do not look at links */
	json_t *tree;
	char **links;    /* ids this system links to */
	size_t nlinks;
	unsigned found;  /* bit per base perimeter among its neighbours (either direction) */
};

struct scopes {
	struct scope *v;
	size_t n, cap;
	struct cg_error *err;
	cg_code r;
};

static void scopes_free(struct scopes *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].id);
		free(s->v[i].name);
		json_decref(s->v[i].tree);
		for (size_t k = 0; k < s->v[i].nlinks; k++)
			free(s->v[i].links[k]);
		free(s->v[i].links);
	}
	free(s->v);
}

static int collect(const struct cg_system *sys, void *ud)
{
	struct scopes *s = ud;
	struct cg_buf b;
	struct scope *e;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct scope *v = realloc(s->v, cap * sizeof *v);
		if (!v)
			goto fail;
		s->v = v;
		s->cap = cap;
	}
	e = &s->v[s->n];
	memset(e, 0, sizeof *e);
	cg_buf_init(&b, 0);
	if (cg_system_to_json(sys, &b) == CG_OK)
		e->tree = json_loadb(b.ptr, b.len, 0, NULL);
	cg_buf_release(&b);
	e->id = strdup(sys->id);
	e->name = strdup(sys->name ? sys->name : "");
	s->n++;
	if (!e->tree || !e->id || !e->name || !(e->links = calloc(sys->nlinks + 1, sizeof *e->links)))
		goto fail;
	for (size_t k = 0; k < sys->nlinks; k++, e->nlinks++)
		if (!(e->links[k] = strdup(sys->links[k].to)))
			goto fail;
	return 0;
fail:
	s->r = nomem(s->err);
	return 1;
}

static int perimeter_index(const char *p)
{
	for (int k = 0; p && k < CG_PERIM__COUNT; k++)
		if (strcmp(cg_perimeter_names[k], p) == 0)
			return k;
	return CG_PERIM_OUTSIDE;
}

static bool neighbour_in(void *ud, unsigned wanted)
{
	return (((struct scope *)ud)->found & wanted) != 0;
}

static int scope_cmp(const void *a, const void *b)
{
	return strcmp(((const struct scope *)a)->id, ((const struct scope *)b)->id);
}

static struct scope *scope_find(struct scopes *s, const char *id)
{
	struct scope key = { .id = (char *)id };
	return bsearch(&key, s->v, s->n, sizeof *s->v, scope_cmp);
}

/* The screened scopes as the perimeters the register rules read. */
static const char *sc_id(void *ud, size_t i)
{
	return ((struct scopes *)ud)->v[i].id;
}

static int sc_perim(void *ud, size_t i)
{
	return ((struct scopes *)ud)->v[i].perim;
}

static long sc_find(void *ud, const char *id)
{
	struct scope *f = scope_find(ud, id);
	return f ? (long)(f - ((struct scopes *)ud)->v) : -1;
}

/*
 * Every system with its perimeter, screened as cg_screen_stored() does but in one pass over the
 * inventory: first by the rules that do not look at links, then again with each system's
 * neighbours (linked either way) known.
 */
static cg_code load_scopes(struct cg_store *st, const struct cg_catalog *c, struct scopes *s,
			   struct cg_error *err)
{
	json_t *res;
	cg_code r;

	memset(s, 0, sizeof *s);
	s->err = err;
	r = cg_system_each(st, collect, s, err);
	if (r == CG_OK)
		r = s->r;
	if (r != CG_OK)
		return r;
	if (s->n)
		qsort(s->v, s->n, sizeof *s->v, scope_cmp);
	for (size_t i = 0; i < s->n; i++) {
		if ((r = cg_screen_json(c, s->v[i].tree, NULL, NULL, CG_LANG_EN, &res, err)) != CG_OK)
			return r;
		s->v[i].base = perimeter_index(json_string_value(json_object_get(res, "perimeter")));
		json_decref(res);
	}
	for (size_t i = 0; i < s->n; i++)
		for (size_t k = 0; k < s->v[i].nlinks; k++) {
			struct scope *to = scope_find(s, s->v[i].links[k]);
			if (!to || to == &s->v[i])
				continue;
			s->v[i].found |= 1u << to->base;
			to->found |= 1u << s->v[i].base;
		}
	for (size_t i = 0; i < s->n; i++) {
		if ((r = cg_screen_json(c, s->v[i].tree, neighbour_in, &s->v[i], CG_LANG_EN, &res, err)) != CG_OK)
			return r;
		s->v[i].perim = perimeter_index(json_string_value(json_object_get(res, "perimeter")));
		json_decref(res);
	}
	return CG_OK;
}

/* Stored statuses keyed "SCOPE|URN", and evidence counts. */
static cg_code load_status(struct cg_store *st, json_t *status, json_t *counts, struct cg_error *err)
{
	struct cg_stmt *q;
	enum cg_step s;
	cg_code r = cg_store_prepare(st, "SELECT scope, urn, status, owner, reason, last_met, due, updated_at, updated_by "
			     "FROM obligation_status", &q, err);
	if (r != CG_OK)
		return r;
	while ((s = cg_stmt_step(q, err)) == CG_STEP_ROW) {
		json_t *row = read_row(&tables[0], q);
		char id[1024];
		if (!row) {
			cg_stmt_done(q);
			return nomem(err);
		}
		row_id(&tables[0], row, id, sizeof id);
		json_object_set_new(status, id, row);
	}
	cg_stmt_done(q);
	if (s == CG_STEP_ERROR)
		return step_failed(err);
	r = cg_store_prepare(st, "SELECT scope, urn, COUNT(*) FROM evidence_links GROUP BY scope, urn", &q, err);
	if (r != CG_OK)
		return r;
	while ((s = cg_stmt_step(q, err)) == CG_STEP_ROW) {
		char id[1024];
		snprintf(id, sizeof id, "%s|%s", cg_stmt_text(q, 0), cg_stmt_text(q, 1));
		json_object_set_new(counts, id, json_integer(cg_stmt_int64(q, 2)));
	}
	cg_stmt_done(q);
	return s == CG_STEP_ERROR ? step_failed(err) : CG_OK;
}

static json_t *make_item(const struct cg_catalog *c, json_t *node, const char *scope, int perim, json_t *status,
			 json_t *derived, json_t *counts, const char *today, enum cg_lang lang)
{
	const char *urn = json_string_value(json_object_get(node, "urn"));
	char key[1024], src[CG_CATALOG_SOURCE_MAX], due[11] = "";
	json_t *row, *stored, *cadence = json_object_get(node, "cadence"), *sanction = json_object_get(node, "sanction");
	const char *st, *last, *explicit_due;
	bool overdue, gap;

	snprintf(key, sizeof key, "%s|%s", scope, urn);
	stored = json_object_get(status, key);
	/* what the register records show overrules a status set by hand (not a not_applicable) */
	row = cg_register_effective(derived, stored, key, urn, perim);
	st = row ? json_string_value(json_object_get(row, "status")) : "not_started";
	last = row ? json_string_value(json_object_get(row, "last_met")) : NULL;
	explicit_due = row ? json_string_value(json_object_get(row, "due")) : NULL;
	if (explicit_due && *explicit_due)
		snprintf(due, sizeof due, "%.10s", explicit_due);
	else if (last && cadence_days(cadence) > 0 && !add_days(last, cadence_days(cadence), due))
		due[0] = '\0';
	bool na = strcmp(st, "not_applicable") == 0, met = strcmp(st, "met") == 0;
	overdue = !na && ((due[0] && strcmp(due, today) < 0) || json_is_true(json_object_get(row, "overdue")));
	gap = !na && (!met || overdue);
	cg_catalog_source(c, node, lang, src, sizeof src);
	json_t *n = json_object_get(counts, key), *item;
	item = json_pack("{s:s,s:s,s:s,s:s?,s:s?,s:s?,s:O?,s:s,s:s,s:s?,s:s?,s:s?,s:s?,s:b,s:b,s:s?,s:I}",
		"scope", scope, "perimeter", cg_perimeter_names[perim], "urn", urn,
		"ref_id", json_string_value(json_object_get(node, "ref_id")),
		"name", cg_catalog_text(node, "name", lang),
		"kind", json_string_value(json_object_get(node, "kind")), "cadence", cadence,
		"source", src, "status", st,
		"owner", stored ? json_string_value(json_object_get(stored, "owner")) : NULL,
		"reason", stored ? json_string_value(json_object_get(stored, "reason")) : NULL,
		"last_met", last, "due", due[0] ? due : NULL, "overdue", overdue, "gap", gap,
		"sanction", json_string_value(json_object_get(sanction, "id")),
		"evidence", (json_int_t)(n ? json_integer_value(n) : 0));
	if (item && row && row != stored)
		json_object_set_new(item, "from_records", json_pack("{s:O,s:O,s:O}", "rules", json_object_get(row, "rules"),
			"records", json_object_get(row, "records"), "records_total", json_object_get(row, "records_total")));
	if (item && row && row != stored && json_object_get(row, "priced"))
		json_object_set(json_object_get(item, "from_records"), "priced", json_object_get(row, "priced"));
	/* A clock that runs against another party once the duty is met (Art. 11: the department
	 * re-identifies within 3 months of receiving the report), from the date it was met. */
	json_t *clock = json_object_get(node, "clock");
	char follow[11];
	if (item && clock && met && last && add_duration(last, json_object_get(clock, "within"), follow))
		json_object_set_new(item, "follow_up", json_pack("{s:s?,s:s?,s:s,s:b}",
			"party", json_string_value(json_object_get(clock, "party")),
			"from", json_string_value(json_object_get(clock, "from")), "due", follow,
			"passed", strcmp(follow, today) < 0));
	return item;
}

static cg_code today_of(char today[11], struct cg_error *err)
{
	char now[CG_TIME_MAX];
	cg_code r = cg_now(now, err);
	if (r == CG_OK)
		snprintf(today, 11, "%.10s", now);
	return r;
}

cg_code cg_obligations(struct cg_store *st, const struct cg_catalog *c, const char *scope,
		       enum cg_lang lang, json_t **out, struct cg_error *err)
{
	struct scopes s;
	json_t *status = json_object(), *counts = json_object(), *items = json_array(), *systems = json_array();
	json_t *derived = NULL;
	size_t nn = cg_catalog_count(c, "requirement_nodes");
	bool org_only = scope && strcmp(scope, CG_SCOPE_ORGANISATION) == 0;
	char today[11];
	cg_code r;

	*out = NULL;
	if (!status || !counts || !items || !systems) {
		r = nomem(err);
		memset(&s, 0, sizeof s);
		goto out;
	}
	/* Links and the organisation's duties depend on every system, so all are screened. */
	r = load_scopes(st, c, &s, err);
	if (r == CG_OK && scope && !org_only && !scope_find(&s, scope))
		r = cg_error_set(err, CG_E_NOTFOUND, "id", N_("system '%s' does not exist"), scope);
	if (r == CG_OK)
		r = today_of(today, err);
	if (r == CG_OK)
		r = load_status(st, status, counts, err);
	if (r == CG_OK) {
		struct cg_perim_src ps = { s.n, sc_id, sc_perim, sc_find, &s };
		r = cg_register_derive(st, c, &ps, &derived, err);
	}
	if (r != CG_OK)
		goto out;
	for (size_t i = 0; i < s.n && !org_only; i++)
		if (!scope || strcmp(scope, s.v[i].id) == 0)
			json_array_append_new(systems, json_pack("{s:s,s:s,s:s}", "id", s.v[i].id, "name", s.v[i].name,
							 "perimeter", cg_perimeter_names[s.v[i].perim]));
	if (!scope || org_only) {
		for (size_t k = 0; k < 2 * nn; k++) {
			json_t *node = cg_catalog_item(c, "requirement_nodes", k % nn), *to = json_object_get(node, "applies_to");
			json_t *when = json_object_get(node, "applies_when");
			int best = -1;
			if (!is_obligation(node) || !has_string(to, CG_SCOPE_ORGANISATION) || is_duty(node) != (k < nn))
				continue;
			bool only_org = json_array_size(to) == 1;
			for (size_t i = 0; i < s.n; i++) {
				int h = 1;
				if (!only_org && !has_string(to, cg_perimeter_names[s.v[i].perim]))
					continue;
				if (when && (h = cg_condition_eval(when, s.v[i].tree, neighbour_in, &s.v[i],
						json_string_value(json_object_get(node, "urn")), err)) < 0) {
					r = err ? err->code : CG_E_INTERNAL;
					goto out;
				}
				if (h && s.v[i].perim > best)
					best = s.v[i].perim;
			}
			if (only_org && !when && best < 0)
				best = CG_PERIM_OUTSIDE;
			if (best >= 0)
				json_array_append_new(items, make_item(c, node, CG_SCOPE_ORGANISATION, best, status, derived, counts, today, lang));
		}
	}
	for (size_t i = 0; i < s.n && !org_only; i++) {
		if (scope && strcmp(scope, s.v[i].id) != 0)
			continue;
		for (size_t k = 0; k < 2 * nn; k++) {
			json_t *node = cg_catalog_item(c, "requirement_nodes", k % nn), *to = json_object_get(node, "applies_to");
			json_t *when = json_object_get(node, "applies_when");
			int h = 1;
			if (!is_obligation(node) || is_duty(node) != (k < nn) || has_string(to, CG_SCOPE_ORGANISATION) ||
			    !has_string(to, cg_perimeter_names[s.v[i].perim]))
				continue;
			if (when && (h = cg_condition_eval(when, s.v[i].tree, neighbour_in, &s.v[i],
					json_string_value(json_object_get(node, "urn")), err)) < 0) {
				r = err ? err->code : CG_E_INTERNAL;
				goto out;
			}
			if (h)
				json_array_append_new(items, make_item(c, node, s.v[i].id, s.v[i].perim, status, derived, counts, today, lang));
		}
	}
	*out = json_pack("{s:s,s:s,s:O,s:O}", "today", today, "catalog_version", cg_catalog_version(c),
			 "systems", systems, "obligations", items);
	if (!*out)
		r = nomem(err);
out:
	scopes_free(&s);
	json_decref(derived);
	json_decref(status);
	json_decref(counts);
	json_decref(items);
	json_decref(systems);
	return r;
}

/* --- recording --- */

static bool enum_ok(const char *s)
{
	for (int i = 0; cg_obligation_status_names[i]; i++)
		if (strcmp(cg_obligation_status_names[i], s) == 0)
			return true;
	return false;
}

/* The scope must be the organisation or a stored system. */
static cg_code check_scope(struct cg_store *st, const char *scope, struct cg_error *err)
{
	struct cg_system sys;
	cg_code r;

	if (strcmp(scope, CG_SCOPE_ORGANISATION) == 0)
		return CG_OK;
	cg_system_init(&sys);
	r = cg_system_get(st, scope, &sys, err);
	cg_system_release(&sys);
	if (r == CG_E_NOTFOUND)
		return cg_error_set(err, CG_E_NOTFOUND, "scope",
				    N_("scope: '%s' is neither 'organisation' nor a system in the inventory"), scope);
	return r;
}

static cg_code check_obligation(struct cg_store *st, const struct cg_catalog *c, const char *scope,
				const char *urn, const char **full, struct cg_error *err)
{
	json_t *node = find_node(c, urn);

	if (!node)
		return cg_error_set(err, CG_E_NOTFOUND, "urn",
				    N_("urn: '%s' is not a duty or control of the catalog"), urn);
	*full = json_string_value(json_object_get(node, "urn"));
	if (strcmp(scope, CG_SCOPE_ORGANISATION) == 0 && !has_string(json_object_get(node, "applies_to"), CG_SCOPE_ORGANISATION))
		return cg_error_set(err, CG_E_INVALID, "scope",
				    N_("scope: %s binds each system, not the organisation as a whole"), *full);
	if (strcmp(scope, CG_SCOPE_ORGANISATION) != 0 && has_string(json_object_get(node, "applies_to"), CG_SCOPE_ORGANISATION))
		return cg_error_set(err, CG_E_INVALID, "scope",
				    N_("scope: %s binds the organisation as a whole; record it for 'organisation'"), *full);
	return check_scope(st, scope, err);
}

static cg_code check_text(const char *field, const char *v, struct cg_error *err)
{
	if (v && (!cg_text_ok(v, false) || strlen(v) > 1000))
		return cg_error_set(err, CG_E_INVALID, field, N_("%s: expected one line of text (at most 1000 bytes)"), field);
	return CG_OK;
}

cg_code cg_obligation_set(struct cg_store *st, const char *actor, const struct cg_catalog *c,
			  const char *scope, const char *urn, const struct cg_obligation_update *u,
			  struct cg_error *err)
{
	char now[CG_TIME_MAX], today[11], key[1024];
	const char *full = NULL;
	json_t *status = json_object(), *counts = json_object(), *old, *row = NULL;
	bool own = false;
	cg_code r;

	if (!status || !counts) {
		r = nomem(err);
		goto out;
	}
	if (!u->status || !enum_ok(u->status)) {
		r = cg_error_set(err, CG_E_INVALID, "status",
				 N_("status: expected not_started, in_progress, met or not_applicable, got '%s'"),
				 u->status ? u->status : "");
		goto out;
	}
	if ((u->met_on && !cg_date_valid(u->met_on)) || (u->due && *u->due && !cg_date_valid(u->due))) {
		r = cg_error_set(err, CG_E_INVALID, u->met_on && !cg_date_valid(u->met_on) ? "met_on" : "due",
				 N_("%s: expected a date YYYY-MM-DD"), u->met_on && !cg_date_valid(u->met_on) ? "met-on" : "due");
		goto out;
	}
	if ((r = check_text("owner", u->owner, err)) != CG_OK || (r = check_text("reason", u->reason, err)) != CG_OK)
		goto out;
	if ((r = cg_now(now, err)) != CG_OK || (r = check_obligation(st, c, scope, urn, &full, err)) != CG_OK)
		goto out;
	snprintf(today, sizeof today, "%.10s", now);
	if (u->met_on && strcmp(u->met_on, today) > 0) {
		r = cg_error_set(err, CG_E_INVALID, "met_on", N_("met-on: %s is in the future"), u->met_on);
		goto out;
	}
	own = !cg_store_in_transaction(st);
	if (own && (r = cg_store_begin(st, err)) != CG_OK)
		goto out;
	if ((r = load_status(st, status, counts, err)) != CG_OK)
		goto end;
	snprintf(key, sizeof key, "%s|%s", scope, full);
	old = json_object_get(status, key);
	row = old ? json_deep_copy(old) : json_pack("{s:s,s:s,s:n,s:n,s:n,s:n}", "scope", scope, "urn", full,
						      "owner", "reason", "last_met", "due");
	if (!row) {
		r = nomem(err);
		goto end;
	}
	bool met = strcmp(u->status, "met") == 0;
	json_object_set_new(row, "status", json_string(u->status));
	if (u->owner)
		json_object_set_new(row, "owner", *u->owner ? json_string(u->owner) : json_null());
	if (u->reason)
		json_object_set_new(row, "reason", *u->reason ? json_string(u->reason) : json_null());
	if (u->met_on || met)
		json_object_set_new(row, "last_met", json_string(u->met_on ? u->met_on : today));
	if (u->due)
		json_object_set_new(row, "due", *u->due ? json_string(u->due) : json_null());
	else if (met)
		json_object_set_new(row, "due", json_null());
	if (strcmp(u->status, "not_applicable") == 0 && !json_string_value(json_object_get(row, "reason"))) {
		r = cg_error_set(err, CG_E_INVALID, "reason", N_("reason: not_applicable needs a reason"));
		goto end;
	}
	json_object_set_new(row, "updated_at", json_string(now));
	json_object_set_new(row, "updated_by", json_string(actor));
	r = write_audited(st, actor, &tables[0], row, old != NULL, err);
end:
	r = cg_store_end(st, own, r, err);
out:
	json_decref(row);
	json_decref(status);
	json_decref(counts);
	return r;
}

/* --- gaps and exposure --- */

static int64_t severity(const struct cg_catalog *c, const char *sanction)
{
	json_t *p = sanction ? cg_catalog_find(c, "penalties", sanction) : NULL, *e = json_object_get(p, "entity");
	if (json_object_get(e, "max_times_amount"))
		return -1;
	return json_is_integer(json_object_get(e, "max_cny")) ? json_integer_value(json_object_get(e, "max_cny")) : 0;
}

static int perim_rank(json_t *item)
{
	const char *p = json_string_value(json_object_get(item, "perimeter"));
	for (int k = 0; k < CG_PERIM__COUNT; k++)
		if (p && strcmp(cg_perimeter_names[k], p) == 0)
			return k;
	return 0;
}

static int gap_cmp(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int64_t sx = json_integer_value(json_object_get(x, "severity_cny")), sy = json_integer_value(json_object_get(y, "severity_cny"));
	int d;

	/* A fine in multiples of an amount has no ceiling: it ranks above every fixed one. */
	sx = sx < 0 ? INT64_MAX : sx;
	sy = sy < 0 ? INT64_MAX : sy;
	if ((d = json_is_true(json_object_get(y, "overdue")) - json_is_true(json_object_get(x, "overdue"))) != 0)
		return d;
	if ((d = perim_rank(y) - perim_rank(x)) != 0)
		return d;
	if (sx != sy)
		return sx < sy ? 1 : -1;
	if ((d = strcmp(json_string_value(json_object_get(x, "kind")), json_string_value(json_object_get(y, "kind")))) != 0)
		return -d; /* "duty" before "control" */
	if ((d = strcmp(json_string_value(json_object_get(x, "scope")), json_string_value(json_object_get(y, "scope")))) != 0)
		return d;
	return strcmp(json_string_value(json_object_get(x, "urn")), json_string_value(json_object_get(y, "urn")));
}

cg_code cg_gaps(struct cg_store *st, const struct cg_catalog *c, enum cg_lang lang, json_t **out,
		struct cg_error *err)
{
	json_t *reg = NULL, *item, *gaps;
	json_t **v = NULL;
	size_t i, n = 0;
	cg_code r = cg_obligations(st, c, NULL, lang, &reg, err);

	*out = NULL;
	if (r != CG_OK)
		return r;
	json_t *all = json_object_get(reg, "obligations");
	if (!(v = calloc(json_array_size(all) + 1, sizeof *v)) || !(gaps = json_array())) {
		free(v);
		json_decref(reg);
		return nomem(err);
	}
	json_array_foreach(all, i, item) {
		if (!json_is_true(json_object_get(item, "gap")))
			continue;
		json_object_set_new(item, "severity_cny",
				    json_integer(severity(c, json_string_value(json_object_get(item, "sanction")))));
		v[n++] = item;
	}
	qsort(v, n, sizeof *v, gap_cmp);
	for (i = 0; i < n; i++)
		json_array_append(gaps, v[i]);
	free(v);
	*out = json_pack("{s:O,s:o}", "today", json_object_get(reg, "today"), "gaps", gaps);
	json_decref(reg);
	return *out ? CG_OK : nomem(err);
}

static json_t *tier(const struct cg_catalog *c, const char *id, enum cg_lang lang)
{
	json_t *p = cg_catalog_find(c, "penalties", id);
	char src[CG_CATALOG_SOURCE_MAX];

	if (!p)
		return json_pack("{s:s,s:n,s:n,s:n,s:n}", "id", id, "source", "text", "entity", "persons");
	cg_catalog_source(c, p, lang, src, sizeof src);
	return json_pack("{s:s,s:s,s:s?,s:O?,s:O?}", "id", id, "source", src, "text", cg_catalog_text(p, "text", lang),
			 "entity", json_object_get(p, "entity"), "persons", json_object_get(p, "persons"));
}

static void add_range(json_t *total, json_t *range, bool *multiplier)
{
	json_t *mn = json_object_get(range, "min_cny"), *mx = json_object_get(range, "max_cny");

	if (json_object_get(range, "min_times_amount"))
		*multiplier = true;
	if (!json_is_integer(mn) || !json_is_integer(mx))
		return;
	json_object_set_new(total, "min_cny", json_integer(json_integer_value(json_object_get(total, "min_cny")) + json_integer_value(mn)));
	json_object_set_new(total, "max_cny", json_integer(json_integer_value(json_object_get(total, "max_cny")) + json_integer_value(mx)));
}

cg_code cg_exposure(struct cg_store *st, const struct cg_catalog *c, enum cg_lang lang, json_t **out,
		    struct cg_error *err)
{
	json_t *g = NULL, *item, *priced = json_array(), *also, *a, *seen = json_object();
	json_t *ent = json_pack("{s:I,s:I}", "min_cny", (json_int_t)0, "max_cny", (json_int_t)0);
	json_t *per = json_pack("{s:I,s:I}", "min_cny", (json_int_t)0, "max_cny", (json_int_t)0);
	json_int_t multipliers = 0;
	size_t i, k;
	cg_code r;

	*out = NULL;
	if (!priced || !ent || !per || !seen) {
		r = nomem(err);
		goto out;
	}
	if ((r = cg_gaps(st, c, lang, &g, err)) != CG_OK)
		goto out;
	json_array_foreach(json_object_get(g, "gaps"), i, item) {
		const char *id = json_string_value(json_object_get(item, "sanction"));
		json_t *node = cg_catalog_find(c, "requirement_nodes", json_string_value(json_object_get(item, "urn")));
		json_t *t, *tiers = json_array();
		bool mult = false;
		if (!id) {
			json_decref(tiers);
			continue;
		}
		t = tier(c, id, lang);
		also = json_object_get(json_object_get(node, "sanction"), "also");
		json_array_foreach(also, k, a)
			if (json_is_string(a))
				json_array_append_new(tiers, tier(c, json_string_value(a), lang));
		add_range(ent, json_object_get(t, "entity"), &mult);
		add_range(per, json_object_get(t, "persons"), &mult);
		/* a fine in multiples of an amount the records give (Art. 41: the procurement's) is
		 * priced, once per record however many systems it serves */
		json_t *pr = json_object_get(json_object_get(item, "from_records"), "priced");
		if (mult && json_array_size(pr))
			json_array_foreach(pr, k, a) {
				const char *ref = json_string_value(json_object_get(a, "ref"));
				if (!ref || json_object_get(seen, ref))
					continue;
				json_object_set_new(seen, ref, json_true());
				add_range(ent, a, &mult);
			}
		else
			multipliers += mult;
		json_object_set_new(item, "penalty", t);
		json_object_set_new(item, "also", tiers);
		json_array_append(priced, item);
	}
	*out = json_pack("{s:O,s:O,s:{s:O,s:O},s:I}", "today", json_object_get(g, "today"), "gaps", priced,
			 "totals", "entity", ent, "persons", per, "multiplier_gaps", multipliers);
	if (!*out)
		r = nomem(err);
out:
	json_decref(seen);
	json_decref(g);
	json_decref(priced);
	json_decref(ent);
	json_decref(per);
	return r;
}

static int due_cmp(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int d = strcmp(json_string_value(json_object_get(x, "due")), json_string_value(json_object_get(y, "due")));
	if (!d)
		d = strcmp(json_string_value(json_object_get(x, "urn")), json_string_value(json_object_get(y, "urn")));
	return d ? d : strcmp(json_string_value(json_object_get(x, "scope")), json_string_value(json_object_get(y, "scope")));
}

/* The register built item by item: the reference cg_status (lib/portfolio.c) is tested against. */
cg_code cg_status_reference(struct cg_store *st, const struct cg_catalog *c, enum cg_lang lang, json_t **out,
			    struct cg_error *err)
{
	json_t *reg = NULL, *ex = NULL, *inc = NULL, *item, *by = json_object(), *next = json_array();
	json_t **v = NULL;
	json_int_t met = 0, open = 0, overdue = 0, na = 0;
	size_t i, n = 0;
	const char *today;
	cg_code r;

	*out = NULL;
	if (!by || !next) {
		r = nomem(err);
		goto out;
	}
	if ((r = cg_obligations(st, c, NULL, lang, &reg, err)) != CG_OK || (r = cg_exposure(st, c, lang, &ex, err)) != CG_OK ||
	    (r = cg_incident_summary(st, c, lang, &inc, err)) != CG_OK)
		goto out;
	today = json_string_value(json_object_get(reg, "today"));
	for (int k = CG_PERIM__COUNT - 1; k >= 0; k--)
		json_object_set_new(by, cg_perimeter_names[k], json_array());
	json_array_foreach(json_object_get(reg, "systems"), i, item)
		json_array_append(json_object_get(by, json_string_value(json_object_get(item, "perimeter"))),
				  json_object_get(item, "id"));
	json_t *all = json_object_get(reg, "obligations");
	if (!(v = calloc(json_array_size(all) + 1, sizeof *v))) {
		r = nomem(err);
		goto out;
	}
	json_array_foreach(all, i, item) {
		const char *s = json_string_value(json_object_get(item, "status"));
		const char *due = json_string_value(json_object_get(item, "due"));
		if (strcmp(s, "not_applicable") == 0)
			na++;
		else if (json_is_true(json_object_get(item, "overdue")))
			overdue++;
		else if (json_is_true(json_object_get(item, "gap")))
			open++;
		else
			met++;
		if (strcmp(s, "not_applicable") != 0 && due && strcmp(due, today) >= 0)
			v[n++] = item;
	}
	qsort(v, n, sizeof *v, due_cmp);
	for (i = 0; i < n && i < 5; i++)
		json_array_append(next, v[i]);
	*out = json_pack("{s:s,s:O,s:{s:I,s:I,s:I,s:I,s:I},s:O,s:I,s:O}", "today", today, "systems", by,
			 "obligations", "applicable", (json_int_t)json_array_size(all), "met", met, "open", open,
			 "overdue", overdue, "not_applicable", na, "exposure", json_object_get(ex, "totals"),
			 "multiplier_gaps", json_integer_value(json_object_get(ex, "multiplier_gaps")),
			 "next_deadlines", next);
	if (!*out || json_object_set(*out, "incidents", inc) != 0)
		r = nomem(err);
out:
	free(v);
	json_decref(inc);
	json_decref(reg);
	json_decref(ex);
	json_decref(by);
	json_decref(next);
	return r;
}

/* --- evidence --- */

static cg_code add_link(struct cg_store *st, const char *actor, const char *scope, const char *urn,
			const char *target, const char *filename, const char *note, const char *now,
			struct cg_error *err)
{
	struct cg_stmt *q;
	enum cg_step s;
	json_t *row;
	cg_code r = cg_store_prepare(st, "SELECT 1 FROM evidence_links WHERE scope = ? AND urn = ? AND target = ?", &q, err);

	if (r != CG_OK)
		return r;
	if (cg_stmt_bind_text(q, 1, scope) || cg_stmt_bind_text(q, 2, urn) || cg_stmt_bind_text(q, 3, target))
		return bind_failed(q, err);
	s = cg_stmt_step(q, err);
	cg_stmt_done(q);
	if (s == CG_STEP_ERROR)
		return step_failed(err);
	if (s == CG_STEP_ROW)
		return cg_error_set(err, CG_E_EXISTS, NULL, N_("%s is already evidence for %s in %s"), target, urn, scope);
	row = json_pack("{s:s,s:s,s:s,s:s?,s:s?,s:s,s:s}", "scope", scope, "urn", urn, "target", target,
			"filename", filename, "note", note, "added_at", now, "added_by", actor);
	if (!row)
		return nomem(err);
	r = write_audited(st, actor, &tables[2], row, false, err);
	json_decref(row);
	return r;
}

cg_code cg_evidence_add(struct cg_store *st, const char *actor, const struct cg_catalog *c,
			const char *scope, const char *urn, const void *data, size_t len,
			const char *filename, const char *note, char sha[CG_HASH_HEX],
			struct cg_error *err)
{
	char now[CG_TIME_MAX], target[80];
	const char *full;
	struct cg_stmt *q;
	enum cg_step s;
	char *enc = NULL;
	bool own;
	cg_code r;

	if (len > CG_EVIDENCE_MAX_BYTES)
		return cg_error_set(err, CG_E_INVALID, "file",
				    N_("file: %zu bytes is over the evidence limit of %zu bytes"), len, CG_EVIDENCE_MAX_BYTES);
	if ((r = check_text("note", note, err)) != CG_OK || (r = check_text("filename", filename, err)) != CG_OK ||
	    (r = cg_now(now, err)) != CG_OK || (r = check_obligation(st, c, scope, urn, &full, err)) != CG_OK)
		return r;
	cg_sha256_hex(data, len, sha);
	snprintf(target, sizeof target, "sha256:%s", sha);
	if (!(enc = b64_encode(data, len)))
		return nomem(err);
	own = !cg_store_in_transaction(st);
	if (own && (r = cg_store_begin(st, err)) != CG_OK)
		goto out;
	r = cg_store_prepare(st, "SELECT 1 FROM evidence WHERE sha256 = ?", &q, err);
	if (r != CG_OK)
		goto end;
	if (cg_stmt_bind_text(q, 1, sha)) {
		r = bind_failed(q, err);
		goto end;
	}
	s = cg_stmt_step(q, err);
	cg_stmt_done(q);
	if (s == CG_STEP_ERROR) {
		r = step_failed(err);
		goto end;
	}
	if (s == CG_STEP_DONE) {
		json_t *row = json_pack("{s:s,s:I,s:s,s:s}", "sha256", sha, "size", (json_int_t)len, "content", enc,
					"created_at", now);
		r = row ? write_audited(st, actor, &tables[1], row, false, err) : nomem(err);
		json_decref(row);
		if (r != CG_OK)
			goto end;
	}
	r = add_link(st, actor, scope, full, target, filename, note, now, err);
end:
	r = cg_store_end(st, own, r, err);
out:
	free(enc);
	return r;
}

cg_code cg_evidence_link(struct cg_store *st, const char *actor, const struct cg_catalog *c,
			 const char *scope, const char *urn, const char *record, const char *note,
			 struct cg_error *err)
{
	char now[CG_TIME_MAX];
	const char *full, *colon = strchr(record, ':');
	bool found = false, own;
	cg_code r;

	if (!colon || colon == record || !colon[1] || strncmp(record, "sha256:", 7) == 0 || strlen(record) > 400 ||
	    !cg_text_ok(record, false))
		return cg_error_set(err, CG_E_INVALID, "link", N_("link: expected TYPE:ID of a ciiguard record, e.g. system:grid-dispatch"));
	if ((r = check_text("note", note, err)) != CG_OK || (r = cg_now(now, err)) != CG_OK ||
	    (r = check_obligation(st, c, scope, urn, &full, err)) != CG_OK)
		return r;
	own = !cg_store_in_transaction(st);
	if (own && (r = cg_store_begin(st, err)) != CG_OK)
		return r;
	/* A record is any entity the audit trail knows and that still exists. */
	struct cg_stmt *q;
	enum cg_step s;
	char type[72];
	snprintf(type, sizeof type, "%.*s", (int)(colon - record), record);
	r = cg_store_prepare(st, "SELECT state FROM audit_events WHERE entity_type = ? AND entity_id = ? "
			     "ORDER BY seq DESC LIMIT 1", &q, err);
	if (r != CG_OK)
		goto end;
	if (cg_stmt_bind_text(q, 1, type) || cg_stmt_bind_text(q, 2, colon + 1)) {
		r = bind_failed(q, err);
		goto end;
	}
	if ((s = cg_stmt_step(q, err)) == CG_STEP_ROW)
		found = !cg_stmt_is_null(q, 0);
	cg_stmt_done(q);
	if (s == CG_STEP_ERROR) {
		r = step_failed(err);
		goto end;
	}
	if (!found) {
		r = cg_error_set(err, CG_E_NOTFOUND, "link", N_("link: there is no record %s"), record);
		goto end;
	}
	r = add_link(st, actor, scope, full, record, NULL, note, now, err);
end:
	return cg_store_end(st, own, r, err);
}

cg_code cg_evidence_list(struct cg_store *st, const char *scope, const char *urn, json_t **out,
			 struct cg_error *err)
{
	struct cg_stmt *q;
	enum cg_step s;
	char full[CG_CATALOG_URN_MAX + 32];
	cg_code r;

	*out = json_array();
	if (!*out)
		return nomem(err);
	if (urn && strncmp(urn, "urn:", 4) != 0)
		snprintf(full, sizeof full, "urn:ciiguard:req_node:%s", urn);
	else
		snprintf(full, sizeof full, "%s", urn ? urn : "");
	/* One text per filter: PostgreSQL cannot type a parameter tested only with IS NULL. */
#define EVIDENCE_SELECT "SELECT l.scope, l.urn, l.target, e.sha256, e.size, l.filename, l.note, l.added_at, " \
	"l.added_by FROM evidence_links l LEFT JOIN evidence e ON l.target = 'sha256:' || e.sha256 "
#define EVIDENCE_ORDER " ORDER BY l.scope, l.urn, l.added_at, l.target"
	r = cg_store_prepare(st, !scope ? EVIDENCE_SELECT EVIDENCE_ORDER :
			     !urn ? EVIDENCE_SELECT "WHERE l.scope = ?" EVIDENCE_ORDER :
			     EVIDENCE_SELECT "WHERE l.scope = ? AND l.urn = ?" EVIDENCE_ORDER, &q, err);
	if (r != CG_OK)
		goto fail;
	if ((scope && cg_stmt_bind_text(q, 1, scope)) || (scope && urn && cg_stmt_bind_text(q, 2, full))) {
		r = bind_failed(q, err);
		goto fail;
	}
	while ((s = cg_stmt_step(q, err)) == CG_STEP_ROW) {
		json_t *e = json_pack("{s:s,s:s,s:s,s:s?,s:o,s:s?,s:s?,s:s,s:s}", "scope", cg_stmt_text(q, 0),
			"urn", cg_stmt_text(q, 1), "target", cg_stmt_text(q, 2), "sha256", cg_stmt_text(q, 3),
			"size", cg_stmt_is_null(q, 4) ? json_null() : json_integer(cg_stmt_int64(q, 4)),
			"filename", cg_stmt_text(q, 5), "note", cg_stmt_text(q, 6), "added_at", cg_stmt_text(q, 7),
			"added_by", cg_stmt_text(q, 8));
		if (!e || json_array_append_new(*out, e) != 0) {
			cg_stmt_done(q);
			r = nomem(err);
			goto fail;
		}
	}
	cg_stmt_done(q);
	if (s == CG_STEP_ERROR) {
		r = step_failed(err);
		goto fail;
	}
	return CG_OK;
fail:
	json_decref(*out);
	*out = NULL;
	return r;
}

cg_code cg_evidence_get(struct cg_store *st, const char *sha, char **data, size_t *len, struct cg_error *err)
{
	struct cg_stmt *q;
	enum cg_step s;
	unsigned char *bytes = NULL;
	char hex[CG_HASH_HEX];
	cg_code r;

	*data = NULL;
	*len = 0;
	r = cg_store_prepare(st, "SELECT content, size FROM evidence WHERE sha256 = ?", &q, err);
	if (r != CG_OK)
		return r;
	if (cg_stmt_bind_text(q, 1, sha))
		return bind_failed(q, err);
	s = cg_stmt_step(q, err);
	if (s == CG_STEP_ROW && !(bytes = b64_decode(cg_stmt_text(q, 0) ? cg_stmt_text(q, 0) : "", len)))
		r = cg_error_set(err, CG_E_TAMPERED, NULL, N_("evidence %s is corrupt: its stored content is not valid"), sha);
	else if (s == CG_STEP_ROW && (int64_t)*len != cg_stmt_int64(q, 1))
		r = cg_error_set(err, CG_E_TAMPERED, NULL, N_("evidence %s is corrupt: its size changed outside ciiguard"), sha);
	cg_stmt_done(q);
	if (s == CG_STEP_ERROR)
		return step_failed(err);
	if (s == CG_STEP_DONE)
		return cg_error_set(err, CG_E_NOTFOUND, NULL, N_("there is no evidence file %s"), sha);
	if (r == CG_OK) {
		cg_sha256_hex(bytes, *len, hex);
		if (strcmp(hex, sha) != 0)
			r = cg_error_set(err, CG_E_TAMPERED, NULL,
					 N_("evidence %s is corrupt: its content now hashes to %s"), sha, hex);
	}
	if (r != CG_OK) {
		free(bytes);
		*len = 0;
		return r;
	}
	*data = (char *)bytes;
	return CG_OK;
}

/* --- changes to notified CII (Art. 11) --- */

static int watch_collect(const struct cg_system *sys, void *ud)
{
	struct cg_cii_watch *w = ud;
	char **v;

	if (!sys->notified_cii)
		return 0;
	if (!(v = realloc(w->ids, (w->n + 1) * sizeof *v)))
		return 1;
	w->ids = v;
	if (!(w->ids[w->n] = strdup(sys->id)))
		return 1;
	w->n++;
	return 0;
}

void cg_cii_watch_release(struct cg_cii_watch *w)
{
	for (size_t i = 0; i < w->n; i++) {
		free(w->ids[i]);
		if (w->snaps)
			free(w->snaps[i]);
	}
	free(w->ids);
	free(w->snaps);
	memset(w, 0, sizeof *w);
}

cg_code cg_cii_watch_begin(struct cg_store *st, const struct cg_catalog *c, const char *id,
			   struct cg_cii_watch *w, struct cg_error *err)
{
	cg_code r = CG_OK;

	memset(w, 0, sizeof *w);
	if (id) {
		struct cg_system s;
		cg_system_init(&s);
		r = cg_system_get(st, id, &s, err);
		if (r == CG_E_NOTFOUND)
			r = CG_OK;
		else if (r == CG_OK && watch_collect(&s, w))
			r = nomem(err);
		cg_system_release(&s);
	} else {
		r = cg_system_each(st, watch_collect, w, err);
		if (r == CG_OK && w->n && !w->ids[w->n - 1])
			r = nomem(err);
	}
	if (r == CG_OK && !(w->snaps = calloc(w->n + 1, sizeof *w->snaps)))
		r = nomem(err);
	for (size_t i = 0; i < w->n && r == CG_OK; i++)
		r = cg_screen_snapshot(st, c, w->ids[i], &w->snaps[i], err);
	if (r != CG_OK)
		cg_cii_watch_release(w);
	return r;
}

/* The stored status row of (scope, urn), or NULL in *row. */
static cg_code status_row(struct cg_store *st, const char *scope, const char *urn, json_t **row,
			  struct cg_error *err)
{
	struct cg_stmt *q;
	enum cg_step s;
	cg_code r = cg_store_prepare(st, "SELECT scope, urn, status, owner, reason, last_met, due, updated_at, "
				     "updated_by FROM obligation_status WHERE scope = ? AND urn = ?", &q, err);
	*row = NULL;
	if (r != CG_OK)
		return r;
	if (cg_stmt_bind_text(q, 1, scope) || cg_stmt_bind_text(q, 2, urn))
		return bind_failed(q, err);
	if ((s = cg_stmt_step(q, err)) == CG_STEP_ROW && !(*row = read_row(&tables[0], q)))
		r = nomem(err);
	cg_stmt_done(q);
	return s == CG_STEP_ERROR ? step_failed(err) : r;
}

/* The keys whose values differ between two snapshots. */
static json_t *changed_fields(const char *before, const char *after)
{
	json_t *a = json_loads(before, 0, NULL), *b = json_loads(after, 0, NULL), *out = json_array(), *v;
	const char *key;

	json_object_foreach(b, key, v)
		if (!json_equal(v, json_object_get(a, key)))
			json_array_append_new(out, json_string(key));
	json_object_foreach(a, key, v)
		if (!json_object_get(b, key))
			json_array_append_new(out, json_string(key));
	json_decref(a);
	json_decref(b);
	return out;
}

/* Records the duties that a decisive change of notified CII `id` brings (deadline from cii_change). */
static cg_code record_change(struct cg_store *st, const char *actor, const struct cg_catalog *c,
			     const char *id, json_t *fields, const char *now, json_t *changes,
			     struct cg_error *err)
{
	size_t nn = cg_catalog_count(c, "requirement_nodes");
	char today[11], due[11], src[CG_CATALOG_SOURCE_MAX];
	cg_code r = CG_OK;

	snprintf(today, sizeof today, "%.10s", now);
	for (size_t k = 0; k < nn && r == CG_OK; k++) {
		json_t *node = cg_catalog_item(c, "requirement_nodes", k), *dl = json_object_get(node, "deadline");
		const char *urn = json_string_value(json_object_get(node, "urn")), *old_due, *old_status;
		json_t *row = NULL;

		if (!dl || !is_obligation(node) || !has_string(json_object_get(node, "applies_to"), "cii") ||
		    strcmp(json_string_value(json_object_get(dl, "from")), "cii_change") != 0)
			continue;
		if (!add_duration(today, json_object_get(dl, "within"), due))
			return cg_error_set(err, CG_E_INVALID, "deadline", N_("%s: deadline.within cannot be counted in days"), urn);
		if ((r = status_row(st, id, urn, &row, err)) != CG_OK)
			return r;
		bool update = row != NULL;
		if (!row && !(row = json_pack("{s:s,s:s,s:n,s:n,s:n,s:n}", "scope", id, "urn", urn, "owner",
					      "reason", "last_met", "due")))
			return nomem(err);
		old_status = json_string_value(json_object_get(row, "status"));
		old_due = json_string_value(json_object_get(row, "due"));
		/* A change not yet reported keeps the earlier deadline: the report covers both. */
		bool pending = old_status && (strcmp(old_status, "not_started") == 0 || strcmp(old_status, "in_progress") == 0);
		if (pending && old_due && strcmp(old_due, due) < 0)
			snprintf(due, sizeof due, "%s", old_due);
		if (!pending) {
			json_object_set_new(row, "status", json_string("not_started"));
			json_object_set_new(row, "reason", json_null());
		}
		json_object_set_new(row, "due", json_string(due));
		json_object_set_new(row, "updated_at", json_string(now));
		json_object_set_new(row, "updated_by", json_string(actor));
		r = write_audited(st, actor, &tables[0], row, update, err);
		/* the change is answered in the language of the request (or command) */
		cg_catalog_source(c, node, err ? err->lang : CG_LANG_EN, src, sizeof src);
		if (r == CG_OK)
			json_array_append_new(changes, json_pack("{s:s,s:s,s:s?,s:s,s:s,s:s,s:O}", "system", id, "urn", urn,
				"ref_id", json_string_value(json_object_get(node, "ref_id")), "source", src,
				"status", json_string_value(json_object_get(row, "status")), "due", due, "fields", fields));
		json_decref(row);
	}
	return r;
}

cg_code cg_cii_watch_end(struct cg_store *st, const char *actor, const struct cg_catalog *c,
			 struct cg_cii_watch *w, json_t **changes, struct cg_error *err)
{
	char now[CG_TIME_MAX];
	cg_code r;

	if (!(*changes = json_array()))
		r = nomem(err);
	else
		r = cg_now(now, err);
	for (size_t i = 0; i < w->n && r == CG_OK; i++) {
		struct cg_system s;
		char *snap = NULL;
		cg_system_init(&s);
		r = cg_system_get(st, w->ids[i], &s, err);
		if (r == CG_E_NOTFOUND) { /* deleted: that is Art. 21 (or a retirement), not a change */
			r = CG_OK;
			if (err)
				cg_error_init(err, err->lang);
		} else if (r == CG_OK && s.notified_cii && (r = cg_screen_snapshot(st, c, w->ids[i], &snap, err)) == CG_OK &&
			   strcmp(snap, w->snaps[i]) != 0) {
			json_t *fields = changed_fields(w->snaps[i], snap);
			r = fields ? record_change(st, actor, c, w->ids[i], fields, now, *changes, err) : nomem(err);
			json_decref(fields);
		}
		free(snap);
		cg_system_release(&s);
	}
	cg_cii_watch_release(w);
	if (r != CG_OK) {
		json_decref(*changes);
		*changes = NULL;
	}
	return r;
}

/* --- shared with lib/portfolio.c (obligation_int.h) --- */

bool cg_obl_is_obligation(json_t *node) { return is_obligation(node); }
bool cg_obl_is_duty(json_t *node) { return is_duty(node); }
bool cg_obl_has_string(json_t *arr, const char *s) { return has_string(arr, s); }
int64_t cg_obl_cadence_days(json_t *cadence) { return cadence_days(cadence); }
bool cg_obl_add_days(const char *date, int64_t days, char out[11]) { return add_days(date, days, out); }

cg_code cg_obl_status_row(struct cg_store *st, const char *scope, const char *urn, json_t **row, struct cg_error *err)
{
	return status_row(st, scope, urn, row, err);
}

json_t *cg_obl_make_item(const struct cg_catalog *c, json_t *node, const char *scope, int perim, json_t *status,
			 json_t *derived, json_t *counts, const char *today, enum cg_lang lang)
{
	return make_item(c, node, scope, perim, status, derived, counts, today, lang);
}

cg_code cg_obl_evidence_count(struct cg_store *st, const char *scope, const char *urn, json_t *counts,
			      const char *key, struct cg_error *err)
{
	struct cg_stmt *q;
	enum cg_step s;
	cg_code r = cg_store_prepare(st, "SELECT COUNT(*) FROM evidence_links WHERE scope = ? AND urn = ?", &q, err);

	if (r != CG_OK)
		return r;
	if (cg_stmt_bind_text(q, 1, scope) || cg_stmt_bind_text(q, 2, urn))
		return bind_failed(q, err);
	if ((s = cg_stmt_step(q, err)) == CG_STEP_ROW && cg_stmt_int64(q, 0) > 0)
		json_object_set_new(counts, key, json_integer(cg_stmt_int64(q, 0)));
	cg_stmt_done(q);
	return s == CG_STEP_ERROR ? step_failed(err) : CG_OK;
}

cg_code cg_perimeters(struct cg_store *st, const struct cg_catalog *c, json_t **out, struct cg_error *err)
{
	struct scopes s;
	cg_code r = load_scopes(st, c, &s, err);

	*out = NULL;
	if (r == CG_OK && !(*out = json_object()))
		r = nomem(err);
	for (size_t i = 0; i < s.n && r == CG_OK; i++)
		if (json_object_set_new(*out, s.v[i].id, json_string(cg_perimeter_names[s.v[i].perim])) != 0)
			r = nomem(err);
	scopes_free(&s);
	if (r != CG_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return r;
}
