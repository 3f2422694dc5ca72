/* Shared helpers for the cmocka unit tests. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[256];

static void remove_tmpdir(void)
{
	char cmd[300];
	if (tmpdir[0] && snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir) < (int)sizeof cmd) {
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
	}
}

const char *cg_test_tmpdir(void)
{
	if (!tmpdir[0]) {
		const char *base = getenv("TMPDIR");
		snprintf(tmpdir, sizeof tmpdir, "%s/cgtest.XXXXXX", base && *base ? base : "/tmp");
		if (!mkdtemp(tmpdir))
			fail_msg("mkdtemp failed");
		atexit(remove_tmpdir);
	}
	return tmpdir;
}

struct cg_store *cg_test_store(void)
{
	static int n;
	char path[320];
	struct cg_store *st = NULL;
	struct cg_error err;

	cg_error_init(&err, CG_LANG_EN);
	snprintf(path, sizeof path, "%s/db%d.sqlite", cg_test_tmpdir(), ++n);
	if (cg_store_open(path, CG_STORE_CREATE, &st, &err) != CG_OK)
		fail_msg("cannot open test store: %s", err.message);
	return st;
}

char *cg_test_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long n;

	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = malloc((size_t)n + 1);
	if (!p || fread(p, 1, (size_t)n, f) != (size_t)n)
		fail_msg("cannot read %s", path);
	p[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return p;
}
