// SPDX-License-Identifier: GPL-2.0
/*
 * vlo-events: what the module reports to, and takes from, a backend through
 * the device fd's events, with a real driver bound. Each mode fails (exit 1,
 * one line on stderr) when the feature it names is broken.
 *
 *   vlo-events error   virtio-blk: a direct dd waits on a backend that has
 *                      stopped answering; the backend signals its error
 *                      eventfd (VLO_IOC_SET_ERROR): VLO_EV_BROKEN arrives
 *                      within 5 s, the dd in flight and a new dd fail
 *                      within 10 s each, and the device closes and its
 *                      disk goes away
 *   vlo-events noack   virtio-rng created with a 1 s timeout whose events
 *                      are read but never acknowledged: VLO_IOC_START
 *                      returns within 200 ms, the DRIVER_OK event waits,
 *                      and VLO_EV_BROKEN follows it after 0.7 to 3 s; the
 *                      close takes less than 2 s
 *   vlo-events config  virtio-blk offering VIRTIO_BLK_F_CONFIG_WCE, write
 *                      back in its config: nothing written at probe; each
 *                      write of /sys/block/vdX/cache_type gives exactly one
 *                      VLO_EV_CONFIG (offset of wce, len 1, the new value)
 *                      and reads back as written
 *   vlo-events probeclose  virtio-blk whose backend acknowledges the
 *                      status events but answers no request, so the
 *                      driver's probe waits in its partition scan; the
 *                      owner closes the device then: the close ends
 *                      within 10 s and the disk goes (a close that waited
 *                      for the probe first would hang the owner for good)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>

#include "uapi/virtio_loopback.h"
#include "vlo-util.h"

#define LOG_MAX		64

/* One event as the backend read it, and when. */
struct logged {
	struct vlo_event ev;
	double at;
};

/*
 * A backend for one queue that answers every chain by zeroing its
 * device-writable bytes: random bytes of value 0 for virtio-rng, and for
 * virtio-blk a disk of zeros whose status byte 0 is VIRTIO_BLK_S_OK (reads,
 * writes, flushes and the serial request alike). Its thread logs every
 * event and acknowledges those that wait.
 */
struct backend {
	const char *mode;
	struct vlo_create c;
	int dev, mem, kick, call;
	uint8_t *win;
	/* queue 0, owned by the thread */
	uint32_t num;
	uint64_t desc, avail, used;
	uint16_t next_avail;
	bool ready;
	atomic_bool stop;
	atomic_bool mute;	/* touch the window no more, answer nothing */
	atomic_bool closed;	/* probeclose: the close returned */
	atomic_ulong rounds;	/* of the thread's loop */
	atomic_ulong served;
	pthread_mutex_t lock;	/* log, nlog, error */
	struct logged log[LOG_MAX];
	unsigned int nlog;
	char error[128];
};

static void backend_error(struct backend *b, const char *what)
{
	pthread_mutex_lock(&b->lock);
	if (!b->error[0])
		snprintf(b->error, sizeof(b->error), "%s", what);
	pthread_mutex_unlock(&b->lock);
}

/* The backend's view of IOVAs [iova, iova + len), NULL outside the window. */
static void *at(const struct backend *b, uint64_t iova, uint64_t len)
{
	uint64_t off = iova - b->c.iova_base;

	if (iova < b->c.iova_base || len > b->c.iova_size || off > b->c.iova_size - len)
		return NULL;
	return b->win + off;
}

/* Answer every chain the driver published since the last call. */
static int serve(struct backend *b)
{
	const struct vring_desc *d = at(b, b->desc, 16ull * b->num);
	volatile const uint16_t *avail = at(b, b->avail, 4 + 2ull * b->num);
	volatile uint16_t *used = at(b, b->used, 4 + 8ull * b->num);
	volatile struct vring_used_elem *elem;
	unsigned long n = 0;
	uint64_t one = 1;

	if (!d || !avail || !used)
		return -1;
	while (b->next_avail != avail[1]) {
		uint16_t i, head, hops = 0;
		uint32_t total = 0;
		void *buf;

		atomic_thread_fence(memory_order_acquire);
		head = avail[2 + b->next_avail % b->num];
		for (i = head;; i = d[i].next) {
			if (i >= b->num || hops++ == b->num)
				return -1;
			if (d[i].flags & VRING_DESC_F_WRITE) {
				buf = at(b, d[i].addr, d[i].len);
				if (!buf)
					return -1;
				memset(buf, 0, d[i].len);
				total += d[i].len;
			}
			if (!(d[i].flags & VRING_DESC_F_NEXT))
				break;
		}
		elem = (volatile struct vring_used_elem *)(used + 2) + used[1] % b->num;
		elem->id = head;
		elem->len = total;
		atomic_thread_fence(memory_order_release);
		used[1]++;
		b->next_avail++;
		n++;
	}
	if (n) {
		atomic_fetch_add(&b->served, n);
		if (write(b->call, &one, sizeof(one)) != sizeof(one))
			return -1;
	}
	return 0;
}

/* Log what the device fd has, keep track of queue 0, acknowledge waits. */
static void take_events(struct backend *b, bool answer)
{
	struct vlo_event ev[8];
	ssize_t n = read(b->dev, ev, sizeof(ev));
	int i;

	for (i = 0; n > 0 && i < n / (ssize_t)sizeof(ev[0]); i++) {
		struct vlo_ack ack = { .seq = ev[i].seq, .result = 0 };

		if (ev[i].type == VLO_EV_QUEUE && ev[i].queue == 0) {
			b->num = ev[i].num;
			b->desc = ev[i].desc;
			b->avail = ev[i].avail;
			b->used = ev[i].used;
			b->next_avail = 0;
		} else if (ev[i].type == VLO_EV_STATUS) {
			b->ready = ev[i].status & VIRTIO_CONFIG_S_DRIVER_OK;
		} else if (ev[i].type == VLO_EV_RESET) {
			b->ready = false;
			b->num = 0;
		}
		pthread_mutex_lock(&b->lock);
		if (b->nlog < LOG_MAX)
			b->log[b->nlog++] = (struct logged){ ev[i], now_s() };
		pthread_mutex_unlock(&b->lock);
		if (answer && ev[i].seq && ioctl(b->dev, VLO_IOC_ACK, &ack))
			backend_error(b, "ack refused");
	}
}

static void *backend_thread(void *arg)
{
	struct backend *b = arg;
	struct pollfd pfd[2] = {
		{ .fd = b->dev, .events = POLLIN },
		{ .fd = b->kick, .events = POLLIN },
	};
	uint64_t cnt;

	while (!atomic_load(&b->stop)) {
		atomic_fetch_add(&b->rounds, 1);
		if (poll(pfd, 2, 50) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents & POLLIN)
			take_events(b, true);
		if ((pfd[1].revents & POLLIN) && read(b->kick, &cnt, sizeof(cnt)) < 0)
			backend_error(b, "kick read failed");
		if (atomic_load(&b->mute) || !b->ready || !b->num)
			continue;
		if (serve(b))
			backend_error(b, "bad ring or chain");
	}
	return NULL;
}

/* Wait until the thread has gone round its loop twice (2 s at most). */
static void backend_sync(struct backend *b)
{
	unsigned long r0 = atomic_load(&b->rounds);
	int i;

	for (i = 0; i < 200 && atomic_load(&b->rounds) - r0 < 2; i++)
		usleep(10000);
	if (atomic_load(&b->rounds) - r0 < 2)
		die("%s: the backend thread is stuck", b->mode);
}

/* The first event of @type logged at index @from or later, -1 if none. */
static int logged_at(struct backend *b, uint32_t type, unsigned int from)
{
	unsigned int i;
	int found = -1;

	pthread_mutex_lock(&b->lock);
	for (i = from; i < b->nlog && found < 0; i++)
		if (b->log[i].ev.type == type)
			found = (int)i;
	pthread_mutex_unlock(&b->lock);
	return found;
}

/* The same, waiting at most @secs for it. */
static int wait_logged(struct backend *b, uint32_t type, unsigned int from, double secs)
{
	double end = now_s() + secs;
	int i;

	while ((i = logged_at(b, type, from)) < 0 && now_s() < end)
		usleep(10000);
	return i;
}

static unsigned int log_count(struct backend *b)
{
	unsigned int n;

	pthread_mutex_lock(&b->lock);
	n = b->nlog;
	pthread_mutex_unlock(&b->lock);
	return n;
}

/* Create device @b (@id, @features, @timeout_ms; config in b->c already). */
static void backend_create(struct backend *b, int ctl, uint32_t id,
			   uint64_t features, uint32_t timeout_ms)
{
	b->c.api_version = VLO_API_VERSION;
	b->c.device_id = id;
	b->c.device_features = features;
	b->c.num_queues = 1;
	b->c.max_queue_size = 128;
	b->c.timeout_ms = timeout_ms;
	b->dev = ioctl(ctl, VLO_IOC_CREATE, &b->c);
	if (b->dev < 0 || fcntl(b->dev, F_SETFL, O_NONBLOCK))
		die("%s: create: %s", b->mode, strerror(errno));
	pthread_mutex_init(&b->lock, NULL);
}

/* Its memory, kick and call, then START and the thread. */
static void backend_start(struct backend *b, pthread_t *thr)
{
	struct vlo_queue_fd kick = { .queue = 0 }, call = { .queue = 0 };

	b->mem = ioctl(b->dev, VLO_IOC_GET_MEMFD);
	b->kick = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	b->call = eventfd(0, EFD_CLOEXEC);
	kick.fd = b->kick;
	call.fd = b->call;
	if (b->mem < 0 || b->kick < 0 || b->call < 0 ||
	    ioctl(b->dev, VLO_IOC_SET_KICK, &kick) || ioctl(b->dev, VLO_IOC_SET_CALL, &call))
		die("%s: memory fd, kick or call: %s", b->mode, strerror(errno));
	b->win = mmap(NULL, b->c.iova_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      b->mem, (off_t)b->c.iova_base);
	if (b->win == MAP_FAILED)
		die("%s: mmap of the window: %s", b->mode, strerror(errno));
	if (pthread_create(thr, NULL, backend_thread, b))
		die("%s: thread", b->mode);
	if (ioctl(b->dev, VLO_IOC_START))
		die("%s: start: %s", b->mode, strerror(errno));
}

/* Stop the thread, close the device; its disk @name must go within 10 s. */
static void backend_close(struct backend *b, pthread_t thr, const char *name)
{
	int i;

	atomic_store(&b->stop, true);
	pthread_join(thr, NULL);
	close(b->dev);
	for (i = 0; i < 100 && name && blk_disk(b->c.index); i++)
		usleep(100000);
	if (name && blk_disk(b->c.index))
		die("%s: %s still there 10 s after the close", b->mode, name);
	munmap(b->win, b->c.iova_size);
	close(b->mem);
	close(b->kick);
	close(b->call);
}

/* Wait (15 s at most) for the disk of block device @b; its name. */
static char *blk_wait_disk(struct backend *b, char *path, size_t size)
{
	char *name = NULL;
	int i;

	for (i = 0; i < 150 && !(name = blk_disk(b->c.index)); i++)
		usleep(100000);
	if (!name)
		die("%s: no disk appeared (virtio_blk did not bind)", b->mode);
	snprintf(path, size, "/dev/%s", name);
	for (i = 0; i < 50 && access(path, F_OK); i++)
		usleep(100000);
	return name;
}

static void blk_config(struct backend *b, uint8_t wce)
{
	struct virtio_blk_config cfg = { .capacity = 2048, .wce = wce };

	b->c.config_size = sizeof(cfg);
	memcpy(b->c.config, &cfg, sizeof(cfg));
}

/* dd exited 0 (true), failed (false); dies if it is still running. */
static bool dd_ok(const char *mode, pid_t dd, double secs, const char *when)
{
	int st = wait_bounded(dd, secs);

	/* Not reaped: a dd in D state ends only once our exit closes the device. */
	if (st == -1) {
		kill(dd, SIGKILL);
		die("%s: a dd %s still blocked after %.0f s", mode, when, secs);
	}
	return WIFEXITED(st) && !WEXITSTATUS(st);
}

static int cmd_error(void)
{
	static struct backend b = { .mode = "error" };
	volatile const uint16_t *avail;
	char path[64], *name;
	uint64_t one = 1;
	unsigned int mark;
	pthread_t thr;
	int ctl = open_ctl(), efd, i, broken;
	double t0;
	pid_t dd;

	blk_config(&b, 0);
	backend_create(&b, ctl, VIRTIO_ID_BLOCK, 0, 2000);
	backend_start(&b, &thr);
	name = blk_wait_disk(&b, path, sizeof(path));
	if (!dd_ok(b.mode, start_dd(path, 8), 10, "on a live device"))
		die("%s: a direct read of %s failed on a live device", b.mode, path);
	/* The driver is bound; the backend hooks its error eventfd now. */
	efd = eventfd(0, EFD_CLOEXEC);
	if (efd < 0 || ioctl(b.dev, VLO_IOC_SET_ERROR, &efd))
		die("%s: set error eventfd: %s", b.mode, strerror(errno));

	/* Stop answering; a request comes in and waits. */
	atomic_store(&b.mute, true);
	backend_sync(&b);
	avail = at(&b, b.avail, 4);
	if (!avail)
		die("%s: avail ring outside the window", b.mode);
	dd = start_dd(path, 16);
	for (i = 0; i < 200 && avail[1] == b.next_avail; i++)
		usleep(50000);
	if (avail[1] == b.next_avail)
		die("%s: dd's request never reached the device", b.mode);
	if (wait_bounded(dd, 0.5) != -1 || logged_at(&b, VLO_EV_BROKEN, 0) >= 0)
		die("%s: dd ended or the device broke before the error eventfd", b.mode);
	mark = log_count(&b);

	t0 = now_s();
	if (write(efd, &one, sizeof(one)) != sizeof(one))
		die("%s: signal the error eventfd: %s", b.mode, strerror(errno));
	broken = wait_logged(&b, VLO_EV_BROKEN, mark, 5);
	if (broken < 0)
		die("%s: no VLO_EV_BROKEN within 5 s of the error eventfd", b.mode);
	printf("%s: %s bound; error eventfd signalled: VLO_EV_BROKEN after %.3f s\n",
	       b.mode, name, b.log[broken].at - t0);
	if (dd_ok(b.mode, dd, 10, "in flight at the break"))
		die("%s: the dd in flight at the break succeeded", b.mode);
	printf("%s: the dd in flight failed %.2f s after the signal\n", b.mode,
	       now_s() - t0);
	t0 = now_s();
	if (dd_ok(b.mode, start_dd(path, 32), 10, "started after the break"))
		die("%s: a dd after the break succeeded", b.mode);
	printf("%s: a dd started after the break failed in %.2f s\n", b.mode,
	       now_s() - t0);
	if (b.error[0])
		die("%s: backend: %s", b.mode, b.error);
	backend_close(&b, thr, name);
	close(efd);
	close(ctl);
	printf("%s: device closed, %s removed\n", b.mode, name);
	return 0;
}

#define NOACK_TIMEOUT_MS 1000

static int cmd_noack(void)
{
	static struct backend b = { .mode = "noack" };
	struct pollfd pfd;
	double t0, took, ok_at = 0, broken_at = 0;
	int ctl = open_ctl();

	backend_create(&b, ctl, VIRTIO_ID_RNG, 0, NOACK_TIMEOUT_MS);
	t0 = now_s();
	if (ioctl(b.dev, VLO_IOC_START))
		die("%s: start: %s", b.mode, strerror(errno));
	took = now_s() - t0;
	if (took > 0.2)
		die("%s: VLO_IOC_START took %.3f s: it waited for the driver", b.mode, took);
	printf("%s: VLO_IOC_START returned after %.4f s\n", b.mode, took);

	/* Read everything, answer nothing; DRIVER_OK is the event that waits. */
	pfd = (struct pollfd){ .fd = b.dev, .events = POLLIN };
	while (!broken_at && now_s() - t0 < NOACK_TIMEOUT_MS / 1000.0 + 5) {
		unsigned int i, from = b.nlog;

		if (poll(&pfd, 1, 50) <= 0)
			continue;
		take_events(&b, false);
		for (i = from; i < b.nlog; i++) {
			if (b.log[i].ev.type == VLO_EV_STATUS && b.log[i].ev.seq &&
			    (b.log[i].ev.status & VIRTIO_CONFIG_S_DRIVER_OK))
				ok_at = b.log[i].at;
			if (b.log[i].ev.type == VLO_EV_BROKEN)
				broken_at = b.log[i].at;
		}
	}
	if (!ok_at)
		die("%s: no DRIVER_OK event waiting for an answer", b.mode);
	if (!broken_at)
		die("%s: not broken %.0f s after the unanswered DRIVER_OK (timeout %d ms)",
		    b.mode, now_s() - ok_at, NOACK_TIMEOUT_MS);
	took = broken_at - ok_at;
	if (took < NOACK_TIMEOUT_MS / 1000.0 * 0.7 || took > NOACK_TIMEOUT_MS / 1000.0 + 2)
		die("%s: broken %.3f s after the unanswered DRIVER_OK, not about its %d ms timeout",
		    b.mode, took, NOACK_TIMEOUT_MS);
	printf("%s: DRIVER_OK unanswered: VLO_EV_BROKEN %.3f s later (timeout %d ms)\n",
	       b.mode, took, NOACK_TIMEOUT_MS);
	t0 = now_s();
	close(b.dev);
	took = now_s() - t0;
	if (took > 2)
		die("%s: close took %.2f s", b.mode, took);
	close(ctl);
	printf("%s: device closed in %.3f s\n", b.mode, took);
	return 0;
}

/* Write @value to the disk's cache_type; what it reads back after. */
static const char *cache_type(const char *mode, const char *name, const char *value)
{
	static char got[32];
	char path[96];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/block/%s/cache_type", name);
	if (value) {
		f = fopen(path, "w");
		if (!f || fputs(value, f) < 0 || fclose(f))
			die("%s: write '%s' to %s: %s", mode, value, path, strerror(errno));
	}
	f = fopen(path, "r");
	if (!f || !fgets(got, sizeof(got), f))
		die("%s: read %s: %s", mode, path, strerror(errno));
	fclose(f);
	got[strcspn(got, "\n")] = 0;
	return got;
}

/* Write @value and expect one VLO_EV_CONFIG of wce = @wce for it. */
static void expect_wce(struct backend *b, const char *name, const char *value, uint8_t wce)
{
	const unsigned int off = offsetof(struct virtio_blk_config, wce);
	unsigned int mark = log_count(b);
	const struct vlo_event *ev;
	const char *got;
	int i;

	got = cache_type(b->mode, name, value);
	if (strcmp(got, value))
		die("%s: cache_type reads '%s' after writing '%s'", b->mode, got, value);
	i = wait_logged(b, VLO_EV_CONFIG, mark, 2);
	if (i < 0)
		die("%s: no VLO_EV_CONFIG within 2 s of writing '%s'", b->mode, value);
	usleep(200000);	/* a second one would be here by now */
	if (logged_at(b, VLO_EV_CONFIG, (unsigned int)i + 1) >= 0)
		die("%s: more than one VLO_EV_CONFIG for one write", b->mode);
	ev = &b->log[i].ev;
	if (ev->offset != off || ev->len != 1 || ev->data[0] != wce)
		die("%s: VLO_EV_CONFIG offset %u len %u data 0x%02x, not offset %u len 1 data 0x%02x",
		    b->mode, ev->offset, ev->len, ev->data[0], off, wce);
	printf("%s: '%s' gave VLO_EV_CONFIG offset %u len 1 data %u\n", b->mode,
	       value, off, wce);
}

static int cmd_config(void)
{
	static struct backend b = { .mode = "config" };
	char path[64], *name;
	const char *got;
	pthread_t thr;
	int ctl = open_ctl();

	blk_config(&b, 1);
	backend_create(&b, ctl, VIRTIO_ID_BLOCK, 1ULL << VIRTIO_BLK_F_FLUSH |
		       1ULL << VIRTIO_BLK_F_CONFIG_WCE, 2000);
	if (!(b.c.offered_features & 1ULL << VIRTIO_BLK_F_CONFIG_WCE))
		die("%s: VIRTIO_BLK_F_CONFIG_WCE not offered to the driver", b.mode);
	backend_start(&b, &thr);
	name = blk_wait_disk(&b, path, sizeof(path));
	/*
	 * The driver core links /sys/block/vdX before it adds the disk's
	 * attributes (device_add: class symlinks, then groups): wait for
	 * cache_type itself, bounded.
	 */
	snprintf(path, sizeof(path), "/sys/block/%s/cache_type", name);
	for (int i = 0; i < 500 && access(path, F_OK); i++)
		usleep(10000);
	got = cache_type(b.mode, name, NULL);
	if (strcmp(got, "write back"))
		die("%s: cache_type reads '%s' with wce 1 in the config", b.mode, got);
	if (logged_at(&b, VLO_EV_CONFIG, 0) >= 0)
		die("%s: a VLO_EV_CONFIG before anything wrote the config", b.mode);
	expect_wce(&b, name, "write through", 0);
	expect_wce(&b, name, "write back", 1);
	if (b.error[0])
		die("%s: backend: %s", b.mode, b.error);
	backend_close(&b, thr, name);
	close(ctl);
	printf("%s: device closed, %s removed\n", b.mode, name);
	return 0;
}

static void *close_dev(void *arg)
{
	struct backend *b = arg;

	close(b->dev);
	atomic_store(&b->closed, true);
	return NULL;
}

static int cmd_probeclose(void)
{
	static struct backend b = { .mode = "probeclose" };
	pthread_t thr, cthr;
	char name[32] = "", *found = NULL;
	double t0;
	int ctl = open_ctl(), i;

	blk_config(&b, 0);
	backend_create(&b, ctl, VIRTIO_ID_BLOCK, 0, 2000);
	atomic_store(&b.mute, true);	/* from the start: the probe's reads wait */
	backend_start(&b, &thr);
	for (i = 0; i < 150 && !(found = blk_disk(b.c.index)); i++)
		usleep(100000);
	if (!found)
		die("%s: no disk appeared (virtio_blk's probe did not get that far)", b.mode);
	snprintf(name, sizeof(name), "%s", found);
	usleep(500000);		/* its partition scan is waiting by now */
	atomic_store(&b.stop, true);
	pthread_join(thr, NULL);
	t0 = now_s();
	if (pthread_create(&cthr, NULL, close_dev, &b))
		die("%s: thread", b.mode);
	while (!atomic_load(&b.closed) && now_s() - t0 < 10)
		usleep(10000);
	if (!atomic_load(&b.closed))
		die("%s: the close still blocked 10 s after it began (%s's probe waiting for I/O)",
		    b.mode, name);
	pthread_join(cthr, NULL);
	printf("%s: closed in %.2f s during %s's probe\n", b.mode, now_s() - t0, name);
	for (i = 0; i < 100 && blk_disk(b.c.index); i++)
		usleep(100000);
	if (blk_disk(b.c.index))
		die("%s: %s still there 10 s after the close", b.mode, name);
	munmap(b.win, b.c.iova_size);
	close(b.mem);
	close(b.kick);
	close(b.call);
	close(ctl);
	printf("%s: %s removed\n", b.mode, name);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "error"))
		return cmd_error();
	if (argc == 2 && !strcmp(argv[1], "noack"))
		return cmd_noack();
	if (argc == 2 && !strcmp(argv[1], "config"))
		return cmd_config();
	if (argc == 2 && !strcmp(argv[1], "probeclose"))
		return cmd_probeclose();
	fprintf(stderr, "usage: vlo-events error | noack | config | probeclose\n");
	return 2;
}
