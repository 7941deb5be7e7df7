// SPDX-License-Identifier: MIT
/*
 * free.c - free_pgd_range(): the VMA-free pass that frees page tables under
 * the kernel's floor/ceiling rule (mm/memory.c free_pgd_range() and the
 * free_p?d_range() it calls).  munmap and exit use it through an mmu_gather
 * (src/mm/zap.c); memory hot-remove uses it on init_mm (src/mm/memory_hotplug.c).
 *
 * The floor/ceiling rule.  free_pgd_range(addr, end, floor, ceiling) frees
 * a page table only if the whole span it translates lies inside
 * [floor, ceiling) - floor being the end of the VMA below the range (0 if
 * none) and ceiling the start of the VMA above it (0 = the top) - so a table
 * another VMA may still use is never freed.  The kernel states the rule level
 * by level (round addr down to PMD_SIZE, skip the first PMD if it starts below
 * floor, drop the last if it ends above the ceiling rounded down; an upper
 * table goes when its own span, rounded the same way, fits); for every table
 * reachable from [addr, end) that is exactly "span inside [floor, ceiling)",
 * which is what free_below() tests, once, at every level of every
 * configuration (folded levels have no tables and are skipped).  A table
 * still holding entries (a raw ptsim_map() mapping inside the span) is kept.
 *
 * Freeing is the caller's (@free_table): a table is unhooked here (its
 * parent entry cleared, VmPTE decremented, the table detached) and handed
 * over, to be freed after the TLB flush that makes it unreachable.
 */
#include "pgtable/internal.h"

struct free_ctx {
	struct ptsim_pgtables *pt;
	uint64_t floor, ceiling;
	ptsim_table_free_fn free_table;
	void *arg;
};

/*
 * Free tables below the entries of the table @table_pfn (real level @tlvl)
 * that translate [addr, end): children first, then each child table whose
 * span lies inside [floor, ceiling).
 */
static void free_below(struct free_ctx *fc, int tlvl, uint64_t table_pfn, uint64_t addr,
		       uint64_t end)
{
	struct ptsim_pgtables *pt = fc->pt;
	const struct ptsim_arch *a = pt->pa->arch;
	uint64_t *tbl = ptsim__table_entries(pt->pa, table_pfn);
	uint64_t next;
	int elvl = ptsim__entry_level(a, tlvl);

	if (!tbl)
		return;
	if (elvl == PTSIM_PTE)
		return; /* a PTE table holds leaves only */
	do {
		struct ptsim_slot s;
		uint64_t e, cpfn, size = 1ull << a->shift[elvl], base;
		struct ptsim_frame *cf;
		int clvl;

		next = ptsim__addr_end(a, elvl, addr, end);
		s.lvl = elvl;
		s.table_pfn = table_pfn;
		s.idx = ptsim__index(a, tlvl, addr);
		s.p = &tbl[s.idx];
		s.addr = addr;
		e = *s.p;
		if (a->ops->none(a, elvl, e) || !a->ops->table(a, elvl, e) ||
		    (a->leaf_ok[elvl] && a->ops->leaf(a, elvl, e)))
			continue;
		cpfn = a->ops->pfn(a, elvl, e);
		clvl = ptsim__child_level(a, elvl);
		free_below(fc, clvl, cpfn, addr, next);
		base = addr & ~(size - 1);
		if (base < fc->floor || base + (size - 1) > fc->ceiling - 1)
			continue;
		cf = ptsim__table_frame(pt->pa, cpfn);
		if (!cf || cf->extra)
			continue; /* still in use by a mapping outside every VMA */
		ptsim__table_detach(pt, &s);
		fc->free_table(fc->arg, cpfn, base, clvl);
	} while (addr = next, addr != end);
}

void ptsim__free_pgd_range(struct ptsim_pgtables *pt, uint64_t addr, uint64_t end, uint64_t floor,
			   uint64_t ceiling, ptsim_table_free_fn free_table, void *arg)
{
	struct free_ctx fc = {
		.pt = pt, .floor = floor, .ceiling = ceiling, .free_table = free_table, .arg = arg};

	if (addr >= end)
		return;
	free_below(&fc, PTSIM_PGD, pt->root_pfn, addr, end);
}
