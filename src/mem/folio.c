// SPDX-License-Identifier: MIT
/*
 * folio.c - folios (compound pages), their references, page flags with the
 * kernel's per-folio / per-page policies, and decoded frame info.
 *
 * A folio of order > 0 (include/linux/mm_types.h, struct folio): PG_head on the head; each tail's
 * head word is (head_pfn << 1) | 1 with refcount 0; page 1 holds the order
 * in its flags' low byte, _large_mapcount (low) / _entire_mapcount (high)
 * in mapping (both -1 = none), _nr_pages_mapped / _pincount in index (0),
 * and nr_pages in private_.  The folio's refcount lives in the head only.
 *
 * Flag policies (include/linux/page-flags.h PF_*): hwpoison, anon_exclusive and reserved
 * are per page; PG_head is read-only (owned by folio allocation); every
 * other flag (dirty, lru, referenced, uptodate, active, workingset,
 * locked, writeback, swapbacked, mlocked, unevictable, reclaim, private,
 * and the remaining folio-level bits) lives on the folio head.
 */
#include <errno.h>
#include <string.h>

#include "mem/internal.h"

#define FOLIO_ORDER_MASK 0xffull

static inline struct ptsim_frame *frame(const struct ptsim_mem *mem, uint64_t pfn)
{
	return ptsim__pfn_to_frame_noinit(mem, pfn);
}

static void prep_compound(struct ptsim_mem *mem, uint64_t pfn, unsigned int order)
{
	uint64_t n = 1ull << order;
	struct ptsim_frame *head = frame(mem, pfn), *p1;

	head->flags |= 1ull << PTSIM_PG_head;
	for (uint64_t i = 1; i < n; i++) {
		struct ptsim_frame *t = frame(mem, pfn + i);

		t->head = (pfn << 1) | 1;
		t->refcount = 0;
	}
	p1 = frame(mem, pfn + 1);
	p1->flags = (p1->flags & ~FOLIO_ORDER_MASK) | order;
	p1->mapping = UINT64_MAX; /* _large_mapcount = _entire_mapcount = -1 */
	p1->index = 0;		  /* _nr_pages_mapped = _pincount = 0 */
	p1->private_ = n;
}

int ptsim__folio_alloc(struct ptsim_mem *mem, unsigned int order, uint64_t *pfn)
{
	uint64_t p;
	int err;

	if (order <= mem->arch->max_order)
		err = ptsim__alloc_pages(mem, order, &p);
	else
		err = ptsim__alloc_contig(mem, order, &p);
	if (err)
		return err;
	if (order)
		prep_compound(mem, p, order);
	*pfn = p;
	return 0;
}

uint64_t ptsim__folio_head(struct ptsim_mem *mem, uint64_t pfn)
{
	const struct ptsim_frame *f = frame(mem, pfn);

	return f && ptsim__frame_tail(f) ? f->head >> 1 : pfn;
}

unsigned int ptsim__folio_order(struct ptsim_mem *mem, uint64_t head_pfn)
{
	const struct ptsim_frame *f = frame(mem, head_pfn);

	if (!f || !(f->flags & (1ull << PTSIM_PG_head)))
		return 0;
	return (unsigned int)(frame(mem, head_pfn + 1)->flags & FOLIO_ORDER_MASK);
}

void ptsim__folio_get(struct ptsim_mem *mem, uint64_t pfn)
{
	mem->host->cost.frames_touched++;
	frame(mem, ptsim__folio_head(mem, pfn))->refcount++;
}

void ptsim__folio_ref_add(struct ptsim_mem *mem, uint64_t pfn, int32_t n)
{
	mem->host->cost.frames_touched++;
	frame(mem, ptsim__folio_head(mem, pfn))->refcount += n;
}

/* Undo the compound metadata and give the pages back (buddy or contiguous). */
static void folio_free(struct ptsim_mem *mem, uint64_t head, unsigned int order)
{
	/* Poisoning every page on free also clears the compound metadata. */
	if (order <= mem->arch->max_order)
		ptsim__free_pages(mem, head, order);
	else
		ptsim__free_contig(mem, head, order);
}

bool ptsim__folio_put(struct ptsim_mem *mem, uint64_t pfn)
{
	uint64_t head = ptsim__folio_head(mem, pfn);
	struct ptsim_frame *f = frame(mem, head);

	mem->host->cost.frames_touched++;
	if (--f->refcount > 0)
		return false;
	if (ptsim__frame_type(f) == PTSIM_PGTY_hugetlb) {
		ptsim__hugetlb_folio_release(mem, head);
		return true;
	}
	folio_free(mem, head, ptsim__folio_order(mem, head));
	return true;
}

/* --- pins (pin_user_pages(): include/linux/mm.h GUP_PIN_COUNTING_BIAS) ------------- */

void ptsim__folio_pin(struct ptsim_mem *mem, uint64_t pfn)
{
	uint64_t head = ptsim__folio_head(mem, pfn);
	struct ptsim_frame *h = frame(mem, head);

	mem->host->cost.frames_touched++;
	if (ptsim__folio_order(mem, head)) {
		struct ptsim_frame *p1 = frame(mem, head + 1);

		h->refcount++;
		p1->index += 1ull << 32; /* _pincount */
	} else {
		h->refcount += PTSIM_GUP_PIN_COUNTING_BIAS;
	}
}

uint64_t ptsim__folio_pins(struct ptsim_mem *mem, uint64_t pfn)
{
	uint64_t head = ptsim__folio_head(mem, pfn);
	const struct ptsim_frame *h = frame(mem, head);

	if (ptsim__folio_order(mem, head))
		return frame(mem, head + 1)->index >> 32;
	return h->refcount >= PTSIM_GUP_PIN_COUNTING_BIAS
		       ? (uint64_t)h->refcount / PTSIM_GUP_PIN_COUNTING_BIAS
		       : 0;
}

bool ptsim__folio_unpin(struct ptsim_mem *mem, uint64_t pfn)
{
	uint64_t head = ptsim__folio_head(mem, pfn);
	struct ptsim_frame *h = frame(mem, head);

	mem->host->cost.frames_touched++;
	if (ptsim__folio_order(mem, head)) {
		frame(mem, head + 1)->index -= 1ull << 32;
		return ptsim__folio_put(mem, head);
	}
	h->refcount -= PTSIM_GUP_PIN_COUNTING_BIAS - 1;
	return ptsim__folio_put(mem, head);
}

/* --- split (__split_folio_to_order(), mm/huge_memory.c) -------------------------------- */

/* Folio-level flags a split gives every new folio (__split_folio_to_order()). */
#define SPLIT_FLAGS                                                                                \
	((1ull << PTSIM_PG_referenced) | (1ull << PTSIM_PG_swapbacked) |                           \
	 (1ull << PTSIM_PG_uptodate) | (1ull << PTSIM_PG_active) | (1ull << PTSIM_PG_workingset) | \
	 (1ull << PTSIM_PG_dirty) | (1ull << PTSIM_PG_mlocked) | (1ull << PTSIM_PG_unevictable) |  \
	 (1ull << PTSIM_PG_locked))

unsigned int ptsim__folio_split(struct ptsim_mem *mem, uint64_t head, unsigned int new_order)
{
	unsigned int order = ptsim__folio_order(mem, head);
	uint64_t n = 1ull << order, step = 1ull << new_order;
	struct ptsim_frame *h = frame(mem, head), *p1 = frame(mem, head + 1);
	uint64_t flags = h->flags & SPLIT_FLAGS, mapping = h->mapping, index = h->index;
	unsigned int freed = 0;

	PTSIM_BUG_ON(new_order >= order || (p1->mapping >> 32) != 0xffffffffull);
	mem->host->cost.frames_touched += n;
	/* page 1 was folio metadata; unless it heads a new large folio it is a page again. */
	p1->flags &= ~FOLIO_ORDER_MASK;
	p1->mapping = 0;
	p1->index = 0;
	p1->private_ = 0;
	for (uint64_t k = 0; k < n; k += step) {
		struct ptsim_frame *nh = frame(mem, head + k);
		int32_t refs = 0;

		for (uint64_t i = 0; i < step; i++) {
			struct ptsim_frame *f = frame(mem, head + k + i);

			f->head = 0;
			refs += f->mapcount + 1;
		}
		nh->flags = (nh->flags & ~(SPLIT_FLAGS | (1ull << PTSIM_PG_head))) | flags;
		nh->mapping = mapping;
		nh->index = index + k;
		nh->refcount = refs;
		if (new_order) {
			struct ptsim_frame *np1;
			uint32_t mapped = 0;

			prep_compound(mem, head + k, new_order);
			np1 = frame(mem, head + k + 1);
			for (uint64_t i = 0; i < step; i++)
				mapped += frame(mem, head + k + i)->mapcount >= 0;
			/* _large_mapcount = every PTE mapping - 1; nothing maps it entirely. */
			np1->mapping = 0xffffffff00000000ull | (uint32_t)(refs - 1);
			np1->index = mapped;
		}
		/* A part nothing maps any more is freed, as the split's final folio_put() does. */
		if (!refs) {
			nh->refcount = 1;
			nh->mapping = 0;
			(void)ptsim__folio_put(mem, head + k);
			freed++;
		}
	}
	return freed;
}

static bool flag_per_page(enum ptsim_pageflag flag)
{
	return flag == PTSIM_PG_hwpoison || flag == PTSIM_PG_anon_exclusive ||
	       flag == PTSIM_PG_reserved || flag == PTSIM_PG_head;
}

static struct ptsim_frame *flag_frame(struct ptsim_mem *mem, uint64_t pfn, enum ptsim_pageflag flag)
{
	return frame(mem, flag_per_page(flag) ? pfn : ptsim__folio_head(mem, pfn));
}

void ptsim__page_set_flag(struct ptsim_mem *mem, uint64_t pfn, enum ptsim_pageflag flag)
{
	if (flag == PTSIM_PG_head || (unsigned int)flag >= 62)
		return;
	mem->host->cost.frames_touched++;
	flag_frame(mem, pfn, flag)->flags |= 1ull << flag;
}

void ptsim__page_clear_flag(struct ptsim_mem *mem, uint64_t pfn, enum ptsim_pageflag flag)
{
	if (flag == PTSIM_PG_head || (unsigned int)flag >= 62)
		return;
	mem->host->cost.frames_touched++;
	flag_frame(mem, pfn, flag)->flags &= ~(1ull << flag);
}

bool ptsim__page_test_flag(struct ptsim_mem *mem, uint64_t pfn, enum ptsim_pageflag flag)
{
	const struct ptsim_frame *f;

	if ((unsigned int)flag >= 62)
		return false;
	f = frame(mem, pfn);
	if (!f)
		return false;
	mem->host->cost.frames_touched++;
	f = flag_frame(mem, pfn, flag);
	return (f->flags >> flag) & 1;
}

/* PG_* bits of a record: page 1 of a large folio keeps the order in its low byte. */
static uint64_t own_flags(struct ptsim_mem *mem, uint64_t pfn, const struct ptsim_frame *f)
{
	uint64_t fl = f->flags & ~PTSIM_FRAME_FREE_TAIL;

	if (ptsim__frame_tail(f) && (f->head >> 1) + 1 == pfn)
		fl &= ~FOLIO_ORDER_MASK;
	/* A page table's high half is the RFC's pte_refcount (src/pgtable), not PG_* bits. */
	if (ptsim__frame_type(f) == PTSIM_PGTY_table)
		fl &= 0xffffffffull;
	(void)mem;
	return fl;
}

int ptsim__frame_info(struct ptsim_mem *mem, uint64_t pfn, struct ptsim_frame_info *out)
{
	const struct ptsim_frame *f, *h;
	uint64_t head;

	memset(out, 0, sizeof(*out));
	out->pfn = pfn;
	out->head_pfn = pfn;
	if (!ptsim__pfn_present(mem, pfn))
		return -ENXIO;
	f = frame(mem, pfn);
	if (!f) { /* pristine section: free, never touched */
		out->free = true;
		return 0;
	}
	out->flags = own_flags(mem, pfn, f);
	out->type = ptsim__frame_type(f);
	out->mapping = f->mapping;
	out->index = f->index;
	out->private_ = f->private_;
	if (ptsim__frame_in_buddy(f)) {
		out->free = true;
		out->folio_flags = out->flags;
		return 0;
	}
	out->mapcount = out->type == PTSIM_PGTY_NONE ? f->mapcount + 1 : 0;
	head = ptsim__folio_head(mem, pfn);
	h = frame(mem, head);
	if (!h) /* corrupt head link: report the page alone */
		h = f, head = pfn;
	out->tail = ptsim__frame_tail(f);
	out->head = !out->tail && (f->flags & (1ull << PTSIM_PG_head));
	out->head_pfn = head;
	out->folio_flags = h->flags & ~PTSIM_FRAME_FREE_TAIL;
	out->refcount = h->refcount;
	out->order = ptsim__folio_order(mem, head);
	if (out->order) {
		const struct ptsim_frame *p1 = frame(mem, head + 1);

		out->folio_mapcount = (int32_t)(uint32_t)p1->mapping + 1;
		out->entire_mapcount = (int32_t)(uint32_t)(p1->mapping >> 32) + 1;
		out->nr_pages_mapped = (int32_t)(uint32_t)p1->index;
		/* page_mapcount(): the page's own PTE mappings plus the folio's entire ones. */
		out->mapcount += out->entire_mapcount;
	} else {
		out->folio_mapcount = out->mapcount;
	}
	return 0;
}
