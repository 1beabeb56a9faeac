// SPDX-License-Identifier: MIT
#include "zone_rt.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <linux/capability.h>

/* The value after "Key:" in /proc/PID/status, or NULL. */
static char *status_field(pid_t pid, const char *key, char *buf, size_t len)
{
	char path[64];
	size_t klen = strlen(key);
	char *res = NULL;
	FILE *f;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/status");
	f = fopen(path, "re");
	if (!f)
		return NULL;
	while (fgets(buf, (int)len, f)) {
		if (!strncmp(buf, key, klen) && buf[klen] == ':') {
			res = buf + klen + 1;
			res += strspn(res, " \t");
			break;
		}
	}
	fclose(f);
	return res;
}

static long read_long_file(const char *path)
{
	FILE *f = fopen(path, "re");
	long v;
	int n;

	if (!f)
		return LONG_MIN;
	n = fscanf(f, "%ld", &v);
	fclose(f);
	return n == 1 ? v : LONG_MIN;
}

/* The path of `pid''s cgroup in the v1 cpu hierarchy ("" if none). */
static void cpu_cgroup(pid_t pid, char *out, size_t len, bool *v1)
{
	char path[64], line[512];
	FILE *f;

	out[0] = '\0';
	*v1 = false;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid ? (int)pid : (int)getpid());
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *ctl = strchr(line, ':'), *cg, *tok, *save = NULL;

		if (!ctl)
			continue;
		ctl++;
		cg = strchr(ctl, ':');
		if (!cg)
			continue;
		*cg++ = '\0';
		cg[strcspn(cg, "\n")] = '\0';
		if (!*ctl) {			/* v2 unified: "0::/path" */
			if (!*v1)
				snprintf(out, len, "%s", cg);
			continue;
		}
		for (tok = strtok_r(ctl, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			if (!strcmp(tok, "cpu")) {
				snprintf(out, len, "%s", cg);
				*v1 = true;
			}
		}
	}
	fclose(f);
}

void zone_rt_probe(pid_t pid, struct zone_rt_facts *f)
{
	char buf[512], path[400], *v;
	struct rlimit rl;
	bool v1;
	long g;

	unsigned long long own_prm = ~0ULL;

	memset(f, 0, sizeof(*f));
	v = status_field(0, "CapEff", buf, sizeof(buf));
	if (v)
		f->cap_sys_nice = (strtoull(v, NULL, 16) >> CAP_SYS_NICE) & 1;
	v = status_field(0, "CapPrm", buf, sizeof(buf));
	if (v)
		own_prm = strtoull(v, NULL, 16);
	/* The kernel's cap_safe_nice(): a target with more capabilities. */
	f->caps_subset = true;
	v = pid ? status_field(pid, "CapPrm", buf, sizeof(buf)) : NULL;
	if (v)
		f->caps_subset = (strtoull(v, NULL, 16) & ~own_prm) == 0;

	f->rlimit_rtprio = -1;
	if (prlimit(pid, RLIMIT_RTPRIO, NULL, &rl) == 0)
		f->rlimit_rtprio = rl.rlim_cur == RLIM_INFINITY ? LONG_MAX : (long)rl.rlim_cur;

	f->same_owner = true;
	v = pid ? status_field(pid, "Uid", buf, sizeof(buf)) : NULL;
	if (v) {
		unsigned int ruid, euid;

		if (sscanf(v, "%u %u", &ruid, &euid) == 2)
			f->same_owner = geteuid() == ruid || geteuid() == euid;
	}

	f->cgroup_rt_runtime_us = -1;
	cpu_cgroup(pid, f->cgroup, sizeof(f->cgroup), &v1);
	if (v1) {
		snprintf(path, sizeof(path), "/sys/fs/cgroup/cpu%s/cpu.rt_runtime_us", f->cgroup);
		g = read_long_file(path);
		if (g == LONG_MIN) {
			snprintf(path, sizeof(path), "/sys/fs/cgroup/cpu,cpuacct%s/cpu.rt_runtime_us",
				 f->cgroup);
			g = read_long_file(path);
		}
		if (g != LONG_MIN)
			f->cgroup_rt_runtime_us = g;
	}

	g = read_long_file("/proc/sys/kernel/sched_rt_runtime_us");
	f->has_global = g != LONG_MIN;
	f->global_rt_runtime_us = f->has_global ? g : -1;
}

/* Appends to buf with "; " between items. */
__attribute__((format(printf, 4, 5)))
static void add(char *buf, size_t len, int *n, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (*n && used + 2 < len) {
		memcpy(buf + used, "; ", 3);
		used += 2;
	}
	if (used < len) {
		va_start(ap, fmt);
		vsnprintf(buf + used, len - used, fmt, ap);
		va_end(ap);
	}
	(*n)++;
}

int zone_rt_explain(const struct zone_rt_facts *f, int prio, char *buf, size_t len)
{
	int n = 0;

	if (len == 0)
		return 0;
	buf[0] = '\0';
	if (!f->cap_sys_nice) {
		if (prio > 0 && f->rlimit_rtprio >= 0 && f->rlimit_rtprio < prio)
			add(buf, len, &n, "no CAP_SYS_NICE and RLIMIT_RTPRIO is %ld (< %d)",
			    f->rlimit_rtprio, prio);
		if (!f->same_owner)
			add(buf, len, &n, "no CAP_SYS_NICE and the backend runs as another user");
		if (!f->caps_subset)
			add(buf, len, &n, "no CAP_SYS_NICE and the backend has capabilities the "
			    "daemon lacks");
		if (!n)
			add(buf, len, &n, "no CAP_SYS_NICE");
	}
	if (prio > 0 && f->cgroup_rt_runtime_us == 0)
		add(buf, len, &n, "RT group scheduling: cgroup %s has cpu.rt_runtime_us = 0",
		    f->cgroup[0] ? f->cgroup : "/");
	if (prio > 0 && f->has_global && f->global_rt_runtime_us == 0)
		add(buf, len, &n, "kernel.sched_rt_runtime_us is 0");
	if (!n) {
		snprintf(buf, len, "refused (EPERM) for an unknown reason");
		return 0;
	}
	return n;
}

int zone_rt_warning(const struct zone_rt_facts *f, char *buf, size_t len)
{
	if (f->has_global && f->global_rt_runtime_us == 0) {
		snprintf(buf, len, "kernel.sched_rt_runtime_us is 0: real-time threads get no "
			 "CPU time");
		return 1;
	}
	if (len)
		buf[0] = '\0';
	return 0;
}
