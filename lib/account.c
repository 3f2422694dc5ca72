/*
 * Accounts (include/ciiguard/account.h). Passwords: argon2id, encoded with its salt and cost, so
 * a cost raised later applies to new hashes while old ones still verify. Tokens: "cgt_" + a
 * public id (16 hex) + "_" + a secret (64 hex, 256 random bits); only the SHA-256 of the secret is
 * kept, which is enough for a secret that cannot be guessed, and compared in constant time.
 * Audit: entity "user" {name, role, lang, disabled, password_changed_at, password_digest (the
 * SHA-256 of the stored hash: a change behind ciiguard's back fails audit verify, and the trail
 * holds nothing an attacker could try passwords against)}, entity "token" {id, user, scope,
 * created_at, expires_at, revoked_at, secret_sha256}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "ciiguard/account.h"
#include "ciiguard/audit.h"
#include "ciiguard/clock.h"
#include "ciiguard/i18n.h"
#include "ciiguard/json.h"
#include "ciiguard/register.h"
#include "entity.h"
#include "banned.h"

static cg_code nomem(struct cg_error *err)
{
	return cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
}

static cg_code bind_fail(struct cg_stmt *q, struct cg_error *err)
{
	cg_stmt_done(q);
	return cg_error_set(err, CG_E_STORE, NULL, N_("could not bind a query parameter"));
}

void cg_argon2_cost(uint32_t *t_cost, uint32_t *m_kib)
{
	const char *t = getenv("CIIGUARD_ARGON2_T"), *m = getenv("CIIGUARD_ARGON2_M_KIB");
	long tv = t ? strtol(t, NULL, 10) : 0, mv = m ? strtol(m, NULL, 10) : 0;
	*t_cost = tv >= 1 && tv <= 100 ? (uint32_t)tv : 2;
	*m_kib = mv >= 8 && mv <= 4 * 1024 * 1024 ? (uint32_t)mv : 19456;
}

bool cg_password_generate(char *out, size_t len)
{
	static const char alphabet[] = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"; /* 54 */
	unsigned char r;
	size_t i = 0;
	while (i < len) {
		if (RAND_bytes(&r, 1) != 1)
			return false;
		if (r >= 54 * 4) /* no modulo bias */
			continue;
		out[i++] = alphabet[r % 54];
	}
	out[len] = '\0';
	return true;
}

static bool name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > CG_USER_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-' || c == '@'))
			return false;
	}
	return true;
}

static cg_code check_password(const char *pw, struct cg_error *err)
{
	size_t n = pw ? strlen(pw) : 0;
	if (n < CG_PASSWORD_MIN || n > CG_PASSWORD_MAX)
		return cg_error_set(err, CG_E_INVALID, "password", N_("password: expected %d to %d characters"),
				    CG_PASSWORD_MIN, CG_PASSWORD_MAX);
	return CG_OK;
}

static cg_code hash_password(const char *pw, char *out, size_t n, struct cg_error *err)
{
	uint32_t t, m;
	unsigned char salt[16];
	cg_argon2_cost(&t, &m);
	if (RAND_bytes(salt, sizeof salt) != 1)
		return cg_error_set(err, CG_E_INTERNAL, NULL, N_("the random number generator failed"));
	if (argon2id_hash_encoded(t, m, 1, pw, strlen(pw), salt, sizeof salt, 32, out, n) != ARGON2_OK)
		return cg_error_set(err, CG_E_INTERNAL, NULL, N_("could not hash the password"));
	return CG_OK;
}

/* --- users --- */

static json_t *user_state(struct cg_stmt *q)
{
	char digest[CG_HASH_HEX];
	const char *h = cg_stmt_text(q, 2);
	cg_sha256_hex(h ? h : "", h ? strlen(h) : 0, digest);
	return json_pack("{s:s,s:s,s:s?,s:b,s:s,s:s,s:s,s:s}", "name", cg_stmt_text(q, 0), "role", cg_stmt_text(q, 1),
			 "lang", cg_stmt_text(q, 3), "disabled", cg_stmt_int64(q, 4) != 0, "password_changed_at",
			 cg_stmt_text(q, 5), "created_at", cg_stmt_text(q, 6), "updated_at", cg_stmt_text(q, 7),
			 "password_digest", digest);
}

static const char user_cols[] = "SELECT name, role, password_hash, lang, disabled, password_changed_at, created_at, updated_at FROM users";

/* Audits the current state of one account, of entity type `type`, in the open transaction:
 * `sql` selects its row by its key, and `state` makes the audited state of the row. CG_E_NOTFOUND,
 * with no message, when there is no such row: the caller names what is missing. */
static cg_code audit_account(struct cg_store *st, const char *sql, json_t *(*state)(struct cg_stmt *),
			     const char *actor, const char *action, const char *type, const char *key,
			     struct cg_error *err)
{
	struct cg_stmt *q;
	cg_code r;
	if ((r = cg_store_prepare(st, sql, &q, err)) != CG_OK)
		return r;
	if (cg_stmt_bind_text(q, 1, key) != CG_OK)
		return bind_fail(q, err);
	if (cg_stmt_step(q, err) != CG_STEP_ROW) {
		cg_stmt_done(q);
		return CG_E_NOTFOUND;
	}
	json_t *o = state(q);
	cg_stmt_done(q);
	char *text = o ? cg_json_dump(o, CG_JSON_SORTED, NULL) : NULL;
	json_decref(o);
	if (!text)
		return nomem(err);
	r = cg_audit_append(st, actor, action, type, key, text, strlen(text), err);
	free(text);
	return r;
}

/* Audits the current state of user `name` (in the open transaction). */
static cg_code audit_user(struct cg_store *st, const char *actor, const char *action, const char *name,
			  struct cg_error *err)
{
	char sql[256];
	snprintf(sql, sizeof sql, "%s WHERE name = ?", user_cols);
	cg_code r = audit_account(st, sql, user_state, actor, action, "user", name, err);
	return r == CG_E_NOTFOUND ? cg_error_set(err, r, "name", N_("user '%s' does not exist"), name) : r;
}

cg_code cg_user_add(struct cg_store *st, const char *actor, const char *name, const char *role, const char *password,
		    const char *lang, struct cg_error *err)
{
	char hash[256], now[CG_TIME_MAX];
	struct cg_stmt *q;
	bool own = !cg_store_in_transaction(st);
	cg_code r;

	if (!name_ok(name))
		return cg_error_set(err, CG_E_INVALID, "name",
				    N_("name: expected 1 to %d letters, digits or . _ - @"), CG_USER_MAX);
	if (!cg_role_valid(role))
		return cg_error_set(err, CG_E_INVALID, "role",
				    N_("role: expected admin, security_officer, principal, project_owner, procurement or auditor, got '%s'"),
				    role ? role : "");
	if (lang && strcmp(lang, "en") != 0 && strcmp(lang, "zh") != 0)
		return cg_error_set(err, CG_E_INVALID, "lang", N_("lang: expected en or zh, got '%s'"), lang);
	if ((r = check_password(password, err)) != CG_OK || (r = hash_password(password, hash, sizeof hash, err)) != CG_OK ||
	    (r = cg_now(now, err)) != CG_OK)
		return r;
	if (own && (r = cg_store_begin(st, err)) != CG_OK)
		return r;
	r = cg_store_prepare(st, "SELECT 1 FROM users WHERE name = ?", &q, err);
	if (r == CG_OK) {
		if (cg_stmt_bind_text(q, 1, name) != CG_OK) {
			r = bind_fail(q, err);
		} else {
			enum cg_step s = cg_stmt_step(q, err);
			cg_stmt_done(q);
			if (s == CG_STEP_ROW)
				r = cg_error_set(err, CG_E_EXISTS, "name", N_("user '%s' already exists"), name);
			else if (s == CG_STEP_ERROR)
				r = err && err->code ? err->code : CG_E_STORE;
		}
	}
	if (r == CG_OK && (r = cg_store_prepare(st, "INSERT INTO users (name, role, password_hash, lang, disabled, "
				"password_changed_at, created_at, updated_at) VALUES (?, ?, ?, ?, 0, ?, ?, ?)", &q, err)) == CG_OK) {
		if (cg_stmt_bind_text(q, 1, name) || cg_stmt_bind_text(q, 2, role) || cg_stmt_bind_text(q, 3, hash) ||
		    (lang ? cg_stmt_bind_text(q, 4, lang) : cg_stmt_bind_null(q, 4)) || cg_stmt_bind_text(q, 5, now) ||
		    cg_stmt_bind_text(q, 6, now) || cg_stmt_bind_text(q, 7, now))
			r = bind_fail(q, err);
		else
			r = cg_stmt_run(q, err);
	}
	if (r == CG_OK)
		r = audit_user(st, actor, "create", name, err);
	OPENSSL_cleanse(hash, sizeof hash);
	return cg_store_end(st, own, r, err);
}

/* Runs an UPDATE of one user (the name bound last) and audits it. */
static cg_code update_user(struct cg_store *st, const char *actor, const char *name, const char *sql,
			   const char *a, const char *b, const char *c, struct cg_error *err)
{
	struct cg_stmt *q;
	bool own = !cg_store_in_transaction(st);
	cg_code r = own ? cg_store_begin(st, err) : CG_OK;
	const char *v[] = { a, b, c };
	int n = 0;

	if (r == CG_OK && (r = cg_store_prepare(st, sql, &q, err)) == CG_OK) {
		for (int i = 0; i < 3 && r == CG_OK; i++)
			if (v[i] && cg_stmt_bind_text(q, ++n, v[i]) != CG_OK)
				r = bind_fail(q, err);
		if (r == CG_OK && cg_stmt_bind_text(q, ++n, name) != CG_OK)
			r = bind_fail(q, err);
		if (r == CG_OK && (r = cg_stmt_run(q, err)) == CG_OK && cg_stmt_changes(q) == 0)
			r = cg_error_set(err, CG_E_NOTFOUND, "name", N_("user '%s' does not exist"), name);
	}
	if (r == CG_OK)
		r = audit_user(st, actor, "update", name, err);
	return cg_store_end(st, own, r, err);
}

/* Ends every console session of user `name` (in the open transaction). */
static cg_code end_sessions(struct cg_store *st, const char *name, struct cg_error *err)
{
	struct cg_stmt *q;
	cg_code r = cg_store_prepare(st, "DELETE FROM sessions WHERE user_name = ?", &q, err);
	if (r != CG_OK)
		return r;
	if (cg_stmt_bind_text(q, 1, name) != CG_OK)
		return bind_fail(q, err);
	return cg_stmt_run(q, err);
}

/* A new password, or a disabled account, ends the user's console sessions in the same
 * transaction: whoever signed in with the old password, or before the account was disabled, is
 * signed out (and stays so when the account is enabled again). */
cg_code cg_user_set_password(struct cg_store *st, const char *actor, const char *name, const char *password,
			     struct cg_error *err)
{
	char hash[256], now[CG_TIME_MAX];
	bool own = !cg_store_in_transaction(st);
	cg_code r;
	if ((r = check_password(password, err)) != CG_OK || (r = hash_password(password, hash, sizeof hash, err)) != CG_OK ||
	    (r = cg_now(now, err)) != CG_OK || (own && (r = cg_store_begin(st, err)) != CG_OK)) {
		OPENSSL_cleanse(hash, sizeof hash);
		return r;
	}
	r = update_user(st, actor, name, "UPDATE users SET password_hash = ?, password_changed_at = ?, updated_at = ? WHERE name = ?",
			hash, now, now, err);
	OPENSSL_cleanse(hash, sizeof hash);
	if (r == CG_OK)
		r = end_sessions(st, name, err);
	return cg_store_end(st, own, r, err);
}

cg_code cg_user_set_disabled(struct cg_store *st, const char *actor, const char *name, bool disabled,
			     struct cg_error *err)
{
	char now[CG_TIME_MAX];
	bool own = !cg_store_in_transaction(st);
	cg_code r = cg_now(now, err);
	if (r != CG_OK || (own && (r = cg_store_begin(st, err)) != CG_OK))
		return r;
	r = update_user(st, actor, name, disabled ? "UPDATE users SET disabled = 1, updated_at = ? WHERE name = ?" :
			"UPDATE users SET disabled = 0, updated_at = ? WHERE name = ?", now, NULL, NULL, err);
	if (r == CG_OK && disabled)
		r = end_sessions(st, name, err);
	return cg_store_end(st, own, r, err);
}

cg_code cg_user_set_lang(struct cg_store *st, const char *actor, const char *name, const char *lang,
			 struct cg_error *err)
{
	char now[CG_TIME_MAX];
	cg_code r;
	if (!lang || (strcmp(lang, "en") != 0 && strcmp(lang, "zh") != 0))
		return cg_error_set(err, CG_E_INVALID, "lang", N_("lang: expected en or zh, got '%s'"), lang ? lang : "");
	if ((r = cg_now(now, err)) != CG_OK)
		return r;
	return update_user(st, actor, name, "UPDATE users SET lang = ?, updated_at = ? WHERE name = ?", lang, now, NULL, err);
}

cg_code cg_user_list(struct cg_store *st, json_t **out, struct cg_error *err)
{
	struct cg_stmt *q;
	enum cg_step s;
	char sql[256];
	cg_code r;

	*out = json_array();
	snprintf(sql, sizeof sql, "%s ORDER BY name", user_cols);
	if (!*out)
		return nomem(err);
	if ((r = cg_store_prepare(st, sql, &q, err)) != CG_OK)
		return r;
	while ((s = cg_stmt_step(q, err)) == CG_STEP_ROW) {
		json_t *u = user_state(q);
		json_object_del(u, "password_digest");
		json_array_append_new(*out, u);
	}
	cg_stmt_done(q);
	return s == CG_STEP_ERROR ? (err && err->code ? err->code : CG_E_STORE) : CG_OK;
}

static cg_code denied(struct cg_error *err)
{
	return cg_error_set(err, CG_E_DENIED, NULL, N_("wrong user name or password"));
}

cg_code cg_user_login(struct cg_store *st, const char *name, const char *password, char role[32], struct cg_error *err)
{
	/* A valid hash to verify against when the user does not exist, so that the time taken
	 * does not tell whether a name exists. */
	static char dummy[256];
	struct cg_stmt *q;
	char hash[256] = "";
	bool found = false, disabled = true;
	cg_code r;

	role[0] = '\0';
	if (!dummy[0] && hash_password("not a password at all", dummy, sizeof dummy, err) != CG_OK)
		return err->code;
	if (!name_ok(name) || !password || strlen(password) > CG_PASSWORD_MAX) {
		(void)argon2id_verify(dummy, "x", 1);
		return denied(err);
	}
	if ((r = cg_store_prepare(st, "SELECT password_hash, role, disabled FROM users WHERE name = ?", &q, err)) != CG_OK)
		return r;
	if (cg_stmt_bind_text(q, 1, name) != CG_OK)
		return bind_fail(q, err);
	if (cg_stmt_step(q, err) == CG_STEP_ROW) {
		found = true;
		snprintf(hash, sizeof hash, "%s", cg_stmt_text(q, 0) ? cg_stmt_text(q, 0) : "");
		snprintf(role, 32, "%s", cg_stmt_text(q, 1) ? cg_stmt_text(q, 1) : "");
		disabled = cg_stmt_int64(q, 2) != 0;
	}
	cg_stmt_done(q);
	int ok = argon2id_verify(found ? hash : dummy, password, strlen(password)) == ARGON2_OK;
	OPENSSL_cleanse(hash, sizeof hash);
	if (!found || !ok || disabled) {
		role[0] = '\0';
		return denied(err);
	}
	return CG_OK;
}

/* --- tokens --- */

static json_t *token_state(struct cg_stmt *q)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:s?,s:s?,s:s}", "id", cg_stmt_text(q, 0), "user", cg_stmt_text(q, 1),
			 "scope", cg_stmt_text(q, 3), "created_at", cg_stmt_text(q, 4), "expires_at", cg_stmt_text(q, 5),
			 "revoked_at", cg_stmt_text(q, 6), "secret_sha256", cg_stmt_text(q, 2));
}

static const char token_cols[] = "SELECT id, user_name, secret_sha256, scope, created_at, expires_at, revoked_at FROM api_tokens";

static cg_code audit_token(struct cg_store *st, const char *actor, const char *action, const char *id,
			   struct cg_error *err)
{
	char sql[256];
	snprintf(sql, sizeof sql, "%s WHERE id = ?", token_cols);
	cg_code r = audit_account(st, sql, token_state, actor, action, "token", id, err);
	return r == CG_E_NOTFOUND ? cg_error_set(err, r, "id", N_("token '%s' does not exist"), id) : r;
}

cg_code cg_token_create(struct cg_store *st, const char *actor, const char *user, int64_t expires_ms,
			const char *scope, char out[CG_TOKEN_MAX], struct cg_error *err)
{
	unsigned char idb[8], secret[32];
	char id[17], sec[65], digest[CG_HASH_HEX], now[CG_TIME_MAX], exp[CG_TIME_MAX] = "";
	struct cg_stmt *q;
	bool own = !cg_store_in_transaction(st);
	int64_t ms;
	cg_code r;

	out[0] = '\0';
	if (!scope)
		scope = "write";
	if (strcmp(scope, "read") != 0 && strcmp(scope, "write") != 0)
		return cg_error_set(err, CG_E_INVALID, "scope", N_("scope: expected read or write, got '%s'"), scope);
	if (expires_ms < 0)
		return cg_error_set(err, CG_E_INVALID, "expires", N_("expires: expected a duration after now"));
	if (RAND_bytes(idb, sizeof idb) != 1 || RAND_bytes(secret, sizeof secret) != 1)
		return cg_error_set(err, CG_E_INTERNAL, NULL, N_("the random number generator failed"));
	cg_hex(idb, sizeof idb, id);
	cg_hex(secret, sizeof secret, sec);
	cg_sha256_hex(sec, strlen(sec), digest);
	if ((r = cg_now(now, err)) != CG_OK)
		return r;
	if (expires_ms > 0 && cg_rfc3339_parse(now, &ms))
		cg_rfc3339_format(ms + expires_ms, exp);
	if (own && (r = cg_store_begin(st, err)) != CG_OK)
		return r;
	r = cg_store_prepare(st, "SELECT disabled FROM users WHERE name = ?", &q, err);
	if (r == CG_OK) {
		if (cg_stmt_bind_text(q, 1, user ? user : "") != CG_OK) {
			r = bind_fail(q, err);
		} else {
			enum cg_step s = cg_stmt_step(q, err);
			bool disabled = s == CG_STEP_ROW && cg_stmt_int64(q, 0) != 0;
			cg_stmt_done(q);
			if (s != CG_STEP_ROW)
				r = cg_error_set(err, CG_E_NOTFOUND, "user", N_("user '%s' does not exist"), user ? user : "");
			else if (disabled)
				r = cg_error_set(err, CG_E_CONFLICT, "user", N_("user '%s' is disabled"), user);
		}
	}
	if (r == CG_OK && (r = cg_store_prepare(st, "INSERT INTO api_tokens (id, user_name, secret_sha256, scope, created_at, "
				"expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, NULL)", &q, err)) == CG_OK) {
		if (cg_stmt_bind_text(q, 1, id) || cg_stmt_bind_text(q, 2, user) || cg_stmt_bind_text(q, 3, digest) ||
		    cg_stmt_bind_text(q, 4, scope) || cg_stmt_bind_text(q, 5, now) ||
		    (exp[0] ? cg_stmt_bind_text(q, 6, exp) : cg_stmt_bind_null(q, 6)))
			r = bind_fail(q, err);
		else
			r = cg_stmt_run(q, err);
	}
	if (r == CG_OK)
		r = audit_token(st, actor, "create", id, err);
	r = cg_store_end(st, own, r, err);
	if (r == CG_OK)
		snprintf(out, CG_TOKEN_MAX, "cgt_%s_%s", id, sec);
	OPENSSL_cleanse(sec, sizeof sec);
	OPENSSL_cleanse(secret, sizeof secret);
	return r;
}

cg_code cg_token_revoke(struct cg_store *st, const char *actor, const char *id, struct cg_error *err)
{
	char now[CG_TIME_MAX];
	struct cg_stmt *q;
	bool own = !cg_store_in_transaction(st);
	cg_code r = cg_now(now, err);

	if (r == CG_OK && own)
		r = cg_store_begin(st, err);
	else
		own = false;
	if (r == CG_OK && (r = cg_store_prepare(st, "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
						 &q, err)) == CG_OK) {
		if (cg_stmt_bind_text(q, 1, now) || cg_stmt_bind_text(q, 2, id ? id : ""))
			r = bind_fail(q, err);
		else if ((r = cg_stmt_run(q, err)) == CG_OK && cg_stmt_changes(q) == 0)
			r = cg_error_set(err, CG_E_NOTFOUND, "id", N_("token '%s' does not exist or is already revoked"), id ? id : "");
	}
	if (r == CG_OK)
		r = audit_token(st, actor, "update", id, err);
	return cg_store_end(st, own, r, err);
}

cg_code cg_token_list(struct cg_store *st, const char *user, json_t **out, struct cg_error *err)
{
	struct cg_stmt *q;
	enum cg_step s;
	char sql[256], now[CG_TIME_MAX];
	cg_code r = cg_now(now, err);

	*out = json_array();
	if (!*out)
		return nomem(err);
	snprintf(sql, sizeof sql, "%s%s ORDER BY created_at, id", token_cols, user ? " WHERE user_name = ?" : "");
	if (r != CG_OK || (r = cg_store_prepare(st, sql, &q, err)) != CG_OK)
		return r;
	if (user && cg_stmt_bind_text(q, 1, user) != CG_OK)
		return bind_fail(q, err);
	while ((s = cg_stmt_step(q, err)) == CG_STEP_ROW) {
		json_t *t = token_state(q);
		const char *exp = cg_stmt_text(q, 5);
		json_object_del(t, "secret_sha256");
		json_object_set_new(t, "expired", json_boolean(exp && strcmp(exp, now) <= 0));
		json_array_append_new(*out, t);
	}
	cg_stmt_done(q);
	return s == CG_STEP_ERROR ? (err && err->code ? err->code : CG_E_STORE) : CG_OK;
}

cg_code cg_token_check(struct cg_store *st, const char *token, char user[CG_USER_MAX + 1], char role[32],
		       char scope[8], struct cg_error *err)
{
	char id[17], digest[CG_HASH_HEX], now[CG_TIME_MAX];
	struct cg_stmt *q;
	cg_code r;
	bool ok = false;

	user[0] = role[0] = scope[0] = '\0';
	/* cgt_ + 16 hex + _ + 64 hex */
	if (!token || strlen(token) != 4 + 16 + 1 + 64 || strncmp(token, "cgt_", 4) != 0 || token[20] != '_')
		return cg_error_set(err, CG_E_DENIED, NULL, N_("the token is not valid"));
	for (int i = 4; i < 85; i++)
		if (i != 20 && !((token[i] >= '0' && token[i] <= '9') || (token[i] >= 'a' && token[i] <= 'f')))
			return cg_error_set(err, CG_E_DENIED, NULL, N_("the token is not valid"));
	memcpy(id, token + 4, 16);
	id[16] = '\0';
	cg_sha256_hex(token + 21, 64, digest);
	if ((r = cg_now(now, err)) != CG_OK)
		return r;
	if ((r = cg_store_prepare(st, "SELECT t.secret_sha256, t.user_name, u.role, t.scope, t.expires_at, t.revoked_at, u.disabled "
				  "FROM api_tokens t JOIN users u ON u.name = t.user_name WHERE t.id = ?", &q, err)) != CG_OK)
		return r;
	if (cg_stmt_bind_text(q, 1, id) != CG_OK)
		return bind_fail(q, err);
	if (cg_stmt_step(q, err) == CG_STEP_ROW) {
		const char *want = cg_stmt_text(q, 0), *exp = cg_stmt_text(q, 4);
		ok = want && strlen(want) == strlen(digest) && CRYPTO_memcmp(want, digest, strlen(digest)) == 0 &&
		     !cg_stmt_text(q, 5) && (!exp || strcmp(exp, now) > 0) && cg_stmt_int64(q, 6) == 0;
		if (ok) {
			snprintf(user, CG_USER_MAX + 1, "%s", cg_stmt_text(q, 1));
			snprintf(role, 32, "%s", cg_stmt_text(q, 2));
			snprintf(scope, 8, "%s", cg_stmt_text(q, 3));
		}
	}
	cg_stmt_done(q);
	return ok ? CG_OK : cg_error_set(err, CG_E_DENIED, NULL, N_("the token is not valid"));
}

/* --- audit and export --- */

static cg_code each(struct cg_store *st, const char *sql, const char *type, json_t *(*state)(struct cg_stmt *),
		    bool with_secret, cg_canon_fn fn, void *ud, struct cg_error *err)
{
	struct cg_stmt *q;
	enum cg_step s;
	cg_code r = cg_store_prepare(st, sql, &q, err);
	if (r != CG_OK)
		return r;
	while ((s = cg_stmt_step(q, err)) == CG_STEP_ROW) {
		json_t *o = state(q);
		const char *id = cg_stmt_text(q, 0);
		if (with_secret && o)
			json_object_set_new(o, strcmp(type, "user") == 0 ? "password_hash" : "secret_sha256",
					    json_string(cg_stmt_text(q, 2)));
		char *text = o ? cg_json_dump(o, CG_JSON_SORTED, NULL) : NULL;
		json_decref(o);
		if (!text) {
			cg_stmt_done(q);
			return nomem(err);
		}
		int stop = fn(type, id, text, strlen(text), ud);
		free(text);
		if (stop)
			break;
	}
	cg_stmt_done(q);
	return s == CG_STEP_ERROR ? (err && err->code ? err->code : CG_E_STORE) : CG_OK;
}

cg_code cg_user_each_canonical(struct cg_store *st, cg_canon_fn fn, void *ud, struct cg_error *err)
{
	char sql[256];
	snprintf(sql, sizeof sql, "%s ORDER BY name", user_cols);
	return each(st, sql, "user", user_state, false, fn, ud, err);
}

cg_code cg_token_each_canonical(struct cg_store *st, cg_canon_fn fn, void *ud, struct cg_error *err)
{
	char sql[256];
	snprintf(sql, sizeof sql, "%s ORDER BY id", token_cols);
	return each(st, sql, "token", token_state, false, fn, ud, err);
}

/* Export rows: the audited state with the hash the table keeps. */
cg_code cg_user_each_row(struct cg_store *st, cg_canon_fn fn, void *ud, struct cg_error *err)
{
	char sql[256];
	snprintf(sql, sizeof sql, "%s ORDER BY name", user_cols);
	return each(st, sql, "user", user_state, true, fn, ud, err);
}

cg_code cg_token_each_row(struct cg_store *st, cg_canon_fn fn, void *ud, struct cg_error *err)
{
	char sql[256];
	snprintf(sql, sizeof sql, "%s ORDER BY id", token_cols);
	return each(st, sql, "token", token_state, true, fn, ud, err);
}

static const char *text_of(json_t *row, const char *key)
{
	return json_string_value(json_object_get(row, key));
}

cg_code cg_user_restore(struct cg_store *st, json_t *row, struct cg_error *err)
{
	static const char *const need[] = { "name", "role", "password_hash", "password_changed_at", "created_at", "updated_at" };
	struct cg_stmt *q;
	cg_code r;
	for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
		if (!text_of(row, need[i]))
			return cg_error_set(err, CG_E_INVALID, need[i], N_("%s: is required"), need[i]);
	if (!name_ok(text_of(row, "name")) || !cg_role_valid(text_of(row, "role")))
		return cg_error_set(err, CG_E_INVALID, "role", N_("role: expected admin, security_officer, principal, project_owner, procurement or auditor, got '%s'"),
				    text_of(row, "role"));
	if ((r = cg_store_prepare(st, "INSERT INTO users (name, role, password_hash, lang, disabled, password_changed_at, "
				  "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", &q, err)) != CG_OK)
		return r;
	if (cg_stmt_bind_text(q, 1, text_of(row, "name")) || cg_stmt_bind_text(q, 2, text_of(row, "role")) ||
	    cg_stmt_bind_text(q, 3, text_of(row, "password_hash")) ||
	    (text_of(row, "lang") ? cg_stmt_bind_text(q, 4, text_of(row, "lang")) : cg_stmt_bind_null(q, 4)) ||
	    cg_stmt_bind_int64(q, 5, json_is_true(json_object_get(row, "disabled"))) ||
	    cg_stmt_bind_text(q, 6, text_of(row, "password_changed_at")) || cg_stmt_bind_text(q, 7, text_of(row, "created_at")) ||
	    cg_stmt_bind_text(q, 8, text_of(row, "updated_at")))
		return bind_fail(q, err);
	return cg_stmt_run(q, err);
}

cg_code cg_token_restore(struct cg_store *st, json_t *row, struct cg_error *err)
{
	static const char *const need[] = { "id", "user", "secret_sha256", "scope", "created_at" };
	struct cg_stmt *q;
	cg_code r;
	for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
		if (!text_of(row, need[i]))
			return cg_error_set(err, CG_E_INVALID, need[i], N_("%s: is required"), need[i]);
	if ((r = cg_store_prepare(st, "INSERT INTO api_tokens (id, user_name, secret_sha256, scope, created_at, expires_at, "
				  "revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)", &q, err)) != CG_OK)
		return r;
	if (cg_stmt_bind_text(q, 1, text_of(row, "id")) || cg_stmt_bind_text(q, 2, text_of(row, "user")) ||
	    cg_stmt_bind_text(q, 3, text_of(row, "secret_sha256")) || cg_stmt_bind_text(q, 4, text_of(row, "scope")) ||
	    cg_stmt_bind_text(q, 5, text_of(row, "created_at")) ||
	    (text_of(row, "expires_at") ? cg_stmt_bind_text(q, 6, text_of(row, "expires_at")) : cg_stmt_bind_null(q, 6)) ||
	    (text_of(row, "revoked_at") ? cg_stmt_bind_text(q, 7, text_of(row, "revoked_at")) : cg_stmt_bind_null(q, 7)))
		return bind_fail(q, err);
	return cg_stmt_run(q, err);
}

/* --- console sessions --- */

static bool hex_ok(const char *s, size_t n)
{
	if (!s || strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

cg_code cg_session_create(struct cg_store *st, const char *user, int64_t ttl_ms, char id[CG_SESSION_HEX],
			  char csrf[CG_SESSION_HEX], char expires_at[40], struct cg_error *err)
{
	unsigned char a[32], b[32];
	char digest[CG_HASH_HEX], now[CG_TIME_MAX];
	struct cg_stmt *q;
	int64_t ms;
	cg_code r;

	if (RAND_bytes(a, sizeof a) != 1 || RAND_bytes(b, sizeof b) != 1)
		return cg_error_set(err, CG_E_INTERNAL, NULL, N_("the random number generator failed"));
	cg_hex(a, sizeof a, id);
	cg_hex(b, sizeof b, csrf);
	cg_sha256_hex(id, 64, digest);
	if ((r = cg_now(now, err)) != CG_OK)
		return r;
	if (!cg_rfc3339_parse(now, &ms))
		return cg_error_set(err, CG_E_INTERNAL, NULL, N_("the clock is not valid"));
	cg_rfc3339_format(ms + ttl_ms, expires_at);
	/* expired sessions go, and a user keeps its 15 newest besides this one (16 in all): the table
	 * stays small however often anyone signs in */
	if ((r = cg_store_prepare(st, "DELETE FROM sessions WHERE expires_at <= ? OR (user_name = ? AND id_sha256 NOT IN "
				  "(SELECT id_sha256 FROM sessions WHERE user_name = ? ORDER BY created_at DESC, id_sha256 LIMIT 15))", &q, err)) != CG_OK)
		return r;
	if (cg_stmt_bind_text(q, 1, now) || cg_stmt_bind_text(q, 2, user) || cg_stmt_bind_text(q, 3, user))
		return bind_fail(q, err);
	if ((r = cg_stmt_run(q, err)) != CG_OK)
		return r;
	if ((r = cg_store_prepare(st, "INSERT INTO sessions (id_sha256, user_name, csrf, created_at, expires_at) "
				  "VALUES (?, ?, ?, ?, ?)", &q, err)) != CG_OK)
		return r;
	if (cg_stmt_bind_text(q, 1, digest) || cg_stmt_bind_text(q, 2, user) || cg_stmt_bind_text(q, 3, csrf) ||
	    cg_stmt_bind_text(q, 4, now) || cg_stmt_bind_text(q, 5, expires_at))
		return bind_fail(q, err);
	OPENSSL_cleanse(a, sizeof a);
	return cg_stmt_run(q, err);
}

cg_code cg_session_check(struct cg_store *st, const char *id, char user[CG_USER_MAX + 1], char role[32],
			 char csrf[CG_SESSION_HEX], struct cg_error *err)
{
	char digest[CG_HASH_HEX], now[CG_TIME_MAX];
	struct cg_stmt *q;
	bool ok = false;
	cg_code r;

	user[0] = role[0] = csrf[0] = '\0';
	if (!hex_ok(id, 64))
		return cg_error_set(err, CG_E_DENIED, NULL, N_("the session is not valid; sign in again"));
	cg_sha256_hex(id, 64, digest);
	if ((r = cg_now(now, err)) != CG_OK)
		return r;
	if ((r = cg_store_prepare(st, "SELECT s.user_name, u.role, s.csrf, s.expires_at, u.disabled FROM sessions s "
				  "JOIN users u ON u.name = s.user_name WHERE s.id_sha256 = ?", &q, err)) != CG_OK)
		return r;
	if (cg_stmt_bind_text(q, 1, digest) != CG_OK)
		return bind_fail(q, err);
	if (cg_stmt_step(q, err) == CG_STEP_ROW) {
		const char *exp = cg_stmt_text(q, 3);
		ok = exp && strcmp(exp, now) > 0 && cg_stmt_int64(q, 4) == 0;
		if (ok) {
			snprintf(user, CG_USER_MAX + 1, "%s", cg_stmt_text(q, 0));
			snprintf(role, 32, "%s", cg_stmt_text(q, 1));
			snprintf(csrf, CG_SESSION_HEX, "%s", cg_stmt_text(q, 2));
		}
	}
	cg_stmt_done(q);
	return ok ? CG_OK : cg_error_set(err, CG_E_DENIED, NULL, N_("the session is not valid; sign in again"));
}

cg_code cg_session_delete(struct cg_store *st, const char *id, struct cg_error *err)
{
	char digest[CG_HASH_HEX], now[CG_TIME_MAX];
	struct cg_stmt *q;
	cg_code r;

	cg_sha256_hex(id ? id : "", id ? strlen(id) : 0, digest);
	if ((r = cg_now(now, err)) != CG_OK ||
	    (r = cg_store_prepare(st, "DELETE FROM sessions WHERE id_sha256 = ? OR expires_at <= ?", &q, err)) != CG_OK)
		return r;
	if (cg_stmt_bind_text(q, 1, digest) || cg_stmt_bind_text(q, 2, now))
		return bind_fail(q, err);
	return cg_stmt_run(q, err);
}
