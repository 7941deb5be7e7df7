// SPDX-License-Identifier: MIT
/*
 * mem_api.c - the public face of src/mem: unwraps the machine, validates
 * input at the boundary, and calls the internal mem layer.
 *
 * Error codes: a PFN outside present memory is -ENXIO; a bad order, size,
 * flag or a frame in the wrong state (free, not an allocated block, owned
 * by page tables or hugetlb) is -EINVAL; a hugetlb folio still referenced
 * by others is -EBUSY.  Every failure sets the machine's error text and
 * leaves the model unchanged.
 *
 * Misuse that would corrupt the model is -EBUSY: freeing or putting a page
 * whose references its mappings, a page cache or pins hold
 * (ptsim__folio_drop_check()), or a page-table frame.  A frame mapped by
 * ptsim_map() outside VMAs is the caller's and takes no reference: freeing
 * it is allowed, and ptsim_check() reports the stale leaf (ENTRY_PFN).
 */
#include <errno.h>
#include <string.h>

#include "api/machine.h"
#include "ptsim/mem.h"

#define PFNX(p) ((unsigned long long)(p))

static bool flag_valid(enum ptsim_pageflag flag)
{
	return (unsigned int)flag <= PTSIM_PG_hwpoison;
}

/*
 * The references of the folio headed by @head that no caller may drop: one
 * per mapping (folio_mapcount()), one per page while a page cache holds it,
 * the one of the huge zero folio (its address spaces hold it), and the pins
 * (*pin_refs): one each on a large folio (_pincount); on a small folio of
 * the mm layer GUP_PIN_COUNTING_BIAS each, counted as the checker counts
 * them (whole multiples of the bias above the other references).
 */
static uint64_t folio_held(struct ptsim_machine *m, uint64_t head,
			   const struct ptsim_frame_info *fi, uint64_t *maps, uint64_t *cached,
			   uint64_t *pin_refs)
{
	uint64_t refs = fi->refcount > 0 ? (uint64_t)fi->refcount : 0;

	*maps = fi->folio_mapcount > 0 ? (uint64_t)fi->folio_mapcount : 0;
	/* A page-cache folio holds one reference per page (mapping = file id << 2). */
	*cached = fi->mapping && !(fi->mapping & PTSIM_MAPPING_ANON) ? 1ull << fi->order : 0;
	if (m->mmctx.huge_zero_pfn && head == m->mmctx.huge_zero_pfn)
		*cached += 1;
	if (fi->order) {
		*pin_refs = ptsim__folio_pins(&m->mem, head);
	} else if (fi->mapping && refs > *maps + *cached) {
		*pin_refs = refs - *maps - *cached;
		*pin_refs -= *pin_refs % PTSIM_GUP_PIN_COUNTING_BIAS;
	} else {
		*pin_refs = 0;
	}
	return *maps + *cached + *pin_refs;
}

int ptsim__folio_drop_check(struct ptsim_machine *m, const char *fn, uint64_t pfn, uint64_t drop,
			    uint64_t pin_refs_dropped)
{
	struct ptsim_frame_info fi;
	uint64_t head, maps, cached, pin_refs, keep;

	if (ptsim__frame_info(&m->mem, pfn, &fi) || fi.free)
		return ptsim__seterr(&m->host, -EINVAL, "%s: pfn 0x%llx is not an in-use page", fn,
				     PFNX(pfn));
	head = fi.head_pfn;
	if (fi.type == PTSIM_PGTY_table)
		return ptsim__seterr(&m->host, -EBUSY,
				     "%s: pfn 0x%llx is a page table, freed by its owner "
				     "(ptsim_pgtable_free(), ptsim_tlb_remove_table())",
				     fn, PFNX(pfn));
	if (head != pfn && ptsim__frame_info(&m->mem, head, &fi))
		return ptsim__seterr(&m->host, -EINVAL, "%s: pfn 0x%llx has no folio head", fn,
				     PFNX(pfn));
	keep = folio_held(m, head, &fi, &maps, &cached, &pin_refs);
	keep -= pin_refs_dropped < pin_refs ? pin_refs_dropped : pin_refs;
	if (fi.refcount < 0 || (uint64_t)fi.refcount < drop || (uint64_t)fi.refcount - drop < keep)
		return ptsim__seterr(&m->host, -EBUSY,
				     "%s: pfn 0x%llx is in use: %llu of its folio's %d references "
				     "are held by %llu mappings, %llu page-cache pages and pins; "
				     "unmap it (ptsim_munmap(), ptsim_try_to_unmap()) or unpin it "
				     "first",
				     fn, PFNX(pfn), PFNX(keep), fi.refcount, PFNX(maps),
				     PFNX(cached));
	return 0;
}

/* Present and initialised and not free: the in-use frame of @pfn, or an error. */
static int inuse_frame(struct ptsim_machine *m, const char *fn, uint64_t pfn,
		       struct ptsim_frame **out)
{
	struct ptsim_frame *f = NULL;

	if (!ptsim__pfn_present(&m->mem, pfn))
		return ptsim__seterr(&m->host, -ENXIO, "%s: pfn 0x%llx not present", fn, PFNX(pfn));
	f = ptsim__pfn_to_frame_noinit(&m->mem, pfn);
	if (!f || ptsim__frame_in_buddy(f))
		return ptsim__seterr(&m->host, -EINVAL, "%s: pfn 0x%llx is free", fn, PFNX(pfn));
	*out = f;
	return 0;
}

int ptsim_frame_get(struct ptsim_machine *m, uint64_t pfn, struct ptsim_frame_info *out)
{
	int err;

	if (!m)
		return -EINVAL;
	if (!out)
		return ptsim__seterr(&m->host, -EINVAL, "frame_get: NULL out");
	err = ptsim__frame_info(&m->mem, pfn, out);
	if (err)
		return ptsim__seterr(&m->host, err, "frame_get: pfn 0x%llx not present", PFNX(pfn));
	return 0;
}

int ptsim_alloc_pages(struct ptsim_machine *m, unsigned int order, uint64_t *pfn)
{
	int err;

	if (!m)
		return -EINVAL;
	if (!pfn)
		return ptsim__seterr(&m->host, -EINVAL, "alloc_pages: NULL pfn");
	if (order > m->arch->max_order)
		return ptsim__seterr(&m->host, -EINVAL, "alloc_pages: order %u > MAX_PAGE_ORDER %u",
				     order, m->arch->max_order);
	err = ptsim__alloc_pages(&m->mem, order, pfn);
	if (err)
		return ptsim__seterr(&m->host, err, "alloc_pages: no free block of order %u",
				     order);
	return 0;
}

int ptsim_free_pages(struct ptsim_machine *m, uint64_t pfn, unsigned int order)
{
	struct ptsim_frame *f = NULL;
	int err;

	if (!m)
		return -EINVAL;
	if (order > m->arch->max_order)
		return ptsim__seterr(&m->host, -EINVAL, "free_pages: order %u > MAX_PAGE_ORDER %u",
				     order, m->arch->max_order);
	if (pfn & ((1ull << order) - 1))
		return ptsim__seterr(&m->host, -EINVAL,
				     "free_pages: pfn 0x%llx not aligned to order %u", PFNX(pfn),
				     order);
	/* Aligned blocks up to max_order never cross a section. */
	for (uint64_t i = 0; i < (1ull << order); i++) {
		err = inuse_frame(m, "free_pages", pfn + i, &f);
		if (err)
			return err;
		if (pfn + i == m->mem.zero_pfn)
			return ptsim__seterr(&m->host, -EBUSY,
					     "free_pages: pfn 0x%llx is the shared zero page",
					     PFNX(pfn + i));
		if (ptsim__frame_type(f) == PTSIM_PGTY_table)
			return ptsim__seterr(
				&m->host, -EBUSY,
				"free_pages: pfn 0x%llx is a page table, freed by its "
				"owner (ptsim_pgtable_free(), ptsim_tlb_remove_table())",
				PFNX(pfn + i));
		/* A tail's mapping word is folio metadata: tails are refused below. */
		if (!ptsim__frame_tail(f) &&
		    ((ptsim__frame_type(f) == PTSIM_PGTY_NONE && f->mapcount != -1) || f->mapping))
			return ptsim__seterr(&m->host, -EBUSY,
					     "free_pages: pfn 0x%llx %s; unmap it (ptsim_munmap(), "
					     "ptsim_try_to_unmap()) first",
					     PFNX(pfn + i),
					     f->mapping & PTSIM_MAPPING_ANON
						     ? "is anonymous memory "
						       "of an address space"
					     : f->mapping ? "is in a page cache"
							  : "is mapped in a VMA");
		if (ptsim__frame_tail(f) || (f->flags & (1ull << PTSIM_PG_head)) ||
		    (f->flags & (1ull << PTSIM_PG_reserved)) ||
		    ptsim__frame_type(f) != PTSIM_PGTY_NONE || f->refcount != 1)
			return ptsim__seterr(&m->host, -EINVAL,
					     "free_pages: pfn 0x%llx is not part of an allocated "
					     "order-%u block",
					     PFNX(pfn + i), order);
	}
	ptsim__free_pages(&m->mem, pfn, order);
	return 0;
}

int ptsim_folio_alloc(struct ptsim_machine *m, unsigned int order, uint64_t *pfn)
{
	int err;

	if (!m)
		return -EINVAL;
	if (!pfn)
		return ptsim__seterr(&m->host, -EINVAL, "folio_alloc: NULL pfn");
	if (order + m->arch->page_shift > m->arch->pa_bits || order >= 63 - m->arch->page_shift)
		return ptsim__seterr(&m->host, -EINVAL, "folio_alloc: order %u too large", order);
	err = ptsim__folio_alloc(&m->mem, order, pfn);
	if (err)
		return ptsim__seterr(&m->host, err, "folio_alloc: no free range of order %u",
				     order);
	return 0;
}

/* The in-use folio head of @pfn with a positive refcount. */
static int folio_ref_head(struct ptsim_machine *m, const char *fn, uint64_t pfn,
			  struct ptsim_frame **out)
{
	struct ptsim_frame *f = NULL;
	uint64_t head;
	int err = inuse_frame(m, fn, pfn, &f);

	if (err)
		return err;
	head = ptsim__folio_head(&m->mem, pfn);
	if (head != pfn) {
		err = inuse_frame(m, fn, head, &f);
		if (err)
			return err;
	}
	if (f->refcount <= 0)
		return ptsim__seterr(&m->host, -EINVAL, "%s: pfn 0x%llx has no references", fn,
				     PFNX(pfn));
	*out = f;
	return 0;
}

/* A page table is not a folio: its frame belongs to the table allocator. */
static int not_table(struct ptsim_machine *m, const char *fn, uint64_t pfn,
		     const struct ptsim_frame *f)
{
	if (ptsim__frame_type(f) != PTSIM_PGTY_table)
		return 0;
	return ptsim__seterr(&m->host, -EBUSY,
			     "%s: pfn 0x%llx is a page table, freed by its owner "
			     "(ptsim_pgtable_free(), ptsim_tlb_remove_table())",
			     fn, PFNX(pfn));
}

int ptsim_folio_get(struct ptsim_machine *m, uint64_t pfn)
{
	struct ptsim_frame *f = NULL;
	int err;

	if (!m)
		return -EINVAL;
	err = folio_ref_head(m, "folio_get", pfn, &f);
	if (!err)
		err = not_table(m, "folio_get", pfn, f);
	if (err)
		return err;
	if (f->refcount == INT32_MAX)
		return ptsim__seterr(&m->host, -EINVAL, "folio_get: pfn 0x%llx refcount overflow",
				     PFNX(pfn));
	ptsim__folio_get(&m->mem, pfn);
	return 0;
}

int ptsim_folio_put(struct ptsim_machine *m, uint64_t pfn)
{
	struct ptsim_frame *f = NULL;
	int err;

	if (!m)
		return -EINVAL;
	err = folio_ref_head(m, "folio_put", pfn, &f);
	if (!err)
		err = not_table(m, "folio_put", pfn, f);
	if (err)
		return err;
	if (f->refcount == 1 && ptsim__folio_head(&m->mem, pfn) == m->mem.zero_pfn)
		return ptsim__seterr(&m->host, -EINVAL,
				     "folio_put: last reference of the zero page");
	err = ptsim__folio_drop_check(m, "folio_put", pfn, 1, 0);
	if (err)
		return err;
	(void)ptsim__folio_put(&m->mem, pfn);
	return 0;
}

int ptsim_page_set_flag(struct ptsim_machine *m, uint64_t pfn, enum ptsim_pageflag flag)
{
	struct ptsim_frame *f = NULL;
	int err;

	if (!m)
		return -EINVAL;
	if (!flag_valid(flag) || flag == PTSIM_PG_head)
		return ptsim__seterr(&m->host, -EINVAL, "set_flag: flag %d invalid or read-only",
				     (int)flag);
	err = inuse_frame(m, "set_flag", pfn, &f);
	if (err)
		return err;
	ptsim__page_set_flag(&m->mem, pfn, flag);
	return 0;
}

int ptsim_page_clear_flag(struct ptsim_machine *m, uint64_t pfn, enum ptsim_pageflag flag)
{
	struct ptsim_frame *f = NULL;
	int err;

	if (!m)
		return -EINVAL;
	if (!flag_valid(flag) || flag == PTSIM_PG_head)
		return ptsim__seterr(&m->host, -EINVAL, "clear_flag: flag %d invalid or read-only",
				     (int)flag);
	err = inuse_frame(m, "clear_flag", pfn, &f);
	if (err)
		return err;
	ptsim__page_clear_flag(&m->mem, pfn, flag);
	return 0;
}

int ptsim_page_test_flag(struct ptsim_machine *m, uint64_t pfn, enum ptsim_pageflag flag)
{
	const struct ptsim_frame *f;

	if (!m)
		return -EINVAL;
	if (!ptsim__pfn_present(&m->mem, pfn))
		return ptsim__seterr(&m->host, -ENXIO, "test_flag: pfn 0x%llx not present",
				     PFNX(pfn));
	if (!flag_valid(flag))
		return ptsim__seterr(&m->host, -EINVAL, "test_flag: flag %d invalid", (int)flag);
	f = ptsim__pfn_to_frame_noinit(&m->mem, pfn);
	if (!f || ptsim__frame_in_buddy(f))
		return 0;
	return ptsim__page_test_flag(&m->mem, pfn, flag) ? 1 : 0;
}

uint64_t ptsim_zero_pfn(const struct ptsim_machine *m)
{
	return m ? m->mem.zero_pfn : 0;
}

void ptsim_mem_stats(const struct ptsim_machine *m, struct ptsim_mem_stats *out)
{
	if (!out) {
		if (m)
			(void)ptsim__seterr(ptsim__mhost(m), -EINVAL, "mem_stats: NULL out");
		return;
	}
	memset(out, 0, sizeof(*out));
	if (!m)
		return;
	out->present_pages = m->mem.present_pages;
	out->free_pages = m->mem.free_pages;
	out->nr_sections_present = m->mem.nr_sections_present;
	out->nr_sections_initialised = m->mem.nr_sections_initialised;
	out->section_bytes = 1ull << m->arch->section_bits;
}

int ptsim_memory_add(struct ptsim_machine *m, uint64_t start, uint64_t size)
{
	int err;

	if (!m)
		return -EINVAL;
	err = ptsim__memory_add(&m->mem, start, size);

	if (err == -EINVAL)
		return ptsim__seterr(&m->host, err,
				     "memory_add: [0x%llx, +0x%llx) misaligned or beyond the limit",
				     PFNX(start), PFNX(size));
	if (err)
		return ptsim__seterr(&m->host, err, "memory_add: [0x%llx, +0x%llx) already present",
				     PFNX(start), PFNX(size));
	return 0;
}

int ptsim_memory_remove(struct ptsim_machine *m, uint64_t start, uint64_t size)
{
	int err;

	if (!m)
		return -EINVAL;
	err = ptsim__memory_remove(&m->mem, start, size);

	if (err == -EINVAL)
		return ptsim__seterr(&m->host, err,
				     "memory_remove: [0x%llx, +0x%llx) misaligned or out of range",
				     PFNX(start), PFNX(size));
	if (err == -ENOENT)
		return ptsim__seterr(&m->host, err, "memory_remove: [0x%llx, +0x%llx) not present",
				     PFNX(start), PFNX(size));
	if (err)
		return ptsim__seterr(&m->host, err,
				     "memory_remove: [0x%llx, +0x%llx) has frames in use",
				     PFNX(start), PFNX(size));
	return 0;
}

bool ptsim_pfn_valid(const struct ptsim_machine *m, uint64_t pfn)
{
	return m && ptsim__pfn_present(&m->mem, pfn);
}

static int hstate_get(struct ptsim_machine *m, const char *fn, uint64_t size,
		      struct ptsim_hstate **out)
{
	*out = NULL;
	if (!m)
		return -EINVAL;
	*out = ptsim__hstate(&m->mem, size);
	if (!*out)
		return ptsim__seterr(&m->host, -EINVAL, "%s: no hugetlb size 0x%llx on %s", fn,
				     PFNX(size), m->arch->name);
	return 0;
}

int ptsim_hugetlb_info(struct ptsim_machine *m, uint64_t size, struct ptsim_hstate_info *out)
{
	struct ptsim_hstate *h;
	int err = hstate_get(m, "hugetlb_info", size, &h);

	if (err)
		return err;
	if (!out)
		return ptsim__seterr(&m->host, -EINVAL, "hugetlb_info: NULL out");
	memset(out, 0, sizeof(*out));
	out->size = h->size;
	out->order = h->order;
	out->nr_hugepages = h->nr_hugepages;
	out->free_hugepages = h->free_hugepages;
	out->resv_hugepages = h->resv_hugepages;
	out->surplus_hugepages = h->surplus_hugepages;
	out->nr_overcommit_hugepages = h->nr_overcommit_hugepages;
	return 0;
}

int ptsim_hugetlb_set_nr(struct ptsim_machine *m, uint64_t size, uint64_t nr)
{
	struct ptsim_hstate *h;
	int err = hstate_get(m, "hugetlb_set_nr", size, &h);

	if (err)
		return err;
	ptsim__op_begin(m);
	err = ptsim__op_end(m, ptsim__hugetlb_set_nr(&m->mem, h, nr));
	if (err)
		return ptsim__seterr(&m->host, err,
				     "hugetlb_set_nr: only %llu of %llu pages of size 0x%llx",
				     PFNX(h->nr_hugepages), PFNX(nr), PFNX(size));
	return 0;
}

int ptsim_hugetlb_set_overcommit(struct ptsim_machine *m, uint64_t size, uint64_t nr)
{
	struct ptsim_hstate *h;
	int err = hstate_get(m, "hugetlb_set_overcommit", size, &h);

	if (err)
		return err;
	h->nr_overcommit_hugepages = nr;
	return 0;
}

int ptsim_hugetlb_reserve(struct ptsim_machine *m, uint64_t size, uint64_t nr)
{
	struct ptsim_hstate *h;
	int err = hstate_get(m, "hugetlb_reserve", size, &h);

	if (err)
		return err;
	err = ptsim__hugetlb_reserve(&m->mem, h, nr);
	if (err)
		return ptsim__seterr(&m->host, err,
				     "hugetlb_reserve: %llu pages wanted, %llu unreserved free",
				     PFNX(nr), PFNX(h->free_hugepages - h->resv_hugepages));
	h->resv_api += nr;
	return 0;
}

int ptsim_hugetlb_unreserve(struct ptsim_machine *m, uint64_t size, uint64_t nr)
{
	struct ptsim_hstate *h;
	int err = hstate_get(m, "hugetlb_unreserve", size, &h);

	if (err)
		return err;
	err = ptsim__hugetlb_unreserve(&m->mem, h, nr);
	if (err)
		return ptsim__seterr(&m->host, err, "hugetlb_unreserve: %llu > %llu reserved",
				     PFNX(nr), PFNX(h->resv_hugepages));
	h->resv_api -= nr < h->resv_api ? nr : h->resv_api;
	return 0;
}

int ptsim_hugetlb_alloc_folio(struct ptsim_machine *m, uint64_t size, bool reserved, uint64_t *pfn)
{
	struct ptsim_hstate *h;
	int err = hstate_get(m, "hugetlb_alloc_folio", size, &h);

	if (err)
		return err;
	if (!pfn)
		return ptsim__seterr(&m->host, -EINVAL, "hugetlb_alloc_folio: NULL pfn");
	if (reserved && !h->resv_hugepages)
		return ptsim__seterr(&m->host, -EINVAL,
				     "hugetlb_alloc_folio: no reservation to consume");
	err = ptsim__hugetlb_alloc_folio(&m->mem, h, reserved, pfn);
	if (err)
		return ptsim__seterr(&m->host, err,
				     "hugetlb_alloc_folio: pool of size 0x%llx exhausted",
				     PFNX(size));
	return 0;
}

int ptsim_hugetlb_free_folio(struct ptsim_machine *m, uint64_t pfn)
{
	struct ptsim_frame *f = NULL;
	int err;

	if (!m)
		return -EINVAL;
	err = inuse_frame(m, "hugetlb_free_folio", pfn, &f);
	if (err)
		return err;
	if (ptsim__frame_tail(f) || ptsim__frame_type(f) != PTSIM_PGTY_hugetlb)
		return ptsim__seterr(&m->host, -EINVAL,
				     "hugetlb_free_folio: pfn 0x%llx is not a hugetlb folio head",
				     PFNX(pfn));
	if (f->refcount <= 0)
		return ptsim__seterr(&m->host, -EINVAL,
				     "hugetlb_free_folio: pfn 0x%llx is already free", PFNX(pfn));
	if (f->refcount > 1)
		return ptsim__seterr(&m->host, -EBUSY,
				     "hugetlb_free_folio: pfn 0x%llx still has %d references",
				     PFNX(pfn), f->refcount);
	err = ptsim__folio_drop_check(m, "hugetlb_free_folio", pfn, 1, 0);
	if (err)
		return err;
	return ptsim__hugetlb_free_folio(&m->mem, pfn);
}
