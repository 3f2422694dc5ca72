/* Time: the clock (which tests can fix with CIIGUARD_NOW) and RFC 3339 and date validation. */
#ifndef CIIGUARD_CLOCK_H
#define CIIGUARD_CLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include "ciiguard/error.h"

#define CG_TIME_MAX 40

/*
 * Writes the current time as RFC 3339 UTC with milliseconds ("2026-11-24T08:00:00.000Z").
 * CIIGUARD_NOW, when set to an RFC 3339 time, replaces the system clock.
 */
cg_code cg_now(char out[CG_TIME_MAX], struct cg_error *err) CG_MUST_CHECK;

/* Parses RFC 3339 ("2026-11-24T16:00:00+08:00", fractional seconds allowed) to Unix milliseconds. */
bool cg_rfc3339_parse(const char *s, int64_t *ms);
/* Formats Unix milliseconds as RFC 3339 UTC with milliseconds. */
void cg_rfc3339_format(int64_t ms, char out[CG_TIME_MAX]);
/* True when `s` is a valid calendar date "YYYY-MM-DD". */
bool cg_date_valid(const char *s);

/* Parses a non-negative decimal integer strictly (no sign, no spaces); 0 on success. */
int cg_parse_number(const char *s, int64_t *out);

/* Parses a duration "30m", "24h", "7d" (also "45s", "2w") to milliseconds; 0 on success. */
int cg_parse_duration(const char *s, int64_t *ms);

#endif
