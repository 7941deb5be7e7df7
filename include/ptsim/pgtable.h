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

#include <errno.h>
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

/**
 * ptsim_mm_destroy() - exit: tear an address space down and free it.
 * @mm: address space; NULL is a no-op.
 *
 * Every VMA is zapped (releasing the pages it maps, see ptsim/mm.h) and the
 * tables under them freed through an mmu_gather, the address space's TLB
 * entries are flushed, then every table left is freed.  Frames mapped with
 * ptsim_map() outside VMAs are not freed (the caller owns them).
 */
PTSIM_API void ptsim_mm_destroy(struct ptsim_mm *mm);

/**
 * ptsim_mm_machine() - the machine an address space belongs to.
 * @mm: address space (not NULL).
 * Return: the machine given to ptsim_mm_create().
 */
PTSIM_API struct ptsim_machine *ptsim_mm_machine(const struct ptsim_mm *mm);
/**
 * ptsim_mm_pgtables_bytes() - VmPTE: bytes of the PTE, PMD and PUD tables
 * of an address space (mm_pgtables_bytes()).
 * @mm: address space (not NULL).
 * Return: the byte count; the top-level table and detached tables are not counted.
 */
PTSIM_API uint64_t ptsim_mm_pgtables_bytes(const struct ptsim_mm *mm);
/**
 * ptsim_mm_nr_tables() - live tables of an address space at one logical level.
 * @mm: address space (not NULL).  @lvl: PTSIM_PGD .. PTSIM_PTE; the root
 *      counts at PTSIM_PGD.
 * Return: the number of tables, 0 for a level outside the enum.
 */
PTSIM_API uint64_t ptsim_mm_nr_tables(const struct ptsim_mm *mm, enum ptsim_level lvl);
/**
 * ptsim_mm_pgd_pfn() - the PFN of the top-level table (what CR3 / TTBR0 would hold).
 * @mm: address space (not NULL).
 * Return: the PFN, fixed for the address space's lifetime.
 */
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
 * reference-counted by this call (no rmap): the caller owns them, which is
 * why the range must not overlap a VMA (pages enter VMAs through faults,
 * with their accounting; see include/ptsim/mm.h).
 *
 * Return: 0; -EINVAL for bad alignment, size, address or flags; -ERANGE for
 * frames beyond the architecture's physical address space; -EEXIST if an
 * entry in the range is not none; -EBUSY if the range overlaps a VMA, or a
 * huge leaf would replace a table (or a smaller leaf would need to split a
 * huge one), or a frame is a page table; -ENOMEM.  @pgprot bits outside the
 * attribute fields (arch.h, ptsim_mk_leaf()) are -EINVAL.
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
 * range cuts a huge leaf or contiguous run or overlaps a VMA (use
 * ptsim_munmap() there; nothing is changed).
 */
PTSIM_API PTSIM_MUST_CHECK long ptsim_unmap(struct ptsim_mm *mm, uint64_t va, uint64_t len,
					    unsigned int flags);

/*
 * Entry slots: reading and writing single entries, at every level, as the
 * kernel's pte_offset_map()/pmd_alloc(), ptep_get(), set_pte_at(),
 * ptep_get_and_clear() and ptep_modify_prot_start()/_commit() do.
 *
 * A struct ptsim_pgslot names where the entry of one logical level for one
 * address lives: the table page (by PFN) and the index in it.  It is a
 * handle, not a pointer: every call checks that the table is still a live
 * table of that address space and level, and fails with -ESTALE otherwise
 * (the table was freed or reused), so a stale slot can never corrupt the
 * model.  A folded level shares the slot of the real level above it.
 *
 * Every write goes through the library's own entry-write path, so the
 * table's entry count, the TLB-discipline checker (arm64 break-before-make)
 * and the cost ledger see it exactly as they see the library's writes.
 *
 * Page-table pages: ptsim_pgtable_alloc() gives a detached table (a
 * pte_alloc_one()), ptsim_pgslot_populate() links it below a none entry
 * (pmd_populate(); the table is counted in VmPTE from then on),
 * ptsim_pgslot_get_and_clear() on a table entry unhooks the table again (it
 * is detached and no longer counted), and a detached, empty table is freed
 * with ptsim_pgtable_free() (pte_free()) or, after a flush, through an
 * mmu_gather (ptsim_tlb_remove_table(), include/ptsim/tlb.h).  Freeing a
 * table that a TLB walk cache still points to is recorded as a
 * FREE_LIVE_WALK violation: clear, flush, then free.
 *
 * Inside VMAs the pages mapped are reference counted and reverse mapped
 * (include/ptsim/mm.h).  A raw write that would map or unmap a page there
 * without that accounting is refused (-EBUSY): pages enter VMAs through
 * faults (ptsim_access()) and leave through munmap/madvise, or through
 * ptsim_pgslot_get_and_clear(), which clears a present leaf in a VMA as the
 * kernel's zap does (mapcount and rss dropped, dirty and young carried to
 * the folio; the caller releases the folio reference with
 * ptsim_tlb_remove_page() after the flush).  Changing the attributes of a
 * present leaf (same frame) and writing non-present entries (swap entries,
 * markers) over none or non-present ones are allowed everywhere.
 */
struct ptsim_pgslot {
	enum ptsim_level level; /* logical level of the entry */
	uint64_t addr;		/* the address the slot was looked up for */
	uint64_t table_pfn;	/* the table page holding the entry */
	unsigned int index;	/* the entry's index in that table */
};

/* Flags of ptsim_pgslot_lookup(). */
#define PTSIM_PGSLOT_ALLOC 0x1u /* allocate missing tables on the way down (pXd_alloc()) */

/**
 * ptsim_pgslot_lookup() - find the slot of @level for @addr.
 * @mm: address space.  @addr: any address.  @level: the logical level wanted.
 * @flags: 0, or PTSIM_PGSLOT_ALLOC to allocate every missing table first
 *         (all of them before any is linked: on -ENOMEM nothing changed).
 * @out: receives the slot reached.
 *
 * Return: 0 if @out is the slot of @level; -ENOENT if an entry above
 * @level is none (without PTSIM_PGSLOT_ALLOC; @out is that entry's slot);
 * -EEXIST if a leaf or non-present entry above @level covers @addr (@out is
 * its slot: a huge PMD when a PTE slot was asked for); -EINVAL (bad
 * address, level or flags); -ENOMEM.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_pgslot_lookup(struct ptsim_mm *mm, uint64_t addr,
						   enum ptsim_level level, unsigned int flags,
						   struct ptsim_pgslot *out);

/**
 * ptsim_pgslot_get() - read an entry (ptep_get(), pmdp_get(), ...).
 * @mm: address space.  @slot: from ptsim_pgslot_lookup().  @out: the entry.
 * Return: 0, -EINVAL, or -ESTALE (the slot's table is no longer live).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_pgslot_get(struct ptsim_mm *mm,
						const struct ptsim_pgslot *slot, ptsim_ent_t *out);

/**
 * ptsim_pgslot_set() - write an entry (set_pte_at(), set_pmd_at(), ...).
 * @mm: address space.  @slot: from ptsim_pgslot_lookup().  @ent: the new entry.
 *
 * The new entry may be none, a leaf at a level that can hold one, or a
 * non-present entry; table entries are written with
 * ptsim_pgslot_populate().  A table entry is never overwritten (clear it
 * first), and inside VMAs the rule at the top of this section applies.
 * Nothing is flushed: that is the caller's job, as in the kernel.
 *
 * Return: 0; -EINVAL (a table entry, a leaf at a level without leaves, a
 * leaf beyond the physical address bits); -EBUSY (the slot holds a table
 * entry; a page-table frame as a leaf; a VMA page mapped or unmapped
 * without accounting); -ESTALE.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_pgslot_set(struct ptsim_mm *mm,
						const struct ptsim_pgslot *slot, ptsim_ent_t ent);

/**
 * ptsim_pgslot_get_and_clear() - clear an entry, return what it was
 * (ptep_get_and_clear(), pmdp_huge_get_and_clear(), pmd_clear()).
 * @mm: address space.  @slot: the slot.  @old: receives the entry (may be NULL).
 *
 * A table entry unhooks its table (detached and no longer counted in
 * VmPTE): free it after the flush (ptsim_tlb_remove_table()) or with
 * ptsim_pgtable_free().  A present leaf inside a VMA is zapped: its mapcount
 * and the rss drop, dirty and young go to the folio; the mapping's folio
 * reference is the caller's to drop (ptsim_tlb_remove_page()).  A THP's
 * PMD takes its deposited table along (zap_deposited_table()).
 *
 * Return: 0, -EINVAL, -ESTALE; -EBUSY for a table entry inside a VMA whose
 * table still holds entries.
 */
PTSIM_API PTSIM_MUST_CHECK int
ptsim_pgslot_get_and_clear(struct ptsim_mm *mm, const struct ptsim_pgslot *slot, ptsim_ent_t *old);

/**
 * ptsim_pgslot_modify_prot_start() - begin a protection change of a
 * present leaf (ptep_modify_prot_start(): the entry is cleared so that the
 * hardware cannot set accessed/dirty bits while it changes).
 * @mm: address space.  @slot: a present leaf.  @old: receives the entry.
 * Return: 0; -EINVAL (not a present leaf); -EBUSY (16 changes begun inside
 * VMAs and not committed); -ESTALE.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_pgslot_modify_prot_start(struct ptsim_mm *mm,
							      const struct ptsim_pgslot *slot,
							      ptsim_ent_t *old);

/**
 * ptsim_pgslot_modify_prot_commit() - finish it (ptep_modify_prot_commit()).
 * @mm: address space.  @slot: the slot of the start call (now none).
 * @old: the entry _start() returned.  @ent: the new entry: a present leaf
 *       mapping the same frame as @old.
 * Return: 0; -EINVAL (@ent maps another frame or is not a leaf, or the slot
 * is not none); -EBUSY (@ent maps a page table, or, inside a VMA, no
 * _start() of this slot returned @old); -ESTALE.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_pgslot_modify_prot_commit(struct ptsim_mm *mm,
							       const struct ptsim_pgslot *slot,
							       ptsim_ent_t old, ptsim_ent_t ent);

/**
 * ptsim_pgtable_alloc() - a detached, empty page-table page (pte_alloc_one()).
 * @mm: the address space it is for.  @level: the level of entries it will
 *      hold (PTSIM_PTE for a PTE table, ...; not PTSIM_PGD, not a folded level).
 * @pfn: receives its PFN.
 * Return: 0, -EINVAL, -ENOMEM.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_pgtable_alloc(struct ptsim_mm *mm, enum ptsim_level level,
						   uint64_t *pfn);

/**
 * ptsim_pgslot_populate() - link a detached table below a none entry
 * (pmd_populate(), pud_populate(), ...).
 * @mm: address space.  @slot: a none slot of the level above the table.
 * @table_pfn: a detached table of this address space, of the child level.
 * Return: 0; -EINVAL (wrong level, not a detached table of @mm);
 * -EEXIST (the slot is not none); -EBUSY (the table holds entries and the
 * slot is inside a VMA); -ESTALE.
 */
PTSIM_API PTSIM_MUST_CHECK int
ptsim_pgslot_populate(struct ptsim_mm *mm, const struct ptsim_pgslot *slot, uint64_t table_pfn);

/**
 * ptsim_pgtable_free() - free a detached, empty table now (pte_free()).
 * @mm: address space.  @table_pfn: the table.
 *
 * No flush happens: if a CPU's walk cache still points at the table, a
 * FREE_LIVE_WALK violation is recorded (use an mmu_gather to free after the
 * flush).
 *
 * Return: 0; -EINVAL (not a table of @mm); -EBUSY (still linked, or not empty).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_pgtable_free(struct ptsim_mm *mm, uint64_t table_pfn);

/* Flags of ptsim_split_leaf() and ptsim_collapse_leaf(). */
#define PTSIM_SPLIT_CONT   0x1u /* arm64: the contiguous hint on every naturally aligned run */
#define PTSIM_SPLIT_NO_BBM 0x2u /* publish over the live entry: no break-before-make */

/**
 * ptsim_split_leaf() - split one huge leaf into a table of smaller leaves.
 * @mm: address space.  @addr: an address the leaf maps.
 * @level: the leaf's level (PTSIM_PMD, PTSIM_PUD).
 * @flags: PTSIM_SPLIT_*.
 *
 * The new table (at the next real level) is allocated first; its entries map
 * the same frames with the same attributes (ptsim_ent_relevel()).  Then, as
 * the kernel's splits do, the leaf is cleared and its translation flushed
 * from every CPU (break-before-make, required on arm64), and only then is
 * the table linked; with PTSIM_SPLIT_NO_BBM the table replaces the live leaf
 * directly, which the discipline checker reports on arm64.  For huge
 * leaves outside VMAs (raw mappings); a THP is split by
 * ptsim_split_huge_pmd(), with its accounting.
 *
 * Return: 0; -ENOENT (no present leaf at @level for @addr); -EINVAL (bad
 * level or flags, no leaf level below, no contiguous runs there); -EBUSY (the
 * leaf is inside a VMA, or maps a frame that became a page table); -ENOMEM
 * (nothing changed).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_split_leaf(struct ptsim_mm *mm, uint64_t addr,
						enum ptsim_level level, unsigned int flags);

/**
 * ptsim_collapse_leaf() - the inverse: one leaf replaces a full table of leaves.
 * @mm: address space.  @addr: an address the table translates.
 * @level: the level of the new leaf (the table's parent entry).
 * @flags: PTSIM_SPLIT_NO_BBM, or 0.
 *
 * Every entry of the table must be a present leaf, the frames consecutive and
 * aligned to the new leaf's size, the attributes equal (accessed and dirty
 * are merged, the contiguous hint dropped).  The table entry is cleared and
 * flushed, the leaf written, then the table freed (VmPTE drops).
 *
 * Return: 0; -ENOENT (no table there); -EINVAL (bad level or flags, the
 * leaves do not collapse); -EBUSY (inside a VMA, or a frame is a page table).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_collapse_leaf(struct ptsim_mm *mm, uint64_t addr,
						   enum ptsim_level level, unsigned int flags);

/* Typed slot helpers in the kernel's grammar: they check the slot's level. */
static inline int ptsim_ptep_get(struct ptsim_mm *mm, const struct ptsim_pgslot *ptep,
				 ptsim_pte_t *out)
{
	return ptep->level == PTSIM_PTE ? ptsim_pgslot_get(mm, ptep, &out->val) : -EINVAL;
}
static inline int ptsim_set_pte_at(struct ptsim_mm *mm, const struct ptsim_pgslot *ptep,
				   ptsim_pte_t pte)
{
	return ptep->level == PTSIM_PTE ? ptsim_pgslot_set(mm, ptep, pte.val) : -EINVAL;
}
static inline int ptsim_ptep_get_and_clear(struct ptsim_mm *mm, const struct ptsim_pgslot *ptep,
					   ptsim_pte_t *old)
{
	return ptep->level == PTSIM_PTE ? ptsim_pgslot_get_and_clear(mm, ptep, &old->val) : -EINVAL;
}
static inline int ptsim_pmdp_get(struct ptsim_mm *mm, const struct ptsim_pgslot *pmdp,
				 ptsim_pmd_t *out)
{
	return pmdp->level == PTSIM_PMD ? ptsim_pgslot_get(mm, pmdp, &out->val) : -EINVAL;
}
static inline int ptsim_set_pmd_at(struct ptsim_mm *mm, const struct ptsim_pgslot *pmdp,
				   ptsim_pmd_t pmd)
{
	return pmdp->level == PTSIM_PMD ? ptsim_pgslot_set(mm, pmdp, pmd.val) : -EINVAL;
}
static inline int ptsim_pmdp_get_and_clear(struct ptsim_mm *mm, const struct ptsim_pgslot *pmdp,
					   ptsim_pmd_t *old)
{
	return pmdp->level == PTSIM_PMD ? ptsim_pgslot_get_and_clear(mm, pmdp, &old->val) : -EINVAL;
}

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
 * alike; folded levels see their parent's slot); pte_hole is called once per
 * empty slot, at the lowest logical level sharing that slot (depth = that
 * level).
 *
 * Each callback finds the slot it is called for in walk->slot (its level,
 * table and index) and may change the entry through it with the slot calls
 * above (ptsim_pgslot_set(walk->mm, &walk->slot, ...)).  It steers the walk
 * with walk->action, as the kernel's ACTION_* values:
 *  - PTSIM_WALK_SUBTREE (default): go on, descending into a table entry;
 *  - PTSIM_WALK_CONTINUE: do not descend below this entry;
 *  - PTSIM_WALK_AGAIN: read the slot again and visit it anew (after a
 *    callback split a leaf into a table, or populated a hole).
 * A callback that changes the entry without asking for AGAIN is visited on
 * with the new entry (a table it cleared is not descended into).
 */
enum ptsim_walk_action {
	PTSIM_WALK_SUBTREE = 0,	 /* descend (default) */
	PTSIM_WALK_CONTINUE = 1, /* do not descend below this entry */
	PTSIM_WALK_AGAIN = 2,	 /* visit this slot again */
};

struct ptsim_walk {
	struct ptsim_mm *mm;
	void *priv;
	enum ptsim_walk_action action;
	struct ptsim_pgslot slot; /* the slot being visited (slot.level: its logical level) */
	uint64_t table_pfn;	  /* = slot.table_pfn (kept for older callers) */
	unsigned int index;	  /* = slot.index */
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

/* --- lockless walks ------------------------------------------------------- */

/*
 * A lockless walker reads the tables as GUP-fast (gup_fast(), mm/gup.c) and
 * pte_offset_map() users do: no page-table lock, one entry per level read
 * once, inside an RCU read-side section (local_irq_save() for GUP-fast).
 * Tables can be unhooked under it - by pt_reclaim's MADV_DONTNEED, by munmap
 * - so it must recheck that the entry which led to its table still does
 * (pmd_same()) before it trusts what it read or writes through its pointer.
 *
 * Table freeing follows the pt_free knob.  With rcu (the default,
 * MMU_GATHER_RCU_TABLE_FREE) a table an mmu_gather frees while a walker is
 * between begin and end waits for the grace period, which ends with the
 * last walker: the walker's pointer stays memory.  With immediate the table
 * is freed at the gather's flush, and the walker's next touch of it is a use
 * after free.  Two violations (ptsim_violations(), ptsim_check()) catch
 * the bugs: PTSIM_VIOL_STALE_TABLE, a write through the pointer to a table
 * that is no longer linked (the missing recheck), and PTSIM_VIOL_FREED_TABLE,
 * a read or write of a table page already freed (immediate freeing under a
 * walker); such an access is recorded and not performed.
 *
 *   struct ptsim_lockless *w;
 *   struct ptsim_lockless_step st;
 *   ptsim_lockless_begin(mm, addr, &w);
 *   while (ptsim_lockless_step(w, &st) == 1)
 *           ;                             st: the PTE (or the leaf, or none)
 *   ... MADV_DONTNEED frees the PTE table (pt_reclaim) ...
 *   ptsim_lockless_recheck(w);            -EAGAIN: the PMD changed, back off
 *   ptsim_lockless_end(w);                the table is freed now
 */
struct ptsim_lockless;

/* What one step of a lockless walk read. */
struct ptsim_lockless_step {
	enum ptsim_level
		level;	    /* logical level of the entry (a folded level: the lowest sharing it) */
	uint64_t table_pfn; /* the table it was read from */
	unsigned int index; /* its index there */
	ptsim_ent_t entry;  /* the value read */
};

/**
 * ptsim_lockless_begin() - start a lockless walk towards @addr
 * (rcu_read_lock(); local_irq_save() in GUP-fast).
 * @mm: address space.  @addr: the address to translate.  @out: the walker.
 *
 * Until ptsim_lockless_end() no table an mmu_gather frees is given back
 * (with pt_free=rcu).
 *
 * Return: 0, -EINVAL (bad address), -ENOMEM.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_lockless_begin(struct ptsim_mm *mm, uint64_t addr,
						    struct ptsim_lockless **out);

/**
 * ptsim_lockless_step() - read the next entry down (pXdp_get_lockless()).
 * @w: walker.  @out: what was read.
 *
 * Return: 1 if the entry is a table and the walk went down into it, 0 if it
 * is a leaf, none or non-present (the walk is over; further steps return 0
 * and leave @out alone), -ESTALE if the table the walker held was freed
 * (a PTSIM_VIOL_FREED_TABLE violation is recorded, nothing read), -ESRCH
 * if the address space was destroyed, -EINVAL.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_lockless_step(struct ptsim_lockless *w,
						   struct ptsim_lockless_step *out);

/**
 * ptsim_lockless_recheck() - recheck the entry that led to the current
 * table (pmd_same() in gup_fast_pte_range(), pte_offset_map_rw_nolock()).
 * @w: walker.
 *
 * Return: 0 if it still holds the value read, -EAGAIN if it changed (the
 * table was unhooked or replaced: back off), -ESTALE if the table holding
 * it was freed (a PTSIM_VIOL_FREED_TABLE violation), -ESRCH, -EINVAL.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_lockless_recheck(struct ptsim_lockless *w);

/**
 * ptsim_lockless_write() - write @ent into the PTE slot the walk read last,
 * through the walker's table pointer, without rechecking.
 * @w: walker whose last step read a PTE.  @ent: the new entry.
 *
 * If the table is still linked the write is ptsim_pgslot_set()'s, with its
 * rules.  If it was unhooked (and waits for the grace period) the write
 * lands in the dead table, where no walk of the address space will ever
 * see it: a lost update, recorded as PTSIM_VIOL_STALE_TABLE.  If it was
 * freed, nothing is written and PTSIM_VIOL_FREED_TABLE is recorded.
 *
 * Return: 0 (also for the stale write, which "succeeds" as in the kernel),
 * -ESTALE (freed), -EINVAL (the last step read no PTE), -ESRCH, or what
 * ptsim_pgslot_set() returns.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_lockless_write(struct ptsim_lockless *w, ptsim_ent_t ent);

/**
 * ptsim_lockless_end() - end the walk (rcu_read_unlock()) and free @w.
 * @w: walker (NULL is a no-op).
 *
 * When the last walker ends, the grace period is over and the tables that
 * waited for it are freed.  Walkers still open when the machine is
 * destroyed are ended by it.
 */
PTSIM_API void ptsim_lockless_end(struct ptsim_lockless *w);

#ifdef __cplusplus
}
#endif

#endif /* PTSIM_PGTABLE_H */
