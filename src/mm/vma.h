/* SPDX-License-Identifier: MIT */
/*
 * src/mm/vma.h - virtual memory areas and the ordered set that holds them.
 *
 * An address space's VMAs are disjoint half-open ranges [vm_start, vm_end)
 * kept in an AVL tree ordered by address, so find_vma() - the first VMA
 * whose end lies above an address, the kernel's lookup - is O(log n), and
 * so are insertion and removal.  Neighbours are reached in O(log n) too.
 *
 * Free space.  Each node also records the span of its subtree (the lowest
 * vm_start and the highest vm_end in it) and the largest hole between two
 * consecutive VMAs of the subtree, so mmap's free-area search finds the
 * highest hole that fits in O(log n), as the kernel's
 * unmapped_area_topdown() (mm/mmap.c) does with the maple tree's gap
 * tracking (the largest gap below each slot of a node; before the maple
 * tree, the VMA rbtree's rb_subtree_gap).  Unlike rb_subtree_gap, which
 * stores each VMA's gap to its predecessor, these fields depend only on the
 * subtree's own VMAs, so moving a VMA's boundary updates its path to the
 * root and nothing else.  A VMA in the tree changes its vm_start or vm_end
 * only through ptsim__vma_set_range(), which does that update; insertion,
 * removal and rotations keep the fields too.
 *
 * Invariants (checked by ptsim__vma_tree_check()):
 *  - every VMA is non-empty and page aligned;
 *  - an in-order walk gives strictly increasing, non-overlapping ranges;
 *  - each node's height is 1 + max(child heights) and children's heights
 *    differ by at most one; parent links match the child links;
 *  - each node's subtree span and largest hole are those of its subtree;
 *  - nr equals the number of nodes.
 *
 * Flag values are the kernel's (include/linux/mm.h), defined in ptsim/mm.h.
 */
#ifndef PTSIM_SRC_MM_VMA_H
#define PTSIM_SRC_MM_VMA_H

#include <stdbool.h>
#include <stdint.h>

#include "ptsim/mm.h"
#include "util/host.h"

struct ptsim_file;
struct ptsim_anon_vma;
struct ptsim_resv_map;
struct ptsim_mm_state;

struct ptsim_vma {
	uint64_t vm_start, vm_end;	 /* [start, end), page aligned */
	uint64_t vm_flags;		 /* PTSIM_VM_* */
	uint64_t vm_pgoff;		 /* offset in the backing object, in pages */
	uint64_t vm_page_prot;		 /* PTE-format pgprot of new entries */
	struct ptsim_file *vm_file;	 /* backing file (NULL: anonymous) */
	struct ptsim_anon_vma *anon_vma; /* reverse-map root for anonymous pages */
	struct ptsim_mm_state *vm_mm;	 /* owning address space */
	struct ptsim_resv_map *resv;	 /* hugetlb private mapping: its reservations (owner) */
	/* rmap lists (src/mm/rmap.c): the anon_vma's VMAs, the file's i_mmap */
	struct ptsim_vma *av_next, *av_prev;
	struct ptsim_vma *f_next, *f_prev;
	/* tree links and free-space fields (private to vma_tree.c) */
	struct ptsim_vma *left, *right, *parent;
	int height;
	uint64_t subtree_start, subtree_end; /* lowest vm_start, highest vm_end */
	uint64_t subtree_gap;		     /* largest hole between two of its VMAs */
};

struct ptsim_vma_tree {
	struct ptsim_vma *root;
	uint64_t nr;
};

/* Insert @vma; -EEXIST (tree unchanged) if it overlaps an existing VMA. */
int ptsim__vma_insert(struct ptsim_vma_tree *t, struct ptsim_vma *vma);
/* Remove @vma (which must be in @t). */
void ptsim__vma_remove(struct ptsim_vma_tree *t, struct ptsim_vma *vma);
/* find_vma(): the first VMA with vm_end > addr, or NULL. */
struct ptsim_vma *ptsim__find_vma(const struct ptsim_vma_tree *t, uint64_t addr);
/* The VMA containing @addr, or NULL. */
struct ptsim_vma *ptsim__vma_lookup(const struct ptsim_vma_tree *t, uint64_t addr);
/* In-order neighbours; NULL at the ends. */
struct ptsim_vma *ptsim__vma_next(const struct ptsim_vma *vma);
struct ptsim_vma *ptsim__vma_prev(const struct ptsim_vma *vma);
struct ptsim_vma *ptsim__vma_first(const struct ptsim_vma_tree *t);
/*
 * Move @vma's boundaries to [start, end) while it stays in @t: the range must
 * stay non-empty and clear of its neighbours, so the order holds (split,
 * merge, vma_expand() / vma_shrink() in the kernel).  Updates the free-space
 * fields up to the root.
 */
void ptsim__vma_set_range(struct ptsim_vma_tree *t, struct ptsim_vma *vma, uint64_t start,
			  uint64_t end);
/*
 * unmapped_area_topdown(): the highest address @addr with @low <= @addr and
 * @addr + @len <= @high such that [addr, addr + len) intersects no VMA.
 * 0 and *@out = addr, or -ENOMEM if there is none.  O(log n).
 */
int ptsim__vma_unmapped_area_topdown(const struct ptsim_vma_tree *t, uint64_t low, uint64_t high,
				     uint64_t len, uint64_t *out);
/* Whether [start, end) intersects no VMA. */
bool ptsim__vma_range_free(const struct ptsim_vma_tree *t, uint64_t start, uint64_t end);
/* Verify the invariants above; 0 if they hold, else -EUCLEAN. */
int ptsim__vma_tree_check(const struct ptsim_vma_tree *t);

#endif /* PTSIM_SRC_MM_VMA_H */
