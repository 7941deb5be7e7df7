// SPDX-License-Identifier: MIT
#include <stdlib.h>

#include "mem_env.h"

const char *const arches[] = {"x86_64-4l", "arm64-16k-47", "arm64-64k-42", "arm64-4k-48", NULL};

void env_init(struct env *e, const char *arch, uint64_t bytes, uint64_t limit)
{
	memset(e, 0, sizeof(*e));
	e->a = ptsim_arch_lookup(arch);
	assert_non_null(e->a);
	assert_int_equal(ptsim__host_init(&e->h, false), 0);
	assert_int_equal(ptsim__mem_init(&e->mem, &e->h, e->a, 0, bytes, limit), 0);
}

void env_fini(struct env *e)
{
	ptsim__mem_fini(&e->mem);
	assert_u64_eq(e->h.bytes_live, 0);
	assert_u64_eq(e->h.nr_live, 0);
	ptsim__host_fini(&e->h);
}

static bool verbose;

static void collect(void *ctx, int code, uint64_t pfn, uint64_t exp, uint64_t act, const char *msg)
{
	struct env *e = ctx;

	e->nr++;
	e->by_code[code]++;
	if (verbose || getenv("PTSIM_TEST_VERBOSE"))
		printf("  finding %d pfn 0x%llx exp 0x%llx act 0x%llx: %s\n", code,
		       (unsigned long long)pfn, (unsigned long long)exp, (unsigned long long)act,
		       msg);
}

unsigned int run_check(struct env *e)
{
	memset(e->by_code, 0, sizeof(e->by_code));
	e->nr = 0;
	ptsim__mem_check(&e->mem, collect, e);
	return e->nr;
}

void assert_clean(struct env *e)
{
	if (run_check(e)) {
		verbose = true;
		run_check(e);
		fail_msg("mem_check found %u problems on %s", e->nr, e->a->name);
	}
}

void assert_only(struct env *e, int code)
{
	run_check(e);
	for (int c = 0; c < PTSIM_CHK_NR_CODES; c++) {
		if (c == code && !e->by_code[c])
			fail_msg("expected code %d not reported", code);
		if (c != code && e->by_code[c]) {
			verbose = true;
			run_check(e);
			fail_msg("unexpected code %d (expected only %d)", c, code);
		}
	}
}
