/*
 * Records described by field tables. One table per record type drives everything that would
 * otherwise be written once per format: parsing JSON and text (CSV cells, command-line
 * options), validation of types and ranges, the canonical JSON the audit trail hashes, and the
 * columns of its SQL table. Adding a field is one line in the table plus a migration.
 */
#ifndef CG_RECORD_H
#define CG_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "ciiguard/buf.h"
#include "ciiguard/error.h"
#include "ciiguard/store.h"

enum cg_ftype {
	CG_F_TEXT,   /* char *, "" when empty */
	CG_F_ENUM,   /* int index into values, -1 when unset */
	CG_F_BOOL,   /* bool */
	CG_F_COUNT,  /* int64_t >= 0 */
	CG_F_DATE,   /* char * YYYY-MM-DD or NULL */
	CG_F_LEVEL,  /* int in [min, max], 0 when unset */
	CG_F_TIME,   /* char * RFC 3339, set by the library */
	CG_F_CUSTOM, /* handled by the record's hooks (e.g. links) */
};

enum cg_fflag {
	CG_FF_REQUIRED = 1 << 0, /* must be given on create */
	CG_FF_NULLABLE = 1 << 1, /* JSON null allowed */
	CG_FF_META = 1 << 2,     /* kept by the library (timestamps): ignored in input */
	CG_FF_KEY = 1 << 3,      /* the record's id */
	CG_FF_MULTILINE = 1 << 4 /* text may contain line breaks */
};

struct cg_field {
	const char *name;   /* JSON path: "name", "ai.kind" */
	const char *column; /* SQL column; NULL for custom fields stored elsewhere */
	enum cg_ftype type;
	size_t off;
	unsigned flags;
	const char *const *values; /* enum values, NULL-terminated */
	int min, max;              /* level range; text: max length in bytes */
};

struct cg_record_desc;

struct cg_record_hooks {
	cg_code (*set_text)(void *rec, const struct cg_field *f, const char *value, struct cg_error *err);
	cg_code (*from_json)(void *rec, const struct cg_field *f, json_t *v, struct cg_error *err);
	cg_code (*to_json)(const void *rec, const struct cg_field *f, struct cg_buf *out);
	void (*release)(void *rec, const struct cg_field *f);
};

struct cg_record_desc {
	const char *entity;       /* audit entity type: "system" */
	const char *table;        /* SQL table */
	const struct cg_field *fields; /* sorted by name: the canonical order */
	size_t nfields;
	const char *group;        /* a nested object that may be null as a whole ("ai"), or NULL */
	size_t group_off;         /* bool: the group is present */
	size_t given_off;         /* uint64_t or unsigned: bit per field given in input */
	size_t given_size;
	size_t corrupt_off;       /* char *: first column that failed to read back (tamper) */
	const struct cg_record_hooks *hooks;
};

const struct cg_field *cg_record_field(const struct cg_record_desc *d, const char *name);
void cg_record_init(const struct cg_record_desc *d, void *rec);
void cg_record_release(const struct cg_record_desc *d, void *rec);
cg_code cg_record_set_text(const struct cg_record_desc *d, void *rec, const char *name,
			   const char *value, struct cg_error *err);
/* `meta` allows the library-kept fields (restoring an export); otherwise they are ignored. */
cg_code cg_record_from_json(const struct cg_record_desc *d, void *rec, json_t *obj, bool meta,
			    struct cg_error *err);
/* Required fields: text and enums must be set; booleans must have been given (read or input). */
cg_code cg_record_check(const struct cg_record_desc *d, const void *rec, struct cg_error *err);
cg_code cg_record_to_json(const struct cg_record_desc *d, const void *rec, struct cg_buf *out);

/* SQL built from the table (static strings, made once). */
const char *cg_record_sql_insert(const struct cg_record_desc *d);
const char *cg_record_sql_update(const struct cg_record_desc *d); /* ... WHERE key = ? (last) */
const char *cg_record_sql_select(const struct cg_record_desc *d); /* SELECT cols FROM t */
/* Binds the stored columns in table order from parameter 1; returns the next index. */
cg_code cg_record_bind(const struct cg_record_desc *d, const void *rec, struct cg_stmt *s, int *idx);
/* Reads the columns of cg_record_sql_select() from a row, strictly: values that are not what
 * the library writes are kept visible (so the canonical form changes) and noted in corrupt. */
cg_code cg_record_read(const struct cg_record_desc *d, void *rec, struct cg_stmt *s);

/* JSON text helpers. */
cg_code cg_json_add_string(struct cg_buf *out, const char *s) CG_MUST_CHECK;
/* Checks that `s` is valid UTF-8 without control characters (line breaks allowed if asked). */
bool cg_text_ok(const char *s, bool multiline);
/* Parses booleans as people write them: true/false/yes/no/1/0/y/n/是/否. */
int cg_parse_bool(const char *s, bool *out);
/* Strict non-negative decimal integer. */
int cg_parse_count(const char *s, int64_t *out);

#endif
