/* RFC 4180 CSV parsing and the UTF-8 / GB18030 text decoding that spreadsheet exports need. */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ciiguard/csv.h"
#include "ciiguard/i18n.h"
#include "banned.h"

size_t cg_utf8_valid_prefix(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		unsigned char lo = 0x80, hi = 0xBF;
		size_t need, k;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			need = 1;
		} else if (c >= 0xE0 && c <= 0xEF) {
			need = 2;
			if (c == 0xE0)
				lo = 0xA0;	/* overlong below U+0800 */
			else if (c == 0xED)
				hi = 0x9F;	/* surrogates */
		} else if (c >= 0xF0 && c <= 0xF4) {
			need = 3;
			if (c == 0xF0)
				lo = 0x90;	/* overlong below U+10000 */
			else if (c == 0xF4)
				hi = 0x8F;	/* above U+10FFFF */
		} else {
			return i;		/* 0x80..0xC1 and 0xF5..0xFF never start a sequence */
		}
		if (len - i <= need)
			return i;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return i;
		for (k = 2; k <= need; k++) {
			if (s[i + k] < 0x80 || s[i + k] > 0xBF)
				return i;
		}
		i += need + 1;
	}
	return len;
}

/* Decodes GB18030 into a new NUL-terminated UTF-8 buffer; `base` is the offset for messages. */
static cg_code gb18030_to_utf8(const char *data, size_t len, size_t base, char **out,
			       size_t *outlen, struct cg_error *err)
{
	cg_code result = CG_OK;
	iconv_t cd = (iconv_t)-1;
	char *buf = NULL, *in, *op, *shrunk;
	size_t inleft = len, cap, outleft;

	if (len > (SIZE_MAX - 1) / 4) {
		result = cg_error_set(err, CG_E_NOMEM, NULL, "the file is too large");
		goto out;
	}
	/* Every GB18030 sequence of n bytes becomes at most 4 UTF-8 bytes, and n >= 1. */
	cap = len * 4 + 1;
	buf = malloc(cap);
	if (!buf) {
		result = cg_error_set(err, CG_E_NOMEM, NULL, "out of memory");
		goto out;
	}
	cd = iconv_open("UTF-8", "GB18030");
	if (cd == (iconv_t)-1) {
		result = cg_error_set(err, CG_E_INTERNAL, NULL,
				      "GB18030 decoding is not available on this system");
		goto out;
	}
	/* iconv's prototype wants a non-const input pointer; it does not write through it. */
	in = (char *)data;
	op = buf;
	outleft = cap - 1;
	if (iconv(cd, &in, &inleft, &op, &outleft) == (size_t)-1 ||
	    iconv(cd, NULL, NULL, &op, &outleft) == (size_t)-1) {
		size_t at = base + (size_t)(in - data);

		if (errno == EILSEQ)
			result = cg_error_set(err, CG_E_INVALID, NULL,
					      "the file is neither UTF-8 nor GB18030: invalid byte at offset %zu",
					      at);
		else if (errno == EINVAL)
			result = cg_error_set(err, CG_E_INVALID, NULL,
					      "the file is neither UTF-8 nor GB18030: incomplete character at offset %zu",
					      at);
		else
			result = cg_error_set(err, CG_E_INTERNAL, NULL,
					      "GB18030 decoding failed at offset %zu", at);
		goto out;
	}
	*op = '\0';
	/* Belt and braces: what we hand on must be the same strict UTF-8 we accept directly. */
	if (cg_utf8_valid_prefix((const unsigned char *)buf, (size_t)(op - buf)) != (size_t)(op - buf)) {
		result = cg_error_set(err, CG_E_INVALID, NULL,
				      "the file is neither UTF-8 nor GB18030");
		goto out;
	}
	*outlen = (size_t)(op - buf);
	shrunk = realloc(buf, *outlen + 1);
	*out = shrunk ? shrunk : buf;
	buf = NULL;
out:
	if (cd != (iconv_t)-1)
		iconv_close(cd);
	free(buf);
	return result;
}

cg_code cg_text_to_utf8(const char *data, size_t len, char **out, size_t *outlen,
			struct cg_error *err)
{
	cg_code result = CG_OK;
	const char *nul;
	size_t base = 0;
	char *buf;

	if (!out || !outlen || (!data && len)) {
		result = cg_error_set(err, CG_E_USAGE, NULL, "invalid arguments");
		goto out;
	}
	*out = NULL;
	*outlen = 0;
	if (!data)
		data = "";
	nul = memchr(data, '\0', len);
	if (nul) {
		result = cg_error_set(err, CG_E_INVALID, NULL,
				      "the file contains a NUL byte at offset %zu", (size_t)(nul - data));
		goto out;
	}
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
		data += 3;
		len -= 3;
		base = 3;
	}
	if (cg_utf8_valid_prefix((const unsigned char *)data, len) != len) {
		result = gb18030_to_utf8(data, len, base, out, outlen, err);
		goto out;
	}
	if (len == SIZE_MAX) {
		result = cg_error_set(err, CG_E_NOMEM, NULL, "the file is too large");
		goto out;
	}
	buf = malloc(len + 1);
	if (!buf) {
		result = cg_error_set(err, CG_E_NOMEM, NULL, "out of memory");
		goto out;
	}
	memcpy(buf, data, len);
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
out:
	return result;
}

/* The walk over one input: position, physical line, and the record being assembled. */
struct csv_state {
	const char *data;
	size_t len;
	size_t pos;
	size_t line;		/* 1-based physical line of data[pos] */
	char *scratch;		/* the current record's fields, each NUL-terminated */
	size_t used;
	char *fields[CG_CSV_MAX_FIELDS];
	size_t nfields;
	size_t fieldlen;	/* bytes in the field being assembled */
	struct cg_error *err;
};

/* Appends one byte to the current field, enforcing the field size limit. */
static cg_code put_byte(struct csv_state *st, char c)
{
	if (st->fieldlen >= CG_CSV_MAX_FIELD)
		return cg_error_set(st->err, CG_E_INVALID, NULL,
				    "line %zu: a field is longer than %u bytes", st->line,
				    CG_CSV_MAX_FIELD);
	st->scratch[st->used++] = c;
	st->fieldlen++;
	return CG_OK;
}

/* Consumes a line end at pos (CRLF, LF or a bare CR), if there is one; returns whether it did. */
static int eat_line_end(struct csv_state *st)
{
	if (st->pos >= st->len)
		return 0;
	if (st->data[st->pos] == '\n') {
		st->pos++;
	} else if (st->data[st->pos] == '\r') {
		st->pos++;
		if (st->pos < st->len && st->data[st->pos] == '\n')
			st->pos++;
	} else {
		return 0;
	}
	st->line++;
	return 1;
}

/* Reads a quoted field starting at the opening quote; stops after the closing quote. */
static cg_code read_quoted(struct csv_state *st)
{
	cg_code result = CG_OK;
	size_t start_line = st->line;

	st->pos++;
	for (;;) {
		char c;

		if (st->pos >= st->len) {
			result = cg_error_set(st->err, CG_E_INVALID, NULL,
					      "line %zu: unterminated quoted field", start_line);
			goto out;
		}
		c = st->data[st->pos];
		if (c == '"') {
			if (st->pos + 1 < st->len && st->data[st->pos + 1] == '"') {
				result = put_byte(st, '"');
				if (result != CG_OK)
					goto out;
				st->pos += 2;
				continue;
			}
			st->pos++;
			break;
		}
		if (c == '\0') {
			result = cg_error_set(st->err, CG_E_INVALID, NULL,
					      "line %zu: the file contains a NUL byte", st->line);
			goto out;
		}
		result = put_byte(st, c);
		if (result != CG_OK)
			goto out;
		st->pos++;
		/* A CR counts as a line only when no LF follows; the LF of a CRLF counts. */
		if (c == '\n' || (c == '\r' && (st->pos >= st->len || st->data[st->pos] != '\n')))
			st->line++;
	}
	if (st->pos < st->len) {
		char c = st->data[st->pos];

		if (c != ',' && c != '\r' && c != '\n') {
			result = cg_error_set(st->err, CG_E_INVALID, NULL,
					      "line %zu: unexpected character after a closing quote",
					      st->line);
			goto out;
		}
	}
out:
	return result;
}

/* Reads an unquoted field up to a comma, a line end or the end of the input. */
static cg_code read_plain(struct csv_state *st)
{
	cg_code result = CG_OK;

	while (st->pos < st->len) {
		char c = st->data[st->pos];

		if (c == ',' || c == '\r' || c == '\n')
			break;
		if (c == '"') {
			result = cg_error_set(st->err, CG_E_INVALID, NULL,
					      "line %zu: a quote inside an unquoted field", st->line);
			goto out;
		}
		if (c == '\0') {
			result = cg_error_set(st->err, CG_E_INVALID, NULL,
					      "line %zu: the file contains a NUL byte", st->line);
			goto out;
		}
		result = put_byte(st, c);
		if (result != CG_OK)
			goto out;
		st->pos++;
	}
out:
	return result;
}

/* Reads one record starting at pos (not on a blank line) into st->fields. */
static cg_code read_record(struct csv_state *st)
{
	cg_code result = CG_OK;

	st->used = 0;
	st->nfields = 0;
	for (;;) {
		if (st->nfields >= CG_CSV_MAX_FIELDS) {
			result = cg_error_set(st->err, CG_E_INVALID, NULL,
					      "line %zu: a record has more than %d fields", st->line,
					      CG_CSV_MAX_FIELDS);
			goto out;
		}
		st->fields[st->nfields++] = st->scratch + st->used;
		st->fieldlen = 0;
		if (st->pos < st->len && st->data[st->pos] == '"')
			result = read_quoted(st);
		else
			result = read_plain(st);
		if (result != CG_OK)
			goto out;
		st->scratch[st->used++] = '\0';
		if (st->pos < st->len && st->data[st->pos] == ',') {
			st->pos++;
			continue;
		}
		/* Only a line end or the end of the input can follow a field here. */
		eat_line_end(st);
		break;
	}
out:
	return result;
}

cg_code cg_csv_parse(const char *data, size_t len, cg_csv_row_fn fn, void *ud,
		     struct cg_error *err)
{
	cg_code result = CG_OK;
	struct csv_state *st = NULL;

	if (!fn || (!data && len)) {
		result = cg_error_set(err, CG_E_USAGE, NULL, "invalid arguments");
		goto out;
	}
	if (len == SIZE_MAX) {
		result = cg_error_set(err, CG_E_NOMEM, NULL, "the file is too large");
		goto out;
	}
	st = calloc(1, sizeof *st);
	if (!st) {
		result = cg_error_set(err, CG_E_NOMEM, NULL, "out of memory");
		goto out;
	}
	/*
	 * A record's fields and their terminators never take more room than the record's own
	 * text plus one byte: unquoting only shrinks, and each further field's NUL replaces the
	 * comma before it. So one scratch area of len + 1 bytes serves every record.
	 */
	st->scratch = malloc(len + 1);
	if (!st->scratch) {
		result = cg_error_set(err, CG_E_NOMEM, NULL, "out of memory");
		goto out;
	}
	st->data = data ? data : "";
	st->len = len;
	st->line = 1;
	st->err = err;
	while (st->pos < st->len) {
		size_t record_line;

		if (eat_line_end(st))
			continue;	/* a blank line */
		record_line = st->line;
		result = read_record(st);
		if (result != CG_OK)
			goto out;
		if (fn(record_line, st->fields, st->nfields, ud) != 0) {
			result = CG_E_INVALID;
			goto out;
		}
	}
out:
	if (st)
		free(st->scratch);
	free(st);
	return result;
}
