/* CSV as spreadsheets write it (RFC 4180), and the text encodings Chinese Excel uses. */
#ifndef CIIGUARD_CSV_H
#define CIIGUARD_CSV_H

#include <stddef.h>
#include "ciiguard/error.h"

/*
 * Returns the text as UTF-8 in a new buffer (*out, *outlen; caller frees): a UTF-8 BOM is
 * dropped, valid UTF-8 is kept, anything else is decoded as GB18030. Fails with CG_E_INVALID
 * when the text is neither.
 */
cg_code cg_text_to_utf8(const char *data, size_t len, char **out, size_t *outlen,
			struct cg_error *err) CG_MUST_CHECK;

/*
 * Returns the length of the longest valid UTF-8 prefix of s[0..len) (len itself when all of
 * it is valid). Strict, after Unicode Table 3-7: no overlong forms, no surrogates
 * (U+D800..U+DFFF), nothing above U+10FFFF.
 */
size_t cg_utf8_valid_prefix(const unsigned char *s, size_t len);

/* Called per record: `line` is the 1-based line where the record starts. Non-zero stops. */
typedef int (*cg_csv_row_fn)(size_t line, char **fields, size_t nfields, void *ud);

#define CG_CSV_MAX_FIELDS 256
#define CG_CSV_MAX_FIELD (1u << 20)

/*
 * Parses UTF-8 CSV: comma-separated, fields optionally in double quotes with "" for a quote,
 * CRLF or LF line ends, blank lines skipped. An unterminated quote or a stray quote is
 * CG_E_INVALID naming the line. Returns CG_E_INVALID as well when `fn` stops the walk, leaving
 * the callback's own error in place.
 */
cg_code cg_csv_parse(const char *data, size_t len, cg_csv_row_fn fn, void *ud,
		     struct cg_error *err) CG_MUST_CHECK;

#endif
