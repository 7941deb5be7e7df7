// SPDX-License-Identifier: MIT
/*
 * walk_index.c - the index of a fully associative walk cache: its lookups,
 * fills and drops in O(1) instead of a scan of every way (the x86 fault path
 * looks each walk cache up, fills it and drops the faulting address from it;
 * a 4096-entry walk cache made each fault read some 50 000 entries).
 *
 * The index answers the questions the scan answered, with the same answers
 * (src/tlb/internal.h has the cache's rules):
 *  - the valid entry tagged (asid, vpn): a walk cache holds at most one (a
 *    fill replaces an entry of the same tag in place), found by a hash of
 *    the tag with chains through the ways;
 *  - the first invalid way, lowest first: a bitmap of the invalid ways
 *    with a summary bitmap of its non-zero words;
 *  - the least recently used valid entry, the one with the smallest stamp:
 *    a list of the valid entries in stamp order.  Every stamp a cache
 *    writes is the CPU's clock after an increment, larger than every stamp
 *    before it, so moving the entry to the list's tail on each fill and hit
 *    keeps the list sorted by stamp, and its head is the smallest.
 * Walk-cache entries are never global, so the tag is the whole match.
 */
#include <string.h>

#include "tlb/internal.h"

#define NIL 0u /* links hold a way + 1 */

static unsigned int index_bits(unsigned int ways)
{
	unsigned int bits = 1;

	while ((1u << bits) < ways)
		bits++;
	return bits;
}

static unsigned int words(unsigned int bits_needed)
{
	return (bits_needed + 63) / 64;
}

/* Rounded up to 8 bytes: the next walk cache's index starts with its 64-bit bitmaps. */
size_t ptsim__windex_bytes(unsigned int ways)
{
	unsigned int fw = words(ways), sw = words(fw);
	size_t bytes = ((size_t)fw + sw) * sizeof(uint64_t) +
		       ((size_t)(1u << index_bits(ways)) + 3 * (size_t)ways) * sizeof(uint32_t);

	return (bytes + 7) & ~(size_t)7;
}

void ptsim__windex_init(struct ptsim_tlb_cache *k, void *mem)
{
	struct ptsim_tlb_windex *x = &k->wi;
	unsigned int ways = k->ways;

	x->bits = index_bits(ways);
	x->nr_free_words = words(ways);
	x->nr_sum_words = words(x->nr_free_words);
	x->free = mem;
	x->free_sum = x->free + x->nr_free_words;
	x->head = (uint32_t *)(void *)(x->free_sum + x->nr_sum_words);
	x->next = x->head + (1u << x->bits);
	x->lru_prev = x->next + ways;
	x->lru_next = x->lru_prev + ways;
	x->lru_first = x->lru_last = NIL;
	memset(mem, 0, ptsim__windex_bytes(ways));
	/* Every way is invalid. */
	for (unsigned int w = 0; w < ways; w++)
		x->free[w / 64] |= 1ull << (w % 64);
	for (unsigned int i = 0; i < x->nr_free_words; i++)
		x->free_sum[i / 64] |= 1ull << (i % 64);
}

static uint32_t bucket(const struct ptsim_tlb_windex *x, uint64_t asid, uint64_t vpn)
{
	uint64_t h = (vpn ^ (asid * 0xc2b2ae3d27d4eb4full)) * 0x9e3779b97f4a7c15ull;

	return (uint32_t)(h >> (64 - x->bits));
}

static uint32_t way_of(const struct ptsim_tlb_cache *k, const struct ptsim_tlb_entry *e)
{
	return (uint32_t)(e - k->e);
}

struct ptsim_tlb_entry *ptsim__windex_find(const struct ptsim_tlb_cache *k, uint64_t asid,
					   uint64_t vpn)
{
	const struct ptsim_tlb_windex *x = &k->wi;

	for (uint32_t l = x->head[bucket(x, asid, vpn)]; l != NIL; l = x->next[l - 1]) {
		struct ptsim_tlb_entry *e = &k->e[l - 1];

		if (e->vpn == vpn && e->asid == asid)
			return e;
	}
	return NULL;
}

struct ptsim_tlb_entry *ptsim__windex_victim(const struct ptsim_tlb_cache *k, uint64_t asid,
					     uint64_t vpn)
{
	const struct ptsim_tlb_windex *x = &k->wi;
	struct ptsim_tlb_entry *e = ptsim__windex_find(k, asid, vpn);

	if (e)
		return e;
	for (unsigned int s = 0; s < x->nr_sum_words; s++) {
		if (x->free_sum[s]) {
			unsigned int fw = s * 64 + (unsigned int)__builtin_ctzll(x->free_sum[s]);

			return &k->e[fw * 64 + (unsigned int)__builtin_ctzll(x->free[fw])];
		}
	}
	return &k->e[x->lru_first - 1]; /* every way valid: the least recently used */
}

static void lru_unlink(struct ptsim_tlb_windex *x, uint32_t w)
{
	uint32_t p = x->lru_prev[w], n = x->lru_next[w];

	if (p != NIL)
		x->lru_next[p - 1] = n;
	else
		x->lru_first = n;
	if (n != NIL)
		x->lru_prev[n - 1] = p;
	else
		x->lru_last = p;
}

static void lru_append(struct ptsim_tlb_windex *x, uint32_t w)
{
	x->lru_prev[w] = x->lru_last;
	x->lru_next[w] = NIL;
	if (x->lru_last != NIL)
		x->lru_next[x->lru_last - 1] = w + 1;
	else
		x->lru_first = w + 1;
	x->lru_last = w + 1;
}

void ptsim__windex_add(struct ptsim_tlb_cache *k, struct ptsim_tlb_entry *e)
{
	struct ptsim_tlb_windex *x = &k->wi;
	uint32_t w = way_of(k, e), b = bucket(x, e->asid, e->vpn);
	unsigned int fw = w / 64;

	x->next[w] = x->head[b];
	x->head[b] = w + 1;
	lru_append(x, w);
	x->free[fw] &= ~(1ull << (w % 64));
	if (!x->free[fw])
		x->free_sum[fw / 64] &= ~(1ull << (fw % 64));
}

void ptsim__windex_del(struct ptsim_tlb_cache *k, const struct ptsim_tlb_entry *e)
{
	struct ptsim_tlb_windex *x = &k->wi;
	uint32_t w = way_of(k, e);
	uint32_t *link = &x->head[bucket(x, e->asid, e->vpn)];
	unsigned int fw = w / 64;

	while (*link != w + 1) {
		PTSIM_BUG_ON(*link == NIL);
		link = &x->next[*link - 1];
	}
	*link = x->next[w];
	x->next[w] = NIL;
	lru_unlink(x, w);
	x->free[fw] |= 1ull << (w % 64);
	x->free_sum[fw / 64] |= 1ull << (fw % 64);
}

void ptsim__windex_touch(struct ptsim_tlb_cache *k, const struct ptsim_tlb_entry *e)
{
	struct ptsim_tlb_windex *x = &k->wi;
	uint32_t w = way_of(k, e);

	if (x->lru_last == w + 1)
		return;
	lru_unlink(x, w);
	lru_append(x, w);
}

unsigned int ptsim__windex_next_valid(const struct ptsim_tlb_cache *k, unsigned int from)
{
	const struct ptsim_tlb_windex *x = &k->wi;

	for (unsigned int i = from / 64; i < x->nr_free_words; i++) {
		uint64_t bits = ~x->free[i];

		if (i == from / 64)
			bits &= ~0ull << (from % 64);
		if ((i + 1) * 64 > k->ways)
			bits &= (1ull << (k->ways % 64)) - 1; /* the ways of the last word */
		if (bits)
			return i * 64 + (unsigned int)__builtin_ctzll(bits);
	}
	return k->ways;
}

bool ptsim__windex_consistent(const struct ptsim_tlb_cache *k)
{
	const struct ptsim_tlb_windex *x = &k->wi;
	unsigned int nvalid = 0, nlisted = 0;
	uint64_t last_stamp = 0;

	if (!x->head)
		return true;
	for (unsigned int w = 0; w < k->ways; w++) {
		const struct ptsim_tlb_entry *e = &k->e[w];
		bool is_free = (x->free[w / 64] >> (w % 64)) & 1;

		if (is_free != !e->stamp)
			return false;
		if (e->stamp) {
			nvalid++;
			if (ptsim__windex_find(k, e->asid, e->vpn) != e)
				return false;
		}
	}
	for (unsigned int i = 0; i < x->nr_free_words; i++)
		if (!!x->free[i] != !!((x->free_sum[i / 64] >> (i % 64)) & 1))
			return false;
	/* ptsim__windex_next_valid() visits exactly the valid ways, in order. */
	{
		unsigned int v = ptsim__windex_next_valid(k, 0);

		for (unsigned int w = 0; w < k->ways; w++) {
			if (!k->e[w].stamp)
				continue;
			if (v != w)
				return false;
			v = ptsim__windex_next_valid(k, w + 1);
		}
		if (v != k->ways)
			return false;
	}
	for (uint32_t l = x->lru_first; l != NIL; l = x->lru_next[l - 1]) {
		const struct ptsim_tlb_entry *e = &k->e[l - 1];

		if (!e->stamp || e->stamp <= last_stamp || ++nlisted > nvalid)
			return false;
		last_stamp = e->stamp;
	}
	return nlisted == nvalid && nvalid == k->nr_valid;
}
