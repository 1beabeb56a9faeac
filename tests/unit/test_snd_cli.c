// SPDX-License-Identifier: MIT
/*
 * vhost-user-sound's command line and per-card config file (vus_cli.c),
 * and the backend program conventions of QEMU's vhost-user.rst that the
 * binary itself answers: --print-capabilities, --help, a one-line error
 * and status 2 for a bad option, status 1 for an --fd that is not a
 * listening socket.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/virtio_snd.h>

#include "vus_cli.h"

#ifndef VUS_BIN	/* tests/unit/snd.mk gives the absolute path */
#define VUS_BIN "./build/sound-backend/vhost-user-sound"
#endif

static int parse(struct vus_opts *o, char *err, size_t errlen, ...)
{
	char *argv[32] = { "vhost-user-sound" };
	int argc = 1;
	va_list ap;

	va_start(ap, errlen);
	while (argc < 31 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	return vus_cli_parse(argc, argv, o, err, errlen);
}

/* Parsing must fail with a message containing `want'. */
#define PARSE_FAILS(o, want, ...) do {						\
		char err_[512] = "";						\
		assert_int_equal(parse(o, err_, sizeof(err_), __VA_ARGS__, (char *)NULL), -1); \
		if (!strstr(err_, want))					\
			fail_msg("error \"%s\" lacks \"%s\"", err_, want);	\
	} while (0)

static void test_good_command_line(void **state)
{
	struct vus_opts *o = malloc(sizeof(*o));
	char err[512];

	(void)state;
	assert_non_null(o);
	assert_int_equal(parse(o, err, sizeof(err), "--socket-path", "/run/s.sock",
			       "--stream", "playback:hw:Loopback,0,0", "--stream=capture:wav:/x.wav",
			       "--rt-priority", "60", "--host-periods", "8", "--name", "driver",
			       "-v", (char *)NULL), 0);
	assert_string_equal(o->socket_path, "/run/s.sock");
	assert_int_equal(o->fd, -1);
	assert_int_equal(o->n_streams, 2);
	assert_int_equal(o->streams[0].direction, VIRTIO_SND_D_OUTPUT);
	assert_string_equal(o->streams[0].end, "hw:Loopback,0,0");
	assert_int_equal(o->streams[1].direction, VIRTIO_SND_D_INPUT);
	assert_string_equal(o->streams[1].end, "wav:/x.wav");
	assert_int_equal(o->rt_priority, 60);
	assert_int_equal(o->host_periods, 8);
	assert_string_equal(o->name, "driver");
	assert_true(o->verbose);
	/* --print-capabilities needs nothing else */
	assert_int_equal(parse(o, err, sizeof(err), "--print-capabilities", (char *)NULL), 0);
	assert_true(o->print_capabilities);
	free(o);
}

static void test_bad_command_lines(void **state)
{
	struct vus_opts *o = malloc(sizeof(*o));

	(void)state;
	assert_non_null(o);
	PARSE_FAILS(o, "no socket: give --socket-path PATH or --fd N", "--stream", "playback:null");
	PARSE_FAILS(o, "--socket-path and --fd exclude each other", "--socket-path", "/s",
		    "--fd", "3", "--stream", "playback:null");
	PARSE_FAILS(o, "no stream", "--socket-path", "/s");
	PARSE_FAILS(o, "direction must be playback or capture", "--socket-path", "/s",
		    "--stream", "sideways:null");
	PARSE_FAILS(o, "wav: needs a path", "--socket-path", "/s", "--stream", "playback:wav:");
	PARSE_FAILS(o, "unknown option --bogus", "--bogus");
	PARSE_FAILS(o, "--fd x: not a file descriptor number", "--fd", "x");
	PARSE_FAILS(o, "--rt-priority 100: want 0-99", "--rt-priority", "100");
	PARSE_FAILS(o, "--host-periods 1: want 2-15", "--host-periods", "1");
	PARSE_FAILS(o, "--host-periods 16: want 2-15", "--host-periods", "16");
	PARSE_FAILS(o, "--host-periods needs a value", "--host-periods");
	PARSE_FAILS(o, "--socket-path needs a value", "--socket-path");
	PARSE_FAILS(o, "--verbose takes no value", "--verbose=1");
	PARSE_FAILS(o, "unexpected argument 'stray'", "stray");
	PARSE_FAILS(o, "--config /nonexistent/card.conf: No such file or directory",
		    "--config", "/nonexistent/card.conf");
	free(o);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* The per-card file: the same options without "--", '#' comments, an
 * optional '='; later command-line options add to it. A bad line is
 * named by file and line; a file that includes itself ends. */
static void test_config_file(void **state)
{
	char dir[] = "/tmp/test_snd_cli.XXXXXX", card[64], bad[64], loop[64], inc[96], err[512];
	struct vus_opts *o = malloc(sizeof(*o));

	(void)state;
	assert_non_null(o);
	assert_non_null(mkdtemp(dir));
	snprintf(card, sizeof(card), "%s/card.conf", dir);
	snprintf(bad, sizeof(bad), "%s/bad.conf", dir);
	snprintf(loop, sizeof(loop), "%s/loop.conf", dir);
	write_file(card, "# rear zone\n"
		   "socket-path /run/vlo/rear.sock   # the adapter connects here\n"
		   "\n"
		   "stream = playback:vlo_bench_rear\n"
		   "rt-priority=70\n"
		   "host-periods 6\n"
		   "verbose\n");
	write_file(bad, "socket-path /s\nstream playback:null\nstream up:null\n");
	snprintf(inc, sizeof(inc), "config %s\n", loop);
	write_file(loop, inc);

	assert_int_equal(parse(o, err, sizeof(err), "--config", card, "--stream", "capture:null",
			       (char *)NULL), 0);
	assert_string_equal(o->socket_path, "/run/vlo/rear.sock");
	assert_int_equal(o->n_streams, 2);
	assert_string_equal(o->streams[0].end, "vlo_bench_rear");
	assert_int_equal(o->streams[1].direction, VIRTIO_SND_D_INPUT);
	assert_int_equal(o->rt_priority, 70);
	assert_int_equal(o->host_periods, 6);
	assert_true(o->verbose);

	snprintf(inc, sizeof(inc), "%s:3: --stream up:null: direction", bad);
	PARSE_FAILS(o, inc, "--config", bad);
	PARSE_FAILS(o, "nested too deep", "--config", loop);

	unlink(card);
	unlink(bad);
	unlink(loop);
	rmdir(dir);
	free(o);
}

/* Runs the backend with `args' (a shell word list); its status, and its
 * standard output and error in `out'. */
static int run_backend(const char *args, char *out, size_t cap)
{
	char cmd[512];
	size_t n = 0;
	FILE *p;
	int st;

	/* The arm64 guest sees build/arm64 as build/: there only the
	 * relative path (from the repository root) names the binary. */
	const char *bin = access(VUS_BIN, X_OK) ? "build/sound-backend/vhost-user-sound" : VUS_BIN;

	if (access(bin, X_OK))
		fail_msg("%s: no such program (make all)", bin);
	snprintf(cmd, sizeof(cmd), "%s %s 2>&1 </dev/null", bin, args);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (n + 1 < cap && !feof(p)) {
		size_t got = fread(out + n, 1, cap - 1 - n, p);

		if (!got)
			break;
		n += got;
	}
	out[n] = '\0';
	st = pclose(p);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void test_program_conventions(void **state)
{
	char out[8192];

	(void)state;
	/* vhost-user.rst: a JSON object with the device type, status 0 */
	assert_int_equal(run_backend("--print-capabilities", out, sizeof(out)), 0);
	assert_string_equal(out, "{\n  \"type\": \"sound\"\n}\n");
	assert_int_equal(run_backend("--help", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "--socket-path"));
	assert_non_null(strstr(out, "--fd"));
	assert_non_null(strstr(out, "--print-capabilities"));
	/* a bad option: one line, status 2 */
	assert_int_equal(run_backend("--bogus", out, sizeof(out)), 2);
	assert_string_equal(out, "vhost-user-sound: unknown option --bogus (see --help)\n");
	/* --fd that is not a listening socket (stdin is /dev/null): status 1 */
	assert_int_equal(run_backend("--fd 0 --stream playback:null", out, sizeof(out)), 1);
	assert_non_null(strstr(out, "--fd 0: not a listening socket"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_command_line),
		cmocka_unit_test(test_bad_command_lines),
		cmocka_unit_test(test_config_file),
		cmocka_unit_test(test_program_conventions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
