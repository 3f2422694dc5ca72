/* The tamper-evident audit trail: a SHA-256 hash chain of every change (docs/internals/audit.md). */
#ifndef CIIGUARD_AUDIT_H
#define CIIGUARD_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include "ciiguard/error.h"
#include "ciiguard/store.h"

#define CG_HASH_HEX 65 /* 64 hex digits and a NUL */
#define CG_AUDIT_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

struct cg_audit_event {
	int64_t seq;
	const char *at;
	const char *actor;
	const char *action;      /* "create", "update", "delete" */
	const char *entity_type; /* "operator", "system", ... */
	const char *entity_id;
	const char *state;       /* canonical JSON of the new state; NULL after a delete */
	const char *state_hash;  /* SHA-256 of state, "" after a delete */
	const char *prev_hash;
	const char *hash;
};

/*
 * Appends an event for a change made in the open write transaction. `state` is the record's
 * canonical JSON after the change (NULL for a delete). The time comes from cg_now().
 */
cg_code cg_audit_append(struct cg_store *st, const char *actor, const char *action,
			const char *entity_type, const char *entity_id, const char *state,
			size_t state_len, struct cg_error *err) CG_MUST_CHECK;

/* The number of events and the hash of the last one (CG_AUDIT_GENESIS when empty). */
cg_code cg_audit_head(struct cg_store *st, int64_t *count, char head[CG_HASH_HEX],
		      struct cg_error *err) CG_MUST_CHECK;

/* Computes an event's hash from its fields (not from ev->hash). */
void cg_audit_event_hash(const struct cg_audit_event *ev, char out[CG_HASH_HEX]);
/* Lower-case hex of n bytes into out (2n + 1 bytes with the NUL). */
void cg_hex(const unsigned char *p, size_t n, char *out);
/* Hex SHA-256 of a byte string. */
void cg_sha256_hex(const void *p, size_t len, char out[CG_HASH_HEX]);

struct cg_audit_report {
	int64_t events;        /* events checked */
	int64_t records;       /* current records checked against their last audited state */
	uint64_t bytes_hashed; /* input to SHA-256, for the benchmark */
	int64_t bad_seq;       /* the first broken event, 0 when the fault is in a record */
	char bad_entity[400];  /* "system:grid-dispatch" when a record is at fault */
	char head[CG_HASH_HEX];
};

/*
 * Walks the whole chain, then checks that every current record equals its last audited state.
 * Returns CG_OK when intact, CG_E_TAMPERED naming the first broken event or record otherwise
 * (also filling `rep`). `expect_head`, when not NULL, must equal the hash of some event in the
 * chain: the head anchored earlier, which detects truncation of the trail behind it.
 */
cg_code cg_audit_verify(struct cg_store *st, const char *expect_head, struct cg_audit_report *rep,
			struct cg_error *err) CG_MUST_CHECK;

typedef int (*cg_audit_each_fn)(const struct cg_audit_event *ev, void *ud);
/*
 * Calls `fn` for each event in order, optionally only those of one entity (`entity` is "ID" or
 * "TYPE:ID"; NULL for all), skipping `offset` matches and stopping after `limit` (0 for no limit).
 * A non-zero return from `fn` stops the walk.
 */
cg_code cg_audit_each(struct cg_store *st, const char *entity, int64_t offset, int64_t limit,
		      cg_audit_each_fn fn, void *ud, struct cg_error *err) CG_MUST_CHECK;

#endif
