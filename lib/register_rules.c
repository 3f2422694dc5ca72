/*
 * What the governance registers say about the operator's duties (cg_register_findings), by the
 * rules of the catalog (objects.register_rules), and the working-day calendar
 * (objects.calendars) the review clocks are counted on.
 */
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

struct ctx {
	struct cg_store *st;
	const struct cg_catalog *c;
	enum cg_lang lang;
	char today[11];
	json_t *findings, *perims; /* system id -> perimeter */
	struct cg_error *err;
};

static const char *perimeter(struct ctx *x, const char *system)
{
	const char *p = json_string_value(json_object_get(x->perims, system));
	return p ? p : "";
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

/* The systems of a record that fall in the rule's perimeters, as a JSON array. */
static json_t *systems_in(struct ctx *x, json_t *doc, json_t *rule)
{
	json_t *out = json_array(), *id;
	size_t i;
	json_array_foreach(json_object_get(doc, "systems"), i, id)
		if (listed(json_object_get(rule, "applies_to"), perimeter(x, json_string_value(id))))
			json_array_append(out, id);
	return out;
}

static void add(struct ctx *x, json_t *rule, const char *reg, const char *id, const char *kind, const char *due,
		bool overdue, const char *detail, json_t *exposure)
{
	char src[160];
	cg_catalog_source(rule, src, sizeof src);
	json_t *f = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s?,s:s?,s:s?,s:b,s:s?,s:o?}", "register", reg, "id", id, "kind", kind,
		"rule", json_string_value(json_object_get(rule, "id")), "source", src,
		"text", cg_catalog_text(rule, "text", x->lang), "detail", detail, "due", due, "overdue", overdue,
		"sanction", json_string_value(json_object_get(json_object_get(rule, "sanction"), "id")), "exposure", exposure);
	if (f)
		json_array_append_new(x->findings, f);
}

/* A figure of the rule; the catalog loader requires every one a rule reads. */
static int64_t threshold(json_t *rule, const char *name)
{
	return json_integer_value(json_object_get(json_object_get(rule, "thresholds"), name));
}

static const char *str(json_t *doc, const char *key)
{
	return json_string_value(json_object_get(doc, key));
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
		json_t *sys = systems_in(x, v, rule);
		bool ok = false;
		json_array_foreach(agreements, k, a)
			ok |= strcmp(str(a, "vendor"), str(v, "id")) == 0 && current(x, a);
		if (json_array_size(sys) && !ok) {
			char *detail = json_dumps(sys, JSON_COMPACT);
			add(x, rule, "vendor", str(v, "id"), "gap", NULL, true, detail, NULL);
			free(detail);
		}
		json_decref(sys);
	}
}

static void agreement_renewal(struct ctx *x, json_t *rule, json_t *agreements)
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
		add(x, rule, "agreement", str(a, "id"), "deadline", e, exp < today, str(a, "vendor"), NULL);
	}
}

static void agreement_duties(struct ctx *x, json_t *rule, json_t *agreements)
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
		if (used)
			add(x, rule, "agreement", str(a, "id"), "gap", NULL, true, missing, NULL);
	}
}

static bool needs_review(struct ctx *x, json_t *rule, json_t *p)
{
	json_t *sys = systems_in(x, p, rule);
	bool flagged = json_is_true(json_object_get(p, "affects_national_security")) ||
		       (json_array_size(sys) && listed(json_object_get(rule, "categories"), str(p, "category")));
	json_decref(sys);
	return flagged;
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
		if (cleared || !needs_review(x, rule, p))
			continue;
		if (str(p, "in_use_since")) {
			double amount = json_number_value(json_object_get(p, "amount_cny"));
			json_t *exp = json_object_get(ent, "min_times_amount") ?
				json_pack("{s:f,s:f,s:O,s:O}", "min_cny", amount * (double)json_integer_value(json_object_get(ent, "min_times_amount")),
					  "max_cny", amount * (double)json_integer_value(json_object_get(ent, "max_times_amount")),
					  "min_times_amount", json_object_get(ent, "min_times_amount"),
					  "max_times_amount", json_object_get(ent, "max_times_amount")) : NULL;
			add(x, rule, "procurement", str(p, "id"), "gap", NULL, true, "in_use_without_clearance", exp);
		} else if (strcmp(status, "none") == 0) {
			add(x, rule, "procurement", str(p, "id"), "gap", NULL, false, "file_before_use", NULL);
		}
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
		if (trigger && !needs_review(x, trigger, p))
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
		add(x, rule, "procurement", str(p, "id"), "follow_up", due, false, prov ? "provisional" : status, NULL);
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
		json_object_foreach(count, key, pos)
			if (json_integer_value(pos) < threshold(rule, "people_per_position"))
				add(x, rule, "key_position", key, "gap", NULL, true, NULL, NULL);
		json_decref(count);
		return;
	}
	json_array_foreach(persons, i, p) {
		const char *role = str(p, "role");
		if (strcmp(name, "background_check") == 0) {
			bool needed = json_array_size(json_object_get(p, "key_positions")) > 0 || (role && strcmp(role, "security_head") == 0);
			const char *on = str(p, "background_check_on"), *changed = str(p, "identity_changed_on");
			if (needed && !on)
				add(x, rule, "person", str(p, "id"), "gap", NULL, true, "no_check", NULL);
			else if (needed && changed && strcmp(changed, on) > 0)
				add(x, rule, "person", str(p, "id"), "gap", NULL, true, "recheck_after_change", NULL);
		} else if (strcmp(name, "training_hours") == 0 && in_body(p)) {
			char year[5], due[11];
			snprintf(year, sizeof year, "%.4s", x->today);
			snprintf(due, sizeof due, "%s-12-31", year);
			double hours = json_number_value(json_object_get(json_object_get(p, "training_hours"), year));
			if (hours < (double)threshold(rule, "hours_per_year")) {
				char detail[64];
				snprintf(detail, sizeof detail, "%g/%lld", hours, (long long)threshold(rule, "hours_per_year"));
				add(x, rule, "person", str(p, "id"), "deadline", due, false, detail, NULL);
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

/* A deadline `due` (overdue when before today) unless `done`. */
static void deadline(struct ctx *x, json_t *rule, const char *reg, const char *id, const char *due, const char *detail)
{
	add(x, rule, reg, id, "deadline", due, strcmp(due, x->today) < 0, detail, NULL);
}

/* The latest `date_field` among records of `list` whose systems include `system`. */
static const char *latest_for(json_t *list, const char *system, const char *date_field)
{
	const char *best = NULL;
	size_t i;
	json_t *doc;
	json_array_foreach(list, i, doc) {
		const char *d = str(doc, date_field);
		if (d && listed(json_object_get(doc, "systems"), system) && (!best || strcmp(d, best) > 0))
			best = d;
	}
	return best;
}

static void more(struct ctx *x, json_t *rule, const char *name, json_t **lists)
{
	json_t *persons = lists[3], *decisions = lists[4], *assessments = lists[5], *plans = lists[6], *drills = lists[7];
	json_t *changes = lists[8], *pentests = lists[9], *vulns = lists[10], *filings = lists[11], *audits = lists[12];
	json_t *inspections = lists[13], *doc, *e;
	const char *key;
	size_t i, k;
	char due[11];
	bool prov;

	if (strcmp(name, "decision_security_body") == 0) {
		json_array_foreach(decisions, i, doc) {
			bool body = false;
			json_array_foreach(json_object_get(doc, "participants"), k, e) {
				json_t *p;
				size_t j;
				json_array_foreach(persons, j, p)
					if (strcmp(str(p, "id"), json_string_value(e)) == 0 && str(p, "role") &&
					    (strcmp(str(p, "role"), "security_head") == 0 || strcmp(str(p, "role"), "security_member") == 0))
						body = true;
			}
			if (!body)
				add(x, rule, "decision", str(doc, "id"), "gap", NULL, true, str(doc, "kind"), NULL);
		}
	} else if (strcmp(name, "annual_assessment") == 0 || strcmp(name, "plan_coverage") == 0 ||
		   strcmp(name, "pi_audit_cadence") == 0) {
		int64_t every = threshold(rule, "every_days");
		bool by_volume = strcmp(name, "pi_audit_cadence") == 0;
		int64_t least = by_volume ? threshold(rule, "pi_subjects_over") : 0;
		json_t *list = strcmp(name, "annual_assessment") == 0 ? assessments : strcmp(name, "plan_coverage") == 0 ? plans : audits;
		json_t *pi = NULL;
		if (by_volume) {
			pi = json_incref(x->perims);
			/* the personal-information audit binds by volume, not perimeter */
			json_object_foreach(pi, key, e) {
				struct cg_system s;
				cg_system_init(&s);
				if (cg_system_get(x->st, key, &s, NULL) == CG_OK && s.data_pi_subjects > least) {
					const char *last = latest_for(list, key, "performed_on");
					if (!last)
						add(x, rule, "system", key, "gap", NULL, true, "no_audit", NULL);
					else if (date_plus(last, every, due))
						deadline(x, rule, "system", key, due, last);
				}
				cg_system_release(&s);
			}
			json_decref(pi);
			return;
		}
		json_object_foreach(x->perims, key, e) {
			if (!listed(json_object_get(rule, "applies_to"), json_string_value(e)))
				continue;
			if (strcmp(name, "plan_coverage") == 0) {
				bool covered = false;
				json_array_foreach(plans, k, doc)
					covered |= listed(json_object_get(doc, "systems"), key);
				if (!covered)
					add(x, rule, "system", key, "gap", NULL, true, json_string_value(e), NULL);
				continue;
			}
			const char *last = latest_for(list, key, "performed_on");
			if (!last)
				add(x, rule, "system", key, "gap", NULL, true, json_string_value(e), NULL);
			else if (date_plus(last, every, due))
				deadline(x, rule, "system", key, due, last);
		}
	} else if (strcmp(name, "remediation") == 0) {
		json_array_foreach(assessments, i, doc)
			if (str(doc, "remediation_due") && !str(doc, "remediation_done_on"))
				deadline(x, rule, "assessment", str(doc, "id"), str(doc, "remediation_due"), str(doc, "remediation_owner"));
	} else if (strcmp(name, "drill_cadence") == 0) {
		int64_t every = threshold(rule, "every_days");
		json_array_foreach(plans, i, doc) {
			const char *last = NULL;
			json_array_foreach(drills, k, e)
				if (strcmp(str(e, "plan"), str(doc, "id")) == 0 && (!last || strcmp(str(e, "performed_on"), last) > 0))
					last = str(e, "performed_on");
			const char *from = last ? last : str(doc, "approved_on");
			if (!from)
				add(x, rule, "plan", str(doc, "id"), "gap", NULL, false, "never_drilled", NULL);
			else if (date_plus(from, every, due))
				deadline(x, rule, "plan", str(doc, "id"), due, last ? last : "never_drilled");
		}
	} else if (strcmp(name, "drill_follow_up") == 0 || strcmp(name, "inspection_follow_up") == 0) {
		json_t *list = strcmp(name, "drill_follow_up") == 0 ? drills : inspections;
		json_array_foreach(list, i, doc)
			if (str(doc, "follow_up_due") && !str(doc, "follow_up_done_on"))
				deadline(x, rule, strcmp(name, "drill_follow_up") == 0 ? "drill" : "inspection", str(doc, "id"),
					 str(doc, "follow_up_due"), NULL);
	} else if (strcmp(name, "change_report") == 0) {
		json_array_foreach(changes, i, doc) {
			if (!str(doc, "reported_on")) {
				if (date_plus(str(doc, "occurred_on"), threshold(rule, "report_days"), due))
					deadline(x, rule, "change", str(doc, "id"), due, str(doc, "kind"));
			} else if (strcmp(str(doc, "kind"), "material_change") == 0 && !str(doc, "reidentified_on") &&
				   months_plus(str(doc, "reported_on"), threshold(rule, "reidentify_months"), due)) {
				add(x, rule, "change", str(doc, "id"), "follow_up", due, false, "reidentification", NULL);
			}
		}
	} else if (strcmp(name, "pentest_window") == 0) {
		json_array_foreach(pentests, i, doc) {
			const char *on = str(doc, "performed_on"), *from = str(doc, "window_start"), *to = str(doc, "window_end");
			if (on && (!from || !to || strcmp(on, from) < 0 || strcmp(on, to) > 0))
				add(x, rule, "pentest", str(doc, "id"), "gap", NULL, true, on, NULL);
		}
	} else if (strcmp(name, "vulnerability_report") == 0) {
		json_array_foreach(vulns, i, doc)
			if (json_is_true(json_object_get(doc, "endangers_public_interest")) && !str(doc, "reported_on") &&
			    date_plus(str(doc, "found_on"), threshold(rule, "report_days"), due))
				deadline(x, rule, "vulnerability", str(doc, "id"), due, str(doc, "severity"));
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
					deadline(x, rule, "filing", str(doc, "id"), due, prov ? "provisional" : steps[s].event);
	}
}

cg_code cg_register_findings(struct cg_store *st, const struct cg_catalog *c, enum cg_lang lang, json_t **out,
			     struct cg_error *err)
{
	struct ctx x = { st, c, lang, "", json_array(), NULL, err };
	static const char *const kinds[] = { "vendor", "agreement", "procurement", "person", "decision", "assessment",
		"plan", "drill", "change", "pentest", "vulnerability", "filing", "pi_audit", "inspection" };
	enum { NK = sizeof kinds / sizeof kinds[0] };
	json_t *lists[NK] = { NULL }, *trigger = NULL;
	char now[CG_TIME_MAX];
	cg_code r = x.findings ? cg_now(now, err) : nomem(err);

	*out = NULL;
	if (r == CG_OK)
		snprintf(x.today, sizeof x.today, "%.10s", now);
	if (r == CG_OK)
		r = cg_perimeters(st, c, &x.perims, err);
	for (int i = 0; i < NK && r == CG_OK; i++)
		r = cg_record_list(st, cg_rkind_find(kinds[i]), &lists[i], err);
	for (size_t i = 0; i < cg_catalog_count(c, "register_rules") && r == CG_OK; i++) {
		json_t *rule = cg_catalog_item(c, "register_rules", i);
		if (strcmp(str(rule, "rule"), "review_trigger") == 0)
			trigger = rule;
	}
	for (size_t i = 0; i < cg_catalog_count(c, "register_rules") && r == CG_OK; i++) {
		json_t *rule = cg_catalog_item(c, "register_rules", i);
		const char *name = str(rule, "rule");
		if (strcmp(name, "agreement_current") == 0)
			agreement_current(&x, rule, lists[0], lists[1]);
		else if (strcmp(name, "agreement_renewal") == 0)
			agreement_renewal(&x, rule, lists[1]);
		else if (strcmp(name, "agreement_duties") == 0)
			agreement_duties(&x, rule, lists[1]);
		else if (strcmp(name, "review_trigger") == 0)
			review_trigger(&x, rule, lists[2]);
		else if (strcmp(name, "review_clocks") == 0)
			review_clocks(&x, trigger, rule, lists[2]);
		else if (strcmp(name, "key_position_staffing") == 0 || strcmp(name, "background_check") == 0 ||
			 strcmp(name, "training_hours") == 0)
			people(&x, rule, name, lists[3]);
		else
			more(&x, rule, name, lists);
	}
	if (r == CG_OK && !(*out = json_pack("{s:s,s:O}", "today", x.today, "findings", x.findings)))
		r = nomem(err);
	for (int i = 0; i < NK; i++)
		json_decref(lists[i]);
	json_decref(x.findings);
	json_decref(x.perims);
	return r;
}
