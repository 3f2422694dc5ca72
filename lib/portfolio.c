/*
 * The organisation at a glance (cg_status) over a whole portfolio, in one pass over the tables:
 * the same result as building the obligation register item by item (obligation.c), without
 * holding it. Systems are read with only the columns the catalog's conditions test, and put in
 * classes: two systems whose tested values fall the same way under every test of the catalog
 * (the same text and enum values, the same side of every numeric threshold) screen the same,
 * so each class is screened once, by the catalog's own evaluator, on a representative. The
 * status rows are then streamed and counted against the obligations each class binds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "ciiguard/buf.h"
#include "ciiguard/clock.h"
#include "ciiguard/i18n.h"
#include "ciiguard/incident.h"
#include "ciiguard/obligation.h"
#include "ciiguard/register.h"
#include "ciiguard/screen.h"
#include "entity.h"
#include "obligation_int.h"
#include "record.h"
#include "banned.h"

static cg_code nomem(struct cg_error *err)
{
	return cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
}

/* --- a string -> index map (open addressing; keys borrowed) --- */

struct strmap {
	const char **keys;
	uint32_t *vals;
	size_t cap, n;
};

static uint64_t hash_str(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

static bool map_grow(struct strmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	const char **keys = calloc(cap, sizeof *keys);
	uint32_t *vals = calloc(cap, sizeof *vals);
	if (!keys || !vals) {
		free(keys);
		free(vals);
		return false;
	}
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->keys[i])
			continue;
		size_t j = hash_str(m->keys[i], strlen(m->keys[i])) & (cap - 1);
		while (keys[j])
			j = (j + 1) & (cap - 1);
		keys[j] = m->keys[i];
		vals[j] = m->vals[i];
	}
	free(m->keys);
	free(m->vals);
	m->keys = keys;
	m->vals = vals;
	m->cap = cap;
	return true;
}

/* The slot of `key`: *found tells whether it is there. */
static size_t map_slot(const struct strmap *m, const char *key, bool *found)
{
	size_t j = hash_str(key, strlen(key)) & (m->cap - 1);
	while (m->keys[j] && strcmp(m->keys[j], key) != 0)
		j = (j + 1) & (m->cap - 1);
	*found = m->keys[j] != NULL;
	return j;
}

static bool map_put(struct strmap *m, const char *key, uint32_t val)
{
	bool found;
	if ((m->n + 1) * 2 > m->cap && !map_grow(m))
		return false;
	size_t j = map_slot(m, key, &found);
	if (!found) {
		m->keys[j] = key;
		m->n++;
	}
	m->vals[j] = val;
	return true;
}

static bool map_get(const struct strmap *m, const char *key, uint32_t *val)
{
	bool found;
	if (!m->cap)
		return false;
	size_t j = map_slot(m, key, &found);
	if (found)
		*val = m->vals[j];
	return found;
}

static void map_free(struct strmap *m)
{
	free(m->keys);
	free(m->vals);
}

/* --- what the catalog tests --- */

struct tested {
	const struct cg_field *f;
	int64_t *thr; /* numeric fields: sorted thresholds */
	size_t nthr;
};

struct plan {
	struct tested *t;
	size_t n;
	bool ai;           /* some test reads the ai group */
	const struct cg_field *ai_kind;
};

static struct tested *tested_find(struct plan *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->t[i].f->name, name) == 0)
			return &p->t[i];
	return NULL;
}

static bool add_threshold(struct tested *t, int64_t v)
{
	for (size_t i = 0; i < t->nthr; i++)
		if (t->thr[i] == v)
			return true;
	int64_t *n = realloc(t->thr, (t->nthr + 1) * sizeof *n);
	if (!n)
		return false;
	t->thr = n;
	t->thr[t->nthr++] = v;
	return true;
}

static bool is_numeric(const struct cg_field *f)
{
	return f->type == CG_F_COUNT || f->type == CG_F_LEVEL;
}

/* Collects the fields a `when` tests, and for numbers the thresholds that split them. */
static bool collect_when(struct plan *p, json_t *when)
{
	const char *key;
	json_t *test, *each;
	size_t i;

	json_object_foreach(when, key, test) {
		if (strcmp(key, "any") == 0) {
			json_array_foreach(test, i, each)
				if (!collect_when(p, each))
					return false;
			continue;
		}
		if (strcmp(key, "linked_to") == 0)
			continue;
		if (strcmp(key, "ai") == 0 || strncmp(key, "ai.", 3) == 0)
			p->ai = true;
		if (strcmp(key, "ai") == 0)
			continue;
		const struct cg_field *f = cg_system_field_info(key);
		if (!f || !f->column)
			return false; /* the catalog loader refuses such fields; be safe */
		struct tested *t = tested_find(p, key);
		if (!t) {
			struct tested *v = realloc(p->t, (p->n + 1) * sizeof *v);
			if (!v)
				return false;
			p->t = v;
			t = &p->t[p->n++];
			memset(t, 0, sizeof *t);
			t->f = f;
		}
		if (!is_numeric(f))
			continue;
		/* at_least N: N; equal to N or in [..N..]: N and N + 1 */
		json_t *least = json_is_object(test) ? json_object_get(test, "at_least") : NULL;
		json_t *in = json_is_object(test) ? json_object_get(test, "in") : NULL;
		if (json_is_integer(least) && !add_threshold(t, json_integer_value(least)))
			return false;
		if (json_is_integer(test) && (!add_threshold(t, json_integer_value(test)) ||
					      !add_threshold(t, json_integer_value(test) + 1)))
			return false;
		json_array_foreach(in, i, each)
			if (json_is_integer(each) && (!add_threshold(t, json_integer_value(each)) ||
						      !add_threshold(t, json_integer_value(each) + 1)))
				return false;
	}
	return true;
}

static void plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->t[i].thr);
	free(p->t);
}

/* --- classes --- */

struct klass {
	json_t *tree; /* the representative's tested fields */
	int base;     /* perimeter by the rules without links */
};

/* Per (class, neighbour perimeters): the perimeter and the obligations bound. */
struct bound {
	bool done;
	int perim;
	uint32_t nbound;   /* system-scope obligations bound */
	unsigned char *on; /* per obligation node: bound (system nodes) / holds (organisation nodes) */
};

struct found_ctx {
	unsigned found;
};

static bool neighbours_in(void *ud, unsigned wanted)
{
	return (((struct found_ctx *)ud)->found & wanted) != 0;
}

static int perimeter_index(const char *p)
{
	for (int k = 0; p && k < CG_PERIM__COUNT; k++)
		if (strcmp(cg_perimeter_names[k], p) == 0)
			return k;
	return CG_PERIM_OUTSIDE;
}

/* The representative tree of a row: the tested fields, nested by their dotted names. */
static json_t *row_tree(const struct plan *p, struct cg_stmt *q, bool ai_present)
{
	json_t *tree = json_object(), *data = json_object(), *ai = json_object();

	if (!tree || !data || !ai)
		goto fail;
	json_object_set(tree, "data", data);
	if (ai_present)
		json_object_set(tree, "ai", ai);
	else
		json_object_set_new(tree, "ai", json_null());
	for (size_t i = 0; i < p->n; i++) {
		const struct cg_field *f = p->t[i].f;
		int col = (int)i + 1;
		json_t *v;
		if (cg_stmt_is_null(q, col))
			v = json_null();
		else if (f->type == CG_F_BOOL)
			v = json_boolean(cg_stmt_int64(q, col) != 0);
		else if (is_numeric(f))
			v = json_integer(cg_stmt_int64(q, col));
		else
			v = json_string(cg_stmt_text(q, col) ? cg_stmt_text(q, col) : "");
		const char *dot = strchr(f->name, '.');
		json_t *parent = tree;
		const char *leaf = f->name;
		if (dot) {
			parent = strncmp(f->name, "ai.", 3) == 0 ? ai : data;
			leaf = dot + 1;
		}
		if (!v || json_object_set_new(parent, leaf, v) != 0)
			goto fail;
	}
	json_decref(data);
	json_decref(ai);
	return tree;
fail:
	json_decref(tree);
	json_decref(data);
	json_decref(ai);
	return NULL;
}

/* The class key of a row: each tested value, numbers by the thresholds they reach. */
static cg_code row_key(const struct plan *p, struct cg_stmt *q, struct cg_buf *key, bool *ai_present)
{
	cg_code r = CG_OK;
	char num[32];

	cg_buf_reset(key);
	*ai_present = !cg_stmt_is_null(q, (int)p->n + 1);
	r = cg_buf_addc(key, *ai_present ? 'A' : 'a');
	for (size_t i = 0; i < p->n && r == CG_OK; i++) {
		const struct tested *t = &p->t[i];
		int col = (int)i + 1;
		if (cg_stmt_is_null(q, col)) {
			r = cg_buf_adds(key, "\x1fN");
		} else if (is_numeric(t->f)) {
			int64_t v = cg_stmt_int64(q, col);
			size_t reached = 0;
			for (size_t k = 0; k < t->nthr; k++)
				reached += v >= t->thr[k];
			snprintf(num, sizeof num, "\x1f%zu", reached);
			r = cg_buf_adds(key, num);
		} else if (t->f->type == CG_F_BOOL) {
			r = cg_buf_adds(key, cg_stmt_int64(q, col) ? "\x1f" "1" : "\x1f" "0");
		} else {
			r = cg_buf_addc(key, 0x1f);
			if (r == CG_OK)
				r = cg_buf_adds(key, cg_stmt_text(q, col) ? cg_stmt_text(q, col) : "");
		}
	}
	if (r == CG_OK)
		r = cg_buf_addc(key, '\0');
	return r;
}

/* --- the pass --- */

struct node_info {
	json_t *node;
	const char *urn;
	bool org, only_org, duty;
	int64_t cadence;
	/* tallies; per perimeter for the systems bound and the rows counted (stored or derived) */
	uint64_t applicable, stored, stored_gaps, priced_gaps;
	uint64_t app_p[CG_PERIM__COUNT], stored_p[CG_PERIM__COUNT];
	/* what the governance records show: rows for some scopes, a default row for the others */
	bool linked;
	json_t *def;
	int org_best; /* organisation nodes: the perimeter they are bound at, -1 unbound */
	/* the first-tier fines of its sanction */
	bool has_sanction, mult;
	json_t *entity, *persons;
};

struct cand {
	char due[11];
	char *scope;
	uint32_t node;
};

/* A gap: ranked as cg_gaps ranks them. `scope` is borrowed (a system id of the pass). */
struct gapc {
	bool overdue, duty;
	int perim;
	int64_t sev;
	const char *scope;
	uint32_t node;
};

struct pass {
	const struct cg_catalog *c;
	struct plan plan;
	struct strmap classes, urns, ids;
	struct klass *k;
	size_t nk;
	struct bound *b; /* nk * 16 */
	struct node_info *nodes;
	size_t nn;
	char **id;      /* per system, in id order */
	uint32_t *cls;  /* per system: class */
	unsigned char *found;
	size_t ns, cap;
	struct cand top[5];
	size_t ntop;
	/* gaps, when asked for: the `gap_limit` most severe, and which (system, node) have a row */
	size_t gap_limit, ngaps, nbytes;
	struct gapc *gaps;
	unsigned char *stored_bits;
	char today[11];
	/* cg_register_derive; the priced records counted; perimeters where a default row applies */
	json_t *derived, *priced_seen;
	int64_t priced_min, priced_max;
	bool def_p[CG_PERIM__COUNT], any_def;
};

static void pass_free(struct pass *p)
{
	for (size_t i = 0; i < p->nk; i++)
		json_decref(p->k[i].tree);
	for (size_t i = 0; i < p->nk * 16 && p->b; i++)
		free(p->b[i].on);
	for (size_t i = 0; i < p->classes.cap; i++)
		free((char *)p->classes.keys[i]);
	for (size_t i = 0; i < p->ns; i++)
		free(p->id[i]);
	for (size_t i = 0; i < p->ntop; i++)
		free(p->top[i].scope);
	free(p->k);
	free(p->b);
	free(p->nodes);
	free(p->id);
	free(p->cls);
	free(p->found);
	free(p->gaps);
	free(p->stored_bits);
	json_decref(p->derived);
	json_decref(p->priced_seen);
	map_free(&p->classes);
	map_free(&p->urns);
	map_free(&p->ids);
	plan_free(&p->plan);
}

static cg_code prepare_plan(struct pass *p, struct cg_error *err)
{
	size_t nr = cg_catalog_count(p->c, "screening_rules"), nn = cg_catalog_count(p->c, "requirement_nodes");

	for (size_t i = 0; i < nr; i++) {
		json_t *rule = cg_catalog_item(p->c, "screening_rules", i);
		if (!json_is_true(json_object_get(rule, "refines")) && !collect_when(&p->plan, json_object_get(rule, "when")))
			return nomem(err);
	}
	if (!(p->nodes = calloc(nn + 1, sizeof *p->nodes)))
		return nomem(err);
	/* duties first, then controls, each in catalog order: the register's order */
	for (size_t pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < nn; i++) {
			json_t *node = cg_catalog_item(p->c, "requirement_nodes", i), *to = json_object_get(node, "applies_to");
			if (!cg_obl_is_obligation(node) || cg_obl_is_duty(node) != (pass == 0))
				continue;
			struct node_info *ni = &p->nodes[p->nn];
			ni->node = node;
			ni->urn = json_string_value(json_object_get(node, "urn"));
			ni->org = cg_obl_has_string(to, CG_SCOPE_ORGANISATION);
			ni->only_org = ni->org && json_array_size(to) == 1;
			ni->duty = pass == 0;
			ni->cadence = cg_obl_cadence_days(json_object_get(node, "cadence"));
			ni->org_best = -1;
			if (json_object_get(node, "applies_when") && !collect_when(&p->plan, json_object_get(node, "applies_when")))
				return nomem(err);
			const char *sid = json_string_value(json_object_get(json_object_get(node, "sanction"), "id"));
			json_t *pen = sid ? cg_catalog_find(p->c, "penalties", sid) : NULL;
			ni->has_sanction = sid != NULL;
			ni->entity = json_object_get(pen, "entity");
			ni->persons = json_object_get(pen, "persons");
			ni->mult = json_object_get(ni->entity, "min_times_amount") || json_object_get(ni->persons, "min_times_amount");
			if (!map_put(&p->urns, ni->urn, (uint32_t)p->nn))
				return nomem(err);
			p->nn++;
		}
	for (size_t i = 0; i < p->plan.n; i++) {
		struct tested *t = &p->plan.t[i];
		for (size_t a = 1; a < t->nthr; a++) /* insertion sort: a handful of thresholds */
			for (size_t b = a; b > 0 && t->thr[b - 1] > t->thr[b]; b--) {
				int64_t tmp = t->thr[b];
				t->thr[b] = t->thr[b - 1];
				t->thr[b - 1] = tmp;
			}
	}
	p->plan.ai_kind = cg_system_field_info("ai.kind");
	return CG_OK;
}

static cg_code read_systems(struct pass *p, struct cg_store *st, struct cg_error *err)
{
	struct cg_buf sql, key;
	struct cg_stmt *q;
	enum cg_step s;
	cg_code r;

	cg_buf_init(&sql, 0);
	cg_buf_init(&key, 0);
	r = cg_buf_adds(&sql, CG_STREAM_MARK "SELECT id");
	for (size_t i = 0; i < p->plan.n && r == CG_OK; i++)
		r = cg_buf_addf(&sql, ", %s", p->plan.t[i].f->column);
	if (r == CG_OK)
		r = cg_buf_addf(&sql, ", %s FROM systems ORDER BY id", p->plan.ai_kind->column);
	if (r != CG_OK || (r = cg_store_prepare(st, sql.ptr, &q, err)) != CG_OK) {
		cg_buf_release(&sql);
		return r == CG_E_NOMEM ? nomem(err) : r;
	}
	cg_buf_release(&sql);
	while ((s = cg_stmt_step(q, err)) == CG_STEP_ROW) {
		bool ai;
		uint32_t k;
		if (p->ns == p->cap) {
			size_t cap = p->cap ? p->cap * 2 : 1024;
			char **id = realloc(p->id, cap * sizeof *id);
			if (id)
				p->id = id;
			uint32_t *cls = realloc(p->cls, cap * sizeof *cls);
			if (cls)
				p->cls = cls;
			if (!id || !cls)
				goto oom;
			p->cap = cap;
		}
		if (row_key(&p->plan, q, &key, &ai) != CG_OK || !(p->id[p->ns] = strdup(cg_stmt_text(q, 0))))
			goto oom;
		if (!map_get(&p->classes, key.ptr, &k)) {
			struct klass *v = realloc(p->k, (p->nk + 1) * sizeof *v);
			char *kcopy = strdup(key.ptr);
			json_t *res = NULL;
			if (v)
				p->k = v;
			if (!v || !kcopy || !map_put(&p->classes, kcopy, (uint32_t)p->nk)) {
				free(kcopy);
				p->ns++;
				goto oom;
			}
			k = (uint32_t)p->nk;
			p->k[k].tree = row_tree(&p->plan, q, ai);
			p->nk++;
			if (!p->k[k].tree) {
				p->ns++;
				goto oom;
			}
			if ((r = cg_screen_json(p->c, p->k[k].tree, NULL, NULL, CG_LANG_EN, &res, err)) != CG_OK) {
				p->ns++;
				cg_stmt_done(q);
				cg_buf_release(&key);
				return r;
			}
			p->k[k].base = perimeter_index(json_string_value(json_object_get(res, "perimeter")));
			json_decref(res);
		}
		p->cls[p->ns++] = k;
	}
	cg_stmt_done(q);
	cg_buf_release(&key);
	return s == CG_STEP_ERROR ? (err && err->code ? err->code : CG_E_STORE) : CG_OK;
oom:
	cg_stmt_done(q);
	cg_buf_release(&key);
	return nomem(err);
}

/* The index of system `id`, or -1. */
static long find_system(const struct pass *p, const char *id)
{
	uint32_t i;
	return id && map_get(&p->ids, id, &i) ? (long)i : -1;
}

static cg_code index_ids(struct pass *p, struct cg_error *err)
{
	for (size_t i = 0; i < p->ns; i++)
		if (!map_put(&p->ids, p->id[i], (uint32_t)i))
			return nomem(err);
	return CG_OK;
}

static cg_code read_links(struct pass *p, struct cg_store *st, struct cg_error *err)
{
	struct cg_stmt *q;
	enum cg_step s;
	cg_code r;

	if (!(p->found = calloc(p->ns + 1, 1)))
		return nomem(err);
	if ((r = index_ids(p, err)) != CG_OK)
		return r;
	if ((r = cg_store_prepare(st, CG_STREAM_MARK "SELECT system_id, to_id FROM system_links", &q, err)) != CG_OK)
		return r;
	while ((s = cg_stmt_step(q, err)) == CG_STEP_ROW) {
		long a = find_system(p, cg_stmt_text(q, 0)), b = find_system(p, cg_stmt_text(q, 1));
		if (a < 0 || b < 0 || a == b)
			continue;
		p->found[a] |= (unsigned char)(1u << p->k[p->cls[b]].base);
		p->found[b] |= (unsigned char)(1u << p->k[p->cls[a]].base);
	}
	cg_stmt_done(q);
	return s == CG_STEP_ERROR ? (err && err->code ? err->code : CG_E_STORE) : CG_OK;
}

/* The perimeter and the obligations bound of a class with given neighbours. */
static cg_code bind_class(struct pass *p, uint32_t k, unsigned found, struct bound **out, struct cg_error *err)
{
	struct bound *b = &p->b[k * 16 + found];
	struct found_ctx fc = { found };
	json_t *res = NULL;
	cg_code r;

	*out = b;
	if (b->done)
		return CG_OK;
	if ((r = cg_screen_json(p->c, p->k[k].tree, neighbours_in, &fc, CG_LANG_EN, &res, err)) != CG_OK)
		return r;
	b->perim = perimeter_index(json_string_value(json_object_get(res, "perimeter")));
	json_decref(res);
	if (!(b->on = calloc(p->nn + 1, 1)))
		return nomem(err);
	for (size_t i = 0; i < p->nn; i++) {
		struct node_info *ni = &p->nodes[i];
		json_t *to = json_object_get(ni->node, "applies_to"), *when = json_object_get(ni->node, "applies_when");
		int h = 1;
		if (ni->org ? (!ni->only_org && !cg_obl_has_string(to, cg_perimeter_names[b->perim])) :
			      !cg_obl_has_string(to, cg_perimeter_names[b->perim]))
			continue;
		if (when && (h = cg_condition_eval(when, p->k[k].tree, neighbours_in, &fc, ni->urn, err)) < 0)
			return err ? err->code : CG_E_INTERNAL;
		b->on[i] = (unsigned char)(h != 0);
		b->nbound += h && !ni->org;
	}
	b->done = true;
	return CG_OK;
}

/* Keeps the five soonest (due, urn, scope) candidates. */
static bool cand_less(const char *due, const char *urn, const char *scope, const struct cand *c, const struct pass *p)
{
	int d = strcmp(due, c->due);
	if (d)
		return d < 0;
	d = strcmp(urn, p->nodes[c->node].urn);
	return d ? d < 0 : strcmp(scope, c->scope) < 0;
}

static bool offer(struct pass *p, const char *due, uint32_t node, const char *scope)
{
	size_t at = p->ntop;
	while (at > 0 && cand_less(due, p->nodes[node].urn, scope, &p->top[at - 1], p))
		at--;
	if (at >= 5)
		return true;
	char *s = strdup(scope);
	if (!s)
		return false;
	if (p->ntop == 5) {
		free(p->top[4].scope);
		p->ntop--;
	}
	memmove(&p->top[at + 1], &p->top[at], (p->ntop - at) * sizeof *p->top);
	snprintf(p->top[at].due, sizeof p->top[at].due, "%s", due);
	p->top[at].scope = s;
	p->top[at].node = node;
	p->ntop++;
	return true;
}

struct counts {
	int64_t met, open, overdue, na;
};

static int64_t node_severity(const struct node_info *ni)
{
	if (json_object_get(ni->entity, "max_times_amount"))
		return INT64_MAX; /* no ceiling: above every fixed fine */
	return json_is_integer(json_object_get(ni->entity, "max_cny")) ? json_integer_value(json_object_get(ni->entity, "max_cny")) : 0;
}

/* Does gap a rank before gap b (lib/obligation.c gap_cmp)? */
static bool gap_before(const struct pass *p, const struct gapc *a, const struct gapc *b)
{
	int d;
	if (a->overdue != b->overdue)
		return a->overdue;
	if (a->perim != b->perim)
		return a->perim > b->perim;
	if (a->sev != b->sev)
		return a->sev > b->sev;
	if (a->duty != b->duty)
		return a->duty;
	if ((d = strcmp(a->scope, b->scope)) != 0)
		return d < 0;
	return strcmp(p->nodes[a->node].urn, p->nodes[b->node].urn) < 0;
}

/* Keeps the gap_limit most severe gaps, in order. */
static void offer_gap(struct pass *p, const struct gapc *g)
{
	size_t lo = 0, hi = p->ngaps;
	if (p->ngaps == p->gap_limit && !gap_before(p, g, &p->gaps[p->ngaps - 1]))
		return;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (gap_before(p, &p->gaps[mid], g))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (p->ngaps == p->gap_limit)
		p->ngaps--;
	memmove(&p->gaps[lo + 1], &p->gaps[lo], (p->ngaps - lo) * sizeof *p->gaps);
	p->gaps[lo] = *g;
	p->ngaps++;
}

static const char org_scope[] = CG_SCOPE_ORGANISATION;

/* A row of (scope, node), stored or derived; si: the system's index, or -1 for the organisation. */
struct row {
	const char *status, *last, *due;
	bool overdue; /* the records say so, whatever the date */
	json_t *priced;
};

static cg_code count_row(struct pass *p, uint32_t node, long si, int perim, const char *scope, const struct row *w,
			 struct counts *n, struct cg_error *err)
{
	struct node_info *ni = &p->nodes[node];
	char due[11] = "";
	if (w->due && *w->due)
		snprintf(due, sizeof due, "%.10s", w->due);
	else if (w->last && ni->cadence > 0 && !cg_obl_add_days(w->last, ni->cadence, due))
		due[0] = '\0';
	bool na = strcmp(w->status, "not_applicable") == 0, met = strcmp(w->status, "met") == 0;
	bool overdue = !na && ((due[0] && strcmp(due, p->today) < 0) || w->overdue), gap = !na && (!met || overdue);
	ni->stored++;
	ni->stored_gaps += gap;
	if (si >= 0 && perim >= 0)
		ni->stored_p[perim]++;
	if (gap && ni->mult && json_array_size(w->priced)) {
		size_t i;
		json_t *a;
		ni->priced_gaps++;
		json_array_foreach(w->priced, i, a) {
			const char *ref = json_string_value(json_object_get(a, "ref"));
			if (!ref || json_object_get(p->priced_seen, ref))
				continue;
			if (json_object_set_new(p->priced_seen, ref, json_true()) != 0)
				return nomem(err);
			p->priced_min += json_integer_value(json_object_get(a, "min_cny"));
			p->priced_max += json_integer_value(json_object_get(a, "max_cny"));
		}
	}
	if (p->gap_limit) {
		if (si >= 0)
			p->stored_bits[(size_t)si * p->nbytes + node / 8] |= (unsigned char)(1u << (node % 8));
		if (gap) {
			struct gapc g = { overdue, ni->duty, perim, node_severity(ni), si >= 0 ? p->id[si] : org_scope, node };
			offer_gap(p, &g);
		}
	}
	if (na)
		n->na++;
	else if (overdue)
		n->overdue++;
	else if (gap)
		n->open++;
	else
		n->met++;
	if (!na && due[0] && strcmp(due, p->today) >= 0 && !offer(p, due, node, scope))
		return nomem(err);
	return CG_OK;
}

static struct row row_of(json_t *row)
{
	struct row w = { json_string_value(json_object_get(row, "status")), json_string_value(json_object_get(row, "last_met")),
			 json_string_value(json_object_get(row, "due")), json_is_true(json_object_get(row, "overdue")),
			 json_object_get(row, "priced") };
	if (!w.status)
		w.status = "not_started";
	return w;
}

/* Is (scope, node) bound? *si: the system's index or -1; *perim: its perimeter. */
static bool bound_at(struct pass *p, uint32_t node, const char *scope, long hint, long *si, int *perim)
{
	struct node_info *ni = &p->nodes[node];
	*si = -1;
	*perim = ni->org_best;
	if (strcmp(scope, CG_SCOPE_ORGANISATION) == 0)
		return ni->org && ni->org_best >= 0;
	long i = hint >= -1 ? hint : find_system(p, scope);
	struct bound *b = i >= 0 ? &p->b[p->cls[i] * 16 + p->found[i]] : NULL;
	*si = i;
	*perim = b ? b->perim : 0;
	return b && !ni->org && b->on[node];
}

static cg_code read_status(struct pass *p, struct cg_store *st, struct counts *n, struct cg_error *err)
{
	struct cg_stmt *q;
	enum cg_step s;
	cg_code r = cg_store_prepare(st, CG_STREAM_MARK "SELECT scope, urn, status, last_met, due FROM obligation_status", &q, err);
	char last_scope[CG_ID_MAX + 1] = "";
	long last_index = -1;
	json_t *rows = json_object_get(p->derived, "rows"), *row;
	const char *key;

	if (r != CG_OK)
		return r;
	while ((s = cg_stmt_step(q, err)) == CG_STEP_ROW) {
		const char *scope = cg_stmt_text(q, 0), *status = cg_stmt_text(q, 2);
		struct row w = { status, cg_stmt_text(q, 3), cg_stmt_text(q, 4), false, NULL };
		uint32_t node;
		long si, hint = -1;
		int perim;
		if (!scope || !status || !map_get(&p->urns, cg_stmt_text(q, 1) ? cg_stmt_text(q, 1) : "", &node))
			continue;
		struct node_info *ni = &p->nodes[node];
		/* rows come grouped by scope more often than not */
		if (strcmp(scope, CG_SCOPE_ORGANISATION) != 0) {
			if (strcmp(scope, last_scope) != 0) {
				snprintf(last_scope, sizeof last_scope, "%s", scope);
				last_index = find_system(p, scope);
			}
			hint = last_index;
		}
		if (!bound_at(p, node, scope, hint, &si, &perim))
			continue;
		if (ni->linked) {
			/* the records' row overrules this one unless it says not applicable */
			char k[1024];
			snprintf(k, sizeof k, "%s|%s", scope, ni->urn);
			json_t *d = json_object_get(rows, k);
			bool na = strcmp(status, "not_applicable") == 0;
			if (d && !na)
				continue;
			if (d)
				json_object_set_new(d, "_shadowed", json_true());
			else if (!na && si >= 0 && ni->def && perim >= 0 && p->def_p[perim] &&
				 cg_obl_has_string(json_object_get(ni->def, "perimeters"), cg_perimeter_names[perim]))
				w = row_of(json_object_get(ni->def, "row"));
		}
		if ((r = count_row(p, node, si, perim, scope, &w, n, err)) != CG_OK) {
			cg_stmt_done(q);
			return r;
		}
	}
	cg_stmt_done(q);
	if (s == CG_STEP_ERROR)
		return err && err->code ? err->code : CG_E_STORE;
	/* the rows of the records that no stored not_applicable shadows */
	json_object_foreach(rows, key, row) {
		char scope[CG_ID_MAX + 16];
		const char *bar = strchr(key, '|');
		uint32_t node;
		long si;
		int perim;
		if (json_is_true(json_object_get(row, "_shadowed")) || !bar || (size_t)(bar - key) >= sizeof scope ||
		    !map_get(&p->urns, bar + 1, &node))
			continue;
		snprintf(scope, sizeof scope, "%.*s", (int)(bar - key), key);
		if (!bound_at(p, node, scope, -2, &si, &perim))
			continue;
		struct row w = row_of(row);
		if ((r = count_row(p, node, si, perim, si >= 0 ? p->id[si] : org_scope, &w, n, err)) != CG_OK)
			return r;
	}
	return CG_OK;
}

/* Is a system of perimeter `perim` without a row of node k overdue by the records' default? */
static bool default_overdue(const struct pass *p, size_t k, int perim)
{
	const struct node_info *ni = &p->nodes[k];
	return ni->def && p->def_p[perim] &&
	       cg_obl_has_string(json_object_get(ni->def, "perimeters"), cg_perimeter_names[perim]) &&
	       json_is_true(json_object_get(json_object_get(ni->def, "row"), "overdue"));
}

/* The perimeters of the pass as the register rules read them. */
static const char *ps_id(void *ud, size_t i)
{
	return ((struct pass *)ud)->id[i];
}

static int ps_perim(void *ud, size_t i)
{
	struct pass *p = ud;
	return p->b[p->cls[i] * 16 + p->found[i]].perim;
}

static long ps_find(void *ud, const char *id)
{
	return find_system(ud, id);
}

/* What the governance records show, and which nodes it touches. */
static cg_code derive_rows(struct pass *p, struct cg_store *st, struct cg_error *err)
{
	struct cg_perim_src ps = { p->ns, ps_id, ps_perim, ps_find, p };
	const char *key;
	json_t *v;
	uint32_t node;
	cg_code r = cg_register_derive(st, p->c, &ps, &p->derived, err);

	if (r == CG_OK && !(p->priced_seen = json_object()))
		r = nomem(err);
	if (r != CG_OK)
		return r;
	json_object_foreach(json_object_get(p->derived, "rows"), key, v) {
		const char *bar = strchr(key, '|');
		if (bar && map_get(&p->urns, bar + 1, &node))
			p->nodes[node].linked = true;
	}
	json_object_foreach(json_object_get(p->derived, "defaults"), key, v) {
		if (!map_get(&p->urns, key, &node))
			continue;
		p->nodes[node].linked = true;
		p->nodes[node].def = v;
		for (int k = 0; k < CG_PERIM__COUNT; k++)
			if (cg_obl_has_string(json_object_get(v, "perimeters"), cg_perimeter_names[k]))
				p->def_p[k] = p->any_def = true;
	}
	return CG_OK;
}

static void add_fine(json_t *total, json_t *range, uint64_t times)
{
	json_t *mn = json_object_get(range, "min_cny"), *mx = json_object_get(range, "max_cny");
	if (!times || !json_is_integer(mn) || !json_is_integer(mx))
		return;
	json_object_set_new(total, "min_cny", json_integer(json_integer_value(json_object_get(total, "min_cny")) +
							   (json_int_t)times * json_integer_value(mn)));
	json_object_set_new(total, "max_cny", json_integer(json_integer_value(json_object_get(total, "max_cny")) +
							   (json_int_t)times * json_integer_value(mx)));
}

/* The register item of a next deadline, as obligation.c makes it. */
static cg_code deadline_item(struct pass *p, struct cg_store *st, const struct cand *c, const char *today,
			     enum cg_lang lang, json_t *out, struct cg_error *err)
{
	struct node_info *ni = &p->nodes[c->node];
	json_t *status = json_object(), *counts = json_object(), *row = NULL, *item = NULL;
	char key[1024];
	int perim = ni->org_best;
	cg_code r = status && counts ? cg_obl_status_row(st, c->scope, ni->urn, &row, err) : nomem(err);

	if (r == CG_OK && strcmp(c->scope, CG_SCOPE_ORGANISATION) != 0) {
		long i = find_system(p, c->scope);
		perim = i >= 0 ? p->b[p->cls[i] * 16 + p->found[i]].perim : CG_PERIM_OUTSIDE;
	}
	snprintf(key, sizeof key, "%s|%s", c->scope, ni->urn);
	if (r == CG_OK && row)
		json_object_set(status, key, row);
	if (r == CG_OK)
		r = cg_obl_evidence_count(st, c->scope, ni->urn, counts, key, err);
	if (r == CG_OK && !(item = cg_obl_make_item(p->c, ni->node, c->scope, perim < 0 ? CG_PERIM_OUTSIDE : perim, status, p->derived,
						    counts, today, lang)))
		r = nomem(err);
	if (r == CG_OK)
		json_array_append_new(out, item);
	json_decref(row);
	json_decref(status);
	json_decref(counts);
	return r;
}

/*
 * The pass: systems, classes, links, obligations bound, status rows. `by` (may be NULL) gets the
 * ids by perimeter. The caller holds a read transaction.
 */
static cg_code run(struct pass *p, struct cg_store *st, json_t *by, struct counts *n, uint64_t *applicable,
		   struct cg_error *err)
{
	json_t *lists[CG_PERIM__COUNT] = { NULL };
	uint64_t *members = NULL;
	cg_code r;

	*applicable = 0;
	if ((r = prepare_plan(p, err)) == CG_OK && (r = read_systems(p, st, err)) == CG_OK &&
	    !(p->b = calloc(p->nk * 16 + 1, sizeof *p->b)))
		r = nomem(err);
	if (r == CG_OK)
		r = read_links(p, st, err);
	if (r == CG_OK && !(members = calloc(p->nk * 16 + 1, sizeof *members)))
		r = nomem(err);
	if (r == CG_OK && p->gap_limit) {
		p->nbytes = p->nn / 8 + 1;
		if (!(p->stored_bits = calloc(p->ns * p->nbytes + 1, 1)) || !(p->gaps = calloc(p->gap_limit + 1, sizeof *p->gaps)))
			r = nomem(err);
	}
	for (int k = CG_PERIM__COUNT - 1; k >= 0 && r == CG_OK && by; k--) {
		json_object_set_new(by, cg_perimeter_names[k], json_array());
		lists[k] = json_object_get(by, cg_perimeter_names[k]);
	}
	/* Perimeters, obligations bound per system, and the organisation's. */
	for (size_t i = 0; i < p->ns && r == CG_OK; i++) {
		struct bound *b;
		if ((r = bind_class(p, p->cls[i], p->found[i], &b, err)) != CG_OK)
			break;
		if (by)
			json_array_append_new(lists[b->perim], json_string_nocheck(p->id[i]));
		members[p->cls[i] * 16 + p->found[i]]++;
	}
	for (size_t e = 0; e < p->nk * 16 && r == CG_OK; e++) {
		struct bound *b = &p->b[e];
		if (!members[e])
			continue;
		*applicable += members[e] * b->nbound;
		for (size_t k = 0; k < p->nn; k++) {
			if (!b->on[k])
				continue;
			if (p->nodes[k].org) {
				if (b->perim > p->nodes[k].org_best)
					p->nodes[k].org_best = b->perim;
			} else {
				p->nodes[k].applicable += members[e];
				p->nodes[k].app_p[b->perim] += members[e];
			}
		}
	}
	free(members);
	for (size_t k = 0; k < p->nn && r == CG_OK; k++) {
		struct node_info *ni = &p->nodes[k];
		if (ni->only_org && !json_object_get(ni->node, "applies_when") && ni->org_best < 0)
			ni->org_best = CG_PERIM_OUTSIDE;
		if (ni->org && ni->org_best >= 0) {
			ni->applicable = 1;
			(*applicable)++;
		}
	}
	if (r == CG_OK)
		r = derive_rows(p, st, err);
	if (r == CG_OK)
		r = read_status(p, st, n, err);
	if (r != CG_OK)
		return r;
	/* What has no row is not started: open, a gap, not overdue, unless the records' default
	 * row makes it overdue (no annual assessment at all). */
	for (size_t k = 0; k < p->nn; k++) {
		struct node_info *ni = &p->nodes[k];
		uint64_t none = ni->applicable > ni->stored ? ni->applicable - ni->stored : 0, late = 0;
		for (int pe = 0; pe < CG_PERIM__COUNT && !ni->org; pe++)
			if (default_overdue(p, k, pe))
				late += ni->app_p[pe] > ni->stored_p[pe] ? ni->app_p[pe] - ni->stored_p[pe] : 0;
		n->overdue += (int64_t)late;
		n->open += (int64_t)(none - late);
	}
	if (!p->gap_limit || (p->ngaps == p->gap_limit && p->gaps[p->ngaps - 1].overdue && !p->any_def))
		return CG_OK;
	for (size_t k = 0; k < p->nn; k++) {
		struct node_info *ni = &p->nodes[k];
		if (ni->org && ni->org_best >= 0 && !ni->stored) {
			struct gapc g = { false, ni->duty, ni->org_best, node_severity(ni), org_scope, (uint32_t)k };
			offer_gap(p, &g);
		}
	}
	for (size_t i = 0; i < p->ns; i++) {
		struct bound *b = &p->b[p->cls[i] * 16 + p->found[i]];
		const unsigned char *bits = &p->stored_bits[i * p->nbytes];
		/* a full list of gaps that rank higher leaves nothing for this system */
		if (p->ngaps == p->gap_limit) {
			const struct gapc *worst = &p->gaps[p->ngaps - 1];
			if (!p->def_p[b->perim] && (worst->overdue || worst->perim > b->perim))
				continue;
			if (p->def_p[b->perim] && worst->overdue && worst->perim > b->perim)
				continue;
		}
		for (size_t k = 0; k < p->nn; k++) {
			if (!b->on[k] || p->nodes[k].org || (bits[k / 8] & (1u << (k % 8))))
				continue;
			struct gapc g = { default_overdue(p, k, b->perim), p->nodes[k].duty, b->perim, node_severity(&p->nodes[k]),
					  p->id[i], (uint32_t)k };
			offer_gap(p, &g);
		}
	}
	return CG_OK;
}

static cg_code begin(struct pass *p, const struct cg_catalog *c, struct cg_store *st, bool *own, struct cg_error *err)
{
	char now[CG_TIME_MAX];
	cg_code r;

	memset(p, 0, sizeof *p);
	p->c = c;
	*own = false;
	if ((r = cg_now(now, err)) != CG_OK)
		return r;
	snprintf(p->today, sizeof p->today, "%.10s", now);
	*own = !cg_store_in_transaction(st);
	if (*own && (r = cg_store_begin_read(st, err)) != CG_OK)
		*own = false;
	return r;
}

cg_code cg_status(struct cg_store *st, const struct cg_catalog *c, enum cg_lang lang, json_t **out,
		  struct cg_error *err)
{
	struct pass p;
	struct counts n = { 0, 0, 0, 0 };
	json_t *by = json_object(), *next = json_array(), *inc = NULL;
	json_t *ent = json_pack("{s:I,s:I}", "min_cny", (json_int_t)0, "max_cny", (json_int_t)0);
	json_t *per = json_pack("{s:I,s:I}", "min_cny", (json_int_t)0, "max_cny", (json_int_t)0);
	uint64_t applicable = 0, multipliers = 0;
	bool own;
	cg_code r = begin(&p, c, st, &own, err);

	*out = NULL;
	if (r == CG_OK && (!by || !next || !ent || !per))
		r = nomem(err);
	if (r == CG_OK)
		r = run(&p, st, by, &n, &applicable, err);
	if (r == CG_OK) {
		for (size_t k = 0; k < p.nn; k++) {
			struct node_info *ni = &p.nodes[k];
			uint64_t gaps = ni->stored_gaps + (ni->applicable > ni->stored ? ni->applicable - ni->stored : 0);
			if (!ni->has_sanction)
				continue;
			add_fine(ent, ni->entity, gaps);
			add_fine(per, ni->persons, gaps);
			multipliers += ni->mult ? gaps - ni->priced_gaps : 0;
		}
		json_object_set_new(ent, "min_cny", json_integer(json_integer_value(json_object_get(ent, "min_cny")) + p.priced_min));
		json_object_set_new(ent, "max_cny", json_integer(json_integer_value(json_object_get(ent, "max_cny")) + p.priced_max));
		for (size_t i = 0; i < p.ntop && r == CG_OK; i++)
			r = deadline_item(&p, st, &p.top[i], p.today, lang, next, err);
	}
	if (r == CG_OK)
		r = cg_incident_summary(st, c, lang, &inc, err);
	if (own)
		cg_store_rollback(st);
	if (r == CG_OK) {
		*out = json_pack("{s:s,s:O,s:{s:I,s:I,s:I,s:I,s:I},s:{s:O,s:O},s:I,s:O,s:O}", "today", p.today, "systems", by,
				 "obligations", "applicable", (json_int_t)applicable, "met", (json_int_t)n.met, "open",
				 (json_int_t)n.open, "overdue", (json_int_t)n.overdue, "not_applicable", (json_int_t)n.na,
				 "exposure", "entity", ent, "persons", per, "multiplier_gaps", (json_int_t)multipliers,
				 "next_deadlines", next, "incidents", inc);
		if (!*out)
			r = nomem(err);
	}
	pass_free(&p);
	json_decref(by);
	json_decref(next);
	json_decref(inc);
	json_decref(ent);
	json_decref(per);
	return r;
}

cg_code cg_gaps_top(struct cg_store *st, const struct cg_catalog *c, size_t limit, enum cg_lang lang, json_t **out,
		    struct cg_error *err)
{
	struct pass p;
	struct counts n = { 0, 0, 0, 0 };
	json_t *list = json_array();
	uint64_t applicable = 0;
	bool own;
	cg_code r = begin(&p, c, st, &own, err);

	*out = NULL;
	p.gap_limit = limit ? limit : 1;
	if (r == CG_OK && !list)
		r = nomem(err);
	if (r == CG_OK)
		r = run(&p, st, NULL, &n, &applicable, err);
	for (size_t i = 0; i < p.ngaps && i < limit && r == CG_OK; i++) {
		struct cand cd = { "", (char *)p.gaps[i].scope, p.gaps[i].node };
		size_t before = json_array_size(list);
		r = deadline_item(&p, st, &cd, p.today, lang, list, err);
		if (r == CG_OK && json_array_size(list) > before) {
			struct node_info *ni = &p.nodes[p.gaps[i].node];
			int64_t sev = node_severity(ni);
			json_object_set_new(json_array_get(list, before), "severity_cny",
					    json_integer(sev == INT64_MAX ? -1 : sev));
		}
	}
	if (own)
		cg_store_rollback(st);
	if (r == CG_OK) {
		*out = json_pack("{s:s,s:O,s:I,s:I}", "today", p.today, "gaps", list, "total",
				 (json_int_t)(n.open + n.overdue), "overdue", (json_int_t)n.overdue);
		if (!*out)
			r = nomem(err);
	}
	pass_free(&p);
	json_decref(list);
	return r;
}
