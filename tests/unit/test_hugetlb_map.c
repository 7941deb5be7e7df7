// SPDX-License-Identifier: MIT
/*
 * test_hugetlb_map.c - HugeTLB mappings (MAP_HUGETLB) on every
 * configuration: reservations at mmap (hugetlb_reserve_pages()), faults
 * mapping one PMD or PUD leaf, MAP_NORESERVE and SIGBUS, munmap and exit
 * giving pages and reservations back, fork and copy-on-write, bad input
 * and allocation-failure sweeps.
 */
#include "ptsim_test.h"

#include <errno.h>
#include <stdlib.h>

#include "ptsim/ptsim.h"

#define RW	(PTSIM_PROT_READ | PTSIM_PROT_WRITE)
#define ANP	(PTSIM_MAP_ANONYMOUS | PTSIM_MAP_PRIVATE)
#define ANS	(PTSIM_MAP_ANONYMOUS | PTSIM_MAP_SHARED)
#define HUGETLB PTSIM_MAP_HUGETLB

/* The default hugetlb size: the PMD size of the configuration. */
static uint64_t hsize(struct ptsim_test_env *t)
{
	return ptsim_arch_level_size(t->a, PTSIM_PMD);
}

static void env_init(struct ptsim_test_env *t, void **state, uint64_t pool)
{
	ptsim_test_env_init(t, *state, "phys=4G");
	assert_int_equal(ptsim_hugetlb_set_nr(t->m, hsize(t), pool), 0);
}

/* exit: every page and reservation back in the pool, then the pool back to the buddy. */
static void env_fini(struct ptsim_test_env *t)
{
	struct ptsim_mem_stats ms;

	assert_machine_clean(t->m);
	ptsim_mm_destroy(t->mm);
	t->mm = NULL;
	assert_u64_eq(ptsim_meminfo(t->m, PTSIM_MEMINFO_HUGEPAGES_RSVD), 0);
	assert_u64_eq(ptsim_meminfo(t->m, PTSIM_MEMINFO_HUGEPAGES_FREE),
		      ptsim_meminfo(t->m, PTSIM_MEMINFO_HUGEPAGES_TOTAL));
	assert_int_equal(ptsim_hugetlb_set_nr(t->m, hsize(t), 0), 0);
	ptsim_mem_stats(t->m, &ms);
	assert_machine_clean(t->m);
	ptsim_test_env_fini(t);
}

static uint64_t mi(struct ptsim_test_env *t, enum ptsim_meminfo_item i)
{
	return ptsim_meminfo(t->m, i);
}

static void access_ok(struct ptsim_test_env *t, uint64_t va, unsigned int acc)
{
	struct ptsim_access_result r;
	int err = ptsim_access(t->mm, 0, va, acc, &r);

	if (err || r.signal)
		fail_msg("%s: access 0x%llx: %d signal %d (%s)", ptsim_arch_name(t->a),
			 (unsigned long long)va, err, r.signal, ptsim_errmsg(t->m));
}

static void test_private_reserve_fault_unmap(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_translation tr;
	struct ptsim_vma_info vi;
	uint64_t a, h, pt0;

	env_init(&t, state, 3);
	h = hsize(&t);
	assert_u64_eq(mi(&t, PTSIM_MEMINFO_HUGEPAGES_TOTAL), 3);
	assert_u64_eq(mi(&t, PTSIM_MEMINFO_HUGETLB), 3 * (h >> 10));
	/* The length is rounded up to the huge page size, the address aligned. */
	assert_int_equal(ptsim_mmap(t.mm, 0, h + t.psz, RW, ANP | HUGETLB, NULL, 0, &a), 0);
	assert_u64_eq(a & (h - 1), 0);
	assert_int_equal(ptsim_vma_info(t.mm, a, &vi), 0);
	assert_u64_eq(vi.end - vi.start, 2 * h);
	assert_u64_eq(vi.hugetlb_size, h);
	assert_true(vi.flags & PTSIM_VM_HUGETLB);
	assert_false(vi.flags & PTSIM_VM_ACCOUNT);
	assert_u64_eq(mi(&t, PTSIM_MEMINFO_HUGEPAGES_RSVD), 2);
	assert_u64_eq(mi(&t, PTSIM_MEMINFO_HUGEPAGES_FREE), 3);
	pt0 = mi(&t, PTSIM_MEMINFO_PAGETABLES);
	/* A write fault consumes a reservation and maps one PMD leaf, writable and dirty. */
	access_ok(&t, a + 5 * t.psz, PTSIM_ACCESS_WRITE);
	assert_int_equal(ptsim_translate(t.mm, a + 5 * t.psz, &tr), 0);
	assert_int_equal(tr.level, PTSIM_PMD);
	assert_u64_eq(tr.page_size, h);
	assert_true(tr.attrs.write && tr.attrs.dirty);
	assert_u64_eq(mi(&t, PTSIM_MEMINFO_HUGEPAGES_RSVD), 1);
	assert_u64_eq(mi(&t, PTSIM_MEMINFO_HUGEPAGES_FREE), 2);
	/* No PTE table: only the upper tables were allocated. */
	assert_true(mi(&t, PTSIM_MEMINFO_PAGETABLES) - pt0 < 4 * (t.psz >> 10));
	/* A read fault maps the page read-only (write faults reuse it later). */
	access_ok(&t, a + h, PTSIM_ACCESS_READ);
	assert_int_equal(ptsim_translate(t.mm, a + h, &tr), 0);
	assert_false(tr.attrs.write);
	access_ok(&t, a + h, PTSIM_ACCESS_WRITE);
	assert_int_equal(ptsim_translate(t.mm, a + h, &tr), 0);
	assert_true(tr.attrs.write);
	assert_u64_eq(mi(&t, PTSIM_MEMINFO_HUGEPAGES_FREE), 1);
	assert_machine_clean(t.m);
	/* munmap must not cut a huge page; whole ones go back to the pool. */
	assert_int_equal(ptsim_munmap(t.mm, a, t.psz), -EINVAL);
	assert_int_equal(ptsim_munmap(t.mm, a + h, h), 0);
	assert_u64_eq(mi(&t, PTSIM_MEMINFO_HUGEPAGES_FREE), 2);
	assert_machine_clean(t.m);
	assert_int_equal(ptsim_munmap(t.mm, a, h), 0);
	assert_u64_eq(mi(&t, PTSIM_MEMINFO_HUGEPAGES_FREE), 3);
	assert_u64_eq(mi(&t, PTSIM_MEMINFO_HUGEPAGES_RSVD), 0);
	env_fini(&t);
}

static void test_unused_reservations_return(void **state)
{
	struct ptsim_test_env t;
	uint64_t a, s, h;

	env_init(&t, state, 4);
	h = hsize(&t);
	assert_int_equal(ptsim_mmap(t.mm, 0, 2 * h, RW, ANP | HUGETLB, NULL, 0, &a), 0);
	assert_int_equal(ptsim_mmap(t.mm, 0, 2 * h, RW, ANS | HUGETLB, NULL, 0, &s), 0);
	assert_u64_eq(mi(&t, PTSIM_MEMINFO_HUGEPAGES_RSVD), 4);
	access_ok(&t, a, PTSIM_ACCESS_WRITE);
	access_ok(&t, s + h, PTSIM_ACCESS_READ);
	assert_u64_eq(mi(&t, PTSIM_MEMINFO_HUGEPAGES_RSVD), 2);
	assert_u64_eq(mi(&t, PTSIM_MEMINFO_HUGEPAGES_FREE), 2);
	/* Reservations are taken: a third mapping does not fit. */
	assert_int_equal(ptsim_mmap(t.mm, 0, h, RW, ANP | HUGETLB, NULL, 0, &a), -ENOMEM);
	/* hugetlb_vm_op_close() gives the private mapping's unused reservation back. */
	assert_int_equal(ptsim_munmap(t.mm, a, 2 * h), 0);
	env_fini(&t);
}

static void test_noreserve_sigbus(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_access_result r;
	uint64_t a, h;

	env_init(&t, state, 1);
	h = hsize(&t);
	/* More than the pool: fine without reservations. */
	assert_int_equal(
		ptsim_mmap(t.mm, 0, 2 * h, RW, ANS | HUGETLB | PTSIM_MAP_NORESERVE, NULL, 0, &a),
		0);
	assert_u64_eq(mi(&t, PTSIM_MEMINFO_HUGEPAGES_RSVD), 0);
	access_ok(&t, a, PTSIM_ACCESS_WRITE);
	assert_int_equal(ptsim_access(t.mm, 0, a + h + 3 * t.psz + 8, PTSIM_ACCESS_READ, &r), 0);
	assert_int_equal(r.signal, PTSIM_SIGBUS);
	assert_int_equal(r.si_code, PTSIM_BUS_ADRERR);
	assert_u64_eq(r.fault_addr, a + h + 3 * t.psz + 8);
	assert_int_equal(r.fault_addr_lsb, 0);
	assert_machine_clean(t.m);
	env_fini(&t);
}

static void test_fork_cow(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_mm *child;
	struct ptsim_access_result r;
	struct ptsim_translation tp, tc;
	uint64_t a, h;

	env_init(&t, state, 3);
	h = hsize(&t);
	assert_int_equal(ptsim_mmap(t.mm, 0, h, RW, ANP | HUGETLB, NULL, 0, &a), 0);
	access_ok(&t, a, PTSIM_ACCESS_WRITE);
	assert_int_equal(ptsim_fork(t.mm, &child), 0);
	assert_machine_clean(t.m);
	/* The child copies on write, without a reservation of its own. */
	assert_int_equal(ptsim_access(child, 1, a, PTSIM_ACCESS_WRITE, &r), 0);
	assert_int_equal(r.signal, 0);
	assert_int_equal(ptsim_translate(t.mm, a, &tp), 0);
	assert_int_equal(ptsim_translate(child, a, &tc), 0);
	assert_true(tp.pfn != tc.pfn);
	assert_u64_eq(mi(&t, PTSIM_MEMINFO_HUGEPAGES_FREE), 1);
	assert_machine_clean(t.m);
	/* The parent's page is its own again: reused, not copied. */
	access_ok(&t, a, PTSIM_ACCESS_WRITE);
	assert_int_equal(ptsim_translate(t.mm, a, &tc), 0);
	assert_u64_eq(tp.pfn, tc.pfn);
	ptsim_mm_destroy(child);
	assert_u64_eq(mi(&t, PTSIM_MEMINFO_HUGEPAGES_FREE), 2);
	env_fini(&t);
}

static void test_bad_input(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_test_snap s;
	uint64_t a = 0x1234, h;

	env_init(&t, state, 1);
	h = hsize(&t);
	ptsim_test_snap_take(&t, &s);
	/* Not a hugetlb size of the configuration (3 << 26: 8 bytes). */
	assert_int_equal(ptsim_mmap(t.mm, 0, h, RW, ANP | HUGETLB | (3u << PTSIM_MAP_HUGE_SHIFT),
				    NULL, 0, &a),
			 -EINVAL);
	assert_string_not_equal(ptsim_errmsg(t.m), "");
	/* A misaligned MAP_FIXED address. */
	assert_int_equal(ptsim_mmap(t.mm, 0x40000000ull + t.psz, h, RW,
				    ANP | HUGETLB | PTSIM_MAP_FIXED, NULL, 0, &a),
			 -EINVAL);
	/* Not enough free pages to reserve: nothing changed. */
	assert_int_equal(ptsim_mmap(t.mm, 0, 2 * h, RW, ANS | HUGETLB, NULL, 0, &a), -ENOMEM);
	assert_int_equal(ptsim_mmap(t.mm, 0, 2 * h, RW, ANP | HUGETLB, NULL, 0, &a), -ENOMEM);
	assert_u64_eq(a, 0x1234);
	ptsim_test_snap_assert_same(&t, &s);
	assert_u64_eq(mi(&t, PTSIM_MEMINFO_HUGEPAGES_RSVD), 0);
	ptsim_test_snap_free(&s);
	env_fini(&t);
}

static int op_mmap_private(struct ptsim_test_env *t, void *arg)
{
	return ptsim_mmap(t->mm, 0, hsize(t), RW, ANP | HUGETLB, NULL, 0, arg);
}

static int op_mmap_shared(struct ptsim_test_env *t, void *arg)
{
	return ptsim_mmap(t->mm, 0, hsize(t), RW, ANS | HUGETLB, NULL, 0, arg);
}

static int op_write(struct ptsim_test_env *t, void *arg)
{
	struct ptsim_access_result r;

	return ptsim_access(t->mm, 0, *(uint64_t *)arg, PTSIM_ACCESS_WRITE, &r);
}

static int op_fork(struct ptsim_test_env *t, void *arg)
{
	return ptsim_fork(t->mm, arg);
}

static int op_truncate(struct ptsim_test_env *t, void *arg)
{
	(void)t;
	return ptsim_ftruncate(arg, 100 * hsize(t));
}

static int op_memfd(struct ptsim_test_env *t, void *arg)
{
	return ptsim_memfd_create_flags(t->m, hsize(t), PTSIM_MFD_HUGETLB, arg);
}

static void test_sweeps(void **state)
{
	struct ptsim_test_env t;
	uint64_t a, s;

	env_init(&t, state, 2);
	assert_true(ptsim_test_sweep(&t, op_mmap_private, &a, 50) >= 2);
	assert_true(ptsim_test_sweep(&t, op_mmap_shared, &s, 50) >= 2);
	assert_true(ptsim_test_sweep(&t, op_write, &a, 50) >= 1);
	assert_true(ptsim_test_sweep(&t, op_write, &s, 50) >= 1);
	assert_u64_eq(mi(&t, PTSIM_MEMINFO_HUGEPAGES_FREE), 0);
	{
		struct ptsim_mm *child;
		struct ptsim_file *f;

		assert_true(ptsim_test_sweep(&t, op_fork, &child, 200) >= 1);
		assert_machine_clean(t.m);
		ptsim_mm_destroy(child);
		assert_true(ptsim_test_sweep(&t, op_memfd, &f, 50) >= 1);
		assert_true(ptsim_test_sweep(&t, op_truncate, f, 50) >= 1); /* the grown bitmap */
		ptsim_file_close(f);
	}
	env_fini(&t);
}

static void test_files_truncate(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_test_snap sn;
	struct ptsim_access_result r;
	struct ptsim_translation tr;
	struct ptsim_file *f;
	uint64_t s, q, h, cpfn;

	env_init(&t, state, 4);
	h = hsize(&t);
	assert_int_equal(ptsim_memfd_create_flags(t.m, 2 * h, PTSIM_MFD_HUGETLB, &f), 0);
	assert_int_equal(ptsim_mmap(t.mm, 0, 2 * h, RW, PTSIM_MAP_SHARED, f, 0, &s), 0);
	assert_int_equal(ptsim_mmap(t.mm, 0, 2 * h, RW, PTSIM_MAP_PRIVATE, f, 0, &q), 0);
	assert_u64_eq(mi(&t, PTSIM_MEMINFO_HUGEPAGES_RSVD), 4);
	/* A read of the shared mapping adds the folio to the cache and maps it writable. */
	access_ok(&t, s, PTSIM_ACCESS_READ);
	assert_int_equal(ptsim_file_cache_pfn(f, 0, &cpfn), 0);
	assert_int_equal(ptsim_translate(t.mm, s, &tr), 0);
	assert_u64_eq(tr.pfn, cpfn);
	assert_true(tr.attrs.write);
	/* The private mapping reads the cached folio, read-only, and copies it on write. */
	access_ok(&t, q, PTSIM_ACCESS_READ);
	assert_int_equal(ptsim_translate(t.mm, q, &tr), 0);
	assert_u64_eq(tr.pfn, cpfn);
	assert_false(tr.attrs.write);
	access_ok(&t, q, PTSIM_ACCESS_WRITE);
	assert_int_equal(ptsim_translate(t.mm, q, &tr), 0);
	assert_true(tr.pfn != cpfn && tr.attrs.write);
	assert_u64_eq(mi(&t, PTSIM_MEMINFO_HUGEPAGES_RSVD), 2);
	assert_u64_eq(ptsim_file_nr_cached(f), 1);
	assert_machine_clean(t.m);
	/* Bad sizes change nothing. */
	ptsim_test_snap_take(&t, &sn);
	assert_int_equal(ptsim_ftruncate(f, h + t.psz), -EINVAL);
	assert_string_not_equal(ptsim_errmsg(t.m), "");
	assert_int_equal(ptsim_mmap(t.mm, 0, h, RW, PTSIM_MAP_SHARED, f, 1, &s), -EINVAL);
	ptsim_test_snap_assert_same(&t, &sn);
	ptsim_test_snap_free(&sn);
	/* Truncation unmaps and frees everything past the end, private copies too. */
	access_ok(&t, s + h, PTSIM_ACCESS_WRITE);
	assert_int_equal(ptsim_ftruncate(f, h), 0);
	assert_u64_eq(ptsim_file_size(f), h);
	assert_u64_eq(ptsim_file_nr_cached(f), 1);
	assert_machine_clean(t.m);
	assert_int_equal(ptsim_access(t.mm, 0, s + h + 8, PTSIM_ACCESS_READ, &r), 0);
	assert_int_equal(r.signal, PTSIM_SIGBUS);
	assert_int_equal(r.si_code, PTSIM_BUS_ADRERR);
	assert_u64_eq(r.fault_addr, s + h + 8);
	assert_int_equal(ptsim_ftruncate(f, 0), 0);
	assert_u64_eq(ptsim_file_nr_cached(f), 0);
	assert_int_equal(ptsim_translate(t.mm, q, &tr), -ENOENT); /* the private copy went too */
	assert_machine_clean(t.m);
	/*
	 * The private mapping still owns the reservation of its second page,
	 * and got back the one of the copy truncation unmapped.
	 */
	assert_u64_eq(mi(&t, PTSIM_MEMINFO_HUGEPAGES_RSVD), 2);
	ptsim_file_close(f);
	env_fini(&t);
}

static void test_madvise_mprotect_pagemap(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_test_snap sn;
	struct ptsim_translation tr;
	struct ptsim_mm *child;
	uint64_t a, h, w;

	env_init(&t, state, 2);
	h = hsize(&t);
	assert_int_equal(ptsim_mmap(t.mm, 0, 2 * h, RW, ANP | HUGETLB, NULL, 0, &a), 0);
	access_ok(&t, a, PTSIM_ACCESS_WRITE);
	access_ok(&t, a + h, PTSIM_ACCESS_WRITE);
	assert_u64_eq(mi(&t, PTSIM_MEMINFO_HUGEPAGES_FREE), 0);
	/* pagemap: the subpage's PFN, present, exclusive, anonymous. */
	assert_int_equal(ptsim_translate(t.mm, a, &tr), 0);
	assert_int_equal(ptsim_pagemap(t.mm, a + 3 * t.psz, &w), 0);
	assert_true(w & PTSIM_PM_PRESENT);
	assert_true(w & PTSIM_PM_MMAP_EXCLUSIVE);
	assert_false(w & (PTSIM_PM_FILE | PTSIM_PM_SWAP));
	assert_u64_eq(w & PTSIM_PM_PFN_MASK, tr.pfn + 3);
	/* Bad madvise: a misaligned start, MADV_FREE; nothing changes. */
	ptsim_test_snap_take(&t, &sn);
	assert_int_equal(ptsim_madvise(t.mm, a + t.psz, h, PTSIM_MADV_DONTNEED), -EINVAL);
	assert_int_equal(ptsim_madvise(t.mm, a, h, PTSIM_MADV_FREE), -EINVAL);
	assert_int_equal(ptsim_mprotect(t.mm, a, t.psz, PTSIM_PROT_READ), -EINVAL);
	ptsim_test_snap_assert_same(&t, &sn);
	ptsim_test_snap_free(&sn);
	/* DONTNEED rounds the end down: only the first huge page goes; its reservation comes back.
	 */
	assert_int_equal(ptsim_madvise(t.mm, a, 2 * h - t.psz, PTSIM_MADV_DONTNEED), 0);
	assert_int_equal(ptsim_translate(t.mm, a, &tr), -ENOENT);
	assert_int_equal(ptsim_translate(t.mm, a + h, &tr), 0);
	assert_u64_eq(mi(&t, PTSIM_MEMINFO_HUGEPAGES_FREE), 1);
	assert_u64_eq(mi(&t, PTSIM_MEMINFO_HUGEPAGES_RSVD), 1);
	assert_machine_clean(t.m);
	access_ok(&t, a, PTSIM_ACCESS_WRITE);
	assert_u64_eq(mi(&t, PTSIM_MEMINFO_HUGEPAGES_RSVD), 0);
	/* mprotect never makes a hugetlb entry writable; the next write reuses the page. */
	assert_int_equal(ptsim_mprotect(t.mm, a, h, PTSIM_PROT_READ), 0);
	assert_int_equal(ptsim_mprotect(t.mm, a, h, RW), 0);
	assert_int_equal(ptsim_translate(t.mm, a, &tr), 0);
	assert_false(tr.attrs.write);
	access_ok(&t, a, PTSIM_ACCESS_WRITE);
	assert_machine_clean(t.m);
	/* After fork the page is mapped twice: not exclusive. */
	assert_int_equal(ptsim_fork(t.mm, &child), 0);
	assert_int_equal(ptsim_pagemap(child, a + h, &w), 0);
	assert_true(w & PTSIM_PM_PRESENT);
	assert_false(w & PTSIM_PM_MMAP_EXCLUSIVE);
	ptsim_mm_destroy(child);
	env_fini(&t);
}

/*
 * Every hugetlb size of the configuration up to 1G, the arm64 contiguous
 * ones included: one fault maps the whole page (a run of entries with the
 * contiguous hint for the cont sizes), one mapping of the folio; fork, a
 * copy on write, DONTNEED and munmap keep the counts right.
 */
static void test_every_size(void **state)
{
	struct ptsim_test_env t;
	uint64_t sizes[8];
	unsigned int n;

	ptsim_test_env_init(&t, *state, "phys=4G");
	n = ptsim_arch_hugetlb_sizes(t.a, sizes, 8);
	for (unsigned int i = 0; i < n && i < 8; i++) {
		uint64_t h = sizes[i], a, w, log = 0;
		struct ptsim_translation tr;
		struct ptsim_frame_info fi;
		struct ptsim_mm *child;
		struct ptsim_access_result r;

		if (h > (1ull << 30))
			continue;
		while ((1ull << log) < h)
			log++;
		assert_int_equal(ptsim_hugetlb_set_nr(t.m, h, 2), 0);
		assert_int_equal(
			ptsim_mmap(t.mm, 0, h, RW,
				   ANP | HUGETLB | (unsigned int)(log << PTSIM_MAP_HUGE_SHIFT),
				   NULL, 0, &a),
			0);
		access_ok(&t, a + h - t.psz, PTSIM_ACCESS_WRITE);
		assert_int_equal(ptsim_translate(t.mm, a + h - t.psz, &tr), 0);
		assert_int_equal(ptsim_translate(t.mm, a, &tr), 0);
		assert_int_equal(ptsim_frame_get(t.m, tr.pfn, &fi), 0);
		assert_u64_eq(fi.head_pfn, tr.pfn); /* the first entry maps the head */
		assert_int_equal(fi.entire_mapcount, 1);
		assert_int_equal(fi.folio_mapcount, 1);
		assert_int_equal(ptsim_pagemap(t.mm, a + h - t.psz, &w), 0);
		assert_u64_eq(w & PTSIM_PM_PFN_MASK, tr.pfn + h / t.psz - 1);
		assert_true(w & PTSIM_PM_MMAP_EXCLUSIVE);
		assert_machine_clean(t.m);
		/* fork: two mappings; the child's write copies. */
		assert_int_equal(ptsim_fork(t.mm, &child), 0);
		assert_int_equal(ptsim_frame_get(t.m, tr.pfn, &fi), 0);
		assert_int_equal(fi.entire_mapcount, 2);
		assert_machine_clean(t.m);
		assert_int_equal(ptsim_access(child, 0, a, PTSIM_ACCESS_WRITE, &r), 0);
		assert_int_equal(r.signal, 0);
		assert_int_equal(ptsim_frame_get(t.m, tr.pfn, &fi), 0);
		assert_int_equal(fi.entire_mapcount, 1);
		assert_machine_clean(t.m);
		ptsim_mm_destroy(child);
		assert_int_equal(ptsim_madvise(t.mm, a, h, PTSIM_MADV_DONTNEED), 0);
		assert_int_equal(ptsim_translate(t.mm, a, &tr), -ENOENT);
		assert_machine_clean(t.m);
		assert_int_equal(ptsim_munmap(t.mm, a, h), 0);
		assert_int_equal(ptsim_hugetlb_set_nr(t.m, h, 0), 0);
		assert_machine_clean(t.m);
	}
	ptsim_test_env_fini(&t);
}

/* The checker recomputes resv_hugepages from the mappings: a reservation taken away is found. */
static void test_checker_reservations(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_check_report *rep = malloc(sizeof(*rep));
	uint64_t a, h;

	assert_non_null(rep);
	env_init(&t, state, 2);
	h = hsize(&t);
	assert_int_equal(ptsim_mmap(t.mm, 0, 2 * h, RW, ANP | HUGETLB, NULL, 0, &a), 0);
	/* Reservations taken through the pool API are the caller's, not a finding. */
	assert_int_equal(ptsim_hugetlb_unreserve(t.m, h, 0), 0);
	assert_machine_clean(t.m);
	assert_int_equal(ptsim_hugetlb_unreserve(t.m, h, 1), 0);
	assert_int_equal(ptsim_check(t.m, rep), 1);
	assert_int_equal(rep->findings[0].code, PTSIM_CHK_HUGETLB_POOL);
	free(rep);
	ptsim_test_env_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PTSIM_ARCH_TESTS(test_private_reserve_fault_unmap),
		PTSIM_ARCH_TESTS(test_unused_reservations_return),
		PTSIM_ARCH_TESTS(test_noreserve_sigbus),
		PTSIM_ARCH_TESTS(test_fork_cow),
		PTSIM_ARCH_TESTS(test_bad_input),
		PTSIM_ARCH_TESTS(test_sweeps),
		PTSIM_ARCH_TESTS(test_files_truncate),
		PTSIM_ARCH_TESTS(test_madvise_mprotect_pagemap),
		PTSIM_ARCH_TESTS(test_every_size),
		PTSIM_ARCH_TESTS(test_checker_reservations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
