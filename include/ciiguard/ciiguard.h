/* ciiguard: security protection of critical information infrastructure (Order No. 745). */
#ifndef CIIGUARD_H
#define CIIGUARD_H

#include "ciiguard/error.h"
#include "ciiguard/i18n.h"
#include "ciiguard/buf.h"
#include "ciiguard/json.h"
#include "ciiguard/clock.h"
#include "ciiguard/store.h"
#include "ciiguard/audit.h"
#include "ciiguard/system.h"
#include "ciiguard/operator.h"
#include "ciiguard/csv.h"
#include "ciiguard/transfer.h"
#include "ciiguard/catalog.h"
#include "ciiguard/screen.h"
#include "ciiguard/obligation.h"
#include "ciiguard/incident.h"
#include "ciiguard/register.h"

/* The library version, "MAJOR.MINOR.PATCH". */
const char *cg_version(void);

#endif
