// SPDX-License-Identifier: MIT
/*
 * zone-router-probe: the zone router (zone_router.h) alone on an sd-event
 * loop, zones from the command line, routes changed from standard input.
 * For end-to-end tests of the PipeWire half of the zone policy without the
 * daemon, and for trying routing rules by hand.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zone_router.h"

#define MAX_ZONES 16
#define MAX_NAMES 16

struct zone_arg {
	struct zone_route route;
	char *spec;			/* the argument, cut in place */
	const char *roles[MAX_NAMES];
	const char *apps[MAX_NAMES];
};

struct probe {
	struct zone_router *router;
	struct zone_arg zones[MAX_ZONES];
	size_t n;
	char line[512];
	size_t len;
	char *owned[256];		/* roles added by "route" */
	size_t n_owned;
	struct zone_router_stats last;
	bool have_last;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: zone-router-probe [--remote NAME] ZONE...\n"
		"Run the zone router of the policy daemon on its own: streams of each ZONE's\n"
		"roles and applications are routed to the ZONE's sink and lower-ranked zones\n"
		"are ducked while a higher-ranked zone plays. Decisions are logged on\n"
		"standard error; a line \"stats connected=B routed=N ducked=N\" is printed on\n"
		"standard output whenever those counters change.\n"
		"\n"
		"ZONE is a comma-separated list of KEY=VALUE:\n"
		"  name=NAME        the zone (required)\n"
		"  node=NODE        its sink's node.name (default vlo.zone.NAME)\n"
		"  roles=R1+R2...   media.role values routed to it\n"
		"  apps=A1+A2...    application.name or process binary values routed to it\n"
		"  rank=N           ducking rank (default 0)\n"
		"  duck=DB          its gain in dB while ducked (default -20, at most 0)\n"
		"  safety           never let its streams fall back to another zone's sink\n"
		"\n"
		"Standard input takes commands, one per line:\n"
		"  route ROLE ZONE  move ROLE to ZONE (live streams follow)\n"
		"  quit             exit\n"
		"\n"
		"Options:\n"
		"  --remote NAME    PipeWire remote (default: PIPEWIRE_REMOTE or pipewire-0)\n"
		"  -h, --help       this text\n"
		"\n"
		"Example:\n"
		"  zone-router-probe name=driver,roles=Navigation,rank=2 \\\n"
		"      name=rear,roles=Music,duck=-15\n"
		"\n"
		"Exit status: 0 on quit, end of input, SIGINT or SIGTERM; 1 start-up failure;\n"
		"2 bad command line.\n");
}

static int split_names(char *list, const char **out, size_t *n)
{
	char *save = NULL;

	*n = 0;
	for (char *s = strtok_r(list, "+", &save); s; s = strtok_r(NULL, "+", &save)) {
		if (*n == MAX_NAMES)
			return -1;
		out[(*n)++] = s;
	}
	return 0;
}

static int parse_zone(const char *arg, struct zone_arg *z)
{
	char *save = NULL, *end;
	size_t n;

	z->spec = strdup(arg);
	if (!z->spec)
		return -1;
	/* z->spec is freed at main's out_args, which frees every zone's spec;
	 * the analyzer loses track of it there. */
	// NOLINTNEXTLINE(clang-analyzer-unix.Malloc)
	z->route.duck_level_db = -20.0;
	for (char *kv = strtok_r(z->spec, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *v = strchr(kv, '=');

		if (v)
			*v++ = '\0';
		if (strcmp(kv, "safety") == 0 && !v) {
			z->route.safety = true;
		} else if (!v) {
			fprintf(stderr, "zone-router-probe: %s: '%s' needs a value\n", arg, kv);
			return -1;
		} else if (strcmp(kv, "name") == 0) {
			z->route.zone = v;
		} else if (strcmp(kv, "node") == 0) {
			z->route.node_name = v;
		} else if (strcmp(kv, "roles") == 0 || strcmp(kv, "apps") == 0) {
			bool roles = kv[0] == 'r';

			if (split_names(v, roles ? z->roles : z->apps, &n) < 0) {
				fprintf(stderr, "zone-router-probe: %s: more than %d %s\n", arg,
					MAX_NAMES, kv);
				return -1;
			}
			if (roles)
				z->route.n_roles = n;
			else
				z->route.n_apps = n;
		} else if (strcmp(kv, "rank") == 0) {
			errno = 0;
			long rank = strtol(v, &end, 10);

			if (errno || *end || end == v || rank < -1000 || rank > 1000) {
				fprintf(stderr, "zone-router-probe: %s: rank '%s' is not in -1000..1000\n",
					arg, v);
				return -1;
			}
			z->route.duck_rank = (int)rank;
		} else if (strcmp(kv, "duck") == 0) {
			double db = strtod(v, &end);

			if (*end || end == v || !(db <= 0.0 && db >= -120.0)) {
				fprintf(stderr, "zone-router-probe: %s: duck '%s' is not in -120..0 dB\n",
					arg, v);
				return -1;
			}
			z->route.duck_level_db = db;
		} else {
			fprintf(stderr, "zone-router-probe: %s: unknown key '%s'\n", arg, kv);
			return -1;
		}
	}
	if (!z->route.zone || !*z->route.zone) {
		fprintf(stderr, "zone-router-probe: %s: no name=\n", arg);
		return -1;
	}
	z->route.roles = z->roles;
	z->route.apps = z->apps;
	return 0;
}

static int apply(struct probe *p)
{
	struct zone_route routes[MAX_ZONES];

	for (size_t i = 0; i < p->n; i++)
		routes[i] = p->zones[i].route;
	return zone_router_set(p->router, routes, p->n);
}

/* route ROLE ZONE: ROLE leaves every zone and joins ZONE. */
static void cmd_route(struct probe *p, const char *role, const char *zone)
{
	struct zone_arg *to = NULL;

	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->zones[i].route.zone, zone) == 0)
			to = &p->zones[i];
	if (!to || to->route.n_roles == MAX_NAMES) {
		printf("error: no zone '%s' (or it has %d roles)\n", zone, MAX_NAMES);
		return;
	}
	for (size_t i = 0; i < p->n; i++) {
		struct zone_arg *z = &p->zones[i];

		for (size_t j = 0; j < z->route.n_roles; j++) {
			if (strcasecmp(z->roles[j], role) != 0)
				continue;
			memmove(&z->roles[j], &z->roles[j + 1],
				(z->route.n_roles - j - 1) * sizeof(z->roles[0]));
			z->route.n_roles--;
			j--;
		}
	}
	/* The role's text must outlive the command line buffer: keep a copy. */
	char *copy = p->n_owned < 256 ? strdup(role) : NULL;

	if (!copy) {
		printf("error: out of memory\n");
		return;
	}
	p->owned[p->n_owned++] = copy;
	to->roles[to->route.n_roles++] = copy;
	int r = apply(p);

	printf(r < 0 ? "error: %s\n" : "routed %s -> %s\n", r < 0 ? strerror(-r) : role, zone);
	fflush(stdout);
}

static void print_stats(struct probe *p)
{
	struct zone_router_stats st;

	zone_router_stats(p->router, &st);
	if (p->have_last && st.connected == p->last.connected &&
	    st.streams_routed == p->last.streams_routed && st.zones_ducked == p->last.zones_ducked)
		return;
	p->last = st;
	p->have_last = true;
	printf("stats connected=%d routed=%u ducked=%u\n", st.connected, st.streams_routed,
	       st.zones_ducked);
	fflush(stdout);
}

static int on_stdin(sd_event_source *s, int fd, uint32_t revents, void *data)
{
	struct probe *p = data;
	ssize_t got;

	(void)revents;
	got = read(fd, p->line + p->len, sizeof(p->line) - 1 - p->len);
	if (got <= 0) {
		sd_event_source_set_enabled(s, SD_EVENT_OFF);
		return sd_event_exit(sd_event_source_get_event(s), 0);
	}
	p->len += (size_t)got;
	for (char *nl; (nl = memchr(p->line, '\n', p->len));) {
		char cmd[16], a[128], b[128];

		*nl = '\0';
		if (sscanf(p->line, "%15s %127s %127s", cmd, a, b) == 3 && strcmp(cmd, "route") == 0)
			cmd_route(p, a, b);
		else if (strcmp(p->line, "quit") == 0)
			return sd_event_exit(sd_event_source_get_event(s), 0);
		else if (p->line[0])
			printf("error: unknown command '%s'\n", p->line);
		p->len -= (size_t)(nl + 1 - p->line);
		memmove(p->line, nl + 1, p->len);
	}
	if (p->len == sizeof(p->line) - 1)
		p->len = 0;	/* an overlong line is dropped */
	fflush(stdout);
	return 0;
}

static int on_tick(sd_event_source *s, uint64_t usec, void *data)
{
	int r;

	print_stats(data);
	/* A time source fires once: arm it again for the next tick. */
	r = sd_event_source_set_time(s, usec + 100000);
	return r < 0 ? r : sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
}

int main(int argc, char **argv)
{
	struct probe p = { 0 };
	const char *remote = NULL;
	char *nodes[MAX_ZONES] = { 0 };
	sd_event *ev = NULL;
	sigset_t mask;
	uint64_t now;
	int r, i = 1, status = 1;

	if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc > 2 && strcmp(argv[1], "--remote") == 0) {
		remote = argv[2];
		i = 3;
	}
	if (i >= argc || argc - i > MAX_ZONES) {
		usage(stderr);
		return 2;
	}
	for (; i < argc; i++) {
		struct zone_arg *z = &p.zones[p.n];

		if (parse_zone(argv[i], z) < 0)
			goto out_args;
		if (!z->route.node_name) {
			if (asprintf(&nodes[p.n], "vlo.zone.%s", z->route.zone) < 0)
				goto out_args;
			z->route.node_name = nodes[p.n];
		}
		p.n++;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	if ((r = sd_event_default(&ev)) < 0 ||
	    (r = sd_event_add_signal(ev, NULL, SIGINT, NULL, NULL)) < 0 ||
	    (r = sd_event_add_signal(ev, NULL, SIGTERM, NULL, NULL)) < 0 ||
	    (r = sd_event_add_io(ev, NULL, STDIN_FILENO, EPOLLIN, on_stdin, &p)) < 0 ||
	    (r = sd_event_now(ev, CLOCK_MONOTONIC, &now)) < 0 ||
	    (r = sd_event_add_time(ev, NULL, CLOCK_MONOTONIC, now, 0, on_tick, &p)) < 0) {
		fprintf(stderr, "zone-router-probe: sd-event: %s\n", strerror(-r));
		goto out;
	}
	r = zone_router_new(ev, remote, &p.router);
	if (r < 0 || (r = apply(&p)) < 0) {
		fprintf(stderr, "zone-router-probe: router: %s\n", strerror(-r));
		goto out;
	}
	r = sd_event_loop(ev);
	status = r < 0 ? 1 : 0;
out:
	zone_router_free(p.router);
	sd_event_unref(ev);
out_args:
	for (size_t z = 0; z < MAX_ZONES; z++) {
		free(p.zones[z].spec);
		free(nodes[z]);
	}
	for (size_t j = 0; j < p.n_owned; j++)
		free(p.owned[j]);
	return status;
}
