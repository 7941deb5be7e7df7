// SPDX-License-Identifier: MIT
/*
 * ptref_api.c - the public calls of include/ptsim/ptref.h: EXPERIMENTAL,
 * the 2022 RFC "Try to free empty and zero user PTE page table pages",
 * never merged.  Validates, then calls src/pgtable/ptref.c (counters,
 * ranking) and src/mm/pte_ref.c (reclaim).
 */
#include <errno.h>
#include <string.h>

#include "api/machine.h"
#include "mm/pte_ref.h"
#include "ptsim/ptref.h"

static struct ptsim_mm *mm_of(struct ptsim_pgtables *pt)
{
	return (struct ptsim_mm *)(void *)((char *)pt - offsetof(struct ptsim_mm, pt));
}

void ptsim__ptref_switch(struct ptsim_machine *m)
{
	struct ptsim_ptalloc *pa = &m->ptalloc;

	if (!pa->mem || pa->ptref_on == m->cfg.pt_reclaim_rfc)
		return;
	if (!m->cfg.pt_reclaim_rfc) {
		/* Off: the views and the ranking go; the words go stale until switched on. */
		for (struct ptsim_mm *mm = m->mms; mm; mm = mm->next)
			ptsim__ptref_reset(&mm->pt);
		pa->ptref_on = false;
		return;
	}
	/* On: every PTE table recounted (writes made while off were not tracked). */
	pa->ptref_on = true;
	ptsim__ptref_enable(pa);
	for (struct ptsim_mm *mm = m->mms; mm; mm = mm->next)
		ptsim__ptref_rebuild(&mm->pt);
}

static int need_knob(const struct ptsim_machine *m, const char *fn)
{
	if (m->ptalloc.ptref_on)
		return 0;
	return ptsim__seterr(ptsim__mhost(m), -EOPNOTSUPP,
			     "%s: knob pt_reclaim.rfc is off (the 2022 RFC is experimental, never "
			     "merged: ptsim_knob_set(m, \"pt_reclaim.rfc\", \"on\"))",
			     fn);
}

/* Bytes of PTE tables one address space can hold: one per table span below TASK_SIZE. */
static uint64_t mm_limit(const struct ptsim_arch *a)
{
	uint64_t span = (uint64_t)a->ptrs[PTSIM_PTE] << a->page_shift;

	return (a->task_size / span + (a->task_size % span != 0)) * a->ptrs[PTSIM_PTE] * 8;
}

int ptsim_ptref_mm_info(const struct ptsim_mm *mm, struct ptsim_ptref_mm_info *out)
{
	struct ptsim_ptalloc *pa;
	uint64_t rank = 0;
	int err;

	if (!mm)
		return -EINVAL;
	if (!out)
		return ptsim__seterr(ptsim__mhost(mm->m), -EINVAL, "ptref_mm_info: NULL out");
	err = need_knob(mm->m, "ptref_mm_info");
	if (err)
		return err;
	pa = (struct ptsim_ptalloc *)(uintptr_t)&mm->m->ptalloc;
	memset(out, 0, sizeof(*out));
	out->pte_tables = mm->pt.nr_tables[PTSIM_PTE];
	out->empty_tables = mm->pt.ptref_empty;
	out->zero_tables = mm->pt.ptref_zero;
	out->reclaimable_bytes = mm->pt.reclaimable_pt_bytes;
	if (mm->pt.ranked) {
		for (struct ptsim_pgtables *pt = ptsim__ptref_first(pa); pt;
		     pt = ptsim__ptref_next(pa, pt)) {
			rank++;
			if (pt == &mm->pt)
				break;
		}
		out->rank = rank;
	}
	return 0;
}

int ptsim_ptref_table(const struct ptsim_mm *mm, uint64_t addr, struct ptsim_ptref_table *out)
{
	struct ptsim_pgtables *pt;
	const struct ptsim_arch *a;
	struct ptsim_frame *f;
	struct ptsim_slot s;
	uint32_t w;
	int err;

	if (!mm)
		return -EINVAL;
	if (!out)
		return ptsim__seterr(ptsim__mhost(mm->m), -EINVAL, "ptref_table: NULL out");
	err = need_knob(mm->m, "ptref_table");
	if (err)
		return err;
	a = mm->m->arch;
	if (addr >= a->task_size)
		return ptsim__seterr(ptsim__mhost(mm->m), -EINVAL,
				     "ptref_table: 0x%llx is not a user address (TASK_SIZE 0x%llx)",
				     (unsigned long long)addr, (unsigned long long)a->task_size);
	pt = (struct ptsim_pgtables *)(uintptr_t)&mm->pt;
	if (ptsim__walk_to(pt, addr, PTSIM_PTE, &s) || s.lvl != PTSIM_PTE)
		return ptsim__seterr(ptsim__mhost(mm->m), -ENOENT,
				     "ptref_table: no PTE table maps 0x%llx",
				     (unsigned long long)addr);
	f = ptsim__table_frame(pt->pa, s.table_pfn);
	w = ptsim__ptref_word(f);
	memset(out, 0, sizeof(*out));
	out->table_pfn = s.table_pfn;
	out->word = w;
	out->mapped = ptsim__ptref_mapped(a, w);
	out->zero = ptsim__ptref_zero(a, w);
	out->entries = a->ptrs[PTSIM_PTE];
	out->field_bits = ptsim__ptref_bits(a);
	out->empty = out->mapped == 0;
	out->zero_table = out->zero == out->entries;
	return 0;
}

int ptsim_ptref_stats(const struct ptsim_machine *m, struct ptsim_ptref_stats *out)
{
	const struct ptsim_ptalloc *pa;
	int err;

	if (!m)
		return -EINVAL;
	if (!out)
		return ptsim__seterr(ptsim__mhost(m), -EINVAL, "ptref_stats: NULL out");
	err = need_knob(m, "ptref_stats");
	if (err)
		return err;
	pa = &m->ptalloc;
	out->scanned = pa->ptref_stats.scanned;
	out->reclaimed_empty = pa->ptref_stats.reclaimed_empty;
	out->reclaimed_zero = pa->ptref_stats.reclaimed_zero;
	out->zero_ptes_dropped = pa->ptref_stats.zero_ptes_dropped;
	out->bytes_freed = pa->ptref_stats.bytes_freed;
	out->nr_ranked = pa->ptref_nr_ranked;
	return 0;
}

long ptsim_ptref_rank(const struct ptsim_machine *m, struct ptsim_ptref_rank_entry *out, size_t n)
{
	struct ptsim_ptalloc *pa;
	size_t i = 0;
	int err;

	if (!m)
		return -EINVAL;
	if (!out && n)
		return ptsim__seterr(ptsim__mhost(m), -EINVAL,
				     "ptref_rank: NULL out for %zu places", n);
	err = need_knob(m, "ptref_rank");
	if (err)
		return err;
	pa = (struct ptsim_ptalloc *)(uintptr_t)&m->ptalloc;
	for (struct ptsim_pgtables *pt = ptsim__ptref_first(pa); pt && i < n;
	     pt = ptsim__ptref_next(pa, pt), i++) {
		out[i].mm = mm_of(pt);
		out[i].reclaimable_bytes = pt->reclaimable_pt_bytes;
		out[i].empty_tables = pt->ptref_empty;
		out[i].zero_tables = pt->ptref_zero;
	}
	return (long)pa->ptref_nr_ranked;
}

/* The bad-input checks shared by both reclaims: 0, or -errno with the message set. */
static int reclaim_check(struct ptsim_machine *m, const char *fn, int64_t target, uint64_t limit)
{
	int err = need_knob(m, fn);

	if (err)
		return err;
	if (target < 0)
		return ptsim__seterr(&m->host, -EINVAL, "%s: negative target %lld", fn,
				     (long long)target);
	if ((uint64_t)target > limit)
		return ptsim__seterr(
			&m->host, -ERANGE,
			"%s: target %lld bytes is more than the PTE tables %s can hold "
			"(%llu bytes)",
			fn, (long long)target,
			!strcmp(fn, "ptref_reclaim") ? "the machine's address spaces"
						     : "an address space",
			(unsigned long long)limit);
	return 0;
}

long ptsim_ptref_reclaim_mm(struct ptsim_mm *mm, int64_t target)
{
	int err;

	if (!mm)
		return -EINVAL;
	err = reclaim_check(mm->m, "ptref_reclaim_mm", target, mm_limit(mm->m->arch));
	if (err)
		return err;
	/* A protection change between start and commit holds its PTE lock: the write lock waits. */
	if (mm->nr_prot_pending)
		return ptsim__seterr(&mm->m->host, -EBUSY,
				     "ptref_reclaim_mm: %u protection change%s in progress "
				     "(ptsim_pgslot_modify_prot_start() without its commit)",
				     mm->nr_prot_pending, mm->nr_prot_pending == 1 ? "" : "s");
	return (long)ptsim__ptref_reclaim_mm(&mm->vm, (uint64_t)target);
}

long ptsim_ptref_reclaim(struct ptsim_machine *m, int64_t target)
{
	struct ptsim_ptalloc *pa;
	struct ptsim_pgtables *pt;
	uint64_t nr_mms = 0, freed = 0;
	int err;

	if (!m)
		return -EINVAL;
	for (struct ptsim_mm *mm = m->mms; mm; mm = mm->next)
		nr_mms++;
	err = reclaim_check(m, "ptref_reclaim", target, nr_mms * mm_limit(m->arch));
	if (err)
		return err;
	pa = &m->ptalloc;
	pt = ptsim__ptref_first(pa);
	while (pt && (!target || freed < (uint64_t)target)) {
		/* An address space in the middle of a protection change is passed over (trylock).
		 */
		uint64_t got =
			mm_of(pt)->nr_prot_pending
				? 0
				: ptsim__ptref_reclaim_mm(&mm_of(pt)->vm,
							  target ? (uint64_t)target - freed : 0);

		freed += got;
		/*
		 * Largest first again (the one reclaimed fell in the ranking); an
		 * address space that gave nothing (only uffd-wp zero tables left,
		 * or busy) is passed over.
		 */
		pt = got ? ptsim__ptref_first(pa) : ptsim__ptref_next(pa, pt);
	}
	return (long)freed;
}
