// SPDX-License-Identifier: MIT
/*
 * zap.c - page-table teardown: zap the leaves of a range through an
 * mmu_gather (clear -> flush -> release), and free page tables under the
 * kernel's floor/ceiling rule (follows zap_pte_range()/unmap_page_range()
 * and free_pgd_range()/free_pgtables(), mm/memory.c).
 *
 * The floor/ceiling rule.  free_pgd_range(addr, end, floor, ceiling) frees
 * a page table only if the whole span it translates lies inside
 * [floor, ceiling) - floor being the end of the VMA below the range (0 if
 * none) and ceiling the start of the VMA above it (0 = the top) - so a table
 * another VMA may still use is never freed.  The kernel states the rule level
 * by level (round addr down to PMD_SIZE, skip the first PMD if it starts below
 * floor, drop the last if it ends above the ceiling rounded down; an upper
 * table goes when its own span, rounded the same way, fits); for every table
 * reachable from [addr, end) that is exactly "span inside [floor, ceiling)",
 * which is what free_below() tests, once, at every level of every
 * configuration (folded levels have no tables and are skipped).  A table
 * still holding entries (a raw ptsim_map() mapping inside the span) is kept.
 */
#include <errno.h>
#include <string.h>

#include "mm/internal.h"

void ptsim__tlb_gather(struct ptsim_mm_state *st, struct ptsim_mmu_gather *tlb, bool fullmm)
{
	ptsim__tlb_gather_init(st->ctx->tlbs, tlb, st->handle, fullmm);
}

void ptsim__tlb_finish(struct ptsim_mm_state *st, struct ptsim_mmu_gather *tlb)
{
	ptsim__tlb_finish_mmu(st->ctx->tlbs, st->tlb_mm, tlb);
}

struct zap_ctx {
	struct ptsim_mm_state *st;
	struct ptsim_mmu_gather *tlb;
	const struct ptsim_zap_details *d;
	uint64_t start, end;
};

/* One leaf or non-present entry of the range (zap_present_ptes() / zap_nonpresent_ptes()). */
static int zap_fn(struct ptsim_visitor *v, int what, struct ptsim_slot *s, uint64_t addr,
		  uint64_t next)
{
	struct zap_ctx *z = v->priv;
	struct ptsim_mm_state *st = z->st;
	struct ptsim_mm_ctx *ctx = st->ctx;
	const struct ptsim_arch *a = ctx->arch;
	uint64_t e = *s->p, size = 1ull << a->shift[s->lvl], base = addr & ~(size - 1), page;

	(void)what;
	(void)next;
	if (base < z->start || base + (size - 1) > z->end - 1)
		return 0; /* a huge leaf the range cuts: splitting it is the THP code's job */
	if (!a->ops->present(a, s->lvl, e)) {
		bool marker = ctx->swp_marker_type >= 0 && a->ops->swp(a, s->lvl, e) &&
			      a->ops->swp_type(a, s->lvl, e) == (unsigned int)ctx->swp_marker_type;

		if (marker && !z->d->drop_markers)
			return 0;
		ptsim__get_and_clear(st->pt, s);
		return 0;
	}
	ptsim__get_and_clear(st->pt, s);
	if (!ptsim__vm_normal_page(ctx, s->lvl, e, &page)) {
		ptsim__tlb_remove_tlb_entry(a, z->tlb, s->lvl, base);
		return 0;
	}
	if (!ptsim__folio_anon(ctx, page)) {
		if (a->ops->dirty(a, s->lvl, e))
			ptsim__page_set_flag(ctx->mem, page, PTSIM_PG_dirty);
		if (a->ops->young(a, s->lvl, e))
			ptsim__page_set_flag(ctx->mem, page, PTSIM_PG_referenced);
	}
	ptsim__folio_remove_rmap(ctx, page, 1, s->lvl);
	ptsim__rss_add(st, ptsim__folio_rss_kind(ctx, page), -(int64_t)(size >> a->page_shift));
	/* The mapping's reference is dropped after the flush that covers it. */
	PTSIM_BUG_ON(ptsim__tlb_remove_page(ctx->tlbs, st->tlb_mm, z->tlb, page, base, s->lvl));
	return 0;
}

void ptsim__zap_range(struct ptsim_mm_state *st, struct ptsim_mmu_gather *tlb,
		      struct ptsim_vma *vma, uint64_t start, uint64_t end,
		      const struct ptsim_zap_details *d)
{
	struct zap_ctx z = {.st = st, .tlb = tlb, .d = d, .start = start, .end = end};
	struct ptsim_visitor v = {
		.pt = st->pt, .fn = zap_fn, .priv = &z, .flags = PTSIM_VISIT_LEAF};

	(void)vma;
	if (start >= end)
		return;
	(void)ptsim__visit(&v, start, end);
}

/*
 * Free tables below the entries of the table @table_pfn (real level @tlvl)
 * that translate [addr, end): children first, then each child table whose
 * span lies inside [floor, ceiling).
 */
static void free_below(struct ptsim_mm_state *st, struct ptsim_mmu_gather *tlb, int tlvl,
		       uint64_t table_pfn, uint64_t addr, uint64_t end, uint64_t floor,
		       uint64_t ceiling)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	const struct ptsim_arch *a = ctx->arch;
	uint64_t *tbl = ptsim__table_entries(ctx->pa, table_pfn);
	uint64_t next;
	int elvl = ptsim__entry_level(a, tlvl);

	if (!tbl)
		return;
	if (elvl == PTSIM_PTE)
		return; /* a PTE table holds leaves only */
	do {
		struct ptsim_slot s;
		uint64_t e, cpfn, size = 1ull << a->shift[elvl], base;
		struct ptsim_frame *cf;
		int clvl;

		next = ptsim__addr_end(a, elvl, addr, end);
		s.lvl = elvl;
		s.table_pfn = table_pfn;
		s.idx = ptsim__index(a, tlvl, addr);
		s.p = &tbl[s.idx];
		s.addr = addr;
		e = *s.p;
		if (a->ops->none(a, elvl, e) || !a->ops->table(a, elvl, e) ||
		    (a->leaf_ok[elvl] && a->ops->leaf(a, elvl, e)))
			continue;
		cpfn = a->ops->pfn(a, elvl, e);
		clvl = ptsim__child_level(a, elvl);
		free_below(st, tlb, clvl, cpfn, addr, next, floor, ceiling);
		base = addr & ~(size - 1);
		if (base < floor || base + (size - 1) > ceiling - 1)
			continue;
		cf = ptsim__table_frame(ctx->pa, cpfn);
		if (!cf || cf->extra)
			continue; /* still in use by a mapping outside every VMA */
		ptsim__table_detach(st->pt, &s);
		PTSIM_BUG_ON(ptsim__tlb_remove_table(ctx->tlbs, st->tlb_mm, tlb, cpfn, base, clvl));
	} while (addr = next, addr != end);
}

void ptsim__free_pgd_range(struct ptsim_mm_state *st, struct ptsim_mmu_gather *tlb, uint64_t addr,
			   uint64_t end, uint64_t floor, uint64_t ceiling)
{
	if (addr >= end)
		return;
	free_below(st, tlb, PTSIM_PGD, st->pt->root_pfn, addr, end, floor, ceiling);
}
