/* SPDX-License-Identifier: MIT */
/*
 * ptref.h - EXPERIMENTAL, NEVER MERGED: the 2022 RFC "Try to free empty and
 * zero user PTE page table pages" (Qi Zheng, Aug 2022), behind the knob
 * pt_reclaim.rfc (off by default).
 *
 * The RFC gives every user PTE table a pte_refcount word counting its
 * mapped entries (non-none, bits 0-9) and its zero entries (present,
 * mapping the shared zero page, bits 10-19), updated on every set and
 * clear of an entry.  A table with mapped == 0 is empty; one with zero ==
 * PTRS_PER_PTE is a zero table.  Each address space keeps
 * reclaimable_pt_bytes (its empty and zero tables times the table size),
 * and the address spaces are ranked by it in an ordered tree, so that a
 * reclaim path can take the largest first, hold its mmap_lock for write,
 * and free those tables: clear the PMD, flush the TLB and walk caches,
 * free the table - a zero table after its zero-page PTEs are cleared, so
 * later reads refault.
 *
 * On granules whose PTE tables have more than 1023 entries (arm64 16K:
 * 2048, 64K: 8192) the 10-bit fields cannot hold the counts: the model
 * widens them to 16 bits each (mapped bits 0-15, zero bits 16-31) - NOT the
 * RFC's layout.  ptsim_ptref_table() reports which layout a machine uses.
 *
 * The merged kernel (v6.14, CONFIG_PT_RECLAIM, mm/pt_reclaim.c) took none
 * of this: MADV_DONTNEED frees a PTE table its zap leaves empty, and
 * zero-page tables stay.  docs/algorithms/pt-reclaim-rfc.md compares both.
 *
 * Every call needs the knob on (ptsim_knob_set(m, "pt_reclaim.rfc", "on"),
 * or pt_reclaim.rfc=on in the configuration): with it off they return
 * -EOPNOTSUPP and set the machine's message.  ptsim_check() verifies the
 * counters, the per-mm bytes and the ranking against a recount (PTREF).
 */
#ifndef PTSIM_PTREF_H
#define PTSIM_PTREF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ptsim/export.h"
#include "ptsim/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One address space's RFC view (ptsim_ptref_mm_info()). */
struct ptsim_ptref_mm_info {
	uint64_t pte_tables;	    /* PTE tables, THP deposits included (the kernel's nr_ptes) */
	uint64_t empty_tables;	    /* of them, mapped == 0 */
	uint64_t zero_tables;	    /* of them, zero == PTRS_PER_PTE */
	uint64_t reclaimable_bytes; /* mm->reclaimable_pt_bytes */
	uint64_t rank;		    /* 1 = largest; 0 = not ranked (nothing reclaimable) */
};

/* One PTE table's pte_refcount (ptsim_ptref_table()). */
struct ptsim_ptref_table {
	uint64_t table_pfn;
	uint32_t word;		 /* the raw pte_refcount */
	unsigned int mapped;	 /* non-none entries */
	unsigned int zero;	 /* present entries mapping the zero page */
	unsigned int entries;	 /* PTRS_PER_PTE */
	unsigned int field_bits; /* 10: the RFC's layout; 16: widened (not the RFC's) */
	bool empty, zero_table;
};

/* Machine-wide counts of the RFC reclaim (ptsim_ptref_stats()). */
struct ptsim_ptref_stats {
	uint64_t scanned;	    /* linked PTE tables looked at by reclaim */
	uint64_t reclaimed_empty;   /* empty tables freed */
	uint64_t reclaimed_zero;    /* zero tables freed */
	uint64_t zero_ptes_dropped; /* zero-page PTEs cleared with them */
	uint64_t bytes_freed;	    /* page-table bytes freed (VmPTE drop) */
	uint64_t nr_ranked;	    /* address spaces in the ranking now */
};

/* One place of the ranking (ptsim_ptref_rank()). */
struct ptsim_ptref_rank_entry {
	struct ptsim_mm *mm;
	uint64_t reclaimable_bytes;
	uint64_t empty_tables, zero_tables;
};

/**
 * ptsim_ptref_mm_info() - an address space's RFC counters.
 * @mm: address space.
 * @out: receives its PTE tables, its empty and zero tables, reclaimable
 *       bytes and place in the ranking.
 *
 * Return: 0; -EINVAL for a NULL argument; -EOPNOTSUPP with the knob off.
 * Context: O(ranked address spaces) for the rank.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_ptref_mm_info(const struct ptsim_mm *mm,
						   struct ptsim_ptref_mm_info *out);

/**
 * ptsim_ptref_table() - the pte_refcount of the PTE table that maps @addr.
 * @mm: address space.
 * @addr: a user address.
 * @out: receives the table's PFN, its word and the decoded fields.
 *
 * Return: 0; -EINVAL for a NULL argument or an address outside the user
 * range; -ENOENT when no PTE table maps @addr (none, or a huge leaf);
 * -EOPNOTSUPP with the knob off.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_ptref_table(const struct ptsim_mm *mm, uint64_t addr,
						 struct ptsim_ptref_table *out);

/**
 * ptsim_ptref_stats() - machine-wide counts of the RFC reclaim.
 * @m: machine.
 * @out: receives the tables scanned and freed, the bytes freed and the
 *       number of ranked address spaces.
 *
 * Return: 0; -EINVAL for a NULL argument; -EOPNOTSUPP with the knob off.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_ptref_stats(const struct ptsim_machine *m,
						 struct ptsim_ptref_stats *out);

/**
 * ptsim_ptref_rank() - the ranking, largest reclaimable bytes first.
 * @m: machine.
 * @out: receives up to @n places (ties: the older address space first);
 *       may be NULL when @n is 0.
 * @n: size of @out.
 *
 * Only address spaces with reclaimable bytes are ranked.
 *
 * Return: the number of ranked address spaces (may exceed @n); -EINVAL for
 * a NULL @m, or a NULL @out with @n > 0; -EOPNOTSUPP with the knob off.
 */
PTSIM_API PTSIM_MUST_CHECK long ptsim_ptref_rank(const struct ptsim_machine *m,
						 struct ptsim_ptref_rank_entry *out, size_t n);

/**
 * ptsim_ptref_reclaim_mm() - free an address space's empty and zero PTE tables.
 * @mm: address space.
 * @target: stop once this many bytes are freed; 0: free every such table.
 *
 * Under the address space's mmap_lock held for write (one model call), in
 * address order: a zero table's zero-page PTEs are cleared, the PMD is
 * cleared, the TLB and walk caches are flushed through an mmu_gather, the
 * table is freed (VmPTE drops by one table each).  A zero table holding a
 * uffd-wp bit, and THP-deposited tables, are kept.  Allocates nothing.
 *
 * Return: bytes freed (>= 0); -EINVAL for a NULL @mm or a negative @target;
 * -ERANGE for a @target larger than the PTE tables an address space can
 * hold; -EBUSY while a ptsim_pgslot_modify_prot_start() of @mm awaits its
 * commit (it holds a PTE lock the write lock waits for); -EOPNOTSUPP with
 * the knob off.  Nothing changes on error.
 */
PTSIM_API PTSIM_MUST_CHECK long ptsim_ptref_reclaim_mm(struct ptsim_mm *mm, int64_t target);

/**
 * ptsim_ptref_reclaim() - machine-wide reclaim, largest address space first.
 * @m: machine.
 * @target: bytes to free; 0: everything reclaimable.
 *
 * Takes the first address space of the ranking and reclaims from it
 * (ptsim_ptref_reclaim_mm()) until @target is met, then the next largest,
 * and so on - the RFC's reclaim-path use ("before waking up the OOM
 * killer").  The target is met at table granularity: the last address
 * space may keep some of its reclaimable tables.  An address space in the
 * middle of a ptsim_pgslot_modify_prot_start() is passed over.
 *
 * Return: bytes freed (>= 0, less than @target when not enough was
 * reclaimable); -EINVAL for a NULL @m or a negative @target; -ERANGE for a
 * @target larger than the PTE tables the machine's address spaces can hold;
 * -EOPNOTSUPP with the knob off.  Nothing changes on error.
 */
PTSIM_API PTSIM_MUST_CHECK long ptsim_ptref_reclaim(struct ptsim_machine *m, int64_t target);

#ifdef __cplusplus
}
#endif

#endif /* PTSIM_PTREF_H */
