/* SPDX-License-Identifier: MIT */
/*
 * An audio thread's sleep on its end's poll descriptors and its wake
 * eventfd, through an epoll instance of its own.
 *
 * Why not ppoll(): it hooks every descriptor onto its wait queue before
 * sleeping and unhooks it after, and polls each twice, on every sleep,
 * which for a stream is once a period. Here a descriptor set is
 * registered once and stays registered while the set and its generation
 * stay the same; a wake-up polls only the descriptor that woke it.
 *
 * The generation is the caller's count of end changes (snd_io: claims): a
 * descriptor number of a closed end may come back as another file, which
 * the old registration would not see, so a new generation gets a new epoll
 * instance. Where epoll cannot take the set (no epoll, a descriptor twice
 * in the set, a file that cannot be polled by epoll), that set is waited on
 * with ppoll(), as before.
 */
#ifndef VLO_FD_WAIT_H
#define VLO_FD_WAIT_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* Most descriptors of a set, besides the wake eventfd. */
#define FD_WAIT_MAX 8

struct fd_wait {
	int ep;			/* -1: none (yet, or this set uses ppoll) */
	int wake_fd;
	bool have_set;		/* reg[0..n) and gen describe the set */
	bool use_ppoll;		/* epoll refused this set */
	uint64_t gen;
	unsigned int n;
	struct pollfd reg[FD_WAIT_MAX];
};

/* Nothing is registered until the first sleep. wake_fd stays the caller's. */
void fd_wait_init(struct fd_wait *w, int wake_fd);
void fd_wait_fini(struct fd_wait *w);

/*
 * Sleep until one of fds[0..n) (n <= FD_WAIT_MAX) or the wake eventfd is
 * ready, or timeout has passed. Sets fds[i].revents, and *woken (unless
 * woken is NULL) when the wake eventfd was ready (the caller reads it,
 * and may know it by other means). Returns the number of
 * ready descriptors, the wake eventfd included; 0 on timeout; -1 with
 * errno (EINTR, or EINVAL for a bad n).
 */
int fd_wait_sleep(struct fd_wait *w, struct pollfd *fds, unsigned int n, uint64_t gen,
		  const struct timespec *timeout, bool *woken);

#endif
