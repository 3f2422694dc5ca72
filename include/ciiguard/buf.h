/* A growable byte buffer with a hard maximum, kept NUL-terminated. */
#ifndef CIIGUARD_BUF_H
#define CIIGUARD_BUF_H

#include <stddef.h>
#include "ciiguard/error.h"

struct cg_buf {
	char *ptr;   /* NULL until the first append; always NUL-terminated after it */
	size_t len;
	size_t cap;
	size_t max;  /* appends that would pass this fail with CG_E_NOMEM */
};

#define CG_BUF_MAX_DEFAULT ((size_t)1 << 30)

void cg_buf_init(struct cg_buf *b, size_t max);
/* Appends; on failure the buffer is released (emptied) and CG_E_NOMEM is returned. */
cg_code cg_buf_add(struct cg_buf *b, const void *p, size_t len) CG_MUST_CHECK;
cg_code cg_buf_adds(struct cg_buf *b, const char *s) CG_MUST_CHECK;
cg_code cg_buf_addc(struct cg_buf *b, char c) CG_MUST_CHECK;
cg_code cg_buf_addf(struct cg_buf *b, const char *fmt, ...) CG_PRINTF(2, 3) CG_MUST_CHECK;
/* Empties the buffer but keeps its memory. */
void cg_buf_reset(struct cg_buf *b);
/* Returns the contents (never NULL; "" when empty) and leaves the buffer empty; caller frees. */
char *cg_buf_take(struct cg_buf *b);
/* Frees the contents; the buffer may be reused. */
void cg_buf_release(struct cg_buf *b);
/* The contents as a string, "" when empty; owned by the buffer. */
const char *cg_buf_str(const struct cg_buf *b);

#endif
