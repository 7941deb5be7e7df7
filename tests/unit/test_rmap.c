// SPDX-License-Identifier: MIT
/*
 * test_rmap.c - the reverse map: rmap_walk() over anonymous and file
 * folios in several address spaces, try_to_unmap(), folio_mkclean(),
 * folio_referenced(), and the counts they keep.
 */
#include <errno.h>

#include "mm_helpers.h"

struct hits {
	unsigned int n;
	struct ptsim_mm *mm[8];
	uint64_t addr[8];
	enum ptsim_level level[8];
};

static int record(const struct ptsim_rmap_hit *h, void *arg)
{
	struct hits *hs = arg;

	if (hs->n < 8) {
		hs->mm[hs->n] = h->mm;
		hs->addr[hs->n] = h->addr;
		hs->level[hs->n] = h->level;
	}
	hs->n++;
	return 0;
}

static bool has(const struct hits *hs, struct ptsim_mm *mm, uint64_t addr)
{
	for (unsigned int i = 0; i < hs->n && i < 8; i++)
		if (hs->mm[i] == mm && hs->addr[i] == addr && hs->level[i] == PTSIM_PTE)
			return true;
	return false;
}

static void test_anon_rmap_after_fork(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_mm *child;
	struct hits hs = {0};
	uint64_t a, pfn, cpfn;

	ptsim_test_env_init(&t, *state, NULL);
	a = mm_map(t.mm, BASE, 4 * t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	mm_ok(t.mm, 0, a + t.psz, W);
	pfn = mm_pte(t.mm, a + t.psz).pfn;
	assert_int_equal(ptsim_rmap_walk(t.m, pfn, record, &hs), 1);
	assert_true(has(&hs, t.mm, a + t.psz));
	assert_int_equal(ptsim_fork(t.mm, &child), 0);
	assert_machine_clean(t.m);
	/* Both map it now, read-only, and it is no longer exclusive. */
	memset(&hs, 0, sizeof(hs));
	assert_int_equal(ptsim_rmap_walk(t.m, pfn, record, &hs), 2);
	assert_true(has(&hs, t.mm, a + t.psz) && has(&hs, child, a + t.psz));
	assert_int_equal(mm_frame(t.m, pfn).mapcount, 2);
	assert_int_equal(mm_frame(t.m, pfn).refcount, 2);
	assert_false(mm_frame(t.m, pfn).flags & (1ull << PTSIM_PG_anon_exclusive));
	assert_false(mm_pte(t.mm, a + t.psz).attrs.write);
	assert_false(mm_pte(child, a + t.psz).attrs.write);
	/* The child writes: copy-on-write; the parent keeps the original. */
	mm_ok(child, 1, a + t.psz, W);
	cpfn = mm_pte(child, a + t.psz).pfn;
	assert_true(cpfn != pfn);
	assert_int_equal(mm_frame(t.m, pfn).mapcount, 1);
	assert_int_equal(mm_frame(t.m, pfn).refcount, 1);
	memset(&hs, 0, sizeof(hs));
	assert_int_equal(ptsim_rmap_walk(t.m, cpfn, record, &hs), 1);
	assert_true(has(&hs, child, a + t.psz));
	/* The parent writes: the page is only its own now, reused in place. */
	mm_ok(t.mm, 0, a + t.psz, W);
	assert_u64_eq(mm_pte(t.mm, a + t.psz).pfn, pfn);
	assert_u64_eq(mm_counters(t.mm).wp_reuse, 1);
	assert_true(mm_frame(t.m, pfn).flags & (1ull << PTSIM_PG_anon_exclusive));
	assert_machine_clean(t.m);
	/* try_to_unmap() of a page mapped twice (fork again first). */
	ptsim_mm_destroy(child);
	assert_int_equal(ptsim_fork(t.mm, &child), 0);
	assert_int_equal(ptsim_try_to_unmap(t.m, pfn), 2);
	assert_int_equal(ptsim_translate(t.mm, a + t.psz, &(struct ptsim_translation){0}), -ENOENT);
	assert_int_equal(ptsim_translate(child, a + t.psz, &(struct ptsim_translation){0}),
			 -ENOENT);
	assert_true(mm_frame(t.m, pfn).free);
	assert_u64_eq(mm_counters(t.mm).rss_anon, 0);
	assert_u64_eq(mm_nr_violations(t.m), 0);
	assert_machine_clean(t.m);
	/* It faults back in as a new page. */
	mm_ok(t.mm, 0, a + t.psz, R);
	ptsim_mm_destroy(child);
	assert_machine_clean(t.m);
	mm_finish(&t);
}

static void test_file_rmap_mkclean_referenced(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_file *f;
	struct ptsim_mm *child;
	struct hits hs = {0};
	uint64_t a, pfn;

	ptsim_test_env_init(&t, *state, NULL);
	assert_int_equal(ptsim_file_create(t.m, 4 * t.psz, &f), 0);
	a = mm_map(t.mm, 0, 4 * t.psz, RW, PTSIM_MAP_SHARED, f, 0);
	mm_ok(t.mm, 0, a, W);
	pfn = mm_pte(t.mm, a).pfn;
	/* fork() does not copy a shared file mapping: the child faults the page in. */
	assert_int_equal(ptsim_fork(t.mm, &child), 0);
	assert_int_equal(ptsim_translate(child, a, &(struct ptsim_translation){0}), -ENOENT);
	mm_ok(child, 1, a, W);
	assert_u64_eq(mm_pte(child, a).pfn, pfn);
	assert_int_equal(ptsim_rmap_walk(t.m, pfn, record, &hs), 2);
	assert_true(has(&hs, t.mm, a) && has(&hs, child, a));
	assert_int_equal(mm_frame(t.m, pfn).mapcount, 2);
	assert_int_equal(mm_frame(t.m, pfn).refcount, 3); /* two mappings and the cache */
	/* folio_mkclean(): both mappings were dirty and writable. */
	assert_int_equal(ptsim_folio_mkclean(t.m, pfn), 2);
	assert_false(mm_pte(t.mm, a).attrs.write || mm_pte(t.mm, a).attrs.dirty);
	assert_false(mm_pte(child, a).attrs.write);
	assert_int_equal(ptsim_folio_mkclean(t.m, pfn), 0);
	/* The next write faults again (write-notify) - not through a stale TLB entry. */
	assert_int_equal(mm_acc(t.mm, 0, a, W).nr_faults, 1);
	assert_true(mm_pte(t.mm, a).attrs.dirty);
	/* folio_referenced(): both young, then none. */
	assert_int_equal(ptsim_folio_referenced(t.m, pfn), 2);
	assert_int_equal(ptsim_folio_referenced(t.m, pfn), 0);
	assert_false(mm_pte(child, a).attrs.young);
	mm_ok(child, 1, a, R); /* the MMU sets it again (or the handler, without hw AF) */
	assert_true(mm_pte(child, a).attrs.young);
	assert_int_equal(ptsim_folio_referenced(t.m, pfn), 1);
	assert_u64_eq(mm_nr_violations(t.m), 0);
	assert_machine_clean(t.m);
	/* try_to_unmap() carries the dirty bit to the folio. */
	assert_int_equal(ptsim_try_to_unmap(t.m, pfn), 2);
	assert_int_equal(ptsim_page_test_flag(t.m, pfn, PTSIM_PG_dirty), 1);
	assert_int_equal(mm_frame(t.m, pfn).refcount, 1); /* the cache's */
	assert_machine_clean(t.m);
	ptsim_mm_destroy(child);
	ptsim_file_close(f);
	mm_finish(&t);
}

static void test_rmap_errors(void **state)
{
	struct ptsim_test_env t;
	uint64_t pfn;

	ptsim_test_env_init(&t, *state, NULL);
	assert_int_equal(ptsim_alloc_pages(t.m, 0, &pfn), 0);
	/* Not mapped anywhere: no mapping, nothing found. */
	assert_int_equal(ptsim_rmap_walk(t.m, pfn, record, &(struct hits){0}), 0);
	assert_int_equal(ptsim_free_pages(t.m, pfn, 0), 0);
	assert_int_equal(ptsim_rmap_walk(t.m, pfn, record, NULL), -EINVAL);
	assert_int_equal(ptsim_try_to_unmap(t.m, pfn), -EINVAL);
	assert_int_equal(ptsim_folio_mkclean(t.m, pfn), -EINVAL);
	assert_int_equal(ptsim_folio_referenced(t.m, pfn), -EINVAL);
	assert_string_not_equal(ptsim_errmsg(t.m), "");
	mm_finish(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PTSIM_ARCH_TESTS(test_anon_rmap_after_fork),
		PTSIM_ARCH_TESTS(test_file_rmap_mkclean_referenced),
		PTSIM_ARCH_TESTS(test_rmap_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
