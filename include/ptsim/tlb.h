/* SPDX-License-Identifier: MIT */
/*
 * tlb.h - per-CPU TLBs and walk caches, flush primitives, mmu_gather, and the
 * TLB discipline checker.
 *
 * The model.  Every CPU of a machine has
 *  - a leaf TLB per page size (one per level that may hold a leaf: PTE pages,
 *    PMD and PUD blocks), set-associative, each entry tagged by address-space
 *    id (ASID) and virtual page number and holding the leaf entry, the first
 *    frame it maps and its level;
 *  - a paging-structure ("walk") cache per upper level (PGD..PMD), fully
 *    associative, each entry tagged by ASID and the VA prefix that level
 *    translates and holding the table entry and the PFN of the table it
 *    points to.
 * Replacement is LRU within a set, with a per-CPU clock: the same sequence
 * of fills and lookups always leaves the same contents (no randomness).
 * Each address space records the CPUs it ran on (its cpumask, the kernel's
 * mm_cpumask); only the MMU walk fills entries, and only for a CPU the
 * address space runs on.
 *
 * Invariants (enforced: a breach is recorded as a violation, with the
 * address, the CPU and the operation that caused it; ptsim_check() reports
 * every recorded violation):
 *
 *  1. Clear -> flush -> free.  No frame is freed while a TLB entry of any
 *     CPU still maps it (PTSIM_VIOL_FREE_LIVE_TLB), and no page-table page
 *     is freed while a walk-cache entry of any CPU still points to it
 *     (PTSIM_VIOL_FREE_LIVE_WALK).  Unhook the entry, invalidate the TLBs
 *     that may hold it, only then free the memory it pointed to.  An
 *     mmu_gather (below) does exactly this in batches.
 *  2. Break-before-make (arm64 only).  A valid entry is never replaced by a
 *     valid entry with a different output address, a different size (a
 *     change of the contiguous hint counts) or a different type (table vs
 *     block): the entry must first be made invalid, the TLBs invalidated,
 *     and only then the new entry written.  Writing a valid entry while some
 *     CPU still caches a translation of that address with another output
 *     address or size (the "break" was done but not flushed) breaks the rule
 *     too (PTSIM_VIOL_BBM).  Permission and access/dirty changes are exempt,
 *     as in the architecture.  x86 has no such rule: never reported there.
 *
 * Shootdowns.  A flush of an address space reaches every CPU in its cpumask.
 * The flush functions take no CPU argument: the lowest CPU in the mask is
 * taken as the one issuing the flush ("local"), and one IPI is counted for
 * each other CPU in the mask.  Both the flush and its IPIs are counted in
 * the issuing CPU's statistics.  Machine-wide flushes (all, kernel range)
 * are issued from CPU 0 and send ncpus - 1 IPIs.  An address space that
 * never ran anywhere has nothing cached: its flush is counted on CPU 0 with
 * no IPI and invalidates nothing.
 *
 * What a flush invalidates (modelled on the instructions the kernel uses):
 *  - by VA (page, range, kernel range): leaf entries of the ASID (and global
 *    entries) that translate an address of the range; on arm64 the
 *    page and kernel-range flushes are last-level (TLBI VALE1 / VAALE1) and
 *    keep walk-cache entries, the range flush is not (TLBI VAE1) and also
 *    drops walk-cache entries overlapping the range; on x86 every
 *    invalidation by VA (INVLPG) drops all walk-cache entries of the ASID;
 *  - by ASID (mm): every non-global entry of the ASID, walk caches included;
 *  - all: everything, on every CPU;
 *  - pgtable: walk-cache entries of the ASID overlapping the range only,
 *    leaf entries stay (arm64's invalidation for freed tables).
 * A range flush with a stride of level L invalidates at each L-aligned step
 * (as __flush_tlb_range() does): an entry smaller than the stride is hit
 * only if it starts on a step.
 *
 * ptsim_mm_destroy() flushes the address space first (an mm flush, counted),
 * then frees its tables, then forgets whatever its ASID still has cached.
 *
 * Ranges are [start, end) with end == 0 meaning the top of the address space.
 */
#ifndef PTSIM_TLB_H
#define PTSIM_TLB_H

#include "ptsim/arch.h"
#include "ptsim/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest CPU count a machine may have (cfg.ncpus). */
#define PTSIM_TLB_MAX_CPUS 4096

/* Largest number of entries of one cache (one leaf TLB, one walk cache). */
#define PTSIM_TLB_MAX_CACHE_ENTRIES 65536u

/*
 * Host memory the TLBs and walk caches of all CPUs of a machine may take
 * together: the per-CPU storage of the geometry times the CPU count.  A
 * geometry above it is refused by ptsim_tlb_configure(); the default geometry
 * fits for every CPU count up to PTSIM_TLB_MAX_CPUS.
 */
#define PTSIM_TLB_MAX_BYTES (256ull << 20)

/*
 * struct ptsim_tlb_config - TLB geometry of every CPU of a machine.
 * @entries: leaf TLB entries per level (page size); 0 = no TLB for that size.
 *           Levels that can not hold a leaf on the architecture are ignored.
 * @ways: associativity per level; @entries must be a multiple of it.
 * @walk_cache_entries: walk-cache entries per upper level (PGD..PMD), fully
 *                      associative; 0 = no walk caches.
 */
struct ptsim_tlb_config {
	unsigned int entries[PTSIM_NR_LEVELS];
	unsigned int ways[PTSIM_NR_LEVELS];
	unsigned int walk_cache_entries;
};

/**
 * ptsim_tlb_config_default() - the default TLB geometry.
 * @cfg: receives it: 64 entries 4-way for base pages, 32 entries 4-way for
 *       PMD-size blocks, 4 entries fully associative for PUD-size blocks,
 *       32 walk-cache entries per upper level.  Every machine starts with it.
 */
PTSIM_API void ptsim_tlb_config_default(struct ptsim_tlb_config *cfg);

/**
 * ptsim_tlb_configure() - change the TLB geometry of a machine.
 * @m: machine.
 * @cfg: new geometry (copied).
 *
 * Every TLB and walk cache is emptied first (as by ptsim_flush_tlb_all(),
 * but not counted as a flush) and its storage released.  A CPU's storage is
 * allocated again on its first use: the first entry its MMU walk caches.
 * That allocation is host memory for hardware, not a simulated allocation,
 * so it is never an allocation point (fault injection does not fail it), and
 * an access that fails (ptsim_access() returning an error) on a CPU it was
 * the first use of releases it again, leaving host memory as it was.
 *
 * Return: 0, or -EINVAL with the error text set (NULL @cfg, ways of 0 for a
 * non-empty level, entries not a multiple of ways, more than
 * PTSIM_TLB_MAX_CACHE_ENTRIES in one cache, or a geometry whose storage for
 * all CPUs would exceed PTSIM_TLB_MAX_BYTES).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_tlb_configure(struct ptsim_machine *m,
						   const struct ptsim_tlb_config *cfg);

/**
 * ptsim_switch_mm() - record that an address space runs on a CPU.
 * @mm: address space.
 * @cpu: 0 .. ncpus - 1.
 *
 * Sets @cpu in the address space's cpumask (switch_mm()); the bit stays set,
 * as in the kernel, so later shootdowns reach that CPU.
 *
 * Return: 0, or -EINVAL for a NULL @mm or a CPU out of range.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_switch_mm(struct ptsim_mm *mm, unsigned int cpu);

/* --- flush primitives ---------------------------------------------------- */

/**
 * ptsim_flush_tlb_page() - invalidate the translation of one address.
 * @mm: address space.  @addr: any address inside the page.
 *
 * Context: shootdown to the CPUs of @mm's cpumask (see the top of this file).
 * Return: 0, or -EINVAL for a NULL @mm.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_flush_tlb_page(struct ptsim_mm *mm, uint64_t addr);

/**
 * ptsim_flush_tlb_range() - invalidate translations of [start, end).
 * @mm: address space.
 * @start: first address.  @end: end (exclusive; 0 = top).
 * @stride_level: the level whose size is the invalidation step (PTSIM_PTE
 *                for base pages, PTSIM_PMD when only PMD entries changed...).
 *
 * @start is rounded down and @end up to the stride.  Walk-cache entries
 * overlapping the range go too (a non-last-level flush).
 *
 * Return: 0, or -EINVAL (NULL @mm, empty range, bad level).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_flush_tlb_range(struct ptsim_mm *mm, uint64_t start,
						     uint64_t end, enum ptsim_level stride_level);

/**
 * ptsim_flush_tlb_mm() - invalidate every non-global translation of @mm.
 * @mm: address space.
 * Return: 0, or -EINVAL for a NULL @mm.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_flush_tlb_mm(struct ptsim_mm *mm);

/**
 * ptsim_flush_tlb_all() - invalidate everything on every CPU.
 * @m: machine.
 * Return: 0, or -EINVAL for a NULL @m.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_flush_tlb_all(struct ptsim_machine *m);

/**
 * ptsim_flush_tlb_kernel_range() - invalidate [start, end) for every ASID on
 * every CPU (kernel mappings: the linear map, vmalloc, vmemmap).
 * @m: machine.  @start: first address.  @end: end (exclusive; 0 = top).
 * Return: 0, or -EINVAL (NULL @m, empty range).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_flush_tlb_kernel_range(struct ptsim_machine *m, uint64_t start,
							    uint64_t end);

/**
 * ptsim_flush_tlb_pgtable() - invalidate the walk-cache entries of @mm that
 * overlap [start, end), keeping the leaf TLB entries.
 * @mm: address space.  @start: first address.  @end: end (exclusive; 0 = top).
 *
 * What freeing a page-table page needs, and no more (arm64's
 * __flush_tlb_kernel_pgtable()/non-last-level invalidation of freed tables).
 *
 * Return: 0, or -EINVAL (NULL @mm, empty range).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_flush_tlb_pgtable(struct ptsim_mm *mm, uint64_t start,
						       uint64_t end);

/* --- statistics ---------------------------------------------------------- */

/* Flush kinds, indexes of ptsim_tlb_stats.flushes[]. */
enum ptsim_tlb_flush_kind {
	PTSIM_FLUSH_PAGE = 0,
	PTSIM_FLUSH_RANGE = 1,
	PTSIM_FLUSH_MM = 2,
	PTSIM_FLUSH_ALL = 3,
	PTSIM_FLUSH_KERNEL_RANGE = 4,
	PTSIM_FLUSH_PGTABLE = 5,
	PTSIM_FLUSH_NR_KINDS = 6,
};

/*
 * struct ptsim_tlb_stats - counters of one CPU (or the sum over CPUs).
 * @hits: lookups answered by the TLB of each page size.
 * @misses: lookups that missed and whose walk then filled an entry of this
 *          page size (counted when the entry is filled, like the hardware's
 *          "walk completed, 4K/2M/1G" events).
 * @lookup_misses: lookups that missed every page size.
 * @walk_hits: walk-cache lookups answered at each level (the deepest hit).
 * @walk_misses: walk-cache lookups that found nothing.
 * @flushes: flushes issued from this CPU, by kind.
 * @ipis: shootdown IPIs sent by this CPU.
 * @invalidated: entries (leaf and walk) this CPU's caches dropped on flushes.
 * @evictions: valid entries replaced to make room.
 */
struct ptsim_tlb_stats {
	uint64_t hits[PTSIM_NR_LEVELS];
	uint64_t misses[PTSIM_NR_LEVELS];
	uint64_t lookup_misses;
	uint64_t walk_hits[PTSIM_NR_LEVELS];
	uint64_t walk_misses;
	uint64_t flushes[PTSIM_FLUSH_NR_KINDS];
	uint64_t ipis;
	uint64_t invalidated;
	uint64_t evictions;
};

/**
 * ptsim_tlb_stats() - counters of one CPU.
 * @m: machine.  @cpu: 0 .. ncpus - 1.  @out: receives a copy.
 * Return: 0, or -EINVAL (NULL argument, CPU out of range).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_tlb_stats(const struct ptsim_machine *m, unsigned int cpu,
					       struct ptsim_tlb_stats *out);

/**
 * ptsim_tlb_stats_total() - the counters summed over every CPU.
 * @m: machine.  @out: receives the sums (zeroes for a NULL @m).
 */
PTSIM_API void ptsim_tlb_stats_total(const struct ptsim_machine *m, struct ptsim_tlb_stats *out);

/**
 * ptsim_tlb_flush_kind_name() - name of a flush kind.
 * @kind: PTSIM_FLUSH_*.
 * Return: "page", "range", "mm", "all", "kernel_range", "pgtable", or "?".
 */
PTSIM_API const char *ptsim_tlb_flush_kind_name(enum ptsim_tlb_flush_kind kind);

/* --- contents ------------------------------------------------------------ */

/*
 * struct ptsim_tlb_entry_info - one valid entry of a CPU's TLBs or walk caches.
 * @walk: false for a leaf TLB entry (a cached translation), true for a
 *        walk-cache (paging-structure cache) entry (a cached table entry).
 * @level: leaf: the level of the cached leaf, i.e. the page size (PTSIM_PTE
 *         for a base page, PTSIM_PMD for a PMD block, ...); walk: the level
 *         of the cached table entry (PTSIM_PGD .. PTSIM_PMD).
 * @size: bytes the entry covers: the page or block size (leaf), the span of
 *        one entry of @level (walk).
 * @va: first virtual address the entry covers (aligned to @size).
 * @asid: the address-space id the entry is tagged with.
 * @mm: the live address space with that ASID, or NULL if none has it.
 * @global: leaf: a global entry (x86 G, arm64 !nG), which matches every ASID.
 * @pfn: leaf: the first frame the entry maps; walk: the table it points to.
 * @pa: @pfn as a physical address.
 * @entry: the cached entry, as the walk read it (a leaf keeps the value it
 *         had when cached, whatever the table holds now).
 * @attrs: @entry decoded at @level (ptsim_ent_decode()): user, write,
 *         dirty, young, exec, ... for a leaf.
 * @set, @way: where the entry sits in its cache (walk caches have one set).
 * @stamp: the CPU's LRU clock at the entry's last fill or hit: the entry of
 *         a full set with the smallest stamp is replaced first.
 */
struct ptsim_tlb_entry_info {
	bool walk;
	enum ptsim_level level;
	uint64_t size;
	uint64_t va;
	uint64_t asid;
	const struct ptsim_mm *mm;
	bool global;
	uint64_t pfn;
	uint64_t pa;
	ptsim_ent_t entry;
	struct ptsim_attrs attrs;
	unsigned int set, way;
	uint64_t stamp;
};

/* Return 0 to go on, non-zero to stop the enumeration with that value. */
typedef int (*ptsim_tlb_entry_fn)(const struct ptsim_tlb_entry_info *e, void *arg);

/**
 * ptsim_tlb_entries() - visit every valid entry of one CPU's caches.
 * @m: machine (not const: a refused call sets its error text).
 * @cpu: 0 .. ncpus - 1.
 * @fn: called once per valid entry.  @arg: passed to @fn.
 *
 * The order is the lookup order: the leaf TLBs from the smallest page size
 * up (PTE, then PMD, then PUD blocks), then the walk caches from the deepest
 * level up (PMD, PUD, P4D, PGD); within a cache by set, then way.  Nothing
 * changes: no statistic is counted, no LRU stamp moves.  A CPU that has not
 * cached anything yet (its storage not allocated) has no entries.  @fn must
 * not change the machine.
 *
 * Return: 0 after the last entry, the first non-zero value @fn returned, or
 * -EINVAL with the error text set (NULL @m or @fn, @cpu out of range).
 */
PTSIM_API int ptsim_tlb_entries(struct ptsim_machine *m, unsigned int cpu, ptsim_tlb_entry_fn fn,
				void *arg);

/* --- violations ---------------------------------------------------------- */

enum ptsim_violation_kind {
	PTSIM_VIOL_FREE_LIVE_TLB = 1,  /* a frame freed while a CPU's TLB still maps it */
	PTSIM_VIOL_FREE_LIVE_WALK = 2, /* a table freed while a walk cache points to it */
	PTSIM_VIOL_BBM = 3,	       /* arm64: live entry changed without break-before-make */
	PTSIM_VIOL_STALE_TABLE = 4,    /* a lockless walker wrote to a table no longer linked */
	PTSIM_VIOL_FREED_TABLE = 5,    /* a lockless walker touched a freed table page */
};

/*
 * struct ptsim_violation - one breach of the TLB discipline.
 * @kind: PTSIM_VIOL_*.
 * @level: level of the cached entry (FREE_LIVE_*), of the written entry
 *         (BBM, STALE_TABLE) or of the table touched (FREED_TABLE).
 * @pfn: the frame freed (FREE_LIVE_*), the new output frame (BBM), or the
 *       table page written or touched (STALE_TABLE, FREED_TABLE).
 * @addr: the virtual address the stale translation or the entry is for.
 * @asid: the address-space id of that translation or entry.
 * @cpu: the CPU whose TLB or walk cache held it; PTSIM_VIOL_NO_CPU for a
 *       BBM breach found on the entry alone.
 * @op: the operation being performed (an mmu_gather flush, a public call),
 *      or @site when no operation was named.  A static string.
 * @site: the primitive that freed the frame or wrote the entry
 *        ("free_pages", "free_contig", "hugetlb_free", "set_entry",
 *        "lockless_write", "lockless_step", "lockless_recheck").
 */
struct ptsim_violation {
	int kind;
	int level;
	uint64_t pfn, addr;
	uint64_t asid;
	unsigned int cpu;
	const char *op;
	const char *site;
};

#define PTSIM_VIOL_NO_CPU 0xffffffffu
/* At most this many violations are stored; all are counted. */
#define PTSIM_VIOL_MAX_STORED 1024

/**
 * ptsim_violations() - the violations recorded since creation or the last clear.
 * @m: machine.
 * @out: receives up to @max records, oldest first (may be NULL if @max is 0).
 * @max: capacity of @out.
 *
 * Return: the number recorded (which may exceed both @max and
 * PTSIM_VIOL_MAX_STORED), or -EINVAL.
 */
PTSIM_API long ptsim_violations(const struct ptsim_machine *m, struct ptsim_violation *out,
				unsigned int max);

/**
 * ptsim_violations_clear() - forget every recorded violation.
 * @m: machine (NULL is a no-op).
 *
 * Cached entries are not touched: one that still maps a free frame is
 * reported by ptsim_check() until it is flushed.
 */
PTSIM_API void ptsim_violations_clear(struct ptsim_machine *m);

/**
 * ptsim_violation_kind_name() - name of a violation kind.
 * @kind: PTSIM_VIOL_*.
 * Return: "FREE_LIVE_TLB", "FREE_LIVE_WALK", "BBM", "STALE_TABLE",
 * "FREED_TABLE", or "?".
 */
PTSIM_API const char *ptsim_violation_kind_name(int kind);

/* --- mmu_gather ---------------------------------------------------------- */

#define PTSIM_MMU_GATHER_PAGES	64
#define PTSIM_MMU_GATHER_TABLES 32

/*
 * struct ptsim_mmu_gather - a batch of cleared entries to flush, and of the
 * pages and page-table pages to free after the flush (include/asm-generic/tlb.h).
 *
 * Caller-allocated, usually on the stack; the fields are private.  The
 * protocol is the kernel's:
 *
 *   struct ptsim_mmu_gather tlb;
 *   ptsim_tlb_gather_mmu(&tlb, mm);
 *   ... clear a leaf entry, then ptsim_tlb_remove_page(&tlb, pfn, addr, lvl);
 *   ... unhook an empty table, then ptsim_tlb_remove_table(&tlb, pfn, addr, lvl);
 *   ptsim_tlb_finish_mmu(&tlb);     flush, then free everything gathered
 *
 * Nothing gathered is freed before the flush that covers it.  A full batch,
 * or a change of the page size being gathered (tlb_change_page_size()),
 * flushes and frees on the spot.  A gather must be finished: ptsim_check()
 * reports gathers left open.  The address space must outlive the gather.
 */
struct ptsim_mmu_gather {
	struct ptsim_mm *mm;
	uint64_t start, last; /* pending flush range, inclusive; empty when start > last */
	bool fullmm;
	bool freed_tables;
	bool cleared_ptes, cleared_pmds, cleared_puds, cleared_p4ds;
	int page_level; /* level of the pages being gathered, -1 = none yet */
	unsigned int nr_pages, nr_tables;
	uint64_t pages[PTSIM_MMU_GATHER_PAGES];
	uint64_t tables[PTSIM_MMU_GATHER_TABLES];
};

/**
 * ptsim_tlb_gather_mmu() - start gathering for an address space.
 * @tlb: caller-allocated gather.  @mm: address space.
 * Return: 0, or -EINVAL for a NULL argument.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_tlb_gather_mmu(struct ptsim_mmu_gather *tlb,
						    struct ptsim_mm *mm);

/**
 * ptsim_tlb_gather_mmu_fullmm() - start gathering for the teardown of a whole
 * address space (exit): flushes invalidate the whole ASID.
 * @tlb: caller-allocated gather.  @mm: address space.
 * Return: 0, or -EINVAL for a NULL argument.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_tlb_gather_mmu_fullmm(struct ptsim_mmu_gather *tlb,
							   struct ptsim_mm *mm);

/**
 * ptsim_tlb_remove_page() - record a cleared leaf and the page to release.
 * @tlb: gather.
 * @pfn: a frame of the folio the cleared entry mapped; one folio reference
 *       is dropped after the flush (the folio is freed if it was the last).
 * @addr: the virtual address the entry mapped.
 * @level: the level of the cleared entry (PTSIM_PTE, PTSIM_PMD, PTSIM_PUD).
 *
 * Grows the pending flush range by the entry's size and marks the level as
 * cleared.  A different @level from the previous page flushes first.
 *
 * Return: 0, or -EINVAL (unstarted gather, level that can not hold a leaf,
 * @pfn not an in-use frame); -EBUSY (a present leaf at @addr still maps
 * @pfn - clear it first - or the folio's other references belong to its
 * mappings, page cache or pins, e.g. the same mapping released twice).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_tlb_remove_page(struct ptsim_mmu_gather *tlb, uint64_t pfn,
						     uint64_t addr, enum ptsim_level level);

/**
 * ptsim_tlb_remove_table() - record an unhooked page-table page to free.
 * @tlb: gather.
 * @table_pfn: the table page; its parent entry must already be cleared.
 * @addr: an address the table translated.
 * @level: the table's level (PTSIM_PTE for a PTE table, ...).
 *
 * Sets freed_tables and marks the parent level as cleared (pte_free_tlb()
 * marks cleared_pmds), so the flush also invalidates walk caches.
 *
 * Return: 0, or -EINVAL (unstarted gather, @table_pfn not a live table of
 * that level, @level PTSIM_PGD); -EBUSY (the table still holds entries, or
 * is still linked).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_tlb_remove_table(struct ptsim_mmu_gather *tlb,
						      uint64_t table_pfn, uint64_t addr,
						      enum ptsim_level level);

/**
 * ptsim_tlb_flush_mmu() - flush the pending range, then free what was gathered.
 * @tlb: gather; stays open.
 */
PTSIM_API void ptsim_tlb_flush_mmu(struct ptsim_mmu_gather *tlb);

/**
 * ptsim_tlb_finish_mmu() - final flush and free; closes the gather.
 * @tlb: gather.
 */
PTSIM_API void ptsim_tlb_finish_mmu(struct ptsim_mmu_gather *tlb);

#ifdef __cplusplus
}
#endif

#endif /* PTSIM_TLB_H */
