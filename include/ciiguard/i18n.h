/* Message translation from gettext catalogs compiled into the library, chosen per call. */
#ifndef CIIGUARD_I18N_H
#define CIIGUARD_I18N_H

#include "ciiguard/error.h"

/* Marks a string for xgettext without translating it here. */
#define N_(s) s

/*
 * Returns the translation of `msgid` into `lang`, or `msgid` itself when there is none.
 * The result is static. Thread-safe, and independent of the process locale.
 */
const char *cg_tr(enum cg_lang lang, const char *msgid) __attribute__((format_arg(2)));

/* Parses "en", "zh", "zh-CN", "zh_CN.UTF-8" ...; returns 0 and sets *out, or -1. */
int cg_lang_parse(const char *s, enum cg_lang *out);

/* The language named by the environment (LANGUAGE, LC_ALL, LC_MESSAGES, LANG), else English. */
enum cg_lang cg_lang_from_env(void);

/* Display width of UTF-8 text in terminal columns (East Asian wide characters count 2). */
size_t cg_text_width(const char *s);

/*
 * A display label for an enum value or a field, in `lang`: kind is "sector", "harm", "ai_kind",
 * "model_source", "link_kind", "status" or "field". Unknown values are returned as given.
 */
const char *cg_label(enum cg_lang lang, const char *kind, const char *value);

#endif
