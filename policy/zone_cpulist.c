// SPDX-License-Identifier: MIT
#include "zone_cpulist.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* A decimal CPU number below CPU_SETSIZE; advances *p. */
static int parse_cpu(const char **p, int *cpu)
{
	long v = 0;

	if (!isdigit((unsigned char)**p))
		return -EINVAL;
	while (isdigit((unsigned char)**p)) {
		v = v * 10 + (**p - '0');
		if (v >= CPU_SETSIZE)
			return -ERANGE;
		(*p)++;
	}
	*cpu = (int)v;
	return 0;
}

int zone_cpulist_parse(const char *s, const cpu_set_t *allowed, cpu_set_t *set, char *err,
		       size_t errlen)
{
	const char *p = s;
	char online[128];

	CPU_ZERO(set);
	if (!*s) {
		snprintf(err, errlen, "empty cpu list");
		return -EINVAL;
	}
	for (;;) {
		const char *start = p;
		int lo = 0, hi, rc;

		rc = parse_cpu(&p, &lo);
		hi = lo;
		if (!rc && *p == '-') {
			p++;
			rc = parse_cpu(&p, &hi);
		}
		if (rc == -ERANGE) {
			snprintf(err, errlen, "\"%s\": CPU number too large", s);
			return -EINVAL;
		}
		if (rc || (*p && *p != ',')) {
			snprintf(err, errlen, "\"%s\" is not a cpu list like \"0-1,3\"", s);
			return -EINVAL;
		}
		if (hi < lo) {
			snprintf(err, errlen, "\"%.*s\": range goes down", (int)(p - start), start);
			return -EINVAL;
		}
		for (int c = lo; c <= hi; c++) {
			if (allowed && !CPU_ISSET(c, allowed)) {
				zone_cpulist_format(allowed, online, sizeof(online));
				snprintf(err, errlen, "CPU %d is not online (online: %s)", c, online);
				return -EINVAL;
			}
			CPU_SET(c, set);
		}
		if (!*p)
			return 0;
		p++;	/* ',' */
	}
}

void zone_cpulist_format(const cpu_set_t *set, char *buf, size_t len)
{
	size_t n = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (int c = 0; c < CPU_SETSIZE; c++) {
		int hi = c;
		int w;

		if (!CPU_ISSET(c, set))
			continue;
		while (hi + 1 < CPU_SETSIZE && CPU_ISSET(hi + 1, set))
			hi++;
		if (hi == c)
			w = snprintf(buf + n, len - n, "%s%d", n ? "," : "", c);
		else
			w = snprintf(buf + n, len - n, "%s%d-%d", n ? "," : "", c, hi);
		if (w < 0 || (size_t)w >= len - n)
			return;	/* truncated, still NUL-terminated */
		n += (size_t)w;
		c = hi;
	}
}

int zone_cpus_online(cpu_set_t *set)
{
	char buf[256], err[128];
	FILE *f = fopen("/sys/devices/system/cpu/online", "re");

	if (f) {
		char *ok = fgets(buf, sizeof(buf), f);

		fclose(f);
		if (ok) {
			buf[strcspn(buf, "\n")] = '\0';
			if (zone_cpulist_parse(buf, NULL, set, err, sizeof(err)) == 0)
				return 0;
		}
	}
	if (sched_getaffinity(0, sizeof(*set), set) < 0)
		return -errno;
	return 0;
}
