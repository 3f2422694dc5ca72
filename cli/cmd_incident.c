/*
 * `ciiguard incident` and `ciiguard due`: incident records, grading under the 2025 guide, the
 * reporting clocks, report documents and submissions; every open deadline of the product.
 */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "cli.h"
#include "banned.h"

static const char help[] = N_(
	"Usage: ciiguard incident open [--input FILE|-] [--FIELD VALUE ...]\n"
	"       ciiguard incident update ID [--input FILE|-] [--FIELD VALUE ...]\n"
	"       ciiguard incident list [--status open|closed]\n"
	"       ciiguard incident show ID\n"
	"       ciiguard incident close ID [--handled-at TIME]\n"
	"       ciiguard incident grade ID\n"
	"       ciiguard incident grade --input FILE|-\n"
	"       ciiguard incident action ID TEXT [--at TIME]\n"
	"       ciiguard incident submit ID --kind initial|supplement|final --to RECIPIENT\n"
	"                [--channel TEXT] [--at TIME] [--file FILE]\n"
	"       ciiguard incident report ID --kind initial|supplement|final\n"
	"                [--format md|html|json] [--output FILE]   (--json: format json)\n\n"
	"Cybersecurity incidents (网络安全事件), graded under the 2025 grading guide: particularly\n"
	"major, major, relatively major or general; relatively major and above must be reported.\n"
	"Times are RFC 3339 (stored in UTC, shown in Asia/Shanghai).\n\n"
	"Fields (JSON keys of --input, or options with '-' for '_'): title, type, discovered_at\n"
	"(required to open); detected_by (self, provider, regulator, public), occurred_at,\n"
	"systems (ids, comma-separated as an option), description, measures, cause, trend,\n"
	"further_measures, support_requested, scene_preservation, tracing_leads, harm,\n"
	"accountability, remediation, lessons, ransom_amount, ransom_method, ransom_demanded_at;\n"
	"the figures cii_whole_outage_minutes, cii_main_function_outage_minutes, people_affected,\n"
	"province_population_share_percent, prefecture_population_share_percent, portal_level,\n"
	"portal_unreachable_minutes, spread_homepage_minutes, spread_other_page_minutes,\n"
	"spread_reposts, spread_views, pi_subjects_leaked, direct_loss_cny,\n"
	"important_data_impact (none, relatively_serious, serious, particularly_serious) and\n"
	"suspected_crime. Types: ransomware, intrusion, ddos, data_leak, defacement, outage,\n"
	"malware, vulnerability_exploit, phishing, ai_model_error, ai_anomalous_behaviour,\n"
	"ai_log_data_leak, ai_third_party_maintenance, other.\n\n"
	"'grade --input' grades an incident described in JSON without storing it or creating a\n"
	"database: the figures above plus discovered_at (required), operator_type (cii,\n"
	"central_organ, other) and involves_cii; an unknown key is an error. A stored incident\n"
	"takes operator_type and involves_cii from the operator profile and its systems.\n"
	"'submit' records a report sent (when, to whom, channel, and the SHA-256 of --file, or of\n"
	"the report ciiguard generates for that kind when no file is given).\n");

static const char due_help[] = N_(
	"Usage: ciiguard due [--within DURATION]\n\n"
	"Every open deadline, soonest first: incident reports (initial, supplementary, final) and\n"
	"obligations with a due date, with the clocks others owe once a duty is met. --within\n"
	"(30m, 24h, 7d) keeps what is due within that time, besides what is overdue or due\n"
	"\"promptly\". Exit code 3 when anything is overdue, so that cron or a monitor can alert.\n");

/* Turns an option value into the JSON value of an incident field. */
static json_t *field_value(const char *name, const char *value)
{
	const struct cg_grade_input *g = cg_grade_input_find(name);
	int64_t n;

	if (strcmp(name, "systems") == 0) {
		json_t *list = json_array();
		const char *p = value;
		while (list && *p) {
			const char *comma = strchr(p, ',');
			size_t len = comma ? (size_t)(comma - p) : strlen(p);
			if (len)
				json_array_append_new(list, json_stringn(p, len));
			p += len + (comma != NULL);
		}
		return list;
	}
	if (g && (g->type == CG_G_COUNT || g->type == CG_G_PERCENT || g->type == CG_G_AMOUNT)) {
		char *end;
		if (cg_parse_number(value, &n) == 0)
			return json_integer(n);
		double d = strtod(value, &end);
		if (*value && !*end && end != value)
			return json_real(d);
		return json_string(value); /* rejected with the field's name by the library */
	}
	if (g && g->type == CG_G_BOOL) {
		if (strcmp(value, "true") == 0 || strcmp(value, "yes") == 0)
			return json_true();
		if (strcmp(value, "false") == 0 || strcmp(value, "no") == 0)
			return json_false();
		return json_string(value);
	}
	return json_string(value);
}

/*
 * Reads --input and --FIELD VALUE options from argv[start..] into one JSON object (options
 * win). Options named in `own` are skipped with their value.
 */
static int read_fields(struct cli *cli, int argc, char **argv, int start, json_t **out)
{
	json_t *fields = json_object();
	int rc = EXIT_OK;

	*out = NULL;
	if (!fields) {
		cg_error_set(&cli->err, CG_E_NOMEM, NULL, N_("out of memory"));
		return cli_fail(cli);
	}
	for (int i = start; i < argc; i++) {
		char name[64];
		const char *value, *eq;
		if (strncmp(argv[i], "--", 2) != 0 || strlen(argv[i]) < 3) {
			json_decref(fields);
			return cli_usage(cli, "incident", N_("unexpected argument '%s'"), argv[i]);
		}
		eq = strchr(argv[i], '=');
		snprintf(name, sizeof name, "%.*s", (int)(eq ? (size_t)(eq - argv[i] - 2) : strlen(argv[i] + 2)), argv[i] + 2);
		for (char *p = name; *p; p++)
			if (*p == '-')
				*p = '_';
		if (!(value = cli_optval(cli, "incident", argc, argv, &i, &rc))) {
			json_decref(fields);
			return rc;
		}
		if (strcmp(name, "input") == 0) {
			size_t len;
			json_error_t jerr;
			char *data = cli_read_input(cli, value, &len);
			json_t *in = data ? json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
			free(data);
			if (!data) {
				json_decref(fields);
				return cli_fail(cli);
			}
			if (!json_is_object(in)) {
				json_decref(in);
				json_decref(fields);
				cg_error_set(&cli->err, CG_E_INVALID, "input", N_("--input: expected a JSON object (line %d: %s)"),
					     jerr.line, in ? "not an object" : jerr.text);
				return cli_fail(cli);
			}
			const char *k;
			json_t *v;
			json_object_foreach(in, k, v)
				if (!json_object_get(fields, k))
					json_object_set(fields, k, v);
			json_decref(in);
			continue;
		}
		if (strcmp(name, "id") != 0 && strcmp(name, "discovered_at") != 0 && !cg_incident_field_known(name)) {
			json_decref(fields);
			return cli_usage(cli, "incident", N_("unknown option '--%s'"), name);
		}
		json_object_set_new(fields, name, field_value(name, value));
	}
	*out = fields;
	return EXIT_OK;
}

static void print_grade(struct cli *cli, json_t *g)
{
	json_t *e;
	size_t i;
	const char *grade = json_string_value(json_object_get(g, "grade"));

	printf("%s: %s (%s)\n", T(cli, "Grade"), cli_label(cli, "grade", grade), grade);
	printf("%s: %s\n", T(cli, "Must be reported"), T(cli, json_is_true(json_object_get(g, "must_report")) ? N_("yes") : N_("no")));
	json_array_foreach(json_object_get(g, "criteria"), i, e)
		printf("  - [%s] %s%s\n", cli_label(cli, "grade", json_string_value(json_object_get(e, "grade"))),
		       json_string_value(json_object_get(e, "text")),
		       strcmp(json_string_value(json_object_get(e, "confidence")), "draft") == 0 ?
		       T(cli, " (threshold from the consultation draft)") : "");
	if (json_array_size(json_object_get(g, "reports")))
		printf("%s:\n", T(cli, "Report to"));
	json_array_foreach(json_object_get(g, "reports"), i, e) {
		const char *due = json_string_value(json_object_get(e, "due_at"));
		printf("  - %s: %s\n", cli_label(cli, "recipient", json_string_value(json_object_get(e, "recipient"))),
		       due ? due : T(cli, "promptly"));
	}
	json_array_foreach(json_object_get(g, "escalations"), i, e) {
		json_t *to;
		size_t k;
		printf("  %s %s ->", T(cli, "Then"), cli_label(cli, "recipient", json_string_value(json_object_get(e, "by"))));
		json_array_foreach(json_object_get(e, "to"), k, to)
			printf("%s %s", k ? "," : "", cli_label(cli, "recipient", json_string_value(to)));
		printf(T(cli, " within %lld minutes\n"), (long long)json_integer_value(json_object_get(e, "within_minutes")));
	}
	if (json_is_true(json_object_get(g, "final_report_required")))
		printf(T(cli, "Final report: within %lld days after handling ends.\n"),
		       (long long)json_integer_value(json_object_get(g, "final_report_due_days")));
}

static void print_deadlines(struct cli *cli, json_t *list)
{
	json_t *e;
	size_t i;
	json_array_foreach(list, i, e) {
		const char *due = json_string_value(json_object_get(e, "due_at"));
		const char *src = json_string_value(json_object_get(e, "source"));
		bool met = json_is_true(json_object_get(e, "met")), od = json_is_true(json_object_get(e, "overdue"));
		printf("%-25s  %-8s  ", due ? due : T(cli, "promptly"), od ? T(cli, "OVERDUE") : met ? T(cli, "met") : "");
		if (strcmp(src, "incident") == 0)
			printf("%s %s -> %s\n", json_string_value(json_object_get(e, "incident")),
			       cli_label(cli, "report_kind", json_string_value(json_object_get(e, "kind"))),
			       cli_label(cli, "recipient", json_string_value(json_object_get(e, "recipient"))));
		else if (strcmp(src, "register") == 0)
			printf("%s %s [%s] %s\n", json_string_value(json_object_get(e, "register")),
			       json_string_value(json_object_get(e, "id")), json_string_value(json_object_get(e, "basis")),
			       json_string_value(json_object_get(e, "title")));
		else
			printf("%s %s: %s%s%s\n", json_string_value(json_object_get(e, "scope")),
			       json_string_value(json_object_get(e, "basis")) ? json_string_value(json_object_get(e, "basis")) : "",
			       json_string_value(json_object_get(e, "title")) ? json_string_value(json_object_get(e, "title")) : "",
			       strcmp(json_string_value(json_object_get(e, "kind")), "follow_up") == 0 ? " - " : "",
			       strcmp(json_string_value(json_object_get(e, "kind")), "follow_up") == 0 ?
			       cli_label(cli, "recipient", json_string_value(json_object_get(e, "owed_by"))) : "");
	}
}

static void print_doc(struct cli *cli, json_t *doc)
{
	static const char *const order[] = { "id", "title", "type", "status", "grade", "detected_by", "occurred_at",
		"discovered_at", "handled_at", NULL };
	const char *key;
	json_t *v;

	for (int i = 0; order[i]; i++) {
		v = json_object_get(doc, order[i]);
		if (!json_is_string(v))
			continue;
		cli_pad(stdout, cli_label(cli, "field", order[i]), 40);
		const char *s = json_string_value(v);
		int64_t ms;
		char local[40];
		if (strlen(order[i]) > 3 && strcmp(order[i] + strlen(order[i]) - 3, "_at") == 0 && cg_rfc3339_parse(s, &ms)) {
			cg_time_shanghai(ms, local);
			s = local;
		}
		printf(" %s\n", strcmp(order[i], "type") == 0 ? cli_label(cli, "incident_type", s) :
		       strcmp(order[i], "grade") == 0 ? cli_label(cli, "grade", s) :
		       strcmp(order[i], "status") == 0 ? cli_label(cli, "incident_status", s) :
		       strcmp(order[i], "detected_by") == 0 ? cli_label(cli, "detected_by", s) : s);
	}
	if (json_array_size(json_object_get(doc, "systems"))) {
		size_t i;
		cli_pad(stdout, cli_label(cli, "field", "systems"), 40);
		json_array_foreach(json_object_get(doc, "systems"), i, v)
			printf("%s%s", i ? ", " : " ", json_string_value(v));
		printf("\n");
	}
	json_object_foreach(doc, key, v) {
		if (!json_is_number(v) || json_number_value(v) == 0)
			continue;
		cli_pad(stdout, cli_label(cli, "field", key), 40);
		if (json_is_integer(v))
			printf(" %lld\n", (long long)json_integer_value(v));
		else
			printf(" %.2f\n", json_real_value(v));
	}
}

static int print_result(struct cli *cli, json_t *doc, json_t *grade, json_t *deadlines, const char *what)
{
	if (cli->json) {
		json_t *out = json_pack("{s:O,s:O?,s:O?}", "incident", doc, "grading", grade, "deadlines", deadlines);
		int rc = cli_print_tree(cli, out);
		json_decref(out);
		return rc;
	}
	if (what)
		fputs(T(cli, what), stdout);
	print_doc(cli, doc);
	if (grade)
		print_grade(cli, grade);
	if (json_array_size(deadlines)) {
		printf("%s:\n", T(cli, "Deadlines"));
		print_deadlines(cli, deadlines);
	}
	return EXIT_OK;
}

/* The grade and deadlines of a stored incident, for printing. */
static int show(struct cli *cli, struct cg_store *st, struct cg_catalog *cat, json_t *doc, const char *what)
{
	json_t *grade = NULL, *dl = NULL;
	int rc;
	if (cg_incident_grade(st, cat, json_string_value(json_object_get(doc, "id")), cli->lang, &grade, &cli->err) != CG_OK ||
	    cg_incident_deadlines(st, cat, doc, cli->lang, &dl, &cli->err) != CG_OK)
		rc = cli_fail(cli);
	else
		rc = print_result(cli, doc, grade, dl, what);
	json_decref(grade);
	json_decref(dl);
	return rc;
}

static int do_grade_input(struct cli *cli, const char *path)
{
	struct cg_catalog *cat = NULL;
	json_t *res = NULL;
	size_t len;
	char *data = cli_read_input(cli, path, &len);
	int rc;

	if (!data || cg_catalog_open(NULL, &cat, &cli->err) != CG_OK ||
	    cg_grade_text(cat, data, len, cli->lang, &res, &cli->err) != CG_OK)
		rc = cli_fail(cli);
	else if (cli->json)
		rc = cli_print_tree(cli, res);
	else {
		print_grade(cli, res);
		rc = EXIT_OK;
	}
	free(data);
	json_decref(res);
	cg_catalog_free(cat);
	return rc;
}

/* Takes "--name VALUE" options listed in `names` into `vals`; anything else is a usage error. */
static int take_opts(struct cli *cli, int argc, char **argv, int start, const char *const *names,
		     const char **vals, const char **positional)
{
	int rc = EXIT_OK;
	for (int i = start; i < argc; i++) {
		bool found = false;
		for (int k = 0; names[k] && !found; k++)
			if (cli_opt(argv[i], names[k])) {
				found = true;
				if (!(vals[k] = cli_optval(cli, "incident", argc, argv, &i, &rc)))
					return rc;
			}
		if (found)
			continue;
		if (positional && !*positional && strncmp(argv[i], "--", 2) != 0) {
			*positional = argv[i];
			continue;
		}
		return cli_usage(cli, "incident", N_("unexpected argument '%s'"), argv[i]);
	}
	return EXIT_OK;
}

static int write_output(struct cli *cli, const char *path, const char *data, size_t len)
{
	FILE *f = path ? fopen(path, "wb") : stdout;
	if (!f || fwrite(data, 1, len, f) != len || (path ? fclose(f) != 0 : fflush(f) != 0)) {
		cg_error_set(&cli->err, CG_E_IO, NULL, N_("cannot write '%s'"), path ? path : "stdout");
		return cli_fail(cli);
	}
	return EXIT_OK;
}

int cmd_incident(struct cli *cli, int argc, char **argv)
{
	struct cg_store *st = NULL;
	struct cg_catalog *cat = NULL;
	json_t *doc = NULL, *fields = NULL;
	const char *sub, *id = NULL;
	int rc = EXIT_OK;

	if (cli_help_wanted(cli, help, argc, argv, &rc))
		return rc;
	sub = argv[1];
	if (strcmp(sub, "grade") == 0 && argc >= 3 && cli_opt(argv[2], "input")) {
		const char *vals[1] = { NULL };
		if ((rc = take_opts(cli, argc, argv, 2, (const char *const[]){ "input", NULL }, vals, NULL)) != EXIT_OK)
			return rc;
		return do_grade_input(cli, vals[0]);
	}
	static const char *const subs[] = { "open", "update", "list", "show", "close", "grade", "action", "submit",
		"report", NULL };
	bool known = false;
	for (int i = 0; subs[i]; i++)
		known |= strcmp(sub, subs[i]) == 0;
	if (!known)
		return cli_usage(cli, "incident", N_("unknown subcommand '%s'"), sub);
	if (strcmp(sub, "open") != 0 && strcmp(sub, "list") != 0) {
		if (argc < 3 || strncmp(argv[2], "--", 2) == 0)
			return cli_usage(cli, "incident", N_("%s needs the id of an incident"), sub);
		id = argv[2];
	}
	/* Parse the options before opening anything, so that usage errors exit 2. */
	const char *vals[6] = { NULL };
	const char *text = NULL;
	if (strcmp(sub, "open") == 0 || strcmp(sub, "update") == 0) {
		if ((rc = read_fields(cli, argc, argv, strcmp(sub, "open") == 0 ? 2 : 3, &fields)) != EXIT_OK)
			return rc;
	} else if (strcmp(sub, "list") == 0) {
		rc = take_opts(cli, argc, argv, 2, (const char *const[]){ "status", NULL }, vals, NULL);
	} else if (strcmp(sub, "close") == 0) {
		rc = take_opts(cli, argc, argv, 3, (const char *const[]){ "handled-at", NULL }, vals, NULL);
	} else if (strcmp(sub, "action") == 0) {
		rc = take_opts(cli, argc, argv, 3, (const char *const[]){ "at", NULL }, vals, &text);
		if (rc == EXIT_OK && !text)
			rc = cli_usage(cli, "incident", N_("action needs the text of the action"));
	} else if (strcmp(sub, "submit") == 0) {
		rc = take_opts(cli, argc, argv, 3, (const char *const[]){ "kind", "to", "channel", "at", "file", NULL }, vals, NULL);
		if (rc == EXIT_OK && (!vals[0] || !vals[1]))
			rc = cli_usage(cli, "incident", N_("submit needs --kind and --to"));
	} else if (strcmp(sub, "report") == 0) {
		rc = take_opts(cli, argc, argv, 3, (const char *const[]){ "kind", "format", "output", NULL }, vals, NULL);
		if (rc == EXIT_OK && !vals[0])
			rc = cli_usage(cli, "incident", N_("report needs --kind initial, supplement or final"));
	} else if (argc > 3) {
		rc = cli_usage(cli, "incident", N_("unexpected argument '%s'"), argv[3]);
	}
	if (rc != EXIT_OK) {
		json_decref(fields);
		return rc;
	}
	if (!(st = cli_open(cli, false)) || cg_catalog_open(st, &cat, &cli->err) != CG_OK) {
		rc = cli_fail(cli);
		goto out;
	}
	if (strcmp(sub, "open") == 0) {
		if (cg_incident_open(st, cli->actor, cat, fields, &doc, &cli->err) != CG_OK)
			rc = cli_fail(cli);
		else
			rc = show(cli, st, cat, doc, N_("Opened the incident.\n"));
	} else if (strcmp(sub, "update") == 0) {
		if (cg_incident_update(st, cli->actor, cat, id, fields, &doc, &cli->err) != CG_OK)
			rc = cli_fail(cli);
		else
			rc = show(cli, st, cat, doc, N_("Updated the incident.\n"));
	} else if (strcmp(sub, "close") == 0) {
		if (cg_incident_close(st, cli->actor, cat, id, vals[0], &doc, &cli->err) != CG_OK)
			rc = cli_fail(cli);
		else
			rc = show(cli, st, cat, doc, N_("Closed the incident: handling ended.\n"));
	} else if (strcmp(sub, "show") == 0) {
		if (cg_incident_get(st, id, &doc, &cli->err) != CG_OK)
			rc = cli_fail(cli);
		else
			rc = show(cli, st, cat, doc, NULL);
	} else if (strcmp(sub, "grade") == 0) {
		json_t *res = NULL;
		if (cg_incident_grade(st, cat, id, cli->lang, &res, &cli->err) != CG_OK)
			rc = cli_fail(cli);
		else if (cli->json)
			rc = cli_print_tree(cli, res);
		else
			print_grade(cli, res);
		json_decref(res);
	} else if (strcmp(sub, "list") == 0) {
		json_t *list = NULL, *e;
		size_t i;
		if (vals[0] && strcmp(vals[0], "open") != 0 && strcmp(vals[0], "closed") != 0) {
			rc = cli_usage(cli, "incident", N_("--status: expected open or closed, got '%s'"), vals[0]);
		} else if (cg_incident_list(st, vals[0], &list, &cli->err) != CG_OK) {
			rc = cli_fail(cli);
		} else if (cli->json) {
			rc = cli_print_tree(cli, list);
		} else {
			json_array_foreach(list, i, e) {
				json_t *disc = json_object_get(e, "discovered_at");
				int64_t ms = 0;
				char t[40] = "";
				if (cg_rfc3339_parse(json_string_value(disc) ? json_string_value(disc) : "", &ms))
					cg_time_shanghai(ms, t);
				printf("%-22s  %-25s  %-8s  ", json_string_value(json_object_get(e, "id")), t,
				       cli_label(cli, "incident_status", json_string_value(json_object_get(e, "status"))));
				cli_pad(stdout, cli_label(cli, "grade", json_string_value(json_object_get(e, "grade"))), 18);
				printf("  %s\n", json_string_value(json_object_get(e, "title")) ? json_string_value(json_object_get(e, "title")) : "");
			}
			printf(T(cli, "%zu incidents\n"), json_array_size(list));
		}
		json_decref(list);
	} else if (strcmp(sub, "action") == 0) {
		if (cg_incident_action(st, cli->actor, cat, id, text, vals[0], &cli->err) != CG_OK)
			rc = cli_fail(cli);
		else if (cg_incident_get(st, id, &doc, &cli->err) != CG_OK)
			rc = cli_fail(cli);
		else if (cli->json)
			rc = cli_print_tree(cli, json_object_get(doc, "actions"));
		else
			printf(T(cli, "Recorded the action in incident %s.\n"), id);
	} else if (strcmp(sub, "submit") == 0) {
		char sha[CG_HASH_HEX];
		struct cg_buf b;
		cg_buf_init(&b, 0);
		struct cg_incident_submission s = { vals[0], vals[1], vals[3], vals[2], sha };
		if (vals[4]) {
			size_t len;
			char *data = cli_read_input(cli, vals[4], &len);
			if (!data) {
				rc = cli_fail(cli);
			} else {
				cg_sha256_hex(data, len, sha);
				free(data);
			}
		} else if (cg_incident_report(st, cat, id, vals[0], "md", cli->lang, &b, &cli->err) != CG_OK) {
			rc = cli_fail(cli);
		} else {
			cg_sha256_hex(b.ptr ? b.ptr : "", b.len, sha);
		}
		cg_buf_release(&b);
		if (rc == EXIT_OK && cg_incident_submit(st, cli->actor, cat, id, &s, &cli->err) != CG_OK)
			rc = cli_fail(cli);
		else if (rc == EXIT_OK && cli->json) {
			json_t *o = json_pack("{s:s,s:s,s:s,s:s}", "incident", id, "kind", vals[0], "to", vals[1], "sha256", sha);
			rc = cli_print_tree(cli, o);
			json_decref(o);
		} else if (rc == EXIT_OK) {
			printf(T(cli, "Recorded the %s to %s for incident %s (sha256 %s).\n"),
			       cli_label(cli, "report_kind", vals[0]), cli_label(cli, "recipient", vals[1]), id, sha);
		}
	} else if (strcmp(sub, "report") == 0) {
		struct cg_buf b;
		cg_buf_init(&b, 0);
		if (cg_incident_report(st, cat, id, vals[0], vals[1] ? vals[1] : cli->json ? "json" : "md", cli->lang, &b,
				       &cli->err) != CG_OK)
			rc = cli_fail(cli);
		else
			rc = write_output(cli, vals[2], b.ptr ? b.ptr : "", b.len);
		cg_buf_release(&b);
	}
out:
	json_decref(doc);
	json_decref(fields);
	cg_catalog_free(cat);
	cg_store_free(st);
	return rc;
}

int cmd_due(struct cli *cli, int argc, char **argv)
{
	struct cg_store *st = NULL;
	struct cg_catalog *cat = NULL;
	const char *within = NULL;
	int64_t ms = -1;
	json_t *res = NULL;
	int rc = EXIT_OK;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(T(cli, due_help), stdout);
			return EXIT_OK;
		} else if (cli_opt(argv[i], "within")) {
			if (!(within = cli_optval(cli, "due", argc, argv, &i, &rc)))
				return rc;
		} else {
			return cli_usage(cli, "due", N_("unexpected argument '%s'"), argv[i]);
		}
	}
	if (within && cg_parse_duration(within, &ms) != 0)
		return cli_usage(cli, "due", N_("--within: expected a duration such as 30m, 24h or 7d, got '%s'"), within);
	if (!(st = cli_open(cli, false)) || cg_catalog_open(st, &cat, &cli->err) != CG_OK ||
	    cg_due(st, cat, ms, cli->lang, &res, &cli->err) != CG_OK) {
		rc = cli_fail(cli);
	} else {
		if (cli->json)
			rc = cli_print_tree(cli, res);
		else {
			print_deadlines(cli, json_object_get(res, "deadlines"));
			printf(T(cli, "%lld open deadlines, %lld overdue (now %s).\n"),
			       (long long)json_integer_value(json_object_get(res, "open")),
			       (long long)json_integer_value(json_object_get(res, "overdue")),
			       json_string_value(json_object_get(res, "now")));
		}
		if (rc == EXIT_OK && json_integer_value(json_object_get(res, "overdue")) > 0)
			rc = EXIT_OVERDUE;
	}
	json_decref(res);
	cg_catalog_free(cat);
	cg_store_free(st);
	return rc;
}
