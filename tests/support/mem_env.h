/* SPDX-License-Identifier: MIT */
/*
 * mem_env.h - a bare host + simulated memory (no machine) for testing the
 * mem layer through its internal API, with the mem checker's findings
 * collected per code.
 */
#ifndef PTSIM_TEST_MEM_ENV_H
#define PTSIM_TEST_MEM_ENV_H

#include "mem/internal.h"
#include "ptsim/check.h"
#include "ptsim_test.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)

/* The configurations the mem tests loop over, NULL-terminated. */
extern const char *const arches[];

struct env {
	struct ptsim_host h;
	struct ptsim_mem mem;
	const struct ptsim_arch *a;
	unsigned int by_code[PTSIM_CHK_NR_CODES];
	unsigned int nr;
};

void env_init(struct env *e, const char *arch, uint64_t bytes, uint64_t limit);
/* Tear down and assert every host byte came back. */
void env_fini(struct env *e);
/* Run the mem checker; returns the number of findings. */
unsigned int run_check(struct env *e);
void assert_clean(struct env *e);
/* Exactly @code (one or more findings) and nothing else. */
void assert_only(struct env *e, int code);

#endif /* PTSIM_TEST_MEM_ENV_H */
