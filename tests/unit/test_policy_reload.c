// SPDX-License-Identifier: MIT
/*
 * The daemon core without a bus: a reload with a bad file keeps the running
 * configuration (with its run-time changes) and says which line is wrong; a
 * good file replaces it. The zone's backend is this test process, found
 * through a pid file.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>

#include "zone_args.h"
#include "zoned.h"

static char dir[] = "/tmp/test_policy_reload.XXXXXX";
static char conf[64], pidfile[64];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void write_conf(int nice, const char *extra)
{
	char text[1024];

	snprintf(text, sizeof(text),
		 "zones = [\n"
		 "  { name = driver backend.pid-file = \"%s\"\n"
		 "    sched.policy = other sched.nice = %d roles = [ Navigation ] }\n"
		 "  { name = rear roles = [ Music ] }\n"
		 "%s"
		 "]\n", pidfile, nice, extra);
	write_file(conf, text);
}

static int setup(void **state)
{
	char pid[32];

	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(conf, sizeof(conf), "%s/zones.conf", dir);
	snprintf(pidfile, sizeof(pidfile), "%s/backend.pid", dir);
	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	write_file(pidfile, pid);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(conf);
	unlink(pidfile);
	rmdir(dir);
	return 0;
}

static void test_reload(void **state)
{
	struct zoned d = { .config_path = conf, .rescan_usec = 25000 };
	char err[ZONE_ERR_MAX];
	int nice = getpriority(PRIO_PROCESS, 0);

	(void)state;
	if (nice > 17)
		skip();
	assert_int_equal(sd_event_new(&d.ev), 0);
	write_conf(nice + 1, "");
	assert_int_equal(zoned_init_config(&d, err, sizeof(err)), 0);
	zoned_apply(&d, -1);
	assert_int_equal(d.zs[0].run.pid, getpid());
	assert_true(d.zs[0].run.n_ok >= 1);
	assert_string_equal(zoned_zone_state(&d, 0), "applied");
	assert_int_equal(getpriority(PRIO_PROCESS, 0), nice + 1);
	assert_string_equal(zoned_zone_state(&d, 1), "no-backend");
	assert_string_equal(d.zs[1].backend_error, "no backend configured");

	/* A run-time change, as Route() makes it. */
	assert_int_equal(zone_args_route(d.cfg, "Music", "driver", err, sizeof(err)), 0);

	/* A bad file: rejected with its line, everything running stays. */
	write_conf(nice + 2, "  { name = chimes\n    sched.policy = fast }\n");
	assert_int_equal(zoned_reload(&d, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "zones.conf:6: sched.policy: \"fast\" is not one of fifo, rr, "
			    "other, batch, idle");
	assert_int_equal(d.cfg->n_zones, 2);
	assert_int_equal(d.cfg->zones[0].n_roles, 2);	/* Route() survived */
	assert_int_equal(d.cfg->zones[0].nice, nice + 1);
	zoned_apply(&d, -1);
	assert_int_equal(getpriority(PRIO_PROCESS, 0), nice + 1);

	/* A good file replaces the running configuration. */
	write_conf(nice + 2, "  { name = chimes }\n");
	assert_int_equal(zoned_reload(&d, err, sizeof(err)), 0);
	assert_int_equal(d.cfg->n_zones, 3);
	assert_int_equal(d.cfg->zones[0].n_roles, 1);	/* the file's roles again */
	assert_int_equal(d.cfg->zones[1].n_roles, 1);
	assert_int_equal(getpriority(PRIO_PROCESS, 0), nice + 2);
	assert_string_equal(zoned_zone_state(&d, 0), "applied");

	/* A zone dropped by a reload frees its records (valgrind: no leak). */
	write_file(conf, "zones = [ { name = rear } ]\n");
	assert_int_equal(zoned_reload(&d, err, sizeof(err)), 0);
	assert_int_equal(d.cfg->n_zones, 1);

	zoned_free(&d);
	sd_event_unref(d.ev);
}

/* A pid file with garbage in it is an error of the zone, not of the daemon. */
static void test_bad_pid_file(void **state)
{
	struct zoned d = { .config_path = conf, .rescan_usec = 25000 };
	char err[ZONE_ERR_MAX];

	(void)state;
	assert_int_equal(sd_event_new(&d.ev), 0);
	write_conf(19, "");
	write_file(pidfile, "12ab\n");
	assert_int_equal(zoned_init_config(&d, err, sizeof(err)), 0);
	zoned_apply(&d, -1);
	assert_string_equal(zoned_zone_state(&d, 0), "no-backend");
	assert_non_null(strstr(d.zs[0].backend_error, "\"12ab\n\" is not a pid"));
	zoned_free(&d);
	sd_event_unref(d.ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reload),
		cmocka_unit_test(test_bad_pid_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
