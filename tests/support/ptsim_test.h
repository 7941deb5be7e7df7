/* SPDX-License-Identifier: MIT */
/*
 * ptsim_test.h - shared helpers for the cmocka tests.
 */
#ifndef PTSIM_TEST_H
#define PTSIM_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ptsim/ptsim.h"

/* Compare whole 64-bit words and print both in hex on mismatch. */
#define assert_u64_eq(actual, expected)                                                            \
	do {                                                                                       \
		uint64_t a__ = (actual), e__ = (expected);                                         \
		if (a__ != e__)                                                                    \
			fail_msg("%s = 0x%016llx, expected 0x%016llx", #actual,                    \
				 (unsigned long long)a__, (unsigned long long)e__);                \
	} while (0)

/* Every architecture configuration name, NULL-terminated. */
extern const char *const ptsim_test_arch_names[];

/* A machine + one address space for the given configuration. */
struct ptsim_test_env {
	struct ptsim_machine *m;
	struct ptsim_mm *mm;
	const struct ptsim_arch *a;
	uint64_t psz;	 /* base page size */
	uint64_t free0;	 /* free pages right after setup */
	uint64_t bytes0; /* host bytes right after setup */
};

void ptsim_test_env_init(struct ptsim_test_env *t, const char *arch, const char *opts);
void ptsim_test_env_fini(struct ptsim_test_env *t);

/* Zero checker findings (prints the report otherwise). */
void assert_machine_clean(struct ptsim_machine *m);

/*
 * Write @e into the PTE slot of @va (the PTE table must exist) with the
 * public slot API: how tests place swap entries, markers and hwpoison
 * entries, which no fault installs yet.
 */
void ptsim_test_install_pte(struct ptsim_test_env *t, uint64_t va, uint64_t e);

/* Snapshot of everything a failed operation must leave unchanged. */
struct ptsim_test_snap {
	char *dump;
	size_t dump_len;
	char *vmas; /* every VMA: start, end, flags, pgoff */
	size_t vmas_len;
	uint64_t vmpte, free_pages, host_bytes, host_allocs, uffd_pending;
	uint64_t sections; /* initialised sections (frame records allocated) */
	uint64_t nr_tables[PTSIM_NR_LEVELS];
};
void ptsim_test_snap_take(struct ptsim_test_env *t, struct ptsim_test_snap *s);
void ptsim_test_snap_assert_same(struct ptsim_test_env *t, const struct ptsim_test_snap *s);
void ptsim_test_snap_free(struct ptsim_test_snap *s);

/*
 * Allocation-failure sweep: fail the n-th allocation point
 * for n = 1, 2, ... until @op succeeds; after each failure the error is
 * -ENOMEM with a message, the snapshot is unchanged and the checker clean.
 * Returns the number of failures seen; fails the test past @max_nth.
 */
typedef int (*ptsim_test_op_fn)(struct ptsim_test_env *t, void *arg);
unsigned int ptsim_test_sweep(struct ptsim_test_env *t, ptsim_test_op_fn op, void *arg,
			      uint64_t max_nth);

/* cmocka group state: the arch name under test. */
#define PTSIM_ARCH_TESTS(fn)                                                                       \
	cmocka_unit_test_prestate(fn, (void *)"x86_64-4l"),                                        \
		cmocka_unit_test_prestate(fn, (void *)"x86_64-5l"),                                \
		cmocka_unit_test_prestate(fn, (void *)"arm64-4k-39"),                              \
		cmocka_unit_test_prestate(fn, (void *)"arm64-4k-48"),                              \
		cmocka_unit_test_prestate(fn, (void *)"arm64-4k-52"),                              \
		cmocka_unit_test_prestate(fn, (void *)"arm64-16k-47"),                             \
		cmocka_unit_test_prestate(fn, (void *)"arm64-16k-48"),                             \
		cmocka_unit_test_prestate(fn, (void *)"arm64-16k-52"),                             \
		cmocka_unit_test_prestate(fn, (void *)"arm64-64k-42"),                             \
		cmocka_unit_test_prestate(fn, (void *)"arm64-64k-48"),                             \
		cmocka_unit_test_prestate(fn, (void *)"arm64-64k-52")

#endif /* PTSIM_TEST_H */
