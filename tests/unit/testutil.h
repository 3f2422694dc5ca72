/* Shared helpers for the cmocka unit tests. */
#ifndef CG_TESTUTIL_H
#define CG_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ciiguard/ciiguard.h"

/* A fresh, empty temporary directory (removed at exit). The string is static. */
const char *cg_test_tmpdir(void);
/* Opens a new empty database in the temporary directory; fails the test on error. */
struct cg_store *cg_test_store(void);
/* Reads a whole file into a new buffer; fails the test on error. */
char *cg_test_read_file(const char *path, size_t *len);

#endif
