// SPDX-License-Identifier: MIT
/*
 * test_kernel_mm.c - the kernel address space (init_mm, knob kernel_mm):
 * layout, linear map, vmemmap, ptdump markers, checker, creation rollback.
 */
#define _GNU_SOURCE /* open_memstream */
#include <errno.h>

#include "ptsim_test.h"

static uint64_t free_pages(struct ptsim_machine *m)
{
	struct ptsim_mem_stats ms;

	ptsim_mem_stats(m, &ms);
	return ms.free_pages;
}

static char *kdump(struct ptsim_machine *m, long *lines)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	*lines = ptsim_kernel_ptdump(m, f);
	fclose(f);
	return buf;
}

/* Every configuration: a sane layout, all memory mapped, the vmemmap backed, checker clean. */
static void test_layout(void **state)
{
	const char *arch = *state;
	struct ptsim_test_env on, off;
	struct ptsim_kernel_layout l;
	uint64_t tables = 0, psz, frames;

	ptsim_test_env_init(&on, arch, "phys=512M,kernel_mm=on");
	ptsim_test_env_init(&off, arch, "phys=512M");
	psz = on.psz;
	assert_int_equal(ptsim_kernel_layout(on.m, &l), 0);
	assert_true(l.page_offset < l.page_end);
	assert_true(l.page_end <= l.vmalloc_start);
	assert_true(l.vmalloc_start < l.vmalloc_end);
	assert_true(l.vmalloc_end <= l.vmemmap_start);
	assert_true(l.vmemmap_start < l.vmemmap_end);
	assert_u64_eq(l.linear_bytes, 512ull << 20);
	frames = (512ull << 20) / psz;
	assert_true(l.vmemmap_pages * psz >= frames * 64);
	assert_true(l.vmemmap_pages * psz < frames * 64 + l.vmemmap_leaf);
	for (int i = 0; i < PTSIM_NR_LEVELS; i++)
		tables += l.nr_tables[i];
	/* The vmemmap's pages and init_mm's tables come from the buddy: nothing else. */
	assert_u64_eq(free_pages(off.m) - free_pages(on.m), l.vmemmap_pages + tables);
	/* Kernel tables are charged to no address space. */
	assert_u64_eq(ptsim_mm_pgtables_bytes(on.mm), ptsim_mm_pgtables_bytes(off.mm));
	assert_machine_clean(on.m);
	assert_int_equal(ptsim_kernel_layout(off.m, &l), -EOPNOTSUPP);
	ptsim_test_env_fini(&on);
	ptsim_test_env_fini(&off);
}

static void test_ptdump_markers(void **state)
{
	const char *arch = *state;
	struct ptsim_test_env t;
	long lines;
	char *d;
	bool arm64;

	ptsim_test_env_init(&t, arch, "phys=512M,kernel_mm=on");
	arm64 = ptsim_arch_kind(t.a) == PTSIM_ARCH_ARM64;
	d = kdump(t.m, &lines);
	assert_true(lines > 0);
	if (arm64) {
		assert_non_null(strstr(d, "---[ Linear Mapping start ]---\n"));
		assert_non_null(strstr(d, "---[ vmalloc() area ]---\n"));
		assert_non_null(strstr(d, "---[ vmemmap start ]---\n"));
		assert_non_null(strstr(d, "---[ vmemmap end ]---\n"));
		assert_non_null(strstr(d, "MEM/NORMAL"));
	} else {
		assert_non_null(strstr(d, "---[ Low Kernel Mapping ]---\n"));
		assert_non_null(strstr(d, "---[ vmalloc() Area ]---\n"));
		assert_non_null(strstr(d, "---[ Vmemmap ]---\n"));
		assert_non_null(strstr(d, "GLB NX"));
	}
	free(d);
	/* A user ptdump is unchanged: it does not see the kernel's range. */
	{
		struct ptsim_test_env off;
		FILE *null = fopen("/dev/null", "w");

		assert_non_null(null);
		ptsim_test_env_init(&off, arch, "phys=512M");
		assert_int_equal(ptsim_ptdump(t.mm, 0, 0, null), ptsim_ptdump(off.mm, 0, 0, null));
		ptsim_test_env_fini(&off);
		fclose(null);
	}
	ptsim_test_env_fini(&t);
}

/* arm64 4K 48-bit: vmalloc's end and vmemmap's start share a PUD table (seed 001's race). */
static void test_shared_table(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_kernel_layout l;
	unsigned int pgd, pud;

	(void)state;
	ptsim_test_env_init(&t, "arm64-4k-48", "phys=256M,kernel_mm=on");
	assert_int_equal(ptsim_kernel_layout(t.m, &l), 0);
	pgd = ptsim_arch_level_shift(t.a, PTSIM_PGD);
	pud = ptsim_arch_level_shift(t.a, PTSIM_PUD);
	assert_u64_eq((l.vmalloc_end - 1) >> pgd, l.vmemmap_start >> pgd);
	assert_true((l.vmalloc_end - 1) >> pud != l.vmemmap_start >> pud);
	/* The vmemmap of PFN 0 is at its start: memory at 0 uses that table. */
	assert_u64_eq(l.vmemmap_base, l.vmemmap_start);
	ptsim_test_env_fini(&t);
}

/* Creation fails cleanly at every allocation point of building init_mm. */
static void test_create_rollback(void **state)
{
	const char *arch = *state;
	struct ptsim_config cfg;
	struct ptsim_machine *m = NULL;
	char err[256];
	uint64_t n;
	int ret = -ENOMEM;

	assert_int_equal(ptsim_config_init(&cfg, arch), 0);
	assert_int_equal(ptsim_config_set(&cfg, "phys=256M,kernel_mm=on", err, sizeof(err)), 0);
	for (n = 1; n < 2000 && ret == -ENOMEM; n++) {
		cfg.fault_create_nth = n;
		ret = ptsim_machine_create_err(&cfg, &m, err, sizeof(err));
		if (ret == -ENOMEM)
			assert_non_null(strstr(err, "machine_create"));
	}
	assert_int_equal(ret, 0);
	assert_true(n > 3);
	assert_machine_clean(m);
	ptsim_machine_destroy(m);
}

/* vmalloc maps pages and tables, vfree gives the pages back; tables stay. */
static void test_vmalloc_vfree(void **state)
{
	const char *arch = *state;
	struct ptsim_test_env t;
	struct ptsim_kernel_layout l;
	uint64_t a, b, pa, free0, free1, tables0 = 0, tables1 = 0;

	ptsim_test_env_init(&t, arch, "phys=512M,kernel_mm=on");
	assert_int_equal(ptsim_kernel_layout(t.m, &l), 0);
	for (int i = 0; i < PTSIM_NR_LEVELS; i++)
		tables0 += l.nr_tables[i];
	free0 = free_pages(t.m);
	assert_int_equal(ptsim_kernel_vmalloc(t.m, 3 * t.psz, &a), 0);
	assert_u64_eq(a, l.vmalloc_start);
	assert_int_equal(ptsim_kernel_vmalloc(t.m, 1, &b), 0);
	assert_u64_eq(b, a + 4 * t.psz); /* a guard page between */
	assert_int_equal(ptsim_kernel_layout(t.m, &l), 0);
	assert_u64_eq(l.vmalloc_pages, 4);
	for (int i = 0; i < PTSIM_NR_LEVELS; i++)
		tables1 += l.nr_tables[i];
	assert_u64_eq(free0 - free_pages(t.m), 4 + tables1 - tables0);
	/* Kernel accesses fill global TLB entries on the CPU. */
	assert_int_equal(ptsim_kernel_access(t.m, 1, a + t.psz, PTSIM_ACCESS_WRITE, &pa), 0);
	assert_int_equal(ptsim_kernel_access(t.m, 1, l.page_offset + t.psz, PTSIM_ACCESS_READ, &pa),
			 0);
	assert_u64_eq(pa, l.phys_offset + t.psz);
	assert_machine_clean(t.m);
	/* vfree flushes before it frees: the checker stays clean. */
	assert_int_equal(ptsim_kernel_vfree(t.m, a), 0);
	assert_machine_clean(t.m);
	assert_int_equal(ptsim_kernel_access(t.m, 1, a, PTSIM_ACCESS_READ, &pa), -EFAULT);
	assert_int_equal(ptsim_kernel_vfree(t.m, a), -EINVAL);
	assert_int_equal(ptsim_kernel_vfree(t.m, b), 0);
	free1 = free_pages(t.m);
	assert_u64_eq(free0 - free1, tables1 - tables0);
	/* The freed range is reused. */
	assert_int_equal(ptsim_kernel_vmalloc(t.m, t.psz, &b), 0);
	assert_u64_eq(b, a);
	assert_int_equal(ptsim_kernel_vfree(t.m, b), 0);
	/* Bad input changes nothing. */
	assert_int_equal(ptsim_kernel_vmalloc(t.m, 0, &b), -EINVAL);
	assert_int_equal(ptsim_kernel_vmalloc(t.m, UINT64_MAX, &b), -EINVAL);
	assert_int_equal(ptsim_kernel_vmalloc(t.m, 8ull << 30, &b), -ENOMEM);
	assert_int_equal(ptsim_kernel_access(t.m, 0, 0x1000, PTSIM_ACCESS_READ, &pa), -EINVAL);
	assert_int_equal(ptsim_kernel_access(t.m, 99, a, PTSIM_ACCESS_READ, &pa), -EINVAL);
	assert_u64_eq(free_pages(t.m), free1);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

static int op_vmalloc(struct ptsim_test_env *t, void *arg)
{
	uint64_t *addr = arg;

	return ptsim_kernel_vmalloc(t->m, 8ull << 20, addr);
}

/* Every allocation point of a vmalloc spanning several PTE tables fails cleanly. */
static void test_vmalloc_sweep(void **state)
{
	struct ptsim_test_env t;
	uint64_t addr;

	ptsim_test_env_init(&t, *state, "phys=512M,kernel_mm=on");
	assert_true(ptsim_test_sweep(&t, op_vmalloc, &addr, 10000) > 0);
	assert_machine_clean(t.m);
	assert_int_equal(ptsim_kernel_vfree(t.m, addr), 0);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

static uint64_t nr_tables(struct ptsim_machine *m)
{
	struct ptsim_kernel_layout l;
	uint64_t n = 0;

	assert_int_equal(ptsim_kernel_layout(m, &l), 0);
	for (int i = 0; i < PTSIM_NR_LEVELS; i++)
		n += l.nr_tables[i];
	return n;
}

/* Hot-add then hot-remove: free pages and tables come back exactly; the checker stays clean. */
static void test_add_remove(void **state)
{
	const char *arch = *state;
	struct ptsim_test_env t;
	struct ptsim_kernel_layout l;
	uint64_t block, at = 4ull << 30, free0, tables0, pa;

	ptsim_test_env_init(&t, arch, "phys=512M,phys_limit=8G,kernel_mm=on");
	block = 1ull << ptsim_arch_section_bits(t.a);
	free0 = free_pages(t.m);
	tables0 = nr_tables(t.m);
	assert_int_equal(ptsim_kernel_add_memory(t.m, at, block), 0);
	assert_machine_clean(t.m);
	assert_true(ptsim_pfn_valid(t.m, at / t.psz));
	assert_int_equal(ptsim_kernel_layout(t.m, &l), 0);
	assert_u64_eq(l.linear_bytes, (512ull << 20) + block);
	/* Kernel accesses on two CPUs fill TLB and walk-cache entries of the new range. */
	assert_int_equal(ptsim_kernel_access(t.m, 0, l.page_offset + at, PTSIM_ACCESS_WRITE, &pa),
			 0);
	assert_u64_eq(pa, at);
	assert_int_equal(ptsim_kernel_access(t.m, 1, l.page_offset + at + block - t.psz,
					     PTSIM_ACCESS_READ, &pa),
			 0);
	/* Refusals change nothing. */
	assert_int_equal(ptsim_kernel_add_memory(t.m, at, block), -EEXIST);
	assert_int_equal(ptsim_kernel_remove_memory(t.m, 0, block), -EBUSY);
	assert_int_equal(ptsim_kernel_remove_memory(t.m, at + block, block), -ENOENT);
	assert_int_equal(ptsim_kernel_remove_memory(t.m, at + 1, block), -EINVAL);
	assert_int_equal(ptsim_kernel_add_memory(t.m, 64ull << 30, block), -EINVAL);
	assert_machine_clean(t.m);
	assert_int_equal(ptsim_kernel_remove_memory(t.m, at, block), 0);
	/* No TLB or walk-cache entry references a removed or freed frame. */
	assert_machine_clean(t.m);
	assert_false(ptsim_pfn_valid(t.m, at / t.psz));
	assert_u64_eq(free_pages(t.m), free0);
	assert_u64_eq(nr_tables(t.m), tables0);
	assert_int_equal(ptsim_kernel_access(t.m, 0, l.page_offset + at, PTSIM_ACCESS_READ, &pa),
			 -EFAULT);
	ptsim_test_env_fini(&t);
}

/* A page in use keeps its block: -EBUSY, nothing changed. */
static void test_remove_busy(void **state)
{
	struct ptsim_test_env t;
	uint64_t block, at = 4ull << 30, pfn, free1;

	(void)state;
	ptsim_test_env_init(&t, "x86_64-4l", "phys=256M,phys_limit=8G,kernel_mm=on");
	block = 1ull << ptsim_arch_section_bits(t.a);
	assert_int_equal(ptsim_kernel_add_memory(t.m, at, block), 0);
	/* The buddy hands out the new block first or last: take pages until one is in it. */
	do
		assert_int_equal(ptsim_alloc_pages(t.m, 9, &pfn), 0);
	while (pfn < at / t.psz);
	free1 = free_pages(t.m);
	assert_int_equal(ptsim_kernel_remove_memory(t.m, at, block), -EBUSY);
	assert_u64_eq(free_pages(t.m), free1);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

/* A TLB entry that maps a frame of a removed section is reported (not only a free one). */
static void test_stale_removed(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_access_result res;
	struct ptsim_check_report r;
	uint64_t block, at = 4ull << 30, va = 0x40000000;
	bool found = false;

	(void)state;
	ptsim_test_env_init(&t, "arm64-4k-48", "phys=256M,phys_limit=8G");
	block = 1ull << ptsim_arch_section_bits(t.a);
	assert_int_equal(ptsim_memory_add(t.m, at, block), 0);
	/* A raw mapping of a frame of the new section, cached by CPU 0, unmapped without a flush.
	 */
	assert_int_equal(ptsim_map(t.mm, va, t.psz, at / t.psz, t.psz,
				   ptsim_pgprot(t.a, PTSIM_PROT_READ | PTSIM_PROT_WRITE, 0), 0),
			 0);
	assert_int_equal(ptsim_access(t.mm, 0, va, PTSIM_ACCESS_READ, &res), 0);
	assert_int_equal(res.signal, 0);
	assert_true(ptsim_unmap(t.mm, va, t.psz, 0) >= 0);
	assert_int_equal(ptsim_memory_remove(t.m, at, block), 0);
	assert_true(ptsim_check(t.m, &r) > 0);
	for (unsigned int i = 0; i < r.nr_stored; i++)
		if (r.findings[i].code == PTSIM_CHK_TLB_VIOLATION &&
		    strstr(r.findings[i].msg, "maps an absent frame"))
			found = true;
	if (!found)
		ptsim_check_report_print(&r, stdout);
	assert_true(found);
	ptsim_test_env_fini(&t);
}

/*
 * The historical teardowns: after CPUs used the linear map and the vmemmap
 * of the block, the checker reports x86's and v5's order and passes the
 * merged arm64 one.
 */
static void test_orders(void **state)
{
	static const char *const orders[] = {"arm64", "x86", "v5"};
	const char *arch = *state;

	for (int o = 0; o < 3; o++) {
		struct ptsim_test_env t;
		struct ptsim_kernel_layout l;
		uint64_t block, at = 4ull << 30, pa, free0;
		char opts[128];
		int n;

		snprintf(opts, sizeof(opts),
			 "phys=512M,phys_limit=8G,kernel_mm=on,hotremove.order=%s", orders[o]);
		ptsim_test_env_init(&t, arch, opts);
		block = 1ull << ptsim_arch_section_bits(t.a);
		free0 = free_pages(t.m);
		assert_int_equal(ptsim_kernel_add_memory(t.m, at, block), 0);
		assert_int_equal(ptsim_kernel_layout(t.m, &l), 0);
		assert_int_equal(
			ptsim_kernel_access(t.m, 0, l.page_offset + at, PTSIM_ACCESS_READ, &pa), 0);
		assert_int_equal(ptsim_kernel_access(t.m, 1, l.vmemmap_base + (at / t.psz) * 64,
						     PTSIM_ACCESS_READ, &pa),
				 0);
		assert_int_equal(ptsim_kernel_remove_memory(t.m, at, block), 0);
		n = ptsim_check(t.m, NULL);
		if (o == 0)
			assert_int_equal(n, 0);
		else
			assert_true(n > 0);
		/* Whatever the order, the same pages and tables come back. */
		assert_u64_eq(free_pages(t.m), free0);
		ptsim_test_env_fini(&t);
	}
}

static int op_add(struct ptsim_test_env *t, void *arg)
{
	(void)arg;
	return ptsim_kernel_add_memory(t->m, 4ull << 30, 1ull << ptsim_arch_section_bits(t->a));
}

static void test_add_sweep(void **state)
{
	struct ptsim_test_env t;

	ptsim_test_env_init(&t, *state, "phys=512M,phys_limit=8G,kernel_mm=on");
	assert_true(ptsim_test_sweep(&t, op_add, NULL, 10000) > 0);
	assert_machine_clean(t.m);
	assert_int_equal(
		ptsim_kernel_remove_memory(t.m, 4ull << 30, 1ull << ptsim_arch_section_bits(t.a)),
		0);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PTSIM_ARCH_TESTS(test_layout),
		PTSIM_ARCH_TESTS(test_ptdump_markers),
		cmocka_unit_test(test_shared_table),
		PTSIM_ARCH_TESTS(test_vmalloc_vfree),
		cmocka_unit_test_prestate(test_vmalloc_sweep, (void *)"x86_64-4l"),
		cmocka_unit_test_prestate(test_vmalloc_sweep, (void *)"arm64-16k-47"),
		PTSIM_ARCH_TESTS(test_add_remove),
		cmocka_unit_test(test_remove_busy),
		cmocka_unit_test_prestate(test_orders, (void *)"arm64-4k-48"),
		cmocka_unit_test_prestate(test_orders, (void *)"arm64-64k-42"),
		cmocka_unit_test_prestate(test_orders, (void *)"x86_64-4l"),
		cmocka_unit_test(test_stale_removed),
		cmocka_unit_test_prestate(test_add_sweep, (void *)"x86_64-4l"),
		cmocka_unit_test_prestate(test_add_sweep, (void *)"arm64-4k-48"),
		cmocka_unit_test_prestate(test_add_sweep, (void *)"arm64-64k-42"),
		cmocka_unit_test_prestate(test_create_rollback, (void *)"x86_64-4l"),
		cmocka_unit_test_prestate(test_create_rollback, (void *)"arm64-4k-48"),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
