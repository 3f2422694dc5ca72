/* `ciiguard import`: restore an export, records and audit trail, into an empty database. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "banned.h"

static const char help[] = N_(
	"Usage: ciiguard import FILE|-\n\n"
	"Restores a 'ciiguard export' document into an empty (or new) database: every record\n"
	"and the audit trail exactly as they were. The result is verified before it is kept;\n"
	"on any error nothing is written. To add systems to a database, use 'system import'.\n");

int cmd_import(struct cli *cli, int argc, char **argv)
{
	struct cg_store *st;
	const char *path = NULL;
	char *data;
	size_t len;
	int rc = EXIT_OK;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(T(cli, help), stdout);
			return EXIT_OK;
		} else if (!path && (strncmp(argv[i], "--", 2) != 0 || strcmp(argv[i], "-") == 0)) {
			path = argv[i];
		} else {
			return cli_usage(cli, "import", N_("unexpected argument '%s'"), argv[i]);
		}
	}
	if (!path)
		return cli_usage(cli, "import", N_("import needs a file name, or - for standard input"));
	if (!(data = cli_read_input(cli, path, &len)))
		return cli_fail(cli);
	if (!(st = cli_open(cli, true))) {
		free(data);
		return cli_fail(cli);
	}
	if (cg_import(st, data, len, &cli->err) != CG_OK) {
		rc = cli_fail(cli);
	} else {
		char head[CG_HASH_HEX];
		int64_t count = 0;
		if (cg_audit_head(st, &count, head, &cli->err) != CG_OK)
			rc = cli_fail(cli);
		else if (cli->json)
			printf("{\n  \"imported\": true,\n  \"audit\": {\"count\": %lld, \"head\": \"%s\"}\n}\n", (long long)count, head);
		else
			{
			char shown[512];
			cg_store_display_uri(cli->db, shown, sizeof shown);
			printf(T(cli, "Imported into %s: %lld audit events, head %s; verified.\n"), shown, (long long)count, head);
		}
	}
	free(data);
	cg_store_free(st);
	return rc;
}
