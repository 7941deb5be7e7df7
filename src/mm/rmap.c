// SPDX-License-Identifier: MIT
/*
 * rmap.c - mapcounts, rss, and the reverse map: rmap_walk(),
 * page_vma_mapped_walk(), try_to_unmap(), folio_mkclean(),
 * folio_referenced() (follows mm/rmap.c and mm/page_vma_mapped.c).
 *
 * Mapcount rules (the kernel's include/linux/rmap.h, mm/rmap.c): a small folio counts its PTE
 * mappings in _mapcount; a large folio counts a PTE mapping of a page in that page's _mapcount and
 * an entire (PMD/PUD) mapping in _entire_mapcount, every mapping of either kind in _large_mapcount,
 * and keeps _nr_pages_mapped = pages with a PTE mapping (+ ENTIRELY_MAPPED while entire-mapped).  A
 * hugetlb folio counts only entire mappings.  All stored as count - 1.
 */
#include <errno.h>
#include <string.h>

#include "mm/internal.h"

struct ptsim_frame *ptsim__frame(struct ptsim_mm_ctx *ctx, uint64_t pfn)
{
	ctx->host->cost.frames_touched++;
	return ptsim__pfn_to_frame_noinit(ctx->mem, pfn);
}

unsigned int ptsim__folio_nr_pages(struct ptsim_mm_ctx *ctx, uint64_t head)
{
	return 1u << ptsim__folio_order(ctx->mem, ptsim__folio_head(ctx->mem, head));
}

bool ptsim__folio_anon(struct ptsim_mm_ctx *ctx, uint64_t pfn)
{
	struct ptsim_frame *h = ptsim__frame(ctx, ptsim__folio_head(ctx->mem, pfn));

	return h && (h->mapping & PTSIM_MAPPING_ANON);
}

bool ptsim__vm_normal_page(struct ptsim_mm_ctx *ctx, int lvl, uint64_t ent, uint64_t *pfn)
{
	const struct ptsim_arch *a = ctx->arch;
	uint64_t p;

	if (!a->leaf_ok[lvl] || !a->ops->leaf(a, lvl, ent) || a->ops->special(a, lvl, ent))
		return false;
	p = a->ops->pfn(a, lvl, ent);
	if (p == ctx->mem->zero_pfn || !ptsim__frame(ctx, p))
		return false;
	*pfn = p;
	return true;
}

static int32_t lo32(uint64_t w)
{
	return (int32_t)(uint32_t)w;
}

static int32_t hi32(uint64_t w)
{
	return (int32_t)(uint32_t)(w >> 32);
}

static uint64_t set_lo32(uint64_t w, int32_t v)
{
	return (w & ~0xffffffffull) | (uint32_t)v;
}

static uint64_t set_hi32(uint64_t w, int32_t v)
{
	return (w & 0xffffffffull) | ((uint64_t)(uint32_t)v << 32);
}

static bool folio_hugetlb(struct ptsim_mm_ctx *ctx, uint64_t head)
{
	return ptsim__frame_type(ptsim__frame(ctx, head)) == PTSIM_PGTY_hugetlb;
}

/*
 * NR_ANON_MAPPED / NR_ANON_THPS (meminfo AnonPages / AnonHugePages) follow
 * the pages of anonymous folios that became mapped or unmapped (@nr) and the
 * pages of PMD-mapped ones (@nr_pmdmapped), as __folio_mod_stat() does.
 */
static void anon_stat(struct ptsim_mm_ctx *ctx, uint64_t head, int64_t nr, int64_t nr_pmdmapped)
{
	const struct ptsim_frame *h = ptsim__frame(ctx, head);

	if (!(h->mapping & PTSIM_MAPPING_ANON))
		return;
	ctx->host->nr_anon_mapped += (uint64_t)nr;
	ctx->host->nr_anon_thps += (uint64_t)nr_pmdmapped;
}

/* __folio_add_rmap(): @nr pages from @page at PTE level, or the whole folio above. */
/*
 * Add @d (+1 or -1) to the _mapcount of [page, page + nr), a run inside one
 * folio, walking the records array by array, and set @flags (per-page
 * flags) on each in the same pass; returns how many pages became mapped
 * (+1: from -1 to 0) or unmapped (-1: from 0 to -1).
 */
static unsigned int pages_mapcount_add(struct ptsim_mm_ctx *ctx, uint64_t page, uint64_t nr, int d,
				       uint64_t flags)
{
	unsigned int changed = 0;
	int32_t edge = d > 0 ? 0 : -1;

	ctx->host->cost.frames_touched += nr;
	while (nr) {
		uint64_t run;
		struct ptsim_frame *f = ptsim__frame_run(ctx->mem, page, nr, &run);

		PTSIM_BUG_ON(!f);
		for (uint64_t i = 0; i < run; i++) {
			f[i].mapcount += d;
			f[i].flags |= flags;
			changed += f[i].mapcount == edge;
		}
		page += run;
		nr -= run;
	}
	return changed;
}

static void add_rmap(struct ptsim_mm_ctx *ctx, uint64_t page, unsigned int nr, int lvl,
		     uint64_t page_flags)
{
	uint64_t head = ptsim__folio_head(ctx->mem, page);
	unsigned int npages;
	struct ptsim_frame *p1;
	int32_t mapped = 0, before;
	int64_t newly = 0, pmdmapped = 0;

	if (!ptsim__folio_order(ctx->mem, head)) {
		if (++ptsim__frame(ctx, page)->mapcount == 0)
			anon_stat(ctx, head, 1, 0);
		return;
	}
	npages = ptsim__folio_nr_pages(ctx, head);
	p1 = ptsim__frame(ctx, head + 1);
	before = lo32(p1->index);
	if (lvl == PTSIM_PTE && !folio_hugetlb(ctx, head)) {
		mapped = (int32_t)pages_mapcount_add(ctx, page, nr, +1, page_flags);
		p1->mapping = set_lo32(p1->mapping, lo32(p1->mapping) + (int32_t)nr);
		/* Pages first mapped count unless an entire mapping already covers them. */
		if (before < (int32_t)PTSIM_ENTIRELY_MAPPED)
			newly = mapped;
	} else {
		int32_t entire = hi32(p1->mapping) + 1;

		p1->mapping = set_hi32(p1->mapping, entire);
		if (entire == 0) {
			mapped = (int32_t)PTSIM_ENTIRELY_MAPPED;
			newly = (int64_t)npages - before;
			pmdmapped = lvl == PTSIM_PMD ? npages : 0;
		}
		p1->mapping = set_lo32(p1->mapping, lo32(p1->mapping) + 1);
	}
	p1->index = set_lo32(p1->index, lo32(p1->index) + mapped);
	if (!folio_hugetlb(ctx, head))
		anon_stat(ctx, head, newly, pmdmapped);
}

void ptsim__folio_add_rmap(struct ptsim_mm_ctx *ctx, uint64_t page, unsigned int nr, int lvl)
{
	add_rmap(ctx, page, nr, lvl, 0);
}

void ptsim__folio_add_anon_rmap_ptes(struct ptsim_mm_ctx *ctx, uint64_t page, unsigned int nr,
				     bool exclusive)
{
	PTSIM_BUG_ON(!ptsim__folio_order(ctx->mem, ptsim__folio_head(ctx->mem, page)));
	add_rmap(ctx, page, nr, PTSIM_PTE, exclusive ? 1ull << PTSIM_PG_anon_exclusive : 0);
}

void ptsim__folio_remove_rmap(struct ptsim_mm_ctx *ctx, uint64_t page, unsigned int nr, int lvl)
{
	uint64_t head = ptsim__folio_head(ctx->mem, page);
	unsigned int npages;
	struct ptsim_frame *p1;
	int32_t unmapped = 0, after;
	int64_t gone = 0, pmdmapped = 0;

	if (!ptsim__folio_order(ctx->mem, head)) {
		if (--ptsim__frame(ctx, page)->mapcount == -1)
			anon_stat(ctx, head, -1, 0);
		return;
	}
	npages = ptsim__folio_nr_pages(ctx, head);
	p1 = ptsim__frame(ctx, head + 1);
	if (lvl == PTSIM_PTE && !folio_hugetlb(ctx, head)) {
		unmapped = (int32_t)pages_mapcount_add(ctx, page, nr, -1, 0);
		p1->mapping = set_lo32(p1->mapping, lo32(p1->mapping) - (int32_t)nr);
		after = lo32(p1->index) - unmapped;
		if (after < (int32_t)PTSIM_ENTIRELY_MAPPED)
			gone = unmapped;
	} else {
		int32_t entire = hi32(p1->mapping) - 1;

		p1->mapping = set_hi32(p1->mapping, entire);
		if (entire == -1) {
			unmapped = (int32_t)PTSIM_ENTIRELY_MAPPED;
			after = lo32(p1->index) - unmapped;
			gone = (int64_t)npages - after;
			pmdmapped = lvl == PTSIM_PMD ? npages : 0;
		}
		p1->mapping = set_lo32(p1->mapping, lo32(p1->mapping) - 1);
	}
	p1->index = set_lo32(p1->index, lo32(p1->index) - unmapped);
	if (!folio_hugetlb(ctx, head))
		anon_stat(ctx, head, -gone, -pmdmapped);
}

int ptsim__page_mapcount(struct ptsim_mm_ctx *ctx, uint64_t page)
{
	uint64_t head = ptsim__folio_head(ctx->mem, page);
	int n;

	if (!ptsim__folio_order(ctx->mem, head))
		return ptsim__frame(ctx, page)->mapcount + 1;
	n = hi32(ptsim__frame(ctx, head + 1)->mapping) + 1;
	if (!folio_hugetlb(ctx, head))
		n += ptsim__frame(ctx, page)->mapcount + 1;
	return n;
}

void ptsim__folio_add_new_anon_rmap(struct ptsim_mm_state *st, uint64_t head, struct ptsim_vma *vma,
				    uint64_t addr)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	struct ptsim_frame *h = ptsim__frame(ctx, head);
	unsigned int nr = ptsim__folio_nr_pages(ctx, head);

	h->mapping = (vma->anon_vma->id << PTSIM_MAPPING_SHIFT) | PTSIM_MAPPING_ANON;
	h->index = ptsim__linear_page_index(ctx->arch, vma, addr);
	ptsim__page_set_flag(ctx->mem, head, PTSIM_PG_swapbacked);
	if (nr == 1) {
		ptsim__page_set_flag(ctx->mem, head, PTSIM_PG_anon_exclusive);
		ptsim__folio_add_rmap(ctx, head, 1, PTSIM_PTE);
	} else {
		add_rmap(ctx, head, nr, PTSIM_PTE, 1ull << PTSIM_PG_anon_exclusive);
	}
}

void ptsim__folio_add_new_anon_rmap_pmd(struct ptsim_mm_state *st, uint64_t head,
					struct ptsim_vma *vma, uint64_t haddr)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	struct ptsim_frame *h = ptsim__frame(ctx, head);

	h->mapping = (vma->anon_vma->id << PTSIM_MAPPING_SHIFT) | PTSIM_MAPPING_ANON;
	h->index = ptsim__linear_page_index(ctx->arch, vma, haddr);
	ptsim__page_set_flag(ctx->mem, head, PTSIM_PG_swapbacked);
	/* A PMD-mapped folio keeps PG_anon_exclusive on its head page only. */
	ptsim__page_set_flag(ctx->mem, head, PTSIM_PG_anon_exclusive);
	ptsim__folio_add_rmap(ctx, head, 1, PTSIM_PMD);
}

void ptsim__folio_move_anon_rmap(struct ptsim_mm_ctx *ctx, uint64_t head, struct ptsim_vma *vma)
{
	struct ptsim_frame *h = ptsim__frame(ctx, ptsim__folio_head(ctx->mem, head));

	h->mapping = (vma->anon_vma->id << PTSIM_MAPPING_SHIFT) | PTSIM_MAPPING_ANON;
}

enum ptsim_rss_kind ptsim__folio_rss_kind(struct ptsim_mm_ctx *ctx, uint64_t pfn)
{
	uint64_t head = ptsim__folio_head(ctx->mem, pfn);

	if (ptsim__folio_anon(ctx, head))
		return PTSIM_RSS_ANON;
	return ptsim__page_test_flag(ctx->mem, head, PTSIM_PG_swapbacked) ? PTSIM_RSS_SHMEM
									  : PTSIM_RSS_FILE;
}

void ptsim__rss_add(struct ptsim_mm_state *st, enum ptsim_rss_kind k, int64_t n)
{
	uint64_t *c = k == PTSIM_RSS_ANON    ? &st->cnt.rss_anon
		      : k == PTSIM_RSS_SHMEM ? &st->cnt.rss_shmem
					     : &st->cnt.rss_file;

	*c += (uint64_t)n;
}

/* --- page_vma_mapped_walk -------------------------------------------------------- */

/*
 * Step through [pw->address, pw->end) of @vma looking for a present leaf
 * that maps a page of the folio [pw->pfn, pw->pfn + pw->nr).  A huge leaf
 * found is reported once; the walk resumes after it.
 */
static bool page_vma_mapped_walk(struct ptsim_mm_state *st, struct ptsim_vma *vma,
				 struct ptsim_pvmw *pw)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	const struct ptsim_arch *a = ctx->arch;
	uint64_t psz = ptsim__page_size(a);

	while (pw->address < pw->end && pw->address >= vma->vm_start && pw->address < vma->vm_end) {
		struct ptsim_slot s;
		uint64_t addr = pw->address, size, pfn, e;

		if (vma->vm_flags & PTSIM_VM_HUGETLB) /* hugetlb_walk(): the page's first entry */
			addr &= ~(vma->vm_file->hsize - 1);
		if (ptsim__walk_to(st->pt, addr, PTSIM_PTE, &s))
			return false;
		size = 1ull << a->shift[s.lvl];
		e = *s.p;
		pw->address = (addr & ~(size - 1)) + size;
		if (vma->vm_flags & PTSIM_VM_HUGETLB && ptsim__hugetlb_run(vma, a) > 1) {
			size = vma->vm_file->hsize;
			pw->address = addr + size;
		}
		if (pw->address == 0)
			pw->end = 0; /* wrapped at the top */
		if (!a->leaf_ok[s.lvl] || !a->ops->leaf(a, s.lvl, e))
			continue;
		pfn = a->ops->pfn(a, s.lvl, e);
		if (s.lvl != PTSIM_PTE || (vma->vm_flags & PTSIM_VM_HUGETLB)) {
			uint64_t npages = size / psz;

			if (pfn + npages <= pw->pfn || pfn >= pw->pfn + pw->nr)
				continue;
			pw->hit_addr = addr & ~(size - 1);
		} else {
			if (pfn < pw->pfn || pfn >= pw->pfn + pw->nr)
				continue;
			pw->hit_addr = addr;
		}
		pw->slot = s;
		return true;
	}
	return false;
}

/* vma_address(): where page @index of the object lies in @vma, or false. */
static bool vma_address(const struct ptsim_arch *a, const struct ptsim_vma *vma, uint64_t index,
			unsigned int nr, uint64_t *start, uint64_t *end)
{
	uint64_t npages = (vma->vm_end - vma->vm_start) >> a->page_shift;
	uint64_t s, e;

	if (index + nr <= vma->vm_pgoff || index >= vma->vm_pgoff + npages)
		return false;
	s = index > vma->vm_pgoff ? index - vma->vm_pgoff : 0;
	e = index + nr - vma->vm_pgoff;
	if (e > npages)
		e = npages;
	*start = vma->vm_start + (s << a->page_shift);
	*end = vma->vm_start + (e << a->page_shift);
	return true;
}

long ptsim__rmap_walk(struct ptsim_mm_ctx *ctx, uint64_t pfn, ptsim__rmap_one_fn fn, void *arg)
{
	uint64_t head = ptsim__folio_head(ctx->mem, pfn);
	struct ptsim_frame *h = ptsim__frame(ctx, head);
	unsigned int nr = ptsim__folio_nr_pages(ctx, head);
	struct ptsim_vma *vma, *next;
	long count = 0;

	if (!h || !h->mapping)
		return 0;
	if (h->mapping & PTSIM_MAPPING_ANON) {
		struct ptsim_anon_vma *av =
			ptsim__anon_vma_lookup(ctx, h->mapping >> PTSIM_MAPPING_SHIFT);

		vma = av ? av->vmas : NULL;
	} else {
		struct ptsim_file *f = ptsim__file_lookup(ctx, h->mapping >> PTSIM_MAPPING_SHIFT);

		vma = f ? f->i_mmap : NULL;
	}
	/* Sample next first: a callback may not remove the VMA, but keep the walk robust. */
	for (; vma; vma = next) {
		struct ptsim_pvmw pw = {.pfn = head, .nr = nr};

		next = h->mapping & PTSIM_MAPPING_ANON ? vma->av_next : vma->f_next;
		if (!vma_address(ctx->arch, vma, h->index, nr, &pw.address, &pw.end))
			continue;
		while (page_vma_mapped_walk(vma->vm_mm, vma, &pw)) {
			int ret = fn ? fn(vma->vm_mm, vma, &pw, arg) : 0;

			if (ret)
				return ret;
			count++;
		}
	}
	return count;
}

/* --- try_to_unmap, folio_mkclean, folio_referenced ----------------------------- */

/* ptep_clear_flush() at any level: clear, then flush that entry's translation. */
static uint64_t clear_flush(struct ptsim_mm_state *st, const struct ptsim_slot *s, uint64_t addr)
{
	const struct ptsim_arch *a = st->ctx->arch;
	uint64_t old = ptsim__get_and_clear(st->pt, s);
	uint64_t size = 1ull << a->shift[s->lvl];

	ptsim__flush_tlb_range(st->ctx->tlbs, st->tlb_mm, addr, addr + size - 1, a->shift[s->lvl],
			       true);
	return old;
}

static int unmap_one(struct ptsim_mm_state *st, struct ptsim_vma *vma, struct ptsim_pvmw *pw,
		     void *arg)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	const struct ptsim_arch *a = ctx->arch;
	int lvl = pw->slot.lvl;
	uint64_t old = clear_flush(st, &pw->slot, pw->hit_addr);
	uint64_t page = a->ops->pfn(a, lvl, old);

	/* huge_ptep_clear_flush() of a hugetlb contiguous run: every entry goes. */
	for (unsigned int i = 1; i < ptsim__hugetlb_run(vma, a); i++) {
		struct ptsim_slot si = pw->slot;
		uint64_t ei;

		si.idx += i;
		si.p += i;
		si.addr = pw->hit_addr + ((uint64_t)i << a->shift[lvl]);
		ei = clear_flush(st, &si, si.addr);
		if (a->ops->dirty(a, lvl, ei))
			old = a->ops->mkdirty(a, lvl, old);
	}
	unsigned int n =
		lvl == PTSIM_PTE ? 1 : (unsigned int)(1ull << (a->shift[lvl] - a->page_shift));

	(void)arg;
	/* try_to_unmap_one(): a write-protected file PTE leaves a uffd-wp marker. */
	ptsim__pte_install_uffd_wp_if_needed(st, vma, &pw->slot, old);
	if (a->ops->dirty(a, lvl, old))
		ptsim__page_set_flag(ctx->mem, page, PTSIM_PG_dirty);
	ptsim__folio_remove_rmap(ctx, page, 1, lvl);
	if (!(vma->vm_flags & PTSIM_VM_HUGETLB)) /* hugetlb pages are not in rss */
		ptsim__rss_add(st, ptsim__folio_rss_kind(ctx, page), -(int64_t)n);
	(void)ptsim__folio_put(ctx->mem, page);
	return 0;
}

long ptsim__try_to_unmap(struct ptsim_mm_ctx *ctx, uint64_t pfn)
{
	const char *prev = ptsim__tlb_set_op(ctx->tlbs, "try_to_unmap");
	long n;

	/* Hold the folio: the last mapping's put must not free it under the walk. */
	ptsim__folio_get(ctx->mem, pfn);
	n = ptsim__rmap_walk(ctx, pfn, unmap_one, NULL);
	(void)ptsim__folio_put(ctx->mem, pfn);
	ptsim__tlb_restore_op(ctx->tlbs, prev);
	return n;
}

static int mkclean_one(struct ptsim_mm_state *st, struct ptsim_vma *vma, struct ptsim_pvmw *pw,
		       void *arg)
{
	const struct ptsim_arch *a = st->ctx->arch;
	int lvl = pw->slot.lvl;
	uint64_t e = *pw->slot.p;
	long *cleaned = arg;

	if (!(vma->vm_flags & PTSIM_VM_SHARED))
		return 0;
	if (!a->ops->dirty(a, lvl, e) && !a->ops->write(a, lvl, e))
		return 0;
	/* page_mkclean_one(): clear and flush, then write the clean read-only entry. */
	e = clear_flush(st, &pw->slot, pw->hit_addr);
	e = a->ops->mkclean(a, lvl, a->ops->wrprotect(a, lvl, e));
	ptsim__set_entry(st->pt, &pw->slot, e);
	(*cleaned)++;
	return 0;
}

long ptsim__folio_mkclean(struct ptsim_mm_ctx *ctx, uint64_t pfn)
{
	const char *prev = ptsim__tlb_set_op(ctx->tlbs, "folio_mkclean");
	long cleaned = 0;
	long ret = ptsim__rmap_walk(ctx, pfn, mkclean_one, &cleaned);

	ptsim__tlb_restore_op(ctx->tlbs, prev);
	return ret < 0 ? ret : cleaned;
}

static int referenced_one(struct ptsim_mm_state *st, struct ptsim_vma *vma, struct ptsim_pvmw *pw,
			  void *arg)
{
	const struct ptsim_arch *a = st->ctx->arch;
	int lvl = pw->slot.lvl;
	uint64_t e = *pw->slot.p;
	long *referenced = arg;

	(void)vma;
	if (!a->ops->young(a, lvl, e))
		return 0;
	/* ptep_clear_flush_young(): x86 needs no flush; arm64 invalidates the page. */
	ptsim__set_entry(st->pt, &pw->slot, a->ops->mkold(a, lvl, e));
	if (a->caps & PTSIM_ARCH_CAP_CLEAR_YOUNG_FLUSHES) {
		uint64_t size = 1ull << a->shift[lvl];

		ptsim__flush_tlb_range(st->ctx->tlbs, st->tlb_mm, pw->hit_addr,
				       pw->hit_addr + size - 1, a->shift[lvl], true);
	}
	(*referenced)++;
	return 0;
}

long ptsim__folio_referenced(struct ptsim_mm_ctx *ctx, uint64_t pfn)
{
	long referenced = 0;
	long ret = ptsim__rmap_walk(ctx, pfn, referenced_one, &referenced);

	return ret < 0 ? ret : referenced;
}
