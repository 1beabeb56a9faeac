// SPDX-License-Identifier: MIT
/*
 * The zone router's decisions without PipeWire (policy/zone_match.h): which
 * zone a stream lands in, and which zones a playing zone ducks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "zone_match.h"

static const char *const driver_roles[] = { "Navigation", "Phone" };
static const char *const driver_apps[] = { "nav-app" };
static const char *const rear_roles[] = { "Music", "Movie" };
static const char *const rear_apps[] = { "mpv" };
static const char *const chime_roles[] = { "Notification", "Alarm" };

/* The bench's zones: chimes rank 3 (safety), driver 2, rear 0. */
static const struct zone_route zones[] = {
	{ .zone = "driver", .node_name = "vlo.zone.driver", .roles = driver_roles, .n_roles = 2,
	  .apps = driver_apps, .n_apps = 1, .duck_rank = 2, .duck_level_db = -20 },
	{ .zone = "rear", .node_name = "vlo.zone.rear", .roles = rear_roles, .n_roles = 2,
	  .apps = rear_apps, .n_apps = 1, .duck_rank = 0, .duck_level_db = -15 },
	{ .zone = "chimes", .node_name = "vlo.zone.chimes", .roles = chime_roles, .n_roles = 2,
	  .duck_rank = 3, .duck_level_db = -10, .safety = true },
};
#define N (sizeof(zones) / sizeof(zones[0]))

static void role_picks_its_zone(void **state)
{
	(void)state;
	assert_int_equal(zone_match_stream(zones, N, "Navigation", "pw-play", "pw-play"), 0);
	assert_int_equal(zone_match_stream(zones, N, "Movie", "pw-play", "pw-play"), 1);
	assert_int_equal(zone_match_stream(zones, N, "Alarm", NULL, NULL), 2);
}

static void role_is_case_insensitive(void **state)
{
	(void)state;
	/* PipeWire clients write roles either way ("music" from Pulse apps). */
	assert_int_equal(zone_match_stream(zones, N, "music", NULL, NULL), 1);
	assert_int_equal(zone_match_stream(zones, N, "NOTIFICATION", NULL, NULL), 2);
}

static void unknown_or_missing_is_no_zone(void **state)
{
	(void)state;
	assert_int_equal(zone_match_stream(zones, N, "Game", "pw-play", "pw-play"), -1);
	assert_int_equal(zone_match_stream(zones, N, NULL, NULL, NULL), -1);
	assert_int_equal(zone_match_stream(zones, N, "", "", ""), -1);
	/* A prefix of a role is not the role. */
	assert_int_equal(zone_match_stream(zones, N, "Nav", NULL, NULL), -1);
	assert_int_equal(zone_match_stream(zones, 0, "Music", NULL, NULL), -1);
}

static void application_beats_role(void **state)
{
	(void)state;
	/* mpv is listed in rear: its Navigation stream still goes there. */
	assert_int_equal(zone_match_stream(zones, N, "Navigation", "mpv", "mpv"), 1);
	/* By process binary when the application name differs. */
	assert_int_equal(zone_match_stream(zones, N, "Music", "Nav App", "nav-app"), 0);
	/* An application without role is matched too. */
	assert_int_equal(zone_match_stream(zones, N, NULL, "nav-app", NULL), 0);
}

static void first_zone_wins_a_shared_role(void **state)
{
	static const char *const both[] = { "Music" };
	const struct zone_route two[] = {
		{ .zone = "a", .node_name = "vlo.zone.a", .roles = both, .n_roles = 1 },
		{ .zone = "b", .node_name = "vlo.zone.b", .roles = both, .n_roles = 1 },
	};

	(void)state;
	assert_int_equal(zone_match_stream(two, 2, "Music", NULL, NULL), 0);
}

static void nothing_plays_nothing_ducked(void **state)
{
	bool playing[N] = { false, false, false };
	int ducker[N];

	(void)state;
	zone_match_ducking(zones, N, playing, ducker);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(ducker[i], -1);
}

static void chime_ducks_all_lower_zones(void **state)
{
	bool playing[N] = { true, true, true };
	int ducker[N];

	(void)state;
	zone_match_ducking(zones, N, playing, ducker);
	assert_int_equal(ducker[0], 2);		/* driver by chimes */
	assert_int_equal(ducker[1], 2);		/* rear by chimes, the highest */
	assert_int_equal(ducker[2], -1);	/* chimes by nobody */
}

static void only_playing_zones_duck(void **state)
{
	bool playing[N] = { true, true, false };
	int ducker[N];

	(void)state;
	zone_match_ducking(zones, N, playing, ducker);
	assert_int_equal(ducker[0], -1);
	assert_int_equal(ducker[1], 0);		/* navigation plays: rear ducked */
	assert_int_equal(ducker[2], -1);
	/* A silent lower zone is "ducked" too, so it starts attenuated. */
	playing[0] = false;
	playing[2] = true;
	zone_match_ducking(zones, N, playing, ducker);
	assert_int_equal(ducker[0], 2);
	assert_int_equal(ducker[1], 2);
}

static void equal_ranks_do_not_duck(void **state)
{
	const struct zone_route same[] = {
		{ .zone = "a", .node_name = "vlo.zone.a", .duck_rank = 1 },
		{ .zone = "b", .node_name = "vlo.zone.b", .duck_rank = 1 },
	};
	bool playing[] = { true, true };
	int ducker[2];

	(void)state;
	zone_match_ducking(same, 2, playing, ducker);
	assert_int_equal(ducker[0], -1);
	assert_int_equal(ducker[1], -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(role_picks_its_zone),
		cmocka_unit_test(role_is_case_insensitive),
		cmocka_unit_test(unknown_or_missing_is_no_zone),
		cmocka_unit_test(application_beats_role),
		cmocka_unit_test(first_zone_wins_a_shared_role),
		cmocka_unit_test(nothing_plays_nothing_ducked),
		cmocka_unit_test(chime_ducks_all_lower_zones),
		cmocka_unit_test(only_playing_zones_duck),
		cmocka_unit_test(equal_ranks_do_not_duck),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
