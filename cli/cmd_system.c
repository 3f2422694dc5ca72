/* `ciiguard system`: the inventory of AI and other systems in or near the CII perimeter. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "banned.h"

static const char help[] = N_(
	"Usage: ciiguard system add [--id ID] [--input FILE|-] [--FIELD VALUE]...\n"
	"       ciiguard system list [--sector S] [--status S] [--ai-kind K]\n"
	"       ciiguard system show ID\n"
	"       ciiguard system update ID [--input FILE|-] [--FIELD VALUE]...\n"
	"       ciiguard system delete ID\n"
	"       ciiguard system import FILE|- [--format json|csv] [--update]\n"
	"       ciiguard system summary\n\n"
	"Fields (as in JSON; in CSV headers and options too, e.g. --ai.kind or --ai-kind):\n"
	"  id                          a short slug; generated when absent\n"
	"  name                        (required)\n"
	"  owner, description\n"
	"  sector                      public_communications, energy, transportation, water,\n"
	"                              finance, public_services, e_government,\n"
	"                              defense_industry, other (required)\n"
	"  supports_core_business      yes|no (required)\n"
	"  harm_if_compromised         minor, moderate, serious (required)\n"
	"  cross_sector_impact         yes|no\n"
	"  notified_cii, notified_at   yes|no, YYYY-MM-DD\n"
	"  serves_cii_operators        yes|no: provides AI, cloud, operations, data-platform or\n"
	"                              algorithm services to CII operators\n"
	"  ai.kind                     predictive, generative, decision, optimisation, agent\n"
	"  ai.model_source             in_house, third_party_model, saas\n"
	"  ai.public_generative_service yes|no\n"
	"  data.pi_subjects, data.sensitive_pi_subjects   counts of people\n"
	"  data.important_data, data.core_data            yes|no\n"
	"  users                       a count\n"
	"  mlps_level                  1-5\n"
	"  links                       kind:SYSTEM_ID;... with kind depends_on, exchanges_data,\n"
	"                              embedded_in\n"
	"  status                      planned, development, production, retired (required)\n\n"
	"An import is all or nothing. CSV may be UTF-8 (with or without BOM) or GB18030;\n"
	"a name ending in .csv or --format csv selects CSV.\n");

static cg_code set_sys(void *rec, const char *name, const char *value, struct cg_error *err)
{
	if (strcmp(name, "id") == 0) {
		struct cg_system *s = rec;
		char *p = strdup(value);
		if (!p)
			return cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory"));
		free(s->id);
		s->id = p;
		return CG_OK;
	}
	return cg_system_set_field(rec, name, value, err);
}

static int print_system(struct cli *cli, const struct cg_system *s)
{
	struct cg_buf b;
	int rc = EXIT_OK;

	cg_buf_init(&b, 0);
	if (cg_system_to_json(s, &b) != CG_OK) {
		cg_error_set(&cli->err, CG_E_NOMEM, NULL, N_("out of memory"));
		rc = cli_fail(cli);
	} else if (cli->json) {
		rc = cli_print_json(cli, b.ptr);
	} else {
		const char *yes = T(cli, "yes"), *no = T(cli, "no");
#define ROW(field, value) printf("%-30s %s\n", cli_label(cli, "field", field), value)
		char num[32];
		size_t w = 0;
		const char *const *f;

		for (f = cg_system_field_names; *f; f++)
			if (cg_text_width(cli_label(cli, "field", *f)) > w)
				w = cg_text_width(cli_label(cli, "field", *f));
#undef ROW
#define ROW(field, value) do { cli_pad(stdout, cli_label(cli, "field", field), w + 2); printf("%s\n", value); } while (0)
		ROW("id", s->id);
		ROW("name", s->name);
		ROW("owner", s->owner && *s->owner ? s->owner : "-");
		ROW("sector", s->sector >= 0 ? cli_label(cli, "sector", cg_sector_names[s->sector]) : "-");
		ROW("status", s->status >= 0 ? cli_label(cli, "status", cg_status_names[s->status]) : "-");
		ROW("supports_core_business", s->supports_core_business ? yes : no);
		ROW("harm_if_compromised", s->harm_if_compromised >= 0 ? cli_label(cli, "harm", cg_harm_names[s->harm_if_compromised]) : "-");
		ROW("cross_sector_impact", s->cross_sector_impact ? yes : no);
		ROW("notified_cii", s->notified_cii ? yes : no);
		if (s->notified_at)
			ROW("notified_at", s->notified_at);
		ROW("serves_cii_operators", s->serves_cii_operators ? yes : no);
		if (s->has_ai) {
			ROW("ai.kind", cli_label(cli, "ai_kind", cg_ai_kind_names[s->ai_kind]));
			ROW("ai.model_source", s->ai_model_source >= 0 ? cli_label(cli, "model_source", cg_model_source_names[s->ai_model_source]) : "-");
			ROW("ai.public_generative_service", s->ai_public_generative_service ? yes : no);
		}
		snprintf(num, sizeof num, "%lld", (long long)s->data_pi_subjects);
		ROW("data.pi_subjects", num);
		snprintf(num, sizeof num, "%lld", (long long)s->data_sensitive_pi_subjects);
		ROW("data.sensitive_pi_subjects", num);
		ROW("data.important_data", s->data_important_data ? yes : no);
		ROW("data.core_data", s->data_core_data ? yes : no);
		snprintf(num, sizeof num, "%lld", (long long)s->users);
		ROW("users", num);
		snprintf(num, sizeof num, "%d", s->mlps_level);
		ROW("mlps_level", s->mlps_level ? num : "-");
		for (size_t i = 0; i < s->nlinks; i++) {
			char line[400];
			snprintf(line, sizeof line, "%s %s", cli_label(cli, "link_kind", cg_link_kind_names[s->links[i].kind]), s->links[i].to);
			cli_pad(stdout, i ? "" : cli_label(cli, "field", "links"), w + 2);
			printf("%s\n", line);
		}
		if (s->description && *s->description)
			ROW("description", s->description);
		ROW("created_at", s->created_at);
		ROW("updated_at", s->updated_at);
#undef ROW
	}
	cg_buf_release(&b);
	return rc;
}

/* Collects systems for list output, filtered. */
struct listing {
	int sector, status, ai_kind;
	struct cg_system *v;
	size_t n, cap;
	struct cg_buf json;
	bool failed;
};

static int collect(const struct cg_system *s, void *ud)
{
	struct listing *l = ud;

	if ((l->sector >= 0 && s->sector != l->sector) || (l->status >= 0 && s->status != l->status) ||
	    (l->ai_kind >= 0 && (!s->has_ai || s->ai_kind != l->ai_kind)))
		return 0;
	if ((l->json.len > 1 && cg_buf_addc(&l->json, ',')) || cg_system_to_json(s, &l->json) != CG_OK) {
		l->failed = true;
		return 1;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct cg_system *v = realloc(l->v, cap * sizeof *v);
		if (!v) {
			l->failed = true;
			return 1;
		}
		l->v = v;
		l->cap = cap;
	}
	/* Keep what the table shows; the JSON text above holds the rest. */
	struct cg_system *c = &l->v[l->n++];
	cg_system_init(c);
	c->id = strdup(s->id);
	c->name = strdup(s->name ? s->name : "");
	c->sector = s->sector;
	c->status = s->status;
	c->has_ai = s->has_ai;
	c->ai_kind = s->ai_kind;
	c->notified_cii = s->notified_cii;
	if (!c->id || !c->name)
		l->failed = true;
	return l->failed;
}

static int parse_filter(struct cli *cli, const char *value, const char *const *names, const char *opt, int *out)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(names[i], value) == 0) {
			*out = i;
			return EXIT_OK;
		}
	return cli_usage(cli, "system", N_("%s: '%s' is not a known value"), opt, value);
}

static int do_list(struct cli *cli, struct cg_store *st, int argc, char **argv)
{
	struct listing l = { .sector = -1, .status = -1, .ai_kind = -1 };
	int rc = EXIT_OK;

	for (int i = 2; i < argc && rc == EXIT_OK; i++) {
		const char *v;
		if (cli_opt(argv[i], "sector") && (v = cli_optval(cli, "system", argc, argv, &i, &rc)))
			rc = parse_filter(cli, v, cg_sector_names, "--sector", &l.sector);
		else if (cli_opt(argv[i], "status") && (v = cli_optval(cli, "system", argc, argv, &i, &rc)))
			rc = parse_filter(cli, v, cg_status_names, "--status", &l.status);
		else if (cli_opt(argv[i], "ai-kind") && (v = cli_optval(cli, "system", argc, argv, &i, &rc)))
			rc = parse_filter(cli, v, cg_ai_kind_names, "--ai-kind", &l.ai_kind);
		else if (rc == EXIT_OK)
			rc = cli_usage(cli, "system", N_("unexpected argument '%s'"), argv[i]);
	}
	if (rc != EXIT_OK)
		return rc;
	cg_buf_init(&l.json, 0);
	if (cg_buf_addc(&l.json, '[') || cg_system_each(st, collect, &l, &cli->err) != CG_OK || l.failed ||
	    cg_buf_addc(&l.json, ']')) {
		if (!cli->err.code)
			cg_error_set(&cli->err, CG_E_NOMEM, NULL, N_("out of memory"));
		rc = cli_fail(cli);
	} else if (cli->json) {
		rc = cli_print_json(cli, l.json.ptr);
	} else {
		size_t wid = cg_text_width(T(cli, "ID")), wname = cg_text_width(T(cli, "Name"));
		for (size_t i = 0; i < l.n; i++) {
			if (cg_text_width(l.v[i].id) > wid)
				wid = cg_text_width(l.v[i].id);
			if (cg_text_width(l.v[i].name) > wname)
				wname = cg_text_width(l.v[i].name);
		}
		if (wname > 48)
			wname = 48;
		cli_pad(stdout, T(cli, "ID"), wid + 2);
		cli_pad(stdout, T(cli, "Name"), wname + 2);
		size_t wsec = cg_text_width(T(cli, "Sector"));
		for (int i = 0; cg_sector_names[i]; i++)
			for (size_t k = 0; k < l.n; k++)
				if (l.v[k].sector == i && cg_text_width(cli_label(cli, "sector", cg_sector_names[i])) > wsec)
					wsec = cg_text_width(cli_label(cli, "sector", cg_sector_names[i]));
		cli_pad(stdout, T(cli, "Sector"), wsec + 2);
		cli_pad(stdout, T(cli, "Status"), 14);
		cli_pad(stdout, T(cli, "AI kind"), 14);
		printf("%s\n", T(cli, "Notified CII"));
		for (size_t i = 0; i < l.n; i++) {
			struct cg_system *s = &l.v[i];
			cli_pad(stdout, s->id, wid + 2);
			cli_pad(stdout, s->name, wname + 2);
			cli_pad(stdout, s->sector >= 0 ? cli_label(cli, "sector", cg_sector_names[s->sector]) : "-", wsec + 2);
			cli_pad(stdout, s->status >= 0 ? cli_label(cli, "status", cg_status_names[s->status]) : "-", 14);
			cli_pad(stdout, s->has_ai ? cli_label(cli, "ai_kind", cg_ai_kind_names[s->ai_kind]) : "-", 14);
			printf("%s\n", s->notified_cii ? T(cli, "yes") : T(cli, "no"));
		}
		printf(T(cli, "%zu systems\n"), l.n);
	}
	cg_system_array_free(l.v, l.n);
	cg_buf_release(&l.json);
	return rc;
}

/* Fills `s` from --input (a JSON object) and the field options. */
static int apply_input(struct cli *cli, int argc, char **argv, int start, struct cg_system *s)
{
	static const char *const own[] = { "input", NULL };
	int rc = EXIT_OK;

	for (int i = start; i < argc; i++) {
		if (cli_opt(argv[i], "input")) {
			const char *path = cli_optval(cli, "system", argc, argv, &i, &rc);
			size_t len;
			char *data;
			if (!path)
				return rc;
			if (!(data = cli_read_input(cli, path, &len)))
				return cli_fail(cli);
			cg_code r = cg_system_from_json(s, data, len, &cli->err);
			free(data);
			if (r != CG_OK)
				return cli_fail(cli);
		}
	}
	return cli_apply_fields(cli, "system", argc, argv, start, own, set_sys, s);
}

static int do_add(struct cli *cli, struct cg_store *st, int argc, char **argv)
{
	struct cg_system s;
	int rc;

	cg_system_init(&s);
	if ((rc = apply_input(cli, argc, argv, 2, &s)) == EXIT_OK) {
		if (cg_system_add(st, cli->actor, &s, &cli->err) != CG_OK)
			rc = cli_fail(cli);
		else if (cli->json)
			rc = print_system(cli, &s);
		else
			printf(T(cli, "Added system '%s'.\n"), s.id);
	}
	cg_system_release(&s);
	return rc;
}

/* Tells of the Art. 11 duties a change recorded (on stderr: stdout keeps the command's document). */
static void print_changes(struct cli *cli, json_t *changes)
{
	size_t i, k;
	json_t *c, *f;

	json_array_foreach(changes, i, c) {
		char fields[512] = "";
		size_t used = 0;
		json_array_foreach(json_object_get(c, "fields"), k, f) {
			int w = snprintf(fields + used, sizeof fields - used, "%s%s", k ? ", " : "",
					 cli_label(cli, "field", json_string_value(f)));
			if (w < 0 || (size_t)w >= sizeof fields - used)
				break;
			used += (size_t)w;
		}
		fprintf(stderr, T(cli, "note: '%s' is notified CII and its decisive fields changed (%s): "
				       "report the change to the protection work department by %s (%s); "
				       "'ciiguard obligations %s' tracks it.\n"),
			json_string_value(json_object_get(c, "system")), fields,
			json_string_value(json_object_get(c, "due")), json_string_value(json_object_get(c, "source")),
			json_string_value(json_object_get(c, "system")));
	}
}

/* Opens the catalog and a transaction, and notes the notified CII that the write may change. */
static bool watch_begin(struct cli *cli, struct cg_store *st, const char *id, struct cg_catalog **cat,
			struct cg_cii_watch *w)
{
	*cat = NULL;
	memset(w, 0, sizeof *w);
	if (cg_catalog_open(st, cat, &cli->err) != CG_OK)
		return false;
	if (cg_store_begin(st, &cli->err) != CG_OK)
		return false;
	if (cg_cii_watch_begin(st, *cat, id, w, &cli->err) != CG_OK) {
		cg_store_rollback(st);
		return false;
	}
	return true;
}

/* Records the Art. 11 duties and commits, or rolls back when `result` or that fails. */
static cg_code watch_end(struct cli *cli, struct cg_store *st, struct cg_catalog *cat, struct cg_cii_watch *w,
			 cg_code result)
{
	json_t *changes = NULL;

	if (result == CG_OK)
		result = cg_cii_watch_end(st, cli->actor, cat, w, &changes, &cli->err);
	else
		cg_cii_watch_release(w);
	result = cg_store_end(st, true, result, &cli->err);
	if (result == CG_OK)
		print_changes(cli, changes);
	json_decref(changes);
	return result;
}

static int do_update(struct cli *cli, struct cg_store *st, int argc, char **argv)
{
	struct cg_system s;
	struct cg_catalog *cat = NULL;
	struct cg_cii_watch w;
	int rc;

	if (argc < 3 || strncmp(argv[2], "--", 2) == 0)
		return cli_usage(cli, "system", N_("update needs the id of a system"));
	cg_system_init(&s);
	if (cg_system_get(st, argv[2], &s, &cli->err) != CG_OK) {
		rc = cli_fail(cli);
	} else if ((rc = apply_input(cli, argc, argv, 3, &s)) == EXIT_OK) {
		if (strcmp(s.id, argv[2]) != 0) {
			cg_error_set(&cli->err, CG_E_INVALID, "id", N_("id: a system's id cannot be changed"));
			rc = cli_fail(cli);
		} else if (!watch_begin(cli, st, s.id, &cat, &w) ||
			   watch_end(cli, st, cat, &w, cg_system_update(st, cli->actor, &s, &cli->err)) != CG_OK) {
			rc = cli_fail(cli);
		} else if (cli->json) {
			rc = print_system(cli, &s);
		} else {
			printf(T(cli, "Updated system '%s'.\n"), s.id);
		}
	}
	cg_system_release(&s);
	cg_catalog_free(cat);
	return rc;
}

static int do_import(struct cli *cli, struct cg_store *st, int argc, char **argv)
{
	const char *path = NULL, *format = NULL;
	bool update = false;
	struct cg_import_result res;
	struct cg_catalog *cat = NULL;
	struct cg_cii_watch w;
	enum cg_format fmt;
	char *data;
	size_t len;
	int rc = EXIT_OK;

	for (int i = 2; i < argc; i++) {
		if (cli_opt(argv[i], "format")) {
			if (!(format = cli_optval(cli, "system", argc, argv, &i, &rc)))
				return rc;
		} else if (strcmp(argv[i], "--update") == 0) {
			update = true;
		} else if (!path && (strncmp(argv[i], "--", 2) != 0 || strcmp(argv[i], "-") == 0)) {
			path = argv[i];
		} else {
			return cli_usage(cli, "system", N_("unexpected argument '%s'"), argv[i]);
		}
	}
	if (!path)
		return cli_usage(cli, "system", N_("import needs a file name, or - for standard input"));
	if (format && strcmp(format, "csv") != 0 && strcmp(format, "json") != 0)
		return cli_usage(cli, "system", N_("--format: expected json or csv, got '%s'"), format);
	fmt = format ? (strcmp(format, "csv") == 0 ? CG_FORMAT_CSV : CG_FORMAT_JSON) :
	      (strlen(path) > 4 && strcasecmp(path + strlen(path) - 4, ".csv") == 0) ? CG_FORMAT_CSV : CG_FORMAT_JSON;
	if (!(data = cli_read_input(cli, path, &len)))
		return cli_fail(cli);
	if (!watch_begin(cli, st, NULL, &cat, &w) ||
	    watch_end(cli, st, cat, &w, cg_system_import(st, cli->actor, data, len, fmt, update, &res, &cli->err)) != CG_OK) {
		rc = cli_fail(cli);
	} else if (cli->json) {
		printf("{\n  \"created\": %zu,\n  \"updated\": %zu\n}\n", res.created, res.updated);
	} else {
		printf(T(cli, "Imported %zu systems: %zu created, %zu updated.\n"),
		       res.created + res.updated, res.created, res.updated);
	}
	free(data);
	cg_catalog_free(cat);
	return rc;
}

cg_code cli_system_summary_json(struct cg_store *st, struct cg_buf *b, struct cg_error *err)
{
	struct cg_inventory_summary sum;
	struct cg_operator op;
	char head[CG_HASH_HEX];
	int64_t count = 0;
	bool have_op;
	enum cg_lang lang = err->lang;

	cg_operator_init(&op);
	if (cg_inventory_summarise(st, &sum, err) != CG_OK || cg_audit_head(st, &count, head, err) != CG_OK) {
		cg_operator_release(&op);
		return err->code;
	}
	/* no operator profile yet: null */
	have_op = cg_operator_get(st, &op, err) == CG_OK;
	cg_error_init(err, lang);
	int bad = cg_buf_adds(b, "{\"operator\":") != CG_OK ||
		  (have_op ? cg_operator_to_json(&op, b) : cg_buf_adds(b, "null")) != CG_OK;
#define SECTION(name, names, arr, n) \
	bad |= cg_buf_addf(b, ",\"%s\":{", name) != CG_OK; \
	for (int i = 0; i < n; i++) \
		bad |= cg_buf_addf(b, "%s\"%s\":%lld", i ? "," : "", names[i], (long long)arr[i]) != CG_OK; \
	bad |= cg_buf_addc(b, '}') != CG_OK
	bad |= cg_buf_addf(b, ",\"systems\":%lld", (long long)sum.systems) != CG_OK;
	SECTION("by_status", cg_status_names, sum.by_status, CG_STATUS__COUNT);
	SECTION("by_sector", cg_sector_names, sum.by_sector, CG_SECTOR__COUNT);
	SECTION("by_ai_kind", cg_ai_kind_names, sum.by_ai_kind, CG_AI__COUNT);
#undef SECTION
	bad |= cg_buf_addf(b, ",\"ai_systems\":%lld,\"notified_cii\":%lld,\"serves_cii_operators\":%lld,"
			   "\"supports_core_business\":%lld,\"harm_serious\":%lld,\"cross_sector_impact\":%lld,"
			   "\"public_generative_services\":%lld,\"with_personal_information\":%lld,"
			   "\"pi_subjects\":%lld,\"important_data\":%lld,\"core_data\":%lld,\"links\":%lld,"
			   "\"audit\":{\"count\":%lld,\"head\":\"%s\"}}",
			   (long long)sum.ai_systems, (long long)sum.notified_cii, (long long)sum.serves_cii_operators,
			   (long long)sum.supports_core_business, (long long)sum.harm_serious,
			   (long long)sum.cross_sector_impact, (long long)sum.public_generative_services,
			   (long long)sum.with_personal_information, (long long)sum.pi_subjects,
			   (long long)sum.important_data, (long long)sum.core_data, (long long)sum.links,
			   (long long)count, head) != CG_OK;
	cg_operator_release(&op);
	return bad ? cg_error_set(err, CG_E_NOMEM, NULL, N_("out of memory")) : CG_OK;
}

static int do_summary(struct cli *cli, struct cg_store *st)
{
	struct cg_inventory_summary sum;
	struct cg_operator op;
	char head[CG_HASH_HEX];
	int64_t count = 0;
	bool have_op;
	int rc = EXIT_OK;

	if (cli->json) {
		struct cg_buf b;
		cg_buf_init(&b, 0);
		rc = cli_system_summary_json(st, &b, &cli->err) == CG_OK ? cli_print_json(cli, b.ptr) : cli_fail(cli);
		cg_buf_release(&b);
		return rc;
	}
	cg_operator_init(&op);
	if (cg_inventory_summarise(st, &sum, &cli->err) != CG_OK ||
	    cg_audit_head(st, &count, head, &cli->err) != CG_OK) {
		cg_operator_release(&op);
		return cli_fail(cli);
	}
	have_op = cg_operator_get(st, &op, &cli->err) == CG_OK;
	cg_error_init(&cli->err, cli->lang);
	if (have_op) {
		printf(T(cli, "Operator: %s\n"), op.name);
		printf(T(cli, "  sector: %s; protection work department: %s\n"),
		       op.sector >= 0 ? cli_label(cli, "sector", cg_sector_names[op.sector]) : "-",
		       op.protection_department);
		if (op.notified_cii)
			printf(T(cli, "  notified as a CII operator%s%s\n"), op.notified_at ? T(cli, " on ") : "",
			       op.notified_at ? op.notified_at : "");
	}
	printf(T(cli, "Systems: %lld (AI systems: %lld)\n"), (long long)sum.systems, (long long)sum.ai_systems);
	printf("  %s:", T(cli, "by status"));
	for (int i = 0; i < CG_STATUS__COUNT; i++)
		if (sum.by_status[i])
			printf(" %s %lld", cli_label(cli, "status", cg_status_names[i]), (long long)sum.by_status[i]);
	printf("\n  %s:", T(cli, "by AI kind"));
	for (int i = 0; i < CG_AI__COUNT; i++)
		if (sum.by_ai_kind[i])
			printf(" %s %lld", cli_label(cli, "ai_kind", cg_ai_kind_names[i]), (long long)sum.by_ai_kind[i]);
	printf("\n  %s:", T(cli, "by sector"));
	for (int i = 0; i < CG_SECTOR__COUNT; i++)
		if (sum.by_sector[i])
			printf(" %s %lld", cli_label(cli, "sector", cg_sector_names[i]), (long long)sum.by_sector[i]);
	printf("\n");
	printf(T(cli, "  notified as CII: %lld; serving CII operators: %lld\n"),
	       (long long)sum.notified_cii, (long long)sum.serves_cii_operators);
	printf(T(cli, "  supporting key core business: %lld; serious harm if compromised: %lld; knock-on impact on other sectors: %lld\n"),
	       (long long)sum.supports_core_business, (long long)sum.harm_serious, (long long)sum.cross_sector_impact);
	printf(T(cli, "  holding personal information: %lld (%lld subjects in all); important data: %lld; core data: %lld\n"),
	       (long long)sum.with_personal_information, (long long)sum.pi_subjects,
	       (long long)sum.important_data, (long long)sum.core_data);
	printf(T(cli, "  public generative AI services: %lld; dependency links: %lld\n"),
	       (long long)sum.public_generative_services, (long long)sum.links);
	printf(T(cli, "Audit trail: %lld events, head %s\n"), (long long)count, head);
	cg_operator_release(&op);
	return rc;
}

int cmd_system(struct cli *cli, int argc, char **argv)
{
	struct cg_store *st;
	const char *sub;
	int rc;

	if (cli_help_wanted(cli, help, argc, argv, &rc))
		return rc;
	sub = argv[1];
	if (strcmp(sub, "add") && strcmp(sub, "list") && strcmp(sub, "show") && strcmp(sub, "update") &&
	    strcmp(sub, "delete") && strcmp(sub, "import") && strcmp(sub, "summary"))
		return cli_usage(cli, "system", N_("unknown subcommand '%s'"), sub);
	if ((strcmp(sub, "show") == 0 || strcmp(sub, "delete") == 0) && argc != 3)
		return cli_usage(cli, "system", N_("%s needs exactly one system id"), sub);
	if (strcmp(sub, "summary") == 0 && argc != 2)
		return cli_usage(cli, "system", N_("unexpected argument '%s'"), argv[2]);
	if (!(st = cli_open(cli, false)))
		return cli_fail(cli);
	if (strcmp(sub, "add") == 0) {
		rc = do_add(cli, st, argc, argv);
	} else if (strcmp(sub, "list") == 0) {
		rc = do_list(cli, st, argc, argv);
	} else if (strcmp(sub, "show") == 0) {
		struct cg_system s;
		cg_system_init(&s);
		rc = cg_system_get(st, argv[2], &s, &cli->err) == CG_OK ? print_system(cli, &s) : cli_fail(cli);
		cg_system_release(&s);
	} else if (strcmp(sub, "update") == 0) {
		rc = do_update(cli, st, argc, argv);
	} else if (strcmp(sub, "delete") == 0) {
		if (cg_system_delete(st, cli->actor, argv[2], &cli->err) != CG_OK)
			rc = cli_fail(cli);
		else if (cli->json)
			rc = printf("{\n  \"deleted\": \"%s\"\n}\n", argv[2]) < 0 ? EXIT_FAILED : EXIT_OK;
		else
			rc = printf(T(cli, "Deleted system '%s'.\n"), argv[2]) < 0 ? EXIT_FAILED : EXIT_OK;
	} else if (strcmp(sub, "import") == 0) {
		rc = do_import(cli, st, argc, argv);
	} else {
		rc = do_summary(cli, st);
	}
	cg_store_free(st);
	return rc;
}
