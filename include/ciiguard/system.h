/* The system inventory: AI and other systems in or near the CII perimeter. */
#ifndef CIIGUARD_SYSTEM_H
#define CIIGUARD_SYSTEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ciiguard/buf.h"
#include "ciiguard/error.h"
#include "ciiguard/store.h"

/* The sectors of Order 745 Art. 2, by their contract names (cg_sector_names). */
enum cg_sector {
	CG_SECTOR_PUBLIC_COMMUNICATIONS, CG_SECTOR_ENERGY, CG_SECTOR_TRANSPORTATION,
	CG_SECTOR_WATER, CG_SECTOR_FINANCE, CG_SECTOR_PUBLIC_SERVICES, CG_SECTOR_E_GOVERNMENT,
	CG_SECTOR_DEFENSE_INDUSTRY, CG_SECTOR_OTHER, CG_SECTOR__COUNT
};
enum cg_harm { CG_HARM_MINOR, CG_HARM_MODERATE, CG_HARM_SERIOUS, CG_HARM__COUNT };
enum cg_ai_kind { CG_AI_PREDICTIVE, CG_AI_GENERATIVE, CG_AI_DECISION, CG_AI_OPTIMISATION,
		  CG_AI_AGENT, CG_AI__COUNT };
enum cg_model_source { CG_MODEL_IN_HOUSE, CG_MODEL_THIRD_PARTY, CG_MODEL_SAAS, CG_MODEL__COUNT };
enum cg_link_kind { CG_LINK_DEPENDS_ON, CG_LINK_EXCHANGES_DATA, CG_LINK_EMBEDDED_IN,
		    CG_LINK__COUNT };
enum cg_status { CG_STATUS_PLANNED, CG_STATUS_DEVELOPMENT, CG_STATUS_PRODUCTION,
		 CG_STATUS_RETIRED, CG_STATUS__COUNT };

extern const char *const cg_sector_names[];
extern const char *const cg_harm_names[];
extern const char *const cg_ai_kind_names[];
extern const char *const cg_model_source_names[];
extern const char *const cg_link_kind_names[];
extern const char *const cg_status_names[];

struct cg_link {
	char *to;
	enum cg_link_kind kind;
};

#define CG_ID_MAX 64

/*
 * One system. Strings are owned by the struct; an enum of -1, a NULL date and an mlps_level
 * of 0 mean "not set". `has_ai` false means not an AI system (ai fields unset).
 */
struct cg_system {
	char *id, *name, *owner, *description;
	int sector;                   /* enum cg_sector */
	bool supports_core_business;
	int harm_if_compromised;      /* enum cg_harm */
	bool cross_sector_impact;
	bool notified_cii;
	char *notified_at;            /* YYYY-MM-DD */
	bool serves_cii_operators;
	bool has_ai;
	int ai_kind;                  /* enum cg_ai_kind */
	int ai_model_source;          /* enum cg_model_source, -1 when unknown */
	bool ai_public_generative_service;
	int64_t data_pi_subjects, data_sensitive_pi_subjects;
	bool data_important_data, data_core_data;
	int64_t users;
	int mlps_level;               /* 1-5; 0 when not yet graded */
	struct cg_link *links;
	size_t nlinks;
	int status;                   /* enum cg_status */
	char *created_at, *updated_at;
	/* Which fields were given in the input, for required-field checks (bit per field). */
	uint64_t given;
	/* Set when read back from a row edited outside ciiguard: "column=value" of the first. */
	char *corrupt;
};

void cg_system_init(struct cg_system *s);
void cg_system_release(struct cg_system *s);

/* The field names (JSON paths with dots, as in CSV headers), in canonical order; NULL-terminated. */
extern const char *const cg_system_field_names[];

/*
 * Sets one field from text, as CSV cells and command-line options give it: booleans as
 * true/false/yes/no/1/0/是/否, links as "kind:to;kind:to". An empty value resets the field to
 * its default (an error for required fields). Unknown names are CG_E_INVALID naming them.
 */
cg_code cg_system_set_field(struct cg_system *s, const char *name, const char *value,
			    struct cg_error *err) CG_MUST_CHECK;

/* Fills `s` from one JSON object (text). Unknown keys and wrong types are errors naming the field. */
cg_code cg_system_from_json(struct cg_system *s, const char *json, size_t len, struct cg_error *err)
	CG_MUST_CHECK;

/* Checks required fields, ranges and cross-field rules. */
cg_code cg_system_validate(const struct cg_system *s, struct cg_error *err) CG_MUST_CHECK;

/* Appends the canonical JSON (sorted keys, compact) of `s` to `out`. */
cg_code cg_system_to_json(const struct cg_system *s, struct cg_buf *out) CG_MUST_CHECK;

/* Store operations. Writers take the acting user; each change is audited in its transaction. */

/*
 * Adds `s`, assigning an id when s->id is NULL, and the timestamps. On failure nothing is
 * stored; s->id may hold the generated id.
 */
cg_code cg_system_add(struct cg_store *st, const char *actor, struct cg_system *s,
		      struct cg_error *err) CG_MUST_CHECK;
/* Loads system `id` into `out` (initialised by the caller). */
cg_code cg_system_get(struct cg_store *st, const char *id, struct cg_system *out,
		      struct cg_error *err) CG_MUST_CHECK;
/* Replaces the stored record with `s` (same id); created_at is kept. */
cg_code cg_system_update(struct cg_store *st, const char *actor, struct cg_system *s,
			 struct cg_error *err) CG_MUST_CHECK;
/* Deletes `id`; refused with CG_E_CONFLICT while other systems link to it. */
cg_code cg_system_delete(struct cg_store *st, const char *actor, const char *id,
			 struct cg_error *err) CG_MUST_CHECK;

typedef int (*cg_system_each_fn)(const struct cg_system *s, void *ud);
/* Calls `fn` for every system in id order; a non-zero return stops the walk. */
cg_code cg_system_each(struct cg_store *st, cg_system_each_fn fn, void *ud, struct cg_error *err)
	CG_MUST_CHECK;

enum cg_format { CG_FORMAT_JSON, CG_FORMAT_CSV };

struct cg_import_result {
	size_t created;
	size_t updated;
};

/*
 * Imports systems from a JSON array of records or a CSV table (UTF-8 with or without BOM, or
 * GB18030). All or nothing: the first bad record fails the whole import, naming its position
 * and field. An id that exists is an error unless `update` is set.
 */
cg_code cg_system_import(struct cg_store *st, const char *actor, const char *data, size_t len,
			 enum cg_format fmt, bool update, struct cg_import_result *res,
			 struct cg_error *err) CG_MUST_CHECK;

/*
 * Parses an import file into systems without touching a store (for fuzzing and previews).
 * On success *out holds *n systems, which the caller releases and frees.
 */
cg_code cg_system_parse(const char *data, size_t len, enum cg_format fmt, struct cg_system **out,
			size_t *n, struct cg_error *err) CG_MUST_CHECK;
void cg_system_array_free(struct cg_system *a, size_t n);

/* Counts over the inventory, for the summary the main job prints. */
struct cg_inventory_summary {
	int64_t systems;
	int64_t by_sector[CG_SECTOR__COUNT];
	int64_t by_status[CG_STATUS__COUNT];
	int64_t by_ai_kind[CG_AI__COUNT];
	int64_t ai_systems;
	int64_t notified_cii;
	int64_t serves_cii_operators;
	int64_t supports_core_business;
	int64_t harm_serious;
	int64_t cross_sector_impact;
	int64_t public_generative_services;
	int64_t with_personal_information;
	int64_t pi_subjects;           /* summed over systems: people may be counted more than once */
	int64_t important_data;
	int64_t core_data;
	int64_t links;
};

cg_code cg_inventory_summarise(struct cg_store *st, struct cg_inventory_summary *out,
			       struct cg_error *err) CG_MUST_CHECK;

#endif
