/* SPDX-License-Identifier: MIT */
/*
 * check.h - the invariant checker.
 *
 * ptsim_check() trusts nothing: it recomputes every derived quantity from the
 * ground truth (page tables and frame records) and reports each disagreement
 * as a finding {code, level, addr, pfn, expected, actual, msg}.  It never
 * crashes on a corrupt model and never changes it.
 *
 * Invariants and their codes:
 *  PGTABLE_BYTES   an address space's table-byte counter (VmPTE: PTE, PMD and
 *                  PUD tables, not the top level) equals what its tables hold.
 *  TABLE_REFS      every table page is referenced by exactly one entry (or is
 *                  an address space's root), and nothing else references it.
 *  TABLE_TYPE      a table entry points to a frame typed as a page table that
 *                  records the right level; every root is such a frame; each
 *                  group of 64 frames is marked as holding a table page
 *                  exactly when it holds one (what ptsim_map() reads).
 *  TABLE_COUNT     a table page's cached count of non-none entries is right.
 *  ENTRY_PFN       a leaf maps frames that are present, not free and not page
 *                  tables (special entries - pte_special, PFN maps - are exempt).
 *  FRAME_STATE     a frame is free or in use, never both; an in-use frame
 *                  has an owner (refcount > 0, a tail, or a table) - none lost.
 *  FREE_COUNT      free-page counters equal the free blocks on the buddy lists.
 *  BUDDY           buddy lists are well formed (aligned, typed, not overlapping).
 *  COMPOUND        folio metadata is consistent (head/tail links, order).
 *  CONT            arm64 contiguous runs are aligned and uniform.
 *  HUGETLB_POOL    hugetlb pool counters agree with the pool's folios.
 *  TLB_VIOLATION   the TLB discipline held (ptsim/tlb.h): no frame was freed
 *                  while a TLB or walk cache referenced it, no live arm64
 *                  entry changed without break-before-make, every mmu_gather
 *                  was finished, and no cached entry maps a free frame or
 *                  points to a frame that is not a table.  One finding per
 *                  recorded violation (ptsim_violations()).
 *  MAPCOUNT        every page's mapcount and every folio's large/entire
 *                  mapcounts and _nr_pages_mapped equal what a fresh walk of
 *                  all VMAs finds (PTE leaves count per page, huge leaves as
 *                  entire mappings; the zero page and special entries never);
 *                  a folio of the mm layer (anon or page cache) holds one
 *                  reference per mapping plus one per page in a page cache;
 *                  each address space's rss counters equal the pages its
 *                  VMAs map.  Leaves outside every VMA (ptsim_map()) are not
 *                  accounted.  Refcounts are not judged while an mmu_gather
 *                  is open (its pages still hold references).
 *  DEPOSIT         every huge PMD of an anonymous VMA (a THP, or the huge
 *                  zero page) has one PTE table deposited on the table that
 *                  holds it (pgtable_trans_huge_deposit()), and a table holds
 *                  no more deposits than PMD leaves; a deposited table is an
 *                  empty PTE table of the same address space, counted in its
 *                  VmPTE, and not referenced by any entry.
 *  MARKER          a uffd-wp PTE marker sits only in a VMA registered for
 *                  uffd-wp (unregister and fork without EVENT_FORK take
 *                  them away; a zap keeps them only there).
 *  PTREF           EXPERIMENTAL (knob pt_reclaim.rfc, the 2022 RFC, never
 *                  merged): each PTE table's pte_refcount word holds its
 *                  mapped (non-none) and zero-page entry counts; each user
 *                  address space's empty/zero table counts and reclaimable
 *                  bytes equal its linked PTE tables'; the ranking holds
 *                  exactly the address spaces with reclaimable bytes, in
 *                  order.  With the knob off: no view, empty ranking.
 */
#ifndef PTSIM_CHECK_H
#define PTSIM_CHECK_H

#include <stdio.h>

#include "ptsim/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PTSIM_CHECK_CODES(X)                                                                       \
	X(PGTABLE_BYTES, "page-table byte counter disagrees with the tables")                      \
	X(TABLE_REFS, "table page not referenced exactly once")                                    \
	X(TABLE_TYPE, "table entry points to a frame that is not a page table")                    \
	X(TABLE_COUNT, "table page entry count disagrees with its entries")                        \
	X(ENTRY_PFN, "leaf maps a frame that is absent or free")                                   \
	X(FRAME_STATE, "frame both free and in use, or in use by nobody")                          \
	X(FREE_COUNT, "free-page counter disagrees with the free lists")                           \
	X(BUDDY, "buddy free list malformed")                                                      \
	X(COMPOUND, "compound page metadata inconsistent")                                         \
	X(CONT, "contiguous run misaligned or not uniform")                                        \
	X(HUGETLB_POOL, "hugetlb pool counters disagree with the pool")                            \
	X(TLB_VIOLATION, "TLB discipline violated (freed while cached, or no break-before-make)")  \
	X(MAPCOUNT, "mapcount, refcount or rss disagrees with the mappings in VMAs")               \
	X(DEPOSIT, "deposited PTE table missing, extra, or malformed")                             \
	X(MARKER, "uffd-wp PTE marker in a VMA not registered for uffd-wp")                        \
	X(PTREF, "RFC pte_refcount, reclaimable bytes or ranking disagrees with the tables")

enum ptsim_check_code {
#define PTSIM__CHECK_ENUM(name, text) PTSIM_CHK_##name,
	PTSIM_CHECK_CODES(PTSIM__CHECK_ENUM)
#undef PTSIM__CHECK_ENUM
		PTSIM_CHK_NR_CODES
};

/**
 * ptsim_check_code_name() - the name of a finding code.
 * @code: PTSIM_CHK_*.
 * Return: "PGTABLE_BYTES", "TABLE_REFS", ... (a constant string), or "?"
 * for a value outside the enum.
 */
PTSIM_API const char *ptsim_check_code_name(enum ptsim_check_code code);
/**
 * ptsim_check_code_text() - a one-line description of the invariant a code checks.
 * @code: PTSIM_CHK_*.
 * Return: a constant string, or "?" for a value outside the enum.
 */
PTSIM_API const char *ptsim_check_code_text(enum ptsim_check_code code);

#define PTSIM_CHECK_MAX_FINDINGS 64
#define PTSIM_CHECK_MSG_LEN	 96

struct ptsim_finding {
	enum ptsim_check_code code;
	int level; /* page-table level, or -1 */
	uint64_t addr;
	uint64_t pfn;
	uint64_t expected;
	uint64_t actual;
	char msg[PTSIM_CHECK_MSG_LEN];
};

/* Filled by ptsim_check(); caller-owned. */
struct ptsim_check_report {
	unsigned int nr_findings; /* total found (may exceed the array) */
	unsigned int nr_stored;	  /* stored in findings[] (capped) */
	unsigned int by_code[PTSIM_CHK_NR_CODES];
	struct ptsim_finding findings[PTSIM_CHECK_MAX_FINDINGS];
	/* Work done: frames typed as tables, table pages, visitor steps. */
	uint64_t frames_checked, tables_checked, entries_checked;
};

/**
 * ptsim_check() - recompute and verify every invariant of the machine.
 * @m: machine.
 * @r: receives the report, or NULL when only the number of findings is wanted.
 *
 * Return: number of findings (0 = clean); -EINVAL for a NULL @m; -ENOMEM if
 * the checker's own scratch memory could not be allocated.
 */
PTSIM_API int ptsim_check(struct ptsim_machine *m, struct ptsim_check_report *r);

/**
 * ptsim_check_report_print() - print a report, one line per stored finding.
 * @r: a report filled by ptsim_check().
 * @f: the stream to print to (stdout, stderr, a file).
 *
 * Prints a "check: N findings" line, then for each stored finding its code
 * name, level, address, PFN, expected and actual values and message, and
 * "... N more" when more were found than stored.
 */
PTSIM_API void ptsim_check_report_print(const struct ptsim_check_report *r, FILE *f);

#ifdef __cplusplus
}
#endif

#endif /* PTSIM_CHECK_H */
