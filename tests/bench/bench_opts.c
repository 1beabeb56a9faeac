// SPDX-License-Identifier: MIT
/* The benchmarks' command line: see bench_opts.h. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>

#include "bench_opts.h"

/* An option's value: a whole number 1..100000 into *v; -1 otherwise. */
static int uint_arg(const char *s, unsigned int *v)
{
	char *end;
	unsigned long x;

	errno = 0;
	x = strtoul(s, &end, 10);
	if (errno || *end || !x || x > 100000)
		return -1;
	*v = (unsigned int)x;
	return 0;
}

int bench_parse_opts(int argc, char **argv, const struct bench_opt *opts,
		     void (*usage)(FILE *f))
{
	/* getopt_long returns an option's index in `opts' plus FIRST. */
	enum { FIRST = 256 };
	struct option longs[BENCH_OPTS_MAX + 2] = { { 0 } };
	size_t n = 0;
	int c;

	for (; opts[n].name; n++) {
		if (n == BENCH_OPTS_MAX)
			return -1;
		longs[n] = (struct option){ opts[n].name, required_argument, NULL, FIRST + (int)n };
	}
	longs[n] = (struct option){ "help", no_argument, NULL, 'h' };
	while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			exit(0);
		}
		if (c < FIRST || uint_arg(optarg, opts[c - FIRST].v))
			return -1;
	}
	return 0;
}
