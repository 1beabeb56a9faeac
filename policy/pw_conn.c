// SPDX-License-Identifier: MIT
/*
 * PipeWire connection on sd-event (see pw_conn.h). PipeWire's loop is
 * entered once and iterated without blocking whenever its fd is readable;
 * every PipeWire callback therefore runs on the sd-event thread.
 *
 * Losing the daemon shows up as a core error (-EPIPE) inside a PipeWire
 * callback, where the core must not be destroyed: the teardown is deferred
 * to the retry timer, which then reconnects.
 */
#include "pw_conn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <spa/utils/result.h>

struct pw_conn {
	sd_event *ev;
	char *remote;
	const struct pw_conn_events *events;
	void *data;

	struct pw_loop *loop;
	struct pw_context *context;
	sd_event_source *io;
	sd_event_source *retry;

	struct pw_core *core;
	struct spa_hook core_listener;
	struct pw_registry *registry;
	struct spa_hook registry_listener;
	bool broken;		/* core lost, teardown pending */
	bool said_waiting;	/* "waiting for PipeWire" logged once per outage */
	int sync_seq;		/* pw_conn_flush's sync, and whether it came back */
	bool synced;
};

static void on_global(void *data, uint32_t id, uint32_t permissions, const char *type,
		      uint32_t version, const struct spa_dict *props)
{
	struct pw_conn *c = data;

	(void)permissions;
	if (c->events->global)
		c->events->global(c->data, id, type, version, props);
}

static void on_global_remove(void *data, uint32_t id)
{
	struct pw_conn *c = data;

	if (c->events->global_remove)
		c->events->global_remove(c->data, id);
}

static const struct pw_registry_events registry_events = {
	PW_VERSION_REGISTRY_EVENTS,
	.global = on_global,
	.global_remove = on_global_remove,
};

static void arm_retry(struct pw_conn *c, uint64_t delay_us)
{
	uint64_t now = 0;

	sd_event_now(c->ev, CLOCK_MONOTONIC, &now);
	sd_event_source_set_time(c->retry, now + delay_us);
	sd_event_source_set_enabled(c->retry, SD_EVENT_ONESHOT);
}

static void on_core_error(void *data, uint32_t id, int seq, int res, const char *message)
{
	struct pw_conn *c = data;

	(void)seq;
	if (id != PW_ID_CORE || res != -EPIPE) {
		/* An error about one object (a refused param, a gone node). */
		fprintf(stderr, "zone-router: PipeWire error on object %u: %s (%s)\n", id,
			message ? message : "", spa_strerror(res));
		return;
	}
	if (!c->broken) {
		fprintf(stderr, "zone-router: lost the PipeWire daemon, reconnecting\n");
		c->broken = true;
		arm_retry(c, 0);
	}
}

static void on_core_done(void *data, uint32_t id, int seq)
{
	struct pw_conn *c = data;

	if (id == PW_ID_CORE && seq == c->sync_seq)
		c->synced = true;
}

static const struct pw_core_events core_events = {
	PW_VERSION_CORE_EVENTS,
	.done = on_core_done,
	.error = on_core_error,
};

static void disconnect(struct pw_conn *c)
{
	if (!c->core)
		return;
	if (c->events->disconnected)
		c->events->disconnected(c->data);
	if (c->registry) {
		spa_hook_remove(&c->registry_listener);
		pw_proxy_destroy((struct pw_proxy *)c->registry);
		c->registry = NULL;
	}
	spa_hook_remove(&c->core_listener);
	pw_core_disconnect(c->core);
	c->core = NULL;
	c->broken = false;
}

static int try_connect(struct pw_conn *c)
{
	struct pw_properties *props = NULL;

	if (c->remote)
		props = pw_properties_new(PW_KEY_REMOTE_NAME, c->remote, NULL);
	c->core = pw_context_connect(c->context, props, 0);
	if (!c->core) {
		int err = -errno;

		if (!c->said_waiting)
			fprintf(stderr, "zone-router: PipeWire not reachable (%s), retrying every %d ms\n",
				spa_strerror(err), PW_CONN_RETRY_MS);
		c->said_waiting = true;
		return err;
	}
	c->said_waiting = false;
	pw_core_add_listener(c->core, &c->core_listener, &core_events, c);
	c->registry = pw_core_get_registry(c->core, PW_VERSION_REGISTRY, 0);
	if (!c->registry) {
		int err = -errno;

		spa_hook_remove(&c->core_listener);
		pw_core_disconnect(c->core);
		c->core = NULL;
		return err;
	}
	pw_registry_add_listener(c->registry, &c->registry_listener, &registry_events, c);
	fprintf(stderr, "zone-router: connected to PipeWire\n");
	if (c->events->connected)
		c->events->connected(c->data);
	return 0;
}

static int on_retry(sd_event_source *s, uint64_t usec, void *data)
{
	struct pw_conn *c = data;

	(void)s;
	(void)usec;
	if (c->broken)
		disconnect(c);
	if (!c->core && try_connect(c) < 0)
		arm_retry(c, PW_CONN_RETRY_MS * 1000ULL);
	return 0;
}

static int on_loop_io(sd_event_source *s, int fd, uint32_t revents, void *data)
{
	struct pw_conn *c = data;

	(void)s;
	(void)fd;
	(void)revents;
	pw_loop_iterate(c->loop, 0);
	return 0;
}

int pw_conn_new(sd_event *ev, const char *remote, const struct pw_conn_events *events,
		void *data, struct pw_conn **out)
{
	struct pw_conn *c;
	int r;

	pw_init(NULL, NULL);
	c = calloc(1, sizeof(*c));
	if (!c) {
		pw_deinit();
		return -ENOMEM;
	}
	c->ev = sd_event_ref(ev);
	c->events = events;
	c->data = data;
	r = -ENOMEM;
	if (remote && !(c->remote = strdup(remote)))
		goto fail;
	c->loop = pw_loop_new(NULL);
	if (!c->loop)
		goto fail_errno;
	c->context = pw_context_new(c->loop, NULL, 0);
	if (!c->context)
		goto fail_errno;
	pw_loop_enter(c->loop);
	r = sd_event_add_io(ev, &c->io, pw_loop_get_fd(c->loop), EPOLLIN, on_loop_io, c);
	if (r < 0)
		goto fail;
	r = sd_event_add_time(ev, &c->retry, CLOCK_MONOTONIC, 0, 0, on_retry, c);
	if (r < 0)
		goto fail;
	arm_retry(c, 0);	/* first attempt from the loop, like every later one */
	*out = c;
	return 0;
fail_errno:
	r = -errno;
fail:
	pw_conn_free(c);
	return r;
}

void pw_conn_free(struct pw_conn *c)
{
	if (!c)
		return;
	disconnect(c);
	sd_event_source_disable_unref(c->retry);
	sd_event_source_disable_unref(c->io);
	if (c->context) {
		pw_context_destroy(c->context);
		pw_loop_leave(c->loop);
	}
	if (c->loop)
		pw_loop_destroy(c->loop);
	sd_event_unref(c->ev);
	free(c->remote);
	free(c);
	pw_deinit();
}

bool pw_conn_is_connected(const struct pw_conn *c)
{
	return c->core && !c->broken;
}

void pw_conn_flush(struct pw_conn *c, int timeout_ms)
{
	struct timespec t0, t;

	if (!pw_conn_is_connected(c))
		return;
	c->synced = false;
	c->sync_seq = pw_core_sync(c->core, PW_ID_CORE, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!c->synced && !c->broken) {
		long spent;

		clock_gettime(CLOCK_MONOTONIC, &t);
		spent = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (spent >= timeout_ms)
			break;
		pw_loop_iterate(c->loop, (int)(timeout_ms - spent));
	}
}

struct pw_core *pw_conn_core(const struct pw_conn *c)
{
	return pw_conn_is_connected(c) ? c->core : NULL;
}

struct pw_registry *pw_conn_registry(const struct pw_conn *c)
{
	return pw_conn_is_connected(c) ? c->registry : NULL;
}
