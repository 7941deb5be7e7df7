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
 * -ENOSPC, vmf_error()).  Surplus pages are not gathered at mmap time
 * (gather_surplus_pages() is not modelled): a reservation needs free pages.
 *
 * Entries.  A hugetlb page is mapped by one leaf at the level of its size
 * (PMD or PUD); no table below that level is allocated.  The folio's
 * entire mapcount counts the leaves; hugetlb pages are not in the rss
 * counters (the kernel charges them to HugetlbPages).  Anonymous (private)
 * folios are exclusive to the VMA that faulted them (PG_anon_exclusive on
 * the head); a shared file's folios live in its page cache (one reference
 * per base page, PG_dirty so nothing but hugetlbfs drops them).
 *
 * Not modelled: the arm64 contiguous sizes (cont-PTE and cont-PMD runs),
 * PMD sharing (CONFIG_HUGETLB_PMD_PAGE_TABLE_SHARING: every address space
 * has its own PMD tables), hugetlb cgroups and subpools.
 */
#include <errno.h>
#include <string.h>

#include "mm/internal.h"

static uint64_t vma_hsize(const struct ptsim_vma *vma)
{
	return vma->vm_file->hsize;
}

/* The level whose leaf maps a hugetlb page of @size, or -1 (a contiguous size). */
static int hugetlb_level(const struct ptsim_arch *a, uint64_t size)
{
	for (int lvl = PTSIM_PUD; lvl <= PTSIM_PMD; lvl++)
		if (a->leaf_ok[lvl] && (1ull << a->shift[lvl]) == size)
			return lvl;
	return -1;
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
	if (hugetlb_level(a, sz) < 0)
		return ptsim__seterr(ctx->host, -EINVAL,
				     "mmap: hugetlb size 0x%llx is a contiguous size, not modelled",
				     (unsigned long long)sz);
	*size = sz;
	return 0;
}

/* --- resv_map ------------------------------------------------------------------ */

static struct ptsim_resv_map *resv_map_alloc(struct ptsim_mm_ctx *ctx, uint64_t nr)
{
	struct ptsim_resv_map *r = ptsim__zalloc(ctx->host, sizeof(*r));

	if (!r)
		return NULL;
	r->bits = ptsim__zalloc(ctx->host, ((nr + 63) / 64 ? (nr + 63) / 64 : 1) * 8);
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
	ptsim__free(ctx->host, r->bits, ((r->nr + 63) / 64 ? (r->nr + 63) / 64 : 1) * 8);
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

/* --- mmap ------------------------------------------------------------------------ */

int ptsim__hugetlb_mmap_prepare(struct ptsim_mm_state *st, struct ptsim_file *file, uint64_t hsize,
				uint64_t len, unsigned int type, bool noreserve,
				struct ptsim_hugetlb_mmap_prep *p)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	struct ptsim_hstate *h = ptsim__hstate(ctx->mem, hsize);
	uint64_t nr = len / hsize, chg = 0;
	struct ptsim_resv_map *fresv;

	memset(p, 0, sizeof(*p));
	p->hsize = hsize;
	if (!file) {
		/* hugetlb_file_setup(HUGETLB_ANON_FILE, len, VM_NORESERVE, ...). */
		p->file = ptsim__file_alloc(ctx, len, false, false);
		if (!p->file)
			goto err_nomem;
		p->file->hsize = hsize;
		p->file->resv = resv_map_alloc(ctx, nr);
		if (!p->file->resv)
			goto err_nomem;
		file = p->file;
	}
	fresv = file->resv;
	if (noreserve)
		return 0;
	if (type == PTSIM_MAP_PRIVATE) {
		p->resv = resv_map_alloc(ctx, nr);
		if (!p->resv)
			goto err_nomem;
		chg = nr;
	} else {
		chg = nr - resv_count(fresv, 0, nr); /* region_chg() */
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
		PTSIM_BUG_ON(ptsim__hugetlb_unreserve(ctx->mem, ptsim__hstate(ctx->mem, p->hsize),
						      p->reserved));
	resv_map_free(ctx, p->resv);
	if (p->file) {
		resv_map_free(ctx, p->file->resv);
		ptsim__file_discard(p->file);
	}
	memset(p, 0, sizeof(*p));
}

void ptsim__hugetlb_mmap_commit(struct ptsim_mm_state *st, struct ptsim_vma *vma,
				struct ptsim_hugetlb_mmap_prep *p)
{
	const struct ptsim_arch *a = st->ctx->arch;

	vma->resv = p->resv;
	/* region_add() of a shared mapping's range: reserved for the file. */
	if (p->reserved && !p->resv)
		for (uint64_t i = hugecache_offset(a, vma, vma->vm_start);
		     i < hugecache_offset(a, vma, vma->vm_end); i++)
			resv_set(vma->vm_file->resv, i);
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
		PTSIM_BUG_ON(ptsim__hugetlb_unreserve(
			ctx->mem, ptsim__hstate(ctx->mem, vma_hsize(vma)), reserve));
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
		PTSIM_BUG_ON(ptsim__hugetlb_unreserve(ctx->mem, ptsim__hstate(ctx->mem, f->hsize),
						      outstanding));
	resv_map_free(ctx, f->resv);
	f->resv = NULL;
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
	uint64_t old = a->ops->pfn(a, s->lvl, e), newpfn;
	struct ptsim_anon_vma *av = NULL;
	ptsim_vm_fault_t ret;

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
		ptsim__set_entry(st->pt, s, e);
		/* huge_ptep_set_access_flags(): arm64 invalidates the stale read-only entry. */
		if (a->caps & PTSIM_ARCH_CAP_SET_ACCESS_FLAGS_FLUSHES)
			ptsim__flush_tlb_range(ctx->tlbs, st->tlb_mm, haddr,
					       haddr + vma_hsize(vma) - 1, a->shift[s->lvl], true);
		st->cnt.wp_reuse++;
		return 0;
	}
	/* Copy: a new page, without a reservation (the owner's was consumed). */
	if (!vma->anon_vma) {
		av = ptsim__anon_vma_alloc(ctx);
		if (!av)
			return PTSIM_VM_FAULT_OOM;
	}
	ret = alloc_hugetlb_folio(ctx, h, false, &newpfn);
	if (ret) {
		if (av)
			ptsim__anon_vma_free(ctx, av);
		return ret;
	}
	if (av)
		ptsim__anon_vma_link(av, vma);
	ptsim__get_and_clear(st->pt, s);
	ptsim__flush_tlb_range(ctx->tlbs, st->tlb_mm, haddr, haddr + vma_hsize(vma) - 1,
			       a->shift[s->lvl], true);
	new_anon_rmap(st, newpfn, vma, haddr);
	ptsim__set_entry(st->pt, s, make_huge_pte(a, vma, s->lvl, newpfn, true));
	ptsim__folio_remove_rmap(ctx, old, 1, s->lvl);
	(void)ptsim__folio_put(ctx->mem, old);
	st->cnt.cow++;
	return 0;
}

/* hugetlb_no_page(): nothing mapped at @haddr yet. */
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
	uint64_t nr = 1ull << h->order, pfn;
	struct ptsim_pcache_prep pc = {0};
	struct ptsim_anon_vma *av = NULL;
	struct ptsim_slot s;
	bool reserved, cached = false;
	ptsim_vm_fault_t ret;

	/* Beyond the end of the file: SIGBUS (the tables stay, as huge_pte_alloc() left them). */
	if (idx >= (f->size + f->hsize - 1) / f->hsize) {
		ptsim__path_commit(st->pt, haddr, lvl, path, &s);
		return PTSIM_VM_FAULT_SIGBUS;
	}
	if (shared) {
		cached = ptsim__pcache_lookup(f, pgidx, &pfn);
		reserved = resv_test(f->resv, idx);
	} else {
		reserved = vma->resv && !resv_test(vma->resv, idx);
	}
	if (!cached) {
		if (shared) {
			pc.slot = ptsim__zalloc(ctx->host, sizeof(*pc.slot));
			if (!pc.slot)
				goto err_oom;
		} else if (!vma->anon_vma) {
			av = ptsim__anon_vma_alloc(ctx);
			if (!av)
				goto err_oom;
		}
		ret = alloc_hugetlb_folio(ctx, h, reserved, &pfn);
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
	if (cached) {
		ptsim__folio_get(ctx->mem, pfn);
	} else if (shared) {
		/* hugetlb_add_to_page_cache(): the cache holds one reference per page. */
		pc.pfn = pfn;
		ptsim__pcache_commit(f, pgidx, &pc);
		ptsim__page_clear_flag(ctx->mem, pfn, PTSIM_PG_lru);
		ptsim__page_set_flag(ctx->mem, pfn, PTSIM_PG_dirty);
		ptsim__folio_ref_add(ctx->mem, pfn, (int32_t)nr);
		resv_set(f->resv, idx); /* vma_commit_reservation() */
	} else {
		if (av)
			ptsim__anon_vma_link(av, vma);
		if (vma->resv)
			resv_set(vma->resv, idx); /* the owner's reservation is consumed */
		new_anon_rmap(st, pfn, vma, haddr);
	}
	if (cached || shared)
		ptsim__folio_add_rmap(ctx, pfn, (unsigned int)nr, lvl);
	/*
	 * A private write is mapped read-only, then hugetlb_wp() reuses the
	 * exclusive page: writable and dirty in the end.
	 */
	ptsim__set_entry(st->pt, &s,
			 make_huge_pte(a, vma, lvl, pfn,
				       (vma->vm_flags & PTSIM_VM_SHARED) || (write && !shared)));
	if (shared)
		st->cnt.file_fault++;
	else
		st->cnt.anon_fault++;
	return 0;

err_oom:
	ptsim__path_discard(st->pt, path);
	return PTSIM_VM_FAULT_OOM;
}

ptsim_vm_fault_t ptsim__hugetlb_fault(struct ptsim_mm_state *st, struct ptsim_vma *vma, uint64_t va,
				      bool write)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	const struct ptsim_arch *a = ctx->arch;
	uint64_t hsize = vma_hsize(vma), haddr = va & ~(hsize - 1), e, entry;
	int lvl = hugetlb_level(a, hsize);
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
		if (vma->vm_flags & PTSIM_VM_MAYSHARE)
			return PTSIM_VM_FAULT_SIGBUS; /* cannot happen: shared writable is mapped so
						       */
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
	ptsim__set_entry(st->pt, &s, entry);
	if (write && (a->caps & PTSIM_ARCH_CAP_SET_ACCESS_FLAGS_FLUSHES))
		ptsim__flush_tlb_range(ctx->tlbs, st->tlb_mm, haddr, haddr + hsize - 1,
				       a->shift[lvl], true);
	st->cnt.fixup++;
	return 0;
}
