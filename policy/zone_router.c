// SPDX-License-Identifier: MIT
/*
 * The zone router (see zone_router.h) on libpipewire-0.3.
 *
 * Routing goes through the session manager, not around it: for every
 * playback stream that belongs to a zone, the "default" metadata gets
 * target.object = <zone sink's node.name> on the stream's node id.
 * WirePlumber (0.4 with policy move = true, and 0.5) links the stream there
 * and moves a live stream when the value changes. A safety zone whose sink
 * is missing points its streams at a silent "hold" sink of its own
 * (vlo.hold.<zone>, a null sink this client owns) instead, because a
 * missing target makes WirePlumber fall back to the default sink, which is
 * another zone's.
 *
 * Ducking: a zone whose streams play (node state running) attenuates every
 * zone of lower rank by that zone's duck level, applied to the lower zone's
 * sink as SPA_PARAM_Props channelVolumes; the volumes seen before are put
 * back afterwards unless someone changed them meanwhile.
 */
#include "zone_router.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pipewire/extensions/metadata.h>
#include <spa/param/props.h>
#include <spa/utils/list.h>
#include <spa/utils/string.h>

#include "pw_conn.h"
#include "pw_volume.h"
#include "zone_match.h"

#define HOLD_PREFIX "vlo.hold."
#define TARGET_KEY "target.object"

enum node_kind { NODE_STREAM, NODE_SINK };

struct rnode {
	struct spa_list link;
	struct zone_router *r;
	uint32_t id;
	enum node_kind kind;
	struct pw_proxy *proxy;
	struct spa_hook node_listener;
	char *name, *role, *app, *binary;
	enum pw_node_state state;
	bool have_info;

	/* streams */
	char *target;			/* what we put in the metadata, or NULL */
	int zone;			/* index in r->zones, -1 */

	/* sinks */
	struct pw_volume cur;		/* last channelVolumes seen (n 0: none yet) */
	bool ducked;
	double duck_db;
	struct pw_volume saved;		/* before ducking */
	struct pw_volume applied;	/* what ducking set */
};

/* A safety zone's silent stand-in sink. */
struct hold {
	struct spa_list link;
	char *zone;
	struct pw_proxy *proxy;
};

struct zone_router {
	struct pw_conn *conn;
	struct zone_route *zones;
	size_t n_zones;

	struct spa_list nodes;
	struct spa_list holds;
	struct pw_proxy *metadata;
	uint32_t metadata_id;
};

/* --- zones (owned copies) */

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void free_zones(struct zone_route *z, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free((char *)z[i].zone);
		free((char *)z[i].node_name);
		free_strv((char **)z[i].roles, z[i].n_roles);
		free_strv((char **)z[i].apps, z[i].n_apps);
	}
	free(z);
}

static int copy_strv(const char *const *in, size_t n, const char *const **out)
{
	char **v = calloc(n ? n : 1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (!in[i] || !(v[i] = strdup(in[i]))) {
			free_strv(v, i);
			return in[i] ? -ENOMEM : -EINVAL;
		}
	}
	*out = (const char *const *)v;
	return 0;
}

static int copy_zones(const struct zone_route *in, size_t n, struct zone_route **out)
{
	struct zone_route *z = calloc(n ? n : 1, sizeof(*z));
	int r = 0;

	if (!z)
		return -ENOMEM;
	for (size_t i = 0; i < n && r == 0; i++) {
		if (!in[i].zone || !in[i].node_name || (in[i].n_roles && !in[i].roles) ||
		    (in[i].n_apps && !in[i].apps)) {
			r = -EINVAL;
			break;
		}
		z[i] = in[i];
		z[i].roles = z[i].apps = NULL;
		z[i].n_roles = z[i].n_apps = 0;
		z[i].zone = strdup(in[i].zone);
		z[i].node_name = strdup(in[i].node_name);
		if (!z[i].zone || !z[i].node_name)
			r = -ENOMEM;
		if (r == 0 && (r = copy_strv(in[i].roles, in[i].n_roles, &z[i].roles)) == 0)
			z[i].n_roles = in[i].n_roles;
		if (r == 0 && (r = copy_strv(in[i].apps, in[i].n_apps, &z[i].apps)) == 0)
			z[i].n_apps = in[i].n_apps;
	}
	if (r < 0) {
		free_zones(z, n);
		return r;
	}
	*out = z;
	return 0;
}

static int zone_by_node(const struct zone_router *r, const char *node_name)
{
	for (size_t i = 0; node_name && i < r->n_zones; i++)
		if (strcmp(r->zones[i].node_name, node_name) == 0)
			return (int)i;
	return -1;
}

static struct rnode *sink_by_name(struct zone_router *r, const char *name)
{
	struct rnode *n;

	spa_list_for_each(n, &r->nodes, link)
		if (n->kind == NODE_SINK && n->name && strcmp(n->name, name) == 0)
			return n;
	return NULL;
}

/* --- ducking */

static void set_volume(struct rnode *n, const struct pw_volume *vol)
{
	uint8_t buf[1024];
	struct spa_pod *param = pw_volume_to_props(vol, buf, sizeof(buf));

	if (param)
		pw_node_set_param((struct pw_node *)n->proxy, SPA_PARAM_Props, 0, param);
}

static void duck(struct rnode *n, double db, const char *by)
{
	if (n->cur.n == 0)
		return;		/* volume not known yet: again when it is */
	if (!n->ducked)
		n->saved = n->cur;
	else if (n->duck_db == db)
		return;
	pw_volume_scale(&n->saved, pw_volume_db_to_gain(db), &n->applied);
	set_volume(n, &n->applied);
	fprintf(stderr, "zone-router: duck %s by %.1f dB (%s plays)\n", n->name, db, by);
	n->ducked = true;
	n->duck_db = db;
}

static void unduck(struct rnode *n)
{
	/*
	 * Put back what was there, unless someone set another volume while
	 * we ducked (the echo of our own change may still be in flight: the
	 * pre-duck value counts as ours too).
	 */
	if (pw_volume_equal(&n->cur, &n->applied) || pw_volume_equal(&n->cur, &n->saved)) {
		set_volume(n, &n->saved);
		fprintf(stderr, "zone-router: restore %s\n", n->name);
	} else {
		fprintf(stderr, "zone-router: restore %s: volume changed meanwhile, left alone\n",
			n->name);
	}
	n->ducked = false;
}

static void update_ducking(struct zone_router *r)
{
	bool *playing = calloc(r->n_zones + 1, sizeof(*playing));
	int *ducker = calloc(r->n_zones + 1, sizeof(*ducker));
	struct rnode *n;

	if (!playing || !ducker)
		goto out;
	spa_list_for_each(n, &r->nodes, link)
		if (n->kind == NODE_STREAM && n->zone >= 0 && n->state == PW_NODE_STATE_RUNNING)
			playing[n->zone] = true;
	zone_match_ducking(r->zones, r->n_zones, playing, ducker);
	spa_list_for_each(n, &r->nodes, link) {
		int z;

		if (n->kind != NODE_SINK || !n->proxy)
			continue;
		z = zone_by_node(r, n->name);
		if (z >= 0 && ducker[z] >= 0)
			duck(n, r->zones[z].duck_level_db, r->zones[ducker[z]].zone);
		else if (n->ducked)
			unduck(n);
	}
out:
	free(playing);
	free(ducker);
}

/* --- routing */

static void set_target(struct zone_router *r, struct rnode *n, const char *target)
{
	if (spa_streq(n->target, target))
		return;
	free(n->target);
	n->target = target ? strdup(target) : NULL;
	if (target && !n->target)
		return;		/* out of memory: retried on the next change */
	pw_metadata_set_property((struct pw_metadata *)r->metadata, n->id, TARGET_KEY,
				 target ? "Spa:String" : NULL, target);
	if (target)
		fprintf(stderr, "zone-router: stream %u (%s, role %s) -> %s\n", n->id,
			n->app ? n->app : "?", n->role ? n->role : "-", target);
	else
		fprintf(stderr, "zone-router: stream %u (%s) no longer routed\n", n->id,
			n->app ? n->app : "?");
}

static void route_stream(struct zone_router *r, struct rnode *n)
{
	const struct zone_route *z;
	char hold[128];

	n->zone = zone_match_stream(r->zones, r->n_zones, n->role, n->app, n->binary);
	if (!r->metadata || !n->have_info)
		return;
	if (n->zone < 0) {
		set_target(r, n, NULL);
		return;
	}
	z = &r->zones[n->zone];
	if (z->safety && !sink_by_name(r, z->node_name)) {
		snprintf(hold, sizeof(hold), HOLD_PREFIX "%s", z->zone);
		set_target(r, n, hold);
		return;
	}
	set_target(r, n, z->node_name);
}

static void route_all(struct zone_router *r)
{
	struct rnode *n;

	spa_list_for_each(n, &r->nodes, link)
		if (n->kind == NODE_STREAM)
			route_stream(r, n);
	update_ducking(r);
}

/* --- hold sinks of safety zones */

static void destroy_hold(struct hold *h)
{
	if (h->proxy)
		pw_proxy_destroy(h->proxy);
	spa_list_remove(&h->link);
	free(h->zone);
	free(h);
}

static struct pw_proxy *create_hold_node(struct pw_core *core, const char *zone)
{
	char name[128], desc[160];
	struct spa_dict_item items[] = {
		{ "factory.name", "support.null-audio-sink" },
		{ PW_KEY_MEDIA_CLASS, "Audio/Sink" },
		{ PW_KEY_NODE_NAME, name },
		{ PW_KEY_NODE_DESCRIPTION, desc },
		{ "audio.position", "FL,FR" },
		/* Never anyone's default: the zone cards rank far higher. */
		{ "priority.session", "0" },
		{ "priority.driver", "0" },
		{ "node.virtual", "true" },
	};
	struct spa_dict dict = SPA_DICT_INIT_ARRAY(items);

	snprintf(name, sizeof(name), HOLD_PREFIX "%s", zone);
	snprintf(desc, sizeof(desc), "Zone %s held (its card is missing)", zone);
	return pw_core_create_object(core, "adapter", PW_TYPE_INTERFACE_Node, PW_VERSION_NODE,
				     &dict, 0);
}

/* Holds exactly for the safety zones, created while connected. */
static void sync_holds(struct zone_router *r)
{
	struct pw_core *core = pw_conn_core(r->conn);
	struct hold *h, *t;

	spa_list_for_each_safe(h, t, &r->holds, link) {
		bool keep = false;

		for (size_t i = 0; i < r->n_zones; i++)
			if (r->zones[i].safety && strcmp(r->zones[i].zone, h->zone) == 0)
				keep = true;
		if (!keep)
			destroy_hold(h);
	}
	if (!core)
		return;
	for (size_t i = 0; i < r->n_zones; i++) {
		bool have = false;

		if (!r->zones[i].safety)
			continue;
		spa_list_for_each(h, &r->holds, link)
			if (strcmp(h->zone, r->zones[i].zone) == 0)
				have = true;
		if (have)
			continue;
		h = calloc(1, sizeof(*h));
		if (!h || !(h->zone = strdup(r->zones[i].zone))) {
			free(h);
			continue;
		}
		h->proxy = create_hold_node(core, h->zone);
		spa_list_append(&r->holds, &h->link);
	}
}

/* --- nodes seen in the registry */

static void replace(char **dst, const char *src)
{
	if (spa_streq(*dst, src))
		return;
	free(*dst);
	*dst = src ? strdup(src) : NULL;
}

static void on_node_info(void *data, const struct pw_node_info *info)
{
	struct rnode *n = data;
	struct zone_router *r = n->r;
	bool was_running = n->state == PW_NODE_STATE_RUNNING;

	if (info->change_mask & PW_NODE_CHANGE_MASK_PROPS) {
		const struct spa_dict *p = info->props;

		replace(&n->name, spa_dict_lookup(p, PW_KEY_NODE_NAME));
		replace(&n->role, spa_dict_lookup(p, PW_KEY_MEDIA_ROLE));
		replace(&n->app, spa_dict_lookup(p, PW_KEY_APP_NAME));
		replace(&n->binary, spa_dict_lookup(p, PW_KEY_APP_PROCESS_BINARY));
	}
	if (info->change_mask & PW_NODE_CHANGE_MASK_STATE)
		n->state = info->state;
	if (n->kind == NODE_STREAM) {
		bool first = !n->have_info;

		n->have_info = true;
		if (first || (info->change_mask & PW_NODE_CHANGE_MASK_PROPS))
			route_stream(r, n);
		if (first || was_running != (n->state == PW_NODE_STATE_RUNNING))
			update_ducking(r);
	} else if (!n->have_info) {
		n->have_info = true;
		/* A zone's sink (back): its safety streams leave their hold. */
		if (zone_by_node(r, n->name) >= 0)
			route_all(r);
	}
}

static void on_node_param(void *data, int seq, uint32_t id, uint32_t index, uint32_t next,
			  const struct spa_pod *param)
{
	struct rnode *n = data;
	struct pw_volume vol;
	bool first;

	(void)seq;
	(void)index;
	(void)next;
	if (id != SPA_PARAM_Props || !pw_volume_from_props(param, &vol))
		return;
	first = n->cur.n == 0;
	n->cur = vol;
	if (first)
		update_ducking(n->r);	/* a duck waiting for the volume */
}

static const struct pw_node_events node_events = {
	PW_VERSION_NODE_EVENTS,
	.info = on_node_info,
	.param = on_node_param,
};

static void free_node(struct rnode *n)
{
	if (n->proxy) {
		spa_hook_remove(&n->node_listener);
		pw_proxy_destroy(n->proxy);
	}
	spa_list_remove(&n->link);
	free(n->name);
	free(n->role);
	free(n->app);
	free(n->binary);
	free(n->target);
	free(n);
}

static void add_node(struct zone_router *r, uint32_t id, const struct spa_dict *props)
{
	const char *cls = spa_dict_lookup(props, PW_KEY_MEDIA_CLASS);
	struct pw_registry *reg = pw_conn_registry(r->conn);
	struct rnode *n;
	enum node_kind kind;

	if (spa_streq(cls, "Stream/Output/Audio"))
		kind = NODE_STREAM;
	else if (spa_streq(cls, "Audio/Sink"))
		kind = NODE_SINK;
	else
		return;
	n = calloc(1, sizeof(*n));
	if (!n)
		return;
	n->r = r;
	n->id = id;
	n->kind = kind;
	n->zone = -1;
	n->proxy = pw_registry_bind(reg, id, PW_TYPE_INTERFACE_Node, PW_VERSION_NODE, 0);
	if (!n->proxy) {
		free(n);
		return;
	}
	pw_node_add_listener((struct pw_node *)n->proxy, &n->node_listener, &node_events, n);
	if (kind == NODE_SINK) {
		uint32_t ids[] = { SPA_PARAM_Props };

		pw_node_subscribe_params((struct pw_node *)n->proxy, ids, 1);
	}
	spa_list_append(&r->nodes, &n->link);
}

static void on_global(void *data, uint32_t id, const char *type, uint32_t version,
		      const struct spa_dict *props)
{
	struct zone_router *r = data;

	(void)version;
	if (spa_streq(type, PW_TYPE_INTERFACE_Node)) {
		add_node(r, id, props);
	} else if (spa_streq(type, PW_TYPE_INTERFACE_Metadata) && !r->metadata &&
		   spa_streq(spa_dict_lookup(props, PW_KEY_METADATA_NAME), "default")) {
		r->metadata = pw_registry_bind(pw_conn_registry(r->conn), id,
					       PW_TYPE_INTERFACE_Metadata, PW_VERSION_METADATA, 0);
		r->metadata_id = id;
		route_all(r);
	}
}

static void on_global_remove(void *data, uint32_t id)
{
	struct zone_router *r = data;
	struct rnode *n;

	if (r->metadata && id == r->metadata_id) {
		pw_proxy_destroy(r->metadata);
		r->metadata = NULL;
		spa_list_for_each(n, &r->nodes, link)
			replace(&n->target, NULL);	/* gone with the metadata */
		return;
	}
	spa_list_for_each(n, &r->nodes, link) {
		if (n->id != id)
			continue;
		bool zone_sink = n->kind == NODE_SINK && zone_by_node(r, n->name) >= 0;

		free_node(n);
		if (zone_sink)
			route_all(r);	/* safety streams to their hold */
		else
			update_ducking(r);
		return;
	}
}

static void on_connected(void *data)
{
	sync_holds(data);
}

static void on_disconnected(void *data)
{
	struct zone_router *r = data;
	struct rnode *n, *t;
	struct hold *h, *ht;

	spa_list_for_each_safe(n, t, &r->nodes, link)
		free_node(n);
	spa_list_for_each_safe(h, ht, &r->holds, link)
		destroy_hold(h);
	if (r->metadata) {
		pw_proxy_destroy(r->metadata);
		r->metadata = NULL;
	}
}

static const struct pw_conn_events conn_events = {
	.connected = on_connected,
	.disconnected = on_disconnected,
	.global = on_global,
	.global_remove = on_global_remove,
};

/* --- API */

int zone_router_new(sd_event *ev, const char *remote, struct zone_router **out)
{
	struct zone_router *r;
	int err;

	if (!ev || !out)
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	spa_list_init(&r->nodes);
	spa_list_init(&r->holds);
	err = pw_conn_new(ev, remote, &conn_events, r, &r->conn);
	if (err < 0) {
		free(r);
		return err;
	}
	*out = r;
	return 0;
}

int zone_router_set(struct zone_router *r, const struct zone_route *zones, size_t n)
{
	struct zone_route *copy;
	int err;

	if (!r || (n && !zones))
		return -EINVAL;
	err = copy_zones(zones, n, &copy);
	if (err < 0)
		return err;
	free_zones(r->zones, r->n_zones);
	r->zones = copy;
	r->n_zones = n;
	sync_holds(r);
	route_all(r);
	return 0;
}

void zone_router_stats(const struct zone_router *r, struct zone_router_stats *st)
{
	const struct rnode *n;

	memset(st, 0, sizeof(*st));
	st->connected = pw_conn_is_connected(r->conn);
	spa_list_for_each(n, &r->nodes, link) {
		if (n->kind == NODE_STREAM && n->target)
			st->streams_routed++;
		if (n->kind == NODE_SINK && n->ducked)
			st->zones_ducked++;
	}
}

void zone_router_free(struct zone_router *r)
{
	struct rnode *n;

	if (!r)
		return;
	/* Leave no zone ducked and no stream pinned behind us. */
	if (pw_conn_is_connected(r->conn)) {
		spa_list_for_each(n, &r->nodes, link) {
			if (n->kind == NODE_SINK && n->ducked)
				unduck(n);
			if (n->kind == NODE_STREAM && n->target && r->metadata)
				set_target(r, n, NULL);
		}
		pw_conn_flush(r->conn, 500);
	}
	pw_conn_free(r->conn);
	free_zones(r->zones, r->n_zones);
	free(r);
}
