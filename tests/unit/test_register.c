/* Unit tests for the governance registers: who sees personal fields, and the audit trail's form
 * of them. */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "secret.h"

static json_t *person(void)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "id", "zhang", "name", "Zhang San", "role", "security_head",
			 "background_check_on", "2026-01-05", "background_check_result", "clean record",
			 "identity_change", "new passport");
}

static void redaction_by_role(void **state)
{
	const struct cg_rkind *k = cg_rkind_find("person");
	(void)state;

	assert_non_null(k);
	for (int i = 0; cg_roles[i]; i++) {
		json_t *doc = person(), *list = json_pack("[o,o]", person(), person());
		bool sees = strcmp(cg_roles[i], "admin") == 0 || strcmp(cg_roles[i], "security_officer") == 0;
		assert_true(cg_role_valid(cg_roles[i]));
		assert_int_equal(cg_role_sees_personal(cg_roles[i]), sees);
		cg_record_redact(k, doc, cg_roles[i]);
		cg_record_redact(k, list, cg_roles[i]);
		/* what is not personal stays for everyone */
		assert_string_equal(json_string_value(json_object_get(doc, "background_check_on")), "2026-01-05");
		assert_int_equal(json_object_get(doc, "background_check_result") != NULL, sees);
		assert_int_equal(json_object_get(doc, "identity_change") != NULL, sees);
		assert_int_equal(json_object_get(json_array_get(list, 1), "identity_change") != NULL, sees);
		if (!sees)
			assert_int_equal(json_array_size(json_object_get(doc, "redacted")), 2);
		else
			assert_null(json_object_get(doc, "redacted"));
		json_decref(doc);
		json_decref(list);
	}
	/* an unknown or missing role sees nothing personal */
	assert_false(cg_role_valid("root"));
	assert_false(cg_role_sees_personal(NULL));
	assert_false(cg_role_sees_personal("Admin"));
	/* a kind without personal fields is left as it is */
	json_t *v = json_pack("{s:s,s:s}", "id", "v1", "name", "Cloud");
	cg_record_redact(cg_rkind_find("vendor"), v, "auditor");
	assert_null(json_object_get(v, "redacted"));
	json_decref(v);
}

/* The trail holds HMAC-SHA-256 under the database's key: a stable key per database, different
 * between databases, and not the plain hash. */
static void keyed_hash(void **state)
{
	struct cg_error err;
	struct cg_store *a = cg_test_store(), *b = cg_test_store();
	unsigned char ka[CG_SECRET_LEN], ka2[CG_SECRET_LEN], kb[CG_SECRET_LEN];
	bool found;
	char ha[65], hb[65], plain[CG_HASH_HEX];
	(void)state;

	cg_error_init(&err, CG_LANG_EN);
	assert_int_equal(cg_secret_get(a, CG_SECRET_PERSONAL, false, ka, &found, &err), CG_OK);
	assert_false(found);
	assert_int_equal(cg_store_begin(a, &err), CG_OK);
	assert_int_equal(cg_secret_get(a, CG_SECRET_PERSONAL, true, ka, &found, &err), CG_OK);
	assert_true(found);
	assert_int_equal(cg_store_commit(a, &err), CG_OK);
	assert_int_equal(cg_secret_get(a, CG_SECRET_PERSONAL, false, ka2, &found, &err), CG_OK);
	assert_true(found);
	assert_memory_equal(ka, ka2, CG_SECRET_LEN);
	assert_int_equal(cg_store_begin(b, &err), CG_OK);
	assert_int_equal(cg_secret_get(b, CG_SECRET_PERSONAL, true, kb, &found, &err), CG_OK);
	assert_int_equal(cg_store_commit(b, &err), CG_OK);
	assert_memory_not_equal(ka, kb, CG_SECRET_LEN);
	cg_hmac_sha256_hex(ka, "clean record", 12, ha);
	cg_hmac_sha256_hex(kb, "clean record", 12, hb);
	cg_sha256_hex("clean record", 12, plain);
	assert_int_equal(strlen(ha), 64);
	assert_string_not_equal(ha, hb);
	assert_string_not_equal(ha, plain);
	/* RFC 4231 test case 2 shape: a known HMAC for a known key */
	unsigned char k0[CG_SECRET_LEN];
	memset(k0, 0, sizeof k0);
	memcpy(k0, "Jefe", 4);
	cg_hmac_sha256_hex(k0, "what do ya want for nothing?", 28, ha);
	assert_string_equal(ha, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	cg_store_free(a);
	cg_store_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(redaction_by_role),
		cmocka_unit_test(keyed_hash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
