/* A growable byte buffer with a hard maximum (after curl's dynbuf). */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ciiguard/buf.h"
#include "banned.h"

void cg_buf_init(struct cg_buf *b, size_t max)
{
	b->ptr = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max ? max : CG_BUF_MAX_DEFAULT;
}

void cg_buf_release(struct cg_buf *b)
{
	free(b->ptr);
	b->ptr = NULL;
	b->len = 0;
	b->cap = 0;
}

void cg_buf_reset(struct cg_buf *b)
{
	b->len = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

/* Makes room for `extra` more bytes and the NUL; on failure releases the buffer. */
static cg_code grow(struct cg_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > b->max || b->len > b->max - extra) {
		cg_buf_release(b);
		return CG_E_NOMEM;
	}
	need = b->len + extra + 1;
	if (need <= b->cap)
		return CG_OK;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (cap > b->max + 1)
		cap = b->max + 1;
	p = realloc(b->ptr, cap);
	if (!p) {
		cg_buf_release(b);
		return CG_E_NOMEM;
	}
	b->ptr = p;
	b->cap = cap;
	return CG_OK;
}

cg_code cg_buf_add(struct cg_buf *b, const void *p, size_t len)
{
	if (grow(b, len) != CG_OK)
		return CG_E_NOMEM;
	if (len)
		memcpy(b->ptr + b->len, p, len);
	b->len += len;
	b->ptr[b->len] = '\0';
	return CG_OK;
}

cg_code cg_buf_adds(struct cg_buf *b, const char *s)
{
	return cg_buf_add(b, s, strlen(s));
}

cg_code cg_buf_addc(struct cg_buf *b, char c)
{
	if (b->len + 1 < b->cap) {
		b->ptr[b->len++] = c;
		b->ptr[b->len] = '\0';
		return CG_OK;
	}
	return cg_buf_add(b, &c, 1);
}

cg_code cg_buf_addf(struct cg_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || grow(b, (size_t)n) != CG_OK) {
		cg_buf_release(b);
		return CG_E_NOMEM;
	}
	va_start(ap, fmt);
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return CG_OK;
}

char *cg_buf_take(struct cg_buf *b)
{
	char *p = b->ptr;

	if (!p)
		p = calloc(1, 1);
	b->ptr = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}

const char *cg_buf_str(const struct cg_buf *b)
{
	return b->ptr ? b->ptr : "";
}
