// SPDX-License-Identifier: MIT
/*
 * mprotect.c - change_protection() and mprotect() (follows mm/mprotect.c:
 * change_pte_range(), can_change_pte_writable(), mprotect_fixup()).
 * change_protection() also serves userfaultfd write-protect (uffd.c).
 */
#include <errno.h>
#include <string.h>

#include "mm/internal.h"
#include "ptsim/softleaf.h"

/* --- mprotect ----------------------------------------------------------------------- */

/* can_change_pte_writable(). */
static bool can_change_writable(struct ptsim_mm_state *st, struct ptsim_vma *vma, int lvl,
				uint64_t e)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	const struct ptsim_arch *a = ctx->arch;
	uint64_t page;

	if (!(vma->vm_flags & PTSIM_VM_WRITE))
		return false;
	if (ptsim__vma_soft_dirty_enabled(ctx, vma) && !a->ops->soft_dirty(a, lvl, e))
		return false;
	if ((vma->vm_flags & PTSIM_VM_UFFD_WP) && a->ops->uffd_wp(a, lvl, e))
		return false;
	if (!(vma->vm_flags & PTSIM_VM_SHARED))
		return ptsim__vm_normal_page(ctx, lvl, e, &page) && ptsim__folio_anon(ctx, page) &&
		       ptsim__page_test_flag(ctx->mem, page, PTSIM_PG_anon_exclusive);
	return a->ops->dirty(a, lvl, e);
}

struct cp_ctx {
	struct ptsim_mm_state *st;
	struct ptsim_vma *vma;
	uint64_t newprot;
	unsigned int cp_flags;
	bool try_writable;
	bool wp_2018; /* compat.uffd_wp_2018: write protection is the write bit */
	uint64_t pages;
};

/*
 * A non-present PTE under MM_CP_UFFD_WP / _RESOLVE (change_pte_range()):
 * a uffd-wp marker is cleared on resolve, other markers (poison, guard)
 * are left alone, other swap entries get or lose the swap uffd-wp bit.
 */
static void change_swp_uffd_wp(struct cp_ctx *c, struct ptsim_slot *s, uint64_t old)
{
	struct ptsim_mm_ctx *ctx = c->st->ctx;
	const struct ptsim_arch *a = ctx->arch;
	uint64_t e = old;

	if (ptsim__swp_code_type(a, a->ops->swp_type(a, s->lvl, old)) == PTSIM_SOFTLEAF_MARKER) {
		uint64_t bits = a->ops->swp_offset(a, s->lvl, old);

		if (bits & (PTSIM_PTE_MARKER_POISONED | PTSIM_PTE_MARKER_GUARD))
			return;
		if (c->cp_flags & PTSIM_CP_UFFD_WP_RESOLVE) {
			ptsim__get_and_clear(c->st->pt, s);
			c->pages++;
		}
		return;
	}
	if (c->cp_flags & PTSIM_CP_UFFD_WP)
		e = a->ops->swp_mkuffd_wp(a, s->lvl, old);
	else if (c->cp_flags & PTSIM_CP_UFFD_WP_RESOLVE)
		e = a->ops->swp_clear_uffd_wp(a, s->lvl, old);
	if (e != old) {
		ptsim__set_entry(c->st->pt, s, e);
		c->pages++;
	}
}

static int change_pte_fn(struct ptsim_visitor *v, int what, struct ptsim_slot *s, uint64_t addr,
			 uint64_t next)
{
	struct cp_ctx *c = v->priv;
	const struct ptsim_arch *a = c->st->ctx->arch;
	uint64_t old = *s->p, e;

	(void)what;
	(void)addr;
	(void)next;
	if (c->wp_2018) {
		/*
		 * 2018: protect clears the write bit; unprotect sets it only
		 * where the entry is dirty (a clean one stays read-only, and
		 * its next write traps again).  No bit, no swap entries.
		 */
		if (!a->leaf_ok[s->lvl] || !a->ops->leaf(a, s->lvl, old))
			return 0;
		e = old;
		if (c->cp_flags & PTSIM_CP_UFFD_WP)
			e = a->ops->wrprotect(a, s->lvl, old);
		else if (a->ops->dirty(a, s->lvl, old))
			e = a->ops->mkwrite(a, s->lvl, old);
		if (e != old) {
			ptsim__set_entry(c->st->pt, s, e);
			c->pages++;
		}
		return 0;
	}
	if (!a->leaf_ok[s->lvl] || !a->ops->leaf(a, s->lvl, old)) {
		/* mprotect: swap entries and markers keep their bits */
		if (c->cp_flags && s->lvl == PTSIM_PTE && !a->ops->present(a, s->lvl, old) &&
		    a->ops->swp(a, s->lvl, old))
			change_swp_uffd_wp(c, s, old);
		return 0;
	}
	e = a->ops->modify(a, s->lvl, old, c->newprot);
	if (c->cp_flags & PTSIM_CP_UFFD_WP)
		e = a->ops->mkuffd_wp(a, s->lvl, e);
	else if (c->cp_flags & PTSIM_CP_UFFD_WP_RESOLVE)
		e = a->ops->clear_uffd_wp(a, s->lvl, e);
	if (c->try_writable && !a->ops->write(a, s->lvl, e) &&
	    can_change_writable(c->st, c->vma, s->lvl, e))
		e = a->ops->mkwrite(a, s->lvl, e);
	if (e != old) {
		ptsim__set_entry(c->st->pt, s, e);
		c->pages++;
	}
	return 0;
}

/* change_protection() over [start, end) of @vma; returns entries changed. */
uint64_t ptsim__change_protection(struct ptsim_mm_state *st, struct ptsim_vma *vma, uint64_t start,
				  uint64_t end, unsigned int cp_flags)
{
	struct cp_ctx c = {
		.st = st, .vma = vma, .newprot = vma->vm_page_prot, .cp_flags = cp_flags};
	struct ptsim_visitor v = {
		.pt = st->pt, .fn = change_pte_fn, .priv = &c, .flags = PTSIM_VISIT_LEAF};

	PTSIM_BUG_ON((cp_flags & PTSIM_CP_UFFD_WP) && (cp_flags & PTSIM_CP_UFFD_WP_RESOLVE));
	c.wp_2018 = cp_flags && st->ctx->cfg->compat_uffd_wp_2018;
	/*
	 * MM_CP_TRY_CHANGE_WRITABLE when vma_wants_manual_pte_write_upgrade():
	 * mprotect and uffd-wp unprotect pass it, uffd-wp protect does not.
	 */
	/* hugetlb_change_protection() never upgrades an entry to writable. */
	if (!(cp_flags & PTSIM_CP_UFFD_WP) && !(vma->vm_flags & PTSIM_VM_HUGETLB))
		c.try_writable = vma->vm_flags & PTSIM_VM_SHARED
					 ? ptsim__vma_wants_writenotify(st->ctx, vma)
					 : (vma->vm_flags & PTSIM_VM_WRITE) != 0;
	/* change_pmd_range(): a THP the range only partly covers is split first. */
	ptsim__split_huge_pmd_edges(st, vma, start, end);
	(void)ptsim__visit(&v, start, end);
	return c.pages;
}

int ptsim__do_mprotect(struct ptsim_mm_state *st, uint64_t addr, uint64_t len, unsigned int prot)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	struct ptsim_host *h = ctx->host;
	const uint64_t rwx = PTSIM_VM_READ | PTSIM_VM_WRITE | PTSIM_VM_EXEC;
	struct ptsim_vma *vma, *spare[2], *first, *last;
	uint64_t end, pages = 0;
	const char *op;
	int err, n = 0;

	if (prot & ~(PTSIM_PROT_READ | PTSIM_PROT_WRITE | PTSIM_PROT_EXEC))
		return ptsim__seterr(h, -EINVAL, "mprotect: unknown prot 0x%x", prot);
	err = ptsim__vma_check_range(st, "mprotect", addr, len, &end);
	if (err)
		return err;
	/* The whole range must be mapped. */
	vma = ptsim__find_vma(&st->vmas, addr);
	if (!vma || vma->vm_start > addr)
		return ptsim__seterr(h, -ENOMEM, "mprotect: 0x%llx is not mapped",
				     (unsigned long long)addr);
	for (struct ptsim_vma *v = vma; v->vm_end < end; v = ptsim__vma_next(v)) {
		struct ptsim_vma *nx = ptsim__vma_next(v);

		if (!nx || nx->vm_start != v->vm_end)
			return ptsim__seterr(h, -ENOMEM, "mprotect: 0x%llx is not mapped",
					     (unsigned long long)v->vm_end);
	}
	/* Splits only where the flags really change. */
	if (vma->vm_start < addr && (vma->vm_flags & rwx) != prot)
		n++;
	last = ptsim__find_vma(&st->vmas, end - 1);
	if (last->vm_end > end && (last->vm_flags & rwx) != prot)
		n++;
	/* hugetlb_vm_op_split(): a split must not cut a huge page. */
	err = ptsim__hugetlb_may_split(
		st, "mprotect", vma->vm_start < addr && (vma->vm_flags & rwx) != prot ? addr : 0,
		last->vm_end > end && (last->vm_flags & rwx) != prot ? end : 0);
	if (err)
		return err;
	err = ptsim__vma_spares_alloc(ctx, n, spare);
	if (err)
		return ptsim__seterr(h, err, "mprotect: out of memory splitting a VMA");

	/* Commit: split, change flags and entries, merge, flush. */
	n = 0;
	if (vma->vm_start < addr && (vma->vm_flags & rwx) != prot) {
		ptsim__vma_split(st, vma, spare[n], addr);
		vma = spare[n];
		spare[n++] = NULL;
	}
	last = ptsim__find_vma(&st->vmas, end - 1);
	if (last->vm_end > end && (last->vm_flags & rwx) != prot) {
		ptsim__vma_split(st, last, spare[n], end);
		spare[n++] = NULL;
	}
	first = vma;
	op = ptsim__tlb_set_op(ctx->tlbs, "mprotect");
	for (vma = first; vma && vma->vm_start < end; vma = ptsim__vma_next(vma)) {
		uint64_t newflags = (vma->vm_flags & ~rwx) | prot;

		if (newflags == vma->vm_flags)
			continue;
		if ((newflags & PTSIM_VM_WRITE) && !(newflags & PTSIM_VM_SHARED))
			newflags |= PTSIM_VM_ACCOUNT; /* security_vm_enough_memory() charged */
		vma->vm_flags = newflags;
		vma->vm_page_prot = ptsim__vma_page_prot(ctx, vma);
		pages += ptsim__change_protection(st, vma,
						  vma->vm_start > addr ? vma->vm_start : addr,
						  vma->vm_end < end ? vma->vm_end : end, 0);
	}
	if (pages)
		ptsim__flush_tlb_range(ctx->tlbs, st->tlb_mm, addr, end - 1, ctx->arch->page_shift,
				       false);
	ptsim__tlb_restore_op(ctx->tlbs, op);
	/* vma_modify_flags() merges what changed with its neighbours. */
	for (vma = ptsim__find_vma(&st->vmas, addr); vma && vma->vm_start <= end;) {
		struct ptsim_vma *m = ptsim__vma_merge(st, vma);

		vma = ptsim__vma_next(m);
	}
	ptsim__vma_spares_free(ctx, spare);
	return 0;
}
