/*
 * What the governance registers say about the operator's duties (cg_register_findings), by the
 * rules of the catalog (objects.register_rules), and the working-day calendar
 * (objects.calendars) the review clocks are counted on.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>

#include "ciiguard/clock.h"
#include "ciiguard/i18n.h"
#include "ciiguard/obligation.h"
#include "ciiguard/register.h"
#include "ciiguard/screen.h"
#include "ciiguard/system.h"
#include "banned.h"

static cg_code nomem(struct cg_error *err)
{
	return cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
}

/* --- dates --- */

static bool to_days(const char *date, int64_t *days)
{
	char t[32];
	int64_t ms;
	snprintf(t, sizeof t, "%.10sT00:00:00Z", date ? date : "");
	if (!date || !cg_date_valid(date) || !cg_rfc3339_parse(t, &ms))
		return false;
	*days = ms / 86400000;
	return true;
}

static void from_days(int64_t days, char out[11])
{
	char t[CG_TIME_MAX];
	cg_rfc3339_format(days * 86400000, t);
	snprintf(out, 11, "%.10s", t);
}

/* Is `date` a working day by the calendar of its year? *known: that year has a calendar. */
static bool working_day(const struct cg_catalog *c, int64_t days, bool *known)
{
	char d[11];
	size_t i, k;
	json_t *cal, *e;

	from_days(days, d);
	*known = false;
	for (i = 0; i < cg_catalog_count(c, "calendars"); i++) {
		cal = cg_catalog_item(c, "calendars", i);
		char year[8];
		snprintf(year, sizeof year, "%lld", (long long)json_integer_value(json_object_get(cal, "year")));
		if (strncmp(d, year, 4) != 0)
			continue;
		*known = true;
		json_array_foreach(json_object_get(cal, "workdays"), k, e)
			if (strcmp(json_string_value(e), d) == 0)
				return true;
		json_array_foreach(json_object_get(cal, "holidays"), k, e)
			if (strcmp(d, json_string_value(json_array_get(e, 0))) >= 0 &&
			    strcmp(d, json_string_value(json_array_get(e, 1))) <= 0)
				return false;
	}
	int wd = (int)(((days % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday: 0 = Sunday */
	return wd != 0 && wd != 6;
}

bool cg_workdays_add(const struct cg_catalog *c, const char *date, int n, char out[11], bool *provisional)
{
	int64_t days;
	bool known;

	*provisional = false;
	if (!to_days(date, &days) || n < 0 || n > 10000)
		return false;
	while (n > 0) {
		days++;
		if (working_day(c, days, &known))
			n--;
		if (!known)
			*provisional = true;
	}
	from_days(days, out);
	return true;
}

/* --- findings --- */

/*
 * What a rule finds about one record: a gap, a deadline still owed (pending), the next date of a
 * duty met for now (next), a clock another party owes (follow), or a proof that the duty is met.
 */
enum outcome { O_GAP, O_PENDING, O_NEXT, O_FOLLOW, O_PROOF };

struct ctx {
	struct cg_store *st;
	const struct cg_catalog *c;
	enum cg_lang lang;
	char today[11];
	const struct cg_perim_src *ps;
	bool derive;             /* cg_register_derive: rows of the obligations the rules prove */
	bool oom;
	json_t *findings;        /* cg_register_findings */
	json_t *rows, *defaults; /* cg_register_derive */
	struct cg_error *err;
	/* the rule being applied, and the node it proves (looked up once per rule) */
	json_t *rule, *node;
	bool org;
};

static const char *perimeter(struct ctx *x, const char *system)
{
	long i = system ? x->ps->find(x->ps->ud, system) : -1;
	return i >= 0 ? cg_perimeter_names[x->ps->perim(x->ps->ud, (size_t)i)] : "";
}

static bool listed(json_t *list, const char *s)
{
	size_t i;
	json_t *e;
	json_array_foreach(list, i, e)
		if (s && json_is_string(e) && strcmp(json_string_value(e), s) == 0)
			return true;
	return false;
}

static const char *str(json_t *doc, const char *key)
{
	return json_string_value(json_object_get(doc, key));
}

/* The systems of a record that fall in the rule's perimeters (all of them when the rule names
 * none), as a new JSON array. */
static json_t *systems_in(struct ctx *x, json_t *doc, json_t *rule)
{
	json_t *out = json_array(), *id, *to = json_object_get(rule, "applies_to");
	size_t i;
	json_array_foreach(json_object_get(doc, "systems"), i, id)
		if (!to || listed(to, perimeter(x, json_string_value(id))))
			json_array_append(out, id);
	return out;
}

/* The requirement node a rule proves, and whether it binds the organisation as a whole. */
static json_t *proved(struct ctx *x, json_t *rule, bool *org)
{
	if (rule != x->rule) {
		const char *urn = str(rule, "proves");
		x->rule = rule;
		x->node = urn ? cg_catalog_find(x->c, "requirement_nodes", urn) : NULL;
		x->org = x->node && listed(json_object_get(x->node, "applies_to"), CG_SCOPE_ORGANISATION);
	}
	*org = x->org;
	return x->node;
}

enum { RECORDS_SHOWN = 20 };

static bool append_unique(json_t *list, const char *s)
{
	if (listed(list, s))
		return true;
	return json_array_append_new(list, json_string(s)) == 0;
}

/* Adds an outcome to the rows of the obligation the rule proves, one per scope it touches. */
static void derive(struct ctx *x, json_t *rule, json_t *systems, const char *reg, const char *id, enum outcome o,
		   const char *due, bool overdue, const char *date, json_t *exposure)
{
	bool org;
	json_t *node = proved(x, rule, &org);
	const char *urn = str(node, "urn");
	char ref[256];
	size_t n = org ? 1 : json_array_size(systems);

	if (!node || o == O_FOLLOW)
		return;
	snprintf(ref, sizeof ref, "%s:%s", reg, id ? id : "");
	for (size_t i = 0; i < n; i++) {
		const char *scope = org ? CG_SCOPE_ORGANISATION : json_string_value(json_array_get(systems, i));
		char key[1024];
		json_t *row;
		if (!scope)
			continue;
		snprintf(key, sizeof key, "%s|%s", scope, urn);
		if (!(row = json_object_get(x->rows, key))) {
			row = json_pack("{s:i,s:i,s:{},s:b,s:[],s:[],s:i}", "_bad", 0, "_proofs", 0, "_seen", "overdue", 0, "rules",
					"records", "records_total", 0);
			if (!row || json_object_set_new(x->rows, key, row) != 0) {
				x->oom = true;
				return;
			}
		}
		/* a passed next date leaves the duty met, and overdue, as a cadence does */
		if (o == O_GAP || o == O_PENDING)
			json_object_set_new(row, "_bad", json_integer(json_integer_value(json_object_get(row, "_bad")) + 1));
		if (overdue)
			json_object_set_new(row, "overdue", json_true());
		if (o == O_PROOF) {
			const char *last = str(row, "last_met");
			json_object_set_new(row, "_proofs", json_integer(json_integer_value(json_object_get(row, "_proofs")) + 1));
			if (date && (!last || strcmp(date, last) > 0))
				json_object_set_new(row, "last_met", json_string(date));
		} else if (due && (!str(row, "due") || strcmp(due, str(row, "due")) < 0)) {
			json_object_set_new(row, "due", json_string(due));
		}
		/* the records named: the first RECORDS_SHOWN, and how many there are */
		json_t *seen = json_object_get(row, "_seen"), *records = json_object_get(row, "records");
		if (!append_unique(json_object_get(row, "rules"), str(rule, "id")))
			x->oom = true;
		if (!json_object_get(seen, ref)) {
			json_int_t total = json_integer_value(json_object_get(row, "records_total")) + 1;
			if (json_object_set_new(seen, ref, json_true()) != 0 ||
			    (json_array_size(records) < RECORDS_SHOWN && json_array_append_new(records, json_string(ref)) != 0))
				x->oom = true;
			json_object_set_new(row, "records_total", json_integer(total));
		}
		if (json_is_number(json_object_get(exposure, "min_cny"))) {
			json_t *priced = json_object_get(row, "priced");
			if (!priced)
				json_object_set_new(row, "priced", priced = json_array());
			if (json_array_append_new(priced, json_pack("{s:s,s:I,s:I}", "ref", ref,
				"min_cny", (json_int_t)llround(json_number_value(json_object_get(exposure, "min_cny"))),
				"max_cny", (json_int_t)llround(json_number_value(json_object_get(exposure, "max_cny"))))) != 0)
				x->oom = true;
		}
	}
}

static const char *const outcome_kinds[] = { "gap", "deadline", "deadline", "follow_up", NULL };

/* A finding (cg_register_findings), or an outcome of the rows (cg_register_derive). */
static void add(struct ctx *x, json_t *rule, const char *reg, const char *id, enum outcome o, const char *due,
		bool overdue, const char *detail, json_t *exposure, json_t *systems)
{
	char src[CG_CATALOG_SOURCE_MAX];
	if (x->derive) {
		derive(x, rule, systems, reg, id, o, due, overdue, NULL, exposure);
		json_decref(exposure);
		return;
	}
	cg_catalog_source(x->c, rule, x->lang, src, sizeof src);
	json_t *f = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s?,s:s?,s:s?,s:b,s:s?,s:o?,s:O?}", "register", reg, "id", id,
		"kind", outcome_kinds[o], "rule", json_string_value(json_object_get(rule, "id")), "source", src,
		"text", cg_catalog_text(rule, "text", x->lang), "detail", detail, "due", due, "overdue", overdue,
		"sanction", json_string_value(json_object_get(json_object_get(rule, "sanction"), "id")), "exposure", exposure,
		"systems", json_array_size(systems) ? systems : NULL);
	if (!f || json_array_append_new(x->findings, f) != 0)
		x->oom = true;
}

/* A record that shows the duty met (cg_register_derive only). */
static void prove(struct ctx *x, json_t *rule, json_t *systems, const char *reg, const char *id, const char *date)
{
	if (x->derive)
		derive(x, rule, systems, reg, id, O_PROOF, NULL, false, date, NULL);
}

/* A figure of the rule; the catalog loader requires every one a rule reads. */
static int64_t threshold(json_t *rule, const char *name)
{
	return json_integer_value(json_object_get(json_object_get(rule, "thresholds"), name));
}

static json_t *find_doc(json_t *list, const char *id)
{
	size_t i;
	json_t *doc;
	json_array_foreach(list, i, doc)
		if (id && str(doc, "id") && strcmp(str(doc, "id"), id) == 0)
			return doc;
	return NULL;
}

/* A current agreement: signed by today, not expired. */
static bool current(struct ctx *x, json_t *a)
{
	const char *signed_on = str(a, "signed_on"), *exp = str(a, "expires_on");
	return signed_on && strcmp(signed_on, x->today) <= 0 && (!exp || strcmp(exp, x->today) >= 0);
}

static void agreement_current(struct ctx *x, json_t *rule, json_t *vendors, json_t *agreements)
{
	size_t i, k;
	json_t *v, *a;
	json_array_foreach(vendors, i, v) {
		json_t *sys = systems_in(x, v, rule), *cur = NULL;
		json_array_foreach(agreements, k, a)
			if (strcmp(str(a, "vendor"), str(v, "id")) == 0 && current(x, a) &&
			    (!cur || strcmp(str(a, "signed_on"), str(cur, "signed_on")) > 0))
				cur = a;
		if (json_array_size(sys) && !cur) {
			char *detail = json_dumps(sys, JSON_COMPACT);
			add(x, rule, "vendor", str(v, "id"), O_GAP, NULL, true, detail, NULL, sys);
			free(detail);
		} else if (json_array_size(sys)) {
			prove(x, rule, sys, "agreement", str(cur, "id"), str(cur, "signed_on"));
		}
		json_decref(sys);
	}
}

static void agreement_renewal(struct ctx *x, json_t *rule, json_t *vendors, json_t *agreements)
{
	size_t i, k;
	json_t *a, *b;
	int64_t today, exp;
	to_days(x->today, &today);
	json_array_foreach(agreements, i, a) {
		const char *e = str(a, "expires_on");
		bool renewed = false;
		if (!e || !to_days(e, &exp))
			continue;
		/* a later agreement with the same provider renews it */
		json_array_foreach(agreements, k, b)
			renewed |= b != a && strcmp(str(b, "vendor"), str(a, "vendor")) == 0 &&
				   strcmp(str(b, "signed_on"), str(a, "signed_on")) > 0;
		if (renewed || exp - threshold(rule, "notice_days") > today)
			continue;
		json_t *sys = systems_in(x, find_doc(vendors, str(a, "vendor")), rule);
		add(x, rule, "agreement", str(a, "id"), O_NEXT, e, exp < today, str(a, "vendor"), NULL, sys);
		json_decref(sys);
	}
}

static void agreement_duties(struct ctx *x, json_t *rule, json_t *vendors, json_t *agreements)
{
	size_t i, k;
	json_t *a, *f;
	json_array_foreach(agreements, i, a) {
		char missing[256] = "";
		size_t used = 0;
		if (!current(x, a))
			continue;
		json_array_foreach(json_object_get(rule, "fields"), k, f)
			if (!json_is_true(json_object_get(a, json_string_value(f)))) {
				int w = snprintf(missing + used, sizeof missing - used, "%s%s", used ? ", " : "", json_string_value(f));
				if (w > 0 && (size_t)w < sizeof missing - used)
					used += (size_t)w;
			}
		if (used) {
			json_t *sys = systems_in(x, find_doc(vendors, str(a, "vendor")), rule);
			add(x, rule, "agreement", str(a, "id"), O_GAP, NULL, true, missing, NULL, sys);
			json_decref(sys);
		}
	}
}

/* Does the procurement need a cybersecurity review? *sys: its systems in the rule's perimeters. */
static bool needs_review(struct ctx *x, json_t *rule, json_t *p, json_t **sys)
{
	*sys = systems_in(x, p, rule);
	return json_is_true(json_object_get(p, "affects_national_security")) ||
	       (json_array_size(*sys) && listed(json_object_get(rule, "categories"), str(p, "category")));
}

static void review_trigger(struct ctx *x, json_t *rule, json_t *procurements)
{
	size_t i;
	json_t *p;
	const char *sid = json_string_value(json_object_get(json_object_get(rule, "sanction"), "id"));
	json_t *pen = sid ? cg_catalog_find(x->c, "penalties", sid) : NULL, *ent = json_object_get(pen, "entity");

	json_array_foreach(procurements, i, p) {
		const char *status = str(p, "review_status") ? str(p, "review_status") : "none";
		bool cleared = strcmp(status, "cleared") == 0 || strcmp(status, "not_required") == 0;
		json_t *sys = NULL;
		bool flagged = needs_review(x, rule, p, &sys);
		if (!flagged) {
		} else if (cleared) {
			prove(x, rule, sys, "procurement", str(p, "id"), str(p, "filed_on"));
		} else if (str(p, "in_use_since")) {
			double amount = json_number_value(json_object_get(p, "amount_cny"));
			json_t *exp = json_object_get(ent, "min_times_amount") ?
				json_pack("{s:f,s:f,s:O,s:O}", "min_cny", amount * (double)json_integer_value(json_object_get(ent, "min_times_amount")),
					  "max_cny", amount * (double)json_integer_value(json_object_get(ent, "max_times_amount")),
					  "min_times_amount", json_object_get(ent, "min_times_amount"),
					  "max_times_amount", json_object_get(ent, "max_times_amount")) : NULL;
			add(x, rule, "procurement", str(p, "id"), O_GAP, NULL, true, "in_use_without_clearance", exp, sys);
		} else if (strcmp(status, "none") == 0) {
			add(x, rule, "procurement", str(p, "id"), O_GAP, NULL, false, "file_before_use", NULL, sys);
		} else if (x->derive) {
			/* under review and not in use: the duty is being met */
			derive(x, rule, sys, "procurement", str(p, "id"), O_PENDING, NULL, false, NULL, NULL);
		}
		json_decref(sys);
	}
}

static void review_clocks(struct ctx *x, json_t *trigger, json_t *rule, json_t *procurements)
{
	size_t i;
	json_t *p;
	json_array_foreach(procurements, i, p) {
		const char *status = str(p, "review_status") ? str(p, "review_status") : "none";
		const char *from = NULL;
		int64_t n = 0;
		char due[11];
		bool prov;
		json_t *sys = NULL;
		bool flagged = !trigger || needs_review(x, trigger, p, &sys);
		json_decref(sys);
		if (!flagged)
			continue;
		if (strcmp(status, "filed") == 0) {
			from = str(p, "filed_on");
			n = threshold(rule, "decide_working_days");
		} else if (strcmp(status, "preliminary") == 0 || strcmp(status, "complex") == 0) {
			from = str(p, "review_started_on");
			n = threshold(rule, "preliminary_working_days") +
			    (strcmp(status, "complex") == 0 ? threshold(rule, "complex_extra_working_days") : 0);
		} else if (strcmp(status, "special") == 0) {
			from = str(p, "review_started_on");
			n = threshold(rule, "special_working_days");
		}
		if (!from || !cg_workdays_add(x->c, from, (int)n, due, &prov))
			continue;
		add(x, rule, "procurement", str(p, "id"), O_FOLLOW, due, false, prov ? "provisional" : status, NULL, NULL);
	}
}

static bool in_body(json_t *p)
{
	const char *role = str(p, "role");
	return json_array_size(json_object_get(p, "key_positions")) > 0 ||
	       (role && (strcmp(role, "security_head") == 0 || strcmp(role, "security_member") == 0));
}

static void people(struct ctx *x, json_t *rule, const char *name, json_t *persons)
{
	size_t i, k;
	json_t *p, *pos;

	if (strcmp(name, "key_position_staffing") == 0) {
		json_t *count = json_object();
		const char *key;
		json_array_foreach(persons, i, p)
			json_array_foreach(json_object_get(p, "key_positions"), k, pos)
				json_object_set_new(count, json_string_value(pos),
						    json_integer(json_integer_value(json_object_get(count, json_string_value(pos))) + 1));
		json_object_foreach(count, key, pos) {
			if (json_integer_value(pos) < threshold(rule, "people_per_position"))
				add(x, rule, "key_position", key, O_GAP, NULL, true, NULL, NULL, NULL);
			else
				prove(x, rule, NULL, "key_position", key, NULL);
		}
		json_decref(count);
		return;
	}
	json_array_foreach(persons, i, p) {
		const char *role = str(p, "role");
		if (strcmp(name, "background_check") == 0) {
			bool needed = json_array_size(json_object_get(p, "key_positions")) > 0 || (role && strcmp(role, "security_head") == 0);
			const char *on = str(p, "background_check_on"), *changed = str(p, "identity_changed_on");
			if (needed && !on)
				add(x, rule, "person", str(p, "id"), O_GAP, NULL, true, "no_check", NULL, NULL);
			else if (needed && changed && strcmp(changed, on) > 0)
				add(x, rule, "person", str(p, "id"), O_GAP, NULL, true, "recheck_after_change", NULL, NULL);
			else if (needed)
				prove(x, rule, NULL, "person", str(p, "id"), on);
		} else if (strcmp(name, "training_hours") == 0 && in_body(p)) {
			char year[5], due[11];
			snprintf(year, sizeof year, "%.4s", x->today);
			snprintf(due, sizeof due, "%s-12-31", year);
			double hours = json_number_value(json_object_get(json_object_get(p, "training_hours"), year));
			if (hours < (double)threshold(rule, "hours_per_year")) {
				char detail[64];
				snprintf(detail, sizeof detail, "%g/%lld", hours, (long long)threshold(rule, "hours_per_year"));
				add(x, rule, "person", str(p, "id"), O_PENDING, due, false, detail, NULL, NULL);
			} else {
				prove(x, rule, NULL, "person", str(p, "id"), NULL);
			}
		}
	}
}


/* --- decisions, assessments, plans and drills, changes, tests, vulnerabilities, filings,
 *     personal-information audits, inspections --- */

static bool date_plus(const char *date, int64_t days, char out[11])
{
	int64_t d;
	if (!to_days(date, &d))
		return false;
	from_days(d + days, out);
	return true;
}

static bool months_plus(const char *date, int64_t months, char out[11])
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d;
	if (!date || !cg_date_valid(date) || sscanf(date, "%4d-%2d-%2d", &y, &m, &d) != 3)
		return false;
	int64_t t = (int64_t)(m - 1) + months;
	y += (int)(t / 12);
	m = (int)(t % 12) + 1;
	int last = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
	char tmp[32];
	snprintf(tmp, sizeof tmp, "%04d-%02d-%02d", y, m, d < last ? d : last);
	memcpy(out, tmp, 11);
	return true;
}

/* A deadline `due` (overdue when before today). */
static void deadline(struct ctx *x, json_t *rule, const char *reg, const char *id, enum outcome o, const char *due,
		     const char *detail, json_t *systems)
{
	add(x, rule, reg, id, o, due, strcmp(due, x->today) < 0, detail, NULL, systems);
}

/* The record of `list` with the latest `date_field` among those whose systems include `system`. */
static json_t *latest_for(json_t *list, const char *system, const char *date_field)
{
	json_t *best = NULL, *doc;
	size_t i;
	json_array_foreach(list, i, doc) {
		const char *d = str(doc, date_field);
		if (d && listed(json_object_get(doc, "systems"), system) && (!best || strcmp(d, str(best, date_field)) > 0))
			best = doc;
	}
	return best;
}

/* One system's record of a recurring duty (an assessment, a personal-information audit). */
static void cadence_one(struct ctx *x, json_t *rule, json_t *list, const char *reg, const char *system,
			const char *absent)
{
	json_t *last = latest_for(list, system, "performed_on"), *one = json_pack("[s]", system);
	char due[11];
	if (!last) {
		add(x, rule, "system", system, O_GAP, NULL, true, absent, NULL, one);
	} else if (date_plus(str(last, "performed_on"), threshold(rule, "every_days"), due)) {
		if (x->derive) {
			prove(x, rule, one, reg, str(last, "id"), str(last, "performed_on"));
			deadline(x, rule, reg, str(last, "id"), O_NEXT, due, str(last, "performed_on"), one);
		} else {
			deadline(x, rule, "system", system, O_NEXT, due, str(last, "performed_on"), one);
		}
	}
	json_decref(one);
}

/*
 * A duty every system of the rule's perimeters must have a record for (an assessment, a plan).
 * Listing: one finding per system. Deriving for a per-system obligation: the rows of the systems
 * that have records, and a default row (overdue) for those that have none; for an obligation of
 * the organisation: a gap per system without a record, all in the organisation's row.
 */
static void per_system(struct ctx *x, json_t *rule, json_t *list, const char *reg)
{
	json_t *to = json_object_get(rule, "applies_to"), *doc, *e;
	bool cadence = strcmp(reg, "assessment") == 0, org;
	json_t *node = proved(x, rule, &org);
	size_t i, k;

	if (x->derive && !org) {
		json_t *seen = json_object();
		json_t *def = json_pack("{s:O,s:{s:s,s:b,s:[s],s:[],s:i}}", "perimeters", to ? to : json_null(), "row",
					"status", "not_started", "overdue", 1, "rules", str(rule, "id"), "records", "records_total", 0);
		if (!seen || !def || json_object_set_new(x->defaults, str(node, "urn"), def) != 0)
			x->oom = true;
		json_array_foreach(list, i, doc)
			json_array_foreach(json_object_get(doc, "systems"), k, e) {
				const char *sid = json_string_value(e);
				if (!sid || json_object_get(seen, sid) || !listed(to, perimeter(x, sid)))
					continue;
				json_object_set_new(seen, sid, json_true());
				if (cadence) {
					cadence_one(x, rule, list, reg, sid, perimeter(x, sid));
				} else {
					json_t *one = json_pack("[s]", sid);
					prove(x, rule, one, reg, str(doc, "id"), str(doc, "approved_on"));
					json_decref(one);
				}
			}
		json_decref(seen);
		return;
	}
	json_t *covered = json_object();
	size_t missing = 0;
	json_array_foreach(list, i, doc)
		json_array_foreach(json_object_get(doc, "systems"), k, e)
			if (json_is_string(e))
				json_object_set_new(covered, json_string_value(e), json_true());
	for (i = 0; i < x->ps->n; i++) {
		const char *sid = x->ps->id(x->ps->ud, i), *pn = cg_perimeter_names[x->ps->perim(x->ps->ud, i)];
		if (!listed(to, pn))
			continue;
		if (!json_object_get(covered, sid)) {
			/* deriving for the organisation: name the first systems, count the others */
			if (x->derive && missing++ >= RECORDS_SHOWN)
				continue;
			json_t *one = json_pack("[s]", sid);
			add(x, rule, "system", sid, O_GAP, NULL, true, pn, NULL, one);
			json_decref(one);
		} else if (cadence) {
			cadence_one(x, rule, list, reg, sid, pn);
		}
	}
	if (x->derive && missing > RECORDS_SHOWN) {
		char key[1024];
		snprintf(key, sizeof key, "%s|%s", CG_SCOPE_ORGANISATION, str(node, "urn"));
		json_t *row = json_object_get(x->rows, key);
		json_object_set_new(row, "records_total", json_integer(json_integer_value(json_object_get(row, "records_total")) +
								      (json_int_t)(missing - RECORDS_SHOWN)));
	}
	if (x->derive && !cadence) {
		/* the organisation's row: the plans that cover a system of the perimeters */
		json_array_foreach(list, i, doc) {
			json_t *sys = systems_in(x, doc, rule);
			if (json_array_size(sys))
				prove(x, rule, NULL, reg, str(doc, "id"), str(doc, cadence ? "performed_on" : "approved_on"));
			json_decref(sys);
		}
	}
	json_decref(covered);
}

/* The personal-information audit binds by volume: the systems above the rule's threshold. */
static void pi_audits(struct ctx *x, json_t *rule, json_t *audits)
{
	struct cg_stmt *q;
	enum cg_step s;
	/* listed in id order; the order does not matter to the rows (no sort for them) */
	if (cg_store_prepare(x->st, x->derive ? "SELECT id FROM systems WHERE data_pi_subjects > ?" :
			     "SELECT id FROM systems WHERE data_pi_subjects > ? ORDER BY id", &q, x->err) != CG_OK) {
		x->oom = true;
		return;
	}
	if (cg_stmt_bind_int64(q, 1, threshold(rule, "pi_subjects_over")) != CG_OK) {
		cg_stmt_done(q);
		x->oom = true;
		return;
	}
	while ((s = cg_stmt_step(q, x->err)) == CG_STEP_ROW)
		cadence_one(x, rule, audits, "pi_audit", cg_stmt_text(q, 0), "no_audit");
	cg_stmt_done(q);
	if (s == CG_STEP_ERROR)
		x->oom = true;
}

static void more(struct ctx *x, json_t *rule, const char *name, json_t **lists)
{
	json_t *persons = lists[3], *decisions = lists[4], *assessments = lists[5], *plans = lists[6], *drills = lists[7];
	json_t *changes = lists[8], *pentests = lists[9], *vulns = lists[10], *filings = lists[11], *audits = lists[12];
	json_t *inspections = lists[13], *doc, *e;
	size_t i, k;
	char due[11];
	bool prov;

	if (strcmp(name, "decision_security_body") == 0) {
		json_array_foreach(decisions, i, doc) {
			bool body = false;
			json_array_foreach(json_object_get(doc, "participants"), k, e) {
				json_t *p = find_doc(persons, json_string_value(e));
				if (p && str(p, "role") &&
				    (strcmp(str(p, "role"), "security_head") == 0 || strcmp(str(p, "role"), "security_member") == 0))
					body = true;
			}
			if (!body)
				add(x, rule, "decision", str(doc, "id"), O_GAP, NULL, true, str(doc, "kind"), NULL,
				    json_object_get(doc, "systems"));
			else
				prove(x, rule, json_object_get(doc, "systems"), "decision", str(doc, "id"), str(doc, "decided_on"));
		}
	} else if (strcmp(name, "decision_approval") == 0 || strcmp(name, "assessment_approval") == 0) {
		/* decisions of the rule's kinds, and assessments once submitted, need the principal's approval */
		bool dec = strcmp(name, "decision_approval") == 0;
		json_array_foreach(dec ? decisions : assessments, i, doc) {
			json_t *sys = json_object_get(doc, "systems");
			if (dec ? !listed(json_object_get(rule, "categories"), str(doc, "kind")) : !str(doc, "submitted_on"))
				continue;
			if (str(doc, "principal_approval_on"))
				prove(x, rule, sys, dec ? "decision" : "assessment", str(doc, "id"), str(doc, "principal_approval_on"));
			else
				add(x, rule, dec ? "decision" : "assessment", str(doc, "id"), O_GAP, NULL, !dec,
				    dec ? str(doc, "kind") : "submitted_without_approval", NULL, sys);
		}
	} else if (strcmp(name, "annual_assessment") == 0) {
		per_system(x, rule, assessments, "assessment");
	} else if (strcmp(name, "plan_coverage") == 0) {
		per_system(x, rule, plans, "plan");
	} else if (strcmp(name, "pi_audit_cadence") == 0) {
		pi_audits(x, rule, audits);
	} else if (strcmp(name, "remediation") == 0) {
		json_array_foreach(assessments, i, doc)
			if (str(doc, "remediation_due") && !str(doc, "remediation_done_on"))
				deadline(x, rule, "assessment", str(doc, "id"), O_PENDING, str(doc, "remediation_due"),
					 str(doc, "remediation_owner"), json_object_get(doc, "systems"));
	} else if (strcmp(name, "drill_cadence") == 0) {
		int64_t every = threshold(rule, "every_days");
		json_array_foreach(plans, i, doc) {
			json_t *last = NULL;
			json_array_foreach(drills, k, e)
				if (strcmp(str(e, "plan"), str(doc, "id")) == 0 &&
				    (!last || strcmp(str(e, "performed_on"), str(last, "performed_on")) > 0))
					last = e;
			const char *from = last ? str(last, "performed_on") : str(doc, "approved_on");
			json_t *sys = json_object_get(doc, "systems");
			if (last)
				prove(x, rule, sys, "drill", str(last, "id"), from);
			if (!from)
				add(x, rule, "plan", str(doc, "id"), O_GAP, NULL, false, "never_drilled", NULL, sys);
			else if (date_plus(from, every, due))
				deadline(x, rule, "plan", str(doc, "id"), O_NEXT, due, last ? from : "never_drilled", sys);
		}
	} else if (strcmp(name, "drill_follow_up") == 0 || strcmp(name, "inspection_follow_up") == 0) {
		bool drill = strcmp(name, "drill_follow_up") == 0;
		json_array_foreach(drill ? drills : inspections, i, doc) {
			json_t *sys = drill ? json_object_get(find_doc(plans, str(doc, "plan")), "systems") : json_object_get(doc, "systems");
			if (str(doc, "follow_up_due") && !str(doc, "follow_up_done_on"))
				deadline(x, rule, drill ? "drill" : "inspection", str(doc, "id"), O_PENDING, str(doc, "follow_up_due"),
					 NULL, sys);
			else if (str(doc, "follow_up_done_on"))
				prove(x, rule, sys, drill ? "drill" : "inspection", str(doc, "id"), str(doc, "follow_up_done_on"));
		}
	} else if (strcmp(name, "change_report") == 0) {
		json_array_foreach(changes, i, doc) {
			json_t *sys = json_object_get(doc, "systems");
			if (!str(doc, "reported_on")) {
				if (date_plus(str(doc, "occurred_on"), threshold(rule, "report_days"), due))
					deadline(x, rule, "change", str(doc, "id"), O_PENDING, due, str(doc, "kind"), sys);
			} else {
				prove(x, rule, sys, "change", str(doc, "id"), str(doc, "reported_on"));
				if (strcmp(str(doc, "kind"), "material_change") == 0 && !str(doc, "reidentified_on") &&
				    months_plus(str(doc, "reported_on"), threshold(rule, "reidentify_months"), due))
					add(x, rule, "change", str(doc, "id"), O_FOLLOW, due, false, "reidentification", NULL, sys);
			}
		}
	} else if (strcmp(name, "pentest_window") == 0) {
		json_array_foreach(pentests, i, doc) {
			const char *on = str(doc, "performed_on"), *from = str(doc, "window_start"), *to = str(doc, "window_end");
			json_t *sys = json_object_get(doc, "systems");
			if (on && (!from || !to || strcmp(on, from) < 0 || strcmp(on, to) > 0))
				add(x, rule, "pentest", str(doc, "id"), O_GAP, NULL, true, on, NULL, sys);
			else if (on)
				prove(x, rule, sys, "pentest", str(doc, "id"), on);
		}
	} else if (strcmp(name, "vulnerability_report") == 0) {
		json_array_foreach(vulns, i, doc) {
			json_t *sys = json_object_get(doc, "systems");
			if (!json_is_true(json_object_get(doc, "endangers_public_interest")))
				continue;
			if (str(doc, "reported_on"))
				prove(x, rule, sys, "vulnerability", str(doc, "id"), str(doc, "reported_on"));
			else if (date_plus(str(doc, "found_on"), threshold(rule, "report_days"), due))
				deadline(x, rule, "vulnerability", str(doc, "id"), O_PENDING, due, str(doc, "severity"), sys);
		}
	} else if (strcmp(name, "filing_clocks") == 0) {
		static const struct { const char *event, *done, *limit; } steps[] = {
			{ "launched_on", "filed_on", "launch_working_days" },
			{ "changed_on", "change_filed_on", "change_working_days" },
			{ "cancelled_on", "cancellation_filed_on", "cancel_working_days" },
		};
		json_array_foreach(filings, i, doc)
			for (size_t s = 0; s < 3; s++)
				if (str(doc, steps[s].event) && !str(doc, steps[s].done) &&
				    cg_workdays_add(x->c, str(doc, steps[s].event), (int)threshold(rule, steps[s].limit), due, &prov))
					deadline(x, rule, "filing", str(doc, "id"), O_PENDING, due, prov ? "provisional" : steps[s].event,
						 json_object_get(doc, "systems"));
	}
}

/* Applies every rule (deriving: those that prove an obligation) to the records. */
static cg_code apply(struct ctx *x)
{
	static const char *const kinds[] = { "vendor", "agreement", "procurement", "person", "decision", "assessment",
		"plan", "drill", "change", "pentest", "vulnerability", "filing", "pi_audit", "inspection" };
	enum { NK = sizeof kinds / sizeof kinds[0] };
	json_t *lists[NK] = { NULL }, *trigger = NULL;
	char now[CG_TIME_MAX];
	cg_code r = cg_now(now, x->err);

	if (r == CG_OK)
		snprintf(x->today, sizeof x->today, "%.10s", now);
	for (int i = 0; i < NK && r == CG_OK; i++)
		r = cg_record_list(x->st, cg_rkind_find(kinds[i]), &lists[i], x->err);
	for (size_t i = 0; i < cg_catalog_count(x->c, "register_rules") && r == CG_OK; i++) {
		json_t *rule = cg_catalog_item(x->c, "register_rules", i);
		if (strcmp(str(rule, "rule"), "review_trigger") == 0)
			trigger = rule;
	}
	for (size_t i = 0; i < cg_catalog_count(x->c, "register_rules") && r == CG_OK && !x->oom; i++) {
		json_t *rule = cg_catalog_item(x->c, "register_rules", i);
		const char *name = str(rule, "rule");
		bool org;
		if (x->derive && !proved(x, rule, &org))
			continue;
		if (strcmp(name, "agreement_current") == 0)
			agreement_current(x, rule, lists[0], lists[1]);
		else if (strcmp(name, "agreement_renewal") == 0)
			agreement_renewal(x, rule, lists[0], lists[1]);
		else if (strcmp(name, "agreement_duties") == 0)
			agreement_duties(x, rule, lists[0], lists[1]);
		else if (strcmp(name, "review_trigger") == 0)
			review_trigger(x, rule, lists[2]);
		else if (strcmp(name, "review_clocks") == 0)
			review_clocks(x, trigger, rule, lists[2]);
		else if (strcmp(name, "key_position_staffing") == 0 || strcmp(name, "background_check") == 0 ||
			 strcmp(name, "training_hours") == 0)
			people(x, rule, name, lists[3]);
		else
			more(x, rule, name, lists);
	}
	if (r == CG_OK && x->oom)
		r = x->err && x->err->code ? x->err->code : nomem(x->err);
	for (int i = 0; i < NK; i++)
		json_decref(lists[i]);
	return r;
}

/* --- the perimeters of cg_perimeters as a cg_perim_src --- */

struct jperims {
	const char **ids;
	json_t *obj;
	size_t n;
};

static int cmp_id(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static const char *jp_id(void *ud, size_t i)
{
	return ((struct jperims *)ud)->ids[i];
}

static int jp_perim(void *ud, size_t i)
{
	struct jperims *j = ud;
	const char *p = json_string_value(json_object_get(j->obj, j->ids[i]));
	for (int k = 0; cg_perimeter_names[k]; k++)
		if (p && strcmp(cg_perimeter_names[k], p) == 0)
			return k;
	return 0;
}

static long jp_find(void *ud, const char *id)
{
	struct jperims *j = ud;
	const char **at = j->n ? bsearch(&id, j->ids, j->n, sizeof *j->ids, cmp_id) : NULL;
	return at ? (long)(at - j->ids) : -1;
}

cg_code cg_register_findings(struct cg_store *st, const struct cg_catalog *c, enum cg_lang lang, json_t **out,
			     struct cg_error *err)
{
	struct jperims j = { NULL, NULL, 0 };
	struct cg_perim_src ps = { 0, jp_id, jp_perim, jp_find, &j };
	struct ctx x = { st, c, lang, "", &ps, false, false, json_array(), NULL, NULL, err, NULL, NULL, false };
	const char *key;
	json_t *v;
	cg_code r = x.findings ? cg_perimeters(st, c, &j.obj, err) : nomem(err);

	*out = NULL;
	if (r == CG_OK && !(j.ids = calloc(json_object_size(j.obj) + 1, sizeof *j.ids)))
		r = nomem(err);
	if (r == CG_OK) {
		json_object_foreach(j.obj, key, v)
			j.ids[j.n++] = key;
		qsort(j.ids, j.n, sizeof *j.ids, cmp_id);
		ps.n = j.n;
		r = apply(&x);
	}
	if (r == CG_OK && !(*out = json_pack("{s:s,s:O}", "today", x.today, "findings", x.findings)))
		r = nomem(err);
	free(j.ids);
	json_decref(j.obj);
	json_decref(x.findings);
	return r;
}

cg_code cg_register_derive(struct cg_store *st, const struct cg_catalog *c, const struct cg_perim_src *ps,
			   json_t **out, struct cg_error *err)
{
	struct ctx x = { st, c, CG_LANG_EN, "", ps, true, false, NULL, json_object(), json_object(), err, NULL, NULL, false };
	const char *key;
	json_t *row;
	cg_code r = x.rows && x.defaults ? apply(&x) : nomem(err);

	*out = NULL;
	json_object_foreach(x.rows, key, row) {
		bool bad = json_integer_value(json_object_get(row, "_bad")) > 0;
		bool proofs = json_integer_value(json_object_get(row, "_proofs")) > 0;
		json_object_set_new(row, "status", json_string(bad ? (proofs ? "in_progress" : "not_started") :
								      proofs ? "met" : "in_progress"));
		json_object_del(row, "_bad");
		json_object_del(row, "_seen");
		json_object_del(row, "_proofs");
	}
	if (r == CG_OK && !(*out = json_pack("{s:O,s:O}", "rows", x.rows, "defaults", x.defaults)))
		r = nomem(err);
	json_decref(x.rows);
	json_decref(x.defaults);
	return r;
}

json_t *cg_register_effective(json_t *derived, json_t *stored, const char *key, const char *urn, int perim)
{
	json_t *row, *def;
	const char *st = json_string_value(json_object_get(stored, "status"));

	if (st && strcmp(st, "not_applicable") == 0)
		return stored;
	if ((row = json_object_get(json_object_get(derived, "rows"), key)))
		return row;
	def = json_object_get(json_object_get(derived, "defaults"), urn);
	if (def && perim >= 0 && perim < CG_PERIM__COUNT && strncmp(key, CG_SCOPE_ORGANISATION "|", 13) != 0 &&
	    listed(json_object_get(def, "perimeters"), cg_perimeter_names[perim]))
		return json_object_get(def, "row");
	return stored;
}
