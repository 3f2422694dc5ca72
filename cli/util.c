/* Helpers shared by the subcommands: opening the store, errors, JSON and table output. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "cli.h"
#include "banned.h"

int cli_exit_code(cg_code code)
{
	switch (code) {
	case CG_OK:
		return EXIT_OK;
	case CG_E_USAGE:
		return EXIT_USAGE;
	case CG_E_TAMPERED:
		return EXIT_TAMPERED;
	default:
		return EXIT_FAILED;
	}
}

struct cg_store *cli_open(struct cli *cli, bool create)
{
	struct cg_store *st = NULL;

	if (cg_store_open(cli->db, create ? CG_STORE_CREATE : 0, &st, &cli->err) != CG_OK)
		return NULL;
	return st;
}

int cli_fail(struct cli *cli)
{
	if (cli->json) {
		json_t *e = json_pack("{s:{s:s,s:s,s:s?}}", "error", "message", cli->err.message,
				      "code", cg_code_name(cli->err.code), "field",
				      cli->err.field[0] ? cli->err.field : NULL);
		char *s = e ? json_dumps(e, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
		if (s)
			printf("%s\n", s);
		free(s);
		json_decref(e);
	} else {
		fprintf(stderr, "ciiguard: %s\n", cli->err.message);
	}
	return cli_exit_code(cli->err.code ? cli->err.code : CG_E_INTERNAL);
}

int cli_usage(struct cli *cli, const char *cmd, const char *fmt, ...)
{
	char msg[CG_ERROR_MESSAGE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, T(cli, fmt), ap);
	va_end(ap);
	cg_error_set(&cli->err, CG_E_USAGE, NULL, "%s", msg);
	if (!cli->json) {
		if (cmd) {
			fprintf(stderr, "ciiguard %s: %s\n", cmd, msg);
			fprintf(stderr, T(cli, "Try 'ciiguard %s --help'.\n"), cmd);
		} else {
			fprintf(stderr, "ciiguard: %s\n", msg);
			fputs(T(cli, "Try 'ciiguard --help'.\n"), stderr);
		}
		return EXIT_USAGE;
	}
	return cli_fail(cli);
}

int cli_print_json(struct cli *cli, const char *text)
{
	json_error_t jerr;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &jerr);

	if (!v) {
		cg_error_set(&cli->err, CG_E_INTERNAL, NULL, "internal: bad JSON output: %s", jerr.text);
		return cli_fail(cli);
	}
	int rc = cli_print_tree(cli, v);
	json_decref(v);
	return rc;
}

int cli_print_tree(struct cli *cli, json_t *doc)
{
	char *s = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY) : NULL;

	if (!s) {
		cg_error_set(&cli->err, CG_E_NOMEM, NULL, N_("out of memory"));
		return cli_fail(cli);
	}
	puts(s);
	free(s);
	return EXIT_OK;
}

int cli_help_wanted(struct cli *cli, const char *help, int argc, char **argv, int *rc)
{
	if (argc < 2) {
		fputs(T(cli, help), stderr);
		*rc = EXIT_USAGE;
		return 1;
	}
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(T(cli, help), stdout);
			*rc = EXIT_OK;
			return 1;
		}
	return 0;
}

void cli_pad(FILE *f, const char *text, size_t width)
{
	size_t w = cg_text_width(text);

	fputs(text, f);
	while (w++ < width)
		fputc(' ', f);
}

char *cli_read_input(struct cli *cli, const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	struct cg_buf b;
	char chunk[65536];
	size_t n;

	if (!f) {
		cg_error_set(&cli->err, CG_E_IO, NULL, N_("cannot open '%s': %s"), path, strerror(errno));
		return NULL;
	}
	cg_buf_init(&b, (size_t)1 << 31);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (cg_buf_add(&b, chunk, n) != CG_OK) {
			cg_error_set(&cli->err, CG_E_NOMEM, NULL, N_("'%s' is too large"), path);
			break;
		}
	}
	if (ferror(f) && !cli->err.code)
		cg_error_set(&cli->err, CG_E_IO, NULL, N_("cannot read '%s': %s"), path, strerror(errno));
	if (f != stdin)
		fclose(f);
	if (cli->err.code) {
		cg_buf_release(&b);
		return NULL;
	}
	*len = b.len;
	return cg_buf_take(&b);
}

bool cli_opt(const char *arg, const char *name)
{
	size_t n;

	if (strncmp(arg, "--", 2) != 0)
		return false;
	arg += 2;
	n = strlen(name);
	return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

const char *cli_optval(struct cli *cli, const char *cmd, int argc, char **argv, int *i, int *rc)
{
	const char *eq = strchr(argv[*i], '=');

	if (eq)
		return eq + 1;
	if (*i + 1 >= argc) {
		*rc = cli_usage(cli, cmd, N_("option '%s' needs a value"), argv[*i]);
		return NULL;
	}
	return argv[++*i];
}

const char *cli_label(struct cli *cli, const char *kind, const char *value)
{
	return cg_label(cli->lang, kind, value);
}

int cli_apply_fields(struct cli *cli, const char *cmd, int argc, char **argv, int start,
		     const char *const *own, cli_setter set, void *rec)
{
	int rc = EXIT_OK;

	for (int i = start; i < argc; i++) {
		const char *a = argv[i], *v;
		char name[128];
		size_t k;
		bool skip = false;

		if (strncmp(a, "--", 2) != 0)
			return cli_usage(cli, cmd, N_("unexpected argument '%s'"), a);
		for (size_t j = 0; own && own[j]; j++)
			if (cli_opt(a, own[j])) {
				skip = true;
				if (!strchr(a, '=') && i + 1 < argc)
					i++;
			}
		if (skip)
			continue;
		for (k = 0; a[k + 2] && a[k + 2] != '=' && k + 1 < sizeof name; k++)
			name[k] = a[k + 2] == '-' ? '_' : a[k + 2];
		name[k] = '\0';
		if (strncmp(name, "ai_", 3) == 0)
			name[2] = '.';
		else if (strncmp(name, "data_", 5) == 0)
			name[4] = '.';
		if (!(v = cli_optval(cli, cmd, argc, argv, &i, &rc)))
			return rc;
		if (set(rec, name, v, &cli->err) != CG_OK)
			return cli_fail(cli);
	}
	return EXIT_OK;
}
