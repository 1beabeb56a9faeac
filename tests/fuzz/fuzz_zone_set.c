// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the argument checker of the D-Bus calls Set(zone, key,
 * value) and Route(role, zone), on a fixed configuration. The input is
 * split at NUL bytes into the call's strings (first byte: which call). Any
 * sequence of calls must leave a configuration the parser itself would
 * accept: valid names, ranges, online CPUs, no role in two zones.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zone_args.h"

static const char conf[] =
	"zones = [\n"
	" { name = driver sched.policy = fifo sched.priority = 80 cpus = \"1\"\n"
	"   roles = [ Navigation Emergency ] }\n"
	" { name = rear sched.policy = other sched.nice = 5 roles = [ Music Movie ] }\n"
	" { name = chimes roles = [ Notification ] }\n"
	"]\n";

static void check(const struct zone_config *cfg, const cpu_set_t *online)
{
	for (size_t i = 0; i < cfg->n_zones; i++) {
		const struct zone *z = &cfg->zones[i];
		cpu_set_t and;

		if (z->has_cpus) {
			CPU_AND(&and, &z->cpus, online);
			if (!CPU_EQUAL(&and, &z->cpus) || !CPU_COUNT(&z->cpus))
				abort();
		}
		if (zone_policy_is_rt(z->policy) && (z->priority < 1 || z->priority > 99))
			abort();
		if (z->priority < 0 || z->priority > 99 || z->nice < -20 || z->nice > 19 ||
		    !(z->duck_level_db >= -96.0 && z->duck_level_db <= 0.0) ||
		    z->n_roles > ZONE_LIST_MAX)
			abort();
		for (size_t a = 0; a < z->n_roles; a++) {
			if (!zone_item_valid(z->roles[a], false) ||
			    strlen(z->roles[a]) >= ZONE_ITEM_MAX)
				abort();
			for (size_t j = 0; j <= i; j++)
				for (size_t b = 0; b < cfg->zones[j].n_roles; b++)
					if ((j != i || b != a) &&
					    !strcmp(z->roles[a], cfg->zones[j].roles[b]))
						abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct zone_config base, cfg;
	static cpu_set_t online;
	static int ready;
	char err[ZONE_ERR_MAX];
	char *buf, *p, *end;

	if (!ready) {
		CPU_ZERO(&online);
		CPU_SET(0, &online);
		CPU_SET(1, &online);
		if (zone_config_parse("zones.conf", conf, strlen(conf), &online, &base, err,
				      sizeof(err)))
			abort();
		ready = 1;
	}
	cfg = base;
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	/* Calls: one byte op ('s' Set, else Route), then NUL-separated strings. */
	p = buf;
	end = buf + size;
	while (p < end) {
		char op = *p++;
		const char *a = p, *b, *c;

		b = a + strlen(a) + 1;
		if (b > end)
			break;
		c = b + strlen(b) + 1;
		if (op == 's') {
			if (c > end)
				break;
			zone_args_set(&cfg, &online, a, b, c, err, sizeof(err));
			p = (char *)c + strlen(c) + 1;
		} else {
			zone_args_route(&cfg, a, b, err, sizeof(err));
			p = (char *)c;
		}
		check(&cfg, &online);
	}
	free(buf);
	return 0;
}
