/*
 * Compact JSON text of a jansson value, the bytes json_dumps(JSON_COMPACT [| JSON_SORT_KEYS])
 * gives (jansson 2.14, src/dump.c), in one growing buffer: jansson's dumper passes every piece
 * through a callback and keeps a hash table of the containers it is in to catch cycles, which
 * made the canonical dump about a fifth of an incident write's instructions. Numbers with a
 * fraction are left to jansson (they are rare in records, and its formatting has cases).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ciiguard/json.h"
#include "banned.h"

struct out {
	char *p;
	size_t len, cap;
	bool bad;
};

static bool room(struct out *o, size_t n)
{
	if (o->bad)
		return false;
	if (o->cap - o->len > n)
		return true;
	size_t cap = o->cap ? o->cap : 1024;
	while (cap - o->len <= n) {
		if (cap > SIZE_MAX / 2) {
			o->bad = true;
			return false;
		}
		cap *= 2;
	}
	char *p = realloc(o->p, cap);
	if (!p) {
		o->bad = true;
		return false;
	}
	o->p = p;
	o->cap = cap;
	return true;
}

static void put(struct out *o, const char *s, size_t n)
{
	if (room(o, n)) {
		memcpy(o->p + o->len, s, n);
		o->len += n;
	}
}

static void putc_(struct out *o, char c)
{
	if (room(o, 1))
		o->p[o->len++] = c;
}

/* The length of the UTF-8 sequence at s (at most n bytes), 0 when it is not one (RFC 3629:
 * no overlong forms, no surrogates, nothing past U+10FFFF), as jansson's utf8_iterate. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char u = s[0];
	size_t k;
	uint32_t v;

	if (u < 0x80)
		return 1;
	if (u >= 0xC2 && u <= 0xDF) {
		k = 2;
		v = u & 0x1F;
	} else if (u >= 0xE0 && u <= 0xEF) {
		k = 3;
		v = u & 0x0F;
	} else if (u >= 0xF0 && u <= 0xF4) {
		k = 4;
		v = u & 0x07;
	} else {
		return 0;
	}
	if (k > n)
		return 0;
	for (size_t i = 1; i < k; i++) {
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) || (k == 3 && v < 0x800) || (k == 4 && v < 0x10000))
		return 0;
	return k;
}

static void put_string(struct out *o, const char *str, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *s = (const unsigned char *)str;
	size_t run = 0, i = 0;

	putc_(o, '"');
	while (i < n) {
		unsigned char c = s[i];
		if (c >= 0x80) {
			size_t k = utf8_len(s + i, n - i);
			if (!k) {
				o->bad = true;
				return;
			}
			i += k;
			continue;
		}
		if (c != '"' && c != '\\' && c >= 0x20) {
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
	void *it;

	putc_(o, '{');
	if (n && (flags & CG_JSON_SORTED)) {
		if (n > sizeof small / sizeof small[0] && !(keys = malloc(n * sizeof *keys))) {
			o->bad = true;
			return;
		}
		for (it = json_object_iter((json_t *)v); it && i < n; it = json_object_iter_next((json_t *)v, it), i++) {
			keys[i].s = json_object_iter_key(it);
			keys[i].n = json_object_iter_key_len(it);
			keys[i].v = json_object_iter_value(it);
		}
		n = i;
		qsort(keys, n, sizeof *keys, key_cmp);
		for (i = 0; i < n && !o->bad; i++) {
			if (i)
				putc_(o, ',');
			put_string(o, keys[i].s, keys[i].n);
			putc_(o, ':');
			put_value(o, keys[i].v, flags, depth + 1);
		}
		if (keys != small)
			free(keys);
	} else {
		for (it = json_object_iter((json_t *)v); it && !o->bad; it = json_object_iter_next((json_t *)v, it), i++) {
			if (i)
				putc_(o, ',');
			put_string(o, json_object_iter_key(it), json_object_iter_key_len(it));
			putc_(o, ':');
			put_value(o, json_object_iter_value(it), flags, depth + 1);
		}
	}
	putc_(o, '}');
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
	struct out o = { NULL, 0, 0, false };

	if (len)
		*len = 0;
	if (!v || (!(flags & CG_JSON_ANY) && !json_is_object(v) && !json_is_array(v)))
		return NULL;
	put_value(&o, v, flags, 1);
	if (!o.bad && room(&o, 0))
		o.p[o.len] = '\0';
	if (o.bad) {
		free(o.p);
		return NULL;
	}
	if (len)
		*len = o.len;
	return o.p;
}
