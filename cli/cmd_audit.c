/* `ciiguard audit`: verify the trail, print its head, read the log. */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "cli.h"
#include "banned.h"

static const char help[] = N_(
	"Usage: ciiguard audit verify [--expect-head HASH]\n"
	"       ciiguard audit head\n"
	"       ciiguard audit log [--entity ID|TYPE:ID] [--limit N] [--offset N]\n\n"
	"verify walks the hash chain and checks every record against its last audited state;\n"
	"it exits 0 when all is intact and 4 naming the first broken event or record.\n"
	"--expect-head also checks that an anchored head is still in the chain (truncation).\n"
	"head prints the hash of the last event and the number of events, to keep outside.\n");

struct log_state {
	struct cli *cli;
	json_t *arr;
	size_t n;
};

static int log_event(const struct cg_audit_event *ev, void *ud)
{
	struct log_state *ls = ud;

	ls->n++;
	if (ls->cli->json) {
		json_t *state = ev->state ? json_loads(ev->state, 0, NULL) : json_null();
		json_array_append_new(ls->arr, json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:o,s:s,s:s,s:s}",
			"seq", (json_int_t)ev->seq, "at", ev->at, "actor", ev->actor, "action", ev->action,
			"entity_type", ev->entity_type, "entity_id", ev->entity_id,
			"state", state ? state : json_string(ev->state), "state_hash", ev->state_hash,
			"prev_hash", ev->prev_hash, "hash", ev->hash));
	} else {
		printf("%6lld  %s  ", (long long)ev->seq, ev->at);
		cli_pad(stdout, ev->actor, 17);
		cli_pad(stdout, T(ls->cli, ev->action), 8);
		printf("%s:%s  %.16s\n", ev->entity_type, ev->entity_id, ev->hash);
	}
	return 0;
}

static int parse_num(struct cli *cli, const char *v, int64_t *out)
{
	if (cg_parse_number(v, out) != 0)
		return cli_usage(cli, "audit", N_("expected a whole number, got '%s'"), v);
	return EXIT_OK;
}

int cmd_audit(struct cli *cli, int argc, char **argv)
{
	struct cg_store *st = NULL;
	const char *sub, *expect = NULL, *entity = NULL;
	int64_t limit = 0, offset = 0;
	int rc = EXIT_OK;

	if (cli_help_wanted(cli, help, argc, argv, &rc))
		return rc;
	sub = argv[1];
	if (strcmp(sub, "verify") && strcmp(sub, "head") && strcmp(sub, "log"))
		return cli_usage(cli, "audit", N_("unknown subcommand '%s'"), sub);
	for (int i = 2; i < argc; i++) {
		const char *v = NULL;
		if (strcmp(sub, "verify") == 0 && cli_opt(argv[i], "expect-head")) {
			if (!(expect = cli_optval(cli, "audit", argc, argv, &i, &rc)))
				return rc;
		} else if (strcmp(sub, "log") == 0 && cli_opt(argv[i], "entity")) {
			if (!(entity = cli_optval(cli, "audit", argc, argv, &i, &rc)))
				return rc;
		} else if (strcmp(sub, "log") == 0 && cli_opt(argv[i], "limit")) {
			if (!(v = cli_optval(cli, "audit", argc, argv, &i, &rc)) || (rc = parse_num(cli, v, &limit)))
				return rc;
		} else if (strcmp(sub, "log") == 0 && cli_opt(argv[i], "offset")) {
			if (!(v = cli_optval(cli, "audit", argc, argv, &i, &rc)) || (rc = parse_num(cli, v, &offset)))
				return rc;
		} else {
			return cli_usage(cli, "audit", N_("unexpected argument '%s'"), argv[i]);
		}
	}
	if (!(st = cli_open(cli, false)))
		return cli_fail(cli);
	if (strcmp(sub, "verify") == 0) {
		struct cg_audit_report rep;
		cg_code r = cg_audit_verify(st, expect, &rep, &cli->err);
		if (r != CG_OK && r != CG_E_TAMPERED) {
			rc = cli_fail(cli);
		} else if (cli->json) {
			json_t *o = json_pack("{s:b,s:I,s:I,s:s}", "ok", r == CG_OK, "events", (json_int_t)rep.events,
					      "records", (json_int_t)rep.records, "head", rep.head);
			if (r != CG_OK) {
				json_object_set_new(o, "error", json_pack("{s:s,s:s}", "message", cli->err.message, "code", "tampered"));
				if (rep.bad_seq)
					json_object_set_new(o, "first_bad_event", json_integer(rep.bad_seq));
				if (rep.bad_entity[0])
					json_object_set_new(o, "first_bad_record", json_string(rep.bad_entity));
			}
			char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
			puts(s ? s : "{}");
			free(s);
			json_decref(o);
			rc = r == CG_OK ? EXIT_OK : EXIT_TAMPERED;
		} else if (r == CG_OK) {
			printf(T(cli, "The audit trail is intact: %lld events, %lld records match their last audited state.\nHead: %s\n"),
			       (long long)rep.events, (long long)rep.records, rep.head);
		} else {
			fprintf(stderr, T(cli, "ciiguard: the audit trail is BROKEN: %s\n"), cli->err.message);
			rc = EXIT_TAMPERED;
		}
	} else if (strcmp(sub, "head") == 0) {
		char head[CG_HASH_HEX];
		int64_t count;
		if (cg_audit_head(st, &count, head, &cli->err) != CG_OK)
			rc = cli_fail(cli);
		else if (cli->json)
			printf("{\n  \"head\": \"%s\",\n  \"count\": %lld\n}\n", head, (long long)count);
		else
			printf("%s %lld\n", head, (long long)count);
	} else {
		struct log_state ls = { cli, json_array(), 0 };
		if (cg_audit_each(st, entity, offset, limit, log_event, &ls, &cli->err) != CG_OK) {
			rc = cli_fail(cli);
		} else if (cli->json) {
			char *s = json_dumps(ls.arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
			puts(s ? s : "[]");
			free(s);
		}
		json_decref(ls.arr);
	}
	cg_store_free(st);
	return rc;
}
