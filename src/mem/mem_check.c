// SPDX-License-Identifier: MIT
/*
 * mem_check.c - recompute the mem layer's invariants from the frame records.
 *
 * Never allocates (pristine sections are read as wholly free, never
 * initialised) and never trusts a link: every PFN read from a record is
 * range-checked before use and list walks are bounded, so a corrupt model
 * yields findings, not crashes.
 *
 * Passes:
 *  1. frames, section by section: free blocks (BUDDY: type/order/alignment/
 *     section crossing/overlap, and the block's bit in the free-block index
 *     of its order; FRAME_STATE: a page of a free block that is not in the
 *     free state), folios (COMPOUND: tail links, order in page 1,
 *     nr_pages), in-use frames with refcount 0 that nobody owns
 *     (FRAME_STATE; tails, table pages and hugetlb pool pages are owned),
 *     and the per-section free count (FREE_COUNT).
 *     A frame whose bit is set in the index but lost its buddy type is
 *     reported once as BUDDY and counted as the free block it still is.
 *  2. the free lists, i.e. the free-block index, order by order: every set
 *     bit names a buddy head of its order (BUDDY), every summary bit of a
 *     section, a directory block and the top tier says exactly whether what
 *     it summarises has a bit set (BUDDY), no bit names a page beyond its
 *     section or a section with no frames (BUDDY); the bits counted vs
 *     free_area[].nr_free (FREE_COUNT) and vs the blocks found in pass 1
 *     (BUDDY).
 *  3. hugetlb pools: free lists vs free_hugepages, resv <= free, folios
 *     found in pass 1 vs nr_hugepages + surplus (HUGETLB_POOL).
 */
#include <errno.h>
#include <string.h>

#include "mem/internal.h"
#include "ptsim/check.h"

#define ORDER_MASK 0xffull

struct ctx {
	struct ptsim_mem *mem;
	ptsim_mem_report_fn report;
	void *rctx;
	uint64_t blocks[PTSIM_MAX_ORDER_LIMIT]; /* free blocks found by the frame walk */
	uint64_t listed[PTSIM_MAX_ORDER_LIMIT]; /* bits set in the free-block index */
	uint64_t hpages[PTSIM_MAX_HUGETLB_SIZES], hfree[PTSIM_MAX_HUGETLB_SIZES];
};

static void rep(struct ctx *c, int code, uint64_t pfn, uint64_t exp, uint64_t act, const char *msg)
{
	c->report(c->rctx, code, pfn, exp, act, msg);
}

static const struct ptsim_frame *fr(const struct ptsim_mem *mem, uint64_t pfn)
{
	return ptsim__pfn_to_frame_noinit(mem, pfn);
}

/* The lowest order whose index has a bit for @pfn (a block head there), or -1. */
static int listed_order(const struct ptsim_mem *mem, uint64_t pfn)
{
	for (unsigned int o = 0; o <= mem->arch->max_order && !(pfn & ((1ull << o) - 1)); o++)
		if (ptsim__buddy_listed(mem, pfn, o))
			return (int)o;
	return -1;
}

/*
 * Check a free block at frames[i]: a buddy-typed head (@listed < 0), or a
 * frame of another type whose bit is set in the index of order @listed.
 * Returns its length in pages.
 */
static uint64_t check_block(struct ctx *c, uint64_t pfn, const struct ptsim_frame *frames,
			    uint64_t i, uint64_t spp, int listed)
{
	unsigned int max = c->mem->arch->max_order;
	uint64_t order = frames[i].private_, n;

	if (listed >= 0) {
		rep(c, PTSIM_CHK_BUDDY, pfn, PTSIM_PGTY_buddy, ptsim__frame_type(&frames[i]),
		    "free-list block head lost its buddy type");
		/* Count it as the free block its bit says it is. */
		order = (uint64_t)listed;
		if (i + (1ull << order) > spp)
			order = 0;
	} else if (order > max) {
		rep(c, PTSIM_CHK_BUDDY, pfn, max, order, "free block order beyond max_order");
		return 1;
	} else if (pfn & ((1ull << order) - 1)) {
		rep(c, PTSIM_CHK_BUDDY, pfn, 0, pfn & ((1ull << order) - 1),
		    "free block not naturally aligned");
		return 1;
	} else if (i + (1ull << order) > spp) {
		rep(c, PTSIM_CHK_BUDDY, pfn, spp - i, 1ull << order,
		    "free block crosses a section");
		return 1;
	} else if (!ptsim__buddy_listed(c->mem, pfn, (unsigned int)order)) {
		rep(c, PTSIM_CHK_BUDDY, pfn, order, 0, "free block missing from its free list");
	}
	n = 1ull << order;
	c->blocks[order]++;
	if (frames[i].refcount != 0)
		rep(c, PTSIM_CHK_FRAME_STATE, pfn, 0, (uint64_t)(int64_t)frames[i].refcount,
		    "free block head has references");
	for (uint64_t j = 1; j < n; j++) {
		const struct ptsim_frame *t = &frames[i + j];

		if (ptsim__frame_type(t) == PTSIM_PGTY_buddy) {
			rep(c, PTSIM_CHK_BUDDY, pfn + j, pfn, pfn + j, "page in two free blocks");
		} else if (t->flags != PTSIM_FRAME_FREE_TAIL || t->refcount || t->head ||
			   t->mapcount != -1) {
			rep(c, PTSIM_CHK_FRAME_STATE, pfn + j, PTSIM_FRAME_FREE_TAIL, t->flags,
			    "page inside a free block is in use");
		}
	}
	return n;
}

/* Check a folio head; returns the pages it covers (1 if malformed). */
static uint64_t check_folio(struct ctx *c, uint64_t pfn, const struct ptsim_frame *f)
{
	struct ptsim_mem *mem = c->mem;
	const struct ptsim_frame *p1 = fr(mem, pfn + 1);
	uint64_t order, n;

	if (!p1) {
		rep(c, PTSIM_CHK_COMPOUND, pfn, 1, 0, "folio head without a second page");
		return 1;
	}
	order = p1->flags & ORDER_MASK;
	if (order == 0 || order >= 64 - mem->page_shift || (pfn & ((1ull << order) - 1))) {
		rep(c, PTSIM_CHK_COMPOUND, pfn, 1, order, "folio order in page 1 invalid");
		return 1;
	}
	n = 1ull << order;
	for (uint64_t p = pfn; p < pfn + n; p += ptsim__section_pages(mem)) {
		if (!fr(mem, p)) {
			rep(c, PTSIM_CHK_COMPOUND, pfn, n, p - pfn, "folio extends past memory");
			return 1;
		}
	}
	if (p1->private_ != n)
		rep(c, PTSIM_CHK_COMPOUND, pfn, n, p1->private_, "folio nr_pages wrong");
	for (uint64_t j = 1; j < n; j++) {
		const struct ptsim_frame *t = fr(mem, pfn + j);

		if (t->head != ((pfn << 1) | 1))
			rep(c, PTSIM_CHK_COMPOUND, pfn + j, (pfn << 1) | 1, t->head,
			    "tail's head link does not point to its folio head");
		else if (t->refcount != 0)
			rep(c, PTSIM_CHK_FRAME_STATE, pfn + j, 0, (uint64_t)(int64_t)t->refcount,
			    "tail page has references");
		else if (t->flags & PTSIM_FRAME_FREE_TAIL)
			rep(c, PTSIM_CHK_FRAME_STATE, pfn + j, 0, t->flags,
			    "folio page marked free");
	}
	if (ptsim__frame_type(f) == PTSIM_PGTY_hugetlb) {
		for (unsigned int i = 0; i < mem->nr_hstates; i++) {
			if (mem->hstates[i].order == order) {
				c->hpages[i]++;
				if (f->refcount == 0)
					c->hfree[i]++;
			}
		}
	} else if (f->refcount <= 0) {
		rep(c, PTSIM_CHK_FRAME_STATE, pfn, 1, (uint64_t)(int64_t)f->refcount,
		    "folio in use with no reference (lost)");
	}
	return n;
}

static void check_frames(struct ctx *c)
{
	struct ptsim_mem *mem = c->mem;
	uint64_t spp = ptsim__section_pages(mem), covered = 0, total_free = 0, present = 0;

	for (uint64_t s = ptsim__section_next_block(mem, 0); s < mem->nr_sections;
	     s = ptsim__section_next_block(mem, s + 1)) {
		const struct ptsim_section *sec = ptsim__section(mem, s);
		uint64_t base = s << mem->section_pfn_shift, nfree = 0, i;

		if (!(sec->state & PTSIM_SECTION_PRESENT))
			continue;
		present += spp;
		if (!sec->frames) {
			if (sec->nr_free != spp)
				rep(c, PTSIM_CHK_FREE_COUNT, base, spp, sec->nr_free,
				    "pristine section free count");
			total_free += spp;
			continue;
		}
		i = covered > base ? covered - base : 0;
		while (i < spp) {
			const struct ptsim_frame *f = &sec->frames[i];
			uint64_t pfn = base + i, n;
			enum ptsim_page_type ty = ptsim__frame_type(f);
			int listed = ty == PTSIM_PGTY_buddy ? -1 : listed_order(mem, pfn);

			if (ty == PTSIM_PGTY_buddy || listed >= 0) {
				n = check_block(c, pfn, sec->frames, i, spp, listed);
				nfree += n;
				i += n;
				continue;
			}
			if (f->flags & PTSIM_FRAME_FREE_TAIL) {
				rep(c, PTSIM_CHK_BUDDY, pfn, 0, f->flags,
				    "free-block page outside any free block");
				nfree++;
				i++;
				continue;
			}
			if (ptsim__frame_tail(f)) {
				rep(c, PTSIM_CHK_COMPOUND, pfn, 0, f->head,
				    "tail page not covered by its head");
				i++;
				continue;
			}
			if (f->flags & (1ull << PTSIM_PG_head)) {
				n = check_folio(c, pfn, f);
				if (n > spp - i) {
					covered = pfn + n;
					break;
				}
				i += n;
				continue;
			}
			if (f->refcount < 0 || (f->refcount == 0 && ty != PTSIM_PGTY_table &&
						ty != PTSIM_PGTY_hugetlb))
				rep(c, PTSIM_CHK_FRAME_STATE, pfn, 1,
				    (uint64_t)(int64_t)f->refcount,
				    "frame in use with no reference (lost)");
			i++;
		}
		if (nfree != sec->nr_free)
			rep(c, PTSIM_CHK_FREE_COUNT, base, nfree, sec->nr_free,
			    "section free count disagrees with its free blocks");
		total_free += nfree;
	}
	if (total_free != mem->free_pages)
		rep(c, PTSIM_CHK_FREE_COUNT, 0, total_free, mem->free_pages,
		    "free_pages disagrees with the free blocks");
	if (present != mem->present_pages)
		rep(c, PTSIM_CHK_FREE_COUNT, 0, present, mem->present_pages,
		    "present_pages disagrees with the sections");
}

static bool bit_of(const uint64_t *w, uint64_t i)
{
	return (w[i >> 6] >> (i & 63)) & 1;
}

/*
 * Order @o's bit words of initialised section @s: every bit names a buddy
 * head of the order inside the section, and the summary words say which
 * words are non-empty.  Adds the bits to c->listed[o]; returns whether the
 * summary is non-empty (what the directory tier above must say).
 */
static bool check_section_list(struct ctx *c, uint64_t s, const struct ptsim_section *sec,
			       unsigned int o)
{
	const struct ptsim_mem *mem = c->mem;
	const uint64_t *bm = ptsim__section_bitmap(mem, sec);
	const uint64_t *w = bm + mem->bm_word[o], *sum = bm + mem->bm_sum[o];
	uint64_t slots = ptsim__section_pages(mem) >> o, nw = (slots + 63) >> 6;
	uint64_t base = s << mem->section_pfn_shift;
	bool any = false;

	for (uint64_t k = 0; k < (uint64_t)mem->bm_nsum[o] << 6; k++) {
		bool word = k < nw && w[k];

		if (word != bit_of(sum, k))
			rep(c, PTSIM_CHK_BUDDY, base + ((k << 6) << o), word, bit_of(sum, k),
			    "free-list summary bit disagrees with its word");
		any |= bit_of(sum, k);
	}
	for (uint64_t k = 0; k < nw; k++) {
		for (uint64_t v = w[k]; v; v &= v - 1) {
			uint64_t i = (k << 6) + (uint64_t)__builtin_ctzll(v), pfn = base + (i << o);
			const struct ptsim_frame *f;

			if (i >= slots) {
				rep(c, PTSIM_CHK_BUDDY, pfn, slots, i,
				    "free list names a page beyond its section");
				continue;
			}
			c->listed[o]++;
			f = &sec->frames[i << o];
			if (ptsim__frame_type(f) != PTSIM_PGTY_buddy)
				rep(c, PTSIM_CHK_BUDDY, pfn, PTSIM_PGTY_buddy, ptsim__frame_type(f),
				    "free list node is not a buddy block");
			else if (f->private_ != o)
				rep(c, PTSIM_CHK_BUDDY, pfn, o, f->private_,
				    "free list node has the wrong order");
		}
	}
	return any;
}

/* Directory block @r's tier of order @o; returns whether its summary is non-empty. */
static bool check_root_list(struct ctx *c, uint64_t r, unsigned int o)
{
	const struct ptsim_mem *mem = c->mem;
	const uint64_t *rb = ptsim__root_bitmap(mem, r, o);
	uint64_t len = ptsim__root_len(mem, r), first = r << PTSIM_SECTION_ROOT_SHIFT;

	for (uint64_t j = 0; j < (1ull << PTSIM_SECTION_ROOT_SHIFT); j++) {
		const struct ptsim_section *sec = ptsim__section(mem, first + j);
		bool has = j < len && (sec->state & PTSIM_SECTION_PRESENT) && sec->frames &&
			   check_section_list(c, first + j, sec, o);

		if (has != bit_of(rb + 1, j))
			rep(c, PTSIM_CHK_BUDDY, (first + j) << mem->section_pfn_shift, has,
			    bit_of(rb + 1, j),
			    "directory bit disagrees with the section's free list");
	}
	for (uint64_t k = 0; k < PTSIM_ROOT_BM_WORDS - 1; k++)
		if ((rb[1 + k] != 0) != bit_of(rb, k))
			rep(c, PTSIM_CHK_BUDDY, (first + (k << 6)) << mem->section_pfn_shift,
			    rb[1 + k] != 0, bit_of(rb, k),
			    "directory summary bit disagrees with its word");
	return rb[0] != 0;
}

static void check_lists(struct ctx *c)
{
	struct ptsim_mem *mem = c->mem;

	for (unsigned int o = 0; o <= mem->arch->max_order; o++) {
		const uint64_t *top = mem->top + o * mem->top_words;

		for (uint64_t r = 0; r < mem->top_words << 6; r++) {
			bool has = r < mem->nr_roots && mem->roots[r] && check_root_list(c, r, o);

			if (has != bit_of(top, r))
				rep(c, PTSIM_CHK_BUDDY,
				    r << (PTSIM_SECTION_ROOT_SHIFT + mem->section_pfn_shift), has,
				    bit_of(top, r),
				    "top free-list bit disagrees with its directory block");
		}
		if (c->listed[o] != mem->free_area[o].nr_free)
			rep(c, PTSIM_CHK_FREE_COUNT, o, c->listed[o], mem->free_area[o].nr_free,
			    "free_area nr_free disagrees with its list");
		if (c->listed[o] != c->blocks[o])
			rep(c, PTSIM_CHK_BUDDY, o, c->blocks[o], c->listed[o],
			    "free blocks in frames disagree with the free list");
	}
}

static void check_hugetlb(struct ctx *c)
{
	struct ptsim_mem *mem = c->mem;

	for (unsigned int i = 0; i < mem->nr_hstates; i++) {
		const struct ptsim_hstate *h = &mem->hstates[i];
		uint64_t v = h->free_list, len = 0, bound = (mem->present_pages >> h->order) + 1;

		while (v) {
			uint64_t pfn = v - 1;
			const struct ptsim_frame *f = fr(mem, pfn), *p1 = fr(mem, pfn + 1);

			if (!f || !p1 || ptsim__frame_type(f) != PTSIM_PGTY_hugetlb ||
			    (p1->flags & ORDER_MASK) != h->order || f->refcount != 0 ||
			    !(f->private_ & PTSIM_HPG_freed)) {
				rep(c, PTSIM_CHK_HUGETLB_POOL, pfn, h->order, f ? f->private_ : 0,
				    "hugetlb free list node is not a free pool folio");
				break;
			}
			if (++len > bound) {
				rep(c, PTSIM_CHK_HUGETLB_POOL, pfn, bound, len,
				    "hugetlb free list loops");
				break;
			}
			v = f->link;
		}
		if (len != h->free_hugepages)
			rep(c, PTSIM_CHK_HUGETLB_POOL, h->size, len, h->free_hugepages,
			    "free_hugepages disagrees with the free list");
		if (h->resv_hugepages > h->free_hugepages)
			rep(c, PTSIM_CHK_HUGETLB_POOL, h->size, h->free_hugepages,
			    h->resv_hugepages, "more reserved than free hugetlb pages");
		/* Surplus pages gathered for reservations wait on the free list too. */
		if (h->free_hugepages > h->nr_hugepages + h->surplus_hugepages)
			rep(c, PTSIM_CHK_HUGETLB_POOL, h->size,
			    h->nr_hugepages + h->surplus_hugepages, h->free_hugepages,
			    "more free than total hugetlb pages");
		if (c->hpages[i] != h->nr_hugepages + h->surplus_hugepages)
			rep(c, PTSIM_CHK_HUGETLB_POOL, h->size,
			    h->nr_hugepages + h->surplus_hugepages, c->hpages[i],
			    "hugetlb folios disagree with nr + surplus");
		if (c->hfree[i] != h->free_hugepages)
			rep(c, PTSIM_CHK_HUGETLB_POOL, h->size, h->free_hugepages, c->hfree[i],
			    "unreferenced hugetlb folios disagree with free_hugepages");
	}
}

void ptsim__mem_check(struct ptsim_mem *mem, ptsim_mem_report_fn report, void *rctx)
{
	struct ctx c;

	memset(&c, 0, sizeof(c));
	c.mem = mem;
	c.report = report;
	c.rctx = rctx;
	if (!mem->roots)
		return;
	check_frames(&c);
	check_lists(&c);
	check_hugetlb(&c);
}
