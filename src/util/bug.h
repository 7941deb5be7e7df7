/* SPDX-License-Identifier: MIT */
/*
 * src/util/bug.h - internal assertion strengths (SQLite / Lua style).
 *
 * PTSIM_BUG_ON(c): a proven invariant; aborts with file:line when c holds.
 * It is compiled and checked in every build type: a broken invariant inside
 * the model must never go on silently.  Never use it on user input - that
 * gets -EINVAL at the API boundary.
 */
#ifndef PTSIM_SRC_UTIL_BUG_H
#define PTSIM_SRC_UTIL_BUG_H

#include <stdio.h>
#include <stdlib.h>

#define PTSIM_BUG_ON(c)                                                                            \
	do {                                                                                       \
		if (__builtin_expect(!!(c), 0)) {                                                  \
			fprintf(stderr, "ptsim BUG at %s:%d: %s\n", __FILE__, __LINE__, #c);       \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#endif /* PTSIM_SRC_UTIL_BUG_H */
