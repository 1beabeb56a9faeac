// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by vlo-test and vlo-events: see vlo-util.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "uapi/virtio_loopback.h"
#include "vlo-util.h"

void die(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: FAIL: %s\n", program_invocation_short_name, msg);
	exit(1);
}

int open_ctl(void)
{
	int fd = open(VLO_CONTROL_DEVICE, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die("open %s: %s", VLO_CONTROL_DEVICE, strerror(errno));
	return fd;
}

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int wait_bounded(pid_t pid, double secs)
{
	double end = now_s() + secs;
	int st;

	while (now_s() < end) {
		pid_t w = waitpid(pid, &st, WNOHANG);

		if (w == pid)
			return st;
		usleep(20000);
	}
	return -1;
}

char *blk_disk(unsigned int index)
{
	static char name[32];
	char pat[128];
	glob_t g;
	char *p = NULL;

	snprintf(pat, sizeof(pat),
		 "/sys/class/misc/virtio-loopback/vlo%u/virtio*/block/*", index);
	if (!glob(pat, 0, NULL, &g) && g.gl_pathc) {
		snprintf(name, sizeof(name), "%s", strrchr(g.gl_pathv[0], '/') + 1);
		p = name;
	}
	globfree(&g);
	return p;
}

pid_t start_dd(const char *dev, unsigned int skip)
{
	char in[64], sk[32];
	pid_t pid;

	snprintf(in, sizeof(in), "if=%s", dev);
	snprintf(sk, sizeof(sk), "skip=%u", skip);
	pid = fork();
	if (pid < 0)
		die("blk: fork: %s", strerror(errno));
	if (!pid) {
		execlp("dd", "dd", in, "of=/dev/null", "bs=4096", "count=1",
		       sk, "iflag=direct", "status=none", (char *)NULL);
		_exit(127);
	}
	return pid;
}
