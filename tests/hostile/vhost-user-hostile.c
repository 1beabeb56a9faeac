// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-user-hostile: a vhost-user-blk backend (device id 2, one queue, an
 * in-memory disk) that serves requests correctly until it is armed, and
 * then misbehaves as --mode says. It speaks vhost-user through
 * lib/vhost-user like any real backend, so virtio-loopback-adapter attaches
 * it to virtio_loopback.ko and the in-kernel virtio_blk drives it; the
 * module must survive each misbehaviour (tests/e2e/hostile-backend.test).
 *
 * Armed by SIGUSR1, or after --after N requests served correctly. Modes:
 *   good          never misbehave (a baseline)
 *   bad-id        publish a used entry whose id is out of range
 *   bad-len       serve every request, but report a used length 1 MiB
 *                 larger than the chain's writable bytes
 *   call-no-work  signal the call eventfd 50 times with nothing used, then
 *                 serve the request correctly
 *   never         stop taking and completing requests (socket stays open)
 *   twice         serve a request, then publish its head twice in one batch
 *   close-fds     with a request taken: close the kick and call eventfds
 *                 and unmap the memory window, then stop serving; idle
 *                 until SIGTERM
 *   poke          before serving a request: read a window page no buffer
 *                 is in, write the descriptor table and write the
 *                 request's device-readable header; each must get SIGBUS
 *                 (caught here, logged), then serve it correctly
 *
 * The bad used entries are written straight into the used ring, behind
 * lib/virtqueue's back (raw_used() below, the only hostile ring writes);
 * everything else goes through the library.
 *
 * Exit status on SIGTERM/SIGINT: 0; 3 when a poke was not refused with
 * SIGBUS; 4 when the misbehaviour never happened (never armed or no
 * request came); 1 on a setup error.
 */
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vhost_user_backend.h"
#include "vq_iov.h"
#include "vq_split.h"

#define SECTOR 512u
#define HDR_BYTES 16u			/* struct virtio_blk_outhdr */
#define BAD_LEN_EXTRA (1u << 20)	/* bad-len: claimed beyond the buffer */
#define NO_WORK_CALLS 50

enum mode { M_GOOD, M_BAD_ID, M_BAD_LEN, M_CALL_NO_WORK, M_NEVER, M_TWICE, M_CLOSE_FDS, M_POKE };
static const char *const mode_names[] = {
	"good", "bad-id", "bad-len", "call-no-work", "never", "twice", "close-fds", "poke",
};

struct hostile {
	enum mode mode;
	long after;		/* arm after this many good requests; -1: SIGUSR1 only */
	bool poke_given;	/* control: poke a buffer we were given (no SIGBUS) */
	uint8_t *disk;
	uint64_t disk_bytes;
	unsigned long served;	/* requests served correctly */
	bool triggered;		/* the misbehaviour happened */
	bool dead;		/* take no more requests */
	bool fds_closed;	/* close-fds done: never touch the library again */
	unsigned int pokes, refused;
};

static volatile int stop_run;		/* vhu_backend_run() returns */
static volatile sig_atomic_t terminate;	/* SIGTERM/SIGINT */
static volatile sig_atomic_t armed;	/* SIGUSR1 */

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("vhost-user-hostile: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1) {
		armed = 1;
		return;
	}
	terminate = 1;
	stop_run = 1;
}

/* ---- the honest device */

/* Serve one request into the disk; returns the bytes written to its
 * writable part (the correct used length). */
static uint32_t blk_serve(struct hostile *h, const struct vq_elem *e)
{
	const struct iovec *in = e->iov + e->out_num;
	size_t rd = vq_iov_size(e->iov, e->out_num), wr = vq_iov_size(in, e->in_num);
	struct virtio_blk_outhdr hdr;
	uint8_t st = VIRTIO_BLK_S_OK;
	uint32_t written = 1;
	uint64_t off, len;

	if (rd < HDR_BYTES || wr < 1)
		return 0;	/* no header or no status byte: nothing to say */
	vq_iov_to_buf(e->iov, e->out_num, 0, &hdr, sizeof(hdr));
	off = le64toh(hdr.sector) * SECTOR;
	switch (le32toh(hdr.type)) {
	case VIRTIO_BLK_T_IN:
		len = wr - 1;
		if (off > h->disk_bytes || len > h->disk_bytes - off) {
			st = VIRTIO_BLK_S_IOERR;
			break;
		}
		vq_iov_from_buf(in, e->in_num, 0, h->disk + off, len);
		written = (uint32_t)len + 1;
		break;
	case VIRTIO_BLK_T_OUT:
		len = rd - HDR_BYTES;
		if (off > h->disk_bytes || len > h->disk_bytes - off) {
			st = VIRTIO_BLK_S_IOERR;
			break;
		}
		vq_iov_to_buf(e->iov, e->out_num, HDR_BYTES, h->disk + off, len);
		break;
	case VIRTIO_BLK_T_FLUSH:
		break;
	case VIRTIO_BLK_T_GET_ID: {
		static const char id[VIRTIO_BLK_ID_BYTES] = "vhost-user-hostile";

		len = wr - 1 < sizeof(id) ? wr - 1 : sizeof(id);
		vq_iov_from_buf(in, e->in_num, 0, id, len);
		written = (uint32_t)len + 1;
		break;
	}
	default:
		st = VIRTIO_BLK_S_UNSUPP;
	}
	vq_iov_from_buf(in, e->in_num, wr - 1, &st, 1);
	return written;
}

/* ---- the hostile parts */

/*
 * HOSTILE: publish n used entries (ids[i], lens[i]) straight into queue's
 * used ring, as lib/virtqueue's vq_push() would but with no check that the
 * head is ours or in flight, then move the used index past them.
 */
static void raw_used(struct vq *vq, const uint32_t *ids, const uint32_t *lens, unsigned int n)
{
	struct vring_used *u = vq->used;
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct vring_used_elem *el = &u->ring[(uint16_t)(vq->used_idx + i) % vq->num];

		el->id = htole32(ids[i]);
		el->len = htole32(lens[i]);
	}
	vq->used_idx = (uint16_t)(vq->used_idx + n);
	__atomic_store_n(&u->idx, htole16(vq->used_idx), __ATOMIC_RELEASE);
}

static void signal_call(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) != sizeof(one))
		say("writing the call eventfd: %s", strerror(errno));
}

static sigjmp_buf poke_jmp;

static void on_poke_sigbus(int sig)
{
	(void)sig;
	siglongjmp(poke_jmp, 1);
}

/*
 * One access under a SIGBUS handler of our own (lib/vhost-user's guard
 * would paper over the fault with a zero page): read the byte, and for a
 * write store the same value back, so an access that wrongly goes through
 * changes nothing. Returns true when it got SIGBUS.
 */
static bool poke_one(struct hostile *h, volatile uint8_t *p, bool write, const char *what)
{
	struct sigaction sa = { .sa_handler = on_poke_sigbus }, old;
	volatile bool faulted = false;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(poke_jmp, 1) == 0) {
		uint8_t v = *p;

		if (write)
			*p = v;
	} else {
		faulted = true;
	}
	sigaction(SIGBUS, &old, NULL);
	h->pokes++;
	h->refused += faulted;
	say("poke: %s of %s: %s", write ? "write" : "read", what,
	    faulted ? "SIGBUS" : "NOT refused (no SIGBUS)");
	return faulted;
}

static bool overlaps(uintptr_t a, size_t alen, const void *b, size_t blen)
{
	uintptr_t bs = (uintptr_t)b;

	return a < bs + blen && bs < a + alen;
}

/* A window page that holds no ring part and no buffer of this request. */
static uint8_t *unbuffered_page(const struct vhu_backend_raw *raw, const struct vq_elem *e)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), n = raw->vq->num;
	size_t at;
	unsigned int i;

	for (at = raw->map_len - page; at > 0; at -= page) {
		uintptr_t p = (uintptr_t)raw->map + at;
		bool used = overlaps(p, page, raw->vq->desc, 16 * n) ||
			    overlaps(p, page, raw->vq->avail, 6 + 2 * n) ||
			    overlaps(p, page, raw->vq->used, 6 + 8 * n);

		for (i = 0; i < e->out_num + e->in_num && !used; i++)
			used = overlaps(p, page, e->iov[i].iov_base, e->iov[i].iov_len);
		if (!used)
			return (uint8_t *)p;
	}
	return NULL;
}

static void poke(struct hostile *h, const struct vhu_backend_raw *raw, const struct vq_elem *e)
{
	uint8_t *p;
	char what[96];

	if (h->poke_given && e->in_num) {
		/* The control: a buffer the device was given to write. */
		poke_one(h, e->iov[e->out_num].iov_base, true,
			 "the request's own writable buffer (--poke-given)");
	} else {
		p = unbuffered_page(raw, e);
		if (!p) {
			say("poke: no window page without a buffer");
			h->pokes++;
			return;
		}
		snprintf(what, sizeof(what), "window offset 0x%zx (no buffer there)",
			 (size_t)(p - (uint8_t *)raw->map));
		poke_one(h, p, false, what);
	}
	poke_one(h, (volatile uint8_t *)raw->vq->desc, true, "the descriptor table (read-only)");
	if (e->out_num)
		poke_one(h, e->iov[0].iov_base, true,
			 "the request header (device-readable buffer)");
}

/* ---- vhost-user device ops */

static uint64_t dev_features(void *opaque)
{
	(void)opaque;
	return 0;
}

static uint32_t dev_queue_num(void *opaque)
{
	(void)opaque;
	return 1;
}

static uint32_t dev_get_config(void *opaque, uint8_t *buf, uint32_t cap)
{
	const struct hostile *h = opaque;
	struct virtio_blk_config c;
	uint32_t n = sizeof(c) < cap ? (uint32_t)sizeof(c) : cap;

	memset(&c, 0, sizeof(c));
	c.capacity = htole64(h->disk_bytes / SECTOR);
	memcpy(buf, &c, n);
	return n;
}

static void dev_reset(void *opaque)
{
	const struct hostile *h = opaque;

	say("device reset (%lu requests served correctly)", h->served);
}

static void misbehave(struct hostile *h, struct vhu_backend *b, uint32_t q,
		      const struct vq_elem *e)
{
	struct vhu_backend_raw raw;
	uint32_t ids[2], lens[2], len;
	int i;

	if (vhu_backend_raw(b, q, &raw)) {
		say("%s: queue not running", mode_names[h->mode]);
		return;
	}
	if (!h->triggered)
		say("%s: misbehaving from request %lu (head %u)", mode_names[h->mode],
		    h->served + 1, e->head);
	switch (h->mode) {
	case M_GOOD:
		break;
	case M_BAD_ID:
		ids[0] = raw.vq->num + 7u;
		lens[0] = 0;
		raw_used(raw.vq, ids, lens, 1);
		signal_call(raw.call);
		say("bad-id: used entry with id %u (ring of %u) published", ids[0], raw.vq->num);
		h->dead = true;
		break;
	case M_BAD_LEN:
		len = blk_serve(h, e);
		vhu_backend_push(b, q, e->head, len + BAD_LEN_EXTRA);
		if (!h->triggered)
			say("bad-len: head %u reported %u bytes used, %u written (and so on)",
			    e->head, len + BAD_LEN_EXTRA, len);
		break;
	case M_CALL_NO_WORK:
		if (!h->triggered) {
			for (i = 0; i < NO_WORK_CALLS; i++) {
				signal_call(raw.call);
				usleep(10000);
			}
			say("call-no-work: %d calls with nothing used, now serving head %u",
			    NO_WORK_CALLS, e->head);
		}
		vhu_backend_push(b, q, e->head, blk_serve(h, e));
		break;
	case M_NEVER:
		say("never: head %u and every later request stay unanswered", e->head);
		h->dead = true;
		break;
	case M_TWICE:
		len = blk_serve(h, e);
		ids[0] = ids[1] = e->head;
		lens[0] = lens[1] = len;
		raw_used(raw.vq, ids, lens, 2);
		signal_call(raw.call);
		say("twice: head %u published twice in one batch", e->head);
		h->dead = true;
		break;
	case M_CLOSE_FDS:
		close(raw.kick);
		close(raw.call);
		munmap(raw.map, raw.map_len);
		say("close-fds: kick and call eventfds closed, memory window unmapped, head %u in flight",
		    e->head);
		h->dead = true;
		h->fds_closed = true;
		stop_run = 1;	/* never call into the library again */
		break;
	case M_POKE:
		if (!h->triggered)
			poke(h, &raw, e);
		vhu_backend_push(b, q, e->head, blk_serve(h, e));
		break;
	}
	h->triggered = true;
}

static void dev_kick(void *opaque, struct vhu_backend *b, uint32_t q)
{
	static struct vq_elem e;
	struct hostile *h = opaque;

	for (;;) {
		if (h->dead)
			return;
		vhu_backend_notify_enable(b, q, false);
		while (!h->dead && vhu_backend_pop(b, q, &e) == 1) {
			bool due = h->after >= 0 && h->served >= (unsigned long)h->after;

			if (h->mode != M_GOOD && (h->triggered || armed || due)) {
				misbehave(h, b, q, &e);
				continue;
			}
			vhu_backend_push(b, q, e.head, blk_serve(h, &e));
			h->served++;
		}
		if (h->dead || !vhu_backend_notify_enable(b, q, true))
			return;
	}
}

static const struct vhu_dev_ops ops = {
	.features = dev_features,
	.queue_num = dev_queue_num,
	.get_config = dev_get_config,
	.kick = dev_kick,
	.reset = dev_reset,
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vhost-user-hostile --socket-path PATH --mode MODE [--after N]\n"
		"                          [--capacity-mib N] [--poke-given] [-v]\n"
		"A vhost-user-blk backend that misbehaves on purpose once armed (SIGUSR1,\n"
		"or after N requests served correctly). MODE: good, bad-id, bad-len,\n"
		"call-no-work, never, twice, close-fds, poke (see the source's head).\n"
		"--poke-given: poke a buffer the device was given instead of an empty\n"
		"window page (must not fault: proves the SIGBUS check can tell).\n"
		"Exit status on SIGTERM: 0; 3 a poke was not refused; 4 never misbehaved.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket-path", required_argument, NULL, 's' },
		{ "mode", required_argument, NULL, 'm' },
		{ "after", required_argument, NULL, 'a' },
		{ "capacity-mib", required_argument, NULL, 'c' },
		{ "poke-given", no_argument, NULL, 'g' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct hostile h = { .mode = M_GOOD, .after = -1 };
	struct vhu_backend_config cfg = { .ops = &ops, .opaque = &h, .name = "vhost-user-hostile" };
	struct sigaction sa = { .sa_handler = on_signal };
	const char *path = NULL;
	unsigned long mib = 16;
	/* static: still reachable (not a leak) when close-fds leaves it alone */
	static struct vhu_backend *b;
	bool have_mode = false;
	int c, lfd, r, i;

	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 'm':
			for (i = 0; i < (int)(sizeof(mode_names) / sizeof(mode_names[0])); i++)
				if (!strcmp(optarg, mode_names[i])) {
					h.mode = (enum mode)i;
					have_mode = true;
				}
			if (!have_mode) {
				fprintf(stderr, "unknown mode %s\n", optarg);
				return 1;
			}
			break;
		case 'a':
			h.after = strtol(optarg, NULL, 10);
			break;
		case 'c':
			mib = strtoul(optarg, NULL, 10);
			break;
		case 'g':
			h.poke_given = true;
			break;
		case 'v':
			cfg.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (!path || !have_mode || mib == 0 || mib > 1024 || optind != argc) {
		usage(stderr);
		return 1;
	}
	h.disk_bytes = (uint64_t)mib << 20;
	h.disk = calloc(1, (size_t)h.disk_bytes);
	if (!h.disk)
		return say("out of memory"), 1;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	lfd = vhu_listen_unix(path);
	if (lfd < 0)
		return say("listening on %s: %s", path, strerror(-lfd)), 1;
	b = vhu_backend_create(&cfg, lfd);
	if (!b)
		return say("out of memory"), 1;
	say("mode %s, %lu MiB disk, listening on %s", mode_names[h.mode], mib, path);
	r = vhu_backend_run(b, &stop_run, -1);
	if (r)
		say("serving: %s", strerror(-r));
	if (h.fds_closed) {
		/* The library's fds and mapping are gone under it: leave it alone. */
		while (!terminate)
			sleep(1);
	} else {
		vhu_backend_destroy(b);
	}
	free(h.disk);
	say("exiting: %lu requests served correctly, misbehaved: %s", h.served,
	    h.triggered ? "yes" : "no");
	if (h.mode == M_POKE && h.triggered) {
		say("poke: %u of %u accesses refused with SIGBUS", h.refused, h.pokes);
		if (h.refused != h.pokes)
			return 3;
	}
	if (h.mode != M_GOOD && !h.triggered)
		return 4;
	return r ? 1 : 0;
}
