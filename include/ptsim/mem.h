/* SPDX-License-Identifier: MIT */
/*
 * mem.h - simulated physical memory: sections, frames, buddy, folios,
 * the zero page and hugetlb pools.
 *
 * Physical memory is a set of sections (SECTION_SIZE_BITS of the arch),
 * added and removed at run time.  Every base page has a frame record, the
 * model's struct page, reachable from its PFN in O(1); frame records of a
 * section are allocated on the section's first use, so a machine may have a
 * terabyte of simulated memory while host memory grows with what is used.
 *
 * Frames come from a buddy allocator (orders 0..MAX_PAGE_ORDER) or, for
 * gigantic hugetlb pages, from a contiguous-range allocator.  Compound pages
 * (folios) follow the kernel's layout and flag policies: PG_head on the head,
 * tails point to their head, the order and large mapcounts live in the second
 * page, PG_dirty is per folio, PG_hwpoison per page.
 *
 * Invariants (checked by ptsim_check()):
 *  - every present frame is either free (in exactly one buddy block, or in a
 *    section not yet initialised) or in use, never both;
 *  - the free counters equal the sum of free blocks;
 *  - a tail's head is the folio head covering it, and the head's order
 *    matches the folio's extent.
 */
#ifndef PTSIM_MEM_H
#define PTSIM_MEM_H

#include "ptsim/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Page flag bit numbers (current mainline numbering, include/linux/page-flags.h). */
enum ptsim_pageflag {
	PTSIM_PG_locked = 0,
	PTSIM_PG_writeback = 1,
	PTSIM_PG_referenced = 2,
	PTSIM_PG_uptodate = 3,
	PTSIM_PG_dirty = 4,
	PTSIM_PG_lru = 5,
	PTSIM_PG_head = 6,
	PTSIM_PG_waiters = 7,
	PTSIM_PG_active = 8,
	PTSIM_PG_workingset = 9,
	PTSIM_PG_owner_priv_1 = 10,
	PTSIM_PG_owner_2 = 11, /* PG_anon_exclusive */
	PTSIM_PG_arch_1 = 12,
	PTSIM_PG_reserved = 13,
	PTSIM_PG_private = 14,
	PTSIM_PG_private_2 = 15,
	PTSIM_PG_reclaim = 16,
	PTSIM_PG_swapbacked = 17,
	PTSIM_PG_unevictable = 18,
	PTSIM_PG_dropbehind = 19,
	PTSIM_PG_mlocked = 20,
	PTSIM_PG_hwpoison = 21,
	PTSIM_PG_anon_exclusive = PTSIM_PG_owner_2,
};

/* page_type values (top byte of the _mapcount/page_type word). */
enum ptsim_page_type {
	PTSIM_PGTY_NONE = 0,
	PTSIM_PGTY_buddy = 0xf0,
	PTSIM_PGTY_offline = 0xf1,
	PTSIM_PGTY_table = 0xf2,
	PTSIM_PGTY_guard = 0xf3,
	PTSIM_PGTY_hugetlb = 0xf4,
	PTSIM_PGTY_slab = 0xf5,
};

/* A copy of one frame record, decoded. */
struct ptsim_frame_info {
	uint64_t pfn;
	uint64_t flags;	      /* PG_* bits of this page's own record */
	uint64_t folio_flags; /* PG_* bits of its folio head */
	enum ptsim_page_type type;
	bool free; /* in the buddy allocator */
	bool head, tail;
	uint64_t head_pfn;  /* == pfn when not a tail */
	unsigned int order; /* folio order (0 for small) */
	int refcount;	    /* the folio's reference count */
	/* page_mapcount(): own _mapcount + 1 (0 for typed pages) + the folio's entire mappings */
	int mapcount;
	int folio_mapcount;  /* folio_mapcount */
	int entire_mapcount; /* PMD/PUD/hugetlb mappings of the whole folio */
	/* large folios: pages with a PTE mapping, + ENTIRELY_MAPPED 0x800000 if entire-mapped */
	int nr_pages_mapped;
	uint64_t mapping, index, private_;
};

/**
 * ptsim_frame_get() - read a frame record.
 * @m: machine.  @pfn: page frame number.  @out: receives the decoded copy.
 *
 * Return: 0, or -ENXIO if @pfn is not in a present section.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_frame_get(struct ptsim_machine *m, uint64_t pfn,
					       struct ptsim_frame_info *out);

/**
 * ptsim_alloc_pages() - allocate 2^order contiguous frames from the buddy.
 * @m: machine.  @order: 0..MAX_PAGE_ORDER.  @pfn: receives the first PFN.
 *
 * Every frame gets refcount 1 (split_page() semantics), no compound metadata.
 * Return: 0, -EINVAL (order too large), -ENOMEM.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_alloc_pages(struct ptsim_machine *m, unsigned int order,
						 uint64_t *pfn);
/**
 * ptsim_free_pages() - give back a block from ptsim_alloc_pages().
 * @m: machine.  @pfn: the block's first frame, aligned to 2^@order.
 * @order: the order it was allocated with.
 *
 * Every frame of the block must still be as ptsim_alloc_pages() left it:
 * in use, refcount 1, no compound or type metadata.
 *
 * Return: 0; -EINVAL (order above MAX_PAGE_ORDER, misaligned, or not an
 * allocated block of that order); -ENXIO (a frame not in present memory);
 * -EBUSY (a page a VMA maps, a page cache or an address space holds, a
 * page table, the zero page).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_free_pages(struct ptsim_machine *m, uint64_t pfn,
						unsigned int order);

/**
 * ptsim_folio_alloc() - allocate a folio (compound page when order > 0).
 * @m: machine.  @order: any order; above MAX_PAGE_ORDER it comes from the
 *     contiguous-range allocator (gigantic pages).  @pfn: receives the head.
 *
 * Return: 0, -EINVAL, -ENOMEM.  The folio has refcount 1.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_folio_alloc(struct ptsim_machine *m, unsigned int order,
						 uint64_t *pfn);
/**
 * ptsim_folio_get(), ptsim_folio_put() - take or drop a folio reference
 * (folio_get(), folio_put()).
 * @m: machine.  @pfn: any page of the folio.
 *
 * The last put frees the folio.  A page table's or the zero page's last
 * reference belongs to its owner and is refused.
 *
 * Return: 0; -ENXIO (@pfn not in present memory); -EINVAL (a free frame, a
 * folio without references, a refcount at its maximum, or a last put the
 * folio's owner must make); -EBUSY (a page table, or a put that would take
 * a reference the folio's mappings, page cache or pins hold: release those
 * by unmapping).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_folio_get(struct ptsim_machine *m, uint64_t pfn);
PTSIM_API PTSIM_MUST_CHECK int ptsim_folio_put(struct ptsim_machine *m, uint64_t pfn);

/**
 * ptsim_page_set_flag(), ptsim_page_clear_flag() - set or clear a PG_* flag
 * with the kernel's policies: per folio (PG_dirty and most others, kept on
 * the head) or per page (PG_hwpoison, PG_anon_exclusive, PG_reserved).
 * @m: machine.  @pfn: an in-use page.  @flag: PTSIM_PG_*, not PTSIM_PG_head.
 *
 * Return: 0; -ENXIO (@pfn not in present memory); -EINVAL (an unknown flag,
 * PG_head, which only the allocator sets, or a free frame).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_page_set_flag(struct ptsim_machine *m, uint64_t pfn,
						   enum ptsim_pageflag flag);
PTSIM_API PTSIM_MUST_CHECK int ptsim_page_clear_flag(struct ptsim_machine *m, uint64_t pfn,
						     enum ptsim_pageflag flag);
/**
 * ptsim_page_test_flag() - test a PG_* flag under the same policy.
 * @m: machine.  @pfn: a page.  @flag: PTSIM_PG_*.
 * Return: 1 if set, 0 if clear (always 0 for a free frame); -ENXIO (@pfn not
 * in present memory); -EINVAL (an unknown flag).
 */
PTSIM_API int ptsim_page_test_flag(struct ptsim_machine *m, uint64_t pfn, enum ptsim_pageflag flag);

/**
 * ptsim_zero_pfn() - the PFN of the shared zero page (ZERO_PAGE(0)).
 * @m: machine (not NULL).
 * Return: the PFN, fixed for the machine's lifetime.
 */
PTSIM_API uint64_t ptsim_zero_pfn(const struct ptsim_machine *m);

/* Memory totals in base pages. */
struct ptsim_mem_stats {
	uint64_t present_pages;
	uint64_t free_pages;
	uint64_t nr_sections_present;
	uint64_t nr_sections_initialised; /* frame records allocated */
	uint64_t section_bytes;
};

/**
 * ptsim_mem_stats() - memory totals of a machine.
 * @m: machine (not NULL).
 * @out: receives the pages present and free, the sections present and those
 *       whose frame records are allocated, and the section size in bytes.
 */
PTSIM_API void ptsim_mem_stats(const struct ptsim_machine *m, struct ptsim_mem_stats *out);

/**
 * ptsim_memory_add() - hot-add sections.
 * @m: machine.  @start, @size: section-aligned physical range below phys_limit.
 * Return: 0, -EINVAL (misaligned, out of range), -EEXIST (already present), -ENOMEM.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_memory_add(struct ptsim_machine *m, uint64_t start,
						uint64_t size);
/**
 * ptsim_memory_remove() - remove sections whose frames are all free.
 * Return: 0, -EINVAL, -ENOENT (not present), -EBUSY (some frame in use).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_memory_remove(struct ptsim_machine *m, uint64_t start,
						   uint64_t size);
/**
 * ptsim_pfn_valid() - pfn_valid(): whether a PFN lies in a present section.
 * @m: machine (not NULL).  @pfn: any value.
 * Return: true if the frame exists (free or in use).
 */
PTSIM_API bool ptsim_pfn_valid(const struct ptsim_machine *m, uint64_t pfn);

/* hugetlb pools, one per supported size (an "hstate"). */
struct ptsim_hstate_info {
	uint64_t size;
	unsigned int order;
	uint64_t nr_hugepages; /* persistent pages in the pool */
	uint64_t free_hugepages;
	uint64_t resv_hugepages;
	uint64_t surplus_hugepages;
	uint64_t nr_overcommit_hugepages;
};
/**
 * ptsim_hugetlb_info() - the state of the pool of one hugetlb size.
 * @m: machine.  @size: a hugetlb size of the configuration
 *     (ptsim_arch_hugetlb_sizes()).  @out: receives the pool's counters.
 * Return: 0, or -EINVAL (no such hugetlb size, NULL @out).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_hugetlb_info(struct ptsim_machine *m, uint64_t size,
						  struct ptsim_hstate_info *out);
/**
 * ptsim_hugetlb_set_nr() - grow or shrink the persistent pool to @nr pages
 * (writing nr_hugepages).
 * @m: machine.  @size: a hugetlb size.  @nr: the number of pages wanted.
 *
 * Shrinking frees only free, unreserved pages (best effort).  Growing
 * allocates pages from the buddy or, for gigantic sizes, the
 * contiguous-range allocator, and keeps what it could add if memory runs
 * out first.  Both are exceptions to all-or-nothing, as the kernel's
 * nr_hugepages behaves.
 *
 * Return: 0; -EINVAL (no such hugetlb size); -ENOMEM (the pool grew by less).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_hugetlb_set_nr(struct ptsim_machine *m, uint64_t size,
						    uint64_t nr);
/**
 * ptsim_hugetlb_set_overcommit() - set nr_overcommit_hugepages.
 * @m: machine.  @size: a hugetlb size.
 * @nr: how many surplus pages ptsim_hugetlb_alloc_folio() may allocate
 *      beyond the persistent pool.
 * Return: 0, or -EINVAL (no such hugetlb size).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_hugetlb_set_overcommit(struct ptsim_machine *m, uint64_t size,
							    uint64_t nr);
/**
 * ptsim_hugetlb_reserve(), ptsim_hugetlb_unreserve() - reserve free pages
 * for a future mapping, or release reservations (resv_hugepages).
 * @m: machine.  @size: a hugetlb size.  @nr: the number of pages.
 *
 * Reserving more than the free, unreserved pages allocates the missing
 * ones as surplus pages onto the free list, if nr_overcommit_hugepages
 * allows (gather_surplus_pages()); unreserving frees as many free surplus
 * pages as it left unused (return_unused_surplus_pages()).
 *
 * Return: 0; -EINVAL (no such hugetlb size, or unreserving more than is
 * reserved); -ENOMEM (not enough free unreserved pages, and the overcommit
 * limit or memory does not allow the surplus pages).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_hugetlb_reserve(struct ptsim_machine *m, uint64_t size,
						     uint64_t nr);
PTSIM_API PTSIM_MUST_CHECK int ptsim_hugetlb_unreserve(struct ptsim_machine *m, uint64_t size,
						       uint64_t nr);
/**
 * ptsim_hugetlb_alloc_folio() - take a hugetlb folio from the pool.
 * @m: machine.  @size: a hugetlb size.
 * @reserved: consume one reservation (ptsim_hugetlb_reserve()) instead of
 *            a free, unreserved page.
 * @pfn: receives the folio's head PFN.
 *
 * Without @reserved, when no free unreserved page is left, a surplus page
 * is allocated if the overcommit limit allows.  The folio has refcount 1.
 *
 * Return: 0; -EINVAL (no such hugetlb size, NULL @pfn, @reserved without a
 * reservation); -ENOMEM (the pool is exhausted).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_hugetlb_alloc_folio(struct ptsim_machine *m, uint64_t size,
							 bool reserved, uint64_t *pfn);
/**
 * ptsim_hugetlb_free_folio() - drop the last reference of a hugetlb folio.
 * @m: machine.  @pfn: the folio's head.
 *
 * The folio goes back to its pool, or, if it was a surplus page, back to
 * the buddy (or contiguous-range) allocator.
 *
 * Return: 0; -ENXIO (@pfn not in present memory); -EINVAL (not the head of
 * an allocated hugetlb folio); -EBUSY (other references remain).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_hugetlb_free_folio(struct ptsim_machine *m, uint64_t pfn);

#ifdef __cplusplus
}
#endif

#endif /* PTSIM_MEM_H */
