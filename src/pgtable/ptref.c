// SPDX-License-Identifier: MIT
/*
 * ptref.c - EXPERIMENTAL, NEVER MERGED: the per-PTE-table counters of the
 * 2022 RFC "Try to free empty and zero user PTE page table pages" (Qi
 * Zheng; its mm/pte_ref.c, track_pte_set()/track_pte_clear()), the per-mm
 * reclaimable_pt_bytes and the ranking of address spaces by it.  Knob
 * pt_reclaim.rfc; the merged kernel (v6.14, CONFIG_PT_RECLAIM) has none of
 * this - it frees only tables a MADV_DONTNEED zap leaves empty.
 *
 * The invariants, verified by ptsim_check() (PTREF) while the knob is on:
 *  - every PTE table page's pte_refcount word holds its number of non-none
 *    entries (mapped) and of present entries mapping the zero page (zero);
 *  - a user address space's ptref_empty / ptref_zero count its LINKED PTE
 *    tables with mapped == 0 / zero == PTRS_PER_PTE, and
 *    reclaimable_pt_bytes = (ptref_empty + ptref_zero) * table size;
 *  - the ranking tree holds exactly the address spaces with
 *    reclaimable_pt_bytes > 0, keyed by it (rank_key).
 *
 * The ranking is an AVL tree (the RFC proposed an rbtree; any balanced
 * ordered tree gives the same O(log n) re-keying): in-order is the rank
 * order, largest bytes first, ties by lower owner id.  Nodes are embedded in
 * struct ptsim_pgtables, so ranking never allocates.
 */
#include <string.h>

#include "pgtable/visit.h"
#include "ptsim/check.h"
#include "util/report.h"

/* --- the word ------------------------------------------------------------------- */

bool ptsim__ptref_is_zero_pte(const struct ptsim_ptalloc *pa, uint64_t e)
{
	const struct ptsim_arch *a = pa->arch;

	return e && a->ops->present(a, PTSIM_PTE, e) &&
	       a->ops->pfn(a, PTSIM_PTE, e) == pa->mem->zero_pfn;
}

static uint32_t ptref_make(const struct ptsim_arch *a, unsigned int mapped, unsigned int zero)
{
	return (uint32_t)mapped | ((uint32_t)zero << ptsim__ptref_bits(a));
}

static void ptref_store(struct ptsim_frame *f, uint32_t w)
{
	f->flags = (f->flags & ~(~0ull << PTSIM_PTREF_SHIFT)) | ((uint64_t)w << PTSIM_PTREF_SHIFT);
}

uint32_t ptsim__ptref_count(const struct ptsim_ptalloc *pa, const struct ptsim_frame *f)
{
	const struct ptsim_arch *a = pa->arch;
	const uint64_t *tbl = (const uint64_t *)(uintptr_t)f->private_;
	unsigned int mapped = 0, zero = 0;

	for (unsigned int i = 0; i < a->ptrs[PTSIM_PTE]; i++) {
		mapped += tbl[i] != 0 && !a->ops->none(a, PTSIM_PTE, tbl[i]);
		zero += ptsim__ptref_is_zero_pte(pa, tbl[i]);
	}
	return ptref_make(a, mapped, zero);
}

int ptsim__ptref_kind(const struct ptsim_arch *a, const struct ptsim_frame *f)
{
	uint32_t w = ptsim__ptref_word(f);

	if (!ptsim__ptref_mapped(a, w))
		return 1;
	return ptsim__ptref_zero(a, w) == a->ptrs[PTSIM_PTE] ? 2 : 0;
}

/* --- the ranking ------------------------------------------------------------------ */

/* Whether (@bytes, @id) ranks before @n: more bytes, or as many and a lower id. */
static bool rank_before(uint64_t bytes, uint64_t id, const struct ptsim_pgtables *n)
{
	return bytes != n->rank_key ? bytes > n->rank_key : id < n->owner_id;
}

static int height(const struct ptsim_pgtables *n)
{
	return n ? n->rank_height : 0;
}

static void fix_height(struct ptsim_pgtables *n)
{
	int l = height(n->rank_left), r = height(n->rank_right);

	n->rank_height = (l > r ? l : r) + 1;
}

static struct ptsim_pgtables *rot_right(struct ptsim_pgtables *n)
{
	struct ptsim_pgtables *l = n->rank_left;

	n->rank_left = l->rank_right;
	l->rank_right = n;
	fix_height(n);
	fix_height(l);
	return l;
}

static struct ptsim_pgtables *rot_left(struct ptsim_pgtables *n)
{
	struct ptsim_pgtables *r = n->rank_right;

	n->rank_right = r->rank_left;
	r->rank_left = n;
	fix_height(n);
	fix_height(r);
	return r;
}

static struct ptsim_pgtables *balance(struct ptsim_pgtables *n)
{
	int bf;

	fix_height(n);
	bf = height(n->rank_left) - height(n->rank_right);
	if (bf > 1) {
		if (height(n->rank_left->rank_left) < height(n->rank_left->rank_right))
			n->rank_left = rot_left(n->rank_left);
		return rot_right(n);
	}
	if (bf < -1) {
		if (height(n->rank_right->rank_right) < height(n->rank_right->rank_left))
			n->rank_right = rot_right(n->rank_right);
		return rot_left(n);
	}
	return n;
}

static struct ptsim_pgtables *rank_insert(struct ptsim_pgtables *root, struct ptsim_pgtables *n)
{
	if (!root)
		return n;
	if (rank_before(n->rank_key, n->owner_id, root))
		root->rank_left = rank_insert(root->rank_left, n);
	else
		root->rank_right = rank_insert(root->rank_right, n);
	return balance(root);
}

static struct ptsim_pgtables *remove_min(struct ptsim_pgtables *root, struct ptsim_pgtables **min)
{
	if (!root->rank_left) {
		*min = root;
		return root->rank_right;
	}
	root->rank_left = remove_min(root->rank_left, min);
	return balance(root);
}

static struct ptsim_pgtables *rank_remove(struct ptsim_pgtables *root, struct ptsim_pgtables *n)
{
	struct ptsim_pgtables *min, *rest;

	if (!root)
		return NULL;
	if (root != n) {
		if (rank_before(n->rank_key, n->owner_id, root))
			root->rank_left = rank_remove(root->rank_left, n);
		else
			root->rank_right = rank_remove(root->rank_right, n);
		return balance(root);
	}
	if (!n->rank_right)
		return n->rank_left;
	rest = remove_min(n->rank_right, &min);
	min->rank_right = rest;
	min->rank_left = n->rank_left;
	return balance(min);
}

/* Put @pt where its reclaimable_pt_bytes ranks it (out of the tree at 0). */
static void rerank(struct ptsim_pgtables *pt)
{
	struct ptsim_ptalloc *pa = pt->pa;

	if (pt->ranked) {
		if (pt->rank_key == pt->reclaimable_pt_bytes)
			return;
		pa->ptref_root = rank_remove(pa->ptref_root, pt);
		pt->ranked = false;
		pa->ptref_nr_ranked--;
	}
	pt->rank_left = pt->rank_right = NULL;
	pt->rank_height = 1;
	pt->rank_key = pt->reclaimable_pt_bytes;
	if (!pt->reclaimable_pt_bytes)
		return;
	pa->ptref_root = rank_insert(pa->ptref_root, pt);
	pt->ranked = true;
	pa->ptref_nr_ranked++;
}

struct ptsim_pgtables *ptsim__ptref_first(struct ptsim_ptalloc *pa)
{
	struct ptsim_pgtables *n = pa->ptref_root;

	while (n && n->rank_left)
		n = n->rank_left;
	return n;
}

struct ptsim_pgtables *ptsim__ptref_next(struct ptsim_ptalloc *pa, struct ptsim_pgtables *pt)
{
	struct ptsim_pgtables *n = pa->ptref_root, *succ = NULL;

	/* The in-order successor, found from the root (the nodes keep no parent). */
	while (n) {
		if (n != pt && rank_before(pt->rank_key, pt->owner_id, n)) {
			succ = n;
			n = n->rank_left;
		} else {
			n = n->rank_right;
		}
	}
	return succ;
}

/* --- the per-mm view ---------------------------------------------------------------- */

/* A linked PTE table of kind @kind (ptsim__ptref_kind()) joins (+1) or leaves (-1) @pt's view. */
static void view_add(struct ptsim_pgtables *pt, int kind, int delta)
{
	uint64_t tbytes = (uint64_t)pt->pa->arch->ptrs[PTSIM_PTE] * 8;

	if (!kind || pt->kernel)
		return;
	if (kind == 1)
		pt->ptref_empty += (uint64_t)(int64_t)delta;
	else
		pt->ptref_zero += (uint64_t)(int64_t)delta;
	pt->reclaimable_pt_bytes += (uint64_t)((int64_t)delta * (int64_t)tbytes);
	rerank(pt);
}

/* The word of @f becomes @w: move the table between kinds in the view if it is linked. */
static void ptref_set(struct ptsim_pgtables *pt, struct ptsim_frame *f, uint32_t w)
{
	const struct ptsim_arch *a = pt->pa->arch;
	bool linked = ptsim__table_state(f) == PTSIM_TABLE_LINKED;
	int was = linked ? ptsim__ptref_kind(a, f) : 0;

	ptref_store(f, w);
	if (linked) {
		int now = ptsim__ptref_kind(a, f);

		if (now != was) {
			view_add(pt, was, -1);
			view_add(pt, now, +1);
		}
	}
}

void ptsim__ptref_track(struct ptsim_pgtables *pt, struct ptsim_frame *f, uint64_t old,
			uint64_t new)
{
	const struct ptsim_arch *a = pt->pa->arch;
	uint32_t w = ptsim__ptref_word(f);
	int dm = (int)(new != 0 && !a->ops->none(a, PTSIM_PTE, new)) -
		 (int)(old != 0 && !a->ops->none(a, PTSIM_PTE, old));
	int dz = (int)ptsim__ptref_is_zero_pte(pt->pa, new) -
		 (int)ptsim__ptref_is_zero_pte(pt->pa, old);

	if (!dm && !dz)
		return;
	ptref_set(pt, f,
		  ptref_make(a, (unsigned int)((int)ptsim__ptref_mapped(a, w) + dm),
			     (unsigned int)((int)ptsim__ptref_zero(a, w) + dz)));
}

void ptsim__ptref_recount(struct ptsim_pgtables *pt, struct ptsim_frame *f)
{
	ptref_set(pt, f, ptsim__ptref_count(pt->pa, f));
}

void ptsim__ptref_link(struct ptsim_pgtables *pt, struct ptsim_frame *f, int delta)
{
	view_add(pt, ptsim__ptref_kind(pt->pa->arch, f), delta);
}

void ptsim__ptref_reset(struct ptsim_pgtables *pt)
{
	pt->ptref_empty = pt->ptref_zero = 0;
	pt->reclaimable_pt_bytes = 0;
	if (pt->ranked)
		rerank(pt);
}

static void recount_fn(void *arg, uint64_t pfn, const struct ptsim_frame *cf)
{
	struct ptsim_ptalloc *pa = arg;
	struct ptsim_frame *f;

	if (ptsim__frame_type(cf) != PTSIM_PGTY_table || cf->index != PTSIM_PTE)
		return;
	f = ptsim__table_frame(pa, pfn);
	if (f)
		ptref_store(f, ptsim__ptref_count(pa, f));
}

void ptsim__ptref_enable(struct ptsim_ptalloc *pa)
{
	ptsim__for_each_frame(pa->mem, recount_fn, pa);
}

static int rebuild_fn(struct ptsim_visitor *v, int what, struct ptsim_slot *s, uint64_t addr,
		      uint64_t next)
{
	const struct ptsim_arch *a = v->pt->pa->arch;
	struct ptsim_frame *f;

	(void)what;
	(void)addr;
	(void)next;
	if (s->lvl != PTSIM_PMD)
		return 0;
	f = ptsim__table_frame(v->pt->pa, a->ops->pfn(a, s->lvl, *s->p));
	if (f && f->index == PTSIM_PTE && ptsim__table_state(f) == PTSIM_TABLE_LINKED)
		view_add(v->pt, ptsim__ptref_kind(a, f), +1);
	return PTSIM_VISIT_SKIP;
}

void ptsim__ptref_rebuild(struct ptsim_pgtables *pt)
{
	struct ptsim_visitor v = {.pt = pt, .fn = rebuild_fn, .flags = PTSIM_VISIT_TABLE_PRE};

	ptsim__ptref_reset(pt);
	if (!pt->kernel)
		(void)ptsim__visit(&v, 0, 0);
}

/* --- the checker ---------------------------------------------------------------------- */

struct ptref_check {
	struct ptsim_ptalloc *pa;
	struct ptsim_reporter *r;
	uint64_t empty, zero;
};

static void check_word_fn(void *arg, uint64_t pfn, const struct ptsim_frame *cf)
{
	struct ptref_check *c = arg;
	const struct ptsim_arch *a = c->pa->arch;
	uint32_t want, have;

	if (ptsim__frame_type(cf) != PTSIM_PGTY_table || cf->index != PTSIM_PTE || !cf->private_)
		return;
	want = ptsim__ptref_count(c->pa, cf);
	have = ptsim__ptref_word(cf);
	if (want != have)
		ptsim__report(c->r, PTSIM_CHK_PTREF, PTSIM_PTE, 0, pfn, want, have,
			      "pte_refcount mapped %u zero %u, entries hold %u and %u",
			      ptsim__ptref_mapped(a, have), ptsim__ptref_zero(a, have),
			      ptsim__ptref_mapped(a, want), ptsim__ptref_zero(a, want));
}

/* Recounts from the entries themselves, not from the words checked above. */
static int check_view_fn(struct ptsim_visitor *v, int what, struct ptsim_slot *s, uint64_t addr,
			 uint64_t next)
{
	struct ptref_check *c = v->priv;
	const struct ptsim_arch *a = c->pa->arch;
	const struct ptsim_frame *f;
	uint32_t w;

	(void)what;
	(void)addr;
	(void)next;
	if (s->lvl != PTSIM_PMD)
		return 0;
	f = ptsim__table_frame(c->pa, a->ops->pfn(a, s->lvl, *s->p));
	if (!f || f->index != PTSIM_PTE)
		return PTSIM_VISIT_SKIP;
	w = ptsim__ptref_count(c->pa, f);
	if (!ptsim__ptref_mapped(a, w))
		c->empty++;
	else if (ptsim__ptref_zero(a, w) == a->ptrs[PTSIM_PTE])
		c->zero++;
	return PTSIM_VISIT_SKIP;
}

static void check_rank(struct ptref_check *c)
{
	struct ptsim_pgtables *prev = NULL;
	uint64_t n = 0;

	for (struct ptsim_pgtables *pt = ptsim__ptref_first(c->pa);
	     pt && n <= c->pa->ptref_nr_ranked; pt = ptsim__ptref_next(c->pa, pt), n++) {
		if (!pt->ranked || pt->rank_key != pt->reclaimable_pt_bytes || !pt->rank_key)
			ptsim__report(c->r, PTSIM_CHK_PTREF, -1, 0, 0, pt->reclaimable_pt_bytes,
				      pt->rank_key, "mm %llu ranked by %llu bytes, has %llu",
				      (unsigned long long)pt->owner_id,
				      (unsigned long long)pt->rank_key,
				      (unsigned long long)pt->reclaimable_pt_bytes);
		if (prev && !rank_before(prev->rank_key, prev->owner_id, pt))
			ptsim__report(c->r, PTSIM_CHK_PTREF, -1, 0, 0, 0, 0,
				      "ranking out of order at mm %llu",
				      (unsigned long long)pt->owner_id);
		prev = pt;
	}
	if (n != c->pa->ptref_nr_ranked)
		ptsim__report(c->r, PTSIM_CHK_PTREF, -1, 0, 0, c->pa->ptref_nr_ranked, n,
			      "ranking holds %llu address spaces, counts %llu",
			      (unsigned long long)n, (unsigned long long)c->pa->ptref_nr_ranked);
}

void ptsim__ptref_check(struct ptsim_ptalloc *pa, struct ptsim_pgtables *const *pts, size_t nr,
			struct ptsim_reporter *r)
{
	struct ptref_check c = {.pa = pa, .r = r};
	uint64_t tbytes = (uint64_t)pa->arch->ptrs[PTSIM_PTE] * 8, nr_ranked = 0;

	if (pa->ptref_on)
		ptsim__for_each_frame(pa->mem, check_word_fn, &c);
	for (size_t k = 0; k < nr; k++) {
		struct ptsim_pgtables *pt = pts[k];
		struct ptsim_visitor v = {
			.pt = pt, .fn = check_view_fn, .priv = &c, .flags = PTSIM_VISIT_TABLE_PRE};

		c.empty = c.zero = 0;
		if (pa->ptref_on && !pt->kernel)
			(void)ptsim__visit(&v, 0, 0);
		nr_ranked += pt->ranked;
		if (c.empty == pt->ptref_empty && c.zero == pt->ptref_zero &&
		    pt->reclaimable_pt_bytes == (c.empty + c.zero) * tbytes &&
		    pt->ranked == (pt->reclaimable_pt_bytes != 0))
			continue;
		ptsim__report(r, PTSIM_CHK_PTREF, -1, 0, 0, (c.empty + c.zero) * tbytes,
			      pt->reclaimable_pt_bytes,
			      "mm %llu counts %llu empty %llu zero PTE tables (%llu bytes%s), has "
			      "%llu and %llu",
			      (unsigned long long)pt->owner_id, (unsigned long long)pt->ptref_empty,
			      (unsigned long long)pt->ptref_zero,
			      (unsigned long long)pt->reclaimable_pt_bytes,
			      pt->ranked ? ", ranked" : "", (unsigned long long)c.empty,
			      (unsigned long long)c.zero);
	}
	if (nr_ranked != pa->ptref_nr_ranked)
		ptsim__report(r, PTSIM_CHK_PTREF, -1, 0, 0, nr_ranked, pa->ptref_nr_ranked,
			      "%llu address spaces ranked, ranking counts %llu",
			      (unsigned long long)nr_ranked,
			      (unsigned long long)pa->ptref_nr_ranked);
	check_rank(&c);
}
