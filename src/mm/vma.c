// SPDX-License-Identifier: MIT
/*
 * vma.c - changing the VMA set: split, merge and munmap (follows mm/vma.c:
 * __split_vma(), vma_merge_*(), do_vmi_munmap(), unmap_region() and
 * free_pgtables()).  The ordered set itself is vma_tree.c.
 *
 * Every operation prepares first - the VMA structs a split may need (at most
 * two per call, one at each end of the range) - and then commits in a phase
 * that cannot fail.
 *
 * Merging.  Two adjacent VMAs merge when their flags (VM_SOFTDIRTY aside),
 * file and offsets agree and their anon_vmas are equal or one is absent
 * (is_mergeable_vma() / is_mergeable_anon_vma()).  New mappings merge with
 * their neighbours, mprotect merges what it changed with its neighbours.
 */
#include <errno.h>
#include <string.h>

#include "mm/internal.h"

static uint64_t vma_pages(const struct ptsim_arch *a, const struct ptsim_vma *v)
{
	return (v->vm_end - v->vm_start) >> a->page_shift;
}

/* --- split and merge ------------------------------------------------------------ */

/*
 * __split_vma(): @vma becomes [vm_start, addr), @new [addr, vm_end), sharing
 * its file and anon_vma.  @new is a preallocated struct; cannot fail.
 */
static void split_vma(struct ptsim_mm_state *st, struct ptsim_vma *vma, struct ptsim_vma *new,
		      uint64_t addr)
{
	const struct ptsim_arch *a = st->ctx->arch;

	PTSIM_BUG_ON(addr <= vma->vm_start || addr >= vma->vm_end);
	/* vma_adjust_trans_huge(): a THP the new boundary cuts is split first. */
	if (addr & (ptsim__thp_size(a) - 1))
		(void)ptsim__split_huge_pmd_address(st, vma, addr);
	memset(new, 0, sizeof(*new));
	new->vm_start = addr;
	new->vm_end = vma->vm_end;
	new->vm_flags = vma->vm_flags;
	new->vm_pgoff = vma->vm_pgoff + ((addr - vma->vm_start) >> a->page_shift);
	new->vm_page_prot = vma->vm_page_prot;
	new->vm_mm = st;
	ptsim__vma_set_range(&st->vmas, vma, vma->vm_start, addr);
	PTSIM_BUG_ON(ptsim__vma_insert(&st->vmas, new));
	if (vma->anon_vma)
		ptsim__anon_vma_link(vma->anon_vma, new);
	if (vma->vm_file)
		ptsim__file_vma_link(vma->vm_file, new);
	ptsim__hugetlb_vm_op_open(vma, new);
}

static bool anon_vma_compatible(const struct ptsim_vma *a, const struct ptsim_vma *b)
{
	return !a->anon_vma || !b->anon_vma || a->anon_vma == b->anon_vma;
}

/* Whether @next may be merged into @prev, which it directly follows. */
static bool can_merge(const struct ptsim_arch *a, const struct ptsim_vma *prev,
		      const struct ptsim_vma *next)
{
	/* HugeTLB VMAs never merge: their vm_ops have a close (a resv_map per VMA). */
	return prev->vm_end == next->vm_start && !(prev->vm_flags & PTSIM_VM_HUGETLB) &&
	       !((prev->vm_flags ^ next->vm_flags) & ~PTSIM_VM_SOFTDIRTY) &&
	       prev->vm_file == next->vm_file &&
	       prev->vm_pgoff + vma_pages(a, prev) == next->vm_pgoff &&
	       anon_vma_compatible(prev, next);
}

/* @prev absorbs @next (adjacent, compatible); @next is freed. */
static void merge_into_prev(struct ptsim_mm_state *st, struct ptsim_vma *prev,
			    struct ptsim_vma *next)
{
	struct ptsim_mm_ctx *ctx = st->ctx;

	ptsim__vma_remove(&st->vmas, next);
	ptsim__vma_set_range(&st->vmas, prev, prev->vm_start, next->vm_end);
	prev->vm_flags |= next->vm_flags & PTSIM_VM_SOFTDIRTY;
	if (!prev->anon_vma && next->anon_vma)
		ptsim__anon_vma_link(next->anon_vma, prev);
	ptsim__vma_unlink_rmap(ctx, next);
	ptsim__vma_free(ctx, next);
}

/* Merge @vma with its neighbours where allowed; returns the VMA now holding it. */
static struct ptsim_vma *merge_around(struct ptsim_mm_state *st, struct ptsim_vma *vma)
{
	const struct ptsim_arch *a = st->ctx->arch;
	struct ptsim_vma *prev = ptsim__vma_prev(vma), *next = ptsim__vma_next(vma);

	if (next && can_merge(a, vma, next))
		merge_into_prev(st, vma, next);
	if (prev && can_merge(a, prev, vma)) {
		merge_into_prev(st, prev, vma);
		vma = prev;
	}
	return vma;
}

void ptsim__vma_split(struct ptsim_mm_state *st, struct ptsim_vma *vma, struct ptsim_vma *new,
		      uint64_t addr)
{
	split_vma(st, vma, new, addr);
}

struct ptsim_vma *ptsim__vma_merge(struct ptsim_mm_state *st, struct ptsim_vma *vma)
{
	return merge_around(st, vma);
}

/* --- munmap --------------------------------------------------------------------- */

/* Splits [start, end) would need: 0, 1 or 2 VMA structs. */
int ptsim__vma_splits_needed(struct ptsim_mm_state *st, uint64_t start, uint64_t end)
{
	struct ptsim_vma *v = ptsim__find_vma(&st->vmas, start);
	int n = 0;

	if (!v || v->vm_start >= end)
		return 0;
	if (v->vm_start < start && v->vm_end > end)
		return 2;
	if (v->vm_start < start)
		n++;
	v = ptsim__find_vma(&st->vmas, end - 1);
	if (v && v->vm_start < end && v->vm_end > end)
		n++;
	return n;
}

/*
 * free_pgtables(): the VMAs first..last (consecutive in the tree) are going;
 * free their tables with floor/ceiling from the VMAs that remain.  Nearby
 * VMAs (within a PMD) are gathered into one call, as the kernel does.
 */
void ptsim__free_pgtables(struct ptsim_mm_state *st, struct ptsim_mmu_gather *tlb,
			  struct ptsim_vma *first, struct ptsim_vma *last, uint64_t floor,
			  uint64_t ceiling)
{
	const struct ptsim_arch *a = st->ctx->arch;
	uint64_t pmd_size = 1ull << a->shift[PTSIM_PMD];
	struct ptsim_vma *vma = first;

	while (vma) {
		uint64_t addr = vma->vm_start;
		struct ptsim_vma *next = vma == last ? NULL : ptsim__vma_next(vma);

		while (next && next->vm_start <= vma->vm_end + pmd_size) {
			vma = next;
			next = vma == last ? NULL : ptsim__vma_next(vma);
		}
		ptsim__free_pgtables_range(st, tlb, addr, vma->vm_end, floor,
					   next ? next->vm_start : ceiling);
		vma = next;
	}
}

/*
 * do_vmi_munmap() with the split VMA structs preallocated (@spare, two
 * entries, used ones set to NULL).  Cannot fail.
 */
void ptsim__munmap_prepared(struct ptsim_mm_state *st, uint64_t start, uint64_t end,
			    struct ptsim_vma **spare)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	struct ptsim_vma *vma = ptsim__find_vma(&st->vmas, start), *first, *last, *prev, *next;
	struct ptsim_zap_details d = {.drop_markers = true};
	struct ptsim_mmu_gather tlb;
	const char *op;
	int used = 0;

	if (!vma || vma->vm_start >= end)
		return;
	if (vma->vm_start < start) {
		split_vma(st, vma, spare[used], start);
		vma = spare[used];
		spare[used++] = NULL;
	}
	last = ptsim__find_vma(&st->vmas, end - 1);
	if (last && last->vm_start < end && last->vm_end > end) {
		split_vma(st, last, spare[used], end);
		spare[used++] = NULL;
	}
	first = vma;
	last = first;
	while (ptsim__vma_next(last) && ptsim__vma_next(last)->vm_start < end)
		last = ptsim__vma_next(last);
	prev = ptsim__vma_prev(first);
	next = ptsim__vma_next(last);

	/* unmap_region(): zap, free tables, then flush and release in the gather. */
	op = ptsim__tlb_set_op(ctx->tlbs, "munmap");
	ptsim__tlb_gather(st, &tlb, false);
	for (vma = first;; vma = ptsim__vma_next(vma)) {
		ptsim__zap_range(st, &tlb, vma, vma->vm_start, vma->vm_end, &d);
		ptsim__tlb_flush_mmu_tlbonly(ctx->tlbs, st->tlb_mm, &tlb); /* tlb_end_vma() */
		if (vma == last)
			break;
	}
	ptsim__free_pgtables(st, &tlb, first, last, prev ? prev->vm_end : 0,
			     next ? next->vm_start : 0);
	ptsim__tlb_finish(st, &tlb);
	ptsim__tlb_restore_op(ctx->tlbs, op);

	/* remove_vma(): drop them from the tree and the rmap lists. */
	for (vma = first; vma;) {
		struct ptsim_vma *n = vma == last ? NULL : ptsim__vma_next(vma);

		ptsim__vma_remove(&st->vmas, vma);
		ptsim__vma_unlink_rmap(ctx, vma);
		ptsim__vma_free(ctx, vma);
		vma = n;
	}
}

int ptsim__vma_spares_alloc(struct ptsim_mm_ctx *ctx, int n, struct ptsim_vma **spare)
{
	spare[0] = spare[1] = NULL;
	for (int i = 0; i < n; i++) {
		spare[i] = ptsim__vma_alloc(ctx);
		if (!spare[i]) {
			ptsim__vma_free(ctx, spare[0]);
			spare[0] = NULL;
			return -ENOMEM;
		}
	}
	return 0;
}

void ptsim__vma_spares_free(struct ptsim_mm_ctx *ctx, struct ptsim_vma **spare)
{
	ptsim__vma_free(ctx, spare[0]);
	ptsim__vma_free(ctx, spare[1]);
}

int ptsim__do_munmap(struct ptsim_mm_state *st, uint64_t addr, uint64_t len)
{
	struct ptsim_vma *spare[2];
	struct ptsim_uffd_node *msg = NULL;
	uint64_t end;
	int err = ptsim__vma_check_range(st, "munmap", addr, len, &end);

	if (err)
		return err;
	err = ptsim__hugetlb_may_split(st, "munmap", addr, end);
	if (err)
		return err;
	/* userfaultfd_unmap_prep(): the event is allocated first, -ENOMEM fails the munmap. */
	if (ptsim__uffd_wants_event(st, PTSIM_UFFD_FEATURE_EVENT_UNMAP, addr, end)) {
		msg = ptsim__uffd_msg_alloc(st);
		if (!msg)
			return ptsim__seterr(
				st->ctx->host, -ENOMEM,
				"munmap: out of memory for the userfaultfd unmap event");
	}
	err = ptsim__vma_spares_alloc(st->ctx, ptsim__vma_splits_needed(st, addr, end), spare);
	if (err) {
		if (msg)
			ptsim__free(st->ctx->host, msg, sizeof(*msg));
		return ptsim__seterr(st->ctx->host, err, "munmap: out of memory splitting a VMA");
	}
	ptsim__munmap_prepared(st, addr, end, spare);
	ptsim__vma_spares_free(st->ctx, spare);
	/* userfaultfd_unmap_complete(): the monitor learns of it after the unmap. */
	if (msg)
		ptsim__uffd_queue_range(st, msg, PTSIM_UFFD_EVENT_UNMAP, addr, end);
	return 0;
}
