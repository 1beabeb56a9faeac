// SPDX-License-Identifier: MIT
/* The Set and Route argument checks, and role conflicts they must avoid. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "zone_args.h"

static cpu_set_t online;
static struct zone_config cfg;
static char err[ZONE_ERR_MAX];

static const char conf[] =
	"zones = [\n"
	" { name = driver sched.policy = fifo sched.priority = 80 roles = [ Navigation ] }\n"
	" { name = rear sched.policy = other roles = [ Music Movie ] }\n"
	" { name = chimes }\n"
	"]\n";

static int setup(void **state)
{
	(void)state;
	CPU_ZERO(&online);
	CPU_SET(0, &online);
	CPU_SET(1, &online);
	return zone_config_parse("zones.conf", conf, strlen(conf), &online, &cfg, err,
				 sizeof(err));
}

static enum zone_args_error set(const char *zone, const char *key, const char *value)
{
	err[0] = '\0';
	return zone_args_set(&cfg, &online, zone, key, value, err, sizeof(err));
}

static void test_set_good(void **state)
{
	struct zone *d = zone_config_find(&cfg, "driver");

	(void)state;
	assert_int_equal(set("driver", "cpus", "1"), ZONE_ARGS_OK);
	assert_true(d->has_cpus && CPU_COUNT(&d->cpus) == 1 && CPU_ISSET(1, &d->cpus));
	assert_int_equal(set("driver", "priority", "70"), ZONE_ARGS_OK);
	assert_int_equal(d->priority, 70);
	assert_int_equal(set("driver", "policy", "rr"), ZONE_ARGS_OK);
	assert_int_equal(d->policy, ZONE_POLICY_RR);
	assert_int_equal(set("driver", "nice", "-3"), ZONE_ARGS_OK);
	assert_int_equal(d->nice, -3);
	assert_int_equal(set("driver", "duck.level-db", "-12.5"), ZONE_ARGS_OK);
	assert_true(d->duck_level_db == -12.5);
	/* priority first, then policy: the documented order */
	assert_int_equal(set("chimes", "priority", "10"), ZONE_ARGS_OK);
	assert_int_equal(set("chimes", "policy", "fifo"), ZONE_ARGS_OK);
}

struct bad_set {
	const char *zone, *key, *value;
	enum zone_args_error e;
	const char *err;
};

static const struct bad_set bad_sets[] = {
	{ "front", "cpus", "0", ZONE_ARGS_UNKNOWN_ZONE, "no zone named front" },
	{ "Front", "cpus", "0", ZONE_ARGS_INVALID,
	  "\"Front\" is not a zone name ([a-z][a-z0-9]{0,14})" },
	{ "", "cpus", "0", ZONE_ARGS_INVALID, "\"\" is not a zone name ([a-z][a-z0-9]{0,14})" },
	{ "driver", "cpus", "2", ZONE_ARGS_INVALID, "cpus: CPU 2 is not online (online: 0-1)" },
	{ "driver", "cpus", "", ZONE_ARGS_INVALID, "cpus: empty cpu list" },
	{ "driver", "priority", "0", ZONE_ARGS_INVALID, "priority: \"0\" is not in 1..99" },
	{ "driver", "priority", "100", ZONE_ARGS_INVALID, "priority: \"100\" is not in 1..99" },
	{ "driver", "priority", "5x", ZONE_ARGS_INVALID, "priority: \"5x\" is not in 1..99" },
	{ "driver", "priority", "", ZONE_ARGS_INVALID, "priority: \"\" is not in 1..99" },
	{ "driver", "nice", "20", ZONE_ARGS_INVALID, "nice: \"20\" is not in -20..19" },
	{ "driver", "policy", "deadline", ZONE_ARGS_INVALID,
	  "policy: \"deadline\" is not one of fifo, rr, other, batch, idle" },
	{ "rear", "policy", "fifo", ZONE_ARGS_INVALID,
	  "policy: fifo needs a priority; set priority (1..99) first" },
	{ "driver", "duck.level-db", "1", ZONE_ARGS_INVALID,
	  "duck.level-db: \"1\" is not in -96..0" },
	{ "driver", "duck.level-db", "inf", ZONE_ARGS_INVALID,
	  "duck.level-db: \"inf\" is not in -96..0" },
	{ "driver", "sched.priority", "5", ZONE_ARGS_INVALID,
	  "\"sched.priority\" is not a key (cpus, policy, priority, nice, duck.level-db)" },
};

static void test_set_bad(void **state)
{
	struct zone_config before = cfg;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_sets) / sizeof(bad_sets[0]); i++) {
		const struct bad_set *b = &bad_sets[i];
		enum zone_args_error e = set(b->zone, b->key, b->value);

		if (e != b->e || strcmp(err, b->err))
			fail_msg("case %zu: got %d \"%s\", want %d \"%s\"", i, e, err, b->e, b->err);
	}
	/* Nothing changed. */
	assert_memory_equal(&before, &cfg, sizeof(cfg));
}

static void test_route(void **state)
{
	struct zone *d = zone_config_find(&cfg, "driver"), *r = zone_config_find(&cfg, "rear");

	(void)state;
	assert_int_equal(zone_args_route(&cfg, "Music", "driver", err, sizeof(err)), 0);
	assert_int_equal(d->n_roles, 2);
	assert_string_equal(d->roles[1], "Music");
	/* The role left rear: no role is in two zones. */
	assert_int_equal(r->n_roles, 1);
	assert_string_equal(r->roles[0], "Movie");
	/* Again: nothing changes. */
	assert_int_equal(zone_args_route(&cfg, "Music", "driver", err, sizeof(err)), 0);
	assert_int_equal(d->n_roles, 2);
	/* A new role. */
	assert_int_equal(zone_args_route(&cfg, "Alert", "chimes", err, sizeof(err)), 0);
	assert_string_equal(zone_config_find(&cfg, "chimes")->roles[0], "Alert");
	assert_int_equal(zone_args_route(&cfg, "Alert", "front", err, sizeof(err)),
			 ZONE_ARGS_UNKNOWN_ZONE);
	assert_int_equal(zone_args_route(&cfg, "Bad Role", "driver", err, sizeof(err)),
			 ZONE_ARGS_INVALID);
	assert_string_equal(err, "\"Bad Role\" is not a role name");
	assert_int_equal(zone_args_route(&cfg, "", "driver", err, sizeof(err)),
			 ZONE_ARGS_INVALID);
}

/* Routing fills a zone up to ZONE_LIST_MAX roles, then refuses. */
static void test_route_full(void **state)
{
	char role[16];
	size_t i;

	(void)state;
	for (i = zone_config_find(&cfg, "chimes")->n_roles; i < ZONE_LIST_MAX; i++) {
		snprintf(role, sizeof(role), "R%zu", i);
		assert_int_equal(zone_args_route(&cfg, role, "chimes", err, sizeof(err)), 0);
	}
	assert_int_equal(zone_args_route(&cfg, "One", "chimes", err, sizeof(err)),
			 ZONE_ARGS_INVALID);
	assert_string_equal(err, "zone chimes has 16 roles already");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_good),
		cmocka_unit_test(test_set_bad),
		cmocka_unit_test(test_route),
		cmocka_unit_test(test_route_full),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
