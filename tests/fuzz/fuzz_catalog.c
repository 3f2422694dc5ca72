/*
 * libFuzzer harness for the catalog parser (YAML libraries): any input either fails with a
 * message that names the file, or yields a library whose tree serialises, in both modes, and
 * whose items' sources are cited (cg_catalog_source, which parses the article) in both
 * languages within the buffer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ciiguard/ciiguard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Cites the source of every item of every list of objects (and of the framework's nodes). */
static void cite_all(const json_t *lib)
{
	json_t *objects = json_object_get(lib, "objects"), *list, *item;
	const char *kind;
	char out[CG_CATALOG_SOURCE_MAX], small[8];
	size_t i;

	json_object_foreach(objects, kind, list) {
		if (strcmp(kind, "framework") == 0)
			list = json_object_get(list, "requirement_nodes");
		json_array_foreach(list, i, item) {
			for (int l = 0; l < 2; l++) {
				cg_catalog_source(NULL, item, l ? CG_LANG_ZH : CG_LANG_EN, out, sizeof out);
				cg_catalog_source(NULL, item, l ? CG_LANG_ZH : CG_LANG_EN, small, sizeof small);
				if (strlen(out) >= sizeof out || strlen(small) >= sizeof small)
					abort();
			}
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int strict = 0; strict < 2; strict++) {
		struct cg_warnings w = { 0 };
		struct cg_error err;
		json_t *lib = NULL;
		char *s;

		cg_error_init(&err, strict ? CG_LANG_ZH : CG_LANG_EN);
		if (cg_catalog_parse("fuzz.yaml", (const char *)data, size, strict, &lib, &w, &err) != CG_OK) {
			if (strncmp(err.message, "fuzz.yaml:", 10) != 0 || lib) {
				fprintf(stderr, "an error that does not name the file: %s\n", err.message);
				abort();
			}
			cg_warnings_release(&w);
			continue;
		}
		if (!json_is_object(lib) || !json_is_string(json_object_get(lib, "urn")))
			abort();
		for (size_t i = 0; i < w.n; i++)
			if (strncmp(w.v[i], "fuzz.yaml:", 10) != 0)
				abort();
		if (!(s = json_dumps(lib, JSON_COMPACT)))
			abort();
		cite_all(lib);
		free(s);
		json_decref(lib);
		cg_warnings_release(&w);
	}
	return 0;
}
