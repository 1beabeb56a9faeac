/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal to the backend server (vhost_user_backend.c): survive accesses
 * to guest memory the kernel has revoked. virtio_loopback.ko serves the
 * memory window through a fault handler and revokes a buffer's pages when
 * the driver unmaps it; when the frontend dies or the device breaks, every
 * in-flight buffer goes before the backend hears of it, and a device thread
 * that then writes a status gets SIGBUS. The SIGBUS handler puts a private
 * zero page over the faulting page of a registered mapping, so the access
 * completes harmlessly; any other SIGBUS keeps its default action.
 */
#ifndef VHOST_USER_GUARD_H
#define VHOST_USER_GUARD_H

#include <stddef.h>

/* Install the SIGBUS handler (again: whoever replaced it meanwhile loses). */
void vhu_guard_install(void);
/* Register / forget a mapping of guest memory (before munmap). */
void vhu_guard_add(void *addr, size_t len);
void vhu_guard_del(void *addr);
/* Revoked accesses absorbed since the last call. */
unsigned int vhu_guard_take_faults(void);

#endif /* VHOST_USER_GUARD_H */
