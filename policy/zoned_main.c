// SPDX-License-Identifier: MIT
/* vlo-zoned: options, the event loop, signals, sd_notify. */
#include "zoned.h"
#include "zone_log.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#define DEFAULT_CONFIG "/etc/vlo/zones.conf"

static const char usage[] =
"Usage: vlo-zoned [--config FILE] [--rescan-ms N] [--pipewire-remote NAME] [-v]\n"
"\n"
"The zone policy daemon of the audio appliance. Each zone of FILE names a\n"
"backend process (a systemd service or a pid file); vlo-zoned keeps every\n"
"thread of it on the zone's CPUs (sched_setaffinity) and at the zone's\n"
"scheduling policy and priority or nice value (sched_setattr), including\n"
"threads started later and a restarted backend: it rescans the threads\n"
"every N ms, applies the settings where they are not yet applied and reads\n"
"each thread back to confirm. A zone with a slice also gets AllowedCPUs set\n"
"on that slice through systemd at run time. The routing part of the zones\n"
"(roles, apps, ducking) goes to the PipeWire router.\n"
"\n"
"When real-time scheduling is refused, the zone's state says why: missing\n"
"CAP_SYS_NICE with a low RLIMIT_RTPRIO, a backend of another user, RT group\n"
"scheduling (cgroup v1 cpu.rt_runtime_us = 0) or kernel.sched_rt_runtime_us\n"
"= 0.\n"
"\n"
"It serves org.vlo.Zones1 at /org/vlo/Zones1 on the system bus (see\n"
"zonectl(1) and policy/README.md): List, Set(zone, key, value),\n"
"Route(role, zone), Reload. Changes are applied before the call returns.\n"
"Only root and members of the configured group may change anything.\n"
"\n"
"Options:\n"
"  -c, --config FILE        the zones (default " DEFAULT_CONFIG "). SPA-JSON:\n"
"                           zones = [ { name = driver backend.unit = ... } ]\n"
"                           group = vlo; every key is in policy/README.md.\n"
"  -r, --rescan-ms N        thread rescan period, 5..1000 ms (default 25).\n"
"      --pipewire-remote NAME  the PipeWire remote for the router (default:\n"
"                           PIPEWIRE_REMOTE or the default remote).\n"
"  -v, --verbose            log debug lines too.\n"
"  -h, --help               this text.\n"
"\n"
"Signals: SIGHUP reloads FILE (a bad file is logged with its line number and\n"
"the running configuration stays); SIGTERM and SIGINT stop the daemon.\n"
"\n"
"systemd: Type=notify (READY=1 after the first apply, STATUS= with a\n"
"summary), WatchdogSec= is honoured. Log lines go to stderr with <N>\n"
"priority prefixes for journald.\n"
"\n"
"Exit status: 0 stopped by a signal, 1 bad configuration or no system bus,\n"
"2 bad usage.\n";

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	struct zoned *d = userdata;
	char err[ZONE_ERR_MAX];

	(void)s, (void)si;
	sd_notify(0, "RELOADING=1");
	if (zoned_reload(d, err, sizeof(err)) == 0)
		zoned_dbus_emit_changed(d, "");
	sd_notify(0, "READY=1");
	return 0;
}

static int on_exit_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	(void)userdata;
	zone_log(LOG_INFO, "stopping on signal %u", si->ssi_signo);
	sd_notify(0, "STOPPING=1");
	return sd_event_exit(sd_event_source_get_event(s), 0);
}

static int parse_args(int argc, char **argv, struct zoned *d, const char **remote)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "rescan-ms", required_argument, NULL, 'r' },
		{ "pipewire-remote", required_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	long ms;
	int c;

	while ((c = getopt_long(argc, argv, "c:r:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			d->config_path = optarg;
			break;
		case 'r':
			ms = strtol(optarg, &end, 10);
			if (*end || ms < 5 || ms > 1000) {
				fprintf(stderr, "vlo-zoned: --rescan-ms: '%s' is not in 5..1000\n",
					optarg);
				return 2;
			}
			d->rescan_usec = (uint64_t)ms * 1000;
			break;
		case 'p':
			*remote = optarg;
			break;
		case 'v':
			zone_log_set_level(LOG_DEBUG);
			break;
		case 'h':
			fputs(usage, stdout);
			exit(0);
		default:
			fprintf(stderr, "Try 'vlo-zoned --help'.\n");
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vlo-zoned: unexpected argument '%s' (try --help)\n", argv[optind]);
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct zoned d = { .config_path = DEFAULT_CONFIG, .rescan_usec = 25 * 1000 };
	const char *remote = NULL;
	char err[ZONE_ERR_MAX];
	sigset_t ss;
	int rc, status = 1;

	rc = parse_args(argc, argv, &d, &remote);
	if (rc)
		return rc;
	/* sd-event takes these through a signalfd: they must be blocked. */
	sigemptyset(&ss);
	sigaddset(&ss, SIGHUP);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigprocmask(SIG_BLOCK, &ss, NULL);

	if (zoned_init_config(&d, err, sizeof(err))) {
		zone_log(LOG_ERR, "%s", err);
		goto out;
	}
	rc = sd_event_default(&d.ev);
	if (rc < 0) {
		zone_log(LOG_ERR, "sd_event: %s", strerror(-rc));
		goto out;
	}
	sd_event_set_watchdog(d.ev, true);
	sd_event_add_signal(d.ev, NULL, SIGHUP, on_sighup, &d);
	sd_event_add_signal(d.ev, NULL, SIGTERM, on_exit_signal, &d);
	sd_event_add_signal(d.ev, NULL, SIGINT, on_exit_signal, &d);

	rc = sd_bus_open_system(&d.bus);
	if (rc >= 0)
		rc = sd_bus_attach_event(d.bus, d.ev, SD_EVENT_PRIORITY_NORMAL);
	if (rc < 0) {
		zone_log(LOG_ERR, "cannot connect to the system bus: %s", strerror(-rc));
		goto out;
	}
	if (zoned_dbus_start(&d) < 0)
		goto out;
	rc = zone_router_new(d.ev, remote, &d.router);
	if (rc < 0)
		zone_log(LOG_WARNING, "router: %s; routing and ducking are off", strerror(-rc));

	zone_log(LOG_INFO, "%s: %zu zone(s)", d.config_path, d.cfg->n_zones);
	for (size_t i = 0; i < d.cfg->n_zones; i++)
		zoned_apply_slice(&d, &d.cfg->zones[i]);
	zoned_apply(&d, -1);
	zoned_push_routes(&d);
	rc = zoned_start_timer(&d);
	if (rc < 0) {
		zone_log(LOG_ERR, "timer: %s", strerror(-rc));
		goto out;
	}
	sd_notify(0, "READY=1");
	rc = sd_event_loop(d.ev);
	status = rc < 0 ? 1 : 0;
	if (rc < 0)
		zone_log(LOG_ERR, "event loop: %s", strerror(-rc));
out:
	zoned_free(&d);
	if (d.bus)
		sd_bus_flush_close_unref(d.bus);
	sd_event_unref(d.ev);
	return status;
}
