/* `ciiguard user` and `ciiguard token`: the accounts of the HTTP API. */
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "cli.h"
#include "ciiguard/account.h"
#include "banned.h"

static const char user_help[] = N_(
	"Usage: ciiguard user add NAME --role ROLE --password-stdin [--lang en|zh]\n"
	"       ciiguard user passwd NAME --password-stdin\n"
	"       ciiguard user disable|enable NAME\n"
	"       ciiguard user list\n\n"
	"The accounts of 'ciiguard serve'. ROLE is admin, security_officer (the security body),\n"
	"principal (reads everything, approves), project_owner (the systems it owns),\n"
	"procurement (vendors, agreements, procurements) or auditor (reads, and the audit trail).\n"
	"The password (12 to 256 bytes) is read from the first line of standard input and kept\n"
	"as an argon2id hash; there are no default accounts: 'ciiguard init' makes the first\n"
	"administrator with a generated password shown once. After 'user', --lang is the user's\n"
	"own language (of the console and the API); the language of this command's messages goes\n"
	"before it: ciiguard --lang zh user add ...\n");

static const char token_help[] = N_(
	"Usage: ciiguard token create --user NAME [--expires DURATION] [--scope read|write]\n"
	"       ciiguard token list [--user NAME]\n"
	"       ciiguard token revoke ID\n\n"
	"Bearer tokens for the HTTP API. create prints the new token alone on standard output,\n"
	"this once (only its SHA-256 is kept); --expires takes 30m, 24h, 90d (default: never);\n"
	"a read token cannot write. list shows ids, owners and expiry, never the tokens.\n");

/* The first line of stdin, without its line end; NULL when too long or absent. */
static char *read_password(struct cli *cli)
{
	char buf[CG_PASSWORD_MAX + 3];
	size_t n;
	if (!fgets(buf, sizeof buf, stdin)) {
		cg_error_set(&cli->err, CG_E_INVALID, "password", N_("password: expected a line on standard input"));
		return NULL;
	}
	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	else if (n == sizeof buf - 1) {
		OPENSSL_cleanse(buf, sizeof buf);
		cg_error_set(&cli->err, CG_E_INVALID, "password", N_("password: expected %d to %d characters"),
			     CG_PASSWORD_MIN, CG_PASSWORD_MAX);
		return NULL;
	}
	if (n && buf[n - 1] == '\r')
		buf[--n] = '\0';
	char *out = strdup(buf);
	OPENSSL_cleanse(buf, sizeof buf);
	return out;
}

static void free_password(char *p)
{
	if (p) {
		OPENSSL_cleanse(p, strlen(p));
		free(p);
	}
}

int cmd_user(struct cli *cli, int argc, char **argv)
{
	const char *sub, *name = NULL, *role = NULL, *lang = NULL;
	bool from_stdin = false;
	struct cg_store *st = NULL;
	char *pw = NULL;
	int rc = EXIT_OK;

	if (cli_help_wanted(cli, user_help, argc, argv, &rc))
		return rc;
	sub = argv[1];
	bool add = strcmp(sub, "add") == 0, passwd = strcmp(sub, "passwd") == 0;
	bool dis = strcmp(sub, "disable") == 0, en = strcmp(sub, "enable") == 0, list = strcmp(sub, "list") == 0;
	if (!add && !passwd && !dis && !en && !list)
		return cli_usage(cli, "user", N_("unknown subcommand '%s'"), sub);
	int i = 2;
	if (!list) {
		if (argc < 3 || strncmp(argv[2], "--", 2) == 0)
			return cli_usage(cli, "user", N_("%s needs %s"), sub, "NAME");
		name = argv[i++];
	}
	for (; i < argc; i++) {
		if (strcmp(argv[i], "--password-stdin") == 0 && (add || passwd)) {
			from_stdin = true;
		} else if (cli_opt(argv[i], "role") && add) {
			if (!(role = cli_optval(cli, "user", argc, argv, &i, &rc)))
				return rc;
		} else if (cli_opt(argv[i], "lang") && add) {
			if (!(lang = cli_optval(cli, "user", argc, argv, &i, &rc)))
				return rc;
		} else {
			return cli_usage(cli, "user", N_("unexpected argument '%s'"), argv[i]);
		}
	}
	if (add && !role)
		return cli_usage(cli, "user", N_("add needs --role ROLE"));
	if ((add || passwd) && !from_stdin)
		return cli_usage(cli, "user", N_("%s needs --password-stdin (a password is never an argument)"), sub);
	if ((add || passwd) && !(pw = read_password(cli)))
		return cli_fail(cli);
	if (!(st = cli_open(cli, false))) {
		rc = cli_fail(cli);
		goto out;
	}
	if (list) {
		json_t *users = NULL, *u;
		size_t k;
		if (cg_user_list(st, &users, &cli->err) != CG_OK) {
			rc = cli_fail(cli);
		} else if (cli->json) {
			rc = cli_print_tree(cli, users);
		} else {
			json_array_foreach(users, k, u)
				printf("%-24s %-18s %s\n", json_string_value(json_object_get(u, "name")),
				       json_string_value(json_object_get(u, "role")),
				       json_is_true(json_object_get(u, "disabled")) ? T(cli, "disabled") : "");
		}
		json_decref(users);
		goto out;
	}
	cg_code r = add ? cg_user_add(st, cli->actor, name, role, pw, lang, &cli->err) :
		    passwd ? cg_user_set_password(st, cli->actor, name, pw, &cli->err) :
		    cg_user_set_disabled(st, cli->actor, name, dis, &cli->err);
	if (r != CG_OK)
		rc = cli_fail(cli);
	else if (cli->json)
		printf("{\n  \"name\": \"%s\",\n  \"done\": \"%s\"\n}\n", name, sub);
	else
		printf(add ? T(cli, "Added user '%s'.\n") : passwd ? T(cli, "Changed the password of '%s'.\n") :
		       dis ? T(cli, "Disabled user '%s'.\n") : T(cli, "Enabled user '%s'.\n"), name);
out:
	free_password(pw);
	cg_store_free(st);
	return rc;
}

int cmd_token(struct cli *cli, int argc, char **argv)
{
	const char *sub, *user = NULL, *expires = NULL, *scope = NULL, *id = NULL;
	struct cg_store *st = NULL;
	int rc = EXIT_OK;

	if (cli_help_wanted(cli, token_help, argc, argv, &rc))
		return rc;
	sub = argv[1];
	bool create = strcmp(sub, "create") == 0, list = strcmp(sub, "list") == 0, revoke = strcmp(sub, "revoke") == 0;
	if (!create && !list && !revoke)
		return cli_usage(cli, "token", N_("unknown subcommand '%s'"), sub);
	int i = 2;
	if (revoke) {
		if (argc < 3 || strncmp(argv[2], "--", 2) == 0)
			return cli_usage(cli, "token", N_("%s needs %s"), sub, "ID");
		id = argv[i++];
	}
	for (; i < argc; i++) {
		const char **v = cli_opt(argv[i], "user") && !revoke ? &user :
				 cli_opt(argv[i], "expires") && create ? &expires :
				 cli_opt(argv[i], "scope") && create ? &scope : NULL;
		if (!v)
			return cli_usage(cli, "token", N_("unexpected argument '%s'"), argv[i]);
		if (!(*v = cli_optval(cli, "token", argc, argv, &i, &rc)))
			return rc;
	}
	if (create && !user)
		return cli_usage(cli, "token", N_("create needs --user NAME"));
	int64_t ms = 0;
	if (expires && (cg_parse_duration(expires, &ms) != 0 || ms <= 0))
		return cli_usage(cli, "token", N_("--expires: expected a duration such as 30m, 24h or 90d, got '%s'"), expires);
	if (!(st = cli_open(cli, false))) {
		rc = cli_fail(cli);
		goto out;
	}
	if (create) {
		char token[CG_TOKEN_MAX];
		if (cg_token_create(st, cli->actor, user, ms, scope, token, &cli->err) != CG_OK) {
			rc = cli_fail(cli);
		} else {
			/* the contract: the token alone on stdout, whatever the output mode */
			printf("%s\n", token);
			OPENSSL_cleanse(token, sizeof token);
		}
	} else if (revoke) {
		if (cg_token_revoke(st, cli->actor, id, &cli->err) != CG_OK)
			rc = cli_fail(cli);
		else if (cli->json)
			printf("{\n  \"revoked\": true\n}\n");
		else
			printf(T(cli, "Revoked token '%s'.\n"), id);
	} else {
		json_t *list_doc = NULL, *t;
		size_t k;
		if (cg_token_list(st, user, &list_doc, &cli->err) != CG_OK) {
			rc = cli_fail(cli);
		} else if (cli->json) {
			rc = cli_print_tree(cli, list_doc);
		} else {
			json_array_foreach(list_doc, k, t) {
				const char *exp = json_string_value(json_object_get(t, "expires_at"));
				bool revoked = json_string_value(json_object_get(t, "revoked_at")) != NULL;
				bool expired = json_is_true(json_object_get(t, "expired"));
				printf("%-16s  %-20s %-5s %s%s\n", json_string_value(json_object_get(t, "id")),
				       json_string_value(json_object_get(t, "user")), json_string_value(json_object_get(t, "scope")),
				       revoked ? T(cli, "revoked") : expired ? T(cli, "expired") : T(cli, "expires "),
				       revoked || expired ? "" : exp ? exp : T(cli, "never"));
			}
		}
		json_decref(list_doc);
	}
out:
	cg_store_free(st);
	return rc;
}
