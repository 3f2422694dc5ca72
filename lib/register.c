/*
 * The governance registers (include/ciiguard/register.h): field tables, validation, storage as
 * JSON documents in one table (migration 0006), audit with personal fields hashed, import.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "ciiguard/audit.h"
#include "ciiguard/buf.h"
#include "ciiguard/clock.h"
#include "ciiguard/csv.h"
#include "ciiguard/i18n.h"
#include "ciiguard/json.h"
#include "ciiguard/register.h"
#include "ciiguard/screen.h"
#include "ciiguard/system.h"
#include "entity.h"
#include "secret.h"
#include "banned.h"

#define TEXT_MAX 200
#define LONG_MAX_BYTES 20000
#define LIST_MAX 200

static cg_code nomem(struct cg_error *err)
{
	return cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
}

/* --- the kinds --- */

static const char *const vendor_kinds[] = { "foundation_model_provider", "cloud", "saas_ai_tool",
	"systems_integrator", "managed_service", "outsourcing_team", "other", NULL };
static const char *const continuity[] = { "assured", "at_risk", "unknown", NULL };
static const char *const categories[] = { "core_network_equipment", "telecom_product", "high_performance_computing",
	"mass_storage", "large_database_or_software", "security_equipment", "cloud_service", "ai_model_service",
	"other", NULL };
static const char *const review_status[] = { "none", "filed", "not_required", "preliminary", "complex",
	"special", "cleared", "refused", NULL };
static const char *const person_roles[] = { "principal", "security_head", "security_member", "staff", NULL };
static const char *const bans[] = { "none", "administrative", "criminal", NULL };

static cg_code check_person(struct cg_store *st, const struct cg_catalog *c, json_t *doc, struct cg_error *err);
static cg_code check_approval(struct cg_store *st, const struct cg_catalog *c, json_t *doc, struct cg_error *err);

static const struct cg_rfield vendor_fields[] = {
	{ "name", CG_R_TEXT, NULL, CG_RF_REQUIRED, NULL },
	{ "kind", CG_R_ENUM, vendor_kinds, CG_RF_REQUIRED, NULL },
	{ "supplies", CG_R_LONG, NULL, 0, NULL },
	{ "systems", CG_R_SYSTEMS, NULL, 0, NULL },
	{ "models", CG_R_LIST, NULL, 0, NULL },
	{ "contact", CG_R_TEXT, NULL, 0, NULL },
	{ "review_date", CG_R_DATE, NULL, 0, NULL },
	{ "review_supply_continuity", CG_R_ENUM, continuity, 0, NULL },
	{ "review_remote_access", CG_R_BOOL, NULL, 0, NULL },
	{ "review_sensitive_data", CG_R_BOOL, NULL, 0, NULL },
	{ "review_local_deployment", CG_R_BOOL, NULL, 0, NULL },
	{ "review_meets_cn_requirements", CG_R_BOOL, NULL, 0, NULL },
	{ "review_notes", CG_R_LONG, NULL, 0, NULL },
	{ NULL, CG_R_TEXT, NULL, 0, NULL },
};

static const struct cg_rfield agreement_fields[] = {
	{ "vendor", CG_R_REF, NULL, CG_RF_REQUIRED, "vendor" },
	{ "title", CG_R_TEXT, NULL, 0, NULL },
	{ "signed_on", CG_R_DATE, NULL, CG_RF_REQUIRED, NULL },
	{ "expires_on", CG_R_DATE, NULL, 0, NULL },
	{ "technical_support", CG_R_BOOL, NULL, 0, NULL },
	{ "confidentiality", CG_R_BOOL, NULL, 0, NULL },
	{ "incident_reporting", CG_R_BOOL, NULL, 0, NULL },
	{ "remote_access_limits", CG_R_BOOL, NULL, 0, NULL },
	{ "notes", CG_R_LONG, NULL, 0, NULL },
	{ NULL, CG_R_TEXT, NULL, 0, NULL },
};

static const struct cg_rfield procurement_fields[] = {
	{ "title", CG_R_TEXT, NULL, CG_RF_REQUIRED, NULL },
	{ "amount_cny", CG_R_AMOUNT, NULL, CG_RF_REQUIRED, NULL },
	{ "category", CG_R_ENUM, categories, CG_RF_REQUIRED, NULL },
	{ "vendor", CG_R_REF, NULL, 0, "vendor" },
	{ "systems", CG_R_SYSTEMS, NULL, 0, NULL },
	{ "affects_national_security", CG_R_BOOL, NULL, 0, NULL },
	{ "review_status", CG_R_ENUM, review_status, 0, NULL },
	{ "filed_on", CG_R_DATE, NULL, 0, NULL },
	{ "review_started_on", CG_R_DATE, NULL, 0, NULL },
	{ "in_use_since", CG_R_DATE, NULL, 0, NULL },
	{ "notes", CG_R_LONG, NULL, 0, NULL },
	{ NULL, CG_R_TEXT, NULL, 0, NULL },
};

static const struct cg_rfield person_fields[] = {
	{ "name", CG_R_TEXT, NULL, CG_RF_REQUIRED, NULL },
	{ "role", CG_R_ENUM, person_roles, CG_RF_REQUIRED, NULL },
	{ "key_positions", CG_R_LIST, NULL, 0, NULL },
	{ "background_check_on", CG_R_DATE, NULL, 0, NULL },
	{ "background_check_result", CG_R_LONG, NULL, CG_RF_PERSONAL, NULL },
	{ "identity_changed_on", CG_R_DATE, NULL, 0, NULL },
	{ "identity_change", CG_R_LONG, NULL, CG_RF_PERSONAL, NULL },
	{ "training_hours", CG_R_YEARS, NULL, 0, NULL },
	{ "ban", CG_R_ENUM, bans, 0, NULL },
	{ "ban_since", CG_R_DATE, NULL, 0, NULL },
	{ NULL, CG_R_TEXT, NULL, 0, NULL },
};

static const char *const decision_kinds[] = { "project_selection", "architecture", "vendor_onboarding",
	"major_change", "migration", "decommissioning", NULL };
static const char *const assessment_kinds[] = { "self", "service_institution", NULL };
static const char *const drill_kinds[] = { "tabletop", "switchover", "full", NULL };
static const char *const change_kinds[] = { "material_change", "merger", "division", "dissolution", NULL };
static const char *const pentest_status[] = { "scheduled", "done", "cancelled", NULL };
static const char *const severities[] = { "low", "medium", "high", "critical", NULL };
static const char *const filing_kinds[] = { "genai_security_assessment", "algorithm_filing", NULL };

static cg_code check_pentest(struct cg_store *st, const struct cg_catalog *c, json_t *doc, struct cg_error *err);

static const struct cg_rfield decision_fields[] = {
	{ "title", CG_R_TEXT, NULL, CG_RF_REQUIRED, NULL },
	{ "kind", CG_R_ENUM, decision_kinds, CG_RF_REQUIRED, NULL },
	{ "decided_on", CG_R_DATE, NULL, CG_RF_REQUIRED, NULL },
	{ "systems", CG_R_SYSTEMS, NULL, 0, NULL },
	{ "participants", CG_R_REFS, NULL, 0, "person" },
	{ "principal_approval_on", CG_R_DATE, NULL, 0, NULL },
	{ "principal_approval_by", CG_R_REF, NULL, 0, "person" },
	{ "notes", CG_R_LONG, NULL, 0, NULL },
	{ NULL, CG_R_TEXT, NULL, 0, NULL },
};

static const struct cg_rfield assessment_fields[] = {
	{ "kind", CG_R_ENUM, assessment_kinds, CG_RF_REQUIRED, NULL },
	{ "institution", CG_R_TEXT, NULL, 0, NULL },
	{ "systems", CG_R_SYSTEMS, NULL, CG_RF_REQUIRED, NULL },
	{ "performed_on", CG_R_DATE, NULL, CG_RF_REQUIRED, NULL },
	{ "findings", CG_R_LONG, NULL, 0, NULL },
	{ "highest_severity", CG_R_ENUM, severities, 0, NULL },
	{ "remediation_owner", CG_R_TEXT, NULL, 0, NULL },
	{ "remediation_due", CG_R_DATE, NULL, 0, NULL },
	{ "remediation_done_on", CG_R_DATE, NULL, 0, NULL },
	{ "submitted_on", CG_R_DATE, NULL, 0, NULL },
	{ "principal_approval_on", CG_R_DATE, NULL, 0, NULL },
	{ "principal_approval_by", CG_R_REF, NULL, 0, "person" },
	{ NULL, CG_R_TEXT, NULL, 0, NULL },
};

static const struct cg_rfield plan_fields[] = {
	{ "title", CG_R_TEXT, NULL, CG_RF_REQUIRED, NULL },
	{ "systems", CG_R_SYSTEMS, NULL, CG_RF_REQUIRED, NULL },
	{ "approved_on", CG_R_DATE, NULL, 0, NULL },
	{ "notes", CG_R_LONG, NULL, 0, NULL },
	{ NULL, CG_R_TEXT, NULL, 0, NULL },
};

static const struct cg_rfield drill_fields[] = {
	{ "plan", CG_R_REF, NULL, CG_RF_REQUIRED, "plan" },
	{ "kind", CG_R_ENUM, drill_kinds, CG_RF_REQUIRED, NULL },
	{ "performed_on", CG_R_DATE, NULL, CG_RF_REQUIRED, NULL },
	{ "participants", CG_R_REFS, NULL, 0, "person" },
	{ "findings", CG_R_LONG, NULL, 0, NULL },
	{ "follow_up_due", CG_R_DATE, NULL, 0, NULL },
	{ "follow_up_done_on", CG_R_DATE, NULL, 0, NULL },
	{ NULL, CG_R_TEXT, NULL, 0, NULL },
};

static const struct cg_rfield change_fields[] = {
	{ "kind", CG_R_ENUM, change_kinds, CG_RF_REQUIRED, NULL },
	{ "systems", CG_R_SYSTEMS, NULL, 0, NULL },
	{ "occurred_on", CG_R_DATE, NULL, CG_RF_REQUIRED, NULL },
	{ "description", CG_R_LONG, NULL, 0, NULL },
	{ "reported_on", CG_R_DATE, NULL, 0, NULL },
	{ "reidentified_on", CG_R_DATE, NULL, 0, NULL },
	{ NULL, CG_R_TEXT, NULL, 0, NULL },
};

static const struct cg_rfield pentest_fields[] = {
	{ "systems", CG_R_SYSTEMS, NULL, CG_RF_REQUIRED, NULL },
	{ "status", CG_R_ENUM, pentest_status, CG_RF_REQUIRED, NULL },
	{ "tester", CG_R_TEXT, NULL, 0, NULL },
	{ "authorised_by", CG_R_TEXT, NULL, 0, NULL },
	{ "authorisation_ref", CG_R_TEXT, NULL, 0, NULL },
	{ "scope", CG_R_LONG, NULL, 0, NULL },
	{ "window_start", CG_R_DATE, NULL, 0, NULL },
	{ "window_end", CG_R_DATE, NULL, 0, NULL },
	{ "performed_on", CG_R_DATE, NULL, 0, NULL },
	{ NULL, CG_R_TEXT, NULL, 0, NULL },
};

static const struct cg_rfield vulnerability_fields[] = {
	{ "title", CG_R_TEXT, NULL, CG_RF_REQUIRED, NULL },
	{ "systems", CG_R_SYSTEMS, NULL, CG_RF_REQUIRED, NULL },
	{ "found_on", CG_R_DATE, NULL, CG_RF_REQUIRED, NULL },
	{ "severity", CG_R_ENUM, severities, 0, NULL },
	{ "endangers_public_interest", CG_R_BOOL, NULL, 0, NULL },
	{ "reported_on", CG_R_DATE, NULL, 0, NULL },
	{ "fixed_on", CG_R_DATE, NULL, 0, NULL },
	{ NULL, CG_R_TEXT, NULL, 0, NULL },
};

static const struct cg_rfield filing_fields[] = {
	{ "kind", CG_R_ENUM, filing_kinds, CG_RF_REQUIRED, NULL },
	{ "systems", CG_R_SYSTEMS, NULL, CG_RF_REQUIRED, NULL },
	{ "launched_on", CG_R_DATE, NULL, 0, NULL },
	{ "filed_on", CG_R_DATE, NULL, 0, NULL },
	{ "changed_on", CG_R_DATE, NULL, 0, NULL },
	{ "change_filed_on", CG_R_DATE, NULL, 0, NULL },
	{ "cancelled_on", CG_R_DATE, NULL, 0, NULL },
	{ "cancellation_filed_on", CG_R_DATE, NULL, 0, NULL },
	{ "filing_number", CG_R_TEXT, NULL, 0, NULL },
	{ NULL, CG_R_TEXT, NULL, 0, NULL },
};

static const struct cg_rfield pi_audit_fields[] = {
	{ "systems", CG_R_SYSTEMS, NULL, CG_RF_REQUIRED, NULL },
	{ "performed_on", CG_R_DATE, NULL, CG_RF_REQUIRED, NULL },
	{ "auditor", CG_R_TEXT, NULL, 0, NULL },
	{ "findings", CG_R_LONG, NULL, 0, NULL },
	{ NULL, CG_R_TEXT, NULL, 0, NULL },
};

static const struct cg_rfield inspection_fields[] = {
	{ "authority", CG_R_TEXT, NULL, CG_RF_REQUIRED, NULL },
	{ "inspected_on", CG_R_DATE, NULL, CG_RF_REQUIRED, NULL },
	{ "systems", CG_R_SYSTEMS, NULL, 0, NULL },
	{ "findings", CG_R_LONG, NULL, 0, NULL },
	{ "follow_up_due", CG_R_DATE, NULL, 0, NULL },
	{ "follow_up_done_on", CG_R_DATE, NULL, 0, NULL },
	{ NULL, CG_R_TEXT, NULL, 0, NULL },
};

const struct cg_rkind cg_rkinds[] = {
	{ "vendor", "VEN", vendor_fields, NULL },
	{ "agreement", "AGR", agreement_fields, NULL },
	{ "procurement", "PRO", procurement_fields, NULL },
	{ "person", "PER", person_fields, check_person },
	{ "decision", "DEC", decision_fields, check_approval },
	{ "assessment", "ASM", assessment_fields, check_approval },
	{ "plan", "PLN", plan_fields, NULL },
	{ "drill", "DRL", drill_fields, NULL },
	{ "change", "CHG", change_fields, NULL },
	{ "pentest", "PEN", pentest_fields, check_pentest },
	{ "vulnerability", "VUL", vulnerability_fields, NULL },
	{ "filing", "FIL", filing_fields, NULL },
	{ "pi_audit", "PIA", pi_audit_fields, NULL },
	{ "inspection", "INS", inspection_fields, NULL },
	{ NULL, NULL, NULL, NULL },
};

const struct cg_rkind *cg_rkind_find(const char *name)
{
	for (const struct cg_rkind *k = cg_rkinds; name && k->name; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

static const struct cg_rfield *field_find(const struct cg_rkind *k, const char *name)
{
	for (const struct cg_rfield *f = k->fields; f->name; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

/* --- checking fields --- */

static bool clean_text(const char *s, bool multiline)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 && *p != '\t' && !(multiline && (*p == '\n' || *p == '\r')))
			return false;
	return true;
}

/* Whether `sql` (two parameters: a kind and an id) returns a row (*found). */
static cg_code row_exists(struct cg_store *st, const char *sql, const char *kind, const char *id, bool *found,
			  struct cg_error *err)
{
	struct cg_stmt *q;
	enum cg_step s;
	cg_code r = cg_store_prepare(st, sql, &q, err);

	*found = false;
	if (r != CG_OK)
		return r;
	if (cg_stmt_bind_text(q, 1, kind) || cg_stmt_bind_text(q, 2, id)) {
		cg_stmt_done(q);
		return cg_error_set(err, CG_E_STORE, NULL, N_("could not bind a query parameter"));
	}
	s = cg_stmt_step(q, err);
	*found = s == CG_STEP_ROW;
	cg_stmt_done(q);
	return s == CG_STEP_ERROR ? (err && err->code ? err->code : CG_E_STORE) : CG_OK;
}

static cg_code record_exists(struct cg_store *st, const char *kind, const char *id, bool *found, struct cg_error *err)
{
	return row_exists(st, "SELECT 1 FROM records WHERE kind = ? AND id = ?", kind, id, found, err);
}

static cg_code bad(struct cg_error *err, const char *field, const char *what)
{
	return cg_error_set(err, CG_E_INVALID, field, N_("%s: expected %s"), field, cg_tr(err ? err->lang : CG_LANG_EN, what));
}

static cg_code check_value(struct cg_store *st, const struct cg_rfield *f, json_t *v, struct cg_error *err)
{
	size_t i;
	json_t *e;
	const char *key;
	bool found;
	cg_code r;

	switch (f->type) {
	case CG_R_TEXT:
	case CG_R_LONG:
		if (!json_is_string(v) || !clean_text(json_string_value(v), f->type == CG_R_LONG))
			return bad(err, f->name, f->type == CG_R_TEXT ? N_("text on one line") : N_("text"));
		if (json_string_length(v) > (f->type == CG_R_TEXT ? TEXT_MAX : LONG_MAX_BYTES))
			return cg_error_set(err, CG_E_INVALID, f->name, N_("%s: longer than %d bytes"), f->name,
					    f->type == CG_R_TEXT ? TEXT_MAX : LONG_MAX_BYTES);
		if ((f->flags & CG_RF_REQUIRED) && json_string_length(v) == 0)
			return cg_error_set(err, CG_E_INVALID, f->name, N_("%s: is required"), f->name);
		return CG_OK;
	case CG_R_ENUM: {
		char list[512] = "";
		size_t used = 0;
		for (i = 0; f->values[i]; i++) {
			if (json_is_string(v) && strcmp(f->values[i], json_string_value(v)) == 0)
				return CG_OK;
			int w = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", f->values[i]);
			if (w > 0 && (size_t)w < sizeof list - used)
				used += (size_t)w;
		}
		return cg_error_set(err, CG_E_INVALID, f->name, N_("%s: expected one of %s"), f->name, list);
	}
	case CG_R_DATE:
		return json_is_string(v) && cg_date_valid(json_string_value(v)) ? CG_OK :
		       bad(err, f->name, N_("a date YYYY-MM-DD"));
	case CG_R_BOOL:
		return json_is_boolean(v) ? CG_OK : bad(err, f->name, N_("true or false"));
	case CG_R_AMOUNT:
		return json_is_number(v) && json_number_value(v) >= 0 && json_number_value(v) < 9e15 ? CG_OK :
		       bad(err, f->name, N_("an amount, 0 or more"));
	case CG_R_LIST:
	case CG_R_SYSTEMS:
		if (!json_is_array(v) || json_array_size(v) > LIST_MAX)
			return cg_error_set(err, CG_E_INVALID, f->name, N_("%s: expected a list of at most %d items"), f->name, LIST_MAX);
		json_array_foreach(v, i, e) {
			if (!json_is_string(e) || json_string_length(e) == 0 || json_string_length(e) > TEXT_MAX ||
			    !clean_text(json_string_value(e), false))
				return cg_error_set(err, CG_E_INVALID, f->name, N_("%s: expected a list of at most %d items"), f->name, LIST_MAX);
			for (size_t k = 0; k < i; k++)
				if (json_equal(json_array_get(v, k), e))
					return cg_error_set(err, CG_E_INVALID, f->name, N_("%s: '%s' is listed twice"), f->name,
							    json_string_value(e));
			if (f->type == CG_R_SYSTEMS) {
				struct cg_system s;
				cg_system_init(&s);
				r = cg_system_get(st, json_string_value(e), &s, err);
				cg_system_release(&s);
				if (r == CG_E_NOTFOUND)
					return cg_error_set(err, CG_E_INVALID, f->name, N_("%s: system '%s' does not exist"), f->name,
							    json_string_value(e));
				if (r != CG_OK)
					return r;
			}
		}
		return CG_OK;
	case CG_R_REFS:
		if (!json_is_array(v) || json_array_size(v) > LIST_MAX)
			return cg_error_set(err, CG_E_INVALID, f->name, N_("%s: expected a list of at most %d items"), f->name, LIST_MAX);
		json_array_foreach(v, i, e) {
			if (!json_is_string(e))
				return bad(err, f->name, N_("the id of a record"));
			if ((r = record_exists(st, f->ref, json_string_value(e), &found, err)) != CG_OK)
				return r;
			if (!found)
				return cg_error_set(err, CG_E_INVALID, f->name, N_("%s: %s '%s' does not exist"), f->name, f->ref,
						    json_string_value(e));
		}
		return CG_OK;
	case CG_R_REF:
		if (!json_is_string(v))
			return bad(err, f->name, N_("the id of a record"));
		if ((r = record_exists(st, f->ref, json_string_value(v), &found, err)) != CG_OK)
			return r;
		return found ? CG_OK : cg_error_set(err, CG_E_INVALID, f->name, N_("%s: %s '%s' does not exist"), f->name,
						   f->ref, json_string_value(v));
	case CG_R_YEARS:
		if (!json_is_object(v))
			return bad(err, f->name, N_("an object of years and numbers, e.g. {\"2026\": 32}"));
		json_object_foreach(v, key, e) {
			int64_t y;
			if (strlen(key) != 4 || cg_parse_number(key, &y) != 0 || y < 1990 || y > 2200 || !json_is_number(e) ||
			    json_number_value(e) < 0 || json_number_value(e) > 10000)
				return bad(err, f->name, N_("an object of years and numbers, e.g. {\"2026\": 32}"));
		}
		return CG_OK;
	}
	return CG_E_INTERNAL;
}

/* Applies `fields` to doc: all checked first. */
static cg_code apply(struct cg_store *st, const struct cg_catalog *c, const struct cg_rkind *k, json_t *doc, json_t *fields,
		     struct cg_error *err)
{
	const char *key;
	json_t *v;
	cg_code r;

	if (!json_is_object(fields))
		return cg_error_set(err, CG_E_INVALID, NULL, N_("expected a JSON object of fields"));
	json_object_foreach(fields, key, v) {
		const struct cg_rfield *f = field_find(k, key);
		if (!f)
			return cg_error_set(err, CG_E_INVALID, key, N_("%s: unknown field of a %s"), key, k->name);
		if (json_is_null(v)) {
			if (f->flags & CG_RF_REQUIRED)
				return cg_error_set(err, CG_E_INVALID, key, N_("%s: is required"), key);
			continue;
		}
		if ((r = check_value(st, f, v, err)) != CG_OK)
			return r;
	}
	json_object_foreach(fields, key, v) {
		if (json_is_null(v))
			json_object_del(doc, key);
		else
			json_object_set(doc, key, v);
	}
	for (const struct cg_rfield *f = k->fields; f->name; f++)
		if ((f->flags & CG_RF_REQUIRED) && !json_object_get(doc, f->name))
			return cg_error_set(err, CG_E_INVALID, f->name, N_("%s: is required"), f->name);
	return k->check ? k->check(st, c, doc, err) : CG_OK;
}

/* --- storage --- */

/* Does the record hold a personal value? */
static bool has_personal(const struct cg_rkind *k, json_t *doc)
{
	for (const struct cg_rfield *f = k->fields; f->name; f++)
		if ((f->flags & CG_RF_PERSONAL) && json_is_string(json_object_get(doc, f->name)))
			return true;
	return false;
}

/*
 * The audited state: personal fields as "hmac-sha256:HEX", keyed with the database's secret, so
 * that the trail cannot be searched by trying likely values; "sha256:HEX" where the database had
 * no key yet (written before migration 0007).
 */
static char *audited_state(const struct cg_rkind *k, json_t *doc, const unsigned char *key)
{
	json_t *copy = json_deep_copy(doc);
	char *out;

	if (!copy)
		return NULL;
	for (const struct cg_rfield *f = k->fields; f->name; f++) {
		json_t *v = json_object_get(copy, f->name);
		if ((f->flags & CG_RF_PERSONAL) && json_is_string(v)) {
			char hex[CG_HASH_HEX > 65 ? CG_HASH_HEX : 65], tag[96];
			if (key)
				cg_hmac_sha256_hex(key, json_string_value(v), json_string_length(v), hex);
			else
				cg_sha256_hex(json_string_value(v), json_string_length(v), hex);
			snprintf(tag, sizeof tag, "%s:%s", key ? "hmac-sha256" : "sha256", hex);
			json_object_set_new(copy, f->name, json_string(tag));
		}
	}
	out = cg_json_dump(copy, CG_JSON_SORTED, NULL);
	json_decref(copy);
	return out;
}

static cg_code bind_fail(struct cg_stmt *q, struct cg_error *err)
{
	cg_stmt_done(q);
	return cg_error_set(err, CG_E_STORE, NULL, N_("could not bind a query parameter"));
}

static cg_code write_doc(struct cg_store *st, const char *actor, const struct cg_rkind *k, json_t *doc,
			 const char *action, struct cg_error *err)
{
	const char *id = json_string_value(json_object_get(doc, "id"));
	unsigned char key[CG_SECRET_LEN];
	bool keyed = false;
	cg_code r = has_personal(k, doc) ? cg_secret_get(st, CG_SECRET_PERSONAL, true, key, &keyed, err) : CG_OK;
	char *text = cg_json_dump(doc, CG_JSON_SORTED, NULL), *state = r == CG_OK ? audited_state(k, doc, keyed ? key : NULL) : NULL;
	struct cg_stmt *q = NULL;

	if (r == CG_OK && (!text || !state))
		r = nomem(err);

	if (r == CG_OK)
		r = cg_store_prepare(st, strcmp(action, "create") == 0 ?
				     "INSERT INTO records (doc, created_at, updated_at, kind, id) VALUES (?, ?, ?, ?, ?)" :
				     "UPDATE records SET doc = ?, created_at = ?, updated_at = ? WHERE kind = ? AND id = ?", &q, err);
	if (r == CG_OK) {
		if (cg_stmt_bind_text(q, 1, text) ||
		    cg_stmt_bind_text(q, 2, json_string_value(json_object_get(doc, "created_at"))) ||
		    cg_stmt_bind_text(q, 3, json_string_value(json_object_get(doc, "updated_at"))) ||
		    cg_stmt_bind_text(q, 4, k->name) || cg_stmt_bind_text(q, 5, id))
			r = bind_fail(q, err);
		else
			r = cg_stmt_run(q, err);
	}
	if (r == CG_OK)
		r = cg_audit_append(st, actor, action, k->name, id, state, strlen(state), err);
	free(text);
	free(state);
	return r;
}

static json_t *row_doc(struct cg_stmt *q)
{
	json_t *doc = json_loads(cg_stmt_text(q, 0) ? cg_stmt_text(q, 0) : "", 0, NULL);
	if (!json_is_object(doc)) {
		json_decref(doc);
		doc = json_pack("{s:s}", "corrupt", "doc");
	}
	if (doc) {
		json_object_set_new(doc, "id", json_string(cg_stmt_text(q, 1) ? cg_stmt_text(q, 1) : ""));
		json_object_set_new(doc, "created_at", json_string(cg_stmt_text(q, 2) ? cg_stmt_text(q, 2) : ""));
		json_object_set_new(doc, "updated_at", json_string(cg_stmt_text(q, 3) ? cg_stmt_text(q, 3) : ""));
	}
	return doc;
}

cg_code cg_record_get(struct cg_store *st, const struct cg_rkind *k, const char *id, json_t **out, struct cg_error *err)
{
	struct cg_stmt *q;
	enum cg_step s;
	cg_code r = cg_store_prepare(st, "SELECT doc, id, created_at, updated_at FROM records WHERE kind = ? AND id = ?", &q, err);

	*out = NULL;
	if (r != CG_OK)
		return r;
	if (cg_stmt_bind_text(q, 1, k->name) || cg_stmt_bind_text(q, 2, id))
		return bind_fail(q, err);
	if ((s = cg_stmt_step(q, err)) == CG_STEP_ROW && !(*out = row_doc(q)))
		r = nomem(err);
	cg_stmt_done(q);
	if (s == CG_STEP_ERROR)
		return err && err->code ? err->code : CG_E_STORE;
	if (s == CG_STEP_DONE)
		return cg_error_set(err, CG_E_NOTFOUND, "id", N_("%s '%s' does not exist"), k->name, id);
	return r;
}

static cg_code record_list(struct cg_store *st, const struct cg_rkind *k, json_t **out, struct cg_error *err)
{
	struct cg_stmt *q;
	enum cg_step s;
	cg_code r = cg_store_prepare(st, "SELECT doc, id, created_at, updated_at FROM records WHERE kind = ? ORDER BY id", &q, err);

	if (!(*out = json_array()))
		return nomem(err);
	if (r != CG_OK)
		return r;
	if (cg_stmt_bind_text(q, 1, k->name))
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

/* Every record of a register, in id order; *out NULL on failure. */
cg_code cg_record_list(struct cg_store *st, const struct cg_rkind *k, json_t **out, struct cg_error *err)
{
	cg_code r = record_list(st, k, out, err);
	if (r != CG_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return r;
}

static bool id_ok(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > 64)
		return false;
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '-' || *p == '_' || *p == '.'))
			return false;
	return true;
}

enum { ID_REBUILT_MAX = 10000000 };

/* The highest N below ID_REBUILT_MAX of the ids PREFIX-N that query `sql` (bound to kind, lo, hi)
 * answers, into *n. */
static cg_code highest(struct cg_store *st, const char *sql, const struct cg_rkind *k, const char *prefix, int64_t *n,
		       struct cg_error *err)
{
	struct cg_stmt *q;
	enum cg_step s;
	char hi[40];
	size_t pl = strlen(prefix);
	cg_code r = cg_store_prepare(st, sql, &q, err);
	if (r != CG_OK)
		return r;
	/* '-' + 1 is '.': the range holds exactly the ids that start with the prefix */
	snprintf(hi, sizeof hi, "%.*s.", (int)pl - 1, prefix);
	if (cg_stmt_bind_text(q, 1, k->name) || cg_stmt_bind_text(q, 2, prefix) || cg_stmt_bind_text(q, 3, hi))
		return bind_fail(q, err);
	while ((s = cg_stmt_step(q, err)) == CG_STEP_ROW) {
		int64_t v;
		/* a larger number was chosen by hand: counting it would leave the counter nowhere to go */
		if (cg_parse_number(cg_stmt_text(q, 0) + pl, &v) == 0 && v > *n && v < ID_REBUILT_MAX)
			*n = v;
	}
	cg_stmt_done(q);
	return s == CG_STEP_ERROR ? (err && err->code ? err->code : CG_E_STORE) : CG_OK;
}

/*
 * The next PREFIX-NNNN of a register, inside the caller's write transaction: one more than the
 * highest ever given, so that the id of a deleted record is never given to another (the audit
 * trail keeps the old one's history under it). The counter (table counters, "record:KIND") is
 * derived: when it is missing (the first record, a database from before it, or one restored from
 * an export) it is rebuilt once from the ids of the records and of the audit trail, deleted ones
 * included, up to ID_REBUILT_MAX. An id someone chose by hand is skipped, live or deleted.
 */
static cg_code new_id(struct cg_store *st, const struct cg_rkind *k, char out[80], struct cg_error *err)
{
	char prefix[40], name[48];
	int64_t n = 0;
	bool have = false, taken = true;
	cg_code r;

	snprintf(prefix, sizeof prefix, "%s-", k->prefix);
	snprintf(name, sizeof name, "record:%s", k->name);
	if ((r = cg_store_counter_get(st, name, &n, &have, err)) != CG_OK)
		return r;
	if (!have && ((r = highest(st, "SELECT id FROM records WHERE kind = ? AND id >= ? AND id < ?", k, prefix, &n, err)) != CG_OK ||
		      (r = highest(st, "SELECT entity_id FROM audit_events WHERE entity_type = ? AND entity_id >= ? AND entity_id < ?",
				   k, prefix, &n, err)) != CG_OK))
		return r;
	while (taken) {
		if (n >= 999999999)
			return cg_error_set(err, CG_E_CONFLICT, "id", N_("id: no free id left; give one"));
		snprintf(out, 80, "%s%04lld", prefix, (long long)++n);
		if ((r = record_exists(st, k->name, out, &taken, err)) != CG_OK)
			return r;
		/* nor the id of a record deleted since (one chosen by hand above the counter) */
		if (!taken && (r = row_exists(st, "SELECT 1 FROM audit_events WHERE entity_type = ? AND entity_id = ?", k->name,
					      out, &taken, err)) != CG_OK)
			return r;
	}
	return cg_store_counter_set(st, name, n, have, err);
}

static cg_code add_one(struct cg_store *st, const char *actor, const struct cg_catalog *c, const struct cg_rkind *k,
		       json_t *fields, bool update,
		       bool *was_update, json_t **out, struct cg_error *err)
{
	char now[CG_TIME_MAX], id[80];
	json_t *given = json_object_get(fields, "id"), *rest = json_deep_copy(fields), *doc = NULL;
	bool found = false;
	cg_code r = rest ? cg_now(now, err) : nomem(err);

	*was_update = false;
	if (r == CG_OK && given && (!json_is_string(given) || !id_ok(json_string_value(given))))
		r = cg_error_set(err, CG_E_INVALID, "id", N_("id: expected 1-64 letters, digits, '-', '_' or '.'"));
	if (r == CG_OK) {
		json_object_del(rest, "id");
		json_object_del(rest, "created_at");
		json_object_del(rest, "updated_at");
		if (given) {
			snprintf(id, sizeof id, "%s", json_string_value(given));
			r = record_exists(st, k->name, id, &found, err);
			if (r == CG_OK && found && !update)
				r = cg_error_set(err, CG_E_EXISTS, "id", N_("id: %s '%s' already exists"), k->name, id);
		} else {
			r = new_id(st, k, id, err);
		}
	}
	if (r == CG_OK && found)
		r = cg_record_get(st, k, id, &doc, err);
	else if (r == CG_OK && !(doc = json_pack("{s:s,s:s}", "id", id, "created_at", now)))
		r = nomem(err);
	if (r == CG_OK && found) {
		/* an import with --update replaces the record: every field from the input */
		json_t *keep = json_pack("{s:s,s:O}", "id", id, "created_at", json_object_get(doc, "created_at"));
		json_decref(doc);
		doc = keep;
		if (!doc)
			r = nomem(err);
	}
	if (r == CG_OK)
		r = apply(st, c, k, doc, rest, err);
	if (r == CG_OK) {
		json_object_set_new(doc, "updated_at", json_string(now));
		r = write_doc(st, actor, k, doc, found ? "update" : "create", err);
		*was_update = found;
	}
	json_decref(rest);
	if (r == CG_OK && out)
		*out = doc;
	else
		json_decref(doc);
	return r;
}

cg_code cg_record_add(struct cg_store *st, const char *actor, const struct cg_catalog *c, const struct cg_rkind *k,
		      json_t *fields, json_t **out, struct cg_error *err)
{
	bool own = !cg_store_in_transaction(st), upd;
	cg_code r;

	*out = NULL;
	if (!json_is_object(fields))
		return cg_error_set(err, CG_E_INVALID, NULL, N_("expected a JSON object of fields"));
	if (own && (r = cg_store_begin(st, err)) != CG_OK)
		return r;
	r = add_one(st, actor, c, k, fields, false, &upd, out, err);
	return cg_store_end(st, own, r, err);
}

cg_code cg_record_update(struct cg_store *st, const char *actor, const struct cg_catalog *c, const struct cg_rkind *k,
			 const char *id, json_t *fields, json_t **out, struct cg_error *err)
{
	bool own = !cg_store_in_transaction(st);
	json_t *doc = NULL, *rest = json_deep_copy(fields);
	char now[CG_TIME_MAX];
	cg_code r = rest ? cg_now(now, err) : nomem(err);

	*out = NULL;
	if (r == CG_OK && json_object_get(fields, "id") &&
	    (!json_string_value(json_object_get(fields, "id")) || strcmp(json_string_value(json_object_get(fields, "id")), id) != 0))
		r = cg_error_set(err, CG_E_INVALID, "id", N_("id: a record's id cannot be changed"));
	if (r == CG_OK && own)
		r = cg_store_begin(st, err);
	else
		own = false;
	if (r == CG_OK)
		r = cg_record_get(st, k, id, &doc, err);
	if (r == CG_OK && json_object_get(doc, "corrupt"))
		r = cg_error_set(err, CG_E_TAMPERED, "id", N_("%s '%s' was changed outside ciiguard; run 'ciiguard audit verify'"), k->name, id);
	if (r == CG_OK) {
		json_object_del(rest, "id");
		json_object_del(rest, "created_at");
		json_object_del(rest, "updated_at");
		r = apply(st, c, k, doc, rest, err);
	}
	if (r == CG_OK) {
		json_object_set_new(doc, "updated_at", json_string(now));
		r = write_doc(st, actor, k, doc, "update", err);
	}
	r = cg_store_end(st, own, r, err);
	json_decref(rest);
	if (r == CG_OK)
		*out = doc;
	else
		json_decref(doc);
	return r;
}

/* Does any record refer to kind:id? */
static cg_code referred(struct cg_store *st, const struct cg_rkind *k, const char *id, char *by, size_t n,
			struct cg_error *err)
{
	by[0] = '\0';
	for (const struct cg_rkind *o = cg_rkinds; o->name && !by[0]; o++)
		for (const struct cg_rfield *f = o->fields; f->name && !by[0]; f++) {
			json_t *list = NULL, *doc;
			size_t i;
			cg_code r;
			if ((f->type != CG_R_REF && f->type != CG_R_REFS) || strcmp(f->ref, k->name) != 0)
				continue;
			if ((r = cg_record_list(st, o, &list, err)) != CG_OK) {
				json_decref(list);
				return r;
			}
			json_array_foreach(list, i, doc) {
				json_t *v = json_object_get(doc, f->name), *e;
				size_t j;
				bool hit = json_is_string(v) && strcmp(json_string_value(v), id) == 0;
				json_array_foreach(v, j, e)
					hit |= json_is_string(e) && strcmp(json_string_value(e), id) == 0;
				if (hit) {
					snprintf(by, n, "%s '%s'", o->name, json_string_value(json_object_get(doc, "id")));
					break;
				}
			}
			json_decref(list);
		}
	return CG_OK;
}

cg_code cg_record_delete(struct cg_store *st, const char *actor, const struct cg_rkind *k, const char *id,
			 struct cg_error *err)
{
	bool own = !cg_store_in_transaction(st);
	json_t *doc = NULL;
	struct cg_stmt *q;
	char by[200];
	cg_code r = own ? cg_store_begin(st, err) : CG_OK;

	if (r == CG_OK)
		r = cg_record_get(st, k, id, &doc, err);
	if (r == CG_OK && (r = referred(st, k, id, by, sizeof by, err)) == CG_OK && by[0])
		r = cg_error_set(err, CG_E_CONFLICT, "id", N_("%s '%s' is referred to by %s"), k->name, id, by);
	if (r == CG_OK && (r = cg_store_prepare(st, "DELETE FROM records WHERE kind = ? AND id = ?", &q, err)) == CG_OK) {
		if (cg_stmt_bind_text(q, 1, k->name) || cg_stmt_bind_text(q, 2, id))
			r = bind_fail(q, err);
		else
			r = cg_stmt_run(q, err);
	}
	if (r == CG_OK)
		r = cg_audit_append(st, actor, "delete", k->name, id, NULL, 0, err);
	json_decref(doc);
	return cg_store_end(st, own, r, err);
}

cg_code cg_record_import(struct cg_store *st, const char *actor, const struct cg_catalog *c, const struct cg_rkind *k,
			 json_t *array, bool update, size_t *created, size_t *updated, struct cg_error *err)
{
	bool own = !cg_store_in_transaction(st);
	json_t *e;
	size_t i;
	cg_code r = CG_OK;

	*created = *updated = 0;
	if (!json_is_array(array))
		return cg_error_set(err, CG_E_INVALID, NULL, N_("expected a JSON array of records"));
	if (own && (r = cg_store_begin(st, err)) != CG_OK)
		return r;
	json_array_foreach(array, i, e) {
		bool upd;
		if (!json_is_object(e))
			r = cg_error_set(err, CG_E_INVALID, NULL, N_("expected a JSON object of fields"));
		else
			r = add_one(st, actor, c, k, e, update, &upd, NULL, err);
		if (r != CG_OK) {
			cg_error_prefix(err, N_("record %zu"), i + 1);
			break;
		}
		*(upd ? updated : created) += 1;
	}
	r = cg_store_end(st, own, r, err);
	if (r != CG_OK)
		*created = *updated = 0;
	return r;
}

/* --- who sees what --- */

const char *const cg_roles[] = { "admin", "security_officer", "principal", "project_owner", "procurement", "auditor", NULL };

bool cg_role_valid(const char *role)
{
	for (int i = 0; role && cg_roles[i]; i++)
		if (strcmp(cg_roles[i], role) == 0)
			return true;
	return false;
}

bool cg_role_sees_personal(const char *role)
{
	return role && (strcmp(role, "admin") == 0 || strcmp(role, "security_officer") == 0);
}

void cg_record_redact(const struct cg_rkind *k, json_t *doc, const char *role)
{
	size_t i;
	json_t *e;

	if (!k || cg_role_sees_personal(role))
		return;
	if (json_is_array(doc)) {
		json_array_foreach(doc, i, e)
			cg_record_redact(k, e, role);
		return;
	}
	for (const struct cg_rfield *f = k->fields; f->name; f++) {
		if (!(f->flags & CG_RF_PERSONAL) || !json_object_get(doc, f->name))
			continue;
		json_t *hidden = json_object_get(doc, "redacted");
		if (!hidden)
			json_object_set_new(doc, "redacted", hidden = json_array());
		json_array_append_new(hidden, json_string(f->name));
		json_object_del(doc, f->name);
	}
}

/* --- for the audit trail and export --- */

cg_code cg_records_each_canonical(struct cg_store *st, const char *kind, cg_canon_fn fn, void *ud, struct cg_error *err)
{
	const struct cg_rkind *k = cg_rkind_find(kind);
	json_t *list = NULL, *doc;
	size_t i;
	unsigned char key[CG_SECRET_LEN];
	bool keyed = false;
	cg_code r = k ? cg_record_list(st, k, &list, err) : CG_E_INTERNAL;

	if (r == CG_OK)
		r = cg_secret_get(st, CG_SECRET_PERSONAL, false, key, &keyed, err);
	json_array_foreach(list, i, doc) {
		char *state;
		if (r != CG_OK)
			break;
		if (!(state = audited_state(k, doc, keyed ? key : NULL))) {
			r = nomem(err);
			break;
		}
		int stop = fn(k->name, json_string_value(json_object_get(doc, "id")), state, strlen(state), ud);
		free(state);
		if (stop)
			break;
	}
	json_decref(list);
	return r;
}

cg_code cg_records_each_row(struct cg_store *st, cg_canon_fn fn, void *ud, struct cg_error *err)
{
	struct cg_stmt *q;
	enum cg_step s;
	cg_code r = cg_store_prepare(st, "SELECT kind, id, doc, created_at, updated_at FROM records ORDER BY kind, id", &q, err);

	if (r != CG_OK)
		return r;
	while ((s = cg_stmt_step(q, err)) == CG_STEP_ROW) {
		json_t *row = json_pack("{s:s,s:s,s:s,s:s,s:s}", "kind", cg_stmt_text(q, 0), "id", cg_stmt_text(q, 1),
					"doc", cg_stmt_text(q, 2), "created_at", cg_stmt_text(q, 3), "updated_at", cg_stmt_text(q, 4));
		char *text = row ? cg_json_dump(row, CG_JSON_SORTED, NULL) : NULL;
		json_decref(row);
		if (!text) {
			cg_stmt_done(q);
			return nomem(err);
		}
		int stop = fn("record", "", text, strlen(text), ud);
		free(text);
		if (stop)
			break;
	}
	cg_stmt_done(q);
	return s == CG_STEP_ERROR ? (err && err->code ? err->code : CG_E_STORE) : CG_OK;
}

cg_code cg_records_restore(struct cg_store *st, json_t *row, struct cg_error *err)
{
	static const char *const cols[] = { "kind", "id", "doc", "created_at", "updated_at" };
	struct cg_stmt *q;
	cg_code r;

	for (int i = 0; i < 5; i++)
		if (!json_is_string(json_object_get(row, cols[i])))
			return cg_error_set(err, CG_E_INVALID, cols[i], N_("%s: is required"), cols[i]);
	if (!cg_rkind_find(json_string_value(json_object_get(row, "kind"))))
		return cg_error_set(err, CG_E_INVALID, "kind", N_("kind: unknown register '%s'"),
				    json_string_value(json_object_get(row, "kind")));
	if ((r = cg_store_prepare(st, "INSERT INTO records (kind, id, doc, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
				  &q, err)) != CG_OK)
		return r;
	for (int i = 0; i < 5; i++)
		if (cg_stmt_bind_text(q, i + 1, json_string_value(json_object_get(row, cols[i]))))
			return bind_fail(q, err);
	return cg_stmt_run(q, err);
}

/* --- rules at write time --- */

/* Order 745 Art. 43: a barred person cannot hold a key position or a place in the security body. */
static json_t *rule_of(const struct cg_catalog *c, const char *rule)
{
	for (size_t i = 0; c && i < cg_catalog_count(c, "register_rules"); i++) {
		json_t *item = cg_catalog_item(c, "register_rules", i);
		if (strcmp(json_string_value(json_object_get(item, "rule")), rule) == 0)
			return item;
	}
	return NULL;
}

/* An approval names who approved and when, and only the principal person in charge approves. */
static cg_code check_approval(struct cg_store *st, const struct cg_catalog *c, json_t *doc, struct cg_error *err)
{
	const char *by = json_string_value(json_object_get(doc, "principal_approval_by"));
	const char *on = json_string_value(json_object_get(doc, "principal_approval_on"));
	json_t *p = NULL;
	cg_code r;
	(void)c;

	if (by && !on)
		return cg_error_set(err, CG_E_INVALID, "principal_approval_on",
				    N_("principal_approval_on: is required with principal_approval_by"));
	if (on && !by)
		return cg_error_set(err, CG_E_INVALID, "principal_approval_by",
				    N_("principal_approval_by: is required with principal_approval_on (the person who approved)"));
	if (!by)
		return CG_OK;
	if ((r = cg_record_get(st, cg_rkind_find("person"), by, &p, err)) != CG_OK)
		return r;
	const char *role = json_string_value(json_object_get(p, "role"));
	if (!role || strcmp(role, "principal") != 0)
		r = cg_error_set(err, CG_E_CONFLICT, "principal_approval_by",
				 N_("refused: '%s' is not the principal person in charge (a person with role principal approves)"), by);
	json_decref(p);
	return r;
}

static cg_code check_person(struct cg_store *st, const struct cg_catalog *c, json_t *doc, struct cg_error *err)
{
	json_t *rule = rule_of(c, "ban");
	const char *ban = json_string_value(json_object_get(doc, "ban")), *since = json_string_value(json_object_get(doc, "ban_since"));
	const char *role = json_string_value(json_object_get(doc, "role"));
	char now[CG_TIME_MAX];
	bool sensitive = json_array_size(json_object_get(doc, "key_positions")) > 0 ||
			 (role && (strcmp(role, "security_head") == 0 || strcmp(role, "security_member") == 0));
	(void)st;

	if (!rule || !ban || strcmp(ban, "none") == 0 || !sensitive)
		return CG_OK;
	if (strcmp(ban, "criminal") == 0)
		return cg_error_set(err, CG_E_CONFLICT, "key_positions",
				    N_("refused: a person given a criminal penalty for harming CII may never hold a security management or key position (Order 745 Art. 43)"));
	if (!since)
		return cg_error_set(err, CG_E_INVALID, "ban_since", N_("ban_since: needed to know when the 5-year ban ends"));
	if (cg_now(now, err) != CG_OK)
		return err ? err->code : CG_E_INTERNAL;
	int y, m, d;
	if (sscanf(since, "%4d-%2d-%2d", &y, &m, &d) != 3)
		return bad(err, "ban_since", N_("a date YYYY-MM-DD"));
	char until[16];
	json_t *years = json_object_get(json_object_get(rule, "thresholds"), "administrative_years");
	snprintf(until, sizeof until, "%04d-%02d-%02d", y + (int)json_integer_value(years), m, d);
	if (strncmp(now, until, 10) < 0)
		return cg_error_set(err, CG_E_CONFLICT, "key_positions",
				    N_("refused: the person is barred from security management and key positions until %s (Order 745 Art. 43)"), until);
	return CG_OK;
}

/* Order 745 Art. 31: a test of CII is recorded as scheduled only with an authorisation and a
 * window (who authorised it, the scope, from and to). */
static cg_code check_pentest(struct cg_store *st, const struct cg_catalog *c, json_t *doc, struct cg_error *err)
{
	json_t *rule = rule_of(c, "pentest_authorisation"), *id;
	const char *status = json_string_value(json_object_get(doc, "status"));
	const char *from = json_string_value(json_object_get(doc, "window_start")), *to = json_string_value(json_object_get(doc, "window_end"));
	size_t i;

	if (from && to && strcmp(from, to) > 0)
		return cg_error_set(err, CG_E_INVALID, "window_end", N_("window_end: before window_start"));
	if (!rule || !status || strcmp(status, "cancelled") == 0)
		return CG_OK;
	json_array_foreach(json_object_get(doc, "systems"), i, id) {
		json_t *res = NULL;
		bool bound = false;
		if (cg_screen_stored(st, c, json_string_value(id), CG_LANG_EN, &res, NULL) == CG_OK) {
			json_t *p = json_object_get(res, "perimeter"), *a;
			size_t k;
			json_array_foreach(json_object_get(rule, "applies_to"), k, a)
				bound |= json_equal(a, p);
		}
		json_decref(res);
		if (bound && (!json_string_value(json_object_get(doc, "authorised_by")) || !from || !to ||
			      !json_string_value(json_object_get(doc, "scope"))))
			return cg_error_set(err, CG_E_CONFLICT, "authorised_by",
					    N_("refused: testing '%s' needs an authorisation recorded first: authorised_by, scope, window_start and window_end (Order 745 Art. 31)"),
					    json_string_value(id));
	}
	return CG_OK;
}

/* --- text and CSV --- */

json_t *cg_record_value_from_text(const struct cg_rfield *f, const char *v)
{
	char *end;
	int64_t n;

	switch (f->type) {
	case CG_R_BOOL:
		if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 || strcmp(v, "1") == 0 || strcmp(v, "是") == 0)
			return json_true();
		if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0 || strcmp(v, "0") == 0 || strcmp(v, "否") == 0)
			return json_false();
		return json_string(v);
	case CG_R_AMOUNT: {
		if (cg_parse_number(v, &n) == 0)
			return json_integer(n);
		double d = strtod(v, &end);
		return *v && !*end ? json_real(d) : json_string(v);
	}
	case CG_R_LIST:
	case CG_R_SYSTEMS:
	case CG_R_REFS:
	case CG_R_YEARS: {
		json_t *out = f->type == CG_R_YEARS ? json_object() : json_array();
		const char *p = v;
		while (out && *p) {
			const char *comma = strchr(p, ',');
			size_t len = comma ? (size_t)(comma - p) : strlen(p);
			while (len && *p == ' ') {
				p++;
				len--;
			}
			if (len && f->type == CG_R_YEARS) {
				char item[64], *colon;
				snprintf(item, sizeof item, "%.*s", (int)(len < 63 ? len : 63), p);
				if (!(colon = strchr(item, ':'))) {
					json_decref(out);
					return json_string(v);
				}
				*colon = '\0';
				double d = strtod(colon + 1, &end);
				json_object_set_new(out, item, cg_parse_number(colon + 1, &n) == 0 ? json_integer(n) :
							       *end || !colon[1] ? json_string(colon + 1) : json_real(d));
			} else if (len) {
				json_array_append_new(out, json_stringn(p, len));
			}
			p += len + (comma != NULL);
		}
		return out;
	}
	default:
		return json_string(v);
	}
}

struct csv_in {
	const struct cg_rkind *k;
	json_t *out;
	char **header;
	size_t nheader;
	struct cg_error *err;
};

static int csv_record(size_t line, char **fields, size_t nfields, void *ud)
{
	struct csv_in *c = ud;

	if (!c->header) {
		if (!(c->header = calloc(nfields + 1, sizeof *c->header))) {
			nomem(c->err);
			return 1;
		}
		c->nheader = nfields;
		for (size_t i = 0; i < nfields; i++) {
			if (!(c->header[i] = strdup(fields[i]))) {
				nomem(c->err);
				return 1;
			}
			if (strcmp(fields[i], "id") != 0 && strcmp(fields[i], "created_at") != 0 &&
			    strcmp(fields[i], "updated_at") != 0 && !field_find(c->k, fields[i])) {
				cg_error_set(c->err, CG_E_INVALID, fields[i], N_("line %zu: column '%s' is not a field of a %s"),
					     line, fields[i], c->k->name);
				return 1;
			}
			for (size_t j = 0; j < i; j++)
				if (strcmp(c->header[j], fields[i]) == 0) {
					cg_error_set(c->err, CG_E_INVALID, fields[i], N_("line %zu: column '%s' appears twice"), line, fields[i]);
					return 1;
				}
		}
		return 0;
	}
	if (nfields != c->nheader) {
		cg_error_set(c->err, CG_E_INVALID, NULL, N_("line %zu: %zu fields, but the header has %zu"), line, nfields, c->nheader);
		return 1;
	}
	json_t *rec = json_object();
	for (size_t i = 0; rec && i < nfields; i++) {
		const struct cg_rfield *f = field_find(c->k, c->header[i]);
		if (!*fields[i] || strcmp(c->header[i], "created_at") == 0 || strcmp(c->header[i], "updated_at") == 0)
			continue;
		json_object_set_new(rec, c->header[i], f ? cg_record_value_from_text(f, fields[i]) : json_string(fields[i]));
	}
	if (!rec || json_array_append_new(c->out, rec) != 0) {
		nomem(c->err);
		return 1;
	}
	return 0;
}

cg_code cg_record_parse_csv(const struct cg_rkind *k, const char *data, size_t len, json_t **out, struct cg_error *err)
{
	struct csv_in c = { k, json_array(), NULL, 0, err };
	char *text = NULL;
	size_t tlen;
	cg_code r = c.out ? cg_text_to_utf8(data, len, &text, &tlen, err) : nomem(err);

	if (r == CG_OK)
		r = cg_csv_parse(text, tlen, csv_record, &c, err);
	for (size_t i = 0; i < c.nheader; i++)
		free(c.header[i]);
	free(c.header);
	free(text);
	if (r != CG_OK) {
		json_decref(c.out);
		c.out = NULL;
	}
	*out = c.out;
	return r;
}

static cg_code csv_cell(struct cg_buf *b, const char *s)
{
	cg_code r = cg_buf_addc(b, '"');
	for (const char *p = s; *p && r == CG_OK; p++)
		r = *p == '"' ? cg_buf_adds(b, "\"\"") : cg_buf_addc(b, *p);
	return r == CG_OK ? cg_buf_addc(b, '"') : r;
}

cg_code cg_record_csv(const struct cg_rkind *k, json_t *list, struct cg_buf *out, struct cg_error *err)
{
	json_t *doc;
	size_t i;
	cg_code r = cg_buf_adds(out, "id");

	for (const struct cg_rfield *f = k->fields; f->name && r == CG_OK; f++)
		r = cg_buf_addf(out, ",%s", f->name);
	if (r == CG_OK)
		r = cg_buf_adds(out, ",created_at,updated_at\r\n");
	json_array_foreach(list, i, doc) {
		if (r != CG_OK)
			break;
		r = csv_cell(out, json_string_value(json_object_get(doc, "id")));
		for (const struct cg_rfield *f = k->fields; f->name && r == CG_OK; f++) {
			json_t *v = json_object_get(doc, f->name), *e;
			const char *key;
			size_t j;
			struct cg_buf cell;
			cg_buf_init(&cell, 0);
			r = cg_buf_addc(out, ',');
			if (!v || r != CG_OK) {
				cg_buf_release(&cell);
				continue;
			}
			if (json_is_string(v))
				r = cg_buf_adds(&cell, json_string_value(v));
			else if (json_is_boolean(v))
				r = cg_buf_adds(&cell, json_is_true(v) ? "true" : "false");
			else if (json_is_integer(v))
				r = cg_buf_addf(&cell, "%lld", (long long)json_integer_value(v));
			else if (json_is_real(v))
				r = cg_buf_addf(&cell, "%.17g", json_real_value(v));
			else if (json_is_array(v))
				json_array_foreach(v, j, e)
					if (r == CG_OK)
						r = cg_buf_addf(&cell, "%s%s", j ? "," : "", json_string_value(e));
			if (json_is_object(v)) {
				j = 0;
				json_object_foreach(v, key, e)
					if (r == CG_OK)
						r = cg_buf_addf(&cell, "%s%s:%g", j++ ? "," : "", key, json_number_value(e));
			}
			if (r == CG_OK)
				r = csv_cell(out, cell.ptr ? cell.ptr : "");
			cg_buf_release(&cell);
		}
		if (r == CG_OK)
			r = cg_buf_addf(out, ",%s,%s\r\n", json_string_value(json_object_get(doc, "created_at")),
					json_string_value(json_object_get(doc, "updated_at")));
	}
	return r == CG_OK ? CG_OK : nomem(err);
}
