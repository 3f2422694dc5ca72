/*
 * libFuzzer harness for the catalog parser (YAML libraries): any input either fails with a
 * message that names the file, or yields a library whose tree serialises, in both modes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ciiguard/ciiguard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
		free(s);
		json_decref(lib);
		cg_warnings_release(&w);
	}
	return 0;
}
