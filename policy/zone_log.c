// SPDX-License-Identifier: MIT
#include "zone_log.h"

#include <stdarg.h>
#include <stdio.h>

static int log_level = LOG_INFO;

void zone_log_set_level(int prio)
{
	log_level = prio;
}

void zone_log(int prio, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (prio > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One write per line, so lines of a crash-looping daemon never mix. */
	fprintf(stderr, "<%d>%s\n", prio, line);
}
