/* The operator profile: the organisation whose systems ciiguard tracks. */
#ifndef CIIGUARD_OPERATOR_H
#define CIIGUARD_OPERATOR_H

#include <stdbool.h>
#include <stdint.h>
#include "ciiguard/buf.h"
#include "ciiguard/error.h"
#include "ciiguard/store.h"

struct cg_operator {
	char *id;                    /* always "operator": there is one */
	char *name;
	int sector;                  /* enum cg_sector */
	char *protection_department; /* 保护工作部门: the department responsible for its sector */
	bool notified_cii;           /* notified by that department that it operates CII */
	char *notified_at;           /* YYYY-MM-DD, or NULL */
	bool central_or_state_organ; /* a central or state organ or an affiliated unit */
	char *created_at, *updated_at;
	uint64_t given;              /* fields given in the input (bit per field) */
	char *corrupt;               /* set when read back from a row edited outside ciiguard */
};

extern const char *const cg_operator_field_names[];

void cg_operator_init(struct cg_operator *op);
void cg_operator_release(struct cg_operator *op);
/* Sets one field from text (see cg_system_set_field for the forms accepted). */
cg_code cg_operator_set_field(struct cg_operator *op, const char *name, const char *value,
			      struct cg_error *err) CG_MUST_CHECK;
cg_code cg_operator_from_json(struct cg_operator *op, const char *json, size_t len,
			      struct cg_error *err) CG_MUST_CHECK;
cg_code cg_operator_validate(const struct cg_operator *op, struct cg_error *err) CG_MUST_CHECK;
cg_code cg_operator_to_json(const struct cg_operator *op, struct cg_buf *out) CG_MUST_CHECK;

/* Records the operator; CG_E_EXISTS when the database already has one. */
cg_code cg_operator_create(struct cg_store *st, const char *actor, struct cg_operator *op,
			   struct cg_error *err) CG_MUST_CHECK;
/* Loads the operator; CG_E_NOTFOUND before `init`. */
cg_code cg_operator_get(struct cg_store *st, struct cg_operator *out, struct cg_error *err)
	CG_MUST_CHECK;
cg_code cg_operator_update(struct cg_store *st, const char *actor, struct cg_operator *op,
			   struct cg_error *err) CG_MUST_CHECK;

/*
 * Loads the built-in demo: a fictional provincial grid company and its systems, texts in
 * `lang`. Fails with CG_E_EXISTS on a database that already has an operator.
 */
cg_code cg_demo_load(struct cg_store *st, const char *actor, enum cg_lang lang,
		     struct cg_error *err) CG_MUST_CHECK;

#endif
