/*
 * The rule catalog: libraries of YAML rule data (docs/catalog-format.md), the built-in ones
 * compiled from the YAML files in catalog/ and those imported into a database. Items are exposed as
 * jansson values converted from the YAML, so rule code reads data, never C constants.
 */
#ifndef CIIGUARD_CATALOG_H
#define CIIGUARD_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "ciiguard/error.h"
#include "ciiguard/store.h"

struct cg_catalog;

/* Limits on a library file: its size, and aliases (against "billion laughs" documents). */
#define CG_CATALOG_MAX_BYTES ((size_t)16 << 20)
#define CG_CATALOG_MAX_ALIASES 100
#define CG_CATALOG_MAX_VALUES 1000000 /* values in the document once aliases are expanded */
#define CG_CATALOG_MAX_DEPTH 64       /* nesting of mappings and lists */
#define CG_CATALOG_URN_MAX 256        /* a library urn is an audit entity id */

/* Warnings from parsing or importing (unknown keys, missing dependencies). */
struct cg_warnings {
	char **v; /* each "file:line: text" */
	size_t n;
};
void cg_warnings_release(struct cg_warnings *w);

/*
 * Parses one library file (`name` is used in messages). Returns its JSON tree in *library
 * (caller decrefs). Errors name the file, the line and what was expected: bad YAML, wrong
 * types, a duplicate urn, a parent_urn that does not exist. `strict` applies the rules that
 * bind ciiguard's own catalog (source, effective date, confidence and zh text on every item).
 */
cg_code cg_catalog_parse(const char *name, const char *data, size_t len, bool strict,
			 json_t **library, struct cg_warnings *w, struct cg_error *err) CG_MUST_CHECK;

/*
 * Loads the built-in libraries and, when `st` is not NULL, those imported into it (an
 * imported library with the urn of a built-in one and a higher version replaces it).
 */
cg_code cg_catalog_open(struct cg_store *st, struct cg_catalog **out, struct cg_error *err)
	CG_MUST_CHECK;
void cg_catalog_free(struct cg_catalog *c);

/*
 * Warnings found while loading (a missing dependency, a reference to no loaded item, an imported
 * library shadowed by a newer built-in one). Borrowed; the built-in libraries alone give none.
 */
const struct cg_warnings *cg_catalog_warnings(const struct cg_catalog *c);

/* "urn@version+urn@version..." of the loaded libraries, recorded with every result. */
const char *cg_catalog_version(const struct cg_catalog *c);

size_t cg_catalog_library_count(const struct cg_catalog *c);
/* Library i (borrowed), with `builtin` set for those compiled in. */
json_t *cg_catalog_library(const struct cg_catalog *c, size_t i, bool *builtin);

/* One kind of object of library `lib` ("requirement_nodes", "screening_rules", ...). Borrowed. */
json_t *cg_catalog_objects(const json_t *lib, const char *kind);
/*
 * The library whose urn, ref_id or framework urn is `key` (borrowed; NULL when none), with
 * `builtin` (which may be NULL) set for one compiled in.
 */
json_t *cg_catalog_library_find(const struct cg_catalog *c, const char *key, bool *builtin);
/* An item of library `lib`: a requirement node by urn or ref_id, or a rule by id. Borrowed. */
json_t *cg_catalog_library_item(const json_t *lib, const char *key);
/*
 * The loaded libraries as {"libraries": [{"urn", "ref_id", "name", "version", "locale",
 * "requirement_nodes", "screening_rules", "penalties", "ai_scenarios", "origin"}],
 * "catalog_version", "warnings"} (new reference; NULL when out of memory).
 */
json_t *cg_catalog_list(const struct cg_catalog *c, enum cg_lang lang);

/*
 * Items of one kind across all libraries, in library then file order: "requirement_nodes"
 * (from objects.framework), "screening_rules", "penalties", "ai_scenarios". Borrowed.
 */
size_t cg_catalog_count(const struct cg_catalog *c, const char *kind);
json_t *cg_catalog_item(const struct cg_catalog *c, const char *kind, size_t i);
/*
 * What a module computes once from a catalog and keeps with it (a faster form of some items):
 * the first call runs build(c), later calls return its result, and release() frees it with the
 * catalog. One such value per catalog, for one `build`. A catalog belongs to one thread, so this
 * takes no lock. NULL when build returned NULL (it runs again next time).
 */
void *cg_catalog_derived(const struct cg_catalog *c, void *(*build)(const struct cg_catalog *c),
			 void (*release)(void *));
/* The item of that kind whose "id" or "urn" is `key`, or NULL. Borrowed. */
json_t *cg_catalog_find(const struct cg_catalog *c, const char *kind, const char *key);

/*
 * The text of `key` ("name", "description", "text") of an item in `lang`: the item's
 * translations.zh.KEY for Chinese, a {"en": ..., "zh": ...} value, or the plain value. NULL
 * when absent.
 */
const char *cg_catalog_text(const json_t *item, const char *key, enum cg_lang lang);
/* Room for a citation (cg_catalog_source), Chinese names included. */
#define CG_CATALOG_SOURCE_MAX 384
/*
 * The citation of an item's source in `lang`, into out (n bytes, "" without a source, cut
 * short on a character boundary): "Order 745 Art. 17" in English, exactly as source.law and
 * source.article read; 《关键信息基础设施安全保护条例》第17条 in Chinese, with the law's Chinese
 * name and article labels from the laws of catalog `c` (objects.laws; NULL: none) and numbered
 * articles in the Chinese form (第9条第2款第(2)项). A law or label the catalog does not
 * translate is cited in English.
 */
void cg_catalog_source(const struct cg_catalog *c, const json_t *item, enum cg_lang lang, char *out, size_t n);

/*
 * Imports a library file into the database (audited as entity "catalog:URN"), replacing an
 * earlier import with the same urn. Warnings are returned, not errors.
 */
cg_code cg_catalog_import(struct cg_store *st, const char *actor, const char *name, const char *data,
			  size_t len, struct cg_warnings *w, struct cg_error *err) CG_MUST_CHECK;

/* What an import stored. */
struct cg_catalog_import_result {
	char urn[CG_CATALOG_URN_MAX + 1];
	int64_t version;
	size_t nodes;  /* requirement nodes */
	bool replaced; /* an earlier import with the same urn was replaced ("update" in the trail) */
};
/* cg_catalog_import(), also telling what was stored in *res (which may be NULL). */
cg_code cg_catalog_import_ex(struct cg_store *st, const char *actor, const char *name,
			     const char *data, size_t len, struct cg_catalog_import_result *res,
			     struct cg_warnings *w, struct cg_error *err) CG_MUST_CHECK;

#endif
