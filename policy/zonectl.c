// SPDX-License-Identifier: MIT
/* zonectl: the command line of the zone policy daemon (org.vlo.Zones1). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-bus.h>

#define BUS_NAME "org.vlo.Zones1"
#define BUS_PATH "/org/vlo/Zones1"
#define BUS_IFACE "org.vlo.Zones1"

enum exit_code {
	EXIT_OK = 0,
	EXIT_FAIL = 1,		/* anything else */
	EXIT_USAGE = 2,
	EXIT_NO_DAEMON = 3,	/* no system bus or vlo-zoned not running */
	EXIT_DENIED = 4,
	EXIT_UNKNOWN_ZONE = 5,
	EXIT_INVALID = 6,	/* bad key or value, or a bad zones.conf on reload */
	EXIT_NOT_APPLIED = 7,	/* accepted and kept, but not applied (see list) */
};

static const char usage[] =
"Usage: zonectl list\n"
"       zonectl set ZONE KEY VALUE\n"
"       zonectl route ROLE ZONE\n"
"       zonectl reload\n"
"       zonectl --help\n"
"\n"
"Shows and changes the audio zones of the zone policy daemon vlo-zoned over\n"
"D-Bus (org.vlo.Zones1 on the system bus). Changes take effect at once, on\n"
"every thread of the zone's backend, and last until the next reload or\n"
"restart of the daemon (edit /etc/vlo/zones.conf to keep them).\n"
"\n"
"Commands:\n"
"  list                 one line per zone: ZONE, the backend's PID, THREADS\n"
"                       (at the settings / all), CPUS, SCHED (policy/priority or\n"
"                       policy/nice), STATE (applied, partial, error, warning,\n"
"                       no-backend) and ROLES; a zone's error or warning, e.g.\n"
"                       what blocks real-time scheduling, follows the table.\n"
"  set ZONE KEY VALUE   change one setting of ZONE. KEY is one of\n"
"                         cpus          a CPU list of online CPUs: 1, 0-1, 0,2-3\n"
"                         policy        fifo, rr, other, batch or idle (fifo and rr\n"
"                                       need a priority: set priority first)\n"
"                         priority      1..99, used by fifo and rr\n"
"                         nice          -20..19, used by other and batch\n"
"                         duck.level-db -96..0, the zone's gain when ducked\n"
"  route ROLE ZONE      route streams of media.role ROLE to ZONE (from whichever\n"
"                       zone had it).\n"
"  reload               re-read /etc/vlo/zones.conf (like SIGHUP). A bad file is\n"
"                       reported with its line number and the running\n"
"                       configuration stays.\n"
"\n"
"list is open to every user; set, route and reload need root or the group\n"
"named by `group' in zones.conf.\n"
"\n"
"Examples:\n"
"  zonectl set driver priority 80\n"
"  zonectl set rear cpus 2-3\n"
"  zonectl route Navigation driver\n"
"\n"
"Exit status: 0 done; 1 other failure; 2 bad usage; 3 the daemon is not\n"
"running (or no system bus); 4 access denied; 5 no such zone; 6 invalid key or\n"
"value, or a bad zones.conf on reload; 7 the setting is kept but could not be\n"
"applied (the reason is printed, e.g. real-time scheduling blocked).\n";

static int report(const char *what, const sd_bus_error *e, int rc)
{
	const char *name = e && e->name ? e->name : "";
	const char *msg = e && e->message ? e->message : strerror(-rc);

	if (!strcmp(name, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
	    !strcmp(name, SD_BUS_ERROR_NAME_HAS_NO_OWNER)) {
		fprintf(stderr, "zonectl: the zone daemon (%s) is not running\n", BUS_NAME);
		return EXIT_NO_DAEMON;
	}
	if (!strcmp(name, SD_BUS_ERROR_ACCESS_DENIED)) {
		fprintf(stderr, "zonectl: %s: access denied: %s\n", what, msg);
		return EXIT_DENIED;
	}
	fprintf(stderr, "zonectl: %s: %s\n", what, msg);
	if (!strcmp(name, "org.vlo.Zones1.Error.UnknownZone"))
		return EXIT_UNKNOWN_ZONE;
	if (!strcmp(name, SD_BUS_ERROR_INVALID_ARGS) ||
	    !strcmp(name, "org.vlo.Zones1.Error.BadConfig"))
		return EXIT_INVALID;
	if (!strcmp(name, "org.vlo.Zones1.Error.NotApplied"))
		return EXIT_NOT_APPLIED;
	return EXIT_FAIL;
}

static void sched_text(const char *policy, int prio, int nice, char *buf, size_t len)
{
	if (!strcmp(policy, "unset"))
		snprintf(buf, len, "-");
	else if (!strcmp(policy, "fifo") || !strcmp(policy, "rr"))
		snprintf(buf, len, "%s/%d", policy, prio);
	else if (!strcmp(policy, "idle"))
		snprintf(buf, len, "idle");
	else
		snprintf(buf, len, "%s/nice %d", policy, nice);
}

struct row {
	char zone[16], threads[24], cpus[64], sched[32], state[16], roles[256];
	char error[512];
	int pid;
};

static int read_row(sd_bus_message *r, struct row *w)
{
	const char *zone, *cpus, *policy, *state, *error, *role;
	uint32_t n, ok;
	int32_t pid, prio, nice;
	size_t used = 0;
	int rc;

	rc = sd_bus_message_enter_container(r, 'r', "siuussiissas");
	if (rc <= 0)
		return rc;
	rc = sd_bus_message_read(r, "siuussiiss", &zone, &pid, &n, &ok, &cpus, &policy, &prio,
				 &nice, &state, &error);
	if (rc < 0)
		return rc;
	snprintf(w->zone, sizeof(w->zone), "%s", zone);
	w->pid = pid;
	snprintf(w->threads, sizeof(w->threads), "%u/%u", ok, n);
	snprintf(w->cpus, sizeof(w->cpus), "%s", cpus);
	sched_text(policy, prio, nice, w->sched, sizeof(w->sched));
	snprintf(w->state, sizeof(w->state), "%s", state);
	snprintf(w->error, sizeof(w->error), "%s", error);
	w->roles[0] = '\0';
	rc = sd_bus_message_enter_container(r, 'a', "s");
	while (rc >= 0 && (rc = sd_bus_message_read(r, "s", &role)) > 0) {
		int k = snprintf(w->roles + used, sizeof(w->roles) - used, "%s%s",
				 used ? "," : "", role);

		if (k > 0 && (size_t)k < sizeof(w->roles) - used)
			used += (size_t)k;
	}
	if (rc >= 0)
		rc = sd_bus_message_exit_container(r);
	if (rc >= 0)
		rc = sd_bus_message_exit_container(r);
	return rc < 0 ? rc : 1;
}

static int cmd_list(sd_bus *bus)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *r = NULL;
	struct row rows[32];
	size_t n = 0;
	int rc;

	rc = sd_bus_call_method(bus, BUS_NAME, BUS_PATH, BUS_IFACE, "List", &e, &r, "");
	if (rc < 0) {
		rc = report("list", &e, rc);
		sd_bus_error_free(&e);
		return rc;
	}
	rc = sd_bus_message_enter_container(r, 'a', "(siuussiissas)");
	while (rc >= 0 && n < 32 && (rc = read_row(r, &rows[n])) > 0)
		n++;
	sd_bus_message_unref(r);
	if (rc < 0) {
		fprintf(stderr, "zonectl: list: bad reply: %s\n", strerror(-rc));
		return EXIT_FAIL;
	}
	printf("%-15s %7s %7s %-9s %-14s %-10s %s\n", "ZONE", "PID", "THREADS", "CPUS",
	       "SCHED", "STATE", "ROLES");
	for (size_t i = 0; i < n; i++) {
		char pid[16];

		snprintf(pid, sizeof(pid), "%d", rows[i].pid);
		printf("%-15s %7s %7s %-9s %-14s %-10s %s\n", rows[i].zone,
		       rows[i].pid ? pid : "-", rows[i].threads, rows[i].cpus, rows[i].sched,
		       rows[i].state, rows[i].roles[0] ? rows[i].roles : "-");
	}
	for (size_t i = 0; i < n; i++)
		if (rows[i].error[0])
			printf("%s: %s\n", rows[i].zone, rows[i].error);
	return EXIT_OK;
}

static int call(sd_bus *bus, const char *what, const char *method, const char *sig,
		const char *a, const char *b, const char *c)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int rc;

	if (!strcmp(sig, "sss"))
		rc = sd_bus_call_method(bus, BUS_NAME, BUS_PATH, BUS_IFACE, method, &e, NULL, sig,
					a, b, c);
	else if (!strcmp(sig, "ss"))
		rc = sd_bus_call_method(bus, BUS_NAME, BUS_PATH, BUS_IFACE, method, &e, NULL, sig,
					a, b);
	else
		rc = sd_bus_call_method(bus, BUS_NAME, BUS_PATH, BUS_IFACE, method, &e, NULL, "");
	if (rc < 0) {
		rc = report(what, &e, rc);
		sd_bus_error_free(&e);
		return rc;
	}
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd;
	sd_bus *bus = NULL;
	int c, rc, nargs;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return EXIT_OK;
		}
		fprintf(stderr, "Try 'zonectl --help'.\n");
		return EXIT_USAGE;
	}
	if (optind >= argc) {
		fprintf(stderr, "zonectl: no command (list, set, route, reload; try --help)\n");
		return EXIT_USAGE;
	}
	cmd = argv[optind];
	nargs = argc - optind - 1;
	if (!((!strcmp(cmd, "list") && nargs == 0) || (!strcmp(cmd, "reload") && nargs == 0) ||
	      (!strcmp(cmd, "set") && nargs == 3) || (!strcmp(cmd, "route") && nargs == 2))) {
		if (strcmp(cmd, "list") && strcmp(cmd, "reload") && strcmp(cmd, "set") &&
		    strcmp(cmd, "route"))
			fprintf(stderr, "zonectl: unknown command '%s' (try --help)\n", cmd);
		else
			fprintf(stderr, "zonectl: %s: wrong number of arguments (try --help)\n",
				cmd);
		return EXIT_USAGE;
	}
	rc = sd_bus_open_system(&bus);
	if (rc < 0) {
		fprintf(stderr, "zonectl: cannot connect to the system bus: %s\n", strerror(-rc));
		return EXIT_NO_DAEMON;
	}
	argv += optind + 1;
	if (!strcmp(cmd, "list"))
		rc = cmd_list(bus);
	else if (!strcmp(cmd, "set"))
		rc = call(bus, "set", "Set", "sss", argv[0], argv[1], argv[2]);
	else if (!strcmp(cmd, "route"))
		rc = call(bus, "route", "Route", "ss", argv[0], argv[1], NULL);
	else
		rc = call(bus, "reload", "Reload", "", NULL, NULL, NULL);
	sd_bus_flush_close_unref(bus);
	return rc;
}
