// SPDX-License-Identifier: MIT
/*
 * deposit.c - PTE tables deposited for huge PMDs (pgtable_trans_huge_deposit()
 * and pgtable_trans_huge_withdraw(), mm/pgtable-generic.c).
 *
 * An anonymous THP is mapped by one PMD leaf, but splitting it later must not
 * fail for want of memory, so the fault allocates the PTE table the split
 * will need and deposits it: the table hangs off the page-table page that
 * holds the PMD entry (the kernel's ptdesc->pmd_huge_pte), not off any
 * entry.  It is counted in VmPTE from the deposit on (mm_inc_nr_ptes() in
 * the fault), consumed by a split (which links it) or freed with the THP
 * (zap_deposited_table()).
 *
 * The list lives in the frame records, like the kernel's: the PMD table's
 * link word holds the first deposited table (PFN + 1, 0 = none) - the
 * pmd_huge_pte field, which overlays the same word of struct page - and each
 * deposited table's link word the next one.  Deposits and withdrawals are
 * LIFO, as the kernel's list_add()/list_del() pair is.  A deposited table is
 * typed as a table of the PTE level, empty, and in state
 * PTSIM_TABLE_DEPOSITED; the checker counts it with its owner's tables.
 */
#include "pgtable/internal.h"

void ptsim__pgtable_deposit(struct ptsim_pgtables *pt, const struct ptsim_slot *pmd,
			    uint64_t table_pfn)
{
	struct ptsim_frame *holder = ptsim__pfn_to_frame_noinit(pt->pa->mem, pmd->table_pfn);
	struct ptsim_frame *f = ptsim__table_frame(pt->pa, table_pfn);

	PTSIM_BUG_ON(!holder || !f || ptsim__table_state(f) || f->extra);
	f->link = holder->link;
	holder->link = table_pfn + 1;
	ptsim__table_set_state(f, PTSIM_TABLE_DEPOSITED);
}

uint64_t ptsim__pgtable_withdraw(struct ptsim_pgtables *pt, const struct ptsim_slot *pmd)
{
	struct ptsim_frame *holder = ptsim__pfn_to_frame_noinit(pt->pa->mem, pmd->table_pfn);
	uint64_t pfn;
	struct ptsim_frame *f;

	PTSIM_BUG_ON(!holder || !holder->link);
	pfn = holder->link - 1;
	f = ptsim__table_frame(pt->pa, pfn);
	PTSIM_BUG_ON(!f || ptsim__table_state(f) != PTSIM_TABLE_DEPOSITED);
	holder->link = f->link;
	f->link = 0;
	ptsim__table_set_state(f, 0);
	return pfn;
}

uint64_t ptsim__pgtable_nr_deposited(struct ptsim_ptalloc *pa, uint64_t table_pfn, uint64_t bound)
{
	const struct ptsim_frame *holder = ptsim__pfn_to_frame_noinit(pa->mem, table_pfn);
	uint64_t n = 0;

	for (uint64_t v = holder ? holder->link : 0; v && n <= bound; n++) {
		const struct ptsim_frame *f = ptsim__table_frame(pa, v - 1);

		if (!f)
			break;
		v = f->link;
	}
	return n;
}

void ptsim__zap_deposited_table(struct ptsim_pgtables *pt, const struct ptsim_slot *pmd)
{
	uint64_t pfn = ptsim__pgtable_withdraw(pt, pmd);

	ptsim__pt_account(pt, PTSIM_PTE, -1);
	ptsim__table_free(pt->pa, pfn);
}
