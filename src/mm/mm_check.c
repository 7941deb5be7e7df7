// SPDX-License-Identifier: MIT
/*
 * mm_check.c - the mm layer's invariants of ptsim_check() (finding
 * MAPCOUNT; src/mm/internal.h states them): every page's mapcount, every
 * folio's large/entire mapcounts and _nr_pages_mapped, the folio references
 * of mappings and page caches, each address space's rss counters and the
 * machine's AnonPages/AnonHugePages, recomputed from a walk of every VMA.
 */
#include <stdlib.h>
#include <string.h>

#include "mm/internal.h"
#include "ptsim/check.h"
#include "util/report.h"

/*
 * Mapcounts, refcounts and rss (finding MAPCOUNT).  Every present, non-special
 * leaf inside a VMA of any address space is recorded - a PTE leaf as a
 * mapping of its page, a huge leaf as an entire mapping of its folio - and so
 * is every page-cache folio; then each in-use frame's counts are compared
 * with the records (src/mm/rmap.c and src/mm/internal.h state the rules).
 * Leaves outside every VMA (ptsim_map()) are not accounted.
 */
/* REC_THP: a THP PMD of an anonymous VMA in the table page @pfn (its deposit is due). */
enum { REC_PTE = 0, REC_ENTIRE = 1, REC_CACHE = 2, REC_THP = 3 };

struct map_rec {
	uint64_t pfn;
	uint64_t type; /* REC_* */
};

struct map_check {
	struct ptsim_mm_ctx *ctx;
	struct ptsim_reporter *r;
	struct map_rec *v;
	size_t n, cap;
	bool oom;
	struct ptsim_vma *vma;
	uint64_t rss[3];
	uint64_t anon_mapped, anon_thps; /* recomputed NR_ANON_MAPPED, NR_ANON_THPS */
};

static void rec_add(struct map_check *c, uint64_t pfn, uint64_t type)
{
	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 256;
		struct map_rec *nv = ptsim__alloc_nofail(c->ctx->host, ncap * sizeof(*nv));

		if (!nv) {
			c->oom = true;
			return;
		}
		if (c->v) {
			memcpy(nv, c->v, c->n * sizeof(*nv));
			ptsim__free(c->ctx->host, c->v, c->cap * sizeof(*nv));
		}
		c->v = nv;
		c->cap = ncap;
	}
	c->v[c->n].pfn = pfn;
	c->v[c->n].type = type;
	c->n++;
}

static int cmp_rec(const void *a, const void *b)
{
	const struct map_rec *x = a, *y = b;

	if (x->pfn != y->pfn)
		return x->pfn < y->pfn ? -1 : 1;
	return x->type < y->type ? -1 : x->type > y->type;
}

/* The folio head of @pfn as the frame records say, or @pfn (never crashes). */
static uint64_t check_head(struct ptsim_mem *mem, uint64_t pfn)
{
	const struct ptsim_frame *f = ptsim__pfn_to_frame_noinit(mem, pfn);

	return f && ptsim__frame_tail(f) ? f->head >> 1 : pfn;
}

static int map_leaf_fn(struct ptsim_visitor *v, int what, struct ptsim_slot *s, uint64_t addr,
		       uint64_t next)
{
	struct map_check *c = v->priv;
	struct ptsim_mm_ctx *ctx = c->ctx;
	const struct ptsim_arch *a = ctx->arch;
	uint64_t e = *s->p, pfn, head, npages;
	const struct ptsim_frame *hf;
	struct ptsim_frame_info fi;

	(void)what;
	(void)next;
	/* MARKER: a uffd-wp marker outside a uffd-wp VMA. */
	if (s->lvl == PTSIM_PTE && !a->ops->present(a, PTSIM_PTE, e) &&
	    a->ops->swp(a, PTSIM_PTE, e) &&
	    ptsim__swp_code_type(a, a->ops->swp_type(a, PTSIM_PTE, e)) == PTSIM_SOFTLEAF_MARKER &&
	    (a->ops->swp_offset(a, PTSIM_PTE, e) & PTSIM_PTE_MARKER_UFFD_WP) &&
	    !(c->vma->vm_flags & PTSIM_VM_UFFD_WP))
		ptsim__report(c->r, PTSIM_CHK_MARKER, PTSIM_PTE, addr, 0, 0, 0,
			      "uffd-wp marker in a VMA not registered for uffd-wp");
	if (ptsim__pmd_is_thp(ctx, c->vma, s->lvl, e))
		rec_add(c, s->table_pfn, REC_THP);
	if (!a->leaf_ok[s->lvl] || !a->ops->leaf(a, s->lvl, e) || a->ops->special(a, s->lvl, e))
		return 0;
	pfn = a->ops->pfn(a, s->lvl, e);
	if (pfn == ctx->mem->zero_pfn || ptsim__frame_info(ctx->mem, pfn, &fi) || fi.free ||
	    fi.type == PTSIM_PGTY_table)
		return 0; /* ENTRY_PFN reports it */
	head = check_head(ctx->mem, pfn);
	hf = ptsim__pfn_to_frame_noinit(ctx->mem, head);
	/* hugetlb folios only in hugetlb VMAs, and hugetlb VMAs map only hugetlb folios. */
	if (hf && (ptsim__frame_type(hf) == PTSIM_PGTY_hugetlb) !=
			  ((c->vma->vm_flags & PTSIM_VM_HUGETLB) != 0))
		ptsim__report(c->r, PTSIM_CHK_MAPCOUNT, s->lvl, addr, pfn, 0, 0,
			      (c->vma->vm_flags & PTSIM_VM_HUGETLB)
				      ? "hugetlb VMA maps a folio that is not hugetlb"
				      : "hugetlb folio mapped in a VMA without VM_HUGETLB");
	npages = 1ull << (a->shift[s->lvl] - a->page_shift);
	if (s->lvl == PTSIM_PTE && !(c->vma->vm_flags & PTSIM_VM_HUGETLB)) {
		rec_add(c, pfn, REC_PTE);
	} else if (pfn == head || (s->lvl != PTSIM_PTE && !(c->vma->vm_flags & PTSIM_VM_HUGETLB))) {
		/* A hugetlb contiguous run is one entire mapping: its first entry. */
		rec_add(c, head, REC_ENTIRE);
	}
	if (c->vma->vm_flags & PTSIM_VM_HUGETLB)
		return 0; /* hugetlb pages are not in the rss counters */
	if (hf && (hf->mapping & PTSIM_MAPPING_ANON))
		c->rss[PTSIM_RSS_ANON] += npages;
	else if (hf && (hf->flags & (1ull << PTSIM_PG_swapbacked)))
		c->rss[PTSIM_RSS_SHMEM] += npages;
	else
		c->rss[PTSIM_RSS_FILE] += npages;
	return 0;
}

static void map_cache_fn(void *arg, uint64_t pfn)
{
	rec_add(arg, pfn, REC_CACHE);
}

/* Records of @type for pfns in [lo, hi). */
static uint64_t rec_count(const struct map_check *c, uint64_t lo, uint64_t hi, uint64_t type,
			  uint64_t *distinct)
{
	size_t l = 0, h = c->n;
	uint64_t n = 0, last = UINT64_MAX;

	while (l < h) { /* first record with pfn >= lo */
		size_t mid = (l + h) / 2;

		if (c->v[mid].pfn < lo)
			l = mid + 1;
		else
			h = mid;
	}
	if (distinct)
		*distinct = 0;
	for (size_t i = l; i < c->n && c->v[i].pfn < hi; i++) {
		if (c->v[i].type != type)
			continue;
		n++;
		if (distinct && c->v[i].pfn != last) {
			(*distinct)++;
			last = c->v[i].pfn;
		}
	}
	return n;
}

static void check_frame_counts(struct map_check *c, uint64_t pfn, const struct ptsim_frame *f)
{
	struct ptsim_mm_ctx *ctx = c->ctx;
	enum ptsim_page_type type = ptsim__frame_type(f);
	uint64_t want;

	if (type == PTSIM_PGTY_table) {
		/* Every THP PMD of an anonymous VMA has its deposit on this table. */
		uint64_t thps = rec_count(c, pfn, pfn + 1, REC_THP, NULL);
		uint64_t deposits = thps ? ptsim__pgtable_nr_deposited(ctx->pa, pfn, thps) : 0;

		if (deposits < thps)
			ptsim__report(c->r, PTSIM_CHK_DEPOSIT, PTSIM_PMD, 0, pfn, thps, deposits,
				      "%llu huge PMDs of anonymous VMAs, %llu deposited tables",
				      (unsigned long long)thps, (unsigned long long)deposits);
		return;
	}
	if (ptsim__frame_in_buddy(f) || type == PTSIM_PGTY_buddy)
		return;
	if (type == PTSIM_PGTY_NONE) {
		want = rec_count(c, pfn, pfn + 1, REC_PTE, NULL);
		if ((uint64_t)((int64_t)f->mapcount + 1) != want)
			ptsim__report(c->r, PTSIM_CHK_MAPCOUNT, -1, 0, pfn, want,
				      (uint64_t)((int64_t)f->mapcount + 1),
				      "page mapcount %d, mapped by %llu PTEs", f->mapcount + 1,
				      (unsigned long long)want);
	}
	if (ptsim__frame_tail(f))
		return;
	/* A folio head (or a small folio): folio counts and the refcount. */
	{
		unsigned int order = ptsim__folio_order(ctx->mem, pfn);
		uint64_t nr = 1ull << order, distinct = 0;
		uint64_t ptes = rec_count(c, pfn, pfn + nr, REC_PTE, &distinct);
		uint64_t entire = rec_count(c, pfn, pfn + 1, REC_ENTIRE, NULL);
		uint64_t cache = rec_count(c, pfn, pfn + 1, REC_CACHE, NULL);
		uint64_t maps = ptes + entire;

		if ((f->mapping & PTSIM_MAPPING_ANON) && type != PTSIM_PGTY_hugetlb) {
			c->anon_mapped += entire ? nr : distinct;
			c->anon_thps += entire ? nr : 0;
		}
		if (order) {
			const struct ptsim_frame *p1 =
				ptsim__pfn_to_frame_noinit(ctx->mem, pfn + 1);
			int64_t large = (int32_t)(uint32_t)p1->mapping + 1;
			int64_t ent = (int32_t)(uint32_t)(p1->mapping >> 32) + 1;
			uint64_t npm = (uint32_t)p1->index;
			uint64_t want_npm = distinct + (entire ? PTSIM_ENTIRELY_MAPPED : 0);

			if ((uint64_t)large != maps || (uint64_t)ent != entire || npm != want_npm)
				ptsim__report(
					c->r, PTSIM_CHK_MAPCOUNT, -1, 0, pfn, maps, (uint64_t)large,
					"folio maps: large %lld entire %lld nr_mapped 0x%llx, "
					"want %llu %llu 0x%llx",
					(long long)large, (long long)ent, (unsigned long long)npm,
					(unsigned long long)maps, (unsigned long long)entire,
					(unsigned long long)want_npm);
		} else if (entire) {
			ptsim__report(c->r, PTSIM_CHK_MAPCOUNT, -1, 0, pfn, 0, entire,
				      "small folio mapped by a huge leaf");
		}
		/*
		 * Folios of the mm layer (anon or page cache): one reference per
		 * mapping and cached page, plus the pins: one each on a large
		 * folio (its _pincount), GUP_PIN_COUNTING_BIAS each on a small one.
		 */
		if (f->mapping && !ctx->tlbs->nr_gathers_open) {
			uint64_t have = (uint64_t)(int64_t)f->refcount;

			want = maps + cache * nr;
			if (order)
				want += ptsim__pfn_to_frame_noinit(ctx->mem, pfn + 1)->index >> 32;
			else if (have > want && !((have - want) % PTSIM_GUP_PIN_COUNTING_BIAS))
				want = have;
			if (have != want)
				ptsim__report(c->r, PTSIM_CHK_MAPCOUNT, -1, 0, pfn, want,
					      (uint64_t)(int64_t)f->refcount,
					      "folio refcount %d, %llu mappings + %llu cache pages",
					      f->refcount, (unsigned long long)maps,
					      (unsigned long long)(cache * nr));
		}
	}
}

static void frame_fn(void *arg, uint64_t pfn, const struct ptsim_frame *f)
{
	check_frame_counts(arg, pfn, f);
}

void ptsim__mm_check(struct ptsim_mm_ctx *ctx, struct ptsim_mm_state *const *mms, size_t nr,
		     struct ptsim_reporter *r)
{
	struct map_check c = {.ctx = ctx, .r = r};

	for (size_t k = 0; k < nr; k++) {
		struct ptsim_mm_state *st = mms[k];
		uint64_t want[3], have[3];

		memset(c.rss, 0, sizeof(c.rss));
		for (struct ptsim_vma *vma = ptsim__vma_first(&st->vmas); vma;
		     vma = ptsim__vma_next(vma)) {
			struct ptsim_visitor v = {.pt = st->pt,
						  .fn = map_leaf_fn,
						  .priv = &c,
						  .flags = PTSIM_VISIT_LEAF};

			c.vma = vma;
			(void)ptsim__visit(&v, vma->vm_start, vma->vm_end);
		}
		memcpy(want, c.rss, sizeof(want));
		have[PTSIM_RSS_ANON] = st->cnt.rss_anon;
		have[PTSIM_RSS_FILE] = st->cnt.rss_file;
		have[PTSIM_RSS_SHMEM] = st->cnt.rss_shmem;
		for (int k2 = 0; k2 < 3; k2++)
			if (want[k2] != have[k2])
				ptsim__report(r, PTSIM_CHK_MAPCOUNT, -1, 0, 0, want[k2], have[k2],
					      "mm %llu rss[%d] counts %llu pages, maps %llu",
					      (unsigned long long)st->pt->owner_id, k2,
					      (unsigned long long)have[k2],
					      (unsigned long long)want[k2]);
	}
	/* Reservations: resv_hugepages of each pool against the mappings and files holding them. */
	for (unsigned int i = 0; i < ctx->mem->nr_hstates && !ctx->tlbs->nr_gathers_open; i++) {
		const struct ptsim_hstate *h = &ctx->mem->hstates[i];
		uint64_t want = ptsim__hugetlb_resv_expected(ctx, mms, nr, h->size) + h->resv_api;

		if (want != h->resv_hugepages)
			ptsim__report(r, PTSIM_CHK_HUGETLB_POOL, -1, 0, 0, want, h->resv_hugepages,
				      "hugetlb 0x%llx: %llu reserved, mappings and files hold %llu",
				      (unsigned long long)h->size,
				      (unsigned long long)h->resv_hugepages,
				      (unsigned long long)want);
	}
	ptsim__pcache_for_each(ctx, map_cache_fn, &c);
	if (c.oom) {
		r->oom = true;
		goto out;
	}
	if (c.n)
		qsort(c.v, c.n, sizeof(*c.v), cmp_rec);
	ptsim__for_each_frame(ctx->mem, frame_fn, &c);
	if (c.anon_mapped != ctx->host->nr_anon_mapped)
		ptsim__report(r, PTSIM_CHK_MAPCOUNT, -1, 0, 0, c.anon_mapped,
			      ctx->host->nr_anon_mapped,
			      "meminfo AnonPages counts %llu pages, %llu are mapped",
			      (unsigned long long)ctx->host->nr_anon_mapped,
			      (unsigned long long)c.anon_mapped);
	if (c.anon_thps != ctx->host->nr_anon_thps)
		ptsim__report(r, PTSIM_CHK_MAPCOUNT, -1, 0, 0, c.anon_thps, ctx->host->nr_anon_thps,
			      "meminfo AnonHugePages counts %llu pages, %llu are PMD-mapped",
			      (unsigned long long)ctx->host->nr_anon_thps,
			      (unsigned long long)c.anon_thps);
out:
	ptsim__free(ctx->host, c.v, c.cap * sizeof(*c.v));
}
