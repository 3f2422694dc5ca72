/* libFuzzer harness: text decoding, CSV parsing and CSV system import on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ciiguard/ciiguard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Touches every byte of every field, so that reads past a field's end are caught. */
static int touch_fields(size_t line, char **fields, size_t nfields, void *ud)
{
	size_t *total = ud;
	size_t i;

	*total += line;
	for (i = 0; i < nfields; i++)
		*total += strlen(fields[i]);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cg_error err;
	struct cg_system *arr = NULL;
	char *text = NULL;
	size_t textlen = 0, n = 0, total = 0;

	cg_error_init(&err, CG_LANG_EN);
	if (cg_text_to_utf8((const char *)data, size, &text, &textlen, &err) == CG_OK) {
		if (strlen(text) != textlen)
			abort();
		if (cg_csv_parse(text, textlen, touch_fields, &total, &err) != CG_OK &&
		    err.message[0] == '\0')
			abort();	/* a failure must say why */
		free(text);
	}

	cg_error_init(&err, CG_LANG_EN);
	if (cg_system_parse((const char *)data, size, CG_FORMAT_CSV, &arr, &n, &err) == CG_OK)
		cg_system_array_free(arr, n);
	return 0;
}
