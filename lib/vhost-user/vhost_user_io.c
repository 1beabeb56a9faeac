// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-user socket I/O: one message per call, fds as SCM_RIGHTS with the
 * header, every wait bounded by the caller's timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vhost_user.h"

void vhu_msg_close_fds(struct vhu_msg *m)
{
	unsigned int i;

	for (i = 0; i < m->nfds && i < VHU_MAX_FDS; i++) {
		if (m->fds[i] >= 0)
			close(m->fds[i]);
		m->fds[i] = -1;
	}
	m->nfds = 0;
}

int vhu_send(int sock, const struct vhu_msg *m)
{
	uint8_t buf[VHU_HDR_SIZE + VHU_MAX_PAYLOAD];
	union {
		char buf[CMSG_SPACE(VHU_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov;
	struct msghdr mh;
	size_t len, off = 0;
	ssize_t n;

	if (m->nfds > VHU_MAX_FDS)
		return -EINVAL;
	len = vhu_msg_encode(m, buf, sizeof(buf));
	if (!len)
		return -EINVAL;
	memset(&ctl, 0, sizeof(ctl));
	while (off < len) {
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = buf + off;
		iov.iov_len = len - off;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		if (off == 0 && m->nfds) {
			struct cmsghdr *c;

			mh.msg_control = ctl.buf;
			mh.msg_controllen = CMSG_SPACE(m->nfds * sizeof(int));
			c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(m->nfds * sizeof(int));
			memcpy(CMSG_DATA(c), m->fds, m->nfds * sizeof(int));
		}
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				struct pollfd p = { .fd = sock, .events = POLLOUT };

				if (poll(&p, 1, 1000) <= 0)
					return -ETIMEDOUT;
				continue;
			}
			return errno == EPIPE ? -ECONNRESET : -errno;
		}
		off += (size_t)n;
	}
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for input until the deadline (-1: none). */
static int wait_in(int sock, int64_t deadline)
{
	struct pollfd p = { .fd = sock, .events = POLLIN };
	int left, r;

	for (;;) {
		left = -1;
		if (deadline >= 0) {
			int64_t d = deadline - now_ms();

			left = d < 0 ? 0 : (int)d;
		}
		r = poll(&p, 1, left);
		if (r > 0)
			return 0;
		if (r == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

/* Read exactly len bytes; collect fds from any ancillary data. */
static int read_full(int sock, uint8_t *buf, size_t len, int *fds,
		     unsigned int *nfds, bool *too_many, int64_t deadline)
{
	union {
		char buf[CMSG_SPACE(VHU_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	size_t off = 0;

	while (off < len) {
		struct iovec iov = { .iov_base = buf + off, .iov_len = len - off };
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
		};
		struct cmsghdr *c;
		ssize_t n;
		int r;

		r = wait_in(sock, deadline);
		if (r)
			return r;
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			return errno == ECONNRESET ? -ECONNRESET : -errno;
		}
		for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			size_t k, cnt;

			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
				continue;
			cnt = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (k = 0; k < cnt; k++) {
				int fd;

				memcpy(&fd, CMSG_DATA(c) + k * sizeof(int), sizeof(fd));
				if (*nfds < VHU_MAX_FDS) {
					fds[(*nfds)++] = fd;
				} else {
					close(fd);
					*too_many = true;
				}
			}
		}
		if (mh.msg_flags & MSG_CTRUNC)
			*too_many = true;
		if (n == 0)
			return -ECONNRESET;
		off += (size_t)n;
	}
	return 0;
}

int vhu_recv(int sock, struct vhu_msg *m, enum vhu_dir dir, int timeout_ms,
	     const char **why)
{
	uint8_t buf[VHU_HDR_SIZE + VHU_MAX_PAYLOAD];
	int fds[VHU_MAX_FDS];
	unsigned int nfds = 0, i;
	uint32_t request, flags, size;
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	bool too_many = false;
	const char *dummy;
	int r;

	if (!why)
		why = &dummy;
	*why = NULL;
	r = read_full(sock, buf, VHU_HDR_SIZE, fds, &nfds, &too_many, deadline);
	if (r)
		goto fail;
	if (vhu_hdr_decode(buf, VHU_HDR_SIZE, &request, &flags, &size)) {
		*why = "bad header (version, flags or size)";
		r = -EPROTO;
		goto fail;
	}
	r = read_full(sock, buf + VHU_HDR_SIZE, size, fds, &nfds, &too_many, deadline);
	if (r)
		goto fail;
	if (too_many) {
		*why = "too many file descriptors";
		r = -EPROTO;
		goto fail;
	}
	if (vhu_msg_decode(m, buf, VHU_HDR_SIZE + size, fds, nfds, dir, why)) {
		r = -EPROTO;
		goto fail;
	}
	return 0;
fail:
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	m->nfds = 0;
	return r;
}

int vhu_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}
