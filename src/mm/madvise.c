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

	if (advice != PTSIM_MADV_DONTNEED && advice != PTSIM_MADV_HUGEPAGE &&
	    advice != PTSIM_MADV_NOHUGEPAGE)
		return ptsim__seterr(ctx->host, -EINVAL, "madvise: unknown advice %d", advice);
	err = ptsim__vma_check_range(st, "madvise", addr, len, &end);
	if (err)
		return err;
	if (advice != PTSIM_MADV_DONTNEED)
		return madvise_hugepage(st, addr, end, advice);
	for (vma = ptsim__find_vma(&st->vmas, addr); vma && vma->vm_start < end;
	     vma = ptsim__vma_next(vma))
		if (vma->vm_flags & (PTSIM_VM_LOCKED | PTSIM_VM_PFNMAP | PTSIM_VM_HUGETLB))
			return ptsim__seterr(ctx->host, -EINVAL,
					     "madvise: DONTNEED on a locked, PFN-mapped or "
					     "hugetlb VMA at 0x%llx",
					     (unsigned long long)vma->vm_start);
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
		ptsim__zap_range(st, &tlb, vma, s, e, &d);
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
