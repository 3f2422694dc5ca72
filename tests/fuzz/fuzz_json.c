/*
 * libFuzzer harness for the JSON import parser: any input either fails with a message or
 * yields valid systems whose canonical JSON parses back to the same canonical JSON. And for any
 * input jansson parses, cg_json_dump gives jansson's own bytes (the canonical text of audited
 * records), in both key orders.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ciiguard/ciiguard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_dump(const uint8_t *data, size_t size)
{
	json_error_t je;
	json_t *j = json_loadb((const char *)data, size, JSON_DECODE_ANY, &je);
	if (!j)
		return;
	for (int sorted = 0; sorted < 2; sorted++) {
		char *a = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY | (sorted ? JSON_SORT_KEYS : 0));
		char *b = cg_json_dump(j, CG_JSON_ANY | (sorted ? CG_JSON_SORTED : 0), NULL);
		if (!a != !b || (a && strcmp(a, b) != 0)) {
			fprintf(stderr, "cg_json_dump differs from json_dumps:\n%s\n%s\n", a ? a : "(NULL)", b ? b : "(NULL)");
			abort();
		}
		free(a);
		free(b);
	}
	json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cg_system *v = NULL;
	struct cg_error err;
	size_t n = 0;

	same_dump(data, size);
	cg_error_init(&err, CG_LANG_EN);
	if (cg_system_parse((const char *)data, size, CG_FORMAT_JSON, &v, &n, &err) != CG_OK) {
		if (!err.message[0])
			abort(); /* every failure explains itself */
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		struct cg_buf a, b;
		struct cg_system back;
		struct cg_error e2;

		cg_buf_init(&a, 0);
		cg_buf_init(&b, 0);
		cg_error_init(&e2, CG_LANG_EN);
		cg_system_init(&back);
		if (cg_system_validate(&v[i], &e2) != CG_OK || cg_system_to_json(&v[i], &a) != CG_OK)
			abort();
		/* The canonical form holds "created_at": null, which input ignores; parse it back. */
		if (cg_system_from_json(&back, a.ptr, a.len, &e2) != CG_OK) {
			fprintf(stderr, "canonical JSON does not parse back: %s\n%s\n", e2.message, a.ptr);
			abort();
		}
		if (cg_system_to_json(&back, &b) != CG_OK || strcmp(a.ptr, b.ptr) != 0) {
			fprintf(stderr, "round trip changed the record:\n%s\n%s\n", a.ptr, cg_buf_str(&b));
			abort();
		}
		cg_system_release(&back);
		cg_buf_release(&a);
		cg_buf_release(&b);
	}
	cg_system_array_free(v, n);
	return 0;
}
