// SPDX-License-Identifier: MIT
/*
 * pgtable_api.c - the public entry-slot calls of include/ptsim/pgtable.h:
 * look up, read, write, clear and modify single entries; allocate, link and
 * free page-table pages.  Every argument is checked here; the writes are the
 * pgtable layer's own (ptsim__set_entry() and friends), and a present leaf
 * cleared inside a VMA is zapped by the mm layer (ptsim__zap_present()).
 */
#include <errno.h>
#include <string.h>

#include "api/machine.h"

#define ULL(v) ((unsigned long long)(v))

static const char *lvl_name(const struct ptsim_machine *m, int lvl)
{
	return ptsim_arch_level_name(m->arch, (enum ptsim_level)lvl);
}

/* The internal slot of @ps, checked: 0, or -EINVAL / -ESTALE with the message set. */
static int slot_of(struct ptsim_mm *mm, const char *fn, const struct ptsim_pgslot *ps,
		   struct ptsim_slot *s)
{
	struct ptsim_machine *m = mm->m;

	if (!ps)
		return ptsim__seterr(&m->host, -EINVAL, "%s: NULL slot", fn);
	if ((unsigned int)ps->level >= PTSIM_NR_LEVELS)
		return ptsim__seterr(&m->host, -EINVAL, "%s: bad slot level %d", fn,
				     (int)ps->level);
	if (ptsim__slot_resolve(&mm->pt, (int)ps->level, ps->table_pfn, ps->index, ps->addr, s))
		return ptsim__seterr(&m->host, -ESTALE,
				     "%s: the slot's table (pfn 0x%llx, index %u) is not a live %s "
				     "table of this address space any more",
				     fn, ULL(ps->table_pfn), ps->index,
				     lvl_name(m, (int)ps->level));
	return 0;
}

/* A table entry (not a leaf) at @lvl. */
static bool is_table(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	return e && lvl < PTSIM_PTE && a->ops->table(a, lvl, e) &&
	       !(a->leaf_ok[lvl] && a->ops->leaf(a, lvl, e));
}

/* -EBUSY with the message if the leaf @e at @lvl maps a page-table frame. */
static int leaf_maps_table(struct ptsim_machine *m, const char *fn, int lvl, uint64_t e)
{
	const struct ptsim_arch *a = m->arch;
	uint64_t tpfn;

	if (!ptsim__frames_hold_table(&m->ptalloc, a->ops->pfn(a, lvl, e),
				      1ull << (a->shift[lvl] - a->page_shift), &tpfn))
		return 0;
	return ptsim__seterr(&m->host, -EBUSY, "%s: pfn 0x%llx is a page table, not a page", fn,
			     ULL(tpfn));
}

/* The frames of the leaf @e at @lvl: within the physical address bits, none a page table. */
static int leaf_frames_ok(struct ptsim_machine *m, const char *fn, int lvl, uint64_t e)
{
	const struct ptsim_arch *a = m->arch;
	uint64_t pfn = a->ops->pfn(a, lvl, e), max_pfn = 1ull << (a->pa_bits - a->page_shift);
	uint64_t npages = 1ull << (a->shift[lvl] - a->page_shift);

	if (pfn >= max_pfn || npages > max_pfn - pfn)
		return ptsim__seterr(&m->host, -EINVAL,
				     "%s: pfn 0x%llx beyond %u-bit physical addresses", fn,
				     ULL(pfn), a->pa_bits);
	return leaf_maps_table(m, fn, lvl, e);
}

/* Whether the table @pfn of level @lvl holds a table entry. */
static bool holds_tables(struct ptsim_mm *mm, uint64_t pfn, int lvl)
{
	const struct ptsim_arch *a = mm->m->arch;
	const uint64_t *e = ptsim__table_entries(&mm->m->ptalloc, pfn);

	for (unsigned int i = 0; e && lvl < PTSIM_PTE && i < a->ptrs[lvl]; i++)
		if (is_table(a, lvl, e[i]))
			return true;
	return false;
}

/* The VMA the span of the entry at @s overlaps, if any. */
static struct ptsim_vma *span_vma(struct ptsim_mm *mm, const struct ptsim_slot *s)
{
	const struct ptsim_arch *a = mm->m->arch;
	uint64_t size = 1ull << a->shift[s->lvl];
	uint64_t base = s->addr & ~(size - 1);
	struct ptsim_vma *vma = ptsim__find_vma(&mm->vm.vmas, base);

	return vma && (vma->vm_start <= base || vma->vm_start - base < size) ? vma : NULL;
}

static void slot_out(const struct ptsim_slot *s, struct ptsim_pgslot *out)
{
	out->level = (enum ptsim_level)s->lvl;
	out->addr = s->addr;
	out->table_pfn = s->table_pfn;
	out->index = s->idx;
}

int ptsim_pgslot_lookup(struct ptsim_mm *mm, uint64_t addr, enum ptsim_level level,
			unsigned int flags, struct ptsim_pgslot *out)
{
	struct ptsim_machine *m;
	const struct ptsim_arch *a;
	struct ptsim_slot s;
	int err;

	if (!mm)
		return -EINVAL;
	m = mm->m;
	a = m->arch;
	if (!out)
		return ptsim__seterr(&m->host, -EINVAL, "pgslot_lookup: NULL out");
	if ((unsigned int)level >= PTSIM_NR_LEVELS || (flags & ~PTSIM_PGSLOT_ALLOC))
		return ptsim__seterr(&m->host, -EINVAL, "pgslot_lookup: bad level %d or flags 0x%x",
				     (int)level, flags);
	if (!ptsim__va_valid(a, addr))
		return ptsim__seterr(&m->host, -EINVAL,
				     "pgslot_lookup: 0x%llx is not a valid address of %s",
				     ULL(addr), a->name);
	if (flags & PTSIM_PGSLOT_ALLOC) {
		struct ptsim_path_prep p;

		ptsim__op_begin(m);
		err = ptsim__path_prepare(&mm->pt, addr, (int)level, &p);
		ptsim__op_end(m, err == -ENOMEM ? err : 0);
		if (err == -ENOMEM)
			return ptsim__seterr(&m->host, -ENOMEM,
					     "pgslot_lookup: out of memory for page tables");
		if (!err)
			ptsim__path_commit(&mm->pt, addr, (int)level, &p, &s);
	}
	if (ptsim__walk_to(&mm->pt, addr, (int)level, &s))
		return ptsim__seterr(&m->host, -EFAULT, "pgslot_lookup: corrupt tables at 0x%llx",
				     ULL(addr));
	s.addr = addr;
	slot_out(&s, out);
	if (s.lvl == (int)level)
		return 0;
	if (a->ops->none(a, s.lvl, *s.p))
		return ptsim__seterr(&m->host, -ENOENT,
				     "pgslot_lookup: no %s table for 0x%llx (the %s entry is none)",
				     lvl_name(m, ptsim__child_level(a, s.lvl)), ULL(addr),
				     lvl_name(m, s.lvl));
	return ptsim__seterr(&m->host, -EEXIST,
			     "pgslot_lookup: 0x%llx is covered by the %s entry 0x%016llx",
			     ULL(addr), lvl_name(m, s.lvl), ULL(*s.p));
}

int ptsim_pgslot_get(struct ptsim_mm *mm, const struct ptsim_pgslot *slot, ptsim_ent_t *out)
{
	struct ptsim_slot s;
	int err;

	if (!mm)
		return -EINVAL;
	if (!out)
		return ptsim__seterr(&mm->m->host, -EINVAL, "pgslot_get: NULL out");
	err = slot_of(mm, "pgslot_get", slot, &s);
	if (err)
		return err;
	mm->m->host.cost.entries_read[ptsim__slot_level(mm->m->arch, s.lvl)]++;
	*out = *s.p;
	return 0;
}

/* Whether writing @new over @old at @s would map or unmap a VMA page without accounting. */
static bool vma_unaccounted(struct ptsim_mm *mm, const struct ptsim_slot *s, uint64_t old,
			    uint64_t new)
{
	struct ptsim_mm_ctx *ctx = mm->vm.ctx;
	uint64_t po, pn;
	bool no, nn;

	if (!span_vma(mm, s))
		return false;
	no = ptsim__vm_normal_page(ctx, s->lvl, old, &po);
	nn = ptsim__vm_normal_page(ctx, s->lvl, new, &pn);
	return (no || nn) && !(no && nn && po == pn);
}

int ptsim_pgslot_set(struct ptsim_mm *mm, const struct ptsim_pgslot *slot, ptsim_ent_t ent)
{
	struct ptsim_machine *m;
	const struct ptsim_arch *a;
	struct ptsim_slot s;
	int err, lvl;

	if (!mm)
		return -EINVAL;
	m = mm->m;
	a = m->arch;
	err = slot_of(mm, "pgslot_set", slot, &s);
	if (err)
		return err;
	lvl = s.lvl;
	if (is_table(a, lvl, ent))
		return ptsim__seterr(&m->host, -EINVAL,
				     "pgslot_set: 0x%016llx is a table entry; link tables with "
				     "ptsim_pgslot_populate()",
				     ULL(ent));
	if (ent && a->ops->present(a, lvl, ent)) {
		if (!a->leaf_ok[lvl] || !a->ops->leaf(a, lvl, ent))
			return ptsim__seterr(&m->host, -EINVAL,
					     "pgslot_set: %s entries cannot be leaves on %s",
					     lvl_name(m, lvl), a->name);
		err = leaf_frames_ok(m, "pgslot_set", lvl, ent);
		if (err)
			return err;
	}
	if (is_table(a, lvl, *s.p))
		return ptsim__seterr(&m->host, -EBUSY,
				     "pgslot_set: the %s entry for 0x%llx points to a table; clear "
				     "it with ptsim_pgslot_get_and_clear() first",
				     lvl_name(m, lvl), ULL(s.addr));
	if (vma_unaccounted(mm, &s, *s.p, ent))
		return ptsim__seterr(
			&m->host, -EBUSY,
			"pgslot_set: 0x%llx is inside a VMA, where pages are mapped by "
			"faults (ptsim_access()) and unmapped by munmap/madvise or "
			"ptsim_pgslot_get_and_clear()",
			ULL(s.addr));
	ptsim__set_entry(&mm->pt, &s, ent);
	return 0;
}

int ptsim_pgslot_get_and_clear(struct ptsim_mm *mm, const struct ptsim_pgslot *slot,
			       ptsim_ent_t *old)
{
	struct ptsim_vma *vma;
	const struct ptsim_arch *a;
	struct ptsim_slot s;
	uint64_t e, page;
	int err;

	if (!mm)
		return -EINVAL;
	a = mm->m->arch;
	err = slot_of(mm, "pgslot_get_and_clear", slot, &s);
	if (err)
		return err;
	e = *s.p;
	if (is_table(a, s.lvl, e)) {
		struct ptsim_frame *tf =
			ptsim__table_frame(&mm->m->ptalloc, a->ops->pfn(a, s.lvl, e));

		if (!tf)
			return ptsim__seterr(
				&mm->m->host, -EINVAL,
				"pgslot_get_and_clear: 0x%016llx points to a frame that "
				"is not a table",
				ULL(e));
		/*
		 * Inside a VMA the entries below map accounted pages: unhooking
		 * them with the table would unmap them without accounting.
		 */
		if (tf->extra && span_vma(mm, &s))
			return ptsim__seterr(
				&mm->m->host, -EBUSY,
				"pgslot_get_and_clear: the %s table below 0x%llx still "
				"holds %llu entries inside a VMA; clear them first",
				lvl_name(mm->m, ptsim__child_level(a, s.lvl)), ULL(s.addr),
				ULL(tf->extra));
		/*
		 * Tables below it would stay counted in VmPTE and linked under a
		 * table no walk reaches: unhook from the bottom up, as
		 * free_pgd_range() frees.
		 */
		if (tf->extra && holds_tables(mm, a->ops->pfn(a, s.lvl, e), (int)tf->index))
			return ptsim__seterr(
				&mm->m->host, -EBUSY,
				"pgslot_get_and_clear: the %s table below 0x%llx still links "
				"tables; unhook those first",
				lvl_name(mm->m, (int)tf->index), ULL(s.addr));
		(void)ptsim__table_detach(&mm->pt, &s);
	} else if (a->ops->present(a, s.lvl, e) && (vma = span_vma(mm, &s))) {
		/* zap_huge_pmd(): a THP or the huge zero folio takes its deposited table along. */
		if (ptsim__pmd_is_thp(mm->vm.ctx, vma, s.lvl, e))
			ptsim__zap_deposited_table(&mm->pt, &s);
		(void)ptsim__zap_present(&mm->vm, &s, &e, &page);
	} else {
		e = ptsim__get_and_clear(&mm->pt, &s);
	}
	if (old)
		*old = e;
	return 0;
}

/* A present leaf at @lvl. */
static bool is_present_leaf(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	return e && a->leaf_ok[lvl] && a->ops->present(a, lvl, e) && a->ops->leaf(a, lvl, e);
}

int ptsim_pgslot_modify_prot_start(struct ptsim_mm *mm, const struct ptsim_pgslot *slot,
				   ptsim_ent_t *old)
{
	const struct ptsim_arch *a;
	struct ptsim_slot s;
	int err;

	if (!mm)
		return -EINVAL;
	a = mm->m->arch;
	err = slot_of(mm, "modify_prot_start", slot, &s);
	if (err)
		return err;
	if (!old)
		return ptsim__seterr(&mm->m->host, -EINVAL, "modify_prot_start: NULL old");
	if (!is_present_leaf(a, s.lvl, *s.p))
		return ptsim__seterr(
			&mm->m->host, -EINVAL,
			"modify_prot_start: the %s entry 0x%016llx is not a present leaf",
			lvl_name(mm->m, s.lvl), ULL(*s.p));
	/* Inside a VMA the page stays accounted: remember the slot for the commit. */
	if (span_vma(mm, &s)) {
		struct ptsim_prot_pending *p;

		if (mm->nr_prot_pending == PTSIM_PROT_PENDING_MAX)
			return ptsim__seterr(
				&mm->m->host, -EBUSY,
				"modify_prot_start: %u protection changes begun and not "
				"committed",
				PTSIM_PROT_PENDING_MAX);
		p = &mm->prot_pending[mm->nr_prot_pending++];
		p->table_pfn = s.table_pfn;
		p->idx = s.idx;
		p->lvl = s.lvl;
		p->old = *s.p;
	}
	*old = ptsim__get_and_clear(&mm->pt, &s);
	return 0;
}

/* The begun change of slot @s that cleared @old, or NULL. */
static struct ptsim_prot_pending *prot_pending(struct ptsim_mm *mm, const struct ptsim_slot *s,
					       uint64_t old)
{
	for (unsigned int i = 0; i < mm->nr_prot_pending; i++) {
		struct ptsim_prot_pending *p = &mm->prot_pending[i];

		if (p->table_pfn == s->table_pfn && p->idx == s->idx && p->lvl == s->lvl &&
		    p->old == old)
			return p;
	}
	return NULL;
}

int ptsim_pgslot_modify_prot_commit(struct ptsim_mm *mm, const struct ptsim_pgslot *slot,
				    ptsim_ent_t old, ptsim_ent_t ent)
{
	struct ptsim_prot_pending *pending;
	const struct ptsim_arch *a;
	struct ptsim_slot s;
	int err;

	if (!mm)
		return -EINVAL;
	a = mm->m->arch;
	err = slot_of(mm, "modify_prot_commit", slot, &s);
	if (err)
		return err;
	if (!a->ops->none(a, s.lvl, *s.p))
		return ptsim__seterr(&mm->m->host, -EINVAL,
				     "modify_prot_commit: the slot is not none (no _start()?)");
	if (!is_present_leaf(a, s.lvl, old) || !is_present_leaf(a, s.lvl, ent) ||
	    a->ops->pfn(a, s.lvl, old) != a->ops->pfn(a, s.lvl, ent))
		return ptsim__seterr(&mm->m->host, -EINVAL,
				     "modify_prot_commit: 0x%016llx must be a present leaf mapping "
				     "the frame 0x%016llx mapped",
				     ULL(ent), ULL(old));
	err = leaf_frames_ok(mm->m, "modify_prot_commit", s.lvl, ent);
	if (err)
		return err;
	pending = prot_pending(mm, &s, old);
	/*
	 * Inside a VMA the page must be the one _start() took away, still
	 * counted: any other would be mapped without accounting.
	 */
	if (!pending && span_vma(mm, &s))
		return ptsim__seterr(
			&mm->m->host, -EBUSY,
			"modify_prot_commit: no ptsim_pgslot_modify_prot_start() of "
			"this slot returned 0x%016llx; inside a VMA pages are mapped by "
			"faults",
			ULL(old));
	if (pending)
		*pending = mm->prot_pending[--mm->nr_prot_pending];
	ptsim__set_entry(&mm->pt, &s, ent);
	return 0;
}

int ptsim_pgtable_alloc(struct ptsim_mm *mm, enum ptsim_level level, uint64_t *pfn)
{
	struct ptsim_machine *m;
	struct ptsim_table_prep t;

	if (!mm)
		return -EINVAL;
	m = mm->m;
	if (!pfn || (unsigned int)level >= PTSIM_NR_LEVELS || level == PTSIM_PGD ||
	    ptsim__level_folded(m->arch, (int)level))
		return ptsim__seterr(
			&m->host, -EINVAL,
			"pgtable_alloc: no %s tables on %s (a real level below the root)",
			(unsigned int)level < PTSIM_NR_LEVELS ? lvl_name(m, (int)level) : "?",
			m->arch->name);
	if (ptsim__table_alloc(&m->ptalloc, &t))
		return ptsim__seterr(&m->host, -ENOMEM, "pgtable_alloc: out of memory");
	ptsim__table_install(&m->ptalloc, &t, (int)level, mm->pt.owner_id);
	*pfn = t.pfn;
	return 0;
}

/* A detached table page of @mm: its frame, or NULL. */
static struct ptsim_frame *detached_table(struct ptsim_mm *mm, uint64_t pfn)
{
	struct ptsim_frame *f = ptsim__table_frame(&mm->m->ptalloc, pfn);

	return f && f->mapping == mm->pt.owner_id && !ptsim__table_state(f) ? f : NULL;
}

int ptsim_pgslot_populate(struct ptsim_mm *mm, const struct ptsim_pgslot *slot, uint64_t table_pfn)
{
	const struct ptsim_arch *a;
	struct ptsim_frame *f;
	struct ptsim_slot s;
	int err;

	if (!mm)
		return -EINVAL;
	a = mm->m->arch;
	err = slot_of(mm, "pgslot_populate", slot, &s);
	if (err)
		return err;
	if (s.lvl == PTSIM_PTE)
		return ptsim__seterr(&mm->m->host, -EINVAL,
				     "pgslot_populate: a PTE entry cannot point to a table");
	if (!a->ops->none(a, s.lvl, *s.p))
		return ptsim__seterr(&mm->m->host, -EEXIST,
				     "pgslot_populate: the %s entry for 0x%llx is not none",
				     lvl_name(mm->m, s.lvl), ULL(s.addr));
	f = detached_table(mm, table_pfn);
	if (!f || f->index != (uint64_t)ptsim__child_level(a, s.lvl))
		return ptsim__seterr(&mm->m->host, -EINVAL,
				     "pgslot_populate: pfn 0x%llx is not a detached %s table of "
				     "this address space",
				     ULL(table_pfn), lvl_name(mm->m, ptsim__child_level(a, s.lvl)));
	/* Entries linked into a VMA would map its pages without accounting. */
	if (f->extra && span_vma(mm, &s))
		return ptsim__seterr(
			&mm->m->host, -EBUSY,
			"pgslot_populate: table 0x%llx holds %llu entries and 0x%llx is "
			"inside a VMA, where pages are mapped by faults",
			ULL(table_pfn), ULL(f->extra), ULL(s.addr));
	ptsim__table_populate(&mm->pt, &s, table_pfn);
	return 0;
}

int ptsim_pgtable_free(struct ptsim_mm *mm, uint64_t table_pfn)
{
	struct ptsim_frame *f;

	if (!mm)
		return -EINVAL;
	f = ptsim__table_frame(&mm->m->ptalloc, table_pfn);
	if (!f || f->mapping != mm->pt.owner_id)
		return ptsim__seterr(
			&mm->m->host, -EINVAL,
			"pgtable_free: pfn 0x%llx is not a table of this address space",
			ULL(table_pfn));
	if (ptsim__table_state(f))
		return ptsim__seterr(&mm->m->host, -EBUSY,
				     "pgtable_free: table 0x%llx is still linked (clear its entry "
				     "first)",
				     ULL(table_pfn));
	if (f->extra)
		return ptsim__seterr(&mm->m->host, -EBUSY,
				     "pgtable_free: table 0x%llx still holds %llu entries",
				     ULL(table_pfn), ULL(f->extra));
	ptsim__table_free(&mm->m->ptalloc, table_pfn);
	return 0;
}

/* --- split and collapse ----------------------------------------------------------- */

/* The slot of @level for @addr outside VMAs, for split/collapse: 0 or -errno with the message. */
static int raw_slot(struct ptsim_mm *mm, const char *fn, uint64_t addr, enum ptsim_level level,
		    unsigned int flags, unsigned int allowed, struct ptsim_slot *s)
{
	struct ptsim_machine *m = mm->m;

	if ((unsigned int)level >= PTSIM_NR_LEVELS || level == PTSIM_PTE || (flags & ~allowed))
		return ptsim__seterr(&m->host, -EINVAL, "%s: bad level %d or flags 0x%x", fn,
				     (int)level, flags);
	if (!ptsim__va_valid(m->arch, addr))
		return ptsim__seterr(&m->host, -EINVAL, "%s: 0x%llx is not a valid address", fn,
				     ULL(addr));
	if (ptsim__walk_to(&mm->pt, addr, (int)level, s) || s->lvl != (int)level)
		return ptsim__seterr(&m->host, -ENOENT, "%s: no %s entry for 0x%llx", fn,
				     lvl_name(m, (int)level), ULL(addr));
	s->addr = addr;
	if (span_vma(mm, s))
		return ptsim__seterr(&m->host, -EBUSY,
				     "%s: 0x%llx is inside a VMA (a THP is split by "
				     "ptsim_split_huge_pmd())",
				     fn, ULL(addr));
	return 0;
}

int ptsim_split_leaf(struct ptsim_mm *mm, uint64_t addr, enum ptsim_level level, unsigned int flags)
{
	struct ptsim_machine *m;
	const struct ptsim_arch *a;
	struct ptsim_split sp;
	struct ptsim_slot s;
	uint64_t size, base;
	const char *op;
	int err;

	if (!mm)
		return -EINVAL;
	m = mm->m;
	a = m->arch;
	err = raw_slot(mm, "split_leaf", addr, level, flags, PTSIM_SPLIT_CONT | PTSIM_SPLIT_NO_BBM,
		       &s);
	if (err)
		return err;
	if (!a->ops->present(a, s.lvl, *s.p) || !a->leaf_ok[s.lvl] || !a->ops->leaf(a, s.lvl, *s.p))
		return ptsim__seterr(&m->host, -ENOENT, "split_leaf: no %s leaf maps 0x%llx",
				     lvl_name(m, s.lvl), ULL(addr));
	/* A raw leaf takes no reference: its frames may have become tables since. */
	err = leaf_maps_table(m, "split_leaf", s.lvl, *s.p);
	if (err)
		return err;
	err = ptsim__split_prepare(&mm->pt, &s, &sp);
	if (err == -ENOMEM)
		return ptsim__seterr(&m->host, err, "split_leaf: out of memory for the table");
	if (err)
		return ptsim__seterr(&m->host, err, "split_leaf: no leaf level below %s on %s",
				     lvl_name(m, s.lvl), a->name);
	if ((flags & PTSIM_SPLIT_CONT) && !a->cont_nr[sp.child]) {
		ptsim__split_abort(&mm->pt, &sp);
		return ptsim__seterr(&m->host, -EINVAL,
				     "split_leaf: no contiguous runs of %s on %s",
				     lvl_name(m, sp.child), a->name);
	}
	op = ptsim__tlb_set_op(&m->tlbs, "split_leaf");
	ptsim__split_fill(&mm->pt, &sp, flags & PTSIM_SPLIT_CONT);
	size = 1ull << a->shift[s.lvl];
	base = addr & ~(size - 1);
	if (!(flags & PTSIM_SPLIT_NO_BBM)) {
		/* Break: clear the leaf and flush it everywhere; then make. */
		(void)ptsim__get_and_clear(&mm->pt, &s);
		ptsim__flush_tlb_range(&m->tlbs, &mm->tlb, base, base + size - 1, a->shift[s.lvl],
				       false);
	}
	ptsim__split_publish(&mm->pt, &sp);
	if (flags & PTSIM_SPLIT_NO_BBM)
		ptsim__flush_tlb_range(&m->tlbs, &mm->tlb, base, base + size - 1, a->shift[s.lvl],
				       false);
	ptsim__tlb_restore_op(&m->tlbs, op);
	return 0;
}

int ptsim_collapse_leaf(struct ptsim_mm *mm, uint64_t addr, enum ptsim_level level,
			unsigned int flags)
{
	struct ptsim_machine *m;
	const struct ptsim_arch *a;
	struct ptsim_slot s;
	uint64_t size, base, huge, tpfn;
	const char *op;
	int err;

	if (!mm)
		return -EINVAL;
	m = mm->m;
	a = m->arch;
	err = raw_slot(mm, "collapse_leaf", addr, level, flags, PTSIM_SPLIT_NO_BBM, &s);
	if (err)
		return err;
	if (!is_table(a, s.lvl, *s.p))
		return ptsim__seterr(&m->host, -ENOENT,
				     "collapse_leaf: no table below the %s entry",
				     lvl_name(m, s.lvl));
	if (!ptsim__collapse_check(&mm->pt, &s, &huge))
		return ptsim__seterr(
			&m->host, -EINVAL,
			"collapse_leaf: the table does not hold one %s leaf's worth of "
			"consecutive, aligned, uniform leaves",
			lvl_name(m, s.lvl));
	err = leaf_maps_table(m, "collapse_leaf", s.lvl, huge);
	if (err)
		return err;
	op = ptsim__tlb_set_op(&m->tlbs, "collapse_leaf");
	size = 1ull << a->shift[s.lvl];
	base = addr & ~(size - 1);
	tpfn = a->ops->pfn(a, s.lvl, *s.p);
	if (flags & PTSIM_SPLIT_NO_BBM) {
		/* The leaf over the live table entry, then flush and free. */
		ptsim__set_entry(&mm->pt, &s, huge);
		ptsim__pt_account(&mm->pt, ptsim__child_level(a, s.lvl), -1);
		if (m->ptalloc.ptref_on && ptsim__child_level(a, s.lvl) == PTSIM_PTE)
			ptsim__ptref_link(&mm->pt, ptsim__table_frame(&m->ptalloc, tpfn), -1);
		ptsim__table_set_state(ptsim__table_frame(&m->ptalloc, tpfn), 0);
	} else {
		(void)ptsim__table_detach(&mm->pt, &s);
	}
	ptsim__flush_tlb_range(&m->tlbs, &mm->tlb, base, base + size - 1, a->page_shift, false);
	if (!(flags & PTSIM_SPLIT_NO_BBM))
		ptsim__set_entry(&mm->pt, &s, huge);
	/* Its entries were moved into the leaf, not unmapped: drop them quietly. */
	{
		struct ptsim_frame *f = ptsim__table_frame(&m->ptalloc, tpfn);
		uint64_t *tbl = ptsim__table_entries(&m->ptalloc, tpfn);

		memset(tbl, 0, (size_t)a->ptrs[f->index] * sizeof(*tbl));
		f->extra = 0;
	}
	ptsim__table_free(&m->ptalloc, tpfn);
	ptsim__tlb_restore_op(&m->tlbs, op);
	return 0;
}
