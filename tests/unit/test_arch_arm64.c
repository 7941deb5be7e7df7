// SPDX-License-Identifier: MIT
/*
 * test_arch_arm64.c - arm64 descriptor encodings: literal values from the
 * kernel's headers and the Arm ARM and law tests (DBM state
 * machine, swap round trips, pte_modify, pmd_mkinvalid) over all nine arm64
 * configurations at PTE and PMD level (and PUD on 4K granules).
 */
#include "ptsim_test.h"

#include "arch/internal.h"
#include "arch_helpers.h"

/* Bits named as in arch/arm64 (the tests restate them independently). */
#define T_VALID	  (1ull << 0)
#define T_TABLE	  (1ull << 1)
#define T_USER	  (1ull << 6)
#define T_RDONLY  (1ull << 7)
#define T_SHARED  (3ull << 8)
#define T_AF	  (1ull << 10)
#define T_NG	  (1ull << 11)
#define T_WRITE	  (1ull << 51)
#define T_CONT	  (1ull << 52)
#define T_PXN	  (1ull << 53)
#define T_UXN	  (1ull << 54)
#define T_DIRTY	  (1ull << 55)
#define T_SPECIAL (1ull << 56)
#define T_UFFD_WP (1ull << 58)

#define PAGE_SHARED_48 0x0068000000000fc3ull
#define PAGE_NONE_48   0x0060000000000f82ull

#define NR_ARM64 9

static const struct ptsim_arch *arm64_at(unsigned int i)
{
	unsigned int n = 0;

	for (unsigned int k = 0; ptsim_test_arch_names[k]; k++) {
		const struct ptsim_arch *a = ptsim_arch_lookup(ptsim_test_arch_names[k]);

		assert_non_null(a);
		if (ptsim_arch_kind(a) != PTSIM_ARCH_ARM64)
			continue;
		if (n++ == i)
			return a;
	}
	return NULL;
}

static const struct ptsim_arch *arch(const char *name)
{
	const struct ptsim_arch *a = ptsim_arch_lookup(name);

	assert_non_null(a);
	return a;
}

/* Levels a leaf is tested at: PTE, PMD, and PUD on the 4K granule. */
static unsigned int leaf_levels(const struct ptsim_arch *a, enum ptsim_level *lv)
{
	unsigned int n = 0;

	lv[n++] = PTSIM_PTE;
	lv[n++] = PTSIM_PMD;
	if (ptsim_arch_page_shift(a) == 12)
		lv[n++] = PTSIM_PUD;
	return n;
}

/* A block-aligned PFN; above 2^48 on the 52-bit PA configurations. */
static uint64_t test_pfn(const struct ptsim_arch *a)
{
	uint64_t pa = 3ull << 33;

	if (ptsim_arch_pa_bits(a) == 52)
		pa |= 0xaull << 48;
	return pa >> ptsim_arch_page_shift(a);
}

static void test_registry_has_nine_arm64(void **state)
{
	(void)state;
	assert_non_null(arm64_at(NR_ARM64 - 1));
	assert_null(arm64_at(NR_ARM64));
	assert_ptr_equal(arm64_at(0)->ops, &ptsim__arm64_ops);
}

static void test_pgprot_literals(void **state)
{
	const struct ptsim_arch *a = arch("arm64-4k-48");
	const unsigned int rw = PTSIM_PROT_READ | PTSIM_PROT_WRITE;

	(void)state;
	assert_u64_eq(ptsim_pgprot(a, rw, 0), PAGE_SHARED_48);
	assert_u64_eq(ptsim_pgprot(a, PTSIM_PROT_WRITE, 0), PAGE_SHARED_48);
	assert_u64_eq(ptsim_pgprot(a, PTSIM_PROT_NONE, 0), PAGE_NONE_48);
	assert_u64_eq(ptsim_pgprot(a, PTSIM_PROT_READ, 0), 0x0060000000000fc3ull);
	assert_u64_eq(ptsim_pgprot(a, rw | PTSIM_PROT_EXEC, 0), 0x0028000000000fc3ull);
	assert_u64_eq(ptsim_pgprot(a, PTSIM_PROT_READ | PTSIM_PROT_EXEC, 0), 0x0020000000000fc3ull);
	/* PAGE_EXECONLY: no USER bit. */
	assert_u64_eq(ptsim_pgprot(a, PTSIM_PROT_EXEC, 0), 0x0020000000000f83ull);
	/* Memory types land in AttrIndx (4:2). */
	assert_u64_eq(ptsim_pgprot(a, rw, PTSIM_PGPROT_MT(PTSIM_MT_DEVICE)), 0x0068000000000fd3ull);
	assert_u64_eq(ptsim_pgprot(a, rw, PTSIM_PGPROT_MT(PTSIM_MT_DEVICE_STRICT)),
		      0x0068000000000fcfull);
	assert_u64_eq(ptsim_pgprot(a, rw, PTSIM_PGPROT_MT(PTSIM_MT_NORMAL_NC)),
		      0x0068000000000fcbull);
	assert_u64_eq(ptsim_pgprot(a, rw, PTSIM_PGPROT_MT(PTSIM_MT_NORMAL_TAGGED)),
		      0x0068000000000fc7ull);
	/* PAGE_KERNEL, _RO, _ROX, _EXEC (PROT_NORMAL | PTE_DIRTY, global). */
	assert_u64_eq(ptsim_pgprot(a, rw, PTSIM_PGPROT_KERNEL), 0x00e8000000000703ull);
	assert_u64_eq(ptsim_pgprot(a, PTSIM_PROT_READ, PTSIM_PGPROT_KERNEL), 0x00e0000000000783ull);
	assert_u64_eq(ptsim_pgprot(a, PTSIM_PROT_READ | PTSIM_PROT_EXEC, PTSIM_PGPROT_KERNEL),
		      0x00c0000000000783ull);
	assert_u64_eq(ptsim_pgprot(a, rw | PTSIM_PROT_EXEC, PTSIM_PGPROT_KERNEL),
		      0x00c8000000000703ull);
	assert_u64_eq(ptsim_pgprot(a, PTSIM_PROT_NONE, PTSIM_PGPROT_KERNEL), 0);
}

/* LPA2 configurations have no SH field; the other seven have SH = 0b11. */
static void test_pgprot_shared_per_config(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < NR_ARM64; i++) {
		const struct ptsim_arch *a = arm64_at(i);
		bool lpa2 = a->pa_layout == PTSIM_PA_52_LPA2;
		uint64_t want = lpa2 ? PAGE_SHARED_48 & ~T_SHARED : PAGE_SHARED_48;

		assert_u64_eq(ptsim_pgprot(a, PTSIM_PROT_READ | PTSIM_PROT_WRITE, 0), want);
		want = lpa2 ? PAGE_NONE_48 & ~T_SHARED : PAGE_NONE_48;
		assert_u64_eq(ptsim_pgprot(a, PTSIM_PROT_NONE, 0), want);
	}
	assert_u64_eq(ptsim_pgprot(arch("arm64-4k-52"), PTSIM_PROT_READ | PTSIM_PROT_WRITE, 0),
		      0x0068000000000cc3ull);
}

static void test_user_page_literal(void **state)
{
	const struct ptsim_arch *a = arch("arm64-4k-48");
	uint64_t e = ptsim_mk_leaf(a, PTSIM_PTE, 0x12345, PAGE_SHARED_48);
	struct ptsim_attrs at;

	(void)state;
	assert_u64_eq(e, 0x0068000012345fc3ull);
	ptsim_ent_decode(a, PTSIM_PTE, e, &at);
	assert_true(at.valid && at.present && at.leaf && at.user && at.write && at.young);
	assert_false(at.table || at.swp || at.protnone || at.none);
	assert_false(at.hw_write || at.dirty || at.hw_dirty || at.exec || at.kexec || at.global);
	assert_false(at.special || at.uffd_wp || at.cont || at.soft_dirty);
	assert_u64_eq(at.pfn, 0x12345);
	assert_int_equal(at.memtype, 0);
	assert_u64_eq(ptsim_ent_pfn(a, PTSIM_PTE, e), 0x12345);

	/* A PAGE_NONE page is present, PROT_NONE and a leaf, but not valid. */
	e = ptsim_mk_leaf(a, PTSIM_PTE, 0x12345, PAGE_NONE_48);
	assert_u64_eq(e, 0x0060000012345f82ull);
	memset(&at, 0, sizeof(at));
	ptsim_ent_decode(a, PTSIM_PTE, e, &at);
	assert_true(at.present && at.protnone && at.leaf);
	assert_false(at.valid || at.swp || at.user || at.global);
	assert_u64_eq(at.pfn, 0x12345);
}

static void test_block_literals(void **state)
{
	const struct ptsim_arch *a = arch("arm64-4k-48");
	uint64_t pmd = ptsim_mk_leaf(a, PTSIM_PMD, 0x200, PAGE_SHARED_48);
	uint64_t pud = ptsim_mk_leaf(a, PTSIM_PUD, 0x40000, PAGE_SHARED_48);
	uint64_t none = ptsim_mk_leaf(a, PTSIM_PMD, 0x200, PAGE_NONE_48);

	(void)state;
	assert_u64_eq(pmd, 0x0068000000200fc1ull); /* type 0b01 */
	assert_true(ptsim_ent_leaf(a, PTSIM_PMD, pmd));
	assert_false(ptsim_ent_table(a, PTSIM_PMD, pmd));
	assert_u64_eq(ptsim_ent_pfn(a, PTSIM_PMD, pmd), 0x200);
	assert_u64_eq(pud, 0x0068000040000fc1ull);
	assert_true(ptsim_ent_leaf(a, PTSIM_PUD, pud));
	assert_u64_eq(ptsim_ent_pfn(a, PTSIM_PUD, pud), 0x40000);
	/* pmd_mkhuge() of PAGE_NONE clears bit 1 and keeps Valid clear. */
	assert_u64_eq(none, 0x0060000000200f80ull);
	assert_true(ptsim_ent_present(a, PTSIM_PMD, none));
	assert_true(ptsim_ent_protnone(a, PTSIM_PMD, none));
	assert_true(ptsim_ent_leaf(a, PTSIM_PMD, none));
	/* A 16K-granule 32M block. */
	a = arch("arm64-16k-47");
	assert_u64_eq(ptsim_mk_leaf(a, PTSIM_PMD, 0x800, PAGE_SHARED_48), 0x0068000002000fc1ull);
}

static void test_table_literals(void **state)
{
	const struct ptsim_arch *a = arch("arm64-4k-48");
	uint64_t user = ptsim_mk_table(a, PTSIM_PMD, 0x12345, false);
	uint64_t kern = ptsim_mk_table(a, PTSIM_PUD, 0x12345, true);
	struct ptsim_attrs at;

	(void)state;
	/* TYPE_TABLE | TABLE_AF | PXNTable (user) or UXNTable (kernel). */
	assert_u64_eq(user, 0x0800000012345403ull);
	assert_u64_eq(kern, 0x1000000012345403ull);
	assert_true(ptsim_ent_table(a, PTSIM_PMD, user));
	assert_false(ptsim_ent_leaf(a, PTSIM_PMD, user));
	assert_u64_eq(ptsim_ent_pfn(a, PTSIM_PMD, user), 0x12345);
	/* At level 3 type 0b11 is a page, never a table. */
	assert_false(ptsim_ent_table(a, PTSIM_PTE, 0x0068000012345fc3ull));
	memset(&at, 0, sizeof(at));
	ptsim_ent_decode(a, PTSIM_PMD, user, &at);
	assert_true(at.valid && at.present && at.table);
	assert_false(at.leaf || at.young || at.swp);
	assert_u64_eq(at.pfn, 0x12345);
	/* 64K, 52-bit PA: PA[51:48] in 15:12 for tables too. */
	a = arch("arm64-64k-52");
	assert_u64_eq(ptsim_mk_table(a, PTSIM_PMD, 0x000f123456780000ull >> 16, false),
		      0x080312345678f403ull);
}

static void test_pa52_64k_page(void **state)
{
	const struct ptsim_arch *a = arch("arm64-64k-52");
	const uint64_t pa = 0x000f123456780000ull;
	uint64_t e = ptsim_mk_leaf(a, PTSIM_PTE, pa >> 16, PAGE_SHARED_48);

	(void)state;
	assert_int_equal(a->pa_layout, PTSIM_PA_52_64K);
	assert_u64_eq(e, 0x006b12345678ffc3ull);
	assert_u64_eq(ptsim_ent_pfn(a, PTSIM_PTE, e), pa >> 16);
	/* 512M block with PA bit 48. */
	e = ptsim_mk_leaf(a, PTSIM_PMD, 0x0001000020000000ull >> 16, PAGE_SHARED_48);
	assert_u64_eq(e, 0x0069000020001fc1ull); /* PA[48] also at bit 48, as the kernel does */
	assert_u64_eq(ptsim_ent_pfn(a, PTSIM_PMD, e), 0x0001000020000000ull >> 16);
}

static void test_pa52_lpa2_page(void **state)
{
	const struct ptsim_arch *a = arch("arm64-4k-52");
	const uint64_t pa = 0x0008000012345000ull; /* PA[51:50] = 0b10 */
	uint64_t prot = ptsim_pgprot(a, PTSIM_PROT_READ | PTSIM_PROT_WRITE, 0);
	uint64_t e = ptsim_mk_leaf(a, PTSIM_PTE, pa >> 12, prot);

	(void)state;
	assert_int_equal(a->pa_layout, PTSIM_PA_52_LPA2);
	assert_u64_eq(prot & T_SHARED, 0);
	assert_u64_eq(e, 0x0068000012345ec3ull);
	assert_u64_eq(ptsim_ent_pfn(a, PTSIM_PTE, e), pa >> 12);
	/* 16K LPA2: PA[51:50] = 0b01 -> bit 8. */
	a = arch("arm64-16k-52");
	prot = ptsim_pgprot(a, PTSIM_PROT_READ, 0);
	e = ptsim_mk_leaf(a, PTSIM_PTE, 0x0004000000004000ull >> 14, prot);
	assert_u64_eq(e, 0x0060000000004dc3ull);
	assert_u64_eq(ptsim_ent_pfn(a, PTSIM_PTE, e), 0x0004000000004000ull >> 14);
}

static void test_swap_literals(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < NR_ARM64; i++) {
		const struct ptsim_arch *a = arm64_at(i);

		assert_u64_eq(ptsim_mk_swp(a, PTSIM_PTE, 0, 0x1234, 0), 0x1234000ull);
		assert_u64_eq(ptsim_mk_swp(a, PTSIM_PTE, 24, 0x12345, 0), 0x12345600ull);
		assert_u64_eq(ptsim_mk_swp(a, PTSIM_PTE, 27, 0x12345, 0), 0x123456c0ull);
		assert_u64_eq(ptsim_mk_swp(a, PTSIM_PTE, 31, 1, 0), 0x17c0ull);
		assert_u64_eq(ptsim_mk_swp(a, PTSIM_PTE, 31, 2, 0), 0x27c0ull);
		assert_u64_eq(ptsim_mk_swp(a, PTSIM_PTE, 31, 4, 0), 0x47c0ull);
		assert_u64_eq(ptsim_mk_swp(a, PTSIM_PMD, 27, 0x12345, PTSIM_SWP_EXCLUSIVE),
			      0x123456c4ull);
		assert_u64_eq(ptsim_mk_swp(a, PTSIM_PTE, 0, 0x1234, PTSIM_SWP_UFFD_WP),
			      0x1234008ull);
		/* soft-dirty has no arm64 bit. */
		assert_u64_eq(ptsim_mk_swp(a, PTSIM_PTE, 0, 0x1234, PTSIM_SWP_SOFT_DIRTY),
			      0x1234000ull);
		assert_u64_eq(ptsim_arch_swp_offset_max(a), (1ull << 50) - 1);
	}
}

static void test_swap_round_trip_law(void **state)
{
	const uint64_t offsets[] = {
		0, 1, 0x1234, 0x12345, 0xdeadbeefull, (1ull << 40) + 7, (1ull << 50) - 1};
	const unsigned int flagsets[] = {0, PTSIM_SWP_EXCLUSIVE, PTSIM_SWP_UFFD_WP,
					 PTSIM_SWP_EXCLUSIVE | PTSIM_SWP_UFFD_WP};

	(void)state;
	for (unsigned int i = 0; i < NR_ARM64; i++) {
		const struct ptsim_arch *a = arm64_at(i);
		enum ptsim_level lv[3];
		unsigned int nl = leaf_levels(a, lv);

		for (unsigned int l = 0; l < nl; l++)
			for (unsigned int type = 0; type < 32; type++)
				for (size_t o = 0; o < sizeof(offsets) / sizeof(offsets[0]); o++)
					for (size_t f = 0; f < 4; f++) {
						enum ptsim_level L = lv[l];
						unsigned int fl = flagsets[f];
						uint64_t e =
							ptsim_mk_swp(a, L, type, offsets[o], fl);
						struct ptsim_attrs at;

						if (type == 0 && offsets[o] == 0 && fl == 0) {
							assert_u64_eq(e, 0);
							continue;
						}
						assert_true(ptsim_ent_swp(a, L, e));
						assert_false(ptsim_ent_present(a, L, e));
						assert_false(ptsim_ent_none(a, L, e));
						assert_false(ptsim_ent_leaf(a, L, e));
						assert_int_equal(ptsim_ent_swp_type(a, L, e), type);
						assert_u64_eq(ptsim_ent_swp_offset(a, L, e),
							      offsets[o]);
						assert_int_equal(ptsim_ent_swp_flags(a, L, e), fl);
						assert_int_equal(ptsim_ent_uffd_wp(a, L, e),
								 !!(fl & PTSIM_SWP_UFFD_WP));
						assert_u64_eq(ptsim_ent_pfn(a, L, e), 0);
						/* Builders toggle exactly their bit. */
						assert_u64_eq(
							ptsim_ent_swp_mkexclusive(a, L, e),
							ptsim_mk_swp(a, L, type, offsets[o],
								     fl | PTSIM_SWP_EXCLUSIVE));
						assert_u64_eq(
							ptsim_ent_swp_clear_exclusive(a, L, e),
							ptsim_mk_swp(a, L, type, offsets[o],
								     fl & ~PTSIM_SWP_EXCLUSIVE));
						assert_u64_eq(ptsim_ent_swp_mkuffd_wp(a, L, e),
							      ptsim_mk_swp(a, L, type, offsets[o],
									   fl | PTSIM_SWP_UFFD_WP));
						assert_u64_eq(
							ptsim_ent_swp_clear_uffd_wp(a, L, e),
							ptsim_mk_swp(a, L, type, offsets[o],
								     fl & ~PTSIM_SWP_UFFD_WP));
						assert_u64_eq(ptsim_ent_swp_mksoft_dirty(a, L, e),
							      e);
						assert_u64_eq(
							ptsim_ent_swp_clear_soft_dirty(a, L, e), e);
						memset(&at, 0, sizeof(at));
						ptsim_ent_decode(a, L, e, &at);
						assert_true(at.swp);
						assert_false(at.present || at.valid || at.none);
						assert_int_equal(at.swp_type, type);
						assert_u64_eq(at.swp_offset, offsets[o]);
						assert_int_equal(at.exclusive,
								 !!(fl & PTSIM_SWP_EXCLUSIVE));
						assert_int_equal(at.uffd_wp,
								 !!(fl & PTSIM_SWP_UFFD_WP));
					}
	}
}

/* Check write()/dirty() and the raw RDONLY/WRITE/DIRTY bits of one state. */
static void check_dbm(const struct ptsim_arch *a, enum ptsim_level L, uint64_t e, bool write,
		      bool dirty, uint64_t pfn)
{
	assert_true(ptsim_ent_present(a, L, e));
	assert_true(ptsim_ent_leaf(a, L, e));
	assert_int_equal(ptsim_ent_write(a, L, e), write);
	assert_int_equal(ptsim_ent_dirty(a, L, e), dirty);
	assert_u64_eq(ptsim_ent_pfn(a, L, e), pfn);
	/* The table of pgtable.h: only dirty+writable is hardware-writable. */
	assert_int_equal(!(e & T_RDONLY), write && dirty);
	assert_int_equal(!!(e & T_WRITE), write);
}

static void test_dbm_state_machine_law(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < NR_ARM64; i++) {
		const struct ptsim_arch *a = arm64_at(i);
		uint64_t shared = ptsim_pgprot(a, PTSIM_PROT_READ | PTSIM_PROT_WRITE, 0);
		uint64_t ro = ptsim_pgprot(a, PTSIM_PROT_READ, 0);
		uint64_t pfn = test_pfn(a);
		enum ptsim_level lv[3];
		unsigned int nl = leaf_levels(a, lv);

		for (unsigned int l = 0; l < nl; l++) {
			enum ptsim_level L = lv[l];
			uint64_t clean_rw = ptsim_mk_leaf(a, L, pfn, shared);
			uint64_t clean_ro = ptsim_mk_leaf(a, L, pfn, ro);
			uint64_t dirty_rw, dirty_ro, hw;

			check_dbm(a, L, clean_rw, true, false, pfn);
			check_dbm(a, L, clean_ro, false, false, pfn);

			dirty_rw = ptsim_ent_mkdirty(a, L, clean_rw);
			assert_u64_eq(dirty_rw, (clean_rw | T_DIRTY) & ~T_RDONLY);
			check_dbm(a, L, dirty_rw, true, true, pfn);

			dirty_ro = ptsim_ent_wrprotect(a, L, dirty_rw);
			assert_u64_eq(dirty_ro, clean_ro | T_DIRTY);
			check_dbm(a, L, dirty_ro, false, true, pfn);
			assert_u64_eq(ptsim_ent_mkdirty(a, L, clean_ro), dirty_ro);

			/* mkwrite: hardware-writable only when already dirty. */
			assert_u64_eq(ptsim_ent_mkwrite(a, L, dirty_ro), dirty_rw);
			assert_u64_eq(ptsim_ent_mkwrite(a, L, clean_ro), clean_rw);
			assert_u64_eq(ptsim_ent_wrprotect(a, L, clean_rw), clean_ro);
			assert_u64_eq(ptsim_ent_mkclean(a, L, dirty_rw), clean_rw);
			assert_u64_eq(ptsim_ent_mkclean(a, L, dirty_ro), clean_ro);

			/* Hardware DBM dirtying clears RDONLY; wrprotect saves it. */
			hw = clean_rw & ~T_RDONLY;
			check_dbm(a, L, hw, true, true, pfn);
			assert_u64_eq(ptsim_ent_wrprotect(a, L, hw), dirty_ro);

			/* uffd-wp marks and write-protects. */
			assert_u64_eq(ptsim_ent_mkuffd_wp(a, L, dirty_rw), dirty_ro | T_UFFD_WP);
			assert_true(ptsim_ent_uffd_wp(a, L, ptsim_ent_mkuffd_wp(a, L, clean_rw)));
			assert_u64_eq(ptsim_ent_clear_uffd_wp(a, L, dirty_ro | T_UFFD_WP),
				      dirty_ro);

			/* Young, special, cont, soft-dirty. */
			assert_u64_eq(ptsim_ent_mkold(a, L, clean_rw), clean_rw & ~T_AF);
			assert_false(ptsim_ent_young(a, L, ptsim_ent_mkold(a, L, clean_rw)));
			assert_u64_eq(ptsim_ent_mkyoung(a, L, clean_rw & ~T_AF), clean_rw);
			assert_u64_eq(ptsim_ent_mkspecial(a, L, clean_rw), clean_rw | T_SPECIAL);
			assert_true(ptsim_ent_special(a, L, clean_rw | T_SPECIAL));
			assert_u64_eq(ptsim_ent_mkcont(a, L, clean_rw), clean_rw | T_CONT);
			assert_true(ptsim_ent_cont(a, L, clean_rw | T_CONT));
			assert_u64_eq(ptsim_ent_mknoncont(a, L, clean_rw | T_CONT), clean_rw);
			assert_u64_eq(ptsim_ent_mksoft_dirty(a, L, clean_rw), clean_rw);
			assert_u64_eq(ptsim_ent_clear_soft_dirty(a, L, dirty_rw), dirty_rw);
			assert_false(ptsim_ent_soft_dirty(a, L, dirty_rw));
		}
	}
}

static void test_modify_law(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < NR_ARM64; i++) {
		const struct ptsim_arch *a = arm64_at(i);
		uint64_t shared = ptsim_pgprot(a, PTSIM_PROT_READ | PTSIM_PROT_WRITE, 0);
		uint64_t ro = ptsim_pgprot(a, PTSIM_PROT_READ, 0);
		uint64_t none = ptsim_pgprot(a, PTSIM_PROT_NONE, 0);
		uint64_t pfn = test_pfn(a);
		enum ptsim_level lv[3];
		unsigned int nl = leaf_levels(a, lv);

		for (unsigned int l = 0; l < nl; l++) {
			enum ptsim_level L = lv[l];
			uint64_t clean_rw = ptsim_mk_leaf(a, L, pfn, shared);
			uint64_t dirty_rw = ptsim_ent_mkdirty(a, L, clean_rw) | T_SPECIAL;
			uint64_t hw = clean_rw & ~T_RDONLY; /* dirtied by hardware */
			uint64_t m;

			/* To read-only: dirtiness moves to PTE_DIRTY. */
			m = ptsim_ent_modify(a, L, dirty_rw, ro);
			assert_u64_eq(m, ptsim_ent_wrprotect(a, L, dirty_rw));
			assert_true(ptsim_ent_dirty(a, L, m) && ptsim_ent_young(a, L, m));
			assert_true(ptsim_ent_special(a, L, m));
			assert_false(ptsim_ent_write(a, L, m));
			assert_u64_eq(ptsim_ent_pfn(a, L, m), pfn);
			assert_u64_eq(ptsim_ent_modify(a, L, hw, ro),
				      ptsim_mk_leaf(a, L, pfn, ro) | T_DIRTY);

			/* Back to writable: sw-dirty becomes hw-dirty again. */
			assert_u64_eq(ptsim_ent_modify(a, L, m, shared), dirty_rw);
			/* Clean stays clean. */
			assert_u64_eq(ptsim_ent_modify(a, L, clean_rw, ro),
				      ptsim_mk_leaf(a, L, pfn, ro));

			/* To PROT_NONE: still present, a leaf, same PFN. */
			m = ptsim_ent_modify(a, L, dirty_rw, none);
			assert_u64_eq(m, ptsim_mk_leaf(a, L, pfn, none) | T_DIRTY | T_SPECIAL);
			assert_true(ptsim_ent_protnone(a, L, m));
			assert_true(ptsim_ent_present(a, L, m) && ptsim_ent_leaf(a, L, m));
			assert_true(ptsim_ent_dirty(a, L, m) && ptsim_ent_young(a, L, m));
			assert_u64_eq(ptsim_ent_pfn(a, L, m), pfn);
			assert_u64_eq(ptsim_ent_modify(a, L, m, shared), dirty_rw);
		}
	}
	/* Whole-word literal on arm64-4k-48. */
	assert_u64_eq(ptsim_ent_modify(arch("arm64-4k-48"), PTSIM_PTE, 0x00e8000012345f43ull,
				       PAGE_NONE_48),
		      0x00e0000012345f82ull);
}

static void test_mkinvalid_law(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < NR_ARM64; i++) {
		const struct ptsim_arch *a = arm64_at(i);
		uint64_t shared = ptsim_pgprot(a, PTSIM_PROT_READ | PTSIM_PROT_WRITE, 0);
		uint64_t pfn = test_pfn(a);
		enum ptsim_level lv[3];
		unsigned int nl = leaf_levels(a, lv);

		for (unsigned int l = 0; l < nl; l++) {
			enum ptsim_level L = lv[l];
			uint64_t e = ptsim_ent_mkdirty(a, L, ptsim_mk_leaf(a, L, pfn, shared));
			uint64_t inv = ptsim_ent_mkinvalid(a, L, e);
			struct ptsim_attrs at;

			assert_u64_eq(inv, (e & ~T_VALID) | T_NG);
			assert_true(ptsim_ent_present(a, L, inv));
			assert_true(ptsim_ent_leaf(a, L, inv));
			assert_false(ptsim_ent_table(a, L, inv));
			assert_false(ptsim_ent_swp(a, L, inv));
			assert_false(ptsim_ent_protnone(a, L, inv)); /* USER set */
			assert_true(ptsim_ent_dirty(a, L, inv));
			assert_u64_eq(ptsim_ent_pfn(a, L, inv), pfn);
			memset(&at, 0, sizeof(at));
			ptsim_ent_decode(a, L, inv, &at);
			assert_true(at.present && at.leaf && !at.valid && !at.hw_write);
			assert_u64_eq(at.pfn, pfn);
		}
	}
	assert_u64_eq(ptsim_ent_mkinvalid(arch("arm64-4k-48"), PTSIM_PMD, 0x0068000000200fc1ull),
		      0x0068000000200fc0ull);
}

/* pfn round trip for leaves and tables on every configuration. */
static void test_pfn_round_trip_law(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < NR_ARM64; i++) {
		const struct ptsim_arch *a = arm64_at(i);
		uint64_t shared = ptsim_pgprot(a, PTSIM_PROT_READ | PTSIM_PROT_WRITE, 0);
		uint64_t pfn = test_pfn(a);
		uint64_t top = ((1ull << ptsim_arch_pa_bits(a)) - 1) >> ptsim_arch_page_shift(a);

		assert_u64_eq(ptsim_ent_pfn(a, PTSIM_PTE, ptsim_mk_leaf(a, PTSIM_PTE, top, shared)),
			      top);
		assert_u64_eq(ptsim_ent_pfn(a, PTSIM_PMD, ptsim_mk_table(a, PTSIM_PMD, top, false)),
			      top);
		assert_u64_eq(ptsim_ent_pfn(a, PTSIM_PGD, ptsim_mk_table(a, PTSIM_PGD, pfn, true)),
			      pfn);
		assert_u64_eq(ptsim_ent_pfn(a, PTSIM_PTE, ptsim_mk_leaf(a, PTSIM_PTE, 1, shared)),
			      1);
	}
}

static void test_none_entry(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < NR_ARM64; i++) {
		const struct ptsim_arch *a = arm64_at(i);
		struct ptsim_attrs at;

		assert_true(ptsim_ent_none(a, PTSIM_PTE, 0));
		assert_false(ptsim_ent_present(a, PTSIM_PTE, 0));
		assert_false(ptsim_ent_swp(a, PTSIM_PTE, 0));
		assert_false(ptsim_ent_leaf(a, PTSIM_PMD, 0));
		assert_false(ptsim_ent_table(a, PTSIM_PMD, 0));
		ptsim_ent_decode(a, PTSIM_PTE, 0, &at);
		assert_true(at.none);
		assert_false(at.present || at.swp || at.valid);
	}
}

static int line(const char *name, int lvl, uint64_t start, uint64_t end, uint64_t e, char *buf,
		size_t len)
{
	const struct ptsim_arch *a = arch(name);
	uint64_t key = a->ops->ptdump_key(a, lvl, e, 0);

	return a->ops->ptdump_line(a, a->ops->ptdump_level(a, lvl), start, end, e, key, buf, len);
}

static void test_ptdump_lines(void **state)
{
	char buf[256];
	const char *want;
	int n;

	(void)state;
	/* User RW page. */
	want = "0x0000000000400000-0x0000000000401000           4K PTE"
	       "   USR ro NX SHD AF NG         UXN    MEM/NORMAL\n";
	n = line("arm64-4k-48", PTSIM_PTE, 0x400000, 0x401000, 0x0068000012345fc3ull, buf,
		 sizeof(buf));
	assert_string_equal(buf, want);
	assert_int_equal(n, (int)strlen(want));

	/* 2M block: BLK. */
	want = "0x0000000000200000-0x0000000000400000           2M PMD"
	       "   USR ro NX SHD AF NG     BLK UXN    MEM/NORMAL\n";
	line("arm64-4k-48", PTSIM_PMD, 0x200000, 0x400000, 0x0068000000200fc1ull, buf, sizeof(buf));
	assert_string_equal(buf, want);

	/* Hole: no attributes. */
	want = "0x0000000000000000-0x0000008000000000         512G PGD\n";
	line("arm64-4k-48", PTSIM_PGD, 0, 0x0000008000000000ull, 0, buf, sizeof(buf));
	assert_string_equal(buf, want);

	/* PAGE_NONE page: "F", device memory type, 1G on 4k-39 folded PUD -> PGD. */
	want = "0x0000000040000000-0x0000000080000000           1G PGD"
	       " F     ro NX SHD AF NG         UXN    DEVICE/nGnRE\n";
	line("arm64-4k-39", PTSIM_PUD, 0x40000000, 0x80000000, 0x0060000040000f92ull, buf,
	     sizeof(buf));
	assert_string_equal(buf, want);

	/* Kernel RW page with CONT, no SH under LPA2, 64K span. */
	want = "0xffff000000000000-0xffff000000010000          64K PTE"
	       "       RW NX     AF    CON     UXN    MEM/NORMAL\n";
	line("arm64-4k-52", PTSIM_PTE, 0xffff000000000000ull, 0xffff000000010000ull,
	     0x00f8000012345403ull, buf, sizeof(buf));
	assert_string_equal(buf, want);

	/* snprintf semantics on truncation. */
	n = line("arm64-4k-48", PTSIM_PGD, 0, 0x0000008000000000ull, 0, buf, 10);
	assert_int_equal(n, 55);
	assert_string_equal(buf, "0x0000000");
}

static void test_ptdump_levels(void **state)
{
	const struct ptsim_arch *a;

	(void)state;
	a = arch("arm64-4k-39");
	assert_int_equal(a->ops->ptdump_level(a, PTSIM_P4D), PTSIM_PGD);
	assert_int_equal(a->ops->ptdump_level(a, PTSIM_PUD), PTSIM_PGD);
	assert_int_equal(a->ops->ptdump_level(a, PTSIM_PMD), PTSIM_PMD);
	assert_int_equal(a->ops->ptdump_level(a, PTSIM_PTE), PTSIM_PTE);
	a = arch("arm64-4k-48");
	assert_int_equal(a->ops->ptdump_level(a, PTSIM_P4D), PTSIM_PGD);
	assert_int_equal(a->ops->ptdump_level(a, PTSIM_PUD), PTSIM_PUD);
	a = arch("arm64-4k-52");
	assert_int_equal(a->ops->ptdump_level(a, PTSIM_P4D), PTSIM_P4D);
	assert_int_equal(a->ops->ptdump_level(a, PTSIM_PUD), PTSIM_PUD);
}

static void test_ptdump_keys(void **state)
{
	const struct ptsim_arch *a = arch("arm64-4k-48");
	const uint64_t e = 0x0068000012345fc3ull;
	uint64_t k = a->ops->ptdump_key(a, PTSIM_PTE, e, 0);

	(void)state;
	assert_u64_eq(k, 0x0060000000000fc3ull);
	assert_u64_eq(a->ops->ptdump_key(a, PTSIM_PTE, e | T_DIRTY, 0), k);
	assert_u64_eq(a->ops->ptdump_key(a, PTSIM_PTE, e & ~T_WRITE, 0), k);
	assert_u64_eq(a->ops->ptdump_key(a, PTSIM_PTE, e | T_SPECIAL | T_UFFD_WP, 0), k);
	/* A different PFN continues the line too. */
	assert_u64_eq(a->ops->ptdump_key(a, PTSIM_PTE, e + 0x1000, 0), k);
	assert_true(a->ops->ptdump_key(a, PTSIM_PTE, e & ~T_AF, 0) != k);
	assert_true(a->ops->ptdump_key(a, PTSIM_PTE, e & ~T_RDONLY, 0) != k);
	assert_u64_eq(a->ops->ptdump_key(a, PTSIM_PTE, 0, 0), 0);
	assert_u64_eq(a->ops->ptdump_table_key(a, PTSIM_PMD, 0x0800000012345403ull, 0), 0);
}

/*
 * The folding rule generic code relies on (ptsim__entry_level()): a level
 * that may hold a leaf is the lowest logical level sharing its slot, and
 * the child of an entry is the next real level.
 */
static void test_folding_rule(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < NR_ARM64; i++) {
		const struct ptsim_arch *a = arm64_at(i);

		for (int l = PTSIM_PGD; l <= PTSIM_PTE; l++) {
			if (a->leaf_ok[l])
				assert_int_equal(ptsim__entry_level(a, l), l);
			if (l < PTSIM_PTE)
				assert_false(ptsim__level_folded(a, ptsim__child_level(a, l)));
		}
	}
	/* arm64-4k-39: the PGD slot is read as a PUD entry (1 GiB blocks); PMD is real. */
	assert_int_equal(ptsim__entry_level(arch("arm64-4k-39"), PTSIM_PGD), PTSIM_PUD);
	assert_int_equal(ptsim__child_level(arch("arm64-4k-39"), PTSIM_PGD), PTSIM_PMD);
	assert_int_equal(ptsim__child_level(arch("arm64-4k-39"), PTSIM_P4D), PTSIM_PMD);
	/* arm64-64k-42: two levels, the PGD slot is read as a PMD entry. */
	assert_int_equal(ptsim__entry_level(arch("arm64-64k-42"), PTSIM_PGD), PTSIM_PMD);
	assert_int_equal(ptsim__child_level(arch("arm64-64k-42"), PTSIM_PGD), PTSIM_PTE);
	assert_int_equal(ptsim__entry_level(arch("arm64-4k-52"), PTSIM_PGD), PTSIM_PGD);
}

/*
 * Capabilities and address-space layout of every arm64 configuration, by
 * name, as ptsim_arch_lookup() has them (a machine's copy may differ by
 * knobs): the TTBR0 half only, TASK_SIZE = 1 << VA_BITS, and the mmap
 * window capped at 48 bits.
 */
static void test_caps_and_layout(void **state)
{
	const unsigned int caps = PTSIM_ARCH_CAP_BREAK_BEFORE_MAKE |
				  PTSIM_ARCH_CAP_SET_ACCESS_FLAGS_FLUSHES |
				  PTSIM_ARCH_CAP_CLEAR_YOUNG_FLUSHES | PTSIM_ARCH_CAP_MIGRATION_AD;
	static const struct {
		const char *name;
		unsigned int va_bits, window_bits;
	} want[] = {
		{"arm64-4k-39", 39, 39},  {"arm64-4k-48", 48, 48},  {"arm64-4k-52", 52, 48},
		{"arm64-16k-47", 47, 47}, {"arm64-16k-48", 48, 48}, {"arm64-16k-52", 52, 48},
		{"arm64-64k-42", 42, 42}, {"arm64-64k-48", 48, 48}, {"arm64-64k-52", 52, 48},
	};

	(void)state;
	assert_int_equal(sizeof(want) / sizeof(want[0]), NR_ARM64);
	for (unsigned int i = 0; i < NR_ARM64; i++) {
		const struct ptsim_arch *a = arch(want[i].name);
		uint64_t top = 1ull << want[i].va_bits;

		assert_int_equal(a->caps, caps);
		assert_u64_eq(a->task_size, top);
		assert_u64_eq(a->map_window, 1ull << want[i].window_bits);
		assert_int_equal(a->nr_va_ranges, 1);
		assert_u64_eq(a->va_ranges[0].start, 0);
		assert_u64_eq(a->va_ranges[0].end, top);
		assert_null(a->va_ranges[0].ptdump_marker);
		assert_int_equal(ptsim__va_range(a, 0), 0);
		assert_int_equal(ptsim__va_range(a, top - 1), 0);
		assert_int_equal(ptsim__va_range(a, top), -1);
		assert_int_equal(ptsim__va_range(a, ~0ull), -1);
	}
}

/* ---- The hardware's view (mmu_* ops) --------------------------------- */

static const struct ptsim_mmu_config hw_none = {.hw_af = false, .hw_dbm = false};
static const struct ptsim_mmu_config hw_both = {.hw_af = true, .hw_dbm = true};

static enum ptsim_mmu_verdict mmu_check(const struct ptsim_arch *a, uint64_t e, unsigned int access,
					bool user, const struct ptsim_mmu_config *mcfg)
{
	return a->ops->mmu_check(a, PTSIM_PTE, e, access, user, mcfg);
}

static void test_mmu_ok_mask(void **state)
{
	(void)state;
	check_ok_mask(arch("arm64-4k-48"), 1ull << 51 /* DBM */);
}

static void test_mmu_valid_global_type(void **state)
{
	const struct ptsim_arch *a = arch("arm64-4k-48");
	const struct ptsim_arch_ops *o = a->ops;

	(void)state;
	/* Valid, not Linux's pte_present(): PAGE_NONE is present-invalid. */
	assert_true(o->mmu_valid(a, PTSIM_PTE, 0x0068000012345fc3ull));
	assert_false(o->mmu_valid(a, PTSIM_PTE, 0x0060000012345f82ull));
	assert_false(o->mmu_valid(a, PTSIM_PTE, 0));
	/* nG: user pages are per-ASID, PAGE_KERNEL is global. */
	assert_false(o->mmu_global(a, PTSIM_PTE, 0x0068000012345fc3ull));
	assert_true(o->mmu_global(a, PTSIM_PTE, 0x00e8000012345703ull));
	/* Level 3 needs type 0b11 (page); 0b01 is reserved there, a block above. */
	assert_true(o->mmu_leaf_usable(a, PTSIM_PTE, 0x0068000012345fc3ull));
	assert_false(o->mmu_leaf_usable(a, PTSIM_PTE, 0x0068000012345fc1ull));
	assert_true(o->mmu_leaf_usable(a, PTSIM_PMD, 0x0068000012400fc1ull));
}

/* PXNTable / UXNTable apply below; leaves get them as PXN / UXN. */
static void test_mmu_rights(void **state)
{
	const struct ptsim_arch *a = arch("arm64-4k-48");
	const struct ptsim_arch_ops *o = a->ops;
	struct ptsim_mmu_rights r = {0, 0};

	(void)state;
	/* A user table (pmd_populate(): PXNTable). */
	o->mmu_table_rights(a, PTSIM_PUD, 0x0800000012346403ull, &r);
	assert_u64_eq(r.clr, 0);
	assert_u64_eq(r.set, 0x0800000000000000ull);
	assert_u64_eq(o->mmu_fold_table(a, PTSIM_PMD, &r, 0x0000000012347403ull),
		      0x0800000012347403ull);
	assert_u64_eq(o->mmu_fold_leaf(a, PTSIM_PTE, &r, 0x0000000012345fc3ull),
		      0x0020000012345fc3ull);
	/* A kernel table above (UXNTable) adds UXN as well. */
	o->mmu_table_rights(a, PTSIM_PGD, 0x1000000012348403ull, &r);
	assert_u64_eq(r.set, 0x1800000000000000ull);
	assert_u64_eq(o->mmu_fold_leaf(a, PTSIM_PTE, &r, 0x0000000012345fc3ull),
		      0x0060000012345fc3ull);
	assert_int_equal(mmu_check(a, 0x0060000012345fc3ull, PTSIM_ACCESS_EXEC, true, &hw_both),
			 PTSIM_MMU_V_PERM);
	assert_int_equal(mmu_check(a, 0x0000000012345fc3ull, PTSIM_ACCESS_EXEC, true, &hw_both),
			 PTSIM_MMU_V_OK);
}

static void test_mmu_check_update(void **state)
{
	const struct ptsim_arch *a = arch("arm64-4k-48");
	const struct ptsim_arch_ops *o = a->ops;
	const uint64_t shared = 0x0068000012345fc3ull; /* PAGE_SHARED: clean, RDONLY + DBM */
	const uint64_t old = 0x0068000012345bc3ull;    /* the same with AF clear */
	const uint64_t execonly = 0x0020000012345f83ull;

	(void)state;
	assert_int_equal(mmu_check(a, shared, PTSIM_ACCESS_READ, true, &hw_none), PTSIM_MMU_V_OK);
	assert_int_equal(mmu_check(a, shared, PTSIM_ACCESS_EXEC, true, &hw_both), PTSIM_MMU_V_PERM);
	/* A write to a clean DBM page: the hardware's dirty update, or a permission fault. */
	assert_int_equal(mmu_check(a, shared, PTSIM_ACCESS_WRITE, true, &hw_both),
			 PTSIM_MMU_V_UPDATE);
	assert_int_equal(mmu_check(a, shared, PTSIM_ACCESS_WRITE, true, &hw_none),
			 PTSIM_MMU_V_PERM);
	assert_int_equal(mmu_check(a, 0x0060000012345fc3ull, PTSIM_ACCESS_WRITE, true, &hw_both),
			 PTSIM_MMU_V_PERM);
	assert_int_equal(mmu_check(a, 0x0068000012345f43ull, PTSIM_ACCESS_WRITE, true, &hw_none),
			 PTSIM_MMU_V_OK);
	/* Access flag before permission. */
	assert_int_equal(mmu_check(a, old, PTSIM_ACCESS_READ, true, &hw_none), PTSIM_MMU_V_AF);
	assert_int_equal(mmu_check(a, old, PTSIM_ACCESS_EXEC, true, &hw_none), PTSIM_MMU_V_AF);
	assert_int_equal(mmu_check(a, old, PTSIM_ACCESS_READ, true, &hw_both), PTSIM_MMU_V_UPDATE);
	assert_int_equal(mmu_check(a, old, PTSIM_ACCESS_EXEC, true, &hw_both), PTSIM_MMU_V_PERM);
	/* Execute-only: EL0 may run it (UXN clear) but not read it (AP[1] clear). */
	assert_int_equal(mmu_check(a, execonly, PTSIM_ACCESS_EXEC, true, &hw_none), PTSIM_MMU_V_OK);
	assert_int_equal(mmu_check(a, execonly, PTSIM_ACCESS_READ, true, &hw_none),
			 PTSIM_MMU_V_PERM);
	assert_int_equal(mmu_check(a, execonly, PTSIM_ACCESS_EXEC, false, &hw_none),
			 PTSIM_MMU_V_PERM);
	assert_int_equal(mmu_check(a, execonly, PTSIM_ACCESS_READ, false, &hw_none),
			 PTSIM_MMU_V_OK);
	/* The update: AF, and AP[2] cleared for a write; tables are left alone. */
	assert_u64_eq(o->mmu_update(a, PTSIM_PTE, old, PTSIM_ACCESS_READ), shared);
	assert_u64_eq(o->mmu_update(a, PTSIM_PTE, old, PTSIM_ACCESS_WRITE), 0x0068000012345f43ull);
	assert_u64_eq(o->mmu_update(a, PTSIM_PMD, 0x0068000012400bc1ull, PTSIM_ACCESS_WRITE),
		      0x0068000012400f41ull);
	assert_u64_eq(o->mmu_table_accessed(a, PTSIM_PMD, 0x0800000012346003ull),
		      0x0800000012346003ull);
}

/*
 * walk_table() is exactly table() and not a leaf where the level may hold
 * one, with pfn(): on every configuration of the architecture, every level,
 * random words and the entries the constructors build.
 */
static void test_walk_table_op(void **state)
{
	uint64_t rng = 0x2545f4914f6cdd1dull, descended = 0;

	(void)state;
	for (unsigned int i = 0; ptsim_arch_at(i); i++) {
		const struct ptsim_arch *a = ptsim_arch_at(i);
		const struct ptsim_arch_ops *o = a->ops;

		if (ptsim_arch_kind(a) != PTSIM_ARCH_ARM64)
			continue;
		for (int lvl = 0; lvl < PTSIM_NR_LEVELS; lvl++) {
			for (int n = 0; n < 20000; n++) {
				uint64_t e, pfn = 0, r;
				bool want;

				rng ^= rng << 13;
				rng ^= rng >> 7;
				rng ^= rng << 17;
				r = rng % 0x100000;
				switch (n % 4) {
				case 0:
					e = rng;
					break;
				case 1:
					e = o->mk_table(a, lvl, r, n % 8 == 1);
					break;
				case 2:
					e = o->mk_leaf(
						a, lvl, r,
						o->pgprot(a, (unsigned int)(rng >> 32) % 8, 0));
					break;
				default:
					e = rng & 0xfffull;
					break;
				}
				want = o->table(a, lvl, e) &&
				       !(a->leaf_ok[lvl] && o->leaf(a, lvl, e));
				assert_int_equal(o->walk_table(a, lvl, e, &pfn), want);
				if (want)
					assert_u64_eq(pfn, o->pfn(a, lvl, e));
				descended += want;
			}
		}
	}
	assert_true(descended > 10000); /* not vacuous: many entries are tables */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry_has_nine_arm64),
		cmocka_unit_test(test_folding_rule),
		cmocka_unit_test(test_walk_table_op),
		cmocka_unit_test(test_caps_and_layout),
		cmocka_unit_test(test_mmu_valid_global_type),
		cmocka_unit_test(test_mmu_rights),
		cmocka_unit_test(test_mmu_check_update),
		cmocka_unit_test(test_mmu_ok_mask),
		cmocka_unit_test(test_pgprot_literals),
		cmocka_unit_test(test_pgprot_shared_per_config),
		cmocka_unit_test(test_user_page_literal),
		cmocka_unit_test(test_block_literals),
		cmocka_unit_test(test_table_literals),
		cmocka_unit_test(test_pa52_64k_page),
		cmocka_unit_test(test_pa52_lpa2_page),
		cmocka_unit_test(test_swap_literals),
		cmocka_unit_test(test_swap_round_trip_law),
		cmocka_unit_test(test_dbm_state_machine_law),
		cmocka_unit_test(test_modify_law),
		cmocka_unit_test(test_mkinvalid_law),
		cmocka_unit_test(test_pfn_round_trip_law),
		cmocka_unit_test(test_none_entry),
		cmocka_unit_test(test_ptdump_lines),
		cmocka_unit_test(test_ptdump_levels),
		cmocka_unit_test(test_ptdump_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
