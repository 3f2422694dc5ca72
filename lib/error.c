/* The caller-owned error struct: setting, translating and naming failures. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ciiguard/error.h"
#include "ciiguard/i18n.h"
#include "banned.h"

void cg_error_init(struct cg_error *err, enum cg_lang lang)
{
	memset(err, 0, sizeof *err);
	err->lang = lang;
}

cg_code cg_error_set(struct cg_error *err, cg_code code, const char *field, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	snprintf(err->field, sizeof err->field, "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, cg_tr(err->lang, fmt), ap);
	va_end(ap);
	return code;
}

void cg_error_prefix(struct cg_error *err, const char *fmt, ...)
{
	char old[CG_ERROR_MESSAGE_MAX];
	size_t n;
	va_list ap;
	int w;

	if (!err)
		return;
	memcpy(old, err->message, sizeof old);
	va_start(ap, fmt);
	w = vsnprintf(err->message, sizeof err->message, cg_tr(err->lang, fmt), ap);
	va_end(ap);
	n = w < 0 ? 0 : (size_t)w;
	if (n + 2 < sizeof err->message) {
		memcpy(err->message + n, ": ", 3);
		n += 2;
		memcpy(err->message + n, old, strnlen(old, sizeof err->message - n - 1));
		err->message[n + strnlen(old, sizeof err->message - n - 1)] = '\0';
	}
}

const char *cg_code_name(cg_code code)
{
	static const char *const names[] = {
		"ok", "invalid", "not_found", "exists", "conflict", "io", "no_memory",
		"store", "schema", "tampered", "usage", "internal", "denied",
	};
	if ((unsigned)code < sizeof names / sizeof names[0])
		return names[code];
	return "internal";
}
