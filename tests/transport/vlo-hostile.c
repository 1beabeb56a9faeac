// SPDX-License-Identifier: GPL-2.0
/*
 * vlo-hostile: a hostile user of /dev/virtio-loopback, its device fds and
 * memory fds. Run as root in the VM bench; the bench fails on any kernel
 * report, and the calling script unloads the module at the end.
 *
 *   vlo-hostile [SEED [ITERATIONS]]
 *
 * 1. /dev/virtio-loopback is a character device of root, mode 0600.
 * 2. As root: ITERATIONS random operations (fixed default seed, printed, so a
 *    failure is reproducible): known and unknown ioctls, with valid, random,
 *    NULL, kernel, unmapped and page-crossing argument pointers; reads and
 *    writes of random lengths; mmaps of random offsets, lengths, protections
 *    and flags, touched afterwards; mprotect, lseek, eventfd signals, device
 *    creation, start and close in between.
 * 3. A child drops to nobody: opening the control device must fail with
 *    EACCES or EPERM; then it runs the same loop (SEED + 1) on the control
 *    fd it inherited, which is what a leaked fd would give it.
 *
 * What each reply must be is checked where the driver defines it (unknown
 * commands ENOTTY, bad pointers EFAULT, no read/write/mmap on the control
 * and device fds, no private or out-of-window mapping of the memory fd, and
 * no page readable, since no driver binds to these devices).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "uapi/virtio_loopback.h"

#define NO_DRIVER_ID	0xfff0	/* no driver binds: pure transport */
#define NOBODY		65534
#define NDEV		4
#define NMEM		4
#define NMAP		4
#define PAGE		4096UL

static const char *who = "root";
static uint64_t rng_state;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "vlo-hostile (%s): FAIL: ", who);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

/* xorshift64*: the same seed gives the same run on every machine. */
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static uint32_t below(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}

struct map {
	uint8_t *p;
	size_t len;
};

struct state {
	int ctl;
	int dev[NDEV];
	uint64_t iova_base[NDEV], iova_size[NDEV];
	int mem[NMEM];
	uint64_t mem_size[NMEM];	/* iova_size of its device */
	int efd[2];
	struct map map[NMAP];
	uint8_t *buf;		/* 2 pages, random bytes */
	uint8_t *edge;		/* last byte before a PROT_NONE page */
	void *unmapped;		/* an address with no mapping */
	uint64_t base;		/* of the window: the last create's iova_base */
	unsigned long ok, fail, faults, broken;
};

/* ---- touching memory that may not be there ---- */

static sigjmp_buf touch_env;

static void on_fault(int sig)
{
	(void)sig;
	siglongjmp(touch_env, 1);
}

/* 1 if the access faulted (SIGBUS or SIGSEGV). */
static int touch(volatile uint8_t *p, bool write)
{
	if (sigsetjmp(touch_env, 1))
		return 1;
	if (write)
		*p = 0xa5;
	else
		(void)*p;
	return 0;
}

/* ---- argument pointers ---- */

enum { P_BUF, P_NULL, P_KERNEL, P_DIRECT, P_UNMAPPED, P_EDGE, P_COUNT };

static bool ptr_bad(int kind)
{
	return kind == P_NULL || kind == P_KERNEL || kind == P_DIRECT ||
	       kind == P_UNMAPPED;
}

static void *ptr_of(struct state *s, int kind)
{
	switch (kind) {
	case P_NULL:
		return NULL;
	case P_KERNEL:
		return (void *)0xffffffff81000000UL;	/* kernel text */
	case P_DIRECT:
		return (void *)0xffff888000001000UL;	/* direct map */
	case P_UNMAPPED:
		return s->unmapped;
	case P_EDGE:
		/* An object that runs into the guard page: partly readable. */
		return s->edge - below(64);
	default:
		return s->buf;
	}
}

static void fill_random(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

/* ---- the fd pool ---- */

static int pick_fd(struct state *s, int *kind)
{
	int r = (int)below(10);

	*kind = r;
	if (r == 0)
		return s->ctl;
	if (r <= 4)
		return s->dev[below(NDEV)];
	if (r <= 8)
		return s->mem[below(NMEM)];
	return s->efd[below(2)];
}

static void add_dev(struct state *s, int fd, const struct vlo_create *c)
{
	unsigned int i = below(NDEV);

	if (s->dev[i] >= 0)
		close(s->dev[i]);
	s->dev[i] = fd;
	s->iova_base[i] = c->iova_base;
	s->iova_size[i] = c->iova_size;
}

static void add_mem(struct state *s, int fd, uint64_t size)
{
	unsigned int i = below(NMEM);

	if (s->mem[i] >= 0)
		close(s->mem[i]);
	s->mem[i] = fd;
	s->mem_size[i] = size;
}

/* The window size of device fd @fd, 0 if unknown. */
static uint64_t dev_size(const struct state *s, int fd)
{
	unsigned int i;

	for (i = 0; i < NDEV; i++)
		if (s->dev[i] == fd && fd >= 0)
			return s->iova_size[i];
	return 0;
}

static void op_create(struct state *s)
{
	struct vlo_create c;
	int fd;

	memset(&c, 0, sizeof(c));
	c.api_version = VLO_API_VERSION;
	c.device_id = NO_DRIVER_ID + below(8);
	c.num_queues = 1 + below(VLO_MAX_QUEUES);
	c.max_queue_size = 1U << below(16);
	c.config_size = below(VLO_MAX_CONFIG + 1);
	c.timeout_ms = below(3000);
	c.iova_size = VLO_MIN_IOVA_SIZE << below(3);
	fill_random(c.config, sizeof(c.config));
	fd = ioctl(s->ctl, VLO_IOC_CREATE, &c);
	if (fd < 0)
		die("a valid create failed: %s", strerror(errno));
	if (!c.iova_base || c.iova_base % PAGE)
		die("create returned iova base 0x%llx",
		    (unsigned long long)c.iova_base);
	s->base = c.iova_base;
	if (below(2) && ioctl(fd, VLO_IOC_START))
		die("start of a new device: %s", strerror(errno));
	add_dev(s, fd, &c);
}

/* ---- ioctls ---- */

static const unsigned int known[] = {
	VLO_IOC_CREATE, VLO_IOC_START, VLO_IOC_SET_KICK, VLO_IOC_SET_CALL,
	VLO_IOC_SET_ERROR, VLO_IOC_GET_MEMFD, VLO_IOC_ACK, VLO_IOC_SET_CONFIG,
};

static bool is_known(unsigned int cmd)
{
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (known[i] == cmd)
			return true;
	return false;
}

/* Commands that copy an argument in (and so must fault on a bad one). */
static bool copies_arg(unsigned int cmd)
{
	return cmd != VLO_IOC_START && cmd != VLO_IOC_GET_MEMFD;
}

static int some_fd(struct state *s)
{
	static const int odd[] = { -1, -1, -2, 12345, 0x7fffffff, 0 };
	int kind;

	switch (below(3)) {
	case 0:
		return odd[below(sizeof(odd) / sizeof(odd[0]))];
	case 1:
		return s->efd[below(2)];	/* signalled by op_signal */
	default:
		return pick_fd(s, &kind);
	}
}

/* A well-formed argument for @cmd with random contents. */
static void structured_arg(struct state *s, unsigned int cmd)
{
	struct vlo_queue_fd q;
	struct vlo_ack a;
	struct vlo_config cfg;
	int32_t fd;

	fill_random(s->buf, 2 * PAGE);
	switch (cmd) {
	case VLO_IOC_SET_KICK:
	case VLO_IOC_SET_CALL:
		q.queue = below(4) ? below(4) : (uint32_t)rnd();
		q.fd = some_fd(s);
		memcpy(s->buf, &q, sizeof(q));
		break;
	case VLO_IOC_SET_ERROR:
		fd = some_fd(s);
		memcpy(s->buf, &fd, sizeof(fd));
		break;
	case VLO_IOC_ACK:
		a.seq = below(8);
		a.result = below(2) ? -(int32_t)below(5000) : (int32_t)rnd();
		memcpy(s->buf, &a, sizeof(a));
		break;
	case VLO_IOC_SET_CONFIG:
		memset(&cfg, 0, sizeof(cfg));
		cfg.offset = below(2) ? below(VLO_MAX_CONFIG + 2) : (uint32_t)rnd();
		cfg.len = below(2) ? below(VLO_MAX_CONFIG + 2) : (uint32_t)rnd();
		cfg.flags = below(4) ? below(2) : (uint32_t)rnd();
		cfg.reserved = below(8) ? 0 : (uint32_t)rnd();
		memcpy(s->buf, &cfg, sizeof(cfg));
		break;
	default:
		break;
	}
}

static void op_ioctl(struct state *s)
{
	int kind, pk = (int)below(P_COUNT);
	int fd = pick_fd(s, &kind);
	unsigned int cmd;
	uint32_t r = below(10);
	bool raw, served;
	void *arg;
	int ret, err;

	if (r < 4) {
		cmd = known[below(sizeof(known) / sizeof(known[0]))];
		if (below(2))
			pk = P_BUF;	/* well-formed arguments reach further */
	} else if (r < 7) {
		cmd = _IOC(below(4), VLO_IOC_MAGIC, below(256), below(1 << 14));
	} else {
		cmd = (uint32_t)rnd();
		/* Type 'T' is the VFS's FIO* (fd flags) and ttys: not ours. */
		if (_IOC_TYPE(cmd) == 'T')
			cmd ^= 0x100;
	}
	/* Never a valid create on a random buffer: that is op_create's job. */
	if (cmd == VLO_IOC_CREATE && pk == P_BUF)
		pk = P_NULL;
	if (pk == P_BUF)
		structured_arg(s, cmd);
	arg = ptr_of(s, pk);
	/* Some commands take an int, not a pointer: any value at all. */
	raw = below(8) == 0;
	if (raw)
		arg = (void *)(uintptr_t)rnd();
	ret = ioctl(fd, cmd, arg);
	err = errno;
	/* Which commands this kind of fd implements. */
	served = is_known(cmd) && kind <= 4 && fd >= 0 &&
		 (kind == 0) == (cmd == VLO_IOC_CREATE);
	if (ret >= 0) {
		s->ok++;
		if (!served)
			die("ioctl 0x%08x on fd %d (kind %d) succeeded: %d",
			    cmd, fd, kind, ret);
		if (cmd == VLO_IOC_CREATE)
			die("create with a random argument succeeded");
		if (cmd == VLO_IOC_GET_MEMFD)
			add_mem(s, ret, dev_size(s, fd));
		return;
	}
	s->fail++;
	if (fd < 0 || kind > 8)
		return;		/* not ours: any error will do */
	if (kind > 4) {
		if (err != ENOTTY)
			die("ioctl 0x%08x on a memory fd: %s, not ENOTTY", cmd,
			    strerror(err));
		return;
	}
	if (_IOC_TYPE(cmd) == VLO_IOC_MAGIC && !served && err != ENOTTY)
		die("unknown ioctl 0x%08x on %s fd: %s, not ENOTTY", cmd,
		    kind ? "a device" : "the control", strerror(err));
	if (served && copies_arg(cmd) && ptr_bad(pk) && !raw && err != EFAULT)
		die("ioctl 0x%08x with pointer %p: %s, not EFAULT", cmd, arg,
		    strerror(err));
}

/* ---- read, write, lseek ---- */

/* Devices broken by what the loop did (error eventfds, bad acks). */
static void count_broken(struct state *s, ssize_t n)
{
	struct vlo_event ev;
	ssize_t off;

	for (off = 0; off + (ssize_t)sizeof(ev) <= n; off += sizeof(ev)) {
		memcpy(&ev, s->buf + off, sizeof(ev));
		if (ev.type == VLO_EV_BROKEN)
			s->broken++;
	}
}

static void op_rw(struct state *s)
{
	int kind, pk = (int)below(P_COUNT);
	int fd = pick_fd(s, &kind);
	size_t len = below(4) ? below(2 * PAGE) : below(64);
	bool wr = below(2);
	void *p = ptr_of(s, pk);
	ssize_t n;
	int err;

	if (fd < 0)
		return;
	if (pk == P_EDGE && len > 64)
		len = 64;
	fcntl(fd, F_SETFL, O_NONBLOCK);	/* a device read must never block */
	n = wr ? write(fd, p, len) : read(fd, p, len);
	err = errno;
	if (kind > 8)
		return;		/* an eventfd */
	if (kind <= 4 && kind != 0 && !wr) {
		/* Device fd: whole events, or nothing. */
		if (n >= 0 && n % sizeof(struct vlo_event))
			die("device read of %zu gave %zd bytes", len, n);
		if (n > 0 && pk == P_BUF)
			count_broken(s, n);
		/* The VFS refuses a kernel pointer before the driver looks. */
		if (n < 0 && len < sizeof(struct vlo_event) && err != EINVAL &&
		    !(err == EFAULT && ptr_bad(pk)))
			die("device read of %zu: %s, not EINVAL", len,
			    strerror(err));
		if (n < 0 && err != EINVAL && err != EAGAIN && err != EFAULT)
			die("device read of %zu: %s", len, strerror(err));
		return;
	}
	if (n >= 0 && len)
		die("%s of %zu bytes on fd kind %d succeeded", wr ? "write" : "read",
		    len, kind);
	if (below(4) == 0)
		lseek(fd, (off_t)rnd(), (int)below(5));
}

/* ---- mappings ---- */

static void op_mmap(struct state *s)
{
	static const int prots[] = {
		PROT_READ, PROT_WRITE, PROT_READ | PROT_WRITE, PROT_NONE,
		PROT_READ | PROT_EXEC,
	};
	int kind, fd = pick_fd(s, &kind);
	int prot = prots[below(5)];
	int flags = below(4) ? MAP_SHARED : MAP_PRIVATE;
	uint64_t size = 0, off;
	size_t len, i;
	struct map *m;
	void *p;

	for (i = 0; i < NMEM; i++)
		if (s->mem[i] == fd && fd >= 0)
			size = s->mem_size[i];
	if (!size)
		size = VLO_MAX_IOVA_SIZE;	/* not a memory fd */
	switch (below(4)) {
	case 0:
		off = 0;
		break;
	case 1:
		off = s->base;
		break;
	case 2:
		off = s->base + (uint64_t)below((uint32_t)(size / PAGE + 4)) * PAGE;
		break;
	default:
		off = (rnd() & ~(PAGE - 1)) >> below(40);
		break;
	}
	len = (1 + below(below(2) ? 8 : (uint32_t)(size / PAGE + 4))) * PAGE;
	p = mmap(NULL, len, prot, flags, fd, (off_t)off);
	if (p == MAP_FAILED) {
		s->fail++;
		return;
	}
	s->ok++;
	if (kind <= 4 || kind > 8)
		die("mmap of fd kind %d succeeded", kind);
	if (flags == MAP_PRIVATE)
		die("a private mapping of a memory fd succeeded");
	if (off + len > s->base + size)
		die("mapping [0x%llx, +0x%zx) past a window of 0x%llx accepted",
		    (unsigned long long)off, len, (unsigned long long)size);
	/* No driver binds, so no page is ever mapped for the device. */
	for (i = 0; i < 4; i++) {
		size_t at = below((uint32_t)(len / PAGE)) * PAGE + below(PAGE);

		if (!touch((uint8_t *)p + at, below(2)))
			die("byte 0x%llx of a window with nothing mapped is accessible",
			    (unsigned long long)off + at);
		s->faults++;
	}
	if (below(2))
		mprotect(p, len, prots[below(5)]);
	m = &s->map[below(NMAP)];
	if (m->p)
		munmap(m->p, m->len);
	m->p = p;
	m->len = len;
}

/* An old mapping, maybe of a device closed since: must still fault. */
static void op_touch(struct state *s)
{
	struct map *m = &s->map[below(NMAP)];

	if (!m->p)
		return;
	if (!touch(m->p + below((uint32_t)m->len), below(2)))
		die("an old mapping became accessible");
	s->faults++;
	if (below(4) == 0) {
		munmap(m->p, m->len);
		m->p = NULL;
	}
}

static void op_close(struct state *s)
{
	unsigned int i = below(NDEV + NMEM);

	if (i < NDEV) {
		if (s->dev[i] >= 0)
			close(s->dev[i]);
		s->dev[i] = -1;
	} else if (s->mem[i - NDEV] >= 0) {
		close(s->mem[i - NDEV]);
		s->mem[i - NDEV] = -1;
	}
}

static void op_signal(struct state *s)
{
	uint64_t one = 1;

	if (write(s->efd[below(2)], &one, sizeof(one)) != sizeof(one))
		die("eventfd write: %s", strerror(errno));
}

static void fuzz(int ctl, uint64_t seed, unsigned int iterations)
{
	struct sigaction sa = { .sa_handler = on_fault };
	struct state s;
	unsigned int i;
	uint8_t *guard;

	printf("vlo-hostile (%s): seed %llu, %u iterations\n", who,
	       (unsigned long long)seed, iterations);
	fflush(stdout);
	rng_state = seed ? seed : 1;
	memset(&s, 0, sizeof(s));
	s.ctl = ctl;
	s.base = 0x100000;	/* until the first create says */
	for (i = 0; i < NDEV; i++)
		s.dev[i] = -1;
	for (i = 0; i < NMEM; i++)
		s.mem[i] = -1;
	s.efd[0] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	s.efd[1] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	guard = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s.efd[0] < 0 || s.efd[1] < 0 || guard == MAP_FAILED)
		die("setup: %s", strerror(errno));
	s.buf = guard;
	s.edge = guard + 3 * PAGE - 1;
	mprotect(guard + 3 * PAGE, PAGE, PROT_NONE);
	s.unmapped = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s.unmapped == MAP_FAILED || munmap(s.unmapped, PAGE))
		die("setup: %s", strerror(errno));
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);

	for (i = 0; i < iterations; i++) {
		switch (below(16)) {
		case 0:
			op_create(&s);
			if (below(2)) {
				int dev = s.dev[below(NDEV)];
				int mem = ioctl(dev, VLO_IOC_GET_MEMFD);

				if (dev >= 0 && mem < 0)
					die("memfd: %s", strerror(errno));
				if (mem >= 0)
					add_mem(&s, mem, dev_size(&s, dev));
			}
			break;
		case 1:
			op_close(&s);
			break;
		case 2:
			op_signal(&s);
			break;
		case 3: case 4: case 5:
			op_rw(&s);
			break;
		case 6: case 7: case 8:
			op_mmap(&s);
			break;
		case 9:
			op_touch(&s);
			break;
		default:
			op_ioctl(&s);
			break;
		}
	}
	for (i = 0; i < NMAP; i++)
		if (s.map[i].p)
			munmap(s.map[i].p, s.map[i].len);
	for (i = 0; i < NDEV; i++)
		if (s.dev[i] >= 0)
			close(s.dev[i]);
	for (i = 0; i < NMEM; i++)
		if (s.mem[i] >= 0)
			close(s.mem[i]);
	close(s.efd[0]);
	close(s.efd[1]);
	munmap(guard, 4 * PAGE);
	signal(SIGBUS, SIG_DFL);
	signal(SIGSEGV, SIG_DFL);
	printf("vlo-hostile (%s): %lu calls succeeded, %lu refused, %lu faults as expected, %lu devices seen broken\n",
	       who, s.ok, s.fail, s.faults, s.broken);
}

static void check_node(void)
{
	struct stat st;

	if (stat(VLO_CONTROL_DEVICE, &st))
		die("stat %s: %s", VLO_CONTROL_DEVICE, strerror(errno));
	if (!S_ISCHR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 07777) != 0600)
		die("%s: mode %o uid %u, not a character device of root, 0600",
		    VLO_CONTROL_DEVICE, st.st_mode, st.st_uid);
}

/* As nobody: no access to the node, and the same loop on a leaked fd. */
static void unprivileged(int ctl, uint64_t seed, unsigned int iterations)
{
	int fd;

	who = "nobody";
	if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
		die("dropping to nobody: %s", strerror(errno));
	if (getuid() != NOBODY || geteuid() != NOBODY || !setuid(0))
		die("still privileged after setuid");
	fd = open(VLO_CONTROL_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd >= 0)
		die("nobody opened %s", VLO_CONTROL_DEVICE);
	if (errno != EACCES && errno != EPERM)
		die("nobody opening %s: %s, not EACCES/EPERM", VLO_CONTROL_DEVICE,
		    strerror(errno));
	fd = open(VLO_CONTROL_DEVICE, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 || (errno != EACCES && errno != EPERM))
		die("nobody opening %s read-only: %s", VLO_CONTROL_DEVICE,
		    fd >= 0 ? "allowed" : strerror(errno));
	printf("vlo-hostile (nobody): open %s refused (%s)\n", VLO_CONTROL_DEVICE,
	       strerror(errno));
	fuzz(ctl, seed, iterations);
}

int main(int argc, char **argv)
{
	uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 0x5eed;
	unsigned int iterations = argc > 2 ? (unsigned int)atoi(argv[2]) : 3000;
	int ctl, st;
	pid_t pid;

	check_node();
	ctl = open(VLO_CONTROL_DEVICE, O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		die("open %s: %s", VLO_CONTROL_DEVICE, strerror(errno));
	fuzz(ctl, seed, iterations);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (!pid) {
		unprivileged(ctl, seed + 1, iterations);
		exit(0);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		die("the unprivileged run failed (status 0x%x)", st);
	close(ctl);
	printf("vlo-hostile: PASS\n");
	return 0;
}
