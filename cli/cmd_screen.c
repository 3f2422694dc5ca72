/* `ciiguard screen`: where a system stands against the CII perimeter, and why. */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "cli.h"
#include "banned.h"

static const char help[] = N_(
	"Usage: ciiguard screen SYSTEM_ID\n"
	"       ciiguard screen SYSTEM_ID --history\n"
	"       ciiguard screen --input FILE|-\n\n"
	"Screens a system against the CII perimeter of Order 745 by the rules of the catalog:\n"
	"cii (notified, Art. 10), likely_cii (Arts. 2 and 9), near_cii (linked to such a system,\n"
	"or serving CII operators) or outside; with the reasons, their legal sources and the AI\n"
	"scenarios that apply. --input screens a system described in JSON with the system\n"
	"record's field names (all optional; \"coupled_to_cii\": true stands for a link to a cii\n"
	"or likely-CII system) without storing it or creating a database.\n"
	"Screening a stored system records the result in its history; --history lists it and\n"
	"says whether a field the perimeter rules read has changed since the last screening.\n");

static void print_text(struct cli *cli, json_t *res)
{
	json_t *item, *reasons = json_object_get(res, "reasons"), *sc = json_object_get(res, "ai_scenarios");
	const char *p = json_string_value(json_object_get(res, "perimeter"));
	size_t i;

	if (json_object_get(res, "system"))
		printf("%s: %s\n", T(cli, "System"), json_string_value(json_object_get(res, "system")));
	printf("%s: %s (%s)\n", T(cli, "Perimeter"), cli_label(cli, "perimeter", p), p);
	if (json_array_size(reasons))
		printf("%s:\n", T(cli, "Reasons"));
	json_array_foreach(reasons, i, item) {
		printf("  - [%s] %s%s\n", json_string_value(json_object_get(item, "source")),
		       json_string_value(json_object_get(item, "text")) ? json_string_value(json_object_get(item, "text")) : "",
		       json_is_true(json_object_get(item, "refines")) ? T(cli, " (refinement)") : "");
	}
	if (json_array_size(sc))
		printf("%s:\n", T(cli, "AI scenarios"));
	json_array_foreach(sc, i, item)
		printf("  - %s\n", json_string_value(json_object_get(item, "text")) ?
		       json_string_value(json_object_get(item, "text")) : json_string_value(json_object_get(item, "id")));
	printf("%s: %s\n", T(cli, "Catalog"), json_string_value(json_object_get(res, "catalog_version")));
}

int cmd_screen(struct cli *cli, int argc, char **argv)
{
	const char *input = NULL, *id = NULL;
	bool history = false;
	struct cg_catalog *cat = NULL;
	struct cg_store *st = NULL;
	json_t *res = NULL;
	int rc = EXIT_OK;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(T(cli, help), stdout);
			return EXIT_OK;
		} else if (cli_opt(argv[i], "input")) {
			if (!(input = cli_optval(cli, "screen", argc, argv, &i, &rc)))
				return rc;
		} else if (strcmp(argv[i], "--history") == 0) {
			history = true;
		} else if (!id && strncmp(argv[i], "--", 2) != 0) {
			id = argv[i];
		} else {
			return cli_usage(cli, "screen", N_("unexpected argument '%s'"), argv[i]);
		}
	}
	if (!!input == !!id)
		return cli_usage(cli, "screen", N_("give either a system id or --input FILE"));
	if (history && !id)
		return cli_usage(cli, "screen", N_("--history needs a system id"));
	if (input) {
		size_t len;
		char *data = cli_read_input(cli, input, &len);
		if (!data || cg_catalog_open(NULL, &cat, &cli->err) != CG_OK ||
		    cg_screen_input(cat, data, len, cli->lang, &res, &cli->err) != CG_OK)
			rc = cli_fail(cli);
		free(data);
	} else if (!(st = cli_open(cli, false)) || cg_catalog_open(st, &cat, &cli->err) != CG_OK) {
		rc = cli_fail(cli);
	} else if (history) {
		json_t *h = NULL;
		char last[16];
		bool stale;
		if (cg_screen_history(st, id, &h, &cli->err) != CG_OK ||
		    cg_screen_stale(st, cat, id, &stale, last, &cli->err) != CG_OK) {
			json_decref(h);
			rc = cli_fail(cli);
		} else {
			res = json_pack("{s:s,s:o,s:b}", "system", id, "history", h, "needs_rescreening", stale);
		}
	} else if (cg_screen_record(st, cli->actor, cat, id, cli->lang, &res, &cli->err) != CG_OK) {
		rc = cli_fail(cli);
	}
	if (rc == EXIT_OK) {
		if (cli->json) {
			rc = cli_print_tree(cli, res);
		} else if (history) {
			json_t *e;
			size_t i;
			json_array_foreach(json_object_get(res, "history"), i, e)
				printf("%s  %-10s  %s\n", json_string_value(json_object_get(e, "at")),
				       json_string_value(json_object_get(e, "perimeter")),
				       json_string_value(json_object_get(e, "actor")));
			if (json_is_true(json_object_get(res, "needs_rescreening")))
				printf("%s\n", T(cli, "Needs screening again: never screened, or a decisive field changed since."));
		} else {
			print_text(cli, res);
		}
	}
	json_decref(res);
	cg_catalog_free(cat);
	cg_store_free(st);
	return rc;
}
