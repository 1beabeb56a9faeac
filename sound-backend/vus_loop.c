// SPDX-License-Identifier: MIT
/* vhost-user-sound's event loop and sd_notify; see vus_loop.h. */
#include "vus_loop.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

/* Status lines are refreshed at least this often (ns). */
#define TICK_NS 1000000000ull
#define MAX_DEV_FDS 64

struct loop {
	struct vhu_backend *b;
	struct vus_device *dev;
	unsigned int n_streams;
	const char *where;
	const char *name;
	char status[160];
	bool watchdog;
};

/* Send STATUS= when it changed (no-op without NOTIFY_SOCKET). */
static void update_status(struct loop *l, const char *extra)
{
	char s[sizeof(l->status)];

	if (!vhu_backend_connected(l->b))
		snprintf(s, sizeof(s), "listening on %s, %u stream(s), %u jack(s)", l->where,
			 l->n_streams, (unsigned int)vus_device_jacks(l->dev));
	else
		snprintf(s, sizeof(s), "frontend connected, %u of %u stream(s) running",
			 vus_device_streams_running(l->dev), l->n_streams);
	if (!extra && !strcmp(s, l->status))
		return;
	memcpy(l->status, s, sizeof(s));
	sd_notifyf(0, "%sSTATUS=%s", extra ? extra : "", s);
}

static int add_fd(int ep, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

/* A timer of `ns' period; fd or -errno. */
static int tick_timer(uint64_t ns)
{
	struct itimerspec its = {
		.it_interval = { .tv_sec = (time_t)(ns / 1000000000ull),
				 .tv_nsec = (long)(ns % 1000000000ull) },
	};
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);

	if (fd < 0)
		return -errno;
	its.it_value = its.it_interval;
	if (timerfd_settime(fd, 0, &its, NULL)) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

int vus_loop_run(struct vhu_backend *b, struct vus_device *dev, int sig_fd,
		 unsigned int n_streams, const char *where, const char *name)
{
	struct loop l = { .b = b, .dev = dev, .n_streams = n_streams, .where = where,
			  .name = name };
	int fds[MAX_DEV_FDS], ep, tfd, r = 0;
	uint64_t wd_usec = 0, tick = TICK_NS;
	volatile int never = 0;
	unsigned int n;
	bool stop = false;

	l.watchdog = sd_watchdog_enabled(0, &wd_usec) > 0 && wd_usec > 0;
	if (l.watchdog && wd_usec * 1000 / 2 < tick)
		tick = wd_usec * 1000 / 2;
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return -errno;
	tfd = tick_timer(tick);
	if (tfd < 0) {
		close(ep);
		return tfd;
	}
	r = add_fd(ep, sig_fd);
	if (!r)
		r = add_fd(ep, tfd);
	n = vus_device_fds(dev, fds, MAX_DEV_FDS);
	for (unsigned int i = 0; i < n && !r; i++)
		r = add_fd(ep, fds[i]);
	if (r) {
		fprintf(stderr, "%s: event loop: %s\n", name, strerror(-r));
		goto out;
	}
	if (l.watchdog)
		fprintf(stderr, "%s: watchdog pings every %llu ms\n", name,
			(unsigned long long)(tick / 1000000));
	update_status(&l, "READY=1\n");
	while (!stop) {
		struct epoll_event ev[8];
		bool service = false;
		int k;

		r = vhu_backend_run(b, &never, ep);
		if (r)
			break;
		k = epoll_wait(ep, ev, 8, 0);
		for (int i = 0; i < k; i++) {
			int fd = ev[i].data.fd;

			if (fd == sig_fd) {
				struct signalfd_siginfo si;

				if (read(sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
					fprintf(stderr, "%s: %s, stopping\n", name,
						strsignal((int)si.ssi_signo));
				stop = true;
			} else if (fd == tfd) {
				uint64_t expirations;

				if (read(tfd, &expirations, sizeof(expirations)) < 0 &&
				    errno != EAGAIN)
					continue;
				if (l.watchdog)
					sd_notify(0, "WATCHDOG=1");
			} else if (ev[i].events & (EPOLLERR | EPOLLHUP)) {
				/* The card went away: its jacks stay as they are. */
				fprintf(stderr, "%s: host card control gone; its jacks are no "
					"longer watched\n", name);
				epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
			} else {
				service = true;
			}
		}
		if (service)
			vus_device_service(dev);
		if (!stop)
			update_status(&l, NULL);
	}
	sd_notify(0, "STOPPING=1\nSTATUS=stopping");
out:
	close(tfd);
	close(ep);
	return r;
}
