// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-loopback-adapter: main loop. One poll() over every device's kernel
 * fd and backend socket plus a signalfd; devices that are down are retried
 * on a timer with --reconnect. See --help.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "device.h"
#include "log.h"
#include "uapi/virtio_loopback.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct adapter {
	struct cli cli;
	struct adev dev[CLI_MAX_DEVICES];
	int ctl;
	int sfd;
	bool notified;
};

static void notify_status(struct adapter *ad)
{
	unsigned int i, up = 0;

	for (i = 0; i < ad->cli.ndev; i++)
		up += ad->dev[i].up;
	if (!ad->notified && up == ad->cli.ndev) {
		sd_notifyf(0, "READY=1\nSTATUS=%u of %u devices up", up, ad->cli.ndev);
		ad->notified = true;
	} else {
		sd_notifyf(0, "STATUS=%u of %u devices up", up, ad->cli.ndev);
	}
}

/* A device went down at run time. */
static void lost(struct adapter *ad, struct adev *a)
{
	log_msg("%s: %s; device removed%s", a->name, a->err,
		ad->cli.reconnect ? ", waiting for the backend to come back" : "");
	adev_down(a);
	a->retry_at = now_ms() + CLI_RETRY_MS;
	a->waiting = true;
	notify_status(ad);
}

static void try_up(struct adapter *ad, struct adev *a)
{
	int r = adev_up(a, ad->ctl);

	if (r == ADEV_OK) {
		notify_status(ad);
		return;
	}
	if (!a->waiting)
		log_msg("%s: %s%s", a->name, a->err,
			ad->cli.reconnect ? "; retrying" : "");
	a->waiting = true;
	a->retry_at = now_ms() + CLI_RETRY_MS;
}

static int run(struct adapter *ad)
{
	struct pollfd pfd[1 + 2 * CLI_MAX_DEVICES];
	struct adev *owner[1 + 2 * CLI_MAX_DEVICES];
	unsigned int i, n;

	for (;;) {
		int64_t now = now_ms(), next = -1;
		int timeout, alive = 0;

		n = 0;
		pfd[n].fd = ad->sfd;
		pfd[n].events = POLLIN;
		owner[n++] = NULL;
		for (i = 0; i < ad->cli.ndev; i++) {
			struct adev *a = &ad->dev[i];

			if (!a->up) {
				if (!ad->cli.reconnect)
					continue;
				if (a->retry_at <= now)
					try_up(ad, a);
				if (!a->up) {
					if (next < 0 || a->retry_at < next)
						next = a->retry_at;
					continue;
				}
			}
			alive++;
			pfd[n].fd = a->kd.dev;
			pfd[n].events = POLLIN;
			owner[n++] = a;
			pfd[n].fd = a->sock;
			pfd[n].events = POLLIN | POLLRDHUP;
			owner[n++] = a;
		}
		if (!alive && !ad->cli.reconnect) {
			log_msg("every backend has gone away; exiting");
			return 1;
		}
		timeout = next < 0 ? -1 : (int)(next > now ? next - now : 0);
		if (poll(pfd, n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			log_msg("poll: %s", strerror(errno));
			return 1;
		}
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(ad->sfd, &si, sizeof(si)) == sizeof(si)) {
				log_msg("signal %u: removing devices and exiting", si.ssi_signo);
				sd_notify(0, "STOPPING=1");
				return 0;
			}
		}
		for (i = 1; i < n; i++) {
			struct adev *a = owner[i];

			if (!a->up || !pfd[i].revents)
				continue;
			if (pfd[i].fd == a->kd.dev) {
				if (adev_kernel_ready(a))
					lost(ad, a);
			} else if (adev_socket_ready(a)) {
				lost(ad, a);
			}
		}
	}
}

int main(int argc, char **argv)
{
	static struct adapter ad;
	char err[256];
	sigset_t mask;
	unsigned int i;
	int r, status = 0;

	r = cli_parse(&ad.cli, argc, argv, err, sizeof(err));
	if (r == 1) {
		cli_usage(stdout);
		return 0;
	}
	if (r < 0) {
		log_msg("%s", err);
		return EXIT_USAGE;
	}
	log_verbose = ad.cli.verbose;
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	ad.sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (ad.sfd < 0) {
		log_msg("signalfd: %s", strerror(errno));
		return 1;
	}
	ad.ctl = open(VLO_CONTROL_DEVICE, O_RDWR | O_CLOEXEC);
	if (ad.ctl < 0) {
		log_msg("cannot open %s: %s (is virtio_loopback.ko loaded? are you root?)",
			VLO_CONTROL_DEVICE, strerror(errno));
		close(ad.sfd);
		return EXIT_KERNEL;
	}
	for (i = 0; i < ad.cli.ndev; i++)
		adev_init(&ad.dev[i], &ad.cli, &ad.cli.dev[i]);
	for (i = 0; i < ad.cli.ndev; i++) {
		struct adev *a = &ad.dev[i];

		if (ad.cli.reconnect) {
			try_up(&ad, a);
			continue;
		}
		r = adev_up(a, ad.ctl);
		if (r != ADEV_OK) {
			log_msg("%s: %s", a->name, a->err);
			status = r == ADEV_EKERNEL ? EXIT_KERNEL : 1;
			goto out;
		}
	}
	notify_status(&ad);
	status = run(&ad);
out:
	for (i = 0; i < ad.cli.ndev; i++)
		adev_down(&ad.dev[i]);
	close(ad.ctl);
	close(ad.sfd);
	return status;
}
