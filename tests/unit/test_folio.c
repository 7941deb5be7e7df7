// SPDX-License-Identifier: MIT
/*
 * test_folio.c - folios, compound metadata, refcounts, flag policies, the
 * zero page, frame info and gigantic folios, through the internal API.
 */
#include "ptsim_test.h"

#include <errno.h>
#include <stdlib.h>

#include "mem/internal.h"
#include "ptsim/check.h"

#include "mem_env.h"

#define PGF(x) (1ull << PTSIM_PG_##x)

static void assert_compound(struct env *e, uint64_t head, unsigned int order)
{
	uint64_t n = 1ull << order;
	struct ptsim_frame *h = ptsim__pfn_to_frame_noinit(&e->mem, head), *p1;

	assert_non_null(h);
	assert_true(h->flags & PGF(head));
	assert_int_equal(h->refcount, 1);
	assert_int_equal(ptsim__folio_order(&e->mem, head), order);
	p1 = ptsim__pfn_to_frame_noinit(&e->mem, head + 1);
	assert_u64_eq(p1->flags & 0xff, order);
	assert_u64_eq(p1->mapping, UINT64_MAX);
	assert_u64_eq(p1->index, 0);
	assert_u64_eq(p1->private_, n);
	for (uint64_t i = 1; i < n; i++) {
		struct ptsim_frame *t = ptsim__pfn_to_frame_noinit(&e->mem, head + i);

		assert_non_null(t);
		assert_u64_eq(t->head, (head << 1) | 1);
		assert_int_equal(t->refcount, 0);
		assert_int_equal(t->mapcount, -1);
		assert_u64_eq(ptsim__folio_head(&e->mem, head + i), head);
	}
}

static void test_folio_orders(void **state)
{
	(void)state;
	for (const char *const *n = arches; *n; n++) {
		struct env e;
		uint64_t free0, pfn;

		env_init(&e, *n, GiB, GiB);
		free0 = e.mem.free_pages;
		for (unsigned int o = 0; o <= e.a->max_order; o++) {
			struct ptsim_frame_info fi;

			assert_int_equal(ptsim__folio_alloc(&e.mem, o, &pfn), 0);
			if (o) {
				assert_compound(&e, pfn, o);
			} else {
				assert_int_equal(ptsim__folio_order(&e.mem, pfn), 0);
				assert_u64_eq(ptsim__folio_head(&e.mem, pfn), pfn);
			}
			assert_int_equal(ptsim__frame_info(&e.mem, pfn + (1ull << o) - 1, &fi), 0);
			assert_false(fi.free);
			assert_u64_eq(fi.head_pfn, pfn);
			assert_int_equal(fi.order, o);
			assert_int_equal(fi.refcount, 1);
			assert_int_equal(fi.tail, o > 0);
			assert_int_equal(fi.mapcount, 0);
			assert_int_equal(fi.folio_mapcount, 0);
			assert_int_equal(fi.entire_mapcount, 0);
			assert_u64_eq(fi.flags, 0); /* page 1's order byte is not a PG flag */
			assert_clean(&e);
			/* refcounting through a tail */
			ptsim__folio_get(&e.mem, pfn + (1ull << o) - 1);
			assert_false(ptsim__folio_put(&e.mem, pfn));
			assert_clean(&e);
			assert_true(ptsim__folio_put(&e.mem, pfn + (1ull << o) - 1));
			assert_u64_eq(e.mem.free_pages, free0);
			assert_int_equal(ptsim__frame_info(&e.mem, pfn, &fi), 0);
			assert_true(fi.free);
			assert_clean(&e);
		}
		env_fini(&e);
	}
}

static void test_flag_policies(void **state)
{
	(void)state;
	for (const char *const *n = arches; *n; n++) {
		struct env e;
		uint64_t pfn, nr;
		struct ptsim_frame_info fi;

		env_init(&e, *n, GiB, GiB);
		assert_int_equal(ptsim__folio_alloc(&e.mem, 4, &pfn), 0);
		nr = 16;
		/* dirty through a tail: one bit, on the head, seen from every page */
		ptsim__page_set_flag(&e.mem, pfn + 5, PTSIM_PG_dirty);
		assert_true(ptsim__pfn_to_frame_noinit(&e.mem, pfn)->flags & PGF(dirty));
		assert_false(ptsim__pfn_to_frame_noinit(&e.mem, pfn + 5)->flags & PGF(dirty));
		for (uint64_t i = 0; i < nr; i++)
			assert_true(ptsim__page_test_flag(&e.mem, pfn + i, PTSIM_PG_dirty));
		assert_int_equal(ptsim__frame_info(&e.mem, pfn + 5, &fi), 0);
		assert_false(fi.flags & PGF(dirty));
		assert_true(fi.folio_flags & PGF(dirty));
		ptsim__page_clear_flag(&e.mem, pfn + 9, PTSIM_PG_dirty);
		for (uint64_t i = 0; i < nr; i++)
			assert_false(ptsim__page_test_flag(&e.mem, pfn + i, PTSIM_PG_dirty));
		/* the other folio flags */
		{
			static const enum ptsim_pageflag fl[] = {
				PTSIM_PG_lru,	      PTSIM_PG_referenced, PTSIM_PG_uptodate,
				PTSIM_PG_active,      PTSIM_PG_workingset, PTSIM_PG_locked,
				PTSIM_PG_writeback,   PTSIM_PG_swapbacked, PTSIM_PG_mlocked,
				PTSIM_PG_unevictable, PTSIM_PG_reclaim,	   PTSIM_PG_private,
			};

			for (unsigned int k = 0; k < sizeof(fl) / sizeof(fl[0]); k++) {
				ptsim__page_set_flag(&e.mem, pfn + 1, fl[k]);
				assert_true(ptsim__page_test_flag(&e.mem, pfn + 15, fl[k]));
				assert_true(ptsim__pfn_to_frame_noinit(&e.mem, pfn)->flags &
					    (1ull << fl[k]));
				ptsim__page_clear_flag(&e.mem, pfn + 15, fl[k]);
				assert_false(ptsim__page_test_flag(&e.mem, pfn, fl[k]));
			}
		}
		/* hwpoison and anon_exclusive: per page */
		ptsim__page_set_flag(&e.mem, pfn + 3, PTSIM_PG_hwpoison);
		ptsim__page_set_flag(&e.mem, pfn + 1, PTSIM_PG_anon_exclusive);
		for (uint64_t i = 0; i < nr; i++) {
			assert_int_equal(ptsim__page_test_flag(&e.mem, pfn + i, PTSIM_PG_hwpoison),
					 i == 3);
			assert_int_equal(
				ptsim__page_test_flag(&e.mem, pfn + i, PTSIM_PG_anon_exclusive),
				i == 1);
		}
		assert_int_equal(ptsim__frame_info(&e.mem, pfn + 3, &fi), 0);
		assert_u64_eq(fi.flags, PGF(hwpoison));
		assert_int_equal(ptsim__frame_info(&e.mem, pfn + 1, &fi), 0);
		assert_u64_eq(fi.flags, PGF(anon_exclusive));
		assert_int_equal(ptsim__frame_info(&e.mem, pfn, &fi), 0);
		assert_u64_eq(fi.flags, PGF(head));
		assert_true(fi.head);
		assert_int_equal(fi.order, 4);
		/* PG_head is read-only */
		ptsim__page_clear_flag(&e.mem, pfn, PTSIM_PG_head);
		ptsim__page_set_flag(&e.mem, pfn + 2, PTSIM_PG_head);
		assert_true(ptsim__page_test_flag(&e.mem, pfn, PTSIM_PG_head));
		assert_false(ptsim__page_test_flag(&e.mem, pfn + 2, PTSIM_PG_head));
		assert_clean(&e);
		assert_true(ptsim__folio_put(&e.mem, pfn));
		assert_clean(&e);
		/* poisoned on free: a new folio in the same place is clean */
		assert_int_equal(ptsim__folio_alloc(&e.mem, 4, &pfn), 0);
		for (uint64_t i = 0; i < nr; i++)
			assert_false(ptsim__page_test_flag(&e.mem, pfn + i, PTSIM_PG_hwpoison));
		assert_true(ptsim__folio_put(&e.mem, pfn));
		env_fini(&e);
	}
}

static void test_zero_page(void **state)
{
	(void)state;
	for (const char *const *n = arches; *n; n++) {
		struct env e;
		struct ptsim_frame_info fi;

		env_init(&e, *n, GiB, GiB);
		assert_int_equal(ptsim__frame_info(&e.mem, e.mem.zero_pfn, &fi), 0);
		assert_false(fi.free);
		assert_int_equal(fi.refcount, 1);
		assert_u64_eq(fi.flags, PGF(reserved));
		assert_int_equal(fi.order, 0);
		assert_int_equal(fi.type, PTSIM_PGTY_NONE);
		env_fini(&e);
	}
}

static void gigantic(const char *arch, uint64_t bytes, unsigned int order, uint64_t max_host)
{
	struct env e;
	uint64_t pfn, free0, k;
	struct ptsim_frame_info fi;

	env_init(&e, arch, bytes, bytes);
	free0 = e.mem.free_pages;
	for (k = 1;; k++) {
		uint64_t b = e.h.bytes_live;
		int err;

		e.h.fail_nth = k;
		e.h.fault_calls = 0;
		err = ptsim__folio_alloc(&e.mem, order, &pfn);
		e.h.fail_nth = 0;
		if (!err)
			break;
		assert_int_equal(err, -ENOMEM);
		assert_u64_eq(e.mem.free_pages, free0);
		assert_u64_eq(e.h.bytes_live, b);
		if (k % 8 == 1)
			assert_clean(&e);
	}
	assert_u64_eq(pfn & ((1ull << order) - 1), 0);
	assert_true(pfn > 0);
	assert_compound(&e, pfn, order);
	assert_u64_eq(e.mem.free_pages, free0 - (1ull << order));
	assert_true(e.h.bytes_live < max_host);
	assert_int_equal(ptsim__frame_info(&e.mem, pfn + (1ull << order) - 1, &fi), 0);
	assert_u64_eq(fi.head_pfn, pfn);
	assert_int_equal(fi.order, order);
	ptsim__page_set_flag(&e.mem, pfn + (1ull << order) - 1, PTSIM_PG_dirty);
	assert_true(ptsim__page_test_flag(&e.mem, pfn + 1, PTSIM_PG_dirty));
	assert_clean(&e);
	assert_true(ptsim__folio_put(&e.mem, pfn));
	assert_u64_eq(e.mem.free_pages, free0);
	assert_clean(&e);
	env_fini(&e);
}

static void test_gigantic(void **state)
{
	(void)state;
	gigantic("x86_64-4l", 4 * GiB, 18, 24 * MiB);	  /* 1 GiB */
	gigantic("arm64-16k-47", 4 * GiB, 16, 24 * MiB);  /* 1 GiB */
	gigantic("arm64-64k-48", 32 * GiB, 18, 64 * MiB); /* 16 GiB */
	gigantic("arm64-64k-42", 2 * GiB, 14, 64 * MiB);  /* 1 GiB above max_order 13 */
}

static void test_check_compound(void **state)
{
	struct env e;
	uint64_t pfn;
	struct ptsim_frame *t, *p1, *h;

	(void)state;
	env_init(&e, "x86_64-4l", GiB, GiB);
	assert_int_equal(ptsim__folio_alloc(&e.mem, 5, &pfn), 0);
	assert_clean(&e);
	t = ptsim__pfn_to_frame_noinit(&e.mem, pfn + 7);
	t->head = ((pfn + 64) << 1) | 1;
	assert_only(&e, PTSIM_CHK_COMPOUND);
	t->head = 0;
	assert_only(&e, PTSIM_CHK_COMPOUND);
	t->head = (pfn << 1) | 1;
	assert_clean(&e);

	p1 = ptsim__pfn_to_frame_noinit(&e.mem, pfn + 1);
	p1->private_ = 7;
	assert_only(&e, PTSIM_CHK_COMPOUND);
	p1->private_ = 32;
	p1->flags = (p1->flags & ~0xffull) | 4; /* order no longer covers the tails */
	assert_only(&e, PTSIM_CHK_COMPOUND);
	p1->flags = (p1->flags & ~0xffull) | 5;
	assert_clean(&e);

	/* a lost folio */
	h = ptsim__pfn_to_frame_noinit(&e.mem, pfn);
	h->refcount = 0;
	assert_only(&e, PTSIM_CHK_FRAME_STATE);
	h->refcount = 1;
	assert_clean(&e);
	assert_true(ptsim__folio_put(&e.mem, pfn));
	assert_clean(&e);
	env_fini(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_folio_orders),   cmocka_unit_test(test_flag_policies),
		cmocka_unit_test(test_zero_page),      cmocka_unit_test(test_gigantic),
		cmocka_unit_test(test_check_compound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
