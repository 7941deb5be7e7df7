// SPDX-License-Identifier: MIT
/*
 * test_machine.c - configuration, machine lifecycle, errors, determinism.
 */
#define _GNU_SOURCE /* open_memstream */
#include <errno.h>
#include <stdlib.h>

#include "ptsim_test.h"

static void test_config(void **state)
{
	struct ptsim_config cfg, before;
	char err[128];

	(void)state;
	assert_int_equal(ptsim_config_init(&cfg, "no-such-arch"), -EINVAL);
	assert_int_equal(ptsim_config_init(&cfg, "arm64-16k-47"), 0);
	assert_string_equal(ptsim_arch_name(cfg.arch), "arm64-16k-47");
	assert_u64_eq(cfg.phys_bytes, 4ull << 30);
	assert_true(cfg.swp_migration_ad); /* arm64 carries migration A/D */
	assert_int_equal(
		ptsim_config_set(&cfg, "phys=8G,ncpus=2,seed=7,swp.hwpoison=off", err, sizeof(err)),
		0);
	assert_u64_eq(cfg.phys_bytes, 8ull << 30);
	assert_int_equal(cfg.ncpus, 2);
	assert_u64_eq(cfg.seed, 7);
	assert_false(cfg.swp_hwpoison);
	before = cfg;
	assert_int_equal(ptsim_config_set(&cfg, "phys=1G,bogus=1", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "bogus"));
	assert_memory_equal(&cfg, &before, sizeof(cfg)); /* unchanged on error */
	assert_int_equal(ptsim_config_set(&cfg, "phys=12Q", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "12Q"));
	assert_int_equal(ptsim_config_set(&cfg, "ncpus", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "key=value"));
	assert_int_equal(ptsim_config_set(&cfg, "arch=x86_64-5l", err, sizeof(err)), 0);
	assert_int_equal(ptsim_arch_kind(cfg.arch), PTSIM_ARCH_X86_64);
	assert_false(cfg.swp_migration_ad); /* x86 default: L1TF-capped offset */
	/* arch= applies first, so a later-listed or earlier-listed override both win. */
	assert_int_equal(
		ptsim_config_set(&cfg, "swp.migration_ad=1,arch=x86_64-4l", err, sizeof(err)), 0);
	assert_true(cfg.swp_migration_ad);
}

static void test_bad_machines(void **state)
{
	struct ptsim_config cfg;
	struct ptsim_machine *m = NULL;

	(void)state;
	assert_int_equal(ptsim_config_init(&cfg, "x86_64-4l"), 0);
	cfg.phys_bytes = (128ull << 20) + 4096; /* not a whole number of sections */
	assert_int_equal(ptsim_machine_create(&cfg, &m), -EINVAL);
	assert_null(m);
	cfg.phys_bytes = 0;
	assert_int_equal(ptsim_machine_create(&cfg, &m), -EINVAL);
	cfg.phys_bytes = 1ull << 30;
	cfg.phys_limit = 512ull << 20; /* below the memory itself */
	assert_int_equal(ptsim_machine_create(&cfg, &m), -EINVAL);
	cfg.phys_limit = 0;
	cfg.ncpus = 0;
	assert_int_equal(ptsim_machine_create(&cfg, &m), -EINVAL);
	assert_int_equal(ptsim_machine_create(NULL, &m), -EINVAL);
	/* The default hot-add limit stays inside the 46-bit physical space. */
	cfg.ncpus = 1;
	cfg.phys_bytes = 32ull << 40;
	assert_int_equal(ptsim_machine_create(&cfg, &m), 0);
	ptsim_machine_destroy(m);
	m = NULL;
	/* Destroying nothing is fine. */
	ptsim_machine_destroy(NULL);
	ptsim_mm_destroy(NULL);
}

/* @err says each of the NULL-terminated @words. */
static void says(const char *err, const char *const *words)
{
	for (; *words; words++)
		if (!strstr(err, *words))
			fail_msg("\"%s\" does not say \"%s\"", err, *words);
}

/* ptsim_machine_create_err() names the key, its value and the rule broken. */
static void test_create_reasons(void **state)
{
	static const struct {
		const char *opts;
		const char *words[4];
	} cases[] = {
		{"phys=100M", {"phys=0x6400000", "multiple of the section size 0x8000000", NULL}},
		{"phys_base=1M", {"phys_base=0x100000", "section size", NULL}},
		{"phys=1G,phys_limit=0x84000000", {"phys_limit=0x84000000", "section size", NULL}},
		{"phys=1G,phys_limit=512M",
		 {"phys_limit=0x20000000", "below the end of memory", "0x40000000", NULL}},
		{"phys=128T", {"phys=0x800000000000", "46-bit physical address space", NULL}},
		{"phys=1G,phys_limit=128T", {"phys_limit=0x800000000000", "46-bit", NULL}},
	};
	struct ptsim_config cfg;
	struct ptsim_machine *m = NULL;
	char err[320];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(ptsim_config_init(&cfg, "x86_64-4l"), 0);
		assert_int_equal(ptsim_config_set(&cfg, cases[i].opts, err, sizeof(err)), 0);
		err[0] = 0;
		assert_int_equal(ptsim_machine_create_err(&cfg, &m, err, sizeof(err)), -EINVAL);
		assert_null(m);
		says(err, cases[i].words);
		assert_int_equal(ptsim_machine_create(&cfg, &m), -EINVAL);
	}
	assert_int_equal(ptsim_config_init(&cfg, "x86_64-4l"), 0);
	cfg.phys_bytes = 0;
	assert_int_equal(ptsim_machine_create_err(&cfg, &m, err, sizeof(err)), -EINVAL);
	says(err, (const char *const[]){"phys=0", "needs memory", NULL});
	cfg.phys_bytes = 1ull << 30;
	cfg.ncpus = 5000; /* set directly: ptsim_config_set() refuses it already */
	assert_int_equal(ptsim_machine_create_err(&cfg, &m, err, sizeof(err)), -EINVAL);
	says(err, (const char *const[]){"ncpus=5000", "1..4096", NULL});
	cfg.ncpus = 1;
	cfg.thp_enabled = (enum ptsim_thp_enabled)7;
	assert_int_equal(ptsim_machine_create_err(&cfg, &m, err, sizeof(err)), -EINVAL);
	says(err, (const char *const[]){"thp.enabled=7", "always|madvise|never", NULL});
	cfg.thp_enabled = PTSIM_THP_MADVISE;
	cfg.arch = (const struct ptsim_arch *)(const void *)&cfg; /* not a configuration */
	assert_int_equal(ptsim_machine_create_err(&cfg, &m, err, sizeof(err)), -EINVAL);
	says(err, (const char *const[]){"arch", "ptsim_arch_lookup()", NULL});
	assert_int_equal(ptsim_machine_create_err(NULL, &m, err, sizeof(err)), -EINVAL);
	says(err, (const char *const[]){"NULL configuration", NULL});
	assert_int_equal(ptsim_config_init(&cfg, "arm64-4k-48"), 0);
	cfg.soft_dirty = true;
	assert_int_equal(ptsim_machine_create_err(&cfg, &m, err, sizeof(err)), -EINVAL);
	says(err, (const char *const[]){"soft_dirty=on", "arm64-4k-48", NULL});
	/* A good one leaves the buffer alone. */
	cfg.soft_dirty = false;
	strcpy(err, "untouched");
	assert_int_equal(ptsim_machine_create_err(&cfg, &m, err, sizeof(err)), 0);
	assert_string_equal(err, "untouched");
	ptsim_machine_destroy(m);
	/* The names there are: through the arch key, or ptsim_arch_at(). */
	assert_int_equal(ptsim_config_set(&cfg, "arch=vax", err, sizeof(err)), -EINVAL);
	for (unsigned int i = 0; ptsim_arch_at(i); i++)
		assert_non_null(strstr(err, ptsim_arch_name(ptsim_arch_at(i))));
	assert_int_equal(ptsim_config_set(NULL, "phys=1G", err, sizeof(err)), -EINVAL);
	says(err, (const char *const[]){"NULL configuration", NULL});
}

/* A terabyte of simulated memory costs host memory only where it is used. */
/* One size parser for configurations and scenarios: strict, with its errors. */
static void test_parse_size(void **state)
{
	static const struct {
		const char *text;
		int err;
		uint64_t val;
	} cases[] = {
		{"0", 0, 0},
		{"4096", 0, 4096},
		{"010", 0, 10}, /* no octal */
		{"0x1f", 0, 0x1f},
		{"0X1F", 0, 0x1f},
		{"4k", 0, 4096},
		{"2M", 0, 2ull << 20},
		{"3g", 0, 3ull << 30},
		{"1T", 0, 1ull << 40},
		{"0x10G", 0, 16ull << 30},
		{"18446744073709551615", 0, UINT64_MAX},
		{"18446744073709551616", -ERANGE, 0},
		{"0x10000000000000000", -ERANGE, 0},
		{"16777216T", -ERANGE, 0},
		{"16777215T", 0, 16777215ull << 40},
		{"", -EINVAL, 0},
		{"0x", -EINVAL, 0},
		{"-1", -EINVAL, 0},
		{"+1", -EINVAL, 0},
		{" 1", -EINVAL, 0},
		{"1 ", -EINVAL, 0},
		{"1KB", -EINVAL, 0},
		{"1P", -EINVAL, 0},
		{"1.5G", -EINVAL, 0},
	};
	const char *end;
	uint64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = 0xdeadull;
		if (ptsim_parse_size(cases[i].text, NULL, &v) != cases[i].err)
			fail_msg("\"%s\": %d, want %d", cases[i].text,
				 ptsim_parse_size(cases[i].text, NULL, &v), cases[i].err);
		assert_u64_eq(v, cases[i].err ? 0xdeadull : cases[i].val);
	}
	/* With @end the caller decides what may follow. */
	assert_int_equal(ptsim_parse_size("2M+4k", &end, &v), 0);
	assert_u64_eq(v, 2ull << 20);
	assert_string_equal(end, "+4k");
	assert_int_equal(ptsim_parse_size("0x12zz", &end, &v), 0);
	assert_u64_eq(v, 0x12);
	assert_string_equal(end, "zz");
	assert_int_equal(ptsim_parse_size(NULL, &end, &v), -EINVAL);
	assert_int_equal(ptsim_parse_size("1", &end, NULL), -EINVAL);
	/* The configuration uses it: the same value, the same refusals. */
	{
		struct ptsim_config cfg;
		char err[256];

		assert_int_equal(ptsim_config_init(&cfg, "x86_64-4l"), 0);
		assert_int_equal(ptsim_config_set(&cfg, "phys=0x10G", err, sizeof(err)), 0);
		assert_u64_eq(cfg.phys_bytes, 16ull << 30);
		assert_int_equal(
			ptsim_config_set(&cfg, "seed=18446744073709551616", err, sizeof(err)),
			-EINVAL);
		assert_int_equal(ptsim_config_set(&cfg, "phys=-1G", err, sizeof(err)), -EINVAL);
		assert_int_equal(ptsim_config_set(&cfg, "phys=010", err, sizeof(err)), 0);
		assert_u64_eq(cfg.phys_bytes, 10);
	}
}

/*
 * fault.create_nth: every allocation point of machine creation fails in
 * turn with -ENOMEM, a message, no machine and nothing leaked (ASan and
 * valgrind see leaks); the first nth past creation gives a machine with
 * the injection disarmed.
 */
static void test_create_fault_injection(void **state)
{
	struct ptsim_config cfg;
	struct ptsim_machine *m;
	char err[320];
	uint64_t nth;
	int ret;

	assert_int_equal(ptsim_config_init(&cfg, (const char *)*state), 0);
	assert_int_equal(ptsim_config_set(&cfg, "phys=1G,ncpus=2", err, sizeof(err)), 0);
	for (nth = 1;; nth++) {
		assert_true(nth < 1000);
		cfg.fault_create_nth = nth;
		m = (struct ptsim_machine *)0x1;
		err[0] = 0;
		ret = ptsim_machine_create_err(&cfg, &m, err, sizeof(err));
		if (!ret)
			break;
		assert_int_equal(ret, -ENOMEM);
		assert_ptr_equal(m, (struct ptsim_machine *)0x1); /* untouched */
		if (!strstr(err, "injected"))
			fail_msg("nth %llu: \"%s\" does not say it was injected",
				 (unsigned long long)nth, err);
	}
	assert_true(nth > 3); /* the model allocates something at creation */
	/* Created: nothing was injected, and later allocations are not armed. */
	assert_u64_eq(ptsim_fault_injected(m), 0);
	{
		struct ptsim_mm *mm;
		struct ptsim_access_result res;
		uint64_t va;

		assert_int_equal(ptsim_mm_create(m, &mm), 0);
		assert_int_equal(ptsim_mmap(mm, 0, 1ull << 22, PTSIM_PROT_READ | PTSIM_PROT_WRITE,
					    PTSIM_MAP_PRIVATE | PTSIM_MAP_ANONYMOUS, NULL, 0, &va),
				 0);
		for (uint64_t off = 0; off < (1ull << 22); off += 4096)
			assert_int_equal(ptsim_access(mm, 0, va + off, PTSIM_ACCESS_WRITE, &res),
					 0);
		assert_u64_eq(ptsim_fault_injected(m), 0);
	}
	assert_machine_clean(m);
	ptsim_machine_destroy(m);
	/* The knob sets it too. */
	assert_int_equal(ptsim_config_set(&cfg, "fault.create_nth=1", err, sizeof(err)), 0);
	assert_u64_eq(cfg.fault_create_nth, 1);
	assert_int_equal(ptsim_machine_create(&cfg, &m), -ENOMEM);
}

static void test_terabyte(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_host_stats hs;
	struct ptsim_mem_stats ms;
	uint64_t f;

	ptsim_test_env_init(&t, *state, "phys=1T");
	ptsim_mem_stats(t.m, &ms);
	assert_u64_eq(ms.present_pages * t.psz, 1ull << 40);
	ptsim_host_stats(t.m, &hs);
	assert_true(hs.bytes_live < (16ull << 20));
	assert_int_equal(ptsim_alloc_pages(t.m, 0, &f), 0);
	assert_int_equal(ptsim_map(t.mm, 0x40000000, t.psz, f, t.psz,
				   ptsim_pgprot(t.a, PTSIM_PROT_READ, 0), 0),
			 0);
	assert_machine_clean(t.m);
	ptsim_host_stats(t.m, &hs);
	assert_true(hs.bytes_live < (64ull << 20));
	ptsim_test_env_fini(&t); /* destroy with the page still mapped: no leak */
}

static char *script(const char *arch, uint64_t *pfns)
{
	struct ptsim_test_env t;
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	ptsim_test_env_init(&t, arch, "seed=42");
	for (int i = 0; i < 8; i++) {
		assert_int_equal(ptsim_folio_alloc(t.m, (unsigned int)(i % 3), &pfns[i]), 0);
		assert_int_equal(ptsim_map(t.mm, 0x40000000 + (uint64_t)i * 64 * t.psz, t.psz,
					   pfns[i], t.psz,
					   ptsim_pgprot(t.a, PTSIM_PROT_READ | PTSIM_PROT_WRITE, 0),
					   0),
				 0);
	}
	f = open_memstream(&out, &len);
	assert_non_null(f);
	assert_true(ptsim_ptdump(t.mm, 0, 0, f) > 0);
	fclose(f);
	ptsim_test_env_fini(&t);
	return out;
}

/* Same inputs, same outputs: two machines side by side agree exactly. */
static void test_deterministic(void **state)
{
	uint64_t a[8], b[8];
	char *x = script(*state, a);
	char *y = script(*state, b);

	assert_string_equal(x, y);
	assert_memory_equal(a, b, sizeof(a));
	free(x);
	free(y);
}

static void test_errors(void **state)
{
	struct ptsim_test_env t;
	uint64_t f;

	(void)state;
	ptsim_test_env_init(&t, "x86_64-4l", NULL);
	assert_string_equal(ptsim_errmsg(t.m), "");
	assert_int_equal(ptsim_map(t.mm, 0x1001, 4096, 0, 4096, 0, 0), -EINVAL);
	assert_non_null(strstr(ptsim_errmsg(t.m), "0x1001"));
	assert_non_null(strstr(ptsim_strerror(-ENOMEM), "ENOMEM"));
	assert_non_null(strstr(ptsim_strerror(-EEXIST), "EEXIST"));
	assert_string_equal(ptsim_strerror(-12345), "unknown error");
	assert_non_null(strstr(ptsim_strerror(-ELOOP), "ELOOP"));
	assert_int_equal(ptsim_frame_get(t.m, 1ull << 40, &(struct ptsim_frame_info){0}), -ENXIO);
	assert_int_equal(ptsim_alloc_pages(t.m, 0, &f), 0);
	assert_int_equal(ptsim_free_pages(t.m, f, 0), 0);
	assert_int_equal(ptsim_free_pages(t.m, f, 0), -EINVAL); /* double free refused */
	assert_true(strlen(ptsim_errmsg(t.m)) > 0);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

/* Hot-add and hot-remove of sections through the public API. */
static void test_hotplug(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_mem_stats ms;
	uint64_t sec, f, top;

	ptsim_test_env_init(&t, *state, "phys=2G,phys_limit=8G");
	sec = 1ull << ptsim_arch_section_bits(t.a);
	top = 2ull << 30;
	assert_int_equal(ptsim_memory_add(t.m, top, sec), 0);
	assert_int_equal(ptsim_memory_add(t.m, top, sec), -EEXIST);
	assert_int_equal(ptsim_memory_add(t.m, top + 4096, sec), -EINVAL);
	assert_int_equal(ptsim_memory_add(t.m, 8ull << 30, sec), -EINVAL);
	assert_true(ptsim_pfn_valid(t.m, top / t.psz));
	ptsim_mem_stats(t.m, &ms);
	assert_u64_eq(ms.present_pages * t.psz, (2ull << 30) + sec);
	assert_machine_clean(t.m);
	assert_int_equal(ptsim_memory_remove(t.m, top, sec), 0);
	assert_false(ptsim_pfn_valid(t.m, top / t.psz));
	assert_int_equal(ptsim_memory_remove(t.m, top, sec), -ENOENT);
	/* A section holding an in-use frame (here: page tables) cannot go. */
	assert_int_equal(ptsim_alloc_pages(t.m, 0, &f), 0);
	assert_int_equal(ptsim_map(t.mm, 0x40000000, t.psz, f, t.psz,
				   ptsim_pgprot(t.a, PTSIM_PROT_READ, 0), 0),
			 0);
	assert_int_equal(ptsim_memory_remove(t.m, 0, sec), -EBUSY);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

/* With jemalloc built in, each machine allocates from an arena of its own. */
static void test_host_allocator(void **state)
{
	struct ptsim_config cfg;
	struct ptsim_machine *m1, *m2;
	struct ptsim_host_stats h1, h2;
	uint64_t f;

	(void)state;
	assert_int_equal(ptsim_config_init(&cfg, "x86_64-4l"), 0);
	assert_int_equal(ptsim_machine_create(&cfg, &m1), 0);
	assert_int_equal(ptsim_machine_create(&cfg, &m2), 0);
	ptsim_host_stats(m1, &h1);
	assert_int_equal(h1.jemalloc, PTSIM_TEST_JEMALLOC);
	/* Work on one machine shows in its stats only. */
	ptsim_host_stats(m2, &h2);
	assert_int_equal(ptsim_alloc_pages(m1, 0, &f), 0);
	{
		struct ptsim_host_stats a1, a2;

		ptsim_host_stats(m1, &a1);
		ptsim_host_stats(m2, &a2);
		assert_true(a1.bytes_live >= h1.bytes_live);
		assert_u64_eq(a2.bytes_live, h2.bytes_live);
	}
	ptsim_machine_destroy(m1);
	ptsim_machine_destroy(m2);
	/* jemalloc=0 in the config falls back to the tracked libc list. */
	assert_int_equal(ptsim_config_set(&cfg, "jemalloc=0", NULL, 0), 0);
	assert_int_equal(ptsim_machine_create(&cfg, &m1), 0);
	ptsim_host_stats(m1, &h1);
	assert_false(h1.jemalloc);
	ptsim_machine_destroy(m1);
}

/*
 * host.limit: the host itself runs out of memory (as under ulimit -v) while
 * the page cache of a big shared memfd grows.  Writes fail with -ENOMEM,
 * never abort; the failed access changes nothing; everything is given back.
 */
static void test_host_limit(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_file *f;
	struct ptsim_access_result r;
	struct ptsim_host_stats hs;
	uint64_t va, size = 64ull << 30, pages = 0;
	int err = 0;

	(void)state;
	ptsim_test_env_init(&t, "x86_64-4l", "phys=64G,host.limit=24M");
	assert_int_equal(ptsim_memfd_create(t.m, size, &f), 0);
	assert_int_equal(ptsim_mmap(t.mm, 0, size, PTSIM_PROT_READ | PTSIM_PROT_WRITE,
				    PTSIM_MAP_SHARED, f, 0, &va),
			 0);
	while (!err) {
		struct ptsim_host_stats before, after;
		struct ptsim_mem_stats mb, ma;
		uint64_t cached = ptsim_file_nr_cached(f);

		ptsim_host_stats(t.m, &before);
		ptsim_mem_stats(t.m, &mb);
		err = ptsim_access(t.mm, 0, va + pages * t.psz, PTSIM_ACCESS_WRITE, &r);
		if (err) {
			/* Nothing changed: host memory, frames, the page cache. */
			assert_int_equal(err, -ENOMEM);
			assert_non_null(strstr(ptsim_errmsg(t.m), "out of memory"));
			ptsim_host_stats(t.m, &after);
			ptsim_mem_stats(t.m, &ma);
			assert_u64_eq(after.bytes_live, before.bytes_live);
			assert_u64_eq(after.nr_live, before.nr_live);
			assert_u64_eq(ma.free_pages, mb.free_pages);
			assert_u64_eq(ptsim_file_nr_cached(f), cached);
		} else {
			pages++;
		}
		assert_true(pages < size / t.psz);
	}
	assert_true(pages > 1000);
	ptsim_host_stats(t.m, &hs);
	assert_true(hs.bytes_live <= 24ull << 20);
	/* The checker needs scratch memory too: at the limit it says so. */
	assert_int_equal(ptsim_check(t.m, NULL), -ENOMEM);
	/* Raising the limit at run time lets the next write (and the checker) through. */
	assert_int_equal(ptsim_knob_set(t.m, "host.limit", "0"), 0);
	assert_machine_clean(t.m);
	assert_int_equal(ptsim_access(t.mm, 0, va + pages * t.psz, PTSIM_ACCESS_WRITE, &r), 0);
	assert_int_equal(ptsim_munmap(t.mm, va, size), 0);
	ptsim_file_close(f); /* the cache goes with the last reference */
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_bad_machines),
		cmocka_unit_test(test_create_reasons),
		PTSIM_ARCH_TESTS(test_terabyte),
		PTSIM_ARCH_TESTS(test_deterministic),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_host_allocator),
		PTSIM_ARCH_TESTS(test_hotplug),
		cmocka_unit_test(test_host_limit),
		cmocka_unit_test(test_parse_size),
		PTSIM_ARCH_TESTS(test_create_fault_injection),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
