/* SPDX-License-Identifier: MIT */
/*
 * src/util/report.h - how a layer's consistency check reports to ptsim_check().
 *
 * Each layer keeps the check of its own invariants beside the code that
 * maintains them (as SQLite keeps its integrity check beside the b-tree) and
 * reports every disagreement through a reporter: a finding code of
 * include/ptsim/check.h, the level and address where it makes sense, the
 * frame, what was expected and what was found, and a message.  The api
 * layer's ptsim_check() collects them into the caller's report.  Checks
 * only read; their scratch memory comes from ptsim__alloc_nofail() and a
 * failure to get it sets @oom.
 */
#ifndef PTSIM_SRC_UTIL_REPORT_H
#define PTSIM_SRC_UTIL_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "ptsim/export.h"

struct ptsim_reporter {
	void (*fn)(void *ctx, int code, int level, uint64_t addr, uint64_t pfn, uint64_t expected,
		   uint64_t actual, const char *msg);
	void *ctx;
	/* Work done (ptsim_check_report's counters). */
	uint64_t frames_checked, tables_checked, entries_checked;
	bool oom; /* scratch memory could not be had: the check is incomplete */
};

/* Report one finding; @fmt makes the message. */
void ptsim__report(struct ptsim_reporter *r, int code, int level, uint64_t addr, uint64_t pfn,
		   uint64_t expected, uint64_t actual, const char *fmt, ...) PTSIM_PRINTF(8, 9);

#endif /* PTSIM_SRC_UTIL_REPORT_H */
