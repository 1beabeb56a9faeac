// SPDX-License-Identifier: MIT
/* Unit tests of sound-backend/fd_wait.c: the audio thread's sleep on an
 * end's descriptors and its wake eventfd (epoll, ppoll where epoll cannot). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fd_wait.h"

struct fix {
	int wake;
	int pipe[2];
	struct fd_wait w;
};

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	assert_true(f->wake >= 0);
	assert_int_equal(pipe2(f->pipe, O_CLOEXEC | O_NONBLOCK), 0);
	fd_wait_init(&f->w, f->wake);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	fd_wait_fini(&f->w);
	close(f->wake);
	close(f->pipe[0]);
	close(f->pipe[1]);
	free(f);
	return 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static const struct timespec ms20 = { .tv_sec = 0, .tv_nsec = 20000000 };
static const struct timespec ms0 = { 0, 0 };

static void put(int fd)
{
	char c = 'x';

	assert_int_equal(write(fd, &c, 1), 1);
}

static void drain(int fd)
{
	char buf[64];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

/* The ready descriptor is reported with its revents; the wake fd is not. */
static void test_ready_fd(void **state)
{
	struct fix *f = *state;
	struct pollfd p = { .fd = f->pipe[0], .events = POLLIN };
	bool woken = true;

	put(f->pipe[1]);
	assert_int_equal(fd_wait_sleep(&f->w, &p, 1, 1, &ms20, &woken), 1);
	assert_true(p.revents & POLLIN);
	assert_false(woken);
}

/* A write of the wake eventfd ends the sleep, with no descriptor ready. */
static void test_wake(void **state)
{
	struct fix *f = *state;
	struct pollfd p = { .fd = f->pipe[0], .events = POLLIN };
	uint64_t one = 1;
	bool woken = false;

	assert_int_equal(write(f->wake, &one, sizeof(one)), (ssize_t)sizeof(one));
	assert_int_equal(fd_wait_sleep(&f->w, &p, 1, 1, &ms20, &woken), 1);
	assert_true(woken);
	assert_int_equal(p.revents, 0);
	/* a caller that knows of its writes by other means passes NULL */
	assert_int_equal(fd_wait_sleep(&f->w, &p, 1, 1, &ms20, NULL), 1);
}

/* Nothing ready: the sleep lasts the timeout, again and again, also after
 * a descriptor was ready once and drained (it stays registered). */
static void test_timeout_and_reuse(void **state)
{
	struct fix *f = *state;
	struct pollfd p = { .fd = f->pipe[0], .events = POLLIN };
	bool woken;
	uint64_t t0;

	for (int i = 0; i < 3; i++) {
		t0 = now_ms();
		p.revents = POLLERR;
		assert_int_equal(fd_wait_sleep(&f->w, &p, 1, 7, &ms20, &woken), 0);
		assert_true(now_ms() - t0 >= 15);
		assert_true(now_ms() - t0 < 2000);
		assert_int_equal(p.revents, 0);
		assert_false(woken);
		put(f->pipe[1]);
		assert_int_equal(fd_wait_sleep(&f->w, &p, 1, 7, &ms0, &woken), 1);
		assert_true(p.revents & POLLIN);
		drain(f->pipe[0]);
	}
}

/*
 * Another end (a new generation) may get a closed descriptor's number for
 * another file: it must be registered again, or its readiness is never seen.
 */
static void test_new_generation_same_number(void **state)
{
	struct fix *f = *state;
	struct pollfd p = { .fd = f->pipe[0], .events = POLLIN };
	int other[2];
	bool woken;

	assert_int_equal(fd_wait_sleep(&f->w, &p, 1, 1, &ms0, &woken), 0);
	assert_int_equal(pipe2(other, O_CLOEXEC | O_NONBLOCK), 0);
	/* the old file goes; the number now names the new pipe */
	assert_int_equal(dup3(other[0], f->pipe[0], O_CLOEXEC), f->pipe[0]);
	close(other[0]);
	close(f->pipe[1]);
	f->pipe[1] = other[1];
	put(f->pipe[1]);
	assert_int_equal(fd_wait_sleep(&f->w, &p, 1, 2, &ms20, &woken), 1);
	assert_true(p.revents & POLLIN);
}

/* Other events on the same descriptor: registered again. */
static void test_changed_events(void **state)
{
	struct fix *f = *state;
	struct pollfd q = { .fd = f->pipe[1], .events = POLLIN };
	bool woken;

	assert_int_equal(fd_wait_sleep(&f->w, &q, 1, 3, &ms0, &woken), 0);
	q.events = POLLOUT;	/* an empty pipe's write end: writable */
	assert_int_equal(fd_wait_sleep(&f->w, &q, 1, 3, &ms20, &woken), 1);
	assert_true(q.revents & POLLOUT);
}

/* Sets epoll refuses (a descriptor twice, a regular file) are waited on
 * with ppoll: still the right answer. */
static void test_ppoll_fallback(void **state)
{
	struct fix *f = *state;
	struct pollfd two[2] = { { .fd = f->pipe[0], .events = POLLIN },
				 { .fd = f->pipe[0], .events = POLLIN } };
	char path[] = "/tmp/fd_wait_XXXXXX";
	struct pollfd file;
	uint64_t one = 1;
	bool woken;
	int fd;

	assert_int_equal(fd_wait_sleep(&f->w, two, 2, 4, &ms0, &woken), 0);
	put(f->pipe[1]);
	assert_int_equal(fd_wait_sleep(&f->w, two, 2, 4, &ms20, &woken), 2);
	assert_true(two[0].revents & POLLIN);
	assert_true(two[1].revents & POLLIN);
	assert_int_equal(write(f->wake, &one, sizeof(one)), (ssize_t)sizeof(one));
	assert_int_equal(fd_wait_sleep(&f->w, two, 2, 4, &ms20, &woken), 3);
	assert_true(woken);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	file = (struct pollfd){ .fd = fd, .events = POLLIN };
	assert_true(fd_wait_sleep(&f->w, &file, 1, 5, &ms20, &woken) >= 1);
	assert_true(file.revents & POLLIN);
	close(fd);
	/* and epoll again for the next set */
	drain(f->pipe[0]);
	drain(f->wake);
	put(f->pipe[1]);
	assert_int_equal(fd_wait_sleep(&f->w, two, 1, 6, &ms20, &woken), 1);
	assert_false(f->w.use_ppoll);
	assert_true(f->w.ep >= 0);
}

static void test_too_many(void **state)
{
	struct fix *f = *state;
	struct pollfd p[FD_WAIT_MAX + 1];
	bool woken;

	for (unsigned int i = 0; i <= FD_WAIT_MAX; i++)
		p[i] = (struct pollfd){ .fd = f->pipe[0], .events = POLLIN };
	errno = 0;
	assert_int_equal(fd_wait_sleep(&f->w, p, FD_WAIT_MAX + 1, 1, &ms0, &woken), -1);
	assert_int_equal(errno, EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ready_fd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wake, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout_and_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_generation_same_number, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changed_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ppoll_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_many, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
