/* The library version. */
#include "ciiguard/ciiguard.h"

const char *cg_version(void)
{
	return CIIGUARD_VERSION;
}
