/*
 * Incident records (include/ciiguard/incident.h): one JSON document per incident, validated
 * field by field, graded on every write (the grade history is kept), with its timeline of
 * actions and the reports submitted; the deadlines are computed from the grade, the catalog's
 * clocks and the submissions, never stored.
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
#include "ciiguard/operator.h"
#include "ciiguard/register.h"
#include "ciiguard/system.h"
#include "entity.h"
#include "banned.h"

const char *const cg_incident_types[] = { "ransomware", "intrusion", "ddos", "data_leak", "defacement",
	"outage", "malware", "vulnerability_exploit", "phishing", "ai_model_error", "ai_anomalous_behaviour",
	"ai_log_data_leak", "ai_third_party_maintenance", "other", NULL };
const char *const cg_incident_detectors[] = { "self", "provider", "regulator", "public", NULL };
const char *const cg_report_kinds[] = { "initial", "supplement", "final", NULL };

/* Fields of the record besides the grading figures (cg_grade_inputs). */
enum ftype { F_TEXT, F_LONG, F_ENUM, F_TIME, F_SYSTEMS };
static const struct ifield {
	const char *name;
	enum ftype type;
	const char *const *values;
	bool required;
} ifields[] = {
	{ "title", F_TEXT, NULL, true },
	{ "type", F_ENUM, cg_incident_types, true },
	{ "detected_by", F_ENUM, cg_incident_detectors, false },
	{ "occurred_at", F_TIME, NULL, false },
	{ "systems", F_SYSTEMS, NULL, false },
	{ "description", F_LONG, NULL, false },
	{ "measures", F_LONG, NULL, false },
	{ "cause", F_LONG, NULL, false },
	{ "trend", F_LONG, NULL, false },
	{ "further_measures", F_LONG, NULL, false },
	{ "support_requested", F_LONG, NULL, false },
	{ "scene_preservation", F_LONG, NULL, false },
	{ "tracing_leads", F_LONG, NULL, false },
	{ "harm", F_LONG, NULL, false },
	{ "accountability", F_LONG, NULL, false },
	{ "remediation", F_LONG, NULL, false },
	{ "lessons", F_LONG, NULL, false },
	{ "ransom_amount", F_TEXT, NULL, false },
	{ "ransom_method", F_TEXT, NULL, false },
	{ "ransom_demanded_at", F_TIME, NULL, false },
	{ NULL, F_TEXT, NULL, false },
};
/* Grading inputs that are not figures of the record: taken from the operator and the systems. */
static const char *const derived_inputs[] = { "operator_type", "involves_cii", NULL };

#define TEXT_MAX 200
#define LONG_MAX_BYTES 20000
#define SYSTEMS_MAX 200
#define ACTIONS_MAX 10000

static cg_code nomem(struct cg_error *err)
{
	return cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
}

static bool listed_in(const char *const *names, const char *s)
{
	for (size_t i = 0; s && names[i]; i++)
		if (strcmp(names[i], s) == 0)
			return true;
	return false;
}

static const struct ifield *ifield_find(const char *name)
{
	for (const struct ifield *f = ifields; f->name; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

bool cg_incident_field_known(const char *name)
{
	return ifield_find(name) || (cg_grade_input_find(name) && !listed_in(derived_inputs, name));
}

static bool utf8_ok(const char *s)
{
	/* jansson only holds valid UTF-8; reject control characters other than tab and newlines. */
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
			return false;
	return true;
}

static cg_code bind_fail(struct cg_stmt *q, struct cg_error *err)
{
	cg_stmt_done(q);
	return cg_error_set(err, CG_E_STORE, NULL, N_("could not bind a query parameter"));
}

/* Whether `sql` (one parameter, the key) returns a row (*found). */
static cg_code key_exists(struct cg_store *st, const char *sql, const char *id, bool *found, struct cg_error *err)
{
	struct cg_stmt *q;
	enum cg_step s;
	cg_code r = cg_store_prepare(st, sql, &q, err);

	if (r != CG_OK)
		return r;
	if (cg_stmt_bind_text(q, 1, id))
		return bind_fail(q, err);
	s = cg_stmt_step(q, err);
	cg_stmt_done(q);
	if (s == CG_STEP_ERROR)
		return err && err->code ? err->code : CG_E_STORE;
	*found = s == CG_STEP_ROW;
	return CG_OK;
}

/* Checks one given field; *out gets its stored form (new reference). */
static cg_code check_field(struct cg_store *st, const char *key, json_t *v, json_t **out, struct cg_error *err)
{
	const struct ifield *f = ifield_find(key);
	const struct cg_grade_input *g = f ? NULL : cg_grade_input_find(key);
	char list[512];
	int64_t ms;

	*out = NULL;
	if (!f && (!g || listed_in(derived_inputs, key)))
		return cg_error_set(err, CG_E_INVALID, key, N_("%s: unknown field"), key);
	if (g) {
		if (g->type == CG_G_TIME)
			return cg_error_set(err, CG_E_INVALID, key, N_("%s: unknown field"), key);
		json_t *probe = json_object(), *checked = NULL;
		if (!probe)
			return nomem(err);
		json_object_set(probe, key, v);
		json_object_set_new(probe, "discovered_at", json_string("2000-01-01T00:00:00Z"));
		cg_code r = cg_grade_input_check(probe, &checked, err);
		if (r == CG_OK)
			*out = json_incref(json_object_get(checked, key));
		json_decref(checked);
		json_decref(probe);
		return r;
	}
	if (json_is_null(v) && !f->required) {
		*out = json_null();
		return CG_OK;
	}
	switch (f->type) {
	case F_TEXT:
	case F_LONG:
		if (!json_is_string(v) || (f->type == F_TEXT && strchr(json_string_value(v), '\n')))
			return cg_error_set(err, CG_E_INVALID, key, f->type == F_TEXT ? N_("%s: expected text on one line") :
					    N_("%s: expected text"), key);
		if (json_string_length(v) > (f->type == F_TEXT ? TEXT_MAX : LONG_MAX_BYTES))
			return cg_error_set(err, CG_E_INVALID, key, N_("%s: longer than %d bytes"), key,
					    f->type == F_TEXT ? TEXT_MAX : LONG_MAX_BYTES);
		if (!utf8_ok(json_string_value(v)))
			return cg_error_set(err, CG_E_INVALID, key, N_("%s: control characters are not allowed"), key);
		if (f->required && json_string_length(v) == 0)
			return cg_error_set(err, CG_E_INVALID, key, N_("%s: is required"), key);
		*out = json_incref(v);
		return CG_OK;
	case F_ENUM: {
		if (json_is_string(v) && listed_in(f->values, json_string_value(v))) {
			*out = json_incref(v);
			return CG_OK;
		}
		size_t used = 0;
		list[0] = '\0';
		for (size_t i = 0; f->values[i]; i++) {
			int w = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", f->values[i]);
			if (w > 0 && (size_t)w < sizeof list - used)
				used += (size_t)w;
		}
		return cg_error_set(err, CG_E_INVALID, key, N_("%s: expected one of %s"), key, list);
	}
	case F_TIME: {
		char t[CG_TIME_MAX];
		if (!json_is_string(v) || !cg_rfc3339_parse(json_string_value(v), &ms))
			return cg_error_set(err, CG_E_INVALID, key,
					    N_("%s: expected an RFC 3339 time such as 2026-11-24T09:30:00+08:00"), key);
		cg_rfc3339_format(ms, t);
		*out = json_string(t);
		return *out ? CG_OK : nomem(err);
	}
	case F_SYSTEMS: {
		size_t i;
		json_t *id;
		if (!json_is_array(v) || json_array_size(v) > SYSTEMS_MAX)
			return cg_error_set(err, CG_E_INVALID, key, N_("%s: expected a list of at most %d system ids"),
					    key, SYSTEMS_MAX);
		json_array_foreach(v, i, id) {
			cg_code r;
			if (!json_is_string(id))
				return cg_error_set(err, CG_E_INVALID, key, N_("%s: expected a list of at most %d system ids"),
						    key, SYSTEMS_MAX);
			for (size_t k = 0; k < i; k++)
				if (json_equal(json_array_get(v, k), id))
					return cg_error_set(err, CG_E_INVALID, key, N_("%s: '%s' is listed twice"), key,
							    json_string_value(id));
			/* that it exists: its key, not the whole record with its links */
			bool found = false;
			r = key_exists(st, "SELECT 1 FROM systems WHERE id = ?", json_string_value(id), &found, err);
			if (r != CG_OK)
				return r;
			if (!found)
				return cg_error_set(err, CG_E_INVALID, key, N_("%s: system '%s' does not exist"), key,
						    json_string_value(id));
		}
		*out = json_incref(v);
		return CG_OK;
	}
	}
	return CG_E_INTERNAL;
}

/* Applies the given fields to doc (all checked before any is applied). */
static cg_code apply_fields(struct cg_store *st, json_t *doc, json_t *fields, struct cg_error *err)
{
	json_t *checked = json_object(), *v, *out;
	const char *key;
	cg_code r = CG_OK;

	if (!json_is_object(fields))
		r = cg_error_set(err, CG_E_INVALID, NULL, N_("expected a JSON object of incident fields"));
	if (!checked)
		r = nomem(err);
	json_object_foreach(fields, key, v) {
		if (r != CG_OK)
			break;
		if (strcmp(key, "discovered_at") == 0) {
			int64_t ms;
			char t[CG_TIME_MAX];
			if (!json_is_string(v) || !cg_rfc3339_parse(json_string_value(v), &ms)) {
				r = cg_error_set(err, CG_E_INVALID, key,
						 N_("%s: expected an RFC 3339 time such as 2026-11-24T09:30:00+08:00"), key);
				break;
			}
			cg_rfc3339_format(ms, t);
			out = json_string(t);
		} else if ((r = check_field(st, key, v, &out, err)) != CG_OK) {
			break;
		}
		json_object_set_new(checked, key, out);
	}
	if (r == CG_OK)
		json_object_foreach(checked, key, v)
			json_object_set(doc, key, v);
	json_decref(checked);
	return r;
}

/* --- the stored row --- */

/* The stored and audited form: compact, keys sorted. */
static char *dump(json_t *doc)
{
	return cg_json_dump(doc, CG_JSON_SORTED, NULL);
}

/* Reads a row into a doc whose columns override its members (so that an edit of either shows). */
static json_t *row_doc(struct cg_stmt *q)
{
	json_t *doc = json_loads(cg_stmt_text(q, 4) ? cg_stmt_text(q, 4) : "", 0, NULL);
	static const char *const cols[] = { "id", "status", "discovered_at", "handled_at" };

	if (!json_is_object(doc)) {
		json_decref(doc);
		doc = json_pack("{s:s}", "corrupt", "doc");
		if (!doc)
			return NULL;
	}
	for (int i = 0; i < 4; i++)
		json_object_set_new(doc, cols[i], cg_stmt_is_null(q, i) ? json_null() : json_string(cg_stmt_text(q, i)));
	json_object_set_new(doc, "created_at", json_string(cg_stmt_text(q, 5) ? cg_stmt_text(q, 5) : ""));
	json_object_set_new(doc, "updated_at", json_string(cg_stmt_text(q, 6) ? cg_stmt_text(q, 6) : ""));
	return doc;
}

#define SELECT_COLS "SELECT id, status, discovered_at, handled_at, doc, created_at, updated_at FROM incidents"

cg_code cg_incident_get(struct cg_store *st, const char *id, json_t **doc, struct cg_error *err)
{
	struct cg_stmt *q;
	enum cg_step s;
	cg_code r = cg_store_prepare(st, SELECT_COLS " WHERE id = ?", &q, err);

	*doc = NULL;
	if (r != CG_OK)
		return r;
	if (cg_stmt_bind_text(q, 1, id))
		return bind_fail(q, err);
	if ((s = cg_stmt_step(q, err)) == CG_STEP_ROW && !(*doc = row_doc(q)))
		r = nomem(err);
	cg_stmt_done(q);
	if (s == CG_STEP_ERROR)
		return err && err->code ? err->code : CG_E_STORE;
	if (s == CG_STEP_DONE)
		return cg_error_set(err, CG_E_NOTFOUND, "id", N_("incident '%s' does not exist"), id);
	return r;
}

/* Writes doc's row; `text` is dump(doc), made once by the caller (the audit event hashes the same). */
static cg_code write_row(struct cg_store *st, json_t *doc, const char *text, bool update, struct cg_error *err)
{
	struct cg_stmt *q;
	cg_code r = cg_store_prepare(st, update ?
		"UPDATE incidents SET status = ?, discovered_at = ?, handled_at = ?, doc = ?, created_at = ?, "
		"updated_at = ? WHERE id = ?" :
		"INSERT INTO incidents (status, discovered_at, handled_at, doc, created_at, updated_at, id) "
		"VALUES (?, ?, ?, ?, ?, ?, ?)", &q, err);
	if (r == CG_OK) {
		if (cg_stmt_bind_text(q, 1, json_string_value(json_object_get(doc, "status"))) ||
		    cg_stmt_bind_text(q, 2, json_string_value(json_object_get(doc, "discovered_at"))) ||
		    cg_stmt_bind_text(q, 3, json_string_value(json_object_get(doc, "handled_at"))) ||
		    cg_stmt_bind_text(q, 4, text) ||
		    cg_stmt_bind_text(q, 5, json_string_value(json_object_get(doc, "created_at"))) ||
		    cg_stmt_bind_text(q, 6, json_string_value(json_object_get(doc, "updated_at"))) ||
		    cg_stmt_bind_text(q, 7, json_string_value(json_object_get(doc, "id"))))
			r = bind_fail(q, err);
		else
			r = cg_stmt_run(q, err);
	}
	return r;
}

static cg_code write_audited(struct cg_store *st, const char *actor, json_t *doc, bool update,
			     struct cg_error *err)
{
	char *text = dump(doc);
	cg_code r;

	if (!text)
		return nomem(err);
	r = write_row(st, doc, text, update, err);
	if (r == CG_OK)
		r = cg_audit_append(st, actor, update ? "update" : "create", "incident",
				    json_string_value(json_object_get(doc, "id")), text, strlen(text), err);
	free(text);
	return r;
}

cg_code cg_incident_each_canonical(struct cg_store *st, cg_canon_fn fn, void *ud, struct cg_error *err)
{
	struct cg_stmt *q;
	enum cg_step s;
	cg_code r = cg_store_prepare(st, SELECT_COLS " ORDER BY id", &q, err);

	if (r != CG_OK)
		return r;
	while ((s = cg_stmt_step(q, err)) == CG_STEP_ROW) {
		json_t *doc = row_doc(q);
		char *text = doc ? dump(doc) : NULL;
		int stop;
		if (!text) {
			json_decref(doc);
			cg_stmt_done(q);
			return nomem(err);
		}
		stop = fn("incident", json_string_value(json_object_get(doc, "id")), text, strlen(text), ud);
		free(text);
		json_decref(doc);
		if (stop)
			break;
	}
	cg_stmt_done(q);
	return s == CG_STEP_ERROR ? (err && err->code ? err->code : CG_E_STORE) : CG_OK;
}

cg_code cg_incident_restore(struct cg_store *st, json_t *doc, struct cg_error *err)
{
	static const char *const need[] = { "id", "status", "discovered_at", "created_at", "updated_at" };
	for (int i = 0; i < 5; i++)
		if (!json_is_string(json_object_get(doc, need[i])))
			return cg_error_set(err, CG_E_INVALID, need[i], N_("%s: is required"), need[i]);
	const char *status = json_string_value(json_object_get(doc, "status"));
	if (strcmp(status, "open") != 0 && strcmp(status, "closed") != 0)
		return cg_error_set(err, CG_E_INVALID, "status", N_("%s: expected one of %s"), "status", "open, closed");
	char *text = dump(doc);
	if (!text)
		return nomem(err);
	cg_code r = write_row(st, doc, text, false, err);
	free(text);
	return r;
}

/* --- grading a stored incident --- */

/* The grading input of an incident: its figures, with operator_type and involves_cii from the
 * operator profile and its affected systems. */
static cg_code grade_input(struct cg_store *st, json_t *doc, json_t **input, struct cg_error *err)
{
	struct cg_operator op;
	json_t *in = json_object(), *id;
	bool cii_op = false, central = false, involves = false;
	size_t i;
	cg_code r;

	*input = NULL;
	if (!in)
		return nomem(err);
	cg_operator_init(&op);
	r = cg_operator_get(st, &op, err);
	if (r == CG_OK) {
		cii_op = op.notified_cii;
		central = op.central_or_state_organ;
	} else if (r == CG_E_NOTFOUND) {
		r = CG_OK;
		cg_error_init(err, err ? err->lang : CG_LANG_EN);
	}
	cg_operator_release(&op);
	/* the one field grading needs of each system, not the whole record with its links */
	json_array_foreach(json_object_get(doc, "systems"), i, id) {
		struct cg_stmt *q;
		if (r != CG_OK || involves || !json_is_string(id) ||
		    cg_store_prepare(st, "SELECT notified_cii FROM systems WHERE id = ?", &q, NULL) != CG_OK)
			continue;
		if (cg_stmt_bind_text(q, 1, json_string_value(id)) == CG_OK && cg_stmt_step(q, NULL) == CG_STEP_ROW &&
		    cg_stmt_int64(q, 0) == 1)
			involves = true;
		cg_stmt_done(q);
	}
	for (const struct cg_grade_input *g = cg_grade_inputs; g->name && r == CG_OK; g++) {
		json_t *v = json_object_get(doc, g->name);
		if (v && !json_is_null(v))
			json_object_set(in, g->name, v);
	}
	json_object_set_new(in, "operator_type", json_string(central ? "central_organ" : cii_op || involves ? "cii" : "other"));
	json_object_set_new(in, "involves_cii", json_boolean(involves));
	if (r == CG_OK)
		r = cg_grade_input_check(in, input, err);
	json_decref(in);
	return r;
}

/* Grades a stored incident's document (cg_grade's result plus "incident"). */
static cg_code grade_doc(struct cg_store *st, const struct cg_catalog *c, json_t *doc, enum cg_lang lang,
			 json_t **result, struct cg_error *err)
{
	json_t *in = NULL;
	cg_code r = grade_input(st, doc, &in, err);

	*result = NULL;
	if (r == CG_OK)
		r = cg_grade(c, in, lang, result, err);
	if (r == CG_OK)
		json_object_set(*result, "incident", json_object_get(doc, "id"));
	json_decref(in);
	return r;
}

cg_code cg_incident_grade(struct cg_store *st, const struct cg_catalog *c, const char *id, enum cg_lang lang,
			  json_t **result, struct cg_error *err)
{
	json_t *doc = NULL;
	cg_code r;

	*result = NULL;
	if ((r = cg_incident_get(st, id, &doc, err)) == CG_OK)
		r = grade_doc(st, c, doc, lang, result, err);
	json_decref(doc);
	return r;
}

/* Grades doc and appends to its grade history when the grade changed. */
static cg_code regrade(struct cg_store *st, const struct cg_catalog *c, json_t *doc, const char *now,
		       struct cg_error *err)
{
	json_t *in = NULL, *hist = json_object_get(doc, "grade_history");
	cg_code r = grade_input(st, doc, &in, err);

	if (r == CG_OK) {
		const char *g = cg_grade_names[cg_grade_level(c, in)];
		json_t *last = json_array_get(hist, json_array_size(hist) - 1);
		if (!json_is_array(hist)) {
			hist = json_array();
			json_object_set_new(doc, "grade", json_null());
			json_object_set_new(doc, "grade_history", hist);
		}
		if (!last || strcmp(json_string_value(json_object_get(last, "grade")), g) != 0)
			json_array_append_new(hist, json_pack("{s:s,s:s}", "at", now, "grade", g));
		json_object_set_new(doc, "grade", json_string(g));
	}
	json_decref(in);
	return r;
}

/* --- writers --- */


/*
 * The next free INC-YYYYMMDD-NNN of the day, inside the caller's write transaction: the day's
 * counter (table counters) plus one, or, when there is no counter yet (the day's first incident,
 * or a database restored from an export), the highest number among the day's ids, read once
 * through the key's range. An id someone chose by hand is skipped.
 */
static cg_code new_id(struct cg_store *st, const char *now, char out[CG_INCIDENT_ID_MAX], struct cg_error *err)
{
	struct cg_stmt *q;
	enum cg_step s;
	char prefix[24], name[40], lo[32], hi[32];
	int64_t n = 0;
	bool have = false, taken = true;
	cg_code r;

	snprintf(prefix, sizeof prefix, "INC-%.4s%.2s%.2s-", now, now + 5, now + 8);
	snprintf(name, sizeof name, "incident:%s", prefix);
	if ((r = cg_store_counter_get(st, name, &n, &have, err)) != CG_OK)
		return r;
	if (!have) {
		/* '-' + 1 is '.': the range holds exactly the ids that start with the prefix */
		snprintf(lo, sizeof lo, "%s", prefix);
		snprintf(hi, sizeof hi, "%.*s.", (int)strlen(prefix) - 1, prefix);
		if ((r = cg_store_prepare(st, "SELECT id FROM incidents WHERE id >= ? AND id < ?", &q, err)) != CG_OK)
			return r;
		if (cg_stmt_bind_text(q, 1, lo) || cg_stmt_bind_text(q, 2, hi))
			return bind_fail(q, err);
		while ((s = cg_stmt_step(q, err)) == CG_STEP_ROW) {
			int64_t k;
			const char *tail = cg_stmt_text(q, 0) + strlen(prefix);
			if (cg_parse_number(tail, &k) == 0 && k > n)
				n = k;
		}
		cg_stmt_done(q);
		if (s == CG_STEP_ERROR)
			return err && err->code ? err->code : CG_E_STORE;
	}
	while (taken) {
		if (n >= 999999999)
			return cg_error_set(err, CG_E_CONFLICT, "id", N_("no incident id is left for %s"), prefix);
		snprintf(out, CG_INCIDENT_ID_MAX, "%s%03lld", prefix, (long long)++n);
		if ((r = key_exists(st, "SELECT 1 FROM incidents WHERE id = ?", out, &taken, err)) != CG_OK)
			return r;
	}
	return cg_store_counter_set(st, name, n, have, err);
}

static bool id_ok(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n >= CG_INCIDENT_ID_MAX)
		return false;
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '-' || *p == '_' || *p == '.'))
			return false;
	return true;
}

cg_code cg_incident_open(struct cg_store *st, const char *actor, const struct cg_catalog *c, json_t *fields,
			 json_t **out, struct cg_error *err)
{
	char now[CG_TIME_MAX], id[CG_INCIDENT_ID_MAX];
	json_t *doc = json_object(), *given_id = json_object_get(fields, "id"), *rest = json_deep_copy(fields);
	bool own = !cg_store_in_transaction(st);
	cg_code r;

	*out = NULL;
	if (!doc || !rest) {
		json_decref(doc);
		json_decref(rest);
		return nomem(err);
	}
	json_object_del(rest, "id");
	if ((r = cg_now(now, err)) != CG_OK)
		goto out;
	if (given_id && (!json_is_string(given_id) || !id_ok(json_string_value(given_id)))) {
		r = cg_error_set(err, CG_E_INVALID, "id", N_("id: expected 1-%d letters, digits, '-', '_' or '.'"),
				 CG_INCIDENT_ID_MAX - 1);
		goto out;
	}
	if (!json_object_get(rest, "discovered_at")) {
		r = cg_error_set(err, CG_E_INVALID, "discovered_at", N_("%s: is required"), "discovered_at");
		goto out;
	}
	for (const struct ifield *f = ifields; f->name; f++)
		if (f->required && !json_object_get(rest, f->name)) {
			r = cg_error_set(err, CG_E_INVALID, f->name, N_("%s: is required"), f->name);
			goto out;
		}
	if (own && (r = cg_store_begin(st, err)) != CG_OK)
		goto out;
	if (given_id) {
		json_t *old = NULL;
		snprintf(id, sizeof id, "%s", json_string_value(given_id));
		r = cg_incident_get(st, id, &old, err);
		json_decref(old);
		if (r == CG_OK)
			r = cg_error_set(err, CG_E_EXISTS, "id", N_("id: incident '%s' already exists"), id);
		else if (r == CG_E_NOTFOUND) {
			r = CG_OK;
			cg_error_init(err, err ? err->lang : CG_LANG_EN);
		}
	} else {
		r = new_id(st, now, id, err);
	}
	if (r == CG_OK) {
		json_object_set_new(doc, "id", json_string(id));
		json_object_set_new(doc, "status", json_string("open"));
		json_object_set_new(doc, "detected_by", json_string("self"));
		json_object_set_new(doc, "systems", json_array());
		json_object_set_new(doc, "handled_at", json_null());
		json_object_set_new(doc, "actions", json_array());
		json_object_set_new(doc, "submissions", json_array());
		json_object_set_new(doc, "created_at", json_string(now));
		json_object_set_new(doc, "updated_at", json_string(now));
		r = apply_fields(st, doc, rest, err);
	}
	if (r == CG_OK)
		r = regrade(st, c, doc, now, err);
	if (r == CG_OK)
		r = write_audited(st, actor, doc, false, err);
	r = cg_store_end(st, own, r, err);
out:
	json_decref(rest);
	if (r == CG_OK)
		*out = doc;
	else
		json_decref(doc);
	return r;
}

/* Loads, changes (through `change`) and writes back an incident, audited, in one transaction. */
typedef cg_code (*change_fn)(struct cg_store *st, json_t *doc, const char *now, void *ud, struct cg_error *err);

static cg_code modify(struct cg_store *st, const char *actor, const struct cg_catalog *c, const char *id,
		      change_fn change, void *ud, json_t **out, struct cg_error *err)
{
	char now[CG_TIME_MAX];
	json_t *doc = NULL;
	bool own = !cg_store_in_transaction(st);
	cg_code r;

	if (out)
		*out = NULL;
	if ((r = cg_now(now, err)) != CG_OK)
		return r;
	if (own && (r = cg_store_begin(st, err)) != CG_OK)
		return r;
	if ((r = cg_incident_get(st, id, &doc, err)) == CG_OK && json_object_get(doc, "corrupt"))
		r = cg_error_set(err, CG_E_TAMPERED, "id", N_("incident '%s' was changed outside ciiguard; run 'ciiguard audit verify'"), id);
	if (r == CG_OK)
		r = change(st, doc, now, ud, err);
	if (r == CG_OK) {
		json_object_set_new(doc, "updated_at", json_string(now));
		r = regrade(st, c, doc, now, err);
	}
	if (r == CG_OK)
		r = write_audited(st, actor, doc, true, err);
	r = cg_store_end(st, own, r, err);
	if (r == CG_OK && out)
		*out = doc;
	else
		json_decref(doc);
	return r;
}

static cg_code change_fields(struct cg_store *st, json_t *doc, const char *now, void *ud, struct cg_error *err)
{
	json_t *fields = ud;
	(void)now;
	if (json_object_get(fields, "id") && !json_equal(json_object_get(fields, "id"), json_object_get(doc, "id")))
		return cg_error_set(err, CG_E_INVALID, "id", N_("id: an incident's id cannot be changed"));
	json_t *rest = json_deep_copy(fields);
	if (!rest)
		return nomem(err);
	json_object_del(rest, "id");
	cg_code r = apply_fields(st, doc, rest, err);
	json_decref(rest);
	if (r == CG_OK && json_is_string(json_object_get(doc, "handled_at")) &&
	    strcmp(json_string_value(json_object_get(doc, "handled_at")), json_string_value(json_object_get(doc, "discovered_at"))) < 0)
		r = cg_error_set(err, CG_E_INVALID, "discovered_at", N_("discovered_at: after the time handling ended"));
	return r;
}

cg_code cg_incident_update(struct cg_store *st, const char *actor, const struct cg_catalog *c, const char *id,
			   json_t *fields, json_t **out, struct cg_error *err)
{
	return modify(st, actor, c, id, change_fields, fields, out, err);
}

struct close_args {
	const char *handled_at;
};

static cg_code change_close(struct cg_store *st, json_t *doc, const char *now, void *ud, struct cg_error *err)
{
	struct close_args *a = ud;
	char t[CG_TIME_MAX];
	int64_t ms, disc;
	(void)st;

	if (strcmp(json_string_value(json_object_get(doc, "status")), "closed") == 0)
		return cg_error_set(err, CG_E_CONFLICT, "status", N_("incident '%s' is already closed"),
				    json_string_value(json_object_get(doc, "id")));
	if (!cg_rfc3339_parse(a->handled_at ? a->handled_at : now, &ms))
		return cg_error_set(err, CG_E_INVALID, "handled_at",
				    N_("%s: expected an RFC 3339 time such as 2026-11-24T09:30:00+08:00"), "handled_at");
	int64_t nowms = 0;
	if (cg_rfc3339_parse(now, &nowms) && ms > nowms)
		return cg_error_set(err, CG_E_INVALID, "handled_at", N_("handled_at: is in the future"));
	if (cg_rfc3339_parse(json_string_value(json_object_get(doc, "discovered_at")), &disc) && ms < disc)
		return cg_error_set(err, CG_E_INVALID, "handled_at", N_("handled_at: before the incident was discovered"));
	cg_rfc3339_format(ms, t);
	json_object_set_new(doc, "status", json_string("closed"));
	json_object_set_new(doc, "handled_at", json_string(t));
	return CG_OK;
}

cg_code cg_incident_close(struct cg_store *st, const char *actor, const struct cg_catalog *c, const char *id,
			  const char *handled_at, json_t **out, struct cg_error *err)
{
	struct close_args a = { handled_at };
	return modify(st, actor, c, id, change_close, &a, out, err);
}

struct action_args {
	const char *actor, *text, *at;
};

static cg_code change_action(struct cg_store *st, json_t *doc, const char *now, void *ud, struct cg_error *err)
{
	struct action_args *a = ud;
	json_t *actions = json_object_get(doc, "actions"), *text = json_string(a->text ? a->text : ""), *ok = NULL;
	char t[CG_TIME_MAX];
	int64_t ms;
	cg_code r;
	(void)st;

	if (!text)
		return cg_error_set(err, CG_E_INVALID, "text", N_("%s: expected text"), "text");
	r = json_string_length(text) == 0 ? cg_error_set(err, CG_E_INVALID, "text", N_("%s: is required"), "text") :
	    json_string_length(text) > LONG_MAX_BYTES ? cg_error_set(err, CG_E_INVALID, "text", N_("%s: longer than %d bytes"), "text", LONG_MAX_BYTES) :
	    !utf8_ok(a->text) ? cg_error_set(err, CG_E_INVALID, "text", N_("%s: control characters are not allowed"), "text") : CG_OK;
	if (r == CG_OK && !cg_rfc3339_parse(a->at ? a->at : now, &ms))
		r = cg_error_set(err, CG_E_INVALID, "at", N_("%s: expected an RFC 3339 time such as 2026-11-24T09:30:00+08:00"), "at");
	if (r == CG_OK && json_array_size(actions) >= ACTIONS_MAX)
		r = cg_error_set(err, CG_E_INVALID, "actions", N_("actions: at most %d per incident"), ACTIONS_MAX);
	if (r == CG_OK) {
		cg_rfc3339_format(ms, t);
		ok = json_pack("{s:s,s:s,s:O}", "at", t, "actor", a->actor, "text", text);
		if (!json_is_array(actions))
			json_object_set_new(doc, "actions", actions = json_array());
		if (!ok || json_array_append_new(actions, ok) != 0)
			r = nomem(err);
	}
	json_decref(text);
	return r;
}

cg_code cg_incident_action(struct cg_store *st, const char *actor, const struct cg_catalog *c, const char *id,
			   const char *text, const char *at, struct cg_error *err)
{
	struct action_args a = { actor, text, at };
	return modify(st, actor, c, id, change_action, &a, NULL, err);
}

struct submit_args {
	const struct cg_incident_submission *s;
	const char *actor;
};

static cg_code change_submit(struct cg_store *st, json_t *doc, const char *now, void *ud, struct cg_error *err)
{
	struct submit_args *a = ud;
	const struct cg_incident_submission *s = a->s;
	json_t *subs = json_object_get(doc, "submissions");
	char t[CG_TIME_MAX];
	int64_t ms, disc, nowms;
	(void)st;

	if (!s->kind || !listed_in(cg_report_kinds, s->kind))
		return cg_error_set(err, CG_E_INVALID, "kind", N_("%s: expected one of %s"), "kind", "initial, supplement, final");
	if (!s->recipient || !id_ok(s->recipient))
		return cg_error_set(err, CG_E_INVALID, "to", N_("to: expected the recipient, e.g. protection_work_department"));
	if (s->channel && (strlen(s->channel) > TEXT_MAX || !utf8_ok(s->channel)))
		return cg_error_set(err, CG_E_INVALID, "channel", N_("%s: expected text on one line"), "channel");
	if (!cg_rfc3339_parse(s->at ? s->at : now, &ms))
		return cg_error_set(err, CG_E_INVALID, "at", N_("%s: expected an RFC 3339 time such as 2026-11-24T09:30:00+08:00"), "at");
	if (cg_rfc3339_parse(now, &nowms) && ms > nowms)
		return cg_error_set(err, CG_E_INVALID, "at", N_("at: is in the future"));
	if (cg_rfc3339_parse(json_string_value(json_object_get(doc, "discovered_at")), &disc) && ms < disc)
		return cg_error_set(err, CG_E_INVALID, "at", N_("at: before the incident was discovered"));
	if (strcmp(s->kind, "final") == 0 && !json_is_string(json_object_get(doc, "handled_at")))
		return cg_error_set(err, CG_E_CONFLICT, "kind", N_("kind: a final report comes after handling ends; close the incident first"));
	cg_rfc3339_format(ms, t);
	json_t *e = json_pack("{s:s,s:s,s:s,s:s?,s:s,s:O,s:s}", "kind", s->kind, "recipient", s->recipient, "at", t,
			      "channel", s->channel, "sha256", s->sha256, "grade", json_object_get(doc, "grade"),
			      "recorded_by", a->actor);
	if (!json_is_array(subs))
		json_object_set_new(doc, "submissions", subs = json_array());
	if (!e || json_array_append_new(subs, e) != 0)
		return nomem(err);
	return CG_OK;
}

cg_code cg_incident_submit(struct cg_store *st, const char *actor, const struct cg_catalog *c, const char *id,
			   const struct cg_incident_submission *s, struct cg_error *err)
{
	struct submit_args a = { s, actor };
	return modify(st, actor, c, id, change_submit, &a, NULL, err);
}

cg_code cg_incident_list(struct cg_store *st, const char *status, json_t **out, struct cg_error *err)
{
	struct cg_stmt *q;
	enum cg_step s;
	cg_code r;

	*out = json_array();
	if (!*out)
		return nomem(err);
	/* ids of one day in the order given: INC-20261207-999 before INC-20261207-1000 */
	r = cg_store_prepare(st, status ? SELECT_COLS " WHERE status = ? ORDER BY discovered_at DESC, length(id), id" :
			     SELECT_COLS " ORDER BY discovered_at DESC, length(id), id", &q, err);
	if (r != CG_OK)
		return r;
	if (status && cg_stmt_bind_text(q, 1, status))
		return bind_fail(q, err);
	while ((s = cg_stmt_step(q, err)) == CG_STEP_ROW) {
		json_t *doc = row_doc(q);
		if (!doc || json_array_append_new(*out, doc) != 0) {
			cg_stmt_done(q);
			return nomem(err);
		}
	}
	cg_stmt_done(q);
	return s == CG_STEP_ERROR ? (err && err->code ? err->code : CG_E_STORE) : CG_OK;
}

/* --- deadlines --- */

static int64_t ms_of(json_t *v)
{
	int64_t ms = 0;
	if (!json_is_string(v) || !cg_rfc3339_parse(json_string_value(v), &ms))
		return INT64_MIN;
	return ms;
}

/* The latest submission of `kind` (NULL: any) to `recipient`, or NULL. */
static json_t *last_submission(json_t *doc, const char *kind, const char *recipient)
{
	json_t *subs = json_object_get(doc, "submissions"), *best = NULL, *e;
	size_t i;
	json_array_foreach(subs, i, e) {
		if (strcmp(json_string_value(json_object_get(e, "recipient")), recipient) != 0)
			continue;
		if (kind && strcmp(json_string_value(json_object_get(e, "kind")), kind) != 0)
			continue;
		if (!best || ms_of(json_object_get(e, "at")) >= ms_of(json_object_get(best, "at")))
			best = e;
	}
	return best;
}

static json_t *deadline(json_t *doc, const char *kind, const char *recipient, int64_t due, bool met, json_t *sub,
			int64_t now, const char *source)
{
	char d[40];
	if (due != INT64_MIN)
		cg_time_shanghai(due, d);
	return json_pack("{s:s,s:s,s:s,s:s,s:s?,s:b,s:b,s:O?,s:s?,s:s}", "source", "incident",
		"incident", json_string_value(json_object_get(doc, "id")), "kind", kind, "recipient", recipient,
		"due_at", due != INT64_MIN ? d : NULL, "met", met, "overdue", !met && due != INT64_MIN && due < now,
		"submitted_at", sub ? json_object_get(sub, "at") : NULL, "basis", source,
		"title", json_string_value(json_object_get(doc, "title")) ? json_string_value(json_object_get(doc, "title")) : "");
}

cg_code cg_incident_deadlines(struct cg_store *st, const struct cg_catalog *c, json_t *doc, enum cg_lang lang,
			      json_t **out, struct cg_error *err)
{
	json_t *res = NULL, *rep, *hist = json_object_get(doc, "grade_history"), *items = json_array();
	char now[CG_TIME_MAX];
	int64_t nowms, handled = ms_of(json_object_get(doc, "handled_at"));
	size_t i;
	cg_code r;

	*out = NULL;
	if (!items)
		return nomem(err);
	if ((r = cg_now(now, err)) != CG_OK || (r = grade_doc(st, c, doc, lang, &res, err)) != CG_OK) {
		json_decref(items);
		return r;
	}
	cg_rfc3339_parse(now, &nowms);
	int grade = cg_grade_index(json_string_value(json_object_get(res, "grade")));
	json_int_t final_days = json_integer_value(json_object_get(res, "final_report_due_days"));
	json_int_t supp = json_integer_value(json_object_get(res, "supplement_within_minutes"));
	json_array_foreach(json_object_get(res, "reports"), i, rep) {
		const char *who = json_string_value(json_object_get(rep, "recipient"));
		const char *src = json_string_value(json_object_get(rep, "source"));
		json_t *init = last_submission(doc, "initial", who), *any = last_submission(doc, NULL, who);
		json_array_append_new(items, deadline(doc, "initial", who, ms_of(json_object_get(rep, "due_at")), init != NULL,
						      init, nowms, src));
		if (!json_is_true(json_object_get(rep, "statutory")))
			continue;
		/* A supplement when the grade rose after the last report to this recipient. */
		int sent = any ? cg_grade_index(json_string_value(json_object_get(any, "grade"))) : grade;
		if (any && sent >= 0 && grade > sent && supp > 0) {
			int64_t rose = INT64_MIN;
			json_t *h;
			size_t k;
			json_array_foreach(hist, k, h)
				if (cg_grade_index(json_string_value(json_object_get(h, "grade"))) > sent &&
				    ms_of(json_object_get(h, "at")) >= ms_of(json_object_get(any, "at")) && rose == INT64_MIN)
					rose = ms_of(json_object_get(h, "at"));
			if (rose == INT64_MIN)
				rose = ms_of(json_object_get(any, "at"));
			json_array_append_new(items, deadline(doc, "supplement", who, rose + supp * 60000, false, NULL, nowms, src));
		}
		if (handled != INT64_MIN && json_is_true(json_object_get(res, "final_report_required")) && final_days > 0) {
			json_t *fin = last_submission(doc, "final", who);
			json_array_append_new(items, deadline(doc, "final", who, handled + final_days * 86400000, fin != NULL,
							      fin, nowms, src));
		}
	}
	json_decref(res);
	*out = items;
	return CG_OK;
}

/* --- due: every open deadline of the product --- */

/* Appends the unmet deadlines of every incident to `all`; counts open incidents in *open. */
static cg_code incident_deadlines_all(struct cg_store *st, const struct cg_catalog *c, enum cg_lang lang, json_t *all,
				      size_t *open, struct cg_error *err)
{
	json_t *list = NULL, *doc, *item;
	size_t i, k;
	cg_code r = cg_incident_list(st, NULL, &list, err);

	if (open)
		*open = 0;
	json_array_foreach(list, i, doc) {
		json_t *d = NULL;
		if (r != CG_OK)
			break;
		if (open && strcmp(json_string_value(json_object_get(doc, "status")), "open") == 0)
			(*open)++;
		if ((r = cg_incident_deadlines(st, c, doc, lang, &d, err)) != CG_OK)
			break;
		json_array_foreach(d, k, item) {
			char ref[300];
			if (json_is_true(json_object_get(item, "met")))
				continue;
			snprintf(ref, sizeof ref, "%s/%s/%s", json_string_value(json_object_get(item, "incident")),
				 json_string_value(json_object_get(item, "kind")), json_string_value(json_object_get(item, "recipient")));
			json_object_set_new(item, "ref", json_string(ref));
			json_array_append(all, item);
		}
		json_decref(d);
	}
	json_decref(list);
	return r;
}

static int due_cmp(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int64_t mx = ms_of(json_object_get(x, "due_at")), my = ms_of(json_object_get(y, "due_at"));
	if (mx != my)
		return mx < my ? -1 : 1; /* "promptly" (null) sorts first */
	return strcmp(json_string_value(json_object_get(x, "ref")), json_string_value(json_object_get(y, "ref")));
}

/* Appends to `all` the deadlines of the obligation register (open obligations with a due date,
 * and the clocks others owe) and of the registers. */
static cg_code other_deadlines(struct cg_store *st, const struct cg_catalog *c, enum cg_lang lang, json_t *all,
			       struct cg_error *err)
{
	json_t *reg = NULL, *item;
	size_t i;
	cg_code r;

	/* The obligation register: open obligations with a due date; the clocks others owe. */
	if ((r = cg_obligations(st, c, NULL, lang, &reg, err)) != CG_OK)
		return r;
	json_array_foreach(json_object_get(reg, "obligations"), i, item) {
		const char *due = json_string_value(json_object_get(item, "due"));
		const char *status = json_string_value(json_object_get(item, "status"));
		json_t *fu = json_object_get(item, "follow_up");
		char at[40], ref[1100];
		snprintf(ref, sizeof ref, "%s|%s", json_string_value(json_object_get(item, "scope")),
			 json_string_value(json_object_get(item, "urn")));
		if (due && strcmp(status, "met") != 0 && strcmp(status, "not_applicable") != 0) {
			snprintf(at, sizeof at, "%.10sT23:59:59+08:00", due);
			json_array_append_new(all, json_pack("{s:s,s:s,s:s,s:s?,s:s?,s:s,s:s,s:b,s:s,s:s?}", "source", "obligation",
				"scope", json_string_value(json_object_get(item, "scope")), "urn",
				json_string_value(json_object_get(item, "urn")), "ref_id", json_string_value(json_object_get(item, "ref_id")),
				"title", json_string_value(json_object_get(item, "name")), "due_at", at, "kind", "obligation",
				"overdue", json_is_true(json_object_get(item, "overdue")), "ref", ref,
				"basis", json_string_value(json_object_get(item, "source"))));
		}
		if (fu && !json_is_true(json_object_get(fu, "passed"))) {
			snprintf(at, sizeof at, "%.10sT23:59:59+08:00", json_string_value(json_object_get(fu, "due")));
			json_array_append_new(all, json_pack("{s:s,s:s,s:s,s:s?,s:s?,s:s,s:s,s:b,s:s,s:s?,s:s?}", "source", "obligation",
				"scope", json_string_value(json_object_get(item, "scope")), "urn",
				json_string_value(json_object_get(item, "urn")), "ref_id", json_string_value(json_object_get(item, "ref_id")),
				"title", json_string_value(json_object_get(item, "name")), "due_at", at, "kind", "follow_up",
				"overdue", 0, "ref", ref, "basis", json_string_value(json_object_get(item, "source")),
				"owed_by", json_string_value(json_object_get(fu, "party"))));
		}
	}
	/* The registers: their deadlines, and the clocks others owe (review office). */
	json_t *found = NULL, *f;
	if ((r = cg_register_findings(st, c, lang, &found, err)) != CG_OK) {
		json_decref(reg);
		return r;
	}
	json_array_foreach(json_object_get(found, "findings"), i, f) {
		const char *due = json_string_value(json_object_get(f, "due"));
		char at[40], ref[300];
		if (!due)
			continue;
		snprintf(at, sizeof at, "%.10sT23:59:59+08:00", due);
		snprintf(ref, sizeof ref, "%s:%s|%s", json_string_value(json_object_get(f, "register")),
			 json_string_value(json_object_get(f, "id")), json_string_value(json_object_get(f, "rule")));
		json_array_append_new(all, json_pack("{s:s,s:s,s:s,s:s,s:s?,s:s,s:s,s:b,s:s,s:s?}", "source", "register",
			"register", json_string_value(json_object_get(f, "register")), "id", json_string_value(json_object_get(f, "id")),
			"rule", json_string_value(json_object_get(f, "rule")), "title", json_string_value(json_object_get(f, "text")),
			"due_at", at, "kind", json_string_value(json_object_get(f, "kind")),
			"overdue", json_is_true(json_object_get(f, "overdue")), "ref", ref,
			"basis", json_string_value(json_object_get(f, "source"))));
	}
	json_decref(found);
	json_decref(reg);
	return CG_OK;
}

cg_code cg_due_counts(struct cg_store *st, const struct cg_catalog *c, int64_t *open, int64_t *overdue,
		      struct cg_error *err)
{
	json_t *other = json_array(), *item, *d;
	struct cg_stmt *q;
	enum cg_step s = CG_STEP_DONE;
	size_t i;
	cg_code r;

	*open = *overdue = 0;
	if (!other)
		return nomem(err);
	/* the incidents one at a time, never all of them in memory */
	if ((r = cg_store_prepare(st, SELECT_COLS, &q, err)) != CG_OK) {
		json_decref(other);
		return r;
	}
	while (r == CG_OK && (s = cg_stmt_step(q, err)) == CG_STEP_ROW) {
		json_t *doc = row_doc(q);
		d = NULL;
		r = doc ? cg_incident_deadlines(st, c, doc, CG_LANG_EN, &d, err) : nomem(err);
		json_decref(doc);
		json_array_foreach(d, i, item)
			if (!json_is_true(json_object_get(item, "met"))) {
				(*open)++;
				*overdue += json_is_true(json_object_get(item, "overdue"));
			}
		json_decref(d);
	}
	cg_stmt_done(q);
	if (r == CG_OK && s == CG_STEP_ERROR)
		r = err && err->code ? err->code : CG_E_STORE;
	if (r == CG_OK && (r = other_deadlines(st, c, CG_LANG_EN, other, err)) == CG_OK)
		json_array_foreach(other, i, item) {
			(*open)++;
			*overdue += json_is_true(json_object_get(item, "overdue"));
		}
	json_decref(other);
	return r;
}

cg_code cg_due(struct cg_store *st, const struct cg_catalog *c, int64_t within_ms, enum cg_lang lang,
	       json_t **out, struct cg_error *err)
{
	json_t *all = json_array(), *kept = json_array();
	char now[CG_TIME_MAX];
	int64_t nowms;
	size_t i, overdue = 0;
	cg_code r;

	*out = NULL;
	if (!all || !kept) {
		json_decref(all);
		json_decref(kept);
		return nomem(err);
	}
	if ((r = cg_now(now, err)) != CG_OK)
		goto out;
	cg_rfc3339_parse(now, &nowms);
	/* Incidents: every one, open or closed, whose deadlines are not all met. */
	if ((r = incident_deadlines_all(st, c, lang, all, NULL, err)) != CG_OK)
		goto out;
	if ((r = other_deadlines(st, c, lang, all, err)) != CG_OK)
		goto out;
	/* Soonest first; keep what is overdue, "promptly" or due within the window. */
	size_t n = json_array_size(all);
	json_t **v = calloc(n + 1, sizeof *v);
	if (!v) {
		r = nomem(err);
		goto out;
	}
	for (i = 0; i < n; i++)
		v[i] = json_array_get(all, i);
	qsort(v, n, sizeof *v, due_cmp);
	for (i = 0; i < n; i++) {
		int64_t d = ms_of(json_object_get(v[i], "due_at"));
		bool od = json_is_true(json_object_get(v[i], "overdue"));
		if (within_ms >= 0 && !od && d != INT64_MIN && d > nowms + within_ms)
			continue;
		overdue += od;
		json_array_append(kept, v[i]);
	}
	free(v);
	char nowsh[40];
	cg_time_shanghai(nowms, nowsh);
	*out = json_pack("{s:s,s:O,s:I,s:I}", "now", nowsh, "deadlines", kept, "overdue", (json_int_t)overdue,
			 "open", (json_int_t)json_array_size(kept));
	if (!*out)
		r = nomem(err);
out:
	json_decref(all);
	json_decref(kept);
	return r;
}

cg_code cg_incident_summary(struct cg_store *st, const struct cg_catalog *c, enum cg_lang lang, json_t **out,
			    struct cg_error *err)
{
	json_t *all = json_array(), *next = json_array(), **v = NULL, *item;
	size_t open = 0, overdue = 0, i, n;
	cg_code r = all && next ? incident_deadlines_all(st, c, lang, all, &open, err) : nomem(err);

	*out = NULL;
	n = json_array_size(all);
	if (r == CG_OK && !(v = calloc(n + 1, sizeof *v)))
		r = nomem(err);
	if (r == CG_OK) {
		json_array_foreach(all, i, item) {
			v[i] = item;
			overdue += json_is_true(json_object_get(item, "overdue"));
		}
		qsort(v, n, sizeof *v, due_cmp);
		for (i = 0; i < n && i < 5; i++)
			json_array_append(next, v[i]);
		*out = json_pack("{s:I,s:I,s:I,s:O}", "open", (json_int_t)open, "reports_due", (json_int_t)n,
				 "reports_overdue", (json_int_t)overdue, "next_reports", next);
		if (!*out)
			r = nomem(err);
	}
	free(v);
	json_decref(all);
	json_decref(next);
	return r;
}
