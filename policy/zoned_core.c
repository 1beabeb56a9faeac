// SPDX-License-Identifier: MIT
/*
 * The daemon core: the running configuration (last good zones.conf plus
 * Set/Route changes), reloads, applying zones to their backends on a timer
 * and on demand, slices, routes, and the late answers of Set.
 */
#include "zoned.h"
#include "zone_backend.h"
#include "zone_cpulist.h"
#include "zone_log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#define UNIT_LOOKUP_USEC (250 * 1000)	/* MainPID asked at most this often */
#define RETRY_USEC (1000 * 1000)	/* failed threads retried this often */
#define FAST_RETRY_USEC (6000 * 1000)	/* ... and on every scan this long after a change */
/* A Set waits this long for its slice: systemd applies AllowedCPUs after its reply. */
#define PENDING_USEC (5000 * 1000)
#define SLICE_TIMEOUT_USEC (1000 * 1000)

static uint64_t now_usec(struct zoned *d)
{
	uint64_t now = 0;

	sd_event_now(d->ev, CLOCK_MONOTONIC, &now);
	return now;
}

int zoned_init_config(struct zoned *d, char *err, size_t errlen)
{
	int rc;

	if (zone_cpus_online(&d->online) < 0) {
		snprintf(err, errlen, "cannot read the online CPUs");
		return -EIO;
	}
	d->file_cfg = calloc(1, sizeof(*d->file_cfg));
	d->cfg = calloc(1, sizeof(*d->cfg));
	if (!d->file_cfg || !d->cfg) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = zone_config_load(d->config_path, &d->online, d->file_cfg, err, errlen);
	if (rc)
		return rc;
	*d->cfg = *d->file_cfg;
	return 0;
}

int zoned_reload(struct zoned *d, char *err, size_t errlen)
{
	struct zone_state *old;
	struct zone_config *tmp;
	bool used[ZONE_MAX] = { false };
	int rc;

	tmp = calloc(1, sizeof(*tmp));
	old = calloc(ZONE_MAX, sizeof(*old));
	if (!tmp || !old) {
		free(tmp);
		free(old);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	zone_cpus_online(&d->online);
	rc = zone_config_load(d->config_path, &d->online, tmp, err, errlen);
	if (rc) {
		zone_log(LOG_ERR, "reload: %s; the running configuration stays", err);
		free(tmp);
		free(old);
		return rc;
	}
	/* Zones keep their thread records by name. */
	memcpy(old, d->zs, sizeof(d->zs));
	memset(d->zs, 0, sizeof(d->zs));
	for (size_t i = 0; i < tmp->n_zones; i++) {
		for (size_t j = 0; j < d->cfg->n_zones; j++) {
			if (!used[j] && !strcmp(d->cfg->zones[j].name, tmp->zones[i].name)) {
				d->zs[i] = old[j];
				used[j] = true;
				break;
			}
		}
		zoned_invalidate(d, i);
	}
	for (size_t j = 0; j < d->cfg->n_zones; j++) {
		if (used[j])
			continue;
		zone_run_free(&old[j].run);
		if (old[j].pending) {
			sd_bus_reply_method_errorf(old[j].pending, "org.vlo.Zones1.Error.UnknownZone",
						   "the zone went away in a reload");
			sd_bus_message_unref(old[j].pending);
		}
	}
	free(old);
	*d->file_cfg = *tmp;
	*d->cfg = *tmp;
	free(tmp);
	d->generation++;
	zone_log(LOG_INFO, "reloaded %s: %zu zone(s)", d->config_path, d->cfg->n_zones);
	for (size_t i = 0; i < d->cfg->n_zones; i++)
		zoned_apply_slice(d, &d->cfg->zones[i]);
	zoned_apply(d, -1);
	zoned_push_routes(d);
	return 0;
}

/* The backend's pid now (0: none), or why not in s->backend_error. */
static pid_t find_backend(struct zoned *d, const struct zone *z, struct zone_state *s,
			  uint64_t now)
{
	pid_t pid = 0;

	s->backend_error[0] = '\0';
	if (z->backend_pid_file[0]) {
		pid = zone_backend_pid_file(z->backend_pid_file, s->backend_error,
					    sizeof(s->backend_error));
		if (pid == 0)
			snprintf(s->backend_error, sizeof(s->backend_error),
				 "no live process in %s", z->backend_pid_file);
	} else if (z->backend_unit[0]) {
		if (s->run.pid && zone_backend_alive(s->run.pid))
			return s->run.pid;
		if (!d->bus) {
			snprintf(s->backend_error, sizeof(s->backend_error), "no system bus");
			return 0;
		}
		if (now < s->next_lookup_usec) {
			snprintf(s->backend_error, sizeof(s->backend_error), "%s is not running",
				 z->backend_unit);
			return 0;
		}
		s->next_lookup_usec = now + UNIT_LOOKUP_USEC;
		pid = zone_backend_unit_pid(d->bus, z->backend_unit, s->backend_error,
					    sizeof(s->backend_error));
		if (pid == 0)
			snprintf(s->backend_error, sizeof(s->backend_error), "%s is not running",
				 z->backend_unit);
	} else {
		snprintf(s->backend_error, sizeof(s->backend_error), "no backend configured");
	}
	return pid > 0 ? pid : 0;
}

static void apply_zone(struct zoned *d, size_t i, uint64_t now)
{
	struct zone *z = &d->cfg->zones[i];
	struct zone_state *s = &d->zs[i];
	struct zone_sched_target t;
	pid_t pid = find_backend(d, z, s, now);
	bool retry;
	int rc;

	if (pid != s->run.pid) {
		if (s->run.pid)
			zone_log(LOG_INFO, "zone %s: backend %d is gone", z->name, (int)s->run.pid);
		if (pid)
			zone_log(LOG_INFO, "zone %s: backend is pid %d", z->name, (int)pid);
	}
	if (!pid) {
		zone_run_reset(&s->run);
		return;
	}
	zone_sched_target_of(z, &t);
	retry = now >= s->next_retry_usec || now < s->fast_until_usec;
	if (now >= s->next_retry_usec)
		s->next_retry_usec = now + RETRY_USEC;
	rc = zone_run_apply(&s->run, pid, &t, retry);
	if (rc < 0) {		/* exited between the lookup and the scan */
		zone_run_reset(&s->run);
		return;
	}
	if (strcmp(s->logged, s->run.error)) {
		if (s->run.error[0])
			zone_log(LOG_ERR, "zone %s: %s", z->name, s->run.error);
		else if (s->logged[0])
			zone_log(LOG_INFO, "zone %s: all %zu thread(s) at the settings now", z->name,
				 s->run.n_ok);
		snprintf(s->logged, sizeof(s->logged), "%s", s->run.error);
	}
}

static void update_status(struct zoned *d)
{
	size_t bad = 0, threads = 0;
	char status[256];

	for (size_t i = 0; i < d->cfg->n_zones; i++) {
		bad += d->zs[i].run.error[0] != '\0';
		threads += d->zs[i].run.n_ok;
	}
	snprintf(status, sizeof(status), "%zu zone(s), %zu thread(s) at their settings%s",
		 d->cfg->n_zones, threads, bad ? ", some zones with errors (zonectl list)" : "");
	if (strcmp(status, d->status)) {
		snprintf(d->status, sizeof(d->status), "%s", status);
		sd_notifyf(0, "STATUS=%s", status);
	}
}

void zoned_invalidate(struct zoned *d, size_t i)
{
	zone_run_invalidate(&d->zs[i].run);
	d->zs[i].next_lookup_usec = 0;
	d->zs[i].fast_until_usec = now_usec(d) + FAST_RETRY_USEC;
}

/* Answers a waiting Set once its zone is applied or its time is up. */
static void answer_pending(struct zoned *d, size_t i, uint64_t now)
{
	struct zone_state *s = &d->zs[i];

	if (!s->pending)
		return;
	if (s->run.pid && !s->run.error[0])
		sd_bus_reply_method_return(s->pending, NULL);
	else if (now >= s->pending_deadline_usec)
		sd_bus_reply_method_errorf(s->pending, "org.vlo.Zones1.Error.NotApplied",
					   "zone %s: %s is kept but not applied: %s",
					   d->cfg->zones[i].name, s->pending_what,
					   s->run.error[0] ? s->run.error : s->backend_error);
	else
		return;
	s->pending = sd_bus_message_unref(s->pending);
}

int zoned_reply_when_applied(struct zoned *d, size_t i, sd_bus_message *m, const char *what)
{
	struct zone_state *s = &d->zs[i];
	const struct zone *z = &d->cfg->zones[i];

	if (!s->run.error[0])
		return sd_bus_reply_method_return(m, NULL);
	/* Only a zone whose slice may still be catching up is worth a wait. */
	if (!z->slice[0] || !d->bus) {
		return sd_bus_reply_method_errorf(m, "org.vlo.Zones1.Error.NotApplied",
						  "zone %s: %s is kept but not applied: %s",
						  z->name, what, s->run.error);
	}
	if (s->pending) {	/* an older Set: superseded */
		sd_bus_reply_method_errorf(s->pending, "org.vlo.Zones1.Error.NotApplied",
					   "zone %s: %s was superseded", z->name, s->pending_what);
		sd_bus_message_unref(s->pending);
	}
	s->pending = sd_bus_message_ref(m);
	s->pending_deadline_usec = now_usec(d) + PENDING_USEC;
	snprintf(s->pending_what, sizeof(s->pending_what), "%s", what);
	return 1;
}

void zoned_apply(struct zoned *d, int zone)
{
	uint64_t now = now_usec(d);

	for (size_t i = 0; i < d->cfg->n_zones; i++) {
		if (zone >= 0 && (size_t)zone != i)
			continue;
		if (zone >= 0) {	/* asked for now: no rate limits */
			d->zs[i].next_lookup_usec = 0;
			d->zs[i].next_retry_usec = 0;
		}
		apply_zone(d, i, now);
		answer_pending(d, i, now);
	}
	update_status(d);
}

const char *zoned_zone_state(const struct zoned *d, size_t i)
{
	const struct zone_state *s = &d->zs[i];

	if (!s->run.pid)
		return "no-backend";
	if (s->run.error[0])
		return s->run.n_ok ? "partial" : "error";
	if (s->run.warning[0])
		return "warning";
	return "applied";
}

static int on_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct zoned *d = userdata;

	zoned_apply(d, -1);
	return sd_event_source_set_time(src, usec + d->rescan_usec);
}

int zoned_start_timer(struct zoned *d)
{
	int rc;

	/* 1 ms accuracy: the default (250 ms) would coalesce the rescans away. */
	rc = sd_event_add_time(d->ev, &d->timer, CLOCK_MONOTONIC, now_usec(d) + d->rescan_usec,
			       1000, on_timer, d);
	if (rc < 0)
		return rc;
	return sd_event_source_set_enabled(d->timer, SD_EVENT_ON);
}

void zoned_push_routes(struct zoned *d)
{
	struct zone_route routes[ZONE_MAX];
	const char *roles[ZONE_MAX][ZONE_LIST_MAX], *apps[ZONE_MAX][ZONE_LIST_MAX];
	int rc;

	if (!d->router)
		return;
	for (size_t i = 0; i < d->cfg->n_zones; i++) {
		const struct zone *z = &d->cfg->zones[i];

		for (size_t k = 0; k < z->n_roles; k++)
			roles[i][k] = z->roles[k];
		for (size_t k = 0; k < z->n_apps; k++)
			apps[i][k] = z->apps[k];
		routes[i] = (struct zone_route){
			.zone = z->name, .node_name = z->node,
			.roles = roles[i], .n_roles = z->n_roles,
			.apps = apps[i], .n_apps = z->n_apps,
			.duck_rank = z->duck_rank, .duck_level_db = z->duck_level_db,
			.safety = z->safety,
		};
	}
	rc = zone_router_set(d->router, routes, d->cfg->n_zones);
	if (rc < 0)
		zone_log(LOG_ERR, "router: cannot set the routes: %s", strerror(-rc));
}

void zoned_apply_slice(struct zoned *d, const struct zone *z)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL;
	uint8_t mask[CPU_SETSIZE / 8] = { 0 };
	char cpus[128];
	size_t n = 0;
	int rc;

	if (!d->bus || !z->slice[0] || !z->has_cpus)
		return;
	/* systemd's CPU set over D-Bus: bit c of byte c / 8. */
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (CPU_ISSET(cpu, &z->cpus)) {
			mask[cpu / 8] |= (uint8_t)(1u << (cpu % 8));
			n = (size_t)cpu / 8 + 1;
		}
	}
	zone_cpulist_format(&z->cpus, cpus, sizeof(cpus));
	rc = sd_bus_message_new_method_call(d->bus, &m, "org.freedesktop.systemd1",
					    "/org/freedesktop/systemd1",
					    "org.freedesktop.systemd1.Manager",
					    "SetUnitProperties");
	if (rc >= 0)
		rc = sd_bus_message_append(m, "sb", z->slice, 1);	/* runtime */
	if (rc >= 0)
		rc = sd_bus_message_open_container(m, 'a', "(sv)");
	if (rc >= 0)
		rc = sd_bus_message_open_container(m, 'r', "sv");
	if (rc >= 0)
		rc = sd_bus_message_append(m, "s", "AllowedCPUs");
	if (rc >= 0)
		rc = sd_bus_message_open_container(m, 'v', "ay");
	if (rc >= 0)
		rc = sd_bus_message_append_array(m, 'y', mask, n);
	for (int k = 0; k < 3 && rc >= 0; k++)
		rc = sd_bus_message_close_container(m);
	if (rc >= 0)
		rc = sd_bus_call(d->bus, m, SLICE_TIMEOUT_USEC, &e, NULL);
	sd_bus_message_unref(m);
	if (rc < 0)
		zone_log(LOG_ERR, "%s: AllowedCPUs=%s not set: %s", z->slice, cpus,
			 e.message ? e.message : strerror(-rc));
	else
		zone_log(LOG_INFO, "%s: AllowedCPUs=%s", z->slice, cpus);
	sd_bus_error_free(&e);
}

void zoned_free(struct zoned *d)
{
	for (size_t i = 0; i < ZONE_MAX; i++) {
		zone_run_free(&d->zs[i].run);
		sd_bus_message_unref(d->zs[i].pending);
	}
	sd_event_source_unref(d->timer);
	zone_router_free(d->router);
	free(d->file_cfg);
	free(d->cfg);
}
