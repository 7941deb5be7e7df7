// SPDX-License-Identifier: MIT
/*
 * test_random.c - seeded randomized map / unmap / translate against a flat
 * reference model, on every architecture configuration.
 *
 * The reference keeps, for each base page of a window of WINDOW_PMDS
 * PMD-sized regions, what maps it (nothing, a PTE, a contiguous PTE, a PMD
 * leaf) and the frame, plus whether each region has a PTE table.  From that
 * it predicts the exact result of every call - including which of -EEXIST
 * and -EBUSY a refused map returns - and the library must agree at every
 * step.  ptsim_check() must be clean after every batch.
 */
#include <errno.h>

#include "ptsim_test.h"

#define NR_OPS	     100000
#define BATCH	     1000
#define FULL_COMPARE 5000
#define WINDOW_PMDS  8

enum kind { K_NONE = 0, K_PTE, K_CONT, K_PMD };

struct ref_page {
	uint64_t pfn;
	uint8_t kind;
};

struct rnd {
	struct ptsim_test_env t;
	uint64_t rng;
	uint64_t base, pmd_size, pmd_pages, npages, pool, pool_pages, prot;
	unsigned int cont;
	struct ref_page *pg;
	bool pte_table[WINDOW_PMDS];
	uint64_t nr_ok, nr_refused;
};

static uint64_t next_rand(struct rnd *r)
{
	r->rng ^= r->rng << 13;
	r->rng ^= r->rng >> 7;
	r->rng ^= r->rng << 17;
	return r->rng;
}

static uint64_t below(struct rnd *r, uint64_t n)
{
	return next_rand(r) % n;
}

static uint64_t va_of(struct rnd *r, uint64_t i)
{
	return r->base + i * r->t.psz;
}

/* Map k base pages (or runs of r->cont with cont) at page i. */
static void op_map_ptes(struct rnd *r, bool cont)
{
	uint64_t unit = cont ? r->cont : 1;
	uint64_t k = (1 + below(r, cont ? 2 : 8)) * unit;
	uint64_t i = below(r, r->npages / unit - k / unit + 1) * unit;
	uint64_t pfn = r->pool + below(r, (r->pool_pages - k) / unit + 1) * unit;
	int expect = 0, got;

	for (uint64_t j = i; j < i + k && !expect; j++) {
		if (r->pg[j].kind == K_PMD)
			expect = -EBUSY;
		else if (r->pg[j].kind != K_NONE)
			expect = -EEXIST;
	}
	got = ptsim_map(r->t.mm, va_of(r, i), k * r->t.psz, pfn, r->t.psz, r->prot,
			cont ? PTSIM_MAP_CONT : 0);
	if (got != expect)
		fail_msg("map %s at page %llu x%llu: got %d expected %d (%s)",
			 cont ? "cont" : "pte", (unsigned long long)i, (unsigned long long)k, got,
			 expect, ptsim_errmsg(r->t.m));
	if (got)
		return;
	for (uint64_t j = i; j < i + k; j++) {
		r->pg[j].pfn = pfn + (j - i);
		r->pg[j].kind = cont ? K_CONT : K_PTE;
		r->pte_table[j / r->pmd_pages] = true;
	}
}

static void op_map_pmd(struct rnd *r)
{
	uint64_t reg = below(r, WINDOW_PMDS);
	uint64_t i = reg * r->pmd_pages;
	int expect = 0, got;

	if (r->pg[i].kind == K_PMD)
		expect = -EEXIST;
	else if (r->pte_table[reg])
		expect = -EBUSY;
	got = ptsim_map(r->t.mm, va_of(r, i), r->pmd_size, r->pool, r->pmd_size, r->prot, 0);
	if (got != expect)
		fail_msg("map pmd region %llu: got %d expected %d (%s)", (unsigned long long)reg,
			 got, expect, ptsim_errmsg(r->t.m));
	if (got)
		return;
	for (uint64_t j = i; j < i + r->pmd_pages; j++) {
		r->pg[j].pfn = r->pool + (j - i);
		r->pg[j].kind = K_PMD;
	}
}

static void op_unmap(struct rnd *r)
{
	uint64_t k = 1 + below(r, 2 * r->pmd_pages);
	uint64_t i, end;
	unsigned int flags = below(r, 2) ? PTSIM_UNMAP_FREE_TABLES : 0;
	long expect = 0, got;

	if (k > r->npages)
		k = r->npages;
	i = below(r, r->npages - k + 1);
	end = i + k;
	/* Refused if it cuts a PMD leaf or a contiguous run. */
	for (uint64_t j = i; j < end; j++) {
		uint64_t lo, hi;

		if (r->pg[j].kind == K_PMD) {
			lo = j - j % r->pmd_pages;
			hi = lo + r->pmd_pages;
		} else if (r->pg[j].kind == K_CONT) {
			lo = j - j % r->cont;
			hi = lo + r->cont;
		} else {
			continue;
		}
		if (lo < i || hi > end) {
			expect = -EBUSY;
			break;
		}
	}
	if (!expect)
		for (uint64_t j = i; j < end; j++)
			if (r->pg[j].kind == K_PTE || r->pg[j].kind == K_CONT ||
			    (r->pg[j].kind == K_PMD && j % r->pmd_pages == 0))
				expect++;
	got = ptsim_unmap(r->t.mm, va_of(r, i), k * r->t.psz, flags);
	if (got != expect)
		fail_msg("unmap pages [%llu, %llu): got %ld expected %ld (%s)",
			 (unsigned long long)i, (unsigned long long)end, got, expect,
			 ptsim_errmsg(r->t.m));
	if (got < 0)
		return;
	for (uint64_t j = i; j < end; j++)
		r->pg[j].kind = K_NONE;
	if (flags & PTSIM_UNMAP_FREE_TABLES) {
		for (uint64_t reg = i / r->pmd_pages; reg <= (end - 1) / r->pmd_pages; reg++) {
			bool empty = true;

			for (uint64_t j = reg * r->pmd_pages; j < (reg + 1) * r->pmd_pages; j++)
				empty &= r->pg[j].kind == K_NONE;
			if (empty)
				r->pte_table[reg] = false;
		}
	}
}

static void check_page(struct rnd *r, uint64_t j)
{
	struct ptsim_translation tr;
	uint64_t off = below(r, r->t.psz);
	int got = ptsim_translate(r->t.mm, va_of(r, j) + off, &tr);

	if (r->pg[j].kind == K_NONE) {
		if (got != -ENOENT)
			fail_msg("translate page %llu: got %d, expected a hole",
				 (unsigned long long)j, got);
		return;
	}
	if (got != 0 || tr.pfn != r->pg[j].pfn || tr.pa != (tr.pfn * r->t.psz) + off ||
	    tr.level != (r->pg[j].kind == K_PMD ? PTSIM_PMD : PTSIM_PTE) ||
	    tr.attrs.cont != (r->pg[j].kind == K_CONT) || !tr.attrs.write)
		fail_msg("translate page %llu: got %d pfn 0x%llx level %d, expected pfn 0x%llx "
			 "kind %d",
			 (unsigned long long)j, got, (unsigned long long)tr.pfn, tr.level,
			 (unsigned long long)r->pg[j].pfn, r->pg[j].kind);
}

static void run_random(void **state)
{
	const char *arch = *state;
	struct rnd r;
	unsigned int order = 0;
	uint64_t seed = 0x5eed;

	memset(&r, 0, sizeof(r));
	ptsim_test_env_init(&r.t, arch, NULL);
	for (const char *p = arch; *p; p++)
		seed = seed * 131 + (uint64_t)*p;
	r.rng = seed | 1;
	r.pmd_size = ptsim_arch_level_size(r.t.a, PTSIM_PMD);
	r.pmd_pages = r.pmd_size / r.t.psz;
	r.npages = WINDOW_PMDS * r.pmd_pages;
	r.base = 8 * r.pmd_size;
	r.cont = ptsim_arch_cont_nr(r.t.a, PTSIM_PTE);
	r.prot = ptsim_pgprot(r.t.a, PTSIM_PROT_READ | PTSIM_PROT_WRITE, 0);
	r.pg = calloc(r.npages, sizeof(*r.pg));
	assert_non_null(r.pg);
	while ((1ull << order) < r.pmd_pages)
		order++;
	assert_int_equal(ptsim_folio_alloc(r.t.m, order, &r.pool), 0);
	r.pool_pages = r.pmd_pages;

	for (unsigned int op = 1; op <= NR_OPS; op++) {
		uint64_t dice = below(&r, 100);

		if (dice < 40)
			check_page(&r, below(&r, r.npages));
		else if (dice < 65)
			op_map_ptes(&r, false);
		else if (dice < 70 && r.cont)
			op_map_ptes(&r, true);
		else if (dice < 75)
			op_map_pmd(&r);
		else
			op_unmap(&r);
		if (op % BATCH == 0)
			assert_machine_clean(r.t.m);
		if (op % FULL_COMPARE == 0)
			for (uint64_t j = 0; j < r.npages; j++)
				check_page(&r, j);
	}
	/* Tear everything down: VmPTE back to 0, every frame back. */
	assert_true(ptsim_unmap(r.t.mm, r.base, r.npages * r.t.psz, PTSIM_UNMAP_FREE_TABLES) >= 0);
	assert_u64_eq(ptsim_mm_pgtables_bytes(r.t.mm), 0);
	assert_int_equal(ptsim_folio_put(r.t.m, r.pool), 0);
	assert_machine_clean(r.t.m);
	{
		struct ptsim_mem_stats ms;

		ptsim_mem_stats(r.t.m, &ms);
		assert_u64_eq(ms.free_pages, r.t.free0);
	}
	free(r.pg);
	ptsim_test_env_fini(&r.t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {PTSIM_ARCH_TESTS(run_random)};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
