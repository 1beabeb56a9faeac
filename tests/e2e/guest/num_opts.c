// SPDX-License-Identifier: MIT
/* The guest programs' command line: see num_opts.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "num_opts.h"

int num_opt_next(int argc, char **argv, const struct option *lo, void (*usage)(FILE *f),
		 double *v)
{
	const char *prog;
	char *end;
	int c = getopt_long(argc, argv, "h", lo, NULL);

	if (c == -1)
		return 0;
	if (c == 'h') {
		usage(stdout);
		exit(0);
	}
	if (c == '?')
		return -1;
	errno = 0;
	*v = strtod(optarg, &end);
	if (errno || *end || *v < 0 || *v > 1000) {
		prog = strrchr(argv[0], '/');
		fprintf(stderr, "%s: bad value '%s'\n", prog ? prog + 1 : argv[0], optarg);
		return -1;
	}
	return c;
}
