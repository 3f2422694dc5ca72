/* Secrets of a database (table secrets, migration 0007): random keys made when first needed. */
#ifndef CG_SECRET_H
#define CG_SECRET_H

#include <stdbool.h>
#include <jansson.h>
#include "ciiguard/error.h"
#include "ciiguard/store.h"

enum { CG_SECRET_LEN = 32 };

/* The key of the keyed hash of personal fields in the audit trail. */
#define CG_SECRET_PERSONAL "personal_fields_hmac"

/* The secret `name` in key. Absent: made and stored when `create` (the caller holds a write
 * transaction), else *found is false. */
cg_code cg_secret_get(struct cg_store *st, const char *name, bool create, unsigned char key[CG_SECRET_LEN],
		      bool *found, struct cg_error *err) CG_MUST_CHECK;

/* HMAC-SHA-256 of p under key, as lower-case hex (65 bytes with the NUL). */
void cg_hmac_sha256_hex(const unsigned char key[CG_SECRET_LEN], const void *p, size_t len, char out[65]);

/* Export and import: {name, value, created_at} rows. */
cg_code cg_secrets_each_row(struct cg_store *st, int (*fn)(const char *, const char *, const char *, size_t, void *),
			    void *ud, struct cg_error *err) CG_MUST_CHECK;
cg_code cg_secret_restore(struct cg_store *st, json_t *row, struct cg_error *err) CG_MUST_CHECK;

#endif
