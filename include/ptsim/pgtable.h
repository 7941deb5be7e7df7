/* SPDX-License-Identifier: MIT */
/*
 * pgtable.h - address spaces' page tables: map, unmap, translate, walk, ptdump.
 *
 * An address space (struct ptsim_mm) owns a tree of tables rooted at a PGD
 * table.  Table pages are frames of simulated physical memory; an entry
 * points to the next table by PFN.  Tables are allocated on demand by map
 * and counted per address space exactly as the kernel's VmPTE counts them
 * (PTE, PMD and PUD tables; not the top level).
 *
 * All mutating calls are all-or-nothing: on any error the tables, counters
 * and frames are exactly as before the call.
 *
 * Leaves may be mapped at every level the architecture allows (PTE pages,
 * PMD and PUD blocks) and, on arm64, as contiguous runs (CONT_PTES PTEs or
 * CONT_PMDS PMDs, naturally aligned, identical attributes, consecutive
 * frames).
 */
#ifndef PTSIM_PGTABLE_H
#define PTSIM_PGTABLE_H

#include <stdio.h>

#include "ptsim/arch.h"
#include "ptsim/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * ptsim_mm_create() - create an address space with an empty top-level table.
 * @m: machine.  @out: receives the address space.
 * Return: 0 or -ENOMEM.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_mm_create(struct ptsim_machine *m, struct ptsim_mm **out);

/*
 * Exit: zap every VMA (releasing the pages they map, see ptsim/mm.h), then
 * free every table.  Frames mapped with ptsim_map() outside VMAs are not
 * freed (the caller owns them).  NULL is a no-op.
 */
PTSIM_API void ptsim_mm_destroy(struct ptsim_mm *mm);

PTSIM_API struct ptsim_machine *ptsim_mm_machine(const struct ptsim_mm *mm);
/* VmPTE: bytes of PTE, PMD and PUD tables of this address space. */
PTSIM_API uint64_t ptsim_mm_pgtables_bytes(const struct ptsim_mm *mm);
/* Live tables of this address space at logical level @lvl (the root counts at PGD). */
PTSIM_API uint64_t ptsim_mm_nr_tables(const struct ptsim_mm *mm, enum ptsim_level lvl);
/* PFN of the top-level table (what CR3 / TTBR0 would hold). */
PTSIM_API uint64_t ptsim_mm_pgd_pfn(const struct ptsim_mm *mm);

/* Flags of ptsim_map(). */
#define PTSIM_MAP_CONT 0x1u /* arm64: set the contiguous hint on each naturally aligned run */

/**
 * ptsim_map() - map [va, va + len) to consecutive frames with leaves of one size.
 * @mm: address space.
 * @va: start; aligned to @page_size.
 * @len: length; a multiple of @page_size (with PTSIM_MAP_CONT, of the run size).
 * @pfn: first frame; aligned to @page_size.
 * @page_size: a leaf size of the architecture (ptsim_arch_level_size() of a
 *             level for which ptsim_arch_leaf_ok() is true).
 * @pgprot: protection from ptsim_pgprot().
 * @flags: PTSIM_MAP_*.
 *
 * Intermediate tables are allocated as needed.  The frames are not
 * reference-counted by this call (no rmap yet): the caller owns them.
 *
 * Return: 0; -EINVAL for bad alignment, size, address or flags; -ERANGE for
 * frames beyond the architecture's physical address space; -EEXIST if an
 * entry in the range is not none; -EBUSY if a huge leaf would replace a
 * table (or a smaller leaf would need to split a huge one); -ENOMEM.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_map(struct ptsim_mm *mm, uint64_t va, uint64_t len,
					 uint64_t pfn, uint64_t page_size, uint64_t pgprot,
					 unsigned int flags);

/* Flags of ptsim_unmap(). */
#define PTSIM_UNMAP_FREE_TABLES 0x1u /* free tables left empty (within the range's tables) */

/**
 * ptsim_unmap() - clear every leaf in [va, va + len).
 * @mm: address space.  @va, @len: page aligned.  @flags: PTSIM_UNMAP_*.
 *
 * A huge leaf or contiguous run must lie wholly inside the range (the
 * library does not split mappings here).  Without PTSIM_UNMAP_FREE_TABLES
 * tables stay allocated, like the kernel's zap; with it, tables that end up
 * empty are freed bottom-up (an upper table only when it became empty).
 *
 * Return: number of leaf entries cleared (>= 0), -EINVAL, or -EBUSY if the
 * range cuts a huge leaf or contiguous run (nothing is changed).
 */
PTSIM_API PTSIM_MUST_CHECK long ptsim_unmap(struct ptsim_mm *mm, uint64_t va, uint64_t len,
					    unsigned int flags);

/* Result of ptsim_translate(). */
struct ptsim_translation {
	enum ptsim_level level;	  /* level of the entry found */
	ptsim_ent_t entry;	  /* its raw value (0 for a hole) */
	uint64_t page_size;	  /* bytes the entry maps (the level's span for a hole) */
	uint64_t va_base;	  /* start of that span */
	uint64_t pfn;		  /* frame backing @va (leaf PFN + offset) */
	uint64_t pa;		  /* physical address of @va */
	uint64_t table_pfn;	  /* table holding the entry */
	unsigned int index;	  /* index of the entry in that table */
	struct ptsim_attrs attrs; /* decoded entry */
};

/**
 * ptsim_translate() - side-effect-free walk for one address.
 * @mm: address space.  @va: address.  @t: receives the result.
 *
 * Return: 0 if a present leaf maps @va; -ENOENT for a hole (t describes the
 * empty entry); -EFAULT for a non-present, non-none entry (swap, marker,
 * PROT_NONE: t describes it); -EINVAL for a non-canonical address.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_translate(struct ptsim_mm *mm, uint64_t va,
					       struct ptsim_translation *t);

/*
 * The range walker, in the spirit of the kernel's mm_walk_ops.  Callbacks
 * return 0 to continue, > 0 to stop the walk and have ptsim_walk_page_range()
 * return that value, < 0 to stop with that error.  entry[level] is called for
 * every non-zero slot at each logical level (tables, leaves and swap entries
 * alike; folded levels see their parent's slot); a callback may set
 * walk->action = PTSIM_WALK_CONTINUE to skip descending.  pte_hole is called
 * once per empty slot, at the lowest logical level sharing that slot
 * (depth = that level).
 */
enum ptsim_walk_action {
	PTSIM_WALK_SUBTREE = 0,	 /* descend (default) */
	PTSIM_WALK_CONTINUE = 1, /* do not descend below this entry */
};

struct ptsim_walk {
	struct ptsim_mm *mm;
	void *priv;
	enum ptsim_walk_action action;
	uint64_t table_pfn; /* table of the entry being visited */
	unsigned int index; /* its index there */
};

struct ptsim_walk_ops {
	int (*entry[PTSIM_NR_LEVELS])(ptsim_ent_t ent, uint64_t addr, uint64_t next,
				      struct ptsim_walk *walk);
	int (*pte_hole)(uint64_t addr, uint64_t next, int depth, struct ptsim_walk *walk);
	/* After all children of a table entry were visited (TABLE_POST). */
	int (*post_table)(ptsim_ent_t ent, int level, uint64_t addr, uint64_t next,
			  struct ptsim_walk *walk);
};

/**
 * ptsim_walk_page_range() - walk [start, end) of an address space.
 * @mm: address space.  @start, @end: range; end == 0 means "to the top"
 *        (2^64: on x86 a lower-half start walks the rest of the lower half,
 *        then the upper half; (0, 0) is everything).
 * @ops: callbacks (NULL members are skipped).  @priv: handed to callbacks.
 *
 * Levels folded in this configuration are visited too (sharing their
 * parent's slot) so callbacks see five levels on every architecture.
 *
 * Return: 0, the first non-zero callback result, or -EINVAL for a bad range.
 */
PTSIM_API int ptsim_walk_page_range(struct ptsim_mm *mm, uint64_t start, uint64_t end,
				    const struct ptsim_walk_ops *ops, void *priv);

/**
 * ptsim_ptdump() - print the tables in the kernel's ptdump format.
 * @mm: address space.  @start, @end: range (0, 0 = everything).
 * @f: output stream.
 *
 * x86: /sys/kernel/debug/page_tables/current_user style lines with a
 * "---[ User Space ]---" banner (and "---[ Kernel Space ]---" at the upper
 * half); arm64: kernel_page_tables style lines.  Runs of entries at the same
 * level with equal attributes merge into one line, as the kernel's do.
 *
 * Return: number of lines printed, or -errno.
 */
PTSIM_API long ptsim_ptdump(struct ptsim_mm *mm, uint64_t start, uint64_t end, FILE *f);

#ifdef __cplusplus
}
#endif

#endif /* PTSIM_PGTABLE_H */
