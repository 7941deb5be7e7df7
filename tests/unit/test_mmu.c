// SPDX-License-Identifier: MIT
/*
 * test_mmu.c - the emulated MMU (src/tlb/mmu.h): TLB and walk-cache use,
 * translation of base pages, blocks and contiguous runs, the faults the
 * hardware raises, hardware accessed/dirty updates, and stale translations
 * after a missing flush.
 *
 * Tables are built with the public ptsim_map(); entries are then edited in
 * place through ptsim__walk_to() + ptsim__set_entry() (so the discipline
 * checker sees every write), and accesses go straight to
 * ptsim__mmu_access() with the machine's mmu.hw_af / mmu.hw_dbm switches.
 * CPUs 0 and 1 run the address space.  Every test runs on every
 * architecture configuration, tears its mappings down in the
 * clear -> flush -> free order and ends with the machine clean.
 */
#include <errno.h>

#include "api/machine.h"
#include "ptsim_test.h"
#include "tlb/mmu.h"

#define VA 0x40000000ull /* 1 GiB: aligned to every block size used here */

#define R   PTSIM_ACCESS_READ
#define W   PTSIM_ACCESS_WRITE
#define X   PTSIM_ACCESS_EXEC
#define EL0 true  /* user access */
#define EL1 false /* kernel access */

static bool is_x86(const struct ptsim_test_env *t)
{
	return ptsim_arch_kind(t->a) == PTSIM_ARCH_X86_64;
}

static uint64_t lsz(const struct ptsim_test_env *t, enum ptsim_level l)
{
	return ptsim_arch_level_size(t->a, l);
}

static unsigned int order_of(const struct ptsim_test_env *t, uint64_t size)
{
	unsigned int o = 0;

	while ((t->psz << o) < size)
		o++;
	return o;
}

static uint64_t pgprot(const struct ptsim_test_env *t, unsigned int prot, unsigned int flags)
{
	return ptsim_pgprot(t->a, prot, flags);
}

static void env(struct ptsim_test_env *t, void **state, const char *opts)
{
	ptsim_test_env_init(t, *state, opts);
	assert_int_equal(ptsim_switch_mm(t->mm, 0), 0);
	assert_int_equal(ptsim_switch_mm(t->mm, 1), 0);
}

static struct ptsim_mmu_result access_ok_rc(struct ptsim_test_env *t, unsigned int cpu, uint64_t va,
					    unsigned int access, bool user)
{
	struct ptsim_mmu_config mc = {.hw_af = t->m->cfg.mmu_hw_af, .hw_dbm = t->m->cfg.mmu_hw_dbm};
	struct ptsim_mmu_result r;

	assert_int_equal(ptsim__mmu_access(&t->m->tlbs, &t->mm->pt, &mc, cpu, va, access, user, &r),
			 0);
	return r;
}

/* One access that must succeed; returns the result. */
static struct ptsim_mmu_result ok(struct ptsim_test_env *t, unsigned int cpu, uint64_t va,
				  unsigned int access, bool user)
{
	struct ptsim_mmu_result r = access_ok_rc(t, cpu, va, access, user);

	if (r.fault != PTSIM_MMU_OK)
		fail_msg("access 0x%llx (%u, %s) faulted: kind %d at level %d, entry 0x%016llx",
			 (unsigned long long)va, access, user ? "user" : "kernel", (int)r.fault,
			 r.level, (unsigned long long)r.entry);
	return r;
}

/* One access that must fault with @kind; returns the result. */
static struct ptsim_mmu_result bad(struct ptsim_test_env *t, unsigned int cpu, uint64_t va,
				   unsigned int access, bool user, enum ptsim_mmu_fault_kind kind)
{
	struct ptsim_mmu_result r = access_ok_rc(t, cpu, va, access, user);

	if (r.fault != kind)
		fail_msg("access 0x%llx (%u, %s): fault %d, expected %d", (unsigned long long)va,
			 access, user ? "user" : "kernel", (int)r.fault, (int)kind);
	return r;
}

static struct ptsim_slot slot_at(struct ptsim_test_env *t, uint64_t va, enum ptsim_level lvl)
{
	struct ptsim_slot s;

	assert_int_equal(ptsim__walk_to(&t->mm->pt, va, lvl, &s), 0);
	assert_int_equal(s.lvl, lvl);
	return s;
}

static uint64_t entry_at(struct ptsim_test_env *t, uint64_t va, enum ptsim_level lvl)
{
	return *slot_at(t, va, lvl).p;
}

static void set_at(struct ptsim_test_env *t, uint64_t va, enum ptsim_level lvl, uint64_t val)
{
	struct ptsim_slot s = slot_at(t, va, lvl);

	ptsim__set_entry(&t->mm->pt, &s, val);
}

/* Slots a walk from the root reads to reach a leaf of level @lvl (folded levels share one). */
static unsigned int slots_to(const struct ptsim_test_env *t, enum ptsim_level lvl)
{
	unsigned int n = 0;

	for (int l = PTSIM_PGD; l <= (int)lvl; l++)
		if (!ptsim_arch_level_folded(t->a, (enum ptsim_level)l))
			n++;
	return n;
}

static struct ptsim_tlb_stats stats(struct ptsim_test_env *t, unsigned int cpu)
{
	struct ptsim_tlb_stats s;

	assert_int_equal(ptsim_tlb_stats(t->m, cpu, &s), 0);
	return s;
}

static bool cached(struct ptsim_test_env *t, unsigned int cpu, enum ptsim_level lvl, uint64_t va)
{
	return ptsim__tlb_probe(&t->m->tlbs, cpu, t->mm->tlb.asid, lvl, va, NULL);
}

static long nr_violations(struct ptsim_test_env *t)
{
	return ptsim_violations(t->m, NULL, 0);
}

static uint64_t map_pages(struct ptsim_test_env *t, uint64_t va, unsigned int order, uint64_t prot,
			  unsigned int flags)
{
	uint64_t f;

	assert_int_equal(ptsim_alloc_pages(t->m, order, &f), 0);
	assert_int_equal(ptsim_map(t->mm, va, t->psz << order, f, t->psz, prot, flags), 0);
	return f;
}

/* Clear [va, va + len), flush (global entries too), free the tables left empty. */
static void unmap(struct ptsim_test_env *t, uint64_t va, uint64_t len)
{
	assert_true(ptsim_unmap(t->mm, va, len, 0) >= 0);
	assert_int_equal(ptsim_flush_tlb_range(t->mm, va, va + len, PTSIM_PTE), 0);
	assert_int_equal(ptsim_unmap(t->mm, va, len, PTSIM_UNMAP_FREE_TABLES), 0);
}

static void done(struct ptsim_test_env *t)
{
	struct ptsim_mem_stats ms;

	assert_int_equal(nr_violations(t), 0);
	assert_machine_clean(t->m);
	ptsim_mem_stats(t->m, &ms);
	assert_u64_eq(ms.free_pages, t->free0);
	ptsim_test_env_fini(t);
}

/* --- translation and the caches ------------------------------------------------ */

static void test_miss_then_hit(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_mmu_result r;
	struct ptsim_tlb_stats s;
	struct ptsim_walk_hit wh;
	uint64_t f, g;

	env(&t, state, NULL);
	f = map_pages(&t, VA, 0, pgprot(&t, PTSIM_PROT_READ | PTSIM_PROT_WRITE, 0), 0);

	/* A miss walks every level and fills the TLB... */
	r = ok(&t, 0, VA + 0x123, R, EL0);
	assert_false(r.tlb_hit);
	assert_int_equal(r.walk_levels, ptsim_arch_nr_levels(t.a));
	assert_int_equal(r.level, PTSIM_PTE);
	assert_u64_eq(r.pa, f * t.psz + 0x123);
	assert_u64_eq(r.entry, entry_at(&t, VA, PTSIM_PTE));
	assert_true(cached(&t, 0, PTSIM_PTE, VA));
	assert_false(cached(&t, 1, PTSIM_PTE, VA));
	/* ... and the walk cache with the entry pointing to the PTE table. */
	assert_true(ptsim__walk_cache_probe(&t.m->tlbs, 0, t.mm->tlb.asid, PTSIM_PMD, VA, &wh));
	assert_u64_eq(wh.table_pfn, slot_at(&t, VA, PTSIM_PTE).table_pfn);

	/* A hit reads nothing. */
	r = ok(&t, 0, VA + t.psz - 1, R, EL0);
	assert_true(r.tlb_hit);
	assert_int_equal(r.walk_levels, 0);
	assert_int_equal(r.level, PTSIM_PTE);
	assert_u64_eq(r.pa, f * t.psz + t.psz - 1);
	s = stats(&t, 0);
	assert_u64_eq(s.lookup_misses, 1);
	assert_u64_eq(s.misses[PTSIM_PTE], 1);
	assert_u64_eq(s.hits[PTSIM_PTE], 1);
	assert_u64_eq(s.walk_misses, 1);

	/* Another page under the same PMD: resumed from the walk cache, one slot read. */
	g = map_pages(&t, VA + t.psz, 0, pgprot(&t, PTSIM_PROT_READ, 0), 0);
	r = ok(&t, 0, VA + t.psz + 8, R, EL0);
	assert_false(r.tlb_hit);
	assert_int_equal(r.walk_levels, 1);
	assert_u64_eq(r.pa, g * t.psz + 8);
	s = stats(&t, 0);
	assert_u64_eq(s.walk_hits[PTSIM_PMD], 1);
	assert_u64_eq(s.walk_misses, 1);
	assert_u64_eq(s.misses[PTSIM_PTE], 2);

	/* Another CPU has its own caches. */
	r = ok(&t, 1, VA + t.psz, R, EL0);
	assert_false(r.tlb_hit);
	assert_int_equal(r.walk_levels, ptsim_arch_nr_levels(t.a));
	assert_u64_eq(r.pa, g * t.psz);

	unmap(&t, VA, 2 * t.psz);
	assert_int_equal(ptsim_free_pages(t.m, f, 0), 0);
	assert_int_equal(ptsim_free_pages(t.m, g, 0), 0);
	done(&t);
}

/* PMD and PUD blocks: one TLB entry of the block's size, pa anywhere inside. */
static void test_blocks(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_mmu_result r;

	env(&t, state, NULL);
	for (int l = PTSIM_PMD; l >= PTSIM_PUD; l--) {
		enum ptsim_level lvl = (enum ptsim_level)l;
		uint64_t size = lsz(&t, lvl), f, off = 5 * t.psz + 7;

		if (!ptsim_arch_leaf_ok(t.a, lvl) || (l == PTSIM_PUD && size == lsz(&t, PTSIM_PMD)))
			continue;
		assert_int_equal(ptsim_folio_alloc(t.m, order_of(&t, size), &f), 0);
		assert_int_equal(ptsim_map(t.mm, VA, size, f, size,
					   pgprot(&t, PTSIM_PROT_READ | PTSIM_PROT_WRITE, 0), 0),
				 0);
		r = ok(&t, 0, VA + off, R, EL0);
		assert_false(r.tlb_hit);
		assert_int_equal(r.level, lvl);
		assert_int_equal(r.walk_levels, slots_to(&t, lvl));
		assert_u64_eq(r.pa, f * t.psz + off);
		assert_true(cached(&t, 0, lvl, VA));
		/* The last byte of the block: the same entry. */
		r = ok(&t, 0, VA + size - 1, R, EL0);
		assert_true(r.tlb_hit);
		assert_int_equal(r.level, lvl);
		assert_u64_eq(r.pa, f * t.psz + size - 1);
		assert_u64_eq(stats(&t, 0).hits[lvl], 1);
		unmap(&t, VA, size);
		assert_int_equal(ptsim_folio_put(t.m, f), 0);
		assert_machine_clean(t.m);
	}
	done(&t);
}

/* arm64 contiguous runs of PTEs: every page translates to its own frame. */
static void test_cont_run(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_mmu_result r;
	unsigned int n;
	uint64_t run, f;

	env(&t, state, NULL);
	n = ptsim_arch_cont_nr(t.a, PTSIM_PTE);
	if (!n) {
		ptsim_test_env_fini(&t);
		skip();
	}
	run = n * t.psz;
	f = map_pages(&t, VA, order_of(&t, 2 * run),
		      pgprot(&t, PTSIM_PROT_READ | PTSIM_PROT_WRITE, 0), PTSIM_MAP_CONT);
	/* First, second and last page of each run. */
	for (unsigned int k = 0; k < 6; k++) {
		unsigned int i = (k / 3) * n + (k % 3 == 2 ? n - 1 : k % 3);

		r = ok(&t, 0, VA + i * t.psz + 0x10, R, EL0);
		assert_false(r.tlb_hit);
		assert_true(ptsim_ent_cont(t.a, PTSIM_PTE, r.entry));
		assert_u64_eq(r.pa, (f + i) * t.psz + 0x10);
		r = ok(&t, 0, VA + i * t.psz + 0x20, R, EL0);
		assert_true(r.tlb_hit);
		assert_u64_eq(r.pa, (f + i) * t.psz + 0x20);
	}
	unmap(&t, VA, 2 * run);
	assert_int_equal(ptsim_free_pages(t.m, f, order_of(&t, 2 * run)), 0);
	done(&t);
}

/* --- faults ------------------------------------------------------------------------ */

static void expect_hole(struct ptsim_test_env *t, uint64_t va)
{
	struct ptsim_translation tr;
	struct ptsim_mmu_result r = bad(t, 0, va, R, EL0, PTSIM_MMU_NOT_PRESENT);

	assert_int_equal(ptsim_translate(t->mm, va, &tr), -ENOENT);
	assert_int_equal((int)tr.level, r.level);
	assert_u64_eq(r.entry, 0);
	assert_false(r.tlb_hit);
}

static void test_not_present(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_mmu_result r;
	uint64_t f, pmd, swp;

	env(&t, state, NULL);
	/* An empty address space: the hole is in the top table. */
	expect_hole(&t, VA);
	r = bad(&t, 0, VA, W, EL0, PTSIM_MMU_NOT_PRESENT);
	assert_int_equal(r.walk_levels, 1);

	f = map_pages(&t, VA, 0, pgprot(&t, PTSIM_PROT_READ | PTSIM_PROT_WRITE, 0), 0);
	pmd = lsz(&t, PTSIM_PMD);
	/* A hole in the PTE table, and one a PMD further. */
	expect_hole(&t, VA + t.psz);
	r = bad(&t, 0, VA + t.psz, R, EL0, PTSIM_MMU_NOT_PRESENT);
	assert_int_equal(r.level, PTSIM_PTE);
	expect_hole(&t, VA + pmd);
	r = bad(&t, 0, VA + pmd, R, EL1, PTSIM_MMU_NOT_PRESENT);
	assert_int_equal(r.level, PTSIM_PMD);
	assert_false(cached(&t, 0, PTSIM_PTE, VA + t.psz));

	/* A swap entry. */
	swp = ptsim_mk_swp(t.a, PTSIM_PTE, 1, 0x1234, 0);
	set_at(&t, VA, PTSIM_PTE, swp);
	r = bad(&t, 0, VA + 5, R, EL0, PTSIM_MMU_NOT_PRESENT);
	assert_int_equal(r.level, PTSIM_PTE);
	assert_u64_eq(r.entry, swp);
	assert_false(cached(&t, 0, PTSIM_PTE, VA));

	/* PROT_NONE: present to Linux, invalid to the MMU. */
	set_at(&t, VA, PTSIM_PTE, ptsim_mk_leaf(t.a, PTSIM_PTE, f, pgprot(&t, PTSIM_PROT_NONE, 0)));
	assert_true(ptsim_ent_present(t.a, PTSIM_PTE, entry_at(&t, VA, PTSIM_PTE)));
	r = bad(&t, 0, VA, R, EL1, PTSIM_MMU_NOT_PRESENT);
	assert_int_equal(r.level, PTSIM_PTE);
	assert_u64_eq(r.entry, entry_at(&t, VA, PTSIM_PTE));
	assert_false(cached(&t, 0, PTSIM_PTE, VA));

	unmap(&t, VA, t.psz);
	assert_int_equal(ptsim_free_pages(t.m, f, 0), 0);
	done(&t);
}

static void test_perm_faults(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_mmu_result r;
	uint64_t ro, rw, rx, xo, kw, kx;

	env(&t, state, NULL);
	ro = map_pages(&t, VA, 0, pgprot(&t, PTSIM_PROT_READ, 0), 0);
	rw = map_pages(&t, VA + t.psz, 0, pgprot(&t, PTSIM_PROT_READ | PTSIM_PROT_WRITE, 0), 0);
	rx = map_pages(&t, VA + 2 * t.psz, 0, pgprot(&t, PTSIM_PROT_READ | PTSIM_PROT_EXEC, 0), 0);
	xo = map_pages(&t, VA + 3 * t.psz, 0, pgprot(&t, PTSIM_PROT_EXEC, 0), 0);
	kw = map_pages(&t, VA + 4 * t.psz, 0,
		       pgprot(&t, PTSIM_PROT_READ | PTSIM_PROT_WRITE, PTSIM_PGPROT_KERNEL), 0);
	kx = map_pages(&t, VA + 5 * t.psz, 0,
		       pgprot(&t, PTSIM_PROT_READ | PTSIM_PROT_EXEC, PTSIM_PGPROT_KERNEL), 0);

	/* User write to read-only: from the walk, then from the TLB. */
	r = bad(&t, 0, VA, W, EL0, PTSIM_MMU_PERM);
	assert_false(r.tlb_hit);
	assert_int_equal(r.level, PTSIM_PTE);
	assert_u64_eq(r.entry, entry_at(&t, VA, PTSIM_PTE));
	assert_false(cached(&t, 0, PTSIM_PTE, VA));
	ok(&t, 0, VA, R, EL0);
	r = bad(&t, 0, VA, W, EL0, PTSIM_MMU_PERM);
	assert_true(r.tlb_hit);
	/* x86: the fault dropped the entry; arm64 keeps it. */
	assert_int_equal(cached(&t, 0, PTSIM_PTE, VA), !is_x86(&t));
	bad(&t, 0, VA, W, EL1, PTSIM_MMU_PERM); /* CR0.WP / AP[2] bind the kernel too */
	bad(&t, 0, VA, X, EL0, PTSIM_MMU_PERM); /* not executable */

	/* No exec on a data page; exec on an exec page. */
	bad(&t, 0, VA + t.psz, X, EL0, PTSIM_MMU_PERM);
	ok(&t, 0, VA + t.psz, R | W, EL0);
	bad(&t, 0, VA + t.psz, R | X, EL0, PTSIM_MMU_PERM);
	r = ok(&t, 0, VA + 2 * t.psz, R | X, EL0);
	assert_u64_eq(r.pa, rx * t.psz);
	bad(&t, 0, VA + 2 * t.psz, W, EL0, PTSIM_MMU_PERM);
	/* Execute-only: arm64 EL0 may run it and not read it (AP[1] clear); x86 reads it. */
	ok(&t, 0, VA + 3 * t.psz, X, EL0);
	r = access_ok_rc(&t, 0, VA + 3 * t.psz, R, EL0);
	assert_int_equal(r.fault, is_x86(&t) ? PTSIM_MMU_OK : PTSIM_MMU_PERM);

	/* Kernel mappings: no user access of any kind. */
	bad(&t, 0, VA + 4 * t.psz, R, EL0, PTSIM_MMU_PERM);
	bad(&t, 0, VA + 4 * t.psz, W, EL0, PTSIM_MMU_PERM);
	bad(&t, 0, VA + 5 * t.psz, X, EL0, PTSIM_MMU_PERM);
	r = ok(&t, 0, VA + 4 * t.psz + 3, R | W, EL1);
	assert_u64_eq(r.pa, kw * t.psz + 3);
	bad(&t, 0, VA + 4 * t.psz, X, EL1, PTSIM_MMU_PERM);
	ok(&t, 0, VA + 5 * t.psz, R, EL1);
	bad(&t, 0, VA + 5 * t.psz, W, EL1, PTSIM_MMU_PERM);
	/*
	 * Kernel text under user tables: x86 runs it; arm64 user tables carry
	 * PXNTable, so EL1 may not execute anything below them - from the
	 * walk and from the TLB entry the read above left.
	 */
	r = access_ok_rc(&t, 0, VA + 5 * t.psz, X, EL1);
	assert_int_equal(r.fault, is_x86(&t) ? PTSIM_MMU_OK : PTSIM_MMU_PERM);
	assert_int_equal(r.tlb_hit, !is_x86(&t)); /* x86 dropped it on the write fault */
	r = access_ok_rc(&t, 1, VA + 5 * t.psz, X, EL1);
	assert_int_equal(r.fault, is_x86(&t) ? PTSIM_MMU_OK : PTSIM_MMU_PERM);
	assert_false(r.tlb_hit);

	unmap(&t, VA, 6 * t.psz);
	assert_int_equal(ptsim_free_pages(t.m, ro, 0), 0);
	assert_int_equal(ptsim_free_pages(t.m, rw, 0), 0);
	assert_int_equal(ptsim_free_pages(t.m, rx, 0), 0);
	assert_int_equal(ptsim_free_pages(t.m, xo, 0), 0);
	assert_int_equal(ptsim_free_pages(t.m, kw, 0), 0);
	assert_int_equal(ptsim_free_pages(t.m, kx, 0), 0);
	done(&t);
}

static void test_bad_args(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_mmu_config mc = {true, true};
	struct ptsim_mmu_result r;
	struct ptsim_tlbs *tl;

	env(&t, state, NULL);
	tl = &t.m->tlbs;
	assert_int_equal(ptsim__mmu_access(tl, &t.mm->pt, &mc, 4, VA, R, EL0, &r), -EINVAL);
	assert_int_equal(ptsim__mmu_access(tl, &t.mm->pt, &mc, 0, VA, 0, EL0, &r), -EINVAL);
	assert_int_equal(ptsim__mmu_access(tl, &t.mm->pt, &mc, 0, VA, 0x8, EL0, &r), -EINVAL);
	/* Bit 62 set, bit 63 clear: non-canonical on x86, beyond TTBR0's range on arm64. */
	r = bad(&t, 0, 1ull << 62, R, EL0, PTSIM_MMU_NONCANONICAL);
	assert_int_equal(r.walk_levels, 0);
	r = bad(&t, 0, 1ull << ptsim_arch_va_bits(t.a), W, EL1, PTSIM_MMU_NONCANONICAL);
	assert_u64_eq(stats(&t, 0).lookup_misses, 0);
	done(&t);
}

/* --- hardware accessed / dirty ------------------------------------------------------ */

/* x86: A in every paging-structure entry used and in the leaf; D on a write. */
static void test_x86_accessed_dirty(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_mmu_result r;
	uint64_t *tables[PTSIM_NR_LEVELS], tval[PTSIM_NR_LEVELS];
	unsigned int nt = 0;
	uint64_t f, leaf;

	env(&t, state, NULL);
	if (!is_x86(&t)) {
		ptsim_test_env_fini(&t);
		skip();
	}
	f = map_pages(&t, VA, 0, pgprot(&t, PTSIM_PROT_READ | PTSIM_PROT_WRITE, 0), 0);
	leaf = entry_at(&t, VA, PTSIM_PTE);
	assert_u64_eq(leaf, (f << 12) | 0x8000000000000027ull);
	/* Make every entry on the path old. */
	for (int l = PTSIM_PGD; l < PTSIM_PTE; l++) {
		struct ptsim_slot s = slot_at(&t, VA, (enum ptsim_level)l);

		if (nt && tables[nt - 1] == s.p)
			continue; /* a folded level: the same slot */
		tables[nt] = s.p;
		tval[nt] = *s.p;
		assert_u64_eq(tval[nt] & 0xfff, 0x067);
		ptsim__set_entry(&t.mm->pt, &s, ptsim_ent_mkold(t.a, (enum ptsim_level)l, *s.p));
		assert_u64_eq(*tables[nt] & 0xfff, 0x047);
		nt++;
	}
	assert_int_equal(nt, ptsim_arch_nr_levels(t.a) - 1);
	set_at(&t, VA, PTSIM_PTE, ptsim_ent_mkold(t.a, PTSIM_PTE, leaf));
	assert_u64_eq(entry_at(&t, VA, PTSIM_PTE), (f << 12) | 0x8000000000000007ull);

	/* A read: A everywhere, D nowhere. */
	r = ok(&t, 0, VA, R, EL0);
	for (unsigned int i = 0; i < nt; i++)
		assert_u64_eq(*tables[i], tval[i]);
	assert_u64_eq(entry_at(&t, VA, PTSIM_PTE), (f << 12) | 0x8000000000000027ull);
	assert_u64_eq(r.entry, (f << 12) | 0x8000000000000027ull);

	/* A write through the clean TLB entry walks again (from the walk cache) to set D. */
	r = ok(&t, 0, VA + 4, W, EL0);
	assert_false(r.tlb_hit);
	assert_int_equal(r.walk_levels, 1);
	assert_u64_eq(entry_at(&t, VA, PTSIM_PTE), (f << 12) | 0x8000000000000067ull);
	assert_u64_eq(r.entry, (f << 12) | 0x8000000000000067ull);
	assert_true(ptsim_ent_dirty(t.a, PTSIM_PTE, r.entry));
	assert_false(ptsim_ent_soft_dirty(t.a, PTSIM_PTE, r.entry)); /* hardware sets D only */
	r = ok(&t, 0, VA + 8, W, EL0);
	assert_true(r.tlb_hit);
	assert_u64_eq(r.pa, f * t.psz + 8);

	/* A write on a CPU that never saw the page: A and D in one walk. */
	set_at(&t, VA, PTSIM_PTE, (f << 12) | 0x8000000000000007ull);
	r = ok(&t, 1, VA, W, EL0);
	assert_false(r.tlb_hit);
	assert_u64_eq(entry_at(&t, VA, PTSIM_PTE), (f << 12) | 0x8000000000000067ull);

	/* A faulting walk leaves the leaf alone. */
	set_at(&t, VA, PTSIM_PTE, (f << 12) | 0x8000000000000005ull); /* read-only, old */
	assert_int_equal(ptsim_flush_tlb_page(t.mm, VA), 0);
	bad(&t, 0, VA, W, EL0, PTSIM_MMU_PERM);
	assert_u64_eq(entry_at(&t, VA, PTSIM_PTE), (f << 12) | 0x8000000000000005ull);

	unmap(&t, VA, t.psz);
	assert_int_equal(ptsim_free_pages(t.m, f, 0), 0);
	done(&t);
}

/* x86 PMD block: A and D in the block entry (PSE, PAT in bit 12 untouched). */
static void test_x86_block_dirty(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_mmu_result r;
	uint64_t f, pmd, e;

	env(&t, state, NULL);
	if (!is_x86(&t)) {
		ptsim_test_env_fini(&t);
		skip();
	}
	pmd = lsz(&t, PTSIM_PMD);
	assert_int_equal(ptsim_folio_alloc(t.m, order_of(&t, pmd), &f), 0);
	assert_int_equal(ptsim_map(t.mm, VA, pmd, f, pmd,
				   pgprot(&t, PTSIM_PROT_READ | PTSIM_PROT_WRITE, 0), 0),
			 0);
	e = entry_at(&t, VA, PTSIM_PMD);
	assert_u64_eq(e, (f << 12) | 0x80000000000000a7ull);
	set_at(&t, VA, PTSIM_PMD, ptsim_ent_mkold(t.a, PTSIM_PMD, e));
	r = ok(&t, 0, VA + pmd - 1, W, EL0);
	assert_int_equal(r.level, PTSIM_PMD);
	assert_u64_eq(r.pa, f * t.psz + pmd - 1);
	assert_u64_eq(entry_at(&t, VA, PTSIM_PMD), (f << 12) | 0x80000000000000e7ull);
	unmap(&t, VA, pmd);
	assert_int_equal(ptsim_folio_put(t.m, f), 0);
	done(&t);
}

static void arm64_af(void **state, bool hw_af)
{
	struct ptsim_test_env t;
	struct ptsim_mmu_result r;
	uint64_t f, young, old;

	env(&t, state, hw_af ? NULL : "mmu.hw_af=0");
	if (is_x86(&t)) {
		ptsim_test_env_fini(&t);
		skip();
	}
	f = map_pages(&t, VA, 0, pgprot(&t, PTSIM_PROT_READ | PTSIM_PROT_WRITE, 0), 0);
	young = entry_at(&t, VA, PTSIM_PTE);
	old = ptsim_ent_mkold(t.a, PTSIM_PTE, young);
	assert_u64_eq(young ^ old, 1ull << 10); /* AF */
	set_at(&t, VA, PTSIM_PTE, old);
	if (hw_af) {
		r = ok(&t, 0, VA, R, EL0);
		assert_u64_eq(r.entry, young);
		assert_u64_eq(entry_at(&t, VA, PTSIM_PTE), young);
		assert_true(cached(&t, 0, PTSIM_PTE, VA));
	} else {
		r = bad(&t, 0, VA, R, EL0, PTSIM_MMU_ACCESS_FLAG);
		assert_int_equal(r.level, PTSIM_PTE);
		assert_u64_eq(r.entry, old);
		assert_u64_eq(entry_at(&t, VA, PTSIM_PTE), old);
		assert_false(cached(&t, 0, PTSIM_PTE, VA)); /* never cached */
		/* Access flag before permission: exec of a data page faults on AF first. */
		r = bad(&t, 0, VA, X, EL0, PTSIM_MMU_ACCESS_FLAG);
		assert_false(r.tlb_hit);
		/* The fault handler's pte_mkyoung(). */
		set_at(&t, VA, PTSIM_PTE, young);
		r = ok(&t, 0, VA, R, EL0);
		assert_false(r.tlb_hit);
		assert_u64_eq(r.entry, young);
	}
	unmap(&t, VA, t.psz);
	assert_int_equal(ptsim_free_pages(t.m, f, 0), 0);
	done(&t);
}

static void test_arm64_hw_af(void **state)
{
	arm64_af(state, true);
}

static void test_arm64_no_hw_af(void **state)
{
	arm64_af(state, false);
}

static void arm64_dbm(void **state, bool hw_dbm)
{
	struct ptsim_test_env t;
	struct ptsim_mmu_result r;
	uint64_t f, clean, ro;

	env(&t, state, hw_dbm ? NULL : "mmu.hw_dbm=0");
	if (is_x86(&t)) {
		ptsim_test_env_fini(&t);
		skip();
	}
	f = map_pages(&t, VA, 1, pgprot(&t, PTSIM_PROT_READ | PTSIM_PROT_WRITE, 0), 0);
	clean = entry_at(&t, VA, PTSIM_PTE);
	assert_false(ptsim_ent_dirty(t.a, PTSIM_PTE, clean));
	assert_true(ptsim_ent_write(t.a, PTSIM_PTE, clean));
	/* A read caches the clean (AP[2] set) entry. */
	ok(&t, 0, VA, R, EL0);
	if (hw_dbm) {
		/* The write through it walks again and clears AP[2]: hardware dirty. */
		r = ok(&t, 0, VA + 4, W, EL0);
		assert_false(r.tlb_hit);
		assert_int_equal(r.walk_levels, 1);
		assert_u64_eq(r.entry, clean & ~(1ull << 7));
		assert_u64_eq(entry_at(&t, VA, PTSIM_PTE), clean & ~(1ull << 7));
		assert_true(ptsim_ent_dirty(t.a, PTSIM_PTE, r.entry));
		r = ok(&t, 0, VA + 8, W, EL0);
		assert_true(r.tlb_hit);
		assert_u64_eq(r.pa, f * t.psz + 8);
		/* A write miss on a clean page: straight to dirty. */
		assert_false(ptsim_ent_dirty(t.a, PTSIM_PTE, entry_at(&t, VA + t.psz, PTSIM_PTE)));
		ok(&t, 1, VA + t.psz, W, EL1);
		assert_true(ptsim_ent_dirty(t.a, PTSIM_PTE, entry_at(&t, VA + t.psz, PTSIM_PTE)));
	} else {
		r = bad(&t, 0, VA, W, EL0, PTSIM_MMU_PERM);
		assert_true(r.tlb_hit);
		r = bad(&t, 1, VA + t.psz, W, EL0, PTSIM_MMU_PERM);
		assert_false(r.tlb_hit);
		assert_u64_eq(entry_at(&t, VA, PTSIM_PTE), clean);
	}
	/* No DBM (PTE_WRITE clear): a permission fault either way. */
	ro = ptsim_ent_wrprotect(t.a, PTSIM_PTE, entry_at(&t, VA + t.psz, PTSIM_PTE));
	set_at(&t, VA + t.psz, PTSIM_PTE, ro);
	assert_int_equal(ptsim_flush_tlb_page(t.mm, VA + t.psz), 0);
	r = bad(&t, 0, VA + t.psz, W, EL0, PTSIM_MMU_PERM);
	assert_u64_eq(r.entry, ro);
	assert_u64_eq(entry_at(&t, VA + t.psz, PTSIM_PTE), ro);

	unmap(&t, VA, 2 * t.psz);
	assert_int_equal(ptsim_free_pages(t.m, f, 1), 0);
	done(&t);
}

static void test_arm64_hw_dbm(void **state)
{
	arm64_dbm(state, true);
}

static void test_arm64_no_hw_dbm(void **state)
{
	arm64_dbm(state, false);
}

/* --- stale translations --------------------------------------------------------------- */

static void test_stale_tlb(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_violation v[4];
	struct ptsim_mmu_result r;
	uint64_t prot, f, g, h;

	env(&t, state, NULL);
	prot = pgprot(&t, PTSIM_PROT_READ | PTSIM_PROT_WRITE, 0);
	f = map_pages(&t, VA, 0, prot, 0);
	assert_int_equal(ptsim_alloc_pages(t.m, 0, &g), 0);
	assert_int_equal(ptsim_alloc_pages(t.m, 0, &h), 0);
	assert_u64_eq(ok(&t, 0, VA, R, EL0).pa, f * t.psz);

	/* Point the PTE at g without flushing (the break is not flushed: BBM on arm64). */
	set_at(&t, VA, PTSIM_PTE, 0);
	set_at(&t, VA, PTSIM_PTE, ptsim_mk_leaf(t.a, PTSIM_PTE, g, prot));
	assert_int_equal(nr_violations(&t), is_x86(&t) ? 0 : 1);
	if (!is_x86(&t)) {
		assert_int_equal(ptsim_violations(t.m, v, 4), 1);
		assert_int_equal(v[0].kind, PTSIM_VIOL_BBM);
		assert_int_equal(v[0].cpu, 0);
		assert_u64_eq(v[0].pfn, g);
		ptsim_violations_clear(t.m);
	}
	/* CPU 0 still uses f, reads and writes; CPU 1 walks and sees g. */
	r = ok(&t, 0, VA + 1, R, EL0);
	assert_true(r.tlb_hit);
	assert_u64_eq(r.pa, f * t.psz + 1);
	assert_u64_eq(ok(&t, 1, VA + 2, R, EL0).pa, g * t.psz + 2);
	/* After the flush CPU 0 sees g too. */
	assert_int_equal(ptsim_flush_tlb_page(t.mm, VA), 0);
	r = ok(&t, 0, VA + 3, R, EL0);
	assert_false(r.tlb_hit);
	assert_u64_eq(r.pa, g * t.psz + 3);
	assert_u64_eq(ok(&t, 1, VA + 4, R, EL0).pa, g * t.psz + 4);

	/* Again to h, unflushed: freeing g while both CPUs cache it is caught. */
	set_at(&t, VA, PTSIM_PTE, 0);
	set_at(&t, VA, PTSIM_PTE, ptsim_mk_leaf(t.a, PTSIM_PTE, h, prot));
	ptsim_violations_clear(t.m);
	assert_u64_eq(ok(&t, 0, VA, R, EL0).pa, g * t.psz);
	assert_int_equal(ptsim_free_pages(t.m, g, 0), 0);
	assert_int_equal(ptsim_violations(t.m, v, 4), 2);
	for (unsigned int i = 0; i < 2; i++) {
		assert_int_equal(v[i].kind, PTSIM_VIOL_FREE_LIVE_TLB);
		assert_int_equal(v[i].level, PTSIM_PTE);
		assert_int_equal(v[i].cpu, i);
		assert_u64_eq(v[i].pfn, g);
		assert_u64_eq(v[i].addr, VA);
		assert_u64_eq(v[i].asid, t.mm->tlb.asid);
	}
	ptsim_violations_clear(t.m);
	assert_int_equal(ptsim_flush_tlb_page(t.mm, VA), 0);
	assert_u64_eq(ok(&t, 0, VA, R, EL0).pa, h * t.psz);
	assert_u64_eq(ok(&t, 1, VA, R, EL0).pa, h * t.psz);

	unmap(&t, VA, t.psz);
	assert_int_equal(ptsim_free_pages(t.m, f, 0), 0);
	assert_int_equal(ptsim_free_pages(t.m, h, 0), 0);
	done(&t);
}

/*
 * A permission upgrade without a flush: the stale read-only entry faults.
 * x86 drops it with the fault, so the retry walks and succeeds; arm64 keeps
 * it until a flush (what __ptep_set_access_flags() does).
 */
static void test_spurious_perm(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_mmu_result r;
	uint64_t f, rw;

	env(&t, state, "mmu.hw_dbm=0");
	f = map_pages(&t, VA, 0, pgprot(&t, PTSIM_PROT_READ, 0), 0);
	ok(&t, 0, VA, R, EL0);
	rw = ptsim_mk_leaf(t.a, PTSIM_PTE, f, pgprot(&t, PTSIM_PROT_READ | PTSIM_PROT_WRITE, 0));
	set_at(&t, VA, PTSIM_PTE, ptsim_ent_mkdirty(t.a, PTSIM_PTE, rw));
	assert_int_equal(nr_violations(&t), 0); /* a permission change needs no BBM */
	r = bad(&t, 0, VA, W, EL0, PTSIM_MMU_PERM);
	assert_true(r.tlb_hit);
	if (!is_x86(&t)) {
		bad(&t, 0, VA, W, EL0, PTSIM_MMU_PERM);
		assert_int_equal(ptsim_flush_tlb_page(t.mm, VA), 0);
	}
	r = ok(&t, 0, VA + 6, W, EL0);
	assert_false(r.tlb_hit);
	assert_u64_eq(r.pa, f * t.psz + 6);
	/* x86: the fault also dropped the walk-cache entries for the address. */
	assert_int_equal(r.walk_levels, is_x86(&t) ? ptsim_arch_nr_levels(t.a) : 1);
	assert_true(ok(&t, 0, VA, W, EL0).tlb_hit);

	unmap(&t, VA, t.psz);
	assert_int_equal(ptsim_free_pages(t.m, f, 0), 0);
	done(&t);
}

/* A walk cache left pointing at a freed table: the free is caught, the walk refused. */
static void test_freed_table_walk(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_violation v;
	struct ptsim_mmu_config mc = {true, true};
	struct ptsim_mmu_result r;
	uint64_t f;

	env(&t, state, NULL);
	f = map_pages(&t, VA, 0, pgprot(&t, PTSIM_PROT_READ | PTSIM_PROT_WRITE, 0), 0);
	ok(&t, 0, VA, R, EL0);
	assert_int_equal(ptsim_unmap(t.mm, VA, t.psz, PTSIM_UNMAP_FREE_TABLES), 1);
	assert_true(ptsim_violations(t.m, &v, 1) >= 1);
	assert_int_equal(v.kind, PTSIM_VIOL_FREE_LIVE_WALK);
	assert_int_equal(ptsim__mmu_access(&t.m->tlbs, &t.mm->pt, &mc, 0, VA + t.psz, R, EL0, &r),
			 -EFAULT);
	/* The TLB entry still translates VA (to a frame not yet freed). */
	r = ok(&t, 0, VA, R, EL0);
	assert_true(r.tlb_hit);
	assert_u64_eq(r.pa, f * t.psz);
	assert_int_equal(ptsim_flush_tlb_mm(t.mm), 0);
	ptsim_violations_clear(t.m);
	bad(&t, 0, VA, R, EL0, PTSIM_MMU_NOT_PRESENT);
	assert_int_equal(ptsim_free_pages(t.m, f, 0), 0);
	done(&t);
}

/* One ptsim_access() that must return 0; its result. */
static struct ptsim_access_result api_access(struct ptsim_mm *mm, unsigned int cpu, uint64_t va,
					     unsigned int access)
{
	struct ptsim_access_result r;

	assert_int_equal(ptsim_access(mm, cpu, va, access, &r), 0);
	return r;
}

/*
 * ptsim_access()'s TLB-hit path answers from the CPU's lookup memo: what
 * the lookup would find, with the same stamps and counts - through a stale
 * entry, a flush, a permission the cached entry lacks, and two address
 * spaces on one CPU.
 */
static void test_hit_memo(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_tlb_stats s0, s;
	struct ptsim_mm *mm2;
	uint64_t f, g, k, f2, rw, ro;

	env(&t, state, NULL);
	rw = pgprot(&t, PTSIM_PROT_READ | PTSIM_PROT_WRITE, 0);
	ro = pgprot(&t, PTSIM_PROT_READ, 0);
	f = map_pages(&t, VA, 0, rw, 0);
	k = map_pages(&t, VA + t.psz, 0, ro, 0);
	assert_int_equal(ptsim_alloc_pages(t.m, 0, &g), 0);
	s0 = stats(&t, 0);

	/* A miss, then hits: the first through the lookup (it records the slot), then the memo. */
	assert_u64_eq(api_access(t.mm, 0, VA + 8, R).pa, f * t.psz + 8);
	for (unsigned int i = 0; i < 3; i++)
		assert_u64_eq(api_access(t.mm, 0, VA + 16 * i, R).pa, f * t.psz + 16 * i);
	s = stats(&t, 0);
	assert_u64_eq(s.lookup_misses - s0.lookup_misses, 1);
	assert_u64_eq(s.hits[PTSIM_PTE] - s0.hits[PTSIM_PTE], 3);

	/* The PTE now points to g, unflushed: the memo still gives f, as the TLB would. */
	set_at(&t, VA, PTSIM_PTE, 0);
	set_at(&t, VA, PTSIM_PTE, ptsim_mk_leaf(t.a, PTSIM_PTE, g, rw));
	ptsim_violations_clear(t.m);
	assert_u64_eq(api_access(t.mm, 0, VA + 1, R).pa, f * t.psz + 1);
	/* The flush drops the entry: the next access walks and finds g. */
	assert_int_equal(ptsim_flush_tlb_page(t.mm, VA), 0);
	assert_u64_eq(api_access(t.mm, 0, VA + 2, R).pa, g * t.psz + 2);
	assert_u64_eq(api_access(t.mm, 0, VA + 3, R).pa, g * t.psz + 3);
	s = stats(&t, 0);
	assert_u64_eq(s.lookup_misses - s0.lookup_misses, 2);
	assert_u64_eq(s.hits[PTSIM_PTE] - s0.hits[PTSIM_PTE], 5);

	/* A read-only page: reads hit, a write is refused as the full path refuses it. */
	assert_u64_eq(api_access(t.mm, 0, VA + t.psz, R).pa, k * t.psz);
	assert_u64_eq(api_access(t.mm, 0, VA + t.psz, R).pa, k * t.psz);
	assert_u64_eq(api_access(t.mm, 0, VA + t.psz, R).pa, k * t.psz);
	assert_int_equal(api_access(t.mm, 0, VA + t.psz, W).signal, PTSIM_SIGSEGV);

	/* A second address space, the same address on the same CPU: its own frame. */
	assert_int_equal(ptsim_mm_create(t.m, &mm2), 0);
	assert_int_equal(ptsim_alloc_pages(t.m, 0, &f2), 0);
	assert_int_equal(ptsim_map(mm2, VA, t.psz, f2, t.psz, rw, 0), 0);
	for (unsigned int i = 0; i < 3; i++) {
		assert_u64_eq(api_access(mm2, 0, VA + 4, R).pa, f2 * t.psz + 4);
		assert_u64_eq(api_access(t.mm, 0, VA + 4, R).pa, g * t.psz + 4);
	}
	assert_int_equal(nr_violations(&t), 0);

	assert_true(ptsim_unmap(mm2, VA, t.psz, 0) >= 0);
	assert_int_equal(ptsim_flush_tlb_range(mm2, VA, VA + t.psz, PTSIM_PTE), 0);
	ptsim_mm_destroy(mm2);
	assert_int_equal(ptsim_free_pages(t.m, f2, 0), 0);
	unmap(&t, VA, 2 * t.psz);
	assert_int_equal(ptsim_free_pages(t.m, f, 0), 0);
	assert_int_equal(ptsim_free_pages(t.m, g, 0), 0);
	assert_int_equal(ptsim_free_pages(t.m, k, 0), 0);
	done(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PTSIM_ARCH_TESTS(test_miss_then_hit),	   PTSIM_ARCH_TESTS(test_blocks),
		PTSIM_ARCH_TESTS(test_cont_run),	   PTSIM_ARCH_TESTS(test_not_present),
		PTSIM_ARCH_TESTS(test_perm_faults),	   PTSIM_ARCH_TESTS(test_bad_args),
		PTSIM_ARCH_TESTS(test_x86_accessed_dirty), PTSIM_ARCH_TESTS(test_x86_block_dirty),
		PTSIM_ARCH_TESTS(test_arm64_hw_af),	   PTSIM_ARCH_TESTS(test_arm64_no_hw_af),
		PTSIM_ARCH_TESTS(test_arm64_hw_dbm),	   PTSIM_ARCH_TESTS(test_arm64_no_hw_dbm),
		PTSIM_ARCH_TESTS(test_stale_tlb),	   PTSIM_ARCH_TESTS(test_spurious_perm),
		PTSIM_ARCH_TESTS(test_freed_table_walk),   PTSIM_ARCH_TESTS(test_hit_memo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
