/* Unit tests for the audit chain: the hash format, appends, head, verify and the log. */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "store_impl.h"

/* A known answer computed outside ciiguard with sha256sum (docs/internals/audit.md). */
static void event_hash_known_answer(void **state)
{
	char sh[CG_HASH_HEX], h[CG_HASH_HEX];
	(void)state;
	cg_sha256_hex("{\"x\":1}", 7, sh);
	assert_string_equal(sh, "5041bf1f713df204784353e82f6a4a535931cb64f1f4b4a5aeaffcb720918b22");
	struct cg_audit_event ev = {
		.seq = 1, .at = "2026-11-24T08:00:00.000Z", .actor = "cli:root", .action = "create",
		.entity_type = "system", .entity_id = "a1", .state = "{\"x\":1}", .state_hash = sh,
		.prev_hash = CG_AUDIT_GENESIS,
	};
	cg_audit_event_hash(&ev, h);
	assert_string_equal(h, "0ff84f5a6c82c47717339ea2f653789567a63842f31c2bda9a6c2a26309bf7d0");
	/* Netstrings make field boundaries unambiguous: moving a byte between fields changes it. */
	ev.actor = "cli:roo";
	ev.action = "tcreate";
	cg_audit_event_hash(&ev, sh);
	assert_string_not_equal(sh, h);
}

static struct cg_store *store_with_systems(int n)
{
	struct cg_store *st = cg_test_store();
	struct cg_error err;
	cg_error_init(&err, CG_LANG_EN);
	for (int i = 0; i < n; i++) {
		struct cg_system s;
		char id[16];
		cg_system_init(&s);
		snprintf(id, sizeof id, "s%d", i);
		assert_int_equal(cg_system_set_field(&s, "id", id, &err), CG_OK);
		assert_int_equal(cg_system_set_field(&s, "name", "System", &err), CG_OK);
		assert_int_equal(cg_system_set_field(&s, "sector", "energy", &err), CG_OK);
		assert_int_equal(cg_system_set_field(&s, "supports_core_business", "yes", &err), CG_OK);
		assert_int_equal(cg_system_set_field(&s, "harm_if_compromised", "serious", &err), CG_OK);
		assert_int_equal(cg_system_set_field(&s, "status", "production", &err), CG_OK);
		if (i > 0)
			assert_int_equal(cg_system_set_field(&s, "links", "depends_on:s0", &err), CG_OK);
		if (cg_system_add(st, "test", &s, &err) != CG_OK)
			fail_msg("add: %s", err.message);
		cg_system_release(&s);
	}
	return st;
}

static void head_and_verify(void **state)
{
	struct cg_store *st = cg_test_store();
	struct cg_error err;
	struct cg_audit_report rep;
	char head[CG_HASH_HEX], first[CG_HASH_HEX];
	int64_t count;
	(void)state;

	cg_error_init(&err, CG_LANG_EN);
	assert_int_equal(cg_audit_head(st, &count, head, &err), CG_OK);
	assert_int_equal(count, 0);
	assert_string_equal(head, CG_AUDIT_GENESIS);
	assert_int_equal(cg_audit_verify(st, NULL, &rep, &err), CG_OK);
	cg_store_free(st);

	st = store_with_systems(5);
	assert_int_equal(cg_audit_head(st, &count, head, &err), CG_OK);
	assert_int_equal(count, 5);
	assert_int_equal(cg_audit_verify(st, head, &rep, &err), CG_OK);
	assert_int_equal(rep.events, 5);
	assert_int_equal(rep.records, 5);
	assert_string_equal(rep.head, head);
	memcpy(first, head, sizeof first);
	/* An anchor that is not in the chain is reported. */
	first[0] = first[0] == 'a' ? 'b' : 'a';
	assert_int_equal(cg_audit_verify(st, first, &rep, &err), CG_E_TAMPERED);
	assert_non_null(strstr(err.message, "anchored head"));
	cg_store_free(st);
}

static void append_needs_transaction(void **state)
{
	struct cg_store *st = cg_test_store();
	struct cg_error err;
	(void)state;
	cg_error_init(&err, CG_LANG_EN);
	assert_int_equal(cg_audit_append(st, "x", "create", "system", "a", "{}", 2, &err), CG_E_USAGE);
	assert_int_equal(cg_store_begin(st, &err), CG_OK);
	assert_int_equal(cg_audit_append(st, "", "create", "system", "a", "{}", 2, &err), CG_E_INVALID);
	assert_string_equal(err.field, "actor");
	cg_store_rollback(st);
	cg_store_free(st);
}

/* Tampering through the store itself: each must be caught and named. */
static void detects_tampering(void **state)
{
	static const struct {
		const char *sql, *expect;
	} cases[] = {
		{ "UPDATE audit_events SET actor = 'mallory' WHERE seq = 2", "event 2 has been altered" },
		{ "DELETE FROM audit_events WHERE seq = 3", "event 3 is missing" },
		{ "UPDATE audit_events SET state = '{}' WHERE seq = 4", "event 4 has been altered" },
		{ "UPDATE systems SET name = 'x' WHERE id = 's2'", "record system:s2 differs" },
		{ "DELETE FROM system_links WHERE system_id = 's1'", "record system:s1 differs" },
		{ "UPDATE systems SET users = 1 WHERE id = 's4'", "record system:s4 differs" },
		{ "INSERT INTO systems SELECT 'new', name, owner, description, sector, supports_core_business, "
		  "harm_if_compromised, cross_sector_impact, notified_cii, notified_at, serves_cii_operators, "
		  "ai_kind, ai_model_source, ai_public_generative_service, data_pi_subjects, "
		  "data_sensitive_pi_subjects, data_important_data, data_core_data, users, mlps_level, "
		  "status, created_at, updated_at FROM systems WHERE id = 's0'", "record system:new is not in the audit trail" },
		{ "@DELETE FROM systems WHERE id = 's3'", "record system:s3 is missing" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct cg_store *st = store_with_systems(5);
		struct cg_audit_report rep;
		struct cg_error err;
		cg_error_init(&err, CG_LANG_EN);
		char sql[1024];
		/* "@" marks statements that need foreign keys off, as in the sqlite3 shell. */
		snprintf(sql, sizeof sql, "%s%s", cases[i].sql[0] == '@' ? cg_test_fk_off() : "",
			 cases[i].sql + (cases[i].sql[0] == '@'));
		assert_int_equal(cg_store_exec(st, sql, &err), CG_OK);
		assert_int_equal(cg_audit_verify(st, NULL, &rep, &err), CG_E_TAMPERED);
		if (!strstr(err.message, cases[i].expect))
			fail_msg("case %zu: expected '%s' in '%s'", i, cases[i].expect, err.message);
		cg_store_free(st);
	}
}

/* A delete recorded with an empty state (as register deletes were until 2026-12-07) verifies as
 * the delete it is; an empty state on any other action, or a state added to a delete, does not. */
static void legacy_empty_delete(void **state)
{
	static const struct {
		const char *action, *state;
		cg_code want;
	} cases[] = {
		{ "delete", "", CG_OK },
		{ "delete", "{}", CG_E_TAMPERED },
		{ "update", "", CG_E_TAMPERED },
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct cg_store *st = store_with_systems(5);
		struct cg_audit_report rep;
		struct cg_error err;
		cg_error_init(&err, CG_LANG_EN);
		assert_int_equal(cg_store_begin(st, &err), CG_OK);
		if (strcmp(cases[i].action, "delete") == 0)
			assert_int_equal(cg_store_exec(st, "DELETE FROM system_links WHERE system_id = 's4'; "
						       "DELETE FROM systems WHERE id = 's4'", &err), CG_OK);
		assert_int_equal(cg_audit_append(st, "test", cases[i].action, "system", "s4", cases[i].state,
						 strlen(cases[i].state), &err), CG_OK);
		assert_int_equal(cg_store_commit(st, &err), CG_OK);
		if (cg_audit_verify(st, NULL, &rep, &err) != cases[i].want)
			fail_msg("case %zu: %s with state '%s': %s", i, cases[i].action, cases[i].state, err.message);
		if (cases[i].want == CG_OK)
			assert_int_equal(rep.records, 4);
		cg_store_free(st);
	}
}

/* Rows and events that hash correctly but do not fit the records' lives. */
static void detects_consistent_forgeries(void **state)
{
	struct cg_store *st = store_with_systems(3);
	struct cg_audit_report rep;
	struct cg_error err;
	char head[CG_HASH_HEX];
	int64_t count;
	(void)state;
	cg_error_init(&err, CG_LANG_EN);
	/* A leftover link of a system that was deleted. */
	assert_int_equal(cg_system_delete(st, "t", "s2", &err), CG_OK);
	char fk[200];
	snprintf(fk, sizeof fk, "%sINSERT INTO system_links VALUES ('s2', 's0', 'depends_on')", cg_test_fk_off());
	assert_int_equal(cg_store_exec(st, fk, &err), CG_OK);
	assert_int_equal(cg_audit_verify(st, NULL, &rep, &err), CG_E_TAMPERED);
	assert_non_null(strstr(err.message, "belongs to no recorded system"));
	assert_string_equal(rep.bad_entity, "system:s2");
	assert_int_equal(cg_store_exec(st, "DELETE FROM system_links WHERE system_id = 's2'", &err), CG_OK);
	assert_int_equal(cg_audit_verify(st, NULL, &rep, &err), CG_OK);
	/* A well-hashed event deleting a system that no longer exists. */
	assert_int_equal(cg_audit_head(st, &count, head, &err), CG_OK);
	struct cg_audit_event ev = {
		.seq = count + 1, .at = "2026-11-24T08:00:00.000Z", .actor = "mallory", .action = "delete",
		.entity_type = "system", .entity_id = "s2", .state = NULL, .state_hash = "", .prev_hash = head,
	};
	char hash[CG_HASH_HEX], sql[600];
	cg_audit_event_hash(&ev, hash);
	snprintf(sql, sizeof sql, "INSERT INTO audit_events VALUES (%lld, '%s', 'mallory', 'delete', 'system', "
		 "'s2', NULL, '', '%s', '%s')", (long long)ev.seq, ev.at, head, hash);
	assert_int_equal(cg_store_exec(st, sql, &err), CG_OK);
	assert_int_equal(cg_audit_verify(st, NULL, &rep, &err), CG_E_TAMPERED);
	assert_int_equal(rep.bad_seq, count + 1);
	assert_non_null(strstr(err.message, "did not exist"));
	cg_store_free(st);
}

static int count_event(const struct cg_audit_event *ev, void *ud)
{
	int *n = ud;
	assert_string_equal(ev->entity_type, "system");
	(*n)++;
	return 0;
}

static void log_by_entity(void **state)
{
	struct cg_store *st = store_with_systems(3);
	struct cg_error err;
	int n = 0;
	(void)state;
	cg_error_init(&err, CG_LANG_EN);
	assert_int_equal(cg_system_delete(st, "test", "s2", &err), CG_OK);
	assert_int_equal(cg_audit_each(st, "s2", 0, 0, count_event, &n, &err), CG_OK);
	assert_int_equal(n, 2);
	n = 0;
	assert_int_equal(cg_audit_each(st, "system:s2", 1, 0, count_event, &n, &err), CG_OK);
	assert_int_equal(n, 1);
	n = 0;
	assert_int_equal(cg_audit_each(st, NULL, 0, 2, count_event, &n, &err), CG_OK);
	assert_int_equal(n, 2);
	struct cg_audit_report rep;
	assert_int_equal(cg_audit_verify(st, NULL, &rep, &err), CG_OK);
	assert_int_equal(rep.records, 2);
	cg_store_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(event_hash_known_answer),
		cmocka_unit_test(head_and_verify),
		cmocka_unit_test(append_needs_transaction),
		cmocka_unit_test(detects_tampering),
		cmocka_unit_test(legacy_empty_delete),
		cmocka_unit_test(log_by_entity),
		cmocka_unit_test(detects_consistent_forgeries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
