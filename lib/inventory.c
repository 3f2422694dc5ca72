/* Counts over the system inventory. */
#include <stdint.h>
#include <string.h>

#include "ciiguard/system.h"
#include "banned.h"

static int count_one(const struct cg_system *s, void *ud)
{
	struct cg_inventory_summary *sum = ud;

	sum->systems++;
	if (s->sector >= 0)
		sum->by_sector[s->sector]++;
	if (s->status >= 0)
		sum->by_status[s->status]++;
	if (s->has_ai && s->ai_kind >= 0) {
		sum->ai_systems++;
		sum->by_ai_kind[s->ai_kind]++;
		sum->public_generative_services += s->ai_public_generative_service;
	}
	sum->notified_cii += s->notified_cii;
	sum->serves_cii_operators += s->serves_cii_operators;
	sum->supports_core_business += s->supports_core_business;
	sum->harm_serious += s->harm_if_compromised == CG_HARM_SERIOUS;
	sum->cross_sector_impact += s->cross_sector_impact;
	sum->with_personal_information += s->data_pi_subjects > 0;
	/* each count may be up to INT64_MAX (cg_system_validate sets no upper bound): the sum stops
	 * there rather than overflow */
	if (__builtin_add_overflow(sum->pi_subjects, s->data_pi_subjects, &sum->pi_subjects))
		sum->pi_subjects = INT64_MAX;
	sum->important_data += s->data_important_data;
	sum->core_data += s->data_core_data;
	sum->links += (int64_t)s->nlinks;
	return 0;
}

cg_code cg_inventory_summarise(struct cg_store *st, struct cg_inventory_summary *out,
			       struct cg_error *err)
{
	memset(out, 0, sizeof *out);
	return cg_system_each(st, count_one, out, err);
}
