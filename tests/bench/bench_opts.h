/* SPDX-License-Identifier: MIT */
/*
 * The command line of the timing benchmarks of the VM bench (snd-latency,
 * snd-period): long options that each take a whole number, and -h/--help.
 */
#ifndef BENCH_OPTS_H
#define BENCH_OPTS_H

#include <stdio.h>

/* An option "--NAME N" that stores N, a whole number 1..100000, in *v. */
struct bench_opt {
	const char *name;
	unsigned int *v;
};

/*
 * Parse the options of argv with getopt_long: `opts' ends with a { NULL }
 * entry (at most BENCH_OPTS_MAX before it). -h or --help prints usage to
 * stdout and exits 0. 0 with optind at the first operand, or -1 on an
 * unknown option or a bad value (the caller prints its usage).
 */
#define BENCH_OPTS_MAX 16
int bench_parse_opts(int argc, char **argv, const struct bench_opt *opts,
		     void (*usage)(FILE *f));

#endif
