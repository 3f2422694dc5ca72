/*
 * Screening against the CII perimeter. The rules are the catalog's screening_rules and
 * ai_scenarios; this file only evaluates their conditions (docs/catalog-format.md) on a system
 * given as the JSON of its record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "ciiguard/i18n.h"
#include "ciiguard/screen.h"
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
		char source[160];

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
			cg_catalog_source(rule, source, sizeof source);
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
