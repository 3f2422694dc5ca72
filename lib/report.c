/*
 * Incident report documents (include/ciiguard/incident.h): what the 2025 Measures ask a report
 * to contain, filled in from the incident record, the operator profile, the affected systems
 * and the grade, as JSON, Markdown or HTML, in Chinese or English. Sections with nothing yet
 * are listed as pending, so that a partial initial report says what is still to come.
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
#include "ciiguard/operator.h"
#include "ciiguard/screen.h"
#include "ciiguard/system.h"
#include "banned.h"

static cg_code nomem(struct cg_error *err)
{
	return cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
}

/* A time of the record shown in Asia/Shanghai, or NULL. */
static json_t *local_time(json_t *v)
{
	int64_t ms;
	char t[40];
	if (!json_is_string(v) || !cg_rfc3339_parse(json_string_value(v), &ms))
		return NULL;
	cg_time_shanghai(ms, t);
	return json_string(t);
}

static const char *str(json_t *doc, const char *key)
{
	const char *s = json_string_value(json_object_get(doc, key));
	return s && *s ? s : NULL;
}

/* A section: {"key", "heading", "text", "items": [[label, value]], "pending": bool}. */
static json_t *section(const char *key, const char *heading, enum cg_lang lang)
{
	return json_pack("{s:s,s:s,s:n,s:[]}", "key", key, "heading", cg_tr(lang, heading), "text", "items");
}

static void item(json_t *sec, const char *label, json_t *value, enum cg_lang lang)
{
	if (value && !json_is_null(value))
		json_array_append_new(json_object_get(sec, "items"), json_pack("[s,o]", cg_tr(lang, label), value));
	else
		json_decref(value);
}

static void text(json_t *sec, const char *s)
{
	if (s)
		json_object_set_new(sec, "text", json_string(s));
}

static bool empty(json_t *sec)
{
	return json_is_null(json_object_get(sec, "text")) && json_array_size(json_object_get(sec, "items")) == 0;
}

static const char *label_of(enum cg_lang lang, const char *kind, const char *value)
{
	return cg_label(lang, kind, value);
}

static void add_unit(json_t *secs, struct cg_store *st, json_t *doc, enum cg_lang lang, const struct cg_catalog *c)
{
	json_t *sec = section("unit", N_("Reporting unit and systems"), lang), *id;
	struct cg_operator op;
	size_t i;

	cg_operator_init(&op);
	if (cg_operator_get(st, &op, NULL) == CG_OK) {
		item(sec, N_("Operator"), json_string(op.name), lang);
		item(sec, N_("Sector"), json_string(label_of(lang, "sector", cg_sector_names[op.sector])), lang);
		if (op.protection_department && *op.protection_department)
			item(sec, N_("Protection work department"), json_string(op.protection_department), lang);
		item(sec, N_("Notified CII operator"), json_string(cg_tr(lang, op.notified_cii ? N_("yes") : N_("no"))), lang);
	}
	cg_operator_release(&op);
	json_array_foreach(json_object_get(doc, "systems"), i, id) {
		struct cg_system s;
		json_t *res = NULL;
		char line[1024];
		cg_system_init(&s);
		if (cg_system_get(st, json_string_value(id), &s, NULL) == CG_OK &&
		    cg_screen_stored(st, c, s.id, lang, &res, NULL) == CG_OK) {
			const char *p = json_string_value(json_object_get(res, "perimeter"));
			snprintf(line, sizeof line, "%s (%s): %s%s", s.name ? s.name : s.id, s.id, label_of(lang, "perimeter", p),
				 s.notified_cii ? cg_tr(lang, N_(", notified CII")) : "");
			item(sec, N_("Affected system"), json_string(line), lang);
		} else {
			item(sec, N_("Affected system"), json_string(json_string_value(id)), lang);
		}
		json_decref(res);
		cg_system_release(&s);
	}
	json_array_append_new(secs, sec);
}

static void add_discovery(json_t *secs, json_t *doc, enum cg_lang lang)
{
	json_t *sec = section("discovery", N_("Discovery"), lang);
	item(sec, N_("Discovered at"), local_time(json_object_get(doc, "discovered_at")), lang);
	item(sec, N_("Occurred at"), local_time(json_object_get(doc, "occurred_at")), lang);
	if (str(doc, "detected_by"))
		item(sec, N_("Detected by"), json_string(label_of(lang, "detected_by", str(doc, "detected_by"))), lang);
	item(sec, N_("Handling ended at"), local_time(json_object_get(doc, "handled_at")), lang);
	json_array_append_new(secs, sec);
}

static void add_type_grade(json_t *secs, json_t *doc, json_t *grade, enum cg_lang lang)
{
	json_t *sec = section("type", N_("Type of incident"), lang), *cr, *rep;
	size_t i;

	text(sec, label_of(lang, "incident_type", str(doc, "type")));
	json_array_append_new(secs, sec);
	sec = section("grade", N_("Grade"), lang);
	text(sec, label_of(lang, "grade", json_string_value(json_object_get(grade, "grade"))));
	json_array_foreach(json_object_get(grade, "criteria"), i, cr) {
		char line[1024];
		bool draft = strcmp(json_string_value(json_object_get(cr, "confidence")), "draft") == 0;
		snprintf(line, sizeof line, "%s [%s]%s", json_string_value(json_object_get(cr, "text")),
			 json_string_value(json_object_get(cr, "source")),
			 draft ? cg_tr(lang, N_(" (threshold from the consultation draft)")) : "");
		item(sec, label_of(lang, "grade", json_string_value(json_object_get(cr, "grade"))), json_string(line), lang);
	}
	json_array_foreach(json_object_get(grade, "reports"), i, rep) {
		char line[512];
		const char *due = json_string_value(json_object_get(rep, "due_at"));
		snprintf(line, sizeof line, "%s: %s", label_of(lang, "recipient", json_string_value(json_object_get(rep, "recipient"))),
			 due ? due : cg_tr(lang, N_("promptly")));
		item(sec, N_("Report to"), json_string(line), lang);
	}
	json_array_append_new(secs, sec);
}

static void add_impact(json_t *secs, json_t *doc, enum cg_lang lang)
{
	json_t *sec = section("impact", N_("Impact"), lang);
	text(sec, str(doc, "description"));
	for (const struct cg_grade_input *g = cg_grade_inputs; g->name; g++) {
		json_t *v = json_object_get(doc, g->name);
		if (!v || json_is_null(v) || json_is_false(v) || (json_is_number(v) && json_number_value(v) == 0) ||
		    (g->type == CG_G_ENUM && json_is_string(v) && strcmp(json_string_value(v), g->values[0]) == 0))
			continue;
		if (g->type == CG_G_BOOL || g->type == CG_G_TIME)
			continue;
		json_t *shown = g->type == CG_G_ENUM ? json_string(label_of(lang, g->name, json_string_value(v))) : json_incref(v);
		item(sec, label_of(lang, "field", g->name), shown, lang);
	}
	json_array_append_new(secs, sec);
}

static void add_text(json_t *secs, const char *key, const char *heading, const char *value, enum cg_lang lang)
{
	json_t *sec = section(key, heading, lang);
	text(sec, value);
	json_array_append_new(secs, sec);
}

static void add_measures(json_t *secs, json_t *doc, enum cg_lang lang, const char *key, const char *heading)
{
	json_t *sec = section(key, heading, lang), *a;
	size_t i;
	text(sec, str(doc, "measures"));
	json_array_foreach(json_object_get(doc, "actions"), i, a) {
		json_t *t = local_time(json_object_get(a, "at"));
		char label[64];
		snprintf(label, sizeof label, "%s", t ? json_string_value(t) : "");
		json_decref(t);
		json_array_append_new(json_object_get(sec, "items"), json_pack("[s,s]", label,
			json_string_value(json_object_get(a, "text"))));
	}
	json_array_append_new(secs, sec);
}

static void add_ransom(json_t *secs, json_t *doc, enum cg_lang lang)
{
	json_t *sec = section("ransom", N_("Ransom demands"), lang);
	bool any = str(doc, "ransom_amount") || str(doc, "ransom_method") || str(doc, "ransom_demanded_at");
	item(sec, N_("Amount"), str(doc, "ransom_amount") ? json_string(str(doc, "ransom_amount")) : NULL, lang);
	item(sec, N_("Method of payment"), str(doc, "ransom_method") ? json_string(str(doc, "ransom_method")) : NULL, lang);
	item(sec, N_("Demanded at"), local_time(json_object_get(doc, "ransom_demanded_at")), lang);
	if (!any && strcmp(str(doc, "type") ? str(doc, "type") : "", "ransomware") != 0)
		text(sec, cg_tr(lang, N_("No ransom demand.")));
	json_array_append_new(secs, sec);
}

static const char *const kind_titles[] = {
	N_("Cybersecurity incident report (initial)"),
	N_("Cybersecurity incident report (supplement)"),
	N_("Cybersecurity incident report (final)"),
};

cg_code cg_incident_report_json(struct cg_store *st, const struct cg_catalog *c, const char *id, const char *kind,
				enum cg_lang lang, json_t **out, struct cg_error *err)
{
	json_t *doc = NULL, *grade = NULL, *secs = json_array(), *pending = json_array(), *sec;
	char now[CG_TIME_MAX], nowsh[40];
	int64_t ms;
	size_t i;
	int k = -1;
	cg_code r;

	*out = NULL;
	for (int j = 0; cg_report_kinds[j]; j++)
		if (kind && strcmp(kind, cg_report_kinds[j]) == 0)
			k = j;
	if (!secs || !pending)
		r = nomem(err);
	else if (k < 0)
		r = cg_error_set(err, CG_E_INVALID, "kind", N_("%s: expected one of %s"), "kind", "initial, supplement, final");
	else if ((r = cg_incident_get(st, id, &doc, err)) == CG_OK)
		r = cg_incident_grade(st, c, id, lang, &grade, err);
	if (r == CG_OK && k == 2 && !json_is_string(json_object_get(doc, "handled_at")))
		r = cg_error_set(err, CG_E_CONFLICT, "kind", N_("kind: a final report comes after handling ends; close the incident first"));
	if (r == CG_OK && (r = cg_now(now, err)) == CG_OK) {
		add_unit(secs, st, doc, lang, c);
		add_discovery(secs, doc, lang);
		add_type_grade(secs, doc, grade, lang);
		if (k < 2) {
			add_impact(secs, doc, lang);
			add_measures(secs, doc, lang, "measures", N_("Measures taken"));
			add_text(secs, "cause", N_("Preliminary cause analysis"), str(doc, "cause"), lang);
			add_text(secs, "trend", N_("Likely trend and further harm"), str(doc, "trend"), lang);
			add_text(secs, "further_measures", N_("Further measures planned"), str(doc, "further_measures"), lang);
			add_text(secs, "support_requested", N_("Support requested"), str(doc, "support_requested"), lang);
			add_text(secs, "scene_preservation", N_("Preservation of the scene"), str(doc, "scene_preservation"), lang);
			add_ransom(secs, doc, lang);
			add_text(secs, "tracing_leads", N_("Tracing leads (attacker, path, vulnerabilities)"), str(doc, "tracing_leads"), lang);
		} else {
			add_text(secs, "cause", N_("Cause"), str(doc, "cause"), lang);
			add_measures(secs, doc, lang, "response", N_("Response and handling"));
			add_text(secs, "harm", N_("Harm caused"), str(doc, "harm"), lang);
			add_impact(secs, doc, lang);
			add_text(secs, "accountability", N_("Accountability"), str(doc, "accountability"), lang);
			add_text(secs, "remediation", N_("Remediation"), str(doc, "remediation"), lang);
			add_text(secs, "lessons", N_("Lessons learned"), str(doc, "lessons"), lang);
		}
		json_array_foreach(secs, i, sec) {
			bool p = empty(sec);
			json_object_set_new(sec, "pending", json_boolean(p));
			if (p)
				json_array_append_new(pending, json_string(json_string_value(json_object_get(sec, "heading"))));
		}
		cg_rfc3339_parse(now, &ms);
		cg_time_shanghai(ms, nowsh);
		*out = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:O,s:O,s:b,s:s}", "incident", id, "kind", kind,
				 "lang", lang == CG_LANG_ZH ? "zh" : "en", "title", cg_tr(lang, kind_titles[k]),
				 "incident_title", str(doc, "title") ? str(doc, "title") : "", "generated_at", nowsh,
				 "sections", secs, "pending", pending, "complete", json_array_size(pending) == 0,
				 "catalog_version", cg_catalog_version(c));
		if (!*out)
			r = nomem(err);
	}
	json_decref(doc);
	json_decref(grade);
	json_decref(secs);
	json_decref(pending);
	return r;
}

/* --- rendering --- */

static cg_code add_escaped(struct cg_buf *b, const char *s, bool html)
{
	cg_code r = CG_OK;
	for (const char *p = s ? s : ""; *p && r == CG_OK; p++) {
		if (html && *p == '<')
			r = cg_buf_adds(b, "&lt;");
		else if (html && *p == '>')
			r = cg_buf_adds(b, "&gt;");
		else if (html && *p == '&')
			r = cg_buf_adds(b, "&amp;");
		else if (html && *p == '"')
			r = cg_buf_adds(b, "&quot;");
		else if (html && *p == '\'')
			r = cg_buf_adds(b, "&#39;");
		else if (html && *p == '\n')
			r = cg_buf_adds(b, "<br>\n");
		else if (!html && (*p == '<' || *p == '>' || *p == '*' || *p == '_' || *p == '`' || *p == '[' ||
				   *p == ']' || *p == '#' || *p == '|' || *p == '\\'))
			r = cg_buf_addf(b, "\\%c", *p);
		else if (!html && *p == '\n')
			r = cg_buf_adds(b, "  \n");
		else
			r = cg_buf_addc(b, *p);
	}
	return r;
}

static cg_code render(json_t *rep, bool html, enum cg_lang lang, struct cg_buf *b)
{
	json_t *sec, *it;
	size_t i, k;
	cg_code r = CG_OK;
	const char *pend = cg_tr(lang, N_("Pending: not yet known; to follow in a supplementary report."));

	if (html) {
		r = cg_buf_addf(b, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n<title>",
				lang == CG_LANG_ZH ? "zh-CN" : "en");
		if (r == CG_OK) r = add_escaped(b, json_string_value(json_object_get(rep, "title")), true);
		if (r == CG_OK) r = cg_buf_adds(b, "</title>\n<style>body{font-family:sans-serif;max-width:48em;margin:2em auto;line-height:1.5}"
				"table{border-collapse:collapse}td,th{border:1px solid #999;padding:.2em .5em;text-align:left;vertical-align:top}"
				".pending{color:#a00}</style>\n</head>\n<body>\n<h1>");
		if (r == CG_OK) r = add_escaped(b, json_string_value(json_object_get(rep, "title")), true);
		if (r == CG_OK) r = cg_buf_adds(b, "</h1>\n<p>");
	} else {
		r = cg_buf_adds(b, "# ");
		if (r == CG_OK) r = add_escaped(b, json_string_value(json_object_get(rep, "title")), false);
		if (r == CG_OK) r = cg_buf_adds(b, "\n\n");
	}
	if (r == CG_OK) r = add_escaped(b, json_string_value(json_object_get(rep, "incident_title")), html);
	if (r == CG_OK) r = cg_buf_addf(b, " (%s)%s%s: %s%s", json_string_value(json_object_get(rep, "incident")),
			html ? "<br>\n" : "  \n", cg_tr(lang, N_("Generated")), json_string_value(json_object_get(rep, "generated_at")),
			html ? "</p>\n" : "\n\n");
	json_array_foreach(json_object_get(rep, "sections"), i, sec) {
		if (r != CG_OK)
			break;
		r = cg_buf_addf(b, html ? "<h2>%zu. " : "## %zu. ", i + 1);
		if (r == CG_OK) r = add_escaped(b, json_string_value(json_object_get(sec, "heading")), html);
		if (r == CG_OK) r = cg_buf_adds(b, html ? "</h2>\n" : "\n\n");
		if (r == CG_OK && json_is_true(json_object_get(sec, "pending"))) {
			r = cg_buf_addf(b, html ? "<p class=\"pending\">%s</p>\n" : "*%s*\n\n", pend);
			continue;
		}
		if (r == CG_OK && json_is_string(json_object_get(sec, "text"))) {
			r = cg_buf_adds(b, html ? "<p>" : "");
			if (r == CG_OK) r = add_escaped(b, json_string_value(json_object_get(sec, "text")), html);
			if (r == CG_OK) r = cg_buf_adds(b, html ? "</p>\n" : "\n\n");
		}
		if (r == CG_OK && json_array_size(json_object_get(sec, "items")))
			r = cg_buf_adds(b, html ? "<table>\n" : "");
		json_array_foreach(json_object_get(sec, "items"), k, it) {
			json_t *v = json_array_get(it, 1);
			char num[64];
			const char *vs = json_string_value(v);
			if (!vs) {
				if (json_is_integer(v))
					snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
				else
					snprintf(num, sizeof num, "%.2f", json_number_value(v));
				vs = num;
			}
			if (r == CG_OK) r = cg_buf_adds(b, html ? "<tr><th>" : "- **");
			if (r == CG_OK) r = add_escaped(b, json_string_value(json_array_get(it, 0)), html);
			if (r == CG_OK) r = cg_buf_adds(b, html ? "</th><td>" : "**: ");
			if (r == CG_OK) r = add_escaped(b, vs, html);
			if (r == CG_OK) r = cg_buf_adds(b, html ? "</td></tr>\n" : "\n");
		}
		if (r == CG_OK && json_array_size(json_object_get(sec, "items")))
			r = cg_buf_adds(b, html ? "</table>\n" : "\n");
	}
	if (r == CG_OK && json_array_size(json_object_get(rep, "pending"))) {
		r = cg_buf_addf(b, html ? "<h2>%s</h2>\n<ul>\n" : "## %s\n\n", cg_tr(lang, N_("Still pending")));
		json_array_foreach(json_object_get(rep, "pending"), i, it) {
			if (r == CG_OK) r = cg_buf_adds(b, html ? "<li>" : "- ");
			if (r == CG_OK) r = add_escaped(b, json_string_value(it), html);
			if (r == CG_OK) r = cg_buf_adds(b, html ? "</li>\n" : "\n");
		}
		if (r == CG_OK) r = cg_buf_adds(b, html ? "</ul>\n" : "\n");
	}
	if (r == CG_OK)
		r = cg_buf_addf(b, html ? "<p><small>%s: %s</small></p>\n</body>\n</html>\n" : "---\n%s: %s\n",
				cg_tr(lang, N_("Rules")), json_string_value(json_object_get(rep, "catalog_version")));
	return r;
}

cg_code cg_incident_report(struct cg_store *st, const struct cg_catalog *c, const char *id, const char *kind,
			   const char *format, enum cg_lang lang, struct cg_buf *out, struct cg_error *err)
{
	json_t *rep = NULL;
	cg_code r;

	if (!format || (strcmp(format, "md") != 0 && strcmp(format, "html") != 0 && strcmp(format, "json") != 0))
		return cg_error_set(err, CG_E_INVALID, "format", N_("%s: expected one of %s"), "format", "md, html, json");
	if ((r = cg_incident_report_json(st, c, id, kind, lang, &rep, err)) != CG_OK)
		return r;
	if (strcmp(format, "json") == 0) {
		char *s = json_dumps(rep, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		r = s ? cg_buf_adds(out, s) : CG_E_NOMEM;
		if (r == CG_OK)
			r = cg_buf_addc(out, '\n');
		free(s);
	} else {
		r = render(rep, strcmp(format, "html") == 0, lang, out);
	}
	json_decref(rep);
	return r == CG_OK ? CG_OK : nomem(err);
}
