// SPDX-License-Identifier: MIT
#include "zone_backend.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int zone_backend_alive(pid_t pid)
{
	char path[64], buf[256], *p;
	FILE *f;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (!p)
		return 0;
	/* "pid (comm) S ...": the state follows the last ')'. */
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

pid_t zone_backend_pid_file(const char *path, char *err, size_t errlen)
{
	char buf[32], *end;
	long pid;
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (n == 0)
		return 0;	/* being written */
	errno = 0;
	pid = strtol(buf, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	if (errno || *end || pid <= 0 || pid > 4194304) {
		snprintf(err, errlen, "%s: \"%.16s\" is not a pid", path, buf);
		return -EINVAL;
	}
	return zone_backend_alive((pid_t)pid) ? (pid_t)pid : 0;
}

pid_t zone_backend_unit_pid(sd_bus *bus, const char *unit, char *err, size_t errlen)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	char *path = NULL;
	uint32_t pid = 0;
	int rc;

	rc = sd_bus_path_encode("/org/freedesktop/systemd1/unit", unit, &path);
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", unit, strerror(-rc));
		return rc;
	}
	rc = sd_bus_get_property_trivial(bus, "org.freedesktop.systemd1", path,
					 "org.freedesktop.systemd1.Service", "MainPID", &e,
					 'u', &pid);
	free(path);
	if (rc < 0) {
		snprintf(err, errlen, "%s: MainPID: %s", unit, e.message ? e.message :
			 strerror(-rc));
		sd_bus_error_free(&e);
		return rc;
	}
	return (pid_t)pid;
}
