/* Compact JSON text of a jansson value, faster than json_dumps and byte for byte the same. */
#ifndef CIIGUARD_JSON_H
#define CIIGUARD_JSON_H

#include <stddef.h>
#include <jansson.h>

/* flags */
#define CG_JSON_SORTED 1u /* keys in byte order (JSON_SORT_KEYS); else in insertion order */
#define CG_JSON_ANY 2u    /* any value at the top (JSON_ENCODE_ANY); else an object or array */

/*
 * The text json_dumps(v, JSON_COMPACT | [JSON_SORT_KEYS] | [JSON_ENCODE_ANY]) gives, as a new
 * NUL-terminated string (free()), its length in *len when len is not NULL. NULL where json_dumps
 * fails: no memory, a string that is not UTF-8, another top value than an object or array
 * without CG_JSON_ANY, or nesting deeper than CG_JSON_MAX_DEPTH (jansson's parser's limit; a
 * cycle ends there too). The canonical text of audited records is made here, so a change to its
 * bytes would break every trail written before: tests/unit/test_json.c compares it with jansson's.
 */
#define CG_JSON_MAX_DEPTH 2048
char *cg_json_dump(const json_t *v, unsigned flags, size_t *len);

#endif
