/* SPDX-License-Identifier: MIT */
/*
 * thp.h - transparent huge pages: splitting huge PMD mappings and large
 * folios, and pinning pages (pin_user_pages()) so a split can be refused.
 *
 * Anonymous THPs appear by themselves: with the knob thp.enabled=always, or
 * =madvise (the default) on ranges given MADV_HUGEPAGE, a write fault in a
 * PMD-aligned, PMD-sized range of a private anonymous VMA maps one PMD-order
 * folio with one PMD leaf (do_huge_pmd_anonymous_page()); a read fault maps
 * the huge zero folio there (thp.use_zero_page).  Each such PMD has a PTE
 * table deposited beside it, counted in VmPTE, which its split consumes.
 * The THP size is the PMD size: 2 MiB on x86-64 and arm64 4K, 32 MiB on
 * arm64 16K, 512 MiB on arm64 64K.
 *
 * Whatever cuts a THP's range - munmap, mprotect, madvise, a VMA split,
 * userfaultfd register/unregister/write-protect - splits its PMD first
 * (split_huge_pmd()); what covers the whole PMD acts on it whole.  The
 * vmstat counters thp_fault_alloc, thp_fault_fallback, thp_split_pmd,
 * thp_split_page, thp_split_page_failed and thp_zero_page_alloc and the
 * meminfo AnonHugePages count what happens (include/ptsim/stat.h).
 */
#ifndef PTSIM_THP_H
#define PTSIM_THP_H

#include "ptsim/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * ptsim_split_huge_pmd() - split the huge PMD mapping @addr into PTEs.
 * @mm: address space.  @addr: an address inside the THP.
 * @flags: 0, or PTSIM_SPLIT_NO_BBM (include/ptsim/pgtable.h): skip
 *         pmdp_invalidate() and link the PTE table over the live PMD - the
 *         discipline checker reports that on arm64 if a CPU caches the THP.
 *
 * As __split_huge_pmd_locked(): the PMD is invalidated and flushed, the
 * deposited table withdrawn and filled with PTEs to the folio's pages -
 * write, young, soft-dirty, uffd-wp and dirty (to every PTE; none with
 * compat.thp_split_dirty=pre-6.1, the folio keeping PG_dirty either way)
 * carried, PG_anon_exclusive given to every page if the head had it - the
 * folio gains a reference and a mapcount per PTE and loses the entire
 * mapping, and the table is linked.  The huge zero folio becomes PTEs of the
 * small zero page.  Nothing is allocated, so this cannot fail for lack of
 * memory.  The folio itself stays large (ptsim_split_huge_page() splits it).
 *
 * Return: 0; -EINVAL (bad address or flags); -ENOENT (no VMA, or no THP
 * mapped by a PMD at @addr).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_split_huge_pmd(struct ptsim_mm *mm, uint64_t addr,
						    unsigned int flags);

/**
 * ptsim_split_huge_page() - split the large anonymous folio mapped at @addr.
 * @mm: address space.  @addr: an address mapping a page of the folio.
 * @new_order: the order of the new folios (0 for small pages; lower than
 *             the folio's; not 1, which anonymous folios cannot have).
 *
 * As split_huge_page_to_list_to_order(): every PMD mapping of the folio, in
 * every address space, is split first; then each new folio keeps the
 * folio's flags (PG_dirty included), its mapping and index, and the
 * references and mapcounts of the PTEs that map it.  A folio with a
 * reference that is not a mapping's (a pin) is not split: -EBUSY, nothing
 * changes, thp_split_page_failed counts it.  (Kernels since v6.2 say
 * -EAGAIN there; earlier ones -EBUSY.)
 *
 * Return: 0; -EINVAL (bad address, not a large anonymous folio, bad order);
 * -ENOENT (nothing mapped at @addr); -EBUSY (pinned).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_split_huge_page(struct ptsim_mm *mm, uint64_t addr,
						     unsigned int new_order);

/**
 * ptsim_pin_user_page() - pin the page mapped at @addr (pin_user_pages(), one page).
 * @mm: address space.  @addr: an address with a present mapping (no fault
 *      is taken: touch the page first).  @pfn: receives the page's frame.
 *
 * A large folio counts the pin in _pincount and takes one reference; a
 * small one takes GUP_PIN_COUNTING_BIAS (1024) references.  A pinned large
 * folio cannot be split.
 *
 * Return: 0; -EINVAL (bad argument); -EFAULT (nothing present there, or the
 * zero page / a special mapping).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_pin_user_page(struct ptsim_mm *mm, uint64_t addr,
						   uint64_t *pfn);

/**
 * ptsim_unpin_user_page() - drop a pin (unpin_user_page()).
 * @m: machine.  @pfn: the frame ptsim_pin_user_page() returned.
 * Return: 0, or -EINVAL (not a pinned page).  The last reference frees the folio.
 * -EBUSY if the pin's references were put (ptsim_folio_put()) and the
 * mappings now hold the rest.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_unpin_user_page(struct ptsim_machine *m, uint64_t pfn);

#ifdef __cplusplus
}
#endif

#endif /* PTSIM_THP_H */
