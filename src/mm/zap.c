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
	/*
	 * pt_reclaim (d->reclaim_pt), for the PTE table being zapped: whether
	 * an entry was left behind (any_skipped), and whether the gather's
	 * batch filled up on the way (force_break: the PTE lock was dropped, so
	 * only the slow path may free the table).  @batch counts the entries
	 * the kernel's gather would hold: one per page, two for a run of pages
	 * of one large folio (folio_pte_batch()); @run_pfn is the PFN that
	 * would continue the current run (0: none).
	 */
	bool skipped, force_break;
	uint64_t batch, batch_max, run_pfn;
	unsigned int run_len;
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
	/* hugetlb pages are not in the rss counters (__unmap_hugepage_range()). */
	if (ptsim__frame_type(ptsim__frame(ctx, ptsim__folio_head(ctx->mem, *page))) !=
	    PTSIM_PGTY_hugetlb)
		ptsim__rss_add(st, ptsim__folio_rss_kind(ctx, *page),
			       -(int64_t)(1ull << (a->shift[s->lvl] - a->page_shift)));
	return true;
}

/*
 * zap_install_uffd_wp_if_needed(): not when markers go (munmap, exit).  A
 * marker left behind keeps the table (any_skipped).
 */
static void install_uffd_wp_if_needed(struct zap_ctx *z, const struct ptsim_slot *s, uint64_t old)
{
	if (!z->d->drop_markers && ptsim__pte_install_uffd_wp_if_needed(z->st, z->vma, s, old))
		z->skipped = true;
}

bool ptsim__pte_install_uffd_wp_if_needed(struct ptsim_mm_state *st, struct ptsim_vma *vma,
					  const struct ptsim_slot *s, uint64_t old)
{
	const struct ptsim_arch *a = st->ctx->arch;
	int marker = ptsim__swp_code(a, PTSIM_SOFTLEAF_MARKER);

	if (s->lvl != PTSIM_PTE || marker < 0 || !vma->vm_file ||
	    !(vma->vm_flags & PTSIM_VM_UFFD_WP) || !a->ops->uffd_wp(a, PTSIM_PTE, old))
		return false;
	ptsim__set_entry(
		st->pt, s,
		a->ops->mk_swp(a, PTSIM_PTE, (unsigned int)marker, PTSIM_PTE_MARKER_UFFD_WP, 0));
	return true;
}

/*
 * The entries an mmu_gather takes before __tlb_remove_folio_pages() reports
 * it full (mm/mmu_gather.c): the 8-entry local batch keeps 7, then up to
 * MAX_GATHER_BATCH_COUNT = 10000 / MAX_GATHER_BATCH page-sized batches of
 * MAX_GATHER_BATCH = (PAGE_SIZE - 16) / 8 entries keep one less each (room
 * for a page and its count is kept).  9,678 entries with 4K pages.
 */
static uint64_t gather_capacity(uint64_t page_size)
{
	uint64_t max = (page_size - 16) / 8;

	return 7 + (10000 / max) * (max - 1);
}

/*
 * A page went into the gather (zap_present_folio_ptes()): count its batch
 * entries; when the batch is full the kernel breaks out of the PTE loop and
 * flushes (force_break), after which the table can only take the slow path.
 */
static void gather_count(struct zap_ctx *z, uint64_t page)
{
	struct ptsim_mm_ctx *ctx = z->st->ctx;

	if (page == z->run_pfn && z->run_len) {
		z->run_len++;
		z->run_pfn = page + 1;
		if (z->run_len != 2)
			return; /* a run of one folio is two entries, however long */
	} else {
		z->run_len = 1;
		z->run_pfn = ptsim__folio_nr_pages(ctx, page) > 1 ? page + 1 : 0;
	}
	if (++z->batch >= z->batch_max) {
		z->force_break = true;
		z->batch = 0;
		z->run_len = 0;
	}
}

/*
 * pt_reclaim, at the end of zap_pte_range() for the PTE table below the PMD
 * slot @s: a table whose whole span this zap covered, and which it left
 * empty, is unhooked - on the fast path (try_get_and_clear_pmd(): the PTE
 * loop ran through in one go, so every entry is known none; the PMD lock is
 * taken by trylock, which never fails here, nothing else runs) or, after a
 * batch-full break, on the slow path (try_to_free_pte(): under the PMD lock,
 * recheck all PTRS_PER_PTE entries) - and handed to the gather
 * (free_pte(): pte_free_tlb(), mm_dec_nr_ptes()), which flushes the walk
 * caches before the table is freed.
 */
static void reclaim_pte_table(struct zap_ctx *z, const struct ptsim_slot *s, uint64_t addr)
{
	struct ptsim_mm_state *st = z->st;
	struct ptsim_mm_ctx *ctx = st->ctx;
	const struct ptsim_arch *a = ctx->arch;
	uint64_t e = *s->p, table = a->ops->pfn(a, s->lvl, e);
	const struct ptsim_frame *f = ptsim__table_frame(ctx->pa, table);
	enum ptsim_vm_event path = PTSIM_VM_PT_RECLAIM_FAST;

	ptsim__count_vm_event(ctx->host, PTSIM_VM_PT_RECLAIM_SCAN);
	if (z->skipped) {
		ptsim__count_vm_event(ctx->host, PTSIM_VM_PT_RECLAIM_KEPT);
		return;
	}
	if (z->force_break) {
		const uint64_t *pte = ptsim__table_entries(ctx->pa, table);

		path = PTSIM_VM_PT_RECLAIM_SLOW;
		for (unsigned int i = 0; i < a->ptrs[PTSIM_PTE]; i++) {
			ctx->host->cost.entries_read[PTSIM_PTE]++;
			if (!a->ops->none(a, PTSIM_PTE, pte[i])) {
				ptsim__count_vm_event(ctx->host, PTSIM_VM_PT_RECLAIM_KEPT);
				return;
			}
		}
	}
	/* Nothing was skipped: the zap cleared every entry it met. */
	PTSIM_BUG_ON(!f || f->extra != 0);
	ptsim__count_vm_event(ctx->host, path);
	ptsim__table_detach(st->pt, s);
	PTSIM_BUG_ON(
		ptsim__tlb_remove_table(ctx->tlbs, st->tlb_mm, z->tlb, table, addr, PTSIM_PTE));
	ctx->host->vm_events[PTSIM_VM_PT_RECLAIM_BYTES] += ptsim__page_size(a);
}

/* The PMD slot of a PTE table: before its entries (reset), after them (reclaim). */
static int zap_table(struct zap_ctx *z, int what, struct ptsim_slot *s, uint64_t addr,
		     uint64_t next)
{
	const struct ptsim_arch *a = z->st->ctx->arch;

	if (s->lvl != PTSIM_PMD || ptsim__child_level(a, s->lvl) != PTSIM_PTE)
		return 0;
	if (what == PTSIM_VISIT_TABLE_PRE) {
		z->skipped = z->force_break = false;
		z->run_len = 0;
		return 0;
	}
	/* reclaim_pt_is_enabled(): this zap_pte_range() call spans the whole table. */
	if (next - addr == 1ull << a->shift[PTSIM_PMD])
		reclaim_pte_table(z, s, addr);
	return 0;
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

	if (what == PTSIM_VISIT_TABLE_PRE || what == PTSIM_VISIT_TABLE_POST)
		return zap_table(z, what, s, addr, next);
	if (base < z->start || base + (size - 1) > z->end - 1) {
		z->skipped = true;
		return 0; /* a huge leaf the range cuts (not a THP: those were split) */
	}
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
				if (z->vma->vm_file && !z->d->drop_markers) {
					z->skipped = true;
					return 0;
				}
			} else if (bits & PTSIM_PTE_MARKER_GUARD) {
				if (!z->d->drop_markers) {
					z->skipped = true;
					return 0;
				}
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
	/*
	 * A hugetlb contiguous run is one mapping, carried by its first entry:
	 * the others are only cleared (huge_ptep_get_and_clear()).
	 */
	if ((z->vma->vm_flags & PTSIM_VM_HUGETLB) && ptsim__hugetlb_run(z->vma, a) > 1 &&
	    (addr & (z->vma->vm_file->hsize - 1)) >= size) {
		ptsim__get_and_clear(st->pt, s);
		ptsim__tlb_remove_tlb_entry(a, z->tlb, s->lvl, base);
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
	if (z->vma->vm_flags & PTSIM_VM_HUGETLB)
		ptsim__hugetlb_unmap_restore_reserve(st, z->vma, base, page);
	/* The mapping's reference is dropped after the flush that covers it. */
	PTSIM_BUG_ON(ptsim__tlb_remove_page(ctx->tlbs, st->tlb_mm, z->tlb, page, base, s->lvl));
	if (z->d->reclaim_pt)
		gather_count(z, page); /* a PMD-mapped THP is one entry too */
	return 0;
}

void ptsim__zap_range(struct ptsim_mm_state *st, struct ptsim_mmu_gather *tlb,
		      struct ptsim_vma *vma, uint64_t start, uint64_t end,
		      const struct ptsim_zap_details *d)
{
	struct zap_ctx z = {.st = st, .vma = vma, .tlb = tlb, .d = d, .start = start, .end = end};
	struct ptsim_visitor v = {
		.pt = st->pt, .fn = zap_fn, .priv = &z, .flags = PTSIM_VISIT_LEAF};
	struct ptsim_zap_details no_reclaim = {.drop_markers = d->drop_markers};

	if (start >= end)
		return;
	if (d->reclaim_pt) {
		/* reclaim_pt_is_enabled(): only a zap of at least PMD_SIZE can free a table. */
		if (end - start < 1ull << st->ctx->arch->shift[PTSIM_PMD])
			z.d = &no_reclaim;
		else
			v.flags |= PTSIM_VISIT_TABLE_PRE | PTSIM_VISIT_TABLE_POST;
		z.batch_max = gather_capacity(ptsim__page_size(st->ctx->arch));
	}
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
