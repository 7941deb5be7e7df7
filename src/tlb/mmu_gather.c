// SPDX-License-Identifier: MIT
/*
 * mmu_gather.c - batch cleared entries, flush once, then free
 * (follows include/asm-generic/tlb.h and mm/mmu_gather.c; the arm64 choice
 * of stride and last-level invalidation is arch/arm64/include/asm/tlb.h's
 * tlb_flush()).
 *
 * The pending range is kept inclusive ([start, last], empty when
 * start > last) so that a range reaching the top of the address space needs
 * no special case.  Gathered pages hold one folio reference each, dropped
 * after the flush; gathered tables are already unhooked and accounted, and
 * are freed after the flush.
 */
#include <errno.h>
#include <string.h>

#include "tlb/internal.h"

static void reset_range(struct ptsim_mmu_gather *tlb)
{
	tlb->start = UINT64_MAX;
	tlb->last = 0;
	tlb->freed_tables = false;
	tlb->cleared_ptes = tlb->cleared_pmds = tlb->cleared_puds = tlb->cleared_p4ds = false;
}

void ptsim__tlb_gather_init(struct ptsim_tlbs *t, struct ptsim_mmu_gather *tlb, struct ptsim_mm *mm,
			    bool fullmm)
{
	memset(tlb, 0, sizeof(*tlb));
	tlb->mm = mm;
	tlb->fullmm = fullmm;
	tlb->page_level = -1;
	reset_range(tlb);
	t->nr_gathers_open++;
}

/* __tlb_adjust_range(). */
static void adjust_range(struct ptsim_mmu_gather *tlb, uint64_t base, uint64_t size)
{
	if (base < tlb->start)
		tlb->start = base;
	if (base + (size - 1) > tlb->last)
		tlb->last = base + (size - 1);
}

static void set_cleared(struct ptsim_mmu_gather *tlb, int lvl);

void ptsim__tlb_remove_tlb_entry(const struct ptsim_arch *a, struct ptsim_mmu_gather *tlb, int lvl,
				 uint64_t addr)
{
	uint64_t size = 1ull << a->shift[lvl];

	adjust_range(tlb, addr & ~(size - 1), size);
	set_cleared(tlb, lvl);
}

static void set_cleared(struct ptsim_mmu_gather *tlb, int lvl)
{
	switch (lvl) {
	case PTSIM_PTE:
		tlb->cleared_ptes = true;
		break;
	case PTSIM_PMD:
		tlb->cleared_pmds = true;
		break;
	case PTSIM_PUD:
		tlb->cleared_puds = true;
		break;
	default: /* P4D, and a PGD-level entry: the largest flag there is */
		tlb->cleared_p4ds = true;
		break;
	}
}

/* tlb_get_unmap_shift(): the smallest level cleared sets the stride. */
static unsigned int unmap_shift(const struct ptsim_arch *a, const struct ptsim_mmu_gather *tlb)
{
	if (tlb->cleared_ptes)
		return a->shift[PTSIM_PTE];
	if (tlb->cleared_pmds)
		return a->shift[PTSIM_PMD];
	if (tlb->cleared_puds)
		return a->shift[PTSIM_PUD];
	if (tlb->cleared_p4ds)
		return a->shift[PTSIM_P4D];
	return a->page_shift;
}

void ptsim__tlb_flush_mmu_tlbonly(struct ptsim_tlbs *t, const struct ptsim_tlb_mm *tm,
				  struct ptsim_mmu_gather *tlb)
{
	if (!(tlb->freed_tables || tlb->cleared_ptes || tlb->cleared_pmds || tlb->cleared_puds ||
	      tlb->cleared_p4ds))
		return;
	if (tlb->fullmm) {
		/*
		 * arm64 skips this when no table was freed (the dying ASID is never
		 * reused before a rollover flush); the model flushes, so that the
		 * pages freed next are provably unreachable.
		 */
		ptsim__flush_tlb_mm(t, tm);
	} else if (tlb->start <= tlb->last) {
		ptsim__flush_tlb_range(t, tm, tlb->start, tlb->last, unmap_shift(t->arch, tlb),
				       !tlb->freed_tables);
	}
	reset_range(tlb);
}

/* tlb_flush_mmu_free(): tables first (tlb_table_flush), then pages. */
static void flush_mmu_free(struct ptsim_tlbs *t, struct ptsim_mmu_gather *tlb)
{
	const char *prev = ptsim__tlb_set_op(t, "tlb_flush_mmu");

	/* tlb_remove_table(): with pt_free=rcu, after the grace period. */
	for (unsigned int i = 0; i < tlb->nr_tables; i++)
		ptsim__table_free_rcu(t->pa, tlb->tables[i]);
	tlb->nr_tables = 0;
	for (unsigned int i = 0; i < tlb->nr_pages; i++)
		(void)ptsim__folio_put(t->mem, tlb->pages[i]);
	tlb->nr_pages = 0;
	ptsim__tlb_restore_op(t, prev);
}

void ptsim__tlb_flush_mmu(struct ptsim_tlbs *t, const struct ptsim_tlb_mm *tm,
			  struct ptsim_mmu_gather *tlb)
{
	ptsim__tlb_flush_mmu_tlbonly(t, tm, tlb);
	flush_mmu_free(t, tlb);
}

void ptsim__tlb_finish_mmu(struct ptsim_tlbs *t, const struct ptsim_tlb_mm *tm,
			   struct ptsim_mmu_gather *tlb)
{
	ptsim__tlb_flush_mmu(t, tm, tlb);
	tlb->mm = NULL;
	tlb->page_level = -1;
	if (t->nr_gathers_open)
		t->nr_gathers_open--;
}

int ptsim__tlb_remove_page(struct ptsim_tlbs *t, const struct ptsim_tlb_mm *tm,
			   struct ptsim_mmu_gather *tlb, uint64_t pfn, uint64_t addr, int lvl)
{
	const struct ptsim_arch *a = t->arch;
	struct ptsim_frame *f, *head;
	uint64_t size;

	if (lvl < 0 || lvl >= PTSIM_NR_LEVELS || !a->leaf_ok[lvl])
		return ptsim__seterr(t->host, -EINVAL, "tlb_remove_page: level %d holds no leaf",
				     lvl);
	f = ptsim__pfn_to_frame_noinit(t->mem, pfn);
	head = f ? ptsim__pfn_to_frame_noinit(t->mem, ptsim__folio_head(t->mem, pfn)) : NULL;
	if (!f || !head || ptsim__frame_in_buddy(f) || head->refcount <= 0 ||
	    ptsim__frame_type(f) == PTSIM_PGTY_table)
		return ptsim__seterr(t->host, -EINVAL,
				     "tlb_remove_page: pfn 0x%llx is not an in-use page",
				     (unsigned long long)pfn);
	/* vm_normal_page() is NULL for the zero page: zap never gathers it. */
	if (pfn == t->mem->zero_pfn)
		return ptsim__seterr(t->host, -EINVAL,
				     "tlb_remove_page: pfn 0x%llx is the zero page",
				     (unsigned long long)pfn);
	/* tlb_change_page_size(): a batch holds pages of one size. */
	if (tlb->page_level >= 0 && tlb->page_level != lvl && !tlb->fullmm)
		ptsim__tlb_flush_mmu(t, tm, tlb);
	tlb->page_level = lvl;
	if (tlb->nr_pages == PTSIM_MMU_GATHER_PAGES)
		ptsim__tlb_flush_mmu(t, tm, tlb); /* batch full: __tlb_remove_page() said so */
	size = 1ull << a->shift[lvl];
	adjust_range(tlb, addr & ~(size - 1), size);
	set_cleared(tlb, lvl);
	tlb->pages[tlb->nr_pages++] = pfn;
	return 0;
}

int ptsim__tlb_remove_table(struct ptsim_tlbs *t, const struct ptsim_tlb_mm *tm,
			    struct ptsim_mmu_gather *tlb, uint64_t table_pfn, uint64_t addr,
			    int lvl)
{
	const struct ptsim_arch *a = t->arch;
	struct ptsim_frame *f;
	uint64_t psz = ptsim__page_size(a);

	if (lvl <= PTSIM_PGD || lvl >= PTSIM_NR_LEVELS)
		return ptsim__seterr(t->host, -EINVAL, "tlb_remove_table: bad table level %d", lvl);
	f = ptsim__table_frame(t->pa, table_pfn);
	if (!f || f->index != (uint64_t)lvl)
		return ptsim__seterr(t->host, -EINVAL,
				     "tlb_remove_table: pfn 0x%llx is not a live %s table",
				     (unsigned long long)table_pfn,
				     ptsim_arch_level_name(a, (enum ptsim_level)lvl));
	if (ptsim__table_state(f))
		return ptsim__seterr(
			t->host, -EBUSY,
			"tlb_remove_table: table 0x%llx is still linked (clear its entry "
			"first)",
			(unsigned long long)table_pfn);
	if (tlb->nr_tables == PTSIM_MMU_GATHER_TABLES)
		ptsim__tlb_flush_mmu(t, tm, tlb);
	/* pte_free_tlb(): tlb_flush_pmd_range(tlb, address, PAGE_SIZE); freed_tables = 1. */
	adjust_range(tlb, addr & ~(psz - 1), psz);
	set_cleared(tlb, lvl - 1);
	tlb->freed_tables = true;
	tlb->tables[tlb->nr_tables++] = table_pfn;
	return 0;
}
