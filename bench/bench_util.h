/* SPDX-License-Identifier: MIT */
/*
 * bench_util.h - what every benchmark times with: a monotonic clock in ns
 * (any failure ends the program, as every benchmark error does) and the
 * best-of-repetitions rule.
 */
#ifndef PTSIM_BENCH_UTIL_H
#define PTSIM_BENCH_UTIL_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline uint64_t bench_now_ns(const char *prog)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts)) {
		fprintf(stderr, "%s: clock_gettime: %s\n", prog, strerror(errno));
		exit(1);
	}
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Keep the smallest time seen: every figure is the best of its repetitions. */
static inline void bench_keep_min(uint64_t *best, uint64_t t)
{
	if (t < *best)
		*best = t;
}

#endif /* PTSIM_BENCH_UTIL_H */
