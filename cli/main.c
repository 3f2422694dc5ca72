/* The `ciiguard` command: global options, then one subcommand per file (cmd_*.c). */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "banned.h"

static const struct command {
	const char *name;
	int (*run)(struct cli *cli, int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "init", cmd_init, N_("record the operator and create the database (--demo loads a demo)") },
	{ "operator", cmd_operator, N_("show or update the operator profile") },
	{ "system", cmd_system, N_("the system inventory: add, list, show, update, delete, import, summary") },
	{ "catalog", cmd_catalog, N_("the rule libraries: list, show, import") },
	{ "screen", cmd_screen, N_("screen a system against the CII perimeter, with reasons") },
	{ "status", cmd_status, N_("the organisation at a glance: perimeters, obligations, exposure, deadlines") },
	{ "obligations", cmd_obligations, N_("the obligations that apply, with status, owner and due date; set") },
	{ "evidence", cmd_evidence, N_("evidence for an obligation: add, list, get") },
	{ "gaps", cmd_gaps, N_("unmet and overdue obligations, most severe first") },
	{ "exposure", cmd_exposure, N_("the fines the gaps expose the operator to (statutory ranges)") },
	{ "incident", cmd_incident, N_("cybersecurity incidents: open, grade, report, submit, close") },
	{ "due", cmd_due, N_("every open deadline, soonest first (exit 3 when any is overdue)") },
	{ "vendor", cmd_register, N_("providers and their trust review (Arts. 19-20)") },
	{ "agreement", cmd_register, N_("security and confidentiality agreements with providers (Art. 20)") },
	{ "procurement", cmd_register, N_("procurements and their cybersecurity review (Art. 19)") },
	{ "person", cmd_register, N_("the principal, the security body and key positions (Arts. 13-16, 43)") },
	{ "decision", cmd_register, N_("cybersecurity and AI decisions and who took part (Art. 16)") },
	{ "assessment", cmd_register, N_("annual testing and risk assessments, findings, remediation (Art. 17)") },
	{ "plan", cmd_register, N_("emergency plans (Art. 15)") },
	{ "drill", cmd_register, N_("emergency drills and their follow-up (Art. 15)") },
	{ "change", cmd_register, N_("material changes and corporate events to report (Arts. 11, 21)") },
	{ "pentest", cmd_register, N_("authorised penetration tests and vulnerability probes (Art. 31)") },
	{ "vulnerability", cmd_register, N_("vulnerabilities and their 24-hour report") },
	{ "filing", cmd_register, N_("generative AI assessments and algorithm filings") },
	{ "pi-audit", cmd_register, N_("personal information compliance audits") },
	{ "inspection", cmd_register, N_("inspections and their follow-up (Arts. 28, 42)") },
	{ "registers", cmd_registers, N_("what the registers show: gaps and deadlines") },
	{ "serve", cmd_serve, N_("serve the HTTP API (/api/v1) with accounts and roles") },
	{ "user", cmd_user, N_("accounts of the HTTP API: add, passwd, disable, enable, list") },
	{ "token", cmd_token, N_("API tokens: create (printed once), list, revoke") },
	{ "audit", cmd_audit, N_("the tamper-evident audit trail: verify, head, log") },
	{ "export", cmd_export, N_("write every record and the audit trail as JSON") },
	{ "import", cmd_import, N_("restore an export into an empty database") },
	{ "migrate", cmd_migrate, N_("copy a whole database between SQLite and PostgreSQL") },
};

static void usage(struct cli *cli, FILE *f)
{
	fprintf(f, "%s", T(cli, "Usage: ciiguard [--db PATH] [--json] [--lang en|zh] COMMAND [ARGS]\n\n"
				"Security protection of critical information infrastructure (Order No. 745)\n"
				"for the AI systems an organisation runs, builds or sells.\n\nCommands:\n"));
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		fprintf(f, "  ");
		cli_pad(f, commands[i].name, 10);
		if (strlen(commands[i].name) >= 10)
			fputs("\n            ", f); /* a long name gets its summary on the next line */
		fprintf(f, "%s\n", T(cli, commands[i].summary));
	}
	fprintf(f, "%s", T(cli, "\nGlobal options (before or after the command):\n"
				"  --db PATH     the database (default: $CIIGUARD_DB, else ./ciiguard.db)\n"
				"  --json        print one JSON document on stdout, also on failure\n"
				"  --lang en|zh  the language of messages (default: from LANGUAGE/LANG)\n"
				"  --help        this help; 'ciiguard COMMAND --help' for a command\n"
				"  --version     print the version\n\n"
				"Exit codes: 0 success; 1 failure; 2 usage error; 3 something is overdue;\n"
				"4 the audit trail or a record failed verification.\n"));
}

static void set_actor(struct cli *cli)
{
	struct passwd *pw = getpwuid(geteuid());

	if (pw && pw->pw_name)
		snprintf(cli->actor, sizeof cli->actor, "cli:%s", pw->pw_name);
	else
		snprintf(cli->actor, sizeof cli->actor, "cli:uid%ld", (long)geteuid());
}

int main(int argc, char **argv)
{
	struct cli cli = { 0 };
	char **args = calloc((size_t)argc + 2, sizeof *args), **rest = args;
	const char *lang = NULL, *missing = NULL;
	int n = 0, rc = EXIT_USAGE;
	bool help = false, version = false, dashdash = false;

	if (!args)
		return EXIT_FAILED;
	cli.lang = cg_lang_from_env();
	cli.db = getenv("CIIGUARD_DB");
	if (!cli.db || !*cli.db)
		cli.db = "./ciiguard.db";
	/* Global options may stand anywhere before "--"; everything else is passed on. */
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (dashdash || strcmp(a, "--") == 0) {
			if (dashdash)
				rest[n++] = argv[i];
			dashdash = true;
		} else if (cli_opt(a, "json")) {
			cli.json = true;
		} else if (cli_opt(a, "lang") && n > 0 && strcmp(rest[0], "user") == 0) {
			/* after `user`, --lang is the user's own language (`user add ... --lang zh`); the
			 * language of messages then goes before the command */
			rest[n++] = argv[i];
			if (!strchr(a, '=') && i + 1 < argc)
				rest[n++] = argv[++i];
		} else if (cli_opt(a, "db") || cli_opt(a, "lang")) {
			const char *v = strchr(a, '=') ? strchr(a, '=') + 1 : i + 1 < argc ? argv[++i] : NULL;
			if (!v) {
				missing = a; /* the last argument: reported below, once --json is known */
				break;
			}
			if (cli_opt(a, "db"))
				cli.db = v;
			else
				lang = v;
		} else if (n == 0 && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
			help = true;
		} else if (n == 0 && strcmp(a, "--version") == 0) {
			version = true;
		} else {
			rest[n++] = argv[i];
		}
	}
	/* Usage errors in the global options, too, print the JSON error document under --json. */
	bool bad_lang = lang && cg_lang_parse(lang, &cli.lang) != 0;
	cg_error_init(&cli.err, cli.lang);
	if (missing) {
		rc = cli_usage(&cli, NULL, N_("option '%s' needs a value"), missing);
		goto out;
	}
	if (bad_lang) {
		rc = cli_usage(&cli, NULL, N_("--lang: expected en or zh, got '%s'"), lang);
		goto out;
	}
	set_actor(&cli);
	if (version) {
		printf(cli.json ? "{\"version\": \"%s\"}\n" : "ciiguard %s\n", cg_version());
		rc = EXIT_OK;
		goto out;
	}
	if (help || n == 0 || strcmp(rest[0], "help") == 0) {
		if (n > 1 && strcmp(rest[0], "help") == 0) {
			rest[n++] = (char *)"--help";
			rest++;
			n--;
		} else {
			usage(&cli, help || n ? stdout : stderr);
			rc = help || n ? EXIT_OK : EXIT_USAGE;
			goto out;
		}
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(rest[0], commands[i].name) == 0) {
			rc = commands[i].run(&cli, n, rest);
			goto out;
		}
	}
	rc = cli_usage(&cli, NULL, N_("unknown command '%s'"), rest[0]);
out:
	free(args);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (rc == EXIT_OK)
			rc = EXIT_FAILED;
	}
	return rc;
}
