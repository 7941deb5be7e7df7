/* SPDX-License-Identifier: MIT */
/*
 * stat.h - machine-wide counters (vmstat events, meminfo levels) and the
 * cost ledger.
 *
 * Counters.  Events count things that happened on the whole machine, with
 * the names /proc/vmstat gives them (pgfault, thp_split_pmd, ...); meminfo
 * items are levels, in kB as /proc/meminfo prints them (AnonHugePages, ...).
 * Each list is one X-macro, so a name, its enum value and its description
 * are written once; algorithms add their counters there.
 *
 * The cost ledger.  Every operation charges the modelled work it does: page-
 * table entries read and written per level by the kernel's code, frame
 * records (struct pages) touched, page-table pages allocated and freed, TLB
 * invalidations by kind and the IPIs they send, and the accessed/dirty
 * updates the MMU made on its own.  The totals only grow; to cost one
 * operation, take a scope around it:
 *
 *   struct ptsim_cost_scope sc;
 *   struct ptsim_cost c;
 *   ptsim_cost_begin(m, &sc);
 *   err = ptsim_split_huge_pmd(mm, addr);
 *   ptsim_cost_end(m, &sc, &c);      c.entries_written[PTSIM_PTE] == 512, ...
 *
 * This is the work the kernel would do, independent of the host and of how
 * fast libptsim is: compare designs by it, and by wall-clock only in the
 * benchmarks.
 */
#ifndef PTSIM_STAT_H
#define PTSIM_STAT_H

#include "ptsim/tlb.h"
#include "ptsim/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* vmstat events: X(ENUM, name, description). */
#define PTSIM_VM_EVENTS(X)                                                                         \
	X(PGFAULT, pgfault, "page faults handled (handle_mm_fault())")                             \
	X(PGMAJFAULT, pgmajfault, "major faults (the data was read from a file)")                  \
	X(THP_FAULT_ALLOC, thp_fault_alloc, "anonymous faults that mapped a new PMD-sized folio")  \
	X(THP_FAULT_FALLBACK, thp_fault_fallback,                                                  \
	  "THP faults that fell back to a small page (allocation failed)")                         \
	X(THP_SPLIT_PMD, thp_split_pmd, "huge PMD mappings split into PTEs (split_huge_pmd())")    \
	X(THP_SPLIT_PAGE, thp_split_page, "large folios split (split_huge_page())")                \
	X(THP_SPLIT_PAGE_FAILED, thp_split_page_failed,                                            \
	  "folio splits refused (an extra reference pinned the folio)")                            \
	X(THP_ZERO_PAGE_ALLOC, thp_zero_page_alloc, "huge zero folios allocated")                  \
	X(PT_RECLAIM_SCAN, pt_reclaim_scan,                                                        \
	  "PTE tables a MADV_DONTNEED zap covered whole (pt_reclaim candidates)")                  \
	X(PT_RECLAIM_FAST, pt_reclaim_fast,                                                        \
	  "emptied PTE tables freed on the fast path (PMD lock trylock, PMD cleared)")             \
	X(PT_RECLAIM_SLOW, pt_reclaim_slow,                                                        \
	  "emptied PTE tables freed on the slow path (every entry rechecked, try_to_free_pte())")  \
	X(PT_RECLAIM_KEPT, pt_reclaim_kept,                                                        \
	  "candidates kept: the zap left an entry (a marker, a skipped entry)")                    \
	X(PT_RECLAIM_BYTES, pt_reclaim_bytes, "bytes of PTE tables freed by pt_reclaim")           \
	X(PGLAZYFREE, pglazyfree, "pages MADV_FREE marked lazyfree (folio_mark_lazyfree())")

enum ptsim_vm_event {
#define PTSIM__VM_EVENT_ENUM(e, name, text) PTSIM_VM_##e,
	PTSIM_VM_EVENTS(PTSIM__VM_EVENT_ENUM)
#undef PTSIM__VM_EVENT_ENUM
		PTSIM_NR_VM_EVENTS
};

/* meminfo items, in kB (the HugePages_* items are counts): X(ENUM, Name, description). */
#define PTSIM_MEMINFO_ITEMS(X)                                                                     \
	X(MEMTOTAL, MemTotal, "memory present")                                                    \
	X(MEMFREE, MemFree, "memory in the buddy allocator")                                       \
	X(ANONPAGES, AnonPages, "anonymous pages mapped (NR_ANON_MAPPED), THPs included")          \
	X(ANONHUGEPAGES, AnonHugePages, "anonymous THPs mapped by a PMD (NR_ANON_THPS)")           \
	X(PAGETABLES, PageTables,                                                                  \
	  "every page-table page (NR_PAGETABLE): top levels, deposited ones")                      \
	X(HUGEPAGES_TOTAL, HugePages_Total,                                                        \
	  "default-size hugetlb pages, surplus included (a count, not kB)")                        \
	X(HUGEPAGES_FREE, HugePages_Free, "default-size hugetlb pages free (a count)")             \
	X(HUGEPAGES_RSVD, HugePages_Rsvd,                                                          \
	  "default-size hugetlb pages reserved, not yet faulted (a count)")                        \
	X(HUGEPAGES_SURP, HugePages_Surp, "default-size surplus hugetlb pages (a count)")          \
	X(HUGETLB, Hugetlb, "memory in hugetlb pages of every size")

enum ptsim_meminfo_item {
#define PTSIM__MEMINFO_ENUM(e, name, text) PTSIM_MEMINFO_##e,
	PTSIM_MEMINFO_ITEMS(PTSIM__MEMINFO_ENUM)
#undef PTSIM__MEMINFO_ENUM
		PTSIM_NR_MEMINFO_ITEMS
};

/**
 * ptsim_vm_event() - a vmstat event count of the machine.
 * @m: machine (NULL gives 0).  @e: PTSIM_VM_*.
 * Return: the count (0 for an unknown @e).
 */
PTSIM_API uint64_t ptsim_vm_event(const struct ptsim_machine *m, enum ptsim_vm_event e);

/**
 * ptsim_vm_event_name() - the /proc/vmstat name of an event.
 * @e: PTSIM_VM_*.
 * Return: "pgfault", "thp_split_pmd", ... or "?".
 */
PTSIM_API const char *ptsim_vm_event_name(enum ptsim_vm_event e);

/**
 * ptsim_meminfo() - a /proc/meminfo item of the machine, in kB.
 * @m: machine (NULL gives 0).  @i: PTSIM_MEMINFO_*.
 * Return: the value in kB (0 for an unknown @i).
 */
PTSIM_API uint64_t ptsim_meminfo(const struct ptsim_machine *m, enum ptsim_meminfo_item i);

/**
 * ptsim_meminfo_name() - the /proc/meminfo name of an item.
 * @i: PTSIM_MEMINFO_*.
 * Return: "MemTotal", "AnonHugePages", ... or "?".
 */
PTSIM_API const char *ptsim_meminfo_name(enum ptsim_meminfo_item i);

/*
 * struct ptsim_cost - modelled work (see the top of this file).
 * @entries_read: page-table entries the kernel's code read, per level.
 * @entries_written: entries it wrote (set, clear, modify), per level.
 * @frames_touched: frame records (struct pages) read or written by the
 *                  mm code: refcounts, mapcounts, flags, rmap.
 * @tables_alloc, @tables_freed: page-table pages.
 * @pages_alloc, @pages_freed: buddy blocks handed out and given back.
 * @tlb_flushes: TLB invalidations issued, by PTSIM_FLUSH_* kind.
 * @ipis: shootdown IPIs those sent.
 * @hw_ad_updates: accessed/dirty bits the MMU set itself (hardware work,
 *                 not counted in @entries_written).
 * @locks: lock acquisitions (0 while locks are not modelled).
 */
struct ptsim_cost {
	uint64_t entries_read[PTSIM_NR_LEVELS];
	uint64_t entries_written[PTSIM_NR_LEVELS];
	uint64_t frames_touched;
	uint64_t tables_alloc, tables_freed;
	uint64_t pages_alloc, pages_freed;
	uint64_t tlb_flushes[PTSIM_FLUSH_NR_KINDS];
	uint64_t ipis;
	uint64_t hw_ad_updates;
	uint64_t locks;
};

/* A cost scope: the totals when it began. */
struct ptsim_cost_scope {
	struct ptsim_cost start;
};

/**
 * ptsim_cost_total() - the ledger's totals since the machine was created.
 * @m: machine.  @out: receives them (zeroes for a NULL @m).
 */
PTSIM_API void ptsim_cost_total(const struct ptsim_machine *m, struct ptsim_cost *out);

/**
 * ptsim_cost_begin() - open a scope.
 * @m: machine.  @scope: caller-owned; scopes may nest and overlap freely.
 */
PTSIM_API void ptsim_cost_begin(const struct ptsim_machine *m, struct ptsim_cost_scope *scope);

/**
 * ptsim_cost_end() - the work done since ptsim_cost_begin().
 * @m: machine.  @scope: from ptsim_cost_begin() on @m.  @out: receives the difference.
 */
PTSIM_API void ptsim_cost_end(const struct ptsim_machine *m, const struct ptsim_cost_scope *scope,
			      struct ptsim_cost *out);

/**
 * ptsim_cost_entries() - sum of a per-level array of struct ptsim_cost.
 * @v: @entries_read or @entries_written.
 * Return: the sum over every level.
 */
static inline uint64_t ptsim_cost_entries(const uint64_t v[PTSIM_NR_LEVELS])
{
	uint64_t n = 0;

	for (int l = 0; l < PTSIM_NR_LEVELS; l++)
		n += v[l];
	return n;
}

#ifdef __cplusplus
}
#endif

#endif /* PTSIM_STAT_H */
