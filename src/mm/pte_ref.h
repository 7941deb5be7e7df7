/* SPDX-License-Identifier: MIT */
/*
 * src/mm/pte_ref.h - EXPERIMENTAL, NEVER MERGED: reclaim of empty and
 * zero-page PTE tables after the 2022 RFC "Try to free empty and zero user
 * PTE page table pages" (knob pt_reclaim.rfc; the counters and the ranking
 * are src/pgtable/ptref.c).
 */
#ifndef PTSIM_SRC_MM_PTE_REF_H
#define PTSIM_SRC_MM_PTE_REF_H

#include "mm/internal.h"

/*
 * The RFC's free_user_pte_table() pass over one address space, under its
 * mmap_lock held for write (the model runs one call at a time, so the call
 * is the critical section): every linked PTE table whose pte_refcount says
 * empty (mapped == 0) or zero (zero == PTRS_PER_PTE) is unhooked - a zero
 * table's zero-page PTEs cleared first, so later reads refault - and freed
 * through an mmu_gather (flush of the range and the walk caches, then
 * free).  A zero table holding a uffd-wp bit is kept (the bit is state the
 * next fault must see).  Stops once @target bytes are freed (0: no limit).
 * Allocates nothing, cannot fail.  Returns the bytes freed; the machine's
 * ptref statistics count the tables scanned and reclaimed.
 */
uint64_t ptsim__ptref_reclaim_mm(struct ptsim_mm_state *st, uint64_t target);

#endif /* PTSIM_SRC_MM_PTE_REF_H */
