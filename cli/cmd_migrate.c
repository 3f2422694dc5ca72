/* `ciiguard migrate`: copy a whole database between SQLite and PostgreSQL, chain intact. */
#include <string.h>

#include "cli.h"
#include "banned.h"

static const char help[] = N_(
	"Usage: ciiguard migrate --from PATH|URI --to PATH|URI\n\n"
	"Copies every record and the whole audit trail from one database to another, either\n"
	"way between SQLite files and PostgreSQL (postgresql://...). The target must be empty\n"
	"(or new); it is verified before the copy is kept, and its audit head equals the\n"
	"source's.\n");

int cmd_migrate(struct cli *cli, int argc, char **argv)
{
	const char *from = NULL, *to = NULL;
	struct cg_store *src = NULL, *dst = NULL;
	char head[CG_HASH_HEX];
	int64_t count = 0;
	int rc = EXIT_OK;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(T(cli, help), stdout);
			return EXIT_OK;
		} else if (cli_opt(argv[i], "from")) {
			if (!(from = cli_optval(cli, "migrate", argc, argv, &i, &rc)))
				return rc;
		} else if (cli_opt(argv[i], "to")) {
			if (!(to = cli_optval(cli, "migrate", argc, argv, &i, &rc)))
				return rc;
		} else {
			return cli_usage(cli, "migrate", N_("unexpected argument '%s'"), argv[i]);
		}
	}
	if (!from || !to)
		return cli_usage(cli, "migrate", N_("migrate needs both --from and --to"));
	if (strcmp(from, to) == 0)
		return cli_usage(cli, "migrate", N_("--from and --to name the same database"));
	if (cg_store_open(from, 0, &src, &cli->err) != CG_OK ||
	    cg_store_open(to, CG_STORE_CREATE, &dst, &cli->err) != CG_OK ||
	    cg_migrate(src, dst, &cli->err) != CG_OK || cg_audit_head(dst, &count, head, &cli->err) != CG_OK)
		rc = cli_fail(cli);
	else if (cli->json)
		printf("{\n  \"migrated\": true,\n  \"audit\": {\"count\": %lld, \"head\": \"%s\"}\n}\n", (long long)count, head);
	else {
		char a[512], b[512];
		cg_store_display_uri(from, a, sizeof a);
		cg_store_display_uri(to, b, sizeof b);
		printf(T(cli, "Copied %s to %s: %lld audit events, head %s; verified.\n"), a, b, (long long)count, head);
	}
	cg_store_free(src);
	cg_store_free(dst);
	return rc;
}
