/*
 * Screening against the CII perimeter. The rules are the catalog's screening_rules and
 * ai_scenarios; this file only evaluates their conditions (docs/catalog-format.md) on a system
 * given as the JSON of its record.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "ciiguard/audit.h"
#include "ciiguard/clock.h"
#include "ciiguard/i18n.h"
#include "ciiguard/json.h"
#include "ciiguard/screen.h"
#include "entity.h"
#include "record.h"
#include "banned.h"

const char *const cg_perimeter_names[] = { "outside", "near_cii", "likely_cii", "cii", NULL };

static int perimeter_index(const char *s)
{
	for (int i = 0; cg_perimeter_names[i]; i++)
		if (strcmp(cg_perimeter_names[i], s) == 0)
			return i;
	return -1;
}

/* The value at a dotted path ("ai.kind"), or NULL. */
static json_t *get_path(json_t *obj, const char *path)
{
	char part[64];
	const char *dot;

	while (obj && (dot = strchr(path, '.')) != NULL) {
		if ((size_t)(dot - path) >= sizeof part)
			return NULL;
		memcpy(part, path, (size_t)(dot - path));
		part[dot - path] = '\0';
		obj = json_object_get(obj, part);
		path = dot + 1;
	}
	return obj ? json_object_get(obj, path) : NULL;
}

struct eval_ctx {
	json_t *sys;
	cg_linked_fn linked; /* NULL: links are not looked at */
	void *ud;
	const char *item;    /* the rule, for messages */
	struct cg_error *err;
};

static int bad(struct eval_ctx *x, const char *what)
{
	cg_error_set(x->err, CG_E_INTERNAL, NULL, N_("catalog item '%s': malformed condition on '%s'"),
		     x->item, what);
	return -1;
}

/* One field against one test: a value (equality), {in: [...]}, {at_least: N}, {present: B}. */
static int test_field(struct eval_ctx *x, const char *key, json_t *test)
{
	json_t *val = get_path(x->sys, key), *v, *each;
	size_t i;

	if (!json_is_object(test))
		return val && json_equal(val, test) ? 1 : 0;
	if (json_object_size(test) != 1)
		return bad(x, key);
	if ((v = json_object_get(test, "in")) != NULL) {
		if (!json_is_array(v))
			return bad(x, key);
		json_array_foreach(v, i, each)
			if (val && json_equal(val, each))
				return 1;
		return 0;
	}
	if ((v = json_object_get(test, "at_least")) != NULL) {
		if (!json_is_integer(v))
			return bad(x, key);
		return json_is_integer(val) && json_integer_value(val) >= json_integer_value(v);
	}
	if ((v = json_object_get(test, "present")) != NULL) {
		if (!json_is_boolean(v))
			return bad(x, key);
		return (val && !json_is_null(val)) == json_is_true(v);
	}
	return bad(x, key);
}

/* A `when` mapping: every entry must hold. Returns 1, 0, or -1 on a malformed condition. */
static int eval(struct eval_ctx *x, json_t *when)
{
	const char *key;
	json_t *test, *each;
	size_t i;

	if (!json_is_object(when))
		return bad(x, "when");
	json_object_foreach(when, key, test) {
		int r = 0;

		if (strcmp(key, "any") == 0) {
			if (!json_is_array(test))
				return bad(x, key);
			json_array_foreach(test, i, each) {
				if ((r = eval(x, each)) != 0)
					break;
			}
		} else if (strcmp(key, "linked_to") == 0) {
			unsigned wanted = 0;
			if (!json_is_array(test))
				return bad(x, key);
			json_array_foreach(test, i, each) {
				int k = json_is_string(each) ? perimeter_index(json_string_value(each)) : -1;
				if (k < 0)
					return bad(x, key);
				wanted |= 1u << k;
			}
			r = x->linked ? x->linked(x->ud, wanted) : 0;
		} else {
			r = test_field(x, key, test);
		}
		if (r <= 0)
			return r;
	}
	return 1;
}

int cg_condition_eval(json_t *when, json_t *system, cg_linked_fn linked, void *ud, const char *item,
		      struct cg_error *err)
{
	struct eval_ctx x = { system, linked, ud, item ? item : "?", err };
	return eval(&x, when);
}

static const char *item_id(json_t *item)
{
	const char *id = json_string_value(json_object_get(item, "id"));
	return id ? id : json_string_value(json_object_get(item, "urn")) ? json_string_value(json_object_get(item, "urn")) : "?";
}

/* The perimeter by the rules that move it; links only when `linked` is given. */
static int perimeter_of(const struct cg_catalog *c, struct eval_ctx *x, json_t *reasons, enum cg_lang lang)
{
	int best = CG_PERIM_OUTSIDE;
	size_t n = cg_catalog_count(c, "screening_rules");

	for (size_t i = 0; i < n; i++) {
		json_t *rule = cg_catalog_item(c, "screening_rules", i);
		const char *p = json_string_value(json_object_get(rule, "perimeter"));
		bool refines = json_is_true(json_object_get(rule, "refines"));
		int k = p ? perimeter_index(p) : (refines ? best : -1), r;
		char source[CG_CATALOG_SOURCE_MAX];

		x->item = item_id(rule);
		if (k < 0) {
			cg_error_set(x->err, CG_E_INTERNAL, NULL, N_("catalog item '%s': unknown perimeter"), x->item);
			return -1;
		}
		if ((r = eval(x, json_object_get(rule, "when"))) < 0)
			return -1;
		if (!r)
			continue;
		if (!refines && k > best)
			best = k;
		if (reasons) {
			const char *text = cg_catalog_text(rule, "text", lang);
			cg_catalog_source(c, rule, lang, source, sizeof source);
			json_array_append_new(reasons, json_pack("{s:s,s:s?,s:b,s:s,s:s?,s:s?}",
				"rule", x->item, "perimeter", refines ? NULL : p, "refines", refines,
				"source", source, "text", text,
				"confidence", json_string_value(json_object_get(rule, "confidence"))));
		}
	}
	return best;
}

cg_code cg_screen_json(const struct cg_catalog *c, json_t *system, cg_linked_fn linked, void *ud,
		       enum cg_lang lang, json_t **result, struct cg_error *err)
{
	struct eval_ctx x = { system, linked, ud, "", err };
	json_t *reasons = json_array(), *scenarios = json_array(), *out;
	size_t n = cg_catalog_count(c, "ai_scenarios");
	int perim;

	*result = NULL;
	if (!reasons || !scenarios)
		goto nomem;
	perim = perimeter_of(c, &x, reasons, lang);
	if (perim < 0)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		json_t *sc = cg_catalog_item(c, "ai_scenarios", i), *duties = json_object_get(sc, "duties");
		int r;
		x.item = item_id(sc);
		if ((r = eval(&x, json_object_get(sc, "when"))) < 0)
			goto fail;
		if (r)
			json_array_append_new(scenarios, json_pack("{s:s,s:s?,s:O}", "id", x.item,
				"text", cg_catalog_text(sc, "text", lang), "duties", duties ? duties : json_array()));
	}
	/* The reasons that decide the result come first, then the others in catalog order. */
	json_t *ordered = json_array(), *each;
	size_t i;
	if (!ordered)
		goto nomem;
	for (int pass = 0; pass < 2; pass++)
		json_array_foreach(reasons, i, each) {
			const char *p = json_string_value(json_object_get(each, "perimeter"));
			bool decisive = p && strcmp(p, cg_perimeter_names[perim]) == 0;
			if (decisive == (pass == 0)) {
				json_object_set_new(each, "decisive", json_boolean(decisive));
				json_array_append(ordered, each);
			}
		}
	json_decref(reasons);
	reasons = ordered;
	out = json_pack("{s:s,s:o,s:o,s:s}", "perimeter", cg_perimeter_names[perim], "reasons", reasons,
			"ai_scenarios", scenarios, "catalog_version", cg_catalog_version(c));
	if (!out)
		return cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
	*result = out;
	return CG_OK;
nomem:
	cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
fail:
	json_decref(reasons);
	json_decref(scenarios);
	return err ? err->code : CG_E_INTERNAL;
}

static bool always(void *ud, unsigned wanted)
{
	(void)wanted;
	return *(bool *)ud;
}

/* The record's canonical JSON as a tree. */
static json_t *system_tree(const struct cg_system *s, struct cg_error *err)
{
	struct cg_buf b;
	json_t *t = NULL;

	cg_buf_init(&b, 0);
	if (cg_system_to_json(s, &b) == CG_OK)
		t = json_loadb(b.ptr, b.len, 0, NULL);
	cg_buf_release(&b);
	if (!t)
		cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
	return t;
}

cg_code cg_screen_input(const struct cg_catalog *c, const char *json, size_t len, enum cg_lang lang,
			json_t **result, struct cg_error *err)
{
	json_error_t jerr;
	json_t *in = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr), *coupled, *tree;
	struct cg_system s;
	bool linked = false;
	char *rest = NULL;
	cg_code r;

	*result = NULL;
	if (!in)
		return cg_error_set(err, CG_E_INVALID, NULL, N_("not valid JSON (line %d, column %d): %s"),
				    jerr.line, jerr.column, jerr.text);
	if (!json_is_object(in)) {
		json_decref(in);
		return cg_error_set(err, CG_E_INVALID, NULL, N_("expected a JSON object describing one system"));
	}
	if ((coupled = json_object_get(in, "coupled_to_cii")) != NULL) {
		if (!json_is_boolean(coupled)) {
			json_decref(in);
			return cg_error_set(err, CG_E_INVALID, "coupled_to_cii",
					    N_("coupled_to_cii: expected true or false"));
		}
		linked = json_is_true(coupled);
		json_object_del(in, "coupled_to_cii");
	}
	cg_system_init(&s);
	rest = json_dumps(in, JSON_COMPACT);
	json_decref(in);
	r = rest ? cg_system_from_json(&s, rest, strlen(rest), err) : cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
	free(rest);
	if (r == CG_OK) {
		/* Missing fields mean false, none or zero: no required-field check here. */
		tree = system_tree(&s, err);
		r = tree ? cg_screen_json(c, tree, always, &linked, lang, result, err) : CG_E_NOMEM;
		json_decref(tree);
	}
	cg_system_release(&s);
	return r;
}

/* Stored screening: is any neighbour of the target cii or likely-CII by the link-free rules? */
struct neighbours {
	const struct cg_catalog *c;
	const struct cg_system *target;
	unsigned found; /* bit per perimeter among the neighbours */
	struct cg_error *err;
	cg_code result;
};

static int visit(const struct cg_system *s, void *ud)
{
	struct neighbours *nb = ud;
	bool near = false;

	if (strcmp(s->id, nb->target->id) == 0)
		return 0;
	for (size_t i = 0; i < nb->target->nlinks && !near; i++)
		near = strcmp(nb->target->links[i].to, s->id) == 0;
	for (size_t i = 0; i < s->nlinks && !near; i++)
		near = strcmp(s->links[i].to, nb->target->id) == 0;
	if (!near)
		return 0;
	json_t *tree = system_tree(s, nb->err);
	if (!tree) {
		nb->result = CG_E_NOMEM;
		return 1;
	}
	struct eval_ctx x = { tree, NULL, NULL, "", nb->err };
	int p = perimeter_of(nb->c, &x, NULL, CG_LANG_EN);
	json_decref(tree);
	if (p < 0) {
		nb->result = nb->err ? nb->err->code : CG_E_INTERNAL;
		return 1;
	}
	nb->found |= 1u << p;
	return 0;
}

static bool neighbour_in(void *ud, unsigned wanted)
{
	return (((struct neighbours *)ud)->found & wanted) != 0;
}

cg_code cg_screen_stored(struct cg_store *st, const struct cg_catalog *c, const char *id,
			 enum cg_lang lang, json_t **result, struct cg_error *err)
{
	struct cg_system s;
	struct neighbours nb = { c, &s, 0, err, CG_OK };
	json_t *tree = NULL;
	cg_code r;

	*result = NULL;
	cg_system_init(&s);
	r = cg_system_get(st, id, &s, err);
	if (r == CG_OK)
		r = cg_system_each(st, visit, &nb, err);
	if (r == CG_OK)
		r = nb.result;
	if (r == CG_OK && !(tree = system_tree(&s, err)))
		r = CG_E_NOMEM;
	if (r == CG_OK)
		r = cg_screen_json(c, tree, neighbour_in, &nb, lang, result, err);
	if (r == CG_OK)
		json_object_set_new(*result, "system", json_string(id));
	json_decref(tree);
	cg_system_release(&s);
	return r;
}

/* --- the screening history --- */

struct screening {
	char *id, *system_id, *seq, *at, *perimeter, *rules, *inputs, *catalog_version, *actor;
	uint64_t given;
	char *corrupt;
};

#define SF(name) { #name, #name, CG_F_TEXT, offsetof(struct screening, name), 0, NULL, 0, 0 }

/* Sorted by name: the canonical order. `seq` is text here: it is only stored and compared. */
static const struct cg_field screening_fields[] = {
	SF(actor), SF(at), SF(catalog_version),
	{ "id", "id", CG_F_TEXT, offsetof(struct screening, id), CG_FF_KEY, NULL, 0, 0 },
	SF(inputs), SF(perimeter), SF(rules), SF(seq), SF(system_id),
};

static const struct cg_record_desc screening_desc = {
	.entity = "screening",
	.table = "screenings",
	.fields = screening_fields,
	.nfields = sizeof screening_fields / sizeof screening_fields[0],
	.given_off = offsetof(struct screening, given),
	.corrupt_off = offsetof(struct screening, corrupt),
};

/* Collects the field names the perimeter rules test ("links" for linked_to). */
static void decisive_fields(json_t *when, json_t *names)
{
	const char *key;
	json_t *v, *each;
	size_t i;

	json_object_foreach(when, key, v) {
		if (strcmp(key, "any") == 0)
			json_array_foreach(v, i, each)
				decisive_fields(each, names);
		else
			json_object_set_new(names, strcmp(key, "linked_to") == 0 ? "links" : key, json_true());
	}
}

/* {field: value} of the decisive fields of a system. */
static json_t *snapshot(const struct cg_catalog *c, json_t *sys)
{
	json_t *names = json_object(), *snap = json_object(), *v;
	const char *key;

	for (size_t i = 0; i < cg_catalog_count(c, "screening_rules"); i++) {
		json_t *rule = cg_catalog_item(c, "screening_rules", i);
		if (!json_is_true(json_object_get(rule, "refines")))
			decisive_fields(json_object_get(rule, "when"), names);
	}
	json_object_foreach(names, key, v) {
		json_t *val = get_path(sys, key);
		json_object_set(snap, key, val ? val : json_null());
	}
	json_decref(names);
	return snap;
}

static char *dumps_sorted(json_t *v)
{
	return cg_json_dump(v, CG_JSON_SORTED | CG_JSON_ANY, NULL);
}

/* The current snapshot of stored system `id`. */
cg_code cg_screen_snapshot(struct cg_store *st, const struct cg_catalog *c, const char *id,
				char **out, struct cg_error *err)
{
	struct cg_system s;
	json_t *tree, *snap;
	cg_code r;

	cg_system_init(&s);
	r = cg_system_get(st, id, &s, err);
	tree = r == CG_OK ? system_tree(&s, err) : NULL;
	cg_system_release(&s);
	if (r != CG_OK)
		return r;
	if (!tree)
		return CG_E_NOMEM;
	snap = snapshot(c, tree);
	*out = dumps_sorted(snap);
	json_decref(snap);
	json_decref(tree);
	return *out ? CG_OK : cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
}

cg_code cg_screen_record(struct cg_store *st, const char *actor, const struct cg_catalog *c,
			 const char *id, enum cg_lang lang, json_t **result, struct cg_error *err)
{
	struct screening row = { 0 };
	struct cg_stmt *q = NULL;
	struct cg_buf b;
	char now[CG_TIME_MAX], seqtext[24], key[CG_ID_MAX + 24];
	json_t *rules = json_array(), *each;
	int64_t seq = 0;
	size_t i;
	int idx = 1;
	cg_code r;

	*result = NULL;
	cg_buf_init(&b, 0);
	if ((r = cg_now(now, err)) != CG_OK || (r = cg_store_begin(st, err)) != CG_OK)
		goto out;
	r = cg_screen_stored(st, c, id, lang, result, err);
	if (r == CG_OK)
		r = cg_screen_snapshot(st, c, id, &row.inputs, err);
	if (r == CG_OK)
		r = cg_store_prepare(st, "SELECT COUNT(*) FROM screenings WHERE system_id = ?", &q, err);
	if (r == CG_OK) {
		if (cg_stmt_bind_text(q, 1, id) || cg_stmt_step(q, err) != CG_STEP_ROW)
			r = err && err->code ? err->code : CG_E_STORE;
		else
			seq = cg_stmt_int64(q, 0) + 1;
		cg_stmt_done(q);
	}
	if (r != CG_OK)
		goto rollback;
	json_array_foreach(json_object_get(*result, "reasons"), i, each)
		json_array_append(rules, json_object_get(each, "rule"));
	snprintf(seqtext, sizeof seqtext, "%lld", (long long)seq);
	snprintf(key, sizeof key, "%s#%lld", id, (long long)seq);
	row.id = key;
	row.system_id = (char *)id;
	row.seq = seqtext;
	row.at = now;
	row.perimeter = (char *)json_string_value(json_object_get(*result, "perimeter"));
	row.rules = dumps_sorted(rules);
	row.catalog_version = (char *)cg_catalog_version(c);
	row.actor = (char *)actor;
	if (!row.rules) {
		r = cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
		goto rollback;
	}
	if ((r = cg_store_prepare(st, cg_record_sql_insert(&screening_desc), &q, err)) != CG_OK)
		goto rollback;
	if (cg_record_bind(&screening_desc, &row, q, &idx)) {
		cg_stmt_done(q);
		r = cg_error_set(err, CG_E_STORE, NULL, N_("could not bind a query parameter"));
		goto rollback;
	}
	if ((r = cg_stmt_run(q, err)) != CG_OK || (r = cg_record_to_json(&screening_desc, &row, &b)) != CG_OK ||
	    (r = cg_audit_append(st, actor, "create", "screening", key, b.ptr, b.len, err)) != CG_OK)
		goto rollback;
	r = cg_store_commit(st, err);
	if (r == CG_OK)
		json_object_set_new(*result, "screened_at", json_string(now));
	goto out;
rollback:
	cg_store_rollback(st);
out:
	if (r != CG_OK) {
		json_decref(*result);
		*result = NULL;
	}
	free(row.rules);
	free(row.inputs);
	json_decref(rules);
	cg_buf_release(&b);
	return r;
}

cg_code cg_screen_history(struct cg_store *st, const char *id, json_t **history, struct cg_error *err)
{
	struct cg_stmt *q;
	enum cg_step s;
	cg_code r;

	*history = json_array();
	r = cg_store_prepare(st, "SELECT at, perimeter, rules, catalog_version, actor FROM screenings "
			     "WHERE system_id = ? ORDER BY seq", &q, err);
	if (r != CG_OK)
		return r;
	if (cg_stmt_bind_text(q, 1, id)) {
		cg_stmt_done(q);
		return cg_error_set(err, CG_E_STORE, NULL, N_("could not bind a query parameter"));
	}
	while ((s = cg_stmt_step(q, err)) == CG_STEP_ROW) {
		json_t *rules = json_loads(cg_stmt_text(q, 2), 0, NULL);
		json_array_append_new(*history, json_pack("{s:s,s:s,s:o,s:s,s:s}", "at", cg_stmt_text(q, 0),
			"perimeter", cg_stmt_text(q, 1), "rules", rules ? rules : json_array(),
			"catalog_version", cg_stmt_text(q, 3), "actor", cg_stmt_text(q, 4)));
	}
	cg_stmt_done(q);
	return s == CG_STEP_ERROR ? (err && err->code ? err->code : CG_E_STORE) : CG_OK;
}

cg_code cg_screen_stale(struct cg_store *st, const struct cg_catalog *c, const char *id,
			bool *stale, char last[16], struct cg_error *err)
{
	struct cg_stmt *q;
	char *now = NULL;
	enum cg_step s;
	cg_code r;

	*stale = true;
	last[0] = '\0';
	if ((r = cg_screen_snapshot(st, c, id, &now, err)) != CG_OK)
		return r;
	r = cg_store_prepare(st, "SELECT inputs, perimeter FROM screenings WHERE system_id = ? "
			     "ORDER BY seq DESC LIMIT 1", &q, err);
	if (r == CG_OK) {
		if (cg_stmt_bind_text(q, 1, id)) {
			r = cg_error_set(err, CG_E_STORE, NULL, N_("could not bind a query parameter"));
		} else if ((s = cg_stmt_step(q, err)) == CG_STEP_ROW) {
			*stale = strcmp(cg_stmt_text(q, 0), now) != 0;
			snprintf(last, 16, "%s", cg_stmt_text(q, 1));
		} else if (s == CG_STEP_ERROR) {
			r = err && err->code ? err->code : CG_E_STORE;
		}
		cg_stmt_done(q);
	}
	free(now);
	return r;
}

cg_code cg_screening_each_canonical(struct cg_store *st, cg_canon_fn fn, void *ud, struct cg_error *err)
{
	char sql[512];
	struct cg_stmt *q;
	struct cg_buf b;
	enum cg_step s;
	cg_code r;

	snprintf(sql, sizeof sql, "%s ORDER BY id", cg_record_sql_select(&screening_desc));
	if ((r = cg_store_prepare(st, sql, &q, err)) != CG_OK)
		return r;
	cg_buf_init(&b, 0);
	while ((s = cg_stmt_step(q, err)) == CG_STEP_ROW) {
		struct screening row = { 0 };
		int stop;
		cg_record_init(&screening_desc, &row);
		cg_buf_reset(&b);
		if (cg_record_read(&screening_desc, &row, q) != CG_OK || cg_record_to_json(&screening_desc, &row, &b) != CG_OK) {
			cg_record_release(&screening_desc, &row);
			r = cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
			break;
		}
		stop = fn("screening", row.id, b.ptr, b.len, ud);
		cg_record_release(&screening_desc, &row);
		if (stop)
			break;
	}
	if (r == CG_OK && s == CG_STEP_ERROR)
		r = err && err->code ? err->code : CG_E_STORE;
	cg_stmt_done(q);
	cg_buf_release(&b);
	return r;
}

/* For export: the rows as stored (canonical JSON), in id order. */
cg_code cg_screening_restore(struct cg_store *st, json_t *row, struct cg_error *err)
{
	struct screening rec = { 0 };
	struct cg_stmt *q;
	int idx = 1;
	cg_code r;

	cg_record_init(&screening_desc, &rec);
	r = cg_record_from_json(&screening_desc, &rec, row, true, err);
	if (r == CG_OK && !rec.id)
		r = cg_error_set(err, CG_E_INVALID, "id", N_("id: is required"));
	if (r == CG_OK && (r = cg_store_prepare(st, cg_record_sql_insert(&screening_desc), &q, err)) == CG_OK) {
		if (cg_record_bind(&screening_desc, &rec, q, &idx)) {
			cg_stmt_done(q);
			r = cg_error_set(err, CG_E_STORE, NULL, N_("could not bind a query parameter"));
		} else {
			r = cg_stmt_run(q, err);
		}
	}
	cg_record_release(&screening_desc, &rec);
	return r;
}
