/* `ciiguard init`: create the database and record the operator, or load the demo. */
#include <string.h>

#include "cli.h"
#include "banned.h"

static const char help[] = N_(
	"Usage: ciiguard init [--demo] [--FIELD VALUE]...\n\n"
	"Creates the database and records the operator: the organisation whose systems\n"
	"ciiguard tracks. --demo loads a fictional provincial grid company and its systems\n"
	"instead, in the language of --lang.\n\n"
	"Fields:\n"
	"  --name TEXT                     the operator's name (required)\n"
	"  --sector SECTOR                 public_communications, energy, transportation, water,\n"
	"                                  finance, public_services, e_government,\n"
	"                                  defense_industry or other (required)\n"
	"  --protection-department TEXT    its protection work department (required)\n"
	"  --notified-cii yes|no           notified by that department as a CII operator\n"
	"  --notified-at YYYY-MM-DD        when\n"
	"  --central-or-state-organ yes|no a central or state organ or affiliated unit\n");

static cg_code set_op(void *rec, const char *name, const char *value, struct cg_error *err)
{
	return cg_operator_set_field(rec, name, value, err);
}

int cmd_init(struct cli *cli, int argc, char **argv)
{
	struct cg_operator op;
	struct cg_store *st = NULL;
	struct cg_buf b;
	bool demo = false;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(T(cli, help), stdout);
			return EXIT_OK;
		}
		if (strcmp(argv[i], "--demo") == 0)
			demo = true;
	}
	cg_operator_init(&op);
	cg_buf_init(&b, 0);
	if (demo) {
		if (argc > 2) {
			rc = cli_usage(cli, "init", N_("--demo takes no other options"));
			goto out;
		}
	} else {
		if ((rc = cli_apply_fields(cli, "init", argc, argv, 1, NULL, set_op, &op)) != EXIT_OK)
			goto out;
		if (cg_operator_validate(&op, &cli->err) != CG_OK) {
			rc = cli_fail(cli);
			goto out;
		}
	}
	if (!(st = cli_open(cli, true))) {
		rc = cli_fail(cli);
		goto out;
	}
	if ((demo ? cg_demo_load(st, cli->actor, cli->lang, &cli->err) :
		    cg_operator_create(st, cli->actor, &op, &cli->err)) != CG_OK) {
		rc = cli_fail(cli);
		goto out;
	}
	cg_operator_release(&op);
	cg_operator_init(&op);
	if (cg_operator_get(st, &op, &cli->err) != CG_OK || cg_operator_to_json(&op, &b) != CG_OK) {
		rc = cli_fail(cli);
		goto out;
	}
	if (cli->json) {
		rc = cli_print_json(cli, b.ptr);
	} else {
		{
			char shown[512];
			cg_store_display_uri(cli->db, shown, sizeof shown);
			printf(T(cli, "Initialised %s for operator '%s'.\n"), shown, op.name);
		}
		rc = EXIT_OK;
	}
out:
	cg_buf_release(&b);
	cg_operator_release(&op);
	cg_store_free(st);
	return rc;
}
