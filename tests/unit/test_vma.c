// SPDX-License-Identifier: MIT
/*
 * test_vma.c - the VMA tree against a brute-force reference.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_tree),
		cmocka_unit_test(test_sequential_is_balanced),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
