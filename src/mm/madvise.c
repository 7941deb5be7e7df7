// SPDX-License-Identifier: MIT
/*
 * madvise.c - madvise() (follows mm/madvise.c: madvise_walk_vmas(),
 * madvise_dontneed_single_vma(), madvise_update_vma(); hugepage_madvise()
 * in mm/khugepaged.c).
 *
 * MADV_DONTNEED zaps (a THP it only partly covers is split, zap.c); with
 * pt_reclaim (CONFIG_PT_RECLAIM) it frees the PTE tables it empties whole.  MADV_HUGEPAGE /
 * MADV_NOHUGEPAGE set VM_HUGEPAGE / VM_NOHUGEPAGE and clear the other, splitting the VMAs at the
 * range's ends and merging what then matches (vma_modify_flags()); existing THPs stay as they are.
 * Unmapped parts of the range give -ENOMEM after the mapped parts are done.
 */
#include <errno.h>
#include <string.h>

#include "mm/internal.h"

/* --- madvise ------------------------------------------------------------------------- */

/* hugepage_madvise(): the flags MADV_HUGEPAGE / MADV_NOHUGEPAGE give @f. */
static uint64_t hugepage_flags(uint64_t f, int advice)
{
	if (advice == PTSIM_MADV_HUGEPAGE)
		return (f & ~PTSIM_VM_NOHUGEPAGE) | PTSIM_VM_HUGEPAGE;
	return (f & ~PTSIM_VM_HUGEPAGE) | PTSIM_VM_NOHUGEPAGE;
}

static int madvise_hugepage(struct ptsim_mm_state *st, uint64_t addr, uint64_t end, int advice)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	struct ptsim_vma *vma = ptsim__find_vma(&st->vmas, addr), *last, *spare[2];
	uint64_t pos = addr;
	bool hole = false;
	int n = 0, err;

	last = ptsim__find_vma(&st->vmas, end - 1);
	if (last && last->vm_start >= end)
		last = NULL;
	/* madvise_update_vma(): a split only where the flags really change. */
	if (vma && vma->vm_start < addr && hugepage_flags(vma->vm_flags, advice) != vma->vm_flags)
		n++;
	if (last && last->vm_end > end && hugepage_flags(last->vm_flags, advice) != last->vm_flags)
		n++;
	/* hugetlb_vm_op_split(): a split must not cut a huge page. */
	err = ptsim__hugetlb_may_split(
		st, "madvise",
		vma && vma->vm_start < addr &&
				hugepage_flags(vma->vm_flags, advice) != vma->vm_flags
			? addr
			: 0,
		last && last->vm_end > end &&
				hugepage_flags(last->vm_flags, advice) != last->vm_flags
			? end
			: 0);
	if (err)
		return err;
	err = ptsim__vma_spares_alloc(ctx, n, spare);
	if (err)
		return ptsim__seterr(ctx->host, err, "madvise: out of memory splitting a VMA");
	n = 0;
	if (vma && vma->vm_start < addr && hugepage_flags(vma->vm_flags, advice) != vma->vm_flags) {
		ptsim__vma_split(st, vma, spare[n], addr);
		vma = spare[n];
		spare[n++] = NULL;
	}
	last = ptsim__find_vma(&st->vmas, end - 1);
	if (last && last->vm_start < end && last->vm_end > end &&
	    hugepage_flags(last->vm_flags, advice) != last->vm_flags) {
		ptsim__vma_split(st, last, spare[n], end);
		spare[n++] = NULL;
	}
	for (; vma && vma->vm_start < end; vma = ptsim__vma_next(vma)) {
		hole |= vma->vm_start > pos;
		vma->vm_flags = hugepage_flags(vma->vm_flags, advice);
		pos = vma->vm_end;
	}
	for (vma = ptsim__find_vma(&st->vmas, addr); vma && vma->vm_start <= end;)
		vma = ptsim__vma_next(ptsim__vma_merge(st, vma));
	ptsim__vma_spares_free(ctx, spare);
	if (hole || pos < end)
		return ptsim__seterr(ctx->host, -ENOMEM,
				     "madvise: part of [0x%llx, 0x%llx) is not mapped",
				     (unsigned long long)addr, (unsigned long long)end);
	return 0;
}

/* --- MADV_FREE (madvise_free_single_vma(), madvise_free_pte_range()) ------------------ */

struct lazyfree_ctx {
	struct ptsim_mm_state *st;
	struct ptsim_mmu_gather *tlb;
	uint64_t start, end;
	uint64_t skip_end; /* the rest of a large folio already handled as one batch */
};

/* folio_mapcount(): PTE mappings of a small folio, _large_mapcount of a large one. */
static int64_t folio_mapcount(struct ptsim_mm_ctx *ctx, uint64_t head)
{
	if (ptsim__folio_nr_pages(ctx, head) == 1)
		return (int64_t)ptsim__frame(ctx, head)->mapcount + 1;
	return (int64_t)(int32_t)(uint32_t)ptsim__frame(ctx, head + 1)->mapping + 1;
}

/*
 * folio_mark_lazyfree(): an anonymous, swap-backed folio moves to the file
 * LRU as clean and cold - PG_swapbacked, PG_active and PG_referenced go
 * (lru_lazyfree()) - so that reclaim may discard it while it stays clean.
 */
static void mark_lazyfree(struct ptsim_mm_ctx *ctx, uint64_t head)
{
	struct ptsim_mem *mem = ctx->mem;

	if (!ptsim__folio_anon(ctx, head) ||
	    !ptsim__page_test_flag(mem, head, PTSIM_PG_swapbacked) ||
	    ptsim__page_test_flag(mem, head, PTSIM_PG_unevictable))
		return;
	ptsim__page_clear_flag(mem, head, PTSIM_PG_active);
	ptsim__page_clear_flag(mem, head, PTSIM_PG_referenced);
	ptsim__page_clear_flag(mem, head, PTSIM_PG_swapbacked);
	ctx->host->vm_events[PTSIM_VM_PGLAZYFREE] += ptsim__folio_nr_pages(ctx, head);
}

/* clear_young_dirty_ptes() on one entry, flushed with the gather. */
static void make_old_clean(struct lazyfree_ctx *c, const struct ptsim_slot *s, uint64_t addr)
{
	const struct ptsim_arch *a = c->st->ctx->arch;
	uint64_t e = *s->p;

	if (!a->ops->young(a, s->lvl, e) && !a->ops->dirty(a, s->lvl, e))
		return;
	ptsim__set_entry(c->st->pt, s, a->ops->mkold(a, s->lvl, a->ops->mkclean(a, s->lvl, e)));
	ptsim__tlb_remove_tlb_entry(a, c->tlb, s->lvl, addr);
}

/*
 * madvise_folio_pte_batch(): how many PTEs from @s (at @addr, mapping
 * @pfn) map the following pages of the folio, within the range and table.
 */
static unsigned int folio_pte_batch(struct lazyfree_ctx *c, const struct ptsim_slot *s,
				    uint64_t addr, uint64_t pfn, uint64_t head,
				    unsigned int nr_pages)
{
	const struct ptsim_arch *a = c->st->ctx->arch;
	unsigned int n = 1, room = a->ptrs[PTSIM_PTE] - s->idx;
	uint64_t left = (c->end - addr) >> a->page_shift;

	while (n < room && n < left && pfn + n < head + nr_pages) {
		uint64_t e = s->p[n];

		if (!a->ops->present(a, PTSIM_PTE, e) || a->ops->pfn(a, PTSIM_PTE, e) != pfn + n)
			break;
		n++;
	}
	return n;
}

static int lazyfree_fn(struct ptsim_visitor *v, int what, struct ptsim_slot *s, uint64_t addr,
		       uint64_t next)
{
	struct lazyfree_ctx *c = v->priv;
	struct ptsim_mm_state *st = c->st;
	struct ptsim_mm_ctx *ctx = st->ctx;
	const struct ptsim_arch *a = ctx->arch;
	uint64_t e = *s->p, pfn, head;
	unsigned int nr = 1, nr_pages;

	(void)what;
	if (s->lvl != PTSIM_PTE && s->lvl != PTSIM_PMD)
		return 0;
	if (s->lvl == PTSIM_PMD && !(a->leaf_ok[PTSIM_PMD] && a->ops->leaf(a, PTSIM_PMD, e)))
		return 0; /* a table: its PTEs come next */
	if (s->lvl == PTSIM_PTE && addr < c->skip_end)
		return 0;
	if (!a->ops->present(a, s->lvl, e)) {
		/* Swap entries are dropped rather than read back; so are hwpoison ones. */
		if (s->lvl == PTSIM_PTE && a->ops->swp(a, PTSIM_PTE, e)) {
			enum ptsim_softleaf_type t =
				ptsim__swp_code_type(a, a->ops->swp_type(a, PTSIM_PTE, e));

			if (t == PTSIM_SOFTLEAF_SWAP || t == PTSIM_SOFTLEAF_HWPOISON)
				ptsim__get_and_clear(st->pt, s);
			else if (t == PTSIM_SOFTLEAF_MARKER &&
				 (a->ops->swp_offset(a, PTSIM_PTE, e) & PTSIM_PTE_MARKER_POISONED))
				ptsim__get_and_clear(st->pt, s);
		}
		return 0;
	}
	if (!ptsim__vm_normal_page(ctx, s->lvl, e, &pfn))
		return 0; /* the zero page, the huge zero folio */
	head = ptsim__folio_head(ctx->mem, pfn);
	nr_pages = ptsim__folio_nr_pages(ctx, head);
	if (s->lvl == PTSIM_PMD) {
		/* madvise_free_huge_pmd() */
		if (ptsim__frame(ctx, head + 1)->mapping >> 32 != 0)
			return 0; /* mapped whole elsewhere too: leave it */
		if (addr != (addr & ~((1ull << a->shift[PTSIM_PMD]) - 1)) ||
		    next - addr != 1ull << a->shift[PTSIM_PMD]) {
			/* Part of it: split the folio, then its PTEs are seen one by one. */
			(void)ptsim__split_huge_page(ctx, pfn, 0); /* pinned: stays whole */
			return 0;
		}
		ptsim__page_clear_flag(ctx->mem, head, PTSIM_PG_dirty);
		make_old_clean(c, s, addr);
		mark_lazyfree(ctx, head);
		return 0;
	}
	if (nr_pages > 1) {
		nr = folio_pte_batch(c, s, addr, pfn, head, nr_pages);
		if (pfn != head || nr < nr_pages) {
			/* Not all of it here: split it if it is ours alone, else leave it. */
			if (folio_mapcount(ctx, head) > nr_pages ||
			    ptsim__split_huge_page(ctx, pfn, 0))
				return 0;
			return PTSIM_VISIT_AGAIN; /* a small page now */
		}
	}
	if (ptsim__page_test_flag(ctx->mem, head, PTSIM_PG_dirty)) {
		/* Fully mapped here; exclusive iff each page is mapped once. */
		if (folio_mapcount(ctx, head) != nr_pages)
			return 0;
		ptsim__page_clear_flag(ctx->mem, head, PTSIM_PG_dirty);
	}
	for (unsigned int i = 0; i < nr; i++) {
		struct ptsim_slot si = *s;

		si.idx = s->idx + i;
		si.p = s->p + i;
		si.addr = addr + ((uint64_t)i << a->page_shift);
		make_old_clean(c, &si, si.addr);
	}
	c->skip_end = addr + ((uint64_t)nr << a->page_shift);
	mark_lazyfree(ctx, head);
	return 0;
}

static void madvise_free_vma(struct ptsim_mm_state *st, struct ptsim_vma *vma, uint64_t start,
			     uint64_t end)
{
	struct ptsim_mmu_gather tlb;
	struct lazyfree_ctx c = {.st = st, .tlb = &tlb, .start = start, .end = end};
	struct ptsim_visitor v = {
		.pt = st->pt, .fn = lazyfree_fn, .priv = &c, .flags = PTSIM_VISIT_ALL};

	(void)vma;
	ptsim__tlb_gather(st, &tlb, false);
	(void)ptsim__visit(&v, start, end);
	ptsim__tlb_finish(st, &tlb);
}

static void free_msgs(struct ptsim_mm_state *st, struct ptsim_uffd_node *n)
{
	while (n) {
		struct ptsim_uffd_node *next = n->next;

		ptsim__free(st->ctx->host, n, sizeof(*n));
		n = next;
	}
}

int ptsim__do_madvise(struct ptsim_mm_state *st, uint64_t addr, uint64_t len, int advice)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	struct ptsim_zap_details d = {.drop_markers = false, .reclaim_pt = ctx->cfg->pt_reclaim};
	struct ptsim_uffd_node *msgs = NULL;
	struct ptsim_vma *vma;
	uint64_t end, pos;
	bool hole = false;
	int err;

	if (advice != PTSIM_MADV_DONTNEED && advice != PTSIM_MADV_FREE &&
	    advice != PTSIM_MADV_HUGEPAGE && advice != PTSIM_MADV_NOHUGEPAGE)
		return ptsim__seterr(ctx->host, -EINVAL, "madvise: unknown advice %d", advice);
	err = ptsim__vma_check_range(st, "madvise", addr, len, &end);
	if (err)
		return err;
	if (advice == PTSIM_MADV_HUGEPAGE || advice == PTSIM_MADV_NOHUGEPAGE)
		return madvise_hugepage(st, addr, end, advice);
	for (vma = ptsim__find_vma(&st->vmas, addr); vma && vma->vm_start < end;
	     vma = ptsim__vma_next(vma)) {
		uint64_t vend = end;

		if ((vma->vm_flags & PTSIM_VM_HUGETLB) &&
		    ptsim__hugetlb_madvise_valid(
			    st, vma, advice, vma->vm_start > addr ? vma->vm_start : addr, &vend))
			return -EINVAL;
		if (vma->vm_flags & (PTSIM_VM_LOCKED | PTSIM_VM_PFNMAP))
			return ptsim__seterr(ctx->host, -EINVAL,
					     "madvise: %s on a locked or PFN-mapped VMA at 0x%llx",
					     advice == PTSIM_MADV_FREE ? "FREE" : "DONTNEED",
					     (unsigned long long)vma->vm_start);
		/* madvise_free_single_vma(): "MADV_FREE works for only anon vma". */
		if (advice == PTSIM_MADV_FREE && vma->vm_file)
			return ptsim__seterr(ctx->host, -EINVAL,
					     "madvise: FREE on a file or shared VMA at 0x%llx "
					     "(anonymous private memory only)",
					     (unsigned long long)vma->vm_start);
	}
	/* userfaultfd_remove(): one event per registered VMA, allocated first. */
	if (st->uffd.features & PTSIM_UFFD_FEATURE_EVENT_REMOVE) {
		for (vma = ptsim__find_vma(&st->vmas, addr); vma && vma->vm_start < end;
		     vma = ptsim__vma_next(vma))
			if (ptsim__uffd_wants_event(st, PTSIM_UFFD_FEATURE_EVENT_REMOVE,
						    vma->vm_start, vma->vm_end)) {
				struct ptsim_uffd_node *n = ptsim__uffd_msg_alloc(st);

				if (!n) {
					free_msgs(st, msgs);
					return ptsim__seterr(ctx->host, -ENOMEM,
							     "madvise: out of memory for the "
							     "userfaultfd remove events");
				}
				n->next = msgs;
				msgs = n;
			}
	}
	pos = addr;
	for (vma = ptsim__find_vma(&st->vmas, addr); vma && vma->vm_start < end;
	     vma = ptsim__vma_next(vma)) {
		struct ptsim_mmu_gather tlb;
		uint64_t s = vma->vm_start > addr ? vma->vm_start : addr;
		uint64_t e = vma->vm_end < end ? vma->vm_end : end;
		const char *op;

		if (advice == PTSIM_MADV_FREE) {
			op = ptsim__tlb_set_op(ctx->tlbs, "madvise");
			hole |= s > pos;
			madvise_free_vma(st, vma, s, e);
			ptsim__tlb_restore_op(ctx->tlbs, op);
			pos = e;
			continue;
		}
		if (msgs && (vma->vm_flags &
			     (PTSIM_VM_UFFD_MISSING | PTSIM_VM_UFFD_WP | PTSIM_VM_UFFD_MINOR))) {
			struct ptsim_uffd_node *n = msgs;

			msgs = n->next;
			ptsim__uffd_queue_range(st, n, PTSIM_UFFD_EVENT_REMOVE, s, e);
		}
		op = ptsim__tlb_set_op(ctx->tlbs, "madvise");
		hole |= s > pos;
		/*
		 * zap_page_range_single(): one gather per VMA; with pt_reclaim a
		 * PTE table the VMA's zap empties over its whole span is freed.
		 */
		ptsim__tlb_gather(st, &tlb, false);
		if (vma->vm_flags & PTSIM_VM_HUGETLB) {
			/* madvise_dontneed_free_valid_vma(): whole huge pages, no table reclaim. */
			uint64_t he = e;

			(void)ptsim__hugetlb_madvise_valid(st, vma, advice, s, &he);
			ptsim__zap_range(st, &tlb, vma, s, he > s ? he : s,
					 &(const struct ptsim_zap_details){.drop_markers = false});
		} else {
			ptsim__zap_range(st, &tlb, vma, s, e, &d);
		}
		ptsim__tlb_finish(st, &tlb);
		ptsim__tlb_restore_op(ctx->tlbs, op);
		pos = e;
	}
	PTSIM_BUG_ON(msgs); /* one event per registered VMA, as counted */
	if (hole || pos < end)
		return ptsim__seterr(ctx->host, -ENOMEM,
				     "madvise: part of [0x%llx, 0x%llx) is not mapped",
				     (unsigned long long)addr, (unsigned long long)end);
	return 0;
}
