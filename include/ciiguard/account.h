/*
 * Accounts of the HTTP API: users with a role and an argon2id password hash, bearer API tokens
 * (stored as the SHA-256 of their secret, scoped read or write, expiring, revocable) and console
 * sessions. There are no default credentials: the first administrator is made by `ciiguard init`
 * with a generated password shown once.
 */
#ifndef CIIGUARD_ACCOUNT_H
#define CIIGUARD_ACCOUNT_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include "ciiguard/error.h"
#include "ciiguard/store.h"

enum { CG_PASSWORD_MIN = 12, CG_PASSWORD_MAX = 256, CG_USER_MAX = 64, CG_TOKEN_MAX = 128 };

/* The argon2id cost: CIIGUARD_ARGON2_T (passes, default 2) and CIIGUARD_ARGON2_M_KIB (memory,
 * default 19456, OWASP's minimum); the tests lower them. */
void cg_argon2_cost(uint32_t *t_cost, uint32_t *m_kib);

/* A new random password of `len` characters (letters and digits, no look-alikes) into out. */
bool cg_password_generate(char *out, size_t len);

/* Adds a user; the password must be CG_PASSWORD_MIN..MAX bytes of UTF-8. Audited as entity
 * "user" (the state holds a digest of the hash, never the hash). */
cg_code cg_user_add(struct cg_store *st, const char *actor, const char *name, const char *role, const char *password,
		    const char *lang, struct cg_error *err) CG_MUST_CHECK;
cg_code cg_user_set_password(struct cg_store *st, const char *actor, const char *name, const char *password,
			     struct cg_error *err) CG_MUST_CHECK;
cg_code cg_user_set_disabled(struct cg_store *st, const char *actor, const char *name, bool disabled,
			     struct cg_error *err) CG_MUST_CHECK;
/* The user's language, "en" or "zh": of its messages over HTTP and of the web console. */
cg_code cg_user_set_lang(struct cg_store *st, const char *actor, const char *name, const char *lang,
			 struct cg_error *err) CG_MUST_CHECK;
/* [{name, role, lang, disabled, password_changed_at, created_at, updated_at}] */
cg_code cg_user_list(struct cg_store *st, json_t **out, struct cg_error *err) CG_MUST_CHECK;
/* Checks a password: CG_OK and the role, or CG_E_DENIED (unknown user, wrong password and a
 * disabled account look the same). The hash is verified even for an unknown user. */
cg_code cg_user_login(struct cg_store *st, const char *name, const char *password, char role[32],
		      struct cg_error *err) CG_MUST_CHECK;

/* Creates an API token for `user`: `expires_ms` after now (0: never), scope "read" or "write".
 * The token ("cgt_ID_SECRET") is written to out, shown this once. */
cg_code cg_token_create(struct cg_store *st, const char *actor, const char *user, int64_t expires_ms,
			const char *scope, char out[CG_TOKEN_MAX], struct cg_error *err) CG_MUST_CHECK;
cg_code cg_token_revoke(struct cg_store *st, const char *actor, const char *id, struct cg_error *err) CG_MUST_CHECK;
/* [{id, user, scope, created_at, expires_at, revoked_at, expired}], of one user or all (NULL). */
cg_code cg_token_list(struct cg_store *st, const char *user, json_t **out, struct cg_error *err) CG_MUST_CHECK;
/* Checks a bearer token: CG_OK with its user, role and scope, or CG_E_DENIED (unknown, wrong,
 * expired, revoked, or its user disabled). */
cg_code cg_token_check(struct cg_store *st, const char *token, char user[CG_USER_MAX + 1], char role[32],
		       char scope[8], struct cg_error *err) CG_MUST_CHECK;

/* Console sessions: a new random session id (the cookie) and CSRF token for `user`, valid for
 * ttl_ms; only the SHA-256 of the id is stored. */
enum { CG_SESSION_HEX = 65 };
cg_code cg_session_create(struct cg_store *st, const char *user, int64_t ttl_ms, char id[CG_SESSION_HEX],
			  char csrf[CG_SESSION_HEX], char expires_at[40], struct cg_error *err) CG_MUST_CHECK;
/* Checks a session id: CG_OK with its user, role and CSRF token, or CG_E_DENIED (unknown,
 * expired, or its user disabled). */
cg_code cg_session_check(struct cg_store *st, const char *id, char user[CG_USER_MAX + 1], char role[32],
			 char csrf[CG_SESSION_HEX], struct cg_error *err) CG_MUST_CHECK;
/* Ends a session (and any expired ones). */
cg_code cg_session_delete(struct cg_store *st, const char *id, struct cg_error *err) CG_MUST_CHECK;

#endif
