/*
 * The governance registers on the command line: `ciiguard vendor|agreement|procurement|person
 * add|update|show|list|delete|import`, and `ciiguard registers`, what they say about the duties.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>

#include "cli.h"
#include "banned.h"

static const char help[] = N_(
	"Usage: ciiguard KIND add [--input FILE|-] [--FIELD VALUE ...]\n"
	"       ciiguard KIND update ID [--input FILE|-] [--FIELD VALUE ...]\n"
	"       ciiguard KIND show ID\n"
	"       ciiguard KIND list\n"
	"       ciiguard KIND delete ID\n"
	"       ciiguard KIND import FILE|- [--update] [--format json|csv]\n"
	"       ciiguard KIND export [--format json|csv]\n"
	"       ciiguard decision|assessment approve ID --by PERSON [--on DATE]\n\n"
	"The governance registers; KIND is one of:\n"
	"  vendor       providers (Arts. 19-20): name, kind (foundation_model_provider, cloud,\n"
	"               saas_ai_tool, systems_integrator, managed_service, outsourcing_team,\n"
	"               other), supplies, systems, models, contact, and the trust review:\n"
	"               review_date, review_supply_continuity (assured, at_risk, unknown),\n"
	"               review_remote_access, review_sensitive_data, review_local_deployment,\n"
	"               review_meets_cn_requirements, review_notes\n"
	"  agreement    security and confidentiality agreements (Art. 20): vendor, title,\n"
	"               signed_on, expires_on, technical_support, confidentiality,\n"
	"               incident_reporting, remote_access_limits, notes\n"
	"  procurement  procurements and the cybersecurity review (Art. 19): title, amount_cny,\n"
	"               category, vendor, systems, affects_national_security, review_status\n"
	"               (none, filed, not_required, preliminary, complex, special, cleared,\n"
	"               refused), filed_on, review_started_on, in_use_since, notes\n"
	"  person       people (Arts. 13-16, 43): name, role (principal, security_head,\n"
	"               security_member, staff), key_positions, background_check_on,\n"
	"               background_check_result and identity_change (personal: the audit\n"
	"               trail keeps only their hash), identity_changed_on, training_hours\n"
	"               (YEAR:HOURS,...), ban (none, administrative, criminal), ban_since\n"
	"  decision     title, kind (project_selection, architecture, vendor_onboarding,\n"
	"               major_change, migration, decommissioning), decided_on, systems,\n"
	"               participants (person ids), principal_approval_on,\n"
	"               principal_approval_by (a person with role principal), notes\n"
	"  assessment   kind (self, service_institution), institution, systems, performed_on,\n"
	"               findings, highest_severity, remediation_owner, remediation_due,\n"
	"               remediation_done_on, submitted_on, principal_approval_on,\n"
	"               principal_approval_by\n"
	"  plan         title, systems, approved_on, notes\n"
	"  drill        plan, kind (tabletop, switchover, full), performed_on, participants,\n"
	"               findings, follow_up_due, follow_up_done_on\n"
	"  change       kind (material_change, merger, division, dissolution), systems,\n"
	"               occurred_on, description, reported_on, reidentified_on\n"
	"  pentest      systems, status (scheduled, done, cancelled), tester, authorised_by,\n"
	"               authorisation_ref, scope, window_start, window_end, performed_on\n"
	"  vulnerability title, systems, found_on, severity, endangers_public_interest,\n"
	"               reported_on, fixed_on\n"
	"  filing       kind (genai_security_assessment, algorithm_filing), systems,\n"
	"               launched_on, filed_on, changed_on, change_filed_on, cancelled_on,\n"
	"               cancellation_filed_on, filing_number\n"
	"  pi-audit     systems, performed_on, auditor, findings\n"
	"  inspection   authority, inspected_on, systems, findings, follow_up_due,\n"
	"               follow_up_done_on\n"
	"Lists are comma-separated as options; booleans yes/no. Dates are YYYY-MM-DD.\n"
	"import reads a JSON array of records, or CSV (a header of field names; a FILE ending in\n"
	"  .csv), all or nothing; export writes them.\n"
	"approve records the principal person in charge's approval (today unless --on).\n"
	"'ciiguard registers' lists what the records show: gaps and deadlines; the obligations\n"
	"  the records prove take their status from them.\n");

static const char registers_help[] = N_(
	"Usage: ciiguard registers\n\n"
	"What the governance registers show about the duties, by the rules of the catalog: a\n"
	"provider serving CII without a current agreement, agreements to renew or lacking the duties\n"
	"they must state, procurements that need a cybersecurity review (and those in use without\n"
	"clearance, with the Art. 41 fine of 1-10 times the amount), the review office's clocks in\n"
	"working days, key positions with fewer than two people, background checks missing or due\n"
	"again, training hours short of the year's 30. Exit code 3 when a gap or deadline is overdue.\n");

static json_t *option_value(const struct cg_rfield *f, const char *v)
{
	return cg_record_value_from_text(f, v);
}

static int read_fields(struct cli *cli, const struct cg_rkind *k, int argc, char **argv, int start, json_t **out)
{
	json_t *fields = json_object();
	int rc = EXIT_OK;

	*out = NULL;
	for (int i = start; fields && i < argc; i++) {
		char name[64];
		const char *value, *eq = strchr(argv[i], '=');
		if (strncmp(argv[i], "--", 2) != 0 || strlen(argv[i]) < 3) {
			json_decref(fields);
			return cli_usage(cli, k->name, N_("unexpected argument '%s'"), argv[i]);
		}
		snprintf(name, sizeof name, "%.*s", (int)(eq ? (size_t)(eq - argv[i] - 2) : strlen(argv[i] + 2)), argv[i] + 2);
		for (char *p = name; *p; p++)
			if (*p == '-')
				*p = '_';
		if (!(value = cli_optval(cli, k->name, argc, argv, &i, &rc))) {
			json_decref(fields);
			return rc;
		}
		if (strcmp(name, "input") == 0) {
			size_t len;
			json_error_t jerr;
			char *data = cli_read_input(cli, value, &len);
			json_t *in = data ? json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
			const char *key;
			json_t *v;
			free(data);
			if (!json_is_object(in)) {
				json_decref(in);
				json_decref(fields);
				if (!cli->err.code)
					cg_error_set(&cli->err, CG_E_INVALID, "input", N_("--input: expected a JSON object (line %d: %s)"),
						     jerr.line, jerr.text);
				return cli_fail(cli);
			}
			json_object_foreach(in, key, v)
				if (!json_object_get(fields, key))
					json_object_set(fields, key, v);
			json_decref(in);
			continue;
		}
		const struct cg_rfield *f = NULL;
		for (const struct cg_rfield *g = k->fields; g->name; g++)
			if (strcmp(g->name, name) == 0)
				f = g;
		if (!f && strcmp(name, "id") != 0) {
			json_decref(fields);
			return cli_usage(cli, k->name, N_("unknown option '--%s'"), name);
		}
		json_object_set_new(fields, name, f ? (*value ? option_value(f, value) : json_null()) : json_string(value));
	}
	if (!fields) {
		cg_error_set(&cli->err, CG_E_NOMEM, NULL, N_("out of memory"));
		return cli_fail(cli);
	}
	*out = fields;
	return EXIT_OK;
}

static void print_doc(const struct cg_rkind *k, json_t *doc)
{
	const char *key;
	json_t *v;
	printf("%-32s %s\n", "id", json_string_value(json_object_get(doc, "id")));
	for (const struct cg_rfield *f = k->fields; f->name; f++) {
		v = json_object_get(doc, f->name);
		if (!v)
			continue;
		char *text = json_is_string(v) ? NULL : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		printf("%-32s %s\n", f->name, text ? text : json_string_value(v));
		free(text);
	}
	json_object_foreach(doc, key, v)
		if (strcmp(key, "created_at") == 0 || strcmp(key, "updated_at") == 0)
			printf("%-32s %s\n", key, json_string_value(v));
}

int cmd_register(struct cli *cli, int argc, char **argv)
{
	char kname[32];
	snprintf(kname, sizeof kname, "%s", argv[0]);
	for (char *p = kname; *p; p++)
		if (*p == '-')
			*p = '_';
	const struct cg_rkind *k = cg_rkind_find(kname);
	struct cg_store *st = NULL;
	struct cg_catalog *cat = NULL;
	json_t *fields = NULL, *doc = NULL;
	const char *sub, *id = NULL, *path = NULL;
	bool update = false;
	int rc = EXIT_OK;

	if (!k || cli_help_wanted(cli, help, argc, argv, &rc))
		return k ? rc : EXIT_USAGE;
	sub = argv[1];
	static const char *const subs[] = { "add", "update", "show", "list", "delete", "import", "export", "approve", NULL };
	bool known = false;
	for (int i = 0; subs[i]; i++)
		known |= strcmp(subs[i], sub) == 0;
	if (!known)
		return cli_usage(cli, k->name, N_("unknown subcommand '%s'"), sub);
	bool approvable = false;
	for (const struct cg_rfield *f = k->fields; f->name; f++)
		approvable |= strcmp(f->name, "principal_approval_by") == 0;
	if (strcmp(sub, "approve") == 0 && !approvable)
		return cli_usage(cli, k->name, N_("%s records are not approved by the principal person in charge"), k->name);
	const char *format = NULL;
	if (strcmp(sub, "add") != 0 && strcmp(sub, "list") != 0 && strcmp(sub, "export") != 0) {
		if (argc < 3 || (strncmp(argv[2], "--", 2) == 0 && strcmp(sub, "import") != 0))
			return cli_usage(cli, k->name, N_("%s needs %s"), sub, strcmp(sub, "import") == 0 ? "FILE" : "ID");
		id = argv[2];
	}
	if (strcmp(sub, "add") == 0 || strcmp(sub, "update") == 0) {
		if ((rc = read_fields(cli, k, argc, argv, strcmp(sub, "add") == 0 ? 2 : 3, &fields)) != EXIT_OK)
			return rc;
	} else if (strcmp(sub, "approve") == 0) {
		/* approve ID --by PERSON [--on DATE]: the principal's approval, an update of two fields */
		const char *by = NULL, *on = NULL;
		for (int i = 3; i < argc; i++) {
			const char **v = cli_opt(argv[i], "by") ? &by : cli_opt(argv[i], "on") ? &on : NULL;
			if (!v)
				return cli_usage(cli, k->name, N_("unexpected argument '%s'"), argv[i]);
			if (!(*v = cli_optval(cli, k->name, argc, argv, &i, &rc)))
				return rc;
		}
		if (!by)
			return cli_usage(cli, k->name, N_("approve needs --by PERSON (the principal person in charge)"));
		char now[CG_TIME_MAX], today[11] = "";
		if (!on && cg_now(now, &cli->err) != CG_OK)
			return cli_fail(cli);
		if (!on)
			snprintf(today, sizeof today, "%.10s", now);
		fields = json_pack("{s:s,s:s}", "principal_approval_by", by, "principal_approval_on", on ? on : today);
		sub = "update";
	} else if (strcmp(sub, "import") == 0 || strcmp(sub, "export") == 0) {
		path = id;
		for (int i = strcmp(sub, "import") == 0 ? 3 : 2; i < argc; i++) {
			if (strcmp(argv[i], "--update") == 0 && strcmp(sub, "import") == 0) {
				update = true;
			} else if (cli_opt(argv[i], "format")) {
				if (!(format = cli_optval(cli, k->name, argc, argv, &i, &rc)))
					return rc;
				if (strcmp(format, "csv") != 0 && strcmp(format, "json") != 0)
					return cli_usage(cli, k->name, N_("--format: expected json or csv, got '%s'"), format);
			} else {
				return cli_usage(cli, k->name, N_("unexpected argument '%s'"), argv[i]);
			}
		}
	} else if (argc > (id ? 3 : 2)) {
		return cli_usage(cli, k->name, N_("unexpected argument '%s'"), argv[id ? 3 : 2]);
	}
	if (!(st = cli_open(cli, false)) || cg_catalog_open(st, &cat, &cli->err) != CG_OK) {
		rc = cli_fail(cli);
		goto out;
	}
	if (strcmp(sub, "add") == 0 || strcmp(sub, "update") == 0 || strcmp(sub, "show") == 0) {
		cg_code r = strcmp(sub, "add") == 0 ? cg_record_add(st, cli->actor, cat, k, fields, &doc, &cli->err) :
			    strcmp(sub, "update") == 0 ? cg_record_update(st, cli->actor, cat, k, id, fields, &doc, &cli->err) :
			    cg_record_get(st, k, id, &doc, &cli->err);
		if (r != CG_OK)
			rc = cli_fail(cli);
		else if (cli->json)
			rc = cli_print_tree(cli, doc);
		else
			print_doc(k, doc);
	} else if (strcmp(sub, "list") == 0) {
		json_t *list = NULL, *e;
		size_t i;
		if (cg_record_list(st, k, &list, &cli->err) != CG_OK) {
			rc = cli_fail(cli);
		} else if (cli->json) {
			rc = cli_print_tree(cli, list);
		} else {
			json_array_foreach(list, i, e) {
				const char *name = json_string_value(json_object_get(e, "name"));
				if (!name)
					name = json_string_value(json_object_get(e, "title"));
				if (!name)
					name = json_string_value(json_object_get(e, "vendor"));
				printf("%-20s  %s\n", json_string_value(json_object_get(e, "id")), name ? name : "");
			}
			printf(T(cli, "%zu records\n"), json_array_size(list));
		}
		json_decref(list);
	} else if (strcmp(sub, "delete") == 0) {
		if (cg_record_delete(st, cli->actor, k, id, &cli->err) != CG_OK)
			rc = cli_fail(cli);
		else if (!cli->json)
			printf(T(cli, "Deleted %s '%s'.\n"), k->name, id);
		else
			printf("{\n  \"deleted\": true\n}\n");
	} else if (strcmp(sub, "export") == 0) {
		json_t *list = NULL;
		struct cg_buf b;
		cg_buf_init(&b, 0);
		if (cg_record_list(st, k, &list, &cli->err) != CG_OK)
			rc = cli_fail(cli);
		else if (format && strcmp(format, "csv") == 0 && cg_record_csv(k, list, &b, &cli->err) != CG_OK)
			rc = cli_fail(cli);
		else if (format && strcmp(format, "csv") == 0)
			fwrite(b.ptr ? b.ptr : "", 1, b.len, stdout);
		else
			rc = cli_print_tree(cli, list);
		cg_buf_release(&b);
		json_decref(list);
	} else {
		size_t len, created, updated;
		json_error_t jerr;
		char *data = cli_read_input(cli, path, &len);
		bool csv = format ? strcmp(format, "csv") == 0 :
			   strlen(path) > 4 && strcasecmp(path + strlen(path) - 4, ".csv") == 0;
		json_t *arr = NULL;
		if (data && csv) {
			if (cg_record_parse_csv(k, data, len, &arr, &cli->err) != CG_OK) {
				free(data);
				rc = cli_fail(cli);
				goto out;
			}
		} else if (data) {
			arr = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
		}
		free(data);
		if (!data) {
			rc = cli_fail(cli);
		} else if (!arr) {
			cg_error_set(&cli->err, CG_E_INVALID, NULL, N_("not valid JSON (line %d, column %d): %s"), jerr.line,
				     jerr.column, jerr.text);
			rc = cli_fail(cli);
		} else if (cg_record_import(st, cli->actor, cat, k, arr, update, &created, &updated, &cli->err) != CG_OK) {
			rc = cli_fail(cli);
		} else if (cli->json) {
			printf("{\n  \"created\": %zu,\n  \"updated\": %zu\n}\n", created, updated);
		} else {
			printf(T(cli, "Imported %zu records: %zu created, %zu updated.\n"), created + updated, created, updated);
		}
		json_decref(arr);
	}
out:
	json_decref(doc);
	json_decref(fields);
	cg_catalog_free(cat);
	cg_store_free(st);
	return rc;
}

int cmd_registers(struct cli *cli, int argc, char **argv)
{
	struct cg_store *st = NULL;
	struct cg_catalog *cat = NULL;
	json_t *res = NULL, *f;
	size_t i;
	bool overdue = false;
	int rc = EXIT_OK;

	for (int k = 1; k < argc; k++) {
		if (strcmp(argv[k], "--help") == 0 || strcmp(argv[k], "-h") == 0) {
			fputs(T(cli, registers_help), stdout);
			return EXIT_OK;
		}
		return cli_usage(cli, "registers", N_("unexpected argument '%s'"), argv[k]);
	}
	if (!(st = cli_open(cli, false)) || cg_catalog_open(st, &cat, &cli->err) != CG_OK ||
	    cg_register_findings(st, cat, cli->lang, &res, &cli->err) != CG_OK) {
		rc = cli_fail(cli);
	} else {
		json_array_foreach(json_object_get(res, "findings"), i, f)
			overdue |= json_is_true(json_object_get(f, "overdue"));
		if (cli->json) {
			rc = cli_print_tree(cli, res);
		} else {
			json_array_foreach(json_object_get(res, "findings"), i, f) {
				const char *due = json_string_value(json_object_get(f, "due"));
				const char *detail = json_string_value(json_object_get(f, "detail"));
				printf("%s%s %s [%s] %s%s%s%s%s\n", json_is_true(json_object_get(f, "overdue")) ? T(cli, "OVERDUE ") : "",
				       json_string_value(json_object_get(f, "register")), json_string_value(json_object_get(f, "id")),
				       json_string_value(json_object_get(f, "source")), json_string_value(json_object_get(f, "text")),
				       due ? " - " : "", due ? due : "", detail ? " - " : "", detail ? detail : "");
			}
			printf(T(cli, "%zu findings.\n"), json_array_size(json_object_get(res, "findings")));
		}
	}
	json_decref(res);
	cg_catalog_free(cat);
	cg_store_free(st);
	return rc == EXIT_OK && overdue ? EXIT_OVERDUE : rc;
}
