// SPDX-License-Identifier: MIT
/* Stream-to-zone matching and ducking decisions (see zone_match.h). */
#include "zone_match.h"

#include <strings.h>

static bool listed(const char *const *list, size_t n, const char *s)
{
	if (!s || !*s)
		return false;
	for (size_t i = 0; i < n; i++)
		if (list[i] && strcasecmp(list[i], s) == 0)
			return true;
	return false;
}

int zone_match_stream(const struct zone_route *zones, size_t n, const char *role,
		      const char *app_name, const char *binary)
{
	/* An application named in a zone is more specific than its role. */
	for (size_t i = 0; i < n; i++)
		if (listed(zones[i].apps, zones[i].n_apps, app_name) ||
		    listed(zones[i].apps, zones[i].n_apps, binary))
			return (int)i;
	for (size_t i = 0; i < n; i++)
		if (listed(zones[i].roles, zones[i].n_roles, role))
			return (int)i;
	return -1;
}

void zone_match_ducking(const struct zone_route *zones, size_t n, const bool *playing,
			int *ducker)
{
	for (size_t i = 0; i < n; i++) {
		ducker[i] = -1;
		for (size_t j = 0; j < n; j++) {
			if (!playing[j] || zones[j].duck_rank <= zones[i].duck_rank)
				continue;
			if (ducker[i] < 0 || zones[j].duck_rank > zones[ducker[i]].duck_rank)
				ducker[i] = (int)j;
		}
	}
}
