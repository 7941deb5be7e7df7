// SPDX-License-Identifier: MIT
/*
 * madvise.c - madvise() (follows mm/madvise.c: madvise_walk_vmas(),
 * madvise_dontneed_single_vma()).
 */
#include <errno.h>
#include <string.h>

#include "mm/internal.h"

/* --- madvise ------------------------------------------------------------------------- */

int ptsim__do_madvise(struct ptsim_mm_state *st, uint64_t addr, uint64_t len, int advice)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	struct ptsim_zap_details d = {.drop_markers = false};
	struct ptsim_vma *vma;
	uint64_t end, pos;
	bool hole = false;
	int err;

	if (advice != PTSIM_MADV_DONTNEED)
		return ptsim__seterr(ctx->host, -EINVAL, "madvise: unknown advice %d", advice);
	err = ptsim__vma_check_range(st, "madvise", addr, len, &end);
	if (err)
		return err;
	for (vma = ptsim__find_vma(&st->vmas, addr); vma && vma->vm_start < end;
	     vma = ptsim__vma_next(vma))
		if (vma->vm_flags & (PTSIM_VM_LOCKED | PTSIM_VM_PFNMAP | PTSIM_VM_HUGETLB))
			return ptsim__seterr(ctx->host, -EINVAL,
					     "madvise: DONTNEED on a locked, PFN-mapped or "
					     "hugetlb VMA at 0x%llx",
					     (unsigned long long)vma->vm_start);
	pos = addr;
	for (vma = ptsim__find_vma(&st->vmas, addr); vma && vma->vm_start < end;
	     vma = ptsim__vma_next(vma)) {
		struct ptsim_mmu_gather tlb;
		uint64_t s = vma->vm_start > addr ? vma->vm_start : addr;
		uint64_t e = vma->vm_end < end ? vma->vm_end : end;
		const char *op = ptsim__tlb_set_op(ctx->tlbs, "madvise");

		hole |= s > pos;
		/* zap_page_range_single(): one gather per VMA; tables stay. */
		ptsim__tlb_gather(st, &tlb, false);
		ptsim__zap_range(st, &tlb, vma, s, e, &d);
		ptsim__tlb_finish(st, &tlb);
		ptsim__tlb_restore_op(ctx->tlbs, op);
		pos = e;
	}
	if (hole || pos < end)
		return ptsim__seterr(ctx->host, -ENOMEM,
				     "madvise: part of [0x%llx, 0x%llx) is not mapped",
				     (unsigned long long)addr, (unsigned long long)end);
	return 0;
}
