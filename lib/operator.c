/* The operator profile, and the built-in demo operator with its systems. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "ciiguard/audit.h"
#include "ciiguard/clock.h"
#include "ciiguard/i18n.h"
#include "ciiguard/operator.h"
#include "ciiguard/system.h"
#include "entity.h"
#include "record.h"
#include "banned.h"

#define F(name, col, type, member, flags, values, min, max) \
	{ name, col, type, offsetof(struct cg_operator, member), flags, values, min, max }

static const char *const id_value = "operator";

/* Sorted by name: the canonical order. */
static const struct cg_field operator_fields[] = {
	F("central_or_state_organ", "central_or_state_organ", CG_F_BOOL, central_or_state_organ, 0, NULL, 0, 0),
	F("created_at", "created_at", CG_F_TIME, created_at, CG_FF_META, NULL, 0, 0),
	F("id", "id", CG_F_TEXT, id, CG_FF_KEY | CG_FF_META, NULL, 0, 16),
	F("name", "name", CG_F_TEXT, name, CG_FF_REQUIRED, NULL, 0, 400),
	F("notified_at", "notified_at", CG_F_DATE, notified_at, CG_FF_NULLABLE, NULL, 0, 0),
	F("notified_cii", "notified_cii", CG_F_BOOL, notified_cii, 0, NULL, 0, 0),
	F("protection_department", "protection_department", CG_F_TEXT, protection_department, CG_FF_REQUIRED, NULL, 0, 400),
	F("sector", "sector", CG_F_ENUM, sector, CG_FF_REQUIRED, cg_sector_names, 0, 0),
	F("updated_at", "updated_at", CG_F_TIME, updated_at, CG_FF_META, NULL, 0, 0),
};

const char *const cg_operator_field_names[] = {
	"name", "sector", "protection_department", "notified_cii", "notified_at",
	"central_or_state_organ", NULL
};

static const struct cg_record_desc operator_desc = {
	.entity = "operator",
	.table = "operator",
	.fields = operator_fields,
	.nfields = sizeof operator_fields / sizeof operator_fields[0],
	.given_off = offsetof(struct cg_operator, given),
	.corrupt_off = offsetof(struct cg_operator, corrupt),
};

void cg_operator_init(struct cg_operator *op)
{
	memset(op, 0, sizeof *op);
	cg_record_init(&operator_desc, op);
}

void cg_operator_release(struct cg_operator *op)
{
	cg_record_release(&operator_desc, op);
}

cg_code cg_operator_set_field(struct cg_operator *op, const char *name, const char *value,
			      struct cg_error *err)
{
	return cg_record_set_text(&operator_desc, op, name, value, err);
}

cg_code cg_operator_from_json_meta(struct cg_operator *op, json_t *obj, struct cg_error *err)
{
	return cg_record_from_json(&operator_desc, op, obj, true, err);
}

cg_code cg_operator_from_json(struct cg_operator *op, const char *json, size_t len,
			      struct cg_error *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	cg_code result;

	if (!root)
		return cg_error_set(err, CG_E_INVALID, NULL, N_("not valid JSON (line %d, column %d): %s"),
				    jerr.line, jerr.column, jerr.text);
	result = cg_record_from_json(&operator_desc, op, root, false, err);
	json_decref(root);
	return result;
}

cg_code cg_operator_validate(const struct cg_operator *op, struct cg_error *err)
{
	cg_code result = cg_record_check(&operator_desc, op, err);

	if (result == CG_OK && op->notified_at && !op->notified_cii)
		return cg_error_set(err, CG_E_INVALID, "notified_at",
				    N_("notified_at: given, but notified_cii is false"));
	return result;
}

cg_code cg_operator_to_json(const struct cg_operator *op, struct cg_buf *out)
{
	return cg_record_to_json(&operator_desc, op, out);
}

static cg_code write_operator(struct cg_store *st, const struct cg_operator *op, bool update,
			      struct cg_error *err)
{
	struct cg_stmt *q;
	int idx = 1;
	cg_code result;

	result = cg_store_prepare(st, update ? cg_record_sql_update(&operator_desc) :
				  cg_record_sql_insert(&operator_desc), &q, err);
	if (result != CG_OK)
		return result;
	if (cg_record_bind(&operator_desc, op, q, &idx) || (update && cg_stmt_bind_text(q, idx, id_value))) {
		cg_stmt_done(q);
		return cg_error_set(err, CG_E_STORE, NULL, N_("could not bind a query parameter"));
	}
	return cg_stmt_run(q, err);
}

cg_code cg_operator_insert_raw(struct cg_store *st, const struct cg_operator *op, struct cg_error *err)
{
	return write_operator(st, op, false, err);
}

cg_code cg_operator_get(struct cg_store *st, struct cg_operator *out, struct cg_error *err)
{
	struct cg_stmt *q;
	enum cg_step r;
	cg_code result = cg_store_prepare(st, cg_record_sql_select(&operator_desc), &q, err);

	if (result != CG_OK)
		return result;
	r = cg_stmt_step(q, err);
	if (r == CG_STEP_ROW && cg_record_read(&operator_desc, out, q) != CG_OK)
		result = cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
	cg_stmt_done(q);
	if (r == CG_STEP_ERROR)
		return err ? err->code : CG_E_STORE;
	if (r == CG_STEP_DONE)
		return cg_error_set(err, CG_E_NOTFOUND, NULL,
				    N_("the operator is not recorded yet: run 'ciiguard init' first"));
	return result;
}

static cg_code save(struct cg_store *st, const char *actor, struct cg_operator *op, bool update,
		    struct cg_error *err)
{
	char now[CG_TIME_MAX];
	struct cg_operator old;
	struct cg_buf b;
	bool own = !cg_store_in_transaction(st);
	cg_code result;

	if ((result = cg_operator_validate(op, err)) != CG_OK || (result = cg_now(now, err)) != CG_OK)
		return result;
	if (own && (result = cg_store_begin(st, err)) != CG_OK)
		return result;
	cg_operator_init(&old);
	cg_buf_init(&b, 0);
	result = cg_operator_get(st, &old, err);
	if (!update && result == CG_OK)
		result = cg_error_set(err, CG_E_EXISTS, NULL,
				      N_("the database is already initialised for operator '%s'"), old.name);
	else if (!update && result == CG_E_NOTFOUND)
		result = CG_OK;
	if (result == CG_OK) {
		free(op->id);
		op->id = strdup(id_value);
		free(op->created_at);
		free(op->updated_at);
		op->created_at = strdup(update && old.created_at ? old.created_at : now);
		op->updated_at = strdup(now);
		if (!op->id || !op->created_at || !op->updated_at)
			result = cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
	}
	if (result == CG_OK)
		result = write_operator(st, op, update, err);
	if (result == CG_OK && cg_operator_to_json(op, &b) != CG_OK)
		result = cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
	if (result == CG_OK)
		result = cg_audit_append(st, actor, update ? "update" : "create", "operator", id_value,
					 b.ptr, b.len, err);
	cg_buf_release(&b);
	cg_operator_release(&old);
	return cg_store_end(st, own, result, err);
}

cg_code cg_operator_create(struct cg_store *st, const char *actor, struct cg_operator *op,
			   struct cg_error *err)
{
	return save(st, actor, op, false, err);
}

cg_code cg_operator_update(struct cg_store *st, const char *actor, struct cg_operator *op,
			   struct cg_error *err)
{
	return save(st, actor, op, true, err);
}

cg_code cg_operator_each_canonical(struct cg_store *st, cg_canon_fn fn, void *ud, struct cg_error *err)
{
	struct cg_operator op;
	struct cg_buf b;
	cg_code result;

	cg_operator_init(&op);
	cg_buf_init(&b, 0);
	result = cg_operator_get(st, &op, err);
	if (result == CG_E_NOTFOUND) {
		cg_error_init(err, err ? err->lang : CG_LANG_EN);
		result = CG_OK;
	} else if (result == CG_OK) {
		if (cg_operator_to_json(&op, &b) != CG_OK)
			result = cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
		else
			fn("operator", id_value, b.ptr, b.len, ud);
	}
	cg_buf_release(&b);
	cg_operator_release(&op);
	return result;
}

/* --- the demo --- */

extern const unsigned char cg_demo_json[];
extern const size_t cg_demo_json_len;

/* Replaces {"en": ..., "zh": ...} objects by the text in `lang`, recursively. */
static json_t *localise(json_t *v, const char *lang)
{
	const char *key;
	json_t *item;
	size_t i;

	if (json_is_object(v)) {
		json_t *t = json_object_get(v, lang);
		if (json_object_size(v) == 2 && json_is_string(t) && json_object_get(v, "en"))
			return json_incref(t);
		json_t *o = json_object();
		json_object_foreach(v, key, item)
			json_object_set_new(o, key, localise(item, lang));
		return o;
	}
	if (json_is_array(v)) {
		json_t *a = json_array();
		json_array_foreach(v, i, item)
			json_array_append_new(a, localise(item, lang));
		return a;
	}
	return json_incref(v);
}

cg_code cg_demo_load(struct cg_store *st, const char *actor, enum cg_lang lang,
		     struct cg_error *err)
{
	json_error_t jerr;
	json_t *raw = json_loadb((const char *)cg_demo_json, cg_demo_json_len, 0, &jerr), *demo;
	struct cg_operator op;
	struct cg_import_result res;
	char *systems = NULL;
	cg_code result;

	if (!raw)
		return cg_error_set(err, CG_E_INTERNAL, NULL, N_("the built-in demo data is damaged: %s"), jerr.text);
	demo = localise(raw, lang == CG_LANG_ZH ? "zh" : "en");
	json_decref(raw);
	cg_operator_init(&op);
	result = cg_record_from_json(&operator_desc, &op, json_object_get(demo, "operator"), false, err);
	if (result == CG_OK)
		result = cg_store_begin(st, err);
	if (result != CG_OK)
		goto out;
	result = cg_operator_create(st, actor, &op, err);
	if (result == CG_OK) {
		systems = json_dumps(json_object_get(demo, "systems"), JSON_COMPACT);
		if (!systems)
			result = cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
	}
	if (result == CG_OK)
		result = cg_system_import(st, actor, systems, strlen(systems), CG_FORMAT_JSON, false, &res, err);
	if (result == CG_OK)
		result = cg_store_commit(st, err);
	else
		cg_store_rollback(st);
out:
	free(systems);
	cg_operator_release(&op);
	json_decref(demo);
	return result;
}
