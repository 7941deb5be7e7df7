// SPDX-License-Identifier: MIT
/*
 * report.c - findings of the layers' consistency checks (report.h).
 */
#include <stdarg.h>
#include <stdio.h>

#include "util/report.h"

void ptsim__report(struct ptsim_reporter *r, int code, int level, uint64_t addr, uint64_t pfn,
		   uint64_t expected, uint64_t actual, const char *fmt, ...)
{
	char msg[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->fn(r->ctx, code, level, addr, pfn, expected, actual, msg);
}
