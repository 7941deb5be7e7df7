/* SPDX-License-Identifier: MIT */
/*
 * src/mem/internal.h - frame records, sections, buddy, folios, hugetlb pools.
 *
 * struct ptsim_frame is the model's struct page: 64 bytes, laid out like the
 * kernel's (include/linux/mm_types.h):
 *
 *   word 0  flags           PG_* bits; a PTE table page keeps the 2022 RFC's
 *                           pte_refcount in bits 32-63 instead (src/pgtable,
 *                           knob pt_reclaim.rfc, experimental)
 *   word 1  head            tail page: (head_pfn << 1) | 1
 *                           otherwise 0
 *   word 2  link            hugetlb pool page on its free list, table page
 *                           holding deposited tables: a list link (pfn + 1)
 *   word 3  mapping
 *   word 4  index
 *   word 5  private         buddy: order of the free block; table page: host
 *                           pointer to its entries (set by src/pgtable)
 *   word 6  mapcount        _mapcount (-1 = unmapped) or, for typed pages,
 *                           page_type: type << 24 in the same 32 bits
 *           refcount        _refcount
 *   word 7  extra           table pages: count of valid entries (src/pgtable);
 *                           free for other uses otherwise
 *
 * Folio fields in the second page (page 1, as the kernel's folio):
 *   page1.flags low byte    folio order (_flags_1)
 *   page1.mapping           low 32: _large_mapcount, high 32: _entire_mapcount
 *                           (both stored as count - 1, i.e. -1 = none)
 *   page1.index             low 32: _nr_pages_mapped, high 32: _pincount
 *   page1.private           nr_pages (_nr_pages)
 * Hugetlb folios keep HPG_* flags in the head's private word.
 *
 * Sections: a section is ABSENT, or PRESENT; a present section's frame
 * array is allocated on first use ("initialised").  A present section whose
 * frames are not yet allocated is entirely free and not on the buddy lists
 * (it is "pristine"); the buddy allocator takes from pristine sections when
 * its free lists run dry.
 *
 * The buddy free lists are kept as a free-block index (buddy.c): for each
 * order, a bitmap of the free blocks' heads, one bit per naturally aligned
 * block of the order, in three tiers so that the lowest free block of an
 * order is found by reading a few words:
 *
 *   section  after its frame array (same allocation): per order, the bit
 *            words (bit i = the block at i << order in the section) and
 *            summary words (bit j = bit word j is non-zero);
 *            mem->bm_word[] / bm_sum[] / bm_nsum[] give the layout
 *   root     after a directory block's section records (same allocation):
 *            per order, PTSIM_ROOT_BM_WORDS words - a summary word, then one
 *            bit per section of the block that has a free block of the order
 *   top      after mem->roots (same allocation): per order, top_words words,
 *            one bit per directory block that has a free block of the order
 *
 * A bit is set exactly when the frame it names is the head of a free block
 * of that order (typed PGTY_buddy, order in private_); every summary bit is
 * set exactly when what it summarises is non-empty.  ptsim__mem_check()
 * verifies all of it.
 *
 * After the free-block words, a section keeps its table-group words: a bit
 * per 64 frames holding a page-table page (ptsim__table_group_update(),
 * verified by the page-table checker).
 */
#ifndef PTSIM_SRC_MEM_INTERNAL_H
#define PTSIM_SRC_MEM_INTERNAL_H

#include "arch/internal.h"
#include "ptsim/mem.h"
#include "util/bug.h"
#include "util/host.h"

struct ptsim_frame {
	uint64_t flags;
	uint64_t head;
	uint64_t link;
	uint64_t mapping;
	uint64_t index;
	uint64_t private_;
	int32_t mapcount;
	int32_t refcount;
	uint64_t extra;
};

_Static_assert(sizeof(struct ptsim_frame) == 64, "frame record is a 64-byte struct page");

enum ptsim_section_state {
	PTSIM_SECTION_ABSENT = 0,
	PTSIM_SECTION_PRESENT = 1,
};

struct ptsim_section {
	struct ptsim_frame *frames; /* NULL while pristine */
	uint64_t nr_free;	    /* free base pages in this section */
	uint8_t state;
	uint8_t journaled;     /* on the populate journal of the current operation */
	uint32_t journal_prev; /* the journal entry before it: section index + 1, 0 = none */
};

#define PTSIM_MAX_ORDER_LIMIT 14 /* largest MAX_PAGE_ORDER of any arch + 1 */

struct ptsim_free_area {
	uint64_t nr_free; /* free blocks of this order: bits set in its index */
};

struct ptsim_hstate {
	uint64_t size;
	unsigned int order;
	uint64_t nr_hugepages, free_hugepages, resv_hugepages;
	uint64_t surplus_hugepages, nr_overcommit_hugepages;
	uint64_t free_list; /* head pfn + 1 of the first free pool page, 0 = empty */
	uint64_t resv_api;  /* reservations made through ptsim_hugetlb_reserve(), held by no mapping
			     */
};

struct ptsim_mem {
	struct ptsim_host *host;
	const struct ptsim_arch *arch;
	unsigned int page_shift;
	unsigned int section_pfn_shift; /* section_bits - page_shift */
	/*
	 * The section directory, sparse as SPARSEMEM_EXTREME's: sections up to
	 * phys_limit, in blocks of 2^PTSIM_SECTION_ROOT_SHIFT allocated only
	 * where a section is or was present, so an empty machine costs a
	 * pointer per block, whatever its phys_limit.
	 */
	uint64_t nr_sections;	      /* sections up to phys_limit */
	uint64_t nr_roots;	      /* blocks of the directory */
	struct ptsim_section **roots; /* NULL where no section is present */
	uint64_t pristine_hint;	      /* no pristine section below this index */
	/*
	 * The populate journal: sections populated since the outermost
	 * ptsim__mem_op_begin(), newest first (index + 1, 0 = empty), so that
	 * a failed operation can make them pristine again.
	 */
	uint64_t journal_top;
	unsigned int op_depth;
	/*
	 * Sections whose frame records were given back (depopulated): a
	 * cache of record pointers (the page-table walk's) is stale when this
	 * moved.  Records never move otherwise.
	 */
	uint64_t nr_depopulated;
	struct ptsim_free_area free_area[PTSIM_MAX_ORDER_LIMIT];
	/*
	 * The free-block index (see the top of this file): the layout of a
	 * section's bitmaps in 64-bit words after its frame array - order o's
	 * bit words at bm_word[o], its bm_nsum[o] summary words at bm_sum[o],
	 * then the table-group words at tbl_word, bm_words in all - and the
	 * top tier, top_words words per order.
	 */
	uint32_t bm_word[PTSIM_MAX_ORDER_LIMIT], bm_sum[PTSIM_MAX_ORDER_LIMIT];
	uint32_t bm_nsum[PTSIM_MAX_ORDER_LIMIT];
	uint32_t tbl_word; /* the table-group words (ptsim__table_group_update()) */
	uint32_t bm_words;
	uint64_t top_words;
	uint64_t *top;
	uint64_t present_pages, free_pages;
	uint64_t nr_sections_present, nr_sections_initialised;
	uint64_t zero_pfn;
	struct ptsim_hstate hstates[PTSIM_MAX_HUGETLB_SIZES];
	unsigned int nr_hstates;
	/*
	 * Called once per block given back - buddy free (ptsim__free_pages()),
	 * gigantic free (ptsim__free_contig()), a hugetlb folio returning to
	 * its pool - before the block is marked free, with the name of the
	 * freeing primitive.  Core points it at the TLB discipline checker.
	 * NULL = none.
	 */
	void (*free_hook)(void *ctx, uint64_t pfn, uint64_t npages, const char *op);
	void *free_hook_ctx;
};

#define PTSIM_SECTION_ROOT_SHIFT 12
/* Words per order of a directory block's index: a summary word, then 4096 bits. */
#define PTSIM_ROOT_BM_WORDS (1 + (1u << (PTSIM_SECTION_ROOT_SHIFT - 6)))

/* Section @s of the directory, or NULL if its block was never needed (absent). */
static inline struct ptsim_section *ptsim__section(const struct ptsim_mem *mem, uint64_t s)
{
	struct ptsim_section *root;

	if (s >= mem->nr_sections)
		return NULL;
	root = mem->roots[s >> PTSIM_SECTION_ROOT_SHIFT];
	return root ? &root[s & ((1ull << PTSIM_SECTION_ROOT_SHIFT) - 1)] : NULL;
}

/* Sections in directory block @r (the last block may be short). */
static inline uint64_t ptsim__root_len(const struct ptsim_mem *mem, uint64_t r)
{
	uint64_t first = r << PTSIM_SECTION_ROOT_SHIFT, n = 1ull << PTSIM_SECTION_ROOT_SHIFT;

	return mem->nr_sections - first < n ? mem->nr_sections - first : n;
}

/* Bytes of directory block @r: its section records, then its tier of the free-block index. */
static inline size_t ptsim__root_bytes(const struct ptsim_mem *mem, uint64_t r)
{
	return (size_t)ptsim__root_len(mem, r) * sizeof(struct ptsim_section) +
	       (size_t)(mem->arch->max_order + 1) * PTSIM_ROOT_BM_WORDS * sizeof(uint64_t);
}

/* Directory block @r's index words of order @o (summary word first), or NULL if absent. */
static inline uint64_t *ptsim__root_bitmap(const struct ptsim_mem *mem, uint64_t r, unsigned int o)
{
	struct ptsim_section *root = mem->roots[r];

	if (!root)
		return NULL;
	return (uint64_t *)(void *)(root + ptsim__root_len(mem, r)) +
	       (size_t)o * PTSIM_ROOT_BM_WORDS;
}

/*
 * The first section index at or after @s whose directory block exists
 * (mem->nr_sections if none): loops over sections skip absent blocks whole.
 */
static inline uint64_t ptsim__section_next_block(const struct ptsim_mem *mem, uint64_t s)
{
	while (s < mem->nr_sections && !mem->roots[s >> PTSIM_SECTION_ROOT_SHIFT])
		s = ((s >> PTSIM_SECTION_ROOT_SHIFT) + 1) << PTSIM_SECTION_ROOT_SHIFT;
	return s < mem->nr_sections ? s : mem->nr_sections;
}

/* Page-type helpers on the mapcount/page_type word. */
static inline enum ptsim_page_type ptsim__frame_type(const struct ptsim_frame *f)
{
	uint32_t v = (uint32_t)f->mapcount;

	return (v >> 24) >= 0xf0 && v != 0xffffffffu ? (enum ptsim_page_type)(v >> 24)
						     : PTSIM_PGTY_NONE;
}

static inline void ptsim__frame_set_type(struct ptsim_frame *f, enum ptsim_page_type t)
{
	f->mapcount = (int32_t)((uint32_t)t << 24);
}

static inline void ptsim__frame_clear_type(struct ptsim_frame *f)
{
	f->mapcount = -1;
}

static inline bool ptsim__frame_tail(const struct ptsim_frame *f)
{
	return (f->head & 1) != 0;
}

/* Lifecycle: sections [phys_base, phys_base + phys_bytes) present, limit for hot-add. */
int ptsim__mem_init(struct ptsim_mem *mem, struct ptsim_host *host, const struct ptsim_arch *a,
		    uint64_t phys_base, uint64_t phys_bytes, uint64_t phys_limit);
void ptsim__mem_fini(struct ptsim_mem *mem);

/*
 * PFN -> frame record in O(1).  NULL if the PFN is not in a present section.
 * For a pristine section this allocates its frame array first (and may
 * return NULL on allocation failure): use ptsim__pfn_to_frame_noinit() in
 * readers that must not allocate (the checker).
 */
struct ptsim_frame *ptsim__pfn_to_frame(struct ptsim_mem *mem, uint64_t pfn);
/* Inline: every level of a walk reads its table's record through it. */
static inline struct ptsim_frame *ptsim__pfn_to_frame_noinit(const struct ptsim_mem *mem,
							     uint64_t pfn)
{
	struct ptsim_section *sec = ptsim__section(mem, pfn >> mem->section_pfn_shift);

	if (!sec || !(sec->state & PTSIM_SECTION_PRESENT) || !sec->frames)
		return NULL;
	return &sec->frames[pfn & ((1ull << mem->section_pfn_shift) - 1)];
}
/*
 * The records of [pfn, pfn + nr) lie in one array per section: the record of
 * @pfn, with *run set to how many of the @nr follow it in the same array
 * (at least 1).  For loops over the pages of a folio (a PMD-order folio
 * never crosses a section; a gigantic one may).  NULL if @pfn has no record.
 */
struct ptsim_frame *ptsim__frame_run(const struct ptsim_mem *mem, uint64_t pfn, uint64_t nr,
				     uint64_t *run);
bool ptsim__pfn_present(const struct ptsim_mem *mem, uint64_t pfn);
/*
 * Call @fn for every frame record that exists (present, initialised
 * sections), in PFN order; pristine sections are wholly free and skipped.
 * For checkers and dumps: O(frames).
 */
void ptsim__for_each_frame(const struct ptsim_mem *mem,
			   void (*fn)(void *arg, uint64_t pfn, const struct ptsim_frame *f),
			   void *arg);

/* Buddy: 2^order frames, refcount 1 on each (split_page()).  -ENOMEM / -EINVAL. */
int ptsim__alloc_pages(struct ptsim_mem *mem, unsigned int order, uint64_t *pfn);
void ptsim__free_pages(struct ptsim_mem *mem, uint64_t pfn, unsigned int order);

/* Folios. */
int ptsim__folio_alloc(struct ptsim_mem *mem, unsigned int order, uint64_t *pfn);
uint64_t ptsim__folio_head(struct ptsim_mem *mem, uint64_t pfn);
unsigned int ptsim__folio_order(struct ptsim_mem *mem, uint64_t head_pfn);
void ptsim__folio_get(struct ptsim_mem *mem, uint64_t pfn);
/* folio_ref_add(): @n more references at once. */
void ptsim__folio_ref_add(struct ptsim_mem *mem, uint64_t pfn, int32_t n);
/* Drops a reference; frees the folio (returns true) when it was the last. */
bool ptsim__folio_put(struct ptsim_mem *mem, uint64_t pfn);
/*
 * Pins (pin_user_pages()): a large folio counts them in page 1's _pincount
 * and takes one reference each; a small one takes GUP_PIN_COUNTING_BIAS
 * references (folio_maybe_dma_pinned()).  Unpin may free the folio.
 */
#define PTSIM_GUP_PIN_COUNTING_BIAS 1024
void ptsim__folio_pin(struct ptsim_mem *mem, uint64_t pfn);
bool ptsim__folio_unpin(struct ptsim_mem *mem, uint64_t pfn);
uint64_t ptsim__folio_pins(struct ptsim_mem *mem, uint64_t pfn);
/*
 * Split the large folio @head into folios of @new_order (< its order):
 * compound metadata rebuilt, folio flags (dirty, swapbacked, ...), mapping
 * and index given to every new folio, each new folio's refcount and
 * mapcounts recomputed from its pages' PTE mappings (the caller split every
 * entire mapping first, and checked that nothing else holds a reference).
 * New folios nothing maps are freed; returns how many.
 */
unsigned int ptsim__folio_split(struct ptsim_mem *mem, uint64_t head, unsigned int new_order);

/* Flags with the kernel's policies. */
void ptsim__page_set_flag(struct ptsim_mem *mem, uint64_t pfn, enum ptsim_pageflag flag);
void ptsim__page_clear_flag(struct ptsim_mem *mem, uint64_t pfn, enum ptsim_pageflag flag);
bool ptsim__page_test_flag(struct ptsim_mem *mem, uint64_t pfn, enum ptsim_pageflag flag);

/* Decoded copy of a frame record (for the public API and the checker). */
int ptsim__frame_info(struct ptsim_mem *mem, uint64_t pfn, struct ptsim_frame_info *out);

/* Memory hotplug. */
int ptsim__memory_add(struct ptsim_mem *mem, uint64_t start, uint64_t size);
int ptsim__memory_remove(struct ptsim_mem *mem, uint64_t start, uint64_t size);

/* hugetlb pools. */
struct ptsim_hstate *ptsim__hstate(struct ptsim_mem *mem, uint64_t size);
int ptsim__hugetlb_set_nr(struct ptsim_mem *mem, struct ptsim_hstate *h, uint64_t nr);
int ptsim__hugetlb_alloc_folio(struct ptsim_mem *mem, struct ptsim_hstate *h, bool reserved,
			       uint64_t *pfn);
int ptsim__hugetlb_free_folio(struct ptsim_mem *mem, uint64_t pfn);

/*
 * Page-table pages by groups of 64 frames, so that a range of frames is
 * searched for one a word of 4096 frames at a time: bit g of an initialised
 * section's table-group words is set exactly when one of its frames
 * [64g, 64g + 64) is typed PGTY_table.  src/pgtable types and untypes table
 * pages and calls ptsim__table_group_update() after each change (the group's
 * 64 records are read when a table page goes); its checker verifies the bits
 * (TABLE_TYPE).
 */
void ptsim__table_group_update(struct ptsim_mem *mem, uint64_t pfn);
/* Whether group bit of @pfn's group is set (false for a frame with no record). */
bool ptsim__table_group_test(const struct ptsim_mem *mem, uint64_t pfn);
/*
 * Whether a frame of [pfn, pfn + nr) is typed PGTY_table (*table_pfn: the
 * first); frames with no record are not.  Reads the records of the groups
 * whose bit is set only.
 */
bool ptsim__frames_find_table(const struct ptsim_mem *mem, uint64_t pfn, uint64_t nr,
			      uint64_t *table_pfn);

/*
 * Consistency check used by ptsim_check(): calls @report for each
 * disagreement found in free lists, counters and compound metadata.
 */
typedef void (*ptsim_mem_report_fn)(void *ctx, int code, uint64_t pfn, uint64_t expected,
				    uint64_t actual, const char *msg);
void ptsim__mem_check(struct ptsim_mem *mem, ptsim_mem_report_fn report, void *ctx);

/*
 * ---- Added by the mem layer: helpers shared by the src/mem files and src/api ----
 *
 * Free-block marking: the head of a free buddy block is typed PGTY_buddy with
 * the order in private_; every OTHER page of a free block carries the private
 * marker PTSIM_FRAME_FREE_TAIL (flags bit 63, never a PG_* bit) with refcount
 * 0, mapcount -1 and head 0.  A page is free iff it is a buddy head or has
 * the marker (or its section is pristine).
 */
#define PTSIM_FRAME_FREE_TAIL (1ull << 63)

/* HPG_* bits in a hugetlb folio head's private word (include/linux/hugetlb.h). */
#define PTSIM_HPG_freed (1ull << 3) /* on its hstate's free list */
/* HPG_restore_reserve: freeing the folio gives its reservation back (resv_hugepages + 1). */
#define PTSIM_HPG_restore_reserve (1ull << 0)

static inline uint64_t ptsim__section_pages(const struct ptsim_mem *mem)
{
	return 1ull << mem->section_pfn_shift;
}

/* Bytes of an initialised section's allocation: its frame array, then its index words. */
static inline size_t ptsim__section_bytes(const struct ptsim_mem *mem)
{
	return (size_t)ptsim__section_pages(mem) * sizeof(struct ptsim_frame) +
	       (size_t)mem->bm_words * sizeof(uint64_t);
}

/* An initialised section's index words (all orders; mem->bm_word[] etc. give the layout). */
static inline uint64_t *ptsim__section_bitmap(const struct ptsim_mem *mem,
					      const struct ptsim_section *sec)
{
	return (uint64_t *)(void *)(sec->frames + ptsim__section_pages(mem));
}

/* True if the (initialised) frame is in the buddy allocator. */
static inline bool ptsim__frame_in_buddy(const struct ptsim_frame *f)
{
	return ptsim__frame_type(f) == PTSIM_PGTY_buddy || (f->flags & PTSIM_FRAME_FREE_TAIL);
}

/* True if @pfn is present and free (pristine sections are wholly free). */
bool ptsim__pfn_free(const struct ptsim_mem *mem, uint64_t pfn);

/* section.c: allocate and initialise a pristine section's frames onto the free lists. */
int ptsim__section_populate(struct ptsim_mem *mem, uint64_t secnr);
/* section.c: give a wholly free section's frames back; it is pristine again. */
void ptsim__section_depopulate(struct ptsim_mem *mem, uint64_t secnr);
/*
 * An operation's bracket (the api layer puts it around a public call that
 * may allocate frames).  Sections populated inside it are journaled; when
 * it ends @failed, those that are wholly free again are depopulated, so a
 * failed call leaves the host memory of frame records as it found it.
 * Brackets nest; the outermost one decides.
 */
static inline void ptsim__mem_op_begin(struct ptsim_mem *mem)
{
	mem->op_depth++;
}
/* Close the journal of the outermost bracket (ptsim__mem_op_end()'s slow part). */
void ptsim__mem_journal_close(struct ptsim_mem *mem, bool failed);
/* Inline: most calls (every TLB-hit access) populate no section and end here. */
static inline void ptsim__mem_op_end(struct ptsim_mem *mem, bool failed)
{
	PTSIM_BUG_ON(!mem->op_depth);
	if (--mem->op_depth || !mem->journal_top)
		return;
	ptsim__mem_journal_close(mem, failed);
}
/* Record section @secnr as populated by the current operation (no-op outside one). */
void ptsim__section_journal(struct ptsim_mem *mem, uint64_t secnr);

/*
 * buddy.c: the free lists (used by section.c for populate / depopulate).
 * Add: the free block head @pfn of @order (already typed PGTY_buddy with the
 * order in private_) joins its order's index; del: it leaves it.  O(1).
 */
void ptsim__buddy_list_add(struct ptsim_mem *mem, uint64_t pfn, unsigned int order);
void ptsim__buddy_list_del(struct ptsim_mem *mem, uint64_t pfn, unsigned int order);
/* buddy.c: whether @pfn (in an initialised section) has its bit in the index of @order. */
bool ptsim__buddy_listed(const struct ptsim_mem *mem, uint64_t pfn, unsigned int order);
/* buddy.c: lay out the index for mem->arch and the section size (ptsim__mem_init()). */
int ptsim__buddy_index_init(struct ptsim_mem *mem);

/*
 * buddy.c: contiguous-range allocator for orders above max_order (gigantic
 * pages).  Pages come back like ptsim__alloc_pages() (refcount 1 on every
 * page, non-compound).  -EINVAL for order <= max_order, -ENOMEM.
 */
int ptsim__alloc_contig(struct ptsim_mem *mem, unsigned int order, uint64_t *pfn);
void ptsim__free_contig(struct ptsim_mem *mem, uint64_t pfn, unsigned int order);

/* hugetlb.c: reservation counters (resv <= free, else -ENOMEM; unreserve > resv: -EINVAL). */
int ptsim__hugetlb_reserve(struct ptsim_mem *mem, struct ptsim_hstate *h, uint64_t nr);
int ptsim__hugetlb_unreserve(struct ptsim_mem *mem, struct ptsim_hstate *h, uint64_t nr);
/* hugetlb.c: a hugetlb folio's refcount reached 0: back to its pool (or buddy if surplus). */
void ptsim__hugetlb_folio_release(struct ptsim_mem *mem, uint64_t head_pfn);

#endif /* PTSIM_SRC_MEM_INTERNAL_H */
