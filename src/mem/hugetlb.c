// SPDX-License-Identifier: MIT
/*
 * hugetlb.c - hugetlb pools, one struct ptsim_hstate per arch hugetlb size.
 *
 * A pool page is a folio of the hstate's order whose head is typed
 * PGTY_hugetlb.  Free pool pages have refcount 0, HPG_freed in the head's
 * private word and are singly linked through the head's link word
 * (next head pfn + 1, 0 = end) from hstate->free_list.
 *
 * Counters (kernel names): nr_hugepages counts persistent pool pages (not
 * surplus); free_hugepages the pages on the free list (surplus pages
 * gathered for reservations included);
 * resv_hugepages reservations against them (resv <= free always);
 * surplus_hugepages pages allocated beyond the pool under overcommit
 * (surplus <= nr_overcommit at allocation time).  A page freed while
 * surplus_hugepages > 0 goes back to the buddy allocator (as the kernel's
 * free_huge_folio does), otherwise to the free list.
 */
#include <errno.h>
#include <string.h>

#include "mem/internal.h"

static inline struct ptsim_frame *frame(const struct ptsim_mem *mem, uint64_t pfn)
{
	return ptsim__pfn_to_frame_noinit(mem, pfn);
}

struct ptsim_hstate *ptsim__hstate(struct ptsim_mem *mem, uint64_t size)
{
	for (unsigned int i = 0; i < mem->nr_hstates; i++)
		if (mem->hstates[i].size == size)
			return &mem->hstates[i];
	return NULL;
}

static struct ptsim_hstate *hstate_of_order(struct ptsim_mem *mem, unsigned int order)
{
	for (unsigned int i = 0; i < mem->nr_hstates; i++)
		if (mem->hstates[i].order == order)
			return &mem->hstates[i];
	return NULL;
}

/* A new hugetlb folio (refcount 1), not yet on any list. */
static int hpage_alloc(struct ptsim_mem *mem, struct ptsim_hstate *h, uint64_t *pfn)
{
	struct ptsim_frame *f;
	int err = ptsim__folio_alloc(mem, h->order, pfn);

	if (err)
		return err;
	f = frame(mem, *pfn);
	ptsim__frame_set_type(f, PTSIM_PGTY_hugetlb);
	f->private_ = 0;
	return 0;
}

/* Give a hugetlb folio (not on a list) back to the page allocator. */
static void hpage_dissolve(struct ptsim_mem *mem, struct ptsim_hstate *h, uint64_t pfn)
{
	struct ptsim_frame *f = frame(mem, pfn);

	ptsim__frame_clear_type(f);
	f->private_ = 0;
	f->link = 0;
	f->refcount = 1;
	if (!ptsim__folio_put(mem, pfn)) /* cannot happen: refcount was 1 */
		f->refcount = 0;
	(void)h;
}

static void enqueue(struct ptsim_mem *mem, struct ptsim_hstate *h, uint64_t pfn)
{
	struct ptsim_frame *f = frame(mem, pfn);

	f->refcount = 0;
	f->link = h->free_list;
	f->private_ |= PTSIM_HPG_freed;
	h->free_list = pfn + 1;
	h->free_hugepages++;
}

static uint64_t dequeue(struct ptsim_mem *mem, struct ptsim_hstate *h)
{
	uint64_t pfn = h->free_list - 1;
	struct ptsim_frame *f = frame(mem, pfn);

	h->free_list = f->link;
	f->link = 0;
	f->private_ &= ~PTSIM_HPG_freed;
	h->free_hugepages--;
	return pfn;
}

int ptsim__hugetlb_set_nr(struct ptsim_mem *mem, struct ptsim_hstate *h, uint64_t nr)
{
	while (h->nr_hugepages < nr) {
		uint64_t pfn;
		int err = hpage_alloc(mem, h, &pfn);

		if (err)
			return err; /* best effort: keep what was added */
		enqueue(mem, h, pfn);
		h->nr_hugepages++;
	}
	while (h->nr_hugepages > nr && h->free_hugepages > h->resv_hugepages) {
		hpage_dissolve(mem, h, dequeue(mem, h));
		h->nr_hugepages--;
	}
	return 0;
}

int ptsim__hugetlb_alloc_folio(struct ptsim_mem *mem, struct ptsim_hstate *h, bool reserved,
			       uint64_t *pfn)
{
	uint64_t p;

	if (reserved && h->resv_hugepages && h->free_list) {
		h->resv_hugepages--;
		p = dequeue(mem, h);
	} else if (!reserved && h->free_hugepages > h->resv_hugepages && h->free_list) {
		p = dequeue(mem, h);
	} else if (!reserved && h->surplus_hugepages < h->nr_overcommit_hugepages) {
		int err = hpage_alloc(mem, h, &p);

		if (err)
			return err;
		h->surplus_hugepages++;
	} else {
		return reserved ? -EINVAL : -ENOMEM;
	}
	frame(mem, p)->refcount = 1;
	*pfn = p;
	return 0;
}

void ptsim__hugetlb_folio_release(struct ptsim_mem *mem, uint64_t head_pfn)
{
	struct ptsim_hstate *h = hstate_of_order(mem, ptsim__folio_order(mem, head_pfn));
	struct ptsim_frame *p1 = frame(mem, head_pfn + 1);
	struct ptsim_frame *f = frame(mem, head_pfn);

	/* free_huge_folio(): no mapping, no state for the next user; mapping counters reset. */
	f->mapping = 0;
	f->index = 0;
	f->flags &= ~((1ull << PTSIM_PG_anon_exclusive) | (1ull << PTSIM_PG_dirty) |
		      (1ull << PTSIM_PG_uptodate) | (1ull << PTSIM_PG_referenced) |
		      (1ull << PTSIM_PG_swapbacked) | (1ull << PTSIM_PG_lru));
	p1->mapping = UINT64_MAX;
	p1->index = 0;
	if (!h)
		return;
	if (h->surplus_hugepages) {
		f->private_ &= ~PTSIM_HPG_restore_reserve;
		h->surplus_hugepages--;
		frame(mem, head_pfn)->refcount = 0;
		hpage_dissolve(mem, h, head_pfn); /* the buddy free calls free_hook */
		return;
	}
	if (mem->free_hook)
		mem->free_hook(mem->free_hook_ctx, head_pfn, 1ull << h->order, "hugetlb_free");
	enqueue(mem, h, head_pfn);
	/* free_huge_folio(): a folio unmapped with HPG_restore_reserve brings its reservation back.
	 */
	if (f->private_ & PTSIM_HPG_restore_reserve)
		h->resv_hugepages++;
	f->private_ &= ~PTSIM_HPG_restore_reserve;
}

int ptsim__hugetlb_free_folio(struct ptsim_mem *mem, uint64_t pfn)
{
	struct ptsim_frame *f = frame(mem, pfn);

	if (!f || ptsim__frame_type(f) != PTSIM_PGTY_hugetlb)
		return -EINVAL;
	if (f->refcount != 1)
		return -EBUSY;
	f->refcount = 0;
	ptsim__hugetlb_folio_release(mem, pfn);
	return 0;
}

/*
 * hugetlb_acct_memory(+nr) -> gather_surplus_pages(): reserve @nr pages;
 * the free unreserved ones that are missing are allocated as surplus pages
 * (while surplus_hugepages stays within nr_overcommit_hugepages) and put
 * on the free list, all or nothing.
 */
int ptsim__hugetlb_reserve(struct ptsim_mem *mem, struct ptsim_hstate *h, uint64_t nr)
{
	uint64_t avail = h->free_hugepages - h->resv_hugepages, needed, got = 0, list = 0;

	if (nr <= avail) {
		h->resv_hugepages += nr;
		return 0;
	}
	needed = nr - avail;
	if (needed > h->nr_overcommit_hugepages ||
	    h->surplus_hugepages > h->nr_overcommit_hugepages - needed)
		return -ENOMEM;
	for (; got < needed; got++) {
		uint64_t pfn;

		if (hpage_alloc(mem, h, &pfn)) {
			/* Give back what was gathered: nothing changed. */
			while (list) {
				uint64_t p = list - 1;

				list = frame(mem, p)->link;
				frame(mem, p)->link = 0;
				hpage_dissolve(mem, h, p);
			}
			return -ENOMEM;
		}
		frame(mem, pfn)->link = list;
		list = pfn + 1;
	}
	while (list) {
		uint64_t p = list - 1;

		list = frame(mem, p)->link;
		enqueue(mem, h, p);
		h->surplus_hugepages++;
	}
	h->resv_hugepages += nr;
	return 0;
}

/*
 * hugetlb_acct_memory(-nr) -> return_unused_surplus_pages(): release @nr
 * reservations, then free as many surplus pages as that left unused
 * (free pool pages go back to the page allocator while surplus remain).
 */
int ptsim__hugetlb_unreserve(struct ptsim_mem *mem, struct ptsim_hstate *h, uint64_t nr)
{
	uint64_t n;

	if (nr > h->resv_hugepages)
		return -EINVAL;
	h->resv_hugepages -= nr;
	n = nr < h->surplus_hugepages ? nr : h->surplus_hugepages;
	while (n-- && h->free_list && h->free_hugepages > h->resv_hugepages) {
		uint64_t pfn = dequeue(mem, h);

		h->surplus_hugepages--;
		hpage_dissolve(mem, h, pfn);
	}
	return 0;
}
