/* SPDX-License-Identifier: MIT */
/*
 * src/pgtable/visit.h - the internal table visitor shared by every walker.
 *
 * fn() is called with one of the PTSIM_VISIT_* kinds it asked for in flags:
 *   ALL        every non-none slot at every logical level, before anything else
 *   HOLE       an empty slot, at the lowest level sharing it
 *   TABLE_PRE  a table entry, before its children
 *   TABLE_POST a table entry, after its children
 *   LEAF       a present leaf or a non-present non-none entry
 *   BAD        a table entry that points at a frame that is not a table
 * Return 0 to go on, PTSIM_VISIT_SKIP (from ALL/TABLE_PRE) to skip the
 * subtree, PTSIM_VISIT_AGAIN (from ALL/HOLE) to read the slot again and
 * revisit it, anything else to stop the walk with that value.  A callback
 * may change the entry it is called for: the visitor reads it again after
 * ALL before deciding whether to descend.
 */
#ifndef PTSIM_SRC_PGTABLE_VISIT_H
#define PTSIM_SRC_PGTABLE_VISIT_H

#include "pgtable/internal.h"
#include "ptsim/pgtable.h"

enum {
	PTSIM_VISIT_ALL = 0x1,
	PTSIM_VISIT_HOLE = 0x2,
	PTSIM_VISIT_TABLE_PRE = 0x4,
	PTSIM_VISIT_TABLE_POST = 0x8,
	PTSIM_VISIT_LEAF = 0x10,
	PTSIM_VISIT_BAD = 0x20,
};

#define PTSIM_VISIT_SKIP  0x7fff
#define PTSIM_VISIT_AGAIN 0x7ffe /* from ALL or HOLE: read the slot again and revisit it */
/* Consecutive AGAINs on one slot before the walk gives up with -ELOOP (a callback bug). */
#define PTSIM_VISIT_MAX_AGAIN 64

struct ptsim_visitor;
typedef int (*ptsim_visit_fn)(struct ptsim_visitor *v, int what, struct ptsim_slot *s,
			      uint64_t addr, uint64_t next);

struct ptsim_visitor {
	struct ptsim_pgtables *pt;
	ptsim_visit_fn fn;
	void *priv;
	unsigned int flags;
	unsigned int range_index; /* which valid half is being walked (x86: 0 user, 1 kernel) */
};

/* Visit [start, end) (end == 0: to the top), clipped to the valid halves. */
int ptsim__visit(struct ptsim_visitor *v, uint64_t start, uint64_t end);
bool ptsim__range_valid(const struct ptsim_arch *a, uint64_t start, uint64_t end);
bool ptsim__walk_range_valid(const struct ptsim_arch *a, uint64_t start, uint64_t end);

int ptsim__walk_page_range(struct ptsim_pgtables *pt, struct ptsim_mm *mm, uint64_t start,
			   uint64_t end, const struct ptsim_walk_ops *ops, void *priv);
int ptsim__translate(struct ptsim_pgtables *pt, uint64_t va, struct ptsim_translation *t);

/* map.c */
/*
 * ptsim__map() flag for init_mm only: the linear map, which maps every
 * present frame whatever it holds (page tables too).
 */
#define PTSIM__MAP_LINEAR 0x80000000u
int ptsim__map(struct ptsim_pgtables *pt, uint64_t va, uint64_t len, uint64_t pfn,
	       uint64_t page_size, uint64_t pgprot, unsigned int flags);
long ptsim__unmap(struct ptsim_pgtables *pt, uint64_t va, uint64_t len, unsigned int flags);

/* ptdump.c */
long ptsim__ptdump(struct ptsim_pgtables *pt, uint64_t start, uint64_t end, FILE *f);

#endif /* PTSIM_SRC_PGTABLE_VISIT_H */
