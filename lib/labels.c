/* Display labels for enum values and field names (the values themselves are the contract). */
#include <string.h>

#include "ciiguard/i18n.h"
#include "banned.h"

struct label {
	const char *kind, *value, *text;
};

/* English texts; the Chinese ones are in po/zh_CN.po, in the official terms of Order 745. */
static const struct label labels[] = {
	{ "sector", "public_communications", N_("Public communications and information services") },
	{ "sector", "energy", N_("Energy") },
	{ "sector", "transportation", N_("Transportation") },
	{ "sector", "water", N_("Water conservancy") },
	{ "sector", "finance", N_("Finance") },
	{ "sector", "public_services", N_("Public services") },
	{ "sector", "e_government", N_("E-government") },
	{ "sector", "defense_industry", N_("Defence science and industry") },
	{ "sector", "other", N_("Other") },
	{ "harm", "minor", N_("minor") },
	{ "harm", "moderate", N_("moderate") },
	{ "harm", "serious", N_("serious") },
	{ "ai_kind", "predictive", N_("predictive") },
	{ "ai_kind", "generative", N_("generative") },
	{ "ai_kind", "decision", N_("decision") },
	{ "ai_kind", "optimisation", N_("optimisation") },
	{ "ai_kind", "agent", N_("agent") },
	{ "model_source", "in_house", N_("in-house model") },
	{ "model_source", "third_party_model", N_("third-party model") },
	{ "model_source", "saas", N_("SaaS") },
	{ "link_kind", "depends_on", N_("depends on") },
	{ "link_kind", "exchanges_data", N_("exchanges data with") },
	{ "link_kind", "embedded_in", N_("embedded in") },
	{ "status", "planned", N_("planned") },
	{ "status", "development", N_("development") },
	{ "status", "production", N_("production") },
	{ "status", "retired", N_("retired") },
	{ "perimeter", "cii", N_("CII") },
	{ "perimeter", "likely_cii", N_("likely CII") },
	{ "perimeter", "near_cii", N_("near-CII") },
	{ "perimeter", "outside", N_("outside the CII perimeter") },
	{ "field", "id", N_("ID") },
	{ "field", "name", N_("Name") },
	{ "field", "owner", N_("Owner") },
	{ "field", "description", N_("Description") },
	{ "field", "sector", N_("Sector") },
	{ "field", "supports_core_business", N_("Supports key core business") },
	{ "field", "harm_if_compromised", N_("Harm if compromised") },
	{ "field", "cross_sector_impact", N_("Knock-on impact on other sectors") },
	{ "field", "notified_cii", N_("Notified as CII") },
	{ "field", "notified_at", N_("Notified on") },
	{ "field", "serves_cii_operators", N_("Serves CII operators") },
	{ "field", "ai.kind", N_("AI kind") },
	{ "field", "ai.model_source", N_("Model source") },
	{ "field", "ai.public_generative_service", N_("Public generative AI service") },
	{ "field", "data.pi_subjects", N_("Personal information subjects") },
	{ "field", "data.sensitive_pi_subjects", N_("Sensitive personal information subjects") },
	{ "field", "data.important_data", N_("Important data") },
	{ "field", "data.core_data", N_("Core data") },
	{ "field", "users", N_("Users") },
	{ "field", "mlps_level", N_("MLPS level") },
	{ "field", "links", N_("Links") },
	{ "field", "status", N_("Status") },
	{ "field", "created_at", N_("Created") },
	{ "field", "updated_at", N_("Updated") },
	{ "field", "protection_department", N_("Protection work department") },
	{ "field", "central_or_state_organ", N_("Central or state organ") },
};

const char *cg_label(enum cg_lang lang, const char *kind, const char *value)
{
	for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
		if (strcmp(labels[i].kind, kind) == 0 && strcmp(labels[i].value, value) == 0)
			return cg_tr(lang, labels[i].text);
	return value;
}
