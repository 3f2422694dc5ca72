/* Field-table driven records: parsing, validation, canonical JSON and SQL (see record.h). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ciiguard/clock.h"
#include "ciiguard/i18n.h"
#include "record.h"
#include "banned.h"

#define AT(rec, f, type) ((type *)((char *)(rec) + (f)->off))
#define CAT(rec, f, type) ((const type *)((const char *)(rec) + (f)->off))

static uint64_t *given_bits(const struct cg_record_desc *d, void *rec)
{
	return (uint64_t *)((char *)rec + d->given_off);
}

static bool *group_present(const struct cg_record_desc *d, void *rec)
{
	return (bool *)((char *)rec + d->group_off);
}

static char **corrupt_slot(const struct cg_record_desc *d, void *rec)
{
	return (char **)((char *)rec + d->corrupt_off);
}

/* Length of the group prefix of a field name ("ai.kind" -> 2), 0 when top-level. */
static size_t group_len(const char *name)
{
	const char *dot = strchr(name, '.');
	return dot ? (size_t)(dot - name) : 0;
}

static bool in_group(const struct cg_record_desc *d, const struct cg_field *f)
{
	size_t n = group_len(f->name);
	return d->group && n && strlen(d->group) == n && strncmp(f->name, d->group, n) == 0;
}

const struct cg_field *cg_record_field(const struct cg_record_desc *d, const char *name)
{
	for (size_t i = 0; i < d->nfields; i++)
		if (strcmp(d->fields[i].name, name) == 0)
			return &d->fields[i];
	return NULL;
}

static void reset_field(const struct cg_record_desc *d, void *rec, const struct cg_field *f)
{
	switch (f->type) {
	case CG_F_TEXT:
	case CG_F_DATE:
	case CG_F_TIME:
		free(*AT(rec, f, char *));
		*AT(rec, f, char *) = NULL;
		break;
	case CG_F_ENUM:
		*AT(rec, f, int) = -1;
		break;
	case CG_F_BOOL:
		*AT(rec, f, bool) = false;
		break;
	case CG_F_COUNT:
		*AT(rec, f, int64_t) = 0;
		break;
	case CG_F_LEVEL:
		*AT(rec, f, int) = 0;
		break;
	case CG_F_CUSTOM:
		if (d->hooks && d->hooks->release)
			d->hooks->release(rec, f);
		break;
	}
}

void cg_record_init(const struct cg_record_desc *d, void *rec)
{
	for (size_t i = 0; i < d->nfields; i++) {
		const struct cg_field *f = &d->fields[i];
		if (f->type == CG_F_ENUM)
			*AT(rec, f, int) = -1;
	}
}

void cg_record_release(const struct cg_record_desc *d, void *rec)
{
	for (size_t i = 0; i < d->nfields; i++)
		reset_field(d, rec, &d->fields[i]);
	free(*corrupt_slot(d, rec));
	*corrupt_slot(d, rec) = NULL;
	*given_bits(d, rec) = 0;
}

bool cg_text_ok(const char *s, bool multiline)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		uint32_t c = *p;
		int n;

		if (c < 0x80) {
			if ((c < 0x20 && !(multiline && (c == '\n' || c == '\r' || c == '\t'))) || c == 0x7f)
				return false;
			p++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			n = 1, c &= 0x1F;
		else if (c >= 0xE0 && c <= 0xEF)
			n = 2, c &= 0x0F;
		else if (c >= 0xF0 && c <= 0xF4)
			n = 3, c &= 0x07;
		else
			return false;
		for (int i = 1; i <= n; i++) {
			if ((p[i] & 0xC0) != 0x80)
				return false;
			c = c << 6 | (p[i] & 0x3F);
		}
		if ((n == 2 && (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF))) ||
		    (n == 3 && (c < 0x10000 || c > 0x10FFFF)))
			return false;
		p += n + 1;
	}
	return true;
}

int cg_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "yes", "y", "1", "是", "TRUE", "True", "Yes", "YES", "Y" };
	static const char *const no[] = { "false", "no", "n", "0", "否", "FALSE", "False", "No", "NO", "N" };

	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (strcmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

int cg_parse_number(const char *s, int64_t *out)
{
	return cg_parse_count(s, out);
}

int cg_parse_count(const char *s, int64_t *out)
{
	int64_t v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (INT64_MAX - (*s - '0')) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return 0;
}

static int enum_index(const char *const *values, const char *s)
{
	for (int i = 0; values[i]; i++)
		if (strcmp(values[i], s) == 0)
			return i;
	return -1;
}

/* "a, b or c" for error messages. */
static void enum_list(const char *const *values, char *out, size_t n)
{
	size_t k = 0;
	out[0] = '\0';
	for (int i = 0; values[i] && k < n; i++) {
		int w = snprintf(out + k, n - k, "%s%s", i ? ", " : "", values[i]);
		if (w < 0)
			break;
		k += (size_t)w;
	}
}

static cg_code set_string(char **slot, const char *value, struct cg_error *err)
{
	char *p = strdup(value);
	if (!p)
		return cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
	free(*slot);
	*slot = p;
	return CG_OK;
}

/* Sets a typed field from text; the common path of CSV cells, options and JSON strings. */
static cg_code set_typed(const struct cg_record_desc *d, void *rec, const struct cg_field *f,
			 const char *value, struct cg_error *err)
{
	char list[256];
	int64_t n;
	bool b;
	int e;

	if (!cg_text_ok(value, f->flags & CG_FF_MULTILINE))
		return cg_error_set(err, CG_E_INVALID, f->name,
				    N_("%s: expected text without control characters, in UTF-8"), f->name);
	switch (f->type) {
	case CG_F_TEXT:
		if (f->max && strlen(value) > (size_t)f->max)
			return cg_error_set(err, CG_E_INVALID, f->name,
					    N_("%s: too long (at most %d bytes)"), f->name, f->max);
		return set_string(AT(rec, f, char *), value, err);
	case CG_F_ENUM:
		e = enum_index(f->values, value);
		if (e < 0) {
			enum_list(f->values, list, sizeof list);
			return cg_error_set(err, CG_E_INVALID, f->name,
					    N_("%s: '%s' is not one of: %s"), f->name, value, list);
		}
		*AT(rec, f, int) = e;
		return CG_OK;
	case CG_F_BOOL:
		if (cg_parse_bool(value, &b) != 0)
			return cg_error_set(err, CG_E_INVALID, f->name,
					    N_("%s: expected true or false (yes/no), got '%s'"), f->name, value);
		*AT(rec, f, bool) = b;
		return CG_OK;
	case CG_F_COUNT:
		if (cg_parse_count(value, &n) != 0)
			return cg_error_set(err, CG_E_INVALID, f->name,
					    N_("%s: expected a whole number of 0 or more, got '%s'"), f->name, value);
		*AT(rec, f, int64_t) = n;
		return CG_OK;
	case CG_F_LEVEL:
		if (cg_parse_count(value, &n) != 0 || n < f->min || n > f->max)
			return cg_error_set(err, CG_E_INVALID, f->name,
					    N_("%s: expected a whole number from %d to %d, got '%s'"),
					    f->name, f->min, f->max, value);
		*AT(rec, f, int) = (int)n;
		return CG_OK;
	case CG_F_DATE:
		if (!cg_date_valid(value))
			return cg_error_set(err, CG_E_INVALID, f->name,
					    N_("%s: expected a date as YYYY-MM-DD, got '%s'"), f->name, value);
		return set_string(AT(rec, f, char *), value, err);
	case CG_F_TIME:
		if (!cg_rfc3339_parse(value, &n))
			return cg_error_set(err, CG_E_INVALID, f->name,
					    N_("%s: expected an RFC 3339 time, got '%s'"), f->name, value);
		return set_string(AT(rec, f, char *), value, err);
	case CG_F_CUSTOM:
		return d->hooks->set_text(rec, f, value, err);
	}
	return CG_E_INTERNAL;
}

/* Clears the whole nullable group. */
static void clear_group(const struct cg_record_desc *d, void *rec)
{
	for (size_t i = 0; i < d->nfields; i++)
		if (in_group(d, &d->fields[i]))
			reset_field(d, rec, &d->fields[i]);
	*group_present(d, rec) = false;
}

static void mark_given(const struct cg_record_desc *d, void *rec, const struct cg_field *f)
{
	*given_bits(d, rec) |= (uint64_t)1 << (f - d->fields);
}

cg_code cg_record_set_text(const struct cg_record_desc *d, void *rec, const char *name,
			   const char *value, struct cg_error *err)
{
	const struct cg_field *f = cg_record_field(d, name);
	cg_code result;

	if (d->group && strcmp(name, d->group) == 0 &&
	    (!*value || strcmp(value, "none") == 0 || strcmp(value, "null") == 0)) {
		clear_group(d, rec);
		return CG_OK;
	}
	if (!f || (f->flags & CG_FF_META))
		return cg_error_set(err, CG_E_INVALID, name, N_("unknown field '%s'"), name);
	if (!*value) {
		if (f->flags & CG_FF_REQUIRED) {
			if (in_group(d, f)) {
				clear_group(d, rec);
				return CG_OK;
			}
			return cg_error_set(err, CG_E_INVALID, f->name, N_("%s: is required"), f->name);
		}
		reset_field(d, rec, f);
		mark_given(d, rec, f);
		return CG_OK;
	}
	result = set_typed(d, rec, f, value, err);
	if (result == CG_OK) {
		mark_given(d, rec, f);
		if (in_group(d, f))
			*group_present(d, rec) = true;
	}
	return result;
}

static const char *json_type_name(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number with a fraction";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "?";
}

static cg_code set_from_json(const struct cg_record_desc *d, void *rec, const struct cg_field *f,
			     json_t *v, struct cg_error *err)
{
	char num[32];
	const char *want;

	if (json_is_null(v)) {
		if (!(f->flags & CG_FF_NULLABLE))
			return cg_error_set(err, CG_E_INVALID, f->name, N_("%s: must not be null"), f->name);
		reset_field(d, rec, f);
		mark_given(d, rec, f);
		return CG_OK;
	}
	switch (f->type) {
	case CG_F_BOOL:
		if (!json_is_boolean(v)) {
			want = "true or false";
			goto wrong;
		}
		*AT(rec, f, bool) = json_is_true(v);
		mark_given(d, rec, f);
		return CG_OK;
	case CG_F_COUNT:
	case CG_F_LEVEL:
		if (!json_is_integer(v)) {
			want = "a whole number";
			goto wrong;
		}
		if (json_integer_value(v) < 0)
			return cg_error_set(err, CG_E_INVALID, f->name,
					    N_("%s: expected a whole number of 0 or more, got %lld"),
					    f->name, (long long)json_integer_value(v));
		snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
		return cg_record_set_text(d, rec, f->name, num, err);
	case CG_F_CUSTOM:
		mark_given(d, rec, f);
		return d->hooks->from_json(rec, f, v, err);
	default:
		if (!json_is_string(v)) {
			want = "a string";
			goto wrong;
		}
		if (strlen(json_string_value(v)) != json_string_length(v))
			return cg_error_set(err, CG_E_INVALID, f->name, N_("%s: contains a NUL character"), f->name);
		if (!*json_string_value(v) && (f->flags & CG_FF_NULLABLE)) {
			reset_field(d, rec, f);
			mark_given(d, rec, f);
			return CG_OK;
		}
		return cg_record_set_text(d, rec, f->name, json_string_value(v), err);
	}
wrong:
	return cg_error_set(err, CG_E_INVALID, f->name, N_("%s: expected %s, got %s"), f->name,
			    cg_tr(err ? err->lang : CG_LANG_EN, want), cg_tr(err ? err->lang : CG_LANG_EN, json_type_name(v)));
}

cg_code cg_record_from_json(const struct cg_record_desc *d, void *rec, json_t *obj, bool meta,
			    struct cg_error *err)
{
	const char *key;
	json_t *v;
	char path[128];

	if (!json_is_object(obj))
		return cg_error_set(err, CG_E_INVALID, NULL, N_("expected a JSON object, got %s"),
				    cg_tr(err ? err->lang : CG_LANG_EN, json_type_name(obj)));
	json_object_foreach(obj, key, v) {
		const struct cg_field *f = cg_record_field(d, key);
		cg_code r;

		if (f) {
			if (f->flags & CG_FF_META) {
				if (meta && (r = set_typed(d, rec, f, json_is_string(v) ? json_string_value(v) : "", err)) != CG_OK)
					return r;
				continue;
			}
			if ((r = set_from_json(d, rec, f, v, err)) != CG_OK)
				return r;
			continue;
		}
		/* A nested object: "ai": {...}. */
		bool is_group = false;
		for (size_t i = 0; i < d->nfields && !is_group; i++)
			is_group = group_len(d->fields[i].name) == strlen(key) &&
				   strncmp(d->fields[i].name, key, strlen(key)) == 0;
		if (!is_group)
			return cg_error_set(err, CG_E_INVALID, key, N_("unknown field '%s'"), key);
		if (json_is_null(v) && d->group && strcmp(key, d->group) == 0) {
			clear_group(d, rec);
			continue;
		}
		if (!json_is_object(v))
			return cg_error_set(err, CG_E_INVALID, key, N_("%s: expected %s, got %s"), key,
					    cg_tr(err ? err->lang : CG_LANG_EN, "an object"),
					    cg_tr(err ? err->lang : CG_LANG_EN, json_type_name(v)));
		const char *inner;
		json_t *iv;
		if (d->group && strcmp(key, d->group) == 0)
			*group_present(d, rec) = true;
		json_object_foreach(v, inner, iv) {
			snprintf(path, sizeof path, "%s.%s", key, inner);
			f = cg_record_field(d, path);
			if (!f)
				return cg_error_set(err, CG_E_INVALID, path, N_("unknown field '%s'"), path);
			if ((r = set_from_json(d, rec, f, iv, err)) != CG_OK)
				return r;
		}
	}
	return CG_OK;
}

cg_code cg_record_check(const struct cg_record_desc *d, const void *rec, struct cg_error *err)
{
	uint64_t given = *given_bits(d, (void *)rec);
	bool group = d->group ? *group_present(d, (void *)rec) : false;

	for (size_t i = 0; i < d->nfields; i++) {
		const struct cg_field *f = &d->fields[i];
		bool set = true;

		if (!(f->flags & CG_FF_REQUIRED) || (f->flags & CG_FF_KEY))
			continue;
		if (in_group(d, f) && !group)
			continue;
		switch (f->type) {
		case CG_F_TEXT:
			set = *CAT(rec, f, char *) && **CAT(rec, f, char *);
			break;
		case CG_F_ENUM:
			set = *CAT(rec, f, int) >= 0;
			break;
		case CG_F_BOOL:
			set = (given & ((uint64_t)1 << i)) != 0;
			break;
		default:
			break;
		}
		if (!set) {
			if (in_group(d, f))
				return cg_error_set(err, CG_E_INVALID, f->name,
						    N_("%s: is required when other %s fields are given"),
						    f->name, d->group);
			return cg_error_set(err, CG_E_INVALID, f->name, N_("%s: is required"), f->name);
		}
	}
	return CG_OK;
}

cg_code cg_json_add_string(struct cg_buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *run = p;

	if (cg_buf_addc(out, '"'))
		return CG_E_NOMEM;
	for (; *p; p++) {
		const char *esc = NULL;
		char u[8];

		switch (*p) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		default:
			if (*p < 0x20) {
				snprintf(u, sizeof u, "\\u%04X", *p);
				esc = u;
			}
		}
		if (esc) {
			if (cg_buf_add(out, run, (size_t)(p - run)) || cg_buf_adds(out, esc))
				return CG_E_NOMEM;
			run = p + 1;
		}
	}
	if (cg_buf_add(out, run, (size_t)(p - run)) || cg_buf_addc(out, '"'))
		return CG_E_NOMEM;
	return CG_OK;
}

static cg_code value_to_json(const struct cg_record_desc *d, const void *rec,
			     const struct cg_field *f, struct cg_buf *out)
{
	const char *s;
	int e;

	switch (f->type) {
	case CG_F_TEXT:
		s = *CAT(rec, f, char *);
		return cg_json_add_string(out, s ? s : "");
	case CG_F_DATE:
	case CG_F_TIME:
		s = *CAT(rec, f, char *);
		return s ? cg_json_add_string(out, s) : cg_buf_adds(out, "null");
	case CG_F_ENUM:
		e = *CAT(rec, f, int);
		return e >= 0 ? cg_json_add_string(out, f->values[e]) : cg_buf_adds(out, "null");
	case CG_F_BOOL:
		return cg_buf_adds(out, *CAT(rec, f, bool) ? "true" : "false");
	case CG_F_COUNT:
		return cg_buf_addf(out, "%lld", (long long)*CAT(rec, f, int64_t));
	case CG_F_LEVEL:
		e = *CAT(rec, f, int);
		return e ? cg_buf_addf(out, "%d", e) : cg_buf_adds(out, "null");
	case CG_F_CUSTOM:
		return d->hooks->to_json(rec, f, out);
	}
	return CG_E_INTERNAL;
}

cg_code cg_record_to_json(const struct cg_record_desc *d, const void *rec, struct cg_buf *out)
{
	const char *open_group = NULL;
	size_t open_len = 0;
	bool first = true, first_in = true;
	const char *corrupt = *corrupt_slot(d, (void *)rec);

	if (cg_buf_addc(out, '{'))
		return CG_E_NOMEM;
	for (size_t i = 0; i < d->nfields; i++) {
		const struct cg_field *f = &d->fields[i];
		size_t g = group_len(f->name);
		const char *key = g ? f->name + g + 1 : f->name;

		if (open_group && (g != open_len || strncmp(f->name, open_group, g) != 0)) {
			if (cg_buf_addc(out, '}'))
				return CG_E_NOMEM;
			open_group = NULL;
		}
		if (g && !open_group) {
			if (!first && cg_buf_addc(out, ','))
				return CG_E_NOMEM;
			first = false;
			if (cg_buf_addc(out, '"') || cg_buf_add(out, f->name, g) || cg_buf_adds(out, "\":"))
				return CG_E_NOMEM;
			if (in_group(d, f) && !*group_present(d, (void *)rec)) {
				if (cg_buf_adds(out, "null"))
					return CG_E_NOMEM;
				while (i + 1 < d->nfields && in_group(d, &d->fields[i + 1]))
					i++;
				continue;
			}
			if (cg_buf_addc(out, '{'))
				return CG_E_NOMEM;
			open_group = f->name;
			open_len = g;
			first_in = true;
		}
		if (open_group) {
			if (!first_in && cg_buf_addc(out, ','))
				return CG_E_NOMEM;
			first_in = false;
		} else {
			if (!first && cg_buf_addc(out, ','))
				return CG_E_NOMEM;
			first = false;
		}
		if (cg_json_add_string(out, key) || cg_buf_addc(out, ':') || value_to_json(d, rec, f, out))
			return CG_E_NOMEM;
	}
	if (open_group && cg_buf_addc(out, '}'))
		return CG_E_NOMEM;
	if (corrupt && (cg_buf_adds(out, ",\"!corrupt\":") || cg_json_add_string(out, corrupt)))
		return CG_E_NOMEM;
	return cg_buf_addc(out, '}');
}

/* SQL text per record type, made once. */
struct sql_set {
	const struct cg_record_desc *d;
	char *insert, *update, *select;
};
static struct sql_set sqls[16];
static pthread_mutex_t sql_lock = PTHREAD_MUTEX_INITIALIZER;

static const struct sql_set *sql_for(const struct cg_record_desc *d)
{
	struct sql_set *set = NULL;
	struct cg_buf cols, qs, upd;
	const char *key = NULL;

	pthread_mutex_lock(&sql_lock);
	for (size_t i = 0; i < sizeof sqls / sizeof sqls[0]; i++) {
		if (sqls[i].d == d || !sqls[i].d) {
			set = &sqls[i];
			break;
		}
	}
	if (!set || set->d) {
		pthread_mutex_unlock(&sql_lock);
		return set;
	}
	cg_buf_init(&cols, 0);
	cg_buf_init(&qs, 0);
	cg_buf_init(&upd, 0);
	for (size_t i = 0; i < d->nfields; i++) {
		const struct cg_field *f = &d->fields[i];
		if (!f->column)
			continue;
		if (f->flags & CG_FF_KEY)
			key = f->column;
		if ((cols.len && cg_buf_adds(&cols, ", ")) || cg_buf_adds(&cols, f->column) ||
		    (qs.len && cg_buf_adds(&qs, ", ")) || cg_buf_addc(&qs, '?') ||
		    (upd.len && cg_buf_adds(&upd, ", ")) || cg_buf_addf(&upd, "%s = ?", f->column))
			abort();
	}
	if (asprintf(&set->insert, "INSERT INTO %s (%s) VALUES (%s)", d->table, cols.ptr, qs.ptr) < 0 ||
	    asprintf(&set->update, "UPDATE %s SET %s WHERE %s = ?", d->table, upd.ptr, key) < 0 ||
	    asprintf(&set->select, "SELECT %s FROM %s", cols.ptr, d->table) < 0)
		abort();
	cg_buf_release(&cols);
	cg_buf_release(&qs);
	cg_buf_release(&upd);
	set->d = d;
	pthread_mutex_unlock(&sql_lock);
	return set;
}

const char *cg_record_sql_insert(const struct cg_record_desc *d)
{
	return sql_for(d)->insert;
}

const char *cg_record_sql_update(const struct cg_record_desc *d)
{
	return sql_for(d)->update;
}

const char *cg_record_sql_select(const struct cg_record_desc *d)
{
	return sql_for(d)->select;
}

cg_code cg_record_bind(const struct cg_record_desc *d, const void *rec, struct cg_stmt *s, int *idx)
{
	for (size_t i = 0; i < d->nfields; i++) {
		const struct cg_field *f = &d->fields[i];
		cg_code r = CG_OK;
		int e;

		if (!f->column)
			continue;
		switch (f->type) {
		case CG_F_TEXT: {
			const char *t = *CAT(rec, f, char *);
			r = cg_stmt_bind_text(s, (*idx)++, t ? t : "");
			break;
		}
		case CG_F_DATE:
		case CG_F_TIME:
			r = cg_stmt_bind_text(s, (*idx)++, *CAT(rec, f, char *));
			break;
		case CG_F_ENUM:
			e = *CAT(rec, f, int);
			r = e >= 0 ? cg_stmt_bind_text(s, (*idx)++, f->values[e]) : cg_stmt_bind_null(s, (*idx)++);
			break;
		case CG_F_BOOL:
			r = cg_stmt_bind_int64(s, (*idx)++, *CAT(rec, f, bool) ? 1 : 0);
			break;
		case CG_F_COUNT:
			r = cg_stmt_bind_int64(s, (*idx)++, *CAT(rec, f, int64_t));
			break;
		case CG_F_LEVEL:
			e = *CAT(rec, f, int);
			r = e ? cg_stmt_bind_int64(s, (*idx)++, e) : cg_stmt_bind_null(s, (*idx)++);
			break;
		case CG_F_CUSTOM:
			break;
		}
		if (r != CG_OK)
			return r;
	}
	return CG_OK;
}

static void note_corrupt(const struct cg_record_desc *d, void *rec, const struct cg_field *f,
			 const char *raw)
{
	char **slot = corrupt_slot(d, rec);
	if (!*slot && asprintf(slot, "%s=%s", f->column, raw ? raw : "NULL") < 0)
		*slot = NULL;
}

cg_code cg_record_read(const struct cg_record_desc *d, void *rec, struct cg_stmt *s)
{
	int col = 0;
	bool group = false;
	int64_t n;

	/* The nullable group is present when its required column holds a value. */
	for (size_t i = 0, c = 0; i < d->nfields; i++) {
		const struct cg_field *f = &d->fields[i];
		if (!f->column)
			continue;
		if (in_group(d, f) && (f->flags & CG_FF_REQUIRED))
			group = !cg_stmt_is_null(s, (int)c);
		c++;
	}
	if (d->group)
		*group_present(d, rec) = group;
	for (size_t i = 0; i < d->nfields; i++) {
		const struct cg_field *f = &d->fields[i];
		const char *raw;
		bool null;

		if (!f->column)
			continue;
		raw = cg_stmt_text(s, col);
		null = cg_stmt_is_null(s, col);
		col++;
		*given_bits(d, rec) |= (uint64_t)1 << i;
		if (in_group(d, f) && !group) {
			/* An absent group stores only defaults. */
			if (!(null || (f->type == CG_F_BOOL && raw && strcmp(raw, "0") == 0)))
				note_corrupt(d, rec, f, raw);
			continue;
		}
		switch (f->type) {
		case CG_F_TEXT:
		case CG_F_DATE:
		case CG_F_TIME:
			if (null && f->type == CG_F_TEXT)
				note_corrupt(d, rec, f, raw);
			if (!null && set_string(AT(rec, f, char *), raw, NULL) != CG_OK)
				return CG_E_NOMEM;
			break;
		case CG_F_ENUM:
			*AT(rec, f, int) = null ? -1 : enum_index(f->values, raw);
			if (*AT(rec, f, int) < 0 && (!null || !(f->flags & CG_FF_NULLABLE)))
				note_corrupt(d, rec, f, raw);
			break;
		case CG_F_BOOL:
			if (null || cg_parse_count(raw, &n) != 0 || n > 1)
				note_corrupt(d, rec, f, raw);
			else
				*AT(rec, f, bool) = n == 1;
			break;
		case CG_F_COUNT:
			if (null || cg_parse_count(raw, &n) != 0)
				note_corrupt(d, rec, f, raw);
			else
				*AT(rec, f, int64_t) = n;
			break;
		case CG_F_LEVEL:
			if (null)
				*AT(rec, f, int) = 0;
			else if (cg_parse_count(raw, &n) != 0 || n < f->min || n > f->max)
				note_corrupt(d, rec, f, raw);
			else
				*AT(rec, f, int) = (int)n;
			break;
		case CG_F_CUSTOM:
			break;
		}
	}
	return CG_OK;
}
