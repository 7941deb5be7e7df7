// SPDX-License-Identifier: MIT
/*
 * pagemap.c - /proc/PID/pagemap words and clear_refs (follows
 * fs/proc/task_mmu.c: pte_to_pagemap_entry(), pagemap_pmd_range(),
 * pagemap_pte_hole(), clear_refs_write(), clear_soft_dirty()).
 *
 * Words are what a reader with CAP_SYS_ADMIN sees (the PFN, or the swap
 * type | offset << 5, in bits 54:0).  Soft-dirty follows the soft_dirty
 * knob (CONFIG_MEM_SOFT_DIRTY, x86 only): without it there is neither the
 * entry bit nor VM_SOFTDIRTY, so bit 55 is never set and clear_refs 4 does
 * nothing - always so on arm64.
 */
#include <errno.h>
#include <string.h>

#include "mm/internal.h"
#include "ptsim/softleaf.h"

#define MAX_SWAPFILES_SHIFT 5

static uint64_t swap_word(struct ptsim_mm_ctx *ctx, int lvl, uint64_t e)
{
	const struct ptsim_arch *a = ctx->arch;
	unsigned int type = a->ops->swp_type(a, lvl, e);
	uint64_t offset = a->ops->swp_offset(a, lvl, e);
	unsigned int fl = a->ops->swp_flags(a, lvl, e);
	uint64_t w = PTSIM_PM_SWAP;

	if (ptsim__swp_code_type(a, type) == PTSIM_SOFTLEAF_MARKER) {
		if (offset & PTSIM_PTE_MARKER_UFFD_WP)
			w |= PTSIM_PM_UFFD_WP;
		if (offset & PTSIM_PTE_MARKER_GUARD)
			w |= PTSIM_PM_GUARD_REGION;
	} else if (type >= ptsim__max_swapfiles(a)) {
		/* swp_offset_pfn(): PFN-carrying entries report the PFN alone. */
		offset &= (1ull << (a->pa_bits - a->page_shift)) - 1;
	}
	if (fl & PTSIM_SWP_SOFT_DIRTY)
		w |= PTSIM_PM_SOFT_DIRTY;
	if (fl & PTSIM_SWP_UFFD_WP)
		w |= PTSIM_PM_UFFD_WP;
	return w | ((type | offset << MAX_SWAPFILES_SHIFT) & PTSIM_PM_PFN_MASK);
}

/*
 * pagemap_hugetlb_range(): soft-dirty from VM_SOFTDIRTY only; a present
 * entry gives the PFN of the subpage, PM_FILE for a page-cache folio,
 * PM_MMAP_EXCLUSIVE while the folio has one mapping, PM_UFFD_WP; a
 * non-present one (marker, hwpoison, migration) only its uffd-wp bit - never
 * PM_SWAP nor a swap offset.
 */
static uint64_t hugetlb_pagemap(struct ptsim_mm_state *st, uint64_t va, uint64_t w)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	const struct ptsim_arch *a = ctx->arch;
	struct ptsim_slot s;
	uint64_t e, head;

	if (ptsim__walk_to(st->pt, va, PTSIM_PTE, &s))
		return w;
	e = *s.p;
	if (a->ops->none(a, s.lvl, e))
		return w;
	if (!a->ops->present(a, s.lvl, e)) {
		if (a->ops->swp(a, s.lvl, e) &&
		    ((a->ops->swp_flags(a, s.lvl, e) & PTSIM_SWP_UFFD_WP) ||
		     (ptsim__swp_code_type(a, a->ops->swp_type(a, s.lvl, e)) ==
			      PTSIM_SOFTLEAF_MARKER &&
		      (a->ops->swp_offset(a, s.lvl, e) & PTSIM_PTE_MARKER_UFFD_WP))))
			w |= PTSIM_PM_UFFD_WP;
		return w;
	}
	if (!a->leaf_ok[s.lvl] || !a->ops->leaf(a, s.lvl, e))
		return w;
	head = a->ops->pfn(a, s.lvl, e);
	if (ptsim__frame(ctx, head)) {
		head = ptsim__folio_head(ctx->mem, head); /* a contiguous run's entry maps a part */
		if (!ptsim__folio_anon(ctx, head))
			w |= PTSIM_PM_FILE;
		if (ptsim__page_mapcount(ctx, head) == 1) /* !folio_maybe_mapped_shared() */
			w |= PTSIM_PM_MMAP_EXCLUSIVE;
	}
	if (a->ops->uffd_wp(a, s.lvl, e))
		w |= PTSIM_PM_UFFD_WP;
	return w | PTSIM_PM_PRESENT |
	       ((a->ops->pfn(a, s.lvl, e) +
		 ((va & ((1ull << a->shift[s.lvl]) - 1)) >> a->page_shift)) &
		PTSIM_PM_PFN_MASK);
}

int ptsim__pagemap(struct ptsim_mm_state *st, uint64_t va, uint64_t *word)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	const struct ptsim_arch *a = ctx->arch;
	struct ptsim_vma *vma;
	struct ptsim_slot s;
	uint64_t e, w = 0, page;

	if (!ptsim__va_valid(a, va))
		return -EINVAL;
	vma = ptsim__vma_lookup(&st->vmas, va);
	if (vma && (vma->vm_flags & PTSIM_VM_SOFTDIRTY))
		w |= PTSIM_PM_SOFT_DIRTY;
	if (vma && (vma->vm_flags & PTSIM_VM_HUGETLB)) {
		*word = hugetlb_pagemap(st, va, w);
		return 0;
	}
	if (ptsim__walk_to(st->pt, va, PTSIM_PTE, &s)) {
		*word = w;
		return 0;
	}
	e = *s.p;
	if (a->ops->none(a, s.lvl, e)) {
		*word = vma ? w : 0;
		return 0;
	}
	if (!a->ops->present(a, s.lvl, e)) {
		*word = w | swap_word(ctx, s.lvl, e);
		return 0;
	}
	if (!a->leaf_ok[s.lvl] || !a->ops->leaf(a, s.lvl, e)) {
		*word = w;
		return 0;
	}
	page = a->ops->pfn(a, s.lvl, e) + ((va & ((1ull << a->shift[s.lvl]) - 1)) >> a->page_shift);
	w |= PTSIM_PM_PRESENT | (page & PTSIM_PM_PFN_MASK);
	if (a->ops->soft_dirty(a, s.lvl, e))
		w |= PTSIM_PM_SOFT_DIRTY;
	if (a->ops->uffd_wp(a, s.lvl, e))
		w |= PTSIM_PM_UFFD_WP;
	if (ptsim__vm_normal_page(ctx, s.lvl, e, &page) ||
	    (s.lvl != PTSIM_PTE && !a->ops->special(a, s.lvl, e))) {
		page = a->ops->pfn(a, s.lvl, e) +
		       ((va & ((1ull << a->shift[s.lvl]) - 1)) >> a->page_shift);
		if (ptsim__frame(ctx, page)) {
			if (!ptsim__folio_anon(ctx, page))
				w |= PTSIM_PM_FILE;
			if (ptsim__page_mapcount(ctx, page) == 1)
				w |= PTSIM_PM_MMAP_EXCLUSIVE;
		}
	}
	*word = w;
	return 0;
}

static int clear_sd_fn(struct ptsim_visitor *v, int what, struct ptsim_slot *s, uint64_t addr,
		       uint64_t next)
{
	struct ptsim_mm_state *st = v->priv;
	const struct ptsim_arch *a = st->ctx->arch;
	uint64_t e = *s->p, n;

	(void)what;
	(void)addr;
	(void)next;
	if (a->ops->present(a, s->lvl, e)) {
		if (!a->leaf_ok[s->lvl] || !a->ops->leaf(a, s->lvl, e))
			return 0;
		n = a->ops->clear_soft_dirty(a, s->lvl, a->ops->wrprotect(a, s->lvl, e));
	} else {
		n = a->ops->swp_clear_soft_dirty(a, s->lvl, e);
	}
	if (n != e)
		ptsim__set_entry(st->pt, s, n);
	return 0;
}

int ptsim__clear_refs(struct ptsim_mm_state *st, int type)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	const char *op;

	if (type != PTSIM_CLEAR_REFS_SOFT_DIRTY)
		return ptsim__seterr(ctx->host, -EINVAL, "clear_refs: unsupported type %d", type);
	if (!ctx->cfg->soft_dirty)
		return 0; /* clear_soft_dirty() is empty without CONFIG_MEM_SOFT_DIRTY */
	op = ptsim__tlb_set_op(ctx->tlbs, "clear_refs");
	for (struct ptsim_vma *vma = ptsim__vma_first(&st->vmas); vma; vma = ptsim__vma_next(vma)) {
		struct ptsim_visitor v = {
			.pt = st->pt, .fn = clear_sd_fn, .priv = st, .flags = PTSIM_VISIT_LEAF};

		if (vma->vm_flags & PTSIM_VM_SOFTDIRTY) {
			vma->vm_flags &= ~PTSIM_VM_SOFTDIRTY;
			vma->vm_page_prot =
				ptsim__vma_page_prot(ctx, vma); /* vma_set_page_prot() */
		}
		/* The walk has no hugetlb_entry: hugetlb VMAs are skipped (walk_hugetlb_range()).
		 */
		if (!(vma->vm_flags & PTSIM_VM_HUGETLB))
			(void)ptsim__visit(&v, vma->vm_start, vma->vm_end);
	}
	ptsim__flush_tlb_mm(ctx->tlbs, st->tlb_mm);
	ptsim__tlb_restore_op(ctx->tlbs, op);
	return 0;
}
