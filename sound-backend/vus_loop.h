/* SPDX-License-Identifier: MIT */
/*
 * vhost-user-sound's event loop on the control thread: the vhost-user
 * server (vhu_backend_run), the device's host events (jack controls,
 * vus_device_fds), SIGINT/SIGTERM, and the service manager (sd_notify):
 *
 *   READY=1       once the socket is listening (bound or inherited), with
 *                 the first STATUS=
 *   STATUS=...    "listening on PATH, N stream(s), J jack(s)", then
 *                 "frontend connected, R of N stream(s) running" as that
 *                 changes (checked every second)
 *   WATCHDOG=1    every WATCHDOG_USEC/2 when the unit sets WatchdogSec=
 *                 (sd_watchdog_enabled): sent from this loop only, so a
 *                 control thread that hangs stops the pings
 *   STOPPING=1    on SIGINT/SIGTERM
 *
 * How the sources share one thread: they all sit in an epoll set that is
 * vhu_backend_run's stop descriptor; the server returns when one of them
 * is ready (between two messages), the loop handles it and calls the
 * server again, which keeps its connection.
 */
#ifndef VUS_LOOP_H
#define VUS_LOOP_H

#include "vhost_user_backend.h"
#include "vus_device.h"

/*
 * Serve until SIGINT/SIGTERM arrive on sig_fd (a signalfd). `where' names
 * the socket for the status line. Returns 0, or -errno when the server
 * failed for good (accept) or the loop could not be set up.
 */
int vus_loop_run(struct vhu_backend *b, struct vus_device *dev, int sig_fd,
		 unsigned int n_streams, const char *where, const char *name);

#endif /* VUS_LOOP_H */
