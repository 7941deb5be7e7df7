/* SPDX-License-Identifier: MIT */
/*
 * mm_helpers.h - small helpers shared by the address-space tests
 * (header-only: each test program includes it once).
 */
#ifndef PTSIM_TEST_MM_HELPERS_H
#define PTSIM_TEST_MM_HELPERS_H

#include "ptsim_test.h"

#define RW   (PTSIM_PROT_READ | PTSIM_PROT_WRITE)
#define ANP  (PTSIM_MAP_PRIVATE | PTSIM_MAP_ANONYMOUS)
#define BASE 0x40000000ull
#define R    PTSIM_ACCESS_READ
#define W    PTSIM_ACCESS_WRITE
#define X    PTSIM_ACCESS_EXEC

static inline struct ptsim_access_result mm_acc(struct ptsim_mm *mm, unsigned int cpu, uint64_t va,
						unsigned int access)
{
	struct ptsim_access_result r;

	assert_int_equal(ptsim_access(mm, cpu, va, access, &r), 0);
	return r;
}

/* The access succeeds; returns the physical address. */
static inline uint64_t mm_ok(struct ptsim_mm *mm, unsigned int cpu, uint64_t va,
			     unsigned int access)
{
	struct ptsim_access_result r = mm_acc(mm, cpu, va, access);

	if (r.signal || r.userfault_pending)
		fail_msg("access 0x%x at 0x%llx on cpu %u: signal %d code %d (fault 0x%x)", access,
			 (unsigned long long)va, cpu, r.signal, r.si_code, r.fault);
	return r.pa;
}

static inline void mm_sig(struct ptsim_mm *mm, unsigned int cpu, uint64_t va, unsigned int access,
			  int sig, int code)
{
	struct ptsim_access_result r = mm_acc(mm, cpu, va, access);

	if (r.signal != sig || r.si_code != code)
		fail_msg("access 0x%x at 0x%llx: signal %d code %d, expected %d %d", access,
			 (unsigned long long)va, r.signal, r.si_code, sig, code);
	assert_u64_eq(r.fault_addr, va);
}

static inline struct ptsim_translation mm_pte(struct ptsim_mm *mm, uint64_t va)
{
	struct ptsim_translation tr;

	assert_int_equal(ptsim_translate(mm, va, &tr), 0);
	return tr;
}

static inline struct ptsim_frame_info mm_frame(struct ptsim_machine *m, uint64_t pfn)
{
	struct ptsim_frame_info fi;

	assert_int_equal(ptsim_frame_get(m, pfn, &fi), 0);
	return fi;
}

static inline struct ptsim_mm_counters mm_counters(struct ptsim_mm *mm)
{
	struct ptsim_mm_counters c;

	ptsim_mm_counters(mm, &c);
	return c;
}

static inline uint64_t mm_map(struct ptsim_mm *mm, uint64_t addr, uint64_t len, unsigned int prot,
			      unsigned int flags, struct ptsim_file *f, uint64_t pgoff)
{
	uint64_t a;

	assert_int_equal(ptsim_mmap(mm, addr, len, prot, flags, f, pgoff, &a), 0);
	return a;
}

static inline void mm_unmap_all(struct ptsim_mm *mm)
{
	struct ptsim_vma_info v;

	while (!ptsim_vma_next(mm, 0, &v))
		assert_int_equal(ptsim_munmap(mm, v.start, v.end - v.start), 0);
}

static inline uint64_t mm_nr_violations(struct ptsim_machine *m)
{
	long n = ptsim_violations(m, NULL, 0);

	assert_true(n >= 0);
	return (uint64_t)n;
}

/* Unmap everything, then the machine is clean and every frame is back. */
static inline void mm_finish(struct ptsim_test_env *t)
{
	struct ptsim_mem_stats ms;

	mm_unmap_all(t->mm);
	assert_machine_clean(t->m);
	assert_u64_eq(ptsim_mm_pgtables_bytes(t->mm), 0);
	assert_u64_eq(mm_nr_violations(t->m), 0);
	ptsim_mem_stats(t->m, &ms);
	assert_u64_eq(ms.free_pages, t->free0);
	ptsim_test_env_fini(t);
}

#endif /* PTSIM_TEST_MM_HELPERS_H */
