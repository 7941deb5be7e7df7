// SPDX-License-Identifier: MIT
/*
 * hash.c - the never-failing intrusive hash table of hash.h.
 */
#include "util/hash.h"

#include <string.h>

#include "util/bug.h"

static uint64_t nr_buckets(const struct ptsim_hash *h)
{
	return h->heap ? h->nr_buckets : PTSIM_HASH_INLINE_BUCKETS;
}

/* The bucket array: no pointer into the struct itself, so the struct may move. */
static struct ptsim_hnode **buckets(struct ptsim_hash *h)
{
	return h->heap ? h->heap : h->inline_buckets;
}

/* Fibonacci hashing: bits of key * 2^64/phi. */
static uint64_t bucket_of(const struct ptsim_hash *h, uint64_t key)
{
	return (key * 0x9e3779b97f4a7c15ull) >> 32 & (nr_buckets(h) - 1);
}

void ptsim__hash_init(struct ptsim_hash *h)
{
	memset(h, 0, sizeof(*h));
}

void ptsim__hash_fini(struct ptsim_host *host, struct ptsim_hash *h)
{
	if (h->heap)
		ptsim__free(host, h->heap, h->nr_buckets * sizeof(*h->heap));
	ptsim__hash_init(h);
}

/* Double the buckets if the host has the memory; otherwise keep them. */
static void grow(struct ptsim_host *host, struct ptsim_hash *h)
{
	uint64_t nb = nr_buckets(h) * 2;
	struct ptsim_hnode **b = ptsim__alloc_nofail(host, nb * sizeof(*b));

	if (!b)
		return;
	memset(b, 0, nb * sizeof(*b));
	if (h->heap)
		ptsim__free(host, h->heap, h->nr_buckets * sizeof(*h->heap));
	h->heap = b;
	h->nr_buckets = nb;
	for (struct ptsim_hnode *n = h->first; n; n = n->next) {
		uint64_t i = bucket_of(h, n->key);

		n->chain = b[i];
		b[i] = n;
	}
}

void ptsim__hash_add(struct ptsim_host *host, struct ptsim_hash *h, struct ptsim_hnode *n,
		     uint64_t key)
{
	uint64_t i;

	if (h->count + 1 > nr_buckets(h))
		grow(host, h);
	n->key = key;
	i = bucket_of(h, key);
	n->chain = buckets(h)[i];
	buckets(h)[i] = n;
	n->next = NULL;
	n->prev = h->last;
	if (h->last)
		h->last->next = n;
	else
		h->first = n;
	h->last = n;
	h->count++;
}

void ptsim__hash_del(struct ptsim_hash *h, struct ptsim_hnode *n)
{
	struct ptsim_hnode **pp = &buckets(h)[bucket_of(h, n->key)];

	while (*pp != n) {
		PTSIM_BUG_ON(!*pp); /* not in this table */
		pp = &(*pp)->chain;
	}
	*pp = n->chain;
	if (n->prev)
		n->prev->next = n->next;
	else
		h->first = n->next;
	if (n->next)
		n->next->prev = n->prev;
	else
		h->last = n->prev;
	n->chain = n->prev = n->next = NULL;
	h->count--;
}

void ptsim__hash_del_release(struct ptsim_host *host, struct ptsim_hash *h, struct ptsim_hnode *n)
{
	ptsim__hash_del(h, n);
	if (!h->count)
		ptsim__hash_fini(host, h);
}

struct ptsim_hnode *ptsim__hash_find(const struct ptsim_hash *h, uint64_t key)
{
	struct ptsim_hnode *n =
		h->heap ? h->heap[bucket_of(h, key)] : h->inline_buckets[bucket_of(h, key)];

	while (n && n->key != key)
		n = n->chain;
	return n;
}
