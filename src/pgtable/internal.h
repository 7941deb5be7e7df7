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

#include "mem/internal.h"

/* Poison written over a freed table's entries. */
#define PTSIM_TABLE_POISON 0x6b6b6b6b6b6b6b6bull

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
	void *entry_hook_ctx;
};

struct ptsim_pgtables {
	struct ptsim_ptalloc *pa;
	uint64_t root_pfn;
	uint64_t owner_id;
	bool kernel;
	uint64_t pgtables_bytes;	     /* VmPTE */
	uint64_t nr_tables[PTSIM_NR_LEVELS]; /* live tables per logical level */
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
/* Undo ptsim__table_alloc() for a table never linked. */
void ptsim__table_discard(struct ptsim_ptalloc *pa, struct ptsim_table_prep *t);
/* Free a table page that is no longer referenced: poison, recycle, free frame. */
void ptsim__table_free(struct ptsim_ptalloc *pa, uint64_t pfn);

/* Entries of a table page; NULL if @pfn is not a live table. */
uint64_t *ptsim__table_entries(struct ptsim_ptalloc *pa, uint64_t pfn);
struct ptsim_frame *ptsim__table_frame(struct ptsim_ptalloc *pa, uint64_t pfn);

int ptsim__pgtables_init(struct ptsim_pgtables *pt, struct ptsim_ptalloc *pa, uint64_t owner_id,
			 bool kernel);
/* Free every table (leaves are dropped without touching their frames). */
void ptsim__pgtables_fini(struct ptsim_pgtables *pt);

/* Whether tables at logical level @lvl count in VmPTE. */
bool ptsim__pt_accounted(const struct ptsim_arch *a, int lvl);

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
void ptsim__table_unlink(struct ptsim_pgtables *pt, const struct ptsim_slot *s);
/*
 * Unhook the table below slot @s without freeing it: clear the entry, fix
 * the accounting, return the table's PFN.  The caller frees it after the TLB
 * flush (ptsim__table_free(), or an mmu_gather's remove_table).
 */
uint64_t ptsim__table_detach(struct ptsim_pgtables *pt, const struct ptsim_slot *s);

/* Whether @va is a valid address for these tables (canonical, in range). */
bool ptsim__va_valid(const struct ptsim_arch *a, uint64_t va);

#endif /* PTSIM_SRC_PGTABLE_INTERNAL_H */
