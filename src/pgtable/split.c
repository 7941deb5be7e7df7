// SPDX-License-Identifier: MIT
/*
 * split.c - the split primitive and its inverse: one leaf at level L becomes
 * a table of leaves at the next real level, and a full table of compatible
 * leaves becomes one leaf again.  THP (split_huge_pmd), HugeTLB HGM and the
 * generic ptsim_split_leaf() are built on it.
 *
 * Prepare, then commit: the new table is allocated (or taken from a deposit)
 * before anything changes, filled while still detached - invisible to the
 * MMU, so those writes are not break-before-make events - and only then
 * published into the leaf's slot.  The order around the publish step is the
 * caller's: the kernel's splits first invalidate the leaf and flush it
 * (pmdp_invalidate(); on arm64 break-before-make is required for a change of
 * size, on x86 it avoids AMD erratum 383), then link the table; a caller
 * that publishes over the live leaf is reported by the discipline checker
 * on arm64.  This layer knows nothing of TLBs, so the flush is the
 * caller's too.
 *
 * Collapse is checked first (every entry a present leaf, frames
 * consecutive and aligned, attributes equal to the first one's), then
 * committed by the caller: unhook the table, flush, write the leaf, free the
 * table.
 */
#include <errno.h>
#include <string.h>

#include "pgtable/internal.h"

/* The level of the leaves a split of a leaf at @lvl produces, or -1. */
static int split_child(const struct ptsim_arch *a, int lvl)
{
	int c;

	if (lvl >= PTSIM_PTE)
		return -1;
	c = ptsim__child_level(a, lvl);
	return a->leaf_ok[c] ? c : -1;
}

static int split_init(struct ptsim_pgtables *pt, const struct ptsim_slot *s, struct ptsim_split *sp)
{
	const struct ptsim_arch *a = pt->pa->arch;
	uint64_t e = *s->p;

	memset(sp, 0, sizeof(*sp));
	if (!a->leaf_ok[s->lvl] || !a->ops->present(a, s->lvl, e) || !a->ops->leaf(a, s->lvl, e))
		return -EINVAL;
	sp->child = split_child(a, s->lvl);
	if (sp->child < 0)
		return -EINVAL;
	sp->slot = *s;
	sp->leaf = e;
	sp->nr = a->ptrs[sp->child];
	sp->stride = 1ull << (a->shift[sp->child] - a->page_shift);
	return 0;
}

int ptsim__split_prepare(struct ptsim_pgtables *pt, const struct ptsim_slot *s,
			 struct ptsim_split *sp)
{
	int err = split_init(pt, s, sp);

	if (err)
		return err;
	err = ptsim__table_alloc(pt->pa, &sp->prep);
	if (err)
		return err;
	ptsim__table_install(pt->pa, &sp->prep, sp->child, pt->owner_id);
	sp->table_pfn = sp->prep.pfn;
	sp->allocated = true;
	return 0;
}

int ptsim__split_prepare_with(struct ptsim_pgtables *pt, const struct ptsim_slot *s,
			      uint64_t table_pfn, struct ptsim_split *sp)
{
	struct ptsim_frame *f;
	int err = split_init(pt, s, sp);

	if (err)
		return err;
	f = ptsim__table_frame(pt->pa, table_pfn);
	PTSIM_BUG_ON(!f || ptsim__table_state(f) || f->extra || f->index != (uint64_t)sp->child ||
		     f->mapping != pt->owner_id);
	sp->table_pfn = table_pfn;
	sp->counted = true;
	return 0;
}

void ptsim__split_set(struct ptsim_pgtables *pt, struct ptsim_split *sp, unsigned int i, uint64_t e)
{
	const struct ptsim_arch *a = pt->pa->arch;
	uint64_t size = 1ull << a->shift[sp->slot.lvl];
	struct ptsim_slot s = {
		.lvl = sp->child,
		.table_pfn = sp->table_pfn,
		.idx = i,
		.p = ptsim__table_entries(pt->pa, sp->table_pfn) + i,
		.addr = (sp->slot.addr & ~(size - 1)) + ((uint64_t)i << a->shift[sp->child]),
	};

	PTSIM_BUG_ON(i >= sp->nr);
	ptsim__set_entry(pt, &s, e);
}

uint64_t ptsim__split_entry(const struct ptsim_arch *a, const struct ptsim_split *sp,
			    unsigned int i)
{
	uint64_t pfn = a->ops->pfn(a, sp->slot.lvl, sp->leaf);

	return a->ops->relevel(a, sp->slot.lvl, sp->leaf, sp->child, pfn + i * sp->stride);
}

void ptsim__split_fill(struct ptsim_pgtables *pt, struct ptsim_split *sp, bool cont)
{
	const struct ptsim_arch *a = pt->pa->arch;

	for (unsigned int i = 0; i < sp->nr; i++) {
		uint64_t e = ptsim__split_entry(a, sp, i);

		if (cont && a->ops->mkcont)
			e = a->ops->mkcont(a, sp->child, e);
		ptsim__split_set(pt, sp, i, e);
	}
}

bool ptsim__split_affine(const struct ptsim_split *sp, uint64_t e0, uint64_t e1, uint64_t elast,
			 uint64_t *step)
{
	*step = e1 - e0;
	return sp->nr >= 2 && e0 + (uint64_t)(sp->nr - 1) * *step == elast;
}

void ptsim__split_fill_affine(struct ptsim_pgtables *pt, struct ptsim_split *sp, uint64_t first,
			      uint64_t step)
{
	const struct ptsim_arch *a = pt->pa->arch;
	struct ptsim_frame *f = ptsim__pfn_to_frame_noinit(pt->pa->mem, sp->table_pfn);
	uint64_t *tbl = ptsim__table_entries(pt->pa, sp->table_pfn);

	/* Detached and empty: no hook to call, every entry goes from none to present. */
	PTSIM_BUG_ON(ptsim__table_state(f) == PTSIM_TABLE_LINKED || f->extra ||
		     a->ops->none(a, sp->child, first));
	for (unsigned int i = 0; i < sp->nr; i++)
		tbl[i] = first + i * step;
	f->extra = sp->nr;
	pt->pa->host->cost.entries_written[ptsim__slot_level(a, sp->child)] += sp->nr;
	if (pt->pa->ptref_on && sp->child == PTSIM_PTE)
		ptsim__ptref_recount(pt, f);
}

void ptsim__split_publish(struct ptsim_pgtables *pt, struct ptsim_split *sp)
{
	const struct ptsim_arch *a = pt->pa->arch;
	struct ptsim_frame *f = ptsim__pfn_to_frame_noinit(pt->pa->mem, sp->table_pfn);

	/* pmd_populate() over whatever the slot holds now: the leaf, none, or it invalidated. */
	ptsim__table_set_state(f, PTSIM_TABLE_LINKED);
	ptsim__set_entry(pt, &sp->slot,
			 a->ops->mk_table(a, sp->slot.lvl, sp->table_pfn, pt->kernel));
	if (!sp->counted)
		ptsim__pt_account(pt, sp->child, +1);
	if (pt->pa->ptref_on && sp->child == PTSIM_PTE)
		ptsim__ptref_link(pt, f, +1);
	sp->table_pfn = 0;
}

void ptsim__split_abort(struct ptsim_pgtables *pt, struct ptsim_split *sp)
{
	uint64_t *tbl;

	if (!sp->table_pfn)
		return;
	/* Drop what was filled, without hooks: the table was never visible. */
	tbl = ptsim__table_entries(pt->pa, sp->table_pfn);
	memset(tbl, 0, (size_t)sp->nr * sizeof(*tbl));
	ptsim__pfn_to_frame_noinit(pt->pa->mem, sp->table_pfn)->extra = 0;
	if (pt->pa->ptref_on && sp->child == PTSIM_PTE)
		ptsim__ptref_recount(pt, ptsim__pfn_to_frame_noinit(pt->pa->mem, sp->table_pfn));
	/* A table prepare allocated goes back as if never taken (host memory included). */
	if (sp->allocated) {
		ptsim__table_uninstall(pt->pa, sp->table_pfn);
		ptsim__table_discard(pt->pa, &sp->prep);
	}
	sp->table_pfn = 0;
}

/* A leaf without the bits a collapse merges: contiguous hint, accessed, dirty. */
static uint64_t normal(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	if (a->ops->mknoncont)
		e = a->ops->mknoncont(a, lvl, e);
	return a->ops->mkold(a, lvl, a->ops->mkclean(a, lvl, e));
}

bool ptsim__collapse_check(struct ptsim_pgtables *pt, const struct ptsim_slot *s, uint64_t *huge)
{
	const struct ptsim_arch *a = pt->pa->arch;
	uint64_t e = *s->p, *tbl, pfn0, stride, first;
	bool young = false, dirty = false;
	int child;

	if (!a->leaf_ok[s->lvl] || s->lvl >= PTSIM_PTE || !e || !a->ops->table(a, s->lvl, e) ||
	    a->ops->leaf(a, s->lvl, e))
		return false;
	child = ptsim__child_level(a, s->lvl);
	tbl = ptsim__table_entries(pt->pa, a->ops->pfn(a, s->lvl, e));
	if (!tbl || !a->leaf_ok[child])
		return false;
	first = tbl[0];
	if (!a->ops->present(a, child, first) || !a->ops->leaf(a, child, first))
		return false;
	stride = 1ull << (a->shift[child] - a->page_shift);
	pfn0 = a->ops->pfn(a, child, first);
	if (pfn0 & ((1ull << (a->shift[s->lvl] - a->page_shift)) - 1))
		return false; /* the frames are not aligned to the bigger leaf */
	for (unsigned int i = 0; i < a->ptrs[child]; i++) {
		/*
		 * Consecutive frames, the same attributes as the first leaf:
		 * what a split of one leaf gives.  Accessed and dirty may
		 * differ; the leaf gets them if any entry had them.
		 */
		uint64_t want = a->ops->relevel(a, child, normal(a, child, first), child,
						pfn0 + i * stride);

		if (!a->ops->present(a, child, tbl[i]) || normal(a, child, tbl[i]) != want)
			return false;
		young |= a->ops->young(a, child, tbl[i]);
		dirty |= a->ops->dirty(a, child, tbl[i]);
	}
	/* The first leaf's own encoding, so that a split and a collapse give the leaf back. */
	*huge = a->ops->relevel(a, child, first, s->lvl, pfn0);
	if (young && !a->ops->young(a, child, first))
		*huge = a->ops->mkyoung(a, s->lvl, *huge);
	if (dirty && !a->ops->dirty(a, child, first))
		*huge = a->ops->mkdirty(a, s->lvl, *huge);
	return true;
}
