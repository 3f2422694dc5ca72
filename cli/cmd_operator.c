/* `ciiguard operator show|update`: the operator profile. */
#include <string.h>

#include "cli.h"
#include "banned.h"

static const char help[] = N_(
	"Usage: ciiguard operator show\n"
	"       ciiguard operator update [--FIELD VALUE]...\n\n"
	"Shows or changes the operator profile recorded by 'ciiguard init' (same fields).\n");

static cg_code set_op(void *rec, const char *name, const char *value, struct cg_error *err)
{
	return cg_operator_set_field(rec, name, value, err);
}

static void print_text(struct cli *cli, const struct cg_operator *op)
{
	printf("%s: %s\n", cli_label(cli, "field", "name"), op->name);
	printf("%s: %s\n", cli_label(cli, "field", "sector"),
	       op->sector >= 0 ? cli_label(cli, "sector", cg_sector_names[op->sector]) : "-");
	printf("%s: %s\n", cli_label(cli, "field", "protection_department"), op->protection_department);
	printf("%s: %s\n", cli_label(cli, "field", "notified_cii"),
	       op->notified_cii ? T(cli, "yes") : T(cli, "no"));
	if (op->notified_at)
		printf("%s: %s\n", cli_label(cli, "field", "notified_at"), op->notified_at);
	printf("%s: %s\n", cli_label(cli, "field", "central_or_state_organ"),
	       op->central_or_state_organ ? T(cli, "yes") : T(cli, "no"));
}

int cmd_operator(struct cli *cli, int argc, char **argv)
{
	struct cg_operator op;
	struct cg_store *st = NULL;
	struct cg_buf b;
	int rc = EXIT_OK;

	if (cli_help_wanted(cli, help, argc, argv, &rc))
		return rc;
	if (strcmp(argv[1], "show") != 0 && strcmp(argv[1], "update") != 0)
		return cli_usage(cli, "operator", N_("unknown subcommand '%s'"), argv[1]);
	if (strcmp(argv[1], "show") == 0 && argc > 2)
		return cli_usage(cli, "operator", N_("unexpected argument '%s'"), argv[2]);
	cg_operator_init(&op);
	cg_buf_init(&b, 0);
	if (!(st = cli_open(cli, false)) || cg_operator_get(st, &op, &cli->err) != CG_OK) {
		rc = cli_fail(cli);
		goto out;
	}
	if (strcmp(argv[1], "update") == 0) {
		if ((rc = cli_apply_fields(cli, "operator", argc, argv, 2, NULL, set_op, &op)) != EXIT_OK)
			goto out;
		if (cg_operator_update(st, cli->actor, &op, &cli->err) != CG_OK) {
			rc = cli_fail(cli);
			goto out;
		}
	}
	if (cli->json) {
		if (cg_operator_to_json(&op, &b) != CG_OK) {
			cg_error_set(&cli->err, CG_E_NOMEM, NULL, N_("out of memory"));
			rc = cli_fail(cli);
		} else {
			rc = cli_print_json(cli, b.ptr);
		}
	} else {
		print_text(cli, &op);
	}
out:
	cg_buf_release(&b);
	cg_operator_release(&op);
	cg_store_free(st);
	return rc;
}
