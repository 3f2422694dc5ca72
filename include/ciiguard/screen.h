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
 * Evaluates a `when` condition of the catalog (screening rules, applies_when) on a system given
 * as the JSON of its record; linked_to tests ask `linked` (NULL: never linked). `item` names the
 * catalog item in messages. Returns 1 (holds), 0 (does not) or -1 (malformed; err is set).
 */
int cg_condition_eval(json_t *when, json_t *system, cg_linked_fn linked, void *ud, const char *item,
		      struct cg_error *err);

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

/*
 * Screens stored system `id` and records the result in its screening history (audited as entity
 * "screening", id "SYSTEM#N"): the perimeter, the rules that matched, the catalog version and a
 * snapshot of the fields the perimeter rules read, so that a later change can be flagged.
 */
cg_code cg_screen_record(struct cg_store *st, const char *actor, const struct cg_catalog *c,
			 const char *id, enum cg_lang lang, json_t **result, struct cg_error *err) CG_MUST_CHECK;

/*
 * The screening history of system `id`, oldest first, as a JSON array of
 * {"at", "perimeter", "rules", "catalog_version", "actor"} (caller decrefs).
 */
cg_code cg_screen_history(struct cg_store *st, const char *id, json_t **history,
			  struct cg_error *err) CG_MUST_CHECK;

/*
 * Whether system `id` needs screening again: never screened, or a field the perimeter rules read
 * (or its links) changed since the last screening. *last gets that screening's perimeter
 * ("" when none).
 */
cg_code cg_screen_stale(struct cg_store *st, const struct cg_catalog *c, const char *id,
			bool *stale, char last[16], struct cg_error *err) CG_MUST_CHECK;

/*
 * The decisive fields of stored system `id` (those the perimeter rules read, and its links) as
 * canonical JSON text (caller frees): what a screening records and cg_screen_stale compares.
 */
cg_code cg_screen_snapshot(struct cg_store *st, const struct cg_catalog *c, const char *id,
			   char **out, struct cg_error *err) CG_MUST_CHECK;

#endif
