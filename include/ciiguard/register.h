/*
 * The governance registers (Order 745 Arts. 13-21, 31): third parties and their agreements,
 * procurements and their cybersecurity review, people in key positions. Each register is a kind
 * of record described by a field table; records are JSON documents, validated field by field,
 * audited (entity = the kind; personal fields enter the trail as hashes), exported and imported.
 * What the records mean for the operator's duties (gaps and deadlines) is computed by
 * cg_register_findings from the records and the catalog.
 */
#ifndef CIIGUARD_REGISTER_H
#define CIIGUARD_REGISTER_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "ciiguard/buf.h"
#include "ciiguard/catalog.h"
#include "ciiguard/error.h"
#include "ciiguard/store.h"

enum cg_rtype {
	CG_R_TEXT,    /* one line, at most 200 bytes */
	CG_R_LONG,    /* text, at most 20,000 bytes */
	CG_R_ENUM,    /* one of values */
	CG_R_DATE,    /* YYYY-MM-DD */
	CG_R_BOOL,
	CG_R_AMOUNT,  /* number >= 0 (RMB) */
	CG_R_LIST,    /* list of one-line texts */
	CG_R_SYSTEMS, /* list of stored system ids */
	CG_R_REF,     /* the id of a record of kind `ref` */
	CG_R_YEARS,   /* {"YYYY": number >= 0}: e.g. training hours per year */
	CG_R_REFS,    /* list of ids of records of kind `ref` */
};

#define CG_RF_REQUIRED 1u
#define CG_RF_PERSONAL 2u /* enters the audit trail as a keyed hash, never as its value; seen only by
                             * the roles of cg_role_sees_personal */

struct cg_rfield {
	const char *name;
	enum cg_rtype type;
	const char *const *values; /* CG_R_ENUM */
	unsigned flags;
	const char *ref;           /* CG_R_REF: the kind referred to */
};

struct cg_rkind {
	const char *name;   /* "vendor": the command, the audit entity and the export key */
	const char *prefix; /* of generated ids: "VEN" */
	const struct cg_rfield *fields; /* zero-terminated */
	/* Rules across fields and records, after the fields are checked (may be NULL). */
	cg_code (*check)(struct cg_store *st, const struct cg_catalog *c, json_t *doc, struct cg_error *err);
};

/* The kinds, zero-terminated; and one by name (NULL when unknown). */
extern const struct cg_rkind cg_rkinds[];
const struct cg_rkind *cg_rkind_find(const char *name);

/*
 * Adds a record from a JSON object of fields ("id" optional: PREFIX-NNNN). Every field is
 * checked before anything is written; errors name the field. *out gets the stored document.
 */
cg_code cg_record_add(struct cg_store *st, const char *actor, const struct cg_catalog *c, const struct cg_rkind *k,
		      json_t *fields, json_t **out, struct cg_error *err) CG_MUST_CHECK;
/* Changes the given fields of record `id` (null clears an optional field). */
cg_code cg_record_update(struct cg_store *st, const char *actor, const struct cg_catalog *c, const struct cg_rkind *k,
			 const char *id, json_t *fields, json_t **out, struct cg_error *err) CG_MUST_CHECK;
/* Deletes a record; refused while another record refers to it. */
cg_code cg_record_delete(struct cg_store *st, const char *actor, const struct cg_rkind *k, const char *id,
			 struct cg_error *err) CG_MUST_CHECK;
cg_code cg_record_get(struct cg_store *st, const struct cg_rkind *k, const char *id, json_t **out,
		      struct cg_error *err) CG_MUST_CHECK;
/* The records of a kind in id order; *out NULL on failure. */
cg_code cg_record_list(struct cg_store *st, const struct cg_rkind *k, json_t **out, struct cg_error *err) CG_MUST_CHECK;
/* Adds (or with `update`, replaces) every record of a JSON array, all or nothing. */
cg_code cg_record_import(struct cg_store *st, const char *actor, const struct cg_catalog *c, const struct cg_rkind *k,
			 json_t *array, bool update, size_t *created, size_t *updated, struct cg_error *err) CG_MUST_CHECK;

/* The value of field `f` from text (a CSV cell or an option): booleans yes/no/true/false/1/0/
 * 是/否; lists comma-separated; years "2026:32,2025:30". Bad text stays a string, refused later
 * with the field's name. */
json_t *cg_record_value_from_text(const struct cg_rfield *f, const char *text);
/* Records of kind k from CSV (UTF-8 with or without BOM, or GB18030): a header of field names
 * (and id); empty cells are omitted. A new JSON array for cg_record_import. */
cg_code cg_record_parse_csv(const struct cg_rkind *k, const char *data, size_t len, json_t **out,
			    struct cg_error *err) CG_MUST_CHECK;
/* The roles of accounts (issue 7's HTTP API): admin, security_officer (the security body),
 * principal, project_owner, procurement, auditor. NULL-terminated. */
extern const char *const cg_roles[];
bool cg_role_valid(const char *role);
/* Only admin and security_officer see people's personal data (background-check results,
 * identity changes). */
bool cg_role_sees_personal(const char *role);
/* Removes the personal fields of a record (an object) or of each record (an array) for a viewer
 * of `role` who may not see them, naming them in "redacted": [FIELD, ...]. The command line acts
 * as admin: whoever can open the database file has the data. */
void cg_record_redact(const struct cg_rkind *k, json_t *doc, const char *role);

/* The records of `list` as CSV (every field, lists comma-joined in one cell). */
cg_code cg_record_csv(const struct cg_rkind *k, json_t *list, struct cg_buf *out, struct cg_error *err) CG_MUST_CHECK;

/*
 * What the records say about the duties: {"today", "findings": [{"register", "id", "kind": "gap"
 * | "deadline", "rule", "source", "text", "due" (YYYY-MM-DD or null), "overdue", "sanction",
 * "exposure": {min_cny, max_cny} or {min_times_amount, max_times_amount, amount_cny}}]}, texts
 * in `lang`. Rules and figures come from the catalog (catalog/registers.yaml).
 */
cg_code cg_register_findings(struct cg_store *st, const struct cg_catalog *c, enum cg_lang lang, json_t **out,
			     struct cg_error *err) CG_MUST_CHECK;

/* The perimeters of the stored systems as the caller has them: n systems, each with an id and a
 * perimeter (an index of cg_perimeter_names); find gives the index of an id or -1. */
struct cg_perim_src {
	size_t n;
	const char *(*id)(void *ud, size_t i);
	int (*perim)(void *ud, size_t i);
	long (*find)(void *ud, const char *id);
	void *ud;
};

/*
 * The status the records give the obligations a register rule proves (its `proves` key):
 * {"rows": {"SCOPE|URN": row}, "defaults": {URN: {"perimeters": [...], "row": row}}}. A row is
 * {"status": "met" | "in_progress" | "not_started", "overdue", "last_met"?, "due"?, "rules",
 * "records": ["KIND:ID", ...], "priced"?: [{"ref", "min_cny", "max_cny"}]}; a default is the row
 * of a system of those perimeters for which no record exists (an annual assessment never made).
 */
cg_code cg_register_derive(struct cg_store *st, const struct cg_catalog *c, const struct cg_perim_src *ps,
			   json_t **out, struct cg_error *err) CG_MUST_CHECK;

/* The row that decides the status of (scope, urn) for a system of perimeter `perim` (or the
 * organisation's best): a stored not_applicable stands; otherwise a derived row, else a default,
 * else the stored row (may be NULL). Borrowed. */
json_t *cg_register_effective(json_t *derived, json_t *stored, const char *key, const char *urn, int perim);

/* `date` plus `n` working days on the catalog's calendar; *provisional when a year crossed
 * has no calendar (weekends only are counted there). False on a bad date. */
bool cg_workdays_add(const struct cg_catalog *c, const char *date, int n, char out[11], bool *provisional);

#endif
