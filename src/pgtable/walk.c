// SPDX-License-Identifier: MIT
/*
 * walk.c - one recursive visitor over the tables (KVM style), the public
 * range walker built on it, and translate (a single descent with
 * ptsim__walk_to()).  unmap, ptdump and the checker are visitor clients too.
 *
 * The visitor runs over runtime geometry: at each logical level it looks at
 * the slot for the current address range; a folded next level shares the
 * slot and is visited too, so every client sees five levels.  An entry is
 * reported at the lowest logical level that shares its slot - where the
 * kernel's pXd_none()/pXd_leaf() checks really look (ptsim__entry_level();
 * a level that may hold a leaf is always that lowest level).
 */
#include <errno.h>
#include <string.h>

#include "pgtable/visit.h"

static int visit_level(struct ptsim_visitor *v, int lvl, uint64_t table_pfn, uint64_t *tbl,
		       uint64_t addr, uint64_t end);

static int visit_slot(struct ptsim_visitor *v, struct ptsim_slot *s, uint64_t addr, uint64_t next)
{
	const struct ptsim_arch *a = v->pt->pa->arch;
	int lvl = s->lvl;
	unsigned int again = 0;
	uint64_t e;
	bool leaf;
	int ret;

again:
	if (again++ > PTSIM_VISIT_MAX_AGAIN)
		return ptsim__seterr(v->pt->pa->host, -ELOOP,
				     "walk: the callback asked to revisit 0x%llx %u times",
				     (unsigned long long)addr, PTSIM_VISIT_MAX_AGAIN);
	e = *s->p;
	if (v->fn && e && (v->flags & PTSIM_VISIT_ALL)) {
		ret = v->fn(v, PTSIM_VISIT_ALL, s, addr, next);
		if (ret == PTSIM_VISIT_AGAIN)
			goto again;
		if (ret)
			return ret > 0 && ret == PTSIM_VISIT_SKIP ? 0 : ret;
		e = *s->p; /* the callback may have changed it */
	}
	if (lvl < ptsim__entry_level(a, lvl)) {
		/* A folded level below shares the slot: visit it there too. */
		struct ptsim_slot sub = *s;

		sub.lvl = lvl + 1;
		return visit_slot(v, &sub, addr, next);
	}
	leaf = a->leaf_ok[lvl] && a->ops->leaf(a, lvl, e);
	if (!leaf && a->ops->none(a, lvl, e)) {
		if (!(v->flags & PTSIM_VISIT_HOLE))
			return 0;
		ret = v->fn(v, PTSIM_VISIT_HOLE, s, addr, next);
		if (ret == PTSIM_VISIT_AGAIN)
			goto again;
		return ret;
	}
	if (!leaf && lvl < PTSIM_PTE && a->ops->table(a, lvl, e)) {
		uint64_t cpfn = a->ops->pfn(a, lvl, e);
		uint64_t *ctbl = ptsim__table_entries(v->pt->pa, cpfn);

		if (v->flags & PTSIM_VISIT_TABLE_PRE) {
			ret = v->fn(v, PTSIM_VISIT_TABLE_PRE, s, addr, next);
			if (ret == PTSIM_VISIT_SKIP)
				return 0;
			if (ret)
				return ret;
		}
		if (!ctbl) {
			/* A table entry pointing at a non-table: the checker reports it. */
			if (v->flags & PTSIM_VISIT_BAD)
				return v->fn(v, PTSIM_VISIT_BAD, s, addr, next);
			return 0;
		}
		ret = visit_level(v, ptsim__child_level(a, lvl), cpfn, ctbl, addr, next);
		if (ret)
			return ret;
		if (v->flags & PTSIM_VISIT_TABLE_POST)
			return v->fn(v, PTSIM_VISIT_TABLE_POST, s, addr, next);
		return 0;
	}
	/* Present leaf, or a non-present non-none entry (swap, marker, PROT_NONE). */
	if (v->flags & PTSIM_VISIT_LEAF)
		return v->fn(v, PTSIM_VISIT_LEAF, s, addr, next);
	return 0;
}

static int visit_level(struct ptsim_visitor *v, int lvl, uint64_t table_pfn, uint64_t *tbl,
		       uint64_t addr, uint64_t end)
{
	const struct ptsim_arch *a = v->pt->pa->arch;
	uint64_t next;
	int ret;

	do {
		struct ptsim_slot s;

		next = ptsim__addr_end(a, lvl, addr, end);
		s.lvl = lvl;
		s.table_pfn = table_pfn;
		s.idx = ptsim__index(a, lvl, addr);
		s.p = &tbl[s.idx];
		s.addr = addr;
		v->pt->pa->host->cost.entries_read[lvl]++;
		ret = visit_slot(v, &s, addr, next);
		if (ret)
			return ret;
	} while (addr = next, addr != end);
	return 0;
}

int ptsim__visit(struct ptsim_visitor *v, uint64_t start, uint64_t end)
{
	const struct ptsim_arch *a = v->pt->pa->arch;
	uint64_t *root = ptsim__table_entries(v->pt->pa, v->pt->root_pfn);

	if (!root)
		return -EFAULT;
	/* Clip [start, end) to each valid range (x86: each half); end == 0 means 2^64. */
	for (unsigned int i = 0; i < a->nr_va_ranges; i++) {
		const struct ptsim_va_range *r = &a->va_ranges[i];
		uint64_t lo = start > r->start ? start : r->start;
		uint64_t hi = r->end;
		int ret;

		if (end && (hi == 0 || end < hi))
			hi = end;
		if (hi != 0 && lo >= hi)
			continue;
		if (hi == 0 && lo == 0 && r->start != 0)
			continue;
		if (ptsim__va_range_skip(a, r, v->pt->kernel))
			continue;
		v->range_index = i;
		ret = visit_level(v, PTSIM_PGD, v->pt->root_pfn, root, lo, hi);
		if (ret)
			return ret;
	}
	return 0;
}

/* [start, end) is non-empty and lies in one valid range (x86: one half). */
bool ptsim__range_valid(const struct ptsim_arch *a, uint64_t start, uint64_t end)
{
	int r = ptsim__va_range(a, start);

	if (end != 0 && end <= start)
		return false;
	return r >= 0 && ptsim__va_range(a, end - 1) == r;
}

/*
 * A range for the walker and ptdump: (0, 0) is everything; end == 0 means
 * "to the top" from any valid start (the visitor clips to the canonical
 * halves, so a lower-half start walks the upper half too, as 2^64 is above
 * both); otherwise [start, end) must lie in one half.
 */
bool ptsim__walk_range_valid(const struct ptsim_arch *a, uint64_t start, uint64_t end)
{
	if (end == 0)
		return start == 0 || ptsim__va_valid(a, start);
	return ptsim__range_valid(a, start, end);
}

/* --- public walker ------------------------------------------------------- */

struct walk_ctx {
	const struct ptsim_walk_ops *ops;
	struct ptsim_walk *walk;
};

static int walk_fn(struct ptsim_visitor *v, int what, struct ptsim_slot *s, uint64_t addr,
		   uint64_t next)
{
	struct walk_ctx *c = v->priv;
	struct ptsim_walk *w = c->walk;
	int ret;

	w->slot.level = (enum ptsim_level)s->lvl;
	w->slot.addr = s->addr;
	w->slot.table_pfn = s->table_pfn;
	w->slot.index = s->idx;
	w->table_pfn = s->table_pfn;
	w->index = s->idx;
	w->action = PTSIM_WALK_SUBTREE;
	switch (what) {
	case PTSIM_VISIT_ALL:
		if (!c->ops->entry[s->lvl])
			return 0;
		ret = c->ops->entry[s->lvl](*s->p, addr, next, w);
		break;
	case PTSIM_VISIT_HOLE:
		ret = c->ops->pte_hole ? c->ops->pte_hole(addr, next, s->lvl, w) : 0;
		break;
	case PTSIM_VISIT_TABLE_POST:
		return c->ops->post_table ? c->ops->post_table(*s->p, s->lvl, addr, next, w) : 0;
	default:
		return 0;
	}
	if (ret)
		return ret;
	if (w->action == PTSIM_WALK_AGAIN)
		return PTSIM_VISIT_AGAIN;
	return w->action == PTSIM_WALK_CONTINUE && what == PTSIM_VISIT_ALL ? PTSIM_VISIT_SKIP : 0;
}

int ptsim__walk_page_range(struct ptsim_pgtables *pt, struct ptsim_mm *mm, uint64_t start,
			   uint64_t end, const struct ptsim_walk_ops *ops, void *priv)
{
	struct ptsim_walk w = {.mm = mm, .priv = priv};
	struct walk_ctx c = {.ops = ops, .walk = &w};
	struct ptsim_visitor v = {
		.pt = pt,
		.fn = walk_fn,
		.priv = &c,
		.flags = PTSIM_VISIT_ALL | PTSIM_VISIT_HOLE | PTSIM_VISIT_TABLE_POST,
	};

	if (!ptsim__walk_range_valid(pt->pa->arch, start, end))
		return -EINVAL;
	return ptsim__visit(&v, start, end);
}

/* --- translate ----------------------------------------------------------- */

int ptsim__translate(struct ptsim_pgtables *pt, uint64_t va, struct ptsim_translation *t)
{
	const struct ptsim_arch *a = pt->pa->arch;
	struct ptsim_slot s;
	uint64_t e, size;
	int err;

	/* ptsim__va_valid(), inline; the result is cleared once, here or field by field. */
	err = ptsim__va_range(a, va) < 0 ? -EINVAL : ptsim__walk_to(pt, va, PTSIM_PTE, &s);
	if (err) {
		memset(t, 0, sizeof(*t));
		return err;
	}
	e = *s.p;
	size = 1ull << a->shift[s.lvl];
	t->level = (enum ptsim_level)s.lvl;
	t->entry = e;
	t->page_size = size;
	t->va_base = va & ~(size - 1);
	t->table_pfn = s.table_pfn;
	t->index = s.idx;
	t->pfn = 0;
	t->pa = 0;
	/* ptsim_ent_decode() without its checks: the level is the walk's. */
	memset(&t->attrs, 0, sizeof(t->attrs));
	a->ops->decode(a, s.lvl, e, &t->attrs);
	if (t->attrs.none)
		return -ENOENT;
	if (!t->attrs.leaf || !t->attrs.valid) {
		if (t->attrs.protnone)
			t->pfn = t->attrs.pfn + ((va - t->va_base) >> a->page_shift);
		return -EFAULT;
	}
	t->pfn = t->attrs.pfn + ((va - t->va_base) >> a->page_shift);
	t->pa = (t->pfn << a->page_shift) | (va & (ptsim__page_size(a) - 1));
	return 0;
}
