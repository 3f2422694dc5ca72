/*
 * The rule catalog: YAML libraries (docs/catalog-format.md) read into jansson trees, checked
 * against the CISO Assistant framework shape and ciiguard's own keys, and merged from the
 * built-in files and the database. Messages name the file and the line; the line table lives
 * only while a library is checked, so the trees handed out are plain JSON.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <yaml.h>

#include "ciiguard/audit.h"
#include "ciiguard/buf.h"
#include "ciiguard/catalog.h"
#include "ciiguard/clock.h"
#include "ciiguard/i18n.h"
#include "ciiguard/incident.h"
#include "ciiguard/system.h"
#include "catalogs.h"
#include "entity.h"
#include "record.h"
#include "banned.h"

#define PATH_LEN 256
#define MAX_WARNINGS 1000

/* --- warnings --- */

void cg_warnings_release(struct cg_warnings *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++)
		free(w->v[i]);
	free(w->v);
	w->v = NULL;
	w->n = 0;
}

/* Appends "file:line: message" (message in `lang`). Beyond MAX_WARNINGS they are dropped. */
static cg_code warn(struct cg_warnings *w, enum cg_lang lang, const char *file, unsigned line,
		    const char *fmt, ...) CG_PRINTF(5, 6);

static cg_code warn(struct cg_warnings *w, enum cg_lang lang, const char *file, unsigned line,
		    const char *fmt, ...)
{
	char msg[CG_ERROR_MESSAGE_MAX], *s, **v;
	va_list ap;

	if (!w || w->n >= MAX_WARNINGS)
		return CG_OK;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, cg_tr(lang, fmt), ap);
	va_end(ap);
	if (asprintf(&s, "%s:%u: %s", file, line, msg) < 0)
		return CG_E_NOMEM;
	if (!(v = realloc(w->v, (w->n + 1) * sizeof *v))) {
		free(s);
		return CG_E_NOMEM;
	}
	w->v = v;
	w->v[w->n++] = s;
	return CG_OK;
}

/*
 * Sets `err` to "file:line: path: message" (the path left out when empty) and returns
 * CG_E_INVALID. The message id is translated into err->lang.
 */
static cg_code at_error(struct cg_error *err, const char *file, unsigned line, const char *path,
			const char *fmt, ...) CG_PRINTF(5, 6);

static cg_code at_error(struct cg_error *err, const char *file, unsigned line, const char *path,
			const char *fmt, ...)
{
	char msg[CG_ERROR_MESSAGE_MAX], full[CG_ERROR_MESSAGE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, cg_tr(err ? err->lang : CG_LANG_EN, fmt), ap);
	va_end(ap);
	if (snprintf(full, sizeof full, "%s:%u: %s%s%s", file, line, path ? path : "",
		     path && *path ? ": " : "", msg) >= (int)sizeof full)
		full[sizeof full - 1] = '\0';
	return cg_error_set(err, CG_E_INVALID, path && *path ? path : NULL, "%s", full);
}

static cg_code nomem(struct cg_error *err)
{
	return cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
}

/* --- the line table: where each member and element stood in the file --- */

/*
 * Keyed by the container and the member name or element index rather than by the value,
 * because jansson shares true, false and null between all places they occur.
 */
struct lm_entry {
	const json_t *parent; /* NULL: a free slot */
	char *key;            /* the member name; NULL for an element of a list */
	size_t idx;
	unsigned kline, vline; /* the lines of the key and of the value */
};

struct linemap {
	struct lm_entry *v;
	size_t cap, n;
};

static size_t lm_hash(const json_t *parent, const char *key, size_t idx)
{
	uint64_t h = (uint64_t)(uintptr_t)parent * 0x9e3779b97f4a7c15ull;

	if (key)
		for (; *key; key++)
			h = (h ^ (unsigned char)*key) * 1099511628211ull;
	else
		h ^= (uint64_t)idx * 0xff51afd7ed558ccdull;
	return (size_t)(h ^ (h >> 29));
}

static struct lm_entry *lm_slot(const struct linemap *m, const json_t *parent, const char *key,
				size_t idx)
{
	size_t i = lm_hash(parent, key, idx) & (m->cap - 1);

	while (m->v[i].parent &&
	       !(m->v[i].parent == parent && (key ? m->v[i].key && strcmp(m->v[i].key, key) == 0 :
					     !m->v[i].key && m->v[i].idx == idx)))
		i = (i + 1) & (m->cap - 1);
	return &m->v[i];
}

static int lm_grow(struct linemap *m)
{
	struct linemap nm = { calloc(m->cap ? m->cap * 2 : 256, sizeof(struct lm_entry)),
			      m->cap ? m->cap * 2 : 256, m->n };

	if (!nm.v)
		return -1;
	for (size_t i = 0; i < m->cap; i++)
		if (m->v[i].parent)
			*lm_slot(&nm, m->v[i].parent, m->v[i].key, m->v[i].idx) = m->v[i];
	free(m->v);
	*m = nm;
	return 0;
}

static int lm_put(struct linemap *m, const json_t *parent, const char *key, size_t idx,
		  unsigned kline, unsigned vline)
{
	struct lm_entry *e;

	if ((m->n + 1) * 4 > m->cap * 3 && lm_grow(m) != 0)
		return -1;
	e = lm_slot(m, parent, key, idx);
	if (!e->parent) {
		if (key && !(e->key = strdup(key)))
			return -1;
		e->parent = parent;
		e->idx = idx;
		m->n++;
	}
	e->kline = kline;
	e->vline = vline;
	return 0;
}

static const struct lm_entry *lm_get(const struct linemap *m, const json_t *parent,
				     const char *key, size_t idx)
{
	const struct lm_entry *e;

	if (!m->cap)
		return NULL;
	e = lm_slot(m, parent, key, idx);
	return e->parent ? e : NULL;
}

static void lm_release(struct linemap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->v[i].key);
	free(m->v);
	memset(m, 0, sizeof *m);
}

/* --- YAML to JSON --- */

/* A library read from YAML, with the lines its messages need. */
struct parsed {
	json_t *root;
	struct linemap lm;
	unsigned root_line;
};

static void parsed_release(struct parsed *p)
{
	json_decref(p->root);
	p->root = NULL;
	lm_release(&p->lm);
}

struct frame {
	json_t *v;        /* the open mapping or list (borrowed: its parent holds it) */
	char *key;        /* a mapping's key whose value comes next; NULL when a key comes next */
	unsigned key_line;
	char *anchor;     /* registered once the container is complete */
	size_t start;     /* values counted before it, to size its anchor */
};

struct anchor {
	char *name;
	json_t *v;
	size_t values; /* what one alias to it adds to the document */
};

struct builder {
	const char *file;
	struct cg_error *err;
	struct parsed *out;
	struct frame stack[CG_CATALOG_MAX_DEPTH];
	size_t depth;
	struct anchor *anchors;
	size_t nanchors, aliases, values;
};

static cg_code count_values(struct builder *b, size_t n, unsigned line)
{
	if (n > CG_CATALOG_MAX_VALUES - b->values)
		return at_error(b->err, b->file, line, NULL,
				N_("the document expands to more than %d values (through aliases, perhaps): refused"),
				CG_CATALOG_MAX_VALUES);
	b->values += n;
	return CG_OK;
}

static cg_code add_anchor(struct builder *b, const char *name, json_t *v, size_t values)
{
	struct anchor *a = realloc(b->anchors, (b->nanchors + 1) * sizeof *a);

	if (!a)
		return nomem(b->err);
	b->anchors = a;
	a[b->nanchors].name = strdup(name);
	if (!a[b->nanchors].name)
		return nomem(b->err);
	a[b->nanchors].v = json_incref(v);
	a[b->nanchors++].values = values;
	return CG_OK;
}

/* Places `v` (a reference it takes over) in the open container, or makes it the root. */
static cg_code place(struct builder *b, json_t *v, unsigned line)
{
	struct frame *f;
	const struct lm_entry *first;

	if (!v)
		return nomem(b->err);
	if (b->depth == 0) {
		b->out->root = v;
		b->out->root_line = line;
		return CG_OK;
	}
	f = &b->stack[b->depth - 1];
	if (json_is_array(f->v)) {
		size_t i = json_array_size(f->v);
		if (json_array_append_new(f->v, v) != 0 || lm_put(&b->out->lm, f->v, NULL, i, line, line) != 0)
			return nomem(b->err);
		return CG_OK;
	}
	if (!f->key) {
		json_decref(v);
		return at_error(b->err, b->file, line, NULL,
				N_("a mapping key must be a plain value, not a mapping, a list or an alias"));
	}
	if ((first = lm_get(&b->out->lm, f->v, f->key, 0)) != NULL) {
		json_decref(v);
		return at_error(b->err, b->file, f->key_line, NULL, N_("duplicate key '%s' (first at line %u)"),
				f->key, first->kline);
	}
	if (json_object_set_new(f->v, f->key, v) != 0 ||
	    lm_put(&b->out->lm, f->v, f->key, 0, f->key_line, line) != 0)
		return nomem(b->err);
	free(f->key);
	f->key = NULL;
	return CG_OK;
}

static bool text_is(const char *s, const char *a, const char *b, const char *c)
{
	return strcmp(s, a) == 0 || strcmp(s, b) == 0 || strcmp(s, c) == 0;
}

/* A decimal integer in the range of json_int_t: [-+]?[0-9]+. */
static bool integer_text(const char *s, size_t n, json_int_t *out)
{
	size_t i = s[0] == '-' || s[0] == '+';
	char *end;
	long long v;

	if (i == n || n - i > 19)
		return false;
	for (size_t k = i; k < n; k++)
		if (s[k] < '0' || s[k] > '9')
			return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end != s + n)
		return false;
	*out = (json_int_t)v;
	return true;
}

/*
 * The JSON value of a scalar: quoted and !!str scalars stay strings; plain ones are null
 * (empty, ~, null), booleans (true, false), decimal integers, or else strings (dates too).
 */
static json_t *scalar_value(const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value, *tag = (const char *)ev->data.scalar.tag;
	size_t n = ev->data.scalar.length;
	json_int_t i;

	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
	    (tag && (strcmp(tag, YAML_STR_TAG) == 0 || strcmp(tag, "!") == 0)))
		return json_stringn(s, n);
	if (n == 0 || strcmp(s, "~") == 0 || text_is(s, "null", "Null", "NULL"))
		return json_null();
	if (text_is(s, "true", "True", "TRUE"))
		return json_true();
	if (text_is(s, "false", "False", "FALSE"))
		return json_false();
	if (integer_text(s, n, &i))
		return json_integer(i);
	return json_stringn(s, n);
}

static cg_code on_scalar(struct builder *b, const yaml_event_t *ev, unsigned line)
{
	struct frame *f = b->depth ? &b->stack[b->depth - 1] : NULL;
	const char *anchor = (const char *)ev->data.scalar.anchor;
	json_t *v;
	cg_code result;

	if (f && json_is_object(f->v) && !f->key) {
		if (!(f->key = strndup((const char *)ev->data.scalar.value, ev->data.scalar.length)))
			return nomem(b->err);
		f->key_line = line;
		return CG_OK;
	}
	if ((result = count_values(b, 1, line)) != CG_OK)
		return result;
	if (!(v = scalar_value(ev)))
		return nomem(b->err);
	if (anchor && (result = add_anchor(b, anchor, v, 1)) != CG_OK) {
		json_decref(v);
		return result;
	}
	return place(b, v, line);
}

static cg_code on_start(struct builder *b, json_t *v, const unsigned char *anchor, unsigned line)
{
	struct frame *f;
	size_t start = b->values;
	cg_code result;

	if (!v)
		return nomem(b->err);
	if (b->depth == CG_CATALOG_MAX_DEPTH) {
		json_decref(v);
		return at_error(b->err, b->file, line, NULL, N_("mappings and lists are nested more than %d deep"),
				CG_CATALOG_MAX_DEPTH);
	}
	if ((result = count_values(b, 1, line)) != CG_OK) {
		json_decref(v);
		return result;
	}
	if ((result = place(b, v, line)) != CG_OK)
		return result;
	f = &b->stack[b->depth++];
	*f = (struct frame){ .v = v, .start = start };
	if (anchor && !(f->anchor = strdup((const char *)anchor)))
		return nomem(b->err);
	return CG_OK;
}

static cg_code on_end(struct builder *b)
{
	struct frame *f = &b->stack[--b->depth];
	cg_code result = CG_OK;

	if (f->anchor)
		result = add_anchor(b, f->anchor, f->v, b->values - f->start);
	free(f->anchor);
	free(f->key);
	return result;
}

static cg_code on_alias(struct builder *b, const char *name, unsigned line)
{
	struct frame *f = b->depth ? &b->stack[b->depth - 1] : NULL;
	cg_code result;

	if (++b->aliases > CG_CATALOG_MAX_ALIASES)
		return at_error(b->err, b->file, line, NULL,
				N_("more than %d aliases: refused (a guard against documents that expand without bound)"),
				CG_CATALOG_MAX_ALIASES);
	for (size_t i = b->nanchors; i-- > 0;) {
		if (strcmp(b->anchors[i].name, name) != 0)
			continue;
		if (f && json_is_object(f->v) && !f->key)
			return at_error(b->err, b->file, line, NULL,
					N_("a mapping key must be a plain value, not a mapping, a list or an alias"));
		if ((result = count_values(b, b->anchors[i].values, line)) != CG_OK)
			return result;
		return place(b, json_incref(b->anchors[i].v), line);
	}
	return at_error(b->err, b->file, line, NULL, N_("the alias '*%s' names no complete anchor before it"), name);
}

static unsigned offset_line(const char *data, size_t len, size_t offset)
{
	unsigned line = 1;

	for (size_t i = 0; i < offset && i < len; i++)
		line += data[i] == '\n';
	return line;
}

static cg_code syntax_error(const yaml_parser_t *p, const char *file, const char *data, size_t len,
			    struct cg_error *err)
{
	const char *problem = p->problem ? p->problem : "unknown error";
	unsigned line = p->error == YAML_READER_ERROR ? offset_line(data, len, p->problem_offset) :
			(unsigned)p->problem_mark.line + 1;

	if (p->error == YAML_MEMORY_ERROR)
		return nomem(err);
	if (p->context)
		return at_error(err, file, line, NULL, N_("not valid YAML: %s (%s at line %u)"), problem,
				p->context, (unsigned)p->context_mark.line + 1);
	return at_error(err, file, line, NULL, N_("not valid YAML: %s"), problem);
}

/* Reads one YAML document into out->root, recording lines in out->lm. */
static cg_code yaml_to_json(const char *file, const char *data, size_t len, struct parsed *out,
			    struct cg_error *err)
{
	struct builder b = { .file = file, .err = err, .out = out };
	yaml_parser_t p;
	yaml_event_t ev;
	cg_code result = CG_OK;
	int docs = 0;
	bool done = false;

	memset(out, 0, sizeof *out);
	if (len > CG_CATALOG_MAX_BYTES)
		return cg_error_set(err, CG_E_INVALID, NULL,
				    N_("%s: the file has %zu bytes, more than the limit of %zu"), file, len,
				    CG_CATALOG_MAX_BYTES);
	if (!yaml_parser_initialize(&p))
		return nomem(err);
	yaml_parser_set_input_string(&p, (const unsigned char *)data, len);
	yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
	while (!done && result == CG_OK) {
		unsigned line;

		if (!yaml_parser_parse(&p, &ev)) {
			result = syntax_error(&p, file, data, len, err);
			break;
		}
		line = (unsigned)ev.start_mark.line + 1;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1)
				result = at_error(err, file, line, NULL,
						  N_("a second YAML document starts here; a library is one document"));
			break;
		case YAML_SCALAR_EVENT:
			result = on_scalar(&b, &ev, line);
			break;
		case YAML_SEQUENCE_START_EVENT:
			result = on_start(&b, json_array(), ev.data.sequence_start.anchor, line);
			break;
		case YAML_MAPPING_START_EVENT:
			result = on_start(&b, json_object(), ev.data.mapping_start.anchor, line);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			result = on_end(&b);
			break;
		case YAML_ALIAS_EVENT:
			result = on_alias(&b, (const char *)ev.data.alias.anchor, line);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	while (b.depth > 0) {
		struct frame *f = &b.stack[--b.depth];
		free(f->anchor);
		free(f->key);
	}
	for (size_t i = 0; i < b.nanchors; i++) {
		free(b.anchors[i].name);
		json_decref(b.anchors[i].v);
	}
	free(b.anchors);
	if (result == CG_OK && !out->root)
		result = at_error(err, file, 1, NULL, N_("the file holds no YAML document"));
	if (result != CG_OK)
		parsed_release(out);
	return result;
}

/* --- checking a library --- */

static const char *const library_keys[] = { "urn", "locale", "ref_id", "name", "description",
	"annotation", "copyright", "version", "publication_date", "provider", "packager",
	"translations", "dependencies", "objects", "convert_library_version", NULL };
static const char *const objects_keys[] = { "framework", "screening_rules", "penalties",
	"ai_scenarios", "incident_criteria", "incident_reporting", "calendars", "register_rules", "laws", NULL };
static const char *const framework_keys[] = { "urn", "ref_id", "name", "description",
	"annotation", "translations", "min_score", "max_score", "scores_definition",
	"implementation_groups_definition", "requirement_nodes", NULL };
/* CISO Assistant's keys ciiguard reads, then ciiguard's own (docs/catalog-format.md). */
static const char *const node_keys[] = { "urn", "ref_id", "name", "description", "annotation",
	"depth", "parent_urn", "assessable", "typical_evidence", "implementation_groups",
	"translations", "source", "effective", "confidence", "kind", "applies_to", "cadence",
	"evidence", "sanction", "maps_to", "supports", "applies_when", "clock", "retention",
	"thresholds", "deadline", NULL };
static const char *const rule_keys[] = { "id", "perimeter", "refines", "when", "duties", "text",
	"source", "effective", "confidence", NULL };
static const char *const penalty_keys[] = { "id", "entity", "persons", "optional_fine",
	"measures", "fine_when", "bans", "text", "source", "effective", "confidence", NULL };
static const char *const criterion_keys[] = { "id", "input", "tiers", "text", "source",
	"effective", "confidence", NULL };
static const char *const tier_keys[] = { "grade", "at_least", "in", "when", "confidence", NULL };
static const char *const reporting_keys[] = { "id", "kind", "when", "min_grade", "recipients",
	"escalations", "within", "text", "source", "effective", "confidence", NULL };
static const char *const reporting_kinds[] = { "route", "additional", "supplement", "final", NULL };
static const char *const recipient_keys[] = { "recipient", "within", NULL };
static const char *const escalation_keys[] = { "by", "to", "within", "min_grade", NULL };
static const char *const tier_grades[] = { "relatively_major", "major", "particularly_major", NULL };
static const char *const clock_units[] = { "minutes", "hours", "days", NULL };
static const char *const calendar_keys[] = { "id", "year", "holidays", "workdays", "text", "source",
	"effective", "confidence", NULL };
static const char *const rrule_keys[] = { "id", "register", "rule", "applies_to", "thresholds", "categories",
	"fields", "proves", "sanction", "text", "source", "effective", "confidence", NULL };
static const char *const rrule_names[] = { "agreement_current", "agreement_renewal", "agreement_duties",
	"review_trigger", "review_clocks", "key_position_staffing", "background_check", "training_hours", "ban",
	"decision_security_body", "annual_assessment", "remediation", "plan_coverage", "drill_cadence", "drill_follow_up",
	"change_report", "pentest_authorisation", "pentest_window", "vulnerability_report", "filing_clocks",
	"pi_audit_cadence", "inspection_follow_up", "decision_approval", "assessment_approval", NULL };
static const char *const scenario_keys[] = { "id", "when", "duties", "text", "source",
	"effective", "confidence", NULL };
static const char *const source_keys[] = { "law", "article", NULL };
static const char *const law_keys[] = { "name", "articles", NULL };
static const char *const fine_keys[] = { "min_cny", "max_cny", "min_times_amount",
	"max_times_amount", NULL };
static const char *const sanction_keys[] = { "id", "also", NULL };
static const char *const clock_keys[] = { "party", "within", "from", NULL };
static const char *const deadline_keys[] = { "within", "from", "confidence", "note", NULL };
/* The events a deadline can run from (docs/catalog-format.md). */
static const char *const deadline_events[] = { "cii_change", NULL };
static const char *const duration_units[] = { "minutes", "hours", "days", "working_days", "months",
	"years", NULL };
static const char *const bans_keys[] = { "administrative_years", "criminal", NULL };
static const char *const fine_when_values[] = { "always", "refuses", "refuses_or_harm",
	"particularly_serious", NULL };

static const char *const perimeters[] = { "cii", "likely_cii", "near_cii", "outside", NULL };
static const char *const applies_to_values[] = { "cii", "likely_cii", "near_cii", "outside",
	"organisation", NULL };
static const char *const kind_values[] = { "duty", "control", "mapping", NULL };
static const char *const cadence_values[] = { "once", "continuous", "annual", "per_event",
	"per_change", "per_procurement", "per_provider", "per_person", NULL };
static const char *const confidence_values[] = { "firm", "draft", NULL };

/* An unknown key, reported once per file at its first place. */
struct unknown {
	char *key;
	unsigned line;
	size_t count;
};

struct vctx {
	const char *file;
	const struct linemap *lm;
	bool strict;
	struct cg_error *err;
	enum cg_lang lang;
	struct unknown *unk;
	size_t nunk;
};

static const char *tr(struct vctx *x, const char *s)
{
	return cg_tr(x->lang, s);
}

static unsigned line_of(struct vctx *x, const json_t *parent, const char *key, size_t idx)
{
	const struct lm_entry *e = lm_get(x->lm, parent, key, idx);
	return e ? e->vline : 1;
}

static cg_code verr(struct vctx *x, unsigned line, const char *path, const char *fmt, ...)
	CG_PRINTF(4, 5);

static cg_code verr(struct vctx *x, unsigned line, const char *path, const char *fmt, ...)
{
	char msg[CG_ERROR_MESSAGE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, cg_tr(x->lang, fmt), ap);
	va_end(ap);
	return at_error(x->err, x->file, line, path, "%s", msg);
}

/* Paths name a place for people; a very long one is cut short. */
static void path_key(char *out, const char *path, const char *key)
{
	if (snprintf(out, PATH_LEN, "%s%s%s", path, *path ? "." : "", key) >= PATH_LEN)
		out[PATH_LEN - 1] = '\0';
}

static void path_idx(char *out, const char *path, size_t i)
{
	if (snprintf(out, PATH_LEN, "%s[%zu]", path, i) >= PATH_LEN)
		out[PATH_LEN - 1] = '\0';
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return N_("a mapping");
	case JSON_ARRAY: return N_("a list");
	case JSON_STRING: return N_("a string");
	case JSON_INTEGER: return N_("an integer");
	case JSON_REAL: return N_("a number with a fraction");
	case JSON_TRUE:
	case JSON_FALSE: return N_("true or false");
	case JSON_NULL: return N_("null");
	}
	return "?";
}

enum vt { VT_STRING, VT_TEXT, VT_INT, VT_BOOL, VT_MAP, VT_LIST, VT_DATE };

static const char *const vt_expected[] = {
	[VT_STRING] = N_("a string"),
	[VT_TEXT] = N_("a string"),
	[VT_INT] = N_("an integer"),
	[VT_BOOL] = N_("true or false"),
	[VT_MAP] = N_("a mapping"),
	[VT_LIST] = N_("a list"),
	[VT_DATE] = N_("a date (YYYY-MM-DD)"),
};

static bool vt_ok(const json_t *v, enum vt t)
{
	switch (t) {
	case VT_STRING:
	case VT_DATE: return json_is_string(v);
	case VT_TEXT: return json_is_string(v) || json_is_integer(v);
	case VT_INT: return json_is_integer(v);
	case VT_BOOL: return json_is_boolean(v);
	case VT_MAP: return json_is_object(v);
	case VT_LIST: return json_is_array(v);
	}
	return false;
}

/* Checks one value found at `line`. */
static cg_code check_type(struct vctx *x, const json_t *v, enum vt t, const char *path,
			  unsigned line)
{
	if (!vt_ok(v, t))
		return verr(x, line, path, N_("expected %s, got %s"), tr(x, vt_expected[t]), tr(x, type_name(v)));
	if (t == VT_DATE && !cg_date_valid(json_string_value(v)))
		return verr(x, line, path, N_("expected a date (YYYY-MM-DD), got '%s'"), json_string_value(v));
	return CG_OK;
}

/*
 * Checks member `key` of `obj` (which starts at `line`): *out is the member, or NULL when it is
 * absent or null and not required.
 */
static cg_code member(struct vctx *x, json_t *obj, const char *path, unsigned line,
		      const char *key, enum vt t, bool required, json_t **out)
{
	char p[PATH_LEN];
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	path_key(p, path, key);
	if (!v || (json_is_null(v) && !required)) {
		if (required)
			return verr(x, line, p, N_("is required (%s)"), tr(x, vt_expected[t]));
		return CG_OK;
	}
	*out = v;
	return check_type(x, v, t, p, line_of(x, obj, key, 0));
}

static int name_index(const char *const *names, const char *s)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

/* "a, b, c" of a NULL-terminated list. */
static void join_names(char *out, size_t n, const char *const *names)
{
	size_t at = 0;

	out[0] = '\0';
	for (int i = 0; names[i] && at < n; i++) {
		int w = snprintf(out + at, n - at, "%s%s", i ? ", " : "", names[i]);
		if (w < 0)
			break;
		at += (size_t)w;
	}
}

/* A string member that must be one of `names`. */
static cg_code one_of(struct vctx *x, json_t *obj, const char *path, unsigned line,
		      const char *key, const char *const *names, bool required, json_t **out)
{
	char p[PATH_LEN], list[512];
	cg_code result = member(x, obj, path, line, key, VT_STRING, required, out);

	if (result != CG_OK || !*out || name_index(names, json_string_value(*out)) >= 0)
		return result;
	path_key(p, path, key);
	join_names(list, sizeof list, names);
	return verr(x, line_of(x, obj, key, 0), p, N_("'%s' is not one of: %s"), json_string_value(*out), list);
}

static cg_code unknown_add(struct vctx *x, const char *key, unsigned line)
{
	struct unknown *u;

	for (size_t i = 0; i < x->nunk; i++)
		if (strcmp(x->unk[i].key, key) == 0) {
			x->unk[i].count++;
			return CG_OK;
		}
	if (!(u = realloc(x->unk, (x->nunk + 1) * sizeof *u)))
		return nomem(x->err);
	x->unk = u;
	if (!(u[x->nunk].key = strdup(key)))
		return nomem(x->err);
	u[x->nunk].line = line;
	u[x->nunk++].count = 1;
	return CG_OK;
}

/* Notes the keys of `obj` that are not in `known`: kept, and reported as warnings. */
static cg_code check_keys(struct vctx *x, json_t *obj, const char *const *known)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		if (name_index(known, key) < 0) {
			const struct lm_entry *e = lm_get(x->lm, obj, key, 0);
			if (unknown_add(x, key, e ? e->kline : 1) != CG_OK)
				return CG_E_NOMEM;
		}
	}
	return CG_OK;
}

/* A list member whose elements are strings (or, with `names`, one of those). */
static cg_code string_list(struct vctx *x, json_t *obj, const char *path, unsigned line,
			   const char *key, const char *const *names, bool nonempty)
{
	char p[PATH_LEN], pi[PATH_LEN], list[512];
	json_t *v, *item;
	size_t i;
	cg_code result = member(x, obj, path, line, key, VT_LIST, false, &v);

	if (result != CG_OK || !v)
		return result;
	path_key(p, path, key);
	if (nonempty && json_array_size(v) == 0)
		return verr(x, line_of(x, obj, key, 0), p, N_("expected a list that is not empty"));
	json_array_foreach(v, i, item) {
		path_idx(pi, p, i);
		if ((result = check_type(x, item, VT_STRING, pi, line_of(x, v, NULL, i))) != CG_OK)
			return result;
		if (names && name_index(names, json_string_value(item)) < 0) {
			join_names(list, sizeof list, names);
			return verr(x, line_of(x, v, NULL, i), pi, N_("'%s' is not one of: %s"),
				    json_string_value(item), list);
		}
	}
	return CG_OK;
}

static bool urn_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > CG_CATALOG_URN_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/* A required identifier (urn or id): a string of 1-256 bytes without spaces. */
static cg_code ident(struct vctx *x, json_t *obj, const char *path, unsigned line,
		     const char *key, const char **out)
{
	char p[PATH_LEN];
	json_t *v;
	cg_code result = member(x, obj, path, line, key, VT_STRING, true, &v);

	if (result != CG_OK)
		return result;
	if (!urn_ok(json_string_value(v))) {
		path_key(p, path, key);
		return verr(x, line_of(x, obj, key, 0), p,
			    N_("expected 1-%d characters without spaces, got '%s'"), CG_CATALOG_URN_MAX,
			    json_string_value(v));
	}
	*out = json_string_value(v);
	return CG_OK;
}

/* `translations`: a mapping from language codes to mappings of texts. */
static cg_code check_translations(struct vctx *x, json_t *obj, const char *path, unsigned line)
{
	static const char *const texts[] = { "name", "description", "annotation", "typical_evidence", NULL };
	char p[PATH_LEN], pl[PATH_LEN];
	const char *lang;
	json_t *tl, *entry, *v;
	cg_code result = member(x, obj, path, line, "translations", VT_MAP, false, &tl);

	if (result != CG_OK || !tl)
		return result;
	path_key(p, path, "translations");
	json_object_foreach(tl, lang, entry) {
		path_key(pl, p, lang);
		if ((result = check_type(x, entry, VT_MAP, pl, line_of(x, tl, lang, 0))) != CG_OK)
			return result;
		for (int i = 0; texts[i]; i++)
			if ((result = member(x, entry, pl, line_of(x, tl, lang, 0), texts[i], VT_STRING, false, &v)) != CG_OK)
				return result;
	}
	return CG_OK;
}

/*
 * A text at `path`: a string, or a mapping of language codes to strings; ciiguard's own catalog
 * gives both en and zh (`label` names the text in that message).
 */
static cg_code check_text_value(struct vctx *x, json_t *t, const char *path, unsigned line,
				const char *id, const char *label)
{
	char pl[PATH_LEN];
	const char *lang;
	json_t *v;
	cg_code result;

	if (json_is_string(t) && !x->strict)
		return CG_OK;
	if ((result = check_type(x, t, VT_MAP, path, line)) != CG_OK)
		return result;
	json_object_foreach(t, lang, v) {
		path_key(pl, path, lang);
		if ((result = check_type(x, v, VT_STRING, pl, line_of(x, t, lang, 0))) != CG_OK)
			return result;
	}
	if (x->strict && (!json_object_get(t, "en") || !json_object_get(t, "zh"))) {
		path_key(pl, label, json_object_get(t, "en") ? "zh" : "en");
		return verr(x, line, path, N_("'%s' has no %s (required in ciiguard's own catalog)"), id, pl);
	}
	return CG_OK;
}

/* Member `key` of an item as a text (check_text_value); required in strict mode. */
static cg_code check_text(struct vctx *x, json_t *item, const char *path, unsigned line,
			  const char *key, const char *id)
{
	char p[PATH_LEN];
	json_t *t = json_object_get(item, key);

	if (!t || json_is_null(t)) {
		if (x->strict)
			return verr(x, line, path, N_("'%s' has no %s (required in ciiguard's own catalog)"), id, key);
		return CG_OK;
	}
	path_key(p, path, key);
	return check_text_value(x, t, p, line_of(x, item, key, 0), id, key);
}

/* source, effective and confidence: required on every item of ciiguard's own catalog. */
static cg_code check_provenance(struct vctx *x, json_t *item, const char *path, unsigned line,
				const char *id)
{
	static const char *const keys[] = { "source", "effective", "confidence" };
	char p[PATH_LEN];
	json_t *src, *v;
	cg_code result;

	for (int i = 0; i < 3 && x->strict; i++)
		if (!json_object_get(item, keys[i]) || json_is_null(json_object_get(item, keys[i])))
			return verr(x, line, path, N_("'%s' has no %s (required in ciiguard's own catalog)"), id, keys[i]);
	if ((result = member(x, item, path, line, "source", VT_MAP, false, &src)) != CG_OK)
		return result;
	if (src) {
		unsigned sl = line_of(x, item, "source", 0);
		path_key(p, path, "source");
		if ((result = check_keys(x, src, source_keys)) != CG_OK ||
		    (result = member(x, src, p, sl, "law", VT_STRING, true, &v)) != CG_OK ||
		    (result = member(x, src, p, sl, "article", VT_TEXT, true, &v)) != CG_OK)
			return result;
	}
	if ((result = member(x, item, path, line, "effective", VT_DATE, false, &v)) != CG_OK)
		return result;
	return one_of(x, item, path, line, "confidence", confidence_values, false, &v);
}

/* An id or urn must be new among the items of one kind (`seen`: id -> [line]). */
static cg_code unique(struct vctx *x, json_t *seen, json_t *item, const char *path,
		      const char *key, const char *id)
{
	char p[PATH_LEN];
	json_t *first = json_object_get(seen, id);
	unsigned line = line_of(x, item, key, 0);

	path_key(p, path, key);
	if (first)
		return verr(x, line, p, N_("duplicate %s '%s' (first at line %u)"), key, id,
			    (unsigned)json_integer_value(json_array_get(first, 0)));
	if (json_object_set_new(seen, id, json_pack("[I]", (json_int_t)line)) != 0)
		return nomem(x->err);
	return CG_OK;
}

/* --- conditions (`when`) --- */

enum wtype { W_ANY, W_TEXT, W_ENUM, W_BOOL, W_COUNT, W_LEVEL, W_DATE, W_GROUP, W_NONE };

/* How the system record's fields may be tested; names not listed take any plain value. */
static const struct wfield {
	const char *name;
	enum wtype type;
	const char *const *values;
	bool nullable;
} wfields[] = {
	{ "id", W_TEXT, NULL, false },
	{ "name", W_TEXT, NULL, false },
	{ "owner", W_TEXT, NULL, false },
	{ "description", W_TEXT, NULL, false },
	{ "sector", W_ENUM, cg_sector_names, false },
	{ "supports_core_business", W_BOOL, NULL, false },
	{ "harm_if_compromised", W_ENUM, cg_harm_names, false },
	{ "cross_sector_impact", W_BOOL, NULL, false },
	{ "notified_cii", W_BOOL, NULL, false },
	{ "notified_at", W_DATE, NULL, true },
	{ "serves_cii_operators", W_BOOL, NULL, false },
	{ "ai", W_GROUP, NULL, true },
	{ "ai.kind", W_ENUM, cg_ai_kind_names, true },
	{ "ai.model_source", W_ENUM, cg_model_source_names, true },
	{ "ai.public_generative_service", W_BOOL, NULL, true },
	{ "data.pi_subjects", W_COUNT, NULL, false },
	{ "data.sensitive_pi_subjects", W_COUNT, NULL, false },
	{ "data.important_data", W_BOOL, NULL, false },
	{ "data.core_data", W_BOOL, NULL, false },
	{ "users", W_COUNT, NULL, false },
	{ "mlps_level", W_LEVEL, NULL, true },
	{ "links", W_NONE, NULL, false },
	{ "status", W_ENUM, cg_status_names, false },
};

static const struct wfield any_field = { "", W_ANY, NULL, true };

/* The field `name` of the system record, or NULL when the record has none. */
static const struct wfield *when_field(const char *name)
{
	bool in_record = strcmp(name, "ai") == 0;

	for (const char *const *f = cg_system_field_names; *f && !in_record; f++)
		in_record = strcmp(*f, name) == 0;
	if (!in_record)
		return NULL;
	for (size_t i = 0; i < sizeof wfields / sizeof wfields[0]; i++)
		if (strcmp(wfields[i].name, name) == 0)
			return &wfields[i];
	return &any_field;
}

/* "expected <what>, got <the number or the type found>". */
static cg_code bad_number(struct vctx *x, const json_t *v, const char *what, const char *path,
			  unsigned line)
{
	char got[32];

	if (json_is_integer(v))
		snprintf(got, sizeof got, "%lld", (long long)json_integer_value(v));
	else
		snprintf(got, sizeof got, "%s", tr(x, type_name(v)));
	return verr(x, line, path, N_("expected %s, got %s"), tr(x, what), got);
}

static cg_code check_value(struct vctx *x, const struct wfield *f, const json_t *v,
			   const char *path, unsigned line)
{
	char list[512];

	if (json_is_null(v) && f->nullable && f->type != W_GROUP)
		return CG_OK;
	switch (f->type) {
	case W_ANY:
		if (json_is_object(v) || json_is_array(v))
			return verr(x, line, path, N_("expected a plain value, got %s"), tr(x, type_name(v)));
		return CG_OK;
	case W_TEXT:
		return check_type(x, v, VT_STRING, path, line);
	case W_DATE:
		return check_type(x, v, VT_DATE, path, line);
	case W_BOOL:
		return check_type(x, v, VT_BOOL, path, line);
	case W_ENUM:
		join_names(list, sizeof list, f->values);
		if (!json_is_string(v))
			return verr(x, line, path, N_("expected one of %s, got %s"), list, tr(x, type_name(v)));
		if (name_index(f->values, json_string_value(v)) < 0)
			return verr(x, line, path, N_("'%s' is not one of: %s"), json_string_value(v), list);
		return CG_OK;
	case W_COUNT:
	case W_LEVEL:
		if (!json_is_integer(v) || json_integer_value(v) < (f->type == W_LEVEL) ||
		    (f->type == W_LEVEL && json_integer_value(v) > 5))
			return bad_number(x, v, f->type == W_LEVEL ? N_("a level from 1 to 5") : N_("a whole number"),
					  path, line);
		return CG_OK;
	case W_GROUP:
		return verr(x, line, path, N_("only {present: true|false} tests the group '%s'"), f->name);
	case W_NONE:
		return verr(x, line, path, N_("'%s' cannot be tested; use linked_to for links"), f->name);
	}
	return CG_OK;
}

/* One field's test: a value (equality), {in: [...]}, {at_least: N} or {present: B}. */
static cg_code check_test(struct vctx *x, const struct wfield *f, json_t *test,
			  const char *path, unsigned line)
{
	char p[PATH_LEN], pi[PATH_LEN];
	const char *form;
	json_t *v, *item;
	size_t i;
	cg_code result;

	if (!json_is_object(test))
		return check_value(x, f, test, path, line);
	if (f->type == W_NONE)
		return check_value(x, f, test, path, line);
	form = json_object_size(test) == 1 ? json_object_iter_key(json_object_iter(test)) : "";
	v = json_object_get(test, form);
	path_key(p, path, form);
	if (strcmp(form, "present") == 0)
		return check_type(x, v, VT_BOOL, p, line_of(x, test, form, 0));
	if (f->type == W_GROUP)
		return check_value(x, f, test, path, line);
	if (strcmp(form, "in") == 0) {
		if (!json_is_array(v) || json_array_size(v) == 0)
			return verr(x, line_of(x, test, form, 0), p, N_("expected a list that is not empty"));
		json_array_foreach(v, i, item) {
			path_idx(pi, p, i);
			if ((result = check_value(x, f, item, pi, line_of(x, v, NULL, i))) != CG_OK)
				return result;
		}
		return CG_OK;
	}
	if (strcmp(form, "at_least") == 0) {
		if (f->type != W_COUNT && f->type != W_LEVEL && f->type != W_ANY)
			return verr(x, line_of(x, test, form, 0), p, N_("at_least applies to counts and levels only"));
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return bad_number(x, v, N_("a whole number"), p, line_of(x, test, form, 0));
		return CG_OK;
	}
	return verr(x, line, path, N_("expected a value, {in: [...]}, {at_least: N} or {present: true|false}"));
}

/* A `when` mapping: a conjunction of field tests, linked_to and any (a disjunction). */
static cg_code check_when(struct vctx *x, json_t *when, const char *path, unsigned line)
{
	char p[PATH_LEN], pi[PATH_LEN];
	const char *key;
	json_t *test, *item;
	size_t i;
	cg_code result;

	if ((result = check_type(x, when, VT_MAP, path, line)) != CG_OK)
		return result;
	json_object_foreach(when, key, test) {
		unsigned l = line_of(x, when, key, 0);
		const struct wfield *f;

		path_key(p, path, key);
		if (strcmp(key, "any") == 0) {
			if (!json_is_array(test) || json_array_size(test) == 0)
				return verr(x, l, p, N_("expected a list of conditions that is not empty"));
			json_array_foreach(test, i, item) {
				path_idx(pi, p, i);
				if ((result = check_when(x, item, pi, line_of(x, test, NULL, i))) != CG_OK)
					return result;
			}
		} else if (strcmp(key, "linked_to") == 0) {
			char list[128];
			if (!json_is_array(test) || json_array_size(test) == 0)
				return verr(x, l, p, N_("expected a list of screening results that is not empty"));
			join_names(list, sizeof list, perimeters);
			json_array_foreach(test, i, item) {
				path_idx(pi, p, i);
				if (!json_is_string(item) || name_index(perimeters, json_string_value(item)) < 0)
					return verr(x, line_of(x, test, NULL, i), pi, N_("expected one of %s, got %s"), list,
						    json_is_string(item) ? json_string_value(item) : tr(x, type_name(item)));
			}
		} else if (!(f = when_field(key))) {
			return verr(x, l, p, N_("'%s' is not a field of the system record"), key);
		} else if ((result = check_test(x, f, test, p, l)) != CG_OK) {
			return result;
		}
	}
	return CG_OK;
}

/* --- the items --- */

/* A duration: {UNIT: N} with one unit of duration_units and a whole number. */
static cg_code check_duration(struct vctx *x, json_t *d, const char *path, unsigned line)
{
	char list[128];
	const char *unit;
	json_t *n;
	cg_code result = check_type(x, d, VT_MAP, path, line);

	if (result != CG_OK)
		return result;
	join_names(list, sizeof list, duration_units);
	unit = json_object_size(d) == 1 ? json_object_iter_key(json_object_iter(d)) : NULL;
	if (!unit || name_index(duration_units, unit) < 0)
		return verr(x, line, path, N_("expected a duration {UNIT: N} with one of the units %s"), list);
	n = json_object_get(d, unit);
	if (!json_is_integer(n) || json_integer_value(n) < 0)
		return bad_number(x, n, N_("a whole number"), path, line_of(x, d, unit, 0));
	return CG_OK;
}

/* `sanction`: the id of a penalty, or {id, also: [ids]}. */
static cg_code check_sanction(struct vctx *x, json_t *node, const char *path, unsigned line)
{
	char p[PATH_LEN];
	json_t *v, *item, *also;
	cg_code result;
	(void)line;

	if ((v = json_object_get(node, "sanction")) && !json_is_null(v) && !json_is_string(v)) {
		unsigned sl = line_of(x, node, "sanction", 0);
		path_key(p, path, "sanction");
		if (!json_is_object(v))
			return verr(x, sl, p, N_("expected the id of a penalty, or {id: ..., also: [...]}, got %s"),
				    tr(x, type_name(v)));
		if ((result = check_keys(x, v, sanction_keys)) != CG_OK ||
		    (result = member(x, v, p, sl, "id", VT_STRING, true, &item)) != CG_OK)
			return result;
		if ((also = json_object_get(v, "also")) && !json_is_string(also) &&
		    (result = string_list(x, v, p, sl, "also", NULL, false)) != CG_OK)
			return result;
	}
	return CG_OK;
}

/* clock {party, within, from}, deadline {within, from, confidence, note}, retention {at_least},
 * thresholds {NAME: N, ...}. */
static cg_code check_timing(struct vctx *x, json_t *node, const char *path, unsigned line)
{
	char p[PATH_LEN], pk[PATH_LEN];
	const char *key;
	json_t *v, *w;
	unsigned l;
	cg_code result;

	if ((result = member(x, node, path, line, "deadline", VT_MAP, false, &v)) != CG_OK)
		return result;
	if (v) {
		l = line_of(x, node, "deadline", 0);
		path_key(p, path, "deadline");
		if ((result = check_keys(x, v, deadline_keys)) != CG_OK ||
		    (result = one_of(x, v, p, l, "from", deadline_events, true, &w)) != CG_OK ||
		    (result = one_of(x, v, p, l, "confidence", confidence_values, true, &w)) != CG_OK ||
		    (result = check_text(x, v, p, l, "note", "deadline")) != CG_OK ||
		    (result = member(x, v, p, l, "within", VT_MAP, true, &w)) != CG_OK)
			return result;
		path_key(pk, p, "within");
		if ((result = check_duration(x, w, pk, line_of(x, v, "within", 0))) != CG_OK)
			return result;
	}

	if ((result = member(x, node, path, line, "clock", VT_MAP, false, &v)) != CG_OK)
		return result;
	if (v) {
		l = line_of(x, node, "clock", 0);
		path_key(p, path, "clock");
		if ((result = check_keys(x, v, clock_keys)) != CG_OK ||
		    (result = member(x, v, p, l, "party", VT_STRING, false, &w)) != CG_OK ||
		    (result = member(x, v, p, l, "from", VT_STRING, true, &w)) != CG_OK ||
		    (result = member(x, v, p, l, "within", VT_MAP, true, &w)) != CG_OK)
			return result;
		path_key(pk, p, "within");
		if ((result = check_duration(x, w, pk, line_of(x, v, "within", 0))) != CG_OK)
			return result;
	}
	if ((result = member(x, node, path, line, "retention", VT_MAP, false, &v)) != CG_OK)
		return result;
	if (v) {
		l = line_of(x, node, "retention", 0);
		path_key(p, path, "retention");
		if ((result = check_keys(x, v, (const char *const[]){ "at_least", NULL })) != CG_OK ||
		    (result = member(x, v, p, l, "at_least", VT_MAP, true, &w)) != CG_OK)
			return result;
		path_key(pk, p, "at_least");
		if ((result = check_duration(x, w, pk, line_of(x, v, "at_least", 0))) != CG_OK)
			return result;
	}
	if ((result = member(x, node, path, line, "thresholds", VT_MAP, false, &v)) != CG_OK)
		return result;
	path_key(p, path, "thresholds");
	json_object_foreach(v, key, w) {
		path_key(pk, p, key);
		if ((result = check_type(x, w, VT_INT, pk, line_of(x, v, key, 0))) != CG_OK)
			return result;
	}
	return CG_OK;
}

static cg_code check_node(struct vctx *x, json_t *seen, json_t *node, const char *path, unsigned line)
{
	char p[PATH_LEN], pi[PATH_LEN];
	const char *urn, *parent_urn = NULL;
	json_t *v, *parent = NULL, *depth, *item, *zh;
	json_int_t d = -1;
	size_t i;
	cg_code result;

	if ((result = check_type(x, node, VT_MAP, path, line)) != CG_OK ||
	    (result = check_keys(x, node, node_keys)) != CG_OK ||
	    (result = ident(x, node, path, line, "urn", &urn)) != CG_OK)
		return result;
	if ((result = member(x, node, path, line, "parent_urn", VT_STRING, false, &v)) != CG_OK)
		return result;
	if (v) {
		parent_urn = json_string_value(v);
		path_key(p, path, "parent_urn");
		if (!(parent = json_object_get(seen, parent_urn)))
			return verr(x, line_of(x, node, "parent_urn", 0), p,
				    N_("'%s' is not the urn of an earlier requirement node"), parent_urn);
	}
	if ((result = member(x, node, path, line, "depth", VT_INT, false, &depth)) != CG_OK)
		return result;
	if (depth) {
		json_int_t pd = parent ? json_integer_value(json_array_get(parent, 1)) : -1;
		d = json_integer_value(depth);
		path_key(p, path, "depth");
		if (d < 1)
			return verr(x, line_of(x, node, "depth", 0), p, N_("expected an integer of at least 1, got %lld"),
				    (long long)d);
		if (pd > 0 && d != pd + 1)
			return verr(x, line_of(x, node, "depth", 0), p,
				    N_("%lld does not follow from the depth %lld of the parent '%s' (expected %lld)"),
				    (long long)d, (long long)pd, parent_urn, (long long)pd + 1);
	}
	if ((result = unique(x, seen, node, path, "urn", urn)) != CG_OK)
		return result;
	if (json_array_append_new(json_object_get(seen, urn), json_integer(d)) != 0)
		return nomem(x->err);
	if ((result = member(x, node, path, line, "assessable", VT_BOOL, false, &v)) != CG_OK ||
	    (result = member(x, node, path, line, "ref_id", VT_TEXT, false, &v)) != CG_OK ||
	    (result = member(x, node, path, line, "name", VT_STRING, x->strict, &v)) != CG_OK ||
	    (result = member(x, node, path, line, "description", VT_STRING, false, &v)) != CG_OK ||
	    (result = member(x, node, path, line, "annotation", VT_STRING, false, &v)) != CG_OK ||
	    (result = member(x, node, path, line, "typical_evidence", VT_STRING, false, &v)) != CG_OK ||
	    (result = string_list(x, node, path, line, "implementation_groups", NULL, false)) != CG_OK ||
	    (result = check_translations(x, node, path, line)) != CG_OK)
		return result;
	zh = json_object_get(json_object_get(node, "translations"), "zh");
	if (x->strict && !json_is_string(json_object_get(zh, "name")))
		return verr(x, line, path, N_("'%s' has no %s (required in ciiguard's own catalog)"), urn,
			    "translations.zh.name");
	/* ciiguard's keys */
	if ((result = check_provenance(x, node, path, line, urn)) != CG_OK ||
	    (result = one_of(x, node, path, line, "kind", kind_values, false, &v)) != CG_OK ||
	    (result = string_list(x, node, path, line, "applies_to", applies_to_values, true)) != CG_OK ||
	    (result = string_list(x, node, path, line, "maps_to", NULL, false)) != CG_OK ||
	    (result = string_list(x, node, path, line, "supports", NULL, false)) != CG_OK ||
	    (result = check_timing(x, node, path, line)) != CG_OK)
		return result;
	if ((result = member(x, node, path, line, "applies_when", VT_MAP, false, &v)) != CG_OK)
		return result;
	if (v) {
		path_key(p, path, "applies_when");
		if ((result = check_when(x, v, p, line_of(x, node, "applies_when", 0))) != CG_OK)
			return result;
	}
	if ((v = json_object_get(node, "cadence")) && !json_is_null(v)) {
		path_key(p, path, "cadence");
		if (json_is_object(v)) {
			json_t *n;
			unsigned cl = line_of(x, node, "cadence", 0);
			if ((result = check_keys(x, v, (const char *const[]){ "every_days", NULL })) != CG_OK ||
			    (result = member(x, v, p, cl, "every_days", VT_INT, true, &n)) != CG_OK)
				return result;
			if (json_integer_value(n) < 1)
				return verr(x, line_of(x, v, "every_days", 0), p,
					    N_("every_days: expected a number of days of at least 1"));
		} else if ((result = one_of(x, node, path, line, "cadence", cadence_values, false, &v)) != CG_OK) {
			return result;
		}
	}
	if ((result = member(x, node, path, line, "evidence", VT_LIST, false, &v)) != CG_OK)
		return result;
	path_key(p, path, "evidence");
	json_array_foreach(v, i, item) {
		char label[PATH_LEN];
		path_idx(pi, p, i);
		path_idx(label, "evidence", i);
		if ((result = check_text_value(x, item, pi, line_of(x, v, NULL, i), urn, label)) != CG_OK)
			return result;
	}
	return check_sanction(x, node, path, line);
}

static cg_code check_fine(struct vctx *x, json_t *item, const char *path, unsigned line, const char *key)
{
	static const char *const pairs[][2] = { { "min_cny", "max_cny" },
						{ "min_times_amount", "max_times_amount" } };
	char p[PATH_LEN];
	json_t *fine, *lo, *hi;
	unsigned fl = line_of(x, item, key, 0);
	cg_code result = member(x, item, path, line, key, VT_MAP, false, &fine);

	if (result != CG_OK || !fine)
		return result;
	path_key(p, path, key);
	if ((result = check_keys(x, fine, fine_keys)) != CG_OK)
		return result;
	for (int i = 0; i < 2; i++) {
		if ((result = member(x, fine, p, fl, pairs[i][0], VT_INT, false, &lo)) != CG_OK ||
		    (result = member(x, fine, p, fl, pairs[i][1], VT_INT, false, &hi)) != CG_OK)
			return result;
		if ((lo && json_integer_value(lo) < 0) || (hi && json_integer_value(hi) < 0))
			return verr(x, fl, p, N_("amounts cannot be negative"));
		if (lo && hi && json_integer_value(lo) > json_integer_value(hi))
			return verr(x, fl, p, N_("%s (%lld) is more than %s (%lld)"), pairs[i][0],
				    (long long)json_integer_value(lo), pairs[i][1], (long long)json_integer_value(hi));
	}
	return CG_OK;
}

enum item_kind { ITEM_RULE, ITEM_PENALTY, ITEM_SCENARIO, ITEM_CRITERION, ITEM_REPORTING, ITEM_CALENDAR, ITEM_RRULE };

/* A calendar year: holidays as [first, last] date ranges, make-up working days as dates. */
static cg_code check_calendar(struct vctx *x, json_t *item, const char *path, unsigned line)
{
	char p[PATH_LEN], pi[PATH_LEN], pj[PATH_LEN];
	json_t *v, *list, *range, *d;
	size_t i, j;
	cg_code result;

	if ((result = member(x, item, path, line, "year", VT_INT, true, &v)) != CG_OK ||
	    (result = member(x, item, path, line, "holidays", VT_LIST, true, &list)) != CG_OK)
		return result;
	path_key(p, path, "holidays");
	json_array_foreach(list, i, range) {
		unsigned rl = line_of(x, list, NULL, i);
		path_idx(pi, p, i);
		if ((result = check_type(x, range, VT_LIST, pi, rl)) != CG_OK)
			return result;
		if (json_array_size(range) != 2)
			return verr(x, rl, pi, N_("expected [first day, last day]"));
		json_array_foreach(range, j, d) {
			path_idx(pj, pi, j);
			if ((result = check_type(x, d, VT_DATE, pj, rl)) != CG_OK)
				return result;
		}
		if (strcmp(json_string_value(json_array_get(range, 0)), json_string_value(json_array_get(range, 1))) > 0)
			return verr(x, rl, pi, N_("expected [first day, last day]"));
	}
	if ((result = member(x, item, path, line, "workdays", VT_LIST, false, &list)) != CG_OK)
		return result;
	path_key(p, path, "workdays");
	json_array_foreach(list, i, d) {
		path_idx(pi, p, i);
		if ((result = check_type(x, d, VT_DATE, pi, line_of(x, list, NULL, i))) != CG_OK)
			return result;
	}
	return CG_OK;
}

static cg_code check_rrule(struct vctx *x, json_t *item, const char *path, unsigned line)
{
	static const char *const registers[] = { "vendor", "agreement", "procurement", "person", "decision",
		"assessment", "plan", "drill", "change", "pentest", "vulnerability", "filing", "pi_audit", "inspection", NULL };
	char p[PATH_LEN], pk[PATH_LEN];
	const char *key;
	json_t *v, *w;
	cg_code result;

	if ((result = one_of(x, item, path, line, "register", registers, true, &v)) != CG_OK ||
	    (result = one_of(x, item, path, line, "rule", rrule_names, true, &v)) != CG_OK ||
	    (result = string_list(x, item, path, line, "applies_to", perimeters, false)) != CG_OK ||
	    (result = string_list(x, item, path, line, "categories", NULL, false)) != CG_OK ||
	    (result = string_list(x, item, path, line, "fields", NULL, false)) != CG_OK ||
	    (result = member(x, item, path, line, "proves", VT_STRING, false, &v)) != CG_OK ||
	    (result = member(x, item, path, line, "thresholds", VT_MAP, false, &v)) != CG_OK)
		return result;
	path_key(p, path, "thresholds");
	json_object_foreach(v, key, w) {
		path_key(pk, p, key);
		if ((result = check_type(x, w, VT_INT, pk, line_of(x, v, key, 0))) != CG_OK)
			return result;
	}
	/* The figures each rule reads: required, so that no figure of law hides in C as a default. */
	static const struct { const char *rule, *const needs[5]; } figures[] = {
		{ "agreement_renewal", { "notice_days" } },
		{ "review_clocks", { "decide_working_days", "preliminary_working_days", "complex_extra_working_days",
				     "special_working_days" } },
		{ "key_position_staffing", { "people_per_position" } },
		{ "training_hours", { "hours_per_year" } },
		{ "ban", { "administrative_years" } },
		{ "annual_assessment", { "every_days" } },
		{ "drill_cadence", { "every_days" } },
		{ "change_report", { "report_days", "reidentify_months" } },
		{ "vulnerability_report", { "report_days" } },
		{ "filing_clocks", { "launch_working_days", "change_working_days", "cancel_working_days" } },
		{ "pi_audit_cadence", { "pi_subjects_over", "every_days" } },
	};
	const char *rule = json_string_value(json_object_get(item, "rule"));
	for (size_t i = 0; i < sizeof figures / sizeof figures[0]; i++) {
		if (strcmp(figures[i].rule, rule) != 0)
			continue;
		for (size_t k = 0; k < 5 && figures[i].needs[k]; k++)
			if (!json_is_integer(json_object_get(v, figures[i].needs[k])))
				return verr(x, line, path, N_("rule '%s' needs thresholds.%s (a whole number)"), rule,
					    figures[i].needs[k]);
	}
	return check_sanction(x, item, path, line);
}

/* A duration of an incident clock: minutes, hours or days. */
static cg_code check_clock(struct vctx *x, json_t *obj, const char *path, unsigned line, const char *key,
			   bool required)
{
	char p[PATH_LEN], list[64];
	json_t *d;
	cg_code result = member(x, obj, path, line, key, VT_MAP, required, &d);

	if (result != CG_OK || !d)
		return result;
	path_key(p, path, key);
	line = line_of(x, obj, key, 0);
	if ((result = check_duration(x, d, p, line)) != CG_OK)
		return result;
	join_names(list, sizeof list, clock_units);
	if (name_index(clock_units, json_object_iter_key(json_object_iter(d))) < 0)
		return verr(x, line, p, N_("expected a duration in one of the units %s"), list);
	return CG_OK;
}

/* `when` of grading: input keys of type bool (true or false) or enum (a list of its values). */
static cg_code check_grade_when(struct vctx *x, json_t *obj, const char *path, unsigned line)
{
	char p[PATH_LEN], pk[PATH_LEN];
	const char *key;
	json_t *when, *v;
	cg_code result = member(x, obj, path, line, "when", VT_MAP, false, &when);

	if (result != CG_OK || !when)
		return result;
	path_key(p, path, "when");
	line = line_of(x, obj, "when", 0);
	json_object_foreach(when, key, v) {
		const struct cg_grade_input *g = cg_grade_input_find(key);
		path_key(pk, p, key);
		if (!g || (g->type != CG_G_BOOL && g->type != CG_G_ENUM))
			return verr(x, line_of(x, when, key, 0), pk,
				    N_("'%s' is not an incident input that can be tested (a yes/no or a choice)"), key);
		if (g->type == CG_G_BOOL && (result = check_type(x, v, VT_BOOL, pk, line_of(x, when, key, 0))) != CG_OK)
			return result;
		if (g->type == CG_G_ENUM && (result = string_list(x, when, p, line, key, g->values, true)) != CG_OK)
			return result;
	}
	return CG_OK;
}

static cg_code check_criterion(struct vctx *x, json_t *item, const char *path, unsigned line)
{
	char p[PATH_LEN], pt[PATH_LEN];
	const struct cg_grade_input *g;
	json_t *v, *tiers, *tier;
	size_t i;
	cg_code result;

	if ((result = member(x, item, path, line, "input", VT_STRING, true, &v)) != CG_OK)
		return result;
	g = cg_grade_input_find(json_string_value(v));
	path_key(p, path, "input");
	if (!g || g->type == CG_G_TIME || g->type == CG_G_BOOL)
		return verr(x, line_of(x, item, "input", 0), p,
			    N_("'%s' is not an incident figure (a number or a choice of the grading input)"),
			    json_string_value(v));
	if ((result = member(x, item, path, line, "tiers", VT_LIST, true, &tiers)) != CG_OK)
		return result;
	path_key(p, path, "tiers");
	if (json_array_size(tiers) == 0)
		return verr(x, line_of(x, item, "tiers", 0), p, N_("expected a list that is not empty"));
	json_array_foreach(tiers, i, tier) {
		unsigned tl = line_of(x, tiers, NULL, i);
		json_t *least, *in;
		path_idx(pt, p, i);
		if ((result = check_type(x, tier, VT_MAP, pt, tl)) != CG_OK ||
		    (result = check_keys(x, tier, tier_keys)) != CG_OK ||
		    (result = one_of(x, tier, pt, tl, "grade", tier_grades, true, &v)) != CG_OK ||
		    (result = one_of(x, tier, pt, tl, "confidence", confidence_values, x->strict, &v)) != CG_OK ||
		    (result = member(x, tier, pt, tl, "at_least", VT_INT, false, &least)) != CG_OK ||
		    (result = string_list(x, tier, pt, tl, "in", g->type == CG_G_ENUM ? g->values : NULL, true)) != CG_OK ||
		    (result = check_grade_when(x, tier, pt, tl)) != CG_OK)
			return result;
		in = json_object_get(tier, "in");
		if (!least == !in || (least && g->type == CG_G_ENUM) || (in && g->type != CG_G_ENUM))
			return verr(x, tl, pt, g->type == CG_G_ENUM ? N_("expected 'in': a list of the values that meet the tier") :
					       N_("expected 'at_least': the figure that meets the tier"));
		if (least && json_integer_value(least) < 0)
			return verr(x, tl, pt, N_("amounts cannot be negative"));
	}
	return CG_OK;
}

static cg_code check_reporting(struct vctx *x, json_t *item, const char *path, unsigned line)
{
	char p[PATH_LEN], pe[PATH_LEN];
	json_t *kind, *v, *list, *e;
	const char *name;
	size_t i;
	cg_code result;

	if ((result = one_of(x, item, path, line, "kind", reporting_kinds, true, &kind)) != CG_OK ||
	    (result = one_of(x, item, path, line, "min_grade", cg_grade_names, true, &v)) != CG_OK ||
	    (result = check_grade_when(x, item, path, line)) != CG_OK)
		return result;
	bool later = name_index(reporting_kinds, json_string_value(kind)) >= 2;
	if ((result = check_clock(x, item, path, line, "within", later)) != CG_OK ||
	    (result = member(x, item, path, line, "recipients", VT_LIST, !later, &list)) != CG_OK)
		return result;
	path_key(p, path, "recipients");
	json_array_foreach(list, i, e) {
		unsigned el = line_of(x, list, NULL, i);
		path_idx(pe, p, i);
		if ((result = check_type(x, e, VT_MAP, pe, el)) != CG_OK ||
		    (result = check_keys(x, e, recipient_keys)) != CG_OK ||
		    (result = ident(x, e, pe, el, "recipient", &name)) != CG_OK ||
		    (result = check_clock(x, e, pe, el, "within", false)) != CG_OK)
			return result;
	}
	if ((result = member(x, item, path, line, "escalations", VT_LIST, false, &list)) != CG_OK)
		return result;
	path_key(p, path, "escalations");
	json_array_foreach(list, i, e) {
		unsigned el = line_of(x, list, NULL, i);
		path_idx(pe, p, i);
		if ((result = check_type(x, e, VT_MAP, pe, el)) != CG_OK ||
		    (result = check_keys(x, e, escalation_keys)) != CG_OK ||
		    (result = ident(x, e, pe, el, "by", &name)) != CG_OK ||
		    (result = string_list(x, e, pe, el, "to", NULL, true)) != CG_OK ||
		    (result = member(x, e, pe, el, "to", VT_LIST, true, &v)) != CG_OK ||
		    (result = one_of(x, e, pe, el, "min_grade", cg_grade_names, false, &v)) != CG_OK ||
		    (result = check_clock(x, e, pe, el, "within", true)) != CG_OK)
			return result;
	}
	return CG_OK;
}

static cg_code check_item(struct vctx *x, enum item_kind k, json_t *seen, json_t *item,
			  const char *path, unsigned line)
{
	static const char *const *const keys[] = { rule_keys, penalty_keys, scenario_keys, criterion_keys,
						   reporting_keys, calendar_keys, rrule_keys };
	const char *id;
	json_t *v, *refines;
	cg_code result;

	if ((result = check_type(x, item, VT_MAP, path, line)) != CG_OK ||
	    (result = check_keys(x, item, keys[k])) != CG_OK ||
	    (result = ident(x, item, path, line, "id", &id)) != CG_OK ||
	    (result = unique(x, seen, item, path, "id", id)) != CG_OK)
		return result;
	if (k == ITEM_RULE) {
		if ((result = member(x, item, path, line, "refines", VT_BOOL, false, &refines)) != CG_OK ||
		    (result = one_of(x, item, path, line, "perimeter", perimeters, !json_is_true(refines), &v)) != CG_OK)
			return result;
	}
	if (k == ITEM_CRITERION && (result = check_criterion(x, item, path, line)) != CG_OK)
		return result;
	if (k == ITEM_REPORTING && (result = check_reporting(x, item, path, line)) != CG_OK)
		return result;
	if (k == ITEM_CALENDAR && (result = check_calendar(x, item, path, line)) != CG_OK)
		return result;
	if (k == ITEM_RRULE && (result = check_rrule(x, item, path, line)) != CG_OK)
		return result;
	if (k == ITEM_PENALTY) {
		if ((result = check_fine(x, item, path, line, "entity")) != CG_OK ||
		    (result = check_fine(x, item, path, line, "persons")) != CG_OK ||
		    (result = check_fine(x, item, path, line, "optional_fine")) != CG_OK ||
		    (result = string_list(x, item, path, line, "measures", NULL, false)) != CG_OK ||
		    (result = one_of(x, item, path, line, "fine_when", fine_when_values, false, &v)) != CG_OK ||
		    (result = member(x, item, path, line, "bans", VT_MAP, false, &v)) != CG_OK ||
		    (v && (result = check_keys(x, v, bans_keys)) != CG_OK))
			return result;
	} else if (k == ITEM_RULE || k == ITEM_SCENARIO) {
		char p[PATH_LEN];
		if ((result = member(x, item, path, line, "when", VT_MAP, true, &v)) != CG_OK)
			return result;
		path_key(p, path, "when");
		if ((result = check_when(x, v, p, line_of(x, item, "when", 0))) != CG_OK ||
		    (result = string_list(x, item, path, line, "duties", NULL, false)) != CG_OK)
			return result;
	}
	if ((result = check_text(x, item, path, line, "text", id)) != CG_OK)
		return result;
	return check_provenance(x, item, path, line, id);
}

static cg_code check_items(struct vctx *x, json_t *objects, unsigned line, const char *key,
			   enum item_kind k)
{
	char p[PATH_LEN];
	json_t *list, *item, *seen;
	size_t i;
	cg_code result = member(x, objects, "objects", line, key, VT_LIST, false, &list);

	if (result != CG_OK || !list)
		return result;
	if (!(seen = json_object()))
		return nomem(x->err);
	json_array_foreach(list, i, item) {
		path_idx(p, key, i);
		if ((result = check_item(x, k, seen, item, p, line_of(x, list, NULL, i))) != CG_OK)
			break;
	}
	json_decref(seen);
	return result;
}

/*
 * A text whose `en` is the key sources cite it by (a law's name, an article label): {en, zh},
 * or with `allow_string` a plain string outside ciiguard's own catalog. *en is that English
 * text; `id` (NULL: the English text) and `label` name it in messages.
 */
static cg_code check_cited(struct vctx *x, json_t *t, const char *path, unsigned line, const char *id,
			   const char *label, bool allow_string, const char **en)
{
	char pe[PATH_LEN];
	cg_code result;

	*en = NULL;
	if (!t || json_is_null(t))
		return verr(x, line, path, N_("is required (%s)"),
			    tr(x, vt_expected[allow_string && !x->strict ? VT_STRING : VT_MAP]));
	if (!allow_string && (result = check_type(x, t, VT_MAP, path, line)) != CG_OK)
		return result;
	*en = json_is_string(t) ? json_string_value(t) : json_string_value(json_object_get(t, "en"));
	if ((result = check_text_value(x, t, path, line, id ? id : *en ? *en : path, label)) != CG_OK)
		return result;
	if (!*en) {
		path_key(pe, path, "en");
		return verr(x, line, pe, N_("is required (%s)"), tr(x, vt_expected[VT_STRING]));
	}
	return CG_OK;
}

/*
 * objects.laws: the laws that sources cite, each by its English name (name.en, the text of
 * source.law), with its Chinese name and the Chinese of the article labels that are not article
 * numbers (docs/catalog-format.md, "Laws and citations").
 */
static cg_code check_laws(struct vctx *x, json_t *objects, unsigned oline)
{
	char p[PATH_LEN], pn[PATH_LEN], pa[PATH_LEN], pi[PATH_LEN], lab[PATH_LEN];
	json_t *list, *law, *arts, *a, *seen, *labels = NULL;
	size_t i, j;
	cg_code result = member(x, objects, "objects", oline, "laws", VT_LIST, false, &list);

	if (result != CG_OK || !list)
		return result;
	if (!(seen = json_object()))
		return nomem(x->err);
	json_array_foreach(list, i, law) {
		unsigned line = line_of(x, list, NULL, i);
		const char *name, *label;
		path_idx(p, "laws", i);
		path_key(pn, p, "name");
		if ((result = check_type(x, law, VT_MAP, p, line)) != CG_OK ||
		    (result = check_keys(x, law, law_keys)) != CG_OK ||
		    (result = check_cited(x, json_object_get(law, "name"), pn,
					  json_object_get(law, "name") ? line_of(x, law, "name", 0) : line,
					  NULL, "name", true, &name)) != CG_OK ||
		    (result = unique(x, seen, law, p, "name", name)) != CG_OK ||
		    (result = member(x, law, p, line, "articles", VT_LIST, false, &arts)) != CG_OK)
			break;
		if (!arts)
			continue;
		if (!(labels = json_object())) {
			result = nomem(x->err);
			break;
		}
		path_key(pa, p, "articles");
		json_array_foreach(arts, j, a) {
			path_idx(pi, pa, j);
			path_idx(lab, "articles", j);
			if ((result = check_cited(x, a, pi, line_of(x, arts, NULL, j), name, lab, false, &label)) != CG_OK ||
			    (result = unique(x, labels, a, pi, "en", label)) != CG_OK)
				break;
		}
		json_decref(labels);
		if (result != CG_OK)
			break;
	}
	json_decref(seen);
	return result;
}

static cg_code check_framework(struct vctx *x, json_t *objects, unsigned oline)
{
	char p[PATH_LEN];
	const char *urn;
	json_t *fw, *v, *nodes, *node, *seen;
	unsigned line = line_of(x, objects, "framework", 0);
	size_t i;
	cg_code result = member(x, objects, "objects", oline, "framework", VT_MAP, false, &fw);

	if (result != CG_OK || !fw)
		return result;
	if ((result = check_keys(x, fw, framework_keys)) != CG_OK ||
	    (result = ident(x, fw, "framework", line, "urn", &urn)) != CG_OK ||
	    (result = member(x, fw, "framework", line, "ref_id", VT_TEXT, false, &v)) != CG_OK ||
	    (result = member(x, fw, "framework", line, "name", VT_STRING, true, &v)) != CG_OK ||
	    (result = member(x, fw, "framework", line, "description", VT_STRING, false, &v)) != CG_OK ||
	    (result = member(x, fw, "framework", line, "annotation", VT_STRING, false, &v)) != CG_OK ||
	    (result = member(x, fw, "framework", line, "min_score", VT_INT, false, &v)) != CG_OK ||
	    (result = member(x, fw, "framework", line, "max_score", VT_INT, false, &v)) != CG_OK ||
	    (result = member(x, fw, "framework", line, "scores_definition", VT_LIST, false, &v)) != CG_OK ||
	    (result = member(x, fw, "framework", line, "implementation_groups_definition", VT_LIST, false, &v)) != CG_OK ||
	    (result = check_translations(x, fw, "framework", line)) != CG_OK ||
	    (result = member(x, fw, "framework", line, "requirement_nodes", VT_LIST, false, &nodes)) != CG_OK)
		return result;
	if (!nodes)
		return CG_OK;
	if (!(seen = json_object()))
		return nomem(x->err);
	json_array_foreach(nodes, i, node) {
		path_idx(p, "requirement_nodes", i);
		if ((result = check_node(x, seen, node, p, line_of(x, nodes, NULL, i))) != CG_OK)
			break;
	}
	json_decref(seen);
	return result;
}

/* Checks the shape of a library; unknown keys become warnings. */
static cg_code check_library(const char *file, const struct parsed *pl, bool strict,
			     struct cg_warnings *w, struct cg_error *err)
{
	struct vctx x = { file, &pl->lm, strict, err, err ? err->lang : CG_LANG_EN, NULL, 0 };
	json_t *root = pl->root, *v, *objects;
	const char *urn;
	unsigned line = pl->root_line;
	cg_code result;

	if (!json_is_object(root))
		return verr(&x, line, "", N_("expected a mapping (a library: urn, name, objects, ...), got %s"),
			    tr(&x, type_name(root)));
	if ((result = check_keys(&x, root, library_keys)) != CG_OK ||
	    (result = ident(&x, root, "", line, "urn", &urn)) != CG_OK ||
	    (result = member(&x, root, "", line, "name", VT_STRING, true, &v)) != CG_OK ||
	    (result = member(&x, root, "", line, "version", VT_INT, true, &v)) != CG_OK)
		goto out;
	if (json_integer_value(v) < 0 || json_integer_value(v) > INT32_MAX) {
		result = verr(&x, line_of(&x, root, "version", 0), "version",
			      N_("expected a whole number below 2^31, got %lld"), (long long)json_integer_value(v));
		goto out;
	}
	static const char *const texts[] = { "locale", "description", "annotation", "copyright",
					     "provider", "packager", "convert_library_version", NULL };
	for (int i = 0; texts[i]; i++)
		if ((result = member(&x, root, "", line, texts[i], VT_STRING, false, &v)) != CG_OK)
			goto out;
	if ((result = member(&x, root, "", line, "ref_id", VT_TEXT, false, &v)) != CG_OK ||
	    (result = member(&x, root, "", line, "publication_date", VT_DATE, false, &v)) != CG_OK ||
	    (result = check_translations(&x, root, "", line)) != CG_OK ||
	    (result = string_list(&x, root, "", line, "dependencies", NULL, false)) != CG_OK ||
	    (result = member(&x, root, "", line, "objects", VT_MAP, true, &objects)) != CG_OK)
		goto out;
	line = line_of(&x, root, "objects", 0);
	if ((result = check_keys(&x, objects, objects_keys)) != CG_OK ||
	    (result = check_framework(&x, objects, line)) != CG_OK ||
	    (result = check_items(&x, objects, line, "screening_rules", ITEM_RULE)) != CG_OK ||
	    (result = check_items(&x, objects, line, "penalties", ITEM_PENALTY)) != CG_OK ||
	    (result = check_items(&x, objects, line, "ai_scenarios", ITEM_SCENARIO)) != CG_OK ||
	    (result = check_items(&x, objects, line, "incident_criteria", ITEM_CRITERION)) != CG_OK ||
	    (result = check_items(&x, objects, line, "incident_reporting", ITEM_REPORTING)) != CG_OK ||
	    (result = check_items(&x, objects, line, "calendars", ITEM_CALENDAR)) != CG_OK ||
	    (result = check_items(&x, objects, line, "register_rules", ITEM_RRULE)) != CG_OK ||
	    (result = check_laws(&x, objects, line)) != CG_OK)
		goto out;
	for (size_t i = 0; i < x.nunk && result == CG_OK; i++) {
		if (x.unk[i].count == 1)
			result = warn(w, x.lang, file, x.unk[i].line, N_("unknown key '%s' kept"), x.unk[i].key);
		else
			result = warn(w, x.lang, file, x.unk[i].line, N_("unknown key '%s' kept (%zu times; the first is here)"),
				      x.unk[i].key, x.unk[i].count);
		if (result != CG_OK)
			result = nomem(err);
	}
out:
	for (size_t i = 0; i < x.nunk; i++)
		free(x.unk[i].key);
	free(x.unk);
	return result;
}

/* Reads and checks one library. */
static cg_code parse_library(const char *file, const char *data, size_t len, bool strict,
			     struct parsed *out, struct cg_warnings *w, struct cg_error *err)
{
	cg_code result = yaml_to_json(file, data, len, out, err);

	if (result == CG_OK && (result = check_library(file, out, strict, w, err)) != CG_OK)
		parsed_release(out);
	return result;
}

static const char *lib_urn(const json_t *lib)
{
	return json_string_value(json_object_get(lib, "urn"));
}

static json_t *lib_nodes(const json_t *lib)
{
	return json_object_get(json_object_get(json_object_get(lib, "objects"), "framework"),
			       "requirement_nodes");
}

/* Warns of each dependency of a library that is not among `loaded` (urn -> anything). */
static cg_code check_dependencies(const char *file, const struct parsed *pl, json_t *loaded,
				  struct cg_warnings *w, enum cg_lang lang)
{
	json_t *deps = json_object_get(pl->root, "dependencies"), *d;
	size_t i;

	json_array_foreach(deps, i, d) {
		const struct lm_entry *e = lm_get(&pl->lm, deps, NULL, i);
		if (!json_object_get(loaded, json_string_value(d)) &&
		    warn(w, lang, file, e ? e->vline : 1, N_("the dependency '%s' is not loaded"),
			 json_string_value(d)) != CG_OK)
			return CG_E_NOMEM;
	}
	return CG_OK;
}

/*
 * The urn -> [version, index] of the built-in libraries, read without checking (those are
 * checked when the catalog is opened; a test opens it).
 */
static cg_code builtin_index(json_t **out, struct cg_error *err)
{
	json_t *idx = json_object();

	if (!idx)
		return nomem(err);
	for (size_t i = 0; cg_builtin_catalogs[i].name; i++) {
		struct parsed p;
		struct cg_error ignore;
		const char *urn;

		cg_error_init(&ignore, CG_LANG_EN);
		if (yaml_to_json(cg_builtin_catalogs[i].name, (const char *)cg_builtin_catalogs[i].data,
				 *cg_builtin_catalogs[i].len, &p, &ignore) != CG_OK)
			continue;
		if ((urn = lib_urn(p.root)) &&
		    json_object_set_new(idx, urn, json_pack("[O,I]", json_object_get(p.root, "version") ?
							    json_object_get(p.root, "version") : json_null(),
							    (json_int_t)i)) != 0) {
			parsed_release(&p);
			json_decref(idx);
			return nomem(err);
		}
		parsed_release(&p);
	}
	*out = idx;
	return CG_OK;
}

cg_code cg_catalog_parse(const char *name, const char *data, size_t len, bool strict,
			 json_t **library, struct cg_warnings *w, struct cg_error *err)
{
	struct parsed p;
	json_t *loaded = NULL;
	cg_code result;

	*library = NULL;
	if ((result = parse_library(name, data, len, strict, &p, w, err)) != CG_OK)
		return result;
	if ((result = builtin_index(&loaded, err)) == CG_OK &&
	    json_object_set(loaded, lib_urn(p.root), json_null()) == 0)
		result = check_dependencies(name, &p, loaded, w, err ? err->lang : CG_LANG_EN);
	else if (result == CG_OK)
		result = CG_E_NOMEM;
	json_decref(loaded);
	if (result == CG_E_NOMEM)
		result = nomem(err);
	if (result == CG_OK) {
		*library = p.root;
		p.root = NULL;
	}
	parsed_release(&p);
	return result;
}

/* --- the loaded catalog --- */

static const char *const kinds[] = { "requirement_nodes", "screening_rules", "penalties", "ai_scenarios",
	"incident_criteria", "incident_reporting", "calendars", "register_rules" };
#define NKINDS (sizeof kinds / sizeof kinds[0])

struct lib {
	struct parsed p;
	char *file; /* the built-in file name, or the urn of an imported library */
	bool builtin;
};

struct cg_catalog {
	struct lib *libs;
	size_t n;
	json_t *items[NKINDS]; /* per kind, the items of all libraries in order */
	json_t *laws;          /* English name -> the first objects.laws entry of that name */
	char *version;
	struct cg_warnings warnings;
	/* cg_catalog_derived */
	void *derived;
	void *(*derived_build)(const struct cg_catalog *c);
	void (*derived_release)(void *);
};

void *cg_catalog_derived(const struct cg_catalog *c, void *(*build)(const struct cg_catalog *c),
			 void (*release)(void *))
{
	struct cg_catalog *m = (struct cg_catalog *)c; /* the cache is not the catalog's content */
	if (m->derived && m->derived_build == build)
		return m->derived;
	if (m->derived && m->derived_release)
		m->derived_release(m->derived);
	m->derived = build(c);
	m->derived_build = build;
	m->derived_release = release;
	return m->derived;
}

void cg_catalog_free(struct cg_catalog *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		parsed_release(&c->libs[i].p);
		free(c->libs[i].file);
	}
	free(c->libs);
	for (size_t k = 0; k < NKINDS; k++)
		json_decref(c->items[k]);
	json_decref(c->laws);
	if (c->derived && c->derived_release)
		c->derived_release(c->derived);
	free(c->version);
	cg_warnings_release(&c->warnings);
	free(c);
}

static json_t *kind_list(const json_t *lib, size_t k)
{
	return k == 0 ? lib_nodes(lib) : json_object_get(json_object_get(lib, "objects"), kinds[k]);
}

/* Warns of references to items that no loaded library has: sanctions, maps_to, duties. */
static cg_code check_references(struct cg_catalog *c, enum cg_lang lang)
{
	json_t *ids[NKINDS];
	cg_code result = CG_OK;

	for (size_t k = 0; k < NKINDS; k++) {
		json_t *item;
		size_t i;
		if (!(ids[k] = json_object()))
			result = CG_E_NOMEM;
		json_array_foreach(c->items[k], i, item) {
			const char *key = json_string_value(json_object_get(item, k ? "id" : "urn"));
			if (result == CG_OK && key && json_object_set(ids[k], key, json_null()) != 0)
				result = CG_E_NOMEM;
		}
	}
	for (size_t l = 0; l < c->n && result == CG_OK; l++) {
		struct lib *lib = &c->libs[l];
		for (size_t k = 0; k < NKINDS && result == CG_OK; k++) {
			json_t *list = kind_list(lib->p.root, k), *item;
			size_t i;
			json_array_foreach(list, i, item) {
				/* each reference: the list holding it (or NULL), its key, the kind it names */
				json_t *sanction = json_object_get(item, "sanction");
				struct { json_t *parent; const char *key; size_t kind; } refs[] = {
					{ item, "sanction", 2 }, { sanction, "id", 2 }, { sanction, "also", 2 },
					{ item, "maps_to", 0 }, { item, "duties", 0 }, { item, "supports", 0 }, { item, "proves", 0 },
				};
				for (size_t r = 0; r < sizeof refs / sizeof refs[0] && result == CG_OK; r++) {
					json_t *v = json_object_get(refs[r].parent, refs[r].key), *e;
					json_t *one = json_is_string(v) ? v : NULL;
					size_t j, n = one ? 1 : json_array_size(v);
					for (j = 0; j < n && result == CG_OK; j++) {
						const struct lm_entry *at;
						e = one ? one : json_array_get(v, j);
						if (!json_is_string(e) || json_object_get(ids[refs[r].kind], json_string_value(e)))
							continue;
						at = one ? lm_get(&lib->p.lm, refs[r].parent, refs[r].key, 0) :
							   lm_get(&lib->p.lm, v, NULL, j);
						result = warn(&c->warnings, lang, lib->file, at ? at->vline : 1,
							      refs[r].kind == 2 ? N_("%s: no loaded library has the penalty '%s'") :
							      N_("%s: no loaded library has the requirement node '%s'"),
							      refs[r].key, json_string_value(e));
					}
				}
			}
		}
	}
	for (size_t k = 0; k < NKINDS; k++)
		json_decref(ids[k]);
	return result;
}

/* --- laws and citations --- */

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* Copies the digits at *s (at most 9) into out at *at; false when there are none or no room. */
static bool take_number(const char **s, char *out, size_t n, size_t *at)
{
	size_t len = 0;

	while (is_digit((*s)[len]))
		len++;
	if (len == 0 || len > 9 || *at + len >= n)
		return false;
	memcpy(out + *at, *s, len);
	*at += len;
	out[*at] = '\0';
	*s += len;
	return true;
}

/*
 * The Chinese citation of a numbered article, the convention of Chinese legal texts: "17"
 * 第17条, "1-7" 第1-7条, "2, 9" 第2、9条, "24 ¶3" 第24条第3款, "15 (3)" 第15条第(3)项,
 * "9 ¶2 (2)" 第9条第2款第(2)项. False (out undefined) for any other text: a label, which the
 * catalog translates (objects.laws[].articles).
 */
static bool zh_article(const char *s, char *out, size_t n)
{
	char arts[64], para[16] = "", item[16] = "";
	size_t at = 0, pat = 0, iat = 0;

	for (;;) {
		if (!take_number(&s, arts, sizeof arts, &at))
			return false;
		if (s[0] == '-' && is_digit(s[1])) {
			s++;
			if (at + 1 >= sizeof arts)
				return false;
			arts[at++] = '-';
			if (!take_number(&s, arts, sizeof arts, &at))
				return false;
		}
		if (s[0] != ',' || s[1] != ' ')
			break;
		s += 2;
		if (at + sizeof "、" >= sizeof arts)
			return false;
		memcpy(arts + at, "、", sizeof "、");
		at += sizeof "、" - 1;
	}
	if (strncmp(s, " ¶", sizeof " ¶" - 1) == 0) {
		s += sizeof " ¶" - 1;
		if (!take_number(&s, para, sizeof para, &pat))
			return false;
	}
	if (s[0] == ' ' && s[1] == '(') {
		s += 2;
		if (!take_number(&s, item, sizeof item, &iat) || *s++ != ')')
			return false;
	}
	if (*s)
		return false;
	return snprintf(out, n, "第%s条%s%s%s%s%s%s", arts, *para ? "第" : "", para, *para ? "款" : "",
			*item ? "第(" : "", item, *item ? ")项" : "") < (int)n;
}

/* The English name of an objects.laws entry (a string, or name.en). */
static const char *law_name(const json_t *law)
{
	json_t *name = json_object_get(law, "name");
	return json_is_string(name) ? json_string_value(name) : json_string_value(json_object_get(name, "en"));
}

/* The entry {en, zh} of `article` among the labels of objects.laws entry `law`, or NULL. */
static json_t *law_label(const json_t *law, const char *article)
{
	json_t *a;
	size_t i;

	json_array_foreach(json_object_get(law, "articles"), i, a) {
		const char *en = json_string_value(json_object_get(a, "en"));
		if (en && strcmp(en, article) == 0)
			return a;
	}
	return NULL;
}

/*
 * Gathers the laws of every library into c->laws (the first of a name wins; a different entry
 * of the same name is a warning), then warns once per library of each law its sources cite
 * that none names, and of each article label the law does not translate: Chinese answers then
 * cite them in English.
 */
static cg_code check_citations(struct cg_catalog *c, enum cg_lang lang)
{
	cg_code result = (c->laws = json_object()) ? CG_OK : CG_E_NOMEM;

	for (size_t l = 0; l < c->n && result == CG_OK; l++) {
		struct lib *lib = &c->libs[l];
		json_t *law;
		size_t i;
		json_array_foreach(json_object_get(json_object_get(lib->p.root, "objects"), "laws"), i, law) {
			const char *name = law_name(law);
			json_t *first = name ? json_object_get(c->laws, name) : NULL;
			const struct lm_entry *at = lm_get(&lib->p.lm, law, "name", 0);
			if (!name || result != CG_OK)
				continue;
			if (!first && json_object_set(c->laws, name, law) != 0)
				result = CG_E_NOMEM;
			else if (first && !json_equal(first, law))
				result = warn(&c->warnings, lang, lib->file, at ? at->vline : 1,
					      N_("the law '%s' is also named by an earlier library, whose names are used"), name);
		}
	}
	for (size_t l = 0; l < c->n && result == CG_OK; l++) {
		struct lib *lib = &c->libs[l];
		json_t *seen = json_object();
		if (!seen)
			return CG_E_NOMEM;
		for (size_t k = 0; k < NKINDS && result == CG_OK; k++) {
			json_t *item;
			size_t i;
			json_array_foreach(kind_list(lib->p.root, k), i, item) {
				json_t *src = json_object_get(item, "source"), *entry;
				const char *law = json_string_value(json_object_get(src, "law"));
				const char *art = json_string_value(json_object_get(src, "article"));
				const struct lm_entry *at;
				char key[1024], num[128];
				if (!law || result != CG_OK)
					continue;
				if (!(entry = json_object_get(c->laws, law))) {
					snprintf(key, sizeof key, "%s", law);
					if (json_object_get(seen, key))
						continue;
					at = lm_get(&lib->p.lm, src, "law", 0);
					result = warn(&c->warnings, lang, lib->file, at ? at->vline : 1,
						      N_("source.law: no loaded library names the law '%s' (objects.laws); "
							 "Chinese answers cite it by this name"), law);
				} else if (art && !law_label(entry, art) && !zh_article(art, num, sizeof num)) {
					snprintf(key, sizeof key, "%s\x1f%s", law, art);
					if (json_object_get(seen, key))
						continue;
					at = lm_get(&lib->p.lm, src, "article", 0);
					result = warn(&c->warnings, lang, lib->file, at ? at->vline : 1,
						      N_("source.article: the law '%s' has no label for the article '%s' "
							 "(objects.laws); Chinese answers cite it as it is"), law, art);
				} else {
					continue;
				}
				if (result == CG_OK && json_object_set_new(seen, key, json_true()) != 0)
					result = CG_E_NOMEM;
			}
		}
		json_decref(seen);
	}
	return result;
}

static cg_code add_lib(struct cg_catalog *c, struct parsed *p, const char *file, bool builtin,
		       struct cg_error *err)
{
	struct lib *v = realloc(c->libs, (c->n + 1) * sizeof *v);

	if (!v)
		return nomem(err);
	c->libs = v;
	if (!(v[c->n].file = strdup(file)))
		return nomem(err);
	v[c->n].p = *p;
	v[c->n++].builtin = builtin;
	memset(p, 0, sizeof *p);
	return CG_OK;
}

/* Adds the libraries imported into `st`; a built-in one with the same urn gives way to a newer. */
static cg_code load_imported(struct cg_catalog *c, struct cg_store *st, struct cg_error *err)
{
	struct cg_stmt *q;
	enum cg_step r;
	enum cg_lang lang = err ? err->lang : CG_LANG_EN;
	cg_code result = cg_store_prepare(st, "SELECT urn, content FROM catalogs ORDER BY urn", &q, err);

	if (result != CG_OK)
		return result;
	while (result == CG_OK && (r = cg_stmt_step(q, err)) == CG_STEP_ROW) {
		const char *urn = cg_stmt_text(q, 0), *content = cg_stmt_text(q, 1);
		struct parsed p;
		size_t b;

		if (!urn || !content) {
			result = cg_error_set(err, CG_E_TAMPERED, NULL,
					      N_("the imported library '%s' has no content: it was changed outside ciiguard"),
					      urn ? urn : "?");
			break;
		}
		if ((result = parse_library(urn, content, strlen(content), false, &p, NULL, err)) != CG_OK) {
			cg_error_prefix(err, N_("the imported library '%s' no longer loads"), urn);
			break;
		}
		for (b = 0; b < c->n && strcmp(lib_urn(c->libs[b].p.root), lib_urn(p.root)) != 0; b++)
			;
		if (b == c->n) {
			result = add_lib(c, &p, urn, false, err);
		} else {
			json_int_t bv = json_integer_value(json_object_get(c->libs[b].p.root, "version"));
			json_int_t iv = json_integer_value(json_object_get(p.root, "version"));
			if (iv > bv) {
				parsed_release(&c->libs[b].p);
				c->libs[b].p = p;
				c->libs[b].builtin = false;
				free(c->libs[b].file);
				if (!(c->libs[b].file = strdup(urn)))
					result = nomem(err);
			} else {
				if (warn(&c->warnings, lang, urn, 1,
					 N_("the imported library (version %lld) is not used: the built-in one has version %lld"),
					 (long long)iv, (long long)bv) != CG_OK)
					result = nomem(err);
				parsed_release(&p);
			}
		}
	}
	if (result == CG_OK && r == CG_STEP_ERROR)
		result = err && err->code ? err->code : CG_E_STORE;
	cg_stmt_done(q);
	return result;
}

/* The per-kind item lists, the version string and the warnings that need every library. */
static cg_code finish(struct cg_catalog *c, struct cg_error *err)
{
	enum cg_lang lang = err ? err->lang : CG_LANG_EN;
	json_t *loaded = json_object();
	struct cg_buf v;
	cg_code result = loaded ? CG_OK : CG_E_NOMEM;

	cg_buf_init(&v, 0);
	for (size_t k = 0; k < NKINDS && result == CG_OK; k++)
		if (!(c->items[k] = json_array()))
			result = CG_E_NOMEM;
	for (size_t l = 0; l < c->n && result == CG_OK; l++) {
		json_t *root = c->libs[l].p.root;
		if (json_object_set(loaded, lib_urn(root), json_null()) != 0 ||
		    cg_buf_addf(&v, "%s%s@%lld", l ? "+" : "", lib_urn(root),
				(long long)json_integer_value(json_object_get(root, "version"))) != CG_OK)
			result = CG_E_NOMEM;
		for (size_t k = 0; k < NKINDS && result == CG_OK; k++)
			if (json_is_array(kind_list(root, k)) && json_array_extend(c->items[k], kind_list(root, k)) != 0)
				result = CG_E_NOMEM;
	}
	for (size_t l = 0; l < c->n && result == CG_OK; l++)
		result = check_dependencies(c->libs[l].file, &c->libs[l].p, loaded, &c->warnings, lang);
	if (result == CG_OK)
		result = check_references(c, lang);
	if (result == CG_OK)
		result = check_citations(c, lang);
	if (result == CG_OK)
		c->version = cg_buf_take(&v);
	cg_buf_release(&v);
	json_decref(loaded);
	for (size_t l = 0; l < c->n; l++)
		lm_release(&c->libs[l].p.lm);
	return result == CG_OK ? CG_OK : nomem(err);
}

cg_code cg_catalog_open(struct cg_store *st, struct cg_catalog **out, struct cg_error *err)
{
	struct cg_catalog *c = calloc(1, sizeof *c);
	cg_code result = CG_OK;

	*out = NULL;
	if (!c)
		return nomem(err);
	for (size_t i = 0; cg_builtin_catalogs[i].name && result == CG_OK; i++) {
		struct parsed p;
		const struct cg_builtin_catalog *b = &cg_builtin_catalogs[i];
		result = parse_library(b->name, (const char *)b->data, *b->len, true, &p,
				       &c->warnings, err);
		if (result == CG_OK) {
			for (size_t k = 0; k < c->n && result == CG_OK; k++)
				if (strcmp(lib_urn(c->libs[k].p.root), lib_urn(p.root)) == 0)
					result = cg_error_set(err, CG_E_INVALID, "urn",
							      N_("%s: the urn '%s' is also the urn of %s"), b->name,
							      lib_urn(p.root), c->libs[k].file);
			if (result == CG_OK)
				result = add_lib(c, &p, b->name, true, err);
			parsed_release(&p);
		}
	}
	if (result == CG_OK && st)
		result = load_imported(c, st, err);
	if (result == CG_OK)
		result = finish(c, err);
	if (result != CG_OK) {
		cg_catalog_free(c);
		return result;
	}
	*out = c;
	return CG_OK;
}

const struct cg_warnings *cg_catalog_warnings(const struct cg_catalog *c)
{
	return &c->warnings;
}

const char *cg_catalog_version(const struct cg_catalog *c)
{
	return c->version;
}

size_t cg_catalog_library_count(const struct cg_catalog *c)
{
	return c->n;
}

json_t *cg_catalog_library(const struct cg_catalog *c, size_t i, bool *builtin)
{
	if (i >= c->n)
		return NULL;
	if (builtin)
		*builtin = c->libs[i].builtin;
	return c->libs[i].p.root;
}

/* One kind of object of a library: requirement nodes sit under objects.framework. */
json_t *cg_catalog_objects(const json_t *lib, const char *kind)
{
	json_t *objects = json_object_get(lib, "objects");

	if (strcmp(kind, "requirement_nodes") == 0)
		return json_object_get(json_object_get(objects, "framework"), kind);
	return json_object_get(objects, kind);
}

/* True when a ref_id or similar scalar (a string or an integer) reads as `key`. */
static bool scalar_is(const json_t *v, const char *key)
{
	char buf[32];

	if (json_is_string(v))
		return strcmp(json_string_value(v), key) == 0;
	if (!json_is_integer(v))
		return false;
	snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
	return strcmp(buf, key) == 0;
}

json_t *cg_catalog_library_find(const struct cg_catalog *c, const char *key, bool *builtin)
{
	for (size_t i = 0; i < c->n; i++) {
		json_t *lib = c->libs[i].p.root;
		json_t *fw = json_object_get(json_object_get(lib, "objects"), "framework");
		const char *fw_urn = json_string_value(json_object_get(fw, "urn"));
		if (strcmp(json_string_value(json_object_get(lib, "urn")), key) == 0 ||
		    scalar_is(json_object_get(lib, "ref_id"), key) || (fw_urn && strcmp(fw_urn, key) == 0)) {
			if (builtin)
				*builtin = c->libs[i].builtin;
			return lib;
		}
	}
	return NULL;
}

json_t *cg_catalog_library_item(const json_t *lib, const char *key)
{
	static const char *const kinds_shown[] = { "requirement_nodes", "screening_rules", "penalties",
						   "ai_scenarios" };

	for (size_t k = 0; k < sizeof kinds_shown / sizeof kinds_shown[0]; k++) {
		json_t *item;
		size_t i;
		json_array_foreach(cg_catalog_objects(lib, kinds_shown[k]), i, item) {
			const char *a = json_string_value(json_object_get(item, k ? "id" : "urn"));
			if ((a && strcmp(a, key) == 0) || (!k && scalar_is(json_object_get(item, "ref_id"), key)))
				return item;
		}
	}
	return NULL;
}

json_t *cg_catalog_list(const struct cg_catalog *c, enum cg_lang lang)
{
	json_t *libs = json_array(), *warnings = json_array();

	for (size_t i = 0; libs && i < c->n; i++) {
		json_t *lib = c->libs[i].p.root, *ref = json_object_get(lib, "ref_id");
		json_t *locale = json_object_get(lib, "locale");
		json_t *o = json_pack("{s:O,s:O,s:s?,s:O,s:O,s:I,s:I,s:I,s:I,s:s}",
			"urn", json_object_get(lib, "urn"), "ref_id", ref ? ref : json_null(),
			"name", cg_catalog_text(lib, "name", lang), "version", json_object_get(lib, "version"),
			"locale", locale ? locale : json_null(),
			"requirement_nodes", (json_int_t)json_array_size(cg_catalog_objects(lib, "requirement_nodes")),
			"screening_rules", (json_int_t)json_array_size(cg_catalog_objects(lib, "screening_rules")),
			"penalties", (json_int_t)json_array_size(cg_catalog_objects(lib, "penalties")),
			"ai_scenarios", (json_int_t)json_array_size(cg_catalog_objects(lib, "ai_scenarios")),
			"origin", c->libs[i].builtin ? "builtin" : "imported");
		if (!o || json_array_append_new(libs, o) != 0) {
			json_decref(libs);
			libs = NULL;
		}
	}
	for (size_t i = 0; warnings && i < c->warnings.n; i++)
		if (json_array_append_new(warnings, json_string(c->warnings.v[i])) != 0) {
			json_decref(warnings);
			warnings = NULL;
		}
	if (!libs || !warnings) {
		json_decref(libs);
		json_decref(warnings);
		return NULL;
	}
	return json_pack("{s:o,s:s,s:o}", "libraries", libs, "catalog_version", c->version, "warnings", warnings);
}

static int kind_index(const char *kind)
{
	for (size_t k = 0; k < NKINDS; k++)
		if (strcmp(kinds[k], kind) == 0)
			return (int)k;
	return -1;
}

size_t cg_catalog_count(const struct cg_catalog *c, const char *kind)
{
	int k = kind_index(kind);
	return k < 0 ? 0 : json_array_size(c->items[k]);
}

json_t *cg_catalog_item(const struct cg_catalog *c, const char *kind, size_t i)
{
	int k = kind_index(kind);
	return k < 0 ? NULL : json_array_get(c->items[k], i);
}

json_t *cg_catalog_find(const struct cg_catalog *c, const char *kind, const char *key)
{
	int k = kind_index(kind);
	json_t *item;
	size_t i;

	if (k < 0 || !key)
		return NULL;
	json_array_foreach(c->items[k], i, item) {
		const char *id = json_string_value(json_object_get(item, "id"));
		const char *urn = json_string_value(json_object_get(item, "urn"));
		if ((id && strcmp(id, key) == 0) || (urn && strcmp(urn, key) == 0))
			return item;
	}
	return NULL;
}

const char *cg_catalog_text(const json_t *item, const char *key, enum cg_lang lang)
{
	const char *code = lang == CG_LANG_ZH ? "zh" : "en";
	json_t *v = json_object_get(json_object_get(json_object_get(item, "translations"), code), key);

	if (json_is_string(v))
		return json_string_value(v);
	v = json_object_get(item, key);
	if (json_is_object(v)) {
		json_t *t = json_object_get(v, code);
		if (!json_is_string(t))
			t = json_object_get(v, "en");
		if (!json_is_string(t)) {
			const char *k;
			json_object_foreach(v, k, t)
				if (json_is_string(t))
					break;
		}
		return json_string_value(t);
	}
	return json_string_value(v);
}

/* Cuts `out` (of `n` bytes, maybe truncated by snprintf) back to a whole UTF-8 character. */
static void utf8_whole(char *out, size_t n)
{
	size_t len = strlen(out), lead = len;

	if (len + 1 < n)
		return;
	while (lead > 0 && ((unsigned char)out[lead - 1] & 0xc0) == 0x80)
		lead--;
	if (lead == 0)
		return;
	unsigned char c = (unsigned char)out[lead - 1];
	size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
	if (len - (lead - 1) < need)
		out[lead - 1] = '\0';
}

/* The Chinese citation (cg_catalog_source). */
static void source_zh(const struct cg_catalog *c, const char *law, const json_t *art, char *out, size_t n)
{
	json_t *entry = c ? json_object_get(c->laws, law) : NULL, *label;
	const char *name = entry ? cg_catalog_text(entry, "name", CG_LANG_ZH) : NULL;
	const char *a = json_string_value(art);
	char num[128];

	if (!name)
		name = law;
	if (json_is_integer(art))
		snprintf(out, n, "%s第%lld条", name, (long long)json_integer_value(art));
	else if (a && (label = law_label(entry, a)))
		snprintf(out, n, "%s%s", name, json_is_string(json_object_get(label, "zh")) ?
			 json_string_value(json_object_get(label, "zh")) : a);
	else if (a && zh_article(a, num, sizeof num))
		snprintf(out, n, "%s%s", name, num);
	else if (a)
		snprintf(out, n, "%s，%s", name, a);
	else
		snprintf(out, n, "%s", name);
}

void cg_catalog_source(const struct cg_catalog *c, const json_t *item, enum cg_lang lang, char *out, size_t n)
{
	json_t *src = json_object_get(item, "source"), *art = json_object_get(src, "article");
	const char *law = json_string_value(json_object_get(src, "law"));

	if (!n)
		return;
	out[0] = '\0';
	if (!law)
		return;
	if (lang == CG_LANG_ZH)
		source_zh(c, law, art, out, n);
	else if (json_is_integer(art))
		snprintf(out, n, "%s Art. %lld", law, (long long)json_integer_value(art));
	else if (json_is_string(art) && json_string_value(art)[0] >= '0' && json_string_value(art)[0] <= '9')
		snprintf(out, n, "%s Art. %s", law, json_string_value(art));
	else if (json_is_string(art)) /* guidance and standards: "advice 01", "5.2" */
		snprintf(out, n, "%s, %s", law, json_string_value(art));
	else
		snprintf(out, n, "%s", law);
	utf8_whole(out, n);
}

/* --- imported libraries in the store --- */

/* The audited state of an imported library: its identity and the SHA-256 of its content. */
static cg_code canonical(struct cg_buf *b, const char *urn, bool has_version, int64_t version,
			 const char *name, const char *locale, const char *content,
			 const char *imported_at)
{
	char sha[CG_HASH_HEX];

	cg_sha256_hex(content ? content : "", content ? strlen(content) : 0, sha);
	if (cg_buf_adds(b, "{\"imported_at\":") ||
	    (imported_at ? cg_json_add_string(b, imported_at) : cg_buf_adds(b, "null")) ||
	    cg_buf_adds(b, ",\"locale\":") || (locale ? cg_json_add_string(b, locale) : cg_buf_adds(b, "null")) ||
	    cg_buf_adds(b, ",\"name\":") || (name ? cg_json_add_string(b, name) : cg_buf_adds(b, "null")) ||
	    cg_buf_addf(b, ",\"sha256\":\"%s\",\"urn\":", content ? sha : "") ||
	    cg_json_add_string(b, urn) ||
	    (has_version ? cg_buf_addf(b, ",\"version\":%lld}", (long long)version) :
			   cg_buf_adds(b, ",\"version\":null}")))
		return CG_E_NOMEM;
	return CG_OK;
}

cg_code cg_catalog_each_canonical(struct cg_store *st, cg_canon_fn fn, void *ud, struct cg_error *err)
{
	struct cg_stmt *q;
	struct cg_buf b;
	enum cg_step r;
	cg_code result = cg_store_prepare(st, "SELECT urn, version, name, locale, content, imported_at "
					  "FROM catalogs ORDER BY urn", &q, err);

	if (result != CG_OK)
		return result;
	cg_buf_init(&b, 0);
	while ((r = cg_stmt_step(q, err)) == CG_STEP_ROW) {
		const char *urn = cg_stmt_text(q, 0);
		cg_buf_reset(&b);
		if (canonical(&b, urn, !cg_stmt_is_null(q, 1), cg_stmt_int64(q, 1), cg_stmt_text(q, 2),
			      cg_stmt_text(q, 3), cg_stmt_text(q, 4), cg_stmt_text(q, 5)) != CG_OK) {
			result = nomem(err);
			break;
		}
		if (fn("catalog", urn, b.ptr, b.len, ud))
			break;
	}
	if (result == CG_OK && r == CG_STEP_ERROR)
		result = err && err->code ? err->code : CG_E_STORE;
	cg_stmt_done(q);
	cg_buf_release(&b);
	return result;
}

static cg_code bind_fail(struct cg_stmt *q, struct cg_error *err)
{
	cg_stmt_done(q);
	return cg_error_set(err, CG_E_STORE, NULL, N_("could not bind a query parameter"));
}

/* The version of the library imported as `urn`, if any. */
static cg_code imported_version(struct cg_store *st, const char *urn, bool *found, int64_t *version,
				struct cg_error *err)
{
	struct cg_stmt *q;
	enum cg_step r;
	cg_code result = cg_store_prepare(st, "SELECT version FROM catalogs WHERE urn = ?", &q, err);

	if (result != CG_OK)
		return result;
	if (cg_stmt_bind_text(q, 1, urn))
		return bind_fail(q, err);
	r = cg_stmt_step(q, err);
	*found = r == CG_STEP_ROW;
	*version = *found ? cg_stmt_int64(q, 0) : 0;
	cg_stmt_done(q);
	return r == CG_STEP_ERROR ? (err && err->code ? err->code : CG_E_STORE) : CG_OK;
}

/* Adds the urns of the imported libraries to `loaded`. */
static cg_code imported_urns(struct cg_store *st, json_t *loaded, struct cg_error *err)
{
	struct cg_stmt *q;
	enum cg_step r;
	cg_code result = cg_store_prepare(st, "SELECT urn FROM catalogs", &q, err);

	if (result != CG_OK)
		return result;
	while ((r = cg_stmt_step(q, err)) == CG_STEP_ROW)
		if (cg_stmt_text(q, 0) && json_object_set(loaded, cg_stmt_text(q, 0), json_null()) != 0) {
			result = nomem(err);
			break;
		}
	cg_stmt_done(q);
	if (result == CG_OK && r == CG_STEP_ERROR)
		result = err && err->code ? err->code : CG_E_STORE;
	return result;
}

/* The warnings that need the other libraries: dependencies, and a built-in one of the same urn. */
static cg_code import_warnings(struct cg_store *st, const char *name, const struct parsed *p,
			       struct cg_warnings *w, struct cg_error *err)
{
	enum cg_lang lang = err ? err->lang : CG_LANG_EN;
	json_t *loaded = NULL, *b;
	const char *urn = lib_urn(p->root);
	const struct lm_entry *at = lm_get(&p->lm, p->root, "version", 0);
	json_int_t version = json_integer_value(json_object_get(p->root, "version"));
	cg_code result = builtin_index(&loaded, err);

	if (result != CG_OK)
		return result;
	b = json_object_get(loaded, urn);
	if (json_is_array(b) && json_integer_value(json_array_get(b, 0)) >= version &&
	    warn(w, lang, name, at ? at->vline : 1,
		 N_("the built-in library with this urn has version %lld: this import is not used until its version is higher"),
		 (long long)json_integer_value(json_array_get(b, 0))) != CG_OK)
		result = nomem(err);
	if (result == CG_OK)
		result = imported_urns(st, loaded, err);
	if (result == CG_OK && json_object_set(loaded, urn, json_null()) != 0)
		result = nomem(err);
	if (result == CG_OK && check_dependencies(name, p, loaded, w, lang) != CG_OK)
		result = nomem(err);
	json_decref(loaded);
	return result;
}

cg_code cg_catalog_import_ex(struct cg_store *st, const char *actor, const char *name,
			     const char *data, size_t len, struct cg_catalog_import_result *res,
			     struct cg_warnings *w, struct cg_error *err)
{
	struct parsed p;
	struct cg_stmt *q;
	struct cg_buf canon;
	char now[CG_TIME_MAX], *content = NULL;
	const char *urn, *lname, *locale;
	const struct lm_entry *at;
	int64_t version, old = 0;
	bool found = false, own = !cg_store_in_transaction(st);
	cg_code result;

	if ((result = parse_library(name, data, len, false, &p, w, err)) != CG_OK)
		return result;
	cg_buf_init(&canon, 0);
	urn = lib_urn(p.root);
	lname = json_string_value(json_object_get(p.root, "name"));
	locale = json_string_value(json_object_get(p.root, "locale"));
	version = json_integer_value(json_object_get(p.root, "version"));
	if (!(content = strndup(data, len))) {
		result = nomem(err);
		goto out;
	}
	if (own && (result = cg_store_begin(st, err)) != CG_OK)
		goto out;
	if ((result = import_warnings(st, name, &p, w, err)) != CG_OK ||
	    (result = imported_version(st, urn, &found, &old, err)) != CG_OK)
		goto end;
	at = lm_get(&p.lm, p.root, "version", 0);
	if (found && old > version &&
	    warn(w, err ? err->lang : CG_LANG_EN, name, at ? at->vline : 1,
		 N_("version %lld replaces the imported version %lld, which is higher"),
		 (long long)version, (long long)old) != CG_OK) {
		result = nomem(err);
		goto end;
	}
	if ((result = cg_now(now, err)) != CG_OK)
		goto end;
	result = cg_store_prepare(st, found ?
		"UPDATE catalogs SET version = ?, name = ?, locale = ?, content = ?, imported_at = ? WHERE urn = ?" :
		"INSERT INTO catalogs (version, name, locale, content, imported_at, urn) VALUES (?, ?, ?, ?, ?, ?)",
		&q, err);
	if (result != CG_OK)
		goto end;
	if (cg_stmt_bind_int64(q, 1, version) || cg_stmt_bind_text(q, 2, lname) ||
	    cg_stmt_bind_text(q, 3, locale) || cg_stmt_bind_text(q, 4, content) ||
	    cg_stmt_bind_text(q, 5, now) || cg_stmt_bind_text(q, 6, urn)) {
		result = bind_fail(q, err);
		goto end;
	}
	if ((result = cg_stmt_run(q, err)) != CG_OK)
		goto end;
	if (canonical(&canon, urn, true, version, lname, locale, content, now) != CG_OK) {
		result = nomem(err);
		goto end;
	}
	result = cg_audit_append(st, actor, found ? "update" : "create", "catalog", urn, canon.ptr,
				 canon.len, err);
end:
	result = cg_store_end(st, own, result, err);
out:
	if (result == CG_OK && res) {
		snprintf(res->urn, sizeof res->urn, "%s", urn);
		res->version = version;
		res->nodes = json_array_size(lib_nodes(p.root));
		res->replaced = found;
	}
	free(content);
	cg_buf_release(&canon);
	parsed_release(&p);
	return result;
}

cg_code cg_catalog_import(struct cg_store *st, const char *actor, const char *name, const char *data,
			  size_t len, struct cg_warnings *w, struct cg_error *err)
{
	return cg_catalog_import_ex(st, actor, name, data, len, NULL, w, err);
}
