/* `ciiguard export`: every record and the audit trail as one JSON document. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "banned.h"

static const char help[] = N_(
	"Usage: ciiguard export [--output FILE]\n\n"
	"Writes every record and the whole audit trail as JSON (to standard output by default),\n"
	"in the form 'ciiguard import' restores.\n");

int cmd_export(struct cli *cli, int argc, char **argv)
{
	const char *path = NULL;
	struct cg_store *st;
	FILE *f = stdout;
	char tmp[4200];
	int rc = EXIT_OK;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(T(cli, help), stdout);
			return EXIT_OK;
		} else if (cli_opt(argv[i], "output")) {
			if (!(path = cli_optval(cli, "export", argc, argv, &i, &rc)))
				return rc;
		} else {
			return cli_usage(cli, "export", N_("unexpected argument '%s'"), argv[i]);
		}
	}
	if (!(st = cli_open(cli, false)))
		return cli_fail(cli);
	/* Write to a temporary file and rename, so a failed export never leaves half a file. */
	if (path) {
		if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp || !(f = fopen(tmp, "w"))) {
			cg_error_set(&cli->err, CG_E_IO, NULL, N_("cannot write '%s': %s"), path, strerror(errno));
			cg_store_free(st);
			return cli_fail(cli);
		}
	}
	if (cg_export(st, f, &cli->err) != CG_OK)
		rc = cli_fail(cli);
	if (path) {
		if ((fflush(f) != 0 || fsync(fileno(f)) != 0) && rc == EXIT_OK) {
			cg_error_set(&cli->err, CG_E_IO, NULL, N_("cannot write '%s': %s"), path, strerror(errno));
			rc = cli_fail(cli);
		}
		fclose(f);
		if (rc == EXIT_OK && rename(tmp, path) != 0) {
			cg_error_set(&cli->err, CG_E_IO, NULL, N_("cannot write '%s': %s"), path, strerror(errno));
			rc = cli_fail(cli);
		}
		if (rc != EXIT_OK)
			unlink(tmp);
	}
	cg_store_free(st);
	return rc;
}
