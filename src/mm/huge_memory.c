// SPDX-License-Identifier: MIT
/*
 * huge_memory.c - anonymous transparent huge pages (follows mm/huge_memory.c):
 * which VMAs may hold them (thp_vma_allowable_order(), the
 * transparent_hugepage/ knobs, MADV_HUGEPAGE), the THP fault
 * (do_huge_pmd_anonymous_page(), the huge zero folio), the write-protect
 * fault on a huge PMD (do_huge_pmd_wp_page()), split_huge_pmd()
 * (__split_huge_pmd_locked()) with the bits it carries, and the folio split
 * (split_huge_page_to_list_to_order()).
 *
 * A THP is one folio of PMD order mapped by one PMD leaf.  The fault that
 * maps it also deposits a PTE table (src/pgtable/deposit.c), counted in
 * VmPTE at once, so that a split never needs memory: it withdraws the
 * table, fills it and links it.  A split therefore cannot fail and may run
 * inside any commit phase - munmap, mprotect, madvise, VMA splits and
 * userfaultfd all split the PMDs their range cuts (zap_pmd_range(),
 * change_pmd_range(), vma_adjust_trans_huge()), while operations covering a
 * whole PMD act on the huge entry (zap_huge_pmd(), change_huge_pmd(),
 * copy_huge_pmd()).
 *
 * Mapcounts: a PMD mapping is an entire mapping of the folio; only the head
 * page carries PG_anon_exclusive while it is PMD-mapped, and a split gives
 * every page the head's (folio_add_anon_rmap_ptes(RMAP_EXCLUSIVE)).
 *
 * History (knobs): compat.thp_split_dirty=pre-6.1 builds the PTEs of a split
 * clean - only the folio keeps PG_dirty - as before 0ccf7f168e17 ("mm/thp:
 * carry over dirty bit when thp splits on pmd"); compat.mkdirty_sets_write
 * makes pte_mkdirty() grant write, the sparc64 regression that the carry
 * exposed (the mkdirty selftest catches both).
 */
#include <errno.h>
#include <string.h>

#include "mm/internal.h"

/* HPAGE_PMD_SIZE and HPAGE_PMD_ORDER of the configuration. */
uint64_t ptsim__thp_size(const struct ptsim_arch *a)
{
	return 1ull << a->shift[PTSIM_PMD];
}

unsigned int ptsim__thp_order(const struct ptsim_arch *a)
{
	return a->shift[PTSIM_PMD] - a->page_shift;
}

/*
 * thp_vma_allowable_order(TVA_IN_PF | TVA_ENFORCE_SYSFS, PMD_ORDER) for an
 * anonymous VMA: private anonymous memory, not VM_NOHUGEPAGE, and the
 * transparent_hugepage/enabled policy (always, or madvise with VM_HUGEPAGE).
 * The fault path checks the range (thp_vma_suitable_order()) itself.
 */
bool ptsim__thp_vma_allowable(const struct ptsim_mm_ctx *ctx, const struct ptsim_vma *vma)
{
	const struct ptsim_arch *a = ctx->arch;
	uint64_t f = vma->vm_flags;

	if (vma->vm_file || (f & (PTSIM_VM_SHARED | PTSIM_VM_HUGETLB | PTSIM_VM_PFNMAP |
				  PTSIM_VM_MIXEDMAP | PTSIM_VM_IO | PTSIM_VM_NOHUGEPAGE)))
		return false;
	if (ptsim__thp_order(a) > a->max_order)
		return false; /* no buddy order that large: the kernel has no PMD THP then */
	switch (ctx->cfg->thp_enabled) {
	case PTSIM_THP_ALWAYS:
		return true;
	case PTSIM_THP_MADVISE:
		return f & PTSIM_VM_HUGEPAGE;
	default:
		return false;
	}
}

/* thp_vma_suitable_order(): the aligned PMD range around @addr lies inside @vma. */
static bool thp_vma_suitable(const struct ptsim_arch *a, const struct ptsim_vma *vma, uint64_t addr)
{
	uint64_t size = ptsim__thp_size(a), haddr = addr & ~(size - 1);

	return haddr >= vma->vm_start && haddr + size <= vma->vm_end && haddr + size > haddr &&
	       !((((vma->vm_start >> a->page_shift) - vma->vm_pgoff) << a->page_shift) &
		 (size - 1));
}

/* An anonymous VMA's PMD leaf: a THP or the huge zero folio, with a deposit. */
bool ptsim__pmd_is_thp(const struct ptsim_mm_ctx *ctx, const struct ptsim_vma *vma, int lvl,
		       uint64_t e)
{
	const struct ptsim_arch *a = ctx->arch;

	return lvl == PTSIM_PMD && vma && !vma->vm_file && e && a->leaf_ok[PTSIM_PMD] &&
	       a->ops->present(a, PTSIM_PMD, e) && a->ops->leaf(a, PTSIM_PMD, e);
}

static bool is_huge_zero_pmd(const struct ptsim_mm_ctx *ctx, uint64_t e)
{
	const struct ptsim_arch *a = ctx->arch;

	return ctx->huge_zero_pfn && a->ops->pfn(a, PTSIM_PMD, e) == ctx->huge_zero_pfn;
}

/*
 * mm_get_huge_zero_folio(): allocated on first use; each mm that maps it
 * holds one reference (MMF_HUGE_ZERO_PAGE) until it exits.
 */
static int get_huge_zero_folio(struct ptsim_mm_state *st, uint64_t *pfn)
{
	struct ptsim_mm_ctx *ctx = st->ctx;

	if (!ctx->huge_zero_pfn) {
		if (ptsim__folio_alloc(ctx->mem, ptsim__thp_order(ctx->arch), pfn))
			return -ENOMEM;
		ptsim__count_vm_event(ctx->host, PTSIM_VM_THP_ZERO_PAGE_ALLOC);
		ctx->huge_zero_pfn = *pfn;
	}
	ptsim__hold_huge_zero_folio(st);
	*pfn = ctx->huge_zero_pfn;
	return 0;
}

void ptsim__hold_huge_zero_folio(struct ptsim_mm_state *st)
{
	PTSIM_BUG_ON(!st->ctx->huge_zero_pfn);
	if (!st->huge_zero_ref) {
		st->huge_zero_ref = true;
		st->ctx->huge_zero_users++;
	}
}

/*
 * mm_put_huge_zero_folio() at mm exit.  The kernel frees the folio from its
 * shrinker once no mm holds it; the model frees it at once, so a machine
 * whose mms have all exited has every frame back.
 */
void ptsim__put_huge_zero_folio(struct ptsim_mm_state *st)
{
	struct ptsim_mm_ctx *ctx = st->ctx;

	if (!st->huge_zero_ref)
		return;
	st->huge_zero_ref = false;
	if (--ctx->huge_zero_users)
		return;
	(void)ptsim__folio_put(ctx->mem, ctx->huge_zero_pfn);
	ctx->huge_zero_pfn = 0;
}

/* --- the THP fault ---------------------------------------------------------------- */

/* Deposit @t below the PMD slot @s and count it (mm_inc_nr_ptes()). */
static void deposit(struct ptsim_mm_state *st, const struct ptsim_slot *s,
		    struct ptsim_table_prep *t)
{
	ptsim__table_install(st->ctx->pa, t, PTSIM_PTE, st->pt->owner_id);
	ptsim__pgtable_deposit(st->pt, s, t->pfn);
	ptsim__pt_account(st->pt, PTSIM_PTE, +1);
}

ptsim_vm_fault_t ptsim__do_huge_pmd_anonymous_page(struct ptsim_mm_state *st, struct ptsim_vma *vma,
						   uint64_t va, bool write, bool *userfault)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	const struct ptsim_arch *a = ctx->arch;
	uint64_t size = ptsim__thp_size(a), haddr = va & ~(size - 1), pfn, e;
	struct ptsim_anon_vma *av = NULL;
	struct ptsim_path_prep path;
	struct ptsim_table_prep pgtable;
	struct ptsim_slot s;
	bool zero = !write && ctx->cfg->zero_page && ctx->cfg->thp_use_zero_page;

	if (!thp_vma_suitable(a, vma, haddr))
		return PTSIM_VM_FAULT_FALLBACK;
	/* pmd_alloc(), then pte_alloc_one() for the deposit. */
	if (ptsim__path_prepare(st->pt, haddr, PTSIM_PMD, &path))
		return PTSIM_VM_FAULT_OOM;
	if (ptsim__table_alloc(ctx->pa, &pgtable)) {
		ptsim__path_discard(st->pt, &path);
		return PTSIM_VM_FAULT_OOM;
	}
	/* anon_vma_prepare() (before the folio, as the kernel does). */
	if (!zero && !vma->anon_vma) {
		av = ptsim__anon_vma_alloc(ctx);
		if (!av) {
			ptsim__table_discard(ctx->pa, &pgtable);
			ptsim__path_discard(st->pt, &path);
			return PTSIM_VM_FAULT_OOM;
		}
	}
	/*
	 * The folio last: nothing can fail after it, so a failure never leaves
	 * the trace of a huge allocation behind (such as a section's frame
	 * records made on its first use).
	 */
	if (zero ? get_huge_zero_folio(st, &pfn)
		 : ptsim__folio_alloc(ctx->mem, ptsim__thp_order(a), &pfn)) {
		/* No huge page: a small one will do (VM_FAULT_FALLBACK). */
		if (av)
			ptsim__anon_vma_free(ctx, av);
		ptsim__table_discard(ctx->pa, &pgtable);
		ptsim__path_discard(st->pt, &path);
		ptsim__count_vm_event(ctx->host, PTSIM_VM_THP_FAULT_FALLBACK);
		return PTSIM_VM_FAULT_FALLBACK;
	}
	if (vma->vm_flags & PTSIM_VM_UFFD_MISSING) {
		/* Deliver the fault to user space; the PMD stays none. */
		if (av)
			ptsim__anon_vma_free(ctx, av);
		ptsim__table_discard(ctx->pa, &pgtable);
		if (!zero)
			(void)ptsim__folio_put(ctx->mem, pfn);
		return ptsim__missing_userfault_upper(st, vma, va, write, &path, userfault);
	}

	/* Commit. */
	if (av)
		ptsim__anon_vma_link(av, vma);
	ptsim__path_commit(st->pt, haddr, PTSIM_PMD, &path, &s);
	deposit(st, &s, &pgtable);
	e = a->ops->mk_leaf(a, PTSIM_PMD, pfn, vma->vm_page_prot);
	if (zero) {
		/* set_huge_zero_folio(): read-only and special, like the small zero page. */
		ptsim__set_entry(st->pt, &s, a->ops->mkspecial(a, PTSIM_PMD, e));
		st->cnt.zero_page++;
		return 0;
	}
	ptsim__folio_add_new_anon_rmap_pmd(st, pfn, vma, haddr);
	ptsim__rss_add(st, PTSIM_RSS_ANON, (int64_t)(size >> a->page_shift));
	e = a->ops->mkdirty(a, PTSIM_PMD, e);
	if (vma->vm_flags & PTSIM_VM_WRITE)
		e = a->ops->mkwrite(a, PTSIM_PMD, e);
	ptsim__set_entry(st->pt, &s, e);
	ptsim__count_vm_event(ctx->host, PTSIM_VM_THP_FAULT_ALLOC);
	st->cnt.anon_fault++;
	return 0;
}

/* --- split_huge_pmd ------------------------------------------------------------------ */

/* What __split_huge_pmd_locked() carries from the PMD to each PTE. */
struct pte_bits {
	uint64_t prot;
	bool write, old, dirty, soft_dirty, uffd_wp;
};

/* The PTE for @pfn with @b's bits. */
static uint64_t split_pte(const struct ptsim_arch *a, const struct pte_bits *b, uint64_t pfn)
{
	uint64_t e = a->ops->mk_leaf(a, PTSIM_PTE, pfn, b->prot);

	if (b->write)
		e = a->ops->mkwrite(a, PTSIM_PTE, e);
	if (b->old)
		e = a->ops->mkold(a, PTSIM_PTE, e);
	if (b->dirty)
		e = a->ops->mkdirty(a, PTSIM_PTE, e);
	if (b->soft_dirty)
		e = a->ops->mksoft_dirty(a, PTSIM_PTE, e);
	if (b->uffd_wp)
		e = a->ops->mkuffd_wp(a, PTSIM_PTE, e);
	return e;
}

void ptsim__split_huge_pmd_locked(struct ptsim_mm_state *st, struct ptsim_vma *vma,
				  struct ptsim_slot *s, bool no_invalidate)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	const struct ptsim_arch *a = ctx->arch;
	uint64_t size = ptsim__thp_size(a), haddr = s->addr & ~(size - 1), old = *s->p;
	unsigned int nr = (unsigned int)(size >> a->page_shift);
	const char *op = ptsim__tlb_set_op(ctx->tlbs, "split_huge_pmd");
	struct ptsim_split sp;

	PTSIM_BUG_ON(!ptsim__pmd_is_thp(ctx, vma, s->lvl, old));
	ptsim__count_vm_event(ctx->host, PTSIM_VM_THP_SPLIT_PMD);
	PTSIM_BUG_ON(ptsim__split_prepare_with(st->pt, s, ptsim__pgtable_withdraw(st->pt, s), &sp));
	if (!no_invalidate) {
		/*
		 * pmdp_invalidate(): the PMD goes not-present and is flushed before
		 * the table replaces it, so no CPU ever holds a huge and a small
		 * translation of one address (AMD erratum 383 on x86, and arm64's
		 * break-before-make for a change of size).
		 */
		ptsim__set_entry(st->pt, s, a->ops->mkinvalid(a, PTSIM_PMD, old));
		ptsim__flush_tlb_range(ctx->tlbs, st->tlb_mm, haddr, haddr + size - 1,
				       a->shift[PTSIM_PMD], false);
	}
	if (is_huge_zero_pmd(ctx, old)) {
		/* __split_huge_zero_page_pmd(): the small zero page, special, uffd-wp kept. */
		uint64_t e = a->ops->mkspecial(
			a, PTSIM_PTE,
			a->ops->mk_leaf(a, PTSIM_PTE, ctx->mem->zero_pfn, vma->vm_page_prot));

		if (a->ops->uffd_wp(a, PTSIM_PMD, old))
			e = a->ops->mkuffd_wp(a, PTSIM_PTE, e);
		for (unsigned int i = 0; i < nr; i++)
			ptsim__split_set(st->pt, &sp, i, e);
	} else {
		uint64_t head = a->ops->pfn(a, PTSIM_PMD, old);
		bool dirty = a->ops->dirty(a, PTSIM_PMD, old);

		struct pte_bits bits = {
			.prot = vma->vm_page_prot,
			.write = a->ops->write(a, PTSIM_PMD, old),
			.old = !a->ops->young(a, PTSIM_PMD, old),
			/* The carry of 0ccf7f168e17 (may set soft-dirty too, as on x86). */
			.dirty = dirty &&
				 ctx->cfg->compat_thp_split_dirty == PTSIM_THP_SPLIT_DIRTY_CURRENT,
			.soft_dirty = a->ops->soft_dirty(a, PTSIM_PMD, old),
			.uffd_wp = a->ops->uffd_wp(a, PTSIM_PMD, old),
		};
		uint64_t e0 = split_pte(a, &bits, head), step;

		if (dirty)
			ptsim__page_set_flag(ctx->mem, head,
					     PTSIM_PG_dirty); /* folio_set_dirty() */
		/* One reference and one mapcount per PTE (folio_add_anon_rmap_ptes()). */
		ptsim__folio_ref_add(ctx->mem, head, nr - 1);
		ptsim__folio_add_anon_rmap_ptes(
			ctx, head, nr,
			ptsim__page_test_flag(ctx->mem, head, PTSIM_PG_anon_exclusive));
		/* Consecutive pages, equal bits: the entries are affine in the index (the usual
		 * case). */
		if (ptsim__split_affine(&sp, e0, split_pte(a, &bits, head + 1),
					split_pte(a, &bits, head + nr - 1), &step))
			ptsim__split_fill_affine(st->pt, &sp, e0, step);
		else
			for (unsigned int i = 0; i < nr; i++)
				ptsim__split_set(st->pt, &sp, i, split_pte(a, &bits, head + i));
		ptsim__folio_remove_rmap(ctx, head, 1, PTSIM_PMD);
	}
	/* pmd_populate(), after the PTEs are visible. */
	ptsim__split_publish(st->pt, &sp);
	if (no_invalidate)
		ptsim__flush_tlb_range(ctx->tlbs, st->tlb_mm, haddr, haddr + size - 1,
				       a->shift[PTSIM_PMD], false);
	ptsim__tlb_restore_op(ctx->tlbs, op);
}

bool ptsim__split_huge_pmd_address(struct ptsim_mm_state *st, struct ptsim_vma *vma, uint64_t addr)
{
	struct ptsim_slot s;

	if (ptsim__walk_to(st->pt, addr, PTSIM_PMD, &s) || s.lvl != PTSIM_PMD ||
	    !ptsim__pmd_is_thp(st->ctx, vma, s.lvl, *s.p))
		return false;
	s.addr = addr;
	ptsim__split_huge_pmd_locked(st, vma, &s, false);
	return true;
}

void ptsim__split_huge_pmd_edges(struct ptsim_mm_state *st, struct ptsim_vma *vma, uint64_t start,
				 uint64_t end)
{
	uint64_t size = ptsim__thp_size(st->ctx->arch);

	if (vma->vm_file || start >= end)
		return;
	if (start & (size - 1))
		(void)ptsim__split_huge_pmd_address(st, vma, start);
	if (end & (size - 1))
		(void)ptsim__split_huge_pmd_address(st, vma, end - 1);
}

/* --- do_huge_pmd_wp_page ------------------------------------------------------------ */

ptsim_vm_fault_t ptsim__do_huge_pmd_wp_page(struct ptsim_mm_state *st, struct ptsim_vma *vma,
					    struct ptsim_slot *s, uint64_t va)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	const struct ptsim_arch *a = ctx->arch;
	uint64_t e = *s->p, head;

	if (is_huge_zero_pmd(ctx, e))
		goto fallback;
	head = a->ops->pfn(a, PTSIM_PMD, e);
	/* Reuse an exclusive folio, or one nobody else references (do_wp_page()'s rules). */
	if (!ptsim__page_test_flag(ctx->mem, head, PTSIM_PG_anon_exclusive)) {
		if (ptsim__frame(ctx, head)->refcount != 1)
			goto fallback;
		ptsim__folio_move_anon_rmap(ctx, head, vma);
		ptsim__page_set_flag(ctx->mem, head, PTSIM_PG_anon_exclusive);
	}
	e = a->ops->mkdirty(a, PTSIM_PMD, a->ops->mkyoung(a, PTSIM_PMD, e));
	if (vma->vm_flags & PTSIM_VM_WRITE)
		e = a->ops->mkwrite(a, PTSIM_PMD, e);
	/* pmdp_set_access_flags(): arm64 flushes the read-only translation. */
	ptsim__set_entry(st->pt, s, e);
	if (a->caps & PTSIM_ARCH_CAP_SET_ACCESS_FLAGS_FLUSHES)
		ptsim__flush_tlb_range(ctx->tlbs, st->tlb_mm, va, va, a->shift[PTSIM_PMD], true);
	st->cnt.wp_reuse++;
	return 0;
fallback:
	/* The huge zero page, or a THP shared after fork: split, and CoW one small page. */
	ptsim__split_huge_pmd_locked(st, vma, s, false);
	return PTSIM_VM_FAULT_FALLBACK;
}

/* --- split_huge_page ------------------------------------------------------------------ */

/* unmap_folio()'s part here: a PMD mapping of the folio is split to PTEs in place. */
static int split_pmd_one(struct ptsim_mm_state *st, struct ptsim_vma *vma, struct ptsim_pvmw *pw,
			 void *arg)
{
	(void)arg;
	if (pw->slot.lvl == PTSIM_PMD) {
		pw->slot.addr = pw->hit_addr;
		ptsim__split_huge_pmd_locked(st, vma, &pw->slot, false);
	}
	return 0;
}

int ptsim__split_huge_page(struct ptsim_mm_ctx *ctx, uint64_t pfn, unsigned int new_order)
{
	uint64_t head = ptsim__folio_head(ctx->mem, pfn);
	unsigned int order = ptsim__folio_order(ctx->mem, head);
	struct ptsim_frame *h = ptsim__frame(ctx, head);
	int64_t maps;

	if (!order || !(h->mapping & PTSIM_MAPPING_ANON))
		return ptsim__seterr(
			ctx->host, -EINVAL,
			"split_huge_page: pfn 0x%llx is not in a large anonymous folio",
			(unsigned long long)pfn);
	if (new_order >= order || new_order == 1)
		return ptsim__seterr(
			ctx->host, -EINVAL,
			"split_huge_page: an order-%u folio cannot be split to order %u "
			"(lower orders only; not order 1 for anonymous memory)",
			order, new_order);
	/*
	 * can_split_folio(): every reference must be a mapping's; a pin (or any
	 * other holder) refuses the split and nothing changes.
	 */
	maps = (int32_t)(uint32_t)ptsim__frame(ctx, head + 1)->mapping + 1;
	if (h->refcount != maps) {
		ptsim__count_vm_event(ctx->host, PTSIM_VM_THP_SPLIT_PAGE_FAILED);
		return ptsim__seterr(
			ctx->host, -EBUSY,
			"split_huge_page: folio 0x%llx has %d references, %lld mappings "
			"(pinned?)",
			(unsigned long long)head, h->refcount, (long long)maps);
	}
	/* unmap_folio(): every PMD mapping becomes PTEs first. */
	(void)ptsim__rmap_walk(ctx, head, split_pmd_one, NULL);
	(void)ptsim__folio_split(ctx->mem, head, new_order);
	ptsim__count_vm_event(ctx->host, PTSIM_VM_THP_SPLIT_PAGE);
	return 0;
}
