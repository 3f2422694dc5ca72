/* What lib/obligation.c shares with lib/portfolio.c, which computes cg_status in one pass. */
#ifndef CG_OBLIGATION_INT_H
#define CG_OBLIGATION_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include "ciiguard/catalog.h"
#include "ciiguard/error.h"
#include "ciiguard/store.h"

/* A requirement node of kind duty or control / of kind duty. */
bool cg_obl_is_obligation(json_t *node);
bool cg_obl_is_duty(json_t *node);
bool cg_obl_has_string(json_t *arr, const char *s);
/* Days after last_met for a recurring cadence; 0 for the others. */
int64_t cg_obl_cadence_days(json_t *cadence);
bool cg_obl_add_days(const char *date, int64_t days, char out[11]);
/* The stored status row of (scope, urn), or NULL in *row. */
cg_code cg_obl_status_row(struct cg_store *st, const char *scope, const char *urn, json_t **row,
			  struct cg_error *err);
/* A register item (see cg_obligations); status and counts keyed "SCOPE|URN"; derived: what the
 * governance records show (cg_register_derive), may be NULL. */
json_t *cg_obl_make_item(const struct cg_catalog *c, json_t *node, const char *scope, int perim, json_t *status,
			 json_t *derived, json_t *counts, const char *today, enum cg_lang lang);
/* Sets counts[key] to the number of evidence links of (scope, urn) when there are any. */
cg_code cg_obl_evidence_count(struct cg_store *st, const char *scope, const char *urn, json_t *counts,
			      const char *key, struct cg_error *err);
/* cg_status computed from the whole register, item by item: the reference of the tests. */
cg_code cg_status_reference(struct cg_store *st, const struct cg_catalog *c, enum cg_lang lang, json_t **out,
			    struct cg_error *err);

#endif
