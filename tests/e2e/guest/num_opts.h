/* SPDX-License-Identifier: MIT */
/*
 * The command line of the guest programs of the VM bench (snd-pace,
 * snd-pause): long options that each take a number, and -h/--help.
 */
#ifndef NUM_OPTS_H
#define NUM_OPTS_H

#include <getopt.h>
#include <stdio.h>

/*
 * The next option of argv (getopt_long with `lo', which has "help" as 'h'):
 * its val, with its value, a number 0..1000, in *v; 0 after the last option
 * (optind is then at the first operand); -1 on an unknown option or a bad
 * value ("PROGRAM: bad value 'X'" on stderr). -h or --help prints usage to
 * stdout and exits 0.
 */
int num_opt_next(int argc, char **argv, const struct option *lo, void (*usage)(FILE *f),
		 double *v);

#endif
