// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the zones.conf parser on arbitrary bytes. It must never
 * crash or read out of bounds; an error must be one line that names the
 * file and a line within the input, with no control characters; a success must satisfy every rule the
 * parser promises (names, ranges, CPUs, unique zones and roles).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zone_config.h"

static void check_config(const struct zone_config *cfg, const cpu_set_t *online)
{
	if (cfg->n_zones > ZONE_MAX)
		abort();
	for (size_t i = 0; i < cfg->n_zones; i++) {
		const struct zone *z = &cfg->zones[i];
		cpu_set_t and;

		if (!zone_name_valid(z->name))
			abort();
		if (z->backend_unit[0] && z->backend_pid_file[0])
			abort();
		if (z->has_cpus) {
			CPU_AND(&and, &z->cpus, online);
			if (!CPU_EQUAL(&and, &z->cpus) || CPU_COUNT(&z->cpus) == 0)
				abort();
		}
		if (zone_policy_is_rt(z->policy) != (z->priority >= 1 && z->priority <= 99))
			abort();
		if (z->nice < -20 || z->nice > 19 || z->duck_rank < 0 || z->duck_rank > 100 ||
		    !(z->duck_level_db >= -96.0 && z->duck_level_db <= 0.0))
			abort();
		if (z->n_roles > ZONE_LIST_MAX || z->n_apps > ZONE_LIST_MAX)
			abort();
		for (size_t j = 0; j < i; j++) {
			if (!strcmp(cfg->zones[j].name, z->name))
				abort();
			for (size_t a = 0; a < z->n_roles; a++)
				for (size_t b = 0; b < cfg->zones[j].n_roles; b++)
					if (!strcmp(z->roles[a], cfg->zones[j].roles[b]))
						abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct zone_config cfg;
	char err[ZONE_ERR_MAX];
	cpu_set_t online;
	size_t lines = 1;
	int rc;

	CPU_ZERO(&online);
	CPU_SET(0, &online);
	CPU_SET(1, &online);
	CPU_SET(3, &online);
	/* An exactly-sized heap copy: ASan sees any read past the input. */
	char *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	rc = zone_config_parse("/etc/vlo/zones.conf", copy, size, &online, &cfg, err,
			       sizeof(err));
	if (rc == 0) {
		check_config(&cfg, &online);
	} else {
		unsigned long line;

		for (size_t i = 0; i < size; i++)
			lines += copy[i] == '\n';
		if (sscanf(err, "zones.conf:%lu: ", &line) != 1 || line < 1 || line > lines)
			abort();
		for (const char *c = err; *c; c++)	/* one line, printable */
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				abort();
	}
	free(copy);
	return 0;
}
