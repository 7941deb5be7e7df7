// SPDX-License-Identifier: MIT
/*
 * fork.c - dup_mmap(): copy an address space's VMAs, and its page tables
 * where the kernel copies them (follows dup_mmap() in kernel/fork.c and
 * copy_page_range()/vma_needs_copy()/copy_present_pte() in mm/memory.c).
 *
 * Which tables are copied.  vma_needs_copy(): a VMA with an anon_vma (it may
 * hold private pages the child must see) or a PFN or mixed map (nothing to
 * fault from); the kernel's uffd-wp clause cannot fire, see below.  Everything
 * else - shared file and shmem VMAs, private VMAs never written - is left
 * to fault in the child.  VM_DONTCOPY VMAs are not copied; VM_WIPEONFORK
 * VMAs are copied empty, without an anon_vma.
 *
 * A THP is copied whole (copy_huge_pmd()): one more entire mapping and
 * reference, PG_anon_exclusive off, both PMDs write-protected, and a PTE table
 * deposited for the child's PMD (counted in the prepare pass).  Pinned THPs
 * are not split and copied early, as the kernel does: the model shares them.
 *
 * What a copied entry becomes (copy_present_pte()): a writable entry of a
 * copy-on-write mapping is write-protected in the parent and the child;
 * entries of shared mappings are made clean in the child; every child entry
 * is old; uffd-wp is kept only in uffd-wp VMAs, and child VMAs never are
 * (no UFFD_FEATURE_EVENT_FORK in the model).  A page mapped in both takes
 * a reference and a mapcount and loses PG_anon_exclusive.  The child gets a
 * table wherever the parent has one under a copied range, as the kernel's
 * p?d_alloc() calls do.
 *
 * Prepare-then-commit: the child's VMA structs and every table are
 * allocated first (the api layer creates the child address space last), so a failed
 * fork leaves the parent exactly as it was.  The child shares its parent's
 * anon_vma (see ptsim/mm.h).  The parent's TLBs are flushed at the end
 * (flush_tlb_mm(oldmm)).
 */
#include <errno.h>
#include <string.h>

#include "mm/internal.h"
#include "ptsim/softleaf.h"

static bool is_cow_mapping(uint64_t flags)
{
	return (flags & (PTSIM_VM_SHARED | PTSIM_VM_MAYWRITE)) == PTSIM_VM_MAYWRITE;
}

/*
 * dup_userfaultfd(): with UFFD_FEATURE_EVENT_FORK the child keeps the
 * parent's registration (a new context with the same features), else its
 * VMAs lose VM_UFFD_*.
 */
static bool child_keeps_uffd(const struct ptsim_mm_state *old, const struct ptsim_vma *vma)
{
	return (vma->vm_flags & (PTSIM_VM_UFFD_MISSING | PTSIM_VM_UFFD_WP | PTSIM_VM_UFFD_MINOR)) &&
	       (old->uffd.features & PTSIM_UFFD_FEATURE_EVENT_FORK);
}

/*
 * vma_needs_copy(): the child's VMA is uffd-wp (its bits and markers live
 * only in the tables: c56d1b62cce8, unless compat.uffd_fork_skip_shmem
 * brings the hole back), a PFN or mixed map (nothing to fault from), or
 * the VMA has an anon_vma (private pages the child must see).
 */
static bool vma_needs_copy(const struct ptsim_mm_state *old, const struct ptsim_vma *vma)
{
	if (vma->vm_flags & PTSIM_VM_WIPEONFORK)
		return false;
	if ((vma->vm_flags & PTSIM_VM_UFFD_WP) && child_keeps_uffd(old, vma) &&
	    !old->ctx->cfg->compat_uffd_fork_skip_shmem)
		return true;
	if (vma->vm_flags & (PTSIM_VM_PFNMAP | PTSIM_VM_MIXEDMAP))
		return true;
	return vma->anon_vma != NULL;
}

struct count_ctx {
	struct ptsim_mm_ctx *ctx;
	const struct ptsim_vma *vma;
	const struct ptsim_arch *a;
	uint64_t last[PTSIM_NR_LEVELS]; /* last parent table counted, per entry level */
	size_t n;
};

static int count_fn(struct ptsim_visitor *v, int what, struct ptsim_slot *s, uint64_t addr,
		    uint64_t next)
{
	struct count_ctx *c = v->priv;
	uint64_t cpfn;

	(void)addr;
	(void)next;
	if (what == PTSIM_VISIT_LEAF) {
		/* copy_huge_pmd(): the child's THP needs a table to deposit. */
		c->n += ptsim__pmd_is_thp(c->ctx, c->vma, s->lvl, *s->p);
		return 0;
	}
	cpfn = c->a->ops->pfn(c->a, s->lvl, *s->p);
	if (c->last[s->lvl] != cpfn) {
		c->last[s->lvl] = cpfn;
		c->n++;
	}
	return 0;
}

int ptsim__dup_mmap_prepare(struct ptsim_mm_state *old, struct ptsim_vma ***vmas, size_t *nr_vmas,
			    struct ptsim_table_prep **tables, size_t *nr_tables)
{
	struct ptsim_mm_ctx *ctx = old->ctx;
	struct count_ctx cc = {.ctx = ctx, .a = ctx->arch};
	struct ptsim_vma **vv = NULL;
	struct ptsim_table_prep *tp = NULL;
	bool fork_event = false;
	size_t nv = 0, i;

	*vmas = NULL;
	*tables = NULL;
	*nr_vmas = *nr_tables = 0;
	for (struct ptsim_vma *v = ptsim__vma_first(&old->vmas); v; v = ptsim__vma_next(v)) {
		struct ptsim_visitor vis = {.pt = old->pt,
					    .fn = count_fn,
					    .priv = &cc,
					    .flags = PTSIM_VISIT_TABLE_PRE | PTSIM_VISIT_LEAF};

		if (v->vm_flags & PTSIM_VM_DONTCOPY)
			continue;
		nv++;
		if (child_keeps_uffd(old, v))
			fork_event = true;
		cc.vma = v;
		if (vma_needs_copy(old, v))
			(void)ptsim__visit(&vis, v->vm_start, v->vm_end);
	}
	if (nv) {
		vv = ptsim__zalloc(ctx->host, nv * sizeof(*vv));
		if (!vv)
			return -ENOMEM;
		for (i = 0; i < nv; i++) {
			vv[i] = ptsim__vma_alloc(ctx);
			if (!vv[i])
				goto err;
		}
	}
	if (cc.n) {
		tp = ptsim__zalloc(ctx->host, cc.n * sizeof(*tp));
		if (!tp)
			goto err;
		for (i = 0; i < cc.n; i++) {
			if (ptsim__table_alloc(ctx->pa, &tp[i])) {
				while (i--)
					ptsim__table_discard(ctx->pa, &tp[i]);
				ptsim__free(ctx->host, tp, cc.n * sizeof(*tp));
				goto err;
			}
		}
	}
	/* The parent's context gets a fork event (dup_fctx()); one message. */
	PTSIM_BUG_ON(old->uffd.fork_msg);
	if (fork_event) {
		old->uffd.fork_msg = ptsim__uffd_msg_alloc(old);
		if (!old->uffd.fork_msg) {
			for (i = 0; i < cc.n; i++)
				ptsim__table_discard(ctx->pa, &tp[i]);
			if (tp)
				ptsim__free(ctx->host, tp, cc.n * sizeof(*tp));
			goto err;
		}
	}
	*vmas = vv;
	*nr_vmas = nv;
	*tables = tp;
	*nr_tables = cc.n;
	return 0;

err:
	if (vv) {
		for (i = 0; i < nv; i++)
			ptsim__vma_free(ctx, vv[i]);
		ptsim__free(ctx->host, vv, nv * sizeof(*vv));
	}
	return -ENOMEM;
}

void ptsim__dup_mmap_abort(struct ptsim_mm_state *old, struct ptsim_vma **vmas, size_t nr_vmas,
			   struct ptsim_table_prep *tables, size_t nr_tables)
{
	struct ptsim_mm_ctx *ctx = old->ctx;

	if (old->uffd.fork_msg) {
		ptsim__free(ctx->host, old->uffd.fork_msg, sizeof(*old->uffd.fork_msg));
		old->uffd.fork_msg = NULL;
	}
	for (size_t i = 0; i < nr_tables; i++)
		ptsim__table_discard(ctx->pa, &tables[i]);
	if (tables)
		ptsim__free(ctx->host, tables, nr_tables * sizeof(*tables));
	for (size_t i = 0; i < nr_vmas; i++)
		ptsim__vma_free(ctx, vmas[i]);
	if (vmas)
		ptsim__free(ctx->host, vmas, nr_vmas * sizeof(*vmas));
}

struct copy_ctx {
	struct ptsim_mm_state *src, *dst;
	struct ptsim_vma *src_vma, *dst_vma;
	struct ptsim_table_prep *tables;
	size_t nr_tables, used;
};

/* The child's slot at logical level @lvl for @addr, linking prepared tables on the way. */
static void dst_slot(struct copy_ctx *c, uint64_t addr, int lvl, struct ptsim_slot *s)
{
	const struct ptsim_arch *a = c->dst->ctx->arch;

	ptsim__walk_to(c->dst->pt, addr, lvl, s);
	while (s->lvl < lvl) {
		PTSIM_BUG_ON(!a->ops->none(a, s->lvl, *s->p) || c->used >= c->nr_tables);
		ptsim__table_link(c->dst->pt, s, &c->tables[c->used++]);
		ptsim__walk_to(c->dst->pt, addr, lvl, s);
	}
	s->addr = addr;
}

/* copy_nonpresent_pte() for what the model has: markers, hwpoison, other swap entries. */
static uint64_t copy_nonpresent(struct copy_ctx *c, int lvl, uint64_t e)
{
	struct ptsim_mm_ctx *ctx = c->src->ctx;
	const struct ptsim_arch *a = ctx->arch;
	int marker = ptsim__swp_code(a, PTSIM_SOFTLEAF_MARKER); /* SWP_PTE_MARKER, -1: not built */

	if (marker >= 0 && a->ops->swp(a, lvl, e) &&
	    a->ops->swp_type(a, lvl, e) == (unsigned int)marker) {
		uint64_t bits = a->ops->swp_offset(a, lvl, e);
		uint64_t keep = bits & (PTSIM_PTE_MARKER_POISONED | PTSIM_PTE_MARKER_GUARD);

		if ((bits & PTSIM_PTE_MARKER_UFFD_WP) && (c->dst_vma->vm_flags & PTSIM_VM_UFFD_WP))
			keep |= PTSIM_PTE_MARKER_UFFD_WP;
		return keep ? a->ops->mk_swp(a, lvl, (unsigned int)marker, keep, 0) : 0;
	}
	if (!(c->dst_vma->vm_flags & PTSIM_VM_UFFD_WP))
		e = a->ops->swp_clear_uffd_wp(a, lvl, e);
	return e;
}

static int copy_fn(struct ptsim_visitor *v, int what, struct ptsim_slot *s, uint64_t addr,
		   uint64_t next)
{
	struct copy_ctx *c = v->priv;
	struct ptsim_mm_ctx *ctx = c->src->ctx;
	const struct ptsim_arch *a = ctx->arch;
	uint64_t e = *s->p, page, flags = c->src_vma->vm_flags;
	bool hugetlb = flags & PTSIM_VM_HUGETLB; /* copy_hugetlb_page_range() */
	struct ptsim_slot ds;

	(void)next;
	if (what == PTSIM_VISIT_TABLE_PRE) {
		/* p?d_alloc(): the child gets a table wherever the parent has one. */
		dst_slot(c, addr, s->lvl, &ds);
		if (a->ops->none(a, ds.lvl, *ds.p)) {
			PTSIM_BUG_ON(c->used >= c->nr_tables);
			ptsim__table_link(c->dst->pt, &ds, &c->tables[c->used++]);
		}
		return 0;
	}
	dst_slot(c, addr, s->lvl, &ds);
	if (!a->ops->present(a, s->lvl, e)) {
		uint64_t ne = copy_nonpresent(c, s->lvl, e);

		if (ne)
			ptsim__set_entry(c->dst->pt, &ds, ne);
		return 0;
	}
	/* copy_present_pte() (copy_huge_pmd() for a huge leaf). */
	/* A hugetlb contiguous run is one mapping: its first entry takes it. */
	if (ptsim__vm_normal_page(ctx, s->lvl, e, &page) &&
	    (!hugetlb || ptsim__folio_head(ctx->mem, page) == page)) {
		uint64_t size = 1ull << a->shift[s->lvl];
		unsigned int nr = (unsigned int)(size >> a->page_shift);

		ptsim__folio_get(ctx->mem, page);
		ptsim__folio_add_rmap(ctx, page, 1, s->lvl);
		if (!hugetlb) /* hugetlb pages are not in the rss counters */
			ptsim__rss_add(c->dst, ptsim__folio_rss_kind(ctx, page), nr);
		if (ptsim__folio_anon(ctx, page))
			for (unsigned int i = 0; i < (s->lvl == PTSIM_PTE || hugetlb ? 1 : nr); i++)
				ptsim__page_clear_flag(ctx->mem, page + i, PTSIM_PG_anon_exclusive);
	}
	if (is_cow_mapping(flags) && a->ops->write(a, s->lvl, e)) {
		/* ptep_set_wrprotect() on the parent: a permission change, flushed at the end. */
		e = a->ops->wrprotect(a, s->lvl, e);
		ptsim__set_entry(c->src->pt, s, e);
	}
	/* copy_hugetlb_page_range() keeps the dirty and young bits. */
	if ((flags & PTSIM_VM_SHARED) && !hugetlb)
		e = a->ops->mkclean(a, s->lvl, e);
	if (!hugetlb)
		e = a->ops->mkold(a, s->lvl, e);
	if (!(c->dst_vma->vm_flags & PTSIM_VM_UFFD_WP))
		e = a->ops->clear_uffd_wp(a, s->lvl, e);
	if (ptsim__pmd_is_thp(ctx, c->src_vma, s->lvl, e)) {
		/* copy_huge_pmd(): the child's PMD gets a deposit of its own (mm_inc_nr_ptes()). */
		struct ptsim_table_prep *t = &c->tables[c->used++];

		PTSIM_BUG_ON(c->used > c->nr_tables);
		ptsim__table_install(ctx->pa, t, PTSIM_PTE, c->dst->pt->owner_id);
		ptsim__pgtable_deposit(c->dst->pt, &ds, t->pfn);
		ptsim__pt_account(c->dst->pt, PTSIM_PTE, +1);
		if (a->ops->pfn(a, PTSIM_PMD, e) == ctx->huge_zero_pfn)
			ptsim__hold_huge_zero_folio(c->dst); /* mm_get_huge_zero_folio() */
	}
	ptsim__set_entry(c->dst->pt, &ds, e);
	return 0;
}

void ptsim__dup_mmap_commit(struct ptsim_mm_state *old, struct ptsim_mm_state *new,
			    struct ptsim_vma **vmas, size_t nr_vmas,
			    struct ptsim_table_prep *tables, size_t nr_tables)
{
	struct ptsim_mm_ctx *ctx = old->ctx;
	struct copy_ctx c = {.src = old, .dst = new, .tables = tables, .nr_tables = nr_tables};
	const char *op = ptsim__tlb_set_op(ctx->tlbs, "fork");
	size_t i = 0;

	for (struct ptsim_vma *v = ptsim__vma_first(&old->vmas); v; v = ptsim__vma_next(v)) {
		struct ptsim_vma *n;

		if (v->vm_flags & PTSIM_VM_DONTCOPY)
			continue;
		PTSIM_BUG_ON(i >= nr_vmas);
		n = vmas[i++];
		memset(n, 0, sizeof(*n));
		n->vm_start = v->vm_start;
		n->vm_end = v->vm_end;
		/*
		 * dup_userfaultfd() without UFFD_FEATURE_EVENT_FORK: the child is
		 * not registered, so its uffd flags go, its page protection is
		 * recomputed, and the copy drops uffd-wp bits and markers (the
		 * v6.2 "fork without fork event" fix).  With it, the child's VMA
		 * stays registered to the child's own context.
		 */
		n->vm_flags = v->vm_flags;
		if (!child_keeps_uffd(old, v))
			n->vm_flags &=
				~(PTSIM_VM_UFFD_MISSING | PTSIM_VM_UFFD_WP | PTSIM_VM_UFFD_MINOR);
		n->vm_pgoff = v->vm_pgoff;
		n->vm_page_prot =
			n->vm_flags == v->vm_flags ? v->vm_page_prot : ptsim__vma_page_prot(ctx, n);
		n->vm_mm = new;
		PTSIM_BUG_ON(ptsim__vma_insert(&new->vmas, n));
		if (v->anon_vma && !(v->vm_flags & PTSIM_VM_WIPEONFORK))
			ptsim__anon_vma_link(v->anon_vma, n); /* anon_vma_fork(), flattened */
		if (v->vm_file)
			ptsim__file_vma_link(v->vm_file, n);
		if (vma_needs_copy(old, v)) {
			struct ptsim_visitor vis = {
				.pt = old->pt,
				.fn = copy_fn,
				.priv = &c,
				.flags = PTSIM_VISIT_TABLE_PRE | PTSIM_VISIT_LEAF,
			};

			c.src_vma = v;
			c.dst_vma = n;
			(void)ptsim__visit(&vis, v->vm_start, v->vm_end);
		}
	}
	PTSIM_BUG_ON(i != nr_vmas || c.used != nr_tables);
	if (old->uffd.fork_msg) {
		/* dup_userfaultfd_complete(): the child's context, then the event. */
		new->uffd.initialized = true;
		new->uffd.features = old->uffd.features;
		ptsim__uffd_queue_fork(old, old->uffd.fork_msg, new->handle);
		old->uffd.fork_msg = NULL;
	}
	ptsim__flush_tlb_mm(ctx->tlbs, old->tlb_mm);
	ptsim__tlb_restore_op(ctx->tlbs, op);
	if (tables)
		ptsim__free(ctx->host, tables, nr_tables * sizeof(*tables));
	if (vmas)
		ptsim__free(ctx->host, vmas, nr_vmas * sizeof(*vmas));
}
