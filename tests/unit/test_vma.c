// SPDX-License-Identifier: MIT
/*
 * test_vma.c - the VMA tree against a brute-force reference: lookups, the
 * free-space fields of every node after every kind of change, the
 * top-down free-area search against the linear search it replaced, and
 * mmap's placement through the public API.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "api/machine.h" /* the address space's VMA tree */
#include "mm/internal.h" /* PTSIM_MMAP_MIN_ADDR */
#include "mm/vma.h"
#include "ptsim_test.h"

#define SLOTS 4096 /* the address space is SLOTS pages */
#define PAGE  4096ull

struct ref {
	struct ptsim_vma vmas[SLOTS];
	bool used[SLOTS];		/* vmas[i] is in the tree */
	struct ptsim_vma *owner[SLOTS]; /* which VMA covers page i */
};

static uint64_t rng = 88172645463325252ull;

static uint64_t rnd(uint64_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng % n;
}

static void check_all(struct ptsim_vma_tree *t, struct ref *r)
{
	uint64_t n = 0;

	assert_int_equal(ptsim__vma_tree_check(t), 0);
	for (int i = 0; i < SLOTS; i++)
		n += r->used[i];
	assert_u64_eq(t->nr, n);
	/* AVL height bound: < 1.45 log2(n + 2). */
	if (t->root)
		assert_true(t->root->height <= (int)(1.45 * log2((double)n + 2)) + 1);
	for (int p = 0; p < SLOTS; p++) {
		uint64_t addr = p * PAGE + rnd(PAGE);
		struct ptsim_vma *want = NULL;

		for (int q = p; q < SLOTS && !want; q++)
			want = r->owner[q];
		assert_ptr_equal(ptsim__find_vma(t, addr), want);
		assert_ptr_equal(ptsim__vma_lookup(t, addr), r->owner[p]);
	}
}

static void test_random_tree(void **state)
{
	struct ptsim_vma_tree t = {0};
	struct ref *r = calloc(1, sizeof(*r));

	(void)state;
	assert_non_null(r);
	for (int op = 0; op < 20000; op++) {
		int i = (int)rnd(SLOTS);
		struct ptsim_vma *v = &r->vmas[i];

		if (!r->used[i] && rnd(3)) {
			uint64_t len = 1 + rnd(8);
			bool free = true;

			if ((uint64_t)i + len > SLOTS)
				len = SLOTS - (uint64_t)i;
			for (uint64_t p = (uint64_t)i; free && p < (uint64_t)i + len; p++)
				free = !r->owner[p];
			v->vm_start = (uint64_t)i * PAGE;
			v->vm_end = ((uint64_t)i + len) * PAGE;
			assert_int_equal(ptsim__vma_insert(&t, v), free ? 0 : -EEXIST);
			if (free) {
				r->used[i] = true;
				for (uint64_t p = (uint64_t)i; p < (uint64_t)i + len; p++)
					r->owner[p] = v;
			}
		} else if (r->used[i]) {
			ptsim__vma_remove(&t, v);
			r->used[i] = false;
			for (uint64_t p = v->vm_start / PAGE; p < v->vm_end / PAGE; p++)
				r->owner[p] = NULL;
		}
		if (op % 2000 == 0)
			check_all(&t, r);
	}
	check_all(&t, r);
	/* In-order iteration both ways visits every VMA once, in address order. */
	{
		uint64_t n = 0;
		struct ptsim_vma *last = NULL;

		for (struct ptsim_vma *v = ptsim__vma_first(&t); v; v = ptsim__vma_next(v)) {
			assert_ptr_equal(ptsim__vma_prev(v), last);
			last = v;
			n++;
		}
		assert_u64_eq(n, t.nr);
	}
	free(r);
}

static void test_sequential_is_balanced(void **state)
{
	enum { N = 10000 };
	struct ptsim_vma *v = calloc(N, sizeof(*v));
	struct ptsim_vma_tree t = {0};

	(void)state;
	assert_non_null(v);
	for (int i = 0; i < N; i++) {
		v[i].vm_start = (uint64_t)i * 2 * PAGE;
		v[i].vm_end = v[i].vm_start + PAGE;
		assert_int_equal(ptsim__vma_insert(&t, &v[i]), 0);
	}
	assert_int_equal(ptsim__vma_tree_check(&t), 0);
	assert_true(t.root->height <= 20); /* log2(10000) ~ 13.3 */
	assert_true(ptsim__vma_range_free(&t, PAGE, 2 * PAGE));
	assert_false(ptsim__vma_range_free(&t, PAGE, 2 * PAGE + 1));
	/* Corruption is detected. */
	v[N / 2].height += 3;
	assert_int_equal(ptsim__vma_tree_check(&t), -EUCLEAN);
	v[N / 2].height -= 3;
	for (int i = 0; i < N; i += 2)
		ptsim__vma_remove(&t, &v[i]);
	assert_int_equal(ptsim__vma_tree_check(&t), 0);
	assert_u64_eq(t.nr, N / 2);
	free(v);
}

/* --- the free-space fields and the free-area search ------------------------------ */

/* The nodes of the subtree at @v in address order, into @out; returns how many. */
static size_t subtree_nodes(const struct ptsim_vma *v, const struct ptsim_vma **out)
{
	size_t n;

	if (!v)
		return 0;
	n = subtree_nodes(v->left, out);
	out[n++] = v;
	return n + subtree_nodes(v->right, out + n);
}

/*
 * Every node's span and largest hole against a brute force: the subtree's
 * VMAs listed in address order and the holes between consecutive ones.
 */
static void assert_gaps_brute(const struct ptsim_vma_tree *t)
{
	const struct ptsim_vma **all = calloc(t->nr + 1, sizeof(*all)), **sub;
	size_t n = subtree_nodes(t->root, all);

	assert_non_null(all);
	assert_u64_eq(n, t->nr);
	sub = calloc(t->nr + 1, sizeof(*sub));
	assert_non_null(sub);
	for (size_t i = 0; i < n; i++) {
		const struct ptsim_vma *v = all[i];
		size_t m = subtree_nodes(v, sub);
		uint64_t gap = 0;

		for (size_t j = 1; j < m; j++)
			if (sub[j]->vm_start - sub[j - 1]->vm_end > gap)
				gap = sub[j]->vm_start - sub[j - 1]->vm_end;
		assert_u64_eq(v->subtree_start, sub[0]->vm_start);
		assert_u64_eq(v->subtree_end, sub[m - 1]->vm_end);
		assert_u64_eq(v->subtree_gap, gap);
	}
	free(sub);
	free(all);
}

/*
 * The search mmap used before the tree tracked holes: from @high - @len
 * down, each step one find_vma() and a move below the VMA in the way.
 */
static int linear_topdown(const struct ptsim_vma_tree *t, uint64_t low, uint64_t high, uint64_t len,
			  uint64_t *out)
{
	uint64_t cand;

	if (!len || high < low || high - low < len)
		return -ENOMEM;
	cand = high - len;
	for (;;) {
		struct ptsim_vma *v = ptsim__find_vma(t, cand);

		if (!v || v->vm_start >= cand + len) {
			*out = cand;
			return 0;
		}
		if (v->vm_start < low + len)
			return -ENOMEM;
		cand = v->vm_start - len;
	}
}

/* ptsim__vma_unmapped_area_topdown() gives what the linear search gives. */
static void assert_search(const struct ptsim_vma_tree *t, uint64_t low, uint64_t high, uint64_t len)
{
	uint64_t want = 0, got = 0;
	int w = linear_topdown(t, low, high, len, &want);
	int g = ptsim__vma_unmapped_area_topdown(t, low, high, len, &got);

	if (w != g || (!w && want != got))
		fail_msg("search [0x%llx, 0x%llx) len 0x%llx: %d 0x%llx, linear %d 0x%llx",
			 (unsigned long long)low, (unsigned long long)high, (unsigned long long)len,
			 g, (unsigned long long)got, w, (unsigned long long)want);
}

#define NP 512 /* pages of the randomized address space */

struct gap_model {
	struct ptsim_vma_tree t;
	struct ptsim_vma pool[NP];
	struct ptsim_vma *spare[NP]; /* pool entries not in the tree */
	struct ptsim_vma *live[NP];  /* pool entries in the tree */
	struct ptsim_vma *owner[NP]; /* which VMA covers page i */
	int nspare, nlive;
};

static void model_own(struct gap_model *g, struct ptsim_vma *v, struct ptsim_vma *who)
{
	for (uint64_t p = v->vm_start / PAGE; p < v->vm_end / PAGE; p++)
		g->owner[p] = who;
}

static void model_link(struct gap_model *g, struct ptsim_vma *v)
{
	assert_int_equal(ptsim__vma_insert(&g->t, v), 0);
	g->live[g->nlive++] = v;
	model_own(g, v, v);
}

static void model_unlink(struct gap_model *g, int i)
{
	struct ptsim_vma *v = g->live[i];

	ptsim__vma_remove(&g->t, v);
	model_own(g, v, NULL);
	g->live[i] = g->live[--g->nlive];
	g->spare[g->nspare++] = v;
}

static int model_index(const struct gap_model *g, const struct ptsim_vma *v)
{
	for (int i = 0; i < g->nlive; i++)
		if (g->live[i] == v)
			return i;
	fail_msg("VMA [0x%llx, 0x%llx) not live", (unsigned long long)v->vm_start,
		 (unsigned long long)v->vm_end);
	return -1;
}

/* The highest page-aligned free range of @len pages in pages [@low, @high), from the pages. */
static int brute_topdown(const struct gap_model *g, uint64_t low, uint64_t high, uint64_t len,
			 uint64_t *out)
{
	for (uint64_t a = high - len + 1; len <= high - low && a-- > low;) {
		bool free = true;

		for (uint64_t p = a; free && p < a + len; p++)
			free = !g->owner[p];
		if (free) {
			*out = a * PAGE;
			return 0;
		}
	}
	return -ENOMEM;
}

static void model_check(struct gap_model *g)
{
	uint64_t low, high, len, want = 0, got = 0;
	int w, r;

	assert_int_equal(ptsim__vma_tree_check(&g->t), 0);
	assert_u64_eq(g->t.nr, (uint64_t)g->nlive);
	assert_gaps_brute(&g->t);
	for (int p = 0; p < NP; p += 1 + (int)rnd(16))
		assert_ptr_equal(ptsim__vma_lookup(&g->t, p * PAGE + rnd(PAGE)), g->owner[p]);
	/* Page-aligned requests, against the pages themselves. */
	for (int q = 0; q < 4; q++) {
		low = rnd(NP / 2);
		high = low + rnd(NP - low + 1);
		len = 1 + rnd(q ? 8 : NP);
		w = brute_topdown(g, low, high, len, &want);
		r = ptsim__vma_unmapped_area_topdown(&g->t, low * PAGE, high * PAGE, len * PAGE,
						     &got);
		assert_int_equal(r, w);
		if (!w)
			assert_u64_eq(got, want);
		assert_search(&g->t, low * PAGE, high * PAGE, len * PAGE);
	}
	/* Any bytes, against the linear search, and the whole space. */
	for (int q = 0; q < 4; q++) {
		low = rnd(NP * PAGE);
		high = low + rnd(NP * PAGE - low + 2 * PAGE);
		assert_search(&g->t, low, high, 1 + rnd(q ? 4 * PAGE : NP * PAGE));
	}
	assert_search(&g->t, 0, UINT64_MAX, PAGE);
	assert_search(&g->t, 0, NP * PAGE, 2 * PAGE);
}

/*
 * A random sequence of insert, erase, split, merge and boundary moves, each
 * made as the mm layer makes it (split: shrink, then insert the upper part;
 * merge: erase the upper VMA, then extend the lower one), with the free-space
 * fields of every node checked against brute force after each operation.
 */
static void test_gaps_random_ops(void **state)
{
	struct gap_model *g = calloc(1, sizeof(*g));
	int done[5] = {0};

	(void)state;
	assert_non_null(g);
	for (int i = 0; i < NP; i++)
		g->spare[g->nspare++] = &g->pool[i];
	for (int op = 0; op < 6000; op++) {
		uint64_t kind = g->nlive ? rnd(100) : 0;
		struct ptsim_vma *v = g->nlive ? g->live[rnd((uint64_t)g->nlive)] : NULL;

		if (kind < 35) { /* insert */
			uint64_t p = rnd(NP), len = 1 + rnd(6);
			struct ptsim_vma *n = g->spare[g->nspare - 1];
			bool free = true;

			if (p + len > NP)
				len = NP - p;
			for (uint64_t q = p; free && q < p + len; q++)
				free = !g->owner[q];
			n->vm_start = p * PAGE;
			n->vm_end = (p + len) * PAGE;
			if (!free) {
				assert_int_equal(ptsim__vma_insert(&g->t, n), -EEXIST);
				continue;
			}
			g->nspare--;
			model_link(g, n);
			done[0]++;
		} else if (kind < 50) { /* erase */
			model_unlink(g, model_index(g, v));
			done[1]++;
		} else if (kind < 70) { /* split, as __split_vma() */
			uint64_t pages = (v->vm_end - v->vm_start) / PAGE, cut;
			struct ptsim_vma *n;

			if (pages < 2)
				continue;
			cut = v->vm_start + (1 + rnd(pages - 1)) * PAGE;
			n = g->spare[--g->nspare];
			n->vm_start = cut;
			n->vm_end = v->vm_end;
			ptsim__vma_set_range(&g->t, v, v->vm_start, cut);
			model_link(g, n);
			done[2]++;
		} else if (kind < 85) { /* merge with the next VMA if adjacent */
			struct ptsim_vma *next = ptsim__vma_next(v);
			uint64_t end;

			if (!next || next->vm_start != v->vm_end)
				continue;
			end = next->vm_end;
			model_unlink(g, model_index(g, next));
			ptsim__vma_set_range(&g->t, v, v->vm_start, end);
			model_own(g, v, v);
			done[3]++;
		} else { /* move one boundary within the neighbours: grow or shrink */
			struct ptsim_vma *prev = ptsim__vma_prev(v), *next = ptsim__vma_next(v);
			uint64_t lo = prev ? prev->vm_end / PAGE : 0;
			uint64_t hi = next ? next->vm_start / PAGE : NP;
			uint64_t s = v->vm_start / PAGE, e = v->vm_end / PAGE;

			if (rnd(2))
				s = lo + rnd(e - lo); /* [lo, e) */
			else
				e = s + 1 + rnd(hi - s); /* (s, hi] */
			model_own(g, v, NULL);
			ptsim__vma_set_range(&g->t, v, s * PAGE, e * PAGE);
			model_own(g, v, v);
			done[4]++;
		}
		model_check(g);
	}
	for (int k = 0; k < 5; k++)
		assert_true(done[k] > 150);
	while (g->nlive) {
		model_unlink(g, (int)rnd((uint64_t)g->nlive));
		model_check(g);
	}
	assert_null(g->t.root);
	free(g);
}

/* The search on a big tree and at the edges: clipping, empty tree, no room. */
static void test_gap_search_edges(void **state)
{
	enum { N = 10000 };
	struct ptsim_vma *v = calloc(N, sizeof(*v));
	struct ptsim_vma_tree t = {0};
	const uint64_t top = 4 * N * PAGE;
	uint64_t out = 0;

	(void)state;
	assert_non_null(v);
	assert_int_equal(ptsim__vma_unmapped_area_topdown(&t, PAGE, top, PAGE, &out), 0);
	assert_u64_eq(out, top - PAGE);
	assert_int_equal(ptsim__vma_unmapped_area_topdown(&t, PAGE, top, top, &out), -ENOMEM);
	assert_int_equal(ptsim__vma_unmapped_area_topdown(&t, PAGE, top, 0, &out), -ENOMEM);
	assert_int_equal(ptsim__vma_unmapped_area_topdown(&t, top, PAGE, PAGE, &out), -ENOMEM);
	/* One-page VMAs with one-page holes, from the top down, and one VMA across the top. */
	for (int i = 0; i < N; i++) {
		v[i].vm_start = top - (2 * (uint64_t)i + 2) * PAGE;
		v[i].vm_end = v[i].vm_start + PAGE;
		assert_int_equal(ptsim__vma_insert(&t, &v[i]), 0);
	}
	assert_int_equal(ptsim__vma_tree_check(&t), 0);
	/* A page fits in the hole right under the top; two pages only under all VMAs. */
	assert_int_equal(ptsim__vma_unmapped_area_topdown(&t, 0, top, PAGE, &out), 0);
	assert_u64_eq(out, top - PAGE);
	assert_int_equal(ptsim__vma_unmapped_area_topdown(&t, 0, top, 2 * PAGE, &out), 0);
	assert_u64_eq(out, top - 2 * N * PAGE - 2 * PAGE);
	/* The hole below the first VMA cut by low. */
	assert_int_equal(ptsim__vma_unmapped_area_topdown(&t, top - 2 * N * PAGE - 2 * PAGE, top,
							  2 * PAGE, &out),
			 0);
	assert_int_equal(ptsim__vma_unmapped_area_topdown(&t, top - 2 * N * PAGE - PAGE, top,
							  2 * PAGE, &out),
			 -ENOMEM);
	/* high inside a VMA, or in a hole. */
	assert_search(&t, 0, top - 3 * PAGE / 2, PAGE);
	assert_search(&t, 0, top - 5 * PAGE / 2, PAGE);
	assert_search(&t, PAGE, top - PAGE, 3 * PAGE);
	/* Widen every 97th hole to three pages. */
	for (int i = 96; i < N - 1; i += 97)
		ptsim__vma_set_range(&t, &v[i], v[i].vm_start - PAGE, v[i].vm_end - PAGE);
	assert_int_equal(ptsim__vma_tree_check(&t), 0);
	for (uint64_t len = 1; len <= 4; len++)
		for (uint64_t high = top; high > top - 40 * PAGE; high -= PAGE / 2)
			assert_search(&t, PAGE, high, len * PAGE);
	for (int q = 0; q < 2000; q++) {
		uint64_t low = rnd(top), high = low + rnd(top - low + 1);

		assert_search(&t, low, high, 1 + rnd(3 * PAGE));
	}
	free(v);
}

/*
 * The tree check covers the free-space fields: each stale field alone is
 * found, and so is a boundary moved behind the tree's back (order and
 * heights intact) until ptsim__vma_set_range() makes the same move.
 */
static void test_gap_corruption(void **state)
{
	enum { N = 1000 };
	struct ptsim_vma *v = calloc(N, sizeof(*v)), *mid;
	struct ptsim_vma_tree t = {0};

	(void)state;
	assert_non_null(v);
	for (int i = 0; i < N; i++) {
		v[i].vm_start = (uint64_t)i * 3 * PAGE;
		v[i].vm_end = v[i].vm_start + PAGE;
		assert_int_equal(ptsim__vma_insert(&t, &v[i]), 0);
	}
	assert_int_equal(ptsim__vma_tree_check(&t), 0);
	mid = t.root->left->right;
	mid->subtree_gap += PAGE;
	assert_int_equal(ptsim__vma_tree_check(&t), -EUCLEAN);
	mid->subtree_gap -= PAGE;
	mid->subtree_start -= PAGE;
	assert_int_equal(ptsim__vma_tree_check(&t), -EUCLEAN);
	mid->subtree_start += PAGE;
	mid->subtree_end += PAGE;
	assert_int_equal(ptsim__vma_tree_check(&t), -EUCLEAN);
	mid->subtree_end -= PAGE;
	assert_int_equal(ptsim__vma_tree_check(&t), 0);
	/* A leaf grows into the hole above it without the tree knowing. */
	for (mid = t.root; mid->left; mid = mid->left)
		;
	mid->vm_end += PAGE;
	assert_int_equal(ptsim__vma_tree_check(&t), -EUCLEAN);
	mid->vm_end -= PAGE;
	ptsim__vma_set_range(&t, mid, mid->vm_start, mid->vm_end + PAGE);
	assert_int_equal(ptsim__vma_tree_check(&t), 0);
	assert_gaps_brute(&t);
	free(v);
}

/*
 * mmap(0) and mmap with a hint through the public API, after random mmap,
 * MAP_FIXED, munmap and mprotect calls near the mmap base (splits and
 * merges), against the linear search over ptsim_vma_next(), with the tree
 * and its free-space fields checked after each call; a fork's copy too;
 * then no room at all, and one page.
 */
static uint64_t api_linear(struct ptsim_mm *mm, uint64_t top, uint64_t len)
{
	uint64_t cand = top - len;
	struct ptsim_vma_info vi;

	for (;;) {
		if (ptsim_vma_next(mm, cand, &vi) || vi.start >= cand + len)
			return cand;
		if (vi.start < PTSIM_MMAP_MIN_ADDR + len)
			return 0;
		cand = vi.start - len;
	}
}

static bool api_free(struct ptsim_mm *mm, uint64_t start, uint64_t len)
{
	struct ptsim_vma_info vi;

	return ptsim_vma_next(mm, start, &vi) || vi.start >= start + len;
}

static void test_mmap_placement(void **state)
{
	struct ptsim_test_env t;
	const unsigned int flags = PTSIM_MAP_PRIVATE | PTSIM_MAP_ANONYMOUS;
	uint64_t top, va, psz, hits = 0;

	ptsim_test_env_init(&t, *state, NULL);
	psz = t.psz;
	assert_int_equal(ptsim_mmap(t.mm, 0, psz, PTSIM_PROT_READ, flags, NULL, 0, &va), 0);
	top = va + psz;
	assert_int_equal(ptsim_munmap(t.mm, va, psz), 0);
	for (int op = 0; op < 3000; op++) {
		uint64_t kind = rnd(100), len = (1 + rnd(rnd(4) ? 4 : 64)) * psz, want;
		unsigned int prot = rnd(2) ? PTSIM_PROT_READ : PTSIM_PROT_READ | PTSIM_PROT_WRITE;
		uint64_t at = top - rnd(1024) * psz + rnd(2) * rnd(64) * psz;

		if (kind < 40) { /* mmap(0) */
			want = api_linear(t.mm, top, len);
			assert_int_equal(ptsim_mmap(t.mm, 0, len, prot, flags, NULL, 0, &va), 0);
			assert_u64_eq(va, want);
		} else if (kind < 55) { /* a hint, taken when free */
			uint64_t hint = at - rnd(psz);

			want = api_free(t.mm, at, len) ? at : api_linear(t.mm, top, len);
			hits += want == at;
			assert_int_equal(ptsim_mmap(t.mm, hint, len, prot, flags, NULL, 0, &va), 0);
			assert_u64_eq(va, want);
		} else if (kind < 65) { /* MAP_FIXED, also across and above the base */
			assert_int_equal(ptsim_mmap(t.mm, at, len, prot, flags | PTSIM_MAP_FIXED,
						    NULL, 0, &va),
					 0);
		} else if (kind < 90) {
			assert_int_equal(ptsim_munmap(t.mm, at, len * 4), 0);
		} else {
			struct ptsim_vma_info vi;

			if (!ptsim_vma_next(t.mm, at, &vi) && vi.start <= at) {
				len = len < vi.end - at ? len : vi.end - at;
				assert_int_equal(ptsim_mprotect(t.mm, at, len, prot), 0);
			}
		}
		assert_int_equal(ptsim__vma_tree_check(&t.mm->vm.vmas), 0);
		if (op % 256 == 0)
			assert_gaps_brute(&t.mm->vm.vmas);
	}
	assert_gaps_brute(&t.mm->vm.vmas);
	{
		struct ptsim_mm *child;

		assert_int_equal(ptsim_fork(t.mm, &child), 0);
		assert_int_equal(ptsim__vma_tree_check(&child->vm.vmas), 0);
		assert_gaps_brute(&child->vm.vmas);
		assert_u64_eq(api_linear(child, top, 3 * psz), api_linear(t.mm, top, 3 * psz));
		assert_int_equal(
			ptsim_mmap(child, 0, 3 * psz, PTSIM_PROT_READ, flags, NULL, 0, &va), 0);
		assert_u64_eq(va, api_linear(t.mm, top, 3 * psz));
		ptsim_mm_destroy(child);
	}
	assert_true(hits > 50);
	assert_true(ptsim_mm_nr_vmas(t.mm) > 20);
	/* Everything from mmap_min_addr to the base mapped: no room; then one page. */
	assert_int_equal(ptsim_mmap(t.mm, PTSIM_MMAP_MIN_ADDR, top - PTSIM_MMAP_MIN_ADDR,
				    PTSIM_PROT_READ, flags | PTSIM_MAP_FIXED, NULL, 0, &va),
			 0);
	assert_int_equal(ptsim_mmap(t.mm, 0, psz, PTSIM_PROT_READ, flags, NULL, 0, &va), -ENOMEM);
	assert_int_equal(ptsim_munmap(t.mm, PTSIM_MMAP_MIN_ADDR + 5 * psz, psz), 0);
	assert_int_equal(ptsim_mmap(t.mm, 0, 2 * psz, PTSIM_PROT_READ, flags, NULL, 0, &va),
			 -ENOMEM);
	assert_int_equal(ptsim_mmap(t.mm, 0, psz, PTSIM_PROT_WRITE, flags, NULL, 0, &va), 0);
	assert_u64_eq(va, PTSIM_MMAP_MIN_ADDR + 5 * psz);
	assert_int_equal(ptsim__vma_tree_check(&t.mm->vm.vmas), 0);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_tree),
		cmocka_unit_test(test_sequential_is_balanced),
		cmocka_unit_test(test_gaps_random_ops),
		cmocka_unit_test(test_gap_search_edges),
		cmocka_unit_test(test_gap_corruption),
		PTSIM_ARCH_TESTS(test_mmap_placement),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
