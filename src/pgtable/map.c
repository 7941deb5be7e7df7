// SPDX-License-Identifier: MIT
/*
 * map.c - map and unmap leaves, all or nothing.
 *
 * ptsim__map() follows the "prepare, then commit" rule (the
 * KVM memcache): a first pass checks every target slot and counts the tables
 * the mapping needs, the tables are allocated, and only then does a second
 * pass link tables and write leaves - a pass that cannot fail.
 *
 * ptsim__unmap() likewise checks first (a huge leaf or contiguous run cut by
 * the range is -EBUSY; only the leaves at its two ends can be cut) and then
 * clears.
 */
#include <errno.h>
#include <string.h>

#include "pgtable/visit.h"

/* Logical level whose entries map @size bytes and may be leaves, or -1. */
static int leaf_level(const struct ptsim_arch *a, uint64_t size)
{
	for (int lvl = PTSIM_PTE; lvl >= PTSIM_PGD; lvl--)
		if (a->leaf_ok[lvl] && (1ull << a->shift[lvl]) == size)
			return lvl;
	return -1;
}

/* Span of one table at level @lvl (what its parent entry maps). */
static uint64_t table_span(const struct ptsim_arch *a, int lvl)
{
	return (uint64_t)a->ptrs[lvl] << a->shift[lvl];
}

struct map_plan {
	uint64_t virt_base[PTSIM_NR_LEVELS];
	bool virt_valid[PTSIM_NR_LEVELS];
	uint64_t nr_tables;
	bool none_not_zero; /* a target slot is none but not 0 (x86 A/D bits left) */
};

/*
 * ptsim__walk_to() for @va, with the entries it read per level in @rd (the
 * ledger's counts after, minus before): every address of one leaf table
 * makes the same walk, so the rest of them are charged at once.
 */
static int walk_counted(struct ptsim_pgtables *pt, uint64_t va, int target, struct ptsim_slot *s,
			uint64_t rd[PTSIM_NR_LEVELS])
{
	uint64_t *read = pt->pa->host->cost.entries_read;
	int err;

	for (int l = 0; l < PTSIM_NR_LEVELS; l++)
		rd[l] = read[l];
	err = ptsim__walk_to(pt, va, target, s);
	for (int l = 0; l < PTSIM_NR_LEVELS; l++)
		rd[l] = read[l] - rd[l];
	return err;
}

/* Charge @times more walks that read @rd. */
static void charge_walks(struct ptsim_pgtables *pt, const uint64_t rd[PTSIM_NR_LEVELS],
			 uint64_t times)
{
	uint64_t *read = pt->pa->host->cost.entries_read;

	if (!times)
		return; /* a single address: the usual one-page map */
	for (int l = 0; l < PTSIM_NR_LEVELS; l++)
		read[l] += rd[l] * times;
}

/*
 * Pass 1 for the @nr leaf addresses from @va, all in one leaf table (they
 * share that table and every table above it): 0 if leaves can go there,
 * counting the tables they need that an earlier address of this call has
 * not already planned.  Otherwise the error of the first address that
 * cannot take a leaf, *@bad.  The ledger reads as if each address had been
 * walked on its own, up to *@bad.
 */
static int plan_table(struct ptsim_pgtables *pt, struct map_plan *plan, uint64_t va, uint64_t nr,
		      int target, uint64_t *bad)
{
	const struct ptsim_arch *a = pt->pa->arch;
	uint64_t rd[PTSIM_NR_LEVELS], i;
	struct ptsim_slot s;
	uint64_t e;
	int err = walk_counted(pt, va, target, &s, rd);

	*bad = va;
	if (err)
		return err;
	e = *s.p;
	if (s.lvl == target) {
		/* The table exists: each slot must be none (most are 0: one OR over them). */
		const uint64_t *p = s.p;
		uint64_t any = 0;
		bool not_zero = false;

		for (i = 0; i < nr; i++)
			any |= p[i];
		for (i = any ? 0 : nr; i < nr; i++) {
			if (!p[i])
				continue;
			e = p[i];
			if (!a->ops->none(a, s.lvl, e))
				break;
			not_zero = true;
		}
		plan->none_not_zero |= not_zero;
		if (i == nr) {
			charge_walks(pt, rd, nr - 1);
			return 0;
		}
		charge_walks(pt, rd, i);
		*bad = va + (i << a->shift[target]);
		if (s.lvl < PTSIM_PTE && a->ops->table(a, s.lvl, e) &&
		    !(a->leaf_ok[s.lvl] && a->ops->leaf(a, s.lvl, e)))
			return -EBUSY; /* a table sits where the huge leaf would go */
		return -EEXIST;
	}
	if (!a->ops->none(a, s.lvl, e))
		return -EBUSY; /* a bigger leaf (or swap entry) covers va */
	/* Tables for every real level below the stop, down to the target. */
	for (int lvl = ptsim__child_level(a, s.lvl); lvl <= target;
	     lvl = lvl < PTSIM_PTE ? ptsim__child_level(a, lvl) : PTSIM_NR_LEVELS) {
		uint64_t span = table_span(a, lvl);
		uint64_t base = va & ~(span - 1);

		if (!plan->virt_valid[lvl] || plan->virt_base[lvl] != base) {
			plan->virt_valid[lvl] = true;
			plan->virt_base[lvl] = base;
			plan->nr_tables++;
		}
		if (lvl == PTSIM_PTE)
			break;
	}
	charge_walks(pt, rd, nr - 1);
	return 0;
}

/*
 * End of the run of @addr's leaf table: the next boundary of what one table
 * of the leaf's slot level maps, capped at @end (0: the top).
 */
static uint64_t leaf_table_end(const struct ptsim_arch *a, int lvl, uint64_t addr, uint64_t end)
{
	int tl = ptsim__slot_level(a, lvl);
	uint64_t span = table_span(a, tl);
	uint64_t boundary = (addr + span) & ~(span - 1);

	return boundary - 1 < end - 1 ? boundary : end;
}

/*
 * The run of @nr leaves of one table: frames from @pfn, @stride frames
 * each, attributes @pgprot (and the contiguous hint if @cont).
 *
 * Consecutive frames with equal attributes give entries affine in the
 * index, e0 + i * step (ptsim__split_affine()'s test: the first, second
 * and last agree), none of them none once the first two are not (only the
 * frame field changes, and it does not come back to the first's).  When,
 * besides, the TLB checker's hook would ignore every write (nothing cached
 * anywhere, or no break-before-make rule), the run can be written in one
 * loop: returns true.
 */
static bool leaf_run_affine(struct ptsim_pgtables *pt, int lvl, uint64_t nr, uint64_t pfn,
			    uint64_t stride, uint64_t pgprot, bool cont, uint64_t *e0,
			    uint64_t *step)
{
	const struct ptsim_arch *a = pt->pa->arch;
	const struct ptsim_ptalloc *pa = pt->pa;
	uint64_t e1, elast;

	if (pa->entry_hook && !(pa->entry_hook_quiet && pa->entry_hook_quiet(pa->entry_hook_ctx)))
		return false;
	*e0 = a->ops->mk_leaf(a, lvl, pfn, pgprot);
	if (cont)
		*e0 = a->ops->mkcont(a, lvl, *e0);
	*step = 0;
	if (a->ops->none(a, lvl, *e0))
		return false;
	if (nr == 1)
		return true;
	e1 = a->ops->mk_leaf(a, lvl, pfn + stride, pgprot);
	elast = a->ops->mk_leaf(a, lvl, pfn + (nr - 1) * stride, pgprot);
	if (cont) {
		e1 = a->ops->mkcont(a, lvl, e1);
		elast = a->ops->mkcont(a, lvl, elast);
	}
	*step = e1 - *e0;
	return !a->ops->none(a, lvl, e1) && *e0 + (nr - 1) * *step == elast;
}

/*
 * Write the run of leaves from slot @s on into none slots.  @fast (from
 * leaf_run_affine(), and every slot holds 0 or the table is new and not
 * yet written): one loop, then the table's count and the ledger updated
 * once - the result ptsim__set_entry() on each slot gives, which the
 * other cases take.
 */
static void fill_leaves(struct ptsim_pgtables *pt, const struct ptsim_slot *s, uint64_t nr,
			uint64_t pfn, uint64_t stride, uint64_t pgprot, bool cont, bool fast,
			uint64_t e0, uint64_t step)
{
	const struct ptsim_arch *a = pt->pa->arch;
	int lvl = s->lvl;

	if (fast) {
		struct ptsim_frame *f = ptsim__pfn_to_frame_noinit(pt->pa->mem, s->table_pfn);
		uint64_t *p = s->p, e = e0;

		for (uint64_t i = 0; i < nr; i++, e += step)
			p[i] = e;
		f->extra += nr;
		pt->pa->host->cost.entries_written[ptsim__slot_level(a, lvl)] += nr;
		if (pt->pa->ptref_on && lvl == PTSIM_PTE)
			ptsim__ptref_recount(pt, f);
		return;
	}
	for (uint64_t i = 0; i < nr; i++) {
		struct ptsim_slot t = *s;
		uint64_t e = a->ops->mk_leaf(a, lvl, pfn + i * stride, pgprot);

		if (cont)
			e = a->ops->mkcont(a, lvl, e);
		t.idx = s->idx + (unsigned int)i;
		t.p = s->p + i;
		t.addr = s->addr + (i << a->shift[lvl]);
		ptsim__set_entry(pt, &t, e);
	}
}

static int map_check_args(struct ptsim_pgtables *pt, uint64_t va, uint64_t len, uint64_t pfn,
			  uint64_t page_size, uint64_t pgprot, unsigned int flags, int *lvl_out,
			  uint64_t *unit_out)
{
	const struct ptsim_arch *a = pt->pa->arch;
	struct ptsim_host *h = pt->pa->host;
	int lvl = leaf_level(a, page_size);
	uint64_t unit = page_size;
	uint64_t npages, max_pfn;

	if (flags & ~(PTSIM_MAP_CONT | (pt->kernel ? PTSIM__MAP_LINEAR : 0)))
		return ptsim__seterr(h, -EINVAL, "map: unknown flags 0x%x", flags);
	if (pgprot & ~a->ops->pgprot_mask(a))
		return ptsim__seterr(
			h, -EINVAL,
			"map: pgprot 0x%016llx has bits 0x%016llx outside the attribute "
			"fields of %s (a PFN or output address, or a contiguous hint: "
			"use PTSIM_MAP_CONT)",
			(unsigned long long)pgprot,
			(unsigned long long)(pgprot & ~a->ops->pgprot_mask(a)), a->name);
	if (lvl < 0)
		return ptsim__seterr(h, -EINVAL, "map: 0x%llx is not a leaf size of %s",
				     (unsigned long long)page_size, a->name);
	if (flags & PTSIM_MAP_CONT) {
		if (!a->cont_nr[lvl])
			return ptsim__seterr(
				h, -EINVAL, "map: no contiguous hint at this level on %s", a->name);
		unit = page_size * a->cont_nr[lvl];
	}
	if (len == 0 || (va & (unit - 1)) || (len & (unit - 1)))
		return ptsim__seterr(h, -EINVAL, "map: va 0x%llx len 0x%llx not aligned to 0x%llx",
				     (unsigned long long)va, (unsigned long long)len,
				     (unsigned long long)unit);
	npages = len >> a->page_shift;
	max_pfn = 1ull << (a->pa_bits - a->page_shift);
	if (pfn >= max_pfn || npages > max_pfn - pfn)
		return ptsim__seterr(h, -ERANGE, "map: frames beyond %u-bit physical addresses",
				     a->pa_bits);
	if ((pfn << a->page_shift) & (unit - 1))
		return ptsim__seterr(h, -EINVAL, "map: pfn 0x%llx not aligned to 0x%llx",
				     (unsigned long long)pfn, (unsigned long long)unit);
	if (va + len != 0 && va + len < va)
		return ptsim__seterr(h, -EINVAL, "map: range wraps");
	if (!ptsim__range_valid(a, va, va + len))
		return ptsim__seterr(h, -EINVAL, "map: [0x%llx, 0x%llx) is not a valid range",
				     (unsigned long long)va, (unsigned long long)(va + len));
	*lvl_out = lvl;
	*unit_out = unit;
	return 0;
}

/*
 * Follows the shape of the kernel's remap_pfn_range() (mm/memory.c): the
 * range is taken one leaf table at a time - a walk (allocating the tables
 * on the way), then the table's run of leaves written in one loop.
 */
int ptsim__map(struct ptsim_pgtables *pt, uint64_t va, uint64_t len, uint64_t pfn,
	       uint64_t page_size, uint64_t pgprot, unsigned int flags)
{
	const struct ptsim_arch *a = pt->pa->arch;
	struct ptsim_host *h = pt->pa->host;
	struct map_plan plan;
	struct ptsim_table_prep *prep = NULL;
	size_t prep_bytes = 0;
	uint64_t unit = 0, addr, next, end = va + len, used = 0, tpfn, stride;
	int lvl = 0, tl, err;

	err = map_check_args(pt, va, len, pfn, page_size, pgprot, flags, &lvl, &unit);
	if (err)
		return err;
	stride = page_size >> a->page_shift;
	tl = ptsim__slot_level(a, lvl);

	/* Pass 1, a leaf table at a time: every slot must be free; count the tables to create. */
	memset(&plan, 0, sizeof(plan));
	addr = va;
	do {
		uint64_t bad;

		next = leaf_table_end(a, lvl, addr, end);
		err = plan_table(pt, &plan, addr, (next - addr) >> a->shift[lvl], lvl, &bad);
		if (err == -EEXIST)
			return ptsim__seterr(h, err, "map: 0x%llx is already mapped",
					     (unsigned long long)bad);
		if (err == -EBUSY)
			return ptsim__seterr(h, err,
					     "map: 0x%llx is covered by an entry of another size",
					     (unsigned long long)bad);
		if (err)
			return ptsim__seterr(h, err, "map: corrupt tables at 0x%llx",
					     (unsigned long long)bad);
	} while (addr = next, addr != end);
	/* The frames: a leaf never maps a page table. */
	if (!(flags & PTSIM__MAP_LINEAR) &&
	    ptsim__frames_hold_table(pt->pa, pfn, len >> a->page_shift, &tpfn))
		return ptsim__seterr(h, -EBUSY, "map: pfn 0x%llx is a page table, not a page",
				     (unsigned long long)tpfn);

	/* Prepare: allocate every table now. */
	if (plan.nr_tables) {
		prep_bytes = plan.nr_tables * sizeof(*prep);
		prep = ptsim__alloc(h, prep_bytes);
		if (!prep)
			return ptsim__seterr(h, -ENOMEM, "map: out of host memory");
		/* Zeroed when linked, unless the commit writes every entry (see there). */
		for (uint64_t i = 0; i < plan.nr_tables; i++) {
			err = ptsim__table_alloc_unzeroed(pt->pa, &prep[i]);
			if (err) {
				while (i--)
					ptsim__table_discard(pt->pa, &prep[i]);
				ptsim__free(h, prep, prep_bytes);
				return ptsim__seterr(h, -ENOMEM,
						     "map: out of memory for page tables");
			}
		}
		/* A free frame to map may be one of the new tables (map allocated frames). */
		for (uint64_t i = 0; i < plan.nr_tables && !(flags & PTSIM__MAP_LINEAR); i++) {
			if (prep[i].pfn - pfn >= len >> a->page_shift)
				continue;
			tpfn = prep[i].pfn;
			for (i = plan.nr_tables; i--;)
				ptsim__table_discard(pt->pa, &prep[i]);
			ptsim__free(h, prep, prep_bytes);
			return ptsim__seterr(h, -EBUSY,
					     "map: pfn 0x%llx, a free frame to map, became one of "
					     "the mapping's page tables",
					     (unsigned long long)tpfn);
		}
	}

	/* Commit, a leaf table at a time: link tables, write leaves.  Nothing here can fail. */
	addr = va;
	do {
		uint64_t rd[PTSIM_NR_LEVELS], nr, first = pfn + ((addr - va) >> a->page_shift);
		uint64_t e0 = 0, step = 0;
		struct ptsim_slot s;
		bool fast, zeroed = !plan.none_not_zero;

		next = leaf_table_end(a, lvl, addr, end);
		nr = (next - addr) >> a->shift[lvl];
		fast = leaf_run_affine(pt, lvl, nr, first, stride, pgprot, flags & PTSIM_MAP_CONT,
				       &e0, &step);
		walk_counted(pt, addr, lvl, &s, rd);
		while (s.lvl < lvl) {
			struct ptsim_table_prep *t = &prep[used++];

			PTSIM_BUG_ON(used > plan.nr_tables);
			/* A new leaf table the run fills whole in one loop needs no zeroing. */
			if (!(fast && nr == a->ptrs[tl] && ptsim__child_level(a, s.lvl) == tl))
				memset(t->storage, 0, (size_t)ptsim__page_size(a));
			ptsim__table_link(pt, &s, t);
			walk_counted(pt, addr, lvl, &s, rd);
			zeroed = true; /* a new table */
		}
		/* The other addresses of the table walk as the last walk of the first did. */
		charge_walks(pt, rd, nr - 1);
		fill_leaves(pt, &s, nr, first, stride, pgprot, flags & PTSIM_MAP_CONT,
			    fast && zeroed, e0, step);
	} while (addr = next, addr != end);
	PTSIM_BUG_ON(used != plan.nr_tables);
	ptsim__free(h, prep, prep_bytes);
	return 0;
}

struct unmap_ctx {
	uint64_t start, end; /* end - 1 is the last byte */
	unsigned int flags;
	long cleared;
};

/*
 * Would clearing [start, end) cut the leaf (or contiguous run) covering
 * @addr?  Only leaves holding the range's first or last byte can straddle
 * it, so checking those two addresses is enough.
 */
static int unmap_edge_ok(struct ptsim_pgtables *pt, uint64_t addr, uint64_t start, uint64_t end)
{
	const struct ptsim_arch *a = pt->pa->arch;
	struct ptsim_slot s;
	uint64_t e, size, base;

	if (ptsim__walk_to(pt, addr, PTSIM_PTE, &s))
		return 0; /* corrupt tables: the clear pass skips them, the checker reports */
	e = *s.p;
	if (a->ops->none(a, s.lvl, e))
		return 0;
	size = 1ull << a->shift[s.lvl];
	if (a->ops->present(a, s.lvl, e) && a->ops->cont(a, s.lvl, e) && a->cont_nr[s.lvl])
		size *= a->cont_nr[s.lvl];
	base = addr & ~(size - 1);
	return base < start || base + size - 1 > end - 1 ? -EBUSY : 0;
}

static int unmap_fn(struct ptsim_visitor *v, int what, struct ptsim_slot *s, uint64_t addr,
		    uint64_t next)
{
	struct unmap_ctx *c = v->priv;
	const struct ptsim_arch *a = v->pt->pa->arch;

	(void)addr;
	(void)next;
	if (what == PTSIM_VISIT_LEAF) {
		ptsim__get_and_clear(v->pt, s);
		c->cleared++;
		return 0;
	}
	/* TABLE_POST: free the child table if it is now empty. */
	if (c->flags & PTSIM_UNMAP_FREE_TABLES) {
		uint64_t cpfn = a->ops->pfn(a, s->lvl, *s->p);
		struct ptsim_frame *f = ptsim__table_frame(v->pt->pa, cpfn);

		if (f && f->extra == 0)
			ptsim__table_unlink(v->pt, s);
	}
	return 0;
}

long ptsim__unmap(struct ptsim_pgtables *pt, uint64_t va, uint64_t len, unsigned int flags)
{
	const struct ptsim_arch *a = pt->pa->arch;
	struct ptsim_host *h = pt->pa->host;
	struct unmap_ctx c = {.start = va, .end = va + len, .flags = flags};
	struct ptsim_visitor v = {.pt = pt, .priv = &c};
	int err;

	if (flags & ~PTSIM_UNMAP_FREE_TABLES)
		return ptsim__seterr(h, -EINVAL, "unmap: unknown flags 0x%x", flags);
	if (len == 0 || ((va | len) & (ptsim__page_size(a) - 1)))
		return ptsim__seterr(h, -EINVAL, "unmap: va 0x%llx len 0x%llx not page-aligned",
				     (unsigned long long)va, (unsigned long long)len);
	if ((va + len != 0 && va + len < va) || !ptsim__range_valid(a, va, va + len))
		return ptsim__seterr(h, -EINVAL, "unmap: [0x%llx, 0x%llx) is not a valid range",
				     (unsigned long long)va, (unsigned long long)(va + len));

	/* Refuse to cut a huge leaf or a contiguous run. */
	for (int i = 0; i < 2; i++) {
		uint64_t edge = i ? va + len - 1 : va;

		if (unmap_edge_ok(pt, edge, va, va + len))
			return ptsim__seterr(h, -EBUSY, "unmap: range cuts the mapping at 0x%llx",
					     (unsigned long long)edge);
	}

	/* Clear (and free emptied tables). */
	v.fn = unmap_fn;
	v.flags = PTSIM_VISIT_LEAF | PTSIM_VISIT_TABLE_POST;
	err = ptsim__visit(&v, va, va + len);
	PTSIM_BUG_ON(err);
	return c.cleared;
}
