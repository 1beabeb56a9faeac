/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by vlo-test and vlo-events (tests/transport): failing,
 * bounded waits for children, and finding the disk of a virtio-blk device.
 */
#ifndef VLO_UTIL_H
#define VLO_UTIL_H

#include <sys/types.h>

/* Print "<program>: FAIL: <message>" on stderr and exit 1. */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* The control device, opened read-write; dies if it cannot be. */
int open_ctl(void);

/* CLOCK_MONOTONIC in seconds. */
double now_s(void);

/* Wait at most @secs for child @pid; its wait status, or -1 if still running. */
int wait_bounded(pid_t pid, double secs);

/* The disk virtio_blk made of loopback device @index, e.g. "vda", or NULL. */
char *blk_disk(unsigned int index);

/* A direct dd of the 4 KiB block @skip of @dev in a child; returns its pid. */
pid_t start_dd(const char *dev, unsigned int skip);

#endif
