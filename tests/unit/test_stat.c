// SPDX-License-Identifier: MIT
/*
 * test_stat.c - machine-wide counters (vmstat events, meminfo) and the cost
 * ledger (include/ptsim/stat.h).
 */
#include <errno.h>

#include "mm_helpers.h"

static unsigned int real_levels_below_root(const struct ptsim_arch *a)
{
	unsigned int n = 0;

	for (int l = PTSIM_P4D; l < PTSIM_NR_LEVELS; l++)
		n += !ptsim_arch_level_folded(a, (enum ptsim_level)l);
	return n;
}

/* One write fault in an empty address space, costed. */
static void test_fault_cost(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_cost_scope sc, outer;
	struct ptsim_cost c, all;
	unsigned int tables;
	uint64_t va;

	ptsim_test_env_init(&t, (const char *)*state, "phys=1G");
	tables = real_levels_below_root(t.a);
	assert_int_equal(ptsim_mmap(t.mm, 0, 4 * t.psz, RW, ANP, NULL, 0, &va), 0);
	ptsim_cost_begin(t.m, &outer);
	ptsim_cost_begin(t.m, &sc);
	mm_ok(t.mm, 1, va, W);
	ptsim_cost_end(t.m, &sc, &c);
	/* A table per real level below the root, then the page; one entry written per level. */
	assert_u64_eq(c.tables_alloc, tables);
	assert_u64_eq(c.pages_alloc, tables + 1);
	assert_u64_eq(c.entries_written[PTSIM_PTE], 1);
	assert_u64_eq(ptsim_cost_entries(c.entries_written), tables + 1);
	assert_true(ptsim_cost_entries(c.entries_read) >= tables + 1);
	assert_true(c.frames_touched > 0);
	assert_u64_eq(c.tables_freed + c.pages_freed + c.ipis, 0);
	/* The checker's walks are not the kernel's work. */
	assert_machine_clean(t.m);
	ptsim_cost_end(t.m, &sc, &all);
	assert_memory_equal(&all, &c, sizeof(c));
	/* munmap: the flush, the page and the tables go. */
	ptsim_cost_begin(t.m, &sc);
	assert_int_equal(ptsim_munmap(t.mm, va, 4 * t.psz), 0);
	ptsim_cost_end(t.m, &sc, &c);
	assert_u64_eq(c.tables_freed, tables);
	assert_u64_eq(c.pages_freed, tables + 1);
	assert_true(c.tlb_flushes[PTSIM_FLUSH_RANGE] + c.tlb_flushes[PTSIM_FLUSH_PAGE] >= 1);
	assert_u64_eq(c.ipis, 0); /* it ran on CPU 1 only: the flush is local */
	/* Scopes nest: the outer one saw both. */
	ptsim_cost_end(t.m, &outer, &all);
	assert_u64_eq(all.tables_alloc, tables);
	assert_u64_eq(all.tables_freed, tables);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

/* vmstat events and meminfo levels follow the model. */
static void test_counters(void **state)
{
	struct ptsim_test_env t;
	uint64_t va, kb;

	ptsim_test_env_init(&t, (const char *)*state, "phys=1G");
	kb = t.psz >> 10;
	assert_u64_eq(ptsim_vm_event(t.m, PTSIM_VM_PGFAULT), 0);
	assert_u64_eq(ptsim_meminfo(t.m, PTSIM_MEMINFO_MEMTOTAL), 1ull << 20);
	assert_u64_eq(ptsim_meminfo(t.m, PTSIM_MEMINFO_ANONPAGES), 0);
	assert_int_equal(ptsim_mmap(t.mm, 0, 4 * t.psz, RW, ANP, NULL, 0, &va), 0);
	mm_ok(t.mm, 0, va, W);
	mm_ok(t.mm, 0, va + t.psz, R); /* the zero page: not an anonymous page */
	mm_ok(t.mm, 0, va + 2 * t.psz, W);
	assert_u64_eq(ptsim_vm_event(t.m, PTSIM_VM_PGFAULT), 3);
	assert_u64_eq(ptsim_meminfo(t.m, PTSIM_MEMINFO_ANONPAGES), 2 * kb);
	assert_u64_eq(ptsim_meminfo(t.m, PTSIM_MEMINFO_ANONHUGEPAGES), 0);
	assert_true(ptsim_meminfo(t.m, PTSIM_MEMINFO_PAGETABLES) >= kb);
	{
		struct ptsim_mem_stats ms;

		ptsim_mem_stats(t.m, &ms);
		assert_u64_eq(ptsim_meminfo(t.m, PTSIM_MEMINFO_MEMFREE), ms.free_pages * kb);
	}
	/* fork shares the pages: still mapped once each. */
	{
		struct ptsim_mm *child;

		assert_int_equal(ptsim_fork(t.mm, &child), 0);
		assert_u64_eq(ptsim_meminfo(t.m, PTSIM_MEMINFO_ANONPAGES), 2 * kb);
		mm_ok(child, 0, va, W); /* copy-on-write: one more */
		assert_u64_eq(ptsim_meminfo(t.m, PTSIM_MEMINFO_ANONPAGES), 3 * kb);
		ptsim_mm_destroy(child);
	}
	assert_u64_eq(ptsim_meminfo(t.m, PTSIM_MEMINFO_ANONPAGES), 2 * kb);
	assert_int_equal(ptsim_madvise(t.mm, va, 4 * t.psz, PTSIM_MADV_DONTNEED), 0);
	assert_u64_eq(ptsim_meminfo(t.m, PTSIM_MEMINFO_ANONPAGES), 0);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(ptsim_vm_event_name(PTSIM_VM_PGFAULT), "pgfault");
	assert_string_equal(ptsim_vm_event_name(PTSIM_VM_THP_SPLIT_PMD), "thp_split_pmd");
	assert_string_equal(ptsim_vm_event_name(PTSIM_NR_VM_EVENTS), "?");
	assert_string_equal(ptsim_meminfo_name(PTSIM_MEMINFO_ANONHUGEPAGES), "AnonHugePages");
	assert_string_equal(ptsim_meminfo_name(PTSIM_NR_MEMINFO_ITEMS), "?");
	assert_u64_eq(ptsim_vm_event(NULL, PTSIM_VM_PGFAULT), 0);
	assert_u64_eq(ptsim_meminfo(NULL, PTSIM_MEMINFO_MEMTOTAL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PTSIM_ARCH_TESTS(test_fault_cost),
		PTSIM_ARCH_TESTS(test_counters),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
