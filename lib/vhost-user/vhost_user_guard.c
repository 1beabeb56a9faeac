// SPDX-License-Identifier: GPL-2.0
/* Guest memory that the kernel revokes under a backend: see vhost_user_guard.h. */
#include "vhost_user_guard.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

/*
 * virtio_loopback.ko serves the memory window through a fault handler and
 * revokes a buffer's pages when the driver unmaps it. When the frontend
 * dies or the device is broken, the kernel unmaps every in-flight buffer
 * before we hear of it, and the device's threads (audio threads writing a
 * status, say) then touch pages that are gone: SIGBUS. The handler puts a
 * private zero page over the faulting page of a mapping of ours, so that
 * access completes harmlessly; the device is reset when the frontend goes.
 * It is process-wide by nature (a signal handler), hence this one table,
 * filled and emptied only by control threads, read lock-free by handlers.
 */
#define GUARD_SLOTS 64
static struct {
	_Atomic uintptr_t start, end;
} guarded[GUARD_SLOTS];
static atomic_uint revoked_faults;
static uintptr_t page_mask;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	uintptr_t a = (uintptr_t)si->si_addr;
	unsigned int i;

	(void)uc;
	for (i = 0; i < GUARD_SLOTS; i++) {
		uintptr_t start = atomic_load(&guarded[i].start);

		if (start && a >= start && a < atomic_load(&guarded[i].end) &&
		    mmap((void *)(a & ~page_mask), page_mask + 1, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED) {
			atomic_fetch_add(&revoked_faults, 1);
			return;
		}
	}
	/* Not ours: the default action on return, when the access faults again. */
	signal(sig, SIG_DFL);
}

void vhu_guard_install(void)
{
	struct sigaction sa = { .sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO };

	page_mask = (uintptr_t)sysconf(_SC_PAGESIZE) - 1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
}

void vhu_guard_add(void *p, size_t len)
{
	unsigned int i;

	for (i = 0; i < GUARD_SLOTS; i++) {
		if (atomic_load(&guarded[i].start))
			continue;
		atomic_store(&guarded[i].end, (uintptr_t)p + len);
		atomic_store(&guarded[i].start, (uintptr_t)p);
		return;
	}
}

void vhu_guard_del(void *p)
{
	unsigned int i;

	for (i = 0; i < GUARD_SLOTS; i++)
		if (atomic_load(&guarded[i].start) == (uintptr_t)p)
			atomic_store(&guarded[i].start, 0);
}

unsigned int vhu_guard_take_faults(void)
{
	return atomic_exchange(&revoked_faults, 0);
}
