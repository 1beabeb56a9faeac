/* SPDX-License-Identifier: GPL-2.0 */
/* One-line messages on stderr, prefixed with the program name. */
#ifndef ADAPTER_LOG_H
#define ADAPTER_LOG_H

#include <stdbool.h>

extern bool log_verbose;

void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
