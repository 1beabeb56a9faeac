// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the vhost-user backend server (lib/vhost-user's
 * vhost_user_backend.c) with the real sound device behind it (vus_device.c:
 * device model, control queue, I/O layer with one playback and one capture
 * "null" stream), fed a sequence of messages on a socketpair as a frontend
 * would send them, through vhu_backend_serve_one (no accept loop).
 *
 * Input:
 *   u16 LE  n           bytes of guest memory image that follow
 *   n bytes             copied to offset 0 of a 1 MiB memfd (the "guest RAM"
 *                       any SET_MEM_TABLE fd refers to: rings, descriptors,
 *                       control requests, PCM)
 *   records until the end:
 *     u8    fds         bits 0-3: descriptors sent with the record (0..15;
 *                       more than 8 is refused by the receiver), bit 4: they
 *                       are the memory memfd, else fresh eventfds
 *     u16 LE len        record length (cut to what is left)
 *     len bytes         written as they are (a message, several, or a piece)
 *
 * All records are written, the harness closes its sending side, and the
 * server handles messages until it drops the connection (EOF at the latest).
 * Checked: no crash or sanitizer report, no leak (ASan), no descriptor left
 * open afterwards (counted in /proc/self/fd), and after the drop the backend
 * is disconnected.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "snd_proto.h"
#include "vhost_user_backend.h"
#include "vus_cli.h"
#include "vus_device.h"

#define MEM_SIZE (1u << 20)
#define MAX_RECORDS 256

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vus_device *dev;
static struct vhu_backend *backend;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static struct vus_opts o;
	struct vhu_backend_config cfg = { .ops = &vus_device_ops, .name = "fuzz" };
	char err[256];

	(void)argc;
	(void)argv;
	memset(&o, 0, sizeof(o));
	o.fd = -1;
	snprintf(o.name, sizeof(o.name), "fuzz");
	o.n_streams = 2;
	o.streams[0].direction = VIRTIO_SND_D_OUTPUT;
	snprintf(o.streams[0].end, sizeof(o.streams[0].end), "null");
	o.streams[1].direction = VIRTIO_SND_D_INPUT;
	snprintf(o.streams[1].end, sizeof(o.streams[1].end), "null");
	if (vus_device_create(&o, &dev, err, sizeof(err))) {
		fprintf(stderr, "fuzz: %s\n", err);
		abort();
	}
	cfg.opaque = dev;
	cfg.verbose = getenv("FUZZ_VERBOSE") != NULL;
	/* No listening socket: connections come from vhu_backend_adopt. */
	backend = vhu_backend_create(&cfg, -1);
	if (!backend)
		abort();
	vus_device_attach(dev, backend);
	/* The server's log lines (stdio's stderr) would drown libFuzzer's
	 * output; libFuzzer and the sanitizers keep writing to fd 2. */
	if (!getenv("FUZZ_VERBOSE")) {
		FILE *null = fopen("/dev/null", "w");

		if (!null)
			abort();
		stderr = null;
	}
	return 0;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		abort();
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* Send bytes with `n' descriptors (SCM_RIGHTS). */
static void send_record(int sock, const uint8_t *buf, size_t len, const int *fds, unsigned int n)
{
	union {
		char b[CMSG_SPACE(16 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (!len)
		return;		/* fds need at least one byte to ride on */
	if (n) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.b;
		mh.msg_controllen = CMSG_SPACE(n * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(n * sizeof(int));
		memcpy(CMSG_DATA(c), fds, n * sizeof(int));
	}
	/* The socket buffer holds far more than max_len: never blocks. */
	if (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 && errno != EPIPE)
		abort();
}

/* Read and discard the server's replies. */
static void drain(int sock)
{
	uint8_t buf[4096];

	while (recv(sock, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fds_before = count_fds(), sv[2], memfd;
	size_t off = 2, n;
	unsigned int records = 0;

	if (size < 2)
		return 0;
	n = get16(data);
	if (n > size - 2)
		n = size - 2;
	memfd = memfd_create("fuzz-guest-ram", MFD_CLOEXEC);
	if (memfd < 0 || ftruncate(memfd, MEM_SIZE) ||
	    (n && pwrite(memfd, data + off, n, 0) != (ssize_t)n))
		abort();
	off += n;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		abort();
	vhu_backend_adopt(backend, sv[1]);
	while (off + 3 <= size && records++ < MAX_RECORDS) {
		unsigned int nfds = data[off] & 0xf, i;
		bool mem = data[off] & 0x10;
		size_t len = get16(data + off + 1);
		int fds[16];

		off += 3;
		if (len > size - off)
			len = size - off;
		for (i = 0; i < nfds; i++) {
			fds[i] = mem ? memfd : eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
			if (fds[i] < 0)
				abort();
		}
		send_record(sv[0], data + off, len, fds, nfds);
		for (i = 0; i < nfds && !mem; i++)
			close(fds[i]);
		off += len;
	}
	/* EOF after the last record: the server never waits for more. */
	shutdown(sv[0], SHUT_WR);
	while (vhu_backend_serve_one(backend) == 0)
		drain(sv[0]);
	if (vhu_backend_connected(backend))
		__builtin_trap();	/* -1 means the connection is gone */
	if (getenv("FUZZ_VERBOSE")) {
		/* where the seeds put the control responses */
		for (unsigned int i = 0; i < 8; i++) {
			uint32_t st = 0;

			if (pread(memfd, &st, 4, 0x4000 + 0x200 * i) == 4)
				fprintf(stderr, "fuzz: response %u at 0x%x: 0x%x\n", i,
					0x4000 + 0x200 * i, st);
		}
	}
	close(memfd);
	close(sv[0]);
	if (count_fds() > fds_before)
		__builtin_trap();	/* a descriptor leaked */
	return 0;
}
