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
/*
 * The backend under test: SQLite files in the temporary directory by default; PostgreSQL when
 * CG_TEST_PG holds the URI of a maintenance database on a throwaway cluster, in which case each
 * new database is created on that cluster.
 */
bool cg_test_pg(void);
/* The location (path or URI) of a new, not yet created database; the string is static. */
const char *cg_test_new_db(void);
/* Opens a new empty database; fails the test on error. */
struct cg_store *cg_test_store(void);
/* Runs SQL on a database outside the store (as an intruder would); returns 0 on success. */
int cg_test_raw_exec(const char *db, const char *sql);
/* The statement that turns off foreign-key enforcement for the rest of the connection. */
const char *cg_test_fk_off(void);
/* Reads a whole file into a new buffer; fails the test on error. */
char *cg_test_read_file(const char *path, size_t *len);

#endif
