// SPDX-License-Identifier: MIT
/*
 * section.c - memory sections, lazy frame arrays, PFN -> frame, hotplug.
 *
 * The section directory has a 24-byte record per section from PFN 0 up to
 * phys_limit, in blocks of 4096 sections allocated only where a section is
 * (or was) present - SPARSEMEM_EXTREME's mem_section roots - so PFN ->
 * section -> frame is three array indexings and an empty machine costs one
 * pointer per block whatever its phys_limit.  Each directory block carries
 * its tier of the buddy free lists' bitmaps, and mem->roots the top tier
 * (see mem/internal.h).  A present section's 64-byte-per-page frame array,
 * followed by the section's own free-list bitmaps (about two bits a page),
 * is allocated on first use; until then the
 * section is "pristine": wholly free, counted in nr_free and
 * mem->free_pages but NOT on the buddy lists.  A section that becomes
 * wholly free again can be made pristine again (ptsim__section_depopulate(),
 * used by hot-remove and by the rollback of a failed operation), giving its
 * frame array back.
 *
 * Free-block marking (see also mem/internal.h): the head of a free buddy
 * block has page type PGTY_buddy and its order in private_; every other
 * page of the block has flags == PTSIM_FRAME_FREE_TAIL (bit 63, a private
 * "inside a free block" marker that is never a PG_* bit), refcount 0,
 * mapcount -1 and head word 0.  Frame-info and the checker use it to tell a
 * free page from an in-use one in O(1).
 *
 * Invariants (checked by ptsim__mem_check()):
 *  - a section's nr_free equals the pages of the free blocks in it (all of
 *    its pages while pristine); mem->free_pages is their sum;
 *  - a buddy block never crosses a section (sections are whole multiples
 *    of max-order blocks on every arch);
 *  - only present sections have frames; removing a section requires every
 *    one of its pages to be free.
 */
#include <errno.h>
#include <string.h>

#include "mem/internal.h"

static inline struct ptsim_section *section_of(const struct ptsim_mem *mem, uint64_t pfn)
{
	struct ptsim_section *sec = ptsim__section(mem, pfn >> mem->section_pfn_shift);

	return sec && (sec->state & PTSIM_SECTION_PRESENT) ? sec : NULL;
}

/*
 * Directory blocks for sections [first, last): allocate the missing ones
 * (zeroed: every section absent).  All or nothing: on -ENOMEM the blocks
 * this call allocated are given back.
 */
static int roots_get(struct ptsim_mem *mem, uint64_t first, uint64_t last)
{
	uint64_t r0 = first >> PTSIM_SECTION_ROOT_SHIFT;
	uint64_t r1 = (last - 1) >> PTSIM_SECTION_ROOT_SHIFT;

	for (uint64_t r = r0; r <= r1; r++) {
		if (mem->roots[r])
			continue;
		mem->roots[r] = ptsim__zalloc(mem->host, ptsim__root_bytes(mem, r));
		if (mem->roots[r])
			continue;
		/* Undo: blocks of this range with no present section were ours. */
		for (uint64_t q = r0; q < r; q++) {
			bool used = false;

			if (!mem->roots[q])
				continue;
			for (uint64_t i = 0; i < ptsim__root_len(mem, q) && !used; i++)
				used = mem->roots[q][i].state != PTSIM_SECTION_ABSENT;
			if (!used) {
				ptsim__free(mem->host, mem->roots[q], ptsim__root_bytes(mem, q));
				mem->roots[q] = NULL;
			}
		}
		return -ENOMEM;
	}
	return 0;
}

static size_t frames_bytes(const struct ptsim_mem *mem)
{
	return ptsim__section_bytes(mem);
}

/* mem->roots: a pointer per directory block, then the top tier of the free-block index. */
static size_t roots_bytes(const struct ptsim_mem *mem)
{
	return (size_t)mem->nr_roots * sizeof(*mem->roots) +
	       (size_t)(mem->arch->max_order + 1) * mem->top_words * sizeof(uint64_t);
}

static void hstates_init(struct ptsim_mem *mem)
{
	const struct ptsim_arch *a = mem->arch;

	mem->nr_hstates = 0;
	for (unsigned int i = 0; i < a->nr_hugetlb_sizes && i < PTSIM_MAX_HUGETLB_SIZES; i++) {
		struct ptsim_hstate *h = &mem->hstates[mem->nr_hstates++];
		uint64_t size = a->hugetlb_sizes[i];

		memset(h, 0, sizeof(*h));
		h->size = size;
		h->order = (unsigned int)__builtin_ctzll(size) - a->page_shift;
	}
}

int ptsim__mem_init(struct ptsim_mem *mem, struct ptsim_host *host, const struct ptsim_arch *a,
		    uint64_t phys_base, uint64_t phys_bytes, uint64_t phys_limit)
{
	uint64_t sec_size, spp;
	int err;

	memset(mem, 0, sizeof(*mem));
	if (!host || !a || a->max_order >= PTSIM_MAX_ORDER_LIMIT ||
	    a->section_bits < a->page_shift + a->max_order || a->section_bits >= 63)
		return -EINVAL;
	sec_size = 1ull << a->section_bits;
	if (!phys_bytes || (phys_base & (sec_size - 1)) || (phys_bytes & (sec_size - 1)) ||
	    (phys_limit & (sec_size - 1)))
		return -EINVAL;
	if (phys_base + phys_bytes < phys_base || phys_limit < phys_base + phys_bytes)
		return -EINVAL;
	if (a->pa_bits < 64 && phys_limit > (1ull << a->pa_bits))
		return -EINVAL;

	mem->host = host;
	mem->arch = a;
	mem->page_shift = a->page_shift;
	mem->section_pfn_shift = a->section_bits - a->page_shift;
	mem->nr_sections = phys_limit >> a->section_bits;
	mem->nr_roots = (mem->nr_sections + (1ull << PTSIM_SECTION_ROOT_SHIFT) - 1) >>
			PTSIM_SECTION_ROOT_SHIFT;
	err = ptsim__buddy_index_init(mem);
	if (err) {
		memset(mem, 0, sizeof(*mem));
		return err;
	}
	mem->roots = ptsim__zalloc(host, roots_bytes(mem));
	if (!mem->roots) {
		memset(mem, 0, sizeof(*mem));
		return -ENOMEM;
	}
	mem->top = (uint64_t *)(void *)(mem->roots + mem->nr_roots);
	if (roots_get(mem, phys_base >> a->section_bits,
		      (phys_base + phys_bytes) >> a->section_bits)) {
		ptsim__mem_fini(mem);
		return -ENOMEM;
	}
	spp = ptsim__section_pages(mem);
	for (uint64_t s = phys_base >> a->section_bits;
	     s < (phys_base + phys_bytes) >> a->section_bits; s++) {
		struct ptsim_section *sec = ptsim__section(mem, s);

		sec->state = PTSIM_SECTION_PRESENT;
		sec->nr_free = spp;
		mem->nr_sections_present++;
		mem->present_pages += spp;
		mem->free_pages += spp;
	}
	hstates_init(mem);

	err = ptsim__alloc_pages(mem, 0, &mem->zero_pfn);
	if (err) {
		ptsim__mem_fini(mem);
		return err;
	}
	ptsim__pfn_to_frame_noinit(mem, mem->zero_pfn)->flags = 1ull << PTSIM_PG_reserved;
	return 0;
}

void ptsim__mem_fini(struct ptsim_mem *mem)
{
	if (!mem->roots)
		return;
	for (uint64_t r = 0; r < mem->nr_roots; r++) {
		struct ptsim_section *root = mem->roots[r];

		if (!root)
			continue;
		for (uint64_t i = 0; i < ptsim__root_len(mem, r); i++)
			if (root[i].frames)
				ptsim__free(mem->host, root[i].frames, frames_bytes(mem));
		ptsim__free(mem->host, root, ptsim__root_bytes(mem, r));
	}
	ptsim__free(mem->host, mem->roots, roots_bytes(mem));
	memset(mem, 0, sizeof(*mem));
}

bool ptsim__pfn_present(const struct ptsim_mem *mem, uint64_t pfn)
{
	return section_of(mem, pfn) != NULL;
}

struct ptsim_frame *ptsim__frame_run(const struct ptsim_mem *mem, uint64_t pfn, uint64_t nr,
				     uint64_t *run)
{
	uint64_t left = ptsim__section_pages(mem) - (pfn & (ptsim__section_pages(mem) - 1));

	*run = nr < left ? nr : left;
	return ptsim__pfn_to_frame_noinit(mem, pfn);
}

/* --- page-table pages by groups of 64 frames --------------------------------- */

static uint64_t *table_groups(const struct ptsim_mem *mem, const struct ptsim_section *sec)
{
	return ptsim__section_bitmap(mem, sec) + mem->tbl_word;
}

void ptsim__table_group_update(struct ptsim_mem *mem, uint64_t pfn)
{
	struct ptsim_section *sec = section_of(mem, pfn);
	uint64_t i = pfn & (ptsim__section_pages(mem) - 1), g = i >> 6;
	const struct ptsim_frame *f;
	uint64_t *w;
	bool any = false;

	if (!sec || !sec->frames)
		return;
	f = &sec->frames[g << 6];
	w = &table_groups(mem, sec)[g >> 6];
	if (ptsim__frame_type(&sec->frames[i]) == PTSIM_PGTY_table) {
		*w |= 1ull << (g & 63);
		return;
	}
	for (unsigned int k = 0; k < 64 && !any; k++)
		any = ptsim__frame_type(&f[k]) == PTSIM_PGTY_table;
	if (any)
		*w |= 1ull << (g & 63);
	else
		*w &= ~(1ull << (g & 63));
}

bool ptsim__table_group_test(const struct ptsim_mem *mem, uint64_t pfn)
{
	const struct ptsim_section *sec = section_of(mem, pfn);
	uint64_t g = (pfn & (ptsim__section_pages(mem) - 1)) >> 6;

	return sec && sec->frames && (table_groups(mem, sec)[g >> 6] >> (g & 63) & 1);
}

bool ptsim__frames_find_table(const struct ptsim_mem *mem, uint64_t pfn, uint64_t nr,
			      uint64_t *table_pfn)
{
	uint64_t spp = ptsim__section_pages(mem);

	while (nr) {
		uint64_t off = pfn & (spp - 1), run = spp - off < nr ? spp - off : nr;
		const struct ptsim_section *sec = section_of(mem, pfn);

		/* No records (absent, or pristine and wholly free): no table there. */
		if (sec && sec->frames) {
			const uint64_t *w = table_groups(mem, sec);
			uint64_t g = off >> 6, glast = (off + run - 1) >> 6;

			while (g <= glast) {
				uint64_t bits = w[g >> 6] >> (g & 63), lo, hi;

				if (!bits) {
					g = (g | 63) + 1; /* the rest of the word: no table */
					continue;
				}
				g += (uint64_t)__builtin_ctzll(bits);
				if (g > glast)
					break;
				lo = g << 6 > off ? g << 6 : off;
				hi = (g << 6) + 64 < off + run ? (g << 6) + 64 : off + run;
				for (uint64_t i = lo; i < hi; i++) {
					if (ptsim__frame_type(&sec->frames[i]) ==
					    PTSIM_PGTY_table) {
						*table_pfn = pfn - off + i;
						return true;
					}
				}
				g++;
			}
		}
		if (pfn + run < pfn)
			break;
		pfn += run;
		nr -= run;
	}
	return false;
}

struct ptsim_frame *ptsim__pfn_to_frame(struct ptsim_mem *mem, uint64_t pfn)
{
	struct ptsim_section *sec = section_of(mem, pfn);

	if (!sec)
		return NULL;
	if (!sec->frames && ptsim__section_populate(mem, pfn >> mem->section_pfn_shift))
		return NULL;
	return &sec->frames[pfn & (ptsim__section_pages(mem) - 1)];
}

bool ptsim__pfn_free(const struct ptsim_mem *mem, uint64_t pfn)
{
	struct ptsim_section *sec = section_of(mem, pfn);

	if (!sec)
		return false;
	if (!sec->frames)
		return true;
	return ptsim__frame_in_buddy(&sec->frames[pfn & (ptsim__section_pages(mem) - 1)]);
}

/*
 * Allocate a pristine section's frames and put its max-order blocks on the
 * free lists.  Its pages were already counted free.  The one allocation
 * point is the frame array; on failure nothing changes.
 */
int ptsim__section_populate(struct ptsim_mem *mem, uint64_t secnr)
{
	struct ptsim_section *sec = ptsim__section(mem, secnr);
	uint64_t spp = ptsim__section_pages(mem), base = secnr << mem->section_pfn_shift;
	unsigned int max = mem->arch->max_order;
	struct ptsim_frame *fr;

	if (sec->frames)
		return 0;
	fr = ptsim__zalloc(mem->host, frames_bytes(mem));
	if (!fr)
		return -ENOMEM;
	for (uint64_t i = 0; i < spp; i++) {
		fr[i].mapcount = -1;
		if (i & ((1ull << max) - 1))
			fr[i].flags = PTSIM_FRAME_FREE_TAIL;
	}
	sec->frames = fr;
	mem->nr_sections_initialised++;
	ptsim__section_journal(mem, secnr);
	for (uint64_t i = 0; i < spp; i += 1ull << max) {
		ptsim__frame_set_type(&fr[i], PTSIM_PGTY_buddy);
		fr[i].private_ = max;
		ptsim__buddy_list_add(mem, base + i, max);
	}
	return 0;
}

static int range_sections(const struct ptsim_mem *mem, uint64_t start, uint64_t size,
			  uint64_t *first, uint64_t *last)
{
	uint64_t sec_size = 1ull << mem->arch->section_bits;
	uint64_t limit = mem->nr_sections << mem->arch->section_bits;

	if (!size || (start & (sec_size - 1)) || (size & (sec_size - 1)) || start + size < start ||
	    start + size > limit)
		return -EINVAL;
	*first = start >> mem->arch->section_bits;
	*last = (start + size) >> mem->arch->section_bits;
	return 0;
}

int ptsim__memory_add(struct ptsim_mem *mem, uint64_t start, uint64_t size)
{
	uint64_t first, last, spp = ptsim__section_pages(mem);
	int err = range_sections(mem, start, size, &first, &last);

	if (err)
		return err;
	for (uint64_t s = ptsim__section_next_block(mem, first); s < last;
	     s = ptsim__section_next_block(mem, s + 1))
		if (ptsim__section(mem, s)->state & PTSIM_SECTION_PRESENT)
			return -EEXIST;
	if (roots_get(mem, first, last))
		return -ENOMEM;
	if (first < mem->pristine_hint)
		mem->pristine_hint = first;
	for (uint64_t s = first; s < last; s++) {
		struct ptsim_section *sec = ptsim__section(mem, s);

		sec->state = PTSIM_SECTION_PRESENT;
		sec->frames = NULL;
		sec->nr_free = spp;
		mem->nr_sections_present++;
		mem->present_pages += spp;
		mem->free_pages += spp;
	}
	return 0;
}

int ptsim__memory_remove(struct ptsim_mem *mem, uint64_t start, uint64_t size)
{
	uint64_t first, last, spp = ptsim__section_pages(mem);
	int err = range_sections(mem, start, size, &first, &last);

	if (err)
		return err;
	for (uint64_t s = first; s < last; s++)
		if (!section_of(mem, s << mem->section_pfn_shift))
			return -ENOENT;
	for (uint64_t s = first; s < last; s++)
		if (ptsim__section(mem, s)->nr_free != spp)
			return -EBUSY;

	for (uint64_t s = first; s < last; s++) {
		struct ptsim_section *sec = ptsim__section(mem, s);

		ptsim__section_depopulate(mem, s);
		sec->state = PTSIM_SECTION_ABSENT;
		sec->nr_free = 0;
		mem->nr_sections_present--;
		mem->present_pages -= spp;
		mem->free_pages -= spp;
	}
	return 0;
}

void ptsim__section_journal(struct ptsim_mem *mem, uint64_t secnr)
{
	struct ptsim_section *sec = ptsim__section(mem, secnr);

	if (!mem->op_depth || sec->journaled)
		return;
	PTSIM_BUG_ON(secnr >= UINT32_MAX);
	sec->journaled = 1;
	sec->journal_prev = (uint32_t)mem->journal_top;
	mem->journal_top = secnr + 1;
}

void ptsim__mem_journal_close(struct ptsim_mem *mem, bool failed)
{
	uint64_t spp = ptsim__section_pages(mem);

	while (mem->journal_top) {
		uint64_t s = mem->journal_top - 1;
		struct ptsim_section *sec = ptsim__section(mem, s);

		mem->journal_top = sec->journal_prev;
		sec->journaled = 0;
		sec->journal_prev = 0;
		if (failed && (sec->state & PTSIM_SECTION_PRESENT) && sec->frames &&
		    sec->nr_free == spp)
			ptsim__section_depopulate(mem, s);
	}
}

void ptsim__section_depopulate(struct ptsim_mem *mem, uint64_t secnr)
{
	struct ptsim_section *sec = ptsim__section(mem, secnr);
	uint64_t spp = ptsim__section_pages(mem), base = secnr << mem->section_pfn_shift;

	PTSIM_BUG_ON(!sec || !(sec->state & PTSIM_SECTION_PRESENT) || sec->nr_free != spp);
	if (!sec->frames)
		return;
	/* Wholly free: the section is a run of free blocks. */
	for (uint64_t i = 0; i < spp;) {
		unsigned int order = (unsigned int)sec->frames[i].private_;

		ptsim__buddy_list_del(mem, base + i, order);
		i += 1ull << order;
	}
	ptsim__free(mem->host, sec->frames, frames_bytes(mem));
	sec->frames = NULL;
	mem->nr_depopulated++;
	mem->nr_sections_initialised--;
	if (secnr < mem->pristine_hint)
		mem->pristine_hint = secnr;
}

void ptsim__for_each_frame(const struct ptsim_mem *mem,
			   void (*fn)(void *arg, uint64_t pfn, const struct ptsim_frame *f),
			   void *arg)
{
	for (uint64_t s = ptsim__section_next_block(mem, 0); s < mem->nr_sections;
	     s = ptsim__section_next_block(mem, s + 1)) {
		const struct ptsim_section *sec = ptsim__section(mem, s);
		uint64_t base = s << mem->section_pfn_shift;
		uint64_t n = 1ull << mem->section_pfn_shift;

		if (sec->state != PTSIM_SECTION_PRESENT || !sec->frames)
			continue;
		for (uint64_t i = 0; i < n; i++)
			fn(arg, base + i, &sec->frames[i]);
	}
}
