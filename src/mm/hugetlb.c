// SPDX-License-Identifier: MIT
/*
 * hugetlb.c - HugeTLB mappings: MAP_HUGETLB, reservations, faults (follows
 * mm/hugetlb.c: hugetlb_reserve_pages(), hugetlb_vm_op_open()/_close()/
 * _split(), hugetlb_fault(), hugetlb_no_page(), hugetlb_wp(); mm/mmap.c
 * ksys_mmap_pgoff(); fs/hugetlbfs/inode.c hugetlb_file_setup(),
 * hugetlbfs_file_mmap()).  The pools themselves are src/mem/hugetlb.c.
 *
 * An anonymous MAP_HUGETLB mapping, private or shared, is backed by an
 * internal hugetlbfs file of its own (hugetlb_file_setup() with
 * VM_NORESERVE, so the file itself reserves nothing), as the kernel does.
 *
 * Reservations (hugetlb_reserve_pages(), vma_needs_reservation(),
 * vma_has_reserves()).  Unless MAP_NORESERVE:
 *  - a private mapping reserves every huge page of its VMA; the VMA owns a
 *    resv_map whose set bits are reservations a fault consumed, so the
 *    outstanding ones are the pages of the VMA minus the set bits;
 *    hugetlb_vm_op_close() gives those back at munmap and exit.  A page the
 *    owner faults after its reservation was consumed (after MADV_DONTNEED)
 *    is allocated without one, as in the kernel;
 *  - a shared mapping reserves the file range not reserved yet
 *    (region_chg()); the file's resv_map bits are pages reserved or
 *    allocated.  The reservations outlive the mapping and are given back
 *    when the file goes (or is truncated), less the pages it holds.
 * A fault with a reservation consumes it (resv_hugepages - 1); without one
 * it takes a free unreserved page or a surplus page under overcommit, and
 * when there is none the access gets SIGBUS (alloc_hugetlb_folio()'s
 * -ENOSPC, vmf_error()).  A reservation the free pages cannot hold takes
 * surplus pages under overcommit (gather_surplus_pages(), src/mem/hugetlb.c).
 *
 * Entries.  A hugetlb page is mapped by one leaf at the level of its size
 * (PMD or PUD); no table below that level is allocated.  The folio's
 * entire mapcount counts the leaves; hugetlb pages are not in the rss
 * counters (the kernel charges them to HugetlbPages).  Anonymous (private)
 * folios are exclusive to the VMA that faulted them (PG_anon_exclusive on
 * the head); a shared file's folios live in its page cache (one reference
 * per base page, PG_dirty so nothing but hugetlbfs drops them).
 *
 * The arm64 contiguous sizes map a run of CONT_PTES / CONT_PMDS entries
 * with the contiguous hint; the run is one mapping, carried by its first
 * entry (the others are written and cleared with it, never counted).
 *
 * Not modelled: PMD sharing (CONFIG_HUGETLB_PMD_PAGE_TABLE_SHARING: every address space
 * has its own PMD tables), hugetlb cgroups and subpools.
 */
#include <errno.h>
#include <string.h>

#include "mm/internal.h"

static uint64_t vma_hsize(const struct ptsim_vma *vma)
{
	return vma->vm_file->hsize;
}

/*
 * The level of the leaves mapping a hugetlb page of @size, and how many
 * (*@nr: 1, or an arm64 contiguous run of CONT_PTES / CONT_PMDS entries),
 * or -1.
 */
static int hugetlb_level(const struct ptsim_arch *a, uint64_t size, unsigned int *nr)
{
	for (int lvl = PTSIM_PUD; lvl <= PTSIM_PTE; lvl++) {
		if (!a->leaf_ok[lvl])
			continue;
		if ((1ull << a->shift[lvl]) == size) {
			*nr = 1;
			return lvl;
		}
		if (a->cont_nr[lvl] && ((uint64_t)a->cont_nr[lvl] << a->shift[lvl]) == size) {
			*nr = a->cont_nr[lvl];
			return lvl;
		}
	}
	return -1;
}

unsigned int ptsim__hugetlb_run(const struct ptsim_vma *vma, const struct ptsim_arch *a)
{
	unsigned int nr = 1;

	if (!(vma->vm_flags & PTSIM_VM_HUGETLB) || hugetlb_level(a, vma_hsize(vma), &nr) < 0)
		return 1;
	return nr;
}

/* Slot @i of the run that starts at @s0 (entries of one table, in order). */
static void run_slot(const struct ptsim_arch *a, const struct ptsim_slot *s0, unsigned int i,
		     struct ptsim_slot *si)
{
	*si = *s0;
	si->idx += i;
	si->p += i;
	si->addr = s0->addr + ((uint64_t)i << a->shift[s0->lvl]);
}

/*
 * set_huge_pte_at(): the @nr entries of a run, the first @e0 and the others
 * mapping the next frames, with the contiguous hint if @nr > 1.
 */
static void set_huge_run(struct ptsim_mm_state *st, const struct ptsim_slot *s0, unsigned int nr,
			 uint64_t e0)
{
	const struct ptsim_arch *a = st->ctx->arch;
	int lvl = s0->lvl;
	uint64_t step = 1ull << (a->shift[lvl] - a->page_shift), pfn = a->ops->pfn(a, lvl, e0);

	for (unsigned int i = 0; i < nr; i++) {
		struct ptsim_slot si;
		uint64_t e;

		run_slot(a, s0, i, &si);
		e = i ? a->ops->relevel(a, lvl, e0, lvl, pfn + i * step) : e0;
		if (nr > 1)
			e = a->ops->mkcont(a, lvl, e);
		ptsim__set_entry(st->pt, &si, e);
	}
}

/* huge_ptep_get_and_clear() of a run: the first entry, with the dirty and young bits of all. */
static uint64_t clear_huge_run(struct ptsim_mm_state *st, const struct ptsim_slot *s0,
			       unsigned int nr)
{
	const struct ptsim_arch *a = st->ctx->arch;
	uint64_t first = 0;

	for (unsigned int i = 0; i < nr; i++) {
		struct ptsim_slot si;
		uint64_t e;

		run_slot(a, s0, i, &si);
		e = ptsim__get_and_clear(st->pt, &si);
		if (!i)
			first = e;
		else if (a->ops->dirty(a, si.lvl, e))
			first = a->ops->mkdirty(a, si.lvl, first);
		if (i && a->ops->young(a, si.lvl, e))
			first = a->ops->mkyoung(a, si.lvl, first);
	}
	return first;
}

int ptsim__hugetlb_size_from_flags(struct ptsim_mm_state *st, unsigned int flags, uint64_t *size)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	const struct ptsim_arch *a = ctx->arch;
	unsigned int log = (flags >> PTSIM_MAP_HUGE_SHIFT) & PTSIM_MAP_HUGE_MASK;
	uint64_t sz = log ? 1ull << log : 1ull << a->shift[PTSIM_PMD];

	if (log >= 64 || !ptsim__hstate(ctx->mem, sz))
		return ptsim__seterr(ctx->host, -EINVAL,
				     "mmap: MAP_HUGETLB size 2^%u is not a hugetlb size of %s", log,
				     a->name);
	*size = sz;
	return 0;
}

/* --- resv_map ------------------------------------------------------------------ */

/* Words of a resv_map bitmap for @nr pages (at least one). */
static size_t resv_words(uint64_t nr)
{
	return (size_t)((nr + 63) / 64 ? (nr + 63) / 64 : 1);
}

static struct ptsim_resv_map *resv_map_alloc(struct ptsim_mm_ctx *ctx, uint64_t nr)
{
	struct ptsim_resv_map *r = ptsim__zalloc(ctx->host, sizeof(*r));

	if (!r)
		return NULL;
	r->bits = ptsim__zalloc(ctx->host, resv_words(nr) * 8);
	if (!r->bits) {
		ptsim__free(ctx->host, r, sizeof(*r));
		return NULL;
	}
	r->nr = nr;
	r->refs = 1;
	return r;
}

static void resv_map_free(struct ptsim_mm_ctx *ctx, struct ptsim_resv_map *r)
{
	if (!r)
		return;
	ptsim__free(ctx->host, r->bits, resv_words(r->nr) * 8);
	ptsim__free(ctx->host, r, sizeof(*r));
}

static bool resv_test(const struct ptsim_resv_map *r, uint64_t i)
{
	return i < r->nr && (r->bits[i / 64] >> (i % 64) & 1);
}

static void resv_set(struct ptsim_resv_map *r, uint64_t i)
{
	if (i < r->nr)
		r->bits[i / 64] |= 1ull << (i % 64);
}

/* region_count(): set bits in [from, to). */
static uint64_t resv_count(const struct ptsim_resv_map *r, uint64_t from, uint64_t to)
{
	uint64_t n = 0;

	for (uint64_t i = from; i < to && i < r->nr; i++)
		n += resv_test(r, i);
	return n;
}

/* vma_hugecache_offset(): the huge page index of @addr in @vma's file. */
static uint64_t hugecache_offset(const struct ptsim_arch *a, const struct ptsim_vma *vma,
				 uint64_t addr)
{
	uint64_t hsize = vma_hsize(vma);

	return ((addr - vma->vm_start) / hsize) +
	       (vma->vm_pgoff >> ((unsigned int)__builtin_ctzll(hsize) - a->page_shift));
}

/*
 * hugetlb_acct_memory(-@n).  The pool holds at least that many unless its
 * reservations were taken away through ptsim_hugetlb_unreserve() (the
 * checker reports that, HUGETLB_POOL): give back what is left then.
 */
static void unreserve(struct ptsim_mm_ctx *ctx, uint64_t hsize, uint64_t n)
{
	struct ptsim_hstate *h = ptsim__hstate(ctx->mem, hsize);

	if (n > h->resv_hugepages)
		n = h->resv_hugepages;
	if (n)
		PTSIM_BUG_ON(ptsim__hugetlb_unreserve(ctx->mem, h, n));
}

/* --- mmap ------------------------------------------------------------------------ */

/* Growing a file's resv_map to @nr pages, in two halves: a new bitmap, then the swap. */
static int resv_grow_prepare(struct ptsim_mm_ctx *ctx, const struct ptsim_resv_map *r, uint64_t nr,
			     uint64_t **bits)
{
	*bits = NULL;
	if (resv_words(nr) <= resv_words(r->nr))
		return 0;
	*bits = ptsim__zalloc(ctx->host, resv_words(nr) * 8);
	return *bits ? 0 : -ENOMEM;
}

static void resv_grow_commit(struct ptsim_mm_ctx *ctx, struct ptsim_resv_map *r, uint64_t nr,
			     uint64_t *bits)
{
	if (bits) {
		memcpy(bits, r->bits, resv_words(r->nr) * 8);
		ptsim__free(ctx->host, r->bits, resv_words(r->nr) * 8);
		r->bits = bits;
	}
	if (nr > r->nr)
		r->nr = nr;
}

int ptsim__hugetlb_mmap_prepare(struct ptsim_mm_state *st, struct ptsim_file *file, uint64_t hsize,
				uint64_t len, uint64_t pgoff, unsigned int type, bool noreserve,
				bool writable, struct ptsim_hugetlb_mmap_prep *p)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	const struct ptsim_arch *a = ctx->arch;
	struct ptsim_hstate *h = ptsim__hstate(ctx->mem, hsize);
	unsigned int horder = (unsigned int)__builtin_ctzll(hsize) - a->page_shift;
	uint64_t from = pgoff >> horder, to = from + len / hsize, chg = 0;

	memset(p, 0, sizeof(*p));
	p->hsize = hsize;
	if (!file) {
		/* hugetlb_file_setup(HUGETLB_ANON_FILE, len, VM_NORESERVE, ...). */
		p->file = ptsim__file_alloc(ctx, len, false, false);
		if (!p->file)
			goto err_nomem;
		p->file->hsize = hsize;
		p->file->resv = resv_map_alloc(ctx, to);
		if (!p->file->resv)
			goto err_nomem;
		file = p->file;
	} else if (writable && file->size < to * hsize) {
		/* hugetlbfs_file_mmap(): a writable mapping extends i_size. */
		p->new_size = to * hsize;
		if (resv_grow_prepare(ctx, file->resv, to, &p->bits))
			goto err_nomem;
	}
	if (noreserve)
		return 0;
	if (type == PTSIM_MAP_PRIVATE) {
		p->resv = resv_map_alloc(ctx, to);
		if (!p->resv)
			goto err_nomem;
		chg = to - from;
	} else {
		chg = (to - from) - resv_count(file->resv, from, to); /* region_chg() */
	}
	/* hugetlb_acct_memory(): the pool must hold the pages now. */
	if (ptsim__hugetlb_reserve(ctx->mem, h, chg)) {
		ptsim__hugetlb_mmap_abort(st, p);
		return ptsim__seterr(
			ctx->host, -ENOMEM,
			"mmap: cannot reserve %llu hugetlb pages of 0x%llx: %llu free, "
			"%llu reserved",
			(unsigned long long)chg, (unsigned long long)hsize,
			(unsigned long long)h->free_hugepages,
			(unsigned long long)h->resv_hugepages);
	}
	p->reserved = chg;
	return 0;

err_nomem:
	ptsim__hugetlb_mmap_abort(st, p);
	return ptsim__seterr(ctx->host, -ENOMEM, "mmap: out of memory");
}

void ptsim__hugetlb_mmap_abort(struct ptsim_mm_state *st, struct ptsim_hugetlb_mmap_prep *p)
{
	struct ptsim_mm_ctx *ctx = st->ctx;

	if (p->reserved)
		unreserve(ctx, p->hsize, p->reserved);
	resv_map_free(ctx, p->resv);
	if (p->bits)
		ptsim__free(ctx->host, p->bits, resv_words(p->new_size / p->hsize) * 8);
	if (p->file) {
		resv_map_free(ctx, p->file->resv);
		ptsim__file_discard(p->file);
	}
	memset(p, 0, sizeof(*p));
}

void ptsim__hugetlb_mmap_commit(struct ptsim_mm_state *st, struct ptsim_vma *vma,
				struct ptsim_hugetlb_mmap_prep *p)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	const struct ptsim_arch *a = ctx->arch;
	struct ptsim_file *f = vma->vm_file;

	if (p->new_size) {
		resv_grow_commit(ctx, f->resv, p->new_size / f->hsize, p->bits);
		f->size = p->new_size;
	}
	vma->resv = p->resv;
	/* region_add() of a shared mapping's range: reserved for the file. */
	if (p->reserved && !p->resv)
		for (uint64_t i = hugecache_offset(a, vma, vma->vm_start);
		     i < hugecache_offset(a, vma, vma->vm_end); i++)
			resv_set(f->resv, i);
	memset(p, 0, sizeof(*p));
}

void ptsim__hugetlb_vm_op_open(struct ptsim_vma *vma, struct ptsim_vma *new)
{
	new->resv = vma->resv;
	if (new->resv)
		new->resv->refs++;
}

void ptsim__hugetlb_vm_op_close(struct ptsim_mm_ctx *ctx, struct ptsim_vma *vma)
{
	const struct ptsim_arch *a = ctx->arch;
	struct ptsim_resv_map *r = vma->resv;
	uint64_t start, end, reserve;

	if (!r)
		return;
	start = hugecache_offset(a, vma, vma->vm_start);
	end = hugecache_offset(a, vma, vma->vm_end);
	reserve = (end - start) - resv_count(r, start, end);
	if (reserve)
		unreserve(ctx, vma_hsize(vma), reserve);
	vma->resv = NULL;
	if (--r->refs == 0)
		resv_map_free(ctx, r);
}

int ptsim__hugetlb_may_split(struct ptsim_mm_state *st, const char *what, uint64_t start,
			     uint64_t end)
{
	uint64_t at[2] = {start, end};

	for (int i = 0; i < 2; i++) {
		struct ptsim_vma *v = ptsim__vma_lookup(&st->vmas, at[i]);

		if (v && v->vm_start < at[i] && (v->vm_flags & PTSIM_VM_HUGETLB) &&
		    (at[i] & (vma_hsize(v) - 1)))
			return ptsim__seterr(
				st->ctx->host, -EINVAL,
				"%s: 0x%llx splits a hugetlb page of 0x%llx in [0x%llx, "
				"0x%llx)",
				what, (unsigned long long)at[i], (unsigned long long)vma_hsize(v),
				(unsigned long long)v->vm_start, (unsigned long long)v->vm_end);
	}
	return 0;
}

void ptsim__hugetlb_file_release(struct ptsim_file *f)
{
	struct ptsim_mm_ctx *ctx = f->ctx;
	const struct ptsim_arch *a = ctx->arch;
	uint64_t outstanding = 0, pfn;

	if (!f->hsize)
		return;
	/* hugetlb_unreserve_pages(inode, 0, LONG_MAX, freed): regions less the pages held. */
	for (uint64_t i = 0; f->resv && i < f->resv->nr; i++)
		if (resv_test(f->resv, i) &&
		    !ptsim__pcache_lookup(
			    f, i << ((unsigned int)__builtin_ctzll(f->hsize) - a->page_shift),
			    &pfn))
			outstanding++;
	if (outstanding)
		unreserve(ctx, f->hsize, outstanding);
	resv_map_free(ctx, f->resv);
	f->resv = NULL;
}

void ptsim__hugetlb_unmap_restore_reserve(struct ptsim_mm_state *st, struct ptsim_vma *vma,
					  uint64_t addr, uint64_t page)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	struct ptsim_hstate *h = ptsim__hstate(ctx->mem, vma_hsize(vma));
	uint64_t head = ptsim__folio_head(ctx->mem, page);
	struct ptsim_frame *f = ptsim__frame(ctx, head);

	/* __vma_private_lock(): a private mapping that owns its reservations. */
	if ((vma->vm_flags & PTSIM_VM_MAYSHARE) || !vma->resv || !ptsim__folio_anon(ctx, head))
		return;
	/* Not for a surplus page; and only when this reference is the last one. */
	if (h->surplus_hugepages || f->refcount != 1)
		return;
	f->private_ |= PTSIM_HPG_restore_reserve;
	/* vma_add_reservation() of a private mapping: the entry is not consumed any more. */
	{
		uint64_t idx = hugecache_offset(ctx->arch, vma, addr);

		if (idx < vma->resv->nr)
			vma->resv->bits[idx / 64] &= ~(1ull << (idx % 64));
	}
}

int ptsim__hugetlb_madvise_valid(struct ptsim_mm_state *st, struct ptsim_vma *vma, int advice,
				 uint64_t start, uint64_t *end)
{
	uint64_t hsize = vma_hsize(vma);

	if (advice != PTSIM_MADV_DONTNEED)
		return ptsim__seterr(st->ctx->host, -EINVAL,
				     "madvise: only DONTNEED on a hugetlb VMA (at 0x%llx)",
				     (unsigned long long)vma->vm_start);
	if (start & (hsize - 1))
		return ptsim__seterr(st->ctx->host, -EINVAL,
				     "madvise: 0x%llx not aligned to the hugetlb page size 0x%llx",
				     (unsigned long long)start, (unsigned long long)hsize);
	/* Callers round to pages only: the end is rounded down to a huge page. */
	*end &= ~(hsize - 1);
	return 0;
}

/* --- faults ------------------------------------------------------------------------ */

/* make_huge_pte(): young, writable and dirty only when asked and VM_WRITE. */
static uint64_t make_huge_pte(const struct ptsim_arch *a, const struct ptsim_vma *vma, int lvl,
			      uint64_t pfn, bool try_mkwrite)
{
	uint64_t e = a->ops->mk_leaf(a, lvl, pfn, vma->vm_page_prot);

	if (try_mkwrite && (vma->vm_flags & PTSIM_VM_WRITE))
		e = a->ops->mkwrite(a, lvl, a->ops->mkdirty(a, lvl, e));
	else
		e = a->ops->wrprotect(a, lvl, e);
	return a->ops->mkyoung(a, lvl, e);
}

/*
 * alloc_hugetlb_folio(): with a reservation, consume it; without, a free
 * unreserved page or a surplus one.  VM_FAULT_SIGBUS when the pool has
 * none (the kernel's -ENOSPC), VM_FAULT_OOM when memory for a surplus page
 * ran out.
 */
static ptsim_vm_fault_t alloc_hugetlb_folio(struct ptsim_mm_ctx *ctx, struct ptsim_hstate *h,
					    bool reserved, uint64_t *pfn)
{
	if (!reserved && h->free_hugepages <= h->resv_hugepages &&
	    h->surplus_hugepages >= h->nr_overcommit_hugepages)
		return PTSIM_VM_FAULT_SIGBUS;
	if (ptsim__hugetlb_alloc_folio(ctx->mem, h, reserved, pfn))
		return PTSIM_VM_FAULT_OOM;
	return 0;
}

/* hugetlb_add_new_anon_rmap(): an entire mapping, the folio exclusive to @vma. */
static void new_anon_rmap(struct ptsim_mm_state *st, uint64_t pfn, struct ptsim_vma *vma,
			  uint64_t haddr)
{
	struct ptsim_mm_ctx *ctx = st->ctx;

	ptsim__folio_add_new_anon_rmap(st, pfn, vma, haddr);
	ptsim__page_clear_flag(ctx->mem, pfn, PTSIM_PG_swapbacked);
	ptsim__page_set_flag(ctx->mem, pfn, PTSIM_PG_anon_exclusive);
}

/* hugetlb_wp(): a write to a read-only private entry: reuse an exclusive page, else copy. */
static ptsim_vm_fault_t hugetlb_wp(struct ptsim_mm_state *st, struct ptsim_vma *vma,
				   struct ptsim_slot *s, uint64_t haddr, uint64_t e)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	const struct ptsim_arch *a = ctx->arch;
	struct ptsim_hstate *h = ptsim__hstate(ctx->mem, vma_hsize(vma));
	uint64_t old = a->ops->pfn(a, s->lvl, e), newpfn, idx;
	struct ptsim_anon_vma *av = NULL;
	ptsim_vm_fault_t ret;
	bool reserved;

	/* The only mapping of an anonymous folio: take it over and reuse it. */
	if (ptsim__folio_anon(ctx, old) &&
	    !ptsim__page_test_flag(ctx->mem, old, PTSIM_PG_anon_exclusive) &&
	    ptsim__page_mapcount(ctx, old) == 1) {
		ptsim__folio_move_anon_rmap(ctx, old, vma);
		ptsim__page_set_flag(ctx->mem, old, PTSIM_PG_anon_exclusive);
	}
	if (ptsim__folio_anon(ctx, old) &&
	    ptsim__page_test_flag(ctx->mem, old, PTSIM_PG_anon_exclusive)) {
		e = a->ops->mkwrite(a, s->lvl,
				    a->ops->mkdirty(a, s->lvl, a->ops->mkyoung(a, s->lvl, e)));
		set_huge_run(st, s, ptsim__hugetlb_run(vma, a), e);
		/* huge_ptep_set_access_flags(): arm64 invalidates the stale read-only entry. */
		if (a->caps & PTSIM_ARCH_CAP_SET_ACCESS_FLAGS_FLUSHES)
			ptsim__flush_tlb_range(ctx->tlbs, st->tlb_mm, haddr,
					       haddr + vma_hsize(vma) - 1, a->shift[s->lvl], true);
		st->cnt.wp_reuse++;
		return 0;
	}
	/*
	 * Copy: a new page, with the owner's reservation if this index has not
	 * consumed it yet (a page-cache page mapped read-only), else without.
	 */
	if (!vma->anon_vma) {
		av = ptsim__anon_vma_alloc(ctx);
		if (!av)
			return PTSIM_VM_FAULT_OOM;
	}
	idx = hugecache_offset(a, vma, haddr);
	reserved = vma->resv && !resv_test(vma->resv, idx);
	ret = alloc_hugetlb_folio(ctx, h, reserved, &newpfn);
	if (ret) {
		if (av)
			ptsim__anon_vma_free(ctx, av);
		return ret;
	}
	if (av)
		ptsim__anon_vma_link(av, vma);
	if (vma->resv)
		resv_set(vma->resv, idx);
	(void)clear_huge_run(st, s, ptsim__hugetlb_run(vma, a));
	ptsim__flush_tlb_range(ctx->tlbs, st->tlb_mm, haddr, haddr + vma_hsize(vma) - 1,
			       a->shift[s->lvl], true);
	new_anon_rmap(st, newpfn, vma, haddr);
	set_huge_run(st, s, ptsim__hugetlb_run(vma, a),
		     make_huge_pte(a, vma, s->lvl, newpfn, true));
	ptsim__folio_remove_rmap(ctx, old, 1, s->lvl);
	(void)ptsim__folio_put(ctx->mem, old);
	st->cnt.cow++;
	return 0;
}

/*
 * hugetlb_no_page(): nothing mapped at @haddr yet.  The page cache is
 * looked up first, for private mappings too: a shared mapping maps the
 * cached folio (or a new one it adds to the cache), a private one maps the
 * cached folio read-only, or a new anonymous page - for a write, a copy of
 * the cached one (hugetlb_wp() at once) - that never enters the cache.
 */
static ptsim_vm_fault_t hugetlb_no_page(struct ptsim_mm_state *st, struct ptsim_vma *vma, int lvl,
					uint64_t haddr, bool write, struct ptsim_path_prep *path)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	const struct ptsim_arch *a = ctx->arch;
	struct ptsim_file *f = vma->vm_file;
	struct ptsim_hstate *h = ptsim__hstate(ctx->mem, vma_hsize(vma));
	bool shared = vma->vm_flags & PTSIM_VM_MAYSHARE;
	uint64_t idx = hugecache_offset(a, vma, haddr);
	uint64_t pgidx = ptsim__linear_page_index(a, vma, haddr);
	uint64_t nr = 1ull << h->order, pfn = 0, newpfn = 0;
	struct ptsim_pcache_prep pc = {0};
	struct ptsim_anon_vma *av = NULL;
	struct ptsim_slot s;
	bool reserved, cached, anon_new, cache_new, mkwrite;
	ptsim_vm_fault_t ret;

	/* Beyond the end of the file: SIGBUS (the tables stay, as huge_pte_alloc() left them). */
	if (idx >= f->size / f->hsize) {
		ptsim__path_commit(st->pt, haddr, lvl, path, &s);
		return PTSIM_VM_FAULT_SIGBUS;
	}
	cached = ptsim__pcache_lookup(f, pgidx, &pfn);
	if (shared)
		reserved = resv_test(f->resv, idx);
	else
		reserved = vma->resv && !resv_test(vma->resv, idx);
	anon_new = !shared && (!cached || write);
	cache_new = shared && !cached;
	if (cache_new) {
		pc.slot = ptsim__zalloc(ctx->host, sizeof(*pc.slot));
		if (!pc.slot)
			goto err_oom;
	}
	if (anon_new && !vma->anon_vma) {
		av = ptsim__anon_vma_alloc(ctx);
		if (!av)
			goto err_oom;
	}
	if (anon_new || cache_new) {
		ret = alloc_hugetlb_folio(ctx, h, reserved, &newpfn);
		if (ret) {
			if (av)
				ptsim__anon_vma_free(ctx, av);
			if (pc.slot)
				ptsim__free(ctx->host, pc.slot, sizeof(*pc.slot));
			if (ret & PTSIM_VM_FAULT_OOM)
				goto err_oom;
			ptsim__path_commit(st->pt, haddr, lvl, path, &s);
			return ret;
		}
	}
	/* Commit. */
	ptsim__path_commit(st->pt, haddr, lvl, path, &s);
	if (cache_new) {
		/* hugetlb_add_to_page_cache(): the cache holds one reference per page. */
		pc.pfn = newpfn;
		ptsim__pcache_commit(f, pgidx, &pc);
		ptsim__page_clear_flag(ctx->mem, newpfn, PTSIM_PG_lru);
		ptsim__page_set_flag(ctx->mem, newpfn, PTSIM_PG_dirty);
		ptsim__folio_ref_add(ctx->mem, newpfn, (int32_t)nr);
		resv_set(f->resv, idx); /* vma_commit_reservation() */
		pfn = newpfn;
	}
	if (anon_new) {
		if (av)
			ptsim__anon_vma_link(av, vma);
		if (vma->resv)
			resv_set(vma->resv, idx); /* the owner's reservation is consumed */
		new_anon_rmap(st, newpfn, vma, haddr);
		pfn = newpfn;
		/* A private write maps read-only, then hugetlb_wp() reuses the exclusive page. */
		mkwrite = write;
		if (cached)
			st->cnt.cow++;
		else
			st->cnt.anon_fault++;
	} else {
		/* hugetlb_add_file_rmap(): the cache folio, writable only in a shared VMA. */
		if (!cache_new)
			ptsim__folio_get(ctx->mem, pfn);
		ptsim__folio_add_rmap(ctx, pfn, (unsigned int)nr, lvl);
		mkwrite = vma->vm_flags & PTSIM_VM_SHARED;
		st->cnt.file_fault++;
	}
	set_huge_run(st, &s, ptsim__hugetlb_run(vma, a), make_huge_pte(a, vma, lvl, pfn, mkwrite));
	return 0;

err_oom:
	if (pc.slot)
		ptsim__free(ctx->host, pc.slot, sizeof(*pc.slot));
	ptsim__path_discard(st->pt, path);
	return PTSIM_VM_FAULT_OOM;
}

ptsim_vm_fault_t ptsim__hugetlb_fault(struct ptsim_mm_state *st, struct ptsim_vma *vma, uint64_t va,
				      bool write)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	const struct ptsim_arch *a = ctx->arch;
	uint64_t hsize = vma_hsize(vma), haddr = va & ~(hsize - 1), e, entry;
	unsigned int nr;
	int lvl = hugetlb_level(a, hsize, &nr);
	struct ptsim_path_prep path;
	struct ptsim_slot s;
	int err;

	PTSIM_BUG_ON(lvl < 0);
	/* huge_pte_alloc(): the tables down to the leaf's level. */
	err = ptsim__path_prepare(st->pt, haddr, lvl, &path);
	if (err == -ENOMEM)
		return PTSIM_VM_FAULT_OOM;
	if (err)
		return PTSIM_VM_FAULT_SIGBUS;
	if (ptsim__walk_to(st->pt, haddr, lvl, &s) || s.lvl != lvl || a->ops->none(a, lvl, *s.p))
		return hugetlb_no_page(st, vma, lvl, haddr, write, &path);
	ptsim__path_discard(st->pt, &path);
	s.addr = haddr;
	e = *s.p;
	if (!a->ops->present(a, lvl, e) || !a->ops->leaf(a, lvl, e))
		return PTSIM_VM_FAULT_SIGBUS; /* markers and hwpoison entries: not modelled yet */
	if (write && !a->ops->write(a, lvl, e)) {
		/* hugetlb_wp() of a shared mapping (after folio_mkclean()): writable again. */
		if (vma->vm_flags & PTSIM_VM_MAYSHARE) {
			set_huge_run(st, &s, nr,
				     a->ops->mkwrite(
					     a, lvl,
					     a->ops->mkdirty(a, lvl, a->ops->mkyoung(a, lvl, e))));
			if (a->caps & PTSIM_ARCH_CAP_SET_ACCESS_FLAGS_FLUSHES)
				ptsim__flush_tlb_range(ctx->tlbs, st->tlb_mm, haddr,
						       haddr + hsize - 1, a->shift[lvl], true);
			st->cnt.wp_reuse++;
			return 0;
		}
		return hugetlb_wp(st, vma, &s, haddr, e);
	}
	/* huge_ptep_set_access_flags(). */
	entry = a->ops->mkyoung(a, lvl, e);
	if (write)
		entry = a->ops->mkdirty(a, lvl, entry);
	if (entry == e) {
		st->cnt.spurious++;
		return 0;
	}
	/* Every entry of a contiguous run (contpte's access flags are the run's). */
	for (unsigned int i = 0; i < nr; i++) {
		struct ptsim_slot si;
		uint64_t ei;

		run_slot(a, &s, i, &si);
		ei = a->ops->mkyoung(a, lvl, *si.p);
		if (write)
			ei = a->ops->mkdirty(a, lvl, ei);
		if (ei != *si.p)
			ptsim__set_entry(st->pt, &si, ei);
	}
	if (write && (a->caps & PTSIM_ARCH_CAP_SET_ACCESS_FLAGS_FLUSHES))
		ptsim__flush_tlb_range(ctx->tlbs, st->tlb_mm, haddr, haddr + hsize - 1,
				       a->shift[lvl], true);
	st->cnt.fixup++;
	return 0;
}

/* --- hugetlbfs files and truncation ----------------------------------------------- */

struct ptsim_file *ptsim__hugetlbfs_file_alloc(struct ptsim_mm_ctx *ctx, uint64_t hsize,
					       uint64_t size)
{
	struct ptsim_file *f = ptsim__file_alloc(ctx, size, false, true);

	if (!f)
		return NULL;
	f->hsize = hsize;
	f->resv = resv_map_alloc(ctx, size / hsize);
	if (!f->resv) {
		ptsim__file_discard(f);
		return NULL;
	}
	return f;
}

/*
 * hugetlb_vmdelete_list(): zap [size, EOF) in every VMA mapping the file -
 * page-cache pages and private copies alike, whole entries, the tables
 * stay - through one mmu_gather per address space.
 */
static void vmdelete_list(struct ptsim_file *f, uint64_t size)
{
	struct ptsim_mm_ctx *ctx = f->ctx;
	const struct ptsim_arch *a = ctx->arch;
	struct ptsim_zap_details d = {.drop_markers = true};
	uint64_t pgoff = size >> a->page_shift;
	const char *op = ptsim__tlb_set_op(ctx->tlbs, "hugetlb_vmtruncate");

	for (struct ptsim_vma *vma = f->i_mmap; vma; vma = vma->f_next) {
		uint64_t vpages = (vma->vm_end - vma->vm_start) >> a->page_shift, start;
		struct ptsim_mmu_gather tlb;

		if (vma->vm_pgoff + vpages <= pgoff)
			continue;
		start = vma->vm_start;
		if (pgoff > vma->vm_pgoff)
			start += (pgoff - vma->vm_pgoff) << a->page_shift;
		ptsim__tlb_gather(vma->vm_mm, &tlb, false);
		ptsim__zap_range(vma->vm_mm, &tlb, vma, start, vma->vm_end, &d);
		ptsim__tlb_finish(vma->vm_mm, &tlb);
	}
	ptsim__tlb_restore_op(ctx->tlbs, op);
}

int ptsim__hugetlb_truncate(struct ptsim_file *f, uint64_t size)
{
	struct ptsim_mm_ctx *ctx = f->ctx;
	const struct ptsim_arch *a = ctx->arch;
	unsigned int horder = (unsigned int)__builtin_ctzll(f->hsize) - a->page_shift;
	uint64_t *bits = NULL, freed = 0, chg = 0, first = size / f->hsize;

	/* hugetlbfs_setattr(): the size is a multiple of the huge page size. */
	if (size & (f->hsize - 1))
		return ptsim__seterr(
			ctx->host, -EINVAL,
			"ftruncate: size 0x%llx not a multiple of the hugetlb page size "
			"0x%llx",
			(unsigned long long)size, (unsigned long long)f->hsize);
	if (size >= f->size) {
		if (resv_grow_prepare(ctx, f->resv, size / f->hsize, &bits))
			return ptsim__seterr(ctx->host, -ENOMEM, "ftruncate: out of memory");
		resv_grow_commit(ctx, f->resv, size / f->hsize, bits);
		f->size = size;
		return 0;
	}
	/* hugetlb_vmtruncate(): i_size first, so no fault maps past it again. */
	f->size = size;
	vmdelete_list(f, size);
	/* remove_inode_hugepages(): the cached folios past the end leave the cache. */
	for (struct ptsim_hnode *n = f->cache.first, *next; n; n = next) {
		struct ptsim_pcache *pc = ptsim__hash_entry(n, struct ptsim_pcache, node);
		uint64_t pfn = pc->pfn, nr = 1ull << horder;

		next = n->next;
		if (ptsim__frame(ctx, pfn)->index < size >> a->page_shift)
			continue;
		ptsim__hash_del_release(ctx->host, &f->cache, &pc->node);
		ptsim__free(ctx->host, pc, sizeof(*pc));
		f->nr_cached--;
		ptsim__frame(ctx, pfn)->mapping = 0;
		for (uint64_t i = 0; i < nr; i++)
			(void)ptsim__folio_put(ctx->mem, pfn);
		freed++;
	}
	/* hugetlb_unreserve_pages(): region_del() less the pages freed. */
	for (uint64_t i = first; i < f->resv->nr; i++) {
		chg += resv_test(f->resv, i);
		f->resv->bits[i / 64] &= ~(1ull << (i % 64));
	}
	PTSIM_BUG_ON(chg < freed);
	if (chg > freed)
		unreserve(ctx, f->hsize, chg - freed);
	return 0;
}

/* --- the checker's view ---------------------------------------------------------- */

uint64_t ptsim__hugetlb_resv_expected(struct ptsim_mm_ctx *ctx, struct ptsim_mm_state *const *mms,
				      size_t nr, uint64_t hsize)
{
	const struct ptsim_arch *a = ctx->arch;
	uint64_t want = 0, pfn;

	/* Private owners: the pages of each VMA not consumed yet (hugetlb_vm_op_close()). */
	for (size_t k = 0; k < nr; k++)
		for (struct ptsim_vma *v = ptsim__vma_first(&mms[k]->vmas); v;
		     v = ptsim__vma_next(v))
			if (v->resv && vma_hsize(v) == hsize) {
				uint64_t s = hugecache_offset(a, v, v->vm_start);
				uint64_t e = hugecache_offset(a, v, v->vm_end);

				want += (e - s) - resv_count(v->resv, s, e);
			}
	/* Files: regions not holding a page (hugetlb_unreserve_pages()). */
	for (struct ptsim_hnode *n = ctx->files.first; n; n = n->next) {
		struct ptsim_file *f = ptsim__hash_entry(n, struct ptsim_file, node);
		unsigned int horder;

		if (f->hsize != hsize || !f->resv)
			continue;
		horder = (unsigned int)__builtin_ctzll(hsize) - a->page_shift;
		for (uint64_t i = 0; i < f->resv->nr; i++)
			if (resv_test(f->resv, i) && !ptsim__pcache_lookup(f, i << horder, &pfn))
				want++;
	}
	return want;
}
