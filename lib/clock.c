/* The clock (fixed by CIIGUARD_NOW in tests and demos) and RFC 3339 parsing and formatting. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ciiguard/clock.h"
#include "ciiguard/i18n.h"
#include "banned.h"

static int days_in_month(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* Reads exactly n digits. */
static int digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

bool cg_date_valid(const char *s)
{
	int y, m, d;
	const char *p = s;

	if (!s || strlen(s) != 10 || digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &m) ||
	    *p++ != '-' || digits(&p, 2, &d))
		return false;
	return y >= 1900 && m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

bool cg_rfc3339_parse(const char *s, int64_t *ms)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	int64_t frac = 0;
	const char *p = s;

	if (!s || digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
	    digits(&p, 2, &d))
		return false;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return false;
	p++;
	if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi) || *p++ != ':' ||
	    digits(&p, 2, &sec))
		return false;
	if (*p == '.') {
		int n = 0;
		p++;
		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9') {
			if (n < 3)
				frac = frac * 10 + (*p - '0');
			n++;
			p++;
		}
		while (n++ < 3)
			frac *= 10;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '+' ? 1 : -1;
		if (digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om) || oh > 23 || om > 59)
			return false;
	} else {
		return false;
	}
	if (*p || y < 1900 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
	    mi > 59 || sec > 60)
		return false;
	int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + (sec == 60 ? 59 : sec);
	t -= (int64_t)sign * (oh * 3600 + om * 60);
	*ms = t * 1000 + frac;
	return true;
}

/* two decimal digits of v (0-99) */
static void put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

void cg_rfc3339_format(int64_t ms, char out[CG_TIME_MAX])
{
	int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
	int64_t msec = ms - secs * 1000;
	int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
	int64_t rem = secs - days * 86400;
	int y, m, d;

	civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999) {
		snprintf(out, CG_TIME_MAX, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, m, d,
			 (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60), (int)msec);
		return;
	}
	/* the common case by hand: every write stamps a few of these */
	put2(out, y / 100);
	put2(out + 2, y % 100);
	out[4] = '-';
	put2(out + 5, m);
	out[7] = '-';
	put2(out + 8, d);
	out[10] = 'T';
	put2(out + 11, (int)(rem / 3600));
	out[13] = ':';
	put2(out + 14, (int)(rem / 60 % 60));
	out[16] = ':';
	put2(out + 17, (int)(rem % 60));
	out[19] = '.';
	out[20] = (char)('0' + msec / 100);
	out[21] = (char)('0' + msec / 10 % 10);
	out[22] = (char)('0' + msec % 10);
	out[23] = 'Z';
	out[24] = '\0';
}

cg_code cg_now(char out[CG_TIME_MAX], struct cg_error *err)
{
	const char *fixed = getenv("CIIGUARD_NOW");
	struct timespec ts;
	int64_t ms;

	if (fixed && *fixed) {
		if (!cg_rfc3339_parse(fixed, &ms))
			return cg_error_set(err, CG_E_USAGE, "CIIGUARD_NOW",
					    N_("CIIGUARD_NOW is not an RFC 3339 time: '%s'"), fixed);
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	}
	cg_rfc3339_format(ms, out);
	return CG_OK;
}

int cg_parse_duration(const char *s, int64_t *ms)
{
	static const struct { char unit; int64_t ms; } units[] = {
		{ 's', 1000 }, { 'm', 60000 }, { 'h', 3600000 }, { 'd', 86400000 }, { 'w', 604800000 },
	};
	char num[24];
	size_t n = s ? strlen(s) : 0;
	int64_t v;

	if (n < 2 || n > sizeof num)
		return -1;
	snprintf(num, sizeof num, "%.*s", (int)(n - 1), s);
	if (cg_parse_number(num, &v) != 0 || v > 100000000)
		return -1;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (s[n - 1] == units[i].unit) {
			*ms = v * units[i].ms;
			return 0;
		}
	return -1;
}
