// SPDX-License-Identifier: MIT
/*
 * vhost-user-sound: the process. Parses the options, builds the device
 * (vus_device.c), listens (or takes an inherited socket) and serves
 * frontends with lib/vhost-user's backend server until SIGINT/SIGTERM
 * (vus_loop.c: also host jack events and sd_notify).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <alsa/asoundlib.h>

#include "snd_io.h"
#include "vhost_user_backend.h"
#include "vus_cli.h"
#include "vus_device.h"
#include "vus_loop.h"

/* Exit statuses (documented in --help). */
enum { EXIT_STOPPED = 0, EXIT_START = 1, EXIT_USAGE = 2 };

/* Checks --fd N: an open, listening stream socket. */
static int inherited_socket(int fd, char *err, size_t errlen)
{
	int v = 0;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) || !v) {
		snprintf(err, errlen, "--fd %d: not a listening socket%s%s", fd,
			 errno ? ": " : "", errno ? strerror(errno) : "");
		return -1;
	}
	return fd;
}

/*
 * This thread takes the requests off the rings (kicks) and hands playback
 * periods to the audio threads: left SCHED_OTHER under load it went without
 * the CPU for up to 300 ms, and the audio threads then starved
 * (docs/performance.md, snd-bench). So --rt-priority covers it too.
 */
static void request_thread_rt(const struct vus_opts *o)
{
	char why[160];

	if (snd_io_sched_fifo(o->rt_priority, why, sizeof(why)) < 0)
		fprintf(stderr, "%s: SCHED_FIFO %d not allowed for the request thread (%s); "
			"it runs SCHED_OTHER\n", o->name, o->rt_priority, why);
}

int main(int argc, char **argv)
{
	/* No indirect descriptors: a request of virtio_snd is then read from
	 * the ring alone when popped, and its header page only when its audio
	 * is due, by when the requests queued after it are there too and one
	 * page fault maps a dozen of them (docs/performance.md). The adapter
	 * gives sound queues 256 entries for that: 3 or 4 per request. */
	struct vhu_backend_config bcfg = { .ops = &vus_device_ops, .no_indirect_desc = true };
	struct vus_device *dev = NULL;
	struct vhu_backend *b;
	struct vus_opts *o;
	char err[512];
	sigset_t mask;
	int lfd, sfd, r;

	o = malloc(sizeof(*o));
	if (!o) {
		fprintf(stderr, "vhost-user-sound: out of memory\n");
		return EXIT_START;
	}
	if (vus_cli_parse(argc, argv, o, err, sizeof(err))) {
		fprintf(stderr, "vhost-user-sound: %s\n", err);
		free(o);
		return EXIT_USAGE;
	}
	if (o->help) {
		vus_cli_usage(stdout);
		free(o);
		return 0;
	}
	if (o->print_capabilities) {
		/* vhost-user.rst, "Backend program conventions". QEMU's
		 * vhost-user.json has no "sound" type yet; this is the name
		 * virtio_ids.h gives the device, as the conventions ask. */
		printf("{\n  \"type\": \"sound\"\n}\n");
		free(o);
		return 0;
	}
	/* A frontend that goes away mid-send must not kill us. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	/* Blocked before any thread starts, so audio threads inherit it. */
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0) {
		fprintf(stderr, "%s: signalfd: %s\n", o->name, strerror(errno));
		free(o);
		return EXIT_START;
	}
	if (vus_device_create(o, &dev, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", o->name, err);
		close(sfd);
		free(o);
		return EXIT_START;
	}
	if (o->fd >= 0) {
		lfd = inherited_socket(o->fd, err, sizeof(err));
	} else {
		lfd = vhu_listen_unix(o->socket_path);
		if (lfd < 0)
			snprintf(err, sizeof(err), "--socket-path %s: %s", o->socket_path,
				 strerror(-lfd));
	}
	if (lfd < 0) {
		fprintf(stderr, "%s: %s\n", o->name, err);
		vus_device_destroy(dev);
		close(sfd);
		free(o);
		return EXIT_START;
	}
	bcfg.opaque = dev;
	bcfg.name = o->name;
	bcfg.verbose = o->verbose;
	b = vhu_backend_create(&bcfg, lfd);
	if (!b) {
		fprintf(stderr, "%s: out of memory\n", o->name);
		close(lfd);
		vus_device_destroy(dev);
		close(sfd);
		free(o);
		return EXIT_START;
	}
	vus_device_attach(dev, b);
	request_thread_rt(o);
	fprintf(stderr, "%s: %u stream(s), listening on %s\n", o->name, o->n_streams,
		o->socket_path[0] ? o->socket_path : "the inherited socket");
	snprintf(err, sizeof(err), "%s", o->socket_path[0] ? o->socket_path : "the inherited socket");
	r = vus_loop_run(b, dev, sfd, o->n_streams, err, o->name);
	if (r)
		fprintf(stderr, "%s: accepting frontends: %s\n", o->name, strerror(-r));
	vhu_backend_destroy(b);
	vus_device_destroy(dev);
	/* alsa-lib's parsed configuration (from probing ALSA ends): freed so
	 * that valgrind's leak report shows only what is ours. */
	snd_config_update_free_global();
	if (o->socket_path[0])
		unlink(o->socket_path);
	close(sfd);
	free(o);
	return r ? EXIT_START : EXIT_STOPPED;
}
