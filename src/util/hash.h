/* SPDX-License-Identifier: MIT */
/*
 * hash.h - an intrusive hash table keyed by uint64_t that never fails.
 *
 * The mm layer finds files, page-cache slots and anon_vmas by id, so that a
 * folio's mapping word holds an id, never a pointer.  Those tables are
 * written in commit phases, which must not fail.  Inserting therefore never
 * needs memory: a table starts with buckets inside its struct, and grows
 * (doubling, at a load of one entry per bucket) only when a larger bucket
 * array can be had; when it cannot - the host is out of memory - the table
 * keeps its buckets and just gets longer chains.  The growth allocation is
 * not an allocation point for fault injection: it changes no outcome.
 *
 * Iteration follows insertion order (an intrusive list beside the
 * buckets), so what is released or checked in a loop over a table comes in
 * the same order on every run and every host.
 */
#ifndef PTSIM_SRC_UTIL_HASH_H
#define PTSIM_SRC_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "util/host.h"

struct ptsim_hnode {
	struct ptsim_hnode *chain;	 /* next in the bucket */
	struct ptsim_hnode *prev, *next; /* insertion order */
	uint64_t key;
};

#define PTSIM_HASH_INLINE_BUCKETS 4

struct ptsim_hash {
	struct ptsim_hnode **heap; /* the buckets once grown; NULL: inline_buckets */
	uint64_t nr_buckets;	   /* a power of two (0 before ptsim__hash_init()) */
	uint64_t count;
	struct ptsim_hnode *first, *last;
	struct ptsim_hnode *inline_buckets[PTSIM_HASH_INLINE_BUCKETS];
};

/* An empty table (a zeroed struct is one too). */
void ptsim__hash_init(struct ptsim_hash *h);
/* Free the bucket array (the nodes are the caller's). */
void ptsim__hash_fini(struct ptsim_host *host, struct ptsim_hash *h);
/* Insert @n under @key (keys are unique: the caller checked).  Never fails. */
void ptsim__hash_add(struct ptsim_host *host, struct ptsim_hash *h, struct ptsim_hnode *n,
		     uint64_t key);
/* Remove @n.  Never allocates. */
void ptsim__hash_del(struct ptsim_hash *h, struct ptsim_hnode *n);
/* The same, and give a grown bucket array back once the table is empty. */
void ptsim__hash_del_release(struct ptsim_host *host, struct ptsim_hash *h, struct ptsim_hnode *n);
/* The node with @key, or NULL. */
struct ptsim_hnode *ptsim__hash_find(const struct ptsim_hash *h, uint64_t key);

/* The struct of type @type whose member @member is @ptr (NULL stays NULL). */
#define ptsim__hash_entry(ptr, type, member)                                                       \
	((ptr) ? (type *)(void *)((char *)(ptr)-offsetof(type, member)) : (type *)NULL)

#endif /* PTSIM_SRC_UTIL_HASH_H */
