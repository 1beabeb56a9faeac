// SPDX-License-Identifier: MIT
/*
 * org.vlo.Zones1 on the system bus. Everyone may List and introspect;
 * Set, Route and Reload need root or the configured group (checked here
 * from the sender's credentials, and by the bus policy file as well).
 */
#include "zoned.h"
#include "zone_args.h"
#include "zone_cpulist.h"
#include "zone_log.h"
#include "zone_sched.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BUS_NAME "org.vlo.Zones1"
#define BUS_PATH "/org/vlo/Zones1"
#define BUS_IFACE "org.vlo.Zones1"
#define ERR_UNKNOWN_ZONE "org.vlo.Zones1.Error.UnknownZone"
#define ERR_BAD_CONFIG "org.vlo.Zones1.Error.BadConfig"

/* Whether the uid (or, lacking the bus's list, its passwd entry) is in gid. */
static bool user_in_group(uid_t uid, gid_t gid)
{
	struct passwd *pw = getpwuid(uid);
	gid_t groups[256];
	int n = 256;

	if (!pw || getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) < 0)
		return false;
	for (int i = 0; i < n; i++)
		if (groups[i] == gid)
			return true;
	return false;
}

static int check_access(struct zoned *d, sd_bus_message *m, sd_bus_error *e)
{
	const char *group = d->cfg->group;
	sd_bus_creds *c = NULL;
	const gid_t *gids = NULL;
	struct group *gr;
	uid_t euid = (uid_t)-1;
	gid_t egid = (gid_t)-1;
	bool ok = false;
	int n, rc;

	rc = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID | SD_BUS_CREDS_EGID |
				       SD_BUS_CREDS_SUPPLEMENTARY_GIDS | SD_BUS_CREDS_AUGMENT,
				       &c);
	if (rc < 0 || sd_bus_creds_get_euid(c, &euid) < 0) {
		sd_bus_creds_unref(c);
		return sd_bus_error_set(e, SD_BUS_ERROR_ACCESS_DENIED,
					"cannot tell who the caller is");
	}
	if (euid == 0) {
		ok = true;
	} else if (group[0] && (gr = getgrnam(group))) {
		if (sd_bus_creds_get_egid(c, &egid) >= 0 && egid == gr->gr_gid)
			ok = true;
		n = sd_bus_creds_get_supplementary_gids(c, &gids);
		if (n >= 0) {
			for (int i = 0; i < n; i++)
				ok |= gids[i] == gr->gr_gid;
		} else {
			ok |= user_in_group(euid, gr->gr_gid);
		}
	}
	sd_bus_creds_unref(c);
	if (ok)
		return 0;
	zone_log(LOG_NOTICE, "denied %s to uid %u", sd_bus_message_get_member(m),
		 (unsigned int)euid);
	if (group[0])
		return sd_bus_error_setf(e, SD_BUS_ERROR_ACCESS_DENIED,
					 "%s needs root or group %s", sd_bus_message_get_member(m),
					 group);
	return sd_bus_error_setf(e, SD_BUS_ERROR_ACCESS_DENIED, "%s needs root",
				 sd_bus_message_get_member(m));
}

static int append_zone(sd_bus_message *r, struct zoned *d, size_t i)
{
	const struct zone *z = &d->cfg->zones[i];
	const struct zone_state *s = &d->zs[i];
	char cpus[256] = "-";
	const char *err = s->run.error[0] ? s->run.error :
			  s->run.warning[0] ? s->run.warning :
			  !s->run.pid ? s->backend_error : "";
	int rc;

	if (z->has_cpus)
		zone_cpulist_format(&z->cpus, cpus, sizeof(cpus));
	rc = sd_bus_message_open_container(r, 'r', "siuussiissas");
	if (rc >= 0)
		rc = sd_bus_message_append(r, "siuussiiss", z->name, (int32_t)s->run.pid,
					   (uint32_t)s->run.n_threads, (uint32_t)s->run.n_ok,
					   cpus, zone_policy_name(z->policy),
					   (int32_t)z->priority, (int32_t)z->nice,
					   zoned_zone_state(d, i), err);
	if (rc >= 0)
		rc = sd_bus_message_open_container(r, 'a', "s");
	for (size_t k = 0; k < z->n_roles && rc >= 0; k++)
		rc = sd_bus_message_append(r, "s", z->roles[k]);
	if (rc >= 0)
		rc = sd_bus_message_close_container(r);
	if (rc >= 0)
		rc = sd_bus_message_close_container(r);
	return rc;
}

static int method_list(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
	struct zoned *d = userdata;
	sd_bus_message *r = NULL;
	int rc;

	(void)e;
	rc = sd_bus_message_new_method_return(m, &r);
	if (rc >= 0)
		rc = sd_bus_message_open_container(r, 'a', "(siuussiissas)");
	for (size_t i = 0; i < d->cfg->n_zones && rc >= 0; i++)
		rc = append_zone(r, d, i);
	if (rc >= 0)
		rc = sd_bus_message_close_container(r);
	if (rc >= 0)
		rc = sd_bus_send(NULL, r, NULL);
	sd_bus_message_unref(r);
	return rc;
}

static int args_error(sd_bus_error *e, enum zone_args_error ae, const char *msg)
{
	return sd_bus_error_set(e, ae == ZONE_ARGS_UNKNOWN_ZONE ? ERR_UNKNOWN_ZONE :
				SD_BUS_ERROR_INVALID_ARGS, msg);
}

static int zone_index(struct zoned *d, const char *name)
{
	for (size_t i = 0; i < d->cfg->n_zones; i++)
		if (!strcmp(d->cfg->zones[i].name, name))
			return (int)i;
	return -1;
}

static int method_set(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
	struct zoned *d = userdata;
	const char *zone, *key, *value;
	enum zone_args_error ae;
	char err[ZONE_ERR_MAX];
	struct timespec t0, t1;
	int rc, i;

	rc = sd_bus_message_read(m, "sss", &zone, &key, &value);
	if (rc < 0)
		return rc;
	rc = check_access(d, m, e);
	if (rc < 0)
		return rc;
	ae = zone_args_set(d->cfg, &d->online, zone, key, value, err, sizeof(err));
	if (ae)
		return args_error(e, ae, err);
	i = zone_index(d, zone);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	d->generation++;
	zoned_invalidate(d, (size_t)i);
	if (!strcmp(key, "cpus"))
		zoned_apply_slice(d, &d->cfg->zones[i]);
	if (!strcmp(key, "duck.level-db"))
		zoned_push_routes(d);
	zoned_apply(d, i);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	zone_log(LOG_INFO, "zone %s: %s = %s, applied to %zu of %zu thread(s) in %.1f ms", zone, key,
		 value, d->zs[i].run.n_ok, d->zs[i].run.n_threads,
		 (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	zoned_dbus_emit_changed(d, zone);
	snprintf(err, sizeof(err), "%s = %s", key, value);
	return zoned_reply_when_applied(d, (size_t)i, m, err);
}

static int method_route(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
	struct zoned *d = userdata;
	const char *role, *zone;
	enum zone_args_error ae;
	char err[ZONE_ERR_MAX];
	int rc;

	rc = sd_bus_message_read(m, "ss", &role, &zone);
	if (rc < 0)
		return rc;
	rc = check_access(d, m, e);
	if (rc < 0)
		return rc;
	ae = zone_args_route(d->cfg, role, zone, err, sizeof(err));
	if (ae)
		return args_error(e, ae, err);
	zone_log(LOG_INFO, "role %s routed to zone %s", role, zone);
	d->generation++;
	zoned_push_routes(d);
	zoned_dbus_emit_changed(d, zone);
	return sd_bus_reply_method_return(m, NULL);
}

static int method_reload(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
	struct zoned *d = userdata;
	char err[ZONE_ERR_MAX];
	int rc;

	rc = check_access(d, m, e);
	if (rc < 0)
		return rc;
	if (zoned_reload(d, err, sizeof(err)))
		return sd_bus_error_setf(e, ERR_BAD_CONFIG, "%s (the running configuration "
					 "stays)", err);
	zoned_dbus_emit_changed(d, "");
	return sd_bus_reply_method_return(m, NULL);
}

static int prop_config(sd_bus *bus, const char *path, const char *iface, const char *prop,
		       sd_bus_message *reply, void *userdata, sd_bus_error *e)
{
	struct zoned *d = userdata;

	(void)bus, (void)path, (void)iface, (void)prop, (void)e;
	return sd_bus_message_append(reply, "s", d->config_path);
}

static int prop_generation(sd_bus *bus, const char *path, const char *iface, const char *prop,
			   sd_bus_message *reply, void *userdata, sd_bus_error *e)
{
	struct zoned *d = userdata;

	(void)bus, (void)path, (void)iface, (void)prop, (void)e;
	return sd_bus_message_append(reply, "t", d->generation);
}

/* Our own checks decide: sd-bus's default would deny the group members. */
#define OPEN SD_BUS_VTABLE_UNPRIVILEGED

static const sd_bus_vtable zones_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD_WITH_NAMES("List", "", , "a(siuussiissas)", SD_BUS_PARAM(zones),
				 method_list, OPEN),
	SD_BUS_METHOD_WITH_NAMES("Set", "sss", SD_BUS_PARAM(zone) SD_BUS_PARAM(key)
				 SD_BUS_PARAM(value), "", , method_set, OPEN),
	SD_BUS_METHOD_WITH_NAMES("Route", "ss", SD_BUS_PARAM(role) SD_BUS_PARAM(zone), "", ,
				 method_route, OPEN),
	SD_BUS_METHOD("Reload", "", "", method_reload, OPEN),
	SD_BUS_PROPERTY("ConfigFile", "s", prop_config, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Generation", "t", prop_generation, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_SIGNAL_WITH_NAMES("Changed", "s", SD_BUS_PARAM(zone), 0),
	SD_BUS_VTABLE_END
};

void zoned_dbus_emit_changed(struct zoned *d, const char *zone)
{
	if (!d->bus)
		return;
	sd_bus_emit_signal(d->bus, BUS_PATH, BUS_IFACE, "Changed", "s", zone);
	sd_bus_emit_properties_changed(d->bus, BUS_PATH, BUS_IFACE, "Generation", NULL);
}

int zoned_dbus_start(struct zoned *d)
{
	int rc;

	rc = sd_bus_add_object_vtable(d->bus, NULL, BUS_PATH, BUS_IFACE, zones_vtable, d);
	if (rc < 0) {
		zone_log(LOG_ERR, "cannot add the D-Bus object: %s", strerror(-rc));
		return rc;
	}
	rc = sd_bus_request_name(d->bus, BUS_NAME, 0);
	if (rc < 0) {
		zone_log(LOG_ERR, "cannot own %s on the system bus: %s (is the bus policy file "
			 "org.vlo.Zones1.conf installed? another vlo-zoned running?)",
			 BUS_NAME, strerror(-rc));
		return rc;
	}
	return 0;
}
