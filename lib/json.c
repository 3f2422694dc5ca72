/*
 * Compact JSON text of a jansson value, the bytes json_dumps(JSON_COMPACT [| JSON_SORT_KEYS])
 * gives (jansson 2.14, src/dump.c), into one cg_buf: jansson's dumper passes every piece
 * through a callback and keeps a hash table of the containers it is in to catch cycles, which
 * made the canonical dump about a fifth of an incident write's instructions. Numbers with a
 * fraction are left to jansson (they are rare in records, and its formatting has cases).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ciiguard/buf.h"
#include "ciiguard/csv.h"
#include "ciiguard/json.h"
#include "banned.h"

/* The text so far; `bad` once anything failed (the buffer is then released). */
struct out {
	struct cg_buf b;
	bool bad;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (!o->bad && cg_buf_add(&o->b, s, n) != CG_OK)
		o->bad = true;
}

static void putc_(struct out *o, char c)
{
	if (!o->bad && cg_buf_addc(&o->b, c) != CG_OK)
		o->bad = true;
}

static void put_string(struct out *o, const char *str, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *s = (const unsigned char *)str;
	size_t run = 0, i = 0;

	if (cg_utf8_valid_prefix(s, n) != n) { /* jansson refuses a string that is not UTF-8 */
		o->bad = true;
		return;
	}
	putc_(o, '"');
	while (i < n) {
		unsigned char c = s[i];
		if (c >= 0x80 || (c != '"' && c != '\\' && c >= 0x20)) {
			i++;
			continue;
		}
		put(o, str + run, i - run);
		char esc[6] = { '\\', 0, '0', '0', 0, 0 };
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			esc[1] = 'u';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			put(o, esc, 6);
			run = ++i;
			continue;
		}
		put(o, esc, 2);
		run = ++i;
	}
	put(o, str + run, n - run);
	putc_(o, '"');
}

static void put_integer(struct out *o, json_int_t v)
{
	char b[24], *e = b + sizeof b, *p = e;
	/* in unsigned arithmetic, so that the most negative value has a magnitude */
	unsigned long long m = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	do {
		*--p = (char)('0' + m % 10);
		m /= 10;
	} while (m);
	if (v < 0)
		*--p = '-';
	put(o, p, (size_t)(e - p));
}

struct key {
	const char *s;
	size_t n;
	json_t *v;
};

/* jansson's order of keys: bytes compared as unsigned, then the shorter first */
static int key_cmp(const void *a, const void *b)
{
	const struct key *x = a, *y = b;
	int r = memcmp(x->s, y->s, x->n < y->n ? x->n : y->n);

	return r ? r : (x->n > y->n) - (x->n < y->n);
}

static void put_value(struct out *o, const json_t *v, unsigned flags, int depth);

static void put_object(struct out *o, const json_t *v, unsigned flags, int depth)
{
	size_t n = json_object_size(v), i = 0;
	struct key small[32], *keys = small;

	if (n > sizeof small / sizeof small[0] && !(keys = malloc(n * sizeof *keys))) {
		o->bad = true;
		return;
	}
	for (void *it = json_object_iter((json_t *)v); it && i < n; it = json_object_iter_next((json_t *)v, it), i++) {
		keys[i].s = json_object_iter_key(it);
		keys[i].n = json_object_iter_key_len(it);
		keys[i].v = json_object_iter_value(it);
	}
	n = i;
	if (flags & CG_JSON_SORTED)
		qsort(keys, n, sizeof *keys, key_cmp);
	putc_(o, '{');
	for (i = 0; i < n && !o->bad; i++) {
		if (i)
			putc_(o, ',');
		put_string(o, keys[i].s, keys[i].n);
		putc_(o, ':');
		put_value(o, keys[i].v, flags, depth + 1);
	}
	putc_(o, '}');
	if (keys != small)
		free(keys);
}

static void put_value(struct out *o, const json_t *v, unsigned flags, int depth)
{
	if (o->bad)
		return;
	/* depth: the containers this value is in, itself included when it is one */
	if (!v || ((json_is_array(v) || json_is_object(v)) && depth > CG_JSON_MAX_DEPTH)) {
		o->bad = true;
		return;
	}
	switch (json_typeof(v)) {
	case JSON_NULL:
		put(o, "null", 4);
		break;
	case JSON_TRUE:
		put(o, "true", 4);
		break;
	case JSON_FALSE:
		put(o, "false", 5);
		break;
	case JSON_INTEGER:
		put_integer(o, json_integer_value(v));
		break;
	case JSON_REAL: {
		char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		if (!t)
			o->bad = true;
		else
			put(o, t, strlen(t));
		free(t);
		break;
	}
	case JSON_STRING:
		put_string(o, json_string_value(v), json_string_length(v));
		break;
	case JSON_ARRAY: {
		size_t n = json_array_size(v);
		putc_(o, '[');
		for (size_t i = 0; i < n && !o->bad; i++) {
			if (i)
				putc_(o, ',');
			put_value(o, json_array_get(v, i), flags, depth + 1);
		}
		putc_(o, ']');
		break;
	}
	case JSON_OBJECT:
		put_object(o, v, flags, depth);
		break;
	default:
		o->bad = true;
	}
}

char *cg_json_dump(const json_t *v, unsigned flags, size_t *len)
{
	struct out o = { .bad = false };

	cg_buf_init(&o.b, 0);
	if (len)
		*len = 0;
	if (!v || (!(flags & CG_JSON_ANY) && !json_is_object(v) && !json_is_array(v)))
		return NULL;
	put_value(&o, v, flags, 1);
	if (o.bad) {
		cg_buf_release(&o.b);
		return NULL;
	}
	if (len)
		*len = o.b.len;
	return cg_buf_take(&o.b);
}
