// SPDX-License-Identifier: MIT
/*
 * zap.c - page-table teardown: zap the leaves of a range through an
 * mmu_gather (clear -> flush -> release), and free page tables under the
 * kernel's floor/ceiling rule through it (follows zap_pte_range()/
 * unmap_page_range() and free_pgtables(), mm/memory.c; the VMA-free pass
 * itself, free_pgd_range(), is src/pgtable/free.c).
 *
 * The floor/ceiling rule is described in src/pgtable/free.c.
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
	struct ptsim_vma *vma;
	struct ptsim_mmu_gather *tlb;
	const struct ptsim_zap_details *d;
	uint64_t start, end;
};

bool ptsim__zap_present(struct ptsim_mm_state *st, const struct ptsim_slot *s, uint64_t *old,
			uint64_t *page)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	const struct ptsim_arch *a = ctx->arch;
	uint64_t e = ptsim__get_and_clear(st->pt, s);

	*old = e;
	if (!ptsim__vm_normal_page(ctx, s->lvl, e, page))
		return false;
	if (!ptsim__folio_anon(ctx, *page)) {
		if (a->ops->dirty(a, s->lvl, e))
			ptsim__page_set_flag(ctx->mem, *page, PTSIM_PG_dirty);
		if (a->ops->young(a, s->lvl, e))
			ptsim__page_set_flag(ctx->mem, *page, PTSIM_PG_referenced);
	}
	ptsim__folio_remove_rmap(ctx, *page, 1, s->lvl);
	ptsim__rss_add(st, ptsim__folio_rss_kind(ctx, *page),
		       -(int64_t)(1ull << (a->shift[s->lvl] - a->page_shift)));
	return true;
}

/* zap_install_uffd_wp_if_needed(): not when markers go (munmap, exit). */
static void install_uffd_wp_if_needed(struct zap_ctx *z, const struct ptsim_slot *s, uint64_t old)
{
	if (!z->d->drop_markers)
		ptsim__pte_install_uffd_wp_if_needed(z->st, z->vma, s, old);
}

void ptsim__pte_install_uffd_wp_if_needed(struct ptsim_mm_state *st, struct ptsim_vma *vma,
					  const struct ptsim_slot *s, uint64_t old)
{
	const struct ptsim_arch *a = st->ctx->arch;
	int marker = ptsim__swp_code(a, PTSIM_SOFTLEAF_MARKER);

	if (s->lvl != PTSIM_PTE || marker < 0 || !vma->vm_file ||
	    !(vma->vm_flags & PTSIM_VM_UFFD_WP) || !a->ops->uffd_wp(a, PTSIM_PTE, old))
		return;
	ptsim__set_entry(
		st->pt, s,
		a->ops->mk_swp(a, PTSIM_PTE, (unsigned int)marker, PTSIM_PTE_MARKER_UFFD_WP, 0));
}

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
		return 0; /* a huge leaf the range cuts (not a THP: those were split) */
	if (!a->ops->present(a, s->lvl, e)) {
		bool marker = a->ops->swp(a, s->lvl, e) &&
			      ptsim__swp_code_type(a, a->ops->swp_type(a, s->lvl, e)) ==
				      PTSIM_SOFTLEAF_MARKER;

		if (marker) {
			uint64_t bits = a->ops->swp_offset(a, s->lvl, e);

			/*
			 * A uffd-wp marker: anonymous VMAs always drop it, file
			 * and shmem VMAs only when markers go (munmap, exit).
			 * Guard markers stay unless markers go.
			 */
			if (bits & PTSIM_PTE_MARKER_UFFD_WP) {
				if (z->vma->vm_file && !z->d->drop_markers)
					return 0;
			} else if (bits & PTSIM_PTE_MARKER_GUARD) {
				if (!z->d->drop_markers)
					return 0;
			}
			/*
			 * A poison marker goes whenever private copies do
			 * (should_zap_cows(): MADV_DONTNEED, munmap, exit).
			 */
		}
		ptsim__get_and_clear(st->pt, s);
		if (!marker)
			install_uffd_wp_if_needed(z, s, e);
		return 0;
	}
	/* zap_huge_pmd(): a THP or the huge zero folio takes its deposited table along. */
	if (ptsim__pmd_is_thp(ctx, z->vma, s->lvl, e))
		ptsim__zap_deposited_table(st->pt, s);
	if (!ptsim__zap_present(st, s, &e, &page)) {
		install_uffd_wp_if_needed(z, s, e);
		ptsim__tlb_remove_tlb_entry(a, z->tlb, s->lvl, base);
		return 0;
	}
	install_uffd_wp_if_needed(z, s, e);
	/* The mapping's reference is dropped after the flush that covers it. */
	PTSIM_BUG_ON(ptsim__tlb_remove_page(ctx->tlbs, st->tlb_mm, z->tlb, page, base, s->lvl));
	return 0;
}

void ptsim__zap_range(struct ptsim_mm_state *st, struct ptsim_mmu_gather *tlb,
		      struct ptsim_vma *vma, uint64_t start, uint64_t end,
		      const struct ptsim_zap_details *d)
{
	struct zap_ctx z = {.st = st, .vma = vma, .tlb = tlb, .d = d, .start = start, .end = end};
	struct ptsim_visitor v = {
		.pt = st->pt, .fn = zap_fn, .priv = &z, .flags = PTSIM_VISIT_LEAF};

	if (start >= end)
		return;
	/* zap_pmd_range(): a THP the range only partly covers is split first. */
	ptsim__split_huge_pmd_edges(st, vma, start, end);
	(void)ptsim__visit(&v, start, end);
}

struct gather_tables {
	struct ptsim_mm_state *st;
	struct ptsim_mmu_gather *tlb;
};

/* free_pgd_range()'s hand-off (pte_free_tlb()): the table is freed after the flush. */
static void gather_table(void *ctx, uint64_t table_pfn, uint64_t addr, int lvl)
{
	struct gather_tables *g = ctx;

	PTSIM_BUG_ON(ptsim__tlb_remove_table(g->st->ctx->tlbs, g->st->tlb_mm, g->tlb, table_pfn,
					     addr, lvl));
}

void ptsim__free_pgtables_range(struct ptsim_mm_state *st, struct ptsim_mmu_gather *tlb,
				uint64_t addr, uint64_t end, uint64_t floor, uint64_t ceiling)
{
	struct gather_tables g = {.st = st, .tlb = tlb};

	ptsim__free_pgd_range(st->pt, addr, end, floor, ceiling, gather_table, &g);
}
