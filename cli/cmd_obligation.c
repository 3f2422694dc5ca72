/*
 * The obligation register on the command line: `obligations`, `evidence`, `gaps`, `exposure`
 * and `status`, the first screen a security officer sees.
 */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "cli.h"
#include "banned.h"

static const char obligations_help[] = N_(
	"Usage: ciiguard obligations [SYSTEM_ID|organisation]\n"
	"       ciiguard obligations set SCOPE URN --status STATUS [--owner NAME]\n"
	"                [--reason TEXT] [--met-on YYYY-MM-DD] [--due YYYY-MM-DD]\n\n"
	"Lists the obligations that apply, computed from the catalog and the screening of each\n"
	"system: legal duties, and recommended controls (kept apart: a control is good practice,\n"
	"not law). Without an argument: the organisation's duties (those of the operator as a\n"
	"whole, bound once any system screens into their perimeter) and every system's.\n"
	"Each shows its status, owner, due date, whether it is overdue, its evidence and source.\n\n"
	"'set' records a status: not_started, in_progress, met (on --met-on, default today) or\n"
	"not_applicable (--reason required). SCOPE is 'organisation' or a system id; URN may be\n"
	"short ('order-745:art-17'). The due date is --due when given, else the date last met\n"
	"plus the cadence (annual: 365 days; every N days); marking an obligation met clears an\n"
	"explicit due date unless --due is given. --due \"\" clears it.\n");

static const char evidence_help[] = N_(
	"Usage: ciiguard evidence add SCOPE URN FILE [--note TEXT]\n"
	"       ciiguard evidence add SCOPE URN --link TYPE:ID [--note TEXT]\n"
	"       ciiguard evidence list [SCOPE [URN]]\n"
	"       ciiguard evidence get SHA256 [--output FILE]\n\n"
	"Evidence for an obligation: a file, stored once in the database under its SHA-256 (at\n"
	"most 10 MiB), or a link to a ciiguard record (e.g. system:grid-dispatch, screening:ID).\n"
	"'get' writes the exact bytes (to stdout, or --output FILE) after checking their hash.\n");

static const char gaps_help[] = N_(
	"Usage: ciiguard gaps [--limit N]\n\n"
	"Lists the obligations that are not met (nor marked not applicable), and those met but\n"
	"past their due date, most severe first: overdue ones, then by the perimeter of the scope\n"
	"(cii first), the largest fine of the sanction on the operator, duties before controls.\n"
	"--limit N lists only the N most severe, with the total, computed in one pass over the\n"
	"tables: for portfolios too large to list whole.\n"
	"Exit code 3 when any of them is overdue, 0 otherwise.\n");

static const char exposure_help[] = N_(
	"Usage: ciiguard exposure\n\n"
	"Prices the gaps by the penalties of the catalog: for each gap with a sanction, the\n"
	"article, the fine ranges in RMB on the operator and on the responsible persons, and the\n"
	"further tiers that apply in serious cases; then the totals as ranges (sums of minimums\n"
	"and maximums of the first tier). Fines in multiples of the procurement amount are shown\n"
	"as such and left out of the totals. These are statutory ranges, not legal advice.\n");

static const char status_help[] = N_(
	"Usage: ciiguard status\n\n"
	"The organisation at a glance: systems by perimeter, obligations met, open and overdue,\n"
	"the exposure range and the next five deadlines.\n");

static const char disclaimer_en[] = N_("These are statutory ranges, not legal advice.");
static const char disclaimer_zh[] = "以上为法定罚款幅度，不构成法律意见。";

static int help_or_usage(struct cli *cli, const char *help, int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(T(cli, help), stdout);
			return 1;
		}
	return 0;
}

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static const char *status_label(struct cli *cli, const char *s)
{
	if (strcmp(s, "not_started") == 0)
		return T(cli, "not started");
	if (strcmp(s, "in_progress") == 0)
		return T(cli, "in progress");
	if (strcmp(s, "met") == 0)
		return T(cli, "met");
	if (strcmp(s, "not_applicable") == 0)
		return T(cli, "not applicable");
	return s;
}

static const char *kind_label(struct cli *cli, const char *k)
{
	return strcmp(k, "duty") == 0 ? T(cli, "DUTY") : T(cli, "control");
}

/* "1,000,000" */
static void cny(json_int_t v, char *out, size_t n)
{
	char digits[32], tmp[48];
	size_t len, k = 0;

	snprintf(digits, sizeof digits, "%lld", (long long)v);
	len = strlen(digits);
	for (size_t i = 0; i < len && k + 2 < sizeof tmp; i++) {
		if (i && (len - i) % 3 == 0 && digits[0] != '-')
			tmp[k++] = ',';
		tmp[k++] = digits[i];
	}
	tmp[k] = '\0';
	snprintf(out, n, "%s", tmp);
}

/* "RMB 100,000-1,000,000", "1-10x the procurement amount" or "no fine". */
static void range_text(struct cli *cli, json_t *r, char *out, size_t n)
{
	char a[48], b[48];

	if (json_is_integer(json_object_get(r, "min_cny"))) {
		cny(json_integer_value(json_object_get(r, "min_cny")), a, sizeof a);
		cny(json_integer_value(json_object_get(r, "max_cny")), b, sizeof b);
		snprintf(out, n, T(cli, "RMB %s-%s"), a, b);
	} else if (json_object_get(r, "min_times_amount")) {
		snprintf(out, n, T(cli, "%lld-%lldx the procurement amount"),
			 (long long)json_integer_value(json_object_get(r, "min_times_amount")),
			 (long long)json_integer_value(json_object_get(r, "max_times_amount")));
	} else {
		snprintf(out, n, "%s", T(cli, "no fine"));
	}
}

/* "; from the records: KIND:ID, ... (+N)" when the status comes from the governance records. */
static void print_records(struct cli *cli, json_t *o)
{
	json_t *fr = json_object_get(o, "from_records"), *e;
	json_int_t total = json_integer_value(json_object_get(fr, "records_total"));
	size_t i;

	if (!fr)
		return;
	printf("; %s (%s)", T(cli, "from the records"), json_string_value(json_array_get(json_object_get(fr, "rules"), 0)));
	json_array_foreach(json_object_get(fr, "records"), i, e) {
		if (i == 3)
			break;
		printf("%s %s", i ? "," : ":", json_string_value(e));
	}
	if (total > 3)
		printf(T(cli, " and %lld more"), (long long)(total - 3));
}

static void print_item(struct cli *cli, json_t *o)
{
	printf("  %-8s %-15s %s\n           %s; %s", kind_label(cli, str(o, "kind")),
	       status_label(cli, str(o, "status")), str(o, "name"), str(o, "source"), str(o, "urn"));
	if (*str(o, "owner"))
		printf("; %s: %s", T(cli, "owner"), str(o, "owner"));
	if (*str(o, "due"))
		printf("; %s %s", T(cli, "due"), str(o, "due"));
	if (json_is_true(json_object_get(o, "overdue")))
		printf(" %s", T(cli, "OVERDUE"));
	if (*str(o, "last_met"))
		printf("; %s %s", T(cli, "last met"), str(o, "last_met"));
	if (json_integer_value(json_object_get(o, "evidence")))
		printf("; %s: %lld", T(cli, "evidence"), (long long)json_integer_value(json_object_get(o, "evidence")));
	if (*str(o, "reason"))
		printf("; %s: %s", T(cli, "reason"), str(o, "reason"));
	print_records(cli, o);
	putchar('\n');
}

static int obligations_set(struct cli *cli, struct cg_store *st, struct cg_catalog *cat, int argc, char **argv)
{
	struct cg_obligation_update u = { 0 };
	const char *pos[2] = { NULL, NULL };
	int np = 0, rc = EXIT_OK;

	for (int i = 2; i < argc; i++) {
		const char **slot = cli_opt(argv[i], "status") ? &u.status : cli_opt(argv[i], "owner") ? &u.owner :
				    cli_opt(argv[i], "reason") ? &u.reason : cli_opt(argv[i], "met-on") ? &u.met_on :
				    cli_opt(argv[i], "due") ? &u.due : NULL;
		if (slot) {
			if (!(*slot = cli_optval(cli, "obligations", argc, argv, &i, &rc)))
				return rc;
		} else if (np < 2 && strncmp(argv[i], "--", 2) != 0) {
			pos[np++] = argv[i];
		} else {
			return cli_usage(cli, "obligations", N_("unexpected argument '%s'"), argv[i]);
		}
	}
	if (np != 2 || !u.status)
		return cli_usage(cli, "obligations", N_("'set' needs SCOPE, URN and --status"));
	if (cg_obligation_set(st, cli->actor, cat, pos[0], pos[1], &u, &cli->err) != CG_OK)
		return cli_fail(cli);
	if (cli->json) {
		/* The urn in full, also when it was given in the short form. */
		char full[400];
		json_t *node = cg_catalog_find(cat, "requirement_nodes", pos[1]);
		snprintf(full, sizeof full, "urn:ciiguard:req_node:%s", pos[1]);
		if (!node)
			node = cg_catalog_find(cat, "requirement_nodes", full);
		json_t *doc = json_pack("{s:s,s:s,s:s}", "scope", pos[0], "urn",
					node ? json_string_value(json_object_get(node, "urn")) : pos[1], "status", u.status);
		rc = cli_print_tree(cli, doc);
		json_decref(doc);
	} else {
		printf(T(cli, "Recorded: %s in %s is %s.\n"), pos[1], pos[0], status_label(cli, u.status));
	}
	return rc;
}

int cmd_obligations(struct cli *cli, int argc, char **argv)
{
	struct cg_store *st = NULL;
	struct cg_catalog *cat = NULL;
	const char *scope = NULL;
	json_t *doc = NULL, *o;
	int rc = EXIT_OK;
	size_t i;

	if (help_or_usage(cli, obligations_help, argc, argv))
		return EXIT_OK;
	bool set = argc > 1 && strcmp(argv[1], "set") == 0;
	if (!set) {
		for (int k = 1; k < argc; k++) {
			if (!scope && strncmp(argv[k], "--", 2) != 0)
				scope = argv[k];
			else
				return cli_usage(cli, "obligations", N_("unexpected argument '%s'"), argv[k]);
		}
	}
	if (!(st = cli_open(cli, false)) || cg_catalog_open(st, &cat, &cli->err) != CG_OK) {
		rc = cli_fail(cli);
		goto out;
	}
	if (set) {
		rc = obligations_set(cli, st, cat, argc, argv);
		goto out;
	}
	if (cg_obligations(st, cat, scope, cli->lang, &doc, &cli->err) != CG_OK) {
		rc = cli_fail(cli);
		goto out;
	}
	if (cli->json) {
		rc = cli_print_tree(cli, doc);
		goto out;
	}
	const char *last = "";
	json_array_foreach(json_object_get(doc, "obligations"), i, o) {
		if (strcmp(last, str(o, "scope")) != 0) {
			last = str(o, "scope");
			printf("%s%s (%s)\n", i ? "\n" : "", last, cli_label(cli, "perimeter", str(o, "perimeter")));
		}
		print_item(cli, o);
	}
	if (!json_array_size(json_object_get(doc, "obligations")))
		printf("%s\n", T(cli, "No obligation applies."));
	else
		printf("\n%s\n", T(cli, "DUTY: a legal duty. control: recommended practice, not law."));
out:
	json_decref(doc);
	cg_catalog_free(cat);
	cg_store_free(st);
	return rc;
}

static int evidence_get(struct cli *cli, struct cg_store *st, int argc, char **argv)
{
	const char *sha = NULL, *output = NULL;
	char *data = NULL;
	size_t len = 0;
	int rc = EXIT_OK;

	for (int i = 2; i < argc; i++) {
		if (cli_opt(argv[i], "output")) {
			if (!(output = cli_optval(cli, "evidence", argc, argv, &i, &rc)))
				return rc;
		} else if (!sha && strncmp(argv[i], "--", 2) != 0) {
			sha = argv[i];
		} else {
			return cli_usage(cli, "evidence", N_("unexpected argument '%s'"), argv[i]);
		}
	}
	if (!sha)
		return cli_usage(cli, "evidence", N_("'get' needs the SHA-256 of the file"));
	if (cg_evidence_get(st, sha, &data, &len, &cli->err) != CG_OK)
		return cli_fail(cli);
	FILE *f = output ? fopen(output, "wb") : stdout;
	if (!f || fwrite(data, 1, len, f) != len || (output && fclose(f) != 0)) {
		cg_error_set(&cli->err, CG_E_IO, NULL, N_("could not write '%s'"), output ? output : "-");
		rc = cli_fail(cli);
	}
	free(data);
	return rc;
}

static int evidence_add(struct cli *cli, struct cg_store *st, int argc, char **argv)
{
	const char *pos[3] = { NULL, NULL, NULL }, *note = NULL, *link = NULL;
	struct cg_catalog *cat = NULL;
	char sha[CG_HASH_HEX] = "";
	int np = 0, rc = EXIT_OK;
	char *data = NULL;
	size_t len = 0;

	for (int i = 2; i < argc; i++) {
		if (cli_opt(argv[i], "note")) {
			if (!(note = cli_optval(cli, "evidence", argc, argv, &i, &rc)))
				return rc;
		} else if (cli_opt(argv[i], "link")) {
			if (!(link = cli_optval(cli, "evidence", argc, argv, &i, &rc)))
				return rc;
		} else if (np < 3 && (strncmp(argv[i], "--", 2) != 0 || strcmp(argv[i], "-") == 0)) {
			pos[np++] = argv[i];
		} else {
			return cli_usage(cli, "evidence", N_("unexpected argument '%s'"), argv[i]);
		}
	}
	if (np != (link ? 2 : 3))
		return cli_usage(cli, "evidence", N_("'add' needs SCOPE, URN and either FILE or --link TYPE:ID"));
	if (cg_catalog_open(st, &cat, &cli->err) != CG_OK)
		return cli_fail(cli);
	if (link) {
		if (cg_evidence_link(st, cli->actor, cat, pos[0], pos[1], link, note, &cli->err) != CG_OK)
			rc = cli_fail(cli);
	} else {
		const char *base = strrchr(pos[2], '/') ? strrchr(pos[2], '/') + 1 : pos[2];
		if (!(data = cli_read_input(cli, pos[2], &len)) ||
		    cg_evidence_add(st, cli->actor, cat, pos[0], pos[1], data, len, base, note, sha, &cli->err) != CG_OK)
			rc = cli_fail(cli);
	}
	if (rc == EXIT_OK) {
		if (cli->json) {
			json_t *doc = json_pack("{s:s,s:s,s:s,s:s?,s:I}", "scope", pos[0], "urn", pos[1],
						"target", link ? link : "", "sha256", link ? NULL : sha, "size", (json_int_t)len);
			if (doc && !link) {
				char t[80];
				snprintf(t, sizeof t, "sha256:%s", sha);
				json_object_set_new(doc, "target", json_string(t));
			}
			rc = cli_print_tree(cli, doc);
			json_decref(doc);
		} else if (link) {
			printf(T(cli, "Linked %s as evidence.\n"), link);
		} else {
			printf(T(cli, "Stored %zu bytes as evidence %s.\n"), len, sha);
		}
	}
	free(data);
	cg_catalog_free(cat);
	return rc;
}

int cmd_evidence(struct cli *cli, int argc, char **argv)
{
	struct cg_store *st = NULL;
	json_t *list = NULL, *e;
	int rc = EXIT_OK;
	size_t i;

	if (help_or_usage(cli, evidence_help, argc, argv))
		return EXIT_OK;
	if (argc < 2 || (strcmp(argv[1], "add") != 0 && strcmp(argv[1], "list") != 0 && strcmp(argv[1], "get") != 0))
		return argc < 2 ? cli_usage(cli, "evidence", N_("expected add, list or get")) :
				  cli_usage(cli, "evidence", N_("unknown subcommand '%s'"), argv[1]);
	if (strcmp(argv[1], "list") == 0)
		for (int k = 2; k < argc; k++)
			if (k > 3 || strncmp(argv[k], "--", 2) == 0)
				return cli_usage(cli, "evidence", N_("unexpected argument '%s'"), argv[k]);
	if (!(st = cli_open(cli, false)))
		return cli_fail(cli);
	if (strcmp(argv[1], "add") == 0) {
		rc = evidence_add(cli, st, argc, argv);
	} else if (strcmp(argv[1], "get") == 0) {
		rc = evidence_get(cli, st, argc, argv);
	} else if (cg_evidence_list(st, argc > 2 ? argv[2] : NULL, argc > 3 ? argv[3] : NULL, &list, &cli->err) != CG_OK) {
		rc = cli_fail(cli);
	} else if (cli->json) {
		rc = cli_print_tree(cli, list);
	} else {
		json_array_foreach(list, i, e) {
			printf("%s  %s  %s", str(e, "scope"), str(e, "urn"), str(e, "target"));
			if (*str(e, "filename"))
				printf("  %s (%lld %s)", str(e, "filename"), (long long)json_integer_value(json_object_get(e, "size")),
				       T(cli, "bytes"));
			if (*str(e, "note"))
				printf("  \"%s\"", str(e, "note"));
			printf("  %s %s\n", str(e, "added_at"), str(e, "added_by"));
		}
		if (!json_array_size(list))
			printf("%s\n", T(cli, "No evidence recorded."));
	}
	json_decref(list);
	cg_store_free(st);
	return rc;
}

/* Opens the store and catalog and runs one of the report builders. */
static int report(struct cli *cli, int argc, char **argv, const char *cmd, const char *help,
		  cg_code (*build)(struct cg_store *, const struct cg_catalog *, enum cg_lang, json_t **, struct cg_error *),
		  json_t **doc)
{
	struct cg_store *st = NULL;
	struct cg_catalog *cat = NULL;
	int rc = EXIT_OK;

	*doc = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(T(cli, help), stdout);
			return -1;
		}
		return cli_usage(cli, cmd, N_("unexpected argument '%s'"), argv[i]);
	}
	if (!(st = cli_open(cli, false)) || cg_catalog_open(st, &cat, &cli->err) != CG_OK ||
	    build(st, cat, cli->lang, doc, &cli->err) != CG_OK)
		rc = cli_fail(cli);
	cg_catalog_free(cat);
	cg_store_free(st);
	return rc;
}

static size_t gaps_limit;

static cg_code gaps_top(struct cg_store *st, const struct cg_catalog *c, enum cg_lang lang, json_t **out,
			struct cg_error *err)
{
	return cg_gaps_top(st, c, gaps_limit, lang, out, err);
}

int cmd_gaps(struct cli *cli, int argc, char **argv)
{
	json_t *doc, *g;
	bool overdue = false;
	size_t i;
	int rc = EXIT_OK, n = 0;
	char *rest[3] = { argv[0], NULL, NULL };

	gaps_limit = 0;
	for (int k = 1; k < argc; k++) {
		if (cli_opt(argv[k], "limit")) {
			const char *v = cli_optval(cli, "gaps", argc, argv, &k, &rc);
			int64_t lim;
			if (!v)
				return rc;
			if (cg_parse_number(v, &lim) != 0 || lim < 1 || lim > 1000000)
				return cli_usage(cli, "gaps", N_("--limit: expected a number from 1 to 1000000, got '%s'"), v);
			gaps_limit = (size_t)lim;
		} else if (n < 1) {
			rest[1 + n++] = argv[k];
		} else {
			return cli_usage(cli, "gaps", N_("unexpected argument '%s'"), argv[k]);
		}
	}
	rc = report(cli, 1 + n, rest, "gaps", gaps_help, gaps_limit ? gaps_top : cg_gaps, &doc);

	if (rc < 0)
		return EXIT_OK;
	if (rc != EXIT_OK)
		return rc;
	json_array_foreach(json_object_get(doc, "gaps"), i, g)
		overdue |= json_is_true(json_object_get(g, "overdue"));
	overdue |= json_integer_value(json_object_get(doc, "overdue")) > 0;
	if (cli->json) {
		rc = cli_print_tree(cli, doc);
	} else {
		json_array_foreach(json_object_get(doc, "gaps"), i, g) {
			printf("%3zu. %s%s (%s) %s %s: %s\n", i + 1,
			       json_is_true(json_object_get(g, "overdue")) ? T(cli, "OVERDUE ") : "", str(g, "scope"),
			       cli_label(cli, "perimeter", str(g, "perimeter")), kind_label(cli, str(g, "kind")),
			       str(g, "source"), str(g, "name"));
			printf("     %s, %s%s%s%s%s", status_label(cli, str(g, "status")), str(g, "urn"),
			       *str(g, "due") ? "; " : "", *str(g, "due") ? T(cli, "due") : "",
			       *str(g, "due") ? " " : "", str(g, "due"));
			print_records(cli, g);
			putchar('\n');
		}
		if (json_object_get(doc, "total"))
			printf(T(cli, "The %zu most severe of %lld gaps (%lld overdue).\n"), json_array_size(json_object_get(doc, "gaps")),
			       (long long)json_integer_value(json_object_get(doc, "total")),
			       (long long)json_integer_value(json_object_get(doc, "overdue")));
		else
			printf(T(cli, "%zu gaps.\n"), json_array_size(json_object_get(doc, "gaps")));
	}
	json_decref(doc);
	return rc == EXIT_OK && overdue ? EXIT_OVERDUE : rc;
}

static void print_totals(struct cli *cli, const char *indent, json_t *totals, json_int_t multipliers)
{
	char r[128];

	range_text(cli, json_object_get(totals, "entity"), r, sizeof r);
	printf("%s%s: %s\n", indent, T(cli, "Total on the operator"), r);
	range_text(cli, json_object_get(totals, "persons"), r, sizeof r);
	printf("%s%s: %s\n", indent, T(cli, "Total on the responsible persons"), r);
	if (multipliers) {
		fputs(indent, stdout);
		printf(T(cli, "Not in the totals: %lld gap(s) fined in multiples of the procurement amount.\n"),
		       (long long)multipliers);
	}
}

int cmd_exposure(struct cli *cli, int argc, char **argv)
{
	json_t *doc, *g, *t;
	size_t i, k;
	char r1[128], r2[128];
	int rc = report(cli, argc, argv, "exposure", exposure_help, cg_exposure, &doc);

	if (rc < 0)
		return EXIT_OK;
	if (rc != EXIT_OK)
		return rc;
	if (cli->json) {
		json_object_set_new(doc, "disclaimer", json_pack("{s:s,s:s}", "en", disclaimer_en, "zh", disclaimer_zh));
		rc = cli_print_tree(cli, doc);
	} else {
		json_array_foreach(json_object_get(doc, "gaps"), i, g) {
			json_t *p = json_object_get(g, "penalty");
			printf("%s (%s) %s %s: %s\n", str(g, "scope"), cli_label(cli, "perimeter", str(g, "perimeter")),
			       kind_label(cli, str(g, "kind")), str(g, "source"), str(g, "name"));
			range_text(cli, json_object_get(p, "entity"), r1, sizeof r1);
			range_text(cli, json_object_get(p, "persons"), r2, sizeof r2);
			printf("    %s %s (%s): %s %s; %s %s\n", T(cli, "sanction:"), str(p, "source"), str(p, "id"),
			       T(cli, "on the operator"), r1, T(cli, "on the persons"), r2);
			json_array_foreach(json_object_get(g, "also"), k, t) {
				range_text(cli, json_object_get(t, "entity"), r1, sizeof r1);
				range_text(cli, json_object_get(t, "persons"), r2, sizeof r2);
				printf("    %s %s (%s): %s %s; %s %s\n", T(cli, "serious cases:"), str(t, "source"), str(t, "id"),
				       T(cli, "on the operator"), r1, T(cli, "on the persons"), r2);
			}
		}
		print_totals(cli, "", json_object_get(doc, "totals"), json_integer_value(json_object_get(doc, "multiplier_gaps")));
		printf("%s\n", T(cli, "The totals add up the first tier of each gap; the tiers for serious cases are not added."));
		printf("%s\n%s\n", disclaimer_en, disclaimer_zh);
	}
	json_decref(doc);
	return rc;
}

int cmd_status(struct cli *cli, int argc, char **argv)
{
	json_t *doc, *o, *v;
	const char *key;
	size_t i;
	int rc = report(cli, argc, argv, "status", status_help, cg_status, &doc);

	if (rc < 0)
		return EXIT_OK;
	if (rc != EXIT_OK)
		return rc;
	if (cli->json) {
		rc = cli_print_tree(cli, doc);
		json_decref(doc);
		return rc;
	}
	printf(T(cli, "The organisation on %s\n\n"), str(doc, "today"));
	printf("%s:\n", T(cli, "Systems by perimeter"));
	json_object_foreach(json_object_get(doc, "systems"), key, o) {
		printf("  ");
		cli_pad(stdout, cli_label(cli, "perimeter", key), 28);
		printf("%3zu ", json_array_size(o));
		json_array_foreach(o, i, v) {
			if (i == 10) {
				printf(T(cli, ", ... (%zu more)"), json_array_size(o) - 10);
				break;
			}
			printf("%s%s", i ? ", " : "", json_string_value(v));
		}
		putchar('\n');
	}
	o = json_object_get(doc, "obligations");
	printf("\n%s: %lld %s, %lld %s, %lld %s, %lld %s, %lld %s\n", T(cli, "Obligations"),
	       (long long)json_integer_value(json_object_get(o, "applicable")), T(cli, "applicable"),
	       (long long)json_integer_value(json_object_get(o, "met")), T(cli, "met"),
	       (long long)json_integer_value(json_object_get(o, "open")), T(cli, "open"),
	       (long long)json_integer_value(json_object_get(o, "overdue")), T(cli, "overdue"),
	       (long long)json_integer_value(json_object_get(o, "not_applicable")), T(cli, "not applicable"));
	printf("\n%s:\n", T(cli, "Exposure"));
	print_totals(cli, "  ", json_object_get(doc, "exposure"), json_integer_value(json_object_get(doc, "multiplier_gaps")));
	printf("  %s\n", T(cli, disclaimer_en));
	printf("\n%s:\n", T(cli, "Next deadlines"));
	json_array_foreach(json_object_get(doc, "next_deadlines"), i, o)
		printf("  %s  %s  %s %s\n", str(o, "due"), str(o, "scope"), str(o, "source"), str(o, "name"));
	if (!json_array_size(json_object_get(doc, "next_deadlines")))
		printf("  %s\n", T(cli, "none"));
	o = json_object_get(doc, "incidents");
	printf("\n%s: %lld %s, %lld %s, %lld %s\n", T(cli, "Incidents"),
	       (long long)json_integer_value(json_object_get(o, "open")), T(cli, "being handled"),
	       (long long)json_integer_value(json_object_get(o, "reports_due")), T(cli, "reports due"),
	       (long long)json_integer_value(json_object_get(o, "reports_overdue")), T(cli, "overdue"));
	json_array_foreach(json_object_get(o, "next_reports"), i, v)
		printf("  %s  %s %s -> %s%s\n", str(v, "due_at") ? str(v, "due_at") : T(cli, "promptly"), str(v, "incident"),
		       cli_label(cli, "report_kind", str(v, "kind")), cli_label(cli, "recipient", str(v, "recipient")),
		       json_is_true(json_object_get(v, "overdue")) ? T(cli, " (OVERDUE)") : "");
	json_decref(doc);
	return rc;
}
