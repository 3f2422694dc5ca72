/* `ciiguard init`: create the database and record the operator, or load the demo. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "ciiguard/account.h"
#include "banned.h"

static const char help[] = N_(
	"Usage: ciiguard init [--demo] [--admin NAME | --no-admin] [--FIELD VALUE]...\n\n"
	"Creates the database and records the operator: the organisation whose systems\n"
	"ciiguard tracks. --demo loads a fictional provincial grid company and its systems\n"
	"instead, in the language of --lang. It also makes the first administrator of\n"
	"'ciiguard serve', NAME (default admin), with a generated password printed once;\n"
	"--no-admin leaves that to 'ciiguard user add'.\n\n"
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
	bool demo = false, no_admin = false;
	const char *admin = "admin";
	char password[21];
	static const char *const own[] = { "admin", NULL };
	int rc, nopts = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(T(cli, help), stdout);
			return EXIT_OK;
		}
		if (strcmp(argv[i], "--demo") == 0) {
			demo = true;
		} else if (strcmp(argv[i], "--no-admin") == 0) {
			no_admin = true;
		} else if (cli_opt(argv[i], "admin")) {
			if (!(admin = cli_optval(cli, "init", argc, argv, &i, &rc)))
				return rc;
		} else {
			nopts++;
		}
	}
	if (!cg_password_generate(password, sizeof password - 1)) {
		cg_error_set(&cli->err, CG_E_INTERNAL, NULL, N_("the random number generator failed"));
		return cli_fail(cli);
	}
	cg_operator_init(&op);
	cg_buf_init(&b, 0);
	if (demo) {
		if (nopts) {
			rc = cli_usage(cli, "init", N_("--demo takes no other options"));
			goto out;
		}
	} else {
		/* --no-admin is a flag: the fields are read from the other arguments */
		char **rest = calloc((size_t)argc + 1, sizeof *rest);
		int nrest = 0;
		for (int i = 0; rest && i < argc; i++)
			if (strcmp(argv[i], "--no-admin") != 0)
				rest[nrest++] = argv[i];
		rc = rest ? cli_apply_fields(cli, "init", nrest, rest, 1, own, set_op, &op) : EXIT_FAILED;
		free(rest);
		if (rc != EXIT_OK)
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
	if (!no_admin && cg_user_add(st, cli->actor, admin, "admin", password, cli->lang == CG_LANG_ZH ? "zh" : "en", &cli->err) != CG_OK) {
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
		json_t *doc = json_loads(b.ptr, 0, NULL);
		if (doc && !no_admin)
			json_object_set_new(doc, "first_admin", json_pack("{s:s,s:s}", "name", admin, "password", password));
		rc = cli_print_tree(cli, doc);
		json_decref(doc);
	} else {
		{
			char shown[512];
			cg_store_display_uri(cli->db, shown, sizeof shown);
			printf(T(cli, "Initialised %s for operator '%s'.\n"), shown, op.name);
		}
		if (!no_admin)
			printf(T(cli, "First administrator of 'ciiguard serve': %s\nPassword (shown this once): %s\n"), admin,
			       password);
		rc = EXIT_OK;
	}
out:
	OPENSSL_cleanse(password, sizeof password);
	cg_buf_release(&b);
	cg_operator_release(&op);
	cg_store_free(st);
	return rc;
}
