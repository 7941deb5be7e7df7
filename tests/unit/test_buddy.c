// SPDX-License-Identifier: MIT
/*
 * test_buddy.c - the buddy allocator, contiguous ranges and the mem checker,
 * through the internal API.
 */
#include "ptsim_test.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mem/internal.h"
#include "ptsim/check.h"

#include "mem_env.h"

static void test_alloc_free_every_order(void **state)
{
	(void)state;
	for (const char *const *n = arches; *n; n++) {
		struct env e;
		uint64_t base_free, bytes, nlive, nr_free[PTSIM_MAX_ORDER_LIMIT];

		env_init(&e, *n, 1 * GiB, 4 * GiB);
		assert_clean(&e);
		/* warm up: the first max-order allocation may initialise a section */
		{
			uint64_t p;

			assert_int_equal(ptsim__alloc_pages(&e.mem, e.a->max_order, &p), 0);
			ptsim__free_pages(&e.mem, p, e.a->max_order);
		}
		base_free = e.mem.free_pages;
		bytes = e.h.bytes_live;
		nlive = e.h.nr_live;
		for (unsigned int o = 0; o <= e.a->max_order; o++)
			nr_free[o] = e.mem.free_area[o].nr_free;
		for (unsigned int o = 0; o <= e.a->max_order; o++) {
			uint64_t pfn;

			assert_int_equal(ptsim__alloc_pages(&e.mem, o, &pfn), 0);
			assert_u64_eq(pfn & ((1ull << o) - 1), 0);
			assert_u64_eq(e.mem.free_pages, base_free - (1ull << o));
			for (uint64_t i = 0; i < (1ull << o); i++) {
				struct ptsim_frame *f = ptsim__pfn_to_frame_noinit(&e.mem, pfn + i);

				assert_non_null(f);
				assert_int_equal(f->refcount, 1);
				assert_int_equal(f->mapcount, -1);
				assert_u64_eq(f->flags, 0);
				assert_u64_eq(f->head, 0);
				assert_false(ptsim__pfn_free(&e.mem, pfn + i));
			}
			assert_clean(&e);
			ptsim__free_pages(&e.mem, pfn, o);
			assert_u64_eq(e.mem.free_pages, base_free);
			assert_true(ptsim__pfn_free(&e.mem, pfn));
			for (unsigned int k = 0; k <= e.a->max_order; k++)
				assert_u64_eq(e.mem.free_area[k].nr_free, nr_free[k]);
			assert_u64_eq(e.h.bytes_live, bytes);
			assert_u64_eq(e.h.nr_live, nlive);
			assert_clean(&e);
		}
		env_fini(&e);
	}
}

static void test_split_merge_many(void **state)
{
	(void)state;
	for (const char *const *n = arches; *n; n++) {
		struct env e;
		uint64_t pfns[64], base_free;
		unsigned int orders[64];

		env_init(&e, *n, 1 * GiB, 1 * GiB);
		base_free = e.mem.free_pages;
		for (int i = 0; i < 64; i++) {
			orders[i] = (unsigned int)(i * 7) % (e.a->max_order + 1);
			assert_int_equal(ptsim__alloc_pages(&e.mem, orders[i], &pfns[i]), 0);
		}
		assert_clean(&e);
		/* free in a scrambled order */
		for (int i = 0; i < 64; i++) {
			int j = (i * 37) % 64;

			ptsim__free_pages(&e.mem, pfns[j], orders[j]);
			if (i % 8 == 0)
				assert_clean(&e);
		}
		assert_u64_eq(e.mem.free_pages, base_free);
		assert_clean(&e);
		env_fini(&e);
	}
}

static void test_lowest_first(void **state)
{
	(void)state;
	for (const char *const *n = arches; *n; n++) {
		struct env e;
		uint64_t a, b, c, d;

		env_init(&e, *n, 1 * GiB, 1 * GiB);
		assert_u64_eq(e.mem.zero_pfn, 0);
		assert_int_equal(ptsim__alloc_pages(&e.mem, 0, &a), 0);
		assert_int_equal(ptsim__alloc_pages(&e.mem, 0, &b), 0);
		assert_u64_eq(a, 1);
		assert_u64_eq(b, 2);
		assert_int_equal(ptsim__alloc_pages(&e.mem, 2, &c), 0);
		assert_u64_eq(c, 4);
		ptsim__free_pages(&e.mem, a, 0);
		assert_int_equal(ptsim__alloc_pages(&e.mem, 0, &d), 0);
		assert_u64_eq(d, 1);
		ptsim__free_pages(&e.mem, b, 0);
		ptsim__free_pages(&e.mem, c, 2);
		ptsim__free_pages(&e.mem, d, 0);
		assert_clean(&e);
		env_fini(&e);
	}
}

static void test_out_of_memory(void **state)
{
	(void)state;
	for (const char *const *n = arches; *n; n++) {
		struct env e;
		const struct ptsim_arch *a = ptsim_arch_lookup(*n);
		uint64_t sec = 1ull << a->section_bits, spp, got = 0, pfn;

		env_init(&e, *n, sec, sec);
		spp = ptsim__section_pages(&e.mem);
		assert_u64_eq(e.mem.free_pages, spp - 1);
		while (ptsim__alloc_pages(&e.mem, a->max_order, &pfn) == 0)
			got++;
		assert_u64_eq(got, (spp >> a->max_order) - 1);
		while (ptsim__alloc_pages(&e.mem, 0, &pfn) == 0)
			got++;
		assert_u64_eq(e.mem.free_pages, 0);
		assert_int_equal(ptsim__alloc_pages(&e.mem, 0, &pfn), -ENOMEM);
		assert_int_equal(ptsim__alloc_pages(&e.mem, a->max_order + 1, &pfn), -EINVAL);
		assert_clean(&e);
		env_fini(&e);
	}
}

/* Every allocation point of an allocation that must initialise a section. */
static void test_fault_injection(void **state)
{
	(void)state;
	for (const char *const *n = arches; *n; n++) {
		struct env e;
		const struct ptsim_arch *a = ptsim_arch_lookup(*n);
		uint64_t pfn, free0, bytes, nlive, k;

		env_init(&e, *n, 2ull << a->section_bits, 2ull << a->section_bits);
		/* exhaust the first (initialised) section */
		while (e.mem.free_pages > ptsim__section_pages(&e.mem))
			assert_int_equal(ptsim__alloc_pages(&e.mem, 0, &pfn), 0);
		free0 = e.mem.free_pages;
		bytes = e.h.bytes_live;
		nlive = e.h.nr_live;
		for (k = 1;; k++) {
			int err;

			e.h.fail_nth = k;
			e.h.fault_calls = 0;
			err = ptsim__alloc_pages(&e.mem, 0, &pfn);
			e.h.fail_nth = 0;
			if (!err)
				break;
			assert_int_equal(err, -ENOMEM);
			assert_u64_eq(e.mem.free_pages, free0);
			assert_u64_eq(e.h.bytes_live, bytes);
			assert_u64_eq(e.h.nr_live, nlive);
			assert_u64_eq(e.mem.nr_sections_initialised, 1);
			assert_clean(&e);
		}
		assert_u64_eq(k, 3); /* frame allocation point + frame array */
		assert_u64_eq(e.mem.nr_sections_initialised, 2);
		assert_clean(&e);
		env_fini(&e);
	}
}

static void test_contig(void **state)
{
	struct env e;
	uint64_t pfn, free0, bytes, k;

	(void)state;
	/* x86: 1 GiB = order 18 = 8 sections; the first GiB holds the zero page. */
	env_init(&e, "x86_64-4l", 4 * GiB, 4 * GiB);
	free0 = e.mem.free_pages;
	bytes = e.h.bytes_live;
	assert_int_equal(ptsim__alloc_contig(&e.mem, 10, &pfn), -EINVAL);
	for (k = 1;; k++) {
		int err;

		e.h.fail_nth = k;
		e.h.fault_calls = 0;
		err = ptsim__alloc_contig(&e.mem, 18, &pfn);
		e.h.fail_nth = 0;
		if (!err)
			break;
		assert_int_equal(err, -ENOMEM);
		assert_u64_eq(e.mem.free_pages, free0);
		assert_u64_eq(e.h.bytes_live, bytes);
		assert_u64_eq(e.mem.nr_sections_initialised, 1);
		assert_clean(&e);
	}
	assert_u64_eq(k, 10); /* one frame point + 8 frame arrays, the 10th succeeds */
	assert_u64_eq(pfn, GiB >> 12);
	assert_u64_eq(e.mem.free_pages, free0 - (1ull << 18));
	assert_clean(&e);
	ptsim__free_contig(&e.mem, pfn, 18);
	assert_u64_eq(e.mem.free_pages, free0);
	assert_clean(&e);
	/* the freed range is found again, and takes blocks off the lists this time */
	assert_int_equal(ptsim__alloc_contig(&e.mem, 18, &pfn), 0);
	assert_u64_eq(pfn, GiB >> 12);
	assert_clean(&e);
	{
		uint64_t p2, p3;

		assert_int_equal(ptsim__alloc_contig(&e.mem, 18, &p2), 0);
		assert_int_equal(ptsim__alloc_contig(&e.mem, 18, &p3), 0);
		assert_int_equal(ptsim__alloc_contig(&e.mem, 18, &k), -ENOMEM);
		ptsim__free_contig(&e.mem, p2, 18);
		ptsim__free_contig(&e.mem, p3, 18);
	}
	ptsim__free_contig(&e.mem, pfn, 18);
	assert_u64_eq(e.mem.free_pages, free0);
	assert_clean(&e);
	env_fini(&e);

	/* 16K: order 12 (64 MiB) is above max_order 11 but below a section. */
	env_init(&e, "arm64-16k-47", 1 * GiB, 1 * GiB);
	free0 = e.mem.free_pages;
	assert_int_equal(ptsim__alloc_contig(&e.mem, 12, &pfn), 0);
	assert_u64_eq(pfn, 1ull << 12); /* the first 64 MiB hold the zero page */
	assert_clean(&e);
	{
		uint64_t p2;

		assert_int_equal(ptsim__alloc_contig(&e.mem, 12, &p2), 0);
		assert_u64_eq(p2, 2ull << 12); /* second section, pristine before */
		assert_u64_eq(e.mem.nr_sections_initialised, 2);
		assert_clean(&e);
		ptsim__free_contig(&e.mem, p2, 12);
	}
	ptsim__free_contig(&e.mem, pfn, 12);
	assert_u64_eq(e.mem.free_pages, free0);
	assert_clean(&e);
	env_fini(&e);
}

static void test_check_corruption(void **state)
{
	struct env e;
	uint64_t pfn;
	struct ptsim_frame *f;

	(void)state;
	env_init(&e, "x86_64-4l", 1 * GiB, 1 * GiB);
	assert_int_equal(ptsim__alloc_pages(&e.mem, 3, &pfn), 0);
	assert_clean(&e);

	e.mem.free_pages++;
	assert_only(&e, PTSIM_CHK_FREE_COUNT);
	e.mem.free_pages--;

	e.mem.free_area[2].nr_free++;
	assert_only(&e, PTSIM_CHK_FREE_COUNT);
	e.mem.free_area[2].nr_free--;

	ptsim__section(&e.mem, 0)->nr_free--;
	assert_only(&e, PTSIM_CHK_FREE_COUNT);
	ptsim__section(&e.mem, 0)->nr_free++;
	assert_clean(&e);

	/* a free block head loses its type */
	f = ptsim__pfn_to_frame_noinit(&e.mem, 16);
	assert_int_equal(ptsim__frame_type(f), PTSIM_PGTY_buddy);
	ptsim__frame_clear_type(f);
	assert_only(&e, PTSIM_CHK_BUDDY);
	ptsim__frame_set_type(f, PTSIM_PGTY_buddy);
	assert_clean(&e);

	/* wrong order recorded in a free block */
	f->private_ = 3;
	assert_only(&e, PTSIM_CHK_BUDDY);
	f->private_ = 4;
	assert_clean(&e);

	/* a lost frame: in use, nobody holds a reference */
	f = ptsim__pfn_to_frame_noinit(&e.mem, pfn + 1);
	f->refcount = 0;
	assert_only(&e, PTSIM_CHK_FRAME_STATE);
	f->refcount = 1;

	/* a page of a free block that looks in use */
	f = ptsim__pfn_to_frame_noinit(&e.mem, 17);
	f->refcount = 1;
	assert_only(&e, PTSIM_CHK_FRAME_STATE);
	f->refcount = 0;
	assert_clean(&e);

	/* a table page with refcount 0 is owned */
	f = ptsim__pfn_to_frame_noinit(&e.mem, pfn + 2);
	ptsim__frame_set_type(f, PTSIM_PGTY_table);
	f->refcount = 0;
	assert_clean(&e);
	ptsim__frame_clear_type(f);
	f->refcount = 1;

	ptsim__free_pages(&e.mem, pfn, 3);
	assert_clean(&e);
	env_fini(&e);
}

/*
 * The free lists' index, corrupted one tier at a time: each disagreement is
 * a BUDDY finding and nothing else (the counters still agree).
 */
static void test_check_corruption_index(void **state)
{
	struct env e;
	uint64_t pfn, *w;
	struct ptsim_section *sec;

	(void)state;
	env_init(&e, "x86_64-4l", 1 * GiB, 1 * GiB);
	assert_int_equal(ptsim__alloc_pages(&e.mem, 3, &pfn), 0);
	assert_u64_eq(pfn, 8);
	assert_clean(&e);
	/* The only order-4 block is at 16: bit 1 of word 0 of its section's order-4 words. */
	sec = ptsim__section(&e.mem, 0);
	assert_true(ptsim__buddy_listed(&e.mem, 16, 4));
	assert_u64_eq(e.mem.free_area[4].nr_free, 1);

	/* a section's summary word says its order-4 words are empty */
	w = ptsim__section_bitmap(&e.mem, sec) + e.mem.bm_sum[4];
	assert_u64_eq(*w, 1);
	*w = 0;
	assert_only(&e, PTSIM_CHK_BUDDY);
	*w = 1;
	assert_clean(&e);

	/* the directory tier forgets the section */
	w = ptsim__root_bitmap(&e.mem, 0, 4);
	assert_u64_eq(w[0], 1);
	assert_u64_eq(w[1], 1);
	w[1] = 0;
	assert_only(&e, PTSIM_CHK_BUDDY);
	w[1] = 1;
	assert_clean(&e);

	/* the top tier forgets the directory block */
	w = e.mem.top + 4 * e.mem.top_words;
	assert_u64_eq(*w, 1);
	*w = 0;
	assert_only(&e, PTSIM_CHK_BUDDY);
	*w = 1;
	assert_clean(&e);

	/* a free block dropped from its list, with the list's count kept right */
	ptsim__buddy_list_del(&e.mem, 16, 4);
	assert_only(&e, PTSIM_CHK_BUDDY);
	ptsim__buddy_list_add(&e.mem, 16, 4);
	assert_clean(&e);

	/* a list's bit moved to a block of the wrong order */
	ptsim__buddy_list_del(&e.mem, 16, 4);
	ptsim__buddy_list_add(&e.mem, 16, 3);
	assert_only(&e, PTSIM_CHK_BUDDY);
	ptsim__buddy_list_del(&e.mem, 16, 3);
	ptsim__buddy_list_add(&e.mem, 16, 4);
	assert_clean(&e);

	ptsim__free_pages(&e.mem, pfn, 3);
	assert_clean(&e);
	env_fini(&e);
}

/*
 * The allocator against a model of the sorted free lists it replaced: the
 * smallest order with a free block, its lowest block; the lowest pristine
 * section when none is large enough; eager merging.  Random allocations
 * and frees over several sections must return the model's PFNs exactly.
 */
struct model {
	uint64_t *list[PTSIM_MAX_ORDER_LIMIT]; /* sorted PFNs of the free blocks */
	uint64_t len[PTSIM_MAX_ORDER_LIMIT];
	uint64_t cap;
	uint64_t next_pristine, nr_sections, spp;
	unsigned int max;
};

static void model_add(struct model *m, unsigned int o, uint64_t pfn)
{
	uint64_t i = m->len[o];

	assert_true(i < m->cap);
	while (i && m->list[o][i - 1] > pfn) {
		m->list[o][i] = m->list[o][i - 1];
		i--;
	}
	m->list[o][i] = pfn;
	m->len[o]++;
}

static bool model_del(struct model *m, unsigned int o, uint64_t pfn)
{
	for (uint64_t i = 0; i < m->len[o]; i++) {
		if (m->list[o][i] != pfn)
			continue;
		memmove(&m->list[o][i], &m->list[o][i + 1], (m->len[o] - i - 1) * sizeof(pfn));
		m->len[o]--;
		return true;
	}
	return false;
}

static bool model_alloc(struct model *m, unsigned int order, uint64_t *pfn)
{
	unsigned int o;
	uint64_t p;

	for (o = order; o <= m->max && !m->len[o]; o++)
		;
	if (o > m->max) {
		if (m->next_pristine >= m->nr_sections)
			return false;
		for (uint64_t i = 0; i < m->spp; i += 1ull << m->max)
			model_add(m, m->max, m->next_pristine * m->spp + i);
		m->next_pristine++;
		o = m->max;
	}
	p = m->list[o][0];
	model_del(m, o, p);
	while (o > order) {
		o--;
		model_add(m, o, p + (1ull << o));
	}
	*pfn = p;
	return true;
}

static void model_free(struct model *m, uint64_t pfn, unsigned int o)
{
	while (o < m->max && model_del(m, o, pfn ^ (1ull << o))) {
		pfn &= ~(1ull << o);
		o++;
	}
	model_add(m, o, pfn);
}

static void test_lowest_first_model(void **state)
{
	(void)state;
	for (const char *const *n = arches; *n; n++) {
		const struct ptsim_arch *a = ptsim_arch_lookup(*n);
		uint64_t sec = 1ull << a->section_bits, rng = 0x9e3779b97f4a7c15ull, nheld = 0,
			 nomem = 0;
		struct model m = {.max = a->max_order, .nr_sections = 3};
		struct {
			uint64_t pfn;
			unsigned int order;
		} *held = calloc(4096, sizeof(*held));
		struct env e;

		assert_non_null(held);
		env_init(&e, *n, 3 * sec, 3 * sec);
		m.spp = ptsim__section_pages(&e.mem);
		m.cap = 3 * m.spp;
		for (unsigned int o = 0; o <= m.max; o++) {
			m.list[o] = calloc(m.cap, sizeof(uint64_t));
			assert_non_null(m.list[o]);
		}
		/* Section 0 was populated for the zero page. */
		assert_true(model_alloc(&m, 0, &held[0].pfn));
		assert_u64_eq(held[0].pfn, e.mem.zero_pfn);
		for (int step = 0; step < 20000; step++) {
			uint64_t r;

			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			r = rng;
			if (nheld < 4096 && (nheld == 0 || r % 8 < 6)) {
				/* Mostly small orders, now and then a large one. */
				unsigned int o = r % 3 ? (unsigned int)(r >> 8) % 3
						       : (unsigned int)(r >> 8) % (m.max + 1);
				uint64_t want, got;
				bool ok = model_alloc(&m, o, &want);
				int err = ptsim__alloc_pages(&e.mem, o, &got);

				assert_int_equal(err, ok ? 0 : -ENOMEM);
				if (!ok) {
					nomem++;
					continue;
				}
				assert_u64_eq(got, want);
				held[nheld].pfn = got;
				held[nheld++].order = o;
			} else {
				uint64_t i = (r >> 16) % nheld;

				ptsim__free_pages(&e.mem, held[i].pfn, held[i].order);
				model_free(&m, held[i].pfn, held[i].order);
				held[i] = held[--nheld];
			}
			for (unsigned int o = 0; o <= m.max; o++)
				assert_u64_eq(e.mem.free_area[o].nr_free, m.len[o]);
			if (step % 2500 == 0)
				assert_clean(&e);
		}
		/* Every section was used, and memory ran out now and then. */
		assert_u64_eq(e.mem.nr_sections_initialised, 3);
		assert_true(nomem > 0);
		while (nheld) {
			nheld--;
			ptsim__free_pages(&e.mem, held[nheld].pfn, held[nheld].order);
		}
		assert_clean(&e);
		for (unsigned int o = 0; o <= m.max; o++)
			free(m.list[o]);
		free(held);
		env_fini(&e);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_free_every_order),
		cmocka_unit_test(test_split_merge_many),
		cmocka_unit_test(test_lowest_first),
		cmocka_unit_test(test_out_of_memory),
		cmocka_unit_test(test_fault_injection),
		cmocka_unit_test(test_contig),
		cmocka_unit_test(test_check_corruption),
		cmocka_unit_test(test_check_corruption_index),
		cmocka_unit_test(test_lowest_first_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
