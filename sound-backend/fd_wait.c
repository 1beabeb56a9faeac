// SPDX-License-Identifier: MIT
/* An audio thread's sleep on descriptors through epoll; see fd_wait.h. */
#include "fd_wait.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

/* epoll data of the wake eventfd; a set's descriptors carry their index. */
#define WAKE_TAG UINT32_MAX

void fd_wait_init(struct fd_wait *w, int wake_fd)
{
	memset(w, 0, sizeof(*w));
	w->ep = -1;
	w->wake_fd = wake_fd;
}

void fd_wait_fini(struct fd_wait *w)
{
	if (w->ep >= 0)
		close(w->ep);
	w->ep = -1;
	w->have_set = false;
}

static bool same_set(const struct fd_wait *w, const struct pollfd *fds, unsigned int n,
		     uint64_t gen)
{
	if (!w->have_set || w->gen != gen || w->n != n)
		return false;
	for (unsigned int i = 0; i < n; i++)
		if (w->reg[i].fd != fds[i].fd || w->reg[i].events != fds[i].events)
			return false;
	return true;
}

/* A new epoll instance for this set; use_ppoll when epoll refuses it. */
static void register_set(struct fd_wait *w, const struct pollfd *fds, unsigned int n,
			 uint64_t gen)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = WAKE_TAG };
	bool ok;

	if (w->ep >= 0)
		close(w->ep);
	w->ep = epoll_create1(EPOLL_CLOEXEC);
	ok = w->ep >= 0 && (w->wake_fd < 0 ||
			    !epoll_ctl(w->ep, EPOLL_CTL_ADD, w->wake_fd, &ev));
	for (unsigned int i = 0; ok && i < n; i++) {
		/* poll's and epoll's event bits have the same values */
		ev.events = (uint16_t)fds[i].events;
		ev.data.u32 = i;
		ok = !epoll_ctl(w->ep, EPOLL_CTL_ADD, fds[i].fd, &ev);
	}
	if (!ok && w->ep >= 0) {
		close(w->ep);
		w->ep = -1;
	}
	w->use_ppoll = !ok;
	memcpy(w->reg, fds, n * sizeof(fds[0]));
	w->n = n;
	w->gen = gen;
	w->have_set = true;
}

static int sleep_ppoll(struct fd_wait *w, struct pollfd *fds, unsigned int n,
		       const struct timespec *timeout, bool *woken)
{
	struct pollfd p[FD_WAIT_MAX + 1];
	int rc;

	memcpy(p, fds, n * sizeof(fds[0]));
	p[n] = (struct pollfd){ .fd = w->wake_fd, .events = POLLIN };
	rc = ppoll(p, n + 1, timeout, NULL);
	for (unsigned int i = 0; i < n; i++)
		fds[i].revents = rc > 0 ? p[i].revents : 0;
	*woken = rc > 0 && p[n].revents;
	return rc;
}

int fd_wait_sleep(struct fd_wait *w, struct pollfd *fds, unsigned int n, uint64_t gen,
		  const struct timespec *timeout, bool *woken)
{
	struct epoll_event evs[FD_WAIT_MAX + 1];
	bool ignored;
	int rc;

	if (!woken)
		woken = &ignored;
	*woken = false;
	if (n > FD_WAIT_MAX) {
		errno = EINVAL;
		return -1;
	}
	for (unsigned int i = 0; i < n; i++)
		fds[i].revents = 0;
	if (!same_set(w, fds, n, gen))
		register_set(w, fds, n, gen);
	if (w->use_ppoll)
		return sleep_ppoll(w, fds, n, timeout, woken);
	rc = epoll_pwait2(w->ep, evs, (int)n + 1, timeout, NULL);
	if (rc < 0 && errno == ENOSYS) {
		/* a kernel before 5.11: this set, and the next, by ppoll */
		w->use_ppoll = true;
		return sleep_ppoll(w, fds, n, timeout, woken);
	}
	for (int i = 0; i < rc; i++) {
		uint32_t tag = evs[i].data.u32;

		if (tag == WAKE_TAG)
			*woken = true;
		else if (tag < n)
			fds[tag].revents = (short)(evs[i].events & 0xffff);
	}
	return rc;
}
