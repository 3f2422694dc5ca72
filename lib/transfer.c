/* Export of a whole database as one JSON document, and its exact restore into an empty one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "ciiguard/audit.h"
#include "ciiguard/clock.h"
#include "ciiguard/i18n.h"
#include "ciiguard/json.h"
#include "ciiguard/transfer.h"
#include "entity.h"
#include "record.h"
#include "secret.h"
#include "store_impl.h"
#include "banned.h"

const char *const cg_export_tables[] = { "operator", "systems", "system_links", "catalogs",
					 "screenings", "obligation_status", "evidence", "evidence_links",
					 "incidents", "secrets", "records", "users", "api_tokens", "audit_events", NULL };

/* The obligation register's tables, exported and restored row by row under these names. */
static const char *const register_tables[] = { "obligation_status", "evidence", "evidence_links", NULL };

struct out {
	FILE *f;
	bool first;
	int failed;
};

static int put_record(const char *type, const char *id, const char *canon, size_t len, void *ud)
{
	struct out *o = ud;
	(void)type;
	(void)id;
	if (fputs(o->first ? "\n    " : ",\n    ", o->f) < 0 || fwrite(canon, 1, len, o->f) != len)
		o->failed = 1;
	o->first = false;
	return o->failed;
}

static int put_event(const struct cg_audit_event *ev, void *ud)
{
	struct out *o = ud;
	struct cg_buf b;

	cg_buf_init(&b, 0);
	if (cg_buf_addf(&b, "%s{\"seq\":%lld,\"at\":", o->first ? "\n    " : ",\n    ", (long long)ev->seq) ||
	    cg_json_add_string(&b, ev->at) || cg_buf_adds(&b, ",\"actor\":") || cg_json_add_string(&b, ev->actor) ||
	    cg_buf_adds(&b, ",\"action\":") || cg_json_add_string(&b, ev->action) ||
	    cg_buf_adds(&b, ",\"entity_type\":") || cg_json_add_string(&b, ev->entity_type) ||
	    cg_buf_adds(&b, ",\"entity_id\":") || cg_json_add_string(&b, ev->entity_id) ||
	    cg_buf_adds(&b, ",\"state\":") || (ev->state ? cg_json_add_string(&b, ev->state) : cg_buf_adds(&b, "null")) ||
	    cg_buf_adds(&b, ",\"state_hash\":") || cg_json_add_string(&b, ev->state_hash) ||
	    cg_buf_adds(&b, ",\"prev_hash\":") || cg_json_add_string(&b, ev->prev_hash) ||
	    cg_buf_adds(&b, ",\"hash\":") || cg_json_add_string(&b, ev->hash) || cg_buf_addc(&b, '}') ||
	    fwrite(b.ptr, 1, b.len, o->f) != b.len)
		o->failed = 1;
	cg_buf_release(&b);
	o->first = false;
	return o->failed;
}

/* The imported catalog libraries, as stored: {content, imported_at, locale, name, urn, version}. */
static cg_code put_catalogs(struct cg_store *st, struct out *o, struct cg_error *err)
{
	struct cg_stmt *q;
	enum cg_step r;
	cg_code result = cg_store_prepare(st, "SELECT urn, version, name, locale, content, imported_at "
					  "FROM catalogs ORDER BY urn", &q, err);

	if (result != CG_OK)
		return result;
	while ((r = cg_stmt_step(q, err)) == CG_STEP_ROW) {
		json_t *row = json_object();
		char *s;
		static const char *const cols[] = { "urn", NULL, "name", "locale", "content", "imported_at" };
		for (int c = 0; row && c < 6; c++) {
			json_t *v = cg_stmt_is_null(q, c) ? json_null() :
				    c == 1 ? json_integer(cg_stmt_int64(q, c)) : json_string(cg_stmt_text(q, c));
			if (json_object_set_new(row, cols[c] ? cols[c] : "version", v) != 0) {
				json_decref(row);
				row = NULL;
			}
		}
		s = row ? cg_json_dump(row, CG_JSON_SORTED, NULL) : NULL;
		json_decref(row);
		if (!s) {
			result = cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
			break;
		}
		put_record("catalog", "", s, strlen(s), o);
		free(s);
		if (o->failed)
			break;
	}
	if (result == CG_OK && r == CG_STEP_ERROR)
		result = err && err->code ? err->code : CG_E_STORE;
	cg_stmt_done(q);
	return result;
}

/* Writes `"key": [` and each record that `each` gives, one per line, then `],`. */
static cg_code put_array(struct cg_store *st, struct out *o, const char *key,
			 cg_code (*each)(struct cg_store *, cg_canon_fn, void *, struct cg_error *), struct cg_error *err)
{
	o->first = true;
	fprintf(o->f, "  \"%s\": [", key);
	cg_code r = each(st, put_record, o, err);
	fputs(o->first ? "],\n" : "\n  ],\n", o->f);
	return r;
}

cg_code cg_export(struct cg_store *st, FILE *f, struct cg_error *err)
{
	char now[CG_TIME_MAX];
	struct out o = { f, true, 0 };
	struct cg_operator op;
	struct cg_buf b;
	cg_code result;

	if ((result = cg_now(now, err)) != CG_OK || (result = cg_store_begin_read(st, err)) != CG_OK)
		return result;
	cg_operator_init(&op);
	cg_buf_init(&b, 0);
	fprintf(f, "{\n  \"format\": \"ciiguard-export\",\n  \"version\": 1,\n  \"schema_version\": %d,\n"
		   "  \"exported_at\": \"%s\",\n  \"operator\": ", cg_store_schema_version(st), now);
	result = cg_operator_get(st, &op, err);
	if (result == CG_OK) {
		if (cg_operator_to_json(&op, &b) != CG_OK)
			result = cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
		else
			fputs(b.ptr, f);
	} else if (result == CG_E_NOTFOUND) {
		result = CG_OK;
		fputs("null", f);
	}
	if (result == CG_OK) {
		fputs(",\n", f);
		result = put_array(st, &o, "systems", cg_system_each_canonical, err);
	}
	if (result == CG_OK) {
		o.first = true;
		fputs("  \"catalogs\": [", f);
		result = put_catalogs(st, &o, err);
		fputs(o.first ? "],\n" : "\n  ],\n", f);
	}
	if (result == CG_OK)
		result = put_array(st, &o, "screenings", cg_screening_each_canonical, err);
	for (const char *const *t = register_tables; *t && result == CG_OK; t++) {
		o.first = true;
		fprintf(f, "  \"%s\": [", *t);
		result = cg_obligation_each_row(st, *t, put_record, &o, err);
		fputs(o.first ? "],\n" : "\n  ],\n", f);
	}
	static const struct {
		const char *key;
		cg_code (*each)(struct cg_store *, cg_canon_fn, void *, struct cg_error *);
	} rows[] = { { "incidents", cg_incident_each_canonical }, { "secrets", cg_secrets_each_row },
		     { "records", cg_records_each_row }, { "users", cg_user_each_row },
		     { "api_tokens", cg_token_each_row } };
	for (size_t i = 0; i < sizeof rows / sizeof rows[0] && result == CG_OK; i++)
		result = put_array(st, &o, rows[i].key, rows[i].each, err);
	if (result == CG_OK) {
		o.first = true;
		fputs("  \"audit_events\": [", f);
		result = cg_audit_each(st, NULL, 0, 0, put_event, &o, err);
		fputs(o.first ? "]\n}\n" : "\n  ]\n}\n", f);
	}
	if (result == CG_OK && (o.failed || fflush(f) != 0 || ferror(f)))
		result = cg_error_set(err, CG_E_IO, NULL, N_("could not write the export"));
	cg_store_rollback(st);
	cg_buf_release(&b);
	cg_operator_release(&op);
	return result;
}

static cg_code restore_event(struct cg_store *st, json_t *ev, size_t i, struct cg_error *err)
{
	static const char *const keys[] = { "at", "actor", "action", "entity_type", "entity_id",
					    "state", "state_hash", "prev_hash", "hash" };
	struct cg_stmt *q;
	json_t *seq = json_object_get(ev, "seq");
	cg_code result;

	if (!json_is_object(ev) || !json_is_integer(seq) || json_object_size(ev) != 10)
		return cg_error_set(err, CG_E_INVALID, "audit_events",
				    N_("audit_events[%zu]: expected an event object with seq, at, actor, action, entity_type, entity_id, state, state_hash, prev_hash and hash"), i);
	result = cg_store_prepare(st, "INSERT INTO audit_events (seq, at, actor, action, entity_type, "
				  "entity_id, state, state_hash, prev_hash, hash) "
				  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &q, err);
	if (result != CG_OK)
		return result;
	if (cg_stmt_bind_int64(q, 1, json_integer_value(seq)))
		goto bind;
	for (int k = 0; k < 9; k++) {
		json_t *v = json_object_get(ev, keys[k]);
		if (!(json_is_string(v) || (k == 5 && json_is_null(v)))) {
			cg_stmt_done(q);
			return cg_error_set(err, CG_E_INVALID, keys[k], N_("audit_events[%zu]: %s: expected a string"), i, keys[k]);
		}
		if (cg_stmt_bind_text(q, k + 2, json_is_null(v) ? NULL : json_string_value(v)))
			goto bind;
	}
	return cg_stmt_run(q, err);
bind:
	cg_stmt_done(q);
	return cg_error_set(err, CG_E_STORE, NULL, N_("could not bind a query parameter"));
}

/* One imported catalog library, exactly as exported (the audit check follows the restore). */
static cg_code restore_catalog(struct cg_store *st, json_t *row, size_t i, struct cg_error *err)
{
	static const char *const keys[] = { "urn", "name", "locale", "content", "imported_at" };
	json_t *version = json_object_get(row, "version");
	struct cg_stmt *q;
	cg_code result;

	if (!json_is_object(row) || json_object_size(row) != 6 || !json_is_integer(version))
		return cg_error_set(err, CG_E_INVALID, "catalogs",
				    N_("catalogs[%zu]: expected an object with urn, version, name, locale, content and imported_at"), i);
	result = cg_store_prepare(st, "INSERT INTO catalogs (version, urn, name, locale, content, imported_at) "
				  "VALUES (?, ?, ?, ?, ?, ?)", &q, err);
	if (result != CG_OK)
		return result;
	if (cg_stmt_bind_int64(q, 1, json_integer_value(version)))
		goto bind;
	for (int k = 0; k < 5; k++) {
		json_t *v = json_object_get(row, keys[k]);
		if (!(json_is_string(v) || (k == 2 && json_is_null(v)))) {
			cg_stmt_done(q);
			return cg_error_set(err, CG_E_INVALID, keys[k], N_("catalogs[%zu]: %s: expected a string"), i, keys[k]);
		}
		if (cg_stmt_bind_text(q, k + 2, json_is_null(v) ? NULL : json_string_value(v)))
			goto bind;
	}
	return cg_stmt_run(q, err);
bind:
	cg_stmt_done(q);
	return cg_error_set(err, CG_E_STORE, NULL, N_("could not bind a query parameter"));
}

static cg_code restore_links(struct cg_store *st, const struct cg_system *s, struct cg_error *err)
{
	for (size_t i = 0; i < s->nlinks; i++) {
		struct cg_stmt *q;
		cg_code result = cg_store_prepare(st, "INSERT INTO system_links (system_id, to_id, kind) VALUES (?, ?, ?)", &q, err);
		if (result != CG_OK)
			return result;
		if (cg_stmt_bind_text(q, 1, s->id) || cg_stmt_bind_text(q, 2, s->links[i].to) ||
		    cg_stmt_bind_text(q, 3, cg_link_kind_names[s->links[i].kind])) {
			cg_stmt_done(q);
			return cg_error_set(err, CG_E_STORE, NULL, N_("could not bind a query parameter"));
		}
		if ((result = cg_stmt_run(q, err)) != CG_OK)
			return result;
	}
	return CG_OK;
}

/* The array `key` of an export in *out (NULL when the export has none), or an error naming it. */
static cg_code array_of(json_t *root, const char *key, json_t **out, struct cg_error *err)
{
	*out = json_object_get(root, key);
	if (*out && !json_is_array(*out))
		return cg_error_set(err, CG_E_INVALID, key, N_("%s: expected an array"), key);
	return CG_OK;
}

/* Restores each item of the array `key` with `one`; an error names the item, as key[i]. */
static cg_code restore_each(struct cg_store *st, json_t *root, const char *key,
			    cg_code (*one)(struct cg_store *, json_t *, struct cg_error *), struct cg_error *err)
{
	json_t *v, *item;
	size_t i;
	cg_code r = array_of(root, key, &v, err);
	json_array_foreach(v, i, item) {
		if (r != CG_OK)
			break;
		if ((r = one(st, item, err)) != CG_OK)
			cg_error_prefix(err, "%s[%zu]", key, i);
	}
	return r;
}

cg_code cg_import(struct cg_store *st, const char *data, size_t len, struct cg_error *err)
{
	static const char *const known[] = { "format", "version", "schema_version", "exported_at",
					     "operator", "systems", "catalogs", "screenings", "obligation_status",
					     "evidence", "evidence_links", "incidents", "secrets", "records", "users", "api_tokens",
					     "audit_events" };
	json_error_t jerr;
	json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr), *v, *item;
	struct cg_system *sys = NULL;
	size_t nsys = 0, i;
	int64_t count;
	char head[CG_HASH_HEX];
	const char *key;
	cg_code result = CG_OK;

	if (!root)
		return cg_error_set(err, CG_E_INVALID, NULL, N_("not valid JSON (line %d, column %d): %s"),
				    jerr.line, jerr.column, jerr.text);
	if (!json_is_object(root) || !json_is_string(json_object_get(root, "format")) ||
	    strcmp(json_string_value(json_object_get(root, "format")), "ciiguard-export") != 0) {
		result = cg_error_set(err, CG_E_INVALID, "format", N_("format: not a ciiguard export (expected \"format\": \"ciiguard-export\")"));
		goto out;
	}
	json_object_foreach(root, key, v) {
		bool ok = false;
		for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
			ok |= strcmp(key, known[k]) == 0;
		if (!ok) {
			result = cg_error_set(err, CG_E_INVALID, key, N_("unknown field '%s'"), key);
			goto out;
		}
	}
	v = json_object_get(root, "schema_version");
	if (!json_is_integer(v) || json_integer_value(v) > cg_store_schema_latest()) {
		result = cg_error_set(err, CG_E_SCHEMA, "schema_version",
				      N_("schema_version: the export comes from a newer ciiguard (schema %lld; this one knows %d)"),
				      (long long)json_integer_value(v), cg_store_schema_latest());
		goto out;
	}
	if ((result = cg_store_begin(st, err)) != CG_OK)
		goto out;
	if ((result = cg_audit_head(st, &count, head, err)) != CG_OK)
		goto rollback;
	if (count != 0) {
		result = cg_error_set(err, CG_E_EXISTS, NULL,
				      N_("the target database is not empty (%lld audit events): import restores into an empty database only"),
				      (long long)count);
		goto rollback;
	}
	v = json_object_get(root, "operator");
	if (v && !json_is_null(v)) {
		struct cg_operator op;
		cg_operator_init(&op);
		result = cg_operator_from_json_meta(&op, v, err);
		if (result == CG_OK) {
			free(op.id); /* there is one operator record, whatever the file says */
			if (!(op.id = strdup("operator")))
				result = cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
		}
		if (result == CG_OK)
			result = cg_operator_insert_raw(st, &op, err);
		if (result != CG_OK)
			cg_error_prefix(err, N_("operator"));
		cg_operator_release(&op);
		if (result != CG_OK)
			goto rollback;
	}
	if ((result = array_of(root, "systems", &v, err)) != CG_OK)
		goto rollback;
	sys = calloc(json_array_size(v) + 1, sizeof *sys);
	if (!sys) {
		result = cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
		goto rollback;
	}
	json_array_foreach(v, i, item) {
		cg_system_init(&sys[nsys++]);
		result = cg_system_from_json_meta(&sys[i], item, err);
		if (result == CG_OK && !sys[i].id)
			result = cg_error_set(err, CG_E_INVALID, "id", N_("id: is required"));
		if (result == CG_OK)
			result = cg_system_validate(&sys[i], err);
		if (result == CG_OK)
			result = cg_system_insert_raw(st, &sys[i], err);
		if (result != CG_OK) {
			cg_error_prefix(err, N_("systems[%zu]"), i);
			goto rollback;
		}
	}
	for (i = 0; i < nsys; i++) {
		if ((result = restore_links(st, &sys[i], err)) != CG_OK) {
			cg_error_prefix(err, N_("systems[%zu]"), i);
			goto rollback;
		}
	}
	if ((result = array_of(root, "catalogs", &v, err)) != CG_OK)
		goto rollback;
	json_array_foreach(v, i, item) {
		if ((result = restore_catalog(st, item, i, err)) != CG_OK)
			goto rollback;
	}
	if ((result = restore_each(st, root, "screenings", cg_screening_restore, err)) != CG_OK)
		goto rollback;
	for (const char *const *t = register_tables; *t; t++) {
		if ((result = array_of(root, *t, &v, err)) != CG_OK)
			goto rollback;
		json_array_foreach(v, i, item) {
			if ((result = cg_obligation_restore(st, *t, item, err)) != CG_OK) {
				cg_error_prefix(err, "%s[%zu]", *t, i);
				goto rollback;
			}
		}
	}
	if ((result = restore_each(st, root, "incidents", cg_incident_restore, err)) != CG_OK)
		goto rollback;
	if ((result = restore_each(st, root, "secrets", cg_secret_restore, err)) != CG_OK)
		goto rollback;
	if ((result = restore_each(st, root, "records", cg_records_restore, err)) != CG_OK)
		goto rollback;
	if ((result = restore_each(st, root, "users", cg_user_restore, err)) != CG_OK ||
	    (result = restore_each(st, root, "api_tokens", cg_token_restore, err)) != CG_OK ||
	    (result = array_of(root, "audit_events", &v, err)) != CG_OK)
		goto rollback;
	json_array_foreach(v, i, item) {
		if ((result = restore_event(st, item, i, err)) != CG_OK)
			goto rollback;
	}
	/* The restored database must verify, or nothing of it is kept. */
	struct cg_audit_report rep;
	if ((result = cg_audit_verify(st, NULL, &rep, err)) != CG_OK) {
		cg_error_prefix(err, N_("the imported data does not verify"));
		goto rollback;
	}
	result = cg_store_commit(st, err);
	goto out;
rollback:
	cg_store_rollback(st);
out:
	cg_system_array_free(sys, nsys);
	json_decref(root);
	return result;
}

cg_code cg_migrate(struct cg_store *src, struct cg_store *dst, struct cg_error *err)
{
	char *doc = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&doc, &len);
	char h1[CG_HASH_HEX], h2[CG_HASH_HEX];
	int64_t n1, n2;
	cg_code result;

	if (!f)
		return cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
	result = cg_export(src, f, err);
	if (fclose(f) != 0 && result == CG_OK)
		result = cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
	if (result == CG_OK)
		result = cg_import(dst, doc, len, err);
	if (result == CG_OK && (result = cg_audit_head(src, &n1, h1, err)) == CG_OK &&
	    (result = cg_audit_head(dst, &n2, h2, err)) == CG_OK && (n1 != n2 || strcmp(h1, h2) != 0))
		result = cg_error_set(err, CG_E_INTERNAL, NULL,
				      N_("the copy's audit head (%s, %lld events) differs from the source's (%s, %lld events)"),
				      h2, (long long)n2, h1, (long long)n1);
	free(doc);
	return result;
}
