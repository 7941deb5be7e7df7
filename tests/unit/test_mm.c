// SPDX-License-Identifier: MIT
/*
 * test_mm.c - VMAs: mmap/munmap/mprotect/madvise arguments and errors,
 * placement, splits and merges, files, and allocation-failure sweeps that
 * must leave the model exactly as it was.
 */
#include <errno.h>

#include "ptsim_test.h"

#define RW   (PTSIM_PROT_READ | PTSIM_PROT_WRITE)
#define ANP  (PTSIM_MAP_PRIVATE | PTSIM_MAP_ANONYMOUS)
#define BASE 0x40000000ull

/* The VMA list as text, for before/after comparisons. */
static void vmas_str(struct ptsim_mm *mm, char *buf, size_t len)
{
	struct ptsim_vma_info v;
	size_t n = 0;

	buf[0] = 0;
	for (uint64_t a = 0; !ptsim_vma_next(mm, a, &v); a = v.end)
		n += (size_t)snprintf(buf + n, len - n, "[%llx-%llx %llx %llx]",
				      (unsigned long long)v.start, (unsigned long long)v.end,
				      (unsigned long long)v.flags, (unsigned long long)v.pgoff);
}

static uint64_t nr_vmas(struct ptsim_mm *mm)
{
	return ptsim_mm_nr_vmas(mm);
}

/* munmap every VMA. */
static void unmap_all(struct ptsim_mm *mm)
{
	struct ptsim_vma_info v;

	while (!ptsim_vma_next(mm, 0, &v))
		assert_int_equal(ptsim_munmap(mm, v.start, v.end - v.start), 0);
}

static void expect_vma(struct ptsim_mm *mm, uint64_t addr, uint64_t start, uint64_t end,
		       unsigned int prot)
{
	struct ptsim_vma_info v;

	assert_int_equal(ptsim_vma_info(mm, addr, &v), 0);
	assert_u64_eq(v.start, start);
	assert_u64_eq(v.end, end);
	assert_int_equal(v.prot, prot);
}

static void test_mmap_anon(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_vma_info v;
	uint64_t a1, a2, vmpte;
	uint64_t tables[PTSIM_NR_LEVELS];

	ptsim_test_env_init(&t, *state, NULL);
	vmpte = ptsim_mm_pgtables_bytes(t.mm);
	for (int l = 0; l < PTSIM_NR_LEVELS; l++)
		tables[l] = ptsim_mm_nr_tables(t.mm, (enum ptsim_level)l);
	assert_int_equal(ptsim_mmap(t.mm, 0, 3 * t.psz, RW, ANP, NULL, 0, &a1), 0);
	assert_u64_eq(a1 & (t.psz - 1), 0);
	assert_int_equal(ptsim_vma_info(t.mm, a1, &v), 0);
	assert_u64_eq(v.start, a1);
	assert_u64_eq(v.end, a1 + 3 * t.psz);
	assert_true(v.anon && !v.shmem && !v.has_anon_vma && v.file == NULL);
	assert_u64_eq(v.flags & 0xff, PTSIM_VM_READ | PTSIM_VM_WRITE | PTSIM_VM_MAYREAD |
					      PTSIM_VM_MAYWRITE | PTSIM_VM_MAYEXEC);
	assert_true(v.flags & PTSIM_VM_ACCOUNT);
	assert_int_equal(!!(v.flags & PTSIM_VM_SOFTDIRTY),
			 ptsim_arch_kind(t.a) == PTSIM_ARCH_X86_64);
	assert_u64_eq(v.pgoff, a1 / t.psz);
	/* Private writable memory is mapped read-only until written (copy-on-write). */
	assert_u64_eq(v.page_prot, ptsim_pgprot(t.a, PTSIM_PROT_READ, 0));
	/* Top-down placement: the next mapping goes right below and merges with it. */
	assert_int_equal(ptsim_mmap(t.mm, 0, t.psz, RW, ANP, NULL, 0, &a2), 0);
	assert_u64_eq(a2, a1 - t.psz);
	assert_u64_eq(nr_vmas(t.mm), 1);
	expect_vma(t.mm, a1, a2, a1 + 3 * t.psz, RW);
	/* A different protection does not merge. */
	assert_int_equal(ptsim_mmap(t.mm, 0, t.psz, PTSIM_PROT_READ, ANP, NULL, 0, &a1), 0);
	assert_u64_eq(a1, a2 - t.psz);
	assert_u64_eq(nr_vmas(t.mm), 2);
	/* A free hint is taken (rounded up to a page). */
	assert_int_equal(ptsim_mmap(t.mm, BASE + 1, t.psz, RW, ANP, NULL, 0, &a1), 0);
	assert_u64_eq(a1, BASE + t.psz);
	/* mmap allocates no page table. */
	assert_u64_eq(ptsim_mm_pgtables_bytes(t.mm), vmpte);
	for (int l = 0; l < PTSIM_NR_LEVELS; l++)
		assert_u64_eq(ptsim_mm_nr_tables(t.mm, (enum ptsim_level)l), tables[l]);
	assert_int_equal(ptsim_vma_info(t.mm, BASE, &v), -ENOENT);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

static void test_mmap_errors(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_test_snap s;
	char before[512], after[512];
	uint64_t a;
	int err;
	struct {
		uint64_t addr, len;
		unsigned int prot, flags;
		int err;
	} cases[] = {
		{0, 0, RW, ANP, -EINVAL},			      /* zero length */
		{0, 4096, RW, PTSIM_MAP_ANONYMOUS, -EINVAL},	      /* no type */
		{0, 4096, RW, ANP | PTSIM_MAP_SHARED, -EINVAL},	      /* both types */
		{0, 4096, RW, ANP | 0x80u, -EINVAL},		      /* unknown flag */
		{0, 4096, 0x8, ANP, -EINVAL},			      /* unknown prot */
		{BASE + 1, 4096, RW, ANP | PTSIM_MAP_FIXED, -EINVAL}, /* misaligned */
		{0, 4096, RW, PTSIM_MAP_PRIVATE, -EINVAL},	      /* file, no file */
		{BASE, 1ull << 60, RW, ANP, -ENOMEM},		      /* too long */
		{0x7fff000000000000ull, 1ull << 20, RW, ANP | PTSIM_MAP_FIXED,
		 -ENOMEM}, /* too high */
		{BASE, 4096, RW, ANP | PTSIM_MAP_FIXED_NOREPLACE, -EEXIST},
		{BASE, 4096, RW, ANP | PTSIM_MAP_FIXED | PTSIM_MAP_FIXED_NOREPLACE,
		 -EEXIST}, /* overlap */
	};

	ptsim_test_env_init(&t, *state, NULL);
	assert_int_equal(ptsim_mmap(t.mm, BASE, 4 * t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0, &a),
			 0);
	assert_u64_eq(a, BASE);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ptsim_test_snap_take(&t, &s);
		vmas_str(t.mm, before, sizeof(before));
		a = 0x1234;
		err = ptsim_mmap(t.mm, cases[i].addr, cases[i].len, cases[i].prot, cases[i].flags,
				 NULL, 0, &a);
		if (err != cases[i].err)
			fail_msg("case %zu: %d, expected %d (%s)", i, err, cases[i].err,
				 ptsim_errmsg(t.m));
		assert_u64_eq(a, 0x1234);
		assert_string_not_equal(ptsim_errmsg(t.m), "");
		vmas_str(t.mm, after, sizeof(after));
		assert_string_equal(before, after);
		ptsim_test_snap_assert_same(&t, &s);
		ptsim_test_snap_free(&s);
	}
	/* munmap / mprotect / madvise argument errors. */
	assert_int_equal(ptsim_munmap(t.mm, BASE + 1, t.psz), -EINVAL);
	assert_int_equal(ptsim_munmap(t.mm, BASE, 0), -EINVAL);
	assert_int_equal(ptsim_mprotect(t.mm, BASE + 1, t.psz, RW), -EINVAL);
	assert_int_equal(ptsim_mprotect(t.mm, BASE, t.psz, 0x10), -EINVAL);
	assert_int_equal(ptsim_mprotect(t.mm, BASE, 5 * t.psz, PTSIM_PROT_READ), -ENOMEM);
	assert_int_equal(ptsim_mprotect(t.mm, BASE - t.psz, 2 * t.psz, PTSIM_PROT_READ), -ENOMEM);
	assert_int_equal(ptsim_madvise(t.mm, BASE, t.psz, 99), -EINVAL);
	assert_int_equal(ptsim_madvise(t.mm, BASE, 5 * t.psz, PTSIM_MADV_DONTNEED), -ENOMEM);
	expect_vma(t.mm, BASE, BASE, BASE + 4 * t.psz, RW);
	assert_u64_eq(nr_vmas(t.mm), 1);
	assert_int_equal(ptsim_munmap(t.mm, BASE, 4 * t.psz), 0);
	assert_u64_eq(nr_vmas(t.mm), 0);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

static void test_mmap_fixed_replaces(void **state)
{
	struct ptsim_test_env t;
	uint64_t a;

	ptsim_test_env_init(&t, *state, NULL);
	assert_int_equal(ptsim_mmap(t.mm, BASE, 8 * t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0, &a),
			 0);
	/* A read-only mapping over pages 2..3 splits the VMA in three. */
	assert_int_equal(ptsim_mmap(t.mm, BASE + 2 * t.psz, 2 * t.psz, PTSIM_PROT_READ,
				    ANP | PTSIM_MAP_FIXED, NULL, 0, &a),
			 0);
	assert_u64_eq(nr_vmas(t.mm), 3);
	expect_vma(t.mm, BASE, BASE, BASE + 2 * t.psz, RW);
	expect_vma(t.mm, BASE + 2 * t.psz, BASE + 2 * t.psz, BASE + 4 * t.psz, PTSIM_PROT_READ);
	expect_vma(t.mm, BASE + 4 * t.psz, BASE + 4 * t.psz, BASE + 8 * t.psz, RW);
	/* The same protection again: everything merges back into one VMA. */
	assert_int_equal(ptsim_mmap(t.mm, BASE + 2 * t.psz, 2 * t.psz, RW, ANP | PTSIM_MAP_FIXED,
				    NULL, 0, &a),
			 0);
	assert_u64_eq(nr_vmas(t.mm), 1);
	expect_vma(t.mm, BASE, BASE, BASE + 8 * t.psz, RW);
	/* FIXED_NOREPLACE into a hole works. */
	assert_int_equal(ptsim_mmap(t.mm, BASE + 9 * t.psz, t.psz, RW,
				    ANP | PTSIM_MAP_FIXED_NOREPLACE, NULL, 0, &a),
			 0);
	assert_u64_eq(a, BASE + 9 * t.psz);
	assert_u64_eq(nr_vmas(t.mm), 2);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

static void test_munmap_splits(void **state)
{
	struct ptsim_test_env t;
	uint64_t a;

	ptsim_test_env_init(&t, *state, NULL);
	assert_int_equal(ptsim_mmap(t.mm, BASE, 10 * t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0, &a),
			 0);
	assert_int_equal(ptsim_munmap(t.mm, BASE + 4 * t.psz, 2 * t.psz), 0);
	assert_u64_eq(nr_vmas(t.mm), 2);
	expect_vma(t.mm, BASE, BASE, BASE + 4 * t.psz, RW);
	expect_vma(t.mm, BASE + 6 * t.psz, BASE + 6 * t.psz, BASE + 10 * t.psz, RW);
	/* The upper part keeps its offset (anonymous pgoff follows the address). */
	{
		struct ptsim_vma_info v;

		assert_int_equal(ptsim_vma_info(t.mm, BASE + 6 * t.psz, &v), 0);
		assert_u64_eq(v.pgoff, (BASE + 6 * t.psz) / t.psz);
	}
	/* Head and tail, a length that is not a page multiple, and holes. */
	assert_int_equal(ptsim_munmap(t.mm, BASE, 1), 0);
	expect_vma(t.mm, BASE + t.psz, BASE + t.psz, BASE + 4 * t.psz, RW);
	assert_int_equal(ptsim_munmap(t.mm, BASE + 9 * t.psz, t.psz), 0);
	expect_vma(t.mm, BASE + 6 * t.psz, BASE + 6 * t.psz, BASE + 9 * t.psz, RW);
	assert_int_equal(ptsim_munmap(t.mm, BASE + 3 * t.psz, 4 * t.psz), 0);
	assert_u64_eq(nr_vmas(t.mm), 2);
	expect_vma(t.mm, BASE + t.psz, BASE + t.psz, BASE + 3 * t.psz, RW);
	expect_vma(t.mm, BASE + 7 * t.psz, BASE + 7 * t.psz, BASE + 9 * t.psz, RW);
	assert_int_equal(ptsim_munmap(t.mm, 0, BASE + 100 * t.psz), 0);
	assert_u64_eq(nr_vmas(t.mm), 0);
	assert_int_equal(ptsim_munmap(t.mm, BASE, t.psz), 0); /* nothing there: fine */
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

static void test_mprotect_split_merge(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_vma_info v;
	uint64_t a;

	ptsim_test_env_init(&t, *state, NULL);
	assert_int_equal(ptsim_mmap(t.mm, BASE, 10 * t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0, &a),
			 0);
	assert_int_equal(ptsim_mprotect(t.mm, BASE + 2 * t.psz, 2 * t.psz, PTSIM_PROT_READ), 0);
	assert_u64_eq(nr_vmas(t.mm), 3);
	expect_vma(t.mm, BASE + 2 * t.psz, BASE + 2 * t.psz, BASE + 4 * t.psz, PTSIM_PROT_READ);
	assert_int_equal(ptsim_vma_info(t.mm, BASE + 2 * t.psz, &v), 0);
	assert_u64_eq(v.pgoff, (BASE + 2 * t.psz) / t.psz);
	assert_true(v.flags & PTSIM_VM_ACCOUNT); /* charged once, kept */
	/* The same protection changes nothing and splits nothing. */
	assert_int_equal(ptsim_mprotect(t.mm, BASE + 5 * t.psz, t.psz, RW), 0);
	assert_u64_eq(nr_vmas(t.mm), 3);
	/* Extending the read-only part merges it with its new neighbour. */
	assert_int_equal(ptsim_mprotect(t.mm, BASE + 4 * t.psz, 2 * t.psz, PTSIM_PROT_READ), 0);
	assert_u64_eq(nr_vmas(t.mm), 3);
	expect_vma(t.mm, BASE + 2 * t.psz, BASE + 2 * t.psz, BASE + 6 * t.psz, PTSIM_PROT_READ);
	/* Back to read-write: one VMA again. */
	assert_int_equal(ptsim_mprotect(t.mm, BASE + 2 * t.psz, 4 * t.psz, RW), 0);
	assert_u64_eq(nr_vmas(t.mm), 1);
	expect_vma(t.mm, BASE, BASE, BASE + 10 * t.psz, RW);
	/* Across several VMAs at once. */
	assert_int_equal(ptsim_mprotect(t.mm, BASE + t.psz, t.psz, PTSIM_PROT_NONE), 0);
	assert_int_equal(ptsim_mprotect(t.mm, BASE + 3 * t.psz, t.psz, PTSIM_PROT_EXEC), 0);
	assert_u64_eq(nr_vmas(t.mm), 5);
	assert_int_equal(ptsim_mprotect(t.mm, BASE, 10 * t.psz, PTSIM_PROT_READ), 0);
	assert_u64_eq(nr_vmas(t.mm), 1);
	expect_vma(t.mm, BASE, BASE, BASE + 10 * t.psz, PTSIM_PROT_READ);
	/* mprotect allocates no page table. */
	assert_u64_eq(ptsim_mm_pgtables_bytes(t.mm), 0);
	assert_u64_eq(ptsim_mm_nr_tables(t.mm, PTSIM_PTE), 0);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

static void test_files(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_file *f, *mf;
	struct ptsim_vma_info v;
	struct ptsim_host_stats hs;
	uint64_t a, b, c, bytes;

	ptsim_test_env_init(&t, *state, NULL);
	ptsim_host_stats(t.m, &hs);
	bytes = hs.bytes_live;
	assert_int_equal(ptsim_file_create(t.m, 16 * t.psz, &f), 0);
	assert_int_equal(ptsim_memfd_create(t.m, 4 * t.psz, &mf), 0);
	assert_u64_eq(ptsim_file_size(f), 16 * t.psz);
	assert_int_equal(ptsim_mmap(t.mm, 0, 4 * t.psz, RW, PTSIM_MAP_SHARED, f, 2, &a), 0);
	assert_int_equal(ptsim_vma_info(t.mm, a, &v), 0);
	assert_true(v.file == f && !v.anon && !v.shmem);
	assert_true(v.flags & PTSIM_VM_SHARED);
	assert_u64_eq(v.pgoff, 2);
	/* Regular files are write-notified: shared writable maps read-only at first. */
	assert_u64_eq(v.page_prot, ptsim_pgprot(t.a, PTSIM_PROT_READ, 0));
	assert_int_equal(ptsim_mmap(t.mm, 0, 4 * t.psz, RW, PTSIM_MAP_SHARED, mf, 0, &b), 0);
	assert_int_equal(ptsim_vma_info(t.mm, b, &v), 0);
	assert_true(v.file == mf && v.shmem);
	assert_u64_eq(v.page_prot, ptsim_pgprot(t.a, RW, 0));
	/* Shared anonymous memory is a shmem file of its own. */
	assert_int_equal(ptsim_mmap(t.mm, 0, 2 * t.psz, RW, PTSIM_MAP_SHARED | PTSIM_MAP_ANONYMOUS,
				    NULL, 0, &c),
			 0);
	assert_int_equal(ptsim_vma_info(t.mm, c, &v), 0);
	assert_true(v.shmem && !v.anon && v.file != NULL && v.pgoff == 0);
	/* Two mappings of consecutive file ranges merge; non-consecutive ones do not. */
	assert_int_equal(ptsim_mmap(t.mm, a + 4 * t.psz, 2 * t.psz, RW,
				    PTSIM_MAP_SHARED | PTSIM_MAP_FIXED_NOREPLACE, f, 6, &b),
			 0);
	expect_vma(t.mm, a, a, a + 6 * t.psz, RW);
	/* Closing a mapped file keeps it until the last VMA goes. */
	ptsim_file_close(f);
	ptsim_file_close(mf);
	assert_int_equal(ptsim_vma_info(t.mm, a, &v), 0);
	assert_u64_eq(ptsim_file_size(v.file), 16 * t.psz);
	unmap_all(t.mm);
	ptsim_host_stats(t.m, &hs);
	assert_u64_eq(hs.bytes_live, bytes);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

/* --- allocation-failure sweeps --------------------------------------------------- */

typedef int (*op_fn)(struct ptsim_test_env *t);

static int sweep_call(struct ptsim_test_env *t, void *arg)
{
	return (*(op_fn *)arg)(t);
}

static unsigned int sweep(struct ptsim_test_env *t, op_fn op)
{
	return ptsim_test_sweep(t, sweep_call, &op, 100);
}

static int op_mmap_fixed_middle(struct ptsim_test_env *t)
{
	uint64_t a;

	return ptsim_mmap(t->mm, BASE + 2 * t->psz, t->psz, PTSIM_PROT_READ, ANP | PTSIM_MAP_FIXED,
			  NULL, 0, &a);
}

static int op_mmap_shared_anon(struct ptsim_test_env *t)
{
	uint64_t a;

	return ptsim_mmap(t->mm, 0, t->psz, RW, PTSIM_MAP_SHARED | PTSIM_MAP_ANONYMOUS, NULL, 0,
			  &a);
}

static int op_munmap_middle(struct ptsim_test_env *t)
{
	return ptsim_munmap(t->mm, BASE + 5 * t->psz, t->psz);
}

static int op_mprotect_middle(struct ptsim_test_env *t)
{
	return ptsim_mprotect(t->mm, BASE + 7 * t->psz, t->psz, PTSIM_PROT_NONE);
}

static void test_fault_sweeps(void **state)
{
	struct ptsim_test_env t;
	uint64_t a;

	ptsim_test_env_init(&t, *state, NULL);
	assert_int_equal(ptsim_mmap(t.mm, BASE, 10 * t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0, &a),
			 0);
	assert_true(sweep(&t, op_mmap_fixed_middle) >= 3); /* VMA, two splits */
	assert_u64_eq(nr_vmas(t.mm), 3);
	assert_true(sweep(&t, op_mmap_shared_anon) >= 2); /* VMA, shmem file */
	assert_true(sweep(&t, op_munmap_middle) >= 2);
	assert_u64_eq(nr_vmas(t.mm), 5);
	assert_true(sweep(&t, op_mprotect_middle) >= 2);
	assert_u64_eq(nr_vmas(t.mm), 7);
	ptsim_test_env_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PTSIM_ARCH_TESTS(test_mmap_anon),
		PTSIM_ARCH_TESTS(test_mmap_errors),
		PTSIM_ARCH_TESTS(test_mmap_fixed_replaces),
		PTSIM_ARCH_TESTS(test_munmap_splits),
		PTSIM_ARCH_TESTS(test_mprotect_split_merge),
		PTSIM_ARCH_TESTS(test_files),
		PTSIM_ARCH_TESTS(test_fault_sweeps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
