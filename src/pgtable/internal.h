/* SPDX-License-Identifier: MIT */
/*
 * src/pgtable/internal.h - page-table pages and the tables of one address space.
 *
 * A table is a frame from simulated physical memory, typed PGTY_table, whose
 * entries live in a host buffer of one granule (4K/16K/64K) hung off the
 * frame record (frame->private_).  An entry points to the next table by PFN,
 * as hardware does, so every walk goes PFN -> frame record -> storage; a walk
 * through a freed table finds a frame that is not typed as a table.
 *
 * frame->extra counts the table's non-none entries (the KVM "table refcount
 * = number of valid entries" idea); frame->index records the logical level
 * of the table and frame->mapping the owning address space's id.
 *
 * Storage buffers of freed tables are poisoned and recycled (never returned
 * to the host allocator until the machine is destroyed), so a workload that
 * maps and unmaps does not grow host memory.
 *
 * Accounting follows the kernel's VmPTE (mm->pgtables_bytes): PTE, PMD and
 * PUD tables are counted, the top-level table is not (nor P4D tables, as the
 * kernel has no P4D counter; see ptsim__pt_accounted()).
 */
#ifndef PTSIM_SRC_PGTABLE_INTERNAL_H
#define PTSIM_SRC_PGTABLE_INTERNAL_H

#include <string.h>

#include "mem/internal.h"

/* Poison written over a freed table's entries. */
#define PTSIM_TABLE_POISON 0x6b6b6b6b6b6b6b6bull

/*
 * How a live table page is held, in the low byte of its page_type word
 * (frame->mapcount; the type itself is in the top byte):
 *  - LINKED: an address space's root, or referenced by exactly one table
 *    entry of its owner;
 *  - DEPOSITED: on a PMD table's deposit list (pgtable_trans_huge_deposit());
 *  - neither: detached - allocated and not (yet, or any more) linked; its
 *    owner links it or frees it (the checker reports one left behind).
 */
#define PTSIM_TABLE_LINKED    0x1u
#define PTSIM_TABLE_DEPOSITED 0x2u
#define PTSIM_TABLE_RCU	      0x4u /* unhooked and flushed, freed after the grace period */

static inline unsigned int ptsim__table_state(const struct ptsim_frame *f)
{
	return (uint32_t)f->mapcount & 0xffu;
}

static inline void ptsim__table_set_state(struct ptsim_frame *f, unsigned int state)
{
	f->mapcount = (int32_t)(((uint32_t)f->mapcount & ~0xffu) | state);
}

/* Slots of the table-record cache (struct ptsim_ptalloc): a power of two. */
#define PTSIM_TABLE_CACHE_SLOTS 64

struct ptsim_ptalloc {
	struct ptsim_mem *mem;
	struct ptsim_host *host;
	const struct ptsim_arch *arch;
	void *storage_free; /* recycled storage buffers, linked through word 0 */
	uint64_t nr_storage_free;
	uint64_t nr_storage; /* buffers ever allocated */
	uint64_t nr_tables;  /* live table pages, all address spaces */
	/*
	 * Called by ptsim__set_entry() before an entry changes (old != new),
	 * with the owner id of the tables and the slot's address; the api layer points
	 * it at the TLB break-before-make checker.  NULL = none.
	 */
	void (*entry_hook)(void *ctx, uint64_t owner_id, int lvl, uint64_t old, uint64_t new,
			   uint64_t addr);
	/*
	 * Whether entry_hook, as things stand, does nothing for a write that
	 * makes a none entry valid, so that a run of such writes may skip it
	 * (ptsim__map()'s fill).  NULL = never assume so.
	 */
	bool (*entry_hook_quiet)(void *ctx);
	void *entry_hook_ctx;
	/*
	 * The frame records of the tables walks went through last, direct
	 * mapped by PFN (ptsim__table_frame()), so that a walk level reads one
	 * slot instead of the section directory.  A record pointer stays valid
	 * until its section is depopulated (mem->nr_depopulated moves, and the
	 * cache is emptied); whether the frame is still a live table is checked
	 * on every use, as without the cache.
	 */
	struct {
		uint64_t pfn;
		struct ptsim_frame *f;
	} tcache[PTSIM_TABLE_CACHE_SLOTS];
	/* ptsim__entry_level() and ptsim__child_level() of each level, for the walks. */
	int entry_lvl[PTSIM_NR_LEVELS], child_lvl[PTSIM_NR_LEVELS];
	uint64_t tcache_gen; /* mem->nr_depopulated when the cache was last emptied */
	/*
	 * RCU table freeing (MMU_GATHER_RCU_TABLE_FREE, the pt_free knob):
	 * with @rcu_table_free, a table an mmu_gather frees while a lockless
	 * walker is inside its read-side section waits, state PTSIM_TABLE_RCU,
	 * on the @rcu_pending chain (PFN + 1, linked through frame->link) until
	 * the last walker ends - the grace period.  Without walkers the grace
	 * period is over at once.
	 */
	bool rcu_table_free;
	unsigned int nr_lockless;
	struct ptsim_lockless_walk *lockless; /* the walkers, a list */
	uint64_t rcu_pending, nr_rcu_pending;
	/*
	 * The 2022 RFC's PTE-table counters (ptref.c; knob pt_reclaim.rfc,
	 * experimental, never merged): kept while ptref_on; ptref_root is the
	 * ranking of user address spaces by reclaimable PTE-table bytes.
	 */
	bool ptref_on;
	struct ptsim_pgtables *ptref_root;
	uint64_t ptref_nr_ranked;
	struct ptsim_ptref_counts {
		uint64_t scanned, reclaimed_empty, reclaimed_zero, zero_ptes_dropped, bytes_freed;
	} ptref_stats;
};

/*
 * A lockless walker (GUP-fast, pte_offset_map() under RCU): it reads entries
 * without any lock, one level per step, and keeps the table it is in and the
 * entry that pointed to it (for a pmd_same() recheck).  @table_freed and
 * @parent_freed say that one of those pages was freed under it (pt_free=
 * immediate: a use after free); @pt is NULL once its address space is gone.
 */
struct ptsim_lockless_walk {
	struct ptsim_lockless_walk *next, *prev;
	struct ptsim_pgtables *pt;
	uint64_t addr;
	int lvl;	    /* real level of the table the next step reads */
	uint64_t table_pfn; /* that table */
	int parent_lvl;	    /* the entry that pointed to it: -1 at the root */
	uint64_t parent_pfn, parent_ent;
	unsigned int parent_idx;
	int last_lvl; /* logical level of the entry read last (-1: none yet) */
	unsigned int last_idx;
	bool done, table_freed, parent_freed;
};

/* One step of a lockless walk. */
struct ptsim_lockless_read {
	int lvl;	    /* logical level of the entry read */
	uint64_t table_pfn; /* the table it was read from */
	unsigned int idx;
	uint64_t ent;
};

/* rcu_read_lock() for @w (walking @pt at @addr) / rcu_read_unlock(): may end a grace period. */
void ptsim__lockless_begin(struct ptsim_ptalloc *pa, struct ptsim_lockless_walk *w,
			   struct ptsim_pgtables *pt, uint64_t addr);
void ptsim__lockless_end(struct ptsim_ptalloc *pa, struct ptsim_lockless_walk *w);
/* Read the next entry down: 1 descended into a table, 0 the walk is over, -ESTALE freed table. */
int ptsim__lockless_step(struct ptsim_ptalloc *pa, struct ptsim_lockless_walk *w,
			 struct ptsim_lockless_read *out);
/* pmd_same(): 0 if the entry that led to the current table is unchanged, -EAGAIN, -ESTALE. */
int ptsim__lockless_recheck(struct ptsim_ptalloc *pa, struct ptsim_lockless_walk *w);
/* Address space @pt is going away: its walkers are orphaned. */
void ptsim__lockless_orphan(struct ptsim_ptalloc *pa, struct ptsim_pgtables *pt);
/* A table page is being freed (ptsim__table_free()): flag the walkers holding it. */
void ptsim__lockless_table_freed(struct ptsim_ptalloc *pa, uint64_t pfn);
/* tlb_remove_table()'s free: after the grace period (rcu) or now. */
void ptsim__table_free_rcu(struct ptsim_ptalloc *pa, uint64_t pfn);

struct ptsim_pgtables {
	struct ptsim_ptalloc *pa;
	uint64_t root_pfn;
	uint64_t owner_id;
	bool kernel;
	uint64_t pgtables_bytes;	     /* VmPTE */
	uint64_t nr_tables[PTSIM_NR_LEVELS]; /* live tables per logical level */
	/*
	 * The RFC's per-mm view (ptref.c, only while pa->ptref_on and not for
	 * the kernel's tables): linked PTE tables that are empty and that map
	 * the zero page in every entry, and mm->reclaimable_pt_bytes (both
	 * kinds times the table size); the node of the ranking tree.
	 */
	uint64_t ptref_empty, ptref_zero;
	uint64_t reclaimable_pt_bytes;
	struct ptsim_pgtables *rank_left, *rank_right;
	uint64_t rank_key; /* reclaimable_pt_bytes when it was ranked */
	int rank_height;
	bool ranked;
};

void ptsim__ptalloc_init(struct ptsim_ptalloc *pa, struct ptsim_mem *mem, struct ptsim_host *host,
			 const struct ptsim_arch *a);
void ptsim__ptalloc_fini(struct ptsim_ptalloc *pa);

/* A prepared table: frame and storage allocated, not yet linked anywhere. */
struct ptsim_table_prep {
	uint64_t pfn;
	uint64_t *storage;
	bool fresh; /* storage newly allocated (discard returns it to the host) */
};

/* Allocate a table page (frame + zeroed storage); -ENOMEM leaves nothing behind. */
int ptsim__table_alloc(struct ptsim_ptalloc *pa, struct ptsim_table_prep *out);
/*
 * The same with storage left as it is (poison, or anything if fresh): the
 * caller zeroes it, or writes every entry, before it is linked or read.
 */
int ptsim__table_alloc_unzeroed(struct ptsim_ptalloc *pa, struct ptsim_table_prep *out);
/* Undo ptsim__table_alloc() for a table never linked. */
void ptsim__table_discard(struct ptsim_ptalloc *pa, struct ptsim_table_prep *t);
/* Free a table page that is no longer referenced: poison, recycle, free frame. */
void ptsim__table_free(struct ptsim_ptalloc *pa, uint64_t pfn);
/*
 * Give a prepared table its identity - a page-table frame of logical level
 * @lvl owned by @owner - detached (not linked anywhere, not yet counted).
 */
void ptsim__table_install(struct ptsim_ptalloc *pa, struct ptsim_table_prep *t, int lvl,
			  uint64_t owner);
/* Undo ptsim__table_install() of a detached, empty table (then ptsim__table_discard() it). */
void ptsim__table_uninstall(struct ptsim_ptalloc *pa, uint64_t pfn);

/*
 * Whether a frame of [pfn, pfn + nr) is a page table (*table_pfn: the first):
 * a leaf must never map one (ptsim_map(), ptsim_pgslot_set(), the splits).
 */
bool ptsim__frames_hold_table(const struct ptsim_ptalloc *pa, uint64_t pfn, uint64_t nr,
			      uint64_t *table_pfn);

/* The record of a live table page; NULL if @pfn is not one (inline: every walk level). */
static inline struct ptsim_frame *ptsim__table_frame(struct ptsim_ptalloc *pa, uint64_t pfn)
{
	unsigned int slot = (unsigned int)(pfn & (PTSIM_TABLE_CACHE_SLOTS - 1));
	struct ptsim_frame *f = pa->tcache[slot].f;

	if (!f || pa->tcache[slot].pfn != pfn || pa->tcache_gen != pa->mem->nr_depopulated) {
		f = ptsim__pfn_to_frame_noinit(pa->mem, pfn);
		if (!f)
			return NULL;
		if (pa->tcache_gen != pa->mem->nr_depopulated) {
			memset(pa->tcache, 0, sizeof(pa->tcache));
			pa->tcache_gen = pa->mem->nr_depopulated;
		}
		pa->tcache[slot].pfn = pfn;
		pa->tcache[slot].f = f;
	}
	if (ptsim__frame_type(f) != PTSIM_PGTY_table || !f->private_)
		return NULL;
	return f;
}

/* Entries of a table page; NULL if @pfn is not a live table. */
static inline uint64_t *ptsim__table_entries(struct ptsim_ptalloc *pa, uint64_t pfn)
{
	struct ptsim_frame *f = ptsim__table_frame(pa, pfn);

	return f ? (uint64_t *)(uintptr_t)f->private_ : NULL;
}

int ptsim__pgtables_init(struct ptsim_pgtables *pt, struct ptsim_ptalloc *pa, uint64_t owner_id,
			 bool kernel);
/* Free every table (leaves are dropped without touching their frames). */
void ptsim__pgtables_fini(struct ptsim_pgtables *pt);

/* Whether tables at logical level @lvl count in VmPTE. */
bool ptsim__pt_accounted(const struct ptsim_arch *a, int lvl);
/* Count a table of level @lvl linked into (+1) or unhooked from (-1) @pt. */
void ptsim__pt_account(struct ptsim_pgtables *pt, int lvl, int delta);

/*
 * A slot: where the entry of logical level @lvl for some address lives.
 * table_pfn is the table holding it (for a folded level, the table of the
 * real level above), idx its index there.
 */
struct ptsim_slot {
	int lvl;
	uint64_t table_pfn;
	unsigned int idx;
	uint64_t *p;
	uint64_t addr; /* an address the slot translates (for the TLB checker); 0 if unknown */
};

/*
 * Entry writes: every change of an entry goes through these, which keep the
 * table's non-none count and call the allocator's entry_hook (the TLB /
 * break-before-make checker).
 */
void ptsim__set_entry(struct ptsim_pgtables *pt, const struct ptsim_slot *s, uint64_t val);
/* The same write made by the MMU itself (accessed/dirty): charged as hardware work. */
void ptsim__set_entry_hw(struct ptsim_pgtables *pt, const struct ptsim_slot *s, uint64_t val);
uint64_t ptsim__get_and_clear(struct ptsim_pgtables *pt, const struct ptsim_slot *s);

/*
 * Descend from the root towards @va, stopping at logical level @target or at
 * the first slot that is not a table (none, leaf, swap).  Returns the slot
 * reached; s->lvl tells where it stopped.
 */
int ptsim__walk_to(struct ptsim_pgtables *pt, uint64_t va, int target, struct ptsim_slot *s);

/* Link a prepared table below the none slot @s; unlink and free an empty one. */
void ptsim__table_link(struct ptsim_pgtables *pt, const struct ptsim_slot *s,
		       struct ptsim_table_prep *t);
/* Link a detached table page of @pt's owner below the none slot @s (pmd_populate()). */
void ptsim__table_populate(struct ptsim_pgtables *pt, const struct ptsim_slot *s, uint64_t pfn);
void ptsim__table_unlink(struct ptsim_pgtables *pt, const struct ptsim_slot *s);
/*
 * Unhook the table below slot @s without freeing it: clear the entry, fix
 * the accounting, return the table's PFN.  The caller frees it after the TLB
 * flush (ptsim__table_free(), or an mmu_gather's remove_table).
 */
uint64_t ptsim__table_detach(struct ptsim_pgtables *pt, const struct ptsim_slot *s);

/*
 * The tables missing on the way from the root to the slot of logical level
 * @target for @va, allocated before anything is linked (the fault path's
 * __pte_alloc()/pmd_alloc(), ptsim_pgslot_lookup() with ALLOC).
 */
struct ptsim_path_prep {
	struct ptsim_table_prep t[PTSIM_NR_LEVELS];
	unsigned int n, used;
};
/*
 * 0 (tables allocated; none needed if the slot exists), -ENOMEM (nothing
 * left behind), -EEXIST (a leaf or non-present entry above @target covers
 * @va), -EFAULT (corrupt tables).
 */
int ptsim__path_prepare(struct ptsim_pgtables *pt, uint64_t va, int target,
			struct ptsim_path_prep *p);
/* Give back what ptsim__path_prepare() allocated and commit did not use. */
void ptsim__path_discard(struct ptsim_pgtables *pt, struct ptsim_path_prep *p);
/* Link the prepared tables; @s receives the slot of @target (cannot fail). */
void ptsim__path_commit(struct ptsim_pgtables *pt, uint64_t va, int target,
			struct ptsim_path_prep *p, struct ptsim_slot *s);

/*
 * The slot (@lvl, table @table_pfn, @idx) of @pt, checked: 0 and @s filled
 * if the table is a live, linked table of @pt holding level @lvl's entries
 * and @idx is inside it; -ESTALE otherwise.
 */
int ptsim__slot_resolve(struct ptsim_pgtables *pt, int lvl, uint64_t table_pfn, unsigned int idx,
			uint64_t addr, struct ptsim_slot *s);

/*
 * The split primitive (split.c).  One present leaf becomes a table of leaves
 * at the next real level: prepare (allocate the table, or take a detached
 * one such as a THP deposit), fill it while detached (ptsim__split_fill()
 * derives every entry from the leaf; ptsim__split_set() writes one the
 * caller built), then publish it into the leaf's slot - after the caller
 * invalidated the leaf and flushed it, for break-before-make - or abort.
 */
struct ptsim_split {
	struct ptsim_slot slot; /* the leaf's slot */
	uint64_t leaf;		/* its value when prepared */
	int child;		/* level of the new leaves */
	unsigned int nr;	/* entries of the new table */
	uint64_t stride;	/* frames each new leaf maps */
	uint64_t table_pfn;	/* the new table; 0 once published or aborted */
	bool allocated;		/* by prepare (abort gives it back) */
	bool counted;		/* already in VmPTE (a deposit): publishing does not count it */
	struct ptsim_table_prep prep; /* what prepare allocated */
};
/* 0, -EINVAL (not a present leaf, or no leaf level below it), -ENOMEM. */
int ptsim__split_prepare(struct ptsim_pgtables *pt, const struct ptsim_slot *s,
			 struct ptsim_split *sp);
/* The same with the detached, empty table @table_pfn of the right level. */
int ptsim__split_prepare_with(struct ptsim_pgtables *pt, const struct ptsim_slot *s,
			      uint64_t table_pfn, struct ptsim_split *sp);
/* Entry @i derived from the leaf: same attributes, frame + i * stride. */
uint64_t ptsim__split_entry(const struct ptsim_arch *a, const struct ptsim_split *sp,
			    unsigned int i);
void ptsim__split_set(struct ptsim_pgtables *pt, struct ptsim_split *sp, unsigned int i,
		      uint64_t e);
/* Every entry derived from the leaf; @cont: with the contiguous hint (arm64 runs). */
void ptsim__split_fill(struct ptsim_pgtables *pt, struct ptsim_split *sp, bool cont);
/*
 * Every entry i of the still empty table set to @first + i * @step: the fast
 * fill for entries whose encoding is affine in i (consecutive frames, equal
 * bits), which the caller checked (ptsim__split_affine()).  Same accounting
 * as ptsim__split_set() on each entry.
 */
void ptsim__split_fill_affine(struct ptsim_pgtables *pt, struct ptsim_split *sp, uint64_t first,
			      uint64_t step);
/*
 * Whether entry(i) = entry(0) + i * (entry(1) - entry(0)) for every i of the
 * table, given entry(0), entry(1) and entry(nr - 1) of a run of consecutive
 * frames: the frame field is then linear over the run (it does not straddle
 * a split output-address field such as arm64's 52-bit PA bits).  Sets @step.
 */
bool ptsim__split_affine(const struct ptsim_split *sp, uint64_t e0, uint64_t e1, uint64_t elast,
			 uint64_t *step);
/* Link the table at the slot (pmd_populate()), whatever the slot holds now. */
void ptsim__split_publish(struct ptsim_pgtables *pt, struct ptsim_split *sp);
/* Forget an unpublished split: drop its entries and free a table prepare allocated. */
void ptsim__split_abort(struct ptsim_pgtables *pt, struct ptsim_split *sp);
/*
 * Whether the table below the table entry at @s holds leaves that one leaf
 * at s->lvl can map (consecutive aligned frames, equal attributes up to
 * accessed/dirty/contiguous); *@huge receives that leaf.
 */
bool ptsim__collapse_check(struct ptsim_pgtables *pt, const struct ptsim_slot *s, uint64_t *huge);

/*
 * free_pgd_range() (free.c): unhook every empty table inside [addr, end)
 * whose whole span lies in [floor, ceiling) (ceiling 0: the top), children
 * before parents, and hand each to @free_table (table PFN, an address it
 * translated, its level) to be freed after the caller's flush.
 */
typedef void (*ptsim_table_free_fn)(void *arg, uint64_t table_pfn, uint64_t addr, int lvl);
void ptsim__free_pgd_range(struct ptsim_pgtables *pt, uint64_t addr, uint64_t end, uint64_t floor,
			   uint64_t ceiling, ptsim_table_free_fn free_table, void *arg);

/*
 * Deposited PTE tables (deposit.c): a detached, empty PTE table goes onto
 * the list of the table holding the PMD slot @pmd (deposit; the caller
 * counts it in VmPTE, ptsim__pt_account(pt, PTSIM_PTE, +1)), comes back
 * detached (withdraw), or is withdrawn, uncounted and freed at once
 * (zap_deposited_table(): it was never visible to the MMU, so no flush).
 */
void ptsim__pgtable_deposit(struct ptsim_pgtables *pt, const struct ptsim_slot *pmd,
			    uint64_t table_pfn);
uint64_t ptsim__pgtable_withdraw(struct ptsim_pgtables *pt, const struct ptsim_slot *pmd);
void ptsim__zap_deposited_table(struct ptsim_pgtables *pt, const struct ptsim_slot *pmd);
/* Tables deposited on the table page @table_pfn (the walk stops past @bound). */
uint64_t ptsim__pgtable_nr_deposited(struct ptsim_ptalloc *pa, uint64_t table_pfn, uint64_t bound);

/*
 * ptsim_check()'s page-table part (pt_check.c): the tables of the @nr
 * address spaces @pts and every table page of @pa.  0, or -ENOMEM when the
 * checker's scratch memory could not be had.
 */
struct ptsim_reporter;
int ptsim__pgtables_check(struct ptsim_ptalloc *pa, struct ptsim_pgtables *const *pts, size_t nr,
			  struct ptsim_reporter *r);

struct ptsim_reporter;

/*
 * The RFC's pte_refcount (ptref.c), per PTE table page, in the high half of
 * its frame record's flags word (page-table pages carry no PG_* flags; the
 * kernel likewise overlays page-table state on struct page): the mapped
 * count (non-none entries) and the zero count (present entries mapping the
 * shared zero page).  The RFC's layout, bits 0-9 and 10-19, holds up to
 * 1023 entries; granules with larger PTE tables (arm64 16K: 2048, 64K:
 * 8192) use 16-bit fields, bits 0-15 and 16-31 - NOT the RFC's layout.
 */
#define PTSIM_PTREF_SHIFT 32 /* of the word inside frame->flags */

static inline unsigned int ptsim__ptref_bits(const struct ptsim_arch *a)
{
	return a->ptrs[PTSIM_PTE] <= 1023 ? 10 : 16;
}

static inline uint32_t ptsim__ptref_word(const struct ptsim_frame *f)
{
	return (uint32_t)(f->flags >> PTSIM_PTREF_SHIFT);
}

static inline unsigned int ptsim__ptref_mapped(const struct ptsim_arch *a, uint32_t w)
{
	return w & ((1u << ptsim__ptref_bits(a)) - 1);
}

static inline unsigned int ptsim__ptref_zero(const struct ptsim_arch *a, uint32_t w)
{
	return (w >> ptsim__ptref_bits(a)) & ((1u << ptsim__ptref_bits(a)) - 1);
}

/* Whether @e is a PTE mapping the shared zero page (the RFC's "zero PTE entry"). */
bool ptsim__ptref_is_zero_pte(const struct ptsim_ptalloc *pa, uint64_t e);
/* Mapped and zero counts of the entries of PTE table @f, recounted. */
uint32_t ptsim__ptref_count(const struct ptsim_ptalloc *pa, const struct ptsim_frame *f);
/* track_pte_set()/track_pte_clear(): entry @old of PTE table @f becomes @new. */
void ptsim__ptref_track(struct ptsim_pgtables *pt, struct ptsim_frame *f, uint64_t old,
			uint64_t new);
/* Recount PTE table @f after a bulk write (fills, aborts), fixing the mm's view. */
void ptsim__ptref_recount(struct ptsim_pgtables *pt, struct ptsim_frame *f);
/* PTE table @f is linked into (+1) or unhooked from (-1) @pt: its share of the mm's view. */
void ptsim__ptref_link(struct ptsim_pgtables *pt, struct ptsim_frame *f, int delta);
/* Forget @pt's view (knob switched off, address space going): out of the ranking. */
void ptsim__ptref_reset(struct ptsim_pgtables *pt);
/* Knob on: recount every PTE table page of the machine (the per-mm views: rebuild). */
void ptsim__ptref_enable(struct ptsim_ptalloc *pa);
/* Knob on: rebuild @pt's view from its linked PTE tables and rank it. */
void ptsim__ptref_rebuild(struct ptsim_pgtables *pt);
/* The ranking, largest reclaimable bytes first (ties: lower owner id first). */
struct ptsim_pgtables *ptsim__ptref_first(struct ptsim_ptalloc *pa);
struct ptsim_pgtables *ptsim__ptref_next(struct ptsim_ptalloc *pa, struct ptsim_pgtables *pt);
/*
 * ptsim_check()'s PTREF part: every PTE table's word against a recount, each
 * address space's view against its linked tables, and the ranking.
 */
void ptsim__ptref_check(struct ptsim_ptalloc *pa, struct ptsim_pgtables *const *pts, size_t nr,
			struct ptsim_reporter *r);
/* Whether PTE table @f is empty (1), all zero-page (2), or neither (0). */
int ptsim__ptref_kind(const struct ptsim_arch *a, const struct ptsim_frame *f);

/* Whether @va is a valid address for these tables (canonical, in range). */
bool ptsim__va_valid(const struct ptsim_arch *a, uint64_t va);

#endif /* PTSIM_SRC_PGTABLE_INTERNAL_H */
