// SPDX-License-Identifier: MIT
/*
 * pte_ref.c - EXPERIMENTAL, NEVER MERGED: the reclaim pass of the 2022 RFC
 * "Try to free empty and zero user PTE page table pages" (Qi Zheng; its
 * mm/pte_ref.c free_user_pte_table() path and the proc interface of its
 * patch 7/7).  The merged kernel (mm/pt_reclaim.c, v6.14) frees only a
 * table a MADV_DONTNEED zap leaves empty, and never a zero-page table.
 *
 * Per table (follows the RFC's order, mmap_lock held for write):
 *   1. zero table: clear its zero-page PTEs (the zero page has no rmap and
 *      no reference to drop), each handed to the gather for the flush;
 *   2. pmd_clear() (ptsim__table_detach(): VmPTE drops by one table);
 *   3. pte_free_tlb(): the gather flushes the range and, as it freed a
 *      table, the walk caches, then frees the table page.
 */
#include "mm/pte_ref.h"
#include "pgtable/visit.h"

struct reclaim_ctx {
	struct ptsim_mm_state *st;
	struct ptsim_mmu_gather *tlb;
	uint64_t target, freed;
};

static bool zero_table_has_uffd_wp(const struct ptsim_arch *a, const uint64_t *tbl)
{
	for (unsigned int i = 0; i < a->ptrs[PTSIM_PTE]; i++)
		if (a->ops->uffd_wp(a, PTSIM_PTE, tbl[i]))
			return true;
	return false;
}

static int reclaim_fn(struct ptsim_visitor *v, int what, struct ptsim_slot *s, uint64_t addr,
		      uint64_t next)
{
	struct reclaim_ctx *rc = v->priv;
	struct ptsim_mm_state *st = rc->st;
	struct ptsim_ptalloc *pa = st->pt->pa;
	const struct ptsim_arch *a = pa->arch;
	struct ptsim_frame *f;
	uint64_t cpfn, *tbl, tbytes = (uint64_t)a->ptrs[PTSIM_PTE] * 8;
	int kind;

	(void)what;
	(void)next;
	if (s->lvl != PTSIM_PMD)
		return 0;
	cpfn = a->ops->pfn(a, s->lvl, *s->p);
	f = ptsim__table_frame(pa, cpfn);
	if (!f || f->index != PTSIM_PTE || ptsim__table_state(f) != PTSIM_TABLE_LINKED)
		return PTSIM_VISIT_SKIP;
	pa->ptref_stats.scanned++;
	kind = ptsim__ptref_kind(a, f);
	tbl = (uint64_t *)(uintptr_t)f->private_;
	if (!kind || (kind == 2 && zero_table_has_uffd_wp(a, tbl)))
		return PTSIM_VISIT_SKIP;
	if (kind == 2) {
		/* The zero-page mappings go first: a later read faults and maps it again. */
		for (unsigned int i = 0; i < a->ptrs[PTSIM_PTE]; i++) {
			struct ptsim_slot t = {
				.lvl = PTSIM_PTE,
				.table_pfn = cpfn,
				.idx = i,
				.p = &tbl[i],
				.addr = addr + ((uint64_t)i << a->page_shift),
			};

			(void)ptsim__get_and_clear(st->pt, &t);
			ptsim__tlb_remove_tlb_entry(a, rc->tlb, PTSIM_PTE, t.addr);
		}
		pa->ptref_stats.zero_ptes_dropped += a->ptrs[PTSIM_PTE];
		pa->ptref_stats.reclaimed_zero++;
	} else {
		pa->ptref_stats.reclaimed_empty++;
	}
	/* pmd_clear() under the write lock, then pte_free_tlb(): freed after the flush. */
	cpfn = ptsim__table_detach(st->pt, s);
	PTSIM_BUG_ON(
		ptsim__tlb_remove_table(st->ctx->tlbs, st->tlb_mm, rc->tlb, cpfn, addr, PTSIM_PTE));
	pa->ptref_stats.bytes_freed += tbytes;
	rc->freed += tbytes;
	if (rc->target && rc->freed >= rc->target)
		return 1; /* target met: stop the walk */
	return PTSIM_VISIT_SKIP;
}

uint64_t ptsim__ptref_reclaim_mm(struct ptsim_mm_state *st, uint64_t target)
{
	struct ptsim_mmu_gather tlb;
	struct reclaim_ctx rc = {.st = st, .tlb = &tlb, .target = target};
	struct ptsim_visitor v = {
		.pt = st->pt, .fn = reclaim_fn, .priv = &rc, .flags = PTSIM_VISIT_TABLE_PRE};
	const char *op = ptsim__tlb_set_op(st->ctx->tlbs, "ptref_reclaim");

	ptsim__tlb_gather(st, &tlb, false);
	(void)ptsim__visit(&v, 0, 0);
	ptsim__tlb_finish(st, &tlb);
	ptsim__tlb_restore_op(st->ctx->tlbs, op);
	return rc.freed;
}
