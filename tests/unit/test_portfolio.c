/*
 * cg_status in one pass (lib/portfolio.c) must give exactly what the register built item by
 * item gives (cg_status_reference): on random portfolios covering every field the catalog's
 * conditions test, links both ways, imported duties with applies_when and linked_to tests,
 * statuses of every kind with explicit and cadence due dates, rows for obligations that do not
 * bind, organisation-wide duties, and on an empty database.
 */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "obligation_int.h"

static const char extra_yaml[] =
	"urn: urn:example:library:extra\n"
	"name: Extra\n"
	"version: 1\n"
	"objects:\n"
	"  framework:\n"
	"    urn: urn:example:framework:extra\n"
	"    name: Extra\n"
	"    requirement_nodes:\n"
	"      - urn: urn:example:req_node:extra:linked\n"
	"        name: Near CII links\n"
	"        kind: duty\n"
	"        applies_to: [near_cii, outside]\n"
	"        cadence: {every_days: 90}\n"
	"        sanction: {id: order-745-art-41}\n"
	"        applies_when: {linked_to: [likely_cii], users: {at_least: 5000}}\n"
	"      - urn: urn:example:req_node:extra:mlps\n"
	"        name: Level 3\n"
	"        kind: control\n"
	"        applies_to: [cii, likely_cii, organisation]\n"
	"        cadence: annual\n"
	"        applies_when: {any: [{mlps_level: 3}, {mlps_level: {in: [4, 5]}}, {ai: {present: true}}]}\n";

static uint64_t rng_state;

static unsigned rnd(unsigned n)
{
	rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned)((rng_state >> 33) % n);
}

static const char *pick(const char *const *v, size_t n)
{
	return v[rnd((unsigned)n)];
}

static void build(struct cg_store *st, size_t n, struct cg_error *err)
{
	static const char *const sectors[] = { "public_communications", "energy", "transportation", "water", "finance",
		"public_services", "e_government", "defense_industry", "other" };
	static const char *const harms[] = { "minor", "moderate", "serious" };
	static const char *const kinds[] = { "predictive", "generative", "decision", "optimisation", "agent" };
	static const char *const sources[] = { "in_house", "third_party_model", "saas" };
	static const char *const links[] = { "depends_on", "exchanges_data", "embedded_in" };
	static const int64_t pis[] = { 0, 999999, 1000000, 10000000, 10000001, 50 };
	char json[2048], ai[256], lk[512];

	for (size_t i = 0; i < n; i++) {
		struct cg_system s;
		ai[0] = lk[0] = '\0';
		if (rnd(3))
			snprintf(ai, sizeof ai, ", \"ai\": {\"kind\": \"%s\", \"model_source\": \"%s\", \"public_generative_service\": %s}",
				 pick(kinds, 5), pick(sources, 3), rnd(4) ? "false" : "true");
		if (i > 0 && rnd(2)) {
			size_t to = rnd((unsigned)i);
			snprintf(lk, sizeof lk, ", \"links\": [{\"kind\": \"%s\", \"to\": \"s%04zu\"}]", pick(links, 3), to);
		}
		bool notified = rnd(12) == 0;
		snprintf(json, sizeof json,
			 "{\"id\": \"s%04zu\", \"name\": \"S %zu\", \"sector\": \"%s\", \"supports_core_business\": %s, "
			 "\"harm_if_compromised\": \"%s\", \"status\": \"production\", \"cross_sector_impact\": %s, "
			 "\"notified_cii\": %s%s, \"serves_cii_operators\": %s, \"users\": %u, \"mlps_level\": %s, "
			 "\"data\": {\"pi_subjects\": %lld, \"important_data\": %s, \"core_data\": %s}%s%s}",
			 i, i, pick(sectors, 9), rnd(2) ? "true" : "false", pick(harms, 3), rnd(2) ? "true" : "false",
			 notified ? "true" : "false", notified ? ", \"notified_at\": \"2025-01-01\"" : "",
			 rnd(6) ? "false" : "true", rnd(10000), rnd(4) ? (const char *[]){ "1", "2", "3", "4", "5" }[rnd(5)] : "null",
			 (long long)pis[rnd(6)], rnd(5) ? "false" : "true", rnd(9) ? "false" : "true", ai, lk);
		cg_system_init(&s);
		if (cg_system_from_json(&s, json, strlen(json), err) != CG_OK || cg_system_add(st, "cli:test", &s, err) != CG_OK)
			fail_msg("add %s: %s", json, err->message);
		cg_system_release(&s);
	}
}

/* Random statuses, written behind the API (as a bulk load would) for speed and for rows the
 * API refuses: obligations that do not bind the scope, unknown urns. */
static void statuses(struct cg_store *st, const struct cg_catalog *c, size_t nsys, size_t rows, struct cg_error *err)
{
	static const char *const status[] = { "not_started", "in_progress", "met", "not_applicable" };
	static const char *const dates[] = { "2024-01-10", "2025-11-01", "2025-11-30", "2026-11-24", "2026-11-25", "2027-03-01" };
	size_t nn = cg_catalog_count(c, "requirement_nodes");
	struct cg_stmt *q;

	assert_int_equal(cg_store_begin(st, err), CG_OK);
	for (size_t i = 0; i < rows; i++) {
		json_t *node = cg_catalog_item(c, "requirement_nodes", rnd((unsigned)nn));
		char scope[32];
		const char *urn = rnd(50) ? json_string_value(json_object_get(node, "urn")) : "urn:example:none";
		const char *stt = pick(status, 4);
		if (rnd(8) == 0)
			snprintf(scope, sizeof scope, "organisation");
		else
			snprintf(scope, sizeof scope, "s%04u", rnd((unsigned)nsys));
		assert_int_equal(cg_store_prepare(st, "INSERT INTO obligation_status (scope, urn, status, owner, reason, last_met, due, "
					     "updated_at, updated_by) VALUES (?, ?, ?, NULL, ?, ?, ?, '2026-11-24T08:00:00.000Z', 'x') "
					     "ON CONFLICT DO NOTHING", &q, err), CG_OK);
		assert_int_equal(cg_stmt_bind_text(q, 1, scope), CG_OK);
		assert_int_equal(cg_stmt_bind_text(q, 2, urn), CG_OK);
		assert_int_equal(cg_stmt_bind_text(q, 3, stt), CG_OK);
		assert_int_equal(cg_stmt_bind_text(q, 4, strcmp(stt, "not_applicable") == 0 ? "reason" : NULL), CG_OK);
		assert_int_equal(cg_stmt_bind_text(q, 5, rnd(2) ? pick(dates, 6) : NULL), CG_OK);
		assert_int_equal(cg_stmt_bind_text(q, 6, rnd(3) == 0 ? pick(dates, 6) : NULL), CG_OK);
		assert_int_equal(cg_stmt_run(q, err), CG_OK);
	}
	assert_int_equal(cg_store_commit(st, err), CG_OK);
}

/* Random governance records, through the API: the rows the records derive must count alike. */
static void add_record(struct cg_store *st, const struct cg_catalog *c, const char *kind, json_t *fields,
		       struct cg_error *err)
{
	json_t *out = NULL;
	if (cg_record_add(st, "cli:test", c, cg_rkind_find(kind), fields, &out, err) != CG_OK) {
		char *d = json_dumps(fields, JSON_COMPACT);
		fail_msg("%s %s: %s", kind, d, err->message);
	}
	json_decref(out);
	json_decref(fields);
}

static void records(struct cg_store *st, const struct cg_catalog *c, size_t nsys, size_t n, struct cg_error *err)
{
	static const char *const dates[] = { "2024-01-10", "2025-11-01", "2025-11-24", "2025-11-30", "2026-06-30",
		"2026-11-24", "2026-11-25", "2027-03-01" };
	static const char *const cats[] = { "high_performance_computing", "ai_model_service", "other", "cloud_service" };
	static const char *const rstatus[] = { "none", "filed", "not_required", "preliminary", "cleared", "refused" };
	static const char *const roles[] = { "security_head", "security_member", "staff" };
	char sa[16], sb[16], id[32];

	for (size_t i = 0; i < n; i++) {
		snprintf(sa, sizeof sa, "s%04u", rnd((unsigned)nsys));
		snprintf(sb, sizeof sb, "s%04u", rnd((unsigned)nsys));
		const char *d1 = pick(dates, 5), *d2 = pick(dates, 8);
		switch (i % 11) {
		case 0:
			add_record(st, c, "vendor", json_pack("{s:s,s:s,s:s,s:[s,s]}", "id", (snprintf(id, sizeof id, "V%zu", i), id),
				   "name", "v", "kind", "cloud", "systems", sa, sb), err);
			if (rnd(3))
				add_record(st, c, "agreement", json_pack("{s:s,s:s,s:s,s:b,s:b,s:b}", "vendor", id, "signed_on", d1,
					   "expires_on", d2, "technical_support", 1, "confidentiality", rnd(2), "incident_reporting", 1), err);
			break;
		case 1:
			add_record(st, c, "procurement", json_pack("{s:s,s:I,s:s,s:[s,s],s:s,s:s?}", "title", "p",
				   "amount_cny", (json_int_t)(1000 * (1 + rnd(5000))), "category", pick(cats, 4), "systems", sa, sb,
				   "review_status", pick(rstatus, 6), "in_use_since", rnd(2) ? d1 : NULL), err);
			break;
		case 2: case 3:
			add_record(st, c, "assessment", json_pack("{s:s,s:[s],s:s,s:s?}", "kind", "self", "systems", sa,
				   "performed_on", d1, "remediation_due", rnd(3) == 0 ? d2 : NULL), err);
			break;
		case 4:
			add_record(st, c, "plan", json_pack("{s:s,s:[s],s:s?}", "title", "plan", "systems", sa,
				   "approved_on", rnd(2) ? d1 : NULL), err);
			break;
		case 5:
			add_record(st, c, "person", json_pack("{s:s,s:s,s:s,s:[s],s:s?,s:{s:i}}", "id",
				   (snprintf(id, sizeof id, "P%zu", i), id), "name", "n", "role", pick(roles, 3), "key_positions",
				   rnd(2) ? "ops" : "dba", "background_check_on", rnd(3) ? d1 : NULL, "training_hours", "2026", (int)rnd(40)), err);
			break;
		case 6:
			add_record(st, c, "decision", json_pack("{s:s,s:s,s:s,s:[s]}", "title", "d", "kind", "architecture",
				   "decided_on", d1, "systems", sa), err);
			break;
		case 7:
			add_record(st, c, "pentest", json_pack("{s:[s],s:s,s:s,s:s,s:s,s:s,s:s}", "systems", sa, "status", "done",
				   "authorised_by", "x", "scope", "y", "window_start", "2026-01-01", "window_end", "2026-06-30",
				   "performed_on", d1), err);
			break;
		case 8:
			add_record(st, c, "vulnerability", json_pack("{s:s,s:[s],s:s,s:b,s:s?}", "title", "v", "systems", sa,
				   "found_on", d1, "endangers_public_interest", 1, "reported_on", rnd(2) ? d1 : NULL), err);
			break;
		case 9:
			add_record(st, c, "pi_audit", json_pack("{s:[s],s:s}", "systems", sa, "performed_on", d1), err);
			break;
		default:
			add_record(st, c, "inspection", json_pack("{s:s,s:s,s:s,s:s?}", "authority", "a", "inspected_on", d1,
				   "follow_up_due", d2, "follow_up_done_on", rnd(2) ? d1 : NULL), err);
		}
	}
}

/* Compares the two, and returns the one-pass result (caller decrefs). */
static json_t *compare(struct cg_store *st, const struct cg_catalog *c)
{
	struct cg_error err;
	json_t *fast = NULL, *ref = NULL;

	cg_error_init(&err, CG_LANG_EN);
	if (cg_status(st, c, CG_LANG_EN, &fast, &err) != CG_OK)
		fail_msg("status: %s", err.message);
	if (cg_status_reference(st, c, CG_LANG_EN, &ref, &err) != CG_OK)
		fail_msg("reference: %s", err.message);
	if (!json_equal(fast, ref)) {
		char *a = json_dumps(fast, JSON_INDENT(1) | JSON_SORT_KEYS), *b = json_dumps(ref, JSON_INDENT(1) | JSON_SORT_KEYS);
		fprintf(stderr, "one pass:\n%.6000s\nreference:\n%.6000s\n", a, b);
		free(a);
		free(b);
		fail_msg("cg_status differs from the reference");
	}
	json_decref(ref);
	return fast;
}

/* The first `limit` of cg_gaps, and how many there are, equal cg_gaps_top's. */
static void compare_gaps(struct cg_store *st, const struct cg_catalog *c, size_t limit)
{
	struct cg_error err;
	json_t *all = NULL, *top = NULL, *want = json_array(), *g;
	size_t i;

	cg_error_init(&err, CG_LANG_EN);
	if (cg_gaps(st, c, CG_LANG_EN, &all, &err) != CG_OK || cg_gaps_top(st, c, limit, CG_LANG_EN, &top, &err) != CG_OK)
		fail_msg("gaps: %s", err.message);
	json_array_foreach(json_object_get(all, "gaps"), i, g)
		if (i < limit)
			json_array_append(want, g);
	if (!json_equal(want, json_object_get(top, "gaps"))) {
		char *a = json_dumps(json_object_get(top, "gaps"), JSON_INDENT(1) | JSON_SORT_KEYS), *b = json_dumps(want, JSON_INDENT(1) | JSON_SORT_KEYS);
		fprintf(stderr, "top %zu:\n%.5000s\nreference:\n%.5000s\n", limit, a, b);
		free(a);
		free(b);
		fail_msg("cg_gaps_top differs from cg_gaps");
	}
	assert_int_equal(json_integer_value(json_object_get(top, "total")), json_array_size(json_object_get(all, "gaps")));
	json_decref(want);
	json_decref(all);
	json_decref(top);
}

static void random_portfolios(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 3; seed++) {
		struct cg_store *st = cg_test_store();
		struct cg_catalog *c = NULL;
		struct cg_error err;
		struct cg_warnings w = { 0 };
		cg_error_init(&err, CG_LANG_EN);
		rng_state = seed;
		assert_int_equal(cg_catalog_open(st, &c, &err), CG_OK);
		json_decref(compare(st, c)); /* empty */
		cg_catalog_free(c);
		build(st, 150 + 50 * seed, &err);
		if (seed > 1 && cg_catalog_import(st, "cli:test", "extra.yaml", extra_yaml, strlen(extra_yaml), &w, &err) != CG_OK)
			fail_msg("import: %s", err.message);
		cg_warnings_release(&w);
		assert_int_equal(cg_catalog_open(st, &c, &err), CG_OK);
		json_decref(compare(st, c));
		compare_gaps(st, c, 9);
		statuses(st, c, 150 + 50 * seed, 3000, &err);
		compare_gaps(st, c, 1);
		compare_gaps(st, c, 25);
		compare_gaps(st, c, 400);
		compare_gaps(st, c, 100000);
		records(st, c, 150 + 50 * seed, 120, &err);
		compare_gaps(st, c, 1);
		compare_gaps(st, c, 40);
		compare_gaps(st, c, 100000);
		/* the comparison is only worth something if every kind of count is there */
		json_t *doc = compare(st, c), *o = json_object_get(doc, "obligations");
		assert_true(json_integer_value(json_object_get(o, "met")) > 0);
		assert_true(json_integer_value(json_object_get(o, "overdue")) > 0);
		assert_true(json_integer_value(json_object_get(o, "not_applicable")) > 0);
		assert_true(json_integer_value(json_object_get(o, "open")) > 0);
		assert_int_equal(json_array_size(json_object_get(doc, "next_deadlines")), 5);
		assert_true(json_integer_value(json_object_get(doc, "multiplier_gaps")) > 0);
		assert_true(json_array_size(json_object_get(json_object_get(doc, "systems"), "near_cii")) > 0);
		json_decref(doc);
		cg_catalog_free(c);
		cg_store_free(st);
	}
}

static void demo(void **state)
{
	struct cg_store *st = cg_test_store();
	struct cg_catalog *c = NULL;
	struct cg_error err;
	struct cg_obligation_update u = { .status = "met", .met_on = "2025-11-01" };
	(void)state;
	cg_error_init(&err, CG_LANG_EN);
	assert_int_equal(cg_demo_load(st, "cli:test", CG_LANG_EN, &err), CG_OK);
	assert_int_equal(cg_catalog_open(st, &c, &err), CG_OK);
	json_decref(compare(st, c));
	assert_int_equal(cg_obligation_set(st, "cli:test", c, "dispatch-optimiser", "order-745:art-17", &u, &err), CG_OK);
	json_decref(compare(st, c));
	compare_gaps(st, c, 3);
	compare_gaps(st, c, 1000);
	cg_catalog_free(c);
	cg_store_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(demo),
		cmocka_unit_test(random_portfolios),
	};
	setenv("CIIGUARD_NOW", "2026-11-24T08:00:00Z", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
