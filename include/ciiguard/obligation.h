/*
 * The obligation register: which duties and controls of the catalog bind the organisation and
 * each system (computed from the catalog and the screening, never stored), the status people
 * record for them, the evidence attached, and what the open ones expose the operator to.
 * The writers run in the caller's transaction when one is open, else in their own.
 */
#ifndef CIIGUARD_OBLIGATION_H
#define CIIGUARD_OBLIGATION_H

#include <stddef.h>
#include <jansson.h>
#include "ciiguard/audit.h"
#include "ciiguard/catalog.h"
#include "ciiguard/error.h"
#include "ciiguard/store.h"

/* The scope of the duties of the operator as a whole (applies_to: organisation). */
#define CG_SCOPE_ORGANISATION "organisation"

/*
 * The largest evidence file accepted. A limit of the installation, not a rule of law: files
 * are kept in the database (base64 text), so this bounds its growth per attachment.
 */
#define CG_EVIDENCE_MAX_BYTES ((size_t)10 << 20)

/* "not_started", "in_progress", "met", "not_applicable", NULL-terminated. */
extern const char *const cg_obligation_status_names[];

/*
 * The register of `scope` (CG_SCOPE_ORGANISATION or a system id; NULL: the organisation and
 * every system). Returns a new JSON object (caller decrefs):
 * {"today", "catalog_version", "systems": [{"id", "name", "perimeter"}],
 *  "obligations": [{"scope", "perimeter", "urn", "ref_id", "name", "kind", "cadence", "source",
 *                   "status", "owner", "reason", "last_met", "due", "overdue", "gap",
 *                   "sanction", "evidence"}]}.
 * Duties come before controls within a scope, each in catalog order.
 * A node binds a system when its applies_to holds the system's perimeter and its applies_when
 * holds; nodes that list `organisation` bind the organisation once, as soon as one system is
 * in one of the other perimeters they list (always, when they list only organisation). The due
 * date is the explicit one, else last_met plus the cadence (annual: 365 days, every_days: N);
 * overdue means due before today (cg_now). A gap is an obligation not met nor not applicable,
 * or met but overdue. Fails with CG_E_NOTFOUND for an unknown system.
 */
cg_code cg_obligations(struct cg_store *st, const struct cg_catalog *c, const char *scope,
		       enum cg_lang lang, json_t **out, struct cg_error *err) CG_MUST_CHECK;

/* Every stored system's perimeter, screened with links: {"ID": "cii"|...} (caller decrefs). */
cg_code cg_perimeters(struct cg_store *st, const struct cg_catalog *c, json_t **out, struct cg_error *err) CG_MUST_CHECK;

/* What `obligations set` records; NULL members keep the stored value (see cg_obligation_set). */
struct cg_obligation_update {
	const char *status; /* required: one of cg_obligation_status_names */
	const char *owner;
	const char *reason; /* required (here or stored) for not_applicable */
	const char *met_on; /* YYYY-MM-DD; defaults to today when the status becomes met */
	const char *due;    /* YYYY-MM-DD; "" clears it. Cleared when met unless given */
};

/*
 * Records the status of obligation `urn` (a requirement node of kind duty or control; the
 * short form "order-745:art-15-1" is accepted) in `scope`, audited as entity "obligation" with
 * id "SCOPE|URN". Errors name the field: an unknown status, a missing reason, a bad date, a
 * scope that is neither the organisation nor a stored system.
 */
cg_code cg_obligation_set(struct cg_store *st, const char *actor, const struct cg_catalog *c,
			  const char *scope, const char *urn, const struct cg_obligation_update *u,
			  struct cg_error *err) CG_MUST_CHECK;

/* The gaps of the register, most severe first: overdue, then by the perimeter of the scope
 * (cii first), the largest entity fine of the sanction, duties before controls. Same item
 * shape as cg_obligations, plus "severity_cny" (the maximum entity fine; -1 for a fine in
 * multiples of an amount, 0 without a fine). {"today", "gaps": [...]} */
cg_code cg_gaps(struct cg_store *st, const struct cg_catalog *c, enum cg_lang lang, json_t **out,
		struct cg_error *err) CG_MUST_CHECK;

/*
 * The `limit` most severe gaps, in cg_gaps's order and item shape, computed in one pass over the
 * tables without building the register (for portfolios of any size): {"today", "gaps": [...],
 * "total": all gaps, "overdue": overdue gaps}.
 */
cg_code cg_gaps_top(struct cg_store *st, const struct cg_catalog *c, size_t limit, enum cg_lang lang, json_t **out,
		    struct cg_error *err) CG_MUST_CHECK;

/*
 * The gaps priced by the catalog's penalties: {"gaps": [{gap..., "penalty": TIER,
 * "also": [TIER...]}], "totals": {"entity": {"min_cny", "max_cny"}, "persons": {...}},
 * "multiplier_gaps": N}, a TIER being {"id", "source", "text", "entity", "persons"} with
 * {min_cny, max_cny} or {min_times_amount, max_times_amount} (or null). Totals add up the
 * primary tier of each gap; fines in multiples of an amount and the further tiers of `also`
 * are listed but not added up.
 */
cg_code cg_exposure(struct cg_store *st, const struct cg_catalog *c, enum cg_lang lang, json_t **out,
		    struct cg_error *err) CG_MUST_CHECK;

/*
 * The organisation at a glance: {"today", "systems": {"cii": [ids], "likely_cii", "near_cii",
 * "outside"}, "obligations": {"applicable", "met", "open", "overdue", "not_applicable"},
 * "exposure": totals as in cg_exposure, "next_deadlines": [up to 5 items due today or later],
 * "incidents": cg_incident_summary}.
 */
cg_code cg_status(struct cg_store *st, const struct cg_catalog *c, enum cg_lang lang, json_t **out,
		  struct cg_error *err) CG_MUST_CHECK;

/*
 * Attaches a file to obligation `urn` in `scope`: the bytes are stored once, content-addressed
 * by SHA-256 (entity "evidence", id the hash), and linked (entity "evidence_link", id
 * "SCOPE|URN|sha256:HEX"). Files over CG_EVIDENCE_MAX_BYTES are refused. The hash is written
 * to `sha`. Attaching the same file to the same obligation twice is CG_E_EXISTS.
 */
cg_code cg_evidence_add(struct cg_store *st, const char *actor, const struct cg_catalog *c,
			const char *scope, const char *urn, const void *data, size_t len,
			const char *filename, const char *note, char sha[CG_HASH_HEX],
			struct cg_error *err) CG_MUST_CHECK;

/* Whether `given` names the obligation `urn`: the whole URN, or its short form after
 * "urn:ciiguard:req_node:" (order-745:art-17), as every function here that takes a URN reads it. */
bool cg_obligation_urn_is(const char *urn, const char *given);

/* Links an audited ciiguard record ("TYPE:ID", e.g. "system:grid") as evidence. */
cg_code cg_evidence_link(struct cg_store *st, const char *actor, const struct cg_catalog *c,
			 const char *scope, const char *urn, const char *record, const char *note,
			 struct cg_error *err) CG_MUST_CHECK;

/* The evidence links, optionally of one scope and obligation, as a JSON array of
 * {"scope", "urn", "target", "sha256", "size", "filename", "note", "added_at", "added_by"}. */
cg_code cg_evidence_list(struct cg_store *st, const char *scope, const char *urn, json_t **out,
			 struct cg_error *err) CG_MUST_CHECK;

/* The bytes of evidence file `sha` (caller frees *data), checked against the hash. */
cg_code cg_evidence_get(struct cg_store *st, const char *sha, char **data, size_t *len,
			struct cg_error *err) CG_MUST_CHECK;

/*
 * Art. 11: a change to a decisive field (one the perimeter rules read, or a link) of a notified
 * CII system is to be reported to the protection work department. A write that may change
 * systems is bracketed, inside one transaction, by cg_cii_watch_begin (which notes the decisive
 * fields of notified system `id`, or of every notified system when `id` is NULL) and
 * cg_cii_watch_end, which, for each of them that is still notified and whose decisive fields
 * changed, records each duty of the catalog with `deadline.from: cii_change` in the system's
 * scope: status not_started (an unreported earlier change keeps its status and its earlier due
 * date), due today plus `deadline.within`; audited as the acting user. *changes gets a new array
 * of {"system", "urn", "ref_id", "source", "status", "due", "fields": [changed field names]}.
 * _end releases the watch; _release alone is for a write that failed.
 */
struct cg_cii_watch {
	size_t n;
	char **ids, **snaps;
};
cg_code cg_cii_watch_begin(struct cg_store *st, const struct cg_catalog *c, const char *id,
			   struct cg_cii_watch *w, struct cg_error *err) CG_MUST_CHECK;
cg_code cg_cii_watch_end(struct cg_store *st, const char *actor, const struct cg_catalog *c,
			 struct cg_cii_watch *w, json_t **changes, struct cg_error *err) CG_MUST_CHECK;
void cg_cii_watch_release(struct cg_cii_watch *w);

#endif
