/* Shared state and helpers of the `ciiguard` command: options, output, exit codes. */
#ifndef CG_CLI_H
#define CG_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>
#include "ciiguard/ciiguard.h"

/* Exit codes (documented in ciiguard(1)). */
enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_OVERDUE = 3,
	EXIT_TAMPERED = 4,
};

struct cli {
	const char *db;   /* --db, $CIIGUARD_DB or ./ciiguard.db */
	bool json;        /* --json */
	enum cg_lang lang;
	char actor[300];  /* cli:<os user> */
	struct cg_error err;
};

/* Translates into the command's language. */
#define T(cli, s) cg_tr((cli)->lang, s)

/* Opens the database, reporting failure. `create` allows a new file. */
struct cg_store *cli_open(struct cli *cli, bool create);

/* Reports cli->err (text on stderr, or the JSON error document on stdout); returns the exit code. */
int cli_fail(struct cli *cli);
/* Reports a usage error naming the command (NULL: the global options); returns EXIT_USAGE. */
int cli_usage(struct cli *cli, const char *cmd, const char *fmt, ...) CG_PRINTF(3, 4);
/* Maps a result code to an exit code. */
int cli_exit_code(cg_code code);

/* Prints JSON text pretty-printed (two-space indent), keys in the order given. */
int cli_print_json(struct cli *cli, const char *json);

/* Prints a JSON tree (borrowed; NULL means out of memory) as the command's document. */
int cli_print_tree(struct cli *cli, json_t *doc);
/*
 * For commands with subcommands: true when the call asks for help (no subcommand: usage on
 * stderr, *rc = EXIT_USAGE; --help or -h anywhere: help on stdout, *rc = EXIT_OK).
 */
int cli_help_wanted(struct cli *cli, const char *help, int argc, char **argv, int *rc);

/* Prints `text` padded with spaces to `width` terminal columns. */
void cli_pad(FILE *f, const char *text, size_t width);

/* Reads a whole file, or stdin for "-". Returns NULL and sets cli->err on failure. */
char *cli_read_input(struct cli *cli, const char *path, size_t *len);

/* True when `arg` is "--name" or "--name=..." for a given option name. */
bool cli_opt(const char *arg, const char *name);
/*
 * Takes the value of option `name` at argv[*i] ("--name VALUE" or "--name=VALUE"), advancing
 * *i. Returns NULL (and reports a usage error into *rc) when the value is missing.
 */
const char *cli_optval(struct cli *cli, const char *cmd, int argc, char **argv, int *i, int *rc);

/* Display labels for enum values and field names, in the command's language. */
const char *cli_label(struct cli *cli, const char *kind, const char *value);

typedef cg_code (*cli_setter)(void *rec, const char *name, const char *value, struct cg_error *err);
/*
 * Applies "--FIELD VALUE" / "--FIELD=VALUE" options from argv[start..] to a record through
 * `set` (field names as in JSON, with '-' or '_' and "ai-kind" for "ai.kind"). Options named
 * in `own` (NULL-terminated, without "--") are left for the command and skipped with their
 * value; positional arguments are an error. Returns EXIT_OK or the exit code of the failure.
 */
int cli_apply_fields(struct cli *cli, const char *cmd, int argc, char **argv, int start,
		     const char *const *own, cli_setter set, void *rec);

/*
 * The inventory's summary as `system summary --json` prints it (the operator or null, the
 * counts of systems, the audit trail's count and head), appended to `b` as compact JSON. Shared
 * by the command line and GET /api/v1/summary. CG_OK, or the failure in `err`.
 */
cg_code cli_system_summary_json(struct cg_store *st, struct cg_buf *b, struct cg_error *err) CG_MUST_CHECK;

/* Commands: each returns the process exit code. */
int cmd_init(struct cli *cli, int argc, char **argv);
int cmd_operator(struct cli *cli, int argc, char **argv);
int cmd_incident(struct cli *cli, int argc, char **argv);
int cmd_register(struct cli *cli, int argc, char **argv);
int cmd_registers(struct cli *cli, int argc, char **argv);
int cmd_user(struct cli *cli, int argc, char **argv);
int cmd_token(struct cli *cli, int argc, char **argv);
int cmd_serve(struct cli *cli, int argc, char **argv);
int cmd_due(struct cli *cli, int argc, char **argv);
int cmd_system(struct cli *cli, int argc, char **argv);
int cmd_audit(struct cli *cli, int argc, char **argv);
int cmd_export(struct cli *cli, int argc, char **argv);
int cmd_import(struct cli *cli, int argc, char **argv);
int cmd_migrate(struct cli *cli, int argc, char **argv);
int cmd_catalog(struct cli *cli, int argc, char **argv);
int cmd_screen(struct cli *cli, int argc, char **argv);
int cmd_obligations(struct cli *cli, int argc, char **argv);
int cmd_evidence(struct cli *cli, int argc, char **argv);
int cmd_gaps(struct cli *cli, int argc, char **argv);
int cmd_exposure(struct cli *cli, int argc, char **argv);
int cmd_status(struct cli *cli, int argc, char **argv);

#endif
