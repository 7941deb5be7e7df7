// SPDX-License-Identifier: MIT
/*
 * test_split.c - the split primitive and its inverse on every configuration:
 * ptsim_ent_relevel() laws and literal values, ptsim_split_leaf() /
 * ptsim_collapse_leaf() on raw huge leaves (frames, attributes, VmPTE,
 * break-before-make with CPUs caching the leaf, arm64 contiguous runs), the
 * errors, and the allocation-failure sweep.
 */
#include <errno.h>

#include "mm_helpers.h"
#include "pgtable/internal.h"

#define VA 0x80000000ull

/* The levels that hold leaves and have a leaf level below them. */
static int split_levels(const struct ptsim_arch *a, int *out)
{
	int n = 0;

	for (int l = PTSIM_PUD; l < PTSIM_PTE; l++) {
		int c = l + 1;

		/* A folded level may hold leaves too (in the slot of the real level above). */
		if (!ptsim_arch_leaf_ok(a, (enum ptsim_level)l))
			continue;
		while (c < PTSIM_PTE && ptsim_arch_level_folded(a, (enum ptsim_level)c))
			c++;
		if (ptsim_arch_leaf_ok(a, (enum ptsim_level)c))
			out[n++] = l;
	}
	return n;
}

/* The real level below @l. */
static int child_of(const struct ptsim_arch *a, int l)
{
	int c = l + 1;

	while (c < PTSIM_PTE && ptsim_arch_level_folded(a, (enum ptsim_level)c))
		c++;
	return c;
}

/* Every attribute survives a trip to the level below and back. */
static void test_relevel_laws(void **state)
{
	const struct ptsim_arch *a = ptsim_arch_lookup((const char *)*state);
	static const unsigned int prots[] = {PTSIM_PROT_READ, RW, PTSIM_PROT_READ | PTSIM_PROT_EXEC,
					     PTSIM_PROT_NONE};
	int levels[PTSIM_NR_LEVELS], n = split_levels(a, levels);

	for (int k = 0; k < n; k++) {
		int l = levels[k], c = child_of(a, l);
		uint64_t npages =
			ptsim_arch_level_size(a, (enum ptsim_level)l) >> ptsim_arch_page_shift(a);
		uint64_t cpages =
			ptsim_arch_level_size(a, (enum ptsim_level)c) >> ptsim_arch_page_shift(a);

		for (size_t p = 0; p < sizeof(prots) / sizeof(prots[0]); p++) {
			for (unsigned int mt = 0; mt < 4; mt++) {
				uint64_t prot = ptsim_pgprot(a, prots[p], PTSIM_PGPROT_MT(mt));
				ptsim_ent_t huge =
					ptsim_mk_leaf(a, (enum ptsim_level)l, 7 * npages, prot);
				ptsim_ent_t small, back;
				struct ptsim_attrs ha, sa;

				if (prots[p] != PTSIM_PROT_NONE)
					huge = ptsim_ent_mkdirty(
						a, (enum ptsim_level)l,
						ptsim_ent_mkuffd_wp(a, (enum ptsim_level)l, huge));
				small = ptsim_ent_relevel(a, (enum ptsim_level)l, huge,
							  (enum ptsim_level)c,
							  7 * npages + 3 * cpages);
				back = ptsim_ent_relevel(a, (enum ptsim_level)c, small,
							 (enum ptsim_level)l, 7 * npages);
				assert_u64_eq(back, huge);
				ptsim_ent_decode(a, (enum ptsim_level)l, huge, &ha);
				ptsim_ent_decode(a, (enum ptsim_level)c, small, &sa);
				if (!ha.present)
					continue; /* x86 pud_present() ignores PROTNONE */
				assert_int_equal(sa.present, ha.present);
				assert_int_equal(sa.leaf, ha.leaf);
				assert_int_equal(sa.protnone, ha.protnone);
				assert_int_equal(sa.write, ha.write);
				assert_int_equal(sa.dirty, ha.dirty);
				assert_int_equal(sa.young, ha.young);
				assert_int_equal(sa.user, ha.user);
				assert_int_equal(sa.exec, ha.exec);
				assert_int_equal(sa.uffd_wp, ha.uffd_wp);
				assert_int_equal(sa.soft_dirty, ha.soft_dirty);
				assert_int_equal(sa.memtype, ha.memtype);
				assert_u64_eq(sa.pfn, 7 * npages + 3 * cpages);
			}
		}
	}
}

/* Literal words: x86 2M leaf with PAT in bit 12, arm64 block to page. */
static void test_relevel_literals(void **state)
{
	const struct ptsim_arch *x86 = ptsim_arch_lookup("x86_64-4l");
	const struct ptsim_arch *arm = ptsim_arch_lookup("arm64-4k-48");

	(void)state;
	/* PMD: NX, pfn 0x200, PSE, D, A, U, RW, P; the PTE loses PSE. */
	assert_u64_eq(ptsim_ent_relevel(x86, PTSIM_PMD, 0x80000000002000e7ull, PTSIM_PTE, 0x205),
		      0x8000000000205067ull);
	/* PAT_LARGE (bit 12) on the PMD is PAT (bit 7) on the PTE; G (bit 8) stays. */
	assert_u64_eq(ptsim_ent_relevel(x86, PTSIM_PMD, 0x80000000002010e7ull, PTSIM_PTE, 0x205),
		      0x80000000002050e7ull);
	assert_u64_eq(ptsim_ent_relevel(x86, PTSIM_PMD, 0x80000000002011e7ull, PTSIM_PTE, 0x205),
		      0x80000000002051e7ull);
	/* And back: a 1G leaf from a 2M one keeps PSE and bit 12. */
	assert_u64_eq(ptsim_ent_relevel(x86, PTSIM_PMD, 0x80000000402010e7ull, PTSIM_PUD, 0x40000),
		      0x80000000400010e7ull);
	/* PROT_NONE 2M leaf (P clear, PROTNONE, PSE): the PTE keeps the PFN inverted. */
	{
		ptsim_ent_t none =
			ptsim_mk_leaf(x86, PTSIM_PMD, 0x200, ptsim_pgprot(x86, PTSIM_PROT_NONE, 0));
		ptsim_ent_t pte = ptsim_ent_relevel(x86, PTSIM_PMD, none, PTSIM_PTE, 0x201);

		assert_u64_eq(pte, ptsim_mk_leaf(x86, PTSIM_PTE, 0x201,
						 ptsim_pgprot(x86, PTSIM_PROT_NONE, 0)));
		assert_u64_eq(ptsim_ent_pfn(x86, PTSIM_PTE, pte), 0x201);
	}
	/* arm64: a user RW block (type 0b01) becomes a page (0b11); the contiguous hint goes. */
	assert_u64_eq(ptsim_ent_relevel(arm, PTSIM_PMD, 0x0068000040000f41ull | (1ull << 52),
					PTSIM_PTE, 0x40003),
		      0x0068000040003f43ull);
}

struct big {
	uint64_t pfn, size;
	unsigned int order;
};

/* A folio of the leaf size at @l mapped raw at VA (outside every VMA). */
static bool map_big(struct ptsim_test_env *t, int l, uint64_t prot, struct big *b)
{
	b->size = ptsim_arch_level_size(t->a, (enum ptsim_level)l);
	b->order = 0;
	while ((t->psz << b->order) < b->size)
		b->order++;
	if (ptsim_folio_alloc(t->m, b->order, &b->pfn))
		return false;
	assert_int_equal(ptsim_map(t->mm, VA, b->size, b->pfn, b->size, prot, 0), 0);
	return true;
}

static void unmap_big(struct ptsim_test_env *t, struct big *b)
{
	assert_true(ptsim_unmap(t->mm, VA, b->size, PTSIM_UNMAP_FREE_TABLES) > 0);
	assert_int_equal(ptsim_flush_tlb_mm(t->mm), 0);
	assert_int_equal(ptsim_folio_put(t->m, b->pfn), 0);
}

static void test_split_collapse(void **state)
{
	struct ptsim_test_env t;
	int levels[PTSIM_NR_LEVELS], n;

	ptsim_test_env_init(&t, (const char *)*state, "phys=4G");
	n = split_levels(t.a, levels);
	for (int k = 0; k < n; k++) {
		int l = levels[k], c = child_of(t.a, l);
		uint64_t prot = ptsim_pgprot(t.a, RW, 0), vmpte, csize, huge;
		struct ptsim_translation tr;
		struct ptsim_access_result r;
		struct big b;

		if (!map_big(&t, l, prot, &b))
			continue; /* a PUD folio larger than this machine's memory */
		csize = ptsim_arch_level_size(t.a, (enum ptsim_level)c);
		/* Two CPUs cache the huge translation; one dirties it. */
		assert_int_equal(ptsim_access(t.mm, 0, VA + 5 * csize, PTSIM_ACCESS_WRITE, &r), 0);
		assert_int_equal(r.signal, 0);
		assert_int_equal(ptsim_access(t.mm, 1, VA, PTSIM_ACCESS_READ, &r), 0);
		assert_int_equal(ptsim_translate(t.mm, VA, &tr), 0);
		huge = tr.entry;
		vmpte = ptsim_mm_pgtables_bytes(t.mm);

		assert_int_equal(ptsim_split_leaf(t.mm, VA + csize, (enum ptsim_level)l, 0), 0);
		assert_u64_eq(mm_nr_violations(t.m), 0);
		/* One more table, of a level VmPTE counts (PMD or PTE). */
		assert_u64_eq(ptsim_mm_pgtables_bytes(t.mm),
			      vmpte + ptsim_arch_ptrs_per(t.a, (enum ptsim_level)c) * 8ull);
		for (unsigned int i = 0; i < ptsim_arch_ptrs_per(t.a, (enum ptsim_level)c);
		     i += 97) {
			uint64_t pa = (b.pfn << ptsim_arch_page_shift(t.a)) + i * csize + 8;

			assert_int_equal(ptsim_translate(t.mm, VA + i * csize + 8, &tr), 0);
			assert_int_equal(tr.level, c);
			assert_u64_eq(tr.pa, pa);
			assert_u64_eq(tr.entry,
				      ptsim_ent_relevel(
					      t.a, (enum ptsim_level)l, huge, (enum ptsim_level)c,
					      b.pfn + i * (csize >> ptsim_arch_page_shift(t.a))));
			assert_true(tr.attrs.dirty && tr.attrs.write && tr.attrs.young);
		}
		/* Accesses see the new leaves, still no violation. */
		assert_int_equal(ptsim_access(t.mm, 1, VA + 3 * csize, PTSIM_ACCESS_READ, &r), 0);
		assert_u64_eq(r.pa, (b.pfn << ptsim_arch_page_shift(t.a)) + 3 * csize);
		assert_machine_clean(t.m);

		/* Back to one leaf: the same entry, VmPTE back, no violation. */
		assert_int_equal(ptsim_collapse_leaf(t.mm, VA + 2 * csize, (enum ptsim_level)l, 0),
				 0);
		assert_int_equal(ptsim_translate(t.mm, VA + csize, &tr), 0);
		assert_int_equal(tr.level, l);
		assert_u64_eq(tr.entry, huge);
		assert_u64_eq(ptsim_mm_pgtables_bytes(t.mm), vmpte);
		assert_u64_eq(mm_nr_violations(t.m), 0);
		assert_machine_clean(t.m);
		unmap_big(&t, &b);
		assert_machine_clean(t.m);
	}
	ptsim_test_env_fini(&t);
}

/* arm64 runs, break-before-make skipped, and the errors. */
static void test_split_options(void **state)
{
	struct ptsim_test_env t;
	int levels[PTSIM_NR_LEVELS], n, l, c;
	struct ptsim_access_result r;
	struct ptsim_translation tr;
	struct ptsim_pgslot ps;
	struct ptsim_test_snap snap;
	uint64_t csize, prot;
	struct big b;
	bool arm64;

	ptsim_test_env_init(&t, (const char *)*state, "phys=4G");
	arm64 = ptsim_arch_kind(t.a) == PTSIM_ARCH_ARM64;
	n = split_levels(t.a, levels);
	assert_true(n >= 1);
	l = levels[n - 1]; /* the PMD, or the level holding the smallest block */
	c = child_of(t.a, l);
	csize = ptsim_arch_level_size(t.a, (enum ptsim_level)c);
	prot = ptsim_pgprot(t.a, RW, 0);
	assert_true(map_big(&t, l, prot, &b));

	/* Errors leave everything as it was. */
	ptsim_test_snap_take(&t, &snap);
	assert_int_equal(ptsim_split_leaf(t.mm, VA, PTSIM_PTE, 0), -EINVAL);
	assert_int_equal(ptsim_split_leaf(t.mm, VA, (enum ptsim_level)l, 0x40), -EINVAL);
	assert_int_equal(ptsim_split_leaf(t.mm, VA + b.size, (enum ptsim_level)l, 0), -ENOENT);
	assert_int_equal(ptsim_collapse_leaf(t.mm, VA, (enum ptsim_level)l, 0), -ENOENT);
	if (!arm64)
		assert_int_equal(ptsim_split_leaf(t.mm, VA, (enum ptsim_level)l, PTSIM_SPLIT_CONT),
				 -EINVAL);
	ptsim_test_snap_assert_same(&t, &snap);
	ptsim_test_snap_free(&snap);

	/* arm64: contiguous runs, checked by the checker's CONT rule. */
	if (arm64 && ptsim_arch_cont_nr(t.a, (enum ptsim_level)c)) {
		assert_int_equal(ptsim_split_leaf(t.mm, VA, (enum ptsim_level)l, PTSIM_SPLIT_CONT),
				 0);
		assert_int_equal(ptsim_translate(t.mm, VA + 7 * csize, &tr), 0);
		assert_true(tr.attrs.cont);
		assert_machine_clean(t.m);
		assert_int_equal(ptsim_collapse_leaf(t.mm, VA, (enum ptsim_level)l, 0), 0);
		assert_int_equal(ptsim_translate(t.mm, VA, &tr), 0);
		assert_false(tr.attrs.cont);
		assert_int_equal(tr.level, l);
	}

	/* Leaves that differ do not collapse: nothing changes. */
	assert_int_equal(ptsim_split_leaf(t.mm, VA, (enum ptsim_level)l, 0), 0);
	assert_int_equal(ptsim_pgslot_lookup(t.mm, VA + csize, (enum ptsim_level)c, 0, &ps), 0);
	{
		ptsim_ent_t e;

		assert_int_equal(ptsim_pgslot_get(t.mm, &ps, &e), 0);
		assert_int_equal(ptsim_pgslot_set(t.mm, &ps,
						  ptsim_ent_wrprotect(t.a, (enum ptsim_level)c, e)),
				 0);
		ptsim_test_snap_take(&t, &snap);
		assert_int_equal(ptsim_collapse_leaf(t.mm, VA, (enum ptsim_level)l, 0), -EINVAL);
		ptsim_test_snap_assert_same(&t, &snap);
		ptsim_test_snap_free(&snap);
		assert_int_equal(ptsim_pgslot_set(t.mm, &ps, e), 0);
	}
	assert_int_equal(ptsim_collapse_leaf(t.mm, VA, (enum ptsim_level)l, 0), 0);
	assert_machine_clean(t.m);

	/* Skipping break-before-make with the huge leaf cached: caught on arm64 only. */
	assert_int_equal(ptsim_access(t.mm, 2, VA + csize, PTSIM_ACCESS_READ, &r), 0);
	assert_int_equal(ptsim_split_leaf(t.mm, VA, (enum ptsim_level)l, PTSIM_SPLIT_NO_BBM), 0);
	if (arm64) {
		struct ptsim_violation v;

		assert_true(ptsim_violations(t.m, &v, 1) >= 1);
		assert_int_equal(v.kind, PTSIM_VIOL_BBM);
		assert_int_equal(v.level, l);
		ptsim_violations_clear(t.m);
	} else {
		assert_u64_eq(mm_nr_violations(t.m), 0);
	}
	assert_machine_clean(t.m);
	unmap_big(&t, &b);
	/* Inside a VMA, THPs have their own split. */
	{
		uint64_t va = mm_map(t.mm, 0, 2 * t.psz, RW, ANP, NULL, 0);

		mm_ok(t.mm, 0, va, W);
		assert_int_equal(ptsim_split_leaf(t.mm, va, PTSIM_PMD, 0), -EBUSY);
	}
	mm_finish(&t);
}

static int op_split(struct ptsim_test_env *t, void *arg)
{
	return ptsim_split_leaf(t->mm, VA, (enum ptsim_level)(intptr_t)arg, 0);
}

/*
 * The affine fast fill is taken only when entry(i) = entry(0) + i * step
 * holds at the last index too: not for an output address that straddles a
 * split field (arm64 64K pages with 52-bit PAs keep PA[51:48] in bits
 * 15:12), nor for a table of one entry.
 */
static void test_split_affine(void **state)
{
	struct ptsim_split sp = {.nr = 512};
	uint64_t step = 0;
	/* 0x0000ffffffff0000 is PA 2^48 - 64K; one page on, bit 48 lands in bit 12. */
	uint64_t below = 0x0000ffffffff0f43ull, above = 0x0000000000001f43ull;

	(void)state;
	assert_true(ptsim__split_affine(&sp, 0x8000000000200867ull, 0x8000000000201867ull,
					0x8000000000200867ull + 511 * 0x1000ull, &step));
	assert_u64_eq(step, 0x1000);
	assert_false(ptsim__split_affine(&sp, below, above, above + 510 * 0x10000ull, &step));
	sp.nr = 1;
	assert_false(ptsim__split_affine(&sp, below, below, below, &step));
}

static void test_split_failure(void **state)
{
	struct ptsim_test_env t;
	int levels[PTSIM_NR_LEVELS], n;
	struct big b;

	ptsim_test_env_init(&t, (const char *)*state, "phys=4G");
	n = split_levels(t.a, levels);
	assert_true(map_big(&t, levels[n - 1], ptsim_pgprot(t.a, RW, 0), &b));
	assert_true(ptsim_test_sweep(&t, op_split, (void *)(intptr_t)levels[n - 1], 16) >= 1);
	assert_int_equal(ptsim_collapse_leaf(t.mm, VA, (enum ptsim_level)levels[n - 1], 0), 0);
	unmap_big(&t, &b);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PTSIM_ARCH_TESTS(test_relevel_laws),   cmocka_unit_test(test_relevel_literals),
		PTSIM_ARCH_TESTS(test_split_collapse), PTSIM_ARCH_TESTS(test_split_options),
		PTSIM_ARCH_TESTS(test_split_failure),  cmocka_unit_test(test_split_affine),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
