// SPDX-License-Identifier: GPL-2.0
/* cmocka: the adapter's command line and device-type recognition. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cli.h"
#include "devtype.h"

static struct cli c;
static char err[256];

#define PARSE(...) ({ char *argv[] = { "adapter", __VA_ARGS__, NULL };		\
	cli_parse(&c, (int)(sizeof(argv) / sizeof(argv[0])) - 1, argv, err, sizeof(err)); })

static void expect_err(int r, const char *substr)
{
	assert_int_equal(r, -1);
	if (!strstr(err, substr))
		fail_msg("error '%s' lacks '%s'", err, substr);
}

static void test_good(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--device", "blk", "--socket-path", "/tmp/a"), 0);
	assert_int_equal(c.ndev, 1);
	assert_int_equal(c.dev[0].type->id, VIRTIO_ID_BLOCK);
	assert_string_equal(c.dev[0].socket_path, "/tmp/a");
	assert_false(c.reconnect);
	assert_int_equal(c.timeout_ms, CLI_DEFAULT_TIMEOUT_MS);
	assert_int_equal(PARSE("--device=sound", "--socket-path=/s1", "--device", "rng",
			       "--socket-path", "/s2", "--reconnect", "--timeout-ms", "250",
			       "--queue-size", "128", "--iova-size", "16", "-v"), 0);
	assert_int_equal(c.ndev, 2);
	assert_int_equal(c.dev[0].type->id, VIRTIO_ID_SOUND);
	assert_int_equal(c.dev[1].type->id, VIRTIO_ID_RNG);
	assert_true(c.reconnect);
	assert_true(c.verbose);
	assert_int_equal(c.timeout_ms, 250);
	assert_int_equal(c.queue_size, 128);
	assert_int_equal(c.iova_size, 16ULL << 20);
	/* numeric ids: known ones map to the type, others are custom */
	assert_int_equal(PARSE("--device", "25", "--socket-path", "/s"), 0);
	assert_string_equal(c.dev[0].type->name, "sound");
	assert_int_equal(PARSE("--device", "0x2a", "--socket-path", "/s", "--config-size", "8"), 0);
	assert_null(c.dev[0].type->name);
	assert_int_equal(c.dev[0].type->id, 42);
	assert_int_equal(devtype_config_size(c.dev[0].type, 0), 8);
	assert_int_equal(PARSE("--help"), 1);
	assert_int_equal(PARSE("--device", "blk", "-h"), 1);
	/* labels belong to the device before them */
	assert_int_equal(PARSE("--device", "sound", "--socket-path", "/s1", "--label", "driver",
			       "--device", "sound", "--label=rear_2.b-c", "--socket-path", "/s2",
			       "--device", "sound", "--socket-path", "/s3"), 0);
	assert_string_equal(c.dev[0].label, "driver");
	assert_string_equal(c.dev[1].label, "rear_2.b-c");
	assert_null(c.dev[2].label);
	assert_int_equal(PARSE("--device", "sound", "--socket-path", "/s", "--label",
			       "abcdefghijklmno"), 0);
	/* stall bounds: blk and rng only, default -1 (the type's) */
	assert_int_equal(c.dev[0].stall_ms, -1);
	assert_int_equal(PARSE("--device", "blk", "--socket-path", "/s", "--stall-timeout-ms",
			       "2000", "--device", "blk", "--socket-path", "/t",
			       "--stall-timeout-ms=0"), 0);
	assert_int_equal(c.dev[0].stall_ms, 2000);
	assert_int_equal(c.dev[1].stall_ms, 0);
	assert_int_equal(PARSE("--device", "rng", "--socket-path", "/s", "--stall-timeout-ms",
			       "1000"), 0);
	assert_int_equal(c.dev[0].stall_ms, 1000);
	/* zero-copy: blk's default only; the options belong to the device before them */
	assert_false(c.dev[0].zero_copy);	/* rng */
	assert_int_equal(PARSE("--device", "sound", "--socket-path", "/s", "--zero-copy",
			       "--device", "rng", "--socket-path", "/t", "--device", "blk",
			       "--socket-path", "/u", "--device", "2", "--socket-path", "/v"), 0);
	assert_true(c.dev[0].zero_copy);
	assert_false(c.dev[1].zero_copy);
	assert_true(c.dev[2].zero_copy);
	assert_true(c.dev[3].zero_copy);
	assert_int_equal(PARSE("--device", "blk", "--socket-path", "/s", "--no-zero-copy",
			       "--device", "blk", "--socket-path", "/t"), 0);
	assert_false(c.dev[0].zero_copy);
	assert_true(c.dev[1].zero_copy);
}

static void test_bad(void **state)
{
	(void)state;
	expect_err(PARSE("--reconnect"), "no --device");
	expect_err(PARSE("--device", "blk"), "no --socket-path");
	expect_err(PARSE("--device", "blk", "--device", "rng", "--socket-path", "/s"), "no --socket-path");
	expect_err(PARSE("--socket-path", "/s", "--device", "blk"), "before any --device");
	expect_err(PARSE("--device", "blk", "--socket-path", "/s", "--socket-path", "/t"), "two --socket-path");
	expect_err(PARSE("--device", "floppy", "--socket-path", "/s"), "unknown device 'floppy'");
	expect_err(PARSE("--device", "0", "--socket-path", "/s"), "unknown device");
	expect_err(PARSE("--device", "65536", "--socket-path", "/s"), "unknown device");
	expect_err(PARSE("--device", "blk", "--socket-path", "/s", "--bogus"), "unknown option '--bogus'");
	expect_err(PARSE("--device", "blk", "--socket-path", "/s", "extra"), "unexpected argument");
	expect_err(PARSE("--device", "blk", "--socket-path", "/s", "--timeout-ms", "0"), "--timeout-ms");
	expect_err(PARSE("--device", "blk", "--socket-path", "/s", "--timeout-ms", "1x"), "--timeout-ms");
	expect_err(PARSE("--device", "blk", "--socket-path", "/s", "--timeout-ms"), "needs a value");
	expect_err(PARSE("--device", "blk", "--socket-path", "/s", "--queue-size", "100"), "power of 2");
	expect_err(PARSE("--device", "blk", "--socket-path", "/s", "--iova-size", "4096"), "--iova-size");
	expect_err(PARSE("--device", "blk", "--socket-path", "/s", "--config-size", "8"), "numeric");
	expect_err(PARSE("--device", "9", "--socket-path", "/s", "--config-size", "300"), "--config-size");
	expect_err(PARSE("--device", "blk", "--socket-path", "/s", "--device", "rng",
			 "--socket-path", "/s"), "two devices");
	expect_err(PARSE("--device", "blk", "--socket-path", "/s", "--reconnect=1"), "no value");
	expect_err(PARSE("--zero-copy", "--device", "blk", "--socket-path", "/s"),
		   "before any --device");
	expect_err(PARSE("--device", "blk", "--socket-path", "/s", "--zero-copy=1"), "no value");
	expect_err(PARSE("--no-zero-copy", "--device", "blk", "--socket-path", "/s"),
		   "before any --device");
	expect_err(PARSE("--device", "blk", "--socket-path", "/s", "--no-zero-copy=1"), "no value");
	expect_err(PARSE("--label", "x", "--device", "blk", "--socket-path", "/s"), "before any --device");
	expect_err(PARSE("--device", "sound", "--socket-path", "/s", "--stall-timeout-ms", "1000"),
		   "blk and rng only");
	expect_err(PARSE("--device", "blk", "--socket-path", "/s", "--stall-timeout-ms", "99"),
		   "want 0 or 100-600000");
	expect_err(PARSE("--device", "blk", "--socket-path", "/s", "--stall-timeout-ms", "600001"),
		   "want 0 or 100-600000");
	expect_err(PARSE("--device", "blk", "--socket-path", "/s", "--label", "a", "--label", "b"),
		   "two --label");
	expect_err(PARSE("--device", "blk", "--socket-path", "/s", "--label", ""), "--label ''");
	expect_err(PARSE("--device", "blk", "--socket-path", "/s", "--label", "abcdefghijklmnop"),
		   "--label 'abcdefghijklmnop'");
	expect_err(PARSE("--device", "blk", "--socket-path", "/s", "--label", "a b"), "--label 'a b'");
	expect_err(PARSE("--device", "blk", "--socket-path", "/s", "--label", "a/b"), "--label 'a/b'");
	expect_err(PARSE("--device", "blk", "--socket-path", "/s", "--label", "z", "--device", "rng",
			 "--socket-path", "/t", "--label", "z"), "label z given for two devices");
}

static void test_devtype_mismatch(void **state)
{
	struct devtype custom;
	const struct devtype *snd = devtype_lookup("sound", &custom);
	const struct devtype *blk = devtype_lookup("blk", &custom);
	const struct devtype *rng = devtype_lookup("rng", &custom);
	/* what qemu-storage-daemon's vhost-user-blk offers */
	uint64_t qsd = 0x175007e46ULL;
	char why[256];
	uint8_t cfg[72] = { 0 };

	(void)state;
	assert_int_equal(devtype_check_backend(blk, qsd, 1, why, sizeof(why)), 0);
	assert_int_equal(devtype_check_backend(snd, qsd, 1, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "a sound device does not define"));
	assert_int_equal(devtype_check_backend(snd, 1ULL << 32 | 1, 1, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "backend has 1 queues, a sound device has 4"));
	assert_int_equal(devtype_check_backend(snd, 1ULL << 32 | 1, 4, why, sizeof(why)), 0);
	assert_int_equal(devtype_check_backend(rng, qsd, 1, why, sizeof(why)), -1);
	/* config sizes follow the features */
	assert_int_equal(devtype_config_size(snd, 0), 12);
	assert_int_equal(devtype_config_size(snd, 1), 16);
	assert_int_equal(devtype_config_size(blk, 0), 60);
	assert_int_equal(devtype_config_size(blk, 1ULL << 16), 72);
	assert_int_equal(devtype_config_size(rng, 0), 0);
	/* a blk config read as a sound config: 0 streams */
	cfg[0] = 0;
	cfg[1] = 0;
	cfg[2] = 2;	/* capacity 131072 sectors */
	assert_int_equal(snd->check_config(cfg, 12, 0, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "not a sound card"));
	memset(cfg, 0, sizeof(cfg));
	cfg[4] = 2;	/* streams 2 */
	assert_int_equal(snd->check_config(cfg, 12, 0, why, sizeof(why)), 0);
	/* blk with BLK_SIZE: block size must be a power of two >= 512 */
	cfg[20] = 0;
	cfg[21] = 2;	/* 512 */
	cfg[12] = 126;	/* seg_max */
	assert_int_equal(blk->check_config(cfg, 60, 1ULL << 6 | 1ULL << 2, why, sizeof(why)), 0);
	cfg[21] = 3;
	assert_int_equal(blk->check_config(cfg, 60, 1ULL << 6, why, sizeof(why)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_devtype_mismatch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
