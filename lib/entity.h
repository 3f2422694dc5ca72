/* The record types the audit trail covers, each able to list its current canonical states. */
#ifndef CG_ENTITY_H
#define CG_ENTITY_H

#include <stddef.h>
#include "ciiguard/operator.h"
#include "ciiguard/store.h"
#include "ciiguard/system.h"

/* Receives one current record; non-zero stops the walk. */
typedef int (*cg_canon_fn)(const char *entity_type, const char *id, const char *canon,
			   size_t len, void *ud);

struct cg_entity_type {
	const char *name;
	cg_code (*each_canonical)(struct cg_store *st, cg_canon_fn fn, void *ud, struct cg_error *err);
	/* Finds rows of the record's side tables that belong to no record (added behind ciiguard's
	 * back): CG_E_TAMPERED naming the row in `bad`. NULL when the record has none. */
	cg_code (*check_rows)(struct cg_store *st, char *bad, size_t n, struct cg_error *err);
};

/* NULL-terminated by a zero entry. */
extern const struct cg_entity_type cg_entity_types[];

cg_code cg_system_each_canonical(struct cg_store *st, cg_canon_fn fn, void *ud, struct cg_error *err);
cg_code cg_system_check_rows(struct cg_store *st, char *bad, size_t n, struct cg_error *err);
cg_code cg_operator_each_canonical(struct cg_store *st, cg_canon_fn fn, void *ud, struct cg_error *err);
struct json_t;
/* The screening history (lib/screen.c); rows are restored as exported. */
cg_code cg_screening_each_canonical(struct cg_store *st, cg_canon_fn fn, void *ud, struct cg_error *err);
cg_code cg_screening_restore(struct cg_store *st, struct json_t *row, struct cg_error *err);
/* Imported catalog libraries: {imported_at, locale, name, sha256 (of the content), urn, version}. */
cg_code cg_catalog_each_canonical(struct cg_store *st, cg_canon_fn fn, void *ud, struct cg_error *err);

/* The obligation register (lib/obligation.c): entities "obligation", "evidence" (stated by the
 * hash of its content) and "evidence_link"; export rows are whole (evidence with its content). */
cg_code cg_obligation_each_canonical(struct cg_store *st, cg_canon_fn fn, void *ud, struct cg_error *err);
cg_code cg_evidence_each_canonical(struct cg_store *st, cg_canon_fn fn, void *ud, struct cg_error *err);
cg_code cg_evidence_link_each_canonical(struct cg_store *st, cg_canon_fn fn, void *ud, struct cg_error *err);
cg_code cg_obligation_each_row(struct cg_store *st, const char *table, cg_canon_fn fn, void *ud,
			       struct cg_error *err);
cg_code cg_obligation_restore(struct cg_store *st, const char *table, struct json_t *row, struct cg_error *err);

/* Incidents (lib/incident.c): the stored document, its columns overlaid. */
cg_code cg_incident_each_canonical(struct cg_store *st, cg_canon_fn fn, void *ud, struct cg_error *err);
cg_code cg_incident_restore(struct cg_store *st, struct json_t *doc, struct cg_error *err);

/* The governance registers (lib/register.c): the audited states of one kind, and the table rows. */
cg_code cg_records_each_canonical(struct cg_store *st, const char *kind, cg_canon_fn fn, void *ud, struct cg_error *err);
cg_code cg_records_each_row(struct cg_store *st, cg_canon_fn fn, void *ud, struct cg_error *err);
cg_code cg_records_restore(struct cg_store *st, struct json_t *row, struct cg_error *err);

/* Accounts (lib/account.c): audited states, and export rows with the stored hashes. */
cg_code cg_user_each_canonical(struct cg_store *st, cg_canon_fn fn, void *ud, struct cg_error *err);
cg_code cg_token_each_canonical(struct cg_store *st, cg_canon_fn fn, void *ud, struct cg_error *err);
cg_code cg_user_each_row(struct cg_store *st, cg_canon_fn fn, void *ud, struct cg_error *err);
cg_code cg_token_each_row(struct cg_store *st, cg_canon_fn fn, void *ud, struct cg_error *err);
cg_code cg_user_restore(struct cg_store *st, struct json_t *row, struct cg_error *err);
cg_code cg_token_restore(struct cg_store *st, struct json_t *row, struct cg_error *err);

/* The field-table entry of a system field ("ai.kind"), or NULL. */
struct cg_field;
const struct cg_field *cg_system_field_info(const char *name);

/* Internal writers used by import/restore: insert a record exactly as given (no audit). */
cg_code cg_system_insert_raw(struct cg_store *st, const struct cg_system *s, struct cg_error *err);
cg_code cg_operator_insert_raw(struct cg_store *st, const struct cg_operator *op, struct cg_error *err);
/* Parses one record for restore, keeping timestamps. */
struct json_t;
cg_code cg_system_from_json_meta(struct cg_system *s, struct json_t *obj, struct cg_error *err);
cg_code cg_operator_from_json_meta(struct cg_operator *op, struct json_t *obj, struct cg_error *err);

#endif
