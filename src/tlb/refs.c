// SPDX-License-Identifier: MIT
/*
 * refs.c - the frame index of the TLB discipline checker: every valid TLB
 * and walk-cache entry of every CPU, chained under the frames it
 * references, so that a frame being freed is checked against the caches of
 * all CPUs in O(1) (include/ptsim/tlb.h, invariant 1) instead of by reading
 * every entry of every CPU.  Nothing here is modelled hardware: it is how
 * the checker finds what a real kernel would have to have flushed.
 *
 * Keys.  A leaf entry of level L maps 2^o frames from its first frame,
 * o = shift[L] - page_shift (the part's order); it is chained under
 * (o, pfn >> o).  A walk-cache entry references one frame, the table it
 * points to: (0, pfn).  The entries that reference a frame of [pfn, end)
 * are therefore chained under (o, g) for g from (pfn - 2^o + 1) >> o (an
 * entry whose first frame is not aligned to its size, as a hand-filled one
 * may be, starts in the granule below) to (end - 1) >> o, for each order o
 * some entry has; each one found there is then checked for overlap as the
 * scan it replaces did.
 *
 * Storage.  The chains run through the entries themselves (ref_next,
 * ref_prev: entry numbers cpu * per_cpu + offset, plus one), from an array
 * of bucket heads: one bucket per entry of the CPUs that have storage,
 * rounded up to a power of two (at least 64).  When a CPU's storage comes or
 * goes and that size changes, the array is allocated again and every chain
 * rebuilt: O(entries), as often as the size doubles or halves.  Like the
 * storage it is hardware-side memory (ptsim__alloc_nofail(), never an
 * allocation point); when a larger array cannot be had the old one stays
 * and chains get longer, and a CPU gets no storage while there is no array.
 * Its size follows the CPUs with storage alone, so a CPU's storage given
 * back after a failed first use gives the array back to its old size too.
 */
#include <errno.h>
#include <string.h>

#include "tlb/internal.h"

#define MIN_BITS 6

static inline uint64_t bucket(const struct ptsim_tlbs *t, unsigned int order, uint64_t g)
{
	return ((g ^ ((uint64_t)order << 57)) * 0x9e3779b97f4a7c15ull) >> (64 - t->ref_bits);
}

static inline struct ptsim_tlb_entry *entry_at(const struct ptsim_tlbs *t, uint64_t nr)
{
	return &t->cpus[nr / t->per_cpu].store[nr % t->per_cpu];
}

unsigned int ptsim__tlb_part_of(const struct ptsim_tlbs *t, uint64_t nr)
{
	uint64_t off = nr % t->per_cpu;
	unsigned int p = 0;

	while (p + 1 < t->nr_parts && off >= t->part[p + 1].start)
		p++;
	return p;
}

/* Chain entry number @nr (valid, of part @p) under its key. */
static void link_nr(struct ptsim_tlbs *t, unsigned int p, uint64_t nr, struct ptsim_tlb_entry *e)
{
	unsigned int o = t->part[p].order;
	uint32_t *head = &t->ref_heads[bucket(t, o, e->pfn >> o)];

	e->ref_prev = 0;
	e->ref_next = *head;
	if (*head)
		entry_at(t, *head - 1)->ref_prev = (uint32_t)(nr + 1);
	*head = (uint32_t)(nr + 1);
	t->part[p].nr_refs++;
}

void ptsim__tlb_ref_link(struct ptsim_tlbs *t, unsigned int cpu, unsigned int part,
			 struct ptsim_tlb_entry *e)
{
	link_nr(t, part, ptsim__tlb_entry_nr(t, cpu, e), e);
}

void ptsim__tlb_ref_unlink(struct ptsim_tlbs *t, unsigned int cpu, unsigned int part,
			   struct ptsim_tlb_entry *e)
{
	unsigned int o = t->part[part].order;

	(void)cpu;
	if (e->ref_prev)
		entry_at(t, e->ref_prev - 1)->ref_next = e->ref_next;
	else
		t->ref_heads[bucket(t, o, e->pfn >> o)] = e->ref_next;
	if (e->ref_next)
		entry_at(t, e->ref_next - 1)->ref_prev = e->ref_prev;
	e->ref_next = 0;
	e->ref_prev = 0;
	t->part[part].nr_refs--;
}

int ptsim__tlb_refs_resize(struct ptsim_tlbs *t)
{
	uint64_t entries = t->nr_cpus_stored * t->per_cpu;
	unsigned int bits = 0;
	uint32_t *heads;

	if (entries)
		for (bits = MIN_BITS; (1ull << bits) < entries; bits++)
			;
	if (bits == t->ref_bits)
		return 0;
	heads = NULL;
	if (bits) {
		heads = ptsim__alloc_nofail(t->host, sizeof(*heads) << bits);
		if (!heads)
			return t->ref_heads ? 0 : -ENOMEM; /* keep the old array: longer chains */
		memset(heads, 0, sizeof(*heads) << bits);
	}
	if (t->ref_heads)
		ptsim__free(t->host, t->ref_heads, sizeof(*t->ref_heads) << t->ref_bits);
	t->ref_heads = heads;
	t->ref_bits = bits;
	for (unsigned int p = 0; p < t->nr_parts; p++)
		t->part[p].nr_refs = 0;
	if (!heads)
		return 0;
	/* Rebuild every chain from the valid entries. */
	for (unsigned int cpu = 0; cpu < t->ncpus; cpu++) {
		struct ptsim_tlb_cpu *c = &t->cpus[cpu];

		if (!c->store || !c->nr_valid)
			continue;
		for (unsigned int p = 0; p < t->nr_parts; p++) {
			struct ptsim_tlb_entry *e = c->store + t->part[p].start;

			for (uint32_t i = 0; i < t->part[p].len; i++)
				if (e[i].stamp)
					link_nr(t, p, ptsim__tlb_entry_nr(t, cpu, &e[i]), &e[i]);
		}
	}
	return 0;
}

/* First granule of order @o whose entries may reach frame @pfn. */
static uint64_t first_granule(uint64_t pfn, unsigned int o)
{
	uint64_t span = (1ull << o) - 1;

	return (pfn > span ? pfn - span : 0) >> o;
}

int ptsim__tlb_refs_find(const struct ptsim_tlbs *t, uint64_t pfn, uint64_t end, uint64_t *out,
			 int max)
{
	unsigned int orders[2 * PTSIM_NR_LEVELS], nr_orders = 0;
	uint64_t reads = 0;
	int n = 0;

	if (!t->ref_heads || end <= pfn)
		return t->ref_heads ? 0 : -1;
	/* The orders some valid entry has, each once. */
	for (unsigned int p = 0; p < t->nr_parts; p++) {
		unsigned int o = t->part[p].order, k;

		if (!t->part[p].nr_refs)
			continue;
		for (k = 0; k < nr_orders && orders[k] != o; k++)
			;
		if (k < nr_orders)
			continue;
		orders[nr_orders++] = o;
		reads += ((end - 1) >> o) - first_granule(pfn, o) + 1;
	}
	/* Reading every entry is cheaper for a range larger than the caches. */
	if (reads > t->nr_cpus_stored * t->per_cpu)
		return -1;
	for (unsigned int k = 0; k < nr_orders; k++) {
		unsigned int o = orders[k];

		for (uint64_t g = first_granule(pfn, o);; g++) {
			for (uint32_t v = t->ref_heads[bucket(t, o, g)]; v;) {
				const struct ptsim_tlb_entry *e = entry_at(t, v - 1);
				uint64_t nr = v - 1;

				v = e->ref_next;
				if (e->pfn >> o != g ||
				    t->part[ptsim__tlb_part_of(t, nr)].order != o)
					continue;
				if (e->pfn >= end || e->pfn + (1ull << o) <= pfn)
					continue;
				if (n == max)
					return -1;
				/* Insert in entry-number order: the order of a scan. */
				int i = n++;

				for (; i > 0 && out[i - 1] > nr; i--)
					out[i] = out[i - 1];
				out[i] = nr;
			}
			if (g == (end - 1) >> o)
				break;
		}
	}
	return n;
}
