/* Unit tests for the obligation register: applicability, due dates, gaps, exposure, evidence. */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "obligation_int.h"

#define ART17 "urn:ciiguard:req_node:order-745:art-17"
#define ART31 "urn:ciiguard:req_node:order-745:art-31"
#define ART19 "urn:ciiguard:req_node:order-745:art-19-review"
#define ART20 "urn:ciiguard:req_node:order-745:art-20"
#define RESILIENCE "urn:ciiguard:req_node:ai-practices:resilience-review"
#define BODY "urn:ciiguard:req_node:order-745:art-14-body"
#define GENAI "urn:ciiguard:req_node:related:genai-security-assessment"
#define UPFRONT "urn:ciiguard:req_node:ai-practices:upfront-screening"
#define MONTHLY "urn:example:req_node:cadence:monthly"

static const char cadence_yaml[] =
	"urn: urn:example:library:cadence\n"
	"name: Cadence test\n"
	"version: 1\n"
	"objects:\n"
	"  framework:\n"
	"    urn: urn:example:framework:cadence\n"
	"    name: Cadence\n"
	"    requirement_nodes:\n"
	"      - urn: " MONTHLY "\n"
	"        name: Monthly check\n"
	"        kind: control\n"
	"        applies_to: [cii]\n"
	"        cadence: {every_days: 30}\n";

struct fx {
	struct cg_store *st;
	struct cg_catalog *cat;
	struct cg_error err;
};

static void add_system(struct fx *f, const char *json)
{
	struct cg_system s;
	cg_system_init(&s);
	if (cg_system_from_json(&s, json, strlen(json), &f->err) != CG_OK ||
	    cg_system_add(f->st, "cli:test", &s, &f->err) != CG_OK)
		fail_msg("add %s: %s", json, f->err.message);
	cg_system_release(&s);
}

#define SYS(id, extra) "{\"id\": \"" id "\", \"name\": \"" id "\", \"sector\": \"other\", " \
	"\"supports_core_business\": false, \"harm_if_compromised\": \"minor\", \"status\": \"production\"" extra "}"

/* A database with a notified CII system, a supplier to CII operators, an outside system and a
 * public generative AI service; the cadence library imported. */
static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct cg_warnings w = { 0 };

	setenv("CIIGUARD_NOW", "2026-11-24T08:00:00Z", 1);
	cg_error_init(&f->err, CG_LANG_EN);
	f->st = cg_test_store();
	add_system(f, SYS("core", ", \"notified_cii\": true, \"notified_at\": \"2025-01-01\""));
	add_system(f, SYS("supplier", ", \"serves_cii_operators\": true"));
	add_system(f, SYS("off", ""));
	add_system(f, SYS("chat", ", \"ai\": {\"kind\": \"generative\", \"model_source\": \"in_house\", \"public_generative_service\": true}"));
	if (cg_catalog_import(f->st, "cli:test", "cadence.yaml", cadence_yaml, strlen(cadence_yaml), &w, &f->err) != CG_OK)
		fail_msg("import: %s", f->err.message);
	cg_warnings_release(&w);
	if (cg_catalog_open(f->st, &f->cat, &f->err) != CG_OK)
		fail_msg("catalog: %s", f->err.message);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	cg_catalog_free(f->cat);
	cg_store_free(f->st);
	free(f);
	return 0;
}

/* The item for (scope, urn) in a register or gap list, or NULL. */
static json_t *find(json_t *items, const char *scope, const char *urn)
{
	json_t *o;
	size_t i;
	json_array_foreach(items, i, o)
		if (strcmp(json_string_value(json_object_get(o, "scope")), scope) == 0 &&
		    strcmp(json_string_value(json_object_get(o, "urn")), urn) == 0)
			return o;
	return NULL;
}

static json_t *reg(struct fx *f, const char *scope)
{
	json_t *doc = NULL;
	if (cg_obligations(f->st, f->cat, scope, CG_LANG_EN, &doc, &f->err) != CG_OK)
		fail_msg("obligations: %s", f->err.message);
	return doc;
}

static cg_code set(struct fx *f, const char *scope, const char *urn, const char *status, const char *met_on,
		   const char *reason)
{
	struct cg_obligation_update u = { .status = status, .met_on = met_on, .reason = reason };
	return cg_obligation_set(f->st, "cli:test", f->cat, scope, urn, &u, &f->err);
}

static void applicability(void **state)
{
	struct fx *f = *state;
	json_t *doc = reg(f, NULL), *all = json_object_get(doc, "obligations");

	/* Art. 17 binds cii and likely_cii only. */
	assert_non_null(find(all, "core", ART17));
	assert_null(find(all, "supplier", ART17));
	assert_null(find(all, "off", ART17));
	/* Art. 31 binds near_cii too. */
	assert_non_null(find(all, "supplier", ART31));
	/* A control for every perimeter, kept as a control. */
	json_t *up = find(all, "off", UPFRONT);
	assert_non_null(up);
	assert_string_equal(json_string_value(json_object_get(up, "kind")), "control");
	/* applies_when: only the public generative service. */
	assert_non_null(find(all, "chat", GENAI));
	assert_null(find(all, "off", GENAI));
	/* Organisation duties are held once, by the organisation, not per system. */
	assert_non_null(find(all, "organisation", BODY));
	assert_null(find(all, "core", BODY));
	/* Imported libraries count. */
	assert_non_null(find(all, "core", MONTHLY));
	/* Never met, no due date: a gap, not overdue. */
	json_t *res = find(all, "core", RESILIENCE);
	assert_string_equal(json_string_value(json_object_get(res, "status")), "not_started");
	assert_true(json_is_true(json_object_get(res, "gap")));
	assert_false(json_is_true(json_object_get(res, "overdue")));
	assert_null(json_object_get(res, "from_records"));
	/* Art. 17 is proved by the assessment register: a CII system with none is overdue. */
	json_t *a17 = find(all, "core", ART17);
	assert_string_equal(json_string_value(json_object_get(a17, "status")), "not_started");
	assert_true(json_is_true(json_object_get(a17, "overdue")));
	assert_string_equal(json_string_value(json_array_get(json_object_get(json_object_get(a17, "from_records"), "rules"), 0)),
			    "annual-assessment");
	json_decref(doc);

	/* Unknown system. */
	doc = NULL;
	assert_int_equal(cg_obligations(f->st, f->cat, "nope", CG_LANG_EN, &doc, &f->err), CG_E_NOTFOUND);
	/* One system only. */
	doc = reg(f, "supplier");
	assert_null(find(json_object_get(doc, "obligations"), "organisation", BODY));
	assert_null(find(json_object_get(doc, "obligations"), "core", ART17));
	json_decref(doc);
}

static void organisation_needs_a_bound_system(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	json_t *doc;
	(void)state;

	cg_error_init(&f->err, CG_LANG_EN);
	f->st = cg_test_store();
	add_system(f, SYS("off", ""));
	assert_int_equal(cg_catalog_open(f->st, &f->cat, &f->err), CG_OK);
	doc = reg(f, NULL);
	assert_null(find(json_object_get(doc, "obligations"), "organisation", BODY));
	json_decref(doc);
	*state = f;
	teardown(state);
}

static const char *due_of(struct fx *f, const char *scope, const char *urn, bool *overdue, bool *gap)
{
	static char out[16];
	json_t *doc = reg(f, scope), *o = find(json_object_get(doc, "obligations"), scope, urn);
	assert_non_null(o);
	snprintf(out, sizeof out, "%s", json_string_value(json_object_get(o, "due")) ? json_string_value(json_object_get(o, "due")) : "");
	*overdue = json_is_true(json_object_get(o, "overdue"));
	*gap = json_is_true(json_object_get(o, "gap"));
	json_decref(doc);
	return out;
}

static void due_dates(void **state)
{
	struct fx *f = *state;
	bool overdue, gap;

	/* Annual: 365 days after the last time met. */
	assert_int_equal(set(f, "core", RESILIENCE, "met", "2025-11-01", NULL), CG_OK);
	assert_string_equal(due_of(f, "core", RESILIENCE, &overdue, &gap), "2026-11-01");
	assert_true(overdue);
	assert_true(gap);
	assert_int_equal(set(f, "core", RESILIENCE, "met", "2025-11-24", NULL), CG_OK);
	assert_string_equal(due_of(f, "core", RESILIENCE, &overdue, &gap), "2026-11-24");
	assert_false(overdue); /* due today is not yet overdue */
	assert_false(gap);
	/* A duty the records prove is not met by a checkbox: no assessment, still overdue. */
	assert_int_equal(set(f, "core", ART17, "met", "2025-11-24", NULL), CG_OK);
	assert_string_equal(due_of(f, "core", ART17, &overdue, &gap), "");
	assert_true(overdue);
	assert_true(gap);
	/* every_days from the catalog, across a leap day. */
	assert_int_equal(set(f, "core", MONTHLY, "met", "2024-02-15", NULL), CG_OK);
	assert_string_equal(due_of(f, "core", MONTHLY, &overdue, &gap), "2024-03-16");
	assert_true(overdue);
	assert_int_equal(set(f, "core", "example:req_node:cadence:monthly", "met", "2026-11-20", NULL), CG_E_NOTFOUND);
	assert_int_equal(set(f, "core", MONTHLY, "met", "2026-11-20", NULL), CG_OK);
	assert_string_equal(due_of(f, "core", MONTHLY, &overdue, &gap), "2026-12-20");
	assert_false(overdue);
	/* An explicit due date on an unmet duty; the short urn form is accepted. */
	struct cg_obligation_update u = { .status = "in_progress", .owner = "Li Wei", .due = "2026-11-23" };
	assert_int_equal(cg_obligation_set(f->st, "cli:test", f->cat, "organisation", "order-745:art-14-body", &u, &f->err), CG_OK);
	assert_string_equal(due_of(f, "organisation", BODY, &overdue, &gap), "2026-11-23");
	assert_true(overdue);
	/* Wrong inputs. */
	assert_int_equal(set(f, "core", ART17, "done", NULL, NULL), CG_E_INVALID);
	assert_string_equal(f->err.field, "status");
	assert_int_equal(set(f, "core", ART17, "met", "2026-02-30", NULL), CG_E_INVALID);
	assert_int_equal(set(f, "core", ART17, "met", "2026-12-01", NULL), CG_E_INVALID); /* future */
	assert_int_equal(set(f, "nope", ART17, "met", NULL, NULL), CG_E_NOTFOUND);
	assert_int_equal(set(f, "core", BODY, "met", NULL, NULL), CG_E_INVALID);  /* an organisation duty */
	assert_int_equal(set(f, "organisation", ART17, "met", NULL, NULL), CG_E_INVALID);
	/* not_applicable needs a reason, and is then no gap. */
	assert_int_equal(set(f, "core", ART31, "not_applicable", NULL, NULL), CG_E_INVALID);
	assert_string_equal(f->err.field, "reason");
	assert_int_equal(set(f, "core", ART31, "not_applicable", NULL, "no testing is done"), CG_OK);
	due_of(f, "core", ART31, &overdue, &gap);
	assert_false(gap);

	struct cg_audit_report rep;
	assert_int_equal(cg_audit_verify(f->st, NULL, &rep, &f->err), CG_OK);
}

static void gaps_and_exposure(void **state)
{
	struct fx *f = *state;
	json_t *g = NULL, *ex = NULL, *o, *first;
	size_t i;
	int64_t emin = 0, emax = 0, pmin = 0, pmax = 0, mult = 0;

	assert_int_equal(cg_gaps(f->st, f->cat, CG_LANG_EN, &g, &f->err), CG_OK);
	/* Overdue first (Art. 17 met in 2025-11-01 from the previous test, or the body's due date). */
	first = json_array_get(json_object_get(g, "gaps"), 0);
	assert_true(json_is_true(json_object_get(first, "overdue")));
	/* Never a met-and-current or not-applicable obligation. */
	assert_null(find(json_object_get(g, "gaps"), "core", ART31));
	json_decref(g);

	assert_int_equal(cg_exposure(f->st, f->cat, CG_LANG_EN, &ex, &f->err), CG_OK);
	json_array_foreach(json_object_get(ex, "gaps"), i, o) {
		json_t *p = cg_catalog_find(f->cat, "penalties", json_string_value(json_object_get(o, "sanction")));
		json_t *e = json_object_get(p, "entity"), *pe = json_object_get(p, "persons");
		assert_non_null(p);
		if (json_object_get(e, "min_times_amount"))
			mult++;
		emin += json_integer_value(json_object_get(e, "min_cny"));
		emax += json_integer_value(json_object_get(e, "max_cny"));
		pmin += json_integer_value(json_object_get(pe, "min_cny"));
		pmax += json_integer_value(json_object_get(pe, "max_cny"));
	}
	json_t *t = json_object_get(ex, "totals");
	assert_true(emax > 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(t, "entity"), "min_cny")), emin);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(t, "entity"), "max_cny")), emax);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(t, "persons"), "min_cny")), pmin);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(t, "persons"), "max_cny")), pmax);
	assert_int_equal(json_integer_value(json_object_get(ex, "multiplier_gaps")), mult);
	assert_true(mult > 0); /* Art. 19's review (Art. 41: 1-10x the amount) is open for core */
	/* Art. 6 is sanctioned by CSL Art. 61 ¶1, with the ¶3 tier for serious cases. */
	o = find(json_object_get(ex, "gaps"), "core", "urn:ciiguard:req_node:order-745:art-6");
	assert_non_null(o);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(o, "penalty"), "entity"), "max_cny")), 500000);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(o, "also"), 0), "id")), "csl-2026-art-61-3");
	json_decref(ex);

	json_t *s = NULL;
	assert_int_equal(cg_status(f->st, f->cat, CG_LANG_EN, &s, &f->err), CG_OK);
	assert_string_equal(json_string_value(json_array_get(json_object_get(json_object_get(s, "systems"), "cii"), 0)), "core");
	assert_true(json_integer_value(json_object_get(json_object_get(s, "obligations"), "overdue")) >= 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(s, "exposure"), "entity"), "max_cny")), emax);
	json_decref(s);
}

static void evidence_round_trip(void **state)
{
	struct fx *f = *state;
	char sha[CG_HASH_HEX], expect[CG_HASH_HEX], *data = NULL;
	size_t len, n = 3000;
	unsigned char *bytes = malloc(CG_EVIDENCE_MAX_BYTES + 1);
	json_t *list = NULL;
	struct cg_audit_report rep;

	assert_non_null(bytes);
	for (size_t i = 0; i < CG_EVIDENCE_MAX_BYTES + 1; i++)
		bytes[i] = (unsigned char)(i * 7 + 3); /* every byte value, NUL included */
	assert_int_equal(cg_evidence_add(f->st, "cli:test", f->cat, "core", ART17, bytes, n, "r.pdf", "2025 report", sha, &f->err), CG_OK);
	cg_sha256_hex(bytes, n, expect);
	assert_string_equal(sha, expect);
	assert_int_equal(cg_evidence_get(f->st, sha, &data, &len, &f->err), CG_OK);
	assert_int_equal(len, n);
	assert_memory_equal(data, bytes, n);
	free(data);
	/* Stored once: a second obligation links the same content. */
	assert_int_equal(cg_evidence_add(f->st, "cli:test", f->cat, "core", ART31, bytes, n, "r.pdf", NULL, sha, &f->err), CG_OK);
	assert_int_equal(cg_evidence_add(f->st, "cli:test", f->cat, "core", ART31, bytes, n, "r.pdf", NULL, sha, &f->err), CG_E_EXISTS);
	assert_int_equal(cg_evidence_link(f->st, "cli:test", f->cat, "core", ART17, "system:core", NULL, &f->err), CG_OK);
	assert_int_equal(cg_evidence_link(f->st, "cli:test", f->cat, "core", ART17, "system:nope", NULL, &f->err), CG_E_NOTFOUND);
	/* The limit: exactly the maximum is accepted, one byte more is not. */
	assert_int_equal(cg_evidence_add(f->st, "cli:test", f->cat, "off", UPFRONT, bytes, CG_EVIDENCE_MAX_BYTES + 1, "big", NULL, sha, &f->err), CG_E_INVALID);
	assert_int_equal(cg_evidence_add(f->st, "cli:test", f->cat, "off", UPFRONT, bytes, CG_EVIDENCE_MAX_BYTES, "big", NULL, sha, &f->err), CG_OK);
	assert_int_equal(cg_evidence_list(f->st, "core", ART17, &list, &f->err), CG_OK);
	assert_int_equal(json_array_size(list), 2);
	json_decref(list);
	assert_int_equal(cg_evidence_list(f->st, NULL, NULL, &list, &f->err), CG_OK);
	assert_int_equal(json_array_size(list), 4);
	json_decref(list);
	assert_int_equal(cg_audit_verify(f->st, NULL, &rep, &f->err), CG_OK);
	/* The register counts evidence. */
	json_t *doc = reg(f, "core");
	assert_int_equal(json_integer_value(json_object_get(find(json_object_get(doc, "obligations"), "core", ART17), "evidence")), 2);
	json_decref(doc);
	free(bytes);
	assert_int_equal(cg_evidence_get(f->st, "0000", &data, &len, &f->err), CG_E_NOTFOUND);
}

static json_t *record(struct fx *f, const char *kind, const char *json)
{
	json_t *fields = json_loads(json, 0, NULL), *out = NULL;
	assert_non_null(fields);
	if (cg_record_add(f->st, "cli:test", f->cat, cg_rkind_find(kind), fields, &out, &f->err) != CG_OK)
		fail_msg("%s %s: %s", kind, json, f->err.message);
	json_decref(fields);
	return out;
}

static json_t *item_of(struct fx *f, const char *scope, const char *urn)
{
	json_t *doc = reg(f, NULL), *o = json_incref(find(json_object_get(doc, "obligations"), scope, urn));
	json_decref(doc);
	assert_non_null(o);
	return o;
}

static int64_t totals(struct fx *f, const char *key)
{
	json_t *ex = NULL;
	assert_int_equal(cg_exposure(f->st, f->cat, CG_LANG_EN, &ex, &f->err), CG_OK);
	int64_t v = strcmp(key, "multiplier_gaps") == 0 ? json_integer_value(json_object_get(ex, key)) :
		json_integer_value(json_object_get(json_object_get(json_object_get(ex, "totals"), "entity"), key));
	json_decref(ex);
	return v;
}

/* The same status from the one pass as from the register built item by item. */
static void status_agrees(struct fx *f)
{
	json_t *fast = NULL, *ref = NULL;
	assert_int_equal(cg_status(f->st, f->cat, CG_LANG_EN, &fast, &f->err), CG_OK);
	assert_int_equal(cg_status_reference(f->st, f->cat, CG_LANG_EN, &ref, &f->err), CG_OK);
	if (!json_equal(fast, ref)) {
		char *a = json_dumps(fast, JSON_SORT_KEYS), *b = json_dumps(ref, JSON_SORT_KEYS);
		fail_msg("status differs:\n%s\n%s", a, b);
	}
	json_decref(fast);
	json_decref(ref);
}

/* Duties that the governance records prove take their status from the records. */
static void records_decide(void **state)
{
	struct fx *f = *state;
	json_t *o, *r;

	status_agrees(f);
	/* An assessment a year and a day old: overdue; one of a year ago today: met, due today. */
	r = record(f, "assessment", "{\"kind\": \"self\", \"systems\": [\"core\"], \"performed_on\": \"2025-11-23\"}");
	o = item_of(f, "core", ART17);
	assert_true(json_is_true(json_object_get(o, "overdue")));
	assert_string_equal(json_string_value(json_object_get(o, "due")), "2026-11-23");
	json_decref(o);
	json_decref(r);
	r = record(f, "assessment", "{\"kind\": \"self\", \"systems\": [\"core\"], \"performed_on\": \"2025-11-24\"}");
	o = item_of(f, "core", ART17);
	assert_string_equal(json_string_value(json_object_get(o, "status")), "met");
	assert_string_equal(json_string_value(json_object_get(o, "last_met")), "2025-11-24");
	assert_string_equal(json_string_value(json_object_get(o, "due")), "2026-11-24");
	assert_false(json_is_true(json_object_get(o, "gap")));
	char ref[64];
	snprintf(ref, sizeof ref, "assessment:%s", json_string_value(json_object_get(r, "id")));
	assert_string_equal(json_string_value(json_array_get(json_object_get(json_object_get(o, "from_records"), "records"), 0)), ref);
	json_decref(o);
	json_decref(r);
	/* A remediation past its date keeps the duty open, and overdue. */
	r = record(f, "assessment", "{\"kind\": \"self\", \"systems\": [\"core\"], \"performed_on\": \"2026-01-10\", "
		   "\"remediation_due\": \"2026-06-30\"}");
	o = item_of(f, "core", ART17);
	assert_string_equal(json_string_value(json_object_get(o, "status")), "in_progress");
	assert_true(json_is_true(json_object_get(o, "overdue")));
	json_decref(o);
	json_decref(r);
	status_agrees(f);

	/* A provider of a CII system without an agreement: Art. 20 overdue; with one: met. */
	int64_t mult0 = totals(f, "multiplier_gaps");
	json_t *v = record(f, "vendor", "{\"name\": \"Cloud A\", \"kind\": \"cloud\", \"systems\": [\"core\"]}");
	o = item_of(f, "core", ART20);
	assert_true(json_is_true(json_object_get(o, "overdue")));
	json_decref(o);
	char buf[512];
	snprintf(buf, sizeof buf, "{\"vendor\": \"%s\", \"signed_on\": \"2026-01-01\", \"expires_on\": \"2027-12-31\", "
		 "\"technical_support\": true, \"confidentiality\": true, \"incident_reporting\": true}",
		 json_string_value(json_object_get(v, "id")));
	json_decref(record(f, "agreement", buf));
	o = item_of(f, "core", ART20);
	assert_string_equal(json_string_value(json_object_get(o, "status")), "met");
	assert_false(json_is_true(json_object_get(o, "gap")));
	json_decref(o);
	json_decref(v);
	/* Met for Art. 20 and Art. 17 was overdue already: the multiplier gap of Art. 19 is the same. */
	assert_int_equal(totals(f, "multiplier_gaps"), mult0);
	int64_t min0 = totals(f, "min_cny"), max0 = totals(f, "max_cny");

	/* A procurement that needed a review, in use without clearance: Art. 41 priced at 1-10x its
	 * amount; no longer an unpriced multiplier gap. */
	json_decref(record(f, "procurement", "{\"title\": \"GPU cluster\", \"amount_cny\": 2000000, "
		"\"category\": \"high_performance_computing\", \"systems\": [\"core\"], \"in_use_since\": \"2026-03-01\"}"));
	o = item_of(f, "core", ART19);
	assert_true(json_is_true(json_object_get(o, "overdue")));
	assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(json_object_get(o, "from_records"), "priced"), 0),
							    "max_cny")), 20000000);
	json_decref(o);
	assert_int_equal(totals(f, "multiplier_gaps"), mult0 - 1);
	assert_int_equal(totals(f, "min_cny"), min0 + 2000000);
	assert_int_equal(totals(f, "max_cny"), max0 + 20000000);
	status_agrees(f);

	/* A stored not_applicable stands against the records. */
	assert_int_equal(set(f, "core", ART17, "not_applicable", NULL, "decommissioned next month"), CG_OK);
	o = item_of(f, "core", ART17);
	assert_string_equal(json_string_value(json_object_get(o, "status")), "not_applicable");
	assert_null(json_object_get(o, "from_records"));
	json_decref(o);
	status_agrees(f);
}

/* Content or status changed behind ciiguard's back is caught by get and by audit verify. */
static void tamper(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	char db[1024], sha[CG_HASH_HEX], sql[256], *data = NULL;
	size_t len;
	struct cg_audit_report rep;
	(void)state;

	setenv("CIIGUARD_NOW", "2026-11-24T08:00:00Z", 1);
	cg_error_init(&f->err, CG_LANG_EN);
	snprintf(db, sizeof db, "%s", cg_test_new_db());
	assert_int_equal(cg_store_open(db, CG_STORE_CREATE, &f->st, &f->err), CG_OK);
	add_system(f, SYS("core", ", \"notified_cii\": true, \"notified_at\": \"2025-01-01\""));
	assert_int_equal(cg_catalog_open(f->st, &f->cat, &f->err), CG_OK);
	assert_int_equal(cg_evidence_add(f->st, "cli:test", f->cat, "core", ART17, "hello", 5, "h.txt", NULL, sha, &f->err), CG_OK);
	assert_int_equal(set(f, "core", ART17, "in_progress", NULL, NULL), CG_OK);
	assert_int_equal(cg_audit_verify(f->st, NULL, &rep, &f->err), CG_OK);
	cg_store_free(f->st);

	/* "hellp": same size, different bytes. */
	snprintf(sql, sizeof sql, "UPDATE evidence SET content = 'aGVsbHA=' WHERE sha256 = '%s'", sha);
	assert_int_equal(cg_test_raw_exec(db, sql), 0);
	assert_int_equal(cg_store_open(db, 0, &f->st, &f->err), CG_OK);
	assert_int_equal(cg_evidence_get(f->st, sha, &data, &len, &f->err), CG_E_TAMPERED);
	assert_null(data);
	assert_int_equal(cg_audit_verify(f->st, NULL, &rep, &f->err), CG_E_TAMPERED);
	assert_non_null(strstr(rep.bad_entity, "evidence:"));
	cg_store_free(f->st);

	snprintf(sql, sizeof sql, "UPDATE evidence SET content = 'aGVsbG8=' WHERE sha256 = '%s'", sha);
	assert_int_equal(cg_test_raw_exec(db, sql), 0);
	assert_int_equal(cg_test_raw_exec(db, "UPDATE obligation_status SET status = 'met'"), 0);
	assert_int_equal(cg_store_open(db, 0, &f->st, &f->err), CG_OK);
	assert_int_equal(cg_audit_verify(f->st, NULL, &rep, &f->err), CG_E_TAMPERED);
	assert_string_equal(rep.bad_entity, "obligation:core|" ART17);
	*state = f;
	teardown(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(organisation_needs_a_bound_system),
		cmocka_unit_test(tamper),
	};
	const struct CMUnitTest shared[] = {
		cmocka_unit_test(applicability),
		cmocka_unit_test(due_dates),
		cmocka_unit_test(gaps_and_exposure),
		cmocka_unit_test(evidence_round_trip),
		cmocka_unit_test(records_decide),
	};
	int failed = cmocka_run_group_tests_name("obligation", tests, NULL, NULL);
	return failed + cmocka_run_group_tests_name("obligation-register", shared, setup, teardown);
}
