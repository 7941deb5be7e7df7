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
};

/*
 * Pass 1 for one leaf address: 0 if a leaf can go there, counting the tables
 * it needs that an earlier address of this call has not already planned.
 */
static int plan_one(struct ptsim_pgtables *pt, struct map_plan *plan, uint64_t va, int target)
{
	const struct ptsim_arch *a = pt->pa->arch;
	struct ptsim_slot s;
	uint64_t e;
	int err = ptsim__walk_to(pt, va, target, &s);

	if (err)
		return err;
	e = *s.p;
	if (s.lvl == target) {
		if (a->ops->none(a, s.lvl, e))
			return 0;
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
	return 0;
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

	if (flags & ~PTSIM_MAP_CONT)
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

int ptsim__map(struct ptsim_pgtables *pt, uint64_t va, uint64_t len, uint64_t pfn,
	       uint64_t page_size, uint64_t pgprot, unsigned int flags)
{
	const struct ptsim_arch *a = pt->pa->arch;
	struct ptsim_host *h = pt->pa->host;
	struct map_plan plan;
	struct ptsim_table_prep *prep = NULL;
	size_t prep_bytes = 0;
	uint64_t unit = 0, addr, used = 0, tpfn;
	int lvl = 0, err;

	err = map_check_args(pt, va, len, pfn, page_size, pgprot, flags, &lvl, &unit);
	if (err)
		return err;

	/* Pass 1: every slot must be free; count the tables to create. */
	memset(&plan, 0, sizeof(plan));
	addr = va;
	do {
		err = plan_one(pt, &plan, addr, lvl);
		if (err == -EEXIST)
			return ptsim__seterr(h, err, "map: 0x%llx is already mapped",
					     (unsigned long long)addr);
		if (err == -EBUSY)
			return ptsim__seterr(h, err,
					     "map: 0x%llx is covered by an entry of another size",
					     (unsigned long long)addr);
		if (err)
			return ptsim__seterr(h, err, "map: corrupt tables at 0x%llx",
					     (unsigned long long)addr);
		addr += page_size;
	} while (addr != va + len);
	/* The frames: a leaf never maps a page table. */
	if (ptsim__frames_hold_table(pt->pa, pfn, len >> a->page_shift, &tpfn))
		return ptsim__seterr(h, -EBUSY, "map: pfn 0x%llx is a page table, not a page",
				     (unsigned long long)tpfn);

	/* Prepare: allocate every table now. */
	if (plan.nr_tables) {
		prep_bytes = plan.nr_tables * sizeof(*prep);
		prep = ptsim__alloc(h, prep_bytes);
		if (!prep)
			return ptsim__seterr(h, -ENOMEM, "map: out of host memory");
		for (uint64_t i = 0; i < plan.nr_tables; i++) {
			err = ptsim__table_alloc(pt->pa, &prep[i]);
			if (err) {
				while (i--)
					ptsim__table_discard(pt->pa, &prep[i]);
				ptsim__free(h, prep, prep_bytes);
				return ptsim__seterr(h, -ENOMEM,
						     "map: out of memory for page tables");
			}
		}
		/* A free frame to map may be one of the new tables (map allocated frames). */
		for (uint64_t i = 0; i < plan.nr_tables; i++) {
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

	/* Commit: link tables, write leaves.  Nothing here can fail. */
	addr = va;
	do {
		struct ptsim_slot s;
		uint64_t e;

		ptsim__walk_to(pt, addr, lvl, &s);
		while (s.lvl < lvl) {
			PTSIM_BUG_ON(used >= plan.nr_tables);
			ptsim__table_link(pt, &s, &prep[used++]);
			ptsim__walk_to(pt, addr, lvl, &s);
		}
		e = a->ops->mk_leaf(a, lvl, pfn + ((addr - va) >> a->page_shift), pgprot);
		if (flags & PTSIM_MAP_CONT)
			e = a->ops->mkcont(a, lvl, e);
		ptsim__set_entry(pt, &s, e);
		addr += page_size;
	} while (addr != va + len);
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
