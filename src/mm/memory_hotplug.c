// SPDX-License-Identifier: MIT
/*
 * memory_hotplug.c - memory blocks of init_mm: add_memory(), and
 * offline + arch_remove_memory() with the arm64 teardown.
 *
 * Follows mm/memory_hotplug.c add_memory_resource() / offline_pages() /
 * try_remove_memory() and arch/arm64/mm/mmu.c arch_add_memory(),
 * arch_remove_memory(), unmap_hotplug_range() and free_empty_tables() (the
 * merged v5.7 algorithm).  The teardown has two passes, like the user-space
 * unmap_region() + free_pgd_range():
 *
 *  1. unmap_hotplug_range(): each leaf of the range (block, contiguous
 *     entry, page) is cleared, its TLB entry flushed
 *     (flush_tlb_kernel_range() of its first page: one TLBI covers a block),
 *     and then, for the vmemmap, its backing freed - strictly clear ->
 *     flush -> free.
 *  2. free_empty_tables(): a table is freed only if the whole span it
 *     translates lies inside [floor, ceiling) of its region (linear map:
 *     [PAGE_OFFSET, PAGE_END); vmemmap: [VMEMMAP_START, VMEMMAP_END)) and
 *     none of its entries - across the whole table - is in use: the parent
 *     entry is cleared, the walk caches flushed
 *     (__flush_tlb_kernel_pgtable()), then the table freed.  The rule is
 *     ptsim__free_pgd_range()'s, the user-space one the kernel borrowed.
 *
 * A memory block is a section.  Boot memory is never offlined (the arm64
 * memory notifier's NOTIFY_BAD on MEM_GOING_OFFLINE): -EBUSY.  A range
 * whose edges fall inside a kernel leaf mapping (a block or contiguous run
 * covering memory outside it) is refused with -EBUSY too, as the 2026
 * patch "Reject memory removal that splits a kernel leaf mapping" does;
 * the merged v5.7 code would have torn the whole block down.
 */
#include <errno.h>
#include <string.h>

#include "mm/kernel_mm.h"
#include "pgtable/visit.h"
#include "ptsim/machine.h"
#include "util/bug.h"

/* Logical level of a leaf of @size (-1 if none). */
static int size_level(const struct ptsim_arch *a, uint64_t size)
{
	for (int l = PTSIM_NR_LEVELS - 1; l >= 0; l--)
		if (a->leaf_ok[l] && (1ull << a->shift[l]) == size)
			return l;
	return -1;
}

/* Bytes translated by the table that holds the entries of logical level @lvl. */
static uint64_t table_span(const struct ptsim_arch *a, int lvl)
{
	int t = ptsim__slot_level(a, lvl);

	return (uint64_t)a->ptrs[t] << a->shift[t];
}

/* Step to the next span of @span bytes; 0 when the top is passed. */
static uint64_t next_span(uint64_t va, uint64_t span)
{
	return (va | (span - 1)) + 1;
}

/* Tables missing above the leaves of level @lvl over [va, end) (ptsim__path_prepare()'s count). */
static uint64_t count_tables(struct ptsim_kernel_mm *k, uint64_t va, uint64_t end, int lvl)
{
	const struct ptsim_arch *a = k->pt.pa->arch;
	uint64_t span = table_span(a, lvl), need = 0;

	for (; va && va < end; va = next_span(va, span)) {
		struct ptsim_slot s;

		if (ptsim__walk_to(&k->pt, va, lvl, &s) || s.lvl == lvl)
			continue;
		for (int l = ptsim__child_level(a, s.lvl); l <= lvl;) {
			need++;
			if (l == PTSIM_PTE)
				break;
			l = ptsim__child_level(a, l);
		}
	}
	return need;
}

struct pool {
	struct ptsim_table_prep *t;
	uint64_t n, used;
};

/* Link the pool's tables above the leaves of level @lvl over [va, end). */
static void link_tables(struct ptsim_kernel_mm *k, struct pool *p, uint64_t va, uint64_t end,
			int lvl)
{
	uint64_t span = table_span(k->pt.pa->arch, lvl);

	for (; va && va < end; va = next_span(va, span)) {
		struct ptsim_slot s;

		ptsim__walk_to(&k->pt, va, lvl, &s);
		while (s.lvl < lvl) {
			PTSIM_BUG_ON(p->used >= p->n);
			ptsim__table_link(&k->pt, &s, &p->t[p->used++]);
			ptsim__walk_to(&k->pt, va, lvl, &s);
		}
	}
}

/* The linear map of [pa, end), unit by unit: count its missing tables, or link them from @p. */
static uint64_t linear_tables(struct ptsim_kernel_mm *k, uint64_t pa, uint64_t end, struct pool *p)
{
	const struct ptsim_arch *a = k->pt.pa->arch;
	uint64_t need = 0;

	while (pa < end) {
		uint64_t leaf;
		unsigned int flags;
		uint64_t unit = ptsim__kernel_linear_unit(k, pa, end, &leaf, &flags);
		uint64_t va = k->lay.page_offset + (pa - k->lay.phys_offset);
		int lvl = size_level(a, leaf);

		PTSIM_BUG_ON(!unit || lvl < 0);
		if (p)
			link_tables(k, p, va, va + unit, lvl);
		else
			need += count_tables(k, va, va + unit, lvl);
		pa += unit;
	}
	return need;
}

/* The vmemmap leaves backing the frame records of [spfn, epfn). */
static void vmemmap_range(const struct ptsim_kernel_mm *k, uint64_t spfn, uint64_t epfn,
			  uint64_t *vs, uint64_t *ve)
{
	uint64_t leaf = k->lay.vmemmap_leaf;

	*vs = (k->lay.vmemmap_base + spfn * k->lay.page_struct) & ~(leaf - 1);
	*ve = (k->lay.vmemmap_base + epfn * k->lay.page_struct + leaf - 1) & ~(leaf - 1);
}

static unsigned int leaf_order(const struct ptsim_arch *a, uint64_t size)
{
	unsigned int o = 0;

	while ((1ull << (o + a->page_shift)) < size)
		o++;
	return o;
}

int ptsim__add_memory(struct ptsim_kernel_mm *k, uint64_t start, uint64_t size)
{
	const struct ptsim_arch *a = k->pt.pa->arch;
	struct ptsim_mem *mem = k->pt.pa->mem;
	struct ptsim_host *h = k->pt.pa->host;
	uint64_t prot = ptsim__kernel_prot(k), leaf = k->lay.vmemmap_leaf;
	uint64_t spfn = start >> a->page_shift, epfn = (start + size) >> a->page_shift;
	uint64_t vs, ve, nleaf, got = 0, cap = 0;
	unsigned int order = leaf_order(a, leaf);
	int vlvl = size_level(a, leaf), err = -ENOMEM;
	uint64_t *pfns;
	struct pool p = {0};

	for (uint64_t pfn = spfn; pfn < epfn; pfn += ptsim__section_pages(mem))
		if (ptsim__pfn_present(mem, pfn))
			return ptsim__seterr(h, -EEXIST, "add_memory: 0x%llx is present",
					     (unsigned long long)(pfn << a->page_shift));
	vmemmap_range(k, spfn, epfn, &vs, &ve);
	nleaf = (ve - vs) / leaf;
	/* Everything allocated first: the vmemmap's pages, then every table. */
	pfns = ptsim__alloc(h, nleaf * sizeof(*pfns));
	if (!pfns)
		goto out;
	for (; got < nleaf; got++)
		if (ptsim__alloc_pages(mem, order, &pfns[got]))
			goto out_pages;
	p.n = linear_tables(k, start, start + size, NULL) + count_tables(k, vs, ve, vlvl);
	cap = p.n;
	if (p.n) {
		p.t = ptsim__alloc(h, p.n * sizeof(*p.t));
		if (!p.t)
			goto out_pages;
	}
	for (uint64_t i = 0; i < p.n; i++)
		if (ptsim__table_alloc(k->pt.pa, &p.t[i])) {
			while (i--)
				ptsim__table_discard(k->pt.pa, &p.t[i]);
			goto out_pool;
		}
	/* __add_pages() and online_pages(): the sections, their pages free. */
	err = ptsim__memory_add(mem, start, size);
	if (err) {
		for (uint64_t i = p.n; i--;)
			ptsim__table_discard(k->pt.pa, &p.t[i]);
		goto out_pool;
	}
	/* arch_add_memory()'s mappings: cannot fail now. */
	linear_tables(k, start, start + size, &p);
	link_tables(k, &p, vs, ve, vlvl);
	while (p.n > p.used)
		ptsim__table_discard(k->pt.pa, &p.t[--p.n]);
	err = ptsim__kernel_map_linear(k, start, start + size, prot);
	PTSIM_BUG_ON(err);
	for (uint64_t i = 0; i < nleaf; i++) {
		err = ptsim__map(&k->pt, vs + i * leaf, leaf, pfns[i], leaf, prot, 0);
		PTSIM_BUG_ON(err);
	}
	k->vmemmap_pages += nleaf << order;
	k->nr_added++;
	if (p.t)
		ptsim__free(h, p.t, cap * sizeof(*p.t));
	ptsim__free(h, pfns, nleaf * sizeof(*pfns));
	return 0;

out_pool:
	if (p.t)
		ptsim__free(h, p.t, cap * sizeof(*p.t));
out_pages:
	while (got--)
		ptsim__free_pages(mem, pfns[got], order);
	ptsim__free(h, pfns, nleaf * sizeof(*pfns));
out:
	if (err == -ENOMEM)
		return ptsim__seterr(h, err, "add_memory: out of memory for the vmemmap or tables");
	return ptsim__seterr(h, err, "add_memory: %s", err == -EEXIST ? "present" : "failed");
}

/* --- removal ------------------------------------------------------------------ */

/*
 * unmap_hotplug_range(): clear -> flush -> free (@free_mapped) each leaf of
 * [addr, end), skipping none entries.
 */
static void unmap_hotplug_range(struct ptsim_kernel_mm *k, uint64_t addr, uint64_t end,
				bool free_mapped, int order)
{
	const struct ptsim_arch *a = k->pt.pa->arch;
	uint64_t psz = ptsim__page_size(a);

	while (addr < end) {
		struct ptsim_slot s;
		uint64_t e, size, next;
		int lvl;

		if (ptsim__walk_to(&k->pt, addr, PTSIM_PTE, &s))
			return;
		lvl = ptsim__entry_level(a, s.lvl);
		e = *s.p;
		size = 1ull << a->shift[lvl];
		next = (addr & ~(size - 1)) + size;
		if (!next || next > end)
			next = end;
		if (!a->ops->none(a, lvl, e) && a->leaf_ok[lvl] && a->ops->leaf(a, lvl, e)) {
			uint64_t pfn = a->ops->pfn(a, lvl, e);

			s.addr = addr;
			if (order == PTSIM_HOTREMOVE_ARM64) {
				(void)ptsim__get_and_clear(&k->pt, &s);
				ptsim__flush_tlb_kernel_range(k->tlbs, addr, addr + psz - 1);
				if (free_mapped)
					ptsim__free_pages(k->pt.pa->mem, pfn, leaf_order(a, size));
			} else {
				/* x86 and v5: the backing goes first, then the entry. */
				if (free_mapped)
					ptsim__free_pages(k->pt.pa->mem, pfn, leaf_order(a, size));
				(void)ptsim__get_and_clear(&k->pt, &s);
				/* v5 flushed pages (after the free), never blocks; x86 at the end.
				 */
				if (order == PTSIM_HOTREMOVE_V5 && lvl == PTSIM_PTE)
					ptsim__flush_tlb_kernel_range(k->tlbs, addr,
								      addr + psz - 1);
			}
		}
		addr = next;
	}
}

/* free_empty_tables()'s per-table step, after the parent entry was cleared. */
static void free_table(void *arg, uint64_t table_pfn, uint64_t addr, int lvl)
{
	struct ptsim_kernel_mm *k = arg;

	(void)lvl;
	ptsim__flush_tlb_kernel_pgtable(k->tlbs, addr);
	ptsim__table_free(k->pt.pa, table_pfn);
}

/* x86 remove_pagetable()'s table free: no walk-cache flush (one flush_tlb_all() at the end). */
static void free_table_noflush(void *arg, uint64_t table_pfn, uint64_t addr, int lvl)
{
	struct ptsim_kernel_mm *k = arg;

	(void)addr;
	(void)lvl;
	ptsim__table_free(k->pt.pa, table_pfn);
}

/* Pass 2 of @order over [start, end) of the region [floor, ceiling). */
static void free_tables(struct ptsim_kernel_mm *k, uint64_t start, uint64_t end, uint64_t floor,
			uint64_t ceiling, int order)
{
	if (order == PTSIM_HOTREMOVE_ARM64)
		ptsim__free_pgd_range(&k->pt, start, end, floor, ceiling, free_table, k);
	else /* no floor/ceiling: any emptied table goes, shared or not */
		ptsim__free_pgd_range(
			&k->pt, start, end, 0, 0,
			order == PTSIM_HOTREMOVE_X86 ? free_table_noflush : free_table, k);
}

/* Whether an edge of [va, end) falls inside a leaf (or contiguous run) reaching outside it. */
static bool splits_leaf(struct ptsim_kernel_mm *k, uint64_t va, uint64_t end)
{
	const struct ptsim_arch *a = k->pt.pa->arch;
	const uint64_t edge[2] = {va, end - 1};

	for (int i = 0; i < 2; i++) {
		struct ptsim_slot s;
		uint64_t e, size;
		int lvl;

		if (ptsim__walk_to(&k->pt, edge[i], PTSIM_PTE, &s))
			continue;
		lvl = ptsim__entry_level(a, s.lvl);
		e = *s.p;
		if (a->ops->none(a, lvl, e) || !a->leaf_ok[lvl] || !a->ops->leaf(a, lvl, e))
			continue;
		size = 1ull << a->shift[lvl];
		if (a->cont_nr[lvl]) {
			struct ptsim_attrs at;

			ptsim_ent_decode(a, (enum ptsim_level)lvl, e, &at);
			if (at.cont)
				size *= a->cont_nr[lvl];
		}
		if ((edge[i] & ~(size - 1)) < va || (edge[i] & ~(size - 1)) + size - 1 > end - 1)
			return true;
	}
	return false;
}

int ptsim__remove_memory(struct ptsim_kernel_mm *k, uint64_t start, uint64_t size, int order)
{
	const struct ptsim_arch *a = k->pt.pa->arch;
	struct ptsim_mem *mem = k->pt.pa->mem;
	struct ptsim_host *h = k->pt.pa->host;
	uint64_t spfn = start >> a->page_shift, epfn = (start + size) >> a->page_shift;
	uint64_t ls = k->lay.page_offset + (start - k->lay.phys_offset), le = ls + size;
	uint64_t vs, ve;
	const char *op;
	int err;

	if (start < k->boot_end && start + size > k->boot_start)
		return ptsim__seterr(h, -EBUSY,
				     "remove_memory: [0x%llx, 0x%llx) holds boot memory, which is "
				     "never offlined",
				     (unsigned long long)start, (unsigned long long)(start + size));
	for (uint64_t pfn = spfn; pfn < epfn; pfn += ptsim__section_pages(mem))
		if (!ptsim__pfn_present(mem, pfn))
			return ptsim__seterr(h, -ENOENT, "remove_memory: 0x%llx is not present",
					     (unsigned long long)(pfn << a->page_shift));
	vmemmap_range(k, spfn, epfn, &vs, &ve);
	if (splits_leaf(k, ls, le) || splits_leaf(k, vs, ve))
		return ptsim__seterr(h, -EBUSY,
				     "remove_memory: [0x%llx, 0x%llx) would split a kernel leaf "
				     "mapping",
				     (unsigned long long)start, (unsigned long long)(start + size));
	/* offline_pages() + __remove_pages(): every page must be free. */
	err = ptsim__memory_remove(mem, start, size);
	if (err)
		return ptsim__seterr(h, err, "remove_memory: [0x%llx, 0x%llx): %s",
				     (unsigned long long)start, (unsigned long long)(start + size),
				     err == -EBUSY ? "a page is in use" : "cannot be removed");
	/* vmemmap_free(), then the linear map (__remove_pgd_mapping()). */
	op = ptsim__tlb_set_op(k->tlbs, "arch_remove_memory");
	unmap_hotplug_range(k, vs, ve, true, order);
	free_tables(k, vs, ve, k->lay.vmemmap_start, k->lay.vmemmap_end, order);
	unmap_hotplug_range(k, ls, le, false, order);
	free_tables(k, ls, le, k->lay.page_offset, k->lay.page_end, order);
	if (order == PTSIM_HOTREMOVE_X86)
		ptsim__flush_tlb_all(k->tlbs);
	ptsim__tlb_set_op(k->tlbs, op);
	k->vmemmap_pages -= (ve - vs) >> a->page_shift;
	k->linear_bytes -= size;
	k->nr_removed++;
	return 0;
}
