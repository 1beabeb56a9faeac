// SPDX-License-Identifier: MIT
/* zones.conf parser: good files and every kind of error with its line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "zone_config.h"

static cpu_set_t online;	/* 0-3 */
static struct zone_config cfg;
static char err[ZONE_ERR_MAX];

static int parse(const char *text)
{
	err[0] = '\0';
	return zone_config_parse("/etc/vlo/zones.conf", text, strlen(text), &online, &cfg, err,
				 sizeof(err));
}

static const char full[] =
	"# Cockpit zones\n"
	"zones = [\n"
	"    {   name = driver\n"
	"        backend.unit = \"vhost-user-sound@driver.service\"\n"
	"        slice = \"vlo-zone-driver.slice\"\n"
	"        cpus = \"1,3\"\n"
	"        sched.policy = fifo\n"
	"        sched.priority = 80\n"
	"        node = \"vlo.zone.driver\"\n"
	"        roles = [ Navigation Emergency ]\n"
	"        apps = [ \"Nav App\" ]\n"
	"        duck.rank = 2\n"
	"        duck.level-db = -20.5\n"
	"        safety = false\n"
	"    }\n"
	"    { name = rear, backend.pid-file = \"/run/rear.pid\", cpus = \"2-3\",\n"
	"      sched.policy = other, sched.nice = -5, roles = [ Music Movie ], safety = true }\n"
	"    { name: \"chimes\", \"sched.policy\": \"idle\" }\n"
	"]\n"
	"group = \"vlo\"\n";

static void test_full(void **state)
{
	struct zone *z;

	(void)state;
	assert_int_equal(parse(full), 0);
	assert_int_equal(cfg.n_zones, 3);
	assert_string_equal(cfg.group, "vlo");
	z = zone_config_find(&cfg, "driver");
	assert_non_null(z);
	assert_string_equal(z->backend_unit, "vhost-user-sound@driver.service");
	assert_string_equal(z->slice, "vlo-zone-driver.slice");
	assert_true(z->has_cpus);
	assert_int_equal(CPU_COUNT(&z->cpus), 2);
	assert_true(CPU_ISSET(1, &z->cpus) && CPU_ISSET(3, &z->cpus));
	assert_int_equal(z->policy, ZONE_POLICY_FIFO);
	assert_int_equal(z->priority, 80);
	assert_int_equal(z->n_roles, 2);
	assert_string_equal(z->roles[1], "Emergency");
	assert_int_equal(z->n_apps, 1);
	assert_string_equal(z->apps[0], "Nav App");
	assert_int_equal(z->duck_rank, 2);
	assert_true(z->duck_level_db < -20.4 && z->duck_level_db > -20.6);
	assert_false(z->safety);
	z = zone_config_find(&cfg, "rear");
	assert_non_null(z);
	assert_string_equal(z->backend_pid_file, "/run/rear.pid");
	assert_int_equal(z->policy, ZONE_POLICY_OTHER);
	assert_int_equal(z->nice, -5);
	assert_true(z->safety);
	assert_string_equal(z->node, "vlo.zone.rear");	/* the default */
	z = zone_config_find(&cfg, "chimes");
	assert_non_null(z);
	assert_int_equal(z->policy, ZONE_POLICY_IDLE);
	assert_false(z->has_cpus);
	assert_null(zone_config_find(&cfg, "front"));
}

/* Like pipewire.conf, the file may be one object in braces. */
static void test_braces_and_empty(void **state)
{
	(void)state;
	assert_int_equal(parse("{ zones = [ { name = a } ] }\n# end\n"), 0);
	assert_int_equal(cfg.n_zones, 1);
	assert_string_equal(cfg.group, "");
	assert_int_equal(cfg.zones[0].policy, ZONE_POLICY_UNSET);
	assert_int_equal(parse("zones = [ ]"), 0);
	assert_int_equal(cfg.n_zones, 0);
}

/* A failed parse leaves the previous result alone. */
static void test_error_keeps_output(void **state)
{
	(void)state;
	assert_int_equal(parse("zones = [ { name = keep } ]"), 0);
	assert_int_not_equal(parse("zones = [ { name = other sched.nice = 99 } ]"), 0);
	assert_int_equal(cfg.n_zones, 1);
	assert_string_equal(cfg.zones[0].name, "keep");
}

struct bad {
	const char *text;
	const char *error;	/* the whole line */
};

static const struct bad bad_files[] = {
	{ "zones = [\n { name = driver\n   sched.policy = fifo\n   sched.priority = 120\n } ]\n",
	  "zones.conf:4: sched.priority: 120 is not in 1..99" },
	{ "zones = [ { name = a\n colour = red } ]",
	  "zones.conf:2: unknown key \"colour\" in a zone" },
	{ "\n\nzones = [ ]\nvolume = 3\n",
	  "zones.conf:4: unknown key \"volume\" (known: zones, group)" },
	{ "zones = [ { name = Driver } ]",
	  "zones.conf:1: name: \"Driver\" is not a zone name ([a-z][a-z0-9]{0,14})" },
	{ "zones = [ { name = a1234567890123456 } ]",
	  "zones.conf:1: name: \"a1234567890123456\" is not a zone name ([a-z][a-z0-9]{0,14})" },
	{ "zones = [ { name = a\n\n cpus = \"1,5\" } ]",
	  "zones.conf:3: cpus: CPU 5 is not online (online: 0-3)" },
	{ "zones = [ { name = a cpus = \"3-1\" } ]",
	  "zones.conf:1: cpus: \"3-1\": range goes down" },
	{ "zones = [ { name = a cpus = \"1;2\" } ]",
	  "zones.conf:1: cpus: \"1;2\" is not a cpu list like \"0-1,3\"" },
	{ "zones = [ { name = a cpus = \"\" } ]",
	  "zones.conf:1: cpus: empty cpu list" },
	{ "zones = [ { name = a\n sched.policy = fast } ]",
	  "zones.conf:2: sched.policy: \"fast\" is not one of fifo, rr, other, batch, idle" },
	{ "zones = [ { name = a sched.policy = other\n sched.nice = 30 } ]",
	  "zones.conf:2: sched.nice: 30 is not in -20..19" },
	{ "zones = [ { name = a sched.policy = other sched.nice = 1.5 } ]",
	  "zones.conf:1: sched.nice: \"1.5\" is not an integer" },
	{ "zones = [ { name = a sched.policy = other sched.nice = \"1\" } ]",
	  "zones.conf:1: sched.nice: expected a number" },
	{ "zones = [\n { name = a }\n { name = b }\n { name = a }\n]",
	  "zones.conf:4: zone \"a\" is defined twice (first at line 2)" },
	{ "zones = [\n { name = a roles = [ Music ] }\n { name = b\n roles = [ Nav Music ] }\n]",
	  "zones.conf:3: zone b: role \"Music\" is already in zone a" },
	{ "zones = [ { name = a roles = [ Music Music ] } ]",
	  "zones.conf:1: roles: \"Music\" is listed twice" },
	{ "zones = [ { name = a apps = [ x ] } { name = b apps = [ x ] } ]",
	  "zones.conf:1: zone b: app \"x\" is already in zone a" },
	{ "zones = [ { name = a\n sched.policy = rr } ]",
	  "zones.conf:2: zone a: sched.policy rr needs sched.priority (1..99)" },
	{ "zones = [ { name = a\n sched.policy = other\n sched.priority = 5 } ]",
	  "zones.conf:3: zone a: sched.priority needs sched.policy fifo or rr" },
	{ "zones = [ { name = a sched.policy = fifo sched.priority = 5\n sched.nice = 1 } ]",
	  "zones.conf:2: zone a: sched.nice needs sched.policy other or batch" },
	{ "zones = [ { name = a backend.unit = \"x.service\"\n backend.pid-file = \"/p\" } ]",
	  "zones.conf:2: zone a: backend.unit and backend.pid-file exclude each other" },
	{ "zones = [ { name = a backend.unit = \"x.socket\" } ]",
	  "zones.conf:1: backend.unit: \"x.socket\" is not a service unit name" },
	{ "zones = [ { name = a backend.pid-file = \"run/x.pid\" } ]",
	  "zones.conf:1: backend.pid-file: \"run/x.pid\" is not an absolute path" },
	{ "zones = [ { name = a slice = \"x.service\" } ]",
	  "zones.conf:1: slice: \"x.service\" is not a slice unit name" },
	{ "zones = [ { name = a\n name = b } ]",
	  "zones.conf:2: name: given twice in one zone (first at line 1)" },
	{ "zones = [\n { cpus = \"1\" } ]",
	  "zones.conf:2: zone without a name" },
	{ "zones = [ { name = \"abc } ]\n",
	  "zones.conf:1: syntax error (bad character, escape or unbalanced bracket)" },
	{ "zones = [ { name = a }\n",
	  "zones.conf:2: syntax error (bad character, escape or unbalanced bracket)" },
	{ "zones = [ ] }\n",
	  "zones.conf:1: syntax error: unexpected '}'" },
	{ "{ zones = [ ] \n",
	  "zones.conf:2: missing the closing '}' of the file" },
	{ "{ zones = [ ] } x\n",
	  "zones.conf:1: syntax error: text after the file's closing '}'" },
	{ "group = vlo\n",
	  "zones.conf:2: no \"zones = [ ... ]\" in the file" },
	{ "zones = [ ]\nzones = [ ]",
	  "zones.conf:2: zones: given twice (first at line 1)" },
	{ "zones = { name = a }",
	  "zones.conf:1: zones: expected an array of zones [ { ... } ... ]" },
	{ "zones = [ a ]",
	  "zones.conf:1: zones: each zone is an object { name = ... }" },
	{ "zones = [ { name = a roles = Music } ]",
	  "zones.conf:1: roles: expected an array like [ A B ]" },
	{ "zones = [ { name = a node = [ x ] } ]",
	  "zones.conf:1: node: expected a string, not an array" },
	{ "zones = [ { name = a duck.level-db = 3 } ]",
	  "zones.conf:1: duck.level-db: 3 is not in -96..0" },
	{ "zones = [ { name = a duck.level-db = nan } ]",
	  "zones.conf:1: duck.level-db: \"nan\" is not a number" },
	{ "zones = [ { name = a duck.rank = 101 } ]",
	  "zones.conf:1: duck.rank: 101 is not in 0..100" },
	{ "zones = [ { name = a safety = yes } ]",
	  "zones.conf:1: safety: expected true or false" },
	{ "zones = [ { name = a\n safety } ]",
	  "zones.conf:2: safety: missing value" },
	{ "zones = [ { name = \"a\\u0000b\" } ]",
	  "zones.conf:1: name: NUL character in string" },
	{ "zones = [ { \"\\name\" = a } ]",
	  "zones.conf:1: key: control character in string" },
	{ "zones = [ { name = \"a\\tb\" } ]",
	  "zones.conf:1: name: control character in string" },
	{ "zones = [ ] group = \"\"",
	  "zones.conf:1: group: \"\" is not a group name" },
};

static void test_bad_files(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
		int rc = parse(bad_files[i].text);

		if (rc == 0 || strcmp(err, bad_files[i].error))
			fail_msg("case %zu: got %d \"%s\", want \"%s\"", i, rc, err,
				 bad_files[i].error);
	}
}

/* Not NUL-terminated input, and a file that is too long. */
static void test_raw_input(void **state)
{
	char buf[64];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	memcpy(buf, "zones=[{name=ab}]", 17);
	assert_int_equal(zone_config_parse("z", buf, 17, &online, &cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.zones[0].name, "ab");
	assert_int_not_equal(zone_config_parse("z", buf, 2 * 1024 * 1024, &online, &cfg, err,
					       sizeof(err)), 0);
	assert_string_equal(err, "z: larger than 1048576 bytes");
}

static void test_load_missing(void **state)
{
	(void)state;
	assert_int_equal(zone_config_load("/nonexistent/zones.conf", &online, &cfg, err,
					  sizeof(err)), -2);
	assert_string_equal(err, "/nonexistent/zones.conf: No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_braces_and_empty),
		cmocka_unit_test(test_error_keeps_output),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_raw_input),
		cmocka_unit_test(test_load_missing),
	};

	CPU_ZERO(&online);
	for (int c = 0; c < 4; c++)
		CPU_SET(c, &online);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
