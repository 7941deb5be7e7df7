// SPDX-License-Identifier: MIT
/*
 * lockless.c - lockless page-table walkers and RCU table freeing (follows
 * mm/gup.c's gup_fast() walk, pte_offset_map() / pte_offset_map_rw_nolock()
 * in mm/pgtable-generic.c, and tlb_remove_table() with
 * MMU_GATHER_RCU_TABLE_FREE in mm/mmu_gather.c).
 *
 * A lockless walker takes no page-table lock: it reads each level's entry
 * once (pXdp_get_lockless()), follows table entries down, and relies on
 * two things for safety.  The table it holds must stay memory (it may be
 * unhooked under it by pt_reclaim or munmap): freeing tables after an RCU
 * grace period guarantees that, and the model's grace period ends when the
 * last walker ends - a correct if conservative RCU.  And what it read may be
 * stale: before it trusts or modifies an entry it rechecks that the entry
 * which led to its table still does (pmd_same()).
 *
 * With pt_free=immediate the table may be freed while a walker holds it:
 * the walker's next touch is a use after free, which the api layer records
 * as a violation instead of performing.
 */
#include <errno.h>
#include <string.h>

#include "pgtable/internal.h"

void ptsim__lockless_begin(struct ptsim_ptalloc *pa, struct ptsim_lockless_walk *w,
			   struct ptsim_pgtables *pt, uint64_t addr)
{
	memset(w, 0, sizeof(*w));
	w->pt = pt;
	w->addr = addr;
	w->lvl = PTSIM_PGD;
	w->table_pfn = pt->root_pfn;
	w->parent_lvl = -1;
	w->last_lvl = -1;
	w->next = pa->lockless;
	if (pa->lockless)
		pa->lockless->prev = w;
	pa->lockless = w;
	pa->nr_lockless++;
}

/* The grace period is over: free what waited for it. */
static void rcu_drain(struct ptsim_ptalloc *pa)
{
	while (pa->rcu_pending) {
		uint64_t pfn = pa->rcu_pending - 1;
		struct ptsim_frame *f = ptsim__pfn_to_frame_noinit(pa->mem, pfn);

		pa->rcu_pending = f->link;
		f->link = 0;
		pa->nr_rcu_pending--;
		ptsim__table_set_state(f, 0);
		ptsim__table_free(pa, pfn);
	}
}

void ptsim__lockless_end(struct ptsim_ptalloc *pa, struct ptsim_lockless_walk *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		pa->lockless = w->next;
	if (w->next)
		w->next->prev = w->prev;
	w->next = w->prev = NULL;
	if (--pa->nr_lockless == 0)
		rcu_drain(pa);
}

void ptsim__lockless_orphan(struct ptsim_ptalloc *pa, struct ptsim_pgtables *pt)
{
	for (struct ptsim_lockless_walk *w = pa->lockless; w; w = w->next)
		if (w->pt == pt)
			w->pt = NULL;
}

void ptsim__table_free_rcu(struct ptsim_ptalloc *pa, uint64_t pfn)
{
	struct ptsim_frame *f = ptsim__pfn_to_frame_noinit(pa->mem, pfn);

	if (!pa->rcu_table_free || !pa->nr_lockless) {
		ptsim__table_free(pa, pfn);
		return;
	}
	ptsim__table_set_state(f, PTSIM_TABLE_RCU);
	f->link = pa->rcu_pending;
	pa->rcu_pending = pfn + 1;
	pa->nr_rcu_pending++;
}

/* A table page is being freed: the walkers holding it find out at their next touch. */
void ptsim__lockless_table_freed(struct ptsim_ptalloc *pa, uint64_t pfn)
{
	for (struct ptsim_lockless_walk *w = pa->lockless; w; w = w->next) {
		if (w->table_pfn == pfn)
			w->table_freed = true;
		if (w->parent_lvl >= 0 && w->parent_pfn == pfn)
			w->parent_freed = true;
	}
}

int ptsim__lockless_step(struct ptsim_ptalloc *pa, struct ptsim_lockless_walk *w,
			 struct ptsim_lockless_read *out)
{
	const struct ptsim_arch *a = pa->arch;
	const uint64_t *tbl;
	int lvl = w->lvl;
	uint64_t e;

	if (w->done)
		return 0;
	if (w->table_freed)
		return -ESTALE;
	tbl = ptsim__table_entries(pa, w->table_pfn);
	PTSIM_BUG_ON(!tbl); /* not freed: a live table, or one waiting for the grace period */
	out->table_pfn = w->table_pfn;
	out->idx = ptsim__index(a, lvl, w->addr);
	e = tbl[out->idx];
	pa->host->cost.entries_read[lvl]++;
	lvl = ptsim__entry_level(a, lvl); /* a folded level below shares the slot */
	out->lvl = lvl;
	out->ent = e;
	w->last_lvl = lvl;
	w->last_idx = out->idx;
	if (lvl < PTSIM_PTE && !(a->leaf_ok[lvl] && a->ops->leaf(a, lvl, e)) &&
	    !a->ops->none(a, lvl, e) && a->ops->table(a, lvl, e)) {
		w->parent_lvl = lvl;
		w->parent_pfn = w->table_pfn;
		w->parent_idx = out->idx;
		w->parent_ent = e;
		w->parent_freed = false;
		w->table_pfn = a->ops->pfn(a, lvl, e);
		w->lvl = ptsim__child_level(a, lvl);
		return 1;
	}
	w->done = true;
	return 0;
}

int ptsim__lockless_recheck(struct ptsim_ptalloc *pa, struct ptsim_lockless_walk *w)
{
	const uint64_t *tbl;

	if (w->parent_lvl < 0)
		return 0; /* still at the root: nothing led there */
	if (w->parent_freed)
		return -ESTALE;
	tbl = ptsim__table_entries(pa, w->parent_pfn);
	PTSIM_BUG_ON(!tbl);
	pa->host->cost.entries_read[w->parent_lvl]++;
	return tbl[w->parent_idx] == w->parent_ent ? 0 : -EAGAIN;
}
