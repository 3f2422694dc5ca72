/* Export and import of a whole database as one JSON document, audit trail included. */
#ifndef CIIGUARD_TRANSFER_H
#define CIIGUARD_TRANSFER_H

#include <stdio.h>
#include "ciiguard/error.h"
#include "ciiguard/store.h"

/*
 * Writes every record and the audit trail to `out` as JSON:
 * {"format": "ciiguard-export", "version": 1, "schema_version": N, "exported_at": ...,
 *  "operator": {...}|null, "systems": [...], "catalogs": [...], "audit_events": [...]}, where
 * "catalogs" holds the imported catalog libraries as stored (their YAML included).
 */
cg_code cg_export(struct cg_store *st, FILE *out, struct cg_error *err) CG_MUST_CHECK;

/*
 * Restores an export into an empty database, records and audit trail exactly as they were,
 * then verifies the result; any failure leaves the database unchanged.
 */
cg_code cg_import(struct cg_store *st, const char *data, size_t len, struct cg_error *err)
	CG_MUST_CHECK;

/*
 * Copies a whole database from `src` to the empty `dst` (either backend), records and audit
 * trail, then verifies `dst`; its audit head equals the source's. Nothing is written to `dst`
 * on failure.
 */
cg_code cg_migrate(struct cg_store *src, struct cg_store *dst, struct cg_error *err) CG_MUST_CHECK;

/* The record tables export covers; a test checks it against the schema. NULL-terminated. */
extern const char *const cg_export_tables[];

#endif
