/* SPDX-License-Identifier: MIT */
/*
 * src/tlb/internal.h - per-CPU TLBs and walk caches, shootdowns, the
 * discipline checker and mmu_gather (the model is described in
 * include/ptsim/tlb.h).
 *
 * Storage.  struct ptsim_tlbs belongs to the machine; it holds one struct
 * ptsim_tlb_cpu per CPU, whose caches are allocated on the CPU's first
 * fill (ptsim__alloc_nofail: a TLB is hardware, not a simulated allocation,
 * so filling it is never an allocation point; if the host is really out of
 * memory the fill is dropped, which is always safe - an empty TLB only
 * costs walks).  One allocation per CPU holds the descriptors of its caches,
 * then its entries: the leaf caches of every level that may hold a leaf and
 * the walk caches of PGD..PMD, in the order of struct ptsim_tlbs' part[]
 * (which a scan of the storage follows).  The entries of all CPUs together
 * are capped (PTSIM_TLB_MAX_BYTES, checked by ptsim__tlb_storage_fits()
 * before a geometry is adopted).  A CPU's storage
 * can be released again (ptsim__tlb_cpu_release()): the access path does so
 * when the access that was a CPU's first use fails, so that a failed
 * operation leaves host memory as it found it.
 *
 * An entry is valid iff its stamp is non-zero.  The stamp is the CPU's LRU
 * clock at the last fill or hit; the victim in a full set is the entry with
 * the smallest stamp, an invalid way is used first (lowest way first).
 *
 * Tags.  A leaf entry at level L is tagged (asid, va >> shift[L]) and holds
 * the entry, the first frame the entry maps (the block's first frame for a
 * huge leaf), and whether it is global (matches every ASID on lookups and
 * VA flushes, survives ASID flushes).  A walk-cache entry at level L is
 * tagged (asid, va >> shift[L]) and holds the table entry of level L and the
 * PFN of the table it points to.
 *
 * The address-space side is struct ptsim_tlb_mm, embedded in the api layer's
 * struct ptsim_mm: its ASID (the page tables' owner_id) and its cpumask,
 * sized from the machine's ncpus.
 *
 * For the MMU walk (src/tlb/mmu.c): call ptsim__tlb_mm_activate() when an
 * address space starts running on a CPU, ptsim__tlb_lookup() first, then
 * ptsim__walk_cache_lookup() and resume the walk at the table it returns,
 * and fill on the way down: ptsim__walk_cache_fill() for each table entry at
 * the logical level ptsim__walk_to() reports for its slot (the lowest
 * logical level sharing it, which is where the BBM check looks), and
 * ptsim__tlb_fill() for the leaf with the first frame of the block.
 *
 * Discipline hooks.  Core points struct ptsim_mem's free_hook at
 * ptsim__tlb_free_hook() and struct ptsim_ptalloc's entry_hook at
 * ptsim__tlb_entry_hook(), so every frame freed and every entry written
 * passes the checker without the lower layers knowing about TLBs.  The
 * free check finds the entries that reference a frame through the frame
 * index (refs.c), which every fill and drop keeps: fills and drops go
 * through cache_insert() and ptsim__tlb_entry_drop() only.
 */
#ifndef PTSIM_SRC_TLB_INTERNAL_H
#define PTSIM_SRC_TLB_INTERNAL_H

#include "pgtable/internal.h"
#include "ptsim/tlb.h"

struct ptsim_tlb_entry {
	uint64_t vpn;	/* va >> shift[level] */
	uint64_t asid;	/* address-space id (pgtables owner_id) */
	uint64_t ent;	/* the leaf entry, or the table entry */
	uint64_t pfn;	/* leaf: first frame mapped; walk: the table pointed to */
	uint64_t stamp; /* LRU clock of the last use; 0 = invalid */
	/* The frame index's chain (refs.c): entry numbers + 1, 0 = none. */
	uint32_t ref_next;
	uint32_t ref_prev : 31;
	uint32_t global : 1; /* leaf only: x86 G, arm64 !nG */
};

_Static_assert(sizeof(struct ptsim_tlb_entry) == 48, "a TLB entry takes 48 bytes");

/*
 * The index of a walk cache (walk_index.c): a hash of the tags with chains
 * through the ways, a bitmap of the invalid ways (and one of its non-zero
 * words), and the valid ways in stamp order, oldest first.  Links hold a
 * way + 1, 0 = none.  Its arrays follow the entries in the CPU's storage.
 */
struct ptsim_tlb_windex {
	uint32_t *head; /* 2^bits buckets */
	uint32_t *next; /* per way: the next way of its bucket */
	uint32_t *lru_prev, *lru_next;
	uint32_t lru_first, lru_last;
	uint64_t *free, *free_sum;
	unsigned int bits, nr_free_words, nr_sum_words;
};

/* One set-associative cache: nsets * ways entries, set i at e[i * ways]. */
struct ptsim_tlb_cache {
	struct ptsim_tlb_entry *e;
	unsigned int nsets, ways;
	/*
	 * The set of a VPN is vpn % nsets: vpn & set_mask when nsets is a
	 * power of two (set_pow2; every default geometry), a division only for
	 * a geometry the user chose otherwise.
	 */
	unsigned int set_mask;
	bool set_pow2;
	unsigned int part;     /* its part of the storage layout (struct ptsim_tlbs) */
	unsigned int nr_valid; /* valid entries: flushes pass over an empty cache */
	/*
	 * Walk caches: the index of their one fully associative set (wi.head
	 * NULL for the leaf TLBs, which are looked up by set).
	 */
	struct ptsim_tlb_windex wi;
	/*
	 * Every valid entry's VPN lies in [lo, hi]: widened by each fill, made
	 * exact by each flush that reads the whole cache, so that a flush by
	 * VA passes over a cache whose entries lie elsewhere.
	 */
	uint64_t lo, hi;
};

/* The set of cache @k (nsets > 0) that entries tagged @vpn go to. */
static inline struct ptsim_tlb_entry *ptsim__tlb_set_of(const struct ptsim_tlb_cache *k,
							uint64_t vpn)
{
	uint64_t set = k->set_pow2 ? (vpn & k->set_mask) : vpn % k->nsets;

	return &k->e[set * k->ways];
}

/*
 * One cache's place in a CPU's storage, the same on every CPU: entries
 * [start, start + len), leaf TLB or walk cache of level @lvl, whose entries
 * reference 2^order frames each (walk: the one table, order 0).
 */
struct ptsim_tlb_part {
	uint32_t start, len;
	int lvl;
	bool walk;
	unsigned int order;
	uint64_t nr_refs; /* valid entries of this cache on all CPUs */
};

/*
 * The lookup memo of a CPU: what ptsim__tlb_find_entry() last found for an
 * address space and a base page, direct-mapped by the page's number.  The
 * result of a lookup depends only on the entries' tags and validity, which
 * only fills and drops change (cache_insert(), ptsim__tlb_entry_drop(), the
 * storage's allocation and release): each of them bumps the CPU's gen, and
 * a slot holds only while its gen is the CPU's.  Every address of a base
 * page gives the same lookup (each level's VPN is the page's, shifted), so
 * a slot answers for the whole page.  Stamps and counts are not memoised:
 * a memoised hit stamps and counts as the lookup does.
 */
#define PTSIM_TLB_MEMO_SLOTS 64u

struct ptsim_tlb_memo {
	uint64_t gen;  /* the CPU's gen when recorded; 0: never */
	uint64_t vpn;  /* va >> page_shift */
	uint64_t asid; /* of the lookup */
	struct ptsim_tlb_entry *e;
	uint64_t pa_base;  /* the PA of the entry's first address (what a fill would change) */
	uint64_t off_mask; /* bits of va kept in the PA: the entry's size - 1 */
	int lvl;
	/* Bit @access (PTSIM_ACCESS_* bits) set: the arch's mmu_ok_mask() passes e->ent. */
	unsigned int ok;
	uint64_t pad; /* 64 bytes: a slot's offset is a shift */
};

_Static_assert(sizeof(struct ptsim_tlb_memo) == 64, "a memo slot takes 64 bytes");

struct ptsim_tlb_cpu {
	struct ptsim_tlb_entry *store; /* NULL until the first fill */
	/*
	 * PTSIM_TLB_MEMO_SLOTS slots at the end of the storage (while there is
	 * none, the machine's no_memo, which never holds), and their gen (>= 1).
	 */
	struct ptsim_tlb_memo *memo;
	uint64_t gen;
	size_t nr_store;
	size_t bytes; /* of the storage allocation: caches, entries, walk-cache indexes */
	/*
	 * The caches, PTSIM_NR_LEVELS of each kind (walk: PGD..PMD used): in
	 * the storage's allocation, before the entries; while there is no
	 * storage, the machine's empty ones (struct ptsim_tlbs, no_caches),
	 * so that a CPU that never ran costs this struct alone.
	 */
	struct ptsim_tlb_cache *leaf, *walk;
	uint64_t clock;
	uint64_t nr_valid; /* valid entries, leaf and walk */
	struct ptsim_tlb_stats stats;
};

struct ptsim_tlbs {
	struct ptsim_host *host;
	const struct ptsim_arch *arch;
	struct ptsim_mem *mem;
	struct ptsim_ptalloc *pa;
	unsigned int ncpus;
	struct ptsim_tlb_config cfg;
	struct ptsim_tlb_cpu *cpus;
	uint64_t nr_valid; /* over all CPUs: 0 lets the checker hooks return at once */
	/* The caches of every CPU without storage: empty, never written. */
	struct ptsim_tlb_cache no_caches[2 * PTSIM_NR_LEVELS];
	/* Their lookup memo: every gen 0, never written (slots are recorded on hits only). */
	struct ptsim_tlb_memo no_memo[PTSIM_TLB_MEMO_SLOTS];

	/* Storage layout of every CPU for cfg: leaf caches PGD..PTE, then walk caches. */
	struct ptsim_tlb_part part[2 * PTSIM_NR_LEVELS];
	unsigned int nr_parts;
	/*
	 * The arch's mmu_ok_mask() of a user-mode access, by PTSIM_ACCESS_*
	 * bits: the TLB-hit path's permission check, applied when a memo slot
	 * is recorded (ptsim__tlb_memo_record(), ptsim__mmu_access_hit()).
	 */
	uint64_t ok_set[8], ok_clr[8];
	/* The levels with a leaf TLB, in lookup order (base pages first). */
	int leaf_lvls[PTSIM_NR_LEVELS];
	unsigned int nr_leaf_lvls;
	uint64_t per_cpu; /* entries of one CPU's storage */

	/*
	 * The frame index (refs.c): bucket heads of chains through the valid
	 * entries, keyed by the frames they reference.  2^ref_bits buckets
	 * (ref_heads NULL, ref_bits 0 while no CPU has storage).
	 */
	uint32_t *ref_heads;
	unsigned int ref_bits;
	uint64_t nr_cpus_stored; /* CPUs with storage */

	/* Violations: the first PTSIM_VIOL_MAX_STORED stored, all counted. */
	struct ptsim_violation *viol;
	unsigned int nr_viol_stored, viol_cap;
	uint64_t nr_viol;

	/* Name of the operation in progress (see ptsim__tlb_set_op()), or NULL. */
	const char *op;
	/* mmu_gathers started and not finished. */
	uint64_t nr_gathers_open;
	/*
	 * init_mm's linear map [linear_start, linear_end) (knob kernel_mm; 0, 0
	 * without): it maps every present frame, free ones too, so its TLB
	 * entries are not reported for mapping a free frame - only for mapping
	 * an absent (removed) one.
	 */
	uint64_t linear_start, linear_end;
};

struct ptsim_tlb_mm {
	uint64_t asid;
	unsigned int nwords; /* 64-bit words of cpumask: ncpus rounded up */
	uint64_t *cpumask;   /* CPUs this address space ran on */
};

/* --- the frame index (refs.c) --------------------------------------------- */

/* Entry number of @e (in @cpu's storage): cpu * per_cpu + its offset. */
static inline uint64_t ptsim__tlb_entry_nr(const struct ptsim_tlbs *t, unsigned int cpu,
					   const struct ptsim_tlb_entry *e)
{
	return (uint64_t)cpu * t->per_cpu + (uint64_t)(e - t->cpus[cpu].store);
}

/* Valid entry @e of @cpu, of the cache of part @part, joins / leaves the index. */
void ptsim__tlb_ref_link(struct ptsim_tlbs *t, unsigned int cpu, unsigned int part,
			 struct ptsim_tlb_entry *e);
void ptsim__tlb_ref_unlink(struct ptsim_tlbs *t, unsigned int cpu, unsigned int part,
			   struct ptsim_tlb_entry *e);
/*
 * The set of CPUs with storage changed (nr_cpus_stored is already the new
 * count): size the bucket array for it and rebuild the chains.  -ENOMEM
 * only when no array can be had at all while some CPU has storage.
 */
int ptsim__tlb_refs_resize(struct ptsim_tlbs *t);
/*
 * The entries referencing a frame of [pfn, end), in entry-number order (the
 * order of a scan of every CPU's storage): their numbers in @out, at most
 * @max.  Returns how many, or -1 when the index cannot answer cheaply
 * (more than @max entries, or more buckets to read than entries to scan):
 * the caller scans the caches instead.
 */
int ptsim__tlb_refs_find(const struct ptsim_tlbs *t, uint64_t pfn, uint64_t end, uint64_t *out,
			 int max);
/* Part of the layout that entry number @nr lies in. */
unsigned int ptsim__tlb_part_of(const struct ptsim_tlbs *t, uint64_t nr);

/* --- the walk caches' index (walk_index.c) --------------------------------- */

/* Bytes of the index of a walk cache of @ways entries. */
size_t ptsim__windex_bytes(unsigned int ways);
/* Set up @k's index in @mem (ptsim__windex_bytes(k->ways)): every way invalid. */
void ptsim__windex_init(struct ptsim_tlb_cache *k, void *mem);
/* The valid entry tagged (@asid, @vpn), or NULL. */
struct ptsim_tlb_entry *ptsim__windex_find(const struct ptsim_tlb_cache *k, uint64_t asid,
					   uint64_t vpn);
/*
 * Where a fill of (@asid, @vpn) goes: the entry of that tag, else the first
 * invalid way, else the valid entry with the smallest stamp.
 */
struct ptsim_tlb_entry *ptsim__windex_victim(const struct ptsim_tlb_cache *k, uint64_t asid,
					     uint64_t vpn);
/* @e, valid with its new tag and stamp (the newest), joins the index. */
void ptsim__windex_add(struct ptsim_tlb_cache *k, struct ptsim_tlb_entry *e);
/* @e, still holding its tag, leaves the index (it becomes invalid, or is refilled). */
void ptsim__windex_del(struct ptsim_tlb_cache *k, const struct ptsim_tlb_entry *e);
/* @e was given the newest stamp (a hit). */
void ptsim__windex_touch(struct ptsim_tlb_cache *k, const struct ptsim_tlb_entry *e);
/*
 * The first valid way at or after @from, or k->ways: the valid entries in
 * storage order, a word of the bitmap at a time (flushes that drop every
 * entry of an ASID read only those).
 */
unsigned int ptsim__windex_next_valid(const struct ptsim_tlb_cache *k, unsigned int from);
/* For tests: the index describes the entries exactly. */
bool ptsim__windex_consistent(const struct ptsim_tlb_cache *k);

/* --- lifecycle (tlb.c) --------------------------------------------------- */

void ptsim__tlb_config_default(struct ptsim_tlb_config *cfg);
/* -EINVAL for a geometry ptsim_tlb_configure() refuses (the cap aside). */
int ptsim__tlb_config_check(const struct ptsim_tlb_config *cfg);
/* Bytes of one CPU's storage for @cfg on @a (the leaf levels @a has, the walk caches). */
uint64_t ptsim__tlb_cpu_bytes(const struct ptsim_arch *a, const struct ptsim_tlb_config *cfg);
/* Whether @ncpus CPUs' storage for @cfg stays within PTSIM_TLB_MAX_BYTES. */
bool ptsim__tlb_storage_fits(const struct ptsim_arch *a, const struct ptsim_tlb_config *cfg,
			     unsigned int ncpus);

/* -EINVAL (ncpus 0 or > PTSIM_TLB_MAX_CPUS), -ENOMEM.  Default geometry. */
int ptsim__tlbs_init(struct ptsim_tlbs *t, struct ptsim_host *host, const struct ptsim_arch *a,
		     struct ptsim_mem *mem, struct ptsim_ptalloc *pa, unsigned int ncpus);
void ptsim__tlbs_fini(struct ptsim_tlbs *t);
/* Empty every cache and adopt @cfg (already checked). */
void ptsim__tlbs_configure(struct ptsim_tlbs *t, const struct ptsim_tlb_config *cfg);

/* An address space's side: -ENOMEM for the cpumask. */
int ptsim__tlb_mm_init(struct ptsim_tlbs *t, struct ptsim_tlb_mm *tm, uint64_t asid);
/*
 * Drop every entry of the ASID on every CPU, global ones included, without
 * counting a flush (the ASID dies with the address space), and free the mask.
 */
void ptsim__tlb_mm_fini(struct ptsim_tlbs *t, struct ptsim_tlb_mm *tm);
/*
 * switch_mm(): the address space runs on @cpu (< ncpus).  The bit is
 * written only when it is not set yet: every access activates its CPU, and
 * a store to a word that already holds the bit would dirty it for nothing.
 */
static inline void ptsim__tlb_mm_activate(struct ptsim_tlb_mm *tm, unsigned int cpu)
{
	uint64_t bit = 1ull << (cpu % 64);

	if (!(tm->cpumask[cpu / 64] & bit))
		tm->cpumask[cpu / 64] |= bit;
}

/* Drop valid entry @e of @cpu's cache @k (no flush counted). */
void ptsim__tlb_entry_drop(struct ptsim_tlbs *t, unsigned int cpu, struct ptsim_tlb_cache *k,
			   struct ptsim_tlb_entry *e);

/* Whether @cpu's storage is allocated (false for a CPU out of range). */
static inline bool ptsim__tlb_cpu_allocated(const struct ptsim_tlbs *t, unsigned int cpu)
{
	return cpu < t->ncpus && t->cpus[cpu].store;
}
/*
 * Drop every entry of @cpu and free its storage (allocated again on its next
 * fill).  Always safe: an empty TLB only costs walks.  No flush is counted.
 */
void ptsim__tlb_cpu_release(struct ptsim_tlbs *t, unsigned int cpu);

/* --- what the MMU walk uses (tlb.c) -------------------------------------- */

struct ptsim_tlb_hit {
	int lvl;	   /* level (page size) of the entry */
	uint64_t ent;	   /* the cached leaf entry */
	uint64_t pfn;	   /* first frame of the entry */
	uint64_t page_pfn; /* frame of the base page holding va */
	uint64_t base;	   /* first address the entry translates */
	bool global;
};

/*
 * The entry a lookup of (@asid, @va) in @c's leaf TLBs finds, and its level
 * in *@lvl, or NULL; without side effects.  @c is a CPU of @t (unchecked).
 * The levels in t->leaf_lvls order, each set by way: the first valid entry
 * of the tag, or a global one of the VPN.
 */
static inline struct ptsim_tlb_entry *ptsim__tlb_find_entry(const struct ptsim_tlbs *t,
							    const struct ptsim_tlb_cpu *c,
							    uint64_t asid, uint64_t va, int *lvl)
{
	/* Only the levels with a TLB: the others' caches are empty on every CPU. */
	for (unsigned int i = 0; i < t->nr_leaf_lvls; i++) {
		int l = t->leaf_lvls[i];
		const struct ptsim_tlb_cache *k = &c->leaf[l];
		uint64_t vpn = va >> t->arch->shift[l];
		struct ptsim_tlb_entry *set;

		if (!k->nsets)
			continue;
		set = ptsim__tlb_set_of(k, vpn);
		for (unsigned int w = 0; w < k->ways; w++) {
			struct ptsim_tlb_entry *e = &set[w];

			/* The VPN first: it tells the ways apart. */
			if (e->vpn == vpn && e->stamp && (e->asid == asid || e->global)) {
				*lvl = l;
				return e;
			}
		}
	}
	return NULL;
}

/*
 * A lookup on @c (with storage) for (@asid, @va), @va in a translated
 * range, found @e of level @lvl: record it in the memo.
 */
static inline void ptsim__tlb_memo_record(const struct ptsim_tlbs *t, struct ptsim_tlb_cpu *c,
					  uint64_t asid, uint64_t va, struct ptsim_tlb_entry *e,
					  int lvl)
{
	const struct ptsim_arch *a = t->arch;
	uint64_t vpn = va >> a->page_shift;
	unsigned int ok = 0;

	for (unsigned int acc = 1; acc < 8; acc++)
		if ((e->ent & t->ok_set[acc]) == t->ok_set[acc] && !(e->ent & t->ok_clr[acc]))
			ok |= 1u << acc;

	c->memo[vpn % PTSIM_TLB_MEMO_SLOTS] =
		(struct ptsim_tlb_memo){.gen = c->gen,
					.vpn = vpn,
					.asid = asid,
					.e = e,
					.pa_base = e->pfn << a->page_shift,
					.off_mask = (1ull << a->shift[lvl]) - 1,
					.lvl = lvl,
					.ok = ok};
}

/* A lookup found @e of level @lvl on @c: stamp it and count the hit. */
static inline void ptsim__tlb_hit(struct ptsim_tlb_cpu *c, struct ptsim_tlb_entry *e, int lvl)
{
	e->stamp = ++c->clock;
	c->stats.hits[lvl]++;
}

/*
 * The lookup itself, inline for the MMU's TLB-hit path: @c is a CPU of @t
 * (unchecked).  Returns the entry hit and its level in *@lvl, or NULL.
 * Counts and stamps as ptsim__tlb_lookup() says.
 */
static inline struct ptsim_tlb_entry *ptsim__tlb_lookup_entry(const struct ptsim_tlbs *t,
							      struct ptsim_tlb_cpu *c,
							      uint64_t asid, uint64_t va, int *lvl)
{
	struct ptsim_tlb_entry *e = ptsim__tlb_find_entry(t, c, asid, va, lvl);

	if (e)
		ptsim__tlb_hit(c, e, *lvl);
	else
		c->stats.lookup_misses++;
	return e;
}

/*
 * Look @va up in @cpu's leaf TLBs (every page size) for @asid.  A hit
 * refreshes the entry's LRU stamp and counts hits[lvl]; a miss counts
 * lookup_misses.
 */
bool ptsim__tlb_lookup(struct ptsim_tlbs *t, unsigned int cpu, uint64_t asid, uint64_t va,
		       struct ptsim_tlb_hit *out);
/*
 * Cache a leaf entry of level @lvl translating @va: @pfn is the first frame
 * the entry maps.  Replaces an entry with the same tag in place, else the LRU
 * way.  Counts misses[lvl].  Returns false (nothing cached) when @lvl has no
 * TLB or storage could not be had.
 */
bool ptsim__tlb_fill(struct ptsim_tlbs *t, unsigned int cpu, uint64_t asid, int lvl, uint64_t va,
		     uint64_t ent, uint64_t pfn, bool global);

struct ptsim_walk_hit {
	int lvl;	    /* level of the cached table entry */
	uint64_t ent;	    /* the table entry */
	uint64_t table_pfn; /* the table it points to: resume the walk there */
};

/*
 * The deepest walk-cache entry of @cpu for (@asid, @va): PMD first, then up
 * to PGD (as x86's PDE, PDPTE, PML4E caches are consulted).  Counts
 * walk_hits[lvl] or walk_misses.
 */
bool ptsim__walk_cache_lookup(struct ptsim_tlbs *t, unsigned int cpu, uint64_t asid, uint64_t va,
			      struct ptsim_walk_hit *out);
/* Cache the table entry of level @lvl (PGD..PMD) on the walk to @va. */
bool ptsim__walk_cache_fill(struct ptsim_tlbs *t, unsigned int cpu, uint64_t asid, int lvl,
			    uint64_t va, uint64_t ent, uint64_t table_pfn);

/* Inspection without side effects (no stats, no LRU update): for tests and dumps. */
bool ptsim__tlb_probe(const struct ptsim_tlbs *t, unsigned int cpu, uint64_t asid, int lvl,
		      uint64_t va, struct ptsim_tlb_hit *out);
bool ptsim__walk_cache_probe(const struct ptsim_tlbs *t, unsigned int cpu, uint64_t asid, int lvl,
			     uint64_t va, struct ptsim_walk_hit *out);
/* Valid entries of one CPU (leaf and walk). */
uint64_t ptsim__tlb_nr_valid(const struct ptsim_tlbs *t, unsigned int cpu);
/* Calls @fn for every valid entry of @cpu, in storage order (walk: is_walk true). */
void ptsim__tlb_for_each(const struct ptsim_tlbs *t, unsigned int cpu,
			 void (*fn)(void *ctx, bool is_walk, int lvl,
				    const struct ptsim_tlb_entry *e),
			 void *ctx);

/*
 * One valid entry as ptsim__tlb_visit() shows it: which cache (leaf TLB of
 * level @lvl, or walk cache of level @lvl), where in it, and the entry.
 */
struct ptsim_tlb_pos {
	bool walk;
	int lvl;
	unsigned int set, way;
	const struct ptsim_tlb_entry *e;
};

/*
 * Calls @fn for every valid entry of @cpu in lookup order (leaf TLBs PTE,
 * PMD, PUD, ...; then walk caches PMD up to PGD; each by set, then way),
 * without side effects.  Stops at the first non-zero return of @fn and
 * returns it; 0 otherwise (and for a CPU out of range).
 */
int ptsim__tlb_visit(const struct ptsim_tlbs *t, unsigned int cpu,
		     int (*fn)(void *ctx, const struct ptsim_tlb_pos *p), void *ctx);

/* --- flushes (tlb.c); the shootdown rules are in include/ptsim/tlb.h ------ */

void ptsim__flush_tlb_page(struct ptsim_tlbs *t, const struct ptsim_tlb_mm *tm, uint64_t addr);
/*
 * [start, last] inclusive, invalidated at 1 << @stride_shift steps.
 * @last_level: leaf entries only on arm64 (TLBI VALE1); false also drops the
 * walk-cache entries overlapping the range.
 */
void ptsim__flush_tlb_range(struct ptsim_tlbs *t, const struct ptsim_tlb_mm *tm, uint64_t start,
			    uint64_t last, unsigned int stride_shift, bool last_level);
void ptsim__flush_tlb_mm(struct ptsim_tlbs *t, const struct ptsim_tlb_mm *tm);
void ptsim__flush_tlb_all(struct ptsim_tlbs *t);
void ptsim__flush_tlb_kernel_range(struct ptsim_tlbs *t, uint64_t start, uint64_t last);
void ptsim__flush_tlb_pgtable(struct ptsim_tlbs *t, const struct ptsim_tlb_mm *tm, uint64_t start,
			      uint64_t last);
/* __flush_tlb_kernel_pgtable(): @addr's leaf and walk-cache entries, every ASID, every CPU. */
void ptsim__flush_tlb_kernel_pgtable(struct ptsim_tlbs *t, uint64_t addr);

/* --- the discipline checker (discipline.c) -------------------------------- */

/*
 * Name the operation in progress ("tlb_flush_mmu", "munmap") for the
 * violations it may cause; returns the previous name so that callers can
 * restore it.  NULL clears.  An outer name is kept: while one is set, a
 * nested call changes nothing (the outermost operation is what a user asked
 * for).
 */
const char *ptsim__tlb_set_op(struct ptsim_tlbs *t, const char *op);
void ptsim__tlb_restore_op(struct ptsim_tlbs *t, const char *prev);

/*
 * Frames [pfn, pfn + npages) are being freed by @site: record a
 * FREE_LIVE_TLB violation for every leaf entry, on any CPU, that maps one of
 * them, and a FREE_LIVE_WALK violation for every walk-cache entry that
 * points to one, CPU by CPU in storage order.  Found through the frame
 * index: O(1) per frame, plus the entries found; a range larger than the
 * caches of all CPUs is checked by reading every entry instead.
 */
void ptsim__tlb_frame_freed(struct ptsim_tlbs *t, uint64_t pfn, uint64_t npages, const char *site);

/* Hook adapters with the signatures struct ptsim_mem / ptsim_ptalloc expect. */
void ptsim__tlb_free_hook(void *ctx, uint64_t pfn, uint64_t npages, const char *site);
void ptsim__tlb_entry_hook(void *ctx, uint64_t asid, int lvl, uint64_t old, uint64_t new,
			   uint64_t addr);

void ptsim__tlb_violations_clear(struct ptsim_tlbs *t);
/* Record a violation found outside the TLBs (a lockless walker's, no CPU). */
void ptsim__tlb_record_violation(struct ptsim_tlbs *t, int kind, int lvl, uint64_t pfn,
				 uint64_t addr, uint64_t asid, const char *site);

/*
 * For ptsim_check(): report every stored violation, a summary of those not
 * stored, gathers left open, and every cached entry that maps a free frame
 * (leaf) or points to a frame that is not a table (walk).
 */
typedef void (*ptsim_tlb_report_fn)(void *ctx, int level, uint64_t addr, uint64_t pfn,
				    uint64_t expected, uint64_t actual, const char *msg);
void ptsim__tlb_check(struct ptsim_tlbs *t, ptsim_tlb_report_fn report, void *ctx);

/* --- mmu_gather (mmu_gather.c) -------------------------------------------- */

/* @mm is the api layer's handle, stored and never dereferenced here. */
void ptsim__tlb_gather_init(struct ptsim_tlbs *t, struct ptsim_mmu_gather *tlb, struct ptsim_mm *mm,
			    bool fullmm);
/*
 * tlb_remove_tlb_entry(): an entry at @lvl covering @addr was cleared that maps
 * no page to release (the zero page, a special entry); the flush must still
 * cover it.
 */
void ptsim__tlb_remove_tlb_entry(const struct ptsim_arch *a, struct ptsim_mmu_gather *tlb, int lvl,
				 uint64_t addr);
int ptsim__tlb_remove_page(struct ptsim_tlbs *t, const struct ptsim_tlb_mm *tm,
			   struct ptsim_mmu_gather *tlb, uint64_t pfn, uint64_t addr, int lvl);
int ptsim__tlb_remove_table(struct ptsim_tlbs *t, const struct ptsim_tlb_mm *tm,
			    struct ptsim_mmu_gather *tlb, uint64_t table_pfn, uint64_t addr,
			    int lvl);
/* tlb_flush_mmu_tlbonly(): invalidate the pending range, if anything was cleared. */
void ptsim__tlb_flush_mmu_tlbonly(struct ptsim_tlbs *t, const struct ptsim_tlb_mm *tm,
				  struct ptsim_mmu_gather *tlb);
/* tlb_flush_mmu(): the above, then free the gathered tables and pages. */
void ptsim__tlb_flush_mmu(struct ptsim_tlbs *t, const struct ptsim_tlb_mm *tm,
			  struct ptsim_mmu_gather *tlb);
void ptsim__tlb_finish_mmu(struct ptsim_tlbs *t, const struct ptsim_tlb_mm *tm,
			   struct ptsim_mmu_gather *tlb);

#endif /* PTSIM_SRC_TLB_INTERNAL_H */
