/*
 * Screening: where a system stands against the CII perimeter (Order 745 Arts. 2, 9, 10), by the
 * screening rules of the catalog, and which of the AI scenarios apply.
 */
#ifndef CIIGUARD_SCREEN_H
#define CIIGUARD_SCREEN_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "ciiguard/catalog.h"
#include "ciiguard/error.h"
#include "ciiguard/store.h"
#include "ciiguard/system.h"

/* Ordered: a higher value is further inside. */
enum cg_perimeter { CG_PERIM_OUTSIDE, CG_PERIM_NEAR_CII, CG_PERIM_LIKELY_CII, CG_PERIM_CII, CG_PERIM__COUNT };
extern const char *const cg_perimeter_names[]; /* "outside", "near_cii", "likely_cii", "cii" */

/*
 * Decides whether a system is linked to a system whose result (by the rules that do not look
 * at links) is among `wanted` (a bit per enum cg_perimeter).
 */
typedef bool (*cg_linked_fn)(void *ud, unsigned wanted);

/*
 * Screens one system given as a JSON object with the system record's field names. `linked`
 * answers the linked_to tests (NULL: never linked). Returns a new JSON result (caller decrefs):
 * {"perimeter", "reasons": [{"rule", "perimeter", "refines", "source", "text"}],
 *  "ai_scenarios": [{"id", "text", "duties": [...]}], "catalog_version"}, texts in `lang`.
 */
cg_code cg_screen_json(const struct cg_catalog *c, json_t *system, cg_linked_fn linked, void *ud,
		       enum cg_lang lang, json_t **result, struct cg_error *err) CG_MUST_CHECK;

/*
 * Screens a system described in JSON text (`screen --input`): the system record's fields, all
 * optional (missing means false, none or zero), plus "coupled_to_cii": true for a link to a
 * cii or likely-CII system. Unknown keys are an error naming the key. Stores nothing.
 */
cg_code cg_screen_input(const struct cg_catalog *c, const char *json, size_t len, enum cg_lang lang,
			json_t **result, struct cg_error *err) CG_MUST_CHECK;

/* Screens stored system `id`, its links resolved against the whole inventory. */
cg_code cg_screen_stored(struct cg_store *st, const struct cg_catalog *c, const char *id,
			 enum cg_lang lang, json_t **result, struct cg_error *err) CG_MUST_CHECK;

#endif
