/* `ciiguard catalog`: the rule libraries, built into the binary or imported into the database. */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "cli.h"
#include "banned.h"

static const char help[] = N_(
	"Usage: ciiguard catalog list\n"
	"       ciiguard catalog show URN|REF_ID [--node URN|REF_ID|ID]\n"
	"       ciiguard catalog import FILE|-\n\n"
	"The catalog holds the rules ciiguard applies: the libraries built into this binary\n"
	"and those imported into the database. A library is a YAML file in the framework\n"
	"format of CISO Assistant, extended with ciiguard's keys (docs/catalog-format.md).\n\n"
	"  list     the libraries: urn, ref_id, version, locale, requirement nodes, origin\n"
	"  show     a library's requirement tree and its rules, in the --lang language where\n"
	"           the library translates them; --node shows one item (with --json, as is)\n"
	"  import   stores a library in the database (audited). It replaces an earlier import\n"
	"           with the same urn, and a built-in library when its version is higher.\n"
	"           Keys ciiguard does not know are kept and reported as warnings; errors name\n"
	"           the file and the line, and leave the database unchanged.\n\n"
	"list and show work without a database (the built-in libraries only); import needs\n"
	"one created by 'ciiguard init'.\n");

/* Opens the database when there is one (NULL, without error, when there is none). */
static int open_optional(struct cli *cli, struct cg_store **st)
{
	cg_code r = cg_store_open(cli->db, 0, st, &cli->err);

	if (r == CG_E_NOTFOUND) {
		*st = NULL;
		cg_error_init(&cli->err, cli->lang);
		return EXIT_OK;
	}
	return r == CG_OK ? EXIT_OK : cli_fail(cli);
}

static void print_warnings(struct cli *cli, const struct cg_warnings *w)
{
	for (size_t i = 0; i < w->n; i++)
		fprintf(stderr, "ciiguard: %s: %s\n", T(cli, "warning"), w->v[i]);
}

static json_t *warnings_json(const struct cg_warnings *w)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < w->n; i++)
		if (json_array_append_new(a, json_string(w->v[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* Prints a JSON tree (consumed) as the command's document. */
static int print_tree(struct cli *cli, json_t *doc)
{
	int rc = cli_print_tree(cli, doc);

	json_decref(doc);
	return rc;
}

/* A ref_id or similar scalar as text in `buf` ("" when absent); returns buf. */
static const char *scalar_text(const json_t *v, char *buf, size_t n)
{
	if (json_is_string(v))
		snprintf(buf, n, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(buf, n, "%lld", (long long)json_integer_value(v));
	else if (n)
		buf[0] = '\0';
	return buf;
}

static int do_list(struct cli *cli, struct cg_catalog *cat)
{
	size_t n = cg_catalog_library_count(cat);

	if (cli->json)
		return print_tree(cli, cg_catalog_list(cat, cli->lang));
	print_warnings(cli, cg_catalog_warnings(cat));
	const char *heads[] = { T(cli, "URN"), T(cli, "Ref ID"), T(cli, "Version"), T(cli, "Locale"),
				T(cli, "Nodes"), T(cli, "Origin") };
	size_t w[6];
	char buf[6][128];
	for (int k = 0; k < 6; k++)
		w[k] = cg_text_width(heads[k]);
	for (size_t i = 0; i < n; i++) {
		json_t *lib = cg_catalog_library(cat, i, NULL);
		size_t wu = cg_text_width(json_string_value(json_object_get(lib, "urn")));
		size_t wr = cg_text_width(scalar_text(json_object_get(lib, "ref_id"), buf[0], sizeof buf[0]));
		w[0] = wu > w[0] ? wu : w[0];
		w[1] = wr > w[1] ? wr : w[1];
	}
	for (int k = 0; k < 5; k++)
		cli_pad(stdout, heads[k], w[k] + 2);
	printf("%s\n", heads[5]);
	for (size_t i = 0; i < n; i++) {
		bool builtin;
		json_t *lib = cg_catalog_library(cat, i, &builtin);
		const char *locale = json_string_value(json_object_get(lib, "locale"));
		cli_pad(stdout, json_string_value(json_object_get(lib, "urn")), w[0] + 2);
		cli_pad(stdout, scalar_text(json_object_get(lib, "ref_id"), buf[1], sizeof buf[1]), w[1] + 2);
		snprintf(buf[2], sizeof buf[2], "%lld", (long long)json_integer_value(json_object_get(lib, "version")));
		cli_pad(stdout, buf[2], w[2] + 2);
		cli_pad(stdout, locale ? locale : "-", w[3] + 2);
		snprintf(buf[4], sizeof buf[4], "%zu", json_array_size(cg_catalog_objects(lib, "requirement_nodes")));
		cli_pad(stdout, buf[4], w[4] + 2);
		printf("%s\n", builtin ? T(cli, "built-in") : T(cli, "imported"));
	}
	printf(T(cli, "%zu libraries\n"), n);
	return EXIT_OK;
}

/* The first line of `s`, cut at about `max` bytes on a character boundary. */
static void first_line(const char *s, char *out, size_t max)
{
	size_t n = strcspn(s, "\n");
	bool cut = n > max || s[n] == '\n';

	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	snprintf(out, max + 8, "%.*s%s", (int)n, s, cut && s[n] ? "…" : "");
}

/* "Order 745 Art. 17, effective 2021-09-01, firm" of an item with provenance, or "". */
static void provenance(struct cli *cli, const struct cg_catalog *cat, const json_t *item, char *out, size_t n)
{
	char src[CG_CATALOG_SOURCE_MAX];
	const char *eff = json_string_value(json_object_get(item, "effective"));
	const char *conf = json_string_value(json_object_get(item, "confidence"));

	cg_catalog_source(cat, item, cli->lang, src, sizeof src);
	snprintf(out, n, "%s%s%s%s%s", src, eff && *src ? ", " : "", eff ? eff : "",
		 conf && (*src || eff) ? ", " : "", conf ? conf : "");
}

static void show_tree(struct cli *cli, const json_t *lib)
{
	json_t *nodes = cg_catalog_objects(lib, "requirement_nodes"), *node, *depths = json_object();
	size_t i;

	printf("%s: %zu\n", T(cli, "Requirement nodes"), json_array_size(nodes));
	json_array_foreach(nodes, i, node) {
		const char *urn = json_string_value(json_object_get(node, "urn"));
		const char *parent = json_string_value(json_object_get(node, "parent_urn"));
		const char *name = cg_catalog_text(node, "name", cli->lang);
		json_int_t d = json_integer_value(json_object_get(node, "depth"));
		char ref[128], line[300];

		if (d < 1)
			d = parent ? json_integer_value(json_object_get(depths, parent)) + 1 : 1;
		json_object_set_new(depths, urn, json_integer(d));
		if (!name)
			name = cg_catalog_text(node, "description", cli->lang);
		first_line(name ? name : "", line, 200);
		scalar_text(json_object_get(node, "ref_id"), ref, sizeof ref);
		printf("%*s%s%s%s\n", (int)(2 * d), "", ref, *ref && *line ? "  " : "", line);
	}
	json_decref(depths);
}

static void show_items(struct cli *cli, const struct cg_catalog *cat, const json_t *lib, const char *kind,
		       const char *title)
{
	json_t *list = cg_catalog_objects(lib, kind), *item;
	size_t i;

	if (!json_array_size(list))
		return;
	printf("%s: %zu\n", T(cli, title), json_array_size(list));
	json_array_foreach(list, i, item) {
		const char *text = cg_catalog_text(item, "text", cli->lang);
		const char *perim = json_string_value(json_object_get(item, "perimeter"));
		char src[CG_CATALOG_SOURCE_MAX], line[300];
		cg_catalog_source(cat, item, cli->lang, src, sizeof src);
		first_line(text ? text : "", line, 200);
		printf("  %s%s%s%s%s%s\n", json_string_value(json_object_get(item, "id")),
		       perim ? " -> " : "", perim ? perim : "", *src ? "  [" : "", src, *src ? "]" : "");
		if (*line)
			printf("    %s\n", line);
	}
}

static int show_library(struct cli *cli, const struct cg_catalog *cat, const json_t *lib, bool builtin)
{
	const char *name = cg_catalog_text(lib, "name", cli->lang);
	const char *desc = cg_catalog_text(lib, "description", cli->lang);
	const char *locale = json_string_value(json_object_get(lib, "locale"));
	const char *provider = json_string_value(json_object_get(lib, "provider"));
	char ref[128];

	printf("%s\n", name ? name : "");
	printf("  %s: %s\n", T(cli, "URN"), json_string_value(json_object_get(lib, "urn")));
	if (json_object_get(lib, "ref_id"))
		printf("  %s: %s\n", T(cli, "Ref ID"), scalar_text(json_object_get(lib, "ref_id"), ref, sizeof ref));
	printf("  %s: %lld (%s)\n", T(cli, "Version"), (long long)json_integer_value(json_object_get(lib, "version")),
	       builtin ? T(cli, "built-in") : T(cli, "imported"));
	if (locale)
		printf("  %s: %s\n", T(cli, "Locale"), locale);
	if (provider)
		printf("  %s: %s\n", T(cli, "Provider"), provider);
	if (desc)
		printf("  %s: %s\n", T(cli, "Description"), desc);
	show_tree(cli, lib);
	show_items(cli, cat, lib, "screening_rules", N_("Screening rules"));
	show_items(cli, cat, lib, "penalties", N_("Penalties"));
	show_items(cli, cat, lib, "ai_scenarios", N_("AI scenarios"));
	return EXIT_OK;
}

/* One item: its name and description in the language, its source, then its other keys. */
static int show_item(struct cli *cli, const struct cg_catalog *cat, const json_t *item)
{
	static const char *const shown[] = { "urn", "id", "ref_id", "name", "description", "text",
					     "translations", "source", "effective", "confidence", NULL };
	const char *name = cg_catalog_text(item, "name", cli->lang);
	const char *desc = cg_catalog_text(item, "description", cli->lang);
	const char *text = cg_catalog_text(item, "text", cli->lang);
	const char *id = json_string_value(json_object_get(item, "urn"));
	const char *key;
	json_t *v;
	char ref[128], prov[CG_CATALOG_SOURCE_MAX + 64];

	if (!id)
		id = json_string_value(json_object_get(item, "id"));
	scalar_text(json_object_get(item, "ref_id"), ref, sizeof ref);
	printf("%s%s%s\n", ref, *ref && name ? "  " : "", name ? name : *ref ? "" : id);
	printf("  %s: %s\n", T(cli, "Id"), id);
	if (desc)
		printf("  %s: %s\n", T(cli, "Description"), desc);
	if (text)
		printf("  %s: %s\n", T(cli, "Text"), text);
	provenance(cli, cat, item, prov, sizeof prov);
	if (*prov)
		printf("  %s: %s\n", T(cli, "Source"), prov);
	json_object_foreach((json_t *)item, key, v) {
		bool skip = false;
		for (int i = 0; shown[i]; i++)
			skip |= strcmp(shown[i], key) == 0;
		if (skip)
			continue;
		if (json_is_string(v)) {
			printf("  %s: %s\n", key, json_string_value(v));
		} else {
			char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
			printf("  %s: %s\n", key, s ? s : "?");
			free(s);
		}
	}
	return EXIT_OK;
}

static int do_show(struct cli *cli, struct cg_catalog *cat, int argc, char **argv)
{
	const char *key = NULL, *node = NULL;
	json_t *lib, *item;
	bool builtin;
	int rc = EXIT_OK;

	for (int i = 2; i < argc; i++) {
		if (cli_opt(argv[i], "node")) {
			if (!(node = cli_optval(cli, "catalog", argc, argv, &i, &rc)))
				return rc;
		} else if (!key && strncmp(argv[i], "--", 2) != 0) {
			key = argv[i];
		} else {
			return cli_usage(cli, "catalog", N_("unexpected argument '%s'"), argv[i]);
		}
	}
	if (!key)
		return cli_usage(cli, "catalog", N_("show needs the urn or ref_id of a library"));
	if (!(lib = cg_catalog_library_find(cat, key, &builtin))) {
		cg_error_set(&cli->err, CG_E_NOTFOUND, NULL, N_("no library has the urn or ref_id '%s'"), key);
		return cli_fail(cli);
	}
	if (node) {
		if (!(item = cg_catalog_library_item(lib, node))) {
			cg_error_set(&cli->err, CG_E_NOTFOUND, "node", N_("the library '%s' has no item '%s'"), key, node);
			return cli_fail(cli);
		}
		return cli->json ? print_tree(cli, json_incref(item)) : show_item(cli, cat, item);
	}
	return cli->json ? print_tree(cli, json_incref(lib)) : show_library(cli, cat, lib, builtin);
}

/* The file name without its directories, as messages name it. */
static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (strcmp(path, "-") == 0)
		return "stdin";
	return slash && slash[1] ? slash + 1 : path;
}

static int do_import(struct cli *cli, int argc, char **argv)
{
	struct cg_catalog_import_result res;
	struct cg_warnings w = { 0 };
	struct cg_store *st;
	char *data;
	size_t len;
	int rc;

	if (argc != 3 || (strncmp(argv[2], "--", 2) == 0 && strcmp(argv[2], "-") != 0))
		return argc > 3 ? cli_usage(cli, "catalog", N_("unexpected argument '%s'"), argv[3]) :
		       cli_usage(cli, "catalog", N_("import needs a file name, or - for standard input"));
	if (!(st = cli_open(cli, false)))
		return cli_fail(cli);
	if (!(data = cli_read_input(cli, argv[2], &len))) {
		rc = cli_fail(cli);
	} else if (cg_catalog_import_ex(st, cli->actor, base_name(argv[2]), data, len, &res, &w, &cli->err) != CG_OK) {
		rc = cli_fail(cli);
	} else if (cli->json) {
		rc = print_tree(cli, json_pack("{s:s,s:I,s:I,s:b,s:o*}", "imported", res.urn,
					       "version", (json_int_t)res.version, "requirement_nodes",
					       (json_int_t)res.nodes, "replaced", res.replaced,
					       "warnings", warnings_json(&w)));
	} else {
		print_warnings(cli, &w);
		printf(res.replaced ? T(cli, "Replaced the imported library %s (version %lld, %zu requirement nodes).\n") :
		       T(cli, "Imported the library %s (version %lld, %zu requirement nodes).\n"),
		       res.urn, (long long)res.version, res.nodes);
		rc = EXIT_OK;
	}
	free(data);
	cg_warnings_release(&w);
	cg_store_free(st);
	return rc;
}

int cmd_catalog(struct cli *cli, int argc, char **argv)
{
	struct cg_store *st = NULL;
	struct cg_catalog *cat = NULL;
	const char *sub;
	int rc;

	if (cli_help_wanted(cli, help, argc, argv, &rc))
		return rc;
	sub = argv[1];
	if (strcmp(sub, "import") == 0)
		return do_import(cli, argc, argv);
	if (strcmp(sub, "list") && strcmp(sub, "show"))
		return cli_usage(cli, "catalog", N_("unknown subcommand '%s'"), sub);
	if (strcmp(sub, "list") == 0 && argc != 2)
		return cli_usage(cli, "catalog", N_("unexpected argument '%s'"), argv[2]);
	if ((rc = open_optional(cli, &st)) != EXIT_OK)
		return rc;
	if (cg_catalog_open(st, &cat, &cli->err) != CG_OK)
		rc = cli_fail(cli);
	else if (strcmp(sub, "list") == 0)
		rc = do_list(cli, cat);
	else
		rc = do_show(cli, cat, argc, argv);
	cg_catalog_free(cat);
	cg_store_free(st);
	return rc;
}
