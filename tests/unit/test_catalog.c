/* Unit tests for the catalog: YAML reading, library checks, built-in and imported libraries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

/* Parses `yaml` as file "t.yaml"; returns the result, the tree in *lib (or NULL). */
static cg_code parse(const char *yaml, bool strict, json_t **lib, struct cg_warnings *w,
		     struct cg_error *err)
{
	cg_error_init(err, CG_LANG_EN);
	return cg_catalog_parse("t.yaml", yaml, strlen(yaml), strict, lib, w, err);
}

/* The test data file `name` under tests/data/catalog (caller frees). */
static char *data_file(const char *name, size_t *len)
{
	char path[1024];
	const char *dir = getenv("CG_TEST_DATA");

	snprintf(path, sizeof path, "%s/catalog/%s", dir ? dir : "tests/data", name);
	return cg_test_read_file(path, len);
}

/* A file of ../shared/test-data/ciso-assistant-library, or NULL (the test is then skipped). */
static char *shared_file(const char *name, size_t *len)
{
	char path[1024];
	const char *dir = getenv("CG_SHARED");
	FILE *f;

	snprintf(path, sizeof path, "%s/test-data/ciso-assistant-library/%s", dir ? dir : "../shared", name);
	if (!(f = fopen(path, "rb"))) {
		printf("skipped: %s is absent (CG_SHARED names the shared directory beside the project)\n", path);
		return NULL;
	}
	fclose(f);
	return cg_test_read_file(path, len);
}

static bool has_warning(const struct cg_warnings *w, const char *text)
{
	for (size_t i = 0; i < w->n; i++)
		if (strstr(w->v[i], text))
			return true;
	return false;
}

/* Fails the test unless the error message holds `text`, showing the message. */
static void expect_message(const struct cg_error *err, const char *text)
{
	if (!strstr(err->message, text))
		fail_msg("expected \"%s\" in \"%s\"", text, err->message);
}

static void print_warnings(const struct cg_warnings *w)
{
	for (size_t i = 0; i < w->n; i++)
		printf("warning: %s\n", w->v[i]);
}

/* Every built-in library (catalog/) loads strictly, with no warning: a bad built-in breaks the build. */
static void builtins_load_cleanly(void **state)
{
	struct cg_catalog *c = NULL;
	struct cg_store *st = cg_test_store();
	struct cg_error err;
	(void)state;

	for (int with_store = 0; with_store < 2; with_store++) {
		cg_error_init(&err, CG_LANG_EN);
		if (cg_catalog_open(with_store ? st : NULL, &c, &err) != CG_OK)
			fail_msg("the built-in catalog does not load: %s", err.message);
		print_warnings(cg_catalog_warnings(c));
		assert_int_equal(cg_catalog_warnings(c)->n, 0);
		for (size_t i = 0; i < cg_catalog_library_count(c); i++) {
			bool builtin = false;
			json_t *lib = cg_catalog_library(c, i, &builtin);
			assert_true(builtin);
			assert_non_null(strstr(cg_catalog_version(c), json_string_value(json_object_get(lib, "urn"))));
		}
		assert_null(cg_catalog_library(c, cg_catalog_library_count(c), NULL));
		cg_catalog_free(c);
	}
	cg_store_free(st);
}

static void nist_csf_imports_unchanged(void **state)
{
	struct cg_warnings w = { 0 };
	struct cg_error err;
	json_t *lib, *nodes, *tl;
	size_t len;
	char *data = shared_file("nist-csf-2.0.yaml", &len);
	(void)state;

	if (!data)
		skip();
	cg_error_init(&err, CG_LANG_EN);
	if (cg_catalog_parse("nist-csf-2.0.yaml", data, len, false, &lib, &w, &err) != CG_OK)
		fail_msg("%s", err.message);
	print_warnings(&w);
	nodes = json_object_get(json_object_get(json_object_get(lib, "objects"), "framework"), "requirement_nodes");
	assert_int_equal(json_array_size(nodes), 134);
	tl = json_object_get(lib, "translations");
	assert_string_equal(json_string_value(json_object_get(json_object_get(tl, "fr"), "name")), "NIST CSF version 2.0");
	assert_non_null(json_object_get(tl, "es"));
	tl = json_object_get(json_array_get(nodes, 0), "translations");
	assert_true(json_is_string(json_object_get(json_object_get(tl, "fr"), "name")));
	assert_true(json_is_string(json_object_get(json_object_get(tl, "es"), "name")));
	assert_int_equal(json_integer_value(json_object_get(lib, "version")), 6);
	assert_string_equal(json_string_value(json_object_get(lib, "publication_date")), "2026-06-03");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(nodes, 1), "depth")), 2);
	/* Its dependency is not loaded, and it references controls that ciiguard does not use. */
	assert_true(has_warning(&w, "nist-csf-2.0.yaml:25: the dependency 'urn:intuitem:risk:library:doc-pol' is not loaded"));
	assert_true(has_warning(&w, "unknown key 'reference_controls' kept"));
	/* Texts: English as written; a language without a translation falls back to it. */
	assert_string_equal(cg_catalog_text(json_array_get(nodes, 0), "name", CG_LANG_ZH), "GOVERN");
	cg_warnings_release(&w);
	json_decref(lib);
	free(data);
}

static void dynamic_questionnaire_warns(void **state)
{
	struct cg_warnings w = { 0 };
	struct cg_error err;
	json_t *lib, *node;
	size_t len;
	char *data = shared_file("dynamic-questionnaire.yaml", &len);
	(void)state;

	if (!data)
		skip();
	cg_error_init(&err, CG_LANG_EN);
	if (cg_catalog_parse("dynamic-questionnaire.yaml", data, len, false, &lib, &w, &err) != CG_OK)
		fail_msg("%s", err.message);
	print_warnings(&w);
	assert_true(has_warning(&w, "dynamic-questionnaire.yaml:50: unknown key 'display_mode' kept"));
	assert_true(has_warning(&w, "dynamic-questionnaire.yaml:98: unknown key 'questions' kept"));
	assert_false(has_warning(&w, "dependency")); /* it declares none */
	/* Unknown keys are kept as they were. */
	node = json_array_get(json_object_get(json_object_get(json_object_get(lib, "objects"), "framework"),
					      "requirement_nodes"), 2);
	assert_true(json_is_object(json_object_get(node, "questions")));
	assert_string_equal(json_string_value(json_object_get(lib, "locale")), "fr");
	cg_warnings_release(&w);
	json_decref(lib);
	free(data);
}

/* A library around `nodes` (requirement nodes at line 6 onwards). */
#define LIB(nodes) "urn: urn:t\nname: T\nversion: 1\nobjects:\n  framework: {urn: urn:t:fw, name: F, requirement_nodes: [\n" nodes "]}\n"

static void malformed_inputs_name_file_line_and_expectation(void **state)
{
	static const struct { const char *yaml, *message; } cases[] = {
		{ "urn: x\nname: [a, b\nversion: 1\n", "t.yaml:3: not valid YAML: " },
		{ "urn: x\n\tname: y\n", "t.yaml:2: not valid YAML" },
		{ "urn: x\nname: a\nname: b\n", "t.yaml:3: duplicate key 'name' (first at line 2)" },
		{ "- a\n- b\n", "t.yaml:1: expected a mapping (a library: urn, name, objects, ...), got a list" },
		{ "urn: x\nname: y\nobjects: {}\n", "t.yaml:1: version: is required (an integer)" },
		{ "urn: x\nname: y\nversion: one\nobjects: {}\n", "t.yaml:3: version: expected an integer, got a string" },
		{ "urn: x\nname: y\nversion: '1'\nobjects: {}\n", "t.yaml:3: version: expected an integer, got a string" },
		{ "urn: x\nname: y\nversion: 1\npublication_date: 2021-02-30\nobjects: {}\n",
		  "t.yaml:4: publication_date: expected a date (YYYY-MM-DD), got '2021-02-30'" },
		{ "urn: x y\nname: y\nversion: 1\nobjects: {}\n", "t.yaml:1: urn: expected 1-256 characters without spaces" },
		{ "urn: x\nname: y\nversion: 1\n", "t.yaml:1: objects: is required (a mapping)" },
		{ "a: 1\n---\nb: 2\n", "t.yaml:2: a second YAML document starts here" },
		{ "", "t.yaml:1: the file holds no YAML document" },
		{ "urn: x\nname: y\nversion: 1\nobjects: {}\nv: *nope\n", "t.yaml:5: the alias '*nope' names no complete anchor" },
		{ "? [a]\n: b\n", "t.yaml:1: a mapping key must be a plain value" },
		{ LIB("{urn: a, depth: one}\n"), "t.yaml:6: requirement_nodes[0].depth: expected an integer, got a string" },
		{ LIB("{urn: a, depth: 1},\n{urn: a, depth: 1}\n"), "t.yaml:7: requirement_nodes[1].urn: duplicate urn 'a' (first at line 6)" },
		{ LIB("{urn: a, depth: 1},\n{urn: b, parent_urn: c, depth: 2}\n"),
		  "t.yaml:7: requirement_nodes[1].parent_urn: 'c' is not the urn of an earlier requirement node" },
		{ LIB("{urn: b, parent_urn: b}\n"), "requirement_nodes[0].parent_urn: 'b' is not the urn of an earlier" },
		{ LIB("{urn: a, depth: 1},\n{urn: b, parent_urn: a,\n depth: 3}\n"),
		  "t.yaml:8: requirement_nodes[1].depth: 3 does not follow from the depth 1 of the parent 'a' (expected 2)" },
		{ LIB("{urn: a, depth: 0}\n"), "requirement_nodes[0].depth: expected an integer of at least 1, got 0" },
		{ LIB("{urn: a, assessable: yes}\n"), "t.yaml:6: requirement_nodes[0].assessable: expected true or false, got a string" },
		{ LIB("{urn: a, translations: {fr: Nom}}\n"), "t.yaml:6: requirement_nodes[0].translations.fr: expected a mapping, got a string" },
		{ LIB("{urn: a, cadence: weekly}\n"), "requirement_nodes[0].cadence: 'weekly' is not one of: once, continuous" },
		{ LIB("{urn: a, applies_to: [cii, nearby]}\n"), "requirement_nodes[0].applies_to[1]: 'nearby' is not one of: cii" },
		{ LIB("{urn: a, effective: 2021-13-01}\n"), "requirement_nodes[0].effective: expected a date (YYYY-MM-DD), got '2021-13-01'" },
		{ LIB("{urn: a, confidence: sure}\n"), "requirement_nodes[0].confidence: 'sure' is not one of: firm, draft" },
		{ LIB("{urn: a, source: {law: X}}\n"), "requirement_nodes[0].source.article: is required" },
		{ LIB("{urn: a, applies_when: {secter: energy}}\n"),
		  "t.yaml:6: requirement_nodes[0].applies_when.secter: 'secter' is not a field of the system record" },
		{ LIB("{urn: a, clock: {within: {fortnights: 2}, from: x}}\n"), "requirement_nodes[0].clock.within: expected a duration" },
		{ "urn: x\nname: y\nversion: 1\nobjects:\n  screening_rules:\n  - id: r\n    perimeter: cii\n    when:\n      sector: enrgy\n",
		  "t.yaml:9: screening_rules[0].when.sector: 'enrgy' is not one of: public_communications, energy" },
		{ "urn: x\nname: y\nversion: 1\nobjects:\n  screening_rules:\n  - {id: r, perimeter: cii, when: {users: {at_least: many}}}\n",
		  "t.yaml:6: screening_rules[0].when.users.at_least: expected a whole number, got a string" },
		{ "urn: x\nname: y\nversion: 1\nobjects:\n  screening_rules:\n  - {id: r, perimeter: cii, when: {sector: {above: 3}}}\n",
		  "screening_rules[0].when.sector: expected a value, {in: [...]}, {at_least: N} or {present: true|false}" },
		{ "urn: x\nname: y\nversion: 1\nobjects:\n  screening_rules:\n  - {id: r, perimeter: cii, when: {linked_to: [cii, maybe]}}\n",
		  "screening_rules[0].when.linked_to[1]: expected one of cii, likely_cii, near_cii, outside, got maybe" },
		{ "urn: x\nname: y\nversion: 1\nobjects:\n  screening_rules:\n  - {id: r, perimeter: cii, when: {any: []}}\n",
		  "screening_rules[0].when.any: expected a list of conditions that is not empty" },
		{ "urn: x\nname: y\nversion: 1\nobjects:\n  screening_rules:\n  - {id: r, perimeter: cii, when: {mlps_level: 6}}\n",
		  "screening_rules[0].when.mlps_level: expected a level from 1 to 5, got 6" },
		{ "urn: x\nname: y\nversion: 1\nobjects:\n  screening_rules:\n  - {id: r, when: {notified_cii: true}}\n",
		  "t.yaml:6: screening_rules[0].perimeter: is required (a string)" },
		{ "urn: x\nname: y\nversion: 1\nobjects:\n  screening_rules:\n  - {id: r, perimeter: cii, when: {notified_cii: true}}\n  - {id: r, perimeter: cii, when: {}}\n",
		  "t.yaml:7: screening_rules[1].id: duplicate id 'r' (first at line 6)" },
		{ "urn: x\nname: y\nversion: 1\nobjects:\n  penalties:\n  - {id: p, entity: {min_cny: 10, max_cny: 5}}\n",
		  "penalties[0].entity: min_cny (10) is more than max_cny (5)" },
	};
	(void)state;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct cg_warnings w = { 0 };
		struct cg_error err;
		json_t *lib = NULL;
		if (parse(cases[i].yaml, false, &lib, &w, &err) == CG_OK)
			fail_msg("case %zu was accepted:\n%s", i, cases[i].yaml);
		if (!strstr(err.message, cases[i].message))
			fail_msg("case %zu: expected \"%s\" in \"%s\"", i, cases[i].message, err.message);
		assert_int_equal(err.code, CG_E_INVALID);
		assert_null(lib);
		cg_warnings_release(&w);
	}
}

static void limits(void **state)
{
	struct cg_warnings w = { 0 };
	struct cg_error err;
	json_t *lib = NULL;
	char *big;
	size_t n = CG_CATALOG_MAX_BYTES + 1;
	(void)state;

	/* Billion laughs: a handful of aliases that would expand to 10^9 values. */
	assert_int_equal(parse("a: &a [x, x, x, x, x, x, x, x, x, x]\n"
			       "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
			       "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
			       "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
			       "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
			       "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
			       "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n", false, &lib, &w, &err), CG_E_INVALID);
	expect_message(&err, "t.yaml:6: the document expands to more than 1000000 values");
	/* Many aliases, even small ones. */
	struct cg_buf b;
	cg_buf_init(&b, 0);
	assert_int_equal(cg_buf_adds(&b, "a: &a x\nl: ["), CG_OK);
	for (int i = 0; i <= CG_CATALOG_MAX_ALIASES; i++)
		assert_int_equal(cg_buf_adds(&b, "*a, "), CG_OK);
	assert_int_equal(cg_buf_adds(&b, "]\n"), CG_OK);
	assert_int_equal(parse(b.ptr, false, &lib, &w, &err), CG_E_INVALID);
	expect_message(&err, "t.yaml:2: more than 100 aliases");
	cg_buf_release(&b);
	/* Deep nesting. */
	cg_buf_init(&b, 0);
	for (int i = 0; i < CG_CATALOG_MAX_DEPTH + 1; i++)
		assert_int_equal(cg_buf_addc(&b, '['), CG_OK);
	assert_int_equal(parse(b.ptr, false, &lib, &w, &err), CG_E_INVALID);
	expect_message(&err, "nested more than 64 deep");
	cg_buf_release(&b);
	/* Size. */
	big = malloc(n);
	assert_non_null(big);
	memset(big, ' ', n);
	cg_error_init(&err, CG_LANG_EN);
	assert_int_equal(cg_catalog_parse("big.yaml", big, n, false, &lib, &w, &err), CG_E_INVALID);
	expect_message(&err, "big.yaml: the file has 16777217 bytes, more than the limit of 16777216");
	free(big);
	/* Within the limits, aliases are plain values. */
	assert_int_equal(parse("urn: x\nname: &n y\nversion: 1\nobjects: {}\ndescription: *n\n", false, &lib, &w, &err), CG_OK);
	assert_string_equal(json_string_value(json_object_get(lib, "description")), "y");
	assert_true(has_warning(&w, "t.yaml:1: unknown key") == false);
	json_decref(lib);
	cg_warnings_release(&w);
}

static void scalars(void **state)
{
	struct cg_warnings w = { 0 };
	struct cg_error err;
	json_t *lib;
	(void)state;

	assert_int_equal(parse("urn: x\nname: y\nversion: 1\nobjects: {}\n"
			       "s: {int: 42, neg: -7, quoted: '42', bool: true, no: no, null1: ~, null2: null, "
			       "empty: , date: 2021-09-01, float: 1.5, str: !!str 12, octal: 010}\n", false, &lib, &w, &err),
			 CG_OK);
	json_t *s = json_object_get(lib, "s");
	assert_int_equal(json_integer_value(json_object_get(s, "int")), 42);
	assert_int_equal(json_integer_value(json_object_get(s, "neg")), -7);
	assert_string_equal(json_string_value(json_object_get(s, "quoted")), "42");
	assert_true(json_is_true(json_object_get(s, "bool")));
	assert_string_equal(json_string_value(json_object_get(s, "no")), "no");
	assert_true(json_is_null(json_object_get(s, "null1")));
	assert_true(json_is_null(json_object_get(s, "null2")));
	assert_true(json_is_null(json_object_get(s, "empty")));
	assert_string_equal(json_string_value(json_object_get(s, "date")), "2021-09-01");
	assert_string_equal(json_string_value(json_object_get(s, "float")), "1.5");
	assert_string_equal(json_string_value(json_object_get(s, "str")), "12");
	assert_int_equal(json_integer_value(json_object_get(s, "octal")), 10);
	/* Keys keep their order. */
	assert_string_equal(json_object_iter_key(json_object_iter(s)), "int");
	assert_true(has_warning(&w, "t.yaml:5: unknown key 's' kept"));
	json_decref(lib);
	cg_warnings_release(&w);
}

/* `text` with the first `old` replaced by `new` (caller frees). */
static char *with_replaced(const char *text, const char *old, const char *new)
{
	const char *p = strstr(text, old);
	char *out;

	assert_non_null(p);
	out = malloc(strlen(text) + strlen(new) + 1);
	assert_non_null(out);
	memcpy(out, text, (size_t)(p - text));
	memcpy(out + (p - text), new, strlen(new));
	memcpy(out + (p - text) + strlen(new), p + strlen(old), strlen(p + strlen(old)) + 1);
	return out;
}

static void strict_mode(void **state)
{
	struct cg_warnings w = { 0 };
	struct cg_error err;
	json_t *lib = NULL;
	size_t len;
	char *good = data_file("strict-good.yaml", &len), *bad;
	char src[100];
	(void)state;

	if (parse(good, true, &lib, &w, &err) != CG_OK)
		fail_msg("%s", err.message);
	print_warnings(&w);
	assert_int_equal(w.n, 0);
	/* Texts and sources. */
	json_t *node = json_array_get(json_object_get(json_object_get(json_object_get(lib, "objects"), "framework"),
						      "requirement_nodes"), 1);
	assert_string_equal(cg_catalog_text(node, "name", CG_LANG_ZH), "每年开展安全检测评估");
	assert_string_equal(cg_catalog_text(node, "name", CG_LANG_EN), "Security assessment every year");
	cg_catalog_source(NULL, node, CG_LANG_EN, src, sizeof src);
	assert_string_equal(src, "Order 745 Art. 17");
	json_t *rule = json_array_get(json_object_get(json_object_get(lib, "objects"), "screening_rules"), 0);
	assert_string_equal(cg_catalog_text(rule, "text", CG_LANG_ZH), "该系统已被认定为关键信息基础设施。");
	assert_string_equal(cg_catalog_text(rule, "text", CG_LANG_EN), "The system was notified as CII.");
	assert_null(cg_catalog_text(rule, "name", CG_LANG_EN));
	cg_catalog_source(NULL, rule, CG_LANG_EN, src, sizeof src);
	assert_string_equal(src, "Order 745 Art. 10");
	json_decref(lib);
	/* The same file without one node's source is fine for an import, not for ciiguard's own. */
	bad = with_replaced(good, "        source: {law: Order 745, article: 17}\n", "");
	assert_int_equal(parse(bad, false, &lib, &w, &err), CG_OK);
	json_decref(lib);
	assert_int_equal(parse(bad, true, &lib, &w, &err), CG_E_INVALID);
	expect_message(&err, "t.yaml:31: requirement_nodes[1]: 'urn:ciiguard:req_node:test-strict:art-17' has no source (required in ciiguard's own catalog)");
	free(bad);
	static const struct { const char *old, *new, *message; } missing[] = {
		{ "          zh: {name: 总则}\n", "",
		  "t.yaml:20: requirement_nodes[0]: 'urn:ciiguard:req_node:test-strict:chapter-1' has no translations.zh.name" },
		{ "      source: {law: Order 745, article: \"10\"}\n", "", "screening_rules[0]: 'notified' has no source" },
		{ "      confidence: draft\n", "", "screening_rules[1]: 'linked' has no confidence" },
		{ "2021-09-01\n      confidence: draft", "2021-09-31\n      confidence: draft",
		  "screening_rules[1].effective: expected a date (YYYY-MM-DD), got '2021-09-31'" },
		{ ", zh: 违反运营者义务的罚款。", "", "penalties[0].text: 'test-art-39' has no text.zh" },
		{ "text: {en: A model from a third party., zh: 第三方模型。}", "text: A model from a third party.",
		  "ai_scenarios[0].text: expected a mapping, got a string" },
		{ "{en: The assessment report, zh: 检测评估报告}", "{en: The assessment report}",
		  "requirement_nodes[1].evidence[0]: 'urn:ciiguard:req_node:test-strict:art-17' has no evidence[0].zh" },
		{ "        name: Security assessment every year\n", "",
		  "requirement_nodes[1].name: is required (a string)" },
	};
	for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
		bad = with_replaced(good, missing[i].old, missing[i].new);
		assert_int_equal(parse(bad, false, &lib, &w, &err) == CG_OK, i != 3);
		json_decref(lib);
		assert_int_equal(parse(bad, true, &lib, &w, &err), CG_E_INVALID);
		expect_message(&err, missing[i].message);
		free(bad);
	}
	cg_warnings_release(&w);
	free(good);
}

static void messages_in_chinese(void **state)
{
	struct cg_warnings w = { 0 };
	struct cg_error err;
	json_t *lib = NULL;
	(void)state;

	cg_error_init(&err, CG_LANG_ZH);
	assert_int_equal(cg_catalog_parse("t.yaml", LIB("{urn: a, depth: one}\n"), strlen(LIB("{urn: a, depth: one}\n")),
					  false, &lib, &w, &err), CG_E_INVALID);
	expect_message(&err, "t.yaml:6: requirement_nodes[0].depth: ");
	assert_null(strstr(err.message, "expected"));
	cg_warnings_release(&w);
}

static int count_events(const struct cg_audit_event *ev, void *ud)
{
	if (strcmp(ev->entity_type, "catalog") == 0)
		(*(int *)ud)++;
	return 0;
}

/* The citation of a source {law, article} (the article a string, or an integer when `num`). */
static void cite(const struct cg_catalog *c, const char *law, const char *article, enum cg_lang lang, char *out,
		 size_t n)
{
	json_t *item = json_pack("{s:{s:s,s:s}}", "source", "law", law, "article", article);
	cg_catalog_source(c, item, lang, out, n);
	json_decref(item);
}

/*
 * Citations in Chinese: the law's Chinese name from the catalog's objects.laws, numbered articles
 * in the Chinese form, other articles by the catalog's labels; English exactly as before.
 */
static void citations_in_both_languages(void **state)
{
	static const struct { const char *law, *article, *en, *zh; } cases[] = {
		{ "Order 745", "17", "Order 745 Art. 17", "《关键信息基础设施安全保护条例》第17条" },
		{ "Order 745", "1-7", "Order 745 Art. 1-7", "《关键信息基础设施安全保护条例》第1-7条" },
		{ "Order 745", "2, 9", "Order 745 Art. 2, 9", "《关键信息基础设施安全保护条例》第2、9条" },
		{ "Order 745", "15 (3)", "Order 745 Art. 15 (3)", "《关键信息基础设施安全保护条例》第15条第(3)项" },
		{ "Order 745", "9 ¶2 (2)", "Order 745 Art. 9 ¶2 (2)", "《关键信息基础设施安全保护条例》第9条第2款第(2)项" },
		{ "Provisions on the Management of Algorithmic Recommendations in Internet Information Services", "24 ¶3",
		  "Provisions on the Management of Algorithmic Recommendations in Internet Information Services Art. 24 ¶3",
		  "《互联网信息服务算法推荐管理规定》第24条第3款" },
		{ "Cybersecurity Law (2025 amendment)", "61 ¶3", "Cybersecurity Law (2025 amendment) Art. 61 ¶3",
		  "《中华人民共和国网络安全法》（2025年修正）第61条第3款" },
		{ "Incident Reporting Measures 2025", "Annex (grading guide)", "Incident Reporting Measures 2025, Annex (grading guide)",
		  "《网络安全事件报告管理办法》附件（网络安全事件分级指南）" },
		{ "ciiguard AI guidance (practitioner analysis of Order 745)", "advice 02",
		  "ciiguard AI guidance (practitioner analysis of Order 745), advice 02",
		  "ciiguard 人工智能指引（对《条例》的实务分析）建议02" },
		{ "GB/T 39204-2022", "whole standard", "GB/T 39204-2022, whole standard",
		  "GB/T 39204-2022《信息安全技术 关键信息基础设施安全保护要求》全文" },
		/* a date is no article number: the catalog gives its label */
		{ "General Office of the State Council notice on the 2026 holidays", "2025-11-04",
		  "General Office of the State Council notice on the 2026 holidays Art. 2025-11-04",
		  "《国务院办公厅关于2026年部分节假日安排的通知》（2025年11月4日）" },
		/* what the catalog does not translate stays English, numbers still in the Chinese form */
		{ "Order 745", "annex 9", "Order 745, annex 9", "《关键信息基础设施安全保护条例》，annex 9" },
		{ "Order 745", "17 ¶", "Order 745 Art. 17 ¶", "《关键信息基础设施安全保护条例》，17 ¶" },
		{ "Foo Act", "3 ¶1", "Foo Act Art. 3 ¶1", "Foo Act第3条第1款" },
	};
	struct cg_catalog *c = NULL;
	struct cg_error err;
	char out[CG_CATALOG_SOURCE_MAX];
	(void)state;

	cg_error_init(&err, CG_LANG_EN);
	if (cg_catalog_open(NULL, &c, &err) != CG_OK)
		fail_msg("%s", err.message);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cite(c, cases[i].law, cases[i].article, CG_LANG_EN, out, sizeof out);
		assert_string_equal(out, cases[i].en);
		cite(NULL, cases[i].law, cases[i].article, CG_LANG_EN, out, sizeof out);
		assert_string_equal(out, cases[i].en);
		cite(c, cases[i].law, cases[i].article, CG_LANG_ZH, out, sizeof out);
		assert_string_equal(out, cases[i].zh);
	}
	/* an integer article; no catalog: the English name */
	json_t *item = json_pack("{s:{s:s,s:i}}", "source", "law", "Order 745", "article", 17);
	cg_catalog_source(c, item, CG_LANG_ZH, out, sizeof out);
	assert_string_equal(out, "《关键信息基础设施安全保护条例》第17条");
	cg_catalog_source(c, item, CG_LANG_EN, out, sizeof out);
	assert_string_equal(out, "Order 745 Art. 17");
	cg_catalog_source(NULL, item, CG_LANG_ZH, out, sizeof out);
	assert_string_equal(out, "Order 745第17条");
	/* cut short on a character boundary: 《 is three bytes */
	cg_catalog_source(c, item, CG_LANG_ZH, out, 5);
	assert_string_equal(out, "《");
	json_decref(item);
	/* every source of the built-in catalog has its Chinese citation */
	for (size_t l = 0; l < cg_catalog_library_count(c); l++) {
		json_t *lib = cg_catalog_library(c, l, NULL), *objects = json_object_get(lib, "objects"), *list, *it;
		const char *kind;
		json_object_foreach(objects, kind, list) {
			size_t i;
			if (strcmp(kind, "framework") == 0)
				list = json_object_get(list, "requirement_nodes");
			json_array_foreach(list, i, it) {
				if (!json_object_get(it, "source"))
					continue;
				cg_catalog_source(c, it, CG_LANG_ZH, out, sizeof out);
				if (strstr(out, "Art.") || strstr(out, ", ") || !strstr(out, "\xe3\x80") /* 《 or （ */)
					fail_msg("%s[%zu]: the citation is not Chinese: %s", kind, i, out);
			}
		}
	}
	cg_catalog_free(c);
}

/* objects.laws: checked like the other items; a law or label nobody translates is a warning. */
static void laws_are_checked(void **state)
{
#define LAWS(x) "urn: x\nname: y\nversion: 1\nobjects:\n  laws:\n" x
	static const struct { const char *yaml; bool strict; const char *message; } cases[] = {
		{ LAWS("  - {articles: []}\n"), false, "t.yaml:6: laws[0].name: is required (a string)" },
		{ LAWS("  - {name: {zh: 条例}}\n"), false, "t.yaml:6: laws[0].name.en: is required (a string)" },
		{ LAWS("  - {name: Act}\n"), true, "t.yaml:6: laws[0].name: expected a mapping, got a string" },
		{ LAWS("  - {name: {en: Act}}\n"), true, "laws[0].name: 'Act' has no name.zh (required in ciiguard's own catalog)" },
		{ LAWS("  - {name: Act}\n  - {name: {en: Act, zh: 法}}\n"), false,
		  "t.yaml:7: laws[1].name: duplicate name 'Act' (first at line 6)" },
		{ LAWS("  - {name: Act, articles: [annex]}\n"), false,
		  "t.yaml:6: laws[0].articles[0]: expected a mapping, got a string" },
		{ LAWS("  - name: Act\n    articles:\n    - {en: annex, zh: 附件}\n    - {en: annex, zh: 附录}\n"), false,
		  "t.yaml:9: laws[0].articles[1].en: duplicate en 'annex' (first at line 8)" },
		{ LAWS("  - name: {en: Act, zh: 法}\n    articles:\n    - {en: annex}\n"), true,
		  "laws[0].articles[0]: 'Act' has no articles[0].zh (required in ciiguard's own catalog)" },
	};
#undef LAWS
	struct cg_warnings w = { 0 };
	struct cg_error err;
	json_t *lib = NULL;
	(void)state;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (parse(cases[i].yaml, cases[i].strict, &lib, &w, &err) == CG_OK)
			fail_msg("case %zu was accepted:\n%s", i, cases[i].yaml);
		if (!strstr(err.message, cases[i].message))
			fail_msg("case %zu: expected \"%s\" in \"%s\"", i, cases[i].message, err.message);
		cg_warnings_release(&w);
	}
	/* An imported library may cite laws nobody names: it loads, with a warning, cited in English. */
	static const char imported[] =
		"urn: urn:example:library:cites\nname: Cites\nversion: 1\nobjects:\n"
		"  laws:\n"
		"  - name: {en: Water Act, zh: 《水法》}\n"
		"    articles: [{en: preamble, zh: 序言}]\n"
		"  screening_rules:\n"
		"  - {id: r1, perimeter: near_cii, when: {sector: water}, source: {law: Water Act, article: preamble}}\n"
		"  - {id: r2, perimeter: near_cii, when: {sector: water}, source: {law: Water Act, article: annex}}\n"
		"  - {id: r3, perimeter: near_cii, when: {sector: water}, source: {law: Pump Act, article: \"3\"}}\n"
		"  - {id: r4, perimeter: near_cii, when: {sector: water}, source: {law: Pump Act, article: \"4\"}}\n";
	struct cg_store *st = cg_test_store();
	struct cg_catalog *c = NULL;
	char out[CG_CATALOG_SOURCE_MAX];

	cg_error_init(&err, CG_LANG_EN);
	if (cg_catalog_import(st, "cli:test", "cites.yaml", imported, strlen(imported), &w, &err) != CG_OK)
		fail_msg("%s", err.message);
	cg_warnings_release(&w);
	if (cg_catalog_open(st, &c, &err) != CG_OK)
		fail_msg("%s", err.message);
	print_warnings(cg_catalog_warnings(c));
	assert_int_equal(cg_catalog_warnings(c)->n, 2);
	assert_true(has_warning(cg_catalog_warnings(c), "urn:example:library:cites:10: source.article: the law 'Water Act' "
				"has no label for the article 'annex' (objects.laws); Chinese answers cite it as it is"));
	assert_true(has_warning(cg_catalog_warnings(c), "urn:example:library:cites:11: source.law: no loaded library names "
				"the law 'Pump Act' (objects.laws); Chinese answers cite it by this name"));
	static const struct { const char *id, *zh; } zh[] = {
		{ "r1", "《水法》序言" }, { "r2", "《水法》，annex" }, { "r3", "Pump Act第3条" },
	};
	for (size_t i = 0; i < sizeof zh / sizeof zh[0]; i++) {
		cg_catalog_source(c, cg_catalog_find(c, "screening_rules", zh[i].id), CG_LANG_ZH, out, sizeof out);
		assert_string_equal(out, zh[i].zh);
	}
	cg_catalog_free(c);
	cg_store_free(st);
}

static void import_store_and_verify(void **state)
{
	char db[1024];
	struct cg_store *st = NULL;
	struct cg_catalog *c = NULL;
	struct cg_catalog_import_result res;
	struct cg_warnings w = { 0 };
	struct cg_audit_report rep;
	struct cg_error err;
	char head[CG_HASH_HEX], head2[CG_HASH_HEX];
	int64_t n, n2;
	int events = 0;
	size_t len, before;
	char *data = data_file("imported.yaml", &len);
	(void)state;

	cg_error_init(&err, CG_LANG_EN);
	setenv("CIIGUARD_NOW", "2026-11-24T08:00:00Z", 1);
	snprintf(db, sizeof db, "%s", cg_test_new_db()); /* the string is static: keep a copy */
	if (cg_store_open(db, CG_STORE_CREATE, &st, &err) != CG_OK)
		fail_msg("%s", err.message);
	if (cg_catalog_import_ex(st, "cli:test", "imported.yaml", data, len, &res, &w, &err) != CG_OK)
		fail_msg("%s", err.message);
	assert_string_equal(res.urn, "urn:example:library:imported");
	assert_int_equal(res.version, 2);
	assert_int_equal(res.nodes, 2);
	assert_false(res.replaced);
	assert_true(has_warning(&w, "imported.yaml:20: unknown key 'display_mode' kept"));
	assert_true(has_warning(&w, "imported.yaml:10: the dependency 'urn:example:library:absent' is not loaded"));
	cg_warnings_release(&w);
	assert_int_equal(cg_audit_verify(st, NULL, &rep, &err), CG_OK);
	assert_int_equal(rep.records, 1);
	/* The open catalog has it after the built-in libraries, in its own language. */
	if (cg_catalog_open(st, &c, &err) != CG_OK)
		fail_msg("%s", err.message);
	before = cg_catalog_library_count(c);
	bool builtin = true;
	json_t *lib = cg_catalog_library(c, before - 1, &builtin);
	assert_false(builtin);
	assert_string_equal(json_string_value(json_object_get(lib, "urn")), "urn:example:library:imported");
	assert_string_equal(cg_catalog_text(lib, "name", CG_LANG_ZH), "导入的库");
	assert_string_equal(cg_catalog_text(lib, "name", CG_LANG_EN), "Imported library");
	json_t *node = cg_catalog_find(c, "requirement_nodes", "urn:example:req_node:imported:1.1");
	assert_non_null(node);
	assert_null(cg_catalog_text(node, "name", CG_LANG_EN));
	assert_string_equal(cg_catalog_text(node, "description", CG_LANG_ZH), "Politique de sécurité");
	assert_non_null(strstr(cg_catalog_version(c), "urn:example:library:imported@2"));
	assert_true(has_warning(cg_catalog_warnings(c), "the dependency 'urn:example:library:absent' is not loaded"));
	cg_catalog_free(c);
	/* Importing again replaces it, as an update. */
	assert_int_equal(cg_catalog_import_ex(st, "cli:test", "imported.yaml", data, len, &res, &w, &err), CG_OK);
	assert_true(res.replaced);
	cg_warnings_release(&w);
	assert_int_equal(cg_audit_each(st, NULL, 0, 0, count_events, &events, &err), CG_OK);
	assert_int_equal(events, 2);
	/* migrate (export, then import) carries it, with the chain. */
	struct cg_store *copy = cg_test_store();
	if (cg_migrate(st, copy, &err) != CG_OK)
		fail_msg("migrate: %s", err.message);
	assert_int_equal(cg_catalog_open(copy, &c, &err), CG_OK);
	assert_non_null(cg_catalog_find(c, "requirement_nodes", "urn:example:req_node:imported:1"));
	cg_catalog_free(c);
	assert_int_equal(cg_audit_verify(copy, NULL, &rep, &err), CG_OK);
	cg_store_free(copy);
	/* A bad file changes nothing. */
	assert_int_equal(cg_audit_head(st, &n, head, &err), CG_OK);
	assert_int_equal(cg_catalog_import(st, "cli:test", "bad.yaml", "urn: x\nname: [\n", 15, &w, &err), CG_E_INVALID);
	expect_message(&err, "bad.yaml:");
	assert_int_equal(cg_audit_head(st, &n2, head2, &err), CG_OK);
	assert_int_equal(n, n2);
	assert_string_equal(head, head2);
	cg_warnings_release(&w);
	/* An edit behind ciiguard's back is found by verify: of the version, then of the content. */
	assert_int_equal(cg_test_raw_exec(db, "UPDATE catalogs SET version = 99"), 0);
	assert_int_equal(cg_audit_verify(st, NULL, &rep, &err), CG_E_TAMPERED);
	assert_string_equal(rep.bad_entity, "catalog:urn:example:library:imported");
	assert_int_equal(cg_test_raw_exec(db, "UPDATE catalogs SET version = 2, content = content || '#'"), 0);
	assert_int_equal(cg_audit_verify(st, NULL, &rep, &err), CG_E_TAMPERED);
	assert_int_equal(cg_test_raw_exec(db, "UPDATE catalogs SET content = substr(content, 1, length(content) - 1)"), 0);
	assert_int_equal(cg_audit_verify(st, NULL, &rep, &err), CG_OK);
	/* Content that no longer parses stops the catalog from opening, naming the library. */
	assert_int_equal(cg_test_raw_exec(db, "UPDATE catalogs SET content = 'urn: ['"), 0);
	assert_int_equal(cg_catalog_open(st, &c, &err), CG_E_INVALID);
	expect_message(&err, "urn:example:library:imported");
	free(data);
	cg_store_free(st);
}

/* An imported library replaces a built-in one of the same urn only with a higher version. */
static void import_over_builtin(void **state)
{
	struct cg_store *st = cg_test_store();
	struct cg_catalog *c = NULL;
	struct cg_warnings w = { 0 };
	struct cg_error err;
	char yaml[600];
	json_t *lib;
	const char *urn;
	json_int_t version;
	(void)state;

	cg_error_init(&err, CG_LANG_EN);
	assert_int_equal(cg_catalog_open(NULL, &c, &err), CG_OK);
	if (cg_catalog_library_count(c) == 0) {
		cg_catalog_free(c);
		cg_store_free(st);
		printf("skipped: no built-in library\n");
		skip();
	}
	lib = cg_catalog_library(c, 0, NULL);
	urn = json_string_value(json_object_get(lib, "urn"));
	version = json_integer_value(json_object_get(lib, "version"));
	for (int newer = 0; newer < 2; newer++) {
		struct cg_catalog *c2;
		bool builtin;
		snprintf(yaml, sizeof yaml, "urn: %s\nname: Local edition\nversion: %lld\nobjects: {}\n", urn,
			 (long long)version + newer);
		if (cg_catalog_import(st, "cli:test", "local.yaml", yaml, strlen(yaml), &w, &err) != CG_OK)
			fail_msg("%s", err.message);
		assert_true(has_warning(&w, "local.yaml:3: the built-in library with this urn has version") == !newer);
		cg_warnings_release(&w);
		assert_int_equal(cg_catalog_open(st, &c2, &err), CG_OK);
		assert_int_equal(cg_catalog_library_count(c2), cg_catalog_library_count(c));
		lib = cg_catalog_library(c2, 0, &builtin);
		assert_true(builtin == !newer);
		assert_true(has_warning(cg_catalog_warnings(c2), "is not used: the built-in one has version") == !newer);
		assert_string_equal(json_string_value(json_object_get(lib, "name")), newer ? "Local edition" :
				    json_string_value(json_object_get(cg_catalog_library(c, 0, NULL), "name")));
		cg_catalog_free(c2);
	}
	cg_catalog_free(c);
	cg_store_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(builtins_load_cleanly),
		cmocka_unit_test(nist_csf_imports_unchanged),
		cmocka_unit_test(dynamic_questionnaire_warns),
		cmocka_unit_test(malformed_inputs_name_file_line_and_expectation),
		cmocka_unit_test(limits),
		cmocka_unit_test(scalars),
		cmocka_unit_test(strict_mode),
		cmocka_unit_test(messages_in_chinese),
		cmocka_unit_test(citations_in_both_languages),
		cmocka_unit_test(laws_are_checked),
		cmocka_unit_test(import_store_and_verify),
		cmocka_unit_test(import_over_builtin),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
