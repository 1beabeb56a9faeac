/* SPDX-License-Identifier: MIT */
/*
 * Log lines on stderr with the sd-daemon priority prefix ("<3>" error,
 * "<4>" warning, "<6>" info, "<7>" debug), which journald turns into the
 * entry's priority.
 */
#ifndef ZONE_LOG_H
#define ZONE_LOG_H

#include <syslog.h>

void zone_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Lines below `prio' (LOG_INFO by default) are dropped. */
void zone_log_set_level(int prio);

#endif /* ZONE_LOG_H */
