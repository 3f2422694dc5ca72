/*
 * Incident grading and reporting clocks (include/ciiguard/incident.h). The criteria, tiers,
 * recipients and clocks are catalog data (objects.incident_criteria and
 * objects.incident_reporting, docs/catalog-format.md); this file checks the input and
 * evaluates them.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "ciiguard/buf.h"
#include "ciiguard/clock.h"
#include "ciiguard/i18n.h"
#include "ciiguard/incident.h"
#include "banned.h"

const char *const cg_grade_names[] = { "general", "relatively_major", "major", "particularly_major", NULL };

static const char *const operator_types[] = { "other", "cii", "central_organ", NULL };
static const char *const portal_levels[] = { "other", "provincial_or_above", "central_news",
	"prefecture_or_above", NULL };
static const char *const data_impacts[] = { "none", "relatively_serious", "serious",
	"particularly_serious", NULL };

const struct cg_grade_input cg_grade_inputs[] = {
	{ "discovered_at", CG_G_TIME, NULL },
	{ "operator_type", CG_G_ENUM, operator_types },
	{ "involves_cii", CG_G_BOOL, NULL },
	{ "cii_whole_outage_minutes", CG_G_COUNT, NULL },
	{ "cii_main_function_outage_minutes", CG_G_COUNT, NULL },
	{ "people_affected", CG_G_COUNT, NULL },
	{ "province_population_share_percent", CG_G_PERCENT, NULL },
	{ "prefecture_population_share_percent", CG_G_PERCENT, NULL },
	{ "portal_level", CG_G_ENUM, portal_levels },
	{ "portal_unreachable_minutes", CG_G_COUNT, NULL },
	{ "spread_homepage_minutes", CG_G_COUNT, NULL },
	{ "spread_other_page_minutes", CG_G_COUNT, NULL },
	{ "spread_reposts", CG_G_COUNT, NULL },
	{ "spread_views", CG_G_COUNT, NULL },
	{ "pi_subjects_leaked", CG_G_COUNT, NULL },
	{ "direct_loss_cny", CG_G_AMOUNT, NULL },
	{ "important_data_impact", CG_G_ENUM, data_impacts },
	{ "suspected_crime", CG_G_BOOL, NULL },
	{ NULL, CG_G_BOOL, NULL },
};

/* Counts above 2^53 lose precision as JSON numbers; no real figure comes near. */
#define MAX_FIGURE 9007199254740991.0

int cg_grade_index(const char *name)
{
	for (int i = 0; name && cg_grade_names[i]; i++)
		if (strcmp(cg_grade_names[i], name) == 0)
			return i;
	return -1;
}

const struct cg_grade_input *cg_grade_input_find(const char *name)
{
	for (const struct cg_grade_input *g = cg_grade_inputs; g->name; g++)
		if (strcmp(g->name, name) == 0)
			return g;
	return NULL;
}

static bool in_list(const char *const *names, const char *s)
{
	for (size_t i = 0; s && names[i]; i++)
		if (strcmp(names[i], s) == 0)
			return true;
	return false;
}

static void join(char *out, size_t n, const char *const *names)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; names[i]; i++) {
		int w = snprintf(out + used, n - used, "%s%s", i ? ", " : "", names[i]);
		if (w < 0 || (size_t)w >= n - used)
			return;
		used += (size_t)w;
	}
}

/* One value of the input: a new reference to its checked form, or NULL with err set. */
static json_t *check_value(const struct cg_grade_input *g, json_t *v, struct cg_error *err)
{
	char list[256];
	int64_t ms;

	switch (g->type) {
	case CG_G_TIME:
		if (!json_is_string(v) || !cg_rfc3339_parse(json_string_value(v), &ms)) {
			cg_error_set(err, CG_E_INVALID, g->name, N_("%s: expected an RFC 3339 time such as 2026-11-24T09:30:00+08:00"), g->name);
			return NULL;
		} else {
			char t[CG_TIME_MAX];
			cg_rfc3339_format(ms, t);
			return json_string(t);
		}
	case CG_G_BOOL:
		if (!json_is_boolean(v)) {
			cg_error_set(err, CG_E_INVALID, g->name, N_("%s: expected true or false"), g->name);
			return NULL;
		}
		return json_incref(v);
	case CG_G_ENUM:
		if (!json_is_string(v) || !in_list(g->values, json_string_value(v))) {
			join(list, sizeof list, g->values);
			cg_error_set(err, CG_E_INVALID, g->name, N_("%s: expected one of %s"), g->name, list);
			return NULL;
		}
		return json_incref(v);
	case CG_G_COUNT:
	case CG_G_AMOUNT:
	case CG_G_PERCENT: {
		double d = json_number_value(v);
		if (!json_is_number(v) || !isfinite(d) || d < 0 || d > MAX_FIGURE ||
		    (g->type == CG_G_PERCENT && d > 100) || (g->type == CG_G_COUNT && d != floor(d))) {
			cg_error_set(err, CG_E_INVALID, g->name,
				     g->type == CG_G_PERCENT ? N_("%s: expected a number from 0 to 100") :
				     g->type == CG_G_COUNT ? N_("%s: expected a whole number, 0 or more") :
							     N_("%s: expected an amount, 0 or more"), g->name);
			return NULL;
		}
		if (g->type == CG_G_COUNT)
			return json_integer((json_int_t)d);
		return json_is_integer(v) ? json_incref(v) : json_real(d);
	}
	}
	return NULL;
}

static json_t *zero_of(const struct cg_grade_input *g)
{
	switch (g->type) {
	case CG_G_BOOL: return json_false();
	case CG_G_ENUM: return json_string(g->values[0]);
	case CG_G_TIME: return json_null();
	default: return json_integer(0);
	}
}

cg_code cg_grade_input_check(json_t *in, json_t **out, struct cg_error *err)
{
	const char *key;
	json_t *v, *res;

	*out = NULL;
	if (!json_is_object(in))
		return cg_error_set(err, CG_E_INVALID, NULL, N_("expected a JSON object of incident figures"));
	json_object_foreach(in, key, v)
		if (!cg_grade_input_find(key))
			return cg_error_set(err, CG_E_INVALID, key,
					    N_("%s: unknown key (see 'ciiguard incident grade --help' for the keys)"), key);
	if (!(res = json_object()))
		return cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
	for (const struct cg_grade_input *g = cg_grade_inputs; g->name; g++) {
		json_t *given = json_object_get(in, g->name), *checked;
		if (!given || json_is_null(given)) {
			if (g->type == CG_G_TIME) {
				json_decref(res);
				return cg_error_set(err, CG_E_INVALID, g->name, N_("%s: is required"), g->name);
			}
			checked = zero_of(g);
		} else if (!(checked = check_value(g, given, err))) {
			json_decref(res);
			return err ? err->code : CG_E_INVALID;
		}
		if (json_object_set_new(res, g->name, checked) != 0) {
			json_decref(res);
			return cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
		}
	}
	*out = res;
	return CG_OK;
}

void cg_time_shanghai(int64_t ms, char out[40])
{
	char t[CG_TIME_MAX];
	cg_rfc3339_format(ms - ms % 1000 + 8 * 3600 * (int64_t)1000, t);
	snprintf(out, 40, "%.19s+08:00", t);
}

/* Minutes of a catalog DURATION counted in minutes, hours or days; -1 otherwise. */
static int64_t duration_minutes(json_t *d)
{
	static const struct { const char *unit; int64_t minutes; } units[] = {
		{ "minutes", 1 }, { "hours", 60 }, { "days", 1440 },
	};
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		json_t *v = json_object_get(d, units[i].unit);
		if (json_is_integer(v))
			return json_integer_value(v) * units[i].minutes;
	}
	return -1;
}

/* A `when` of the catalog on the input: each key equals (bool) or is one of (list). */
static bool when_holds(json_t *when, json_t *input)
{
	const char *key;
	json_t *want, *have;

	json_object_foreach(when, key, want) {
		have = json_object_get(input, key);
		if (json_is_array(want)) {
			size_t i;
			json_t *each;
			bool found = false;
			json_array_foreach(want, i, each)
				found |= json_is_string(each) && json_is_string(have) &&
					 strcmp(json_string_value(each), json_string_value(have)) == 0;
			if (!found)
				return false;
		} else if (!json_equal(want, have)) {
			return false;
		}
	}
	return true;
}

static void number_text(json_t *v, char *out, size_t n)
{
	if (json_is_integer(v))
		snprintf(out, n, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(out, n, "%.2f", json_real_value(v));
	else if (json_is_string(v))
		snprintf(out, n, "%s", json_string_value(v));
	else
		snprintf(out, n, "%s", json_is_true(v) ? "true" : "false");
}

/* The criterion's text with {value}, {at_least} and {KEY} (an input key) filled in. */
static json_t *fill_text(const char *tmpl, json_t *input, json_t *value, json_t *tier)
{
	struct cg_buf b;
	json_t *res;

	cg_buf_init(&b, 0);
	for (const char *p = tmpl ? tmpl : ""; *p; p++) {
		const char *end = *p == '{' ? strchr(p, '}') : NULL;
		char key[64], num[64];
		if (end && (size_t)(end - p - 1) < sizeof key) {
			json_t *v;
			snprintf(key, sizeof key, "%.*s", (int)(end - p - 1), p + 1);
			v = strcmp(key, "value") == 0 ? value : strcmp(key, "at_least") == 0 ?
			    json_object_get(tier, "at_least") : json_object_get(input, key);
			if (v) {
				number_text(v, num, sizeof num);
				if (cg_buf_adds(&b, num) != CG_OK)
					break;
				p = end;
				continue;
			}
		}
		if (cg_buf_addc(&b, *p) != CG_OK)
			break;
	}
	res = json_stringn(b.ptr ? b.ptr : "", b.len);
	cg_buf_release(&b);
	return res;
}

/* A tier of the catalog read once: its grade, `at_least`, `in` and `when` (these two as the
 * catalog's JSON, which stays the catalog's). */
struct ctier {
	int grade;
	bool has_least;
	double least;
	json_t *in, *when;
};
static struct ctier tier_of(json_t *tier)
{
	json_t *least = json_object_get(tier, "at_least");
	struct ctier t = { cg_grade_index(json_string_value(json_object_get(tier, "grade"))), least != NULL,
			   json_number_value(least), json_object_get(tier, "in"), json_object_get(tier, "when") };
	return t;
}

/* Does the tier hold for `value` (and the rest of the input)? */
static bool ctier_holds(const struct ctier *t, json_t *value, json_t *input)
{
	if (t->when && !when_holds(t->when, input))
		return false;
	if (t->has_least)
		return json_is_number(value) && json_number_value(value) >= t->least;
	if (t->in && json_is_string(value)) {
		size_t i;
		json_t *each;
		json_array_foreach(t->in, i, each)
			if (json_is_string(each) && strcmp(json_string_value(each), json_string_value(value)) == 0)
				return true;
	}
	return false;
}

static bool tier_holds(json_t *tier, json_t *value, json_t *input)
{
	struct ctier t = tier_of(tier);
	return ctier_holds(&t, value, input);
}

static json_t *add_report(const char *recipient, int64_t discovered, int64_t minutes,
			  bool statutory, const char *source, const char *basis)
{
	char due[40];
	if (minutes >= 0)
		cg_time_shanghai(discovered + minutes * 60000, due);
	return json_pack("{s:s,s:s?,s:o,s:b,s:s,s:s?}", "recipient", recipient, "due_at", minutes >= 0 ? due : NULL,
			 "within_minutes", minutes >= 0 ? json_integer(minutes) : json_null(),
			 "statutory", statutory, "source", source, "basis", basis);
}

static bool listed(json_t *reports, const char *recipient)
{
	size_t i;
	json_t *r;
	json_array_foreach(reports, i, r)
		if (strcmp(json_string_value(json_object_get(r, "recipient")), recipient) == 0)
			return true;
	return false;
}

/* The criterion's highest tier that holds for the input (its grade in *grade), or NULL. */
static json_t *best_tier(json_t *crit, json_t *input, json_t **value, int *grade)
{
	json_t *tier, *best = NULL;
	size_t k;

	*value = json_object_get(input, json_string_value(json_object_get(crit, "input")));
	*grade = -1;
	json_array_foreach(json_object_get(crit, "tiers"), k, tier) {
		int g = cg_grade_index(json_string_value(json_object_get(tier, "grade")));
		if (g > *grade && tier_holds(tier, *value, input)) {
			*grade = g;
			best = tier;
		}
	}
	return best;
}

/* The criteria compiled for cg_grade_level: every lookup in the catalog's JSON done once. A
 * tier with `when` keeps it as JSON (few do); its pointers are the catalog's, freed with it. */
struct ccrit {
	const char *input;
	size_t n;
	struct ctier *tiers;
};
struct compiled {
	size_t n;
	struct ccrit *crit;
};

static void compiled_free(void *p)
{
	struct compiled *k = p;
	if (!k)
		return;
	for (size_t i = 0; i < k->n; i++)
		free(k->crit[i].tiers);
	free(k->crit);
	free(k);
}

static void *compile(const struct cg_catalog *c)
{
	size_t n = cg_catalog_count(c, "incident_criteria");
	struct compiled *k = calloc(1, sizeof *k);
	if (!k || !(k->crit = calloc(n ? n : 1, sizeof *k->crit))) {
		free(k);
		return NULL;
	}
	k->n = n;
	for (size_t i = 0; i < n; i++) {
		json_t *crit = cg_catalog_item(c, "incident_criteria", i), *tiers = json_object_get(crit, "tiers"), *tier;
		struct ccrit *cc = &k->crit[i];
		size_t t;
		cc->input = json_string_value(json_object_get(crit, "input"));
		if (!(cc->tiers = calloc(json_array_size(tiers) + 1, sizeof *cc->tiers))) {
			compiled_free(k);
			return NULL;
		}
		json_array_foreach(tiers, t, tier)
			cc->tiers[cc->n++] = tier_of(tier);
	}
	return k;
}


int cg_grade_level(const struct cg_catalog *c, json_t *input)
{
	const struct compiled *k = cg_catalog_derived(c, compile, compiled_free);
	int grade = CG_GRADE_GENERAL, g;
	json_t *value;

	if (!k) { /* no memory for the compiled form: the catalog as it is */
		for (size_t i = 0; i < cg_catalog_count(c, "incident_criteria"); i++)
			if (best_tier(cg_catalog_item(c, "incident_criteria", i), input, &value, &g) && g > grade)
				grade = g;
		return grade;
	}
	for (size_t i = 0; i < k->n; i++) {
		value = k->crit[i].input ? json_object_get(input, k->crit[i].input) : NULL;
		for (size_t t = 0; t < k->crit[i].n; t++)
			if (k->crit[i].tiers[t].grade > grade && ctier_holds(&k->crit[i].tiers[t], value, input))
				grade = k->crit[i].tiers[t].grade;
	}
	return grade;
}

cg_code cg_grade(const struct cg_catalog *c, json_t *input, enum cg_lang lang, json_t **result,
		 struct cg_error *err)
{
	json_t *criteria = json_array(), *reports = json_array(), *escalations = json_array();
	json_t *final_days = json_null(), *supplement = json_null();
	int grade = CG_GRADE_GENERAL, min_report = -1;
	size_t ndraft = 0;
	int64_t discovered;
	char src[CG_CATALOG_SOURCE_MAX], disc[40];

	*result = NULL;
	if (!criteria || !reports || !escalations ||
	    !cg_rfc3339_parse(json_string_value(json_object_get(input, "discovered_at")), &discovered)) {
		json_decref(criteria);
		json_decref(reports);
		json_decref(escalations);
		return cg_error_set(err, CG_E_INVALID, "discovered_at", N_("%s: is required"), "discovered_at");
	}
	for (size_t i = 0; i < cg_catalog_count(c, "incident_criteria"); i++) {
		json_t *crit = cg_catalog_item(c, "incident_criteria", i), *value;
		int best_grade;
		json_t *best = best_tier(crit, input, &value, &best_grade);
		if (!best)
			continue;
		const char *conf = json_string_value(json_object_get(best, "confidence"));
		if (!conf)
			conf = json_string_value(json_object_get(crit, "confidence"));
		ndraft += conf && strcmp(conf, "draft") == 0;
		cg_catalog_source(c, crit, lang, src, sizeof src);
		json_t *threshold = json_object_get(best, "at_least") ? json_object_get(best, "at_least") :
				    json_object_get(best, "in");
		json_array_append_new(criteria, json_pack("{s:s,s:s,s:s,s:s,s:o,s:O,s:O}",
			"criterion", json_string_value(json_object_get(crit, "id")), "grade", cg_grade_names[best_grade],
			"source", src, "confidence", conf ? conf : "firm",
			"text", fill_text(cg_catalog_text(crit, "text", lang), input, value, best),
			"value", value, "threshold", threshold ? threshold : json_null()));
		if (best_grade > grade)
			grade = best_grade;
	}
	/* The route: the first whose `when` holds. */
	bool routed = false;
	for (size_t i = 0; i < cg_catalog_count(c, "incident_reporting"); i++) {
		json_t *item = cg_catalog_item(c, "incident_reporting", i), *r;
		const char *kind = json_string_value(json_object_get(item, "kind"));
		int min = cg_grade_index(json_string_value(json_object_get(item, "min_grade")));
		size_t k;
		cg_catalog_source(c, item, lang, src, sizeof src);
		if (strcmp(kind, "final") == 0) {
			json_decref(final_days);
			final_days = json_integer(duration_minutes(json_object_get(item, "within")) / 1440);
			continue;
		}
		if (strcmp(kind, "supplement") == 0) {
			json_decref(supplement);
			supplement = json_integer(duration_minutes(json_object_get(item, "within")));
			continue;
		}
		if ((strcmp(kind, "route") == 0 && routed) || !when_holds(json_object_get(item, "when"), input))
			continue;
		if (strcmp(kind, "route") == 0) {
			routed = true;
			min_report = min;
		}
		if (grade < min)
			continue;
		json_array_foreach(json_object_get(item, "recipients"), k, r) {
			const char *who = json_string_value(json_object_get(r, "recipient"));
			json_t *within = json_object_get(r, "within");
			if (listed(reports, who))
				continue;
			json_array_append_new(reports, add_report(who, discovered,
				within ? duration_minutes(within) : -1, strcmp(kind, "route") == 0, src,
				cg_catalog_text(item, "text", lang)));
		}
		json_array_foreach(json_object_get(item, "escalations"), k, r) {
			int emin = cg_grade_index(json_string_value(json_object_get(r, "min_grade")));
			if (grade >= (emin < 0 ? min : emin))
				json_array_append_new(escalations, json_pack("{s:s?,s:O,s:I,s:s}",
					"by", json_string_value(json_object_get(r, "by")), "to", json_object_get(r, "to"),
					"within_minutes", (json_int_t)duration_minutes(json_object_get(r, "within")),
					"source", src));
		}
	}
	cg_time_shanghai(discovered, disc);
	*result = json_pack("{s:s,s:b,s:o,s:I,s:o,s:o,s:o,s:b,s:o,s:s,s:O,s:O,s:s}",
		"grade", cg_grade_names[grade], "must_report", min_report >= 0 && grade >= min_report,
		"criteria", criteria, "draft_criteria", (json_int_t)ndraft, "reports", reports,
		"escalations", escalations, "final_report_due_days", final_days,
		"final_report_required", min_report >= 0 && grade >= min_report,
		"supplement_within_minutes", supplement, "discovered_at", disc,
		"operator_type", json_object_get(input, "operator_type"),
		"involves_cii", json_object_get(input, "involves_cii"),
		"catalog_version", cg_catalog_version(c));
	if (!*result)
		return cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
	return CG_OK;
}

cg_code cg_grade_text(const struct cg_catalog *c, const char *json, size_t len, enum cg_lang lang,
		      json_t **result, struct cg_error *err)
{
	json_error_t jerr;
	json_t *in, *checked;
	cg_code r;

	*result = NULL;
	in = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!in)
		return cg_error_set(err, CG_E_INVALID, NULL, N_("the input is not valid JSON (line %d: %s)"),
				    jerr.line, jerr.text);
	r = cg_grade_input_check(in, &checked, err);
	json_decref(in);
	if (r != CG_OK)
		return r;
	r = cg_grade(c, checked, lang, result, err);
	json_decref(checked);
	return r;
}
