/*
 * Secrets of a database. A key is 32 random bytes from the OpenSSL generator, kept hex-encoded in
 * the table secrets beside the data it protects: it protects what leaves the database (the audit
 * trail as an inspector reads it, an exported log), not the database itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "ciiguard/audit.h"
#include "ciiguard/clock.h"
#include "ciiguard/i18n.h"
#include "ciiguard/json.h"
#include "secret.h"
#include "banned.h"

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static bool from_hex(const char *s, unsigned char key[CG_SECRET_LEN])
{
	if (!s || strlen(s) != 2 * CG_SECRET_LEN)
		return false;
	for (size_t i = 0; i < CG_SECRET_LEN; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		key[i] = (unsigned char)(hi << 4 | lo);
	}
	return true;
}

cg_code cg_secret_get(struct cg_store *st, const char *name, bool create, unsigned char key[CG_SECRET_LEN],
		      bool *found, struct cg_error *err)
{
	struct cg_stmt *q;
	enum cg_step s;
	char hex[2 * CG_SECRET_LEN + 1], now[CG_TIME_MAX];
	cg_code r = cg_store_prepare(st, "SELECT value FROM secrets WHERE name = ?", &q, err);

	*found = false;
	if (r != CG_OK)
		return r;
	if (cg_stmt_bind_text(q, 1, name) != CG_OK) {
		cg_stmt_done(q);
		return cg_error_set(err, CG_E_STORE, NULL, N_("could not bind a query parameter"));
	}
	if ((s = cg_stmt_step(q, err)) == CG_STEP_ROW) {
		bool ok = from_hex(cg_stmt_text(q, 0), key);
		cg_stmt_done(q);
		if (!ok)
			return cg_error_set(err, CG_E_TAMPERED, NULL, N_("the database's secret '%s' is damaged"), name);
		*found = true;
		return CG_OK;
	}
	cg_stmt_done(q);
	if (s == CG_STEP_ERROR)
		return err && err->code ? err->code : CG_E_STORE;
	if (!create)
		return CG_OK;
	if (RAND_bytes(key, CG_SECRET_LEN) != 1)
		return cg_error_set(err, CG_E_INTERNAL, NULL, N_("the random number generator failed"));
	cg_hex(key, CG_SECRET_LEN, hex);
	if ((r = cg_now(now, err)) != CG_OK ||
	    (r = cg_store_prepare(st, "INSERT INTO secrets (name, value, created_at) VALUES (?, ?, ?)", &q, err)) != CG_OK)
		return r;
	if (cg_stmt_bind_text(q, 1, name) != CG_OK || cg_stmt_bind_text(q, 2, hex) != CG_OK ||
	    cg_stmt_bind_text(q, 3, now) != CG_OK) {
		cg_stmt_done(q);
		return cg_error_set(err, CG_E_STORE, NULL, N_("could not bind a query parameter"));
	}
	if ((r = cg_stmt_run(q, err)) == CG_OK)
		*found = true;
	return r;
}

void cg_hmac_sha256_hex(const unsigned char key[CG_SECRET_LEN], const void *p, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (!HMAC(EVP_sha256(), key, CG_SECRET_LEN, p, len, md, &n) || n != 32) {
		out[0] = '\0';
		return;
	}
	cg_hex(md, n, out);
}

cg_code cg_secrets_each_row(struct cg_store *st, int (*fn)(const char *, const char *, const char *, size_t, void *),
			    void *ud, struct cg_error *err)
{
	struct cg_stmt *q;
	enum cg_step s;
	cg_code r = cg_store_prepare(st, "SELECT name, value, created_at FROM secrets ORDER BY name", &q, err);

	if (r != CG_OK)
		return r;
	while ((s = cg_stmt_step(q, err)) == CG_STEP_ROW) {
		json_t *row = json_pack("{s:s,s:s,s:s}", "name", cg_stmt_text(q, 0), "value", cg_stmt_text(q, 1),
					"created_at", cg_stmt_text(q, 2));
		char *text = row ? cg_json_dump(row, CG_JSON_SORTED, NULL) : NULL;
		json_decref(row);
		if (!text) {
			cg_stmt_done(q);
			return cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
		}
		int stop = fn("secret", "", text, strlen(text), ud);
		free(text);
		if (stop)
			break;
	}
	cg_stmt_done(q);
	return s == CG_STEP_ERROR ? (err && err->code ? err->code : CG_E_STORE) : CG_OK;
}

cg_code cg_secret_restore(struct cg_store *st, json_t *row, struct cg_error *err)
{
	static const char *const cols[] = { "name", "value", "created_at" };
	unsigned char key[CG_SECRET_LEN];
	struct cg_stmt *q;
	cg_code r;

	for (int i = 0; i < 3; i++)
		if (!json_is_string(json_object_get(row, cols[i])))
			return cg_error_set(err, CG_E_INVALID, cols[i], N_("%s: is required"), cols[i]);
	if (!from_hex(json_string_value(json_object_get(row, "value")), key))
		return cg_error_set(err, CG_E_INVALID, "value", N_("value: expected %d hexadecimal digits"), 2 * CG_SECRET_LEN);
	if ((r = cg_store_prepare(st, "INSERT INTO secrets (name, value, created_at) VALUES (?, ?, ?)", &q, err)) != CG_OK)
		return r;
	for (int i = 0; i < 3; i++)
		if (cg_stmt_bind_text(q, i + 1, json_string_value(json_object_get(row, cols[i]))) != CG_OK) {
			cg_stmt_done(q);
			return cg_error_set(err, CG_E_STORE, NULL, N_("could not bind a query parameter"));
		}
	return cg_stmt_run(q, err);
}
