/* SPDX-License-Identifier: MIT */
/*
 * src/mm/vma.h - virtual memory areas and the ordered set that holds them.
 *
 * An address space's VMAs are disjoint half-open ranges [vm_start, vm_end)
 * kept in an AVL tree ordered by address, so find_vma() - the first VMA
 * whose end lies above an address, the kernel's lookup - is O(log n), and
 * so are insertion and removal.  Neighbours are reached in O(log n) too.
 *
 * Invariants (checked by ptsim__vma_tree_check()):
 *  - every VMA is non-empty and page aligned;
 *  - an in-order walk gives strictly increasing, non-overlapping ranges;
 *  - each node's height is 1 + max(child heights) and children's heights
 *    differ by at most one; parent links match the child links;
 *  - nr equals the number of nodes.
 *
 * Flag values are the kernel's (include/linux/mm.h).
 */
#ifndef PTSIM_SRC_MM_VMA_H
#define PTSIM_SRC_MM_VMA_H

#include <stdbool.h>
#include <stdint.h>

#include "util/host.h"

#define PTSIM_VM_NONE	      0x00000000ull
#define PTSIM_VM_READ	      0x00000001ull
#define PTSIM_VM_WRITE	      0x00000002ull
#define PTSIM_VM_EXEC	      0x00000004ull
#define PTSIM_VM_SHARED	      0x00000008ull
#define PTSIM_VM_MAYREAD      0x00000010ull
#define PTSIM_VM_MAYWRITE     0x00000020ull
#define PTSIM_VM_MAYEXEC      0x00000040ull
#define PTSIM_VM_MAYSHARE     0x00000080ull
#define PTSIM_VM_GROWSDOWN    0x00000100ull
#define PTSIM_VM_UFFD_MISSING 0x00000200ull
#define PTSIM_VM_PFNMAP	      0x00000400ull
#define PTSIM_VM_UFFD_WP      0x00001000ull
#define PTSIM_VM_LOCKED	      0x00002000ull
#define PTSIM_VM_IO	      0x00004000ull
#define PTSIM_VM_DONTCOPY     0x00020000ull
#define PTSIM_VM_DONTEXPAND   0x00040000ull
#define PTSIM_VM_ACCOUNT      0x00100000ull
#define PTSIM_VM_NORESERVE    0x00200000ull
#define PTSIM_VM_HUGETLB      0x00400000ull
#define PTSIM_VM_WIPEONFORK   0x02000000ull
#define PTSIM_VM_SOFTDIRTY    0x08000000ull
#define PTSIM_VM_MIXEDMAP     0x10000000ull
#define PTSIM_VM_HUGEPAGE     0x20000000ull
#define PTSIM_VM_NOHUGEPAGE   0x40000000ull

struct ptsim_vma {
	uint64_t vm_start, vm_end; /* [start, end), page aligned */
	uint64_t vm_flags;	   /* PTSIM_VM_* */
	uint64_t vm_pgoff;	   /* offset in the backing object, in pages */
	void *vm_file;		   /* backing file (NULL: anonymous) */
	void *anon_vma;		   /* reverse-map root for anonymous pages */
	/* tree links (private to vma.c) */
	struct ptsim_vma *left, *right, *parent;
	int height;
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
/* Whether [start, end) intersects no VMA. */
bool ptsim__vma_range_free(const struct ptsim_vma_tree *t, uint64_t start, uint64_t end);
/* Verify the invariants above; 0 if they hold, else -EUCLEAN. */
int ptsim__vma_tree_check(const struct ptsim_vma_tree *t);

#endif /* PTSIM_SRC_MM_VMA_H */
