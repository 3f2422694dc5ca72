/* The system inventory: fields, validation, storage and import of systems. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <openssl/rand.h>

#include "ciiguard/audit.h"
#include "ciiguard/clock.h"
#include "ciiguard/csv.h"
#include "ciiguard/i18n.h"
#include "ciiguard/system.h"
#include "entity.h"
#include "record.h"
#include "banned.h"

const char *const cg_sector_names[] = { "public_communications", "energy", "transportation",
	"water", "finance", "public_services", "e_government", "defense_industry", "other", NULL };
const char *const cg_harm_names[] = { "minor", "moderate", "serious", NULL };
const char *const cg_ai_kind_names[] = { "predictive", "generative", "decision", "optimisation",
	"agent", NULL };
const char *const cg_model_source_names[] = { "in_house", "third_party_model", "saas", NULL };
const char *const cg_link_kind_names[] = { "depends_on", "exchanges_data", "embedded_in", NULL };
const char *const cg_status_names[] = { "planned", "development", "production", "retired", NULL };

#define F(name, col, type, member, flags, values, min, max) \
	{ name, col, type, offsetof(struct cg_system, member), flags, values, min, max }

/* Sorted by name: this order is the canonical JSON order the audit trail hashes. */
static const struct cg_field system_fields[] = {
	F("ai.kind", "ai_kind", CG_F_ENUM, ai_kind, CG_FF_REQUIRED, cg_ai_kind_names, 0, 0),
	F("ai.model_source", "ai_model_source", CG_F_ENUM, ai_model_source, CG_FF_NULLABLE, cg_model_source_names, 0, 0),
	F("ai.public_generative_service", "ai_public_generative_service", CG_F_BOOL, ai_public_generative_service, 0, NULL, 0, 0),
	F("created_at", "created_at", CG_F_TIME, created_at, CG_FF_META, NULL, 0, 0),
	F("cross_sector_impact", "cross_sector_impact", CG_F_BOOL, cross_sector_impact, 0, NULL, 0, 0),
	F("data.core_data", "data_core_data", CG_F_BOOL, data_core_data, 0, NULL, 0, 0),
	F("data.important_data", "data_important_data", CG_F_BOOL, data_important_data, 0, NULL, 0, 0),
	F("data.pi_subjects", "data_pi_subjects", CG_F_COUNT, data_pi_subjects, 0, NULL, 0, 0),
	F("data.sensitive_pi_subjects", "data_sensitive_pi_subjects", CG_F_COUNT, data_sensitive_pi_subjects, 0, NULL, 0, 0),
	F("description", "description", CG_F_TEXT, description, CG_FF_MULTILINE, NULL, 0, 8000),
	F("harm_if_compromised", "harm_if_compromised", CG_F_ENUM, harm_if_compromised, CG_FF_REQUIRED, cg_harm_names, 0, 0),
	F("id", "id", CG_F_TEXT, id, CG_FF_KEY, NULL, 0, CG_ID_MAX),
	F("links", NULL, CG_F_CUSTOM, links, CG_FF_NULLABLE, NULL, 0, 0),
	F("mlps_level", "mlps_level", CG_F_LEVEL, mlps_level, CG_FF_NULLABLE, NULL, 1, 5),
	F("name", "name", CG_F_TEXT, name, CG_FF_REQUIRED, NULL, 0, 400),
	F("notified_at", "notified_at", CG_F_DATE, notified_at, CG_FF_NULLABLE, NULL, 0, 0),
	F("notified_cii", "notified_cii", CG_F_BOOL, notified_cii, 0, NULL, 0, 0),
	F("owner", "owner", CG_F_TEXT, owner, 0, NULL, 0, 200),
	F("sector", "sector", CG_F_ENUM, sector, CG_FF_REQUIRED, cg_sector_names, 0, 0),
	F("serves_cii_operators", "serves_cii_operators", CG_F_BOOL, serves_cii_operators, 0, NULL, 0, 0),
	F("status", "status", CG_F_ENUM, status, CG_FF_REQUIRED, cg_status_names, 0, 0),
	F("supports_core_business", "supports_core_business", CG_F_BOOL, supports_core_business, CG_FF_REQUIRED, NULL, 0, 0),
	F("updated_at", "updated_at", CG_F_TIME, updated_at, CG_FF_META, NULL, 0, 0),
	F("users", "users", CG_F_COUNT, users, 0, NULL, 0, 0),
};

const char *const cg_system_field_names[] = {
	"id", "name", "owner", "description", "sector", "supports_core_business",
	"harm_if_compromised", "cross_sector_impact", "notified_cii", "notified_at",
	"serves_cii_operators", "ai.kind", "ai.model_source", "ai.public_generative_service",
	"data.pi_subjects", "data.sensitive_pi_subjects", "data.important_data", "data.core_data",
	"users", "mlps_level", "links", "status", NULL
};

static void links_free(struct cg_system *s)
{
	for (size_t i = 0; i < s->nlinks; i++)
		free(s->links[i].to);
	free(s->links);
	s->links = NULL;
	s->nlinks = 0;
}

static cg_code link_add(struct cg_system *s, const char *to, int kind, struct cg_error *err)
{
	struct cg_link *v;

	for (size_t i = 0; i < s->nlinks; i++)
		if (s->links[i].kind == (enum cg_link_kind)kind && strcmp(s->links[i].to, to) == 0)
			return cg_error_set(err, CG_E_INVALID, "links",
					    N_("links: the link %s:%s is given twice"), cg_link_kind_names[kind], to);
	if (s->nlinks >= 1000)
		return cg_error_set(err, CG_E_INVALID, "links", N_("links: too many links (at most 1000)"));
	v = realloc(s->links, (s->nlinks + 1) * sizeof *v);
	if (!v)
		return cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
	s->links = v;
	if (!(v[s->nlinks].to = strdup(to)))
		return cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
	v[s->nlinks++].kind = (enum cg_link_kind)kind;
	return CG_OK;
}

static int kind_index(const char *k)
{
	for (int i = 0; cg_link_kind_names[i]; i++)
		if (strcmp(cg_link_kind_names[i], k) == 0)
			return i;
	return -1;
}

static cg_code bad_kind(struct cg_error *err, const char *kind)
{
	return cg_error_set(err, CG_E_INVALID, "links",
			    N_("links: '%s' is not a link kind (depends_on, exchanges_data, embedded_in)"), kind);
}

/* "kind:to;kind:to" as spreadsheets and options write links. */
static cg_code links_set_text(void *rec, const struct cg_field *f, const char *value,
			      struct cg_error *err)
{
	struct cg_system *s = rec;
	char *copy = strdup(value), *item, *save = NULL;
	cg_code result = CG_OK;

	(void)f;
	if (!copy)
		return cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
	links_free(s);
	for (item = strtok_r(copy, ";", &save); item && result == CG_OK; item = strtok_r(NULL, ";", &save)) {
		char *colon;
		int k;

		while (*item == ' ')
			item++;
		if (!*item)
			continue;
		colon = strchr(item, ':');
		if (!colon) {
			result = cg_error_set(err, CG_E_INVALID, "links",
					      N_("links: expected kind:system_id, got '%s'"), item);
			break;
		}
		*colon = '\0';
		if ((k = kind_index(item)) < 0) {
			result = bad_kind(err, item);
			break;
		}
		result = link_add(s, colon + 1, k, err);
	}
	free(copy);
	return result;
}

static cg_code links_from_json(void *rec, const struct cg_field *f, json_t *v, struct cg_error *err)
{
	struct cg_system *s = rec;
	size_t i;
	json_t *item;

	(void)f;
	links_free(s);
	if (json_is_null(v))
		return CG_OK;
	if (!json_is_array(v))
		return cg_error_set(err, CG_E_INVALID, "links", N_("links: expected an array of {\"to\": ..., \"kind\": ...}"));
	json_array_foreach(v, i, item) {
		json_t *to = json_object_get(item, "to"), *kind = json_object_get(item, "kind");
		int k;

		if (!json_is_object(item) || json_object_size(item) != 2 || !json_is_string(to) || !json_is_string(kind))
			return cg_error_set(err, CG_E_INVALID, "links",
					    N_("links[%zu]: expected {\"to\": SYSTEM_ID, \"kind\": KIND}"), i);
		if ((k = kind_index(json_string_value(kind))) < 0)
			return bad_kind(err, json_string_value(kind));
		if (link_add(s, json_string_value(to), k, err) != CG_OK)
			return err ? err->code : CG_E_INVALID;
	}
	return CG_OK;
}

static int link_cmp(const void *a, const void *b)
{
	const struct cg_link *x = a, *y = b;
	int c = strcmp(x->to, y->to);
	return c ? c : (int)x->kind - (int)y->kind;
}

static cg_code links_to_json(const void *rec, const struct cg_field *f, struct cg_buf *out)
{
	const struct cg_system *s = rec;

	(void)f;
	if (cg_buf_addc(out, '['))
		return CG_E_NOMEM;
	for (size_t i = 0; i < s->nlinks; i++) {
		if ((i && cg_buf_addc(out, ',')) || cg_buf_adds(out, "{\"kind\":") ||
		    cg_json_add_string(out, cg_link_kind_names[s->links[i].kind]) ||
		    cg_buf_adds(out, ",\"to\":") || cg_json_add_string(out, s->links[i].to) ||
		    cg_buf_addc(out, '}'))
			return CG_E_NOMEM;
	}
	return cg_buf_addc(out, ']');
}

static void links_release(void *rec, const struct cg_field *f)
{
	(void)f;
	links_free(rec);
}

static const struct cg_record_hooks system_hooks = {
	links_set_text, links_from_json, links_to_json, links_release,
};

static const struct cg_record_desc system_desc = {
	.entity = "system",
	.table = "systems",
	.fields = system_fields,
	.nfields = sizeof system_fields / sizeof system_fields[0],
	.group = "ai",
	.group_off = offsetof(struct cg_system, has_ai),
	.given_off = offsetof(struct cg_system, given),
	.corrupt_off = offsetof(struct cg_system, corrupt),
	.hooks = &system_hooks,
};

void cg_system_init(struct cg_system *s)
{
	memset(s, 0, sizeof *s);
	cg_record_init(&system_desc, s);
}

void cg_system_release(struct cg_system *s)
{
	cg_record_release(&system_desc, s);
	s->has_ai = false;
}

const struct cg_field *cg_system_field_info(const char *name)
{
	return cg_record_field(&system_desc, name);
}

cg_code cg_system_set_field(struct cg_system *s, const char *name, const char *value,
			    struct cg_error *err)
{
	return cg_record_set_text(&system_desc, s, name, value, err);
}

static cg_code from_json_obj(struct cg_system *s, json_t *obj, bool meta, struct cg_error *err)
{
	return cg_record_from_json(&system_desc, s, obj, meta, err);
}

cg_code cg_system_from_json_meta(struct cg_system *s, json_t *obj, struct cg_error *err)
{
	return from_json_obj(s, obj, true, err);
}

cg_code cg_system_from_json(struct cg_system *s, const char *json, size_t len, struct cg_error *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	cg_code result;

	if (!root)
		return cg_error_set(err, CG_E_INVALID, NULL, N_("not valid JSON (line %d, column %d): %s"),
				    jerr.line, jerr.column, jerr.text);
	result = from_json_obj(s, root, false, err);
	json_decref(root);
	return result;
}

static bool id_ok(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > CG_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || (c != '-' && c != '_' && c != '.')))
			return false;
	}
	return true;
}

cg_code cg_system_validate(const struct cg_system *s, struct cg_error *err)
{
	cg_code result;

	if (s->id && !id_ok(s->id))
		return cg_error_set(err, CG_E_INVALID, "id",
				    N_("id: '%s' is not a valid id (1-64 letters, digits, '-', '_' or '.', starting with a letter or digit)"),
				    s->id);
	result = cg_record_check(&system_desc, s, err);
	if (result != CG_OK)
		return result;
	if (s->notified_at && !s->notified_cii)
		return cg_error_set(err, CG_E_INVALID, "notified_at",
				    N_("notified_at: given, but notified_cii is false"));
	if (s->data_sensitive_pi_subjects > s->data_pi_subjects)
		return cg_error_set(err, CG_E_INVALID, "data.sensitive_pi_subjects",
				    N_("data.sensitive_pi_subjects: %lld is more than data.pi_subjects (%lld); sensitive subjects are counted among all subjects"),
				    (long long)s->data_sensitive_pi_subjects, (long long)s->data_pi_subjects);
	for (size_t i = 0; i < s->nlinks; i++) {
		if (!id_ok(s->links[i].to))
			return cg_error_set(err, CG_E_INVALID, "links",
					    N_("links: '%s' is not a valid system id"), s->links[i].to);
		if (s->id && strcmp(s->links[i].to, s->id) == 0)
			return cg_error_set(err, CG_E_INVALID, "links", N_("links: a system cannot link to itself"));
	}
	return CG_OK;
}

cg_code cg_system_to_json(const struct cg_system *s, struct cg_buf *out)
{
	/* The canonical form sorts links, so their input order does not change the hash. */
	if (s->nlinks > 1)
		qsort(s->links, s->nlinks, sizeof s->links[0], link_cmp);
	return cg_record_to_json(&system_desc, s, out);
}

/* --- storage --- */

static cg_code exists(struct cg_store *st, const char *id, bool *found, struct cg_error *err)
{
	struct cg_stmt *q;
	enum cg_step r;
	cg_code result = cg_store_prepare(st, "SELECT 1 FROM systems WHERE id = ?", &q, err);

	if (result != CG_OK)
		return result;
	if ((result = cg_stmt_bind_text(q, 1, id)) != CG_OK) {
		cg_stmt_done(q);
		return cg_error_set(err, result, NULL, N_("out of memory"));
	}
	r = cg_stmt_step(q, err);
	cg_stmt_done(q);
	if (r == CG_STEP_ERROR)
		return err ? err->code : CG_E_STORE;
	*found = r == CG_STEP_ROW;
	return CG_OK;
}

static cg_code new_id(struct cg_store *st, struct cg_system *s, struct cg_error *err)
{
	for (int tries = 0; tries < 16; tries++) {
		unsigned char r[4];
		char id[16];
		bool found;
		cg_code result;

		if (RAND_bytes(r, sizeof r) != 1)
			return cg_error_set(err, CG_E_INTERNAL, NULL, N_("the random number generator failed"));
		snprintf(id, sizeof id, "sys-%02x%02x%02x%02x", r[0], r[1], r[2], r[3]);
		if ((result = exists(st, id, &found, err)) != CG_OK)
			return result;
		if (!found) {
			free(s->id);
			s->id = strdup(id);
			return s->id ? CG_OK : cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
		}
	}
	return cg_error_set(err, CG_E_INTERNAL, NULL, N_("could not generate a free system id"));
}

static cg_code bind_fail(struct cg_stmt *q, struct cg_error *err)
{
	cg_stmt_done(q);
	return cg_error_set(err, CG_E_STORE, NULL, N_("could not bind a query parameter"));
}

static cg_code write_links(struct cg_store *st, const struct cg_system *s, bool replace,
			   struct cg_error *err)
{
	struct cg_stmt *q;
	cg_code result;

	if (replace) {
		if ((result = cg_store_prepare(st, "DELETE FROM system_links WHERE system_id = ?", &q, err)))
			return result;
		if (cg_stmt_bind_text(q, 1, s->id))
			return bind_fail(q, err);
		if ((result = cg_stmt_run(q, err)))
			return result;
	}
	for (size_t i = 0; i < s->nlinks; i++) {
		bool found;

		if ((result = exists(st, s->links[i].to, &found, err)))
			return result;
		if (!found)
			return cg_error_set(err, CG_E_INVALID, "links",
					    N_("links: system '%s' does not exist"), s->links[i].to);
		if ((result = cg_store_prepare(st, "INSERT INTO system_links (system_id, to_id, kind) VALUES (?, ?, ?)", &q, err)))
			return result;
		if (cg_stmt_bind_text(q, 1, s->id) || cg_stmt_bind_text(q, 2, s->links[i].to) ||
		    cg_stmt_bind_text(q, 3, cg_link_kind_names[s->links[i].kind]))
			return bind_fail(q, err);
		if ((result = cg_stmt_run(q, err)))
			return result;
	}
	return CG_OK;
}

static cg_code write_row(struct cg_store *st, const struct cg_system *s, bool update,
			 struct cg_error *err)
{
	struct cg_stmt *q;
	int idx = 1;
	cg_code result;

	result = cg_store_prepare(st, update ? cg_record_sql_update(&system_desc) :
				  cg_record_sql_insert(&system_desc), &q, err);
	if (result != CG_OK)
		return result;
	if (cg_record_bind(&system_desc, s, q, &idx) || (update && cg_stmt_bind_text(q, idx, s->id)))
		return bind_fail(q, err);
	return cg_stmt_run(q, err);
}

static cg_code audit_system(struct cg_store *st, const char *actor, const char *action,
			    const struct cg_system *s, struct cg_error *err)
{
	struct cg_buf b;
	cg_code result;

	cg_buf_init(&b, 0);
	if (cg_system_to_json(s, &b) != CG_OK)
		return cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
	result = cg_audit_append(st, actor, action, "system", s->id, b.ptr, b.len, err);
	cg_buf_release(&b);
	return result;
}

static cg_code set_time(char **slot, const char *now, struct cg_error *err)
{
	char *p = strdup(now);
	if (!p)
		return cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
	free(*slot);
	*slot = p;
	return CG_OK;
}

/* Adds or replaces one system inside the caller's transaction; `links` writes its links too. */
static cg_code put(struct cg_store *st, struct cg_system *s, bool allow_update,
		   bool links, bool *updated, struct cg_error *err)
{
	char now[CG_TIME_MAX];
	bool found = false;
	cg_code result;

	*updated = false;
	if ((result = cg_now(now, err)) != CG_OK)
		return result;
	if (!s->id) {
		if ((result = new_id(st, s, err)) != CG_OK)
			return result;
	} else if ((result = exists(st, s->id, &found, err)) != CG_OK) {
		return result;
	}
	if (found && !allow_update)
		return cg_error_set(err, CG_E_EXISTS, "id", N_("id: system '%s' already exists"), s->id);
	if (found) {
		struct cg_system old;
		cg_system_init(&old);
		result = cg_system_get(st, s->id, &old, err);
		if (result == CG_OK)
			result = set_time(&s->created_at, old.created_at ? old.created_at : now, err);
		cg_system_release(&old);
		if (result != CG_OK)
			return result;
	} else if ((result = set_time(&s->created_at, now, err)) != CG_OK) {
		return result;
	}
	if ((result = set_time(&s->updated_at, now, err)) != CG_OK)
		return result;
	if ((result = write_row(st, s, found, err)) != CG_OK)
		return result;
	*updated = found;
	if (links)
		return write_links(st, s, found, err);
	return CG_OK;
}

cg_code cg_system_add(struct cg_store *st, const char *actor, struct cg_system *s,
		      struct cg_error *err)
{
	bool own = !cg_store_in_transaction(st), updated;
	cg_code result;

	if ((result = cg_system_validate(s, err)) != CG_OK)
		return result;
	if (own && (result = cg_store_begin(st, err)) != CG_OK)
		return result;
	result = put(st, s, false, true, &updated, err);
	if (result == CG_OK)
		result = audit_system(st, actor, "create", s, err);
	return cg_store_end(st, own, result, err);
}

cg_code cg_system_update(struct cg_store *st, const char *actor, struct cg_system *s,
			 struct cg_error *err)
{
	bool own = !cg_store_in_transaction(st), found, updated;
	cg_code result;

	if (!s->id)
		return cg_error_set(err, CG_E_INVALID, "id", N_("id: is required"));
	if ((result = cg_system_validate(s, err)) != CG_OK)
		return result;
	if (own && (result = cg_store_begin(st, err)) != CG_OK)
		return result;
	result = exists(st, s->id, &found, err);
	if (result == CG_OK && !found)
		result = cg_error_set(err, CG_E_NOTFOUND, "id", N_("system '%s' does not exist"), s->id);
	if (result == CG_OK)
		result = put(st, s, true, true, &updated, err);
	if (result == CG_OK)
		result = audit_system(st, actor, "update", s, err);
	return cg_store_end(st, own, result, err);
}

cg_code cg_system_delete(struct cg_store *st, const char *actor, const char *id,
			 struct cg_error *err)
{
	bool own = !cg_store_in_transaction(st), found;
	struct cg_stmt *q = NULL;
	struct cg_buf users;
	cg_code result;

	cg_buf_init(&users, 4096);
	if (own && (result = cg_store_begin(st, err)) != CG_OK)
		return result;
	result = exists(st, id, &found, err);
	if (result == CG_OK && !found)
		result = cg_error_set(err, CG_E_NOTFOUND, "id", N_("system '%s' does not exist"), id);
	if (result == CG_OK)
		result = cg_store_prepare(st, "SELECT DISTINCT system_id FROM system_links WHERE to_id = ? "
					  "ORDER BY system_id", &q, err);
	if (result == CG_OK) {
		enum cg_step r;
		if (cg_stmt_bind_text(q, 1, id))
			result = bind_fail(q, err);
		else {
			while ((r = cg_stmt_step(q, err)) == CG_STEP_ROW)
				if ((users.len && cg_buf_adds(&users, ", ")) || cg_buf_adds(&users, cg_stmt_text(q, 0)))
					break;
			cg_stmt_done(q);
			if (r == CG_STEP_ERROR)
				result = err ? err->code : CG_E_STORE;
		}
	}
	if (result == CG_OK && users.len)
		result = cg_error_set(err, CG_E_CONFLICT, "id",
				      N_("system '%s' cannot be deleted: these systems link to it: %s"),
				      id, users.ptr);
	if (result == CG_OK && (result = cg_store_prepare(st, "DELETE FROM systems WHERE id = ?", &q, err)) == CG_OK) {
		if (cg_stmt_bind_text(q, 1, id))
			result = bind_fail(q, err);
		else
			result = cg_stmt_run(q, err);
	}
	if (result == CG_OK)
		result = cg_audit_append(st, actor, "delete", "system", id, NULL, 0, err);
	cg_buf_release(&users);
	return cg_store_end(st, own, result, err);
}

/* Adds the link of the current row (to_id, kind at columns col, col + 1), if it has one. */
static void read_link(struct cg_stmt *q, int col, struct cg_system *s)
{
	const char *to = cg_stmt_text(q, col), *kind = cg_stmt_text(q, col + 1);
	int k;

	if (!to)
		return;
	k = kind_index(kind ? kind : "");
	if (k < 0 && !s->corrupt && asprintf(&s->corrupt, "link kind=%s", kind ? kind : "") < 0)
		s->corrupt = NULL;
	if (link_add(s, to, k < 0 ? 0 : k, NULL) != CG_OK && !s->corrupt)
		s->corrupt = strdup("duplicate link");
}

/*
 * One system with its links in one query (one round trip to a server database, and one snapshot
 * without a transaction): a row per link, or one row with no link.
 */
cg_code cg_system_get(struct cg_store *st, const char *id, struct cg_system *out,
		      struct cg_error *err)
{
	char sql[1400];
	struct cg_stmt *q;
	enum cg_step r;
	cg_code result = CG_OK;
	int ncols = 0;

	for (size_t i = 0; i < system_desc.nfields; i++)
		ncols += system_desc.fields[i].column != NULL;
	if ((size_t)snprintf(sql, sizeof sql, "SELECT s.*, l.to_id, l.kind FROM (%s WHERE id = ?) s "
			     "LEFT JOIN system_links l ON l.system_id = s.id ORDER BY l.to_id, l.kind",
			     cg_record_sql_select(&system_desc)) >= sizeof sql)
		return cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
	if ((result = cg_store_prepare(st, sql, &q, err)) != CG_OK)
		return result;
	if (cg_stmt_bind_text(q, 1, id))
		return bind_fail(q, err);
	bool found = false;
	while (result == CG_OK && (r = cg_stmt_step(q, err)) == CG_STEP_ROW) {
		if (!found) {
			found = true;
			result = cg_record_read(&system_desc, out, q);
		}
		if (result == CG_OK)
			read_link(q, ncols, out);
	}
	cg_stmt_done(q);
	if (result != CG_OK)
		return cg_error_set(err, result, NULL, N_("out of memory"));
	if (r == CG_STEP_ERROR)
		return err ? err->code : CG_E_STORE;
	if (!found)
		return cg_error_set(err, CG_E_NOTFOUND, "id", N_("system '%s' does not exist"), id);
	return CG_OK;
}

/*
 * Walks all systems in id order with their links, merging two ordered scans (one query per
 * table, not one per system), so that verify and export stay linear.
 */
cg_code cg_system_each(struct cg_store *st, cg_system_each_fn fn, void *ud, struct cg_error *err)
{
	char sql[1024];
	struct cg_stmt *q = NULL, *l = NULL;
	enum cg_step r, lr = CG_STEP_DONE;
	cg_code result;

	snprintf(sql, sizeof sql, "%s ORDER BY id", cg_record_sql_select(&system_desc));
	if ((result = cg_store_prepare(st, sql, &q, err)) != CG_OK)
		return result;
	/* The join orders links exactly as the systems (same column, same collation) and leaves
	 * out rows of no system, which cg_system_check_rows() reports. */
	if ((result = cg_store_prepare(st, "SELECT l.system_id, l.to_id, l.kind FROM system_links l "
				       "JOIN systems s ON s.id = l.system_id ORDER BY l.system_id, l.to_id, l.kind",
				       &l, err)) != CG_OK) {
		cg_stmt_done(q);
		return result;
	}
	lr = cg_stmt_step(l, err);
	while ((r = cg_stmt_step(q, err)) == CG_STEP_ROW) {
		struct cg_system s;
		int stop;

		cg_system_init(&s);
		if (cg_record_read(&system_desc, &s, q) != CG_OK) {
			cg_system_release(&s);
			result = cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
			break;
		}
		while (lr == CG_STEP_ROW && strcmp(cg_stmt_text(l, 0), s.id) == 0) {
			int k = kind_index(cg_stmt_text(l, 2));
			if (k < 0 && !s.corrupt && asprintf(&s.corrupt, "link kind=%s", cg_stmt_text(l, 2)) < 0)
				s.corrupt = NULL;
			if (link_add(&s, cg_stmt_text(l, 1), k < 0 ? 0 : k, NULL) != CG_OK && !s.corrupt)
				s.corrupt = strdup("duplicate link");
			lr = cg_stmt_step(l, err);
		}
		stop = fn(&s, ud);
		cg_system_release(&s);
		if (stop)
			break;
	}
	if (r == CG_STEP_ERROR || lr == CG_STEP_ERROR)
		result = err && err->code ? err->code : CG_E_STORE;
	cg_stmt_done(q);
	cg_stmt_done(l);
	return result;
}

struct canon_walk {
	cg_canon_fn fn;
	void *ud;
	struct cg_buf buf;
	cg_code result;
};

static int canon_one(const struct cg_system *s, void *ud)
{
	struct canon_walk *w = ud;

	cg_buf_reset(&w->buf);
	if (cg_system_to_json(s, &w->buf) != CG_OK) {
		w->result = CG_E_NOMEM;
		return 1;
	}
	return w->fn("system", s->id, w->buf.ptr, w->buf.len, w->ud);
}

cg_code cg_system_each_canonical(struct cg_store *st, cg_canon_fn fn, void *ud, struct cg_error *err)
{
	struct canon_walk w = { fn, ud, { 0 }, CG_OK };
	cg_code result;

	cg_buf_init(&w.buf, 0);
	result = cg_system_each(st, canon_one, &w, err);
	cg_buf_release(&w.buf);
	if (result == CG_OK && w.result != CG_OK)
		result = cg_error_set(err, w.result, NULL, N_("out of memory"));
	return result;
}

cg_code cg_system_check_rows(struct cg_store *st, char *bad, size_t n, struct cg_error *err)
{
	struct cg_stmt *q;
	enum cg_step r;
	cg_code result = cg_store_prepare(st, "SELECT system_id, to_id, kind FROM system_links "
					  "WHERE system_id NOT IN (SELECT id FROM systems) ORDER BY system_id", &q, err);

	if (result != CG_OK)
		return result;
	r = cg_stmt_step(q, err);
	if (r == CG_STEP_ROW) {
		snprintf(bad, n, "system:%s", cg_stmt_text(q, 0));
		result = cg_error_set(err, CG_E_TAMPERED, NULL,
				      N_("a link of system '%s' (%s %s) belongs to no recorded system: it was added outside ciiguard"),
				      cg_stmt_text(q, 0), cg_stmt_text(q, 2), cg_stmt_text(q, 1));
	} else if (r == CG_STEP_ERROR) {
		result = err && err->code ? err->code : CG_E_STORE;
	}
	cg_stmt_done(q);
	return result;
}

cg_code cg_system_insert_raw(struct cg_store *st, const struct cg_system *s, struct cg_error *err)
{
	cg_code result = write_row(st, s, false, err);
	return result;
}

/* --- import --- */

void cg_system_array_free(struct cg_system *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cg_system_release(&a[i]);
	free(a);
}

struct csv_state {
	struct cg_system *v;
	size_t n, cap;
	char **header;
	size_t nheader;
	struct cg_error *err;
};

static int csv_row(size_t line, char **fields, size_t nfields, void *ud)
{
	struct csv_state *cs = ud;

	if (!cs->header) {
		cs->header = calloc(nfields, sizeof *cs->header);
		if (!cs->header) {
			cg_error_set(cs->err, CG_E_NOMEM, NULL, N_("out of memory"));
			return 1;
		}
		cs->nheader = nfields;
		for (size_t i = 0; i < nfields; i++) {
			const char *h = fields[i];
			while (*h == ' ')
				h++;
			if (!(cs->header[i] = strdup(h))) {
				cg_error_set(cs->err, CG_E_NOMEM, NULL, N_("out of memory"));
				return 1;
			}
			if (!cg_record_field(&system_desc, h) || (cg_record_field(&system_desc, h)->flags & CG_FF_META)) {
				if (strcmp(h, "created_at") == 0 || strcmp(h, "updated_at") == 0)
					continue;
				cg_error_set(cs->err, CG_E_INVALID, h,
					     N_("line %zu: column '%s' is not a system field"), line, h);
				return 1;
			}
			for (size_t j = 0; j < i; j++)
				if (strcmp(cs->header[j], h) == 0) {
					cg_error_set(cs->err, CG_E_INVALID, h,
						     N_("line %zu: column '%s' appears twice"), line, h);
					return 1;
				}
		}
		return 0;
	}
	if (nfields != cs->nheader) {
		cg_error_set(cs->err, CG_E_INVALID, NULL,
			     N_("line %zu: %zu fields, but the header has %zu"), line, nfields, cs->nheader);
		return 1;
	}
	if (cs->n == cs->cap) {
		size_t cap = cs->cap ? cs->cap * 2 : 64;
		struct cg_system *v = realloc(cs->v, cap * sizeof *v);
		if (!v) {
			cg_error_set(cs->err, CG_E_NOMEM, NULL, N_("out of memory"));
			return 1;
		}
		cs->v = v;
		cs->cap = cap;
	}
	struct cg_system *s = &cs->v[cs->n++];
	cg_system_init(s);
	for (size_t i = 0; i < nfields; i++) {
		if (strcmp(cs->header[i], "created_at") == 0 || strcmp(cs->header[i], "updated_at") == 0)
			continue;
		if (cg_system_set_field(s, cs->header[i], fields[i], cs->err) != CG_OK) {
			cg_error_prefix(cs->err, N_("line %zu"), line);
			return 1;
		}
	}
	if (cg_system_validate(s, cs->err) != CG_OK) {
		cg_error_prefix(cs->err, N_("line %zu"), line);
		return 1;
	}
	return 0;
}

static cg_code parse_csv(const char *data, size_t len, struct cg_system **out, size_t *n,
			 struct cg_error *err)
{
	struct csv_state cs = { .err = err };
	char *text = NULL;
	size_t tlen;
	cg_code result;

	result = cg_text_to_utf8(data, len, &text, &tlen, err);
	if (result == CG_OK)
		result = cg_csv_parse(text, tlen, csv_row, &cs, err);
	if (result == CG_OK && !cs.header)
		result = cg_error_set(err, CG_E_INVALID, NULL, N_("the CSV file is empty: expected a header row naming the fields"));
	free(text);
	for (size_t i = 0; i < cs.nheader; i++)
		free(cs.header ? cs.header[i] : NULL);
	free(cs.header);
	if (result != CG_OK) {
		cg_system_array_free(cs.v, cs.n);
		return result;
	}
	*out = cs.v;
	*n = cs.n;
	return CG_OK;
}

static cg_code parse_json(const char *data, size_t len, struct cg_system **out, size_t *n,
			  struct cg_error *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr), *item;
	struct cg_system *v = NULL;
	size_t i, k = 0;
	cg_code result = CG_OK;

	if (!root)
		return cg_error_set(err, CG_E_INVALID, NULL, N_("not valid JSON (line %d, column %d): %s"),
				    jerr.line, jerr.column, jerr.text);
	if (!json_is_array(root)) {
		json_decref(root);
		return cg_error_set(err, CG_E_INVALID, NULL, N_("expected a JSON array of system records"));
	}
	v = calloc(json_array_size(root) + 1, sizeof *v);
	if (!v) {
		json_decref(root);
		return cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
	}
	json_array_foreach(root, i, item) {
		cg_system_init(&v[k++]);
		result = from_json_obj(&v[i], item, false, err);
		if (result == CG_OK)
			result = cg_system_validate(&v[i], err);
		if (result != CG_OK) {
			cg_error_prefix(err, N_("record %zu"), i + 1);
			break;
		}
	}
	json_decref(root);
	if (result != CG_OK) {
		cg_system_array_free(v, k);
		return result;
	}
	*out = v;
	*n = k;
	return CG_OK;
}

cg_code cg_system_parse(const char *data, size_t len, enum cg_format fmt, struct cg_system **out,
			size_t *n, struct cg_error *err)
{
	*out = NULL;
	*n = 0;
	return fmt == CG_FORMAT_CSV ? parse_csv(data, len, out, n, err) : parse_json(data, len, out, n, err);
}

struct id_pos {
	const char *id;
	size_t pos;
};

static int id_pos_cmp(const void *a, const void *b)
{
	const struct id_pos *x = a, *y = b;
	int c = strcmp(x->id, y->id);
	return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

/* Sorts the ids once (not each against all: imports of a million records must stay fast). */
static cg_code check_unique_ids(const struct cg_system *v, size_t n, struct cg_error *err)
{
	struct id_pos *ids = malloc((n + 1) * sizeof *ids);
	size_t k = 0;
	cg_code result = CG_OK;

	if (!ids)
		return cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
	for (size_t i = 0; i < n; i++)
		if (v[i].id)
			ids[k++] = (struct id_pos){ v[i].id, i };
	qsort(ids, k, sizeof *ids, id_pos_cmp);
	for (size_t i = 1; i < k; i++)
		if (strcmp(ids[i].id, ids[i - 1].id) == 0) {
			result = cg_error_set(err, CG_E_INVALID, "id", N_("record %zu: id '%s' appears twice in the file"),
					      ids[i].pos + 1, ids[i].id);
			break;
		}
	free(ids);
	return result;
}

cg_code cg_system_import(struct cg_store *st, const char *actor, const char *data, size_t len,
			 enum cg_format fmt, bool update, struct cg_import_result *res,
			 struct cg_error *err)
{
	struct cg_system *v = NULL;
	bool *was_update = NULL, own;
	size_t n = 0, i;
	cg_code result;

	res->created = res->updated = 0;
	if ((result = cg_system_parse(data, len, fmt, &v, &n, err)) != CG_OK)
		return result;
	if ((result = check_unique_ids(v, n, err)) != CG_OK)
		goto out_free;
	was_update = calloc(n + 1, sizeof *was_update);
	if (!was_update) {
		result = cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
		goto out_free;
	}
	own = !cg_store_in_transaction(st);
	if (own && (result = cg_store_begin(st, err)) != CG_OK)
		goto out_free;
	/* Rows first, then links (which may point forward in the file), then the audit events. */
	for (i = 0; i < n && result == CG_OK; i++) {
		result = put(st, &v[i], update, false, &was_update[i], err);
		if (result != CG_OK)
			cg_error_prefix(err, N_("record %zu"), i + 1);
	}
	for (i = 0; i < n && result == CG_OK; i++) {
		result = write_links(st, &v[i], was_update[i], err);
		if (result != CG_OK)
			cg_error_prefix(err, N_("record %zu"), i + 1);
	}
	for (i = 0; i < n && result == CG_OK; i++) {
		result = audit_system(st, actor, was_update[i] ? "update" : "create", &v[i], err);
		if (was_update[i])
			res->updated++;
		else
			res->created++;
	}
	result = cg_store_end(st, own, result, err);
	if (result != CG_OK)
		res->created = res->updated = 0;
out_free:
	free(was_update);
	cg_system_array_free(v, n);
	return result;
}
