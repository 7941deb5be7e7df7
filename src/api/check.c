// SPDX-License-Identifier: MIT
/*
 * check.c - ptsim_check(): recompute every invariant from the ground truth.
 *
 * Ground truth is the tables (walked from each address space's root) and the
 * frame records.  Derived state - VmPTE counters, per-table entry counts,
 * which frames are tables, free counters - is recomputed and compared.  The
 * checker reads only; scratch memory comes from the host without fault
 * injection and is freed before returning.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/machine.h"
#include "pgtable/visit.h"
#include "ptsim/check.h"

static const char *const code_names[] = {
#define X(name, text) #name,
	PTSIM_CHECK_CODES(X)
#undef X
};
static const char *const code_texts[] = {
#define X(name, text) text,
	PTSIM_CHECK_CODES(X)
#undef X
};

const char *ptsim_check_code_name(enum ptsim_check_code code)
{
	return (unsigned int)code < PTSIM_CHK_NR_CODES ? code_names[code] : "?";
}

const char *ptsim_check_code_text(enum ptsim_check_code code)
{
	return (unsigned int)code < PTSIM_CHK_NR_CODES ? code_texts[code] : "?";
}

static void finding(struct ptsim_check_report *r, int code, int level, uint64_t addr, uint64_t pfn,
		    uint64_t expected, uint64_t actual, const char *fmt, ...) PTSIM_PRINTF(8, 9);

static void finding(struct ptsim_check_report *r, int code, int level, uint64_t addr, uint64_t pfn,
		    uint64_t expected, uint64_t actual, const char *fmt, ...)
{
	va_list ap;

	r->nr_findings++;
	if ((unsigned int)code < PTSIM_CHK_NR_CODES)
		r->by_code[code]++;
	if (r->nr_stored < PTSIM_CHECK_MAX_FINDINGS) {
		struct ptsim_finding *f = &r->findings[r->nr_stored++];

		f->code = (enum ptsim_check_code)code;
		f->level = level;
		f->addr = addr;
		f->pfn = pfn;
		f->expected = expected;
		f->actual = actual;
		va_start(ap, fmt);
		vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
		va_end(ap);
	}
}

static void mem_report(void *ctx, int code, uint64_t pfn, uint64_t expected, uint64_t actual,
		       const char *msg)
{
	finding(ctx, code, -1, 0, pfn, expected, actual, "%s", msg);
}

static void tlb_report(void *ctx, int level, uint64_t addr, uint64_t pfn, uint64_t expected,
		       uint64_t actual, const char *msg)
{
	finding(ctx, PTSIM_CHK_TLB_VIOLATION, level, addr, pfn, expected, actual, "%s", msg);
}

/* Table pages reached by walking, to find tables referenced twice or never. */
struct seen {
	uint64_t *pfns;
	size_t n, cap;
	bool oom;
};

static void seen_add(struct ptsim_host *h, struct seen *s, uint64_t pfn)
{
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 256;
		uint64_t *np = ptsim__alloc_nofail(h, ncap * sizeof(*np));

		if (!np) {
			s->oom = true;
			return;
		}
		if (s->pfns) {
			memcpy(np, s->pfns, s->n * sizeof(*np));
			ptsim__free(h, s->pfns, s->cap * sizeof(*np));
		}
		s->pfns = np;
		s->cap = ncap;
	}
	s->pfns[s->n++] = pfn;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct pt_check {
	struct ptsim_machine *m;
	struct ptsim_mm *mm;
	struct ptsim_check_report *r;
	struct seen *seen;
	uint64_t nr_tables[PTSIM_NR_LEVELS];
};

static void check_table_page(struct pt_check *c, uint64_t pfn, int tlvl, uint64_t addr)
{
	const struct ptsim_arch *a = c->m->arch;
	struct ptsim_frame *f = ptsim__table_frame(&c->m->ptalloc, pfn);
	uint64_t *tbl;
	uint64_t count = 0;
	int elvl;

	c->r->tables_checked++;
	seen_add(&c->m->host, c->seen, pfn);
	c->nr_tables[tlvl]++;
	if (!f)
		return;
	tbl = (uint64_t *)(uintptr_t)f->private_;
	/* Entries are judged at the lowest logical level sharing the slot, as writes are. */
	elvl = ptsim__entry_level(a, tlvl);
	for (unsigned int i = 0; i < a->ptrs[tlvl]; i++)
		count += tbl[i] != 0 && !a->ops->none(a, elvl, tbl[i]);
	if (count != f->extra)
		finding(c->r, PTSIM_CHK_TABLE_COUNT, tlvl, addr, pfn, count, f->extra,
			"table counts %llu entries, holds %llu", (unsigned long long)f->extra,
			(unsigned long long)count);
	if (f->index != (uint64_t)tlvl)
		finding(c->r, PTSIM_CHK_TABLE_TYPE, tlvl, addr, pfn, (uint64_t)tlvl, f->index,
			"table page records level %llu", (unsigned long long)f->index);
}

static void check_cont(struct pt_check *c, struct ptsim_slot *s, uint64_t addr)
{
	const struct ptsim_arch *a = c->m->arch;
	unsigned int n = a->cont_nr[s->lvl];
	unsigned int first = s->idx & ~(n - 1);
	uint64_t *tbl = s->p - s->idx;
	struct ptsim_attrs base, cur;

	if (!n) {
		finding(c->r, PTSIM_CHK_CONT, s->lvl, addr, 0, 0, 1,
			"contiguous hint at a level without runs");
		return;
	}
	ptsim_ent_decode(a, (enum ptsim_level)s->lvl, tbl[first], &base);
	for (unsigned int i = first; i < first + n; i++) {
		ptsim_ent_decode(a, (enum ptsim_level)s->lvl, tbl[i], &cur);
		if (!cur.cont || !cur.present ||
		    cur.pfn != base.pfn + (uint64_t)(i - first) *
						  (1ull << (a->shift[s->lvl] - a->page_shift)) ||
		    cur.user != base.user || cur.write != base.write || cur.exec != base.exec ||
		    cur.kexec != base.kexec || cur.memtype != base.memtype ||
		    cur.global != base.global) {
			finding(c->r, PTSIM_CHK_CONT, s->lvl, addr, cur.pfn, 0, i - first,
				"contiguous run broken at entry %u of %u", i - first, n);
			return;
		}
	}
}

static int pt_check_fn(struct ptsim_visitor *v, int what, struct ptsim_slot *s, uint64_t addr,
		       uint64_t next)
{
	struct pt_check *c = v->priv;
	const struct ptsim_arch *a = c->m->arch;
	uint64_t e = *s->p;

	(void)next;
	c->r->entries_checked++;
	if (what == PTSIM_VISIT_TABLE_PRE) {
		uint64_t cpfn = a->ops->pfn(a, s->lvl, e);

		if (!ptsim__table_frame(&c->m->ptalloc, cpfn)) {
			finding(c->r, PTSIM_CHK_TABLE_TYPE, s->lvl, addr, cpfn, PTSIM_PGTY_table, 0,
				"entry 0x%016llx points to a non-table frame",
				(unsigned long long)e);
			return PTSIM_VISIT_SKIP;
		}
		check_table_page(c, cpfn, ptsim__child_level(a, s->lvl), addr);
		return 0;
	}
	if (what == PTSIM_VISIT_LEAF) {
		struct ptsim_attrs at;

		ptsim_ent_decode(a, (enum ptsim_level)s->lvl, e, &at);
		/* Special entries (VM_PFNMAP, e.g. MMIO) map no frame records. */
		if (at.leaf && at.valid && !at.special) {
			uint64_t n = 1ull << (a->shift[s->lvl] - a->page_shift);

			for (uint64_t i = 0; i < n; i++) {
				struct ptsim_frame_info fi;
				const char *why = NULL;

				if (ptsim__frame_info(&c->m->mem, at.pfn + i, &fi))
					why = "an absent";
				else if (fi.free)
					why = "a free";
				else if (fi.type == PTSIM_PGTY_table)
					why = "a page-table";
				if (why) {
					finding(c->r, PTSIM_CHK_ENTRY_PFN, s->lvl, addr, at.pfn + i,
						0, 0, "leaf maps %s frame", why);
					break;
				}
			}
		}
		if (at.present && at.cont)
			check_cont(c, s, addr);
	}
	return 0;
}

/*
 * Mapcounts, refcounts and rss (finding MAPCOUNT).  Every present, non-special
 * leaf inside a VMA of any address space is recorded - a PTE leaf as a
 * mapping of its page, a huge leaf as an entire mapping of its folio - and so
 * is every page-cache folio; then each in-use frame's counts are compared
 * with the records (encodings.md 6.2; src/mm/internal.h states the rules).
 * Leaves outside every VMA (ptsim_map()) are not accounted.
 */
enum { REC_PTE = 0, REC_ENTIRE = 1, REC_CACHE = 2 };

struct map_rec {
	uint64_t pfn;
	uint64_t type; /* REC_* */
};

struct map_check {
	struct ptsim_machine *m;
	struct ptsim_check_report *r;
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
		struct map_rec *nv = ptsim__alloc_nofail(&c->m->host, ncap * sizeof(*nv));

		if (!nv) {
			c->oom = true;
			return;
		}
		if (c->v) {
			memcpy(nv, c->v, c->n * sizeof(*nv));
			ptsim__free(&c->m->host, c->v, c->cap * sizeof(*nv));
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
static uint64_t check_head(struct ptsim_machine *m, uint64_t pfn)
{
	const struct ptsim_frame *f = ptsim__pfn_to_frame_noinit(&m->mem, pfn);

	return f && ptsim__frame_tail(f) ? f->head >> 1 : pfn;
}

static int map_leaf_fn(struct ptsim_visitor *v, int what, struct ptsim_slot *s, uint64_t addr,
		       uint64_t next)
{
	struct map_check *c = v->priv;
	struct ptsim_machine *m = c->m;
	const struct ptsim_arch *a = m->arch;
	uint64_t e = *s->p, pfn, head, npages;
	const struct ptsim_frame *hf;
	struct ptsim_frame_info fi;

	(void)what;
	(void)addr;
	(void)next;
	if (!a->leaf_ok[s->lvl] || !a->ops->leaf(a, s->lvl, e) || a->ops->special(a, s->lvl, e))
		return 0;
	pfn = a->ops->pfn(a, s->lvl, e);
	if (pfn == m->mem.zero_pfn || ptsim__frame_info(&m->mem, pfn, &fi) || fi.free ||
	    fi.type == PTSIM_PGTY_table)
		return 0; /* ENTRY_PFN reports it */
	head = check_head(m, pfn);
	hf = ptsim__pfn_to_frame_noinit(&m->mem, head);
	npages = 1ull << (a->shift[s->lvl] - a->page_shift);
	if (s->lvl == PTSIM_PTE && !(c->vma->vm_flags & PTSIM_VM_HUGETLB)) {
		rec_add(c, pfn, REC_PTE);
	} else if (s->lvl != PTSIM_PTE || pfn == head) {
		rec_add(c, head, REC_ENTIRE);
	}
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
	struct ptsim_machine *m = c->m;
	enum ptsim_page_type type = ptsim__frame_type(f);
	uint64_t want;

	if (ptsim__frame_in_buddy(f) || type == PTSIM_PGTY_table || type == PTSIM_PGTY_buddy)
		return;
	if (type == PTSIM_PGTY_NONE) {
		want = rec_count(c, pfn, pfn + 1, REC_PTE, NULL);
		if ((uint64_t)((int64_t)f->mapcount + 1) != want)
			finding(c->r, PTSIM_CHK_MAPCOUNT, -1, 0, pfn, want,
				(uint64_t)((int64_t)f->mapcount + 1),
				"page mapcount %d, mapped by %llu PTEs", f->mapcount + 1,
				(unsigned long long)want);
	}
	if (ptsim__frame_tail(f))
		return;
	/* A folio head (or a small folio): folio counts and the refcount. */
	{
		unsigned int order = ptsim__folio_order(&m->mem, pfn);
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
			const struct ptsim_frame *p1 = ptsim__pfn_to_frame_noinit(&m->mem, pfn + 1);
			int64_t large = (int32_t)(uint32_t)p1->mapping + 1;
			int64_t ent = (int32_t)(uint32_t)(p1->mapping >> 32) + 1;
			uint64_t npm = (uint32_t)p1->index;
			uint64_t want_npm = distinct + (entire ? PTSIM_ENTIRELY_MAPPED : 0);

			if ((uint64_t)large != maps || (uint64_t)ent != entire || npm != want_npm)
				finding(c->r, PTSIM_CHK_MAPCOUNT, -1, 0, pfn, maps, (uint64_t)large,
					"folio maps: large %lld entire %lld nr_mapped 0x%llx, "
					"want %llu %llu 0x%llx",
					(long long)large, (long long)ent, (unsigned long long)npm,
					(unsigned long long)maps, (unsigned long long)entire,
					(unsigned long long)want_npm);
		} else if (entire) {
			finding(c->r, PTSIM_CHK_MAPCOUNT, -1, 0, pfn, 0, entire,
				"small folio mapped by a huge leaf");
		}
		/* Folios of the mm layer (anon or page cache): one reference per mapping and page.
		 */
		if (f->mapping && !m->tlbs.nr_gathers_open) {
			want = maps + cache * nr;
			if ((uint64_t)(int64_t)f->refcount != want)
				finding(c->r, PTSIM_CHK_MAPCOUNT, -1, 0, pfn, want,
					(uint64_t)(int64_t)f->refcount,
					"folio refcount %d, %llu mappings + %llu cache pages",
					f->refcount, (unsigned long long)maps,
					(unsigned long long)(cache * nr));
		}
	}
}

static void check_mapcounts(struct ptsim_machine *m, struct ptsim_check_report *r)
{
	struct map_check c = {.m = m, .r = r};

	for (struct ptsim_mm *mm = m->mms; mm; mm = mm->next) {
		uint64_t want[3], have[3];

		memset(c.rss, 0, sizeof(c.rss));
		for (struct ptsim_vma *vma = ptsim__vma_first(&mm->vm.vmas); vma;
		     vma = ptsim__vma_next(vma)) {
			struct ptsim_visitor v = {.pt = &mm->pt,
						  .fn = map_leaf_fn,
						  .priv = &c,
						  .flags = PTSIM_VISIT_LEAF};

			c.vma = vma;
			(void)ptsim__visit(&v, vma->vm_start, vma->vm_end);
		}
		memcpy(want, c.rss, sizeof(want));
		have[PTSIM_RSS_ANON] = mm->vm.cnt.rss_anon;
		have[PTSIM_RSS_FILE] = mm->vm.cnt.rss_file;
		have[PTSIM_RSS_SHMEM] = mm->vm.cnt.rss_shmem;
		for (int k = 0; k < 3; k++)
			if (want[k] != have[k])
				finding(r, PTSIM_CHK_MAPCOUNT, -1, 0, 0, want[k], have[k],
					"mm %llu rss[%d] counts %llu pages, maps %llu",
					(unsigned long long)mm->asid, k,
					(unsigned long long)have[k], (unsigned long long)want[k]);
	}
	if (m->mmctx.ready)
		ptsim__pcache_for_each(&m->mmctx, map_cache_fn, &c);
	if (c.oom)
		goto out;
	if (c.n)
		qsort(c.v, c.n, sizeof(*c.v), cmp_rec);
	for (uint64_t s = 0; s < m->mem.nr_sections; s++) {
		const struct ptsim_section *sec = &m->mem.sections[s];
		uint64_t base = s << m->mem.section_pfn_shift;
		uint64_t n = 1ull << m->mem.section_pfn_shift;

		if (sec->state != PTSIM_SECTION_PRESENT || !sec->frames)
			continue;
		for (uint64_t i = 0; i < n; i++)
			check_frame_counts(&c, base + i, &sec->frames[i]);
	}
	if (c.anon_mapped != m->host.nr_anon_mapped)
		finding(r, PTSIM_CHK_MAPCOUNT, -1, 0, 0, c.anon_mapped, m->host.nr_anon_mapped,
			"meminfo AnonPages counts %llu pages, %llu are mapped",
			(unsigned long long)m->host.nr_anon_mapped,
			(unsigned long long)c.anon_mapped);
	if (c.anon_thps != m->host.nr_anon_thps)
		finding(r, PTSIM_CHK_MAPCOUNT, -1, 0, 0, c.anon_thps, m->host.nr_anon_thps,
			"meminfo AnonHugePages counts %llu pages, %llu are PMD-mapped",
			(unsigned long long)m->host.nr_anon_thps, (unsigned long long)c.anon_thps);
out:
	ptsim__free(&m->host, c.v, c.cap * sizeof(*c.v));
}

static int check_all(struct ptsim_machine *m, struct ptsim_check_report *r);

int ptsim_check(struct ptsim_machine *m, struct ptsim_check_report *r)
{
	/* The checker is not the kernel's work: what its walks read is not charged. */
	struct ptsim_cost saved = m->host.cost;
	int ret = check_all(m, r);

	m->host.cost = saved;
	return ret;
}

static int check_all(struct ptsim_machine *m, struct ptsim_check_report *r)
{
	struct seen seen = {0};
	uint64_t nr_typed = 0;

	memset(r, 0, sizeof(*r));
	for (struct ptsim_mm *mm = m->mms; mm; mm = mm->next) {
		struct pt_check c = {.m = m, .mm = mm, .r = r, .seen = &seen};
		struct ptsim_visitor v = {
			.pt = &mm->pt,
			.fn = pt_check_fn,
			.priv = &c,
			.flags = PTSIM_VISIT_TABLE_PRE | PTSIM_VISIT_LEAF,
		};
		uint64_t bytes = 0;

		if (!ptsim__table_frame(&m->ptalloc, mm->pt.root_pfn)) {
			finding(r, PTSIM_CHK_TABLE_TYPE, PTSIM_PGD, 0, mm->pt.root_pfn,
				PTSIM_PGTY_table, 0, "mm %llu root is not a table",
				(unsigned long long)mm->asid);
			continue;
		}
		check_table_page(&c, mm->pt.root_pfn, PTSIM_PGD, 0);
		ptsim__visit(&v, 0, 0);
		for (int l = 0; l < PTSIM_NR_LEVELS; l++) {
			if (c.nr_tables[l] != mm->pt.nr_tables[l])
				finding(r, PTSIM_CHK_PGTABLE_BYTES, l, 0, 0, c.nr_tables[l],
					mm->pt.nr_tables[l],
					"mm %llu counts %llu %s tables, has %llu",
					(unsigned long long)mm->asid,
					(unsigned long long)mm->pt.nr_tables[l],
					ptsim_arch_level_name(m->arch, (enum ptsim_level)l),
					(unsigned long long)c.nr_tables[l]);
			if (ptsim__pt_accounted(m->arch, l))
				bytes += c.nr_tables[l] * m->arch->ptrs[l] * 8;
		}
		if (bytes != mm->pt.pgtables_bytes)
			finding(r, PTSIM_CHK_PGTABLE_BYTES, -1, 0, 0, bytes, mm->pt.pgtables_bytes,
				"mm %llu VmPTE %llu bytes, tables hold %llu",
				(unsigned long long)mm->asid,
				(unsigned long long)mm->pt.pgtables_bytes,
				(unsigned long long)bytes);
	}
	if (seen.oom) {
		ptsim__free(&m->host, seen.pfns, seen.cap * sizeof(uint64_t));
		return -ENOMEM;
	}
	/* Each table page reached exactly once... */
	if (seen.n) /* no address space: pfns is NULL, and qsort() wants non-NULL */
		qsort(seen.pfns, seen.n, sizeof(uint64_t), cmp_u64);
	for (size_t i = 1; i < seen.n; i++)
		if (seen.pfns[i] == seen.pfns[i - 1])
			finding(r, PTSIM_CHK_TABLE_REFS, -1, 0, seen.pfns[i], 1, 2,
				"table page referenced more than once");
	/* ...and every live table page reached. */
	for (uint64_t s = 0; s < m->mem.nr_sections; s++) {
		const struct ptsim_section *sec = &m->mem.sections[s];
		uint64_t base = s << m->mem.section_pfn_shift;
		uint64_t n = 1ull << m->mem.section_pfn_shift;

		if (sec->state != PTSIM_SECTION_PRESENT || !sec->frames)
			continue;
		for (uint64_t i = 0; i < n; i++) {
			if (ptsim__frame_type(&sec->frames[i]) != PTSIM_PGTY_table)
				continue;
			nr_typed++;
			r->frames_checked++;
			if (!bsearch(&(uint64_t){base + i}, seen.pfns, seen.n, sizeof(uint64_t),
				     cmp_u64))
				finding(r, PTSIM_CHK_TABLE_REFS, -1, 0, base + i, 1, 0,
					"table page not referenced by any table");
		}
	}
	if (nr_typed != m->ptalloc.nr_tables)
		finding(r, PTSIM_CHK_TABLE_REFS, -1, 0, 0, nr_typed, m->ptalloc.nr_tables,
			"machine counts %llu table pages, %llu exist",
			(unsigned long long)m->ptalloc.nr_tables, (unsigned long long)nr_typed);
	ptsim__free(&m->host, seen.pfns, seen.cap * sizeof(uint64_t));
	ptsim__mem_check(&m->mem, mem_report, r);
	ptsim__tlb_check(&m->tlbs, tlb_report, r);
	check_mapcounts(m, r);
	return (int)r->nr_findings;
}

void ptsim_check_report_print(const struct ptsim_check_report *r, void *file)
{
	FILE *f = file;

	fprintf(f, "check: %u finding%s\n", r->nr_findings, r->nr_findings == 1 ? "" : "s");
	for (unsigned int i = 0; i < r->nr_stored; i++) {
		const struct ptsim_finding *x = &r->findings[i];

		fprintf(f, "  %s level=%d addr=0x%llx pfn=0x%llx expected=%llu actual=%llu: %s\n",
			ptsim_check_code_name(x->code), x->level, (unsigned long long)x->addr,
			(unsigned long long)x->pfn, (unsigned long long)x->expected,
			(unsigned long long)x->actual, x->msg);
	}
	if (r->nr_findings > r->nr_stored)
		fprintf(f, "  ... %u more\n", r->nr_findings - r->nr_stored);
}
