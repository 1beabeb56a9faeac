/* SPDX-License-Identifier: MIT */
/*
 * A PipeWire connection driven by an sd-event loop: PipeWire's own loop is
 * never run by a thread of its own, its fd is an sd-event io source. When
 * the daemon is not there or goes away, the connection is retried every
 * PW_CONN_RETRY_MS until it is back; the owner is told about every
 * (re)connection and loss, and receives the registry's globals.
 */
#ifndef PW_CONN_H
#define PW_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include <pipewire/pipewire.h>
#include <systemd/sd-event.h>

#define PW_CONN_RETRY_MS 500

struct pw_conn;

struct pw_conn_events {
	/* Connected (again): the registry's globals follow. */
	void (*connected)(void *data);
	/*
	 * The connection is about to be torn down: destroy every proxy made
	 * on it now (they would dangle afterwards).
	 */
	void (*disconnected)(void *data);
	void (*global)(void *data, uint32_t id, const char *type, uint32_t version,
		       const struct spa_dict *props);
	void (*global_remove)(void *data, uint32_t id);
};

int pw_conn_new(sd_event *ev, const char *remote, const struct pw_conn_events *events,
		void *data, struct pw_conn **out);
void pw_conn_free(struct pw_conn *c);

bool pw_conn_is_connected(const struct pw_conn *c);
/*
 * Waits (at most timeout_ms, blocking) until the daemon has processed every
 * request sent so far: for a last word before exiting.
 */
void pw_conn_flush(struct pw_conn *c, int timeout_ms);

/* Only while connected; NULL otherwise. */
struct pw_core *pw_conn_core(const struct pw_conn *c);
struct pw_registry *pw_conn_registry(const struct pw_conn *c);

#endif /* PW_CONN_H */
