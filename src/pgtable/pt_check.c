// SPDX-License-Identifier: MIT
/*
 * pt_check.c - the page-table invariants of ptsim_check(), beside the code
 * that maintains them (include/ptsim/check.h states each one):
 *  - PGTABLE_BYTES: each address space's table counts and VmPTE equal what
 *    its tables hold;
 *  - TABLE_REFS: every table page is an address space's root or referenced
 *    by exactly one table entry, and every live table page is reached;
 *  - TABLE_TYPE: table entries point at table pages of the right level, and
 *    the sections' table-group bits name the groups of 64 frames holding one;
 *  - TABLE_COUNT: each table's cached count of non-none entries;
 *  - ENTRY_PFN: leaves map frames that are present, in use and not tables;
 *  - CONT: arm64 contiguous runs are aligned and uniform;
 *  - PTREF: the 2022 RFC's counters and ranking (ptref.c).
 * Ground truth is the tables, walked from each root, and the frame records.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pgtable/visit.h"
#include "ptsim/check.h"
#include "util/report.h"

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
	struct ptsim_ptalloc *pa;
	struct ptsim_reporter *r;
	struct seen *seen;
	uint64_t nr_tables[PTSIM_NR_LEVELS];
};

/*
 * The PTE tables deposited on a table of PMD entries (deposit.c): each an
 * empty, deposited PTE table of the same owner, reached once, counted with
 * the address space's tables; no more of them than the table's PMD leaves.
 */
static void check_deposits(struct pt_check *c, const struct ptsim_frame *holder, uint64_t pfn,
			   const uint64_t *tbl, int tlvl, uint64_t addr)
{
	const struct ptsim_arch *a = c->pa->arch;
	uint64_t leaves = 0, n = 0;

	if (!holder->link)
		return;
	for (unsigned int i = 0; i < a->ptrs[tlvl]; i++)
		leaves += tbl[i] && a->leaf_ok[PTSIM_PMD] && a->ops->leaf(a, PTSIM_PMD, tbl[i]);
	for (uint64_t v = holder->link; v; n++) {
		const struct ptsim_frame *d = ptsim__table_frame(c->pa, v - 1);

		if (n >= leaves) {
			ptsim__report(c->r, PTSIM_CHK_DEPOSIT, PTSIM_PMD, addr, pfn, leaves, n + 1,
				      "more deposited tables than the %llu PMD leaves",
				      (unsigned long long)leaves);
			return;
		}
		if (!d || d->index != PTSIM_PTE || d->mapping != holder->mapping) {
			ptsim__report(c->r, PTSIM_CHK_DEPOSIT, PTSIM_PMD, addr, v - 1, 0, 0,
				      "deposit list holds a frame that is not a PTE table of "
				      "this address space");
			return;
		}
		/* A malformed deposit is still this mm's table: count it, report once. */
		if (d->extra || ptsim__table_state(d) != PTSIM_TABLE_DEPOSITED)
			ptsim__report(c->r, PTSIM_CHK_DEPOSIT, PTSIM_PMD, addr, v - 1, 0, d->extra,
				      "deposited PTE table is not empty (%llu entries) or not in "
				      "the deposited state",
				      (unsigned long long)d->extra);
		seen_add(c->pa->host, c->seen, v - 1);
		c->nr_tables[PTSIM_PTE]++;
		c->r->tables_checked++;
		v = d->link;
	}
}

static void check_table_page(struct pt_check *c, uint64_t pfn, int tlvl, uint64_t addr)
{
	const struct ptsim_arch *a = c->pa->arch;
	struct ptsim_frame *f = ptsim__table_frame(c->pa, pfn);
	uint64_t *tbl;
	uint64_t count = 0;
	int elvl;

	c->r->tables_checked++;
	seen_add(c->pa->host, c->seen, pfn);
	c->nr_tables[tlvl]++;
	if (!f)
		return;
	tbl = (uint64_t *)(uintptr_t)f->private_;
	/* Entries are judged at the lowest logical level sharing the slot, as writes are. */
	elvl = ptsim__entry_level(a, tlvl);
	for (unsigned int i = 0; i < a->ptrs[tlvl]; i++)
		count += tbl[i] != 0 && !a->ops->none(a, elvl, tbl[i]);
	if (count != f->extra)
		ptsim__report(c->r, PTSIM_CHK_TABLE_COUNT, tlvl, addr, pfn, count, f->extra,
			      "table counts %llu entries, holds %llu", (unsigned long long)f->extra,
			      (unsigned long long)count);
	if (f->index != (uint64_t)tlvl)
		ptsim__report(c->r, PTSIM_CHK_TABLE_TYPE, tlvl, addr, pfn, (uint64_t)tlvl, f->index,
			      "table page records level %llu", (unsigned long long)f->index);
	if (elvl == PTSIM_PMD)
		check_deposits(c, f, pfn, tbl, tlvl, addr);
}

static void check_cont(struct pt_check *c, struct ptsim_slot *s, uint64_t addr)
{
	const struct ptsim_arch *a = c->pa->arch;
	unsigned int n = a->cont_nr[s->lvl];
	unsigned int first = s->idx & ~(n - 1);
	uint64_t *tbl = s->p - s->idx;
	struct ptsim_attrs base, cur;

	if (!n) {
		ptsim__report(c->r, PTSIM_CHK_CONT, s->lvl, addr, 0, 0, 1,
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
			ptsim__report(c->r, PTSIM_CHK_CONT, s->lvl, addr, cur.pfn, 0, i - first,
				      "contiguous run broken at entry %u of %u", i - first, n);
			return;
		}
	}
}

static int pt_check_fn(struct ptsim_visitor *v, int what, struct ptsim_slot *s, uint64_t addr,
		       uint64_t next)
{
	struct pt_check *c = v->priv;
	const struct ptsim_arch *a = c->pa->arch;
	uint64_t e = *s->p;

	(void)next;
	c->r->entries_checked++;
	if (what == PTSIM_VISIT_TABLE_PRE) {
		uint64_t cpfn = a->ops->pfn(a, s->lvl, e);

		if (!ptsim__table_frame(c->pa, cpfn)) {
			ptsim__report(c->r, PTSIM_CHK_TABLE_TYPE, s->lvl, addr, cpfn,
				      PTSIM_PGTY_table, 0,
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
		if (at.leaf && at.valid && !at.special && v->pt->kernel) {
			/* init_mm maps free and table frames too: only present ones. */
			uint64_t n = 1ull << (a->shift[s->lvl] - a->page_shift);
			uint64_t step = ptsim__section_pages(c->pa->mem);

			for (uint64_t i = 0; i < n; i += step < n ? step : n)
				if (!ptsim__pfn_present(c->pa->mem, at.pfn + i)) {
					ptsim__report(c->r, PTSIM_CHK_ENTRY_PFN, s->lvl, addr,
						      at.pfn + i, 0, 0,
						      "leaf maps an absent frame");
					break;
				}
		} else if (at.leaf && at.valid && !at.special) {
			uint64_t n = 1ull << (a->shift[s->lvl] - a->page_shift);

			for (uint64_t i = 0; i < n; i++) {
				struct ptsim_frame_info fi;
				const char *why = NULL;

				if (ptsim__frame_info(c->pa->mem, at.pfn + i, &fi))
					why = "an absent";
				else if (fi.free)
					why = "a free";
				else if (fi.type == PTSIM_PGTY_table)
					why = "a page-table";
				if (why) {
					ptsim__report(c->r, PTSIM_CHK_ENTRY_PFN, s->lvl, addr,
						      at.pfn + i, 0, 0, "leaf maps %s frame", why);
					break;
				}
			}
		}
		if (at.present && at.cont)
			check_cont(c, s, addr);
	}
	return 0;
}

struct typed_ctx {
	const struct ptsim_mem *mem;
	struct ptsim_reporter *r;
	struct seen *seen;
	uint64_t nr_typed;
	unsigned int group_tables; /* table pages so far in the current group of 64 frames */
};

/*
 * Every live table page must have been reached by the walks; each group of
 * 64 frames has its table-group bit set exactly when it holds a table page
 * (ptsim__table_group_update()).  Frames come in PFN order, whole groups.
 */
static void typed_fn(void *arg, uint64_t pfn, const struct ptsim_frame *f)
{
	struct typed_ctx *t = arg;
	bool table = ptsim__frame_type(f) == PTSIM_PGTY_table;

	if (!(pfn & 63))
		t->group_tables = 0;
	t->group_tables += table;
	if ((pfn & 63) == 63 && (t->group_tables != 0) != ptsim__table_group_test(t->mem, pfn))
		ptsim__report(t->r, PTSIM_CHK_TABLE_TYPE, -1, 0, pfn & ~63ull, t->group_tables != 0,
			      ptsim__table_group_test(t->mem, pfn),
			      "table-group bit of frames 0x%llx-0x%llx disagrees with their types",
			      (unsigned long long)(pfn & ~63ull), (unsigned long long)pfn);
	if (!table)
		return;
	t->nr_typed++;
	t->r->frames_checked++;
	/* No walk reached any table (no address space left): bsearch() wants a base. */
	if (!t->seen->n || !bsearch(&pfn, t->seen->pfns, t->seen->n, sizeof(uint64_t), cmp_u64))
		ptsim__report(t->r, PTSIM_CHK_TABLE_REFS, -1, 0, pfn, 1, 0,
			      "table page not referenced by any table");
}

int ptsim__pgtables_check(struct ptsim_ptalloc *pa, struct ptsim_pgtables *const *pts, size_t nr,
			  struct ptsim_reporter *r)
{
	const struct ptsim_arch *a = pa->arch;
	struct seen seen = {0};
	struct typed_ctx tc = {.mem = pa->mem, .r = r, .seen = &seen};

	for (size_t k = 0; k < nr; k++) {
		struct ptsim_pgtables *pt = pts[k];
		struct pt_check c = {.pa = pa, .r = r, .seen = &seen};
		struct ptsim_visitor v = {
			.pt = pt,
			.fn = pt_check_fn,
			.priv = &c,
			.flags = PTSIM_VISIT_TABLE_PRE | PTSIM_VISIT_LEAF,
		};
		uint64_t bytes = 0;

		if (!ptsim__table_frame(pa, pt->root_pfn)) {
			ptsim__report(r, PTSIM_CHK_TABLE_TYPE, PTSIM_PGD, 0, pt->root_pfn,
				      PTSIM_PGTY_table, 0, "mm %llu root is not a table",
				      (unsigned long long)pt->owner_id);
			continue;
		}
		check_table_page(&c, pt->root_pfn, PTSIM_PGD, 0);
		ptsim__visit(&v, 0, 0);
		for (int l = 0; l < PTSIM_NR_LEVELS; l++) {
			if (c.nr_tables[l] != pt->nr_tables[l])
				ptsim__report(r, PTSIM_CHK_PGTABLE_BYTES, l, 0, 0, c.nr_tables[l],
					      pt->nr_tables[l],
					      "mm %llu counts %llu %s tables, has %llu",
					      (unsigned long long)pt->owner_id,
					      (unsigned long long)pt->nr_tables[l],
					      ptsim_arch_level_name(a, (enum ptsim_level)l),
					      (unsigned long long)c.nr_tables[l]);
			if (ptsim__pt_accounted(a, l))
				bytes += c.nr_tables[l] * a->ptrs[l] * 8;
		}
		if (bytes != pt->pgtables_bytes)
			ptsim__report(
				r, PTSIM_CHK_PGTABLE_BYTES, -1, 0, 0, bytes, pt->pgtables_bytes,
				"mm %llu VmPTE %llu bytes, tables hold %llu",
				(unsigned long long)pt->owner_id,
				(unsigned long long)pt->pgtables_bytes, (unsigned long long)bytes);
	}
	/* Tables waiting for the RCU grace period are referenced by the wait list. */
	for (uint64_t p = pa->rcu_pending; p;) {
		const struct ptsim_frame *f = ptsim__pfn_to_frame_noinit(pa->mem, p - 1);

		seen_add(pa->host, &seen, p - 1);
		p = f->link;
	}
	if (seen.oom) {
		ptsim__free(pa->host, seen.pfns, seen.cap * sizeof(uint64_t));
		r->oom = true;
		return -ENOMEM;
	}
	/* Each table page reached exactly once... */
	if (seen.n) /* no address space: pfns is NULL, and qsort() wants non-NULL */
		qsort(seen.pfns, seen.n, sizeof(uint64_t), cmp_u64);
	for (size_t i = 1; i < seen.n; i++)
		if (seen.pfns[i] == seen.pfns[i - 1])
			ptsim__report(r, PTSIM_CHK_TABLE_REFS, -1, 0, seen.pfns[i], 1, 2,
				      "table page referenced more than once");
	/* ...and every live table page reached. */
	ptsim__for_each_frame(pa->mem, typed_fn, &tc);
	ptsim__ptref_check(pa, pts, nr, r);
	if (tc.nr_typed != pa->nr_tables)
		ptsim__report(r, PTSIM_CHK_TABLE_REFS, -1, 0, 0, tc.nr_typed, pa->nr_tables,
			      "machine counts %llu table pages, %llu exist",
			      (unsigned long long)pa->nr_tables, (unsigned long long)tc.nr_typed);
	ptsim__free(pa->host, seen.pfns, seen.cap * sizeof(uint64_t));
	return 0;
}
