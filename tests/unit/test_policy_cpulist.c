// SPDX-License-Identifier: MIT
/* CPU lists: parsing, formatting, the online check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "zone_cpulist.h"

static char err[160];

static void roundtrip(const char *in, const char *out)
{
	cpu_set_t set;
	char buf[256];

	assert_int_equal(zone_cpulist_parse(in, NULL, &set, err, sizeof(err)), 0);
	zone_cpulist_format(&set, buf, sizeof(buf));
	assert_string_equal(buf, out);
}

static void test_good(void **state)
{
	(void)state;
	roundtrip("0", "0");
	roundtrip("1", "1");
	roundtrip("0-1,3", "0-1,3");
	roundtrip("3,0-1", "0-1,3");
	roundtrip("2,2,2", "2");
	roundtrip("0-3,8-11", "0-3,8-11");
	roundtrip("1023", "1023");
	roundtrip("5-5", "5");
}

static void bad(const char *in, const char *why)
{
	cpu_set_t set;

	assert_int_equal(zone_cpulist_parse(in, NULL, &set, err, sizeof(err)), -22);
	assert_string_equal(err, why);
}

static void test_bad(void **state)
{
	(void)state;
	bad("", "empty cpu list");
	bad("1,", "\"1,\" is not a cpu list like \"0-1,3\"");
	bad(",1", "\",1\" is not a cpu list like \"0-1,3\"");
	bad("1-", "\"1-\" is not a cpu list like \"0-1,3\"");
	bad("-1", "\"-1\" is not a cpu list like \"0-1,3\"");
	bad("a", "\"a\" is not a cpu list like \"0-1,3\"");
	bad("1 ", "\"1 \" is not a cpu list like \"0-1,3\"");
	bad("0-1-2", "\"0-1-2\" is not a cpu list like \"0-1,3\"");
	bad("1024", "\"1024\": CPU number too large");
	bad("99999999999999999999", "\"99999999999999999999\": CPU number too large");
	bad("0,4-2", "\"4-2\": range goes down");
}

static void test_online(void **state)
{
	cpu_set_t online, set;

	(void)state;
	CPU_ZERO(&online);
	CPU_SET(0, &online);
	CPU_SET(1, &online);
	CPU_SET(4, &online);
	assert_int_equal(zone_cpulist_parse("0-1,4", &online, &set, err, sizeof(err)), 0);
	assert_int_equal(zone_cpulist_parse("0-4", &online, &set, err, sizeof(err)), -22);
	assert_string_equal(err, "CPU 2 is not online (online: 0-1,4)");
	/* This machine's own list parses and contains CPU 0 or some CPU. */
	assert_int_equal(zone_cpus_online(&online), 0);
	assert_true(CPU_COUNT(&online) >= 1);
}

static void test_format_truncates(void **state)
{
	cpu_set_t set;
	char buf[6];

	(void)state;
	CPU_ZERO(&set);
	for (int c = 0; c < 20; c += 2)
		CPU_SET(c, &set);
	zone_cpulist_format(&set, buf, sizeof(buf));
	assert_true(strlen(buf) < sizeof(buf));
	assert_memory_equal(buf, "0,2,4", 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_online),
		cmocka_unit_test(test_format_truncates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
