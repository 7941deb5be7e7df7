// SPDX-License-Identifier: MIT
/*
 * test_knobs.c - the knob registry: parsing, printing, runtime changes, and
 * the knobs that change the model (soft_dirty, zero_page,
 * compat.mkdirty_sets_write).
 */
#include <errno.h>

#include "mm_helpers.h"

/* Every knob prints, and what it prints parses back to the same configuration. */
static void test_registry_roundtrip(void **state)
{
	const struct ptsim_knob_info *k;
	struct ptsim_config cfg, again;
	char val[64], opt[128], err[160];
	unsigned int n = 0;

	(void)state;
	assert_int_equal(ptsim_config_init(&cfg, "x86_64-4l"), 0);
	for (unsigned int i = 0; (k = ptsim_knob_at(i)); i++, n++) {
		assert_ptr_equal(ptsim_knob_lookup(k->name), k);
		for (unsigned int j = 0; j < i; j++)
			assert_string_not_equal(ptsim_knob_at(j)->name, k->name);
		assert_true(k->doc[0] && k->values[0] && k->def[0] && k->field[0]);
		assert_int_equal(ptsim_config_get(&cfg, k->name, val, sizeof(val)), 0);
		again = cfg;
		snprintf(opt, sizeof(opt), "%s=%s", k->name, val);
		assert_int_equal(ptsim_config_set(&again, opt, err, sizeof(err)), 0);
		assert_memory_equal(&again, &cfg, sizeof(cfg));
	}
	assert_true(n >= 21);
	assert_null(ptsim_knob_lookup("no.such.knob"));
	assert_int_equal(ptsim_config_get(&cfg, "no.such.knob", val, sizeof(val)), -EINVAL);
	/* Defaults, as the kernel's. */
	assert_int_equal(cfg.thp_enabled, PTSIM_THP_MADVISE);
	assert_int_equal(cfg.thp_defrag, PTSIM_THP_DEFRAG_MADVISE);
	assert_true(cfg.thp_use_zero_page && cfg.zero_page && cfg.soft_dirty);
	assert_int_equal(cfg.compat_thp_split_dirty, PTSIM_THP_SPLIT_DIRTY_CURRENT);
	assert_false(cfg.compat_mkdirty_sets_write);
	/* Enumerations by name; the arch resets its dependent defaults. */
	assert_int_equal(ptsim_config_set(&cfg,
					  "thp.enabled=always,thp.defrag=defer+madvise,"
					  "compat.thp_split_dirty=pre-6.1",
					  err, sizeof(err)),
			 0);
	assert_int_equal(cfg.thp_enabled, PTSIM_THP_ALWAYS);
	assert_int_equal(cfg.thp_defrag, PTSIM_THP_DEFRAG_DEFER_MADVISE);
	assert_int_equal(cfg.compat_thp_split_dirty, PTSIM_THP_SPLIT_DIRTY_PRE_6_1);
	assert_int_equal(ptsim_config_get(&cfg, "thp.defrag", val, sizeof(val)), 0);
	assert_string_equal(val, "defer+madvise");
	assert_int_equal(ptsim_config_set(&cfg, "arch=arm64-4k-48", err, sizeof(err)), 0);
	assert_false(cfg.soft_dirty);
	assert_true(cfg.swp_migration_ad);
}

/* Bad values: -EINVAL, a message naming the allowed values, the config unchanged. */
static void test_registry_errors(void **state)
{
	static const char *const bad[] = {
		"phys=-1G",
		"phys= 1G",
		"phys=0x",
		"phys=1Q",
		"phys=99999999999999999999",
		"phys=16777216T",
		"phys=1G ",
		"ncpus=0",
		"ncpus=4097",
		"thp.enabled=sometimes",
		"zero_page=maybe",
		"thp.enabled=",
		"compat.thp_split_dirty=6.1",
	};
	struct ptsim_config cfg, before;
	char err[160];

	(void)state;
	assert_int_equal(ptsim_config_init(&cfg, "x86_64-4l"), 0);
	before = cfg;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		if (ptsim_config_set(&cfg, bad[i], err, sizeof(err)) != -EINVAL)
			fail_msg("%s accepted", bad[i]);
		assert_non_null(strstr(err, "allowed"));
		assert_memory_equal(&cfg, &before, sizeof(cfg));
	}
	assert_int_equal(ptsim_config_set(&cfg, "thp.enabled=sometimes", err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "always|madvise|never"));
	/* arm64 has no soft-dirty bit: refused by the parser and by machine creation. */
	assert_int_equal(ptsim_config_init(&cfg, "arm64-4k-48"), 0);
	assert_int_equal(ptsim_config_set(&cfg, "soft_dirty=on", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "soft-dirty"));
	cfg.soft_dirty = true;
	{
		struct ptsim_machine *m = NULL;

		assert_int_equal(ptsim_machine_create(&cfg, &m), -EINVAL);
		assert_null(m);
	}
	/* Hexadecimal and suffixes. */
	assert_int_equal(ptsim_config_init(&cfg, "x86_64-4l"), 0);
	assert_int_equal(ptsim_config_set(&cfg, "phys=0x40000000,phys_base=1g", err, sizeof(err)),
			 0);
	assert_u64_eq(cfg.phys_bytes, 1ull << 30);
	assert_u64_eq(cfg.phys_base, 1ull << 30);
}

/* Runtime knobs on a live machine; creation knobs refused. */
static void test_runtime(void **state)
{
	struct ptsim_test_env t;
	char val[64];

	ptsim_test_env_init(&t, (const char *)*state, "phys=1G");
	assert_int_equal(ptsim_knob_set(t.m, "thp.enabled", "always"), 0);
	assert_int_equal(ptsim_knob_get(t.m, "thp.enabled", val, sizeof(val)), 0);
	assert_string_equal(val, "always");
	assert_int_equal(ptsim_machine_config(t.m)->thp_enabled, PTSIM_THP_ALWAYS);
	assert_int_equal(ptsim_knob_set(t.m, "phys", "1G"), -EBUSY);
	assert_non_null(strstr(ptsim_errmsg(t.m), "fixed at machine creation"));
	assert_int_equal(ptsim_knob_set(t.m, "colour", "blue"), -EINVAL);
	assert_non_null(strstr(ptsim_errmsg(t.m), "unknown knob"));
	assert_int_equal(ptsim_knob_set(t.m, "thp.enabled", "sometimes"), -EINVAL);
	assert_non_null(strstr(ptsim_errmsg(t.m), "always|madvise|never"));
	assert_int_equal(ptsim_knob_get(t.m, "thp.enabled", val, sizeof(val)), 0);
	assert_string_equal(val, "always");
	assert_int_equal(ptsim_knob_set(t.m, NULL, "x"), -EINVAL);
	assert_int_equal(ptsim_knob_set(NULL, "thp.enabled", "x"), -EINVAL);
	assert_int_equal(ptsim_knob_get(t.m, "nope", val, sizeof(val)), -EINVAL);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

/* soft_dirty=off on x86: no soft-dirty bit in entries, no VM_SOFTDIRTY, no pagemap bit 55. */
static void test_soft_dirty_off(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_vma_info vi;
	uint64_t va, word;

	(void)state;
	ptsim_test_env_init(&t, "x86_64-4l", "phys=256M,soft_dirty=off");
	assert_int_equal(ptsim_mmap(t.mm, 0, 2 * t.psz, RW, ANP, NULL, 0, &va), 0);
	assert_int_equal(ptsim_vma_info(t.mm, va, &vi), 0);
	assert_false(vi.flags & PTSIM_VM_SOFTDIRTY);
	mm_ok(t.mm, 0, va, W);
	assert_false(mm_pte(t.mm, va).attrs.soft_dirty);
	assert_false(mm_pte(t.mm, va).entry & (1ull << 11));
	assert_int_equal(ptsim_pagemap(t.mm, va, &word), 0);
	assert_false(word & PTSIM_PM_SOFT_DIRTY);
	/* pte_mksoft_dirty() is a no-op without CONFIG_MEM_SOFT_DIRTY. */
	assert_u64_eq(ptsim_ent_mksoft_dirty(ptsim_machine_arch(t.m), PTSIM_PTE, 0), 0);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);

	/* The default keeps today's behaviour: bit 11 set by the write, pagemap bit 55. */
	ptsim_test_env_init(&t, "x86_64-4l", "phys=1G");
	assert_int_equal(ptsim_mmap(t.mm, 0, 2 * t.psz, RW, ANP, NULL, 0, &va), 0);
	mm_ok(t.mm, 0, va, W);
	assert_true(mm_pte(t.mm, va).entry & (1ull << 11));
	assert_int_equal(ptsim_pagemap(t.mm, va, &word), 0);
	assert_true(word & PTSIM_PM_SOFT_DIRTY);
	ptsim_test_env_fini(&t);
}

/* zero_page=off: a read fault allocates a page of its own, mapped as do_anonymous_page() does. */
static void test_zero_page_off(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_mm_counters c;
	uint64_t va, pa;

	ptsim_test_env_init(&t, (const char *)*state, "phys=1G");
	assert_int_equal(ptsim_knob_set(t.m, "zero_page", "off"), 0);
	assert_int_equal(ptsim_mmap(t.mm, 0, 2 * t.psz, RW, ANP, NULL, 0, &va), 0);
	pa = mm_ok(t.mm, 0, va, R);
	assert_u64_eq(pa >> ptsim_arch_page_shift(t.a) << ptsim_arch_page_shift(t.a),
		      mm_pte(t.mm, va).pa & ~(t.psz - 1));
	assert_true(mm_pte(t.mm, va).pfn != ptsim_zero_pfn(t.m));
	ptsim_mm_counters(t.mm, &c);
	assert_u64_eq(c.zero_page, 0);
	assert_u64_eq(c.anon_fault, 1);
	assert_u64_eq(c.rss_anon, 1);
	/* A private writable VMA: writable and dirty at once, so the write needs no fault. */
	mm_ok(t.mm, 0, va, W);
	ptsim_mm_counters(t.mm, &c);
	assert_u64_eq(c.pgfault, 1);
	/* Back on: the next read of a new page maps the zero page. */
	assert_int_equal(ptsim_knob_set(t.m, "zero_page", "on"), 0);
	mm_ok(t.mm, 0, va + t.psz, R);
	assert_u64_eq(mm_pte(t.mm, va + t.psz).pfn, ptsim_zero_pfn(t.m));
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

/* compat.mkdirty_sets_write: the machine's pte_mkdirty() grants write (the sparc64 bug). */
static void test_mkdirty_sets_write(void **state)
{
	struct ptsim_test_env t;
	const struct ptsim_arch *a;
	ptsim_pte_t ro, d;

	ptsim_test_env_init(&t, (const char *)*state, "phys=1G");
	a = ptsim_machine_arch(t.m);
	ro.val = ptsim_mk_leaf(a, PTSIM_PTE, 0x1234, ptsim_pgprot(a, PTSIM_PROT_READ, 0));
	d = ptsim_pte_mkdirty(a, ro);
	assert_true(ptsim_pte_dirty(a, d));
	assert_false(ptsim_pte_write(a, d));
	assert_int_equal(ptsim_knob_set(t.m, "compat.mkdirty_sets_write", "on"), 0);
	d = ptsim_pte_mkdirty(a, ro);
	assert_true(ptsim_pte_dirty(a, d));
	assert_true(ptsim_pte_write(a, d));
	assert_int_equal(ptsim_knob_set(t.m, "compat.mkdirty_sets_write", "off"), 0);
	assert_false(ptsim_pte_write(a, ptsim_pte_mkdirty(a, ro)));
	/* The architecture's own description is untouched. */
	assert_false(
		ptsim_pte_write(ptsim_arch_lookup((const char *)*state),
				ptsim_pte_mkdirty(ptsim_arch_lookup((const char *)*state), ro)));
	ptsim_test_env_fini(&t);
}

/*
 * compat.x86_pmd_modify_drops_dirty: x86 pmd_modify() of a dirty writable
 * PMD to read-only.  On (v6.6 to v6.16): the D bit is masked out before the
 * shadow-stack shift, so nothing is left dirty.  Off (f7491d7c81db): D moves
 * to SAVED_DIRTY (bit 58) and the PMD stays dirty.  PTEs keep it either way.
 */
static void test_x86_pmd_modify(void **state)
{
	struct ptsim_test_env t;
	const struct ptsim_arch *a;
	uint64_t ro, pmd, pte;

	(void)state;
	ptsim_test_env_init(&t, "x86_64-4l", "phys=1G");
	a = ptsim_machine_arch(t.m);
	ro = ptsim_pgprot(a, PTSIM_PROT_READ, 0);
	/* P RW US A D PSE, PFN 0x200, NX. */
	pmd = 0x80000000002000e7ull;
	pte = 0x8000000000201067ull;
	assert_u64_eq(ptsim_ent_modify(a, PTSIM_PMD, pmd, ro), 0x80000000002000a5ull);
	assert_false(ptsim_ent_dirty(a, PTSIM_PMD, ptsim_ent_modify(a, PTSIM_PMD, pmd, ro)));
	assert_u64_eq(ptsim_ent_modify(a, PTSIM_PTE, pte, ro), 0x8400000000201025ull);
	assert_int_equal(ptsim_knob_set(t.m, "compat.x86_pmd_modify_drops_dirty", "off"), 0);
	assert_u64_eq(ptsim_ent_modify(a, PTSIM_PMD, pmd, ro), 0x84000000002000a5ull);
	assert_true(ptsim_ent_dirty(a, PTSIM_PMD, ptsim_ent_modify(a, PTSIM_PMD, pmd, ro)));
	assert_u64_eq(ptsim_ent_modify(a, PTSIM_PTE, pte, ro), 0x8400000000201025ull);
	ptsim_test_env_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry_roundtrip),
		cmocka_unit_test(test_registry_errors),
		PTSIM_ARCH_TESTS(test_runtime),
		cmocka_unit_test(test_soft_dirty_off),
		PTSIM_ARCH_TESTS(test_zero_page_off),
		PTSIM_ARCH_TESTS(test_mkdirty_sets_write),
		cmocka_unit_test(test_x86_pmd_modify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
