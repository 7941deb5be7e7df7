// SPDX-License-Identifier: MIT
/*
 * test_hugetlb.c - hugetlb pools: grow/shrink, reservations, surplus,
 * gigantic pools and the checker, through the internal API.
 */
#include "ptsim_test.h"

#include <errno.h>
#include <stdlib.h>

#include "mem/internal.h"
#include "ptsim/check.h"

#include "mem_env.h"

static void test_hstates(void **state)
{
	(void)state;
	for (const char *const *n = arches; *n; n++) {
		struct env e;

		env_init(&e, *n, GiB, GiB);
		assert_int_equal(e.mem.nr_hstates, e.a->nr_hugetlb_sizes);
		for (unsigned int i = 0; i < e.a->nr_hugetlb_sizes; i++) {
			struct ptsim_hstate *h = ptsim__hstate(&e.mem, e.a->hugetlb_sizes[i]);

			assert_non_null(h);
			assert_u64_eq(1ull << (h->order + e.a->page_shift), h->size);
		}
		assert_null(ptsim__hstate(&e.mem, 4096 * 3));
		env_fini(&e);
	}
}

static void test_pool(void **state)
{
	(void)state;
	for (const char *const *n = arches; *n; n++) {
		struct env e;
		struct ptsim_hstate *h;
		uint64_t free0, p[4], np;

		env_init(&e, *n, 4 * GiB, 4 * GiB);
		h = ptsim__hstate(&e.mem, 2 * MiB);
		assert_non_null(h);
		np = 1ull << h->order;
		free0 = e.mem.free_pages;
		assert_int_equal(ptsim__hugetlb_set_nr(&e.mem, h, 4), 0);
		assert_u64_eq(h->nr_hugepages, 4);
		assert_u64_eq(h->free_hugepages, 4);
		assert_u64_eq(e.mem.free_pages, free0 - 4 * np);
		assert_clean(&e);

		assert_int_equal(ptsim__hugetlb_reserve(&e.mem, h, 5), -ENOMEM);
		assert_int_equal(ptsim__hugetlb_reserve(&e.mem, h, 2), 0);
		assert_int_equal(ptsim__hugetlb_alloc_folio(&e.mem, h, false, &p[0]), 0);
		assert_int_equal(ptsim__hugetlb_alloc_folio(&e.mem, h, false, &p[1]), 0);
		/* the rest is reserved */
		assert_int_equal(ptsim__hugetlb_alloc_folio(&e.mem, h, false, &p[2]), -ENOMEM);
		assert_int_equal(ptsim__hugetlb_alloc_folio(&e.mem, h, true, &p[2]), 0);
		assert_u64_eq(h->resv_hugepages, 1);
		assert_u64_eq(h->free_hugepages, 1);
		{
			struct ptsim_frame *f = ptsim__pfn_to_frame_noinit(&e.mem, p[2]);
			struct ptsim_frame_info fi;

			assert_int_equal(ptsim__frame_type(f), PTSIM_PGTY_hugetlb);
			assert_int_equal(f->refcount, 1);
			assert_int_equal(ptsim__frame_info(&e.mem, p[2] + 3, &fi), 0);
			assert_u64_eq(fi.head_pfn, p[2]);
			assert_int_equal(fi.order, h->order);
		}
		assert_clean(&e);
		/* shrink cannot take reserved pages */
		assert_int_equal(ptsim__hugetlb_set_nr(&e.mem, h, 0), 0);
		assert_u64_eq(h->nr_hugepages, 4);
		assert_clean(&e);
		assert_int_equal(ptsim__hugetlb_unreserve(&e.mem, h, 2), -EINVAL);
		assert_int_equal(ptsim__hugetlb_unreserve(&e.mem, h, 1), 0);

		/* surplus under overcommit */
		assert_int_equal(ptsim__hugetlb_alloc_folio(&e.mem, h, false, &p[3]), 0);
		assert_int_equal(ptsim__hugetlb_alloc_folio(&e.mem, h, false, &np), -ENOMEM);
		h->nr_overcommit_hugepages = 1;
		assert_int_equal(ptsim__hugetlb_alloc_folio(&e.mem, h, false, &np), 0);
		assert_u64_eq(h->surplus_hugepages, 1);
		assert_clean(&e);
		/* a free with surplus outstanding goes back to buddy */
		assert_int_equal(ptsim__hugetlb_free_folio(&e.mem, np), 0);
		assert_u64_eq(h->surplus_hugepages, 0);
		assert_u64_eq(h->free_hugepages, 0);
		assert_clean(&e);
		/* the last folio_put returns a pool page to its pool */
		ptsim__folio_get(&e.mem, p[0]);
		assert_int_equal(ptsim__hugetlb_free_folio(&e.mem, p[0]), -EBUSY);
		assert_false(ptsim__folio_put(&e.mem, p[0] + 1));
		assert_true(ptsim__folio_put(&e.mem, p[0]));
		assert_u64_eq(h->free_hugepages, 1);
		for (int i = 1; i < 4; i++)
			assert_int_equal(ptsim__hugetlb_free_folio(&e.mem, p[i]), 0);
		assert_u64_eq(h->free_hugepages, 4);
		assert_clean(&e);
		assert_int_equal(ptsim__hugetlb_set_nr(&e.mem, h, 1), 0);
		assert_u64_eq(h->nr_hugepages, 1);
		assert_int_equal(ptsim__hugetlb_set_nr(&e.mem, h, 0), 0);
		assert_u64_eq(e.mem.free_pages, free0);
		assert_clean(&e);
		env_fini(&e);
	}
}

static void test_pool_partial(void **state)
{
	struct env e;
	struct ptsim_hstate *h;
	uint64_t free0;

	(void)state;
	env_init(&e, "x86_64-4l", GiB, GiB);
	h = ptsim__hstate(&e.mem, 2 * MiB);
	free0 = e.mem.free_pages;
	e.h.fail_nth = 3; /* the third page's frame allocation fails */
	e.h.fault_calls = 0;
	assert_int_equal(ptsim__hugetlb_set_nr(&e.mem, h, 8), -ENOMEM);
	e.h.fail_nth = 0;
	assert_u64_eq(h->nr_hugepages, 2);
	assert_u64_eq(h->free_hugepages, 2);
	assert_clean(&e);
	/* not enough memory at all: best effort */
	assert_int_equal(ptsim__hugetlb_set_nr(&e.mem, h, 1000), -ENOMEM);
	assert_true(h->nr_hugepages > 400 && h->nr_hugepages < 512);
	assert_clean(&e);
	assert_int_equal(ptsim__hugetlb_set_nr(&e.mem, h, 0), 0);
	assert_u64_eq(e.mem.free_pages, free0);
	assert_clean(&e);
	env_fini(&e);
}

static void test_gigantic_pool(void **state)
{
	(void)state;
	for (const char *const *n = arches; *n; n++) {
		struct env e;
		struct ptsim_hstate *h;
		uint64_t free0, pfn;

		env_init(&e, *n, 64 * GiB, 64 * GiB);
		h = ptsim__hstate(&e.mem, e.a->hugetlb_sizes[0]); /* the largest size */
		free0 = e.mem.free_pages;
		assert_int_equal(ptsim__hugetlb_set_nr(&e.mem, h, 2), 0);
		assert_u64_eq(h->free_hugepages, 2);
		assert_clean(&e);
		assert_int_equal(ptsim__hugetlb_alloc_folio(&e.mem, h, false, &pfn), 0);
		assert_u64_eq(pfn & ((1ull << h->order) - 1), 0);
		assert_clean(&e);
		assert_int_equal(ptsim__hugetlb_free_folio(&e.mem, pfn), 0);
		assert_int_equal(ptsim__hugetlb_set_nr(&e.mem, h, 0), 0);
		assert_u64_eq(e.mem.free_pages, free0);
		assert_clean(&e);
		env_fini(&e);
	}
}

static void test_check_pool(void **state)
{
	struct env e;
	struct ptsim_hstate *h;
	uint64_t pfn;

	(void)state;
	env_init(&e, "arm64-16k-47", GiB, GiB);
	h = ptsim__hstate(&e.mem, 2 * MiB);
	assert_int_equal(ptsim__hugetlb_set_nr(&e.mem, h, 3), 0);
	assert_clean(&e);
	h->free_hugepages--;
	assert_only(&e, PTSIM_CHK_HUGETLB_POOL);
	h->free_hugepages++;
	h->resv_hugepages = 4;
	assert_only(&e, PTSIM_CHK_HUGETLB_POOL);
	h->resv_hugepages = 0;
	h->nr_hugepages++;
	assert_only(&e, PTSIM_CHK_HUGETLB_POOL);
	h->nr_hugepages--;
	assert_clean(&e);
	/* an in-use pool page with no reference */
	assert_int_equal(ptsim__hugetlb_alloc_folio(&e.mem, h, false, &pfn), 0);
	ptsim__pfn_to_frame_noinit(&e.mem, pfn)->refcount = 0;
	assert_only(&e, PTSIM_CHK_HUGETLB_POOL);
	ptsim__pfn_to_frame_noinit(&e.mem, pfn)->refcount = 1;
	assert_int_equal(ptsim__hugetlb_free_folio(&e.mem, pfn), 0);
	assert_int_equal(ptsim__hugetlb_set_nr(&e.mem, h, 0), 0);
	assert_clean(&e);
	env_fini(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hstates),	     cmocka_unit_test(test_pool),
		cmocka_unit_test(test_pool_partial), cmocka_unit_test(test_gigantic_pool),
		cmocka_unit_test(test_check_pool),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
