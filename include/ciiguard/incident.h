/*
 * Cybersecurity incidents: grading under the 2025 grading guide, the reporting clocks of the 2025
 * Measures and Order 745 Art. 18, incident records with their timeline and submissions, and the
 * report documents. Thresholds, recipients and clocks are catalog data (catalog/incidents.yaml);
 * this module evaluates them.
 */
#ifndef CIIGUARD_INCIDENT_H
#define CIIGUARD_INCIDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "ciiguard/buf.h"
#include "ciiguard/catalog.h"
#include "ciiguard/error.h"
#include "ciiguard/store.h"

/* Grades, lowest first: "general", "relatively_major", "major", "particularly_major". */
enum cg_grade { CG_GRADE_GENERAL, CG_GRADE_RELATIVELY_MAJOR, CG_GRADE_MAJOR, CG_GRADE_PARTICULARLY_MAJOR, CG_GRADE__COUNT };
extern const char *const cg_grade_names[];
/* The index of a grade name, or -1. */
int cg_grade_index(const char *name);

/* The type of a grading input. */
enum cg_gtype {
	CG_G_TIME,    /* RFC 3339 */
	CG_G_COUNT,   /* whole number >= 0 */
	CG_G_PERCENT, /* number in [0, 100] */
	CG_G_AMOUNT,  /* number >= 0 (RMB) */
	CG_G_ENUM,    /* one of values */
	CG_G_BOOL,
};

struct cg_grade_input {
	const char *name;
	enum cg_gtype type;
	const char *const *values; /* CG_G_ENUM: NULL-terminated; values[0] is the default */
};
/* The keys `incident grade --input` accepts (and incidents store), zero-terminated. */
extern const struct cg_grade_input cg_grade_inputs[];
const struct cg_grade_input *cg_grade_input_find(const char *name);

/*
 * Checks grading input given as a JSON object: every key known (an unknown key is an error
 * naming it, so that a mistyped key cannot silently lower a grade), each of its type, and
 * `discovered_at` present. Returns a new object with every key, missing ones filled with zero,
 * false or the enum default, and discovered_at normalised to UTC.
 */
cg_code cg_grade_input_check(json_t *in, json_t **out, struct cg_error *err) CG_MUST_CHECK;

/*
 * Grades checked input (cg_grade_input_check): {"grade", "must_report", "criteria": [{"criterion",
 * "grade", "source", "confidence", "text", "value", "threshold"}], "draft_criteria": N,
 * "reports": [{"recipient", "due_at", "within_minutes", "statutory", "source"}], "escalations":
 * [{"by", "to", "within_minutes", "source"}], "final_report_due_days", "supplement_within_minutes",
 * "discovered_at", "operator_type", "involves_cii", "catalog_version"}. due_at is RFC 3339 in
 * Asia/Shanghai (+08:00), or null for "promptly". Texts in `lang`.
 */
cg_code cg_grade(const struct cg_catalog *c, json_t *input, enum cg_lang lang, json_t **result,
		 struct cg_error *err) CG_MUST_CHECK;

/* The grade alone of checked input, an index of cg_grade_names: cg_grade's "grade" without the
 * criteria, reports and texts (what an incident's record keeps). */
int cg_grade_level(const struct cg_catalog *c, json_t *input);

/* Grades input given as JSON text (`incident grade --input`); stores nothing. */
cg_code cg_grade_text(const struct cg_catalog *c, const char *json, size_t len, enum cg_lang lang,
		      json_t **result, struct cg_error *err) CG_MUST_CHECK;

/* --- incident records --- */

#define CG_INCIDENT_ID_MAX 64

/* Incident types (the seeds' AI events first among the others' names: ai_*), NULL-terminated. */
extern const char *const cg_incident_types[];
/* Who detected it: "self", "provider", "regulator", "public". */
extern const char *const cg_incident_detectors[];
/* Report kinds: "initial", "supplement", "final". */
extern const char *const cg_report_kinds[];

/* True when `name` is a field an incident record accepts. */
bool cg_incident_field_known(const char *name);

/*
 * Opens an incident from a JSON object of fields: title, type and discovered_at are required;
 * detected_by (default self), occurred_at, systems (ids of stored systems), the narrative
 * (description, measures, cause, trend, further_measures, support_requested,
 * scene_preservation, tracing_leads, harm, accountability, remediation, lessons), the ransom
 * (ransom_amount, ransom_method, ransom_demanded_at), and the grading figures of
 * cg_grade_inputs except operator_type and involves_cii, which come from the operator profile
 * and the systems. "id" is optional (default INC-YYYYMMDD-NNN). Times are stored in UTC. The
 * incident is graded on every write and the grade history kept. Audited as entity "incident".
 * *out gets the stored document.
 */
cg_code cg_incident_open(struct cg_store *st, const char *actor, const struct cg_catalog *c, json_t *fields,
			 json_t **out, struct cg_error *err) CG_MUST_CHECK;
/* Changes the given fields (all checked before any is applied). */
cg_code cg_incident_update(struct cg_store *st, const char *actor, const struct cg_catalog *c, const char *id,
			   json_t *fields, json_t **out, struct cg_error *err) CG_MUST_CHECK;
/* Ends handling (handled_at: NULL for now; not in the future, not before discovery). */
cg_code cg_incident_close(struct cg_store *st, const char *actor, const struct cg_catalog *c, const char *id,
			  const char *handled_at, json_t **out, struct cg_error *err) CG_MUST_CHECK;
/* Appends an action to the timeline (at: NULL for now). */
cg_code cg_incident_action(struct cg_store *st, const char *actor, const struct cg_catalog *c, const char *id,
			   const char *text, const char *at, struct cg_error *err) CG_MUST_CHECK;

/* A report sent: kind, recipient, when (NULL: now), channel, the SHA-256 of what was sent. */
struct cg_incident_submission {
	const char *kind, *recipient, *at, *channel, *sha256;
};
cg_code cg_incident_submit(struct cg_store *st, const char *actor, const struct cg_catalog *c, const char *id,
			   const struct cg_incident_submission *s, struct cg_error *err) CG_MUST_CHECK;

/* The stored document (caller decrefs); CG_E_NOTFOUND naming the id. */
cg_code cg_incident_get(struct cg_store *st, const char *id, json_t **doc, struct cg_error *err) CG_MUST_CHECK;
/* Incidents, latest discovered first, optionally of one status ("open", "closed"). */
cg_code cg_incident_list(struct cg_store *st, const char *status, json_t **out, struct cg_error *err) CG_MUST_CHECK;
/* Grades a stored incident (cg_grade's result plus "incident"). */
cg_code cg_incident_grade(struct cg_store *st, const struct cg_catalog *c, const char *id, enum cg_lang lang,
			  json_t **result, struct cg_error *err) CG_MUST_CHECK;

/*
 * The deadlines of one incident (its stored document): an initial report per recipient of its
 * grade, due from discovery; a supplement per recipient when the grade rose after the last
 * report sent to it; a final report per statutory recipient, due after handling ended. Each
 * {"source": "incident", "incident", "title", "kind", "recipient", "due_at" (Asia/Shanghai, or
 * null for "promptly"), "met", "overdue", "submitted_at", "basis"} (the citation, in `lang`).
 */
cg_code cg_incident_deadlines(struct cg_store *st, const struct cg_catalog *c, json_t *doc, enum cg_lang lang,
			      json_t **out, struct cg_error *err) CG_MUST_CHECK;

/*
 * Every open deadline of the product, soonest first ("promptly" ones first): the incidents'
 * unmet reports and the obligation register's open obligations with a due date (and the
 * clocks others owe once a duty is met, kind "follow_up", never overdue). `within_ms` >= 0
 * keeps only what is overdue, "promptly" or due within that time from now.
 * {"now", "deadlines": [...], "overdue": N, "open": N}.
 */
cg_code cg_due(struct cg_store *st, const struct cg_catalog *c, int64_t within_ms, enum cg_lang lang,
	       json_t **out, struct cg_error *err) CG_MUST_CHECK;
/* How many deadlines cg_due lists with no window ("open") and how many of them are overdue,
 * reading the incidents one at a time: for /metrics, whatever the number of incidents. */
cg_code cg_due_counts(struct cg_store *st, const struct cg_catalog *c, int64_t *open, int64_t *overdue,
		      struct cg_error *err) CG_MUST_CHECK;

/*
 * The report of `kind` ("initial", "supplement", "final") of incident `id`, filled in with what
 * the Measures ask for: {"incident", "kind", "lang", "title", "incident_title", "generated_at",
 * "sections": [{"key", "heading", "text", "items": [[label, value]], "pending"}], "pending":
 * [headings with nothing yet], "complete", "catalog_version"}. A final report needs the
 * incident closed (handling ended).
 */
cg_code cg_incident_report_json(struct cg_store *st, const struct cg_catalog *c, const char *id, const char *kind,
				enum cg_lang lang, json_t **out, struct cg_error *err) CG_MUST_CHECK;
/* The same as a document: `format` "md" (Markdown), "html" (a whole page) or "json". */
cg_code cg_incident_report(struct cg_store *st, const struct cg_catalog *c, const char *id, const char *kind,
			   const char *format, enum cg_lang lang, struct cg_buf *out, struct cg_error *err) CG_MUST_CHECK;

/*
 * The incidents at a glance: {"open": incidents still being handled, "reports_due": unmet report
 * deadlines, "reports_overdue", "next_reports": up to 5 of them, soonest first, citations in `lang`}.
 */
cg_code cg_incident_summary(struct cg_store *st, const struct cg_catalog *c, enum cg_lang lang, json_t **out,
			    struct cg_error *err) CG_MUST_CHECK;

/* Formats Unix milliseconds as RFC 3339 in Asia/Shanghai ("2026-11-24T16:00:00+08:00"). */
void cg_time_shanghai(int64_t ms, char out[40]);

#endif
