/*
 * bench/gen.c: generates N realistic, deterministic system records for the benchmarks.
 *
 *   gen N [REV] json   a JSON array for `ciiguard system import`
 *   gen N [REV] sql    the same rows as INSERT statements into table `plain` (23 columns
 *                      of the systems table), for the sqlite3 reference
 *   gen N [REV] csv    the same rows as CSV (header + rows), for sqlite3 .import
 *   gen N links        the links of the N records as CSV (system_id,to_id,kind; header + rows),
 *                      the rows `system import` of the JSON stores in system_links
 *   gen N status M URNS  M obligation_status rows as CSV (header + rows) over the N records
 *                      and the organisation (bench/register.sh). URNS is a file of lines
 *                      "system URN" or "organisation URN": the duties and controls of the
 *                      catalog and the scope each binds. NULL is an unquoted empty field.
 *
 * Every field varies: sectors, harm, booleans, notification dates, AI kind/source (or no AI),
 * PI counts, users, MLPS level, status, Chinese and English names, owners and descriptions
 * of varying length (some with line breaks and quotes), and links to earlier ids (0-3 per
 * record, 1.05 on average). Record i is a pure function of (i, REV): REV > 0 changes a few
 * fields (users, status, description) of every record so that `import --update` of the
 * REV file updates every record and keeps every id and link valid.
 *
 * Build: cc -O2 -o gen bench/gen.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

struct rng {
	uint64_t s;
};

static uint64_t next(struct rng *r)
{
	r->s = mix(r->s);
	return r->s;
}

static unsigned pick(struct rng *r, unsigned n)
{
	return (unsigned)(next(r) % n);
}

static int chance(struct rng *r, unsigned pct)
{
	return pick(r, 100) < pct;
}

#define NEL(a) (sizeof(a) / sizeof(a)[0])

static const char *const sectors[] = { "public_communications", "energy", "transportation",
	"water", "finance", "public_services", "e_government", "defense_industry", "other" };
static const char *const harms[] = { "minor", "moderate", "serious" };
static const char *const ai_kinds[] = { "predictive", "generative", "decision", "optimisation", "agent" };
static const char *const sources[] = { "in_house", "third_party_model", "saas" };
static const char *const link_kinds[] = { "depends_on", "exchanges_data", "embedded_in" };
static const char *const statuses[] = { "planned", "development", "production", "retired" };

static const char *const w1[] = { "grid", "dispatch", "meter", "billing", "scada", "fraud", "risk",
	"credit", "payment", "traffic", "rail", "port", "water", "pump", "leak", "tax", "permit",
	"health", "clinic", "radar", "supply", "ops", "noc", "soc", "hr", "crm", "erp", "chat",
	"search", "vision", "ocr", "forecast", "asset", "fleet", "load", "outage", "customer" };
static const char *const w2[] = { "core", "edge", "gateway", "model", "engine", "portal", "api",
	"etl", "lake", "hub", "agent", "bot", "console", "planner", "monitor", "scorer", "index",
	"router", "archive", "twin" };
static const char *const zh_names[] = { "电网调度", "用电信息采集", "营销业务", "配网运维", "新能源功率预测",
	"客户服务", "反欺诈", "信贷风控", "支付清算", "智能交通信号", "列车运行控制", "港口作业",
	"供水管网监测", "政务服务", "电子证照", "医保结算", "网络安全态势感知", "智能客服大模型",
	"设备缺陷识别", "巡检无人机" };
static const char *const zh_suffix[] = { "系统", "平台", "大模型应用", "智能体", "子系统", "中台" };
static const char *const en_names[] = { "Grid dispatch", "Meter data", "Billing", "Outage planner",
	"Fraud scoring", "Credit risk", "Payments switch", "Traffic signal control", "Rail control",
	"Port operations", "Leak detection", "Citizen portal", "Claims settlement", "Threat monitor",
	"Customer assistant", "Defect recognition", "Load forecast", "Document OCR" };
static const char *const owners[] = { "调度控制中心", "信息通信分公司", "营销服务中心", "运维检修部",
	"网络安全部", "数字化部", "Risk Management", "IT Operations", "Data Platform Team",
	"科技部", "客户服务中心", "Security Operations Center", "安全监察部", "Vendor: 某云服务商" };
static const char *const phrases[] = {
	"负责区域电网的实时调度与监控，", "为客户提供7x24小时在线服务，", "对交易进行实时风险评分，",
	"采集并分析计量数据，", "使用第三方大模型生成回复，", "支撑关键核心业务的连续运行，",
	"Runs on the internal private cloud; ", "Scores transactions in real time; ",
	"Feeds the operations dashboard; ", "Uses a fine-tuned open-weights model; ",
	"Exchanges data with the provincial platform; ", "Replicated across two data centres; ",
	"涉及个人信息和重要数据处理，", "已完成等级保护测评，", "计划于明年上线，",
	"Contains \"legacy\" modules; ", "与上级单位系统存在数据交换，",
};

/* The id of record i: a slug from two words and the index, so ids sort apart from insert order. */
static void make_id(unsigned long i, char *out, size_t n)
{
	uint64_t h = mix(i * 7919 + 17);
	snprintf(out, n, "%s-%s-%lu", w1[h % NEL(w1)], w2[(h >> 16) % NEL(w2)], i);
}

enum mode { M_JSON, M_SQL, M_CSV };

struct rec {
	char id[80], name[200], owner[80], desc[2048];
	int has_owner, has_desc;
	const char *sector, *harm, *status, *ai_kind, *source;
	int core, cross, notified, serves, has_ai, pgs, imp, coredata, mlps;
	char notified_at[16];
	long long pi, spi, users;
	int nlinks;
	char link_to[3][80];
	const char *link_kind[3];
};

static void make(unsigned long i, unsigned rev, struct rec *r)
{
	struct rng g = { mix(i) ^ 0x5eedull };
	struct rng v = { mix(i * 31 + rev) ^ 0xabcdull }; /* the fields a revision changes */
	size_t k = 0;

	memset(r, 0, sizeof *r);
	make_id(i, r->id, sizeof r->id);
	if (chance(&g, 60))
		snprintf(r->name, sizeof r->name, "%s%s %lu", zh_names[pick(&g, NEL(zh_names))],
			 zh_suffix[pick(&g, NEL(zh_suffix))], i);
	else
		snprintf(r->name, sizeof r->name, "%s %s #%lu", en_names[pick(&g, NEL(en_names))],
			 w2[pick(&g, NEL(w2))], i);
	r->has_owner = chance(&g, 90);
	snprintf(r->owner, sizeof r->owner, "%s", owners[pick(&g, NEL(owners))]);
	r->has_desc = chance(&g, 95);
	{
		unsigned np = 1 + pick(&g, 8);
		for (unsigned p = 0; p < np && k < sizeof r->desc - 200; p++) {
			k += (size_t)snprintf(r->desc + k, sizeof r->desc - k, "%s", phrases[pick(&g, NEL(phrases))]);
			if (chance(&g, 8))
				k += (size_t)snprintf(r->desc + k, sizeof r->desc - k, "\n");
		}
		if (rev)
			snprintf(r->desc + k, sizeof r->desc - k, "（第%u次复核 / review %u）", rev, pick(&v, 1000));
	}
	r->sector = sectors[pick(&g, NEL(sectors))];
	r->core = chance(&g, 45);
	r->harm = harms[pick(&g, NEL(harms))];
	r->cross = chance(&g, 25);
	r->notified = chance(&g, 40);
	if (r->notified && chance(&g, 70))
		snprintf(r->notified_at, sizeof r->notified_at, "%04u-%02u-%02u", 2022 + pick(&g, 5),
			 1 + pick(&g, 12), 1 + pick(&g, 28));
	r->serves = chance(&g, 20);
	r->has_ai = chance(&g, 70);
	if (r->has_ai) {
		unsigned kk = pick(&g, NEL(ai_kinds));
		r->ai_kind = ai_kinds[kk];
		r->source = chance(&g, 10) ? NULL : sources[pick(&g, NEL(sources))];
		r->pgs = kk == 1 && chance(&g, 30);
	}
	{
		unsigned mag = pick(&g, 8);
		long long p = 1;
		for (unsigned m = 0; m < mag; m++)
			p *= 10;
		r->pi = mag ? (long long)(next(&g) % (uint64_t)p) : 0;
		r->spi = r->pi ? (long long)(next(&g) % (uint64_t)(r->pi / 10 + 1)) : 0;
	}
	r->imp = chance(&g, 30);
	r->coredata = r->imp && chance(&g, 15);
	r->users = (long long)(next(&v) % 2000000);
	r->mlps = chance(&g, 15) ? 0 : (int)(1 + pick(&g, 4) + (chance(&g, 5) ? 1 : 0));
	r->status = rev && chance(&v, 20) ? statuses[pick(&v, NEL(statuses))] : statuses[pick(&g, NEL(statuses))];
	if (i > 0) {
		unsigned roll = pick(&g, 100);
		int want = roll < 35 ? 0 : roll < 70 ? 1 : roll < 90 ? 2 : 3;
		for (int l = 0; l < want; l++) {
			unsigned long to;
			/* Mostly near neighbours (the same project), sometimes anything earlier. */
			if (chance(&g, 60) && i > 1)
				to = i - 1 - pick(&g, (unsigned)(i < 50 ? i : 50));
			else
				to = (unsigned long)(next(&g) % i);
			const char *kind = link_kinds[pick(&g, NEL(link_kinds))];
			char tid[80];
			int dup = 0;
			make_id(to, tid, sizeof tid);
			for (int m = 0; m < r->nlinks; m++)
				dup |= strcmp(r->link_to[m], tid) == 0 && r->link_kind[m] == kind;
			if (dup)
				continue;
			snprintf(r->link_to[r->nlinks], sizeof r->link_to[0], "%s", tid);
			r->link_kind[r->nlinks++] = kind;
		}
	}
}

/* JSON string (the text has no control characters other than \n). */
static void jstr(FILE *f, const char *s)
{
	putc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			putc(*s, f);
	}
	putc('"', f);
}

/* SQL literal. */
static void sstr(FILE *f, const char *s)
{
	if (!s) {
		fputs("NULL", f);
		return;
	}
	putc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			putc('\'', f);
		putc(*s, f);
	}
	putc('\'', f);
}

/* CSV field, always quoted. */
static void cstr(FILE *f, const char *s)
{
	putc('"', f);
	for (; s && *s; s++) {
		if (*s == '"')
			putc('"', f);
		putc(*s, f);
	}
	putc('"', f);
}

static const char ts[] = "2026-11-24T08:00:00.000Z";

static void emit_json(FILE *f, const struct rec *r)
{
	fputs("{\"id\":", f);
	jstr(f, r->id);
	fputs(",\"name\":", f);
	jstr(f, r->name);
	if (r->has_owner) {
		fputs(",\"owner\":", f);
		jstr(f, r->owner);
	}
	if (r->has_desc) {
		fputs(",\"description\":", f);
		jstr(f, r->desc);
	}
	fprintf(f, ",\"sector\":\"%s\",\"supports_core_business\":%s,\"harm_if_compromised\":\"%s\","
		"\"cross_sector_impact\":%s,\"notified_cii\":%s", r->sector, r->core ? "true" : "false",
		r->harm, r->cross ? "true" : "false", r->notified ? "true" : "false");
	if (r->notified_at[0])
		fprintf(f, ",\"notified_at\":\"%s\"", r->notified_at);
	fprintf(f, ",\"serves_cii_operators\":%s", r->serves ? "true" : "false");
	if (r->has_ai) {
		fprintf(f, ",\"ai\":{\"kind\":\"%s\",\"model_source\":", r->ai_kind);
		if (r->source)
			fprintf(f, "\"%s\"", r->source);
		else
			fputs("null", f);
		fprintf(f, ",\"public_generative_service\":%s}", r->pgs ? "true" : "false");
	} else if (r->id[0] < 'm') {
		fputs(",\"ai\":null", f);
	}
	fprintf(f, ",\"data\":{\"pi_subjects\":%lld,\"sensitive_pi_subjects\":%lld,"
		"\"important_data\":%s,\"core_data\":%s}", r->pi, r->spi, r->imp ? "true" : "false",
		r->coredata ? "true" : "false");
	fprintf(f, ",\"users\":%lld", r->users);
	if (r->mlps)
		fprintf(f, ",\"mlps_level\":%d", r->mlps);
	fprintf(f, ",\"status\":\"%s\"", r->status);
	if (r->nlinks) {
		fputs(",\"links\":[", f);
		for (int l = 0; l < r->nlinks; l++)
			fprintf(f, "%s{\"to\":\"%s\",\"kind\":\"%s\"}", l ? "," : "", r->link_to[l], r->link_kind[l]);
		fputs("]", f);
	}
	fputs("}", f);
}

/* The 23 columns of the systems table, in its order. */
static const char cols[] = "id,name,owner,description,sector,supports_core_business,"
	"harm_if_compromised,cross_sector_impact,notified_cii,notified_at,serves_cii_operators,"
	"ai_kind,ai_model_source,ai_public_generative_service,data_pi_subjects,"
	"data_sensitive_pi_subjects,data_important_data,data_core_data,users,mlps_level,status,"
	"created_at,updated_at";

static void emit_row(FILE *f, const struct rec *r, void (*str)(FILE *, const char *), const char *null)
{
	str(f, r->id);
	putc(',', f);
	str(f, r->name);
	putc(',', f);
	str(f, r->has_owner ? r->owner : "");
	putc(',', f);
	str(f, r->has_desc ? r->desc : "");
	putc(',', f);
	str(f, r->sector);
	fprintf(f, ",%d,", r->core);
	str(f, r->harm);
	fprintf(f, ",%d,%d,", r->cross, r->notified);
	if (r->notified_at[0])
		str(f, r->notified_at);
	else
		fputs(null, f);
	fprintf(f, ",%d,", r->serves);
	if (r->has_ai)
		str(f, r->ai_kind);
	else
		fputs(null, f);
	putc(',', f);
	if (r->source)
		str(f, r->source);
	else
		fputs(null, f);
	fprintf(f, ",%d,%lld,%lld,%d,%d,%lld,", r->pgs, r->pi, r->spi, r->imp, r->coredata, r->users);
	if (r->mlps)
		fprintf(f, "%d", r->mlps);
	else
		fputs(null, f);
	putc(',', f);
	str(f, r->status);
	putc(',', f);
	str(f, ts);
	putc(',', f);
	str(f, ts);
}

/* --- obligation_status rows (mode "status") --- */

/* Days since 1970-01-01 of a civil date, and back (H. Hinnant's algorithms). */
static long days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil(long z, char out[11])
{
	char tmp[48];

	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	long d = doy - (153 * mp + 2) / 5 + 1, m = mp + (mp < 10 ? 3 : -9);
	snprintf(tmp, sizeof tmp, "%04ld-%02ld-%02ld", y + (m <= 2), m, d);
	memcpy(out, tmp, 10);
	out[10] = '\0';
}

static const char *const st_owners[] = { "调度控制中心", "网络安全部", "数字化部", "IT Operations",
	"Security Operations Center", "Data Platform Team", "安全监察部", "Risk Management" };
static const char *const st_reasons[] = { "no internet exposure", "系统不处理个人信息",
	"covered by the group-level programme", "not a generative service", "已由上级单位统一履行",
	"decommissioning scheduled, no changes allowed" };
static const char *const st_actors[] = { "cli:root", "cli:secops", "cli:compliance" };

/* One row: the status, owner, reason, dates of (scope, urn), drawn from g. "Today" is
 * 2026-11-27 (bench/register.sh fixes CIIGUARD_NOW to it): met dates up to 2 years back (so
 * annual duties met over a year ago are overdue), due dates from 4 months back to 8 months on. */
static void emit_status(FILE *f, struct rng *g, const char *scope, const char *urn)
{
	const long today = days_from_civil(2026, 11, 27);
	unsigned roll = pick(g, 100);
	const char *status = roll < 20 ? "not_started" : roll < 45 ? "in_progress" : roll < 90 ? "met" : "not_applicable";
	char last[11] = "", due[11] = "", upd[11];
	int met = strcmp(status, "met") == 0, na = strcmp(status, "not_applicable") == 0;

	if (met || chance(g, 15))
		civil(today - 1 - (long)pick(g, 730), last);
	if (!na && ((met && chance(g, 10)) || (!met && chance(g, status[0] == 'i' ? 70 : 40))))
		civil(today - 120 + (long)pick(g, 360), due);
	civil(today - (long)pick(g, 200), upd);
	if (last[0] && strcmp(upd, last) < 0)
		memcpy(upd, last, sizeof upd);
	cstr(f, scope);
	putc(',', f);
	cstr(f, urn);
	putc(',', f);
	cstr(f, status);
	putc(',', f);
	if (chance(g, 60))
		cstr(f, st_owners[pick(g, NEL(st_owners))]);
	putc(',', f);
	if (na)
		cstr(f, st_reasons[pick(g, NEL(st_reasons))]);
	putc(',', f);
	if (last[0])
		cstr(f, last);
	putc(',', f);
	if (due[0])
		cstr(f, due);
	fprintf(f, ",\"%sT%02u:%02u:%02u.%03uZ\",", upd, pick(g, 24), pick(g, 60), pick(g, 60), pick(g, 1000));
	cstr(f, st_actors[pick(g, NEL(st_actors))]);
	putc('\n', f);
}

/* M rows: each organisation-wide urn once in scope "organisation", the rest spread over the N
 * systems, M/N on average, from 0 to twice that (pairs of systems trade rows), each a distinct
 * urn of those that bind a system. */
static int gen_status(FILE *f, unsigned long n, unsigned long m, const char *urnfile)
{
	FILE *u = fopen(urnfile, "r");
	char line[512], *sys[256], *org[256], id[80];
	size_t nsys = 0, norg = 0;

	if (!u) {
		perror(urnfile);
		return 2;
	}
	while (fgets(line, sizeof line, u)) {
		char scope[32], urn[400];
		if (sscanf(line, "%31s %399s", scope, urn) != 2)
			continue;
		if (strcmp(scope, "organisation") == 0 && norg < NEL(org))
			org[norg++] = strdup(urn);
		else if (strcmp(scope, "system") == 0 && nsys < NEL(sys))
			sys[nsys++] = strdup(urn);
	}
	fclose(u);
	if (!nsys || !n) {
		fprintf(stderr, "gen: no system urns in %s, or no systems\n", urnfile);
		return 2;
	}
	fputs("scope,urn,status,owner,reason,last_met,due,updated_at,updated_by\n", f);
	for (size_t k = 0; k < norg && k < m; k++) {
		struct rng g = { mix(k) ^ 0x0f6ull };
		emit_status(f, &g, "organisation", org[k]);
	}
	m = m > norg ? m - norg : 0;
	if (m > (unsigned long long)n * nsys) {
		fprintf(stderr, "gen: %lu rows do not fit %lu systems x %zu urns\n", m, n, nsys);
		return 2;
	}
	for (unsigned long i = 0; i < n; i++) {
		/* base: an exact share of m; jitter d moves rows from the odd system of a pair to the even one. */
		unsigned long base = (unsigned long)((unsigned long long)(i + 1) * m / n - (unsigned long long)i * m / n);
		unsigned long pb = i % 2 ? (unsigned long)((unsigned long long)i * m / n - (unsigned long long)(i - 1) * m / n) :
			i + 1 < n ? (unsigned long)((unsigned long long)(i + 2) * m / n - (unsigned long long)(i + 1) * m / n) : 0;
		unsigned long lo = base < pb ? base : pb, room = nsys - (base > pb ? base : pb);
		unsigned long lim = lo < room ? lo : room;
		struct rng pj = { mix(i / 2) ^ 0x9a17ull };
		unsigned long d = (i % 2 == 0 && i + 1 >= n) ? 0 : (unsigned long)(next(&pj) % (lim + 1));
		unsigned long k = i % 2 ? base - d : base + d;
		struct rng g = { mix(i) ^ 0x57a7ull };
		size_t idx[256];

		make_id(i, id, sizeof id);
		for (size_t j = 0; j < nsys; j++)
			idx[j] = j;
		for (unsigned long j = 0; j < k; j++) { /* partial Fisher-Yates: k distinct urns */
			size_t r = j + pick(&g, (unsigned)(nsys - j)), t = idx[j];
			idx[j] = idx[r];
			idx[r] = t;
			emit_status(f, &g, id, sys[idx[j]]);
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long n;
	unsigned rev = 0;
	enum mode m;
	const char *ms;
	struct rec r;
	FILE *f = stdout;
	static char obuf[1 << 20];

	if (argc >= 3 && strcmp(argv[2], "status") == 0) {
		if (argc != 5) {
			fprintf(stderr, "usage: gen N status M URNS\n");
			return 2;
		}
		setvbuf(f, obuf, _IOFBF, sizeof obuf);
		int rc = gen_status(f, strtoul(argv[1], NULL, 10), strtoul(argv[3], NULL, 10), argv[4]);
		return fflush(f) == 0 ? rc : 1;
	}
	if (argc == 3 && strcmp(argv[2], "links") == 0) {
		n = strtoul(argv[1], NULL, 10);
		setvbuf(f, obuf, _IOFBF, sizeof obuf);
		fputs("system_id,to_id,kind\n", f);
		for (unsigned long i = 0; i < n; i++) {
			make(i, 0, &r);
			for (int l = 0; l < r.nlinks; l++)
				fprintf(f, "\"%s\",\"%s\",\"%s\"\n", r.id, r.link_to[l], r.link_kind[l]);
		}
		return fflush(f) == 0 ? 0 : 1;
	}
	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: gen N [REV] json|sql|csv, gen N links, gen N status M URNS\n");
		return 2;
	}
	n = strtoul(argv[1], NULL, 10);
	if (argc == 4)
		rev = (unsigned)strtoul(argv[2], NULL, 10);
	ms = argv[argc - 1];
	m = strcmp(ms, "sql") == 0 ? M_SQL : strcmp(ms, "csv") == 0 ? M_CSV : M_JSON;
	setvbuf(f, obuf, _IOFBF, sizeof obuf);
	if (m == M_JSON)
		fputs("[\n", f);
	else if (m == M_SQL)
		fputs("BEGIN;\n", f);
	else
		fprintf(f, "%s\n", cols);
	for (unsigned long i = 0; i < n; i++) {
		make(i, rev, &r);
		if (m == M_JSON) {
			emit_json(f, &r);
			fputs(i + 1 < n ? ",\n" : "\n", f);
		} else if (m == M_SQL) {
			fprintf(f, "INSERT INTO plain (%s) VALUES (", cols);
			emit_row(f, &r, sstr, "NULL");
			fputs(");\n", f);
		} else {
			emit_row(f, &r, cstr, "");
			putc('\n', f);
		}
	}
	if (m == M_JSON)
		fputs("]\n", f);
	else if (m == M_SQL)
		fputs("COMMIT;\n", f);
	return fflush(f) == 0 ? 0 : 1;
}
