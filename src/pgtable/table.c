// SPDX-License-Identifier: MIT
/*
 * table.c - page-table pages: allocation, storage, entry writes, descent.
 */
#include <errno.h>
#include <string.h>

#include "pgtable/internal.h"

void ptsim__ptalloc_init(struct ptsim_ptalloc *pa, struct ptsim_mem *mem, struct ptsim_host *host,
			 const struct ptsim_arch *a)
{
	memset(pa, 0, sizeof(*pa));
	pa->mem = mem;
	pa->host = host;
	pa->arch = a;
	for (int l = 0; l < PTSIM_NR_LEVELS; l++) {
		pa->entry_lvl[l] = ptsim__entry_level(a, l);
		pa->child_lvl[l] = l < PTSIM_PTE ? ptsim__child_level(a, l) : PTSIM_NR_LEVELS;
	}
}

void ptsim__ptalloc_fini(struct ptsim_ptalloc *pa)
{
	size_t sz = (size_t)ptsim__page_size(pa->arch);

	while (pa->storage_free) {
		void *next = *(void **)pa->storage_free;

		ptsim__free(pa->host, pa->storage_free, sz);
		pa->storage_free = next;
	}
	pa->nr_storage_free = 0;
}

static void storage_recycle(struct ptsim_ptalloc *pa, uint64_t *storage);

/* Undo a storage take: a fresh buffer goes back to the host, a recycled one to the pool. */
static void storage_release(struct ptsim_ptalloc *pa, struct ptsim_table_prep *t)
{
	if (t->fresh) {
		ptsim__free(pa->host, t->storage, (size_t)ptsim__page_size(pa->arch));
		pa->nr_storage--;
	} else {
		storage_recycle(pa, t->storage);
	}
}

int ptsim__table_alloc(struct ptsim_ptalloc *pa, struct ptsim_table_prep *out)
{
	int err = ptsim__table_alloc_unzeroed(pa, out);

	if (!err)
		memset(out->storage, 0, (size_t)ptsim__page_size(pa->arch));
	return err;
}

int ptsim__table_alloc_unzeroed(struct ptsim_ptalloc *pa, struct ptsim_table_prep *out)
{
	size_t sz = (size_t)ptsim__page_size(pa->arch);
	uint64_t *storage;
	uint64_t pfn;
	bool fresh = false;
	int err;

	/* Recycled storage first: a freed table's buffer is reused, not re-faulted. */
	if (pa->storage_free) {
		storage = pa->storage_free;
		pa->storage_free = *(void **)storage;
		pa->nr_storage_free--;
	} else {
		storage = ptsim__alloc(pa->host, sz);
		if (!storage)
			return -ENOMEM;
		pa->nr_storage++;
		fresh = true;
	}
	err = ptsim__alloc_pages(pa->mem, 0, &pfn);
	if (err) {
		struct ptsim_table_prep t = {.storage = storage, .fresh = fresh};

		storage_release(pa, &t);
		return err;
	}
	out->pfn = pfn;
	out->storage = storage;
	out->fresh = fresh;
	return 0;
}

static void storage_recycle(struct ptsim_ptalloc *pa, uint64_t *storage)
{
	size_t sz = (size_t)ptsim__page_size(pa->arch);

	/* Poison, so a stale walker reads garbage rather than old entries. */
	for (size_t i = 0; i < sz / sizeof(uint64_t); i++)
		storage[i] = PTSIM_TABLE_POISON;
	*(void **)storage = pa->storage_free;
	pa->storage_free = storage;
	pa->nr_storage_free++;
}

void ptsim__table_discard(struct ptsim_ptalloc *pa, struct ptsim_table_prep *t)
{
	storage_release(pa, t);
	ptsim__free_pages(pa->mem, t->pfn, 0);
	t->storage = NULL;
}

/* Give a prepared table its identity: typed frame, level, owner; detached. */
void ptsim__table_install(struct ptsim_ptalloc *pa, struct ptsim_table_prep *t, int lvl,
			  uint64_t owner)
{
	struct ptsim_frame *f = ptsim__pfn_to_frame_noinit(pa->mem, t->pfn);

	ptsim__frame_set_type(f, PTSIM_PGTY_table);
	f->private_ = (uint64_t)(uintptr_t)t->storage;
	f->index = (uint64_t)lvl;
	f->mapping = owner;
	f->extra = 0;
	f->flags &= ~(~0ull << PTSIM_PTREF_SHIFT);
	ptsim__table_group_update(pa->mem, t->pfn);
	pa->nr_tables++;
	pa->host->cost.tables_alloc++;
}

void ptsim__table_uninstall(struct ptsim_ptalloc *pa, uint64_t pfn)
{
	struct ptsim_frame *f = ptsim__pfn_to_frame_noinit(pa->mem, pfn);

	f->private_ = 0;
	f->index = 0;
	f->mapping = 0;
	f->extra = 0;
	f->flags &= ~(~0ull << PTSIM_PTREF_SHIFT);
	ptsim__frame_clear_type(f);
	ptsim__table_group_update(pa->mem, pfn);
	pa->nr_tables--;
}

void ptsim__table_free(struct ptsim_ptalloc *pa, uint64_t pfn)
{
	struct ptsim_frame *f = ptsim__pfn_to_frame_noinit(pa->mem, pfn);
	uint64_t *storage = (uint64_t *)(uintptr_t)f->private_;

	if (pa->nr_lockless)
		ptsim__lockless_table_freed(pa, pfn);
	storage_recycle(pa, storage);
	f->private_ = 0;
	f->index = 0;
	f->mapping = 0;
	f->extra = 0;
	f->flags &= ~(~0ull << PTSIM_PTREF_SHIFT);
	ptsim__frame_clear_type(f);
	ptsim__table_group_update(pa->mem, pfn);
	pa->nr_tables--;
	pa->host->cost.tables_freed++;
	ptsim__free_pages(pa->mem, pfn, 0);
}

bool ptsim__pt_accounted(const struct ptsim_arch *a, int lvl)
{
	/* mm_inc_nr_puds/pmds/ptes: only real PUD, PMD and PTE tables count. */
	return lvl >= PTSIM_PUD && !ptsim__level_folded(a, lvl);
}

/* Account a table of logical level @lvl being linked into / unlinked from @pt. */
void ptsim__pt_account(struct ptsim_pgtables *pt, int lvl, int delta)
{
	const struct ptsim_arch *a = pt->pa->arch;

	pt->nr_tables[lvl] += (uint64_t)(int64_t)delta;
	if (ptsim__pt_accounted(a, lvl))
		pt->pgtables_bytes += (uint64_t)((int64_t)delta * a->ptrs[lvl] * 8);
}

int ptsim__pgtables_init(struct ptsim_pgtables *pt, struct ptsim_ptalloc *pa, uint64_t owner_id,
			 bool kernel)
{
	struct ptsim_table_prep t;
	int err;

	memset(pt, 0, sizeof(*pt));
	pt->pa = pa;
	pt->owner_id = owner_id;
	pt->kernel = kernel;
	err = ptsim__table_alloc(pa, &t);
	if (err)
		return err;
	ptsim__table_install(pa, &t, PTSIM_PGD, owner_id);
	ptsim__table_set_state(ptsim__pfn_to_frame_noinit(pa->mem, t.pfn), PTSIM_TABLE_LINKED);
	pt->root_pfn = t.pfn;
	pt->nr_tables[PTSIM_PGD] = 1;
	return 0;
}

static void free_subtree(struct ptsim_pgtables *pt, uint64_t table_pfn, int tlvl)
{
	const struct ptsim_arch *a = pt->pa->arch;
	uint64_t *tbl = ptsim__table_entries(pt->pa, table_pfn);

	if (tlvl < PTSIM_PTE) {
		int elvl = ptsim__entry_level(a, tlvl);

		for (unsigned int i = 0; i < a->ptrs[tlvl]; i++) {
			uint64_t e = tbl[i];

			if (e && a->ops->table(a, elvl, e) &&
			    !(a->leaf_ok[elvl] && a->ops->leaf(a, elvl, e))) {
				uint64_t cpfn = a->ops->pfn(a, elvl, e);
				int clvl = ptsim__child_level(a, elvl);

				if (ptsim__table_frame(pt->pa, cpfn)) {
					free_subtree(pt, cpfn, clvl);
					ptsim__pt_account(pt, clvl, -1);
				}
			}
		}
	}
	ptsim__table_free(pt->pa, table_pfn);
}

void ptsim__pgtables_fini(struct ptsim_pgtables *pt)
{
	if (!pt->root_pfn)
		return;
	ptsim__ptref_reset(pt);
	free_subtree(pt, pt->root_pfn, PTSIM_PGD);
	pt->nr_tables[PTSIM_PGD] = 0;
	pt->root_pfn = 0;
}

/* The write itself: hooks, the table's non-none count. */
static void entry_write(struct ptsim_pgtables *pt, const struct ptsim_slot *s, uint64_t val)
{
	const struct ptsim_arch *a = pt->pa->arch;
	struct ptsim_frame *f = ptsim__pfn_to_frame_noinit(pt->pa->mem, s->table_pfn);
	bool was = !a->ops->none(a, s->lvl, *s->p);
	bool now = !a->ops->none(a, s->lvl, val);

	/* A detached table is invisible to the MMU: its writes are no break-before-make events. */
	if (pt->pa->entry_hook && *s->p != val && ptsim__table_state(f) == PTSIM_TABLE_LINKED)
		pt->pa->entry_hook(pt->pa->entry_hook_ctx, pt->owner_id, s->lvl, *s->p, val,
				   s->addr);
	/* The RFC's counters cost nothing unless knob pt_reclaim.rfc is on. */
	if (pt->pa->ptref_on && s->lvl == PTSIM_PTE && *s->p != val)
		ptsim__ptref_track(pt, f, *s->p, val);
	*s->p = val;
	f->extra += (uint64_t)((int64_t)now - (int64_t)was);
}

/* Charged at the level of the table holding the slot (a folded level writes its parent's). */
void ptsim__set_entry(struct ptsim_pgtables *pt, const struct ptsim_slot *s, uint64_t val)
{
	pt->pa->host->cost.entries_written[ptsim__slot_level(pt->pa->arch, s->lvl)]++;
	entry_write(pt, s, val);
}

void ptsim__set_entry_hw(struct ptsim_pgtables *pt, const struct ptsim_slot *s, uint64_t val)
{
	pt->pa->host->cost.hw_ad_updates++;
	entry_write(pt, s, val);
}

uint64_t ptsim__get_and_clear(struct ptsim_pgtables *pt, const struct ptsim_slot *s)
{
	uint64_t old = *s->p;

	ptsim__set_entry(pt, s, 0);
	return old;
}

/* Link a prepared table below slot @s (a none entry at s->lvl). */
void ptsim__table_link(struct ptsim_pgtables *pt, const struct ptsim_slot *s,
		       struct ptsim_table_prep *t)
{
	ptsim__table_install(pt->pa, t, ptsim__child_level(pt->pa->arch, s->lvl), pt->owner_id);
	ptsim__table_populate(pt, s, t->pfn);
}

void ptsim__table_populate(struct ptsim_pgtables *pt, const struct ptsim_slot *s, uint64_t pfn)
{
	const struct ptsim_arch *a = pt->pa->arch;
	struct ptsim_frame *f = ptsim__pfn_to_frame_noinit(pt->pa->mem, pfn);

	ptsim__table_set_state(f, PTSIM_TABLE_LINKED);
	ptsim__set_entry(pt, s, a->ops->mk_table(a, s->lvl, pfn, pt->kernel));
	ptsim__pt_account(pt, ptsim__child_level(a, s->lvl), +1);
	if (pt->pa->ptref_on && f->index == PTSIM_PTE)
		ptsim__ptref_link(pt, f, +1);
}

/* Unhook the table below slot @s, keeping its page. */
uint64_t ptsim__table_detach(struct ptsim_pgtables *pt, const struct ptsim_slot *s)
{
	const struct ptsim_arch *a = pt->pa->arch;
	uint64_t e = ptsim__get_and_clear(pt, s);
	uint64_t pfn = a->ops->pfn(a, s->lvl, e);
	struct ptsim_frame *f = ptsim__table_frame(pt->pa, pfn);

	ptsim__pt_account(pt, ptsim__child_level(a, s->lvl), -1);
	if (f && pt->pa->ptref_on && f->index == PTSIM_PTE &&
	    ptsim__table_state(f) == PTSIM_TABLE_LINKED)
		ptsim__ptref_link(pt, f, -1);
	if (f)
		ptsim__table_set_state(f, 0);
	return pfn;
}

/* Unlink and free the (empty) table below slot @s. */
void ptsim__table_unlink(struct ptsim_pgtables *pt, const struct ptsim_slot *s)
{
	ptsim__table_free(pt->pa, ptsim__table_detach(pt, s));
}

/* x86: canonical (either half); arm64: in the TTBR0 (user) half. */
bool ptsim__va_valid(const struct ptsim_arch *a, uint64_t va)
{
	return ptsim__va_range(a, va) >= 0;
}

/*
 * Descend from the root towards @va.  At each logical level the slot is
 * (table of the nearest real level at or above, index); a folded level shares
 * its parent's slot.  Stops at @target, or at the lowest level sharing a slot
 * whose entry is not a table (none, leaf, swap) - the level the kernel's
 * pXd_none() checks would report.
 */
int ptsim__walk_to(struct ptsim_pgtables *pt, uint64_t va, int target, struct ptsim_slot *s)
{
	struct ptsim_ptalloc *pa = pt->pa;
	const struct ptsim_arch *a = pa->arch;
	uint64_t *reads = pa->host->cost.entries_read;
	uint64_t table_pfn = pt->root_pfn;
	uint64_t *tbl = ptsim__table_entries(pa, table_pfn);
	int lvl = PTSIM_PGD;
	unsigned int idx;

	if (!tbl)
		return -EFAULT;
	/* Locals, not *s, through the descent: a store to s->lvl could alias the geometry. */
	s->addr = va;
	idx = ptsim__index(a, lvl, va);
	reads[lvl]++;
	for (;;) {
		uint64_t *p = &tbl[idx];
		uint64_t e = *p, next;
		int elvl = pa->entry_lvl[lvl]; /* ptsim__entry_level() */
		int err = 0;

		/* Folded levels share the slot: the entry is read at the lowest (or @target). */
		lvl = elvl < target ? elvl : target;
		/* Not a table, or a leaf: stop (a->ops->walk_table() tests both, gives the PFN). */
		if (lvl != target && e != 0 && a->ops->walk_table(a, lvl, e, &next)) {
			tbl = ptsim__table_entries(pa, next);
			if (tbl) {
				table_pfn = next;
				lvl = pa->child_lvl[lvl]; /* ptsim__child_level() */
				idx = ptsim__index(a, lvl, va);
				reads[lvl]++;
				continue;
			}
			err = -EFAULT; /* points at something that is not a table */
		}
		s->lvl = lvl;
		s->table_pfn = table_pfn;
		s->idx = idx;
		s->p = p;
		return err;
	}
}

/* --- paths of tables and checked slots ------------------------------------------ */

int ptsim__path_prepare(struct ptsim_pgtables *pt, uint64_t va, int target,
			struct ptsim_path_prep *p)
{
	const struct ptsim_arch *a = pt->pa->arch;
	struct ptsim_slot s;

	memset(p, 0, sizeof(*p));
	if (ptsim__walk_to(pt, va, target, &s))
		return -EFAULT;
	if (s.lvl == target)
		return 0;
	if (!a->ops->none(a, s.lvl, *s.p))
		return -EEXIST;
	for (int lvl = ptsim__child_level(a, s.lvl); lvl <= target;) {
		int err = ptsim__table_alloc(pt->pa, &p->t[p->n]);

		if (err) {
			ptsim__path_discard(pt, p);
			return err;
		}
		p->n++;
		if (lvl == PTSIM_PTE)
			break;
		lvl = ptsim__child_level(a, lvl);
	}
	return 0;
}

void ptsim__path_discard(struct ptsim_pgtables *pt, struct ptsim_path_prep *p)
{
	for (unsigned int i = p->used; i < p->n; i++)
		ptsim__table_discard(pt->pa, &p->t[i]);
	p->n = p->used = 0;
}

void ptsim__path_commit(struct ptsim_pgtables *pt, uint64_t va, int target,
			struct ptsim_path_prep *p, struct ptsim_slot *s)
{
	ptsim__walk_to(pt, va, target, s);
	while (s->lvl < target) {
		PTSIM_BUG_ON(p->used >= p->n);
		ptsim__table_link(pt, s, &p->t[p->used++]);
		ptsim__walk_to(pt, va, target, s);
	}
	PTSIM_BUG_ON(p->used != p->n);
	s->addr = va;
}

int ptsim__slot_resolve(struct ptsim_pgtables *pt, int lvl, uint64_t table_pfn, unsigned int idx,
			uint64_t addr, struct ptsim_slot *s)
{
	const struct ptsim_arch *a = pt->pa->arch;
	struct ptsim_frame *f;
	int tlvl;

	if ((unsigned int)lvl >= PTSIM_NR_LEVELS)
		return -ESTALE;
	tlvl = ptsim__slot_level(a, lvl);
	f = ptsim__table_frame(pt->pa, table_pfn);
	if (!f || f->mapping != pt->owner_id || f->index != (uint64_t)tlvl ||
	    ptsim__table_state(f) != PTSIM_TABLE_LINKED || idx >= a->ptrs[tlvl])
		return -ESTALE;
	s->lvl = lvl;
	s->table_pfn = table_pfn;
	s->idx = idx;
	s->p = (uint64_t *)(uintptr_t)f->private_ + idx;
	s->addr = addr;
	return 0;
}

bool ptsim__frames_hold_table(const struct ptsim_ptalloc *pa, uint64_t pfn, uint64_t nr,
			      uint64_t *table_pfn)
{
	/* Only the groups of 64 frames that hold a table page are read. */
	return ptsim__frames_find_table(pa->mem, pfn, nr, table_pfn);
}
