/* Result codes and the caller-owned error that carries a human message. */
#ifndef CIIGUARD_ERROR_H
#define CIIGUARD_ERROR_H

#include <stddef.h>

#if defined(__GNUC__)
#define CG_MUST_CHECK __attribute__((warn_unused_result))
#define CG_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define CG_MUST_CHECK
#define CG_PRINTF(fmt, args)
#endif

/* The one result type of the library. Values are stable: front ends map them to exit codes. */
typedef enum cg_code {
	CG_OK = 0,
	CG_E_INVALID,   /* input failed validation; the error names the field */
	CG_E_NOTFOUND,  /* the named record does not exist */
	CG_E_EXISTS,    /* a record with that identity already exists */
	CG_E_CONFLICT,  /* refused because other records depend on it */
	CG_E_IO,        /* a file could not be read or written */
	CG_E_NOMEM,     /* out of memory, or a bounded buffer reached its limit */
	CG_E_STORE,     /* the database failed */
	CG_E_SCHEMA,    /* the database is not ciiguard's, or is newer than this binary */
	CG_E_TAMPERED,  /* the audit trail or a record fails verification */
	CG_E_USAGE,     /* the caller used the interface wrongly */
	CG_E_INTERNAL,
	CG_E_DENIED     /* not signed in, or not permitted */
} cg_code;

enum cg_lang { CG_LANG_EN = 0, CG_LANG_ZH = 1 };

#define CG_ERROR_FIELD_MAX 128
#define CG_ERROR_MESSAGE_MAX 1024

/*
 * What went wrong, for a person. The caller owns it (usually on the stack) and sets `lang` at
 * init; library functions fill it when they fail and leave it alone when they succeed.
 */
struct cg_error {
	cg_code code;
	enum cg_lang lang;
	char field[CG_ERROR_FIELD_MAX];     /* the input field at fault, "" when none */
	char message[CG_ERROR_MESSAGE_MAX]; /* a whole sentence in `lang` */
};

void cg_error_init(struct cg_error *err, enum cg_lang lang);

/*
 * Records a failure and returns `code`, so that callers can write `return cg_error_set(...)`.
 * `fmt` is an English message id, translated into err->lang before formatting. `field` may be
 * NULL. A NULL `err` is allowed and ignored.
 */
cg_code cg_error_set(struct cg_error *err, cg_code code, const char *field, const char *fmt, ...)
	CG_PRINTF(4, 5);

/* Prefixes the existing message with "<subject>: " (e.g. "record 12"). */
void cg_error_prefix(struct cg_error *err, const char *fmt, ...) CG_PRINTF(2, 3);

/* A stable lowercase name for a code ("invalid", "not_found", ...), for JSON output. */
const char *cg_code_name(cg_code code);

#endif
