// SPDX-License-Identifier: MIT
/*
 * test_section.c - sections, lazy frame arrays, PFN lookup, init validation,
 * hotplug and host-memory proportionality, through the internal API.
 */
#include "ptsim_test.h"

#include <errno.h>
#include <stdlib.h>

#include "mem/internal.h"
#include "ptsim/check.h"

#include "mem_env.h"

/* The top tier of the free lists, after the directory's pointers. */
static uint64_t top_bytes(const struct ptsim_mem *mem)
{
	return (mem->arch->max_order + 1) * mem->top_words * 8;
}

/* A directory block's tier of the free lists, after its section records. */
static uint64_t root_list_bytes(const struct ptsim_mem *mem)
{
	return (mem->arch->max_order + 1) * PTSIM_ROOT_BM_WORDS * 8;
}

static void test_init_validation(void **state)
{
	struct ptsim_host h;
	struct ptsim_mem mem;
	const struct ptsim_arch *x86 = ptsim_arch_lookup("x86_64-4l");
	const struct ptsim_arch *a64 = ptsim_arch_lookup("arm64-64k-42");
	uint64_t sec = 128 * MiB;

	(void)state;
	assert_int_equal(ptsim__host_init(&h, false), 0);
	assert_int_equal(ptsim__mem_init(&mem, &h, x86, 4096, sec, 4 * GiB), -EINVAL);
	assert_int_equal(ptsim__mem_init(&mem, &h, x86, 0, sec + 4096, 4 * GiB), -EINVAL);
	assert_int_equal(ptsim__mem_init(&mem, &h, x86, 0, sec, 4 * GiB + sec / 2), -EINVAL);
	assert_int_equal(ptsim__mem_init(&mem, &h, x86, 0, 0, 4 * GiB), -EINVAL);
	assert_int_equal(ptsim__mem_init(&mem, &h, x86, sec, 2 * sec, 2 * sec), -EINVAL);
	assert_int_equal(ptsim__mem_init(&mem, &h, x86, 0, sec, (1ull << 46) + sec), -EINVAL);
	/* 64K sections are 512 MiB */
	assert_int_equal(ptsim__mem_init(&mem, &h, a64, 0, sec, GiB), -EINVAL);
	assert_int_equal(ptsim__mem_init(&mem, &h, NULL, 0, sec, GiB), -EINVAL);
	assert_u64_eq(h.bytes_live, 0);
	assert_u64_eq(h.nr_live, 0);
	/* limit exactly 1 << pa_bits is fine */
	assert_int_equal(ptsim__mem_init(&mem, &h, x86, 0, sec, 1ull << 46), 0);
	ptsim__mem_fini(&mem);
	/* non-zero base */
	assert_int_equal(ptsim__mem_init(&mem, &h, x86, 4 * GiB, GiB, 8 * GiB), 0);
	assert_u64_eq(mem.zero_pfn, (4 * GiB) >> 12);
	assert_false(ptsim__pfn_present(&mem, 0));
	assert_true(ptsim__pfn_present(&mem, (5 * GiB >> 12) - 1));
	assert_false(ptsim__pfn_present(&mem, 5 * GiB >> 12));
	assert_false(ptsim__pfn_present(&mem, UINT64_MAX));
	assert_null(ptsim__pfn_to_frame(&mem, 0));
	ptsim__mem_fini(&mem);
	assert_u64_eq(h.bytes_live, 0);
	ptsim__host_fini(&h);
}

static void test_init_fault_injection(void **state)
{
	(void)state;
	for (const char *const *n = arches; *n; n++) {
		struct ptsim_host h;
		struct ptsim_mem mem;
		uint64_t k;

		assert_int_equal(ptsim__host_init(&h, false), 0);
		for (k = 1;; k++) {
			int err;

			h.fail_nth = k;
			h.fault_calls = 0;
			err = ptsim__mem_init(&mem, &h, ptsim_arch_lookup(*n), 0, GiB, 4 * GiB);
			h.fail_nth = 0;
			if (!err)
				break;
			assert_int_equal(err, -ENOMEM);
			assert_u64_eq(h.bytes_live, 0);
			assert_u64_eq(h.nr_live, 0);
		}
		/* directory, its block, zero-page frame, first frame array */
		assert_u64_eq(k, 5);
		ptsim__mem_fini(&mem);
		ptsim__host_fini(&h);
	}
}

static void test_lazy_frames(void **state)
{
	(void)state;
	for (const char *const *n = arches; *n; n++) {
		struct env e;
		uint64_t spp, bytes, pfn;
		struct ptsim_frame *f;
		struct ptsim_frame_info fi;

		env_init(&e, *n, 4 * GiB, 4 * GiB);
		spp = ptsim__section_pages(&e.mem);
		assert_u64_eq(e.mem.nr_sections_initialised, 1);
		assert_u64_eq(e.mem.free_pages, e.mem.present_pages - 1);
		pfn = 3 * spp + 5;
		assert_true(ptsim__pfn_present(&e.mem, pfn));
		assert_null(ptsim__pfn_to_frame_noinit(&e.mem, pfn));
		assert_true(ptsim__pfn_free(&e.mem, pfn));
		assert_int_equal(ptsim__frame_info(&e.mem, pfn, &fi), 0);
		assert_true(fi.free);
		assert_u64_eq(e.mem.nr_sections_initialised, 1);
		assert_clean(&e);
		bytes = e.h.bytes_live;
		f = ptsim__pfn_to_frame(&e.mem, pfn);
		assert_non_null(f);
		assert_ptr_equal(f, ptsim__pfn_to_frame_noinit(&e.mem, pfn));
		assert_ptr_equal(f + 1, ptsim__pfn_to_frame_noinit(&e.mem, pfn + 1));
		/* 64 bytes of frame record per base page, then the section's free lists */
		assert_u64_eq(e.h.bytes_live - bytes, ptsim__section_bytes(&e.mem));
		assert_true(ptsim__section_bytes(&e.mem) - spp * 64 <= spp / 4 + 64 * 8);
		assert_u64_eq(e.mem.nr_sections_initialised, 2);
		assert_true(ptsim__pfn_free(&e.mem, pfn));
		assert_int_equal(ptsim__frame_info(&e.mem, pfn, &fi), 0);
		assert_true(fi.free);
		assert_clean(&e);
		/* beyond the end */
		assert_int_equal(ptsim__frame_info(&e.mem, e.mem.present_pages, &fi), -ENXIO);
		env_fini(&e);
	}
}

/*
 * The section directory is sparse: 1 GiB present under the largest
 * phys_limit the architecture allows costs a pointer per block of 4096
 * sections, not a record per section; memory hot-added at the top of the
 * space gets its block then, and allocations find it.
 */
static void test_sparse_directory(void **state)
{
	(void)state;
	for (const char *const *n = arches; *n; n++) {
		const struct ptsim_arch *a = ptsim_arch_lookup(*n);
		uint64_t limit = 1ull << a->pa_bits, sec = 1ull << a->section_bits, before, pfn;
		struct env e;

		env_init(&e, *n, GiB > sec ? GiB : sec, limit);
		assert_u64_eq(e.mem.nr_sections, limit >> a->section_bits);
		/*
		 * The directory, one block of it, the zero page's section of
		 * frames, each with its tier of the free lists.
		 */
		assert_true(e.h.bytes_live <= e.mem.nr_roots * 8 + top_bytes(&e.mem) +
						      ptsim__root_bytes(&e.mem, 0) +
						      ptsim__section_bytes(&e.mem));
		assert_true(top_bytes(&e.mem) <= 14 * 256 * 1024 / 64);
		assert_true(e.mem.nr_roots * 8 <= 256 * 1024);
		before = e.h.bytes_live;
		/* The last section of the space: its block appears with it. */
		assert_int_equal(ptsim__memory_add(&e.mem, limit - sec, sec), 0);
		assert_true(e.h.bytes_live > before);
		assert_true(ptsim__pfn_present(&e.mem, (limit - 1) >> a->page_shift));
		assert_false(ptsim__pfn_present(&e.mem, (limit - 2 * sec) >> a->page_shift));
		assert_clean(&e);
		/* Exhaust the low memory in max-order blocks: then the top section serves. */
		for (uint64_t i = 0;; i++) {
			assert_true(i <= e.mem.present_pages >> a->max_order);
			assert_int_equal(ptsim__alloc_pages(&e.mem, a->max_order, &pfn), 0);
			if (pfn >= (limit - sec) >> a->page_shift)
				break;
		}
		assert_u64_eq(e.mem.nr_sections_initialised, e.mem.nr_sections_present);
		assert_clean(&e);
		env_fini(&e);
	}
}

/*
 * The operation bracket: sections a failed operation populated are made
 * pristine again once it gave its pages back; a successful one keeps them;
 * brackets nest and only the outermost end decides.
 */
static void test_op_rollback(void **state)
{
	(void)state;
	for (const char *const *n = arches; *n; n++) {
		const struct ptsim_arch *a = ptsim_arch_lookup(*n);
		uint64_t spp, blocks, pfns[80], bytes0, init0;
		struct env e;

		env_init(&e, *n, 8 * (1ull << a->section_bits), 8 * (1ull << a->section_bits));
		spp = ptsim__section_pages(&e.mem);
		blocks = 2 * (spp >> a->max_order) + 1; /* into a third section */
		assert_true(blocks <= 80);
		bytes0 = e.h.bytes_live;
		init0 = e.mem.nr_sections_initialised;
		for (int failed = 1; failed >= 0; failed--) {
			ptsim__mem_op_begin(&e.mem);
			ptsim__mem_op_begin(&e.mem); /* nested: the inner end decides nothing */
			for (uint64_t i = 0; i < blocks; i++)
				assert_int_equal(ptsim__alloc_pages(&e.mem, a->max_order, &pfns[i]),
						 0);
			ptsim__mem_op_end(&e.mem, true);
			assert_true(e.mem.nr_sections_initialised > init0);
			for (uint64_t i = 0; i < blocks; i++)
				ptsim__free_pages(&e.mem, pfns[i], a->max_order);
			ptsim__mem_op_end(&e.mem, failed);
			assert_clean(&e);
			if (failed) {
				assert_u64_eq(e.mem.nr_sections_initialised, init0);
				assert_u64_eq(e.h.bytes_live, bytes0);
			} else {
				assert_true(e.mem.nr_sections_initialised > init0);
			}
		}
		/* A section still in use is never depopulated. */
		ptsim__mem_op_begin(&e.mem);
		assert_int_equal(ptsim__alloc_pages(&e.mem, a->max_order, &pfns[0]), 0);
		ptsim__mem_op_end(&e.mem, true);
		assert_false(ptsim__pfn_free(&e.mem, pfns[0]));
		ptsim__free_pages(&e.mem, pfns[0], a->max_order);
		assert_clean(&e);
		env_fini(&e);
	}
}

static void test_terabyte(void **state)
{
	(void)state;
	for (const char *const *n = arches; *n; n++) {
		struct env e;
		uint64_t pfn, spp;

		env_init(&e, *n, 1ull << 40, 1ull << 40);
		spp = ptsim__section_pages(&e.mem);
		assert_u64_eq(e.mem.nr_sections, (1ull << 40) >> e.a->section_bits);
		assert_u64_eq(e.mem.present_pages, (1ull << 40) >> e.a->page_shift);
		assert_u64_eq(e.mem.free_pages, e.mem.present_pages - 1);
		/*
		 * 24 bytes per section, a pointer per directory block, one
		 * section of frames, and the tiers of the free lists.
		 */
		assert_true(e.h.bytes_live <=
			    e.mem.nr_sections * 24 +
				    e.mem.nr_roots * (8 + root_list_bytes(&e.mem)) +
				    top_bytes(&e.mem) + ptsim__section_bytes(&e.mem));
		assert_true(ptsim__section_bytes(&e.mem) - spp * 64 <= spp / 4 + 64 * 8);
		assert_true(e.h.bytes_live < 4 * MiB);
		/* the last page of the last section */
		pfn = e.mem.present_pages - 1;
		assert_non_null(ptsim__pfn_to_frame(&e.mem, pfn));
		assert_clean(&e);
		assert_int_equal(ptsim__memory_remove(&e.mem,
						      (1ull << 40) - (1ull << e.a->section_bits),
						      1ull << e.a->section_bits),
				 0);
		assert_clean(&e);
		env_fini(&e);
	}
}

static void test_hotplug(void **state)
{
	(void)state;
	for (const char *const *n = arches; *n; n++) {
		struct env e;
		const struct ptsim_arch *a = ptsim_arch_lookup(*n);
		uint64_t sec = 1ull << a->section_bits, spp, bytes, nlive, free0, pfn;
		uint64_t held[64];
		unsigned int nheld = 0;

		env_init(&e, *n, 2 * sec, 8 * sec);
		spp = ptsim__section_pages(&e.mem);
		free0 = e.mem.free_pages;
		bytes = e.h.bytes_live;
		nlive = e.h.nr_live;

		/* add: no host memory, pristine */
		assert_int_equal(ptsim__memory_add(&e.mem, 4 * sec, sec), 0);
		assert_u64_eq(e.mem.free_pages, free0 + spp);
		assert_u64_eq(e.mem.nr_sections_present, 3);
		assert_u64_eq(e.h.bytes_live, bytes);
		assert_u64_eq(e.h.nr_live, nlive);
		assert_true(ptsim__pfn_present(&e.mem, 4 * spp));
		assert_clean(&e);
		assert_int_equal(ptsim__memory_add(&e.mem, 4 * sec, sec), -EEXIST);
		assert_int_equal(ptsim__memory_add(&e.mem, 3 * sec, 2 * sec), -EEXIST);
		assert_false(ptsim__pfn_present(&e.mem, 3 * spp));
		assert_int_equal(ptsim__memory_add(&e.mem, 3 * sec + 4096, sec), -EINVAL);
		assert_int_equal(ptsim__memory_add(&e.mem, 3 * sec, 0), -EINVAL);
		assert_int_equal(ptsim__memory_add(&e.mem, 7 * sec, 2 * sec), -EINVAL);
		assert_int_equal(ptsim__memory_add(&e.mem, UINT64_MAX - sec + 1, sec), -EINVAL);

		/* remove a pristine section: allocates nothing, frees nothing */
		assert_int_equal(ptsim__memory_remove(&e.mem, 4 * sec, sec), 0);
		assert_u64_eq(e.mem.free_pages, free0);
		assert_u64_eq(e.h.bytes_live, bytes);
		assert_u64_eq(e.h.nr_live, nlive);
		assert_false(ptsim__pfn_present(&e.mem, 4 * spp));
		assert_clean(&e);
		assert_int_equal(ptsim__memory_remove(&e.mem, 4 * sec, sec), -ENOENT);
		assert_int_equal(ptsim__memory_remove(&e.mem, 1 * sec, 2 * sec), -ENOENT);
		assert_int_equal(ptsim__memory_remove(&e.mem, 0, sec / 2), -EINVAL);
		assert_int_equal(ptsim__memory_remove(&e.mem, 0, 16 * sec), -EINVAL);
		/* the zero page keeps section 0 busy */
		assert_int_equal(ptsim__memory_remove(&e.mem, 0, sec), -EBUSY);

		/* an initialised, wholly free section goes, with its frames */
		assert_non_null(ptsim__pfn_to_frame(&e.mem, spp));
		assert_u64_eq(e.h.bytes_live, bytes + ptsim__section_bytes(&e.mem));
		assert_clean(&e);
		assert_int_equal(ptsim__memory_remove(&e.mem, sec, sec), 0);
		assert_u64_eq(e.h.bytes_live, bytes);
		assert_u64_eq(e.h.nr_live, nlive);
		assert_u64_eq(e.mem.nr_sections_initialised, 1);
		assert_u64_eq(e.mem.free_pages, free0 - spp);
		assert_clean(&e);

		/* re-add, then put a frame of it in use: -EBUSY, nothing changes */
		assert_int_equal(ptsim__memory_add(&e.mem, sec, sec), 0);
		do {
			assert_true(nheld < 64);
			assert_int_equal(ptsim__alloc_pages(&e.mem, a->max_order, &pfn), 0);
			held[nheld++] = pfn;
		} while (pfn < spp);
		assert_clean(&e);
		free0 = e.mem.free_pages;
		assert_int_equal(ptsim__memory_remove(&e.mem, sec, sec), -EBUSY);
		assert_u64_eq(e.mem.free_pages, free0);
		assert_u64_eq(e.mem.nr_sections_present, 2);
		assert_clean(&e);
		/* removing a range of which one section is busy changes nothing */
		assert_int_equal(ptsim__memory_add(&e.mem, 2 * sec, sec), 0);
		assert_int_equal(ptsim__memory_remove(&e.mem, sec, 2 * sec), -EBUSY);
		assert_true(ptsim__pfn_present(&e.mem, 2 * spp));
		while (nheld)
			ptsim__free_pages(&e.mem, held[--nheld], a->max_order);
		assert_int_equal(ptsim__memory_remove(&e.mem, sec, 2 * sec), 0);
		assert_clean(&e);
		/* allocation never returns removed frames */
		assert_int_equal(ptsim__alloc_pages(&e.mem, a->max_order - 1, &pfn), 0);
		assert_true(pfn < spp);
		ptsim__free_pages(&e.mem, pfn, a->max_order - 1);
		assert_clean(&e);
		env_fini(&e);
	}
}

static void test_check_counters(void **state)
{
	struct env e;

	(void)state;
	env_init(&e, "arm64-16k-47", GiB, 2 * GiB);
	assert_clean(&e);
	ptsim__section(&e.mem, 3)->nr_free--; /* pristine section */
	assert_only(&e, PTSIM_CHK_FREE_COUNT);
	ptsim__section(&e.mem, 3)->nr_free++;
	e.mem.present_pages++;
	assert_only(&e, PTSIM_CHK_FREE_COUNT);
	e.mem.present_pages--;
	assert_clean(&e);
	env_fini(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_validation),
		cmocka_unit_test(test_init_fault_injection),
		cmocka_unit_test(test_lazy_frames),
		cmocka_unit_test(test_terabyte),
		cmocka_unit_test(test_sparse_directory),
		cmocka_unit_test(test_op_rollback),
		cmocka_unit_test(test_hotplug),
		cmocka_unit_test(test_check_counters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
