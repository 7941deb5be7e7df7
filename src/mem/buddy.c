// SPDX-License-Identifier: MIT
/*
 * buddy.c - the buddy allocator (orders 0..max_order) and the contiguous
 * range allocator for gigantic orders.
 *
 * The free lists are a free-block index (mem/internal.h has its layout):
 * per order, one bit per naturally aligned block, set while that block is
 * free, in a section's bitmap with a summary word per 64 bit words, and
 * above the sections two tiers of bits that say which sections and which
 * directory blocks have a free block of the order.  Adding or removing a
 * block sets or clears one bit and, when a word turns empty or non-empty,
 * one bit in each tier above: O(1), never an allocation (the bitmaps come
 * with the frame arrays and directory blocks).  Allocation is
 * deterministic and lowest-PFN first: the smallest order that has a block
 * is used, and its lowest block - the first set bit of the top tier, of
 * that directory block, of that section's summary, of that word: a few
 * words read, however many blocks are free.  When no order large enough
 * has a block, the lowest pristine section is initialised (an allocation
 * point) and its max-order blocks join the index.
 *
 * Allocated pages (split_page semantics, non-compound): refcount 1 on every
 * page, mapcount -1, all other words 0.  Freed pages are poisoned back to
 * the free-block state (see section.c): mapping/index/private_ cleared.
 *
 * Every frame allocation (ptsim__alloc_pages(), ptsim__alloc_contig()) is
 * one ptsim__fault_hit() allocation point, besides the host allocations of
 * frame arrays it may need.  A failure leaves everything unchanged.
 */
#include <errno.h>
#include <string.h>

#include "mem/internal.h"

#define SECTION_NEW 0x80 /* transient: frame array allocated by alloc_contig, not committed */

static inline struct ptsim_frame *frame(const struct ptsim_mem *mem, uint64_t pfn)
{
	return ptsim__pfn_to_frame_noinit(mem, pfn);
}

static inline struct ptsim_section *sec_of(struct ptsim_mem *mem, uint64_t pfn)
{
	return ptsim__section(mem, pfn >> mem->section_pfn_shift);
}

/* --- the free-block index -------------------------------------------------- */

static inline uint64_t bit(uint64_t i)
{
	return 1ull << (i & 63);
}

/* Words needed for @bits bits. */
static inline uint64_t words(uint64_t bits)
{
	return (bits + 63) >> 6;
}

int ptsim__buddy_index_init(struct ptsim_mem *mem)
{
	uint64_t spp = ptsim__section_pages(mem), off = 0;

	/* Two tiers inside a section: at most 64 summary words (2^18 pages). */
	if (mem->section_pfn_shift > 18)
		return -EINVAL;
	for (unsigned int o = 0; o <= mem->arch->max_order; o++) {
		uint64_t nw = words(spp >> o);

		mem->bm_word[o] = (uint32_t)off;
		off += nw;
		mem->bm_sum[o] = (uint32_t)off;
		mem->bm_nsum[o] = (uint32_t)words(nw);
		off += mem->bm_nsum[o];
	}
	/* The table-group words: a bit per 64 frames (ptsim__table_group_update()). */
	mem->tbl_word = (uint32_t)off;
	off += words(spp >> 6);
	mem->bm_words = (uint32_t)off;
	mem->top_words = words(mem->nr_roots);
	return 0;
}

/* The directory tiers: section @s has (@set) or no longer has a free block of order @o. */
static void index_section(struct ptsim_mem *mem, uint64_t s, unsigned int o, bool set)
{
	uint64_t r = s >> PTSIM_SECTION_ROOT_SHIFT,
		 j = s & ((1ull << PTSIM_SECTION_ROOT_SHIFT) - 1);
	uint64_t *rb = ptsim__root_bitmap(mem, r, o), *top = mem->top + o * mem->top_words;

	if (set) {
		if (!rb[1 + (j >> 6)]) {
			if (!rb[0])
				top[r >> 6] |= bit(r);
			rb[0] |= bit(j >> 6);
		}
		rb[1 + (j >> 6)] |= bit(j);
		return;
	}
	rb[1 + (j >> 6)] &= ~bit(j);
	if (!rb[1 + (j >> 6)]) {
		rb[0] &= ~bit(j >> 6);
		if (!rb[0])
			top[r >> 6] &= ~bit(r);
	}
}

static bool sum_empty(const uint64_t *sum, uint32_t n)
{
	for (uint32_t k = 0; k < n; k++)
		if (sum[k])
			return false;
	return true;
}

void ptsim__buddy_list_add(struct ptsim_mem *mem, uint64_t pfn, unsigned int order)
{
	uint64_t s = pfn >> mem->section_pfn_shift;
	uint64_t i = (pfn & (ptsim__section_pages(mem) - 1)) >> order;
	uint64_t *bm = ptsim__section_bitmap(mem, ptsim__section(mem, s));
	uint64_t *w = bm + mem->bm_word[order], *sum = bm + mem->bm_sum[order];

	PTSIM_BUG_ON(w[i >> 6] & bit(i));
	if (!w[i >> 6]) {
		if (sum_empty(sum, mem->bm_nsum[order]))
			index_section(mem, s, order, true);
		sum[i >> 12] |= bit(i >> 6);
	}
	w[i >> 6] |= bit(i);
	mem->free_area[order].nr_free++;
}

void ptsim__buddy_list_del(struct ptsim_mem *mem, uint64_t pfn, unsigned int order)
{
	uint64_t s = pfn >> mem->section_pfn_shift;
	uint64_t i = (pfn & (ptsim__section_pages(mem) - 1)) >> order;
	uint64_t *bm = ptsim__section_bitmap(mem, ptsim__section(mem, s));
	uint64_t *w = bm + mem->bm_word[order], *sum = bm + mem->bm_sum[order];

	PTSIM_BUG_ON(!(w[i >> 6] & bit(i)));
	w[i >> 6] &= ~bit(i);
	if (!w[i >> 6]) {
		sum[i >> 12] &= ~bit(i >> 6);
		if (sum_empty(sum, mem->bm_nsum[order]))
			index_section(mem, s, order, false);
	}
	mem->free_area[order].nr_free--;
}

bool ptsim__buddy_listed(const struct ptsim_mem *mem, uint64_t pfn, unsigned int order)
{
	const struct ptsim_section *sec = ptsim__section(mem, pfn >> mem->section_pfn_shift);
	uint64_t i = (pfn & (ptsim__section_pages(mem) - 1)) >> order;

	if (!sec || !sec->frames || order > mem->arch->max_order || (pfn & ((1ull << order) - 1)))
		return false;
	return (ptsim__section_bitmap(mem, sec)[mem->bm_word[order] + (i >> 6)] & bit(i)) != 0;
}

/* The lowest free block of order @o (the caller saw free_area[o].nr_free != 0). */
static uint64_t first_block(const struct ptsim_mem *mem, unsigned int o)
{
	const uint64_t *top = mem->top + o * mem->top_words, *rb, *bm;
	uint64_t r = 0, s, wi = 0, k;

	for (k = 0; k < mem->top_words && !top[k]; k++)
		;
	PTSIM_BUG_ON(k == mem->top_words);
	r = (k << 6) + (uint64_t)__builtin_ctzll(top[k]);
	rb = ptsim__root_bitmap(mem, r, o);
	PTSIM_BUG_ON(!rb || !rb[0]);
	k = (uint64_t)__builtin_ctzll(rb[0]);
	s = (r << PTSIM_SECTION_ROOT_SHIFT) + (k << 6) + (uint64_t)__builtin_ctzll(rb[1 + k]);
	bm = ptsim__section_bitmap(mem, ptsim__section(mem, s));
	for (k = 0; k < mem->bm_nsum[o]; k++) {
		uint64_t v = bm[mem->bm_sum[o] + k];

		if (v) {
			wi = (k << 6) + (uint64_t)__builtin_ctzll(v);
			break;
		}
	}
	PTSIM_BUG_ON(k == mem->bm_nsum[o]);
	return (s << mem->section_pfn_shift) +
	       ((((wi << 6) + (uint64_t)__builtin_ctzll(bm[mem->bm_word[o] + wi]))) << o);
}

static void prep_alloc(struct ptsim_frame *f)
{
	memset(f, 0, sizeof(*f));
	f->mapcount = -1;
	f->refcount = 1;
}

static void prep_free_tail(struct ptsim_frame *f)
{
	memset(f, 0, sizeof(*f));
	f->flags = PTSIM_FRAME_FREE_TAIL;
	f->mapcount = -1;
}

/* Return a block (within one section) to the lists, merging with free buddies. */
static void free_block(struct ptsim_mem *mem, uint64_t pfn, unsigned int order)
{
	struct ptsim_frame *f = frame(mem, pfn);
	unsigned int max = mem->arch->max_order;

	for (uint64_t i = 0; i < (1ull << order); i++)
		prep_free_tail(&f[i]);
	while (order < max) {
		uint64_t buddy = pfn ^ (1ull << order);
		struct ptsim_frame *bf = frame(mem, buddy);

		if (ptsim__frame_type(bf) != PTSIM_PGTY_buddy || bf->private_ != order)
			break;
		ptsim__buddy_list_del(mem, buddy, order);
		prep_free_tail(bf);
		pfn &= ~(1ull << order);
		order++;
	}
	f = frame(mem, pfn);
	f->flags = 0;
	ptsim__frame_set_type(f, PTSIM_PGTY_buddy);
	f->private_ = order;
	ptsim__buddy_list_add(mem, pfn, order);
}

static void free_pages_nohook(struct ptsim_mem *mem, uint64_t pfn, unsigned int order)
{
	free_block(mem, pfn, order);
	sec_of(mem, pfn)->nr_free += 1ull << order;
	mem->free_pages += 1ull << order;
}

void ptsim__free_pages(struct ptsim_mem *mem, uint64_t pfn, unsigned int order)
{
	if (mem->free_hook)
		mem->free_hook(mem->free_hook_ctx, pfn, 1ull << order, "free_pages");
	mem->host->cost.pages_freed++;
	free_pages_nohook(mem, pfn, order);
}

/*
 * The lowest pristine section, from the hint on: no section below the hint
 * is pristine (populating moves past it; hot-add and depopulating lower
 * it), so each section is passed over once between such events.
 */
static uint64_t lowest_pristine(struct ptsim_mem *mem)
{
	for (uint64_t s = ptsim__section_next_block(mem, mem->pristine_hint); s < mem->nr_sections;
	     s = ptsim__section_next_block(mem, s + 1)) {
		const struct ptsim_section *sec = ptsim__section(mem, s);

		if ((sec->state & PTSIM_SECTION_PRESENT) && !sec->frames) {
			mem->pristine_hint = s;
			return s;
		}
	}
	mem->pristine_hint = mem->nr_sections;
	return UINT64_MAX;
}

int ptsim__alloc_pages(struct ptsim_mem *mem, unsigned int order, uint64_t *pfn)
{
	unsigned int max = mem->arch->max_order, o;
	uint64_t p;
	struct ptsim_frame *f;

	if (order > max)
		return -EINVAL;
	if (ptsim__fault_hit(mem->host))
		return -ENOMEM;
	for (o = order; o <= max && !mem->free_area[o].nr_free; o++)
		;
	if (o > max) {
		uint64_t s = lowest_pristine(mem);

		if (s == UINT64_MAX || ptsim__section_populate(mem, s))
			return -ENOMEM;
		o = max;
	}
	p = first_block(mem, o);
	ptsim__buddy_list_del(mem, p, o);
	while (o > order) {
		uint64_t upper = p + (1ull << --o);

		f = frame(mem, upper);
		f->flags = 0;
		ptsim__frame_set_type(f, PTSIM_PGTY_buddy);
		f->private_ = o;
		ptsim__buddy_list_add(mem, upper, o);
	}
	f = frame(mem, p);
	for (uint64_t i = 0; i < (1ull << order); i++)
		prep_alloc(&f[i]);
	sec_of(mem, p)->nr_free -= 1ull << order;
	mem->free_pages -= 1ull << order;
	mem->host->cost.pages_alloc++;
	*pfn = p;
	return 0;
}

/*
 * Contiguous ranges: a naturally aligned run of 2^order pages is free when
 * every max-order chunk in it is free: its section pristine or wholly free,
 * or the chunk a free max-order block (merging is eager, so a free aligned
 * max-order range is always one block).
 */
static bool range_free(struct ptsim_mem *mem, uint64_t start, uint64_t n)
{
	uint64_t spp = ptsim__section_pages(mem), chunk = 1ull << mem->arch->max_order;

	for (uint64_t p = start; p < start + n;) {
		struct ptsim_section *sec = sec_of(mem, p);

		if (!sec || !(sec->state & PTSIM_SECTION_PRESENT))
			return false;
		if (!sec->frames || sec->nr_free == spp) {
			p = (p | (spp - 1)) + 1;
			continue;
		}
		{
			struct ptsim_frame *f = frame(mem, p);

			if (ptsim__frame_type(f) != PTSIM_PGTY_buddy ||
			    f->private_ != mem->arch->max_order)
				return false;
		}
		p += chunk;
	}
	return true;
}

int ptsim__alloc_contig(struct ptsim_mem *mem, unsigned int order, uint64_t *pfn)
{
	unsigned int max = mem->arch->max_order;
	uint64_t spp = ptsim__section_pages(mem), n, end, start, s0, s1;
	size_t fb = ptsim__section_bytes(mem);
	bool found = false;

	if (order <= max || order >= 63 - mem->page_shift)
		return -EINVAL;
	if (ptsim__fault_hit(mem->host))
		return -ENOMEM;
	n = 1ull << order;
	end = mem->nr_sections << mem->section_pfn_shift;
	for (start = 0; start + n <= end && start + n > start; start += n) {
		uint64_t s = start >> mem->section_pfn_shift,
			 next = ptsim__section_next_block(mem, s);

		if (next > s) {
			/* No directory block here: on to the first aligned run in one. */
			uint64_t at = next << mem->section_pfn_shift;

			if (next >= mem->nr_sections)
				break;
			start = ((at + n - 1) & ~(n - 1)) - n;
			continue;
		}
		if (range_free(mem, start, n)) {
			found = true;
			break;
		}
	}
	if (!found)
		return -ENOMEM;

	/* Prepare: frame arrays of pristine sections (allocation points). */
	s0 = start >> mem->section_pfn_shift;
	s1 = (start + n - 1) >> mem->section_pfn_shift;
	for (uint64_t s = s0; s <= s1; s++) {
		struct ptsim_section *sec = ptsim__section(mem, s);

		if (sec->frames)
			continue;
		sec->frames = ptsim__alloc(mem->host, fb);
		if (!sec->frames) {
			for (uint64_t r = s0; r < s; r++) {
				struct ptsim_section *rs = ptsim__section(mem, r);

				if (rs->state & SECTION_NEW) {
					ptsim__free(mem->host, rs->frames, fb);
					rs->frames = NULL;
					rs->state &= (uint8_t)~SECTION_NEW;
				}
			}
			return -ENOMEM;
		}
		sec->state |= SECTION_NEW;
	}

	/* Commit. */
	for (uint64_t s = s0; s <= s1; s++) {
		struct ptsim_section *sec = ptsim__section(mem, s);
		uint64_t base = s << mem->section_pfn_shift;
		uint64_t lo = start > base ? start - base : 0;
		uint64_t hi = start + n - base < spp ? start + n - base : spp;

		if (sec->state & SECTION_NEW) {
			sec->state &= (uint8_t)~SECTION_NEW;
			mem->nr_sections_initialised++;
			ptsim__section_journal(mem, s);
			/* Pages outside [lo, hi) (sub-section ranges) go to the lists. */
			for (uint64_t i = 0; i < spp; i++)
				prep_free_tail(&sec->frames[i]);
			memset(ptsim__section_bitmap(mem, sec), 0,
			       mem->bm_words * sizeof(uint64_t));
			for (uint64_t i = 0; i < spp; i += 1ull << max) {
				if (i >= lo && i < hi)
					continue;
				sec->frames[i].flags = 0;
				ptsim__frame_set_type(&sec->frames[i], PTSIM_PGTY_buddy);
				sec->frames[i].private_ = max;
				ptsim__buddy_list_add(mem, base + i, max);
			}
		} else {
			for (uint64_t i = lo; i < hi; i += 1ull << max)
				ptsim__buddy_list_del(mem, base + i, max);
		}
		for (uint64_t i = lo; i < hi; i++)
			prep_alloc(&sec->frames[i]);
		sec->nr_free -= hi - lo;
	}
	mem->free_pages -= n;
	*pfn = start;
	return 0;
}

void ptsim__free_contig(struct ptsim_mem *mem, uint64_t pfn, unsigned int order)
{
	unsigned int max = mem->arch->max_order;

	if (mem->free_hook)
		mem->free_hook(mem->free_hook_ctx, pfn, 1ull << order, "free_contig");
	for (uint64_t p = pfn; p < pfn + (1ull << order); p += 1ull << max)
		free_pages_nohook(mem, p, max);
}
